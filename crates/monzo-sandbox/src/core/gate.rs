//! The gate every resource request passes before its handler: the operation it names, from the
//! operation tables of Monzo's profile (`monzo_model::*::OPERATIONS`, which list only the
//! endpoints Monzo serves), and the HTTP rules of the OBIE Read/Write Data API profile that hold
//! for every operation alike.
//!
//! | rule | answer | source |
//! |---|---|---|
//! | no operation has the path | 404 | "If an ASPSP has not implemented an API endpoint, it **must** respond with a 404 (Not Found)" |
//! | the path has no operation for the method | 405 with `Allow` | "The TPP tried to access the resource with a method that is not supported" (RFC 9110 §15.5.6: `Allow` is required) |
//! | `Accept` names nothing JSON, or its most specific range matching JSON has `q=0` | 406, no body | "If set to an unacceptable value the ASPSP **must** respond with a 406 (Not Acceptable)"; RFC 9110 §12.5.1 for precedence |
//! | a body-taking operation without `Content-Type: application/json` (charset UTF-8) | 415, no body | "If set to any other value, the ASPSP **must** respond with a 415 Unsupported Media Type" (Monzo offers no `application/jose+jwe`) |
//! | no `Authorization` | 401, no body, `WWW-Authenticate: Bearer` | "Authorization header missing or invalid token: 401"; RFC 6750 §3 |
//! | a declared header (other than `Authorization`) whose value is not visible ASCII | 400 `UK.OBIE.Header.Invalid` | RFC 9110 §5.5 (the specs' headers are ASCII strings) |
//! | `x-fapi-auth-date` not an RFC 7231 date | 400 `UK.OBIE.Header.Invalid` | the specs' header pattern |
//! | `x-idempotency-key` missing, longer than 40 characters or blank at an end | 400 `UK.OBIE.Header.Missing` / `UK.OBIE.Header.Invalid` | "must be at most 40 characters in size ... the ASPSP **must** reject the request with a status code is 400"; the specs' pattern `^(?!\s)(.*)(\S)$` |
//! | `x-jws-signature` missing where the operation is signed | 400 `UK.OBIE.Signature.Missing` | "The ASPSP **must** reject any API requests that should be signed but do not contain a signature in the HTTP header with a 400 (Bad Request)" |
//! | a date-time query parameter that is not RFC 3339 | 400 `UK.OBIE.Field.InvalidDate` | Monzo: "you will need to provide the start and end times in RFC3339 format" (OBIE's profile wants query dates without a time zone; Monzo's rule is followed) |
//! | `order` not `asc`/`desc`, `includePots` not `true`/`false`, a `PotId` filter not 1 to 40 characters | 400 `UK.OBIE.Field.Invalid` | Monzo's parameters and the proposal's (`specs/monzo/account-info.overlay.json`, `pot-transactions.overlay.json`) |
//!
//! `HEAD` is answered 405 like any method the path lacks: the specs document no `HEAD`, and
//! Monzo's docs name none.
//!
//! Everything else (the token, the consent, the body) is the handler's.

use std::sync::OnceLock;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use ob_errors::{ApiError, ErrorCode, Prefix};
use ob_model::{Method, Operation, ParamLocation};

use super::http as h;

/// Which API an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// `/v3.1/aisp`: account information (and Monzo's pots).
    Accounts,
    /// `/v3.1/pisp`: payment initiation (v3.1.10, international v3.1.11) and VRP.
    Payments,
    /// `/v3.1/cbpii`: confirmation of funds.
    Funds,
    /// `/v3.1/event-subscriptions`, `/v3.1/events`: the Events API (the pot proposal's).
    Events,
}

/// One operation of the tables, with its path template split into segments.
struct Route {
    family: Family,
    op: &'static Operation,
    template: Vec<&'static str>,
    /// This project's proposal, served only with proposals on.
    proposal: bool,
}

fn routes() -> &'static [Route] {
    static ROUTES: OnceLock<Vec<Route>> = OnceLock::new();
    ROUTES.get_or_init(|| {
        let tables: [(Family, &'static [Operation]); 6] = [
            (Family::Accounts, monzo_model::accounts::OPERATIONS),
            (Family::Payments, monzo_model::payments::OPERATIONS),
            // International payments are served at v3.1.11 (its profile lists only them).
            (Family::Payments, monzo_model::payments_v3_1_11::OPERATIONS),
            (Family::Payments, monzo_model::vrp::OPERATIONS),
            (Family::Funds, monzo_model::funds::OPERATIONS),
            (Family::Events, monzo_model::events::OPERATIONS),
        ];
        let mut out = Vec::new();
        for (family, ops) in tables {
            for op in ops {
                out.push(Route {
                    family,
                    op,
                    template: op.path.split('/').filter(|s| !s.is_empty()).collect(),
                    proposal: family == Family::Events || op.path == "/pots/{PotId}/transactions",
                });
            }
        }
        out
    })
}

