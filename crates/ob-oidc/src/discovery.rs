//! OpenID Provider discovery (OpenID Connect Discovery 1.0): the request, and the document,
//! whose `issuer` must be exactly the issuer it was fetched for (§4.3) — a document that names
//! another issuer could send the client's credentials elsewhere.
//!
//! ```
//! use ob_oidc::discovery::{parse_discovery, prepare_discovery};
//!
//! let issuer = "https://api.monzo.example/open-banking";
//! let request = prepare_discovery(issuer)?;
//! assert_eq!(request.uri().path(), "/open-banking/.well-known/openid-configuration");
//! let body = serde_json::json!({
//!     "issuer": issuer,
//!     "authorization_endpoint": "https://verify.monzo.example/authorize",
//!     "token_endpoint": "https://api.monzo.example/oauth2/token",
//!     "jwks_uri": "https://keys.monzo.example/jwks.json",
//! });
//! let response = http::Response::builder().status(200).body(body.to_string().into_bytes()).unwrap();
//! let metadata = parse_discovery(&response, issuer)?;
//! assert_eq!(metadata.token_endpoint, "https://api.monzo.example/oauth2/token");
//! # Ok::<(), ob_oidc::OidcError>(())
//! ```

use http::header::ACCEPT;
use http::{Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::OidcError;

/// The path appended to an issuer to find its document.
pub const WELL_KNOWN_PATH: &str = "/.well-known/openid-configuration";

/// What a client needs from the discovery document; other members are kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer: the value id_tokens carry in `iss`.
    pub issuer: String,
    /// Where the customer is sent.
    pub authorization_endpoint: String,
    /// Where tokens are obtained.
    pub token_endpoint: String,
    /// The ASPSP's signing keys.
    pub jwks_uri: String,
    /// Dynamic client registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    /// Scopes offered.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// Response types offered.
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    /// Client authentication methods at the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// id_token signing algorithms.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Request object signing algorithms.
    #[serde(default)]
    pub request_object_signing_alg_values_supported: Vec<String>,
    /// Other members, kept as they are.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

fn well_known_url(issuer: &str) -> String {
    format!("{}{WELL_KNOWN_PATH}", issuer.trim_end_matches('/'))
}

/// `GET {issuer}/.well-known/openid-configuration`.
pub fn prepare_discovery(issuer: &str) -> Result<Request<Vec<u8>>, OidcError> {
    let url = well_known_url(issuer);
    let uri: http::Uri = url.parse().map_err(|e| OidcError::Misuse {
        reason: format!("issuer {issuer:?}: {e}"),
    })?;
    Request::get(uri)
        .header(ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| OidcError::Misuse {
            reason: e.to_string(),
        })
}

/// Reads the discovery document fetched for `issuer`: 200, JSON, the required endpoints, https
/// endpoints, and `issuer` identical to the one asked for.
pub fn parse_discovery(
    response: &Response<Vec<u8>>,
    issuer: &str,
) -> Result<ProviderMetadata, OidcError> {
    if response.status() != StatusCode::OK {
        return Err(OidcError::Discovery {
            reason: format!("status {}", response.status()),
        });
    }
    let meta: ProviderMetadata =
        serde_json::from_slice(response.body()).map_err(|e| OidcError::Discovery {
            reason: format!("not a discovery document: {e}"),
        })?;
    if meta.issuer != issuer {
        return Err(OidcError::IssuerMismatch {
            expected: issuer.to_owned(),
            found: meta.issuer,
        });
    }
    for (name, url) in [
        ("authorization_endpoint", &meta.authorization_endpoint),
        ("token_endpoint", &meta.token_endpoint),
        ("jwks_uri", &meta.jwks_uri),
    ] {
        let ok = url
            .parse::<http::Uri>()
            .is_ok_and(|u| u.scheme_str() == Some("https") && u.host().is_some());
        if !ok {
            return Err(OidcError::Discovery {
                reason: format!("{name} {url:?} is not an https URL"),
            });
        }
    }
    Ok(meta)
}
