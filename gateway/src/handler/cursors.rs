//! SQL cursors: `DECLARE name CURSOR FOR query`, `FETCH [FORWARD] n|ALL|NEXT FROM name`,
//! `CLOSE name|ALL`, as psycopg's and psycopg2's named (server-side) cursors and asyncpg's
//! cursors use them. A cursor is the query's record-batch stream, read as far as the
//! FETCHes ask; forward-only (PostgreSQL's NO SCROLL). Cursors without HOLD end with the
//! transaction (COMMIT/ROLLBACK), as in PostgreSQL.

use std::collections::{HashMap, VecDeque};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::sql::sqlparser::ast::{FetchDirection, Value};
use futures::StreamExt;
use pgwire::error::PgWireResult;

use crate::cancel::Interrupt;
use crate::errors::{from_datafusion, user_error};
use fedgate_adapter_api::SqlState;

struct Cursor {
    schema: SchemaRef,
    stream: SendableRecordBatchStream,
    /// Rows read from the stream and not fetched yet.
    pending: VecDeque<RecordBatch>,
    hold: bool,
}

impl Cursor {
    /// The next `count` rows (all remaining for `None`).
    async fn read(&mut self, count: Option<usize>) -> PgWireResult<Vec<RecordBatch>> {
        let mut wanted = count.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        while wanted > 0 {
            let batch = match self.pending.pop_front() {
                Some(batch) => batch,
                None => match self.stream.next().await {
                    Some(batch) => batch.map_err(|e| from_datafusion(&e))?,
                    None => break,
                },
            };
            if batch.num_rows() <= wanted {
                wanted -= batch.num_rows();
                out.push(batch);
            } else {
                out.push(batch.slice(0, wanted));
                self.pending
                    .push_front(batch.slice(wanted, batch.num_rows() - wanted));
                wanted = 0;
            }
        }
        Ok(out)
    }
}

/// The open cursors of a session.
#[derive(Default)]
pub struct Cursors {
    open: tokio::sync::Mutex<HashMap<String, Cursor>>,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cursors").finish_non_exhaustive()
    }
}

/// How many rows a FETCH asks for; `None` is all the rest.
pub fn fetch_count(direction: &FetchDirection) -> PgWireResult<Option<usize>> {
    let count = |value: &Value| match value {
        Value::Number(n, _) => n
            .parse::<i64>()
            .map_err(|_| user_error(SqlState::SyntaxError, format!("invalid FETCH count {n}"))),
        other => Err(user_error(
            SqlState::SyntaxError,
            format!("invalid FETCH count {other}"),
        )),
    };
    let forward = |n: i64| {
        if n < 0 {
            Err(user_error(
                SqlState::ObjectNotInPrerequisiteState,
                "cursor can only scan forward (declare it with the SCROLL option)",
            ))
        } else {
            Ok(Some(n as usize))
        }
    };
    match direction {
        FetchDirection::Next => Ok(Some(1)),
        FetchDirection::All | FetchDirection::ForwardAll => Ok(None),
        FetchDirection::Count { limit } => forward(count(&limit.value)?),
        FetchDirection::Forward { limit: None } => Ok(Some(1)),
        FetchDirection::Forward { limit: Some(limit) } => forward(count(&limit.value)?),
        other => Err(user_error(
            SqlState::FeatureNotSupported,
            format!("FETCH {other} is not supported: fedgate cursors scan forward only"),
        )),
    }
}

impl Cursors {
    /// Opens a cursor; PostgreSQL's 42P03 when the name is taken.
    pub async fn declare(
        &self,
        name: &str,
        schema: SchemaRef,
        stream: SendableRecordBatchStream,
        hold: bool,
    ) -> PgWireResult<()> {
        let mut open = self.open.lock().await;
        if open.contains_key(name) {
            return Err(user_error(
                SqlState::DuplicateCursor,
                format!("cursor \"{name}\" already exists"),
            ));
        }
        open.insert(
            name.to_string(),
            Cursor {
                schema,
                stream,
                pending: VecDeque::new(),
                hold,
            },
        );
        Ok(())
    }

    /// The result schema of an open cursor.
    pub async fn schema(&self, name: &str) -> Option<SchemaRef> {
        self.open.lock().await.get(name).map(|c| c.schema.clone())
    }

    /// The next `count` rows (all remaining for `None`), as batches. When `interrupt` fires
    /// first (a cancel, `statement_timeout`), the FETCH fails with 57014 and the cursor is
    /// closed: its stream is dropped, which cancels its remote parts. (PostgreSQL aborts the
    /// transaction, which closes the cursor too.)
    pub async fn fetch(
        &self,
        name: &str,
        count: Option<usize>,
        interrupt: &Interrupt,
    ) -> PgWireResult<(SchemaRef, Vec<RecordBatch>)> {
        let mut open = self.open.lock().await;
        let cursor = open.get_mut(name).ok_or_else(|| {
            user_error(
                SqlState::UndefinedCursor,
                format!("cursor \"{name}\" does not exist"),
            )
        })?;
        let read = interrupt.guard(cursor.read(count)).await;
        match read {
            Ok(read) => read.map(|batches| (cursor.schema.clone(), batches)),
            Err(reason) => {
                open.remove(name);
                Err(reason.pg_error())
            }
        }
    }

