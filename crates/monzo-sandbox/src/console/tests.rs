//! Tests of the console: who may see it, which posts it refuses, and the requests its controls
//! make.

use std::net::IpAddr;
use std::sync::OnceLock;

use http::{header, Method, Request, StatusCode};

use super::journal::Notifications;
use super::{Console, Outcome, View, PATH};
use crate::core::{Config, Keys, Sandbox};

const BASE: &str = "https://127.0.0.1:8443";
const LOOPBACK: &str = "127.0.0.1";
const ELSEWHERE: &str = "192.0.2.7";

fn sandbox() -> Sandbox {
    static KEYS: OnceLock<(String, String)> = OnceLock::new();
    let (bank, directory) = KEYS.get_or_init(|| {
        let k = Keys::generate().unwrap();
        (
            k.bank.to_pkcs8_pem().unwrap(),
            k.directory.to_pkcs8_pem().unwrap(),
        )
    });
    let keys = Keys {
        bank: ob_jose::SigningKey::from_pem("sandbox-bank-1", bank).unwrap(),
        directory: ob_jose::SigningKey::from_pem("sandbox-directory-1", directory).unwrap(),
    };
    Sandbox::new(Config::new(BASE), keys, 7)
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn get(path: &str) -> Request<Vec<u8>> {
    Request::get(path).body(Vec::new()).unwrap()
}

/// What the console makes of `req` from `peer`, over `sandbox` (no pushed notifications).
fn outcome(console: &Console, sandbox: &Sandbox, req: &Request<Vec<u8>>, peer: &str) -> Outcome {
    let notifications = Notifications::default();
    let view = View {
        sandbox,
        notifications: &notifications,
        wall: chrono::Utc::now(),
    };
    console.handle(&view, req, ip(peer))
}

fn answer(
    console: &Console,
    sandbox: &Sandbox,
    req: &Request<Vec<u8>>,
    peer: &str,
) -> http::Response<Vec<u8>> {
    match outcome(console, sandbox, req, peer) {
        Outcome::Answer(r) => r,
        Outcome::Control(c) => panic!("expected an answer, got the control {c:?}"),
    }
}

fn control(console: &Console, sandbox: &Sandbox, req: &Request<Vec<u8>>) -> super::Control {
    match outcome(console, sandbox, req, LOOPBACK) {
        Outcome::Control(c) => c,
        Outcome::Answer(r) => panic!(
            "expected a control, got {} {}",
            r.status(),
            String::from_utf8_lossy(r.body())
        ),
    }
}

/// A console form post, from `origin`, with the form token of `page`.
fn post(
    console: &Console,
    path: &str,
    page: &str,
    origin: Option<&str>,
    fields: &[(&str, &str)],
) -> Request<Vec<u8>> {
    let page = format!("{PATH}{page}");
    let token = console.form_token(&page);
    let mut pairs: Vec<(&str, &str)> = vec![("page", &page), ("csrf", &token)];
    pairs.extend_from_slice(fields);
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(format!("{PATH}{path}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    b.body(ob_oidc::form::encode_pairs(&pairs).into_bytes())
        .unwrap()
}

#[test]
fn without_a_token_the_console_answers_on_loopback_only() {
    let s = sandbox();
    let console = Console::new(None, b"key");
    for peer in [LOOPBACK, "::1", "::ffff:127.0.0.1"] {
        let r = answer(&console, &s, &get(PATH), peer);
        assert_eq!(r.status(), StatusCode::OK, "{peer}");
        let page = String::from_utf8(r.into_body()).unwrap();
        assert!(page.contains("Sandbox users and their accounts"));
    }
    for peer in [ELSEWHERE, "2001:db8::1", "10.0.0.1"] {
        let r = answer(&console, &s, &get(PATH), peer);
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{peer}");
        assert!(String::from_utf8_lossy(r.body()).contains("--console-token"));
    }
}

#[test]
fn with_a_token_every_address_needs_it_and_the_cookie_carries_its_fingerprint() {
    let s = sandbox();
    let token = "a-console-token-of-some-length";
    let console = Console::new(Some(token), b"key");
    // Without it: refused, loopback included.
    for peer in [LOOPBACK, ELSEWHERE] {
        assert_eq!(
            answer(&console, &s, &get(PATH), peer).status(),
            StatusCode::FORBIDDEN
        );
    }
    // A wrong token is refused.
    let wrong = get(&format!("{PATH}pots?token=not-the-token-at-all"));
    assert_eq!(
        answer(&console, &s, &wrong, ELSEWHERE).status(),
        StatusCode::FORBIDDEN
    );
    // The right one: back to the page without it, with the cookie.
    let first = answer(
        &console,
        &s,
        &get(&format!("{PATH}pots?token={token}")),
        ELSEWHERE,
    );
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        first.headers()[header::LOCATION],
        "/open-banking/sandbox/console/pots"
    );
    let cookie = first.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !cookie.contains(token),
        "the cookie holds a fingerprint, not the token"
    );
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let pair = cookie.split(';').next().unwrap();
    let with_cookie = Request::get(format!("{PATH}pots"))
        .header(header::COOKIE, format!("other=1; {pair}"))
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        answer(&console, &s, &with_cookie, ELSEWHERE).status(),
        StatusCode::OK
    );
    let forged = Request::get(format!("{PATH}pots"))
        .header(header::COOKIE, format!("{}=sha256:00", super::COOKIE))
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        answer(&console, &s, &forged, ELSEWHERE).status(),
        StatusCode::FORBIDDEN
    );
}

