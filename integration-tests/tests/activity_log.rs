//! What runs and what ran, over the wire against a real gateway and PostgreSQL:
//! `fedgate_remote_activity` lists a running remote part with its server and SQL,
//! `pg_terminate_backend` ends a session (for admins and the session's own user, 42501 for
//! others), `fedgate_query_log` lists statements with rows, duration, SQLSTATE and remote
//! parts (literals masked when asked, the file written and rotated), and a client that goes
//! away mid-statement stops its backend query.
//!
//! Waits are bounded polls (no timing assertions beyond generous upper bounds).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::{backend, create_postgres_server_sql};
use tokio_postgres::{Client, NoTls};

/// How long a poll waits for the state it expects.
const WAIT: Duration = Duration::from_secs(20);

/// `slow` outlives every test; `numbers` has ten rows.
const PG_SETUP: &str = "CREATE VIEW slow AS SELECT pg_sleep(60)::text AS s, 1 AS x; \
     CREATE TABLE numbers AS SELECT g AS n FROM generate_series(1, 10) g;";

const ADMIN: &str = "root";

fn start(env: &[(&str, &str)]) -> (tempfile::TempDir, Gateway) {
    let data = tempfile::Builder::new()
        .prefix("fedgate-data-")
        .tempdir()
        .expect("temp dir");
    let mut builder = Gateway::builder(data.path());
    for (key, value) in env {
        builder = builder.env(*key, *value);
    }
    let gateway = builder.start().unwrap_or_else(|e| panic!("{e}"));
    (data, gateway)
}

async fn connect_as(gateway: &Gateway, user: &str) -> Client {
    gateway
        .connect_as(user, "fedgate")
        .await
        .unwrap_or_else(|e| {
            panic!(
                "connect as {user}: {}\n{}",
                backend::describe(&e),
                gateway.logs()
            )
        })
}

/// Polls `probe` until it answers `Some` (at most [`WAIT`]).
async fn wait_until<T, F, Fut>(what: &str, gateway: &Gateway, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}\n{}", gateway.logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Active statements of other sessions in PostgreSQL database `database`.
async fn pg_running(pg: &Client, database: &str) -> i64 {
    pg.query_one(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
         AND state = 'active' AND pid <> pg_backend_pid()",
        &[&database],
    )
    .await
    .unwrap_or_else(|e| panic!("pg_stat_activity: {}", backend::describe(&e)))
    .get(0)
}

async fn backend_pid(client: &Client) -> i32 {
    client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pg_backend_pid")
        .get(0)
}

fn start_slow_query(
    client: &Arc<Client>,
) -> tokio::task::JoinHandle<Result<usize, tokio_postgres::Error>> {
    let client = client.clone();
    tokio::spawn(async move {
        client
            .simple_query("SELECT s, x FROM p.public.slow")
            .await
            .map(|m| m.len())
    })
}

