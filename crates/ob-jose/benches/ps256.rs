//! PS256 sign and verify (2048-bit key), and a whole `x-jws-signature` round, for
//! `cargo bench -p ob-jose`. The comparison with OpenSSL is `bench/jose.sh`.

use chrono::{TimeZone, Utc};
use ob_jose::detached::{DetachedSigner, DetachedVerifier};
use ob_jose::{Jwks, Signer, SigningKey};

fn main() {
    divan::main();
}

struct Fixture {
    key: SigningKey,
    jwks: Jwks,
    body: Vec<u8>,
    sig: Vec<u8>,
    header: String,
}

fn fixture() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let key = SigningKey::generate("bench", 2048).expect("key");
        let body = vec![b'x'; 1024];
        let sig = key.sign_ps256(&body).expect("sign");
        let now = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
        let header = DetachedSigner::new(&key, "org/software")
            .sign(&body, now)
            .expect("sign");
        let jwks = Jwks {
            keys: vec![key.public_jwk()],
        };
        Fixture {
            key,
            jwks,
            body,
            sig,
            header,
        }
    })
}

#[divan::bench]
fn sign_ps256() -> Vec<u8> {
    let f = fixture();
    f.key.sign_ps256(divan::black_box(&f.body)).expect("sign")
}

#[divan::bench]
fn verify_ps256() {
    let f = fixture();
    f.key
        .verifying_key()
        .check(divan::black_box(&f.body), &f.sig)
        .expect("verify");
}

#[divan::bench]
fn verify_x_jws_signature() {
    let f = fixture();
    let now = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
    DetachedVerifier::new("org/software")
        .verify(Some(divan::black_box(&f.header)), &f.body, &f.jwks, now)
        .expect("verify");
}
