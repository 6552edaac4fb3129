//! JSON Schema output (feature `schemars`) carries the spec's descriptions and constraints.

use ob_model::accounts::{OBReadBalance1, OBReadTransaction6};

#[test]
fn transaction_schema_has_the_spec_constraints() {
    let schema = schemars::schema_for!(OBReadTransaction6).to_value();
    let tx = &schema["$defs"]["OBTransaction6"];
    assert_eq!(tx["additionalProperties"], false);
    assert!(tx["required"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "BookingDateTime"));
    let info = &tx["properties"]["TransactionInformation"];
    assert_eq!(info["maxLength"], 500);
    assert!(info["description"]
        .as_str()
        .unwrap()
        .contains("transaction narrative"));
    // A closed code list is an `enum`; an open one (a namespaced OBIE list) any string, with
    // its codes listed.
    let status = &schema["$defs"]["OBEntryStatus1Code"];
    assert_eq!(
        status["enum"],
        serde_json::json!(["Booked", "Pending", "Rejected"])
    );
    let code = &schema["$defs"]["OBExternalAccountIdentification4Code"];
    assert_eq!(code["anyOf"][1], serde_json::json!({"type": "string"}));
    assert!(code["anyOf"][0]["enum"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("UK.OBIE.SortCodeAccountNumber")));
}

#[test]
fn balance_schema_snapshot() {
    let schema = schemars::schema_for!(OBReadBalance1);
    insta::assert_json_snapshot!(schema);
}
