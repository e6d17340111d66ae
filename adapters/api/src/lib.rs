//! The adapter contract between fedgate and its backends.
//!
//! A backend (one registered server) answers discovery questions (schemas, tables, Arrow
//! schemas) and runs the part of a query that fedgate pushes to it. Remote SQL backends get
//! the pushed part as SQL text in their own dialect ([`RemoteQuery`]) and stream Arrow record
//! batches back; local backends (files) hand DataFusion a table provider directly.
//!
//! This crate depends on DataFusion and Arrow only, never on a database driver.

pub mod breaker;
pub mod connection_url;
pub mod deadline;
mod dialect;
mod error;
pub mod limits;
pub mod metadata;
pub mod option_values;
mod options;
pub mod passthrough;
mod pushdown;
pub mod remote_parts;
mod sqlstate;
mod wrapper;

pub use breaker::{BreakerConfig, CircuitBreaker};
pub use deadline::with_deadline;
pub use dialect::{FunctionCall, SqlCapabilities, SqlDialect};
pub use error::{AdapterError, Result};
pub use limits::{BackendLimits, LIMIT_OPTIONS};
pub use options::ServerOptions;
pub use passthrough::{
    BoundParameters, Passthrough, PassthroughDescription, PassthroughRequest, PassthroughRow,
    PassthroughRows, ResultColumn, ValueFormat,
};
pub use pushdown::{Pushdown, PUSHDOWN_OPTIONS};
pub use sqlstate::SqlState;
pub use wrapper::ForeignDataWrapper;

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::execution::SendableRecordBatchStream;

/// See [`metadata::INVALID_DATES`].
pub const INVALID_DATES_METADATA: &str = metadata::INVALID_DATES;

/// What kind of relation a discovered table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Table,
    View,
}

/// One table as listed by discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    pub name: String,
    pub kind: TableKind,
}

/// How DataFusion reaches one table of a backend.
#[derive(Debug, Clone)]
pub enum BackendTable {
    /// DataFusion reads the table itself (files backend).
    Local(Arc<dyn TableProvider>),
    /// The backend evaluates SQL over the table; `schema` is the Arrow schema of its columns,
    /// with the backend's column names as field names.
    Remote { schema: SchemaRef },
}

/// A part of a query for a remote backend: SQL text in its dialect, and the Arrow schema the
/// result stream must have (one field per selected column, in order).
#[derive(Debug, Clone)]
pub struct RemoteQuery {
    pub sql: String,
    pub schema: SchemaRef,
}

/// The connection pool of one server, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStatus {
    /// Connections open (idle or in use).
    pub size: usize,
    /// Open connections not in use.
    pub idle: usize,
    /// Statements waiting for a connection.
    pub waiting: usize,
    /// The pool's largest size (`pool_max_size`).
    pub max_size: usize,
}

/// One registered server, seen through its adapter.
#[async_trait]
pub trait Backend: Send + Sync + Debug {
    /// The foreign-data-wrapper name (`postgres`, `files`, ...).
    fn wrapper(&self) -> &'static str;

    /// Checks that the backend is reachable with the configured credentials; the error says
    /// which part (host, authentication, database) failed.
    async fn check_connection(&self) -> Result<()>;

    /// Schemas visible to the configured user.
    async fn list_schemas(&self) -> Result<Vec<String>>;

    /// Tables and views of one schema.
    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>>;

    /// How to read one table; `None` when it does not exist.
    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>>;

    /// What the planner may push to this server (from its `pushdown*` options).
    fn pushdown(&self) -> Pushdown {
        Pushdown::all()
    }

    /// The dialect a remote SQL backend's pushed queries are rendered in; `None` for
    /// backends without SQL. A backend that returns [`BackendTable::Remote`] tables must
    /// have one.
    fn sql_dialect(&self) -> Option<Arc<dyn SqlDialect>> {
        None
    }

    /// Whole statements in this backend's own SQL, for a backend whose SQL is PostgreSQL's
    /// ([`passthrough`]); `None` for the others.
    fn passthrough(&self) -> Option<&dyn Passthrough> {
        None
    }

    /// The state of the server's connection pool; `None` for a backend without one.
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }

    /// Runs a pushed query. The stream connects lazily, yields batches of `query.schema` as
    /// they arrive, and cancels the remote query when it is dropped before its end.
    fn execute(&self, query: RemoteQuery) -> SendableRecordBatchStream {
        let schema = query.schema.clone();
        let wrapper = self.wrapper();
        error_stream(
            schema,
            AdapterError::feature_not_supported(format!(
                "the {wrapper} backend does not run remote queries"
            )),
        )
    }
}

/// A stream that yields one error; for adapters that fail before the first batch.
pub fn error_stream(schema: SchemaRef, error: AdapterError) -> SendableRecordBatchStream {
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    let once = futures::stream::once(async move { Err(error.into_datafusion()) });
    Box::pin(RecordBatchStreamAdapter::new(schema, once))
}
