#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ais;
mod auth;
mod error;
mod events;
mod pis;
mod sandbox;
mod transport;

pub use ais::{Paged, Pages, TransactionQuery, MAX_PAGES};
pub use auth::{Authorization, Software};
pub use error::{chain, ClientError};
pub use events::{EventNotification, PolledEvents, RejectedEvent, RESOURCE_UPDATE};
pub use ob_consent::rejection::RejectionReason;
pub use pis::{rejection_reason, PaymentApi, Signed};
pub use sandbox::{SandboxClock, SandboxStatement};
pub use transport::RetryPolicy;

pub use ob_oidc::token::TokenResponse;
pub use ob_oidc::{AccessToken, AuthorizationCode, RefreshToken};

use std::sync::OnceLock;

/// Where an ASPSP's endpoints are: the OpenID issuer and the three resource APIs' base URLs
/// (Monzo serves them from another host than the issuer, so discovery cannot tell them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// The OpenID issuer; discovery is at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// Account information, such as `https://openbanking.monzo.com/open-banking/v3.1/aisp`.
    pub aisp: String,
    /// Payment initiation (and VRP).
    pub pisp: String,
    /// Confirmation of funds.
    pub cbpii: String,
}

impl Endpoints {
    /// The local emulator (or any server) at `base`, with every API under `{base}/open-banking`.
    pub fn local(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Endpoints {
            issuer: format!("{base}/open-banking"),
            aisp: format!("{base}/open-banking/v3.1/aisp"),
            pisp: format!("{base}/open-banking/v3.1/pisp"),
            cbpii: format!("{base}/open-banking/v3.1/cbpii"),
        }
    }

    /// The EU interface of the local emulator at `base`: the issuer `{base}/open-banking/eu`
    /// and its account-information API (the payment and funds APIs answer 404 there, as
    /// Monzo's EU interface offers account information only).
    pub fn local_eu(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Endpoints {
            issuer: format!("{base}/open-banking/eu"),
            aisp: format!("{base}/open-banking/eu/v3.1/aisp"),
            pisp: format!("{base}/open-banking/eu/v3.1/pisp"),
            cbpii: format!("{base}/open-banking/eu/v3.1/cbpii"),
        }
    }

    /// Monzo's EU PSD2 interface in production (Monzo Bank Ireland), as its documentation
    /// gives it: account information only.
    pub fn monzo_eu_production() -> Self {
        Endpoints {
            issuer: "https://api.monzo.com/open-banking/eu".into(),
            aisp: "https://openbanking.eu.monzo.com/open-banking/v3.1/aisp".into(),
            pisp: "https://openbanking.eu.monzo.com/open-banking/v3.1/pisp".into(),
            cbpii: "https://openbanking.eu.monzo.com/open-banking/v3.1/cbpii".into(),
        }
    }

    /// Monzo's EU PSD2 sandbox, as its documentation gives it: well-known document at
    /// `https://api.s101.nonprod-ffs.io/open-banking/eu/.well-known/openid-configuration`,
    /// base URL `https://openbanking-s101.eu.monzo.com/open-banking/v3.1/aisp`.
    pub fn monzo_eu_sandbox() -> Self {
        Endpoints {
            issuer: "https://api.s101.nonprod-ffs.io/open-banking/eu".into(),
            aisp: "https://openbanking-s101.eu.monzo.com/open-banking/v3.1/aisp".into(),
            pisp: "https://openbanking-s101.eu.monzo.com/open-banking/v3.1/pisp".into(),
            cbpii: "https://openbanking-s101.eu.monzo.com/open-banking/v3.1/cbpii".into(),
        }
    }

    /// Monzo's production environment, as its documentation gives it.
    pub fn monzo_production() -> Self {
        Endpoints {
            issuer: "https://api.monzo.com/open-banking".into(),
            aisp: "https://openbanking.monzo.com/open-banking/v3.1/aisp".into(),
            pisp: "https://openbanking.monzo.com/open-banking/v3.1/pisp".into(),
            cbpii: "https://openbanking.monzo.com/open-banking/v3.1/cbpii".into(),
        }
    }

