//! What the bank does as time passes: scheduled payments execute at their
//! `RequestedExecutionDateTime`, standing orders on Monzo's schedule (repeating from
//! `FirstPaymentDateTime`, the day in the frequency ignored, until `NumberOfPayments` or
//! `FinalPaymentDateTime`), and pending card payments settle, possibly for another amount
//! (Monzo: "Transaction amounts can change after the transaction is first created"; a pump's
//! pre-authorisation settles for what was drawn), the running balances after them moving with
//! the difference.
//!
//! Before every request the core runs whatever fell due by the request's sandbox time, oldest
//! first ([`Sandbox::run_due`]). An execution is booked at its due time, not at the request's,
//! so the world is the same whichever request happens to find the work due: a read, a
//! logged request, or the first request after a restart. That keeps replay exact although reads
//! are not logged (they create nothing else in between).
//!
//! Every outbound payment (immediate, scheduled, standing order, VRP) goes through
//! [`Sandbox::send`]: the account's daily limit for its type (Monzo's "Payment limits
//! exceeded"), then its funds ("Insufficient funds"); or the reason the consent's sandbox
//! `DesiredRejectionReason` asks for (this emulator's trigger for Monzo's other reasons). A refused execution is listed in the
//! history with status `Rejected` (and Monzo's `Declined: true`), moving no money; a standing
//! order goes on to its next payment.

use ob_consent::payment_rules::{check_daily_limit, uk_date};
use ob_consent::rejection::RejectionReason;
use ob_jose::Instant;
use rust_decimal::Decimal;

use super::{Ctx, Sandbox};
use crate::seed::{Counterparty, Transaction, TxStatus};

/// Work that falls due.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// A scheduled payment, by id.
    Scheduled(String),
    /// A standing order's next payment, by id.
    StandingOrder(String),
    /// A pending transaction's settlement, by id.
    Settlement(String),
}

/// The pending transactions of a world that will settle: (when, account, transaction), in
/// time order. Built once from the world; settling removes them.
pub(crate) fn settlements(world: &crate::seed::World) -> Vec<(Instant, String, String)> {
    let mut out: Vec<(Instant, String, String)> = world
        .users
        .iter()
        .flat_map(|u| &u.accounts)
        .flat_map(|a| {
            a.transactions
                .iter()
                .filter(|t| t.status == TxStatus::Pending)
                .filter_map(move |t| t.settlement.map(|s| (s.at, a.id.clone(), t.id.clone())))
        })
        .collect();
    out.sort();
    out
}

/// A payment the bank makes from an account.
pub(crate) struct Outbound<'a> {
    pub(crate) account_id: &'a str,
    pub(crate) amount: Decimal,
    pub(crate) at: Instant,
    pub(crate) creditor: Counterparty,
    pub(crate) reference: &'a str,
    /// The transaction's id.
    pub(crate) transaction_id: String,
    /// Monzo's transaction code (`faster_payments`, `international_payment`).
    pub(crate) code: &'static str,
    /// A rejection the sandbox was asked for (`DesiredRejectionReason`), whatever the account.
    pub(crate) forced: Option<RejectionReason>,
    /// What made the payment: a payment order's or VRP's id, or the `sp_`/`so_` id of the
    /// scheduled payment or standing order listed on the account.
    pub(crate) origin: &'a str,
}

/// A payment the bank made or refused, by what made it (see [`Outbound::origin`]): what the
/// console shows as the transactions an order booked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Booked {
    /// The order, VRP, scheduled payment or standing order.
    pub(crate) origin: String,
    /// The account it left (or was to leave).
    pub(crate) account_id: String,
    /// The transaction on that account (`Booked`, or `Rejected` with the reason).
    pub(crate) transaction_id: String,
}

impl Sandbox {
    /// What the account has sent on the UK day of `at` (payments the bank refused excluded).
    pub(crate) fn sent_on_day(&self, account_id: &str, at: Instant) -> Decimal {
        self.sent
            .get(&(account_id.to_owned(), uk_date(at)))
            .copied()
            .unwrap_or_default()
    }

