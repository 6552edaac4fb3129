//! The ASPSP's checks on a registration request, sans-IO, in two steps:
//!
//! 1. [`begin_registration`] reads the request JWT without trusting it, insists on PS256, and
//!    verifies its software statement (with the directory's keys, or self-asserted for
//!    Monzo's EU profile). It returns a [`PendingRegistration`] that says where the TPP's keys
//!    are published ([`PendingRegistration::jwks_uri`]).
//! 2. The caller fetches that JWKS, and [`PendingRegistration::verify`] checks the request's
//!    signature with it, then every claim.
//!
//! The checks mirror the OBIE DCR conformance scenarios: an expired request, a bad `iss` or
//! `aud`, RS256 instead of PS256, a redirect URI that is not https or not in the statement,
//! wrong `response_types`, `tls_client_auth` without a subject DN (or with another one than the
//! transport certificate's), a replayed `jti`, and a request not signed by a key of the
//! statement's JWKS. Monzo's rules come on top: `tls_client_auth` only, PS256 algorithms, and
//! for the EU profile a version-4 UUID `software_id` and scope `openid accounts`.

use std::collections::HashMap;

use chrono::Duration;
use ob_jose::jws::{self, Validation};
use ob_jose::{dangerous, Instant, Jwks};
use ob_model::registration::{
    OBClientRegistration1, OBRegistrationProperties1ResponseTypes as ResponseType,
    OBRegistrationProperties1TokenEndpointAuthMethod as AuthMethod, SupportedAlgorithms,
};
use serde_json::Value;

use crate::ssa::{self, SoftwareStatement, SsaRules, SsaTrust};
use crate::{is_uuid_v4, DcrError};

/// Which registration profile the ASPSP runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// UK: software statements signed by the Open Banking directory.
    Uk,
    /// Monzo's EU entity: self-asserted statements, UUIDv4 `software_id`, `openid accounts`.
    MonzoEu,
}

/// What the ASPSP accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorConfig {
    /// The `aud` a request must carry (the ASPSP's organisation id).
    pub aud: String,
    /// The profile.
    pub profile: Profile,
    /// The longest `exp - iat` of a request.
    pub max_request_lifetime: Duration,
    /// Clock skew tolerated.
    pub leeway: Duration,
    /// How old a software statement may be, if limited.
    pub max_statement_age: Option<Duration>,
}

impl ValidatorConfig {
    /// Requests valid for at most 60 minutes, one minute of leeway, no statement age limit.
    pub fn new(aud: impl Into<String>, profile: Profile) -> Self {
        ValidatorConfig {
            aud: aud.into(),
            profile,
            max_request_lifetime: Duration::minutes(60),
            leeway: Duration::minutes(1),
            max_statement_age: None,
        }
    }
}

/// The `jti`s of accepted requests, remembered until those requests expire.
#[derive(Clone, Debug, Default)]
pub struct SeenJtis {
    seen: HashMap<String, i64>,
}

impl SeenJtis {
    /// Forgets `jti`s whose requests expired before `now`.
    pub fn purge(&mut self, now: Instant) {
        let now = now.timestamp();
        self.seen.retain(|_, until| *until >= now);
    }

    /// How many are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// A request whose statement has been verified, waiting for the TPP's keys.
#[derive(Clone, Debug)]
pub struct PendingRegistration {
    token: String,
    statement: SoftwareStatement,
    config: ValidatorConfig,
}

/// A registration request that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidRegistration {
    claims: OBClientRegistration1,
    statement: SoftwareStatement,
}

impl ValidRegistration {
    /// The request's claims.
    pub fn claims(&self) -> &OBClientRegistration1 {
        &self.claims
    }

    /// The verified software statement.
    pub fn statement(&self) -> &SoftwareStatement {
        &self.statement
    }

