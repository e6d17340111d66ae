//! The physical operator that runs one pushed part on a backend and streams its batches.
//!
//! EXPLAIN prints it as `RemoteScanExec: server=NAME, sql=TEXT`: the exact text the backend
//! receives.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatchOptions;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::execution_plan::{
    Boundedness, ChildrenPropertiesMode, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};
use fedgate_adapter_api::{AdapterError, Backend, RemoteQuery};
use futures::StreamExt;

/// Runs `sql` on one server; produces `schema`.
#[derive(Debug)]
pub struct RemoteScanExec {
    server: String,
    backend: Arc<dyn Backend>,
    sql: String,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
    metrics: ExecutionPlanMetricsSet,
}

impl RemoteScanExec {
    pub fn new(server: &str, backend: Arc<dyn Backend>, sql: String, schema: SchemaRef) -> Self {
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

    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// A scan with no columns (e.g. `count(*)`) asks the backend for one placeholder column
    /// and keeps only the row counts.
    fn execute_without_columns(&self) -> SendableRecordBatchStream {
        let placeholder = Arc::new(Schema::new(vec![Field::new("?", DataType::Boolean, true)]));
        let stream = self.backend.execute(RemoteQuery {
            sql: self.sql.clone(),
            schema: placeholder,
        });
        let schema = self.schema.clone();
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
        Box::pin(RecordBatchStreamAdapter::new(schema, mapped))
    }
}

impl DisplayAs for RemoteScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "RemoteScanExec: server={}, sql={}",
            self.server, self.sql
        )
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
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(AdapterError::internal(format!(
                "RemoteScanExec has one partition, asked for {partition}"
            ))
            .into_datafusion());
        }
        let stream = if self.schema.fields().is_empty() {
            self.execute_without_columns()
        } else {
            self.backend.execute(RemoteQuery {
                sql: self.sql.clone(),
                schema: self.schema.clone(),
            })
        };
        Ok(self.measured(stream, partition))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}
