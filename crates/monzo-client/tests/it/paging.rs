//! The paginator against a plain-HTTP server whose pages link as each test says: it follows
//! `Links.Next` on the ASPSP's origin, ends on a page whose `Next` names itself, and refuses
//! (without sending the token anywhere) a `Next` on another origin or one that loops back.

use std::sync::{Arc, Mutex};

use monzo_client::{AccessToken, Client, ClientConfig, ClientError, Endpoints, TransactionQuery};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A page of one transaction, `id`, whose `Links.Next` is `next`.
fn page(id: &str, next: Option<&str>) -> String {
    let next = next.map_or(String::new(), |n| format!(",\"Next\":\"{n}\""));
    format!(
        r#"{{"Data":{{"Transaction":[{{"AccountId":"a","TransactionId":"{id}","CreditDebitIndicator":"Debit","Status":"Booked","BookingDateTime":"2026-01-01T00:00:00Z","Amount":{{"Amount":"1.00","Currency":"GBP"}}}}]}},"Links":{{"Self":"x"{next}}},"Meta":{{"TotalPages":3}}}}"#
    )
}

/// Serves `pages(base, path)` for each request path; records the paths asked for.
async fn serve(
    pages: impl Fn(&str, &str) -> String + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let (b, log) = (base.clone(), asked.clone());
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = tcp.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = head.split(' ').nth(1).unwrap_or("").to_owned();
            log.lock().unwrap().push(path.clone());
            let body = pages(&b, &path);
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tcp.write_all(answer.as_bytes()).await;
        }
    });
    (base, asked)
}

fn client(base: &str) -> Client {
    Client::new(ClientConfig::new(Endpoints::local(base))).unwrap()
}

const FIRST: &str = "/open-banking/v3.1/aisp/accounts/a/transactions";

async fn read_all(base: &str) -> Result<Vec<String>, ClientError> {
    let token = AccessToken::new("t");
    let all = client(base)
        .transaction_pages(&token, "a", TransactionQuery::default())
        .collect_all()
        .await?;
    Ok(all
        .iter()
        .map(|t| t.transaction_id.as_deref().unwrap_or_default().to_owned())
        .collect())
}

#[tokio::test]
async fn next_links_on_the_aspsp_are_followed_to_a_page_that_names_itself() {
    let (base, asked) = serve(|base, path| match path {
        FIRST => page("t1", Some(&format!("{base}/p2"))),
        // A relative link, on the same origin.
        "/p2" => page("t2", Some("/p3")),
        _ => page("t3", Some(&format!("{base}/p3"))),
    })
    .await;
    assert_eq!(read_all(&base).await.unwrap(), ["t1", "t2", "t3"]);
    assert_eq!(*asked.lock().unwrap(), [FIRST, "/p2", "/p3"]);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed() {
    let (base, asked) = serve(|_, _| page("t1", Some("http://127.0.0.2:9/steal"))).await;
    let e = read_all(&base).await.unwrap_err();
    assert!(matches!(e, ClientError::Protocol(_)), "{e:?}");
    assert!(e.to_string().contains("not followed"), "{e}");
    assert_eq!(asked.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_next_link_that_loops_back_is_refused() {
    let (base, _) = serve(|base, path| match path {
        FIRST => page("t1", Some(&format!("{base}/p2"))),
        _ => page("t2", Some(&format!("{base}{FIRST}"))),
    })
    .await;
    let e = read_all(&base).await.unwrap_err();
    assert!(e.to_string().contains("already read"), "{e}");
}
