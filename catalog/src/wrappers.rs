//! The foreign-data wrappers compiled into the binary, as the catalog's
//! [`BackendFactory`]: a server's wrapper name picks one, its `pushdown*` options are taken
//! out and applied around the adapter, which never sees them.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::optimizer::OptimizerRule;
use fedgate_adapter_api::{
    AdapterError, Backend, BackendTable, ForeignDataWrapper, Passthrough, PoolStatus, Pushdown,
    RemoteQuery, Result, ServerOptions, SqlDialect, TableEntry,
};

use crate::{wrapper_not_found, BackendFactory, WrapperInfo};

/// The wrappers a binary offers (the binary's one list of adapters).
#[derive(Debug, Clone)]
pub struct Wrappers {
    wrappers: Vec<Arc<dyn ForeignDataWrapper>>,
}

impl Wrappers {
    pub fn new(wrappers: Vec<Arc<dyn ForeignDataWrapper>>) -> Self {
        Self { wrappers }
    }

    /// The optimizer rules every session needs for these backends.
    pub fn optimizer_rules(&self) -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
        self.wrappers
            .iter()
            .flat_map(|w| w.optimizer_rules())
            .collect()
    }
}

impl BackendFactory for Wrappers {
    fn create(
        &self,
        server: &str,
        wrapper: &str,
        options: &ServerOptions,
    ) -> Result<Arc<dyn Backend>, AdapterError> {
        let found = self.wrappers.iter().find(|w| w.answers_to(wrapper));
        let found = found.ok_or_else(|| wrapper_not_found(wrapper))?;
        let (pushdown, options) = Pushdown::from_options(options)?;
        let backend = found.create(server, &options, pushdown)?;
        Ok(Arc::new(WithPushdown { backend, pushdown }))
    }

    fn wrappers(&self) -> Vec<WrapperInfo> {
        let info = |w: &Arc<dyn ForeignDataWrapper>| WrapperInfo {
            name: w.name(),
            aliases: w.aliases(),
            oid: w.oid(),
        };
        self.wrappers.iter().map(info).collect()
    }
}

/// A backend with its `pushdown*` options applied.
#[derive(Debug)]
struct WithPushdown {
    backend: Arc<dyn Backend>,
    pushdown: Pushdown,
}

#[async_trait]
impl Backend for WithPushdown {
    fn wrapper(&self) -> &'static str {
        self.backend.wrapper()
    }

    async fn check_connection(&self) -> Result<()> {
        self.backend.check_connection().await
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        self.backend.list_schemas().await
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        self.backend.list_tables(schema).await
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        self.backend.table(schema, table).await
    }

    fn pushdown(&self) -> Pushdown {
        self.pushdown
    }

    fn sql_dialect(&self) -> Option<Arc<dyn SqlDialect>> {
        self.backend.sql_dialect()
    }

    fn passthrough(&self) -> Option<&dyn Passthrough> {
        self.backend
            .passthrough()
            .filter(|_| self.pushdown.statements)
    }

    fn pool_status(&self) -> Option<PoolStatus> {
        self.backend.pool_status()
    }

    fn execute(&self, query: RemoteQuery) -> SendableRecordBatchStream {
        self.backend.execute(query)
    }
}
