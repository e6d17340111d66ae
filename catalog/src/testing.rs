//! Test doubles: an in-memory backend whose "world" tests can change (take it down, add
//! tables, count calls), and a factory for it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::array::{Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use fedgate_adapter_api::{
    AdapterError, Backend, BackendTable, Result, ServerOptions, TableEntry, TableKind,
};

use crate::{wrapper_not_found, BackendFactory};

/// The options the fake wrapper accepts.
const FAKE_OPTIONS: &[&str] = &["host", "password", "url", "dbname"];

/// How a fake table is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serve {
    Local,
    Remote,
    View,
}

/// What every fake backend sees; shared so tests can change it.
#[derive(Debug, Default)]
pub struct World {
    pub down: AtomicBool,
    pub tables: Mutex<BTreeMap<String, BTreeMap<String, Serve>>>,
    pub table_calls: AtomicUsize,
    pub list_calls: AtomicUsize,
}

impl World {
    /// Schemas `public` (`Orders` local, `items` remote, `v_orders` view) and `Sales`
    /// (`Q1` local).
    pub fn standard() -> Arc<World> {
        let world = World::default();
        world.add("public", "Orders", Serve::Local);
        world.add("public", "items", Serve::Remote);
        world.add("public", "v_orders", Serve::View);
        world.add("Sales", "Q1", Serve::Local);
        Arc::new(world)
    }

    pub fn add(&self, schema: &str, table: &str, serve: Serve) {
        let mut tables = self.tables.lock().unwrap();
        let schema = tables.entry(schema.to_string()).or_default();
        schema.insert(table.to_string(), serve);
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn table_calls(&self) -> usize {
        self.table_calls.load(Ordering::SeqCst)
    }

    fn check_up(&self, host: &str) -> Result<()> {
        if self.down.load(Ordering::SeqCst) || host == "nowhere" {
            return Err(AdapterError::unable_to_connect(format!(
                "could not connect to host \"{host}\": connection refused"
            )));
        }
        Ok(())
    }
}

/// An in-memory backend.
#[derive(Debug)]
pub struct FakeBackend {
    world: Arc<World>,
    host: String,
}

#[async_trait]
impl Backend for FakeBackend {
    fn wrapper(&self) -> &'static str {
        "fake"
    }

    async fn check_connection(&self) -> Result<()> {
        self.world.check_up(&self.host)
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        self.world.check_up(&self.host)?;
        self.world.list_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.world.tables.lock().unwrap().keys().cloned().collect())
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        self.world.check_up(&self.host)?;
        let tables = self.world.tables.lock().unwrap();
        let entries = tables.get(schema).into_iter().flatten();
        Ok(entries.map(|(name, serve)| entry(name, *serve)).collect())
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        self.world.check_up(&self.host)?;
        self.world.table_calls.fetch_add(1, Ordering::SeqCst);
        let serve = self
            .world
            .tables
            .lock()
            .unwrap()
            .get(schema)
            .and_then(|t| t.get(table))
            .copied();
        Ok(serve.map(backend_table))
    }
}

fn entry(name: &str, serve: Serve) -> TableEntry {
    let kind = match serve {
        Serve::View => TableKind::View,
        _ => TableKind::Table,
    };
    TableEntry {
        name: name.to_string(),
        kind,
    }
}

/// Columns `id BIGINT, name TEXT`.
pub fn fake_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
    ]))
}

/// Three rows: (1, a), (2, b), (3, c).
fn fake_mem_table() -> MemTable {
    let schema = fake_schema();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(vec![1, 2, 3])),
            Arc::new(StringArray::from(vec!["a", "b", "c"])),
        ],
    )
    .unwrap();
    MemTable::try_new(schema, vec![vec![batch]]).unwrap()
}

fn backend_table(serve: Serve) -> BackendTable {
    match serve {
        Serve::Local | Serve::View => BackendTable::Local(Arc::new(fake_mem_table())),
        Serve::Remote => BackendTable::Remote {
            schema: fake_schema(),
        },
    }
}

/// Builds [`FakeBackend`]s for the wrapper `fake`; the option `host` = `nowhere` makes the
/// connection fail.
#[derive(Debug)]
pub struct FakeFactory {
    pub world: Arc<World>,
}

impl BackendFactory for FakeFactory {
    fn create(
        &self,
        _server: &str,
        wrapper: &str,
        options: &ServerOptions,
    ) -> Result<Arc<dyn Backend>> {
        if wrapper != "fake" {
            return Err(wrapper_not_found(wrapper));
        }
        options.reject_unknown("fake", FAKE_OPTIONS)?;
        Ok(Arc::new(FakeBackend {
            world: Arc::clone(&self.world),
            host: options.get("host").unwrap_or("localhost").to_string(),
        }))
    }
}

/// Options from pairs.
pub fn opts(pairs: &[(&str, &str)]) -> ServerOptions {
    ServerOptions::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// A remote table as the fake builder makes it: empty, with the discovered columns.
#[derive(Debug)]
pub struct FakeRemoteTable {
    pub schema: SchemaRef,
}

#[async_trait]
impl datafusion::catalog::TableProvider for FakeRemoteTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> datafusion::datasource::TableType {
        datafusion::datasource::TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        filters: &[datafusion::prelude::Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        MemTable::try_new(self.schema.clone(), vec![vec![]])?
            .scan(state, projection, filters, limit)
            .await
    }
}

/// Builds [`FakeRemoteTable`]s (the catalog's tests need no planner).
#[derive(Debug)]
pub struct FakeRemoteTables;

impl crate::RemoteTableBuilder for FakeRemoteTables {
    fn build(
        &self,
        _server: &str,
        _backend: Arc<dyn Backend>,
        _schema: &str,
        _table: &str,
        arrow: SchemaRef,
    ) -> Result<Arc<dyn datafusion::catalog::TableProvider>> {
        Ok(Arc::new(FakeRemoteTable { schema: arrow }))
    }
}
