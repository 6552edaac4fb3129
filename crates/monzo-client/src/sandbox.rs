//! The local emulator's own controls (`monzo-sandbox` only): its directory, which signs a
//! software statement for the caller's keys so that registration needs no enrolment anywhere;
//! the pot control, which makes a pot transaction happen; the customer's withdrawal of a
//! TPP's access; and the sandbox clock, which every time rule of the emulator follows and which
//! moves only forward.

use http::{Method, Request};
use ob_jose::Jwks;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::transport::decode;
use crate::{Client, ClientError};

/// The emulator's sandbox clock.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SandboxClock {
    /// Sandbox time now.
    pub now: chrono::DateTime<chrono::Utc>,
    /// How far sandbox time is ahead of real time, in whole seconds (negative when the
    /// emulator was started in the past with `--start-at`).
    pub offset_seconds: i64,
}

/// A software statement the emulator's directory issued.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct SandboxStatement {
    /// The signed statement (a JWT), for the registration request.
    pub software_statement: String,
    /// The software id it names.
    pub software_id: String,
    /// The organisation id it names.
    pub org_id: String,
}

impl Client {
    /// `POST {issuer}/sandbox/software-statements`: a statement for `software_id` (and
    /// `org_id`), publishing `jwks` as the software's keys, with these redirect URIs and roles
    /// (`AISP`, `PISP`, `CBPII`). The emulator re-issues one for the same keys; other keys for
    /// a known software are refused.
    pub async fn sandbox_software_statement(
        &self,
        software_id: &str,
        org_id: &str,
        redirect_uris: &[&str],
        roles: &[&str],
        jwks: &Jwks,
    ) -> Result<SandboxStatement, ClientError> {
        let body = serde_json::json!({
            "software_statement_claims": {
                "software_id": software_id,
                "org_id": org_id,
                "software_client_name": software_id,
                "software_redirect_uris": redirect_uris,
                "software_roles": roles,
            },
            "jwks": jwks,
        });
        self.sandbox_control(Method::POST, "software-statements", Some(&body))
            .await
    }

    /// `POST {issuer}/sandbox/pots/{pot_id}/transactions` (the local emulator only): makes a
    /// pot transaction happen now, as the bank would book it, and returns the emulator's
    /// answer (the new `PotTransaction` and the main-account transaction ids). `body` names the
    /// `Source` and `Amount`, with `Merchant` for a `CardPayment` and `Name` for a
    /// `DirectDebit`.
    pub async fn sandbox_pot_transaction(
        &self,
        pot_id: &str,
        body: &Value,
    ) -> Result<Value, ClientError> {
        self.sandbox_control(
            Method::POST,
            &format!("pots/{pot_id}/transactions"),
            Some(body),
        )
        .await
    }

    /// `GET {issuer}/sandbox/clock` (the local emulator only): sandbox time now.
    pub async fn sandbox_clock(&self) -> Result<SandboxClock, ClientError> {
        self.sandbox_control(Method::GET, "clock", None).await
    }

    /// `POST {issuer}/sandbox/clock` (the local emulator only): moves the sandbox clock on by
    /// an ISO 8601 duration such as `PT25H`, `P1D` or `P1M` (calendar months), and returns the
    /// new time. Scheduled work falls due as the clock passes it.
    pub async fn sandbox_advance_clock(&self, by: &str) -> Result<SandboxClock, ClientError> {
        let body = serde_json::json!({ "AdvanceBy": by });
        self.sandbox_control(Method::POST, "clock", Some(&body))
            .await
    }

    /// `POST {issuer}/sandbox/clock` (the local emulator only): sets the sandbox clock to a
    /// later instant (the clock never goes backwards: an earlier one is a 400).
    pub async fn sandbox_set_clock(
        &self,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<SandboxClock, ClientError> {
        let at = to.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let body = serde_json::json!({ "SetTo": at });
        self.sandbox_control(Method::POST, "clock", Some(&body))
            .await
    }

    /// `POST {issuer}/sandbox/account-access-consents/{consent_id}/revoke` (the local emulator
    /// only): the customer withdraws the TPP's access in the app. The consent stays
    /// `Authorised`, its tokens stop working at once (a refresh is refused), and the customer
    /// may authenticate again. Returns the emulator's answer.
    pub async fn sandbox_revoke_access(&self, consent_id: &str) -> Result<Value, ClientError> {
        self.sandbox_control(
            Method::POST,
            &format!("account-access-consents/{consent_id}/revoke"),
            None,
        )
        .await
    }

    /// `{method} {issuer}/sandbox/{path}` with a JSON `body`, and its answer decoded.
    async fn sandbox_control<R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<R, ClientError> {
        let url = format!("{}/sandbox/{path}", self.config.endpoints.issuer);
        let mut req = Request::builder().method(method).uri(&url);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
            .map_err(|e| ClientError::build(format!("a request to {url}"), e))?;
        let resp = self.expect_success(req).await?;
        decode(&url, resp.body())
    }
}
