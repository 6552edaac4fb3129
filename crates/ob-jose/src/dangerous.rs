//! Unverified and unsecured JWS. **Dangerous**: nothing here checks a signature.
//!
//! Monzo's EU registration requires a software statement that is self-signed or unsecured
//! (`alg: none`); these functions make and read such statements, and let a verifier look at a
//! token's header and claims before it knows which keys to check it with (for example, to
//! read a software statement's issuer). Never treat what they return as authenticated.
//!
//! ```
//! use ob_jose::dangerous;
//! use ob_jose::jws::Object;
//!
//! let token = dangerous::encode_unsecured(&Object::new(), br#"{"software_id":"x"}"#)?;
//! assert!(token.ends_with('.'));
//! let (header, payload) = dangerous::decode_unsecured(&token)?;
//! assert_eq!(header["alg"], "none");
//! assert_eq!(payload, br#"{"software_id":"x"}"#);
//! # Ok::<(), ob_jose::JoseError>(())
//! ```

use serde_json::Value;

use crate::json::parse_object;
use crate::jws::{parse, split3, Object};
use crate::{b64, JoseError};

/// An unsecured JWS (`alg: none`, empty signature, RFC 7515 Appendix A.5) of `payload`, with
/// `extra_header` (for example `typ`) after `alg`.
pub fn encode_unsecured(extra_header: &Object, payload: &[u8]) -> Result<String, JoseError> {
    let mut header = Object::new();
    header.insert("alg".into(), Value::String("none".into()));
    for (k, v) in extra_header {
        if k == "alg" {
            return Err(JoseError::Misuse {
                reason: "an unsecured JWS has alg \"none\"".into(),
            });
        }
        header.insert(k.clone(), v.clone());
    }
    let header_json = serde_json::to_vec(&header).map_err(|e| JoseError::Misuse {
        reason: format!("header encoding: {e}"),
    })?;
    Ok(format!(
        "{}.{}.",
        b64::encode(&header_json),
        b64::encode(payload)
    ))
}

/// Reads an unsecured JWS: `alg` must be `none` and the signature part empty. Returns the
/// header and the payload, **unauthenticated**.
pub fn decode_unsecured(token: &str) -> Result<(Object, Vec<u8>), JoseError> {
    let [h, p, s] = split3(token, "the JWS")?;
    let header = parse_object(&b64::decode(h, "the JWS header")?, "the JWS header")?;
    match header.get("alg").and_then(Value::as_str) {
        Some("none") => {}
        Some(other) => {
            return Err(JoseError::InvalidClaim {
                name: "alg".into(),
                reason: format!("expected \"none\" for an unsecured JWS, found {other:?}"),
            })
        }
        None => return Err(JoseError::MissingClaim { name: "alg".into() }),
    }
    if !s.is_empty() {
        return Err(JoseError::Malformed {
            reason: "an unsecured JWS has an empty signature part".into(),
        });
    }
    Ok((header, b64::decode(p, "the JWS payload")?))
}

/// The header and payload of any compact JWS, **without checking the signature**.
pub fn peek_unverified(token: &str) -> Result<(Object, Vec<u8>), JoseError> {
    let (header, payload, _, _) = parse(token)?;
    Ok((header, payload))
}
