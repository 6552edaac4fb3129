//! Account information: account-access consents, and the reads they allow (accounts,
//! balances, transactions, pots), with the consent rules, permissions and redaction of
//! `ob-consent`.

use ob_consent::ConsentMachine;
use std::collections::HashMap;

use ::http::{Method, Request, Response, StatusCode};
use monzo_model::accounts::{
    MonzoSandboxDesiredStatus, OBAccount6, OBPot1, OBReadConsent1,
    OBReadConsent1DataPermissions as Permission, OBTransaction6,
};
use ob_consent::access::{
    check_party_access, check_scheduled_payments_access, filter_direct_debits,
    filter_standing_orders, transaction_window,
};
use ob_consent::ais::{self as consent, AccountAccessConsent, ConsentInfo};
use ob_consent::permissions::Permissions;
use ob_consent::ConsentError;
use ob_errors::ApiError;
use ob_jose::Instant;
use ob_model::accounts::{
    OBReadDirectDebit2DataDirectDebit, OBScheduledPayment3, OBStandingOrder6,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::http::{self, param, rfc3339};
use super::rendered::Rendering;
use super::{Ctx, Region, Sandbox};
use crate::seed::{Account, AccountKind, Pot, Transaction, TxStatus};

/// Transactions per page.
pub const PAGE_SIZE: usize = 100;

/// An account-access consent and what the sandbox needs beside it.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub(crate) consent: AccountAccessConsent,
    /// `DesiredStatus` (approve?) and `UserID` from the sandbox's SupplementaryData.
    pub(crate) desired: Option<(bool, Option<String>)>,
    /// Its status over time.
    pub(crate) timeline: super::Timeline,
}

/// The account-information side of the state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) consents: HashMap<String, Stored>,
    /// Transactions already written for a page (Detail permission).
    pub(crate) rendered: super::rendered::Rendered,
}

impl State {
    /// Whether the consent is authorised (so that the customer authenticating again
    /// re-authenticates it).
    pub(crate) fn is_authorised(&self, id: &str) -> bool {
        self.consents
            .get(id)
            .is_some_and(|s| matches!(s.consent, AccountAccessConsent::Authorised(_)))
    }

    /// The client of consent `id`, if it is authorised.
    pub(crate) fn authorised_client(&self, id: &str) -> Option<String> {
        match &self.consents.get(id)?.consent {
            AccountAccessConsent::Authorised(a) => Some(a.info.client_id.clone()),
            _ => None,
        }
    }

    /// The authorised consents that cover `account_id`, with their clients, in id order.
    pub(crate) fn consents_covering(&self, account_id: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .consents
            .iter()
            .filter_map(|(id, s)| match &s.consent {
                AccountAccessConsent::Authorised(a)
                    if a.approval.account_ids.iter().any(|x| x == account_id) =>
                {
                    Some((id.clone(), a.info.client_id.clone()))
                }
                _ => None,
            })
            .collect();
        out.sort();
        out
    }

    /// The customer authenticates again for an authorised consent (a new SCA).
    pub(crate) fn reauthenticate(&mut self, id: &str, now: Instant) -> Result<(), ConsentError> {
        self.transition(id, consent::Event::Reauthenticate, now)
    }

    /// The clients an authorised, unexpired consent lets read a transaction of `account_id`
    /// booked `now` (its transaction window includes `now`, and the direction `credit` is
    /// among those it may see), each once, sorted.
    pub(crate) fn readers_of_transactions(
        &self,
        account_id: &str,
        credit: bool,
        now: Instant,
    ) -> Vec<String> {
        let mut clients: Vec<String> = self
            .consents
            .values()
            .filter_map(|s| match &s.consent {
                AccountAccessConsent::Authorised(a)
                    if !a.info.is_expired(now)
                        && a.info.transaction_from.is_none_or(|from| now >= from)
                        && a.info.transaction_to.is_none_or(|to| now <= to)
                        && a.approval.account_ids.iter().any(|id| id == account_id)
                        && a.info
                            .permissions
                            .grants(&Permission::ReadTransactionsBasic)
                        && a.info.permissions.shows_direction(credit) =>
                {
                    Some(a.info.client_id.clone())
                }
                _ => None,
            })
            .collect();
        clients.sort();
        clients.dedup();
        clients
    }

    /// Whether there is an account-access consent with this id.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.consents.contains_key(id)
    }

    /// The consent's `DesiredStatus` (true to approve) and `UserID`, if it has one.
    pub(crate) fn desired(&self, id: &str) -> Option<(bool, Option<String>)> {
        self.consents.get(id).and_then(|s| s.desired.clone())
    }

    /// Whether `client_id` may send the customer to approve consent `id`.
    pub(crate) fn check_authorisable(
        &self,
        id: &str,
        client_id: &str,
        now: Instant,
    ) -> Result<(), ConsentError> {
        match self.consents.get(id) {
            Some(s) if s.consent.info().client_id == client_id => match &s.consent {
                AccountAccessConsent::AwaitingAuthorisation(_) => Ok(()),
                // Re-authentication of a consent that has not expired.
                AccountAccessConsent::Authorised(a) if !a.info.is_expired(now) => Ok(()),
                other => Err(ConsentError::InvalidConsentStatus {
                    action: "authorise",
                    status: other.status_name(),
                }),
            },
            _ => Err(ConsentError::InvalidConsentStatus {
                action: "authorise",
                status: "unknown",
            }),
        }
    }

    fn transition(
        &mut self,
        id: &str,
        event: consent::Event,
        now: Instant,
    ) -> Result<(), ConsentError> {
        let stored = self
            .consents
            .get_mut(id)
            .ok_or(ConsentError::InvalidConsentStatus {
                action: "change",
                status: "unknown",
            })?;
        super::transition(&mut stored.consent, &mut stored.timeline, event, now)
    }

    pub(crate) fn authorise(
        &mut self,
        id: &str,
        user_id: &str,
        account_ids: Vec<String>,
        now: Instant,
    ) -> Result<(), ConsentError> {
        self.transition(
            id,
            consent::Event::Authorise {
                user_id: user_id.to_owned(),
                account_ids,
            },
            now,
        )
    }

    pub(crate) fn reject(&mut self, id: &str, now: Instant) -> Result<(), ConsentError> {
        self.transition(id, consent::Event::Reject, now)
    }
}

fn amount(a: Decimal) -> String {
    format!("{:.4}", a.abs())
}

fn consent_error(e: &ConsentError) -> ApiError {
    e.to_api_error()
}

/// Re-reads a JSON value as a model type (to apply `ob-consent`'s redaction to it) and back.
/// Fails closed: a value that does not read as its type, or does not write back, is an
/// internal error, never the unredacted value.
fn through<T: DeserializeOwned + Serialize>(
    value: Value,
    f: impl FnOnce(&mut T),
) -> Result<Value, ApiError> {
    let mut typed = T::deserialize(&value).map_err(internal)?;
    f(&mut typed);
    serde_json::to_value(&typed).map_err(internal)
}

/// What a read request is allowed to see.
struct Access {
    user_id: String,
    last_sca: Instant,
    account_ids: Vec<String>,
    /// The interface read (its base URL in `Links`; on the EU one, pots are accounts).
    region: Region,
    permissions: Permissions,
    transaction_from: Option<Instant>,
    transaction_to: Option<Instant>,
}

