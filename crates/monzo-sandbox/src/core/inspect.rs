//! Read-only views of the emulator's state for its console: every client, consent (with its
//! history and the deadline that applies next), payment, subscription and waiting event, and
//! the redaction that keeps every secret the emulator issued out of what the console shows.
//!
//! Nothing here changes state; the console's controls go through [`Sandbox::handle`] like
//! any request.

use std::borrow::Cow;
use std::collections::HashSet;

use ::http::Request;
use ob_consent::{ais, funds, payment, vrp, ConsentMachine};
use ob_jose::Instant;
use serde_json::Value;

use super::{fingerprint, Region, Sandbox, Timeline};

/// A registered client, as the console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientView {
    /// `client_id`.
    pub client_id: String,
    /// The software statement's `software_id`.
    pub software_id: String,
    /// The organisation of the software statement.
    pub org_id: String,
    /// The registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// The roles it registered for, as OAuth scopes (`accounts`, `payments`,
    /// `fundsconfirmations`).
    pub roles: Vec<String>,
    /// The subject DN of its transport certificate.
    pub subject_dn: String,
    /// The interface it registered with.
    pub region: Region,
}

/// Which API a consent belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentKindView {
    /// An account-access consent.
    AccountAccess,
    /// A payment consent of one of the four payment APIs.
    Payment(payment::PaymentKind),
    /// A domestic VRP consent.
    Vrp,
    /// A funds-confirmation consent.
    FundsConfirmation,
}

impl ConsentKindView {
    /// A short English name.
    pub fn label(self) -> &'static str {
        match self {
            ConsentKindView::AccountAccess => "account access",
            ConsentKindView::Payment(payment::PaymentKind::Domestic) => "domestic payment",
            ConsentKindView::Payment(payment::PaymentKind::DomesticScheduled) => {
                "domestic scheduled payment"
            }
            ConsentKindView::Payment(payment::PaymentKind::DomesticStandingOrder) => {
                "domestic standing order"
            }
            ConsentKindView::Payment(payment::PaymentKind::International) => {
                "international payment"
            }
            ConsentKindView::Vrp => "domestic VRP",
            ConsentKindView::FundsConfirmation => "funds confirmation",
        }
    }
}

/// A consent, as the console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentView {
    /// `ConsentId`.
    pub id: String,
    /// Which API.
    pub kind: ConsentKindView,
    /// The client that created it.
    pub client_id: String,
    /// Its status as the API names it.
    pub status: &'static str,
    /// Whether it has run out of time (the API answers as for an expired consent).
    pub expired: bool,
    /// `CreationDateTime`.
    pub created: Instant,
    /// When the customer first approved it, if they did.
    pub authorised: Option<Instant>,
    /// The deadline that applies next: what it is and when.
    pub deadline: Option<(&'static str, Instant)>,
    /// Every status it has had, with when, oldest first.
    pub history: Vec<(Instant, &'static str)>,
    /// Whether the customer's decision is awaited on an approval page (the console can decide
    /// in their place).
    pub awaiting_decision: bool,
    /// Whether the customer can withdraw it in the app (an authorised account-access consent:
    /// the sandbox's revoke control).
    pub revocable: bool,
}

/// A payment order or VRP, as the console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentView {
    /// Its id.
    pub id: String,
    /// What kind of payment.
    pub kind: &'static str,
    /// The consent it was made under.
    pub consent_id: String,
    /// The client that made it.
    pub client_id: String,
    /// The account it is paid from.
    pub account_id: String,
    /// Its status as the API names it.
    pub status: String,
    /// The amount and currency, as the request gave them.
    pub amount: String,
    /// Why the bank refused it (or its last execution), if it did.
    pub rejection: Option<String>,
    /// When it was made.
    pub created: Instant,
    /// The transactions it put on the account, with their status.
    pub transactions: Vec<(String, &'static str)>,
}

/// An event subscription, as the console lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionView {
    /// `EventSubscriptionId`.
    pub id: String,
    /// The client.
    pub client_id: String,
    /// `CallbackUrl`, if the client is pushed to.
    pub callback_url: Option<String>,
    /// `Version`.
    pub version: String,
    /// `EventTypes`, if restricted.
    pub event_types: Option<Vec<String>>,
}

