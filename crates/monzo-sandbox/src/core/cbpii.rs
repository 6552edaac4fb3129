//! Confirmation of funds (v3.1.10, `/v3.1/cbpii`): funds-confirmation consents for one debtor
//! account (sort code and account number, as Monzo requires) and the checks made under them,
//! with `ob-consent`'s funds machine and rules. The customer approves on the approval page (the
//! CoF API has no `SupplementaryData`), for the account the consent names.

use ob_consent::ConsentMachine;
use std::collections::HashMap;

use ::http::{Method, Request, Response, StatusCode};
use monzo_model::funds::OBFundsConfirmationConsent1;
use ob_consent::funds::{self as machine, FundsConsent};

use ob_consent::payment_rules::{check_funds_confirmation, check_funds_consent};
use ob_consent::tokens::ConsentKind;
use ob_consent::ConsentError;
use ob_errors::ApiError;
use ob_model::funds::OBFundsConfirmation1;
use serde_json::Value;

use super::auth::{Caller, TokenUse};
use super::http;
use super::pis::{decode, to_json};
use super::{Ctx, Sandbox};

/// A funds-confirmation consent and what the sandbox keeps with it.
#[derive(Clone, Debug)]
pub(crate) struct StoredConsent {
    pub(crate) machine: FundsConsent,
    /// `DebtorAccount` as sent.
    pub(crate) debtor: Value,
    /// Its status over time.
    pub(crate) timeline: super::Timeline,
}

impl StoredConsent {
    /// The sort code and account number the consent is for.
    pub(crate) fn debtor_identification(&self) -> &str {
        self.debtor["Identification"].as_str().unwrap_or_default()
    }
}

/// The confirmation-of-funds side of the state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) consents: HashMap<String, StoredConsent>,
}

