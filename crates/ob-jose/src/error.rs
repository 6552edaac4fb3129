//! The crate's one error type, and its mapping to OBIE's `UK.OBIE.Signature.*` errors.

use std::fmt;

use ob_errors::{ApiError, ErrorCode, Prefix};

/// Why a JWS, key or JWT was refused, or why signing failed.
///
/// Grouped by who is at fault: the peer's message ([`Missing`](JoseError::Missing) to
/// [`BadSignature`](JoseError::BadSignature)), a key given to this crate
/// ([`KeyRejected`](JoseError::KeyRejected), [`WeakKey`](JoseError::WeakKey)), or the caller
/// ([`Signing`](JoseError::Signing), [`Misuse`](JoseError::Misuse)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoseError {
    /// A signature was required and none was given (no `x-jws-signature` header).
    Missing,
    /// Not a JWS: wrong number of parts, a payload in a detached signature, bad base64url, or a
    /// header or payload that is not a JSON object (or repeats a member).
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// `alg: none` where a signature is required (only [`crate::dangerous`] reads those).
    UnsecuredRefused,
    /// An algorithm other than PS256.
    AlgorithmNotAllowed {
        /// The `alg` given.
        alg: String,
    },
    /// A header that carries or points to its own key (`jwk`, `jku`, `x5u`, `x5c`): the key
    /// must come from the verifier's trusted JWKS, never from the message.
    EmbeddedKeyRefused {
        /// The header parameter.
        param: String,
    },
    /// A required header parameter or claim is absent.
    MissingClaim {
        /// Its name.
        name: String,
    },
    /// A header parameter or claim has a value that is not accepted.
    InvalidClaim {
        /// Its name.
        name: String,
        /// What was expected and what was found.
        reason: String,
    },
    /// `crit` does not list exactly the parameters it must.
    CritMismatch {
        /// What `crit` must list.
        expected: Vec<String>,
        /// What it listed.
        found: Vec<String>,
    },
    /// No key with this `kid` (that may sign PS256) in the verifier's keys.
    UnknownKey {
        /// The `kid` of the message.
        kid: String,
    },
    /// The signature does not match the signing input (the body or header changed, or another
    /// key signed it).
    BadSignature,
    /// A key that could not be read (bad PEM, DER or JWK, not RSA, inconsistent components).
    KeyRejected {
        /// Why.
        reason: String,
    },
    /// An RSA key shorter than 2048 bits.
    WeakKey {
        /// Its size in bits.
        bits: usize,
    },
    /// The signer failed to sign (an HSM error, for example).
    Signing {
        /// Why.
        reason: String,
    },
    /// The caller asked for something this crate does not do (for example, setting `alg`
    /// through extra header parameters).
    Misuse {
        /// What.
        reason: String,
    },
}

impl fmt::Display for JoseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoseError::Missing => f.write_str("signature missing: expected an x-jws-signature header"),
            JoseError::Malformed { reason } => write!(f, "malformed JWS: {reason}"),
            JoseError::UnsecuredRefused => {
                f.write_str("unsecured JWS refused: expected alg PS256, found \"none\"")
            }
            JoseError::AlgorithmNotAllowed { alg } => {
                write!(f, "algorithm not allowed: expected PS256, found {alg:?}")
            }
            JoseError::EmbeddedKeyRefused { param } => write!(
                f,
                "header parameter {param:?} refused: keys come from the trusted JWKS, not the message"
            ),
            JoseError::MissingClaim { name } => write!(f, "missing {name}"),
            JoseError::InvalidClaim { name, reason } => write!(f, "invalid {name}: {reason}"),
            JoseError::CritMismatch { expected, found } => write!(
                f,
                "invalid crit: expected {expected:?}, found {found:?}"
            ),
            JoseError::UnknownKey { kid } => {
                write!(f, "unknown key: no PS256 signing key with kid {kid:?}")
            }
            JoseError::BadSignature => {
                f.write_str("signature does not match: the signed content or header changed, or another key signed it")
            }
            JoseError::KeyRejected { reason } => write!(f, "key rejected: {reason}"),
            JoseError::WeakKey { bits } => {
                write!(f, "key too short: expected an RSA key of at least 2048 bits, found {bits}")
            }
            JoseError::Signing { reason } => write!(f, "signing failed: {reason}"),
            JoseError::Misuse { reason } => write!(f, "misuse: {reason}"),
        }
    }
}

impl std::error::Error for JoseError {}

impl JoseError {
    /// The OBIE error code for a refused message signature.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            JoseError::Missing => ErrorCode::SignatureMissing,
            JoseError::Malformed { .. } => ErrorCode::SignatureMalformed,
            JoseError::MissingClaim { .. } => ErrorCode::SignatureMissingClaim,
            JoseError::UnsecuredRefused
            | JoseError::AlgorithmNotAllowed { .. }
            | JoseError::EmbeddedKeyRefused { .. }
            | JoseError::InvalidClaim { .. }
            | JoseError::CritMismatch { .. } => ErrorCode::SignatureInvalidClaim,
            JoseError::UnknownKey { .. }
            | JoseError::BadSignature
            | JoseError::KeyRejected { .. }
            | JoseError::WeakKey { .. } => ErrorCode::SignatureInvalid,
            JoseError::Signing { .. } | JoseError::Misuse { .. } => ErrorCode::UnexpectedError,
        }
    }

    /// The error response an ASPSP gives for a request whose `x-jws-signature` is refused:
    /// 400 with the matching `UK.OBIE.Signature.*` code (a 500 for a failure of our own).
    pub fn to_api_error(&self) -> ApiError {
        match self {
            JoseError::Signing { .. } | JoseError::Misuse { .. } => {
                ApiError::obie(Prefix::InternalService, "", "Internal server error")
                    .with_detail(ErrorCode::UnexpectedError, "Something went wrong")
            }
            _ => ApiError::obie(
                Prefix::BadRequest,
                "invalid_signature",
                "The request is invalid",
            )
            .with_detail(self.error_code(), self.to_string())
            .at_path("x-jws-signature"),
        }
    }
}
