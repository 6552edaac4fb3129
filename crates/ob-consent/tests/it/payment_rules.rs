//! One table per payment kind: a valid request, then one change per rule, each with the OBIE
//! error code and field path the rejection must map to.

use chrono::{DateTime, TimeZone, Utc};
use monzo_model::funds::{OBFundsConfirmation1, OBFundsConfirmationConsent1};
use monzo_model::payments::{
    OBWriteDomestic2, OBWriteDomesticConsent4, OBWriteDomesticScheduledConsent4,
    OBWriteDomesticStandingOrderConsent5,
};
use monzo_model::payments_v3_1_11::OBWriteInternationalConsent5;
use monzo_model::vrp::OBDomesticVRPConsentRequest;
use ob_consent::frequency::MonzoSchedule;
use ob_consent::payment_rules::{
    check_daily_limit, check_domestic, check_funds_confirmation, check_funds_consent,
    check_international, check_order_matches, check_scheduled, check_standing_order,
    check_vrp_consent, check_vrp_instruction, uk_date, AccountType, RAILS,
};
use ob_consent::ConsentError;
use ob_model::decode;
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// `base` with the value at each JSON pointer replaced (or removed, for `null`).
fn with(base: &Value, changes: &[(&str, Value)]) -> Value {
    let mut v = base.clone();
    for (pointer, new) in changes {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let obj = v.pointer_mut(parent).unwrap().as_object_mut().unwrap();
        if new.is_null() {
            obj.shift_remove(key);
        } else {
            obj.insert(key.to_owned(), new.clone());
        }
    }
    v
}

fn decode_json<T: for<'a> serde::Deserialize<'a>>(v: &Value) -> T {
    let bytes = serde_json::to_vec(v).unwrap();
    decode::from_slice(&bytes).unwrap()
}

type Case<'a> = (&'a str, Vec<(&'a str, Value)>, Option<(&'a str, &'a str)>);

/// Runs each case: `None` expects acceptance, `Some((code, path))` a rejection with that code
/// at that path.
fn run(cases: &[Case<'_>], base: &Value, check: impl Fn(&Value) -> Result<(), ConsentError>) {
    for (name, changes, want) in cases {
        let doc = with(base, changes);
        let got = check(&doc);
        match (want, got) {
            (None, Ok(())) => {}
            (Some((code, path)), Err(e)) => {
                let api = e.to_api_error();
                assert_eq!(api.details[0].code.as_str(), *code, "{name}: {e}");
                assert_eq!(api.field_path(), Some(*path), "{name}: {e}");
                assert_eq!(api.status, 400, "{name}");
            }
            (want, got) => panic!("{name}: expected {want:?}, got {got:?}"),
        }
    }
}

fn domestic() -> Value {
    json!({"Data": {"Initiation": {
        "InstructionIdentification": "ACME412",
        "EndToEndIdentification": "FRESCO.21302.GFX.20",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": "165.88", "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"},
        "RemittanceInformation": {"Reference": "FRESCO-101"}
    }}, "Risk": {}})
}

#[test]
fn domestic_rules() {
    let cases: Vec<Case<'_>> = vec![
        ("valid", vec![], None),
        (
            "no local instrument",
            vec![("/Data/Initiation/LocalInstrument", Value::Null)],
            Some(("UK.OBIE.Field.Missing", "Data.Initiation.LocalInstrument")),
        ),
        (
            "euro",
            vec![("/Data/Initiation/InstructedAmount/Currency", json!("EUR"))],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.Initiation.InstructedAmount.Currency",
            )),
        ),
        (
            "zero",
            vec![("/Data/Initiation/InstructedAmount/Amount", json!("0.00"))],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.InstructedAmount.Amount",
            )),
        ),
        (
            "iban creditor",
            vec![(
                "/Data/Initiation/CreditorAccount/SchemeName",
                json!("UK.OBIE.IBAN"),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.CreditorAccount.SchemeName",
            )),
        ),
        (
            "short account",
            vec![(
                "/Data/Initiation/CreditorAccount/Identification",
                json!("0808002132569"),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.CreditorAccount.Identification",
            )),
        ),
        (
            "iban debtor",
            vec![(
                "/Data/Initiation/DebtorAccount",
                json!({"SchemeName": "UK.OBIE.IBAN", "Identification": "GB29NWBK60161331926819"}),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.DebtorAccount.SchemeName",
            )),
        ),
        (
            "chaps",
            vec![("/Data/Initiation/LocalInstrument", json!("UK.OBIE.CHAPS"))],
            Some((
                "UK.OBIE.Unsupported.LocalInstrument",
                "Data.Initiation.LocalInstrument",
            )),
        ),
    ];
    run(&cases, &domestic(), |doc| {
        let c: OBWriteDomesticConsent4 = decode_json(doc);
        check_domestic(&c.data.initiation)
    });
}

