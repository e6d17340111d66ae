//! The one place that names the backends: the foreign-data wrappers compiled into the
//! binary, and the glue between the catalog and the planner. A new backend is a folder
//! under `adapters/` and one line in [`wrappers`].

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use fedgate_adapter_api::{Backend, ForeignDataWrapper};
use fedgate_catalog::{RemoteTableBuilder, Wrappers};
use fedgate_pgcompat::Planning;
use fedgate_planner::{FederatingQueryPlanner, RemoteTable};

/// The backends this binary offers.
pub fn wrappers() -> Wrappers {
    let wrappers: Vec<Arc<dyn ForeignDataWrapper>> = vec![
        Arc::new(fedgate_adapter_postgres::PostgresWrapper),
        Arc::new(fedgate_adapter_files::FilesWrapper),
        Arc::new(fedgate_adapter_mysql::MySqlWrapper),
        Arc::new(fedgate_adapter_mongodb::MongoWrapper),
    ];
    Wrappers::new(wrappers)
}

/// How sessions plan: fedgate's federating planner and the backends' own optimizer rules.
pub fn planning(wrappers: &Wrappers) -> Planning {
    Planning {
        query_planner: Some(Arc::new(FederatingQueryPlanner)),
        optimizer_rules: wrappers.optimizer_rules(),
        runtime: None,
    }
}

/// The catalog's remote tables are the planner's [`RemoteTable`]s.
#[derive(Debug)]
pub struct PlannerRemoteTables;

impl RemoteTableBuilder for PlannerRemoteTables {
    fn build(
        &self,
        server: &str,
        backend: Arc<dyn Backend>,
        schema: &str,
        table: &str,
        arrow: SchemaRef,
    ) -> fedgate_adapter_api::Result<Arc<dyn TableProvider>> {
        let table = RemoteTable::new(server, backend, schema, table, arrow)?;
        Ok(Arc::new(table))
    }
}
