//! Software statements (SSA): their claims, and their verification.
//!
//! An SSA is a JWT that the Open Banking directory signs (PS256) for a TPP's software. Monzo's
//! EU entity instead takes a statement the TPP makes itself, self-signed or unsecured
//! (`alg: none`); there the TPP is authenticated by its eIDAS certificate and by the signature
//! of the registration request, not by the statement.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ob_dcr::ssa::{self, SsaClaims, SsaRules, SsaTrust};
//!
//! let now = Utc.with_ymd_and_hms(2025, 3, 21, 9, 0, 0).unwrap();
//! let claims = SsaClaims {
//!     software_id: "278be778-dcae-4f7c-9713-89c338f7331c".into(),
//!     software_roles: vec!["AISP".into()],
//!     org_status: Some("Active".into()),
//!     ..SsaClaims::default()
//! };
//! let token = ssa::unsecured_software_statement(&claims)?;
//! let statement = ssa::verify(&token, SsaTrust::SelfAsserted, &SsaRules::at(now))?;
//! assert!(statement.claims().has_role("aisp"));
//! // The UK profile takes only statements the directory signed.
//! let directory = ob_jose::Jwks::default();
//! assert!(ssa::verify(&token, SsaTrust::Directory(&directory), &SsaRules::at(now)).is_err());
//! # Ok::<(), ob_dcr::DcrError>(())
//! ```

use chrono::Duration;
use ob_jose::jws::{self, Object, Validation};
use ob_jose::{dangerous, Instant, JoseError, Jwks};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::DcrError;

/// The claims of a software statement (Open Banking directory, `directory-api` v3.x), as far
/// as registration uses them; other claims are kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SsaClaims {
    /// Issuer (the directory, or the TPP for a self-asserted statement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Issued at, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expiry, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// Statement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The software's id.
    pub software_id: String,
    /// The software's client id in the directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_client_id: Option<String>,
    /// The software's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_client_name: Option<String>,
    /// The software's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_client_description: Option<String>,
    /// The software's home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_client_uri: Option<String>,
    /// `sandbox` or `production` (Monzo's EU example uses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_environment: Option<String>,
    /// `Test` or `Live`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_mode: Option<String>,
    /// Where the software's signing keys are published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_jwks_endpoint: Option<String>,
    /// The redirect URIs the software may register.
    #[serde(default)]
    pub software_redirect_uris: Vec<String>,
    /// The software's roles (`AISP`, `PISP`, `CBPII`).
    #[serde(default)]
    pub software_roles: Vec<String>,
    /// The organisation's status (`Active`, `Revoked`, `Withdrawn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_status: Option<String>,
    /// The organisation's id (for Monzo's EU entity, the eIDAS organisationIdentifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// The organisation's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    /// Where the organisation's signing keys are published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_jwks_endpoint: Option<String>,
    /// Other claims, kept as they are.
    #[serde(flatten)]
    pub other: Object,
}

impl SsaClaims {
    /// Where the keys that sign the TPP's registration requests are published: the software's
    /// JWKS, else the organisation's (empty strings count as absent).
    pub fn jwks_endpoint(&self) -> Option<&str> {
        [&self.software_jwks_endpoint, &self.org_jwks_endpoint]
            .into_iter()
            .filter_map(|e| e.as_deref())
            .find(|e| !e.trim().is_empty())
    }

    /// Whether the software has `role` (case-insensitive).
    pub fn has_role(&self, role: &str) -> bool {
        self.software_roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(role))
    }
}

/// Who vouches for a software statement.
#[derive(Clone, Copy, Debug)]
pub enum SsaTrust<'a> {
    /// The Open Banking directory: the statement must be signed PS256 by one of these keys.
    Directory(&'a Jwks),
    /// Monzo's EU profile: an unsecured (`alg: none`) or self-signed (PS256) statement whose
    /// claims are taken as the TPP's own. Its header `typ` must be `JWT` (Monzo: "typ Must be
    /// jwt"). A self-signature cannot be checked here (the keys are at the statement's
    /// `org_jwks_endpoint`): [`PendingRegistration::verify`](crate::server::PendingRegistration::verify)
    /// checks it with the keys fetched from there.
    SelfAsserted,
}

/// When a software statement is acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SsaRules {
    /// The time to judge at.
    pub now: Instant,
    /// Clock skew tolerated.
    pub leeway: Duration,
    /// How old (`now - iat`) a statement may be, if limited.
    pub max_age: Option<Duration>,
}

impl SsaRules {
    /// One minute of leeway, no age limit.
    pub fn at(now: Instant) -> Self {
        SsaRules {
            now,
            leeway: Duration::minutes(1),
            max_age: None,
        }
    }
}

/// A software statement that passed [`verify`].
#[derive(Clone, Debug, PartialEq)]
pub struct SoftwareStatement {
    claims: SsaClaims,
    self_asserted: bool,
    /// For a self-signed statement, the compact JWS whose signature is still to check.
    self_signed: Option<String>,
}

