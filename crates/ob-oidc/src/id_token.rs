//! id_tokens: validation by the client, and issuing by the ASPSP (the emulator).
//!
//! A valid id_token here is signed PS256 by a key of the issuer's JWKS, has `iss` equal to the
//! issuer, the client in `aud` and no audience the client does not trust (OpenID Connect
//! §3.1.3.7: "The ID Token MUST be rejected if ... it contains additional audiences not trusted
//! by the Client"; `azp` the client when there are several), `exp` in the future, `iat` neither
//! in the future nor older than [`Expected::max_iat_age`] (§3.1.3.7: "The iat Claim can be used
//! to reject tokens that were issued too far away from the current time"), both in seconds (a
//! value that can only be milliseconds is refused), `sub`, the `nonce` sent, and, when given,
//! `c_hash` and `s_hash` matching the code and state (the left half of their SHA-256,
//! base64url: OpenID Connect §3.3.2.11 and FAPI 1 Advanced §5.2.2.1), and
//! `openbanking_intent_id` equal to the consent id.

use aws_lc_rs::digest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use ob_jose::jws::{self, Object};
use ob_jose::jwt::{check_times, TimeRules};
use ob_jose::{Instant, JoseError, Jwks, Signer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::OidcError;

/// `c_hash` / `s_hash` of a value: base64url of the left half of its SHA-256.
pub fn half_hash(value: &str) -> String {
    let d = digest::digest(&digest::SHA256, value.as_bytes());
    URL_SAFE_NO_PAD.encode(&d.as_ref()[..16])
}

/// The claims of a validated id_token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject (the customer, or the consent, as the ASPSP chooses).
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// The nonce of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The authentication context (`urn:openbanking:psd2:sca` or `...:ca`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// The consent id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openbanking_intent_id: Option<String>,
    /// Every claim, as received.
    #[serde(skip)]
    pub all: Object,
}

/// How old an id_token's `iat` may be by default: a front-channel id_token is used within
/// seconds of being issued, and a token-endpoint one at once.
pub const DEFAULT_MAX_IAT_AGE: Duration = Duration::minutes(10);

/// Times above this many seconds since the epoch (the year 5138) are taken for milliseconds.
const MILLISECONDS_FROM: i64 = 100_000_000_000;

/// What the id_token must say. [`Expected::new`] gives the defaults; the fields are public to
/// set the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected<'a> {
    /// The ASPSP's issuer (from discovery).
    pub issuer: &'a str,
    /// This client.
    pub client_id: &'a str,
    /// The nonce sent in the request object (required for tokens from the authorization
    /// endpoint; token-endpoint id_tokens may leave it out).
    pub nonce: Option<&'a str>,
    /// The code it came with, to check `c_hash` (front-channel id_tokens).
    pub code: Option<&'a str>,
    /// The state it came with, to check `s_hash` (front-channel id_tokens).
    pub state: Option<&'a str>,
    /// The consent id, to check `openbanking_intent_id`.
    pub intent_id: Option<&'a str>,
    /// The time to judge at.
    pub now: Instant,
    /// How long ago `iat` may be ([`DEFAULT_MAX_IAT_AGE`] by default).
    pub max_iat_age: Duration,
    /// Audiences besides the client that the client trusts (none by default): any other
    /// audience makes the token invalid.
    pub trusted_audiences: &'a [&'a str],
}

impl<'a> Expected<'a> {
    /// An id_token for `client_id` from `issuer`, judged at `now`: no nonce, code, state or
    /// consent to check, `iat` at most [`DEFAULT_MAX_IAT_AGE`] old, no other audience.
    pub fn new(issuer: &'a str, client_id: &'a str, now: Instant) -> Self {
        Expected {
            issuer,
            client_id,
            nonce: None,
            code: None,
            state: None,
            intent_id: None,
            now,
            max_iat_age: DEFAULT_MAX_IAT_AGE,
            trusted_audiences: &[],
        }
    }
}

/// Validates the id_token of a callback: everything [`validate`] checks, with the nonce, the
/// consent id, the callback's code (`c_hash`) and state (`s_hash`) all required, and `acr`, if
/// present, one of the values the request object asked for.
///
/// `params` are those of the authorization the callback answers (its issuer, client, nonce and
/// consent id are what the id_token must carry).
pub fn validate_callback(
    callback: &crate::callback::Callback,
    issuer_keys: &Jwks,
    params: &crate::authorize::AuthorizationParams<'_>,
    now: Instant,
) -> Result<IdTokenClaims, OidcError> {
    let claims = validate(
        &callback.id_token,
        issuer_keys,
        &Expected {
            nonce: Some(params.nonce),
            code: Some(callback.code.expose()),
            state: Some(&callback.state),
            intent_id: Some(params.intent_id),
            ..Expected::new(params.issuer, params.client_id, now)
        },
    )?;
    if let Some(acr) = &claims.acr {
        if !crate::authorize::ACR_VALUES.contains(&acr.as_str()) {
            return Err(OidcError::id_token(
                "acr",
                format!(
                    "expected one of {:?}, found {acr:?}",
                    crate::authorize::ACR_VALUES
                ),
            ));
        }
    }
    Ok(claims)
}

fn text<'a>(claims: &'a Object, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn expect_text(claims: &Object, name: &str, want: &str) -> Result<(), OidcError> {
    match text(claims, name) {
        Some(v) if v == want => Ok(()),
        Some(v) => Err(OidcError::id_token(
            name,
            format!("expected {want:?}, found {v:?}"),
        )),
        None => Err(OidcError::id_token(
            name,
            format!("missing, expected {want:?}"),
        )),
    }
}

