//! Discovery, registration, tokens and the customer's authorization (FAPI hybrid flow with a
//! signed request object and the result in the fragment), all prepared and checked by
//! `ob-oidc` and `ob-dcr`.

use http::Request;
use ob_dcr::client::{
    parse_delete_response, parse_register_response, parse_registration_response, prepare_register,
    RegisteredClient,
};
use ob_jose::{Jwks, Signer, SigningKey};
use ob_model::registration::OBClientRegistration1;
use ob_oidc::authorize::{AuthorizationParams, RequestObject};
use ob_oidc::callback::parse_callback;
use ob_oidc::discovery::{parse_discovery, prepare_discovery, ProviderMetadata};
use ob_oidc::id_token::validate_callback;
use ob_oidc::token::{
    parse_token_response, prepare_authorization_code, prepare_client_credentials, prepare_refresh,
    TokenResponse,
};
use ob_oidc::AccessToken;

use crate::{now, random_id, Client, ClientError};

/// The TPP's software: its signing key (request objects, registration requests, payment
/// signatures) and the ids its signatures name.
pub struct Software {
    /// The key; its `kid` is the one published in the TPP's JWKS.
    pub key: SigningKey,
    /// The organisation id (directory).
    pub org_id: String,
    /// The software id (directory).
    pub software_id: String,
}

impl std::fmt::Debug for Software {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Software")
            .field("kid", &self.key.key_id())
            .field("org_id", &self.org_id)
            .field("software_id", &self.software_id)
            .finish()
    }
}

impl Software {
    /// The `iss` of the software's detached signatures: `{org_id}/{software_id}`.
    pub fn signature_issuer(&self) -> String {
        format!("{}/{}", self.org_id, self.software_id)
    }
}

/// An authorization in progress: the URL to send the customer to, and what the callback must
/// match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The URL (the signed request object is in it).
    pub url: String,
    /// The consent being authorised.
    pub consent_id: String,
    /// The client.
    pub client_id: String,
    /// The redirect URI the callback arrives at.
    pub redirect_uri: String,
    /// The `state` the callback must carry.
    pub state: String,
    /// The `nonce` the id_token must carry.
    pub nonce: String,
    /// The scope asked for.
    pub scope: String,
}

impl Authorization {
    /// The authorization's parameters, with the ASPSP's `issuer`.
    pub fn params<'a>(&'a self, issuer: &'a str) -> AuthorizationParams<'a> {
        AuthorizationParams {
            client_id: &self.client_id,
            issuer,
            redirect_uri: &self.redirect_uri,
            scope: &self.scope,
            intent_id: &self.consent_id,
            state: &self.state,
            nonce: &self.nonce,
        }
    }
}

impl Client {
    /// The ASPSP's discovery document, fetched once and kept.
    pub async fn discovery(&self) -> Result<&ProviderMetadata, ClientError> {
        if let Some(d) = self.discovery.get() {
            return Ok(d);
        }
        let issuer = &self.config.endpoints.issuer;
        let resp = self.expect_success(prepare_discovery(issuer)?).await?;
        let meta = parse_discovery(&resp, issuer)?;
        Ok(self.discovery.get_or_init(|| meta))
    }

    /// The bank's signing keys (`jwks_uri`), fetched once and kept.
    pub async fn bank_keys(&self) -> Result<&Jwks, ClientError> {
        if let Some(k) = self.bank_keys.get() {
            return Ok(k);
        }
        let uri = self.discovery().await?.jwks_uri.clone();
        let req = Request::get(&uri)
            .body(Vec::new())
            .map_err(|e| ClientError::build(format!("a request to {uri}"), e))?;
        let resp = self.expect_success(req).await?;
        let keys = Jwks::from_json(resp.body())?;
        Ok(self.bank_keys.get_or_init(|| keys))
    }

    async fn registration_endpoint(&self) -> Result<String, ClientError> {
        let d = self.discovery().await?;
        d.registration_endpoint.clone().ok_or_else(|| {
            ClientError::Config("the ASPSP's discovery has no registration_endpoint".into())
        })
    }

    /// `POST /register` with a signed registration request (see
    /// `ob_dcr::request::RegistrationRequest`).
    pub async fn register(&self, request_jwt: &str) -> Result<OBClientRegistration1, ClientError> {
        let endpoint = self.registration_endpoint().await?;
        let resp = self.send(prepare_register(&endpoint, request_jwt)?).await?;
        Ok(parse_register_response(&resp)?)
    }

    /// `GET /register/{ClientId}` with a client-credentials token of that client.
    pub async fn read_registration(
        &self,
        client_id: &str,
        access_token: &AccessToken,
    ) -> Result<OBClientRegistration1, ClientError> {
        let endpoint = self.registration_endpoint().await?;
        let client = RegisteredClient {
            register_endpoint: &endpoint,
            client_id,
            access_token: access_token.expose(),
        };
        let resp = self.send(client.prepare_read()?).await?;
        Ok(parse_registration_response(&resp)?)
    }

