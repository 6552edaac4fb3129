//! A TPP's whole account-information journey against the core, in-process: the sandbox
//! directory, registration, discovery, a consent, the authorization redirect, the code
//! exchange, every read, refresh rotation, and the error paths. Every response body is decoded
//! into Monzo's model types and validated against the spec.

use chrono::Duration;
use http::Request;
use monzo_model::accounts::{OBReadAccount6, OBReadBalance1, OBReadPot1, OBReadTransaction6};
use monzo_model::ValidateMonzo;
use ob_jose::SigningKey;
use ob_oidc::callback::parse_callback;
use ob_oidc::discovery::{parse_discovery, prepare_discovery};
use ob_oidc::token::{parse_token_response, prepare_client_credentials, prepare_refresh};
use ob_oidc::OidcError;
use serde_json::{json, Value};

use crate::support::*;

/// A registered client with an authorised account-access consent of the heavy user (accounts,
/// balances and transactions, with Detail): the client, the consent id and its tokens.
fn heavy_reader() -> (Tpp, String, ob_oidc::token::TokenResponse) {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &[
            "ReadAccountsDetail",
            "ReadBalances",
            "ReadTransactionsDetail",
            "ReadTransactionsCredits",
            "ReadTransactionsDebits",
        ],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let tokens = tpp.authorise(&consent);
    assert_eq!(tokens.expires_at, Some(tpp.now + Duration::hours(30)));
    (tpp, consent, tokens)
}

/// Discovery, and a consent authorised through the redirect.
#[test]
fn discovery_and_an_authorised_consent() {
    let (mut tpp, consent, _) = heavy_reader();
    // Discovery names this issuer and these endpoints.
    let resp = tpp.send(
        prepare_discovery(&format!("{BASE}/open-banking")).unwrap(),
        false,
    );
    let meta = parse_discovery(&resp, &format!("{BASE}/open-banking")).unwrap();
    assert_eq!(
        meta.token_endpoint_auth_methods_supported,
        ["tls_client_auth"]
    );

    // The consent is now authorised.
    let app = tpp.app_token();
    let (_, c) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/account-access-consents/{consent}"),
        &app,
        None,
    );
    assert_eq!(c["Data"]["Status"], "Authorised");
}

