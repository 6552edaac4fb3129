//! Event notifications over loopback: the server pushes a signed SET for a new pot
//! transaction to the subscribed callback, retrying while the receiver refuses; the client
//! verifies it and finds the transaction; without a callback, events are polled and
//! acknowledged.

use std::time::{Duration, Instant};

use monzo_client::{TransactionQuery, RESOURCE_UPDATE};
use serde_json::json;

use crate::journey::{authorised_accounts, setup};
use crate::webhook;

const HOLIDAY: &str = "pot_qNPfpR0002";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_pot_transaction_is_pushed_retried_verified_and_polled() {
    let t = setup("client-events-1").await;
    let tokens = authorised_accounts(&t).await;
    let token = tokens.access_token.clone();
    let app = t
        .client
        .client_credentials(&t.accounts_client, "accounts")
        .await
        .unwrap();
    let app = app.access_token.clone();

    // Pushed: the receiver refuses the first attempt, the server tries again a second later.
    let mut receiver = webhook::start_with(1).await.unwrap();
    let sub = t
        .client
        .create_event_subscription(
            &t.software,
            &app,
            Some(&receiver.callback_url),
            &[RESOURCE_UPDATE],
        )
        .await
        .unwrap();
    let sub_id = sub.data.event_subscription_id.to_string();
    let started = Instant::now();
    let made = t
        .client
        .sandbox_pot_transaction(
            HOLIDAY,
            &json!({"Source": "CardPayment", "Amount": "12.00", "Merchant": "easyJet"}),
        )
        .await
        .unwrap();
    let set = tokio::time::timeout(Duration::from_secs(20), receiver.sets.recv())
        .await
        .expect("a notification within 20 s")
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "accepted only at the second attempt, after the backoff"
    );
    let event = t
        .client
        .verify_event_notification(&set, &t.accounts_client)
        .await
        .unwrap();
    assert_eq!(event.resource_id, HOLIDAY);
    assert_eq!(event.resource_type, "pot-transactions");
    assert_eq!(event.txn, made["Data"]["PotTransaction"]["TransactionId"]);
    let history = t
        .client
        .pot_transactions(&token, HOLIDAY, &TransactionQuery::default())
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.transaction_id.as_ref().unwrap().as_str(), event.txn);
    assert_eq!(last.source.as_str(), "CardPayment");
    // Another client's id, or a tampered SET, is refused.
    assert!(t
        .client
        .verify_event_notification(&set, "someone-else")
        .await
        .is_err());
    let mut tampered = set.clone();
    tampered.insert(tampered.len() - 2, 'x');
    assert!(t
        .client
        .verify_event_notification(&tampered, &t.accounts_client)
        .await
        .is_err());

    // Polled: without a callback, events wait for POST /events until acknowledged.
    t.client
        .change_event_subscription(&t.software, &app, &sub_id, None, &[])
        .await
        .unwrap();
    for amount in ["1.00", "2.00"] {
        t.client
            .sandbox_pot_transaction(HOLIDAY, &json!({"Source": "TransferIn", "Amount": amount}))
            .await
            .unwrap();
    }
    let first = t
        .client
        .poll_events(&app, &t.accounts_client, &[], &[], Some(1))
        .await
        .unwrap();
    assert_eq!(first.events.len(), 1);
    assert!(first.rejected.is_empty());
    assert!(first.more_available);
    let acked: Vec<String> = first.events.iter().map(|e| e.jti.clone()).collect();
    // Read as if by another client: the event fails its audience check, and the poll still
    // succeeds, with the event among the rejected.
    let second = t
        .client
        .poll_events(&app, "another-client", &acked, &[], None)
        .await
        .unwrap();
    assert!(second.events.is_empty());
    assert_eq!(second.rejected.len(), 1);
    assert_eq!(second.rejected[0].err, "jwtAud");
    assert_ne!(second.rejected[0].jti, acked[0]);
    assert!(!second.more_available);
    // Reported in setErrs, the bank stops offering it.
    let third = t
        .client
        .poll_events(&app, &t.accounts_client, &[], &second.rejected, None)
        .await
        .unwrap();
    assert!(third.events.is_empty() && third.rejected.is_empty());
    let subs = t.client.event_subscriptions(&app).await.unwrap();
    assert_eq!(subs.data.event_subscription.unwrap().len(), 1);
    t.client
        .delete_event_subscription(&app, &sub_id)
        .await
        .unwrap();
    assert!(t
        .client
        .event_subscriptions(&app)
        .await
        .unwrap()
        .data
        .event_subscription
        .unwrap_or_default()
        .is_empty());
}

/// The retries' backoff (1, 2, 4 and 8 s) is sandbox time: a receiver that refuses four
/// attempts gets the fifth as the clock is moved on, without the 15 s of real backoff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_retries_follow_the_sandbox_clock() {
    let t = setup("client-events-clock").await;
    let app = t
        .client
        .client_credentials(&t.accounts_client, "accounts")
        .await
        .unwrap();
    let app = app.access_token.clone();
    let mut receiver = webhook::start_with(4).await.unwrap();
    t.client
        .create_event_subscription(
            &t.software,
            &app,
            Some(&receiver.callback_url),
            &[RESOURCE_UPDATE],
        )
        .await
        .unwrap();
    let _ = authorised_accounts(&t).await;
    let started = Instant::now();
    t.client
        .sandbox_pot_transaction(HOLIDAY, &json!({"Source": "TransferIn", "Amount": "1.00"}))
        .await
        .unwrap();
    let set = loop {
        match tokio::time::timeout(Duration::from_millis(100), receiver.sets.recv()).await {
            Ok(set) => break set.unwrap(),
            Err(_) => {
                assert!(
                    started.elapsed() < Duration::from_secs(12),
                    "the retries waited for real time"
                );
                t.client.sandbox_advance_clock("PT1M").await.unwrap();
            }
        }
    };
    assert!(!set.is_empty());
}
