//! The consent state machines: Monzo's timing, OBIE's transitions, and property tests that no
//! sequence of events reaches an illegal state and that expiry only moves forward in time.

use chrono::{Duration, TimeZone, Utc};
use monzo_model::accounts::OBReadConsent1DataPermissions as P;
use ob_consent::permissions::Permissions;
use ob_consent::{ais, funds, payment, vrp, ConsentError, Instant};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn t0() -> Instant {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

fn code(e: &ConsentError) -> String {
    e.to_api_error().details[0].code.as_str().to_owned()
}

mod payments {
    use super::*;
    use payment::{AwaitingAuthorisation, PaymentConsent, PaymentKind};

    fn awaiting(kind: PaymentKind) -> AwaitingAuthorisation {
        AwaitingAuthorisation::new("pdc_1", "client_1", kind, t0())
    }

    #[test]
    fn order_within_an_hour_of_approval() {
        let approved = t0() + Duration::hours(3);
        let c = awaiting(PaymentKind::Domestic)
            .authorise("u", "a", approved)
            .unwrap();
        assert_eq!(c.order_deadline(), approved + Duration::hours(1));
        let late = c
            .clone()
            .consume("p", approved + Duration::minutes(60))
            .unwrap_err();
        assert_eq!(code(&late.error), "UK.OBIE.Resource.InvalidConsentStatus");
        assert_eq!(
            late.state, c,
            "a refused transition gives the state back unchanged"
        );
        let done = c
            .consume("p", approved + Duration::minutes(60) - Duration::seconds(1))
            .unwrap();
        assert_eq!(done.payment_id, "p");
    }

    #[test]
    fn order_within_a_day_of_creation() {
        // Approved 23h30 after creation: the day runs out before the hour does.
        let approved = t0() + Duration::minutes(23 * 60 + 30);
        let c = awaiting(PaymentKind::DomesticScheduled)
            .authorise("u", "a", approved)
            .unwrap();
        assert_eq!(c.order_deadline(), t0() + Duration::hours(24));
        let late = c.consume("p", t0() + Duration::hours(24));
        assert!(matches!(
            late.unwrap_err().error,
            ConsentError::ConsentExpired { .. }
        ));
    }

    #[test]
    fn approval_after_a_day_is_refused() {
        let r = awaiting(PaymentKind::DomesticStandingOrder)
            .authorise("u", "a", t0() + Duration::hours(25))
            .unwrap_err();
        assert_eq!(code(&r.error), "UK.OBIE.Resource.InvalidConsentStatus");
    }

    #[test]
    fn international_cut_off_is_thirty_minutes() {
        let a = awaiting(PaymentKind::International);
        assert_eq!(a.info.cut_off(), Some(t0() + Duration::minutes(30)));
        let c = a.authorise("u", "a", t0() + Duration::minutes(5)).unwrap();
        let late = c
            .clone()
            .consume("p", t0() + Duration::minutes(30))
            .unwrap_err();
        assert_eq!(code(&late.error), "UK.OBIE.Rules.AfterCutOffDateTime");
        c.consume("p", t0() + Duration::minutes(30) - Duration::seconds(1))
            .unwrap();
        assert_eq!(awaiting(PaymentKind::Domestic).info.cut_off(), None);
    }

    #[test]
    fn funds_confirmation_needs_an_open_authorised_consent() {
        let c = awaiting(PaymentKind::Domestic)
            .authorise("u", "a", t0())
            .unwrap();
        c.check_funds_confirmation(t0() + Duration::minutes(59))
            .unwrap();
        assert!(c
            .check_funds_confirmation(t0() + Duration::minutes(61))
            .is_err());
    }

    #[test]
    fn transitions_outside_obie_are_refused() {
        let consumed: PaymentConsent = awaiting(PaymentKind::Domestic)
            .authorise("u", "a", t0())
            .unwrap()
            .consume("p", t0())
            .unwrap()
            .into();
        let again = consumed
            .clone()
            .apply(
                payment::Event::Consume {
                    payment_id: "p2".into(),
                },
                t0(),
            )
            .unwrap_err();
        assert_eq!(code(&again.error), "UK.OBIE.Resource.InvalidConsentStatus");
        assert_eq!(
            again.error.to_string(),
            "cannot create a payment order: the consent is Consumed"
        );
        assert_eq!(again.state, consumed);
        let awaiting: PaymentConsent = awaiting(PaymentKind::Domestic).into();
        let early = awaiting
            .apply(
                payment::Event::Consume {
                    payment_id: "p".into(),
                },
                t0(),
            )
            .unwrap_err();
        assert_eq!(code(&early.error), "UK.OBIE.Resource.InvalidConsentStatus");
    }

    #[test]
    fn time_going_backwards_is_a_caller_bug() {
        let r = awaiting(PaymentKind::Domestic)
            .authorise("u", "a", t0() - Duration::seconds(1))
            .unwrap_err();
        assert!(matches!(r.error, ConsentError::TimeWentBackwards { .. }));
        assert_eq!(r.error.to_api_error().status, 500);
    }
}

mod account_access {
    use super::*;
    use ais::{AccountAccessConsent, AwaitingAuthorisation, ConsentInfo};

    fn info(created: Instant, expiration: Option<Instant>) -> ConsentInfo {
        ConsentInfo {
            id: "aac_1".into(),
            client_id: "client_1".into(),
            created,
            permissions: Permissions::validate(&[P::ReadAccountsBasic]).unwrap(),
            expiration,
            transaction_from: None,
            transaction_to: None,
        }
    }

    #[test]
    fn consents_before_august_2022_last_ninety_days() {
        let created = Utc.with_ymd_and_hms(2022, 7, 31, 23, 59, 59).unwrap();
        assert_eq!(
            info(created, None).expires_at(),
            Some(created + Duration::days(90))
        );
        let sooner = created + Duration::days(30);
        assert_eq!(info(created, Some(sooner)).expires_at(), Some(sooner));
        // An ExpirationDateTime after the 90 days does not extend them.
        let later = created + Duration::days(120);
        assert_eq!(
            info(created, Some(later)).expires_at(),
            Some(created + Duration::days(90))
        );
    }

    #[test]
    fn consents_from_august_2022_are_long_lived() {
        let created = Utc.with_ymd_and_hms(2022, 8, 1, 0, 0, 0).unwrap();
        assert_eq!(info(created, None).expires_at(), None);
        assert!(!info(created, None).is_expired(created + Duration::days(3650)));
        let exp = created + Duration::days(400);
        assert_eq!(info(created, Some(exp)).expires_at(), Some(exp));
        assert!(info(created, Some(exp)).is_expired(exp));
    }

    #[test]
    fn expiry_is_enforced() {
        let exp = t0() + Duration::days(10);
        let c = AwaitingAuthorisation::new(info(t0(), Some(exp)))
            .unwrap()
            .authorise("u", vec!["acc_1".into()], t0())
            .unwrap();
        c.check_active(exp - Duration::seconds(1)).unwrap();
        let e = c.check_active(exp).unwrap_err();
        assert_eq!(code(&e), "UK.OBIE.Resource.InvalidConsentStatus");
        let r = c.reauthenticate(exp + Duration::days(1)).unwrap_err();
        assert!(matches!(r.error, ConsentError::ConsentExpired { .. }));
    }

    #[test]
    fn creation_rules() {
        let e = AwaitingAuthorisation::new(info(t0(), Some(t0()))).unwrap_err();
        assert_eq!(code(&e), "UK.OBIE.Field.Invalid");
        let mut bad_range = info(t0(), None);
        bad_range.transaction_from = Some(t0());
        bad_range.transaction_to = Some(t0() - Duration::days(1));
        let e = AwaitingAuthorisation::new(bad_range).unwrap_err();
        assert_eq!(
            e.to_api_error().field_path(),
            Some("Data.TransactionToDateTime")
        );
    }

    #[test]
    fn reauthentication_moves_the_sca_time() {
        let c = AwaitingAuthorisation::new(info(t0(), None))
            .unwrap()
            .authorise("u", vec!["acc_1".into()], t0())
            .unwrap();
        let later = t0() + Duration::days(100);
        let c = c.reauthenticate(later).unwrap();
        assert_eq!(c.approval.last_sca, later);
        assert_eq!(c.approval.at, t0());
    }

    #[test]
    fn statuses_and_refusals() {
        let c: AccountAccessConsent = AwaitingAuthorisation::new(info(t0(), None)).unwrap().into();
        assert_eq!(c.status().as_str(), "AwaitingAuthorisation");
        let e = c.check_active(t0()).unwrap_err();
        assert_eq!(code(&e), "UK.OBIE.Resource.InvalidConsentStatus");
        let none = c
            .clone()
            .apply(
                ais::Event::Authorise {
                    user_id: "u".into(),
                    account_ids: vec![],
                },
                t0(),
            )
            .unwrap_err();
        assert_eq!(none.state, c);
        let revoked = c.apply(ais::Event::Revoke, t0()).unwrap();
        assert_eq!(revoked.status().as_str(), "Revoked");
        let r = revoked.apply(ais::Event::Reauthenticate, t0()).unwrap_err();
        assert_eq!(
            r.error.to_string(),
            "cannot re-authenticate: the consent is Revoked"
        );
    }
}

mod variable_recurring {
    use super::*;
    use vrp::{AwaitingAuthorisation, ControlParameters, PeriodType, PeriodicLimit};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn control() -> ControlParameters {
        ControlParameters {
            valid_from: Some(t0()),
            valid_to: Some(t0() + Duration::days(365)),
            maximum_individual_amount: d("100"),
            periodic_limits: vec![
                PeriodicLimit {
                    period: PeriodType::Day,
                    amount: d("150"),
                },
                PeriodicLimit {
                    period: PeriodType::Month,
                    amount: d("400"),
                },
            ],
        }
    }

    fn authorised() -> vrp::Authorised {
        AwaitingAuthorisation::new("vrp_1", "client_1", t0(), control())
            .authorise("u", "a", t0())
            .unwrap()
    }

    #[test]
    fn control_parameters_are_enforced() {
        let mut c = authorised();
        let fails = |e: ConsentError| assert_eq!(code(&e), "UK.OBIE.Rules.FailsControlParameters");
        fails(c.pay("p0", d("100.01"), "GBP", t0()).unwrap_err());
        c.pay("p1", d("100"), "GBP", t0()).unwrap();
        fails(c.pay("p2", d("50.01"), "GBP", t0()).unwrap_err());
        c.pay("p2", d("50"), "GBP", t0() + Duration::hours(1))
            .unwrap();
        // Next day: the daily limit resets, the monthly one does not.
        let next = t0() + Duration::days(1);
        c.pay("p3", d("100"), "GBP", next).unwrap();
        c.pay("p4", d("100"), "GBP", next + Duration::days(1))
            .unwrap();
        let e = c
            .pay("p5", d("50.01"), "GBP", next + Duration::days(2))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "payment fails the consent's control parameters: 50.01 on top of 350 already paid this month is over the limit of 400"
        );
        // The month aligned to the consent's creation (1 March) ends on 31 March.
        c.pay(
            "p5",
            d("100"),
            "GBP",
            Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap(),
        )
        .unwrap();
        assert_eq!(c.payments.len(), 5);
        let e = c
            .pay(
                "p6",
                d("1"),
                "EUR",
                Utc.with_ymd_and_hms(2025, 4, 2, 0, 0, 0).unwrap(),
            )
            .unwrap_err();
        assert_eq!(code(&e), "UK.OBIE.Unsupported.Currency");
        let e = c
            .pay("p6", d("1"), "GBP", t0() + Duration::days(366))
            .unwrap_err();
        fails(e);
    }

    #[test]
    fn no_payment_before_valid_from() {
        let mut cp = control();
        cp.valid_from = Some(t0() + Duration::days(2));
        let mut c = AwaitingAuthorisation::new("vrp_1", "client_1", t0(), cp)
            .authorise("u", "a", t0())
            .unwrap();
        let e = c
            .pay("p", d("1"), "GBP", t0() + Duration::days(1))
            .unwrap_err();
        let api = e.to_api_error();
        assert_eq!(
            api.details[0].code.as_str(),
            "UK.OBIE.Rules.FailsControlParameters"
        );
        assert_eq!(
            api.field_path(),
            None,
            "the window is not a field of the request"
        );
        c.pay("p", d("1"), "GBP", t0() + Duration::days(2)).unwrap();
        // ValidToDateTime is the first instant a payment is refused.
        let e = c
            .pay("q", d("1"), "GBP", t0() + Duration::days(365))
            .unwrap_err();
        assert_eq!(code(&e), "UK.OBIE.Rules.FailsControlParameters");
        let e = c
            .pay("q", d("100.01"), "GBP", t0() + Duration::days(3))
            .unwrap_err();
        assert_eq!(
            e.to_api_error().field_path(),
            Some("Data.Instruction.InstructedAmount.Amount")
        );
    }

    #[test]
    fn huge_amounts_and_far_dates_do_not_panic() {
        let mut cp = control();
        cp.maximum_individual_amount = Decimal::MAX;
        cp.periodic_limits = vec![PeriodicLimit {
            period: PeriodType::Year,
            amount: Decimal::MAX,
        }];
        cp.valid_to = None;
        let mut c = AwaitingAuthorisation::new("vrp_1", "client_1", t0(), cp)
            .authorise("u", "a", t0())
            .unwrap();
        c.pay("p1", Decimal::MAX, "GBP", t0()).unwrap();
        let e = c.pay("p2", Decimal::MAX, "GBP", t0()).unwrap_err();
        assert_eq!(code(&e), "UK.OBIE.Rules.FailsControlParameters");
        let far = chrono::DateTime::<Utc>::MAX_UTC;
        // A new yearly period at the end of time: accepted, without overflow.
        c.pay("p3", d("1"), "GBP", far).unwrap();
        let max = chrono::NaiveDate::MAX;
        for period in [
            PeriodType::Day,
            PeriodType::Week,
            PeriodType::Month,
            PeriodType::Year,
        ] {
            let (start, end) = period.period_containing(t0().date_naive(), max);
            assert!(start <= max && end == max, "{period:?}: {start}..{end}");
        }
        let e = ob_consent::payment_rules::check_daily_limit(Decimal::MAX, Decimal::MAX, d("1"))
            .unwrap_err();
        assert!(matches!(e, ConsentError::DailyLimitExceeded { .. }));
        // Payment consents and tokens created at the end of time saturate rather than panic.
        let p =
            payment::AwaitingAuthorisation::new("x", "c", payment::PaymentKind::International, far);
        assert_eq!(p.info.creation_deadline(), far);
        assert!(p.authorise("u", "a", far).is_err());
    }

    #[test]
    fn periods_align_to_the_consent_date() {
        let date = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let anchor = date(2025, 1, 31);
        assert_eq!(
            PeriodType::Month.period_containing(anchor, date(2025, 3, 1)),
            (date(2025, 2, 28), date(2025, 3, 31))
        );
        assert_eq!(
            PeriodType::Month.period_containing(anchor, date(2025, 2, 27)),
            (date(2025, 1, 31), date(2025, 2, 28))
        );
        assert_eq!(
            PeriodType::Week.period_containing(date(2025, 1, 1), date(2025, 1, 15)),
            (date(2025, 1, 15), date(2025, 1, 22))
        );
        assert_eq!(
            PeriodType::Year.period_containing(date(2024, 2, 29), date(2025, 3, 1)),
            (date(2025, 2, 28), date(2026, 2, 28))
        );
        assert_eq!(
            PeriodType::Day.period_containing(anchor, anchor),
            (anchor, date(2025, 2, 1))
        );
    }

    #[test]
    fn deleted_consents_take_no_payments() {
        let c = vrp::VrpConsent::Authorised(authorised());
        let deleted = c.apply(vrp::Event::Delete, t0()).unwrap();
        assert_eq!(deleted.status(), None);
        let r = deleted
            .apply(
                vrp::Event::Pay {
                    payment_id: "p".into(),
                    amount: d("1"),
                    currency: "GBP".into(),
                },
                t0(),
            )
            .unwrap_err();
        assert_eq!(code(&r.error), "UK.OBIE.Resource.InvalidConsentStatus");
    }

    #[test]
    fn approval_after_valid_to_is_refused() {
        let r = AwaitingAuthorisation::new("vrp_1", "client_1", t0(), control())
            .authorise("u", "a", t0() + Duration::days(366))
            .unwrap_err();
        assert!(matches!(r.error, ConsentError::ConsentExpired { .. }));
    }

    proptest! {
        /// Whatever payments are attempted, those accepted respect every limit.
        #[test]
        fn accepted_payments_respect_every_limit(
            attempts in prop::collection::vec((0i64..400 * 24, 1u32..=12_000), 1..60)
        ) {
            let mut c = authorised();
            let mut at = t0();
            for (i, (step_hours, pence)) in attempts.into_iter().enumerate() {
                at += Duration::hours(step_hours % 72);
                let amount = Decimal::new(i64::from(pence), 2);
                let before = c.payments.len();
                match c.pay(format!("p{i}"), amount, "GBP", at) {
                    Ok(()) => prop_assert_eq!(c.payments.len(), before + 1),
                    Err(_) => prop_assert_eq!(c.payments.len(), before),
                }
            }
            let cp = control();
            for p in &c.payments {
                prop_assert!(p.amount <= cp.maximum_individual_amount);
                prop_assert!(cp.valid_from.is_none_or(|f| p.at >= f));
                prop_assert!(cp.valid_to.is_none_or(|v| p.at <= v));
                for limit in &cp.periodic_limits {
                    let (start, end) = limit.period.period_containing(t0().date_naive(), p.at.date_naive());
                    let total: Decimal = c.payments.iter()
                        .filter(|q| q.at.date_naive() >= start && q.at.date_naive() < end)
                        .map(|q| q.amount)
                        .sum();
                    prop_assert!(total <= limit.amount, "{:?} period {}..{}: {}", limit.period, start, end, total);
                }
            }
        }
    }
}

