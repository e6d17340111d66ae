//! Remote scans: `COPY (<sql>) TO STDOUT (FORMAT binary)` streamed into Arrow batches.
//!
//! The returned stream does nothing until first polled. It then takes a pooled connection,
//! prepares `<sql>` to learn the types it really returns, and decides per column how to read
//! it into the requested Arrow type: directly from its binary format, or through a remote
//! cast (always to text for columns marked `fedgate.text_fallback`; `inet` through
//! `abbrev()` so that it reads as its output function prints it). With casts the statement
//! becomes `COPY (SELECT q."a"::text, q."b" FROM (<sql>) AS q("a", "b")) TO STDOUT ...`; the
//! column alias list makes the result columns addressable by position, whatever names the
//! query gives them. Bytes are decoded as they arrive ([`crate::copy_binary`]).
//!
//! Cancellation: a [`CancelGuard`] owns the connection. When the stream ends normally the
//! connection goes back to the pool. When it is dropped early (or fails), the guard sends a
//! cancel request for the running query from a spawned task and closes that connection
//! instead of returning it to the pool.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{Field, SchemaRef};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use deadpool_postgres::{Object, Pool};
use fedgate_adapter_api::{AdapterError, CircuitBreaker, RemoteQuery};
use futures::{StreamExt, TryStreamExt};
use tokio_postgres::{CopyOutStream, NoTls};

use crate::copy_binary::{ColumnDecoder, CopyBinaryDecoder, Sink, BATCH_ROWS};
use crate::error::{from_pg, from_pool, Endpoint};
use crate::types::{cast_for, wire_type, WireType, TEXT_FALLBACK_METADATA};

/// How long the cancel request of an abandoned scan may take before its connection is
/// closed anyway.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(10);

/// What a scan needs from its backend.
#[derive(Debug, Clone)]
pub(crate) struct ScanTarget {
    pub server: Arc<str>,
    pub pool: Pool,
    pub endpoint: Endpoint,
    pub breaker: Arc<CircuitBreaker>,
}

impl ScanTarget {
    /// A pooled connection, through the server's circuit breaker (a new connection is
    /// bounded by `connect_timeout`, waiting for a busy pool by `pool_timeout`). The error
    /// is not yet prefixed with the server name.
    pub async fn connection(&self) -> Result<Object, AdapterError> {
        self.breaker
            .connect(async {
                self.pool
                    .get()
                    .await
                    .map_err(|e| from_pool(&e, &self.endpoint))
            })
            .await
    }
}

/// Runs `query` lazily and streams its result as batches of `query.schema`.
pub(crate) fn execute(target: ScanTarget, query: RemoteQuery) -> SendableRecordBatchStream {
    let schema = query.schema.clone();
    let server = target.server.clone();
    let batches = futures::stream::try_unfold(Scan::Start(target, query), Scan::step)
        .map_err(move |e: AdapterError| e.for_server(&server).into_datafusion());
    Box::pin(RecordBatchStreamAdapter::new(schema, batches))
}

enum Scan {
    Start(ScanTarget, RemoteQuery),
    Running(Box<Running>),
}

impl Scan {
    async fn step(self) -> Result<Option<(RecordBatch, Scan)>, AdapterError> {
        let mut running = match self {
            Scan::Start(target, query) => Box::new(Running::start(target, query).await?),
            Scan::Running(running) => running,
        };
        Ok(running
            .next_batch()
            .await?
            .map(|batch| (batch, Scan::Running(running))))
    }
}

/// A started COPY: the connection (in its guard), the byte stream and the decoder.
struct Running {
    copy: Pin<Box<CopyOutStream>>,
    decoder: CopyBinaryDecoder,
    pending: VecDeque<RecordBatch>,
    ended: bool,
    endpoint: Endpoint,
    // Declared last: dropped after the byte stream.
    guard: CancelGuard,
}

impl Running {
    async fn start(target: ScanTarget, query: RemoteQuery) -> Result<Self, AdapterError> {
        let client = target.connection().await?;
        let endpoint = target.endpoint;
        let guard = CancelGuard::new(client, target.server);
        let sql = trim_statement(&query.sql);
        let statement = guard
            .client()
            .prepare(sql)
            .await
            .map_err(|e| from_pg(&e, &endpoint))?;
        let plans = plan_columns(&query.schema, statement.columns())?;
        drop(statement);
        let copy_sql = copy_statement(sql, &query.schema, &plans);
        tracing::debug!(server = %guard.server, sql = %copy_sql, "starting remote COPY");
        let copy = guard
            .client()
            .copy_out(copy_sql.as_str())
            .await
            .map_err(|e| from_pg(&e, &endpoint))?;
        let columns = plans.into_iter().map(|p| p.decoder).collect();
        Ok(Self {
            copy: Box::pin(copy),
            decoder: CopyBinaryDecoder::new(query.schema, columns, BATCH_ROWS),
            pending: VecDeque::new(),
            ended: false,
            endpoint,
            guard,
        })
    }

