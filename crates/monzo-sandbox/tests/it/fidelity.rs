//! The emulator refuses what Monzo refuses, in the documented shape: one negative test per
//! rule (each asserting the status, the `ErrorCode` and the `Path` where there is one), with
//! the spec line the rule comes from. HTTP rules of the OBIE profile, strict request bodies in
//! Monzo's profile, signed payment errors, the FAPI 1 Advanced request object and its
//! redirect errors, discovery, DCR management, the token endpoint, and deleted consents.

use chrono::Duration;
use http::{Request, Response};
use ob_jose::detached::{DetachedSigner, DetachedVerifier};
use ob_jose::jws::{self, Object};
use ob_jose::Jwks;
use serde_json::{json, Value};

use crate::payments::Payer;
use crate::support::{tpp_key, Tpp, ORG_ID, SOFTWARE_ID};

const AISP: &str = "/open-banking/v3.1/aisp";
const PISP: &str = "/open-banking/v3.1/pisp";
const REDIRECT: &str = "https://tpp.example/callback";
const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";

/// An OBIE error's status, `ErrorCode` and `Path`, after checking its envelope (`Code`
/// `<prefix.type>` with the prefix's status, a trace `Id`, exactly one `OBError1`).
fn obie(resp: &Response<Vec<u8>>) -> (u16, String, Option<String>) {
    let status = resp.status().as_u16();
    let err = ob_errors::parse_response(resp)
        .unwrap_or_else(|e| panic!("{status}: not an error body: {e}"));
    let prefix = err
        .prefix()
        .unwrap_or_else(|| panic!("Code {:?}", err.code));
    assert_eq!(prefix.status().as_u16(), status, "{}", err.code);
    assert!(
        err.code.split_once('.').is_some_and(|(_, t)| !t.is_empty()),
        "{}",
        err.code
    );
    assert!(err.id.as_deref().is_some_and(|i| !i.is_empty()), "no Id");
    assert_eq!(err.details.len(), 1, "{err}");
    assert!(resp.headers().contains_key("x-fapi-interaction-id"));
    let d = &err.details[0];
    (status, d.code.as_str().to_owned(), d.path.clone())
}