mod funds_confirmation {
    use super::*;
    use funds::{AwaitingAuthorisation, ConsentInfo, FundsConsent};

    #[test]
    fn lifecycle_and_expiry() {
        let exp = t0() + Duration::days(30);
        let info = ConsentInfo {
            id: "cof_1".into(),
            client_id: "c".into(),
            created: t0(),
            expiration: Some(exp),
        };
        let c = AwaitingAuthorisation::new(info.clone())
            .unwrap()
            .authorise("u", "a", t0())
            .unwrap();
        c.check_active(exp - Duration::seconds(1)).unwrap();
        assert_eq!(
            code(&c.check_active(exp).unwrap_err()),
            "UK.OBIE.Resource.InvalidConsentStatus"
        );
        let c: FundsConsent = FundsConsent::Authorised(c)
            .apply(funds::Event::Revoke, t0())
            .unwrap();
        assert_eq!(c.status().as_str(), "Revoked");
        let late = AwaitingAuthorisation::new(info)
            .unwrap()
            .authorise("u", "a", exp)
            .unwrap_err();
        assert!(matches!(late.error, ConsentError::ConsentExpired { .. }));
    }
}

// ---- property tests over whole event sequences ----

fn arb_step() -> impl Strategy<Value = i64> {
    // Seconds between events: mostly forward, sometimes backwards, sometimes days.
    prop_oneof![
        3 => 0i64..3_600,
        2 => 0i64..200_000,
        1 => -600i64..0,
    ]
}

