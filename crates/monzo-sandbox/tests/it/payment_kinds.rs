//! The other payment kinds against the core, each from consent to completion with every body
//! decoded and validated as its spec type: domestic scheduled payments, standing orders,
//! international payments (v3.1.11, with the refund account), domestic VRPs (limits, funds
//! confirmation, deletion), confirmation of funds, and registration management
//! (`GET`/`PUT`/`DELETE /register/{ClientId}`).

use chrono::Duration;
use http::Request;
use monzo_model::payments::{
    OBWriteDomesticScheduledConsentResponse5, OBWriteDomesticScheduledResponse5,
    OBWriteDomesticStandingOrderConsentResponse6, OBWriteDomesticStandingOrderResponse6,
};
use monzo_model::payments_v3_1_11::{
    OBWriteInternationalConsentResponse6, OBWriteInternationalResponse5,
};
use monzo_model::vrp::{
    OBDomesticVRPConsentResponse, OBDomesticVRPResponse, OBVRPFundsConfirmationResponse,
};
use monzo_model::ValidateMonzo;
use ob_dcr::client::{parse_register_response, prepare_register};
use ob_dcr::request::RegistrationRequest;
use ob_model::funds::{OBFundsConfirmationConsentResponse1, OBFundsConfirmationResponse1};
use ob_oidc::token::{parse_token_response, prepare_client_credentials};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::payments::Payer;
use crate::support::{tpp_key, Tpp, SOFTWARE_ID};

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
const AISP: &str = "/open-banking/v3.1/aisp";
const CBPII: &str = "/open-banking/v3.1/cbpii";

/// Decodes `v` as `T` and validates it, failing the test with the body on any problem.
pub(crate) fn valid<T: DeserializeOwned + ValidateMonzo>(v: &Value) -> T {
    let typed: T = serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("does not decode as the spec type: {e}\n{v:#}"));
    typed
        .validate_monzo()
        .unwrap_or_else(|e| panic!("does not validate: {e:?}\n{v:#}"));
    typed
}

fn code(v: &Value) -> &str {
    v["Errors"][0]["ErrorCode"].as_str().unwrap_or_default()
}

pub(crate) fn supplementary() -> Value {
    json!({"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": HEAVY_ACCOUNT})
}

pub(crate) fn creditor() -> Value {
    json!({"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"})
}

/// Creates a consent at `consents`, authorises it, and submits the same `Initiation` at
/// `orders`: returns the consent response and the order response.
pub(crate) fn consent_and_order(
    p: &mut Payer,
    consents: &str,
    orders: &str,
    data: Value,
    key: &str,
) -> (Value, Value) {
    let app = p.app.clone();
    let body = json!({"Data": data, "Risk": {}});
    let (status, consent, headers) = p.post(consents, &app, &format!("{key}-c"), &body, true);
    assert_eq!(status, 201, "{consent}");
    assert!(headers.contains_key("x-jws-signature"));
    assert_eq!(consent["Data"]["Status"], "AwaitingAuthorisation");
    let id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();
    let token = p.authorise(&id);
    let mut order =
        json!({"Data": {"ConsentId": id, "Initiation": data["Initiation"].clone()}, "Risk": {}});
    order["Data"]["ConsentId"] = json!(id);
    let (status, made, _) = p.post(orders, &token, &format!("{key}-o"), &order, true);
    assert_eq!(status, 201, "{made}");
    (consent, made)
}

