//! Tables fedgate adds to `pg_catalog`: the registered servers.
//!
//! - `pg_catalog.fedgate_servers (name, wrapper, options)`: every server, options with
//!   secrets redacted (also reachable unqualified, as `fedgate_servers`).
//! - `pg_catalog.pg_foreign_server` and `pg_catalog.pg_foreign_data_wrapper`: the same in
//!   PostgreSQL's shape, for psql's `\des` and tools that read them.
//! - `pg_catalog.pg_stat_activity`: the gateway's sessions, `pg_catalog.fedgate_remote_activity`:
//!   the remote parts running now, `pg_catalog.fedgate_query_log`: the last statements
//!   (`crate::catalog::activity`); each is read when a statement scans it, as its session's
//!   user may see it.
//! - `pg_attribute` with the backend's column types, `attname` (and `pg_type.typname`)
//!   described as PostgreSQL's `name`, and `pg_namespace`/`pg_class` with the
//!   rows and columns of `crate::catalog::catalog_rows`.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Int32Array, ListBuilder, StringArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemTable, SchemaProvider, TableProvider};
use datafusion::error::Result;
use fedgate_adapter_api::metadata::PG_TYPE as PG_TYPE_METADATA;
use fedgate_catalog::{Catalog, ServerInfo, WrapperInfo};

use crate::catalog::activity::{
    activity_batch, query_log_batch, remote_activity_batch, ActivitySource, Viewer,
    FEDGATE_QUERY_LOG, FEDGATE_REMOTE_ACTIVITY, PG_STAT_ACTIVITY,
};

pub const PG_CATALOG: &str = "pg_catalog";
const FEDGATE_SERVERS: &str = "fedgate_servers";
const PG_FOREIGN_SERVER: &str = "pg_foreign_server";
const PG_FOREIGN_DATA_WRAPPER: &str = "pg_foreign_data_wrapper";
const EXTRA_TABLES: &[&str] = &[
    FEDGATE_SERVERS,
    PG_FOREIGN_SERVER,
    PG_FOREIGN_DATA_WRAPPER,
    PG_STAT_ACTIVITY,
    FEDGATE_REMOTE_ACTIVITY,
    FEDGATE_QUERY_LOG,
];

/// Builds the extra tables from the live catalog.
#[derive(Debug)]
pub struct SystemTables {
    catalog: Catalog,
    activity: Option<Arc<dyn ActivitySource>>,
}

impl SystemTables {
    pub fn new(catalog: Catalog) -> Self {
        Self {
            catalog,
            activity: None,
        }
    }

    /// With the sessions of the protocol layer (`pg_stat_activity`, `pg_cancel_backend`).
    pub fn with_activity(mut self, activity: Arc<dyn ActivitySource>) -> Self {
        self.activity = Some(activity);
        self
    }

    /// The sessions, when the protocol layer lends them.
    pub fn activity(&self) -> Option<&Arc<dyn ActivitySource>> {
        self.activity.as_ref()
    }

    /// The live catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// `pg_catalog` of datafusion-pg-catalog plus fedgate's tables.
    pub fn extend_pg_catalog(
        self: &Arc<Self>,
        base: Arc<dyn SchemaProvider>,
    ) -> Arc<dyn SchemaProvider> {
        Arc::new(ExtendedPgCatalog {
            base,
            tables: self.clone(),
        })
    }

    fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let servers = self.catalog.servers();
        let wrappers = self.catalog.wrappers();
        let batch = match name {
            FEDGATE_SERVERS => servers_batch(&servers)?,
            PG_FOREIGN_SERVER => foreign_server_batch(&servers, &wrappers)?,
            PG_FOREIGN_DATA_WRAPPER => wrapper_batch(&wrappers)?,
            PG_STAT_ACTIVITY | FEDGATE_REMOTE_ACTIVITY | FEDGATE_QUERY_LOG => {
                return Ok(Some(Arc::new(ActivityTable::new(
                    name,
                    self.activity.clone(),
                )?)))
            }
            _ => return Ok(None),
        };
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
        Ok(Some(Arc::new(table)))
    }
}

