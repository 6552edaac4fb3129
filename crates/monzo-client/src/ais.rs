//! Account information: consents and every read Monzo implements, typed by the Monzo model
//! (pots, `SupplementaryData`, Monzo's codes), with transactions paged over `Links.Next`.

use http::{Method, Request};
use monzo_model::accounts::{
    OBReadAccount6, OBReadBalance1, OBReadConsent1, OBReadConsentResponse1, OBReadDirectDebit2,
    OBReadParty2, OBReadParty3, OBReadPot1, OBReadPotTransaction1, OBReadScheduledPayment3,
    OBReadStandingOrder6, OBReadTransaction6,
};
use ob_oidc::AccessToken;
use serde::de::DeserializeOwned;

use crate::transport::decode;
use crate::{Client, ClientError};

/// The query of a transactions read: the booking-time window and Monzo's `order`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionQuery {
    /// `fromBookingDateTime` (inclusive).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// `toBookingDateTime`.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// Newest first (`order=desc`) instead of oldest first.
    pub newest_first: bool,
}

impl TransactionQuery {
    fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let t = |d: &chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%dT%H:%M:%S").to_string();
        if let Some(from) = &self.from {
            pairs.push(("fromBookingDateTime", t(from)));
        }
        if let Some(to) = &self.to {
            pairs.push(("toBookingDateTime", t(to)));
        }
        if self.newest_first {
            pairs.push(("order", "desc".into()));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            format!("?{}", ob_oidc::form::encode_pairs(&refs))
        }
    }
}

/// A paged read's document: its items, its `Links.Next` and its `Meta.TotalPages`.
pub trait Paged: DeserializeOwned {
    /// What each page lists.
    type Item;
    /// The page's items.
    fn into_items(self) -> Vec<Self::Item>;
    /// `Links.Next`, if there is a next page.
    fn next_link(&self) -> Option<&str>;
    /// `Meta.TotalPages`, when the ASPSP gives it.
    fn total_pages(&self) -> Option<i32>;
}

impl Paged for OBReadTransaction6 {
    type Item = monzo_model::accounts::OBTransaction6;

    fn into_items(self) -> Vec<Self::Item> {
        self.data.transaction.unwrap_or_default()
    }

    fn next_link(&self) -> Option<&str> {
        self.links.as_ref().and_then(|l| l.next.as_deref())
    }

    fn total_pages(&self) -> Option<i32> {
        self.meta.as_ref().and_then(|m| m.total_pages)
    }
}

impl Paged for OBReadPotTransaction1 {
    type Item = monzo_model::accounts::OBPotTransaction1;

    fn into_items(self) -> Vec<Self::Item> {
        self.data.transaction
    }

    fn next_link(&self) -> Option<&str> {
        self.links.next.as_deref()
    }

    fn total_pages(&self) -> Option<i32> {
        self.meta.total_pages
    }
}

/// The most pages one read follows (a million transactions at Monzo's 100 a page is 10,000).
pub const MAX_PAGES: usize = 100_000;

/// The pages of a paged read (transactions by default; pot transactions too), fetched one at a
/// time by following `Links.Next`.
///
/// The bearer token goes only where the first page was read: a `Links.Next` on another origin
/// (scheme, host and port) is refused, not followed, as is one that leads back to a page
/// already read (a `Next` naming the page itself ends the read, as some ASPSPs mark the last
/// page) or a read past [`MAX_PAGES`].
#[derive(Debug)]
pub struct Pages<T: Paged = OBReadTransaction6> {
    client: Client,
    token: AccessToken,
    origin: String,
    next: Option<String>,
    seen: std::collections::HashSet<String>,
    /// Pages fetched so far.
    pub fetched: usize,
    /// `Meta.TotalPages` of the last page, when the ASPSP gives it.
    pub total_pages: Option<i32>,
    page: std::marker::PhantomData<fn() -> T>,
}

