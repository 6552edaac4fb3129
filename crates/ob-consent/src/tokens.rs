//! OAuth tokens for consents, sans-IO: lifetimes, single-use rotating refresh tokens, and
//! Monzo's limit of active consents per user and client.
//!
//! Monzo (OAuth2 tokens):
//! - access tokens last 30 hours; refresh tokens 4,320 hours (about 6 months), or 26,280 hours
//!   (3 years) for VRP consents;
//! - a refresh token is single use: refreshing returns a new pair, and using an older refresh
//!   token again fails with `bad_request.refresh_token.invalid`;
//! - at most 20 consents per user per OAuth client hold live tokens (10 for legacy clients);
//!   authorising one more evicts the oldest, whose refresh token then fails with
//!   `bad_request.refresh_token.evicted`.
//!
//! Both failures are rendered as RFC 6749's `invalid_grant`, with Monzo's code at the head of
//! the `error_description` ([`ConsentError::to_api_error`](crate::ConsentError::to_api_error)).
//!
//! The store never makes up token values: the caller passes them in ([`NewTokens`]), from
//! whatever random source it uses. Each refreshed pair gets the full lifetimes again. "Oldest"
//! means the consent whose tokens were issued (by authorisation) longest ago; refreshing does
//! not change a consent's place.

use std::collections::{HashMap, VecDeque};

use chrono::Duration;

use crate::{add, ConsentError, Instant};

/// How long an access token lasts.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::hours(30);
/// How long a refresh token lasts.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::hours(4320);
/// How long a refresh token for a VRP consent lasts.
pub const VRP_REFRESH_TOKEN_LIFETIME: Duration = Duration::hours(26280);
/// How many consents per user per client hold live tokens.
pub const MAX_ACTIVE_CONSENTS: usize = 20;
/// The same limit for legacy clients.
pub const LEGACY_MAX_ACTIVE_CONSENTS: usize = 10;

/// What a token grants access under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConsentKind {
    /// An account-access consent (scope `accounts`).
    AccountAccess,
    /// A payment consent (scope `payments`).
    Payment,
    /// A domestic VRP consent (scope `payments`).
    Vrp,
    /// A funds-confirmation consent (scope `fundsconfirmations`).
    FundsConfirmation,
}

impl ConsentKind {
    /// How long a refresh token for this kind of consent lasts.
    pub fn refresh_lifetime(self) -> Duration {
        match self {
            ConsentKind::Vrp => VRP_REFRESH_TOKEN_LIFETIME,
            _ => REFRESH_TOKEN_LIFETIME,
        }
    }
}

/// Fresh token values, made by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct NewTokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
}

impl std::fmt::Debug for NewTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewTokens { .. }")
    }
}

/// A token pair as handed to the client.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// When it expires.
    pub access_expires_at: Instant,
    /// The refresh token.
    pub refresh_token: String,
    /// When it expires.
    pub refresh_expires_at: Instant,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &"<redacted>")
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

impl Tokens {
    /// `expires_in` of a token response: whole seconds the access token has left at `now`.
    pub fn expires_in(&self, now: Instant) -> i64 {
        (self.access_expires_at - now).num_seconds().max(0)
    }
}

/// The consent a valid access token belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The consent id.
    pub consent_id: String,
    /// The customer.
    pub user_id: String,
    /// The OAuth client.
    pub client_id: String,
    /// The kind of consent.
    pub kind: ConsentKind,
    /// When the customer last authorised it.
    pub authorised_at: Instant,
}

/// The result of issuing tokens for a consent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The new tokens.
    pub tokens: Tokens,
    /// Consents evicted to stay within the limit, oldest first: their tokens no longer work.
    pub evicted: Vec<String>,
}

#[derive(Clone, Debug)]
struct Live {
    grant: Grant,
    tokens: Tokens,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retired {
    Used,
    Expired,
    Evicted,
    Revoked,
}

/// The tokens of every consent, for one authorisation server.
#[derive(Clone, Debug)]
pub struct TokenStore {
    limit: usize,
    live: HashMap<String, Live>,
    by_user_client: HashMap<(String, String), VecDeque<String>>,
    refresh: HashMap<String, String>,
    access: HashMap<String, String>,
    /// Refresh tokens that no longer work: why, until when they are remembered, and whose.
    retired: HashMap<String, (Retired, Instant, String)>,
}

impl Default for TokenStore {
    fn default() -> Self {
        Self::with_limit(MAX_ACTIVE_CONSENTS)
    }
}

impl TokenStore {
    /// A store with Monzo's limit of 20 active consents per user per client.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store with another limit (at least 1), for example
    /// [`LEGACY_MAX_ACTIVE_CONSENTS`].
    pub fn with_limit(limit: usize) -> Self {
        TokenStore {
            limit: limit.max(1),
            live: HashMap::new(),
            by_user_client: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            retired: HashMap::new(),
        }
    }

