//! Tables fedgate adds to `pg_catalog`: the registered servers.
//!
//! - `pg_catalog.fedgate_servers (name, wrapper, options)`: every server, options with
//!   secrets redacted (also reachable unqualified, as `fedgate_servers`).
//! - `pg_catalog.pg_foreign_server` and `pg_catalog.pg_foreign_data_wrapper`: the same in
//!   PostgreSQL's shape, for psql's `\des` and tools that read them.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Int32Array, ListBuilder, StringArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{MemTable, SchemaProvider, TableProvider};
use datafusion::error::Result;
use fedgate_catalog::{Catalog, ServerInfo};

pub const PG_CATALOG: &str = "pg_catalog";
const FEDGATE_SERVERS: &str = "fedgate_servers";
const PG_FOREIGN_SERVER: &str = "pg_foreign_server";
const PG_FOREIGN_DATA_WRAPPER: &str = "pg_foreign_data_wrapper";
const EXTRA_TABLES: &[&str] = &[FEDGATE_SERVERS, PG_FOREIGN_SERVER, PG_FOREIGN_DATA_WRAPPER];

/// The wrappers fedgate knows, with stable OIDs for `pg_foreign_data_wrapper`.
const WRAPPERS: &[(&str, i32)] = &[
    ("postgres", 90001),
    ("files", 90002),
    ("mysql", 90003),
    ("mongodb", 90004),
];

/// Builds the extra tables from the live catalog.
#[derive(Debug)]
pub struct SystemTables {
    catalog: Catalog,
}

impl SystemTables {
    pub fn new(catalog: Catalog) -> Self {
        Self { catalog }
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
        let batch = match name {
            FEDGATE_SERVERS => servers_batch(&servers)?,
            PG_FOREIGN_SERVER => foreign_server_batch(&servers)?,
            PG_FOREIGN_DATA_WRAPPER => wrapper_batch()?,
            _ => return Ok(None),
        };
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
        Ok(Some(Arc::new(table)))
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

fn wrapper_oid(wrapper: &str) -> i32 {
    WRAPPERS
        .iter()
        .find(|(name, _)| *name == wrapper)
        .map_or(0, |(_, oid)| *oid)
}

fn foreign_server_batch(servers: &[ServerInfo]) -> Result<RecordBatch> {
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
            servers.iter().map(|s| wrapper_oid(&s.wrapper)),
        )),
        Arc::new(StringArray::new_null(n)),
        Arc::new(StringArray::new_null(n)),
        Arc::new(StringArray::new_null(n)),
        Arc::new(options.finish()),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

fn wrapper_batch() -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("oid", DataType::Int32, false),
        Field::new("fdwname", DataType::Utf8, false),
        Field::new("fdwowner", DataType::Int32, false),
        Field::new("fdwhandler", DataType::Int32, false),
        Field::new("fdwvalidator", DataType::Int32, false),
        Field::new("fdwacl", DataType::Utf8, true),
        Field::new("fdwoptions", DataType::Utf8, true),
    ]));
    let n = WRAPPERS.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from_iter_values(
            WRAPPERS.iter().map(|(_, oid)| *oid),
        )),
        Arc::new(StringArray::from_iter_values(
            WRAPPERS.iter().map(|(name, _)| *name),
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
        self.base.table(name).await
    }

    fn table_exist(&self, name: &str) -> bool {
        EXTRA_TABLES.contains(&name) || self.base.table_exist(name)
    }
}