    /// The registration to answer with (and store): the request's metadata with `client_id`
    /// and `client_id_issued_at` set (no secret: `tls_client_auth`). DCR 3.2 carries times as
    /// 32-bit numbers: a time after January 2038 is refused rather than cut short.
    pub fn into_registration(
        self,
        client_id: &str,
        issued_at: Instant,
    ) -> Result<OBClientRegistration1, DcrError> {
        let mut reg = self.claims;
        reg.client_id = Some(client_id.into());
        reg.client_id_issued_at = Some(crate::request::epoch32("client_id_issued_at", issued_at)?);
        reg.client_secret = None;
        reg.client_secret_expires_at = None;
        Ok(reg)
    }
}

/// Step 1: reads the request JWT (`body`, the `application/jose` text) and verifies its
/// software statement. `directory_jwks` is required for [`Profile::Uk`].
pub fn begin_registration(
    body: &[u8],
    config: &ValidatorConfig,
    directory_jwks: Option<&Jwks>,
    now: Instant,
) -> Result<PendingRegistration, DcrError> {
    let token = std::str::from_utf8(body)
        .map_err(|_| DcrError::metadata("request", "the body is not a JWT (not UTF-8)"))?
        .trim()
        .to_owned();
    let (header, payload) =
        dangerous::peek_unverified(&token).map_err(|e| DcrError::InvalidClientMetadata {
            field: "request".into(),
            reason: format!("the body is not a signed JWT: {e}"),
            cause: Some(e),
        })?;
    match header.get("alg").and_then(Value::as_str) {
        Some(ob_jose::PS256) => {}
        other => {
            return Err(DcrError::metadata(
                "alg",
                format!("the request must be signed PS256, found {other:?}"),
            ))
        }
    }
    let claims: OBClientRegistration1 = ob_model::decode::from_slice(&payload)
        .map_err(|e| DcrError::metadata("request", format!("claims: {e}")))?;
    let trust = match (config.profile, directory_jwks) {
        (Profile::Uk, Some(keys)) => SsaTrust::Directory(keys),
        (Profile::Uk, None) => {
            return Err(DcrError::Misuse {
                reason: "the UK profile needs the directory's keys".into(),
            })
        }
        (Profile::MonzoEu, _) => SsaTrust::SelfAsserted,
    };
    if claims.software_statement.trim().is_empty() {
        return Err(DcrError::statement("software_statement is missing"));
    }
    let rules = SsaRules {
        now,
        leeway: config.leeway,
        max_age: config.max_statement_age,
    };
    let statement = ssa::verify(&claims.software_statement, trust, &rules)?;
    Ok(PendingRegistration {
        token,
        statement,
        config: config.clone(),
    })
}

impl PendingRegistration {
    /// The verified software statement.
    pub fn statement(&self) -> &SoftwareStatement {
        &self.statement
    }

    /// Where the TPP's signing keys are published (the statement's software or organisation
    /// JWKS endpoint), for the caller to fetch.
    pub fn jwks_uri(&self) -> Option<&str> {
        self.statement.claims().jwks_endpoint()
    }