impl SoftwareStatement {
    /// Its claims.
    pub fn claims(&self) -> &SsaClaims {
        &self.claims
    }

    /// Whether it was taken on the TPP's word (Monzo's EU profile) rather than the directory's.
    pub fn is_self_asserted(&self) -> bool {
        self.self_asserted
    }

    /// A self-asserted statement signed PS256 by the TPP itself (not `alg: none`): its compact
    /// JWS, whose signature the TPP's published keys must verify.
    pub fn self_signed_token(&self) -> Option<&str> {
        self.self_signed.as_deref()
    }
}

fn jose(reason: &str, e: JoseError) -> DcrError {
    DcrError::InvalidSoftwareStatement {
        reason: format!("{reason}: {e}"),
        cause: Some(e),
    }
}

/// Verifies a software statement: its signature as `trust` requires, `software_id`, its
/// validity window (`iat` not in the future, `exp` not passed, `max_age`), and an `Active`
/// organisation.
pub fn verify(
    token: &str,
    trust: SsaTrust<'_>,
    rules: &SsaRules,
) -> Result<SoftwareStatement, DcrError> {
    let token = token.trim();
    let (payload, self_asserted, self_signed) = match trust {
        SsaTrust::Directory(keys) => {
            let verified = jws::verify_with(token, keys, &Validation::default())
                .map_err(|e| jose("not signed by the directory", e))?;
            (verified.payload().to_vec(), false, None)
        }
        SsaTrust::SelfAsserted => {
            let (header, payload) =
                dangerous::peek_unverified(token).map_err(|e| jose("not a JWS", e))?;
            // Monzo's EU profile, the statement's header: "typ Must be \"jwt\"".
            let typ = header.get("typ").and_then(Value::as_str);
            if !typ.is_some_and(|t| t.eq_ignore_ascii_case("JWT")) {
                return Err(DcrError::statement(format!(
                    "expected the header typ \"JWT\", found {typ:?}"
                )));
            }
            match header.get("alg").and_then(Value::as_str) {
                // Unsecured: the signature part must be empty.
                Some("none") => {
                    let payload = dangerous::decode_unsecured(token)
                        .map_err(|e| jose("not an unsecured JWS", e))?
                        .1;
                    (payload, true, None)
                }
                Some(ob_jose::PS256) => (payload, true, Some(token.to_owned())),
                other => {
                    return Err(DcrError::statement(format!(
                        "expected alg \"none\" or \"PS256\", found {other:?}"
                    )))
                }
            }
        }
    };
    let claims: SsaClaims = serde_json::from_slice(&payload)
        .map_err(|e| DcrError::statement(format!("claims: {e}")))?;
    if claims.software_id.trim().is_empty() {
        return Err(DcrError::statement("software_id is empty"));
    }
    let now = rules.now.timestamp();
    let leeway = rules.leeway.num_seconds().max(0);
    if let Some(iat) = claims.iat {
        if iat > now.saturating_add(leeway) {
            return Err(DcrError::statement(format!(
                "issued in the future (iat {iat}, now {now})"
            )));
        }
        if let Some(max) = rules.max_age {
            if now.saturating_sub(iat) > max.num_seconds().saturating_add(leeway) {
                return Err(DcrError::statement(format!(
                    "too old: issued at {iat}, at most {} s before now ({now})",
                    max.num_seconds()
                )));
            }
        }
    } else if rules.max_age.is_some() {
        return Err(DcrError::statement(
            "no iat, and statements have a maximum age",
        ));
    }
    if let Some(exp) = claims.exp {
        if exp <= now.saturating_sub(leeway) {
            return Err(DcrError::statement(format!(
                "expired at {exp}, now is {now}"
            )));
        }
    }
    if let Some(status) = &claims.org_status {
        if !status.eq_ignore_ascii_case("Active") {
            return Err(DcrError::UnapprovedSoftwareStatement {
                reason: format!("the organisation is {status}, not Active"),
            });
        }
    }
    Ok(SoftwareStatement {
        claims,
        self_asserted,
        self_signed,
    })
}

/// An unsecured (`alg: none`) software statement of `claims`, header `typ` `JWT`: what Monzo's
/// EU entity takes from TPPs outside the Open Banking directory. It carries no signature.
pub fn unsecured_software_statement(claims: &SsaClaims) -> Result<String, DcrError> {
    let payload = serde_json::to_vec(claims).map_err(|e| DcrError::Misuse {
        reason: format!("claims encoding: {e}"),
    })?;
    let mut header = Object::new();
    header.insert("typ".into(), Value::String("JWT".into()));
    dangerous::encode_unsecured(&header, &payload).map_err(|e| DcrError::Misuse {
        reason: e.to_string(),
    })
}
