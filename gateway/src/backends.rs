//! The one place where adapters are registered: wrapper name → adapter constructor.

use std::sync::Arc;

use fedgate_adapter_api::{AdapterError, Backend, ServerOptions};
use fedgate_catalog::{wrapper_not_found, BackendFactory};

/// Builds adapters for the wrappers compiled into this binary.
#[derive(Debug, Default)]
pub struct Adapters;

impl BackendFactory for Adapters {
    fn create(
        &self,
        server: &str,
        wrapper: &str,
        options: &ServerOptions,
    ) -> Result<Arc<dyn Backend>, AdapterError> {
        match wrapper {
            "postgres" | "postgresql" | "postgres_fdw" => Ok(Arc::new(
                fedgate_adapter_postgres::PostgresBackend::new(server, options)?,
            )),
            "files" => Ok(Arc::new(fedgate_adapter_files::FilesBackend::new(
                server, options,
            )?)),
            other => Err(wrapper_not_found(other)),
        }
    }
}
