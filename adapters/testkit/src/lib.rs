//! What the adapters' integration tests share. Each adapter's tests run against a real
//! server on this machine; this crate holds the parts that do not depend on which:
//!
//! - [`require`]: the message when a server the tests need cannot be used. Tests never skip:
//!   a missing server is a failure, in CI (`CI=true`) and locally alike.
//! - [`set_up_once`]: runs an async set-up (create a database, load a fixture) once per test
//!   process, on its own runtime, whatever test runs first.
//! - [`server_options`], [`table_schema`], [`run_query`], [`select_all`]: building a
//!   server's options and reading tables through the adapter contract ([`Backend`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::OnceLock;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use fedgate_adapter_api::{Backend, BackendTable, RemoteQuery, ServerOptions};
use futures::TryStreamExt;

/// The failure message when `server` (e.g. "PostgreSQL on 127.0.0.1:5432 (user postgres,
/// trust authentication)"), needed by the tests of `crate_name`, could not be used.
pub fn require(server: &str, crate_name: &str, error: impl std::fmt::Display) -> String {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let advice = if ci {
        "CI=true: a missing backend is a test failure."
    } else {
        "Start it locally (scripts/backends.sh does); these tests never skip."
    };
    format!("{server} is required by the {crate_name} integration tests and could not be used: {error}. {advice}")
}

/// Runs `setup` once per process (the first caller runs it, on a runtime of its own, and
/// the others wait); panics with its error, for every caller, when it failed.
pub fn set_up_once<F, Fut>(done: &'static OnceLock<Result<(), String>>, setup: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), String>>,
{
    let result = done.get_or_init(|| {
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(setup())
        })
        .join()
        .unwrap_or_else(|panic| {
            Err(panic
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "the test set-up panicked".to_string()))
        })
    });
    if let Err(message) = result {
        panic!("{message}");
    }
}

/// Server options: `defaults`, with `overrides` replacing or adding values.
pub fn server_options(defaults: &[(&str, String)], overrides: &[(&str, &str)]) -> ServerOptions {
    let mut values: BTreeMap<String, String> = defaults
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    for (k, v) in overrides {
        values.insert(k.to_string(), v.to_string());
    }
    ServerOptions::new(values)
}

/// The discovered Arrow schema of a remote table; panics when it is missing or local.
pub async fn table_schema(backend: &dyn Backend, schema: &str, table: &str) -> SchemaRef {
    match backend.table(schema, table).await.expect("discovery") {
        Some(BackendTable::Remote { schema }) => schema,
        other => panic!("{schema}.{table}: unexpected {other:?}"),
    }
}

/// Runs `sql` through the backend's `execute` and collects every batch.
pub async fn run_query(
    backend: &dyn Backend,
    sql: &str,
    schema: SchemaRef,
) -> Result<Vec<RecordBatch>, DataFusionError> {
    let query = RemoteQuery {
        sql: sql.to_string(),
        schema,
    };
    backend.execute(query).try_collect().await
}

/// `SELECT <every field of schema, quoted with quote> FROM table ORDER BY order_by`.
pub fn select_all(
    schema: &SchemaRef,
    table: &str,
    order_by: &str,
    quote: impl Fn(&str) -> String,
) -> String {
    let columns: Vec<String> = schema.fields().iter().map(|f| quote(f.name())).collect();
    format!(
        "SELECT {} FROM {table} ORDER BY {order_by}",
        columns.join(", ")
    )
}