impl Sandbox {
    pub(super) fn aisp(
        &mut self,
        method: &Method,
        rest: &[&str],
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        match (method, rest) {
            (&Method::POST, ["account-access-consents"]) => self.create_consent(req, ctx),
            (&Method::GET, ["account-access-consents", id]) => self.get_consent(id, req, ctx),
            (&Method::DELETE, ["account-access-consents", id]) => self.delete_consent(id, req, ctx),
            (&Method::GET, ["accounts"]) => self.read(req, ctx, None, |s, a, _| s.accounts(a)),
            (&Method::GET, ["accounts", id]) => {
                let id = (*id).to_owned();
                self.read(req, ctx, Some(&id), |s, a, _| s.accounts(a))
            }
            (&Method::GET, ["accounts", id, "balances"]) => {
                let id = (*id).to_owned();
                self.read(req, ctx, Some(&id), |s, a, q| s.balances(a, q))
            }
            (&Method::GET, ["accounts", id, "transactions"]) => {
                let id = (*id).to_owned();
                self.read(req, ctx, Some(&id), |s, a, q| s.transactions(a, q))
            }
            (&Method::GET, ["pots"]) => self.read(req, ctx, None, |s, a, _| s.pots(a)),
            (&Method::GET, ["pots", id, "transactions"]) if self.config.proposals => {
                let id = (*id).to_owned();
                self.read(req, ctx, None, |s, a, q| s.pot_transactions(&id, a, q))
            }
            (&Method::GET, ["party"]) => {
                self.read(req, ctx, None, |s, a, q| s.party(a, ctx.now, None, q))
            }
            (&Method::GET, ["accounts", id, kind @ ("party" | "parties")]) => {
                let id = (*id).to_owned();
                let many = *kind == "parties";
                self.read(req, ctx, Some(&id), |s, a, q| {
                    s.party(a, ctx.now, Some(many), q)
                })
            }
            (&Method::GET, ["accounts", id, "direct-debits"]) => {
                let id = (*id).to_owned();
                self.read(req, ctx, Some(&id), |s, a, q| {
                    s.direct_debits(a, ctx.now, q)
                })
            }
            (&Method::GET, ["accounts", id, "standing-orders"]) => {
                let id = (*id).to_owned();
                self.read(req, ctx, Some(&id), |s, a, q| {
                    s.standing_orders(a, ctx.now, q)
                })
            }
            (&Method::GET, ["accounts", id, "scheduled-payments"]) => {
                let id = (*id).to_owned();
                self.read(req, ctx, Some(&id), |s, a, q| {
                    s.scheduled_payments(a, ctx.now, q)
                })
            }
            (&Method::GET, ["balances"]) => self.read(req, ctx, None, |s, a, q| s.balances(a, q)),
            (&Method::GET, ["transactions"]) => {
                self.read(req, ctx, None, |s, a, q| s.transactions(a, q))
            }
            _ => Err(http::not_found()),
        }
    }

    fn create_consent(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client_id = self.app_client(req, ctx, "accounts")?;
        let body: OBReadConsent1 = http::decode_valid(req.body())?;
        let data = &body.data;
        let permissions =
            Permissions::validate(&data.permissions).map_err(|e| consent_error(&e))?;
        let time = |t: &Option<ob_model::DateTime>| t.as_ref().map(|d| d.utc());
        let id = self.new_id("obaispaccountaccessconsent");
        let info = ConsentInfo {
            id: id.clone(),
            client_id,
            created: ctx.now,
            permissions,
            expiration: time(&data.expiration_date_time),
            transaction_from: time(&data.transaction_from_date_time),
            transaction_to: time(&data.transaction_to_date_time),
        };
        let awaiting = consent::AwaitingAuthorisation::new(info).map_err(|e| consent_error(&e))?;
        let desired = data.supplementary_data.as_ref().and_then(|s| {
            s.desired_status.as_ref().map(|d| {
                (
                    *d == MonzoSandboxDesiredStatus::Authorised,
                    s.user_id.as_ref().map(|u| u.to_string()),
                )
            })
        });
        if let Some((_, Some(user))) = &desired {
            match self.region_of_user(user) {
                None => {
                    return Err(http::field_invalid(
                        "Data.SupplementaryData.UserID",
                        "unknown sandbox user",
                    ))
                }
                Some(region) if region != ctx.region => {
                    return Err(http::field_invalid(
                        "Data.SupplementaryData.UserID",
                        match ctx.region {
                            Region::Eu => "a sandbox user of the UK interface: the EU interface's user is user_0000Av3bpksv3AAmdybBCr",
                            Region::Uk => "the EU sandbox user: it consents on the EU interface (/open-banking/eu)",
                        },
                    ))
                }
                Some(_) => {}
            }
        }
        self.ais.consents.insert(
            id.clone(),
            Stored {
                consent: awaiting.into(),
                desired,
                timeline: super::Timeline::new(ctx.now, "AwaitingAuthorisation"),
            },
        );
        Ok(http::json(
            StatusCode::CREATED,
            &self.consent_body(&id, ctx.region)?,
        ))
    }

    fn consent_body(&self, id: &str, region: Region) -> Result<Value, ApiError> {
        use monzo_model::accounts::{OBReadConsentResponse1, OBReadConsentResponse1Data};
        let stored = self.ais.consents.get(id).ok_or_else(http::not_found)?;
        let info = stored.consent.info();
        let self_url = format!(
            "{}/account-access-consents/{id}",
            self.config.aisp_base_of(region)
        );
        http::model_json(&OBReadConsentResponse1 {
            data: OBReadConsentResponse1Data {
                consent_id: id.into(),
                creation_date_time: http::date_time(info.created),
                status: stored.consent.status(),
                status_update_date_time: http::date_time(stored.timeline.updated),
                permissions: info.permissions.iter().cloned().collect(),
                expiration_date_time: info.expiration.map(http::date_time),
                transaction_from_date_time: info.transaction_from.map(http::date_time),
                transaction_to_date_time: info.transaction_to.map(http::date_time),
                ..OBReadConsentResponse1Data::default()
            },
            links: Some(Box::new(links(&self_url))),
            meta: Some(Box::new(meta(None))),
            ..OBReadConsentResponse1::default()
        })
    }

    /// The client's consent `id`. A consent the TPP deleted is gone: OBIE v3.1.10 (Read/Write
    /// Data API profile, "Changes to an Intent's Authorized State"): "The ASPSP must delete the
    /// resource (possibly as a "soft" delete) and respond to subsequent GET requests with an
    /// Http Status of 400", and the state is terminal. The machine keeps it as `Revoked`, a
    /// status OBIE says "is not applicable for the resource created after Ver 3.1.4", so it is
    /// never shown: every consent here is created under v3.1.10.
    fn owned_consent(&self, id: &str, client_id: &str) -> Result<&Stored, ApiError> {
        self.ais
            .consents
            .get(id)
            .filter(|s| s.consent.info().client_id == client_id)
            .filter(|s| !matches!(s.consent, AccountAccessConsent::Revoked(_)))
            .ok_or_else(|| http::unknown_resource("consent"))
    }

    fn get_consent(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client_id = self.app_client(req, ctx, "accounts")?;
        self.owned_consent(id, &client_id)?;
        Ok(http::json(
            StatusCode::OK,
            &self.consent_body(id, ctx.region)?,
        ))
    }

    fn delete_consent(
        &mut self,
        id: &str,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let client_id = self.app_client(req, ctx, "accounts")?;
        self.owned_consent(id, &client_id)?;
        super::delete_consent(
            &mut self.tokens,
            id,
            self.ais.consents.get_mut(id),
            consent::Event::Revoke,
            ctx.now,
        )
    }

