//! The TPP's side of registration, sans-IO: each call is a `prepare_*` that builds the
//! `http::Request` and a `parse_*` that reads the `http::Response`. Sending them (over mTLS)
//! is the caller's job. Registering is [`prepare_register`]; reading, updating and deleting a
//! registration are methods of [`RegisteredClient`], which names the endpoint, the client and
//! its token.
//!
//! | call | request | success |
//! |---|---|---|
//! | register | `POST /register`, `application/jose` body | 201 + registration |
//! | read | `GET /register/{ClientId}`, client-credentials token | 200 + registration |
//! | update | `PUT /register/{ClientId}`, token, `application/jose` body | 200 + registration |
//! | delete | `DELETE /register/{ClientId}`, token | 204 |
//!
//! A 400 with an RFC 7591 body becomes [`DcrError::Rejected`]; anything else unexpected
//! becomes [`DcrError::UnexpectedResponse`].
//!
//! ```
//! use ob_dcr::client::{parse_register_response, prepare_register};
//! use ob_dcr::{DcrError, RegistrationErrorCode};
//!
//! let request = prepare_register("https://aspsp.example/register", "eyJ...signed-request")?;
//! assert_eq!(request.headers()["content-type"], "application/jose");
//! // ... send it over mTLS; then:
//! let answer = http::Response::builder()
//!     .status(400)
//!     .body(br#"{"error":"invalid_redirect_uri"}"#.to_vec())
//!     .unwrap();
//! let err = parse_register_response(&answer).unwrap_err();
//! assert!(matches!(err, DcrError::Rejected { error: RegistrationErrorCode::InvalidRedirectUri, .. }));
//! # Ok::<(), DcrError>(())
//! ```

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use ob_model::registration::{OBClientRegistration1, RegistrationError};

use crate::DcrError;

/// The media type of a registration request body.
pub const JOSE_MEDIA_TYPE: &str = "application/jose";

fn build(
    method: Method,
    url: String,
    access_token: Option<&str>,
    jwt: Option<&str>,
) -> Result<Request<Vec<u8>>, DcrError> {
    let uri: http::Uri = url.parse().map_err(|e| DcrError::Misuse {
        reason: format!("registration endpoint {url:?}: {e}"),
    })?;
    if uri.scheme_str() != Some("https")
        && uri.host() != Some("127.0.0.1")
        && uri.host() != Some("localhost")
    {
        return Err(DcrError::Misuse {
            reason: format!("registration endpoint {url:?}: expected https"),
        });
    }
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(ACCEPT, "application/json");
    if let Some(token) = access_token {
        builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    if jwt.is_some() {
        builder = builder.header(CONTENT_TYPE, JOSE_MEDIA_TYPE);
    }
    builder
        .body(jwt.map(|j| j.as_bytes().to_vec()).unwrap_or_default())
        .map_err(|e| DcrError::Misuse {
            reason: format!("request: {e}"),
        })
}

fn client_url(endpoint: &str, client_id: &str) -> Result<String, DcrError> {
    if client_id.is_empty()
        || client_id
            .chars()
            .any(|c| matches!(c, '/' | '?' | '#' | '%') || c.is_whitespace() || c.is_control())
    {
        return Err(DcrError::Misuse {
            reason: format!("client id {client_id:?} cannot be a path segment"),
        });
    }
    Ok(format!("{}/{client_id}", endpoint.trim_end_matches('/')))
}

/// `POST {register_endpoint}` with the signed request JWT.
pub fn prepare_register(
    register_endpoint: &str,
    request_jwt: &str,
) -> Result<Request<Vec<u8>>, DcrError> {
    build(
        Method::POST,
        register_endpoint.to_owned(),
        None,
        Some(request_jwt),
    )
}

/// A registered client as its management calls name it: the registration endpoint, its
/// `client_id` (the path segment after it), and a client-credentials access token of that
/// client. Each field says what it is, so that the three strings cannot be passed in the wrong
/// order.
///
/// ```
/// use ob_dcr::client::RegisteredClient;
///
/// let client = RegisteredClient {
///     register_endpoint: "https://aspsp.example/register",
///     client_id: "client-1",
///     access_token: "tok",
/// };
/// let request = client.prepare_update("eyJ...signed-request")?;
/// assert_eq!(request.uri(), "https://aspsp.example/register/client-1");
/// assert_eq!(request.headers()["authorization"], "Bearer tok");
/// # Ok::<(), ob_dcr::DcrError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RegisteredClient<'a> {
    /// The ASPSP's registration endpoint (`registration_endpoint` of its discovery document).
    pub register_endpoint: &'a str,
    /// The client's id, as registration gave it.
    pub client_id: &'a str,
    /// A client-credentials access token of that client.
    pub access_token: &'a str,
}

