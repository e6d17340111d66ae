//! A kind of backend compiled into the binary: PostgreSQL's foreign-data wrapper. Each
//! adapter crate exports one [`ForeignDataWrapper`]; the binary lists them, and everything
//! else (the catalog, the system tables, the session's planner) learns the backends from that
//! list only.

use std::fmt::Debug;
use std::sync::Arc;

use datafusion::optimizer::OptimizerRule;

use crate::{Backend, Pushdown, Result, ServerOptions};

/// One kind of backend: how to build a server's adapter, and what the backend adds to
/// planning.
pub trait ForeignDataWrapper: Send + Sync + Debug {
    /// The name in `CREATE SERVER ... FOREIGN DATA WRAPPER name` (and
    /// [`Backend::wrapper`] of the adapters it builds).
    fn name(&self) -> &'static str;

    /// Other names accepted for it (`postgresql`, `postgres_fdw`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// Its OID in `pg_foreign_data_wrapper`: fixed, so it is the same in every session,
    /// process and release.
    fn oid(&self) -> u32;

    /// Builds the adapter of server `server` from its options (the `pushdown*` switches
    /// already taken out into `pushdown`). Must not connect.
    fn create(
        &self,
        server: &str,
        options: &ServerOptions,
        pushdown: Pushdown,
    ) -> Result<Arc<dyn Backend>>;

    /// Logical optimizer rules the backend's pushdown needs in every session (MongoDB's
    /// pipeline rule); the SQL backends need none, the federating planner serves them.
    fn optimizer_rules(&self) -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
        Vec::new()
    }

    /// Whether `name` names this wrapper.
    fn answers_to(&self, name: &str) -> bool {
        self.name() == name || self.aliases().contains(&name)
    }
}
