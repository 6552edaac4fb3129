//! A load generator that speaks mutual TLS itself, so that every server it measures is reached
//! the same way: HTTPS with the TPP's client certificate, keep-alive connections.
//!
//! It opens a fixed number of connections, warms up, then for a fixed time sends requests one
//! after the other on each connection, and reports requests per second, latency percentiles
//! (p50, p99, p99.9, max), errors, and, for the server processes named with `--pid`, the CPU
//! time each spent per request in the measured window (from `/proc/{pid}/stat`).
//!
//! Two scenarios:
//!
//! - `get`: `GET` each of `--path` in turn (with the `--header`s given, a bearer token say);
//! - `payment`: a signed domestic payment end to end, as the TPP of a `monzo-ob` profile
//!   (`--profile`): its consent (signed, idempotent), the authorization (a signed request object;
//!   the consent approves itself with the sandbox's `DesiredStatus`), the code exchanged for a
//!   token, and the order (signed, idempotent). One iteration is one payment; its latency is
//!   the whole flow's.
//!
//! The generator runs on one thread (one core), so that on a small machine the server keeps
//! the others.
//!
//! ```text
//! loadgen get --base https://127.0.0.1:18790 --cert client.pem --key client.key --ca ca.pem \
//!     --path /open-banking/v3.1/aisp/accounts --header "Authorization: Bearer ..." \
//!     --connections 16 --seconds 10 --pid emulator=1234
//! loadgen payment --base https://127.0.0.1:18790 --profile .monzo-ob --connections 16
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use clap::{Args, Parser, Subcommand};
use http::{header, HeaderName, HeaderValue, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::{json, Value};

/// The command line.
#[derive(Parser)]
#[command(version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// GET the paths given, in turn, on every connection.
    Get {
        #[command(flatten)]
        common: Common,
        /// A path (and query) to GET; repeat for several, taken in turn.
        #[arg(long = "path", required = true)]
        paths: Vec<String>,
        /// A header for every request, as `Name: value`; repeat for several.
        #[arg(long = "header")]
        headers: Vec<String>,
        /// The TLS client identity: a PEM certificate ...
        #[arg(long)]
        cert: PathBuf,
        /// ... and its PEM private key.
        #[arg(long)]
        key: PathBuf,
        /// The PEM certificate of the CA that issued the server's certificate.
        #[arg(long)]
        ca: PathBuf,
    },
    /// Signed domestic payments end to end (consent, authorization, token, order), as the TPP
    /// of a `monzo-ob` profile against the local emulator.
    Payment {
        #[command(flatten)]
        common: Common,
        /// The `monzo-ob` profile directory (profile.json, signing.key, client.pem,
        /// client.key, ca.pem).
        #[arg(long)]
        profile: PathBuf,
        /// The sandbox user who approves (by `DesiredStatus`).
        #[arg(long, default_value = "user_0000A4C4ZChWNMEvew2U77")]
        user: String,
        /// The account the payments leave.
        #[arg(long, default_value = "acc_0000A4C4ZSskDOixqNPfpR")]
        account: String,
    },
}

/// What every scenario takes.
#[derive(Args, Clone)]
struct Common {
    /// The server: scheme, host and port (`https://127.0.0.1:8443`).
    #[arg(long)]
    base: String,
    /// Connections held open, each sending one request after the other.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds measured (above zero).
    #[arg(long, default_value = "10", value_parser = measured_seconds)]
    seconds: Duration,
    /// Seconds of warm-up before (sent, not counted).
    #[arg(long, default_value = "2", value_parser = seconds)]
    warmup: Duration,
    /// A server process whose CPU time to report per request, as `name=pid`; repeat a name to
    /// add processes together (a server and its TLS proxy, say).
    #[arg(long = "pid", value_parser = parse_pid)]
    pids: Vec<(String, u32)>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// A number of seconds, zero or more (fractions allowed).
fn seconds(text: &str) -> Result<Duration, String> {
    let s: f64 = text
        .parse()
        .map_err(|_| format!("{text:?}: expected a number of seconds"))?;
    Duration::try_from_secs_f64(s).map_err(|_| format!("{text:?}: not a usable number of seconds"))
}

/// A number of seconds to measure: above zero.
fn measured_seconds(text: &str) -> Result<Duration, String> {
    let d = seconds(text)?;
    if d.is_zero() {
        return Err(format!("{text:?}: the measured time must be above zero"));
    }
    Ok(d)
}

fn parse_pid(text: &str) -> Result<(String, u32), String> {
    let (name, pid) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected name=pid"))?;
    let pid = pid
        .parse()
        .map_err(|_| format!("{text:?}: the pid is not a number"))?;
    Ok((name.to_owned(), pid))
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, run(cli.scenario))
}

