//! ob-dcr: software statements, the request builder, the client calls, and a negative test for
//! every check of the ASPSP's validator, each asserting its error.

mod client;
mod monzo_example;
mod server;
mod statement;

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use ob_dcr::ssa::SsaClaims;
use ob_jose::jws::Object;
use ob_jose::{Instant, Jwks, SigningKey};

pub fn now() -> Instant {
    Utc.with_ymd_and_hms(2025, 3, 21, 9, 0, 0).unwrap()
}

/// The Open Banking directory's signing key (test stand-in).
pub fn directory_key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(|| SigningKey::generate("directory-1", 2048).unwrap())
}

/// The TPP's signing key.
pub fn tpp_key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(|| SigningKey::generate("tpp-1", 2048).unwrap())
}

pub fn directory_jwks() -> Jwks {
    Jwks {
        keys: vec![directory_key().public_jwk()],
    }
}

pub fn tpp_jwks() -> Jwks {
    Jwks {
        keys: vec![tpp_key().public_jwk()],
    }
}

pub const SOFTWARE_ID: &str = "2kiXQyo0tedjW2somjSgH7";
pub const ASPSP: &str = "0015800001HQQrZAAX";
pub const REDIRECT: &str = "https://tpp.example/callback";
pub const DN: &str = "C=GB,O=TPP Ltd,OU=0015800001041REAAY,CN=2kiXQyo0tedjW2somjSgH7";

pub fn ssa_claims() -> SsaClaims {
    SsaClaims {
        iss: Some("OpenBanking Ltd".into()),
        iat: Some(now().timestamp() - 30),
        jti: Some("0b7c2a8e-9f0d-4c3e-8a1b-2d3e4f5a6b7c".into()),
        software_id: SOFTWARE_ID.into(),
        software_client_name: Some("Budgeting App".into()),
        software_jwks_endpoint: Some(
            "https://keystore.example/0015800001041REAAY/2kiXQyo0tedjW2somjSgH7.jwks".into(),
        ),
        software_redirect_uris: vec![REDIRECT.into(), "https://tpp.example/other".into()],
        software_roles: vec!["AISP".into(), "PISP".into()],
        org_status: Some("Active".into()),
        org_id: Some("0015800001041REAAY".into()),
        ..SsaClaims::default()
    }
}

/// A software statement signed by the directory.
pub fn directory_ssa(claims: &SsaClaims) -> String {
    let mut header = Object::new();
    header.insert("typ".into(), "JWT".into());
    ob_jose::jws::sign_json(directory_key(), &header, claims).unwrap()
}
