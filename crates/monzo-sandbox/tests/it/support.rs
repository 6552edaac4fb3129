//! The emulator's shared test harness: a TPP ([`Tpp`]) that reaches the core in-process or a
//! server over HTTPS, registers through the sandbox directory, creates and authorises consents
//! and calls the APIs with its certificate; the keys, times and ids the tests share.

use monzo_model::ValidateMonzo;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use http::{Request, Response};
use monzo_model::accounts::OBReadConsentResponse1;
use monzo_sandbox::core::{Config, Context, Keys, Sandbox};
use ob_dcr::client::{parse_register_response, prepare_register};
use ob_dcr::request::RegistrationRequest;
use ob_jose::{Jwks, SigningKey};
use ob_oidc::authorize::{AuthorizationParams, RequestObject};
use ob_oidc::callback::parse_callback;
use ob_oidc::id_token::validate_callback;
use ob_oidc::token::{
    parse_token_response, prepare_authorization_code, prepare_client_credentials, TokenResponse,
};
use serde_json::{json, Value};

pub const BASE: &str = "https://127.0.0.1:8443";
pub const REDIRECT: &str = "https://tpp.example/callback";
pub const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
pub const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

pub fn keys() -> Keys {
    static K: OnceLock<(String, String)> = OnceLock::new();
    let (bank, dir) = K.get_or_init(|| {
        let k = Keys::generate().unwrap();
        (
            k.bank.to_pkcs8_pem().unwrap(),
            k.directory.to_pkcs8_pem().unwrap(),
        )
    });
    Keys {
        bank: SigningKey::from_pem("sandbox-bank-1", bank).unwrap(),
        directory: SigningKey::from_pem("sandbox-directory-1", dir).unwrap(),
    }
}

pub fn tpp_key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(|| SigningKey::generate("tpp-signing-1", 2048).unwrap())
}

/// How a TPP reaches the emulator: the core in-process, or a server over HTTPS.
pub enum Transport {
    /// The core, called directly, at a fixed time.
    InProcess(Box<Sandbox>),
    /// A running server, with the client certificate to present.
    #[cfg(feature = "server")]
    Https(crate::server::Client),
}

/// A TPP talking to the emulator.
pub struct Tpp {
    transport: Transport,
    pub dn: String,
    pub client_id: String,
    pub now: DateTime<Utc>,
    base: String,
}

pub const ORG_ID: &str = "0015800001041REAAY";
pub const SOFTWARE_ID: &str = "2kiXQyo0tedjW2somjSgH7";

