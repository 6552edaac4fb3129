//! Who is calling, and what a call needs besides its body: the client-credentials token and
//! the consent token a request bears (one lookup each), the certificate they are bound to
//! (`tls_client_certificate_bound_access_tokens`), the request's `x-jws-signature`, the
//! idempotency of POSTs (`x-idempotency-key`), and the bank's signature on responses. Every API
//! module asks here; none asks another API module.

use ::http::{HeaderValue, Method, Request, Response, StatusCode};
use ob_consent::idempotency::Decision;
use ob_consent::tokens::ConsentKind;
use ob_consent::ConsentError;
use ob_errors::{ApiError, ErrorCode, Prefix};
use ob_jose::detached::{DetachedSigner, DetachedVerifier, HEADER as JWS_HEADER};
use serde_json::Value;

use super::http;
use super::oauth::AppToken;
use super::{Ctx, Instant, Sandbox};

/// Which tokens an endpoint takes.
#[derive(Clone, Copy, Debug)]
pub(super) enum TokenUse<'a> {
    /// A client-credentials token with the API's scope.
    ClientCredentials,
    /// A consent's access token (for this consent, when given).
    Consent(Option<&'a str>),
    /// Either.
    Either,
}

/// What an endpoint asks of the caller: the token it takes, the consent kind and scope that
/// token must be for, and whether the request body must carry the client's `x-jws-signature`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Caller<'a> {
    pub(super) token: TokenUse<'a>,
    pub(super) kind: ConsentKind,
    pub(super) scope: &'static str,
    pub(super) signed: bool,
}

impl Sandbox {
    /// The unexpired client-credentials token `token`, if it is one: the one lookup of
    /// client-credentials tokens.
    fn live_app_token(&self, token: &str, ctx: &Ctx) -> Option<&AppToken> {
        self.oauth
            .app_tokens
            .get(token)
            .filter(|t| ctx.now < t.expires)
    }