    /// Authenticates a read with a consent's access token and runs `f` with what it may see;
    /// `account` must be one of the consent's accounts when given.
    fn read<B: Serialize>(
        &mut self,
        req: &Request<Vec<u8>>,
        ctx: &Ctx,
        account: Option<&str>,
        f: impl FnOnce(&Sandbox, &Access, &ReadQuery) -> Result<B, ApiError>,
    ) -> Result<Response<Vec<u8>>, ApiError> {
        let token = http::bearer(req).ok_or_else(ApiError::unauthorized_empty)?;
        let grant = self
            .tokens
            .authenticate(token, ctx.now)
            .map_err(|e| e.to_api_error())?;
        self.check_holder(&grant.client_id, ctx)?;
        let stored = self
            .ais
            .consents
            .get(&grant.consent_id)
            .ok_or_else(ApiError::unauthorized_empty)?;
        let authorised = stored
            .consent
            .check_active(ctx.now)
            .map_err(|e| consent_error(&e))?;
        let access = Access {
            user_id: authorised.approval.user_id.clone(),
            last_sca: authorised.approval.last_sca,
            account_ids: match account {
                Some(id) if authorised.approval.account_ids.iter().any(|a| a == id) => {
                    vec![id.to_owned()]
                }
                Some(_) => return Err(http::forbidden("the account is not in the consent")),
                None => authorised.approval.account_ids.clone(),
            },
            region: ctx.region,
            permissions: authorised.info.permissions.clone(),
            transaction_from: authorised.info.transaction_from,
            transaction_to: authorised.info.transaction_to,
        };
        let q = ReadQuery {
            pairs: http::query(req),
            self_url: format!(
                "{}{}",
                self.config.base,
                req.uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or_default()
            ),
        };
        let body = f(self, &access, &q)?;
        Ok(http::json_of(StatusCode::OK, &body))
    }