impl Tpp {
    pub fn send(&mut self, req: Request<Vec<u8>>, with_cert: bool) -> Response<Vec<u8>> {
        match &mut self.transport {
            Transport::InProcess(sandbox) => {
                let ctx = Context {
                    now: self.now,
                    client_certificate_dn: with_cert.then(|| self.dn.clone()),
                };
                sandbox.handle(&req, &ctx)
            }
            #[cfg(feature = "server")]
            Transport::Https(client) => client.send(req, with_cert),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The in-process core (for what only the core shows, such as queued event pushes).
    pub fn sandbox(&mut self) -> &mut Sandbox {
        match &mut self.transport {
            Transport::InProcess(sandbox) => sandbox,
            #[cfg(feature = "server")]
            Transport::Https(_) => panic!("the core is in another process"),
        }
    }

    pub fn json(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(self.url(path))
            .header("authorization", format!("Bearer {token}"));
        let bytes = body.map(|v| v.to_string().into_bytes());
        if let Some(bytes) = &bytes {
            // Every body is signed; the emulator checks the signature where the spec has one
            // (payments, event subscriptions) and ignores it elsewhere.
            let sig = ob_jose::detached::DetachedSigner::new(
                tpp_key(),
                format!("{ORG_ID}/{SOFTWARE_ID}"),
            )
            .sign(bytes, self.now)
            .unwrap();
            b = b
                .header("content-type", "application/json")
                .header("x-jws-signature", sig);
        }
        let req = b.body(bytes.unwrap_or_default()).unwrap();
        let resp = self.send(req, true);
        let status = resp.status().as_u16();
        let v = if resp.body().is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(resp.body()).unwrap()
        };
        (status, v)
    }

    /// Registers a payments client with the in-process core.
    pub fn register_payments() -> Tpp {
        Tpp::register_in_process("openid payments")
    }

    /// A new in-process TPP with an authorised Detail consent (accounts, transactions both
    /// ways) on the heavy sandbox user, and that consent's access token.
    pub fn heavy_transactions_reader() -> (Tpp, String) {
        let mut tpp = Tpp::register_in_process("openid accounts");
        let consent = tpp.consent(
            &[
                "ReadAccountsDetail",
                "ReadTransactionsDetail",
                "ReadTransactionsCredits",
                "ReadTransactionsDebits",
            ],
            json!({"DesiredStatus": "Authorised", "UserID": "user_0000A4C4ZChWNMEvew2U77"}),
        );
        let token = tpp.authorise(&consent).access_token.expose().to_owned();
        (tpp, token)
    }

    /// Registers a client for `scope` with a new in-process core.
    pub fn register_in_process(scope: &str) -> Tpp {
        Tpp::register_in_process_with(Config::new(BASE), scope)
    }

    /// As [`Tpp::register_in_process`], with the core configured by `config`.
    pub fn register_in_process_with(config: Config, scope: &str) -> Tpp {
        let sandbox = Sandbox::new(config, keys(), 7);
        Tpp::register_for(Transport::InProcess(Box::new(sandbox)), BASE, now(), scope)
    }

    /// Registers with the in-process core.
    pub fn register() -> Tpp {
        let sandbox = Sandbox::new(Config::new(BASE), keys(), 7);
        Tpp::register_with(Transport::InProcess(Box::new(sandbox)), BASE, now())
    }

    /// Registers through the sandbox directory, as the CLI will.
    pub fn register_with(transport: Transport, base: &str, now: DateTime<Utc>) -> Tpp {
        Tpp::register_for(transport, base, now, "openid accounts")
    }

    /// Registers for `scope` (`openid accounts` or `openid payments`: Open Banking does not
    /// allow both in one registration).
    pub fn register_for(transport: Transport, base: &str, now: DateTime<Utc>, scope: &str) -> Tpp {
        let mut tpp = Tpp {
            transport,
            dn: String::new(),
            client_id: String::new(),
            now,
            base: base.to_owned(),
        };
        let (client_id, dn) = tpp.register_software(SOFTWARE_ID, ORG_ID, scope);
        tpp.client_id = client_id;
        tpp.dn = dn;
        tpp
    }

    /// Registers a software (another TPP, when the ids differ) on the same emulator; returns
    /// its client id and certificate subject. The Tpp's own identity is unchanged.
    pub fn register_software(
        &mut self,
        software_id: &str,
        org_id: &str,
        scope: &str,
    ) -> (String, String) {
        let dn = format!("C=GB,O=Sandbox TPP,OU={org_id},CN={software_id}");
        let body = json!({
            "software_statement_claims": {
                "software_id": software_id,
                "org_id": org_id,
                "software_client_name": "Budgeting App",
                "software_redirect_uris": [REDIRECT],
                "software_roles": ["AISP", "PISP", "CBPII"]
            },
            "jwks": {"keys": [tpp_key().public_jwk()]}
        });
        let req = Request::post(self.url("/open-banking/sandbox/software-statements"))
            .body(body.to_string().into_bytes())
            .unwrap();
        let resp = self.send(req, false);
        assert_eq!(
            resp.status(),
            201,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        let issued: Value = serde_json::from_slice(resp.body()).unwrap();
        let request = RegistrationRequest::uk(
            ob_dcr::request::RegistrationParams { software_statement: issued["software_statement"].as_str().unwrap(), software_id, aud: "0015800001ZEc3hAAD", redirect_uris: vec![REDIRECT.into()], tls_client_auth_subject_dn: &dn, jti: // One jti per software and scope (a second registration of the same software
            // for another scope is a new request).
            &ob_dcr::uuid_v4(
                [software_id
                    .bytes()
                    .chain(scope.bytes())
                    .fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b)); 16],
            ) },
            scope,
            self.now,
        )
        .unwrap();
        let jwt = request.sign(tpp_key()).unwrap();
        let own_dn = std::mem::replace(&mut self.dn, dn.clone());
        let resp = self.send(
            prepare_register(&self.url("/open-banking/register"), &jwt).unwrap(),
            true,
        );
        self.dn = own_dn;
        let reg = parse_register_response(&resp).unwrap();
        (reg.client_id.unwrap().to_string(), dn)
    }

