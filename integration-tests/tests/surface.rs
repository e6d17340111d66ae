//! The SQL-surface test: every statement of `integration-tests/surface/*.sql` runs directly on
//! the PostgreSQL oracle of the semantics dataset and through fedgate over each placement
//! (`pg`, `mysql`, `mongodb`, `parquet`); fedgate's answer must be PostgreSQL's: column
//! count and names, column type OIDs, values as text, and on error the SQLSTATE. See
//! `fedgate_integration_tests::surface` for the file format and the comparison,
//! `fedgate_integration_tests::semantics` for the dataset and its placements.
//!
//! 1. Loads the oracle (`fedgate_surface_oracle`; for MongoDB, whose dates hold milliseconds,
//!    `fedgate_surface_oracle_ms` with the timestamps cut the same way) and each placement
//!    unless its marker says it holds the same data; writes the Parquet files into a
//!    temporary directory.
//! 2. Starts `fedgate` with a temporary data directory and registers one server per
//!    placement. Per statement file it opens a session on the oracle and one per placement
//!    (connected to the placement's database, `search_path` set to its `server.schema`,
//!    TimeZone UTC, then the file's own `SET`s), runs each entry on both sides and judges.
//! 3. Prints every difference and unlisted refusal that `surface/known-differences.txt`
//!    does not list (see `KnownDifferences`), every listed pair that now answers right, per
//!    placement `N equal, R refused, D different`, and last `N passed, M failed` (statement ×
//!    placement pairs; a listed difference counts as passed); exits non-zero when anything
//!    failed.
//!
//! Environment: `SURFACE_FILTER=substring` (or a positional argument) keeps the entries
//! whose file, id or SQL contains it; `SURFACE_PLACEMENTS=pg,mysql` keeps those placements;
//! `SURFACE_REPORT=path` writes every outcome as a JSON line there; `SURFACE_TIMEOUT_S`
//! (default 30) limits each statement; `SURFACE_UPDATE_KNOWN=1` rewrites the list of known
//! differences from the run; `FEDGATE_BIN` overrides the gateway binary.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fedgate_integration_tests::gateway::{fedgate_bin, Gateway};
use fedgate_integration_tests::semantics::{
    self, load_oracle, load_oracle_at_milliseconds, placements, Placement, ORACLE_DATABASE,
    ORACLE_MS_DATABASE, PLACEMENT_NAMES,
};
use fedgate_integration_tests::surface::{
    answer, judge, known_key, load_refusals, load_statement_files, surface_dir, Answer,
    AnswerSummary, Entry, KnownDifferences, Outcome, Refusals, SqlError, StatementFile, Status,
    Tally,
};
use fedgate_integration_tests::{backend, quote_literal};
use tokio_postgres::{Client, NoTls};

/// The user gateway sessions log in as.
const USER: &str = "surface";

/// Default limit for one statement, in seconds.
const DEFAULT_TIMEOUT_S: u64 = 30;

/// How many lines of the gateway's log a failing run prints.
const LOG_LINES: usize = 30;

struct Options {
    filters: Vec<String>,
    placements: Option<Vec<String>>,
    report: Option<PathBuf>,
    timeout: Duration,
}

impl Options {
    fn from_env() -> Options {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut filters: Vec<String> = args.into_iter().filter(|a| !a.starts_with('-')).collect();
        filters.extend(env("SURFACE_FILTER"));
        Options {
            filters,
            placements: env("SURFACE_PLACEMENTS")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
            report: env("SURFACE_REPORT").map(PathBuf::from),
            timeout: Duration::from_secs(
                env("SURFACE_TIMEOUT_S")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(DEFAULT_TIMEOUT_S),
            ),
        }
    }

    fn keeps(&self, entry: &Entry) -> bool {
        self.filters
            .iter()
            .all(|f| entry.id().contains(f.as_str()) || entry.sql.contains(f.as_str()))
    }
}

