//! The ASPSP's validator: a valid request, then one negative test per check, each with its
//! RFC 7591 error and the claim or reason at fault.

use chrono::Duration;
use ob_dcr::request::RegistrationRequest;
use ob_dcr::server::{begin_registration, Profile, SeenJtis, ValidRegistration, ValidatorConfig};
use ob_dcr::ssa::SsaClaims;
use ob_dcr::{is_uuid_v4, uuid_v4, DcrError};
use ob_jose::{JoseError, SigningKey};
use ob_model::registration::{
    OBRegistrationProperties1GrantTypes as GrantType,
    OBRegistrationProperties1ResponseTypes as ResponseType,
    OBRegistrationProperties1TokenEndpointAuthMethod as AuthMethod, SupportedAlgorithms,
};

use crate::*;

fn request_for(ssa: &SsaClaims) -> RegistrationRequest {
    RegistrationRequest::uk(
        ob_dcr::request::RegistrationParams {
            software_statement: &directory_ssa(ssa),
            software_id: SOFTWARE_ID,
            aud: ASPSP,
            redirect_uris: vec![REDIRECT.into()],
            tls_client_auth_subject_dn: DN,
            jti: "5d1c7a2e-0b4f-4e3a-9c8d-7f6e5d4c3b2a",
        },
        "openid accounts",
        now(),
    )
    .unwrap()
}

fn request() -> RegistrationRequest {
    request_for(&ssa_claims())
}

fn config() -> ValidatorConfig {
    ValidatorConfig::new(ASPSP, Profile::Uk)
}

/// Runs both steps for `jwt`, with the client certificate `dn` and a fresh replay store.
fn validate(jwt: &str, dn: &str) -> Result<ValidRegistration, DcrError> {
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
    let valid = validate(&jwt, DN).unwrap();
    let reg = valid.into_registration("client-123", now()).unwrap();
    assert_eq!(reg.client_id.as_deref(), Some("client-123"));
    assert_eq!(reg.client_id_issued_at, Some(now().timestamp() as i32));
    assert_eq!(reg.token_endpoint_auth_method, AuthMethod::TlsClientAuth);
    // The DN compares without regard to spacing, attribute-type case or order.
    validate(
        &jwt,
        "cn=2kiXQyo0tedjW2somjSgH7, OU=0015800001041REAAY, O=TPP Ltd, C=GB",
    )
    .unwrap();
    // DCR 3.2's 32-bit times: 2040 is refused, not cut short.
    let jwt_ok = validate(&jwt, DN).unwrap();
    let late = chrono::DateTime::from_timestamp(2_209_000_000, 0).unwrap();
    assert!(matches!(
        jwt_ok.into_registration("c", late),
        Err(DcrError::Misuse { .. })
    ));
}

