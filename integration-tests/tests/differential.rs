//! The differential test: every query of `integration-tests/differential/queries/` runs through
//! fedgate over each split layout and directly on a PostgreSQL oracle holding all the data;
//! the results must be equal. See `fedgate_integration_tests::differential` for the layouts,
//! the loaders and the comparison rules (order, NULLs, decimal and float tolerance).
//!
//! 1. `scripts/differential-data.sh` makes the TPC-H SF 0.01 data unless it is there
//!    (`target/differential-data/sf001/`; installs `tpchgen-cli` once per machine).
//! 2. Loads the oracle (PostgreSQL `fedgate_diff_oracle`) and, per layout, each backend
//!    (PostgreSQL `fedgate_diff_pg`, files in a temporary directory, MariaDB
//!    `fedgate_diff_my` and `fedgate_diff_my_mongo`, MongoDB `fedgate_diff_mongo` on the
//!    stand-in of `scripts/mongodb.sh`); databases whose marker table (collection) says they
//!    hold the same data are kept.
//! 3. Starts `fedgate` with a temporary data directory. Per layout: registers its servers
//!    (`CREATE SERVER`), sets `search_path` to their schemas and turns whole-statement
//!    pass-through off (this test checks fedgate's planner and pushdown; the SQL-surface test
//!    covers statements a PostgreSQL server answers as written), runs every query on both sides
//!    and prints `diff <layout> <query> ... ok` or `... DIFF` with the first differing rows.
//!    A layout whose servers cannot be registered or loaded fails with one line, and all its
//!    queries count as failed. Unreachable backends fail; nothing is skipped.
//! 4. Ends with one line `N passed, M failed` (query × layout pairs); exits non-zero if any
//!    failed.
//!
//! Environment: `DIFF_FILTER=substring` (or a positional argument) keeps the queries whose id
//! (`tpch/q01`, `cross/join_full`) contains it; `DIFF_LAYOUTS=pg_files,pg_mysql,pg_mysql_mongo` keeps those
//! layouts; `DIFF_TIMEOUT_S` (default 120) limits each statement; `DIFF_DATA_DIR` uses data
//! made elsewhere by the script; `FEDGATE_BIN` overrides the gateway binary.

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fedgate_integration_tests::backend;
use fedgate_integration_tests::differential::{
    self, compare, float_columns, layouts, load_oracle, simple_rows, Dataset, Layout, Placement,
    QuerySpec, ResultSet, ORACLE_DATABASE,
};
use fedgate_integration_tests::gateway::{fedgate_bin, Gateway};
use tokio_postgres::{Client, NoTls};

/// The user gateway sessions log in as.
const USER: &str = "differential";

/// Default limit for one statement, in seconds.
const DEFAULT_TIMEOUT_S: u64 = 120;

/// How many lines of the gateway's log a failing run prints.
const LOG_LINES: usize = 40;

struct Options {
    filters: Vec<String>,
    layouts: Option<Vec<String>>,
    timeout: Duration,
}

