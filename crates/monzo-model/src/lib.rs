//! Monzo's profile of the UK Open Banking APIs, generated from the pinned OBIE specs plus
//! Monzo's extension documents in `specs/monzo/`.
//!
//! Each module mirrors an [`ob_model`] module and is a complete view of what Monzo serves (its
//! operation tables list only the endpoints Monzo implements, `application/json` only):
//! OBIE types that Monzo leaves unchanged are re-exported from `ob_model`; types Monzo extends or
//! narrows are generated here under the same names; Monzo's own types (pots, transaction
//! `SupplementaryData`, proprietary transaction codes, sandbox `SupplementaryData`) are added.
//!
//! | module | feature | what Monzo changes |
//! |---|---|---|
//! | `common` | always | `OBErrorResponse1` / `OBError1` with Monzo's `UK.MONZO.*` codes, shared by the APIs below |
//! | `accounts` | `accounts` | `GET /pots` (`OBReadPot1`), typed transaction `SupplementaryData`, `ProprietaryBankTransactionCode.Code` list, `includePots` and `order` parameters, sandbox consent `SupplementaryData`, `UK.MONZO.*` error codes |
//! | `payments` | `payments` | GBP / `UK.OBIE.SortCodeAccountNumber` / `UK.OBIE.FPS` narrowing (checked by `validate()`), sandbox `SupplementaryData`, error codes |
//! | `payments_v3_1_11` | `payments` | the above plus international payments rules (v3.1.11) |
//! | `vrp` | `vrp` | VRP narrowing and sandbox `SupplementaryData`, error codes |
//! | `funds` | `funds` | `UK.OBIE.SortCodeAccountNumber` only, error codes |
//! | `events` | `events` | not offered by Monzo: the OBIE Events API as the local emulator serves it for this project's pot proposal (JSON only, Monzo's error codes) |
//! | [`developer`] | `developer` | not Open Banking: the developer API's transactions, pots, balance and webhook JSON, written by hand (no spec exists), with the pot-transfer metadata |
//!
//! Monzo's narrowing is documented on the types and enforced by [`Validate`](ob_model::Validate),
//! never by decoding: a document Monzo would reject still decodes, and `validate()` says why.
//!
//! ```
//! # #[cfg(feature = "accounts")] {
//! use monzo_model::accounts::{MonzoProprietaryTransactionCode, OBReadTransaction6};
//! use ob_model::decode;
//!
//! let body = br#"{"Data":{"Transaction":[{"AccountId":"acc_1","CreditDebitIndicator":"Credit",
//!   "Status":"Booked","BookingDateTime":"2022-02-25T10:35:39.636Z",
//!   "Amount":{"Amount":"150.0000","Currency":"GBP"},
//!   "ProprietaryBankTransactionCode":{"Code":"bacs","Issuer":"Monzo"},
//!   "SupplementaryData":{"Declined":false,"RawTransactionDescription":"MR PAYROLL SERVICE"}}]},
//!   "Links":{"Self":"https://x/"},"Meta":{}}"#;
//! let doc: OBReadTransaction6 = decode::from_slice(body).unwrap();
//! let tx = &doc.data.transaction.as_ref().unwrap()[0];
//! let code = &tx.proprietary_bank_transaction_code.as_ref().unwrap().code;
//! assert_eq!(*code, MonzoProprietaryTransactionCode::Bacs);
//! assert_eq!(tx.supplementary_data.as_ref().unwrap().declined, Some(false));
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[rustfmt::skip]
mod generated;

#[cfg(feature = "developer")]
pub mod developer;

/// The README's example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExample;

pub use generated::*;
