//! PEM (RFC 7468) for keys: one labelled block, base64 of DER.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::JoseError;

/// The label and DER bytes of the first PEM block in `text`.
pub(crate) fn decode(text: &str) -> Result<(String, Vec<u8>), JoseError> {
    let rejected = |reason: &str| JoseError::KeyRejected {
        reason: reason.to_owned(),
    };
    let start = text
        .find("-----BEGIN ")
        .ok_or_else(|| rejected("no PEM block (-----BEGIN ...-----)"))?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest
        .find("-----")
        .ok_or_else(|| rejected("unterminated PEM BEGIN line"))?;
    let label = rest[..label_end].to_owned();
    let body = &rest[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body
        .find(&end_marker)
        .ok_or_else(|| rejected(&format!("no {end_marker} line")))?;
    let b64: String = body[..body_end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD
        .decode(b64)
        .map_err(|e| rejected(&format!("PEM body is not base64 ({e})")))?;
    Ok((label, der))
}

/// A PEM block with lines of 64 characters.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
