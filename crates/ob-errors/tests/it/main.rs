//! Integration tests of the error model: every mapping in both directions, Monzo's examples,
//! classification, and the error messages (insta snapshots).

use std::time::Duration;

use http::{HeaderMap, Response, StatusCode};
use ob_errors::{
    parse_response, render, ApiError, ErrorCode, Prefix, RateLimitScope, Shape,
    LEGACY_ERRORS_HEADER,
};

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn legacy_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(LEGACY_ERRORS_HEADER, "true".parse().unwrap());
    h
}

#[test]
fn prefix_status_table_both_directions() {
    let table: Vec<String> = Prefix::ALL
        .iter()
        .map(|p| {
            assert_eq!(Prefix::from_status(p.status()), Some(*p));
            assert_eq!(Prefix::of_code(&format!("{p}.anything")), Some(*p));
            format!("{p} <-> {}", p.status().as_u16())
        })
        .collect();
    insta::assert_debug_snapshot!(table);
    assert_eq!(Prefix::from_status(StatusCode::CONFLICT), None);
    assert_eq!(Prefix::of_code("weird.code"), None);
}

#[test]
fn every_error_code_round_trips_through_both_shapes() {
    let mut lines = Vec::new();
    for code in ErrorCode::CODES {
        let err = ApiError::obie(Prefix::BadRequest, "x", "category")
            .with_id("id-1")
            .with_detail(ErrorCode::from_code(code), format!("detail for {code}"));
        // New shape: everything comes back.
        let back = parse_response(&render(&HeaderMap::new(), &err)).unwrap();
        assert_eq!(back, err, "{code}");
        assert!(back.details[0].code.is_known());
        // Legacy shape: Code and the detail's Message.
        let legacy = parse_response(&render(&legacy_headers(), &err)).unwrap();
        assert_eq!(
            (legacy.shape, legacy.code.as_str()),
            (Shape::MonzoLegacy, "bad_request.x")
        );
        assert_eq!(legacy.message, format!("detail for {code}"));
        lines.push(format!("{code} -> {:?}", back.details[0].code));
    }
    assert!(
        ErrorCode::CODES.contains(&"UK.MONZO.Generic")
            && ErrorCode::CODES.contains(&"UK.MONZO.Forbidden")
    );
    insta::assert_snapshot!(lines.join("\n"));
}

fn example(name: &str) -> String {
    let dir = std::env::var_os("OB_EXAMPLES_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples")
        });
    std::fs::read_to_string(dir.join("monzo").join(name)).unwrap()
}

#[test]
fn monzo_documentation_examples() {
    // New structure.
    let new = parse_response(&response(400, &[], &example("ob_errors__02.json"))).unwrap();
    assert_eq!(new.shape, Shape::Obie);
    assert_eq!(new.code, "bad_request.consent_status");
    assert_eq!(
        new.id.as_deref(),
        Some("d3628722-749f-4fe9-76f9-f59844ad3714")
    );
    assert_eq!(new.details[0].code, ErrorCode::ResourceInvalidConsentStatus);
    assert!(new.is_consent_problem());
    // Previous (legacy) structure.
    let old = parse_response(&response(400, &[], &example("ob_errors__01.json"))).unwrap();
    assert_eq!(old.shape, Shape::MonzoLegacy);
    assert_eq!(
        (old.code.as_str(), old.message.as_str()),
        ("bad_request.consent_status", "Consent is not authorised")
    );
    assert!(old.is_consent_problem());
    // Rendering the new one for a legacy client gives exactly Monzo's legacy example.
    let legacy = render(&legacy_headers(), &new);
    let want: serde_json::Value = serde_json::from_str(&example("ob_errors__01.json")).unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(legacy.body()).unwrap(),
        want
    );
    // And for a current client, exactly the new example.
    let current = render(&HeaderMap::new(), &new);
    let want: serde_json::Value = serde_json::from_str(&example("ob_errors__02.json")).unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(current.body()).unwrap(),
        want
    );
}

