//! One MongoDB collection (or view) as a DataFusion table provider.
//!
//! `scan` builds one aggregation pipeline: `$match` with every filter that translates exactly
//! (see [`crate::filter`]), `$project` of the selected columns (`_id: 0` when `_id` is not
//! selected), `$limit` when DataFusion passes a limit; filters that do not translate stay in
//! DataFusion (`supports_filters_pushdown` answers per filter, from the same translator).
//! The server's `pushdown_filters` / `pushdown_limit` switches turn the `$match` / `$limit`
//! off; aggregates, sorts and top-N are pushed by [`crate::pushdown::MongoPushdown`].

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use fedgate_adapter_api::{Pushdown, TableKind};
use mongodb::bson::{doc, Document};

use crate::exec::{MongoScanExec, ScanSource};
use crate::filter::FilterTranslator;
use crate::infer::{Column, InferredSchema};

/// A collection or view of a MongoDB server, with its inferred schema.
#[derive(Debug)]
pub struct MongoTable {
    source: ScanSource,
    kind: TableKind,
    simple_collation: bool,
    inferred: InferredSchema,
    schema: SchemaRef,
    pushdown: Pushdown,
}

impl MongoTable {
    pub(crate) fn new(
        source: ScanSource,
        kind: TableKind,
        simple_collation: bool,
        inferred: InferredSchema,
        pushdown: Pushdown,
    ) -> Self {
        let schema = inferred.arrow_schema();
        Self {
            source,
            kind,
            simple_collation,
            inferred,
            schema,
            pushdown,
        }
    }

    pub(crate) fn source(&self) -> &ScanSource {
        &self.source
    }

    /// What may be pushed to the server (its `pushdown*` options).
    pub fn pushdown(&self) -> Pushdown {
        self.pushdown
    }

    /// The MongoDB database (the schema name in fedgate).
    pub fn database(&self) -> &str {
        &self.source.database
    }

    /// The collection or view name.
    pub fn collection(&self) -> &str {
        &self.source.collection
    }

    /// Collection or view.
    pub fn kind(&self) -> TableKind {
        self.kind
    }

    /// The inferred columns (BSON shapes) behind the Arrow schema.
    pub fn inferred(&self) -> &InferredSchema {
        &self.inferred
    }

    /// False when the collection's default collation is not `simple` (string filters then
    /// stay in DataFusion).
    pub fn simple_collation(&self) -> bool {
        self.simple_collation
    }

    fn translator(&self) -> FilterTranslator<'_> {
        FilterTranslator::new(&self.inferred, self.simple_collation)
    }

    /// True when every filter translates into `$match` (and filters may be pushed).
    pub(crate) fn all_filters_translate(&self, filters: &[Expr]) -> bool {
        let translator = self.translator();
        filters.is_empty()
            || (self.pushdown.filters && filters.iter().all(|f| translator.translate(f).is_some()))
    }

    /// The aggregation pipeline of a scan.
    pub fn pipeline(
        &self,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Vec<Document> {
        let mut pipeline = Vec::new();
        let condition = if self.pushdown.filters {
            self.translator().translate_all(filters)
        } else {
            None
        };
        if let Some(condition) = condition {
            pipeline.push(doc! { "$match": condition });
        }
        let columns = self.projected_columns(projection);
        if let Some(project) = project_stage(&columns) {
            pipeline.push(doc! { "$project": project });
        }
        if let Some(n) = limit.filter(|n| *n > 0 && self.pushdown.limit) {
            pipeline.push(doc! { "$limit": i64::try_from(n).unwrap_or(i64::MAX) });
        }
        pipeline
    }

    pub(crate) fn projected_columns(&self, projection: Option<&Vec<usize>>) -> Vec<Column> {
        match projection {
            Some(indices) => indices
                .iter()
                .map(|i| self.inferred.columns[*i].clone())
                .collect(),
            None => self.inferred.columns.clone(),
        }
    }
}

/// The `$project` document for the selected columns; `None` when whole documents must be
/// read (a column name MongoDB would take for a path or an operator).
fn project_stage(columns: &[Column]) -> Option<Document> {
    if columns
        .iter()
        .any(|c| c.name.is_empty() || c.name.contains('.') || c.name.starts_with('$'))
    {
        return None;
    }
    if columns.is_empty() {
        // No column (e.g. count(*)): only the row count matters; `_id` is the smallest ask.
        return Some(doc! { "_id": 1 });
    }
    let mut project = Document::new();
    if !columns.iter().any(|c| c.name == "_id") {
        project.insert("_id", 0);
    }
    for column in columns {
        project.insert(column.name.clone(), 1);
    }
    Some(project)
}

#[async_trait]
impl TableProvider for MongoTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        match self.kind {
            TableKind::View => TableType::View,
            TableKind::Table => TableType::Base,
        }
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let translator = self.translator();
        Ok(filters
            .iter()
            .map(|f| match translator.translate(f) {
                Some(_) if self.pushdown.filters => TableProviderFilterPushDown::Exact,
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
            Some(indices) => Arc::new(self.schema.project(indices)?),
            None => self.schema.clone(),
        };
        let pipeline = self.pipeline(projection, filters, limit);
        Ok(Arc::new(MongoScanExec::new(
            self.source.clone(),
            pipeline,
            self.projected_columns(projection),
            projected,
            limit != Some(0) || !self.pushdown.limit,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::Shape;

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            shape: Shape::Int32,
            nullable: true,
        }
    }

    #[test]
    fn project_stage_shapes() {
        assert_eq!(project_stage(&[]), Some(doc! {"_id": 1}));
        assert_eq!(
            project_stage(&[column("a"), column("b")]),
            Some(doc! {"_id": 0, "a": 1, "b": 1})
        );
        assert_eq!(
            project_stage(&[column("b"), column("_id")]),
            Some(doc! {"b": 1, "_id": 1})
        );
        assert_eq!(project_stage(&[column("a"), column("x.y")]), None);
        assert_eq!(project_stage(&[column("$a")]), None);
    }
}
