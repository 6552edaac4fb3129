//! The server on loopback: HTTPS with client certificates from the development CA, the
//! journey over the network, state that survives a restart, and the server's own refusals.

use std::net::SocketAddr;
use std::sync::Arc;

use http::{Request, Response};
use monzo_sandbox::server::ca::{ClientSubject, Issued};
use monzo_sandbox::server::{start, Options, Running, ServerError, StateLocation};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Runtime;

use crate::support::{Tpp, Transport, ORG_ID, SOFTWARE_ID};

/// An HTTPS client for the tests: one connection per request, HTTP/1.1.
pub struct Client {
    rt: Arc<Runtime>,
    addr: SocketAddr,
    with_cert: Arc<rustls::ClientConfig>,
    without_cert: Arc<rustls::ClientConfig>,
}

impl Client {
    pub fn new(rt: Arc<Runtime>, running: &Running, cert: &Issued) -> Client {
        Client::from_parts(rt, running.addr, running.ca_cert_pem(), cert)
    }

    fn from_parts(rt: Arc<Runtime>, addr: SocketAddr, ca_pem: &str, cert: &Issued) -> Client {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
            .unwrap();
        let builder = || rustls::ClientConfig::builder().with_root_certificates(roots.clone());
        let chain = vec![CertificateDer::from_pem_slice(cert.cert_pem.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).unwrap();
        Client {
            rt,
            addr,
            with_cert: Arc::new(builder().with_client_auth_cert(chain, key).unwrap()),
            without_cert: Arc::new(builder().with_no_client_auth()),
        }
    }

    pub fn send(&self, req: Request<Vec<u8>>, with_cert: bool) -> Response<Vec<u8>> {
        let config = if with_cert {
            self.with_cert.clone()
        } else {
            self.without_cert.clone()
        };
        self.rt.block_on(roundtrip(config, self.addr, req))
    }
}

async fn roundtrip(
    config: Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    req: Request<Vec<u8>>,
) -> Response<Vec<u8>> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(config);
    let name = ServerName::IpAddress(addr.ip().into());
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        req.method(),
        req.body().len()
    );
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
    }
    head.push_str("\r\n");
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(req.body()).await.unwrap();
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut b = Response::builder().status(status);
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            b = b.header(k.trim(), v.trim());
        }
    }
    b.body(body).unwrap()
}

pub fn subject() -> ClientSubject {
    ClientSubject {
        country: "GB".into(),
        organization: "Sandbox TPP".into(),
        organizational_unit: Some(ORG_ID.into()),
        organization_identifier: None,
        common_name: SOFTWARE_ID.into(),
    }
}

pub fn wall_clock() -> chrono::DateTime<chrono::Utc> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    chrono::DateTime::from_timestamp(d.as_secs() as i64, 0).unwrap()
}

pub fn runtime() -> Arc<Runtime> {
    Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    )
}

/// A fresh state directory for a test, under the target's scratch directory.
pub fn state_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A server on loopback (port 0 picks one) with its state in `dir`.
pub fn on_loopback(port: u16, dir: &std::path::Path) -> Options {
    Options::new(
        SocketAddr::from(([127, 0, 0, 1], port)),
        StateLocation::Directory(dir.to_owned()),
    )
}

/// Authorises `consent` (approved by its `DesiredStatus`) through the redirect by hand, to
/// keep the authorization code; the code and the tokens it was redeemed for.
pub fn authorise_keeping_code(
    tpp: &mut Tpp,
    consent: &str,
) -> (String, ob_oidc::token::TokenResponse) {
    let url = tpp.authorize_url(consent);
    let resp = tpp.send(Request::get(url).body(Vec::new()).unwrap(), false);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let fragment = location.split_once('#').unwrap().1;
    let code = ob_oidc::form::decode_pairs(fragment)
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1;
    (code, tpp.finish(consent, &location))
}

