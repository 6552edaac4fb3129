//! Table-driven tests of every consent rule in this crate, each with the error code it maps to.

mod lifecycle;
mod payment_rules;
mod tokens;

use monzo_model::accounts::{OBReadConsent1DataPermissions as P, OBReadPot1, OBReadTransaction6};
use ob_consent::frequency::{Frequency, MonzoSchedule, QuarterDays};
use ob_consent::permissions::Permissions;
use ob_consent::ConsentError;
use ob_model::decode;

#[test]
fn permission_rules() {
    use P::*;
    let cases: &[(&[P], Result<(), &str>)] = &[
        (&[], Err("UK.OBIE.Field.Invalid")),
        (&[ReadBalances], Err("UK.OBIE.Field.Invalid")),
        (&[ReadAccountsBasic], Ok(())),
        (&[ReadAccountsDetail, ReadBalances], Ok(())),
        (&[ReadAccountsBasic, ReadAccountsDetail], Ok(())),
        (
            &[ReadAccountsBasic, ReadTransactionsBasic],
            Err("UK.OBIE.Field.Invalid"),
        ),
        (
            &[ReadAccountsBasic, ReadTransactionsCredits],
            Err("UK.OBIE.Field.Invalid"),
        ),
        (
            &[
                ReadAccountsBasic,
                ReadTransactionsDetail,
                ReadTransactionsDebits,
            ],
            Ok(()),
        ),
        (
            &[ReadAccountsBasic, ReadBeneficiariesBasic],
            Err("UK.OBIE.Field.Invalid"),
        ),
        (&[ReadAccountsBasic, ReadPAN], Err("UK.OBIE.Field.Invalid")),
    ];
    for (requested, want) in cases {
        let got = Permissions::validate(requested);
        match (want, &got) {
            (Ok(()), Ok(_)) => {}
            (Err(code), Err(e)) => {
                let api = e.to_api_error();
                assert_eq!(api.details[0].code.as_str(), *code, "{requested:?}");
                assert_eq!(api.status, 400);
                assert_eq!(api.field_path(), Some("Data.Permissions"));
            }
            _ => panic!("{requested:?}: expected {want:?}, got {got:?}"),
        }
    }
    let unknown =
        Permissions::validate(&[P::ReadAccountsBasic, P::from_code("ReadEverything")]).unwrap_err();
    assert_eq!(
        unknown,
        ConsentError::UnsupportedPermission {
            permission: "ReadEverything".into()
        }
    );
}

#[test]
fn detail_implies_basic() {
    let p = Permissions::validate(&[P::ReadAccountsDetail]).unwrap();
    assert!(p.grants(&P::ReadAccountsBasic));
    let p = Permissions::validate(&[P::ReadAccountsBasic]).unwrap();
    assert!(!p.grants(&P::ReadAccountsDetail));
}

const POTS: &str = r#"{"Data":{"Pot":[{"PotId":"pot_1","AccountId":"acc_1","Name":"Savings","Type":"default",
  "CreditDebitIndicator":"Debit","Balance":{"Amount":"5.0000","Currency":"GBP"},"Style":"cassette","ImageUrl":"https://x/i.png",
  "Created":"2019-02-21T17:13:39.315Z","Updated":"2019-02-21T17:13:39.315Z","Status":"Open"}]}}"#;

#[test]
fn basic_accounts_omit_account_and_servicer() {
    use monzo_model::accounts::OBReadAccount6;
    let body = r#"{"Data":{"Account":[{"AccountId":"acc_1","Currency":"GBP","AccountType":"Personal","AccountSubType":"CurrentAccount","Description":"Personal Account",
      "Account":[{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"04000412345678","Name":"Jane"}],
      "Servicer":{"SchemeName":"UK.OBIE.BICFI","Identification":"MONZGB2L"}}]},"Links":{"Self":"https://x/"},"Meta":{}}"#;
    let basic = Permissions::validate(&[P::ReadAccountsBasic]).unwrap();
    let detail = Permissions::validate(&[P::ReadAccountsDetail]).unwrap();
    for (perms, kept) in [(&basic, false), (&detail, true)] {
        let mut doc: OBReadAccount6 = decode::from_str(body).unwrap();
        let account = &mut doc.data.account.as_mut().unwrap()[0];
        perms.redact_account(account);
        assert_eq!(account.account.is_some(), kept);
        assert_eq!(account.servicer.is_some(), kept);
        assert_eq!(account.description.as_deref(), Some("Personal Account"));
    }
}