/// Every account read of the heavy user: accounts, balances (Flex's two), every transaction
/// page by page, newest first within a range, pots.
#[test]
fn every_account_information_read() {
    let (mut tpp, _consent, tokens) = heavy_reader();
    let at = tokens.access_token.expose().to_owned();
    // Accounts, with Detail: the sort code and IBAN.
    let (status, body) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    assert_eq!(status, 200, "{body}");
    let accounts: OBReadAccount6 = serde_json::from_value(body.clone()).unwrap();
    accounts.validate_monzo().unwrap();
    assert_eq!(body["Data"]["Account"][0]["AccountId"], HEAVY_ACCOUNT);
    assert_eq!(
        body["Data"]["Account"][0]["Account"][0]["SchemeName"],
        "UK.OBIE.SortCodeAccountNumber"
    );

    // Balances, with and without pots.
    let (_, b) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/balances?includePots=true"),
        &at,
        None,
    );
    let typed: OBReadBalance1 = serde_json::from_value(b.clone()).unwrap();
    typed.validate_monzo().unwrap();
    let kinds: Vec<&str> = b["Data"]["Balance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["Type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["InterimAvailable", "Information"]);
    // The world as it is now: the seed, and the rent its standing order paid on 1 November.
    let heavy = tpp.sandbox().world().users[0].accounts[0].clone();
    assert_eq!(
        b["Data"]["Balance"][1]["Amount"]["Amount"],
        format!("{:.4}", heavy.balance_with_pots().abs())
    );
    let world = monzo_sandbox::seed::world();
    let seeded = &world.users[0].accounts[0];
    assert_eq!(
        seeded.balance() - heavy.balance(),
        rust_decimal::Decimal::new(125_000, 2)
    );

    // Flex: a credit account with Monzo's two balances, what is owed today and the balance
    // with the interest still to come, both debits.
    let flex = &world.users[0].accounts[1];
    let (_, accounts) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    let listed = &accounts["Data"]["Account"][1];
    assert_eq!(listed["AccountId"], flex.id.as_str());
    assert_eq!(listed["AccountSubType"], "CreditCard");
    assert!(
        listed.get("Account").is_none(),
        "Flex has no account number"
    );
    let (_, fb) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{}/balances", flex.id),
        &at,
        None,
    );
    let typed: OBReadBalance1 = serde_json::from_value(fb.clone()).unwrap();
    typed.validate_monzo().unwrap();
    let monzo_sandbox::seed::AccountKind::Flex(terms) = flex.kind else {
        panic!("the heavy user's second account is Flex");
    };
    let owed_today = &fb["Data"]["Balance"][0];
    assert_eq!(owed_today["Type"], "InterimAvailable");
    assert_eq!(owed_today["CreditDebitIndicator"], "Debit");
    assert_eq!(
        owed_today["Amount"]["Amount"],
        format!("{:.4}", terms.due_today)
    );
    let with_interest = &fb["Data"]["Balance"][1];
    assert_eq!(with_interest["Type"], "Information");
    assert_eq!(
        with_interest["Amount"]["Amount"],
        format!("{:.4}", (flex.balance() - terms.future_interest).abs())
    );

    // Every transaction, page by page, in order, each once.
    let mut url = format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/transactions");
    let mut seen = Vec::new();
    loop {
        let (status, page) = tpp.json("GET", &url, &at, None);
        assert_eq!(status, 200, "{page}");
        let typed: OBReadTransaction6 = serde_json::from_value(page.clone()).unwrap();
        typed.validate_monzo().unwrap();
        seen.extend(
            page["Data"]["Transaction"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["TransactionId"].as_str().unwrap().to_owned()),
        );
        match page["Links"]["Next"].as_str() {
            Some(next) => url = next.trim_start_matches(BASE).to_owned(),
            None => break,
        }
    }
    let expected: Vec<String> = heavy.transactions.iter().map(|t| t.id.clone()).collect();
    assert_eq!(seen, expected);

    // Newest first, within a range.
    let (_, page) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/transactions?order=desc&fromBookingDateTime=2026-10-01T00:00:00Z"),
        &at,
        None,
    );
    let times: Vec<&str> = page["Data"]["Transaction"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["BookingDateTime"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    assert!(times.iter().all(|t| *t >= "2026-10-01"));

    // Pots.
    let (_, pots) = tpp.json("GET", "/open-banking/v3.1/aisp/pots", &at, None);
    let typed: OBReadPot1 = serde_json::from_value(pots.clone()).unwrap();
    typed.validate_monzo().unwrap();
    assert_eq!(pots["Data"]["Pot"].as_array().unwrap().len(), 5);
}

/// Refresh tokens rotate, the old ones are refused, and deleting the consent ends its tokens.
#[test]
fn tokens_rotate_and_end_with_the_consent() {
    let (mut tpp, consent, tokens) = heavy_reader();
    let at = tokens.access_token.expose().to_owned();
    let app = tpp.app_token();
    // Refresh rotates; the old refresh token is then refused.
    let old = tokens.refresh_token.clone().unwrap();
    let resp = tpp.send(
        prepare_refresh(
            &format!("{BASE}/open-banking/token"),
            &tpp.client_id.clone(),
            &old,
        )
        .unwrap(),
        true,
    );
    let rotated = parse_token_response(&resp, tpp.now).unwrap();
    assert_ne!(rotated.refresh_token, tokens.refresh_token);
    let resp = tpp.send(
        prepare_refresh(
            &format!("{BASE}/open-banking/token"),
            &tpp.client_id.clone(),
            &old,
        )
        .unwrap(),
        true,
    );
    match parse_token_response(&resp, tpp.now).unwrap_err() {
        OidcError::TokenEndpoint(e) => {
            assert_eq!(e.code, "invalid_grant");
            assert!(e.message.starts_with("bad_request.refresh_token.invalid"));
        }
        other => panic!("{other:?}"),
    }
    // The new access token reads; the old one does not.
    let (status, _) = tpp.json(
        "GET",
        "/open-banking/v3.1/aisp/accounts",
        rotated.access_token.expose(),
        None,
    );
    assert_eq!(status, 200);
    let (status, _) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    assert_eq!(status, 401);

    // Deleting the consent ends its tokens.
    let (status, _) = tpp.json(
        "DELETE",
        &format!("/open-banking/v3.1/aisp/account-access-consents/{consent}"),
        &app,
        None,
    );
    assert_eq!(status, 204);
    let (status, _) = tpp.json(
        "GET",
        "/open-banking/v3.1/aisp/accounts",
        rotated.access_token.expose(),
        None,
    );
    assert_eq!(status, 401);
}

#[test]
fn basic_permissions_are_redacted() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &[
            "ReadAccountsBasic",
            "ReadTransactionsBasic",
            "ReadTransactionsCredits",
        ],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let at = tpp.authorise(&consent).access_token.expose().to_owned();
    let (_, accounts) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    assert!(
        accounts["Data"]["Account"][0].get("Account").is_none(),
        "{accounts}"
    );
    let (_, pots) = tpp.json("GET", "/open-banking/v3.1/aisp/pots", &at, None);
    assert!(pots["Data"]["Pot"][0].get("Name").is_none());
    let (_, page) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/transactions"),
        &at,
        None,
    );
    let txs = page["Data"]["Transaction"].as_array().unwrap();
    assert!(
        txs.iter().all(|t| t["CreditDebitIndicator"] == "Credit"),
        "credits only"
    );
    assert!(txs
        .iter()
        .all(|t| t.get("TransactionInformation").is_none() && t.get("DebtorAccount").is_none()));
    // No ReadBalances: forbidden.
    let (status, body) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/balances"),
        &at,
        None,
    );
    assert_eq!(status, 403, "{body}");
    // Another user's account: forbidden.
    let (status, _) = tpp.json(
        "GET",
        "/open-banking/v3.1/aisp/accounts/acc_0000A4C4o66FCYJoERQhHN/transactions",
        &at,
        None,
    );
    assert_eq!(status, 403);
}

