//! `pg_stat_activity`, `pg_cancel_backend(pid)` and `pg_terminate_backend(pid)`: fedgate's
//! own sessions, listed, cancelled and ended as PostgreSQL lists, cancels and ends its
//! backends; `fedgate_remote_activity` (the remote parts running now) and
//! `fedgate_query_log` (the last statements).
//!
//! The protocol layer owns the sessions (their process ids, what they run), the remote
//! parts and the log, and lends them to the catalog through [`ActivitySource`]; this module
//! only shapes them as PostgreSQL's views and functions do. A session's `query` is its last
//! statement's text; `state` is `active` while a statement runs (its rows included) and
//! `idle` otherwise. Who looks ([`Viewer`], a `SessionConfig` extension) decides what is
//! shown: someone else's statement text is `<insufficient privilege>` for a non-admin.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::SystemTime;

use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::common::{exec_err, ScalarValue};
use datafusion::error::Result;
use datafusion::logical_expr::{
    create_udf, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use fedgate_adapter_api::{AdapterError, SqlState};

/// The views' names.
pub const PG_STAT_ACTIVITY: &str = "pg_stat_activity";
pub const FEDGATE_REMOTE_ACTIVITY: &str = "fedgate_remote_activity";
pub const FEDGATE_QUERY_LOG: &str = "fedgate_query_log";

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
    /// Whether the running statement waits for a backend now.
    pub waiting_on_backend: bool,
}

/// One running remote part, as `fedgate_remote_activity` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemotePartActivity {
    pub pid: i32,
    /// The session's user.
    pub user: String,
    pub server: String,
    /// The SQL or pipeline sent.
    pub query: String,
    pub started: SystemTime,
    pub rows: u64,
    pub bytes: u64,
    /// Waiting for the backend's first or next rows (else reading them).
    pub waiting: bool,
}

/// One finished statement, as `fedgate_query_log` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryLogEntry {
    /// Unique in this process, in order of start.
    pub id: i64,
    pub pid: i32,
    pub user: String,
    pub database: String,
    pub query: String,
    pub started: SystemTime,
    pub duration_ms: f64,
    pub rows: u64,
    /// `None` on success.
    pub sqlstate: Option<String>,
    /// The remote parts as a JSON array of `{server, sql, rows, bytes, ms, sqlstate}`.
    pub remote: String,
}

/// Who reads the views: a session's user, as a `SessionConfig` extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user: String,
    pub is_admin: bool,
}

impl Viewer {
    /// Whether this viewer may see what `user` runs (PostgreSQL: superusers, members of
    /// `pg_read_all_stats`, and the user itself).
    pub fn sees(&self, user: &str) -> bool {
        self.is_admin || self.user == user
    }
}

/// What PostgreSQL shows in place of a statement the viewer may not see.
pub const INSUFFICIENT_PRIVILEGE: &str = "<insufficient privilege>";