#[test]
fn basic_pots_omit_name_and_image() {
    let basic = Permissions::validate(&[P::ReadAccountsBasic]).unwrap();
    let detail = Permissions::validate(&[P::ReadAccountsDetail]).unwrap();
    let mut pots: OBReadPot1 = decode::from_str(POTS).unwrap();
    detail.redact_pot(&mut pots.data.pot[0]);
    assert_eq!(pots.data.pot[0].name.as_deref(), Some("Savings"));
    basic.redact_pot(&mut pots.data.pot[0]);
    assert_eq!(
        (
            pots.data.pot[0].name.clone(),
            pots.data.pot[0].image_url.clone()
        ),
        (None, None)
    );
    assert_eq!(pots.data.pot[0].style, "cassette");
}

#[test]
fn basic_transactions_omit_detail_fields() {
    let body = r#"{"Data":{"Transaction":[{"AccountId":"acc_1","CreditDebitIndicator":"Credit","Status":"Booked",
      "BookingDateTime":"2022-02-25T10:35:39.636Z","TransactionInformation":"Mr. Payroll Services",
      "Amount":{"Amount":"150.0000","Currency":"GBP"},
      "DebtorAccount":{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"12345612345678","Name":"Mr Payroll"}}]},
      "Links":{"Self":"https://x/"},"Meta":{}}"#;
    let basic = Permissions::validate(&[
        P::ReadAccountsBasic,
        P::ReadTransactionsBasic,
        P::ReadTransactionsCredits,
    ])
    .unwrap();
    let mut doc: OBReadTransaction6 = decode::from_str(body).unwrap();
    let tx = &mut doc.data.transaction.as_mut().unwrap()[0];
    basic.redact_transaction(tx);
    assert_eq!(tx.transaction_information, None);
    assert_eq!(tx.debtor_account, None);
    assert_eq!(tx.amount.amount.to_string(), "150.0000");
    assert!(basic.shows_direction(true));
    assert!(!basic.shows_direction(false));
}

#[test]
fn basic_standing_orders_and_scheduled_payments_omit_the_creditor() {
    use monzo_model::accounts::{OBReadScheduledPayment3, OBReadStandingOrder6};
    let creditor = r#""CreditorAccount":{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"80200112345678","Name":"Landlord"}"#;
    let so = format!(
        r#"{{"Data":{{"StandingOrder":[{{"AccountId":"acc_1","Frequency":"EvryDay","Reference":"Rent",{creditor}}}]}},"Links":{{"Self":"https://x/"}},"Meta":{{}}}}"#
    );
    let sp = format!(
        r#"{{"Data":{{"ScheduledPayment":[{{"AccountId":"acc_1","ScheduledPaymentDateTime":"2025-07-01T00:00:00Z","ScheduledType":"Execution","InstructedAmount":{{"Amount":"5.00","Currency":"GBP"}},{creditor}}}]}},"Links":{{"Self":"https://x/"}},"Meta":{{}}}}"#
    );
    let basic = Permissions::validate(&[
        P::ReadAccountsBasic,
        P::ReadStandingOrdersBasic,
        P::ReadScheduledPaymentsBasic,
    ])
    .unwrap();
    let detail = Permissions::validate(&[
        P::ReadAccountsBasic,
        P::ReadStandingOrdersDetail,
        P::ReadScheduledPaymentsDetail,
    ])
    .unwrap();
    for (perms, kept) in [(&basic, false), (&detail, true)] {
        let mut so: OBReadStandingOrder6 = decode::from_str(&so).unwrap();
        let order = &mut so.data.standing_order.as_mut().unwrap()[0];
        perms.redact_standing_order(order);
        assert_eq!(order.creditor_account.is_some(), kept);
        assert_eq!(order.reference.as_deref(), Some("Rent"));
        let mut sp: OBReadScheduledPayment3 = decode::from_str(&sp).unwrap();
        let payment = &mut sp.data.scheduled_payment.as_mut().unwrap()[0];
        perms.redact_scheduled_payment(payment);
        assert_eq!(payment.creditor_account.is_some(), kept);
    }
}