/// The scheme and authority of an absolute URL (`https://host:port`).
fn origin_of(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

impl<T: Paged> Pages<T> {
    fn new(client: &Client, token: &AccessToken, first: String) -> Self {
        Pages {
            client: client.clone(),
            token: token.clone(),
            origin: origin_of(&first).unwrap_or_default(),
            next: Some(first),
            seen: std::collections::HashSet::new(),
            fetched: 0,
            total_pages: None,
            page: std::marker::PhantomData,
        }
    }

    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<T>, ClientError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        if self.fetched >= MAX_PAGES {
            return Err(ClientError::Protocol(format!(
                "more than {MAX_PAGES} pages: not followed further"
            )));
        }
        let page: T = self.client.get_json(&url, &self.token).await?;
        self.fetched += 1;
        self.total_pages = page.total_pages();
        self.seen.insert(url.clone());
        self.next = match page.next_link() {
            None => None,
            Some(next) if next == url => None,
            Some(next) => {
                // A relative link is on the first page's origin.
                let next = if next.starts_with('/') {
                    format!("{}{next}", self.origin)
                } else {
                    next.to_owned()
                };
                if origin_of(&next).as_deref() != Some(self.origin.as_str()) {
                    return Err(ClientError::Protocol(format!(
                        "Links.Next leaves {} for {next}: not followed (the token stays with the ASPSP)",
                        self.origin
                    )));
                }
                if self.seen.contains(&next) {
                    return Err(ClientError::Protocol(format!(
                        "Links.Next leads back to a page already read ({next})"
                    )));
                }
                Some(next)
            }
        };
        Ok(Some(page))
    }

    /// Every remaining page's items, in order.
    pub async fn collect_all(mut self) -> Result<Vec<T::Item>, ClientError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page.into_items());
        }
        Ok(all)
    }
}

