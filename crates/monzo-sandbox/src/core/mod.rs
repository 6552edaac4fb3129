//! The emulator's core: Monzo's Open Banking API as a function from `http::Request` to
//! `http::Response`, with time and the client certificate as inputs. No I/O, no clock, no
//! global randomness: the same requests at the same times give the same answers, which is what
//! makes it testable in-process and replayable.
//!
//! A server wraps it (TLS, sockets, persistence); tests drive it directly.
//!
//! Paths, under the issuer `{base}/open-banking`:
//!
//! | path | what |
//! |---|---|
//! | `GET /.well-known/openid-configuration`, `GET /jwks` | discovery, the bank's keys |
//! | `POST /sandbox/software-statements` | the sandbox's own directory: signs a software statement and keeps the TPP's JWKS |
//! | `POST /register`, `GET`/`PUT`/`DELETE /register/{ClientId}` | dynamic client registration (UK profile, statements from the sandbox directory) and its management |
//! | `POST /token` | `client_credentials`, `authorization_code`, `refresh_token` under `tls_client_auth` |
//! | `GET /authorize`, `POST /authorize/decision` | the customer's approval: automatic with `DesiredStatus`, else a page |
//! | `/v3.1/aisp/...` | account-access consents, accounts, balances, transactions, pots, parties, direct debits, standing orders, scheduled payments |
//! | `/v3.1/pisp/...` | domestic, scheduled, standing-order and international payment consents and orders; domestic VRP consents and payments; funds confirmation (all signed, idempotent) |
//! | `/v3.1/cbpii/...` | confirmation-of-funds consents and checks |
//! | `/v3.1/event-subscriptions`, `POST /v3.1/events` | OBIE event subscriptions and aggregated polling (not offered by Monzo; here for the proposed pot-transactions extension) |
//! | `POST /sandbox/pots/{PotId}/transactions` | a sandbox control: a pot transaction happens now (and subscribed clients hear of it) |
//! | `GET`/`POST /sandbox/clock` | a sandbox control: reads or moves the sandbox [`Clock`] forward |
//! | `POST /sandbox/accounts/{AccountId}/close`, `POST /sandbox/pots/{PotId}/close` | sandbox controls: close an account (still listed, `Deleted`) or a pot (no longer listed) |
//! | `POST /sandbox/account-access-consents/{ConsentId}/revoke` | a sandbox control: the customer withdraws the TPP's access in the app (tokens revoked, status unchanged) |
//! | `POST /sandbox/payments/next-rejection` | a sandbox control: the next payment the bank makes is rejected with the given `Reason` (one of Monzo's rejection texts) |
//! | `/eu/...` | Monzo's EU PSD2 interface ([`Region::Eu`]): its own issuer, discovery, registration (self-asserted statements), token and authorization endpoints, and `/eu/v3.1/aisp/...` (account information only, without `/pots`) for the EU sandbox user |

mod ais;
mod auth;
mod cbpii;
mod clock;
mod closing;
mod eu;
mod events;
mod gate;
pub(crate) mod http;
mod inspect;
mod oauth;
mod pis;
mod pots;
mod rendered;
mod schedule;
mod vrp;

use ob_consent::ConsentMachine;
use std::collections::HashMap;

use ::http::{Method, Request, Response};
use ob_consent::tokens::TokenStore;
use ob_jose::{Jwks, SigningKey};
use ob_model::registration::OBClientRegistration1;

use crate::seed::{self, Rng, World};

pub use auth::SignatureDue;
pub use clock::{Clock, IsoDuration};
pub use eu::{eu_keys_to_fetch, FetchedKeys, FETCHED_KEYS_HEADER};
pub use events::{Delivery, RESOURCE_UPDATE};
pub use inspect::{
    short_fingerprint, ClientView, ConsentKindView, ConsentView, PaymentView, Redactor,
    SubscriptionView,
};
pub use ob_jose::Instant;

/// The deepest JSON nesting a request body may have (Open Banking payloads need far less).
pub const MAX_JSON_DEPTH: usize = 32;

/// Which of Monzo's two Open Banking interfaces a request is for.
///
/// Monzo runs its UK Open Banking API and, for Monzo Bank Ireland's customers, an EU PSD2
/// dedicated interface "built to the Open Banking spec" with its own well-known document, base
/// URLs and registration profile, which "currently only supports Account Information Services"
/// (Monzo's docs, "EU PSD2 API"). The emulator serves both from one listener: the EU one under
/// `{base}/open-banking/eu`. Clients, tokens and consents belong to the interface they were
/// registered with, and the EU sandbox user only to the EU one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Region {
    /// The UK Open Banking API, under `{base}/open-banking`.
    #[default]
    Uk,
    /// The EU PSD2 interface, under `{base}/open-banking/eu`.
    Eu,
}

impl Region {
    /// The region of a request path: [`Region::Eu`] under `/open-banking/eu`.
    pub fn of_path(path: &str) -> Region {
        match path.strip_prefix("/open-banking/eu") {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => Region::Eu,
            _ => Region::Uk,
        }
    }