#[test]
fn desired_status_rejected_and_the_approval_page() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(&["ReadAccountsBasic"], json!({"DesiredStatus": "Rejected"}));
    let url = tpp.authorize_url(&consent);
    let resp = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    match parse_callback(&location, "st-1").unwrap_err() {
        OidcError::AuthorizationDenied { error, .. } => assert_eq!(error, "access_denied"),
        other => panic!("{other:?}"),
    }
    let app = tpp.app_token();
    let (_, c) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/account-access-consents/{consent}"),
        &app,
        None,
    );
    assert_eq!(c["Data"]["Status"], "Rejected");

    // No DesiredStatus: a page to decide on, which approves as the chosen user.
    let consent = tpp.consent(&["ReadAccountsBasic"], Value::Null);
    let url = tpp.authorize_url(&consent);
    let page = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    assert_eq!(page.status(), 200);
    let html = String::from_utf8(page.body().clone()).unwrap();
    let pending = html
        .split("name=\"pending\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let form = ob_oidc::form::encode_pairs(&[
        ("pending", &pending),
        ("decision", "approve"),
        ("user_id", "user_0000A4C4wkPFE7x9at8Ujp"),
    ]);
    let req = Request::post(format!("{BASE}/open-banking/authorize/decision"))
        .body(form.into_bytes())
        .unwrap();
    let resp = tpp.send(req, false);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let at = tpp
        .finish(&consent, &location)
        .access_token
        .expose()
        .to_owned();
    let (_, accounts) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    assert_eq!(
        accounts["Data"]["Account"][0]["AccountId"],
        "acc_0000A4C4wz4Ail0f3sONTV"
    );
}

#[test]
fn errors_have_the_obie_and_legacy_shapes() {
    let mut tpp = Tpp::register();
    let app = tpp.app_token();
    // Unsupported permission: 400 with the OBIE code, and x-fapi-interaction-id echoed.
    let req = Request::post(format!(
        "{BASE}/open-banking/v3.1/aisp/account-access-consents"
    ))
    .header("authorization", format!("Bearer {app}"))
    .header("content-type", "application/json")
    .header(
        "x-fapi-interaction-id",
        "93bac548-d2de-4546-b106-880a5018460d",
    )
    .body(
        json!({"Data": {"Permissions": ["ReadAccountsBasic", "ReadPAN"]}, "Risk": {}})
            .to_string()
            .into_bytes(),
    )
    .unwrap();
    let resp = tpp.send(req, true);
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.headers()["x-fapi-interaction-id"],
        "93bac548-d2de-4546-b106-880a5018460d"
    );
    let err = ob_errors::parse_response(&resp).unwrap();
    assert_eq!(err.details[0].code.as_str(), "UK.OBIE.Field.Invalid");
    // The same with the legacy header.
    let req = Request::post(format!(
        "{BASE}/open-banking/v3.1/aisp/account-access-consents"
    ))
    .header("authorization", format!("Bearer {app}"))
    .header("content-type", "application/json")
    .header("x-open-banking-legacy-errors", "true")
    .body(
        json!({"Data": {"Permissions": []}, "Risk": {}})
            .to_string()
            .into_bytes(),
    )
    .unwrap();
    let resp = tpp.send(req, true);
    let body: Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["Code", "Message"]
    );
    assert!(
        resp.headers().contains_key("x-fapi-interaction-id"),
        "one is made when none is sent"
    );
    // No token: 401 without a body. Unknown endpoint: 404.
    let resp = tpp.send(
        Request::get(format!("{BASE}/open-banking/v3.1/aisp/accounts"))
            .body(Vec::new())
            .unwrap(),
        true,
    );
    assert_eq!((resp.status().as_u16(), resp.body().len()), (401, 0));
    let (status, _) = tpp.json("GET", "/open-banking/v3.1/aisp/statements", &app, None);
    assert_eq!(status, 404);
    // Another certificate cannot use the client.
    tpp.dn = "C=GB,O=Someone Else,CN=x".into();
    let req = prepare_client_credentials(
        &format!("{BASE}/open-banking/token"),
        &tpp.client_id.clone(),
        "accounts",
    )
    .unwrap();
    let resp = tpp.send(req, true);
    assert_eq!(resp.status(), 401);
}

