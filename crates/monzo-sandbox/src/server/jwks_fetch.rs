//! Fetching a TPP's keys for a registration on the EU interface: the one time the emulator
//! makes an outbound request on a client's behalf (see [`crate::core::FETCHED_KEYS_HEADER`]).
//!
//! The fetch is bounded: [`FETCH_TIMEOUT`] for the whole exchange, at most [`MAX_JWKS_BYTES`]
//! of body, no redirects, a `200` with a JSON Web Key Set or nothing. The URL must be `https`,
//! or plain `http` to this machine only (a TPP developing against the sandbox serves its JWKS
//! locally; the real bank fetches over the internet).

use std::time::Duration;

use crate::core::FetchedKeys;

/// How long a JWKS fetch may take, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest JWKS body read (a set of a few RSA keys is about 2 KiB).
pub const MAX_JWKS_BYTES: usize = 64 << 10;

/// The HTTP client for JWKS fetches.
pub(super) fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(FETCH_TIMEOUT)
        .build()
}

/// Whether a URL may be fetched: `https` anywhere, `http` only to a loopback host.
fn allowed(url: &reqwest::Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err("plain http is only fetched from this machine (127.0.0.1, ::1, localhost): use https".into())
            }
        }
        other => Err(format!("the scheme {other:?} is not fetched: use https")),
    }
}

/// Fetches the JWKS at `uri`: the keys, or why there are none.
pub(super) async fn fetch(client: &reqwest::Client, uri: &str) -> FetchedKeys {
    match fetch_inner(client, uri).await {
        Ok(jwks) => FetchedKeys::found(uri, jwks),
        Err(reason) => FetchedKeys::failed(uri, &reason),
    }
}

async fn fetch_inner(client: &reqwest::Client, uri: &str) -> Result<ob_jose::Jwks, String> {
    let url = reqwest::Url::parse(uri).map_err(|e| format!("not a URL: {e}"))?;
    allowed(&url)?;
    let mut resp = client
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("the request failed: {e}"))?;
    if resp.status() != reqwest::StatusCode::OK {
        return Err(format!("the server answered {}", resp.status()));
    }
    let mut body = Vec::new();
    let read = async {
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("reading: {e}"))? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the key set is larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(())
    };
    tokio::time::timeout(FETCH_TIMEOUT, read)
        .await
        .map_err(|_| format!("no complete answer within {} s", FETCH_TIMEOUT.as_secs()))??;
    serde_json::from_slice(&body).map_err(|e| format!("not a JSON Web Key Set: {e}"))
}
