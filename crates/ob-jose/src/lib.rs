//! JOSE for UK Open Banking, sans-IO: PS256 signing and verification, RSA keys from PEM or
//! JWK, JWKS selection by `kid`, compact JWS, the detached `x-jws-signature` of OBIE v3.1.4+,
//! JWT time claims, and, only under [`dangerous`], the unsecured (`alg: none`) JWS that
//! Monzo's EU software statements use.
//!
//! Only PS256 (RSASSA-PSS, SHA-256, salt of 32 bytes, keys of at least 2048 bits) is signed or
//! accepted. Every verifier here refuses `alg: none`, HS* and RS*, and keys carried in the
//! header (`jwk`, `jku`, `x5u`, `x5c`); duplicate header members are refused too.
//! Signing and key lookup go through the [`Signer`] and [`Verifier`] traits, so a key held in
//! an HSM plugs in by implementing [`Signer`].
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ob_jose::detached::{DetachedSigner, DetachedVerifier};
//! use ob_jose::{Jwks, SigningKey};
//!
//! // The client (a TPP) signs a request body.
//! let key = SigningKey::generate("tpp-signing-1", 2048)?;
//! let jwks = Jwks { keys: vec![key.public_jwk()] };
//! let signer = DetachedSigner::new(&key, "0015800001041REAAY/2kiXQyo0tedjW2somjSgH7");
//! let body = br#"{"Data":{"Initiation":{"InstructedAmount":{"Amount":"10.00","Currency":"GBP"}}}}"#;
//! let now = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
//! let header_value = signer.sign(body, now)?;
//!
//! // The bank (an ASPSP) verifies it against the client's JWKS.
//! let verifier = DetachedVerifier::new("0015800001041REAAY/2kiXQyo0tedjW2somjSgH7");
//! let verified = verifier.verify(Some(&header_value), body, &jwks, now)?;
//! assert_eq!(verified.kid(), "tpp-signing-1");
//!
//! // One byte changed: refused, with the OBIE error code to answer with.
//! let err = verifier.verify(Some(&header_value), b"{}", &jwks, now).unwrap_err();
//! assert_eq!(err.to_api_error().details[0].code.as_str(), "UK.OBIE.Signature.Invalid");
//! # Ok::<(), ob_jose::JoseError>(())
//! ```
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