    /// The unexpired client-credentials token the request bears, presented with its client's
    /// certificate; an empty 401 otherwise.
    pub(super) fn app_token(
        &self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<&AppToken, ApiError> {
        let token = http::bearer(req).ok_or_else(ApiError::unauthorized_empty)?;
        let app = self
            .live_app_token(token, ctx)
            .ok_or_else(ApiError::unauthorized_empty)?;
        self.check_holder(&app.client_id, ctx)?;
        Ok(app)
    }

    /// The client of the request's client-credentials token, presented with its certificate
    /// (else an empty 401), whose scope must include `scope` (else a 403): the certificate
    /// first, so that a token shown without it says nothing about itself.
    pub(super) fn app_client(
        &self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        scope: &str,
    ) -> Result<String, ApiError> {
        let app = self.app_token(req, ctx)?;
        if !app.scopes.iter().any(|s| s == scope) {
            return Err(http::forbidden(&format!(
                "the token's scope does not include {scope}"
            )));
        }
        Ok(app.client_id.clone())
    }

    /// Checks that the request comes with the certificate of `client_id` (tokens are bound to
    /// the client's certificate: `tls_client_certificate_bound_access_tokens`).
    pub(crate) fn check_holder(
        &self,
        client_id: &str,
        ctx: &Ctx,
    ) -> Result<(), ob_errors::ApiError> {
        // A client of the other interface is as unknown here as one never registered.
        let registered = self
            .clients
            .get(client_id)
            .filter(|c| c.region == ctx.region)
            .map(|c| c.subject_dn.as_str());
        match (ctx.client_certificate_dn.as_deref(), registered) {
            (Some(dn), Some(reg)) if ob_dcr::server::same_subject(dn, reg) => Ok(()),
            _ => Err(ob_errors::ApiError::unauthorized_empty()),
        }
    }

    /// The client behind a token, which must be of the kind `caller` names and presented with
    /// the client's certificate; for a POST that `caller` says is signed, the request's
    /// `x-jws-signature` is checked against the client's keys.
    pub(super) fn caller_client(
        &self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        caller: Caller<'_>,
    ) -> Result<String, ApiError> {
        let token = http::bearer(req).ok_or_else(ApiError::unauthorized_empty)?;
        let app = self.live_app_token(token, ctx).is_some();
        let client_id = match (app, caller.token) {
            (true, TokenUse::ClientCredentials | TokenUse::Either) => {
                self.app_client(req, ctx, caller.scope)?
            }
            (true, TokenUse::Consent(_)) => {
                return Err(http::forbidden(
                    "expected the consent's access token, found a client-credentials token",
                ))
            }
            (false, TokenUse::ClientCredentials) => return Err(ApiError::unauthorized_empty()),
            (false, use_) => {
                let grant = self
                    .tokens
                    .authenticate(token, ctx.now)
                    .map_err(|e| e.to_api_error())?;
                if grant.kind != caller.kind {
                    return Err(http::forbidden("the token is for another kind of consent"));
                }
                if let TokenUse::Consent(Some(id)) = use_ {
                    if grant.consent_id != id {
                        return Err(http::forbidden("the token is for another consent"));
                    }
                }
                let client_id = grant.client_id.clone();
                self.check_holder(&client_id, ctx)?;
                client_id
            }
        };
        if caller.signed && req.method() == Method::POST {
            self.verify_request_signature(&client_id, req, ctx)?;
        }
        Ok(client_id)
    }

    /// Checks the request's `x-jws-signature`: by the client's software, whose key the
    /// directory published, over the exact body.
    pub(super) fn verify_request_signature(
        &self,
        client_id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<(), ApiError> {
        let client = self
            .clients
            .get(client_id)
            .ok_or_else(ApiError::unauthorized_empty)?;
        let jwks = self
            .software
            .get(&client.software_id)
            .map(|s| s.jwks.clone())
            .unwrap_or_default();
        let header = req.headers().get(JWS_HEADER).and_then(|v| v.to_str().ok());
        DetachedVerifier::new(format!("{}/{}", client.org_id, client.software_id))
            .verify(header, req.body(), &jwks, ctx.wall)
            .map_err(|e| e.to_api_error())?;
        Ok(())
    }

    /// The consent a consent token is for, which must be `expected` (the order's `ConsentId`).
    pub(super) fn check_token_consent(
        &self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        expected: &str,
    ) -> Result<(), ApiError> {
        let token = http::bearer(req).unwrap_or_default();
        let grant = self
            .tokens
            .authenticate(token, ctx.now)
            .map_err(|e| e.to_api_error())?;
        if grant.consent_id != expected {
            return Err(ConsentError::ConsentMismatch {
                path: "Data.ConsentId".into(),
                reason: "the token belongs to another consent".into(),
            }
            .to_api_error());
        }
        Ok(())
    }

    /// Runs a POST under `x-idempotency-key`: a first use is handled and its answer kept; the
    /// same key and body within 24 hours gets the same answer; another body is refused.
    pub(super) fn idempotent(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        caller: Caller<'_>,
        f: impl FnOnce(&mut Sandbox, &str) -> Result<Response<Vec<u8>>, ApiError>,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, caller)?;
        let key = req
            .headers()
            .get("x-idempotency-key")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                http::obie(
                    Prefix::BadRequest,
                    "missing_header",
                    "The request is invalid",
                    ErrorCode::HeaderMissing,
                    "x-idempotency-key is required",
                )
                .at_path("x-idempotency-key")
            })?
            .to_owned();
        self.answers.purge(ctx.now);
        match self
            .answers
            .begin(&client, &key, req.body(), ctx.now)
            .map_err(|e| e.to_api_error())?
        {
            Decision::Replay((status, body)) => {
                let mut r = http::json(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                    &Value::Null,
                );
                *r.body_mut() = body;
                Ok(r)
            }
            Decision::InFlight => Err(http::obie(
                Prefix::Timeout,
                "in_flight",
                "Request in progress",
                ErrorCode::UnexpectedError,
                "the same request is being handled; retry later",
            )),
            Decision::New => match f(self, &client) {
                Ok(resp) => {
                    self.answers.complete(
                        &client,
                        &key,
                        (resp.status().as_u16(), resp.body().clone()),
                    );
                    Ok(resp)
                }
                Err(e) => {
                    self.answers.abandon(&client, &key);
                    Err(e)
                }
            },
        }
    }
}

/// A response's `x-jws-signature` still to make: the bank's detached signature over its body
/// (see [`Sandbox::handle_deferring_signature`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureDue {
    /// The signature's `iss`: the bank's organisation id.
    iss: String,
    /// Its `iat` (real time: the TPP's clock checks it).
    at: Instant,
}

impl SignatureDue {
    /// A signature by the bank (`iss`, its organisation id) stamped `at`.
    pub(crate) fn new(iss: String, at: Instant) -> Self {
        SignatureDue { iss, at }
    }

    /// Signs `resp`'s body with `bank` (the bank's key, [`Keys::bank`](super::Keys)) into its
    /// `x-jws-signature` header. A signature that cannot be made leaves the header out.
    pub fn sign(self, bank: &ob_jose::SigningKey, resp: &mut Response<Vec<u8>>) {
        let body = std::mem::take(resp.body_mut());
        self.sign_body(bank, &body, resp.headers_mut());
        *resp.body_mut() = body;
    }

    /// Signs `body` with `bank` into `headers`' `x-jws-signature` (for a response whose body
    /// is held some other way than a `Vec`).
    pub fn sign_body(
        self,
        bank: &ob_jose::SigningKey,
        body: &[u8],
        headers: &mut ::http::HeaderMap,
    ) {
        let signer = DetachedSigner::new(bank, self.iss);
        if let Ok(sig) = signer.sign(body, self.at) {
            if let Ok(v) = HeaderValue::from_str(&sig) {
                headers.insert(JWS_HEADER, v);
            }
        }
    }
}
