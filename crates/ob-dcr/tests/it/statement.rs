//! Software statements: directory-signed and self-asserted, validity window, organisation.

use chrono::Duration;
use ob_dcr::ssa::{self, SsaRules, SsaTrust};
use ob_dcr::DcrError;
use ob_jose::JoseError;

use crate::{directory_jwks, directory_ssa, now, ssa_claims, tpp_jwks, tpp_key};

#[test]
fn directory_signed_statement() {
    let token = directory_ssa(&ssa_claims());
    let s = ssa::verify(
        &token,
        SsaTrust::Directory(&directory_jwks()),
        &SsaRules::at(now()),
    )
    .unwrap();
    assert_eq!(s.claims().software_id, crate::SOFTWARE_ID);
    assert!(!s.is_self_asserted());
    assert_eq!(
        s.claims().jwks_endpoint(),
        ssa_claims().software_jwks_endpoint.as_deref()
    );
}

#[test]
fn statement_refusals() {
    let rules = SsaRules::at(now());
    let dir = directory_jwks();
    let trust = SsaTrust::Directory(&dir);
    // Signed by someone else than the directory.
    let mut header = ob_jose::jws::Object::new();
    header.insert("typ".into(), "JWT".into());
    let forged = ob_jose::jws::sign_json(tpp_key(), &header, &ssa_claims()).unwrap();
    match ssa::verify(&forged, trust, &rules).unwrap_err() {
        DcrError::InvalidSoftwareStatement {
            cause: Some(JoseError::UnknownKey { .. }),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    // Unsecured where the directory must sign.
    let unsecured = ssa::unsecured_software_statement(&ssa_claims()).unwrap();
    match ssa::verify(&unsecured, trust, &rules).unwrap_err() {
        DcrError::InvalidSoftwareStatement {
            cause: Some(JoseError::UnsecuredRefused),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    let why = |c: &ob_dcr::ssa::SsaClaims, r: &SsaRules| {
        ssa::verify(&directory_ssa(c), trust, r)
            .unwrap_err()
            .to_string()
    };
    let t = now().timestamp();
    // Validity window.
    let mut c = ssa_claims();
    c.iat = Some(t + 3600);
    assert_eq!(
        why(&c, &rules),
        format!(
            "invalid software statement: issued in the future (iat {}, now {t})",
            t + 3600
        )
    );
    let mut c = ssa_claims();
    c.exp = Some(t - 3600);
    assert_eq!(
        why(&c, &rules),
        format!(
            "invalid software statement: expired at {}, now is {t}",
            t - 3600
        )
    );
    let mut c = ssa_claims();
    c.iat = Some(t - 7200);
    let aged = SsaRules {
        max_age: Some(Duration::hours(1)),
        ..rules
    };
    assert_eq!(
        why(&c, &aged),
        format!(
            "invalid software statement: too old: issued at {}, at most 3600 s before now ({t})",
            t - 7200
        )
    );
    ssa::verify(&directory_ssa(&c), trust, &rules).unwrap();
    let mut c = ssa_claims();
    c.iat = None;
    assert_eq!(
        why(&c, &aged),
        "invalid software statement: no iat, and statements have a maximum age"
    );
    // Organisation no longer active.
    let mut c = ssa_claims();
    c.org_status = Some("Revoked".into());
    let err = ssa::verify(&directory_ssa(&c), trust, &rules).unwrap_err();
    assert_eq!(
        err,
        DcrError::UnapprovedSoftwareStatement {
            reason: "the organisation is Revoked, not Active".into()
        }
    );
    assert_eq!(err.to_api_error().code, "unapproved_software_statement");
    // No software_id.
    let mut c = ssa_claims();
    c.software_id = String::new();
    assert_eq!(
        why(&c, &rules),
        "invalid software statement: software_id is empty"
    );
    // The TPP's keys are not the directory's.
    match ssa::verify(
        &directory_ssa(&ssa_claims()),
        SsaTrust::Directory(&tpp_jwks()),
        &rules,
    )
    .unwrap_err()
    {
        DcrError::InvalidSoftwareStatement {
            cause: Some(JoseError::UnknownKey { .. }),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_asserted_statements() {
    let rules = SsaRules::at(now());
    let unsecured = ssa::unsecured_software_statement(&ssa_claims()).unwrap();
    let s = ssa::verify(&unsecured, SsaTrust::SelfAsserted, &rules).unwrap();
    assert!(s.is_self_asserted());
    // Self-signed (PS256) is accepted as self-asserted too.
    ssa::verify(
        &directory_ssa(&ssa_claims()),
        SsaTrust::SelfAsserted,
        &rules,
    )
    .unwrap();
    // alg none with a signature is not an unsecured JWS.
    let signed_none = format!("{unsecured}c2ln");
    match ssa::verify(&signed_none, SsaTrust::SelfAsserted, &rules).unwrap_err() {
        DcrError::InvalidSoftwareStatement {
            cause: Some(JoseError::Malformed { .. }),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    // Any other algorithm is not.
    let claims = serde_json::to_vec(&ssa_claims()).unwrap();
    let hs = format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64(&claims)
    );
    assert_eq!(
        ssa::verify(&hs, SsaTrust::SelfAsserted, &rules)
            .unwrap_err()
            .to_api_error()
            .code,
        "invalid_software_statement"
    );
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}
