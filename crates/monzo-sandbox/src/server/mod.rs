//! The HTTPS server around the [core](crate::core): TLS with optional client certificates from
//! the development CA (the core decides which endpoints need one), state in SQLite, and a clean
//! shutdown.
//!
//! Each request is read whole (at most [`MAX_BODY`] bytes), handed to the core under one lock
//! (so that two payment submissions on one consent are handled one after the other), and, when
//! it can change state, written to the request log before the answer is sent. On start the log
//! is replayed into a fresh core, which rebuilds the exact state: the same ids, tokens and
//! consents. A request that panics inside the core is answered with a 500, not logged, and the
//! core is rebuilt from the log.
//!
//! A registration on the EU interface names the TPP's keys by URL: the server fetches them
//! ([`jwks_fetch`]) before the core sees the request, and hands them over in an internal header
//! that is logged with it, so that the core stays free of I/O and replay needs no network.
//!
//! The [console](crate::console) is served on the same listener: its pages are rendered from
//! the state under the same lock, and its controls run through [`dispatch`] like any request
//! (logged, replayed). Every request and answer is also kept, in memory, for its request log
//! view, and every push attempt for its events view.
//!
//! Event notifications the core emits are pushed after the request that caused them is
//! logged: `POST {CallbackUrl}/event-notifications` with the SET as `application/jwt`, up to
//! five attempts with exponential backoff (1, 2, 4, 8 s of sandbox time, so that moving the
//! clock on brings the next attempt forward) until the client answers 2xx.
//! Replaying the log emits them again; those are dropped, as they were pushed when they
//! happened.

pub mod ca;
pub mod cli;
pub mod jwks_fetch;
pub mod store;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::console::journal::{kept, Attempt, Exchange, Notifications};
use crate::console::{Console, Outcome, View};
use crate::core::{Config, Context, Keys, Sandbox};
use ca::DevCa;
use store::{Entry, Store};

/// The largest request body accepted.
pub const MAX_BODY: usize = 1 << 20;

/// The longest request URI the emulator takes (bytes).
pub const MAX_URI: usize = 8 << 10;

/// The largest header block the emulator takes (bytes of names and values).
pub const MAX_HEADER_BYTES: usize = 32 << 10;

/// The most header fields the emulator takes.
pub const MAX_HEADERS: usize = 100;

/// hyper's buffer and header-count limits, above the emulator's (beyond these hyper itself
/// answers, with a bare 431 or 414).
const HYPER_MAX_BUF: usize = 256 << 10;
const HYPER_MAX_HEADERS: usize = 400;

/// Why the server could not start or serve.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerError {
    /// A socket or file problem.
    Io(String),
    /// TLS set-up failed.
    Tls(String),
    /// A certificate could not be made or read.
    Certificate(String),
    /// The state database failed.
    Storage(String),
    /// The options do not fit the stored state.
    Config(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Io(e) => write!(f, "i/o: {e}"),
            ServerError::Tls(e) => write!(f, "tls: {e}"),
            ServerError::Certificate(e) => write!(f, "certificate: {e}"),
            ServerError::Storage(e) => write!(f, "state storage: {e}"),
            ServerError::Config(e) => write!(f, "configuration: {e}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// Where the state lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateLocation {
    /// A directory holding `sandbox.sqlite3` (created if missing).
    Directory(PathBuf),
    /// Memory: nothing survives the process.
    Memory,
}

/// How to run the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Where the state lives.
    pub state: StateLocation,
    /// Requests per second allowed to one organisation (Monzo: 100, shared by all its clients);
    /// 0 switches the limit off (for load tests).
    pub rate_limit_per_second: u32,
    /// Whether this project's proposals are served (see
    /// [`Config::proposals`](crate::core::Config::proposals)); kept with the state, which
    /// replays only under the same choice.
    pub proposals: bool,
    /// Where the sandbox clock starts for a new state (default: real time). Kept with the
    /// state: a state's clock runs on from where it was, so a restart with the same value is
    /// fine and one with another value is refused.
    pub start_at: Option<crate::core::Instant>,
    /// The console's token: `None` keeps the console on loopback only (see
    /// [`console`](crate::console)).
    pub console_token: Option<String>,
}

impl Options {
    /// Listen on `listen`, state in `state`, Monzo's rate limit.
    pub fn new(listen: SocketAddr, state: StateLocation) -> Self {
        Options {
            listen,
            state,
            rate_limit_per_second: 100,
            proposals: true,
            start_at: None,
            console_token: None,
        }
    }
}

