//! The `mongodb` foreign-data wrapper: builds this crate's adapter for a server.

use std::sync::Arc;

use datafusion::optimizer::OptimizerRule;
use fedgate_adapter_api::{Backend, ForeignDataWrapper, Pushdown, Result, ServerOptions};

/// `CREATE SERVER ... FOREIGN DATA WRAPPER mongodb` (the pushdown switches also steer the pipeline rule, which reads them from the backend).
#[derive(Debug, Default)]
pub struct MongoWrapper;

impl ForeignDataWrapper for MongoWrapper {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["mongo"]
    }

    fn oid(&self) -> u32 {
        90004
    }

    fn create(
        &self,
        server: &str,
        options: &ServerOptions,
        pushdown: Pushdown,
    ) -> Result<Arc<dyn Backend>> {
        Ok(Arc::new(
            crate::MongoBackend::new(server, options)?.with_pushdown(pushdown),
        ))
    }

    fn optimizer_rules(&self) -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
        vec![Arc::new(crate::MongoPushdown)]
    }
}