#[test]
fn parties_direct_debits_standing_orders_and_scheduled_payments_follow_sca_age() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &[
            "ReadAccountsBasic",
            "ReadParty",
            "ReadPartyPSU",
            "ReadDirectDebits",
            "ReadStandingOrdersDetail",
            "ReadScheduledPaymentsBasic",
        ],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let tokens = tpp.authorise(&consent);
    let at = tokens.access_token.expose().to_owned();
    let get = |tpp: &mut Tpp, path: &str| {
        tpp.json("GET", &format!("/open-banking/v3.1/aisp{path}"), &at, None)
    };

    // Within five minutes of SCA: everything.
    let (status, party) = get(&mut tpp, "/party");
    assert_eq!(status, 200, "{party}");
    assert_eq!(
        party["Data"]["Party"]["FullLegalName"],
        "Hannah Evelyn Whitfield"
    );
    let typed: monzo_model::accounts::OBReadParty2 = serde_json::from_value(party).unwrap();
    typed.validate_monzo().unwrap();
    let (_, parties) = get(&mut tpp, &format!("/accounts/{HEAVY_ACCOUNT}/parties"));
    let typed: monzo_model::accounts::OBReadParty3 =
        serde_json::from_value(parties.clone()).unwrap();
    typed.validate_monzo().unwrap();
    assert_eq!(parties["Data"]["Party"].as_array().unwrap().len(), 1);
    let (_, dds) = get(
        &mut tpp,
        &format!("/accounts/{HEAVY_ACCOUNT}/direct-debits"),
    );
    let typed: monzo_model::accounts::OBReadDirectDebit2 =
        serde_json::from_value(dds.clone()).unwrap();
    typed.validate_monzo().unwrap();
    assert_eq!(dds["Data"]["DirectDebit"].as_array().unwrap().len(), 2);
    let (_, sos) = get(
        &mut tpp,
        &format!("/accounts/{HEAVY_ACCOUNT}/standing-orders"),
    );
    let typed: monzo_model::accounts::OBReadStandingOrder6 =
        serde_json::from_value(sos.clone()).unwrap();
    typed.validate_monzo().unwrap();
    assert_eq!(
        sos["Data"]["StandingOrder"][0]["CreditorAccount"]["Name"], "City Lettings",
        "Detail shows the payee"
    );
    let (_, sps) = get(
        &mut tpp,
        &format!("/accounts/{HEAVY_ACCOUNT}/scheduled-payments"),
    );
    let typed: monzo_model::accounts::OBReadScheduledPayment3 =
        serde_json::from_value(sps.clone()).unwrap();
    typed.validate_monzo().unwrap();
    assert!(
        sps["Data"]["ScheduledPayment"][0]
            .get("CreditorAccount")
            .is_none(),
        "Basic hides the payee"
    );

    // Six minutes later: parties are refused, old direct debits are hidden.
    tpp.now += Duration::minutes(6);
    let (status, err) = get(&mut tpp, "/party");
    assert_eq!(status, 403, "{err}");
    assert_eq!(err["Errors"][0]["ErrorCode"], "UK.MONZO.Forbidden");
    let (_, dds) = get(
        &mut tpp,
        &format!("/accounts/{HEAVY_ACCOUNT}/direct-debits"),
    );
    let names: Vec<&str> = dds["Data"]["DirectDebit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Octopus Energy"]);
    let (_, sos) = get(
        &mut tpp,
        &format!("/accounts/{HEAVY_ACCOUNT}/standing-orders"),
    );
    assert_eq!(
        sos["Data"]["StandingOrder"].as_array().unwrap().len(),
        1,
        "paid this month"
    );
    // Scheduled payments stay readable for 90 days after SCA, not longer (a refreshed token
    // does not renew the SCA).
    tpp.now += Duration::days(91);
    let refresh = prepare_refresh(
        &tpp.url("/open-banking/token"),
        &tpp.client_id.clone(),
        tokens.refresh_token.as_ref().unwrap(),
    )
    .unwrap();
    let resp = tpp.send(refresh, true);
    let fresh = parse_token_response(&resp, tpp.now)
        .unwrap()
        .access_token
        .expose()
        .to_owned();
    let (status, body) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/scheduled-payments"),
        &fresh,
        None,
    );
    assert_eq!(status, 403, "{body}");
}

