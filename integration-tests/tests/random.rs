//! The randomized differential test: seeded, generated statements (joins, filters, CASE,
//! casts, aggregates, windows, set operations, subqueries) over the semantics dataset with
//! its tables split across PostgreSQL, MariaDB and MongoDB, answered through fedgate and
//! compared with the PostgreSQL oracle holding every table. See
//! `fedgate_integration_tests::random` and `docs/testing.md`.
//!
//! Statement `i` of a run is generated from seed `RANDOM_SEED + i`, which also picks its
//! layout; a difference prints its seed, and `RANDOM_SEED=<seed> RANDOM_QUERIES=1` makes
//! the same statement again. Statements whose tables all sit on PostgreSQL run twice: through
//! pass-through and with `SET fedgate.passthrough = off` (the planner).
//!
//! Environment: `RANDOM_SEED` (decimal or `0x` hex; `new` for one from the clock; default
//! [`DEFAULT_SEED`]), `RANDOM_QUERIES` (default [`DEFAULT_QUERIES`]), `RANDOM_JOBS`
//! (statements in flight, default 2), `RANDOM_TIMEOUT_S` (per statement, default 30),
//! `RANDOM_SHOW` (differences printed in full, default 30), `RANDOM_LOG=path` (every
//! statement and its verdict, one line each), `FEDGATE_BIN`.
//!
//! Prints each difference (seed, layout, both statements, what differs), a summary by kind,
//! and last `N passed, M failed` (statement × session pairs).

use std::cell::RefCell;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fedgate_integration_tests::backend;
use fedgate_integration_tests::gateway::{fedgate_bin, Gateway};
use fedgate_integration_tests::random::{
    data, generate, judge, run, signature, Answer, Features, Query, Schema, Verdict,
};
use tokio_postgres::{Client, NoTls};

/// The seed of a run without `RANDOM_SEED` (CI): fixed, so CI runs the same statements.
const DEFAULT_SEED: u64 = 20_261_207;

/// Statements of a run without `RANDOM_QUERIES`: what fits in about three minutes of a
/// debug build on a 2-core machine (133 s measured on 2026-12-07).
const DEFAULT_QUERIES: usize = 3000;

const USER: &str = "random";

struct Options {
    seed: u64,
    queries: usize,
    jobs: usize,
    timeout: Duration,
    show: usize,
    log: Option<std::path::PathBuf>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text == "new" {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        return Ok(nanos % 1_000_000_000_000);
    }
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    }
    .map_err(|e| format!("RANDOM_SEED={text}: {e}"))
}

impl Options {
    fn from_env() -> Result<Options, String> {
        let number = |name: &str, default: usize| -> Result<usize, String> {
            env(name).map_or(Ok(default), |v| {
                v.trim().parse().map_err(|e| format!("{name}={v}: {e}"))
            })
        };
        Ok(Options {
            seed: env("RANDOM_SEED").map_or(Ok(DEFAULT_SEED), |s| parse_seed(&s))?,
            queries: number("RANDOM_QUERIES", DEFAULT_QUERIES)?,
            jobs: number("RANDOM_JOBS", 2)?.max(1),
            timeout: Duration::from_secs(number("RANDOM_TIMEOUT_S", 30)? as u64),
            show: number("RANDOM_SHOW", 30)?,
            log: env("RANDOM_LOG").map(Into::into),
        })
    }
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--list") {
        if !std::env::args().any(|a| a == "--ignored") {
            println!("random: test");
        }
        return ExitCode::SUCCESS;
    }
    let outcome = Options::from_env().and_then(|options| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
        runtime.block_on(run_all(&options))
    });
    let (passed, failed) = outcome.unwrap_or_else(|e| {
        println!("random: {e}");
        (0, 1)
    });
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Which gateway session a statement ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The session's defaults: pass-through when every table is on PostgreSQL.
    Default,
    /// `SET fedgate.passthrough = off`.
    Planned,
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::Default => "default",
            Path::Planned => "passthrough=off",
        }
    }
}

/// One difference.
struct Difference {
    query: Query,
    path: Path,
    lines: Vec<String>,
    signature: String,
}

#[derive(Default)]
struct Tally {
    statements: usize,
    pairs: usize,
    equal: usize,
    both_failed: usize,
    oracle_errors: usize,
    differences: Vec<Difference>,
    /// Statements per layout name.
    layouts: Vec<(&'static str, usize)>,
    log: Option<std::io::BufWriter<std::fs::File>>,
}

struct Run<'a> {
    options: &'a Options,
    schema: Schema,
    features: Features,
    port: u16,
    next: AtomicUsize,
    tally: RefCell<Tally>,
}

