//! What the examples share: connecting to the local emulator as a new TPP (a transport
//! certificate from its development CA, a software statement from its directory, one
//! registration per scope), having the heavy sandbox user authorise a consent, and a webhook
//! receiver for event notifications.

// Each example uses part of this module.
#![allow(dead_code)]

pub mod webhook;

use monzo_client::{AccessToken, Client, ClientConfig, Endpoints, Software};
use monzo_sandbox::server::ca::ClientSubject;

/// Where the examples send the customer back to (the emulator's `DesiredStatus` approves at
/// once, so nothing listens there).
pub const REDIRECT: &str = "https://tpp.example/callback";
/// Monzo's heavy sandbox user.
pub const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
/// Its current account.
pub const HEAVY_ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
/// The emulator's organisation id (Monzo's, in its sandbox examples).
pub const ASPSP_ORG_ID: &str = "0015800001ZEc3hAAD";

/// A TPP connected to the emulator: the client, its signing key, and a registration per scope.
pub struct Connected {
    /// The HTTP client with the transport certificate.
    pub client: Client,
    /// The software's identity and signing key.
    pub software: Software,
    /// A client id per scope asked for, in that order.
    pub client_ids: Vec<String>,
}

/// The emulator's base URL and state directory from the command line (or the defaults of
/// `cargo run -p monzo-sandbox`).
pub fn base_and_state() -> (String, String) {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "https://127.0.0.1:8443".into());
    let state = args.next().unwrap_or_else(|| ".monzo-sandbox".into());
    (base, state)
}

/// Connects to the emulator at `base` (state in `state`) as a new software with `roles`,
/// registered once per scope in `scopes` (`openid accounts`, `openid payments`).
pub async fn connect(
    base: &str,
    state: &str,
    name: &str,
    roles: &[&str],
    scopes: &[&str],
) -> Result<Connected, Box<dyn std::error::Error>> {
    let software_id = format!("{name}-{}", std::process::id());
    let org_id = "0015800001EXAMPLE".to_owned();
    let subject = ClientSubject {
        country: "GB".into(),
        organization: "Sandbox TPP".into(),
        organizational_unit: Some(org_id.clone()),
        organization_identifier: None,
        common_name: software_id.clone(),
    };
    let (cert, ca) =
        monzo_sandbox::server::issue_client_certificate_from_state(state.as_ref(), &subject)?;
    let client = Client::new(
        ClientConfig::new(Endpoints::local(base))
            .identity_pem(cert.cert_pem, cert.key_pem)
            .root_ca_pem(ca)
            .aspsp_org_id(ASPSP_ORG_ID),
    )?;
    let software = Software {
        key: ob_jose::SigningKey::generate(format!("{name}-key-1"), 2048)?,
        org_id: org_id.clone(),
        software_id: software_id.clone(),
    };
    let jwks = ob_jose::Jwks {
        keys: vec![software.key.public_jwk()],
    };
    let statement = client
        .sandbox_software_statement(&software_id, &org_id, &[REDIRECT], roles, &jwks)
        .await?;
    let mut client_ids = Vec::new();
    for (i, scope) in scopes.iter().enumerate() {
        let request = ob_dcr::request::RegistrationRequest::uk(
            ob_dcr::request::RegistrationParams {
                software_statement: &statement.software_statement,
                software_id: &software_id,
                aud: ASPSP_ORG_ID,
                redirect_uris: vec![REDIRECT.into()],
                tls_client_auth_subject_dn: &subject.dn(),
                jti: &fresh_jti(i),
            },
            scope,
            chrono::Utc::now(),
        )?;
        let reg = client.register(&request.sign(&software.key)?).await?;
        let id = reg.client_id.map(|c| c.to_string()).unwrap_or_default();
        println!("registered {scope}: {id}");
        client_ids.push(id);
    }
    Ok(Connected {
        client,
        software,
        client_ids,
    })
}

/// A registration request id (`jti`) not used before: the emulator refuses a replayed one,
/// and several examples may register with the same emulator.
fn fresh_jti(i: usize) -> String {
    let nanos = chrono::Utc::now()
        .timestamp_nanos_opt()
        .unwrap_or_default()
        .to_le_bytes();
    let pid = std::process::id().to_le_bytes();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&nanos);
    bytes[8..12].copy_from_slice(&pid);
    bytes[12] = i as u8;
    ob_dcr::uuid_v4(bytes)
}

impl Connected {
    /// An account-access consent (accounts, balances, transactions both ways, Detail) that
    /// the emulator's `DesiredStatus` approves at once as the heavy user, made with the
    /// client-credentials token `app` of accounts client `client_id`: the consent's access
    /// token.
    pub async fn heavy_accounts_token(
        &self,
        client_id: &str,
        app: &AccessToken,
    ) -> Result<AccessToken, Box<dyn std::error::Error>> {
        let consent: monzo_model::accounts::OBReadConsent1 =
            serde_json::from_value(serde_json::json!({
                "Data": {
                    "Permissions": ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
                        "ReadTransactionsCredits", "ReadTransactionsDebits"],
                    "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY}
                },
                "Risk": {}
            }))?;
        let created = self
            .client
            .create_account_access_consent(app, &consent)
            .await?;
        self.authorise(
            client_id,
            created.data.consent_id.as_str(),
            "openid accounts",
        )
        .await
    }

    /// Sends the customer to approve consent `consent_id` (the emulator's `DesiredStatus`
    /// decides at once) and exchanges the code: the consent's access token.
    pub async fn authorise(
        &self,
        client_id: &str,
        consent_id: &str,
        scope: &str,
    ) -> Result<AccessToken, Box<dyn std::error::Error>> {
        let auth = self
            .client
            .authorization(&self.software, client_id, consent_id, scope, REDIRECT)
            .await?;
        let callback = self.client.follow_authorization(&auth).await?;
        let tokens = self.client.complete_authorization(&auth, &callback).await?;
        Ok(tokens.access_token.clone())
    }
}
