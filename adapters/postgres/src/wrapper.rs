//! The `postgres` foreign-data wrapper: builds this crate's adapter for a server.

use std::sync::Arc;

use fedgate_adapter_api::{Backend, ForeignDataWrapper, Pushdown, Result, ServerOptions};

/// `CREATE SERVER ... FOREIGN DATA WRAPPER postgres`.
#[derive(Debug, Default)]
pub struct PostgresWrapper;

impl ForeignDataWrapper for PostgresWrapper {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["postgresql", "postgres_fdw"]
    }

    fn oid(&self) -> u32 {
        90001
    }

    fn create(
        &self,
        server: &str,
        options: &ServerOptions,
        _pushdown: Pushdown,
    ) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(crate::PostgresBackend::new(server, options)?))
    }
}
