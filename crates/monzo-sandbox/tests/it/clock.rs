//! The sandbox clock: the control (`GET`/`POST /open-banking/sandbox/clock`), its refusals,
//! and Monzo's time rules driven by it while the TPP's own clock stands still: a payment order
//! an hour after approval, an international order after its cut-off, an access token at 30
//! hours, and an account-access consent made before 2022-08-01 at 90 days; each refused with
//! Monzo's code, and the same action a minute earlier accepted.

use chrono::{DateTime, Duration, TimeZone, Utc};
use http::Request;
use monzo_sandbox::core::{Clock, Config, Sandbox};
use ob_oidc::token::{parse_token_response, prepare_refresh, TokenResponse};
use ob_oidc::RefreshToken;
use serde_json::{json, Value};

use crate::payment_kinds::international_initiation;
use crate::payments::Payer;
use crate::support::{keys, now, Tpp, Transport, BASE};

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";

/// `POST /sandbox/clock` with `body`: the status and the answer.
fn move_clock(tpp: &mut Tpp, body: &Value) -> (u16, Value) {
    let req = Request::post(tpp.url("/open-banking/sandbox/clock"))
        .header("content-type", "application/json")
        .body(body.to_string().into_bytes())
        .unwrap();
    let resp = tpp.send(req, false);
    (
        resp.status().as_u16(),
        serde_json::from_slice(resp.body()).unwrap_or(Value::Null),
    )
}

/// A refresh at the token endpoint.
fn refresh(tpp: &mut Tpp, token: &RefreshToken) -> TokenResponse {
    let req = prepare_refresh(
        &tpp.url("/open-banking/token"),
        &tpp.client_id.clone(),
        token,
    )
    .unwrap();
    let resp = tpp.send(req, true);
    parse_token_response(&resp, tpp.now).unwrap()
}

/// Moves the clock on by an ISO 8601 duration, checking it did (the other tests' way to move
/// time).
pub(crate) fn advance(tpp: &mut Tpp, by: &str) {
    let (status, v) = move_clock(tpp, &json!({ "AdvanceBy": by }));
    assert_eq!(status, 200, "{by}: {v}");
}

/// Sandbox time, as `GET /sandbox/clock` tells it.
fn sandbox_now(tpp: &mut Tpp) -> DateTime<Utc> {
    let resp = tpp.send(
        Request::get(tpp.url("/open-banking/sandbox/clock"))
            .body(Vec::new())
            .unwrap(),
        false,
    );
    assert_eq!(resp.status(), 200);
    let v: Value = serde_json::from_slice(resp.body()).unwrap();
    v["Now"].as_str().unwrap().parse().unwrap()
}

fn code(v: &Value) -> (&str, &str) {
    (
        v["Errors"][0]["ErrorCode"].as_str().unwrap_or_default(),
        v["Errors"][0]["Path"].as_str().unwrap_or_default(),
    )
}