#[test]
fn frequency_grammar() {
    let valid = [
        ("EvryDay", Frequency::EveryDay),
        ("EvryWorkgDay", Frequency::EveryWorkingDay),
        ("IntrvlDay:02", Frequency::IntervalDay { days: 2 }),
        ("IntrvlDay:31", Frequency::IntervalDay { days: 31 }),
        (
            "IntrvlWkDay:01:03",
            Frequency::IntervalWeekDay {
                weeks: 1,
                weekday: 3,
            },
        ),
        (
            "WkInMnthDay:05:07",
            Frequency::WeekInMonthDay {
                week: 5,
                weekday: 7,
            },
        ),
        (
            "IntrvlMnthDay:01:-01",
            Frequency::IntervalMonthDay { months: 1, day: -1 },
        ),
        (
            "IntrvlMnthDay:24:31",
            Frequency::IntervalMonthDay {
                months: 24,
                day: 31,
            },
        ),
        (
            "QtrDay:ENGLISH",
            Frequency::QuarterDay(QuarterDays::English),
        ),
        (
            "QtrDay:RECEIVED",
            Frequency::QuarterDay(QuarterDays::Received),
        ),
    ];
    for (code, want) in valid {
        let f: Frequency = code.parse().unwrap_or_else(|e| panic!("{code}: {e}"));
        assert_eq!(f, want);
        assert_eq!(f.to_string(), code, "round trip");
    }
    for code in [
        "",
        "Daily",
        "EvryDay:01",
        "IntrvlDay:01",
        "IntrvlDay:32",
        "IntrvlDay:2",
        "IntrvlWkDay:00:03",
        "IntrvlWkDay:10:03",
        "IntrvlWkDay:01:08",
        "WkInMnthDay:06:01",
        "IntrvlMnthDay:07:01",
        "IntrvlMnthDay:01:-06",
        "IntrvlMnthDay:01:32",
        "IntrvlMnthDay:01:00",
        "QtrDay:WELSH",
        "evryday",
    ] {
        let err = code.parse::<Frequency>().unwrap_err();
        assert_eq!(
            err.to_api_error().details[0].code.as_str(),
            "UK.OBIE.Field.Invalid",
            "{code}"
        );
    }
}

#[test]
fn monzo_frequency_subset() {
    let supported = [
        ("EvryDay", MonzoSchedule::Daily),
        ("IntrvlWkDay:01:05", MonzoSchedule::Weekly { weeks: 1 }),
        ("IntrvlWkDay:02:01", MonzoSchedule::Weekly { weeks: 2 }),
        ("IntrvlWkDay:04:07", MonzoSchedule::Weekly { weeks: 4 }),
        ("IntrvlMnthDay:01:15", MonzoSchedule::Monthly { months: 1 }),
        ("IntrvlMnthDay:03:-01", MonzoSchedule::Monthly { months: 3 }),
        ("IntrvlMnthDay:12:01", MonzoSchedule::Monthly { months: 12 }),
    ];
    for (code, want) in supported {
        assert_eq!(Frequency::parse_for_monzo(code).unwrap(), want, "{code}");
    }
    for code in [
        "EvryWorkgDay",
        "IntrvlDay:07",
        "IntrvlWkDay:03:01",
        "WkInMnthDay:01:01",
        "IntrvlMnthDay:02:01",
        "IntrvlMnthDay:06:01",
        "QtrDay:ENGLISH",
    ] {
        let err = Frequency::parse_for_monzo(code).unwrap_err();
        assert_eq!(
            err,
            ConsentError::UnsupportedFrequency { code: code.into() }
        );
        let api = err.to_api_error();
        assert_eq!(
            api.details[0].code.as_str(),
            "UK.OBIE.Unsupported.Frequency"
        );
        assert_eq!(api.field_path(), Some("Data.Initiation.Frequency"));
    }
}

