//! The registry as DataFusion catalogs: catalog = server, then schema, then table.
//!
//! [`FedgateCatalogList`] reads the live registry on every call, so a server created or
//! dropped is visible or gone for every session at once. Besides one catalog per server
//! there is the system catalog `fedgate` (the gateway's default database: the system
//! schemas plus an empty `public`). System schemas added with
//! [`crate::Catalog::add_system_schema`] appear in every catalog.
//!
//! Listings (`schema_names`, `table_names`, `table_exist`) are synchronous in DataFusion and
//! answer from what discovery cached; `table()` asks the backend the first time.
//!
//! Sessions should be built with `create_default_catalog_and_schema(false)` and
//! `default_catalog = "fedgate"`: `register_catalog` keeps other catalogs (such as
//! DataFusion's `datafusion`) for every session, but ignores attempts to replace `fedgate` or
//! a server's catalog.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, CatalogProviderList, SchemaProvider, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result;

use crate::discovery::resolve_name;
use crate::registry::Registry;
use crate::server::ServerState;
use crate::{read, write};

/// The name of the system catalog.
pub const SYSTEM_CATALOG: &str = "fedgate";

/// The empty schema of the system catalog.
pub const SYSTEM_PUBLIC_SCHEMA: &str = "public";

/// DataFusion adds this schema itself; discovered schemas of this name are hidden.
const INFORMATION_SCHEMA: &str = "information_schema";

/// All catalogs: `fedgate`, one per server, and catalogs registered by sessions.
#[derive(Debug)]
pub struct FedgateCatalogList {
    live: Arc<Registry>,
}

impl FedgateCatalogList {
    pub(crate) fn new(live: Arc<Registry>) -> Self {
        Self { live }
    }

    /// The catalog of a server, by exact name or the only case-insensitive match.
    fn server_catalog(&self, name: &str) -> Option<Arc<dyn CatalogProvider>> {
        let servers = read(&self.live.servers);
        let found = match servers.get(name) {
            Some(state) => state,
            None => &servers[resolve_name(servers.keys(), name)?],
        };
        let catalog = ServerCatalog {
            state: Arc::clone(found),
            live: Arc::clone(&self.live),
        };
        Some(Arc::new(catalog))
    }
}

impl CatalogProviderList for FedgateCatalogList {
    /// Keeps a session's catalog for every session; the system catalog and servers' catalogs
    /// cannot be replaced (the call is ignored and returns `None`).
    fn register_catalog(
        &self,
        name: String,
        catalog: Arc<dyn CatalogProvider>,
    ) -> Option<Arc<dyn CatalogProvider>> {
        if name == SYSTEM_CATALOG || self.live.server(&name).is_some() {
            tracing::debug!(catalog = %name, "ignoring a catalog that would replace a server's");
            return None;
        }
        write(&self.live.extra_catalogs).insert(name, catalog)
    }

    fn catalog_names(&self) -> Vec<String> {
        let mut names = vec![SYSTEM_CATALOG.to_string()];
        names.extend(read(&self.live.servers).keys().cloned());
        let extras = read(&self.live.extra_catalogs);
        names.extend(
            extras
                .keys()
                .filter(|n| !names.contains(n))
                .cloned()
                .collect::<Vec<_>>(),
        );
        names
    }

    fn catalog(&self, name: &str) -> Option<Arc<dyn CatalogProvider>> {
        if name == SYSTEM_CATALOG {
            return Some(Arc::new(SystemCatalog {
                live: Arc::clone(&self.live),
            }));
        }
        if let Some(extra) = read(&self.live.extra_catalogs).get(name) {
            if self.live.server(name).is_none() {
                return Some(Arc::clone(extra));
            }
        }
        self.server_catalog(name)
    }
}

/// The system schemas, by name.
fn system_schema(live: &Registry, name: &str) -> Option<Arc<dyn SchemaProvider>> {
    read(&live.system_schemas).get(name).cloned()
}

/// The names of the system schemas.
fn system_schema_names(live: &Registry) -> BTreeSet<String> {
    read(&live.system_schemas).keys().cloned().collect()
}

/// The catalog `fedgate`: the system schemas and an empty `public`.
#[derive(Debug)]
struct SystemCatalog {
    live: Arc<Registry>,
}

impl CatalogProvider for SystemCatalog {
    fn schema_names(&self) -> Vec<String> {
        let mut names = system_schema_names(&self.live);
        names.insert(SYSTEM_PUBLIC_SCHEMA.to_string());
        names.into_iter().collect()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        if let Some(system) = system_schema(&self.live, name) {
            return Some(system);
        }
        (name == SYSTEM_PUBLIC_SCHEMA).then(|| Arc::new(EmptySchema) as Arc<dyn SchemaProvider>)
    }
}

/// A schema with no tables.
#[derive(Debug)]
struct EmptySchema;

#[async_trait]
impl SchemaProvider for EmptySchema {
    fn table_names(&self) -> Vec<String> {
        Vec::new()
    }

    async fn table(&self, _name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        Ok(None)
    }

    fn table_exist(&self, _name: &str) -> bool {
        false
    }
}

/// The catalog of one server: the system schemas and the discovered schemas.
#[derive(Debug)]
struct ServerCatalog {
    state: Arc<ServerState>,
    live: Arc<Registry>,
}

impl CatalogProvider for ServerCatalog {
    fn schema_names(&self) -> Vec<String> {
        let mut names = system_schema_names(&self.live);
        let discovered = self.state.schema_names().into_iter();
        names.extend(discovered.filter(|n| n != INFORMATION_SCHEMA));
        names.into_iter().collect()
    }

    /// A system schema, a discovered schema (exact name or the only case-insensitive
    /// match), or else a schema of that name looked up in the backend table by table.
    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        if let Some(system) = system_schema(&self.live, name) {
            return Some(system);
        }
        let schema = self
            .state
            .resolve_schema(name)
            .unwrap_or_else(|| name.to_string());
        Some(Arc::new(ServerSchema {
            state: Arc::clone(&self.state),
            schema,
        }))
    }
}

/// One schema of a server.
#[derive(Debug)]
struct ServerSchema {
    state: Arc<ServerState>,
    /// The backend's spelling of the schema name.
    schema: String,
}

#[async_trait]
impl SchemaProvider for ServerSchema {
    fn table_names(&self) -> Vec<String> {
        self.state.table_names(&self.schema)
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let found = self.state.table(&self.schema, name).await;
        found.map_err(|e| e.into_datafusion())
    }

    /// Answered from discovery when it listed the table, so listing the tables of a server
    /// does not resolve each one.
    async fn table_type(&self, name: &str) -> Result<Option<TableType>> {
        if let Some(kind) = self.state.discovered_table_type(&self.schema, name) {
            return Ok(Some(kind));
        }
        let table = self.table(name).await?;
        Ok(table.map(|t| t.table_type()))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.state.resolve_table(&self.schema, name).is_some()
    }
}

#[cfg(test)]
mod tests;
