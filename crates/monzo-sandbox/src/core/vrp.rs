//! Domestic variable recurring payments (v3.1.10): consents with control parameters, funds
//! confirmation, and payments under a consent, with `ob-consent`'s VRP machine and rules
//! (limits per payment and per period, the validity window), the shared idempotency ledger,
//! and signatures on requests and responses. Monzo omits `payment-details`.

use ob_consent::ConsentMachine;
use std::collections::HashMap;

use ::http::{Method, Request, Response, StatusCode};
use chrono::Duration;
use monzo_model::vrp::{
    OBDomesticVRPConsentRequest, OBDomesticVRPRequest, OBVRPFundsConfirmationRequest,
};
use ob_consent::payment_rules::{check_order_matches, check_vrp_consent, check_vrp_instruction};
use ob_consent::rejection::RejectionReason;
use ob_consent::tokens::ConsentKind;
use ob_consent::vrp::{self as machine, VrpConsent};
use ob_consent::ConsentError;
use ob_errors::ApiError;
use ob_jose::Instant;
use serde_json::{json, Value};

use super::auth::{Caller, TokenUse};
use super::http;
use super::pis::{decode, desired_rejection, to_json, with_rejection_reason};
use super::{Ctx, Sandbox};

/// A VRP consent and what the sandbox keeps with it.
#[derive(Clone, Debug)]
pub(crate) struct StoredConsent {
    pub(crate) machine: VrpConsent,
    pub(crate) control: Value,
    pub(crate) initiation: Value,
    pub(crate) risk: Value,
    pub(crate) read_refund_account: bool,
    /// `DesiredStatus` (approve?); Monzo documents no `UserID` for VRP consents.
    pub(crate) desired: Option<bool>,
    /// Its status over time.
    pub(crate) timeline: super::Timeline,
}

/// A payment under a VRP consent.
#[derive(Clone, Debug)]
pub(crate) struct Payment {
    pub(crate) consent_id: String,
    pub(crate) account_id: String,
    pub(crate) initiation: Value,
    pub(crate) instruction: Value,
    pub(crate) risk: Value,
    pub(crate) created: Instant,
    pub(crate) refund: bool,
    /// Why the bank refused the payment (funds, the daily limit), if it did.
    pub(crate) rejection: Option<RejectionReason>,
}

/// The VRP side of the state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) consents: HashMap<String, StoredConsent>,
    pub(crate) payments: HashMap<String, Payment>,
}

