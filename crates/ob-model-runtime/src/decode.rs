//! Decoding entry points that name the JSON path of any error.

use std::fmt;

use serde_core::Deserialize;

/// A document that could not be decoded, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The JSON path of the failing value, such as `$.Data.Transaction[0].Amount.Amount`.
    pub path: String,
    /// What was wrong there.
    pub message: String,
    /// 1-based line of the failure in the input.
    pub line: usize,
    /// 1-based column of the failure in the input.
    pub column: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (line {}, column {})",
            self.path, self.message, self.line, self.column
        )
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a JSON document into a model type.
///
/// Fast on success; on failure the input is decoded a second time, tracking the path, so the
/// error names where it went wrong.
///
/// ```
/// use ob_model_runtime::{decode, Amount};
/// let err = decode::from_slice::<Vec<Amount>>(br#"["1.00", 2]"#).unwrap_err();
/// assert_eq!(err.path, "$[1]");
/// assert!(err.message.contains("expected an amount as a JSON string"));
/// ```
pub fn from_slice<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    // Checking UTF-8 once for the whole document is much cheaper than per string.
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let before = &bytes[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = before.len()
                - before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
            return Err(DecodeError {
                path: "$".into(),
                message: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                line,
                column,
            });
        }
    };
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let mut path = String::from("$");
            if let Err(e) = serde_path_to_error::deserialize::<_, T>(&mut de) {
                for segment in e.path().iter() {
                    use serde_path_to_error::Segment;
                    // Writing to a String cannot fail.
                    let _ = match segment {
                        Segment::Seq { index } => {
                            use fmt::Write;
                            write!(path, "[{index}]")
                        }
                        Segment::Map { key } => crate::validate::write_member(&mut path, key),
                        Segment::Enum { variant } => {
                            crate::validate::write_member(&mut path, variant)
                        }
                        Segment::Unknown => crate::validate::write_member(&mut path, "?"),
                    };
                }
            }
            let message = first.to_string();
            // serde_json appends " at line L column C"; keep the message without it.
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            let message = shorten_quotes(&message);
            Err(DecodeError {
                path,
                message,
                line: first.line(),
                column: first.column(),
            })
        }
    }
}

/// A decode message with each quoted value (serde quotes the offending string) cut to an
/// [`excerpt`](crate::validate::excerpt), so that a huge bad value does not make a huge message.
fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(512));
    let mut rest = message;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..=start]);
        let after = &rest[start + 1..];
        // The closing quote: the last one of the message if the value holds quotes of its
        // own is not knowable, so the next unescaped one.
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        match end {
            Some(end) => {
                out.push_str(&crate::validate::excerpt(&after[..end]));
                out.push('"');
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&crate::validate::excerpt(after));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decodes a JSON document from a string. See [`from_slice`].
pub fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, DecodeError> {
    from_slice(text.as_bytes())
}

/// A document decoded as a model type, re-encoded, and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The model re-encoded as compact JSON (unknown fields kept, missing fields left out).
    pub encoded: Vec<u8>,
    /// Every spec violation found by `validate()`.
    pub violations: Vec<crate::Violation>,
    /// The notes `validate()` leaves out (codes outside open code lists).
    pub notes: Vec<crate::Violation>,
}

/// Decodes `body` as `T`, re-encodes it and validates it. Used by the generated `check_json`.
pub fn check_as<T>(body: &[u8]) -> Result<Checked, DecodeError>
where
    T: for<'de> Deserialize<'de> + serde_core::Serialize + crate::Validate,
{
    let value: T = from_slice(body)?;
    let encoded = serde_json::to_vec(&value).map_err(|e| DecodeError {
        path: "$".into(),
        message: format!("re-encoding failed: {e}"),
        line: 0,
        column: 0,
    })?;
    let (notes, violations) = value.validate_all().into_iter().partition(|v| v.is_note());
    Ok(Checked {
        encoded,
        violations,
        notes,
    })
}
