//! `information_schema.tables` and `information_schema.columns` as PostgreSQL shows them.
//!
//! PostgreSQL's `information_schema` describes the database a session is connected to, with
//! its own column types (`sql_identifier` = `name`, `character_data` and `yes_or_no` =
//! `varchar`, `cardinal_number` = `int4`) and PostgreSQL's type names (`data_type`
//! `integer`, `udt_name` `int4`, `ARRAY` with `udt_name` `_text`). DataFusion's own listing
//! spans every catalog and names Arrow types (`Int32`, `Utf8`), so fedgate answers these
//! two views itself, for one database (a server): its schemas except `pg_catalog`. The
//! other views (`schemata`, `views`, `routines`, ...) stay DataFusion's.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Int32Builder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{CatalogProvider, MemTable, SchemaProvider, Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::Result;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use fedgate_adapter_api::metadata::PG_TYPE;

use crate::catalog::system_tables::PG_CATALOG;

pub const INFORMATION_SCHEMA: &str = "information_schema";
const TABLES: &str = "tables";
const COLUMNS: &str = "columns";

/// The domains of PostgreSQL's `information_schema`, as the types fedgate sends.
#[derive(Clone, Copy)]
enum Domain {
    /// `sql_identifier`: a `name`.
    Identifier,
    /// `character_data`: a `varchar`.
    CharacterData,
    /// `yes_or_no`: a `varchar` of `YES` or `NO`.
    YesOrNo,
    /// `cardinal_number`: an `int4` that is never negative.
    Cardinal,
}

impl Domain {
    fn field(self, name: &str) -> Field {
        let pg_type = match self {
            Domain::Identifier => "name",
            Domain::CharacterData | Domain::YesOrNo => "character varying",
            Domain::Cardinal => return Field::new(name, DataType::Int32, true),
        };
        Field::new(name, DataType::Utf8, true)
            .with_metadata(HashMap::from([(PG_TYPE.to_string(), pg_type.to_string())]))
    }
}

use Domain::{Cardinal, CharacterData, Identifier, YesOrNo};

/// The columns of `information_schema.tables`, in PostgreSQL's order.
const TABLES_COLUMNS: &[(&str, Domain)] = &[
    ("table_catalog", Identifier),
    ("table_schema", Identifier),
    ("table_name", Identifier),
    ("table_type", CharacterData),
    ("self_referencing_column_name", Identifier),
    ("reference_generation", CharacterData),
    ("user_defined_type_catalog", Identifier),
    ("user_defined_type_schema", Identifier),
    ("user_defined_type_name", Identifier),
    ("is_insertable_into", YesOrNo),
    ("is_typed", YesOrNo),
    ("commit_action", CharacterData),
];

/// The columns of `information_schema.columns`, in PostgreSQL's order.
const COLUMNS_COLUMNS: &[(&str, Domain)] = &[
    ("table_catalog", Identifier),
    ("table_schema", Identifier),
    ("table_name", Identifier),
    ("column_name", Identifier),
    ("ordinal_position", Cardinal),
    ("column_default", CharacterData),
    ("is_nullable", YesOrNo),
    ("data_type", CharacterData),
    ("character_maximum_length", Cardinal),
    ("character_octet_length", Cardinal),
    ("numeric_precision", Cardinal),
    ("numeric_precision_radix", Cardinal),
    ("numeric_scale", Cardinal),
    ("datetime_precision", Cardinal),
    ("interval_type", CharacterData),
    ("interval_precision", Cardinal),
    ("character_set_catalog", Identifier),
    ("character_set_schema", Identifier),
    ("character_set_name", Identifier),
    ("collation_catalog", Identifier),
    ("collation_schema", Identifier),
    ("collation_name", Identifier),
    ("domain_catalog", Identifier),
    ("domain_schema", Identifier),
    ("domain_name", Identifier),
    ("udt_catalog", Identifier),
    ("udt_schema", Identifier),
    ("udt_name", Identifier),
    ("scope_catalog", Identifier),
    ("scope_schema", Identifier),
    ("scope_name", Identifier),
    ("maximum_cardinality", Cardinal),
    ("dtd_identifier", Identifier),
    ("is_self_referencing", YesOrNo),
    ("is_identity", YesOrNo),
    ("identity_generation", CharacterData),
    ("identity_start", CharacterData),
    ("identity_increment", CharacterData),
    ("identity_maximum", CharacterData),
    ("identity_minimum", CharacterData),
    ("identity_cycle", YesOrNo),
    ("is_generated", CharacterData),
    ("generation_expression", CharacterData),
    ("is_updatable", YesOrNo),
];