impl RegisteredClient<'_> {
    /// `GET {register_endpoint}/{client_id}` with the access token.
    pub fn prepare_read(&self) -> Result<Request<Vec<u8>>, DcrError> {
        self.request(Method::GET, None)
    }

    /// `PUT {register_endpoint}/{client_id}` with the access token and a new signed request
    /// JWT.
    pub fn prepare_update(&self, request_jwt: &str) -> Result<Request<Vec<u8>>, DcrError> {
        self.request(Method::PUT, Some(request_jwt))
    }

    /// `DELETE {register_endpoint}/{client_id}` with the access token.
    pub fn prepare_delete(&self) -> Result<Request<Vec<u8>>, DcrError> {
        self.request(Method::DELETE, None)
    }

    fn request(&self, method: Method, jwt: Option<&str>) -> Result<Request<Vec<u8>>, DcrError> {
        build(
            method,
            client_url(self.register_endpoint, self.client_id)?,
            Some(self.access_token),
            jwt,
        )
    }
}

fn refusal(response: &Response<Vec<u8>>) -> DcrError {
    let body = response.body();
    if response.status() == StatusCode::BAD_REQUEST {
        if let Ok(e) = ob_model::decode::from_slice::<RegistrationError>(body) {
            if !e.error.as_str().is_empty() {
                return DcrError::Rejected {
                    error: e.error,
                    description: e.error_description.map(|d| d.to_string()),
                };
            }
        }
    }
    DcrError::UnexpectedResponse {
        status: response.status().as_u16(),
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

fn registration(
    response: &Response<Vec<u8>>,
    ok: &[StatusCode],
) -> Result<OBClientRegistration1, DcrError> {
    if !ok.contains(&response.status()) {
        return Err(refusal(response));
    }
    let reg: OBClientRegistration1 =
        ob_model::decode::from_slice(response.body()).map_err(|e| {
            // The body may hold credentials: only the decode error is kept.
            DcrError::UnexpectedResponse {
                status: response.status().as_u16(),
                body: format!("not a registration: {e}"),
            }
        })?;
    if reg.client_id.as_deref().is_none_or(str::is_empty) {
        return Err(DcrError::UnexpectedResponse {
            status: response.status().as_u16(),
            body: "registration without client_id".into(),
        });
    }
    Ok(reg)
}

/// Reads the answer to `POST /register`: 201 (or 200) with the registration, whose
/// `client_id` is set.
pub fn parse_register_response(
    response: &Response<Vec<u8>>,
) -> Result<OBClientRegistration1, DcrError> {
    registration(response, &[StatusCode::CREATED, StatusCode::OK])
}

/// Reads the answer to a read or an update: 200 with the registration.
pub fn parse_registration_response(
    response: &Response<Vec<u8>>,
) -> Result<OBClientRegistration1, DcrError> {
    registration(response, &[StatusCode::OK])
}

/// Reads the answer to a delete: 204.
pub fn parse_delete_response(response: &Response<Vec<u8>>) -> Result<(), DcrError> {
    if response.status() == StatusCode::NO_CONTENT {
        Ok(())
    } else {
        Err(refusal(response))
    }
}
