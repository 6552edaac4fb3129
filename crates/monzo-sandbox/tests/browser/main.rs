//! The console end to end, in a real browser: a TPP (the project's client) works against the
//! emulator over mutual TLS while headless Chromium, driven through ChromeDriver, looks at and
//! steers the sandbox in the console. It shows the consent, the payment and the pot chart;
//! approving a pending consent in the console lets the client go on; advancing the clock in
//! the console expires a payment consent; no page shows a token the journey used.
//!
//! It needs Debian's Chromium and ChromeDriver: `tests/browser/run.sh` installs them (pinned)
//! and runs it. Screenshots of every page go to `target/tmp/console-screenshots/`.

mod webdriver;

use std::path::PathBuf;

use monzo_client::{AccessToken, Client, ClientConfig, Endpoints, PaymentApi, Signed, Software};
use monzo_model::payments::{OBWriteDomesticConsentResponse5, OBWriteDomesticResponse5};
use monzo_sandbox::server::ca::ClientSubject;
use monzo_sandbox::server::{start, Options, StateLocation};
use serde_json::{json, Value};
use webdriver::Browser;

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
const ASPSP_ORG_ID: &str = "0015800001ZEc3hAAD";
const CONSOLE: &str = "/open-banking/sandbox/console/";

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots")
}