/// The family whose base URL a path under `/open-banking/v3.1` starts with, and the rest.
fn family_of<'a>(segments: &'a [&'a str]) -> Option<(Family, &'a [&'a str])> {
    match segments {
        ["aisp", rest @ ..] => Some((Family::Accounts, rest)),
        ["pisp", rest @ ..] => Some((Family::Payments, rest)),
        ["cbpii", rest @ ..] => Some((Family::Funds, rest)),
        [first, ..] if matches!(*first, "event-subscriptions" | "events") => {
            Some((Family::Events, segments))
        }
        _ => None,
    }
}

fn matches(template: &[&str], path: &[&str]) -> bool {
    template.len() == path.len()
        && template
            .iter()
            .zip(path)
            .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

fn method_of(m: &http::Method) -> Option<Method> {
    Some(match *m {
        http::Method::GET => Method::Get,
        http::Method::POST => Method::Post,
        http::Method::PUT => Method::Put,
        http::Method::DELETE => Method::Delete,
        http::Method::PATCH => Method::Patch,
        _ => return None,
    })
}

/// A request the gate let through: the operation it is for.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Admitted {
    pub(crate) family: Family,
    pub(crate) op: &'static Operation,
}

/// What the gate says of a request under `/open-banking/v3.1/`.
pub(crate) enum Verdict {
    /// Not one of the resource APIs' paths (the caller routes it, or answers 404).
    Elsewhere,
    /// The request may go to its handler.
    Admitted(Admitted),
    /// Refused: the answer, and the operation when one was matched.
    Refused(Box<Result<Response<Vec<u8>>, ApiError>>, Option<Admitted>),
}

/// Checks a request whose path, after `/open-banking/v3.1`, is `segments`.
pub(crate) fn check(req: &Request<Vec<u8>>, segments: &[&str], proposals: bool) -> Verdict {
    let Some((family, rest)) = family_of(segments) else {
        return Verdict::Elsewhere;
    };
    if family == Family::Events && !proposals {
        return Verdict::Elsewhere;
    }
    let fits =
        |r: &&Route| r.family == family && (proposals || !r.proposal) && matches(&r.template, rest);
    let method = method_of(req.method());
    let mut any = false;
    let mut found = None;
    for r in routes().iter().filter(fits) {
        any = true;
        if Some(r.op.method) == method {
            found = Some(r);
            break;
        }
    }
    if !any {
        return Verdict::Refused(Box::new(Err(h::not_found())), None);
    }
    let Some(route) = found else {
        let mut allow: Vec<&str> = routes()
            .iter()
            .filter(fits)
            .map(|r| r.op.method.as_str())
            .collect();
        allow.sort_unstable();
        allow.dedup();
        let answer = bare(StatusCode::METHOD_NOT_ALLOWED, Some(&allow.join(", ")));
        return Verdict::Refused(Box::new(Ok(answer)), None);
    };
    let admitted = Admitted {
        family,
        op: route.op,
    };
    match admit(req, route.op, proposals) {
        Ok(()) => Verdict::Admitted(admitted),
        Err(answer) => Verdict::Refused(Box::new(answer), Some(admitted)),
    }
}

/// A response without a body (the specs document 405, 406 and 415 without one).
fn bare(status: StatusCode, allow: Option<&str>) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = status;
    if let Some(v) = allow.and_then(|a| HeaderValue::from_str(a).ok()) {
        r.headers_mut().insert(http::header::ALLOW, v);
    }
    r
}

fn header<'a>(req: &'a Request<Vec<u8>>, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .map(|v| v.to_str().unwrap_or("\u{FFFD}"))
}

