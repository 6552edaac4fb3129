//! `x-jws-signature`: a negative test per rejection, each asserting its error.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use ob_jose::detached::{DetachedSigner, DetachedVerifier, IAT, ISS, TAN};
use ob_jose::{JoseError, Signer};
use serde_json::{json, Value};

use crate::{jwks, key, now, other_key};

const ISSUER: &str = "0015800001041REAAY/2kiXQyo0tedjW2somjSgH7";
const BODY: &[u8] = br#"{"Data":{"Initiation":{"InstructedAmount":{"Amount":"10.00","Currency":"GBP"}}},"Risk":{}}"#;

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

fn verifier() -> DetachedVerifier {
    DetachedVerifier::new(ISSUER)
}

fn good_header() -> Value {
    json!({
        "alg": "PS256", "kid": "test-key-1", "typ": "JOSE", "cty": "application/json",
        IAT: now().timestamp() - 10, ISS: ISSUER, TAN: "openbanking.org.uk",
        "crit": [IAT, ISS, TAN]
    })
}

/// A detached signature with this header over `body` (raw when `legacy`), by `signer`.
fn craft_with(header: &Value, body: &[u8], legacy: bool, signer: &impl Signer) -> String {
    let h = b64(header.to_string().as_bytes());
    let mut input = format!("{h}.").into_bytes();
    if legacy {
        input.extend_from_slice(body);
    } else {
        input.extend_from_slice(b64(body).as_bytes());
    }
    let sig = signer.sign_ps256(&input).unwrap();
    format!("{h}..{}", b64(&sig))
}

fn craft(header: &Value) -> String {
    craft_with(header, BODY, false, key())
}

fn with(k: &str, v: Value) -> Value {
    let mut h = good_header();
    h[k] = v;
    h
}

fn without(k: &str) -> Value {
    let mut h = good_header();
    h.as_object_mut().unwrap().shift_remove(k);
    h
}

#[test]
fn sign_then_verify() {
    let value = DetachedSigner::new(key(), ISSUER)
        .sign(BODY, now())
        .unwrap();
    assert_eq!(value.split('.').nth(1), Some(""), "the payload is detached");
    let v = verifier()
        .verify(Some(&value), BODY, &jwks(), now())
        .unwrap();
    assert_eq!(
        (v.kid(), v.issuer(), v.issued_at()),
        ("test-key-1", ISSUER, now().timestamp())
    );
    assert!(!v.is_legacy_b64());
    // The header is exactly what OBIE asks for.
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(value.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["crit"], json!([IAT, ISS, TAN]));
    assert_eq!(header["typ"], "JOSE");
    assert!(header.get("b64").is_none());
    // Without typ and cty it verifies too.
    let bare = DetachedSigner::new(key(), ISSUER)
        .without_typ()
        .content_type(None)
        .sign(BODY, now())
        .unwrap();
    verifier()
        .verify(Some(&bare), BODY, &jwks(), now())
        .unwrap();
    // cty "json", the short form OBIE allows beside "application/json", in any case.
    for cty in ["json", "JSON", "application/json", "Application/JSON"] {
        let signed = DetachedSigner::new(key(), ISSUER)
            .content_type(Some(cty.into()))
            .sign(BODY, now())
            .unwrap();
        verifier()
            .verify(Some(&signed), BODY, &jwks(), now())
            .unwrap_or_else(|e| panic!("cty {cty:?}: {e}"));
    }
}