#[test]
fn error_messages() {
    let msgs: Vec<String> = [
        Permissions::validate(&[]).unwrap_err(),
        Permissions::validate(&[P::ReadBalances]).unwrap_err(),
        Permissions::validate(&[P::ReadAccountsBasic, P::ReadStatementsBasic]).unwrap_err(),
        "IntrvlDay:99".parse::<Frequency>().unwrap_err(),
        Frequency::parse_for_monzo("QtrDay:SCOTTISH").unwrap_err(),
        ConsentError::FieldMissing {
            path: "Data.Initiation.DestinationCountryCode",
        },
        ConsentError::InvalidDate {
            param: "toBookingDateTime",
            value: "yesterday".into(),
        },
        ConsentError::OutsideTransactionWindow {
            param: "fromBookingDateTime",
            requested: "2023-02-01T00:00:00+00:00..(open)".into(),
            allowed: "2022-01-01T00:00:00+00:00..2022-12-31T23:59:59+00:00".into(),
        },
        ConsentError::InvalidIdempotencyKey {
            key: " padded".into(),
        },
        ConsentError::IdempotencyKeyReused { key: "k1".into() },
        ConsentError::ScaTooOld {
            required: "5 minutes",
        },
        ConsentError::FieldUnexpected {
            path: "Data.Initiation.FinalPaymentDateTime",
            reason: "give NumberOfPayments or FinalPaymentDateTime, not both",
        },
        ConsentError::FieldInvalid {
            path: "Risk.BeneficiaryAccountType",
            expected: "Personal, Business".into(),
            found: "Charity".into(),
        },
        ConsentError::Unsupported {
            kind: ob_consent::Unsupported::AccountIdentifier,
            path: "Data.Initiation.CreditorAccount.Identification",
            expected: "a UK account".into(),
            found: "x".into(),
        },
        ConsentError::InvalidConsentStatus {
            action: "create a payment order",
            status: "Consumed",
        },
        ConsentError::ConsentExpired {
            expired_at: chrono::DateTime::UNIX_EPOCH,
        },
        ConsentError::AfterCutOff {
            cut_off: chrono::DateTime::UNIX_EPOCH,
        },
        ConsentError::ConsentMismatch {
            path: "Data.Initiation.InstructedAmount.Amount".into(),
            reason: "the consent has \"1.00\", the order has \"2.00\"".into(),
        },
        ConsentError::FailsControlParameters {
            reason: "2 is over the maximum individual amount of 1".into(),
            path: Some("Data.Instruction.InstructedAmount.Amount"),
        },
        ConsentError::DailyLimitExceeded {
            limit: 10_000.into(),
            sent_today: 9_999.into(),
            amount: 2.into(),
        },
        ConsentError::RefreshTokenInvalid {
            reason: "already used (refresh tokens are single use)",
        },
        ConsentError::RefreshTokenEvicted,
        ConsentError::AccessTokenInvalid,
        ConsentError::TokenNotFresh,
        ConsentError::TimeWentBackwards {
            now: chrono::DateTime::UNIX_EPOCH,
            last_event: chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(1),
        },
    ]
    .iter()
    .map(|e| {
        let api = e.to_api_error();
        format!("{e} => {api} ({:?} shape)", api.shape)
    })
    .collect();
    insta::assert_debug_snapshot!(msgs);
}

mod access {
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use ob_consent::access::{
        check_party_access, check_scheduled_payments_access, filter_direct_debits,
        filter_standing_orders, transaction_window, TransactionWindow,
    };
    use ob_model::accounts::{OBReadDirectDebit2, OBReadStandingOrder6};
    use ob_model::decode;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse::<ob_model::DateTime>().unwrap().utc()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn party_access_needs_sca_within_five_minutes() {
        assert!(
            check_party_access(now() - Duration::minutes(5) + Duration::seconds(1), now()).is_ok()
        );
        // Half-open: exactly five minutes later it is no longer recent.
        let err = check_party_access(now() - Duration::minutes(5), now()).unwrap_err();
        let api = err.to_api_error();
        assert_eq!(
            (api.status.as_u16(), api.details[0].code.as_str()),
            (403, "UK.MONZO.Forbidden")
        );
        // An SCA recorded just after `now` (a concurrent request) is recent.
        assert!(check_party_access(now() + Duration::seconds(1), now()).is_ok());
    }

    #[test]
    fn scheduled_payments_need_sca_within_90_days() {
        let ninety = Duration::days(90);
        assert!(
            check_scheduled_payments_access(now() - ninety + Duration::seconds(1), now()).is_ok()
        );
        assert!(check_scheduled_payments_access(now() - ninety, now()).is_err());
    }

