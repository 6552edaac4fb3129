//! base64url without padding (RFC 7515 §2), strict: padding and stray bits are refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::JoseError;

/// Encodes bytes as base64url without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes one base64url part of a JWS; `what` names it in the error.
pub(crate) fn decode(part: &str, what: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| JoseError::Malformed {
            reason: format!("{what} is not base64url without padding ({e})"),
        })
}
