//! Simulated pot activity and event notifications: a pot transaction made through the
//! sandbox control is booked as the bank would (pot and main account), served by the pot's
//! history, and announced to subscribed clients as a signed `resource-update` SET, pushed or
//! polled; subscriptions follow the OBIE Events API's rules.

use monzo_sandbox::core::RESOURCE_UPDATE;
use ob_jose::{jws, Jwks};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::support::Tpp;

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
const AISP: &str = "/open-banking/v3.1/aisp";
const HOLIDAY: &str = "pot_qNPfpR0002";
const HOUSE: &str = "pot_qNPfpR0005";

fn simulate(tpp: &mut Tpp, pot: &str, body: Value) -> (u16, Value) {
    tpp.json(
        "POST",
        &format!("/open-banking/sandbox/pots/{pot}/transactions"),
        "",
        Some(body),
    )
}

fn pot_balance(tpp: &mut Tpp, token: &str, pot: &str) -> Decimal {
    let (_, pots) = tpp.json("GET", &format!("{AISP}/pots"), token, None);
    let p = pots["Data"]["Pot"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["PotId"] == pot)
        .unwrap()
        .clone();
    p["Balance"]["Amount"].as_str().unwrap().parse().unwrap()
}

fn bank_jwks(tpp: &mut Tpp) -> Jwks {
    let (_, v) = tpp.json("GET", "/open-banking/jwks", "", None);
    serde_json::from_value(v).unwrap()
}

/// Verifies a SET with the bank's published keys and returns its claims.
fn verified_claims(tpp: &mut Tpp, set: &str) -> Value {
    let jwks = bank_jwks(tpp);
    let keys = jwks.verifying_keys().0;
    let verified = jws::verify(set, &keys).expect("the bank's signature");
    serde_json::from_slice(verified.payload()).unwrap()
}

