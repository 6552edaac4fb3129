//! Payment initiation (domestic, scheduled, standing orders, international, VRP) and
//! confirmation of funds. Every payment `POST` carries the software's detached
//! `x-jws-signature` and an `x-idempotency-key` (so it is safe to retry); the bank's response
//! signature is verified when the configuration names its organisation.

use http::{Method, Request};
use ob_jose::detached::{DetachedSigner, DetachedVerifier, HEADER as JWS_HEADER};
use ob_oidc::AccessToken;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::transport::decode;
use crate::{now, random_id, Client, ClientError, RejectionReason, Software};

/// The payment APIs, by their consent and order paths under the PISP base URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentApi {
    /// `domestic-payment-consents`, `domestic-payments`.
    Domestic,
    /// `domestic-scheduled-payment-consents`, `domestic-scheduled-payments`.
    DomesticScheduled,
    /// `domestic-standing-order-consents`, `domestic-standing-orders`.
    DomesticStandingOrder,
    /// `international-payment-consents`, `international-payments` (v3.1.11).
    International,
    /// `domestic-vrp-consents`, `domestic-vrps`.
    DomesticVrp,
}

/// Why the bank rejected a payment, from its order (or VRP) response as JSON, where Monzo
/// reports it: `Data.Initiation.SupplementaryData.RejectionReason` for a payment order,
/// `Data.Instruction.SupplementaryData.RejectionReason` for a VRP; `None` when the response
/// names no reason Monzo documents.
///
/// ```
/// use monzo_client::{rejection_reason, RejectionReason};
///
/// let order = serde_json::json!({"Data": {"Status": "Rejected",
///     "Initiation": {"SupplementaryData": {"RejectionReason": "Insufficient funds"}}}});
/// assert_eq!(rejection_reason(&order), Some(RejectionReason::InsufficientFunds));
/// ```
pub fn rejection_reason(response: &serde_json::Value) -> Option<RejectionReason> {
    let data = &response["Data"];
    ["Initiation", "Instruction"]
        .iter()
        .find_map(|part| data[*part]["SupplementaryData"]["RejectionReason"].as_str())
        .and_then(RejectionReason::from_text)
}

impl PaymentApi {
    /// The consents path.
    pub fn consents(self) -> &'static str {
        match self {
            PaymentApi::Domestic => "domestic-payment-consents",
            PaymentApi::DomesticScheduled => "domestic-scheduled-payment-consents",
            PaymentApi::DomesticStandingOrder => "domestic-standing-order-consents",
            PaymentApi::International => "international-payment-consents",
            PaymentApi::DomesticVrp => "domestic-vrp-consents",
        }
    }

    /// The orders path.
    pub fn orders(self) -> &'static str {
        match self {
            PaymentApi::Domestic => "domestic-payments",
            PaymentApi::DomesticScheduled => "domestic-scheduled-payments",
            PaymentApi::DomesticStandingOrder => "domestic-standing-orders",
            PaymentApi::International => "international-payments",
            PaymentApi::DomesticVrp => "domestic-vrps",
        }
    }
}

/// A decoded answer with what proves it: the bank's `x-jws-signature` (verified when the
/// configuration names the bank's organisation) and the idempotency key that was sent.
#[derive(Clone, Debug)]
pub struct Signed<T> {
    /// The answer.
    pub body: T,
    /// The bank's detached signature, as received.
    pub signature: Option<String>,
    /// Whether the signature was verified against the bank's keys.
    pub verified: bool,
    /// The `x-idempotency-key` sent (repeat it to get the same answer again).
    pub idempotency_key: String,
}

impl Client {
    fn pisp(&self, path: &str) -> String {
        format!("{}/{path}", self.config.endpoints.pisp)
    }

