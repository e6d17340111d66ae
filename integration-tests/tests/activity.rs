//! `pg_stat_activity` lists fedgate's sessions as PostgreSQL lists its backends, and
//! `pg_cancel_backend(pid)` from another session ends a running statement with 57014.

use std::time::{Duration, Instant};

use fedgate_integration_tests::gateway::Gateway;

#[tokio::test]
async fn another_session_sees_and_cancels_a_running_statement() {
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}"));
    let sleeper = gateway.connect().await.expect("first client");
    let watcher = gateway.connect().await.expect("second client");

    let started = Instant::now();
    // The task hands the client back: its session must outlive the statement.
    let sleeping = tokio::spawn(async move {
        let result = sleeper.simple_query("SELECT pg_sleep(30)").await;
        (sleeper, result)
    });

    let deadline = Instant::now() + Duration::from_secs(10);
    let pid: i32 = loop {
        let rows = watcher
            .query(
                "SELECT pid, state, query, usename, datname, backend_type \
                 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
                &[],
            )
            .await
            .expect("pg_stat_activity");
        if let Some(row) = rows.first() {
            assert_eq!(row.get::<_, &str>(4), "fedgate");
            assert_eq!(row.get::<_, &str>(5), "client backend");
            break row.get(0);
        }
        assert!(
            Instant::now() < deadline,
            "the sleeping session never showed as active"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let row = watcher
        .query_one(format!("SELECT pg_cancel_backend({pid})").as_str(), &[])
        .await
        .expect("pg_cancel_backend");
    assert!(row.get::<_, bool>(0));
    let (_sleeper, result) = sleeping.await.expect("the sleeping task");
    let error = result.expect_err("the statement was cancelled");
    assert_eq!(error.code().map(|c| c.code()), Some("57014"), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(15));

    // Nothing runs there now: false, as PostgreSQL answers for an idle backend.
    let rows = watcher
        .query(
            format!("SELECT state FROM pg_stat_activity WHERE pid = {pid}").as_str(),
            &[],
        )
        .await
        .expect("pg_stat_activity");
    assert_eq!(rows[0].get::<_, &str>(0), "idle");
    let row = watcher
        .query_one(format!("SELECT pg_cancel_backend({pid})").as_str(), &[])
        .await
        .expect("pg_cancel_backend of an idle session");
    assert!(!row.get::<_, bool>(0));
}
