//! Client side: any error response, in any shape, as an [`ApiError`].

use std::fmt;
use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{Response, StatusCode};
use serde_json::{Map, Value};

use crate::{ApiError, ErrorCode, ErrorDetail, Shape, INTERACTION_ID_HEADER};

/// A response that is not an error this crate recognises. The raw body is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The response status.
    pub status: StatusCode,
    /// Why it was not recognised.
    pub reason: String,
    /// The body as received.
    pub body: Vec<u8>,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} response is not a recognised error body: {} (body: {})",
            self.status.as_u16(),
            self.reason,
            String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect::<String>()
        )
    }
}

impl std::error::Error for ParseError {}

fn text(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Reads an error response of any shape: `OBErrorResponse1`, Monzo's legacy errors, OAuth /
/// RFC 7591 errors, Monzo's developer-API errors, or an empty body.
///
/// A 2xx response, or a body that is not one of these shapes, is a [`ParseError`] that keeps
/// the raw body.
pub fn parse_response(response: &Response<Vec<u8>>) -> Result<ApiError, ParseError> {
    let status = response.status();
    let fail = |reason: &str| ParseError {
        status,
        reason: reason.to_owned(),
        body: response.body().clone(),
    };
    if !status.is_client_error() && !status.is_server_error() {
        return Err(fail("not an error status"));
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header(RETRY_AFTER.as_str())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let interaction_id = header(INTERACTION_ID_HEADER);
    let mut error = ApiError {
        status,
        code: String::new(),
        id: None,
        message: String::new(),
        details: Vec::new(),
        shape: Shape::Empty,
        retry_after,
        interaction_id,
        params: None,
        retryable: None,
    };
    if response.body().iter().all(u8::is_ascii_whitespace) {
        return Ok(error);
    }
    let value: Value =
        serde_json::from_slice(response.body()).map_err(|e| fail(&format!("not JSON: {e}")))?;
    let Value::Object(m) = value else {
        return Err(fail("not a JSON object"));
    };
    if let Some(errors) = m.get("Errors") {
        let errors = errors
            .as_array()
            .ok_or_else(|| fail("Errors is not an array"))?;
        error.shape = Shape::Obie;
        error.code = text(&m, "Code").ok_or_else(|| fail("OBErrorResponse1 without Code"))?;
        error.id = text(&m, "Id");
        error.message = text(&m, "Message").unwrap_or_default();
        for e in errors {
            let e = e
                .as_object()
                .ok_or_else(|| fail("an Errors element is not an object"))?;
            error.details.push(ErrorDetail {
                code: ErrorCode::from_code(&text(e, "ErrorCode").unwrap_or_default()),
                message: text(e, "Message").unwrap_or_default(),
                path: text(e, "Path"),
                url: text(e, "Url"),
            });
        }
    } else if let (Some(code), Some(message)) = (text(&m, "Code"), text(&m, "Message")) {
        error.shape = Shape::MonzoLegacy;
        error.code = code;
        error.message = message;
    } else if let Some(code) = text(&m, "error") {
        error.shape = Shape::OAuth;
        error.code = code;
        error.message = text(&m, "error_description").unwrap_or_default();
    } else if let (Some(code), Some(message)) = (text(&m, "code"), text(&m, "message")) {
        error.shape = Shape::DeveloperApi;
        error.code = code;
        error.message = message;
        error.params = m.get("params").and_then(Value::as_object).cloned();
        error.retryable = m.get("retryable").and_then(Value::as_bool);
    } else {
        return Err(fail(
            "no Errors, Code/Message, error or code/message members",
        ));
    }
    Ok(error)
}
