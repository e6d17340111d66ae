//! The one place where adapters are registered: wrapper name → adapter constructor.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::execution::SendableRecordBatchStream;
use fedgate_adapter_api::{
    AdapterError, Backend, BackendTable, Pushdown, RemoteQuery, Result, ServerOptions, SqlDialect,
    TableEntry,
};
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
        let (pushdown, options) = Pushdown::from_options(options)?;
        let options = &options;
        let backend: Arc<dyn Backend> = match wrapper {
            "postgres" | "postgresql" | "postgres_fdw" => Arc::new(
                fedgate_adapter_postgres::PostgresBackend::new(server, options)?,
            ),
            "files" => Arc::new(fedgate_adapter_files::FilesBackend::new(server, options)?),
            "mysql" | "mariadb" | "mysql_fdw" => {
                Arc::new(fedgate_adapter_mysql::MySqlBackend::new(server, options)?)
            }
            // The MongoDB pushdown rule reads the switches from the backend itself.
            "mongodb" | "mongo" => Arc::new(
                fedgate_adapter_mongodb::MongoBackend::new(server, options)?
                    .with_pushdown(pushdown),
            ),
            other => return Err(wrapper_not_found(other)),
        };
        Ok(Arc::new(WithPushdown { backend, pushdown }))
    }
}

/// A backend with its `pushdown*` options applied (the adapter never sees them).
#[derive(Debug)]
struct WithPushdown {
    backend: Arc<dyn Backend>,
    pushdown: Pushdown,
}

#[async_trait]
impl Backend for WithPushdown {
    fn wrapper(&self) -> &'static str {
        self.backend.wrapper()
    }

    async fn check_connection(&self) -> Result<()> {
        self.backend.check_connection().await
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        self.backend.list_schemas().await
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        self.backend.list_tables(schema).await
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        self.backend.table(schema, table).await
    }

    fn pushdown(&self) -> Pushdown {
        self.pushdown
    }

    fn sql_dialect(&self) -> Option<Arc<dyn SqlDialect>> {
        self.backend.sql_dialect()
    }

    fn execute(&self, query: RemoteQuery) -> SendableRecordBatchStream {
        self.backend.execute(query)
    }
}
