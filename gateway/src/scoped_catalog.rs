//! The catalog list one session sees: every registered server, with listings scoped to the
//! session's database and `pg_catalog` available inside every catalog.
//!
//! PostgreSQL clients expect `pg_class`, `pg_namespace` and `information_schema` to describe
//! the database they connected to, and `pg_database` to list every database. So catalog
//! names (databases = servers) are all listed, while schema listings are non-empty only for
//! the session's own database. Name resolution is not scoped: `other.schema.table` works
//! from any database.

use std::sync::{Arc, RwLock};

use datafusion::catalog::{CatalogProvider, CatalogProviderList, SchemaProvider};
use datafusion::error::Result;

use crate::system_tables::{SystemTables, PG_CATALOG};

/// Wraps the shared catalog list for one session.
#[derive(Debug)]
pub struct ScopedCatalogList {
    inner: Arc<dyn CatalogProviderList>,
    database: String,
    pg_catalog: Arc<RwLock<Option<Arc<dyn SchemaProvider>>>>,
    system_tables: Arc<SystemTables>,
    list_all: bool,
}

impl ScopedCatalogList {
    /// The same catalogs with every database's schemas listed (for `information_schema`,
    /// which PostgreSQL scopes to one database but fedgate lets span all servers); the
    /// `pg_catalog` registered on either is shared.
    pub fn listing_all(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            database: self.database.clone(),
            pg_catalog: self.pg_catalog.clone(),
            system_tables: self.system_tables.clone(),
            list_all: true,
        }
    }

    pub fn new(
        inner: Arc<dyn CatalogProviderList>,
        database: &str,
        system_tables: Arc<SystemTables>,
    ) -> Self {
        Self {
            inner,
            database: database.to_string(),
            pg_catalog: Arc::new(RwLock::new(None)),
            system_tables,
            list_all: false,
        }
    }
}

impl CatalogProviderList for ScopedCatalogList {
    fn register_catalog(
        &self,
        name: String,
        catalog: Arc<dyn CatalogProvider>,
    ) -> Option<Arc<dyn CatalogProvider>> {
        self.inner.register_catalog(name, catalog)
    }

    fn catalog_names(&self) -> Vec<String> {
        self.inner.catalog_names()
    }

    fn catalog(&self, name: &str) -> Option<Arc<dyn CatalogProvider>> {
        let inner = self.inner.catalog(name)?;
        Some(Arc::new(ScopedCatalog {
            inner,
            listed: self.list_all || name == self.database,
            pg_catalog: self.pg_catalog.clone(),
            system_tables: self.system_tables.clone(),
        }))
    }
}

#[derive(Debug)]
struct ScopedCatalog {
    inner: Arc<dyn CatalogProvider>,
    listed: bool,
    pg_catalog: Arc<RwLock<Option<Arc<dyn SchemaProvider>>>>,
    system_tables: Arc<SystemTables>,
}

impl ScopedCatalog {
    fn pg_catalog(&self) -> Option<Arc<dyn SchemaProvider>> {
        let base = self
            .pg_catalog
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        Some(self.system_tables.extend_pg_catalog(base))
    }
}

impl CatalogProvider for ScopedCatalog {
    fn schema_names(&self) -> Vec<String> {
        if !self.listed {
            return vec![];
        }
        self.inner
            .schema_names()
            .into_iter()
            .filter(|s| s != PG_CATALOG)
            .collect()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        if name == PG_CATALOG {
            return self.pg_catalog();
        }
        self.inner.schema(name)
    }

    fn register_schema(
        &self,
        name: &str,
        schema: Arc<dyn SchemaProvider>,
    ) -> Result<Option<Arc<dyn SchemaProvider>>> {
        if name == PG_CATALOG {
            let mut slot = self.pg_catalog.write().unwrap_or_else(|e| e.into_inner());
            return Ok(slot.replace(schema));
        }
        self.inner.register_schema(name, schema)
    }
}
