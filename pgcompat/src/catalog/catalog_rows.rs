//! Rows and columns of datafusion-pg-catalog's tables that PostgreSQL clients rely on:
//!
//! - `pg_namespace` gets the `pg_catalog` row (OID 11): the built-in types of `pg_type`
//!   live there, and pgjdbc and asyncpg join a type to its namespace (without the row a
//!   `jsonb` column's type name was `null` in pgjdbc and asyncpg found no `int4[]`);
//! - `pg_class` gets PostgreSQL's owner, the bootstrap superuser (OID 10, which
//!   `pg_get_userbyid` names `postgres`), and the columns `relacl` and `reloptions`
//!   (NULL: no privileges granted, no storage options), which psql's `\d+` reads.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{new_null_array, ArrayRef, Int32Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemTable, Session, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;

/// OID of the `pg_catalog` namespace in every PostgreSQL cluster.
const PG_CATALOG_OID: i32 = 11;
/// OID of the bootstrap superuser.
const SUPERUSER_OID: i32 = 10;

/// How a table's rows are adjusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    PgNamespace,
    PgClass,
}

impl Adjustment {
    /// The adjustment for a `pg_catalog` table name, if it has one.
    pub fn of(name: &str) -> Option<Self> {
        match name {
            "pg_namespace" => Some(Self::PgNamespace),
            "pg_class" => Some(Self::PgClass),
            _ => None,
        }
    }

    fn schema(self, base: &SchemaRef) -> SchemaRef {
        match self {
            Self::PgNamespace => base.clone(),
            Self::PgClass => {
                let mut fields: Vec<Field> =
                    base.fields().iter().map(|f| f.as_ref().clone()).collect();
                for name in ["relacl", "reloptions"] {
                    if base.index_of(name).is_err() {
                        let item = Arc::new(Field::new_list_field(DataType::Utf8, true));
                        fields.push(Field::new(name, DataType::List(item), true));
                    }
                }
                Arc::new(Schema::new_with_metadata(fields, base.metadata().clone()))
            }
        }
    }

    fn rows(self, batches: Vec<RecordBatch>, schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
        let mut batches = batches
            .into_iter()
            .map(|b| self.adjust_batch(b, schema))
            .collect::<Result<Vec<_>>>()?;
        if self == Self::PgNamespace && !has_pg_catalog(&batches)? {
            batches.push(pg_catalog_row(schema)?);
        }
        Ok(batches)
    }

    fn adjust_batch(self, batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
        if self == Self::PgNamespace {
            return Ok(batch);
        }
        let rows = batch.num_rows();
        let mut columns = batch.columns().to_vec();
        if let Ok(index) = batch.schema().index_of("relowner") {
            let owners: ArrayRef = Arc::new(Int32Array::from(vec![SUPERUSER_OID; rows]));
            columns[index] = datafusion::arrow::compute::cast(&owners, columns[index].data_type())?;
        }
        for field in schema.fields().iter().skip(columns.len()) {
            columns.push(new_null_array(field.data_type(), rows));
        }
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

fn has_pg_catalog(batches: &[RecordBatch]) -> Result<bool> {
    for batch in batches {
        if let Some(names) = batch.column_by_name("nspname") {
            for row in 0..batch.num_rows() {
                let name = ScalarValue::try_from_array(names, row)?;
                if matches!(name, ScalarValue::Utf8(Some(n)) if n == "pg_catalog") {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// `pg_namespace`'s `pg_catalog` row: OID 11, owned by the superuser, the rest NULL.
fn pg_catalog_row(schema: &SchemaRef) -> Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let value = match field.name().as_str() {
                "oid" => ScalarValue::Int32(Some(PG_CATALOG_OID)),
                "nspowner" => ScalarValue::Int32(Some(SUPERUSER_OID)),
                "nspname" => ScalarValue::Utf8(Some("pg_catalog".to_string())),
                _ => ScalarValue::try_from(field.data_type())?,
            };
            value.cast_to(field.data_type())?.to_array_of_size(1)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// A `pg_catalog` table with its [`Adjustment`] applied at scan time.
#[derive(Debug)]
pub struct AdjustedTable {
    base: Arc<dyn TableProvider>,
    adjustment: Adjustment,
    schema: SchemaRef,
}

impl AdjustedTable {
    pub fn new(base: Arc<dyn TableProvider>, adjustment: Adjustment) -> Self {
        let schema = adjustment.schema(&base.schema());
        Self {
            base,
            adjustment,
            schema,
        }
    }
}

#[async_trait]
impl TableProvider for AdjustedTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        self.base.table_type()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = self.base.scan(state, None, &[], None).await?;
        let batches = datafusion::physical_plan::collect(plan, state.task_ctx()).await?;
        let batches = self.adjustment.rows(batches, &self.schema)?;
        let table = MemTable::try_new(self.schema.clone(), vec![batches])?;
        table.scan(state, projection, filters, limit).await
    }
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::{SessionConfig, SessionContext};
    use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;

    use super::*;

    async fn adjusted(name: &str, sql: &str) -> Vec<String> {
        let config = SessionConfig::new().with_default_catalog_and_schema("db", "public");
        let ctx = SessionContext::new_with_config(config);
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, true)]));
        let table = MemTable::try_new(schema, vec![vec![]]).unwrap();
        ctx.register_table("items", Arc::new(table)).unwrap();
        datafusion_pg_catalog::setup_pg_catalog(&ctx, "db", EmptyContextProvider).unwrap();
        let pg_catalog = ctx.catalog("db").unwrap().schema("pg_catalog").unwrap();
        let base = pg_catalog.table(name).await.unwrap().unwrap();
        let table = AdjustedTable::new(base, Adjustment::of(name).unwrap());
        ctx.register_table("t", Arc::new(table)).unwrap();
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches).unwrap();
        text.to_string().lines().map(str::to_string).collect()
    }

    #[tokio::test]
    async fn pg_namespace_has_pg_catalog() {
        let lines = adjusted(
            "pg_namespace",
            "SELECT oid, nspowner FROM t WHERE nspname = 'pg_catalog'",
        )
        .await;
        assert_eq!(lines[3], "| 11  | 10       |", "{lines:?}");
    }

    #[tokio::test]
    async fn pg_class_has_owner_and_options() {
        let lines = adjusted(
            "pg_class",
            "SELECT relowner, reloptions IS NULL AS no_options, relacl IS NULL AS no_acl FROM t WHERE relname = 'items'",
        )
        .await;
        assert_eq!(lines[3], "| 10       | true       | true   |", "{lines:?}");
    }
}