/// A non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "--list") {
        if !std::env::args().any(|a| a == "--ignored") {
            println!("surface: test");
        }
        return ExitCode::SUCCESS;
    }
    let options = Options::from_env();
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
    let (passed, failed) = match runtime.block_on(run(&options)) {
        Ok(counts) => counts,
        Err(e) => {
            println!("surface: {e}");
            (0, 1)
        }
    };
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs everything; returns (passed, failed) statement × placement pairs.
async fn run(options: &Options) -> Result<(usize, usize), String> {
    let started = Instant::now();
    let files = selected_files(options)?;
    let parquet_root = tempfile::Builder::new()
        .prefix("fedgate-surface-files-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let chosen = selected_placements(options, parquet_root.path())?;
    let names: Vec<&str> = chosen.iter().map(Placement::name).collect();
    let refusals = load_refusals(&surface_dir().join("refusals.txt"), PLACEMENT_NAMES)?;
    let known = KnownDifferences::load(&surface_dir().join(KNOWN_FILE))?;
    let entries: usize = files.iter().map(|f| f.entries.len()).sum();
    println!(
        "surface: {entries} statements in {} files x placements {}",
        files.len(),
        names.join(", ")
    );

    println!(
        "surface: oracle {ORACLE_DATABASE}: {}",
        load_oracle().await?
    );
    if chosen
        .iter()
        .any(|p| p.oracle_database() == ORACLE_MS_DATABASE)
    {
        println!(
            "surface: oracle {ORACLE_MS_DATABASE}: {}",
            load_oracle_at_milliseconds().await?
        );
    }
    let oracle = backend::connect(ORACLE_DATABASE).await?;
    let gateway_dir = tempfile::Builder::new()
        .prefix("fedgate-surface-gw-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary data directory: {e}"))?;
    let mut gateway = Gateway::builder(gateway_dir.path())
        .env("NO_COLOR", "1")
        .start()?;
    println!(
        "surface: {} listening on 127.0.0.1:{}",
        fedgate_bin()?.display(),
        gateway.port()
    );
    let mut runner = Runner {
        options,
        refusals,
        known,
        gateway_port: gateway.port(),
        broken: BTreeMap::new(),
        tallies: names
            .iter()
            .map(|n| (n.to_string(), Tally::default()))
            .collect(),
        report: open_report(options)?,
    };
    runner.set_up_placements(&chosen, &oracle).await?;
    drop(oracle);
    for file in &files {
        runner.run_file(file, &chosen).await?;
    }
    let (passed, failed) = runner.print_summary()?;
    if failed > 0 {
        print_gateway_log(&gateway);
    }
    if let Err(e) = gateway.terminate() {
        println!("surface: warning: {e}");
    }
    println!("surface: took {:.1}s", started.elapsed().as_secs_f64());
    Ok((passed, failed))
}

/// The statement files with the entries the options keep; checks their `-- tables:` lines.
fn selected_files(options: &Options) -> Result<Vec<StatementFile>, String> {
    let known: Vec<&str> = semantics::tables().iter().map(|t| t.name).collect();
    let mut files = load_statement_files(&surface_dir())?;
    for file in &mut files {
        for entry in &file.entries {
            if let Some(unknown) = entry
                .tables
                .iter()
                .flatten()
                .find(|t| !known.contains(&t.as_str()))
            {
                return Err(format!(
                    "{}: unknown table {unknown:?} in `-- tables:` (tables: {})",
                    entry.id(),
                    known.join(", ")
                ));
            }
        }
        file.entries.retain(|e| options.keeps(e));
    }
    files.retain(|f| !f.entries.is_empty());
    Ok(files)
}

fn selected_placements(
    options: &Options,
    parquet_root: &std::path::Path,
) -> Result<Vec<Placement>, String> {
    let mut all = placements(parquet_root);
    if let Some(wanted) = &options.placements {
        if let Some(unknown) = wanted
            .iter()
            .find(|w| !PLACEMENT_NAMES.contains(&w.as_str()))
        {
            return Err(format!(
                "unknown placement {unknown:?} in SURFACE_PLACEMENTS (placements: {})",
                PLACEMENT_NAMES.join(", ")
            ));
        }
        all.retain(|p| wanted.iter().any(|w| w == p.name()));
    }
    Ok(all)
}

fn open_report(options: &Options) -> Result<Option<std::io::BufWriter<std::fs::File>>, String> {
    options
        .report
        .as_ref()
        .map(|path| {
            std::fs::File::create(path)
                .map(std::io::BufWriter::new)
                .map_err(|e| format!("cannot write the report {}: {e}", path.display()))
        })
        .transpose()
}

