//! Payment initiation: domestic, domestic scheduled, domestic standing-order and international
//! (v3.1.11) consents and orders, with funds confirmation where OBIE has it. Every rule comes
//! from `ob-consent` (the payment rules of each kind, consent timing, order-matches-consent,
//! idempotency ledger, daily limit) and `ob-jose` (detached signatures on requests and
//! responses); this module routes, stores and renders.

use ob_consent::ConsentMachine;
use std::collections::HashMap;

use ::http::{Method, Request, Response, StatusCode};
use chrono::Duration;
use monzo_model::payments::{
    OBWriteDomestic2, OBWriteDomesticConsent4, OBWriteDomesticScheduled2,
    OBWriteDomesticScheduledConsent4, OBWriteDomesticStandingOrder3,
    OBWriteDomesticStandingOrderConsent5,
};
use monzo_model::payments_v3_1_11::{OBWriteInternational3, OBWriteInternationalConsent5};
use ob_consent::payment::{self as consent, PaymentConsent, PaymentKind};
use ob_consent::payment_rules::{
    check_domestic, check_international, check_order_matches, check_scheduled, check_standing_order,
};
use ob_consent::rejection::RejectionReason;
use ob_consent::tokens::ConsentKind;
use ob_consent::ConsentError;
use ob_errors::ApiError;
use ob_jose::Instant;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::auth::{Caller, TokenUse};
use super::http;
use super::schedule::Outbound;
use super::{Ctx, Sandbox};
use crate::seed::{Counterparty, ScheduledPayment, StandingOrder};

/// The four payment APIs this module serves, with their paths and id styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Api {
    pub(crate) kind: PaymentKind,
    consents: &'static str,
    orders: &'static str,
    consent_prefix: &'static str,
    order_prefix: &'static str,
    order_id_field: &'static str,
    /// Whether OBIE has `GET .../{ConsentId}/funds-confirmation` for it.
    funds_confirmation: bool,
    /// Whether Monzo lets the consent ask for the refund account (`ReadRefundAccount`).
    refund: bool,
}

const APIS: [Api; 4] = [
    Api {
        kind: PaymentKind::Domestic,
        consents: "domestic-payment-consents",
        orders: "domestic-payments",
        consent_prefix: "obpispdomesticpaymentconsent",
        order_prefix: "obdompayment",
        order_id_field: "DomesticPaymentId",
        funds_confirmation: true,
        refund: true,
    },
    Api {
        kind: PaymentKind::DomesticScheduled,
        consents: "domestic-scheduled-payment-consents",
        orders: "domestic-scheduled-payments",
        consent_prefix: "obpispdomesticscheduledpaymentconsent",
        order_prefix: "obdomschpay",
        order_id_field: "DomesticScheduledPaymentId",
        funds_confirmation: false,
        refund: false,
    },
    Api {
        kind: PaymentKind::DomesticStandingOrder,
        consents: "domestic-standing-order-consents",
        orders: "domestic-standing-orders",
        consent_prefix: "obpispdomesticstandingorderconsent",
        order_prefix: "obdomstdord",
        order_id_field: "DomesticStandingOrderId",
        funds_confirmation: false,
        refund: false,
    },
    Api {
        kind: PaymentKind::International,
        consents: "international-payment-consents",
        orders: "international-payments",
        consent_prefix: "obpispinternationalpaymentconsent",
        order_prefix: "obintpayment",
        order_id_field: "InternationalPaymentId",
        funds_confirmation: true,
        refund: true,
    },
];

fn api_of(kind: PaymentKind) -> &'static Api {
    APIS.iter().find(|a| a.kind == kind).unwrap_or(&APIS[0])
}

/// A payment consent and what the sandbox keeps with it. The request's `Initiation` and
/// `Risk` are kept as the JSON the typed request encodes to, which is what orders are
/// compared with.
#[derive(Clone, Debug)]
pub(crate) struct StoredConsent {
    pub(crate) machine: PaymentConsent,
    pub(crate) initiation: Value,
    pub(crate) risk: Value,
    /// The amount the account must cover: `InstructedAmount`, or `FirstPaymentAmount`.
    pub(crate) amount: Decimal,
    pub(crate) read_refund_account: bool,
    /// `Permission` (scheduled payments and standing orders).
    pub(crate) permission: Option<String>,
    /// `DesiredStatus` (approve?), `UserID`, `AccountID`.
    pub(crate) desired: Option<(bool, Option<String>, Option<String>)>,
    /// Its status over time.
    pub(crate) timeline: super::Timeline,
}