async fn run_all(options: &Options) -> Result<(usize, usize), String> {
    let started = Instant::now();
    println!(
        "random: seed {} ({} statements, {} in flight); replay one: RANDOM_SEED=<seed> RANDOM_QUERIES=1",
        options.seed, options.queries, options.jobs
    );
    data::ping_postgres().await?;
    for line in data::load_all().await? {
        println!("random: {line}");
    }
    let gateway_dir = tempfile::Builder::new()
        .prefix("fedgate-random-gw-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary data directory: {e}"))?;
    let mut gateway = Gateway::builder(gateway_dir.path()).start()?;
    println!(
        "random: {} listening on 127.0.0.1:{}",
        fedgate_bin()?.display(),
        gateway.port()
    );
    let admin = connect_gateway(gateway.port(), "fedgate").await?;
    for sql in data::create_server_statements() {
        admin
            .simple_query(&sql)
            .await
            .map_err(|e| format!("{sql}: {}", backend::describe(&e)))?;
    }
    check_paths(gateway.port()).await?;
    let log = options
        .log
        .as_ref()
        .map(|path| {
            std::fs::File::create(path)
                .map(std::io::BufWriter::new)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
        })
        .transpose()?;
    let run = Run {
        options,
        schema: Schema::new(),
        features: Features::default(),
        port: gateway.port(),
        next: AtomicUsize::new(0),
        tally: RefCell::new(Tally {
            log,
            ..Tally::default()
        }),
    };
    let workers = (0..options.jobs).map(|_| run.worker());
    for outcome in futures::future::join_all(workers).await {
        outcome?;
    }
    let elapsed = started.elapsed();
    let (passed, failed) = run.summary(elapsed);
    if failed > 0 {
        let logs = gateway.logs();
        let lines: Vec<&str> = logs.lines().collect();
        println!("random: gateway output (last 20 lines):");
        for line in &lines[lines.len().saturating_sub(20)..] {
            println!("    {line}");
        }
    }
    if let Err(e) = gateway.terminate() {
        println!("random: warning: {e}");
    }
    Ok((passed, failed))
}

/// Checks that the default session passes an all-PostgreSQL statement through and the
/// planned one does not, so both paths are what they are named.
async fn check_paths(port: u16) -> Result<(), String> {
    let sql = "EXPLAIN SELECT id FROM \"pg\".\"public\".\"emp\"";
    for (path, expect) in [(Path::Default, true), (Path::Planned, false)] {
        let client = open(port, path).await?;
        let rows = client
            .simple_query(sql)
            .await
            .map_err(|e| format!("{sql}: {}", backend::describe(&e)))?;
        let text = backend::text_rows(rows)
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        if text.contains("Pass-through") != expect {
            return Err(format!(
                "session {}: expected {} pass-through, EXPLAIN says:\n{text}",
                path.name(),
                if expect { "a" } else { "no" }
            ));
        }
    }
    Ok(())
}