#[test]
fn scheduled_rules() {
    let now = Utc.with_ymd_and_hms(2025, 6, 30, 22, 30, 0).unwrap(); // 23:30 in London
    let mut base = domestic();
    base["Data"]["Permission"] = json!("Create");
    base["Data"]["Initiation"]["RequestedExecutionDateTime"] = json!("2025-07-01T08:00:00+01:00");
    let cases: Vec<Case<'_>> = vec![
        ("valid", vec![], None),
        (
            "today in London",
            vec![(
                "/Data/Initiation/RequestedExecutionDateTime",
                json!("2025-06-30T23:45:00+01:00"),
            )],
            None,
        ),
        (
            "yesterday",
            vec![(
                "/Data/Initiation/RequestedExecutionDateTime",
                json!("2025-06-29T12:00:00Z"),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.RequestedExecutionDateTime",
            )),
        ),
        (
            "no time zone",
            vec![(
                "/Data/Initiation/RequestedExecutionDateTime",
                json!("2025-07-01T08:00:00"),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.RequestedExecutionDateTime",
            )),
        ),
        (
            "dollars",
            vec![("/Data/Initiation/InstructedAmount/Currency", json!("USD"))],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.Initiation.InstructedAmount.Currency",
            )),
        ),
        (
            "iban",
            vec![(
                "/Data/Initiation/CreditorAccount/SchemeName",
                json!("UK.OBIE.IBAN"),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.CreditorAccount.SchemeName",
            )),
        ),
    ];
    run(&cases, &base, |doc| {
        let c: OBWriteDomesticScheduledConsent4 = decode_json(doc);
        check_scheduled(&c.data.initiation, now)
    });
}