    async fn next_batch(&mut self) -> Result<Option<RecordBatch>, AdapterError> {
        loop {
            if let Some(batch) = self.pending.pop_front() {
                return Ok(Some(batch));
            }
            if self.ended {
                return Ok(None);
            }
            match self.copy.next().await {
                Some(Ok(chunk)) => self.decoder.push(&chunk, &mut self.pending)?,
                Some(Err(e)) => return Err(from_pg(&e, &self.endpoint)),
                None => {
                    self.pending.extend(self.decoder.finish()?);
                    self.ended = true;
                    self.guard.completed = true;
                }
            }
        }
    }
}

/// Owns the pooled connection of a scan; cancels the remote query unless it completed.
pub(crate) struct CancelGuard {
    client: Option<Object>,
    server: Arc<str>,
    /// Set when the COPY ended normally: the connection may go back to the pool.
    pub completed: bool,
}

impl CancelGuard {
    pub fn new(client: Object, server: Arc<str>) -> Self {
        Self {
            client: Some(client),
            server,
            completed: false,
        }
    }

    pub fn client(&self) -> &Object {
        self.client
            .as_ref()
            .expect("the client is only taken on drop")
    }
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if self.completed {
            return; // dropping the Object returns it to the pool
        }
        let token = client.cancel_token();
        // Detached from the pool: this connection is never reused.
        let connection = Object::take(client);
        let server = self.server.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    tracing::debug!(%server, "cancelling an unfinished remote query");
                    // Bounded: a frozen backend never answers the cancel request either.
                    match tokio::time::timeout(CANCEL_TIMEOUT, token.cancel_query(NoTls)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => {
                            tracing::warn!(%server, error = %e, "could not cancel a remote query")
                        }
                        Err(_) => {
                            tracing::warn!(%server, "no answer to the cancel request of a remote query")
                        }
                    }
                    drop(connection);
                });
            }
            // No runtime to send the cancel request from: closing the connection makes the
            // server stop the query when it next writes to it.
            Err(_) => drop(connection),
        }
    }
}

/// How one result column is read.
struct ColumnPlan {
    /// The remote cast applied in the COPY statement, if any.
    cast: Option<RemoteCast>,
    decoder: ColumnDecoder,
}

/// A conversion applied to a column in the COPY statement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RemoteCast {
    /// `::<type>`.
    To(String),
    /// `inet` as text the way its output function prints it: `inet::text` would always add
    /// the netmask (`10.0.0.1/32`), `abbrev(inet)` prints what psql shows (`10.0.0.1`).
    InetText,
}

impl RemoteCast {
    fn new(sql_type: String, actual: &tokio_postgres::types::Type) -> Self {
        if sql_type == "text" && *actual == tokio_postgres::types::Type::INET {
            RemoteCast::InetText
        } else {
            RemoteCast::To(sql_type)
        }
    }

    fn apply(&self, column: &str) -> String {
        match self {
            RemoteCast::To(sql_type) => format!("{column}::{sql_type}"),
            RemoteCast::InetText => format!("pg_catalog.abbrev({column})"),
        }
    }
}

/// Decides, per column, between direct binary decoding and a remote cast.
fn plan_columns(
    schema: &SchemaRef,
    columns: &[tokio_postgres::Column],
) -> Result<Vec<ColumnPlan>, AdapterError> {
    if columns.len() != schema.fields().len() {
        return Err(AdapterError::internal(format!(
            "the remote query returns {} columns but the scan expects {}",
            columns.len(),
            schema.fields().len()
        )));
    }
    schema
        .fields()
        .iter()
        .zip(columns)
        .map(|(field, column)| plan_column(field, column.type_()))
        .collect()
}

fn plan_column(
    field: &Field,
    actual: &tokio_postgres::types::Type,
) -> Result<ColumnPlan, AdapterError> {
    let target = field.data_type();
    let plan = |cast: Option<RemoteCast>, sink| ColumnPlan {
        cast,
        decoder: ColumnDecoder {
            name: field.name().clone(),
            sink,
        },
    };
    let fallback = field.metadata().contains_key(TEXT_FALLBACK_METADATA);
    if !fallback {
        let direct = wire_type(actual).and_then(|wire| Sink::new(&wire, target));
        if let Some(sink) = direct {
            return Ok(plan(None, sink));
        }
    }
    let cast = if fallback {
        Some(("text".to_string(), WireType::Text))
    } else {
        cast_for(target)
    };
    match cast.and_then(|(sql, wire)| Some((sql, Sink::new(&wire, target)?))) {
        Some((sql, sink)) => Ok(plan(Some(RemoteCast::new(sql, actual)), sink)),
        None => Err(AdapterError::feature_not_supported(format!(
            "column \"{}\": cannot read PostgreSQL type {} as Arrow type {target}",
            field.name(),
            actual.name()
        ))),
    }
}

