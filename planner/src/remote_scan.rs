//! The physical operator that runs one pushed part on a backend and streams its batches.
//!
//! EXPLAIN prints it as `RemoteScanExec: server=NAME, sql=TEXT`: the exact text the backend
//! receives. A scan with key feeds (`key_feed`) shows each fed predicate as
//! `key IN (<keys N>)` and adds `keys N=SQL`, the query whose keys fill it; EXPLAIN ANALYZE
//! adds `fed_keys` (keys sent) and `unfed_semi_joins` (feeds that had too many keys).
//!
//! A running scan reports itself to the session's remote-part tracker
//! (`fedgate_adapter_api::remote_parts`) with the SQL it sent: `fedgate_remote_activity`.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatchOptions;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::execution_plan::{
    Boundedness, ChildrenPropertiesMode, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::metrics::{
    BaselineMetrics, ExecutionPlanMetricsSet, MetricBuilder, MetricsSet,
};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};
use fedgate_adapter_api::remote_parts::track;
use fedgate_adapter_api::{AdapterError, Backend, RemoteQuery};
use futures::{StreamExt, TryStreamExt};

use crate::key_feed;
use crate::remote_sql::RemoteSql;

/// Runs `sql` on one server; produces `schema`.
#[derive(Debug)]
pub struct RemoteScanExec {
    server: String,
    backend: Arc<dyn Backend>,
    sql: RemoteSql,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
    metrics: ExecutionPlanMetricsSet,
}

impl RemoteScanExec {
    pub fn new(server: &str, backend: Arc<dyn Backend>, sql: String, schema: SchemaRef) -> Self {
        Self::with_remote_sql(server, backend, RemoteSql::from(sql), schema)
    }

    /// A scan of SQL whose key-feed slots are filled when it runs.
    pub(crate) fn with_remote_sql(
        server: &str,
        backend: Arc<dyn Backend>,
        sql: RemoteSql,
        schema: SchemaRef,
    ) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Self {
            server: server.to_string(),
            backend,
            sql,
            schema,
            properties,
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }

    /// Counts rows and the time spent waiting for the backend (EXPLAIN ANALYZE shows both).
    fn measured(
        &self,
        stream: SendableRecordBatchStream,
        partition: usize,
    ) -> SendableRecordBatchStream {
        let baseline = BaselineMetrics::new(&self.metrics, partition);
        let schema = stream.schema();
        let timed =
            futures::stream::unfold((stream, baseline), |(mut stream, baseline)| async move {
                let timer = baseline.elapsed_compute().timer();
                let next = stream.next().await;
                timer.done();
                let next = next?;
                if let Ok(batch) = &next {
                    baseline.record_output(batch.num_rows());
                } else {
                    baseline.done();
                }
                Some((next, (stream, baseline)))
            });
        Box::pin(RecordBatchStreamAdapter::new(schema, timed))
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// The SQL as EXPLAIN shows it: a key feed's predicate as `key IN (<keys N>)`.
    pub fn sql(&self) -> String {
        self.sql.explained()
    }

    /// The query, sent once the key feeds' keys are read and put into its SQL.
    fn execute_after_feeding(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> SendableRecordBatchStream {
        let backend = self.backend.clone();
        let server = self.server.clone();
        let sql = self.sql.clone();
        let schema = self.schema.clone();
        let fed_keys = MetricBuilder::new(&self.metrics).counter("fed_keys", partition);
        let unfed = MetricBuilder::new(&self.metrics).counter("unfed_semi_joins", partition);
        let stream = futures::stream::once(async move {
            let sql = key_feed::resolve(&backend, &sql, |keys| match keys {
                Some(n) => fed_keys.add(n),
                None => unfed.add(1),
            })
            .await?;
            let text = sql.clone();
            let stream = run_query(&backend, sql, &schema);
            Ok::<_, DataFusionError>(track(&context, &server, || text, stream))
        })
        .try_flatten();
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

/// Runs `sql` on `backend` as a stream of `schema`.
fn run_query(
    backend: &Arc<dyn Backend>,
    sql: String,
    schema: &SchemaRef,
) -> SendableRecordBatchStream {
    if schema.fields().is_empty() {
        run_without_columns(backend, sql, schema)
    } else {
        backend.execute(RemoteQuery {
            sql,
            schema: schema.clone(),
        })
    }
}

/// A scan with no columns (e.g. `count(*)`) asks the backend for one placeholder column
/// and keeps only the row counts.
fn run_without_columns(
    backend: &Arc<dyn Backend>,
    sql: String,
    schema: &SchemaRef,
) -> SendableRecordBatchStream {
    let placeholder = Arc::new(Schema::new(vec![Field::new("?", DataType::Boolean, true)]));
    let stream = backend.execute(RemoteQuery {
        sql,
        schema: placeholder,
    });
    let out_schema = schema.clone();
    let mapped = stream.map(move |batch| {
        let batch = batch?;
        let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        Ok(RecordBatch::try_new_with_options(
            out_schema.clone(),
            vec![],
            &options,
        )?)
    });
    Box::pin(RecordBatchStreamAdapter::new(schema.clone(), mapped))
}

impl DisplayAs for RemoteScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "RemoteScanExec: server={}, sql={}",
            self.server,
            self.sql.explained()
        )?;
        for (i, feed) in self.sql.key_feeds().enumerate() {
            write!(f, ", keys {}={}", i + 1, feed.key_sql())?;
        }
        Ok(())
    }
}

impl ExecutionPlan for RemoteScanExec {
    fn name(&self) -> &str {
        "RemoteScanExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            Err(AdapterError::internal("RemoteScanExec has no children").into_datafusion())
        }
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(AdapterError::internal(format!(
                "RemoteScanExec has one partition, asked for {partition}"
            ))
            .into_datafusion());
        }
        let stream = if !self.sql.has_key_feeds() {
            let sql = self.sql.without_feeding();
            let text = sql.clone();
            let stream = run_query(&self.backend, sql, &self.schema);
            track(&context, &self.server, || text, stream)
        } else {
            self.execute_after_feeding(partition, context)
        };
        Ok(self.measured(stream, partition))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}
