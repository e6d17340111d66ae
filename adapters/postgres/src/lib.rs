//! The PostgreSQL backend of fedgate.
//!
//! - Options and connection pool: [`options`] (a `deadpool-postgres` pool per server, no TLS;
//!   connections are made on first use, through the server's circuit breaker). With a
//!   `statement_timeout` the backend's own timeout is set on each connection, and each remote
//!   part also ends with 08006 one second later if the backend never answered
//!   ([`fedgate_adapter_api::with_deadline`]).
//! - Discovery from the catalog: [`discovery`], with the type mapping of [`types`]
//!   (summarised below, full table in `TYPES.md`).
//! - Scans: [`scan`] streams `COPY (<sql>) TO STDOUT (FORMAT binary)` through the incremental
//!   decoder of [`copy_binary`] into Arrow batches of 8192 rows, and cancels the remote query
//!   when the stream is dropped early.
//! - SQL dialect: [`PostgresDialect`] spells the planner's pushed queries for PostgreSQL.
//! - Errors: [`error`] keeps PostgreSQL's own SQLSTATE, message, detail and hint; connection
//!   failures are class 08 and name `host:port`. Every error is prefixed with the server name.
//!
//! Type mapping (PostgreSQL → Arrow): `bool` → Boolean, `int2/int4/int8` → Int16/32/64,
//! `oid` → UInt32, `float4/float8` → Float32/64, `numeric(p,s)` (p ≤ 38) → Decimal128(p,s)
//! (exact, never rounded: a value that does not fit is an error naming the column), other
//! `numeric` → Utf8 with the exact decimal text, `text/varchar/bpchar/name` → Utf8,
//! `bytea` → Binary, `date` → Date32, `time` → Time64(µs), `timestamp` → Timestamp(µs),
//! `timestamptz` → Timestamp(µs, "+00:00"), `interval` → Interval(MonthDayNano),
//! `uuid/json/jsonb`/enums → Utf8, 1-D arrays of those → List, domains as their base type,
//! anything else → Utf8 read through a remote `::text` cast, marked with the field metadata
//! `fedgate.text_fallback` = type name. Every field carries `fedgate.pg_type` =
//! `format_type(atttypid, atttypmod)`. ±infinity dates/timestamps and NaN/±Infinity in
//! Decimal128 columns are errors naming the column; multi-dimensional arrays too.

pub mod copy_binary;
mod dialect;
pub mod discovery;
mod error;
pub mod options;
mod passthrough;
mod scan;
pub mod types;
pub mod values;
mod wrapper;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use fedgate_adapter_api::deadline::items_until;
use fedgate_adapter_api::{
    error_stream, with_deadline, AdapterError, Backend, BackendTable, CircuitBreaker, Passthrough,
    PassthroughDescription, PassthroughRequest, PassthroughRows, PoolStatus, RemoteQuery, Result,
    ServerOptions, SqlDialect, TableEntry,
};
use tokio_postgres::NoTls;

pub use dialect::PostgresDialect;
pub use options::PgOptions;
pub use types::{PG_TYPE_METADATA, TEXT_FALLBACK_METADATA};
pub use wrapper::PostgresWrapper;

use crate::error::{from_pg, Endpoint};
use crate::scan::ScanTarget;

/// One registered PostgreSQL server.
pub struct PostgresBackend {
    server: Arc<str>,
    options: PgOptions,
    endpoint: Endpoint,
    pool: Pool,
    breaker: Arc<CircuitBreaker>,
}

impl fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("server", &self.server)
            .field("endpoint", &self.endpoint.address)
            .field("user", &self.options.user)
            .field("dbname", &self.options.dbname)
            .field("limits", &self.options.limits)
            .finish_non_exhaustive()
    }
}

