//! Simulated pot activity: `POST /sandbox/pots/{PotId}/transactions`, a control of the
//! emulator (not part of any bank's API) that makes a pot transaction happen now, as the bank
//! would book it, and notifies subscribed clients.
//!
//! The body names the `Source` and the `Amount` (positive, at most two decimal places), with
//! `Merchant` (and optionally `MerchantCategoryCode`) for a `CardPayment` and `Name` (and
//! optionally `Reference`) for a `DirectDebit`, and optionally `Metadata` (at most 20 string
//! values: the customer's tools' own, shown in the pot transaction's
//! `SupplementaryData.Metadata` beside the bank's `trigger`):
//!
//! | `Source` | pot | main account |
//! |---|---|---|
//! | `TransferIn` | + | a `uk_retail_pot` debit "Transfer to {pot} Pot" |
//! | `TransferOut` | − | a `uk_retail_pot` credit "Transfer from {pot} Pot" |
//! | `CardPayment` | − | a `uk_retail_pot` credit "{merchant} from {pot} Pot", then the `mastercard` debit "{merchant} From {pot} Pot" |
//! | `DirectDebit` | − | a `uk_retail_pot` credit "{name} from {pot} Pot", then the `bacs` debit "{name}" |
//! | `Interest` | + | nothing |
//! | `RoundUp` | + | a `uk_retail_pot` debit "Round ups to {pot} Pot" |
//!
//! Money leaves a pot only if it is not locked and holds the amount; money goes in from the
//! main account only if the main account holds it. Every balance stays the sum of its
//! transactions. The answer (201) is the new pot transaction (`OBPotTransaction1`, with every
//! Detail field) and the ids of the main-account transactions it made.

use std::borrow::Cow;

use ::http::{Request, Response, StatusCode};
use ob_errors::ApiError;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::ais::pot_transaction_of;
use super::http;
use super::{Ctx, Sandbox};
use crate::seed::{Merchant, PotSource, Transaction, TxStatus};

/// A main-account transaction to book beside the pot movement.
struct Leg {
    credit: bool,
    code: &'static str,
    description: String,
    merchant: Option<Merchant>,
    /// Whether this leg is the transfer with the pot (it carries the pot's id).
    transfer: bool,
}

fn text_field(body: &Value, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 140 => Ok(Some(s.clone())),
        Some(_) => Err(http::field_invalid(
            name,
            "expected text of 1 to 140 characters",
        )),
    }
}

impl Sandbox {
    /// `POST /sandbox/pots/{PotId}/transactions`.
    pub(super) fn simulate_pot_transaction(
        &mut self,
        pot_id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        self.try_simulate(pot_id, req, ctx)
            .map(|body| http::json(StatusCode::CREATED, &body))
    }

    fn try_simulate(
        &mut self,
        pot_id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Value, ApiError> {
        let body: Value = http::parse_json(req.body())?;
        let source_name = text_field(&body, "Source")?
            .ok_or_else(|| http::field_invalid("Source", "required"))?;
        let amount = match body.get("Amount") {
            Some(Value::String(s)) => s.parse::<Decimal>().ok(),
            _ => None,
        }
        .filter(|a| *a > Decimal::ZERO && a.scale() <= 2 && *a < Decimal::from(1_000_000))
        .ok_or_else(|| {
            http::field_invalid(
                "Amount",
                "expected a positive amount as text, at most two decimal places, under 1000000",
            )
        })?;
        let source = match source_name.as_str() {
            "CardPayment" => PotSource::CardPayment {
                merchant: text_field(&body, "Merchant")?
                    .ok_or_else(|| http::field_invalid("Merchant", "required for a CardPayment"))?,
                mcc: match text_field(&body, "MerchantCategoryCode")? {
                    Some(c) if c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()) => c,
                    Some(_) => {
                        return Err(http::field_invalid(
                            "MerchantCategoryCode",
                            "expected four digits",
                        ))
                    }
                    None => "5999".into(),
                },
            },
            "DirectDebit" => PotSource::DirectDebit {
                name: text_field(&body, "Name")?
                    .ok_or_else(|| http::field_invalid("Name", "required for a DirectDebit"))?,
                reference: text_field(&body, "Reference")?.unwrap_or_default(),
            },
            other => PotSource::parse_simple(other).ok_or_else(|| {
                http::field_invalid(
                    "Source",
                    "expected TransferIn, TransferOut, CardPayment, DirectDebit, Interest or RoundUp",
                )
            })?,
        };
        let metadata = read_metadata(&body)?;
        self.book_pot_movement(pot_id, source, amount, metadata, ctx)
    }

