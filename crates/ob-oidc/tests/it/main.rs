//! ob-oidc: discovery, request objects and the authorization URL, callbacks, id_token
//! validation (a negative test per check), token requests and Monzo's token responses.

mod authorize;
mod callback;
mod discovery;
mod id_token;
mod token;

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use ob_jose::{Instant, Jwks, SigningKey};

pub const ISSUER: &str = "https://api.monzo.example/open-banking";
pub const CLIENT: &str = "client-1";

pub fn now() -> Instant {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

pub fn bank_key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(|| SigningKey::generate("bank-1", 2048).unwrap())
}

pub fn tpp_key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(|| SigningKey::generate("tpp-1", 2048).unwrap())
}

pub fn bank_jwks() -> Jwks {
    Jwks {
        keys: vec![bank_key().public_jwk()],
    }
}
