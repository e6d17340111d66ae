//! `--max-connections`: one more client is refused as PostgreSQL refuses it (FATAL 53300
//! `sorry, too many clients already`), a cancel request is still served while every slot is
//! taken, and a slot frees when its client leaves.

use std::time::{Duration, Instant};

use fedgate_integration_tests::gateway::Gateway;
use tokio_postgres::NoTls;

const MAX_CONNECTIONS: usize = 2;

#[tokio::test]
async fn one_more_client_is_refused_and_cancel_still_works() {
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = Gateway::builder(data.path())
        .env("FEDGATE_MAX_CONNECTIONS", MAX_CONNECTIONS.to_string())
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let first = gateway.connect().await.expect("first client");
    let second = gateway.connect().await.expect("second client");

    let refused = gateway
        .connect()
        .await
        .expect_err("a third client is over the limit");
    let db = refused.as_db_error().expect("a FATAL from the gateway");
    assert_eq!(db.code().code(), "53300", "{db:?}");
    assert_eq!(db.message(), "sorry, too many clients already");

    // Every slot is taken, yet a cancel request (its own connection) reaches the gateway.
    let token = first.cancel_token();
    let started = Instant::now();
    let sleeping = tokio::spawn(async move {
        let result = first.simple_query("SELECT pg_sleep(30)").await;
        (first, result)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    token
        .cancel_query(NoTls)
        .await
        .expect("the cancel request is served");
    let (first, result) = sleeping.await.expect("the statement's task");
    let error = result.expect_err("the statement was cancelled");
    assert_eq!(error.code().map(|c| c.code()), Some("57014"), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // A client that leaves frees its slot.
    drop(second);
    let deadline = Instant::now() + Duration::from_secs(10);
    let third = loop {
        match gateway.connect().await {
            Ok(client) => break client,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("the freed slot was not given to a new client: {e}"),
        }
    };
    for client in [&first, &third] {
        let row = client.query_one("SELECT 1", &[]).await.expect("served");
        assert_eq!(row.get::<_, i32>(0), 1);
    }
}
