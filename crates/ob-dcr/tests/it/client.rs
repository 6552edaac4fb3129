//! The client calls: requests built, responses read.

use http::{Response, StatusCode};
use ob_dcr::client::*;
use ob_dcr::{DcrError, RegistrationErrorCode};

#[test]
fn requests() {
    let r = prepare_register("https://aspsp.example/register", "a.b.c").unwrap();
    assert_eq!(r.method(), "POST");
    assert_eq!(r.headers()["content-type"], "application/jose");
    assert_eq!(r.headers()["accept"], "application/json");
    assert_eq!(r.body(), b"a.b.c");
    let client = |register_endpoint, client_id| RegisteredClient {
        register_endpoint,
        client_id,
        access_token: "tok",
    };
    let r = client("https://aspsp.example/register/", "client-1")
        .prepare_read()
        .unwrap();
    assert_eq!(
        (r.method().as_str(), r.uri().to_string().as_str()),
        ("GET", "https://aspsp.example/register/client-1")
    );
    assert_eq!(r.headers()["authorization"], "Bearer tok");
    assert!(r.body().is_empty());
    let r = client("https://aspsp.example/register", "client-1")
        .prepare_update("a.b.c")
        .unwrap();
    assert_eq!(
        (r.method().as_str(), r.uri().to_string().as_str()),
        ("PUT", "https://aspsp.example/register/client-1")
    );
    assert_eq!(r.headers()["authorization"], "Bearer tok");
    assert_eq!(r.headers()["content-type"], "application/jose");
    assert_eq!(r.body(), b"a.b.c");
    let r = client("https://aspsp.example/register", "client-1")
        .prepare_delete()
        .unwrap();
    assert_eq!(
        (r.method().as_str(), r.uri().to_string().as_str()),
        ("DELETE", "https://aspsp.example/register/client-1")
    );
    assert_eq!(r.headers()["authorization"], "Bearer tok");
    // Bad inputs are refused, not sent.
    assert!(matches!(
        prepare_register("http://aspsp.example/register", "x"),
        Err(DcrError::Misuse { .. })
    ));
    for bad in ["../admin", "", "a/b", "a?b", "a b"] {
        let c = client("https://aspsp.example/register", bad);
        assert!(
            matches!(c.prepare_read(), Err(DcrError::Misuse { .. })),
            "{bad:?}"
        );
        assert!(
            matches!(c.prepare_update("a.b.c"), Err(DcrError::Misuse { .. })),
            "{bad:?}"
        );
        assert!(
            matches!(c.prepare_delete(), Err(DcrError::Misuse { .. })),
            "{bad:?}"
        );
    }
    assert!(matches!(
        prepare_register("not a url", "x"),
        Err(DcrError::Misuse { .. })
    ));
    // The local emulator may be plain http on loopback.
    prepare_register("http://127.0.0.1:8443/register", "x").unwrap();
}

fn response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn responses() {
    let reg = r#"{"client_id":"client-1","client_id_issued_at":1742549000,"iss":"x","iat":1,"exp":2,"aud":"y","jti":"j",
      "redirect_uris":["https://tpp.example/callback"],"token_endpoint_auth_method":"tls_client_auth",
      "grant_types":["client_credentials"],"scope":"openid accounts","software_statement":"a.b.",
      "application_type":"web","id_token_signed_response_alg":"PS256","request_object_signing_alg":"PS256"}"#;
    let r = parse_register_response(&response(201, reg)).unwrap();
    assert_eq!(r.client_id.as_deref(), Some("client-1"));
    assert!(parse_registration_response(&response(200, reg)).is_ok());
    parse_delete_response(&response(204, "")).unwrap();

    let refused = parse_register_response(&response(
        400,
        r#"{"error":"invalid_redirect_uri","error_description":"not https"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        refused,
        DcrError::Rejected {
            error: RegistrationErrorCode::InvalidRedirectUri,
            description: Some("not https".into())
        }
    );
    let unknown =
        parse_register_response(&response(400, r#"{"error":"invalid_request"}"#)).unwrap_err();
    assert_eq!(
        unknown,
        DcrError::Rejected {
            error: RegistrationErrorCode::Unknown("invalid_request".into()),
            description: None
        }
    );
    // A 2xx body that is not a registration is not echoed (it may hold credentials).
    let secret =
        parse_register_response(&response(201, r#"{"client_secret":"s3cr3t"}"#)).unwrap_err();
    assert!(!secret.to_string().contains("s3cr3t"), "{secret}");
    assert_eq!(refused.to_api_error().code, "invalid_redirect_uri");
    let unauthorised = parse_registration_response(&response(401, "")).unwrap_err();
    assert_eq!(
        unauthorised,
        DcrError::UnexpectedResponse {
            status: 401,
            body: String::new()
        }
    );
    let garbage = parse_register_response(&response(201, "<html>")).unwrap_err();
    assert!(matches!(
        garbage,
        DcrError::UnexpectedResponse { status: 201, .. }
    ));
    let no_id = parse_register_response(&response(
        201,
        &reg.replace(r#""client_id":"client-1","#, ""),
    ))
    .unwrap_err();
    assert!(matches!(no_id, DcrError::UnexpectedResponse { .. }));
    assert!(parse_delete_response(&response(StatusCode::OK.as_u16(), "")).is_err());
}
