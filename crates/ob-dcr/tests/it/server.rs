//! The ASPSP's validator: a valid request, then one negative test per check, each with its
//! RFC 7591 error and the claim at fault.

use chrono::Duration;
use ob_dcr::request::RegistrationRequest;
use ob_dcr::server::{begin_registration, Profile, SeenJtis, ValidatorConfig};
use ob_dcr::ssa::SsaClaims;
use ob_dcr::{is_uuid_v4, uuid_v4, DcrError};
use ob_jose::{JoseError, SigningKey};
use ob_model::registration::{
    OBRegistrationProperties1GrantTypes as GrantType,
    OBRegistrationProperties1ResponseTypes as ResponseType,
    OBRegistrationProperties1TokenEndpointAuthMethod as AuthMethod, SupportedAlgorithms,
};

use crate::*;

fn request() -> RegistrationRequest {
    RegistrationRequest::uk(
        &directory_ssa(&ssa_claims()),
        SOFTWARE_ID,
        ASPSP,
        vec![REDIRECT.into()],
        "openid accounts",
        DN,
        "5d1c7a2e-0b4f-4e3a-9c8d-7f6e5d4c3b2a",
        now(),
    )
}

fn config() -> ValidatorConfig {
    ValidatorConfig::new(ASPSP, Profile::Uk)
}

/// Runs both steps for `jwt` with a fresh replay store.
fn validate(jwt: &str, dn: Option<&str>) -> Result<ob_dcr::server::ValidRegistration, DcrError> {
    let pending = begin_registration(jwt.as_bytes(), &config(), Some(&directory_jwks()), now())?;
    assert_eq!(
        pending.jwks_uri(),
        ssa_claims().software_jwks_endpoint.as_deref()
    );
    pending.verify(&tpp_jwks(), dn, &mut SeenJtis::default(), now())
}

fn signed(change: impl FnOnce(&mut RegistrationRequest)) -> String {
    let mut r = request();
    change(&mut r);
    r.sign(tpp_key()).unwrap()
}

#[test]
fn a_valid_request_registers() {
    let jwt = request().sign(tpp_key()).unwrap();
    let valid = validate(&jwt, Some(DN)).unwrap();
    let reg = valid.into_registration("client-123", now());
    assert_eq!(reg.client_id.as_deref(), Some("client-123"));
    assert_eq!(reg.client_id_issued_at, Some(now().timestamp() as i32));
    assert_eq!(reg.token_endpoint_auth_method, AuthMethod::TlsClientAuth);
    // The DN compares without regard to spacing, attribute-type case or order.
    validate(
        &jwt,
        Some("cn=2kiXQyo0tedjW2somjSgH7, OU=0015800001041REAAY, O=TPP Ltd, C=GB"),
    )
    .unwrap();
}

