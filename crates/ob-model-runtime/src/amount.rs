//! `Amount`: a decimal carried in a JSON string that keeps its exact text form (scale).
//!
//! OBIE amounts (`OBActiveCurrencyAndAmount_SimpleType`, pattern `^\d{1,13}$|^\d{1,13}\.\d{1,5}$`)
//! and rates travel as strings. Monzo sends four decimals (`"150.0000"`); re-encoding must give the
//! same text, so the scale is kept: `"150.0000"` never becomes `"150"`; so are leading zeros
//! (`"007.50"`) and a negative zero (`"-0.00"`), which `validate()` then checks against the
//! spec's pattern as written.
//!
//! Format is validation, type is decoding: a JSON string that is no amount (`"12,50"`) still
//! decodes, keeps its text, reads as zero and is a violation of `validate()`
//! ([`Amount::is_valid`]); a JSON number where an amount is due fails to decode. [`FromStr`]
//! stays strict.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_core::de::{self, Deserialize, Deserializer, Visitor};
use serde_core::ser::{Serialize, Serializer};

/// A decimal amount as OBIE sends it: a JSON string such as `"150.0000"`.
///
/// The value is a [`rust_decimal::Decimal`]; its scale (number of digits after the point) is the
/// scale of the text it came from, so encoding gives back the same text.
///
/// ```
/// use ob_model_runtime::Amount;
/// let a: Amount = "150.0000".parse().unwrap();
/// assert_eq!(a.to_string(), "150.0000");
/// assert_eq!(a.value(), rust_decimal::Decimal::new(150, 0));
/// ```
///
/// Equality, hashing and order are by value (`"7.5"` equals `"7.50"` and `"007.50"`; a decoded
/// text that is no amount equals only the same text); the text form is what
/// [`Display`](fmt::Display) and serialization write.
#[derive(Clone, Default)]
pub struct Amount {
    value: Decimal,
    /// How the text differs from the decimal's own form, when it does (rare: boxed, so that
    /// the common amount stays small).
    form: Option<Box<Form>>,
}

/// What an amount's text has beyond its decimal.
#[derive(Clone, Default, PartialEq, Eq)]
struct Form {
    /// Zeros written before the integer part's first significant digit (`"007.50"`: 2).
    leading_zeros: u16,
    /// Written `-0`, `-0.00`: a zero with a minus sign (the decimal has no signed zero).
    negative_zero: bool,
    /// A decoded text that is no amount: kept, written back, reported by `validate()`.
    invalid: Option<AmountError>,
}

impl Amount {
    /// Wraps a decimal; its scale decides the text form.
    pub const fn new(value: Decimal) -> Self {
        Self { value, form: None }
    }

    /// Whether the decoded text was an amount. A text that is not one (`"12,50"`) still
    /// decodes (the document stays readable and re-encodes unchanged), reads as zero and is
    /// reported by `validate()`.
    pub fn is_valid(&self) -> bool {
        self.invalid().is_none()
    }

    /// Why the decoded text is no amount, when it is not (its text is in the error).
    pub fn invalid(&self) -> Option<&AmountError> {
        self.form.as_ref().and_then(|f| f.invalid.as_ref())
    }

    /// The decimal value.
    pub const fn value(&self) -> Decimal {
        self.value
    }

    /// Digits after the decimal point in the text form.
    pub const fn scale(&self) -> u32 {
        self.value.scale()
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(&self) -> bool {
        self.value.is_sign_negative() && !self.value.is_zero()
    }

    /// Whether the text form is the decimal's own (no leading zeros, no negative zero, valid).
    fn is_plain(&self) -> bool {
        self.form.is_none()
    }
}

impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.invalid() == other.invalid()
    }
}

impl Eq for Amount {}

impl std::hash::Hash for Amount {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Amount {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn text(a: &Amount) -> Option<&str> {
            a.invalid().map(|e| e.text.as_str())
        }
        self.value
            .cmp(&other.value)
            .then_with(|| text(self).cmp(&text(other)))
    }
}

impl From<Decimal> for Amount {
    fn from(value: Decimal) -> Self {
        Self::new(value)
    }
}

impl From<Amount> for Decimal {
    fn from(value: Amount) -> Self {
        value.value
    }
}

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountError {
    text: String,
    reason: &'static str,
}

impl AmountError {
    /// The text that is not an amount.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Why it is not one.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for AmountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid amount {:?}: {} (expected digits with an optional '-' and '.', such as \"10.50\")",
            self.text, self.reason
        )
    }
}

impl std::error::Error for AmountError {}

impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| AmountError {
            text: s.to_owned(),
            reason,
        };
        let bytes = s.as_bytes();
        let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
        let (int, frac) = match digits.iter().position(|&b| b == b'.') {
            Some(i) => (&digits[..i], Some(&digits[i + 1..])),
            None => (digits, None),
        };
        if int.is_empty() {
            return Err(err("no digits before the decimal point"));
        }
        if !int.iter().all(u8::is_ascii_digit) {
            return Err(err("not a decimal number"));
        }
        if let Some(frac) = frac {
            if frac.is_empty() {
                return Err(err("no digits after the decimal point"));
            }
            if !frac.iter().all(u8::is_ascii_digit) {
                return Err(err("not a decimal number"));
            }
        }
        let significant = int.iter().position(|&b| b != b'0').unwrap_or(int.len());
        // At least one digit stays before the point: "000" is "0" with two leading zeros.
        let leading = significant.min(int.len() - 1);
        let leading_zeros =
            u16::try_from(leading).map_err(|_| err("more than 65535 leading zeros"))?;
        let value =
            Decimal::from_str_exact(s).map_err(|_| err("out of range for a 96-bit decimal"))?;
        let negative_zero = bytes.first() == Some(&b'-') && value.is_zero();
        Ok(Self {
            value,
            form: (leading_zeros > 0 || negative_zero).then(|| {
                Box::new(Form {
                    leading_zeros,
                    negative_zero,
                    invalid: None,
                })
            }),
        })
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_plain() {
            return fmt::Display::fmt(&self.value, f);
        }
        let Some(form) = self.form.as_deref() else {
            return fmt::Display::fmt(&self.value, f);
        };
        if let Some(invalid) = &form.invalid {
            return f.write_str(&invalid.text);
        }
        if form.negative_zero || self.is_negative() {
            f.write_str("-")?;
        }
        for _ in 0..form.leading_zeros {
            f.write_str("0")?;
        }
        fmt::Display::fmt(&self.value.abs(), f)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.is_plain() {
            return serializer.serialize_str(&self.to_string());
        }
        // Decimal's Display keeps the scale; format into a stack buffer to avoid allocating.
        let mut buf = StackStr::<48>::new();
        fmt::write(&mut buf, format_args!("{}", self.value))
            .map_err(serde_core::ser::Error::custom)?;
        serializer.serialize_str(buf.as_str())
    }
}

struct AmountVisitor;

impl Visitor<'_> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount as a JSON string such as \"10.00\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
        Ok(v.parse().unwrap_or_else(|e| Amount {
            form: Some(Box::new(Form {
                invalid: Some(e),
                ..Form::default()
            })),
            ..Amount::default()
        }))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
        Err(E::custom(format_args!(
            "invalid type: number {v}, expected an amount as a JSON string such as \"{v}.00\""
        )))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
        Err(E::custom(format_args!(
            "invalid type: number {v}, expected an amount as a JSON string such as \"{v}.00\""
        )))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
        Err(E::custom(format_args!(
            "invalid type: number {v}, expected an amount as a JSON string such as \"{v}\""
        )))
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(AmountVisitor)
    }
}

/// A fixed-capacity string buffer for formatting without allocation.
pub(crate) struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only whole `&str`s are ever appended, so the bytes are valid UTF-8.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> fmt::Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > N {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_scale() {
        for text in [
            "0",
            "1",
            "1.0",
            "150.0000",
            "0.00001",
            "-12.50",
            "9999999999999.99999",
        ] {
            let a: Amount = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{text}\""));
        }
    }

    #[test]
    fn keeps_leading_zeros_and_negative_zero() {
        for text in ["007.50", "000", "00.5", "-0", "-0.00", "-007.5", "0"] {
            let a: Amount = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{text}\""));
        }
        let a: Amount = "007.50".parse().unwrap();
        assert_eq!(a, "7.5".parse::<Amount>().unwrap());
        assert_eq!(a.value(), Decimal::new(750, 2));
        let z: Amount = "-0.00".parse().unwrap();
        assert!(!z.is_negative());
    }

    #[test]
    fn a_text_that_is_no_amount_decodes_and_keeps_its_text() {
        let a: Amount = serde_json::from_str("\"12,50\"").unwrap();
        assert!(!a.is_valid());
        assert_eq!(a.invalid().unwrap().text(), "12,50");
        assert_eq!(a.value(), Decimal::ZERO);
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"12,50\"");
    }

    #[test]
    fn rejects_non_numbers() {
        for text in [
            "", "-", ".5", "5.", "1e3", "1,00", " 1", "+1", "0x10", "1.2.3",
        ] {
            assert!(text.parse::<Amount>().is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn json_number_is_a_clear_error() {
        let err = serde_json::from_str::<Amount>("150.5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected an amount as a JSON string"), "{err}");
    }
}