fn admit(
    req: &Request<Vec<u8>>,
    op: &Operation,
    proposals: bool,
) -> Result<(), Result<Response<Vec<u8>>, ApiError>> {
    if !accepts_json(header(req, ACCEPT.as_str())) {
        return Err(Ok(bare(StatusCode::NOT_ACCEPTABLE, None)));
    }
    if op.request_body.is_some() && !is_json(header(req, CONTENT_TYPE.as_str())) {
        return Err(Ok(bare(StatusCode::UNSUPPORTED_MEDIA_TYPE, None)));
    }
    if header(req, AUTHORIZATION.as_str()).is_none_or(|v| v.trim().is_empty()) {
        return Err(Err(ApiError::unauthorized_empty()));
    }
    // Header values are visible ASCII (RFC 9110 5.5 keeps obs-text only for old servers): a
    // value the server cannot read as text would otherwise collapse into one placeholder, and
    // two different idempotency keys would look the same.
    for p in op.params.iter().filter(|p| {
        p.location == ParamLocation::Header && !p.name.eq_ignore_ascii_case("authorization")
    }) {
        if req
            .headers()
            .get_all(p.name)
            .iter()
            .any(|v| v.to_str().is_err())
        {
            return Err(Err(header_invalid(
                p.name,
                "expected visible ASCII characters",
            )));
        }
    }
    if let Some(date) = header(req, "x-fapi-auth-date") {
        if !is_http_date(date) {
            return Err(Err(header_invalid(
                "x-fapi-auth-date",
                "expected an RFC 7231 date such as \"Sun, 10 Sep 2017 19:43:31 GMT\"",
            )));
        }
    }
    if op.idempotent {
        match header(req, "x-idempotency-key") {
            None => {
                return Err(Err(h::obie(
                    Prefix::BadRequest,
                    "missing_header",
                    "The request is invalid",
                    ErrorCode::HeaderMissing,
                    "x-idempotency-key is required",
                )
                .at_path("x-idempotency-key")))
            }
            Some(key) if !is_idempotency_key(key) => {
                return Err(Err(header_invalid(
                    "x-idempotency-key",
                    "expected 1 to 40 characters, not starting or ending with white space",
                )))
            }
            Some(_) => {}
        }
    }
    if op.signed && header(req, "x-jws-signature").is_none_or(|v| v.trim().is_empty()) {
        return Err(Err(h::obie(
            Prefix::BadRequest,
            "invalid_signature",
            "The request is invalid",
            ErrorCode::SignatureMissing,
            "signature missing: expected an x-jws-signature header",
        )
        .at_path("x-jws-signature")));
    }
    if req.uri().query().is_none() {
        return Ok(());
    }
    let query = h::query(req);
    for p in op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
    {
        // Without the proposals, their PotId filter is an unknown parameter, ignored.
        if p.name == "PotId" && !proposals {
            continue;
        }
        let Some(value) = h::param(&query, p.name) else {
            continue;
        };
        check_query(p.name, value).map_err(Err)?;
    }
    Ok(())
}

fn header_invalid(name: &str, expected: &str) -> ApiError {
    h::obie(
        Prefix::BadRequest,
        "invalid_header",
        "The request is invalid",
        ErrorCode::HeaderInvalid,
        &format!("{name}: {expected}"),
    )
    .at_path(name)
}

/// Checks a query parameter the operation declares, by its name.
fn check_query(name: &str, value: &str) -> Result<(), ApiError> {
    match name {
        "fromBookingDateTime" | "toBookingDateTime" => {
            match value.parse::<ob_model::DateTime>() {
                Ok(t) if t.has_time_zone() && !t.is_date_only() => Ok(()),
                _ => Err(h::obie(
                    Prefix::BadRequest,
                    "invalid_date",
                    "The request is invalid",
                    ErrorCode::FieldInvalidDate,
                    &format!(
                        "{name}: expected an RFC 3339 date-time with a time zone, such as 2022-02-03T00:00:00Z, found {value:?}"
                    ),
                )
                .at_path(name)),
            }
        }
        "order" if !matches!(value, "asc" | "desc") => Err(h::field_invalid(
            name,
            &format!("order: expected asc or desc, found {value:?}"),
        )),
        "includePots" if !matches!(value, "true" | "false") => Err(h::field_invalid(
            name,
            &format!("includePots: expected true or false, found {value:?}"),
        )),
        // The proposal's filter: a pot id, 1 to 40 characters (pot-transactions.overlay.json).
        "PotId" if !(1..=40).contains(&value.chars().count()) => Err(h::field_invalid(
            name,
            "PotId: expected a pot id of 1 to 40 characters",
        )),
        _ => Ok(()),
    }
}

/// Whether an `Accept` header lets the server answer JSON (`application/json; charset=utf-8`):
/// absent, or the most specific media range matching it has a non-zero quality (RFC 9110
/// 12.5.1: `application/json; charset=utf-8` before `application/json` before `application/*`
/// before `*/*`; a range naming another charset does not match).
pub(crate) fn accepts_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return true;
    };
    if accept.trim().is_empty() {
        return true;
    }
    // (specificity, acceptable) of the most specific ranges matching so far.
    let mut best: Option<(u8, bool)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut specificity = match media.as_str() {
            "application/json" => 3,
            "application/*" => 2,
            "*/*" => 1,
            _ => continue,
        };
        let mut quality_ok = true;
        let mut charset_matches = true;
        for p in parts {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "q" => quality_ok = v.trim().parse::<f32>().is_ok_and(|q| q > 0.0),
                "charset" if is_utf8_label(v) => specificity += 1,
                "charset" => charset_matches = false,
                _ => {}
            }
        }
        if !charset_matches {
            continue;
        }
        best = match best {
            Some((s, ok)) if s > specificity => Some((s, ok)),
            // Equally specific ranges: any acceptable one will do.
            Some((s, ok)) if s == specificity => Some((s, ok || quality_ok)),
            _ => Some((specificity, quality_ok)),
        };
    }
    best.is_some_and(|(_, ok)| ok)
}