fn request(
    tpp: &Tpp,
    method: &str,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Request<Vec<u8>> {
    let mut b = Request::builder().method(method).uri(tpp.url(path));
    if !token.is_empty() {
        b = b.header("authorization", format!("Bearer {token}"));
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.map(|v| v.to_string().into_bytes()).unwrap_or_default())
        .unwrap()
}

fn signature(body: &[u8], now: chrono::DateTime<chrono::Utc>) -> String {
    DetachedSigner::new(tpp_key(), format!("{ORG_ID}/{SOFTWARE_ID}"))
        .sign(body, now)
        .unwrap()
}

fn initiation() -> Value {
    json!({
        "InstructionIdentification": "ACME412",
        "EndToEndIdentification": "FRESCO.21302.GFX.20",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": "12.50", "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"},
        "RemittanceInformation": {"Reference": "FRESCO-101"},
        "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY, "AccountID": HEAVY_ACCOUNT}
    })
}

/// The OBIE Read/Write Data API profile's HTTP rules, before any handler.
#[test]
fn http_follows_the_ob_profile() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let app = tpp.app_token();
    // "If an ASPSP has not implemented an API endpoint, it must respond with a 404": an
    // endpoint of the spec Monzo does not serve, and a path of nothing.
    for path in [
        format!("{AISP}/accounts/{HEAVY_ACCOUNT}/statements"),
        format!("{AISP}/beneficiaries"),
        format!("{PISP}/file-payment-consents"),
        format!("{PISP}/domestic-payments/x/payment-details"),
        "/open-banking/v3.1/nothing".to_owned(),
    ] {
        let resp = tpp.send(request(&tpp, "GET", &path, &token, &[], None), true);
        assert_eq!(obie(&resp).0, 404, "{path}");
    }
    // 405 with Allow for a method the path does not have (RFC 9110: Allow is required).
    for (method, path, allow) in [
        ("PUT", format!("{AISP}/accounts"), "GET"),
        (
            "POST",
            format!("{AISP}/account-access-consents/x"),
            "DELETE, GET",
        ),
        (
            "DELETE",
            format!("{PISP}/domestic-payment-consents"),
            "POST",
        ),
        ("PATCH", "/open-banking/token".to_owned(), "POST"),
        ("HEAD", format!("{AISP}/pots"), "GET"),
    ] {
        let resp = tpp.send(request(&tpp, method, &path, &token, &[], None), true);
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
        assert!(resp.headers().contains_key("x-fapi-interaction-id"));
    }
    // 406: "If set to an unacceptable value the ASPSP must respond with a 406".
    let resp = tpp.send(
        request(
            &tpp,
            "GET",
            &format!("{AISP}/accounts"),
            &token,
            &[("accept", "application/xml")],
            None,
        ),
        true,
    );
    assert_eq!((resp.status().as_u16(), resp.body().len()), (406, 0));
    // The most specific media range decides (RFC 9110 12.5.1): JSON refused outright is a 406
    // even when */* would take anything.
    for (accept, status) in [
        ("application/json;q=0, */*", 406),
        ("application/json;charset=latin1, */*", 200),
        ("text/html, application/json;charset=utf8;q=0.5", 200),
    ] {
        let resp = tpp.send(
            request(
                &tpp,
                "GET",
                &format!("{AISP}/accounts"),
                &token,
                &[("accept", accept)],
                None,
            ),
            true,
        );
        assert_eq!(resp.status(), status, "{accept}");
    }
    // 415: Content-Type "must be set to application/json ... If set to any other value, the
    // ASPSP must respond with a 415" (Monzo offers no encrypted payloads).
    for ct in [
        "text/plain",
        "application/jose+jwe",
        "application/json; charset=latin1",
    ] {
        let body = json!({"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}});
        let resp = tpp.send(
            request(
                &tpp,
                "POST",
                &format!("{AISP}/account-access-consents"),
                &app,
                &[("content-type", ct)],
                Some(&body),
            ),
            true,
        );
        assert_eq!(resp.status(), 415, "{ct}");
    }
    // 401 without a body, with RFC 6750's challenge: no credentials, then a bad token.
    let resp = tpp.send(
        request(&tpp, "GET", &format!("{AISP}/accounts"), "", &[], None),
        true,
    );
    assert_eq!((resp.status().as_u16(), resp.body().len()), (401, 0));
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let resp = tpp.send(
        request(&tpp, "GET", &format!("{AISP}/accounts"), "nope", &[], None),
        true,
    );
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#
    );
    // Declared headers: x-fapi-auth-date follows the specs' RFC 7231 pattern.
    let resp = tpp.send(
        request(
            &tpp,
            "GET",
            &format!("{AISP}/accounts"),
            &token,
            &[("x-fapi-auth-date", "2017-09-10T19:43:31Z")],
            None,
        ),
        true,
    );
    assert_eq!(
        obie(&resp),
        (
            400,
            "UK.OBIE.Header.Invalid".into(),
            Some("x-fapi-auth-date".into())
        )
    );
    let resp = tpp.send(
        request(
            &tpp,
            "GET",
            &format!("{AISP}/accounts"),
            &token,
            &[("x-fapi-auth-date", "Sun, 10 Sep 2017 19:43:31 GMT")],
            None,
        ),
        true,
    );
    assert_eq!(resp.status(), 200);
    // A declared header whose value is not visible ASCII cannot be read: refused, named.
    let resp = tpp.send(
        request(
            &tpp,
            "GET",
            &format!("{AISP}/accounts"),
            &token,
            &[("x-fapi-customer-ip-address", "10.0.0.1\u{20ac}")],
            None,
        ),
        true,
    );
    assert_eq!(
        obie(&resp),
        (
            400,
            "UK.OBIE.Header.Invalid".into(),
            Some("x-fapi-customer-ip-address".into())
        )
    );
    // Query parameters: Monzo wants RFC 3339 times ("you will need to provide the start and
    // end times in RFC3339 format"; OBIE's profile would take them without a time zone), and
    // its own order parameter.
    for (query, code, path) in [
        (
            "fromBookingDateTime=2024-01-01T00:00:00",
            "UK.OBIE.Field.InvalidDate",
            "fromBookingDateTime",
        ),
        (
            "toBookingDateTime=yesterday",
            "UK.OBIE.Field.InvalidDate",
            "toBookingDateTime",
        ),
        ("order=sideways", "UK.OBIE.Field.Invalid", "order"),
        ("PotId=", "UK.OBIE.Field.Invalid", "PotId"),
    ] {
        let resp = tpp.send(
            request(
                &tpp,
                "GET",
                &format!("{AISP}/accounts/{HEAVY_ACCOUNT}/transactions?{query}"),
                &token,
                &[],
                None,
            ),
            true,
        );
        assert_eq!(
            obie(&resp),
            (400, code.into(), Some(path.into())),
            "{query}"
        );
    }
    let resp = tpp.send(
        request(
            &tpp,
            "GET",
            &format!("{AISP}/balances?includePots=perhaps"),
            &token,
            &[],
            None,
        ),
        true,
    );
    assert_eq!(
        obie(&resp),
        (
            400,
            "UK.OBIE.Field.Invalid".into(),
            Some("includePots".into())
        )
    );
}

/// Idempotency keys and signatures on payment requests: OBIE "must reject any API requests
/// that should be signed but do not contain a signature ... with a 400"; the key is "at most
/// 40 characters"; payment errors carry the bank's signature ("this header should be returned
/// for error responses where a response body is returned").
#[test]
fn payment_requests_need_a_key_and_a_signature_and_errors_are_signed() {
    let mut p = Payer::new();
    let now = p.tpp.now;
    let body = json!({"Data": {"Initiation": initiation()}, "Risk": {}});
    let bytes = body.to_string();
    let sig = signature(bytes.as_bytes(), now);
    let path = format!("{PISP}/domestic-payment-consents");
    let long_key = "k".repeat(41);
    // Headers sent, the ErrorCode and the Path expected.
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            vec![("x-jws-signature", &sig)],
            "UK.OBIE.Header.Missing",
            "x-idempotency-key",
        ),
        (
            vec![("x-jws-signature", &sig), ("x-idempotency-key", &long_key)],
            "UK.OBIE.Header.Invalid",
            "x-idempotency-key",
        ),
        (
            vec![("x-jws-signature", &sig), ("x-idempotency-key", " k")],
            "UK.OBIE.Header.Invalid",
            "x-idempotency-key",
        ),
        (
            vec![("x-idempotency-key", "k-1")],
            "UK.OBIE.Signature.Missing",
            "x-jws-signature",
        ),
    ];
    let bank = bank_keys(&mut p.tpp);
    for (headers, code, path_) in cases {
        let mut all = vec![("content-type", "application/json")];
        all.extend(headers);
        let resp = p.tpp.send(
            request(&p.tpp, "POST", &path, &p.app, &all, Some(&body)),
            true,
        );
        assert_eq!(
            obie(&resp),
            (400, code.into(), Some(path_.into())),
            "{all:?}"
        );
        check_bank_signature(&resp, &bank, now);
    }
    // A signature whose cty is not JSON (OBIE: "it must be set to the value json or
    // application/json for json payloads").
    let pdf = DetachedSigner::new(tpp_key(), format!("{ORG_ID}/{SOFTWARE_ID}"))
        .content_type(Some("application/pdf".into()))
        .sign(bytes.as_bytes(), now)
        .unwrap();
    let resp = p.tpp.send(
        request(
            &p.tpp,
            "POST",
            &path,
            &p.app,
            &[
                ("content-type", "application/json"),
                ("x-idempotency-key", "k-2"),
                ("x-jws-signature", &pdf),
            ],
            Some(&body),
        ),
        true,
    );
    assert_eq!(obie(&resp).1, "UK.OBIE.Signature.InvalidClaim");
    check_bank_signature(&resp, &bank, now);
    // A 403 of the payment API is signed too.
    let (mut reader, token) = Tpp::heavy_transactions_reader();
    let resp = reader.send(
        request(
            &reader,
            "POST",
            &path,
            &token,
            &[
                ("content-type", "application/json"),
                ("x-idempotency-key", "k-3"),
                ("x-jws-signature", &sig),
            ],
            Some(&body),
        ),
        true,
    );
    assert!(
        matches!(resp.status().as_u16(), 401 | 403),
        "{}",
        resp.status()
    );
}

