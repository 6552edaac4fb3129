//! Fuzzing decoding on the stable toolchain: every top-level type of every API (each
//! operation's request and response bodies) is fed documentation examples mutated by proptest
//! (a value replaced by one of another kind, a member dropped or added, bytes flipped, the
//! text cut) and arbitrary bytes. Decoding must never panic: it gives a value or a
//! `DecodeError` naming a path. A value it gives re-encodes to text that decodes to the same
//! text again (decoding loses nothing it keeps).
//!
//! `FUZZ_CASES` sets the number of cases (default 3000).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

use crate::support::{check_json, examples_dir, operations};

const MODULES: &[&str] = &[
    "accounts",
    "payments",
    "payments_v3_1_11",
    "vrp",
    "funds",
    "events",
    "event_notifications",
    "registration",
];

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

/// Every (module, top-level body type) pair.
fn types() -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for m in MODULES {
        for op in operations(m) {
            let bodies = op
                .request_body
                .into_iter()
                .chain(op.responses.iter().filter_map(|r| r.body));
            for b in bodies {
                if !out.contains(&(*m, b)) {
                    out.push((*m, b));
                }
            }
        }
    }
    out
}

/// The documentation's JSON examples, as seeds.
fn seeds() -> Vec<Value> {
    let dir = examples_dir().join("obie-v3.1.10");
    let mut out: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then_some(p)
        })
        .filter_map(|p| serde_json::from_slice(&std::fs::read(p).ok()?).ok())
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

fn mutate(v: &mut Value, choice: &mut impl Iterator<Item = u8>) {
    let pick = choice.next().unwrap_or(0);
    match v {
        Value::Object(m) if !m.is_empty() && pick % 4 != 0 => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = keys[usize::from(choice.next().unwrap_or(0)) % keys.len()].clone();
            match pick % 7 {
                1 => {
                    m.remove(&k);
                }
                2 => {
                    m.insert(format!("{k}_"), json!({"n": 1e308}));
                }
                _ => {
                    if let Some(child) = m.get_mut(&k) {
                        mutate(child, choice);
                    }
                }
            }
        }
        Value::Array(a) if !a.is_empty() && pick % 4 != 0 => {
            let i = usize::from(choice.next().unwrap_or(0)) % a.len();
            mutate(&mut a[i], choice);
        }
        other => {
            *other = match pick % 10 {
                0 => Value::Null,
                1 => json!(false),
                2 => json!(-0.0),
                3 => json!(18446744073709551615u64),
                4 => json!("-0.00000"),
                5 => json!([[]]),
                6 => json!({"": ""}),
                7 => json!("2021-02-30T25:61:61+99:99"),
                8 => json!("\u{FEFF}\u{0}"),
                _ => json!(1e-300),
            }
        }
    }
}

#[test]
fn decoding_never_panics_and_what_decodes_round_trips() {
    let types = types();
    let seeds = seeds();
    assert!(types.len() > 60, "{} types", types.len());
    assert!(!seeds.is_empty());
    let strategy = (
        0..types.len(),
        0..seeds.len(),
        prop_oneof![
            6 => proptest::collection::vec(any::<u8>(), 0..16).prop_map(Some),
            1 => Just(None),
        ],
        proptest::collection::vec((any::<u16>(), any::<u8>()), 0..3),
        proptest::option::of(any::<u16>()),
    );
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(t, s, tree, flips, cut)| {
            let (module, ty) = types[t];
            let mut v = seeds[s].clone();
            if let Some(choices) = tree {
                mutate(&mut v, &mut choices.into_iter());
            }
            let mut bytes = v.to_string().into_bytes();
            for (at, b) in flips {
                let n = bytes.len();
                bytes[usize::from(at) % n] = b;
            }
            if let Some(c) = cut {
                let n = bytes.len();
                bytes.truncate(usize::from(c) % (n + 1));
            }
            let Some(first) = check_json(module, ty, &bytes) else {
                return Err(TestCaseError::fail(format!("{module}: no type {ty}")));
            };
            if let Ok(checked) = first {
                let again = check_json(module, ty, &checked.encoded)
                    .unwrap()
                    .map_err(|e| {
                        TestCaseError::fail(format!("{ty}: re-encoded text does not decode: {e}"))
                    })?;
                prop_assert_eq!(
                    String::from_utf8_lossy(&again.encoded),
                    String::from_utf8_lossy(&checked.encoded),
                    "{} did not round-trip",
                    ty
                );
            }
            Ok(())
        })
        .unwrap();
}