/// A payment order.
#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub(crate) kind: PaymentKind,
    pub(crate) consent_id: String,
    pub(crate) account_id: String,
    pub(crate) initiation: Value,
    pub(crate) created: Instant,
    pub(crate) status: &'static str,
    pub(crate) rejection: Option<&'static str>,
    pub(crate) refund: bool,
    /// The order id after its prefix: the `sp_`/`so_` id of what it put on the account.
    pub(crate) tail: String,
    /// When the status last changed after creation (a cancellation).
    pub(crate) status_updated: Option<Instant>,
    /// For a scheduled payment or a standing order: when it last fell due, and why the bank
    /// refused that payment if it did.
    pub(crate) last_execution: Option<(Instant, Option<RejectionReason>)>,
}

/// The payment side of the state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) consents: HashMap<String, StoredConsent>,
    pub(crate) orders: HashMap<String, Order>,
}

impl State {
    /// The amount a payment consent is for (the first payment, for standing orders).
    pub(crate) fn amount(&self, id: &str) -> Option<Decimal> {
        self.consents.get(id).map(|c| c.amount)
    }

    /// The id of the order behind the scheduled payment or standing order listed on an
    /// account as `listed` (`sp_...`/`so_...`: the order's id after its prefix).
    fn deferred_order_id(&self, listed: &str) -> Option<String> {
        let tail = listed.split_once('_').map_or(listed, |(_, t)| t);
        self.orders
            .iter()
            .find(|(_, o)| {
                matches!(
                    o.kind,
                    PaymentKind::DomesticScheduled | PaymentKind::DomesticStandingOrder
                ) && o.tail == tail
            })
            .map(|(id, _)| id.clone())
    }

    /// The order behind `listed` ([`State::deferred_order_id`]): its id, its resource type
    /// (the orders' path), and the client whose consent it was made under.
    pub(super) fn order_of_listed(&self, listed: &str) -> Option<(String, &'static str, String)> {
        let id = self.deferred_order_id(listed)?;
        let order = self.orders.get(&id)?;
        let client = self
            .consents
            .get(&order.consent_id)?
            .machine
            .info()
            .client_id
            .clone();
        Some((id, api_of(order.kind).orders, client))
    }

    /// Marks the order behind `listed` cancelled (its account was closed).
    pub(super) fn cancel(&mut self, listed: &str, at: Instant) {
        if let Some(order) = self
            .deferred_order_id(listed)
            .and_then(|id| self.orders.get_mut(&id))
        {
            order.status = "Cancelled";
            order.status_updated = Some(at);
        }
    }

    /// Records that the order behind `listed` fell due at `at`, and why the bank refused the
    /// payment if it did.
    pub(super) fn executed(
        &mut self,
        listed: &str,
        at: Instant,
        rejection: Option<RejectionReason>,
    ) {
        if let Some(order) = self
            .deferred_order_id(listed)
            .and_then(|id| self.orders.get_mut(&id))
        {
            order.last_execution = Some((at, rejection));
        }
    }
}

/// Reads a request body strictly as its spec type in Monzo's profile ([`http::decode_valid`]).
pub(super) fn decode<T: DeserializeOwned + Serialize + ob_model::Validate + ob_model::Object>(
    body: &[u8],
) -> Result<T, ApiError> {
    http::decode_valid(body)
}

pub(super) fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// `SupplementaryData`'s sandbox fields: `DesiredStatus`, and `UserID` with `AccountID` (both or
/// neither, as Monzo documents).
fn desired_of(supplementary: &Value) -> Option<(bool, Option<String>, Option<String>)> {
    let status = supplementary.get("DesiredStatus")?.as_str()?;
    let user = supplementary.get("UserID").and_then(Value::as_str);
    let account = supplementary.get("AccountID").and_then(Value::as_str);
    let (user, account) = match (user, account) {
        (Some(u), Some(a)) => (Some(u.to_owned()), Some(a.to_owned())),
        _ => (None, None),
    };
    Some((status == "Authorised", user, account))
}

/// A consent request, decoded and checked by the rules of its kind.
struct Checked {
    initiation: Value,
    risk: Value,
    amount: Decimal,
    read_refund_account: bool,
    permission: Option<String>,
}

fn yes(v: &Value) -> bool {
    v.as_str() == Some("Yes")
}