    /// Step 2: checks the request's signature with the TPP's keys (`tpp_jwks`, fetched from
    /// [`jwks_uri`](Self::jwks_uri)), then every claim. `client_certificate_dn` is the subject
    /// of the client certificate the request came with: the request's
    /// `tls_client_auth_subject_dn` must be it, and it must name the statement's organisation
    /// (its `organizationIdentifier`, or for Open Banking certificates its `OU`, equal to the
    /// statement's `org_id`; Monzo's EU profile requires `organizationIdentifier`). An accepted
    /// `jti` is remembered in `seen` until the request expires; a refused request changes
    /// nothing.
    pub fn verify(
        self,
        tpp_jwks: &Jwks,
        client_certificate_dn: &str,
        seen: &mut SeenJtis,
        now: Instant,
    ) -> Result<ValidRegistration, DcrError> {
        let verified =
            jws::verify_with(&self.token, tpp_jwks, &Validation::default()).map_err(|e| {
                DcrError::InvalidClientMetadata {
                    field: "request".into(),
                    reason: format!("not signed by a key of the software statement's JWKS: {e}"),
                    cause: Some(e),
                }
            })?;
        let claims: OBClientRegistration1 = ob_model::decode::from_slice(verified.payload())
            .map_err(|e| DcrError::metadata("request", format!("claims: {e}")))?;
        // A self-signed statement (Monzo's EU profile, PS256 rather than `alg: none`) is signed
        // by the TPP: by a key it publishes, as the request is.
        if let Some(statement) = self.statement.self_signed_token() {
            jws::verify_with(statement, tpp_jwks, &Validation::default()).map_err(|e| {
                DcrError::InvalidSoftwareStatement {
                    reason: format!(
                        "a self-signed statement must be signed by a key of its JWKS endpoint: {e}"
                    ),
                    cause: Some(e),
                }
            })?;
        }
        let ssa = self.statement.claims();
        let cfg = &self.config;
        // Monzo's EU profile: the registration JWT's header "typ: Must be \"jwt\"".
        if cfg.profile == Profile::MonzoEu {
            let typ = verified.header().get("typ").and_then(|t| t.as_str());
            if !typ.is_some_and(|t| t.eq_ignore_ascii_case("JWT")) {
                return Err(DcrError::metadata(
                    "typ",
                    format!("expected the header typ \"JWT\", found {typ:?}"),
                ));
            }
        }
        // The client's keys are the software statement's (its JWKS endpoint, or the sandbox
        // directory's copy): keys sent by value in the request are refused, never trusted.
        if claims.extra.get("jwks").is_some() {
            return Err(DcrError::metadata(
                "jwks",
                "keys by value are not accepted: the software statement's JWKS is used",
            ));
        }
        let now_s = now.timestamp();
        let leeway = cfg.leeway.num_seconds().max(0);

        // Lifetime.
        let (iat, exp) = (i64::from(claims.iat), i64::from(claims.exp));
        if claims.extra.is_missing("exp") || exp <= now_s.saturating_sub(leeway) {
            return Err(DcrError::metadata(
                "exp",
                format!("the request expired at {exp}, now is {now_s}"),
            ));
        }
        if claims.extra.is_missing("iat") || iat > now_s.saturating_add(leeway) {
            return Err(DcrError::metadata(
                "iat",
                format!("expected a time not after now ({now_s}), found {iat}"),
            ));
        }
        if exp.saturating_sub(iat) > cfg.max_request_lifetime.num_seconds() {
            return Err(DcrError::metadata(
                "exp",
                format!(
                    "the request is valid for {} s, more than {} s",
                    exp.saturating_sub(iat),
                    cfg.max_request_lifetime.num_seconds()
                ),
            ));
        }
        // Who it is from and to.
        if claims.iss.as_str() != ssa.software_id {
            return Err(DcrError::metadata(
                "iss",
                format!(
                    "expected the software_id {:?}, found {:?}",
                    ssa.software_id,
                    claims.iss.as_str()
                ),
            ));
        }
        if claims.aud.as_str() != cfg.aud {
            return Err(DcrError::metadata(
                "aud",
                format!("expected {:?}, found {:?}", cfg.aud, claims.aud.as_str()),
            ));
        }
        if let Some(id) = &claims.software_id {
            if id.as_str() != ssa.software_id {
                return Err(DcrError::metadata(
                    "software_id",
                    format!(
                        "expected the statement's {:?}, found {:?}",
                        ssa.software_id,
                        id.as_str()
                    ),
                ));
            }
        }
        if cfg.profile == Profile::MonzoEu && !is_uuid_v4(&ssa.software_id) {
            return Err(DcrError::metadata(
                "software_id",
                format!("expected a version-4 UUID, found {:?}", ssa.software_id),
            ));
        }
        if claims.jti.trim().is_empty() {
            return Err(DcrError::metadata("jti", "missing"));
        }
        if seen.seen.contains_key(claims.jti.as_str()) {
            return Err(DcrError::metadata(
                "jti",
                format!(
                    "{:?} was already used: a replayed request",
                    claims.jti.as_str()
                ),
            ));
        }
        // Redirect URIs.
        if claims.redirect_uris.is_empty() {
            return Err(DcrError::metadata("redirect_uris", "expected at least one"));
        }
        for uri in &claims.redirect_uris {
            check_redirect_uri(uri, &ssa.software_redirect_uris)?;
        }
        // Client authentication.
        if claims.token_endpoint_auth_method != AuthMethod::TlsClientAuth {
            return Err(DcrError::metadata(
                "token_endpoint_auth_method",
                format!(
                    "expected tls_client_auth, found {:?}",
                    claims.token_endpoint_auth_method.as_str()
                ),
            ));
        }
        let dn = claims
            .tls_client_auth_subject_dn
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| {
                DcrError::metadata(
                    "tls_client_auth_subject_dn",
                    "required with tls_client_auth",
                )
            })?;
        let actual = client_certificate_dn;
        if normalise_dn(dn) != normalise_dn(actual) {
            return Err(DcrError::metadata(
                "tls_client_auth_subject_dn",
                format!("expected the transport certificate's subject {actual:?}, found {dn:?}"),
            ));
        }
        check_certificate_names_org(actual, ssa, cfg.profile)?;
        // Grants, responses, algorithms.
        if claims.grant_types.is_empty() || claims.grant_types.iter().any(|g| !g.is_known()) {
            return Err(DcrError::metadata(
                "grant_types",
                "expected client_credentials, authorization_code and/or refresh_token",
            ));
        }
        if let Some(types) = &claims.response_types {
            if types.is_empty()
                || types
                    .iter()
                    .any(|t| !matches!(t, ResponseType::CodeIdToken | ResponseType::Code))
            {
                let found: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
                return Err(DcrError::metadata(
                    "response_types",
                    format!("expected \"code id_token\" or \"code\", found {found:?}"),
                ));
            }
        }
        if claims.id_token_signed_response_alg != SupportedAlgorithms::PS256 {
            return Err(DcrError::metadata(
                "id_token_signed_response_alg",
                format!(
                    "expected PS256, found {:?}",
                    claims.id_token_signed_response_alg.as_str()
                ),
            ));
        }
        if claims.request_object_signing_alg != SupportedAlgorithms::PS256 {
            return Err(DcrError::metadata(
                "request_object_signing_alg",
                format!(
                    "expected PS256, found {:?}",
                    claims.request_object_signing_alg.as_str()
                ),
            ));
        }
        check_scope(claims.scope.as_str(), ssa, cfg.profile)?;
        seen.seen
            .insert(claims.jti.to_string(), exp.saturating_add(leeway));
        Ok(ValidRegistration {
            claims,
            statement: self.statement,
        })
    }
}