impl Sandbox {
    /// Every registered client, by client id.
    pub fn client_views(&self) -> Vec<ClientView> {
        let mut out: Vec<ClientView> = self
            .clients
            .iter()
            .map(|(id, c)| ClientView {
                client_id: id.clone(),
                software_id: c.software_id.clone(),
                org_id: c.org_id.clone(),
                redirect_uris: c
                    .registration
                    .redirect_uris
                    .iter()
                    .map(|u| u.to_string())
                    .collect(),
                roles: c
                    .registration
                    .scope
                    .split_whitespace()
                    .filter(|s| *s != "openid")
                    .map(str::to_owned)
                    .collect(),
                subject_dn: c.subject_dn.clone(),
                region: c.region,
            })
            .collect();
        out.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        out
    }

    /// Every consent of every kind, newest first, as of sandbox time `now`.
    pub fn consent_views(&self, now: Instant) -> Vec<ConsentView> {
        let awaiting: HashSet<&str> = self
            .oauth
            .pending
            .values()
            .map(|p| p.consent_id.as_str())
            .collect();
        let view =
            |id: &String,
             kind: ConsentKindView,
             client_id: &str,
             status: &'static str,
             timeline: &Timeline,
             (expired, deadline): (bool, Option<(&'static str, Instant)>)| {
                ConsentView {
                    id: id.clone(),
                    kind,
                    client_id: client_id.to_owned(),
                    status,
                    expired,
                    created: timeline.steps.first().map_or(timeline.updated, |s| s.0),
                    authorised: timeline
                        .steps
                        .iter()
                        .find(|s| s.1 == "Authorised")
                        .map(|s| s.0),
                    deadline,
                    history: timeline.steps.clone(),
                    awaiting_decision: awaiting.contains(id.as_str()),
                    revocable: kind == ConsentKindView::AccountAccess && status == "Authorised",
                }
            };
        let mut out = Vec::new();
        for (id, s) in &self.ais.consents {
            let m = &s.consent;
            let deadline = match m {
                ais::AccountAccessConsent::AwaitingAuthorisation(_)
                | ais::AccountAccessConsent::Authorised(_) => {
                    m.info().expires_at().map(|t| ("expires", t))
                }
                _ => None,
            };
            out.push(view(
                id,
                ConsentKindView::AccountAccess,
                &m.info().client_id,
                m.status_name(),
                &s.timeline,
                (m.is_expired(now) && deadline.is_some(), deadline),
            ));
        }
        for (id, c) in &self.pis.consents {
            let m = &c.machine;
            let label = match m {
                payment::PaymentConsent::AwaitingAuthorisation(_) => "authorise by",
                _ => "order by",
            };
            out.push(view(
                id,
                ConsentKindView::Payment(m.info().kind),
                &m.info().client_id,
                m.status_name(),
                &c.timeline,
                (m.is_expired(now), m.expires_at().map(|t| (label, t))),
            ));
        }
        for (id, c) in &self.vrp.consents {
            let m = &c.machine;
            let open = matches!(
                m,
                vrp::VrpConsent::AwaitingAuthorisation(_) | vrp::VrpConsent::Authorised(_)
            );
            let valid_to = m.info().control.valid_to.filter(|_| open);
            out.push(view(
                id,
                ConsentKindView::Vrp,
                &m.info().client_id,
                m.status_name(),
                &c.timeline,
                (
                    valid_to.is_some_and(|t| now >= t),
                    valid_to.map(|t| ("valid to", t)),
                ),
            ));
        }
        for (id, c) in &self.cbpii.consents {
            let m = &c.machine;
            let open = !matches!(m, funds::FundsConsent::Rejected(_));
            let expires = m.info().expiration.filter(|_| open);
            out.push(view(
                id,
                ConsentKindView::FundsConfirmation,
                &m.info().client_id,
                m.status_name(),
                &c.timeline,
                (
                    m.info().is_expired(now) && open,
                    expires.map(|t| ("expires", t)),
                ),
            ));
        }
        out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        out
    }

    /// The approval-page authorization waiting for the customer's decision on consent `id`,
    /// and the interface it was asked on: what the console's decision posts as `pending`.
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn pending_authorization(&self, consent_id: &str) -> Option<(&str, Region)> {
        self.oauth
            .pending
            .iter()
            .filter(|(_, p)| p.consent_id == consent_id)
            .map(|(id, p)| {
                let region = self
                    .clients
                    .get(&p.client_id)
                    .map_or(Region::Uk, |c| c.region);
                (id.as_str(), region)
            })
            .min_by(|a, b| a.0.cmp(b.0))
    }

    /// Every payment order and VRP, newest first.
    pub fn payment_views(&self) -> Vec<PaymentView> {
        let amount_of = |v: &Value| {
            let a = if v["InstructedAmount"].is_object() {
                &v["InstructedAmount"]
            } else {
                &v["FirstPaymentAmount"]
            };
            format!(
                "{} {}",
                a["Amount"].as_str().unwrap_or("?"),
                a["Currency"].as_str().unwrap_or("")
            )
        };
        let client_of = |consent: &str| {
            self.pis
                .consents
                .get(consent)
                .map(|c| c.machine.info().client_id.clone())
                .or_else(|| {
                    self.vrp
                        .consents
                        .get(consent)
                        .map(|c| c.machine.info().client_id.clone())
                })
                .unwrap_or_default()
        };
        let mut out = Vec::new();
        for (id, o) in &self.pis.orders {
            let listed_tail = o.tail.as_str();
            let transactions = self.transactions_of(|origin| {
                origin == id
                    || origin
                        .split_once('_')
                        .is_some_and(|(_, t)| t == listed_tail)
            });
            let rejection = o.rejection.map(str::to_owned).or_else(|| {
                o.last_execution
                    .and_then(|(_, r)| r)
                    .map(|r| r.text().to_owned())
            });
            out.push(PaymentView {
                id: id.clone(),
                kind: ConsentKindView::Payment(o.kind).label(),
                consent_id: o.consent_id.clone(),
                client_id: client_of(&o.consent_id),
                account_id: o.account_id.clone(),
                status: o.status.to_owned(),
                amount: amount_of(&o.initiation),
                rejection,
                created: o.created,
                transactions,
            });
        }
        for (id, p) in &self.vrp.payments {
            out.push(PaymentView {
                id: id.clone(),
                kind: ConsentKindView::Vrp.label(),
                consent_id: p.consent_id.clone(),
                client_id: client_of(&p.consent_id),
                account_id: p.account_id.clone(),
                status: if p.rejection.is_some() {
                    "Rejected".to_owned()
                } else {
                    "AcceptedSettlementCompleted".to_owned()
                },
                amount: amount_of(&p.instruction),
                rejection: p.rejection.map(|r| r.text().to_owned()),
                created: p.created,
                transactions: self.transactions_of(|origin| origin == id),
            });
        }
        out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        out
    }

    /// The transactions the payments whose origin `matches` put on accounts, with status.
    fn transactions_of(&self, matches: impl Fn(&str) -> bool) -> Vec<(String, &'static str)> {
        self.booked
            .iter()
            .filter(|b| matches(&b.origin))
            .map(|b| {
                let status = self
                    .world
                    .account(&b.account_id)
                    .and_then(|(_, a)| a.transactions.iter().find(|t| t.id == b.transaction_id))
                    .map_or("unknown", |t| match t.status {
                        crate::seed::TxStatus::Booked => "Booked",
                        crate::seed::TxStatus::Pending => "Pending",
                        crate::seed::TxStatus::Rejected => "Rejected",
                    });
                (b.transaction_id.clone(), status)
            })
            .collect()
    }

    /// The rejection the sandbox will force on the next payment, if one waits.
    pub fn next_rejection(&self) -> Option<&'static str> {
        self.next_rejection.map(|r| r.text())
    }