    fn check_fresh(&self, new: &NewTokens) -> Result<(), ConsentError> {
        let used = |t: &str| {
            self.refresh.contains_key(t)
                || self.access.contains_key(t)
                || self.retired.contains_key(t)
        };
        if new.access_token.is_empty()
            || new.refresh_token.is_empty()
            || new.access_token == new.refresh_token
            || used(&new.access_token)
            || used(&new.refresh_token)
        {
            return Err(ConsentError::TokenNotFresh);
        }
        Ok(())
    }

    fn retire(&mut self, consent_id: &str, why: Retired, now: Instant) -> Option<Live> {
        let live = self.live.remove(consent_id)?;
        self.refresh.remove(&live.tokens.refresh_token);
        self.access.remove(&live.tokens.access_token);
        self.retired.insert(
            live.tokens.refresh_token.clone(),
            (
                why,
                live.tokens.refresh_expires_at.max(now),
                live.grant.client_id.clone(),
            ),
        );
        let key = (live.grant.user_id.clone(), live.grant.client_id.clone());
        if let Some(q) = self.by_user_client.get_mut(&key) {
            q.retain(|id| id != consent_id);
            if q.is_empty() {
                self.by_user_client.remove(&key);
            }
        }
        Some(live)
    }

    fn install(&mut self, grant: Grant, tokens: Tokens) {
        self.refresh
            .insert(tokens.refresh_token.clone(), grant.consent_id.clone());
        self.access
            .insert(tokens.access_token.clone(), grant.consent_id.clone());
        self.live
            .insert(grant.consent_id.clone(), Live { grant, tokens });
    }

    /// Issues tokens for a consent the customer has just authorised (the authorization-code
    /// exchange). A consent authorised again gets new tokens (its old ones stop working) and
    /// becomes the newest. If the user now has more than the limit of consents with live
    /// tokens for this client, the oldest are evicted.
    pub fn issue(
        &mut self,
        grant: Grant,
        new: NewTokens,
        now: Instant,
    ) -> Result<Issued, ConsentError> {
        self.check_fresh(&new)?;
        self.retire(&grant.consent_id, Retired::Used, now);
        let key = (grant.user_id.clone(), grant.client_id.clone());
        // Consents whose refresh token has expired no longer count.
        let expired: Vec<String> = self
            .by_user_client
            .get(&key)
            .into_iter()
            .flatten()
            .filter(|id| {
                self.live
                    .get(*id)
                    .is_some_and(|l| now >= l.tokens.refresh_expires_at)
            })
            .cloned()
            .collect();
        for id in expired {
            self.retire(&id, Retired::Expired, now);
        }
        let mut evicted = Vec::new();
        while self.by_user_client.get(&key).map_or(0, VecDeque::len) >= self.limit {
            let Some(oldest) = self
                .by_user_client
                .get(&key)
                .and_then(|q| q.front().cloned())
            else {
                break;
            };
            self.retire(&oldest, Retired::Evicted, now);
            evicted.push(oldest);
        }
        let tokens = Tokens {
            access_token: new.access_token,
            access_expires_at: add(now, ACCESS_TOKEN_LIFETIME),
            refresh_token: new.refresh_token,
            refresh_expires_at: add(now, grant.kind.refresh_lifetime()),
        };
        self.by_user_client
            .entry(key)
            .or_default()
            .push_back(grant.consent_id.clone());
        let grant = Grant {
            authorised_at: now,
            ..grant
        };
        self.install(grant, tokens.clone());
        Ok(Issued { tokens, evicted })
    }

