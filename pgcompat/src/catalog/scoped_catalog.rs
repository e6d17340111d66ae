//! The catalog list one session sees: every registered server, with listings scoped to the
//! session's database and `pg_catalog` available inside every catalog.
//!
//! PostgreSQL clients expect `pg_class`, `pg_namespace` and `information_schema` to describe
//! the database they connected to, and `pg_database` to list every database. So catalog
//! names (databases = servers) are all listed, while schema listings are non-empty only for
//! the session's own database. Name resolution is not scoped: `other.schema.table` works
//! from any database. Each catalog answers `information_schema` for itself
//! (`crate::catalog::information_schema`): PostgreSQL's views describe one database.

use std::sync::{Arc, RwLock, Weak};

use datafusion::catalog::{CatalogProvider, CatalogProviderList, SchemaProvider};
use datafusion::error::Result;

use datafusion::catalog::information_schema::InformationSchemaProvider;

use crate::catalog::information_schema::{InformationSchema, INFORMATION_SCHEMA};
use crate::catalog::system_tables::{SystemTables, PG_CATALOG};

/// The session's `pg_catalog` schema, once registered.
type PgCatalogSlot = RwLock<Option<Arc<dyn SchemaProvider>>>;

/// How a catalog list holds the session's `pg_catalog` slot. The `pg_catalog` provider keeps
/// the catalog list it was registered through (to list tables), so that list must hold the
/// slot weakly: a strong reference would make a cycle that outlives the session.
#[derive(Debug, Clone)]
enum SlotRef {
    Owner(Arc<PgCatalogSlot>),
    Borrower(Weak<PgCatalogSlot>),
}

impl SlotRef {
    fn get(&self) -> Option<Arc<PgCatalogSlot>> {
        match self {
            SlotRef::Owner(slot) => Some(slot.clone()),
            SlotRef::Borrower(slot) => slot.upgrade(),
        }
    }
}

/// Wraps the shared catalog list for one session.
#[derive(Debug)]
pub struct ScopedCatalogList {
    inner: Arc<dyn CatalogProviderList>,
    database: String,
    pg_catalog: SlotRef,
    system_tables: Arc<SystemTables>,
    list_all: bool,
}

impl ScopedCatalogList {
    /// The same catalogs with every database's schemas listed (the session's list: a name
    /// of any server resolves); the `pg_catalog` registered on either is shared.
    pub fn listing_all(&self) -> Self {
        Self {
            list_all: true,
            ..self.sharing_slot(self.pg_catalog.clone())
        }
    }

    /// The same list for the `pg_catalog` provider to keep: it reaches the slot weakly
    /// (see [`SlotRef`]), so the session's lists own it.
    pub fn for_pg_catalog(&self) -> Self {
        let weak = match &self.pg_catalog {
            SlotRef::Owner(slot) => SlotRef::Borrower(Arc::downgrade(slot)),
            borrower => borrower.clone(),
        };
        self.sharing_slot(weak)
    }

    fn sharing_slot(&self, pg_catalog: SlotRef) -> Self {
        Self {
            inner: self.inner.clone(),
            database: self.database.clone(),
            pg_catalog,
            system_tables: self.system_tables.clone(),
            list_all: self.list_all,
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
            pg_catalog: SlotRef::Owner(Arc::new(RwLock::new(None))),
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
            name: name.to_string(),
            inner,
            list: Arc::new(Self {
                list_all: false,
                ..self.sharing_slot(self.pg_catalog.clone())
            }),
            listed: self.list_all || name == self.database,
            pg_catalog: self.pg_catalog.clone(),
            system_tables: self.system_tables.clone(),
        }))
    }
}

#[derive(Debug)]
struct ScopedCatalog {
    name: String,
    inner: Arc<dyn CatalogProvider>,
    /// The session's catalogs, listed as pg_class lists them (for DataFusion's views of
    /// `information_schema`).
    list: Arc<ScopedCatalogList>,
    listed: bool,
    pg_catalog: SlotRef,
    system_tables: Arc<SystemTables>,
}

impl ScopedCatalog {
    fn pg_catalog(&self) -> Option<Arc<dyn SchemaProvider>> {
        let slot = self.pg_catalog.get()?;
        let base = slot.read().unwrap_or_else(|e| e.into_inner()).clone()?;
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
        if name == INFORMATION_SCHEMA {
            let others = InformationSchemaProvider::new(self.list.clone());
            return Some(Arc::new(InformationSchema::new(
                &self.name,
                self.inner.clone(),
                Arc::new(others),
            )));
        }
        self.inner.schema(name)
    }

    fn register_schema(
        &self,
        name: &str,
        schema: Arc<dyn SchemaProvider>,
    ) -> Result<Option<Arc<dyn SchemaProvider>>> {
        if name == PG_CATALOG {
            let Some(slot) = self.pg_catalog.get() else {
                return Ok(None);
            };
            let mut slot = slot.write().unwrap_or_else(|e| e.into_inner());
            return Ok(slot.replace(schema));
        }
        self.inner.register_schema(name, schema)
    }
}
