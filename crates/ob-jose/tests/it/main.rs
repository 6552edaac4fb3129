//! ob-jose: keys, compact JWS, detached `x-jws-signature` (a negative test per rejection, each
//! asserting its error), the dangerous unsecured API, JWT times, and interop with an
//! independent implementation (Python joserfc, installed pinned by `tests/peer/setup.sh`).

mod compact;
mod detached;
mod fuzz;
mod interop;
mod keys;
mod times;

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use ob_jose::{Instant, Jwks, SigningKey};

/// Generating RSA keys takes a moment; the tests share two.
pub fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate("test-key-1", 2048).unwrap())
}

pub fn other_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate("test-key-1", 2048).unwrap())
}

pub fn jwks() -> Jwks {
    Jwks {
        keys: vec![key().public_jwk()],
    }
}

pub fn now() -> Instant {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}