fn arb_payment_event() -> impl Strategy<Value = payment::Event> {
    prop_oneof![
        Just(payment::Event::Authorise {
            user_id: "u".into(),
            account_id: "a".into()
        }),
        Just(payment::Event::Reject),
        Just(payment::Event::Consume {
            payment_id: "p".into()
        }),
    ]
}

fn arb_kind() -> impl Strategy<Value = payment::PaymentKind> {
    use payment::PaymentKind::*;
    prop_oneof![
        Just(Domestic),
        Just(DomesticScheduled),
        Just(DomesticStandingOrder),
        Just(International)
    ]
}

fn check_payment_invariants(c: &payment::PaymentConsent) -> Result<(), TestCaseError> {
    use payment::PaymentConsent as C;
    let info = c.info();
    match c {
        C::AwaitingAuthorisation(_) => {}
        C::Authorised(s) => {
            prop_assert!(s.approval.at >= info.created);
            prop_assert!(s.approval.at <= info.creation_deadline());
            prop_assert!(info.cut_off().is_none_or(|cut| s.approval.at <= cut));
        }
        C::Rejected(s) => prop_assert!(s.at >= info.created),
        C::Consumed(s) => {
            prop_assert!(s.approval.at >= info.created);
            prop_assert!(s.at >= s.approval.at);
            prop_assert!(s.at <= info.created + payment::CREATION_WINDOW);
            prop_assert!(s.at <= s.approval.at + payment::APPROVAL_WINDOW);
            prop_assert!(info.cut_off().is_none_or(|cut| s.at <= cut));
        }
    }
    let status = c.status();
    prop_assert_eq!(
        status.as_str(),
        match c {
            C::AwaitingAuthorisation(_) => "AwaitingAuthorisation",
            C::Authorised(_) => "Authorised",
            C::Rejected(_) => "Rejected",
            C::Consumed(_) => "Consumed",
        }
    );
    Ok(())
}

