#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod request;
pub mod server;
pub mod ssa;

use std::fmt;

use ob_errors::ApiError;
use ob_jose::JoseError;

/// The RFC 7591 error codes, as an open list.
pub use ob_model::registration::RegistrationErrorError as RegistrationErrorCode;

/// Why a registration was refused, or why a call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DcrError {
    /// A redirect URI that is not https, points at the local machine, is too long, or is not in
    /// the software statement (`invalid_redirect_uri`).
    InvalidRedirectUri {
        /// The URI.
        uri: String,
        /// Why.
        reason: String,
    },
    /// A registration claim with a value that is not accepted (`invalid_client_metadata`).
    InvalidClientMetadata {
        /// The claim.
        field: String,
        /// What was expected and what was found.
        reason: String,
        /// The JOSE error behind it, for signature problems.
        cause: Option<JoseError>,
    },
    /// A software statement that cannot be read, is badly signed or out of its validity window
    /// (`invalid_software_statement`).
    InvalidSoftwareStatement {
        /// Why.
        reason: String,
        /// The JOSE error behind it, for signature problems.
        cause: Option<JoseError>,
    },
    /// A valid software statement the ASPSP does not accept: its organisation is not active, or
    /// it lacks the role the registration asks for (`unapproved_software_statement`).
    UnapprovedSoftwareStatement {
        /// Why.
        reason: String,
    },
    /// The ASPSP refused the registration with an RFC 7591 error.
    Rejected {
        /// The `error` code (`Unknown` for a code RFC 7591 does not list).
        error: RegistrationErrorCode,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The ASPSP answered something else than the call expects.
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The body, as text.
        body: String,
    },
    /// The caller asked for something that cannot be built (a bad endpoint URL, for example).
    Misuse {
        /// What.
        reason: String,
    },
}

impl DcrError {
    pub(crate) fn metadata(field: &str, reason: impl Into<String>) -> Self {
        DcrError::InvalidClientMetadata {
            field: field.into(),
            reason: reason.into(),
            cause: None,
        }
    }

    pub(crate) fn statement(reason: impl Into<String>) -> Self {
        DcrError::InvalidSoftwareStatement {
            reason: reason.into(),
            cause: None,
        }
    }

    /// The RFC 7591 `error` code, for the refusals that have one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            DcrError::InvalidRedirectUri { .. } => Some("invalid_redirect_uri"),
            DcrError::InvalidClientMetadata { .. } => Some("invalid_client_metadata"),
            DcrError::InvalidSoftwareStatement { .. } => Some("invalid_software_statement"),
            DcrError::UnapprovedSoftwareStatement { .. } => Some("unapproved_software_statement"),
            DcrError::Rejected { error, .. } => Some(error.as_str()),
            DcrError::UnexpectedResponse { .. } | DcrError::Misuse { .. } => None,
        }
    }

    /// The response an ASPSP gives for this refusal: 400 with `{"error", "error_description"}`
    /// (a 500 for an error of our own).
    pub fn to_api_error(&self) -> ApiError {
        match self.error_code() {
            Some(code) => ApiError::oauth(code, self.to_string()),
            None => ApiError::obie(
                ob_errors::Prefix::InternalService,
                "",
                "Internal server error",
            )
            .with_detail(
                ob_errors::ErrorCode::UnexpectedError,
                "Something went wrong",
            ),
        }
    }
}

impl fmt::Display for DcrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DcrError::InvalidRedirectUri { uri, reason } => {
                write!(f, "invalid redirect URI {uri:?}: {reason}")
            }
            DcrError::InvalidClientMetadata { field, reason, .. } => {
                write!(f, "invalid {field}: {reason}")
            }
            DcrError::InvalidSoftwareStatement { reason, .. } => {
                write!(f, "invalid software statement: {reason}")
            }
            DcrError::UnapprovedSoftwareStatement { reason } => {
                write!(f, "unapproved software statement: {reason}")
            }
            DcrError::Rejected { error, description } => match description {
                Some(d) => write!(f, "registration refused: {error}: {d}"),
                None => write!(f, "registration refused: {error}"),
            },
            DcrError::UnexpectedResponse { status, body } => {
                let shown: String = body.chars().take(200).collect();
                write!(f, "unexpected response {status}: {shown}")
            }
            DcrError::Misuse { reason } => write!(f, "misuse: {reason}"),
        }
    }
}

impl std::error::Error for DcrError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DcrError::InvalidClientMetadata { cause: Some(c), .. }
            | DcrError::InvalidSoftwareStatement { cause: Some(c), .. } => Some(c),
            _ => None,
        }
    }
}

/// Formats 16 random bytes as a version-4 UUID (RFC 9562), for `jti` and `software_id`. The
/// bytes come from the caller's random source.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Whether `text` is a version-4 UUID (either case).
pub fn is_uuid_v4(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b.iter()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit())
        && b[14] == b'4'
        && matches!(b[19].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b')
}