#[test]
fn every_claim_check_refuses_with_its_field() {
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "expired",
            signed(|r| *r = request().lifetime(Duration::minutes(-5))),
            DN,
            "exp",
        ),
        (
            "issued in the future",
            signed(|r| {
                r.claims_mut().iat += 3600;
                r.claims_mut().exp += 3600;
            }),
            DN,
            "iat",
        ),
        (
            "valid too long",
            signed(|r| *r = request().lifetime(Duration::hours(2))),
            DN,
            "exp",
        ),
        (
            "bad iss",
            signed(|r| r.claims_mut().iss = "someone-else".into()),
            DN,
            "iss",
        ),
        (
            "bad aud",
            signed(|r| r.claims_mut().aud = "another-bank".into()),
            DN,
            "aud",
        ),
        (
            "software_id not the statement's",
            signed(|r| r.claims_mut().software_id = Some("other".into())),
            DN,
            "software_id",
        ),
        (
            "no redirect",
            signed(|r| r.claims_mut().redirect_uris = vec![]),
            DN,
            "redirect_uris",
        ),
        (
            "response type token",
            signed(|r| {
                r.claims_mut().response_types = Some(vec![ResponseType::from_code("token")])
            }),
            DN,
            "response_types",
        ),
        (
            "tls_client_auth without DN",
            signed(|r| r.claims_mut().tls_client_auth_subject_dn = None),
            DN,
            "tls_client_auth_subject_dn",
        ),
        (
            "DN not the certificate's",
            signed(|_| {}),
            "C=GB,O=Someone Else,OU=0015800001041REAAY,CN=x",
            "tls_client_auth_subject_dn",
        ),
        (
            "private_key_jwt",
            signed(|r| r.claims_mut().token_endpoint_auth_method = AuthMethod::PrivateKeyJwt),
            DN,
            "token_endpoint_auth_method",
        ),
        (
            "RS256 id_tokens",
            signed(|r| r.claims_mut().id_token_signed_response_alg = SupportedAlgorithms::RS256),
            DN,
            "id_token_signed_response_alg",
        ),
        (
            "ES256 request objects",
            signed(|r| r.claims_mut().request_object_signing_alg = SupportedAlgorithms::ES256),
            DN,
            "request_object_signing_alg",
        ),
        (
            "unknown grant",
            signed(|r| r.claims_mut().grant_types = vec![GrantType::from_code("password")]),
            DN,
            "grant_types",
        ),
        (
            "accounts and payments",
            signed(|r| r.claims_mut().scope = "openid accounts payments".into()),
            DN,
            "scope",
        ),
        (
            "no openid",
            signed(|r| r.claims_mut().scope = "accounts".into()),
            DN,
            "scope",
        ),
        (
            "unknown scope",
            signed(|r| r.claims_mut().scope = "openid everything".into()),
            DN,
            "scope",
        ),
        (
            "no jti",
            signed(|r| r.claims_mut().jti = "".into()),
            DN,
            "jti",
        ),
        (
            "keys by value (the statement's JWKS is the client's)",
            signed(|r| {
                r.claims_mut()
                    .extra
                    .insert("jwks", serde_json::json!({"keys": []}));
            }),
            DN,
            "jwks",
        ),
    ];
    for (name, jwt, dn, field) in cases {
        match validate(&jwt, dn) {
            Err(DcrError::InvalidClientMetadata { field: f, .. }) => assert_eq!(f, field, "{name}"),
            other => panic!("{name}: expected invalid_client_metadata on {field}, got {other:?}"),
        }
    }
}

#[test]
fn redirect_uris_are_checked_even_when_the_statement_lists_them() {
    let long = "https://tpp.example/".to_owned() + &"a".repeat(250);
    let bad = [
        "http://tpp.example/callback",
        "https://localhost/callback",
        "https://127.0.0.1/cb",
        long.as_str(),
    ];
    let mut ssa = ssa_claims();
    ssa.software_redirect_uris
        .extend(bad.iter().map(|s| s.to_string()));
    let reasons = [
        "expected https",
        "points at the local machine",
        "points at the local machine",
        "longer than 256 characters",
    ];
    for (uri, reason) in bad.iter().zip(reasons) {
        let mut r = request_for(&ssa);
        r.claims_mut().redirect_uris = vec![uri.to_string().into()];
        let jwt = r.sign(tpp_key()).unwrap();
        let pending =
            begin_registration(jwt.as_bytes(), &config(), Some(&directory_jwks()), now()).unwrap();
        let err = pending
            .verify(&tpp_jwks(), DN, &mut SeenJtis::default(), now())
            .unwrap_err();
        assert_eq!(
            err,
            DcrError::InvalidRedirectUri {
                uri: uri.to_string(),
                reason: reason.into()
            }
        );
        assert_eq!(err.to_api_error().code, "invalid_redirect_uri");
    }
    let err = validate(
        &signed(|r| r.claims_mut().redirect_uris = vec!["https://evil.example/cb".into()]),
        DN,
    )
    .unwrap_err();
    assert_eq!(
        err,
        DcrError::InvalidRedirectUri {
            uri: "https://evil.example/cb".into(),
            reason: "not one of the software statement's software_redirect_uris".into()
        }
    );
}

