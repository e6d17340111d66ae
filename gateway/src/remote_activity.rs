//! Remote parts in flight, for `fedgate_remote_activity`, `pg_stat_activity`'s wait events
//! and the query log; and a hook for whoever else wants to hear when a part ends (metrics).
//!
//! Each session reports its parts through its own [`SessionParts`] (the
//! `RemotePartTracker` in its DataFusion config, see `fedgate_adapter_api::remote_parts`):
//! the part is listed under the session's pid while it runs; when it ends it is added to the
//! statement that started it (the query log) and every listener hears a [`FinishedPart`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};

use fedgate_adapter_api::remote_parts::{PartOutcome, RemotePart, RemotePartObserver};
use fedgate_pgcompat::catalog::activity::RemotePartActivity;

use crate::query_log::{PartSummary, StatementRecord};

/// A remote part that ended, as listeners hear it.
#[derive(Debug)]
pub struct FinishedPart<'a> {
    /// The session's pid.
    pub pid: i32,
    pub part: &'a RemotePart,
    pub outcome: &'a PartOutcome,
}

/// Hears every remote part that ends (e.g. to count rows and time per server).
pub type PartListener = Arc<dyn Fn(&FinishedPart<'_>) + Send + Sync>;

/// The remote parts running now, in every session.
#[derive(Default)]
pub struct RemoteActivity {
    parts: Mutex<HashMap<u64, Running>>,
    listeners: RwLock<Vec<PartListener>>,
}

impl std::fmt::Debug for RemoteActivity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteActivity")
            .field("parts", &self.lock().len())
            .finish_non_exhaustive()
    }
}

struct Running {
    pid: i32,
    user: String,
    part: Arc<RemotePart>,
    /// The statement that started it, kept open until the part ends.
    statement: Option<Arc<StatementRecord>>,
}

impl RemoteActivity {
    /// Calls `listener` for every remote part that ends from now on.
    pub fn add_listener(&self, listener: PartListener) {
        self.listeners
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(listener);
    }

    /// The observer of session `pid` of `user`.
    pub fn session(self: &Arc<Self>, pid: i32, user: &str) -> Arc<SessionParts> {
        Arc::new(SessionParts {
            pid,
            user: user.to_string(),
            activity: self.clone(),
            statement: Mutex::new(Weak::new()),
        })
    }

    /// The parts running now, by start.
    pub fn parts(&self) -> Vec<RemotePartActivity> {
        let mut parts: Vec<RemotePartActivity> = self
            .lock()
            .values()
            .map(|running| RemotePartActivity {
                pid: running.pid,
                user: running.user.clone(),
                server: running.part.server.clone(),
                query: running.part.text.clone(),
                started: running.part.started,
                rows: running.part.rows(),
                bytes: running.part.bytes(),
                waiting: running.part.waiting(),
            })
            .collect();
        parts.sort_by_key(|p| (p.started, p.pid));
        parts
    }

    /// Whether session `pid` waits for a backend now.
    pub fn waiting(&self, pid: i32) -> bool {
        self.lock()
            .values()
            .any(|running| running.pid == pid && running.part.waiting())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Running>> {
        self.parts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One session's observer of its remote parts.
#[derive(Debug)]
pub struct SessionParts {
    pid: i32,
    user: String,
    activity: Arc<RemoteActivity>,
    /// The statement running now; its parts are added to it.
    statement: Mutex<Weak<StatementRecord>>,
}

impl SessionParts {
    /// The parts that start from now on belong to `statement`.
    pub fn set_statement(&self, statement: &Arc<StatementRecord>) {
        *self.statement.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(statement);
    }

    /// The statement running now, if it still does.
    pub fn statement(&self) -> Option<Arc<StatementRecord>> {
        self.statement
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .upgrade()
    }
}

impl RemotePartObserver for SessionParts {
    fn started(&self, part: &Arc<RemotePart>) {
        let running = Running {
            pid: self.pid,
            user: self.user.clone(),
            part: part.clone(),
            statement: self.statement(),
        };
        self.activity.lock().insert(part.id, running);
    }

    fn finished(&self, part: &Arc<RemotePart>, outcome: &PartOutcome) {
        let running = self.activity.lock().remove(&part.id);
        if let Some(statement) = running.and_then(|r| r.statement) {
            statement.part_finished(PartSummary {
                server: part.server.clone(),
                sql: part.text.clone(),
                rows: part.rows(),
                bytes: part.bytes(),
                ms: part.elapsed().as_secs_f64() * 1000.0,
                sqlstate: match outcome {
                    PartOutcome::Failed(code) => {
                        Some(code.map_or_else(|| "XX000".to_string(), |c| c.code().to_string()))
                    }
                    _ => None,
                },
            });
        }
        let finished = FinishedPart {
            pid: self.pid,
            part,
            outcome,
        };
        let listeners = self
            .activity
            .listeners
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for listener in listeners {
            listener(&finished);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_log::{QueryLog, QueryLogConfig};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_part_is_listed_while_it_runs_and_logged_with_its_statement() {
        let activity = Arc::new(RemoteActivity::default());
        let heard = Arc::new(AtomicUsize::new(0));
        activity.add_listener({
            let heard = heard.clone();
            Arc::new(move |finished: &FinishedPart<'_>| {
                assert_eq!(finished.pid, 10_001);
                heard.fetch_add(1, Ordering::Relaxed);
            })
        });
        let log = Arc::new(QueryLog::new(QueryLogConfig::default()));
        let session = activity.session(10_001, "alice");
        let statement = log.start(10_001, "alice", "sales", "SELECT * FROM t");
        session.set_statement(&statement);
        let part = Arc::new(RemotePart::new("pg", "SELECT \"a\" FROM \"t\"".to_string()));
        session.started(&part);
        drop(statement);
        let listed = activity.parts();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].pid, listed[0].server.as_str()), (10_001, "pg"));
        assert!(activity.waiting(10_001) && !activity.waiting(10_002));
        assert!(
            log.entries().is_empty(),
            "the part keeps its statement open"
        );
        session.finished(&part, &PartOutcome::Done);
        assert!(activity.parts().is_empty());
        assert_eq!(heard.load(Ordering::Relaxed), 1);
        let entries = log.entries();
        let parts: serde_json::Value = serde_json::from_str(&entries[0].remote).unwrap();
        assert_eq!(parts[0]["sql"], "SELECT \"a\" FROM \"t\"");
    }
}