#[test]
fn a_cross_site_or_tokenless_post_is_refused() {
    let s = sandbox();
    let console = Console::new(None, b"key");
    let fields = [("advance", "P1D")];
    let refused = |req: Request<Vec<u8>>, why: &str| {
        let r = answer(&console, &s, &req, LOOPBACK);
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{why}");
        String::from_utf8(r.into_body()).unwrap()
    };
    // Another origin.
    let text = refused(
        post(
            &console,
            "controls/clock",
            "",
            Some("https://evil.example"),
            &fields,
        ),
        "origin",
    );
    assert!(text.contains("same origin"), "{text}");
    // No origin and no referer.
    refused(
        post(&console, "controls/clock", "", None, &fields),
        "no origin",
    );
    // The browser says cross-site, whatever the origin claims.
    let mut req = post(&console, "controls/clock", "", Some(BASE), &fields);
    req.headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    refused(req, "sec-fetch-site");
    // Same origin, but no token, or another key's, or the token of another page.
    let mut req = post(&console, "controls/clock", "", Some(BASE), &fields);
    *req.body_mut() = b"advance=P1D&page=%2Fopen-banking%2Fsandbox%2Fconsole%2F".to_vec();
    let text = refused(req, "no token");
    assert!(text.contains("token"), "{text}");
    let other = Console::new(None, b"another key");
    refused(
        post(&other, "controls/clock", "", Some(BASE), &fields),
        "another key",
    );
    let mut req = post(&console, "controls/clock", "pots", Some(BASE), &fields);
    let body = String::from_utf8(req.body().clone()).unwrap();
    *req.body_mut() = body
        .replace("console%2Fpots", "console%2Fpayments")
        .into_bytes();
    refused(req, "another page's token");
    // A same-origin post with its page's token is a control.
    let c = control(
        &console,
        &s,
        &post(&console, "controls/clock", "", Some(BASE), &fields),
    );
    assert_eq!(c.request.uri(), "/open-banking/sandbox/clock");
    // A referer of the same origin stands in for a missing Origin.
    let mut req = post(&console, "controls/clock", "", None, &fields);
    req.headers_mut()
        .insert(header::REFERER, format!("{BASE}{PATH}").parse().unwrap());
    control(&console, &s, &req);
}