    /// `PUT /register/{ClientId}` with a new signed registration request.
    pub async fn update_registration(
        &self,
        client_id: &str,
        access_token: &AccessToken,
        request_jwt: &str,
    ) -> Result<OBClientRegistration1, ClientError> {
        let endpoint = self.registration_endpoint().await?;
        let client = RegisteredClient {
            register_endpoint: &endpoint,
            client_id,
            access_token: access_token.expose(),
        };
        let resp = self.send(client.prepare_update(request_jwt)?).await?;
        Ok(parse_registration_response(&resp)?)
    }

    /// `DELETE /register/{ClientId}`.
    pub async fn delete_registration(
        &self,
        client_id: &str,
        access_token: &AccessToken,
    ) -> Result<(), ClientError> {
        let endpoint = self.registration_endpoint().await?;
        let client = RegisteredClient {
            register_endpoint: &endpoint,
            client_id,
            access_token: access_token.expose(),
        };
        let resp = self.send(client.prepare_delete()?).await?;
        Ok(parse_delete_response(&resp)?)
    }

    async fn token_endpoint(&self) -> Result<String, ClientError> {
        Ok(self.discovery().await?.token_endpoint.clone())
    }

    async fn token(&self, req: Request<Vec<u8>>) -> Result<TokenResponse, ClientError> {
        let resp = self.send(req).await?;
        Ok(parse_token_response(&resp, now())?)
    }

    /// A client-credentials token for `scope` (`accounts`, `payments`, `fundsconfirmations`).
    pub async fn client_credentials(
        &self,
        client_id: &str,
        scope: &str,
    ) -> Result<TokenResponse, ClientError> {
        let endpoint = self.token_endpoint().await?;
        self.token(prepare_client_credentials(&endpoint, client_id, scope)?)
            .await
    }

    /// A new access token from a refresh token (which the ASPSP rotates: keep the new one).
    pub async fn refresh(
        &self,
        client_id: &str,
        refresh_token: &ob_oidc::RefreshToken,
    ) -> Result<TokenResponse, ClientError> {
        let endpoint = self.token_endpoint().await?;
        self.token(prepare_refresh(&endpoint, client_id, refresh_token)?)
            .await
    }

    /// Starts the customer's authorization of `consent_id`: a request object signed by the
    /// software, with fresh `state` and `nonce`.
    pub async fn authorization(
        &self,
        software: &Software,
        client_id: &str,
        consent_id: &str,
        scope: &str,
        redirect_uri: &str,
    ) -> Result<Authorization, ClientError> {
        let endpoint = self.discovery().await?.authorization_endpoint.clone();
        let state = random_id();
        let nonce = random_id();
        let params = AuthorizationParams {
            client_id,
            issuer: &self.config.endpoints.issuer,
            redirect_uri,
            scope,
            intent_id: consent_id,
            state: &state,
            nonce: &nonce,
        };
        let url = RequestObject::new(&params, now()).authorization_url(&endpoint, &software.key)?;
        Ok(Authorization {
            url,
            consent_id: consent_id.to_owned(),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            state,
            nonce,
            scope: scope.to_owned(),
        })
    }

    /// Opens the authorization URL without a browser and returns where it redirects: this
    /// works where the ASPSP decides without the customer (the emulator and Monzo's sandbox
    /// with `DesiredStatus`). Otherwise the page the customer would see comes back as an error.
    pub async fn follow_authorization(&self, auth: &Authorization) -> Result<String, ClientError> {
        let req = Request::get(&auth.url)
            .body(Vec::new())
            .map_err(|e| ClientError::build("the authorization request", e))?;
        let resp = self.expect_success(req).await?;
        resp.headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| {
                ClientError::Config(
                    "the ASPSP wants the customer to decide: open the URL in a browser and pass the callback URL".into(),
                )
            })
    }

    /// Completes an authorization from the callback URL the customer's browser arrived at:
    /// checks `state`, the id_token (signature, issuer, audience, nonce, `c_hash`, `s_hash`,
    /// intent id, acr), then exchanges the code for tokens.
    pub async fn complete_authorization(
        &self,
        auth: &Authorization,
        callback_url: &str,
    ) -> Result<TokenResponse, ClientError> {
        let callback = parse_callback(callback_url, &auth.state)?;
        let keys = self.bank_keys().await?.clone();
        let params = auth.params(&self.config.endpoints.issuer);
        validate_callback(&callback, &keys, &params, now())?;
        let endpoint = self.token_endpoint().await?;
        self.token(prepare_authorization_code(
            &endpoint,
            &params,
            &callback.code,
        )?)
        .await
    }
}