    /// Whether the account may send `amount` at `at`: open, its type's daily limit (Monzo:
    /// personal and joint £10,000, sole trader £25,000, limited company £50,000), then its
    /// funds.
    pub(crate) fn may_send(
        &self,
        account_id: &str,
        amount: Decimal,
        at: Instant,
    ) -> Result<(), RejectionReason> {
        let Some((_, account)) = self.world.account(account_id) else {
            return Err(RejectionReason::SomethingWentWrong);
        };
        // A closed account pays nothing (its orders were cancelled when it closed).
        if account.closed.is_some() {
            return Err(RejectionReason::SomethingWentWrong);
        }
        check_daily_limit(
            account.limit_type().default_daily_limit(),
            self.sent_on_day(account_id, at),
            amount,
        )
        .map_err(|_| RejectionReason::PaymentLimitsExceeded)?;
        let balance = account.balance();
        if balance < amount {
            return Err(RejectionReason::InsufficientFunds);
        }
        Ok(())
    }

    /// Makes the payment if the account may send it (booked, counted towards the day's limit),
    /// else lists it as rejected; either way it appears in the account's history.
    pub(crate) fn send(&mut self, p: Outbound<'_>) -> Result<(), RejectionReason> {
        // The sandbox's forced rejection, if one waits, is this payment's.
        let forced = p.forced.or_else(|| self.next_rejection.take());
        let verdict = match forced {
            Some(reason) => Err(reason),
            None => self.may_send(p.account_id, p.amount, p.at),
        };
        let Some(balance) = self.world.account(p.account_id).map(|(_, a)| a.balance()) else {
            return Err(RejectionReason::SomethingWentWrong);
        };
        let (status, balance_after) = match verdict {
            Ok(()) => (TxStatus::Booked, balance - p.amount),
            Err(_) => (TxStatus::Rejected, balance),
        };
        self.booked.push(Booked {
            origin: p.origin.to_owned(),
            account_id: p.account_id.to_owned(),
            transaction_id: p.transaction_id.clone(),
        });
        let Some(account) = self.world.account_mut(p.account_id) else {
            return Err(RejectionReason::SomethingWentWrong);
        };
        account.record(Transaction {
            id: p.transaction_id,
            at: p.at,
            amount: p.amount,
            credit: false,
            status,
            code: p.code,
            description: p.creditor.name.clone(),
            raw_description: p.reference.to_uppercase(),
            counterparty: Some(p.creditor),
            merchant: None,
            pot_id: None,
            balance_after,
            settlement: None,
        });
        if verdict.is_ok() {
            *self
                .sent
                .entry((p.account_id.to_owned(), uk_date(p.at)))
                .or_default() += p.amount;
        }
        verdict
    }

    /// Runs every scheduled payment, standing-order payment and settlement due by `ctx.now`,
    /// oldest first. A refused execution is told to the order's client (a `resource-update`
    /// at its due time).
    pub(crate) fn run_due(&mut self, ctx: &Ctx) {
        while let Some((at, account_id, due)) = self.next_due(ctx.now) {
            let at_due = Ctx {
                now: at,
                wall: ctx.wall,
                client_certificate_dn: None,
                region: ctx.region,
            };
            match due {
                Due::Scheduled(id) => self.execute_scheduled(&account_id, &id, &at_due),
                Due::StandingOrder(id) => self.execute_standing_order(&account_id, &id, &at_due),
                Due::Settlement(id) => self.settle(&account_id, &id),
            }
        }
    }

    /// The earliest work due by `now` (ties in account, then id, order).
    fn next_due(&self, now: Instant) -> Option<(Instant, String, Due)> {
        let mut best: Option<(Instant, String, Due)> = self
            .settlements
            .first()
            .filter(|(at, _, _)| *at <= now)
            .map(|(at, account, id)| (*at, account.clone(), Due::Settlement(id.clone())));
        for user in &self.world.users {
            for a in &user.accounts {
                let scheduled = a
                    .scheduled_payments
                    .iter()
                    .map(|p| (p.at, Due::Scheduled(p.id.clone())));
                let standing = a.standing_orders.iter().filter_map(|o| {
                    o.next_payment
                        .map(|at| (at, Due::StandingOrder(o.id.clone())))
                });
                for (at, due) in scheduled.chain(standing) {
                    if at > now {
                        continue;
                    }
                    let candidate = (at, a.id.clone(), due);
                    if best.as_ref().is_none_or(|b| candidate < *b) {
                        best = Some(candidate);
                    }
                }
            }
        }
        best
    }