fn standing_order() -> Value {
    json!({"Data": {"Permission": "Create", "Initiation": {
        "Frequency": "IntrvlMnthDay:01:15",
        "Reference": "Rent",
        "FirstPaymentDateTime": "2025-07-15T06:00:00+01:00",
        "FirstPaymentAmount": {"Amount": "750.00", "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "Landlord"}
    }}, "Risk": {}})
}

#[test]
fn standing_order_rules() {
    let cases: Vec<Case<'_>> = vec![
        ("valid", vec![], None),
        (
            "twelve payments",
            vec![("/Data/Initiation/NumberOfPayments", json!("12"))],
            None,
        ),
        (
            "until a date",
            vec![(
                "/Data/Initiation/FinalPaymentDateTime",
                json!("2026-06-15T06:00:00+01:00"),
            )],
            None,
        ),
        (
            "both ends",
            vec![
                ("/Data/Initiation/NumberOfPayments", json!("12")),
                (
                    "/Data/Initiation/FinalPaymentDateTime",
                    json!("2026-06-15T06:00:00+01:00"),
                ),
            ],
            Some((
                "UK.OBIE.Field.Unexpected",
                "Data.Initiation.FinalPaymentDateTime",
            )),
        ),
        (
            "zero payments",
            vec![("/Data/Initiation/NumberOfPayments", json!("0"))],
            Some(("UK.OBIE.Field.Invalid", "Data.Initiation.NumberOfPayments")),
        ),
        (
            "final before first",
            vec![(
                "/Data/Initiation/FinalPaymentDateTime",
                json!("2025-07-14T06:00:00+01:00"),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.FinalPaymentDateTime",
            )),
        ),
        (
            "recurring date",
            vec![(
                "/Data/Initiation/RecurringPaymentDateTime",
                json!("2025-08-15T06:00:00+01:00"),
            )],
            Some((
                "UK.OBIE.Field.Unexpected",
                "Data.Initiation.RecurringPaymentDateTime",
            )),
        ),
        (
            "recurring amount",
            vec![(
                "/Data/Initiation/RecurringPaymentAmount",
                json!({"Amount": "750.00", "Currency": "GBP"}),
            )],
            Some((
                "UK.OBIE.Field.Unexpected",
                "Data.Initiation.RecurringPaymentAmount",
            )),
        ),
        (
            "every two months",
            vec![("/Data/Initiation/Frequency", json!("IntrvlMnthDay:02:15"))],
            Some(("UK.OBIE.Unsupported.Frequency", "Data.Initiation.Frequency")),
        ),
        (
            "not a frequency",
            vec![("/Data/Initiation/Frequency", json!("Monthly"))],
            Some(("UK.OBIE.Field.Invalid", "Data.Initiation.Frequency")),
        ),
        (
            "euro first payment",
            vec![("/Data/Initiation/FirstPaymentAmount/Currency", json!("EUR"))],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.Initiation.FirstPaymentAmount.Currency",
            )),
        ),
        (
            "euro final payment",
            vec![(
                "/Data/Initiation/FinalPaymentAmount",
                json!({"Amount": "1.00", "Currency": "EUR"}),
            )],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.Initiation.FinalPaymentAmount.Currency",
            )),
        ),
        (
            "no time zone",
            vec![(
                "/Data/Initiation/FirstPaymentDateTime",
                json!("2025-07-15T06:00:00"),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.FirstPaymentDateTime",
            )),
        ),
        (
            "iban",
            vec![(
                "/Data/Initiation/CreditorAccount/SchemeName",
                json!("UK.OBIE.IBAN"),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.CreditorAccount.SchemeName",
            )),
        ),
    ];
    run(&cases, &standing_order(), |doc| {
        let c: OBWriteDomesticStandingOrderConsent5 = decode_json(doc);
        check_standing_order(&c.data.initiation).map(|_| ())
    });
    let c: OBWriteDomesticStandingOrderConsent5 = decode_json(&standing_order());
    assert_eq!(
        check_standing_order(&c.data.initiation).unwrap(),
        MonzoSchedule::Monthly { months: 1 }
    );
}