/// A connection: mutual TLS, HTTP/1.1, keep-alive.
struct Conn {
    send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    authority: HeaderValue,
}

/// How to open connections to the server.
struct Target {
    addr: String,
    authority: HeaderValue,
    name: ServerName<'static>,
    tls: tokio_rustls::TlsConnector,
}

impl Target {
    fn new(base: &str, cert_pem: &str, key_pem: &str, ca_pem: &str) -> anyhow::Result<Target> {
        let uri: Uri = base.parse().with_context(|| format!("--base {base}"))?;
        if uri.scheme_str() != Some("https") {
            bail!("--base {base}: expected an https URL");
        }
        let host = uri
            .host()
            .ok_or_else(|| anyhow!("--base {base}: no host"))?;
        let port = uri.port_u16().unwrap_or(443);
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(cert.context("the CA certificate")?)?;
        }
        let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .context("the client certificate")?;
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).context("the client key")?;
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)?;
        let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
            .with_context(|| format!("--base {base}: the host"))?;
        Ok(Target {
            addr: format!("{host}:{port}"),
            authority: HeaderValue::from_str(&format!("{host}:{port}"))?,
            name,
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
        })
    }

    async fn connect(&self) -> anyhow::Result<Conn> {
        let tcp = tokio::net::TcpStream::connect(&self.addr).await?;
        tcp.set_nodelay(true)?;
        let tls = self.tls.connect(self.name.clone(), tcp).await?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::task::spawn_local(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            send,
            authority: self.authority.clone(),
        })
    }
}

impl Conn {
    /// Sends a request (its URI's path and query on this connection) and reads the answer.
    async fn send(&mut self, req: Request<Vec<u8>>) -> anyhow::Result<Response<Vec<u8>>> {
        let (mut parts, body) = req.into_parts();
        let path = parts
            .uri
            .path_and_query()
            .map_or("/".to_owned(), |p| p.to_string());
        parts.uri = path.parse()?;
        parts.headers.insert(header::HOST, self.authority.clone());
        self.send.ready().await?;
        let resp = self
            .send
            .send_request(Request::from_parts(parts, Full::new(Bytes::from(body))))
            .await?;
        let (parts, body) = resp.into_parts();
        let bytes = body.collect().await?.to_bytes().to_vec();
        Ok(Response::from_parts(parts, bytes))
    }
}

/// What one connection saw while recording.
#[derive(Default)]
struct Tally {
    /// Latencies of the iterations, in microseconds.
    latencies: Vec<u32>,
    /// Requests sent (several per iteration in the payment scenario).
    requests: u64,
    /// Answers that were not 2xx or 3xx, by status.
    statuses: BTreeMap<u16, u64>,
    /// Failures to connect, send or read, by message.
    failures: BTreeMap<String, u64>,
}

/// When to record and when to stop, shared by the connections.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

