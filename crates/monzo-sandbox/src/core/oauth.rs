//! Discovery, the sandbox directory, registration, the token endpoint and the authorization
//! endpoint.

use std::collections::HashMap;

use ::http::{Request, Response, StatusCode};
use chrono::Duration;
use ob_consent::tokens::{Grant, NewTokens};
use ob_dcr::server::{begin_registration, same_subject, Profile, ValidatorConfig};
use ob_dcr::ssa::SsaClaims;
use ob_errors::{ApiError, ErrorCode, Prefix};
use ob_jose::jws::{self, Object};
use ob_jose::jwt::{check_times, TimeRules};
use ob_jose::{Instant, Jwks};
use ob_oidc::id_token::NewIdToken;
use serde_json::{json, Value};

use super::http::{self, param};
use super::{Client, Ctx, Region, Sandbox, Software};

/// How long an authorization code lives.
const CODE_LIFETIME: Duration = Duration::minutes(10);
/// How long a client-credentials token lives (Monzo gives 30-hour access tokens).
const APP_TOKEN_LIFETIME: Duration = Duration::hours(30);

/// A registration request that passed every check, not yet kept.
struct CheckedRegistration {
    /// The registration to answer with and keep, its `client_id` still to set.
    registration: ob_model::registration::OBClientRegistration1,
    software_id: String,
    org_id: String,
    dn: String,
    region: Region,
    /// The software's keys (the directory's copy, or what the EU statement's endpoint gave).
    jwks: Jwks,
}

/// A code issued by the authorization endpoint.
#[derive(Clone, Debug)]
pub(crate) struct CodeGrant {
    consent_id: String,
    client_id: String,
    redirect_uri: String,
    nonce: String,
    user_id: String,
    /// When the customer authenticated, in real time (the id_tokens' `auth_time`, which the
    /// TPP checks against its own clock).
    authenticated: Instant,
    expires: Instant,
}

/// A client-credentials token.
#[derive(Clone, Debug)]
pub(crate) struct AppToken {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires: Instant,
}

/// An authorization waiting for the customer's decision on the approval page.
#[derive(Clone, Debug)]
pub(crate) struct PendingAuthorization {
    pub(crate) consent_id: String,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) state: String,
    pub(crate) nonce: String,
}

/// The OAuth side of the state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) codes: HashMap<String, CodeGrant>,
    pub(crate) app_tokens: HashMap<String, AppToken>,
    pub(crate) pending: HashMap<String, PendingAuthorization>,
}

fn oauth_error(code: &str, description: &str) -> ApiError {
    ApiError::oauth(code, description)
}

/// Where a refused authorization request is answered.
enum Refusal {
    /// An error page: the redirect URI cannot be trusted.
    Page(ApiError),
    /// Back to the client, in the redirect's fragment.
    Redirect(Redirected),
}

/// An OAuth error sent back on the client's redirect URI.
struct Redirected {
    redirect_uri: String,
    error: String,
    description: String,
    state: Option<String>,
}

impl Redirected {
    /// The 302 to `{redirect_uri}#error=...&error_description=...&state=...`.
    fn response(&self) -> Response<Vec<u8>> {
        let mut pairs = vec![
            ("error", self.error.as_str()),
            ("error_description", self.description.as_str()),
        ];
        if let Some(s) = &self.state {
            pairs.push(("state", s));
        }
        let fragment = ob_oidc::form::encode_pairs(&pairs);
        http::redirect(&format!("{}#{fragment}", self.redirect_uri))
    }
}

/// What a refusal needs to go back to the client: the trusted redirect URI (if any yet) and
/// the request's `state`.
struct Back {
    redirect_uri: Option<String>,
    state: Option<String>,
}

impl Back {
    /// An OAuth error, on the redirect when one is trusted, else as a page.
    fn refuse(&self, error: &str, description: &str) -> Refusal {
        match &self.redirect_uri {
            Some(uri) => Refusal::Redirect(Redirected {
                redirect_uri: uri.clone(),
                error: error.to_owned(),
                description: description.to_owned(),
                state: self.state.clone(),
            }),
            None => Refusal::Page(oauth_error(error, description)),
        }
    }
}

