//! Every account type Monzo has, with its description and payment limit (personal and joint
//! £10,000, sole trader £25,000, limited company £50,000 a day), and the sandbox controls
//! that close an account (still listed, `Deleted`, its orders cancelled) or a pot (no longer
//! listed, what it held back in the main account).

use http::Request;
use monzo_model::accounts::OBReadAccount6;
use serde_json::{json, Value};

use crate::payment_kinds::{consent_and_order, creditor, valid};
use crate::payments::Payer;
use crate::support::Tpp;

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const MEDIUM: &str = "user_0000A4C4nqORb7K9YYW3r0";
const LIGHT: &str = "user_0000A4C4wkPFE7x9at8Ujp";
const JOINT: &str = "acc_0000A4C4ZJo1ntHannah01";
const SOLE_TRADER: &str = "acc_0000A4C4oS0leTrader001";
const LIMITED: &str = "acc_0000A4C4wL1m1tedCo0001";

/// The accounts a user's consent shows.
fn accounts_of(tpp: &mut Tpp, user: &str) -> Value {
    let consent = tpp.consent(
        &["ReadAccountsDetail", "ReadBalances"],
        json!({"DesiredStatus": "Authorised", "UserID": user}),
    );
    let token = tpp.authorise(&consent).access_token.expose().to_owned();
    let (status, accounts) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &token, None);
    assert_eq!(status, 200, "{accounts}");
    valid::<OBReadAccount6>(&accounts);
    accounts
}

fn listed<'a>(accounts: &'a Value, id: &str) -> &'a Value {
    accounts["Data"]["Account"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AccountId"] == id)
        .unwrap_or_else(|| panic!("{id} listed: {accounts}"))
}

fn pay(p: &mut Payer, user: &str, account: &str, amount: &str, key: &str) -> Value {
    let data = json!({"Initiation": {
        "InstructionIdentification": key,
        "EndToEndIdentification": "E2E",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
        "CreditorAccount": creditor(),
        "RemittanceInformation": {"Reference": key},
        "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": user, "AccountID": account}
    }});
    consent_and_order(
        p,
        "/domestic-payment-consents",
        "/domestic-payments",
        data,
        key,
    )
    .1
}

#[test]
fn every_account_type_has_monzo_s_description_and_limit() {
    let mut tpp = Tpp::register();
    for (user, id, kind, description) in [
        (HEAVY, JOINT, "Personal", "Joint Account"),
        (MEDIUM, SOLE_TRADER, "Business", "Sole Trader"),
        (LIGHT, LIMITED, "Business", "Private Limited Company"),
    ] {
        let accounts = accounts_of(&mut tpp, user);
        let a = listed(&accounts, id);
        assert_eq!(
            (
                a["AccountType"].as_str(),
                a["Description"].as_str(),
                a["Status"].as_str()
            ),
            (Some(kind), Some(description), Some("Enabled")),
            "{a}"
        );
        assert_eq!(a["AccountSubType"], "CurrentAccount");
    }
    // £20,000 in a day: over a personal account's limit, within a sole trader's.
    let mut p = Payer::new();
    let personal = pay(
        &mut p,
        HEAVY,
        "acc_0000A4C4ZSskDOixqNPfpR",
        "20000.00",
        "p-20k",
    );
    assert_eq!(personal["Data"]["Status"], "Rejected", "{personal}");
    assert_eq!(
        personal["Data"]["Initiation"]["SupplementaryData"]["RejectionReason"],
        "Payment limits exceeded"
    );
    let sole = pay(&mut p, MEDIUM, SOLE_TRADER, "20000.00", "s-20k");
    assert_eq!(
        sole["Data"]["Status"], "AcceptedSettlementCompleted",
        "{sole}"
    );
    let sole = pay(&mut p, MEDIUM, SOLE_TRADER, "5000.01", "s-5k");
    assert_eq!(sole["Data"]["Status"], "Rejected", "over £25,000: {sole}");
    // A limited company: £45,000, then £5,000.01 more is over £50,000.
    let ltd = pay(&mut p, LIGHT, LIMITED, "45000.00", "l-45k");
    assert_eq!(
        ltd["Data"]["Status"], "AcceptedSettlementCompleted",
        "{ltd}"
    );
    let ltd = pay(&mut p, LIGHT, LIMITED, "5000.01", "l-5k");
    assert_eq!(ltd["Data"]["Status"], "Rejected", "{ltd}");
    assert_eq!(
        ltd["Data"]["Initiation"]["SupplementaryData"]["RejectionReason"],
        "Payment limits exceeded"
    );
}

fn control(tpp: &mut Tpp, path: &str) -> (u16, Value) {
    let resp = tpp.send(
        Request::post(tpp.url(&format!("/open-banking/sandbox/{path}")))
            .body(Vec::new())
            .unwrap(),
        false,
    );
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body()).unwrap_or(Value::Null),
    )
}

