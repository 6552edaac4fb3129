//! A whole account-information and payment journey against the local emulator, with nothing
//! to set up beyond starting it (README's first command, `cargo run -p monzo-sandbox`):
//!
//! ```text
//! cargo run -p monzo-client --example journey [-- https://127.0.0.1:8443 .monzo-sandbox]
//! ```
//!
//! It takes a client certificate from the emulator's development CA (in its state directory),
//! has the emulator's directory sign a software statement for a fresh key, registers, has the
//! heavy sandbox user authorise an account-access consent, reads accounts, balances with pots
//! and every page of transactions, then makes a signed, idempotent domestic payment.

mod common;

use common::{HEAVY, HEAVY_ACCOUNT};
use monzo_client::{PaymentApi, Signed, TransactionQuery};
use monzo_model::payments::{OBWriteDomesticConsentResponse5, OBWriteDomesticResponse5};
use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (base, state) = common::base_and_state();
    let tpp = common::connect(
        &base,
        &state,
        "example",
        &["AISP", "PISP"],
        &["openid accounts", "openid payments"],
    )
    .await?;
    let (client, software, clients) = (&tpp.client, &tpp.software, &tpp.client_ids);

    // Account information, authorised at once by the sandbox's DesiredStatus.
    let app = client.client_credentials(&clients[0], "accounts").await?;
    let token = tpp
        .heavy_accounts_token(&clients[0], &app.access_token)
        .await?;
    let at = &token;
    for account in client.accounts(at).await?.data.account.unwrap_or_default() {
        println!("account {}", account.account_id.as_str());
    }
    let balances = client.balances(at, HEAVY_ACCOUNT, true).await?;
    println!("{} balances", balances.data.balance.len());
    let transactions = client
        .transaction_pages(at, HEAVY_ACCOUNT, TransactionQuery::default())
        .collect_all()
        .await?;
    println!("{} transactions", transactions.len());

    // A domestic payment: signed consent, authorised, signed idempotent order.
    let initiation = json!({
        "InstructionIdentification": "EXAMPLE-1",
        "EndToEndIdentification": "EXAMPLE",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": "10.00", "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"},
        "RemittanceInformation": {"Reference": "EXAMPLE"},
        "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": HEAVY_ACCOUNT}
    });
    let app = client.client_credentials(&clients[1], "payments").await?;
    let consent: Signed<OBWriteDomesticConsentResponse5> = client
        .create_payment_consent(
            software,
            PaymentApi::Domestic,
            &app.access_token,
            &json!({"Data": {"Initiation": initiation}, "Risk": {}}),
        )
        .await?;
    let consent_id = consent.body.data.consent_id.to_string();
    let payment_token = tpp
        .authorise(&clients[1], &consent_id, "openid payments")
        .await?;
    let order = json!({"Data": {"ConsentId": consent_id, "Initiation": initiation}, "Risk": {}});
    let made: Signed<OBWriteDomesticResponse5> = client
        .create_payment_order(software, PaymentApi::Domestic, &payment_token, &order, None)
        .await?;
    println!(
        "payment {} {} (bank signature verified: {})",
        made.body.data.domestic_payment_id.as_str(),
        made.body.data.status.as_str(),
        made.verified
    );
    Ok(())
}
