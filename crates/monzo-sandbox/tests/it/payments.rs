//! Domestic payments against the core: signed and idempotent requests, the consent's timing,
//! order-matches-consent, funds confirmation, the daily limit, and signed responses.

use chrono::Duration;
use http::Request;
use ob_jose::detached::{DetachedSigner, DetachedVerifier};
use ob_jose::Jwks;
use ob_oidc::token::{parse_token_response, prepare_client_credentials};
use serde_json::{json, Value};

use crate::support::{tpp_key, Tpp, ORG_ID, SOFTWARE_ID};

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
const PISP: &str = "/open-banking/v3.1/pisp";

fn initiation(amount: &str) -> Value {
    json!({
        "InstructionIdentification": "ACME412",
        "EndToEndIdentification": "FRESCO.21302.GFX.20",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"},
        "RemittanceInformation": {"Reference": "FRESCO-101"},
        "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": HEAVY_ACCOUNT}
    })
}

pub struct Payer {
    pub tpp: Tpp,
    pub app: String,
}

impl Payer {
    pub fn new() -> Payer {
        Payer::from_tpp(Tpp::register_payments())
    }

    /// A payer over any transport, from a client registered for `openid payments`.
    pub fn from_tpp(mut tpp: Tpp) -> Payer {
        let req = prepare_client_credentials(
            &tpp.url("/open-banking/token"),
            &tpp.client_id.clone(),
            "payments",
        )
        .unwrap();
        let resp = tpp.send(req, true);
        let app = parse_token_response(&resp, tpp.now)
            .unwrap()
            .access_token
            .expose()
            .to_owned();
        Payer { tpp, app }
    }

    /// A signed POST with an idempotency key.
    pub fn post(
        &mut self,
        path: &str,
        token: &str,
        key: &str,
        body: &Value,
        sign: bool,
    ) -> (u16, Value, http::HeaderMap) {
        let bytes = body.to_string().into_bytes();
        let mut b = Request::post(self.tpp.url(&format!("{PISP}{path}")))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("x-idempotency-key", key);
        if sign {
            let sig = DetachedSigner::new(tpp_key(), format!("{ORG_ID}/{SOFTWARE_ID}"))
                .sign(&bytes, self.tpp.now)
                .unwrap();
            b = b.header("x-jws-signature", sig);
        }
        let resp = self.tpp.send(b.body(bytes).unwrap(), true);
        let status = resp.status().as_u16();
        let v = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
        (status, v, resp.headers().clone())
    }

    pub fn consent(&mut self, amount: &str, key: &str) -> String {
        let body = json!({"Data": {"Initiation": initiation(amount)}, "Risk": {}});
        let app = self.app.clone();
        let (status, v, _) = self.post("/domestic-payment-consents", &app, key, &body, true);
        assert_eq!(status, 201, "{v}");
        v["Data"]["ConsentId"].as_str().unwrap().to_owned()
    }

    pub fn authorise(&mut self, consent: &str) -> String {
        self.tpp
            .authorise_for(consent, "openid payments")
            .access_token
            .expose()
            .to_owned()
    }

    pub fn pay(&mut self, consent: &str, token: &str, amount: &str, key: &str) -> (u16, Value) {
        let body =
            json!({"Data": {"ConsentId": consent, "Initiation": initiation(amount)}, "Risk": {}});
        let (status, v, _) = self.post("/domestic-payments", token, key, &body, true);
        (status, v)
    }
}

fn code(v: &Value) -> &str {
    v["Errors"][0]["ErrorCode"].as_str().unwrap_or_default()
}

