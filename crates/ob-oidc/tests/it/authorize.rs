//! The request object and the authorization URL.

use chrono::Duration;
use ob_jose::{jws, Jwks};
use ob_oidc::authorize::{AuthorizationParams, RequestObject};
use ob_oidc::OidcError;
use serde_json::json;

use crate::{now, tpp_key, CLIENT, ISSUER};

fn request() -> RequestObject {
    RequestObject::new(
        &AuthorizationParams {
            client_id: CLIENT,
            issuer: ISSUER,
            redirect_uri: "https://tpp.example/callback",
            scope: "openid payments",
            intent_id: "obpispdomesticpaymentconsent_1",
            state: "st-1",
            nonce: "no-1",
        },
        now(),
    )
}

#[test]
fn the_request_object_says_what_fapi_asks() {
    let jwt = request().sign(tpp_key()).unwrap();
    let v = jws::verify(
        &jwt,
        &Jwks {
            keys: vec![tpp_key().public_jwk()],
        },
    )
    .unwrap();
    assert_eq!(v.header()["alg"], "PS256");
    let c = v.claims().unwrap();
    assert_eq!(c["iss"], CLIENT);
    assert_eq!(c["client_id"], CLIENT);
    assert_eq!(c["aud"], ISSUER);
    assert_eq!(c["response_type"], "code id_token");
    assert_eq!(c["nbf"], now().timestamp());
    assert_eq!(c["exp"], now().timestamp() + 600);
    let intent = json!({"value": "obpispdomesticpaymentconsent_1", "essential": true});
    assert_eq!(c["claims"]["id_token"]["openbanking_intent_id"], intent);
    assert_eq!(c["claims"]["userinfo"]["openbanking_intent_id"], intent);
    assert_eq!(c["claims"]["id_token"]["acr"]["essential"], true);
}

#[test]
fn lifetime_is_at_most_an_hour() {
    request()
        .lifetime(Duration::minutes(60))
        .sign(tpp_key())
        .unwrap();
    assert!(matches!(
        request().lifetime(Duration::minutes(61)).sign(tpp_key()),
        Err(OidcError::Misuse { .. })
    ));
    assert!(matches!(
        request().lifetime(Duration::zero()).sign(tpp_key()),
        Err(OidcError::Misuse { .. })
    ));
    let mut no_nbf = request();
    no_nbf.claims_mut().remove("nbf");
    assert_eq!(
        no_nbf.sign(tpp_key()).unwrap_err(),
        OidcError::Misuse {
            reason: "request object without an integer nbf".into()
        }
    );
    let mut no_state = request();
    no_state.claims_mut().insert("state".into(), "".into());
    assert!(matches!(
        no_state.sign(tpp_key()),
        Err(OidcError::Misuse { .. })
    ));
}

#[test]
fn authorization_url() {
    let url = request()
        .authorization_url(
            "https://verify.monzo.example/open-banking/authorize",
            tpp_key(),
        )
        .unwrap();
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(base, "https://verify.monzo.example/open-banking/authorize");
    let params: Vec<&str> = query.split('&').collect();
    assert_eq!(params[0], "response_type=code%20id_token");
    assert!(params.contains(&"client_id=client-1"));
    assert!(params.contains(&"redirect_uri=https%3A%2F%2Ftpp.example%2Fcallback"));
    assert!(params.contains(&"scope=openid%20payments"));
    assert!(params.contains(&"state=st-1"));
    assert!(params.contains(&"nonce=no-1"));
    assert!(params.iter().any(|p| p.starts_with("request=ey")));
    assert!(matches!(
        request().authorization_url("http://verify.example/a", tpp_key()),
        Err(OidcError::Misuse { .. })
    ));
}