    /// Every event subscription, by id.
    pub fn subscription_views(&self) -> Vec<SubscriptionView> {
        let mut out: Vec<SubscriptionView> = self
            .events
            .subscriptions
            .values()
            .map(|s| SubscriptionView {
                id: s.id.clone(),
                client_id: s.client_id.clone(),
                callback_url: s.callback_url.clone(),
                version: s.version.clone(),
                event_types: s.event_types.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The events waiting to be polled, per client: their `jti`s, oldest first.
    pub fn waiting_events(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = self
            .events
            .pending
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(client, v)| (client.clone(), v.iter().map(|p| p.jti.clone()).collect()))
            .collect();
        out.sort();
        out
    }

    /// The registered client a request comes from, as far as it says: its bearer token's, its
    /// `client_id` (form or query), the registration it manages, else the one client
    /// registered with its certificate's subject. Read before the request is handled (a
    /// deletion revokes the token it came with).
    pub fn client_of_request(
        &self,
        req: &Request<Vec<u8>>,
        client_certificate_dn: Option<&str>,
        now: Instant,
    ) -> Option<String> {
        let now = self.clock.now(now);
        if let Some(token) = req
            .headers()
            .get(::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
        {
            if let Some(t) = self.oauth.app_tokens.get(token) {
                return Some(t.client_id.clone());
            }
            if let Ok(g) = self.tokens.authenticate(token, now) {
                return Some(g.client_id.clone());
            }
        }
        let named = super::http::form(req)
            .into_iter()
            .flatten()
            .chain(super::http::query(req))
            .find(|(k, _)| k == "client_id")
            .map(|(_, v)| v)
            .filter(|id| self.clients.contains_key(id));
        if named.is_some() {
            return named;
        }
        let path = req.uri().path();
        if let Some(id) = path
            .split("/register/")
            .nth(1)
            .map(|rest| rest.trim_end_matches('/'))
            .filter(|id| self.clients.contains_key(*id))
        {
            return Some(id.to_owned());
        }
        let dn = client_certificate_dn?;
        let mut of_dn = self.clients.iter().filter(|(_, c)| c.subject_dn == dn);
        match (of_dn.next(), of_dn.next()) {
            (Some((id, _)), None) => Some(id.clone()),
            _ => None,
        }
    }

    /// A pot's transactions as the proposed `GET /pots/{PotId}/transactions` serves them
    /// (every Detail field, the balance after each), oldest first, with the account holding
    /// the pot; `None` for an unknown pot. Closed pots included.
    pub fn pot_ledger(
        &self,
        pot_id: &str,
    ) -> Option<(String, Vec<monzo_model::accounts::OBPotTransaction1>)> {
        let (account, pot) = self
            .world
            .users
            .iter()
            .flat_map(|u| &u.accounts)
            .find_map(|a| a.pots.iter().find(|p| p.id == pot_id).map(|p| (a, p)))?;
        let mut balance = rust_decimal::Decimal::ZERO;
        let rows = pot
            .movements
            .iter()
            .map(|m| {
                balance += m.amount;
                super::ais::pot_transaction_of(account, pot, m, balance)
            })
            .collect();
        Some((account.id.clone(), rows))
    }

    /// What keeps the secrets this emulator issued out of text shown to people.
    pub fn redactor(&self) -> Redactor<'_> {
        Redactor {
            secrets: self.secrets.values().map(String::as_str).collect(),
        }
    }
}

/// Replaces every secret the emulator issued (access, refresh and client-credentials tokens,
/// authorization codes, approval-page ids) with a short fingerprint, and the values of
/// members that carry tokens or private keys in JSON bodies whatever their value.
pub struct Redactor<'a> {
    secrets: HashSet<&'a str>,
}

/// JSON members whose values are tokens or codes.
const TOKEN_MEMBERS: [&str; 5] = [
    "access_token",
    "refresh_token",
    "id_token",
    "code",
    "client_secret",
];

/// The private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_JWK_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

impl Redactor<'_> {
    /// `text` with each issued secret replaced by [`short_fingerprint`]. Secrets are base62
    /// runs, so each maximal run of letters and digits is looked up.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = String::new();
        let mut copied = 0;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let run = &text[start..i];
            if run.len() >= 16 && self.secrets.contains(run) {
                out.push_str(&text[copied..start]);
                out.push_str(&short_fingerprint(run));
                copied = i;
            }
        }
        if copied == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }

    /// A body as text to show: JSON pretty-printed with token members and private key members
    /// replaced, anything else as (lossy) UTF-8; then [`text`](Self::text).
    pub fn body(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        let shown = match serde_json::from_slice::<Value>(body) {
            Ok(mut v) if v.is_object() || v.is_array() => {
                redact_members(&mut v);
                serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.clone().into_owned())
            }
            _ => text.into_owned(),
        };
        self.text(&shown).into_owned()
    }
}

