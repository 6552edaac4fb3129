//! HTTP plumbing of the core: JSON and error responses, query and form parsing, bearer tokens,
//! and the `x-fapi-interaction-id` every response carries.

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use ob_errors::{ApiError, ErrorCode, Prefix, INTERACTION_ID_HEADER};
use serde_json::Value;

/// A response with a JSON body.
/// An instant as the API writes it: RFC 3339 in UTC with milliseconds.
pub(crate) fn rfc3339(t: ob_jose::Instant) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An instant as a model `DateTime`, written as [`rfc3339`] writes it (milliseconds, `Z`, as
/// Monzo does).
pub(crate) fn date_time(t: ob_jose::Instant) -> ob_model::DateTime {
    rfc3339(t)
        .parse()
        .unwrap_or_else(|_| ob_model::DateTime::from(t))
}

/// A money amount as a model `Amount`: its magnitude with four decimal places, as Monzo writes
/// account amounts (the sign goes in `CreditDebitIndicator`).
pub(crate) fn money(value: rust_decimal::Decimal) -> ob_model::Amount {
    let mut v = value.abs();
    v.rescale(4);
    ob_model::Amount::new(v)
}

/// The `CreditDebitIndicator` of a signed amount: `Debit` below zero, else `Credit`.
pub(crate) fn credit_debit(
    value: rust_decimal::Decimal,
) -> monzo_model::accounts::OBCreditDebitCode_0 {
    if value < rust_decimal::Decimal::ZERO {
        monzo_model::accounts::OBCreditDebitCode_0::Debit
    } else {
        monzo_model::accounts::OBCreditDebitCode_0::Credit
    }
}

/// A 500 `UK.OBIE.UnexpectedError`: something the emulator holds is not as it should be.
pub(crate) fn internal(detail: &str) -> ApiError {
    obie(
        Prefix::InternalService,
        "",
        "Internal server error",
        ErrorCode::UnexpectedError,
        &format!("Something went wrong: {detail}"),
    )
}

/// A part of a request the emulator kept as JSON (an initiation, control parameters, a risk
/// block), read back as its model type: it was read as that type when it arrived, so a failure
/// is the emulator's (a 500), never the client's.
pub(crate) fn from_stored<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, ApiError> {
    serde_json::from_value(v.clone())
        .map_err(|e| internal(&format!("a stored request part does not read: {e}")))
}

/// A JSON body from a model value (whose type keeps it in the spec's shape); an internal error
/// if it cannot be written, never a partial body.
pub(crate) fn model_json<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| internal(&e.to_string()))
}

/// An empty `204 No Content`.
pub(crate) fn no_content() -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

