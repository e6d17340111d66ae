//! `pg_stat_activity` and `pg_cancel_backend(pid)`: fedgate's own sessions, listed and
//! cancelled as PostgreSQL lists and cancels its backends.
//!
//! The protocol layer owns the sessions (their process ids, what they run) and lends them
//! to the catalog through [`ActivitySource`]; this module only shapes them as PostgreSQL's
//! view and function do. A session's `query` is its last statement's text; `state` is
//! `active` while a statement runs (its rows included) and `idle` otherwise.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::SystemTime;

use datafusion::arrow::array::{
    ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::common::{exec_err, ScalarValue};
use datafusion::error::Result;
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use fedgate_adapter_api::{AdapterError, SqlState};

/// The view's name.
pub const PG_STAT_ACTIVITY: &str = "pg_stat_activity";

/// One client session as `pg_stat_activity` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionActivity {
    pub pid: i32,
    pub user: String,
    pub database: String,
    pub application_name: String,
    /// The client's address and port; `None` for a Unix socket.
    pub client: Option<(String, u16)>,
    pub backend_start: SystemTime,
    /// When the last statement started; `None` before the first.
    pub query_start: Option<SystemTime>,
    pub state_change: Option<SystemTime>,
    /// Whether a statement runs now (its rows still streaming included).
    pub active: bool,
    /// The last statement's text.
    pub query: String,
}

/// What the protocol layer tells the catalog about its sessions.
pub trait ActivitySource: Send + Sync + Debug {
    /// Every session now.
    fn sessions(&self) -> Vec<SessionActivity>;
    /// Cancels what session `pid` runs; whether a statement ran.
    fn cancel(&self, pid: i32) -> bool;
}

fn timestamptz() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()))
}

fn micros(time: SystemTime) -> i64 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

