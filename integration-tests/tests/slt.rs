//! The sqllogictest suite: every `integration-tests/slt/**/*.slt` file against a real gateway.
//!
//! 1. Loads `fixtures/postgres/*.sql` into a freshly created PostgreSQL database
//!    `fedgate_slt` (127.0.0.1:5432, user `postgres`); fails if PostgreSQL is unreachable.
//!    When a selected file needs them, also `fixtures/mysql/*.sql` into a freshly created
//!    MariaDB database `fedgate_slt_my` (127.0.0.1:3306, user `root`) and the collections of
//!    `src/mongo_fixture.rs` into MongoDB database `fedgate_slt_mongo` (127.0.0.1:27017);
//!    fails if that backend is unreachable.
//! 2. Starts `fedgate` on a free port with a temporary data directory (the `samples` server
//!    is the repository's `sample-data/`).
//! 3. Runs each file (sorted by path) over a fresh session as user `slt` on database `fedgate`,
//!    or on the database named by a `# database: NAME` line at the top of the file. All
//!    records of a file run, so one report shows every mismatch of the file. A file with a
//!    `# planned: also` line at the top runs a second time with whole-statement pass-through
//!    off (`SET fedgate.passthrough = off`), so that statements a PostgreSQL server answers
//!    as written are also checked through fedgate's planner and pushdown.
//! 4. Prints `ok`/`FAILED` per file, then `N passed, M failed` (files), and exits non-zero if
//!    any file failed or the gateway did not stop cleanly on SIGTERM.
//!
//! `SLT_FILTER=substring` (or a positional argument, as `cargo test <filter>` passes) keeps
//! only the files whose path relative to `slt/` contains it. `FEDGATE_BIN` overrides the
//! binary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fedgate_integration_tests::backend;
use fedgate_integration_tests::gateway::{fedgate_bin, Gateway};
use fedgate_integration_tests::sltdb::SltConnection;
use fedgate_integration_tests::{mongo_fixture, mysql_fixture};
use sqllogictest::{Record, Runner};

/// The PostgreSQL database the fixtures are loaded into; slt files point servers at it.
const FIXTURE_DB: &str = "fedgate_slt";

/// The user slt sessions log in as.
const SLT_USER: &str = "slt";

/// The database of a session unless the file says otherwise.
const DEFAULT_DATABASE: &str = "fedgate";

/// The slt file that queries every backend at once.
const ALL_BACKENDS_FILE: &str = "federated/all_backends.slt";

/// The EXPLAIN goldens of MySQL pushdown, over the MariaDB fixtures.
const MYSQL_EXPLAIN_FILE: &str = "explain/mysql.slt";

/// How many leading lines of a file may hold the `# database: NAME` directive.
const DIRECTIVE_LINES: usize = 10;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        // `cargo test -- --list` and test runners that enumerate tests.
        if !args.iter().any(|a| a == "--ignored") {
            println!("slt: test");
        }
        return ExitCode::SUCCESS;
    }
    let mut filters: Vec<String> = args.into_iter().filter(|a| !a.starts_with('-')).collect();
    if let Ok(filter) = std::env::var("SLT_FILTER") {
        if !filter.is_empty() {
            filters.push(filter);
        }
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&filters)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            println!("slt: setup failed: {e}");
            println!("0 passed, 1 failed");
            ExitCode::FAILURE
        }
    }
}

/// Runs the suite; `Ok(true)` when everything passed.
async fn run(filters: &[String]) -> Result<bool, String> {
    let root = fedgate_integration_tests::crate_dir();
    let slt_dir = root.join("slt");
    let files: Vec<PathBuf> = slt_files(&slt_dir)?
        .into_iter()
        .filter(|f| {
            let rel = relative(&slt_dir, f);
            filters.iter().all(|needle| rel.contains(needle.as_str()))
        })
        .collect();
    if files.is_empty() {
        println!("slt: no file matches the filter {filters:?}");
        println!("0 passed, 0 failed");
        return Ok(true);
    }

    let bin = fedgate_bin()?;
    // Held until the end of the run: concurrent runs on this machine wait for each other.
    let _fixture_lock = backend::lock_database(FIXTURE_DB).await?;
    let fixtures =
        backend::load_fixtures(FIXTURE_DB, &root.join("fixtures").join("postgres")).await?;
    println!(
        "slt: loaded {} fixture file(s) into PostgreSQL database {FIXTURE_DB}",
        fixtures.len()
    );
    load_other_fixtures(&root, &slt_dir, &files).await?;

    let data_dir = tempfile::Builder::new()
        .prefix("fedgate-slt-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary data directory: {e}"))?;
    let mut gateway = Gateway::start(data_dir.path())?;
    println!(
        "slt: {} listening on 127.0.0.1:{} (data dir {})",
        bin.display(),
        gateway.port(),
        data_dir.path().display()
    );

    let mut passed = 0usize;
    let mut failed = 0usize;
    let runs = files.iter().flat_map(|file| {
        let planned = planned_directive(file);
        std::iter::once((file, None)).chain(planned.then_some((file, Some(PLANNED_SETUP))))
    });
    for (file, setup) in runs {
        let rel = match setup {
            None => relative(&slt_dir, file),
            Some(_) => format!("{} (planned)", relative(&slt_dir, file)),
        };
        let failures = run_file(gateway.port(), file, setup).await;
        if failures.is_empty() {
            passed += 1;
            println!("slt {rel} ... ok");
        } else {
            failed += 1;
            println!("slt {rel} ... FAILED ({} record(s))", failures.len());
            for failure in &failures {
                for line in failure.trim_end().lines() {
                    println!("    {line}");
                }
                println!();
            }
        }
    }

    let stopped_cleanly = match gateway.terminate() {
        Ok(status) if status.success() => true,
        Ok(status) => {
            println!(
                "slt: fedgate exited with {status} after SIGTERM (expected 0); its output:\n{}",
                gateway.logs()
            );
            false
        }
        Err(e) => {
            println!("slt: {e}");
            false
        }
    };
    if failed > 0 {
        println!(
            "slt: gateway output (last 60 lines):\n{}",
            last_lines(&gateway.logs(), 60)
        );
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0 && stopped_cleanly)
}

