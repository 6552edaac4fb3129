//! Event notifications (OBIE Events API v3.1.10), which Monzo does not offer: the emulator
//! offers them for the proposed pot-transactions extension, so that a client learns of a new
//! pot transaction without polling the pot.
//!
//! - `POST`/`GET /event-subscriptions`, `PUT`/`DELETE /event-subscriptions/{Id}`: one
//!   subscription per client, with a client-credentials token (any of the `accounts`,
//!   `payments`, `fundsconfirmations` scopes) and the client's certificate.
//! - An event is a Security Event Token (`urn:uk:org:openbanking:events:resource-update`),
//!   signed PS256 by the bank's key (the one `/jwks` publishes), addressed (`aud`) to the client.
//! - A subscription with a `CallbackUrl` is pushed: the core queues a [`Delivery`] of the SET to
//!   `{CallbackUrl}/event-notifications`, which the server POSTs as `application/jwt`.
//!   Without one, events wait for aggregated polling: `POST /events` acknowledges (`ack`,
//!   `setErrs`) and returns up to `maxEvents` unacknowledged SETs. Long polling
//!   (`returnImmediately: false`) is not offered: the answer is always immediate.
//! - Only `resource-update` is emitted: the v3.1.10 event-notification schema allows no other
//!   event (`OBEvent1`, `additionalProperties: false`; OBIE's own example 1 sends a consent's
//!   change as a `resource-update` on the consent). Emitted:
//!   - for a pot transaction, to each client with an authorised, unexpired account-access
//!     consent that may read the pot's account's transactions in that direction: `rty`
//!     `pot-transactions`, `rid` the pot id, `txn` the new pot transaction's id;
//!   - for a payment order that changes after its creation (a scheduled payment or standing
//!     order cancelled because its account closed, or an execution the bank refused): `rty`
//!     `domestic-scheduled-payments` or `domestic-standing-orders`, to the order's client;
//!   - for an account-access consent whose account closed: `rty` `account-access-consents`,
//!     to the consent's client.

use std::collections::{BTreeMap, HashMap};

use ::http::{Method, Request, Response, StatusCode};
use monzo_model::events::{
    Links, Meta, OBEventPolling1, OBEventSubscription1, OBEventSubscriptionResponse1,
    OBEventSubscriptionResponse1Data, OBEventSubscriptionsResponse1,
    OBEventSubscriptionsResponse1Data,
};
use ob_errors::{ApiError, ErrorCode, Prefix};
use ob_jose::jws;
use serde_json::{json, Value};

use super::http;
use super::{Ctx, Sandbox};

/// The only event type the emulator emits (and accepts in `EventTypes`).
pub const RESOURCE_UPDATE: &str = "urn:uk:org:openbanking:events:resource-update";

/// How many SETs `POST /events` returns when `maxEvents` is not given.
const DEFAULT_MAX_EVENTS: usize = 100;

/// An event notification for the server to push: `POST {url}` with the SET as an
/// `application/jwt` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// `{CallbackUrl}/event-notifications`.
    pub url: String,
    /// The signed Security Event Token (compact JWS).
    pub set: String,
    /// Its `jti`.
    pub jti: String,
    /// The client it is for.
    pub client_id: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) client_id: String,
    pub(crate) callback_url: Option<String>,
    pub(crate) version: String,
    pub(crate) event_types: Option<Vec<String>>,
}

/// A SET waiting to be polled.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub(crate) jti: String,
    pub(crate) set: String,
}

/// The events side of the state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) subscriptions: HashMap<String, Subscription>,
    pub(crate) pending: HashMap<String, Vec<Pending>>,
    pub(crate) outbox: Vec<Delivery>,
}

fn unsupported_event_type(found: &str) -> ApiError {
    http::obie(
        Prefix::BadRequest,
        "invalid_request",
        "The request is invalid",
        ErrorCode::Unknown("UK.OBIE.Unsupported.EventType".into()),
        &format!("unsupported event type {found}; this bank emits {RESOURCE_UPDATE} only"),
    )
    .at_path("Data.EventTypes")
}