    /// The `refresh_token` grant: the refresh token is used up and a new pair is returned.
    /// A refresh token that is unknown, already used, revoked or expired fails with
    /// `bad_request.refresh_token.invalid`; one of an evicted consent with
    /// `bad_request.refresh_token.evicted`. Another client's token is reported as unknown,
    /// whatever its state, so that nothing leaks across clients. A failed refresh changes
    /// nothing.
    pub fn refresh(
        &mut self,
        client_id: &str,
        refresh_token: &str,
        new: NewTokens,
        now: Instant,
    ) -> Result<Tokens, ConsentError> {
        let consent_id = self.check_refresh(client_id, refresh_token, now)?;
        let invalid = |reason| ConsentError::RefreshTokenInvalid { reason };
        self.check_fresh(&new)?;
        let live = self
            .live
            .remove(&consent_id)
            .ok_or(invalid("unknown token"))?;
        self.refresh.remove(&live.tokens.refresh_token);
        self.access.remove(&live.tokens.access_token);
        self.retired.insert(
            live.tokens.refresh_token.clone(),
            (
                Retired::Used,
                live.tokens.refresh_expires_at,
                live.grant.client_id.clone(),
            ),
        );
        let tokens = Tokens {
            access_token: new.access_token,
            access_expires_at: add(now, ACCESS_TOKEN_LIFETIME),
            refresh_token: new.refresh_token,
            refresh_expires_at: add(now, live.grant.kind.refresh_lifetime()),
        };
        self.install(live.grant, tokens.clone());
        Ok(tokens)
    }

    /// Whether [`refresh`](Self::refresh) would accept `refresh_token` from `client_id` at
    /// `now` (with fresh values): the consent it is for, or the error `refresh` would give.
    /// Changes nothing, so that a caller can make new token values only for a refresh that
    /// will happen.
    pub fn check_refresh(
        &self,
        client_id: &str,
        refresh_token: &str,
        now: Instant,
    ) -> Result<String, ConsentError> {
        let invalid = |reason| ConsentError::RefreshTokenInvalid { reason };
        if let Some((why, _, owner)) = self.retired.get(refresh_token) {
            if owner != client_id {
                return Err(invalid("unknown token"));
            }
            return Err(match why {
                Retired::Used => ConsentError::RefreshTokenInvalid {
                    reason: "already used (refresh tokens are single use)",
                },
                Retired::Expired => ConsentError::RefreshTokenInvalid { reason: "expired" },
                Retired::Evicted => ConsentError::RefreshTokenEvicted,
                Retired::Revoked => ConsentError::RefreshTokenInvalid {
                    reason: "the consent has been revoked",
                },
            });
        }
        let consent_id = self
            .refresh
            .get(refresh_token)
            .ok_or(invalid("unknown token"))?
            .clone();
        let live = self.live.get(&consent_id).ok_or(invalid("unknown token"))?;
        if live.grant.client_id != client_id {
            return Err(invalid("unknown token"));
        }
        if now >= live.tokens.refresh_expires_at {
            return Err(invalid("expired"));
        }
        Ok(consent_id)
    }

    /// The consent an access token gives access to, if the token is live at `now`; otherwise
    /// [`ConsentError::AccessTokenInvalid`] (a 401 without a body).
    pub fn authenticate(&self, access_token: &str, now: Instant) -> Result<&Grant, ConsentError> {
        let live = self
            .access
            .get(access_token)
            .and_then(|id| self.live.get(id))
            .ok_or(ConsentError::AccessTokenInvalid)?;
        if now >= live.tokens.access_expires_at {
            return Err(ConsentError::AccessTokenInvalid);
        }
        Ok(&live.grant)
    }

    /// Ends a consent's tokens (the consent was revoked, deleted or consumed). Returns whether
    /// it had any.
    pub fn revoke(&mut self, consent_id: &str, now: Instant) -> bool {
        self.retire(consent_id, Retired::Revoked, now).is_some()
    }

    /// The consents of `user_id` with live tokens for `client_id`, oldest first.
    pub fn active_consents(&self, user_id: &str, client_id: &str) -> Vec<&str> {
        self.by_user_client
            .get(&(user_id.to_owned(), client_id.to_owned()))
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }

    /// Forgets used, evicted and revoked refresh tokens that would have expired by `now`
    /// anyway (after which they are reported as unknown rather than used).
    pub fn purge(&mut self, now: Instant) {
        self.retired.retain(|_, (_, until, _)| now < *until);
    }
}