    /// CLOSE name (34000 when there is none) or CLOSE ALL (`None`).
    pub async fn close(&self, name: Option<&str>) -> PgWireResult<()> {
        let mut open = self.open.lock().await;
        match name {
            None => open.clear(),
            Some(name) => {
                if open.remove(name).is_none() {
                    return Err(user_error(
                        SqlState::UndefinedCursor,
                        format!("cursor \"{name}\" does not exist"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The end of a transaction closes the cursors declared without HOLD.
    pub async fn end_transaction(&self) {
        self.open.lock().await.retain(|_, c| c.hold);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Array, Int32Array};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    use super::*;

    fn stream(batches: Vec<Vec<i32>>) -> (SchemaRef, SendableRecordBatchStream) {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, false)]));
        let batches: Vec<_> = batches
            .into_iter()
            .map(|v| {
                Ok(
                    RecordBatch::try_new(schema.clone(), vec![Arc::new(Int32Array::from(v))])
                        .unwrap(),
                )
            })
            .collect();
        let adapter = RecordBatchStreamAdapter::new(schema.clone(), futures::stream::iter(batches));
        (schema, Box::pin(adapter))
    }

    fn ids(batches: &[RecordBatch]) -> Vec<i32> {
        batches
            .iter()
            .flat_map(|b| {
                let a = b.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
                (0..a.len()).map(|i| a.value(i)).collect::<Vec<_>>()
            })
            .collect()
    }

    #[tokio::test]
    async fn fetches_in_steps_across_batches() {
        let cursors = Cursors::default();
        let none = Interrupt::default();
        let (schema, s) = stream(vec![vec![1, 2, 3], vec![4, 5]]);
        cursors.declare("c", schema, s, false).await.unwrap();
        assert!(cursors
            .declare("c", stream(vec![]).0, stream(vec![]).1, false)
            .await
            .is_err());
        assert_eq!(
            ids(&cursors.fetch("c", Some(2), &none).await.unwrap().1),
            vec![1, 2]
        );
        assert_eq!(
            ids(&cursors.fetch("c", Some(2), &none).await.unwrap().1),
            vec![3, 4]
        );
        assert_eq!(
            ids(&cursors.fetch("c", None, &none).await.unwrap().1),
            vec![5]
        );
        assert_eq!(
            ids(&cursors.fetch("c", Some(1), &none).await.unwrap().1),
            Vec::<i32>::new()
        );
        cursors.close(Some("c")).await.unwrap();
        assert!(cursors.fetch("c", Some(1), &none).await.is_err());
        assert!(cursors.close(Some("c")).await.is_err());
    }

    #[tokio::test]
    async fn an_interrupted_fetch_fails_with_57014_and_closes_the_cursor() {
        let cursors = Cursors::default();
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int32, false)]));
        let never = RecordBatchStreamAdapter::new(schema.clone(), futures::stream::pending());
        cursors
            .declare("slow", schema, Box::pin(never), true)
            .await
            .unwrap();
        let timeout = Interrupt::start(None, Some(std::time::Duration::from_millis(20)));
        match cursors.fetch("slow", Some(1), &timeout).await {
            Err(pgwire::error::PgWireError::UserError(info)) => {
                assert_eq!(info.code, "57014");
                assert_eq!(info.message, "canceling statement due to statement timeout");
            }
            other => panic!("expected 57014, got {:?}", other.map(|r| r.1.len())),
        }
        assert!(cursors.schema("slow").await.is_none());
    }

    #[tokio::test]
    async fn transaction_end_keeps_only_hold_cursors() {
        let cursors = Cursors::default();
        let (schema, s) = stream(vec![vec![1]]);
        cursors.declare("a", schema, s, false).await.unwrap();
        let (schema, s) = stream(vec![vec![1]]);
        cursors.declare("b", schema, s, true).await.unwrap();
        cursors.end_transaction().await;
        assert!(cursors.schema("a").await.is_none());
        assert!(cursors.schema("b").await.is_some());
    }

    #[test]
    fn fetch_counts() {
        let count = |sql: &str| {
            let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
                .unwrap()
                .remove(0);
            match statement {
                datafusion::sql::sqlparser::ast::Statement::Fetch { direction, .. } => {
                    fetch_count(&direction)
                }
                other => panic!("{other}"),
            }
        };
        assert_eq!(count("FETCH FORWARD 5 FROM c").unwrap(), Some(5));
        assert_eq!(count("FETCH 3 FROM c").unwrap(), Some(3));
        assert_eq!(count("FETCH NEXT FROM c").unwrap(), Some(1));
        assert_eq!(count("FETCH ALL FROM c").unwrap(), None);
        assert_eq!(count("FETCH FORWARD ALL FROM c").unwrap(), None);
        assert!(count("FETCH BACKWARD 1 FROM c").is_err());
    }
}
