//! The MySQL / MariaDB backend of fedgate.
//!
//! - Options and connection pool: [`options`] (a `mysql_async` pool per server over TCP, no
//!   TLS; connections are made on first use). Every connection runs
//!   `SET NAMES utf8mb4, time_zone = '+00:00', sql_mode = <server's mode minus
//!   NO_BACKSLASH_ESCAPES>` ([`options::SESSION_SETUP`]): text is UTF-8 with 4-byte
//!   characters, `TIMESTAMP` values are UTC, and the planner's backslash escapes in string
//!   literals mean what it intends.
//! - Discovery from `information_schema`: [`discovery`]; each MySQL database is a schema
//!   (the `databases` option, or every visible one except `information_schema`, `mysql`,
//!   `performance_schema`, `sys`). Types are mapped by [`types`] (summarised below, full table
//!   in `TYPES.md`).
//! - Scans: [`scan`] runs the planner's SQL with the text protocol and streams the rows into
//!   Arrow batches of 8192 rows ([`values`]); dropping the stream early sends `KILL QUERY` from
//!   a second connection and discards the scan's connection.
//! - SQL dialect: [`MySqlDialect`] spells the planner's pushed queries for MySQL and keeps
//!   DataFusion's meaning (strings compared as bytes, zero dates as NULL).
//! - Errors: [`error`] maps server errors to SQLSTATEs (1045 → 28P01, 1049 → 3D000, a few
//!   other PostgreSQL equivalents, else the server's own SQLSTATE); connection failures are
//!   08001 naming `host:port`. Every error is prefixed with the server name.
//!
//! Type mapping (MySQL → Arrow): `tinyint(1)` (`BOOL`/`BOOLEAN`) → Boolean, non-zero is true
//! (a stored 2 reads as true, also in pushed SQL: [`MySqlDialect`] renders such a column as
//! `(c <> 0)`; the server option `tinyint1_as_boolean 'false'` keeps it Int8), other
//! `tinyint` → Int8, `smallint` → Int16, `mediumint`/`int` → Int32, `bigint` → Int64, their `unsigned`
//! forms → UInt8/16/32/64 (`18446744073709551615` survives), `float`/`double` →
//! Float32/Float64, `decimal(p,s)` → Decimal128(p,s) for p ≤ 38, else Utf8 with the exact text
//! (text fallback `decimal`), `char`/`varchar`/`*text`/`json`/`enum`/`set` → Utf8,
//! `binary`/`varbinary`/`*blob` → Binary, `date` → Date32, `time` → Interval(MonthDayNano)
//! (MySQL `TIME` is a duration up to ±838:59:59, which a time of day cannot hold),
//! `datetime` → Timestamp(µs), `timestamp` → Timestamp(µs, "+00:00"), `year` → Int16,
//! `bit(n)` → UInt64, anything else → Utf8 with the field metadata `fedgate.text_fallback` =
//! type name, read as the server prints it (`inet6`, `uuid`), as WKT through `ST_AsText`
//! (spatial types) or through `CAST(.. AS CHAR)` (types the adapter does not know). Every field
//! carries `fedgate.mysql_type` = `COLUMN_TYPE`. Zero dates (`0000-00-00`, and any date that
//! is not a calendar day) read as NULL with a warning naming the column, once per query; date
//! and time-stamp columns are therefore always nullable.

mod dialect;
pub mod discovery;
pub mod error;
pub mod options;
mod pool;
mod scan;
pub mod types;
pub mod values;
mod wrapper;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use fedgate_adapter_api::{
    error_stream, with_deadline, AdapterError, Backend, BackendTable, PoolStatus, RemoteQuery,
    Result, ServerOptions, SqlDialect, TableEntry,
};
use mysql_async::prelude::Queryable;
use mysql_async::Conn;

pub use dialect::MySqlDialect;
pub use error::sqlstate_for;
pub use options::MySqlOptions;
pub use types::{
    map_column_type, map_column_type_with, TypeOptions, MYSQL_TYPE_METADATA, TEXT_FALLBACK_METADATA,
};
pub use wrapper::MySqlWrapper;

use crate::pool::Connector;
use fedgate_adapter_api::SqlState;

/// One registered MySQL or MariaDB server.
pub struct MySqlBackend {
    options: MySqlOptions,
    connector: Connector,
}

impl fmt::Debug for MySqlBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MySqlBackend")
            .field("server", &self.connector.server)
            .field("endpoint", &self.connector.endpoint.address)
            .field("user", &self.options.user)
            .field("database", &self.options.database)
            .field("databases", &self.options.databases)
            .field("limits", &self.options.limits)
            .finish_non_exhaustive()
    }
}