    #[test]
    fn direct_debits_after_five_minutes_show_the_last_90_days() {
        let body = r#"{"Data":{"DirectDebit":[
          {"AccountId":"a","MandateIdentification":"m1","Name":"Recent","PreviousPaymentDateTime":"2024-05-01T00:00:00Z"},
          {"AccountId":"a","MandateIdentification":"m2","Name":"Old","PreviousPaymentDateTime":"2023-01-01T00:00:00Z"},
          {"AccountId":"a","MandateIdentification":"m3","Name":"Never collected"}]},
          "Links":{"Self":"https://x/"},"Meta":{}}"#;
        let doc: OBReadDirectDebit2 = decode::from_str(body).unwrap();
        let all = doc.data.direct_debit.clone().unwrap();
        let mut fresh = all.clone();
        filter_direct_debits(&mut fresh, now() - Duration::minutes(1), now());
        assert_eq!(fresh.len(), 3);
        let mut later = all;
        filter_direct_debits(&mut later, now() - Duration::hours(1), now());
        let names: Vec<&str> = later.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["Recent"]);
    }

    #[test]
    fn standing_orders_after_five_minutes_show_recent_and_future_ones() {
        let body = r#"{"Data":{"StandingOrder":[
          {"AccountId":"a","StandingOrderId":"recent","Frequency":"EvryDay","LastPaymentDateTime":"2024-05-30T00:00:00Z","FirstPaymentDateTime":"2024-01-01T00:00:00Z"},
          {"AccountId":"a","StandingOrderId":"old","Frequency":"EvryDay","LastPaymentDateTime":"2023-05-30T00:00:00Z","FirstPaymentDateTime":"2023-01-01T00:00:00Z"},
          {"AccountId":"a","StandingOrderId":"never-paid","Frequency":"EvryDay","FirstPaymentDateTime":"2024-01-01T00:00:00Z"},
          {"AccountId":"a","StandingOrderId":"future","Frequency":"EvryDay","FirstPaymentDateTime":"2024-07-01T00:00:00Z"}]},
          "Links":{"Self":"https://x/"},"Meta":{}}"#;
        let doc: OBReadStandingOrder6 = decode::from_str(body).unwrap();
        let mut items = doc.data.standing_order.clone().unwrap();
        filter_standing_orders(&mut items, now() - Duration::minutes(10), now());
        let ids: Vec<&str> = items
            .iter()
            .filter_map(|o| o.standing_order_id.as_deref())
            .collect();
        assert_eq!(ids, ["recent", "future"]);
    }

    #[test]
    fn transaction_window_is_the_overlap() {
        let cf = Some(t("2022-01-01T00:00:00Z"));
        let ct = Some(t("2022-12-31T23:59:59Z"));
        // Inside: as requested.
        let w = transaction_window(
            cf,
            ct,
            Some("2022-02-03T00:00:00Z"),
            Some("2022-03-01T00:00:00+01:00"),
        )
        .unwrap();
        assert_eq!(
            w,
            TransactionWindow {
                from: Some(t("2022-02-03T00:00:00Z")),
                to: Some(t("2022-02-28T23:00:00Z"))
            }
        );
        // Partly outside: clipped to the consent.
        let w = transaction_window(cf, ct, Some("2021-06-01T00:00:00Z"), None).unwrap();
        assert_eq!(w, TransactionWindow { from: cf, to: ct });
        assert!(w.contains(t("2022-06-01T00:00:00Z")) && !w.contains(t("2023-01-01T00:00:00Z")));
        // A time without a zone is read as UTC.
        let w = transaction_window(None, None, Some("2022-02-03T00:00:00"), None).unwrap();
        assert_eq!(w.from, Some(t("2022-02-03T00:00:00Z")));
        // No consent range, no request range: everything.
        assert_eq!(
            transaction_window(None, None, None, None).unwrap(),
            TransactionWindow {
                from: None,
                to: None
            }
        );
    }

    #[test]
    fn transaction_window_rejections() {
        let cf = Some(t("2022-01-01T00:00:00Z"));
        let ct = Some(t("2022-12-31T23:59:59Z"));
        let outside = transaction_window(cf, ct, Some("2023-02-01T00:00:00Z"), None).unwrap_err();
        let api = outside.to_api_error();
        assert_eq!(api.details[0].code.as_str(), "UK.OBIE.Field.InvalidDate");
        assert_eq!(api.field_path(), Some("fromBookingDateTime"));
        let before = transaction_window(cf, ct, None, Some("2021-02-01T00:00:00Z")).unwrap_err();
        assert_eq!(
            before.to_api_error().field_path(),
            Some("toBookingDateTime")
        );
        let reversed = transaction_window(
            None,
            None,
            Some("2022-03-01T00:00:00Z"),
            Some("2022-02-01T00:00:00Z"),
        )
        .unwrap_err();
        assert_eq!(
            reversed.to_api_error().field_path(),
            Some("toBookingDateTime")
        );
        for bad in ["yesterday", "2022-02-03", "1643846400"] {
            let err = transaction_window(cf, ct, Some(bad), None).unwrap_err();
            let api = err.to_api_error();
            assert_eq!(
                api.details[0].code.as_str(),
                "UK.OBIE.Field.InvalidDate",
                "{bad}"
            );
            assert_eq!(api.field_path(), Some("fromBookingDateTime"));
        }
        insta::assert_snapshot!(outside.to_string());
    }
}

