//! id_token validation: a valid token, then one negative test per check.

use chrono::Duration;
use ob_jose::jws::{self, Object};
use ob_jose::{dangerous, JoseError};
use ob_oidc::callback::parse_callback;
use ob_oidc::id_token::{
    half_hash, issue, validate, validate_callback, Expected, NewIdToken, DEFAULT_MAX_IAT_AGE,
};
use ob_oidc::OidcError;
use serde_json::{json, Value};

use crate::{bank_jwks, bank_key, now, tpp_key, CLIENT, ISSUER};

fn new_token() -> NewIdToken<'static> {
    NewIdToken {
        issuer: ISSUER,
        client_id: CLIENT,
        subject: "aac_123",
        nonce: Some("no-1"),
        code: Some("code-1"),
        state: Some("st-1"),
        intent_id: Some("aac_123"),
        acr: Some("urn:openbanking:psd2:sca"),
        auth_time: Some(now()),
        now: now(),
        lifetime: Duration::minutes(5),
    }
}

fn expected() -> Expected<'static> {
    Expected {
        nonce: Some("no-1"),
        code: Some("code-1"),
        state: Some("st-1"),
        intent_id: Some("aac_123"),
        ..Expected::new(ISSUER, CLIENT, now())
    }
}

/// A token with these claims (starting from a valid one), signed by the bank.
fn with_claims(change: impl FnOnce(&mut Object)) -> String {
    let token = issue(bank_key(), &new_token()).unwrap();
    let (_, payload) = dangerous::peek_unverified(&token).unwrap();
    let Value::Object(mut claims) = serde_json::from_slice(&payload).unwrap() else {
        unreachable!()
    };
    change(&mut claims);
    jws::sign_json(bank_key(), &Object::new(), &claims).unwrap()
}

#[test]
fn hashes_follow_the_spec() {
    // OpenID Connect: left half of SHA-256, base64url. SHA-256("abc") starts ba7816bf 8f01cfea 414140de 5dae2223.
    assert_eq!(half_hash("abc"), "ungWv48Bz-pBQUDeXa4iIw");
}

#[test]
fn a_valid_token() {
    let token = issue(bank_key(), &new_token()).unwrap();
    let c = validate(&token, &bank_jwks(), &expected()).unwrap();
    assert_eq!(c.sub, "aac_123");
    assert_eq!(c.openbanking_intent_id.as_deref(), Some("aac_123"));
    assert_eq!(c.acr.as_deref(), Some("urn:openbanking:psd2:sca"));
    assert_eq!(c.all["c_hash"], half_hash("code-1"));
    // From the token endpoint: no code or state to check.
    let back = Expected {
        code: None,
        state: None,
        nonce: None,
        ..expected()
    };
    validate(
        &issue(
            bank_key(),
            &NewIdToken {
                code: None,
                state: None,
                nonce: None,
                ..new_token()
            },
        )
        .unwrap(),
        &bank_jwks(),
        &back,
    )
    .unwrap();
}

#[test]
fn every_check_refuses() {
    let claim = |e: OidcError| match e {
        OidcError::InvalidIdToken { claim, .. } => claim,
        other => panic!("{other:?}"),
    };
    let check = |token: &str| validate(token, &bank_jwks(), &expected());
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "another issuer",
            with_claims(|c| {
                c.insert("iss".into(), json!("https://evil.example"));
            }),
            "iss",
        ),
        (
            "another audience",
            with_claims(|c| {
                c.insert("aud".into(), json!("client-2"));
            }),
            "aud",
        ),
        (
            // OIDC Core §3.1.3.7: "additional audiences not trusted by the Client".
            "an untrusted extra audience",
            with_claims(|c| {
                c.insert("aud".into(), json!([CLIENT, "client-2"]));
                c.insert("azp".into(), json!(CLIENT));
            }),
            "aud",
        ),
        (
            "issued long ago",
            with_claims(|c| {
                c.insert("iat".into(), json!(now().timestamp() - 3600));
            }),
            "iat",
        ),
        (
            "issued long ago, in fractional seconds",
            with_claims(|c| {
                c.insert("iat".into(), json!(now().timestamp() as f64 - 3600.5));
            }),
            "iat",
        ),
        (
            "exp in milliseconds",
            with_claims(|c| {
                c.insert("exp".into(), json!((now().timestamp() + 300) * 1000));
            }),
            "exp",
        ),
        (
            "iat in milliseconds",
            with_claims(|c| {
                c.insert("iat".into(), json!(now().timestamp() * 1000));
            }),
            "iat",
        ),
        (
            "expired",
            with_claims(|c| {
                c.insert("exp".into(), json!(now().timestamp() - 120));
            }),
            "exp",
        ),
        (
            "no exp",
            with_claims(|c| {
                c.remove("exp");
            }),
            "exp",
        ),
        (
            "no iat",
            with_claims(|c| {
                c.remove("iat");
            }),
            "iat",
        ),
        (
            "issued in the future",
            with_claims(|c| {
                c.insert("iat".into(), json!(now().timestamp() + 600));
            }),
            "iat",
        ),
        (
            "no sub",
            with_claims(|c| {
                c.remove("sub");
            }),
            "sub",
        ),
        (
            "another nonce",
            with_claims(|c| {
                c.insert("nonce".into(), json!("no-2"));
            }),
            "nonce",
        ),
        (
            "no nonce",
            with_claims(|c| {
                c.remove("nonce");
            }),
            "nonce",
        ),
        (
            "c_hash of another code",
            with_claims(|c| {
                c.insert("c_hash".into(), json!(half_hash("code-2")));
            }),
            "c_hash",
        ),
        (
            "no c_hash",
            with_claims(|c| {
                c.remove("c_hash");
            }),
            "c_hash",
        ),
        (
            "s_hash of another state",
            with_claims(|c| {
                c.insert("s_hash".into(), json!(half_hash("st-2")));
            }),
            "s_hash",
        ),
        (
            "another consent",
            with_claims(|c| {
                c.insert("openbanking_intent_id".into(), json!("aac_999"));
            }),
            "openbanking_intent_id",
        ),
        (
            "no consent",
            with_claims(|c| {
                c.remove("openbanking_intent_id");
            }),
            "openbanking_intent_id",
        ),
        (
            "no s_hash",
            with_claims(|c| {
                c.remove("s_hash");
            }),
            "s_hash",
        ),
        (
            "an audience that is not a string",
            with_claims(|c| {
                c.insert("aud".into(), json!([CLIENT, 5]));
            }),
            "aud",
        ),
    ];
    for (name, token, want) in cases {
        assert_eq!(claim(check(&token).unwrap_err()), want, "{name}");
    }
    // Several audiences with the right azp are fine only when the client trusts the others
    // (trusted_audiences_and_iat_age_are_the_callers).
    // Signature: another key, unsecured.
    let forged = issue(tpp_key(), &new_token()).unwrap();
    assert!(matches!(
        check(&forged),
        Err(OidcError::InvalidIdToken {
            cause: Some(JoseError::UnknownKey { .. }),
            ..
        })
    ));
    let (_, payload) =
        dangerous::peek_unverified(&issue(bank_key(), &new_token()).unwrap()).unwrap();
    let none = dangerous::encode_unsecured(&Object::new(), &payload).unwrap();
    assert!(matches!(
        check(&none),
        Err(OidcError::InvalidIdToken {
            cause: Some(JoseError::UnsecuredRefused),
            ..
        })
    ));
}