/// Monzo's TPP rate limit: requests per second per organisation, across all endpoints and all
/// of the organisation's clients. The organisation is read from the client certificate (its
/// `organizationIdentifier`, else its `OU`); requests without one (the browser's) are not
/// counted.
struct RateLimiter {
    per_second: u32,
    windows: std::collections::HashMap<String, (i64, u32)>,
}

impl RateLimiter {
    /// Whether a request from `dn` at `now` is within the limit (and counts it).
    fn allow(&mut self, dn: Option<&str>, now: crate::core::Instant) -> bool {
        if self.per_second == 0 {
            return true;
        }
        let Some(org) = dn.and_then(organisation) else {
            return true;
        };
        let second = now.timestamp();
        let entry = self.windows.entry(org).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_second
    }
}

/// The organisation a certificate subject names: `organizationIdentifier` (eIDAS), else `OU`
/// (Open Banking certificates).
fn organisation(dn: &str) -> Option<String> {
    let attr = |names: &[&str]| {
        dn.split(',').find_map(|rdn| {
            let (k, v) = rdn.split_once('=')?;
            names
                .iter()
                .any(|n| k.trim().eq_ignore_ascii_case(n))
                .then(|| v.trim().to_owned())
        })
    };
    attr(&["organizationIdentifier", "2.5.4.97"]).or_else(|| attr(&["OU"]))
}

/// Issues a client certificate from the development CA kept in the state directory `dir` of
/// an emulator that has run at least once; returns it with the CA's certificate (for clients
/// to trust).
pub fn issue_client_certificate_from_state(
    dir: &std::path::Path,
    subject: &ca::ClientSubject,
) -> Result<(ca::Issued, String), ServerError> {
    let store = Store::open(dir)?;
    let (Some(key), Some(cert)) = (store.get("ca_key")?, store.get("ca_cert")?) else {
        return Err(ServerError::Certificate(format!(
            "no development CA in {}: run monzo-sandbox once first",
            dir.display()
        )));
    };
    let ca = DevCa::load(&key, &cert)?;
    Ok((ca.issue_client(subject)?, cert))
}

/// A running server.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The base URL clients use (`https://host:port`).
    pub base_url: String,
    ca: Arc<DevCa>,
    shutdown: Option<oneshot::Sender<()>>,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Sandbox time now (see [`Clock`](crate::core::Clock)).
    pub fn sandbox_now(&self) -> crate::core::Instant {
        lock(&self.shared).sandbox.clock().now(wall_clock())
    }

    /// The development CA's certificate, for clients to trust.
    pub fn ca_cert_pem(&self) -> &str {
        self.ca.cert_pem()
    }

    /// Issues a client certificate from the development CA.
    pub fn issue_client_certificate(
        &self,
        subject: &ca::ClientSubject,
    ) -> Result<ca::Issued, ServerError> {
        self.ca.issue_client(subject)
    }

    /// Stops: requests still arriving on open connections get 503 and change nothing, no
    /// new connection is accepted, and the accept loop is waited for. A request being
    /// handled finishes first (it holds the lock).
    pub async fn stop(mut self) {
        lock(&self.shared).closed = true;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// The state shared by connections: the core and its log.
struct Shared {
    sandbox: Sandbox,
    store: Store,
    limiter: RateLimiter,
    recipe: Recipe,
    closed: bool,
    /// The HTTP client that pushes event notifications.
    pusher: reqwest::Client,
    /// The HTTP client that fetches the keys of EU registrations.
    fetcher: reqwest::Client,
    /// The sandbox clock as it is after the last request: event pushes wait for their retries
    /// on it.
    clock: tokio::sync::watch::Sender<crate::core::Clock>,
    /// The console, with its request log.
    console: Console,
    /// The pushed notifications and their attempts (the pushes record them without the
    /// state's lock).
    notifications: Arc<Mutex<Notifications>>,
}

/// How many times an event notification is offered before it is given up.
pub const PUSH_ATTEMPTS: u32 = 5;

/// Pushes one event notification, retrying with exponential backoff until the client answers
/// 2xx or [`PUSH_ATTEMPTS`] are spent. The backoff is in sandbox time: moving the clock on
/// brings the next attempt forward.
async fn push(
    client: reqwest::Client,
    d: crate::core::Delivery,
    financial_id: String,
    mut clock: tokio::sync::watch::Receiver<crate::core::Clock>,
    notifications: Arc<Mutex<Notifications>>,
) {
    lock(&notifications).start(&d.jti, &d.client_id, &d.url);
    let mut delay = std::time::Duration::from_secs(1);
    for attempt in 1..=PUSH_ATTEMPTS {
        let mut b = [0u8; 16];
        let interaction = if aws_lc_rs::rand::fill(&mut b).is_ok() {
            ob_dcr::uuid_v4(b)
        } else {
            d.jti.clone()
        };
        let sent = client
            .post(&d.url)
            .header(http::header::CONTENT_TYPE, "application/jwt")
            .header("x-fapi-financial-id", &financial_id)
            .header(ob_errors::INTERACTION_ID_HEADER, interaction)
            .body(d.set.clone())
            .send()
            .await;
        let at = clock.borrow().now(wall_clock());
        let outcome = sent.map(|r| r.status().as_u16()).map_err(|e| e.to_string());
        let accepted = matches!(outcome, Ok(s) if (200..300).contains(&s));
        lock(&notifications).attempt(
            &d.jti,
            Attempt { at, outcome },
            accepted || attempt == PUSH_ATTEMPTS,
        );
        if accepted {
            return;
        }
        if attempt < PUSH_ATTEMPTS {
            let now = clock.borrow().now(wall_clock());
            let due = now + chrono::Duration::from_std(delay).unwrap_or_default();
            wait_for_sandbox_time(&mut clock, due).await;
            delay *= 2;
        }
    }
    eprintln!(
        "monzo-sandbox: event notification {} to {} for {} not accepted after {PUSH_ATTEMPTS} attempts",
        d.jti, d.url, d.client_id
    );
}

/// Waits until sandbox time reaches `due`: as real time passes, or at once when the clock is
/// moved past it.
async fn wait_for_sandbox_time(
    clock: &mut tokio::sync::watch::Receiver<crate::core::Clock>,
    due: crate::core::Instant,
) {
    loop {
        let now = clock.borrow_and_update().now(wall_clock());
        let Ok(left) = (due - now).to_std() else {
            return;
        };
        if left.is_zero() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(left) => {}
            moved = clock.changed() => {
                if moved.is_err() {
                    // The server stopped: nothing moves the clock any more.
                    tokio::time::sleep(left).await;
                    return;
                }
            }
        }
    }
}

