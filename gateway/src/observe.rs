//! What a statement leaves behind for the operator: its outcome and duration in the
//! metrics (`fedgate_statements_total`, `fedgate_statement_duration_seconds`) and, when it
//! fails, one log line with its SQLSTATE and message (never its text; and for a statement
//! that mentions a password, not the message either, which may quote it).
//!
//! A statement that returns rows ends when its row stream does: [`StatementTimer::observe`]
//! wraps the stream so an error while rows stream counts too. A stream dropped before its
//! end (a portal closed after a partial fetch) counts as completed.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use fedgate_telemetry::{metrics, StatementOutcome};
use futures::Stream;
use pgwire::api::results::{QueryResponse, Response, SendableRowStream};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;

use crate::errors::sqlstate;

/// A statement's start.
#[derive(Debug, Clone, Copy)]
pub struct StatementTimer {
    started: Instant,
    /// The statement mentions a password: its error message is not logged.
    secret: bool,
}

impl StatementTimer {
    /// Statement `text` starts now.
    pub fn start(text: &str) -> Self {
        Self {
            started: Instant::now(),
            secret: text.to_ascii_lowercase().contains("password"),
        }
    }

    /// Records `response` (a result's rows when their stream ends) and hands it on.
    pub fn observe(self, response: Response) -> Response {
        match response {
            Response::Query(query) => Response::Query(self.observe_rows(query)),
            Response::Error(info) => {
                self.finish(StatementOutcome::Error(info.code.clone()), &info.message);
                Response::Error(info)
            }
            other => {
                self.finish(StatementOutcome::Ok, "");
                other
            }
        }
    }

    /// Records a statement that failed before it answered.
    pub fn failed(self, error: &PgWireError) {
        self.finish(StatementOutcome::Error(sqlstate(error)), &message(error));
    }

    fn observe_rows(self, mut query: QueryResponse) -> QueryResponse {
        let rows = std::mem::replace(&mut query.data_rows, Box::pin(futures::stream::empty()));
        query.data_rows = Box::pin(ObservedRows {
            rows,
            timer: Some(self),
        });
        query
    }

    fn finish(self, outcome: StatementOutcome, message: &str) {
        if let StatementOutcome::Error(code) = &outcome {
            let message = if self.secret {
                "<the message of a statement with a password>"
            } else {
                message
            };
            tracing::info!(sqlstate = code.as_str(), "statement failed: {message}");
        }
        metrics().statement_finished(&outcome, self.started.elapsed());
    }
}

fn message(error: &PgWireError) -> String {
    match error {
        PgWireError::UserError(info) => info.message.clone(),
        other => other.to_string(),
    }
}

/// A result's rows, recording the statement when they end.
struct ObservedRows {
    rows: SendableRowStream,
    /// Taken when the statement is recorded.
    timer: Option<StatementTimer>,
}

impl Stream for ObservedRows {
    type Item = PgWireResult<DataRow>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = self.rows.as_mut().poll_next(cx);
        match &item {
            Poll::Ready(None) => {
                if let Some(timer) = self.timer.take() {
                    timer.finish(StatementOutcome::Ok, "");
                }
            }
            Poll::Ready(Some(Err(error))) => {
                if let Some(timer) = self.timer.take() {
                    timer.failed(error);
                }
            }
            _ => {}
        }
        item
    }
}

impl Drop for ObservedRows {
    fn drop(&mut self) {
        if let Some(timer) = self.timer.take() {
            timer.finish(StatementOutcome::Ok, "");
        }
    }
}
