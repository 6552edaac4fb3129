//! Monzo's profile: extension types, the code lists Monzo adds, and narrowing that `validate()`
//! reports while decoding stays lenient.

use monzo_model::accounts::{
    MonzoPotType, MonzoProprietaryTransactionCode, OBError1ErrorCode, OBReadPot1,
    OBReadTransaction6,
};
use monzo_model::payments::OBWriteDomesticConsent4;
use ob_model::{decode, Validate};

#[test]
fn pots_with_basic_permission_omit_name_and_image() {
    // With ReadAccountsBasic Monzo leaves out Name and ImageUrl: still a valid document.
    let body = br#"{"Data":{"Pot":[{"PotId":"pot_1","AccountId":"acc_1","Type":"flexible_savings",
        "CreditDebitIndicator":"Debit","Balance":{"Amount":"5.0000","Currency":"GBP"},"Style":"",
        "Created":"2019-02-21T17:13:39.315Z","Updated":"2019-02-21T17:13:39.315Z","Status":"Open"}]}}"#;
    let doc: OBReadPot1 = decode::from_slice(body).unwrap();
    let pot = &doc.data.pot[0];
    assert_eq!(pot.type_, MonzoPotType::FlexibleSavings);
    assert_eq!(pot.name, None);
    assert_eq!(pot.balance.amount.to_string(), "5.0000");
    assert!(doc.validate().is_ok(), "{:?}", doc.validate());
}

#[test]
fn pots_operation_is_an_extension() {
    let op = monzo_model::accounts::OPERATIONS
        .iter()
        .find(|o| o.path == "/pots")
        .unwrap();
    assert!(op.extension);
    assert_eq!(op.response(200).and_then(|r| r.body), Some("OBReadPot1"));
    let balances = monzo_model::accounts::OPERATIONS
        .iter()
        .find(|o| o.path == "/accounts/{AccountId}/balances")
        .unwrap();
    assert!(balances.params.iter().any(|p| p.name == "includePots"));
    let transactions = monzo_model::accounts::OPERATIONS
        .iter()
        .find(|o| o.path == "/accounts/{AccountId}/transactions")
        .unwrap();
    assert!(transactions.params.iter().any(|p| p.name == "order"));
}

#[test]
fn proprietary_codes_are_an_open_list() {
    let tx = |code: &str| {
        format!(
            r#"{{"Data":{{"Transaction":[{{"AccountId":"a","CreditDebitIndicator":"Debit","Status":"Booked",
            "BookingDateTime":"2022-02-25T10:35:39.636Z","Amount":{{"Amount":"1.00","Currency":"GBP"}},
            "ProprietaryBankTransactionCode":{{"Code":"{code}","Issuer":"Monzo"}}}}]}},"Links":{{"Self":"https://x/"}},"Meta":{{}}}}"#
        )
    };
    let doc: OBReadTransaction6 = decode::from_str(&tx("uk_retail_pot")).unwrap();
    let code = &doc.data.transaction.as_ref().unwrap()[0]
        .proprietary_bank_transaction_code
        .as_ref()
        .unwrap()
        .code;
    assert_eq!(*code, MonzoProprietaryTransactionCode::UkRetailPot);
    assert!(doc.validate().is_ok());
    let doc: OBReadTransaction6 = decode::from_str(&tx("us_partner_pot")).unwrap();
    let code = &doc.data.transaction.as_ref().unwrap()[0]
        .proprietary_bank_transaction_code
        .as_ref()
        .unwrap()
        .code;
    assert_eq!(code.as_str(), "us_partner_pot");
    assert!(!code.is_known());
    // An open list: the unlisted code is a note, not a violation; it re-encodes unchanged; a
    // strict reader (a bank) refuses it.
    assert!(doc.validate().is_ok());
    let notes = doc.validate_all();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].is_note());
    assert_eq!(
        notes[0].path,
        "$.Data.Transaction[0].ProprietaryBankTransactionCode.Code"
    );
    assert!(serde_json::to_string(&doc)
        .unwrap()
        .contains("\"us_partner_pot\""));
    let v = doc.validate_strict().unwrap_err();
    assert_eq!(v.0, notes);
}

proptest::proptest! {
    /// Any code outside Monzo's open list of transaction codes decodes, re-encodes unchanged
    /// and is a note, never a violation; a strict reader refuses it.
    #[test]
    fn any_unlisted_proprietary_code_is_a_note(code in "[a-z][a-z0-9_]{0,30}") {
        proptest::prop_assume!(!MonzoProprietaryTransactionCode::CODES.contains(&code.as_str()));
        let text = format!(
            r#"{{"Data":{{"Transaction":[{{"AccountId":"a","CreditDebitIndicator":"Debit","Status":"Booked","BookingDateTime":"2022-02-25T10:35:39.636Z","Amount":{{"Amount":"1.00","Currency":"GBP"}},"ProprietaryBankTransactionCode":{{"Code":"{code}","Issuer":"Monzo"}}}}]}},"Links":{{"Self":"https://x/"}},"Meta":{{}}}}"#
        );
        let doc: OBReadTransaction6 = decode::from_str(&text).unwrap();
        proptest::prop_assert_eq!(serde_json::to_string(&doc).unwrap(), text);
        proptest::prop_assert!(doc.validate().is_ok());
        let all = doc.validate_all();
        proptest::prop_assert!(all.len() == 1 && all[0].is_note(), "{:?}", all);
        proptest::prop_assert!(doc.validate_strict().is_err());
    }
}

