//! The emulator's console: see and steer the sandbox in a browser, at
//! `/open-banking/sandbox/console/` on the emulator's own listener.
//!
//! Pages (server-rendered HTML, usable without JavaScript):
//!
//! | page | what |
//! |---|---|
//! | `/` | the clock, the sandbox users with their accounts and balances, counts |
//! | `/consents` | every registered client, every consent with its timings and history; the customer's decision on a pending one, and revocation |
//! | `/payments` | every payment order and VRP with its status, rejection and the transactions it booked; the forced rejection of the next payment |
//! | `/pots` | each pot's balance over time (an SVG chart), its transactions and the reconciliation verdict of `pot-ledger` |
//! | `/events` | event subscriptions, the events waiting to be polled, and each pushed notification with its attempts |
//! | `/requests` | the latest requests with their answers (bodies redacted), filterable by client and interaction id |
//!
//! **Access.** Without `--console-token` the console answers on loopback only (a browser on
//! the machine the emulator runs on); with it, it answers from any address but only to a
//! browser that opened `…/console/?token=…` once (it then carries a cookie holding the token's
//! fingerprint). No client certificate is asked for.
//!
//! **Controls** go through the same request path as the API: each is turned into the
//! emulator's own request (the approval page's decision, or a sandbox control), handled by
//! [`Sandbox::handle`], logged and replayed like any other. Each form carries a per-page token
//! (an HMAC of the page's path under a key of the server's run), and a POST is refused unless
//! its `Origin` (or, without one, its `Referer`) is the emulator's own.
//!
//! **Secrets** never appear: tokens, codes and keys are shown as a short fingerprint
//! ([`Redactor`](crate::core::Redactor)).
//!
//! The module is sans-IO like the core: [`Console::handle`] takes a request and the state and
//! gives an answer, or a control for the server to run and then [`Console::finish`].

mod chart;
pub mod journal;
mod pages;

use std::net::IpAddr;

use aws_lc_rs::hmac;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use ob_jose::Instant;
use serde_json::{json, Value};

use crate::core::http::param;
use crate::core::{fingerprint, hex, Sandbox};
pub use chart::balance_chart;
use journal::{Journal, Notifications};

/// The console's path, under the emulator's base URL.
pub const PATH: &str = "/open-banking/sandbox/console/";

/// The cookie that carries the console token's fingerprint.
pub const COOKIE: &str = "monzo_sandbox_console";

/// The console of one server run.
pub struct Console {
    /// The fingerprint of `--console-token`, which the cookie must carry; `None`: loopback
    /// only.
    token_fingerprint: Option<String>,
    /// The key of the per-page form tokens.
    csrf_key: hmac::Key,
    /// The request log.
    pub journal: Journal,
}

/// What the console reads to render a page.
pub struct View<'a> {
    /// The emulator.
    pub sandbox: &'a Sandbox,
    /// The event notifications the server pushed.
    pub notifications: &'a Notifications,
    /// Real time now.
    pub wall: Instant,
}

/// What the console answers.
#[derive(Debug)]
pub enum Outcome {
    /// An answer for the browser.
    Answer(Response<Vec<u8>>),
    /// A control: the server runs `request` through the emulator's request path, then answers
    /// with [`Console::finish`].
    Control(Control),
}

/// A control to run as the emulator's own request.
#[derive(Debug)]
pub struct Control {
    /// The emulator's request.
    pub request: Request<Vec<u8>>,
    /// The console page to return to.
    back: String,
    /// Whether it is the customer's decision (whose answer sends the browser back to the TPP).
    decision: bool,
}

impl Console {
    /// A console; `token`: the `--console-token`, if any; `csrf_key`: random bytes of this run.
    pub fn new(token: Option<&str>, csrf_key: &[u8]) -> Self {
        Console {
            token_fingerprint: token.map(fingerprint),
            csrf_key: hmac::Key::new(hmac::HMAC_SHA256, csrf_key),
            journal: Journal::default(),
        }
    }

    /// Whether a path is the console's (`/open-banking/sandbox/console` and below).
    pub fn is_console_path(path: &str) -> bool {
        path == PATH.trim_end_matches('/') || path.starts_with(PATH)
    }

