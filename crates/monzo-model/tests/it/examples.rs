//! Every JSON example in Monzo's Open Banking documentation decodes into its type and re-encodes
//! to exactly the same bytes (compact form, same field order, same number and date text). Each
//! decoded example and its violations in Monzo's profile (`validate_monzo()`) are pinned as a snapshot.

use std::path::PathBuf;

use monzo_model::{accounts, payments, payments_v3_1_11, vrp, ValidateMonzo};
use ob_model::{decode, JsonObject, Validate};
use serde::{de::DeserializeOwned, Serialize};

fn examples_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("OB_EXAMPLES_DIR") {
        return PathBuf::from(d).join("monzo");
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples/monzo");
    assert!(
        d.is_dir(),
        "Monzo examples not found at {}: set OB_EXAMPLES_DIR",
        d.display()
    );
    d
}

/// Decodes the example, checks the byte-for-byte round trip and snapshots model and its
/// violations in Monzo's profile.
fn check<T: DeserializeOwned + Serialize + ValidateMonzo>(file: &str) {
    check_by::<T>(file, T::validate_monzo);
}

/// As [`check`], for a document that has no model type (a free-form object).
fn check_free_form(file: &str) {
    check_by::<JsonObject>(file, Validate::validate);
}

fn check_by<T: DeserializeOwned + Serialize>(
    file: &str,
    validate: impl Fn(&T) -> Result<(), ob_model::Violations>,
) {
    let raw = std::fs::read(examples_dir().join(file)).unwrap();
    // The example in compact form, fields in document order.
    let compact =
        serde_json::to_string(&serde_json::from_slice::<serde_json::Value>(&raw).unwrap()).unwrap();
    let model: T = decode::from_slice(&raw).unwrap_or_else(|e| panic!("{file}: {e}"));
    let again = serde_json::to_string(&model).unwrap();
    assert_eq!(again, compact, "{file} does not round-trip byte for byte");
    let violations = match validate(&model) {
        Ok(()) => "none".to_owned(),
        Err(v) => {
            v.0.iter()
                .map(|v| format!("- {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let pretty = serde_json::to_string_pretty(&model).unwrap();
    insta::assert_snapshot!(
        file.trim_end_matches(".json"),
        format!("{pretty}\n\nviolations:\n{violations}")
    );
}

#[test]
fn accounts() {
    check::<accounts::OBReadAccount6>("ais__01.json");
}

#[test]
fn transactions() {
    check::<accounts::OBReadTransaction6>("ais__02.json");
}

#[test]
fn pots() {
    check::<accounts::OBReadPot1>("ais__03.json");
}

/// The docs' placeholder `user_000xxx` is none of the sandbox users the profile allows, so its
/// snapshot pins that violation (the emulator refuses it the same way).
#[test]
fn sandbox_consent_supplementary_data() {
    check::<accounts::MonzoSandboxSupplementaryData>("ais__04.json");
}

#[test]
fn international_payment_consent() {
    check::<payments_v3_1_11::OBWriteInternationalConsent5>("pis__01.json");
}

#[test]
fn international_rails_supplementary_data() {
    // Creditor details some currencies need: free-form SupplementaryData.
    check_free_form("pis__02.json");
    check_free_form("pis__03.json");
}

#[test]
fn international_payment_order() {
    check::<payments_v3_1_11::OBWriteInternational3>("pis__04.json");
}

#[test]
fn refund_account_consent_fragment() {
    // A fragment showing ReadRefundAccount: the required fields it leaves out are reported.
    check::<payments::OBWriteDomesticConsent4>("pis__05.json");
}

#[test]
fn refund_account_payment_response() {
    check::<payments::OBWriteDomesticResponse5>("pis__06.json");
}

/// As for consents: the placeholder `user_000xxx` is not a sandbox user, a pinned violation.
#[test]
fn sandbox_payment_supplementary_data() {
    check::<payments::OBWriteDomestic2DataInitiationSupplementaryData>("pis__07.json");
    check::<payments::OBWriteDomestic2DataInitiationSupplementaryData>("pis__08.json");
}

#[test]
fn sandbox_vrp_supplementary_data() {
    check::<vrp::OBDomesticVRPControlParametersSupplementaryData>("vrp__01.json");
}

#[test]
fn errors_legacy_and_new() {
    // The legacy shape is OBErrorResponse1 without Id and Errors: it decodes, and validate()
    // names what the new shape requires.
    check::<accounts::OBErrorResponse1>("ob_errors__01.json");
    check::<accounts::OBErrorResponse1>("ob_errors__02.json");
}

#[test]
fn eu_registration() {
    // JOSE headers of the registration request and of the unsigned software statement.
    check_free_form("eu__01.json");
    check_free_form("eu__03.json");
    check::<ob_model::registration::OBClientRegistration1>("eu__02.json");
}

#[test]
fn every_example_is_covered() {
    let index: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(examples_dir().join("index.json")).unwrap()).unwrap();
    let covered = [
        "ais__01",
        "ais__02",
        "ais__03",
        "ais__04",
        "pis__01",
        "pis__02",
        "pis__03",
        "pis__04",
        "pis__05",
        "pis__06",
        "pis__07",
        "pis__08",
        "vrp__01",
        "ob_errors__01",
        "ob_errors__02",
        "eu__01",
        "eu__02",
        "eu__03",
    ];
    for e in &index {
        let file = e["file"].as_str().unwrap().trim_end_matches(".json");
        assert!(covered.contains(&file), "Monzo example {file} has no test");
    }
    assert_eq!(index.len(), covered.len());
}