    fn accounts_of<'a>(&'a self, access: &'a Access) -> impl Iterator<Item = &'a Account> + 'a {
        self.world
            .user(&access.user_id)
            .into_iter()
            .flat_map(|u| u.accounts.iter())
            .filter(|a| access.account_ids.contains(&a.id))
    }

    /// The open pots the read may see as accounts: on the EU interface only, where Monzo lists
    /// a customer's pots as accounts of their own (FACTS, "In EU pots ARE accounts"); the UK
    /// interface lists them at `/pots`.
    fn pots_as_accounts<'a>(
        &'a self,
        access: &'a Access,
    ) -> impl Iterator<Item = (&'a Account, &'a Pot)> + 'a {
        self.world
            .user(&access.user_id)
            .into_iter()
            .filter(move |_| access.region == Region::Eu)
            .flat_map(|u| u.accounts.iter())
            .flat_map(|a| a.pots.iter().map(move |p| (a, p)))
            .filter(|(_, p)| p.closed.is_none() && access.account_ids.contains(&p.id))
    }

    fn require(access: &Access, p: Permission) -> Result<(), ApiError> {
        if access.permissions.grants(&p) {
            Ok(())
        } else {
            Err(http::forbidden(&format!(
                "the consent does not grant {}",
                p.as_str()
            )))
        }
    }

    fn accounts(&self, access: &Access) -> Result<Value, ApiError> {
        use monzo_model::accounts::{
            OBAccountStatus1Code as Status, OBCashAccount5_0 as Identifier,
            OBExternalAccountIdentification4Code as Scheme,
            OBExternalAccountSubType1Code as SubType, OBExternalAccountType1Code as Type,
            OBExternalSwitchStatusCode as Switch, OBReadAccount6, OBReadAccount6Data,
        };
        Self::require(access, Permission::ReadAccountsBasic)?;
        let name = self
            .world
            .user(&access.user_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let identifier = |scheme: Scheme, id: &str| Identifier {
            scheme_name: scheme,
            identification: id.into(),
            name: Some(name.as_str().into()),
            ..Identifier::default()
        };
        let accounts = self
            .accounts_of(access)
            .map(|a| {
                let mut ids = Vec::new();
                if let Some(scan) = &a.sort_code_account {
                    ids.push(identifier(Scheme::SortCodeAccountNumber, scan));
                }
                if let Some(iban) = &a.iban {
                    ids.push(identifier(Scheme::IBAN, iban));
                }
                // Flex is a credit product with no account number of its own.
                let flex = matches!(a.kind, AccountKind::Flex(_));
                // Monzo: "If the account has been closed, it will still be returned in the
                // response, but with an updated Status" (which one it does not say: OBIE's
                // `Deleted`, "account cannot be used any longer").
                let opened = a.opened.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                let (status, since) = match a.closed {
                    Some(at) => (Status::Deleted, at),
                    None => (Status::Enabled, opened),
                };
                let mut account = OBAccount6 {
                    account_id: a.id.as_str().into(),
                    status: Some(status),
                    status_update_date_time: Some(http::date_time(since)),
                    currency: Some(a.currency.into()),
                    account_type: Some(if a.is_business() {
                        Type::Business
                    } else {
                        Type::Personal
                    }),
                    account_sub_type: Some(if flex {
                        SubType::CreditCard
                    } else {
                        SubType::CurrentAccount
                    }),
                    description: Some(a.description.into()),
                    // Monzo's docs show a bare date; the spec's type is a date-time, which
                    // is what the sandbox sends so that responses validate.
                    opening_date: Some(http::date_time(opened)),
                    switch_status: (!flex).then_some(Switch::CassNotSwitched),
                    account: (!ids.is_empty()).then_some(ids),
                    ..OBAccount6::default()
                };
                access.permissions.redact_account(&mut account);
                account
            })
            .chain(self.pots_as_accounts(access).map(|(a, p)| {
                // Monzo's EU interface lists each pot as a savings account, "Personal Pot",
                // with an `Account` entry `{"SchemeName": "", "Identification": "", "Name":
                // <pot name>}`. Empty scheme and identification break the spec (both have
                // minLength 1), so the emulator leaves that entry out and gives the pot's
                // name as the account's `Nickname`, the member OBIE has for a name the
                // customer chose.
                let mut account = OBAccount6 {
                    account_id: p.id.as_str().into(),
                    status: Some(Status::Enabled),
                    status_update_date_time: Some(http::date_time(p.created)),
                    currency: Some(a.currency.into()),
                    account_type: Some(Type::Personal),
                    account_sub_type: Some(SubType::Savings),
                    description: Some("Personal Pot".into()),
                    nickname: Some(p.name.as_str().into()),
                    opening_date: Some(http::date_time(p.created)),
                    ..OBAccount6::default()
                };
                access.permissions.redact_account(&mut account);
                account
            }))
            .collect();
        let self_url = format!("{}/accounts", self.config.aisp_base_of(access.region));
        http::model_json(&OBReadAccount6 {
            data: OBReadAccount6Data {
                account: Some(accounts),
                ..OBReadAccount6Data::default()
            },
            links: Some(Box::new(links(&self_url))),
            meta: Some(Box::new(meta(Some(1)))),
            ..OBReadAccount6::default()
        })
    }

    fn balances(&self, access: &Access, q: &ReadQuery) -> Result<Value, ApiError> {
        use monzo_model::accounts::{
            OBActiveOrHistoricCurrencyAndAmount_0 as Money, OBBalanceType1Code as Kind,
            OBReadBalance1, OBReadBalance1Data, OBReadBalance1DataBalance as Balance,
        };
        Self::require(access, Permission::ReadBalances)?;
        let include_pots = param(&q.pairs, "includePots") == Some("true");
        let entry = |id: &str, currency: &str, kind: Kind, value: Decimal, at| Balance {
            account_id: id.into(),
            credit_debit_indicator: http::credit_debit(value),
            type_: kind,
            date_time: http::date_time(at),
            amount: Money {
                amount: http::money(value),
                currency: currency.into(),
                ..Money::default()
            },
            ..Balance::default()
        };
        let mut balances = Vec::new();
        for a in self.accounts_of(access) {
            let at = a
                .transactions
                .last()
                .map(|t| t.at)
                .unwrap_or_else(crate::seed::seed_end);
            let (id, currency): (&str, &str) = (&a.id, a.currency);
            if let AccountKind::Flex(terms) = a.kind {
                // Monzo: a Flex account has two balances, what is owed today and the Flex
                // balance with all the interest still to come (both owed: debits).
                balances.push(entry(
                    id,
                    currency,
                    Kind::InterimAvailable,
                    -terms.due_today,
                    at,
                ));
                balances.push(entry(
                    id,
                    currency,
                    Kind::Information,
                    a.balance() - terms.future_interest,
                    at,
                ));
                continue;
            }
            balances.push(entry(id, currency, Kind::InterimAvailable, a.balance(), at));
            // Monzo: includePots adds the balance with every pot (not offered in the EU).
            if include_pots && a.currency == "GBP" {
                balances.push(entry(
                    id,
                    currency,
                    Kind::Information,
                    a.balance_with_pots(),
                    at,
                ));
            }
        }
        for (a, p) in self.pots_as_accounts(access) {
            let at = p.movements.last().map_or(p.created, |m| m.at);
            balances.push(entry(
                &p.id,
                a.currency,
                Kind::InterimAvailable,
                p.balance(),
                at,
            ));
        }
        http::model_json(&OBReadBalance1 {
            data: OBReadBalance1Data {
                balance: balances,
                ..OBReadBalance1Data::default()
            },
            links: Some(Box::new(links(&q.self_url))),
            meta: Some(Box::new(meta(Some(1)))),
            ..OBReadBalance1::default()
        })
    }

    fn transactions(
        &self,
        access: &Access,
        q: &ReadQuery,
    ) -> Result<Box<serde_json::value::RawValue>, ApiError> {
        Self::require(access, Permission::ReadTransactionsBasic)?;
        let window = transaction_window(
            access.transaction_from,
            access.transaction_to,
            param(&q.pairs, "fromBookingDateTime"),
            param(&q.pairs, "toBookingDateTime"),
        )
        .map_err(|e| consent_error(&e))?;
        let (descending, page) = order_and_page(q)?;
        // Histories are kept in booking order: the window is a binary search, and with both
        // directions allowed nothing but the page itself is read.
        let credits = access.permissions.shows_direction(true);
        let debits = access.permissions.shows_direction(false);
        let accounts: Vec<&Account> = self.accounts_of(access).collect();
        // The proposed PotId filter (option B): one of the accounts' pots. Without the
        // proposals it is an unknown parameter, ignored as Monzo ignores them.
        let proposals = self.config.proposals;
        let pot = param(&q.pairs, "PotId").filter(|_| proposals && access.region == Region::Uk);
        // A filter naming no pot of the accounts selects nothing (OBIE: "a request ... that
        // results in no business data being returned ... must respond with a 200 (OK) and set
        // the array to be empty").
        let mut selected: Vec<Row<'_>> = accounts
            .iter()
            .flat_map(|a| {
                a.booked_between(window.from, window.to)
                    .iter()
                    .map(move |t| (*a, t))
            })
            .filter(|(_, t)| (credits && debits) || if t.credit { credits } else { debits })
            .filter(|(_, t)| pot.is_none_or(|p| t.pot_id.as_deref() == Some(p)))
            .map(|(a, t)| Row::Account(a, t))
            .collect();
        // On the EU interface, the movements of pots read as accounts.
        let pots: Vec<(&Account, &Pot)> = self.pots_as_accounts(access).collect();
        for (a, p) in &pots {
            let mut running = Decimal::ZERO;
            for m in &p.movements {
                running += m.amount;
                if window.contains(m.at)
                    && access.permissions.shows_direction(m.amount > Decimal::ZERO)
                {
                    selected.push(Row::Pot(a, p, m, running));
                }
            }
        }
        if accounts.len() + pots.len() > 1 {
            selected.sort_by_key(Row::at);
        }
        if descending {
            selected.reverse();
        }
        let detail = access
            .permissions
            .grants(&Permission::ReadTransactionsDetail);
        let total_pages = selected.len().div_ceil(PAGE_SIZE).max(1);
        let start = (page - 1).saturating_mul(PAGE_SIZE).min(selected.len());
        let rows = &selected[start..(start + PAGE_SIZE).min(selected.len())];
        // Detail pages copy each transaction's text, written once (`rendered`).
        let mut rendered = self.ais.rendered.lock();
        if detail {
            for row in rows {
                if let Row::Account(a, t) = row {
                    let how = rendering(a, proposals);
                    rendered.ensure(&a.id, how, t, || {
                        serde_json::value::to_raw_value(&transaction_out(&a.id, how, t))
                            .map_err(internal)
                    })?;
                }
            }
        }
        let rendered = &*rendered;
        let items: Vec<PageItem<'_>> = rows
            .iter()
            .map(|row| {
                let (a, t) = match row {
                    Row::Account(a, t) => (*a, *t),
                    Row::Pot(a, p, m, balance) => {
                        let v = pot_account_transaction_json(a, p, m, *balance);
                        return Ok(PageItem::Redacted(if detail {
                            v
                        } else {
                            through::<OBTransaction6>(v, |tx| {
                                access.permissions.redact_transaction(tx)
                            })?
                        }));
                    }
                };
                // Redaction removes nothing from a consent with the Detail permission, so
                // those pages are written straight from the history.
                if detail {
                    Ok(match rendered.get(&a.id, &t.id) {
                        Some(json) => PageItem::Written(json),
                        None => PageItem::Whole(transaction_out(&a.id, rendering(a, proposals), t)),
                    })
                } else {
                    let out = transaction_out(&a.id, rendering(a, proposals), t);
                    let v = serde_json::to_value(out).map_err(internal)?;
                    Ok(PageItem::Redacted(through::<OBTransaction6>(v, |tx| {
                        access.permissions.redact_transaction(tx)
                    })?))
                }
            })
            .collect::<Result<_, ApiError>>()?;
        let links = page_links(q, page, total_pages);
        let mut meta = json!({"TotalPages": total_pages});
        let first = accounts
            .iter()
            .filter_map(|a| a.transactions.first().map(|t| t.at))
            .chain(
                pots.iter()
                    .filter_map(|(_, p)| p.movements.first().map(|m| m.at)),
            )
            .min();
        let last = accounts
            .iter()
            .filter_map(|a| a.transactions.last().map(|t| t.at))
            .chain(
                pots.iter()
                    .filter_map(|(_, p)| p.movements.last().map(|m| m.at)),
            )
            .max();
        if let (Some(first), Some(last)) = (first, last) {
            meta["FirstAvailableDateTime"] = Value::String(rfc3339(first));
            meta["LastAvailableDateTime"] = Value::String(rfc3339(last));
        }
        serde_json::value::to_raw_value(&TransactionPage {
            data: TransactionData { transaction: items },
            links,
            meta,
        })
        .map_err(internal)
    }

    fn pots(&self, access: &Access) -> Result<Value, ApiError> {
        Self::require(access, Permission::ReadAccountsBasic)?;
        let pots: Vec<OBPot1> = self
            .accounts_of(access)
            .filter(|a| a.currency == "GBP")
            // Monzo lists open pots only: a closed pot disappears.
            .flat_map(|a| {
                a.pots
                    .iter()
                    .filter(|p| p.closed.is_none())
                    .map(move |p| (a, p))
            })
            .map(|(a, p)| {
                let mut pot = pot_of(a, p);
                access.permissions.redact_pot(&mut pot);
                pot
            })
            .collect();
        http::model_json(&monzo_model::accounts::OBReadPot1 {
            data: monzo_model::accounts::OBReadPot1Data {
                pot: pots,
                ..Default::default()
            },
            ..Default::default()
        })
    }
}