#[test]
fn controls_become_the_emulators_own_requests() {
    let s = sandbox();
    let console = Console::new(None, b"key");
    let json =
        |c: &super::Control| serde_json::from_slice::<serde_json::Value>(c.request.body()).unwrap();
    let c = control(
        &console,
        &s,
        &post(
            &console,
            "controls/clock",
            "",
            Some(BASE),
            &[("advance", "P1D"), ("custom", "PT90M")],
        ),
    );
    assert_eq!(
        json(&c),
        serde_json::json!({"AdvanceBy": "PT90M"}),
        "the custom duration wins"
    );
    let c = control(
        &console,
        &s,
        &post(
            &console,
            "controls/next-rejection",
            "payments",
            Some(BASE),
            &[("reason", "Insufficient funds")],
        ),
    );
    assert_eq!(
        c.request.uri(),
        "/open-banking/sandbox/payments/next-rejection"
    );
    assert_eq!(
        json(&c),
        serde_json::json!({"Reason": "Insufficient funds"})
    );
    let c = control(
        &console,
        &s,
        &post(
            &console,
            "controls/pots/pot_1/transactions",
            "pots",
            Some(BASE),
            &[
                ("source", "CardPayment"),
                ("amount", "4.20"),
                ("merchant", "Cafe"),
            ],
        ),
    );
    assert_eq!(
        c.request.uri(),
        "/open-banking/sandbox/pots/pot_1/transactions"
    );
    assert_eq!(json(&c)["Merchant"], "Cafe");
    assert!(json(&c).get("Name").is_none());
    let c = control(
        &console,
        &s,
        &post(
            &console,
            "controls/pots/pot_1/transactions",
            "pots",
            Some(BASE),
            &[
                ("source", "DirectDebit"),
                ("amount", "4.20"),
                ("merchant", "Gym"),
            ],
        ),
    );
    assert_eq!(
        (json(&c)["Name"].as_str(), json(&c).get("Merchant")),
        (Some("Gym"), None)
    );
    let c = control(
        &console,
        &s,
        &post(
            &console,
            "controls/accounts/acc_1/close",
            "",
            Some(BASE),
            &[],
        ),
    );
    assert_eq!(
        c.request.uri(),
        "/open-banking/sandbox/accounts/acc_1/close"
    );
    // The answer goes back to the page the form was on, saying what happened.
    let mut s = s;
    let resp = s.handle(
        &c.request,
        &crate::core::Context {
            now: chrono::Utc::now(),
            client_certificate_dn: None,
        },
    );
    let back = console.finish(&c, &resp);
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let location = back.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("/open-banking/sandbox/console/?notice=Refused"),
        "{location}"
    );
    // A decision with nothing pending says so, and makes no request.
    let req = post(
        &console,
        "controls/consents/aac_1/decision",
        "consents",
        Some(BASE),
        &[("decision", "approve")],
    );
    let r = answer(&console, &s, &req, LOOPBACK);
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .contains("Nothing%20awaits"));
}

#[test]
fn every_page_renders_and_unknown_ones_are_404() {
    let s = sandbox();
    let console = Console::new(None, b"key");
    for page in [
        "",
        "consents",
        "payments",
        "pots",
        "events",
        "requests?client=x&interaction=y",
    ] {
        let r = answer(&console, &s, &get(&format!("{PATH}{page}")), LOOPBACK);
        assert_eq!(r.status(), StatusCode::OK, "{page}");
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert!(r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
        let html = String::from_utf8(r.into_body()).unwrap();
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{page}"
        );
        assert!(!html.contains("<script"), "{page}: no script");
    }
    assert_eq!(
        answer(&console, &s, &get(&format!("{PATH}nope")), LOOPBACK).status(),
        StatusCode::NOT_FOUND
    );
    let put = Request::builder()
        .method(Method::PUT)
        .uri(PATH)
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        answer(&console, &s, &put, LOOPBACK).status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}
