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

/// A secret of one kind: a newtype over the text, whose `Debug` names the kind and hides the
/// value, and which reads and writes as a JSON string (so a profile or cache can keep it).
macro_rules! secret_kind {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the secret's text.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The secret itself, to send where it belongs.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

secret_kind!(
    /// An OAuth access token (a bearer credential: whoever holds it reads or pays).
    AccessToken
);
secret_kind!(
    /// An OAuth refresh token (Monzo's are single use: keep the one each refresh returns).
    RefreshToken
);
secret_kind!(
    /// An authorization code from the callback, redeemed once for tokens.
    AuthorizationCode
);

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn secrets_hide_in_debug_and_read_and_write_as_strings() {
        let t = AccessToken::new("at-123");
        assert_eq!(format!("{t:?}"), "AccessToken(<redacted>)");
        assert_eq!(t.expose(), "at-123");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"at-123\"");
        let r: RefreshToken = serde_json::from_str("\"rt-9\"").unwrap();
        assert_eq!(format!("{r:?}"), "RefreshToken(<redacted>)");
        let c = AuthorizationCode::new("code");
        assert!(!format!("{c:?}").contains("code\""));
    }
}
