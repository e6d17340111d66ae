//! Load: many concurrent clients for a while, mixing point queries on PostgreSQL and
//! MariaDB with cross-server joins, through one gateway against the real backends. Every
//! statement must succeed and answer right; the test prints throughput and p50/p99 latency
//! (numbers to read, never asserted: the machine is shared).
//!
//! `LOAD_CLIENTS` (default 64) and `LOAD_SECONDS` (default 8 in the test command; the
//! operations note reports a 30 s run: `LOAD_SECONDS=30 cargo test --workspace --test load
//! -- --nocapture`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use fedgate_integration_tests::backend::fresh_database;
use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::random::rng::Rng;
use fedgate_integration_tests::{create_postgres_server_sql, mysql_fixture};
use tokio_postgres::Client;

const PG_DATABASE: &str = "fedgate_load";
const MY_DATABASE: &str = "fedgate_load";
const ACCOUNTS: i32 = 100_000;
const REGIONS: i32 = 50;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn set_up_backends() -> Client {
    let lock = fresh_database(
        PG_DATABASE,
        &format!(
            "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL, region int NOT NULL);
             INSERT INTO accounts SELECT g, g % 1000, g % {REGIONS} FROM generate_series(1, {ACCOUNTS}) g;
             ANALYZE accounts;"
        ),
    )
    .await;
    mysql_fixture::recreate_database(MY_DATABASE)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let regions: Vec<String> = (0..REGIONS)
        .map(|r| format!("({r}, 'region {r}')"))
        .collect();
    mysql_fixture::run(
        Some(MY_DATABASE),
        &format!(
            "CREATE TABLE regions (id int PRIMARY KEY, name varchar(40) NOT NULL);
             INSERT INTO regions VALUES {};",
            regions.join(", ")
        ),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    lock
}

/// One kind of statement and how to check its answer.
#[derive(Debug, Clone, Copy)]
enum Work {
    PostgresPoint,
    MariaDbPoint,
    CrossJoin,
}

async fn run_work(client: &Client, work: Work, key: i32) -> Result<(), String> {
    match work {
        Work::PostgresPoint => {
            let row = client
                .query_one(
                    "SELECT balance FROM pg.public.accounts WHERE id = $1",
                    &[&key],
                )
                .await
                .map_err(|e| e.to_string())?;
            let balance: i32 = row.get(0);
            (balance == key % 1000)
                .then_some(())
                .ok_or(format!("balance of {key} is {balance}"))
        }
        Work::MariaDbPoint => {
            let region = key % REGIONS;
            let row = client
                .query_one(
                    "SELECT name FROM my.fedgate_load.regions WHERE id = $1",
                    &[&region],
                )
                .await
                .map_err(|e| e.to_string())?;
            let name: String = row.get(0);
            (name == format!("region {region}"))
                .then_some(())
                .ok_or(format!("region {region} is {name}"))
        }
        Work::CrossJoin => {
            let rows = client
                .query(
                    "SELECT r.name, count(*) FROM pg.public.accounts a \
                     JOIN my.fedgate_load.regions r ON a.region = r.id \
                     WHERE a.id BETWEEN $1 AND $1 + 99 GROUP BY r.name",
                    &[&key],
                )
                .await
                .map_err(|e| e.to_string())?;
            let total: i64 = rows.iter().map(|r| r.get::<_, i64>(1)).sum();
            let expected = i64::from((ACCOUNTS - key + 1).min(100));
            (total == expected).then_some(()).ok_or(format!(
                "join from {key} counted {total}, expected {expected}"
            ))
        }
    }
}

/// One client's loop until `until`: its latencies (µs) and errors.
async fn client_loop(client: Client, seed: u64, until: Instant) -> (Vec<u64>, Vec<String>) {
    let mut rng = Rng::new(seed);
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    while Instant::now() < until {
        let work = match rng.weighted(&[70, 15, 15]) {
            0 => Work::PostgresPoint,
            1 => Work::MariaDbPoint,
            _ => Work::CrossJoin,
        };
        let key = rng.range(1, i64::from(ACCOUNTS)) as i32;
        let started = Instant::now();
        match run_work(&client, work, key).await {
            Ok(()) => latencies.push(started.elapsed().as_micros() as u64),
            Err(e) => errors.push(format!("{work:?} with {key}: {e}")),
        }
    }
    (latencies, errors)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_mixed_statements_no_errors() {
    let clients = env_number("LOAD_CLIENTS", 64) as usize;
    let seconds = env_number("LOAD_SECONDS", 8);
    let _lock = set_up_backends().await;
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = Arc::new(Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}")));
    let admin = gateway.connect().await.expect("admin session");
    admin
        .batch_execute(&create_postgres_server_sql("pg", PG_DATABASE))
        .await
        .expect("CREATE SERVER pg");
    admin
        .batch_execute(&mysql_fixture::create_server_sql("my", MY_DATABASE))
        .await
        .expect("CREATE SERVER my");

    let mut sessions = Vec::new();
    for _ in 0..clients {
        sessions.push(gateway.connect().await.expect("a client session"));
    }
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, client)| tokio::spawn(client_loop(client, 20_261_208 + i as u64, until)))
        .collect();
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        let (l, e) = task.await.expect("a client task");
        latencies.extend(l);
        errors.extend(e);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "load: {clients} clients, {elapsed:.1} s: {} statements ({:.0}/s), p50 {:.2} ms, \
         p99 {:.2} ms, {} errors",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        errors.len()
    );
    assert!(
        errors.is_empty(),
        "{} of {} statements failed, e.g. {:?}",
        errors.len(),
        errors.len() + latencies.len(),
        &errors[..errors.len().min(5)]
    );
    assert!(!latencies.is_empty(), "no statement ran");
}
