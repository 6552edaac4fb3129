//! monzo-client end to end: the emulator's HTTPS server on loopback (in memory, port 0), and the
//! client through a whole journey: directory statement, registration, consents, the
//! authorization redirect and its id_token, tokens and refresh rotation, every account read
//! with pagination, payments with signatures and idempotent replay, and concurrent submissions
//! on one consent; event notifications pushed to a webhook (with retries) and polled.

mod eu;
mod events;
mod journey;
mod paging;

/// The examples' webhook receiver, tested here as the examples use it.
#[path = "../../examples/common/webhook.rs"]
#[allow(dead_code)]
mod webhook;
