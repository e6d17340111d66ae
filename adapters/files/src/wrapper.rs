//! The `files` foreign-data wrapper: builds this crate's adapter for a server.

use std::sync::Arc;

use fedgate_adapter_api::{Backend, ForeignDataWrapper, Pushdown, Result, ServerOptions};

/// `CREATE SERVER ... FOREIGN DATA WRAPPER files`.
#[derive(Debug, Default)]
pub struct FilesWrapper;

impl ForeignDataWrapper for FilesWrapper {
    fn name(&self) -> &'static str {
        "files"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    fn oid(&self) -> u32 {
        90002
    }

    fn create(
        &self,
        server: &str,
        options: &ServerOptions,
        _pushdown: Pushdown,
    ) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(crate::FilesBackend::new(server, options)?))
    }
}
