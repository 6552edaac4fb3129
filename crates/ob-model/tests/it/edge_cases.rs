//! Realistic edge cases a bank sends: every RFC 3339 form, unknown fields and codes, amounts
//! with 0-5 decimals, over-long descriptions, wrong types; and crafted payloads `validate()`
//! must reject with the right paths.

use ob_model::accounts::{OBEntryStatus1Code, OBReadTransaction6};
use ob_model::{decode, Problem, Validate};

fn doc_with(tx: &str) -> String {
    format!(
        r#"{{"Data":{{"Transaction":[{tx}]}},"Links":{{"Self":"https://api.example.com/accounts/1/transactions"}},"Meta":{{}}}}"#
    )
}

/// A transaction with `field` in its spec position (fields after `BookingDateTime`, before
/// `Amount`): re-encoding writes spec fields in spec order.
fn tx_with(field: &str) -> String {
    format!(
        r#"{{"AccountId":"acc_1","CreditDebitIndicator":"Debit","Status":"Booked","BookingDateTime":"2022-02-25T10:35:39.636Z"{field},"Amount":{{"Amount":"1.00","Currency":"GBP"}}}}"#
    )
}

/// A transaction with `tail` after every spec field: where unknown fields are re-encoded.
fn tx_with_tail(tail: &str) -> String {
    format!(
        r#"{{"AccountId":"acc_1","CreditDebitIndicator":"Debit","Status":"Booked","BookingDateTime":"2022-02-25T10:35:39.636Z","Amount":{{"Amount":"1.00","Currency":"GBP"}}{tail}}}"#
    )
}

/// Decodes, checks the re-encoding is byte-identical, and returns the model.
fn round_trip(text: &str) -> OBReadTransaction6 {
    let doc: OBReadTransaction6 = decode::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(serde_json::to_string(&doc).unwrap(), text);
    doc
}