mod idempotency {
    use chrono::{Duration, TimeZone, Utc};
    use ob_consent::idempotency::{check_key, Decision, Ledger};
    use ob_consent::ConsentError;

    #[test]
    fn key_rules() {
        for ok in [
            "a",
            "FRESCO.21302.GFX.20",
            &"k".repeat(40),
            "with inner space",
        ] {
            assert!(check_key(ok).is_ok(), "{ok:?}");
        }
        for bad in ["", " lead", "trail ", "\tx", &"k".repeat(41)] {
            let err = check_key(bad).unwrap_err();
            let api = err.to_api_error();
            assert_eq!(
                api.details[0].code.as_str(),
                "UK.OBIE.Header.Invalid",
                "{bad:?}"
            );
            assert_eq!(api.field_path(), Some("x-idempotency-key"));
        }
    }

    #[test]
    fn lifecycle() {
        let t0 = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
        let mut l: Ledger<&str> = Ledger::new();
        assert_eq!(l.begin("client-a", "k1", b"{}", t0).unwrap(), Decision::New);
        // A concurrent retry while the first is being handled.
        assert_eq!(
            l.begin("client-a", "k1", b"{}", t0).unwrap(),
            Decision::InFlight
        );
        l.complete("client-a", "k1", "payment-1");
        // Same key, same body, within 24 h: the first result, nothing new.
        assert_eq!(
            l.begin("client-a", "k1", b"{}", t0 + Duration::hours(23))
                .unwrap(),
            Decision::Replay("payment-1")
        );
        // Same key, different body: refused, and the first result is kept.
        let err = l
            .begin("client-a", "k1", b"{\"x\":1}", t0 + Duration::hours(1))
            .unwrap_err();
        assert_eq!(err, ConsentError::IdempotencyKeyReused { key: "k1".into() });
        let api = err.to_api_error();
        assert_eq!(
            (
                api.status.as_u16(),
                api.details[0].code.as_str(),
                api.field_path()
            ),
            (400, "UK.OBIE.Header.Invalid", Some("x-idempotency-key"))
        );
        assert_eq!(
            l.begin("client-a", "k1", b"{}", t0 + Duration::hours(2))
                .unwrap(),
            Decision::Replay("payment-1")
        );
        // Another client's key space is separate.
        assert_eq!(
            l.begin("client-b", "k1", b"{\"x\":1}", t0).unwrap(),
            Decision::New
        );
        // After 24 h the key starts afresh.
        assert_eq!(
            l.begin("client-a", "k1", b"{\"x\":1}", t0 + Duration::hours(24))
                .unwrap(),
            Decision::New
        );
    }

    #[test]
    fn abandon_and_purge() {
        let t0 = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
        let mut l: Ledger<u32> = Ledger::new();
        assert_eq!(l.begin("c", "k", b"1", t0).unwrap(), Decision::New);
        l.abandon("c", "k");
        assert_eq!(
            l.begin("c", "k", b"2", t0).unwrap(),
            Decision::New,
            "a failed request's key is free again"
        );
        l.complete("c", "k", 7);
        l.abandon("c", "k"); // a completed key is not forgotten
        assert_eq!(l.begin("c", "k", b"2", t0).unwrap(), Decision::Replay(7));
        l.purge(t0 + Duration::hours(24));
        assert!(l.is_empty());
    }

    #[test]
    fn purging_looks_at_the_keys_at_most_once_an_hour() {
        use ob_consent::idempotency::PURGE_INTERVAL;
        let t0 = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
        let mut l: Ledger<u32> = Ledger::new();
        l.begin("c", "old", b"1", t0).unwrap();
        l.purge(t0);
        let later = t0 + Duration::minutes(30);
        l.begin("c", "new", b"1", later).unwrap();
        // A day after the first key: the last purge was under an hour ago, so it stays ...
        let day = t0 + Duration::hours(24);
        l.purge(day - Duration::minutes(31));
        assert_eq!(l.len(), 2);
        // ... though it is treated as new, purged or not.
        assert_eq!(l.begin("c", "old", b"other", day).unwrap(), Decision::New);
        // An hour after the last purge, the expired key goes; the one used again stays.
        l.purge(later + Duration::hours(24) + PURGE_INTERVAL);
        assert_eq!(l.len(), 1);
        assert_eq!(
            l.begin("c", "old", b"other", day).unwrap(),
            Decision::InFlight
        );
    }
}