    /// Answers a console request from `peer`.
    pub fn handle(&self, view: &View<'_>, req: &Request<Vec<u8>>, peer: IpAddr) -> Outcome {
        match self.admit(req, peer) {
            Ok(None) => {}
            Ok(Some(answer)) | Err(answer) => return Outcome::Answer(answer),
        }
        let path = req.uri().path();
        let Some(rest) = path.strip_prefix(PATH) else {
            return Outcome::Answer(see_other(PATH));
        };
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let query = req
            .uri()
            .query()
            .and_then(ob_oidc::form::decode_pairs)
            .unwrap_or_default();
        let notice = param(&query, "notice").map(str::to_owned);
        match (req.method(), segments.as_slice()) {
            (&Method::GET, []) => self.page(pages::overview(self, view, notice.as_deref())),
            (&Method::GET, ["consents"]) => {
                self.page(pages::consents(self, view, notice.as_deref()))
            }
            (&Method::GET, ["payments"]) => {
                self.page(pages::payments(self, view, notice.as_deref()))
            }
            (&Method::GET, ["pots"]) => self.page(pages::pots(self, view, notice.as_deref())),
            (&Method::GET, ["events"]) => self.page(pages::events(self, view)),
            (&Method::GET, ["requests"]) => self.page(pages::requests(
                self,
                view,
                param(&query, "client").filter(|c| !c.is_empty()),
                param(&query, "interaction").filter(|c| !c.is_empty()),
            )),
            (&Method::POST, ["controls", control @ ..]) => {
                match self.control(view.sandbox, req, control) {
                    Ok(c) => Outcome::Control(c),
                    Err(answer) => Outcome::Answer(answer),
                }
            }
            (&Method::GET, _) => {
                Outcome::Answer(plain(StatusCode::NOT_FOUND, "No such page of the console."))
            }
            _ => {
                let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.");
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
                Outcome::Answer(r)
            }
        }
    }

    /// The answer to a control, once the server ran its request: the customer's decision sends
    /// the browser where the emulator sent it (back to the TPP, as the approval page does);
    /// any other control returns to its page with what happened.
    pub fn finish<B: AsRef<[u8]>>(
        &self,
        control: &Control,
        resp: &Response<B>,
    ) -> Response<Vec<u8>> {
        if control.decision && resp.status().is_redirection() {
            if let Some(location) = resp.headers().get(header::LOCATION) {
                let mut r = see_other(PATH);
                r.headers_mut().insert(header::LOCATION, location.clone());
                return r;
            }
        }
        let notice = outcome_text(resp);
        let back = format!("{}?notice={}", control.back, ob_oidc::form::encode(&notice));
        see_other(&back)
    }

    /// Whether the request may see the console: `Ok(None)` to go on, `Ok(Some)` to answer at
    /// once (the token's first use sets the cookie), `Err` to refuse.
    fn admit(
        &self,
        req: &Request<Vec<u8>>,
        peer: IpAddr,
    ) -> Result<Option<Response<Vec<u8>>>, Response<Vec<u8>>> {
        let Some(expected) = &self.token_fingerprint else {
            return if peer.to_canonical().is_loopback() {
                Ok(None)
            } else {
                Err(plain(
                    StatusCode::FORBIDDEN,
                    "The console answers on loopback only. Start the emulator with --console-token to open it to other addresses.",
                ))
            };
        };
        let query = req
            .uri()
            .query()
            .and_then(ob_oidc::form::decode_pairs)
            .unwrap_or_default();
        if let Some(token) = param(&query, "token") {
            if same(&fingerprint(token), expected) {
                // The token leaves the address bar: the cookie carries its fingerprint.
                let mut r = see_other(req.uri().path());
                let cookie = format!(
                    "{COOKIE}={expected}; Path={}; Secure; HttpOnly; SameSite=Strict",
                    PATH.trim_end_matches('/')
                );
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                return Ok(Some(r));
            }
        }
        let carried = req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .any(|(name, value)| name == COOKIE && same(value, expected));
        if carried {
            Ok(None)
        } else {
            Err(plain(
                StatusCode::FORBIDDEN,
                "The console needs its token: open it once as …/open-banking/sandbox/console/?token=<the --console-token value>.",
            ))
        }
    }

