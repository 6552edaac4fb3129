//! Property: encoding a model and decoding it again gives the same model, and the same bytes.

use ob_model::accounts::{
    OBActiveOrHistoricCurrencyAndAmount_9, OBCreditDebitCode_1, OBEntryStatus1Code,
    OBReadDataTransaction6, OBReadTransaction6, OBTransaction6,
    ProprietaryBankTransactionCodeStructure1,
};
use ob_model::{Amount, DateTime};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn amount() -> impl Strategy<Value = Amount> {
    (any::<i64>(), 0u32..=5).prop_map(|(m, s)| Amount::new(Decimal::new(m % 10_000_000_000_000, s)))
}

fn date_time() -> impl Strategy<Value = DateTime> {
    let forms = prop_oneof![
        Just("Z"),
        Just("z"),
        Just("+00:00"),
        Just("+05:30"),
        Just("-08:00"),
        Just("+0100"),
        Just("")
    ];
    (0i64..4_000_000_000, 0u32..1_000_000_000, 0usize..=9, forms).prop_map(
        |(secs, nanos, digits, zone)| {
            let t = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap()
                .naive_utc();
            let frac = if digits == 0 {
                String::new()
            } else {
                format!(".{:09}", nanos)[..=digits].to_owned()
            };
            format!("{}{frac}{zone}", t.format("%Y-%m-%dT%H:%M:%S"))
                .parse()
                .unwrap()
        },
    )
}

fn text() -> impl Strategy<Value = String> {
    "[ -~\u{a3}\u{e9}\u{1F4B8}\"\\\\\n]{0,40}"
}

fn code<T: From<&'static str> + std::fmt::Debug>(
    codes: &'static [&'static str],
) -> impl Strategy<Value = T> {
    prop_oneof![proptest::sample::select(codes), Just("SomethingNew")].prop_map(T::from)
}

fn transaction() -> impl Strategy<Value = OBTransaction6> {
    (
        (
            text(),
            proptest::option::of(text()),
            code::<OBCreditDebitCode_1>(OBCreditDebitCode_1::CODES),
        ),
        (
            code::<OBEntryStatus1Code>(OBEntryStatus1Code::CODES),
            date_time(),
            proptest::option::of(date_time()),
        ),
        (
            amount(),
            "[A-Z]{3}",
            proptest::option::of(text()),
            proptest::option::of((text(), text())),
        ),
        proptest::collection::vec(("[a-z]{1,8}", text()), 0..3),
    )
        .prop_map(
            |((account, id, cdi), (status, booked, value), (amt, ccy, info, code), extra)| {
                let mut tx = OBTransaction6 {
                    account_id: account.into(),
                    transaction_id: id.map(Into::into),
                    credit_debit_indicator: cdi,
                    status,
                    booking_date_time: booked,
                    value_date_time: value,
                    transaction_information: info.map(Into::into),
                    amount: OBActiveOrHistoricCurrencyAndAmount_9 {
                        amount: amt,
                        currency: ccy.into(),
                        ..Default::default()
                    },
                    proprietary_bank_transaction_code: code.map(|(c, i)| {
                        Box::new(ProprietaryBankTransactionCodeStructure1 {
                            code: c.into(),
                            issuer: Some(i.into()),
                            ..Default::default()
                        })
                    }),
                    ..Default::default()
                };
                for (k, v) in extra {
                    tx.extra
                        .insert(format!("x-{k}"), serde_json::Value::String(v));
                }
                tx
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_identity(txs in proptest::collection::vec(transaction(), 0..8)) {
        let doc = OBReadTransaction6 {
            data: OBReadDataTransaction6 { transaction: Some(txs), ..Default::default() },
            ..Default::default()
        };
        let bytes = serde_json::to_vec(&doc).unwrap();
        let back: OBReadTransaction6 = ob_model::decode::from_slice(&bytes).unwrap();
        prop_assert_eq!(&back, &doc);
        prop_assert_eq!(serde_json::to_vec(&back).unwrap(), bytes);
    }
}