fn international() -> Value {
    json!({"Data": {"Initiation": {
        "InstructionIdentification": "ACME413",
        "EndToEndIdentification": "FRESCO.21302.GFX.20",
        "LocalInstrument": "UK.OBIE.SEPACreditTransfer",
        "CurrencyOfTransfer": "EUR",
        "DestinationCountryCode": "DE",
        "InstructedAmount": {"Amount": "100.00", "Currency": "GBP"},
        "ExchangeRateInformation": {"UnitCurrency": "GBP", "RateType": "Indicative"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.IBAN", "Identification": "DE89370400440532013000", "Name": "Name Surname"}
    }, "ReadRefundAccount": "Yes"},
    "Risk": {"PaymentContextCode": "TransferToThirdParty", "BeneficiaryAccountType": "Personal"}})
}

fn usd_aba() -> Vec<(&'static str, Value)> {
    vec![
        ("/Data/Initiation/CurrencyOfTransfer", json!("USD")),
        ("/Data/Initiation/LocalInstrument", json!("UK.MONZO.ABA")),
        (
            "/Data/Initiation/CreditorAccount/SchemeName",
            json!("UK.OBIE.BBAN"),
        ),
        (
            "/Data/Initiation/CreditorAccount/Identification",
            json!("123456789"),
        ),
        (
            "/Data/Initiation/CreditorAgent",
            json!({"SchemeName": "UK.OBIE.NCC.US", "Identification": "026009593"}),
        ),
        (
            "/Data/Initiation/Creditor",
            json!({"PostalAddress": {"TownName": "New York", "Country": "US"}}),
        ),
    ]
}

#[test]
fn international_rules() {
    let aba = usd_aba();
    let aba_without = |pointer: &'static str| -> Vec<(&'static str, Value)> {
        let mut v = usd_aba();
        v.push((pointer, Value::Null));
        v
    };
    let no_agent = aba_without("/Data/Initiation/CreditorAgent");
    let no_address = aba_without("/Data/Initiation/Creditor");
    let mut no_town = usd_aba();
    no_town.push((
        "/Data/Initiation/Creditor",
        json!({"PostalAddress": {"Country": "US"}}),
    ));
    let mut no_country = usd_aba();
    no_country.push((
        "/Data/Initiation/Creditor",
        json!({"PostalAddress": {"TownName": "New York"}}),
    ));
    let mut no_routing_number = usd_aba();
    no_routing_number.push((
        "/Data/Initiation/CreditorAgent",
        json!({"SchemeName": "UK.OBIE.NCC.US"}),
    ));
    let mut wrong_agent = usd_aba();
    wrong_agent.push((
        "/Data/Initiation/CreditorAgent",
        json!({"SchemeName": "UK.OBIE.BICFI", "Identification": "CHASUS33"}),
    ));
    let bpay = [
        ("/Data/Initiation/CurrencyOfTransfer", json!("AUD")),
        ("/Data/Initiation/LocalInstrument", Value::Null),
        (
            "/Data/Initiation/CreditorAccount/SchemeName",
            json!("UK.MONZO.BPAY"),
        ),
        (
            "/Data/Initiation/CreditorAccount/Identification",
            json!("12345"),
        ),
        (
            "/Data/Initiation/CreditorAccount/SecondaryIdentification",
            json!("CRN0001"),
        ),
        ("/Risk/BeneficiaryAccountType", json!("Business")),
    ];
    let mut bpay_personal = bpay.to_vec();
    bpay_personal.push(("/Risk/BeneficiaryAccountType", json!("Personal")));
    let mut bpay_no_crn = bpay.to_vec();
    bpay_no_crn.push((
        "/Data/Initiation/CreditorAccount/SecondaryIdentification",
        Value::Null,
    ));
    let cases: Vec<Case<'_>> = vec![
        ("valid SEPA", vec![], None),
        ("valid USD ABA", aba.to_vec(), None),
        ("valid BPAY", bpay.to_vec(), None),
        (
            "USD ABA without routing number",
            no_agent.to_vec(),
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.CreditorAgent.SchemeName",
            )),
        ),
        (
            "USD ABA with a BIC",
            wrong_agent.to_vec(),
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.CreditorAgent.SchemeName",
            )),
        ),
        (
            "USD ABA without address",
            no_address.to_vec(),
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.Creditor.PostalAddress",
            )),
        ),
        (
            "USD ABA without country",
            no_country.to_vec(),
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.Creditor.PostalAddress.Country",
            )),
        ),
        (
            "USD ABA without routing number identification",
            no_routing_number.to_vec(),
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.CreditorAgent.Identification",
            )),
        ),
        (
            "USD ABA without town",
            no_town.to_vec(),
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.Creditor.PostalAddress.TownName",
            )),
        ),
        (
            "BPAY to a person",
            bpay_personal.to_vec(),
            Some(("UK.OBIE.Field.Invalid", "Risk.BeneficiaryAccountType")),
        ),
        (
            "BPAY without reference",
            bpay_no_crn.to_vec(),
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.CreditorAccount.SecondaryIdentification",
            )),
        ),
        (
            "paid in euro",
            vec![("/Data/Initiation/InstructedAmount/Currency", json!("EUR"))],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.Initiation.InstructedAmount.Currency",
            )),
        ),
        (
            "agreed rate",
            vec![(
                "/Data/Initiation/ExchangeRateInformation/RateType",
                json!("Agreed"),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.ExchangeRateInformation.RateType",
            )),
        ),
        (
            "no destination country",
            vec![("/Data/Initiation/DestinationCountryCode", Value::Null)],
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.DestinationCountryCode",
            )),
        ),
        (
            "no creditor name",
            vec![("/Data/Initiation/CreditorAccount/Name", Value::Null)],
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.CreditorAccount.Name",
            )),
        ),
        (
            "no beneficiary account type",
            vec![("/Risk/BeneficiaryAccountType", Value::Null)],
            Some(("UK.OBIE.Field.Missing", "Risk.BeneficiaryAccountType")),
        ),
        (
            "charity",
            vec![("/Risk/BeneficiaryAccountType", json!("Charity"))],
            Some(("UK.OBIE.Field.Invalid", "Risk.BeneficiaryAccountType")),
        ),
        (
            "zloty",
            vec![("/Data/Initiation/CurrencyOfTransfer", json!("PLN"))],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.Initiation.CurrencyOfTransfer",
            )),
        ),
        (
            "yen: supported, rails unpublished, general rules only",
            vec![
                ("/Data/Initiation/CurrencyOfTransfer", json!("JPY")),
                ("/Data/Initiation/LocalInstrument", Value::Null),
            ],
            None,
        ),
        (
            "yen at an agreed rate",
            vec![
                ("/Data/Initiation/CurrencyOfTransfer", json!("JPY")),
                (
                    "/Data/Initiation/ExchangeRateInformation/RateType",
                    json!("Agreed"),
                ),
            ],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.Initiation.ExchangeRateInformation.RateType",
            )),
        ),
        (
            "euro by CHAPS",
            vec![("/Data/Initiation/LocalInstrument", json!("UK.OBIE.CHAPS"))],
            Some((
                "UK.OBIE.Unsupported.LocalInstrument",
                "Data.Initiation.LocalInstrument",
            )),
        ),
        (
            "SEPA to a BBAN",
            vec![(
                "/Data/Initiation/CreditorAccount/SchemeName",
                json!("UK.OBIE.BBAN"),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.CreditorAccount.SchemeName",
            )),
        ),
        (
            "euro SWIFT without BIC",
            vec![("/Data/Initiation/LocalInstrument", json!("UK.OBIE.SWIFT"))],
            Some((
                "UK.OBIE.Field.Missing",
                "Data.Initiation.CreditorAgent.SchemeName",
            )),
        ),
    ];
    run(&cases, &international(), |doc| {
        let c: OBWriteInternationalConsent5 = decode_json(doc);
        check_international(&c.data.initiation, &c.risk).map(|_| ())
    });

    // Every row of the table accepts a request built from it.
    for row in RAILS {
        let mut changes = vec![
            ("/Data/Initiation/CurrencyOfTransfer", json!(row.currency)),
            (
                "/Data/Initiation/LocalInstrument",
                row.local_instrument.map_or(Value::Null, |l| json!(l)),
            ),
            (
                "/Data/Initiation/CreditorAccount/SchemeName",
                json!(row.scheme),
            ),
        ];
        if row.secondary_identification.is_some() {
            changes.push((
                "/Data/Initiation/CreditorAccount/SecondaryIdentification",
                json!("REF"),
            ));
        }
        if let Some((scheme, _)) = row.agent {
            changes.push((
                "/Data/Initiation/CreditorAgent",
                json!({"SchemeName": scheme, "Identification": "X1"}),
            ));
        }
        if row.postal_address {
            changes.push((
                "/Data/Initiation/Creditor",
                json!({"PostalAddress": {"TownName": "T", "Country": "US"}}),
            ));
        }
        if row.business_only {
            changes.push((
                "/Risk/BeneficiaryAccountType",
                json!("BusinessSavingsAccount"),
            ));
        }
        let c: OBWriteInternationalConsent5 = decode_json(&with(&international(), &changes));
        let got = check_international(&c.data.initiation, &c.risk).unwrap();
        assert_eq!(got, Some(row));
    }
}

