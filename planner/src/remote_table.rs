//! A table of a remote SQL backend as a DataFusion table provider.
//!
//! `scan` pushes the projection, every filter the dialect renders faithfully, and the limit
//! into one SELECT for the backend; filters it cannot render stay in DataFusion
//! (`supports_filters_pushdown` answers per filter, from the same renderer).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use fedgate_adapter_api::{Backend, SqlDialect};

use crate::remote_scan::RemoteScanExec;
use crate::sql_render::{quote_identifier, FilterRenderer};

/// One table of a remote backend (`server.schema.table`).
#[derive(Debug)]
pub struct RemoteTable {
    server: String,
    backend: Arc<dyn Backend>,
    remote_schema: String,
    remote_table: String,
    arrow_schema: SchemaRef,
}

impl RemoteTable {
    pub fn new(
        server: &str,
        backend: Arc<dyn Backend>,
        remote_schema: &str,
        remote_table: &str,
        arrow_schema: SchemaRef,
    ) -> Self {
        Self {
            server: server.to_string(),
            backend,
            remote_schema: remote_schema.to_string(),
            remote_table: remote_table.to_string(),
            arrow_schema,
        }
    }

    pub(crate) fn dialect(&self) -> SqlDialect {
        self.backend.sql_dialect().unwrap_or(SqlDialect::Postgres)
    }

    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    pub(crate) fn backend(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }

    /// `"schema"."table"` in the backend's dialect.
    pub(crate) fn quoted_name(&self) -> String {
        let dialect = self.dialect();
        format!(
            "{}.{}",
            quote_identifier(dialect, &self.remote_schema),
            quote_identifier(dialect, &self.remote_table)
        )
    }

    /// The SELECT for one scan: projected columns, rendered filters, limit.
    pub fn select_sql(&self, projected: &Schema, filters: &[Expr], limit: Option<usize>) -> String {
        let dialect = self.dialect();
        let columns = if projected.fields().is_empty() {
            "NULL".to_string()
        } else {
            projected
                .fields()
                .iter()
                .map(|f| quote_identifier(dialect, f.name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut sql = format!(
            "SELECT {columns} FROM {}.{}",
            quote_identifier(dialect, &self.remote_schema),
            quote_identifier(dialect, &self.remote_table)
        );
        let renderer = FilterRenderer::new(dialect, &self.arrow_schema);
        let conditions: Vec<String> = filters.iter().filter_map(|f| renderer.render(f)).collect();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        if let Some(n) = limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        sql
    }
}

#[async_trait]
impl TableProvider for RemoteTable {
    fn schema(&self) -> SchemaRef {
        self.arrow_schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let renderer = FilterRenderer::new(self.dialect(), &self.arrow_schema);
        let enabled = self.backend.pushdown().filters;
        Ok(filters
            .iter()
            .map(|f| match renderer.render(f) {
                Some(_) if enabled => TableProviderFilterPushDown::Exact,
                _ => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let projected = match projection {
            Some(indices) => Arc::new(self.arrow_schema.project(indices)?),
            None => self.arrow_schema.clone(),
        };
        let limit = limit.filter(|_| self.backend.pushdown().limit);
        let sql = self.select_sql(&projected, filters, limit);
        Ok(Arc::new(RemoteScanExec::new(
            &self.server,
            self.backend.clone(),
            sql,
            projected,
        )))
    }
}