#[test]
fn the_journey_over_https_survives_a_restart() {
    let rt = runtime();
    let dir = state_dir("sandbox-state");
    let opts = |port: u16| on_loopback(port, &dir);
    let running = rt.block_on(start(opts(0))).unwrap();
    let addr = running.addr;
    let cert = running.issue_client_certificate(&subject()).unwrap();
    let base = running.base_url.clone();
    let client = Client::new(rt.clone(), &running, &cert);
    let mut tpp = Tpp::register_with(Transport::Https(client), &base, wall_clock());
    let consent = tpp.consent(
        &["ReadAccountsDetail", "ReadBalances"],
        json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4nqORb7K9YYW3r0"}),
    );
    // Authorised by hand, to keep the authorization code for the check at rest below.
    let (code, tokens) = authorise_keeping_code(&mut tpp, &consent);
    let at = tokens.access_token.expose().to_owned();
    // A client-credentials token, used once so that the log holds it as a bearer.
    let app = tpp.app_token();
    let (status, _) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/account-access-consents/{consent}"),
        &app,
        None,
    );
    assert_eq!(status, 200);
    let (status, accounts) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    assert_eq!(status, 200, "{accounts}");
    assert_eq!(
        accounts["Data"]["Account"][0]["AccountId"],
        "acc_0000A4C4o66FCYJoERQhHN"
    );
    // Without a client certificate the token endpoint refuses.
    let req = ob_oidc::token::prepare_client_credentials(
        &tpp.url("/open-banking/token"),
        &tpp.client_id.clone(),
        "accounts",
    )
    .unwrap();
    assert_eq!(tpp.send(req, false).status(), 401);
    // A refresh: the log then holds a token request with a refresh token in its body.
    let refresh_secret = tokens.refresh_token.clone().unwrap();
    let refresh = refresh_secret.expose().to_owned();
    let resp = tpp.send(
        ob_oidc::token::prepare_refresh(
            &tpp.url("/open-banking/token"),
            &tpp.client_id.clone(),
            &refresh_secret,
        )
        .unwrap(),
        true,
    );
    let rotated = ob_oidc::token::parse_token_response(&resp, tpp.now).unwrap();
    let at2 = rotated.access_token.expose().to_owned();
    let rt2_secret = rotated.refresh_token.clone().unwrap();
    let rt2 = rt2_secret.expose().to_owned();

    // Restart on the same state: the registration, consent and tokens are all still there.
    rt.block_on(running.stop());
    // The state is private, and no token is kept in clear (the log has fingerprints).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("sandbox.sqlite3")), 0o600);
    }
    let mut stored = Vec::new();
    for name in ["sandbox.sqlite3", "sandbox.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            stored.extend(bytes);
        }
    }
    let stored = String::from_utf8_lossy(&stored);
    for secret in [&at, &refresh, &at2, &rt2, &code, &app] {
        assert!(
            !stored.contains(secret.as_str()),
            "a token at rest in clear"
        );
    }
    assert!(stored.contains("sha256:"), "the log keeps fingerprints");
    let running = rt.block_on(start(opts(addr.port()))).unwrap();
    let (status, again) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at2, None);
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["Data"], accounts["Data"]);
    // The first access token was replaced by the refresh, replayed as it happened.
    let (status, _) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &at, None);
    assert_eq!(status, 401);
    // The rotated refresh token still works after the restart, the used one does not.
    let resp = tpp.send(
        ob_oidc::token::prepare_refresh(
            &tpp.url("/open-banking/token"),
            &tpp.client_id.clone(),
            &rt2_secret,
        )
        .unwrap(),
        true,
    );
    assert_eq!(resp.status(), 200);
    let resp = tpp.send(
        ob_oidc::token::prepare_refresh(
            &tpp.url("/open-banking/token"),
            &tpp.client_id.clone(),
            &refresh_secret,
        )
        .unwrap(),
        true,
    );
    assert_eq!(resp.status(), 400);
    let app = tpp.app_token();
    let (_, c) = tpp.json(
        "GET",
        &format!("/open-banking/v3.1/aisp/account-access-consents/{consent}"),
        &app,
        None,
    );
    assert_eq!(c["Data"]["Status"], "Authorised");

    // The state belongs to its address.
    rt.block_on(running.stop());
    match rt.block_on(start(opts(0))) {
        Err(ServerError::Config(reason)) => assert!(reason.contains(&base), "{reason}"),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("a state made for another address was accepted"),
    }
    // And to its choice of proposals: the log replays the same way only under it.
    let mut without = opts(addr.port());
    without.proposals = false;
    match rt.block_on(start(without)) {
        Err(ServerError::Config(reason)) => assert!(reason.contains("proposals on"), "{reason}"),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("a state made with the proposals was started without them"),
    }
    // And to its version of the seeded world (a state from before the versions is world 1).
    let store = monzo_sandbox::server::store::Store::open(&dir).unwrap();
    assert_eq!(
        store.get("world_version").unwrap().as_deref(),
        Some(monzo_sandbox::seed::WORLD_VERSION)
    );
    store.put("world_version", "1").unwrap();
    drop(store);
    match rt.block_on(start(opts(addr.port()))) {
        Err(ServerError::Config(reason)) => assert!(reason.contains("version 1"), "{reason}"),
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("a state of another world was replayed"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An oversize request gets the emulator's answer, as every other refusal: 400 (Monzo has no
/// error prefix for 413, 414 or 431), an OBIE body with a `<prefix.type>` code, a trace `Id`
/// and `Path`, and an `x-fapi-interaction-id`.
#[test]
fn oversized_bodies_uris_and_headers_are_refused_in_the_obie_shape() {
    let rt = runtime();
    let running = rt
        .block_on(start(Options::new(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            StateLocation::Memory,
        )))
        .unwrap();
    let cert = running.issue_client_certificate(&subject()).unwrap();
    let client = Client::new(rt.clone(), &running, &cert);
    let big = vec![b'x'; monzo_sandbox::server::MAX_BODY + 1];
    let req = Request::post(format!("{}/open-banking/register", running.base_url))
        .body(big)
        .unwrap();
    let check = |resp: Response<Vec<u8>>, code: &str, error_code: &str, path: &str| {
        assert_eq!(resp.status(), 400);
        assert!(resp.headers().contains_key("x-fapi-interaction-id"));
        let err = ob_errors::parse_response(&resp).unwrap();
        assert_eq!(err.code, code);
        assert!(err.id.is_some());
        assert_eq!(err.details.len(), 1);
        assert_eq!(err.details[0].code.as_str(), error_code);
        assert_eq!(err.details[0].path.as_deref(), Some(path));
    };
    check(
        client.send(req, true),
        "bad_request.body_too_large",
        "UK.OBIE.Field.Invalid",
        "$",
    );
    let long = "a".repeat(monzo_sandbox::server::MAX_URI + 1);
    let req = Request::get(format!(
        "{}/open-banking/v3.1/aisp/accounts?x={long}",
        running.base_url
    ))
    .header(
        "x-fapi-interaction-id",
        "93bac548-d2de-4546-b106-880a5018460d",
    )
    .body(Vec::new())
    .unwrap();
    let resp = client.send(req, true);
    assert_eq!(
        resp.headers()["x-fapi-interaction-id"],
        "93bac548-d2de-4546-b106-880a5018460d"
    );
    check(
        resp,
        "bad_request.uri_too_long",
        "UK.OBIE.Field.Invalid",
        "uri",
    );
    let mut req = Request::get(format!(
        "{}/open-banking/v3.1/aisp/accounts",
        running.base_url
    ));
    for i in 0..40 {
        req = req.header(format!("x-padding-{i}"), "p".repeat(1000));
    }
    check(
        client.send(req.body(Vec::new()).unwrap(), true),
        "bad_request.headers_too_large",
        "UK.OBIE.Header.Invalid",
        "headers",
    );
    rt.block_on(running.stop());
}

#[test]
fn each_organisation_is_rate_limited() {
    let rt = runtime();
    let mut opts = Options::new(SocketAddr::from(([127, 0, 0, 1], 0)), StateLocation::Memory);
    opts.rate_limit_per_second = 3;
    let running = rt.block_on(start(opts)).unwrap();
    let cert = running.issue_client_certificate(&subject()).unwrap();
    let client = Client::new(rt.clone(), &running, &cert);
    let url = format!("{}/open-banking/v3.1/aisp/accounts", running.base_url);
    // Within one second (the window is the wall-clock second, so allow for its edge).
    let statuses: Vec<u16> = (0..8)
        .map(|_| {
            client
                .send(Request::get(&url).body(Vec::new()).unwrap(), true)
                .status()
                .as_u16()
        })
        .collect();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited >= 2, "{statuses:?}");
    let resp = loop {
        let r = client.send(Request::get(&url).body(Vec::new()).unwrap(), true);
        if r.status() == 429 {
            break r;
        }
    };
    assert_eq!(resp.headers()["retry-after"], "1");
    let err = ob_errors::parse_response(&resp).unwrap();
    assert_eq!(err.code, "rate_limited.tpp");
    assert!(err.is_retryable());
    // Requests without a client certificate (the customer's browser) are not counted.
    for _ in 0..6 {
        let r = client.send(
            Request::get(format!("{}/open-banking/jwks", running.base_url))
                .body(Vec::new())
                .unwrap(),
            false,
        );
        assert_eq!(r.status(), 200);
    }
    rt.block_on(running.stop());
}

/// The real binary, killed when dropped (so that a failing test leaves no server behind).
struct Sandboxed(std::process::Child);

impl Drop for Sandboxed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real binary and waits until it has made its state and accepts connections.
fn spawn_sandbox(port: u16, dir: &std::path::Path) -> Sandboxed {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_monzo-sandbox"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--state"])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let guard = Sandboxed(child);
    for _ in 0..400 {
        let ready = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && monzo_sandbox::server::store::Store::open(dir)
                .ok()
                .and_then(|s| s.get("ca_cert").ok().flatten())
                .is_some();
        if ready {
            // Connections made while the log is replayed wait in the listen queue: requests
            // are served only once the state is rebuilt.
            return guard;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the sandbox did not start on port {port}");
}

/// The real binary on a free port with a fresh state directory named after `name`, and a
/// payments client registered with it over HTTPS, its certificate from the running sandbox's
/// development CA (the state is SQLite in WAL mode: readable while the server runs). For the
/// tests that kill the process.
fn crashable_payer(name: &str) -> (std::path::PathBuf, u16, Sandboxed, crate::payments::Payer) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = spawn_sandbox(port, &dir);
    let store = monzo_sandbox::server::store::Store::open(&dir).unwrap();
    let ca_pem = store.get("ca_cert").unwrap().unwrap();
    let ca =
        monzo_sandbox::server::ca::DevCa::load(&store.get("ca_key").unwrap().unwrap(), &ca_pem)
            .unwrap();
    let cert = ca.issue_client(&subject()).unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let client = Client::from_parts(runtime(), addr, &ca_pem, &cert);
    let tpp = Tpp::register_for(
        Transport::Https(client),
        &format!("https://127.0.0.1:{port}"),
        wall_clock(),
        "openid payments",
    );
    (dir, port, child, crate::payments::Payer::from_tpp(tpp))
}

