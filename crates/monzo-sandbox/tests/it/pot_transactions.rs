//! The proposed `GET /pots/{PotId}/transactions` extension: every pot's complete history,
//! paged, validated as `OBReadPotTransaction1`, and reconciled to the penny with `pot-ledger`
//! against the balance `GET /pots` states; Basic redaction, `order`, and unknown pots; and
//! option B, `PotId` on main-account transactions with a `PotId` filter.

use monzo_model::accounts::OBReadPotTransaction1;
use monzo_model::ValidateMonzo;
use pot_ledger::{reconcile, Entry, Source, Statement};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::support::Tpp;

const HEAVY: &str = "user_0000A4C4ZChWNMEvew2U77";
const AISP: &str = "/open-banking/v3.1/aisp";

fn amount(v: &Value) -> Decimal {
    v["Amount"].as_str().unwrap().parse().unwrap()
}

fn signed(tx: &Value) -> Decimal {
    let a = amount(&tx["Amount"]);
    if tx["CreditDebitIndicator"] == "Credit" {
        a
    } else {
        -a
    }
}

/// Every page of a pot's history.
fn history(tpp: &mut Tpp, token: &str, pot: &str, query: &str) -> Vec<Value> {
    let mut url = format!("{AISP}/pots/{pot}/transactions{query}");
    let mut all = Vec::new();
    loop {
        let (status, page) = tpp.json("GET", &url, token, None);
        assert_eq!(status, 200, "{page}");
        let typed: OBReadPotTransaction1 = serde_json::from_value(page.clone()).unwrap();
        typed.validate_monzo().unwrap();
        all.extend(
            page["Data"]["Transaction"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
        match page["Links"]["Next"].as_str() {
            Some(next) => url = next.trim_start_matches(&tpp.url("")).to_owned(),
            None => break,
        }
    }
    all
}

#[test]
fn every_pot_s_history_reconciles_to_its_balance() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let (_, pots) = tpp.json("GET", &format!("{AISP}/pots"), &token, None);
    let pots = pots["Data"]["Pot"].as_array().unwrap().clone();
    assert!(pots.len() >= 3, "the heavy user has several pots");
    let mut entries = Vec::new();
    let mut statements = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let closing_at = monzo_sandbox::seed::seed_end() + chrono::Duration::days(365);
    for pot in &pots {
        let id = pot["PotId"].as_str().unwrap();
        let txs = history(&mut tpp, &token, id, "");
        assert!(!txs.is_empty(), "{id} has a history");
        for tx in &txs {
            assert_eq!(tx["PotId"], id);
            let source = Source::from_name(tx["Source"].as_str().unwrap());
            assert!(!matches!(source, Source::Other(_)), "{tx}");
            seen.insert(tx["Source"].as_str().unwrap().to_owned());
            // Everything but interest has a main-account side.
            assert_eq!(
                tx["MainAccountTransactionId"].is_string(),
                source != Source::Interest,
                "{tx}"
            );
            if source == Source::CardPayment {
                assert!(tx["MerchantDetails"]["MerchantName"].is_string(), "{tx}");
                assert_eq!(tx["CardInstrument"]["CardSchemeName"], "MasterCard");
            }
            let stated = amount(&tx["Balance"]["Amount"]);
            let stated = if tx["Balance"]["CreditDebitIndicator"] == "Debit" {
                -stated
            } else {
                stated
            };
            let booked =
                chrono::DateTime::parse_from_rfc3339(tx["BookingDateTime"].as_str().unwrap())
                    .unwrap()
                    .to_utc();
            entries.push(
                Entry::new(
                    tx["TransactionId"].as_str().unwrap(),
                    id,
                    booked,
                    signed(tx),
                    source,
                )
                .with_stated_balance(stated),
            );
        }
        let balance = amount(&pot["Balance"]);
        statements.push(Statement::new(id, Decimal::ZERO).closing(closing_at, balance));
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [
            "CardPayment",
            "DirectDebit",
            "Interest",
            "RoundUp",
            "TransferIn",
            "TransferOut"
        ]
    );
    let result = reconcile(entries, statements);
    assert!(
        result.is_reconciled(),
        "{}",
        pot_ledger::report::text(&result)
    );
    for (pot, reconciled) in pots.iter().zip(&result.pots) {
        assert_eq!(
            reconciled.closing,
            amount(&pot["Balance"]),
            "{}",
            reconciled.pot_id
        );
    }
}

#[test]
fn basic_redaction_order_and_unknown_pots() {
    let mut tpp = Tpp::register_in_process("openid accounts");
    let consent = tpp.consent(
        &[
            "ReadAccountsBasic",
            "ReadTransactionsBasic",
            "ReadTransactionsCredits",
        ],
        json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
    );
    let token = tpp.authorise(&consent).access_token.expose().to_owned();
    let (_, pots) = tpp.json("GET", &format!("{AISP}/pots"), &token, None);
    let pot = pots["Data"]["Pot"][0]["PotId"].as_str().unwrap().to_owned();
    let asc = history(&mut tpp, &token, &pot, "");
    assert!(!asc.is_empty());
    for tx in &asc {
        // Credits only, and Basic: no balance, no information.
        assert_eq!(tx["CreditDebitIndicator"], "Credit", "{tx}");
        assert!(
            tx.get("Balance").is_none() && tx.get("TransactionInformation").is_none(),
            "{tx}"
        );
        // The extension's own fields survive the typed redaction.
        assert!(
            tx["Source"].is_string() && tx["PotId"] == pot.as_str(),
            "{tx}"
        );
    }
    let desc = history(&mut tpp, &token, &pot, "?order=desc");
    let reversed: Vec<Value> = asc.iter().rev().cloned().collect();
    assert_eq!(desc, reversed);
    let (status, err) = tpp.json(
        "GET",
        &format!("{AISP}/pots/pot_nobody/transactions"),
        &token,
        None,
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["Errors"][0]["ErrorCode"], "UK.OBIE.Resource.NotFound");
}

#[test]
fn main_account_transfers_name_their_pot_and_filter_by_it() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let (_, pots) = tpp.json("GET", &format!("{AISP}/pots"), &token, None);
    let pot = pots["Data"]["Pot"][0].clone();
    let id = pot["PotId"].as_str().unwrap();
    let account = pot["AccountId"].as_str().unwrap();
    // The pot's transfers, as the pot sees them.
    let transfers: std::collections::BTreeSet<String> = history(&mut tpp, &token, id, "")
        .iter()
        .filter_map(|t| t["MainAccountTransactionId"].as_str().map(str::to_owned))
        .collect();
    assert!(!transfers.is_empty());
    // The same transfers, as the main account sees them with the filter.
    let mut url = format!("{AISP}/accounts/{account}/transactions?PotId={id}");
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let (status, page) = tpp.json("GET", &url, &token, None);
        assert_eq!(status, 200, "{page}");
        let typed: monzo_model::accounts::OBReadTransaction6 =
            serde_json::from_value(page.clone()).unwrap();
        typed.validate_monzo().unwrap();
        for tx in page["Data"]["Transaction"].as_array().unwrap() {
            assert_eq!(tx["SupplementaryData"]["PotId"], id, "{tx}");
            seen.insert(tx["TransactionId"].as_str().unwrap().to_owned());
        }
        match page["Links"]["Next"].as_str() {
            Some(next) => url = next.trim_start_matches(&tpp.url("")).to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, transfers);
    // A filter naming no pot of the account selects nothing (OBIE: no business data is a 200
    // with an empty array).
    let (status, page) = tpp.json(
        "GET",
        &format!("{AISP}/accounts/{account}/transactions?PotId=pot_nobody"),
        &token,
        None,
    );
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["Data"]["Transaction"], json!([]));
}