impl Sandbox {
    /// `GET /pots/{PotId}/transactions` (the proposed extension): the pot's movements as
    /// transactions with the pot's running balance, under the same rules as account
    /// transactions (window, direction, `order`, pages, Basic redaction through the typed
    /// model; the extension's own fields ride through it).
    fn pot_transactions(
        &self,
        pot_id: &str,
        access: &Access,
        q: &ReadQuery,
    ) -> Result<Value, ApiError> {
        Self::require(access, Permission::ReadTransactionsBasic)?;
        let (account, pot) = self
            .accounts_of(access)
            .filter(|a| a.currency == "GBP")
            .find_map(|a| a.pots.iter().find(|p| p.id == pot_id).map(|p| (a, p)))
            .ok_or_else(|| http::unknown_resource("pot"))?;
        let window = transaction_window(
            access.transaction_from,
            access.transaction_to,
            param(&q.pairs, "fromBookingDateTime"),
            param(&q.pairs, "toBookingDateTime"),
        )
        .map_err(|e| consent_error(&e))?;
        let (descending, page) = order_and_page(q)?;
        let mut running = Decimal::ZERO;
        let mut all = Vec::with_capacity(pot.movements.len());
        for m in &pot.movements {
            running += m.amount;
            let credit = m.amount > Decimal::ZERO;
            if !window.contains(m.at) || !access.permissions.shows_direction(credit) {
                continue;
            }
            all.push((m, running));
        }
        if descending {
            all.reverse();
        }
        let total_pages = all.len().div_ceil(PAGE_SIZE).max(1);
        let items: Vec<monzo_model::accounts::OBPotTransaction1> = all
            .into_iter()
            .skip((page - 1).saturating_mul(PAGE_SIZE))
            .take(PAGE_SIZE)
            .map(|(m, balance)| {
                let mut tx = pot_transaction_of(account, pot, m, balance);
                access.permissions.redact_pot_transaction(&mut tx);
                tx
            })
            .collect();
        let (first, last) = (pot.movements.first(), pot.movements.last());
        http::model_json(&monzo_model::accounts::OBReadPotTransaction1 {
            data: monzo_model::accounts::OBReadPotTransaction1Data {
                transaction: items,
                ..Default::default()
            },
            links: http::from_stored(&page_links(q, page, total_pages))?,
            meta: monzo_model::accounts::Meta {
                total_pages: i32::try_from(total_pages).ok(),
                first_available_date_time: first.map(|m| http::date_time(m.at)),
                last_available_date_time: last.map(|m| http::date_time(m.at)),
                ..Default::default()
            },
            ..Default::default()
        })
    }
}

/// The app's category of a pot transaction: transfers and interest are savings, a direct
/// debit is a bill, a card payment goes by its merchant's category code.
fn pot_category(source: &crate::seed::PotSource) -> &'static str {
    use crate::seed::PotSource;
    match source {
        PotSource::TransferIn
        | PotSource::TransferOut
        | PotSource::RoundUp
        | PotSource::Interest => "savings",
        PotSource::DirectDebit { .. } => "bills",
        PotSource::CardPayment { mcc, .. } => match mcc.as_str() {
            "5411" | "5422" | "5441" | "5451" | "5462" | "5499" => "groceries",
            "5812" | "5813" | "5814" => "eating_out",
            "4111" | "4112" | "4121" | "4131" | "5541" | "5542" | "7523" => "transport",
            "3000" | "4411" | "4511" | "4722" | "7011" | "7512" => "holidays",
            "4814" | "4899" | "4900" => "bills",
            "5912" | "7230" | "7298" => "personal_care",
            "7832" | "7922" | "7941" | "7996" | "7999" => "entertainment",
            "8398" => "charity",
            _ => "shopping",
        },
    }
}

/// What a pot movement reads as: its `TransactionInformation` and Monzo's transaction code.
fn pot_movement_text(m: &crate::seed::PotMovement) -> (String, &'static str) {
    use crate::seed::PotSource;
    match &m.source {
        PotSource::TransferIn => ("Transfer from main account".to_owned(), "uk_retail_pot"),
        PotSource::TransferOut => ("Transfer to main account".to_owned(), "uk_retail_pot"),
        PotSource::CardPayment { merchant, .. } => (merchant.clone(), "mastercard"),
        PotSource::DirectDebit { name, .. } => (name.clone(), "bacs"),
        PotSource::Interest => (
            format!("Interest for {}", m.at.format("%B %Y")),
            "account_interest",
        ),
        PotSource::RoundUp => ("Round ups".to_owned(), "uk_retail_pot"),
    }
}

/// One pot movement as a transaction of the pot read as an account (the EU interface): an
/// `OBTransaction6` of the pot's `AccountId`, with the pot's running balance and Monzo's
/// `SupplementaryData`.
fn pot_account_transaction_json(
    a: &Account,
    pot: &Pot,
    m: &crate::seed::PotMovement,
    balance_after: Decimal,
) -> Value {
    let (information, code) = pot_movement_text(m);
    let indicator = |negative: bool| if negative { "Debit" } else { "Credit" };
    json!({
        "AccountId": pot.id,
        "TransactionId": m.id,
        "CreditDebitIndicator": indicator(m.amount < Decimal::ZERO),
        "Status": "Booked",
        "BookingDateTime": rfc3339(m.at),
        "TransactionInformation": information,
        "Amount": {"Amount": amount(m.amount), "Currency": a.currency},
        "ProprietaryBankTransactionCode": {"Code": code, "Issuer": "Monzo"},
        "Balance": {
            "Amount": {"Amount": amount(balance_after), "Currency": a.currency},
            "CreditDebitIndicator": indicator(balance_after < Decimal::ZERO),
            "Type": "InterimBooked"
        },
        "SupplementaryData": {"Declined": false, "RawTransactionDescription": information},
    })
}

/// A row of a transactions page: a transaction of an account, or (on the EU interface) a
/// movement of a pot read as an account, with the pot's balance after it.
enum Row<'a> {
    Account(&'a Account, &'a Transaction),
    Pot(&'a Account, &'a Pot, &'a crate::seed::PotMovement, Decimal),
}

impl Row<'_> {
    fn at(&self) -> Instant {
        match self {
            Row::Account(_, t) => t.at,
            Row::Pot(_, _, m, _) => m.at,
        }
    }
}