/// A view of the protocol layer's activity, read when scanned, as the scanning session's
/// [`Viewer`] may see it.
#[derive(Debug)]
struct ActivityTable {
    name: &'static str,
    source: Option<Arc<dyn ActivitySource>>,
    schema: SchemaRef,
}

impl ActivityTable {
    fn new(name: &str, source: Option<Arc<dyn ActivitySource>>) -> Result<Self> {
        let name = EXTRA_TABLES
            .iter()
            .copied()
            .find(|t| *t == name)
            .unwrap_or(PG_STAT_ACTIVITY);
        let mut table = Self {
            name,
            source: None,
            schema: Arc::new(Schema::empty()),
        };
        table.schema = table.batch(None)?.schema();
        table.source = source;
        Ok(table)
    }

    fn batch(&self, viewer: Option<&Viewer>) -> Result<RecordBatch> {
        let source = self.source.as_ref();
        match self.name {
            FEDGATE_REMOTE_ACTIVITY => remote_activity_batch(
                &source.map(|s| s.remote_parts()).unwrap_or_default(),
                viewer,
            ),
            FEDGATE_QUERY_LOG => {
                query_log_batch(&source.map(|s| s.query_log()).unwrap_or_default(), viewer)
            }
            _ => activity_batch(&source.map(|s| s.sessions()).unwrap_or_default(), viewer),
        }
    }
}

#[async_trait]
impl TableProvider for ActivityTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> datafusion::datasource::TableType {
        datafusion::datasource::TableType::View
    }

    async fn scan(
        &self,
        state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        filters: &[datafusion::logical_expr::Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        let viewer = state.config().get_extension::<Viewer>();
        let batch = self.batch(viewer.as_deref())?;
        let table = MemTable::try_new(self.schema.clone(), vec![vec![batch]])?;
        table.scan(state, projection, filters, limit).await
    }
}

fn options_text(server: &ServerInfo) -> String {
    server
        .options_redacted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn servers_batch(servers: &[ServerInfo]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("wrapper", DataType::Utf8, false),
        Field::new("options", DataType::Utf8, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            servers.iter().map(|s| s.name.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            servers.iter().map(|s| s.wrapper.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            servers.iter().map(options_text),
        )),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// The OID of the wrapper named `wrapper` (or one of its aliases); 0 for none.
fn wrapper_oid(wrappers: &[WrapperInfo], wrapper: &str) -> i32 {
    wrappers
        .iter()
        .find(|w| w.answers_to(wrapper))
        .map_or(0, |w| w.oid as i32)
}

fn foreign_server_batch(servers: &[ServerInfo], wrappers: &[WrapperInfo]) -> Result<RecordBatch> {
    let mut options = ListBuilder::new(StringBuilder::new());
    for server in servers {
        for (k, v) in &server.options_redacted {
            options.values().append_value(format!("{k}={v}"));
        }
        options.append(true);
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("oid", DataType::Int32, false),
        Field::new("srvname", DataType::Utf8, false),
        Field::new("srvowner", DataType::Int32, false),
        Field::new("srvfdw", DataType::Int32, false),
        Field::new("srvtype", DataType::Utf8, true),
        Field::new("srvversion", DataType::Utf8, true),
        Field::new("srvacl", DataType::Utf8, true),
        Field::new(
            "srvoptions",
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        ),
    ]));
    let n = servers.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from_iter_values(
            (0..n as i32).map(|i| 91000 + i),
        )),
        Arc::new(StringArray::from_iter_values(
            servers.iter().map(|s| s.name.as_str()),
        )),
        Arc::new(Int32Array::from_iter_values(std::iter::repeat_n(10, n))),
        Arc::new(Int32Array::from_iter_values(
            servers.iter().map(|s| wrapper_oid(wrappers, &s.wrapper)),
        )),
        Arc::new(StringArray::new_null(n)),
        Arc::new(StringArray::new_null(n)),
        Arc::new(StringArray::new_null(n)),
        Arc::new(options.finish()),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

fn wrapper_batch(wrappers: &[WrapperInfo]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("oid", DataType::Int32, false),
        Field::new("fdwname", DataType::Utf8, false),
        Field::new("fdwowner", DataType::Int32, false),
        Field::new("fdwhandler", DataType::Int32, false),
        Field::new("fdwvalidator", DataType::Int32, false),
        Field::new("fdwacl", DataType::Utf8, true),
        Field::new("fdwoptions", DataType::Utf8, true),
    ]));
    let n = wrappers.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from_iter_values(
            wrappers.iter().map(|w| w.oid as i32),
        )),
        Arc::new(StringArray::from_iter_values(
            wrappers.iter().map(|w| w.name),
        )),
        Arc::new(Int32Array::from_iter_values(std::iter::repeat_n(10, n))),
        Arc::new(Int32Array::from_iter_values(std::iter::repeat_n(0, n))),
        Arc::new(Int32Array::from_iter_values(std::iter::repeat_n(0, n))),
        Arc::new(StringArray::new_null(n)),
        Arc::new(StringArray::new_null(n)),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

