//! One registered server while fedgate runs: its options, its backend, what discovery found
//! and the tables already resolved.
//!
//! A [`ServerState`] is replaced whole when the server is altered, so a query that started
//! with the old backend finishes with it. Locks here are never held across an `await`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::catalog::TableProvider;
use datafusion::datasource::TableType;
use fedgate_adapter_api::{
    AdapterError, Backend, BackendTable, Result, ServerOptions, TableEntry, TableKind,
};

use crate::RemoteTableBuilder;

use crate::discovery::{discover, resolve_name, Discovery};
use crate::{read, write};

/// A resolved table, keyed by (schema, table) with the backend's spelling.
type TableCache = HashMap<(String, String), Arc<dyn TableProvider>>;

/// One live server.
pub(crate) struct ServerState {
    pub name: String,
    pub wrapper: String,
    pub options: ServerOptions,
    pub backend: Arc<dyn Backend>,
    remote_tables: Arc<dyn RemoteTableBuilder>,
    discovery: RwLock<Discovery>,
    tables: RwLock<TableCache>,
    discovering: AtomicBool,
}

impl fmt::Debug for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerState")
            .field("name", &self.name)
            .field("wrapper", &self.wrapper)
            .field("options", &self.options.redacted())
            .finish_non_exhaustive()
    }
}

impl ServerState {
    pub fn new(
        name: &str,
        wrapper: &str,
        options: ServerOptions,
        backend: Arc<dyn Backend>,
        remote_tables: Arc<dyn RemoteTableBuilder>,
        discovery: Discovery,
    ) -> Self {
        Self {
            name: name.to_string(),
            wrapper: wrapper.to_string(),
            options,
            backend,
            remote_tables,
            discovery: RwLock::new(discovery),
            tables: RwLock::new(HashMap::new()),
            discovering: AtomicBool::new(false),
        }
    }

    /// Discovers schemas and tables again; with `forget_tables`, resolved tables (their
    /// column lists) are dropped too. On failure, what was known stays.
    pub async fn rediscover(&self, forget_tables: bool) -> Result<()> {
        let found = discover(&self.name, self.backend.as_ref())
            .await
            .map_err(|e| e.for_server(&self.name))?;
        *write(&self.discovery) = found;
        if forget_tables {
            write(&self.tables).clear();
        }
        Ok(())
    }

    /// Retries discovery in a background task, unless one is running (or no runtime is).
    pub fn rediscover_in_background(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.discovering.swap(true, Ordering::SeqCst) {
            return;
        }
        let state = Arc::clone(self);
        runtime.spawn(async move {
            if let Err(e) = state.rediscover(false).await {
                tracing::warn!(server = %state.name, error = %e, "discovery failed");
            }
            state.discovering.store(false, Ordering::SeqCst);
        });
    }

    /// The discovered schema names.
    pub fn schema_names(&self) -> Vec<String> {
        read(&self.discovery).schemas.keys().cloned().collect()
    }

    /// The backend's spelling of a discovered schema (exact, or the only case-insensitive
    /// match).
    pub fn resolve_schema(&self, wanted: &str) -> Option<String> {
        let discovery = read(&self.discovery);
        resolve_name(discovery.schemas.keys(), wanted).cloned()
    }

    /// The discovered tables of a schema.
    pub fn table_names(&self, schema: &str) -> Vec<String> {
        let discovery = read(&self.discovery);
        let tables = discovery.schemas.get(schema);
        tables.map_or_else(Vec::new, |t| t.keys().cloned().collect())
    }

    /// The backend's spelling and kind of a discovered table.
    pub fn resolve_table(&self, schema: &str, wanted: &str) -> Option<(String, TableKind)> {
        let discovery = read(&self.discovery);
        let tables = discovery.schemas.get(schema)?;
        let name = resolve_name(tables.keys(), wanted)?;
        Some((name.clone(), tables[name]))
    }

    /// How DataFusion reads `schema.table`: from the cache, or else asked of the backend
    /// (also for names discovery did not list, so new tables and unreachable-at-start
    /// backends work without a restart; such a lookup also retries a discovery that never
    /// succeeded, in the background). Errors name the server.
    pub async fn table(
        self: &Arc<Self>,
        schema: &str,
        wanted: &str,
    ) -> Result<Option<Arc<dyn TableProvider>>> {
        if !read(&self.discovery).complete {
            self.rediscover_in_background();
        }
        let name = self
            .resolve_table(schema, wanted)
            .map_or_else(|| wanted.to_string(), |(name, _)| name);
        let key = (schema.to_string(), name);
        if let Some(hit) = read(&self.tables).get(&key) {
            return Ok(Some(Arc::clone(hit)));
        }
        let found = self.backend.table(&key.0, &key.1).await;
        let Some(found) = found.map_err(|e| e.for_server(&self.name))? else {
            return Ok(None);
        };
        let provider = self
            .provider(&key.0, &key.1, found)
            .map_err(|e| e.for_server(&self.name))?;
        self.remember(key, &provider);
        Ok(Some(provider))
    }

    /// The table type of a discovered table without asking the backend.
    pub fn discovered_table_type(&self, schema: &str, wanted: &str) -> Option<TableType> {
        self.resolve_table(schema, wanted)
            .map(|(_, kind)| match kind {
                TableKind::Table => TableType::Base,
                TableKind::View => TableType::View,
            })
    }

    /// The table provider for what the backend returned.
    fn provider(
        &self,
        schema: &str,
        table: &str,
        found: BackendTable,
    ) -> Result<Arc<dyn TableProvider>> {
        Ok(match found {
            BackendTable::Local(provider) => provider,
            BackendTable::Remote { schema: arrow } => self.remote_tables.build(
                &self.name,
                Arc::clone(&self.backend),
                schema,
                table,
                arrow,
            )?,
        })
    }

    /// Caches a resolved table and lists it.
    fn remember(&self, key: (String, String), provider: &Arc<dyn TableProvider>) {
        let kind = match provider.table_type() {
            TableType::View => TableKind::View,
            _ => TableKind::Table,
        };
        write(&self.discovery).add_table(&key.0, &key.1, kind);
        write(&self.tables).insert(key, Arc::clone(provider));
    }

    /// Whether a discovery ever succeeded.
    #[cfg(test)]
    pub fn discovery_complete(&self) -> bool {
        read(&self.discovery).complete
    }
}

/// Stands in for a stored server whose adapter cannot be built (unknown wrapper, bad
/// options): every call fails with the build error, until the server is altered or dropped.
#[derive(Debug)]
pub(crate) struct FailedBackend {
    pub error: AdapterError,
}

#[async_trait]
impl Backend for FailedBackend {
    fn wrapper(&self) -> &'static str {
        "unavailable"
    }

    async fn check_connection(&self) -> Result<()> {
        Err(self.error.clone())
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        Err(self.error.clone())
    }

    async fn list_tables(&self, _schema: &str) -> Result<Vec<TableEntry>> {
        Err(self.error.clone())
    }

    async fn table(&self, _schema: &str, _table: &str) -> Result<Option<BackendTable>> {
        Err(self.error.clone())
    }
}