/// One pot movement as an `OBPotTransaction1`.
/// A pot's movement as the proposed extension's `OBPotTransaction1`, with the pot's balance
/// after it.
pub(crate) fn pot_transaction_of(
    a: &Account,
    pot: &Pot,
    m: &crate::seed::PotMovement,
    balance_after: Decimal,
) -> monzo_model::accounts::OBPotTransaction1 {
    use crate::seed::PotSource;
    use monzo_model::accounts::{
        MonzoPotTransactionSource as Source, MonzoPotTransactionSupplementaryData as Supplementary,
        MonzoPotTransactionSupplementaryDataCategory as Category, MonzoProprietaryTransactionCode,
        OBBalanceType1Code, OBCashAccount6_0, OBEntryStatus1Code,
        OBExternalAccountIdentification4Code as Scheme, OBMerchantDetails1, OBPotTransaction1,
        OBTransactionCardInstrument1 as Card,
        OBTransactionCardInstrument1AuthorisationType as Authorisation,
        OBTransactionCardInstrument1CardSchemeName as CardScheme, OBTransactionCashBalance,
        ProprietaryBankTransactionCodeStructure1,
    };
    let (information, code) = pot_movement_text(m);
    // What the app knows beyond OBIE's members: the category, and metadata (what the bank
    // records, then what the customer's tools attached).
    let trigger = match &m.source {
        PotSource::TransferIn | PotSource::TransferOut => "user",
        PotSource::RoundUp => "round_up",
        PotSource::CardPayment { .. } => "card_payment",
        PotSource::DirectDebit { .. } => "direct_debit",
        PotSource::Interest => "interest",
    };
    let mut metadata = serde_json::Map::new();
    metadata.insert("trigger".into(), json!(trigger));
    for (k, val) in &m.metadata {
        metadata.insert(k.clone(), json!(val));
    }
    // The counterparty: the main account for transfers, the merchant for a card payment.
    let main_account = || {
        a.sort_code_account.as_ref().map(|scan| {
            Box::new(OBCashAccount6_0 {
                scheme_name: Some(Scheme::SortCodeAccountNumber),
                identification: Some(scan.as_str().into()),
                name: Some(a.description.into()),
                ..OBCashAccount6_0::default()
            })
        })
    };
    let mut tx = OBPotTransaction1 {
        account_id: a.id.as_str().into(),
        pot_id: pot.id.as_str().into(),
        transaction_id: Some(m.id.as_str().into()),
        credit_debit_indicator: http::credit_debit(m.amount),
        status: OBEntryStatus1Code::Booked,
        booking_date_time: http::date_time(m.at),
        transaction_information: Some(information.into()),
        amount: account_money(a, m.amount),
        source: Source::from_code(m.source.name()),
        main_account_transaction_id: m.transaction_id.as_deref().map(Into::into),
        proprietary_bank_transaction_code: Some(Box::new(
            ProprietaryBankTransactionCodeStructure1 {
                code: MonzoProprietaryTransactionCode::from_code(code),
                issuer: Some("Monzo".into()),
                ..Default::default()
            },
        )),
        balance: Some(Box::new(OBTransactionCashBalance {
            credit_debit_indicator: http::credit_debit(balance_after),
            type_: OBBalanceType1Code::InterimBooked,
            amount: account_money(a, balance_after),
            ..OBTransactionCashBalance::default()
        })),
        supplementary_data: Some(Box::new(Supplementary {
            category: Some(Category::from_code(pot_category(&m.source))),
            metadata: Some(metadata.into()),
            ..Supplementary::default()
        })),
        ..OBPotTransaction1::default()
    };
    match &m.source {
        PotSource::CardPayment { merchant, mcc } => {
            tx.merchant_details = Some(Box::new(OBMerchantDetails1 {
                merchant_name: Some(merchant.as_str().into()),
                merchant_category_code: Some(mcc.to_string().into()),
                ..OBMerchantDetails1::default()
            }));
            tx.card_instrument = Some(Box::new(Card {
                card_scheme_name: CardScheme::MasterCard,
                authorisation_type: Some(Authorisation::ConsumerDevice),
                name: Some(format!("{} virtual card", pot.name).into()),
                ..Card::default()
            }));
        }
        PotSource::DirectDebit { reference, .. } if !reference.is_empty() => {
            if let Some(s) = tx.supplementary_data.as_mut() {
                s.raw_transaction_description = Some(reference.as_str().into());
            }
        }
        PotSource::TransferIn | PotSource::RoundUp => tx.debtor_account = main_account(),
        PotSource::TransferOut => tx.creditor_account = main_account(),
        _ => {}
    }
    tx
}

impl Sandbox {
    /// `GET /party` (the customer, `ReadPartyPSU`) or `/accounts/{id}/party(ies)` (the
    /// account's holders, `ReadParty`); Monzo refuses both more than 5 minutes after SCA.
    fn party(
        &self,
        access: &Access,
        now: Instant,
        account: Option<bool>,
        q: &ReadQuery,
    ) -> Result<Value, ApiError> {
        let needed = if account.is_some() {
            Permission::ReadParty
        } else {
            Permission::ReadPartyPSU
        };
        Self::require(access, needed)?;
        check_party_access(access.last_sca, now).map_err(|e| consent_error(&e))?;
        let user = self
            .world
            .user(&access.user_id)
            .ok_or_else(|| http::unknown_resource("party"))?;
        use monzo_model::accounts::{
            OBExternalAccountRole1Code, OBExternalPartyType1Code, OBParty2, OBReadParty2,
            OBReadParty2Data, OBReadParty3, OBReadParty3Data,
        };
        let party = OBParty2 {
            party_id: user.id.replacen("user_", "party_", 1).into(),
            party_type: Some(OBExternalPartyType1Code::Sole),
            name: Some(user.name.as_str().into()),
            full_legal_name: Some(user.legal_name.as_str().into()),
            account_role: Some(OBExternalAccountRole1Code::from_code("UK.OBIE.Principal")),
            ..OBParty2::default()
        };
        let (links, meta) = (
            Some(Box::new(links(&q.self_url))),
            Some(Box::new(meta(None))),
        );
        match account {
            // `GET /accounts/{AccountId}/parties`: a list.
            Some(true) => http::model_json(&OBReadParty3 {
                data: OBReadParty3Data {
                    party: Some(vec![party]),
                    ..OBReadParty3Data::default()
                },
                links,
                meta,
                ..OBReadParty3::default()
            }),
            // `GET /party` and `GET /accounts/{AccountId}/party`: one.
            _ => http::model_json(&OBReadParty2 {
                data: OBReadParty2Data {
                    party: Some(Box::new(party)),
                    ..OBReadParty2Data::default()
                },
                links,
                meta,
                ..OBReadParty2::default()
            }),
        }
    }

    /// `GET /accounts/{id}/direct-debits` (`ReadDirectDebits`): after 5 minutes from SCA, only
    /// those collected in the last 90 days.
    fn direct_debits(
        &self,
        access: &Access,
        now: Instant,
        q: &ReadQuery,
    ) -> Result<Value, ApiError> {
        use monzo_model::accounts::{
            OBExternalDirectDebitStatus1Code, OBReadDirectDebit2, OBReadDirectDebit2Data,
        };
        Self::require(access, Permission::ReadDirectDebits)?;
        let mut items: Vec<OBReadDirectDebit2DataDirectDebit> = self
            .accounts_of(access)
            .flat_map(|a| {
                a.direct_debits
                    .iter()
                    .map(move |d| OBReadDirectDebit2DataDirectDebit {
                        account_id: a.id.as_str().into(),
                        direct_debit_id: Some(d.id.as_str().into()),
                        mandate_identification: d.reference.as_str().into(),
                        direct_debit_status_code: Some(OBExternalDirectDebitStatus1Code::Active),
                        name: d.name.as_str().into(),
                        previous_payment_date_time: d.previous_payment.map(http::date_time),
                        previous_payment_amount: d
                            .previous_amount
                            .map(|x| Box::new(account_money(a, x))),
                        ..OBReadDirectDebit2DataDirectDebit::default()
                    })
            })
            .collect();
        filter_direct_debits(&mut items, access.last_sca, now);
        http::model_json(&OBReadDirectDebit2 {
            data: OBReadDirectDebit2Data {
                direct_debit: Some(items),
                ..OBReadDirectDebit2Data::default()
            },
            links: Some(Box::new(links(&q.self_url))),
            meta: Some(Box::new(meta(Some(1)))),
            ..OBReadDirectDebit2::default()
        })
    }