#[test]
fn every_check_refuses_with_its_error() {
    let far = "https://tpp.example/".to_owned() + &"a".repeat(250);
    let cases: Vec<(&str, String, Option<&str>, &str, &str)> = vec![
        (
            "expired",
            signed(|r| {
                *r = request().lifetime(Duration::minutes(-5));
            }),
            None,
            "invalid_client_metadata",
            "exp",
        ),
        (
            "issued in the future",
            signed(|r| {
                r.claims_mut().iat += 3600;
                r.claims_mut().exp += 3600;
            }),
            None,
            "invalid_client_metadata",
            "iat",
        ),
        (
            "valid too long",
            signed(|r| {
                *r = request().lifetime(Duration::hours(2));
            }),
            None,
            "invalid_client_metadata",
            "exp",
        ),
        (
            "bad iss",
            signed(|r| r.claims_mut().iss = "someone-else".into()),
            None,
            "invalid_client_metadata",
            "iss",
        ),
        (
            "bad aud",
            signed(|r| r.claims_mut().aud = "another-bank".into()),
            None,
            "invalid_client_metadata",
            "aud",
        ),
        (
            "software_id not the statement's",
            signed(|r| r.claims_mut().software_id = Some("other".into())),
            None,
            "invalid_client_metadata",
            "software_id",
        ),
        (
            "redirect not https",
            signed(|r| r.claims_mut().redirect_uris = vec!["http://tpp.example/callback".into()]),
            None,
            "invalid_redirect_uri",
            "",
        ),
        (
            "redirect to localhost",
            signed(|r| r.claims_mut().redirect_uris = vec!["https://localhost/callback".into()]),
            None,
            "invalid_redirect_uri",
            "",
        ),
        (
            "redirect not in the statement",
            signed(|r| r.claims_mut().redirect_uris = vec!["https://evil.example/callback".into()]),
            None,
            "invalid_redirect_uri",
            "",
        ),
        (
            "redirect too long",
            signed(|r| r.claims_mut().redirect_uris = vec![far.clone().into()]),
            None,
            "invalid_redirect_uri",
            "",
        ),
        (
            "no redirect",
            signed(|r| r.claims_mut().redirect_uris = vec![]),
            None,
            "invalid_client_metadata",
            "redirect_uris",
        ),
        (
            "response type token",
            signed(|r| {
                r.claims_mut().response_types = Some(vec![ResponseType::from_code("token")])
            }),
            None,
            "invalid_client_metadata",
            "response_types",
        ),
        (
            "tls_client_auth without DN",
            signed(|r| r.claims_mut().tls_client_auth_subject_dn = None),
            None,
            "invalid_client_metadata",
            "tls_client_auth_subject_dn",
        ),
        (
            "DN not the certificate's",
            signed(|_| {}),
            Some("C=GB,O=Someone Else,CN=x"),
            "invalid_client_metadata",
            "tls_client_auth_subject_dn",
        ),
        (
            "private_key_jwt",
            signed(|r| r.claims_mut().token_endpoint_auth_method = AuthMethod::PrivateKeyJwt),
            None,
            "invalid_client_metadata",
            "token_endpoint_auth_method",
        ),
        (
            "RS256 id_tokens",
            signed(|r| r.claims_mut().id_token_signed_response_alg = SupportedAlgorithms::RS256),
            None,
            "invalid_client_metadata",
            "id_token_signed_response_alg",
        ),
        (
            "ES256 request objects",
            signed(|r| r.claims_mut().request_object_signing_alg = SupportedAlgorithms::ES256),
            None,
            "invalid_client_metadata",
            "request_object_signing_alg",
        ),
        (
            "unknown grant",
            signed(|r| r.claims_mut().grant_types = vec![GrantType::from_code("password")]),
            None,
            "invalid_client_metadata",
            "grant_types",
        ),
        (
            "accounts and payments",
            signed(|r| r.claims_mut().scope = "openid accounts payments".into()),
            None,
            "invalid_client_metadata",
            "scope",
        ),
        (
            "no openid",
            signed(|r| r.claims_mut().scope = "accounts".into()),
            None,
            "invalid_client_metadata",
            "scope",
        ),
        (
            "unknown scope",
            signed(|r| r.claims_mut().scope = "openid everything".into()),
            None,
            "invalid_client_metadata",
            "scope",
        ),
        (
            "role missing",
            signed(|r| r.claims_mut().scope = "openid fundsconfirmations".into()),
            None,
            "unapproved_software_statement",
            "",
        ),
        (
            "no jti",
            signed(|r| r.claims_mut().jti = "".into()),
            None,
            "invalid_client_metadata",
            "jti",
        ),
    ];
    for (name, jwt, dn, code, field) in cases {
        let err = validate(&jwt, dn).unwrap_err();
        assert_eq!(err.to_api_error().code, code, "{name}: {err}");
        assert_eq!(err.to_api_error().status, 400, "{name}");
        if let DcrError::InvalidClientMetadata { field: f, .. } = &err {
            assert_eq!(f, field, "{name}: {err}");
        }
    }
}