fn schema_of(columns: &[(&str, Domain)]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, domain)| domain.field(name))
            .collect::<Vec<_>>(),
    ))
}

/// One value of a row being built.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(i32),
    Null,
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_string())
    }
}

impl From<Option<i32>> for Value {
    fn from(number: Option<i32>) -> Self {
        number.map_or(Value::Null, Value::Number)
    }
}

/// Rows of named values into a batch of `schema` (a column not named is NULL).
fn batch_of(schema: &SchemaRef, rows: &[HashMap<&'static str, Value>]) -> Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .map(|field| -> ArrayRef {
            let value = |row: &HashMap<&'static str, Value>| {
                row.get(field.name().as_str())
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            if field.data_type() == &DataType::Int32 {
                let mut builder = Int32Builder::new();
                for row in rows {
                    match value(row) {
                        Value::Number(n) => builder.append_value(n),
                        _ => builder.append_null(),
                    }
                }
                Arc::new(builder.finish())
            } else {
                let mut builder = StringBuilder::new();
                for row in rows {
                    match value(row) {
                        Value::Text(t) => builder.append_value(t),
                        Value::Number(n) => builder.append_value(n.to_string()),
                        Value::Null => builder.append_null(),
                    }
                }
                Arc::new(builder.finish())
            }
        })
        .collect();
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// A column's type as `information_schema.columns` describes it.
#[derive(Debug, Default, PartialEq)]
struct ColumnType {
    data_type: String,
    udt_name: String,
    character_maximum_length: Option<i32>,
    character_octet_length: Option<i32>,
    numeric_precision: Option<i32>,
    numeric_precision_radix: Option<i32>,
    numeric_scale: Option<i32>,
    datetime_precision: Option<i32>,
}

/// The largest text value PostgreSQL stores, in bytes (`character_octet_length` of `text`).
const MAX_OCTETS: i32 = 1_073_741_824;
/// Bytes per character in the UTF8 encoding, at most.
const MAX_CHARACTER_BYTES: i32 = 4;

/// The type modifiers of a backend type (`numeric(10,2)` → `[10, 2]`), if the field says.
fn backend_modifiers(field: &Field) -> Option<Vec<i32>> {
    let pg_type = field.metadata().get(PG_TYPE)?;
    let Some((_, rest)) = pg_type.split_once('(') else {
        return Some(vec![]);
    };
    let inside = rest.split_once(')')?.0;
    inside.split(',').map(|a| a.trim().parse().ok()).collect()
}

fn column_type(field: &Field) -> ColumnType {
    let name = crate::functions::misc::field_type_name(field);
    let oid = crate::catalog::functions::builtin_type_oid(&name);
    let udt_name = oid
        .and_then(pgwire::api::Type::from_oid)
        .map_or_else(|| name.clone(), |t| t.name().to_string());
    let data_type = match oid {
        _ if name.ends_with("[]") => "ARRAY".to_string(),
        None => "USER-DEFINED".to_string(),
        Some(_) => name.clone(),
    };
    // The modifiers the backend declared; a type fedgate maps itself (a Decimal128 of a
    // file, a MySQL DECIMAL) has its Arrow precision.
    let modifiers = backend_modifiers(field).or_else(|| match field.data_type() {
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => {
            Some(vec![i32::from(*p), i32::from(*s)])
        }
        _ => None,
    });
    let first = modifiers.as_ref().and_then(|m| m.first().copied());
    let mut column = ColumnType {
        data_type,
        udt_name: udt_name.clone(),
        ..ColumnType::default()
    };
    let binary = |bits| (Some(bits), Some(2));
    let (precision, radix) = match udt_name.as_str() {
        "int2" => binary(16),
        "int4" => binary(32),
        "int8" => binary(64),
        "float4" => binary(24),
        "float8" => binary(53),
        "numeric" => (first, Some(10)),
        _ => (None, None),
    };
    column.numeric_precision = precision;
    column.numeric_precision_radix = radix;
    column.numeric_scale = match udt_name.as_str() {
        "int2" | "int4" | "int8" => Some(0),
        "numeric" => modifiers.as_ref().and_then(|m| m.get(1).copied()),
        _ => None,
    };
    column.datetime_precision = match udt_name.as_str() {
        "date" => Some(0),
        "time" | "timetz" | "timestamp" | "timestamptz" | "interval" => Some(first.unwrap_or(6)),
        _ => None,
    };
    if matches!(udt_name.as_str(), "varchar" | "bpchar" | "text") {
        column.character_maximum_length = first;
        column.character_octet_length =
            Some(first.map_or(MAX_OCTETS, |n| n.saturating_mul(MAX_CHARACTER_BYTES)));
    }
    column
}