#[test]
fn a_closed_account_is_still_listed_and_pays_nothing_more() {
    let mut p = Payer::new();
    // A standing order from the joint account, then the account is closed.
    let first = p.tpp.now + chrono::Duration::days(2);
    let data = json!({"Permission": "Create", "Initiation": {
        "Frequency": "EvryDay", "Reference": "JOINT-SO",
        "FirstPaymentDateTime": first.to_rfc3339(),
        "FirstPaymentAmount": {"Amount": "5.00", "Currency": "GBP"},
        "CreditorAccount": creditor(),
        "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": JOINT}}});
    let (_, order) = consent_and_order(
        &mut p,
        "/domestic-standing-order-consents",
        "/domestic-standing-orders",
        data,
        "joint-so",
    );
    let (status, closed) = control(&mut p.tpp, &format!("accounts/{JOINT}/close"));
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["Data"]["Status"], "Deleted");
    assert_eq!(closed["Data"]["Cancelled"].as_array().unwrap().len(), 1);
    // Closing it again: it is not there to close.
    let (status, again) = control(&mut p.tpp, &format!("accounts/{JOINT}/close"));
    assert_eq!(
        (status, &again["Errors"][0]["ErrorCode"]),
        (400, &json!("UK.OBIE.Resource.NotFound"))
    );
    // Nothing more leaves it.
    let before = p
        .tpp
        .sandbox()
        .world()
        .account(JOINT)
        .unwrap()
        .1
        .transactions
        .len();
    crate::clock::advance(&mut p.tpp, "P5D");
    let (_, joint) = p.tpp.sandbox().world().account(JOINT).unwrap();
    assert_eq!(joint.transactions.len(), before);
    // Its order answers Cancelled.
    let id = order["Data"]["DomesticStandingOrderId"]
        .as_str()
        .unwrap()
        .to_owned();
    let app = crate::execution::fresh_app(&mut p);
    let resp = p.tpp.send(
        Request::get(p.tpp.url(&format!(
            "/open-banking/v3.1/pisp/domestic-standing-orders/{id}"
        )))
        .header("authorization", format!("Bearer {app}"))
        .body(Vec::new())
        .unwrap(),
        true,
    );
    let read: Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(resp.status(), 200, "{read}");
    assert_eq!(read["Data"]["Status"], "Cancelled");
    valid::<monzo_model::payments::OBWriteDomesticStandingOrderResponse6>(&read);
    // Account information still lists the account, Deleted since it closed.
    let (reader, reader_dn) =
        p.tpp
            .register_software("closed-reader", "0015800001CLOSED", "openid accounts");
    p.tpp.dn = reader_dn;
    p.tpp.client_id = reader;
    let accounts = accounts_of(&mut p.tpp, HEAVY);
    let a = listed(&accounts, JOINT);
    assert_eq!(a["Status"], "Deleted", "{a}");
    assert_eq!(
        a["StatusUpdateDateTime"],
        closed["Data"]["StatusUpdateDateTime"]
    );
}

#[test]
fn a_closed_pot_is_no_longer_listed_and_its_money_is_back() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let pots = |tpp: &mut Tpp| {
        let (status, v) = tpp.json("GET", "/open-banking/v3.1/aisp/pots", &token, None);
        assert_eq!(status, 200, "{v}");
        v["Data"]["Pot"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["PotId"].as_str().unwrap().to_owned(),
                    p["Balance"]["Amount"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let listed = pots(&mut tpp);
    let (pot, held) = listed
        .iter()
        .find(|(_, amount)| amount != "0.0000")
        .cloned()
        .unwrap();
    let main_before = tpp
        .sandbox()
        .world()
        .account("acc_0000A4C4ZSskDOixqNPfpR")
        .unwrap()
        .1
        .balance();
    let (status, closed) = control(&mut tpp, &format!("pots/{pot}/close"));
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["Data"]["Status"], "Closed");
    assert_eq!(
        closed["Data"]["Transfer"]["PotTransaction"]["Amount"]["Amount"],
        held.as_str()
    );
    let after = pots(&mut tpp);
    assert_eq!(after.len(), listed.len() - 1);
    assert!(after.iter().all(|(id, _)| *id != pot));
    let main_after = tpp
        .sandbox()
        .world()
        .account("acc_0000A4C4ZSskDOixqNPfpR")
        .unwrap()
        .1
        .balance();
    assert_eq!(
        main_after - main_before,
        held.parse::<rust_decimal::Decimal>().unwrap()
    );
    // Its history stays readable (the proposal); it cannot be closed or used again.
    let (status, history) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/pots/{pot}/transactions"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{history}");
    let (status, _) = control(&mut tpp, &format!("pots/{pot}/close"));
    assert_eq!(status, 400);
    let resp = tpp.send(
        Request::post(tpp.url(&format!("/open-banking/sandbox/pots/{pot}/transactions")))
            .body(
                json!({"Source": "TransferIn", "Amount": "1.00"})
                    .to_string()
                    .into_bytes(),
            )
            .unwrap(),
        false,
    );
    assert_eq!(resp.status(), 400);
    // A locked pot cannot be closed.
    let locked = tpp
        .sandbox()
        .world()
        .account("acc_0000A4C4ZSskDOixqNPfpR")
        .unwrap()
        .1
        .pots
        .iter()
        .find(|p| p.locked_until.is_some())
        .map(|p| p.id.clone())
        .unwrap();
    let (status, err) = control(&mut tpp, &format!("pots/{locked}/close"));
    assert_eq!((status, &err["Errors"][0]["Path"]), (400, &json!("PotId")));
}
