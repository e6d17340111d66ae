//! Planner tests without a database: fake servers with a chosen SQL dialect and pushdown
//! switches, a session planned as the gateway plans it, and the remote parts of a plan as
//! text (server and SQL, as EXPLAIN shows them; DataFusion's own operators left out, so an
//! upgrade that reshuffles them does not change what the tests compare).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::array::Int64Array;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider, MemorySchemaProvider};
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{collect, displayable, ExecutionPlan};
use datafusion::prelude::{SessionConfig, SessionContext};
use fedgate_adapter_api::{
    Backend, BackendTable, Pushdown, RemoteQuery, Result, SqlDialect, TableEntry, TableKind,
};
use fedgate_adapter_mysql::MySqlDialect;
use fedgate_adapter_postgres::PostgresDialect;
use fedgate_planner::{FederatingQueryPlanner, PostgresSemantics, RemoteScanExec, RemoteTable};

/// A remote SQL server that holds no data: it answers each query with the next of its
/// canned answers (a column of integers, for key queries) or with no rows, and records
/// every SQL text it is sent.
#[derive(Debug)]
pub struct FakeServer {
    name: String,
    dialect: Arc<dyn SqlDialect>,
    pushdown: Pushdown,
    tables: BTreeMap<(String, String), SchemaRef>,
    answers: Mutex<VecDeque<Vec<i64>>>,
    sent: Mutex<Vec<String>>,
}

impl FakeServer {
    pub fn new(name: &str, dialect: Arc<dyn SqlDialect>) -> Self {
        Self {
            name: name.to_string(),
            dialect,
            pushdown: Pushdown::all(),
            tables: BTreeMap::new(),
            answers: Mutex::new(VecDeque::new()),
            sent: Mutex::new(Vec::new()),
        }
    }

    pub fn postgres(name: &str) -> Self {
        Self::new(name, Arc::new(PostgresDialect))
    }

    pub fn mysql(name: &str) -> Self {
        Self::new(name, Arc::new(MySqlDialect))
    }

    pub fn with_table(mut self, schema: &str, table: &str, columns: &[(&str, DataType)]) -> Self {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, data_type)| Field::new(*name, data_type.clone(), true))
            .collect();
        let key = (schema.to_string(), table.to_string());
        self.tables.insert(key, Arc::new(Schema::new(fields)));
        self
    }

    pub fn with_pushdown(mut self, pushdown: Pushdown) -> Self {
        self.pushdown = pushdown;
        self
    }

    /// Answers the next query with `keys` (one integer column).
    pub fn answer_next_with(&self, keys: Vec<i64>) {
        lock(&self.answers).push_back(keys);
    }

    /// The SQL texts sent so far, in order.
    pub fn sent(&self) -> Vec<String> {
        lock(&self.sent).clone()
    }

    fn answer(&self, schema: &SchemaRef) -> RecordBatch {
        match lock(&self.answers).pop_front() {
            Some(keys) => {
                RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(keys))])
                    .expect("a canned answer is asked for by a query of one integer column")
            }
            None => RecordBatch::new_empty(schema.clone()),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[async_trait]
impl Backend for FakeServer {
    fn wrapper(&self) -> &'static str {
        "fake"
    }

    async fn check_connection(&self) -> Result<()> {
        Ok(())
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        Ok(self
            .tables
            .keys()
            .map(|(schema, _)| schema.clone())
            .collect())
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        let names = self.tables.keys().filter(|(s, _)| s == schema);
        Ok(names
            .map(|(_, name)| TableEntry {
                name: name.clone(),
                kind: TableKind::Table,
            })
            .collect())
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        let key = (schema.to_string(), table.to_string());
        Ok(self.tables.get(&key).map(|schema| BackendTable::Remote {
            schema: schema.clone(),
        }))
    }

    fn pushdown(&self) -> Pushdown {
        self.pushdown
    }

    fn sql_dialect(&self) -> Option<Arc<dyn SqlDialect>> {
        Some(self.dialect.clone())
    }

    fn execute(&self, query: RemoteQuery) -> SendableRecordBatchStream {
        lock(&self.sent).push(query.sql);
        let batch = self.answer(&query.schema);
        let batches = futures::stream::iter([Ok(batch)]);
        Box::pin(RecordBatchStreamAdapter::new(query.schema, batches))
    }
}

