//! A webhook receiver for OBIE event notifications: an HTTP server on a loopback port that
//! takes `POST .../event-notifications` (the SET as an `application/jwt` body), answers
//! `202 Accepted`, and hands each body to a channel. Anything else gets 404 (wrong path),
//! 405 (wrong method) or 400 (an empty or oversized body). [`start_with`] can refuse the
//! first notifications with 503, to watch the bank retry.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The largest SET accepted.
const MAX_SET: usize = 64 * 1024;

/// A running receiver: its callback URL (without `/event-notifications`, as a subscription's
/// `CallbackUrl` takes it) and the SETs it has received.
pub struct Receiver {
    /// `http://127.0.0.1:{port}`.
    pub callback_url: String,
    /// Each received SET, in arrival order.
    pub sets: mpsc::UnboundedReceiver<String>,
}

async fn handle(
    req: Request<Incoming>,
    tx: mpsc::UnboundedSender<String>,
    refuse: Arc<AtomicUsize>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode| {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = status;
        Ok(r)
    };
    if !req.uri().path().ends_with("/event-notifications") {
        return reply(StatusCode::NOT_FOUND);
    }
    if req.method() != Method::POST {
        return reply(StatusCode::METHOD_NOT_ALLOWED);
    }
    let body = match Limited::new(req.into_body(), MAX_SET).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return reply(StatusCode::BAD_REQUEST),
    };
    let refused = refuse
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refused {
        return reply(StatusCode::SERVICE_UNAVAILABLE);
    }
    match std::str::from_utf8(&body) {
        Ok(set) if !set.trim().is_empty() => {
            // The example may have stopped listening: the notification was still received.
            let _ = tx.send(set.trim().to_owned());
            reply(StatusCode::ACCEPTED)
        }
        _ => reply(StatusCode::BAD_REQUEST),
    }
}

/// Starts a receiver on a free loopback port.
pub async fn start() -> std::io::Result<Receiver> {
    start_with(0).await
}

/// Starts a receiver that answers the first `refuse_first` notifications with 503.
pub async fn start_with(refuse_first: usize) -> std::io::Result<Receiver> {
    let refuse = Arc::new(AtomicUsize::new(refuse_first));
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let port = listener.local_addr()?.port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let tx = tx.clone();
            let refuse = refuse.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req| handle(req, tx.clone(), refuse.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    Ok(Receiver {
        callback_url: format!("http://127.0.0.1:{port}"),
        sets: rx,
    })
}