/// Whether a charset parameter's value names UTF-8 (`utf-8`, or the common alias `utf8`).
fn is_utf8_label(value: &str) -> bool {
    let v = value.trim().trim_matches('"');
    v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("utf8")
}

/// Whether a `Content-Type` is JSON in UTF-8 (`application/json`, any parameters but another
/// charset).
pub(crate) fn is_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let mut parts = ct.split(';').map(str::trim);
    let media_ok = parts
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"));
    media_ok
        && parts.all(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            !k.trim().eq_ignore_ascii_case("charset") || is_utf8_label(v)
        })
}

/// `x-idempotency-key`: 1 to 40 characters, no line breaks, neither starting nor ending with
/// white space (the specs' `maxLength: 40` and `^(?!\s)(.*)(\S)$`).
fn is_idempotency_key(key: &str) -> bool {
    let n = key.chars().count();
    (1..=40).contains(&n)
        && !key.contains(['\n', '\r'])
        && !key.starts_with(char::is_whitespace)
        && !key.ends_with(char::is_whitespace)
}

/// An RFC 7231 IMF-fixdate as the specs' pattern has it:
/// `^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|...|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC)$`.
pub(crate) fn is_http_date(text: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split(' ').collect();
    let [day, dd, mon, yyyy, time, zone] = parts.as_slice() else {
        return false;
    };
    let time_ok = {
        let t: Vec<&str> = time.split(':').collect();
        t.len() == 3 && t.iter().all(|p| digits(p, 2))
    };
    day.strip_suffix(',').is_some_and(|d| DAYS.contains(&d))
        && digits(dd, 2)
        && MONTHS.contains(mon)
        && digits(yyyy, 4)
        && time_ok
        && matches!(*zone, "GMT" | "UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers() {
        for ok in [
            None,
            Some(""),
            Some("application/json"),
            Some("application/json; charset=utf-8"),
            Some("text/html, application/json;q=0.5"),
            Some("*/*"),
            Some("application/*"),
            Some("application/json; charset=utf8"),
            Some("application/json; charset=iso-8859-1, */*"),
            Some("application/json, */*;q=0"),
            Some("application/json;q=0, application/json;charset=UTF-8"),
        ] {
            assert!(accepts_json(ok), "{ok:?}");
        }
        for refused in [
            Some("application/xml"),
            Some("text/plain"),
            Some("application/json;q=0"),
            Some("application/json; charset=iso-8859-1"),
            Some("application/jose+jwe"),
            // The most specific range decides (RFC 9110 12.5.1).
            Some("application/json;q=0, */*"),
            Some("application/*;q=0, */*;q=1"),
            Some("application/json;charset=utf-8;q=0, application/json"),
        ] {
            assert!(!accepts_json(refused), "{refused:?}");
        }
    }

    #[test]
    fn content_types() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("Application/JSON; charset=UTF-8")));
        assert!(!is_json(None));
        assert!(!is_json(Some("application/jose+jwe")));
        assert!(!is_json(Some("application/json; charset=latin1")));
        assert!(is_json(Some("application/json; charset=utf8")));
        assert!(!is_json(Some("text/json")));
    }

    #[test]
    fn http_dates() {
        assert!(is_http_date("Sun, 10 Sep 2017 19:43:31 GMT"));
        assert!(is_http_date("Tue, 11 Sep 2012 19:43:31 UTC"));
        assert!(!is_http_date("Sun, 10 Sep 2017 19:43:31 BST"));
        assert!(!is_http_date("2017-09-10T19:43:31Z"));
        assert!(!is_http_date("Sunday, 10 Sep 2017 19:43:31 GMT"));
        assert!(!is_http_date("Sun, 1 Sep 2017 19:43:31 GMT"));
        assert!(!is_http_date(""));
    }

    #[test]
    fn idempotency_keys() {
        assert!(is_idempotency_key("a"));
        assert!(is_idempotency_key(&"k".repeat(40)));
        assert!(is_idempotency_key("a b"));
        assert!(!is_idempotency_key(""));
        assert!(!is_idempotency_key(&"k".repeat(41)));
        assert!(!is_idempotency_key(" a"));
        assert!(!is_idempotency_key("a "));
    }

    #[test]
    fn every_served_operation_has_a_route() {
        let r = routes();
        assert!(r
            .iter()
            .any(|r| r.op.path == "/accounts/{AccountId}/transactions"));
        assert!(r.iter().any(|r| r.op.path == "/international-payments"));
        assert!(!r.iter().any(|r| r.op.path.ends_with("/payment-details")));
        assert!(!r.iter().any(|r| r.op.path.starts_with("/file-payment")));
    }
}