fn vrp() -> Value {
    json!({"Data": {
        "ControlParameters": {
            "ValidFromDateTime": "2025-01-01T00:00:00Z",
            "ValidToDateTime": "2026-01-01T00:00:00Z",
            "MaximumIndividualAmount": {"Amount": "100.00", "Currency": "GBP"},
            "PeriodicLimits": [{"PeriodType": "Month", "PeriodAlignment": "Consent", "Amount": "500.00", "Currency": "GBP"}],
            "VRPType": ["UK.OBIE.VRPType.Sweeping"],
            "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"]
        },
        "Initiation": {"CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "Savings"}}
    }, "Risk": {}})
}

#[test]
fn vrp_consent_rules() {
    let cases: Vec<Case<'_>> = vec![
        ("valid", vec![], None),
        (
            "calendar alignment",
            vec![(
                "/Data/ControlParameters/PeriodicLimits",
                json!([{"PeriodType": "Month", "PeriodAlignment": "Calendar", "Amount": "500.00", "Currency": "GBP"}]),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.ControlParameters.PeriodicLimits.PeriodAlignment",
            )),
        ),
        (
            "fortnight",
            vec![(
                "/Data/ControlParameters/PeriodicLimits",
                json!([{"PeriodType": "Fortnight", "PeriodAlignment": "Consent", "Amount": "500.00", "Currency": "GBP"}]),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.ControlParameters.PeriodicLimits.PeriodType",
            )),
        ),
        (
            "half-year",
            vec![(
                "/Data/ControlParameters/PeriodicLimits",
                json!([{"PeriodType": "Half-year", "PeriodAlignment": "Consent", "Amount": "500.00", "Currency": "GBP"}]),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.ControlParameters.PeriodicLimits.PeriodType",
            )),
        ),
        (
            "day and week and year",
            vec![(
                "/Data/ControlParameters/PeriodicLimits",
                json!([
                {"PeriodType": "Day", "PeriodAlignment": "Consent", "Amount": "50.00", "Currency": "GBP"},
                {"PeriodType": "Week", "PeriodAlignment": "Consent", "Amount": "200.00", "Currency": "GBP"},
                {"PeriodType": "Year", "PeriodAlignment": "Consent", "Amount": "2000.00", "Currency": "GBP"}]),
            )],
            None,
        ),
        (
            "no periodic limit",
            vec![("/Data/ControlParameters/PeriodicLimits", json!([]))],
            Some((
                "UK.OBIE.Field.Missing",
                "Data.ControlParameters.PeriodicLimits",
            )),
        ),
        (
            "euro limit",
            vec![(
                "/Data/ControlParameters/PeriodicLimits",
                json!([{"PeriodType": "Month", "PeriodAlignment": "Consent", "Amount": "500.00", "Currency": "EUR"}]),
            )],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.ControlParameters.PeriodicLimits.Currency",
            )),
        ),
        (
            "euro maximum",
            vec![(
                "/Data/ControlParameters/MaximumIndividualAmount",
                json!({"Amount": "100.00", "Currency": "EUR"}),
            )],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.ControlParameters.MaximumIndividualAmount.Currency",
            )),
        ),
        (
            "zero maximum",
            vec![(
                "/Data/ControlParameters/MaximumIndividualAmount",
                json!({"Amount": "0", "Currency": "GBP"}),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.ControlParameters.MaximumIndividualAmount",
            )),
        ),
        (
            "ends before it starts",
            vec![(
                "/Data/ControlParameters/ValidToDateTime",
                json!("2024-12-31T00:00:00Z"),
            )],
            Some((
                "UK.OBIE.Field.Invalid",
                "Data.ControlParameters.ValidToDateTime",
            )),
        ),
        (
            "iban debtor",
            vec![(
                "/Data/Initiation/DebtorAccount",
                json!({"SchemeName": "UK.OBIE.IBAN", "Identification": "GB29NWBK60161331926819", "Name": "S"}),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.DebtorAccount.SchemeName",
            )),
        ),
        (
            "iban creditor",
            vec![(
                "/Data/Initiation/CreditorAccount",
                json!({"SchemeName": "UK.OBIE.IBAN", "Identification": "GB29NWBK60161331926819", "Name": "S"}),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Initiation.CreditorAccount.SchemeName",
            )),
        ),
    ];
    run(&cases, &vrp(), |doc| {
        let c: OBDomesticVRPConsentRequest = decode_json(doc);
        check_vrp_consent(&c).map(|_| ())
    });
}