    /// `GET /accounts/{id}/standing-orders` (`ReadStandingOrdersBasic`/`Detail`): after 5 minutes
    /// from SCA, only those executed in the last 90 days and those not yet started.
    fn standing_orders(
        &self,
        access: &Access,
        now: Instant,
        q: &ReadQuery,
    ) -> Result<Value, ApiError> {
        use monzo_model::accounts::{
            OBExternalStandingOrderStatus1Code as Status, OBReadStandingOrder6,
            OBReadStandingOrder6Data,
        };
        Self::require(access, Permission::ReadStandingOrdersBasic)?;
        let mut items: Vec<OBStandingOrder6> = self
            .accounts_of(access)
            .flat_map(|a| {
                a.standing_orders.iter().map(move |o| {
                    let money = || Some(Box::new(account_money(a, o.amount)));
                    OBStandingOrder6 {
                        account_id: a.id.as_str().into(),
                        standing_order_id: Some(o.id.as_str().into()),
                        frequency: o.frequency.as_str().into(),
                        reference: Some(o.reference.as_str().into()),
                        first_payment_date_time: Some(http::date_time(o.first_payment)),
                        // Active while payments are to come; Inactive once the last has
                        // fallen due.
                        standing_order_status_code: Some(if o.next_payment.is_some() {
                            Status::Active
                        } else {
                            Status::Inactive
                        }),
                        first_payment_amount: money(),
                        next_payment_date_time: o.next_payment.map(http::date_time),
                        next_payment_amount: o.next_payment.and_then(|_| money()),
                        last_payment_date_time: o.last_payment.map(http::date_time),
                        last_payment_amount: o.last_payment.and_then(|_| money()),
                        number_of_payments: o.number_of_payments.map(|n| n.to_string().into()),
                        final_payment_date_time: o.final_payment.map(http::date_time),
                        final_payment_amount: o.final_payment.and_then(|_| money()),
                        creditor_account: Some(Box::new(creditor_account(&o.creditor))),
                        ..OBStandingOrder6::default()
                    }
                })
            })
            .collect();
        filter_standing_orders(&mut items, access.last_sca, now);
        for o in &mut items {
            access.permissions.redact_standing_order(o);
        }
        http::model_json(&OBReadStandingOrder6 {
            data: OBReadStandingOrder6Data {
                standing_order: Some(items),
                ..OBReadStandingOrder6Data::default()
            },
            links: Some(Box::new(links(&q.self_url))),
            meta: Some(Box::new(meta(Some(1)))),
            ..OBReadStandingOrder6::default()
        })
    }

    /// `GET /accounts/{id}/scheduled-payments` (`ReadScheduledPaymentsBasic`/`Detail`): while
    /// the last SCA is within 90 days.
    fn scheduled_payments(
        &self,
        access: &Access,
        now: Instant,
        q: &ReadQuery,
    ) -> Result<Value, ApiError> {
        use monzo_model::accounts::{
            OBExternalScheduleType1Code, OBReadScheduledPayment3, OBReadScheduledPayment3Data,
        };
        Self::require(access, Permission::ReadScheduledPaymentsBasic)?;
        check_scheduled_payments_access(access.last_sca, now).map_err(|e| consent_error(&e))?;
        let mut items: Vec<OBScheduledPayment3> = self
            .accounts_of(access)
            .flat_map(|a| {
                a.scheduled_payments
                    .iter()
                    .map(move |p| OBScheduledPayment3 {
                        account_id: a.id.as_str().into(),
                        scheduled_payment_id: Some(p.id.as_str().into()),
                        scheduled_payment_date_time: http::date_time(p.at),
                        scheduled_type: OBExternalScheduleType1Code::Execution,
                        reference: Some(p.reference.as_str().into()),
                        instructed_amount: account_money(a, p.amount),
                        creditor_account: Some(Box::new(creditor_account(&p.creditor))),
                        ..OBScheduledPayment3::default()
                    })
            })
            .collect();
        for p in &mut items {
            access.permissions.redact_scheduled_payment(p);
        }
        http::model_json(&OBReadScheduledPayment3 {
            data: OBReadScheduledPayment3Data {
                scheduled_payment: Some(items),
                ..OBReadScheduledPayment3Data::default()
            },
            links: Some(Box::new(links(&q.self_url))),
            meta: Some(Box::new(meta(Some(1)))),
            ..OBReadScheduledPayment3::default()
        })
    }
}

/// A response the sandbox failed to build (a bug, not the client's fault).
fn internal(e: serde_json::Error) -> ApiError {
    http::internal(&e.to_string())
}

/// The query of a read, and its own URL.
struct ReadQuery {
    pairs: Vec<(String, String)>,
    self_url: String,
}

/// The `order` and `page` of a paged read.
fn order_and_page(q: &ReadQuery) -> Result<(bool, usize), ApiError> {
    let descending = match param(&q.pairs, "order") {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(http::field_invalid(
                "order",
                &format!("expected asc or desc, found {other:?}"),
            ))
        }
    };
    let page: usize = match param(&q.pairs, "page") {
        None => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| http::field_invalid("page", "expected a page number from 1"))?,
    };
    Ok((descending, page))
}

/// `Links` of page `page` of `total_pages`: `Self`, `First`, `Last`, and `Next`/`Prev` where
/// they exist, each keeping the request's other parameters.
fn page_links(q: &ReadQuery, page: usize, total_pages: usize) -> Value {
    let link = |p: usize| {
        let mut pairs: Vec<(&str, &str)> = q
            .pairs
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let n = p.to_string();
        pairs.push(("page", &n));
        let path = q.self_url.split('?').next().unwrap_or_default().to_owned();
        format!("{path}?{}", ob_oidc::form::encode_pairs(&pairs))
    };
    let mut links = json!({"Self": q.self_url, "First": link(1), "Last": link(total_pages)});
    if page < total_pages {
        links["Next"] = Value::String(link(page + 1));
    }
    if page > 1 {
        links["Prev"] = Value::String(link(page - 1));
    }
    links
}

/// A page of `GET .../transactions`, written without building a JSON tree first.
#[derive(Serialize)]
struct TransactionPage<'a> {
    #[serde(rename = "Data")]
    data: TransactionData<'a>,
    #[serde(rename = "Links")]
    links: Value,
    #[serde(rename = "Meta")]
    meta: Value,
}

#[derive(Serialize)]
struct TransactionData<'a> {
    #[serde(rename = "Transaction")]
    transaction: Vec<PageItem<'a>>,
}

/// A transaction as served: its text written before (Detail, [`super::rendered`]), whole
/// (Detail, should that text be missing), or redacted through the typed model (Basic).
// A page holds at most 100 items, built and written at once: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize)]
#[serde(untagged)]
enum PageItem<'a> {
    Written(&'a serde_json::value::RawValue),
    Whole(TransactionOut<'a>),
    Redacted(Value),
}

#[derive(Serialize)]
struct Money<'a> {
    #[serde(rename = "Amount")]
    amount: String,
    #[serde(rename = "Currency")]
    currency: &'a str,
}

#[derive(Serialize)]
struct Code<'a> {
    #[serde(rename = "Code")]
    code: &'a str,
    #[serde(rename = "Issuer")]
    issuer: &'static str,
}

#[derive(Serialize)]
struct RunningBalance<'a> {
    #[serde(rename = "CreditDebitIndicator")]
    credit_debit_indicator: &'static str,
    #[serde(rename = "Type")]
    type_: &'static str,
    #[serde(rename = "Amount")]
    amount: Money<'a>,
}

#[derive(Serialize)]
struct Supplementary<'a> {
    #[serde(rename = "Declined")]
    declined: bool,
    #[serde(rename = "RawTransactionDescription")]
    raw_transaction_description: &'a str,
    /// The proposed `PotId` (option B), on transfers to and from a pot: in
    /// `SupplementaryData`, Monzo's place for extensions, so that the transaction still fits
    /// the upstream `OBTransaction6` (`additionalProperties: false`).
    #[serde(rename = "PotId", skip_serializing_if = "Option::is_none")]
    pot_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Merchant<'a> {
    #[serde(rename = "MerchantName")]
    merchant_name: &'a str,
    #[serde(rename = "MerchantCategoryCode")]
    merchant_category_code: &'a str,
}

