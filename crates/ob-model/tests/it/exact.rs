//! Properties of exactness: whatever is decoded re-encodes to the same text (numbers, amounts
//! with leading zeros or a negative zero, codes outside open lists, unknown members), and what
//! typed decoding refuses (a member twice) is refused in free-form content too.

use ob_model::accounts::OBReadTransaction6;
use ob_model::{decode, Amount, Number};
use proptest::prelude::*;

/// A transactions document with one transaction carrying `tail` after its amount.
fn doc(amount: &str, code: &str, tail: &str) -> String {
    format!(
        r#"{{"Data":{{"Transaction":[{{"AccountId":"acc_1","CreditDebitIndicator":"Debit","Status":"Booked","BookingDateTime":"2022-02-25T10:35:39.636Z","Amount":{{"Amount":"{amount}","Currency":"GBP"}},"ProprietaryBankTransactionCode":{{"Code":"{code}","Issuer":"Monzo"}}{tail}}}]}},"Links":{{"Self":"https://x/"}},"Meta":{{}}}}"#
    )
}

proptest! {
    /// Every JSON number, however written, reads and writes back as written.
    #[test]
    fn numbers_round_trip(text in "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,30})?([eE][+-]?[0-9]{1,4})?") {
        let n: Number = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(n.as_str(), text.as_str());
        prop_assert_eq!(serde_json::to_string(&n).unwrap(), text);
    }

    /// Every amount text reads and writes back as written (scale, leading zeros, negative
    /// zero), and equals the decimal it denotes.
    #[test]
    fn amounts_round_trip(text in "-?[0-9]{1,20}(\\.[0-9]{1,8})?") {
        let a: Amount = text.parse().unwrap();
        prop_assert_eq!(a.to_string(), text.clone());
        prop_assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{text}\""));
        let d = rust_decimal::Decimal::from_str_exact(&text).unwrap();
        prop_assert_eq!(a.value(), d);
    }

    /// A document with any amount text, any transaction code and unknown members holding any
    /// numbers re-encodes byte for byte.
    #[test]
    fn documents_round_trip(
        amount in "[0-9]{1,13}(\\.[0-9]{1,5})?",
        code in "[a-z_]{1,20}",
        numbers in proptest::collection::vec("-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,25})?", 0..4),
    ) {
        let tail = format!(r#","Numbers":[{}]"#, numbers.join(","));
        let text = doc(&amount, &code, &tail);
        let parsed: OBReadTransaction6 = decode::from_str(&text).unwrap();
        prop_assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
        let tx = &parsed.data.transaction.as_ref().unwrap()[0];
        prop_assert_eq!(
            tx.extra.get("Numbers").unwrap(),
            format!("[{}]", numbers.join(","))
        );
    }

    /// A member twice anywhere inside an unknown member is refused, as at the top.
    #[test]
    fn duplicate_members_are_refused_at_any_depth(depth in 0usize..6, key in "[a-z]{1,4}") {
        let inner = format!(r#"{{"{key}":1,"{key}":2}}"#);
        let nested = (0..depth).fold(inner, |acc, _| format!("[{acc}]"));
        let text = doc("1.00", "bacs", &format!(r#","Extra":{nested}"#));
        prop_assert!(decode::from_str::<OBReadTransaction6>(&text).is_err());
    }
}
