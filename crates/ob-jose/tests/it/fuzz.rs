//! Fuzzing the JWS parsers on the stable toolchain: proptest feeds the compact verifier, the
//! detached `x-jws-signature` verifier and the unsecured-JWS reader with arbitrary text and
//! with valid tokens mutated (a byte flipped, a part dropped or swapped, a header rewritten).
//! Each must answer with a `JoseError`, never panic, and accept nothing it should not: a
//! mutated token verifies only if the mutation left its signed bytes unchanged.
//!
//! `FUZZ_CASES` sets the number of cases (default 2000).

use ob_jose::detached::{DetachedSigner, DetachedVerifier};
use ob_jose::jws::{self, Object};
use ob_jose::{dangerous, JoseError};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::{jwks, key, now};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

const BODY: &[u8] =
    br#"{"Data":{"Initiation":{"InstructedAmount":{"Amount":"1.00","Currency":"GBP"}}},"Risk":{}}"#;

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// A valid token, mutated.
fn mutated(valid: String) -> impl Strategy<Value = String> {
    let flips = proptest::collection::vec((any::<u16>(), any::<u8>()), 0..3);
    let text = "[A-Za-z0-9_.=+/ -]{0,12}";
    (flips, text, 0u8..6).prop_map(move |(flips, extra, how)| {
        let mut b = valid.clone().into_bytes();
        for (at, byte) in flips {
            let n = b.len();
            b[usize::from(at) % n] = byte;
        }
        let s = String::from_utf8_lossy(&b).into_owned();
        match how {
            0 => s,
            1 => format!("{s}{extra}"),
            2 => s.replacen('.', &format!(".{extra}"), 1),
            3 => s.split('.').rev().collect::<Vec<_>>().join("."),
            4 => s.split('.').take(2).collect::<Vec<_>>().join("."),
            _ => format!("{extra}.{s}"),
        }
    })
}

#[test]
fn the_compact_verifier_refuses_garbage_and_mutations() {
    let valid = jws::sign_json(key(), &Object::new(), &serde_json::json!({"sub": "x"})).unwrap();
    let strategy = prop_oneof![
        1 => "[ -~]{0,80}",
        1 => "[A-Za-z0-9_-]{0,30}\\.[A-Za-z0-9_-]{0,30}\\.[A-Za-z0-9_-]{0,30}",
        4 => mutated(valid.clone()),
    ];
    runner()
        .run(&strategy, |token| {
            let got = jws::verify(&token, &jwks());
            if token != valid {
                if let Ok(v) = &got {
                    // Only a change that left the signed bytes alone can still verify.
                    prop_assert_eq!(v.payload(), br#"{"sub":"x"}"#.as_slice());
                }
            }
            let _ = jws::verify_with(
                &token,
                &jwks(),
                &jws::Validation {
                    understood_crit: vec!["exp".into()],
                    typ: Some("JWT".into()),
                },
            );
            let _ = dangerous::decode_unsecured(&token);
            let _ = dangerous::peek_unverified(&token);
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_detached_verifier_refuses_garbage_and_mutations() {
    let issuer = "0015800001041REAAY/2kiXQyo0tedjW2somjSgH7";
    let valid = DetachedSigner::new(key(), issuer)
        .sign(BODY, now())
        .unwrap();
    let verifier = DetachedVerifier::new(issuer);
    let strategy = (
        prop_oneof![
            1 => "[ -~]{0,80}",
            1 => "[A-Za-z0-9_-]{0,40}\\.\\.[A-Za-z0-9_-]{0,40}",
            4 => mutated(valid.clone()),
        ],
        prop_oneof![
            4 => Just(BODY.to_vec()),
            1 => proptest::collection::vec(any::<u8>(), 0..40),
        ],
    );
    runner()
        .run(&strategy, |(header, body)| {
            let got = verifier.verify(Some(&header), &body, &jwks(), now());
            if let Ok(v) = &got {
                // Whatever verified was signed over this very body by the key.
                prop_assert_eq!(body.as_slice(), BODY);
                prop_assert_eq!(v.issuer(), issuer);
            }
            if let Err(e) = got {
                // Every refusal maps to an OBIE signature error (a 400).
                let api = e.to_api_error();
                prop_assert_eq!(api.status.as_u16(), 400);
                let signing_failure = matches!(e, JoseError::Signing { .. });
                prop_assert!(
                    !signing_failure,
                    "a verification reported a signing failure"
                );
            }
            Ok(())
        })
        .unwrap();
}
