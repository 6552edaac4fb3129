//! Compact JWS: round trip, and every refusal with its error.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ob_jose::jws::{self, Validation};
use ob_jose::{dangerous, JoseError, Signer};
use serde_json::{json, Map, Value};

use crate::{jwks, key, other_key};

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

/// A token with this exact header text, signed by the test key.
fn craft_raw(header: &str, payload: &[u8]) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload));
    let sig = key().sign_ps256(input.as_bytes()).unwrap();
    format!("{input}.{}", b64(&sig))
}

fn craft(header: Value, payload: &[u8]) -> String {
    craft_raw(&header.to_string(), payload)
}

fn typ_jwt() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("typ".into(), json!("JWT"));
    m
}

#[test]
fn sign_and_verify() {
    let token = jws::sign_json(key(), &typ_jwt(), &json!({"iss": "me", "aud": "you"})).unwrap();
    let v = jws::verify_with(
        &token,
        &jwks(),
        &Validation {
            typ: Some("jwt".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(v.kid(), "test-key-1");
    assert_eq!(v.claims().unwrap()["iss"], "me");
    assert_eq!(v.header()["alg"], "PS256");
    #[derive(serde::Deserialize)]
    struct Claims {
        aud: String,
    }
    assert_eq!(v.claims_as::<Claims>().unwrap().aud, "you");
}

#[test]
fn refusals() {
    let ok = json!({"alg": "PS256", "kid": "test-key-1"});
    let with = |k: &str, v: Value| {
        let mut h = ok.clone();
        h[k] = v;
        h
    };
    let payload = br#"{"sub":"x"}"#;
    let good = craft(ok.clone(), payload);
    let mut tampered = good.clone();
    tampered.insert(good.find('.').unwrap() + 2, 'A');
    let forged = {
        let input = format!("{}.{}", b64(ok.to_string().as_bytes()), b64(payload));
        let sig = other_key().sign_ps256(input.as_bytes()).unwrap();
        format!("{input}.{}", b64(&sig))
    };
    let unsecured = dangerous::encode_unsecured(&Map::new(), payload).unwrap();
    let cases: Vec<(&str, String, JoseError)> = vec![
        (
            "two parts",
            "a.b".into(),
            JoseError::Malformed {
                reason: "the JWS is not three base64url parts separated by dots".into(),
            },
        ),
        ("alg none", unsecured, JoseError::UnsecuredRefused),
        (
            "alg NONE",
            craft(with("alg", json!("NONE")), payload),
            JoseError::UnsecuredRefused,
        ),
        (
            "HS256",
            craft(with("alg", json!("HS256")), payload),
            JoseError::AlgorithmNotAllowed {
                alg: "HS256".into(),
            },
        ),
        (
            "RS256",
            craft(with("alg", json!("RS256")), payload),
            JoseError::AlgorithmNotAllowed {
                alg: "RS256".into(),
            },
        ),
        (
            "no alg",
            craft(json!({"kid": "test-key-1"}), payload),
            JoseError::MissingClaim { name: "alg".into() },
        ),
        (
            "no kid",
            craft(json!({"alg": "PS256"}), payload),
            JoseError::MissingClaim { name: "kid".into() },
        ),
        (
            "unknown kid",
            craft(with("kid", json!("nope")), payload),
            JoseError::UnknownKey { kid: "nope".into() },
        ),
        (
            "jwk",
            craft(
                with("jwk", serde_json::to_value(key().public_jwk()).unwrap()),
                payload,
            ),
            JoseError::EmbeddedKeyRefused {
                param: "jwk".into(),
            },
        ),
        (
            "jku",
            craft(with("jku", json!("https://evil.example/jwks")), payload),
            JoseError::EmbeddedKeyRefused {
                param: "jku".into(),
            },
        ),
        (
            "x5u",
            craft(with("x5u", json!("https://evil.example/cert")), payload),
            JoseError::EmbeddedKeyRefused {
                param: "x5u".into(),
            },
        ),
        (
            "x5c",
            craft(with("x5c", json!(["MIIB"])), payload),
            JoseError::EmbeddedKeyRefused {
                param: "x5c".into(),
            },
        ),
        (
            "b64",
            craft(with("b64", json!(false)), payload),
            JoseError::InvalidClaim {
                name: "b64".into(),
                reason: "unencoded payloads are not accepted here".into(),
            },
        ),
        (
            "unknown crit",
            craft(with("crit", json!(["exp"])), payload),
            JoseError::CritMismatch {
                expected: vec![],
                found: vec!["exp".into()],
            },
        ),
        ("tampered payload", tampered, JoseError::BadSignature),
        ("another key, same kid", forged, JoseError::BadSignature),
    ];
    for (name, token, want) in cases {
        assert_eq!(jws::verify(&token, &jwks()).unwrap_err(), want, "{name}");
    }
    // Duplicate members are refused, whichever value would win.
    let dup = craft_raw(
        r#"{"alg":"PS256","kid":"test-key-1","alg":"none"}"#,
        payload,
    );
    assert!(matches!(
        jws::verify(&dup, &jwks()),
        Err(JoseError::Malformed { .. })
    ));
    // crit that is understood but whose parameter is missing.
    let v = Validation {
        understood_crit: vec!["exp".into()],
        ..Default::default()
    };
    assert_eq!(
        jws::verify_with(&craft(with("crit", json!(["exp"])), payload), &jwks(), &v).unwrap_err(),
        JoseError::MissingClaim { name: "exp".into() }
    );
    // A repeated crit entry is refused even when the entry is understood (RFC 7515 §4.1.11).
    let v = Validation {
        understood_crit: vec!["exp".into()],
        ..Default::default()
    };
    let mut repeated = with("crit", json!(["exp", "exp"]));
    repeated["exp"] = json!(1);
    assert_eq!(
        jws::verify_with(&craft(repeated, payload), &jwks(), &v).unwrap_err(),
        JoseError::InvalidClaim {
            name: "crit".into(),
            reason: "expected distinct entries, found \"exp\" twice (entry 1)".into()
        }
    );
    // A required typ.
    let v = Validation {
        typ: Some("JWT".into()),
        ..Default::default()
    };
    assert_eq!(
        jws::verify_with(&good, &jwks(), &v).unwrap_err(),
        JoseError::MissingClaim { name: "typ".into() }
    );
}

#[test]
fn the_signer_sets_alg_and_kid() {
    let mut extra = Map::new();
    extra.insert("alg".into(), json!("none"));
    assert!(matches!(
        jws::sign(key(), &extra, b"{}"),
        Err(JoseError::Misuse { .. })
    ));
    let mut extra = Map::new();
    extra.insert("jwk".into(), json!({}));
    assert!(matches!(
        jws::sign(key(), &extra, b"{}"),
        Err(JoseError::Misuse { .. })
    ));
}

#[test]
fn dangerous_unsecured_round_trip() {
    let ssa = json!({"software_id": "6f3d7d2e-1c5f-4b6c-9a8d-0f2d2b6c1e11", "org_id": "PSDIE-CBI-123456"});
    let mut extra = Map::new();
    extra.insert("typ".into(), json!("JWT"));
    let token = dangerous::encode_unsecured(&extra, ssa.to_string().as_bytes()).unwrap();
    assert!(token.ends_with('.'));
    let (header, payload) = dangerous::decode_unsecured(&token).unwrap();
    assert_eq!(header["alg"], "none");
    assert_eq!(serde_json::from_slice::<Value>(&payload).unwrap(), ssa);
    // A signed token is not unsecured, and an unsecured one with a signature is malformed.
    let signed = jws::sign(key(), &Map::new(), b"{}").unwrap();
    assert!(matches!(
        dangerous::decode_unsecured(&signed),
        Err(JoseError::InvalidClaim { .. })
    ));
    assert!(matches!(
        dangerous::decode_unsecured(&format!("{token}AAAA")),
        Err(JoseError::Malformed { .. })
    ));
    let (h, _) = dangerous::peek_unverified(&signed).unwrap();
    assert_eq!(h["kid"], "test-key-1");
}

#[test]
fn error_codes() {
    let errors = [
        JoseError::Missing,
        JoseError::Malformed { reason: "x".into() },
        JoseError::UnsecuredRefused,
        JoseError::AlgorithmNotAllowed {
            alg: "RS256".into(),
        },
        JoseError::EmbeddedKeyRefused {
            param: "jwk".into(),
        },
        JoseError::MissingClaim {
            name: "http://openbanking.org.uk/iat".into(),
        },
        JoseError::InvalidClaim {
            name: "http://openbanking.org.uk/tan".into(),
            reason: "expected \"openbanking.org.uk\", found \"x\"".into(),
        },
        JoseError::CritMismatch {
            expected: vec!["a".into()],
            found: vec![],
        },
        JoseError::UnknownKey { kid: "k".into() },
        JoseError::BadSignature,
        JoseError::KeyRejected { reason: "x".into() },
        JoseError::WeakKey { bits: 1024 },
        JoseError::Signing {
            reason: "hsm offline".into(),
        },
        JoseError::Misuse { reason: "x".into() },
    ];
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("{e} => {}", e.to_api_error()))
        .collect();
    insta::assert_debug_snapshot!(lines);
}