    /// A signed, idempotent payment `POST` of `body` to `url`; `idempotency_key` defaults to
    /// a fresh UUID.
    pub async fn post_signed<B: Serialize, R: DeserializeOwned>(
        &self,
        software: &Software,
        url: &str,
        token: &AccessToken,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> Result<Signed<R>, ClientError> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| ClientError::build("the request body", e))?;
        let signature =
            DetachedSigner::new(&software.key, software.signature_issuer()).sign(&bytes, now())?;
        let key = idempotency_key.map_or_else(random_id, str::to_owned);
        let req = Request::builder()
            .method(Method::POST)
            .uri(url)
            .header("authorization", format!("Bearer {}", token.expose()))
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("x-idempotency-key", &key)
            .header(JWS_HEADER, signature)
            .body(bytes)
            .map_err(|e| ClientError::build(format!("a request to {url}"), e))?;
        let resp = self.expect_success(req).await?;
        self.read_signed(url, resp, key).await
    }

    async fn read_signed<R: DeserializeOwned>(
        &self,
        url: &str,
        resp: http::Response<Vec<u8>>,
        idempotency_key: String,
    ) -> Result<Signed<R>, ClientError> {
        let signature = resp
            .headers()
            .get(JWS_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut verified = false;
        if let Some(org) = &self.config.aspsp_org_id {
            let keys = self.bank_keys().await?.clone();
            DetachedVerifier::new(org.clone()).verify(
                signature.as_deref(),
                resp.body(),
                &keys,
                now(),
            )?;
            verified = true;
        }
        Ok(Signed {
            body: decode(url, resp.body())?,
            signature,
            verified,
            idempotency_key,
        })
    }

    /// Creates a payment consent of `api` (a client-credentials token with scope `payments`).
    pub async fn create_payment_consent<B: Serialize, R: DeserializeOwned>(
        &self,
        software: &Software,
        api: PaymentApi,
        token: &AccessToken,
        body: &B,
    ) -> Result<Signed<R>, ClientError> {
        self.post_signed(software, &self.pisp(api.consents()), token, body, None)
            .await
    }

    /// Reads a payment consent of `api`.
    pub async fn payment_consent<R: DeserializeOwned>(
        &self,
        api: PaymentApi,
        token: &AccessToken,
        consent_id: &str,
    ) -> Result<R, ClientError> {
        self.get_json(
            &self.pisp(&format!("{}/{consent_id}", api.consents())),
            token,
        )
        .await
    }

    /// `GET .../{ConsentId}/funds-confirmation` (domestic and international), with the
    /// consent's access token.
    pub async fn payment_funds_confirmation(
        &self,
        api: PaymentApi,
        token: &AccessToken,
        consent_id: &str,
    ) -> Result<serde_json::Value, ClientError> {
        self.get_json(
            &self.pisp(&format!(
                "{}/{consent_id}/funds-confirmation",
                api.consents()
            )),
            token,
        )
        .await
    }

    /// Submits the payment order of `api` with the consent's access token. Pass the same
    /// `idempotency_key` to repeat a submission whose answer was lost: the ASPSP answers with
    /// the first payment, and makes no second one.
    pub async fn create_payment_order<B: Serialize, R: DeserializeOwned>(
        &self,
        software: &Software,
        api: PaymentApi,
        token: &AccessToken,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> Result<Signed<R>, ClientError> {
        self.post_signed(
            software,
            &self.pisp(api.orders()),
            token,
            body,
            idempotency_key,
        )
        .await
    }

    /// Reads a payment order of `api`.
    pub async fn payment_order<R: DeserializeOwned>(
        &self,
        api: PaymentApi,
        token: &AccessToken,
        id: &str,
    ) -> Result<R, ClientError> {
        self.get_json(&self.pisp(&format!("{}/{id}", api.orders())), token)
            .await
    }

    /// `DELETE /domestic-vrp-consents/{ConsentId}`.
    pub async fn delete_vrp_consent(
        &self,
        token: &AccessToken,
        consent_id: &str,
    ) -> Result<(), ClientError> {
        let url = self.pisp(&format!("domestic-vrp-consents/{consent_id}"));
        self.send_json(Method::DELETE, &url, token, None).await?;
        Ok(())
    }

    /// `POST /funds-confirmation-consents` (CBPII, client-credentials token with scope
    /// `fundsconfirmations`).
    pub async fn create_funds_confirmation_consent<B: Serialize, R: DeserializeOwned>(
        &self,
        token: &AccessToken,
        body: &B,
    ) -> Result<R, ClientError> {
        let url = format!(
            "{}/funds-confirmation-consents",
            self.config.endpoints.cbpii
        );
        let v =
            serde_json::to_value(body).map_err(|e| ClientError::build("the request body", e))?;
        let bytes = self.send_json(Method::POST, &url, token, Some(&v)).await?;
        decode(&url, &bytes)
    }

    /// `POST /funds-confirmations` with the consent's access token.
    pub async fn confirm_funds<B: Serialize, R: DeserializeOwned>(
        &self,
        token: &AccessToken,
        body: &B,
    ) -> Result<R, ClientError> {
        let url = format!("{}/funds-confirmations", self.config.endpoints.cbpii);
        let v =
            serde_json::to_value(body).map_err(|e| ClientError::build("the request body", e))?;
        let bytes = self.send_json(Method::POST, &url, token, Some(&v)).await?;
        decode(&url, &bytes)
    }
}
