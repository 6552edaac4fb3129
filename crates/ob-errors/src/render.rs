//! Server side: an [`ApiError`] as an `http::Response` in the shape the request asked for.

use http::header::{
    HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE,
};
use http::Response;
use http::StatusCode;
use serde_json::{Map, Value};

use crate::{ApiError, Shape, INTERACTION_ID_HEADER};

/// The request header that asks for Monzo's legacy `{"Code", "Message"}` errors.
pub const LEGACY_ERRORS_HEADER: &str = "x-open-banking-legacy-errors";

/// Renders `error` for a request with `request_headers`.
///
/// - An OBIE-shaped error becomes `OBErrorResponse1` with `Code`, `Id` (when set), `Message` and
///   `Errors`, or the legacy `{"Code", "Message"}` when the request carried
///   `X-Open-Banking-Legacy-Errors` (any value). Monzo's mapping: legacy `Code` is
///   `OBErrorResponse1.Code` and legacy `Message` is `Errors[0].Message`.
/// - OAuth and developer-API errors keep their own shapes; `Empty` has no body.
/// - `x-fapi-interaction-id` is echoed from the request (else the error's own); `Retry-After`
///   is set when the error has a delay.
/// - A 401 of a resource (not an OAuth error) carries `WWW-Authenticate` (RFC 6750 §3):
///   `Bearer` when the request had no credentials ("the resource server SHOULD NOT include an
///   error code"), and `Bearer error="invalid_token"` when it presented a token that was
///   refused.
pub fn render(request_headers: &HeaderMap, error: &ApiError) -> Response<Vec<u8>> {
    let legacy = request_headers.contains_key(LEGACY_ERRORS_HEADER);
    let body = match error.shape {
        Shape::Empty => None,
        Shape::Obie | Shape::MonzoLegacy if legacy || error.shape == Shape::MonzoLegacy => {
            let mut m = Map::new();
            m.insert("Code".into(), Value::String(error.code.clone()));
            let message = error.details.first().map_or(&error.message, |d| &d.message);
            m.insert("Message".into(), Value::String(message.clone()));
            Some(m)
        }
        Shape::Obie | Shape::MonzoLegacy => {
            let mut m = Map::new();
            m.insert("Code".into(), Value::String(error.code.clone()));
            if let Some(id) = &error.id {
                m.insert("Id".into(), Value::String(id.clone()));
            }
            m.insert("Message".into(), Value::String(error.message.clone()));
            let errors = error
                .details
                .iter()
                .map(|d| {
                    let mut e = Map::new();
                    e.insert(
                        "ErrorCode".into(),
                        Value::String(d.code.as_str().to_owned()),
                    );
                    e.insert("Message".into(), Value::String(d.message.clone()));
                    if let Some(p) = &d.path {
                        e.insert("Path".into(), Value::String(p.clone()));
                    }
                    if let Some(u) = &d.url {
                        e.insert("Url".into(), Value::String(u.clone()));
                    }
                    Value::Object(e)
                })
                .collect();
            m.insert("Errors".into(), Value::Array(errors));
            Some(m)
        }
        Shape::OAuth => {
            let mut m = Map::new();
            m.insert("error".into(), Value::String(error.code.clone()));
            if !error.message.is_empty() {
                m.insert(
                    "error_description".into(),
                    Value::String(error.message.clone()),
                );
            }
            Some(m)
        }
        Shape::DeveloperApi => {
            let mut m = Map::new();
            m.insert("code".into(), Value::String(error.code.clone()));
            m.insert("message".into(), Value::String(error.message.clone()));
            if let Some(p) = &error.params {
                m.insert("params".into(), Value::Object(p.clone()));
            }
            if let Some(r) = error.retryable {
                m.insert("retryable".into(), Value::Bool(r));
            }
            Some(m)
        }
    };
    let mut response = Response::new(
        body.map(|m| Value::Object(m).to_string().into_bytes())
            .unwrap_or_default(),
    );
    *response.status_mut() = error.status;
    let headers = response.headers_mut();
    if error.shape != Shape::Empty {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    let interaction = request_headers
        .get(INTERACTION_ID_HEADER)
        .cloned()
        .or_else(|| {
            error
                .interaction_id
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
        });
    if let Some(v) = interaction {
        headers.insert(INTERACTION_ID_HEADER, v);
    }
    // RFC 6749 §5.2 ties a 401's challenge to the scheme the client authenticated with; at the
    // token endpoint (OAuth errors) clients authenticate with their certificate, not a header.
    if error.status == StatusCode::UNAUTHORIZED && error.shape != Shape::OAuth {
        headers.insert(WWW_AUTHENTICATE, www_authenticate(request_headers));
    }
    if let Some(delay) = error.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(delay.as_secs().max(1)));
    }
    response
}

/// The `WWW-Authenticate` challenge of a 401 (RFC 6750 §3).
fn www_authenticate(request_headers: &HeaderMap) -> HeaderValue {
    let presented = request_headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if presented {
        HeaderValue::from_static(r#"Bearer error="invalid_token""#)
    } else {
        HeaderValue::from_static("Bearer")
    }
}