/// Turns whole-statement pass-through off for a session.
const PLANNED: &str = "SET fedgate.passthrough = off";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            println!("differential: test");
        }
        return ExitCode::SUCCESS;
    }
    let mut filters: Vec<String> = args.into_iter().filter(|a| !a.starts_with('-')).collect();
    if let Ok(filter) = std::env::var("DIFF_FILTER") {
        if !filter.is_empty() {
            filters.push(filter);
        }
    }
    let layouts = std::env::var("DIFF_LAYOUTS")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let timeout = std::env::var("DIFF_TIMEOUT_S")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(DEFAULT_TIMEOUT_S);
    let options = Options {
        filters,
        layouts,
        timeout: Duration::from_secs(timeout),
    };

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the tokio runtime: {e}");
            println!("0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    };
    let (passed, failed) = runtime.block_on(run(&options));
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs everything; returns (passed, failed) query × layout pairs.
async fn run(options: &Options) -> (usize, usize) {
    let started = Instant::now();
    let queries =
        match differential::load_queries(&differential::differential_dir().join("queries")) {
            Ok(queries) => queries
                .into_iter()
                .filter(|q| options.filters.iter().all(|f| q.id.contains(f.as_str())))
                .collect::<Vec<_>>(),
            Err(e) => {
                println!("differential: cannot read the queries: {e}");
                return (0, 1);
            }
        };
    let files_dir = match tempfile::Builder::new()
        .prefix("fedgate-diff-files-")
        .tempdir()
    {
        Ok(dir) => dir,
        Err(e) => {
            println!("differential: cannot create a temporary directory: {e}");
            return (0, 1);
        }
    };
    let mut all_layouts = layouts(files_dir.path());
    if let Some(wanted) = &options.layouts {
        if let Some(unknown) = wanted
            .iter()
            .find(|w| !all_layouts.iter().any(|l| &l.name == *w))
        {
            let known: Vec<&str> = all_layouts.iter().map(|l| l.name.as_str()).collect();
            println!(
                "differential: unknown layout {unknown:?} in DIFF_LAYOUTS (layouts: {})",
                known.join(", ")
            );
            return (0, 1);
        }
        all_layouts.retain(|l| wanted.contains(&l.name));
    }
    if queries.is_empty() || all_layouts.is_empty() {
        println!(
            "differential: nothing to run ({} queries match {:?}, {} layouts)",
            queries.len(),
            options.filters,
            all_layouts.len()
        );
        return (0, 0);
    }
    let pairs = queries.len() * all_layouts.len();
    println!(
        "differential: {} queries x {} layouts ({})",
        queries.len(),
        all_layouts.len(),
        all_layouts
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Data and oracle: without them nothing can be compared.
    let setup = async {
        let data = tokio::task::spawn_blocking(Dataset::prepare)
            .await
            .map_err(|e| format!("the data task failed: {e}"))??;
        println!(
            "differential: data {} ({})",
            data.dir.display(),
            data.version
        );
        let outcome = load_oracle(&data)
            .await
            .map_err(|e| format!("oracle: {e}"))?;
        println!("differential: oracle {ORACLE_DATABASE}: {outcome}");
        let oracle = backend::connect(ORACLE_DATABASE).await?;
        oracle
            .batch_execute(&format!(
                "SET statement_timeout = '{}s'; SET TimeZone = 'UTC'",
                options.timeout.as_secs()
            ))
            .await
            .map_err(|e| backend::describe(&e))?;
        let bin = fedgate_bin()?;
        let gateway_dir = tempfile::Builder::new()
            .prefix("fedgate-diff-gw-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary data directory: {e}"))?;
        // Plain log lines (no colour codes) for the excerpt printed on failure.
        let gateway = Gateway::builder(gateway_dir.path())
            .env("NO_COLOR", "1")
            .start()?;
        println!(
            "differential: {} listening on 127.0.0.1:{} (loading took {:.1}s)",
            bin.display(),
            gateway.port(),
            started.elapsed().as_secs_f64()
        );
        Ok::<_, String>((data, oracle, gateway, gateway_dir))
    };
    let (data, oracle, mut gateway, _gateway_dir) = match setup.await {
        Ok(parts) => parts,
        Err(e) => {
            println!("differential: setup failed: {e}");
            println!("differential: all {pairs} query x layout pairs count as failed");
            return (0, pairs);
        }
    };

    let not_pushed_whole = match differential::load_not_pushed_whole(
        &differential::differential_dir().join("not_pushed_whole.txt"),
    ) {
        Ok(entries) => entries,
        Err(e) => {
            println!("differential: {e}");
            return (0, 1);
        }
    };
    let mut runner = Runner {
        options,
        not_pushed_whole,
        data: &data,
        oracle,
        oracle_results: HashMap::new(),
        prepared: HashMap::new(),
        gateway_port: gateway.port(),
    };
    let mut passed = 0;
    let mut failed = 0;
    for layout in &all_layouts {
        let (p, f) = runner.run_layout(layout, &queries).await;
        println!(
            "differential: layout {} done: ok {p}, failed {f}",
            layout.name
        );
        passed += p;
        failed += f;
    }

    match gateway.terminate() {
        Ok(status) if status.success() => {}
        Ok(status) => println!("differential: warning: fedgate exited with {status} after SIGTERM"),
        Err(e) => println!("differential: warning: {e}"),
    }
    if failed > 0 {
        let logs = gateway.logs();
        let lines: Vec<&str> = logs.lines().collect();
        println!("differential: gateway output (last {LOG_LINES} lines):");
        for line in &lines[lines.len().saturating_sub(LOG_LINES)..] {
            println!("    {line}");
        }
    }
    println!("differential: took {:.1}s", started.elapsed().as_secs_f64());
    (passed, failed)
}

struct Runner<'a> {
    options: &'a Options,
    /// Queries a single-server layout is known not to push whole, with the reason.
    not_pushed_whole: BTreeMap<(String, String), String>,
    data: &'a Dataset,
    oracle: Client,
    /// The oracle's result per query id (the oracle does not depend on the layout).
    oracle_results: HashMap<String, Result<ResultSet, String>>,
    /// The outcome of preparing each placement, by its description.
    prepared: HashMap<String, Result<String, String>>,
    gateway_port: u16,
}