/// What it takes to rebuild the core from the log.
struct Recipe {
    base_url: String,
    proposals: bool,
    seed: u64,
    /// The clock the state started with (requests that moved it are in the log).
    clock: crate::core::Clock,
    bank_pem: String,
    directory_pem: String,
}

impl Recipe {
    /// A fresh core with every logged request replayed into it.
    fn rebuild(&self, store: &Store) -> Result<Sandbox, ServerError> {
        let key = |kid: &str, pem: &str| {
            ob_jose::SigningKey::from_pem(kid, pem)
                .map_err(|e| ServerError::Certificate(e.to_string()))
        };
        let keys = Keys {
            bank: key("sandbox-bank-1", &self.bank_pem)?,
            directory: key("sandbox-directory-1", &self.directory_pem)?,
        };
        let mut config = Config::new(self.base_url.clone());
        config.proposals = self.proposals;
        let mut sandbox = Sandbox::new(config, keys, self.seed);
        sandbox
            .start_clock(self.clock)
            .map_err(ServerError::Config)?;
        for entry in store.entries()? {
            if let Some((req, ctx)) = replay_request(&entry) {
                // The log keeps fingerprints of the secrets the emulator issued; the core,
                // which issued them the same way again, puts them back.
                let req = sandbox.restore_from_log(req);
                // A request that once failed inside the core is skipped, as it was live.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    sandbox.handle(&req, &ctx)
                }));
            }
        }
        // Pushed when they first happened.
        drop(sandbox.take_deliveries());
        // Error ids unique across restarts (they are not state).
        sandbox.set_trace_salt(random_seed().unwrap_or(self.seed));
        Ok(sandbox)
    }
}

fn lock<T>(shared: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match shared.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A response rendered from an `ApiError`, for the server's own refusals: like the core's,
/// with a trace `Id` and the request's `x-fapi-interaction-id` (the server made one when the
/// request had none).
fn refusal(headers: &http::HeaderMap, err: &ob_errors::ApiError) -> http::Response<Vec<u8>> {
    let mut err = err.clone();
    if err.shape == ob_errors::Shape::Obie && err.id.is_none() {
        err = err.with_id(random_uuid());
    }
    let (mut parts, body) = ob_errors::render(headers, &err).into_parts();
    if !parts.headers.contains_key(ob_errors::INTERACTION_ID_HEADER) {
        if let Ok(v) = http::HeaderValue::from_str(&random_uuid()) {
            parts.headers.insert(ob_errors::INTERACTION_ID_HEADER, v);
        }
    }
    http::Response::from_parts(parts, body)
}

/// An answer as hyper sends it.
fn to_hyper(resp: http::Response<Bytes>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = resp.into_parts();
    hyper::Response::from_parts(parts, Full::new(body))
}

/// An answer built with a `Vec` body, as the server sends it.
fn shared_body(resp: http::Response<Vec<u8>>) -> http::Response<Bytes> {
    resp.map(Bytes::from)
}

/// A random RFC 4122 (version 4) UUID.
fn random_uuid() -> String {
    let mut b = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut b);
    ob_dcr::uuid_v4(b)
}