pub(crate) fn json(status: StatusCode, body: &Value) -> Response<Vec<u8>> {
    let mut r = Response::new(body.to_string().into_bytes());
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// A response with any serializable body as JSON.
pub(crate) fn json_of<T: serde::Serialize>(status: StatusCode, body: &T) -> Response<Vec<u8>> {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(bytes);
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// An error response in the shape the request asked for (legacy or OBIE).
pub(crate) fn error(request_headers: &HeaderMap, err: &ApiError) -> Response<Vec<u8>> {
    ob_errors::render(request_headers, err)
}

/// An OBIE error with one detail.
pub(crate) fn obie(
    prefix: Prefix,
    kind: &str,
    message: &str,
    code: ErrorCode,
    detail: &str,
) -> ApiError {
    ApiError::obie(prefix, kind, message).with_detail(code, detail)
}

/// 400 `UK.OBIE.Field.Invalid` at `path`.
pub(crate) fn field_invalid(path: &str, detail: &str) -> ApiError {
    obie(
        Prefix::BadRequest,
        "invalid_request",
        "The request is invalid",
        ErrorCode::FieldInvalid,
        detail,
    )
    .at_path(path)
}

/// 404 for a path the API does not have (OBIE: "If an ASPSP has not implemented an API
/// endpoint, it must respond with a 404 (Not Found)").
pub(crate) fn not_found() -> ApiError {
    obie(
        Prefix::NotFound,
        "endpoint",
        "Resource not found",
        ErrorCode::ResourceNotFound,
        "No such endpoint",
    )
}

/// 405 with `Allow` for a method the path does not take (no body, as the specs' 405).
pub(crate) fn method_not_allowed(allow: &str) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    if let Ok(v) = HeaderValue::from_str(allow) {
        r.headers_mut().insert(http::header::ALLOW, v);
    }
    r
}

/// 403 for a token that does not allow the endpoint or resource.
pub(crate) fn forbidden(detail: &str) -> ApiError {
    obie(
        Prefix::Forbidden,
        "insufficient_permissions",
        "Access forbidden",
        ErrorCode::MonzoForbidden,
        detail,
    )
}

/// 400 for an id that does not exist (OBIE answers 400, not 404, for unknown resource ids).
pub(crate) fn unknown_resource(what: &str) -> ApiError {
    obie(
        Prefix::BadRequest,
        "resource_not_found",
        "The request is invalid",
        ErrorCode::ResourceNotFound,
        &format!("{what} not found"),
    )
}

/// Reads a request body as its spec type `T`, strictly: decoded leniently (so that nothing is
/// lost), then checked with the generated `validate()` against the spec and Monzo's profile
/// (required members, members a closed object does not allow, lengths, patterns, code lists,
/// date-time forms, Monzo's narrowing). The first problem is the answer (Monzo's errors carry
/// one `OBError1`), as a 400 with its `UK.OBIE.*` code and `Path`:
///
/// | problem | `ErrorCode` |
/// |---|---|
/// | not JSON, a wrong JSON type, a duplicate member | `UK.OBIE.Field.Invalid` |
/// | an empty body | `UK.OBIE.Field.Missing` at `$` |
/// | a required member missing | `UK.OBIE.Field.Missing` |
/// | a member the spec does not allow | `UK.OBIE.Field.Unexpected` |
/// | a date-time without a time zone, a bare date | `UK.OBIE.Field.InvalidDate` |
/// | a currency, scheme or local instrument Monzo does not take | `UK.OBIE.Unsupported.Currency` / `.Scheme` / `.LocalInstrument` |
/// | any other (length, pattern, code, items) | `UK.OBIE.Field.Invalid` |
pub(crate) fn decode_valid<T>(body: &[u8]) -> Result<T, ApiError>
where
    T: serde::de::DeserializeOwned + serde::Serialize + ob_model::Validate + ob_model::Object,
{
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(obie(
            Prefix::BadRequest,
            "missing_field",
            "The request is invalid",
            ErrorCode::FieldMissing,
            "$: expected a JSON request body",
        )
        .at_path("$"));
    }
    check_depth(body)?;
    let value: T = ob_model::decode::from_slice(body).map_err(|e| {
        let path = e.path.strip_prefix("$.").unwrap_or(&e.path).to_owned();
        field_invalid(&path, &e.to_string())
    })?;
    // A bank accepts only the codes it lists: a code outside an open list (a note for a
    // reader) is refused here like any violation.
    // Monzo's profile: OBIE's rules and Monzo's narrowing of them.
    if let Err(v) = monzo_model::ValidateMonzo::validate_monzo_strict(&value) {
        return Err(violation_error(&v.0[0]));
    }
    // Decoding keeps everything but `null` members (read as absent): OBIE's schemas allow no
    // null ("the field must be excluded from the JSON payload"), so one is found by comparing
    // the request with what the typed value writes back.
    if let (Ok(sent), Ok(typed)) = (
        serde_json::from_slice::<Value>(body),
        serde_json::to_value(&value),
    ) {
        if let Some(path) = lost_null(&sent, &typed, String::new()) {
            return Err(field_invalid(
                &path,
                &format!("{path}: null is not a value here: leave the member out"),
            ));
        }
    }
    Ok(value)
}

