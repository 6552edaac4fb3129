//! A budgeting tool's view of Monzo pots, against the local emulator (README's first command,
//! `cargo run -p monzo-sandbox`, then):
//!
//! ```text
//! cargo run -p monzo-client --example pot_budget [-- https://127.0.0.1:8443 .monzo-sandbox]
//! ```
//!
//! 1. Full mode, with the proposed `GET /pots/{PotId}/transactions` (served by the emulator,
//!    not live at Monzo): every pot's complete history, reconciled to the penny against the
//!    balance `GET /pots` states.
//! 2. A webhook: it subscribes to event notifications with a callback on a loopback port, a
//!    card payment is made with the Holiday pot's virtual card (the emulator's sandbox
//!    control), the bank pushes a signed `resource-update`, the example verifies it, reads the
//!    new pot transaction and reconciles again.
//! 3. Today's-data mode, on what Monzo serves now: the main account's `uk_retail_pot`
//!    transfers (read by pot name, without the proposed `PotId`) and each pot's balance, with
//!    what the transfers leave unexplained named per interval.
//!
//! It exits with an error if any pot does not reconcile or the webhook does not arrive.

mod common;

use std::time::Duration;

use common::HEAVY_ACCOUNT;
use monzo_client::{TransactionQuery, RESOURCE_UPDATE};
use monzo_model::accounts::OBPot1;
use pot_ledger::partial::{from_open_banking, infer, open_banking_snapshots, pot_names};
use pot_ledger::{reconcile, report, Entry, Reconciliation, Statement};
use rust_decimal::Decimal;
use serde_json::json;

/// Full mode: every pot's history, checked against every balance it states and against the
/// pot's balance now.
async fn reconcile_pots(
    client: &monzo_client::Client,
    token: &monzo_client::AccessToken,
    pots: &[OBPot1],
) -> Result<Reconciliation, Box<dyn std::error::Error>> {
    let mut entries = Vec::new();
    let mut statements = Vec::new();
    let now = chrono::Utc::now();
    for pot in pots {
        let history = client
            .pot_transactions(token, pot.pot_id.as_str(), &TransactionQuery::default())
            .await?;
        for tx in &history {
            entries.push(Entry::from_pot_transaction(tx)?);
        }
        let balance: Decimal = pot.balance.amount.value();
        statements.push(Statement::new(pot.pot_id.as_str(), Decimal::ZERO).closing(now, balance));
    }
    Ok(reconcile(entries, statements))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (base, state) = common::base_and_state();
    let tpp = common::connect(&base, &state, "pot-budget", &["AISP"], &["openid accounts"]).await?;
    let client = &tpp.client;
    let client_id = &tpp.client_ids[0];

    let app = client.client_credentials(client_id, "accounts").await?;
    let app = app.access_token.clone();
    let token = tpp.heavy_accounts_token(client_id, &app).await?;

    // 1. Full mode.
    let pots = client.pots(&token).await?.data.pot;
    let result = reconcile_pots(client, &token, &pots).await?;
    println!(
        "== every pot's history, reconciled ==\n{}",
        report::text(&result)
    );
    if !result.is_reconciled() {
        return Err("a pot did not reconcile".into());
    }

    // 2. A webhook for a new pot transaction.
    let mut receiver = common::webhook::start().await?;
    let subscription = client
        .create_event_subscription(
            &tpp.software,
            &app,
            Some(&receiver.callback_url),
            &[RESOURCE_UPDATE],
        )
        .await?;
    println!(
        "subscribed {} with callback {}",
        subscription.data.event_subscription_id.as_str(),
        receiver.callback_url
    );
    let holiday = pots
        .iter()
        .find(|p| p.name.as_ref().is_some_and(|n| n.as_str() == "Holiday"))
        .ok_or("the heavy user has a Holiday pot")?;
    // A run before this one may have spent the pot: move money in first when it is short.
    let spend = Decimal::new(1875, 2);
    if holiday.balance.amount.value() < spend {
        client
            .sandbox_pot_transaction(
                holiday.pot_id.as_str(),
                &json!({"Source": "TransferIn", "Amount": "50.00"}),
            )
            .await?;
        println!("moved 50.00 into the Holiday pot first");
        // That transfer is announced too: wait for its notification and let it pass.
        tokio::time::timeout(Duration::from_secs(15), receiver.sets.recv())
            .await
            .map_err(|_| "no event notification within 15 s")?;
    }
    let made = client
        .sandbox_pot_transaction(
            holiday.pot_id.as_str(),
            &json!({"Source": "CardPayment", "Amount": "18.75", "Merchant": "Trainline", "MerchantCategoryCode": "4112"}),
        )
        .await?;
    println!(
        "made a card payment of 18.75 with the Holiday pot's virtual card: {}",
        made["Data"]["PotTransaction"]["TransactionId"]
    );
    let set = tokio::time::timeout(Duration::from_secs(15), receiver.sets.recv())
        .await
        .map_err(|_| "no event notification within 15 s")?
        .ok_or("the webhook receiver stopped")?;
    let event = client.verify_event_notification(&set, client_id).await?;
    // This run's receiver stops with it: later pot transactions need not be pushed here.
    client
        .delete_event_subscription(&app, subscription.data.event_subscription_id.as_str())
        .await?;
    println!(
        "webhook: {} of {} {} (transaction {}), signed by the bank, read it at {}",
        RESOURCE_UPDATE, event.resource_type, event.resource_id, event.txn, event.link
    );
    let latest = client
        .pot_transactions(&token, &event.resource_id, &TransactionQuery::default())
        .await?;
    let new = latest
        .iter()
        .find(|t| {
            t.transaction_id
                .as_ref()
                .is_some_and(|i| i.as_str() == event.txn)
        })
        .ok_or("the pot's history has the new transaction")?;
    println!(
        "  {} {} {} {}",
        new.booking_date_time.utc(),
        new.source.as_str(),
        new.amount.amount.value(),
        new.transaction_information
            .as_ref()
            .map_or("", |i| i.as_str())
    );
    let pots = client.pots(&token).await?.data.pot;
    let result = reconcile_pots(client, &token, &pots).await?;
    println!(
        "after the webhook: {}",
        if result.is_reconciled() {
            "every pot still reconciles to the penny"
        } else {
            "BREAK"
        }
    );
    if !result.is_reconciled() {
        return Err(report::text(&result).into());
    }

    // 3. Today's-data mode: main-account transactions as Monzo serves them now, without the
    //    proposed PotId, and the pots' balances.
    let mut main = client
        .transaction_pages(&token, HEAVY_ACCOUNT, TransactionQuery::default())
        .collect_all()
        .await?;
    for t in &mut main {
        if let Some(s) = t.supplementary_data.as_mut() {
            s.pot_id = None;
        }
    }
    let extracted = from_open_banking(&main, &pot_names(&pots));
    for s in &extracted.skipped {
        println!("skipped {}: {}", s.id, s.reason);
    }
    let inference = infer(
        extracted.transfers,
        open_banking_snapshots(&pots, chrono::Utc::now()),
    );
    println!(
        "== today's data: {} main-account transactions ==\n{}",
        main.len(),
        report::partial::text(&inference)
    );
    Ok(())
}
