//! Every account-information read needs its permission: a consent with every other permission
//! gets 403 with `UK.MONZO.Forbidden` (Monzo's code for a missing permission), and the same read
//! with the permission answers. `ReadParty` (the account's parties) and `ReadPartyPSU` (the
//! customer) are told apart.

use serde_json::{json, Value};

use crate::support::Tpp;

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const ACCOUNT: &str = "acc_0000A4C4ZSskDOixqNPfpR";
const POT: &str = "pot_qNPfpR0002";

/// Every permission the sandbox grants.
const ALL: &[&str] = &[
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
    "ReadParty",
    "ReadPartyPSU",
    "ReadDirectDebits",
    "ReadStandingOrdersDetail",
    "ReadScheduledPaymentsDetail",
];

/// An access token for a consent with `permissions`, approved as the heavy user.
fn token_for(tpp: &mut Tpp, permissions: &[&str]) -> String {
    let consent = tpp.consent(
        permissions,
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    tpp.authorise(&consent).access_token.expose().to_owned()
}

#[test]
fn every_ais_read_needs_its_permission() {
    // (path, the permissions that grant it)
    let reads: &[(String, &[&str])] = &[
        (format!("/accounts/{ACCOUNT}/balances"), &["ReadBalances"]),
        ("/balances".to_owned(), &["ReadBalances"]),
        (
            format!("/accounts/{ACCOUNT}/transactions"),
            &[
                "ReadTransactionsDetail",
                "ReadTransactionsCredits",
                "ReadTransactionsDebits",
            ],
        ),
        (
            "/transactions".to_owned(),
            &[
                "ReadTransactionsDetail",
                "ReadTransactionsCredits",
                "ReadTransactionsDebits",
            ],
        ),
        (
            format!("/pots/{POT}/transactions"),
            &[
                "ReadTransactionsDetail",
                "ReadTransactionsCredits",
                "ReadTransactionsDebits",
            ],
        ),
        ("/party".to_owned(), &["ReadPartyPSU"]),
        (format!("/accounts/{ACCOUNT}/party"), &["ReadParty"]),
        (format!("/accounts/{ACCOUNT}/parties"), &["ReadParty"]),
        (
            format!("/accounts/{ACCOUNT}/direct-debits"),
            &["ReadDirectDebits"],
        ),
        (
            format!("/accounts/{ACCOUNT}/standing-orders"),
            &["ReadStandingOrdersDetail"],
        ),
        (
            format!("/accounts/{ACCOUNT}/scheduled-payments"),
            &["ReadScheduledPaymentsDetail"],
        ),
    ];
    let mut tpp = Tpp::register();
    let everything = token_for(&mut tpp, ALL);
    for (path, grants) in reads {
        let others: Vec<&str> = ALL
            .iter()
            .copied()
            .filter(|p| !grants.contains(p))
            .collect();
        let without = token_for(&mut tpp, &others);
        let url = format!("/open-banking/v3.1/aisp{path}");
        let (status, body) = tpp.json("GET", &url, &without, None);
        assert_eq!(status, 403, "{path} without {grants:?}: {body}");
        assert_eq!(
            body["Code"], "forbidden.insufficient_permissions",
            "{path}: {body}"
        );
        assert_eq!(
            body["Errors"][0]["ErrorCode"], "UK.MONZO.Forbidden",
            "{path}: {body}"
        );
        let (status, body): (u16, Value) = tpp.json("GET", &url, &everything, None);
        assert_eq!(status, 200, "{path} with every permission: {body}");
    }
}
