//! Remote scans: the planner's SELECT run with the text protocol, rows streamed into Arrow
//! batches of [`BATCH_ROWS`] rows.
//!
//! The returned stream does nothing until first polled. It then spawns a task that takes a
//! pooled connection, runs the query (`query_iter`: rows are read from the socket as they
//! arrive, never buffered whole) and sends each batch through a channel of capacity one, so
//! at most one batch waits while the consumer works on the previous one.
//!
//! Columns marked `fedgate.text_fallback` are read as text. When one of them is of a type
//! whose text-protocol form is not already its text (spatial types: WKB; types the adapter
//! does not know), the statement becomes
//! ``SELECT CAST(q.`c` AS CHAR) AS `c`, ST_AsText(q.`g`) AS `g`, q.`d` FROM (<sql>) AS q``.
//! The columns are addressed by the field names of the requested schema, which are the column
//! names of the planner's SELECT. The wrapper is avoided when it is not needed (`decimal`,
//! `inet4`, `inet6` and `uuid` fallbacks arrive as exact text anyway), because MariaDB ignores
//! an `ORDER BY` without `LIMIT` inside a derived table, and it is not used when the field
//! names are not unique (a derived table cannot have duplicate column names): such columns
//! then arrive as the protocol sends them (an error naming the column if that is not UTF-8).
//!
//! Statement timeout: with the server option `statement_timeout`, MariaDB runs the scan as
//! `SET STATEMENT max_statement_time=<s> FOR <sql>` and MySQL as
//! `SELECT /*+ MAX_EXECUTION_TIME(<ms>) */ ...`; either ends it with an error read as 57014.
//!
//! Cancellation: when the stream is dropped before its end, the task stops reading, opens a
//! second connection (not from the pool) and sends `KILL QUERY <connection id>`, then
//! discards the scan's connection: it is closed, never returned to the pool. The same happens
//! when a value cannot be read (the query would otherwise keep running).

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, SchemaRef};
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use fedgate_adapter_api::{AdapterError, RemoteQuery};
use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use tokio::sync::mpsc;

use crate::pool::Connector;
use crate::types::{fallback_expression, needs_remote_conversion, TEXT_FALLBACK_METADATA};
use crate::values::{BatchBuilder, Wire, BATCH_ROWS};

/// How long a discarded connection may take to close politely before it is dropped.
const DISCARD_TIMEOUT: Duration = Duration::from_secs(1);

/// Runs `query` lazily and streams its result as batches of `query.schema`.
pub(crate) fn execute(connector: Connector, query: RemoteQuery) -> SendableRecordBatchStream {
    let schema = query.schema.clone();
    let batches = futures::stream::unfold(State::Start(Box::new((connector, query))), State::next);
    Box::pin(RecordBatchStreamAdapter::new(schema, batches))
}

/// What the scan task sends to the stream.
enum Message {
    Batch(RecordBatch),
    Error(AdapterError),
    Done,
}

enum State {
    Start(Box<(Connector, RemoteQuery)>),
    Running(mpsc::Receiver<Message>, Arc<str>),
    Finished,
}

impl State {
    async fn next(mut self) -> Option<(Result<RecordBatch, DataFusionError>, State)> {
        loop {
            match self {
                State::Start(start) => {
                    let (connector, query) = *start;
                    let server = connector.server.clone();
                    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
                        let error = AdapterError::internal("a scan needs a Tokio runtime");
                        return Some((
                            Err(error.for_server(&server).into_datafusion()),
                            State::Finished,
                        ));
                    };
                    let (tx, rx) = mpsc::channel(1);
                    runtime.spawn(run(connector, query, tx));
                    self = State::Running(rx, server);
                }
                State::Running(mut rx, server) => {
                    return match rx.recv().await {
                        Some(Message::Batch(batch)) => {
                            Some((Ok(batch), State::Running(rx, server)))
                        }
                        Some(Message::Error(e)) => Some((
                            Err(e.for_server(&server).into_datafusion()),
                            State::Finished,
                        )),
                        Some(Message::Done) => None,
                        None => {
                            let e = AdapterError::internal("the scan task ended unexpectedly");
                            Some((
                                Err(e.for_server(&server).into_datafusion()),
                                State::Finished,
                            ))
                        }
                    };
                }
                State::Finished => return None,
            }
        }
    }
}

