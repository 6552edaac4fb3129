//! The world moves with the sandbox clock: scheduled payments execute once at their date,
//! standing orders on Monzo's schedule until they end, and each execution, like every payment,
//! meets the account's daily limit and funds (refused ones listed as `Rejected`, with Monzo's
//! `RejectionReason` on the order).

use chrono::{DateTime, Duration, Months, TimeZone, Utc};
use http::Request;
use monzo_sandbox::seed::{Transaction, TxStatus};
use ob_oidc::token::{parse_token_response, prepare_client_credentials};
use serde_json::{json, Value};

use crate::clock::advance;
use crate::payment_kinds::{consent_and_order, creditor, valid, vrp_body, vrp_consent_body};
use crate::payments::Payer;
use crate::support::Tpp;

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
const LIGHT: &str = "user_0000A4C4wkPFE7x9at8Ujp";
const LIGHT_ACCOUNT: &str = "acc_0000A4C4wz4Ail0f3sONTV";

/// The account's transactions with this reference (the history keeps it upper-cased).
fn with_reference(tpp: &mut Tpp, account: &str, reference: &str) -> Vec<Transaction> {
    let (_, a) = tpp.sandbox().world().account(account).unwrap();
    a.transactions
        .iter()
        .filter(|t| t.raw_description == reference)
        .cloned()
        .collect()
}

fn scheduled(user: &str, account: &str, at: DateTime<Utc>, amount: &str, reference: &str) -> Value {
    json!({
        "Permission": "Create",
        "Initiation": {
            "InstructionIdentification": reference,
            "LocalInstrument": "UK.OBIE.FPS",
            "RequestedExecutionDateTime": at.to_rfc3339(),
            "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
            "CreditorAccount": creditor(),
            "RemittanceInformation": {"Reference": reference},
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": user, "AccountID": account}
        }
    })
}

/// A fresh client-credentials token for the payer (the clock may have run past the last
/// one's 30 hours).
pub(crate) fn fresh_app(p: &mut Payer) -> String {
    let req = prepare_client_credentials(
        &p.tpp.url("/open-banking/token"),
        &p.tpp.client_id.clone(),
        "payments",
    )
    .unwrap();
    let resp = p.tpp.send(req, true);
    let app = parse_token_response(&resp, p.tpp.now).unwrap();
    app.access_token.expose().to_owned()
}

/// `GET` a payment order.
fn order(p: &mut Payer, path: &str) -> Value {
    let app = fresh_app(p);
    let resp = p.tpp.send(
        Request::get(p.tpp.url(&format!("/open-banking/v3.1/pisp{path}")))
            .header("authorization", format!("Bearer {app}"))
            .body(Vec::new())
            .unwrap(),
        true,
    );
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    serde_json::from_slice(resp.body()).unwrap()
}

