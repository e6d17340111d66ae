//! A million-row result streams through fedgate: the gateway process's peak memory stays
//! far below the size of the result it sends, in the simple and the extended protocol.
//!
//! The table lives on the fixture PostgreSQL (one million rows: an `int4` id and a 50-byte
//! text). Memory is read from `/proc/<fedgate pid>/status`: `VmHWM` (peak resident set)
//! and `VmRSS`. Before each pass the peak is reset to the current RSS (`5` written to
//! `/proc/<pid>/clear_refs`), so each pass reports its own peak. The test prints the numbers
//! (`cargo test ... --test large_result -- --nocapture`, or `scripts/stream_memory.sh`).

use std::time::Instant;

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::process::{reset_peak, status_kib};
use fedgate_integration_tests::{backend, create_postgres_server_sql};
use futures::{pin_mut, TryStreamExt};
use tokio_postgres::{Client, SimpleQueryMessage};

const LARGE_DB: &str = "fedgate_large_result";
const ROWS: i64 = 1_000_000;
/// Length of each row's text value.
const PAYLOAD: usize = 50;
/// The bound on how much the gateway's resident memory may grow while it streams the
/// result, as a share of the DataRow bytes the client received. The bound is on growth, not
/// on the absolute peak: the process's resident baseline before the query (about 110 MiB
/// in the dev build, most of it taken when the first session is set up) does not depend on
/// the result. Collecting the result would grow it by about 60 MiB (the Arrow data alone).
const MAX_GROWTH_SHARE: f64 = 0.4;

/// What the client read: rows, bytes of DataRow messages, and the sum of the ids.
#[derive(Debug, Default)]
struct Received {
    rows: i64,
    bytes: u64,
    id_sum: i64,
}

const QUERY: &str = "SELECT id, payload FROM p.public.big";

/// Reads the result with the simple protocol, row by row, keeping nothing.
async fn read_simple(client: &Client) -> Received {
    let stream = client.simple_query_raw(QUERY).await.expect("simple query");
    pin_mut!(stream);
    let mut got = Received::default();
    while let Some(message) = stream.try_next().await.expect("a row") {
        if let SimpleQueryMessage::Row(row) = message {
            let id = row.get(0).expect("id");
            let payload = row.get(1).expect("payload");
            assert_eq!(payload.len(), PAYLOAD);
            got.rows += 1;
            got.id_sum += id.parse::<i64>().expect("an integer id");
            // DataRow: type, length, column count, then each value with its length.
            got.bytes += (1 + 4 + 2 + 4 + id.len() + 4 + payload.len()) as u64;
        }
    }
    got
}

/// Reads the result with the extended protocol (binary values), row by row.
async fn read_extended(client: &Client) -> Received {
    let stream = client
        .query_raw(QUERY, std::iter::empty::<i32>())
        .await
        .expect("extended query");
    pin_mut!(stream);
    let mut got = Received::default();
    while let Some(row) = stream.try_next().await.expect("a row") {
        let id: i32 = row.get(0);
        let payload: &str = row.get(1);
        assert_eq!(payload.len(), PAYLOAD);
        got.rows += 1;
        got.id_sum += i64::from(id);
        got.bytes += (1 + 4 + 2 + row.raw_size_bytes()) as u64;
    }
    got
}

/// Peak and growth of fedgate's memory while `read` runs, in KiB.
struct Memory {
    rss_before: u64,
    peak: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_rows_stream_through_fedgate_in_bounded_memory() {
    let _lock = backend::lock_database(LARGE_DB)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    backend::recreate_database(LARGE_DB)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pg = backend::connect(LARGE_DB)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let setup = format!(
        "CREATE TABLE big AS SELECT g::int4 AS id, md5(g::text) || repeat('x', {}) AS payload \
         FROM generate_series(1, {ROWS}) g",
        PAYLOAD - 32
    );
    pg.batch_execute(&setup)
        .await
        .unwrap_or_else(|e| panic!("{}", backend::describe(&e)));

    let data = tempfile::tempdir().expect("temp dir");
    let mut gateway = Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}"));
    let pid = gateway.pid().expect("fedgate runs");
    let client = gateway.connect().await.expect("connect to the gateway");
    let create = create_postgres_server_sql("p", LARGE_DB);
    client.batch_execute(&create).await.expect("CREATE SERVER");
    let row = client
        .query_one("SELECT count(*), max(id) FROM p.public.big", &[])
        .await
        .expect("count");
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, i32>(1)),
        (ROWS, ROWS as i32)
    );

    for protocol in ["simple", "extended"] {
        reset_peak(pid);
        let rss_before = status_kib(pid, "VmRSS");
        let started = Instant::now();
        let got = match protocol {
            "simple" => read_simple(&client).await,
            _ => read_extended(&client).await,
        };
        let memory = Memory {
            rss_before,
            peak: status_kib(pid, "VmHWM"),
        };
        report_and_check(protocol, &got, &memory, started.elapsed().as_secs_f64());
    }
    gateway.terminate().expect("fedgate stops");
}

fn report_and_check(protocol: &str, got: &Received, memory: &Memory, seconds: f64) {
    assert_eq!(got.rows, ROWS, "{protocol}: rows");
    assert_eq!(got.id_sum, ROWS * (ROWS + 1) / 2, "{protocol}: sum of ids");
    let growth = memory.peak.saturating_sub(memory.rss_before);
    let received_kib = got.bytes / 1024;
    println!(
        "large result ({protocol} protocol): {} rows, {:.1} MiB of DataRow messages in {seconds:.1}s; \
         fedgate RSS before {:.1} MiB, peak (VmHWM) {:.1} MiB, growth {:.1} MiB = {:.1}% of the bytes received",
        got.rows,
        received_kib as f64 / 1024.0,
        memory.rss_before as f64 / 1024.0,
        memory.peak as f64 / 1024.0,
        growth as f64 / 1024.0,
        100.0 * growth as f64 / received_kib as f64
    );
    assert!(
        (growth as f64) < MAX_GROWTH_SHARE * received_kib as f64,
        "{protocol}: fedgate's memory grew by {growth} KiB while sending {received_kib} KiB"
    );
}