/// Loads the MariaDB and MongoDB fixtures when a selected file uses them (files under
/// `mysql/` and `mongodb/`, `explain/mysql.slt`, and `federated/all_backends.slt`, which uses
/// both): the MariaDB database `fedgate_slt_my` is recreated from `fixtures/mysql/*.sql`, the
/// MongoDB database `fedgate_slt_mongo` dropped and reloaded from `src/mongo_fixture.rs`. A
/// backend that does not answer fails the run. Called while the fixture lock is held.
async fn load_other_fixtures(root: &Path, slt_dir: &Path, files: &[PathBuf]) -> Result<(), String> {
    let uses = |prefixes: &[&str]| {
        files.iter().any(|f| {
            let rel = relative(slt_dir, f).replace('\\', "/");
            prefixes.iter().any(|p| rel.starts_with(p))
        })
    };
    if uses(&["mysql/", MYSQL_EXPLAIN_FILE, ALL_BACKENDS_FILE]) {
        let database = mysql_fixture::SLT_DATABASE;
        let loaded =
            mysql_fixture::load_fixtures(database, &root.join("fixtures").join("mysql")).await?;
        println!(
            "slt: loaded {} fixture file(s) into MariaDB database {database}",
            loaded.len()
        );
    }
    if uses(&["mongodb/", ALL_BACKENDS_FILE]) {
        let database = mongo_fixture::SLT_DATABASE;
        let loaded = mongo_fixture::load_fixtures(database).await?;
        println!(
            "slt: loaded {} collection(s) into MongoDB database {database}",
            loaded.len()
        );
    }
    Ok(())
}

/// The session set-up of a file's second, planned run.
const PLANNED_SETUP: &str = "SET fedgate.passthrough = off";

/// Runs every record of one file, each session starting with `setup`; returns the failures
/// as text.
async fn run_file(port: u16, file: &Path, setup: Option<&'static str>) -> Vec<String> {
    let database = match database_directive(file) {
        Ok(db) => db.unwrap_or_else(|| DEFAULT_DATABASE.to_string()),
        Err(e) => return vec![e],
    };
    let records = match sqllogictest::parse_file(file) {
        Ok(records) => records,
        Err(e) => return vec![format!("parse error: {e}")],
    };
    let mut runner = Runner::new(move || {
        let database = database.clone();
        async move { SltConnection::connect_with(port, SLT_USER, &database, setup).await }
    });
    let mut failures = Vec::new();
    for record in records {
        if let Record::Halt { .. } = record {
            break;
        }
        if let Err(e) = runner.run_async(record).await {
            failures.push(e.display(false).to_string());
        }
    }
    runner.shutdown_async().await;
    failures
}

/// The value of a `# database: NAME` line among the first lines of the file.
fn database_directive(file: &Path) -> Result<Option<String>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    Ok(directive(&text, "database:"))
}

/// Whether the file asks for a second, planned run (`# planned: also`).
fn planned_directive(file: &Path) -> bool {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| directive(&text, "planned:"))
        .is_some_and(|value| value.starts_with("also"))
}

/// The value after `key` in a comment among the first lines of `text`.
fn directive(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take(DIRECTIVE_LINES)
        .filter_map(|line| line.trim().strip_prefix('#'))
        .find_map(|comment| comment.trim().strip_prefix(key))
        .map(|value| value.trim().to_string())
}

/// Every `*.slt` file under `dir`, sorted by path.
fn slt_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| format!("cannot read {}: {e}", current.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read {}: {e}", current.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "slt") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn relative(base: &Path, file: &Path) -> String {
    file.strip_prefix(base)
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned()
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