fn print_gateway_log(gateway: &Gateway) {
    let logs = gateway.logs();
    let lines: Vec<&str> = logs.lines().collect();
    println!("surface: gateway output (last {LOG_LINES} lines):");
    for line in &lines[lines.len().saturating_sub(LOG_LINES)..] {
        println!("    {line}");
    }
}

/// The list of differences not fixed yet, in `surface/`.
const KNOWN_FILE: &str = "known-differences.txt";

/// The comment lines at the top of [`KNOWN_FILE`].
const KNOWN_HEADER: &str = "\
# Statement x placement pairs whose answer still differs from PostgreSQL's (see
# fedgate_integration_tests::surface::KnownDifferences and BASELINE.md for the causes).
# The SQL-surface test fails on a difference not listed here and on a listed pair that
# answers right now. Regenerate: SURFACE_UPDATE_KNOWN=1 cargo test --workspace --test surface
";

struct Runner<'a> {
    options: &'a Options,
    refusals: Refusals,
    known: KnownDifferences,
    gateway_port: u16,
    /// Placements that could not be loaded or registered, with the reason.
    broken: BTreeMap<String, String>,
    /// The counts per placement, in placement order.
    tallies: Vec<(String, Tally)>,
    report: Option<std::io::BufWriter<std::fs::File>>,
}