    /// The per-page form token of `page` (a console path).
    pub(crate) fn form_token(&self, page: &str) -> String {
        hex(hmac::sign(&self.csrf_key, page.as_bytes()).as_ref())
    }

    /// Checks a control's origin and form token; gives the form and the page it came from.
    fn check_form(
        &self,
        sandbox: &Sandbox,
        req: &Request<Vec<u8>>,
    ) -> Result<(Form, String), Response<Vec<u8>>> {
        let refuse = |why: &str| plain(StatusCode::FORBIDDEN, why);
        let base = &sandbox.config().base;
        let header_text = |name: header::HeaderName| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if header_text(header::HeaderName::from_static("sec-fetch-site"))
            .is_some_and(|s| s == "cross-site")
        {
            return Err(refuse("A cross-site request is refused."));
        }
        let same_origin = match (header_text(header::ORIGIN), header_text(header::REFERER)) {
            (Some(origin), _) => origin == *base,
            (None, Some(referer)) => referer.starts_with(&format!("{base}/")),
            (None, None) => false,
        };
        if !same_origin {
            return Err(refuse(
                "A control must come from the console's own pages (same origin).",
            ));
        }
        let form = std::str::from_utf8(req.body())
            .ok()
            .and_then(ob_oidc::form::decode_pairs)
            .ok_or_else(|| plain(StatusCode::BAD_REQUEST, "Expected a form."))?;
        let page = param(&form, "page")
            .filter(|p| Console::is_console_path(p))
            .unwrap_or(PATH)
            .to_owned();
        let token_ok = param(&form, "csrf").is_some_and(|t| same(t, &self.form_token(&page)));
        if !token_ok {
            return Err(refuse(
                "The form's token is missing or not this page's: reload the page and try again.",
            ));
        }
        Ok((form, page))
    }

    /// Turns a control's form into the emulator's own request.
    fn control(
        &self,
        sandbox: &Sandbox,
        req: &Request<Vec<u8>>,
        control: &[&str],
    ) -> Result<Control, Response<Vec<u8>>> {
        let (form, back) = self.check_form(sandbox, req)?;
        let field = |name: &str| param(&form, name).map(str::trim).filter(|v| !v.is_empty());
        let bad = |why: String| plain(StatusCode::BAD_REQUEST, &why);
        let json_body = |v: Value| v.to_string().into_bytes();
        let (method_path, body, form_body, decision) = match control {
            ["clock"] => {
                let by = field("custom")
                    .or(field("advance"))
                    .ok_or_else(|| bad("Say how far to advance the clock.".into()))?;
                (
                    "/open-banking/sandbox/clock".to_owned(),
                    json_body(json!({ "AdvanceBy": by })),
                    false,
                    false,
                )
            }
            ["next-rejection"] => {
                let reason =
                    field("reason").ok_or_else(|| bad("Choose a rejection reason.".into()))?;
                (
                    "/open-banking/sandbox/payments/next-rejection".to_owned(),
                    json_body(json!({ "Reason": reason })),
                    false,
                    false,
                )
            }
            ["consents", id, "decision"] => {
                let Some((pending, region)) = sandbox.pending_authorization(id) else {
                    return Err(see_other(&format!(
                        "{back}?notice={}",
                        ob_oidc::form::encode(&format!(
                            "Nothing awaits the customer's decision on {id}: the TPP sends the customer to the authorization endpoint first."
                        ))
                    )));
                };
                let decision = match field("decision") {
                    Some("approve") => "approve",
                    _ => "reject",
                };
                let user = field("user_id").unwrap_or_default();
                let pairs = [
                    ("pending", pending),
                    ("decision", decision),
                    ("user_id", user),
                ];
                (
                    format!("{}/authorize/decision", region.prefix()),
                    ob_oidc::form::encode_pairs(&pairs).into_bytes(),
                    true,
                    true,
                )
            }
            ["consents", id, "revoke"] => (
                format!("/open-banking/sandbox/account-access-consents/{id}/revoke"),
                Vec::new(),
                false,
                false,
            ),
            ["pots", id, "transactions"] => {
                let source = field("source").unwrap_or("TransferIn");
                let mut body = json!({
                    "Source": source,
                    "Amount": field("amount").unwrap_or_default(),
                });
                // The one form field names the merchant of a card payment, or the payee of a
                // direct debit; the control refuses either without it.
                let payee = match source {
                    "CardPayment" => Some("Merchant"),
                    "DirectDebit" => Some("Name"),
                    _ => None,
                };
                if let (Some(member), Some(m)) = (payee, field("merchant")) {
                    body[member] = json!(m);
                }
                (
                    format!("/open-banking/sandbox/pots/{id}/transactions"),
                    json_body(body),
                    false,
                    false,
                )
            }
            ["pots", id, "close"] => (
                format!("/open-banking/sandbox/pots/{id}/close"),
                Vec::new(),
                false,
                false,
            ),
            ["accounts", id, "close"] => (
                format!("/open-banking/sandbox/accounts/{id}/close"),
                Vec::new(),
                false,
                false,
            ),
            _ => return Err(plain(StatusCode::NOT_FOUND, "No such control.")),
        };
        let content_type = if form_body {
            "application/x-www-form-urlencoded"
        } else {
            "application/json"
        };
        let request = Request::builder()
            .method(Method::POST)
            .uri(method_path)
            .header(header::CONTENT_TYPE, content_type)
            .header(
                header::ACCEPT,
                if decision {
                    "text/html"
                } else {
                    "application/json"
                },
            )
            .body(body)
            .map_err(|e| bad(format!("The control's request could not be built: {e}")))?;
        Ok(Control {
            request,
            back,
            decision,
        })
    }

