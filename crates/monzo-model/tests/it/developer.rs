//! The developer API's JSON: pot transfers read from the metadata budgeting tools export,
//! and documents with fields the types do not name decode and encode again without losing any.

use monzo_model::developer::{Balance, MerchantRef, PotList, TransactionList, WebhookEvent};
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn export() -> Value {
    json!({"transactions": [
        {
            "id": "tx_00009v1", "account_id": "acc_main", "amount": -5000, "currency": "GBP",
            "created": "2026-10-26T10:00:00.123Z", "description": "pot_0001",
            "scheme": "uk_retail_pot", "category": "savings", "settled": "2026-10-26T10:00:00.123Z",
            "include_in_spending": false, "originator": true, "counterparty": {},
            "metadata": {
                "pot_id": "pot_0001", "pot_account_id": "acc_pot1", "pot_deposit_id": "potdep_1",
                "trigger": "user", "external_id": "user_1:dedupe-1",
                "ledger_insertion_id": "entryset_1"
            },
            "labels": null, "attachments": null, "local_amount": -5000, "local_currency": "GBP"
        },
        {
            "id": "tx_00009v2", "amount": 1200, "currency": "GBP",
            "created": "2026-10-27T18:00:00Z", "description": "Holiday",
            "scheme": "uk_retail_pot", "settled": "",
            "metadata": {"pot_id": "pot_0002", "pot_withdrawal_id": "potwd_1"}
        },
        {
            "id": "tx_00009v3", "amount": -450, "currency": "GBP",
            "created": "2026-10-28T08:00:00Z", "description": "PRET A MANGER",
            "scheme": "mastercard", "category": "eating_out",
            "merchant": {"id": "merch_1", "name": "Pret A Manger", "category": "eating_out",
                         "logo": "https://x/logo.png", "address": {"city": "London"}},
            "metadata": {}
        },
        {
            "id": "tx_00009v4", "amount": -2000, "currency": "GBP",
            "created": "2026-10-29T08:00:00Z", "description": "pot_0001",
            "scheme": "uk_retail_pot", "decline_reason": "INSUFFICIENT_FUNDS",
            "metadata": {"pot_id": "pot_0001"}
        },
        {
            "id": "tx_00009v5", "amount": -100, "currency": "GBP",
            "created": "2026-10-29T09:00:00Z", "description": "Round up",
            "scheme": "uk_retail_pot", "merchant": "merch_2", "metadata": {}
        }
    ]})
}

#[test]
fn pot_transfers_come_from_the_metadata() {
    let list: TransactionList = serde_json::from_value(export()).unwrap();
    let transfers: Vec<_> = list
        .transactions
        .iter()
        .map(|t| t.pot_transfer().map(|p| (p.pot_id, p.into_pot)))
        .collect();
    assert_eq!(
        transfers,
        [
            Some(("pot_0001".to_owned(), Decimal::new(5000, 2))),
            Some(("pot_0002".to_owned(), Decimal::new(-1200, 2))),
            // A card payment, a declined transfer, and a transfer naming no pot.
            None,
            None,
            None,
        ]
    );
    let t = &list.transactions[0];
    assert_eq!(t.metadata.pot_account_id.as_deref(), Some("acc_pot1"));
    assert_eq!(t.metadata.other["external_id"], "user_1:dedupe-1");
    assert!(
        matches!(&list.transactions[2].merchant, Some(MerchantRef::Expanded(m)) if m.name == "Pret A Manger")
    );
    assert!(matches!(&list.transactions[4].merchant, Some(MerchantRef::Id(id)) if id == "merch_2"));
}

#[test]
fn nothing_is_lost_in_a_round_trip() {
    let doc = export();
    let list: TransactionList = serde_json::from_value(doc.clone()).unwrap();
    let again = serde_json::to_value(&list).unwrap();
    // Timestamps come back in one RFC 3339 form; everything else is as sent.
    let normalise = |mut v: Value| {
        for t in v["transactions"].as_array_mut().unwrap() {
            let created = t["created"].as_str().unwrap().to_owned();
            let parsed = chrono::DateTime::parse_from_rfc3339(&created).unwrap();
            t["created"] = json!(parsed.timestamp_millis());
            if t["metadata"] == json!({}) {
                t.as_object_mut().unwrap().remove("metadata");
            }
            if t["description"] == json!("") {
                t.as_object_mut().unwrap().remove("description");
            }
        }
        v
    };
    assert_eq!(normalise(again), normalise(doc));

    let pots = json!({"pots": [{
        "id": "pot_0001", "name": "Savings", "style": "beach_ball", "balance": 133700,
        "currency": "GBP", "created": "2024-01-01T09:00:00Z", "updated": "2026-10-26T10:00:00Z",
        "deleted": false, "type": "flexible_savings", "goal_amount": 500000,
        "current_account_id": "acc_main", "locked": false, "round_up": true,
        "isa_wrapper": "", "charity_id": "", "available_for_bills": true
    }]});
    let list: PotList = serde_json::from_value(pots.clone()).unwrap();
    assert_eq!(list.pots[0].balance_decimal(), Decimal::new(133700, 2));
    assert_eq!(list.pots[0].extra["available_for_bills"], json!(true));
    let back = serde_json::to_value(&list).unwrap();
    assert_eq!(back["pots"][0]["isa_wrapper"], "");
    assert_eq!(back["pots"][0]["type"], "flexible_savings");

    let balance: Balance = serde_json::from_value(json!({
        "balance": 5000, "total_balance": 138700, "currency": "GBP", "spend_today": -450,
        "local_currency": ""
    }))
    .unwrap();
    assert_eq!(balance.total_balance - balance.balance, 133700);

    let event: WebhookEvent = serde_json::from_value(json!({
        "type": "transaction.created",
        "data": export()["transactions"][0].clone()
    }))
    .unwrap();
    assert_eq!(event.data.pot_transfer().unwrap().pot_id, "pot_0001");
}
