//! Errors stay small and exact: a message quotes at most a short prefix of an offending value,
//! and JSON paths escape member names that would make them ambiguous (RFC 9535's normalized
//! paths: `$['a.b']`).

use ob_model::accounts::{OBReadBalance1, OBReadTransaction6};
use ob_model::validate::{excerpt, EXCERPT_CHARS};
use ob_model::{decode, Amount, Problem, Validate};

use proptest::prelude::*;

/// A transactions document whose first transaction's `member` is `value` (JSON text).
fn transaction_with(member: &str, value: &str) -> String {
    format!(
        r#"{{"Data":{{"Transaction":[{{"AccountId":"acc_1","CreditDebitIndicator":"Credit","Status":"Booked",
        "BookingDateTime":"2022-02-25T10:35:39.636Z","Amount":{{"Amount":"1.00","Currency":"GBP"}},
        "{member}":{value}}}]}},"Links":{{"Self":"https://x/"}},"Meta":{{}}}}"#
    )
}

#[test]
fn a_huge_bad_value_makes_a_small_message() {
    // A 50 MB string where an object is due: the decode error quotes a prefix of it.
    let huge = "9".repeat(25_000_000) + &"x".repeat(25_000_000);
    let doc = transaction_with("ChargeAmount", &format!("\"{huge}\""));
    let Err(err) = decode::from_str::<OBReadTransaction6>(&doc) else {
        panic!("a string where an object is due decoded");
    };
    assert!(
        err.to_string().len() < 1_000,
        "{} bytes",
        err.to_string().len()
    );
    assert_eq!(err.path, "$.Data.Transaction[0].ChargeAmount");
    assert!(err.message.contains("bytes in all"), "{}", err.message);
    // A 50 MB amount that is not a number decodes (format is validation); validate() quotes
    // a prefix of it.
    let doc = transaction_with(
        "ChargeAmount",
        &format!(r#"{{"Amount":"{huge}","Currency":"GBP"}}"#),
    );
    let Ok(tx) = decode::from_str::<OBReadTransaction6>(&doc) else {
        panic!("a string amount did not decode");
    };
    let Err(v) = tx.validate() else {
        panic!("a 50 MB amount validated");
    };
    assert!(v.to_string().len() < 2_000, "{} bytes", v.to_string().len());
    assert!(v
        .0
        .iter()
        .any(|v| v.path == "$.Data.Transaction[0].ChargeAmount.Amount"
            && matches!(v.problem, Problem::NotAnAmount { .. })));
    // A 5 MB text breaking its length and pattern: validate() quotes a prefix too.
    let long = "A".repeat(5_000_000);
    let doc = transaction_with("TransactionReference", &format!("\"{long}\""));
    let tx: OBReadTransaction6 = decode::from_str(&doc).unwrap();
    let v = tx.validate().unwrap_err();
    let text = v.to_string();
    assert!(text.len() < 2_000, "{} bytes", text.len());
    assert!(v.0.iter().any(|v| matches!(
        v.problem,
        Problem::TooLong {
            found: 5_000_000,
            ..
        }
    )));
    // An unknown code: the same.
    let doc =
        transaction_with("Status", &format!("\"{long}\"")).replace(r#""Status":"Booked","#, "");
    let tx: OBReadTransaction6 = decode::from_str(&doc).unwrap();
    let v = tx.validate().unwrap_err();
    assert!(v.to_string().len() < 2_000);
}

#[test]
fn member_names_are_escaped_in_paths() {
    // A closed object with members the spec does not name: each is a violation at its own,
    // unambiguous path.
    let body = r#"{"Data":{"Balance":[]},"Links":{"Self":"https://x/"},"Meta":{},"a.b":1,"x[0]":2,"it's":3,"back\\slash":4,"":5,"new\nline":6,"Plain_1":7}"#;
    let balances: OBReadBalance1 = decode::from_str(body).unwrap();
    let paths: Vec<String> = balances
        .validate()
        .unwrap_err()
        .0
        .into_iter()
        .filter(|v| v.problem == Problem::Unexpected)
        .map(|v| v.path)
        .collect();
    for expected in [
        "$['a.b']",
        "$['x[0]']",
        r"$['it\'s']",
        r"$['back\\slash']",
        "$['']",
        r"$['new\nline']",
        "$.Plain_1",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} not in {paths:?}"
        );
    }
    // Decode errors name such members the same way.
    let err = decode::from_str::<OBReadTransaction6>(
        r#"{"Data":{"Transaction":[{"Amount":{"Amount":7,"Currency":"GBP"}}]}}"#,
    )
    .unwrap_err();
    assert_eq!(err.path, "$.Data.Transaction[0].Amount.Amount");
}

#[test]
fn excerpts_keep_short_values_whole() {
    assert_eq!(excerpt("GBP"), "GBP");
    let long = "é".repeat(EXCERPT_CHARS + 1);
    let cut = excerpt(&long);
    assert!(cut.starts_with(&"é".repeat(EXCERPT_CHARS)));
    assert!(cut.ends_with(&format!("({} bytes in all)", long.len())));
}

proptest! {
    /// Whatever a member name holds, its path segment reads back to it (RFC 9535 escapes).
    #[test]
    fn escaped_member_names_read_back(name in "\\PC{0,12}|[\\x00-\\x1f'\\\\.\\[\\]]{0,6}") {
        let mut path = String::from("$");
        ob_model::validate::write_member(&mut path, &name).unwrap();
        let read = if let Some(plain) = path.strip_prefix("$.") {
            plain.to_owned()
        } else {
            let inner = path.strip_prefix("$['").and_then(|p| p.strip_suffix("']")).unwrap();
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    prop_assert!(c != '\'', "an unescaped quote in {path:?}");
                    out.push(c);
                    continue;
                }
                match chars.next().unwrap() {
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    other => out.push(other),
                }
            }
            out
        };
        prop_assert_eq!(read, name);
    }

    /// A bad amount of any length decodes, keeps its text, and validates with a message of
    /// bounded size.
    #[test]
    fn amount_errors_are_bounded(text in "[0-9a-z.]{0,3000}") {
        let body = format!("\"{text}\"");
        let a = decode::from_str::<Amount>(&body).unwrap();
        prop_assert_eq!(a.to_string(), text.clone());
        let problems = a.validate_all();
        prop_assert_eq!(problems.is_empty(), text.parse::<Amount>().is_ok());
        for p in problems {
            prop_assert!(p.to_string().len() < 400, "{}", p.to_string().len());
        }
    }
}
