//! Shared setup of the integration tests: the database `fedgate_pgadapter_test` on the local
//! PostgreSQL (127.0.0.1:5432, user postgres, trust auth), created once per test run.
//!
//! These tests never skip: an unreachable PostgreSQL is a failure (in CI, where `CI=true`,
//! and locally alike), with a message that says what is missing.

use std::sync::OnceLock;

use datafusion::arrow::datatypes::SchemaRef;
use fedgate_adapter_api::ServerOptions;
use fedgate_adapter_postgres::PostgresBackend;
use tokio_postgres::{Client, NoTls};

pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 5432;
pub const DATABASE: &str = "fedgate_pgadapter_test";
/// A role with LOGIN but no USAGE on the schema `secret`.
pub const LIMITED_ROLE: &str = "fedgate_pgadapter_limited";
/// The awkward table name that must survive discovery and execute.
pub const EVIL_TABLE: &str = "a\"; DROP TABLE x; --";

const FIXTURE: &str = include_str!("fixture.sql");

/// Connects directly (not through the adapter) to a database of the local server.
pub async fn connect(dbname: &str) -> Client {
    let config = format!("host={HOST} port={PORT} user=postgres dbname={dbname} connect_timeout=5");
    let (client, connection) = match tokio_postgres::connect(&config, NoTls).await {
        Ok(pair) => pair,
        Err(e) => panic!("{}", unreachable_message(&e)),
    };
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

fn unreachable_message(error: &tokio_postgres::Error) -> String {
    fedgate_adapter_testkit::require(
        &format!("PostgreSQL on {HOST}:{PORT} (user postgres, trust authentication)"),
        "fedgate-adapter-postgres",
        format!("{error} ({error:?})"),
    )
}

/// Creates the test database once (dropping a leftover one first).
pub fn ensure_database() {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    fedgate_adapter_testkit::set_up_once(&READY, create_database);
}

async fn create_database() -> Result<(), String> {
    let admin = connect("postgres").await;
    let run = |sql: String| {
        let admin = &admin;
        async move {
            admin
                .batch_execute(&sql)
                .await
                .map_err(|e| format!("{sql}: {e:?}"))
        }
    };
    run(format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")).await?;
    run(format!("DROP ROLE IF EXISTS {LIMITED_ROLE}")).await?;
    run(format!("CREATE ROLE {LIMITED_ROLE} LOGIN")).await?;
    run(format!("CREATE DATABASE {DATABASE}")).await?;
    let db = connect(DATABASE).await;
    db.batch_execute(FIXTURE)
        .await
        .map_err(|e| format!("loading the fixture: {e:?}"))?;
    let evil = quote(EVIL_TABLE);
    db.batch_execute(&format!(
        "CREATE TABLE x (id int);
         CREATE TABLE public.{evil} (\"col \"\"x\"\"\" int4, \"we\"\"ird\" inet);
         INSERT INTO public.{evil} VALUES (1, '10.1.2.3'), (2, NULL);"
    ))
    .await
    .map_err(|e| format!("creating the awkward table: {e:?}"))?;
    Ok(())
}

/// Quotes a PostgreSQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn options(pairs: &[(&str, &str)]) -> ServerOptions {
    let defaults = [
        ("host", HOST.to_string()),
        ("port", PORT.to_string()),
        ("user", "postgres".to_string()),
        ("dbname", DATABASE.to_string()),
    ];
    fedgate_adapter_testkit::server_options(&defaults, pairs)
}

/// A backend on the test database (the database is created first).
pub fn backend(pairs: &[(&str, &str)]) -> PostgresBackend {
    ensure_database();
    PostgresBackend::new("pgtest", &options(pairs)).expect("valid options")
}

pub use fedgate_adapter_testkit::{run_query as run, table_schema};

/// `SELECT "a", "b", ... FROM "schema"."table"` for every field of `schema`.
pub fn select_all(schema: &SchemaRef, table: &str, order_by: &str) -> String {
    fedgate_adapter_testkit::select_all(schema, table, order_by, quote)
}