#[test]
fn a_monthly_standing_order_pays_twelve_times_on_its_days_and_stops() {
    let mut p = Payer::new();
    // The first payment on the 31st: the months without one are paid on their last day.
    let first = Utc.with_ymd_and_hms(2026, 12, 31, 8, 0, 0).unwrap();
    let data = json!({
        "Permission": "Create",
        "Initiation": {
            // Monzo ignores the day in the code and repeats from the first payment.
            "Frequency": "IntrvlMnthDay:01:15",
            "Reference": "GYM",
            "NumberOfPayments": "12",
            "FirstPaymentDateTime": first.to_rfc3339(),
            "FirstPaymentAmount": {"Amount": "30.00", "Currency": "GBP"},
            "CreditorAccount": creditor(),
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": HEAVY_ACCOUNT}
        }
    });
    let (_, made) = consent_and_order(
        &mut p,
        "/domestic-standing-order-consents",
        "/domestic-standing-orders",
        data,
        "gym",
    );
    assert!(with_reference(&mut p.tpp, HEAVY_ACCOUNT, "GYM").is_empty());
    // A month at a time for 14 months: each step makes the payments that fell due.
    let mut counts = Vec::new();
    for _ in 0..14 {
        advance(&mut p.tpp, "P1M");
        counts.push(with_reference(&mut p.tpp, HEAVY_ACCOUNT, "GYM").len());
    }
    assert_eq!(counts, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12]);
    let paid = with_reference(&mut p.tpp, HEAVY_ACCOUNT, "GYM");
    let expected: Vec<DateTime<Utc>> = (0..12)
        .map(|n| first.checked_add_months(Months::new(n)).unwrap())
        .collect();
    let dates: Vec<DateTime<Utc>> = paid.iter().map(|t| t.at).collect();
    assert_eq!(dates, expected);
    assert_eq!(
        dates[1],
        Utc.with_ymd_and_hms(2027, 1, 31, 8, 0, 0).unwrap()
    );
    assert_eq!(
        dates[2],
        Utc.with_ymd_and_hms(2027, 2, 28, 8, 0, 0).unwrap()
    );
    assert_eq!(
        dates[3],
        Utc.with_ymd_and_hms(2027, 3, 31, 8, 0, 0).unwrap()
    );
    assert!(paid
        .iter()
        .all(|t| t.status == TxStatus::Booked && !t.credit && t.amount.to_string() == "30.00"));
    // Account information: the order has ended.
    let id = made["Data"]["DomesticStandingOrderId"].as_str().unwrap();
    let tail = id.split_once('_').unwrap().1;
    let (_, account) = p.tpp.sandbox().world().account(HEAVY_ACCOUNT).unwrap();
    let so = account
        .standing_orders
        .iter()
        .find(|o| o.id == format!("so_{tail}"))
        .unwrap()
        .clone();
    assert_eq!(
        (so.paid, so.next_payment, so.last_payment),
        (12, None, Some(expected[11]))
    );
    let status = order(&mut p, &format!("/domestic-standing-orders/{id}"));
    assert_eq!(status["Data"]["Status"], "InitiationCompleted");
    assert!(
        status["Data"].get("SupplementaryData").is_none(),
        "{status}"
    );
}

#[test]
fn a_scheduled_payment_executes_once_at_its_date() {
    let mut p = Payer::new();
    let at = p.tpp.now + Duration::days(2);
    let (_, made) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        scheduled(HEAVY, HEAVY_ACCOUNT, at, "12.50", "ONCE"),
        "once",
    );
    advance(&mut p.tpp, "P1DT23H59M");
    assert!(with_reference(&mut p.tpp, HEAVY_ACCOUNT, "ONCE").is_empty());
    advance(&mut p.tpp, "PT1M");
    let paid = with_reference(&mut p.tpp, HEAVY_ACCOUNT, "ONCE");
    assert_eq!(paid.len(), 1);
    assert_eq!((paid[0].at, paid[0].status), (at, TxStatus::Booked));
    advance(&mut p.tpp, "P10D");
    assert_eq!(with_reference(&mut p.tpp, HEAVY_ACCOUNT, "ONCE").len(), 1);
    // No longer scheduled.
    let (_, account) = p.tpp.sandbox().world().account(HEAVY_ACCOUNT).unwrap();
    assert!(account
        .scheduled_payments
        .iter()
        .all(|s| s.reference != "ONCE"));
    let id = made["Data"]["DomesticScheduledPaymentId"].as_str().unwrap();
    let status = order(&mut p, &format!("/domestic-scheduled-payments/{id}"));
    assert_eq!(status["Data"]["Status"], "InitiationCompleted");
}