#[test]
fn a_domestic_payment_from_consent_to_completion() {
    let mut p = Payer::new();
    let body = json!({"Data": {"Initiation": initiation("165.88")}, "Risk": {}});
    let app = p.app.clone();
    let (status, first, headers) = p.post("/domestic-payment-consents", &app, "key-1", &body, true);
    assert_eq!(status, 201, "{first}");
    let typed: monzo_model::payments::OBWriteDomesticConsentResponse5 =
        serde_json::from_value(first.clone()).unwrap();
    ob_model::Validate::validate(&typed).unwrap();
    // The bank signs its response.
    let jwks_resp = p.tpp.send(
        Request::get(p.tpp.url("/open-banking/jwks"))
            .body(Vec::new())
            .unwrap(),
        false,
    );
    let bank = Jwks::from_json(jwks_resp.body()).unwrap();
    let sig = headers["x-jws-signature"].to_str().unwrap();
    let raw = serde_json::to_vec(&first).unwrap();
    DetachedVerifier::new("0015800001ZEc3hAAD")
        .verify(Some(sig), &raw, &bank, p.tpp.now)
        .unwrap();
    // The same key and body: the same answer, and no second consent.
    let (status, again, _) = p.post("/domestic-payment-consents", &app, "key-1", &body, true);
    assert_eq!((status, &again), (201, &first));
    // The same key with another body: refused.
    let other = json!({"Data": {"Initiation": initiation("1.00")}, "Risk": {}});
    let (status, err, _) = p.post("/domestic-payment-consents", &app, "key-1", &other, true);
    assert_eq!((status, code(&err)), (400, "UK.OBIE.Header.Invalid"));
    // Unsigned: refused.
    let (status, err, _) = p.post("/domestic-payment-consents", &app, "key-2", &body, false);
    assert_eq!((status, code(&err)), (400, "UK.OBIE.Signature.Missing"));
    // IBAN: refused by Monzo's rules.
    let mut iban = initiation("1.00");
    iban["CreditorAccount"]["SchemeName"] = json!("UK.OBIE.IBAN");
    let (status, err, _) = p.post(
        "/domestic-payment-consents",
        &app,
        "key-3",
        &json!({"Data": {"Initiation": iban}, "Risk": {}}),
        true,
    );
    assert_eq!((status, code(&err)), (400, "UK.OBIE.Unsupported.Scheme"));

    let consent = first["Data"]["ConsentId"].as_str().unwrap().to_owned();
    let token = p.authorise(&consent);
    let (status, funds) = p.tpp.json(
        "GET",
        &format!("{PISP}/domestic-payment-consents/{consent}/funds-confirmation"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{funds}");
    assert_eq!(
        funds["Data"]["FundsAvailableResult"]["FundsAvailable"],
        true
    );

    let (status, payment) = p.pay(&consent, &token, "165.88", "pay-1");
    assert_eq!(status, 201, "{payment}");
    let typed: monzo_model::payments::OBWriteDomesticResponse5 =
        serde_json::from_value(payment.clone()).unwrap();
    ob_model::Validate::validate(&typed).unwrap();
    assert_eq!(payment["Data"]["Status"], "AcceptedSettlementCompleted");
    assert_eq!(
        payment["Data"]["Debtor"]["Identification"],
        "04000412345678"
    );
    // Replaying the order gives the same payment; the consent is consumed.
    let (status, replay) = p.pay(&consent, &token, "165.88", "pay-1");
    assert_eq!((status, &replay), (201, &payment));
    let (_, c) = p.tpp.json(
        "GET",
        &format!("{PISP}/domestic-payment-consents/{consent}"),
        &app,
        None,
    );
    assert_eq!(c["Data"]["Status"], "Consumed");
    // A second order on the consumed consent, under another key: refused.
    let (status, err) = p.pay(&consent, &token, "165.88", "pay-2");
    assert_eq!(
        (status, code(&err)),
        (400, "UK.OBIE.Resource.InvalidConsentStatus"),
        "{err}"
    );
    let id = payment["Data"]["DomesticPaymentId"].as_str().unwrap();
    let (status, got) = p
        .tpp
        .json("GET", &format!("{PISP}/domestic-payments/{id}"), &app, None);
    assert_eq!(
        (status, &got["Data"]["Status"]),
        (200, &json!("AcceptedSettlementCompleted"))
    );
}

#[test]
fn orders_must_match_and_come_in_time() {
    let mut p = Payer::new();
    // Another amount than the consent's.
    let consent = p.consent("10.00", "c-1");
    let token = p.authorise(&consent);
    let (status, err) = p.pay(&consent, &token, "10.01", "p-1");
    assert_eq!(
        (status, code(&err)),
        (400, "UK.OBIE.Resource.ConsentMismatch"),
        "{err}"
    );
    // More than an hour after approval.
    let consent = p.consent("10.00", "c-2");
    let token = p.authorise(&consent);
    p.tpp.now += Duration::minutes(61);
    let (status, err) = p.pay(&consent, &token, "10.00", "p-2");
    assert_eq!(
        (status, code(&err)),
        (400, "UK.OBIE.Resource.InvalidConsentStatus"),
        "{err}"
    );
}

#[test]
fn over_the_daily_limit_the_payment_is_rejected() {
    let mut p = Payer::new();
    let consent = p.consent("10000.01", "c-1");
    let token = p.authorise(&consent);
    let (status, payment) = p.pay(&consent, &token, "10000.01", "p-1");
    assert_eq!(status, 201, "{payment}");
    assert_eq!(payment["Data"]["Status"], "Rejected");
    // Monzo's place for the reason: Data/Initiation/SupplementaryData (Data itself is closed,
    // and the response still fits the spec).
    assert_eq!(
        payment["Data"]["Initiation"]["SupplementaryData"]["RejectionReason"],
        "Payment limits exceeded"
    );
    assert!(payment["Data"].get("SupplementaryData").is_none());
    let typed: monzo_model::payments::OBWriteDomesticResponse5 =
        serde_json::from_value(payment.clone()).unwrap();
    ob_model::Validate::validate(&typed).unwrap();
}

#[test]
fn payment_users_accounts_and_funds_are_checked() {
    let mut p = Payer::new();
    let app = p.app.clone();
    // An unknown user, or an account that is not the user's: refused at once.
    let mut unknown = initiation("1.00");
    unknown["SupplementaryData"]["UserID"] = json!("user_nobody");
    let (status, err, _) = p.post(
        "/domestic-payment-consents",
        &app,
        "u-1",
        &json!({"Data": {"Initiation": unknown}, "Risk": {}}),
        true,
    );
    assert_eq!(
        (status, code(&err)),
        (400, "UK.OBIE.Field.Invalid"),
        "{err}"
    );
    let mut foreign = initiation("1.00");
    foreign["SupplementaryData"]["AccountID"] = json!("acc_0000A4C4o66FCYJoERQhHN");
    let (status, err, _) = p.post(
        "/domestic-payment-consents",
        &app,
        "u-2",
        &json!({"Data": {"Initiation": foreign}, "Risk": {}}),
        true,
    );
    assert_eq!(
        (status, code(&err)),
        (400, "UK.OBIE.Field.Invalid"),
        "{err}"
    );
    // More than the account holds: the authorisation fails as Monzo's does.
    let mut light = initiation("9000.00");
    light["SupplementaryData"] = json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4wkPFE7x9at8Ujp", "AccountID": "acc_0000A4C4wz4Ail0f3sONTV"});
    let (status, c, _) = p.post(
        "/domestic-payment-consents",
        &app,
        "u-3",
        &json!({"Data": {"Initiation": light}, "Risk": {}}),
        true,
    );
    assert_eq!(status, 201, "{c}");
    let consent = c["Data"]["ConsentId"].as_str().unwrap().to_owned();
    let url = p.tpp.authorize_url_for(&consent, "openid payments");
    let resp = p
        .tpp
        .send(Request::get(url).body(Vec::new()).unwrap(), false);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    match ob_oidc::callback::parse_callback(&location, "st-1").unwrap_err() {
        ob_oidc::OidcError::AuthorizationDenied { error, description } => {
            assert_eq!(error, "access_denied");
            assert_eq!(
                description.as_deref(),
                Some("Insufficient funds in selected account to make requested payment.")
            );
        }
        other => panic!("{other:?}"),
    }
    // A token of the wrong kind or for another consent is refused.
    let consent = p.consent("5.00", "u-4");
    let token = p.authorise(&consent);
    let other = p.consent("6.00", "u-5");
    let (status, _) = p.tpp.json(
        "GET",
        &format!("{PISP}/domestic-payment-consents/{other}/funds-confirmation"),
        &token,
        None,
    );
    assert_eq!(status, 403);
    let (status, _) = p.tpp.json(
        "GET",
        &format!("{PISP}/domestic-payment-consents/{consent}/funds-confirmation"),
        &app,
        None,
    );
    assert_eq!(status, 403, "funds confirmation takes the consent's token");
}

/// A consent's `StatusUpdateDateTime` is when its status last changed (OBIE: "Date and time at
/// which the resource status was updated"): authorising a payment consent an hour after it was
/// made moves it on, and `CreationDateTime` stays.
#[test]
fn authorising_a_payment_consent_updates_its_status_time() {
    let mut p = Payer::new();
    let id = p.consent("1.00", "status-time");
    let app = p.app.clone();
    let path = format!("{PISP}/domestic-payment-consents/{id}");
    let (_, before) = p.tpp.json("GET", &path, &app, None);
    crate::clock::advance(&mut p.tpp, "PT1H");
    p.authorise(&id);
    let (status, after) = p.tpp.json("GET", &path, &app, None);
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["Data"]["Status"], "Authorised");
    assert_eq!(
        after["Data"]["CreationDateTime"],
        before["Data"]["CreationDateTime"]
    );
    let at = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["Data"]["StatusUpdateDateTime"].as_str().unwrap())
            .unwrap()
    };
    assert_eq!(at(&after) - at(&before), chrono::Duration::hours(1));
}

