#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod b64;
pub mod dangerous;
pub mod detached;
mod error;
mod json;
pub mod jws;
pub mod jwt;
mod key;
mod pem;

pub use error::JoseError;
pub use key::{Jwk, Jwks, SigningKey, VerifyingKey, VerifyingKeys};

/// The only signing algorithm Open Banking allows for message signing, request objects,
/// id_tokens and registration: RSASSA-PSS with SHA-256.
pub const PS256: &str = "PS256";

/// A point in time, in UTC.
pub type Instant = chrono::DateTime<chrono::Utc>;

/// Something that makes PS256 signatures: a key in memory ([`SigningKey`]) or one held
/// elsewhere (an HSM, a cloud KMS).
pub trait Signer {
    /// The `kid` that names the key in the signer's published JWKS.
    fn key_id(&self) -> &str;
    /// The PS256 signature of `message` (the JWS signing input).
    fn sign_ps256(&self, message: &[u8]) -> Result<Vec<u8>, JoseError>;
}

impl<T: Signer + ?Sized> Signer for &T {
    fn key_id(&self) -> &str {
        (**self).key_id()
    }
    fn sign_ps256(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        (**self).sign_ps256(message)
    }
}

/// Something that checks PS256 signatures made by the key named `kid`: one key
/// ([`VerifyingKey`]) or a key set ([`Jwks`]).
pub trait Verifier {
    /// Checks that `signature` is the PS256 signature of `message` by the key `kid`:
    /// [`JoseError::UnknownKey`] if there is no such key, [`JoseError::BadSignature`] if the
    /// signature does not match.
    fn verify_ps256(&self, kid: &str, message: &[u8], signature: &[u8]) -> Result<(), JoseError>;
}

impl<T: Verifier + ?Sized> Verifier for &T {
    fn verify_ps256(&self, kid: &str, message: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        (**self).verify_ps256(kid, message, signature)
    }
}
