//! OBIE event notifications (Events API v3.1.10): subscriptions, aggregated polling, and the
//! check of a Security Event Token the bank pushed or returned.
//!
//! Monzo does not offer event notifications; the local emulator does, for the proposed
//! pot-transactions extension (a `resource-update` whenever a pot transaction is made). The
//! Events API sits beside the account-information API: `{aisp base without /aisp}`, such as
//! `https://host/open-banking/v3.1/event-subscriptions`. Every call takes a client-credentials
//! token.
//!
//! A pushed notification arrives as `POST {CallbackUrl}/event-notifications` with the SET as an
//! `application/jwt` body; hand the body to [`Client::verify_event_notification`] and answer
//! 202.

use http::Method;
use ob_jose::jws;
use ob_model::event_notifications::OBEventNotification1;
use ob_model::events::{OBEventSubscriptionResponse1, OBEventSubscriptionsResponse1};
use ob_oidc::AccessToken;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::transport::decode;
use crate::{Client, ClientError, Software};

/// The event type the emulator emits.
pub const RESOURCE_UPDATE: &str = "urn:uk:org:openbanking:events:resource-update";

/// A verified event notification.
#[derive(Clone, Debug, PartialEq)]
pub struct EventNotification {
    /// Its `jti`, to acknowledge it when polling.
    pub jti: String,
    /// The updated resource's id (`http://openbanking.org.uk/rid`): for a pot transaction,
    /// the pot.
    pub resource_id: String,
    /// Its type (`http://openbanking.org.uk/rty`): `pot-transactions` for a pot.
    pub resource_type: String,
    /// Where to read it (`sub`).
    pub link: String,
    /// The transaction it is about (`txn`): for a pot, the new pot transaction's id.
    pub txn: String,
    /// Every claim, typed.
    pub claims: OBEventNotification1,
}

/// What one `POST /events` returned.
#[derive(Clone, Debug, PartialEq)]
pub struct PolledEvents {
    /// Whether more unacknowledged events wait.
    pub more_available: bool,
    /// The events that passed verification.
    pub events: Vec<EventNotification>,
    /// The ones that did not, to report with the next poll (its `setErrs`), so that the bank
    /// stops offering them.
    pub rejected: Vec<RejectedEvent>,
}

/// An event notification refused by the client, reported to the bank in `setErrs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedEvent {
    /// Its `jti`.
    pub jti: String,
    /// A code of the SET delivery error registry: `jwtParse`, `jwtCrypto`, `jwtIss`,
    /// `jwtAud`, `setData`.
    pub err: &'static str,
    /// What was wrong.
    pub description: String,
}

#[derive(Deserialize)]
struct RawPoll {
    #[serde(rename = "moreAvailable")]
    more_available: bool,
    sets: serde_json::Map<String, Value>,
}

impl Client {
    fn events_base(&self) -> Result<String, ClientError> {
        let aisp = &self.config.endpoints.aisp;
        aisp.strip_suffix("/aisp")
            .map(str::to_owned)
            .ok_or_else(|| {
                ClientError::Config(format!(
                    "the account-information URL {aisp} does not end in /aisp: the Events API's URL cannot be told from it"
                ))
            })
    }

    fn subscription_body(
        callback_url: Option<&str>,
        event_types: &[&str],
        id: Option<&str>,
    ) -> Value {
        let mut data = json!({"Version": "3.1.10"});
        if let Some(id) = id {
            data["EventSubscriptionId"] = json!(id);
        }
        if let Some(url) = callback_url {
            data["CallbackUrl"] = json!(url);
        }
        if !event_types.is_empty() {
            data["EventTypes"] = json!(event_types);
        }
        json!({ "Data": data })
    }

    /// `POST /event-subscriptions`: subscribe, pushed to `callback_url` (the bank posts to
    /// `{callback_url}/event-notifications`) or, without one, for polling. `event_types` empty
    /// means every type. One subscription per client: a second is refused (409). The request
    /// is signed by `software` (the spec requires `x-jws-signature`).
    pub async fn create_event_subscription(
        &self,
        software: &Software,
        token: &AccessToken,
        callback_url: Option<&str>,
        event_types: &[&str],
    ) -> Result<OBEventSubscriptionResponse1, ClientError> {
        let url = format!("{}/event-subscriptions", self.events_base()?);
        let body = Self::subscription_body(callback_url, event_types, None);
        let bytes = self
            .send_json_signed(Method::POST, &url, token, Some(&body), Some(software))
            .await?;
        decode(&url, &bytes)
    }

    /// `GET /event-subscriptions`: the client's subscriptions.
    pub async fn event_subscriptions(
        &self,
        token: &AccessToken,
    ) -> Result<OBEventSubscriptionsResponse1, ClientError> {
        let url = format!("{}/event-subscriptions", self.events_base()?);
        self.get_json(&url, token).await
    }

    /// `PUT /event-subscriptions/{id}`: replace the subscription's callback and types (signed
    /// by `software`).
    pub async fn change_event_subscription(
        &self,
        software: &Software,
        token: &AccessToken,
        id: &str,
        callback_url: Option<&str>,
        event_types: &[&str],
    ) -> Result<OBEventSubscriptionResponse1, ClientError> {
        let url = format!("{}/event-subscriptions/{id}", self.events_base()?);
        let body = Self::subscription_body(callback_url, event_types, Some(id));
        let bytes = self
            .send_json_signed(Method::PUT, &url, token, Some(&body), Some(software))
            .await?;
        decode(&url, &bytes)
    }