fn redact_members(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let is_jwk = map.contains_key("kty");
            for (k, member) in map.iter_mut() {
                let secret = TOKEN_MEMBERS.contains(&k.as_str())
                    || (is_jwk && PRIVATE_JWK_MEMBERS.contains(&k.as_str()));
                match member {
                    Value::String(s) if secret => *s = short_fingerprint(s),
                    other => redact_members(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_members),
        _ => {}
    }
}

/// What the console shows of a secret: `sha256:` and the first 12 hex digits of its SHA-256,
/// then `…` (enough to tell two apart and to match the request log's full [`fingerprint`]).
pub fn short_fingerprint(secret: &str) -> String {
    let full = fingerprint(secret);
    format!("{}…", &full[..7 + 12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_secrets_and_token_members_are_replaced() {
        let secret = "AbCdEfGhIjKlMnOpQrStUvWx";
        let r = Redactor {
            secrets: [secret].into_iter().collect(),
        };
        let text = format!("Bearer {secret}, not AbCdEfGhIjKlMnOpQrStUvWxY");
        let shown = r.text(&text);
        assert!(!shown.contains(&format!("{secret},")), "{shown}");
        assert!(shown.starts_with("Bearer sha256:"), "{shown}");
        // A longer run is another value, left alone.
        assert!(shown.ends_with("not AbCdEfGhIjKlMnOpQrStUvWxY"), "{shown}");
        let body = r.body(
            br#"{"id_token":"eyJ.x.y","keys":[{"kty":"RSA","n":"abc","d":"private"}],"note":"ok"}"#,
        );
        assert!(
            !body.contains("eyJ.x.y") && !body.contains("private"),
            "{body}"
        );
        assert!(
            body.contains("\"n\": \"abc\"") && body.contains("\"ok\""),
            "{body}"
        );
        // Text that is no JSON is shown as it is, secrets aside.
        assert_eq!(r.body(b"code=abc&state=x"), "code=abc&state=x");
    }

    #[test]
    fn the_short_fingerprint_is_the_full_ones_prefix() {
        let short = short_fingerprint("s3cr3t");
        let full = fingerprint("s3cr3t");
        assert!(full.starts_with(short.trim_end_matches('…')));
        assert_eq!(short.chars().count(), 7 + 12 + 1);
    }

    #[test]
    fn fingerprints_are_sha256_in_lower_case_hex() {
        assert_eq!(super::super::hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        // SHA-256 of "abc" (FIPS 180-2's example).
        assert_eq!(
            fingerprint("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
