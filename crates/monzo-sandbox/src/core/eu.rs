//! Registration on Monzo's EU PSD2 interface ([`Region::Eu`]): self-asserted software
//! statements whose keys live at the TPP's `org_jwks_endpoint`.
//!
//! Monzo's docs ("EU PSD2 API", Dynamic Client Registration): "TPPs not registered with the
//! Open Banking directory must use a self-signed (or not signed) SSA. This is where the alg
//! claim is set to none"; the statement names `org_jwks_endpoint`, where the TPP publishes the
//! keys its registration request (and later its request objects) are signed with.
//!
//! The core never opens a socket, so the keys reach it with the request: the server fetches
//! the statement's JWKS before handing the request to the core ([`eu_keys_to_fetch`] says
//! which URL) and attaches what it got, keys or the reason it got none, in the internal
//! [`FETCHED_KEYS_HEADER`] (a header of that name from a client is dropped first). The header
//! is logged with the request, so replay registers the same keys without the network. Tests
//! that drive the core directly attach the header themselves.

use ::http::Request;
use ob_dcr::server::{begin_registration, PendingRegistration, Profile, ValidatorConfig};
use ob_errors::ApiError;
use ob_jose::{Instant, Jwks};
use serde::{Deserialize, Serialize};

use super::{Config, Region};

/// The internal request header that carries the keys the server fetched for an EU
/// registration request: a JSON [`FetchedKeys`]. Never accepted from a client.
pub const FETCHED_KEYS_HEADER: &str = "x-monzo-sandbox-fetched-jwks";

/// What the server got from a software statement's JWKS endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FetchedKeys {
    /// The URL fetched (the statement's `org_jwks_endpoint`).
    pub uri: String,
    /// The keys, when the fetch worked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<Jwks>,
    /// Why there are no keys, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl FetchedKeys {
    /// The keys published at `uri`.
    pub fn found(uri: impl Into<String>, jwks: Jwks) -> Self {
        FetchedKeys {
            uri: uri.into(),
            jwks: Some(jwks),
            error: None,
        }
    }

    /// No keys at `uri`, for `reason` (printable ASCII and spaces kept, the rest replaced by
    /// `?`, at most 300 characters).
    pub fn failed(uri: impl Into<String>, reason: &str) -> Self {
        let reason = reason
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else {
                    '?'
                }
            })
            .take(300)
            .collect();
        FetchedKeys {
            uri: uri.into(),
            jwks: None,
            error: Some(reason),
        }
    }

    /// The header value: compact JSON, visible ASCII only (keys are base64url; any other text
    /// is escaped).
    pub fn to_header_value(&self) -> Option<::http::HeaderValue> {
        // serde_json escapes control characters; what is left beyond ASCII can only be inside
        // a JSON string, where `\\uXXXX` (UTF-16 units, surrogate pairs beyond U+FFFF) is
        // the same text.
        let text = serde_json::to_string(self).ok()?;
        let mut ascii = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_ascii() {
                ascii.push(c);
            } else {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    ascii.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        ::http::HeaderValue::from_str(&ascii).ok()
    }
}

/// The registration profile checks of the EU interface, with the EU entity as `aud`.
fn validator(config: &Config) -> ValidatorConfig {
    ValidatorConfig::new(config.aspsp_org_id_of(Region::Eu), Profile::MonzoEu)
}

/// For an EU registration request (`POST /open-banking/eu/register` or `PUT
/// /open-banking/eu/register/{ClientId}`) whose software statement passes, the URL of the
/// TPP's keys the server must fetch; `None` for any other request (the core refuses a request
/// whose statement fails without needing keys).
pub fn eu_keys_to_fetch(config: &Config, req: &Request<Vec<u8>>, now: Instant) -> Option<String> {
    let path = req.uri().path().trim_end_matches('/');
    if Region::of_path(path) != Region::Eu {
        return None;
    }
    let rest = path.strip_prefix(Region::Eu.prefix())?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let registration = matches!(
        (req.method(), segments.as_slice()),
        (&::http::Method::POST, ["register"]) | (&::http::Method::PUT, ["register", _])
    );
    if !registration {
        return None;
    }
    let pending = begin_registration(req.body(), &validator(config), None, now).ok()?;
    pending.jwks_uri().map(str::to_owned)
}

/// Step one of an EU registration: the request's self-asserted statement checked, and the
/// TPP's keys the server attached for its `org_jwks_endpoint`.
pub(super) fn begin(
    config: &Config,
    req: &Request<Vec<u8>>,
    now: Instant,
) -> Result<(PendingRegistration, Jwks), ApiError> {
    let pending = begin_registration(req.body(), &validator(config), None, now)
        .map_err(|e| e.to_api_error())?;
    // OBIE DCR 3.2's error for a statement the ASPSP cannot use.
    let refused = |reason: String| {
        ApiError::oauth(
            "invalid_software_statement",
            format!("invalid software statement: {reason}"),
        )
    };
    let uri = pending
        .jwks_uri()
        .ok_or_else(|| refused("the software statement has no org_jwks_endpoint".into()))?
        .to_owned();
    let fetched: Option<FetchedKeys> = req
        .headers()
        .get(FETCHED_KEYS_HEADER)
        .and_then(|v| serde_json::from_slice(v.as_bytes()).ok());
    let jwks = match fetched {
        Some(f) if f.uri == uri => match (f.jwks, f.error) {
            (Some(jwks), _) => jwks,
            (None, reason) => {
                return Err(refused(format!(
                    "the keys at org_jwks_endpoint {uri} could not be fetched: {}",
                    reason.unwrap_or_else(|| "no keys".into())
                )))
            }
        },
        _ => {
            return Err(refused(format!(
                "the keys at org_jwks_endpoint {uri} were not fetched"
            )))
        }
    };
    let (keys, _) = jwks.verifying_keys();
    if keys.is_empty() {
        return Err(refused(format!(
            "the JWKS at org_jwks_endpoint {uri} has no PS256 signing key with a kid"
        )));
    }
    Ok((pending, jwks))
}
