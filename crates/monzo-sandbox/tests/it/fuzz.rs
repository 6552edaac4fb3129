//! Fuzzing the emulator's core on the stable toolchain: proptest draws requests (any method,
//! paths built from every operation's template with odd segments, known headers with good and
//! bad values, bodies mutated from valid ones or random bytes, no token, a bad one, or a valid
//! client-credentials or consent token) and every answer is checked:
//!
//! - no panic, and no 500 (the core has no internal error to report for bad input);
//! - an `x-fapi-interaction-id`;
//! - an error body is `OBErrorResponse1` with a `<prefix.type>` code whose prefix is paired
//!   with the status (Monzo's table), exactly one `OBError1`, a trace `Id`; or an OAuth error
//!   at the OAuth endpoints; a 401 has no body and a `WWW-Authenticate`; a 405 an `Allow`;
//! - a refused request (4xx) changed nothing ([`Sandbox::state_digest`]).
//!
//! `FUZZ_CASES` sets the number of cases (CI runs a bounded number; a long run:
//! `FUZZ_CASES=200000 cargo test -p monzo-sandbox --test it fuzz`).

use http::{Method, Request, Response};
use monzo_sandbox::core::{Context, Sandbox};
use ob_errors::Prefix;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

use crate::support::{tpp_key, Tpp, ORG_ID, SOFTWARE_ID};

/// Cases per property, from `FUZZ_CASES` (default 1500).
pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

/// Paths of the emulator, with the method each usually takes.
const TEMPLATES: &[(&str, &str)] = &[
    ("GET", "/open-banking/.well-known/openid-configuration"),
    ("GET", "/open-banking/jwks"),
    ("POST", "/open-banking/register"),
    ("GET", "/open-banking/register/{id}"),
    ("POST", "/open-banking/token"),
    ("GET", "/open-banking/authorize"),
    ("POST", "/open-banking/authorize/decision"),
    ("POST", "/open-banking/sandbox/software-statements"),
    ("POST", "/open-banking/sandbox/pots/{pot}/transactions"),
    ("GET", "/open-banking/sandbox/clock"),
    ("POST", "/open-banking/sandbox/clock"),
    ("POST", "/open-banking/v3.1/aisp/account-access-consents"),
    (
        "GET",
        "/open-banking/v3.1/aisp/account-access-consents/{id}",
    ),
    ("GET", "/open-banking/v3.1/aisp/accounts"),
    ("GET", "/open-banking/v3.1/aisp/accounts/{account}"),
    ("GET", "/open-banking/v3.1/aisp/accounts/{account}/balances"),
    (
        "GET",
        "/open-banking/v3.1/aisp/accounts/{account}/transactions",
    ),
    ("GET", "/open-banking/v3.1/aisp/accounts/{account}/party"),
    ("GET", "/open-banking/v3.1/aisp/accounts/{account}/parties"),
    (
        "GET",
        "/open-banking/v3.1/aisp/accounts/{account}/direct-debits",
    ),
    (
        "GET",
        "/open-banking/v3.1/aisp/accounts/{account}/standing-orders",
    ),
    (
        "GET",
        "/open-banking/v3.1/aisp/accounts/{account}/scheduled-payments",
    ),
    (
        "GET",
        "/open-banking/v3.1/aisp/accounts/{account}/statements",
    ),
    ("GET", "/open-banking/v3.1/aisp/balances"),
    ("GET", "/open-banking/v3.1/aisp/transactions"),
    ("GET", "/open-banking/v3.1/aisp/party"),
    ("GET", "/open-banking/v3.1/aisp/pots"),
    ("GET", "/open-banking/v3.1/aisp/pots/{pot}/transactions"),
    ("POST", "/open-banking/v3.1/pisp/domestic-payment-consents"),
    (
        "GET",
        "/open-banking/v3.1/pisp/domestic-payment-consents/{id}",
    ),
    (
        "GET",
        "/open-banking/v3.1/pisp/domestic-payment-consents/{id}/funds-confirmation",
    ),
    ("POST", "/open-banking/v3.1/pisp/domestic-payments"),
    ("GET", "/open-banking/v3.1/pisp/domestic-payments/{id}"),
    (
        "GET",
        "/open-banking/v3.1/pisp/domestic-payments/{id}/payment-details",
    ),
    (
        "POST",
        "/open-banking/v3.1/pisp/domestic-scheduled-payment-consents",
    ),
    (
        "POST",
        "/open-banking/v3.1/pisp/domestic-standing-order-consents",
    ),
    (
        "POST",
        "/open-banking/v3.1/pisp/international-payment-consents",
    ),
    ("POST", "/open-banking/v3.1/pisp/international-payments"),
    ("POST", "/open-banking/v3.1/pisp/file-payment-consents"),
    ("POST", "/open-banking/v3.1/pisp/domestic-vrp-consents"),
    ("GET", "/open-banking/v3.1/pisp/domestic-vrp-consents/{id}"),
    (
        "POST",
        "/open-banking/v3.1/pisp/domestic-vrp-consents/{id}/funds-confirmation",
    ),
    ("POST", "/open-banking/v3.1/pisp/domestic-vrps"),
    (
        "POST",
        "/open-banking/v3.1/cbpii/funds-confirmation-consents",
    ),
    (
        "GET",
        "/open-banking/v3.1/cbpii/funds-confirmation-consents/{id}",
    ),
    ("POST", "/open-banking/v3.1/cbpii/funds-confirmations"),
    ("POST", "/open-banking/v3.1/event-subscriptions"),
    ("GET", "/open-banking/v3.1/event-subscriptions/{id}"),
    ("POST", "/open-banking/v3.1/events"),
];

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("acc_0000A4C4ZSskDOixqNPfpR".to_owned()),
        Just("pot_qNPfpR0001".to_owned()),
        Just("obaispaccountaccessconsent_000001x".to_owned()),
        Just("%00".to_owned()),
        Just("..".to_owned()),
        Just("%E2%82%AC".to_owned()),
        "[a-zA-Z0-9_-]{1,24}",
        "[a-z]{1,8}",
    ]
}