fn table_type_name(table_type: TableType) -> &'static str {
    match table_type {
        TableType::Base => "BASE TABLE",
        TableType::View => "VIEW",
        TableType::Temporary => "LOCAL TEMPORARY",
    }
}

/// `information_schema.tables` or `.columns` of one database, built when scanned.
#[derive(Debug)]
struct InformationSchemaTable {
    database: String,
    catalog: Arc<dyn CatalogProvider>,
    columns: bool,
    schema: SchemaRef,
}

impl InformationSchemaTable {
    /// The database's tables as (schema, name, table).
    async fn tables(&self) -> Result<Vec<(String, String, Arc<dyn TableProvider>)>> {
        let mut tables = Vec::new();
        let mut schemas = self.catalog.schema_names();
        schemas.retain(|s| s != PG_CATALOG && s != INFORMATION_SCHEMA);
        schemas.sort();
        for schema_name in schemas {
            let Some(schema) = self.catalog.schema(&schema_name) else {
                continue;
            };
            let mut names = schema.table_names();
            names.sort();
            for name in names {
                if let Some(table) = schema.table(&name).await? {
                    tables.push((schema_name.clone(), name, table));
                }
            }
        }
        Ok(tables)
    }

    async fn rows(&self) -> Result<Vec<HashMap<&'static str, Value>>> {
        let mut rows = Vec::new();
        for (schema, name, table) in self.tables().await? {
            let owner: [(&'static str, Value); 3] = [
                ("table_catalog", self.database.as_str().into()),
                ("table_schema", schema.as_str().into()),
                ("table_name", name.as_str().into()),
            ];
            if !self.columns {
                let mut row = HashMap::from(owner);
                row.insert("table_type", table_type_name(table.table_type()).into());
                row.insert("is_insertable_into", "NO".into());
                row.insert("is_typed", "NO".into());
                rows.push(row);
                continue;
            }
            for (index, field) in table.schema().fields().iter().enumerate() {
                rows.push(self.column_row(owner.clone(), index, field));
            }
        }
        Ok(rows)
    }

    fn column_row(
        &self,
        owner: [(&'static str, Value); 3],
        index: usize,
        field: &Field,
    ) -> HashMap<&'static str, Value> {
        let position = i32::try_from(index + 1).unwrap_or(i32::MAX);
        let ty = column_type(field);
        let mut row = HashMap::from(owner);
        let nullable = if field.is_nullable() { "YES" } else { "NO" };
        row.extend([
            ("column_name", field.name().as_str().into()),
            ("ordinal_position", Some(position).into()),
            ("is_nullable", nullable.into()),
            ("data_type", ty.data_type.as_str().into()),
            (
                "character_maximum_length",
                ty.character_maximum_length.into(),
            ),
            ("character_octet_length", ty.character_octet_length.into()),
            ("numeric_precision", ty.numeric_precision.into()),
            ("numeric_precision_radix", ty.numeric_precision_radix.into()),
            ("numeric_scale", ty.numeric_scale.into()),
            ("datetime_precision", ty.datetime_precision.into()),
            ("udt_catalog", self.database.as_str().into()),
            ("udt_schema", PG_CATALOG.into()),
            ("udt_name", ty.udt_name.as_str().into()),
            ("dtd_identifier", Value::Text(position.to_string())),
            ("is_self_referencing", "NO".into()),
            ("is_identity", "NO".into()),
            ("identity_cycle", "NO".into()),
            ("is_generated", "NEVER".into()),
            ("is_updatable", "NO".into()),
        ]);
        row
    }
}

#[async_trait]
impl TableProvider for InformationSchemaTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let batch = batch_of(&self.schema, &self.rows().await?)?;
        let table = MemTable::try_new(self.schema.clone(), vec![vec![batch]])?;
        table.scan(state, projection, filters, limit).await
    }
}

/// The `information_schema` of one database: `tables` and `columns` from this module, the
/// other views from DataFusion's provider.
#[derive(Debug)]
pub struct InformationSchema {
    database: String,
    catalog: Arc<dyn CatalogProvider>,
    others: Arc<dyn SchemaProvider>,
}

impl InformationSchema {
    /// `catalog` is the database's catalog; `others` answers the views not built here.
    pub fn new(
        database: &str,
        catalog: Arc<dyn CatalogProvider>,
        others: Arc<dyn SchemaProvider>,
    ) -> Self {
        Self {
            database: database.to_string(),
            catalog,
            others,
        }
    }

