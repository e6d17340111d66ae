//! The registered servers of fedgate: their options and secrets, persistence, discovery of
//! their schemas and tables, and the DataFusion catalogs that expose them.
//!
//! - [`Catalog`] (module `registry`): `CREATE`/`ALTER`/`DROP SERVER`, refresh, listings.
//! - [`CatalogStore`] (module `store`): persistence; [`FileStore`] is an atomically
//!   replaced JSON file, [`MemoryStore`] is for tests.
//! - [`FedgateCatalogList`] (module `datafusion_catalog`): catalog = server, plus the system
//!   catalog `fedgate`.
//!
//! - [`Wrappers`]: the foreign-data wrappers a binary offers, as the factory of adapters.
//!
//! Errors are [`AdapterError`]s: each carries the SQLSTATE the client should see.

mod datafusion_catalog;
mod discovery;
mod error;
mod registry;
mod server;
mod store;
mod wrappers;

#[cfg(test)]
mod testing;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use datafusion_catalog::{FedgateCatalogList, SYSTEM_CATALOG, SYSTEM_PUBLIC_SCHEMA};
pub use error::wrapper_not_found;
pub use fedgate_adapter_api::AdapterError;
pub use registry::{
    BackendFactory, Catalog, OptionChange, RemoteTableBuilder, ServerInfo, WrapperInfo,
    RESERVED_NAMES,
};
pub use store::{
    CatalogStore, FileStore, MemoryStore, StoredCatalog, StoredServer, StoredUser, CATALOG_FILE,
    FORMAT_VERSION,
};
pub use wrappers::Wrappers;

/// Read-locks, ignoring poisoning (values behind these locks are replaced whole).
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// Write-locks, ignoring poisoning (values behind these locks are replaced whole).
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}