/// Decodes and checks a consent request of `kind`.
fn check_consent(kind: PaymentKind, body: &[u8], now: Instant) -> Result<Checked, ApiError> {
    let err = |e: ConsentError| e.to_api_error();
    Ok(match kind {
        PaymentKind::Domestic => {
            let r: OBWriteDomesticConsent4 = decode(body)?;
            check_domestic(&r.data.initiation).map_err(err)?;
            let data = to_json(&r.data);
            Checked {
                amount: r.data.initiation.instructed_amount.amount.value(),
                initiation: to_json(&r.data.initiation),
                risk: to_json(&r.risk),
                read_refund_account: yes(&data["ReadRefundAccount"]),
                permission: None,
            }
        }
        PaymentKind::DomesticScheduled => {
            let r: OBWriteDomesticScheduledConsent4 = decode(body)?;
            check_scheduled(&r.data.initiation, now).map_err(err)?;
            let data = to_json(&r.data);
            Checked {
                amount: r.data.initiation.instructed_amount.amount.value(),
                initiation: to_json(&r.data.initiation),
                risk: to_json(&r.risk),
                read_refund_account: false,
                permission: data["Permission"].as_str().map(str::to_owned),
            }
        }
        PaymentKind::DomesticStandingOrder => {
            let r: OBWriteDomesticStandingOrderConsent5 = decode(body)?;
            check_standing_order(&r.data.initiation).map_err(err)?;
            let data = to_json(&r.data);
            Checked {
                amount: r.data.initiation.first_payment_amount.amount.value(),
                initiation: to_json(&r.data.initiation),
                risk: to_json(&r.risk),
                read_refund_account: false,
                permission: data["Permission"].as_str().map(str::to_owned),
            }
        }
        PaymentKind::International => {
            let r: OBWriteInternationalConsent5 = decode(body)?;
            check_international(&r.data.initiation, &r.risk).map_err(err)?;
            let data = to_json(&r.data);
            Checked {
                amount: r.data.initiation.instructed_amount.amount.value(),
                initiation: to_json(&r.data.initiation),
                risk: to_json(&r.risk),
                read_refund_account: yes(&data["ReadRefundAccount"]),
                permission: None,
            }
        }
    })
}

/// A payment order of `kind`, decoded and checked: its `ConsentId`, `Initiation` and `Risk`.
fn check_order(
    kind: PaymentKind,
    body: &[u8],
    now: Instant,
) -> Result<(String, Value, Value), ApiError> {
    let err = |e: ConsentError| e.to_api_error();
    Ok(match kind {
        PaymentKind::Domestic => {
            let o: OBWriteDomestic2 = decode(body)?;
            check_domestic(&o.data.initiation).map_err(err)?;
            (
                o.data.consent_id.to_string(),
                to_json(&o.data.initiation),
                to_json(&o.risk),
            )
        }
        PaymentKind::DomesticScheduled => {
            let o: OBWriteDomesticScheduled2 = decode(body)?;
            check_scheduled(&o.data.initiation, now).map_err(err)?;
            (
                o.data.consent_id.to_string(),
                to_json(&o.data.initiation),
                to_json(&o.risk),
            )
        }
        PaymentKind::DomesticStandingOrder => {
            let o: OBWriteDomesticStandingOrder3 = decode(body)?;
            check_standing_order(&o.data.initiation).map_err(err)?;
            (
                o.data.consent_id.to_string(),
                to_json(&o.data.initiation),
                to_json(&o.risk),
            )
        }
        PaymentKind::International => {
            let o: OBWriteInternational3 = decode(body)?;
            check_international(&o.data.initiation, &o.risk).map_err(err)?;
            (
                o.data.consent_id.to_string(),
                to_json(&o.data.initiation),
                to_json(&o.risk),
            )
        }
    })
}

/// Sets `RejectionReason` in the `SupplementaryData` of `instructed` (an order's `Initiation`,
/// a VRP's `Instruction`), where Monzo reports why it rejected a payment.
pub(super) fn with_rejection_reason(instructed: &mut Value, reason: &str) {
    if !instructed["SupplementaryData"].is_object() {
        instructed["SupplementaryData"] = json!({});
    }
    instructed["SupplementaryData"]["RejectionReason"] = json!(reason);
}