#[test]
fn a_card_payment_from_a_pot_is_booked_served_and_polled_as_a_signed_event() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let app = tpp.app_token();
    let (status, sub) = tpp.json(
        "POST",
        "/open-banking/v3.1/event-subscriptions",
        &app,
        Some(json!({"Data": {"Version": "3.1.10", "EventTypes": [RESOURCE_UPDATE]}})),
    );
    assert_eq!(status, 201, "{sub}");
    assert!(sub["Data"]["EventSubscriptionId"].is_string());
    let (_, empty) = tpp.json("POST", "/open-banking/v3.1/events", &app, Some(json!({})));
    assert_eq!(empty, json!({"moreAvailable": false, "sets": {}}));

    let before = pot_balance(&mut tpp, &token, HOLIDAY);
    let (status, made) = simulate(
        &mut tpp,
        HOLIDAY,
        json!({"Source": "CardPayment", "Amount": "23.40", "Merchant": "easyJet", "MerchantCategoryCode": "4511"}),
    );
    assert_eq!(status, 201, "{made}");
    let ptx = &made["Data"]["PotTransaction"];
    assert_eq!(ptx["Source"], "CardPayment");
    assert_eq!(ptx["CreditDebitIndicator"], "Debit");
    assert_eq!(ptx["MerchantDetails"]["MerchantName"], "easyJet");
    let after = pot_balance(&mut tpp, &token, HOLIDAY);
    assert_eq!(after, before - Decimal::new(2340, 2));
    assert_eq!(
        ptx["Balance"]["Amount"]["Amount"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        after
    );
    // The main account: the automatic transfer from the pot (with its PotId), then the card
    // payment; they net to zero.
    let main_ids = made["Data"]["MainAccountTransactionIds"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(main_ids.len(), 2);
    let (_, txs) = tpp.json(
        "GET",
        &format!("{AISP}/accounts/{HEAVY_ACCOUNT}/transactions?order=desc"),
        &token,
        None,
    );
    let latest: Vec<&Value> = txs["Data"]["Transaction"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .collect();
    let codes: Vec<&str> = latest
        .iter()
        .map(|t| {
            t["ProprietaryBankTransactionCode"]["Code"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        codes.contains(&"uk_retail_pot") && codes.contains(&"mastercard"),
        "{codes:?}"
    );
    let transfer = latest
        .iter()
        .find(|t| t["SupplementaryData"]["PotId"] == HOLIDAY)
        .unwrap();
    assert_eq!(ptx["MainAccountTransactionId"], transfer["TransactionId"]);

    // The event: one SET, signed by the bank, for this client, naming the pot and the new
    // pot transaction.
    let (_, polled) = tpp.json("POST", "/open-banking/v3.1/events", &app, Some(json!({})));
    let sets = polled["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 1, "{polled}");
    let (jti, set) = sets.iter().next().unwrap();
    let claims = verified_claims(&mut tpp, set.as_str().unwrap());
    assert_eq!(claims["jti"], *jti);
    assert_eq!(claims["aud"], tpp.client_id);
    assert_eq!(claims["txn"], ptx["TransactionId"]);
    let subject = &claims["events"][RESOURCE_UPDATE]["subject"];
    assert_eq!(subject["http://openbanking.org.uk/rid"], HOLIDAY);
    assert_eq!(subject["http://openbanking.org.uk/rty"], "pot-transactions");
    assert_eq!(
        claims["sub"],
        subject["http://openbanking.org.uk/rlk"][0]["link"]
    );
    // The typed model of the notification accepts it.
    let typed: ob_model::event_notifications::OBEventNotification1 =
        serde_json::from_value(claims.clone()).unwrap();
    assert_eq!(typed.aud.as_str(), tpp.client_id);
    // The pot's own history has it, last.
    let (_, hist) = tpp.json(
        "GET",
        &format!("{AISP}/pots/{HOLIDAY}/transactions?order=desc"),
        &token,
        None,
    );
    assert_eq!(
        hist["Data"]["Transaction"][0]["TransactionId"],
        claims["txn"]
    );

    // Not acknowledged: offered again; acknowledged: gone.
    let (_, again) = tpp.json("POST", "/open-banking/v3.1/events", &app, Some(json!({})));
    assert_eq!(again["sets"].as_object().unwrap().len(), 1);
    let (_, acked) = tpp.json(
        "POST",
        "/open-banking/v3.1/events",
        &app,
        Some(json!({"ack": [jti]})),
    );
    assert_eq!(acked, json!({"moreAvailable": false, "sets": {}}));
    // Nothing was queued for pushing: the subscription has no callback.
    assert!(tpp.sandbox().take_deliveries().is_empty());
}

#[test]
fn every_source_keeps_every_balance_a_sum_and_the_rules_hold() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let cases = [
        json!({"Source": "TransferIn", "Amount": "100.00"}),
        json!({"Source": "RoundUp", "Amount": "0.63"}),
        json!({"Source": "Interest", "Amount": "1.07"}),
        json!({"Source": "DirectDebit", "Amount": "40.00", "Name": "Council Tax", "Reference": "CT-1"}),
        json!({"Source": "TransferOut", "Amount": "10.00"}),
    ];
    let mut expected = pot_balance(&mut tpp, &token, HOLIDAY);
    for body in cases {
        let (status, made) = simulate(&mut tpp, HOLIDAY, body.clone());
        assert_eq!(status, 201, "{body} {made}");
        let amount: Decimal = body["Amount"].as_str().unwrap().parse().unwrap();
        expected += if made["Data"]["PotTransaction"]["CreditDebitIndicator"] == "Credit" {
            amount
        } else {
            -amount
        };
        assert_eq!(pot_balance(&mut tpp, &token, HOLIDAY), expected, "{body}");
        let legs = made["Data"]["MainAccountTransactionIds"]
            .as_array()
            .unwrap()
            .len();
        let want = match body["Source"].as_str().unwrap() {
            "Interest" => 0,
            "DirectDebit" | "CardPayment" => 2,
            _ => 1,
        };
        assert_eq!(legs, want, "{body}");
    }
    // The main account's balance is still the sum of its transactions, and each pot's the sum
    // of its movements.
    let world = tpp.sandbox().world().clone();
    let (_, account) = world.account(HEAVY_ACCOUNT).unwrap();
    let sum: Decimal = account
        .transactions
        .iter()
        .map(|t| if t.credit { t.amount } else { -t.amount })
        .sum();
    assert_eq!(account.balance(), sum);
    assert_eq!(account.transactions.last().unwrap().balance_after, sum);

    // Refusals: a locked pot, more than the pot holds, bad amounts, unknown sources and pots.
    let refusals = [
        (
            HOUSE,
            json!({"Source": "TransferOut", "Amount": "1.00"}),
            "locked",
        ),
        (
            HOLIDAY,
            json!({"Source": "TransferOut", "Amount": "999999.00"}),
            "holds",
        ),
        (
            HOLIDAY,
            json!({"Source": "TransferIn", "Amount": "-5"}),
            "positive",
        ),
        (
            HOLIDAY,
            json!({"Source": "TransferIn", "Amount": "1.001"}),
            "two decimal",
        ),
        (
            HOLIDAY,
            json!({"Source": "TransferIn", "Amount": 5}),
            "as text",
        ),
        (
            HOLIDAY,
            json!({"Source": "Lottery", "Amount": "5.00"}),
            "expected TransferIn",
        ),
        (
            HOLIDAY,
            json!({"Source": "CardPayment", "Amount": "5.00"}),
            "Merchant",
        ),
        (
            HOLIDAY,
            json!({"Source": "CardPayment", "Amount": "5.00", "Merchant": "X", "MerchantCategoryCode": "12"}),
            "four digits",
        ),
        (
            "pot_nope",
            json!({"Source": "TransferIn", "Amount": "5.00"}),
            "pot not found",
        ),
    ];
    let before = pot_balance(&mut tpp, &token, HOLIDAY);
    for (pot, body, why) in refusals {
        let (status, err) = simulate(&mut tpp, pot, body.clone());
        assert_eq!(status, 400, "{body}");
        assert!(err.to_string().contains(why), "{body}: {err}");
    }
    assert_eq!(pot_balance(&mut tpp, &token, HOLIDAY), before);
}

#[test]
fn subscriptions_follow_the_events_api_and_push_to_the_callback() {
    let (mut tpp, _token) = Tpp::heavy_transactions_reader();
    let app = tpp.app_token();
    let path = "/open-banking/v3.1/event-subscriptions";
    // Refused: another event type, a callback that is not an http(s) URL, no token.
    let (status, err) = tpp.json(
        "POST",
        path,
        &app,
        Some(json!({"Data": {"Version": "3.1.10", "EventTypes": ["urn:uk:org:openbanking:events:consent-authorization-revoked"]}})),
    );
    assert_eq!(status, 400);
    assert!(
        err.to_string().contains("UK.OBIE.Unsupported.EventType"),
        "{err}"
    );
    let (status, _) = tpp.json(
        "POST",
        path,
        &app,
        Some(json!({"Data": {"Version": "3.1.10", "CallbackUrl": "ftp://tpp.example/cb"}})),
    );
    assert_eq!(status, 400);
    let (status, _) = tpp.json(
        "POST",
        path,
        "nope",
        Some(json!({"Data": {"Version": "3.1.10"}})),
    );
    assert_eq!(status, 401);

    let (status, sub) = tpp.json(
        "POST",
        path,
        &app,
        Some(json!({"Data": {"Version": "3.1.10", "CallbackUrl": "https://tpp.example/open-banking/v3.1"}})),
    );
    assert_eq!(status, 201, "{sub}");
    let id = sub["Data"]["EventSubscriptionId"]
        .as_str()
        .unwrap()
        .to_owned();
    // One per client.
    let (status, err) = tpp.json(
        "POST",
        path,
        &app,
        Some(json!({"Data": {"Version": "3.1.10"}})),
    );
    assert_eq!(status, 409, "{err}");
    let (_, list) = tpp.json("GET", path, &app, None);
    assert_eq!(
        list["Data"]["EventSubscription"][0]["EventSubscriptionId"],
        id.as_str()
    );

    // A pushed event: queued for the server to POST to {CallbackUrl}/event-notifications.
    let (status, made) = simulate(
        &mut tpp,
        HOLIDAY,
        json!({"Source": "TransferIn", "Amount": "5.00"}),
    );
    assert_eq!(status, 201, "{made}");
    let pushed = tpp.sandbox().take_deliveries();
    assert_eq!(pushed.len(), 1);
    assert_eq!(
        pushed[0].url,
        "https://tpp.example/open-banking/v3.1/event-notifications"
    );
    assert_eq!(pushed[0].client_id, tpp.client_id);
    let claims = verified_claims(&mut tpp, &pushed[0].set);
    assert_eq!(
        claims["txn"],
        made["Data"]["PotTransaction"]["TransactionId"]
    );
    // Pushed events are not also polled.
    let (_, polled) = tpp.json("POST", "/open-banking/v3.1/events", &app, Some(json!({})));
    assert_eq!(polled["sets"], json!({}));

    // PUT drops the callback: events now wait for polling, up to maxEvents at a time.
    let (status, changed) = tpp.json(
        "PUT",
        &format!("{path}/{id}"),
        &app,
        Some(json!({"Data": {"EventSubscriptionId": id, "Version": "3.1.10"}})),
    );
    assert_eq!(status, 200, "{changed}");
    assert!(changed["Data"].get("CallbackUrl").is_none());
    for _ in 0..3 {
        simulate(
            &mut tpp,
            HOLIDAY,
            json!({"Source": "Interest", "Amount": "0.01"}),
        );
    }
    assert!(tpp.sandbox().take_deliveries().is_empty());
    let (_, two) = tpp.json(
        "POST",
        "/open-banking/v3.1/events",
        &app,
        Some(json!({"maxEvents": 2})),
    );
    assert_eq!(two["sets"].as_object().unwrap().len(), 2);
    assert_eq!(two["moreAvailable"], true);
    let (_, none) = tpp.json(
        "POST",
        "/open-banking/v3.1/events",
        &app,
        Some(json!({"maxEvents": 0})),
    );
    assert_eq!(none["sets"], json!({}));
    assert_eq!(none["moreAvailable"], true);

    // Deleted: no more events for this client.
    let (status, _) = tpp.json("DELETE", &format!("{path}/{id}"), &app, None);
    assert_eq!(status, 204);
    simulate(
        &mut tpp,
        HOLIDAY,
        json!({"Source": "Interest", "Amount": "0.01"}),
    );
    assert!(tpp.sandbox().take_deliveries().is_empty());
    let (status, _) = tpp.json("DELETE", &format!("{path}/{id}"), &app, None);
    assert_eq!(status, 400);
}

#[test]
fn only_clients_that_may_read_the_pot_s_transactions_hear_of_them() {
    // A consent without transaction permissions: subscribed, but told nothing.
    let mut tpp = Tpp::register_in_process("openid accounts");
    let consent = tpp.consent(
        &["ReadAccountsDetail", "ReadBalances"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    tpp.authorise(&consent);
    let app = tpp.app_token();
    let (status, _) = tpp.json(
        "POST",
        "/open-banking/v3.1/event-subscriptions",
        &app,
        Some(json!({"Data": {"Version": "3.1.10"}})),
    );
    assert_eq!(status, 201);
    let (status, _) = simulate(
        &mut tpp,
        HOLIDAY,
        json!({"Source": "TransferIn", "Amount": "5.00"}),
    );
    assert_eq!(status, 201);
    let (_, polled) = tpp.json("POST", "/open-banking/v3.1/events", &app, Some(json!({})));
    assert_eq!(polled["sets"], json!({}));
}

/// A consent whose transaction window ended before the new transaction cannot read it, so its
/// client is told nothing; a client whose registration was deleted loses its subscription.
#[test]
fn no_events_outside_the_transaction_window_or_after_deregistration() {
    let mut tpp = Tpp::register_in_process("openid accounts");
    let app = tpp.app_token();
    let (status, created) = tpp.json(
        "POST",
        "/open-banking/v3.1/aisp/account-access-consents",
        &app,
        Some(json!({"Data": {
            "Permissions": ["ReadAccountsDetail", "ReadTransactionsDetail",
                "ReadTransactionsCredits", "ReadTransactionsDebits"],
            "TransactionToDateTime": "2026-10-01T00:00:00+00:00",
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY}
        }, "Risk": {}})),
    );
    assert_eq!(status, 201, "{created}");
    tpp.authorise(created["Data"]["ConsentId"].as_str().unwrap());
    let (status, _) = tpp.json(
        "POST",
        "/open-banking/v3.1/event-subscriptions",
        &app,
        Some(json!({"Data": {"Version": "3.1.10", "CallbackUrl": "http://127.0.0.1:9/cb"}})),
    );
    assert_eq!(status, 201);
    simulate(
        &mut tpp,
        HOLIDAY,
        json!({"Source": "Interest", "Amount": "0.01"}),
    );
    assert!(tpp.sandbox().take_deliveries().is_empty());

    // A consent that can read it: the client hears of the next one, until it is deleted.
    let consent = tpp.consent(
        &[
            "ReadAccountsDetail",
            "ReadTransactionsDetail",
            "ReadTransactionsCredits",
        ],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    tpp.authorise(&consent);
    simulate(
        &mut tpp,
        HOLIDAY,
        json!({"Source": "Interest", "Amount": "0.01"}),
    );
    assert_eq!(tpp.sandbox().take_deliveries().len(), 1);
    let client_id = tpp.client_id.clone();
    let (status, _) = tpp.json(
        "DELETE",
        &format!("/open-banking/register/{client_id}"),
        &app,
        None,
    );
    assert_eq!(status, 204);
    simulate(
        &mut tpp,
        HOLIDAY,
        json!({"Source": "Interest", "Amount": "0.01"}),
    );
    assert!(tpp.sandbox().take_deliveries().is_empty());
}

/// The `resource-update` SETs a client polls, as claims.
fn polled(tpp: &mut Tpp, app: &str) -> Vec<Value> {
    let (status, v) = tpp.json("POST", "/open-banking/v3.1/events", app, Some(json!({})));
    assert_eq!(status, 200, "{v}");
    let sets: Vec<String> = v["sets"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    sets.iter().map(|s| verified_claims(tpp, s)).collect()
}

fn subject(claims: &Value) -> (String, String) {
    let s = &claims["events"][RESOURCE_UPDATE]["subject"];
    (
        s["http://openbanking.org.uk/rty"]
            .as_str()
            .unwrap()
            .to_owned(),
        s["http://openbanking.org.uk/rid"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

/// What changes after its creation is announced as a `resource-update` on the resource: a
/// scheduled payment the bank refused when it fell due, a standing order cancelled because its
/// account closed, and an account-access consent whose account closed.
#[test]
fn changes_after_creation_are_announced_on_the_resource() {
    use crate::payment_kinds::{consent_and_order, creditor};
    use crate::payments::Payer;
    const JOINT: &str = "acc_0000A4C4ZJo1ntHannah01";
    let mut p = Payer::new();
    let app = p.app.clone();
    let (status, _) = p.tpp.json(
        "POST",
        "/open-banking/v3.1/event-subscriptions",
        &app,
        Some(json!({"Data": {"Version": "3.1.10"}})),
    );
    assert_eq!(status, 201);
    let supplementary = |reason: Option<&str>| {
        let mut s = json!({"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": JOINT});
        if let Some(r) = reason {
            s["DesiredRejectionReason"] = json!(r);
        }
        s
    };
    let at = p.tpp.now + chrono::Duration::hours(1);
    let (_, scheduled) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        json!({"Permission": "Create", "Initiation": {
            "InstructionIdentification": "EV-1", "LocalInstrument": "UK.OBIE.FPS",
            "RequestedExecutionDateTime": at.to_rfc3339(),
            "InstructedAmount": {"Amount": "1.00", "Currency": "GBP"},
            "CreditorAccount": creditor(), "RemittanceInformation": {"Reference": "EV-1"},
            "SupplementaryData": supplementary(Some("FPS not acknowledged"))}}),
        "ev-sp",
    );
    let first = (p.tpp.now + chrono::Duration::days(3)).to_rfc3339();
    let (_, standing) = consent_and_order(
        &mut p,
        "/domestic-standing-order-consents",
        "/domestic-standing-orders",
        json!({"Permission": "Create", "Initiation": {
            "Frequency": "EvryDay", "Reference": "EV-2",
            "FirstPaymentDateTime": first,
            "FirstPaymentAmount": {"Amount": "1.00", "Currency": "GBP"},
            "CreditorAccount": creditor(), "SupplementaryData": supplementary(None)}}),
        "ev-so",
    );
    assert!(polled(&mut p.tpp, &app).is_empty());
    // The scheduled payment falls due and is refused.
    crate::clock::advance(&mut p.tpp, "PT2H");
    let events = polled(&mut p.tpp, &app);
    assert_eq!(events.len(), 1, "{events:?}");
    let scheduled_id = scheduled["Data"]["DomesticScheduledPaymentId"]
        .as_str()
        .unwrap();
    assert_eq!(
        subject(&events[0]),
        (
            "domestic-scheduled-payments".to_owned(),
            scheduled_id.to_owned()
        )
    );
    assert!(events[0]["sub"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/domestic-scheduled-payments/{scheduled_id}")));
    assert_eq!(events[0]["toe"], json!(at.timestamp()));

    // An account-information client with a consent covering the joint account.
    // The same software (event subscriptions are signed by it), a client for accounts.
    let (reader, reader_dn) = p.tpp.register_software(
        crate::support::SOFTWARE_ID,
        crate::support::ORG_ID,
        "openid accounts",
    );
    let payer = (
        std::mem::replace(&mut p.tpp.client_id, reader),
        std::mem::replace(&mut p.tpp.dn, reader_dn),
    );
    let consent = p.tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    p.tpp.authorise(&consent);
    let reader_app = p.tpp.app_token();
    let (status, v) = p.tpp.json(
        "POST",
        "/open-banking/v3.1/event-subscriptions",
        &reader_app,
        Some(json!({"Data": {"Version": "3.1.10"}})),
    );
    assert_eq!(status, 201, "{v}");
    // The account closes: the standing order is cancelled, the consent's account changed.
    let (status, _) = p.tpp.json(
        "POST",
        &format!("/open-banking/sandbox/accounts/{JOINT}/close"),
        "",
        None,
    );
    assert_eq!(status, 200);
    let events = polled(&mut p.tpp, &reader_app);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        subject(&events[0]),
        ("account-access-consents".to_owned(), consent.clone())
    );
    (p.tpp.client_id, p.tpp.dn) = payer;
    // (The refused scheduled payment's event is still there: it was never acknowledged.)
    let mut subjects: Vec<(String, String)> =
        polled(&mut p.tpp, &app).iter().map(subject).collect();
    subjects.sort();
    let standing_id = standing["Data"]["DomesticStandingOrderId"]
        .as_str()
        .unwrap();
    assert_eq!(
        subjects,
        [
            (
                "domestic-scheduled-payments".to_owned(),
                scheduled_id.to_owned()
            ),
            (
                "domestic-standing-orders".to_owned(),
                standing_id.to_owned()
            )
        ]
    );
}

/// The customer withdraws the TPP's access in the app (OBIE: the consent's status unchanged,
/// its tokens revoked, re-authentication allowed): the tokens stop at once, a subscribed TPP
/// polls a `resource-update` on the consent, and authenticating again restores access.
#[test]
fn a_customer_revocation_stops_the_tokens_and_is_an_event_on_the_consent() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4ZChWNMEvew2U77"}),
    );
    let tokens = tpp.authorise(&consent);
    let at = tokens.access_token.expose().to_owned();
    let app = tpp.app_token();
    let (status, _) = tpp.json(
        "POST",
        "/open-banking/v3.1/event-subscriptions",
        &app,
        Some(json!({"Data": {"Version": "3.1.10", "EventTypes": [RESOURCE_UPDATE]}})),
    );
    assert_eq!(status, 201);
    let revoke = |tpp: &mut Tpp, id: &str| {
        let resp = tpp.send(
            http::Request::post(tpp.url(&format!(
                "/open-banking/sandbox/account-access-consents/{id}/revoke"
            )))
            .body(Vec::new())
            .unwrap(),
            false,
        );
        (
            resp.status().as_u16(),
            serde_json::from_slice::<Value>(resp.body()).unwrap_or(Value::Null),
        )
    };
    let (status, answer) = revoke(&mut tpp, &consent);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["Data"]["TokensRevoked"], true);
    // The access token and the refresh token are gone; the consent is still Authorised.
    let (status, _) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    assert_eq!(status, 401);
    let resp = tpp.send(
        ob_oidc::token::prepare_refresh(
            &tpp.url("/open-banking/token"),
            &tpp.client_id.clone(),
            tokens.refresh_token.as_ref().unwrap(),
        )
        .unwrap(),
        true,
    );
    assert_eq!(resp.status(), 400);
    let (_, c) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/account-access-consents/{consent}"),
        &app,
        None,
    );
    assert_eq!(c["Data"]["Status"], "Authorised");
    // The TPP hears of it on the consent.
    let (_, polled) = tpp.json("POST", "/open-banking/v3.1/events", &app, Some(json!({})));
    let sets = polled["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 1, "{polled}");
    let claims = verified_claims(&mut tpp, sets.values().next().unwrap().as_str().unwrap());
    let subject = &claims["events"][RESOURCE_UPDATE]["subject"];
    assert_eq!(
        subject["subject_type"],
        "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty"
    );
    assert_eq!(subject["http://openbanking.org.uk/rid"], consent.as_str());
    assert_eq!(
        subject["http://openbanking.org.uk/rty"],
        "account-access-consents"
    );
    // Authenticating again gives access back.
    let again = tpp.authorise(&consent).access_token.expose().to_owned();
    let (status, _) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &again, None);
    assert_eq!(status, 200);
    // Only an authorised consent has access to withdraw.
    let pending = tpp.consent(&["ReadAccountsBasic"], Value::Null);
    let before = tpp.sandbox().state_digest();
    let (status, err) = revoke(&mut tpp, &pending);
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["Errors"][0]["ErrorCode"], "UK.OBIE.Resource.NotFound");
    let (status, _) = revoke(&mut tpp, "aac_unknown");
    assert_eq!(status, 400);
    assert_eq!(tpp.sandbox().state_digest(), before);
}
