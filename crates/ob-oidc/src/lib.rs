#![doc = include_str!("../README.md")]
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
