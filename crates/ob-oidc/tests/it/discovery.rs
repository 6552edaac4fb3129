//! Discovery: the issuer must be the one asked for.

use http::Response;
use ob_oidc::discovery::{parse_discovery, prepare_discovery};
use ob_oidc::OidcError;
use serde_json::json;

use crate::ISSUER;

fn doc(issuer: &str, token_endpoint: &str) -> Response<Vec<u8>> {
    let body = json!({
        "issuer": issuer,
        "authorization_endpoint": "https://verify.monzo.example/open-banking/authorize",
        "token_endpoint": token_endpoint,
        "jwks_uri": "https://keys.monzo.example/jwks.json",
        "registration_endpoint": "https://api.monzo.example/open-banking/register",
        "token_endpoint_auth_methods_supported": ["tls_client_auth"],
        "id_token_signing_alg_values_supported": ["PS256"],
        "tls_client_certificate_bound_access_tokens": true
    });
    Response::builder()
        .status(200)
        .body(body.to_string().into_bytes())
        .unwrap()
}

#[test]
fn discovery_document() {
    let req = prepare_discovery(&format!("{ISSUER}/")).unwrap();
    assert_eq!(
        req.uri().to_string(),
        format!("{ISSUER}/.well-known/openid-configuration")
    );
    let meta = parse_discovery(
        &doc(ISSUER, "https://api.monzo.example/oauth2/token"),
        ISSUER,
    )
    .unwrap();
    assert_eq!(
        meta.token_endpoint_auth_methods_supported,
        ["tls_client_auth"]
    );
    assert_eq!(
        meta.other["tls_client_certificate_bound_access_tokens"],
        true
    );

    let err =
        parse_discovery(&doc("https://evil.example", "https://x.example/t"), ISSUER).unwrap_err();
    assert_eq!(
        err,
        OidcError::IssuerMismatch {
            expected: ISSUER.into(),
            found: "https://evil.example".into()
        }
    );
    // Not even a trailing slash may differ.
    assert!(matches!(
        parse_discovery(&doc(&format!("{ISSUER}/"), "https://x.example/t"), ISSUER),
        Err(OidcError::IssuerMismatch { .. })
    ));
    assert!(matches!(
        parse_discovery(
            &doc(ISSUER, "http://api.monzo.example/oauth2/token"),
            ISSUER
        ),
        Err(OidcError::Discovery { .. })
    ));
    let not_found = Response::builder().status(404).body(Vec::new()).unwrap();
    assert!(matches!(
        parse_discovery(&not_found, ISSUER),
        Err(OidcError::Discovery { .. })
    ));
    let html = Response::builder()
        .status(200)
        .body(b"<html>".to_vec())
        .unwrap();
    assert!(matches!(
        parse_discovery(&html, ISSUER),
        Err(OidcError::Discovery { .. })
    ));
}