impl MySqlBackend {
    /// Parses options and builds the pool; does not connect yet.
    pub fn new(server_name: &str, options: &ServerOptions) -> Result<Self> {
        let parsed = MySqlOptions::parse(options).map_err(|e| e.for_server(server_name))?;
        Ok(Self {
            connector: Connector::new(server_name, &parsed),
            options: parsed,
        })
    }

    /// The registered server name.
    pub fn server_name(&self) -> &str {
        &self.connector.server
    }

    /// The parsed options (the password is never shown).
    pub fn options(&self) -> &MySqlOptions {
        &self.options
    }

    async fn conn(&self) -> Result<Conn> {
        self.connector.get().await.map_err(|e| self.fail(e))
    }

    fn query_error(&self, error: mysql_async::Error) -> AdapterError {
        self.fail(self.connector.query_error(&error))
    }

    fn fail(&self, error: AdapterError) -> AdapterError {
        error.for_server(&self.connector.server)
    }

    /// Runs a discovery step under the remote deadline (`BackendLimits::bounded`).
    async fn bounded<T>(&self, step: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        let limits = &self.options.limits;
        limits.bounded(step, || self.fail(self.no_answer())).await
    }

    /// 08006 for a backend that did not answer within `statement_timeout` and the grace.
    fn no_answer(&self) -> AdapterError {
        self.options
            .limits
            .no_answer(&self.connector.endpoint.address.to_string())
    }
}

#[async_trait]
impl Backend for MySqlBackend {
    fn wrapper(&self) -> &'static str {
        "mysql"
    }

    /// Connects, and checks that every database named in the `databases` option is visible:
    /// a misspelt name is an error (3D000) rather than a schema that never appears.
    async fn check_connection(&self) -> Result<()> {
        self.bounded(self.check_connection_unbounded()).await
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        self.bounded(self.list_schemas_unbounded()).await
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        self.bounded(self.list_tables_unbounded(schema)).await
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        self.bounded(self.table_unbounded(schema, table)).await
    }

    fn pool_status(&self) -> Option<PoolStatus> {
        Some(self.connector.status())
    }

    fn sql_dialect(&self) -> Option<Arc<dyn SqlDialect>> {
        Some(Arc::new(MySqlDialect))
    }

    fn execute(&self, query: RemoteQuery) -> SendableRecordBatchStream {
        if query.sql.trim().trim_end_matches(';').trim().is_empty() {
            let error = AdapterError::internal("empty remote query").for_server(self.server_name());
            return error_stream(query.schema, error);
        }
        let deadline = self.options.limits.remote_deadline();
        let no_answer = self.fail(self.no_answer());
        with_deadline(
            scan::execute(self.connector.clone(), query),
            deadline,
            no_answer,
        )
    }
}

/// Discovery without the deadline ([`MySqlBackend::bounded`] adds it).
impl MySqlBackend {
    async fn check_connection_unbounded(&self) -> Result<()> {
        let mut conn = self.conn().await?;
        conn.query_drop("SELECT 1")
            .await
            .map_err(|e| self.query_error(e))?;
        let Some(wanted) = &self.options.databases else {
            return Ok(());
        };
        let visible = discovery::list_databases(&mut conn)
            .await
            .map_err(|e| self.query_error(e))?;
        match wanted.iter().find(|name| !visible.contains(name)) {
            Some(missing) => Err(self.fail(
                AdapterError::new(
                    SqlState::UndefinedDatabase,
                    format!("database \"{missing}\" does not exist or is not visible to the user"),
                )
                .with_hint("Check the databases option of the server."),
            )),
            None => Ok(()),
        }
    }

    async fn list_schemas_unbounded(&self) -> Result<Vec<String>> {
        let mut conn = self.conn().await?;
        let visible = discovery::list_databases(&mut conn)
            .await
            .map_err(|e| self.query_error(e))?;
        Ok(visible
            .into_iter()
            .filter(|name| self.options.exposes(name))
            .collect())
    }

    async fn list_tables_unbounded(&self, schema: &str) -> Result<Vec<TableEntry>> {
        if !self.options.exposes(schema) {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        discovery::list_tables(&mut conn, schema)
            .await
            .map_err(|e| self.query_error(e))
    }

    async fn table_unbounded(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        if !self.options.exposes(schema) {
            return Ok(None);
        }
        let mut conn = self.conn().await?;
        let found = discovery::table_schema(&mut conn, schema, table, self.options.types)
            .await
            .map_err(|e| self.query_error(e))?;
        Ok(found.map(|schema| BackendTable::Remote { schema }))
    }
}