#[test]
fn signature_and_algorithm_refusals() {
    let config = config();
    let dir = directory_jwks();
    // RS256 instead of PS256: refused before any key is fetched.
    let claims = serde_json::to_vec(request().claims()).unwrap();
    let rs256 = format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"RS256","kid":"tpp-1"}"#),
        b64(&claims)
    );
    match begin_registration(rs256.as_bytes(), &config, Some(&dir), now()).unwrap_err() {
        DcrError::InvalidClientMetadata { field, .. } => assert_eq!(field, "alg"),
        other => panic!("{other:?}"),
    }
    let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(&claims));
    assert!(begin_registration(none.as_bytes(), &config, Some(&dir), now()).is_err());
    assert!(begin_registration(b"not a jwt", &config, Some(&dir), now()).is_err());
    // Signed by a key that is not in the statement's JWKS.
    let stranger = SigningKey::generate("tpp-1", 2048).unwrap();
    let jwt = request().sign(&stranger).unwrap();
    match validate(&jwt, None).unwrap_err() {
        DcrError::InvalidClientMetadata {
            field,
            cause: Some(JoseError::BadSignature),
            ..
        } => assert_eq!(field, "request"),
        other => panic!("{other:?}"),
    }
    let jwt = request().sign(directory_key()).unwrap();
    match validate(&jwt, None).unwrap_err() {
        DcrError::InvalidClientMetadata {
            cause: Some(JoseError::UnknownKey { .. }),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    // A statement that fails passes its error on.
    let mut expired = ssa_claims();
    expired.exp = Some(now().timestamp() - 120);
    let mut r = request();
    r.claims_mut().software_statement = directory_ssa(&expired).into();
    let jwt = r.sign(tpp_key()).unwrap();
    assert_eq!(
        begin_registration(jwt.as_bytes(), &config, Some(&dir), now())
            .unwrap_err()
            .to_api_error()
            .code,
        "invalid_software_statement"
    );
    // The UK profile needs the directory's keys.
    let jwt = request().sign(tpp_key()).unwrap();
    assert!(matches!(
        begin_registration(jwt.as_bytes(), &config, None, now()),
        Err(DcrError::Misuse { .. })
    ));
}

#[test]
fn a_replayed_jti_is_refused_and_refusals_change_nothing() {
    let config = config();
    let dir = directory_jwks();
    let mut seen = SeenJtis::default();
    let run = |jwt: &str, seen: &mut SeenJtis| {
        begin_registration(jwt.as_bytes(), &config, Some(&dir), now())
            .and_then(|p| p.verify(&tpp_jwks(), None, seen, now()))
    };
    // A refused request does not use up its jti.
    let bad = signed(|r| r.claims_mut().aud = "x".into());
    assert!(run(&bad, &mut seen).is_err());
    assert!(seen.is_empty());
    let jwt = request().sign(tpp_key()).unwrap();
    run(&jwt, &mut seen).unwrap();
    assert_eq!(seen.len(), 1);
    let again = run(&jwt, &mut seen).unwrap_err();
    assert!(
        matches!(again, DcrError::InvalidClientMetadata { ref field, .. } if field == "jti"),
        "{again}"
    );
    // Remembered until the request expires, then forgotten.
    seen.purge(now() + Duration::minutes(59));
    assert_eq!(seen.len(), 1);
    seen.purge(now() + Duration::minutes(61));
    assert!(seen.is_empty());
}

#[test]
fn monzo_eu_profile() {
    let software_id = uuid_v4([7; 16]);
    assert!(is_uuid_v4(&software_id));
    assert!(!is_uuid_v4(SOFTWARE_ID));
    let claims = SsaClaims {
        software_id: software_id.clone(),
        software_redirect_uris: vec![REDIRECT.into()],
        software_roles: vec!["AISP".into(), "PISP".into()],
        org_jwks_endpoint: Some("https://tpp.example/jwks.json".into()),
        iat: Some(now().timestamp()),
        ..SsaClaims::default()
    };
    let statement = ob_dcr::ssa::unsecured_software_statement(&claims).unwrap();
    let config = ValidatorConfig::new("PSDIE-CBI-000000", Profile::MonzoEu);
    let make = |id: &str, scope: &str| {
        let mut r = RegistrationRequest::monzo_eu(
            &statement,
            id,
            "PSDIE-CBI-000000",
            vec![REDIRECT.into()],
            DN,
            &uuid_v4([9; 16]),
            now(),
        );
        r.claims_mut().scope = scope.into();
        r.sign(tpp_key()).unwrap()
    };
    let run = |jwt: String| {
        let p = begin_registration(jwt.as_bytes(), &config, None, now())?;
        assert_eq!(p.jwks_uri(), Some("https://tpp.example/jwks.json"));
        p.verify(&tpp_jwks(), None, &mut SeenJtis::default(), now())
    };
    let ok = run(make(&software_id, "openid accounts")).unwrap();
    assert!(ok.statement().is_self_asserted());
    let err = run(make(&software_id, "openid payments")).unwrap_err();
    assert!(
        matches!(err, DcrError::InvalidClientMetadata { ref field, .. } if field == "scope"),
        "{err}"
    );
    // A statement whose software_id is not a UUIDv4.
    let mut bad = claims.clone();
    bad.software_id = "not-a-uuid".into();
    let statement = ob_dcr::ssa::unsecured_software_statement(&bad).unwrap();
    let mut r = RegistrationRequest::monzo_eu(
        &statement,
        "not-a-uuid",
        "PSDIE-CBI-000000",
        vec![REDIRECT.into()],
        DN,
        "j",
        now(),
    );
    r.claims_mut().scope = "openid accounts".into();
    let err = run(r.sign(tpp_key()).unwrap()).unwrap_err();
    assert!(
        matches!(err, DcrError::InvalidClientMetadata { ref field, .. } if field == "software_id"),
        "{err}"
    );
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}