impl Runner<'_> {
    /// Loads each placement and registers it as a gateway server; a placement that fails is
    /// marked broken (its statements count as failed) and the others go on.
    async fn set_up_placements(
        &mut self,
        chosen: &[Placement],
        oracle: &Client,
    ) -> Result<(), String> {
        let admin = connect_gateway(self.gateway_port, "fedgate").await?;
        for placement in chosen {
            let outcome = match placement.prepare(oracle).await {
                Ok(what) => {
                    run_simple(&admin, &placement.create_server_sql(), self.options.timeout)
                        .await
                        .map(|()| what)
                        .map_err(|e| format!("CREATE SERVER: {e}"))
                }
                Err(e) => Err(e),
            };
            match outcome {
                Ok(what) => println!(
                    "surface: placement {} = {}: {what}",
                    placement.name(),
                    placement.describe()
                ),
                Err(e) => {
                    println!("surface: placement {} FAILED: {e}", placement.name());
                    self.broken.insert(placement.name().to_string(), e);
                }
            }
        }
        Ok(())
    }

    /// Runs every entry of `file` on the oracle and each placement that holds its tables.
    async fn run_file(&mut self, file: &StatementFile, chosen: &[Placement]) -> Result<(), String> {
        let mut sessions: Vec<Session> = chosen
            .iter()
            .filter(|p| !self.broken.contains_key(p.name()))
            .map(|p| {
                let target = SessionTarget::Gateway {
                    placement: p.clone(),
                    port: self.gateway_port,
                };
                Session::new(target, &file.settings)
            })
            .collect();
        let mut oracles: Vec<Session> = Vec::new();
        for placement in chosen {
            let database = placement.oracle_database();
            if !oracles
                .iter()
                .any(|o| o.oracle_database() == Some(database))
            {
                oracles.push(Session::new(
                    SessionTarget::Oracle(database),
                    &file.settings,
                ));
            }
        }
        let before = self.tallies.clone();
        for entry in &file.entries {
            self.run_entry(entry, &mut oracles, &mut sessions, chosen)
                .await
                .map_err(|e| format!("{}: {e}", entry.id()))?;
        }
        self.print_file_line(file, &before);
        Ok(())
    }

    /// Runs one entry on the oracles, then on the placements holding its tables at once, and
    /// records an outcome for each (placements that could not be set up included); each
    /// placement is judged against the oracle holding its data.
    async fn run_entry(
        &mut self,
        entry: &Entry,
        oracles: &mut [Session],
        sessions: &mut [Session],
        chosen: &[Placement],
    ) -> Result<(), String> {
        let timeout = self.options.timeout;
        let mut expected: Vec<(&'static str, Answer)> = Vec::new();
        for oracle in oracles.iter_mut() {
            let database = oracle.oracle_database().unwrap_or(ORACLE_DATABASE);
            let answer = oracle
                .answer(&entry.sql, timeout)
                .await
                .map_err(|e| format!("the oracle session on {database}: {e}"))?;
            expected.push((database, answer));
        }
        let runs = sessions
            .iter_mut()
            .filter(|session| session.placement().is_some_and(|p| holds_tables(p, entry)))
            .map(|session| async move {
                let name = session.placement().map_or("", Placement::name);
                (name, session.answer(&entry.sql, timeout).await)
            });
        for (placement, got) in futures::future::join_all(runs).await {
            let database = chosen
                .iter()
                .find(|p| p.name() == placement)
                .map_or(ORACLE_DATABASE, Placement::oracle_database);
            let (_, expected) = expected
                .iter()
                .find(|(d, _)| *d == database)
                .ok_or_else(|| format!("no oracle session on {database}"))?;
            self.record(placement, entry, expected, got)?;
        }
        for placement in chosen.iter().filter(|p| holds_tables(p, entry)) {
            if let Some(why) = self.broken.get(placement.name()).cloned() {
                let why = format!("placement not set up: {why}");
                self.write(&Outcome::not_run(placement.name(), entry, &why))?;
            }
        }
        Ok(())
    }

    /// Judges one placement's answer (or why it has none) and records the outcome.
    fn record(
        &mut self,
        placement: &str,
        entry: &Entry,
        expected: &Answer,
        got: Result<Answer, String>,
    ) -> Result<(), String> {
        let outcome = match got {
            Ok(got) => {
                let reason = self.refusals.reason(placement, entry);
                let verdict = judge(expected, &got, entry);
                let outcome = Outcome::new(
                    placement,
                    entry,
                    verdict,
                    reason,
                    AnswerSummary::of(expected),
                    AnswerSummary::of(&got),
                );
                if reason.is_some() && outcome.status == Status::Equal {
                    println!(
                        "note: {placement} {} is listed in surface/refusals.txt but fedgate answers it now: remove the line",
                        entry.id()
                    );
                }
                outcome
            }
            Err(why) => Outcome::not_run(placement, entry, &why),
        };
        self.write(&outcome)
    }

    /// Prints a failing outcome that is not a known difference, adds it to its placement's
    /// tally and the report.
    fn write(&mut self, outcome: &Outcome) -> Result<(), String> {
        let key = known_key(&outcome.placement, &outcome.entry.id());
        let differs = !matches!(outcome.status, Status::Equal | Status::Refused);
        if !self.known.is_listed(&key) {
            for line in outcome.describe() {
                println!("{line}");
            }
        }
        self.known.observe(key, differs);
        if let Some((_, tally)) = self
            .tallies
            .iter_mut()
            .find(|(n, _)| *n == outcome.placement)
        {
            tally.add(outcome.status);
        }
        if let Some(report) = self.report.as_mut() {
            writeln!(report, "{}", outcome.to_json())
                .map_err(|e| format!("cannot write the report: {e}"))?;
        }
        Ok(())
    }

    fn print_file_line(&self, file: &StatementFile, before: &[(String, Tally)]) {
        let parts: Vec<String> = self
            .tallies
            .iter()
            .map(|(name, now)| {
                let then = before
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| *t)
                    .unwrap_or_default();
                let equal = now.passed() - then.passed();
                let all = equal + now.failed() - then.failed();
                format!("{name} {equal}/{all}")
            })
            .collect();
        println!("surface {} ... {}", file.name, parts.join(", "));
    }

    /// Prints the per-placement counts and the known differences' changes; returns
    /// (passed, failed), where a known difference counts as passed and a fixed one that is
    /// still listed as failed.
    fn print_summary(&mut self) -> Result<(usize, usize), String> {
        if let Some(report) = self.report.as_mut() {
            let _ = report.flush();
        }
        let mut pairs = 0;
        for (name, tally) in &self.tallies {
            println!("surface: {name}: {}", tally.summary());
            pairs += tally.passed() + tally.failed();
        }
        let unexpected = self.known.unexpected().len();
        let fixed = self.known.fixed();
        for key in &fixed {
            println!("surface: {key} answers right now: remove it from surface/{KNOWN_FILE}");
        }
        let listed = self.known.still_different();
        println!(
            "surface: {unexpected} difference(s) not in surface/{KNOWN_FILE}, {} listed pair(s) fixed, {listed} known",
            fixed.len()
        );
        let failed = unexpected + fixed.len();
        if std::env::var_os("SURFACE_UPDATE_KNOWN").is_some() {
            let path = surface_dir().join(KNOWN_FILE);
            self.known.write(&path, KNOWN_HEADER)?;
            println!("surface: wrote {}", path.display());
        }
        Ok((pairs - failed, failed))
    }
}