    /// A pending transaction settles: booked, for its settled amount; when that differs, the
    /// running balances from it on move by the difference.
    fn settle(&mut self, account_id: &str, id: &str) {
        self.settlements
            .retain(|(_, a, t)| !(a == account_id && t == id));
        let Some(account) = self.world.account_mut(account_id) else {
            return;
        };
        let Some(i) = account.transactions.iter().position(|t| t.id == id) else {
            return;
        };
        let t = &mut account.transactions[i];
        let Some(settlement) = t.settlement.take() else {
            return;
        };
        let change = settlement.amount - t.amount;
        let shift = if t.credit { change } else { -change };
        t.amount = settlement.amount;
        t.status = TxStatus::Booked;
        for later in &mut account.transactions[i..] {
            later.balance_after += shift;
        }
    }

    fn execute_scheduled(&mut self, account_id: &str, id: &str, ctx: &Ctx) {
        let at = ctx.now;
        let Some(account) = self.world.account_mut(account_id) else {
            return;
        };
        let Some(i) = account.scheduled_payments.iter().position(|p| p.id == id) else {
            return;
        };
        // Made (or refused) once: it leaves the list of scheduled payments.
        let payment = account.scheduled_payments.remove(i);
        let transaction_id = self.new_id("tx");
        let outcome = self.send(Outbound {
            account_id,
            amount: payment.amount,
            at,
            creditor: payment.creditor,
            reference: &payment.reference,
            transaction_id,
            code: "faster_payments",
            forced: payment.forced_rejection,
            origin: &payment.id,
        });
        self.pis.executed(&payment.id, at, outcome.err());
        if outcome.is_err() {
            self.notify_order_update(&payment.id, ctx);
        }
    }

    fn execute_standing_order(&mut self, account_id: &str, id: &str, ctx: &Ctx) {
        let at = ctx.now;
        let Some(order) = self
            .world
            .account_mut(account_id)
            .and_then(|a| a.standing_orders.iter_mut().find(|o| o.id == id))
        else {
            return;
        };
        // This payment falls due now; the order moves on to the next, or ends.
        order.paid += 1;
        order.next_payment = order.plan().and_then(|plan| plan.payment(order.paid));
        let (amount, creditor, reference, forced) = (
            order.amount,
            order.creditor.clone(),
            order.reference.clone(),
            order.forced_rejection,
        );
        let transaction_id = self.new_id("tx");
        let outcome = self.send(Outbound {
            account_id,
            amount,
            at,
            creditor,
            reference: &reference,
            transaction_id,
            code: "faster_payments",
            forced,
            origin: id,
        });
        if outcome.is_ok() {
            if let Some(order) = self
                .world
                .account_mut(account_id)
                .and_then(|a| a.standing_orders.iter_mut().find(|o| o.id == id))
            {
                order.last_payment = Some(at);
            }
        }
        self.pis.executed(id, at, outcome.err());
        if outcome.is_err() {
            self.notify_order_update(id, ctx);
        }
    }
}

impl Sandbox {
    /// `POST /sandbox/payments/next-rejection`: a sandbox control. The next payment the bank
    /// makes (an order, a scheduled payment or a standing order falling due, a VRP), whatever
    /// its account holds, is rejected with `Reason`, one of Monzo's rejection texts
    /// (`RejectionReason::text`). It answers 200 with the reason waiting; a second call
    /// replaces it.
    pub(super) fn next_rejection_control(
        &mut self,
        req: &::http::Request<Vec<u8>>,
    ) -> Result<::http::Response<Vec<u8>>, ob_errors::ApiError> {
        let body: serde_json::Value = super::http::parse_json(req.body())?;
        let reason = body
            .get("Reason")
            .and_then(serde_json::Value::as_str)
            .and_then(RejectionReason::from_text)
            .ok_or_else(|| {
                let texts: Vec<&str> = RejectionReason::ALL.iter().map(|r| r.text()).collect();
                super::http::field_invalid(
                    "Reason",
                    &format!("expected one of: {}", texts.join("; ")),
                )
            })?;
        self.next_rejection = Some(reason);
        Ok(super::http::json(
            ::http::StatusCode::OK,
            &serde_json::json!({ "Reason": reason.text() }),
        ))
    }
}