    pub fn app_token(&mut self) -> String {
        let req = prepare_client_credentials(
            &self.url("/open-banking/token"),
            &self.client_id.clone(),
            "accounts",
        )
        .unwrap();
        let resp = self.send(req, true);
        parse_token_response(&resp, self.now)
            .unwrap()
            .access_token
            .expose()
            .to_owned()
    }

    pub fn consent(&mut self, permissions: &[&str], supplementary: Value) -> String {
        let token = self.app_token();
        let mut data = json!({"Permissions": permissions});
        if !supplementary.is_null() {
            data["SupplementaryData"] = supplementary;
        }
        let (status, body) = self.json(
            "POST",
            "/open-banking/v3.1/aisp/account-access-consents",
            &token,
            Some(json!({"Data": data, "Risk": {}})),
        );
        assert_eq!(status, 201, "{body}");
        let typed: OBReadConsentResponse1 = serde_json::from_value(body.clone()).unwrap();
        typed.validate_monzo().unwrap();
        assert_eq!(body["Data"]["Status"], "AwaitingAuthorisation");
        body["Data"]["ConsentId"].as_str().unwrap().to_owned()
    }

    pub fn authorize_url(&self, consent_id: &str) -> String {
        self.authorize_url_for(consent_id, "openid accounts")
    }

    /// The parameters of this client's authorizations of `consent_id` (the tests use one
    /// state and nonce).
    fn params<'a>(
        &'a self,
        issuer: &'a str,
        consent_id: &'a str,
        scope: &'a str,
    ) -> AuthorizationParams<'a> {
        AuthorizationParams {
            client_id: &self.client_id,
            issuer,
            redirect_uri: REDIRECT,
            scope,
            intent_id: consent_id,
            state: "st-1",
            nonce: "no-1",
        }
    }

    pub fn authorize_url_for(&self, consent_id: &str, scope: &str) -> String {
        let issuer = self.url("/open-banking");
        RequestObject::new(&self.params(&issuer, consent_id, scope), self.now)
            .authorization_url(&self.url("/open-banking/authorize"), tpp_key())
            .unwrap()
    }

    /// Authorises through the redirect and exchanges the code; returns the tokens.
    pub fn authorise(&mut self, consent_id: &str) -> TokenResponse {
        self.authorise_for(consent_id, "openid accounts")
    }

    /// As [`authorise`](Self::authorise) with another scope.
    pub fn authorise_for(&mut self, consent_id: &str, scope: &str) -> TokenResponse {
        let url = self.authorize_url_for(consent_id, scope);
        let resp = self.send(Request::get(url).body(Vec::new()).unwrap(), false);
        assert_eq!(
            resp.status(),
            302,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        self.finish(consent_id, &location)
    }

    pub fn finish(&mut self, consent_id: &str, location: &str) -> TokenResponse {
        let callback = parse_callback(location, "st-1").unwrap();
        let jwks_resp = self.send(
            Request::get(self.url("/open-banking/jwks"))
                .body(Vec::new())
                .unwrap(),
            false,
        );
        let bank_keys = Jwks::from_json(jwks_resp.body()).unwrap();
        // The scope plays no part in checking the callback or redeeming its code.
        let issuer = self.url("/open-banking");
        let params = self.params(&issuer, consent_id, "openid");
        validate_callback(&callback, &bank_keys, &params, self.now).unwrap();
        let req =
            prepare_authorization_code(&self.url("/open-banking/token"), &params, &callback.code)
                .unwrap();
        let resp = self.send(req, true);
        parse_token_response(&resp, self.now).unwrap()
    }
}