    /// `DELETE /event-subscriptions/{id}`.
    pub async fn delete_event_subscription(
        &self,
        token: &AccessToken,
        id: &str,
    ) -> Result<(), ClientError> {
        let url = format!("{}/event-subscriptions/{id}", self.events_base()?);
        self.send_json(Method::DELETE, &url, token, None).await?;
        Ok(())
    }

    /// `POST /events`: acknowledges `ack` (the `jti`s handled since the last poll) and reports
    /// `rejected` (the last poll's [`PolledEvents::rejected`]), then returns up to `max_events`
    /// waiting events, each verified as
    /// [`verify_event_notification`](Client::verify_event_notification) does for `client_id`.
    /// An event that fails verification does not fail the poll: it is returned in `rejected`.
    pub async fn poll_events(
        &self,
        token: &AccessToken,
        client_id: &str,
        ack: &[String],
        rejected: &[RejectedEvent],
        max_events: Option<u32>,
    ) -> Result<PolledEvents, ClientError> {
        let url = format!("{}/events", self.events_base()?);
        let mut body = json!({"returnImmediately": true});
        if !ack.is_empty() {
            body["ack"] = json!(ack);
        }
        if !rejected.is_empty() {
            let errs: serde_json::Map<String, Value> = rejected
                .iter()
                .map(|r| {
                    let mut description = r.description.clone();
                    description.truncate(256);
                    (
                        r.jti.clone(),
                        json!({"err": r.err, "description": description}),
                    )
                })
                .collect();
            body["setErrs"] = Value::Object(errs);
        }
        if let Some(n) = max_events {
            body["maxEvents"] = json!(n);
        }
        let bytes = self
            .send_json(Method::POST, &url, token, Some(&body))
            .await?;
        let raw: RawPoll = decode(&url, &bytes)?;
        let mut events = Vec::with_capacity(raw.sets.len());
        let mut rejected = Vec::new();
        for (jti, set) in raw.sets {
            let reject = |err: &'static str, description: String| RejectedEvent {
                jti: jti.clone(),
                err,
                description,
            };
            let Some(set) = set.as_str() else {
                rejected.push(reject("jwtParse", "expected the SET as a string".into()));
                continue;
            };
            match self.check_set(set, client_id).await {
                Ok(event) if event.jti == jti => events.push(event),
                Ok(event) => rejected.push(reject(
                    "setData",
                    format!("offered as {jti}, carries jti {}", event.jti),
                )),
                // Fetching the bank's keys or discovery failed: nothing is known of the SET.
                Err((_, e @ (ClientError::Transport(_) | ClientError::Api(_)))) => return Err(e),
                Err((err, e)) => rejected.push(reject(err, e.to_string())),
            }
        }
        Ok(PolledEvents {
            more_available: raw.more_available,
            events,
            rejected,
        })
    }

    /// Checks an event notification (a SET, as pushed or polled): the bank's PS256 signature
    /// with its published keys, `iss` the bank's issuer, `aud` this client, a
    /// `resource-update` event; then returns it typed. It does not remember `jti`s: a SET
    /// pushed twice (a retry after a lost answer) verifies twice, so handle events
    /// idempotently, by `jti` or by reading the resource again.
    pub async fn verify_event_notification(
        &self,
        set: &str,
        client_id: &str,
    ) -> Result<EventNotification, ClientError> {
        self.check_set(set, client_id).await.map_err(|(_, e)| e)
    }

    /// [`verify_event_notification`](Client::verify_event_notification), with the SET delivery
    /// error code of a refusal.
    async fn check_set(
        &self,
        set: &str,
        client_id: &str,
    ) -> Result<EventNotification, (&'static str, ClientError)> {
        let keys = self
            .bank_keys()
            .await
            .map_err(|e| ("jwtCrypto", e))?
            .verifying_keys()
            .0;
        let verified = jws::verify(set.trim(), &keys).map_err(|e| ("jwtCrypto", e.into()))?;
        let claims: OBEventNotification1 =
            verified.claims_as().map_err(|e| ("jwtParse", e.into()))?;
        let bad = |reason: String| ClientError::Signature(ob_jose::JoseError::Malformed { reason });
        let issuer = &self.discovery().await.map_err(|e| ("jwtIss", e))?.issuer;
        if claims.iss.as_str() != issuer {
            return Err((
                "jwtIss",
                bad(format!(
                    "the event's iss {} is not the bank's issuer {issuer}",
                    claims.iss.as_str()
                )),
            ));
        }
        if claims.aud.as_str() != client_id {
            return Err((
                "jwtAud",
                bad(format!(
                    "the event is for {}, not {client_id}",
                    claims.aud.as_str()
                )),
            ));
        }
        let subject = &claims
            .events
            .urn_uk_org_openbanking_events_resource_update
            .subject;
        Ok(EventNotification {
            jti: claims.jti.to_string(),
            resource_id: subject.http_openbanking_org_uk_rid.to_string(),
            resource_type: subject.http_openbanking_org_uk_rty.to_string(),
            link: claims.sub.to_string(),
            txn: claims.txn.to_string(),
            claims,
        })
    }
}