/// What the protocol layer tells the catalog about its sessions.
pub trait ActivitySource: Send + Sync + Debug {
    /// Every session now.
    fn sessions(&self) -> Vec<SessionActivity>;
    /// Cancels what session `pid` runs; whether a statement ran.
    fn cancel(&self, pid: i32) -> bool;
    /// Ends session `pid` (FATAL 57P01 there, its connection closed); whether it existed.
    fn terminate(&self, _pid: i32) -> bool {
        false
    }
    /// The remote parts running now.
    fn remote_parts(&self) -> Vec<RemotePartActivity> {
        Vec::new()
    }
    /// The last statements, oldest first.
    fn query_log(&self) -> Vec<QueryLogEntry> {
        Vec::new()
    }
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

/// The rows of `pg_stat_activity` (PostgreSQL 15's columns, in its order) as `viewer` sees
/// them: for a session of someone else a non-admin sees who and where (`datname`, `pid`,
/// `usename`, `application_name`) and `<insufficient privilege>` as its query, the other
/// columns NULL, as in PostgreSQL. `wait_event_type`/`wait_event` are `Client`/`ClientRead`
/// for an idle session (waiting for the client's next statement) and
/// `Extension`/`FedgateRemoteQuery` while a statement waits for a backend's rows (as
/// postgres_fdw's waits show in PostgreSQL), else NULL.
pub fn activity_batch(
    sessions: &[SessionActivity],
    viewer: Option<&Viewer>,
) -> Result<RecordBatch> {
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
    let seen: Vec<bool> = sessions
        .iter()
        .map(|s| viewer.is_none_or(|v| v.sees(&s.user)))
        .collect();
    // A column of what the viewer may see of each session (NULL for the others).
    let strings = |f: &dyn Fn(&SessionActivity) -> Option<String>| -> ArrayRef {
        Arc::new(
            sessions
                .iter()
                .zip(&seen)
                .map(|(s, seen)| f(s).filter(|_| *seen))
                .collect::<StringArray>(),
        )
    };
    let public = |f: &dyn Fn(&SessionActivity) -> String| -> ArrayRef {
        Arc::new(sessions.iter().map(|s| Some(f(s))).collect::<StringArray>())
    };
    let times = |f: &dyn Fn(&SessionActivity) -> Option<SystemTime>| -> ArrayRef {
        Arc::new(
            sessions
                .iter()
                .zip(&seen)
                .map(|(s, seen)| f(s).filter(|_| *seen).map(micros))
                .collect::<TimestampMicrosecondArray>()
                .with_timezone("+00:00"),
        )
    };
    let no_ints = || -> ArrayRef { Arc::new(Int32Array::new_null(rows)) };
    let no_strings = || -> ArrayRef { Arc::new(StringArray::new_null(rows)) };
    let wait = |s: &SessionActivity| match (s.active, s.waiting_on_backend) {
        (false, _) => Some(("Client", "ClientRead")),
        (true, true) => Some(("Extension", "FedgateRemoteQuery")),
        (true, false) => None,
    };
    let columns: Vec<ArrayRef> = vec![
        no_ints(),
        public(&|s| s.database.clone()),
        Arc::new(sessions.iter().map(|s| Some(s.pid)).collect::<Int32Array>()),
        no_ints(),
        no_ints(),
        public(&|s| s.user.clone()),
        public(&|s| s.application_name.clone()),
        strings(&|s| s.client.as_ref().map(|(addr, _)| addr.clone())),
        no_strings(),
        Arc::new(
            sessions
                .iter()
                .zip(&seen)
                .map(|(s, seen)| {
                    seen.then(|| s.client.as_ref().map_or(-1, |(_, port)| i32::from(*port)))
                })
                .collect::<Int32Array>(),
        ),
        times(&|s| Some(s.backend_start)),
        // Each statement is its own transaction on the backends: no transaction spans
        // statements on fedgate's side.
        times(&|s| s.active.then_some(s.query_start).flatten()),
        times(&|s| s.query_start),
        times(&|s| s.state_change.or(Some(s.backend_start))),
        strings(&|s| wait(s).map(|(kind, _)| kind.to_string())),
        strings(&|s| wait(s).map(|(_, event)| event.to_string())),
        strings(&|s| Some(if s.active { "active" } else { "idle" }.to_string())),
        no_strings(),
        no_strings(),
        Arc::new(Int64Array::new_null(rows)),
        Arc::new(
            sessions
                .iter()
                .zip(&seen)
                .map(|(s, seen)| {
                    Some(if *seen {
                        s.query.as_str()
                    } else {
                        INSUFFICIENT_PRIVILEGE
                    })
                })
                .collect::<StringArray>(),
        ),
        strings(&|_| Some("client backend".to_string())),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// The statement text `viewer` may see of `user`'s `query`.
fn shown_query<'a>(viewer: Option<&Viewer>, user: &str, query: &'a str) -> &'a str {
    if viewer.is_none_or(|v| v.sees(user)) {
        query
    } else {
        INSUFFICIENT_PRIVILEGE
    }
}

/// The rows of `fedgate_remote_activity`: `pid`, `server`, `query` (the SQL or pipeline
/// sent), `started`, `rows` (received so far), `state` (`waiting`: for the backend's
/// rows; `reading`: rows arrive), `bytes` (received so far, as Arrow arrays in memory).
pub fn remote_activity_batch(
    parts: &[RemotePartActivity],
    viewer: Option<&Viewer>,
) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("pid", DataType::Int32, true),
        Field::new("server", DataType::Utf8, true),
        Field::new("query", DataType::Utf8, true),
        Field::new("started", timestamptz(), true),
        Field::new("rows", DataType::Int64, true),
        Field::new("state", DataType::Utf8, true),
        Field::new("bytes", DataType::Int64, true),
    ]));
    let int8 = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(parts.iter().map(|p| Some(p.pid)).collect::<Int32Array>()),
        Arc::new(
            parts
                .iter()
                .map(|p| Some(p.server.as_str()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            parts
                .iter()
                .map(|p| Some(shown_query(viewer, &p.user, &p.query)))
                .collect::<StringArray>(),
        ),
        Arc::new(
            parts
                .iter()
                .map(|p| Some(micros(p.started)))
                .collect::<TimestampMicrosecondArray>()
                .with_timezone("+00:00"),
        ),
        Arc::new(parts.iter().map(|p| int8(p.rows)).collect::<Int64Array>()),
        Arc::new(
            parts
                .iter()
                .map(|p| Some(if p.waiting { "waiting" } else { "reading" }))
                .collect::<StringArray>(),
        ),
        Arc::new(parts.iter().map(|p| int8(p.bytes)).collect::<Int64Array>()),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// The rows of `fedgate_query_log`, oldest first: `statement_id`, `pid`, `usename`,
/// `datname`, `query`, `started`, `duration_ms`, `rows`, `sqlstate` (NULL on success) and
/// `remote` (a JSON array of the statement's remote parts).
pub fn query_log_batch(entries: &[QueryLogEntry], viewer: Option<&Viewer>) -> Result<RecordBatch> {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let schema = Arc::new(Schema::new(vec![
        Field::new("statement_id", DataType::Int64, true),
        Field::new("pid", DataType::Int32, true),
        text("usename"),
        text("datname"),
        text("query"),
        Field::new("started", timestamptz(), true),
        Field::new("duration_ms", DataType::Float64, true),
        Field::new("rows", DataType::Int64, true),
        text("sqlstate"),
        text("remote"),
    ]));
    let seen = |e: &QueryLogEntry| viewer.is_none_or(|v| v.sees(&e.user));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(entries.iter().map(|e| Some(e.id)).collect::<Int64Array>()),
        Arc::new(entries.iter().map(|e| Some(e.pid)).collect::<Int32Array>()),
        Arc::new(
            entries
                .iter()
                .map(|e| Some(e.user.as_str()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            entries
                .iter()
                .map(|e| Some(e.database.as_str()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            entries
                .iter()
                .map(|e| Some(shown_query(viewer, &e.user, &e.query)))
                .collect::<StringArray>(),
        ),
        Arc::new(
            entries
                .iter()
                .map(|e| Some(micros(e.started)))
                .collect::<TimestampMicrosecondArray>()
                .with_timezone("+00:00"),
        ),
        Arc::new(
            entries
                .iter()
                .map(|e| Some(e.duration_ms))
                .collect::<Float64Array>(),
        ),
        Arc::new(
            entries
                .iter()
                .map(|e| Some(i64::try_from(e.rows).unwrap_or(i64::MAX)))
                .collect::<Int64Array>(),
        ),
        Arc::new(
            entries
                .iter()
                .map(|e| e.sqlstate.as_deref())
                .collect::<StringArray>(),
        ),
        Arc::new(
            entries
                .iter()
                .map(|e| Some(if seen(e) { e.remote.as_str() } else { "[]" }))
                .collect::<StringArray>(),
        ),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// `pg_backend_pid()`: the session's process id (its BackendKeyData pid).
pub fn pg_backend_pid_udf(pid: i32) -> ScalarUDF {
    create_udf(
        "pg_backend_pid",
        vec![],
        DataType::Int32,
        Volatility::Stable,
        Arc::new(move |_: &[ColumnarValue]| {
            Ok(ColumnarValue::Scalar(ScalarValue::Int32(Some(pid))))
        }),
    )
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

/// WARNING messages a statement raised, for the protocol layer to send (SQLSTATE 01000).
pub type Warnings = Arc<std::sync::Mutex<Vec<String>>>;

/// `pg_terminate_backend(pid [, timeout])`: ends session `pid` (FATAL 57P01 there, its
/// backend queries stopped, its connection closed), for an admin or the session's own
/// user; 42501 for someone else's session. `false` with PostgreSQL's WARNING for a pid
/// that is no session. With a timeout (milliseconds) it waits until the session is gone:
/// `false` with a WARNING when it is not by then.
pub fn pg_terminate_backend_udf(
    source: Arc<dyn ActivitySource>,
    viewer: Viewer,
    warnings: Warnings,
) -> ScalarUDF {
    ScalarUDF::new_from_impl(TerminateBackend {
        source,
        viewer,
        warnings,
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Int64]),
                TypeSignature::Exact(vec![DataType::Int64, DataType::Int64]),
            ],
            Volatility::Volatile,
        ),
    })
}

#[derive(Debug)]
struct TerminateBackend {
    source: Arc<dyn ActivitySource>,
    viewer: Viewer,
    warnings: Warnings,
    signature: Signature,
}

impl PartialEq for TerminateBackend {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.warnings, &other.warnings)
    }
}

impl Eq for TerminateBackend {}

impl std::hash::Hash for TerminateBackend {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        "pg_terminate_backend".hash(state);
    }
}

fn int8_argument(value: Option<&ColumnarValue>) -> Result<Option<i64>> {
    match value {
        Some(ColumnarValue::Scalar(ScalarValue::Int64(v))) => Ok(*v),
        Some(ColumnarValue::Scalar(_)) | None => Ok(None),
        Some(ColumnarValue::Array(_)) => {
            exec_err!("pg_terminate_backend takes one process id, not a column")
        }
    }
}

impl TerminateBackend {
    fn warn(&self, message: String) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message);
    }

    /// Whether session `pid` is gone within `timeout`.
    fn wait_until_gone(&self, pid: i32, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if !self.source.sessions().iter().any(|s| s.pid == pid) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    fn terminate(&self, pid: i64, timeout_ms: i64) -> Result<bool> {
        if timeout_ms < 0 {
            return Err(AdapterError::new(
                SqlState::InvalidParameterValue,
                "\"timeout\" must not be negative",
            )
            .into_datafusion());
        }
        let pid = i32::try_from(pid).unwrap_or(-1);
        let owner = self
            .source
            .sessions()
            .into_iter()
            .find(|s| s.pid == pid)
            .map(|s| s.user);
        let Some(owner) = owner else {
            self.warn(format!("PID {pid} is not a PostgreSQL backend process"));
            return Ok(false);
        };
        if !self.viewer.sees(&owner) {
            return Err(AdapterError::new(
                SqlState::InsufficientPrivilege,
                "permission denied to terminate process",
            )
            .with_detail(
                "Only admins and the user whose process is being terminated may terminate this process.",
            )
            .into_datafusion());
        }
        if !self.source.terminate(pid) {
            self.warn(format!("PID {pid} is not a PostgreSQL backend process"));
            return Ok(false);
        }
        if timeout_ms == 0 {
            return Ok(true);
        }
        let timeout = std::time::Duration::from_millis(timeout_ms as u64);
        let wait = || self.wait_until_gone(pid, timeout);
        // The wait blocks this thread: hand its other tasks (the ending session's among
        // them) to another worker.
        let gone = match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        };
        if gone {
            return Ok(true);
        }
        self.warn(format!(
            "backend with PID {pid} did not terminate within {timeout_ms} milliseconds"
        ));
        Ok(false)
    }
}

