//! The physical operator that runs one aggregation pipeline and streams its documents as Arrow.
//!
//! EXPLAIN prints it as
//! `MongoScanExec: server=NAME, collection=db.coll, pipeline=[...]`, the pipeline as relaxed
//! Extended JSON: exactly what MongoDB receives.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{
    Boundedness, ChildrenPropertiesMode, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};
use fedgate_adapter_api::{with_deadline, AdapterError};
use mongodb::bson::{Bson, Document};
use mongodb::{Client, Cursor};

use crate::convert::BatchConverter;
use crate::error::driver_error;
use crate::infer::Column;
use crate::options::MongoOptions;

/// Rows per record batch (at most).
pub const BATCH_ROWS: usize = 8192;

/// Runs `pipeline` on `database.collection`; produces `schema` (the projected columns).
#[derive(Debug)]
pub struct MongoScanExec {
    server: String,
    client: Client,
    options: Arc<MongoOptions>,
    database: String,
    collection: String,
    pipeline: Vec<Document>,
    columns: Vec<Column>,
    schema: SchemaRef,
    sampled: usize,
    /// False for `LIMIT 0`: MongoDB rejects `$limit: 0`, and there is nothing to read.
    run: bool,
    /// The row to produce when the pipeline returns no document (a pushed aggregate without
    /// GROUP BY: SQL gives one row, `count` 0 and the others NULL; `$group` gives none).
    empty_row: Option<Document>,
    properties: Arc<PlanProperties>,
}

/// What a scan needs besides its pipeline.
#[derive(Debug, Clone)]
pub(crate) struct ScanSource {
    pub server: String,
    pub client: Client,
    pub options: Arc<MongoOptions>,
    pub database: String,
    pub collection: String,
    pub sampled: usize,
}

impl MongoScanExec {
    pub(crate) fn new(
        source: ScanSource,
        pipeline: Vec<Document>,
        columns: Vec<Column>,
        schema: SchemaRef,
        run: bool,
    ) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Self {
            server: source.server,
            client: source.client,
            options: source.options,
            database: source.database,
            collection: source.collection,
            sampled: source.sampled,
            pipeline,
            columns,
            schema,
            run,
            empty_row: None,
            properties,
        }
    }

    /// Produces `row` when the pipeline returns no document.
    pub(crate) fn with_empty_row(mut self, row: Option<Document>) -> Self {
        self.empty_row = row;
        self
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// `database.collection`.
    pub fn namespace(&self) -> String {
        format!("{}.{}", self.database, self.collection)
    }

    /// The aggregation pipeline sent to MongoDB.
    pub fn pipeline(&self) -> &[Document] {
        &self.pipeline
    }

    /// The pipeline as relaxed Extended JSON text.
    pub fn pipeline_json(&self) -> String {
        pipeline_json(&self.pipeline)
    }
}

/// A pipeline as relaxed Extended JSON text.
pub fn pipeline_json(pipeline: &[Document]) -> String {
    Bson::Array(pipeline.iter().cloned().map(Bson::Document).collect())
        .into_relaxed_extjson()
        .to_string()
}