    /// Books a pot movement now, as the bank does (the pot, and the main account's legs),
    /// tells subscribed clients, and returns the control's answer.
    pub(super) fn book_pot_movement(
        &mut self,
        pot_id: &str,
        source: PotSource,
        amount: Decimal,
        metadata: Vec<(String, String)>,
        ctx: &Ctx,
    ) -> Result<Value, ApiError> {
        let now = ctx.now;
        let account_id = self
            .world
            .users
            .iter()
            .flat_map(|u| &u.accounts)
            .find(|a| a.currency == "GBP" && a.pots.iter().any(|p| p.id == pot_id))
            .map(|a| a.id.clone())
            .ok_or_else(|| http::unknown_resource("pot"))?;
        let (main_balance, pot_name, pot_balance, locked) = {
            let (_, a) = self
                .world
                .account(&account_id)
                .ok_or_else(|| http::unknown_resource("pot"))?;
            let p = a
                .pots
                .iter()
                .find(|p| p.id == pot_id && p.closed.is_none())
                .ok_or_else(|| http::unknown_resource("pot"))?;
            // Balances are checked at the end of the history: nothing may be booked before
            // what is already there.
            let latest = a
                .transactions
                .last()
                .map(|t| t.at)
                .max(p.movements.last().map(|m| m.at));
            if latest.is_some_and(|l| now < l) {
                return Err(http::field_invalid(
                    "$",
                    "the emulator's clock is before the account's latest transaction",
                ));
            }
            (a.balance(), p.name.clone(), p.balance(), p.is_locked(now))
        };
        let refuse = |detail: String| http::field_invalid("Amount", &detail);
        let into_pot = source.is_credit();
        if !into_pot {
            if locked {
                return Err(http::field_invalid(
                    "PotId",
                    "the pot is locked: money cannot leave it until its lock ends",
                ));
            }
            if pot_balance < amount {
                return Err(refuse(format!(
                    "the pot holds {pot_balance}, less than {amount}"
                )));
            }
        }
        let legs: Vec<Leg> = match &source {
            PotSource::TransferIn => vec![Leg {
                credit: false,
                code: "uk_retail_pot",
                description: format!("Transfer to {pot_name} Pot"),
                merchant: None,
                transfer: true,
            }],
            PotSource::RoundUp => vec![Leg {
                credit: false,
                code: "uk_retail_pot",
                description: format!("Round ups to {pot_name} Pot"),
                merchant: None,
                transfer: true,
            }],
            PotSource::TransferOut => vec![Leg {
                credit: true,
                code: "uk_retail_pot",
                description: format!("Transfer from {pot_name} Pot"),
                merchant: None,
                transfer: true,
            }],
            PotSource::CardPayment { merchant, mcc } => vec![
                Leg {
                    credit: true,
                    code: "uk_retail_pot",
                    description: format!("{merchant} from {pot_name} Pot"),
                    merchant: None,
                    transfer: true,
                },
                Leg {
                    credit: false,
                    code: "mastercard",
                    description: format!("{merchant} From {pot_name} Pot"),
                    merchant: Some(Merchant {
                        name: Cow::Owned(merchant.clone()),
                        mcc: Cow::Owned(mcc.clone()),
                    }),
                    transfer: false,
                },
            ],
            PotSource::DirectDebit { name, .. } => vec![
                Leg {
                    credit: true,
                    code: "uk_retail_pot",
                    description: format!("{name} from {pot_name} Pot"),
                    merchant: None,
                    transfer: true,
                },
                Leg {
                    credit: false,
                    code: "bacs",
                    description: name.clone(),
                    merchant: None,
                    transfer: false,
                },
            ],
            PotSource::Interest => Vec::new(),
        };
        if into_pot && !legs.is_empty() && main_balance < amount {
            return Err(refuse(format!(
                "the main account holds {main_balance}, less than {amount}"
            )));
        }
        let ids: Vec<String> = legs.iter().map(|_| self.new_id("tx")).collect();
        let account = self
            .world
            .account_mut(&account_id)
            .ok_or_else(|| http::unknown_resource("pot"))?;
        let mut transfer_id = None;
        for (leg, id) in legs.into_iter().zip(&ids) {
            let balance_after = account.balance() + if leg.credit { amount } else { -amount };
            if leg.transfer {
                transfer_id = Some(id.clone());
            }
            account.record(Transaction {
                id: id.clone(),
                at: now,
                amount,
                credit: leg.credit,
                status: TxStatus::Booked,
                settlement: None,
                code: leg.code,
                raw_description: leg.description.to_uppercase(),
                description: leg.description,
                counterparty: None,
                merchant: leg.merchant,
                pot_id: leg.transfer.then(|| pot_id.to_owned()),
                balance_after,
            });
        }
        let signed = if into_pot { amount } else { -amount };
        let pot = account
            .pots
            .iter_mut()
            .find(|p| p.id == pot_id)
            .ok_or_else(|| http::unknown_resource("pot"))?;
        let movement_id = pot.add(now, signed, transfer_id, source);
        if let Some(m) = pot.movements.iter_mut().find(|m| m.id == movement_id) {
            m.metadata = metadata;
        }
        let (_, account) = self
            .world
            .account(&account_id)
            .ok_or_else(|| http::unknown_resource("pot"))?;
        let pot = account
            .pots
            .iter()
            .find(|p| p.id == pot_id)
            .ok_or_else(|| http::unknown_resource("pot"))?;
        let mut running = Decimal::ZERO;
        let mut created = Value::Null;
        for m in &pot.movements {
            running += m.amount;
            if m.id == movement_id {
                created = http::model_json(&pot_transaction_of(account, pot, m, running))?;
            }
        }
        self.emit_pot_transaction(&account_id, pot_id, &movement_id, into_pot, ctx);
        Ok(json!({
            "Data": {
                "PotTransaction": created,
                "MainAccountTransactionIds": ids,
            }
        }))
    }
}