#[test]
fn vrp_instruction_rules() {
    let base = json!({"Data": {
        "ConsentId": "vrp_1",
        "PSUAuthenticationMethod": "UK.OBIE.SCANotRequired",
        "Initiation": {},
        "Instruction": {
            "InstructionIdentification": "i1",
            "EndToEndIdentification": "e1",
            "LocalInstrument": "UK.OBIE.FPS",
            "InstructedAmount": {"Amount": "10.00", "Currency": "GBP"},
            "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "Savings"}
        }
    }, "Risk": {}});
    let cases: Vec<Case<'_>> = vec![
        ("valid", vec![], None),
        (
            "euro",
            vec![("/Data/Instruction/InstructedAmount/Currency", json!("EUR"))],
            Some((
                "UK.OBIE.Unsupported.Currency",
                "Data.Instruction.InstructedAmount.Currency",
            )),
        ),
        (
            "chaps",
            vec![("/Data/Instruction/LocalInstrument", json!("UK.OBIE.CHAPS"))],
            Some((
                "UK.OBIE.Unsupported.LocalInstrument",
                "Data.Instruction.LocalInstrument",
            )),
        ),
        (
            "iban",
            vec![(
                "/Data/Instruction/CreditorAccount/SchemeName",
                json!("UK.OBIE.IBAN"),
            )],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.Instruction.CreditorAccount.SchemeName",
            )),
        ),
    ];
    run(&cases, &base, |doc| {
        let r: monzo_model::vrp::OBDomesticVRPRequest = decode_json(doc);
        check_vrp_instruction(&r.data.instruction)
    });
}

