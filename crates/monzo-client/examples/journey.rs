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

use monzo_client::{
    Client, ClientConfig, Endpoints, PaymentApi, Signed, Software, TransactionQuery,
};
use monzo_model::accounts::OBReadConsent1;
use monzo_model::payments::{OBWriteDomesticConsentResponse5, OBWriteDomesticResponse5};
use monzo_sandbox::server::ca::ClientSubject;
use serde_json::json;

const REDIRECT: &str = "https://tpp.example/callback";
const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "https://127.0.0.1:8443".into());
    let state = args.next().unwrap_or_else(|| ".monzo-sandbox".into());
    let software_id = format!("example-{}", std::process::id());
    let org_id = "0015800001EXAMPLE".to_owned();

    // Transport certificate from the emulator's development CA.
    let subject = ClientSubject {
        country: "GB".into(),
        organization: "Sandbox TPP".into(),
        organizational_unit: Some(org_id.clone()),
        organization_identifier: None,
        common_name: software_id.clone(),
    };
    let (cert, ca) =
        monzo_sandbox::server::issue_client_certificate_from_state(state.as_ref(), &subject)?;
    let client = Client::new(
        ClientConfig::new(Endpoints::local(&base))
            .identity_pem(cert.cert_pem, cert.key_pem)
            .root_ca_pem(ca)
            .aspsp_org_id("0015800001ZEc3hAAD"),
    )?;

    // A software statement from the emulator's directory, and two registrations.
    let software = Software {
        key: ob_jose::SigningKey::generate("example-key-1", 2048)?,
        org_id: org_id.clone(),
        software_id: software_id.clone(),
    };
    let jwks = ob_jose::Jwks {
        keys: vec![software.key.public_jwk()],
    };
    let statement = client
        .sandbox_software_statement(&software_id, &org_id, &[REDIRECT], &["AISP", "PISP"], &jwks)
        .await?;
    let mut clients = Vec::new();
    for (i, scope) in ["openid accounts", "openid payments"]
        .into_iter()
        .enumerate()
    {
        let request = ob_dcr::request::RegistrationRequest::uk(
            &statement.software_statement,
            &software_id,
            "0015800001ZEc3hAAD",
            vec![REDIRECT.into()],
            scope,
            &subject.dn(),
            &ob_dcr::uuid_v4([i as u8 + 7; 16]),
            chrono::Utc::now(),
        )?;
        let reg = client.register(&request.sign(&software.key)?).await?;
        let id = reg.client_id.map(|c| c.to_string()).unwrap_or_default();
        println!("registered {scope}: {id}");
        clients.push(id);
    }

    // Account information, authorised at once by the sandbox's DesiredStatus.
    let app = client.client_credentials(&clients[0], "accounts").await?;
    let consent: OBReadConsent1 = serde_json::from_value(json!({
        "Data": {
            "Permissions": ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
                "ReadTransactionsCredits", "ReadTransactionsDebits"],
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY}
        },
        "Risk": {}
    }))?;
    let created = client
        .create_account_access_consent(app.access_token.expose(), &consent)
        .await?;
    let consent_id = created.data.consent_id.to_string();
    let auth = client
        .authorization(
            &software,
            &clients[0],
            &consent_id,
            "openid accounts",
            REDIRECT,
        )
        .await?;
    let callback = client.follow_authorization(&auth).await?;
    let tokens = client.complete_authorization(&auth, &callback).await?;
    let at = tokens.access_token.expose();
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
            &software,
            PaymentApi::Domestic,
            app.access_token.expose(),
            &json!({"Data": {"Initiation": initiation}, "Risk": {}}),
        )
        .await?;
    let consent_id = consent.body.data.consent_id.to_string();
    let auth = client
        .authorization(
            &software,
            &clients[1],
            &consent_id,
            "openid payments",
            REDIRECT,
        )
        .await?;
    let callback = client.follow_authorization(&auth).await?;
    let tokens = client.complete_authorization(&auth, &callback).await?;
    let order = json!({"Data": {"ConsentId": consent_id, "Initiation": initiation}, "Risk": {}});
    let made: Signed<OBWriteDomesticResponse5> = client
        .create_payment_order(
            &software,
            PaymentApi::Domestic,
            tokens.access_token.expose(),
            &order,
            None,
        )
        .await?;
    println!(
        "payment {} {} (bank signature verified: {})",
        made.body.data.domestic_payment_id.as_str(),
        made.body.data.status.as_str(),
        made.verified
    );
    Ok(())
}