#[test]
fn trusted_audiences_and_iat_age_are_the_callers() {
    // Several audiences: fine when the client trusts the other one, with azp the client.
    let two = with_claims(|c| {
        c.insert("aud".into(), json!([CLIENT, "client-2"]));
    });
    let trusting = Expected {
        trusted_audiences: &["client-2"],
        ..expected()
    };
    match validate(&two, &bank_jwks(), &trusting).unwrap_err() {
        OidcError::InvalidIdToken { claim, .. } => assert_eq!(claim, "azp"),
        other => panic!("{other:?}"),
    }
    let with_azp = with_claims(|c| {
        c.insert("aud".into(), json!([CLIENT, "client-2"]));
        c.insert("azp".into(), json!(CLIENT));
    });
    validate(&with_azp, &bank_jwks(), &trusting).unwrap();
    // An hour-old iat passes with a longer limit; the default is minutes.
    let old = with_claims(|c| {
        c.insert("iat".into(), json!(now().timestamp() - 3600));
    });
    assert!(validate(&old, &bank_jwks(), &expected()).is_err());
    let patient = Expected {
        max_iat_age: Duration::hours(2),
        ..expected()
    };
    validate(&old, &bank_jwks(), &patient).unwrap();
    assert_eq!(DEFAULT_MAX_IAT_AGE, Duration::minutes(10));
}

/// The authorization the callbacks answer.
fn params() -> ob_oidc::authorize::AuthorizationParams<'static> {
    ob_oidc::authorize::AuthorizationParams {
        client_id: CLIENT,
        issuer: ISSUER,
        redirect_uri: "https://tpp.example/cb",
        scope: "openid accounts",
        intent_id: "aac_123",
        state: "st-1",
        nonce: "no-1",
    }
}

#[test]
fn a_callback_is_validated_whole() {
    let token = issue(bank_key(), &new_token()).unwrap();
    let cb = parse_callback(
        &format!("https://tpp.example/cb#code=code-1&id_token={token}&state=st-1"),
        "st-1",
    )
    .unwrap();
    let claims = validate_callback(&cb, &bank_jwks(), &params(), now()).unwrap();
    assert_eq!(claims.acr.as_deref(), Some("urn:openbanking:psd2:sca"));
    // A code swapped in by an attacker no longer matches c_hash.
    let swapped = parse_callback(
        &format!("https://tpp.example/cb#code=code-2&id_token={token}&state=st-1"),
        "st-1",
    )
    .unwrap();
    match validate_callback(&swapped, &bank_jwks(), &params(), now()).unwrap_err() {
        OidcError::InvalidIdToken { claim, .. } => assert_eq!(claim, "c_hash"),
        other => panic!("{other:?}"),
    }
    // An acr the request did not ask for.
    let odd = issue(
        bank_key(),
        &NewIdToken {
            acr: Some("urn:example:password"),
            auth_time: None,
            ..new_token()
        },
    )
    .unwrap();
    let cb = parse_callback(
        &format!("https://tpp.example/cb#code=code-1&id_token={odd}&state=st-1"),
        "st-1",
    )
    .unwrap();
    match validate_callback(&cb, &bank_jwks(), &params(), now()).unwrap_err() {
        OidcError::InvalidIdToken { claim, .. } => assert_eq!(claim, "acr"),
        other => panic!("{other:?}"),
    }
}