fn caller(token: TokenUse<'_>) -> Caller<'_> {
    Caller {
        token,
        kind: ConsentKind::FundsConfirmation,
        scope: "fundsconfirmations",
        signed: false,
    }
}

impl Sandbox {
    pub(super) fn cbpii(
        &mut self,
        method: &Method,
        rest: &[&str],
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        match (method, rest) {
            (&Method::POST, ["funds-confirmation-consents"]) => self.create_funds_consent(req, ctx),
            (&Method::GET, ["funds-confirmation-consents", id]) => self
                .caller_client(req, ctx, caller(TokenUse::ClientCredentials))
                .and_then(|c| {
                    self.owned_funds_consent(id, &c)?;
                    Ok(http::json(StatusCode::OK, &self.funds_consent_body(id)?))
                }),
            (&Method::DELETE, ["funds-confirmation-consents", id]) => {
                self.delete_funds_consent(id, req, ctx)
            }
            (&Method::POST, ["funds-confirmations"]) => self.confirm_funds(req, ctx),
            _ => Err(http::not_found()),
        }
    }

    fn create_funds_consent(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, caller(TokenUse::ClientCredentials))?;
        let request: OBFundsConfirmationConsent1 = decode(req.body())?;
        check_funds_consent(&request).map_err(|e| e.to_api_error())?;
        let expiration = request.data.expiration_date_time.as_ref().map(|t| t.utc());
        let id = self.new_id("obfundsconfirmationconsent");
        let awaiting = machine::AwaitingAuthorisation::new(machine::ConsentInfo {
            id: id.clone(),
            client_id: client,
            created: ctx.now,
            expiration,
        })
        .map_err(|e| e.to_api_error())?;
        self.cbpii.consents.insert(
            id.clone(),
            StoredConsent {
                machine: FundsConsent::AwaitingAuthorisation(awaiting),
                debtor: to_json(&request.data.debtor_account),
                timeline: super::Timeline::new(ctx.now, "AwaitingAuthorisation"),
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.funds_consent_body(&id)?,
        ))
    }

    fn funds_consent_body(&self, id: &str) -> Result<Value, ApiError> {
        use monzo_model::funds::{
            Meta, OBFundsConfirmationConsentResponse1 as Body,
            OBFundsConfirmationConsentResponse1Data as Data,
        };
        let c = self.cbpii.consents.get(id).ok_or_else(http::not_found)?;
        let info = c.machine.info();
        let debtor_account = http::from_stored(&c.debtor)?;
        http::model_json(&Body {
            data: Data {
                consent_id: id.into(),
                creation_date_time: http::date_time(info.created),
                status: c.machine.status(),
                status_update_date_time: http::date_time(c.timeline.updated),
                expiration_date_time: info.expiration.map(http::date_time),
                debtor_account,
                ..Data::default()
            },
            links: Some(Box::new(monzo_model::funds::Links {
                self_: format!(
                    "{}/funds-confirmation-consents/{id}",
                    self.config.cbpii_base()
                )
                .into(),
                ..Default::default()
            })),
            meta: Some(Box::new(Meta::default())),
            ..Body::default()
        })
    }

    /// The client's consent `id`; one the TPP deleted is gone (400, as OBIE's profile says of
    /// every deleted consent resource; see the account-access consents).
    fn owned_funds_consent(&self, id: &str, client: &str) -> Result<&StoredConsent, ApiError> {
        self.cbpii
            .consents
            .get(id)
            .filter(|c| c.machine.info().client_id == client)
            .filter(|c| !matches!(c.machine, FundsConsent::Revoked(_)))
            .ok_or_else(|| http::unknown_resource("consent"))
    }

    fn delete_funds_consent(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, caller(TokenUse::ClientCredentials))?;
        self.owned_funds_consent(id, &client)?;
        super::delete_consent(
            &mut self.tokens,
            id,
            self.cbpii.consents.get_mut(id),
            machine::Event::Revoke,
            ctx.now,
        )
    }

    /// `POST /funds-confirmations`: with the consent's token, while it is authorised and
    /// unexpired; answers whether the account covers the amount.
    fn confirm_funds(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, caller(TokenUse::Consent(None)))?;
        let request: OBFundsConfirmation1 = decode(req.body())?;
        check_funds_confirmation(&request).map_err(|e| e.to_api_error())?;
        let consent_id = request.data.consent_id.to_string();
        self.check_token_consent(req, ctx, &consent_id)?;
        let c = self.owned_funds_consent(&consent_id, &client)?;
        let FundsConsent::Authorised(auth) = &c.machine else {
            return Err(ConsentError::InvalidConsentStatus {
                action: "confirm funds",
                status: c.machine.status_name(),
            }
            .to_api_error());
        };
        auth.check_active(ctx.now).map_err(|e| e.to_api_error())?;
        let amount = request.data.instructed_amount.amount.value();
        let available = self
            .world
            .account(&auth.account_id)
            .is_some_and(|(_, a)| a.balance() >= amount);
        let confirmation_id = self.new_id("obfundsconf");
        let body = http::model_json(&monzo_model::funds::OBFundsConfirmationResponse1 {
            data: monzo_model::funds::OBFundsConfirmationResponse1Data {
                funds_confirmation_id: confirmation_id.as_str().into(),
                consent_id: consent_id.as_str().into(),
                creation_date_time: http::date_time(ctx.now),
                funds_available: available,
                reference: request.data.reference.clone(),
                instructed_amount: request.data.instructed_amount.clone(),
                ..Default::default()
            },
            links: Some(Box::new(monzo_model::funds::Links {
                self_: format!(
                    "{}/funds-confirmations/{confirmation_id}",
                    self.config.cbpii_base()
                )
                .into(),
                ..Default::default()
            })),
            meta: Some(Box::new(monzo_model::funds::Meta::default())),
            ..Default::default()
        })?;
        Ok(http::json(StatusCode::CREATED, &body))
    }
}

impl super::StoredConsent for StoredConsent {
    type Machine = FundsConsent;

    fn parts(&mut self) -> (&mut FundsConsent, &mut super::Timeline) {
        (&mut self.machine, &mut self.timeline)
    }
}