fn caller(token: TokenUse<'_>) -> Caller<'_> {
    Caller {
        token,
        kind: ConsentKind::Vrp,
        scope: "payments",
        signed: true,
    }
}

impl Sandbox {
    pub(super) fn vrp(
        &mut self,
        method: &Method,
        rest: &[&str],
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        match (method, rest) {
            (&Method::POST, ["domestic-vrp-consents"]) => {
                self.idempotent(req, ctx, caller(TokenUse::ClientCredentials), |s, c| {
                    s.create_vrp_consent(req, ctx, c)
                })
            }
            (&Method::GET, ["domestic-vrp-consents", id]) => {
                let client = self.caller_client(req, ctx, caller(TokenUse::ClientCredentials));
                client.and_then(|c| {
                    self.owned_vrp_consent(id, &c)?;
                    Ok(http::json(StatusCode::OK, &self.vrp_consent_body(id)?))
                })
            }
            (&Method::DELETE, ["domestic-vrp-consents", id]) => {
                self.delete_vrp_consent(id, req, ctx)
            }
            (&Method::POST, ["domestic-vrp-consents", id, "funds-confirmation"]) => {
                self.vrp_funds_confirmation(id, req, ctx)
            }
            (&Method::POST, ["domestic-vrps"]) => {
                self.idempotent(req, ctx, caller(TokenUse::Consent(None)), |s, c| {
                    s.create_vrp(req, ctx, c)
                })
            }
            (&Method::GET, ["domestic-vrps", id]) => self.get_vrp(id, req, ctx),
            _ => Err(http::not_found()),
        }
    }

    fn create_vrp_consent(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        client: &str,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let request: OBDomesticVRPConsentRequest = decode(req.body())?;
        let control = check_vrp_consent(&request).map_err(|e| e.to_api_error())?;
        let data = to_json(&request.data);
        let desired = data["ControlParameters"]["SupplementaryData"]["DesiredStatus"]
            .as_str()
            .map(|s| s == "Authorised");
        let id = self.new_id("obdomesticvrpconsent");
        let m = VrpConsent::AwaitingAuthorisation(machine::AwaitingAuthorisation::new(
            id.clone(),
            client,
            ctx.now,
            control,
        ));
        self.vrp.consents.insert(
            id.clone(),
            StoredConsent {
                machine: m,
                control: data["ControlParameters"].clone(),
                initiation: data["Initiation"].clone(),
                risk: to_json(&request.risk),
                read_refund_account: data["ReadRefundAccount"].as_str() == Some("Yes"),
                desired,
                timeline: super::Timeline::new(ctx.now, "AwaitingAuthorisation"),
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.vrp_consent_body(&id)?,
        ))
    }

    fn vrp_consent_body(&self, id: &str) -> Result<Value, ApiError> {
        use monzo_model::vrp::{
            Links, Meta, OBDomesticVRPConsentResponse as Body,
            OBDomesticVRPConsentResponseData as Data,
            OBDomesticVRPConsentResponseDataReadRefundAccount as ReadRefund,
            OBDomesticVRPConsentResponseDataStatus as Status,
        };
        let c = self.vrp.consents.get(id).ok_or_else(http::not_found)?;
        let debtor_account = match &c.machine {
            VrpConsent::Authorised(a) => self
                .debtor(&a.account_id)
                .map(|d| http::from_stored(&d))
                .transpose()?
                .map(Box::new),
            _ => None,
        };
        http::model_json(&Body {
            data: Data {
                read_refund_account: c.read_refund_account.then_some(ReadRefund::Yes),
                consent_id: id.into(),
                creation_date_time: http::date_time(c.machine.info().created),
                // A deleted consent is never shown (it is an unknown resource).
                status: Status::from_code(c.machine.status_name()),
                status_update_date_time: http::date_time(c.timeline.updated),
                control_parameters: http::from_stored(&c.control)?,
                initiation: http::from_stored(&c.initiation)?,
                debtor_account,
                ..Data::default()
            },
            risk: http::from_stored(&c.risk)?,
            links: Links {
                self_: format!("{}/domestic-vrp-consents/{id}", self.config.pisp_base()).into(),
                ..Links::default()
            },
            meta: Meta::default(),
            ..Body::default()
        })
    }

    /// The account payments are made from, as `OBCashAccountDebtorWithName`.
    fn debtor(&self, account_id: &str) -> Option<Value> {
        let (user, account) = self.world.account(account_id)?;
        let scan = account.sort_code_account.as_ref()?;
        Some(json!({
            "SchemeName": "UK.OBIE.SortCodeAccountNumber",
            "Identification": scan,
            "Name": user.legal_name,
        }))
    }

    /// A consent of `client` that has not been deleted.
    fn owned_vrp_consent(&self, id: &str, client: &str) -> Result<&StoredConsent, ApiError> {
        self.vrp
            .consents
            .get(id)
            .filter(|c| c.machine.info().client_id == client)
            .filter(|c| !matches!(c.machine, VrpConsent::Deleted(_)))
            .ok_or_else(|| http::unknown_resource("consent"))
    }

    fn delete_vrp_consent(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, caller(TokenUse::ClientCredentials))?;
        self.owned_vrp_consent(id, &client)?;
        super::delete_consent(
            &mut self.tokens,
            id,
            self.vrp.consents.get_mut(id),
            machine::Event::Delete,
            ctx.now,
        )
    }

    fn authorised_vrp(&self, id: &str, client: &str) -> Result<&machine::Authorised, ApiError> {
        let c = self.owned_vrp_consent(id, client)?;
        match &c.machine {
            VrpConsent::Authorised(a) => Ok(a),
            other => Err(ConsentError::InvalidConsentStatus {
                action: "use",
                status: other.status_name(),
            }
            .to_api_error()),
        }
    }

    /// `POST /domestic-vrp-consents/{id}/funds-confirmation`.
    fn vrp_funds_confirmation(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, caller(TokenUse::Consent(Some(id))))?;
        let request: OBVRPFundsConfirmationRequest = decode(req.body())?;
        if request.data.consent_id.as_str() != id {
            return Err(ConsentError::ConsentMismatch {
                path: "Data.ConsentId".into(),
                reason: "the body names another consent than the path".into(),
            }
            .to_api_error());
        }
        let auth = self.authorised_vrp(id, &client)?;
        auth.check_funds_confirmation(ctx.now)
            .map_err(|e| e.to_api_error())?;
        let amount = request.data.instructed_amount.amount.value();
        let available = self
            .world
            .account(&auth.account_id)
            .is_some_and(|(_, a)| a.balance() >= amount);
        let confirmation_id = self.new_id("obvrpfunds");
        use monzo_model::vrp::{
            OBPAFundsAvailableResult1 as Result_, OBPAFundsAvailableResult1FundsAvailable as Funds,
            OBVRPFundsConfirmationResponse as Body, OBVRPFundsConfirmationResponseData as Data,
        };
        let mut body = Body {
            data: Data {
                funds_confirmation_id: confirmation_id.as_str().into(),
                consent_id: id.into(),
                creation_date_time: http::date_time(ctx.now),
                reference: request.data.reference.clone(),
                funds_available_result: Result_ {
                    funds_available_date_time: http::date_time(ctx.now),
                    funds_available: if available {
                        Funds::Available
                    } else {
                        Funds::NotAvailable
                    },
                    ..Result_::default()
                },
                instructed_amount: http::from_stored(&to_json(&request.data.instructed_amount))?,
                ..Data::default()
            },
            ..Body::default()
        };
        // The spec's document names `Data` alone and is open: `Links` and `Meta`, as every
        // other answer has them, ride as its further members.
        body.extra.insert(
            "Links",
            json!({"Self": format!("{}/domestic-vrp-consents/{id}/funds-confirmation", self.config.pisp_base())}),
        );
        body.extra.insert("Meta", json!({}));
        Ok(http::json(StatusCode::CREATED, &http::model_json(&body)?))
    }

    fn create_vrp(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        client: &str,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let request: OBDomesticVRPRequest = decode(req.body())?;
        let consent_id = request.data.consent_id.to_string();
        self.check_token_consent(req, ctx, &consent_id)?;
        check_vrp_instruction(&request.data.instruction).map_err(|e| e.to_api_error())?;
        let stored = self.owned_vrp_consent(&consent_id, client)?.clone();
        check_order_matches(
            &stored.initiation,
            &stored.risk,
            &to_json(&request.data.initiation),
            &to_json(&request.risk),
        )
        .map_err(|e| e.to_api_error())?;
        let amount = request.data.instruction.instructed_amount.amount.value();
        let currency = request
            .data
            .instruction
            .instructed_amount
            .currency
            .to_string();
        let VrpConsent::Authorised(auth) = stored.machine.clone() else {
            return Err(ConsentError::InvalidConsentStatus {
                action: "make a payment",
                status: stored.machine.status_name(),
            }
            .to_api_error());
        };
        let account_id = auth.account_id.clone();
        let payment_id = self.new_id("obdomesticvrp");
        let paid = VrpConsent::Authorised(auth)
            .apply(
                machine::Event::Pay {
                    payment_id: payment_id.clone(),
                    amount,
                    currency,
                },
                ctx.now,
            )
            .map_err(|r| r.error.to_api_error())?;
        let instruction = to_json(&request.data.instruction);
        // A VRP leaves the account by Faster Payments, if the bank can make it (its funds and
        // daily limit, as for every payment); a refused one does not count towards the
        // consent's limits.
        let rejection = self
            .pay_away(
                &account_id,
                &instruction,
                amount,
                &payment_id,
                "faster_payments",
                ctx.now,
                desired_rejection(&stored.control),
            )
            .err();
        if rejection.is_none() {
            if let Some(c) = self.vrp.consents.get_mut(&consent_id) {
                c.machine = paid;
            }
        }
        self.vrp.payments.insert(
            payment_id.clone(),
            Payment {
                consent_id,
                account_id,
                initiation: to_json(&request.data.initiation),
                instruction,
                risk: to_json(&request.risk),
                created: ctx.now,
                refund: stored.read_refund_account,
                rejection,
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.vrp_body(&payment_id)?,
        ))
    }

    fn vrp_body(&self, id: &str) -> Result<Value, ApiError> {
        use monzo_model::vrp::{
            Links, Meta, OBDomesticVRPResponse as Body, OBDomesticVRPResponseData as Data,
            OBDomesticVRPResponseDataStatus as Status, OBVRPStatusReasonCode,
        };
        let p = self.vrp.payments.get(id).ok_or_else(http::not_found)?;
        // A refusal's reason where Monzo puts it for a VRP, `Data/Instruction/
        // SupplementaryData/RejectionReason`, and in OBIE's VRP status reason as well.
        let mut instruction = p.instruction.clone();
        if let Some(reason) = p.rejection {
            with_rejection_reason(&mut instruction, reason.text());
        }
        let debtor = self
            .debtor(&p.account_id)
            .map(|d| http::from_stored(&d))
            .transpose()?;
        http::model_json(&Body {
            data: Data {
                domestic_vrp_id: id.into(),
                consent_id: p.consent_id.as_str().into(),
                creation_date_time: http::date_time(p.created),
                status: if p.rejection.is_some() {
                    Status::Rejected
                } else {
                    Status::AcceptedSettlementCompleted
                },
                status_reason: p
                    .rejection
                    .map(|_| OBVRPStatusReasonCode::from_code("UK.OBIE.OtherReason")),
                status_reason_description: p.rejection.map(|r| r.text().into()),
                status_update_date_time: http::date_time(p.created),
                expected_execution_date_time: Some(http::date_time(p.created)),
                expected_settlement_date_time: Some(http::date_time(
                    p.created + Duration::seconds(1),
                )),
                refund: debtor.clone().filter(|_| p.refund).map(Box::new),
                initiation: http::from_stored(&p.initiation)?,
                instruction: http::from_stored(&instruction)?,
                debtor_account: debtor.map(Box::new),
                ..Data::default()
            },
            risk: http::from_stored(&p.risk)?,
            links: Links {
                self_: format!("{}/domestic-vrps/{id}", self.config.pisp_base()).into(),
                ..Links::default()
            },
            meta: Meta::default(),
            ..Body::default()
        })
    }

    fn get_vrp(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, caller(TokenUse::Either))?;
        let owner = self
            .vrp
            .payments
            .get(id)
            .and_then(|p| self.vrp.consents.get(&p.consent_id))
            .map(|c| c.machine.info().client_id.clone());
        if owner.as_deref() != Some(client.as_str()) {
            return Err(http::unknown_resource("payment"));
        }
        Ok(http::json(StatusCode::OK, &self.vrp_body(id)?))
    }
}

impl super::StoredConsent for StoredConsent {
    type Machine = VrpConsent;

    fn parts(&mut self) -> (&mut VrpConsent, &mut super::Timeline) {
        (&mut self.machine, &mut self.timeline)
    }
}