/// Checks a `CallbackUrl`: an absolute `http` or `https` URL with a host, no query or fragment.
/// Any host is accepted, loopback and private addresses included (a TPP developing locally
/// listens on one): the emulator is a development tool, meant to listen on loopback.
fn check_callback(url: &str) -> Result<(), ApiError> {
    let bad = |why: &str| http::field_invalid("Data.CallbackUrl", why);
    let uri: ::http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(bad("expected an http or https URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("expected a host"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(bad("expected no query or fragment"));
    }
    Ok(())
}

/// Checks `setErrs`: each member (a `jti`) an object with `err` (1 to 40 characters, a SET
/// delivery error code) and `description` (1 to 256 characters), as the spec's schema says.
fn check_set_errs(errs: &serde_json::Map<String, Value>) -> Result<(), ApiError> {
    for (jti, entry) in errs {
        let path = format!("setErrs.{jti}");
        let Some(entry) = entry.as_object() else {
            return Err(http::field_invalid(
                &path,
                "expected an object with err and description",
            ));
        };
        for (name, max) in [("err", 40), ("description", 256)] {
            let field = format!("{path}.{name}");
            match entry.get(name) {
                None => {
                    return Err(http::obie(
                        Prefix::BadRequest,
                        "missing_field",
                        "The request is invalid",
                        ErrorCode::FieldMissing,
                        &format!("{field}: missing required field"),
                    )
                    .at_path(field))
                }
                Some(Value::String(t)) if (1..=max).contains(&t.chars().count()) => {}
                Some(_) => {
                    return Err(http::field_invalid(
                        &field,
                        &format!("{field}: expected a string of 1 to {max} characters"),
                    ))
                }
            }
        }
    }
    Ok(())
}

impl Sandbox {
    /// Routes `/v3.1/event-subscriptions...` and `/v3.1/events`.
    pub(super) fn events(
        &mut self,
        method: &Method,
        rest: &[&str],
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        self.events_client(req, ctx)
            .and_then(|client| {
                // OBIE (event-subscription.md): POST and PUT are "Signed Request / Signed
                // Response"; the spec requires x-jws-signature on both.
                if matches!(*method, Method::POST | Method::PUT)
                    && matches!(rest, ["event-subscriptions", ..])
                {
                    self.verify_request_signature(&client, req, ctx)?;
                }
                Ok(client)
            })
            .and_then(|client| match (method, rest) {
                (&Method::POST, ["event-subscriptions"]) => self.subscribe(&client, req),
                (&Method::GET, ["event-subscriptions"]) => self.list_subscriptions(&client),
                (&Method::PUT, ["event-subscriptions", id]) => {
                    self.change_subscription(&client, id, req)
                }
                (&Method::DELETE, ["event-subscriptions", id]) => {
                    self.owned_subscription(&client, id)?;
                    self.events.subscriptions.remove(*id);
                    Ok(http::no_content())
                }
                (&Method::POST, ["events"]) => self.poll(&client, req),
                _ => Err(http::not_found()),
            })
    }

    /// The client a client-credentials token with any API scope belongs to, checked against
    /// the request's certificate.
    fn events_client(&self, req: &Request<Vec<u8>>, ctx: &Ctx) -> Result<String, ApiError> {
        let app = self.app_token(req, ctx)?;
        let scoped = app
            .scopes
            .iter()
            .any(|s| matches!(s.as_str(), "accounts" | "payments" | "fundsconfirmations"));
        if !scoped {
            return Err(http::forbidden(
                "the token's scope includes none of accounts, payments, fundsconfirmations",
            ));
        }
        Ok(app.client_id.clone())
    }

    fn subscription_url(&self, id: &str) -> String {
        format!(
            "{}/open-banking/v3.1/event-subscriptions/{id}",
            self.config.base
        )
    }

    fn subscription_data(s: &Subscription) -> OBEventSubscriptionResponse1Data {
        OBEventSubscriptionResponse1Data {
            event_subscription_id: s.id.as_str().into(),
            callback_url: s.callback_url.as_deref().map(Into::into),
            version: s.version.as_str().into(),
            event_types: s
                .event_types
                .as_ref()
                .map(|t| t.iter().map(|e| e.as_str().into()).collect()),
            ..OBEventSubscriptionResponse1Data::default()
        }
    }

    /// A subscription's document (`OBEventSubscriptionResponse1`).
    fn subscription_body(&self, s: &Subscription) -> Result<Value, ApiError> {
        http::model_json(&OBEventSubscriptionResponse1 {
            data: Self::subscription_data(s),
            links: Some(Box::new(Links {
                self_: self.subscription_url(&s.id).into(),
                ..Links::default()
            })),
            meta: Some(Box::new(Meta::default())),
            ..OBEventSubscriptionResponse1::default()
        })
    }

    fn owned_subscription(&self, client: &str, id: &str) -> Result<(), ApiError> {
        match self.events.subscriptions.get(id) {
            Some(s) if s.client_id == client => Ok(()),
            _ => Err(http::unknown_resource("event subscription")),
        }
    }

    /// Checks a subscription's fields and returns them.
    #[allow(clippy::type_complexity)]
    fn subscription_fields(
        callback: Option<String>,
        version: &str,
        types: Option<Vec<String>>,
    ) -> Result<(Option<String>, String, Option<Vec<String>>), ApiError> {
        if let Some(url) = &callback {
            check_callback(url)?;
        }
        if version.is_empty() || version.len() > 10 {
            return Err(http::field_invalid(
                "Data.Version",
                "expected the API version, such as 3.1.10",
            ));
        }
        if let Some(t) = types.iter().flatten().find(|t| *t != RESOURCE_UPDATE) {
            return Err(unsupported_event_type(t));
        }
        Ok((callback, version.to_owned(), types))
    }

    fn subscribe(
        &mut self,
        client: &str,
        req: &Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let body: OBEventSubscription1 = http::decode_valid(req.body())?;
        let (callback_url, version, event_types) = Self::subscription_fields(
            body.data.callback_url.map(|u| u.to_string()),
            body.data.version.as_str(),
            body.data
                .event_types
                .map(|v| v.into_iter().map(|t| t.to_string()).collect()),
        )?;
        if self
            .events
            .subscriptions
            .values()
            .any(|s| s.client_id == client)
        {
            // OBIE (event-subscription.md): "An ASPSP must respond with a 409 error if an
            // event-subscription exists for that TPP"; the spec's 409 has no body (and Monzo's
            // error codes have no prefix for 409).
            let mut e = ApiError::unauthorized_empty();
            e.status = StatusCode::CONFLICT;
            return Err(e);
        }
        let id = self.new_id("evsub");
        let s = Subscription {
            id: id.clone(),
            client_id: client.to_owned(),
            callback_url,
            version,
            event_types,
        };
        let body = self.subscription_body(&s)?;
        self.events.subscriptions.insert(id, s);
        Ok(http::json(StatusCode::CREATED, &body))
    }

    fn list_subscriptions(&self, client: &str) -> Result<Response<Vec<u8>>, ApiError> {
        let mut mine: Vec<&Subscription> = self
            .events
            .subscriptions
            .values()
            .filter(|s| s.client_id == client)
            .collect();
        mine.sort_by(|a, b| a.id.cmp(&b.id));
        let list = mine.into_iter().map(Self::subscription_data).collect();
        let body = http::model_json(&OBEventSubscriptionsResponse1 {
            data: OBEventSubscriptionsResponse1Data {
                event_subscription: Some(list),
                ..OBEventSubscriptionsResponse1Data::default()
            },
            links: Some(Box::new(Links {
                self_: format!("{}/open-banking/v3.1/event-subscriptions", self.config.base).into(),
                ..Links::default()
            })),
            meta: Some(Box::new(Meta::default())),
            ..OBEventSubscriptionsResponse1::default()
        })?;
        Ok(http::json(StatusCode::OK, &body))
    }

    fn change_subscription(
        &mut self,
        client: &str,
        id: &str,
        req: &Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        self.owned_subscription(client, id)?;
        let body: OBEventSubscriptionResponse1 = http::decode_valid(req.body())?;
        if body.data.event_subscription_id.as_str() != id {
            return Err(http::field_invalid(
                "Data.EventSubscriptionId",
                "expected the id in the path",
            ));
        }
        let (callback_url, version, event_types) = Self::subscription_fields(
            body.data.callback_url.map(|u| u.to_string()),
            body.data.version.as_str(),
            body.data
                .event_types
                .map(|v| v.into_iter().map(|t| t.to_string()).collect()),
        )?;
        let s = self
            .events
            .subscriptions
            .get_mut(id)
            .ok_or_else(|| http::unknown_resource("event subscription"))?;
        s.callback_url = callback_url;
        s.version = version;
        s.event_types = event_types;
        let s = s.clone();
        Ok(http::json(StatusCode::OK, &self.subscription_body(&s)?))
    }

    /// `POST /events`: acknowledge, then return what is still waiting.
    fn poll(
        &mut self,
        client: &str,
        req: &Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let body: OBEventPolling1 = if req.body().iter().all(u8::is_ascii_whitespace) {
            OBEventPolling1::default()
        } else {
            http::decode_valid(req.body())?
        };
        let max = match body.max_events {
            Some(n) if n < 0 => {
                return Err(http::field_invalid("maxEvents", "expected zero or more"))
            }
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => DEFAULT_MAX_EVENTS,
        };
        let mut done: Vec<String> = body
            .ack
            .unwrap_or_default()
            .into_iter()
            .map(|j| j.to_string())
            .collect();
        // A SET the client could not process is not sent again either (it said why).
        if let Some(errs) = &body.set_errs {
            let errs: serde_json::Map<String, Value> = serde_json::from_str(errs.as_json())
                .map_err(|e| http::field_invalid("setErrs", &e.to_string()))?;
            check_set_errs(&errs)?;
            done.extend(errs.into_iter().map(|(k, _)| k));
        }
        let queue = self.events.pending.entry(client.to_owned()).or_default();
        queue.retain(|p| !done.contains(&p.jti));
        let sets: BTreeMap<&str, &str> = queue
            .iter()
            .take(max)
            .map(|p| (p.jti.as_str(), p.set.as_str()))
            .collect();
        let more = queue.len() > sets.len();
        let sets: serde_json::Map<String, Value> = sets
            .into_iter()
            .map(|(jti, set)| (jti.to_owned(), Value::String(set.to_owned())))
            .collect();
        let body = http::model_json(&monzo_model::events::OBEventPollingResponse1 {
            more_available: more,
            sets: sets.into(),
            ..Default::default()
        })?;
        Ok(http::json(StatusCode::OK, &body))
    }

    /// Emits a `resource-update` for a new pot transaction to every subscribed client that may
    /// read it.
    pub(crate) fn emit_pot_transaction(
        &mut self,
        account_id: &str,
        pot_id: &str,
        pot_transaction_id: &str,
        credit: bool,
        ctx: &Ctx,
    ) {
        let readers = self
            .ais
            .readers_of_transactions(account_id, credit, ctx.now);
        let link = format!("{}/pots/{pot_id}/transactions", self.config.aisp_base());
        for client in readers {
            self.emit_resource_update(
                &client,
                pot_id,
                "pot-transactions",
                &link,
                pot_transaction_id,
                ctx,
            );
        }
    }

    /// Emits a `resource-update` to `client`, if it subscribed to it: the resource `rid` of
    /// type `rty`, read at `link`, changed by `txn`. The event happened in sandbox time
    /// (`toe`); the notification is signed now, in real time (`iat`), which the receiving
    /// TPP's clock checks.
    pub(crate) fn emit_resource_update(
        &mut self,
        client: &str,
        rid: &str,
        rty: &str,
        link: &str,
        txn: &str,
        ctx: &Ctx,
    ) {
        // A deleted client hears nothing (its consents outlive it).
        if !self.clients.contains_key(client) {
            return;
        }
        let Some(sub) = self
            .events
            .subscriptions
            .values()
            .find(|s| s.client_id == client)
            .cloned()
        else {
            return;
        };
        let wanted = sub
            .event_types
            .as_ref()
            .is_none_or(|t| t.iter().any(|t| t == RESOURCE_UPDATE));
        if !wanted {
            return;
        }
        let jti = self.new_id("evt");
        let claims = json!({
            "iss": self.config.issuer(),
            "iat": ctx.wall.timestamp(),
            "jti": jti,
            "aud": client,
            "sub": link,
            "txn": txn,
            "toe": ctx.now.timestamp(),
            "events": {
                RESOURCE_UPDATE: {
                    "subject": {
                        "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
                        "http://openbanking.org.uk/rid": rid,
                        "http://openbanking.org.uk/rty": rty,
                        "http://openbanking.org.uk/rlk": [{"version": "v3.1.10", "link": link}],
                    }
                }
            }
        });
        let mut header = serde_json::Map::new();
        header.insert("typ".into(), json!("JWT"));
        let Ok(set) = jws::sign_json(&self.keys.bank, &header, &claims) else {
            return;
        };
        match &sub.callback_url {
            Some(url) => self.events.outbox.push(Delivery {
                url: format!("{}/event-notifications", url.trim_end_matches('/')),
                set,
                jti,
                client_id: client.to_owned(),
            }),
            None => self
                .events
                .pending
                .entry(client.to_owned())
                .or_default()
                .push(Pending { jti, set }),
        }
    }

    /// Drops everything of a client that no longer exists: its subscription, its events
    /// waiting to be polled or pushed.
    pub(crate) fn forget_events_of(&mut self, client_id: &str) {
        self.events
            .subscriptions
            .retain(|_, s| s.client_id != client_id);
        self.events.pending.remove(client_id);
        self.events.outbox.retain(|d| d.client_id != client_id);
    }

    /// Takes the event notifications waiting to be pushed (a server POSTs each; tests read
    /// them). They leave the core: a failed push is the server's to retry.
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.events.outbox)
    }
}