#[test]
fn a_scheduled_payment_is_listed_with_the_account_s_scheduled_payments() {
    let mut p = Payer::new();
    let when = (p.tpp.now + Duration::days(3)).to_rfc3339();
    let data = json!({
        "Permission": "Create",
        "Initiation": {
            "InstructionIdentification": "SCHED-1",
            "LocalInstrument": "UK.OBIE.FPS",
            "RequestedExecutionDateTime": when,
            "InstructedAmount": {"Amount": "12.50", "Currency": "GBP"},
            "CreditorAccount": creditor(),
            "RemittanceInformation": {"Reference": "RENT-DEC"},
            "SupplementaryData": supplementary()
        }
    });
    let (consent, made) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        data,
        "sched",
    );
    valid::<OBWriteDomesticScheduledConsentResponse5>(&consent);
    valid::<OBWriteDomesticScheduledResponse5>(&made);
    assert_eq!(consent["Data"]["Permission"], "Create");
    assert_eq!(made["Data"]["Status"], "InitiationCompleted");
    let id = made["Data"]["DomesticScheduledPaymentId"].as_str().unwrap();
    assert!(id.starts_with("obdomschpay_"), "{id}");
    // It can be read back with a client-credentials token.
    let app = p.app.clone();
    let (status, read) = p.tpp.json(
        "GET",
        &format!("/open-banking/v3.1/pisp/domestic-scheduled-payments/{id}"),
        &app,
        None,
    );
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["Data"]["DomesticScheduledPaymentId"], id);
    // Monzo has no payment-details.
    let (status, _) = p.tpp.json(
        "GET",
        &format!("/open-banking/v3.1/pisp/domestic-scheduled-payments/{id}/payment-details"),
        &app,
        None,
    );
    assert_eq!(status, 404);

    // A day already gone is refused.
    let past = (p.tpp.now - Duration::days(2)).to_rfc3339();
    let body = json!({"Data": {"Permission": "Create", "Initiation": {
        "InstructionIdentification": "SCHED-2", "LocalInstrument": "UK.OBIE.FPS",
        "RequestedExecutionDateTime": past,
        "InstructedAmount": {"Amount": "1.00", "Currency": "GBP"}, "CreditorAccount": creditor()}}, "Risk": {}});
    let (status, err, _) = p.post(
        "/domestic-scheduled-payment-consents",
        &app,
        "sched-past",
        &body,
        true,
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(code(&err), "UK.OBIE.Field.Invalid");
}