#[test]
fn funds_consent_rules() {
    let base = json!({"Data": {"DebtorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "04000412345678"}}});
    let cases: Vec<Case<'_>> = vec![
        ("valid", vec![], None),
        (
            "iban",
            vec![("/Data/DebtorAccount/SchemeName", json!("UK.OBIE.IBAN"))],
            Some((
                "UK.OBIE.Unsupported.Scheme",
                "Data.DebtorAccount.SchemeName",
            )),
        ),
    ];
    run(&cases, &base, |doc| {
        let c: OBFundsConfirmationConsent1 = decode_json(doc);
        check_funds_consent(&c)
    });
}

#[test]
fn funds_confirmation_rules() {
    let base = json!({"Data": {"ConsentId": "obfundsconfirmationconsent_1", "Reference": "Purchase01",
        "InstructedAmount": {"Amount": "20.00", "Currency": "GBP"}}});
    let cases: Vec<Case<'_>> = vec![
        ("valid", vec![], None),
        (
            "GBP in fractions of a penny",
            vec![("/Data/InstructedAmount/Amount", json!("20.001"))],
            Some(("UK.OBIE.Field.Invalid", "Data.InstructedAmount.Amount")),
        ),
        (
            "zero",
            vec![("/Data/InstructedAmount/Amount", json!("0.00"))],
            Some(("UK.OBIE.Field.Invalid", "Data.InstructedAmount.Amount")),
        ),
        (
            "another currency's precision is its own",
            vec![
                ("/Data/InstructedAmount/Amount", json!("20.001")),
                ("/Data/InstructedAmount/Currency", json!("BHD")),
            ],
            None,
        ),
    ];
    run(&cases, &base, |doc| {
        let c: OBFundsConfirmation1 = decode_json(doc);
        check_funds_confirmation(&c)
    });
}

#[test]
fn daily_limits() {
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    assert_eq!(AccountType::Personal.default_daily_limit(), d("10000"));
    assert_eq!(AccountType::Joint.default_daily_limit(), d("10000"));
    assert_eq!(
        AccountType::BusinessSoleTrader.default_daily_limit(),
        d("25000")
    );
    assert_eq!(
        AccountType::BusinessLimitedCompany.default_daily_limit(),
        d("50000")
    );
    let limit = AccountType::Personal.default_daily_limit();
    check_daily_limit(limit, d("9000"), d("1000")).unwrap();
    let e = check_daily_limit(limit, d("9000"), d("1000.01")).unwrap_err();
    assert_eq!(e.rejection_reason(), Some("Payment limits exceeded"));
    let api = e.to_api_error();
    assert_eq!(api.status, 403);
    assert_eq!(api.details[0].code.as_str(), "UK.MONZO.Forbidden");
}

#[test]
fn uk_days_follow_british_summer_time() {
    let at =
        |y, m, d, h, min| -> DateTime<Utc> { Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap() };
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    // Winter: London is on UTC.
    assert_eq!(uk_date(at(2025, 1, 10, 23, 30)), date(2025, 1, 10));
    // Summer: 23:30 UTC is 00:30 the next day in London.
    assert_eq!(uk_date(at(2025, 7, 10, 23, 30)), date(2025, 7, 11));
    // 2025: BST from 30 March 01:00 UTC to 26 October 01:00 UTC.
    assert_eq!(uk_date(at(2025, 3, 29, 23, 30)), date(2025, 3, 29));
    assert_eq!(uk_date(at(2025, 3, 30, 23, 30)), date(2025, 3, 31));
    assert_eq!(uk_date(at(2025, 10, 25, 23, 30)), date(2025, 10, 26));
    assert_eq!(uk_date(at(2025, 10, 26, 23, 30)), date(2025, 10, 26));
}

#[test]
fn order_must_match_consent() {
    let consent_json = with(
        &domestic(),
        &[(
            "/Data/Initiation/SupplementaryData",
            json!({"DesiredStatus": "Authorised", "UserID": "user_1", "AccountID": "acc_1"}),
        )],
    );
    let consent: OBWriteDomesticConsent4 = decode_json(&consent_json);
    let order_of = |changes: &[(&str, Value)]| -> OBWriteDomestic2 {
        let mut order = with(&consent_json, changes);
        order["Data"]["ConsentId"] = json!("pdc_1");
        decode_json(&order)
    };
    let check = |order: &OBWriteDomestic2| {
        check_order_matches(
            &consent.data.initiation,
            &consent.risk,
            &order.data.initiation,
            &order.risk,
        )
    };
    check(&order_of(&[])).unwrap();

    // The same fields in another order match, outside SupplementaryData.
    let reordered = order_of(&[(
        "/Data/Initiation/InstructedAmount",
        json!({"Currency": "GBP", "Amount": "165.88"}),
    )]);
    check(&reordered).unwrap();

    let cases: Vec<(&str, OBWriteDomestic2, &str)> = vec![
        (
            "amount",
            order_of(&[("/Data/Initiation/InstructedAmount/Amount", json!("165.89"))]),
            "Data.Initiation.InstructedAmount.Amount",
        ),
        (
            "amount written differently",
            order_of(&[("/Data/Initiation/InstructedAmount/Amount", json!("165.880"))]),
            "Data.Initiation.InstructedAmount.Amount",
        ),
        (
            "reference dropped",
            order_of(&[("/Data/Initiation/RemittanceInformation", Value::Null)]),
            "Data.Initiation.RemittanceInformation",
        ),
        (
            "risk added",
            order_of(&[("/Risk/PaymentContextCode", json!("PartyToParty"))]),
            "Risk.PaymentContextCode",
        ),
        (
            "supplementary data reordered",
            order_of(&[(
                "/Data/Initiation/SupplementaryData",
                json!({"UserID": "user_1", "AccountID": "acc_1", "DesiredStatus": "Authorised"}),
            )]),
            "Data.Initiation.SupplementaryData",
        ),
    ];
    for (name, order, path) in cases {
        let e = check(&order).unwrap_err();
        let api = e.to_api_error();
        assert_eq!(
            api.details[0].code.as_str(),
            "UK.OBIE.Resource.ConsentMismatch",
            "{name}"
        );
        assert_eq!(api.field_path(), Some(path), "{name}: {e}");
    }
}

#[test]
fn rule_messages() {
    let c: OBWriteInternationalConsent5 = decode_json(&with(
        &international(),
        &[("/Data/Initiation/CurrencyOfTransfer", json!("PLN"))],
    ));
    let currency = check_international(&c.data.initiation, &c.risk).unwrap_err();
    let c: OBWriteInternationalConsent5 = decode_json(&with(
        &international(),
        &[("/Data/Initiation/LocalInstrument", json!("UK.OBIE.CHAPS"))],
    ));
    let instrument = check_international(&c.data.initiation, &c.risk).unwrap_err();
    let c: OBWriteDomesticStandingOrderConsent5 = decode_json(&with(
        &standing_order(),
        &[(
            "/Data/Initiation/RecurringPaymentAmount",
            json!({"Amount": "1", "Currency": "GBP"}),
        )],
    ));
    let recurring = check_standing_order(&c.data.initiation).unwrap_err();
    insta::assert_snapshot!(format!("{currency}\n{instrument}\n{recurring}"));
}
