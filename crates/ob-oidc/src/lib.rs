//! The Open Banking (FAPI 1 Advanced) authorization flow, sans-IO: requests out as
//! `http::Request<Vec<u8>>`, responses in as `http::Response<Vec<u8>>`, time as an argument.
//!
//! 1. [`discovery`]: read the ASPSP's `openid-configuration`, whose `issuer` must be the URL it
//!    was fetched from.
//! 2. [`token`]: a `client_credentials` token to create the consent.
//! 3. [`authorize`]: a signed request object (`openbanking_intent_id` = the consent id,
//!    essential) and the authorization URL the customer opens.
//! 4. [`callback`]: the redirect back (in the fragment: `code`, `id_token`, `state`; or an
//!    error such as Monzo's `access_denied` for insufficient funds).
//! 5. [`id_token`]: the id_token's signature, issuer, audience, times, nonce, `c_hash`,
//!    `s_hash` and intent id.
//! 6. [`token`]: exchange the code; refresh later (Monzo rotates refresh tokens).
//!
//! Clients authenticate with `tls_client_auth` (their transport certificate), the only method
//! Monzo supports: no secret is ever sent.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ob_oidc::authorize::RequestObject;
//! use ob_oidc::callback::parse_callback;
//! use ob_oidc::id_token::validate_callback;
//! use ob_jose::{Jwks, SigningKey};
//!
//! let now = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
//! let tpp = SigningKey::generate("tpp-1", 2048)?;
//! let request = RequestObject::new(
//!     "client-1", "https://api.monzo.example/open-banking", "https://tpp.example/callback",
//!     "openid accounts", "aac_123", "state-1", "nonce-1", now,
//! );
//! let url = request.authorization_url("https://verify.monzo.example/open-banking/authorize", &tpp)?;
//! assert!(url.contains("response_type=code%20id_token"));
//!
//! // The bank redirects back; the id_token is signed by the bank.
//! let bank = SigningKey::generate("bank-1", 2048)?;
//! let id_token = ob_oidc::id_token::issue(&bank, &ob_oidc::id_token::NewIdToken {
//!     issuer: "https://api.monzo.example/open-banking", client_id: "client-1", subject: "user_1",
//!     nonce: Some("nonce-1"), code: Some("code-1"), state: Some("state-1"),
//!     intent_id: Some("aac_123"), acr: Some("urn:openbanking:psd2:sca"), auth_time: Some(now), now,
//!     lifetime: chrono::Duration::minutes(5),
//! })?;
//! let callback = parse_callback(
//!     &format!("https://tpp.example/callback#code=code-1&id_token={id_token}&state=state-1"),
//!     "state-1",
//! )?;
//! let claims = validate_callback(&callback, &Jwks { keys: vec![bank.public_jwk()] },
//!     "https://api.monzo.example/open-banking", "client-1", "nonce-1", "aac_123", now)?;
//! assert_eq!(claims.sub, "user_1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod authorize;
pub mod callback;
pub mod discovery;
pub mod id_token;
pub mod token;

pub mod form;

use std::fmt;

use ob_errors::ApiError;
use ob_jose::JoseError;

/// Why a step of the flow failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OidcError {
    /// The discovery document is not what it must be.
    Discovery {
        /// What is wrong.
        reason: String,
    },
    /// The discovery document's `issuer` is not the issuer it was fetched for.
    IssuerMismatch {
        /// The issuer the document was fetched for.
        expected: String,
        /// The `issuer` it names.
        found: String,
    },
    /// The callback's `state` is not the one sent (a forged or mixed-up redirect).
    StateMismatch {
        /// The state sent.
        expected: String,
        /// The state received, if any.
        found: Option<String>,
    },
    /// The ASPSP answered the authorization with an error (for example `access_denied`).
    AuthorizationDenied {
        /// The `error` code.
        error: String,
        /// The `error_description`, if any (Monzo: "Insufficient funds in selected account to
        /// make requested payment.").
        description: Option<String>,
    },
    /// The callback URL carries neither a result nor an error.
    MalformedCallback {
        /// What is missing.
        reason: String,
    },
    /// The id_token is refused.
    InvalidIdToken {
        /// The claim at fault (`signature` for the JWS itself).
        claim: String,
        /// What was expected and what was found.
        reason: String,
        /// The JOSE error, for signature problems.
        cause: Option<JoseError>,
    },
    /// The token endpoint refused the request.
    TokenEndpoint(Box<ApiError>),
    /// The token endpoint answered 200 with something that is not a usable token.
    InvalidTokenResponse {
        /// What is wrong.
        reason: String,
    },
    /// The caller asked for something that cannot be built.
    Misuse {
        /// What.
        reason: String,
    },
}

impl OidcError {
    pub(crate) fn id_token(claim: &str, reason: impl Into<String>) -> Self {
        OidcError::InvalidIdToken {
            claim: claim.into(),
            reason: reason.into(),
            cause: None,
        }
    }

    /// Whether the user must go through authorization again (the token endpoint said the grant
    /// or refresh token is no longer good, or the authorization was denied).
    pub fn needs_reauthorization(&self) -> bool {
        match self {
            OidcError::TokenEndpoint(e) => e.needs_reauthentication(),
            OidcError::AuthorizationDenied { .. } => true,
            _ => false,
        }
    }
}

impl fmt::Display for OidcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OidcError::Discovery { reason } => write!(f, "discovery document refused: {reason}"),
            OidcError::IssuerMismatch { expected, found } => write!(
                f,
                "issuer mismatch: expected {expected:?}, the discovery document names {found:?}"
            ),
            OidcError::StateMismatch { expected, found } => {
                write!(f, "state mismatch: expected {expected:?}, found {found:?}")
            }
            OidcError::AuthorizationDenied { error, description } => match description {
                Some(d) => write!(f, "authorization denied: {error}: {d}"),
                None => write!(f, "authorization denied: {error}"),
            },
            OidcError::MalformedCallback { reason } => write!(f, "malformed callback: {reason}"),
            OidcError::InvalidIdToken { claim, reason, .. } => {
                write!(f, "id_token refused: {claim}: {reason}")
            }
            OidcError::TokenEndpoint(e) => write!(f, "token endpoint refused the request: {e}"),
            OidcError::InvalidTokenResponse { reason } => {
                write!(f, "unusable token response: {reason}")
            }
            OidcError::Misuse { reason } => write!(f, "misuse: {reason}"),
        }
    }
}

impl std::error::Error for OidcError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OidcError::InvalidIdToken { cause: Some(c), .. } => Some(c),
            OidcError::TokenEndpoint(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// A secret value (a token): `Debug` never shows it; [`expose`](Secret::expose) does.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