/// Validates an id_token against the issuer's keys and what it must say.
pub fn validate(
    token: &str,
    issuer_keys: &Jwks,
    expected: &Expected<'_>,
) -> Result<IdTokenClaims, OidcError> {
    let jose = |e: JoseError| OidcError::InvalidIdToken {
        claim: "signature".into(),
        reason: e.to_string(),
        cause: Some(e),
    };
    let verified = jws::verify(token, issuer_keys).map_err(jose)?;
    let claims = verified.claims().map_err(jose)?;
    expect_text(&claims, "iss", expected.issuer)?;
    let aud: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    OidcError::id_token("aud", format!("expected strings, found {v}"))
                })
            })
            .collect::<Result<_, _>>()?,
        _ => vec![],
    };
    if !aud.contains(&expected.client_id) {
        return Err(OidcError::id_token(
            "aud",
            format!("expected {:?} among {aud:?}", expected.client_id),
        ));
    }
    if let Some(other) = aud
        .iter()
        .find(|a| **a != expected.client_id && !expected.trusted_audiences.contains(a))
    {
        return Err(OidcError::id_token(
            "aud",
            format!("{other:?} is an audience this client does not trust"),
        ));
    }
    if aud.len() > 1 {
        expect_text(&claims, "azp", expected.client_id)?;
    }
    for name in ["exp", "iat", "auth_time"] {
        if let Some(n) = claims.get(name).and_then(Value::as_f64) {
            if n >= MILLISECONDS_FROM as f64 {
                return Err(OidcError::id_token(
                    name,
                    format!("expected seconds since the epoch, found {n} (milliseconds?)"),
                ));
            }
        }
    }
    let rules = TimeRules {
        require_iat: true,
        ..TimeRules::at(expected.now)
    };
    check_times(&claims, &rules).map_err(|e| match e {
        JoseError::InvalidClaim { name, reason } => OidcError::id_token(&name, reason),
        JoseError::MissingClaim { name } => OidcError::id_token(&name, "missing"),
        other => jose(other),
    })?;
    // The same reading of `iat` as `check_times` (a number of seconds, fractions allowed).
    if let Ok(Some(iat)) = ob_jose::jwt::numeric_date(&claims, "iat") {
        let oldest = expected
            .now
            .timestamp()
            .saturating_sub(expected.max_iat_age.num_seconds())
            .saturating_sub(rules.leeway.num_seconds());
        if iat < oldest {
            return Err(OidcError::id_token(
                "iat",
                format!(
                    "issued at {iat}, more than {} s before now ({})",
                    expected.max_iat_age.num_seconds(),
                    expected.now.timestamp()
                ),
            ));
        }
    }
    if text(&claims, "sub").is_none_or(str::is_empty) {
        return Err(OidcError::id_token("sub", "missing"));
    }
    if let Some(nonce) = expected.nonce {
        expect_text(&claims, "nonce", nonce)?;
    }
    if let Some(code) = expected.code {
        expect_text(&claims, "c_hash", &half_hash(code))?;
    }
    if let Some(state) = expected.state {
        expect_text(&claims, "s_hash", &half_hash(state))?;
    }
    if let Some(intent) = expected.intent_id {
        expect_text(&claims, "openbanking_intent_id", intent)?;
    }
    let mut parsed: IdTokenClaims = serde_json::from_value(Value::Object(claims.clone()))
        .map_err(|e| OidcError::id_token("claims", e.to_string()))?;
    parsed.all = claims;
    Ok(parsed)
}

/// An id_token to issue (the ASPSP's side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewIdToken<'a> {
    /// The issuer.
    pub issuer: &'a str,
    /// The client (`aud`).
    pub client_id: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// The nonce of the request object.
    pub nonce: Option<&'a str>,
    /// The code issued with it (adds `c_hash`).
    pub code: Option<&'a str>,
    /// The state of the request (adds `s_hash`).
    pub state: Option<&'a str>,
    /// The consent id (`openbanking_intent_id`).
    pub intent_id: Option<&'a str>,
    /// The authentication context, if any.
    pub acr: Option<&'a str>,
    /// When the customer authenticated (`auth_time`), if known.
    pub auth_time: Option<Instant>,
    /// When it is issued.
    pub now: Instant,
    /// How long it lives.
    pub lifetime: Duration,
}

/// Signs an id_token with the ASPSP's key.
pub fn issue(signer: &impl Signer, new: &NewIdToken<'_>) -> Result<String, OidcError> {
    let mut claims = Object::new();
    claims.insert("iss".into(), new.issuer.into());
    claims.insert("sub".into(), new.subject.into());
    claims.insert("aud".into(), new.client_id.into());
    claims.insert("iat".into(), new.now.timestamp().into());
    claims.insert(
        "exp".into(),
        new.now
            .timestamp()
            .saturating_add(new.lifetime.num_seconds())
            .into(),
    );
    if let Some(n) = new.nonce {
        claims.insert("nonce".into(), n.into());
    }
    if let Some(c) = new.code {
        claims.insert("c_hash".into(), half_hash(c).into());
    }
    if let Some(s) = new.state {
        claims.insert("s_hash".into(), half_hash(s).into());
    }
    if let Some(i) = new.intent_id {
        claims.insert("openbanking_intent_id".into(), i.into());
    }
    if let Some(a) = new.acr {
        claims.insert("acr".into(), a.into());
    }
    if let Some(t) = new.auth_time {
        claims.insert("auth_time".into(), t.timestamp().into());
    }
    jws::sign_json(signer, &Object::new(), &claims).map_err(|e| OidcError::Misuse {
        reason: e.to_string(),
    })
}