fn bank_keys(tpp: &mut Tpp) -> Jwks {
    let resp = tpp.send(
        Request::get(tpp.url("/open-banking/jwks"))
            .body(Vec::new())
            .unwrap(),
        false,
    );
    Jwks::from_json(resp.body()).unwrap()
}

fn check_bank_signature(resp: &Response<Vec<u8>>, bank: &Jwks, now: chrono::DateTime<chrono::Utc>) {
    let sig = resp.headers()["x-jws-signature"].to_str().unwrap();
    DetachedVerifier::new("0015800001ZEc3hAAD")
        .verify(Some(sig), resp.body(), bank, now)
        .unwrap();
}

/// Request bodies are decoded, then checked by `validate()` in Monzo's profile: the first
/// problem is the answer, with its `UK.OBIE.*` code and `Path`.
#[test]
fn request_bodies_are_checked_against_the_spec_and_monzo_s_profile() {
    let mut p = Payer::new();
    let now = p.tpp.now;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut b = json!({"Data": {"Initiation": initiation()}, "Risk": {}});
        change(&mut b);
        b
    };
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "unknown member on a closed object",
            with(&|b| b["Data"]["Initiation"]["Colour"] = json!("red")),
            "UK.OBIE.Field.Unexpected",
            "Data.Initiation.Colour",
        ),
        (
            "required member missing",
            with(&|b| {
                b["Data"]["Initiation"]
                    .as_object_mut()
                    .unwrap()
                    .remove("CreditorAccount");
            }),
            "UK.OBIE.Field.Missing",
            "Data.Initiation.CreditorAccount",
        ),
        (
            "GBP in fractions of a penny",
            with(&|b| b["Data"]["Initiation"]["InstructedAmount"]["Amount"] = json!("10.001")),
            "UK.OBIE.Field.Invalid",
            "Data.Initiation.InstructedAmount.Amount",
        ),
        (
            "another currency",
            with(&|b| b["Data"]["Initiation"]["InstructedAmount"]["Currency"] = json!("EUR")),
            "UK.OBIE.Unsupported.Currency",
            "Data.Initiation.InstructedAmount.Currency",
        ),
        (
            "an IBAN creditor",
            with(&|b| {
                b["Data"]["Initiation"]["CreditorAccount"]["SchemeName"] = json!("UK.OBIE.IBAN")
            }),
            "UK.OBIE.Unsupported.Scheme",
            "Data.Initiation.CreditorAccount.SchemeName",
        ),
        (
            "another local instrument",
            with(&|b| b["Data"]["Initiation"]["LocalInstrument"] = json!("UK.OBIE.CHAPS")),
            "UK.OBIE.Unsupported.LocalInstrument",
            "Data.Initiation.LocalInstrument",
        ),
        (
            "a sort code account number of 13 digits",
            with(&|b| {
                b["Data"]["Initiation"]["CreditorAccount"]["Identification"] =
                    json!("0808002132569")
            }),
            "UK.OBIE.Field.Invalid",
            "Data.Initiation.CreditorAccount.Identification",
        ),
        (
            "an over-long reference",
            with(&|b| {
                b["Data"]["Initiation"]["RemittanceInformation"]["Reference"] =
                    json!("r".repeat(36))
            }),
            "UK.OBIE.Field.Invalid",
            "Data.Initiation.RemittanceInformation.Reference",
        ),
        (
            "a null member",
            with(&|b| {
                b["Data"]["Initiation"]["RemittanceInformation"]["Unstructured"] = Value::Null
            }),
            "UK.OBIE.Field.Invalid",
            "Data.Initiation.RemittanceInformation.Unstructured",
        ),
        (
            "a wrong JSON type",
            with(&|b| b["Data"]["Initiation"]["InstructedAmount"] = json!("12.50")),
            "UK.OBIE.Field.Invalid",
            "Data.Initiation.InstructedAmount",
        ),
        (
            "an unknown sandbox user",
            with(&|b| {
                b["Data"]["Initiation"]["SupplementaryData"]["UserID"] = json!("user_nobody")
            }),
            "UK.OBIE.Field.Invalid",
            "Data.Initiation.SupplementaryData.UserID",
        ),
    ];
    let path = format!("{PISP}/domestic-payment-consents");
    for (i, (name, body, code, at)) in cases.into_iter().enumerate() {
        let key = format!("body-{i}");
        let (status, v, _) = p.post(
            "/domestic-payment-consents",
            &p.app.clone(),
            &key,
            &body,
            true,
        );
        assert_eq!(status, 400, "{name}: {v}");
        assert_eq!(v["Errors"][0]["ErrorCode"], code, "{name}: {v}");
        assert_eq!(v["Errors"][0]["Path"], at, "{name}: {v}");
    }
    // An empty body, and a standing order with fields Monzo refuses.
    let resp = p.tpp.send(
        request(
            &p.tpp,
            "POST",
            &path,
            &p.app,
            &[
                ("content-type", "application/json"),
                ("x-idempotency-key", "empty"),
                ("x-jws-signature", &signature(b"", now)),
            ],
            None,
        ),
        true,
    );
    assert_eq!(
        obie(&resp),
        (400, "UK.OBIE.Field.Missing".into(), Some("$".into()))
    );
    let first = (now + Duration::days(3)).to_rfc3339();
    let order = json!({"Data": {"Permission": "Create", "Initiation": {
        "Frequency": "IntrvlMnthDay:01:15", "Reference": "rent", "FirstPaymentDateTime": first,
        "RecurringPaymentDateTime": first,
        "FirstPaymentAmount": {"Amount": "10.00", "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"}}}, "Risk": {}});
    let (status, v, _) = p.post(
        "/domestic-standing-order-consents",
        &p.app.clone(),
        "so-1",
        &order,
        true,
    );
    assert_eq!(status, 400, "{v}");
    assert_eq!(
        v["Errors"][0]["ErrorCode"], "UK.OBIE.Field.Unexpected",
        "{v}"
    );
    // Account access: permissions Monzo does not serve.
    let mut tpp = Tpp::register();
    let app = tpp.app_token();
    let (status, v) = tpp.json(
        "POST",
        &format!("{AISP}/account-access-consents"),
        &app,
        Some(json!({"Data": {"Permissions": ["ReadAccountsBasic", "ReadPAN"]}, "Risk": {}})),
    );
    assert_eq!(status, 400);
    assert_eq!(v["Errors"][0]["ErrorCode"], "UK.OBIE.Field.Invalid");
    assert_eq!(v["Errors"][0]["Path"], "Data.Permissions[1]");
}