/// The SQL without surrounding blanks and trailing semicolons.
fn trim_statement(sql: &str) -> &str {
    sql.trim().trim_end_matches(';').trim_end()
}

/// Quotes a PostgreSQL identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The COPY statement, wrapping `sql` when some columns need a remote cast.
fn copy_statement(sql: &str, schema: &SchemaRef, plans: &[ColumnPlan]) -> String {
    if plans.iter().all(|p| p.cast.is_none()) {
        return format!("COPY (\n{sql}\n) TO STDOUT (FORMAT binary)");
    }
    let aliases = column_aliases(schema);
    let select: Vec<String> = aliases
        .iter()
        .zip(plans)
        .map(|(alias, plan)| match &plan.cast {
            Some(cast) => cast.apply(&format!("q.{alias}")),
            None => format!("q.{alias}"),
        })
        .collect();
    format!(
        "COPY (SELECT {} FROM (\n{sql}\n) AS q({})) TO STDOUT (FORMAT binary)",
        select.join(", "),
        aliases.join(", ")
    )
}

/// Quoted names for the wrapped query's columns: the schema's field names, or `c1..cn` when
/// those are not unique.
fn column_aliases(schema: &SchemaRef) -> Vec<String> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let unique = names.iter().collect::<std::collections::HashSet<_>>().len() == names.len();
    if unique {
        names.into_iter().map(quote_ident).collect()
    } else {
        (1..=names.len())
            .map(|i| quote_ident(&format!("c{i}")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{DataType, Schema};
    use std::collections::HashMap;
    use tokio_postgres::types::Type;

    fn fallback_field(name: &str, pg: &str) -> Field {
        Field::new(name, DataType::Utf8, true).with_metadata(HashMap::from([(
            TEXT_FALLBACK_METADATA.to_string(),
            pg.to_string(),
        )]))
    }

    fn plans_for(fields: Vec<Field>, actual: &[Type]) -> (SchemaRef, Vec<ColumnPlan>) {
        let schema = Arc::new(Schema::new(fields));
        let plans = schema
            .fields()
            .iter()
            .zip(actual)
            .map(|(f, t)| plan_column(f, t).unwrap())
            .collect();
        (schema, plans)
    }

    #[test]
    fn no_wrapper_without_casts() {
        let (schema, plans) =
            plans_for(vec![Field::new("a", DataType::Int32, true)], &[Type::INT4]);
        assert_eq!(
            copy_statement("SELECT a FROM t", &schema, &plans),
            "COPY (\nSELECT a FROM t\n) TO STDOUT (FORMAT binary)"
        );
    }

    #[test]
    fn fallback_columns_are_cast_to_text_with_quoted_names() {
        let (schema, plans) = plans_for(
            vec![
                fallback_field("addr\"ess", "money"),
                Field::new("id", DataType::Int32, true),
            ],
            &[Type::MONEY, Type::INT4],
        );
        assert_eq!(
            copy_statement("SELECT * FROM t", &schema, &plans),
            "COPY (SELECT q.\"addr\"\"ess\"::text, q.\"id\" FROM (\nSELECT * FROM t\n) AS q(\"addr\"\"ess\", \"id\")) TO STDOUT (FORMAT binary)"
        );
    }

    #[test]
    fn mismatched_types_are_cast_remotely() {
        let (schema, plans) = plans_for(
            vec![
                Field::new("avg", DataType::Float64, true),
                Field::new("n", DataType::Int32, true),
                Field::new("n", DataType::Utf8, true),
            ],
            &[Type::NUMERIC, Type::INT8, Type::INET],
        );
        let casts: Vec<_> = plans.iter().map(|p| p.cast.clone()).collect();
        let to = |t: &str| Some(RemoteCast::To(t.to_string()));
        assert_eq!(
            casts,
            vec![to("float8"), to("int4"), Some(RemoteCast::InetText)]
        );
        let sql = copy_statement("SELECT 1", &schema, &plans);
        assert!(sql.contains("AS q(\"c1\", \"c2\", \"c3\")"), "{sql}");
        assert!(sql.contains("pg_catalog.abbrev(q.\"c3\")"), "{sql}");
    }

    #[test]
    fn unsupported_targets_are_0a000() {
        let field = Field::new("v", DataType::Utf8View, true);
        let e = plan_column(&field, &Type::TEXT).err().unwrap();
        assert_eq!(e.sqlstate, "0A000");
        assert!(e.message.contains("column \"v\""));
    }

    #[test]
    fn statement_trimming() {
        assert_eq!(trim_statement("  SELECT 1 ;; \n"), "SELECT 1");
    }
}