/// A session over `servers` (each a catalog named after the server), planned as the
/// gateway plans: PostgreSQL semantics, the federating planner, UTC, decimal literals.
pub fn session(servers: &[Arc<FakeServer>]) -> SessionContext {
    let mut config = SessionConfig::new().with_target_partitions(2);
    config.options_mut().sql_parser.parse_float_as_decimal = true;
    config.options_mut().execution.time_zone = Some("+00:00".to_string());
    config.options_mut().sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
    let mut analyzer_rules: Vec<Arc<dyn datafusion::optimizer::AnalyzerRule + Send + Sync>> =
        vec![Arc::new(PostgresSemantics)];
    analyzer_rules.extend(datafusion::optimizer::Analyzer::new().rules);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .with_query_planner(Arc::new(FederatingQueryPlanner))
        .with_analyzer_rules(analyzer_rules)
        .build();
    let ctx = SessionContext::new_with_state(state);
    for server in servers {
        ctx.register_catalog(&server.name, catalog_of(server));
    }
    ctx
}

/// The server's tables as a DataFusion catalog of remote tables.
fn catalog_of(server: &Arc<FakeServer>) -> Arc<dyn CatalogProvider> {
    let catalog = MemoryCatalogProvider::new();
    for ((schema_name, table_name), schema) in &server.tables {
        let backend: Arc<dyn Backend> = server.clone();
        let table = RemoteTable::new(
            &server.name,
            backend,
            schema_name,
            table_name,
            schema.clone(),
        )
        .expect("a fake server has a SQL dialect");
        let schema_provider = match catalog.schema(schema_name) {
            Some(existing) => existing,
            None => {
                let created = Arc::new(MemorySchemaProvider::new());
                catalog
                    .register_schema(schema_name, created.clone())
                    .expect("a memory catalog registers schemas");
                created
            }
        };
        schema_provider
            .register_table(table_name.clone(), Arc::new(table))
            .expect("each fake table is registered once");
    }
    Arc::new(catalog)
}

/// The physical plan of `sql`.
pub async fn plan(ctx: &SessionContext, sql: &str) -> Arc<dyn ExecutionPlan> {
    let frame = ctx.sql(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    frame
        .create_physical_plan()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every remote part of `plan` as EXPLAIN shows it, sorted (the order of a plan's
/// children, e.g. a hash join's build side, is DataFusion's choice).
pub fn remote_parts(plan: &Arc<dyn ExecutionPlan>) -> Vec<String> {
    let mut parts = Vec::new();
    collect_remote_parts(plan, &mut parts);
    parts.sort();
    parts
}

fn collect_remote_parts(plan: &Arc<dyn ExecutionPlan>, parts: &mut Vec<String>) {
    if plan.is::<RemoteScanExec>() {
        parts.push(
            displayable(plan.as_ref())
                .one_line()
                .to_string()
                .trim_end()
                .to_string(),
        );
    }
    for child in plan.children() {
        collect_remote_parts(child, parts);
    }
}

/// The query and the remote parts its plan sends, one per paragraph: the text a snapshot
/// holds.
pub async fn explained(ctx: &SessionContext, sql: &str) -> String {
    let parts = remote_parts(&plan(ctx, sql).await);
    format!("{sql}\n\n{}\n", parts.join("\n\n"))
}

/// Runs `sql` and returns the plan it ran (for its metrics).
pub async fn run(ctx: &SessionContext, sql: &str) -> Arc<dyn ExecutionPlan> {
    let plan = plan(ctx, sql).await;
    collect(plan.clone(), ctx.task_ctx())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    plan
}

/// The sum of the counter `name` over the remote parts of an executed plan.
pub fn remote_counter(plan: &Arc<dyn ExecutionPlan>, name: &str) -> usize {
    let own = match plan.metrics() {
        Some(metrics) if plan.is::<RemoteScanExec>() => metrics
            .sum_by_name(name)
            .map_or(0, |value| value.as_usize()),
        _ => 0,
    };
    let children: usize = plan
        .children()
        .into_iter()
        .map(|child| remote_counter(child, name))
        .sum();
    own + children
}
