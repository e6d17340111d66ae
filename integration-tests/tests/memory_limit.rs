//! `--memory-limit` bounds what all statements hold together: a sort and an aggregate far
//! larger than the limit spill to `--spill-dir` and answer right, a hash join whose build
//! side cannot fit ends with 53200 (`out of memory`, in fedgate's words) while the gateway
//! goes on serving, and the gateway's peak resident set stays within the limit plus a fixed
//! margin (docs/operations.md).
//!
//! The inputs are DataFusion's streaming `generate_series` table function, so no backend is
//! needed and nothing but the operators under test holds the rows.

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::process::{reset_peak, rss_kib, status_kib};

const LIMIT_MIB: u64 = 32;
/// Rows of the sort and the aggregate: 8M int8 values are 64 MiB, twice the limit (a hash
/// set of as many values, unbounded, takes several times that).
const ROWS: i64 = 8_000_000;
/// How far the peak resident set may rise above the idle one: the limit, the operators'
/// untracked batches in flight and the allocator's slack (docs/operations.md).
const MARGIN_MIB: u64 = 96;

fn series(rows: i64, alias: &str) -> String {
    format!("(SELECT * FROM generate_series(1, {rows})) AS {alias}")
}

#[tokio::test]
async fn statements_larger_than_the_limit_spill_or_end_with_53200() {
    let data = tempfile::tempdir().expect("temp dir");
    let spill = tempfile::tempdir().expect("spill dir");
    let gateway = Gateway::builder(data.path())
        .env("FEDGATE_MEMORY_LIMIT", format!("{LIMIT_MIB}MiB"))
        .env("FEDGATE_SPILL_DIR", spill.path().display().to_string())
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let pid = gateway.pid().expect("the gateway runs");
    let client = gateway.connect().await.expect("connect");
    client.simple_query("SELECT 1").await.expect("warm-up");
    let idle_kib = rss_kib(pid);
    reset_peak(pid);

    // A sort of twice the limit spills and answers right.
    let sorted = format!(
        "SELECT count(*), min(x), max(x) FROM \
         (SELECT x FROM {} ORDER BY x DESC OFFSET 1) AS t",
        series(ROWS, "s(x)")
    );
    let row = client
        .query_one(sorted.as_str(), &[])
        .await
        .expect("the sort spills");
    assert_eq!(
        (
            row.get::<_, i64>(0),
            row.get::<_, i32>(1),
            row.get::<_, i32>(2)
        ),
        (ROWS - 1, 1, (ROWS - 1) as i32)
    );

    // A grouping of as many groups spills too.
    let grouped = format!("SELECT count(DISTINCT x) FROM {}", series(ROWS, "s(x)"));
    let row = client
        .query_one(grouped.as_str(), &[])
        .await
        .expect("the aggregate spills");
    assert_eq!(row.get::<_, i64>(0), ROWS);

    // A hash join's build side does not spill: 53200, with fedgate's words only.
    let joined = format!(
        "SELECT count(*) FROM {} JOIN {} ON x = y",
        series(ROWS / 2, "a(x)"),
        series(ROWS / 2, "b(y)")
    );
    let error = client
        .query_one(joined.as_str(), &[])
        .await
        .expect_err("the join's build side cannot fit");
    let db = error.as_db_error().expect("an error from the gateway");
    assert_eq!(db.code().code(), "53200", "{db:?}");
    assert_eq!(db.message(), "out of memory");
    assert!(db.detail().unwrap_or_default().contains("--memory-limit"));

    // The gateway goes on: the same session answers, the pool is empty again.
    let row = client
        .query_one("SELECT 41 + 1", &[])
        .await
        .expect("still serving");
    assert_eq!(row.get::<_, i32>(0), 42);

    let peak_kib = status_kib(pid, "VmHWM");
    let rise_mib = peak_kib.saturating_sub(idle_kib) / 1024;
    println!(
        "memory limit {LIMIT_MIB} MiB: idle {} MiB, peak {} MiB (+{rise_mib} MiB)",
        idle_kib / 1024,
        peak_kib / 1024
    );
    assert!(
        rise_mib <= LIMIT_MIB + MARGIN_MIB,
        "the peak resident set rose {rise_mib} MiB above idle with a {LIMIT_MIB} MiB limit"
    );
}
