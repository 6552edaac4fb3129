//! The client's one error type.

use std::fmt;

/// Why a client call failed.
///
/// Each variant says what failed; the error that caused it is its
/// [`source`](std::error::Error::source), not repeated in its message, so that a reporter that
/// walks the chain (`anyhow`'s `{:#}`, or a loop over `source()`) prints each cause once:
/// `the ASPSP refused the request: 403 UK.OBIE.Forbidden: ...`.
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
        source: ob_model::DecodeError,
    },
    /// Discovery, a token, the authorization callback or the id_token failed its checks.
    Oidc(ob_oidc::OidcError),
    /// Registration failed (including the ASPSP's RFC 7591 refusal).
    Registration(ob_dcr::DcrError),
    /// Signing a request, or verifying the bank's response signature, failed.
    Signature(ob_jose::JoseError),
    /// The configuration cannot work (a missing endpoint, a missing identity).
    Config(String),
    /// The ASPSP's answer breaks the protocol in a way the client will not follow (a
    /// `Links.Next` that leaves the ASPSP's origin or loops back).
    Protocol(String),
    /// Something the client builds from its configuration or arguments could not be built: a
    /// request body that does not serialize, a URL that is not one, a PEM that does not load,
    /// a file that cannot be read.
    Build {
        /// What was being built.
        what: String,
        /// Why it could not be.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Api(_) => f.write_str("the ASPSP refused the request"),
            ClientError::UnreadableError(_) => f.write_str("the ASPSP answered an error"),
            ClientError::Transport(_) => f.write_str("the request could not be sent"),
            ClientError::Decode { url, .. } => write!(f, "the answer from {url} does not decode"),
            ClientError::Oidc(_) => f.write_str("OpenID Connect"),
            ClientError::Registration(_) => f.write_str("registration"),
            ClientError::Signature(_) => f.write_str("signature"),
            ClientError::Config(e) => write!(f, "configuration: {e}"),
            ClientError::Protocol(e) => write!(f, "the ASPSP's answer: {e}"),
            ClientError::Build { what, .. } => write!(f, "cannot build {what}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Api(e) => Some(e.as_ref()),
            ClientError::UnreadableError(e) => Some(e),
            ClientError::Transport(e) => Some(e),
            ClientError::Decode { source, .. } => Some(source),
            ClientError::Oidc(e) => Some(e),
            ClientError::Registration(e) => Some(e),
            ClientError::Signature(e) => Some(e),
            ClientError::Config(_) | ClientError::Protocol(_) => None,
            ClientError::Build { source, .. } => Some(source.as_ref()),
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

    /// Whether the ASPSP could not be reached at all (the connection was refused or never
    /// made): a server that is not running, a wrong host or port.
    pub fn is_connect(&self) -> bool {
        matches!(self, ClientError::Transport(e) if e.is_connect())
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
        ClientError::build("a file the configuration names", e)
    }
}

impl ClientError {
    /// A [`ClientError::Build`] for `what`, caused by `source`.
    pub(crate) fn build(
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        ClientError::Build {
            what: what.into(),
            source: source.into(),
        }
    }
}

/// Every message of an error's chain, joined with `: ` (the error's own, then each source's).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(s) = next {
        out.push_str(": ");
        out.push_str(&s.to_string());
        next = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_is_the_source_and_the_chain_names_each_once() {
        let api = ob_errors::ApiError::unauthorized_empty();
        let e = ClientError::Api(Box::new(api.clone()));
        assert_eq!(e.to_string(), "the ASPSP refused the request");
        let source = std::error::Error::source(&e).unwrap();
        assert_eq!(source.to_string(), api.to_string());
        assert_eq!(chain(&e), format!("the ASPSP refused the request: {api}"));
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "client.pem");
        let e = ClientError::from(io);
        assert!(chain(&e).ends_with(": client.pem"), "{}", chain(&e));
    }
}