fn arb_ais_event() -> impl Strategy<Value = ais::Event> {
    prop_oneof![
        Just(ais::Event::Authorise {
            user_id: "u".into(),
            account_ids: vec!["acc_1".into()]
        }),
        Just(ais::Event::Authorise {
            user_id: "u".into(),
            account_ids: vec![]
        }),
        Just(ais::Event::Reject),
        Just(ais::Event::Reauthenticate),
        Just(ais::Event::Revoke),
    ]
}

fn ais_info(created: Instant, expiration_days: Option<i64>) -> ais::ConsentInfo {
    ais::ConsentInfo {
        id: "aac".into(),
        client_id: "c".into(),
        created,
        permissions: Permissions::validate(&[P::ReadAccountsDetail]).unwrap(),
        expiration: expiration_days.map(|d| created + Duration::days(d)),
        transaction_from: None,
        transaction_to: None,
    }
}

fn arb_created() -> impl Strategy<Value = Instant> {
    // Around Monzo's 2022-08-01 change.
    (0i64..4 * 365 * 86_400)
        .prop_map(|s| Utc.with_ymd_and_hms(2020, 8, 1, 0, 0, 0).unwrap() + Duration::seconds(s))
}

proptest! {
    /// No sequence of events takes a payment consent to a state that breaks Monzo's timing or
    /// OBIE's transitions; a refused event leaves the consent exactly as it was; a terminal
    /// consent refuses everything.
    #[test]
    fn payment_consents_never_reach_an_illegal_state(
        kind in arb_kind(),
        steps in prop::collection::vec((arb_payment_event(), arb_step()), 0..12),
    ) {
        let mut state: payment::PaymentConsent = payment::AwaitingAuthorisation::new("id", "c", kind, t0()).into();
        let mut now = t0();
        for (event, step) in steps {
            now += Duration::seconds(step);
            let before = state.clone();
            let terminal = matches!(before, payment::PaymentConsent::Rejected(_) | payment::PaymentConsent::Consumed(_));
            match state.apply(event, now) {
                Ok(next) => {
                    prop_assert!(!terminal);
                    prop_assert!(next.last_event() >= before.last_event());
                    state = next;
                }
                Err(refused) => {
                    prop_assert_eq!(&refused.state, &before);
                    state = refused.state;
                }
            }
            check_payment_invariants(&state)?;
        }
    }

    /// The same for account-access consents.
    #[test]
    fn account_access_consents_never_reach_an_illegal_state(
        created in arb_created(),
        expiration_days in prop::option::of(1i64..200),
        steps in prop::collection::vec((arb_ais_event(), arb_step()), 0..12),
    ) {
        use ais::AccountAccessConsent as C;
        let info = ais_info(created, expiration_days);
        let mut state: C = ais::AwaitingAuthorisation::new(info).unwrap().into();
        let mut now = created;
        for (event, step) in steps {
            now += Duration::seconds(step * 100);
            let before = state.clone();
            match state.apply(event, now) {
                Ok(next) => {
                    prop_assert!(!matches!(before, C::Revoked(_)), "Revoked is final");
                    if matches!(before, C::Rejected(_)) {
                        prop_assert!(matches!(next, C::Revoked(_)), "a rejected consent can only be deleted");
                    }
                    state = next;
                }
                Err(refused) => {
                    prop_assert_eq!(&refused.state, &before);
                    state = refused.state;
                }
            }
            if let C::Authorised(s) = &state {
                prop_assert!(s.approval.at >= s.info.created);
                prop_assert!(s.approval.last_sca >= s.approval.at);
                prop_assert!(!s.approval.account_ids.is_empty());
                // Authorised and re-authenticated only while not expired.
                prop_assert!(!s.info.is_expired(s.approval.last_sca));
            }
        }
    }

    /// Once expired, always expired: expiry is monotonic in `now`.
    #[test]
    fn expiry_is_monotonic_in_now(
        created in arb_created(),
        expiration_days in prop::option::of(1i64..200),
        a in 0i64..400 * 86_400,
        b in 0i64..400 * 86_400,
        kind in arb_kind(),
        approval_delay in 0i64..30 * 3_600,
    ) {
        let (t1, t2) = (created + Duration::seconds(a.min(b)), created + Duration::seconds(a.max(b)));
        let info = ais_info(created, expiration_days);
        prop_assert!(!info.is_expired(t1) || info.is_expired(t2));

        let awaiting = payment::AwaitingAuthorisation::new("id", "c", kind, created);
        let open: payment::PaymentConsent = awaiting.clone().into();
        prop_assert!(!open.is_expired(t1) || open.is_expired(t2));
        if let Ok(auth) = awaiting.authorise("u", "a", created + Duration::seconds(approval_delay)) {
            let auth: payment::PaymentConsent = auth.into();
            prop_assert!(!auth.is_expired(t1) || auth.is_expired(t2));
        }

        let cof = funds::ConsentInfo { id: "f".into(), client_id: "c".into(), created, expiration: info.expiration };
        prop_assert!(!cof.is_expired(t1) || cof.is_expired(t2));
    }

    /// No sequence of events takes a VRP consent to an illegal state; refusals change nothing;
    /// a deleted consent is final.
    #[test]
    fn vrp_consents_never_reach_an_illegal_state(
        steps in prop::collection::vec((arb_vrp_event(), arb_step()), 0..16),
    ) {
        use vrp::VrpConsent as C;
        let control = vrp::ControlParameters {
            valid_from: None,
            valid_to: Some(t0() + Duration::days(3)),
            maximum_individual_amount: Decimal::new(5_000, 2),
            periodic_limits: vec![vrp::PeriodicLimit { period: vrp::PeriodType::Day, amount: Decimal::new(8_000, 2) }],
        };
        let mut state = C::AwaitingAuthorisation(vrp::AwaitingAuthorisation::new("v", "c", t0(), control));
        let mut now = t0();
        for (event, step) in steps {
            now += Duration::seconds(step * 10);
            let before = state.clone();
            match state.apply(event, now) {
                Ok(next) => {
                    prop_assert!(!matches!(before, C::Deleted(_)), "Deleted is final");
                    state = next;
                }
                Err(refused) => {
                    prop_assert_eq!(&refused.state, &before);
                    state = refused.state;
                }
            }
            let payments = match &state {
                C::Authorised(s) => &s.payments,
                C::Deleted(s) => &s.payments,
                _ => continue,
            };
            for p in payments {
                prop_assert!(p.amount <= Decimal::new(5_000, 2));
                prop_assert!(p.at < t0() + Duration::days(3));
                let day_total: Decimal = payments.iter().filter(|q| q.at.date_naive() == p.at.date_naive()).map(|q| q.amount).sum();
                prop_assert!(day_total <= Decimal::new(8_000, 2));
            }
        }
    }

    /// The same for funds-confirmation consents.
    #[test]
    fn funds_consents_never_reach_an_illegal_state(
        expiration_days in prop::option::of(1i64..5),
        steps in prop::collection::vec((arb_funds_event(), arb_step()), 0..12),
    ) {
        use funds::FundsConsent as C;
        let info = funds::ConsentInfo {
            id: "f".into(),
            client_id: "c".into(),
            created: t0(),
            expiration: expiration_days.map(|d| t0() + Duration::days(d)),
        };
        let mut state = C::AwaitingAuthorisation(funds::AwaitingAuthorisation::new(info).unwrap());
        let mut now = t0();
        for (event, step) in steps {
            now += Duration::seconds(step * 10);
            let before = state.clone();
            match state.apply(event, now) {
                Ok(next) => {
                    prop_assert!(!matches!(before, C::Revoked(_)), "Revoked is final");
                    state = next;
                }
                Err(refused) => {
                    prop_assert_eq!(&refused.state, &before);
                    state = refused.state;
                }
            }
            if let C::Authorised(s) = &state {
                prop_assert!(s.authorised_at >= s.info.created);
                prop_assert!(!s.info.is_expired(s.authorised_at));
            }
        }
    }
}

fn arb_vrp_event() -> impl Strategy<Value = vrp::Event> {
    prop_oneof![
        1 => Just(vrp::Event::Authorise { user_id: "u".into(), account_id: "a".into() }),
        1 => Just(vrp::Event::Reject),
        1 => Just(vrp::Event::Delete),
        5 => (1i64..6_000).prop_map(|pence| vrp::Event::Pay {
            payment_id: format!("p{pence}"),
            amount: Decimal::new(pence, 2),
            currency: "GBP".into(),
        }),
    ]
}

fn arb_funds_event() -> impl Strategy<Value = funds::Event> {
    prop_oneof![
        Just(funds::Event::Authorise {
            user_id: "u".into(),
            account_id: "a".into()
        }),
        Just(funds::Event::Reject),
        Just(funds::Event::Revoke),
    ]
}
