//! Monzo's EU PSD2 interface, in-process: its discovery document, registration with a
//! self-asserted software statement whose keys come from `org_jwks_endpoint` (here attached as
//! the server would after fetching them), the AIS journey of the EU sandbox user, and what the
//! EU interface refuses (payments, funds confirmation, pots, the other interface's clients,
//! tokens and users).

use chrono::{DateTime, Utc};
use http::{Request, Response};
use monzo_model::accounts::{
    OBReadAccount6, OBReadBalance1, OBReadConsentResponse1, OBReadTransaction6,
};
use monzo_model::ValidateMonzo;
use monzo_sandbox::core::{Config, Context, FetchedKeys, Sandbox, FETCHED_KEYS_HEADER};
use ob_dcr::client::{parse_register_response, prepare_register};
use ob_dcr::request::RegistrationRequest;
use ob_dcr::ssa::{unsecured_software_statement, SsaClaims};
use ob_jose::Jwks;
use ob_oidc::authorize::{AuthorizationParams, RequestObject};
use ob_oidc::callback::parse_callback;
use ob_oidc::id_token::validate_callback;
use ob_oidc::token::{
    parse_token_response, prepare_authorization_code, prepare_client_credentials,
};
use serde_json::{json, Value};

use crate::support::{keys, now, tpp_key, Tpp, BASE};

const EU_USER: &str = "user_0000Av3bpksv3AAmdybBCr";
const EU_ACCOUNT: &str = "acc_0000Av3bry7sn2XsI3eZ3C";
pub const EU_ORG: &str = "PSDIE-CBI-123456";
const JWKS_URI: &str = "http://127.0.0.1:9/tpp/jwks.json";
const REDIRECT: &str = "https://tpp.example/eu/callback";
const EU_DN: &str = "C=IE,O=TPP Ltd,organizationIdentifier=PSDIE-CBI-123456,CN=tpp.example";

/// A UUIDv4 software id (Monzo's EU profile requires one).
fn software_id() -> String {
    ob_dcr::uuid_v4([0x5a; 16])
}

/// The self-asserted (`alg: none`) statement of Monzo's EU example, for this TPP, its keys
/// at `jwks_uri`.
fn statement_at(jwks_uri: &str, now: DateTime<Utc>) -> String {
    let claims = SsaClaims {
        software_id: software_id(),
        software_client_name: Some("Budgeting App EU".into()),
        software_redirect_uris: vec![REDIRECT.into()],
        software_roles: vec!["AISP".into()],
        org_id: Some(EU_ORG.into()),
        org_jwks_endpoint: Some(jwks_uri.into()),
        iat: Some(now.timestamp()),
        ..SsaClaims::default()
    };
    unsecured_software_statement(&claims).unwrap()
}

fn statement() -> String {
    statement_at(JWKS_URI, now())
}

/// A registration request for the EU interface, its statement's keys at `jwks_uri`, sent with
/// the certificate `dn` (whose organizationIdentifier is [`EU_ORG`]), signed by the TPP's key.
pub fn eu_registration_jwt(jwks_uri: &str, dn: &str, jti: u8, now: DateTime<Utc>) -> String {
    RegistrationRequest::monzo_eu(
        ob_dcr::request::RegistrationParams {
            software_statement: &statement_at(jwks_uri, now),
            software_id: &software_id(),
            aud: "PSDIE-CBI-000000",
            redirect_uris: vec![REDIRECT.into()],
            tls_client_auth_subject_dn: dn,
            jti: &ob_dcr::uuid_v4([jti; 16]),
        },
        now,
    )
    .unwrap()
    .sign(tpp_key())
    .unwrap()
}

fn registration_jwt(jti: u8) -> String {
    eu_registration_jwt(JWKS_URI, EU_DN, jti, now())
}

fn the_tpp_keys() -> FetchedKeys {
    FetchedKeys::found(
        JWKS_URI,
        Jwks {
            keys: vec![tpp_key().public_jwk()],
        },
    )
}

fn send(sandbox: &mut Sandbox, req: Request<Vec<u8>>, dn: Option<&str>) -> Response<Vec<u8>> {
    sandbox.handle(
        &req,
        &Context {
            now: now(),
            client_certificate_dn: dn.map(str::to_owned),
        },
    )
}