impl Client {
    /// A GET with a bearer token, decoded as `T`.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        token: &AccessToken,
    ) -> Result<T, ClientError> {
        let req = Request::get(url)
            .header("authorization", format!("Bearer {}", token.expose()))
            .header("accept", "application/json")
            .body(Vec::new())
            .map_err(|e| ClientError::build(format!("a request to {url}"), e))?;
        let resp = self.expect_success(req).await?;
        decode(url, resp.body())
    }

    /// A JSON request with a bearer token; returns the answer's body (empty for 204).
    pub async fn send_json(
        &self,
        method: Method,
        url: &str,
        token: &AccessToken,
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>, ClientError> {
        self.send_json_signed(method, url, token, body, None).await
    }

    /// [`send_json`](Client::send_json), with the body signed by `software` in
    /// `x-jws-signature` when given (the operations whose spec requires a signed request).
    pub async fn send_json_signed(
        &self,
        method: Method,
        url: &str,
        token: &AccessToken,
        body: Option<&serde_json::Value>,
        software: Option<&crate::Software>,
    ) -> Result<Vec<u8>, ClientError> {
        let mut b = Request::builder()
            .method(method)
            .uri(url)
            .header("authorization", format!("Bearer {}", token.expose()))
            .header("accept", "application/json");
        let bytes = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                serde_json::to_vec(v).map_err(|e| ClientError::build("the request body", e))?
            }
            None => Vec::new(),
        };
        if let Some(software) = software {
            let signature =
                ob_jose::detached::DetachedSigner::new(&software.key, software.signature_issuer())
                    .sign(&bytes, crate::now())?;
            b = b.header(ob_jose::detached::HEADER, signature);
        }
        let req = b
            .body(bytes)
            .map_err(|e| ClientError::build(format!("a request to {url}"), e))?;
        Ok(self.expect_success(req).await?.into_body())
    }

    fn aisp(&self, path: &str) -> String {
        format!("{}{path}", self.config.endpoints.aisp)
    }

    /// `POST /account-access-consents` with a client-credentials token.
    pub async fn create_account_access_consent(
        &self,
        token: &AccessToken,
        consent: &OBReadConsent1,
    ) -> Result<OBReadConsentResponse1, ClientError> {
        let url = self.aisp("/account-access-consents");
        let body =
            serde_json::to_value(consent).map_err(|e| ClientError::build("the request body", e))?;
        let bytes = self
            .send_json(Method::POST, &url, token, Some(&body))
            .await?;
        decode(&url, &bytes)
    }

    /// `GET /account-access-consents/{ConsentId}`.
    pub async fn account_access_consent(
        &self,
        token: &AccessToken,
        consent_id: &str,
    ) -> Result<OBReadConsentResponse1, ClientError> {
        self.get_json(
            &self.aisp(&format!("/account-access-consents/{consent_id}")),
            token,
        )
        .await
    }

    /// `DELETE /account-access-consents/{ConsentId}`.
    pub async fn delete_account_access_consent(
        &self,
        token: &AccessToken,
        consent_id: &str,
    ) -> Result<(), ClientError> {
        let url = self.aisp(&format!("/account-access-consents/{consent_id}"));
        self.send_json(Method::DELETE, &url, token, None).await?;
        Ok(())
    }

    /// `GET /accounts`.
    pub async fn accounts(&self, token: &AccessToken) -> Result<OBReadAccount6, ClientError> {
        self.get_json(&self.aisp("/accounts"), token).await
    }

    /// `GET /accounts/{AccountId}`.
    pub async fn account(
        &self,
        token: &AccessToken,
        account_id: &str,
    ) -> Result<OBReadAccount6, ClientError> {
        self.get_json(&self.aisp(&format!("/accounts/{account_id}")), token)
            .await
    }

    /// `GET /accounts/{AccountId}/balances`, with Monzo's `includePots` (adds the balance
    /// with every pot, UK accounts only).
    pub async fn balances(
        &self,
        token: &AccessToken,
        account_id: &str,
        include_pots: bool,
    ) -> Result<OBReadBalance1, ClientError> {
        let q = if include_pots {
            "?includePots=true"
        } else {
            ""
        };
        self.get_json(
            &self.aisp(&format!("/accounts/{account_id}/balances{q}")),
            token,
        )
        .await
    }

    /// `GET /accounts/{AccountId}/transactions`: the first page.
    pub async fn transactions(
        &self,
        token: &AccessToken,
        account_id: &str,
        query: &TransactionQuery,
    ) -> Result<OBReadTransaction6, ClientError> {
        let url = self.aisp(&format!(
            "/accounts/{account_id}/transactions{}",
            query.to_query()
        ));
        self.get_json(&url, token).await
    }

    /// Every page of `GET /accounts/{AccountId}/transactions`, one at a time.
    pub fn transaction_pages(
        &self,
        token: &AccessToken,
        account_id: &str,
        query: TransactionQuery,
    ) -> Pages {
        let first = self.aisp(&format!(
            "/accounts/{account_id}/transactions{}",
            query.to_query()
        ));
        Pages::new(self, token, first)
    }

    /// `GET /pots` (Monzo): the pots of every account the consent covers.
    pub async fn pots(&self, token: &AccessToken) -> Result<OBReadPot1, ClientError> {
        self.get_json(&self.aisp("/pots"), token).await
    }

    /// Every page of `GET /pots/{PotId}/transactions`, one at a time: this project's proposed
    /// extension (not live at Monzo; the local emulator serves it), the pot's complete history.
    pub fn pot_transaction_pages(
        &self,
        token: &AccessToken,
        pot_id: &str,
        query: &TransactionQuery,
    ) -> Pages<OBReadPotTransaction1> {
        let first = self.aisp(&format!("/pots/{pot_id}/transactions{}", query.to_query()));
        Pages::new(self, token, first)
    }

    /// Every transaction of a pot, every page read ([`pot_transaction_pages`]).
    ///
    /// [`pot_transaction_pages`]: Client::pot_transaction_pages
    pub async fn pot_transactions(
        &self,
        token: &AccessToken,
        pot_id: &str,
        query: &TransactionQuery,
    ) -> Result<Vec<monzo_model::accounts::OBPotTransaction1>, ClientError> {
        self.pot_transaction_pages(token, pot_id, query)
            .collect_all()
            .await
    }

    /// `GET /accounts/{AccountId}/party` (the account holder; needs an SCA in the last
    /// 5 minutes at Monzo).
    pub async fn account_party(
        &self,
        token: &AccessToken,
        account_id: &str,
    ) -> Result<OBReadParty2, ClientError> {
        self.get_json(&self.aisp(&format!("/accounts/{account_id}/party")), token)
            .await
    }

    /// `GET /accounts/{AccountId}/parties`.
    pub async fn account_parties(
        &self,
        token: &AccessToken,
        account_id: &str,
    ) -> Result<OBReadParty3, ClientError> {
        self.get_json(
            &self.aisp(&format!("/accounts/{account_id}/parties")),
            token,
        )
        .await
    }

    /// `GET /party` (the user who authorised).
    pub async fn party(&self, token: &AccessToken) -> Result<OBReadParty2, ClientError> {
        self.get_json(&self.aisp("/party"), token).await
    }

    /// `GET /accounts/{AccountId}/direct-debits`.
    pub async fn direct_debits(
        &self,
        token: &AccessToken,
        account_id: &str,
    ) -> Result<OBReadDirectDebit2, ClientError> {
        self.get_json(
            &self.aisp(&format!("/accounts/{account_id}/direct-debits")),
            token,
        )
        .await
    }

    /// `GET /accounts/{AccountId}/standing-orders`.
    pub async fn standing_orders(
        &self,
        token: &AccessToken,
        account_id: &str,
    ) -> Result<OBReadStandingOrder6, ClientError> {
        self.get_json(
            &self.aisp(&format!("/accounts/{account_id}/standing-orders")),
            token,
        )
        .await
    }

    /// `GET /accounts/{AccountId}/scheduled-payments`.
    pub async fn scheduled_payments(
        &self,
        token: &AccessToken,
        account_id: &str,
    ) -> Result<OBReadScheduledPayment3, ClientError> {
        self.get_json(
            &self.aisp(&format!("/accounts/{account_id}/scheduled-payments")),
            token,
        )
        .await
    }
}
