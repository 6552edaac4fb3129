//! The journeys.

use std::collections::HashSet;
use std::sync::Arc;

use monzo_client::{
    AccessToken, Client, ClientConfig, ClientError, Endpoints, PaymentApi, Software,
    TransactionQuery,
};
use monzo_model::accounts::{OBReadConsent1, OBReadConsent1DataPermissions as P};
use monzo_model::payments::{OBWriteDomesticConsentResponse5, OBWriteDomesticResponse5};
use monzo_sandbox::server::ca::ClientSubject;
use monzo_sandbox::server::{start, Options, Running, StateLocation};
use ob_dcr::request::RegistrationRequest;
use ob_jose::{Jwks, SigningKey};
use serde_json::{json, Value};

const REDIRECT: &str = "https://tpp.example/callback";
const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
const ORG: &str = "0015800001TESTORG";

pub(crate) struct Tpp {
    _server: Running,
    pub(crate) client: Client,
    pub(crate) software: Software,
    pub(crate) accounts_client: String,
    payments_client: String,
}

/// Starts an emulator, enrols a software with its directory, and registers it twice (accounts,
/// payments) over mutual TLS.
pub(crate) async fn setup(software_id: &str) -> Tpp {
    setup_with(software_id, 100).await
}

/// As [`setup`], with the emulator allowing `per_second` requests per organisation.
async fn setup_with(software_id: &str, per_second: u32) -> Tpp {
    let mut options = Options::new("127.0.0.1:0".parse().unwrap(), StateLocation::Memory);
    options.rate_limit_per_second = per_second;
    let server = start(options).await.unwrap();
    let subject = ClientSubject {
        country: "GB".into(),
        organization: "Sandbox TPP".into(),
        organizational_unit: Some(ORG.into()),
        organization_identifier: None,
        common_name: software_id.into(),
    };
    let issued = server.issue_client_certificate(&subject).unwrap();
    let config = ClientConfig::new(Endpoints::local(&server.base_url))
        .identity_pem(issued.cert_pem.clone(), issued.key_pem.clone())
        .root_ca_pem(server.ca_cert_pem().to_owned())
        .aspsp_org_id("0015800001ZEc3hAAD");
    let client = Client::new(config).unwrap();
    let software = Software {
        key: SigningKey::generate("tpp-key-1", 2048).unwrap(),
        org_id: ORG.into(),
        software_id: software_id.into(),
    };
    let jwks = Jwks {
        keys: vec![software.key.public_jwk()],
    };
    let statement = client
        .sandbox_software_statement(software_id, ORG, &[REDIRECT], &["AISP", "PISP"], &jwks)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (i, scope) in ["openid accounts", "openid payments"].iter().enumerate() {
        let request = RegistrationRequest::uk(
            ob_dcr::request::RegistrationParams {
                software_statement: &statement.software_statement,
                software_id,
                aud: "0015800001ZEc3hAAD",
                redirect_uris: vec![REDIRECT.into()],
                tls_client_auth_subject_dn: &subject.dn(),
                jti: &ob_dcr::uuid_v4([i as u8 + 1; 16]),
            },
            scope,
            chrono::Utc::now(),
        )
        .unwrap();
        let reg = client
            .register(&request.sign(&software.key).unwrap())
            .await
            .unwrap();
        ids.push(reg.client_id.unwrap().to_string());
    }
    Tpp {
        _server: server,
        client,
        software,
        accounts_client: ids[0].clone(),
        payments_client: ids[1].clone(),
    }
}

