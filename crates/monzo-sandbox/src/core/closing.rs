//! Sandbox controls for what a customer does in the app: close things, withdraw access.
//!
//! | request | what happens |
//! |---|---|
//! | `POST /sandbox/account-access-consents/{ConsentId}/revoke` | the customer removes the TPP's access in the app: OBIE v3.1.10 (Account and Transaction API profile, "Consent Revocation"): on a revocation through the ASPSP's dashboard the consent's status is unchanged and its tokens are revoked, and the TPP may ask the customer to authenticate again. Its access and refresh tokens stop working at once; a subscribed TPP hears of it as a `resource-update` on the consent |
//! | `POST /sandbox/accounts/{AccountId}/close` | the account stays listed with `Status` `Deleted` (Monzo: "If the account has been closed, it will still be returned in the response, but with an updated Status"; OBIE's `Deleted` is "account cannot be used any longer"); its standing orders and scheduled payments are cancelled (their orders answer `Cancelled`), and it makes no more payments |
//! | `POST /sandbox/pots/{PotId}/close` | what the pot holds moves to the main account (a pot transfer, as the app does), and the pot is no longer listed (Monzo lists open pots only); its history stays readable on the proposal's `GET /pots/{PotId}/transactions`. A locked pot cannot be closed |
//!
//! Each answers 200 with what it closed. Closing what is already closed, or is not there, is a
//! 400 `UK.OBIE.Resource.NotFound` (as for any unknown resource here) and changes nothing.

use http::{Response, StatusCode};
use ob_errors::ApiError;
use serde_json::json;

use super::{http as h, Ctx, Region, Sandbox};
use crate::seed::PotSource;

impl Sandbox {
    /// `POST /sandbox/accounts/{AccountId}/close`.
    pub(super) fn close_account(
        &mut self,
        account_id: &str,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let account = self
            .world
            .account_mut(account_id)
            .filter(|a| a.closed.is_none())
            .ok_or_else(|| h::unknown_resource("account"))?;
        account.closed = Some(ctx.now);
        let mut cancelled: Vec<String> =
            account.scheduled_payments.drain(..).map(|p| p.id).collect();
        for order in &mut account.standing_orders {
            if order.next_payment.take().is_some() {
                cancelled.push(order.id.clone());
            }
        }
        for listed in &cancelled {
            self.pis.cancel(listed, ctx.now);
            self.notify_order_update(listed, ctx);
        }
        // The account-access consents that cover it hear of the change on the consent.
        for (consent, client) in self.ais.consents_covering(account_id) {
            let txn = format!("{account_id}@{}", ctx.now.timestamp());
            self.notify_consent_update(&client, &consent, &txn, ctx);
        }
        Ok(h::json(
            StatusCode::OK,
            &json!({"Data": {
                "AccountId": account_id,
                "Status": "Deleted",
                "StatusUpdateDateTime": h::rfc3339(ctx.now),
                "Cancelled": cancelled,
            }}),
        ))
    }

    /// A `resource-update` on account-access consent `consent` for its client (the link on the
    /// client's interface).
    fn notify_consent_update(&mut self, client: &str, consent: &str, txn: &str, ctx: &Ctx) {
        let region = self.clients.get(client).map_or(Region::Uk, |c| c.region);
        let link = format!(
            "{}/account-access-consents/{consent}",
            self.config.aisp_base_of(region)
        );
        self.emit_resource_update(client, consent, "account-access-consents", &link, txn, ctx);
    }

    /// `POST /sandbox/account-access-consents/{ConsentId}/revoke`: the customer withdraws the
    /// TPP's access in the app. Only an authorised consent has access to withdraw; anything
    /// else is a 400 `UK.OBIE.Resource.NotFound` and changes nothing.
    pub(super) fn revoke_access(
        &mut self,
        consent_id: &str,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self
            .ais
            .authorised_client(consent_id)
            .ok_or_else(|| h::unknown_resource("authorised account-access consent"))?;
        let revoked = self.tokens.revoke(consent_id, ctx.now);
        let txn = format!("{consent_id}@{}", ctx.now.timestamp());
        self.notify_consent_update(&client, consent_id, &txn, ctx);
        Ok(h::json(
            StatusCode::OK,
            &json!({"Data": {
                "ConsentId": consent_id,
                "Status": "Authorised",
                "TokensRevoked": revoked,
                "RevokedDateTime": h::rfc3339(ctx.now),
            }}),
        ))
    }

    /// `POST /sandbox/pots/{PotId}/close`.
    pub(super) fn close_pot(
        &mut self,
        pot_id: &str,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let (account_id, balance, locked) = self
            .world
            .users
            .iter()
            .flat_map(|u| &u.accounts)
            .find_map(|a| {
                a.pots
                    .iter()
                    .find(|p| p.id == pot_id && p.closed.is_none())
                    .map(|p| (a.id.clone(), p.balance(), p.is_locked(ctx.now)))
            })
            .ok_or_else(|| h::unknown_resource("pot"))?;
        if locked {
            return Err(h::field_invalid(
                "PotId",
                "the pot is locked: it cannot be closed until its lock ends",
            ));
        }
        let moved = if balance > rust_decimal::Decimal::ZERO {
            self.book_pot_movement(pot_id, PotSource::TransferOut, balance, Vec::new(), ctx)?
        } else {
            serde_json::Value::Null
        };
        if let Some(pot) = self
            .world
            .account_mut(&account_id)
            .and_then(|a| a.pots.iter_mut().find(|p| p.id == pot_id))
        {
            pot.closed = Some(ctx.now);
        }
        Ok(h::json(
            StatusCode::OK,
            &json!({"Data": {
                "PotId": pot_id,
                "Status": "Closed",
                "Closed": h::rfc3339(ctx.now),
                "Transfer": moved["Data"],
            }}),
        ))
    }
}