/// A payment initiation for `amount` from the heavy user, approved automatically when
/// `approved`.
fn initiation(amount: &str, reference: &str, approved: bool) -> Value {
    let mut i = json!({
        "InstructionIdentification": reference,
        "EndToEndIdentification": reference,
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"},
        "RemittanceInformation": {"Reference": reference},
    });
    if approved {
        i["SupplementaryData"] =
            json!({"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": HEAVY_ACCOUNT});
    }
    i
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "drives Chromium through ChromeDriver: run tests/browser/run.sh"]
async fn the_console_shows_and_steers_a_tpps_journey() {
    // The emulator, and a TPP registered for account information and payments.
    let state = tempdir();
    let running = start(Options::new(
        "127.0.0.1:0".parse().unwrap(),
        StateLocation::Directory(state.clone()),
    ))
    .await
    .unwrap();
    let base = running.base_url.clone();
    let console = format!("{base}{CONSOLE}");
    // The TPP's redirect URI. Registration refuses one on the local machine, so the browser
    // resolves the TPP's host to the emulator: it lands somewhere real (a 404; what matters is
    // the URL, whose fragment carries the code).
    let redirect = "https://tpp.example/callback".to_owned();
    let subject = ClientSubject {
        country: "GB".into(),
        organization: "Console TPP".into(),
        organizational_unit: Some("0015800001CONSOLE".into()),
        organization_identifier: None,
        common_name: "console-tpp".into(),
    };
    let cert = running.issue_client_certificate(&subject).unwrap();
    let client = Client::new(
        ClientConfig::new(Endpoints::local(&base))
            .identity_pem(cert.cert_pem.clone(), cert.key_pem.clone())
            .root_ca_pem(running.ca_cert_pem().to_owned())
            .aspsp_org_id(ASPSP_ORG_ID),
    )
    .unwrap();
    let software = Software {
        key: ob_jose::SigningKey::generate("console-key-1", 2048).unwrap(),
        org_id: "0015800001CONSOLE".into(),
        software_id: "console-tpp".into(),
    };
    let jwks = ob_jose::Jwks {
        keys: vec![software.key.public_jwk()],
    };
    let statement = client
        .sandbox_software_statement(
            &software.software_id,
            &software.org_id,
            &[redirect.as_str()],
            &["AISP", "PISP"],
            &jwks,
        )
        .await
        .unwrap();
    let mut client_ids = Vec::new();
    for (i, scope) in ["openid accounts", "openid payments"].iter().enumerate() {
        let jti = ob_dcr::uuid_v4([i as u8 + 1; 16]);
        let request = ob_dcr::request::RegistrationRequest::uk(
            ob_dcr::request::RegistrationParams {
                software_statement: &statement.software_statement,
                software_id: &software.software_id,
                aud: ASPSP_ORG_ID,
                redirect_uris: vec![redirect.clone()],
                tls_client_auth_subject_dn: &subject.dn(),
                jti: &jti,
            },
            scope,
            chrono::Utc::now(),
        )
        .unwrap();
        let reg = client
            .register(&request.sign(&software.key).unwrap())
            .await
            .unwrap();
        client_ids.push(reg.client_id.unwrap().to_string());
    }
    let (ais_client, pis_client) = (&client_ids[0], &client_ids[1]);
    // Every secret the journey sees, to look for in the pages afterwards.
    let mut secrets: Vec<String> = Vec::new();

    let browser = Browser::start(&[format!(
        "--host-resolver-rules=MAP tpp.example:443 {}",
        running.addr
    )])
    .await;
    let shots = screenshots();

    // 1. An account-access consent the customer decides on a page: the TPP sends the browser
    //    to the authorization endpoint, and the console approves it as the heavy user.
    let app = client
        .client_credentials(ais_client, "accounts")
        .await
        .unwrap();
    secrets.push(app.access_token.expose().to_owned());
    let consent: monzo_model::accounts::OBReadConsent1 = serde_json::from_value(json!({
        "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
            "ReadTransactionsCredits", "ReadTransactionsDebits"]},
        "Risk": {}
    }))
    .unwrap();
    let created = client
        .create_account_access_consent(&app.access_token, &consent)
        .await
        .unwrap();
    let ais_consent = created.data.consent_id.to_string();
    let auth = client
        .authorization(
            &software,
            ais_client,
            &ais_consent,
            "openid accounts",
            &redirect,
        )
        .await
        .unwrap();
    browser.go(&auth.url).await;
    assert!(
        browser.source().await.contains("Approve access?"),
        "the approval page"
    );
    browser.go(&format!("{console}consents")).await;
    let page = browser.source().await;
    assert!(
        page.contains(&ais_consent) && page.contains("AwaitingAuthorisation"),
        "{page}"
    );
    browser
        .screenshot(&shots.join("consents-pending.png"))
        .await;
    let approve = browser
        .find(&format!("#consent-{ais_consent} button[value=approve]"))
        .await;
    browser.click(&approve).await;
    // The browser is back at the TPP, with the code in the fragment: the client goes on.
    let callback = browser.url_when(|u| u.starts_with(&redirect)).await;
    assert!(callback.starts_with(&redirect), "{callback}");
    assert!(callback.contains("code="), "{callback}");
    if let Some(code) = callback
        .split(['#', '&'])
        .find_map(|p| p.strip_prefix("code="))
    {
        secrets.push(code.to_owned());
    }
    let tokens = client
        .complete_authorization(&auth, &callback)
        .await
        .unwrap();
    secrets.push(tokens.access_token.expose().to_owned());
    if let Some(r) = &tokens.refresh_token {
        secrets.push(r.expose().to_owned());
    }
    let accounts = client.accounts(&tokens.access_token).await.unwrap();
    assert!(
        accounts
            .data
            .account
            .unwrap_or_default()
            .iter()
            .any(|a| a.account_id.as_str() == HEAVY_ACCOUNT),
        "the approved consent reads the heavy user's accounts"
    );
    browser.go(&format!("{console}consents")).await;
    let page = browser.source().await;
    let row = row_of(&page, &format!("consent-{ais_consent}"));
    assert!(
        row.contains("Authorised") && row.contains("Revoke in the app"),
        "{row}"
    );
    browser.screenshot(&shots.join("consents.png")).await;

    // 2. A payment: the console shows it with the transaction it booked.
    let app = client
        .client_credentials(pis_client, "payments")
        .await
        .unwrap();
    secrets.push(app.access_token.expose().to_owned());
    let pay_initiation = initiation("12.34", "CONSOLE-1", true);
    let consent: Signed<OBWriteDomesticConsentResponse5> = client
        .create_payment_consent(
            &software,
            PaymentApi::Domestic,
            &app.access_token,
            &json!({"Data": {"Initiation": pay_initiation}, "Risk": {}}),
        )
        .await
        .unwrap();
    let payment_consent = consent.body.data.consent_id.to_string();
    let payment_token =
        authorise_automatically(&client, &software, pis_client, &payment_consent, &redirect).await;
    secrets.push(payment_token.expose().to_owned());
    let order =
        json!({"Data": {"ConsentId": payment_consent, "Initiation": pay_initiation}, "Risk": {}});
    let made: Signed<OBWriteDomesticResponse5> = client
        .create_payment_order(
            &software,
            PaymentApi::Domestic,
            &payment_token,
            &order,
            None,
        )
        .await
        .unwrap();
    let payment_id = made.body.data.domestic_payment_id.to_string();
    browser.go(&format!("{console}payments")).await;
    let page = browser.source().await;
    let row = row_of(&page, &format!("payment-{payment_id}"));
    assert!(
        row.contains("12.34 GBP") && row.contains(&payment_consent),
        "{row}"
    );
    assert!(row.contains("Booked"), "the transaction it booked: {row}");
    browser.screenshot(&shots.join("payments.png")).await;

    // 3. A pot: book a transaction from the console; the chart and the verdict show.
    browser.go(&format!("{console}pots")).await;
    let pot = "pot_qNPfpR0002";
    browser
        .type_into(&browser.find(&format!("#amount-{pot}")).await, "5.00")
        .await;
    browser
        .click(
            &browser
                .find(&format!("#pot-{pot} form button[type=submit]"))
                .await,
        )
        .await;
    browser.url_when(|u| u.contains("notice=")).await;
    let page = browser.source().await;
    assert!(
        page.contains("pot transaction potx_") && page.contains("booked"),
        "the notice: {}",
        notice(&page)
    );
    assert!(page.contains("<svg class=\"chart\""), "the chart");
    assert!(page.contains("Reconciled"), "the verdict");
    browser.screenshot(&shots.join("pots.png")).await;

    // 4. The clock: an authorised payment consent is good for an hour; the console moves the
    //    clock on by one, and the client's order is refused.
    let late_initiation = initiation("1.00", "CONSOLE-2", true);
    let consent: Signed<OBWriteDomesticConsentResponse5> = client
        .create_payment_consent(
            &software,
            PaymentApi::Domestic,
            &app.access_token,
            &json!({"Data": {"Initiation": late_initiation}, "Risk": {}}),
        )
        .await
        .unwrap();
    let late_consent = consent.body.data.consent_id.to_string();
    let late_token =
        authorise_automatically(&client, &software, pis_client, &late_consent, &redirect).await;
    secrets.push(late_token.expose().to_owned());
    browser.go(&console).await;
    browser
        .click(&browser.find("form[action$='controls/clock'] button").await)
        .await;
    browser.url_when(|u| u.contains("notice=")).await;
    let page = browser.source().await;
    assert!(
        notice(&page).contains("the sandbox clock is now"),
        "{}",
        notice(&page)
    );
    let late_order =
        json!({"Data": {"ConsentId": late_consent, "Initiation": late_initiation}, "Risk": {}});
    let refused = client
        .create_payment_order::<_, OBWriteDomesticResponse5>(
            &software,
            PaymentApi::Domestic,
            &late_token,
            &late_order,
            None,
        )
        .await
        .expect_err("an hour after approval the consent can no longer be used");
    assert!(
        format!("{refused:#}").contains("InvalidConsentStatus")
            || format!("{refused:?}").contains("InvalidConsentStatus"),
        "{refused:?}"
    );
    browser.go(&format!("{console}consents")).await;
    let page = browser.source().await;
    let row = row_of(&page, &format!("consent-{late_consent}"));
    assert!(row.contains("(expired)"), "{row}");
    browser
        .screenshot(&shots.join("consents-expired.png"))
        .await;

    // 5. The other pages, and the request log filtered by client and by interaction id.
    browser.go(&console).await;
    browser.screenshot(&shots.join("overview.png")).await;
    browser.go(&format!("{console}events")).await;
    browser.screenshot(&shots.join("events.png")).await;
    browser
        .go(&format!("{console}requests?client={pis_client}"))
        .await;
    let page = browser.source().await;
    assert!(
        page.contains("/open-banking/v3.1/pisp/domestic-payments"),
        "the payment in the log"
    );
    assert!(
        !page.contains("account-access-consents"),
        "another client's requests are filtered out"
    );
    browser.screenshot(&shots.join("requests.png")).await;
    // The order's interaction id, as the log shows it: the first code of its row.
    let at = page
        .find("POST /open-banking/v3.1/pisp/domestic-payments<")
        .expect("the order's row");
    let row_start = page[..at].rfind("<tr>").expect("its row");
    let interaction = page[row_start..at]
        .split("<code>")
        .nth(1)
        .and_then(|c| c.split("</code>").next())
        .expect("its interaction id")
        .to_owned();
    browser
        .go(&format!("{console}requests?interaction={interaction}"))
        .await;
    let page = browser.source().await;
    assert!(
        page.contains(&interaction) && page.contains("domestic-payments<"),
        "filtered by interaction id"
    );
    assert!(
        !page.contains("domestic-payment-consents<"),
        "only that interaction"
    );

    // 6. No page shows a secret the journey used (the request log's bodies included: the
    //    pages hold them, folded).
    assert!(secrets.len() >= 6, "{} secrets", secrets.len());
    for page in ["", "consents", "payments", "pots", "events", "requests"] {
        browser.go(&format!("{console}{page}")).await;
        let html = browser.source().await;
        for s in &secrets {
            assert!(!html.contains(s.as_str()), "page /{page} shows a secret");
        }
    }
    browser.quit().await;
    running.stop().await;
    let _ = std::fs::remove_dir_all(state);
}

/// The client's authorization of a consent whose `DesiredStatus` approves it.
async fn authorise_automatically(
    client: &Client,
    software: &Software,
    client_id: &str,
    consent: &str,
    redirect: &str,
) -> AccessToken {
    let auth = client
        .authorization(software, client_id, consent, "openid payments", redirect)
        .await
        .unwrap();
    let callback = client.follow_authorization(&auth).await.unwrap();
    client
        .complete_authorization(&auth, &callback)
        .await
        .unwrap()
        .access_token
}

/// The `<tr id=...>` row of a page.
fn row_of(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row {id}"));
    let end = page[start..]
        .find("</tr>")
        .map_or(page.len(), |e| start + e);
    page[start..end].to_owned()
}

/// The notice a control left on the page.
fn notice(page: &str) -> String {
    page.split("class=\"notice\"")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or("(no notice)")
        .to_owned()
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "console-browser-state-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