#[derive(Serialize)]
struct Party<'a> {
    #[serde(rename = "SchemeName")]
    scheme_name: &'a str,
    #[serde(rename = "Identification")]
    identification: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
}

/// A transaction of the history in its `OBTransaction6` shape, with Monzo's
/// `SupplementaryData`: the one definition of how the emulator renders a transaction. Fields
/// are declared in the spec's order, so that the page is the bytes the model would write (a
/// test decodes a page and compares).
#[derive(Serialize)]
struct TransactionOut<'a> {
    #[serde(rename = "AccountId")]
    account_id: &'a str,
    #[serde(rename = "TransactionId")]
    transaction_id: &'a str,
    #[serde(rename = "CreditDebitIndicator")]
    credit_debit_indicator: &'static str,
    #[serde(rename = "Status")]
    status: &'static str,
    #[serde(rename = "BookingDateTime")]
    booking_date_time: String,
    #[serde(rename = "TransactionInformation")]
    transaction_information: &'a str,
    #[serde(rename = "Amount")]
    amount: Money<'a>,
    #[serde(rename = "ProprietaryBankTransactionCode")]
    proprietary_bank_transaction_code: Code<'a>,
    #[serde(rename = "Balance")]
    balance: RunningBalance<'a>,
    #[serde(rename = "MerchantDetails", skip_serializing_if = "Option::is_none")]
    merchant_details: Option<Merchant<'a>>,
    #[serde(rename = "CreditorAccount", skip_serializing_if = "Option::is_none")]
    creditor_account: Option<Party<'a>>,
    #[serde(rename = "DebtorAccount", skip_serializing_if = "Option::is_none")]
    debtor_account: Option<Party<'a>>,
    #[serde(rename = "SupplementaryData")]
    supplementary_data: Supplementary<'a>,
}

/// How account `a`'s transactions are written, with the proposals on or off.
fn rendering(a: &Account, proposals: bool) -> Rendering {
    Rendering {
        currency: a.currency,
        proposals,
    }
}

/// Transaction `t` of account `account_id` as a page shows it (without `PotId` unless the
/// proposals are on). It reads nothing of the account but its id and what `how` carries, so
/// that the page cache (`rendered`), which compares exactly those, never serves a stale text.
fn transaction_out<'a>(
    account_id: &'a str,
    how: Rendering,
    t: &'a Transaction,
) -> TransactionOut<'a> {
    let mut out = TransactionOut::new(account_id, how.currency, t);
    if !how.proposals {
        out.supplementary_data.pot_id = None;
    }
    out
}

impl<'a> TransactionOut<'a> {
    fn new(account_id: &'a str, currency: &'static str, t: &'a Transaction) -> Self {
        let indicator = |negative: bool| if negative { "Debit" } else { "Credit" };
        let party = t.counterparty.as_ref().map(|c| Party {
            scheme_name: c.scheme,
            identification: &c.identification,
            name: &c.name,
        });
        let (debtor_account, creditor_account) = if t.credit {
            (party, None)
        } else {
            (None, party)
        };
        TransactionOut {
            account_id,
            transaction_id: &t.id,
            credit_debit_indicator: indicator(!t.credit),
            status: match t.status {
                TxStatus::Booked => "Booked",
                TxStatus::Pending => "Pending",
                TxStatus::Rejected => "Rejected",
            },
            booking_date_time: rfc3339(t.at),
            transaction_information: &t.description,
            amount: Money {
                amount: amount(t.amount),
                currency,
            },
            proprietary_bank_transaction_code: Code {
                code: t.code,
                issuer: "Monzo",
            },
            balance: RunningBalance {
                amount: Money {
                    amount: amount(t.balance_after),
                    currency,
                },
                credit_debit_indicator: indicator(t.balance_after < Decimal::ZERO),
                type_: "InterimBooked",
            },
            supplementary_data: Supplementary {
                declined: t.status == TxStatus::Rejected,
                raw_transaction_description: &t.raw_description,
                pot_id: t.pot_id.as_deref(),
            },
            merchant_details: t.merchant.as_ref().map(|m| Merchant {
                merchant_name: &m.name,
                merchant_category_code: &m.mcc,
            }),
            debtor_account,
            creditor_account,
        }
    }
}

fn pot_of(a: &Account, p: &Pot) -> OBPot1 {
    use monzo_model::accounts::{MonzoPotLockType, MonzoPotStatus, MonzoPotType};
    let money = |value: Decimal| account_money(a, value);
    let balance = p.balance();
    OBPot1 {
        pot_id: p.id.as_str().into(),
        account_id: a.id.as_str().into(),
        name: Some(p.name.as_str().into()),
        type_: MonzoPotType::from_code(p.kind),
        credit_debit_indicator: http::credit_debit(balance),
        balance: money(balance),
        style: p.style.into(),
        goal: p.goal.map(|g| Box::new(money(g))),
        lock_type: p.locked_until.map(|_| MonzoPotLockType::UntilDate),
        locked_until: p.locked_until.map(http::date_time),
        created: http::date_time(p.created),
        updated: http::date_time(p.movements.last().map_or(p.created, |m| m.at)),
        status: MonzoPotStatus::Open,
        ..OBPot1::default()
    }
}

/// An amount in an account's currency (`Amount` and `Currency`).
fn account_money(
    a: &Account,
    value: Decimal,
) -> monzo_model::accounts::OBActiveOrHistoricCurrencyAndAmount_0 {
    monzo_model::accounts::OBActiveOrHistoricCurrencyAndAmount_0 {
        amount: http::money(value),
        currency: a.currency.into(),
        ..Default::default()
    }
}

/// A payee as the spec's creditor account.
fn creditor_account(c: &crate::seed::Counterparty) -> monzo_model::accounts::OBCashAccount5_1 {
    monzo_model::accounts::OBCashAccount5_1 {
        scheme_name: monzo_model::accounts::OBExternalAccountIdentification4Code::from_code(
            c.scheme,
        ),
        identification: c.identification.as_str().into(),
        name: Some(c.name.as_str().into()),
        ..Default::default()
    }
}

/// `Links` with `Self` alone.
fn links(self_url: &str) -> monzo_model::accounts::Links {
    monzo_model::accounts::Links {
        self_: self_url.into(),
        ..monzo_model::accounts::Links::default()
    }
}

/// `Meta` with `TotalPages`.
fn meta(total_pages: Option<i32>) -> monzo_model::accounts::Meta {
    monzo_model::accounts::Meta {
        total_pages,
        ..monzo_model::accounts::Meta::default()
    }
}

impl super::StoredConsent for Stored {
    type Machine = AccountAccessConsent;

    fn parts(&mut self) -> (&mut AccountAccessConsent, &mut super::Timeline) {
        (&mut self.consent, &mut self.timeline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redaction fails closed: a value that does not read as its type is a 500, never the
    /// unredacted value.
    #[test]
    fn redaction_of_a_value_that_is_not_its_type_is_an_internal_error() {
        let leaked = json!({"AccountId": 7, "TransactionInformation": "secret detail"});
        let e = through::<OBTransaction6>(leaked, |_| {}).unwrap_err();
        assert_eq!(e.status.as_u16(), 500);
        assert!(!format!("{e:?}").contains("secret detail"));
        let ok = json!({"AccountId": "acc_1", "CreditDebitIndicator": "Debit", "Status": "Booked",
            "BookingDateTime": "2024-01-01T00:00:00Z", "Amount": {"Amount": "1.00", "Currency": "GBP"},
            "TransactionInformation": "secret detail"});
        let v = through::<OBTransaction6>(ok, |tx| tx.transaction_information = None).unwrap();
        assert!(v.get("TransactionInformation").is_none());
    }
}