#[test]
fn executions_meet_the_funds_and_the_daily_limit() {
    let mut p = Payer::new();
    // Two payments of 60% of what the light user has, each affordable when authorised: when
    // they fall due the second finds too little, is rejected and listed, and moves no money.
    let balance = p
        .tpp
        .sandbox()
        .world()
        .account(LIGHT_ACCOUNT)
        .unwrap()
        .1
        .balance();
    let share = (balance * rust_decimal::Decimal::new(6, 1)).round_dp(2);
    assert!(share * rust_decimal::Decimal::TWO < rust_decimal::Decimal::from(10_000));
    let at = p.tpp.now + Duration::days(1);
    let (_, rent) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        scheduled(LIGHT, LIGHT_ACCOUNT, at, &share.to_string(), "RENT-L"),
        "rent-l",
    );
    let (_, broke) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        scheduled(
            LIGHT,
            LIGHT_ACCOUNT,
            at + Duration::minutes(1),
            &share.to_string(),
            "BROKE",
        ),
        "broke",
    );
    // Two payments of 6,000 on one day from the heavy user: the second is over £10,000.
    let (_, first) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        scheduled(HEAVY, HEAVY_ACCOUNT, at, "6000.00", "BIG-1"),
        "big-1",
    );
    let (_, second) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        scheduled(
            HEAVY,
            HEAVY_ACCOUNT,
            at + Duration::hours(1),
            "6000.00",
            "BIG-2",
        ),
        "big-2",
    );
    advance(&mut p.tpp, "P2D");
    let refused = with_reference(&mut p.tpp, LIGHT_ACCOUNT, "BROKE");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].status, TxStatus::Rejected);
    assert_eq!(refused[0].balance_after, balance - share);
    let (_, light) = p.tpp.sandbox().world().account(LIGHT_ACCOUNT).unwrap();
    assert_eq!(
        light.balance(),
        balance - share,
        "a rejected payment moves nothing"
    );
    let reason = |p: &mut Payer, made: &Value| {
        let id = made["Data"]["DomesticScheduledPaymentId"]
            .as_str()
            .unwrap()
            .to_owned();
        let got = order(p, &format!("/domestic-scheduled-payments/{id}"));
        valid::<monzo_model::payments::OBWriteDomesticScheduledResponse5>(&got);
        got["Data"]["Initiation"]["SupplementaryData"]["RejectionReason"].clone()
    };
    assert_eq!(reason(&mut p, &rent), Value::Null);
    assert_eq!(reason(&mut p, &broke), "Insufficient funds");
    assert_eq!(reason(&mut p, &first), Value::Null);
    assert_eq!(reason(&mut p, &second), "Payment limits exceeded");
    assert_eq!(
        with_reference(&mut p.tpp, HEAVY_ACCOUNT, "BIG-2")[0].status,
        TxStatus::Rejected
    );
    // The next UK day the limit starts again: a VRP of 6,000 goes through, a second is
    // rejected (it counts towards the same limit), and does not count towards the consent's.
    p.app = fresh_app(&mut p);
    let app = p.app.clone();
    let (status, consent, _) = p.post(
        "/domestic-vrp-consents",
        &app,
        "vrp-big",
        &vrp_consent_body("6000.00", "20000.00"),
        true,
    );
    assert_eq!(status, 201, "{consent}");
    let id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();
    let token = p.authorise(&id);
    let (status, ok, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-a",
        &vrp_body(&id, "6000.00"),
        true,
    );
    assert_eq!(
        (status, &ok["Data"]["Status"]),
        (201, &json!("AcceptedSettlementCompleted"))
    );
    let (status, over, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-b",
        &vrp_body(&id, "5000.00"),
        true,
    );
    assert_eq!(status, 201, "{over}");
    assert_eq!(over["Data"]["Status"], "Rejected");
    assert_eq!(over["Data"]["StatusReason"], "UK.OBIE.OtherReason");
    assert_eq!(
        over["Data"]["StatusReasonDescription"],
        "Payment limits exceeded"
    );
    assert_eq!(
        over["Data"]["Instruction"]["SupplementaryData"]["RejectionReason"],
        "Payment limits exceeded"
    );
    valid::<monzo_model::vrp::OBDomesticVRPResponse>(&over);
    let (status, fits, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-c",
        &vrp_body(&id, "4000.00"),
        true,
    );
    assert_eq!(
        (status, &fits["Data"]["Status"]),
        (201, &json!("AcceptedSettlementCompleted")),
        "{fits}"
    );
}