async fn run(scenario: Scenario) -> anyhow::Result<()> {
    let (common, work): (Common, Rc<dyn Work>) = match scenario {
        Scenario::Get {
            common,
            paths,
            headers,
            cert,
            key,
            ca,
        } => {
            let read =
                |p: &PathBuf| std::fs::read_to_string(p).with_context(|| p.display().to_string());
            let target = Target::new(&common.base, &read(&cert)?, &read(&key)?, &read(&ca)?)?;
            let headers = headers
                .iter()
                .map(|h| {
                    let (name, value) = h
                        .split_once(':')
                        .ok_or_else(|| anyhow!("--header {h:?}: expected Name: value"))?;
                    Ok((
                        HeaderName::from_bytes(name.trim().as_bytes())?,
                        HeaderValue::from_str(value.trim())?,
                    ))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            (
                common,
                Rc::new(Gets {
                    target,
                    paths,
                    headers,
                }),
            )
        }
        Scenario::Payment {
            common,
            profile,
            user,
            account,
        } => {
            let payments = Payments::load(&common.base, &profile, &user, &account).await?;
            (common, Rc::new(payments))
        }
    };
    let (warmup, measured) = (common.warmup, common.seconds);
    let start = Instant::now() + warmup;
    let window = Window {
        start,
        end: start + measured,
    };
    let mut tasks = Vec::new();
    for n in 0..common.connections {
        let work = work.clone();
        tasks.push(tokio::task::spawn_local(async move {
            connection(n, work, window).await
        }));
    }
    // The servers' CPU time over the measured window.
    tokio::time::sleep_until(window.start.into()).await;
    let cpu_before = cpu_times(&common.pids)?;
    tokio::time::sleep_until(window.end.into()).await;
    let cpu_after = cpu_times(&common.pids)?;
    let mut all = Tally::default();
    for t in tasks {
        let t = t.await?;
        all.latencies.extend(t.latencies);
        all.requests += t.requests;
        for (k, v) in t.statuses {
            *all.statuses.entry(k).or_default() += v;
        }
        for (k, v) in t.failures {
            *all.failures.entry(k).or_default() += v;
        }
    }
    report(
        &common,
        work.name(),
        &all,
        measured,
        &cpu_before,
        &cpu_after,
    );
    Ok(())
}

/// One connection's loop: iterations until the window ends, recorded inside it; a failed
/// connection is opened again.
async fn connection(n: usize, work: Rc<dyn Work>, window: Window) -> Tally {
    let mut tally = Tally::default();
    let mut conn: Option<Conn> = None;
    let mut i: u64 = 0;
    while Instant::now() < window.end {
        let c = match &mut conn {
            Some(c) => c,
            None => match work.target().connect().await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    if Instant::now() >= window.start {
                        *tally.failures.entry(format!("connect: {e}")).or_default() += 1;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let began = Instant::now();
        let outcome = work.iteration(c, n, i).await;
        i += 1;
        let recording = began >= window.start && Instant::now() <= window.end;
        match outcome {
            Ok((requests, status)) => {
                if recording {
                    tally.requests += requests;
                    if status >= 400 {
                        *tally.statuses.entry(status).or_default() += 1;
                    } else {
                        let micros = began.elapsed().as_micros();
                        tally
                            .latencies
                            .push(u32::try_from(micros).unwrap_or(u32::MAX));
                    }
                }
            }
            Err(e) => {
                if recording {
                    *tally.failures.entry(e.to_string()).or_default() += 1;
                }
                conn = None;
            }
        }
    }
    tally
}

/// One iteration under way: the requests it sent and the status that decided it.
type Iteration<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<(u64, u16)>> + 'a>>;

/// A scenario: how to connect and what one iteration sends.
trait Work {
    /// Its name in the report.
    fn name(&self) -> &'static str;
    /// Where to connect.
    fn target(&self) -> &Target;
    /// One iteration on connection `n` (its `i`th): the requests it sent and the status that
    /// decided it (the first error status, else the last).
    fn iteration<'a>(&'a self, conn: &'a mut Conn, n: usize, i: u64) -> Iteration<'a>;
}

/// The `get` scenario.
struct Gets {
    target: Target,
    paths: Vec<String>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Work for Gets {
    fn name(&self) -> &'static str {
        "get"
    }

    fn target(&self) -> &Target {
        &self.target
    }

    fn iteration<'a>(&'a self, conn: &'a mut Conn, n: usize, i: u64) -> Iteration<'a> {
        Box::pin(async move {
            let path = &self.paths[(n + i as usize) % self.paths.len()];
            let mut req = Request::get(path.as_str()).body(Vec::new())?;
            for (k, v) in &self.headers {
                req.headers_mut().insert(k.clone(), v.clone());
            }
            let resp = conn.send(req).await?;
            Ok((1, resp.status().as_u16()))
        })
    }
}

/// The `payment` scenario: a TPP of a `monzo-ob` profile.
struct Payments {
    target: Target,
    issuer: String,
    pisp: String,
    client_id: String,
    redirect_uri: String,
    aspsp_org_id: String,
    key: ob_jose::SigningKey,
    /// `{org_id}/{software_id}`: the `iss` of its signatures.
    signer_iss: String,
    user: String,
    account: String,
    /// The client-credentials token for payments.
    app_token: String,
    /// The consent request, the same for every payment, and its signature.
    consent_body: Vec<u8>,
    consent_signature: String,
}

impl Payments {
    async fn load(
        base: &str,
        dir: &std::path::Path,
        user: &str,
        account: &str,
    ) -> anyhow::Result<Payments> {
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read_to_string(&p).with_context(|| p.display().to_string())
        };
        let profile: Value = serde_json::from_str(&read("profile.json")?)?;
        let field = |name: &str| -> anyhow::Result<String> {
            profile[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow!("profile.json has no {name}"))
        };
        let target = Target::new(
            base,
            &read("client.pem")?,
            &read("client.key")?,
            &read("ca.pem")?,
        )?;
        let key = ob_jose::SigningKey::from_pem(field("kid")?, &read("signing.key")?)?;
        let signer_iss = format!("{}/{}", field("org_id")?, field("software_id")?);
        let initiation = initiation(user, account);
        let consent_body =
            serde_json::to_vec(&json!({"Data": {"Initiation": initiation}, "Risk": {}}))?;
        let consent_signature = ob_jose::detached::DetachedSigner::new(&key, signer_iss.clone())
            .sign(&consent_body, chrono::Utc::now())?;
        let mut p = Payments {
            target,
            issuer: field("issuer")?,
            pisp: field("pisp")?,
            client_id: field("payments_client")?,
            redirect_uri: field("redirect_uri")?,
            aspsp_org_id: field("aspsp_org_id")?,
            key,
            signer_iss,
            user: user.to_owned(),
            account: account.to_owned(),
            app_token: String::new(),
            consent_body,
            consent_signature,
        };
        let mut conn = p.target.connect().await?;
        let req = ob_oidc::token::prepare_client_credentials(
            &format!("{}/token", p.issuer),
            &p.client_id,
            "payments",
        )?;
        let resp = conn.send(req).await?;
        p.app_token = ob_oidc::token::parse_token_response(&resp, chrono::Utc::now())
            .context("the client-credentials token")?
            .access_token
            .expose()
            .to_owned();
        Ok(p)
    }

    async fn pay(&self, conn: &mut Conn, n: usize, i: u64) -> anyhow::Result<(u64, u16)> {
        let key_of = |what: &str| format!("loadgen-{}-{n}-{i}-{what}", std::process::id());
        // 1. The consent.
        let req = Request::post(format!("{}/domestic-payment-consents", self.pisp))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.app_token))
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-idempotency-key", key_of("consent"))
            .header("x-jws-signature", &self.consent_signature)
            .header("x-fapi-financial-id", &self.aspsp_org_id)
            .body(self.consent_body.clone())?;
        let resp = conn.send(req).await?;
        if resp.status() != 201 {
            return Ok((1, resp.status().as_u16()));
        }
        let consent: Value = serde_json::from_slice(resp.body())?;
        let consent_id = consent["Data"]["ConsentId"]
            .as_str()
            .ok_or_else(|| anyhow!("the consent has no ConsentId"))?
            .to_owned();
        // 2. The authorization: the consent approves itself (DesiredStatus).
        let state = key_of("state");
        let params = ob_oidc::authorize::AuthorizationParams {
            client_id: &self.client_id,
            issuer: &self.issuer,
            redirect_uri: &self.redirect_uri,
            scope: "openid payments",
            intent_id: &consent_id,
            state: &state,
            nonce: &state,
        };
        let now = chrono::Utc::now();
        let url = ob_oidc::authorize::RequestObject::new(&params, now)
            .authorization_url(&format!("{}/authorize", self.issuer), &self.key)?;
        let resp = conn.send(Request::get(url).body(Vec::new())?).await?;
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow!("the authorization did not redirect ({})", resp.status()))?;
        let callback = ob_oidc::callback::parse_callback(location, &state)?;
        // 3. The code for a token.
        let req = ob_oidc::token::prepare_authorization_code(
            &format!("{}/token", self.issuer),
            &params,
            &callback.code,
        )?;
        let resp = conn.send(req).await?;
        if resp.status() != 200 {
            return Ok((3, resp.status().as_u16()));
        }
        let token = ob_oidc::token::parse_token_response(&resp, now)?.access_token;
        // 4. The order.
        let order = serde_json::to_vec(&json!({"Data": {
            "ConsentId": consent_id,
            "Initiation": initiation(&self.user, &self.account),
        }, "Risk": {}}))?;
        let signature = ob_jose::detached::DetachedSigner::new(&self.key, self.signer_iss.clone())
            .sign(&order, now)?;
        let req = Request::post(format!("{}/domestic-payments", self.pisp))
            .header(header::AUTHORIZATION, format!("Bearer {}", token.expose()))
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-idempotency-key", key_of("order"))
            .header("x-jws-signature", signature)
            .header("x-fapi-financial-id", &self.aspsp_org_id)
            .body(order)?;
        let resp = conn.send(req).await?;
        Ok((4, resp.status().as_u16()))
    }
}