#[test]
fn every_rfc3339_form_decodes_and_keeps_its_text() {
    for dt in [
        "2022-02-25T10:35:39Z",
        "2022-02-25T10:35:39.6Z",
        "2022-02-25T10:35:39.636Z",
        "2022-02-25T10:35:39.636123Z",
        "2022-02-25T10:35:39.636123456Z",
        "2022-02-25T10:35:39+00:00",
        "2022-02-25T10:35:39.636+01:00",
        "2022-02-25T10:35:39-08:00",
        "2022-02-25t10:35:39z",
        "2022-02-25 10:35:39Z",
        "2022-02-25T10:35:39+0100",
        "2022-02-25T10:35:39",
    ] {
        let text = doc_with(&tx_with(&format!(r#","ValueDateTime":"{dt}""#)));
        let doc = round_trip(&text);
        let v = doc.data.transaction.as_ref().unwrap()[0]
            .value_date_time
            .clone()
            .unwrap();
        assert_eq!(v.to_string(), dt);
    }
}

/// Format is validation, type is decoding: a date-time written `01-05-2002` decodes, keeps its
/// text and is a violation; a number where a date-time is due is a decode error.
#[test]
fn a_text_that_is_no_date_time_is_a_violation_not_a_decode_error() {
    let text = doc_with(&tx_with(r#","ValueDateTime":"01-05-2002""#));
    let doc = round_trip(&text);
    let v = doc.validate().unwrap_err();
    assert_eq!(v.0[0].path, "$.Data.Transaction[0].ValueDateTime");
    assert!(
        matches!(v.0[0].problem, Problem::NotADateTime { .. }),
        "{v}"
    );
    let tx = &doc.data.transaction.as_ref().unwrap()[0];
    assert!(!tx.value_date_time.as_ref().unwrap().is_valid());
    let text = doc_with(&tx_with(r#","ValueDateTime":20020501"#));
    let err = decode::from_str::<OBReadTransaction6>(&text).unwrap_err();
    assert_eq!(err.path, "$.Data.Transaction[0].ValueDateTime");
}

#[test]
fn a_date_time_without_zone_decodes_but_does_not_validate() {
    let doc = round_trip(&doc_with(&tx_with(
        r#","ValueDateTime":"2022-02-25T10:35:39""#,
    )));
    let v = doc.validate().unwrap_err();
    assert_eq!(v.0.len(), 1);
    assert_eq!(v.0[0].path, "$.Data.Transaction[0].ValueDateTime");
    assert!(matches!(v.0[0].problem, Problem::NoTimeZone { .. }));
}

#[test]
fn amounts_with_zero_to_five_decimals_keep_their_text() {
    for amount in [
        "7",
        "7.0",
        "7.00",
        "150.0000",
        "0.12345",
        "9999999999999.99999",
    ] {
        let text = doc_with(&format!(
            r#"{{"AccountId":"acc_1","CreditDebitIndicator":"Debit","Status":"Booked","BookingDateTime":"2022-02-25T10:35:39Z","Amount":{{"Amount":"{amount}","Currency":"GBP"}}}}"#
        ));
        let doc = round_trip(&text);
        assert!(doc.validate().is_ok(), "{amount}");
    }
}

#[test]
fn six_decimals_decode_but_break_the_pattern() {
    let text = doc_with(
        r#"{"AccountId":"acc_1","CreditDebitIndicator":"Debit","Status":"Booked","BookingDateTime":"2022-02-25T10:35:39Z","Amount":{"Amount":"1.123456","Currency":"GBP"}}"#,
    );
    let doc = round_trip(&text);
    let v = doc.validate().unwrap_err();
    assert_eq!(v.0[0].path, "$.Data.Transaction[0].Amount.Amount");
    assert!(matches!(v.0[0].problem, Problem::Pattern { .. }));
}

#[test]
fn unknown_fields_are_kept_and_reported() {
    let text = doc_with(&tx_with_tail(
        r#","PotId":"pot_1","Nested":{"a":[1,2,{"b":null}]}"#,
    ));
    let doc = round_trip(&text);
    let tx = &doc.data.transaction.as_ref().unwrap()[0];
    assert_eq!(tx.extra.get("PotId").unwrap(), r#""pot_1""#);
    assert_eq!(
        tx.extra.get_value("PotId").unwrap().unwrap(),
        serde_json::json!("pot_1")
    );
    let paths: Vec<String> = doc
        .validate()
        .unwrap_err()
        .0
        .into_iter()
        .map(|v| v.to_string())
        .collect();
    insta::assert_debug_snapshot!(paths);
}

/// Many unknown members (past the point where their lookup is indexed): all kept in document
/// order, each found by name, a name twice refused, and removal keeps the others' order.
#[test]
fn many_unknown_fields_keep_order_and_refuse_duplicates() {
    let names: Vec<String> = (0..40).rev().map(|i| format!("X{i:02}")).collect();
    let tail: String = names.iter().map(|n| format!(r#","{n}":"{n}""#)).collect();
    let text = doc_with(&tx_with_tail(&tail));
    let mut doc = round_trip(&text);
    let tx = &mut doc.data.transaction.as_mut().unwrap()[0];
    let kept: Vec<&str> = tx.extra.fields().map(|(k, _)| k).collect();
    assert_eq!(kept, names.iter().map(String::as_str).collect::<Vec<_>>());
    for n in &names {
        assert_eq!(tx.extra.get(n), Some(format!(r#""{n}""#).as_str()));
    }
    assert_eq!(tx.extra.remove("X20").as_deref(), Some(r#""X20""#));
    assert_eq!(tx.extra.get("X20"), None);
    assert_eq!(tx.extra.get("X19"), Some(r#""X19""#));
    assert_eq!(tx.extra.fields().count(), 39);
    assert_eq!(tx.extra.insert("X20", serde_json::json!(1)), None);
    assert_eq!(tx.extra.fields().last(), Some(("X20", "1")));
    // Below the indexed size and past it again: every member still found where it is.
    let kept: Vec<String> = tx.extra.fields().map(|(k, _)| k.to_owned()).collect();
    for name in &kept[..30] {
        assert!(tx.extra.remove(name).is_some(), "{name}");
    }
    assert_eq!(tx.extra.fields().count(), 10);
    for i in 0..10 {
        assert_eq!(tx.extra.insert(format!("Y{i}"), serde_json::json!(i)), None);
    }
    let names: Vec<String> = kept[30..]
        .iter()
        .cloned()
        .chain((0..10).map(|i| format!("Y{i}")))
        .collect();
    assert_eq!(
        tx.extra.fields().map(|(k, _)| k).collect::<Vec<_>>(),
        names.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for (i, name) in names.iter().enumerate() {
        assert!(tx.extra.get(name).is_some(), "{i} {name}");
    }
    assert_eq!(
        tx.extra.insert("Y3", serde_json::json!("again")),
        Some("3".to_owned())
    );
    assert_eq!(tx.extra.fields().count(), 20);

    let twice = doc_with(&tx_with_tail(&format!(r#"{tail},"X05":"again""#)));
    let err = decode::from_str::<OBReadTransaction6>(&twice)
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate field `X05`"), "{err}");
}

/// Unknown members compare as a map: the same members in another order are equal (their
/// documents' orders still differ when encoded).
#[test]
fn unknown_fields_compare_as_a_map() {
    let a = round_trip(&doc_with(&tx_with_tail(r#","P":1,"Q":2"#)));
    let b = round_trip(&doc_with(&tx_with_tail(r#","Q":2,"P":1"#)));
    let c = round_trip(&doc_with(&tx_with_tail(r#","P":1,"Q":3"#)));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn unknown_codes_are_kept_and_reported() {
    let text = doc_with(&tx_with("").replace(r#""Status":"Booked""#, r#""Status":"Settled""#));
    let doc = round_trip(&text);
    let tx = &doc.data.transaction.as_ref().unwrap()[0];
    assert_eq!(tx.status, OBEntryStatus1Code::Unknown("Settled".into()));
    assert_eq!(tx.status.as_str(), "Settled");
    let v = doc.validate().unwrap_err();
    assert_eq!(v.0[0].path, "$.Data.Transaction[0].Status");
    assert_eq!(
        v.0[0].problem,
        Problem::UnknownCode {
            found: "Settled".into()
        }
    );
}

#[test]
fn descriptions_over_500_characters_decode_and_are_reported() {
    let long = "CARD PAYMENT TO A VERY LONG MERCHANT NAME ".repeat(15);
    assert!(long.chars().count() > 500);
    let text = doc_with(&tx_with(&format!(r#","TransactionInformation":"{long}""#)));
    let doc = round_trip(&text);
    assert_eq!(
        doc.data.transaction.as_ref().unwrap()[0]
            .transaction_information
            .as_deref(),
        Some(long.as_str())
    );
    let v = doc.validate().unwrap_err();
    assert_eq!(v.0.len(), 1);
    assert_eq!(v.0[0].path, "$.Data.Transaction[0].TransactionInformation");
    assert_eq!(
        v.0[0].problem,
        Problem::TooLong {
            max: 500,
            found: long.chars().count() as u64
        }
    );
}

#[test]
fn a_number_where_an_amount_string_is_due_names_the_path() {
    let text = doc_with(&tx_with("").replace(r#""Amount":"1.00""#, r#""Amount":1.5"#));
    let err = decode::from_str::<OBReadTransaction6>(&text).unwrap_err();
    assert_eq!(err.path, "$.Data.Transaction[0].Amount.Amount");
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn wrong_types_and_malformed_json_are_errors_not_panics() {
    let cases = [
        doc_with(&tx_with("").replace(r#""Status":"Booked""#, r#""Status":7"#)),
        doc_with(&tx_with("").replace(
            r#""BookingDateTime":"2022-02-25T10:35:39.636Z""#,
            r#""BookingDateTime":20220225"#,
        )),
        doc_with(r#""not an object""#),
        r#"{"Data":{"Transaction":{}}}"#.to_owned(),
        r#"{"Data":"#.to_owned(),
        "[]".to_owned(),
        String::new(),
    ];
    let errors: Vec<String> = cases
        .iter()
        .map(|c| {
            decode::from_str::<OBReadTransaction6>(c)
                .unwrap_err()
                .to_string()
        })
        .collect();
    insta::assert_debug_snapshot!(errors);
}

#[test]
fn duplicate_keys_are_rejected() {
    let text = doc_with(&tx_with(r#","AccountId":"acc_2""#));
    let err = decode::from_str::<OBReadTransaction6>(&text).unwrap_err();
    assert!(err.message.contains("duplicate field `AccountId`"), "{err}");
    let text = doc_with(&tx_with_tail(r#","X":1,"X":2"#));
    let err = decode::from_str::<OBReadTransaction6>(&text).unwrap_err();
    assert!(err.message.contains("duplicate field `X`"), "{err}");
}

#[test]
fn null_for_an_optional_field_reads_as_absent() {
    let text = doc_with(&tx_with(r#","TransactionId":null"#));
    let doc: OBReadTransaction6 = decode::from_str(&text).unwrap();
    assert_eq!(
        doc.data.transaction.as_ref().unwrap()[0].transaction_id,
        None
    );
}

#[test]
fn missing_required_fields_decode_are_not_invented_and_are_reported() {
    let text = doc_with(r#"{"CreditDebitIndicator":"Debit","Amount":{"Currency":"GBP"}}"#);
    let doc = round_trip(&text);
    let tx = &doc.data.transaction.as_ref().unwrap()[0];
    assert_eq!(
        tx.extra.missing(),
        ["AccountId", "Status", "BookingDateTime"]
    );
    let v: Vec<String> = doc
        .validate()
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    insta::assert_debug_snapshot!(v);
}

#[test]
fn crafted_bad_payload_reports_every_violation_with_its_path() {
    let text = r#"{"Data":{"Transaction":[
        {"AccountId":"","CreditDebitIndicator":"Sideways","Status":"Booked","BookingDateTime":"2022-02-25",
         "Amount":{"Amount":"-1.00","Currency":"gbp"},"StatementReference":["0123456789012345678901234567890123456"],
         "CurrencyExchange":{"SourceCurrency":"GBPX","ExchangeRate":1.2}},
        {"AccountId":"acc_2","CreditDebitIndicator":"Credit","Status":"Pending","BookingDateTime":"2022-02-25T10:00:00Z",
         "Amount":{"Amount":"5","Currency":"GBP"},"BankTransactionCode":{"Code":"","SubCode":"x"}}
    ]},"Links":{"Self":"https://x/"},"Meta":{"TotalPages":1}}"#;
    let doc: OBReadTransaction6 = decode::from_str(text).unwrap();
    let v: Vec<String> = doc
        .validate()
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    insta::assert_debug_snapshot!(v);
}

/// Free-form objects refuse what typed decoding refuses, and never read as empty what they
/// could not read.
#[test]
fn free_form_objects_are_as_strict_as_typed_ones() {
    use ob_model::JsonObject;
    // A member twice, at the top or nested, even spelled with an escape.
    for text in [
        r#"{"a":1,"a":2}"#,
        r#"{"x":{"b":[{"c":1,"c":2}]}}"#,
        r#"{"a":1,"\u0061":2}"#,
    ] {
        let err = serde_json::from_str::<JsonObject>(text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate field"), "{text}: {err}");
    }
    // The same member name in sibling objects is fine.
    assert!(
        serde_json::from_str::<JsonObject>(r#"{"a":{"k":1},"b":{"k":2},"s":"a,\"a\":"}"#).is_ok()
    );
    // Nesting: as deep as to_map can read, and no deeper.
    let nested = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
    let deepest: JsonObject = serde_json::from_str(&nested(JsonObject::MAX_DEPTH)).unwrap();
    assert!(deepest.to_map().is_ok());
    let err = serde_json::from_str::<JsonObject>(&nested(JsonObject::MAX_DEPTH + 1)).unwrap_err();
    assert!(err.to_string().contains("nested deeper"), "{err}");
    // Inside a typed document, the path names it.
    let doc = r#"{"Data":{"Transaction":[{"SupplementaryData":{"k":1,"k":1}}]}}"#;
    let err =
        ob_model::decode::from_str::<ob_model::accounts::OBReadTransaction6>(doc).unwrap_err();
    assert_eq!(err.path, "$.Data.Transaction[0].SupplementaryData");
    // A number beyond f64 is kept exactly; reading it as a map is an error, not an empty map.
    let big: JsonObject = serde_json::from_str(r#"{"n":1e400}"#).unwrap();
    assert_eq!(big.as_json(), r#"{"n":1e400}"#);
    assert!(big.to_map().is_err());
    assert!(big.get("n").is_err());
    assert_eq!(serde_json::to_string(&big).unwrap(), r#"{"n":1e400}"#);
}

/// Numbers keep their exact text everywhere: spec `number` fields, unknown members, free-form
/// objects; amounts keep leading zeros and a negative zero, and `validate()` judges that text.
#[test]
fn numbers_keep_their_exact_text() {
    // An unknown member holding numbers beyond f64, with trailing zeros, and a member twice
    // in a nested object (refused, as typed decoding refuses it).
    let text = doc_with(&tx_with_tail(
        r#","Rates":[1.10,1e400,-0.0,12345678901234567890123],"Deep":{"x":0.30000000000000004}"#,
    ));
    let doc = round_trip(&text);
    let tx = &doc.data.transaction.as_ref().unwrap()[0];
    assert_eq!(
        tx.extra.get("Rates").unwrap(),
        "[1.10,1e400,-0.0,12345678901234567890123]"
    );
    assert!(
        tx.extra.get_value("Rates").unwrap().is_err(),
        "1e400 is beyond a Value"
    );
    let dup = doc_with(&tx_with_tail(r#","Deep":{"x":1,"x":2}"#));
    assert!(ob_model::decode::from_str::<ob_model::accounts::OBReadTransaction6>(&dup).is_err());
    // A spec number field (the currency exchange rate of a transaction).
    let text = doc_with(&tx_with_tail(
        r#","CurrencyExchange":{"SourceCurrency":"EUR","ExchangeRate":1.1000000000000000001}"#,
    ));
    let doc = round_trip(&text);
    let rate = &doc.data.transaction.as_ref().unwrap()[0]
        .currency_exchange
        .as_ref()
        .unwrap()
        .exchange_rate;
    assert_eq!(rate.as_str(), "1.1000000000000000001");
    // Amounts: leading zeros and a negative zero stay, and the pattern judges them as written
    // (a minus sign, or 14 integer digits, break `^\d{1,13}$|^\d{1,13}\.\d{1,5}$` even where
    // the value is 0 or 1).
    for (written, breaks) in [
        ("0001.00", false),
        ("-0.00", true),
        ("00000000000001.00", true),
    ] {
        let text = doc_with(&tx_with_tail(""))
            .replace(r#""Amount":"1.00""#, &format!(r#""Amount":"{written}""#));
        assert!(text.contains(written));
        let doc = round_trip(&text);
        let flagged = doc.validate().err().is_some_and(|v| {
            v.0.iter()
                .any(|v| v.path == "$.Data.Transaction[0].Amount.Amount")
        });
        assert_eq!(flagged, breaks, "{written}");
    }
}
