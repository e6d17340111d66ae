//! Helpers shared by fedgate's integration tests.
//!
//! The tests run the real `fedgate` binary as a child process and talk to it over the
//! PostgreSQL wire protocol with `tokio-postgres`, with a real PostgreSQL server
//! (127.0.0.1:5432, user `postgres`, trust authentication) as backend; `scripts/backends.sh`
//! makes sure it runs.
//!
//! * [`gateway`] finds the binary and starts, stops and kills gateway processes.
//! * [`backend`] connects to the fixture PostgreSQL and (re)creates test databases.
//! * [`process`] reads a gateway process's memory from `/proc`.
//! * [`sltdb`] is the sqllogictest [`AsyncDB`](sqllogictest::AsyncDB) over a gateway session.
//! * [`differential`] is the machinery of the differential test (TPC-H over split layouts).
//! * [`semantics`] is the dataset of traps and its placements on every backend, shared by
//!   the suites that check PostgreSQL's answers; [`surface`] is the SQL-surface test's
//!   machinery (statement files, refusals, comparison, report).

pub mod backend;
pub mod differential;
pub mod gateway;
pub mod mongo_fixture;
pub mod mysql_fixture;
pub mod process;
pub mod random;
pub mod semantics;
pub mod sltdb;
pub mod surface;

use std::path::PathBuf;

/// The `integration-tests/` directory of the repository.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The root of the repository (the cargo workspace).
pub fn repo_root() -> PathBuf {
    let dir = crate_dir();
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

/// The sample dataset shipped with the repository, registered as server `samples`.
pub fn sample_dir() -> PathBuf {
    repo_root().join("sample-data")
}

/// The SQL that lists the registered servers, one row per server with its name in the first
/// column. The only place the tests depend on how the gateway exposes its server list.
pub const LIST_SERVERS_SQL: &str =
    "SELECT srvname FROM pg_catalog.pg_foreign_server ORDER BY srvname";

/// `CREATE SERVER` for a files server over `dir` (files at its root are in schema `public`).
pub fn create_files_server_sql(name: &str, dir: &std::path::Path) -> String {
    format!(
        "CREATE SERVER {} FOREIGN DATA WRAPPER files OPTIONS (path {})",
        quote_ident(name),
        quote_literal(&dir.to_string_lossy())
    )
}

/// `CREATE SERVER` for a postgres server on the fixture PostgreSQL, database `dbname`.
pub fn create_postgres_server_sql(name: &str, dbname: &str) -> String {
    format!(
        "CREATE SERVER {} FOREIGN DATA WRAPPER postgres OPTIONS (host {}, port '{}', dbname {}, user {})",
        quote_ident(name),
        quote_literal(backend::PG_HOST),
        backend::PG_PORT,
        quote_literal(dbname),
        quote_literal(backend::PG_USER)
    )
}

/// Quotes an SQL identifier (`a"b` becomes `"a""b"`).
pub fn quote_ident(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Quotes an SQL string literal (`O'Brien` becomes `'O''Brien'`).
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"; DROP"), "\"a\"\"; DROP\"");
        assert_eq!(quote_literal("O'Brien"), "'O''Brien'");
    }

    #[test]
    fn repo_layout() {
        assert!(repo_root().join("Cargo.toml").is_file());
        assert!(sample_dir().join("shop").is_dir());
    }
}