#[test]
fn malformed_duplicate_and_deep_json_are_refused_with_obie_errors() {
    let mut tpp = Tpp::register();
    let app = tpp.app_token();
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let bodies = [
        r#"{"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {"#.to_owned(),
        r#"{"Data": {"Permissions": ["ReadAccountsBasic"], "Permissions": ["ReadPAN"]}, "Risk": {}}"#.to_owned(),
        format!(r#"{{"Data": {{"Permissions": ["ReadAccountsBasic"]}}, "Risk": {{"X": {deep}}}}}"#),
    ];
    for body in bodies {
        let req = Request::post(tpp.url("/open-banking/v3.1/aisp/account-access-consents"))
            .header("authorization", format!("Bearer {app}"))
            .header("content-type", "application/json")
            .body(body.into_bytes())
            .unwrap();
        let resp = tpp.send(req, true);
        assert_eq!(resp.status(), 400);
        let err = ob_errors::parse_response(&resp).unwrap();
        assert_eq!(
            err.details[0].code.as_str(),
            "UK.OBIE.Field.Invalid",
            "{err}"
        );
    }
}

#[test]
fn tokens_are_bound_to_their_client_and_certificate() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let at = tpp.authorise(&consent).access_token.expose().to_owned();
    let read = |tpp: &mut Tpp, cert: bool| {
        let req = Request::get(tpp.url("/open-banking/v3.1/aisp/accounts"))
            .header("authorization", format!("Bearer {at}"))
            .body(Vec::new())
            .unwrap();
        tpp.send(req, cert).status().as_u16()
    };
    assert_eq!(read(&mut tpp, true), 200);
    assert_eq!(read(&mut tpp, false), 401, "no certificate");
    // Another TPP's certificate, with our token: refused.
    let (other_client, other_dn) = tpp.register_software(
        "OtherSoftware00000001",
        "0015800001OTHER0001",
        "openid accounts",
    );
    let own = std::mem::replace(&mut tpp.dn, other_dn);
    assert_eq!(read(&mut tpp, true), 401, "another client's certificate");
    // And the other TPP cannot see our consent.
    let own_client = std::mem::replace(&mut tpp.client_id, other_client);
    let their_app = tpp.app_token();
    let (status, body) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/account-access-consents/{consent}"),
        &their_app,
        None,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["Errors"][0]["ErrorCode"], "UK.OBIE.Resource.NotFound");
    tpp.dn = own;
    tpp.client_id = own_client;
    // Nobody can replace a registered software's keys.
    let intruder = SigningKey::generate("intruder-1", 2048).unwrap();
    let req = Request::post(tpp.url("/open-banking/sandbox/software-statements"))
        .body(json!({"software_statement_claims": {"software_id": SOFTWARE_ID, "software_redirect_uris": [REDIRECT], "software_roles": ["AISP"]}, "jwks": {"keys": [intruder.public_jwk()]}}).to_string().into_bytes())
        .unwrap();
    // Monzo pairs every error prefix with one status, and has none for 409: a 400.
    let resp = tpp.send(req, false);
    assert_eq!(resp.status(), 400);
    let err = ob_errors::parse_response(&resp).unwrap();
    assert_eq!(err.code, "bad_request.resource_exists");
}