/// Whether `placement` holds every table the entry's `-- tables:` line names.
fn holds_tables(placement: &Placement, entry: &Entry) -> bool {
    entry
        .tables
        .iter()
        .flatten()
        .all(|table| placement.holds(table))
}

/// Where a session goes.
enum SessionTarget {
    /// The oracle database of that name.
    Oracle(&'static str),
    /// The gateway listening on `port`, over `placement`.
    Gateway { placement: Placement, port: u16 },
}

/// A session on the oracle or on the gateway over one placement, opened on first use and
/// opened again after a statement that timed out or closed it.
struct Session {
    target: SessionTarget,
    /// The statements that set the session up: search_path, TimeZone, the file's SETs.
    setup: Vec<String>,
    client: Option<Client>,
}

impl Session {
    fn new(target: SessionTarget, settings: &[String]) -> Session {
        let search_path = match &target {
            SessionTarget::Oracle(_) => "public".to_string(),
            SessionTarget::Gateway { placement, .. } => placement.search_path_entry(),
        };
        let mut setup = vec![
            format!("SET search_path = {search_path}"),
            format!("SET TimeZone = {}", quote_literal("UTC")),
        ];
        setup.extend(settings.iter().cloned());
        Session {
            target,
            setup,
            client: None,
        }
    }

    /// The database of an oracle session.
    fn oracle_database(&self) -> Option<&'static str> {
        match &self.target {
            SessionTarget::Oracle(database) => Some(database),
            SessionTarget::Gateway { .. } => None,
        }
    }

    /// The placement of a gateway session.
    fn placement(&self) -> Option<&Placement> {
        match &self.target {
            SessionTarget::Oracle(_) => None,
            SessionTarget::Gateway { placement, .. } => Some(placement),
        }
    }

    /// The answer to `sql`; `Err` when the session cannot be set up.
    async fn answer(&mut self, sql: &str, timeout: Duration) -> Result<Answer, String> {
        let client = match self.client.take() {
            Some(client) => client,
            None => self.open(timeout).await?,
        };
        let answer = answer(&client, sql, timeout).await;
        let timed_out = [
            answer.result.as_ref().err(),
            answer.oids.as_ref().and_then(|o| o.as_ref().err()),
        ]
        .into_iter()
        .flatten()
        .any(SqlError::is_timeout);
        if timed_out {
            let token = client.cancel_token();
            let _ = tokio::time::timeout(Duration::from_secs(5), token.cancel_query(NoTls)).await;
        } else if !client.is_closed() {
            self.client = Some(client);
        }
        Ok(answer)
    }

    async fn open(&self, timeout: Duration) -> Result<Client, String> {
        let client = match &self.target {
            SessionTarget::Oracle(database) => backend::connect(database).await?,
            SessionTarget::Gateway { placement, port } => {
                connect_gateway(*port, placement.name()).await?
            }
        };
        for sql in &self.setup {
            run_simple(&client, sql, timeout).await?;
        }
        Ok(client)
    }
}

/// A gateway session on database `dbname` (a server name, or `fedgate`).
async fn connect_gateway(port: u16, dbname: &str) -> Result<Client, String> {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(USER)
        .dbname(dbname)
        .application_name("fedgate-surface")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .await
        .map_err(|e| {
            format!(
                "cannot connect to the gateway (database {dbname}): {}",
                backend::describe(&e)
            )
        })?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Runs a statement whose result does not matter; an error names it.
async fn run_simple(client: &Client, sql: &str, timeout: Duration) -> Result<(), String> {
    tokio::time::timeout(timeout, client.simple_query(sql))
        .await
        .map_err(|_| format!("{sql}: did not finish within {}s", timeout.as_secs()))?
        .map_err(|e| format!("{sql}: {}", backend::describe(&e)))?;
    Ok(())
}