#[test]
fn every_rejection_names_its_reason() {
    let good = craft(&good_header());
    let mut changed_body = BODY.to_vec();
    changed_body[20] ^= 1;
    let cases: Vec<(&str, Option<String>, &[u8], JoseError)> = vec![
        ("missing", None, BODY, JoseError::Missing),
        ("empty", Some(String::new()), BODY, JoseError::Missing),
        ("two parts", Some("abc.def".into()), BODY, JoseError::Malformed { reason: "x-jws-signature is not three base64url parts separated by dots".into() }),
        ("attached payload", Some(good.replacen("..", &format!(".{}.", b64(BODY)), 1)), BODY, JoseError::Malformed { reason: "x-jws-signature must be detached: expected an empty middle part".into() }),
        ("no signature", Some(format!("{}..", good.split('.').next().unwrap())), BODY, JoseError::Malformed { reason: "x-jws-signature has an empty header or signature part".into() }),
        ("body changed by one byte", Some(good.clone()), &changed_body, JoseError::BadSignature),
        ("signed by another key", Some(craft_with(&good_header(), BODY, false, other_key())), BODY, JoseError::BadSignature),
        ("unknown kid", Some(craft(&with("kid", json!("other")))), BODY, JoseError::UnknownKey { kid: "other".into() }),
        ("wrong alg", Some(craft(&with("alg", json!("RS256")))), BODY, JoseError::AlgorithmNotAllowed { alg: "RS256".into() }),
        ("alg none", Some(craft(&with("alg", json!("none")))), BODY, JoseError::UnsecuredRefused),
        ("embedded key", Some(craft(&with("jwk", json!({"kty": "RSA"})))), BODY, JoseError::EmbeddedKeyRefused { param: "jwk".into() }),
        ("no kid", Some(craft(&without("kid"))), BODY, JoseError::MissingClaim { name: "kid".into() }),
        ("no iat", Some(craft(&without(IAT))), BODY, JoseError::MissingClaim { name: IAT.into() }),
        ("no iss", Some(craft(&without(ISS))), BODY, JoseError::MissingClaim { name: ISS.into() }),
        ("no tan", Some(craft(&without(TAN))), BODY, JoseError::MissingClaim { name: TAN.into() }),
        ("no crit", Some(craft(&without("crit"))), BODY, JoseError::MissingClaim { name: "crit".into() }),
        ("iat in the future", Some(craft(&with(IAT, json!(now().timestamp() + 3600)))), BODY, JoseError::InvalidClaim { name: IAT.into(), reason: format!("expected a time in the past, found {} (now is {})", now().timestamp() + 3600, now().timestamp()) }),
        ("iat a string", Some(craft(&with(IAT, json!("yesterday")))), BODY, JoseError::InvalidClaim { name: IAT.into(), reason: "expected seconds since the epoch, found \"yesterday\"".into() }),
        ("another issuer", Some(craft(&with(ISS, json!("someone-else")))), BODY, JoseError::InvalidClaim { name: ISS.into(), reason: format!("expected {ISSUER:?}, found \"someone-else\"") }),
        ("another trust anchor", Some(craft(&with(TAN, json!("example.com")))), BODY, JoseError::InvalidClaim { name: TAN.into(), reason: "expected \"openbanking.org.uk\", found \"example.com\"".into() }),
        ("crit missing an entry", Some(craft(&with("crit", json!([IAT, ISS])))), BODY, JoseError::CritMismatch { expected: vec![IAT.into(), ISS.into(), TAN.into()], found: vec![IAT.into(), ISS.into()] }),
        ("crit with an extra entry", Some(craft(&with("crit", json!([IAT, ISS, TAN, "exp"])))), BODY, JoseError::CritMismatch { expected: vec![IAT.into(), ISS.into(), TAN.into()], found: vec![IAT.into(), ISS.into(), TAN.into(), "exp".into()] }),
        ("crit not a list", Some(craft(&with("crit", json!("all")))), BODY, JoseError::InvalidClaim { name: "crit".into(), reason: "expected a non-empty array of strings, found \"all\"".into() }),
        ("b64 present", Some(craft(&with("b64", json!(false)))), BODY, JoseError::InvalidClaim { name: "b64".into(), reason: "not allowed since v3.1.4: the payload must be base64url-encoded".into() }),
        ("extra header parameter", Some(craft(&with("exp", json!(1)))), BODY, JoseError::InvalidClaim { name: "exp".into(), reason: "unexpected header parameter".into() }),
        ("cty empty", Some(craft(&with("cty", json!("")))), BODY, JoseError::InvalidClaim { name: "cty".into(), reason: "expected \"json\" or \"application/json\", found \"\"".into() }),
        ("cty another media type", Some(craft(&with("cty", json!("application/pdf")))), BODY, JoseError::InvalidClaim { name: "cty".into(), reason: "expected \"json\" or \"application/json\", found \"application/pdf\"".into() }),
        ("cty text", Some(craft(&with("cty", json!("text/plain")))), BODY, JoseError::InvalidClaim { name: "cty".into(), reason: "expected \"json\" or \"application/json\", found \"text/plain\"".into() }),
        ("cty not a string", Some(craft(&with("cty", json!(1)))), BODY, JoseError::InvalidClaim { name: "cty".into(), reason: "expected \"json\" or \"application/json\", found 1".into() }),
        ("empty kid", Some(craft(&with("kid", json!("")))), BODY, JoseError::InvalidClaim { name: "kid".into(), reason: "expected a non-empty string, found \"\"".into() }),
        ("jku", Some(craft(&with("jku", json!("https://evil.example/jwks")))), BODY, JoseError::EmbeddedKeyRefused { param: "jku".into() }),
        ("x5u", Some(craft(&with("x5u", json!("https://evil.example/cert")))), BODY, JoseError::EmbeddedKeyRefused { param: "x5u".into() }),
        ("x5c", Some(craft(&with("x5c", json!(["MIIB"])))), BODY, JoseError::EmbeddedKeyRefused { param: "x5c".into() }),
        ("crit with a repeated entry", Some(craft(&with("crit", json!([IAT, IAT, ISS, TAN])))), BODY, JoseError::InvalidClaim { name: "crit".into(), reason: format!("expected distinct entries, found {IAT:?} twice (entry 1)") }),
        ("typ not JOSE", Some(craft(&with("typ", json!("JWT")))), BODY, JoseError::InvalidClaim { name: "typ".into(), reason: "expected \"JOSE\", found \"JWT\"".into() }),
        ("not base64url", Some("e30*..AAAA".into()), BODY, JoseError::Malformed { reason: "the JWS header is not base64url without padding (Invalid symbol 42, offset 3.)".into() }),
        ("not JSON", Some(format!("{}..AAAA", b64(b"not json"))), BODY, JoseError::Malformed { reason: "the JWS header is not a JSON object with unique members (expected ident at line 1 column 2)".into() }),
    ];
    for (name, value, body, want) in cases {
        let got = verifier()
            .verify(value.as_deref(), body, &jwks(), now())
            .unwrap_err();
        assert_eq!(got, want, "{name}");
        assert_eq!(got.to_api_error().status, 400, "{name}");
    }
    // A duplicate member is refused, whichever value would win.
    let dup = r#"{"alg":"PS256","kid":"test-key-1","kid":"other"}"#;
    let value = format!("{}..AAAA", b64(dup.as_bytes()));
    assert!(matches!(
        verifier().verify(Some(&value), BODY, &jwks(), now()),
        Err(JoseError::Malformed { .. })
    ));
}