/// A method and a path: usually a path of the emulator with its method and odd segments,
/// sometimes another method or a path of nothing.
fn target() -> impl Strategy<Value = (Method, String)> {
    let templated = (
        proptest::sample::select(TEMPLATES),
        segment(),
        segment(),
        segment(),
        prop_oneof![6 => Just(None), 1 => method().prop_map(Some)],
    )
        .prop_map(|((m, t), a, b, c, other)| {
            let path = t
                .replace("{id}", &a)
                .replace("{account}", &b)
                .replace("{pot}", &c);
            let method =
                other.unwrap_or_else(|| Method::from_bytes(m.as_bytes()).unwrap_or(Method::GET));
            (method, path)
        });
    let query = prop_oneof![
        Just(String::new()),
        Just("?fromBookingDateTime=2024-01-01T00:00:00Z&order=desc".to_owned()),
        Just("?fromBookingDateTime=yesterday".to_owned()),
        Just("?toBookingDateTime=2024-01-01T00:00:00".to_owned()),
        Just("?order=sideways&includePots=maybe".to_owned()),
        Just("?page=2".to_owned()),
        Just("?page=-1&PotId=pot_qNPfpR0001".to_owned()),
        "\\?[a-zA-Z=&%0-9]{0,20}",
    ];
    prop_oneof![
        8 => (templated, query).prop_map(|((m, p), q)| (m, format!("{p}{q}"))),
        1 => (method(), "/[a-zA-Z0-9/._%-]{0,40}"),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        10 => Just(Method::GET),
        10 => Just(Method::POST),
        2 => Just(Method::PUT),
        2 => Just(Method::DELETE),
        1 => Just(Method::PATCH),
        1 => Just(Method::HEAD),
        1 => Just(Method::OPTIONS),
        1 => Just(Method::TRACE),
    ]
}