impl Work for Payments {
    fn name(&self) -> &'static str {
        "payment"
    }

    fn target(&self) -> &Target {
        &self.target
    }

    fn iteration<'a>(&'a self, conn: &'a mut Conn, n: usize, i: u64) -> Iteration<'a> {
        Box::pin(self.pay(conn, n, i))
    }
}

/// A penny to ACME, approved by the sandbox's `DesiredStatus` as `user`.
fn initiation(user: &str, account: &str) -> Value {
    json!({
        "InstructionIdentification": "LOADGEN",
        "EndToEndIdentification": "LOADGEN",
        "LocalInstrument": "UK.OBIE.FPS",
        "InstructedAmount": {"Amount": "0.01", "Currency": "GBP"},
        "CreditorAccount": {"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "08080021325698", "Name": "ACME Inc"},
        "RemittanceInformation": {"Reference": "LOADGEN"},
        "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": user, "AccountID": account}
    })
}

/// The CPU seconds (user and system) each named group of processes has used so far.
fn cpu_times(pids: &[(String, u32)]) -> anyhow::Result<BTreeMap<String, f64>> {
    let ticks = clock_ticks();
    let mut out = BTreeMap::new();
    for (name, pid) in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("process {pid} ({name})"))?;
        // After the command's closing parenthesis: state is field 3, utime 14, stime 15.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .ok_or_else(|| anyhow!("/proc/{pid}/stat unreadable"))?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks_at = |i: usize, what: &str| -> anyhow::Result<f64> {
            fields
                .get(i)
                .and_then(|f| f.parse().ok())
                .ok_or_else(|| anyhow!("/proc/{pid}/stat: no {what} time"))
        };
        let (user, system) = (ticks_at(11, "user")?, ticks_at(12, "system")?);
        *out.entry(name.clone()).or_insert(0.0) += (user + system) / ticks;
    }
    Ok(out)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux where it cannot be asked).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(100.0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

fn report(
    common: &Common,
    scenario: &str,
    all: &Tally,
    measured: Duration,
    before: &BTreeMap<String, f64>,
    after: &BTreeMap<String, f64>,
) {
    let mut lat = all.latencies.clone();
    lat.sort_unstable();
    let seconds = measured.as_secs_f64();
    let iterations = lat.len() as f64;
    let errors: u64 = all.statuses.values().sum::<u64>() + all.failures.values().sum::<u64>();
    let per_second = iterations / seconds;
    let cpu: BTreeMap<String, f64> = after
        .iter()
        .map(|(name, t)| {
            let used = t - before.get(name).copied().unwrap_or(0.0);
            let per = if iterations > 0.0 {
                used / iterations * 1e6
            } else {
                0.0
            };
            (name.clone(), per)
        })
        .collect();
    let (p50, p99, p999, max) = (
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        percentile(&lat, 99.9),
        lat.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
    );
    if common.json {
        let v = json!({
            "scenario": scenario,
            "connections": common.connections,
            "seconds": seconds,
            "iterations": lat.len(),
            "requests": all.requests,
            "per_second": per_second,
            "p50_ms": p50, "p99_ms": p99, "p99_9_ms": p999, "max_ms": max,
            "errors": errors,
            "error_statuses": all.statuses,
            "failures": all.failures,
            "cpu_us_per_iteration": cpu,
        });
        println!("{v}");
        return;
    }
    println!(
        "{scenario}: {} connections, {seconds:.0} s: {per_second:.0}/s ({} requests), p50 {p50:.2} ms, p99 {p99:.2} ms, p99.9 {p999:.2} ms, max {max:.2} ms, {errors} errors",
        common.connections, all.requests
    );
    for (status, count) in &all.statuses {
        println!("  status {status}: {count}");
    }
    for (why, count) in &all.failures {
        println!("  failed: {why}: {count}");
    }
    for (name, per) in &cpu {
        println!("  {name}: {per:.0} µs of CPU per iteration");
    }
}

#[cfg(test)]
mod tests {
    use super::{cpu_times, measured_seconds, seconds};
    use std::time::Duration;

    #[test]
    fn seconds_are_read_or_refused_with_the_reason() {
        assert_eq!(seconds("2"), Ok(Duration::from_secs(2)));
        assert_eq!(seconds("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        assert!(seconds("ten").unwrap_err().contains("expected a number"));
        for bad in ["-1", "inf", "NaN", "1e300"] {
            assert!(seconds(bad).unwrap_err().contains("not a usable"), "{bad}");
        }
        assert!(measured_seconds("0").unwrap_err().contains("above zero"));
        assert_eq!(measured_seconds("10"), Ok(Duration::from_secs(10)));
    }

    #[test]
    fn cpu_times_are_read_from_proc_or_refused() {
        let me = [("me".to_owned(), std::process::id())];
        let t = cpu_times(&[me[0].clone(), me[0].clone()]).unwrap();
        assert!(t["me"] >= 0.0, "{t:?}");
        assert_eq!(t.len(), 1);
        assert!(cpu_times(&[("gone".to_owned(), u32::MAX)]).is_err());
    }
}