fn wall_clock() -> crate::core::Instant {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(d.as_secs() as i64, d.subsec_nanos()).unwrap_or_default()
}

/// 32 random bytes: the key of the console's form tokens for this run.
fn random_key() -> Result<[u8; 32], ServerError> {
    let mut b = [0u8; 32];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| ServerError::Io("no system randomness".into()))?;
    Ok(b)
}

fn random_seed() -> Result<u64, ServerError> {
    let mut b = [0u8; 8];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| ServerError::Io("no system randomness".into()))?;
    Ok(u64::from_le_bytes(b))
}

/// Reads a stored value, or makes and stores it.
/// The clock a state starts with: kept in the state as the offset from real time the first
/// start chose (`--start-at`, or none), so that replay gives every logged request the sandbox
/// time it had. A state made before the clock existed has none.
fn state_clock(
    store: &Store,
    start_at: Option<crate::core::Instant>,
) -> Result<crate::core::Clock, ServerError> {
    let requested = start_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let bad = |what: &str| ServerError::Storage(format!("bad {what} in the state"));
    match (store.get("clock_offset_ms")?, store.get("clock_start")?) {
        (Some(offset), started) => {
            if requested.is_some() && requested != started {
                return Err(ServerError::Config(format!(
                    "this state's clock started at {}: --start-at only sets a new state's clock (move this one on with POST /open-banking/sandbox/clock, or use another state directory)",
                    started.as_deref().unwrap_or("the real time")
                )));
            }
            let ms: i64 = offset.parse().map_err(|_| bad("clock offset"))?;
            let offset =
                chrono::Duration::try_milliseconds(ms).ok_or_else(|| bad("clock offset"))?;
            Ok(crate::core::Clock::with_offset(offset))
        }
        (None, _) if !store.has_no_entries()? => {
            if requested.is_some() {
                return Err(ServerError::Config(
                    "this state was made before the sandbox clock: --start-at only sets a new state's clock".into(),
                ));
            }
            Ok(crate::core::Clock::default())
        }
        (None, _) => {
            // Kept in whole milliseconds, and used as kept: the live server and every replay
            // give each request the same sandbox time.
            let ms = start_at.map_or(0, |at| (at - wall_clock()).num_milliseconds());
            let clock = crate::core::Clock::with_offset(chrono::Duration::milliseconds(ms));
            store.put("clock_offset_ms", &ms.to_string())?;
            if let Some(r) = &requested {
                store.put("clock_start", r)?;
            }
            Ok(clock)
        }
    }
}

fn stored(
    store: &Store,
    key: &str,
    make: impl FnOnce() -> Result<String, ServerError>,
) -> Result<String, ServerError> {
    match store.get(key)? {
        Some(v) => Ok(v),
        None => {
            let v = make()?;
            store.put(key, &v)?;
            Ok(v)
        }
    }
}

fn replay_request(e: &Entry) -> Option<(http::Request<Vec<u8>>, Context)> {
    let mut b = http::Request::builder()
        .method(e.method.as_str())
        .uri(e.uri.as_str());
    let headers: Vec<(String, String)> = serde_json::from_str(&e.headers).unwrap_or_default();
    for (k, v) in headers {
        b = b.header(k, v);
    }
    let req = b.body(e.body.clone()).ok()?;
    let now = chrono::DateTime::parse_from_rfc3339(&e.at)
        .ok()?
        .with_timezone(&chrono::Utc);
    Some((
        req,
        Context {
            now,
            client_certificate_dn: e.client_dn.clone(),
        },
    ))
}

