#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod parse;
mod render;

use std::fmt;
use std::time::Duration;

use http::StatusCode;

pub use parse::{parse_response, ParseError};
pub use render::{render, LEGACY_ERRORS_HEADER};

/// The OBIE error codes (`OBError1.ErrorCode`), including the VRP codes and Monzo's
/// `UK.MONZO.Generic` and `UK.MONZO.Forbidden`, as an open list: a newer code decodes as
/// `Unknown`.
pub use monzo_model::vrp::OBError1ErrorCode as ErrorCode;

/// The header that carries the request's correlation id, echoed on every response.
pub const INTERACTION_ID_HEADER: &str = "x-fapi-interaction-id";

/// The prefix of Monzo's `<prefix.type>` error code, paired with an HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prefix {
    /// `bad_request` (400)
    BadRequest,
    /// `bad_response` (406)
    BadResponse,
    /// `forbidden` (403)
    Forbidden,
    /// `internal_service` (500)
    InternalService,
    /// `not_found` (404)
    NotFound,
    /// `precondition_failed` (412)
    PreconditionFailed,
    /// `timeout` (504)
    Timeout,
    /// `unauthorized` (401)
    Unauthorized,
    /// `rate_limited` (429)
    RateLimited,
}

impl Prefix {
    /// Every prefix Monzo documents.
    pub const ALL: [Prefix; 9] = [
        Prefix::BadRequest,
        Prefix::BadResponse,
        Prefix::Forbidden,
        Prefix::InternalService,
        Prefix::NotFound,
        Prefix::PreconditionFailed,
        Prefix::Timeout,
        Prefix::Unauthorized,
        Prefix::RateLimited,
    ];

    /// The prefix as written in a code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Prefix::BadRequest => "bad_request",
            Prefix::BadResponse => "bad_response",
            Prefix::Forbidden => "forbidden",
            Prefix::InternalService => "internal_service",
            Prefix::NotFound => "not_found",
            Prefix::PreconditionFailed => "precondition_failed",
            Prefix::Timeout => "timeout",
            Prefix::Unauthorized => "unauthorized",
            Prefix::RateLimited => "rate_limited",
        }
    }

    /// The HTTP status Monzo pairs with the prefix.
    pub fn status(self) -> StatusCode {
        match self {
            Prefix::BadRequest => StatusCode::BAD_REQUEST,
            Prefix::BadResponse => StatusCode::NOT_ACCEPTABLE,
            Prefix::Forbidden => StatusCode::FORBIDDEN,
            Prefix::InternalService => StatusCode::INTERNAL_SERVER_ERROR,
            Prefix::NotFound => StatusCode::NOT_FOUND,
            Prefix::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Prefix::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Prefix::Unauthorized => StatusCode::UNAUTHORIZED,
            Prefix::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// The type a `<prefix.type>` code gets when the caller names none, so that a code is never
    /// a bare prefix (Monzo: "Custom error code with a format of <prefix.type>").
    pub const fn default_type(self) -> &'static str {
        match self {
            Prefix::BadRequest => "invalid_request",
            Prefix::BadResponse => "not_acceptable",
            Prefix::Forbidden => "insufficient_permissions",
            Prefix::InternalService => "unexpected_error",
            Prefix::NotFound => "resource_not_found",
            Prefix::PreconditionFailed => "precondition",
            Prefix::Timeout => "upstream_timeout",
            Prefix::Unauthorized => "bad_access_token",
            Prefix::RateLimited => "tpp",
        }
    }

    /// The prefix Monzo pairs with an HTTP status, if any.
    pub fn from_status(status: StatusCode) -> Option<Prefix> {
        Prefix::ALL.into_iter().find(|p| p.status() == status)
    }

    /// The prefix of a `<prefix.type>` code (`bad_request.consent_status` → `BadRequest`).
    pub fn of_code(code: &str) -> Option<Prefix> {
        let head = code.split('.').next().unwrap_or(code);
        Prefix::ALL.into_iter().find(|p| p.as_str() == head)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The wire shape of an error body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `OBErrorResponse1`.
    Obie,
    /// Monzo's legacy `{"Code", "Message"}`.
    MonzoLegacy,
    /// OAuth 2 / RFC 7591 `{"error", "error_description"}`.
    OAuth,
    /// Monzo's developer API `{"code", "message", "params", "retryable"}`.
    DeveloperApi,
    /// No body (a 401 for an expired token).
    Empty,
}

/// One low-level error (`OBError1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDetail {
    /// The OBIE or Monzo code (`UK.OBIE.Field.Missing`).
    pub code: ErrorCode,
    /// What went wrong, for a human.
    pub message: String,
    /// The JSON path of the field at fault, when the server names one.
    pub path: Option<String>,
    /// A link to documentation, when the server gives one.
    pub url: Option<String>,
}

/// Who set the rate limit that was hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateLimitScope {
    /// The per-organisation TPP limit (100 requests per second across all client ids).
    Tpp,
    /// Monzo's platform-wide throttling when its datastore is under load.
    Platform,
    /// The response does not say.
    Unspecified,
}

/// A 429: who limited the request and how long to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Which limit, as far as the response says.
    pub scope: RateLimitScope,
    /// The `Retry-After` delay, when given in seconds.
    pub retry_after: Option<Duration>,
}

