//! Sending a prepared `http::Request`: reqwest underneath, retries that honour `Retry-After`,
//! a `tracing` span per request with its `x-fapi-interaction-id`.

use std::time::Duration;

use http::{HeaderValue, Method, Request, Response};
use tracing::Instrument;

use crate::{Client, ClientError};

/// When to send a request again.
///
/// Only requests that can safely be repeated are retried: reads (`GET`), and `POST`s that
/// carry an `x-idempotency-key` (the ASPSP answers a repeat with the first answer), and any
/// request refused with a 429 (refused before it was handled). A retry happens on a
/// connection failure or timeout, and on an error the ASPSP marks retryable (429, 5xx, Monzo's
/// `timeout`/`internal_service`), waiting for its `Retry-After` when it gives one, else
/// backing off exponentially from `base_delay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first back-off.
    pub base_delay: Duration,
    /// The longest wait, whatever `Retry-After` says: a longer one is returned as the error.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }
}

fn repeatable(req: &Request<Vec<u8>>) -> bool {
    req.method() == Method::GET || req.headers().contains_key("x-idempotency-key")
}

impl Client {
    /// Sends a prepared request, with retries, and returns the answer whatever its status.
    pub async fn send(&self, req: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, ClientError> {
        let mut req = req;
        if !req.headers().contains_key(ob_errors::INTERACTION_ID_HEADER) {
            if let Ok(v) = HeaderValue::from_str(&crate::random_id()) {
                req.headers_mut()
                    .insert(ob_errors::INTERACTION_ID_HEADER, v);
            }
        }
        let interaction = req.headers()[ob_errors::INTERACTION_ID_HEADER]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        let span = tracing::info_span!(
            "open_banking_request",
            method = %req.method(),
            path = req.uri().path(),
            interaction_id = %interaction,
        );
        self.send_with_retries(req).instrument(span).await
    }

    async fn send_with_retries(
        &self,
        req: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, ClientError> {
        let policy = self.config.retry;
        let may_retry = repeatable(&req);
        let mut attempt = 0u32;
        loop {
            let backoff = policy
                .base_delay
                .saturating_mul(2u32.saturating_pow(attempt))
                .min(policy.max_delay);
            let last = !may_retry || attempt >= policy.max_retries;
            match self.send_once(&req).await {
                Ok(resp) if resp.status().is_client_error() || resp.status().is_server_error() => {
                    // A 429 was refused before it was handled (Monzo: "retrying the request
                    // after a short backoff period should work"), so any request may be
                    // sent again, a token grant or an unkeyed POST included.
                    let throttled = resp.status() == http::StatusCode::TOO_MANY_REQUESTS;
                    let last = if throttled {
                        attempt >= policy.max_retries
                    } else {
                        last
                    };
                    if last {
                        return Ok(resp);
                    }
                    let Ok(err) = ob_errors::parse_response(&resp) else {
                        if resp.status().is_server_error() {
                            tracing::warn!(status = %resp.status(), attempt, "retrying");
                            tokio::time::sleep(backoff).await;
                            attempt += 1;
                            continue;
                        }
                        return Ok(resp);
                    };
                    if !err.is_retryable() {
                        return Ok(resp);
                    }
                    let wait = err.retry_after.unwrap_or(backoff);
                    if wait > policy.max_delay {
                        return Ok(resp);
                    }
                    tracing::warn!(status = %resp.status(), attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Ok(resp) => return Ok(resp),
                Err(e) if !last && (e.is_connect() || e.is_timeout()) => {
                    tracing::warn!(error = %e, attempt, "retrying");
                    tokio::time::sleep(backoff).await;
                }
                Err(e) => return Err(ClientError::Transport(e)),
            }
            attempt += 1;
        }
    }

    async fn send_once(&self, req: &Request<Vec<u8>>) -> Result<Response<Vec<u8>>, reqwest::Error> {
        let mut b = self
            .http
            .request(req.method().clone(), req.uri().to_string())
            .headers(req.headers().clone());
        if !req.body().is_empty() {
            b = b.body(req.body().clone());
        }
        let resp = b.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await?.to_vec();
        tracing::debug!(%status, bytes = body.len(), "answered");
        let mut out = Response::new(body);
        *out.status_mut() = status;
        *out.headers_mut() = headers;
        Ok(out)
    }

    /// Sends a request and returns the body of a 2xx answer, or the ASPSP's error.
    pub(crate) async fn expect_success(
        &self,
        req: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, ClientError> {
        let resp = self.send(req).await?;
        if resp.status().is_success() || resp.status().is_redirection() {
            return Ok(resp);
        }
        match ob_errors::parse_response(&resp) {
            Ok(e) => Err(ClientError::Api(Box::new(e))),
            Err(e) => Err(ClientError::UnreadableError(e)),
        }
    }
}

/// Decodes a success body as `T`, naming the URL and the failing path on error.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    url: &str,
    body: &[u8],
) -> Result<T, ClientError> {
    ob_model::decode::from_slice(body).map_err(|source| ClientError::Decode {
        url: url.to_owned(),
        source,
    })
}