fn register_request(jwt: &str, fetched: Option<&FetchedKeys>) -> Request<Vec<u8>> {
    let mut req = prepare_register(&format!("{BASE}/open-banking/eu/register"), jwt).unwrap();
    if let Some(f) = fetched {
        req.headers_mut()
            .insert(FETCHED_KEYS_HEADER, f.to_header_value().unwrap());
    }
    req
}

fn body(resp: &Response<Vec<u8>>) -> Value {
    serde_json::from_slice(resp.body()).unwrap_or(Value::Null)
}

/// A sandbox with an EU client registered; returns its client id.
fn registered() -> (Sandbox, String) {
    let mut sandbox = Sandbox::new(Config::new(BASE), keys(), 7);
    let resp = send(
        &mut sandbox,
        register_request(&registration_jwt(1), Some(&the_tpp_keys())),
        Some(EU_DN),
    );
    assert_eq!(
        resp.status(),
        201,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let reg = parse_register_response(&resp).unwrap();
    assert_eq!(reg.scope, "openid accounts");
    (sandbox, reg.client_id.unwrap().to_string())
}

fn app_token(sandbox: &mut Sandbox, client_id: &str) -> String {
    let req = prepare_client_credentials(
        &format!("{BASE}/open-banking/eu/token"),
        client_id,
        "accounts",
    )
    .unwrap();
    let resp = send(sandbox, req, Some(EU_DN));
    parse_token_response(&resp, now())
        .unwrap()
        .access_token
        .expose()
        .to_owned()
}

fn call(
    sandbox: &mut Sandbox,
    method: &str,
    path: &str,
    token: &str,
    payload: Option<Value>,
) -> (u16, Value) {
    let mut b = Request::builder()
        .method(method)
        .uri(format!("{BASE}{path}"))
        .header("authorization", format!("Bearer {token}"));
    if payload.is_some() {
        b = b.header("content-type", "application/json");
    }
    let req = b
        .body(
            payload
                .map(|v| v.to_string().into_bytes())
                .unwrap_or_default(),
        )
        .unwrap();
    let resp = send(sandbox, req, Some(EU_DN));
    (resp.status().as_u16(), body(&resp))
}

/// An AIS consent on the EU interface, approved with `DesiredStatus` (by the EU user).
fn eu_consent(sandbox: &mut Sandbox, client_id: &str, supplementary: Value) -> (u16, Value) {
    let token = app_token(sandbox, client_id);
    let mut data = json!({
        "Permissions": ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail", "ReadTransactionsCredits", "ReadTransactionsDebits"],
    });
    if !supplementary.is_null() {
        data["SupplementaryData"] = supplementary;
    }
    call(
        sandbox,
        "POST",
        "/open-banking/eu/v3.1/aisp/account-access-consents",
        &token,
        Some(json!({"Data": data, "Risk": {}})),
    )
}

/// An EU authorization of `consent_id` by `client_id` (the tests use one state and nonce).
fn eu_params<'a>(
    client_id: &'a str,
    issuer: &'a str,
    consent_id: &'a str,
) -> AuthorizationParams<'a> {
    AuthorizationParams {
        client_id,
        issuer,
        redirect_uri: REDIRECT,
        scope: "openid accounts",
        intent_id: consent_id,
        state: "st-eu",
        nonce: "no-eu",
    }
}