/// Today's-data mode on main-account data alone, as Monzo serves it now (no `PotId`, no pot
/// transactions): every pot's transfers are read from the main account's `uk_retail_pot`
/// transactions by the pot names, its snapshots are its creation and `GET /pots`, and what
/// the transfers leave unexplained is exactly the interest the pot's own history shows.
#[test]
fn todays_data_mode_leaves_exactly_the_interest_unattributed() {
    use monzo_model::accounts::{OBReadPot1, OBReadTransaction6};
    use pot_ledger::partial::{from_open_banking, infer, open_banking_snapshots, pot_names};

    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let (_, pots_doc) = tpp.json("GET", &format!("{AISP}/pots"), &token, None);
    let pots: OBReadPot1 = serde_json::from_value(pots_doc).unwrap();
    let pots = pots.data.pot.clone();
    // Every page of the main account's history, without the proposed PotId.
    let mut url = format!("{AISP}/accounts/acc_0000A4C4ZSskDOixqNPfpR/transactions");
    let mut main = Vec::new();
    loop {
        let (status, mut page) = tpp.json("GET", &url, &token, None);
        assert_eq!(status, 200);
        for t in page["Data"]["Transaction"].as_array_mut().unwrap() {
            t["SupplementaryData"]
                .as_object_mut()
                .unwrap()
                .remove("PotId");
        }
        let next = page["Links"]["Next"].as_str().map(str::to_owned);
        let typed: OBReadTransaction6 = serde_json::from_value(page).unwrap();
        main.extend(typed.data.transaction.unwrap_or_default());
        match next {
            Some(n) => url = n.trim_start_matches(&tpp.url("")).to_owned(),
            None => break,
        }
    }
    let extracted = from_open_banking(&main, &pot_names(&pots));
    assert!(extracted.skipped.is_empty(), "{:?}", extracted.skipped);
    assert!(extracted.transfers.len() > 100);
    let result = infer(extracted.transfers, open_banking_snapshots(&pots, tpp.now));
    assert_eq!(result.pots.len(), pots.len());
    for p in &result.pots {
        let interest: Decimal = history(&mut tpp, &token, &p.pot_id, "")
            .iter()
            .filter(|t| t["Source"] == "Interest")
            .map(signed)
            .sum();
        assert_eq!(
            p.unattributed,
            interest,
            "{}",
            pot_ledger::report::partial::text(&result)
        );
        assert!(p.unchecked.is_empty());
    }
    // Savings pots earn interest, so something is unattributed, and the report says so.
    assert!(!result.is_explained());
}

