//! The token endpoint under `tls_client_auth`: the client proves itself with its transport
//! certificate and names itself with `client_id` in the form body; no secret is sent.
//!
//! Responses are read leniently where Monzo differs from the letter of RFC 6749: `token_type`
//! in any case, `scope` missing, empty or listing more than asked, no `id_token` on refresh.
//! Errors come back as the typed [`ob_errors::ApiError`]: RFC 6749's `{"error": "invalid_grant"}`
//! (a refused refresh carries Monzo's code, such as `bad_request.refresh_token.evicted`, at the
//! head of its `error_description`) or, leniently, Monzo's own `{"code": ...}` shape.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ob_oidc::token::{parse_token_response, prepare_client_credentials};
//!
//! let now = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
//! let request = prepare_client_credentials("https://api.monzo.example/oauth2/token", "client-1", "accounts")?;
//! assert_eq!(request.body(), b"grant_type=client_credentials&scope=accounts&client_id=client-1");
//! // ... send it with the client certificate; then:
//! let answer = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"access_token":"at","token_type":"bearer","expires_in":108000}"#.to_vec())
//!     .unwrap();
//! let tokens = parse_token_response(&answer, now)?;
//! assert_eq!(tokens.expires_at, Some(now + chrono::Duration::hours(30)));
//! # Ok::<(), ob_oidc::OidcError>(())
//! ```

use chrono::Duration;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{Request, Response, StatusCode};
use ob_jose::Instant;
use serde::Deserialize;

use crate::{form, AccessToken, AuthorizationCode, OidcError, RefreshToken};

fn post(token_endpoint: &str, pairs: &[(&str, &str)]) -> Result<Request<Vec<u8>>, OidcError> {
    let uri: http::Uri = token_endpoint.parse().map_err(|e| OidcError::Misuse {
        reason: format!("token endpoint {token_endpoint:?}: {e}"),
    })?;
    if uri.scheme_str() != Some("https") {
        return Err(OidcError::Misuse {
            reason: format!("token endpoint {token_endpoint:?}: expected https"),
        });
    }
    for (k, v) in pairs {
        if v.is_empty() {
            return Err(OidcError::Misuse {
                reason: format!("token request with an empty {k}"),
            });
        }
    }
    Request::post(uri)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .body(form::encode_pairs(pairs).into_bytes())
        .map_err(|e| OidcError::Misuse {
            reason: e.to_string(),
        })
}

/// `grant_type=client_credentials` with `scope` (for example `accounts` or `payments`): the
/// token that creates consents.
pub fn prepare_client_credentials(
    token_endpoint: &str,
    client_id: &str,
    scope: &str,
) -> Result<Request<Vec<u8>>, OidcError> {
    post(
        token_endpoint,
        &[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            ("client_id", client_id),
        ],
    )
}

/// `grant_type=authorization_code`: exchanges the code from the callback of the authorization
/// `params` describe (its client and redirect URI go with the code).
pub fn prepare_authorization_code(
    token_endpoint: &str,
    params: &crate::authorize::AuthorizationParams<'_>,
    code: &AuthorizationCode,
) -> Result<Request<Vec<u8>>, OidcError> {
    post(
        token_endpoint,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", params.redirect_uri),
            ("client_id", params.client_id),
        ],
    )
}

/// `grant_type=refresh_token`. Monzo's refresh tokens are single use: keep the new one from
/// the response, and never send two refreshes with the same token at once.
pub fn prepare_refresh(
    token_endpoint: &str,
    client_id: &str,
    refresh_token: &RefreshToken,
) -> Result<Request<Vec<u8>>, OidcError> {
    post(
        token_endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", client_id),
        ],
    )
}

/// A token response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// When it expires, from `expires_in` and the `now` of the response (`None` if not given).
    pub expires_at: Option<Instant>,
    /// The refresh token, if one was issued (a new one on every refresh at Monzo).
    pub refresh_token: Option<RefreshToken>,
    /// The scopes granted, as listed (possibly empty).
    pub scope: Vec<String>,
    /// The id_token, if any (validate it with [`crate::id_token::validate`]).
    pub id_token: Option<String>,
}

#[derive(Deserialize)]
struct Raw {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    scope: Option<String>,
    id_token: Option<String>,
}

/// Reads a token response received at `now`: 200 with a bearer token, or the error.
pub fn parse_token_response(
    response: &Response<Vec<u8>>,
    now: Instant,
) -> Result<TokenResponse, OidcError> {
    if response.status() != StatusCode::OK {
        return Err(match ob_errors::parse_response(response) {
            Ok(e) => OidcError::TokenEndpoint(Box::new(e)),
            Err(e) => OidcError::InvalidTokenResponse {
                reason: format!("status {} with an unreadable body: {e}", response.status()),
            },
        });
    }
    let bad = |reason: String| OidcError::InvalidTokenResponse { reason };
    let raw: Raw = serde_json::from_slice(response.body())
        .map_err(|e| bad(format!("not a token response: {e}")))?;
    let access_token = raw
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no access_token".into()))?;
    match raw.token_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        other => return Err(bad(format!("token_type: expected Bearer, found {other:?}"))),
    }
    let expires_in = match &raw.expires_in {
        None => None,
        Some(v) => {
            let secs = match v {
                serde_json::Value::Number(n) => n.as_i64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                        .map(|f| f as i64)
                }),
                serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            Some(secs.ok_or_else(|| bad(format!("expires_in: expected whole seconds, found {v}")))?)
        }
    };
    if let Some(secs) = expires_in {
        if secs <= 0 {
            return Err(bad(format!(
                "expires_in: expected seconds above zero, found {secs}"
            )));
        }
    }
    Ok(TokenResponse {
        access_token: AccessToken::new(access_token),
        expires_at: expires_in
            .and_then(|s| Duration::try_seconds(s).and_then(|d| now.checked_add_signed(d))),
        refresh_token: raw
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(RefreshToken::new),
        scope: raw
            .scope
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        id_token: raw.id_token.filter(|t| !t.is_empty()),
    })
}