    /// The path prefix of the region's endpoints: `/open-banking` or `/open-banking/eu`.
    pub fn prefix(self) -> &'static str {
        match self {
            Region::Uk => "/open-banking",
            Region::Eu => "/open-banking/eu",
        }
    }
}

/// Where the emulator is reached, and who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The scheme, host and port clients use, such as `https://127.0.0.1:8443`.
    pub base: String,
    /// The bank's organisation id (the `aud` of UK registration requests).
    pub aspsp_org_id: String,
    /// The EU entity's PSD2 authorisation number (the `aud` of EU registration requests).
    pub eu_aspsp_org_id: String,
    /// Whether this project's proposals, not live at Monzo, are served: `GET
    /// /pots/{PotId}/transactions`, `PotId` on main-account transactions and its filter, and
    /// the Events API. Off, the emulator serves only what Monzo serves, so every response fits
    /// the upstream OBIE schemas (the sandbox's pot control still works).
    pub proposals: bool,
}

impl Config {
    /// A configuration for `base`, with the organisation id Monzo's sandbox examples use and
    /// the proposals served.
    pub fn new(base: impl Into<String>) -> Self {
        Config {
            base: base.into().trim_end_matches('/').to_owned(),
            aspsp_org_id: "0015800001ZEc3hAAD".into(),
            // The `aud` of the registration request in Monzo's EU example.
            eu_aspsp_org_id: "PSDIE-CBI-000000".into(),
            proposals: true,
        }
    }

    /// The same configuration serving only what Monzo serves (see [`Config::proposals`]).
    pub fn without_proposals(mut self) -> Self {
        self.proposals = false;
        self
    }

    /// The OpenID issuer: `{base}/open-banking`.
    pub fn issuer(&self) -> String {
        format!("{}/open-banking", self.base)
    }

    /// The account-information base URL: `{base}/open-banking/v3.1/aisp`.
    pub fn aisp_base(&self) -> String {
        format!("{}/open-banking/v3.1/aisp", self.base)
    }

    /// The OpenID issuer of a region: `{base}/open-banking` or `{base}/open-banking/eu`.
    pub fn issuer_of(&self, region: Region) -> String {
        format!("{}{}", self.base, region.prefix())
    }

    /// The account-information base URL of a region: `{issuer}/v3.1/aisp`.
    pub fn aisp_base_of(&self, region: Region) -> String {
        format!("{}/v3.1/aisp", self.issuer_of(region))
    }

    /// The `aud` registration requests of a region carry.
    pub fn aspsp_org_id_of(&self, region: Region) -> &str {
        match region {
            Region::Uk => &self.aspsp_org_id,
            Region::Eu => &self.eu_aspsp_org_id,
        }
    }

    /// The payment-initiation base URL: `{base}/open-banking/v3.1/pisp`.
    pub fn pisp_base(&self) -> String {
        format!("{}/open-banking/v3.1/pisp", self.base)
    }

    /// The confirmation-of-funds base URL: `{base}/open-banking/v3.1/cbpii`.
    pub fn cbpii_base(&self) -> String {
        format!("{}/open-banking/v3.1/cbpii", self.base)
    }
}

/// What the transport knows about a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// When it arrived, in real time (the sandbox [`Clock`] adds its offset).
    pub now: Instant,
    /// The subject DN of the client certificate it came with (mutual TLS), if any.
    pub client_certificate_dn: Option<String>,
}

/// What a handler knows about a request: the [`Context`] with both times.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    /// Sandbox time: what every rule of the bank follows (see [`clock`]).
    pub(crate) now: Instant,
    /// Real time: for the times of signed artefacts the TPP's own clock stamps or checks.
    pub(crate) wall: Instant,
    /// The subject DN of the client certificate, if any.
    pub(crate) client_certificate_dn: Option<String>,
    /// The interface the request is for (from its path).
    pub(crate) region: Region,
}

/// The keys the emulator signs with: the bank's (id_tokens, JWKS) and its directory's
/// (software statements).
pub struct Keys {
    /// The bank's signing key.
    pub bank: SigningKey,
    /// The sandbox directory's signing key.
    pub directory: SigningKey,
}

impl Keys {
    /// Fresh keys.
    pub fn generate() -> Result<Self, ob_jose::JoseError> {
        Ok(Keys {
            bank: SigningKey::generate("sandbox-bank-1", 2048)?,
            directory: SigningKey::generate("sandbox-directory-1", 2048)?,
        })
    }
}

/// A software statement the sandbox directory issued, with the JWKS it publishes for it.
#[derive(Clone, Debug)]
pub(crate) struct Software {
    pub(crate) jwks: Jwks,
    /// The organisation the statement names.
    pub(crate) org_id: String,
    /// UK: issued by the sandbox directory; EU: self-asserted, its keys fetched from its
    /// `org_jwks_endpoint` at registration.
    pub(crate) region: Region,
}

