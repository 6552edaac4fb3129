//! A local, stateful emulator of Monzo's Open Banking API.
//!
//! This crate is being built up (see the project's issues). It holds so far:
//!
//! - [`core`]: the API as a function from request to response, sans-IO (discovery, the
//!   sandbox's own software-statement directory, registration, tokens, the authorization
//!   endpoint with `DesiredStatus`, account-access consents and every AIS read Monzo offers,
//!   domestic payment consents and payments);
//! - `server` (feature `server`, on by default): the HTTPS server with client certificates from a
//!   development CA, and state in SQLite rebuilt by replaying the request log;
//! - [`seed`]: the seeded world of Monzo's sandbox users (heavy, medium, light, EU) with
//!   realistic, deterministic accounts, transactions, pots, standing orders, direct debits and
//!   scheduled payments.
//!
//! ```
//! let world = monzo_sandbox::seed::world();
//! let (user, account) = world.account("acc_0000A4C4ZSskDOixqNPfpR").unwrap();
//! assert_eq!(user.id, "user_0000A4C4ZChWNMEvew2U77");
//! assert!(account.transactions.len() > 1000);
//! // Balances are sums, always.
//! let sum: rust_decimal::Decimal = account
//!     .transactions
//!     .iter()
//!     .map(|t| if t.credit { t.amount } else { -t.amount })
//!     .sum();
//! assert_eq!(account.balance(), sum);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Handlers return `ob_errors::ApiError` by value: one per failed request, rendered at once;
// boxing it would only add noise.
#![allow(clippy::result_large_err)]

pub mod core;
pub mod seed;
#[cfg(feature = "server")]
pub mod server;