const REMOTE_DB: &str = "fedgate_remote_activity";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_part_is_listed_and_its_session_terminated() {
    let pg = backend::fresh_database(REMOTE_DB, PG_SETUP).await;
    let (_data, gateway) = start(&[]);
    let runner = Arc::new(connect_as(&gateway, "test").await);
    let watcher = connect_as(&gateway, "test").await;
    gateway
        .rows(&watcher, &create_postgres_server_sql("p", REMOTE_DB))
        .await;
    let runner_pid = backend_pid(&runner).await;
    let (gateway, watcher, pg) = (&gateway, &watcher, &pg);
    // pg_backend_pid() is the session's BackendKeyData pid.
    let own = gateway
        .rows(
            watcher,
            "SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND state = 'active'",
        )
        .await;
    assert_eq!(own, [["1"]]);

    let query = start_slow_query(&runner);
    let part = wait_until("no remote part showed", gateway, || async move {
        let rows = gateway
            .rows(
                watcher,
                "SELECT pid, server, query, state, rows FROM fedgate_remote_activity",
            )
            .await;
        rows.into_iter().next()
    })
    .await;
    assert_eq!(part[0], runner_pid.to_string());
    assert_eq!(part[1], "p");
    assert!(part[2].contains("slow"), "{part:?}");
    assert_eq!((part[3].as_str(), part[4].as_str()), ("waiting", "0"));
    let waits = gateway
        .rows(
            watcher,
            &format!("SELECT state, wait_event_type, wait_event FROM pg_stat_activity WHERE pid = {runner_pid}"),
        )
        .await;
    assert_eq!(waits, [["active", "Extension", "FedgateRemoteQuery"]]);

    let answer = gateway
        .rows(
            watcher,
            &format!("SELECT pg_terminate_backend({runner_pid})"),
        )
        .await;
    assert_eq!(answer, [["t"]]);
    let runner = &runner;
    let error = tokio::time::timeout(WAIT, query)
        .await
        .expect("the terminated statement ended")
        .expect("the query task")
        .expect_err("the statement was terminated");
    let db = error.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "57P01");
    assert_eq!(db.severity(), "FATAL");
    assert_eq!(
        db.message(),
        "terminating connection due to administrator command"
    );
    wait_until("the backend query still runs", gateway, || async move {
        (pg_running(pg, REMOTE_DB).await == 0).then_some(())
    })
    .await;
    wait_until(
        "the terminated connection stayed open",
        gateway,
        || async move { runner.is_closed().then_some(()) },
    )
    .await;
    wait_until(
        "the terminated session is still listed",
        gateway,
        || async move {
            let rows = gateway
                .rows(
                    watcher,
                    &format!("SELECT 1 FROM pg_stat_activity WHERE pid = {runner_pid}"),
                )
                .await;
            rows.is_empty().then_some(())
        },
    )
    .await;
    // An unknown pid: false (with PostgreSQL's WARNING).
    let answer = gateway
        .rows(watcher, "SELECT pg_terminate_backend(4)")
        .await;
    assert_eq!(answer, [["f"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_is_for_admins_and_a_users_own_sessions() {
    let (_data, gateway) = start(&[
        ("FEDGATE_AUTH", "trust"),
        ("FEDGATE_ADMIN_USER", ADMIN),
        ("FEDGATE_ADMIN_PASSWORD", "root-secret"),
    ]);
    let admin = connect_as(&gateway, ADMIN).await;
    gateway
        .rows(&admin, "CREATE USER alice PASSWORD 'a-secret'")
        .await;
    gateway
        .rows(&admin, "CREATE USER bob PASSWORD 'b-secret'")
        .await;
    let alice = connect_as(&gateway, "alice").await;
    let alice_too = connect_as(&gateway, "alice").await;
    let bob = connect_as(&gateway, "bob").await;
    let alice_pid = backend_pid(&alice).await;
    let alice_too_pid = backend_pid(&alice_too).await;
    let bob_pid = backend_pid(&bob).await;
    gateway.rows(&alice, "SELECT 'alice was here'").await;

    // Bob sees that Alice is connected, not what she ran.
    let seen = gateway
        .rows(
            &bob,
            &format!("SELECT usename, query, state FROM pg_stat_activity WHERE pid = {alice_pid}"),
        )
        .await;
    assert_eq!(seen, [["alice", "<insufficient privilege>", "NULL"]]);
    let seen = gateway
        .rows(
            &admin,
            &format!("SELECT query FROM pg_stat_activity WHERE pid = {alice_pid}"),
        )
        .await;
    assert_eq!(seen, [["SELECT 'alice was here'"]]);

    let error = bob
        .simple_query(&format!("SELECT pg_terminate_backend({alice_pid})"))
        .await
        .expect_err("bob may not end alice's session");
    assert_eq!(error.code().map(|c| c.code()), Some("42501"), "{error:?}");

    // Her own other session, idle: it gets FATAL 57P01 and its connection closes.
    let answer = gateway
        .rows(
            &alice,
            &format!("SELECT pg_terminate_backend({alice_too_pid})"),
        )
        .await;
    assert_eq!(answer, [["t"]]);
    let alice_too = &alice_too;
    wait_until(
        "alice's idle session stayed open",
        &gateway,
        || async move {
            if alice_too.is_closed() {
                return Some(());
            }
            alice_too.simple_query("SELECT 1").await.err().map(|_| ())
        },
    )
    .await;

    let answer = gateway
        .rows(
            &admin,
            &format!("SELECT pg_terminate_backend({bob_pid}, 5000)"),
        )
        .await;
    assert_eq!(
        answer,
        [["t"]],
        "the admin ends bob's session and it is gone within 5 s"
    );
    assert!(bob.simple_query("SELECT 1").await.is_err());
}

const LOG_DB: &str = "fedgate_query_log";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_query_log_lists_statements_and_writes_its_file() {
    let _pg = backend::fresh_database(LOG_DB, PG_SETUP).await;
    let files = tempfile::tempdir().expect("temp dir");
    let file = files.path().join("queries.jsonl");
    let file_text = file.to_string_lossy().to_string();
    let (_data, gateway) = start(&[
        ("FEDGATE_LOG_PARAMETERS", "off"),
        ("FEDGATE_QUERY_LOG_FILE", &file_text),
        ("FEDGATE_QUERY_LOG_FILE_SIZE", "4096"),
        ("FEDGATE_LOG_MIN_DURATION_STATEMENT", "0"),
    ]);
    let client = connect_as(&gateway, "test").await;
    gateway
        .rows(&client, &create_postgres_server_sql("p", LOG_DB))
        .await;
    let rows = gateway
        .rows(
            &client,
            "SELECT n FROM p.public.numbers WHERE n > 3 ORDER BY n",
        )
        .await;
    assert_eq!(rows.len(), 7);
    let error = client
        .simple_query("SELECT 1/0")
        .await
        .expect_err("division by zero");
    assert_eq!(error.code().map(|c| c.code()), Some("22012"));

    let logged = gateway
        .rows(
            &client,
            "SELECT query, rows, sqlstate, duration_ms >= 0, remote, usename, datname \
             FROM fedgate_query_log WHERE query LIKE 'SELECT%' ORDER BY statement_id",
        )
        .await;
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert_eq!(
        logged[0][..4],
        [
            "SELECT n FROM p.public.numbers WHERE n > $1 ORDER BY n",
            "7",
            "NULL",
            "t"
        ]
    );
    let remote: serde_json::Value = serde_json::from_str(&logged[0][4]).expect("remote JSON");
    assert_eq!(remote[0]["server"], "p", "{remote}");
    assert_eq!(remote[0]["rows"], 7, "{remote}");
    assert!(
        remote[0]["sql"].as_str().unwrap_or("").contains("numbers"),
        "{remote}"
    );
    assert_eq!(logged[0][5..], ["test", "fedgate"]);
    assert_eq!(logged[1][..3], ["SELECT $1/$2", "0", "22012"]);
    assert!(
        gateway
            .logs()
            .contains("statement: SELECT n FROM p.public.numbers WHERE n > $1"),
        "no slow-statement line\n{}",
        gateway.logs()
    );

    // The file has a line per statement, and moves to `.1` when it reaches its size.
    for n in 0..40 {
        gateway
            .rows(&client, &format!("SELECT {n} AS padding_padding_padding"))
            .await;
    }
    let backup = files.path().join("queries.jsonl.1");
    let current = std::fs::read_to_string(&file).expect("the query log file");
    let rotated = std::fs::read_to_string(&backup).expect("the rotated file");
    assert!(current.len() <= 4096 && rotated.len() <= 4096);
    let last: serde_json::Value =
        serde_json::from_str(current.lines().last().expect("a line")).expect("JSON");
    assert_eq!(last["query"], "SELECT $1 AS padding_padding_padding");
    assert_eq!(last["sqlstate"], serde_json::Value::Null);
}

const GONE_DB: &str = "fedgate_client_gone";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_stops_its_backend_query() {
    let pg = backend::fresh_database(GONE_DB, PG_SETUP).await;
    let (_data, gateway) = start(&[]);
    let admin = connect_as(&gateway, "test").await;
    gateway
        .rows(&admin, &create_postgres_server_sql("p", GONE_DB))
        .await;
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(gateway.port())
        .user("test")
        .dbname("fedgate")
        .connect(NoTls)
        .await
        .expect("connect");
    let connection = tokio::spawn(connection);
    // Two servers: the statement is planned by fedgate, its parts run as remote scans.
    gateway
        .rows(&admin, &create_postgres_server_sql("p2", GONE_DB))
        .await;
    let client = Arc::new(client);
    let query = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .simple_query(
                    "SELECT a.x FROM p.public.slow a JOIN p2.public.numbers b ON a.x = b.n",
                )
                .await
                .map(|m| m.len())
        })
    };
    let (pg, admin, gateway) = (&pg, &admin, &gateway);
    let part = wait_until("no remote scan showed", gateway, || async move {
        let rows = gateway
            .rows(
                admin,
                "SELECT server, query FROM fedgate_remote_activity WHERE query LIKE '%slow%'",
            )
            .await;
        rows.into_iter().next()
    })
    .await;
    assert_eq!(part[0], "p");
    assert!(part[1].starts_with("SELECT"), "{part:?}");
    wait_until("PostgreSQL never ran the query", gateway, || async move {
        (pg_running(pg, GONE_DB).await >= 1).then_some(())
    })
    .await;
    // The client goes away: its socket closes while no row has been sent.
    connection.abort();
    query.abort();
    let _ = connection.await;
    drop(client);
    let gone = Instant::now();
    wait_until("PostgreSQL still runs the query", gateway, || async move {
        (pg_running(pg, GONE_DB).await == 0).then_some(())
    })
    .await;
    assert!(gone.elapsed() < WAIT);
    wait_until("the session is still listed", gateway, || async move {
        let rows = gateway
            .rows(admin, "SELECT count(*) FROM fedgate_remote_activity")
            .await;
        (rows == [["0"]]).then_some(())
    })
    .await;
}