/// Creates an account-access consent authorised for the heavy user and returns its tokens.
pub(crate) async fn authorised_accounts(t: &Tpp) -> monzo_client::TokenResponse {
    let app = t
        .client
        .client_credentials(&t.accounts_client, "accounts")
        .await
        .unwrap();
    let consent: OBReadConsent1 = serde_json::from_value(json!({
        "Data": {
            "Permissions": [P::ReadAccountsDetail, P::ReadBalances, P::ReadTransactionsDetail,
                P::ReadTransactionsCredits, P::ReadTransactionsDebits],
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY}
        },
        "Risk": {}
    }))
    .unwrap();
    let created = t
        .client
        .create_account_access_consent(&app.access_token, &consent)
        .await
        .unwrap();
    let id = created.data.consent_id.to_string();
    let auth = t
        .client
        .authorization(
            &t.software,
            &t.accounts_client,
            &id,
            "openid accounts",
            REDIRECT,
        )
        .await
        .unwrap();
    let callback = t.client.follow_authorization(&auth).await.unwrap();
    t.client
        .complete_authorization(&auth, &callback)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_information_from_registration_to_every_page() {
    let t = setup("client-ais-1").await;
    let tokens = authorised_accounts(&t).await;
    let at = tokens.access_token.clone();

    let accounts = t.client.accounts(&at).await.unwrap();
    let ids: Vec<String> = accounts
        .data
        .account
        .unwrap_or_default()
        .iter()
        .map(|a| a.account_id.to_string())
        .collect();
    assert!(ids.contains(&HEAVY_ACCOUNT.to_owned()), "{ids:?}");

    let balances = t.client.balances(&at, HEAVY_ACCOUNT, true).await.unwrap();
    assert_eq!(balances.data.balance.len(), 2);

    // Every page, oldest first, without a gap or a repeat.
    let mut pages = t
        .client
        .transaction_pages(&at, HEAVY_ACCOUNT, TransactionQuery::default());
    let mut seen = HashSet::new();
    let mut last_booking = None;
    let mut count = 0;
    while let Some(page) = pages.next_page().await.unwrap() {
        for tx in page.data.transaction.unwrap_or_default() {
            let id = tx.transaction_id.clone().unwrap().to_string();
            assert!(seen.insert(id), "a transaction came twice");
            let at = tx.booking_date_time.to_string();
            if let Some(prev) = &last_booking {
                assert!(*prev <= at, "out of order: {prev} then {at}");
            }
            last_booking = Some(at);
            count += 1;
        }
    }
    assert!(pages.fetched > 1, "the heavy user's history spans pages");
    assert_eq!(Some(pages.fetched as i32), pages.total_pages);
    assert!(count > 1000, "{count}");

    let pots = t.client.pots(&at).await.unwrap();
    assert!(!pots.data.pot.is_empty());

    // Refresh rotates: the new tokens work, the old refresh token never again.
    let old = tokens.refresh_token.clone().unwrap();
    let fresh = t.client.refresh(&t.accounts_client, &old).await.unwrap();
    t.client.accounts(&fresh.access_token).await.unwrap();
    let again = t.client.refresh(&t.accounts_client, &old).await;
    assert!(matches!(again, Err(ClientError::Oidc(_))), "{again:?}");

    // A read without the right permission is an API error, typed.
    let err = t
        .client
        .direct_debits(&fresh.access_token, HEAVY_ACCOUNT)
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, 403, "{err}");
}

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

/// A domestic consent, authorised; returns its id and access token.
async fn authorised_payment(t: &Tpp, amount: &str) -> (String, AccessToken) {
    authorised_payment_of(t, initiation(amount)).await
}