impl Sandbox {
    /// The OpenID Provider metadata: every member OIDC Discovery 1.0 §3 marks REQUIRED
    /// (`issuer`, `authorization_endpoint`, `token_endpoint`, `jwks_uri`,
    /// `response_types_supported`, `subject_types_supported`,
    /// `id_token_signing_alg_values_supported`), what FAPI 1 Advanced and the OBIE profile
    /// make a TPP need (request objects by value only, the `claims` parameter for
    /// `openbanking_intent_id`, `tls_client_auth`, certificate-bound tokens), and the `aud`
    /// registration requests must carry (`registration_audience`, an extension member as
    /// Discovery §3 allows: OBIE's DCR says it "should be the unique identifier for the ASPSP
    /// issued by the issuer of the software statement", which a TPP could not otherwise learn).
    ///
    /// The EU interface ([`Region::Eu`]) has its own document: its issuer, its endpoints,
    /// only the `accounts` scope (Monzo: AIS only) and the EU entity's `registration_audience`.
    pub(super) fn discovery(&self, region: Region) -> Response<Vec<u8>> {
        let issuer = self.config.issuer_of(region);
        let scopes: &[&str] = match region {
            Region::Uk => &["openid", "accounts", "payments", "fundsconfirmations"],
            Region::Eu => &["openid", "accounts"],
        };
        http::json(
            StatusCode::OK,
            &json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/authorize"),
                "token_endpoint": format!("{issuer}/token"),
                "jwks_uri": format!("{issuer}/jwks"),
                "registration_endpoint": format!("{issuer}/register"),
                "scopes_supported": scopes,
                "response_types_supported": ["code id_token"],
                "response_modes_supported": ["fragment"],
                "subject_types_supported": ["public"],
                "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
                "token_endpoint_auth_methods_supported": ["tls_client_auth"],
                "id_token_signing_alg_values_supported": ["PS256"],
                "request_object_signing_alg_values_supported": ["PS256"],
                "request_parameter_supported": true,
                "request_uri_parameter_supported": false,
                "require_request_uri_registration": false,
                "claims_parameter_supported": true,
                "tls_client_certificate_bound_access_tokens": true,
                "claims_supported": ["sub", "acr", "auth_time", "openbanking_intent_id"],
                "acr_values_supported": ob_oidc::authorize::ACR_VALUES,
                "registration_audience": self.config.aspsp_org_id_of(region),
            }),
        )
    }

    pub(super) fn jwks(&self) -> Response<Vec<u8>> {
        let set = Jwks {
            keys: vec![self.keys.bank.public_jwk()],
        };
        http::json(
            StatusCode::OK,
            &serde_json::to_value(set).unwrap_or_default(),
        )
    }

    /// The sandbox's directory: signs a statement for the caller's software and keeps its JWKS,
    /// so that registration needs no enrolment and no network.
    ///
    /// Body: `{"software_statement_claims": {...}, "jwks": {"keys": [...]}}`; the claims need
    /// `software_redirect_uris` and `software_roles`; `software_id` and `org_id` are generated
    /// when absent.
    pub(super) fn issue_statement(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let body: Value = http::parse_json(req.body())?;
        let jwks: Jwks = serde_json::from_value(body["jwks"].clone())
            .map_err(|e| http::field_invalid("jwks", &e.to_string()))?;
        let (keys, rejected) = jwks.verifying_keys();
        if keys.is_empty() || !rejected.is_empty() {
            return Err(http::field_invalid(
                "jwks",
                "expected PS256 signing keys, each with a kid",
            ));
        }
        let mut raw = body
            .get("software_statement_claims")
            .cloned()
            .unwrap_or_else(|| json!({}));
        if let Some(obj) = raw.as_object_mut() {
            obj.entry("software_id").or_insert_with(|| json!(""));
        }
        let mut claims: SsaClaims = serde_json::from_value(raw)
            .map_err(|e| http::field_invalid("software_statement_claims", &e.to_string()))?;
        if claims.software_redirect_uris.is_empty() || claims.software_roles.is_empty() {
            return Err(http::field_invalid(
                "software_statement_claims",
                "software_redirect_uris and software_roles are required",
            ));
        }
        if claims.software_id.is_empty() {
            claims.software_id = self.random_text(22);
        }
        // The directory gives a known software a fresh statement only for the same keys and
        // organisation: keys cannot be replaced.
        if let Some(known) = self.software.get(&claims.software_id) {
            let same_keys = known.region == Region::Uk
                && serde_json::to_value(&known.jwks).ok() == serde_json::to_value(&jwks).ok();
            let same_org = claims
                .org_id
                .as_deref()
                .is_none_or(|o| o.is_empty() || o == known.org_id);
            if same_keys && same_org {
                claims.org_id = Some(known.org_id.clone());
            } else {
                return Err(http::obie(
                    Prefix::BadRequest,
                    "resource_exists",
                    "The request is invalid",
                    ErrorCode::RulesResourceAlreadyExists,
                    "a software statement with this software_id exists with other keys or organisation: they cannot be replaced",
                ));
            }
        }
        if claims.org_id.as_deref().is_none_or(str::is_empty) {
            claims.org_id = Some(format!("0015800001{}", self.random_text(8)));
        }
        claims.iss = Some("Monzo Sandbox Directory".into());
        claims.iat = Some(ctx.wall.timestamp());
        claims.org_status.get_or_insert_with(|| "Active".into());
        claims.software_jwks_endpoint = Some(format!(
            "{}/sandbox/software/{}/jwks",
            self.config.issuer(),
            claims.software_id
        ));
        let mut header = Object::new();
        header.insert("typ".into(), "JWT".into());
        let token =
            jws::sign_json(&self.keys.directory, &header, &claims).map_err(|e| e.to_api_error())?;
        let org_id = claims.org_id.clone().unwrap_or_default();
        self.software.insert(
            claims.software_id.clone(),
            Software {
                jwks,
                org_id,
                region: Region::Uk,
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &json!({
                "software_statement": token,
                "software_id": claims.software_id,
                "org_id": claims.org_id,
                // The `aud` of registration requests (also `registration_audience` in discovery).
                "aspsp_org_id": self.config.aspsp_org_id,
            }),
        ))
    }

    /// Checks a registration request sent with the client certificate `dn`: on the UK
    /// interface a JWT signed by the software's key carrying a statement from the sandbox
    /// directory; on the EU one ([`Region::Eu`]) a self-asserted statement, the request signed
    /// by a key from the statement's `org_jwks_endpoint` (fetched by the server, see
    /// [`eu`](super::eu)). Nothing is kept: the caller does, once the whole request passes.
    fn check_registration_request(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<CheckedRegistration, ApiError> {
        let dn = ctx.client_certificate_dn.as_deref().ok_or_else(|| {
            oauth_error(
                "invalid_client_metadata",
                "a client certificate is required (mutual TLS)",
            )
        })?;
        let (pending, jwks) = match ctx.region {
            Region::Uk => {
                let config = ValidatorConfig::new(self.config.aspsp_org_id.clone(), Profile::Uk);
                let directory = Jwks {
                    keys: vec![self.keys.directory.public_jwk()],
                };
                let pending = begin_registration(req.body(), &config, Some(&directory), ctx.wall)
                    .map_err(|e| e.to_api_error())?;
                let software = self
                    .software
                    .get(&pending.statement().claims().software_id)
                    .filter(|s| s.region == Region::Uk)
                    .ok_or_else(|| {
                        oauth_error(
                            "unapproved_software_statement",
                            "software unknown to the sandbox directory",
                        )
                    })?;
                let jwks = software.jwks.clone();
                (pending, jwks)
            }
            Region::Eu => {
                let (pending, jwks) = super::eu::begin(&self.config, req, ctx.wall)?;
                let software_id = &pending.statement().claims().software_id;
                if self
                    .software
                    .get(software_id)
                    .is_some_and(|s| s.region != Region::Eu)
                {
                    return Err(oauth_error(
                        "unapproved_software_statement",
                        "the software_id is a UK software's (from the sandbox directory)",
                    ));
                }
                (pending, jwks)
            }
        };
        let software_id = pending.statement().claims().software_id.clone();
        let org_id = pending
            .statement()
            .claims()
            .org_id
            .clone()
            .unwrap_or_default();
        self.seen_jtis.purge(ctx.wall);
        let registration = pending
            .verify(&jwks, dn, &mut self.seen_jtis, ctx.wall)
            .and_then(|valid| valid.into_registration("", ctx.wall))
            .map_err(|e| e.to_api_error())?;
        Ok(CheckedRegistration {
            registration,
            software_id,
            org_id,
            dn: dn.to_owned(),
            region: ctx.region,
            jwks,
        })
    }

    /// Keeps an accepted registration: the client, and on the EU interface its software's
    /// keys as fetched (the request objects of the client are checked with them).
    fn keep_registration(&mut self, client_id: &str, checked: CheckedRegistration) -> Value {
        let mut registration = checked.registration;
        registration.client_id = Some(client_id.into());
        let body = serde_json::to_value(&registration).unwrap_or_default();
        if checked.region == Region::Eu {
            self.software.insert(
                checked.software_id.clone(),
                Software {
                    jwks: checked.jwks,
                    org_id: checked.org_id.clone(),
                    region: Region::Eu,
                },
            );
        }
        self.clients.insert(
            client_id.to_owned(),
            Client {
                registration,
                software_id: checked.software_id,
                org_id: checked.org_id,
                subject_dn: checked.dn,
                region: checked.region,
            },
        );
        body
    }

    /// `POST /register`.
    pub(super) fn register(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        // Every check passes before the id is drawn: a refusal changes nothing.
        let checked = self.check_registration_request(req, ctx)?;
        let client_id = self.new_id("oauth2client");
        let body = self.keep_registration(&client_id, checked);
        Ok(http::json(StatusCode::CREATED, &body))
    }

    /// The client a registration-management request is for: the bearer token must be a
    /// client-credentials token of `client_id`, presented with its certificate. OBIE DCR 3.2
    /// (GET, PUT and DELETE `/register/{ClientId}`): "If the ClientId is unknown, the ASPSP
    /// responds with an Unauthorized status code and immediately revokes the access token."
    fn registration_owner(
        &mut self,
        client_id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<(), ApiError> {
        let app = self.app_token(req, ctx)?;
        if !self.clients.contains_key(client_id) {
            if let Some(token) = http::bearer(req).map(str::to_owned) {
                self.oauth.app_tokens.remove(&token);
            }
            return Err(ApiError::unauthorized_empty());
        }
        if app.client_id != client_id {
            return Err(ApiError {
                status: StatusCode::FORBIDDEN,
                ..oauth_error("invalid_client", "the token belongs to another client")
            });
        }
        Ok(())
    }

    /// `GET /register/{ClientId}`.
    pub(super) fn read_registration(
        &mut self,
        client_id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        self.registration_owner(client_id, req, ctx)?;
        let reg = &self.clients[client_id].registration;
        Ok(http::json(
            StatusCode::OK,
            &serde_json::to_value(reg).unwrap_or_default(),
        ))
    }

    /// `PUT /register/{ClientId}`: a new registration request for the same software, checked
    /// as `POST /register` checks one; the client keeps its id.
    pub(super) fn update_registration(
        &mut self,
        client_id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        self.registration_owner(client_id, req, ctx)?;
        let checked = self.check_registration_request(req, ctx)?;
        if checked.software_id != self.clients[client_id].software_id {
            return Err(oauth_error(
                "invalid_software_statement",
                "the statement is for another software than the client's",
            ));
        }
        let body = self.keep_registration(client_id, checked);
        Ok(http::json(StatusCode::OK, &body))
    }

    /// `DELETE /register/{ClientId}`: the client and its client-credentials tokens go; its
    /// consent tokens stop working, as they are bound to a client that no longer exists.
    pub(super) fn delete_registration(
        &mut self,
        client_id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        self.registration_owner(client_id, req, ctx)?;
        self.clients.remove(client_id);
        self.oauth
            .app_tokens
            .retain(|_, t| t.client_id != client_id);
        self.forget_events_of(client_id);
        Ok(http::no_content())
    }

    /// The registered client named in a token or authorization request, authenticated by its
    /// certificate (`tls_client_auth`).
    fn authenticate_client(&self, client_id: Option<&str>, ctx: &Ctx) -> Result<&Client, ApiError> {
        let invalid = |d: &str| ApiError {
            status: StatusCode::UNAUTHORIZED,
            ..oauth_error("invalid_client", d)
        };
        let id = client_id.ok_or_else(|| invalid("client_id is required"))?;
        // A client of the other interface is unknown here.
        let client = self
            .clients
            .get(id)
            .filter(|c| c.region == ctx.region)
            .ok_or_else(|| invalid("unknown client"))?;
        match ctx.client_certificate_dn.as_deref() {
            Some(dn) if same_subject(dn, &client.subject_dn) => Ok(client),
            Some(_) => Err(invalid("the client certificate is not the registered one")),
            None => Err(invalid(
                "a client certificate is required (tls_client_auth)",
            )),
        }
    }

    /// `POST /token`. Every answer, tokens or error, carries `Cache-Control: no-store` and
    /// `Pragma: no-cache` (RFC 6749 §5.1: "in any response containing tokens, credentials, or
    /// other sensitive information"): [`Sandbox::handle`] adds them where [`is_token_request`]
    /// says, so that errors too are rendered in the one place.
    pub(super) fn token(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let form = http::form(req)
            .ok_or_else(|| oauth_error("invalid_request", "expected a form body"))?;
        let client_id = self
            .authenticate_client(param(&form, "client_id"), ctx)?
            .registration
            .client_id
            .as_deref()
            .unwrap_or_default()
            .to_owned();
        let body = match param(&form, "grant_type") {
            Some("client_credentials") => {
                self.client_credentials(&client_id, param(&form, "scope"), ctx)
            }
            Some("authorization_code") => self.exchange_code(&client_id, &form, ctx),
            Some("refresh_token") => self.refresh(&client_id, param(&form, "refresh_token"), ctx),
            Some(other) => Err(oauth_error(
                "unsupported_grant_type",
                &format!("grant_type {other:?}"),
            )),
            None => Err(oauth_error("invalid_request", "grant_type is required")),
        }?;
        Ok(http::json(StatusCode::OK, &body))
    }

    fn client_credentials(
        &mut self,
        client_id: &str,
        scope: Option<&str>,
        ctx: &Ctx,
    ) -> Result<Value, ApiError> {
        let registered: Vec<String> = self.clients[client_id]
            .registration
            .scope
            .split(' ')
            .map(str::to_owned)
            .collect();
        let mut scopes: Vec<String> = scope
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty() && *s != "openid")
            .map(str::to_owned)
            .collect();
        if scopes.is_empty() {
            // RFC 6749 §3.3: "If the client omits the scope parameter ... the authorization
            // server MUST either process the request using a pre-defined default value or
            // fail"; the default is the client's registered scope (OBIE DCR 3.2's
            // registration management takes a client-credentials token with "no scopes", and
            // conformance tools ask for one with an empty scope).
            scopes = registered
                .iter()
                .filter(|s| !s.is_empty() && *s != "openid")
                .cloned()
                .collect();
        }
        if let Some(s) = scopes.iter().find(|s| !registered.contains(s)) {
            return Err(oauth_error(
                "invalid_scope",
                &format!("the client is not registered for {s}"),
            ));
        }
        let token = self.new_secret(40);
        self.oauth.app_tokens.insert(
            token.clone(),
            AppToken {
                client_id: client_id.to_owned(),
                scopes: scopes.clone(),
                expires: ctx.now + APP_TOKEN_LIFETIME,
            },
        );
        Ok(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": APP_TOKEN_LIFETIME.num_seconds(),
            "scope": scopes.join(" "),
        }))
    }

    fn new_tokens(&mut self) -> NewTokens {
        NewTokens {
            access_token: self.new_secret(40),
            refresh_token: self.new_secret(48),
        }
    }

    fn exchange_code(
        &mut self,
        client_id: &str,
        form: &[(String, String)],
        ctx: &Ctx,
    ) -> Result<Value, ApiError> {
        let code = param(form, "code")
            .ok_or_else(|| oauth_error("invalid_request", "code is required"))?;
        // A code is used once, whatever happens next.
        let grant = self
            .oauth
            .codes
            .remove(code)
            .ok_or_else(|| oauth_error("invalid_grant", "unknown or used code"))?;
        if grant.client_id != client_id {
            return Err(oauth_error(
                "invalid_grant",
                "the code was issued to another client",
            ));
        }
        if ctx.now >= grant.expires {
            return Err(oauth_error("invalid_grant", "the code has expired"));
        }
        if param(form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
            return Err(oauth_error(
                "invalid_grant",
                "redirect_uri differs from the authorization request's",
            ));
        }
        let kind = self
            .consent_kind(&grant.consent_id)
            .ok_or_else(|| oauth_error("invalid_grant", "the consent no longer exists"))?;
        let scope = Self::scope_of(kind);
        let new = self.new_tokens();
        let issued = self
            .tokens
            .issue(
                Grant {
                    consent_id: grant.consent_id.clone(),
                    user_id: grant.user_id.clone(),
                    client_id: client_id.to_owned(),
                    kind,
                    authorised_at: ctx.now,
                },
                new,
                ctx.now,
            )
            .map_err(|e| e.to_api_error())?;
        let id_token = ob_oidc::id_token::issue(
            &self.keys.bank,
            &NewIdToken {
                issuer: &self.config.issuer_of(ctx.region),
                client_id,
                subject: &grant.consent_id,
                nonce: Some(&grant.nonce),
                code: None,
                state: None,
                intent_id: Some(&grant.consent_id),
                acr: Some(ob_oidc::authorize::ACR_VALUES[0]),
                auth_time: Some(grant.authenticated),
                now: ctx.wall,
                lifetime: Duration::minutes(5),
            },
        )
        .map_err(|_| {
            http::obie(
                Prefix::InternalService,
                "",
                "Internal server error",
                ErrorCode::UnexpectedError,
                "Something went wrong",
            )
        })?;
        let t = issued.tokens;
        Ok(json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "expires_in": t.expires_in(ctx.now),
            "refresh_token": t.refresh_token,
            "scope": scope,
            "id_token": id_token,
        }))
    }

    fn refresh(
        &mut self,
        client_id: &str,
        refresh_token: Option<&str>,
        ctx: &Ctx,
    ) -> Result<Value, ApiError> {
        let token = refresh_token
            .ok_or_else(|| oauth_error("invalid_request", "refresh_token is required"))?;
        // New values only for a refresh that will happen: a refused one changes nothing.
        self.tokens
            .check_refresh(client_id, token, ctx.now)
            .map_err(|e| e.to_api_error())?;
        let new = self.new_tokens();
        let t = self
            .tokens
            .refresh(client_id, token, new, ctx.now)
            .map_err(|e| e.to_api_error())?;
        let scope = self
            .tokens
            .authenticate(&t.access_token, ctx.now)
            .map_or("openid", |g| Self::scope_of(g.kind));
        Ok(json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "expires_in": t.expires_in(ctx.now),
            "refresh_token": t.refresh_token,
            "scope": scope,
        }))
    }

    /// `GET /authorize`: checks the request object; decides at once when the consent carries a
    /// `DesiredStatus`, else shows the approval page.
    pub(super) fn authorize(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let q = http::query(req);
        let pending = match self.check_authorization_request(&q, ctx) {
            Ok(p) => p,
            Err(Refusal::Page(e)) => return Err(e),
            Err(Refusal::Redirect(back)) => return Ok(back.response()),
        };
        let desired = self.desired(&pending.consent_id);
        match desired {
            Some((true, user, account)) => {
                // Monzo: without UserID (and, for payments, AccountID) a test user is used:
                // on the EU interface, the EU sandbox user.
                let Some(user) = user.or_else(|| self.default_user(ctx.region)) else {
                    return Err(oauth_error("server_error", "no sandbox user"));
                };
                Ok(self.approve(&pending, &user, account, ctx))
            }
            Some((false, _, _)) => Ok(self.deny(&pending, ctx)),
            None => {
                let id = self.new_secret(24);
                self.oauth.pending.insert(id.clone(), pending.clone());
                Ok(http::html(self.approval_page(&id, &pending, ctx.region)))
            }
        }
    }

    /// `POST /authorize/decision`: the approval page's answer.
    pub(super) fn decide(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let form = http::form(req)
            .ok_or_else(|| oauth_error("invalid_request", "expected a form body"))?;
        let id = param(&form, "pending")
            .filter(|id| self.oauth.pending.contains_key(*id))
            .ok_or_else(|| oauth_error("invalid_request", "unknown or finished authorization"))?;
        // Refused before the pending authorization is used up: a refusal changes nothing.
        let approve = match (param(&form, "decision"), param(&form, "user_id")) {
            (Some("approve"), Some(user)) if self.region_of_user(user) == Some(ctx.region) => {
                Some(user.to_owned())
            }
            (Some("approve"), _) => return Err(oauth_error("invalid_request", "unknown user")),
            _ => None,
        };
        let Some(pending) = self.oauth.pending.remove(id) else {
            return Err(oauth_error(
                "invalid_request",
                "unknown or finished authorization",
            ));
        };
        match approve {
            Some(user) => Ok(self.approve(&pending, &user, None, ctx)),
            None => Ok(self.deny(&pending, ctx)),
        }
    }

    fn approval_page(&self, id: &str, p: &PendingAuthorization, region: Region) -> String {
        let users: String = self
            .world
            .users
            .iter()
            .filter(|u| self.region_of_user(&u.id) == Some(region))
            .map(|u| {
                format!(
                    "<option value=\"{}\">{} ({:?})</option>",
                    http::escape(&u.id),
                    http::escape(&u.name),
                    u.persona
                )
            })
            .collect();
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Monzo sandbox: approve access</title></head>\
             <body><h1>Approve access?</h1><p>Client <code>{}</code> asks for consent <code>{}</code>.</p>\
             <form method=\"post\" action=\"{}/authorize/decision\">\
             <input type=\"hidden\" name=\"pending\" value=\"{}\">\
             <label>As <select name=\"user_id\">{users}</select></label>\
             <button name=\"decision\" value=\"approve\">Approve</button>\
             <button name=\"decision\" value=\"reject\">Reject</button></form></body></html>",
            http::escape(&p.client_id),
            http::escape(&p.consent_id),
            http::escape(&self.config.issuer_of(region)),
            http::escape(id),
        )
    }

    /// Checks an authorization request (FAPI 1 Advanced §5.2.2, OIDC Core §6): the signed
    /// request object is required and authoritative, and complete: `iss` and `client_id` the
    /// client, `aud` the issuer (or an array holding it), `response_type` `code id_token`,
    /// `scope` with `openid`, `redirect_uri` one the client registered, `state`, `nonce`,
    /// `nbf` and `exp` (at most 60 minutes apart, `nbf` at most 60 minutes old) and the
    /// essential `openbanking_intent_id`. The query's `response_type`, `client_id` and `scope`
    /// (OIDC §6.1: "MUST be included using the OAuth 2.0 request syntax") and any other
    /// parameter it repeats must match the request object.
    ///
    /// Where the answer goes (OIDC Core §3.1.2.6: "Unless the Redirection URI is invalid, the
    /// Authorization Server returns the Client to the Redirection URI ... If the Redirection
    /// URI is invalid, the Authorization Server MUST NOT redirect"): before a redirect URI is
    /// trusted (an unknown client, a request object that is not the client's, a redirect URI
    /// it did not register) an error page; after, an OAuth error in the redirect's fragment
    /// (§3.3.2.6, the hybrid flow), with the request's `state`.
    fn check_authorization_request(
        &self,
        q: &[(String, String)],
        ctx: &Ctx,
    ) -> Result<PendingAuthorization, Refusal> {
        let page = |error: &str, d: &str| Refusal::Page(oauth_error(error, d));
        let client = self
            .authenticate_client_for_browser(param(q, "client_id"), ctx.region)
            .map_err(Refusal::Page)?;
        let client_id = client
            .registration
            .client_id
            .as_deref()
            .unwrap_or_default()
            .to_owned();
        let registered = |uri: &str| {
            client
                .registration
                .redirect_uris
                .iter()
                .any(|u| u.as_str() == uri)
        };
        // Until the request object is read, the query's redirect URI is the only candidate.
        let mut back = Back {
            redirect_uri: param(q, "redirect_uri")
                .filter(|u| registered(u))
                .map(str::to_owned),
            state: param(q, "state").map(str::to_owned),
        };
        let jwks = self
            .software
            .get(&client.software_id)
            .map(|s| s.jwks.clone())
            .unwrap_or_default();
        let Some(request) = param(q, "request") else {
            return Err(back.refuse(
                "invalid_request",
                "the signed request object (request) is required",
            ));
        };
        if param(q, "request_uri").is_some() {
            return Err(back.refuse(
                "request_uri_not_supported",
                "request objects are passed by value (request)",
            ));
        }
        let claims = jws::verify(request, &jwks)
            .and_then(|v| v.claims())
            .map_err(|e| back.refuse("invalid_request_object", &e.to_string()))?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        // The request object's redirect URI is the one answers go to, once trusted.
        let redirect_uri = match text("redirect_uri") {
            Some(u) if registered(u) => u.to_owned(),
            Some(_) => {
                return Err(page(
                    "invalid_request",
                    "redirect_uri is not one the client registered",
                ))
            }
            None => {
                return Err(page(
                    "invalid_request_object",
                    "the request object has no redirect_uri",
                ))
            }
        };
        if param(q, "redirect_uri").is_some_and(|r| r != redirect_uri) {
            return Err(page(
                "invalid_request",
                "redirect_uri differs from the request object's",
            ));
        }
        back = Back {
            redirect_uri: Some(redirect_uri.clone()),
            state: text("state").map(str::to_owned).or(back.state),
        };
        let bad_object = |d: &str| back.refuse("invalid_request_object", d);
        let rules = TimeRules {
            max_lifetime: Some(ob_oidc::authorize::MAX_LIFETIME),
            require_nbf: true,
            max_nbf_age: Some(ob_oidc::authorize::MAX_LIFETIME),
            ..TimeRules::at(ctx.wall)
        };
        check_times(&claims, &rules).map_err(|e| bad_object(&e.to_string()))?;
        if text("iss") != Some(client_id.as_str()) || text("client_id") != Some(client_id.as_str())
        {
            return Err(bad_object("iss and client_id must be the client"));
        }
        let issuer = self.config.issuer_of(ctx.region);
        let aud_ok = match claims.get("aud") {
            Some(Value::String(a)) => *a == issuer,
            Some(Value::Array(items)) => items.iter().any(|a| a.as_str() == Some(&issuer)),
            _ => false,
        };
        if !aud_ok {
            return Err(bad_object(&format!(
                "aud must be the issuer {issuer:?}, or an array holding it"
            )));
        }
        // A response type is a set of space-separated values whose order does not matter
        // (OAuth 2.0 Multiple Response Type Encoding Practices, section 3).
        fn response_type_set(s: &str) -> Vec<&str> {
            let mut v: Vec<&str> = s.split(' ').filter(|p| !p.is_empty()).collect();
            v.sort_unstable();
            v
        }
        let hybrid = ["code", "id_token"];
        match (
            text("response_type").map(response_type_set),
            param(q, "response_type").map(response_type_set),
        ) {
            (Some(ro), Some(query)) if ro == hybrid && query == hybrid => {}
            (Some(ro), Some(query)) if ro != query => {
                return Err(bad_object(
                    "response_type differs between the query and the request object",
                ))
            }
            (_, None) => {
                return Err(back.refuse(
                    "invalid_request",
                    "response_type is required in the query (OIDC Core 6.1)",
                ))
            }
            _ => {
                return Err(back.refuse(
                    "unsupported_response_type",
                    "expected response_type code id_token",
                ))
            }
        }
        fn scope_of(s: Option<&str>) -> Vec<&str> {
            let mut v: Vec<&str> = s
                .unwrap_or_default()
                .split(' ')
                .filter(|x| !x.is_empty())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        }
        let scope = scope_of(text("scope"));
        if !scope.contains(&"openid") {
            return Err(bad_object("scope must include openid"));
        }
        let query_scope = scope_of(param(q, "scope"));
        if !query_scope.contains(&"openid") {
            return Err(back.refuse(
                "invalid_request",
                "scope with openid is required in the query (OIDC Core 6.1)",
            ));
        }
        if query_scope != scope {
            return Err(bad_object(
                "scope differs between the query and the request object",
            ));
        }
        let (state, nonce) = match (text("state"), text("nonce")) {
            (Some(s), Some(n)) if !s.is_empty() && !n.is_empty() => (s.to_owned(), n.to_owned()),
            _ => {
                return Err(bad_object(
                    "state and nonce are required in the request object",
                ))
            }
        };
        for (name, value) in [("state", &state), ("nonce", &nonce)] {
            if param(q, name).is_some_and(|v| v != value) {
                return Err(bad_object(&format!(
                    "{name} differs between the query and the request object"
                )));
            }
        }
        let consent_id = claims
            .get("claims")
            .and_then(|c| c.get("id_token"))
            .and_then(|c| c.get("openbanking_intent_id"))
            .and_then(|c| c.get("value"))
            .and_then(Value::as_str)
            .ok_or_else(|| bad_object("claims.id_token.openbanking_intent_id is required"))?
            .to_owned();
        // The consent must be this client's, awaiting the customer (or, for account access,
        // authorised and re-authenticated), and of the kind the scope asks for.
        self.check_authorisable(&consent_id, &client_id, ctx.now)
            .map_err(|e| match e {
                ob_consent::ConsentError::InvalidConsentStatus {
                    status: "unknown", ..
                } => back.refuse("access_denied", "the consent is not this client's"),
                other => back.refuse("invalid_request", &other.to_string()),
            })?;
        if let Some(kind) = self.consent_kind(&consent_id) {
            let needed = Self::scope_of(kind)
                .split(' ')
                .find(|s| *s != "openid")
                .unwrap_or("openid");
            if !scope.contains(&needed) {
                return Err(back.refuse(
                    "invalid_scope",
                    &format!("this consent needs the scope {needed}"),
                ));
            }
        }
        Ok(PendingAuthorization {
            consent_id,
            client_id,
            redirect_uri,
            state,
            nonce,
        })
    }

    /// The browser leg has no client certificate: the client is named, and proves itself by
    /// the request object's signature.
    fn authenticate_client_for_browser(
        &self,
        client_id: Option<&str>,
        region: Region,
    ) -> Result<&Client, ApiError> {
        client_id
            .and_then(|id| self.clients.get(id))
            .filter(|c| c.region == region)
            .ok_or_else(|| oauth_error("invalid_client", "unknown client_id"))
    }

    fn approve(
        &mut self,
        p: &PendingAuthorization,
        user_id: &str,
        account: Option<String>,
        ctx: &Ctx,
    ) -> Response<Vec<u8>> {
        // The EU sandbox user approves on the EU interface only, the others on the UK one.
        if self.region_of_user(user_id) != Some(ctx.region) {
            return self.deny_with(
                p,
                "access_denied",
                "The sandbox user is not a customer of this interface.",
            );
        }
        // Monzo fails the authorisation of a payment the account cannot cover.
        if self.insufficient_funds(&p.consent_id, user_id, account.clone()) {
            // The consent is rejected if it still awaits authorisation; one that does not (an
            // authorised consent being re-authenticated) keeps its state, and the machine's
            // refusal says only that: the TPP is denied either way.
            let _refused = self.reject_consent(&p.consent_id, ctx.now);
            return self.deny_with(
                p,
                "access_denied",
                "Insufficient funds in selected account to make requested payment.",
            );
        }
        if let Err(e) = self.authorise_consent(&p.consent_id, user_id, account, ctx.now) {
            return self.deny_with(p, "invalid_request", &e.to_string());
        }
        let code = self.new_secret(32);
        self.oauth.codes.insert(
            code.clone(),
            CodeGrant {
                consent_id: p.consent_id.clone(),
                client_id: p.client_id.clone(),
                redirect_uri: p.redirect_uri.clone(),
                nonce: p.nonce.clone(),
                user_id: user_id.to_owned(),
                authenticated: ctx.wall,
                expires: ctx.now + CODE_LIFETIME,
            },
        );
        let id_token = match ob_oidc::id_token::issue(
            &self.keys.bank,
            &NewIdToken {
                issuer: &self.config.issuer_of(ctx.region),
                client_id: &p.client_id,
                subject: &p.consent_id,
                nonce: Some(&p.nonce),
                code: Some(&code),
                state: Some(&p.state),
                intent_id: Some(&p.consent_id),
                acr: Some(ob_oidc::authorize::ACR_VALUES[0]),
                auth_time: Some(ctx.wall),
                now: ctx.wall,
                lifetime: Duration::minutes(5),
            },
        ) {
            Ok(t) => t,
            Err(e) => return self.deny_with(p, "server_error", &e.to_string()),
        };
        let fragment = ob_oidc::form::encode_pairs(&[
            ("code", &code),
            ("id_token", &id_token),
            ("state", &p.state),
        ]);
        http::redirect(&format!("{}#{fragment}", p.redirect_uri))
    }

    fn deny(&mut self, p: &PendingAuthorization, ctx: &Ctx) -> Response<Vec<u8>> {
        // As above: a consent that no longer awaits authorisation (a declined
        // re-authentication) keeps its state; the TPP is denied either way.
        let _refused = self.reject_consent(&p.consent_id, ctx.now);
        self.deny_with(p, "access_denied", "The customer rejected the request.")
    }

    fn deny_with(
        &self,
        p: &PendingAuthorization,
        error: &str,
        description: &str,
    ) -> Response<Vec<u8>> {
        let fragment = ob_oidc::form::encode_pairs(&[
            ("error", error),
            ("error_description", description),
            ("state", &p.state),
        ]);
        http::redirect(&format!("{}#{fragment}", p.redirect_uri))
    }
}

/// Whether `req` is a request to the token endpoint (on either interface), whose every answer
/// must not be cached.
pub(super) fn is_token_request(req: &Request<Vec<u8>>, ctx: &Ctx) -> bool {
    req.method() == ::http::Method::POST
        && req
            .uri()
            .path()
            .strip_prefix(ctx.region.prefix())
            .is_some_and(|rest| rest.trim_end_matches('/') == "/token")
}

/// Marks a response as not to be cached (`Cache-Control: no-store`, `Pragma: no-cache`).
pub(super) fn no_store(resp: &mut Response<Vec<u8>>) {
    let headers = resp.headers_mut();
    headers.insert(
        ::http::header::CACHE_CONTROL,
        ::http::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        ::http::header::PRAGMA,
        ::http::HeaderValue::from_static("no-cache"),
    );
}