/// How reading the result ended.
enum Outcome {
    /// Every row was read; the connection is clean.
    Completed,
    /// The statement failed but ended (a server error): the connection is clean.
    Failed(AdapterError),
    /// The connection broke.
    Broken(AdapterError),
    /// The adapter stopped reading because of an error; the query may still be running.
    Abandoned(AdapterError),
    /// The stream was dropped; the query may still be running.
    Cancelled,
}

/// The scan task: connect, stream, and clean up.
async fn run(connector: Connector, query: RemoteQuery, tx: mpsc::Sender<Message>) {
    let connected = tokio::select! {
        biased;
        _ = tx.closed() => return,
        connected = connector.get() => connected,
    };
    let mut conn = match connected {
        Ok(conn) => conn,
        Err(e) => {
            let _ = tx.send(Message::Error(e)).await;
            return;
        }
    };
    let id = conn.id();
    let sql = with_statement_timeout(
        scan_sql(&query),
        connector.limits.statement_timeout,
        conn.server_version(),
    );
    tracing::debug!(server = %connector.server, connection = id, sql = %sql, "starting a remote query");
    let outcome = tokio::select! {
        biased;
        _ = tx.closed() => Outcome::Cancelled,
        outcome = stream_rows(&mut conn, &sql, &query.schema, &tx, &connector) => outcome,
    };
    match outcome {
        Outcome::Completed => {
            drop(conn); // back to the pool
            let _ = tx.send(Message::Done).await;
        }
        Outcome::Failed(e) => {
            drop(conn);
            let _ = tx.send(Message::Error(e)).await;
        }
        Outcome::Broken(e) => {
            let _ = tx.send(Message::Error(e)).await;
            discard(conn).await;
        }
        Outcome::Abandoned(e) => {
            let _ = tx.send(Message::Error(e)).await;
            kill_query(&connector, id).await;
            discard(conn).await;
        }
        Outcome::Cancelled => {
            tracing::debug!(server = %connector.server, connection = id, "cancelling an unfinished remote query");
            kill_query(&connector, id).await;
            discard(conn).await;
        }
    }
}

fn outcome_of(error: mysql_async::Error, connector: &Connector) -> Outcome {
    let adapter = connector.query_error(&error);
    match error {
        mysql_async::Error::Server(_) => Outcome::Failed(adapter),
        _ => Outcome::Broken(adapter),
    }
}

/// `sql` bounded by the server's own statement timeout. MariaDB (versions 10 and later;
/// MySQL's are below 10) takes `max_statement_time` in seconds for any statement; MySQL
/// takes a `MAX_EXECUTION_TIME` optimizer hint in milliseconds on a SELECT.
fn with_statement_timeout(
    sql: String,
    timeout: Option<Duration>,
    version: (u16, u16, u16),
) -> String {
    let Some(timeout) = timeout else {
        return sql;
    };
    if version.0 >= 10 {
        let seconds = timeout.as_secs_f64();
        return format!("SET STATEMENT max_statement_time={seconds} FOR {sql}");
    }
    let trimmed = sql.trim_start();
    match trimmed.get(..6) {
        Some(keyword) if keyword.eq_ignore_ascii_case("select") => format!(
            "SELECT /*+ MAX_EXECUTION_TIME({}) */{}",
            timeout.as_millis(),
            &trimmed[6..]
        ),
        _ => sql,
    }
}

