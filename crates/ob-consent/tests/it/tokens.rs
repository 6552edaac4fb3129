//! Token lifetimes, single-use refresh tokens, and eviction of the oldest consent.

use chrono::{Duration, TimeZone, Utc};
use ob_consent::tokens::{ConsentKind, Grant, NewTokens, TokenStore, LEGACY_MAX_ACTIVE_CONSENTS};
use ob_consent::{ConsentError, Instant};
use ob_errors::Shape;
use proptest::prelude::*;

fn t0() -> Instant {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

fn grant(consent: &str, kind: ConsentKind) -> Grant {
    Grant {
        consent_id: consent.into(),
        user_id: "user_1".into(),
        client_id: "client_1".into(),
        kind,
        authorised_at: t0(),
    }
}

fn new(n: &str) -> NewTokens {
    NewTokens {
        access_token: format!("at_{n}"),
        refresh_token: format!("rt_{n}"),
    }
}

#[test]
fn lifetimes() {
    let mut store = TokenStore::new();
    let ais = store
        .issue(grant("aac_1", ConsentKind::AccountAccess), new("1"), t0())
        .unwrap();
    assert_eq!(ais.tokens.access_expires_at, t0() + Duration::hours(30));
    assert_eq!(ais.tokens.refresh_expires_at, t0() + Duration::hours(4320));
    assert_eq!(ais.tokens.expires_in(t0()), 30 * 3600);
    let vrp = store
        .issue(grant("vrp_1", ConsentKind::Vrp), new("2"), t0())
        .unwrap();
    assert_eq!(vrp.tokens.access_expires_at, t0() + Duration::hours(30));
    assert_eq!(vrp.tokens.refresh_expires_at, t0() + Duration::hours(26280));

    assert_eq!(
        store
            .authenticate("at_1", t0() + Duration::hours(29))
            .unwrap()
            .consent_id,
        "aac_1"
    );
    let e = store
        .authenticate("at_1", t0() + Duration::hours(30))
        .unwrap_err();
    let api = e.to_api_error();
    assert_eq!((api.status.as_u16(), api.shape), (401, Shape::Empty));
    assert!(store.authenticate("nope", t0()).is_err());
}

#[test]
fn refresh_tokens_are_single_use_and_rotate() {
    let mut store = TokenStore::new();
    store
        .issue(grant("aac_1", ConsentKind::AccountAccess), new("1"), t0())
        .unwrap();
    let later = t0() + Duration::hours(40);
    let rotated = store.refresh("client_1", "rt_1", new("2"), later).unwrap();
    assert_eq!(rotated.refresh_token, "rt_2");
    assert_eq!(rotated.access_expires_at, later + Duration::hours(30));
    store.authenticate("at_2", later).unwrap();
    assert!(store.authenticate("at_1", later).is_err());

    let reused = store
        .refresh("client_1", "rt_1", new("3"), later)
        .unwrap_err();
    let api = reused.to_api_error();
    // RFC 6749 §5.2's shape, with Monzo's code at the head of the description.
    assert_eq!(api.code, "invalid_grant");
    assert_eq!(api.shape, Shape::OAuth);
    assert!(api
        .message
        .starts_with("bad_request.refresh_token.invalid: "));
    assert!(api.needs_reauthentication());
    // A failed refresh changed nothing: the current token still works, once.
    store.refresh("client_1", "rt_2", new("3"), later).unwrap();
    assert!(store.refresh("client_1", "rt_2", new("4"), later).is_err());

    // Another client's token, an unknown token, and an expired one.
    // Another client learns nothing about a token: live or used, it is unknown to them.
    let other = store
        .refresh("client_2", "rt_3", new("5"), later)
        .unwrap_err();
    assert_eq!(
        other,
        ConsentError::RefreshTokenInvalid {
            reason: "unknown token"
        }
    );
    let other = store
        .refresh("client_2", "rt_1", new("5"), later)
        .unwrap_err();
    assert_eq!(
        other,
        ConsentError::RefreshTokenInvalid {
            reason: "unknown token"
        }
    );
    let unknown = store
        .refresh("client_1", "rt_zzz", new("5"), later)
        .unwrap_err();
    assert_eq!(
        unknown,
        ConsentError::RefreshTokenInvalid {
            reason: "unknown token"
        }
    );
    let expired = store
        .refresh("client_1", "rt_3", new("5"), later + Duration::hours(4320))
        .unwrap_err();
    assert_eq!(
        expired,
        ConsentError::RefreshTokenInvalid { reason: "expired" }
    );
}

#[test]
fn rotated_vrp_tokens_keep_the_vrp_lifetime() {
    let mut store = TokenStore::new();
    store
        .issue(grant("vrp_1", ConsentKind::Vrp), new("1"), t0())
        .unwrap();
    let later = t0() + Duration::days(400);
    let rotated = store.refresh("client_1", "rt_1", new("2"), later).unwrap();
    assert_eq!(rotated.refresh_expires_at, later + Duration::hours(26280));
    assert_eq!(rotated.access_expires_at, later + Duration::hours(30));
}

#[test]
fn consents_with_expired_refresh_tokens_do_not_count() {
    let mut store = TokenStore::with_limit(2);
    store
        .issue(grant("old", ConsentKind::AccountAccess), new("0"), t0())
        .unwrap();
    store
        .issue(grant("vrp", ConsentKind::Vrp), new("1"), t0())
        .unwrap();
    // Seven months on, the account-access consent's refresh token has expired.
    let later = t0() + Duration::hours(4320);
    let issued = store
        .issue(grant("new", ConsentKind::AccountAccess), new("2"), later)
        .unwrap();
    assert!(issued.evicted.is_empty(), "{:?}", issued.evicted);
    assert_eq!(store.active_consents("user_1", "client_1"), ["vrp", "new"]);
    let e = store
        .refresh("client_1", "rt_0", new("3"), later)
        .unwrap_err();
    assert_eq!(e, ConsentError::RefreshTokenInvalid { reason: "expired" });
}

#[test]
fn the_oldest_of_twenty_one_consents_is_evicted() {
    let mut store = TokenStore::new();
    for i in 0..20 {
        let issued = store
            .issue(
                grant(&format!("c{i}"), ConsentKind::AccountAccess),
                new(&i.to_string()),
                t0() + Duration::minutes(i),
            )
            .unwrap();
        assert!(issued.evicted.is_empty());
    }
    let issued = store
        .issue(
            grant("c20", ConsentKind::Payment),
            new("20"),
            t0() + Duration::hours(1),
        )
        .unwrap();
    assert_eq!(issued.evicted, vec!["c0".to_owned()]);
    assert_eq!(store.active_consents("user_1", "client_1").len(), 20);
    let e = store
        .refresh("client_1", "rt_0", new("x"), t0() + Duration::hours(2))
        .unwrap_err();
    let api = e.to_api_error();
    assert_eq!(api.code, "invalid_grant");
    assert!(api
        .message
        .starts_with("bad_request.refresh_token.evicted: "));
    assert!(store
        .authenticate("at_0", t0() + Duration::hours(2))
        .is_err());
    // Another client, or another user, has a limit of its own.
    let mut other = grant("d0", ConsentKind::AccountAccess);
    other.client_id = "client_2".into();
    assert!(store
        .issue(other, new("d0"), t0() + Duration::hours(1))
        .unwrap()
        .evicted
        .is_empty());
}

#[test]
fn reauthorising_a_consent_makes_it_the_newest() {
    let mut store = TokenStore::with_limit(LEGACY_MAX_ACTIVE_CONSENTS);
    for i in 0..10 {
        store
            .issue(
                grant(&format!("c{i}"), ConsentKind::AccountAccess),
                new(&i.to_string()),
                t0(),
            )
            .unwrap();
    }
    store
        .issue(grant("c0", ConsentKind::AccountAccess), new("again"), t0())
        .unwrap();
    assert_eq!(
        store.active_consents("user_1", "client_1").first(),
        Some(&"c1")
    );
    let issued = store
        .issue(grant("c10", ConsentKind::AccountAccess), new("10"), t0())
        .unwrap();
    assert_eq!(issued.evicted, vec!["c1".to_owned()]);
    // The old tokens of the re-authorised consent no longer work.
    assert!(store.refresh("client_1", "rt_0", new("y"), t0()).is_err());
}

#[test]
fn revoked_consents_lose_their_tokens() {
    let mut store = TokenStore::new();
    store
        .issue(grant("c0", ConsentKind::FundsConfirmation), new("0"), t0())
        .unwrap();
    assert!(store.revoke("c0", t0()));
    assert!(!store.revoke("c0", t0()));
    assert!(store.authenticate("at_0", t0()).is_err());
    let e = store
        .refresh("client_1", "rt_0", new("1"), t0())
        .unwrap_err();
    assert_eq!(
        e,
        ConsentError::RefreshTokenInvalid {
            reason: "the consent has been revoked"
        }
    );
    store.purge(t0() + Duration::hours(4321));
    let e = store
        .refresh("client_1", "rt_0", new("1"), t0())
        .unwrap_err();
    assert_eq!(
        e,
        ConsentError::RefreshTokenInvalid {
            reason: "unknown token"
        }
    );
}

#[test]
fn token_values_must_be_fresh() {
    let mut store = TokenStore::new();
    store
        .issue(grant("c0", ConsentKind::AccountAccess), new("0"), t0())
        .unwrap();
    let e = store
        .issue(grant("c1", ConsentKind::AccountAccess), new("0"), t0())
        .unwrap_err();
    assert_eq!(e, ConsentError::TokenNotFresh);
    let same = NewTokens {
        access_token: "x".into(),
        refresh_token: "x".into(),
    };
    assert_eq!(
        store
            .issue(grant("c1", ConsentKind::AccountAccess), same, t0())
            .unwrap_err(),
        ConsentError::TokenNotFresh
    );
    assert!(!format!("{:?}", new("secret")).contains("secret"));
}

#[derive(Clone, Debug)]
enum Op {
    Issue(u8),
    Refresh(u8),
    Advance(i64),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..30).prop_map(Op::Issue),
        3 => (0u8..60).prop_map(Op::Refresh),
        1 => (0i64..2_000).prop_map(Op::Advance),
    ]
}