/// A domestic consent for `initiation`, authorised; returns its id and access token.
async fn authorised_payment_of(t: &Tpp, initiation: Value) -> (String, AccessToken) {
    let app = t
        .client
        .client_credentials(&t.payments_client, "payments")
        .await
        .unwrap();
    let consent: monzo_client::Signed<OBWriteDomesticConsentResponse5> = t
        .client
        .create_payment_consent(
            &t.software,
            PaymentApi::Domestic,
            &app.access_token,
            &json!({"Data": {"Initiation": initiation}, "Risk": {}}),
        )
        .await
        .unwrap();
    assert!(consent.verified, "the bank signs its answers");
    let id = consent.body.data.consent_id.to_string();
    let auth = t
        .client
        .authorization(
            &t.software,
            &t.payments_client,
            &id,
            "openid payments",
            REDIRECT,
        )
        .await
        .unwrap();
    let callback = t.client.follow_authorization(&auth).await.unwrap();
    let tokens = t
        .client
        .complete_authorization(&auth, &callback)
        .await
        .unwrap();
    (id, tokens.access_token.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_is_signed_idempotent_and_debits_the_account() {
    let t = setup("client-pis-1").await;
    let (consent, token) = authorised_payment(&t, "12.34").await;
    let order =
        json!({"Data": {"ConsentId": consent, "Initiation": initiation("12.34")}, "Risk": {}});
    let made: monzo_client::Signed<OBWriteDomesticResponse5> = t
        .client
        .create_payment_order(&t.software, PaymentApi::Domestic, &token, &order, None)
        .await
        .unwrap();
    assert!(made.verified);
    assert_eq!(
        made.body.data.status.as_str(),
        "AcceptedSettlementCompleted"
    );
    // The answer was "lost": the same key again gives the same payment.
    let replay: monzo_client::Signed<OBWriteDomesticResponse5> = t
        .client
        .create_payment_order(
            &t.software,
            PaymentApi::Domestic,
            &token,
            &order,
            Some(&made.idempotency_key),
        )
        .await
        .unwrap();
    assert_eq!(
        replay.body.data.domestic_payment_id,
        made.body.data.domestic_payment_id
    );
    // Another key: the consent is consumed.
    let err = t
        .client
        .create_payment_order::<_, Value>(&t.software, PaymentApi::Domestic, &token, &order, None)
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, 400, "{err}");
    let read: OBWriteDomesticResponse5 = t
        .client
        .payment_order(
            PaymentApi::Domestic,
            &token,
            made.body.data.domestic_payment_id.as_str(),
        )
        .await
        .unwrap();
    assert_eq!(read.data.consent_id.as_str(), consent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submissions_on_one_consent_make_exactly_one_payment() {
    let t = Arc::new(setup("client-race-1").await);
    let (consent, token) = authorised_payment(&t, "5.00").await;
    let order =
        json!({"Data": {"ConsentId": consent, "Initiation": initiation("5.00")}, "Risk": {}});
    let mut tasks = Vec::new();
    for i in 0..16 {
        let t = t.clone();
        let token = token.clone();
        let order = order.clone();
        // Half share one key (a client retrying), half have their own.
        let key = if i % 2 == 0 {
            "shared-key".to_owned()
        } else {
            format!("own-{i}")
        };
        tasks.push(tokio::spawn(async move {
            t.client
                .create_payment_order::<_, OBWriteDomesticResponse5>(
                    &t.software,
                    PaymentApi::Domestic,
                    &token,
                    &order,
                    Some(&key),
                )
                .await
                .map(|s| s.body.data.domestic_payment_id.to_string())
        }));
    }
    let mut payments = HashSet::new();
    for task in tasks {
        if let Ok(id) = task.await.unwrap() {
            payments.insert(id);
        }
    }
    assert_eq!(payments.len(), 1, "{payments:?}");
    // And the account shows one debit for it.
    let tokens = authorised_accounts(&t).await;
    let page = t
        .client
        .transactions(
            &tokens.access_token,
            HEAVY_ACCOUNT,
            &TransactionQuery {
                newest_first: true,
                ..TransactionQuery::default()
            },
        )
        .await
        .unwrap();
    let txs = page.data.transaction.unwrap_or_default();
    let debits = txs
        .iter()
        .filter(|tx| {
            tx.amount.amount.value() == rust_decimal::Decimal::new(500, 2)
                && tx.transaction_information.as_deref() == Some("ACME Inc")
        })
        .count();
    assert_eq!(debits, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_reads_are_retried_after_retry_after() {
    // Five requests a second: a burst of reads is refused with 429 and Retry-After, and the
    // client waits and retries until each one is answered.
    let t = setup_with("client-429-1", 5).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let tokens = authorised_accounts(&t).await;
    let at = tokens.access_token.clone();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let client = t.client.clone();
        let at = at.clone();
        tasks.push(tokio::spawn(async move { client.accounts(&at).await }));
    }
    for task in tasks {
        let accounts = task.await.unwrap().unwrap();
        assert!(!accounts.data.account.unwrap_or_default().is_empty());
    }
    // Twelve reads at five a second cannot all be answered in the first second.
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));

    // Without retries, the refusal comes back typed, with its Retry-After.
    let config = t
        .client
        .config()
        .clone()
        .retry(monzo_client::RetryPolicy::none());
    let impatient = Client::new(config).unwrap();
    let mut limited = None;
    for _ in 0..10 {
        if let Err(e) = impatient.accounts(&at).await {
            limited = Some(e);
            break;
        }
    }
    let err = limited.expect("a burst over the limit is refused");
    let api = err.api().unwrap();
    assert_eq!(api.status, 429, "{err}");
    assert!(api.rate_limit().is_some_and(|r| r.retry_after.is_some()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_clock_moves_forward_and_never_back() {
    let t = setup("client-clock-1").await;
    let before = t.client.sandbox_clock().await.unwrap();
    assert_eq!(before.offset_seconds, 0, "real time by default");
    let moved = t.client.sandbox_advance_clock("P1DT2H").await.unwrap();
    assert!(moved.now - before.now >= chrono::Duration::hours(26));
    assert_eq!(moved.offset_seconds, 26 * 3600);
    let target = moved.now + chrono::Duration::days(30);
    let set = t.client.sandbox_set_clock(target).await.unwrap();
    assert_eq!(set.now, target);
    // Back in time: refused in the OBIE shape, naming SetTo; the clock stays.
    match t.client.sandbox_set_clock(before.now).await {
        Err(monzo_client::ClientError::Api(e)) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.details[0].path.as_deref(), Some("SetTo"));
        }
        other => panic!("{other:?}"),
    }
    match t.client.sandbox_advance_clock("a while").await {
        Err(monzo_client::ClientError::Api(e)) => {
            assert_eq!(e.details[0].path.as_deref(), Some("AdvanceBy"))
        }
        other => panic!("{other:?}"),
    }
    assert!(t.client.sandbox_clock().await.unwrap().now >= target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_asked_of_the_emulator_comes_back_with_monzo_s_text() {
    let t = setup("client-reject-1").await;
    let mut initiation = initiation("3.00");
    initiation["SupplementaryData"]["DesiredRejectionReason"] =
        json!(monzo_client::RejectionReason::SchemeLimitsExceeded.text());
    let (consent, token) = authorised_payment_of(&t, initiation.clone()).await;
    let order = json!({"Data": {"ConsentId": consent, "Initiation": initiation}, "Risk": {}});
    let made: monzo_client::Signed<Value> = t
        .client
        .create_payment_order(&t.software, PaymentApi::Domestic, &token, &order, None)
        .await
        .unwrap();
    assert_eq!(made.body["Data"]["Status"], "Rejected");
    assert_eq!(
        monzo_client::rejection_reason(&made.body),
        Some(monzo_client::RejectionReason::SchemeLimitsExceeded)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_revocation_in_the_app_stops_the_tokens() {
    let t = setup("client-revoke-1").await;
    let tokens = authorised_accounts(&t).await;
    let at = tokens.access_token.clone();
    assert!(t.client.accounts(&at).await.is_ok());
    let app = t
        .client
        .client_credentials(&t.accounts_client, "accounts")
        .await
        .unwrap();
    // A second consent, whose access the customer then withdraws.
    let consent_id = {
        let created: OBReadConsent1 = serde_json::from_value(json!({
            "Data": {"Permissions": [P::ReadAccountsBasic],
                     "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY}},
            "Risk": {}
        }))
        .unwrap();
        t.client
            .create_account_access_consent(&app.access_token, &created)
            .await
            .unwrap()
            .data
            .consent_id
            .to_string()
    };
    let auth = t
        .client
        .authorization(
            &t.software,
            &t.accounts_client,
            &consent_id,
            "openid accounts",
            REDIRECT,
        )
        .await
        .unwrap();
    let callback = t.client.follow_authorization(&auth).await.unwrap();
    let second = t
        .client
        .complete_authorization(&auth, &callback)
        .await
        .unwrap();
    let answer = t.client.sandbox_revoke_access(&consent_id).await.unwrap();
    assert_eq!(answer["Data"]["Status"], "Authorised");
    match t.client.accounts(&second.access_token).await {
        Err(ClientError::Api(e)) => assert_eq!(e.status, 401),
        other => panic!("{other:?}"),
    }
    // The other consent's tokens are untouched.
    assert!(t.client.accounts(&at).await.is_ok());
    // Revoking again: its tokens are already gone, and the consent is still authorised.
    let again = t.client.sandbox_revoke_access(&consent_id).await.unwrap();
    assert_eq!(again["Data"]["TokensRevoked"], false);
}