/// A registered client.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) registration: OBClientRegistration1,
    pub(crate) software_id: String,
    /// The organisation of the software statement (the first half of its signatures' `iss`).
    pub(crate) org_id: String,
    pub(crate) subject_dn: String,
    /// The interface it registered with: it is unknown to the other one.
    pub(crate) region: Region,
}

/// The emulator's state.
pub struct Sandbox {
    pub(crate) config: Config,
    pub(crate) keys: Keys,
    pub(crate) world: World,
    pub(crate) rng: Rng,
    pub(crate) counter: u64,
    /// Interaction ids come from their own counter, so that reads change nothing else.
    interactions: u64,
    /// Mixed into the generated interaction and trace ids: the seed, or a server's random
    /// value ([`Sandbox::set_trace_salt`]).
    salt: u64,
    pub(crate) software: HashMap<String, Software>,
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) seen_jtis: ob_dcr::server::SeenJtis,
    pub(crate) oauth: oauth::State,
    pub(crate) tokens: TokenStore,
    /// Answers already given, per client and `x-idempotency-key`: status and body (`auth`'s
    /// idempotency; every API whose POSTs take the key shares it, as the key is the client's).
    pub(crate) answers: ob_consent::idempotency::Ledger<(u16, Vec<u8>)>,
    pub(crate) ais: ais::State,
    pub(crate) pis: pis::State,
    pub(crate) vrp: vrp::State,
    pub(crate) cbpii: cbpii::State,
    pub(crate) events: events::State,
    /// Sandbox time's offset from real time.
    clock: Clock,
    /// What each account sent on each UK day (what daily limits count).
    pub(crate) sent: std::collections::BTreeMap<(String, chrono::NaiveDate), rust_decimal::Decimal>,
    /// Pending transactions still to settle, in time order.
    pub(crate) settlements: Vec<(Instant, String, String)>,
    /// Every token and code the emulator issued, by [`fingerprint`]: memory only, rebuilt by
    /// replay (issuing is deterministic), so that the log can keep fingerprints instead of
    /// secrets ([`Sandbox::redact_for_log`], [`Sandbox::restore_from_log`]).
    secrets: HashMap<String, String>,
    /// A rejection the sandbox control forces on the next payment the bank makes.
    pub(crate) next_rejection: Option<ob_consent::rejection::RejectionReason>,
    /// Every payment the bank made or refused, by what made it.
    pub(crate) booked: Vec<schedule::Booked>,
}

