//! fedgate's memory settles: connections that close and statements that end leave nothing
//! behind in the gateway process.
//!
//! Two soaks against a gateway over the fixture PostgreSQL, each measured from where the
//! gateway's resident set (`VmRSS`) settled after a warm-up of the same work:
//! - connection churn: [`CONNECTION_CYCLES`] connect, point query, disconnect cycles from
//!   [`WORKERS`] clients at a time (an application without a pool);
//! - statement churn: [`STATEMENTS`] point queries on [`WORKERS`] persistent connections,
//!   alternating the simple protocol and a prepared statement (Bind/Execute).
//!
//! Each ends with the resident set within [`MARGIN_KIB`] of the settled one. Before the fix
//! every closed connection left about 5 MB behind (a reference cycle through the session's
//! `pg_catalog`), which the first soak turns into gigabytes. The counts can be lowered for a
//! quick local run with `FEDGATE_SOAK_CONNECTIONS` and `FEDGATE_SOAK_STATEMENTS`; the
//! numbers are printed (`-- --nocapture`).

use std::time::{Duration, Instant};

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::process::rss_kib;
use fedgate_integration_tests::{backend, create_postgres_server_sql};
use tokio_postgres::Client;

const SOAK_DB: &str = "fedgate_memory_soak";
const ACCOUNTS: i32 = 10_000;
const CONNECTION_CYCLES: usize = 2_000;
const STATEMENTS: usize = 100_000;
/// Clients working at once.
const WORKERS: usize = 4;
/// How far the resident set may end above where it settled after the warm-up.
const MARGIN_KIB: u64 = 32 * 1024;
const POINT_QUERY: &str = "SELECT abalance FROM p.public.accounts WHERE aid = ";

fn count_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A gateway with server `p` over a fresh database holding `accounts`; the returned client
/// holds the database's lock for the test's duration.
async fn gateway_over_accounts() -> (Gateway, Client, tempfile::TempDir) {
    let setup = format!(
        "CREATE TABLE accounts (aid int4 PRIMARY KEY, abalance int4 NOT NULL); \
         INSERT INTO accounts SELECT g, g % 1000 FROM generate_series(1, {ACCOUNTS}) g"
    );
    let lock = backend::fresh_database(SOAK_DB, &setup).await;
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}"));
    let admin = gateway.connect().await.expect("connect to the gateway");
    admin
        .batch_execute(&create_postgres_server_sql("p", SOAK_DB))
        .await
        .expect("CREATE SERVER");
    (gateway, lock, data)
}

/// The account id the `i`-th statement reads (spread over the table).
fn account(i: usize) -> i32 {
    (i as i32).wrapping_mul(7919).rem_euclid(ACCOUNTS) + 1
}

async fn check_point_query(client: &Client, aid: i32) {
    let rows = client
        .simple_query(&format!("{POINT_QUERY}{aid}"))
        .await
        .unwrap_or_else(|e| panic!("point query: {}", backend::describe(&e)));
    let rows = backend::text_rows(rows);
    assert_eq!(rows, vec![vec![(aid % 1000).to_string()]], "aid {aid}");
}

/// `cycles` connect-query-disconnect cycles, `WORKERS` at a time.
async fn churn_connections(gateway: &Gateway, cycles: usize) {
    let port = gateway.port();
    let workers = (0..WORKERS).map(|w| {
        tokio::spawn(async move {
            for i in (w..cycles).step_by(WORKERS) {
                let client = connect(port).await;
                check_point_query(&client, account(i)).await;
                drop(client);
            }
        })
    });
    for worker in futures::future::join_all(workers).await {
        worker.expect("connection worker");
    }
}

async fn connect(port: u16) -> Client {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user("test")
        .dbname("fedgate")
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect: {}", backend::describe(&e)));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// `count` point queries over `clients`, alternating the simple protocol and a prepared
/// statement executed with a new parameter each time.
async fn churn_statements(clients: &[Client], count: usize) {
    let work = clients.iter().enumerate().map(|(w, client)| async move {
        let prepared = client
            .prepare(&format!("{POINT_QUERY}$1"))
            .await
            .unwrap_or_else(|e| panic!("prepare: {}", backend::describe(&e)));
        for i in (w..count).step_by(clients.len()) {
            let aid = account(i);
            if i % 2 == 0 {
                check_point_query(client, aid).await;
            } else {
                let row = client
                    .query_one(&prepared, &[&aid])
                    .await
                    .unwrap_or_else(|e| panic!("execute: {}", backend::describe(&e)));
                assert_eq!(row.get::<_, i32>(0), aid % 1000, "aid {aid}");
            }
        }
    });
    futures::future::join_all(work).await;
}

/// The resident set once closed sessions have ended (their tasks finish shortly after the
/// client's Terminate).
async fn settled_rss(pid: u32) -> u64 {
    tokio::time::sleep(Duration::from_millis(500)).await;
    rss_kib(pid)
}

fn report_and_check(what: &str, count: usize, settled: u64, end: u64, seconds: f64) {
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "memory soak ({what}): {count} in {seconds:.1}s ({:.0}/s); fedgate RSS settled at \
         {:.1} MiB after warm-up, {:.1} MiB at the end ({:+.1} MiB)",
        count as f64 / seconds,
        mib(settled),
        mib(end),
        mib(end) - mib(settled),
    );
    assert!(
        end <= settled + MARGIN_KIB,
        "{what}: fedgate's resident set grew from {settled} KiB to {end} KiB over {count}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_connections_leave_no_memory_behind() {
    let cycles = count_from_env("FEDGATE_SOAK_CONNECTIONS", CONNECTION_CYCLES);
    let (gateway, _lock, _data) = gateway_over_accounts().await;
    let pid = gateway.pid().expect("fedgate runs");
    churn_connections(&gateway, cycles / 10 + WORKERS).await;
    let settled = settled_rss(pid).await;
    let started = Instant::now();
    churn_connections(&gateway, cycles).await;
    let seconds = started.elapsed().as_secs_f64();
    let end = settled_rss(pid).await;
    report_and_check("connections", cycles, settled, end, seconds);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_statements_leave_no_memory_behind() {
    let count = count_from_env("FEDGATE_SOAK_STATEMENTS", STATEMENTS);
    let (gateway, _lock, _data) = gateway_over_accounts().await;
    let pid = gateway.pid().expect("fedgate runs");
    let mut clients = Vec::new();
    for _ in 0..WORKERS {
        clients.push(gateway.connect().await.expect("connect to the gateway"));
    }
    churn_statements(&clients, count / 10 + WORKERS).await;
    let settled = settled_rss(pid).await;
    let started = Instant::now();
    churn_statements(&clients, count).await;
    let seconds = started.elapsed().as_secs_f64();
    let end = settled_rss(pid).await;
    report_and_check("statements", count, settled, end, seconds);
}