impl Runner<'_> {
    /// Runs every query over one layout; returns (passed, failed).
    async fn run_layout(&mut self, layout: &Layout, queries: &[QuerySpec]) -> (usize, usize) {
        let session = match self.set_up_layout(layout).await {
            Ok(session) => session,
            Err(e) => {
                println!(
                    "diff {} ... layout FAILED: {e} ({} queries not run, counted as failed)",
                    layout.name,
                    queries.len()
                );
                return (0, queries.len());
            }
        };
        let mut session = Some(session);
        let (mut passed, mut failed) = (0, 0);
        for query in queries {
            if session.is_none() {
                match self.session(layout).await {
                    Ok(s) => session = Some(s),
                    Err(e) => {
                        println!(
                            "diff {} {} ... DIFF (no gateway session: {e})",
                            layout.name, query.id
                        );
                        failed += 1;
                        continue;
                    }
                }
            }
            let client = session.as_ref().expect("session set above");
            let oracle = self.oracle_result(query).await;
            let started = Instant::now();
            let result = gateway_result(client, &query.sql, self.options.timeout).await;
            let elapsed = started.elapsed().as_secs_f64();
            let head = format!("diff {} {} ...", layout.name, query.id);
            let outcome = match (&oracle, &result) {
                (Err(e), _) => Err((
                    "FAILED".to_string(),
                    vec![format!(
                        "the oracle failed (fix the query or the harness): {e}"
                    )],
                )),
                (Ok(_), Err(e)) => Err(("DIFF".to_string(), vec![format!("fedgate: ERROR {e}")])),
                (Ok(o), Ok(g)) => {
                    compare(o, g, &query.order).map_err(|lines| ("DIFF".to_string(), lines))
                }
            };
            let outcome = match outcome {
                Ok(()) if layout.is_single_server() => self
                    .pushdown_note(client, layout, query)
                    .await
                    .map_err(|lines| ("PUSHDOWN".to_string(), lines)),
                Ok(()) => Ok(String::new()),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(note) => {
                    passed += 1;
                    let rows = oracle.as_ref().map(|o| o.rows.len()).unwrap_or(0);
                    println!("{head} ok ({rows} rows, {elapsed:.2}s{note})");
                }
                Err((word, lines)) => {
                    failed += 1;
                    println!("{head} {word} ({elapsed:.2}s)");
                    for line in lines {
                        println!("    {line}");
                    }
                }
            }
            if result.is_err() && client.is_closed() {
                session = None;
            } else if let Err(e) = &result {
                if e.contains("did not finish within") {
                    // The session still runs the statement: cancel it and use a new one.
                    let token = client.cancel_token();
                    let _ = tokio::time::timeout(Duration::from_secs(5), token.cancel_query(NoTls))
                        .await;
                    session = None;
                }
            }
        }
        if let Some(client) = &session {
            for placement in &layout.placements {
                let sql = format!(
                    "DROP SERVER IF EXISTS {}",
                    fedgate_integration_tests::quote_ident(placement.server())
                );
                let _ = client.simple_query(&sql).await;
            }
        }
        (passed, failed)
    }

    /// On a single-server layout, checks that EXPLAIN shows a TPC-H query as one remote
    /// part with no work above it but arranging rows (renaming, the kept-local ORDER BY and
    /// LIMIT), or that `not_pushed_whole.txt` lists it (and says why). Returns the note for the
    /// `ok` line, or the lines explaining the mismatch.
    async fn pushdown_note(
        &self,
        client: &Client,
        layout: &Layout,
        query: &QuerySpec,
    ) -> Result<String, Vec<String>> {
        let explain = simple_rows(
            client,
            &format!("EXPLAIN {}", query.sql),
            self.options.timeout,
        )
        .await
        .map_err(|e| vec![format!("EXPLAIN failed: {e}")])?;
        let lines: Vec<String> = explain
            .rows
            .iter()
            .flat_map(|row| row.iter().flatten().flat_map(|cell| cell.lines()))
            .map(str::to_string)
            .collect();
        let parts = differential::remote_parts(&lines);
        let local = differential::local_operators(&lines);
        // Whole: one remote part, and nothing but arranging its rows happens in fedgate.
        let whole = parts == 1 && local.is_empty();
        let shape = if local.is_empty() {
            format!("{parts} remote parts")
        } else {
            format!("{parts} remote parts, local {}", local.join(", "))
        };
        // The TPC-H queries must be pushed whole; the cross-backend queries (written to mix
        // backends) only report their shape.
        if !query.id.starts_with("tpch/") {
            return Ok(if whole {
                ", pushed whole".to_string()
            } else {
                format!(", {shape}")
            });
        }
        let key = (layout.name.clone(), query.id.clone());
        match (whole, self.not_pushed_whole.get(&key)) {
            (true, None) => Ok(", pushed whole".to_string()),
            (true, Some(_)) => Err(vec![format!(
                "pushed whole now: remove `{} {}` from differential/not_pushed_whole.txt",
                layout.name, query.id
            )]),
            (false, Some(reason)) => Ok(format!(", {shape}: {reason}")),
            (false, None) => {
                let mut out = vec![format!(
                    "not pushed whole ({shape}); list it in differential/not_pushed_whole.txt with the reason, or push it:"
                )];
                out.extend(lines.into_iter().map(|l| format!("  {l}")));
                Err(out)
            }
        }
    }

    /// Loads the layout's placements and registers its servers; returns a session with the
    /// layout's search_path.
    async fn set_up_layout(&mut self, layout: &Layout) -> Result<Client, String> {
        layout.check()?;
        for placement in &layout.placements {
            let outcome = self.prepare(placement).await;
            match outcome {
                Ok(what) => println!(
                    "differential: {}: server {} = {}: {what}",
                    layout.name,
                    placement.server(),
                    placement.describe()
                ),
                Err(e) => return Err(format!("{}: {e}", placement.describe())),
            }
        }
        let client = self.connect().await?;
        for placement in &layout.placements {
            let drop = format!(
                "DROP SERVER IF EXISTS {}",
                fedgate_integration_tests::quote_ident(placement.server())
            );
            let create = placement.create_server_sql();
            for sql in [drop, create] {
                tokio::time::timeout(self.options.timeout, client.simple_query(&sql))
                    .await
                    .map_err(|_| {
                        format!(
                            "{sql}: did not finish within {}s",
                            self.options.timeout.as_secs()
                        )
                    })?
                    .map_err(|e| format!("{sql}: {}", backend::describe(&e)))?;
            }
        }
        drop(client);
        self.session(layout).await
    }

    async fn prepare(&mut self, placement: &Arc<dyn Placement>) -> Result<String, String> {
        let key = placement.describe();
        if let Some(outcome) = self.prepared.get(&key) {
            return outcome.clone().map(|_| "prepared above".to_string());
        }
        let outcome = placement.prepare(self.data).await;
        self.prepared.insert(key, outcome.clone());
        outcome
    }

    async fn connect(&self) -> Result<Client, String> {
        let (client, connection) = tokio_postgres::Config::new()
            .host("127.0.0.1")
            .port(self.gateway_port)
            .user(USER)
            .dbname("fedgate")
            .application_name("fedgate-differential")
            .connect_timeout(Duration::from_secs(10))
            .connect(NoTls)
            .await
            .map_err(|e| format!("cannot connect to the gateway: {}", backend::describe(&e)))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    /// A gateway session with the layout's search_path, planned by fedgate.
    async fn session(&self, layout: &Layout) -> Result<Client, String> {
        let client = self.connect().await?;
        for sql in [layout.search_path_sql(), PLANNED.to_string()] {
            client
                .simple_query(&sql)
                .await
                .map_err(|e| format!("{sql}: {}", backend::describe(&e)))?;
        }
        Ok(client)
    }

    async fn oracle_result(&mut self, query: &QuerySpec) -> Result<ResultSet, String> {
        if let Some(result) = self.oracle_results.get(&query.id) {
            return result.clone();
        }
        let timeout = self.options.timeout;
        let result = async {
            let floats = float_columns(&self.oracle, &query.sql, timeout).await?;
            let mut result = simple_rows(&self.oracle, &query.sql, timeout).await?;
            result.float_columns = floats;
            Ok(result)
        }
        .await;
        self.oracle_results.insert(query.id.clone(), result.clone());
        result
    }
}

/// The gateway's result; the column types come from preparing the statement, and when the
/// gateway cannot prepare it the oracle's types decide alone.
async fn gateway_result(
    client: &Client,
    sql: &str,
    timeout: Duration,
) -> Result<ResultSet, String> {
    let floats = match float_columns(client, sql, timeout).await {
        Ok(floats) => floats,
        Err(e) if e.contains("did not finish within") => return Err(e),
        Err(_) => Vec::new(),
    };
    let mut result = simple_rows(client, sql, timeout).await?;
    result.float_columns = floats;
    Ok(result)
}
