//! Domestic payments: consents, funds confirmation, and payment orders, with `ob-consent`'s
//! payment rules, timing, order-matches-consent check, idempotency ledger and daily limit, and
//! `ob-jose`'s detached signatures on requests and responses.

use std::collections::HashMap;

use ::http::{HeaderValue, Method, Request, Response, StatusCode};
use chrono::Duration;
use monzo_model::payments::{
    OBWriteDomestic2, OBWriteDomestic2DataInitiationSupplementaryDataDesiredStatus as Desired,
    OBWriteDomesticConsent4,
};
use ob_consent::idempotency::{Decision, Ledger};
use ob_consent::payment::{self as consent, PaymentConsent, PaymentKind};
use ob_consent::payment_rules::{
    check_daily_limit, check_domestic, check_order_matches, uk_date, AccountType,
};
use ob_consent::tokens::ConsentKind;
use ob_consent::ConsentError;
use ob_errors::{ApiError, ErrorCode, Prefix};
use ob_jose::detached::{DetachedSigner, DetachedVerifier, HEADER as JWS_HEADER};
use ob_jose::Instant;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::http;
use super::{Context, Sandbox};
use crate::seed::{Counterparty, Transaction, TxStatus};

/// Which tokens an endpoint takes.
#[derive(Clone, Copy, Debug)]
enum TokenUse<'a> {
    /// A client-credentials token with scope `payments`.
    ClientCredentials,
    /// A payment consent's access token (for this consent, when given).
    Consent(Option<&'a str>),
    /// Either.
    Either,
}

/// A domestic payment consent and what the sandbox keeps with it.
#[derive(Clone, Debug)]
pub(crate) struct StoredConsent {
    pub(crate) machine: PaymentConsent,
    request: OBWriteDomesticConsent4,
    /// `DesiredStatus` (approve?), `UserID`, `AccountID`.
    pub(crate) desired: Option<(bool, Option<String>, Option<String>)>,
    updated: Instant,
}

/// A payment order.
#[derive(Clone, Debug)]
struct Payment {
    consent_id: String,
    account_id: String,
    initiation: Value,
    created: Instant,
    status: &'static str,
    rejection: Option<&'static str>,
}

/// The payment side of the state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) consents: HashMap<String, StoredConsent>,
    payments: HashMap<String, Payment>,
    /// Answers already given, per client and `x-idempotency-key`: status and body.
    answers: Ledger<(u16, Vec<u8>)>,
}

impl State {
    /// The amount a payment consent is for.
    pub(crate) fn amount(&self, id: &str) -> Option<Decimal> {
        self.consents
            .get(id)
            .map(|c| c.request.data.initiation.instructed_amount.amount.value())
    }
}

/// The OBIE name of a payment consent's status.
pub(crate) fn status_name(c: &PaymentConsent) -> &'static str {
    match c {
        PaymentConsent::AwaitingAuthorisation(_) => "AwaitingAuthorisation",
        PaymentConsent::Authorised(_) => "Authorised",
        PaymentConsent::Rejected(_) => "Rejected",
        PaymentConsent::Consumed(_) => "Consumed",
    }
}