impl DisplayAs for MongoScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "MongoScanExec: server={}, collection={}, pipeline={}",
            self.server,
            self.namespace(),
            self.pipeline_json()
        )?;
        if !self.run {
            write!(f, " (LIMIT 0: not run)")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for MongoScanExec {
    fn name(&self) -> &str {
        "MongoScanExec"
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
            Err(AdapterError::internal("MongoScanExec has no children").into_datafusion())
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
                "MongoScanExec has one partition, asked for {partition}"
            ))
            .into_datafusion());
        }
        let namespace = self.namespace();
        let converter = BatchConverter::new(
            self.schema.clone(),
            &self.columns,
            &self.server,
            &namespace,
            self.sampled,
        );
        let scan = Scan {
            server: self.server.clone(),
            client: self.client.clone(),
            options: self.options.clone(),
            database: self.database.clone(),
            collection: self.collection.clone(),
            pipeline: self.pipeline.clone(),
        };
        let start = if self.run { State::Start } else { State::Done };
        // Documents read so far, and the row for an empty result (if any).
        let progress = (0_usize, self.empty_row.clone());
        let stream = futures::stream::try_unfold(
            (start, converter, scan, progress),
            |(state, mut converter, scan, (mut rows, mut empty_row))| async move {
                let mut cursor = match state {
                    State::Done => return Ok(None),
                    State::Start => scan.open().await?,
                    State::Reading(cursor) => cursor,
                };
                let mut finished = false;
                while converter.len() < BATCH_ROWS {
                    match cursor.advance().await {
                        Ok(true) => {
                            let doc = Document::try_from(cursor.current())
                                .map_err(|e| scan.malformed(&e))?;
                            converter
                                .append(&doc)
                                .map_err(AdapterError::into_datafusion)?;
                            rows += 1;
                        }
                        Ok(false) => {
                            finished = true;
                            break;
                        }
                        Err(e) => return Err(scan.fail("read the query results", &e)),
                    }
                }
                if finished && rows == 0 {
                    if let Some(row) = empty_row.take() {
                        converter
                            .append(&row)
                            .map_err(AdapterError::into_datafusion)?;
                    }
                }
                if finished && converter.is_empty() {
                    return Ok(None);
                }
                let batch = converter.finish().map_err(AdapterError::into_datafusion)?;
                // Dropping an unfinished cursor kills it on the server.
                let next = if finished {
                    State::Done
                } else {
                    State::Reading(cursor)
                };
                Ok(Some((batch, (next, converter, scan, (rows, empty_row)))))
            },
        );
        let stream = Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream));
        if !self.run {
            return Ok(stream);
        }
        let stream = with_deadline(
            stream,
            self.options.limits.remote_deadline(),
            self.no_answer(),
        );
        // A running pipeline shows in `fedgate_remote_activity` as `db.collection: [...]`.
        let text = || format!("{}: {}", self.namespace(), self.pipeline_json());
        Ok(fedgate_adapter_api::remote_parts::track(
            &context,
            &self.server,
            text,
            stream,
        ))
    }
}

impl MongoScanExec {
    /// 08006 for a server that did not answer within `statement_timeout` and the grace.
    fn no_answer(&self) -> AdapterError {
        let address = format!("MongoDB at {}", self.options.endpoint());
        self.options
            .limits
            .no_answer(&address)
            .for_server(&self.server)
    }
}

enum State {
    Start,
    Reading(Box<Cursor<Document>>),
    Done,
}

/// The query of one stream.
struct Scan {
    server: String,
    client: Client,
    options: Arc<MongoOptions>,
    database: String,
    collection: String,
    pipeline: Vec<Document>,
}

impl Scan {
    async fn open(&self) -> Result<Box<Cursor<Document>>> {
        tracing::debug!(
            server = %self.server,
            collection = %format!("{}.{}", self.database, self.collection),
            pipeline = %pipeline_json(&self.pipeline),
            "running MongoDB aggregation"
        );
        let opening = async {
            let collection = self
                .client
                .database(&self.database)
                .collection::<Document>(&self.collection);
            let mut aggregate = collection.aggregate(self.pipeline.clone());
            if let Some(limit) = self.options.limits.statement_timeout {
                aggregate = aggregate.max_time(limit);
            }
            aggregate.await.map(Box::new).map_err(|e| {
                let action = format!(
                    "run the aggregation on {}.{}",
                    self.database, self.collection
                );
                driver_error(&self.server, &self.options, &action, &e)
            })
        };
        self.options
            .breaker
            .connect(opening)
            .await
            .map_err(|e| e.for_server(&self.server).into_datafusion())
    }

    fn malformed(&self, error: &dyn std::fmt::Display) -> DataFusionError {
        AdapterError::internal(format!(
            "MongoDB sent a malformed document from {}.{}: {error}",
            self.database, self.collection
        ))
        .for_server(&self.server)
        .into_datafusion()
    }

    fn fail(&self, action: &str, error: &mongodb::error::Error) -> DataFusionError {
        let action = format!("{action} on {}.{}", self.database, self.collection);
        driver_error(&self.server, &self.options, &action, error).into_datafusion()
    }
}
