//! A local, stateful emulator of Monzo's Open Banking API.
//!
//! - [`core`]: the API as a function from request to response, sans-IO: discovery, the
//!   sandbox's own software-statement directory, registration and its management, tokens, the
//!   authorization endpoint with `DesiredStatus`, account-access consents and every AIS read
//!   Monzo offers, every payment kind, VRP, confirmation of funds; and, as this project's
//!   proposal (not live at Monzo), pot transactions, `PotId` on main-account transactions,
//!   OBIE event subscriptions with signed events pushed or polled, and a sandbox control that
//!   makes a pot transaction happen;
//! - `server` (feature `server`, on by default): the HTTPS server with client certificates from a
//!   development CA, state in SQLite rebuilt by replaying the request log, and the pushes of
//!   event notifications;
//! - [`seed`]: the seeded world of Monzo's sandbox users (heavy, medium, light, EU) with
//!   realistic, deterministic accounts, transactions, pots (transfers, round-ups, virtual-card
//!   spends, direct debits paid from a pot, interest, a locked pot), standing orders, direct
//!   debits and scheduled payments.
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