/// Starts the server: opens (or creates) the state, replays the log, and listens.
pub async fn start(opts: Options) -> Result<Running, ServerError> {
    let store = match &opts.state {
        StateLocation::Directory(dir) => Store::open(dir)?,
        StateLocation::Memory => Store::memory()?,
    };
    // The CA first: once the port accepts connections, clients can have certificates issued
    // from the state directory.
    let ca = match (store.get("ca_key")?, store.get("ca_cert")?) {
        (Some(k), Some(c)) => DevCa::load(&k, &c)?,
        _ => {
            let ca = DevCa::generate()?;
            store.put("ca_key", &ca.key_pem())?;
            store.put("ca_cert", ca.cert_pem())?;
            ca
        }
    };
    let listener = TcpListener::bind(opts.listen)
        .await
        .map_err(|e| ServerError::Io(format!("listen on {}: {e}", opts.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServerError::Io(e.to_string()))?;
    let host = if addr.ip().is_loopback() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    let base_url = stored(&store, "base_url", || {
        Ok(format!("https://{host}:{}", addr.port()))
    })?;
    if base_url != format!("https://{host}:{}", addr.port()) {
        return Err(ServerError::Config(format!(
            "this state was made for {base_url}: listen there, or use another state directory"
        )));
    }
    // The log replays into the same world only: a state without a version and with requests
    // logged was made before versions were recorded (world 1).
    let world = match store.get("world_version")? {
        Some(v) => v,
        None if store.has_no_entries()? => {
            store.put("world_version", crate::seed::WORLD_VERSION)?;
            crate::seed::WORLD_VERSION.to_owned()
        }
        None => "1".to_owned(),
    };
    if world != crate::seed::WORLD_VERSION {
        return Err(ServerError::Config(format!(
            "this state was made with version {world} of the seeded world, this emulator has version {}: use another state directory",
            crate::seed::WORLD_VERSION
        )));
    }
    // The log replays into the same behaviour only under the same choice of proposals.
    let wanted = if opts.proposals { "on" } else { "off" };
    let proposals = stored(&store, "proposals", || Ok(wanted.to_owned()))?;
    if proposals != wanted {
        return Err(ServerError::Config(format!(
            "this state was made with the proposals {proposals}: run it that way ({}), or use another state directory",
            if proposals == "on" { "without --no-proposals" } else { "with --no-proposals" }
        )));
    }
    let clock = state_clock(&store, opts.start_at)?;
    let seed: u64 = stored(&store, "seed", || random_seed().map(|s| s.to_string()))?
        .parse()
        .map_err(|_| ServerError::Storage("bad seed".into()))?;
    let key = |name: &str, kid: &str| -> Result<ob_jose::SigningKey, ServerError> {
        let pem = stored(&store, name, || {
            ob_jose::SigningKey::generate(kid, 2048)
                .and_then(|k| k.to_pkcs8_pem())
                .map_err(|e| ServerError::Certificate(e.to_string()))
        })?;
        ob_jose::SigningKey::from_pem(kid, &pem)
            .map_err(|e| ServerError::Certificate(e.to_string()))
    };
    let keys = Keys {
        bank: key("bank_key", "sandbox-bank-1")?,
        directory: key("directory_key", "sandbox-directory-1")?,
    };
    let ca = Arc::new(ca);
    let recipe = Recipe {
        base_url: base_url.clone(),
        proposals: opts.proposals,
        seed,
        clock,
        bank_pem: keys
            .bank
            .to_pkcs8_pem()
            .map_err(|e| ServerError::Certificate(e.to_string()))?,
        directory_pem: keys
            .directory
            .to_pkcs8_pem()
            .map_err(|e| ServerError::Certificate(e.to_string()))?,
    };
    let sandbox = recipe.rebuild(&store)?;
    // The bank's key again, for signing responses outside the state's lock.
    let bank = Arc::new(
        ob_jose::SigningKey::from_pem("sandbox-bank-1", &recipe.bank_pem)
            .map_err(|e| ServerError::Certificate(e.to_string()))?,
    );
    let (clock, _) = tokio::sync::watch::channel(sandbox.clock());
    let acceptor = tls_acceptor(&ca, &host)?;
    let limiter = RateLimiter {
        per_second: opts.rate_limit_per_second,
        windows: std::collections::HashMap::new(),
    };
    let shared = Arc::new(Mutex::new(Shared {
        sandbox,
        store,
        limiter,
        recipe,
        closed: false,
        pusher: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| ServerError::Tls(format!("the event-notification client: {e}")))?,
        fetcher: jwks_fetch::client()
            .map_err(|e| ServerError::Tls(format!("the JWKS client: {e}")))?,
        clock,
        console: Console::new(opts.console_token.as_deref(), &random_key()?),
        notifications: Arc::new(Mutex::new(Notifications::default())),
    }));
    let for_stop = shared.clone();
    let (tx, mut rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut rx => break,
                accepted = listener.accept() => {
                    let Ok((tcp, peer)) = accepted else { continue };
                    let acceptor = acceptor.clone();
                    let shared = shared.clone();
                    let bank = bank.clone();
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else { return };
                        let dn = client_subject(&tls);
                        let service = hyper::service::service_fn(move |req| {
                            let shared = shared.clone();
                            let bank = bank.clone();
                            let dn = dn.clone();
                            async move { Ok::<_, std::convert::Infallible>(serve(req, &shared, &bank, dn, peer).await) }
                        });
                        // hyper's own limits are set well above the emulator's, so that an
                        // oversize request line or header block gets the emulator's answer
                        // (an OBIE error with an interaction id), not hyper's bare 431/414.
                        let _ = hyper::server::conn::http1::Builder::new()
                            .max_buf_size(HYPER_MAX_BUF)
                            .max_headers(HYPER_MAX_HEADERS)
                            .serve_connection(TokioIo::new(tls), service)
                            .await;
                    });
                }
            }
        }
    });
    Ok(Running {
        addr,
        base_url,
        ca,
        shared: for_stop,
        shutdown: Some(tx),
        task,
    })
}