    /// Monzo's sandbox environment, as its documentation gives it.
    pub fn monzo_sandbox() -> Self {
        Endpoints {
            issuer: "https://api.s101.nonprod-ffs.io/open-banking".into(),
            aisp: "https://openbanking.s101.nonprod-ffs.io/open-banking/v3.1/aisp".into(),
            pisp: "https://openbanking.s101.nonprod-ffs.io/open-banking/v3.1/pisp".into(),
            cbpii: "https://openbanking.s101.nonprod-ffs.io/open-banking/v3.1/cbpii".into(),
        }
    }
}

/// How to build a [`Client`].
#[derive(Clone)]
pub struct ClientConfig {
    /// The ASPSP's endpoints.
    pub endpoints: Endpoints,
    /// The client certificate and its private key, PEM (the transport certificate).
    pub identity: Option<(String, String)>,
    /// CA certificates (PEM) to trust instead of the system's: the emulator's development CA.
    pub root_ca: Option<String>,
    /// When to retry.
    pub retry: RetryPolicy,
    /// The timeout of each attempt.
    pub timeout: std::time::Duration,
    /// The bank's organisation id: the `iss` of its response signatures (`x-jws-signature`),
    /// checked when set. Monzo's is `0015800001ZEc3hAAD`.
    pub aspsp_org_id: Option<String>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoints", &self.endpoints)
            .field(
                "identity",
                &self.identity.as_ref().map(|_| "<certificate and key>"),
            )
            .field("root_ca", &self.root_ca.is_some())
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("aspsp_org_id", &self.aspsp_org_id)
            .finish()
    }
}

impl ClientConfig {
    /// A configuration for `endpoints`, with no identity yet, the system's CAs, 3 retries and a
    /// 30-second timeout.
    pub fn new(endpoints: Endpoints) -> Self {
        ClientConfig {
            endpoints,
            identity: None,
            root_ca: None,
            retry: RetryPolicy::default(),
            timeout: std::time::Duration::from_secs(30),
            aspsp_org_id: None,
        }
    }

    /// Presents this certificate (PEM) with its private key (PEM, PKCS#8 or RSA).
    pub fn identity_pem(mut self, certificate: String, key: String) -> Self {
        self.identity = Some((certificate, key));
        self
    }

    /// Trusts only these CA certificates (PEM, one or more).
    pub fn root_ca_pem(mut self, pem: String) -> Self {
        self.root_ca = Some(pem);
        self
    }

    /// Checks the bank's response signatures against this organisation id.
    pub fn aspsp_org_id(mut self, org_id: impl Into<String>) -> Self {
        self.aspsp_org_id = Some(org_id.into());
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// The client. Cheap to clone; share one per ASPSP and identity.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: std::sync::Arc<ClientConfig>,
    discovery: std::sync::Arc<OnceLock<ob_oidc::discovery::ProviderMetadata>>,
    bank_keys: std::sync::Arc<OnceLock<ob_jose::Jwks>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client: TLS with the identity and CAs of `config`, no redirects followed
    /// (an authorization redirect is an answer to read, not to follow).
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("monzo-client/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.root_ca {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| ClientError::build("the root CA", e))?;
            if certs.is_empty() {
                return Err(ClientError::Config(
                    "root CA: no certificate in the PEM".into(),
                ));
            }
            b = b.tls_certs_only(certs);
        }
        if let Some((cert, key)) = &config.identity {
            let mut pem = cert.clone().into_bytes();
            pem.push(b'\n');
            pem.extend_from_slice(key.as_bytes());
            let id = reqwest::Identity::from_pem(&pem)
                .map_err(|e| ClientError::build("the client identity", e))?;
            b = b.identity(id);
        }
        let http = b
            .build()
            .map_err(|e| ClientError::build("the HTTP client", e))?;
        Ok(Client {
            http,
            config: std::sync::Arc::new(config),
            discovery: Default::default(),
            bank_keys: Default::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }
}

/// The current time, as the sans-IO crates take it.
pub(crate) fn now() -> ob_jose::Instant {
    chrono::Utc::now()
}

/// Random text for `state`, `nonce` and idempotency keys: a UUID v4.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // The system's generator; on the impossible failure, time-derived bytes still differ per call.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        let t = now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_le_bytes();
        bytes[..8].copy_from_slice(&t);
    }
    ob_dcr::uuid_v4(bytes)
}