fn rfc3339(t: Instant) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Sandbox {
    pub(super) fn pisp(
        &mut self,
        method: &Method,
        rest: &[&str],
        req: &Request<Vec<u8>>,
        ctx: &Context,
    ) -> Response<Vec<u8>> {
        let result = match (method, rest) {
            (&Method::POST, ["domestic-payment-consents"]) => {
                self.idempotent(req, ctx, TokenUse::ClientCredentials, |s, client| {
                    s.create_payment_consent(req, ctx, client)
                })
            }
            (&Method::GET, ["domestic-payment-consents", id]) => {
                self.get_payment_consent(id, req, ctx)
            }
            (&Method::GET, ["domestic-payment-consents", id, "funds-confirmation"]) => {
                self.funds_confirmation(id, req, ctx)
            }
            (&Method::POST, ["domestic-payments"]) => {
                self.idempotent(req, ctx, TokenUse::Consent(None), |s, client| {
                    s.create_payment(req, ctx, client)
                })
            }
            (&Method::GET, ["domestic-payments", id]) => self.get_payment(id, req, ctx),
            _ => Err(http::not_found()),
        };
        match result {
            Ok(resp) => self.sign_response(resp, ctx),
            Err(e) => http::error(req.headers(), &e),
        }
    }

    /// The bank signs every successful payment response (`x-jws-signature`).
    fn sign_response(&self, mut resp: Response<Vec<u8>>, ctx: &Context) -> Response<Vec<u8>> {
        if resp.status().is_success() && !resp.body().is_empty() {
            let signer = DetachedSigner::new(&self.keys.bank, self.config.aspsp_org_id.clone());
            if let Ok(sig) = signer.sign(resp.body(), ctx.now) {
                if let Ok(v) = HeaderValue::from_str(&sig) {
                    resp.headers_mut().insert(JWS_HEADER, v);
                }
            }
        }
        resp
    }

    /// The client behind a payments token, which must be of the kind `allowed` names and
    /// presented with the client's certificate; for a POST, the request's `x-jws-signature` is
    /// checked against the client's keys.
    fn payment_client(
        &self,
        req: &Request<Vec<u8>>,
        ctx: &Context,
        allowed: TokenUse<'_>,
    ) -> Result<String, ApiError> {
        let token = http::bearer(req).ok_or_else(ApiError::unauthorized_empty)?;
        let app = self
            .oauth
            .app_tokens
            .get(token)
            .filter(|t| ctx.now < t.expires);
        let client_id = match (app, allowed) {
            (Some(app), TokenUse::ClientCredentials | TokenUse::Either) => {
                if !app.scopes.iter().any(|s| s == "payments") {
                    return Err(http::forbidden(
                        "the token's scope does not include payments",
                    ));
                }
                app.client_id.clone()
            }
            (Some(_), TokenUse::Consent(_)) => {
                return Err(http::forbidden(
                    "expected the consent's access token, found a client-credentials token",
                ))
            }
            (None, TokenUse::ClientCredentials) => return Err(ApiError::unauthorized_empty()),
            (None, use_) => {
                let grant = self
                    .tokens
                    .authenticate(token, ctx.now)
                    .map_err(|e| e.to_api_error())?;
                if grant.kind != ConsentKind::Payment {
                    return Err(http::forbidden("the token is not for a payment consent"));
                }
                if let TokenUse::Consent(Some(id)) = use_ {
                    if grant.consent_id != id {
                        return Err(http::forbidden("the token is for another consent"));
                    }
                }
                grant.client_id.clone()
            }
        };
        self.check_holder(&client_id, ctx)?;
        if req.method() == Method::POST {
            let client = self
                .clients
                .get(&client_id)
                .ok_or_else(ApiError::unauthorized_empty)?;
            let jwks = self
                .software
                .get(&client.software_id)
                .map(|s| s.jwks.clone())
                .unwrap_or_default();
            let header = req.headers().get(JWS_HEADER).and_then(|v| v.to_str().ok());
            DetachedVerifier::new(format!("{}/{}", client.org_id, client.software_id))
                .verify(header, req.body(), &jwks, ctx.now)
                .map_err(|e| e.to_api_error())?;
        }
        Ok(client_id)
    }

    /// Runs a POST under `x-idempotency-key`: a first use is handled and its answer kept; the
    /// same key and body within 24 hours gets the same answer; another body is refused.
    fn idempotent(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Context,
        allowed: TokenUse<'_>,
        f: impl FnOnce(&mut Sandbox, &str) -> Result<Response<Vec<u8>>, ApiError>,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.payment_client(req, ctx, allowed)?;
        let key = req
            .headers()
            .get("x-idempotency-key")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                http::obie(
                    Prefix::BadRequest,
                    "missing_header",
                    "The request is invalid",
                    ErrorCode::HeaderMissing,
                    "x-idempotency-key is required",
                )
                .at_path("x-idempotency-key")
            })?
            .to_owned();
        self.pis.answers.purge(ctx.now);
        match self
            .pis
            .answers
            .begin(&client, &key, req.body(), ctx.now)
            .map_err(|e| e.to_api_error())?
        {
            Decision::Replay((status, body)) => {
                let mut r = http::json(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                    &Value::Null,
                );
                *r.body_mut() = body;
                Ok(r)
            }
            Decision::InFlight => Err(http::obie(
                Prefix::Timeout,
                "in_flight",
                "Request in progress",
                ErrorCode::UnexpectedError,
                "the same request is being handled; retry later",
            )),
            Decision::New => match f(self, &client) {
                Ok(resp) => {
                    self.pis.answers.complete(
                        &client,
                        &key,
                        (resp.status().as_u16(), resp.body().clone()),
                    );
                    Ok(resp)
                }
                Err(e) => {
                    self.pis.answers.abandon(&client, &key);
                    Err(e)
                }
            },
        }
    }

    fn create_payment_consent(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Context,
        client: &str,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let request: OBWriteDomesticConsent4 = ob_model::decode::from_slice(req.body())
            .map_err(|e| http::field_invalid(e.path.trim_start_matches("$."), &e.to_string()))?;
        check_domestic(&request.data.initiation).map_err(|e| e.to_api_error())?;
        let desired = request
            .data
            .initiation
            .supplementary_data
            .as_ref()
            .and_then(|s| {
                s.desired_status.as_ref().map(|d| {
                    let both = s.user_id.is_some() && s.account_id.is_some();
                    (
                        *d == Desired::Authorised,
                        both.then(|| s.user_id.as_ref().map(|u| u.to_string()))
                            .flatten(),
                        both.then(|| s.account_id.as_ref().map(|a| a.to_string()))
                            .flatten(),
                    )
                })
            });
        if let Some((_, Some(user), account)) = &desired {
            let Some(u) = self.world.user(user) else {
                return Err(http::field_invalid(
                    "Data.Initiation.SupplementaryData.UserID",
                    "unknown sandbox user",
                ));
            };
            let ok = account.as_ref().is_none_or(|a| {
                u.accounts
                    .iter()
                    .any(|acc| &acc.id == a && acc.currency == "GBP")
            });
            if !ok {
                return Err(http::field_invalid(
                    "Data.Initiation.SupplementaryData.AccountID",
                    "not a GBP account of that user",
                ));
            }
        }
        let id = self.new_id("obpispdomesticpaymentconsent");
        let machine: PaymentConsent =
            consent::AwaitingAuthorisation::new(id.clone(), client, PaymentKind::Domestic, ctx.now)
                .into();
        self.pis.consents.insert(
            id.clone(),
            StoredConsent {
                machine,
                request,
                desired,
                updated: ctx.now,
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.payment_consent_body(&id),
        ))
    }

    fn payment_consent_body(&self, id: &str) -> Value {
        let c = &self.pis.consents[id];
        let initiation = serde_json::to_value(&c.request.data.initiation).unwrap_or_default();
        let data = json!({
            "ConsentId": id,
            "CreationDateTime": rfc3339(c.machine.info().created),
            "Status": c.machine.status().as_str(),
            "StatusUpdateDateTime": rfc3339(c.updated),
            "Initiation": initiation,
        });
        json!({
            "Data": data,
            "Risk": serde_json::to_value(&c.request.risk).unwrap_or_default(),
            "Links": {"Self": format!("{}/domestic-payment-consents/{id}", self.config.pisp_base())},
            "Meta": {}
        })
    }

    fn owned_payment_consent(&self, id: &str, client: &str) -> Result<&StoredConsent, ApiError> {
        self.pis
            .consents
            .get(id)
            .filter(|c| c.machine.info().client_id == client)
            .ok_or_else(|| http::unknown_resource("consent"))
    }

    fn get_payment_consent(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Context,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.payment_client(req, ctx, TokenUse::ClientCredentials)?;
        self.owned_payment_consent(id, &client)?;
        Ok(http::json(StatusCode::OK, &self.payment_consent_body(id)))
    }

    /// `GET .../funds-confirmation`: with the consent's token, while it is authorised and open.
    fn funds_confirmation(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Context,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.payment_client(req, ctx, TokenUse::Consent(Some(id)))?;
        let c = self.owned_payment_consent(id, &client)?;
        let PaymentConsent::Authorised(auth) = &c.machine else {
            return Err(ConsentError::InvalidConsentStatus {
                action: "confirm funds",
                status: status_name(&c.machine),
            }
            .to_api_error());
        };
        auth.check_funds_confirmation(ctx.now)
            .map_err(|e| e.to_api_error())?;
        let amount = c.request.data.initiation.instructed_amount.amount.value();
        let available = self
            .world
            .account(&auth.approval.account_id)
            .map(|(_, a)| a.balance() >= amount)
            .unwrap_or(false);
        Ok(http::json(
            StatusCode::OK,
            &json!({
                "Data": {"FundsAvailableResult": {"FundsAvailableDateTime": rfc3339(ctx.now), "FundsAvailable": available}},
                "Links": {"Self": format!("{}/domestic-payment-consents/{id}/funds-confirmation", self.config.pisp_base())},
                "Meta": {}
            }),
        ))
    }

    fn create_payment(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Context,
        client: &str,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let order: OBWriteDomestic2 = ob_model::decode::from_slice(req.body())
            .map_err(|e| http::field_invalid(e.path.trim_start_matches("$."), &e.to_string()))?;
        let consent_id = order.data.consent_id.to_string();
        let token = http::bearer(req).unwrap_or_default();
        let grant = self
            .tokens
            .authenticate(token, ctx.now)
            .map_err(|e| e.to_api_error())?;
        if grant.consent_id != consent_id {
            return Err(ConsentError::ConsentMismatch {
                path: "Data.ConsentId".into(),
                reason: "the token belongs to another consent".into(),
            }
            .to_api_error());
        }
        let stored = self.owned_payment_consent(&consent_id, client)?.clone();
        check_domestic(&order.data.initiation).map_err(|e| e.to_api_error())?;
        check_order_matches(
            &stored.request.data.initiation,
            &stored.request.risk,
            &order.data.initiation,
            &order.risk,
        )
        .map_err(|e| e.to_api_error())?;
        let PaymentConsent::Authorised(auth) = stored.machine.clone() else {
            return Err(ConsentError::InvalidConsentStatus {
                action: "create a payment order",
                status: status_name(&stored.machine),
            }
            .to_api_error());
        };
        let account_id = auth.approval.account_id.clone();
        let payment_id = self.new_id("obdompayment");
        let consumed = auth
            .consume(payment_id.clone(), ctx.now)
            .map_err(|r| r.error.to_api_error())?;
        let amount = order.data.initiation.instructed_amount.amount.value();
        // Monzo: a payment over the account's daily limit is accepted and then rejected.
        let today = uk_date(ctx.now);
        let sent_today: Decimal = self
            .pis
            .payments
            .values()
            .filter(|p| {
                p.account_id == account_id && p.status != "Rejected" && uk_date(p.created) == today
            })
            .filter_map(|p| {
                p.initiation["InstructedAmount"]["Amount"]
                    .as_str()
                    .and_then(|a| a.parse::<Decimal>().ok())
            })
            .sum();
        let (status, rejection) = match check_daily_limit(
            AccountType::Personal.default_daily_limit(),
            sent_today,
            amount,
        ) {
            Ok(()) => ("AcceptedSettlementCompleted", None),
            Err(e) => ("Rejected", e.rejection_reason()),
        };
        if status != "Rejected" {
            self.debit(&account_id, &order, &payment_id, ctx.now);
        }
        if let Some(c) = self.pis.consents.get_mut(&consent_id) {
            c.machine = consumed.into();
            c.updated = ctx.now;
        }
        self.pis.payments.insert(
            payment_id.clone(),
            Payment {
                consent_id,
                account_id,
                initiation: serde_json::to_value(&order.data.initiation).unwrap_or_default(),
                created: ctx.now,
                status,
                rejection,
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.payment_body(&payment_id),
        ))
    }

    /// The payment leaves the account: a Faster Payments debit in its history.
    fn debit(
        &mut self,
        account_id: &str,
        order: &OBWriteDomestic2,
        payment_id: &str,
        now: Instant,
    ) {
        let init = &order.data.initiation;
        let Some(account) = self
            .world
            .users
            .iter_mut()
            .flat_map(|u| u.accounts.iter_mut())
            .find(|a| a.id == account_id)
        else {
            return;
        };
        let amount = init.instructed_amount.amount.value();
        let balance_after = account.balance() - amount;
        let reference = init
            .remittance_information
            .as_ref()
            .and_then(|r| r.reference.as_ref())
            .map(|r| r.to_string())
            .unwrap_or_default();
        account.transactions.push(Transaction {
            id: format!("tx_{}", payment_id.trim_start_matches("obdompayment_")),
            at: now,
            amount,
            credit: false,
            status: TxStatus::Booked,
            code: "faster_payments",
            description: init.creditor_account.name.to_string(),
            raw_description: reference.to_uppercase(),
            counterparty: Some(Counterparty {
                name: init.creditor_account.name.to_string(),
                scheme: "UK.OBIE.SortCodeAccountNumber",
                identification: init.creditor_account.identification.to_string(),
            }),
            merchant: None,
            pot_id: None,
            balance_after,
        });
    }

    fn payment_body(&self, id: &str) -> Value {
        let p = &self.pis.payments[id];
        let mut data = json!({
            "DomesticPaymentId": id,
            "ConsentId": p.consent_id,
            "CreationDateTime": rfc3339(p.created),
            "Status": p.status,
            "StatusUpdateDateTime": rfc3339(p.created),
            "ExpectedExecutionDateTime": rfc3339(p.created),
            "ExpectedSettlementDateTime": rfc3339(p.created + Duration::seconds(1)),
            "Initiation": p.initiation,
        });
        if let Some(reason) = p.rejection {
            data["SupplementaryData"] = json!({"RejectionReason": reason});
        }
        // Monzo returns the account the payment was made from.
        if let Some((user, account)) = self.world.account(&p.account_id) {
            if let Some(scan) = &account.sort_code_account {
                data["Debtor"] = json!({
                    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                    "Identification": scan,
                    "Name": user.legal_name,
                });
            }
        }
        json!({
            "Data": data,
            "Links": {"Self": format!("{}/domestic-payments/{id}", self.config.pisp_base())},
            "Meta": {}
        })
    }

    fn get_payment(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Context,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.payment_client(req, ctx, TokenUse::Either)?;
        let owner = self
            .pis
            .payments
            .get(id)
            .and_then(|p| self.pis.consents.get(&p.consent_id))
            .map(|c| c.machine.info().client_id.clone());
        if owner.as_deref() != Some(client.as_str()) {
            return Err(http::unknown_resource("payment"));
        }
        Ok(http::json(StatusCode::OK, &self.payment_body(id)))
    }
}