/// Through the EU authorization endpoint to the access token.
fn authorise(sandbox: &mut Sandbox, client_id: &str, consent_id: &str) -> String {
    let issuer = format!("{BASE}/open-banking/eu");
    let params = eu_params(client_id, &issuer, consent_id);
    let url = RequestObject::new(&params, now())
        .authorization_url(&format!("{issuer}/authorize"), tpp_key())
        .unwrap();
    let resp = send(sandbox, Request::get(url).body(Vec::new()).unwrap(), None);
    assert_eq!(
        resp.status(),
        302,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let callback = parse_callback(&location, "st-eu").unwrap();
    let jwks = send(
        sandbox,
        Request::get(format!("{issuer}/jwks"))
            .body(Vec::new())
            .unwrap(),
        None,
    );
    let bank_keys = Jwks::from_json(jwks.body()).unwrap();
    // The id_token's issuer is the EU interface's.
    validate_callback(&callback, &bank_keys, &params, now()).unwrap();
    let req =
        prepare_authorization_code(&format!("{issuer}/token"), &params, &callback.code).unwrap();
    let resp = send(sandbox, req, Some(EU_DN));
    parse_token_response(&resp, now())
        .unwrap()
        .access_token
        .expose()
        .to_owned()
}

#[test]
fn the_eu_discovery_document_is_its_own() {
    let mut sandbox = Sandbox::new(Config::new(BASE), keys(), 7);
    let get = |s: &mut Sandbox, path: &str| {
        let resp = send(
            s,
            Request::get(format!("{BASE}{path}"))
                .body(Vec::new())
                .unwrap(),
            None,
        );
        assert_eq!(resp.status(), 200);
        body(&resp)
    };
    let eu = get(
        &mut sandbox,
        "/open-banking/eu/.well-known/openid-configuration",
    );
    let issuer = format!("{BASE}/open-banking/eu");
    assert_eq!(eu["issuer"], issuer.as_str());
    assert_eq!(eu["authorization_endpoint"], format!("{issuer}/authorize"));
    assert_eq!(eu["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(eu["registration_endpoint"], format!("{issuer}/register"));
    assert_eq!(eu["jwks_uri"], format!("{issuer}/jwks"));
    // AIS only.
    assert_eq!(eu["scopes_supported"], json!(["openid", "accounts"]));
    assert_eq!(eu["registration_audience"], "PSDIE-CBI-000000");
    assert_eq!(
        eu["token_endpoint_auth_methods_supported"],
        json!(["tls_client_auth"])
    );
    let uk = get(
        &mut sandbox,
        "/open-banking/.well-known/openid-configuration",
    );
    assert_eq!(uk["issuer"], format!("{BASE}/open-banking"));
    assert!(uk["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("payments")));
    // One bank, one key set.
    assert_eq!(
        get(&mut sandbox, "/open-banking/eu/jwks"),
        get(&mut sandbox, "/open-banking/jwks")
    );
}

#[test]
fn the_eu_user_reads_their_euro_account_through_the_eu_interface() {
    let (mut sandbox, client_id) = registered();
    // Without UserID the EU interface's test user approves.
    let (status, consent) = eu_consent(
        &mut sandbox,
        &client_id,
        json!({"DesiredStatus": "Authorised"}),
    );
    assert_eq!(status, 201, "{consent}");
    let typed: OBReadConsentResponse1 = serde_json::from_value(consent.clone()).unwrap();
    typed.validate_monzo().unwrap();
    let consent_id = consent["Data"]["ConsentId"].as_str().unwrap().to_owned();
    assert_eq!(
        consent["Links"]["Self"],
        format!("{BASE}/open-banking/eu/v3.1/aisp/account-access-consents/{consent_id}")
    );
    let token = authorise(&mut sandbox, &client_id, &consent_id);

    let (status, accounts) = call(
        &mut sandbox,
        "GET",
        "/open-banking/eu/v3.1/aisp/accounts",
        &token,
        None,
    );
    assert_eq!(status, 200, "{accounts}");
    let typed: OBReadAccount6 = serde_json::from_value(accounts.clone()).unwrap();
    typed.validate_monzo().unwrap();
    let list = accounts["Data"]["Account"].as_array().unwrap();
    assert_eq!(list.len(), 2, "the account and its pot: {list:?}");
    assert_eq!(list[0]["AccountId"], EU_ACCOUNT);
    assert_eq!(list[0]["Currency"], "EUR");
    // FACTS: the EU account scheme is UK.OBIE.IBAN only (IE..MONZ..).
    let ids = list[0]["Account"].as_array().unwrap();
    assert!(
        ids.iter().all(|i| i["SchemeName"] == "UK.OBIE.IBAN"),
        "{ids:?}"
    );
    assert!(ids[0]["Identification"].as_str().unwrap().starts_with("IE"));
    assert_eq!(
        accounts["Links"]["Self"],
        format!("{BASE}/open-banking/eu/v3.1/aisp/accounts")
    );

    // FACTS: "In EU pots ARE accounts: AccountSubType "Savings", Description "Personal
    // Pot"". Monzo's Account entry for a pot has an empty SchemeName and Identification,
    // which the spec refuses: the emulator gives the pot's name as the Nickname instead.
    let pot = &list[1];
    let pot_id = pot["AccountId"].as_str().unwrap().to_owned();
    assert!(pot_id.starts_with("pot_"), "{pot}");
    assert_eq!(pot["AccountSubType"], "Savings");
    assert_eq!(pot["Description"], "Personal Pot");
    assert_eq!(pot["Currency"], "EUR");
    assert!(
        pot["Nickname"].as_str().is_some_and(|n| !n.is_empty()),
        "{pot}"
    );
    assert!(pot.get("Account").is_none(), "{pot}");
    let (status, one) = call(
        &mut sandbox,
        "GET",
        &format!("/open-banking/eu/v3.1/aisp/accounts/{pot_id}"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["Data"]["Account"], json!([pot]));

    let (status, balances) = call(
        &mut sandbox,
        "GET",
        &format!("/open-banking/eu/v3.1/aisp/accounts/{EU_ACCOUNT}/balances?includePots=true"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{balances}");
    let typed: OBReadBalance1 = serde_json::from_value(balances.clone()).unwrap();
    typed.validate_monzo().unwrap();
    // includePots is not offered in the EU: one balance.
    assert_eq!(balances["Data"]["Balance"].as_array().unwrap().len(), 1);
    assert_eq!(balances["Data"]["Balance"][0]["Amount"]["Currency"], "EUR");
    let (status, balances) = call(
        &mut sandbox,
        "GET",
        &format!("/open-banking/eu/v3.1/aisp/accounts/{pot_id}/balances"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{balances}");
    let typed: OBReadBalance1 = serde_json::from_value(balances.clone()).unwrap();
    typed.validate_monzo().unwrap();
    assert_eq!(balances["Data"]["Balance"][0]["AccountId"], pot_id.as_str());

    // The pot's movements are its transactions, with its running balance.
    let (status, pot_txs) = call(
        &mut sandbox,
        "GET",
        &format!("/open-banking/eu/v3.1/aisp/accounts/{pot_id}/transactions"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{pot_txs}");
    let typed: OBReadTransaction6 = serde_json::from_value(pot_txs.clone()).unwrap();
    typed.validate_monzo().unwrap();
    let items = pot_txs["Data"]["Transaction"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|t| t["AccountId"] == pot_id.as_str()));
    let last = items.last().unwrap();
    assert_eq!(
        last["Balance"]["Amount"]["Amount"],
        balances["Data"]["Balance"][0]["Amount"]["Amount"]
    );
    // The bulk read holds both, in booking order.
    let (status, all) = call(
        &mut sandbox,
        "GET",
        "/open-banking/eu/v3.1/aisp/transactions",
        &token,
        None,
    );
    assert_eq!(status, 200, "{all}");
    let typed: OBReadTransaction6 = serde_json::from_value(all.clone()).unwrap();
    typed.validate_monzo().unwrap();
    let mut pages = vec![all];
    while let Some(next) = pages.last().unwrap()["Links"]["Next"].as_str() {
        let path = next.strip_prefix(BASE).unwrap().to_owned();
        let (status, page) = call(&mut sandbox, "GET", &path, &token, None);
        assert_eq!(status, 200, "{page}");
        pages.push(page);
    }
    let rows: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["Data"]["Transaction"].as_array().unwrap().clone())
        .collect();
    assert!(rows.iter().any(|t| t["AccountId"] == EU_ACCOUNT));
    assert!(rows.iter().any(|t| t["AccountId"] == pot_id.as_str()));
    let times: Vec<chrono::DateTime<Utc>> = rows
        .iter()
        .map(|t| t["BookingDateTime"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "booking order");

    // Monzo's EU interface has no /pots ("EU: /pots not supported").
    let (status, _) = call(
        &mut sandbox,
        "GET",
        "/open-banking/eu/v3.1/aisp/pots",
        &token,
        None,
    );
    assert_eq!(status, 404);
    // The EU token is unknown to the UK interface.
    let (status, _) = call(
        &mut sandbox,
        "GET",
        "/open-banking/v3.1/aisp/accounts",
        &token,
        None,
    );
    assert_eq!(status, 401);
}

#[test]
fn the_eu_interface_offers_account_information_only() {
    let (mut sandbox, client_id) = registered();
    let token = app_token(&mut sandbox, &client_id);
    let before = sandbox.state_digest();
    // Monzo: "Payment Initiation Services and the Confirmation of Funds API (CBPII) will be
    // available at a later date".
    for (method, path) in [
        (
            "POST",
            "/open-banking/eu/v3.1/pisp/domestic-payment-consents",
        ),
        ("POST", "/open-banking/eu/v3.1/pisp/domestic-vrp-consents"),
        (
            "POST",
            "/open-banking/eu/v3.1/cbpii/funds-confirmation-consents",
        ),
        ("POST", "/open-banking/eu/v3.1/event-subscriptions"),
        ("POST", "/open-banking/eu/sandbox/software-statements"),
    ] {
        let (status, _) = call(
            &mut sandbox,
            method,
            path,
            &token,
            Some(json!({"Data": {}})),
        );
        assert_eq!(status, 404, "{method} {path}");
    }
    // The registration is for accounts only: payments are refused at the token endpoint.
    let req = prepare_client_credentials(
        &format!("{BASE}/open-banking/eu/token"),
        &client_id,
        "payments",
    )
    .unwrap();
    let resp = send(&mut sandbox, req, Some(EU_DN));
    assert_eq!(body(&resp)["error"], "invalid_scope");
    assert_eq!(sandbox.state_digest(), before);
    // The sandbox's controls are the same world's on both paths (one clock).
    let (status, eu_clock) = call(
        &mut sandbox,
        "GET",
        "/open-banking/eu/sandbox/clock",
        &token,
        None,
    );
    assert_eq!(status, 200, "{eu_clock}");
    let (_, uk_clock) = call(
        &mut sandbox,
        "GET",
        "/open-banking/sandbox/clock",
        &token,
        None,
    );
    assert_eq!(eu_clock, uk_clock);
}

#[test]
fn clients_tokens_and_users_belong_to_their_interface() {
    let (mut sandbox, client_id) = registered();
    // The EU client is unknown at the UK token endpoint.
    let req = prepare_client_credentials(
        &format!("{BASE}/open-banking/token"),
        &client_id,
        "accounts",
    )
    .unwrap();
    let resp = send(&mut sandbox, req, Some(EU_DN));
    assert_eq!(resp.status(), 401);
    assert_eq!(body(&resp)["error"], "invalid_client");
    // Its client-credentials token is unknown to the UK API.
    let token = app_token(&mut sandbox, &client_id);
    let (status, _) = call(
        &mut sandbox,
        "POST",
        "/open-banking/v3.1/aisp/account-access-consents",
        &token,
        Some(json!({"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}})),
    );
    assert_eq!(status, 401);
    // A UK user cannot consent on the EU interface.
    let (status, err) = eu_consent(
        &mut sandbox,
        &client_id,
        json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4ZChWNMEvew2U77"}),
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["Errors"][0]["Path"], "Data.SupplementaryData.UserID");
    // Nor the EU user on the UK one.
    let mut uk = Tpp::register_in_process("openid accounts");
    let token = uk.app_token();
    let (status, err) = uk.json(
        "POST",
        "/open-banking/v3.1/aisp/account-access-consents",
        &token,
        Some(json!({"Data": {"Permissions": ["ReadAccountsBasic"], "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": EU_USER}}, "Risk": {}})),
    );
    assert_eq!(status, 400, "{err}");
    // A UK client is unknown at the EU token endpoint.
    let req = prepare_client_credentials(
        &format!("{BASE}/open-banking/eu/token"),
        &uk.client_id.clone(),
        "accounts",
    )
    .unwrap();
    let resp = uk.send(req, true);
    assert_eq!(resp.status(), 401);
}

#[test]
fn the_approval_page_of_the_eu_interface_offers_the_eu_user_only() {
    let (mut sandbox, client_id) = registered();
    let (status, consent) = eu_consent(&mut sandbox, &client_id, Value::Null);
    assert_eq!(status, 201, "{consent}");
    let consent_id = consent["Data"]["ConsentId"].as_str().unwrap();
    let issuer = format!("{BASE}/open-banking/eu");
    let url = RequestObject::new(&eu_params(&client_id, &issuer, consent_id), now())
        .authorization_url(&format!("{issuer}/authorize"), tpp_key())
        .unwrap();
    let resp = send(
        &mut sandbox,
        Request::get(url).body(Vec::new()).unwrap(),
        None,
    );
    assert_eq!(resp.status(), 200);
    let page = String::from_utf8_lossy(resp.body()).into_owned();
    assert!(page.contains(EU_USER), "{page}");
    assert!(!page.contains("user_0000A4C4ZChWNMEvew2U77"), "{page}");
    assert!(
        page.contains(&format!("action=\"{issuer}/authorize/decision\"")),
        "{page}"
    );
    let pending = page
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    // A UK user is not offered, and not accepted.
    let decide = |user: &str| {
        Request::post(format!("{issuer}/authorize/decision"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                ob_oidc::form::encode_pairs(&[
                    ("pending", pending.as_str()),
                    ("decision", "approve"),
                    ("user_id", user),
                ])
                .into_bytes(),
            )
            .unwrap()
    };
    let resp = send(&mut sandbox, decide("user_0000A4C4ZChWNMEvew2U77"), None);
    assert_eq!(resp.status(), 400);
    let resp = send(&mut sandbox, decide(EU_USER), None);
    assert_eq!(resp.status(), 302);
    assert!(resp.headers()["location"]
        .to_str()
        .unwrap()
        .contains("code="));
}

#[test]
fn an_eu_registration_needs_the_keys_of_its_statement() {
    let mut sandbox = Sandbox::new(Config::new(BASE), keys(), 7);
    // What fell due by now happens at the first request: the digest is taken after one.
    send(
        &mut sandbox,
        Request::get(format!("{BASE}/open-banking/eu/jwks"))
            .body(Vec::new())
            .unwrap(),
        None,
    );
    let before = sandbox.state_digest();
    let refused = |s: &mut Sandbox, fetched: Option<&FetchedKeys>, dn: &str| {
        let resp = send(s, register_request(&registration_jwt(2), fetched), Some(dn));
        assert_eq!(
            resp.status(),
            400,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        assert_eq!(
            s.state_digest(),
            before,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        body(&resp)
    };
    // Not fetched (a request that did not come through the server).
    let err = refused(&mut sandbox, None, EU_DN);
    assert_eq!(err["error"], "invalid_software_statement");
    assert!(err["error_description"]
        .as_str()
        .unwrap()
        .contains("were not fetched"));
    // The fetch failed.
    let err = refused(
        &mut sandbox,
        Some(&FetchedKeys::failed(
            JWKS_URI,
            "the server answered 404 Not Found",
        )),
        EU_DN,
    );
    assert_eq!(err["error"], "invalid_software_statement");
    assert!(
        err["error_description"].as_str().unwrap().contains("404"),
        "{err}"
    );
    // Keys fetched from another URL than the statement's.
    let err = refused(
        &mut sandbox,
        Some(&FetchedKeys::found(
            "https://elsewhere.example/jwks",
            Jwks {
                keys: vec![tpp_key().public_jwk()],
            },
        )),
        EU_DN,
    );
    assert_eq!(err["error"], "invalid_software_statement");
    // Keys that did not sign the request.
    let other = ob_jose::SigningKey::generate("other-1", 2048).unwrap();
    let err = refused(
        &mut sandbox,
        Some(&FetchedKeys::found(
            JWKS_URI,
            Jwks {
                keys: vec![other.public_jwk()],
            },
        )),
        EU_DN,
    );
    assert_eq!(err["error"], "invalid_client_metadata", "{err}");
    // Another certificate than the request's tls_client_auth_subject_dn names (that the
    // certificate's organizationIdentifier must be the statement's org_id is ob-dcr's test).
    let err = refused(
        &mut sandbox,
        Some(&the_tpp_keys()),
        "C=IE,O=TPP Ltd,organizationIdentifier=PSDIE-CBI-999999,CN=tpp.example",
    );
    assert_eq!(err["error"], "invalid_client_metadata", "{err}");
    // A statement signed by the UK sandbox directory is not self-asserted; a UK request
    // (aud of the UK bank) is refused by the EU profile's checks.
    let resp = send(
        &mut sandbox,
        register_request(
            &RegistrationRequest::uk(
                ob_dcr::request::RegistrationParams {
                    software_statement: &statement(),
                    software_id: &software_id(),
                    aud: "0015800001ZEc3hAAD",
                    redirect_uris: vec![REDIRECT.into()],
                    tls_client_auth_subject_dn: EU_DN,
                    jti: &ob_dcr::uuid_v4([3; 16]),
                },
                "openid accounts",
                now(),
            )
            .unwrap()
            .sign(tpp_key())
            .unwrap(),
            Some(&the_tpp_keys()),
        ),
        Some(EU_DN),
    );
    assert_eq!(
        resp.status(),
        400,
        "{}",
        String::from_utf8_lossy(resp.body())
    );
    assert_eq!(sandbox.state_digest(), before, "a refusal changes nothing");
    // The EU registration at the UK endpoint: the UK profile needs the directory's signature.
    let mut req = register_request(&registration_jwt(4), Some(&the_tpp_keys()));
    *req.uri_mut() = format!("{BASE}/open-banking/register").parse().unwrap();
    let resp = send(&mut sandbox, req, Some(EU_DN));
    assert_eq!(resp.status(), 400);
    assert_eq!(body(&resp)["error"], "invalid_software_statement");
}

#[test]
fn eu_registration_requests_name_the_keys_to_fetch() {
    let config = Config::new(BASE);
    let jwt = registration_jwt(5);
    let req = register_request(&jwt, None);
    assert_eq!(
        monzo_sandbox::core::eu_keys_to_fetch(&config, &req, now()).as_deref(),
        Some(JWKS_URI)
    );
    // Not for the UK endpoint, nor for a request without a valid statement.
    let mut uk = register_request(&jwt, None);
    *uk.uri_mut() = format!("{BASE}/open-banking/register").parse().unwrap();
    assert_eq!(
        monzo_sandbox::core::eu_keys_to_fetch(&config, &uk, now()),
        None
    );
    let bad = register_request("not.a.jwt", None);
    assert_eq!(
        monzo_sandbox::core::eu_keys_to_fetch(&config, &bad, now()),
        None
    );
    // The header survives the log's redaction (replay registers the same keys).
    let sandbox = Sandbox::new(config, keys(), 7);
    let logged = sandbox.redact_for_log(&register_request(&jwt, Some(&the_tpp_keys())));
    let kept: FetchedKeys =
        serde_json::from_slice(logged.headers()[FETCHED_KEYS_HEADER].as_bytes()).unwrap();
    assert_eq!(kept, the_tpp_keys());
    // Text beyond ASCII in a fetched key set (a `kid` with an accent, an emoji beyond U+FFFF)
    // travels in the header as JSON escapes and reads back the same.
    let mut key = serde_json::to_value(tpp_key().public_jwk()).unwrap();
    key["kid"] = json!("clé-🔑");
    let unusual = FetchedKeys::found(
        JWKS_URI,
        serde_json::from_value(json!({"keys": [key]})).unwrap(),
    );
    let header = unusual.to_header_value().unwrap();
    assert!(header.as_bytes().is_ascii());
    let back: FetchedKeys = serde_json::from_slice(header.as_bytes()).unwrap();
    assert_eq!(back, unusual);
    // A path that only starts like the EU prefix is not the EU interface.
    let mut other = register_request(&jwt, None);
    *other.uri_mut() = format!("{BASE}/open-banking/europe/register")
        .parse()
        .unwrap();
    assert_eq!(
        monzo_sandbox::core::eu_keys_to_fetch(&Config::new(BASE), &other, now()),
        None
    );
}