/// The sandbox's `DesiredRejectionReason` in an `Initiation` (or VRP `ControlParameters`)
/// `SupplementaryData`: this emulator's trigger for the rejection reasons no real cause
/// produces here (validated against Monzo's texts with the rest of the body).
pub(super) fn desired_rejection(v: &Value) -> Option<RejectionReason> {
    v["SupplementaryData"]["DesiredRejectionReason"]
        .as_str()
        .and_then(RejectionReason::from_text)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn counterparty(creditor_account: &Value) -> Counterparty {
    Counterparty {
        name: text(&creditor_account["Name"]),
        scheme: match creditor_account["SchemeName"].as_str() {
            Some("UK.OBIE.IBAN") => "UK.OBIE.IBAN",
            Some("UK.OBIE.BBAN") => "UK.OBIE.BBAN",
            _ => "UK.OBIE.SortCodeAccountNumber",
        },
        identification: text(&creditor_account["Identification"]),
    }
}

impl Sandbox {
    /// Tells the client of the order behind `listed` (a scheduled payment or standing order on
    /// an account) that the order changed: a `resource-update` on the order, at `ctx.now`.
    pub(super) fn notify_order_update(&mut self, listed: &str, ctx: &Ctx) {
        let Some((order_id, orders, client)) = self.pis.order_of_listed(listed) else {
            return;
        };
        let link = format!("{}/{orders}/{order_id}", self.config.pisp_base());
        let txn = format!("{listed}@{}", ctx.now.timestamp());
        self.emit_resource_update(&client, &order_id, orders, &link, &txn, ctx);
    }

    pub(super) fn pisp(
        &mut self,
        method: &Method,
        rest: &[&str],
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let consents = |p: &str| APIS.iter().find(|a| a.consents == p);
        let orders = |p: &str| APIS.iter().find(|a| a.orders == p);
        match (method, rest) {
            (&Method::POST, [p]) if consents(p).is_some() => {
                let api = consents(p).copied().unwrap_or(APIS[0]);
                self.idempotent(
                    req,
                    ctx,
                    Self::payments(TokenUse::ClientCredentials),
                    |s, c| s.create_payment_consent(&api, req, ctx, c),
                )
            }
            (&Method::GET, [p, id]) if consents(p).is_some() => {
                let api = consents(p).copied().unwrap_or(APIS[0]);
                self.get_payment_consent(&api, id, req, ctx)
            }
            (&Method::GET, [p, id, "funds-confirmation"])
                if consents(p).is_some_and(|a| a.funds_confirmation) =>
            {
                let api = consents(p).copied().unwrap_or(APIS[0]);
                self.funds_confirmation(&api, id, req, ctx)
            }
            (&Method::POST, [p]) if orders(p).is_some() => {
                let api = orders(p).copied().unwrap_or(APIS[0]);
                self.idempotent(req, ctx, Self::payments(TokenUse::Consent(None)), |s, c| {
                    s.create_order(&api, req, ctx, c)
                })
            }
            (&Method::GET, [p, id]) if orders(p).is_some() => {
                let api = orders(p).copied().unwrap_or(APIS[0]);
                self.get_order(&api, id, req, ctx)
            }
            (_, ["domestic-vrp-consents", ..] | ["domestic-vrps", ..]) => {
                self.vrp(method, rest, req, ctx)
            }
            _ => Err(http::not_found()),
        }
    }

    /// The caller of a payment endpoint: a `payments` token, signed POSTs.
    fn payments(token: TokenUse<'_>) -> Caller<'_> {
        Caller {
            token,
            kind: ConsentKind::Payment,
            scope: "payments",
            signed: true,
        }
    }

    /// Checks the sandbox's `UserID` and `AccountID`: a known user, and one of their GBP
    /// accounts.
    pub(super) fn check_desired_user(
        &self,
        desired: &Option<(bool, Option<String>, Option<String>)>,
        path: &str,
    ) -> Result<(), ApiError> {
        if let Some((_, Some(user), account)) = desired {
            let Some(u) = self.world.user(user) else {
                return Err(http::field_invalid(
                    &format!("{path}.UserID"),
                    "unknown sandbox user",
                ));
            };
            let ok = account
                .as_ref()
                .is_none_or(|a| u.accounts.iter().any(|acc| &acc.id == a && acc.can_pay()));
            if !ok {
                return Err(http::field_invalid(
                    &format!("{path}.AccountID"),
                    "not a GBP account of that user",
                ));
            }
        }
        Ok(())
    }

    fn create_payment_consent(
        &mut self,
        api: &Api,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        client: &str,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let checked = check_consent(api.kind, req.body(), ctx.now)?;
        if checked.read_refund_account && !api.refund {
            return Err(http::field_invalid(
                "Data.ReadRefundAccount",
                "this payment kind has no refund account",
            ));
        }
        let desired = desired_of(&checked.initiation["SupplementaryData"]);
        self.check_desired_user(&desired, "Data.Initiation.SupplementaryData")?;
        let id = self.new_id(api.consent_prefix);
        let machine: PaymentConsent =
            consent::AwaitingAuthorisation::new(id.clone(), client, api.kind, ctx.now).into();
        self.pis.consents.insert(
            id.clone(),
            StoredConsent {
                machine,
                initiation: checked.initiation,
                risk: checked.risk,
                amount: checked.amount,
                read_refund_account: checked.read_refund_account,
                permission: checked.permission,
                desired,
                timeline: super::Timeline::new(ctx.now, "AwaitingAuthorisation"),
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.payment_consent_body(&id)?,
        ))
    }

    /// A payment consent's document, as the spec types it for its kind: the fields every kind
    /// shares, then the kind's own (`Permission` for scheduled payments and standing orders,
    /// the cut-off and expected times for international payments).
    fn payment_consent_body(&self, id: &str) -> Result<Value, ApiError> {
        use monzo_model::payments::{
            Links, Meta, OBWriteDomesticConsent4DataReadRefundAccount as ReadRefund,
            OBWriteDomesticConsentResponse5, OBWriteDomesticConsentResponse5Data,
            OBWriteDomesticScheduledConsent4DataPermission as Permission,
            OBWriteDomesticScheduledConsentResponse5, OBWriteDomesticScheduledConsentResponse5Data,
            OBWriteDomesticStandingOrderConsentResponse6,
            OBWriteDomesticStandingOrderConsentResponse6Data,
        };
        use monzo_model::payments_v3_1_11::{
            OBWriteInternationalConsentResponse6, OBWriteInternationalConsentResponse6Data,
        };
        let c = self.pis.consents.get(id).ok_or_else(http::not_found)?;
        let info = c.machine.info();
        let api = api_of(info.kind);
        let links = Some(Box::new(Links {
            self_: format!("{}/{}/{id}", self.config.pisp_base(), api.consents).into(),
            ..Links::default()
        }));
        let meta = Some(Box::new(Meta::default()));
        // Scheduled payments and standing orders require `Permission` in the request (the
        // only value is `Create`), so it is always kept for them.
        let permission = || Permission::from_code(c.permission.as_deref().unwrap_or("Create"));
        // The fields every kind's `Data` has, then the kind's own.
        macro_rules! data {
            ($ty:ident { $($field:ident: $value:expr),* $(,)? }) => {
                $ty {
                    consent_id: id.into(),
                    creation_date_time: http::date_time(info.created),
                    status: c.machine.status(),
                    status_update_date_time: http::date_time(c.timeline.updated),
                    read_refund_account: c.read_refund_account.then_some(ReadRefund::Yes),
                    initiation: http::from_stored(&c.initiation)?,
                    $($field: $value,)*
                    ..$ty::default()
                }
            };
        }
        macro_rules! body {
            ($ty:ident, $data:expr) => {
                http::model_json(&$ty {
                    data: $data,
                    risk: http::from_stored(&c.risk)?,
                    links,
                    meta,
                    ..$ty::default()
                })
            };
        }
        match info.kind {
            PaymentKind::Domestic => body!(
                OBWriteDomesticConsentResponse5,
                data!(OBWriteDomesticConsentResponse5Data {})
            ),
            PaymentKind::DomesticScheduled => body!(
                OBWriteDomesticScheduledConsentResponse5,
                data!(OBWriteDomesticScheduledConsentResponse5Data {
                    permission: permission()
                })
            ),
            PaymentKind::DomesticStandingOrder => body!(
                OBWriteDomesticStandingOrderConsentResponse6,
                data!(OBWriteDomesticStandingOrderConsentResponse6Data {
                    permission: permission()
                })
            ),
            PaymentKind::International => {
                let cut_off = info.cut_off();
                body!(
                    OBWriteInternationalConsentResponse6,
                    data!(OBWriteInternationalConsentResponse6Data {
                        cut_off_date_time: cut_off.map(http::date_time),
                        expected_execution_date_time: cut_off
                            .map(|_| http::date_time(info.created)),
                        expected_settlement_date_time: cut_off
                            .map(|_| http::date_time(info.created + Duration::days(1))),
                    })
                )
            }
        }
    }

    /// The client's consent `id` of the kind `api` serves (a consent of another kind is not
    /// found there: each path answers in its own schema).
    fn owned_payment_consent(
        &self,
        api: &Api,
        id: &str,
        client: &str,
    ) -> Result<&StoredConsent, ApiError> {
        self.pis
            .consents
            .get(id)
            .filter(|c| c.machine.info().client_id == client && c.machine.info().kind == api.kind)
            .ok_or_else(|| http::unknown_resource("consent"))
    }

    fn get_payment_consent(
        &mut self,
        api: &Api,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, Self::payments(TokenUse::ClientCredentials))?;
        self.owned_payment_consent(api, id, &client)?;
        Ok(http::json(StatusCode::OK, &self.payment_consent_body(id)?))
    }

    /// `GET .../funds-confirmation`: with the consent's token, while it is authorised and open.
    fn funds_confirmation(
        &mut self,
        api: &Api,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, Self::payments(TokenUse::Consent(Some(id))))?;
        let c = self.owned_payment_consent(api, id, &client)?;
        let PaymentConsent::Authorised(auth) = &c.machine else {
            return Err(ConsentError::InvalidConsentStatus {
                action: "confirm funds",
                status: c.machine.status_name(),
            }
            .to_api_error());
        };
        auth.check_funds_confirmation(ctx.now)
            .map_err(|e| e.to_api_error())?;
        let available = self
            .world
            .account(&auth.approval.account_id)
            .map(|(_, a)| a.balance() >= c.amount)
            .unwrap_or(false);
        let api = api_of(c.machine.info().kind);
        use monzo_model::payments::{
            Links, Meta, OBWriteFundsConfirmationResponse1 as Body,
            OBWriteFundsConfirmationResponse1Data as Data,
            OBWriteFundsConfirmationResponse1DataFundsAvailableResult as Result_,
        };
        let body = http::model_json(&Body {
            data: Data {
                funds_available_result: Some(Box::new(Result_ {
                    funds_available_date_time: http::date_time(ctx.now),
                    funds_available: available,
                    ..Result_::default()
                })),
                ..Data::default()
            },
            links: Some(Box::new(Links {
                self_: format!(
                    "{}/{}/{id}/funds-confirmation",
                    self.config.pisp_base(),
                    api.consents
                )
                .into(),
                ..Links::default()
            })),
            meta: Some(Box::new(Meta::default())),
            ..Body::default()
        })?;
        Ok(http::json(StatusCode::OK, &body))
    }

    fn create_order(
        &mut self,
        api: &Api,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        client: &str,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let (consent_id, initiation, risk) = check_order(api.kind, req.body(), ctx.now)?;
        self.check_token_consent(req, ctx, &consent_id)?;
        let stored = self
            .pis
            .consents
            .get(&consent_id)
            .filter(|c| c.machine.info().client_id == client)
            .ok_or_else(|| http::unknown_resource("consent"))?
            .clone();
        if stored.machine.info().kind != api.kind {
            return Err(ConsentError::ConsentMismatch {
                path: "Data.ConsentId".into(),
                reason: format!("the consent is not for {}", api.orders),
            }
            .to_api_error());
        }
        check_order_matches(&stored.initiation, &stored.risk, &initiation, &risk)
            .map_err(|e| e.to_api_error())?;
        let PaymentConsent::Authorised(auth) = stored.machine.clone() else {
            return Err(ConsentError::InvalidConsentStatus {
                action: "create a payment order",
                status: stored.machine.status_name(),
            }
            .to_api_error());
        };
        let account_id = auth.approval.account_id.clone();
        let order_id = self.new_id(api.order_prefix);
        let consumed = auth
            .consume(order_id.clone(), ctx.now)
            .map_err(|r| r.error.to_api_error())?;
        let amount = stored.amount;
        let (status, rejection) = match api.kind {
            // Monzo: a payment it cannot make (over the account's daily limit, or more than
            // its funds) is accepted and then rejected, with the reason.
            PaymentKind::Domestic | PaymentKind::International => {
                let code = if api.kind == PaymentKind::Domestic {
                    "faster_payments"
                } else {
                    "international_payment"
                };
                let forced = desired_rejection(&initiation);
                match self.pay_away(
                    &account_id,
                    &initiation,
                    amount,
                    &order_id,
                    code,
                    ctx.now,
                    forced,
                ) {
                    Ok(()) => ("AcceptedSettlementCompleted", None),
                    Err(reason) => ("Rejected", Some(reason.text())),
                }
            }
            PaymentKind::DomesticScheduled | PaymentKind::DomesticStandingOrder => {
                self.plan_deferred(
                    api.kind,
                    &account_id,
                    &initiation,
                    amount,
                    &order_id,
                    ctx.now,
                );
                ("InitiationCompleted", None)
            }
        };
        if let Some(c) = self.pis.consents.get_mut(&consent_id) {
            c.machine = consumed.into();
            c.timeline.record(ctx.now, "Consumed");
        }
        self.pis.orders.insert(
            order_id.clone(),
            Order {
                kind: api.kind,
                consent_id,
                account_id,
                initiation,
                created: ctx.now,
                status,
                rejection,
                refund: stored.read_refund_account,
                tail: order_id
                    .split_once('_')
                    .map_or(order_id.as_str(), |(_, t)| t)
                    .to_owned(),
                last_execution: None,
                status_updated: None,
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.order_body(&order_id)?,
        ))
    }

    /// A scheduled payment or a standing order joins the account's list, which account
    /// information serves and [`Sandbox::run_due`] executes as the clock passes its dates.
    fn plan_deferred(
        &mut self,
        kind: PaymentKind,
        account_id: &str,
        initiation: &Value,
        amount: Decimal,
        order_id: &str,
        now: Instant,
    ) {
        let when = |field: &str| {
            initiation[field]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map_or(now, |t| t.to_utc())
        };
        let tail = order_id.split_once('_').map_or(order_id, |(_, t)| t);
        let creditor = counterparty(&initiation["CreditorAccount"]);
        match kind {
            // Immediate payments leave at once (`pay_away`).
            PaymentKind::Domestic | PaymentKind::International => {}
            PaymentKind::DomesticScheduled => {
                let payment = ScheduledPayment {
                    id: format!("sp_{tail}"),
                    at: when("RequestedExecutionDateTime"),
                    amount,
                    reference: text(&initiation["RemittanceInformation"]["Reference"]),
                    creditor,
                    forced_rejection: desired_rejection(initiation),
                };
                if let Some(account) = self.world.account_mut(account_id) {
                    account.scheduled_payments.push(payment);
                }
            }
            PaymentKind::DomesticStandingOrder => {
                let first = when("FirstPaymentDateTime");
                // A standing order's reference is `Initiation.Reference`.
                let order = StandingOrder {
                    id: format!("so_{tail}"),
                    frequency: text(&initiation["Frequency"]),
                    reference: text(&initiation["Reference"]),
                    first_payment: first,
                    number_of_payments: initiation["NumberOfPayments"]
                        .as_str()
                        .and_then(|n| n.parse().ok()),
                    final_payment: initiation["FinalPaymentDateTime"]
                        .as_str()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.to_utc()),
                    paid: 0,
                    last_payment: None,
                    next_payment: Some(first),
                    amount,
                    creditor,
                    forced_rejection: desired_rejection(initiation),
                };
                if let Some(account) = self.world.account_mut(account_id) {
                    account.standing_orders.push(order);
                }
            }
        }
    }

    /// A payment leaving the account now, to the `CreditorAccount` of `instructed` (a
    /// payment's `Initiation` or a VRP's `Instruction`), with its reference: a debit in its
    /// history, or, when the bank cannot make it ([`Sandbox::send`]: the daily limit, then the
    /// funds, or the sandbox's `forced` reason), a rejected entry and the reason.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pay_away(
        &mut self,
        account_id: &str,
        instructed: &Value,
        amount: Decimal,
        payment_id: &str,
        code: &'static str,
        now: Instant,
        forced: Option<RejectionReason>,
    ) -> Result<(), RejectionReason> {
        let creditor = counterparty(&instructed["CreditorAccount"]);
        let reference = text(&instructed["RemittanceInformation"]["Reference"]);
        let tail = payment_id.split_once('_').map_or(payment_id, |(_, t)| t);
        self.send(Outbound {
            account_id,
            amount,
            at: now,
            creditor,
            reference: &reference,
            transaction_id: format!("tx_{tail}"),
            code,
            forced,
            origin: payment_id,
        })
    }

    /// A payment order's document, as the spec types it for its kind.
    fn order_body(&self, id: &str) -> Result<Value, ApiError> {
        use monzo_model::payments::{
            Links, Meta, OBWriteDomesticResponse5, OBWriteDomesticResponse5Data,
            OBWriteDomesticResponse5DataStatus, OBWriteDomesticScheduledResponse5,
            OBWriteDomesticScheduledResponse5Data, OBWriteDomesticScheduledResponse5DataStatus,
            OBWriteDomesticStandingOrderResponse6, OBWriteDomesticStandingOrderResponse6Data,
        };
        use monzo_model::payments_v3_1_11::{
            OBWriteInternationalResponse5, OBWriteInternationalResponse5Data,
        };
        let p = self.pis.orders.get(id).ok_or_else(http::not_found)?;
        let api = api_of(p.kind);
        // Why the bank refused the payment (at once, or, for a scheduled payment or a
        // standing order, when it last fell due), where Monzo puts it: the `RejectionReason`
        // of `Data/Initiation/SupplementaryData` (the response's `Data` itself is closed).
        let rejection = p.rejection.or_else(|| {
            p.last_execution
                .and_then(|(_, r)| r)
                .map(RejectionReason::text)
        });
        let mut initiation = p.initiation.clone();
        if let Some(reason) = rejection {
            with_rejection_reason(&mut initiation, reason);
        }
        // Monzo returns the account the payment was made from, and, when the consent asked for
        // it, the same account as the refund account.
        let debtor = self
            .world
            .account(&p.account_id)
            .and_then(|(user, account)| {
                account.sort_code_account.as_ref().map(|scan| {
                    json!({
                        "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                        "Identification": scan,
                        "Name": user.legal_name,
                    })
                })
            });
        let refund = debtor
            .as_ref()
            .filter(|_| p.refund)
            .map(|party| json!({"Account": party}));
        let links = Some(Box::new(Links {
            self_: format!("{}/{}/{id}", self.config.pisp_base(), api.orders).into(),
            ..Links::default()
        }));
        let meta = Some(Box::new(Meta::default()));
        let expected = matches!(p.kind, PaymentKind::Domestic | PaymentKind::International);
        let execution = expected.then(|| http::date_time(p.created));
        let settlement = expected.then(|| http::date_time(p.created + Duration::seconds(1)));
        // The fields every kind's `Data` has (its id under the kind's name, its status in the
        // kind's code list), then the kind's own.
        macro_rules! order {
            ($body:ident, $data:ident, $id:ident, $status:ident { $($field:ident: $value:expr),* $(,)? }) => {
                http::model_json(&$body {
                    data: $data {
                        $id: id.into(),
                        consent_id: p.consent_id.as_str().into(),
                        creation_date_time: http::date_time(p.created),
                        status: $status::from_code(p.status),
                        status_update_date_time: http::date_time(
                            p.status_updated.unwrap_or(p.created),
                        ),
                        refund: refund.as_ref().map(http::from_stored).transpose()?.map(Box::new),
                        initiation: http::from_stored(&initiation)?,
                        debtor: debtor.as_ref().map(http::from_stored).transpose()?.map(Box::new),
                        $($field: $value,)*
                        ..$data::default()
                    },
                    links,
                    meta,
                    ..$body::default()
                })
            };
        }
        match p.kind {
            PaymentKind::Domestic => order!(
                OBWriteDomesticResponse5,
                OBWriteDomesticResponse5Data,
                domestic_payment_id,
                OBWriteDomesticResponse5DataStatus {
                    expected_execution_date_time: execution,
                    expected_settlement_date_time: settlement,
                }
            ),
            PaymentKind::DomesticScheduled => order!(
                OBWriteDomesticScheduledResponse5,
                OBWriteDomesticScheduledResponse5Data,
                domestic_scheduled_payment_id,
                OBWriteDomesticScheduledResponse5DataStatus {}
            ),
            PaymentKind::DomesticStandingOrder => order!(
                OBWriteDomesticStandingOrderResponse6,
                OBWriteDomesticStandingOrderResponse6Data,
                domestic_standing_order_id,
                OBWriteDomesticScheduledResponse5DataStatus {}
            ),
            PaymentKind::International => order!(
                OBWriteInternationalResponse5,
                OBWriteInternationalResponse5Data,
                international_payment_id,
                OBWriteDomesticResponse5DataStatus {
                    expected_execution_date_time: execution,
                    expected_settlement_date_time: settlement,
                }
            ),
        }
    }

    fn get_order(
        &mut self,
        api: &Api,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client = self.caller_client(req, ctx, Self::payments(TokenUse::Either))?;
        let owner = self
            .pis
            .orders
            .get(id)
            .filter(|p| p.kind == api.kind)
            .and_then(|p| self.pis.consents.get(&p.consent_id))
            .map(|c| c.machine.info().client_id.clone());
        if owner.as_deref() != Some(client.as_str()) {
            return Err(http::unknown_resource("payment"));
        }
        Ok(http::json(StatusCode::OK, &self.order_body(id)?))
    }
}