#[test]
fn the_clock_moves_forward_only_and_refuses_bad_input() {
    let mut tpp = Tpp::register();
    assert_eq!(sandbox_now(&mut tpp), tpp.now, "real time by default");
    let (status, v) = move_clock(&mut tpp, &json!({"AdvanceBy": "P1DT1H"}));
    assert_eq!(status, 200, "{v}");
    let later = tpp.now + Duration::hours(25);
    assert_eq!(
        v["Now"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(),
        later
    );
    assert_eq!(v["OffsetSeconds"], 25 * 3600);
    assert_eq!(sandbox_now(&mut tpp), later);
    // Calendar months: from the 31st of January, one month on is the end of February.
    let jan31 = Utc.with_ymd_and_hms(2027, 1, 31, 12, 0, 0).unwrap();
    let (status, _) = move_clock(&mut tpp, &json!({"SetTo": "2027-01-31T12:00:00Z"}));
    assert_eq!(status, 200);
    let (_, v) = move_clock(&mut tpp, &json!({"AdvanceBy": "P1M"}));
    assert_eq!(
        v["Now"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(),
        jan31 + Duration::days(28)
    );

    // Refusals: 400 in the OBIE shape, naming the member, and the clock unchanged.
    let before = tpp.sandbox().state_digest();
    for (body, error, path) in [
        (
            json!({"SetTo": "2027-01-01T00:00:00Z"}),
            "UK.OBIE.Field.Invalid",
            "SetTo",
        ),
        (
            json!({"SetTo": "2027-06-01"}),
            "UK.OBIE.Field.InvalidDate",
            "SetTo",
        ),
        (
            json!({"SetTo": "2027-06-01T00:00:00"}),
            "UK.OBIE.Field.InvalidDate",
            "SetTo",
        ),
        (
            json!({"AdvanceBy": "-PT1H"}),
            "UK.OBIE.Field.Invalid",
            "AdvanceBy",
        ),
        (
            json!({"AdvanceBy": "25h"}),
            "UK.OBIE.Field.Invalid",
            "AdvanceBy",
        ),
        (
            json!({"AdvanceBy": "P10000Y"}),
            "UK.OBIE.Field.Invalid",
            "AdvanceBy",
        ),
        (
            json!({"AdvanceBy": 3600}),
            "UK.OBIE.Field.Invalid",
            "AdvanceBy",
        ),
        (
            json!({"AdvanceBy": "PT1H", "SetTo": "2030-01-01T00:00:00Z"}),
            "UK.OBIE.Field.Invalid",
            "$",
        ),
        (json!({}), "UK.OBIE.Field.Missing", "$"),
        (
            json!({"AdvanceBy": "PT1H", "Frozen": true}),
            "UK.OBIE.Field.Unexpected",
            "Frozen",
        ),
        (json!(["PT1H"]), "UK.OBIE.Field.Invalid", "$"),
    ] {
        let (status, v) = move_clock(&mut tpp, &body);
        assert_eq!((status, code(&v)), (400, (error, path)), "{body}: {v}");
        assert!(v["Id"].as_str().is_some_and(|i| !i.is_empty()), "{v}");
    }
    assert_eq!(tpp.sandbox().state_digest(), before);
    // Other methods: 405 with what the path takes.
    let resp = tpp.send(
        Request::delete(tpp.url("/open-banking/sandbox/clock"))
            .body(Vec::new())
            .unwrap(),
        false,
    );
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, POST");
}

/// Monzo: "payment consents must be used within 24 hours of creation and within one hour of
/// being approved". The TPP's clock stands still; the bank's moves.
#[test]
fn a_payment_order_an_hour_after_approval_is_refused() {
    let mut p = Payer::new();
    let early = p.consent("10.00", "c-early");
    let late = p.consent("10.00", "c-late");
    let early_token = p.authorise(&early);
    let late_token = p.authorise(&late);
    advance(&mut p.tpp, "PT59M");
    let (status, v) = p.pay(&early, &early_token, "10.00", "p-early");
    assert_eq!(status, 201, "{v}");
    advance(&mut p.tpp, "PT1M");
    let (status, v) = p.pay(&late, &late_token, "10.00", "p-late");
    assert_eq!(
        (status, code(&v).0),
        (400, "UK.OBIE.Resource.InvalidConsentStatus"),
        "{v}"
    );
}

/// International payment consents carry a `CutOffDateTime` 30 minutes after creation.
#[test]
fn an_international_order_after_its_cut_off_is_refused() {
    let mut p = Payer::new();
    let app = p.app.clone();
    let risk =
        json!({"PaymentContextCode": "TransferToThirdParty", "BeneficiaryAccountType": "Personal"});
    let consent = |p: &mut Payer, key: &str| {
        let body = json!({"Data": {"Initiation": international_initiation("5.00")}, "Risk": risk});
        let (status, v, _) = p.post("/international-payment-consents", &app, key, &body, true);
        assert_eq!(status, 201, "{v}");
        v["Data"]["ConsentId"].as_str().unwrap().to_owned()
    };
    let early = consent(&mut p, "ic-early");
    let late = consent(&mut p, "ic-late");
    let early_token = p.authorise(&early);
    let late_token = p.authorise(&late);
    let order = |id: &str| json!({"Data": {"ConsentId": id, "Initiation": international_initiation("5.00")}, "Risk": risk});
    advance(&mut p.tpp, "PT29M");
    let (status, v, _) = p.post(
        "/international-payments",
        &early_token,
        "io-early",
        &order(&early),
        true,
    );
    assert_eq!(status, 201, "{v}");
    advance(&mut p.tpp, "PT1M");
    let (status, v, _) = p.post(
        "/international-payments",
        &late_token,
        "io-late",
        &order(&late),
        true,
    );
    assert_eq!(
        (status, code(&v)),
        (
            400,
            ("UK.OBIE.Rules.AfterCutOffDateTime", "Data.Initiation")
        ),
        "{v}"
    );
}

/// Access tokens live 30 hours.
#[test]
fn an_access_token_expires_at_30_hours() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    advance(&mut tpp, "PT29H59M");
    let (status, _) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &token, None);
    assert_eq!(status, 200);
    advance(&mut tpp, "PT1M");
    let resp = tpp.send(
        Request::get(tpp.url("/open-banking/v3.1/aisp/accounts"))
            .header("authorization", format!("Bearer {token}"))
            .body(Vec::new())
            .unwrap(),
        true,
    );
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()["www-authenticate"],
        r#"Bearer error="invalid_token""#
    );
}