/// The rows of `pg_stat_activity` (PostgreSQL 15's columns, in its order).
pub fn activity_batch(sessions: &[SessionActivity]) -> Result<RecordBatch> {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let schema = Arc::new(Schema::new(vec![
        Field::new("datid", DataType::Int32, true),
        text("datname"),
        Field::new("pid", DataType::Int32, true),
        Field::new("leader_pid", DataType::Int32, true),
        Field::new("usesysid", DataType::Int32, true),
        text("usename"),
        text("application_name"),
        text("client_addr"),
        text("client_hostname"),
        Field::new("client_port", DataType::Int32, true),
        Field::new("backend_start", timestamptz(), true),
        Field::new("xact_start", timestamptz(), true),
        Field::new("query_start", timestamptz(), true),
        Field::new("state_change", timestamptz(), true),
        text("wait_event_type"),
        text("wait_event"),
        text("state"),
        text("backend_xid"),
        text("backend_xmin"),
        Field::new("query_id", DataType::Int64, true),
        text("query"),
        text("backend_type"),
    ]));
    let rows = sessions.len();
    let strings = |f: &dyn Fn(&SessionActivity) -> Option<String>| -> ArrayRef {
        Arc::new(sessions.iter().map(f).collect::<StringArray>())
    };
    let times = |f: &dyn Fn(&SessionActivity) -> Option<SystemTime>| -> ArrayRef {
        Arc::new(
            sessions
                .iter()
                .map(|s| f(s).map(micros))
                .collect::<TimestampMicrosecondArray>()
                .with_timezone("+00:00"),
        )
    };
    let no_ints = || -> ArrayRef { Arc::new(Int32Array::new_null(rows)) };
    let no_strings = || -> ArrayRef { Arc::new(StringArray::new_null(rows)) };
    let columns: Vec<ArrayRef> = vec![
        no_ints(),
        strings(&|s| Some(s.database.clone())),
        Arc::new(sessions.iter().map(|s| Some(s.pid)).collect::<Int32Array>()),
        no_ints(),
        no_ints(),
        strings(&|s| Some(s.user.clone())),
        strings(&|s| Some(s.application_name.clone())),
        strings(&|s| s.client.as_ref().map(|(addr, _)| addr.clone())),
        no_strings(),
        Arc::new(
            sessions
                .iter()
                .map(|s| Some(s.client.as_ref().map_or(-1, |(_, port)| i32::from(*port))))
                .collect::<Int32Array>(),
        ),
        times(&|s| Some(s.backend_start)),
        // Each statement is its own transaction on the backends: no transaction spans
        // statements on fedgate's side.
        times(&|s| s.active.then_some(s.query_start).flatten()),
        times(&|s| s.query_start),
        times(&|s| s.state_change.or(Some(s.backend_start))),
        no_strings(),
        no_strings(),
        strings(&|s| Some(if s.active { "active" } else { "idle" }.to_string())),
        no_strings(),
        no_strings(),
        Arc::new(Int64Array::new_null(rows)),
        strings(&|s| Some(s.query.clone())),
        strings(&|_| Some("client backend".to_string())),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// `pg_cancel_backend(pid)`: cancels what session `pid` runs, for an admin or the session's
/// own user (PostgreSQL's rule without roles); `false` with no statement to cancel or no
/// such session (PostgreSQL warns then), 42501 for someone else's session.
pub fn pg_cancel_backend_udf(
    source: Arc<dyn ActivitySource>,
    user: &str,
    is_admin: bool,
) -> ScalarUDF {
    let user = user.to_string();
    create_udf(
        "pg_cancel_backend",
        // int4 in PostgreSQL; int8 here so that integer literals of either width coerce.
        vec![DataType::Int64],
        DataType::Boolean,
        Volatility::Volatile,
        Arc::new(move |args: &[ColumnarValue]| {
            let pid = match &args[0] {
                ColumnarValue::Scalar(ScalarValue::Int64(pid)) => {
                    pid.and_then(|p| i32::try_from(p).ok().or(Some(-1)))
                }
                ColumnarValue::Scalar(_) => None,
                ColumnarValue::Array(_) => {
                    return exec_err!("pg_cancel_backend takes one process id, not a column")
                }
            };
            let Some(pid) = pid else {
                return Ok(ColumnarValue::Scalar(ScalarValue::Boolean(None)));
            };
            let owner = source
                .sessions()
                .into_iter()
                .find(|s| s.pid == pid)
                .map(|s| s.user);
            let cancelled = match owner {
                None => false,
                Some(owner) if is_admin || owner == user => source.cancel(pid),
                Some(_) => return Err(AdapterError::new(
                    SqlState::InsufficientPrivilege,
                    "permission denied to cancel query",
                )
                .with_detail(
                    "Only admins and the user whose query is being canceled may cancel this query.",
                )
                .into_datafusion()),
            };
            Ok(ColumnarValue::Scalar(ScalarValue::Boolean(Some(cancelled))))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Array;
    use std::sync::Mutex;
    use std::time::Duration;

    #[derive(Debug, Default)]
    struct Fake {
        sessions: Vec<SessionActivity>,
        cancelled: Mutex<Vec<i32>>,
    }

    impl ActivitySource for Fake {
        fn sessions(&self) -> Vec<SessionActivity> {
            self.sessions.clone()
        }
        fn cancel(&self, pid: i32) -> bool {
            self.cancelled.lock().unwrap().push(pid);
            true
        }
    }

    fn session(pid: i32, user: &str, active: bool) -> SessionActivity {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        SessionActivity {
            pid,
            user: user.to_string(),
            database: "sales".to_string(),
            application_name: "psql".to_string(),
            client: Some(("127.0.0.1".to_string(), 50_000)),
            backend_start: start,
            query_start: Some(start + Duration::from_millis(1500)),
            state_change: Some(start + Duration::from_millis(1500)),
            active,
            query: "SELECT 1".to_string(),
        }
    }

    #[test]
    fn rows_in_postgres_shape() {
        let batch = activity_batch(&[
            session(10_001, "alice", true),
            session(10_002, "bob", false),
        ])
        .unwrap();
        assert_eq!(batch.num_columns(), 22);
        assert_eq!(batch.schema().field(16).name(), "state");
        let state = batch
            .column(16)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!((state.value(0), state.value(1)), ("active", "idle"));
        let xact = batch
            .column(11)
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        assert_eq!(xact.value(0), 1_700_000_001_500_000);
        assert_eq!(xact.null_count(), 1);
    }

    #[tokio::test]
    async fn cancel_is_for_admins_and_the_sessions_own_user() {
        use datafusion::prelude::SessionContext;
        let fake = Arc::new(Fake {
            sessions: vec![session(10_001, "alice", true)],
            ..Fake::default()
        });
        let run = |user: &str, admin: bool, sql: &str| {
            let ctx = SessionContext::new();
            ctx.register_udf(pg_cancel_backend_udf(fake.clone(), user, admin));
            let sql = sql.to_string();
            async move { ctx.sql(&sql).await?.collect().await }
        };
        assert!(run("alice", false, "SELECT pg_cancel_backend(10001)")
            .await
            .is_ok());
        assert!(run("root", true, "SELECT pg_cancel_backend(10001)")
            .await
            .is_ok());
        let denied = run("bob", false, "SELECT pg_cancel_backend(10001)")
            .await
            .unwrap_err();
        assert_eq!(
            AdapterError::find_in(&denied).map(|e| e.sqlstate),
            Some(SqlState::InsufficientPrivilege)
        );
        assert!(run("bob", false, "SELECT pg_cancel_backend(4)")
            .await
            .is_ok());
        assert_eq!(*fake.cancelled.lock().unwrap(), [10_001, 10_001]);
    }
}