#[test]
fn render_echoes_interaction_id_and_retry_after() {
    let err = ApiError::obie(Prefix::RateLimited, "tpp", "Too many requests")
        .with_detail(ErrorCode::MonzoGeneric, "Slow down")
        .with_retry_after(Duration::from_secs(2));
    let mut req = HeaderMap::new();
    req.insert("x-fapi-interaction-id", "abc-123".parse().unwrap());
    let res = render(&req, &err);
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["x-fapi-interaction-id"], "abc-123");
    assert_eq!(res.headers()["retry-after"], "2");
    assert_eq!(
        res.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let back = parse_response(&res).unwrap();
    assert_eq!(back.interaction_id.as_deref(), Some("abc-123"));
    assert_eq!(
        back.rate_limit().unwrap().retry_after,
        Some(Duration::from_secs(2))
    );
}

#[test]
fn every_shape_parses() {
    let cases = [
        response(401, &[], ""),
        response(
            400,
            &[],
            r#"{"error":"invalid_grant","error_description":"refresh token reused"}"#,
        ),
        response(400, &[], r#"{"error":"invalid_redirect_uri"}"#),
        response(
            400,
            &[],
            r#"{"code":"bad_request.missing_param.account_id","message":"The field 'account_id' is required","retryable":{}}"#,
        ),
        response(
            403,
            &[],
            r#"{"code":"forbidden.insufficient_permissions","message":"Access forbidden","params":{"a":1}}"#,
        ),
        response(
            400,
            &[],
            r#"{"Code":"bad_request.invalid_field","Id":"1","Message":"Invalid field","Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid","Message":"bad date","Path":"Data.Initiation.RequestedExecutionDateTime","Url":"https://x"}]}"#,
        ),
        response(
            400,
            &[],
            r#"{"Code":"bad_request.x","Message":"m","Errors":[{"ErrorCode":"UK.OBIE.Brand.New","Message":"newer code"}]}"#,
        ),
    ];
    let parsed: Vec<String> = cases
        .iter()
        .map(|r| {
            let e = parse_response(r).unwrap();
            format!("{:?} | {e}", e.shape)
        })
        .collect();
    insta::assert_debug_snapshot!(parsed);
}

#[test]
fn unrecognised_bodies_keep_the_raw_body() {
    for (status, body) in [
        (500, "<html>oops</html>"),
        (400, "[1,2]"),
        (400, r#"{"unexpected":true}"#),
        (200, "{}"),
    ] {
        let err = parse_response(&response(status, &[], body)).unwrap_err();
        assert_eq!(err.body, body.as_bytes());
        assert_eq!(err.status.as_u16(), status);
    }
    let err = parse_response(&response(502, &[], "<html>Bad gateway</html>")).unwrap_err();
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn classification() {
    let rows = [
        (
            "timeout",
            ApiError::obie(Prefix::Timeout, "upstream", "Timed out"),
        ),
        (
            "internal",
            ApiError::obie(Prefix::InternalService, "", "Oops"),
        ),
        (
            "tpp limit",
            ApiError::obie(Prefix::RateLimited, "tpp", "TPP limit")
                .with_retry_after(Duration::from_secs(1)),
        ),
        (
            "platform limit",
            ApiError::obie(Prefix::RateLimited, "platform_throttled", "Busy"),
        ),
        (
            "plain 429",
            ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                ..ApiError::oauth("slow_down", "")
            },
        ),
        ("expired token", ApiError::unauthorized_empty()),
        (
            "reauthenticate",
            ApiError::obie(Prefix::Forbidden, "reauth", "")
                .with_detail(ErrorCode::Reauthenticate, "SCA"),
        ),
        (
            "refresh evicted",
            ApiError::obie(Prefix::BadRequest, "refresh_token.evicted", "Evicted"),
        ),
        ("invalid grant", ApiError::oauth("invalid_grant", "used")),
        (
            "consent",
            ApiError::obie(Prefix::BadRequest, "consent_status", "")
                .with_detail(ErrorCode::ResourceInvalidConsentStatus, "x"),
        ),
        (
            "bad field",
            ApiError::obie(Prefix::BadRequest, "invalid_field", "")
                .with_detail(ErrorCode::FieldInvalid, "bad")
                .at_path("Data.Initiation.InstructedAmount.Currency"),
        ),
        (
            "forbidden",
            ApiError::obie(Prefix::Forbidden, "", "").with_detail(ErrorCode::MonzoForbidden, "no"),
        ),
    ];
    let table: Vec<String> = rows
        .iter()
        .map(|(name, e)| {
            format!(
                "{name}: retryable={} rate_limit={:?} reauth={} consent={} field={:?}",
                e.is_retryable(),
                e.rate_limit().map(|r| (r.scope, r.retry_after)),
                e.needs_reauthentication(),
                e.is_consent_problem(),
                e.field_path()
            )
        })
        .collect();
    insta::assert_debug_snapshot!(table);
    assert_eq!(rows[2].1.rate_limit().unwrap().scope, RateLimitScope::Tpp);
    assert_eq!(
        rows[3].1.rate_limit().unwrap().scope,
        RateLimitScope::Platform
    );
}

#[test]
fn empty_401_renders_without_body() {
    let res = render(&HeaderMap::new(), &ApiError::unauthorized_empty());
    assert_eq!(res.status(), 401);
    assert!(res.body().is_empty());
    assert!(res.headers().get("content-type").is_none());
    let back = parse_response(&res).unwrap();
    assert_eq!(back.shape, Shape::Empty);
    assert!(back.needs_reauthentication());
}

#[test]
fn a_401_carries_a_bearer_challenge() {
    // RFC 6750 §3: no credentials, no error code; a refused token, `invalid_token`.
    let res = render(&HeaderMap::new(), &ApiError::unauthorized_empty());
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    let mut with_token = HeaderMap::new();
    with_token.insert("authorization", "Bearer expired".parse().unwrap());
    let res = render(&with_token, &ApiError::unauthorized_empty());
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#
    );
    // Other statuses have none.
    let res = render(&with_token, &ApiError::obie(Prefix::Forbidden, "x", "no"));
    assert!(res.headers().get("www-authenticate").is_none());
}

#[test]
fn a_code_is_never_a_bare_prefix() {
    // Monzo: "Custom error code with a format of <prefix.type>"; every prefix has a default type.
    for prefix in Prefix::ALL {
        let err = ApiError::obie(prefix, "", "m");
        assert_eq!(err.code, format!("{prefix}.{}", prefix.default_type()));
        assert_eq!(err.status, prefix.status());
        assert_eq!(err.prefix(), Some(prefix));
    }
    assert_eq!(
        ApiError::obie(Prefix::NotFound, "endpoint", "m").code,
        "not_found.endpoint"
    );
}

#[test]
fn oauth_and_developer_shapes_render_back() {
    let oauth = ApiError::oauth("invalid_client_metadata", "redirect_uris must be https");
    let res = render(&legacy_headers(), &oauth);
    assert_eq!(
        res.body(),
        br#"{"error":"invalid_client_metadata","error_description":"redirect_uris must be https"}"#
    );
    assert_eq!(parse_response(&res).unwrap(), oauth);
}

#[test]
fn developer_api_retryable_is_read_and_preferred() {
    let res = http::Response::builder()
        .status(500)
        .body(br#"{"code":"internal_service.ledger","message":"Ledger write failed","retryable":false}"#.to_vec())
        .unwrap();
    let err = parse_response(&res).unwrap();
    assert_eq!(err.shape, Shape::DeveloperApi);
    assert_eq!(err.retryable, Some(false));
    // A 500 would be retryable by its status; the server said it is not.
    assert!(!err.is_retryable());
    // And it renders back with the flag.
    let again = render(&HeaderMap::new(), &err);
    assert_eq!(parse_response(&again).unwrap().retryable, Some(false));

    let res = http::Response::builder()
        .status(400)
        .body(br#"{"code":"bad_request.busy","message":"Try again","retryable":true}"#.to_vec())
        .unwrap();
    assert!(parse_response(&res).unwrap().is_retryable());
}
