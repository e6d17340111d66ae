//! The PostgreSQL backend of fedgate.
//!
//! - Options and connection pool: [`options`] (a `deadpool-postgres` pool per server, no TLS;
//!   connections are made on first use).
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
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime, Status};
use fedgate_adapter_api::{
    error_stream, AdapterError, Backend, BackendTable, Passthrough, PassthroughDescription,
    PassthroughRequest, PassthroughRows, RemoteQuery, Result, ServerOptions, SqlDialect,
    TableEntry,
};
use tokio_postgres::NoTls;

pub use dialect::PostgresDialect;
pub use options::PgOptions;
pub use types::{PG_TYPE_METADATA, TEXT_FALLBACK_METADATA};
pub use wrapper::PostgresWrapper;

use crate::error::{from_pg, from_pool, Endpoint};
use crate::scan::ScanTarget;

/// How long a scan waits for a free pooled connection before failing with 53300.
const POOL_WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// One registered PostgreSQL server.
pub struct PostgresBackend {
    server: Arc<str>,
    options: PgOptions,
    endpoint: Endpoint,
    pool: Pool,
}

impl fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("server", &self.server)
            .field("endpoint", &self.endpoint.address)
            .field("user", &self.options.user)
            .field("dbname", &self.options.dbname)
            .field("pool_size", &self.options.pool_size)
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
        let pool = Pool::builder(manager)
            .max_size(parsed.pool_size)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(parsed.connect_timeout))
            .recycle_timeout(Some(parsed.connect_timeout))
            .wait_timeout(Some(POOL_WAIT_TIMEOUT))
            .build()
            .map_err(|e| {
                AdapterError::internal(format!("cannot build the connection pool: {e}"))
                    .for_server(server_name)
            })?;
        let endpoint = Endpoint {
            address: parsed.endpoint(),
            connect_timeout: parsed.connect_timeout,
            pool_size: parsed.pool_size,
            has_password: parsed.has_password(),
        };
        Ok(Self {
            server: server_name.into(),
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

    /// Connections currently held by the pool (in use or idle).
    pub fn pool_status(&self) -> Status {
        self.pool.status()
    }

    async fn client(&self) -> Result<Object> {
        self.pool
            .get()
            .await
            .map_err(|e| self.fail(from_pool(&e, &self.endpoint)))
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
        }
    }
}

/// Pass-through errors are the server's own, as PostgreSQL would report them to a client
/// connected to it directly: not prefixed with the server name.
#[async_trait]
impl Passthrough for PostgresBackend {
    async fn describe(
        &self,
        sql: &str,
        settings: &[(String, String)],
        parameter_types: &[u32],
    ) -> Result<PassthroughDescription> {
        passthrough::describe(&self.scan_target(), sql, settings, parameter_types).await
    }

    async fn run(&self, request: PassthroughRequest) -> Result<PassthroughRows> {
        passthrough::run(self.scan_target(), request).await
    }
}

#[async_trait]
impl Backend for PostgresBackend {
    fn wrapper(&self) -> &'static str {
        "postgres"
    }

    async fn check_connection(&self) -> Result<()> {
        let client = self.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .map_err(|e| self.pg_error(e))?;
        Ok(())
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        let client = self.client().await?;
        discovery::list_schemas(&client)
            .await
            .map_err(|e| self.pg_error(e))
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        let client = self.client().await?;
        discovery::list_tables(&client, schema)
            .await
            .map_err(|e| self.pg_error(e))
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        let client = self.client().await?;
        let found = discovery::table_schema(&client, schema, table)
            .await
            .map_err(|e| self.pg_error(e))?;
        Ok(found.map(|schema| BackendTable::Remote { schema }))
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
        scan::execute(self.scan_target(), query)
    }
}