#[test]
fn clock_skew_is_tolerated_up_to_the_limit() {
    let soon = craft(&with(IAT, json!(now().timestamp() + 30)));
    verifier()
        .verify(Some(&soon), BODY, &jwks(), now())
        .unwrap();
    let strict = verifier().clock_skew(Duration::zero());
    assert_eq!(
        strict
            .verify(Some(&soon), BODY, &jwks(), now())
            .unwrap_err(),
        JoseError::InvalidClaim {
            name: IAT.into(),
            reason: format!(
                "expected a time in the past, found {} (now is {})",
                now().timestamp() + 30,
                now().timestamp()
            )
        }
    );
    // Another trust anchor, when asked for.
    let other = craft(&with(TAN, json!("example.com")));
    verifier()
        .trust_anchor("example.com")
        .verify(Some(&other), BODY, &jwks(), now())
        .unwrap();
}

#[test]
fn legacy_b64_false_only_when_allowed() {
    let mut h = with("b64", json!(false));
    h["crit"] = json!(["b64", IAT, ISS, TAN]);
    let legacy = craft_with(&h, BODY, true, key());
    let refused = verifier()
        .verify(Some(&legacy), BODY, &jwks(), now())
        .unwrap_err();
    assert!(matches!(refused, JoseError::InvalidClaim { ref name, .. } if name == "b64"));
    let v = verifier()
        .allow_legacy_b64()
        .verify(Some(&legacy), BODY, &jwks(), now())
        .unwrap();
    assert!(v.is_legacy_b64());
    // Legacy mode still checks everything else.
    let mut changed = BODY.to_vec();
    changed[0] = b' ';
    assert_eq!(
        verifier()
            .allow_legacy_b64()
            .verify(Some(&legacy), &changed, &jwks(), now())
            .unwrap_err(),
        JoseError::BadSignature
    );
    let mut no_crit = h.clone();
    no_crit["crit"] = json!([IAT, ISS, TAN]);
    let v2 = craft_with(&no_crit, BODY, true, key());
    assert_eq!(
        verifier()
            .allow_legacy_b64()
            .verify(Some(&v2), BODY, &jwks(), now())
            .unwrap_err(),
        JoseError::CritMismatch {
            expected: vec!["b64".into(), IAT.into(), ISS.into(), TAN.into()],
            found: vec![IAT.into(), ISS.into(), TAN.into()]
        }
    );
    let mut b64_true = h;
    b64_true["b64"] = json!(true);
    let v3 = craft_with(&b64_true, BODY, false, key());
    assert_eq!(
        verifier()
            .allow_legacy_b64()
            .verify(Some(&v3), BODY, &jwks(), now())
            .unwrap_err(),
        JoseError::InvalidClaim {
            name: "b64".into(),
            reason: "expected false, found true".into()
        }
    );
}