/// Runs `sql` and sends its rows as batches.
async fn stream_rows(
    conn: &mut Conn,
    sql: &str,
    schema: &SchemaRef,
    tx: &mpsc::Sender<Message>,
    connector: &Connector,
) -> Outcome {
    let mut result = match conn.query_iter(sql).await {
        Ok(result) => result,
        Err(e) => return outcome_of(e, connector),
    };
    let columns = result.columns().unwrap_or_else(|| Arc::from(Vec::new()));
    if columns.is_empty() {
        if let Err(e) = result.drop_result().await {
            return outcome_of(e, connector);
        }
        return Outcome::Failed(AdapterError::internal(
            "the remote statement returned no result set",
        ));
    }
    let wires: Vec<Wire> = columns.iter().map(Wire::of).collect();
    let mut batch = match BatchBuilder::new(schema.clone(), &wires, connector.server.clone()) {
        Ok(batch) => batch,
        Err(e) => return Outcome::Abandoned(e),
    };
    loop {
        match result.next().await {
            Ok(Some(row)) => {
                if let Err(e) = batch.push(&row.unwrap_raw()) {
                    return Outcome::Abandoned(e);
                }
                if batch.len() >= BATCH_ROWS {
                    match batch.finish() {
                        Ok(full) => {
                            if tx.send(Message::Batch(full)).await.is_err() {
                                return Outcome::Cancelled;
                            }
                        }
                        Err(e) => return Outcome::Abandoned(e),
                    }
                }
            }
            Ok(None) => break,
            Err(e) => return outcome_of(e, connector),
        }
    }
    if !batch.is_empty() {
        match batch.finish() {
            Ok(last) => {
                if tx.send(Message::Batch(last)).await.is_err() {
                    return Outcome::Cancelled;
                }
            }
            Err(e) => return Outcome::Abandoned(e),
        }
    }
    for (column, count) in batch.invalid_dates() {
        tracing::debug!(server = %connector.server, column, count, "non-calendar dates read as NULL");
    }
    // Further result sets (none for one SELECT) are read and dropped: the connection goes
    // back to the pool clean.
    match result.drop_result().await {
        Ok(()) => Outcome::Completed,
        Err(e) => outcome_of(e, connector),
    }
}

/// Sends `KILL QUERY <id>` from a separate, short-lived connection. Failures are logged: the
/// scan connection is discarded anyway, which ends the query when the server next writes.
async fn kill_query(connector: &Connector, id: u32) {
    let kill = async {
        let mut killer = Conn::new(connector.kill_opts.clone()).await?;
        killer.query_drop(format!("KILL QUERY {id}")).await?;
        killer.disconnect().await
    };
    match tokio::time::timeout(connector.endpoint.connect_timeout, kill).await {
        Ok(Ok(())) => {
            tracing::debug!(server = %connector.server, connection = id, "remote query killed")
        }
        Ok(Err(e)) => {
            let e = connector.query_error(&e);
            tracing::warn!(server = %connector.server, connection = id, error = %e, "could not kill a remote query");
        }
        Err(_) => {
            tracing::warn!(server = %connector.server, connection = id, "timed out killing a remote query")
        }
    }
}

/// Closes a connection instead of returning it to the pool. `disconnect` first marks the
/// connection as disconnected, then reads what is left of the (killed) result and says
/// goodbye; if that takes too long the connection is dropped as it is. Either way the pool
/// sees a disconnected connection and drops it.
async fn discard(conn: Conn) {
    let _ = tokio::time::timeout(DISCARD_TIMEOUT, conn.disconnect()).await;
}

/// The SQL without surrounding blanks and trailing semicolons.
fn trim_statement(sql: &str) -> &str {
    sql.trim().trim_end_matches(';').trim_end()
}

/// Quotes a MySQL identifier with backticks.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The statement a scan runs: `query.sql`, wrapped when some columns need a remote
/// conversion (text fallbacks, and `FLOAT`, which the text protocol prints with only six
/// significant digits: it is read as `DOUBLE` and narrowed exactly to `f32` here).
pub(crate) fn scan_sql(query: &RemoteQuery) -> String {
    let sql = trim_statement(&query.sql);
    let fields = query.schema.fields();
    if !fields.iter().any(|f| remote_conversion(f, "").is_some()) {
        return sql.to_string();
    }
    let names: std::collections::HashSet<&str> = fields.iter().map(|f| f.name().as_str()).collect();
    if names.len() != fields.len() {
        tracing::debug!(
            sql,
            "column names are not unique: columns are not converted remotely"
        );
        return sql.to_string();
    }
    let select: Vec<String> = fields
        .iter()
        .map(|f| {
            let name = quote_ident(f.name());
            let column = format!("q.{name}");
            match remote_conversion(f, &column) {
                Some(expression) => format!("{expression} AS {name}"),
                None => column,
            }
        })
        .collect();
    format!("SELECT {} FROM (\n{sql}\n) AS q", select.join(", "))
}

