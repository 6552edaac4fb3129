//! The generated operation tables carry what clients and servers need from the spec.

use ob_model::{accounts, payments, registration, vrp, Endpoint, Method, ParamLocation};

#[test]
fn transactions_endpoint() {
    let op = accounts::ops::GetAccountsAccountIdTransactions::OPERATION;
    assert_eq!(op.method, Method::Get);
    assert_eq!(op.path, "/accounts/{AccountId}/transactions");
    assert_eq!(
        op.response(200).and_then(|r| r.body),
        Some("OBReadTransaction6")
    );
    assert!(op
        .params
        .iter()
        .any(|p| p.name == "fromBookingDateTime" && p.location == ParamLocation::Query));
    assert!(op.required_headers().any(|h| h == "Authorization"));
    assert!(!op.idempotent && !op.signed);
    assert_eq!(op.scopes, ["accounts"]);
    // The typed endpoint names the same body type.
    fn response_of<E: Endpoint>() -> &'static str {
        std::any::type_name::<E::Response>()
    }
    assert!(
        response_of::<accounts::ops::GetAccountsAccountIdTransactions>()
            .ends_with("OBReadTransaction6")
    );
}

#[test]
fn payment_consents_are_idempotent_and_signed() {
    let op = payments::ops::CreateDomesticPaymentConsents::OPERATION;
    assert_eq!(
        (op.method, op.path),
        (Method::Post, "/domestic-payment-consents")
    );
    assert!(op.idempotent && op.signed);
    assert_eq!(op.request_body, Some("OBWriteDomesticConsent4"));
    assert!(op.response(201).is_some_and(|r| r.signed));
    assert!(op.required_headers().any(|h| h == "x-idempotency-key"));
    let vrp = vrp::OPERATIONS
        .iter()
        .find(|o| o.path == "/domestic-vrps" && o.method == Method::Post)
        .unwrap();
    assert!(vrp.idempotent && vrp.signed);
}

#[test]
fn every_table_is_complete() {
    let all = [
        ("accounts", accounts::OPERATIONS.len()),
        ("payments", payments::OPERATIONS.len()),
        (
            "payments_v3_1_11",
            ob_model::payments_v3_1_11::OPERATIONS.len(),
        ),
        ("vrp", vrp::OPERATIONS.len()),
        ("funds", ob_model::funds::OPERATIONS.len()),
        ("events", ob_model::events::OPERATIONS.len()),
        (
            "event_notifications",
            ob_model::event_notifications::OPERATIONS.len(),
        ),
        ("registration", registration::OPERATIONS.len()),
    ];
    insta::assert_debug_snapshot!(all);
    // Every body type named in a table decodes through check_json.
    #[cfg(feature = "dynamic")]
    for op in accounts::OPERATIONS {
        for body in op
            .request_body
            .into_iter()
            .chain(op.responses.iter().filter_map(|r| r.body))
        {
            assert!(accounts::check_json(body, b"{}").is_some(), "{body}");
        }
    }
}

#[test]
fn registration_takes_a_jwt() {
    // DCR v3.2 declares the request body as `application/json` holding a string (the signed
    // registration JWT), so there is no model type for it.
    let op = registration::OPERATIONS
        .iter()
        .find(|o| o.method == Method::Post)
        .unwrap();
    assert_eq!(op.path, "/register");
    assert_eq!(op.request_content_types, ["application/json"]);
    assert_eq!(op.request_body, None);
    assert_eq!(
        op.response(201).and_then(|r| r.body),
        Some("OBClientRegistration1")
    );
}