/// Bodies that pass the gate, to mutate from.
fn seeds() -> Vec<Value> {
    let scan = json!({"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"});
    let initiation = json!({
        "InstructionIdentification": "ACME412", "EndToEndIdentification": "FRESCO.21302.GFX.20",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": "12.50", "Currency": "GBP"},
        "CreditorAccount": scan,
        "RemittanceInformation": {"Reference": "FRESCO-101"},
        "SupplementaryData": {"DesiredStatus": "Authorised"}
    });
    vec![
        // The clock control: a valid move is one second on (tokens stay live).
        json!({"AdvanceBy": "PT1S"}),
        json!({"Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"],
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": "user_0000A4C4ZChWNMEvew2U77"}}, "Risk": {}}),
        json!({"Data": {"Initiation": initiation}, "Risk": {}}),
        json!({"Data": {"ConsentId": "obpispdomesticpaymentconsent_000001x", "Initiation": initiation}, "Risk": {}}),
        json!({"Data": {"ControlParameters": {
            "VRPType": ["UK.OBIE.VRPType.Sweeping"], "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
            "MaximumIndividualAmount": {"Amount": "10.00", "Currency": "GBP"},
            "PeriodicLimits": [{"Amount": "100.00", "Currency": "GBP", "PeriodType": "Month", "PeriodAlignment": "Consent"}]},
            "Initiation": {"CreditorAccount": scan}}, "Risk": {}}),
        json!({"Data": {"DebtorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "04000469430924"}}}),
        json!({"Data": {"Version": "3.1.10", "EventTypes": ["urn:uk:org:openbanking:events:resource-update"]}}),
        json!({"maxEvents": 1, "ack": ["x"], "setErrs": {"y": {"err": "jwtIss", "description": "d"}}}),
        json!({"Source": "CardPayment", "Amount": "9.99", "Merchant": "Trainline"}),
    ]
}

/// A JSON value with one node replaced by something of another kind.
fn mutate_json(v: &mut Value, choice: &mut impl Iterator<Item = u8>) {
    let pick = choice.next().unwrap_or(0);
    match v {
        Value::Object(m) if !m.is_empty() && pick % 4 != 0 => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = &keys[usize::from(choice.next().unwrap_or(0)) % keys.len()];
            match pick % 7 {
                1 => {
                    m.remove(k);
                }
                2 => {
                    m.insert(format!("{k}X"), json!("unexpected"));
                }
                _ => mutate_json(m.get_mut(k).unwrap_or(&mut Value::Null), choice),
            }
        }
        Value::Array(a) if !a.is_empty() && pick % 4 != 0 => {
            let i = usize::from(choice.next().unwrap_or(0)) % a.len();
            mutate_json(&mut a[i], choice);
        }
        other => {
            *other = match pick % 9 {
                0 => Value::Null,
                1 => json!(true),
                2 => json!(-1.5e300),
                3 => json!(""),
                4 => json!("12.345"),
                5 => json!([]),
                6 => json!({}),
                7 => json!("2021-13-45T99:99:99"),
                _ => json!("\u{0}\u{FFFF}"),
            }
        }
    }
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        6 => (0..seeds().len(), proptest::collection::vec(any::<u8>(), 0..12)).prop_map(|(i, bytes)| {
            let mut v = seeds()[i].clone();
            mutate_json(&mut v, &mut bytes.into_iter());
            v.to_string().into_bytes()
        }),
        2 => (0..seeds().len(), proptest::collection::vec((any::<u16>(), any::<u8>()), 0..4)).prop_map(|(i, flips)| {
            let mut b = seeds()[i].to_string().into_bytes();
            for (at, byte) in flips {
                if !b.is_empty() {
                    let n = b.len();
                    b[usize::from(at) % n] = byte;
                }
            }
            b
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..64),
        1 => Just(format!("{}1{}", "[".repeat(40), "]".repeat(40)).into_bytes()),
    ]
}

/// How the request authenticates: which token it carries.
#[derive(Clone, Copy, Debug)]
enum Auth {
    None,
    Garbage,
    App,
    Consent,
}

fn headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let one = prop_oneof![
        (
            Just("content-type"),
            proptest::sample::select(vec![
                "application/json",
                "application/json; charset=utf-8",
                "application/jose+jwe",
                "text/plain",
                "application/json; charset=latin1",
                "application/x-www-form-urlencoded",
            ])
            .prop_map(str::to_owned)
        ),
        (
            Just("accept"),
            proptest::sample::select(vec![
                "application/json",
                "*/*",
                "application/xml",
                "application/json;q=0",
            ])
            .prop_map(str::to_owned)
        ),
        (
            Just("x-fapi-auth-date"),
            prop_oneof![
                Just("Sun, 10 Sep 2017 19:43:31 GMT".to_owned()),
                "[ -~]{0,12}"
            ]
        ),
        (
            Just("x-idempotency-key"),
            prop_oneof!["[a-z0-9-]{1,40}", "[a-z]{41,45}", Just(" x".to_owned())]
        ),
        (
            Just("x-jws-signature"),
            prop_oneof![Just(String::new()), "[A-Za-z0-9._-]{0,60}"]
        ),
        (Just("x-fapi-interaction-id"), "[ -~]{0,40}"),
        (
            Just("x-open-banking-legacy-errors"),
            Just("true".to_owned())
        ),
        (Just("x-fapi-customer-ip-address"), "[0-9.]{0,15}"),
    ];
    // Usually a JSON body, as a client sends; sometimes anything.
    let content_type = prop_oneof![
        8 => Just(Some(("content-type", "application/json".to_owned()))),
        2 => Just(None),
    ];
    (content_type, proptest::collection::vec(one, 0..5)).prop_map(|(ct, mut rest)| {
        if let Some(ct) = ct {
            rest.insert(0, ct);
        }
        rest
    })
}

/// Whether the answer is in a documented shape.
fn check_answer(req: &Request<Vec<u8>>, resp: &Response<Vec<u8>>) -> Result<(), String> {
    let status = resp.status().as_u16();
    if status >= 500 {
        return Err(format!(
            "{status}: {}",
            String::from_utf8_lossy(resp.body())
        ));
    }
    if !resp.headers().contains_key("x-fapi-interaction-id") {
        return Err("no x-fapi-interaction-id".into());
    }
    match status {
        // A resource's 401 has no body and a Bearer challenge; an OAuth endpoint's has an
        // OAuth error (the client authenticated with its certificate, not a header).
        401 if resp.body().is_empty() && !resp.headers().contains_key("www-authenticate") => {
            return Err("401 without WWW-Authenticate".into());
        }
        401 if !resp.body().is_empty() => {
            let body = String::from_utf8_lossy(resp.body());
            if !body.contains("\"error\"") {
                return Err(format!(
                    "401 with a body that is not an OAuth error: {body}"
                ));
            }
        }
        405 if !resp.headers().contains_key("allow") => {
            return Err("405 without Allow".into());
        }
        _ => {}
    }
    if status < 400 || resp.body().is_empty() {
        return Ok(());
    }
    let v: Value = serde_json::from_slice(resp.body())
        .map_err(|e| format!("{status}: an error body that is not JSON ({e})"))?;
    if let Some(code) = v.get("Code").and_then(Value::as_str) {
        let (prefix, kind) = code
            .split_once('.')
            .ok_or_else(|| format!("Code {code:?} is not <prefix.type>"))?;
        let p = Prefix::of_code(code).ok_or_else(|| format!("unknown prefix {prefix:?}"))?;
        if kind.is_empty() || p.status().as_u16() != status {
            return Err(format!("Code {code:?} with status {status}"));
        }
        if req.headers().contains_key("x-open-banking-legacy-errors") {
            return Ok(());
        }
        let errors = v["Errors"].as_array().ok_or("no Errors")?;
        if errors.len() != 1 || !errors[0]["ErrorCode"].is_string() {
            return Err(format!("Errors is not one OBError1: {v}"));
        }
        if errors[0]
            .get("Path")
            .is_some_and(|p| p.as_str().is_none_or(str::is_empty))
        {
            return Err(format!("an empty Path: {v}"));
        }
        if v["Id"].as_str().is_none_or(str::is_empty) {
            return Err(format!("no Id: {v}"));
        }
        return Ok(());
    }
    if v.get("error").and_then(Value::as_str).is_some() {
        return Ok(());
    }
    Err(format!(
        "{status}: an error body of no documented shape: {v}"
    ))
}

#[test]
fn the_core_answers_anything_in_a_documented_shape() {
    let (mut tpp, consent_token) = Tpp::heavy_transactions_reader();
    let app = std::cell::RefCell::new(tpp.app_token());
    let dn = tpp.dn.clone();
    let now = tpp.now;
    let base = tpp.url("");
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        target(),
        headers(),
        body(),
        prop_oneof![
            1 => Just(Auth::None),
            1 => Just(Auth::Garbage),
            3 => Just(Auth::App),
            3 => Just(Auth::Consent),
        ],
        proptest::bool::weighted(0.9),
        proptest::bool::weighted(0.7),
    );
    let tpp = std::cell::RefCell::new(tpp);
    runner
        .run(
            &strategy,
            |((method, path), headers, body, auth, cert, sign)| {
                let mut b = Request::builder()
                    .method(method)
                    .uri(format!("{base}{path}"));
                match auth {
                    Auth::None => {}
                    Auth::Garbage => b = b.header("authorization", "Bearer not-a-token"),
                    Auth::App => b = b.header("authorization", format!("Bearer {}", app.borrow())),
                    Auth::Consent => {
                        b = b.header("authorization", format!("Bearer {consent_token}"))
                    }
                }
                for (k, v) in &headers {
                    if let Ok(v) = http::HeaderValue::from_str(v) {
                        b = b.header(*k, v);
                    }
                }
                if sign {
                    let sig = ob_jose::detached::DetachedSigner::new(
                        tpp_key(),
                        format!("{ORG_ID}/{SOFTWARE_ID}"),
                    )
                    .sign(&body, now)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                    b = b.header("x-jws-signature", sig);
                }
                let Ok(req) = b.body(body) else {
                    return Ok(());
                };
                let ctx = Context {
                    now,
                    client_certificate_dn: cert.then(|| dn.clone()),
                };
                let mut tpp = tpp.borrow_mut();
                let sandbox: &mut Sandbox = tpp.sandbox();
                let before = sandbox.state_digest();
                let resp = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    sandbox.handle(&req, &ctx)
                }))
                .map_err(|_| {
                    TestCaseError::fail(format!("panic on {} {}", req.method(), req.uri()))
                })?;
                check_answer(&req, &resp).map_err(|e| {
                    TestCaseError::fail(format!("{} {}: {e}", req.method(), req.uri()))
                })?;
                // A refused request changes nothing, with one exception: registration
                // management naming a client other than the token's answers 401 and revokes the
                // token it came with (DCR's rule). The fuzzer then takes a fresh token, so that
                // later cases still reach the handlers behind the gate.
                let status = resp.status().as_u16();
                let after = sandbox.state_digest();
                if (400..500).contains(&status) && before != after {
                    let revoked =
                        status == 401 && req.uri().path().starts_with("/open-banking/register/");
                    prop_assert!(
                        revoked,
                        "{} {} answered {} and changed the state",
                        req.method(),
                        req.uri(),
                        status
                    );
                    *app.borrow_mut() = tpp.app_token();
                }
                Ok(())
            },
        )
        .unwrap();
}