impl Sandbox {
    /// An emulator with the seeded world. `seed` feeds its id and token generator (pass OS
    /// randomness in a server, a constant in tests).
    pub fn new(config: Config, keys: Keys, seed: u64) -> Self {
        let world = seed::world();
        Sandbox {
            config,
            keys,
            settlements: schedule::settlements(&world),
            world,
            rng: Rng::from_text(&seed.to_string()),
            counter: 0,
            interactions: 0,
            salt: seed,
            software: HashMap::new(),
            clients: HashMap::new(),
            seen_jtis: ob_dcr::server::SeenJtis::default(),
            oauth: oauth::State::default(),
            tokens: TokenStore::new(),
            answers: ob_consent::idempotency::Ledger::default(),
            ais: ais::State::default(),
            pis: pis::State::default(),
            vrp: vrp::State::default(),
            cbpii: cbpii::State::default(),
            events: events::State::default(),
            clock: Clock::default(),
            sent: std::collections::BTreeMap::new(),
            secrets: HashMap::new(),
            next_rejection: None,
            booked: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The world as it is now: the seed plus every payment and pot transaction made since.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The world, to change directly: for benchmarks and tests that need more scheduled work
    /// than the seed has. Changes made here are not in any request log, so a server never
    /// uses it.
    #[doc(hidden)]
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// A new id with Monzo's style: `prefix` then a counter and random characters.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let n = self.counter;
        let tail = self.random_text(16);
        format!("{prefix}_{n:06}{tail}")
    }

    /// A new secret (an access, refresh or client-credentials token, an authorization code):
    /// random text that the log will keep only as its [`fingerprint`].
    pub(crate) fn new_secret(&mut self, len: usize) -> String {
        let secret = self.random_text(len);
        self.secrets.insert(fingerprint(&secret), secret.clone());
        secret
    }

    /// The request as the log keeps it: the bearer token, and the secrets in the form bodies
    /// of the token endpoint (`code`, `refresh_token`) and the approval page (`pending`),
    /// replaced by their [`fingerprint`]s, so that no secret is at rest in clear (a form that
    /// cannot be read is kept as the fingerprint of the whole body).
    /// [`restore_from_log`](Sandbox::restore_from_log) undoes it for replay.
    pub fn redact_for_log(&self, req: &Request<Vec<u8>>) -> Request<Vec<u8>> {
        let mut out = req.clone();
        if let Some(v) = req.headers().get(::http::header::AUTHORIZATION) {
            let text = String::from_utf8_lossy(v.as_bytes());
            let redacted = match text.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                    format!("{scheme} {}", fingerprint(token.trim()))
                }
                _ => fingerprint(&text),
            };
            if let Ok(v) = ::http::HeaderValue::from_str(&redacted) {
                out.headers_mut().insert(::http::header::AUTHORIZATION, v);
            }
        }
        if let Some(secret_fields) = form_secrets(req.uri().path()) {
            *out.body_mut() = match http::form(req) {
                Some(form) => {
                    let pairs: Vec<(String, String)> = form
                        .into_iter()
                        .map(|(k, v)| {
                            if secret_fields.contains(&k.as_str()) {
                                let f = fingerprint(&v);
                                (k, f)
                            } else {
                                (k, v)
                            }
                        })
                        .collect();
                    encode_form(&pairs)
                }
                None if req.body().is_empty() => Vec::new(),
                None => fingerprint(&String::from_utf8_lossy(req.body())).into_bytes(),
            };
        }
        out
    }

    /// A logged request with the secrets the emulator issued put back in place of their
    /// fingerprints, where [`redact_for_log`](Sandbox::redact_for_log) put them (a fingerprint
    /// of anything else stays: the request fails as the original did).
    pub fn restore_from_log(&self, mut req: Request<Vec<u8>>) -> Request<Vec<u8>> {
        let restore = |text: &str| self.secrets.get(text).cloned();
        if let Some(v) = req.headers().get(::http::header::AUTHORIZATION) {
            let text = String::from_utf8_lossy(v.as_bytes()).into_owned();
            if let Some((scheme, f)) = text.split_once(' ') {
                if let Some(secret) = restore(f) {
                    if let Ok(v) = ::http::HeaderValue::from_str(&format!("{scheme} {secret}")) {
                        req.headers_mut().insert(::http::header::AUTHORIZATION, v);
                    }
                }
            }
        }
        if let Some(secret_fields) = form_secrets(req.uri().path()) {
            if let Some(form) = http::form(&req) {
                let pairs: Vec<(String, String)> = form
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if secret_fields.contains(&k.as_str()) {
                            restore(&v).unwrap_or(v)
                        } else {
                            v
                        };
                        (k, v)
                    })
                    .collect();
                *req.body_mut() = encode_form(&pairs);
            }
        }
        req
    }

    /// Random base62 text (tokens, codes).
    pub(crate) fn random_text(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..len)
            .map(|_| ALPHABET[self.rng.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }

    /// Handles one request.
    ///
    /// This is the one place where an answer is finished and an error rendered: every handler
    /// returns `Result<Response, ApiError>`, and here every response gets
    /// `x-fapi-interaction-id` (the request's, else a fresh RFC 4122 UUID); every OBIE error an
    /// `Id` (a trace id, as Monzo's do); every response the operation's spec documents as
    /// signed (payment APIs, including their 400, 403 and 500 errors, and event subscriptions)
    /// the bank's `x-jws-signature`; and every answer of the token endpoint `no-store`. (The
    /// gate's body-less refusals, 405 with `Allow`, 406 and 415, are answers, not errors.)
    pub fn handle(&mut self, req: &Request<Vec<u8>>, ctx: &Context) -> Response<Vec<u8>> {
        let (mut resp, due) = self.handle_deferring_signature(req, ctx);
        if let Some(due) = due {
            due.sign(&self.keys.bank, &mut resp);
        }
        resp
    }

    /// As [`handle`](Sandbox::handle), but a response that must be signed is given back with
    /// what its signature needs ([`SignatureDue`]), for the caller to sign with the bank's key
    /// ([`Keys::bank`]) once it no longer holds the state: a server signs outside its lock, so
    /// that RSA signatures of concurrent requests use every core.
    pub fn handle_deferring_signature(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Context,
    ) -> (Response<Vec<u8>>, Option<SignatureDue>) {
        self.interactions += 1;
        let n = self.interactions;
        let ctx = &Ctx {
            now: self.clock.now(ctx.now),
            wall: ctx.now,
            client_certificate_dn: ctx.client_certificate_dn.clone(),
            region: Region::of_path(req.uri().path()),
        };
        // What fell due by now happens first (booked at its own time).
        self.run_due(ctx);
        let (result, op) = self.route(req, ctx);
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => {
                let e = if e.shape == ob_errors::Shape::Obie && e.id.is_none() {
                    e.with_id(self.trace_uuid(n, 2))
                } else {
                    e
                };
                http::error(req.headers(), &e)
            }
        };
        if oauth::is_token_request(req, ctx) {
            oauth::no_store(&mut resp);
        }
        let due = op.and_then(|op| {
            let documented_signed = op
                .op
                .response(resp.status().as_u16())
                .is_some_and(|r| r.signed);
            (documented_signed && !resp.body().is_empty())
                .then(|| SignatureDue::new(self.config.aspsp_org_id.clone(), ctx.wall))
        });
        (
            http::with_interaction_id(resp, req, || self.trace_uuid(n, 1)),
            due,
        )
    }

    /// Makes the interaction and trace ids of errors unique to this process: a server sets a
    /// random salt, since the request counter they come from starts again after a restart
    /// (replay re-runs only the requests that changed state). Ids are not state: replay is
    /// unaffected.
    pub fn set_trace_salt(&mut self, salt: u64) {
        self.salt = salt;
    }

    /// A digest of everything a request can change (the clock, ids and tokens issued, clients,
    /// consents and their states, payments, subscriptions, events waiting, booked
    /// transactions), for tests that check a refused request changed nothing. Not stable
    /// across builds.
    #[doc(hidden)]
    pub fn state_digest(&self) -> u64 {
        let mut text = format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.counter,
            self.next_rejection,
            self.clock,
            self.sent,
            self.settlements,
            self.rng,
            self.secrets.len(),
            self.clients,
            self.software,
            self.seen_jtis,
            self.oauth,
            self.tokens,
            self.ais,
            self.pis,
            self.vrp,
            self.cbpii,
            self.events,
        );
        for u in &self.world.users {
            for a in &u.accounts {
                text.push_str(&format!("|{}:{}", a.transactions.len(), a.balance()));
                for p in &a.pots {
                    text.push_str(&format!(",{}", p.movements.len()));
                }
            }
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    }

    /// A UUID-shaped id (version 4 layout) for the `n`th request, deterministic for the
    /// sandbox's seed: the interaction id a request without one gets (`kind` 1), and the
    /// trace id of its error (`kind` 2). Reads change no other state.
    fn trace_uuid(&self, n: u64, kind: u64) -> String {
        fn mix(mut z: u64) -> u64 {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        let hi = mix(self.salt ^ mix(n) ^ kind);
        let lo = mix(hi ^ n.rotate_left(17) ^ kind.rotate_left(40));
        let hi = (hi & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let lo = (lo & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }

    /// Routes a request: the resource APIs through the [`gate`], then the handlers.
    fn route(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> (
        Result<Response<Vec<u8>>, ob_errors::ApiError>,
        Option<gate::Admitted>,
    ) {
        let path = req.uri().path().trim_end_matches('/').to_owned();
        let rest = path.strip_prefix(ctx.region.prefix()).unwrap_or("");
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let method = req.method().clone();
        if ctx.region == Region::Eu && !eu_serves(&segments) {
            // Monzo: "Monzo's EU PSD2 API currently only supports Account Information
            // Services. Payment Initiation Services and the Confirmation of Funds API (CBPII)
            // will be available at a later date"; FACTS: "EU: /pots not supported". The
            // Events API (a proposal) and the sandbox directory live on the UK paths only.
            return (Err(http::not_found()), None);
        }
        if let ["v3.1", api @ ..] = segments.as_slice() {
            match gate::check(req, api, self.config.proposals) {
                gate::Verdict::Elsewhere => {}
                gate::Verdict::Refused(answer, op) => return (*answer, op),
                gate::Verdict::Admitted(admitted) => {
                    let result = match admitted.family {
                        gate::Family::Accounts => self.aisp(&method, &api[1..], req, ctx),
                        gate::Family::Payments => self.pisp(&method, &api[1..], req, ctx),
                        gate::Family::Funds => self.cbpii(&method, &api[1..], req, ctx),
                        gate::Family::Events => self.events(&method, api, req, ctx),
                    };
                    return (result, Some(admitted));
                }
            }
        }
        let result = match (&method, segments.as_slice()) {
            (&Method::GET, [".well-known", "openid-configuration"]) => {
                Ok(self.discovery(ctx.region))
            }
            (&Method::GET, ["jwks"]) => Ok(self.jwks()),
            (&Method::POST, ["sandbox", "software-statements"]) => self.issue_statement(req, ctx),
            (&Method::POST, ["sandbox", "accounts", account, "close"]) => {
                self.close_account(account, ctx)
            }
            (&Method::POST, ["sandbox", "pots", pot, "close"]) => self.close_pot(pot, ctx),
            (&Method::POST, ["sandbox", "account-access-consents", consent, "revoke"]) => {
                self.revoke_access(consent, ctx)
            }
            (&Method::GET | &Method::POST, ["sandbox", "clock"]) => {
                self.clock_control(&method, req, ctx)
            }
            (&Method::POST, ["sandbox", "pots", pot, "transactions"]) => {
                self.simulate_pot_transaction(pot, req, ctx)
            }
            (&Method::POST, ["sandbox", "payments", "next-rejection"]) => {
                self.next_rejection_control(req)
            }
            (&Method::POST, ["register"]) => self.register(req, ctx),
            (&Method::GET, ["register", id]) => self.read_registration(id, req, ctx),
            (&Method::PUT, ["register", id]) => self.update_registration(id, req, ctx),
            (&Method::DELETE, ["register", id]) => self.delete_registration(id, req, ctx),
            (&Method::POST, ["token"]) => self.token(req, ctx),
            (&Method::GET, ["authorize"]) => self.authorize(req, ctx),
            (&Method::POST, ["authorize", "decision"]) => self.decide(req, ctx),
            (_, path) => match other_methods(path) {
                Some(allow) => Ok(http::method_not_allowed(allow)),
                None => Err(http::not_found()),
            },
        };
        (result, None)
    }

    /// The interface a sandbox user belongs to: the EU (Ireland) user to [`Region::Eu`], the
    /// others to [`Region::Uk`]; `None` for an unknown user.
    pub(crate) fn region_of_user(&self, user_id: &str) -> Option<Region> {
        self.world.user(user_id).map(|u| match u.persona {
            seed::Persona::Eu => Region::Eu,
            _ => Region::Uk,
        })
    }

    /// The first sandbox user of a region: who approves a consent with `DesiredStatus` and no
    /// `UserID`.
    pub(crate) fn default_user(&self, region: Region) -> Option<String> {
        self.world
            .users
            .iter()
            .find(|u| self.region_of_user(&u.id) == Some(region))
            .map(|u| u.id.clone())
    }

    /// The kind of consent an id names.
    pub(crate) fn consent_kind(&self, id: &str) -> Option<ob_consent::tokens::ConsentKind> {
        use ob_consent::tokens::ConsentKind;
        if self.ais.has(id) {
            Some(ConsentKind::AccountAccess)
        } else if self.pis.consents.contains_key(id) {
            Some(ConsentKind::Payment)
        } else if self.vrp.consents.contains_key(id) {
            Some(ConsentKind::Vrp)
        } else if self.cbpii.consents.contains_key(id) {
            Some(ConsentKind::FundsConfirmation)
        } else {
            None
        }
    }

    /// A consent's sandbox `DesiredStatus` (approve?), `UserID` and `AccountID`.
    pub(crate) fn desired(&self, id: &str) -> Option<(bool, Option<String>, Option<String>)> {
        if let Some(c) = self.pis.consents.get(id) {
            return c.desired.clone();
        }
        if let Some(c) = self.vrp.consents.get(id) {
            return c.desired.map(|ok| (ok, None, None));
        }
        self.ais.desired(id).map(|(ok, user)| (ok, user, None))
    }

    /// Whether `client_id` may send the customer to approve consent `id`.
    pub(crate) fn check_authorisable(
        &self,
        id: &str,
        client_id: &str,
        now: Instant,
    ) -> Result<(), ob_consent::ConsentError> {
        match self.pis.consents.get(id) {
            Some(c) if c.machine.info().client_id == client_id => {
                return match &c.machine {
                    ob_consent::payment::PaymentConsent::AwaitingAuthorisation(_) => Ok(()),
                    other => Err(ob_consent::ConsentError::InvalidConsentStatus {
                        action: "authorise",
                        status: other.status_name(),
                    }),
                }
            }
            Some(_) => {
                return Err(ob_consent::ConsentError::InvalidConsentStatus {
                    action: "authorise",
                    status: "unknown",
                })
            }
            None => {}
        }
        let other = |client: &str, awaiting: bool, status: &'static str| {
            if client != client_id {
                Err(ob_consent::ConsentError::InvalidConsentStatus {
                    action: "authorise",
                    status: "unknown",
                })
            } else if awaiting {
                Ok(())
            } else {
                Err(ob_consent::ConsentError::InvalidConsentStatus {
                    action: "authorise",
                    status,
                })
            }
        };
        if let Some(c) = self.vrp.consents.get(id) {
            use ob_consent::vrp::VrpConsent;
            let awaiting = matches!(c.machine, VrpConsent::AwaitingAuthorisation(_));
            return other(
                &c.machine.info().client_id,
                awaiting,
                c.machine.status_name(),
            );
        }
        if let Some(c) = self.cbpii.consents.get(id) {
            if c.machine.info().is_expired(now) {
                return Err(ob_consent::ConsentError::InvalidConsentStatus {
                    action: "authorise",
                    status: "Expired",
                });
            }
            let awaiting = matches!(
                c.machine,
                ob_consent::funds::FundsConsent::AwaitingAuthorisation(_)
            );
            return other(&c.machine.info().client_id, awaiting, "Authorised");
        }
        self.ais.check_authorisable(id, client_id, now)
    }

    /// The customer approves consent `id` as `user_id` (paying from `account`, for payments;
    /// the user's first account when not given).
    pub(crate) fn authorise_consent(
        &mut self,
        id: &str,
        user_id: &str,
        account: Option<String>,
        now: Instant,
    ) -> Result<(), ob_consent::ConsentError> {
        // An account-access consent covers the customer's accounts, and on the EU interface
        // their open pots, which Monzo lists there as accounts.
        let eu = self.region_of_user(user_id) == Some(Region::Eu);
        let accounts: Vec<String> = self
            .world
            .user(user_id)
            .map(|u| {
                u.accounts
                    .iter()
                    .flat_map(|a| {
                        let pots = a
                            .pots
                            .iter()
                            .filter(|p| eu && p.closed.is_none())
                            .map(|p| p.id.clone());
                        std::iter::once(a.id.clone()).chain(pots)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if self.pis.consents.contains_key(id) {
            let account = self.payment_account(user_id, account).ok_or(
                ob_consent::ConsentError::FieldInvalid {
                    path: "AccountID",
                    expected: "a GBP account of the user".into(),
                    found: user_id.to_owned(),
                },
            )?;
            let Some(c) = self.pis.consents.get_mut(id) else {
                return Err(ob_consent::ConsentError::InvalidConsentStatus {
                    action: "authorise",
                    status: "unknown",
                });
            };
            let event = ob_consent::payment::Event::Authorise {
                user_id: user_id.to_owned(),
                account_id: account,
            };
            return transition(&mut c.machine, &mut c.timeline, event, now);
        }
        if self.vrp.consents.contains_key(id) {
            let account = self.payment_account(user_id, account).ok_or(
                ob_consent::ConsentError::FieldInvalid {
                    path: "AccountID",
                    expected: "a GBP account of the user".into(),
                    found: user_id.to_owned(),
                },
            )?;
            let event = ob_consent::vrp::Event::Authorise {
                user_id: user_id.to_owned(),
                account_id: account,
            };
            if let Some(c) = self.vrp.consents.get_mut(id) {
                transition(&mut c.machine, &mut c.timeline, event, now)?;
            }
            return Ok(());
        }
        if let Some(c) = self.cbpii.consents.get(id) {
            // The consent names the account: it must be one of the customer's.
            let wanted = c.debtor_identification().to_owned();
            let account = self
                .world
                .user(user_id)
                .and_then(|u| {
                    u.accounts
                        .iter()
                        .find(|a| a.sort_code_account.as_deref() == Some(wanted.as_str()))
                })
                .map(|a| a.id.clone())
                .ok_or(ob_consent::ConsentError::FieldInvalid {
                    path: "Data.DebtorAccount.Identification",
                    expected: "an account of the customer who approves".into(),
                    found: wanted,
                })?;
            let event = ob_consent::funds::Event::Authorise {
                user_id: user_id.to_owned(),
                account_id: account,
            };
            if let Some(c) = self.cbpii.consents.get_mut(id) {
                transition(&mut c.machine, &mut c.timeline, event, now)?;
            }
            return Ok(());
        }
        if self.ais.is_authorised(id) {
            return self.ais.reauthenticate(id, now);
        }
        self.ais.authorise(id, user_id, accounts, now)
    }

    /// The account a payment is made from: `account` if it is one of the user's GBP current
    /// accounts (not Flex), else the user's first one.
    pub(crate) fn payment_account(&self, user_id: &str, account: Option<String>) -> Option<String> {
        let user = self.world.user(user_id)?;
        let payable = |id: &str| user.accounts.iter().any(|a| a.id == id && a.can_pay());
        account.filter(|a| payable(a)).or_else(|| {
            user.accounts
                .iter()
                .find(|a| a.can_pay())
                .map(|a| a.id.clone())
        })
    }

    /// Whether a payment consent's amount is more than the account holds (Monzo fails the
    /// authorisation then).
    pub(crate) fn insufficient_funds(
        &self,
        consent_id: &str,
        user_id: &str,
        account: Option<String>,
    ) -> bool {
        let (Some(amount), Some(account)) = (
            self.pis.amount(consent_id),
            self.payment_account(user_id, account),
        ) else {
            return false;
        };
        self.world
            .account(&account)
            .is_some_and(|(_, a)| a.balance() < amount)
    }

    /// The customer rejects consent `id`.
    pub(crate) fn reject_consent(
        &mut self,
        id: &str,
        now: Instant,
    ) -> Result<(), ob_consent::ConsentError> {
        if let Some(c) = self.pis.consents.get_mut(id) {
            let event = ob_consent::payment::Event::Reject;
            return transition(&mut c.machine, &mut c.timeline, event, now);
        }
        if let Some(c) = self.vrp.consents.get_mut(id) {
            let event = ob_consent::vrp::Event::Reject;
            return transition(&mut c.machine, &mut c.timeline, event, now);
        }
        if let Some(c) = self.cbpii.consents.get_mut(id) {
            let event = ob_consent::funds::Event::Reject;
            return transition(&mut c.machine, &mut c.timeline, event, now);
        }
        self.ais.reject(id, now)
    }

    /// The OAuth scope of tokens for a kind of consent.
    pub(crate) fn scope_of(kind: ob_consent::tokens::ConsentKind) -> &'static str {
        use ob_consent::tokens::ConsentKind;
        match kind {
            ConsentKind::AccountAccess => "openid accounts",
            ConsentKind::Payment | ConsentKind::Vrp => "openid payments",
            ConsentKind::FundsConfirmation => "openid fundsconfirmations",
        }
    }

    /// Whether a request can change the emulator's state: everything but the reads of
    /// discovery, keys and the account-information resources. A server records these
    /// requests (and only these) to rebuild the state by replaying them.
    pub fn changes_state(req: &Request<Vec<u8>>) -> bool {
        let path = req.uri().path();
        let prefix = Region::of_path(path).prefix();
        let rest = path.strip_prefix(prefix).unwrap_or(path);
        let read_only = req.method() == Method::GET
            && (rest.starts_with("/v3.1/")
                || rest.starts_with("/.well-known/")
                || rest == "/jwks"
                || rest.trim_end_matches('/') == "/sandbox/clock");
        !read_only
    }
}

/// Whether the EU interface has the path (`segments` after `/open-banking/eu`): discovery,
/// keys, registration, the token and authorization endpoints, account information without
/// pots, and the sandbox controls (one world, one clock) but the directory, whose statements
/// are the UK profile's.
fn eu_serves(segments: &[&str]) -> bool {
    match segments {
        ["v3.1", "aisp", "pots", ..] => false,
        ["v3.1", "aisp", ..] => true,
        ["v3.1", ..] | ["sandbox", "software-statements"] => false,
        _ => true,
    }
}

/// The methods a non-resource path of the emulator takes, for the `Allow` of a 405 (`None`: no
/// such path, a 404).
fn other_methods(path: &[&str]) -> Option<&'static str> {
    Some(match path {
        [".well-known", "openid-configuration"] | ["jwks"] => "GET",
        ["sandbox", "software-statements"] | ["sandbox", "pots", _, "transactions"] => "POST",
        ["sandbox", "clock"] => "GET, POST",
        ["sandbox", "accounts", _, "close"]
        | ["sandbox", "pots", _, "close"]
        | ["sandbox", "account-access-consents", _, "revoke"]
        | ["sandbox", "payments", "next-rejection"] => "POST",
        ["register"] | ["token"] | ["authorize", "decision"] => "POST",
        ["register", _] => "DELETE, GET, PUT",
        ["authorize"] => "GET",
        _ => return None,
    })
}

/// What the log keeps of a secret: `sha256:` and the hex SHA-256 of it. Tokens and codes are
/// random base62 text of 32 to 48 characters, so the digest gives nothing away.
pub fn fingerprint(secret: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes());
    format!("sha256:{}", hex(d.as_ref()))
}

/// Bytes as lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 0xf)]));
    }
    out
}

/// The form fields that carry secrets on the form endpoints the emulator keeps in its log, by
/// path (matched as routing matches it: trailing and doubled slashes do not matter).
fn form_secrets(path: &str) -> Option<&'static [&'static str]> {
    let rest = path.trim_end_matches('/');
    let rest = rest
        .strip_prefix(Region::of_path(path).prefix())
        .unwrap_or("");
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["token"] => Some(&["code", "refresh_token"]),
        ["authorize", "decision"] => Some(&["pending"]),
        _ => None,
    }
}