/// An error response from any Monzo or OBIE endpoint, in any of its shapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The high-level code: Monzo's `<prefix.type>`, the OAuth `error`, or the developer-API
    /// `code`. Empty for a body-less response.
    pub code: String,
    /// The error instance id (`OBErrorResponse1.Id`), for support requests.
    pub id: Option<String>,
    /// The high-level message.
    pub message: String,
    /// Low-level errors (`OBErrorResponse1.Errors`; Monzo sends exactly one).
    pub details: Vec<ErrorDetail>,
    /// The shape it came in (or goes out) as.
    pub shape: Shape,
    /// `Retry-After`, in seconds, when the response carried one.
    pub retry_after: Option<Duration>,
    /// The `x-fapi-interaction-id` of the response.
    pub interaction_id: Option<String>,
    /// The developer API's `params`, when present.
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
    /// The developer API's `retryable`, when present: the server's own word on whether the
    /// same request can succeed later. [`is_retryable`](ApiError::is_retryable) prefers it.
    pub retryable: Option<bool>,
}

impl ApiError {
    /// An OBIE-shaped error with Monzo's `<prefix.type>` code; its status follows the prefix.
    /// An empty `kind` takes the prefix's [`default_type`](Prefix::default_type): Monzo's
    /// codes always have both parts.
    pub fn obie(prefix: Prefix, kind: &str, message: impl Into<String>) -> Self {
        let kind = if kind.is_empty() {
            prefix.default_type()
        } else {
            kind
        };
        ApiError {
            status: prefix.status(),
            code: format!("{}.{kind}", prefix.as_str()),
            id: None,
            message: message.into(),
            details: Vec::new(),
            shape: Shape::Obie,
            retry_after: None,
            interaction_id: None,
            params: None,
            retryable: None,
        }
    }

    /// An OAuth 2 / RFC 7591 error (`invalid_grant`, `invalid_client_metadata`, ...), status 400.
    pub fn oauth(error: &str, description: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            shape: Shape::OAuth,
            code: error.to_owned(),
            ..Self::obie(Prefix::BadRequest, "", description)
        }
    }

    /// The body-less 401 of an expired or unknown access token (OBIE: "the ASPSP must return a
    /// 401 (Unauthorized) without any error response").
    pub fn unauthorized_empty() -> Self {
        ApiError {
            code: String::new(),
            message: String::new(),
            shape: Shape::Empty,
            ..Self::obie(Prefix::Unauthorized, "", "")
        }
    }

    /// Adds a low-level error (Monzo sends exactly one).
    pub fn with_detail(mut self, code: ErrorCode, message: impl Into<String>) -> Self {
        self.details.push(ErrorDetail {
            code,
            message: message.into(),
            path: None,
            url: None,
        });
        self
    }

    /// Sets the path of the last detail (the field at fault).
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        if let Some(d) = self.details.last_mut() {
            d.path = Some(path.into());
        }
        self
    }

    /// Sets the error instance id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets `Retry-After`.
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    /// The prefix of the code, if it is one of Monzo's.
    pub fn prefix(&self) -> Option<Prefix> {
        Prefix::of_code(&self.code)
    }

    fn has_detail(&self, code: &ErrorCode) -> bool {
        self.details.iter().any(|d| &d.code == code)
    }

    /// Whether sending the same request again later can succeed. The developer API's
    /// `retryable` decides when present; otherwise rate limits, timeouts and server errors
    /// (Monzo's `internal_service`, `timeout`, `rate_limited`) are, client errors are not.
    pub fn is_retryable(&self) -> bool {
        if let Some(r) = self.retryable {
            return r;
        }
        matches!(
            self.prefix(),
            Some(Prefix::InternalService | Prefix::Timeout | Prefix::RateLimited)
        ) || self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status.is_server_error()
    }

    /// The rate limit that was hit, for a 429. The scope is read from the code (`...tpp...`,
    /// `...platform...`); Monzo's docs give no marker, so it is often `Unspecified`.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        if self.status != StatusCode::TOO_MANY_REQUESTS
            && self.prefix() != Some(Prefix::RateLimited)
        {
            return None;
        }
        let code = self.code.to_ascii_lowercase();
        let scope = if code.contains("platform") {
            RateLimitScope::Platform
        } else if code.contains("tpp") || code.contains("organisation") || code.contains("client") {
            RateLimitScope::Tpp
        } else {
            RateLimitScope::Unspecified
        };
        Some(RateLimit {
            scope,
            retry_after: self.retry_after,
        })
    }

    /// Whether the user must authenticate again: a 401, `UK.OBIE.Reauthenticate`, an invalid or
    /// evicted refresh token, or an expired access token.
    pub fn needs_reauthentication(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
            || self.has_detail(&ErrorCode::Reauthenticate)
            || self.code.starts_with("bad_request.refresh_token")
            || self.code.starts_with("unauthorized.bad_access_token")
            || self.code == "invalid_grant"
    }

    /// Whether the consent is the problem (not authorised, consumed, expired, or not the one
    /// the resource belongs to).
    pub fn is_consent_problem(&self) -> bool {
        self.has_detail(&ErrorCode::ResourceInvalidConsentStatus)
            || self.has_detail(&ErrorCode::ResourceConsentMismatch)
            || self.code.starts_with("bad_request.consent")
    }

    /// For a bad request about one field: its path (from `OBError1.Path`).
    pub fn field_path(&self) -> Option<&str> {
        self.details.iter().find_map(|d| d.path.as_deref())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        for d in &self.details {
            write!(f, " [{}: {}", d.code, d.message)?;
            if let Some(p) = &d.path {
                write!(f, " at {p}")?;
            }
            f.write_str("]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
