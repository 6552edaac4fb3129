//! The Monzo developer API's JSON (`api.monzo.com`, the personal API behind many budgeting
//! tools' exports): transactions, pots, balance and the `transaction.created` webhook.
//!
//! Unlike the Open Banking modules, these types are written by hand: the developer API has no
//! specification to generate from, only Monzo's reference pages and what its responses are seen
//! to carry. They keep everything they do not name in `extra`, so a document decodes and
//! encodes again without losing a field, and every field beyond the few the reference marks as
//! always present is optional.
//!
//! Amounts are integers in minor units (pence), negative for money leaving the account. A pot
//! transfer in the main account's feed has `scheme` `uk_retail_pot` (or `uk_business_pot`) and
//! names the pot in `metadata.pot_id`, with `metadata.pot_deposit_id` (money into the pot) or
//! `metadata.pot_withdrawal_id` (out of it); `metadata.pot_account_id` is the pot's own ledger
//! account.
//!
//! ```
//! use monzo_model::developer::{TransactionList, PotTransfer};
//!
//! let body = br#"{"transactions":[{"id":"tx_1","amount":-2500,"currency":"GBP",
//!   "created":"2026-10-26T10:00:00.000Z","description":"pot_0001","scheme":"uk_retail_pot",
//!   "metadata":{"pot_id":"pot_0001","pot_account_id":"acc_9","pot_deposit_id":"potdep_1",
//!   "trigger":"user"},"settled":"2026-10-26T10:00:00.000Z","category":"savings"}]}"#;
//! let list: TransactionList = serde_json::from_slice(body).unwrap();
//! let transfer = list.transactions[0].pot_transfer().unwrap();
//! assert_eq!(transfer.pot_id, "pot_0001");
//! assert_eq!(transfer.into_pot.to_string(), "25.00");
//! # let _: PotTransfer = transfer;
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `GET /transactions`: `{"transactions": [...]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransactionList {
    /// The transactions, oldest first (as the API returns them).
    pub transactions: Vec<Transaction>,
}

/// `GET /transactions/{id}`: `{"transaction": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransactionOne {
    /// The transaction.
    pub transaction: Transaction,
}

/// A transaction of the developer API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// `tx_...`
    pub id: String,
    /// Minor units, negative for money leaving the account.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// The description (for a pot transfer, often the pot's id or name).
    #[serde(default)]
    pub description: String,
    /// The account it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The payment scheme: `mastercard`, `uk_retail_pot`, `uk_business_pot`, `bacs`,
    /// `faster_payments`, `payport_faster_payments`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// The category (`general`, `eating_out`, `savings`, `transfers`, ... or a custom one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// When it settled; an empty string while it has not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<String>,
    /// Why it was declined, on declined transactions only (`INSUFFICIENT_FUNDS`,
    /// `CARD_INACTIVE`, `CARD_BLOCKED`, `INVALID_CVC`, `OTHER`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    /// Whether it is a top-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_load: Option<bool>,
    /// Whether it counts as spending (pot transfers do not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_in_spending: Option<bool>,
    /// The customer's notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The merchant: an id, or the object with `expand[]=merchant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant: Option<MerchantRef>,
    /// Key-value metadata; pot transfers name their pot here.
    #[serde(default)]
    pub metadata: TransactionMetadata,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A transaction's merchant: its id, or the expanded object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MerchantRef {
    /// `merch_...`
    Id(String),
    /// The expanded merchant.
    Expanded(Box<Merchant>),
}

/// An expanded merchant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Merchant {
    /// `merch_...`
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Every other field (address, logo, emoji, group id, ...), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A transaction's metadata: strings by key. The pot keys are named; every other key is kept
/// in `other`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionMetadata {
    /// The pot a pot transfer moved money to or from (`pot_...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pot_id: Option<String>,
    /// The pot's own ledger account (`acc_...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pot_account_id: Option<String>,
    /// On a transfer into a pot: the deposit (`potdep_...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pot_deposit_id: Option<String>,
    /// On a transfer out of a pot: the withdrawal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pot_withdrawal_id: Option<String>,
    /// What started it (`user`, or a rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Every other key.
    #[serde(flatten)]
    pub other: BTreeMap<String, String>,
}

/// What a pot transfer did to its pot, read from a main-account transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PotTransfer {
    /// The pot.
    pub pot_id: String,
    /// The amount in major units, signed for the pot: positive into it, negative out of it.
    pub into_pot: Decimal,
}

/// The schemes of pot transfers.
pub const POT_SCHEMES: [&str; 2] = ["uk_retail_pot", "uk_business_pot"];

impl Transaction {
    /// Whether it is a pot transfer (`scheme` `uk_retail_pot` or `uk_business_pot`).
    pub fn is_pot_transfer(&self) -> bool {
        self.scheme
            .as_deref()
            .is_some_and(|s| POT_SCHEMES.contains(&s))
    }

    /// Whether it was declined (it moved no money).
    pub fn is_declined(&self) -> bool {
        self.decline_reason.is_some()
    }

    /// The amount in major units (two decimal places for GBP and EUR), signed as the API
    /// signs it.
    pub fn amount_decimal(&self) -> Decimal {
        Decimal::new(self.amount, 2)
    }

    /// What it did to a pot, if it is a pot transfer that moved money and names its pot in
    /// `metadata.pot_id`. Money leaving the main account went into the pot.
    pub fn pot_transfer(&self) -> Option<PotTransfer> {
        if !self.is_pot_transfer() || self.is_declined() {
            return None;
        }
        let pot_id = self.metadata.pot_id.clone()?;
        Some(PotTransfer {
            pot_id,
            into_pot: -self.amount_decimal(),
        })
    }
}

/// `GET /pots`: `{"pots": [...]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PotList {
    /// The pots.
    pub pots: Vec<Pot>,
}

/// A pot of the developer API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pot {
    /// `pot_...`
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its cover style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// Its balance in minor units.
    pub balance: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    /// Whether it was deleted.
    #[serde(default)]
    pub deleted: bool,
    /// `default`, `flexible_savings`, ... (seen, not in the reference).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub pot_type: Option<String>,
    /// The savings goal in minor units, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal_amount: Option<i64>,
    /// The current account it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_account_id: Option<String>,
    /// Whether it is locked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Whether round-ups go into it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_up: Option<bool>,
    /// Whether it has virtual cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_virtual_cards: Option<bool>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Pot {
    /// The balance in major units.
    pub fn balance_decimal(&self) -> Decimal {
        Decimal::new(self.balance, 2)
    }
}

/// `GET /balance`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// The account's balance, minor units.
    pub balance: i64,
    /// The balance plus every pot's, minor units.
    pub total_balance: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Spending today (since about 4 a.m.), minor units.
    #[serde(default)]
    pub spend_today: i64,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A webhook event: `{"type": "transaction.created", "data": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// The event type (`transaction.created`).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The transaction.
    pub data: Transaction,
}