/// The deleted consent is gone: OBIE v3.1.10 profile, "The ASPSP must delete the resource ...
/// and respond to subsequent GET requests with an Http Status of 400"; the state is terminal,
/// and `Revoked` "is not applicable for the resource created after Ver 3.1.4".
#[test]
fn a_deleted_consent_answers_400_and_stays_deleted() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let at = tpp.authorise(&consent).access_token.expose().to_owned();
    let app = tpp.app_token();
    let path = format!("{AISP}/account-access-consents/{consent}");
    let (status, _) = tpp.json("DELETE", &path, &app, None);
    assert_eq!(status, 204);
    for method in ["GET", "DELETE"] {
        let resp = tpp.send(request(&tpp, method, &path, &app, &[], None), true);
        assert_eq!(
            obie(&resp),
            (400, "UK.OBIE.Resource.NotFound".into(), None),
            "{method}"
        );
    }
    let (status, _) = tpp.json("GET", &format!("{AISP}/accounts"), &at, None);
    assert_eq!(status, 401, "its tokens are revoked");
    // And it cannot be authorised again: an OAuth error on the redirect.
    let url = tpp.authorize_url(&consent);
    let resp = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{REDIRECT}#error=")),
        "{location}"
    );
}

/// A request object with `claims` changed from a valid one, and the authorization URL for it.
fn authorize_with(
    tpp: &Tpp,
    consent: &str,
    query: &[(&str, &str)],
    change: &dyn Fn(&mut Object),
) -> String {
    let now = tpp.now.timestamp();
    let intent = json!({"value": consent, "essential": true});
    let mut claims: Object = serde_json::from_value(json!({
        "iss": tpp.client_id, "aud": tpp.url("/open-banking"), "client_id": tpp.client_id,
        "response_type": "code id_token", "redirect_uri": REDIRECT, "scope": "openid accounts",
        "state": "st-1", "nonce": "no-1", "iat": now, "nbf": now, "exp": now + 600,
        "claims": {"id_token": {"openbanking_intent_id": intent, "acr": {"essential": true, "values": ["urn:openbanking:psd2:sca"]}}}
    }))
    .unwrap();
    change(&mut claims);
    let jwt = jws::sign_json(tpp_key(), &Object::new(), &claims).unwrap();
    let mut pairs: Vec<(&str, &str)> = vec![
        ("response_type", "code id_token"),
        ("client_id", &tpp.client_id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid accounts"),
        ("request", &jwt),
    ];
    for (k, v) in query {
        pairs.retain(|(name, _)| name != k);
        if !v.is_empty() {
            pairs.push((k, v));
        }
    }
    format!(
        "{}?{}",
        tpp.url("/open-banking/authorize"),
        ob_oidc::form::encode_pairs(&pairs)
    )
}

/// FAPI 1 Advanced §5.2.2: the request object is required, complete and authoritative;
/// errors go back to the client on its redirect (OIDC Core §3.1.2.6, in the fragment for
/// `code id_token`), but never to a redirect URI that cannot be trusted.
#[test]
fn the_request_object_is_authoritative_and_errors_go_back_on_the_redirect() {
    let mut tpp = Tpp::register();
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    // What the case is, the query parameters it sets (an empty value removes one), how it
    // changes the request object, and the OAuth error expected.
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        Box<dyn Fn(&mut Object)>,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "no nbf (FAPI 5.2.2-17)",
            vec![],
            Box::new(|c| {
                c.remove("nbf");
            }),
            "invalid_request_object",
        ),
        (
            "exp - nbf over 60 minutes (5.2.2-13)",
            vec![],
            Box::new(|c| {
                c.insert("exp".into(), json!(c["nbf"].as_i64().unwrap() + 3601));
            }),
            "invalid_request_object",
        ),
        (
            "nbf more than 60 minutes old (5.2.2-17)",
            vec![],
            Box::new(|c| {
                let n = c["nbf"].as_i64().unwrap();
                c.insert("nbf".into(), json!(n - 3700));
                c.insert("exp".into(), json!(n + 60));
            }),
            "invalid_request_object",
        ),
        (
            "aud another issuer (5.2.2-15)",
            vec![],
            Box::new(|c| {
                c.insert("aud".into(), json!("https://elsewhere.example"));
            }),
            "invalid_request_object",
        ),
        (
            "no state",
            vec![],
            Box::new(|c| {
                c.remove("state");
            }),
            "invalid_request_object",
        ),
        (
            "no nonce",
            vec![],
            Box::new(|c| {
                c.remove("nonce");
            }),
            "invalid_request_object",
        ),
        (
            "no scope with openid",
            vec![],
            Box::new(|c| {
                c.insert("scope".into(), json!("accounts"));
            }),
            "invalid_request_object",
        ),
        (
            "the query's scope differs",
            vec![("scope", "openid payments")],
            Box::new(|_| {}),
            "invalid_request_object",
        ),
        (
            "no scope in the query (OIDC 6.1)",
            vec![("scope", "")],
            Box::new(|_| {}),
            "invalid_request",
        ),
        (
            "no response_type in the query (OIDC 6.1)",
            vec![("response_type", "")],
            Box::new(|_| {}),
            "invalid_request",
        ),
        (
            "response_type code",
            vec![("response_type", "code")],
            Box::new(|c| {
                c.insert("response_type".into(), json!("code"));
            }),
            "unsupported_response_type",
        ),
        (
            "the query's state differs",
            vec![("state", "other")],
            Box::new(|_| {}),
            "invalid_request_object",
        ),
        (
            "no intent id",
            vec![],
            Box::new(|c| {
                c.remove("claims");
            }),
            "invalid_request_object",
        ),
        (
            "iss another client",
            vec![],
            Box::new(|c| {
                c.insert("iss".into(), json!("someone"));
            }),
            "invalid_request_object",
        ),
        (
            "a consent scope of another API",
            vec![("scope", "openid payments")],
            Box::new(|c| {
                c.insert("scope".into(), json!("openid payments"));
            }),
            "invalid_scope",
        ),
    ];
    for (name, query, change, error) in cases {
        let url = authorize_with(&tpp, &consent, &query, &*change);
        let resp = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
        assert_eq!(
            resp.status(),
            302,
            "{name}: {}",
            String::from_utf8_lossy(resp.body())
        );
        let location = resp.headers()["location"].to_str().unwrap();
        let (uri, fragment) = location.split_once('#').unwrap();
        assert_eq!(uri, REDIRECT, "{name}");
        let pairs = ob_oidc::form::decode_pairs(fragment).unwrap();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("error"), Some(error), "{name}: {fragment}");
        assert!(get("code").is_none() && get("id_token").is_none(), "{name}");
        if name != "no state" && name != "the query's state differs" {
            assert_eq!(get("state"), Some("st-1"), "{name}");
        }
    }
    // Nothing of that authorised the consent: an array aud holding the issuer works, and a
    // response type is a set (its values in any order).
    let url = authorize_with(
        &tpp,
        &consent,
        &[("response_type", "id_token code")],
        &|c| {
            c.insert(
                "aud".into(),
                json!(["https://other.example", c["aud"].clone()]),
            );
        },
    );
    let resp = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("code="), "{location}");
    let tokens = tpp.finish(&consent, &location);
    assert!(!tokens.access_token.expose().is_empty());

    // A redirect URI the client did not register: an error page, never a redirect there.
    let other = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let url = authorize_with(
        &tpp,
        &other,
        &[("redirect_uri", "https://evil.example/cb")],
        &|c| {
            c.insert("redirect_uri".into(), json!("https://evil.example/cb"));
        },
    );
    let resp = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    assert_eq!(resp.status(), 400);
    assert!(!resp.headers().contains_key("location"));
    // Another client's consent: access_denied, on this client's redirect.
    let (other_client, other_dn) = tpp.register_software(
        "OtherSoftware00000002",
        "0015800001OTHER0002",
        "openid accounts",
    );
    let own = (
        std::mem::replace(&mut tpp.client_id, other_client),
        std::mem::replace(&mut tpp.dn, other_dn),
    );
    let theirs = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    (tpp.client_id, tpp.dn) = own;
    let url = authorize_with(&tpp, &theirs, &[], &|_| {});
    let resp = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(location.contains("error=access_denied"), "{location}");
}

