//! Monzo's own EU example (`../shared/examples/monzo/eu__02.json`, the registration request
//! claims with an unsecured software statement), signed here with a test key: the statement
//! reads, and the whole request passes Monzo's EU checks at its own time.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use ob_dcr::server::{begin_registration, Profile, SeenJtis, ValidatorConfig};
use ob_dcr::ssa::{self, SsaRules, SsaTrust};
use ob_dcr::DcrError;
use ob_jose::jws::Object;
use serde_json::Value;

use crate::{tpp_jwks, tpp_key};

fn example() -> Value {
    let dir = std::env::var_os("OB_EXAMPLES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples")
        });
    let path = dir.join("monzo/eu__02.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "Monzo examples not found at {}: {e}; set OB_EXAMPLES_DIR",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

#[test]
fn monzo_eu_example_registers() {
    let claims = example();
    let iat = claims["iat"].as_i64().unwrap();
    let at: DateTime<Utc> = DateTime::from_timestamp(iat + 60, 0).unwrap();
    let statement = claims["software_statement"].as_str().unwrap();
    let s = ssa::verify(statement, SsaTrust::SelfAsserted, &SsaRules::at(at)).unwrap();
    assert_eq!(
        s.claims().software_id,
        "278BE778-DCAE-4F7C-9713-89C338F7331C"
    );
    assert_eq!(s.claims().org_id.as_deref(), Some("PSDIE-CBI-000000"));
    // Empty endpoints count as absent: the organisation's JWKS is where the keys are.
    assert_eq!(
        s.claims().jwks_endpoint(),
        Some("https://api.s101.nonprod-ffs.io/open-banking/eu/jwks.json")
    );

    let mut header = Object::new();
    header.insert("typ".into(), "JWT".into());
    let jwt = ob_jose::jws::sign_json(tpp_key(), &header, &claims).unwrap();
    let config = ValidatorConfig::new("PSDIE-CBI-000000", Profile::MonzoEu);
    let pending = begin_registration(jwt.as_bytes(), &config, None, at).unwrap();
    let dn = claims["tls_client_auth_subject_dn"].as_str().unwrap();
    let valid = pending
        .verify(&tpp_jwks(), dn, &mut SeenJtis::default(), at)
        .unwrap();
    assert_eq!(valid.claims().scope.as_str(), "openid accounts");
    // An hour and a minute later the request has expired.
    let late = at + chrono::Duration::minutes(61);
    let pending = begin_registration(jwt.as_bytes(), &config, None, late).unwrap();
    match pending
        .verify(&tpp_jwks(), dn, &mut SeenJtis::default(), late)
        .unwrap_err()
    {
        DcrError::InvalidClientMetadata { field, .. } => assert_eq!(field, "exp"),
        other => panic!("{other:?}"),
    }
}