#[test]
fn the_sandbox_can_force_a_rejection_on_the_next_payment_only() {
    let mut p = Payer::new();
    let control = |p: &mut Payer, body: Value| {
        let req = Request::post(p.tpp.url("/open-banking/sandbox/payments/next-rejection"))
            .header("content-type", "application/json")
            .body(body.to_string().into_bytes())
            .unwrap();
        let resp = p.tpp.send(req, false);
        let v: Value = serde_json::from_slice(resp.body()).unwrap();
        (resp.status().as_u16(), v)
    };
    // Only Monzo's rejection texts.
    let (status, v) = control(&mut p, json!({"Reason": "Because"}));
    assert_eq!(status, 400, "{v}");
    assert!(
        v["Errors"][0]["Message"]
            .as_str()
            .unwrap()
            .contains("Insufficient funds"),
        "{v}"
    );
    let (status, v) = control(
        &mut p,
        json!({"Reason": "Additional security checks were not completed"}),
    );
    assert_eq!(
        (status, &v["Reason"]),
        (200, &json!("Additional security checks were not completed"))
    );
    assert_eq!(
        p.tpp.sandbox().next_rejection(),
        Some("Additional security checks were not completed")
    );
    // The next payment is rejected with it, though the account could pay.
    let consent = p.consent("1.00", "forced-1");
    let token = p.authorise(&consent);
    let (status, first) = p.pay(&consent, &token, "1.00", "forced-p1");
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["Data"]["Status"], "Rejected");
    assert_eq!(
        first["Data"]["Initiation"]["SupplementaryData"]["RejectionReason"],
        "Additional security checks were not completed"
    );
    // And only that one.
    assert_eq!(p.tpp.sandbox().next_rejection(), None);
    let consent2 = p.consent("1.00", "forced-2");
    let token2 = p.authorise(&consent2);
    let (_, second) = p.pay(&consent2, &token2, "1.00", "forced-p2");
    assert_ne!(second["Data"]["Status"], "Rejected", "{second}");
    // The console's views: each payment with the transaction it put on the account, and each
    // consent's history.
    let views = p.tpp.sandbox().payment_views();
    let id = first["Data"]["DomesticPaymentId"].as_str().unwrap();
    let rejected = views.iter().find(|v| v.id == id).unwrap();
    assert_eq!(
        rejected.rejection.as_deref(),
        Some("Additional security checks were not completed")
    );
    assert_eq!(rejected.amount, "1.00 GBP");
    assert_eq!(rejected.transactions.len(), 1);
    assert_eq!(rejected.transactions[0].1, "Rejected");
    let paid = views.iter().find(|v| v.consent_id == consent2).unwrap();
    assert_eq!(paid.transactions[0].1, "Booked");
    let now = p.tpp.now;
    let consents = p.tpp.sandbox().consent_views(now);
    let c = consents.iter().find(|c| c.id == consent).unwrap();
    let steps: Vec<&str> = c.history.iter().map(|s| s.1).collect();
    assert_eq!(steps, ["AwaitingAuthorisation", "Authorised", "Consumed"]);
    assert_eq!(c.status, "Consumed");
    assert!(c.authorised.is_some() && c.deadline.is_none() && !c.awaiting_decision);
}
