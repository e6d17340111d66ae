//! A table of a remote SQL backend as a DataFusion table provider.
//!
//! `scan` pushes the projection, every filter the dialect renders faithfully, and the limit
//! into one SELECT for the backend; filters it cannot render stay in DataFusion
//! (`supports_filters_pushdown` answers per filter, from the same renderer).
//!
//! DataFusion simplifies the filters of a table scan again after the provider accepted them
//! as exact (`x IN (1.5, NULL)` becomes `x = 1.5 OR NULL`), so `scan` can receive a filter
//! that no longer renders. Such a filter runs above the remote scan (a `FilterExec`, with
//! the columns it needs read too); it is never dropped (found by the random test: the rows
//! it should have removed were returned).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema};
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_expr::expressions::Column as ColumnExpr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::limit::LocalLimitExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::ExecutionPlan;
use fedgate_adapter_api::{AdapterError, Backend, SqlDialect};

use crate::remote_scan::RemoteScanExec;
use crate::sql_render::FilterRenderer;

/// One table of a remote backend (`server.schema.table`).
#[derive(Debug)]
pub struct RemoteTable {
    server: String,
    backend: Arc<dyn Backend>,
    dialect: Arc<dyn SqlDialect>,
    remote_schema: String,
    remote_table: String,
    arrow_schema: SchemaRef,
}

impl RemoteTable {
    /// Fails when the backend has no SQL dialect to render the table's queries in.
    pub fn new(
        server: &str,
        backend: Arc<dyn Backend>,
        remote_schema: &str,
        remote_table: &str,
        arrow_schema: SchemaRef,
    ) -> Result<Self, AdapterError> {
        let dialect = backend.sql_dialect().ok_or_else(|| {
            AdapterError::internal(format!(
                "the {} backend returned a remote table but has no SQL dialect",
                backend.wrapper()
            ))
        })?;
        Ok(Self {
            server: server.to_string(),
            backend,
            dialect,
            remote_schema: remote_schema.to_string(),
            remote_table: remote_table.to_string(),
            arrow_schema,
        })
    }

    pub(crate) fn dialect(&self) -> &Arc<dyn SqlDialect> {
        &self.dialect
    }

    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    pub(crate) fn backend(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }

    /// `"schema"."table"` in the backend's dialect.
    pub(crate) fn quoted_name(&self) -> String {
        format!(
            "{}.{}",
            self.dialect.quote_identifier(&self.remote_schema),
            self.dialect.quote_identifier(&self.remote_table)
        )
    }

    /// The SELECT for one scan: projected columns, rendered filters, limit.
    pub fn select_sql(&self, projected: &Schema, filters: &[Expr], limit: Option<usize>) -> String {
        let columns = if projected.fields().is_empty() {
            "NULL".to_string()
        } else {
            projected
                .fields()
                .iter()
                .map(|f| self.dialect.quote_identifier(f.name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut sql = format!("SELECT {columns} FROM {}", self.quoted_name());
        let renderer = FilterRenderer::new(self.dialect.as_ref(), &self.arrow_schema);
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

impl RemoteTable {
    /// The scan when some filters do not render (see the module documentation): the remote
    /// SELECT with the others, the projection plus the columns the local filters read, a
    /// `FilterExec`, the projection back, and the limit after the filter.
    async fn scan_with_local_filters(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        remote: &[Expr],
        local: Vec<Expr>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let wanted: Vec<usize> = match projection {
            Some(indices) => indices.clone(),
            None => (0..self.arrow_schema.fields().len()).collect(),
        };
        let mut indices = wanted.clone();
        for filter in &local {
            for column in filter.column_refs() {
                if let Ok(i) = self.arrow_schema.index_of(&column.name) {
                    if !indices.contains(&i) {
                        indices.push(i);
                    }
                }
            }
        }
        let scanned = Arc::new(self.arrow_schema.project(&indices)?);
        let sql = self.select_sql(&scanned, remote, None);
        let mut plan: Arc<dyn ExecutionPlan> = Arc::new(RemoteScanExec::new(
            &self.server,
            self.backend.clone(),
            sql,
            scanned.clone(),
        ));
        // The filters name the table's columns with its qualifier; the scan's are bare.
        let unqualified = local
            .into_iter()
            .map(|f| {
                f.transform(|e| match e {
                    Expr::Column(c) => Ok(Transformed::yes(Expr::Column(Column::new_unqualified(
                        c.name,
                    )))),
                    other => Ok(Transformed::no(other)),
                })
                .map(|t| t.data)
            })
            .collect::<Result<Vec<_>>>()?;
        if let Some(predicate) = conjunction(unqualified) {
            let schema = DFSchema::try_from(scanned.as_ref().clone())?;
            let predicate = state.create_physical_expr(predicate, &schema)?;
            plan = Arc::new(FilterExec::try_new(predicate, plan)?);
        }
        if indices.len() > wanted.len() {
            let columns: Vec<(Arc<dyn PhysicalExpr>, String)> = (0..wanted.len())
                .map(|i| {
                    let name = scanned.field(i).name().clone();
                    let column: Arc<dyn PhysicalExpr> = Arc::new(ColumnExpr::new(&name, i));
                    (column, name)
                })
                .collect();
            plan = Arc::new(ProjectionExec::try_new(columns, plan)?);
        }
        if let Some(n) = limit {
            plan = Arc::new(LocalLimitExec::new(plan, n));
        }
        Ok(plan)
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
        let renderer = FilterRenderer::new(self.dialect.as_ref(), &self.arrow_schema);
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
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let renderer = FilterRenderer::new(self.dialect.as_ref(), &self.arrow_schema);
        let (remote, local): (Vec<Expr>, Vec<Expr>) = filters
            .iter()
            .cloned()
            .partition(|f| renderer.render(f).is_some());
        if !local.is_empty() {
            return self
                .scan_with_local_filters(state, projection, &remote, local, limit)
                .await;
        }
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
