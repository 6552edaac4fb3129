//! The request object (a JWT signed PS256 by the client, FAPI 1 Advanced §5.2.2) and the
//! authorization URL.
//!
//! The request object carries `iss` and `client_id` (the client), `aud` (the ASPSP's issuer),
//! `response_type` `code id_token`, `redirect_uri`, `scope`, `state`, `nonce`, `iat`, `nbf`,
//! `exp` (at most 60 minutes after `nbf`), and `claims` asking, as essential, for
//! `openbanking_intent_id` (the consent id) and an `acr` of SCA or CA in the id_token and
//! userinfo.

use chrono::Duration;
use ob_jose::jws::Object;
use ob_jose::{Instant, Signer};
use serde_json::{json, Value};

use crate::{form, OidcError};

/// The longest a request object may live (FAPI: `exp - nbf` at most 60 minutes).
pub const MAX_LIFETIME: Duration = Duration::minutes(60);
/// How long a request object lives unless set otherwise.
pub const DEFAULT_LIFETIME: Duration = Duration::minutes(10);
/// The `acr` values Open Banking defines: strong customer authentication, or customer
/// authentication (an SCA exemption).
pub const ACR_VALUES: [&str; 2] = ["urn:openbanking:psd2:sca", "urn:openbanking:psd2:ca"];

/// What an authorization asks for: the client, the ASPSP, where to return, the scope, the
/// consent, and the caller's fresh `state` and `nonce`. The same values check the callback
/// ([`crate::id_token::validate_callback`]) and redeem its code
/// ([`crate::token::prepare_authorization_code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthorizationParams<'a> {
    /// The OAuth client (`client_id`, also the request object's `iss`).
    pub client_id: &'a str,
    /// The ASPSP's issuer (the request object's `aud`).
    pub issuer: &'a str,
    /// Where the customer's browser returns.
    pub redirect_uri: &'a str,
    /// The scope, such as `openid accounts`.
    pub scope: &'a str,
    /// The consent id (`openbanking_intent_id`).
    pub intent_id: &'a str,
    /// A fresh, unguessable `state`.
    pub state: &'a str,
    /// A fresh, unguessable `nonce`.
    pub nonce: &'a str,
}

/// A request object, ready to sign.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestObject {
    claims: Object,
    lifetime: Duration,
}

impl RequestObject {
    /// The request object of an authorization, made at `now`.
    pub fn new(params: &AuthorizationParams<'_>, now: Instant) -> Self {
        let AuthorizationParams {
            client_id,
            issuer,
            redirect_uri,
            scope,
            intent_id,
            state,
            nonce,
        } = *params;
        let intent = json!({"value": intent_id, "essential": true});
        let acr = json!({"essential": true, "values": ACR_VALUES});
        let claims = json!({
            "iss": client_id,
            "aud": issuer,
            "client_id": client_id,
            "response_type": "code id_token",
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "iat": now.timestamp(),
            "nbf": now.timestamp(),
            "claims": {
                "userinfo": {"openbanking_intent_id": intent},
                "id_token": {"openbanking_intent_id": intent, "acr": acr}
            }
        });
        let Value::Object(claims) = claims else {
            unreachable!("a JSON object literal")
        };
        RequestObject {
            claims,
            lifetime: DEFAULT_LIFETIME,
        }
    }

    /// Sets the lifetime (`exp - nbf`); more than 60 minutes is refused when signing.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The claims, to read or add to (`max_age`, `jti`, ...).
    pub fn claims_mut(&mut self) -> &mut Object {
        &mut self.claims
    }

    /// The claims.
    pub fn claims(&self) -> &Object {
        &self.claims
    }

    fn text(&self, name: &str) -> &str {
        self.claims
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The signed request object (PS256, `kid` of the signer).
    pub fn sign(&self, signer: &impl Signer) -> Result<String, OidcError> {
        if self.lifetime > MAX_LIFETIME || self.lifetime <= Duration::zero() {
            return Err(OidcError::Misuse {
                reason: format!(
                    "request object lifetime of {} s: expected more than 0 and at most 3600",
                    self.lifetime.num_seconds()
                ),
            });
        }
        for name in ["state", "nonce", "redirect_uri", "client_id", "aud"] {
            if self.text(name).is_empty() {
                return Err(OidcError::Misuse {
                    reason: format!("request object without {name}"),
                });
            }
        }
        let mut claims = self.claims.clone();
        let nbf = claims
            .get("nbf")
            .and_then(Value::as_i64)
            .ok_or_else(|| OidcError::Misuse {
                reason: "request object without an integer nbf".into(),
            })?;
        claims.insert(
            "exp".into(),
            Value::from(nbf.saturating_add(self.lifetime.num_seconds())),
        );
        ob_jose::jws::sign_json(signer, &Object::new(), &claims).map_err(|e| OidcError::Misuse {
            reason: e.to_string(),
        })
    }

    /// The URL to send the customer to: `authorization_endpoint` with `response_type`,
    /// `client_id`, `redirect_uri`, `scope`, `state`, `nonce` (repeated outside the request
    /// object, as OpenID Connect requires) and `request` (the signed object).
    pub fn authorization_url(
        &self,
        authorization_endpoint: &str,
        signer: &impl Signer,
    ) -> Result<String, OidcError> {
        let endpoint: http::Uri =
            authorization_endpoint
                .parse()
                .map_err(|e| OidcError::Misuse {
                    reason: format!("authorization endpoint {authorization_endpoint:?}: {e}"),
                })?;
        if endpoint.scheme_str() != Some("https") {
            return Err(OidcError::Misuse {
                reason: format!(
                    "authorization endpoint {authorization_endpoint:?}: expected https"
                ),
            });
        }
        let jwt = self.sign(signer)?;
        let query = form::encode_pairs(&[
            ("response_type", "code id_token"),
            ("client_id", self.text("client_id")),
            ("redirect_uri", self.text("redirect_uri")),
            ("scope", self.text("scope")),
            ("state", self.text("state")),
            ("nonce", self.text("nonce")),
            ("request", &jwt),
        ]);
        let sep = if authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(format!("{authorization_endpoint}{sep}{query}"))
    }
}