/// Without the proposals the emulator serves only what Monzo serves: main-account transactions
/// fit the upstream OBIE schema exactly (no `PotId`), the `PotId` filter is an ignored
/// parameter, and the pot-transactions and Events endpoints do not exist. With them, upstream
/// validation names `PotId` as the one field outside the schema.
#[test]
fn without_the_proposals_responses_fit_the_upstream_schemas() {
    use monzo_sandbox::core::Config;
    use ob_model::accounts::OBReadTransaction6 as Upstream;

    let permissions = [
        "ReadAccountsDetail",
        "ReadTransactionsDetail",
        "ReadTransactionsCredits",
        "ReadTransactionsDebits",
    ];
    let page = |proposals: bool, query: &str| -> (Tpp, String, Value) {
        let config = Config::new(crate::support::BASE);
        let config = if proposals {
            config
        } else {
            config.without_proposals()
        };
        let mut tpp = Tpp::register_in_process_with(config, "openid accounts");
        let consent = tpp.consent(
            &permissions,
            json!({"DesiredStatus": "Authorised", "UserID": HEAVY}),
        );
        let token = tpp.authorise(&consent).access_token.expose().to_owned();
        let (status, page) = tpp.json(
            "GET",
            &format!("{AISP}/accounts/acc_0000A4C4ZSskDOixqNPfpR/transactions?order=desc{query}"),
            &token,
            None,
        );
        assert_eq!(status, 200, "{page}");
        (tpp, token, page)
    };
    let is_transfer = |t: &Value| t["ProprietaryBankTransactionCode"]["Code"] == "uk_retail_pot";

    let (mut tpp, token, off) = page(false, "");
    assert!(off["Data"]["Transaction"]
        .as_array()
        .unwrap()
        .iter()
        .any(is_transfer));
    let typed: Upstream = serde_json::from_value(off.clone()).unwrap();
    typed.validate_monzo().unwrap();
    // The filter is an unknown parameter: the whole page comes back.
    let (_, _, filtered) = page(false, "&PotId=pot_qNPfpR0001");
    assert!(
        filtered["Data"] == off["Data"],
        "the PotId filter changed the page"
    );
    for path in [
        format!("{AISP}/pots/pot_qNPfpR0001/transactions"),
        "/open-banking/v3.1/event-subscriptions".to_owned(),
    ] {
        let (status, _) = tpp.json("GET", &path, &token, None);
        assert_eq!(status, 404, "{path}");
    }

    // With the proposals the pages fit the upstream schema too: the proposed PotId is in
    // SupplementaryData, Monzo's place for extensions.
    let (_, _, on) = page(true, "");
    assert!(on["Data"]["Transaction"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["SupplementaryData"]["PotId"].is_string()));
    let typed: Upstream = serde_json::from_value(on).unwrap();
    typed.validate_monzo().unwrap();
}