    /// An HTML page answer.
    fn page(&self, body: String) -> Outcome {
        let mut r = Response::new(body.into_bytes());
        let headers = r.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        secure_headers(headers);
        Outcome::Answer(r)
    }
}

/// The text of what a control's answer says: the OBIE error's message, the OAuth error's
/// description, or what was done.
fn outcome_text<B: AsRef<[u8]>>(resp: &Response<B>) -> String {
    let body: Value = serde_json::from_slice(resp.body().as_ref()).unwrap_or(Value::Null);
    if !resp.status().is_success() {
        let why = body["Errors"][0]["Message"]
            .as_str()
            .or(body["error_description"].as_str())
            .or(body["Message"].as_str())
            .unwrap_or("no reason given");
        return format!("Refused ({}): {why}", resp.status().as_u16());
    }
    if let Some(now) = body["Now"].as_str() {
        return format!("Done: the sandbox clock is now {now}.");
    }
    if let Some(reason) = body["Reason"].as_str() {
        return format!("Done: the next payment will be rejected with “{reason}”.");
    }
    let data = &body["Data"];
    if let Some(id) = data["PotTransaction"]["TransactionId"].as_str() {
        return format!("Done: pot transaction {id} booked.");
    }
    match (
        data["ConsentId"].as_str(),
        data["PotId"].as_str(),
        data["AccountId"].as_str(),
    ) {
        (Some(id), _, _) => format!("Done: the customer withdrew access under {id}."),
        (_, Some(id), _) => format!("Done: pot {id} closed."),
        (_, _, Some(id)) => format!("Done: account {id} closed."),
        _ => "Done.".to_owned(),
    }
}

/// A decoded form: its fields in order.
type Form = Vec<(String, String)>;

/// Compares two texts in constant time.
fn same(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

/// A 303 to `location`.
fn see_other(location: &str) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    secure_headers(r.headers_mut());
    r
}

/// A short plain-text answer.
fn plain(status: StatusCode, text: &str) -> Response<Vec<u8>> {
    let mut r = Response::new(format!("{text}\n").into_bytes());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    secure_headers(r.headers_mut());
    r
}

/// Headers of every console answer: not cached, not framed, no script, no referrer abroad.
fn secure_headers(headers: &mut http::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // No script at all; inline styles for the page's own stylesheet and the chart.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
}

#[cfg(test)]
mod tests;