/// OIDC Discovery §3's REQUIRED members, and what a TPP needs to register (the `aud`).
#[test]
fn discovery_has_every_required_member_and_the_registration_audience() {
    let mut tpp = Tpp::register();
    let resp = tpp.send(
        Request::get(tpp.url("/open-banking/.well-known/openid-configuration"))
            .body(Vec::new())
            .unwrap(),
        false,
    );
    let meta: Value = serde_json::from_slice(resp.body()).unwrap();
    for member in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ] {
        assert!(meta.get(member).is_some(), "{member}");
    }
    assert_eq!(meta["request_parameter_supported"], true);
    assert_eq!(meta["claims_parameter_supported"], true);
    assert_eq!(meta["registration_audience"], "0015800001ZEc3hAAD");
    // id_tokens carry auth_time (OIDC Core §2: REQUIRED with max_age; always here).
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let resp = tpp.send(
        Request::get(tpp.authorize_url(&consent))
            .body(Vec::new())
            .unwrap(),
        false,
    );
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let callback = ob_oidc::callback::parse_callback(&location, "st-1").unwrap();
    let (_, payload) = ob_jose::dangerous::peek_unverified(&callback.id_token).unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["auth_time"], tpp.now.timestamp());
}

/// The token endpoint and DCR 3.2's management rules.
#[test]
fn token_endpoint_and_registration_management_follow_rfc_6749_and_dcr() {
    let mut tpp = Tpp::register();
    // RFC 6749 §3.3: no scope is the registered one; §5.1: no-store, no-cache.
    for scope in [None, Some("")] {
        let mut pairs = vec![
            ("grant_type", "client_credentials"),
            ("client_id", tpp.client_id.as_str()),
        ];
        if let Some(s) = scope {
            pairs.push(("scope", s));
        }
        let req = Request::post(tpp.url("/open-banking/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(ob_oidc::form::encode_pairs(&pairs).into_bytes())
            .unwrap();
        let resp = tpp.send(req, true);
        assert_eq!(
            resp.status(),
            200,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        assert_eq!(resp.headers()["cache-control"], "no-store");
        assert_eq!(resp.headers()["pragma"], "no-cache");
        let v: Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(v["scope"], "accounts");
    }
    // An error from the token endpoint is not cached either.
    let req = Request::post(tpp.url("/open-banking/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            ob_oidc::form::encode_pairs(&[
                ("grant_type", "password"),
                ("client_id", &tpp.client_id),
            ])
            .into_bytes(),
        )
        .unwrap();
    let resp = tpp.send(req, true);
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    // DCR 3.2: "If the ClientId is unknown, the ASPSP responds with an Unauthorized status
    // code and immediately revokes the access token."
    let app = tpp.app_token();
    let (status, _) = tpp.json(
        "GET",
        "/open-banking/register/oauth2client_unknown",
        &app,
        None,
    );
    assert_eq!(status, 401);
    let (status, _) = tpp.json(
        "GET",
        &format!("/open-banking/register/{}", tpp.client_id.clone()),
        &app,
        None,
    );
    assert_eq!(status, 401, "the token was revoked");
}