proptest! {
    /// Under any mix of authorisations and refreshes, no user holds more than the limit of
    /// consents for a client, and no refresh token works twice.
    #[test]
    fn limits_and_single_use_hold(ops in prop::collection::vec(arb_op(), 1..120)) {
        let mut store = TokenStore::with_limit(5);
        let mut now = t0();
        let mut n = 0u32;
        let mut issued_refresh: Vec<String> = Vec::new();
        let mut used: std::collections::HashSet<String> = Default::default();
        for op in ops {
            n += 1;
            match op {
                Op::Issue(c) => {
                    let t = store.issue(grant(&format!("c{c}"), ConsentKind::AccountAccess), new(&n.to_string()), now).unwrap();
                    issued_refresh.push(t.tokens.refresh_token);
                }
                Op::Refresh(i) => {
                    if let Some(rt) = issued_refresh.get(usize::from(i)).cloned() {
                        if let Ok(t) = store.refresh("client_1", &rt, new(&n.to_string()), now) {
                            prop_assert!(used.insert(rt), "a refresh token worked twice");
                            issued_refresh.push(t.refresh_token);
                        }
                    }
                }
                Op::Advance(h) => now += Duration::hours(h),
            }
            prop_assert!(store.active_consents("user_1", "client_1").len() <= 5);
        }
    }
}