#[derive(Debug)]
struct ExtendedPgCatalog {
    base: Arc<dyn SchemaProvider>,
    tables: Arc<SystemTables>,
}

#[async_trait]
impl SchemaProvider for ExtendedPgCatalog {
    fn table_names(&self) -> Vec<String> {
        let mut names = self.base.table_names();
        names.extend(EXTRA_TABLES.iter().map(|s| s.to_string()));
        names
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        if EXTRA_TABLES.contains(&name) {
            return self.tables.table(name);
        }
        if name == PG_ATTRIBUTE {
            if let Some(base) = self.base.table(name).await? {
                return Ok(Some(Arc::new(BackendTypedAttributes {
                    schema: with_name_columns(&base.schema(), name),
                    base,
                    pg_catalog: self.base.clone(),
                })));
            }
        }
        if name == PG_TYPE {
            if let Some(base) = self.base.table(name).await? {
                return Ok(Some(Arc::new(NameTyped {
                    schema: with_name_columns(&base.schema(), name),
                    base,
                })));
            }
        }
        if let Some(adjustment) = crate::catalog::catalog_rows::Adjustment::of(name) {
            if let Some(base) = self.base.table(name).await? {
                let table = crate::catalog::catalog_rows::AdjustedTable::new(base, adjustment);
                return Ok(Some(Arc::new(table)));
            }
        }
        self.base.table(name).await
    }

    fn table_exist(&self, name: &str) -> bool {
        EXTRA_TABLES.contains(&name) || self.base.table_exist(name)
    }
}

const PG_ATTRIBUTE: &str = "pg_attribute";
const PG_TYPE: &str = "pg_type";

/// The columns of type `name` in PostgreSQL that fedgate describes so (the others are
/// described as `text`).
const NAME_COLUMNS: &[(&str, &str)] = &[(PG_ATTRIBUTE, "attname"), (PG_TYPE, "typname")];