#[test]
fn a_payment_survives_a_crash() {
    let (dir, port, mut child, mut p) = crashable_payer("sandbox-crash");
    let consent = p.consent("12.34", "crash-consent");
    let token = p.authorise(&consent);
    let (status, paid) = p.pay(&consent, &token, "12.34", "crash-pay");
    assert_eq!(status, 201, "{paid}");

    // Killed without warning right after the payment was accepted...
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    // ...and started again: the same key gives the same payment, not a second one.
    let child = spawn_sandbox(port, &dir);
    let (status, again) = p.pay(&consent, &token, "12.34", "crash-pay");
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        again["Data"]["DomesticPaymentId"],
        paid["Data"]["DomesticPaymentId"]
    );
    let (status, err) = p.pay(&consent, &token, "12.34", "crash-pay-2");
    assert_eq!(status, 400, "the consent stays consumed: {err}");
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--start-at` sets a new state's clock, in the past here (a consent made before 2022-08-01
/// lasts 90 days); moves of the clock are logged, so a restart replays every request at the
/// sandbox time it had and the clock runs on from where it was. Another `--start-at` for the
/// same state is refused.
#[test]
fn the_sandbox_clock_starts_where_asked_and_survives_a_restart() {
    use chrono::TimeZone;
    let rt = runtime();
    let dir = state_dir("sandbox-clock");
    let start_at = chrono::Utc.with_ymd_and_hms(2022, 5, 1, 9, 0, 0).unwrap();
    let opts = |port: u16, at: Option<chrono::DateTime<chrono::Utc>>| {
        let mut o = on_loopback(port, &dir);
        o.start_at = at;
        o
    };
    let running = rt.block_on(start(opts(0, Some(start_at)))).unwrap();
    let addr = running.addr;
    let near = |t: chrono::DateTime<chrono::Utc>, expected: chrono::DateTime<chrono::Utc>| {
        t >= expected && t - expected < chrono::Duration::minutes(1)
    };
    assert!(
        near(running.sandbox_now(), start_at),
        "{}",
        running.sandbox_now()
    );
    let cert = running.issue_client_certificate(&subject()).unwrap();
    let base = running.base_url.clone();
    let client = Client::new(rt.clone(), &running, &cert);
    let mut tpp = Tpp::register_with(Transport::Https(client), &base, wall_clock());
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4nqORb7K9YYW3r0"}),
    );
    let tokens = tpp.authorise(&consent);
    let advance = crate::clock::advance;
    advance(&mut tpp, "P89D");
    let resp = tpp.send(
        ob_oidc::token::prepare_refresh(
            &tpp.url("/open-banking/token"),
            &tpp.client_id.clone(),
            tokens.refresh_token.as_ref().unwrap(),
        )
        .unwrap(),
        true,
    );
    let fresh = ob_oidc::token::parse_token_response(&resp, tpp.now).unwrap();
    let token = fresh.access_token.expose().to_owned();
    let (status, v) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &token, None);
    assert_eq!(status, 200, "{v}");
    advance(&mut tpp, "P1D");
    let (status, expired) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &token, None);
    assert_eq!(status, 400, "{expired}");
    let day_90 = start_at + chrono::Duration::days(90);
    assert!(
        near(running.sandbox_now(), day_90),
        "{}",
        running.sandbox_now()
    );
    rt.block_on(running.stop());

    // Another start instant for this state: refused, with what to do instead.
    let other = chrono::Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap();
    match rt.block_on(start(opts(addr.port(), Some(other)))) {
        Err(ServerError::Config(e)) => assert!(e.contains("--start-at"), "{e}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("another --start-at was accepted"),
    }
    // The same one (the same command line) and none both run the state's clock on.
    for at in [Some(start_at), None] {
        let running = rt.block_on(start(opts(addr.port(), at))).unwrap();
        assert!(
            near(running.sandbox_now(), day_90),
            "{}",
            running.sandbox_now()
        );
        // Replayed at the same sandbox times: the same consent, expired at the same instant.
        let (status, again) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &token, None);
        assert_eq!((status, &again["Errors"]), (400, &expired["Errors"]));
        rt.block_on(running.stop());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Executions are replayed exactly: a standing order's first payment falls due while the
/// server runs and is made by a read (reads are not logged), then the server is killed. After
/// the restart the history is the same, transaction ids included, and the order runs on.
#[test]
fn executions_survive_a_crash() {
    use crate::payment_kinds::creditor;
    let (dir, port, mut child, mut p) = crashable_payer("sandbox-exec-crash");
    // A daily standing order whose first payment is two seconds away.
    let first = wall_clock() + chrono::Duration::seconds(2);
    let data = json!({
        "Permission": "Create",
        "Initiation": {
            "Frequency": "EvryDay",
            "Reference": "DAILY",
            "FirstPaymentDateTime": first.to_rfc3339(),
            "FirstPaymentAmount": {"Amount": "1.00", "Currency": "GBP"},
            "CreditorAccount": creditor(),
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": "user_0000A4C4ZChWNMEvew2U77", "AccountID": "acc_0000A4C4ZSskDOixqNPfpR"}
        }
    });
    crate::payment_kinds::consent_and_order(
        &mut p,
        "/domestic-standing-order-consents",
        "/domestic-standing-orders",
        data,
        "daily",
    );
    // A reader for the heavy user's transactions: the same software, a client for accounts.
    let (reader, reader_dn) = p
        .tpp
        .register_software(SOFTWARE_ID, ORG_ID, "openid accounts");
    p.tpp.dn = reader_dn;
    p.tpp.client_id = reader;
    let consent = p.tpp.consent(
        &[
            "ReadAccountsBasic",
            "ReadTransactionsDetail",
            "ReadTransactionsDebits",
        ],
        json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4ZChWNMEvew2U77"}),
    );
    let tokens = p.tpp.authorise(&consent);
    let token = tokens.access_token.expose().to_owned();
    let path = format!(
        "/open-banking/v3.1/aisp/accounts/acc_0000A4C4ZSskDOixqNPfpR/transactions?fromBookingDateTime={}",
        (first - chrono::Duration::minutes(1))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            .replace('+', "%2B")
    );
    let daily = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["Data"]["Transaction"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["SupplementaryData"]["RawTransactionDescription"] == "DAILY")
            .cloned()
            .collect()
    };
    std::thread::sleep(std::time::Duration::from_millis(2500));
    // This read finds the payment due and makes it.
    let (status, page) = p.tpp.json("GET", &path, &token, None);
    assert_eq!(status, 200, "{page}");
    let before = daily(&page);
    assert_eq!(before.len(), 1, "{page}");

    // Killed, and started again: replay makes the same payment, with the same id.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let child = spawn_sandbox(port, &dir);
    let (status, page) = p.tpp.json("GET", &path, &token, None);
    assert_eq!(status, 200, "{page}");
    assert_eq!(daily(&page), before);
    // The order runs on: a day later, the second payment.
    crate::clock::advance(&mut p.tpp, "P1D");
    let fresh = ob_oidc::token::parse_token_response(
        &p.tpp.send(
            ob_oidc::token::prepare_refresh(
                &p.tpp.url("/open-banking/token"),
                &p.tpp.client_id.clone(),
                tokens.refresh_token.as_ref().unwrap(),
            )
            .unwrap(),
            true,
        ),
        p.tpp.now,
    )
    .unwrap();
    let (status, page) = p.tpp.json("GET", &path, fresh.access_token.expose(), None);
    assert_eq!(status, 200, "{page}");
    let after = daily(&page);
    assert_eq!(after.len(), 2, "{page}");
    assert_eq!(after[0], before[0]);
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A TPP's JWKS host on loopback over plain http: `/jwks.json` the TPP's keys, `/big.json`
/// more than the emulator reads, anything else 404. Counts the requests it answers.
fn jwks_host(
    rt: &Runtime,
) -> (
    u16,
    Arc<std::sync::atomic::AtomicUsize>,
    tokio::task::JoinHandle<()>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let keys = json!({"keys": [crate::support::tpp_key().public_jwk()]}).to_string();
    let task = rt.spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 4096];
            let n = tcp.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("").to_owned();
            let (status, body) = match path.as_str() {
                "/jwks.json" => ("200 OK", keys.clone()),
                "/big.json" => ("200 OK", format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(100_000))),
                _ => ("404 Not Found", String::new()),
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tcp.write_all(answer.as_bytes()).await;
        }
    });
    (port, served, task)
}

/// Monzo's EU registration over HTTPS: the server fetches the self-asserted statement's
/// `org_jwks_endpoint` (loopback http here), bounded in size, never trusting keys a client
/// attaches itself; the log keeps what was fetched, so the client survives a restart with
/// its keys' host gone.
#[test]
fn an_eu_registration_fetches_the_tpps_keys_and_survives_a_restart() {
    use std::sync::atomic::Ordering;
    let rt = runtime();
    let dir = state_dir("sandbox-eu-state");
    let opts = |port: u16| on_loopback(port, &dir);
    let (jwks_port, served, host) = jwks_host(&rt);
    let running = rt.block_on(start(opts(0))).unwrap();
    let addr = running.addr;
    let base = running.base_url.clone();
    let eu_subject = ClientSubject {
        country: "IE".into(),
        organization: "TPP Ltd".into(),
        organizational_unit: None,
        organization_identifier: Some(crate::eu::EU_ORG.into()),
        common_name: "tpp.example".into(),
    };
    let dn = eu_subject.dn();
    let cert = running.issue_client_certificate(&eu_subject).unwrap();
    let client = Client::new(rt.clone(), &running, &cert);
    let register = |client: &Client, uri: &str, jti: u8, forged: bool| {
        let jwt = crate::eu::eu_registration_jwt(uri, &dn, jti, wall_clock());
        let mut req =
            ob_dcr::client::prepare_register(&format!("{base}/open-banking/eu/register"), &jwt)
                .unwrap();
        if forged {
            // Keys a client attaches itself are dropped before the core sees the request.
            let keys = monzo_sandbox::core::FetchedKeys::found(
                uri,
                ob_jose::Jwks {
                    keys: vec![crate::support::tpp_key().public_jwk()],
                },
            );
            req.headers_mut().insert(
                monzo_sandbox::core::FETCHED_KEYS_HEADER,
                keys.to_header_value().unwrap(),
            );
        }
        let resp = client.send(req, true);
        let body: serde_json::Value = serde_json::from_slice(resp.body()).unwrap_or_default();
        (resp.status().as_u16(), body)
    };
    let at = |path: &str| format!("http://127.0.0.1:{jwks_port}{path}");
    // Nothing at the URL, whatever the client attached.
    let (status, err) = register(&client, &at("/missing.json"), 1, true);
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"], "invalid_software_statement");
    assert!(
        err["error_description"].as_str().unwrap().contains("404"),
        "{err}"
    );
    // More than the emulator reads.
    let (status, err) = register(&client, &at("/big.json"), 2, false);
    assert_eq!(status, 400, "{err}");
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{err}"
    );
    // Plain http elsewhere than this machine is not fetched.
    let (status, err) = register(&client, "http://tpp.example/jwks.json", 3, false);
    assert_eq!(status, 400, "{err}");
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("plain http"),
        "{err}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 2);
    // The keys where the statement says.
    let (status, reg) = register(&client, &at("/jwks.json"), 4, false);
    assert_eq!(status, 201, "{reg}");
    assert_eq!(served.load(Ordering::SeqCst), 3);
    let client_id = reg["client_id"].as_str().unwrap().to_owned();
    let token = |client: &Client| {
        let req = ob_oidc::token::prepare_client_credentials(
            &format!("{base}/open-banking/eu/token"),
            &client_id,
            "accounts",
        )
        .unwrap();
        client.send(req, true).status()
    };
    assert_eq!(token(&client), 200);

    // The keys' host goes away; the restart replays the registration from the log.
    host.abort();
    rt.block_on(running.stop());
    let running = rt.block_on(start(opts(addr.port()))).unwrap();
    let client = Client::new(rt.clone(), &running, &cert);
    assert_eq!(token(&client), 200);
    assert_eq!(served.load(Ordering::SeqCst), 3, "replay fetched nothing");
    rt.block_on(running.stop());
    let _ = std::fs::remove_dir_all(&dir);
}
