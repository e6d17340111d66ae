//! The `mysql` foreign-data wrapper: builds this crate's adapter for a server.

use std::sync::Arc;

use fedgate_adapter_api::{Backend, ForeignDataWrapper, Pushdown, Result, ServerOptions};

/// `CREATE SERVER ... FOREIGN DATA WRAPPER mysql`.
#[derive(Debug, Default)]
pub struct MySqlWrapper;

impl ForeignDataWrapper for MySqlWrapper {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["mariadb", "mysql_fdw"]
    }

    fn oid(&self) -> u32 {
        90003
    }

    fn create(
        &self,
        server: &str,
        options: &ServerOptions,
        _pushdown: Pushdown,
    ) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(crate::MySqlBackend::new(server, options)?))
    }
}