/// The control's optional `Metadata`: an object of at most 20 string values, keys of 1 to 40
/// characters (`trigger` is the bank's own), values of at most 500.
fn read_metadata(body: &Value) -> Result<Vec<(String, String)>, ApiError> {
    let Some(m) = body.get("Metadata") else {
        return Ok(Vec::new());
    };
    let Value::Object(m) = m else {
        return Err(http::field_invalid(
            "Metadata",
            "Metadata: expected an object of string values",
        ));
    };
    if m.len() > 20 {
        return Err(http::field_invalid(
            "Metadata",
            "Metadata: at most 20 entries",
        ));
    }
    m.iter()
        .map(|(k, v)| {
            let path = format!("Metadata.{k}");
            match v {
                _ if k.is_empty() || k.chars().count() > 40 => Err(http::field_invalid(
                    &path,
                    "Metadata: keys are 1 to 40 characters",
                )),
                _ if k == "trigger" => Err(http::field_invalid(
                    &path,
                    "Metadata: trigger is the bank's own",
                )),
                Value::String(s) if s.chars().count() <= 500 => Ok((k.clone(), s.clone())),
                _ => Err(http::field_invalid(
                    &path,
                    "Metadata: values are text of at most 500 characters",
                )),
            }
        })
        .collect()
}