    fn own_table(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        let columns = match name {
            TABLES => false,
            COLUMNS => true,
            _ => return None,
        };
        let schema = schema_of(if columns {
            COLUMNS_COLUMNS
        } else {
            TABLES_COLUMNS
        });
        Some(Arc::new(InformationSchemaTable {
            database: self.database.clone(),
            catalog: self.catalog.clone(),
            columns,
            schema,
        }))
    }
}

#[async_trait]
impl SchemaProvider for InformationSchema {
    fn table_names(&self) -> Vec<String> {
        self.others.table_names()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        match self.own_table(name) {
            Some(table) => Ok(Some(table)),
            None => self.others.table(name).await,
        }
    }

    fn table_exist(&self, name: &str) -> bool {
        self.own_table(name).is_some() || self.others.table_exist(name)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::TimeUnit;

    use super::*;

    fn backend(data_type: DataType, pg_type: &str) -> Field {
        Field::new("c", data_type, true)
            .with_metadata(HashMap::from([(PG_TYPE.to_string(), pg_type.to_string())]))
    }

    #[test]
    fn column_types_as_postgresql_describes_them() {
        let int = column_type(&Field::new("c", DataType::Int32, false));
        assert_eq!(
            (int.data_type.as_str(), int.udt_name.as_str()),
            ("integer", "int4")
        );
        assert_eq!(
            (
                int.numeric_precision,
                int.numeric_precision_radix,
                int.numeric_scale
            ),
            (Some(32), Some(2), Some(0))
        );
        let money = column_type(&backend(DataType::Decimal128(10, 2), "numeric(10,2)"));
        assert_eq!(
            (money.numeric_precision, money.numeric_scale),
            (Some(10), Some(2))
        );
        let any_numeric = column_type(&backend(DataType::Decimal128(38, 10), "numeric"));
        assert_eq!(
            (any_numeric.numeric_precision, any_numeric.numeric_scale),
            (None, None)
        );
        let file_decimal = column_type(&Field::new("c", DataType::Decimal128(20, 6), true));
        assert_eq!(file_decimal.numeric_precision, Some(20));
        let text = column_type(&Field::new("c", DataType::Utf8, true));
        assert_eq!(text.character_octet_length, Some(MAX_OCTETS));
        let short = column_type(&backend(DataType::Utf8, "character varying(5)"));
        assert_eq!(
            (short.data_type.as_str(), short.udt_name.as_str()),
            ("character varying", "varchar")
        );
        assert_eq!(
            (short.character_maximum_length, short.character_octet_length),
            (Some(5), Some(20))
        );
        let ts = column_type(&Field::new(
            "c",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            true,
        ));
        assert_eq!(ts.data_type, "timestamp without time zone");
        assert_eq!(ts.datetime_precision, Some(6));
        let list = DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)));
        let tags = column_type(&Field::new("c", list, true));
        assert_eq!(
            (tags.data_type.as_str(), tags.udt_name.as_str()),
            ("ARRAY", "_text")
        );
        let jsonb = column_type(&backend(DataType::Utf8, "jsonb"));
        assert_eq!(
            (jsonb.data_type.as_str(), jsonb.udt_name.as_str()),
            ("jsonb", "jsonb")
        );
    }

    #[tokio::test]
    async fn lists_one_database_in_postgresql_types() {
        use datafusion::catalog::{MemoryCatalogProvider, MemorySchemaProvider};
        let catalog = Arc::new(MemoryCatalogProvider::new());
        let schema = Arc::new(MemorySchemaProvider::new());
        let fields = Schema::new(vec![
            Field::new("id", DataType::Int32, false),
            Field::new("name", DataType::Utf8, true),
        ]);
        let table = MemTable::try_new(Arc::new(fields), vec![vec![]]).unwrap();
        schema
            .register_table("items".into(), Arc::new(table))
            .unwrap();
        catalog.register_schema("public", schema).unwrap();
        let others = Arc::new(MemorySchemaProvider::new());
        let info = InformationSchema::new("db", catalog, others);
        let ctx = datafusion::prelude::SessionContext::new();
        let columns = info.table(COLUMNS).await.unwrap().unwrap();
        ctx.register_table("c", columns).unwrap();
        let batches = ctx
            .sql("SELECT table_catalog, column_name, ordinal_position, data_type, udt_name, is_nullable FROM c ORDER BY ordinal_position")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[3], "| db            | id          | 1                | integer   | int4     | NO          |");
        assert_eq!(lines[4], "| db            | name        | 2                | text      | text     | YES         |");
        let schema = batches[0].schema();
        assert_eq!(schema.field(1).metadata()[PG_TYPE], "name");
        assert_eq!(schema.field(3).metadata()[PG_TYPE], "character varying");
        assert_eq!(schema.field(2).data_type(), &DataType::Int32);
    }
}