#[test]
fn the_certificate_must_be_the_statements_organisation() {
    let jwt = request().sign(tpp_key()).unwrap();
    let other_org = "C=GB,O=TPP Ltd,OU=0015800001999ZZZZZ,CN=2kiXQyo0tedjW2somjSgH7";
    let err = validate(
        &signed(|r| r.claims_mut().tls_client_auth_subject_dn = Some(other_org.into())),
        other_org,
    )
    .unwrap_err();
    assert!(
        matches!(err, DcrError::UnapprovedSoftwareStatement { .. }),
        "{err}"
    );
    assert_eq!(err.to_api_error().code, "unapproved_software_statement");
    // An eIDAS certificate names the organisation in organizationIdentifier.
    let eidas = "C=GB,O=TPP Ltd,organizationIdentifier=0015800001041REAAY,CN=tpp";
    validate(
        &signed(|r| r.claims_mut().tls_client_auth_subject_dn = Some(eidas.into())),
        eidas,
    )
    .unwrap();
    let _ = jwt;
}

#[test]
fn scopes_need_the_statements_roles() {
    let err = validate(
        &signed(|r| r.claims_mut().scope = "openid fundsconfirmations".into()),
        DN,
    )
    .unwrap_err();
    assert_eq!(
        err,
        DcrError::UnapprovedSoftwareStatement {
            reason: "scope fundsconfirmations needs the CBPII role, and the statement has [\"AISP\", \"PISP\"]".into()
        }
    );
}

