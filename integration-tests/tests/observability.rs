//! What an operator sees of a running gateway (docs/operations.md): the Prometheus
//! endpoint (`--metrics-listen`) with statements by outcome and SQLSTATE class, sessions,
//! cancel requests and authentication failures; `/healthz` and `/readyz`; JSON log lines
//! that carry the session's pid and never a password; and the graceful shutdown on
//! SIGTERM: a running statement finishes within the grace period, or is terminated after
//! it with FATAL 57P01 (its backend query stopped), and the process exits 0.

use std::process::Command;
use std::time::{Duration, Instant};

use fedgate_integration_tests::gateway::{free_port, Gateway};
use fedgate_integration_tests::{backend, create_postgres_server_sql};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_postgres::{Client, NoTls};

const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "Obs3rv-secret";
const SERVER_PASSWORD: &str = "opt-secret-77";

/// How long a test waits for a state it expects.
const WAIT: Duration = Duration::from_secs(15);

/// The status code and body of `GET path` on `port`.
async fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to the metrics endpoint");
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    socket.read_to_string(&mut response).await.expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The value of the sample written `series` (name and labels as exposed); 0 when absent.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().expect("a number"))
        .unwrap_or(0.0)
}

async fn connect(port: u16, user: &str, password: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(user)
        .password(password)
        .dbname("fedgate")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// A client whose connection task is handed back: it ends with the error the server sent
/// while the client was idle.
async fn connect_watched(
    gateway: &Gateway,
) -> (
    Client,
    tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>,
) {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(gateway.port())
        .user("test")
        .dbname("fedgate")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}\n{}", gateway.logs()));
    (client, tokio::spawn(connection))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_health_and_json_logs() {
    let data = tempfile::tempdir().expect("temp dir");
    let metrics_port = free_port().expect("a free port");
    let gateway = Gateway::builder(data.path())
        .env(
            "FEDGATE_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .env("FEDGATE_LOG_FORMAT", "json")
        .env("FEDGATE_ADMIN_USER", ADMIN)
        .env("FEDGATE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(http_get(metrics_port, "/healthz").await.0, 200);
    assert_eq!(http_get(metrics_port, "/readyz").await.0, 200);
    assert_eq!(http_get(metrics_port, "/nowhere").await.0, 404);
    let (_, before) = http_get(metrics_port, "/metrics").await;

    let client = connect(gateway.port(), ADMIN, ADMIN_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", gateway.logs()));
    client.simple_query("SELECT 1").await.expect("simple");
    client.query("SELECT 2", &[]).await.expect("extended");
    let missing = client.simple_query("SELECT * FROM nowhere").await;
    assert_eq!(
        missing.expect_err("no table").code().map(|c| c.code()),
        Some("42P01")
    );
    let zero = client.query("SELECT 1 / (2 - 2)", &[]).await;
    assert_eq!(
        zero.expect_err("division by zero").code().map(|c| c.code()),
        Some("22012")
    );
    let _database = backend::fresh_database(
        "fedgate_observability",
        "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2), (3);",
    )
    .await;
    let create = format!(
        "CREATE SERVER obs FOREIGN DATA WRAPPER postgres OPTIONS (host '{}', port '{}', \
         dbname 'fedgate_observability', user '{}', password '{SERVER_PASSWORD}')",
        backend::PG_HOST,
        backend::PG_PORT,
        backend::PG_USER
    );
    client.simple_query(&create).await.expect("CREATE SERVER");
    // A remote part: rows, bytes and time per server, and the server's pool.
    let remote = client
        .simple_query("SELECT x FROM obs.public.t")
        .await
        .expect("a statement on the server");
    assert_eq!(backend::text_rows(remote).len(), 3);
    let refused = connect(gateway.port(), ADMIN, "wrong-password").await;
    assert_eq!(
        refused
            .expect_err("wrong password")
            .code()
            .map(|c| c.code()),
        Some("28P01")
    );
    client
        .cancel_token()
        .cancel_query(NoTls)
        .await
        .expect("a cancel request while idle");

    // The cancel request is served on its own connection, after the client sent it.
    let cancels = r#"fedgate_cancel_requests_total{matched="true"}"#;
    let deadline = Instant::now() + WAIT;
    let after = loop {
        let (_, after) = http_get(metrics_port, "/metrics").await;
        if sample(&after, cancels) > sample(&before, cancels) || Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let moved = |series: &str| sample(&after, series) - sample(&before, series);
    let ok = r#"fedgate_statements_total{outcome="ok",sqlstate_class="00"}"#;
    assert!(moved(ok) >= 3.0, "{after}");
    let undefined = r#"fedgate_statements_total{outcome="error",sqlstate_class="42"}"#;
    assert_eq!(moved(undefined), 1.0, "{after}");
    let data_error = r#"fedgate_statements_total{outcome="error",sqlstate_class="22"}"#;
    assert_eq!(moved(data_error), 1.0, "{after}");
    let failed = r#"fedgate_statement_duration_seconds_count{outcome="error"}"#;
    assert_eq!(moved(failed), 2.0, "{after}");
    let slowest = r#"fedgate_statement_duration_seconds_bucket{le="+Inf",outcome="ok"}"#;
    assert!(moved(slowest) >= 3.0, "{after}");
    assert_eq!(sample(&after, "fedgate_sessions_open"), 1.0, "{after}");
    assert!(moved("fedgate_sessions_total") >= 1.0, "{after}");
    assert_eq!(
        moved("fedgate_authentication_failures_total"),
        1.0,
        "{after}"
    );
    assert_eq!(moved(cancels), 1.0, "{after}");
    assert_eq!(
        moved(r#"fedgate_remote_rows_total{server="obs"}"#),
        3.0,
        "{after}"
    );
    assert!(
        moved(r#"fedgate_remote_bytes_total{server="obs"}"#) > 0.0,
        "{after}"
    );
    assert_eq!(
        moved(r#"fedgate_remote_part_duration_seconds_count{server="obs"}"#),
        1.0,
        "{after}"
    );
    assert!(
        after.contains(r#"fedgate_pool_connections{server="obs",state="idle"}"#),
        "{after}"
    );
    assert!(after.contains("fedgate_memory_reserved_bytes "), "{after}");
    assert!(after.contains("fedgate_spill_bytes "), "{after}");
    drop(client);

    // Every line is one JSON object; a session's lines name its pid; no secret appears.
    let logs = wait_logs(
        &gateway,
        &["connection authenticated", "42P01", "catalog statement"],
    )
    .await;
    assert!(!logs.contains(ADMIN_PASSWORD), "{logs}");
    assert!(!logs.contains(SERVER_PASSWORD), "{logs}");
    let events: Vec<serde_json::Value> = logs
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let event = |message: &str| {
        events
            .iter()
            .find(|e| e["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no `{message}` line in\n{logs}"))
    };
    let authenticated = event("connection authenticated");
    let pid = authenticated["span"]["pid"]
        .as_i64()
        .unwrap_or_else(|| panic!("no pid: {authenticated}"));
    assert_eq!(authenticated["fields"]["user"], ADMIN);
    let failure = events
        .iter()
        .find(|e| e["fields"]["sqlstate"] == "42P01")
        .unwrap_or_else(|| panic!("no statement error line in\n{logs}"));
    assert_eq!(failure["span"]["pid"].as_i64(), Some(pid), "{failure}");
    let ddl = event("catalog statement");
    assert_eq!(ddl["fields"]["statement"], "CREATE SERVER obs");
    assert_eq!(ddl["span"]["pid"].as_i64(), Some(pid), "{ddl}");
}

/// The gateway's output once it holds every one of `needles` (it arrives through a pipe);
/// panics after [`WAIT`].
async fn wait_logs(gateway: &Gateway, needles: &[&str]) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let logs = gateway.logs();
        if needles.iter().all(|n| logs.contains(n)) {
            return logs;
        }
        assert!(
            Instant::now() < deadline,
            "missing one of {needles:?} in\n{logs}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The PostgreSQL views the shutdown tests run: `short` ends by itself after 2 seconds,
/// `slow` outlives every test.
const PG_SETUP: &str = "CREATE VIEW short AS SELECT pg_sleep(2)::text AS s, 2 AS x; \
     CREATE VIEW slow AS SELECT pg_sleep(60)::text AS s, 1 AS x;";

/// Statements running in PostgreSQL database `name` (other than the prober's).
async fn running_in(pg: &Client, name: &str) -> i64 {
    pg.query_one(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
         AND state = 'active' AND pid <> pg_backend_pid()",
        &[&name],
    )
    .await
    .unwrap_or_else(|e| panic!("pg_stat_activity: {}", backend::describe(&e)))
    .get(0)
}

/// Polls until `want` statements run in database `name`, or [`WAIT`]; the last count.
async fn wait_running(pg: &Client, name: &str, want: i64) -> i64 {
    let deadline = Instant::now() + WAIT;
    loop {
        let seen = running_in(pg, name).await;
        if seen == want || Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A gateway with a PostgreSQL server `p` over database `database`, the metrics endpoint,
/// and `grace` for running statements at shutdown.
async fn start_with_server(
    data: &tempfile::TempDir,
    database: &str,
    grace: &str,
) -> (Gateway, u16) {
    let metrics_port = free_port().expect("a free port");
    let gateway = Gateway::builder(data.path())
        .env(
            "FEDGATE_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .env("FEDGATE_SHUTDOWN_GRACE", grace)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let client = gateway.connect().await.expect("connect");
    gateway
        .rows(&client, &create_postgres_server_sql("p", database))
        .await;
    (gateway, metrics_port)
}

fn send_sigterm(gateway: &Gateway) {
    let pid = gateway.pid().expect("running");
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success());
}

/// Polls `/readyz` until it answers 503; panics after [`WAIT`].
async fn wait_not_ready(metrics_port: u16) {
    let deadline = Instant::now() + WAIT;
    while http_get(metrics_port, "/readyz").await.0 != 503 {
        assert!(Instant::now() < deadline, "/readyz stayed ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The idle client's connection ends with FATAL 57P01.
async fn assert_terminated(connection: tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>) {
    let ended = tokio::time::timeout(WAIT, connection)
        .await
        .expect("the idle connection was closed")
        .expect("the connection task");
    let error = ended.expect_err("closed by the server with an error");
    assert_eq!(error.code().map(|c| c.code()), Some("57P01"), "{error:?}");
}

const GRACE_DB: &str = "fedgate_shutdown_grace";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_running_statement_finish_within_the_grace() {
    let pg = backend::fresh_database(GRACE_DB, PG_SETUP).await;
    let data = tempfile::tempdir().expect("temp dir");
    let (mut gateway, metrics_port) = start_with_server(&data, GRACE_DB, "30s").await;
    let (idle, idle_connection) = connect_watched(&gateway).await;
    let (busy, _busy_connection) = connect_watched(&gateway).await;
    let query =
        tokio::spawn(async move { busy.query("SELECT s, x FROM p.public.short", &[]).await });
    assert_eq!(
        wait_running(&pg, GRACE_DB, 1).await,
        1,
        "{}",
        gateway.logs()
    );

    send_sigterm(&gateway);
    wait_not_ready(metrics_port).await;
    assert_terminated(idle_connection).await;
    assert!(idle.is_closed());
    // No new sessions.
    assert!(gateway.connect().await.is_err());
    let rows = query
        .await
        .expect("the query's task")
        .unwrap_or_else(|e| panic!("the running statement finished: {e:?}\n{}", gateway.logs()));
    assert_eq!(rows[0].get::<_, i32>(1), 2);
    let status = gateway.terminate().expect("fedgate exits");
    assert!(status.success(), "{status}\n{}", gateway.logs());
}

const TERMINATE_DB: &str = "fedgate_shutdown_terminate";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_grace_a_running_statement_is_terminated_with_its_backend_query() {
    let pg = backend::fresh_database(TERMINATE_DB, PG_SETUP).await;
    let data = tempfile::tempdir().expect("temp dir");
    let (mut gateway, metrics_port) = start_with_server(&data, TERMINATE_DB, "500ms").await;
    let (busy, _busy_connection) = connect_watched(&gateway).await;
    let query =
        tokio::spawn(async move { busy.query("SELECT s, x FROM p.public.slow", &[]).await });
    assert_eq!(
        wait_running(&pg, TERMINATE_DB, 1).await,
        1,
        "{}",
        gateway.logs()
    );

    send_sigterm(&gateway);
    wait_not_ready(metrics_port).await;
    let error = tokio::time::timeout(WAIT, query)
        .await
        .expect("the statement ended")
        .expect("the query's task")
        .expect_err("the statement was terminated");
    let db = error
        .as_db_error()
        .unwrap_or_else(|| panic!("not a server error: {error:?}\n{}", gateway.logs()));
    assert_eq!(db.code().code(), "57P01");
    assert_eq!(db.severity(), "FATAL");
    assert_eq!(
        db.message(),
        "terminating connection due to administrator command"
    );
    assert_eq!(
        wait_running(&pg, TERMINATE_DB, 0).await,
        0,
        "PostgreSQL still runs the query"
    );
    let status = gateway.terminate().expect("fedgate exits");
    assert!(status.success(), "{status}\n{}", gateway.logs());
}