/// The path of the first `null` member of `sent` that `typed` (its decoded and re-encoded
/// form) does not keep.
fn lost_null(sent: &Value, typed: &Value, path: String) -> Option<String> {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match (sent, typed) {
        (Value::Object(s), Value::Object(t)) => s.iter().find_map(|(k, v)| match (v, t.get(k)) {
            (Value::Null, None) => Some(join(k)),
            (_, Some(tv)) => lost_null(v, tv, join(k)),
            _ => None,
        }),
        (Value::Array(s), Value::Array(t)) => s
            .iter()
            .zip(t)
            .enumerate()
            .find_map(|(i, (a, b))| lost_null(a, b, format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Refuses JSON nested deeper than [`MAX_JSON_DEPTH`](super::MAX_JSON_DEPTH) levels
/// (Open Banking payloads need far less).
fn check_depth(body: &[u8]) -> Result<(), ApiError> {
    if json_depth(body) > super::MAX_JSON_DEPTH {
        return Err(field_invalid(
            "$",
            &format!(
                "$: JSON nested deeper than {} levels",
                super::MAX_JSON_DEPTH
            ),
        ));
    }
    Ok(())
}

/// Reads a free-form JSON request body (the sandbox's own controls), no deeper than
/// [`MAX_JSON_DEPTH`](super::MAX_JSON_DEPTH).
pub(crate) fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    check_depth(body)?;
    serde_json::from_slice(body).map_err(|e| field_invalid("$", &format!("not JSON: {e}")))
}

/// The OBIE error for one `validate()` violation.
pub(crate) fn violation_error(v: &ob_model::Violation) -> ApiError {
    use ob_model::Problem;
    let path = v.path.strip_prefix("$.").unwrap_or(&v.path);
    let field = path.rsplit('.').next().unwrap_or(path);
    let (code, kind) = match &v.problem {
        Problem::Missing => (ErrorCode::FieldMissing, "missing_field"),
        Problem::Unexpected => (ErrorCode::FieldUnexpected, "unexpected_field"),
        Problem::NoTimeZone { .. } | Problem::DateOnly { .. } | Problem::NotADateTime { .. } => {
            (ErrorCode::FieldInvalidDate, "invalid_date")
        }
        Problem::Rule { .. } => match field {
            "Currency" => (ErrorCode::UnsupportedCurrency, "unsupported_currency"),
            "SchemeName" => (ErrorCode::UnsupportedScheme, "unsupported_scheme"),
            "LocalInstrument" => (
                ErrorCode::UnsupportedLocalInstrument,
                "unsupported_local_instrument",
            ),
            _ => (ErrorCode::FieldInvalid, "invalid_field"),
        },
        _ => (ErrorCode::FieldInvalid, "invalid_field"),
    };
    obie(
        Prefix::BadRequest,
        kind,
        "The request is invalid",
        code,
        &format!("{path}: {}", v.problem),
    )
    .at_path(path)
}

/// The query parameters of a request, decoded.
pub(crate) fn query(req: &Request<Vec<u8>>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .and_then(ob_oidc::form::decode_pairs)
        .unwrap_or_default()
}

/// One query or form parameter.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The form parameters of an `application/x-www-form-urlencoded` body.
pub(crate) fn form(req: &Request<Vec<u8>>) -> Option<Vec<(String, String)>> {
    std::str::from_utf8(req.body())
        .ok()
        .and_then(ob_oidc::form::decode_pairs)
}

/// The bearer token of the request, if any.
pub(crate) fn bearer(req: &Request<Vec<u8>>) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Sets `x-fapi-interaction-id`: the request's, or `fallback`.
pub(crate) fn with_interaction_id(
    mut resp: Response<Vec<u8>>,
    req: &Request<Vec<u8>>,
    fallback: impl FnOnce() -> String,
) -> Response<Vec<u8>> {
    let value = req
        .headers()
        .get(INTERACTION_ID_HEADER)
        .cloned()
        .or_else(|| HeaderValue::from_str(&fallback()).ok());
    if let Some(v) = value {
        resp.headers_mut().insert(INTERACTION_ID_HEADER, v);
    }
    resp
}

/// A 302 to `location`.
pub(crate) fn redirect(location: &str) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(http::header::LOCATION, v);
    }
    r
}

/// An HTML page.
pub(crate) fn html(body: String) -> Response<Vec<u8>> {
    let mut r = Response::new(body.into_bytes());
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// Escapes text for HTML.
pub(crate) fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// The deepest nesting of arrays and objects in a JSON text (strings skipped).
pub(crate) fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}