fn tls_acceptor(ca: &DevCa, host: &str) -> Result<TlsAcceptor, ServerError> {
    let tls = |e: &dyn fmt::Display| ServerError::Tls(e.to_string());
    let server = ca.issue_server(&[host, "localhost", "127.0.0.1"])?;
    let chain = vec![
        CertificateDer::from_pem_slice(server.cert_pem.as_bytes()).map_err(|e| tls(&e))?,
        CertificateDer::from_pem_slice(ca.cert_pem().as_bytes()).map_err(|e| tls(&e))?,
    ];
    let key = PrivateKeyDer::from_pem_slice(server.key_pem.as_bytes()).map_err(|e| tls(&e))?;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.cert_pem().as_bytes()).map_err(|e| tls(&e))?)
        .map_err(|e| tls(&e))?;
    let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
        .allow_unauthenticated()
        .build()
        .map_err(|e| tls(&e))?;
    let config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| tls(&e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The subject DN of the verified client certificate, if the client sent one.
fn client_subject(tls: &tokio_rustls::server::TlsStream<tokio::net::TcpStream>) -> Option<String> {
    let (_, conn) = tls.get_ref();
    let cert = conn.peer_certificates()?.first()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    Some(subject_dn(parsed.subject()))
}

/// A certificate's subject as `C=GB,O=...,CN=...`: attribute names as X.520 abbreviates them,
/// and eIDAS `organizationIdentifier` (2.5.4.97, which the parser's registry does not name) by
/// name, so that it compares equal to the `tls_client_auth_subject_dn` a TPP registers.
fn subject_dn(name: &x509_parser::x509::X509Name<'_>) -> String {
    let registry = x509_parser::objects::oid_registry();
    let mut parts = Vec::new();
    for rdn in name.iter_rdn() {
        for attr in rdn.iter() {
            let oid = attr.attr_type();
            let key = if oid
                .iter()
                .is_some_and(|arcs| arcs.eq(ca::ORGANIZATION_IDENTIFIER))
            {
                "organizationIdentifier".to_owned()
            } else {
                x509_parser::objects::oid2abbrev(oid, registry)
                    .map(str::to_owned)
                    .unwrap_or_else(|_| oid.to_id_string())
            };
            let value = attr
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|_| String::from_utf8_lossy(attr.as_slice()).into_owned());
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(",")
}

async fn serve(
    req: hyper::Request<Incoming>,
    shared: &Mutex<Shared>,
    bank: &ob_jose::SigningKey,
    dn: Option<String>,
    peer: SocketAddr,
) -> hyper::Response<Full<Bytes>> {
    to_hyper(answer(req, shared, bank, dn, peer).await)
}

/// Reads a request whole and answers it: the console's pages and controls, or the API. A
/// response the bank signs is signed with `bank` after the state's lock is released.
async fn answer(
    req: hyper::Request<Incoming>,
    shared: &Mutex<Shared>,
    bank: &ob_jose::SigningKey,
    dn: Option<String>,
    peer: SocketAddr,
) -> http::Response<Bytes> {
    let started = std::time::Instant::now();
    let (mut parts, body) = req.into_parts();
    // Only the server attaches fetched keys (below).
    parts.headers.remove(crate::core::FETCHED_KEYS_HEADER);
    // Every response carries an interaction id: the request's, or one made here (kept in the
    // log, so that replays and later requests never reuse one).
    if !parts.headers.contains_key(ob_errors::INTERACTION_ID_HEADER) {
        if let Ok(v) = http::HeaderValue::from_str(&random_uuid()) {
            parts.headers.insert(ob_errors::INTERACTION_ID_HEADER, v);
        }
    }
    // Oversize requests. Monzo pairs each error prefix with one status and has none for 413,
    // 414 or 431 (which no OBIE operation documents either): they are 400 `bad_request.*`.
    let uri_len = parts.uri.to_string().len();
    let header_bytes: usize = parts
        .headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    let oversize = if uri_len > MAX_URI {
        Some((
            "uri_too_long",
            ob_errors::ErrorCode::FieldInvalid,
            "uri",
            format!("the request URI is {uri_len} bytes, more than {MAX_URI}"),
        ))
    } else if header_bytes > MAX_HEADER_BYTES || parts.headers.len() > MAX_HEADERS {
        Some((
            "headers_too_large",
            ob_errors::ErrorCode::HeaderInvalid,
            "headers",
            format!(
                "{} header fields of {header_bytes} bytes: at most {MAX_HEADERS} fields and {MAX_HEADER_BYTES} bytes",
                parts.headers.len()
            ),
        ))
    } else {
        None
    };
    if let Some((kind, code, path, detail)) = oversize {
        let err = ob_errors::ApiError::obie(
            ob_errors::Prefix::BadRequest,
            kind,
            "The request is invalid",
        )
        .with_detail(code, detail)
        .at_path(path);
        return shared_body(refusal(&parts.headers, &err));
    }
    let bytes = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => {
            let err = ob_errors::ApiError::obie(
                ob_errors::Prefix::BadRequest,
                "body_too_large",
                "The request is invalid",
            )
            .with_detail(
                ob_errors::ErrorCode::FieldInvalid,
                format!("the body is larger than {MAX_BODY} bytes"),
            )
            .at_path("$");
            return shared_body(refusal(&parts.headers, &err));
        }
    };
    let mut req = http::Request::from_parts(parts, bytes);
    let ctx = Context {
        now: wall_clock(),
        client_certificate_dn: dn,
    };
    if Console::is_console_path(req.uri().path()) {
        return shared_body(console(req, shared, ctx, peer, started));
    }
    // An EU registration: the TPP's keys, fetched outside the lock.
    let to_fetch = {
        let shared = lock(shared);
        crate::core::eu_keys_to_fetch(shared.sandbox.config(), &req, ctx.now)
            .map(|uri| (uri, shared.fetcher.clone()))
    };
    if let Some((uri, fetcher)) = to_fetch {
        let fetched = jwks_fetch::fetch(&fetcher, &uri).await;
        if let Some(v) = fetched.to_header_value() {
            req.headers_mut()
                .insert(crate::core::FETCHED_KEYS_HEADER, v);
        }
    }
    let (mut resp, due) = {
        let mut shared = lock(shared);
        if shared.closed {
            return shared_body(closed(req.headers()));
        }
        if !shared
            .limiter
            .allow(ctx.client_certificate_dn.as_deref(), ctx.now)
        {
            let err =
                ob_errors::ApiError::obie(ob_errors::Prefix::RateLimited, "", "Too many requests")
                    .with_detail(
                        ob_errors::ErrorCode::MonzoGeneric,
                        "TPP rate limit: at most 100 requests per second per organisation",
                    )
                    .with_retry_after(std::time::Duration::from_secs(1));
            return shared_body(refusal(req.headers(), &err));
        }
        dispatch(&mut shared, req, &ctx, false, started)
    };
    if let Some(due) = due {
        let (mut parts, body) = resp.into_parts();
        due.sign_body(bank, &body, &mut parts.headers);
        resp = http::Response::from_parts(parts, body);
    }
    resp
}

/// The answer of a stopped server: a 503 without a body (Monzo's error codes pair
/// `internal_service` with 500 and have no prefix for 503), closing the connection.
fn closed(headers: &http::HeaderMap) -> http::Response<Vec<u8>> {
    let err = ob_errors::ApiError {
        status: http::StatusCode::SERVICE_UNAVAILABLE,
        ..ob_errors::ApiError::unauthorized_empty()
    }
    .with_retry_after(std::time::Duration::from_secs(1));
    let mut r = refusal(headers, &err);
    r.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    r
}

/// A console request: a page rendered from the state, or a control run through [`dispatch`].
fn console(
    req: http::Request<Vec<u8>>,
    shared: &Mutex<Shared>,
    ctx: Context,
    peer: SocketAddr,
    started: std::time::Instant,
) -> http::Response<Vec<u8>> {
    let mut shared = lock(shared);
    if shared.closed {
        return closed(req.headers());
    }
    let notifications = shared.notifications.clone();
    let outcome = {
        let notifications = lock(&notifications);
        let view = View {
            sandbox: &shared.sandbox,
            notifications: &notifications,
            wall: ctx.now,
        };
        shared.console.handle(&view, &req, peer.ip())
    };
    match outcome {
        Outcome::Answer(r) => r,
        Outcome::Control(control) => {
            let mut request = control.request.clone();
            if let Ok(v) = http::HeaderValue::from_str(&random_uuid()) {
                request
                    .headers_mut()
                    .insert(ob_errors::INTERACTION_ID_HEADER, v);
            }
            // The console reads the answer's status, location and body: no signature needed.
            let (resp, _) = dispatch(&mut shared, request, &ctx, true, started);
            shared.console.finish(&control, &resp)
        }
    }
}

/// Runs a request through the core: handled under the lock, logged if it changed state,
/// event notifications pushed, and kept for the console's request log. The API's requests
/// and the console's controls all come here. A response the bank must sign comes back with
/// its [`SignatureDue`](crate::core::SignatureDue), for the caller to sign once it has
/// released the lock.
fn dispatch(
    shared: &mut Shared,
    req: http::Request<Vec<u8>>,
    ctx: &Context,
    from_console: bool,
    started: std::time::Instant,
) -> (http::Response<Bytes>, Option<crate::core::SignatureDue>) {
    let client_id =
        shared
            .sandbox
            .client_of_request(&req, ctx.client_certificate_dn.as_deref(), ctx.now);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        shared.sandbox.handle_deferring_signature(&req, ctx)
    }));
    let failed = |shared: &mut Shared| {
        // The core's memory may hold half a change: rebuild it from the log.
        if let Ok(sandbox) = shared.recipe.rebuild(&shared.store) {
            shared.sandbox = sandbox;
        }
        let err = ob_errors::ApiError::obie(
            ob_errors::Prefix::InternalService,
            "",
            "Internal server error",
        )
        .with_detail(
            ob_errors::ErrorCode::UnexpectedError,
            "Something went wrong",
        );
        refusal(req.headers(), &err)
    };
    let (resp, due) = match outcome {
        Ok((resp, due)) => (shared_body(resp), due),
        Err(_) => {
            let resp = shared_body(failed(shared));
            keep(shared, req, &resp, client_id, from_console, started, ctx);
            return (resp, None);
        }
    };
    // Logged once handled and before answering: a crash before this point loses a request
    // whose client got no answer (and retries with its idempotency key); after it, nothing.
    if Sandbox::changes_state(&req) {
        // No bearer token, authorization code or refresh token is kept in clear.
        let logged = shared.sandbox.redact_for_log(&req);
        let headers: Vec<(String, String)> = logged
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let entry = Entry {
            at: ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            method: logged.method().to_string(),
            uri: logged
                .uri()
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            headers: serde_json::to_string(&headers).unwrap_or_default(),
            body: logged.body().clone(),
            client_dn: ctx.client_certificate_dn.clone(),
        };
        if shared.store.append(&entry).is_err() {
            let resp = shared_body(failed(shared));
            keep(shared, req, &resp, client_id, from_console, started, ctx);
            return (resp, None);
        }
    }
    let now_clock = shared.sandbox.clock();
    shared.clock.send_if_modified(|c| {
        let moved = *c != now_clock;
        *c = now_clock;
        moved
    });
    for delivery in shared.sandbox.take_deliveries() {
        let pusher = shared.pusher.clone();
        let financial_id = shared.sandbox.config().aspsp_org_id.clone();
        tokio::spawn(push(
            pusher,
            delivery,
            financial_id,
            shared.clock.subscribe(),
            shared.notifications.clone(),
        ));
    }
    keep(shared, req, &resp, client_id, from_console, started, ctx);
    (resp, due)
}

/// Keeps an exchange for the console's request log (bodies as they were, shared rather than
/// copied: the console redacts what it shows).
fn keep(
    shared: &mut Shared,
    req: http::Request<Vec<u8>>,
    resp: &http::Response<Bytes>,
    client_id: Option<String>,
    from_console: bool,
    started: std::time::Instant,
    ctx: &Context,
) {
    let interaction_id = resp
        .headers()
        .get(ob_errors::INTERACTION_ID_HEADER)
        .or_else(|| req.headers().get(ob_errors::INTERACTION_ID_HEADER))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let (request_body, cut_request) = kept(&Bytes::from(req.into_body()));
    let (response_body, cut_response) = kept(resp.body());
    shared.console.journal.record(Exchange {
        seq: 0,
        at: ctx.now,
        interaction_id,
        method,
        path,
        status: resp.status().as_u16(),
        duration: started.elapsed(),
        client_id,
        from_console,
        request_body,
        response_body,
        truncated: cut_request || cut_response,
    });
}