#[test]
fn a_standing_order_joins_the_account_s_standing_orders() {
    let mut p = Payer::new();
    let first = (p.tpp.now + Duration::days(1)).to_rfc3339();
    let data = json!({
        "Permission": "Create",
        "Initiation": {
            "Frequency": "IntrvlMnthDay:01:15",
            "Reference": "GYM",
            "NumberOfPayments": "12",
            "FirstPaymentDateTime": first,
            "FirstPaymentAmount": {"Amount": "30.00", "Currency": "GBP"},
            "CreditorAccount": creditor(),
            "SupplementaryData": supplementary()
        }
    });
    let (consent, made) = consent_and_order(
        &mut p,
        "/domestic-standing-order-consents",
        "/domestic-standing-orders",
        data,
        "so",
    );
    valid::<OBWriteDomesticStandingOrderConsentResponse6>(&consent);
    valid::<OBWriteDomesticStandingOrderResponse6>(&made);
    assert_eq!(made["Data"]["Status"], "InitiationCompleted");

    // Account information lists it, with its reference and schedule.
    let (reader, reader_dn) =
        p.tpp
            .register_software("so-reader-1", "0015800001READER", "openid accounts");
    let payer_dn = std::mem::replace(&mut p.tpp.dn, reader_dn);
    let payer_id = std::mem::replace(&mut p.tpp.client_id, reader);
    let consent = p.tpp.consent(
        &["ReadAccountsBasic", "ReadStandingOrdersDetail"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let token = p.tpp.authorise(&consent).access_token.expose().to_owned();
    let (status, orders) = p.tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/standing-orders"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{orders}");
    let listed = orders["Data"]["StandingOrder"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["Reference"] == "GYM")
        .unwrap_or_else(|| panic!("the new standing order is listed: {orders}"));
    assert_eq!(listed["Frequency"], "IntrvlMnthDay:01:15");
    assert_eq!(listed["FirstPaymentAmount"]["Amount"], "30.0000");
    p.tpp.dn = payer_dn;
    p.tpp.client_id = payer_id;

    // Monzo refuses RecurringPaymentAmount.
    let app = p.app.clone();
    let body = json!({"Data": {"Permission": "Create", "Initiation": {
        "Frequency": "EvryDay", "FirstPaymentDateTime": first,
        "FirstPaymentAmount": {"Amount": "1.00", "Currency": "GBP"},
        "RecurringPaymentAmount": {"Amount": "1.00", "Currency": "GBP"},
        "CreditorAccount": creditor()}}, "Risk": {}});
    let (status, err, _) = p.post(
        "/domestic-standing-order-consents",
        &app,
        "so-bad",
        &body,
        true,
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(code(&err), "UK.OBIE.Field.Unexpected");
}

pub(crate) fn international_initiation(amount: &str) -> Value {
    json!({
        "InstructionIdentification": "ACME413",
        "EndToEndIdentification": "FRESCO.21302.GFX.20",
        "LocalInstrument": "UK.OBIE.SEPACreditTransfer",
        "CurrencyOfTransfer": "EUR",
        "DestinationCountryCode": "FR",
        "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
        "ExchangeRateInformation": {"UnitCurrency": "GBP", "RateType": "Indicative"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.IBAN", "Identification": "FR1420041010050500013M02606", "Name": "Name Surname"},
        "RemittanceInformation": {"Reference": "FRESCO-101"},
        "SupplementaryData": supplementary()
    })
}

#[test]
fn an_international_payment_returns_the_refund_account_and_has_a_cut_off() {
    let mut p = Payer::new();
    let app = p.app.clone();
    let body = json!({"Data": {"ReadRefundAccount": "Yes", "Initiation": international_initiation("100.00")},
        "Risk": {"PaymentContextCode": "TransferToThirdParty", "BeneficiaryAccountType": "Personal"}});
    let (status, consent, _) = p.post(
        "/international-payment-consents",
        &app,
        "int-c",
        &body,
        true,
    );
    assert_eq!(status, 201, "{consent}");
    valid::<OBWriteInternationalConsentResponse6>(&consent);
    let created =
        chrono::DateTime::parse_from_rfc3339(consent["Data"]["CreationDateTime"].as_str().unwrap())
            .unwrap();
    let cut_off =
        chrono::DateTime::parse_from_rfc3339(consent["Data"]["CutOffDateTime"].as_str().unwrap())
            .unwrap();
    assert_eq!(cut_off - created, Duration::minutes(30));
    let id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();

    // Funds confirmation with the consent's token.
    let token = p.authorise(&id);
    let (status, funds) = p.tpp.json(
        "GET",
        &format!("/open-banking/v3.1/pisp/international-payment-consents/{id}/funds-confirmation"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{funds}");
    assert_eq!(
        funds["Data"]["FundsAvailableResult"]["FundsAvailable"],
        true
    );

    let order = json!({"Data": {"ConsentId": id, "Initiation": international_initiation("100.00")},
        "Risk": {"PaymentContextCode": "TransferToThirdParty", "BeneficiaryAccountType": "Personal"}});
    let (status, made, _) = p.post("/international-payments", &token, "int-o", &order, true);
    assert_eq!(status, 201, "{made}");
    valid::<OBWriteInternationalResponse5>(&made);
    assert_eq!(
        made["Data"]["Refund"]["Account"]["SchemeName"],
        "UK.OBIE.SortCodeAccountNumber"
    );
    assert_eq!(made["Data"]["Debtor"], made["Data"]["Refund"]["Account"]);

    // A currency outside the table with a rail that needs a BIC it does not have.
    let mut bad = international_initiation("10.00");
    bad["LocalInstrument"] = json!("UK.OBIE.SWIFT");
    let body = json!({"Data": {"Initiation": bad},
        "Risk": {"PaymentContextCode": "TransferToThirdParty", "BeneficiaryAccountType": "Personal"}});
    let (status, err, _) = p.post(
        "/international-payment-consents",
        &app,
        "int-bad",
        &body,
        true,
    );
    assert_eq!(status, 400, "{err}");
}

#[test]
fn international_orders_after_the_cut_off_are_refused() {
    let mut p = Payer::new();
    let app = p.app.clone();
    let risk =
        json!({"PaymentContextCode": "TransferToThirdParty", "BeneficiaryAccountType": "Personal"});
    let body = json!({"Data": {"Initiation": international_initiation("5.00")}, "Risk": risk});
    let (_, consent, _) = p.post(
        "/international-payment-consents",
        &app,
        "cut-c",
        &body,
        true,
    );
    let id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();
    let token = p.authorise(&id);
    p.tpp.now += Duration::minutes(30);
    let order = json!({"Data": {"ConsentId": id, "Initiation": international_initiation("5.00")}, "Risk": risk});
    let (status, err, _) = p.post("/international-payments", &token, "cut-o", &order, true);
    assert_eq!(status, 400, "{err}");
}

pub(crate) fn vrp_consent_body(max: &str, per_day: &str) -> Value {
    json!({
        "Data": {
            "ControlParameters": {
                "VRPType": ["UK.OBIE.VRPType.Sweeping"],
                "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
                "MaximumIndividualAmount": {"Amount": max, "Currency": "GBP"},
                "PeriodicLimits": [{"Amount": per_day, "Currency": "GBP", "PeriodType": "Day", "PeriodAlignment": "Consent"}],
                "SupplementaryData": {"DesiredStatus": "Authorised"}
            },
            "Initiation": {"CreditorAccount": creditor()}
        },
        "Risk": {}
    })
}

pub(crate) fn vrp_body(consent: &str, amount: &str) -> Value {
    json!({
        "Data": {
            "ConsentId": consent,
            "PSUAuthenticationMethod": "UK.OBIE.SCANotRequired",
            "Initiation": {"CreditorAccount": creditor()},
            "Instruction": {
                "InstructionIdentification": format!("vrp-{amount}"),
                "EndToEndIdentification": "E2E",
                "LocalInstrument": "UK.OBIE.FPS",
                "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
                "CreditorAccount": creditor(),
                "RemittanceInformation": {"Reference": "SWEEP"}
            }
        },
        "Risk": {}
    })
}

#[test]
fn vrps_are_paid_within_the_control_parameters_until_the_consent_is_deleted() {
    let mut p = Payer::new();
    let app = p.app.clone();
    let (status, consent, _) = p.post(
        "/domestic-vrp-consents",
        &app,
        "vrp-c",
        &vrp_consent_body("50.00", "80.00"),
        true,
    );
    assert_eq!(status, 201, "{consent}");
    valid::<OBDomesticVRPConsentResponse>(&consent);
    let id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();
    let token = p.authorise(&id);

    // Funds confirmation (a POST, signed).
    let check = json!({"Data": {"ConsentId": id, "Reference": "check", "InstructedAmount": {"Amount": "40.00", "Currency": "GBP"}}});
    let (status, funds, _) = p.post(
        &format!("/domestic-vrp-consents/{id}/funds-confirmation"),
        &token,
        "vrp-f",
        &check,
        true,
    );
    assert_eq!(status, 201, "{funds}");
    valid::<OBVRPFundsConfirmationResponse>(&funds);
    assert_eq!(
        funds["Data"]["FundsAvailableResult"]["FundsAvailable"],
        "Available"
    );

    let (status, first, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-1",
        &vrp_body(&id, "40.00"),
        true,
    );
    assert_eq!(status, 201, "{first}");
    valid::<OBDomesticVRPResponse>(&first);
    assert_eq!(first["Data"]["Status"], "AcceptedSettlementCompleted");
    // Over the maximum individual amount.
    let (status, err, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-2",
        &vrp_body(&id, "60.00"),
        true,
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(code(&err), "UK.OBIE.Rules.FailsControlParameters");
    // Over the daily limit: 40 + 45 > 80.
    let (status, err, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-3",
        &vrp_body(&id, "45.00"),
        true,
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(code(&err), "UK.OBIE.Rules.FailsControlParameters");
    // The same key and body: the same payment.
    let (_, again, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-1",
        &vrp_body(&id, "40.00"),
        true,
    );
    assert_eq!(
        again["Data"]["DomesticVRPId"],
        first["Data"]["DomesticVRPId"]
    );

    // The next day the period starts again.
    p.tpp.now += Duration::days(1);
    let (status, _, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-4",
        &vrp_body(&id, "45.00"),
        true,
    );
    assert_eq!(status, 201);
    // Deleted: the consent is gone, and its token with it.
    let req = Request::delete(p.tpp.url(&format!(
        "/open-banking/v3.1/pisp/domestic-vrp-consents/{id}"
    )))
    .header("authorization", format!("Bearer {app}"))
    .body(Vec::new())
    .unwrap();
    assert_eq!(p.tpp.send(req, true).status(), 204);
    let (status, _) = p.tpp.json(
        "GET",
        &format!("/open-banking/v3.1/pisp/domestic-vrp-consents/{id}"),
        &app,
        None,
    );
    assert_eq!(status, 400);
    let (status, _, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-5",
        &vrp_body(&id, "1.00"),
        true,
    );
    assert_eq!(status, 401);
}

#[test]
fn confirmation_of_funds_for_the_customer_s_named_account() {
    let mut tpp = Tpp::register_in_process("openid fundsconfirmations");
    let req = prepare_client_credentials(
        &tpp.url("/open-banking/token"),
        &tpp.client_id.clone(),
        "fundsconfirmations",
    )
    .unwrap();
    let resp = tpp.send(req, true);
    let app = parse_token_response(&resp, tpp.now)
        .unwrap()
        .access_token
        .expose()
        .to_owned();
    let world = monzo_sandbox::seed::world();
    let (_, account) = world.account(HEAVY_ACCOUNT).unwrap();
    let scan = account.sort_code_account.clone().unwrap();
    let balance = account.balance();
    let body = json!({"Data": {"DebtorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": scan}}});
    let (status, consent) = tpp.json(
        "POST",
        &format!("{CBPII}/funds-confirmation-consents"),
        &app,
        Some(body),
    );
    assert_eq!(status, 201, "{consent}");
    valid::<OBFundsConfirmationConsentResponse1>(&consent);
    let id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();

    // No SupplementaryData in this API: the customer approves on the page.
    let url = tpp.authorize_url_for(&id, "openid fundsconfirmations");
    let page = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    assert_eq!(page.status(), 200);
    let html = String::from_utf8(page.body().clone()).unwrap();
    let pending = html
        .split("name=\"pending\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let form = ob_oidc::form::encode_pairs(&[
        ("pending", &pending),
        ("decision", "approve"),
        ("user_id", HEAVY),
    ]);
    let req = Request::post(tpp.url("/open-banking/authorize/decision"))
        .body(form.into_bytes())
        .unwrap();
    let resp = tpp.send(req, false);
    assert_eq!(
        resp.status(),
        302,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let token = tpp.finish(&id, &location).access_token.expose().to_owned();

    let ask = |amount: String| json!({"Data": {"ConsentId": id, "Reference": "Purchase01", "InstructedAmount": {"Amount": amount, "Currency": "GBP"}}});
    let (status, yes) = tpp.json(
        "POST",
        &format!("{CBPII}/funds-confirmations"),
        &token,
        Some(ask("1.00".into())),
    );
    assert_eq!(status, 201, "{yes}");
    valid::<OBFundsConfirmationResponse1>(&yes);
    assert_eq!(yes["Data"]["FundsAvailable"], true);
    let (_, no) = tpp.json(
        "POST",
        &format!("{CBPII}/funds-confirmations"),
        &token,
        Some(ask(format!("{:.2}", balance + rust_decimal::Decimal::ONE))),
    );
    assert_eq!(no["Data"]["FundsAvailable"], false);

    // Another scheme is refused, as Monzo documents.
    let body = json!({"Data": {"DebtorAccount": {"SchemeName": "UK.OBIE.IBAN", "Identification": "GB29NWBK60161331926819"}}});
    let (status, err) = tpp.json(
        "POST",
        &format!("{CBPII}/funds-confirmation-consents"),
        &app,
        Some(body),
    );
    assert_eq!(status, 400, "{err}");

    // Deleted: the checks stop.
    let (status, _) = tpp.json(
        "DELETE",
        &format!("{CBPII}/funds-confirmation-consents/{id}"),
        &app,
        None,
    );
    assert_eq!(status, 204);
    let (status, _) = tpp.json(
        "POST",
        &format!("{CBPII}/funds-confirmations"),
        &token,
        Some(ask("1.00".into())),
    );
    assert_eq!(status, 401);
}

#[test]
fn a_client_reads_updates_and_deletes_its_registration() {
    let mut tpp = Tpp::register_in_process("openid accounts");
    let app = tpp.app_token();
    let client_id = tpp.client_id.clone();
    let path = format!("/open-banking/register/{client_id}");
    let (status, reg) = tpp.json("GET", &path, &app, None);
    assert_eq!(status, 200, "{reg}");
    assert_eq!(reg["client_id"], client_id.as_str());

    // Another client's token is refused.
    let (other_id, other_dn) =
        tpp.register_software("other-software-1", "0015800001OTHER", "openid accounts");
    let own_dn = std::mem::replace(&mut tpp.dn, other_dn);
    let own_id = std::mem::replace(&mut tpp.client_id, other_id);
    let other_app = tpp.app_token();
    let (status, _) = tpp.json("GET", &path, &other_app, None);
    assert_eq!(status, 403);
    tpp.dn = own_dn;
    tpp.client_id = own_id;

    // PUT: a new signed request for the same software; the id stays.
    let statement = {
        let body = json!({
            "software_statement_claims": {
                "software_id": SOFTWARE_ID, "org_id": crate::support::ORG_ID,
                "software_client_name": "Budgeting App",
                "software_redirect_uris": ["https://tpp.example/callback", "https://tpp.example/other"],
                "software_roles": ["AISP"]
            },
            "jwks": {"keys": [tpp_key().public_jwk()]}
        });
        let req = Request::post(tpp.url("/open-banking/sandbox/software-statements"))
            .body(body.to_string().into_bytes())
            .unwrap();
        let resp = tpp.send(req, false);
        // The directory gives a known software a new statement for the same keys.
        assert_eq!(
            resp.status(),
            201,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        let v: Value = serde_json::from_slice(resp.body()).unwrap();
        v["software_statement"].as_str().unwrap().to_owned()
    };
    {
        let request = RegistrationRequest::uk(
            ob_dcr::request::RegistrationParams {
                software_statement: &statement,
                software_id: SOFTWARE_ID,
                aud: "0015800001ZEc3hAAD",
                redirect_uris: vec!["https://tpp.example/callback".into()],
                tls_client_auth_subject_dn: &tpp.dn,
                jti: &ob_dcr::uuid_v4([9; 16]),
            },
            "openid accounts",
            tpp.now,
        )
        .unwrap();
        let jwt = request.sign(tpp_key()).unwrap();
        let mut put = prepare_register(&tpp.url(&path), &jwt).unwrap();
        *put.method_mut() = http::Method::PUT;
        put.headers_mut()
            .insert("authorization", format!("Bearer {app}").parse().unwrap());
        let resp = tpp.send(put, true);
        assert_eq!(
            resp.status(),
            200,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        let updated = parse_register_response(&resp).unwrap();
        assert_eq!(updated.client_id.as_deref(), Some(client_id.as_str()));
    }

    // DELETE: the client and its tokens are gone.
    let (status, _) = tpp.json("DELETE", &path, &app, None);
    assert_eq!(status, 204);
    let (status, _) = tpp.json("GET", &path, &app, None);
    assert_eq!(status, 401);
    let (status, _) = tpp.json("GET", &format!("{AISP}/accounts"), &app, None);
    assert_eq!(status, 401);
}