/// The expression that reads `column` of `field` when the server's text form of it is not
/// what the scan decodes, `None` when the column is read as it is.
fn remote_conversion(field: &Field, column: &str) -> Option<String> {
    if let Some(fallback) = field.metadata().get(TEXT_FALLBACK_METADATA) {
        return needs_remote_conversion(fallback).then(|| fallback_expression(column, fallback));
    }
    (field.data_type() == &DataType::Float32).then(|| format!("CAST({column} AS DOUBLE)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_timeout_per_flavour() {
        let sql = || "SELECT `a` FROM `t`".to_string();
        assert_eq!(with_statement_timeout(sql(), None, (11, 4, 0)), sql());
        let t = Some(Duration::from_millis(1500));
        assert_eq!(
            with_statement_timeout(sql(), t, (11, 4, 7)),
            "SET STATEMENT max_statement_time=1.5 FOR SELECT `a` FROM `t`"
        );
        assert_eq!(
            with_statement_timeout(sql(), t, (8, 0, 36)),
            "SELECT /*+ MAX_EXECUTION_TIME(1500) */ `a` FROM `t`"
        );
    }
    use datafusion::arrow::datatypes::Schema;
    use std::collections::HashMap;

    fn fallback(name: &str, type_name: &str) -> Field {
        Field::new(name, DataType::Utf8, true).with_metadata(HashMap::from([(
            TEXT_FALLBACK_METADATA.to_string(),
            type_name.to_string(),
        )]))
    }

    fn query(sql: &str, fields: Vec<Field>) -> RemoteQuery {
        RemoteQuery {
            sql: sql.to_string(),
            schema: Arc::new(Schema::new(fields)),
        }
    }

    #[test]
    fn no_wrapper_when_fallbacks_arrive_as_text_or_names_repeat() {
        let q = query(
            "SELECT `big`, `ip` FROM `s`.`t` ORDER BY `big`",
            vec![fallback("big", "decimal"), fallback("ip", "inet6")],
        );
        assert_eq!(
            scan_sql(&q),
            "SELECT `big`, `ip` FROM `s`.`t` ORDER BY `big`"
        );
        let q = query(
            "SELECT `g`, `g` FROM `s`.`t`",
            vec![fallback("g", "point"), fallback("g", "point")],
        );
        assert_eq!(scan_sql(&q), "SELECT `g`, `g` FROM `s`.`t`");
    }

    #[test]
    fn no_wrapper_without_fallbacks() {
        let q = query(
            "  SELECT `a` FROM `s`.`t`;; ",
            vec![Field::new("a", DataType::Int32, true)],
        );
        assert_eq!(scan_sql(&q), "SELECT `a` FROM `s`.`t`");
    }

    #[test]
    fn fallback_columns_are_converted_with_quoted_names() {
        let q = query(
            "SELECT `big`, `i``d`, `g` FROM `s`.`t` -- note",
            vec![
                fallback("big", "decimal"),
                Field::new("i`d", DataType::Int32, true),
                fallback("g", "point"),
            ],
        );
        assert_eq!(
            scan_sql(&q),
            "SELECT q.`big`, q.`i``d`, ST_AsText(q.`g`) AS `g` FROM (\n\
             SELECT `big`, `i``d`, `g` FROM `s`.`t` -- note\n) AS q"
        );
    }

    #[test]
    fn float_columns_are_read_as_double() {
        let q = query(
            "SELECT `f`, `n` FROM `s`.`t`",
            vec![
                Field::new("f", DataType::Float32, true),
                Field::new("n", DataType::Float64, true),
            ],
        );
        assert_eq!(
            scan_sql(&q),
            "SELECT CAST(q.`f` AS DOUBLE) AS `f`, q.`n` FROM (\nSELECT `f`, `n` FROM `s`.`t`\n) AS q"
        );
    }
}