impl ScalarUDFImpl for TerminateBackend {
    fn name(&self) -> &str {
        "pg_terminate_backend"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let pid = int8_argument(args.args.first())?;
        let timeout = int8_argument(args.args.get(1))?;
        let answer = match (pid, args.args.len()) {
            (None, _) => None,
            (Some(_), 2) if timeout.is_none() => None,
            (Some(pid), _) => Some(self.terminate(pid, timeout.unwrap_or(0))?),
        };
        Ok(ColumnarValue::Scalar(ScalarValue::Boolean(answer)))
    }
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
        terminated: Mutex<Vec<i32>>,
    }

    impl ActivitySource for Fake {
        fn sessions(&self) -> Vec<SessionActivity> {
            self.sessions.clone()
        }
        fn cancel(&self, pid: i32) -> bool {
            self.cancelled.lock().unwrap().push(pid);
            true
        }
        fn terminate(&self, pid: i32) -> bool {
            self.terminated.lock().unwrap().push(pid);
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
            waiting_on_backend: active,
        }
    }

    #[test]
    fn rows_in_postgres_shape() {
        let batch = activity_batch(
            &[
                session(10_001, "alice", true),
                session(10_002, "bob", false),
            ],
            None,
        )
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
        let column = |i: usize| {
            let array = batch.column(i).as_any().downcast_ref::<StringArray>();
            let array = array.unwrap().clone();
            (0..2)
                .map(|row| array.is_valid(row).then(|| array.value(row).to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            column(14),
            [Some("Extension".to_string()), Some("Client".to_string())]
        );
        assert_eq!(
            column(15),
            [
                Some("FedgateRemoteQuery".to_string()),
                Some("ClientRead".to_string())
            ]
        );
    }

    #[test]
    fn others_statements_are_hidden_from_non_admins() {
        let sessions = [
            session(10_001, "alice", true),
            session(10_002, "bob", false),
        ];
        let bob = Viewer {
            user: "bob".to_string(),
            is_admin: false,
        };
        let batch = activity_batch(&sessions, Some(&bob)).unwrap();
        let query = batch.column(20).as_any().downcast_ref::<StringArray>();
        let query = query.unwrap();
        assert_eq!(query.value(0), INSUFFICIENT_PRIVILEGE);
        assert_eq!(query.value(1), "SELECT 1");
        let state = batch.column(16);
        assert!(state.is_null(0) && state.is_valid(1));
        let names = batch.column(5).as_any().downcast_ref::<StringArray>();
        assert_eq!(names.unwrap().value(0), "alice");
        let root = Viewer {
            user: "root".to_string(),
            is_admin: true,
        };
        let batch = activity_batch(&sessions, Some(&root)).unwrap();
        assert_eq!(batch.column(20).null_count(), 0);
        let query = batch.column(20).as_any().downcast_ref::<StringArray>();
        assert_eq!(query.unwrap().value(0), "SELECT 1");

        let part = RemotePartActivity {
            pid: 10_001,
            user: "alice".to_string(),
            server: "pg".to_string(),
            query: "SELECT secret FROM t".to_string(),
            started: SystemTime::UNIX_EPOCH,
            rows: 5,
            bytes: 40,
            waiting: true,
        };
        let batch = remote_activity_batch(&[part], Some(&bob)).unwrap();
        let query = batch.column(2).as_any().downcast_ref::<StringArray>();
        assert_eq!(query.unwrap().value(0), INSUFFICIENT_PRIVILEGE);
        let state = batch.column(5).as_any().downcast_ref::<StringArray>();
        assert_eq!(state.unwrap().value(0), "waiting");
    }

    #[tokio::test]
    async fn terminate_is_for_admins_and_the_sessions_own_user() {
        use datafusion::prelude::SessionContext;
        let fake = Arc::new(Fake {
            sessions: vec![session(10_001, "alice", false)],
            ..Fake::default()
        });
        let warnings = Warnings::default();
        let run = |user: &str, admin: bool, sql: &str| {
            let ctx = SessionContext::new();
            let viewer = Viewer {
                user: user.to_string(),
                is_admin: admin,
            };
            ctx.register_udf(pg_terminate_backend_udf(
                fake.clone(),
                viewer,
                warnings.clone(),
            ));
            let sql = sql.to_string();
            async move { ctx.sql(&sql).await?.collect().await }
        };
        let answer = |batches: Vec<RecordBatch>| {
            let column = batches[0].column(0).clone();
            let column = column
                .as_any()
                .downcast_ref::<datafusion::arrow::array::BooleanArray>();
            column.unwrap().value(0)
        };
        assert!(answer(
            run("alice", false, "SELECT pg_terminate_backend(10001)")
                .await
                .unwrap()
        ));
        assert!(answer(
            run("root", true, "SELECT pg_terminate_backend(10001)")
                .await
                .unwrap()
        ));
        let denied = run("bob", false, "SELECT pg_terminate_backend(10001)")
            .await
            .unwrap_err();
        assert_eq!(
            AdapterError::find_in(&denied).map(|e| e.sqlstate),
            Some(SqlState::InsufficientPrivilege)
        );
        assert!(!answer(
            run("bob", false, "SELECT pg_terminate_backend(4)")
                .await
                .unwrap()
        ));
        assert_eq!(
            *warnings.lock().unwrap(),
            ["PID 4 is not a PostgreSQL backend process"]
        );
        assert_eq!(*fake.terminated.lock().unwrap(), [10_001, 10_001]);
        let negative = run("root", true, "SELECT pg_terminate_backend(10001, -1)")
            .await
            .unwrap_err();
        assert_eq!(
            AdapterError::find_in(&negative).map(|e| e.sqlstate),
            Some(SqlState::InvalidParameterValue)
        );
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