#[test]
fn monzo_error_codes_are_known_in_the_profile_only() {
    assert!(OBError1ErrorCode::from_code("UK.MONZO.Forbidden").is_known());
    assert_eq!(
        OBError1ErrorCode::from_code("UK.MONZO.Generic"),
        OBError1ErrorCode::MonzoGeneric
    );
    assert!(!ob_model::accounts::OBError1ErrorCode::from_code("UK.MONZO.Generic").is_known());
}

fn domestic_consent(currency: &str, scheme: &str) -> String {
    format!(
        r#"{{"Data":{{"Initiation":{{"InstructionIdentification":"ACME412","EndToEndIdentification":"FRESCO.21302.GFX.20",
        "LocalInstrument":"UK.OBIE.FPS","InstructedAmount":{{"Amount":"165.88","Currency":"{currency}"}},
        "CreditorAccount":{{"SchemeName":"{scheme}","Identification":"08080021325698","Name":"ACME Inc"}},
        "RemittanceInformation":{{"Reference":"FRESCO-101"}}}}}},"Risk":{{}}}}"#
    )
}

#[test]
fn monzo_narrowing_is_reported_by_validate_not_by_decoding() {
    let ok: OBWriteDomesticConsent4 =
        decode::from_str(&domestic_consent("GBP", "UK.OBIE.SortCodeAccountNumber")).unwrap();
    assert!(ok.validate().is_ok(), "{:?}", ok.validate());
    // OBIE allows EUR and IBAN; Monzo does not: it still decodes, and validate() says why.
    let eur: OBWriteDomesticConsent4 =
        decode::from_str(&domestic_consent("EUR", "UK.OBIE.IBAN")).unwrap();
    let v: Vec<String> = eur
        .validate()
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    insta::assert_debug_snapshot!(v);
    // The plain OBIE model accepts both.
    let obie: ob_model::payments::OBWriteDomesticConsent4 =
        decode::from_str(&domestic_consent("EUR", "UK.OBIE.IBAN")).unwrap();
    assert!(obie.validate().is_ok());
}

fn international_consent() -> serde_json::Value {
    let raw = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/examples/monzo/pis__01.json"),
    )
    .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

/// A type Monzo only narrows is OBIE's type: `validate()` checks OBIE's rules, and
/// `validate_monzo()` adds Monzo's narrowing from the document's root down (a field Monzo
/// requires, values Monzo does not take), each at its path.
#[test]
fn narrowing_of_an_obie_type_is_checked_from_the_root() {
    use monzo_model::payments_v3_1_11::OBWriteInternationalConsent5;
    use monzo_model::ValidateMonzo;
    // Monzo's type is OBIE's: the same Rust type.
    let _: fn(
        ob_model::payments_v3_1_11::OBWriteInternationalConsent5,
    ) -> OBWriteInternationalConsent5 = |x| x;
    let mut v = international_consent();
    let ok: OBWriteInternationalConsent5 = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(ok.validate_monzo(), Ok(()));

    let initiation = &mut v["Data"]["Initiation"];
    initiation
        .as_object_mut()
        .unwrap()
        .remove("DestinationCountryCode");
    initiation["ExchangeRateInformation"]["RateType"] = "Agreed".into();
    initiation["ExchangeRateInformation"]["ExchangeRate"] = 1.1.into();
    initiation["ExchangeRateInformation"]["ContractIdentification"] = "C1".into();
    initiation["InstructedAmount"]["Amount"] = "100.001".into();
    let doc: OBWriteInternationalConsent5 = serde_json::from_value(v).unwrap();
    assert_eq!(doc.validate(), Ok(()), "OBIE allows all of it");
    let found: Vec<String> = doc
        .validate_monzo()
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    insta::assert_debug_snapshot!(found);
}

/// Narrowing is looked up by the root type's spec name; a type Monzo leaves alone has none, and
/// Monzo's own types carry theirs in `validate()`.
#[test]
fn narrowing_lookup_by_root_name() {
    assert!(monzo_model::narrowing("OBWriteInternationalConsent5").is_some());
    assert!(monzo_model::funds::narrowing("OBFundsConfirmationConsent1").is_some());
    assert!(monzo_model::narrowing("OBReadBalance1").is_none());
    // Monzo's own type (its SupplementaryData carries DesiredStatus): validate() narrows.
    assert!(monzo_model::narrowing("OBWriteDomesticConsent4").is_none());
    let eur: OBWriteDomesticConsent4 =
        decode::from_str(&domestic_consent("EUR", "UK.OBIE.SortCodeAccountNumber")).unwrap();
    assert_eq!(
        eur.validate().unwrap_err().0[0].path,
        "$.Data.Initiation.InstructedAmount.Currency"
    );
}