/// The sandbox's `DesiredRejectionReason` (this emulator's trigger for the reasons no real
/// cause produces here): every reason Monzo documents, with its exact text, on an immediate
/// payment; on a scheduled payment when it falls due; and on every VRP under a consent.
#[test]
fn every_rejection_reason_can_be_asked_for() {
    use monzo_sandbox::seed::World;
    use ob_consent::rejection::RejectionReason;
    let mut p = Payer::new();
    let balance = |w: &World| w.account(HEAVY_ACCOUNT).unwrap().1.balance();
    for (i, reason) in RejectionReason::ALL.into_iter().enumerate() {
        let before = balance(p.tpp.sandbox().world());
        let mut data = json!({
            "Initiation": {
                "InstructionIdentification": format!("R{i}"),
                "EndToEndIdentification": "E2E",
                "LocalInstrument": "UK.OBIE.FPS",
                "InstructedAmount": {"Amount": "1.00", "Currency": "GBP"},
                "CreditorAccount": creditor(),
                "RemittanceInformation": {"Reference": format!("R{i}")},
                "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": HEAVY_ACCOUNT, "DesiredRejectionReason": reason.text()}
            }
        });
        let (_, made) = consent_and_order(
            &mut p,
            "/domestic-payment-consents",
            "/domestic-payments",
            data.take(),
            &format!("r{i}"),
        );
        assert_eq!(made["Data"]["Status"], "Rejected", "{made}");
        assert_eq!(
            made["Data"]["Initiation"]["SupplementaryData"]["RejectionReason"],
            reason.text()
        );
        valid::<monzo_model::payments::OBWriteDomesticResponse5>(&made);
        assert_eq!(balance(p.tpp.sandbox().world()), before, "{reason}");
    }
    // Not one of Monzo's texts: refused with the rest of the body.
    let app = p.app.clone();
    let body = json!({"Data": {"Initiation": {
        "InstructionIdentification": "RX", "EndToEndIdentification": "E2E", "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": "1.00", "Currency": "GBP"}, "CreditorAccount": creditor(),
        "SupplementaryData": {"DesiredStatus": "Authorised", "DesiredRejectionReason": "insufficient funds"}}}, "Risk": {}});
    let (status, err, _) = p.post("/domestic-payment-consents", &app, "rx", &body, true);
    assert_eq!(status, 400, "{err}");
    assert_eq!(
        err["Errors"][0]["Path"],
        "Data.Initiation.SupplementaryData.DesiredRejectionReason"
    );

    // A scheduled payment meets its reason when it falls due.
    let at = p.tpp.now + Duration::days(1);
    let mut data = scheduled(HEAVY, HEAVY_ACCOUNT, at, "2.00", "FORCED");
    data["Initiation"]["SupplementaryData"]["DesiredRejectionReason"] =
        json!("FPS not acknowledged");
    let (_, made) = consent_and_order(
        &mut p,
        "/domestic-scheduled-payment-consents",
        "/domestic-scheduled-payments",
        data,
        "forced",
    );
    advance(&mut p.tpp, "P2D");
    assert_eq!(
        with_reference(&mut p.tpp, HEAVY_ACCOUNT, "FORCED")[0].status,
        TxStatus::Rejected
    );
    let id = made["Data"]["DomesticScheduledPaymentId"].as_str().unwrap();
    let got = order(&mut p, &format!("/domestic-scheduled-payments/{id}"));
    assert_eq!(
        got["Data"]["Initiation"]["SupplementaryData"]["RejectionReason"],
        "FPS not acknowledged"
    );

    // Every VRP under a consent asking for one.
    p.app = fresh_app(&mut p);
    let app = p.app.clone();
    let mut body = vrp_consent_body("50.00", "100.00");
    body["Data"]["ControlParameters"]["SupplementaryData"]["DesiredRejectionReason"] =
        json!("Scheme limits exceeded");
    let (status, consent, _) = p.post("/domestic-vrp-consents", &app, "vrp-forced", &body, true);
    assert_eq!(status, 201, "{consent}");
    let id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();
    let token = p.authorise(&id);
    let (status, made, _) = p.post(
        "/domestic-vrps",
        &token,
        "vrp-forced-1",
        &vrp_body(&id, "10.00"),
        true,
    );
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["Data"]["Status"], "Rejected");
    assert_eq!(
        made["Data"]["StatusReasonDescription"],
        "Scheme limits exceeded"
    );
    assert_eq!(
        vrp_rejection_reason(&made),
        Some("Scheme limits exceeded".to_owned())
    );
}