fn encode_form(pairs: &[(String, String)]) -> Vec<u8> {
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ob_oidc::form::encode_pairs(&borrowed).into_bytes()
}

/// A stored consent's status over time: when it last changed (its `StatusUpdateDateTime`) and
/// every status it has had, oldest first (what the console shows as its history).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Timeline {
    /// When the status last changed.
    pub(crate) updated: Instant,
    /// Each status with the time it was entered, from creation on.
    pub(crate) steps: Vec<(Instant, &'static str)>,
}

impl Timeline {
    /// A consent created at `now` in `status`.
    pub(crate) fn new(now: Instant, status: &'static str) -> Self {
        Timeline {
            updated: now,
            steps: vec![(now, status)],
        }
    }

    /// The consent entered (or, re-authenticated, stayed in) `status` at `now`.
    pub(crate) fn record(&mut self, now: Instant, status: &'static str) {
        self.updated = now;
        self.steps.push((now, status));
    }
}

/// Applies a consent event to a stored consent: its machine moves on and its timeline records
/// the status at `now` (which becomes its `StatusUpdateDateTime`); on a refusal the machine
/// keeps the state it gives back and the timeline stays.
pub(crate) fn transition<M: ConsentMachine + Clone>(
    machine: &mut M,
    timeline: &mut Timeline,
    event: M::Event,
    now: Instant,
) -> Result<(), ob_consent::ConsentError> {
    ob_consent::transition(machine, event, now)?;
    timeline.record(now, machine.status_name());
    Ok(())
}

/// A consent as the emulator stores it: its machine and its `StatusUpdateDateTime`.
pub(crate) trait StoredConsent {
    /// The consent's state machine.
    type Machine: ConsentMachine + Clone;
    /// The machine and its status over time.
    fn parts(&mut self) -> (&mut Self::Machine, &mut Timeline);
}

/// A consent the TPP deletes (`stored`, the client's, found or not): its machine moves on by
/// `event` (the record stays, as OBIE's soft delete allows, answering 400 to later reads),
/// every token under it stops at once, and the answer is a 204.
pub(crate) fn delete_consent<S: StoredConsent>(
    tokens: &mut ob_consent::tokens::TokenStore,
    id: &str,
    stored: Option<&mut S>,
    event: <S::Machine as ConsentMachine>::Event,
    now: Instant,
) -> Result<Response<Vec<u8>>, ob_errors::ApiError> {
    let (machine, timeline) = stored
        .ok_or_else(|| http::unknown_resource("consent"))?
        .parts();
    transition(machine, timeline, event, now).map_err(|e| e.to_api_error())?;
    tokens.revoke(id, now);
    Ok(http::no_content())
}
