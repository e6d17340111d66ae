//! Shared setup of the integration tests: the databases `fedgate_myadapter_test` and
//! `fedgate_myadapter_other` and the user `fedgate_test_user` on the local MariaDB/MySQL
//! (127.0.0.1:3306, user root, empty password), created once per test run.
//!
//! These tests never skip: an unreachable server is a failure (in CI, where `CI=true`, and
//! locally alike), with a message that says what is missing.

#![allow(dead_code)]

use std::sync::OnceLock;

use datafusion::arrow::datatypes::SchemaRef;
use fedgate_adapter_api::ServerOptions;
use fedgate_adapter_mysql::MySqlBackend;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};

pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 3306;
pub const DATABASE: &str = "fedgate_myadapter_test";
/// A second database, to check the `databases` option.
pub const OTHER_DATABASE: &str = "fedgate_myadapter_other";
/// A user with the password `right` and SELECT on [`DATABASE`] only.
pub const TEST_USER: &str = "fedgate_test_user";
pub const TEST_USER_PASSWORD: &str = "right";
/// The awkward table name that must survive discovery and execute.
pub const EVIL_TABLE: &str = "a`; DROP TABLE x; --";

const FIXTURE: &str = include_str!("fixture.sql");

/// Connects directly (not through the adapter) as root, with `database` as default.
pub async fn connect(database: Option<&str>) -> Conn {
    let opts = OptsBuilder::default()
        .ip_or_hostname(HOST)
        .tcp_port(PORT)
        .user(Some("root"))
        .db_name(database)
        .prefer_socket(false);
    let connecting = tokio::time::timeout(std::time::Duration::from_secs(10), Conn::new(opts));
    match connecting.await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => panic!("{}", unreachable_message(&e.to_string())),
        Err(_) => panic!("{}", unreachable_message("timed out after 10 s")),
    }
}

fn unreachable_message(error: &str) -> String {
    fedgate_adapter_testkit::require(
        &format!("MariaDB or MySQL on {HOST}:{PORT} (user root, empty password)"),
        "fedgate-adapter-mysql",
        error,
    )
}

/// Creates the test databases and user once (dropping leftovers first).
pub fn ensure_database() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    fedgate_adapter_testkit::set_up_once(&READY, create_database);
}

async fn run(conn: &mut Conn, sql: &str) -> Result<(), String> {
    conn.query_drop(sql)
        .await
        .map_err(|e| format!("{sql}: {e}"))
}

async fn create_database() -> Result<(), String> {
    let mut admin = connect(None).await;
    for sql in [
        format!("DROP DATABASE IF EXISTS {DATABASE}"),
        format!("DROP DATABASE IF EXISTS {OTHER_DATABASE}"),
        format!("CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4"),
        format!("CREATE DATABASE {OTHER_DATABASE} CHARACTER SET utf8mb4"),
        format!("DROP USER IF EXISTS '{TEST_USER}'@'%'"),
        format!("DROP USER IF EXISTS '{TEST_USER}'@'127.0.0.1'"),
        format!("CREATE USER '{TEST_USER}'@'%' IDENTIFIED BY '{TEST_USER_PASSWORD}'"),
        format!("CREATE USER '{TEST_USER}'@'127.0.0.1' IDENTIFIED BY '{TEST_USER_PASSWORD}'"),
        format!("GRANT SELECT ON {DATABASE}.* TO '{TEST_USER}'@'%'"),
        format!("GRANT SELECT ON {DATABASE}.* TO '{TEST_USER}'@'127.0.0.1'"),
        format!("CREATE TABLE {OTHER_DATABASE}.t (id INT)"),
    ] {
        run(&mut admin, &sql).await?;
    }
    drop(admin);
    let mut db = connect(Some(DATABASE)).await;
    // Values are written in UTC and with 4-byte UTF-8, as the adapter reads them.
    run(&mut db, "SET NAMES utf8mb4, time_zone = '+00:00'").await?;
    for statement in FIXTURE
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let statement: String = statement
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        if !statement.trim().is_empty() {
            run(&mut db, &statement).await?;
        }
    }
    let evil = quote(EVIL_TABLE);
    run(&mut db, "CREATE TABLE x (id INT)").await?;
    run(
        &mut db,
        &format!("CREATE TABLE {evil} (`col ``x``` INT, `we'ird` VARCHAR(10))"),
    )
    .await?;
    run(
        &mut db,
        &format!("INSERT INTO {evil} VALUES (1, 'o''k'), (2, NULL)"),
    )
    .await?;
    let _ = db.disconnect().await;
    Ok(())
}

/// Quotes a MySQL identifier.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

pub fn options(pairs: &[(&str, &str)]) -> ServerOptions {
    let defaults = [
        ("host", HOST.to_string()),
        ("port", PORT.to_string()),
        ("user", "root".to_string()),
    ];
    fedgate_adapter_testkit::server_options(&defaults, pairs)
}

/// A backend on the local server (the test databases are created first).
pub fn backend(pairs: &[(&str, &str)]) -> MySqlBackend {
    ensure_database();
    MySqlBackend::new("mytest", &options(pairs)).expect("valid options")
}

pub use fedgate_adapter_testkit::{run_query, table_schema};

/// ``SELECT `a`, `b`, ... FROM <table> ORDER BY <order_by>`` for every field of `schema`.
pub fn select_all(schema: &SchemaRef, table: &str, order_by: &str) -> String {
    fedgate_adapter_testkit::select_all(schema, table, order_by, quote)
}