/// What the requesters asked for beside the amounts: a category, free-form metadata and the
/// counterparty (the main account for transfers, the merchant for a card payment).
#[test]
fn pot_transactions_carry_a_category_metadata_and_the_counterparty() {
    let (mut tpp, token) = Tpp::heavy_transactions_reader();
    let pot = "pot_qNPfpR0002";
    let simulate = |tpp: &mut Tpp, body: Value| {
        tpp.json(
            "POST",
            &format!("/open-banking/sandbox/pots/{pot}/transactions"),
            "",
            Some(body),
        )
    };
    let (status, paid) = simulate(
        &mut tpp,
        json!({"Source": "CardPayment", "Amount": "12.00", "Merchant": "easyJet",
               "MerchantCategoryCode": "4511", "Metadata": {"receipt": "R-123", "trip": "Lisbon"}}),
    );
    assert_eq!(status, 201, "{paid}");
    let (status, _) = simulate(&mut tpp, json!({"Source": "TransferIn", "Amount": "5.00"}));
    assert_eq!(status, 201);
    let all = history(&mut tpp, &token, pot, "?order=desc");
    let (transfer, card) = (&all[0], &all[1]);
    assert_eq!(card["SupplementaryData"]["Category"], "holidays");
    assert_eq!(
        card["SupplementaryData"]["Metadata"],
        json!({"trigger": "card_payment", "receipt": "R-123", "trip": "Lisbon"})
    );
    assert_eq!(card["MerchantDetails"]["MerchantName"], "easyJet");
    assert_eq!(transfer["SupplementaryData"]["Category"], "savings");
    assert_eq!(
        transfer["SupplementaryData"]["Metadata"],
        json!({"trigger": "user"})
    );
    assert_eq!(
        transfer["DebtorAccount"],
        json!({"SchemeName": "UK.OBIE.SortCodeAccountNumber", "Identification": "04000412345678", "Name": "Personal Account"})
    );
    // The typed model reads them.
    let typed: OBReadPotTransaction1 = serde_json::from_value(json!({
        "Data": {"Transaction": [card]}, "Links": {"Self": "x"}, "Meta": {}
    }))
    .unwrap();
    let data = typed.data.transaction[0]
        .supplementary_data
        .as_ref()
        .unwrap();
    assert_eq!(data.category.as_ref().unwrap().as_str(), "holidays");
    // Metadata the control refuses: named.
    for (metadata, path) in [
        (json!({"trigger": "mine"}), "Metadata.trigger"),
        (json!({"n": 1}), "Metadata.n"),
        (json!("text"), "Metadata"),
    ] {
        let (status, err) = simulate(
            &mut tpp,
            json!({"Source": "TransferIn", "Amount": "1.00", "Metadata": metadata}),
        );
        assert_eq!(
            (status, &err["Errors"][0]["Path"]),
            (400, &json!(path)),
            "{err}"
        );
    }
}
