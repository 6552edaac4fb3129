//! The registration request: an `OBClientRegistration1` JWT signed PS256 by the TPP.
//!
//! Both profiles register for `tls_client_auth` (the only method Monzo supports), grant types
//! `client_credentials`, `authorization_code` and `refresh_token`, response type
//! `code id_token`, and PS256 for id_tokens and request objects.
//!
//! - UK: the directory's software statement; `iss` is its `software_id`; the scope is what
//!   the caller asks (for example `openid accounts`).
//! - Monzo EU: a self-asserted statement, a version-4 UUID `software_id` (which is also `iss`),
//!   scope `openid accounts`, header `typ` `JWT`.

use chrono::Duration;
use ob_jose::jws::Object;
use ob_jose::{Instant, Signer};
use ob_model::registration::{
    OBClientRegistration1, OBRegistrationProperties1ApplicationType as ApplicationType,
    OBRegistrationProperties1GrantTypes as GrantType,
    OBRegistrationProperties1ResponseTypes as ResponseType,
    OBRegistrationProperties1TokenEndpointAuthMethod as AuthMethod, SupportedAlgorithms,
};
use ob_model::Text;
use serde_json::Value;

use crate::DcrError;

/// How long a registration request is valid by default.
pub const DEFAULT_LIFETIME: Duration = Duration::minutes(60);

/// A registration request, ready to sign.
#[derive(Clone, Debug, PartialEq)]
pub struct RegistrationRequest {
    claims: OBClientRegistration1,
}

/// A time as DCR 3.2's 32-bit seconds; a time outside them (after January 2038) is refused
/// rather than cut short.
pub(crate) fn epoch32(field: &str, t: Instant) -> Result<i32, DcrError> {
    i32::try_from(t.timestamp()).map_err(|_| DcrError::Misuse {
        reason: format!("{field} {t} does not fit DCR 3.2's 32-bit seconds"),
    })
}

/// What a registration request says about the software, in both profiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationParams<'a> {
    /// The software statement from the directory (or, in Monzo's EU profile, self-asserted).
    pub software_statement: &'a str,
    /// Its `software_id` (the request's `iss`).
    pub software_id: &'a str,
    /// The ASPSP's id (`aud`).
    pub aud: &'a str,
    /// The redirect URIs (from the statement).
    pub redirect_uris: Vec<String>,
    /// The subject DN of the TPP's transport certificate.
    pub tls_client_auth_subject_dn: &'a str,
    /// A fresh `jti`.
    pub jti: &'a str,
}

impl RegistrationRequest {
    /// A request for the UK profile, for `scope` (one API per registration at Monzo, such as
    /// `openid accounts`), made at `now`.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// use ob_dcr::request::{RegistrationParams, RegistrationRequest};
    /// let now = Utc.with_ymd_and_hms(2025, 3, 21, 9, 0, 0).unwrap();
    /// let request = RegistrationRequest::uk(
    ///     RegistrationParams {
    ///         software_statement: "eyJhbGciOiJQUzI1NiJ9.e30.c2ln", // from the directory
    ///         software_id: "2kiXQyo0tedjW2somjSgH7",
    ///         aud: "0015800001HQQrZAAX",
    ///         redirect_uris: vec!["https://tpp.example/callback".into()],
    ///         tls_client_auth_subject_dn:
    ///             "C=GB,O=TPP Ltd,OU=0015800001041REAAY,CN=2kiXQyo0tedjW2somjSgH7",
    ///         jti: &ob_dcr::uuid_v4([7; 16]),
    ///     },
    ///     "openid accounts",
    ///     now,
    /// )?;
    /// assert_eq!(request.claims().iss.as_str(), "2kiXQyo0tedjW2somjSgH7");
    /// assert_eq!(request.claims().exp - request.claims().iat, 3600);
    /// # Ok::<(), ob_dcr::DcrError>(())
    /// ```
    pub fn uk(params: RegistrationParams<'_>, scope: &str, now: Instant) -> Result<Self, DcrError> {
        let RegistrationParams {
            software_statement,
            software_id,
            aud,
            redirect_uris,
            tls_client_auth_subject_dn,
            jti,
        } = params;
        let iat = epoch32("iat", now)?;
        let exp = epoch32(
            "exp",
            now.checked_add_signed(DEFAULT_LIFETIME).unwrap_or(now),
        )?;
        let claims = OBClientRegistration1 {
            iss: Text::from(software_id),
            iat,
            exp,
            aud: Text::from(aud),
            jti: Text::from(jti),
            redirect_uris: redirect_uris.into_iter().map(Text::from).collect(),
            token_endpoint_auth_method: AuthMethod::TlsClientAuth,
            grant_types: vec![
                GrantType::ClientCredentials,
                GrantType::AuthorizationCode,
                GrantType::RefreshToken,
            ],
            response_types: Some(vec![ResponseType::CodeIdToken]),
            software_id: Some(Text::from(software_id)),
            scope: Text::from(scope),
            software_statement: Text::from(software_statement),
            application_type: ApplicationType::Web,
            id_token_signed_response_alg: SupportedAlgorithms::PS256,
            request_object_signing_alg: SupportedAlgorithms::PS256,
            tls_client_auth_subject_dn: Some(Text::from(tls_client_auth_subject_dn)),
            ..OBClientRegistration1::default()
        };
        Ok(RegistrationRequest { claims })
    }

    /// A request for Monzo's EU profile: as [`uk`](Self::uk) with scope `openid accounts`
    /// (the only API Monzo's EU entity offers); `software_id` must be a version-4 UUID.
    pub fn monzo_eu(params: RegistrationParams<'_>, now: Instant) -> Result<Self, DcrError> {
        if !crate::is_uuid_v4(params.software_id) {
            return Err(DcrError::metadata(
                "software_id",
                format!(
                    "Monzo's EU profile needs a version-4 UUID, found {:?}",
                    params.software_id
                ),
            ));
        }
        Self::uk(params, "openid accounts", now)
    }

    /// Sets how long the request is valid (`exp - iat`).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        let iat = i64::from(self.claims.iat);
        self.claims.exp =
            i32::try_from(iat.saturating_add(lifetime.num_seconds())).unwrap_or(i32::MAX);
        self
    }

    /// The claims, to read.
    pub fn claims(&self) -> &OBClientRegistration1 {
        &self.claims
    }

    /// The claims, to change before signing (for example `grant_types`).
    pub fn claims_mut(&mut self) -> &mut OBClientRegistration1 {
        &mut self.claims
    }

    /// The signed request JWT (header `alg` PS256, `kid` of the signer, `typ` JWT): the body
    /// of `POST /register`.
    pub fn sign(&self, signer: &impl Signer) -> Result<String, DcrError> {
        if ob_jose::dangerous::peek_unverified(&self.claims.software_statement).is_err() {
            return Err(DcrError::Misuse {
                reason: "software_statement is not a JWS".into(),
            });
        }
        let mut header = Object::new();
        header.insert("typ".into(), Value::String("JWT".into()));
        ob_jose::jws::sign_json(signer, &header, &self.claims).map_err(|e| DcrError::Misuse {
            reason: e.to_string(),
        })
    }
}
