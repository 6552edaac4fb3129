//! Token requests, and responses as Monzo sends them.

use chrono::Duration;
use http::Response;
use ob_oidc::token::*;
use ob_oidc::{AuthorizationCode, OidcError, RefreshToken};

use crate::now;

const TOKEN: &str = "https://api.monzo.example/oauth2/token";

fn body(r: &http::Request<Vec<u8>>) -> String {
    String::from_utf8(r.body().clone()).unwrap()
}

#[test]
fn requests() {
    let r = prepare_client_credentials(TOKEN, "client-1", "accounts").unwrap();
    assert_eq!(r.method(), "POST");
    assert_eq!(
        r.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        body(&r),
        "grant_type=client_credentials&scope=accounts&client_id=client-1"
    );
    let params = ob_oidc::authorize::AuthorizationParams {
        client_id: "client-1",
        issuer: "https://bank.example",
        redirect_uri: "https://tpp.example/callback",
        scope: "openid accounts",
        intent_id: "aac_1",
        state: "st",
        nonce: "no",
    };
    let r = prepare_authorization_code(TOKEN, &params, &AuthorizationCode::new("c/+d")).unwrap();
    assert_eq!(body(&r), "grant_type=authorization_code&code=c%2F%2Bd&redirect_uri=https%3A%2F%2Ftpp.example%2Fcallback&client_id=client-1");
    let r = prepare_refresh(TOKEN, "client-1", &RefreshToken::new("rt 1")).unwrap();
    assert_eq!(
        body(&r),
        "grant_type=refresh_token&refresh_token=rt%201&client_id=client-1"
    );
    assert!(
        !body(&r).contains("client_secret"),
        "tls_client_auth sends no secret"
    );
    assert!(matches!(
        prepare_refresh(TOKEN, "client-1", &RefreshToken::new("")),
        Err(OidcError::Misuse { .. })
    ));
    assert!(matches!(
        prepare_client_credentials("http://x.example/token", "c", "accounts"),
        Err(OidcError::Misuse { .. })
    ));
}

fn response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn monzo_quirks_are_tolerated() {
    let t = parse_token_response(
        &response(200, r#"{"access_token":"at","token_type":"bearer","expires_in":108000,"refresh_token":"rt","scope":"openid accounts offline_access"}"#),
        now(),
    )
    .unwrap();
    assert_eq!(t.access_token.expose(), "at");
    assert_eq!(t.expires_at, Some(now() + Duration::hours(30)));
    assert_eq!(
        t.refresh_token.as_ref().map(RefreshToken::expose),
        Some("rt")
    );
    assert_eq!(t.scope, ["openid", "accounts", "offline_access"]);
    assert_eq!(t.id_token, None);
    assert!(!format!("{t:?}").contains("\"at\""), "Debug hides tokens");
    // No scope, an empty scope, expires_in as a string, BEARER.
    for raw in [
        r#"{"access_token":"at","token_type":"Bearer"}"#,
        r#"{"access_token":"at","token_type":"BEARER","scope":"","expires_in":"3600"}"#,
    ] {
        let t = parse_token_response(&response(200, raw), now()).unwrap();
        assert!(t.scope.is_empty());
    }
    let t = parse_token_response(
        &response(
            200,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":"3600"}"#,
        ),
        now(),
    )
    .unwrap();
    assert_eq!(t.expires_at, Some(now() + Duration::hours(1)));
    let t = parse_token_response(
        &response(
            200,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":3600.0}"#,
        ),
        now(),
    )
    .unwrap();
    assert_eq!(t.expires_at, Some(now() + Duration::hours(1)));
    let t = parse_token_response(
        &response(200, r#"{"access_token":"at","token_type":"Bearer"}"#),
        now(),
    )
    .unwrap();
    assert_eq!(t.expires_at, None);
}

#[test]
fn errors() {
    let evicted = parse_token_response(
        &response(400, r#"{"code":"bad_request.refresh_token.evicted","message":"Refresh token has been evicted"}"#),
        now(),
    )
    .unwrap_err();
    match &evicted {
        OidcError::TokenEndpoint(e) => assert_eq!(e.code, "bad_request.refresh_token.evicted"),
        other => panic!("{other:?}"),
    }
    assert!(evicted.needs_reauthorization());
    let grant = parse_token_response(
        &response(
            400,
            r#"{"error":"invalid_grant","error_description":"code used"}"#,
        ),
        now(),
    )
    .unwrap_err();
    assert!(grant.needs_reauthorization());
    let unreadable =
        parse_token_response(&response(502, "<html>bad gateway</html>"), now()).unwrap_err();
    match unreadable {
        OidcError::InvalidTokenResponse { reason } => {
            assert!(
                reason.starts_with("status 502 Bad Gateway with an unreadable body"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    let cases = [
        (r#"{"token_type":"Bearer"}"#, "no access_token"),
        (
            r#"{"access_token":"at","token_type":"mac"}"#,
            "token_type: expected Bearer, found Some(\"mac\")",
        ),
        (
            r#"{"access_token":"at"}"#,
            "token_type: expected Bearer, found None",
        ),
        (
            r#"{"access_token":"at","token_type":"Bearer","expires_in":0}"#,
            "expires_in: expected seconds above zero, found 0",
        ),
        (
            r#"{"access_token":"at","token_type":"Bearer","expires_in":"soon"}"#,
            "expires_in: expected whole seconds, found \"soon\"",
        ),
        (
            r#"{"access_token":"at","token_type":"Bearer","expires_in":3600.5}"#,
            "expires_in: expected whole seconds, found 3600.5",
        ),
    ];
    for (raw, reason) in cases {
        assert_eq!(
            parse_token_response(&response(200, raw), now()).unwrap_err(),
            OidcError::InvalidTokenResponse {
                reason: reason.into()
            },
            "{raw}"
        );
    }
    assert!(matches!(
        parse_token_response(&response(200, "not json"), now()),
        Err(OidcError::InvalidTokenResponse { ref reason }) if reason.starts_with("not a token response")
    ));
}
