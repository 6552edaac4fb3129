//! The console over HTTPS, without a browser: no page shows a secret a TPP's journey used,
//! its controls go through the request path (logged, so a restart replays them), it refuses
//! other addresses than loopback without a token, and cross-site posts.

use std::net::{IpAddr, SocketAddr};

use http::Request;
use monzo_sandbox::server::{start, Options, StateLocation};
use serde_json::{json, Value};

use crate::server::{
    authorise_keeping_code, on_loopback, runtime, state_dir, subject, wall_clock, Client,
};
use crate::support::{Tpp, Transport};

const CONSOLE: &str = "/open-banking/sandbox/console/";
const PAGES: [&str; 7] = [
    "",
    "consents",
    "payments",
    "pots",
    "events",
    "requests",
    "requests?interaction=-",
];

fn get(client: &Client, path: &str, cookie: Option<&str>) -> http::Response<Vec<u8>> {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    client.send(b.body(Vec::new()).unwrap(), false)
}

fn text(resp: &http::Response<Vec<u8>>) -> String {
    String::from_utf8_lossy(resp.body()).into_owned()
}

/// The value of the first hidden `csrf` field of a page, and its `page` field.
fn form_token(page: &str) -> (String, String) {
    let field = |name: &str| {
        let at = page
            .find(&format!("name=\"{name}\" value=\""))
            .unwrap_or_else(|| panic!("no {name} field"));
        let rest = &page[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_owned()
    };
    (field("page"), field("csrf"))
}

/// A console control posted as a browser on `origin` would.
fn post_control(
    client: &Client,
    control: &str,
    origin: &str,
    cookie: Option<&str>,
    page: &(String, String),
    fields: &[(&str, &str)],
) -> http::Response<Vec<u8>> {
    let mut pairs = vec![("page", page.0.as_str()), ("csrf", page.1.as_str())];
    pairs.extend_from_slice(fields);
    let mut b = Request::post(format!("{CONSOLE}controls/{control}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", origin);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    client.send(
        b.body(ob_oidc::form::encode_pairs(&pairs).into_bytes())
            .unwrap(),
        false,
    )
}

fn sandbox_now(client: &Client) -> chrono::DateTime<chrono::Utc> {
    let resp = get(client, "/open-banking/sandbox/clock", None);
    let v: Value = serde_json::from_slice(resp.body()).unwrap();
    chrono::DateTime::parse_from_rfc3339(v["Now"].as_str().unwrap())
        .unwrap()
        .to_utc()
}

#[test]
fn no_console_page_shows_a_secret_and_controls_are_logged_and_replayed() {
    let rt = runtime();
    let dir = state_dir("console-state");
    let opts = |port: u16| on_loopback(port, &dir);
    let running = rt.block_on(start(opts(0))).unwrap();
    let addr = running.addr;
    let base = running.base_url.clone();
    let cert = running.issue_client_certificate(&subject()).unwrap();
    let mut tpp = Tpp::register_with(
        Transport::Https(Client::new(rt.clone(), &running, &cert)),
        &base,
        wall_clock(),
    );
    let console = Client::new(rt.clone(), &running, &cert);
    // A journey: a consent approved by its DesiredStatus, its code redeemed, an account read.
    let consent = tpp.consent(
        &["ReadAccountsDetail", "ReadBalances"],
        json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4nqORb7K9YYW3r0"}),
    );
    let (code, tokens) = authorise_keeping_code(&mut tpp, &consent);
    let access = tokens.access_token.expose().to_owned();
    let refresh = tokens.refresh_token.as_ref().unwrap().expose().to_owned();
    let app = tpp.app_token();
    let (status, _) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &access, None);
    assert_eq!(status, 200);
    let secrets = [code, access, refresh, app];
    let mut seen_fingerprint = false;
    for page in PAGES {
        let resp = get(&console, &format!("{CONSOLE}{page}"), None);
        assert_eq!(resp.status(), 200, "/{page}");
        let html = text(&resp);
        for s in &secrets {
            assert!(!html.contains(s.as_str()), "/{page} shows a secret");
        }
        seen_fingerprint |= html.contains("sha256:");
    }
    assert!(
        seen_fingerprint,
        "the request log shows the token answers' secrets as fingerprints"
    );
    // The journey is there: the consent with its history, the requests with its client.
    let consents = text(&get(&console, &format!("{CONSOLE}consents"), None));
    assert!(consents.contains(&consent) && consents.contains(&tpp.client_id));
    let log = text(&get(
        &console,
        &format!("{CONSOLE}requests?client={}", tpp.client_id),
        None,
    ));
    assert!(log.contains("/open-banking/v3.1/aisp/accounts"), "{log}");

    // A control from the console's own page: the clock moves on a day...
    let before = sandbox_now(&console);
    let page = form_token(&text(&get(&console, CONSOLE, None)));
    let resp = post_control(&console, "clock", &base, None, &page, &[("advance", "P1D")]);
    assert_eq!(resp.status(), 303, "{}", text(&resp));
    let back = resp.headers()["location"].to_str().unwrap();
    assert!(
        back.starts_with(&format!("{CONSOLE}?notice=Done")),
        "{back}"
    );
    let moved = sandbox_now(&console);
    assert!(
        moved - before >= chrono::Duration::days(1),
        "{before} {moved}"
    );
    // ... went through the request path: in the request log, as the console's,
    let log = text(&get(&console, &format!("{CONSOLE}requests"), None));
    assert!(log.contains("POST /open-banking/sandbox/clock") && log.contains("(console)"));
    // ... and in the state's log: a restart replays it.
    rt.block_on(running.stop());
    let running = rt.block_on(start(opts(addr.port()))).unwrap();
    let console = Client::new(rt.clone(), &running, &cert);
    let replayed = sandbox_now(&console);
    assert!(replayed - before >= chrono::Duration::days(1), "{replayed}");
    rt.block_on(running.stop());
    let _ = std::fs::remove_dir_all(&dir);
}

/// This machine's address on a network (not loopback), as the kernel would pick it to reach
/// other hosts: the console must refuse a browser there without the token.
fn outward_address() -> IpAddr {
    for target in ["192.0.2.1:9", "10.255.255.1:9", "8.8.8.8:53"] {
        let Ok(socket) = std::net::UdpSocket::bind("0.0.0.0:0") else {
            continue;
        };
        // Connecting a UDP socket sends nothing: it only picks the route and the address.
        if socket.connect(target).is_ok() {
            if let Ok(local) = socket.local_addr() {
                if !local.ip().is_loopback() && !local.ip().is_unspecified() {
                    return local.ip();
                }
            }
        }
    }
    panic!("this test needs a network interface other than loopback");
}

#[test]
fn other_addresses_need_the_token_and_cross_site_posts_are_refused() {
    let rt = runtime();
    let ip = outward_address();
    // Without a token: refused to a browser on another address than loopback.
    let running = rt
        .block_on(start(Options::new(
            SocketAddr::new(ip, 0),
            StateLocation::Memory,
        )))
        .unwrap();
    let cert = running.issue_client_certificate(&subject()).unwrap();
    let client = Client::new(rt.clone(), &running, &cert);
    let resp = get(&client, CONSOLE, None);
    assert_eq!(resp.status(), 403, "{}", text(&resp));
    assert!(text(&resp).contains("--console-token"));
    // The API itself is not affected.
    assert_eq!(
        get(
            &client,
            "/open-banking/.well-known/openid-configuration",
            None
        )
        .status(),
        200
    );
    rt.block_on(running.stop());

    // With one: open with it once, then the cookie carries it.
    let token = "console-token-for-the-test-0123";
    let mut opts = Options::new(SocketAddr::new(ip, 0), StateLocation::Memory);
    opts.console_token = Some(token.to_owned());
    let running = rt.block_on(start(opts)).unwrap();
    let base = running.base_url.clone();
    let client = Client::new(rt.clone(), &running, &cert);
    assert_eq!(get(&client, CONSOLE, None).status(), 403);
    assert_eq!(
        get(
            &client,
            &format!("{CONSOLE}?token=wrong-token-0123456789"),
            None
        )
        .status(),
        403
    );
    let first = get(&client, &format!("{CONSOLE}?token={token}"), None);
    assert_eq!(first.status(), 303);
    let cookie = first.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let page = get(&client, CONSOLE, Some(&cookie));
    assert_eq!(page.status(), 200);
    let fields = form_token(&text(&page));
    // A cross-site post, though it carries the cookie and the page's token: refused, and the
    // clock stays.
    let before = sandbox_now(&client);
    let resp = post_control(
        &client,
        "clock",
        "https://evil.example",
        Some(&cookie),
        &fields,
        &[("advance", "P7D")],
    );
    assert_eq!(resp.status(), 403, "{}", text(&resp));
    assert!(sandbox_now(&client) - before < chrono::Duration::days(1));
    // The same post from the console's origin is a control.
    let resp = post_control(
        &client,
        "clock",
        &base,
        Some(&cookie),
        &fields,
        &[("advance", "P7D")],
    );
    assert_eq!(resp.status(), 303, "{}", text(&resp));
    assert!(sandbox_now(&client) - before >= chrono::Duration::days(7));
    rt.block_on(running.stop());
}