/// `schema` with the `name` columns of table `table` marked as PostgreSQL's `name` type.
fn with_name_columns(schema: &SchemaRef, table: &str) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| {
            let is_name = NAME_COLUMNS.contains(&(table, field.name().as_str()));
            let field = field.as_ref().clone();
            if !is_name {
                return field;
            }
            let mut metadata = field.metadata().clone();
            metadata.insert(PG_TYPE_METADATA.to_string(), "name".to_string());
            field.with_metadata(metadata)
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The batches of `batches` under `schema` (the same columns, marked differently).
fn under_schema(batches: Vec<RecordBatch>, schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    batches
        .into_iter()
        .map(|b| Ok(RecordBatch::try_new(schema.clone(), b.columns().to_vec())?))
        .collect()
}

/// A `pg_catalog` table with its `name` columns described as `name`.
#[derive(Debug)]
struct NameTyped {
    base: Arc<dyn TableProvider>,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for NameTyped {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> datafusion::datasource::TableType {
        self.base.table_type()
    }

    async fn scan(
        &self,
        state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        filters: &[datafusion::logical_expr::Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        let batches = under_schema(scan_all(&self.base, state).await?, &self.schema)?;
        let table = MemTable::try_new(self.schema.clone(), vec![batches])?;
        table.scan(state, projection, filters, limit).await
    }
}

/// `pg_attribute` with the backend's column types: datafusion-pg-catalog derives
/// `atttypid` from the Arrow type and has no `atttypmod`, so a PostgreSQL `jsonb` column
/// showed as `text` and `numeric(10,2)` as `numeric` in psql's `\d`, pgjdbc's
/// `getColumns` and SQLAlchemy's `get_columns`. Columns whose `fedgate.pg_type` metadata
/// names a type the gateway also reports in results (see `handler::backend_types`) get that
/// type and modifier here too.
#[derive(Debug)]
struct BackendTypedAttributes {
    base: Arc<dyn TableProvider>,
    /// The base's schema with `attname` typed `name`.
    schema: SchemaRef,
    pg_catalog: Arc<dyn SchemaProvider>,
}

async fn scan_all(
    table: &Arc<dyn TableProvider>,
    state: &dyn datafusion::catalog::Session,
) -> Result<Vec<RecordBatch>> {
    let plan = table.scan(state, None, &[], None).await?;
    datafusion::physical_plan::collect(plan, state.task_ctx()).await
}

fn column(batch: &RecordBatch, name: &str, data_type: &DataType) -> Result<ArrayRef> {
    let array = batch.column_by_name(name).ok_or_else(|| {
        datafusion::error::DataFusionError::Internal(format!("pg_catalog column {name} missing"))
    })?;
    Ok(datafusion::arrow::compute::cast(array, data_type)?)
}

#[async_trait]
impl TableProvider for BackendTypedAttributes {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> datafusion::datasource::TableType {
        self.base.table_type()
    }

    async fn scan(
        &self,
        state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        filters: &[datafusion::logical_expr::Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::{Int16Type, Int32Type};
        use std::collections::HashMap;

        let attributes = scan_all(&self.base, state).await?;
        // relation oid -> (schema, table), for the session's database (pg_class's scope).
        let mut namespaces = HashMap::new();
        if let Some(table) = self.pg_catalog.table("pg_namespace").await? {
            for batch in scan_all(&table, state).await? {
                let oids = column(&batch, "oid", &DataType::Int32)?;
                let names = column(&batch, "nspname", &DataType::Utf8)?;
                let (oids, names) = (oids.as_primitive::<Int32Type>(), names.as_string::<i32>());
                for i in 0..batch.num_rows() {
                    namespaces.insert(oids.value(i), names.value(i).to_string());
                }
            }
        }
        let mut relations = HashMap::new();
        if let Some(table) = self.pg_catalog.table("pg_class").await? {
            for batch in scan_all(&table, state).await? {
                let oids = column(&batch, "oid", &DataType::Int32)?;
                let names = column(&batch, "relname", &DataType::Utf8)?;
                let spaces = column(&batch, "relnamespace", &DataType::Int32)?;
                let oids = oids.as_primitive::<Int32Type>();
                let names = names.as_string::<i32>();
                let spaces = spaces.as_primitive::<Int32Type>();
                for i in 0..batch.num_rows() {
                    if let Some(schema) = namespaces.get(&spaces.value(i)) {
                        relations
                            .insert(oids.value(i), (schema.clone(), names.value(i).to_string()));
                    }
                }
            }
        }
        let database = state.config_options().catalog.default_catalog.clone();
        let catalog = state
            .as_any()
            .downcast_ref::<datafusion::execution::SessionState>()
            .and_then(|s| s.catalog_list().catalog(&database));
        let mut fields: HashMap<i32, datafusion::arrow::datatypes::SchemaRef> = HashMap::new();
        if let Some(catalog) = &catalog {
            for (oid, (schema, table)) in &relations {
                if let Some(provider) = catalog.schema(schema) {
                    if let Ok(Some(table)) = provider.table(table).await {
                        fields.insert(*oid, table.schema());
                    }
                }
            }
        }
        let mut batches = Vec::with_capacity(attributes.len());
        for batch in attributes {
            let relids = column(&batch, "attrelid", &DataType::Int32)?;
            let attnums = column(&batch, "attnum", &DataType::Int16)?;
            let typids = column(&batch, "atttypid", &DataType::Int32)?;
            let typmods = column(&batch, "atttypmod", &DataType::Int32)?;
            let (relids, attnums) = (
                relids.as_primitive::<Int32Type>(),
                attnums.as_primitive::<Int16Type>(),
            );
            let mut new_typids: Vec<i32> = typids.as_primitive::<Int32Type>().values().to_vec();
            let mut new_typmods: Vec<i32> = typmods.as_primitive::<Int32Type>().values().to_vec();
            for i in 0..batch.num_rows() {
                let field = fields.get(&relids.value(i)).and_then(|schema| {
                    let index = usize::try_from(attnums.value(i)).ok()?.checked_sub(1)?;
                    schema.fields().get(index).cloned()
                });
                if let Some((pg_type, typmod)) =
                    field.and_then(|f| crate::output::backend_types::backend_type(&f))
                {
                    new_typids[i] = pg_type.oid() as i32;
                    new_typmods[i] = typmod;
                }
            }
            let mut columns = batch.columns().to_vec();
            let schema = batch.schema();
            for (name, values) in [("atttypid", new_typids), ("atttypmod", new_typmods)] {
                if let Ok(index) = schema.index_of(name) {
                    let array: ArrayRef = Arc::new(Int32Array::from(values));
                    columns[index] =
                        datafusion::arrow::compute::cast(&array, columns[index].data_type())?;
                    debug_assert_eq!(columns[index].len(), batch.num_rows());
                }
            }
            batches.push(RecordBatch::try_new(self.schema.clone(), columns)?);
        }
        let table = MemTable::try_new(self.schema.clone(), vec![batches])?;
        table.scan(state, projection, filters, limit).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::Int32Type;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;

    use super::*;

    #[tokio::test]
    async fn pg_attribute_has_backend_types_and_modifiers() {
        let config = SessionConfig::new().with_default_catalog_and_schema("db", "public");
        let ctx = SessionContext::new_with_config(config);
        let pg_type = |t: &str| {
            HashMap::from([(
                fedgate_adapter_api::metadata::PG_TYPE.to_string(),
                t.to_string(),
            )])
        };
        let schema = Arc::new(Schema::new(vec![
            Field::new("price", DataType::Decimal128(10, 2), true)
                .with_metadata(pg_type("numeric(10,2)")),
            Field::new("doc", DataType::Utf8, true).with_metadata(pg_type("jsonb")),
            Field::new("plain_label", DataType::Utf8, true),
        ]));
        let table = MemTable::try_new(schema, vec![vec![]]).unwrap();
        ctx.register_table("items", Arc::new(table)).unwrap();
        datafusion_pg_catalog::setup_pg_catalog(&ctx, "db", EmptyContextProvider).unwrap();
        let pg_catalog = ctx.catalog("db").unwrap().schema(PG_CATALOG).unwrap();
        let base = pg_catalog.table(PG_ATTRIBUTE).await.unwrap().unwrap();
        let attributes = BackendTypedAttributes {
            schema: with_name_columns(&base.schema(), PG_ATTRIBUTE),
            base,
            pg_catalog,
        };
        ctx.register_table("attrs", Arc::new(attributes)).unwrap();
        let batches = ctx
            .sql("SELECT atttypid, atttypmod FROM attrs WHERE attname IN ('price', 'doc', 'plain_label') ORDER BY attnum")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let column = |i: usize| -> Vec<i32> {
            batches
                .iter()
                .flat_map(|b| b.column(i).as_primitive::<Int32Type>().values().to_vec())
                .collect()
        };
        assert_eq!(column(0), vec![1700, 3802, 25]);
        assert_eq!(column(1), vec![655366, -1, -1]);
        let names = ctx.sql("SELECT attname FROM attrs").await.unwrap();
        assert_eq!(names.schema().field(0).metadata()[PG_TYPE_METADATA], "name");
    }
}