/// Where Monzo reports a VRP's rejection reason: `Data/Instruction/SupplementaryData`.
fn vrp_rejection_reason(vrp: &Value) -> Option<String> {
    vrp["Data"]["Instruction"]["SupplementaryData"]["RejectionReason"]
        .as_str()
        .map(str::to_owned)
}

/// The newest page of the heavy account's transactions, as a TPP reads it.
fn newest_page(tpp: &mut Tpp, token: &str) -> Vec<Value> {
    let (status, page) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/transactions?order=desc"),
        token,
        None,
    );
    assert_eq!(status, 200, "{page}");
    page["Data"]["Transaction"].as_array().unwrap().clone()
}

/// A page read before a settlement shows the settlement after it (the emulator keeps each
/// transaction's written text between pages): the same page a TPP that never read before gets.
#[test]
fn a_page_read_before_a_settlement_shows_it_after() {
    let shell = |page: &[Value]| -> Value {
        page.iter()
            .find(|t| t["SupplementaryData"]["RawTransactionDescription"] == "SHELL PAY AT PUMP")
            .cloned()
            .expect("the seeded pre-authorisation on the newest page")
    };
    let (mut reader, token) = Tpp::heavy_transactions_reader();
    let before = newest_page(&mut reader, &token);
    assert_eq!(shell(&before)["Status"], "Pending");
    assert_eq!(shell(&before)["Amount"]["Amount"], "99.0000");
    advance(&mut reader, "P1D");
    let after = newest_page(&mut reader, &token);
    assert_eq!(shell(&after)["Status"], "Booked");
    assert_eq!(shell(&after)["Amount"]["Amount"], "64.3700");
    assert_ne!(before, after);
    // Keeping the texts is no state: a read leaves the state's digest as it was.
    let digest = reader.sandbox().state_digest();
    assert_eq!(newest_page(&mut reader, &token), after);
    assert_eq!(reader.sandbox().state_digest(), digest);

    let (mut fresh, fresh_token) = Tpp::heavy_transactions_reader();
    advance(&mut fresh, "P1D");
    assert_eq!(newest_page(&mut fresh, &fresh_token), after);
}

/// Pending card payments settle two days on; a pump's pre-authorisation settles for what was
/// drawn, and the running balances move with the difference.
#[test]
fn pending_card_payments_settle_for_what_was_drawn() {
    let (mut tpp, _) = Tpp::heavy_transactions_reader();
    let shell = |tpp: &mut Tpp| {
        with_reference(tpp, HEAVY_ACCOUNT, "SHELL PAY AT PUMP")
            .pop()
            .expect("the seeded pre-authorisation")
    };
    let pending = shell(&mut tpp);
    assert_eq!(
        (pending.status, pending.amount.to_string()),
        (TxStatus::Pending, "99.00".to_owned())
    );
    let before = tpp
        .sandbox()
        .world()
        .account(HEAVY_ACCOUNT)
        .unwrap()
        .1
        .balance();
    advance(&mut tpp, "P1D");
    let settled = shell(&mut tpp);
    assert_eq!(
        (
            settled.status,
            settled.amount.to_string(),
            settled.settlement
        ),
        (TxStatus::Booked, "64.37".to_owned(), None)
    );
    let (_, account) = tpp.sandbox().world().account(HEAVY_ACCOUNT).unwrap();
    let after = account.balance();
    assert_eq!(after - before, rust_decimal::Decimal::new(34_63, 2));
    // Every running balance still follows the history.
    let mut running = rust_decimal::Decimal::ZERO;
    for t in &account.transactions {
        if t.status != TxStatus::Rejected {
            running += if t.credit { t.amount } else { -t.amount };
        }
        assert_eq!(t.balance_after, running, "{}", t.id);
    }
    // Two days after the end of the seed, every seeded pending payment has settled.
    assert!(account
        .transactions
        .iter()
        .all(|t| t.status != TxStatus::Pending));
}