#[test]
fn an_authorised_consent_can_be_re_authenticated() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &["ReadAccountsBasic", "ReadPartyPSU"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    tpp.authorise(&consent);
    tpp.now += Duration::minutes(6);
    // The customer authenticates again: a new SCA, new tokens, and the party is readable.
    let at = tpp.authorise(&consent).access_token.expose().to_owned();
    let (status, party) = tpp.json("GET", "/open-banking/v3.1/aisp/party", &at, None);
    assert_eq!(status, 200, "{party}");
}

#[test]
fn links_name_the_resource_read() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &["ReadAccountsBasic", "ReadDirectDebits", "ReadParty"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let at = tpp.authorise(&consent).access_token.expose().to_owned();
    for path in [
        format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/direct-debits"),
        format!("/open-banking/v3.1/aisp/accounts/{HEAVY_ACCOUNT}/party"),
    ] {
        let (_, body) = tpp.json("GET", &path, &at, None);
        assert_eq!(body["Links"]["Self"], tpp.url(&path), "{path}");
    }
}

/// The log keeps fingerprints of secrets, wherever the route puts them (a trailing slash on
/// the token endpoint included), and replay puts the emulator's own secrets back.
#[test]
fn secrets_are_fingerprinted_for_the_log_and_restored_for_replay() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let tokens = tpp.authorise(&consent);
    let refresh = tokens.refresh_token.clone().unwrap();
    let mut req = prepare_refresh(
        &tpp.url("/open-banking/token/"),
        &tpp.client_id.clone(),
        &refresh,
    )
    .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", tokens.access_token.expose())
            .parse()
            .unwrap(),
    );
    let sandbox = tpp.sandbox();
    let logged = sandbox.redact_for_log(&req);
    let body = String::from_utf8(logged.body().clone()).unwrap();
    assert!(!body.contains(refresh.expose()), "{body}");
    assert!(body.contains("refresh_token=sha256"), "{body}");
    let header = logged.headers()["authorization"].to_str().unwrap();
    assert!(header.starts_with("Bearer sha256:"), "{header}");
    let restored = sandbox.restore_from_log(logged);
    assert_eq!(restored.body(), req.body());
    assert_eq!(
        restored.headers()["authorization"],
        req.headers()["authorization"]
    );
    // The trailing slash reaches the token endpoint: the refresh works.
    let resp = tpp.send(req, true);
    assert_eq!(
        resp.status(),
        200,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    // A secret the emulator never issued stays a fingerprint (the replay fails as it did).
    let forged = Request::post(tpp.url("/open-banking/token"))
        .body(b"grant_type=authorization_code&code=guessed".to_vec())
        .unwrap();
    let sandbox = tpp.sandbox();
    let logged = sandbox.redact_for_log(&forged);
    let restored = sandbox.restore_from_log(logged.clone());
    assert_eq!(restored.body(), logged.body());
    assert!(!String::from_utf8_lossy(restored.body()).contains("guessed"));
}

/// The transaction page's fast path (written straight from the history under the Detail
/// permission) writes exactly what the model writes: the page and every transaction, with its
/// amount, balance, code and `SupplementaryData`, decode with nothing beyond the spec and in
/// spec order, and the model re-encodes the page to the same bytes.
#[test]
fn the_transaction_page_fast_path_writes_the_model_s_bytes() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let req = Request::get(
        tpp.url("/open-banking/v3.1/aisp/accounts/acc_0000A4C4ZSskDOixqNPfpR/transactions"),
    )
    .header("authorization", format!("Bearer {token}"))
    .body(Vec::new())
    .unwrap();
    let resp = tpp.send(req, true);
    assert_eq!(resp.status(), 200);
    let body = resp.body();
    let page: OBReadTransaction6 = ob_model::decode::from_slice(body).unwrap();
    assert!(page.extra.is_empty(), "{:?}", page.extra);
    let txs = page.data.transaction.as_deref().unwrap_or_default();
    assert!(txs.len() > 10, "a full page");
    for tx in txs {
        assert!(tx.extra.is_empty(), "{:?}", tx.extra);
        assert!(tx.amount.extra.is_empty());
        if let Some(b) = &tx.balance {
            assert!(b.extra.is_empty() && b.amount.extra.is_empty());
        }
        if let Some(c) = &tx.proprietary_bank_transaction_code {
            assert!(c.extra.is_empty());
        }
        if let Some(s) = &tx.supplementary_data {
            assert!(s.extra.is_empty(), "{:?}", s.extra);
        }
    }
    assert_eq!(
        String::from_utf8(serde_json::to_vec(&page).unwrap()).unwrap(),
        String::from_utf8_lossy(body)
    );
}
