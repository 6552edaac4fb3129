//! Keys: generation, PEM, JWK, JWKS selection, weak and malformed keys.

use ob_jose::{JoseError, Jwk, Jwks, Signer, SigningKey, Verifier, VerifyingKey};

use crate::{jwks, key};

#[test]
fn pkcs8_pem_round_trip_keeps_the_key() {
    let pem = key().to_pkcs8_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let again = SigningKey::from_pem("test-key-1", &pem).unwrap();
    assert_eq!(again.verifying_key(), key().verifying_key());
    let sig = again.sign_ps256(b"message").unwrap();
    key().verifying_key().check(b"message", &sig).unwrap();
    assert_eq!(key().bits(), 2048);
}

#[test]
fn debug_never_shows_key_material() {
    let shown = format!("{:?} {:?}", key(), key().public_jwk());
    assert!(shown.contains("test-key-1"));
    let n = key().public_jwk().n.unwrap();
    assert!(!shown.contains(&n[..20]));
}

#[test]
fn public_jwk_has_what_a_jwks_needs() {
    let jwk = serde_json::to_value(key().public_jwk()).unwrap();
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["kid"], "test-key-1");
    assert_eq!(jwk["use"], "sig");
    assert_eq!(jwk["alg"], "PS256");
    assert_eq!(jwk["e"], "AQAB");
    assert!(jwk.get("d").is_none());
    let json = jwks().to_public_json().unwrap();
    let back = Jwks::from_json(&json).unwrap();
    assert_eq!(back.key("test-key-1").unwrap(), key().verifying_key());
}

#[test]
fn jwks_selects_by_kid_and_purpose() {
    let mut enc = key().public_jwk();
    enc.use_ = Some("enc".into());
    let mut rs256 = key().public_jwk();
    rs256.alg = Some("RS256".into());
    let set = Jwks {
        keys: vec![enc, rs256],
    };
    assert_eq!(
        set.key("test-key-1").unwrap_err(),
        JoseError::UnknownKey {
            kid: "test-key-1".into()
        }
    );
    assert!(matches!(
        jwks().key("nope"),
        Err(JoseError::UnknownKey { .. })
    ));
    let sig = key().sign_ps256(b"m").unwrap();
    jwks().verify_ps256("test-key-1", b"m", &sig).unwrap();
    assert_eq!(
        jwks().verify_ps256("test-key-1", b"n", &sig).unwrap_err(),
        JoseError::BadSignature
    );
}

#[test]
fn weak_and_bad_keys_are_rejected() {
    let n1024 = vec![0xC5u8; 128];
    assert_eq!(
        VerifyingKey::from_components(None, &n1024, &[1, 0, 1]).unwrap_err(),
        JoseError::WeakKey { bits: 1024 }
    );
    assert_eq!(
        SigningKey::generate("k", 1024).unwrap_err(),
        JoseError::WeakKey { bits: 1024 }
    );
    assert!(matches!(
        SigningKey::generate("k", 2500),
        Err(JoseError::Misuse { .. })
    ));
    assert!(matches!(
        SigningKey::from_pem("k", "not a key"),
        Err(JoseError::KeyRejected { .. })
    ));
    let ec = Jwk {
        kty: "EC".into(),
        ..Jwk::default()
    };
    assert!(matches!(
        VerifyingKey::from_jwk(&ec),
        Err(JoseError::KeyRejected { .. })
    ));
    let mut public_only = key().public_jwk();
    public_only.kid = Some("k".into());
    assert!(matches!(
        SigningKey::from_jwk(&public_only),
        Err(JoseError::KeyRejected { .. })
    ));
    for member in ["d", "p", "qi", "k"] {
        let mut private_jwks = jwks();
        let jwk = &mut private_jwks.keys[0];
        match member {
            "d" => jwk.d = Some("AQAB".into()),
            "p" => jwk.p = Some("AQAB".into()),
            "qi" => jwk.qi = Some("AQAB".into()),
            _ => {
                jwk.other.insert("k".into(), "c2VjcmV0".into());
            }
        }
        assert!(
            matches!(private_jwks.to_public_json(), Err(JoseError::Misuse { .. })),
            "{member}"
        );
    }
}

#[test]
fn public_key_pem_is_read() {
    // A PKCS#1 RSAPublicKey PEM, built here from the key's JWK.
    let vk = key().verifying_key();
    let jwk = vk.to_jwk();
    let n = base64_url(&jwk.n.unwrap());
    let e = base64_url(&jwk.e.unwrap());
    let der = der_sequence(&[der_integer(&n), der_integer(&e)]);
    let pem = format!(
        "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
        base64_std(&der)
    );
    assert_eq!(
        VerifyingKey::from_pem(Some("test-key-1".into()), &pem).unwrap(),
        vk
    );
}

fn base64_url(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn base64_std(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn der_len(len: usize) -> Vec<u8> {
    if len < 128 {
        vec![len as u8]
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn der_integer(v: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    if v.first().is_some_and(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(v);
    let mut out = vec![0x02];
    out.extend(der_len(body.len()));
    out.extend(body);
    out
}

fn der_sequence(items: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = items.concat();
    let mut out = vec![0x30];
    out.extend(der_len(body.len()));
    out.extend(body);
    out
}

#[test]
fn a_parsed_key_set_verifies_and_reports_bad_keys() {
    use ob_jose::VerifyingKeys;
    let mut set = jwks();
    let mut weak = key().public_jwk();
    weak.kid = Some("weak".into());
    weak.n = Some("AQAB".into());
    set.keys.push(weak);
    let mut kidless = key().public_jwk();
    kidless.kid = None;
    set.keys.push(kidless);
    let (keys, rejected): (VerifyingKeys, _) = set.verifying_keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(rejected.len(), 2);
    assert_eq!(
        rejected[0],
        (Some("weak".into()), JoseError::WeakKey { bits: 17 })
    );
    let sig = key().sign_ps256(b"m").unwrap();
    keys.verify_ps256("test-key-1", b"m", &sig).unwrap();
    assert_eq!(
        keys.verify_ps256("weak", b"m", &sig).unwrap_err(),
        JoseError::UnknownKey { kid: "weak".into() }
    );
    assert_eq!(
        keys.verify_ps256("test-key-1", b"n", &sig).unwrap_err(),
        JoseError::BadSignature
    );
}