/// A redirect URI must be https, not the local machine, at most 256 characters, and one of
/// the statement's.
fn check_redirect_uri(uri: &str, allowed: &[String]) -> Result<(), DcrError> {
    let bad = |reason: &str| {
        Err(DcrError::InvalidRedirectUri {
            uri: uri.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if uri.chars().count() > 256 {
        return bad("longer than 256 characters");
    }
    let parsed: Result<http::Uri, _> = uri.parse();
    let Ok(parsed) = parsed else {
        return bad("not a URI");
    };
    if parsed.scheme_str() != Some("https") {
        return bad("expected https");
    }
    let host = parsed.host().unwrap_or_default().to_ascii_lowercase();
    if host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "[::1]"
        || host == "0.0.0.0"
    {
        return bad("points at the local machine");
    }
    if !allowed.iter().any(|a| a == uri) {
        return bad("not one of the software statement's software_redirect_uris");
    }
    Ok(())
}

/// Scopes: `openid` plus APIs the statement's roles allow (accounts: AISP, payments: PISP,
/// fundsconfirmations: CBPII); `accounts` and `payments` not together (Open Banking, since
/// 2020-07-23); Monzo's EU profile only `openid accounts`.
fn check_scope(scope: &str, ssa: &ssa::SsaClaims, profile: Profile) -> Result<(), DcrError> {
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    if profile == Profile::MonzoEu {
        let mut sorted = scopes.clone();
        sorted.sort_unstable();
        if sorted != ["accounts", "openid"] {
            return Err(DcrError::metadata(
                "scope",
                format!("expected \"openid accounts\", found {scope:?}"),
            ));
        }
    }
    if !scopes.contains(&"openid") {
        return Err(DcrError::metadata(
            "scope",
            format!("expected openid among {scope:?}"),
        ));
    }
    if scopes.contains(&"accounts") && scopes.contains(&"payments") {
        return Err(DcrError::metadata(
            "scope",
            "accounts and payments cannot be registered together: register them as two clients",
        ));
    }
    for s in &scopes {
        let role = match *s {
            "openid" => continue,
            "accounts" => "AISP",
            "payments" => "PISP",
            "fundsconfirmations" => "CBPII",
            other => {
                return Err(DcrError::metadata(
                    "scope",
                    format!("unsupported scope {other:?}"),
                ));
            }
        };
        if !ssa.has_role(role) {
            return Err(DcrError::UnapprovedSoftwareStatement {
                reason: format!(
                    "scope {s} needs the {role} role, and the statement has {:?}",
                    ssa.software_roles
                ),
            });
        }
    }
    Ok(())
}

/// The certificate must belong to the statement's organisation: its `organizationIdentifier`
/// (eIDAS, OID 2.5.4.97) or, for Open Banking certificates, its `OU` equals `org_id`. Monzo's EU
/// profile requires `org_id` and `organizationIdentifier`.
fn check_certificate_names_org(
    dn: &str,
    ssa: &ssa::SsaClaims,
    profile: Profile,
) -> Result<(), DcrError> {
    let attrs = normalise_dn(dn);
    let get = |names: &[&str]| -> Vec<&str> {
        attrs
            .iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let org_identifier = get(&["organizationidentifier"]);
    let ou = get(&["ou"]);
    let org_id = ssa.org_id.as_deref().filter(|o| !o.trim().is_empty());
    let refused = |reason: String| Err(DcrError::UnapprovedSoftwareStatement { reason });
    match (profile, org_id) {
        (Profile::MonzoEu, None) => refused("the statement has no org_id".into()),
        (Profile::MonzoEu, Some(org)) if !org_identifier.contains(&org) => refused(format!(
            "the certificate's organizationIdentifier {org_identifier:?} is not the statement's org_id {org:?}"
        )),
        (Profile::Uk, Some(org)) if !org_identifier.contains(&org) && !ou.contains(&org) => {
            refused(format!(
                "the certificate (OU {ou:?}, organizationIdentifier {org_identifier:?}) is not the statement's organisation {org:?}"
            ))
        }
        _ => Ok(()),
    }
}

/// Whether two distinguished names are the same: attribute types in any case, spaces around
/// `,` and `=` ignored, attributes in any order.
pub fn same_subject(a: &str, b: &str) -> bool {
    normalise_dn(a) == normalise_dn(b)
}

/// A distinguished name compared loosely: attribute types in any case, spaces around `,` and
/// `=` ignored, and the attributes in any order. Escaped commas (`\,`) stay in their value.
fn normalise_dn(dn: &str) -> Vec<(String, String)> {
    let mut rdns = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        match c {
            _ if escaped => {
                current.push(c);
                escaped = false;
            }
            '\\' => {
                current.push(c);
                escaped = true;
            }
            ',' => rdns.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    rdns.push(current);
    let mut parts: Vec<(String, String)> = rdns
        .iter()
        .filter_map(|rdn| {
            let (k, v) = rdn.split_once('=')?;
            let key = match k.trim().to_ascii_lowercase().as_str() {
                // organizationIdentifier is often printed by its OID.
                "2.5.4.97" | "oid.2.5.4.97" => "organizationidentifier".to_owned(),
                other => other.to_owned(),
            };
            Some((key, v.trim().to_owned()))
        })
        .collect();
    parts.sort();
    parts
}
