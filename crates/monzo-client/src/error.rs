//! The client's one error type.

use std::fmt;

/// Why a client call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The ASPSP answered with an error (any shape: OBIE, legacy, OAuth, developer API).
    Api(Box<ob_errors::ApiError>),
    /// The ASPSP answered with an error status whose body is none of the known shapes; the raw
    /// body is kept.
    UnreadableError(ob_errors::ParseError),
    /// The request could not be sent or its answer received (TLS, connection, timeout).
    Transport(reqwest::Error),
    /// A success answer did not decode as its spec type.
    Decode {
        /// The URL read.
        url: String,
        /// Where and why.
        reason: String,
    },
    /// Discovery, a token, the authorization callback or the id_token failed its checks.
    Oidc(ob_oidc::OidcError),
    /// Registration failed (including the ASPSP's RFC 7591 refusal).
    Registration(ob_dcr::DcrError),
    /// Signing a request, or verifying the bank's response signature, failed.
    Signature(ob_jose::JoseError),
    /// The configuration cannot work (bad PEM, bad URL, missing identity).
    Config(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Api(e) => write!(f, "the ASPSP refused: {e}"),
            ClientError::UnreadableError(e) => write!(f, "the ASPSP answered an error: {e}"),
            ClientError::Transport(e) => write!(f, "transport: {e}"),
            ClientError::Decode { url, reason } => write!(f, "{url}: {reason}"),
            ClientError::Oidc(e) => write!(f, "OpenID Connect: {e}"),
            ClientError::Registration(e) => write!(f, "registration: {e}"),
            ClientError::Signature(e) => write!(f, "signature: {e}"),
            ClientError::Config(e) => write!(f, "configuration: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Transport(e) => Some(e),
            ClientError::UnreadableError(e) => Some(e),
            _ => None,
        }
    }
}

impl ClientError {
    /// The ASPSP's error, when it answered one.
    pub fn api(&self) -> Option<&ob_errors::ApiError> {
        match self {
            ClientError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the customer must authenticate again (see
    /// [`ob_errors::ApiError::needs_reauthentication`]).
    pub fn needs_reauthentication(&self) -> bool {
        self.api().is_some_and(|e| e.needs_reauthentication())
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        ClientError::Transport(e)
    }
}

impl From<ob_oidc::OidcError> for ClientError {
    fn from(e: ob_oidc::OidcError) -> Self {
        ClientError::Oidc(e)
    }
}

impl From<ob_dcr::DcrError> for ClientError {
    fn from(e: ob_dcr::DcrError) -> Self {
        ClientError::Registration(e)
    }
}

impl From<ob_jose::JoseError> for ClientError {
    fn from(e: ob_jose::JoseError) -> Self {
        ClientError::Signature(e)
    }
}

impl From<std::io::Error> for ClientError {
    fn from(e: std::io::Error) -> Self {
        ClientError::Config(e.to_string())
    }
}