#[test]
fn signature_and_algorithm_refusals() {
    let config = config();
    let dir = directory_jwks();
    let field_of = |e: DcrError| match e {
        DcrError::InvalidClientMetadata { field, .. } => field,
        other => panic!("{other:?}"),
    };
    // RS256 instead of PS256, or none: refused before any key is fetched.
    let claims = serde_json::to_vec(request().claims()).unwrap();
    let rs256 = format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"RS256","kid":"tpp-1"}"#),
        b64(&claims)
    );
    assert_eq!(
        field_of(begin_registration(rs256.as_bytes(), &config, Some(&dir), now()).unwrap_err()),
        "alg"
    );
    let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(&claims));
    assert_eq!(
        field_of(begin_registration(none.as_bytes(), &config, Some(&dir), now()).unwrap_err()),
        "alg"
    );
    assert_eq!(
        field_of(begin_registration(b"not a jwt", &config, Some(&dir), now()).unwrap_err()),
        "request"
    );
    // Signed by a key that is not in the statement's JWKS.
    let stranger = SigningKey::generate("tpp-1", 2048).unwrap();
    match validate(&request().sign(&stranger).unwrap(), DN).unwrap_err() {
        DcrError::InvalidClientMetadata {
            field,
            cause: Some(JoseError::BadSignature),
            ..
        } => assert_eq!(field, "request"),
        other => panic!("{other:?}"),
    }
    match validate(&request().sign(directory_key()).unwrap(), DN).unwrap_err() {
        DcrError::InvalidClientMetadata {
            cause: Some(JoseError::UnknownKey { .. }),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    // A statement that fails passes its error on.
    let mut expired = ssa_claims();
    expired.exp = Some(now().timestamp() - 120);
    let jwt = request_for(&expired).sign(tpp_key()).unwrap();
    match begin_registration(jwt.as_bytes(), &config, Some(&dir), now()).unwrap_err() {
        DcrError::InvalidSoftwareStatement { reason, .. } => {
            assert!(reason.starts_with("expired at"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
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
    let run = |jwt: &str, seen: &mut SeenJtis, at| {
        begin_registration(jwt.as_bytes(), &config, Some(&dir), at)
            .and_then(|p| p.verify(&tpp_jwks(), DN, seen, at))
    };
    // A refused request does not use up its jti.
    let bad = signed(|r| r.claims_mut().aud = "x".into());
    assert!(run(&bad, &mut seen, now()).is_err());
    assert!(seen.is_empty());
    let jwt = request().sign(tpp_key()).unwrap();
    run(&jwt, &mut seen, now()).unwrap();
    assert_eq!(seen.len(), 1);
    let again = run(&jwt, &mut seen, now()).unwrap_err();
    assert!(
        matches!(again, DcrError::InvalidClientMetadata { ref field, .. } if field == "jti"),
        "{again}"
    );
    // Just after expiry the request is still inside the leeway: purging then must not let the
    // replay through.
    let just_after = now() + Duration::minutes(60) + Duration::seconds(30);
    seen.purge(just_after);
    assert_eq!(seen.len(), 1);
    let late = run(&jwt, &mut seen, just_after).unwrap_err();
    assert!(
        matches!(late, DcrError::InvalidClientMetadata { ref field, .. } if field == "jti"),
        "{late}"
    );
    // Forgotten once the request can no longer be accepted at all.
    seen.purge(now() + Duration::minutes(62));
    assert!(seen.is_empty());
}

#[test]
fn monzo_eu_profile() {
    let software_id = uuid_v4([7; 16]);
    assert!(is_uuid_v4(&software_id));
    assert!(!is_uuid_v4(SOFTWARE_ID));
    let eu_dn = "C=IE,O=TPP Ltd,organizationIdentifier=PSDIE-CBI-123456,CN=tpp.example";
    let claims = SsaClaims {
        software_id: software_id.clone(),
        software_redirect_uris: vec![REDIRECT.into()],
        software_roles: vec!["AISP".into(), "PISP".into()],
        org_id: Some("PSDIE-CBI-123456".into()),
        org_jwks_endpoint: Some("https://tpp.example/jwks.json".into()),
        iat: Some(now().timestamp()),
        ..SsaClaims::default()
    };
    let config = ValidatorConfig::new("PSDIE-CBI-000000", Profile::MonzoEu);
    let make = |claims: &SsaClaims, scope: &str| {
        let statement = ob_dcr::ssa::unsecured_software_statement(claims).unwrap();
        let mut r = RegistrationRequest::monzo_eu(
            ob_dcr::request::RegistrationParams {
                software_statement: &statement,
                software_id: &claims.software_id,
                aud: "PSDIE-CBI-000000",
                redirect_uris: vec![REDIRECT.into()],
                tls_client_auth_subject_dn: eu_dn,
                jti: &uuid_v4([9; 16]),
            },
            now(),
        )
        .unwrap();
        r.claims_mut().scope = scope.into();
        r.sign(tpp_key()).unwrap()
    };
    let run = |jwt: String, dn: &str| {
        let p = begin_registration(jwt.as_bytes(), &config, None, now())?;
        assert_eq!(p.jwks_uri(), Some("https://tpp.example/jwks.json"));
        p.verify(&tpp_jwks(), dn, &mut SeenJtis::default(), now())
    };
    let ok = run(make(&claims, "openid accounts"), eu_dn).unwrap();
    assert!(ok.statement().is_self_asserted());
    let err = run(make(&claims, "openid payments"), eu_dn).unwrap_err();
    assert!(
        matches!(err, DcrError::InvalidClientMetadata { ref field, .. } if field == "scope"),
        "{err}"
    );
    // Monzo's EU profile: the registration JWT's typ "Must be \"jwt\"" (any case).
    let retyped = |typ: Option<&str>| {
        let statement = ob_dcr::ssa::unsecured_software_statement(&claims).unwrap();
        let mut r = RegistrationRequest::monzo_eu(
            ob_dcr::request::RegistrationParams {
                software_statement: &statement,
                software_id: &claims.software_id,
                aud: "PSDIE-CBI-000000",
                redirect_uris: vec![REDIRECT.into()],
                tls_client_auth_subject_dn: eu_dn,
                jti: &uuid_v4([10; 16]),
            },
            now(),
        )
        .unwrap();
        r.claims_mut().scope = "openid accounts".into();
        let mut header = ob_jose::jws::Object::new();
        if let Some(t) = typ {
            header.insert("typ".into(), serde_json::Value::String(t.into()));
        }
        ob_jose::jws::sign_json(tpp_key(), &header, &*r.claims_mut()).unwrap()
    };
    run(retyped(Some("jwt")), eu_dn).unwrap();
    for typ in [None, Some("JOSE")] {
        let err = run(retyped(typ), eu_dn).unwrap_err();
        assert!(
            matches!(err, DcrError::InvalidClientMetadata { ref field, .. } if field == "typ"),
            "{typ:?}: {err}"
        );
    }
    // The certificate's organizationIdentifier must be the statement's org_id.
    let mut other = claims.clone();
    other.org_id = Some("PSDIE-CBI-999999".into());
    assert!(matches!(
        run(make(&other, "openid accounts"), eu_dn),
        Err(DcrError::UnapprovedSoftwareStatement { .. })
    ));
    let mut none = claims.clone();
    none.org_id = None;
    assert!(matches!(
        run(make(&none, "openid accounts"), eu_dn),
        Err(DcrError::UnapprovedSoftwareStatement { .. })
    ));
    // A statement the TPP signed itself (PS256, Monzo's "otherwise"): checked with the keys
    // its JWKS endpoint publishes; the statement's typ must be JWT, as Monzo says.
    let with_statement = |statement: &str| {
        let mut r = RegistrationRequest::monzo_eu(
            ob_dcr::request::RegistrationParams {
                software_statement: statement,
                software_id: &claims.software_id,
                aud: "PSDIE-CBI-000000",
                redirect_uris: vec![REDIRECT.into()],
                tls_client_auth_subject_dn: eu_dn,
                jti: &uuid_v4([11; 16]),
            },
            now(),
        )
        .unwrap();
        r.claims_mut().scope = "openid accounts".into();
        r.sign(tpp_key()).unwrap()
    };
    let self_signed = |key: &SigningKey, typ: Option<&str>| {
        let mut header = ob_jose::jws::Object::new();
        if let Some(t) = typ {
            header.insert("typ".into(), serde_json::Value::String(t.into()));
        }
        ob_jose::jws::sign_json(key, &header, &claims).unwrap()
    };
    let ok = run(with_statement(&self_signed(tpp_key(), Some("JWT"))), eu_dn).unwrap();
    assert!(ok.statement().is_self_asserted());
    let stranger = SigningKey::generate("stranger-1", 2048).unwrap();
    let err = run(with_statement(&self_signed(&stranger, Some("JWT"))), eu_dn).unwrap_err();
    assert!(
        matches!(err, DcrError::InvalidSoftwareStatement { ref reason, .. } if reason.contains("self-signed")),
        "{err}"
    );
    for typ in [None, Some("JOSE")] {
        let p = begin_registration(
            with_statement(&self_signed(tpp_key(), typ)).as_bytes(),
            &config,
            None,
            now(),
        );
        assert!(
            matches!(p, Err(DcrError::InvalidSoftwareStatement { ref reason, .. }) if reason.contains("typ")),
            "{typ:?}"
        );
    }
    // The builder refuses a software_id that is not a UUIDv4.
    let err = RegistrationRequest::monzo_eu(
        ob_dcr::request::RegistrationParams {
            software_statement: "a.b.",
            software_id: "not-a-uuid",
            aud: "PSDIE-CBI-000000",
            redirect_uris: vec![REDIRECT.into()],
            tls_client_auth_subject_dn: eu_dn,
            jti: "j",
        },
        now(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DcrError::InvalidClientMetadata { ref field, .. } if field == "software_id"),
        "{err}"
    );
    // So does the validator, for a statement made elsewhere.
    let mut bad = claims.clone();
    bad.software_id = "not-a-uuid".into();
    let statement = ob_dcr::ssa::unsecured_software_statement(&bad).unwrap();
    let mut r = RegistrationRequest::uk(
        ob_dcr::request::RegistrationParams {
            software_statement: &statement,
            software_id: "not-a-uuid",
            aud: "PSDIE-CBI-000000",
            redirect_uris: vec![REDIRECT.into()],
            tls_client_auth_subject_dn: eu_dn,
            jti: "j",
        },
        "openid accounts",
        now(),
    )
    .unwrap();
    r.claims_mut().scope = "openid accounts".into();
    let err = run(r.sign(tpp_key()).unwrap(), eu_dn).unwrap_err();
    assert!(
        matches!(err, DcrError::InvalidClientMetadata { ref field, .. } if field == "software_id"),
        "{err}"
    );
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn organization_identifier_may_be_printed_by_its_oid() {
    assert!(ob_dcr::server::same_subject(
        "C=IE, O=TPP Ltd, 2.5.4.97=PSDIE-CBI-123456, CN=tpp",
        "C=IE,O=TPP Ltd,organizationIdentifier=PSDIE-CBI-123456,CN=tpp"
    ));
    assert!(!ob_dcr::server::same_subject(
        "C=IE,O=TPP Ltd,CN=tpp",
        "C=IE,O=Other,CN=tpp"
    ));
}