/// Monzo: account-access consents created before 2022-08-01 expire after 90 days. A world
/// whose clock starts on 2022-05-01 (as `--start-at` does for a server).
#[test]
fn an_account_access_consent_from_before_august_2022_lasts_90_days() {
    let mut sandbox = Sandbox::new(Config::new(BASE), keys(), 7);
    let start = Utc.with_ymd_and_hms(2022, 5, 1, 9, 0, 0).unwrap();
    sandbox
        .start_clock(Clock::starting_at(start, now()))
        .unwrap();
    let mut tpp = Tpp::register_with(Transport::InProcess(Box::new(sandbox)), BASE, now());
    assert_eq!(sandbox_now(&mut tpp), start);
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let tokens = tpp.authorise(&consent);
    let refresh_token = tokens.refresh_token.clone().unwrap();
    // A minute short of 90 days the consent still reads (with a fresh access token: they
    // live 30 hours).
    advance(&mut tpp, "P89DT23H59M");
    let fresh = refresh(&mut tpp, &refresh_token);
    let token = fresh.access_token.expose().to_owned();
    let (status, v) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &token, None);
    assert_eq!(status, 200, "{v}");
    advance(&mut tpp, "PT1M");
    let (status, v) = tpp.json("GET", "/open-banking/v3.1/aisp/accounts", &token, None);
    assert_eq!(
        (status, code(&v).0),
        (400, "UK.OBIE.Resource.InvalidConsentStatus"),
        "{v}"
    );
    // The same consent made after 2022-08-01 lives on.
    let (status, _) = move_clock(&mut tpp, &json!({"SetTo": "2022-08-01T00:00:00Z"}));
    assert_eq!(status, 200);
    let consent = tpp.consent(
        &["ReadAccountsBasic"],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let tokens = tpp.authorise(&consent);
    advance(&mut tpp, "P91D");
    let fresh = refresh(&mut tpp, tokens.refresh_token.as_ref().unwrap());
    let (status, v) = tpp.json(
        "GET",
        "/open-banking/v3.1/aisp/accounts",
        fresh.access_token.expose(),
        None,
    );
    assert_eq!(status, 200, "{v}");
}