async fn connect_gateway(port: u16, dbname: &str) -> Result<Client, String> {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(USER)
        .dbname(dbname)
        .application_name("fedgate-random")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .await
        .map_err(|e| format!("cannot connect to the gateway: {}", backend::describe(&e)))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// A gateway session for `path`, set up.
async fn open(port: u16, path: Path) -> Result<Client, String> {
    let client = connect_gateway(port, "fedgate").await?;
    let mut setup = vec!["SET TimeZone = 'UTC'"];
    if path == Path::Planned {
        setup.push("SET fedgate.passthrough = off");
    }
    for sql in setup {
        client
            .simple_query(sql)
            .await
            .map_err(|e| format!("{sql}: {}", backend::describe(&e)))?;
    }
    Ok(client)
}

async fn open_oracle() -> Result<Client, String> {
    let client = backend::connect(data::ORACLE_DATABASE).await?;
    client
        .simple_query("SET TimeZone = 'UTC'")
        .await
        .map_err(|e| backend::describe(&e))?;
    Ok(client)
}

/// A session that is opened again after a statement timed out or closed it.
struct Session {
    client: Option<Client>,
}

impl Session {
    async fn answer(
        &mut self,
        sql: &str,
        limit: Duration,
        open: impl std::future::Future<Output = Result<Client, String>>,
    ) -> Result<Answer, String> {
        let client = match self.client.take() {
            Some(c) if !c.is_closed() => c,
            _ => open.await?,
        };
        let answer = run(&client, sql, limit).await;
        match &answer {
            Err(f) if f.is_timeout() => {
                let token = client.cancel_token();
                let _ =
                    tokio::time::timeout(Duration::from_secs(5), token.cancel_query(NoTls)).await;
            }
            _ => self.client = Some(client),
        }
        Ok(answer)
    }
}

impl Run<'_> {
    async fn worker(&self) -> Result<(), String> {
        let mut oracle = Session { client: None };
        let mut default = Session { client: None };
        let mut planned = Session { client: None };
        let limit = self.options.timeout;
        loop {
            let i = self.next.fetch_add(1, Ordering::SeqCst);
            if i >= self.options.queries {
                return Ok(());
            }
            let seed = self.options.seed.wrapping_add(i as u64);
            let query = generate(seed, &self.schema, &self.features);
            let expected = oracle
                .answer(&query.oracle_sql(), limit, open_oracle())
                .await?;
            let gateway_sql = query.gateway_sql();
            let mut paths = vec![Path::Default];
            if query.layout.all_postgres() {
                paths.push(Path::Planned);
            }
            let mut verdicts = Vec::new();
            for path in paths {
                let session = match path {
                    Path::Default => &mut default,
                    Path::Planned => &mut planned,
                };
                let got = session
                    .answer(&gateway_sql, limit, open(self.port, path))
                    .await?;
                verdicts.push((path, judge(&expected, &got, &query.order), got));
            }
            self.record(query, &expected, verdicts);
        }
    }

    fn record(&self, query: Query, expected: &Answer, verdicts: Vec<(Path, Verdict, Answer)>) {
        let mut tally = self.tally.borrow_mut();
        tally.statements += 1;
        if expected.is_err() {
            tally.oracle_errors += 1;
        }
        match tally
            .layouts
            .iter_mut()
            .find(|(n, _)| *n == query.layout.name)
        {
            Some((_, n)) => *n += 1,
            None => tally.layouts.push((query.layout.name, 1)),
        }
        for (path, verdict, got) in verdicts {
            tally.pairs += 1;
            let word = match &verdict {
                Verdict::Equal => "equal".to_string(),
                Verdict::BothFailed(code) => format!("both-failed {code}"),
                Verdict::Different(_) => "DIFFERENT".to_string(),
            };
            if let Some(log) = tally.log.as_mut() {
                let oracle_error = match expected {
                    Err(e) => format!("oracle error {e}"),
                    Ok(_) => String::new(),
                };
                let _ = writeln!(
                    log,
                    "{}\t{}\t{}\t{word}\t{}\t{oracle_error}",
                    query.seed,
                    query.layout.describe(),
                    path.name(),
                    query.oracle_sql()
                );
            }
            match verdict {
                Verdict::Equal => tally.equal += 1,
                Verdict::BothFailed(_) => tally.both_failed += 1,
                Verdict::Different(lines) => {
                    let difference = Difference {
                        query: query.clone(),
                        path,
                        lines,
                        signature: signature(expected, &got),
                    };
                    if tally.differences.len() < self.options.show {
                        print_difference(&difference);
                    }
                    tally.differences.push(difference);
                }
            }
        }
        let done = tally.statements;
        if done.is_multiple_of(500) {
            println!(
                "random: {done} statements, {} difference(s) so far",
                tally.differences.len()
            );
        }
    }

    /// Prints the summary; returns (passed, failed) statement × session pairs.
    fn summary(&self, elapsed: Duration) -> (usize, usize) {
        let mut tally = self.tally.borrow_mut();
        if let Some(log) = tally.log.as_mut() {
            let _ = log.flush();
        }
        let shown = self.options.show.min(tally.differences.len());
        if tally.differences.len() > shown {
            println!(
                "random: {} more difference(s) not printed in full (RANDOM_SHOW)",
                tally.differences.len() - shown
            );
        }
        let mut kinds: Vec<(String, usize, u64)> = Vec::new();
        for d in &tally.differences {
            match kinds.iter_mut().find(|(s, _, _)| *s == d.signature) {
                Some((_, n, _)) => *n += 1,
                None => kinds.push((d.signature.clone(), 1, d.query.seed)),
            }
        }
        kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
        if !kinds.is_empty() {
            println!("random: differences by kind (count, first seed, kind):");
            for (kind, n, seed) in &kinds {
                println!("  {n:5}  {seed:>14}  {kind}");
            }
        }
        let layouts: Vec<String> = tally
            .layouts
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect();
        println!(
            "random: {} statements ({}), {} runs through fedgate: {} equal, {} both failed with one SQLSTATE class, {} different; the oracle failed {} statement(s)",
            tally.statements,
            layouts.join(", "),
            tally.pairs,
            tally.equal,
            tally.both_failed,
            tally.differences.len(),
            tally.oracle_errors
        );
        println!(
            "random: seed {}, took {:.1}s ({:.1} statements/s)",
            self.options.seed,
            elapsed.as_secs_f64(),
            tally.statements as f64 / elapsed.as_secs_f64().max(0.001)
        );
        let failed = tally.differences.len();
        (tally.pairs - failed, failed)
    }
}

fn print_difference(d: &Difference) {
    println!(
        "random: DIFFERENCE seed {} layout {} session {}: {}",
        d.query.seed,
        d.query.layout.describe(),
        d.path.name(),
        d.signature
    );
    println!(
        "  replay: RANDOM_SEED={} RANDOM_QUERIES=1 cargo test --workspace --test random",
        d.query.seed
    );
    println!("  oracle:  {}", d.query.oracle_sql());
    println!("  fedgate: {}", d.query.gateway_sql());
    for line in &d.lines {
        println!("  {line}");
    }
}
