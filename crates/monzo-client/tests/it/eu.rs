//! Monzo's EU PSD2 interface through the client: registration with a self-asserted software
//! statement whose keys the emulator fetches from the TPP's `org_jwks_endpoint` (served here
//! on loopback), then the EU sandbox user's consent, accounts (pots among them) and balances.

use monzo_client::{Client, ClientConfig, Endpoints, Software};
use monzo_model::accounts::{OBReadConsent1, OBReadConsent1DataPermissions as P};
use monzo_sandbox::server::ca::ClientSubject;
use monzo_sandbox::server::{start, Options, StateLocation};
use ob_dcr::request::RegistrationRequest;
use ob_dcr::ssa::{unsecured_software_statement, SsaClaims};
use ob_jose::{Jwks, SigningKey};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REDIRECT: &str = "https://tpp.example/eu/callback";
const EU_ORG: &str = "PSDIE-CBI-654321";
const EU_ACCOUNT: &str = "acc_0000Av3bry7sn2XsI3eZ3C";

/// Serves `body` as JSON to every request on a loopback port; returns the port.
async fn serve_jwks(body: String) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let _ = tcp.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tcp.write_all(answer.as_bytes()).await;
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eu_tpp_registers_with_a_self_asserted_statement_and_reads_accounts() {
    let server = start(Options::new(
        "127.0.0.1:0".parse().unwrap(),
        StateLocation::Memory,
    ))
    .await
    .unwrap();
    let subject = ClientSubject {
        country: "IE".into(),
        organization: "EU TPP Ltd".into(),
        organizational_unit: None,
        organization_identifier: Some(EU_ORG.into()),
        common_name: "eu-tpp.example".into(),
    };
    let issued = server.issue_client_certificate(&subject).unwrap();
    let client = Client::new(
        ClientConfig::new(Endpoints::local_eu(&server.base_url))
            .identity_pem(issued.cert_pem.clone(), issued.key_pem.clone())
            .root_ca_pem(server.ca_cert_pem().to_owned()),
    )
    .unwrap();
    let discovery = client.discovery().await.unwrap();
    assert_eq!(
        discovery.issuer,
        format!("{}/open-banking/eu", server.base_url)
    );

    let software_id = ob_dcr::uuid_v4([0x42; 16]);
    let software = Software {
        key: SigningKey::generate("eu-tpp-key-1", 2048).unwrap(),
        org_id: EU_ORG.into(),
        software_id: software_id.clone(),
    };
    let jwks = Jwks {
        keys: vec![software.key.public_jwk()],
    };
    let port = serve_jwks(serde_json::to_string(&jwks).unwrap()).await;
    // Monzo's EU example: an unsigned statement (alg none), its keys at org_jwks_endpoint.
    let statement = unsecured_software_statement(&SsaClaims {
        software_id: software_id.clone(),
        software_client_name: Some("EU budgeting".into()),
        software_redirect_uris: vec![REDIRECT.into()],
        software_roles: vec!["AISP".into()],
        org_id: Some(EU_ORG.into()),
        org_jwks_endpoint: Some(format!("http://127.0.0.1:{port}/jwks.json")),
        iat: Some(chrono::Utc::now().timestamp()),
        ..SsaClaims::default()
    })
    .unwrap();
    let request = RegistrationRequest::monzo_eu(
        ob_dcr::request::RegistrationParams {
            software_statement: &statement,
            software_id: &software_id,
            aud: "PSDIE-CBI-000000",
            redirect_uris: vec![REDIRECT.into()],
            tls_client_auth_subject_dn: &subject.dn(),
            jti: &ob_dcr::uuid_v4([1; 16]),
        },
        chrono::Utc::now(),
    )
    .unwrap();
    let reg = client
        .register(&request.sign(&software.key).unwrap())
        .await
        .unwrap();
    let client_id = reg.client_id.unwrap().to_string();

    let app = client
        .client_credentials(&client_id, "accounts")
        .await
        .unwrap();
    let consent: OBReadConsent1 = serde_json::from_value(json!({
        "Data": {
            "Permissions": [P::ReadAccountsDetail, P::ReadBalances],
            "SupplementaryData": {"DesiredStatus": "Authorised"}
        },
        "Risk": {}
    }))
    .unwrap();
    let created = client
        .create_account_access_consent(&app.access_token, &consent)
        .await
        .unwrap();
    let id = created.data.consent_id.to_string();
    let auth = client
        .authorization(&software, &client_id, &id, "openid accounts", REDIRECT)
        .await
        .unwrap();
    let callback = client.follow_authorization(&auth).await.unwrap();
    let tokens = client
        .complete_authorization(&auth, &callback)
        .await
        .unwrap();
    let at = &tokens.access_token;

    let accounts = client
        .accounts(at)
        .await
        .unwrap()
        .data
        .account
        .unwrap_or_default();
    let ids: Vec<String> = accounts.iter().map(|a| a.account_id.to_string()).collect();
    assert_eq!(ids[0], EU_ACCOUNT, "{ids:?}");
    assert!(ids[1..].iter().all(|id| id.starts_with("pot_")), "{ids:?}");
    assert!(ids.len() > 1, "pots are accounts in the EU: {ids:?}");
    // The sandbox controls answer on the EU issuer too (one world, one clock).
    let clock = client.sandbox_clock().await.unwrap();
    assert_eq!(clock.offset_seconds, 0);
    let balances = client.balances(at, EU_ACCOUNT, false).await.unwrap();
    assert_eq!(balances.data.balance[0].amount.currency.to_string(), "EUR");
}