impl PostgresBackend {
    /// Parses options, builds the pool; does not connect yet.
    pub fn new(server_name: &str, options: &ServerOptions) -> Result<Self> {
        let parsed = PgOptions::parse(options).map_err(|e| e.for_server(server_name))?;
        let manager = Manager::from_config(
            parsed.to_config(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let limits = &parsed.limits;
        let pool = Pool::builder(manager)
            .max_size(limits.pool_max_size)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(parsed.connect_timeout))
            .recycle_timeout(Some(parsed.connect_timeout))
            .wait_timeout(Some(limits.pool_timeout))
            .build()
            .map_err(|e| {
                AdapterError::internal(format!("cannot build the connection pool: {e}"))
                    .for_server(server_name)
            })?;
        let endpoint = Endpoint {
            address: parsed.endpoint(),
            connect_timeout: parsed.connect_timeout,
            limits: parsed.limits.clone(),
            has_password: parsed.has_password(),
        };
        Ok(Self {
            server: server_name.into(),
            breaker: Arc::new(CircuitBreaker::new(parsed.limits.breaker)),
            options: parsed,
            endpoint,
            pool,
        })
    }

    /// The registered server name.
    pub fn server_name(&self) -> &str {
        &self.server
    }

    /// The parsed options (the password is never shown).
    pub fn options(&self) -> &PgOptions {
        &self.options
    }

    async fn client(&self) -> Result<Object> {
        self.scan_target()
            .connection()
            .await
            .map_err(|e| self.fail(e))
    }

    /// Runs a discovery step under the remote deadline (`BackendLimits::bounded`).
    async fn bounded<T>(&self, step: impl Future<Output = Result<T>>) -> Result<T> {
        let limits = &self.options.limits;
        limits.bounded(step, || self.fail(self.no_answer())).await
    }

    /// 08006 for a backend that did not answer within `statement_timeout` and the grace.
    fn no_answer(&self) -> AdapterError {
        self.options
            .limits
            .no_answer(&self.endpoint.address.to_string())
    }

    fn pg_error(&self, error: tokio_postgres::Error) -> AdapterError {
        self.fail(from_pg(&error, &self.endpoint))
    }

    fn fail(&self, error: AdapterError) -> AdapterError {
        error.for_server(&self.server)
    }

    fn scan_target(&self) -> ScanTarget {
        ScanTarget {
            server: self.server.clone(),
            pool: self.pool.clone(),
            endpoint: self.endpoint.clone(),
            breaker: self.breaker.clone(),
        }
    }
}

/// Pass-through errors are the server's own, as PostgreSQL would report them to a client
/// connected to it directly: not prefixed with the server name.
#[async_trait]
impl Passthrough for PostgresBackend {
    /// Bounded by the remote deadline.
    async fn describe(
        &self,
        sql: &str,
        settings: &[(String, String)],
        parameter_types: &[u32],
    ) -> Result<PassthroughDescription> {
        let target = self.scan_target();
        self.bounded(passthrough::describe(
            &target,
            sql,
            settings,
            parameter_types,
        ))
        .await
    }

    /// Bounded by the remote deadline, from the start to the last row.
    async fn run(&self, request: PassthroughRequest) -> Result<PassthroughRows> {
        let running = passthrough::run(self.scan_target(), request);
        let Some(limit) = self.options.limits.remote_deadline() else {
            return running.await;
        };
        let deadline = tokio::time::Instant::now() + limit;
        let mut rows = match tokio::time::timeout_at(deadline, running).await {
            Ok(rows) => rows?,
            Err(_) => return Err(self.fail(self.no_answer())),
        };
        rows.rows = items_until(rows.rows, deadline, self.fail(self.no_answer()));
        Ok(rows)
    }
}

#[async_trait]
impl Backend for PostgresBackend {
    fn wrapper(&self) -> &'static str {
        "postgres"
    }

    async fn check_connection(&self) -> Result<()> {
        self.bounded(async {
            let client = self.client().await?;
            client
                .simple_query("SELECT 1")
                .await
                .map_err(|e| self.pg_error(e))?;
            Ok(())
        })
        .await
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        self.bounded(async {
            let client = self.client().await?;
            discovery::list_schemas(&client)
                .await
                .map_err(|e| self.pg_error(e))
        })
        .await
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        self.bounded(async {
            let client = self.client().await?;
            discovery::list_tables(&client, schema)
                .await
                .map_err(|e| self.pg_error(e))
        })
        .await
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        self.bounded(async {
            let client = self.client().await?;
            let found = discovery::table_schema(&client, schema, table)
                .await
                .map_err(|e| self.pg_error(e))?;
            Ok(found.map(|schema| BackendTable::Remote { schema }))
        })
        .await
    }

    fn pool_status(&self) -> Option<PoolStatus> {
        let status = self.pool.status();
        Some(PoolStatus {
            size: status.size,
            idle: status.available,
            waiting: status.waiting,
            max_size: status.max_size,
        })
    }

    fn sql_dialect(&self) -> Option<Arc<dyn SqlDialect>> {
        Some(Arc::new(PostgresDialect))
    }

    fn passthrough(&self) -> Option<&dyn Passthrough> {
        Some(self)
    }

    fn execute(&self, query: RemoteQuery) -> SendableRecordBatchStream {
        if query.sql.trim().is_empty() {
            let error = AdapterError::internal("empty remote query").for_server(&self.server);
            return error_stream(query.schema, error);
        }
        let deadline = self.options.limits.remote_deadline();
        let no_answer = self.fail(self.no_answer());
        with_deadline(
            scan::execute(self.scan_target(), query),
            deadline,
            no_answer,
        )
    }
}
