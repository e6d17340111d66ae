//! Ending a running statement early: a client's CancelRequest (psql's Ctrl-C, psycopg's
//! `conn.cancel()`, JDBC's `Statement.cancel()`) and `statement_timeout`.
//!
//! At start-up every connection gets a process id, unique in this fedgate process, and a
//! random secret key (sent to the client as BackendKeyData), and registers a
//! [`CancelSlot`] under that pid in the [`CancelRegistry`]. A CancelRequest arrives on a new
//! connection with a pid and a key: the registry looks the pid up and compares the key in
//! constant time; on a match it trips the slot, which cancels the statements running on
//! that connection, and does nothing when none runs (as PostgreSQL).
//!
//! The registry also knows who each connection is and what it runs (a [`ConnectionInfo`]
//! and its slot's [`SlotActivity`]): it is the gateway's [`ActivitySource`] for
//! `pg_stat_activity` and `pg_cancel_backend`.
//!
//! `pg_terminate_backend` and a client that goes away end a connection for good: the slot
//! remembers why ([`CancelSlot::terminate`], [`CancelSlot::client_gone`]), fires the running
//! statements with that reason (57P01 as FATAL, or 08006) and every later one at its start,
//! and wakes the connection's watcher (`crate::server`), which closes the connection.
//!
//! Each statement that plans or streams rows takes an [`Interrupt`]: its slot's signal and
//! its `statement_timeout` deadline. [`Interrupt::guard`] ends a future (planning, one
//! FETCH step) and [`Interrupt::limit_stream`] ends a result stream with SQLSTATE 57014
//! when either fires. Ending a stream drops it, and dropping a remote scan cancels the
//! backend's query (each adapter cancels on drop), so the backends stop too.
//!
//! [`CancelSlot::terminate`] ends a session for good (fedgate's shutdown): its running
//! statements, and any it starts later, end with FATAL 57P01 `terminating connection due
//! to administrator command`, which closes the connection.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_lc_rs::constant_time;
use bytes::Bytes;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use fedgate_adapter_api::AdapterError;
use futures::StreamExt;
use pgwire::api::cancel::CancelHandler;
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::startup::SecretKey;
use pgwire::messages::ProtocolVersion;
use tokio::sync::watch;
use tokio::time::Instant;

use fedgate_adapter_api::SqlState;
use fedgate_pgcompat::catalog::activity::{ActivitySource, SessionActivity};

use crate::errors::from_adapter;

/// The first process id handed out; PostgreSQL's pids are positive, so are these.
const FIRST_PID: i32 = 10_000;

/// Every connection's cancel slot by process id.
#[derive(Debug)]
pub struct CancelRegistry {
    next_pid: AtomicI32,
    connections: Mutex<HashMap<i32, Registered>>,
}

#[derive(Debug)]
struct Registered {
    secret: Bytes,
    slot: Arc<CancelSlot>,
    info: ConnectionInfo,
}

/// Who a connection is, fixed at start-up.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub user: String,
    pub database: String,
    /// The client's address and port (`None` for a Unix socket).
    pub client: Option<(String, u16)>,
    pub started: SystemTime,
}

/// A connection's entry in the registry; removes it when the connection ends.
#[derive(Debug)]
pub struct Registration {
    pid: i32,
    registry: Arc<CancelRegistry>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.pid);
    }
}

impl Default for CancelRegistry {
    fn default() -> Self {
        Self {
            next_pid: AtomicI32::new(FIRST_PID),
            connections: Mutex::new(HashMap::new()),
        }
    }
}

impl CancelRegistry {
    /// Registers a new connection: its pid, its secret key (4 bytes for protocol 3.0, 32
    /// for 3.2, as PostgreSQL 18), its slot and the registration that ends with it.
    pub fn register(
        self: &Arc<Self>,
        protocol: ProtocolVersion,
        info: ConnectionInfo,
    ) -> (i32, SecretKey, Arc<CancelSlot>, Registration) {
        self.register_slot(protocol, info, Arc::new(CancelSlot::default()))
    }

    /// [`Self::register`] with the connection's slot made before (its watcher holds it).
    pub fn register_slot(
        self: &Arc<Self>,
        protocol: ProtocolVersion,
        info: ConnectionInfo,
        slot: Arc<CancelSlot>,
    ) -> (i32, SecretKey, Arc<CancelSlot>, Registration) {
        let secret = match protocol {
            ProtocolVersion::PROTOCOL3_0 => {
                SecretKey::I32(i32::from_be_bytes(crate::auth::random_bytes::<4>()))
            }
            _ => SecretKey::Bytes(Bytes::copy_from_slice(&crate::auth::random_bytes::<32>())),
        };
        let mut connections = self.lock();
        let pid = loop {
            let pid = self.allocate_pid();
            if !connections.contains_key(&pid) {
                break pid;
            }
        };
        let entry = Registered {
            secret: secret.to_bytes(),
            slot: slot.clone(),
            info,
        };
        connections.insert(pid, entry);
        let registration = Registration {
            pid,
            registry: self.clone(),
        };
        (pid, secret, slot, registration)
    }

    /// How many sessions `user` has open (for the per-user `CONNECTION LIMIT`).
    pub fn sessions_of(&self, user: &str) -> usize {
        self.lock()
            .values()
            .filter(|entry| entry.info.user == user)
            .count()
    }

    /// The next pid: counts up from [`FIRST_PID`], starting over when it would overflow.
    fn allocate_pid(&self) -> i32 {
        let pid = self.next_pid.fetch_add(1, Ordering::Relaxed);
        if pid >= FIRST_PID {
            return pid;
        }
        self.next_pid.store(FIRST_PID + 1, Ordering::Relaxed);
        FIRST_PID
    }

    /// Cancels what connection `pid` runs if `secret` is its key; whether the pid and key
    /// matched. A wrong key is indistinguishable to the sender from an unknown pid.
    pub fn cancel(&self, pid: i32, secret: &SecretKey) -> bool {
        let slot = {
            let connections = self.lock();
            let Some(entry) = connections.get(&pid) else {
                return false;
            };
            let given = secret.to_bytes();
            if constant_time::verify_slices_are_equal(&entry.secret, &given).is_err() {
                return false;
            }
            entry.slot.clone()
        };
        slot.cancel();
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Registered>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user of connection `pid`.
    pub fn user(&self, pid: i32) -> Option<String> {
        self.lock().get(&pid).map(|entry| entry.info.user.clone())
    }
}

impl ActivitySource for CancelRegistry {
    fn sessions(&self) -> Vec<SessionActivity> {
        let mut sessions: Vec<SessionActivity> = self
            .lock()
            .iter()
            .map(|(pid, entry)| {
                let (active, activity) = entry.slot.activity();
                SessionActivity {
                    pid: *pid,
                    user: entry.info.user.clone(),
                    database: entry.info.database.clone(),
                    application_name: activity.application_name,
                    client: entry.info.client.clone(),
                    backend_start: entry.info.started,
                    query_start: activity.query_start,
                    state_change: activity.state_change,
                    active,
                    query: activity.query,
                    waiting_on_backend: false,
                }
            })
            .collect();
        sessions.sort_by_key(|s| s.pid);
        sessions
    }

    fn cancel(&self, pid: i32) -> bool {
        let slot = self.lock().get(&pid).map(|entry| entry.slot.clone());
        slot.is_some_and(|slot| slot.cancel())
    }

    fn terminate(&self, pid: i32) -> bool {
        let slot = self.lock().get(&pid).map(|entry| entry.slot.clone());
        slot.is_some_and(|slot| {
            slot.terminate();
            true
        })
    }
}

/// pgwire's handler for CancelRequest messages, over the registry.
#[derive(Debug, Default)]
pub struct Canceller {
    pub registry: Arc<CancelRegistry>,
}

#[async_trait]
impl CancelHandler for Canceller {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let matched = self.registry.cancel(request.pid, &request.secret_key);
        fedgate_telemetry::metrics().cancel_request(matched);
        tracing::info!(pid = request.pid, matched, "cancel request");
    }
}

/// One connection's cancel signal. Statements that run at the same time (the statements of
/// one simple-protocol message) share a signal; a new signal starts when none runs, so a
/// cancel that arrives while the connection is idle reaches no later statement.
#[derive(Debug)]
pub struct CancelSlot {
    state: Mutex<SlotState>,
    /// Wakes the connection's watcher when the connection must end.
    ended: tokio::sync::Notify,
}

#[derive(Debug)]
struct SlotState {
    running: usize,
    /// Why the running statements must end; `None` while they may run.
    signal: watch::Sender<Option<Interruption>>,
    activity: SlotActivity,
    /// Why the connection must end (terminated, client gone): every statement ends so.
    end: Option<Interruption>,
}

/// What a connection ran last, for `pg_stat_activity`.
#[derive(Debug, Clone, Default)]
pub struct SlotActivity {
    pub query: String,
    pub query_start: Option<SystemTime>,
    /// When the connection last became active or idle.
    pub state_change: Option<SystemTime>,
    pub application_name: String,
}

impl Default for CancelSlot {
    fn default() -> Self {
        Self {
            state: Mutex::new(SlotState {
                running: 0,
                signal: watch::channel(None).0,
                activity: SlotActivity::default(),
                end: None,
            }),
            ended: tokio::sync::Notify::new(),
        }
    }
}

impl CancelSlot {
    /// Marks a statement as running until the returned guard is dropped.
    pub fn begin(self: &Arc<Self>) -> Running {
        let mut state = self.lock();
        if state.running == 0 {
            state.signal = watch::channel(state.end).0;
            state.activity.state_change = Some(SystemTime::now());
        }
        state.running += 1;
        Running {
            signal: state.signal.subscribe(),
            slot: self.clone(),
        }
    }

    /// Records the statement the connection starts now and its `application_name`.
    pub fn starting(&self, query: &str, application_name: Option<String>) {
        let mut state = self.lock();
        let now = SystemTime::now();
        state.activity.query = query.to_string();
        state.activity.query_start = Some(now);
        if let Some(name) = application_name {
            state.activity.application_name = name;
        }
    }

    /// Whether a statement runs, and what the connection ran last.
    pub fn activity(&self) -> (bool, SlotActivity) {
        let state = self.lock();
        (state.running > 0, state.activity.clone())
    }

    /// Cancels the running statements; whether any ran.
    pub fn cancel(&self) -> bool {
        let state = self.lock();
        if state.running == 0 {
            return false;
        }
        if state.signal.borrow().is_none() {
            state.signal.send_replace(Some(Interruption::Cancelled));
        }
        true
    }

    /// Whether a statement runs now.
    pub fn is_running(&self) -> bool {
        self.lock().running > 0
    }

    /// `pg_terminate_backend` and the shutdown: ends the running statements and the
    /// connection with FATAL 57P01 (the connection's watcher closes an idle one). Whether
    /// a statement was running.
    pub fn terminate(&self) -> bool {
        let running = self.is_running();
        self.end(Interruption::Terminated);
        running
    }

    /// Terminates the session if no statement runs; whether it did.
    pub fn terminate_if_idle(&self) -> bool {
        {
            let state = self.lock();
            if state.running > 0 {
                return false;
            }
        }
        self.end(Interruption::Terminated);
        true
    }

    /// The client went away: ends the running statements (their backend queries stop).
    pub fn client_gone(&self) {
        self.end(Interruption::ClientGone);
    }

    fn end(&self, reason: Interruption) {
        {
            let mut state = self.lock();
            if state.end.is_some() {
                return;
            }
            state.end = Some(reason);
            if state.running > 0 {
                state.signal.send_replace(Some(reason));
            }
        }
        self.ended.notify_waiters();
    }

    /// Resolves when the connection must end, with why.
    pub async fn ended(&self) -> Interruption {
        loop {
            let notified = self.ended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(reason) = self.lock().end {
                return reason;
            }
            notified.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running statement's hold on its connection's slot.
#[derive(Debug)]
pub struct Running {
    signal: watch::Receiver<Option<Interruption>>,
    slot: Arc<CancelSlot>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut state = self.slot.lock();
        state.running = state.running.saturating_sub(1);
        if state.running == 0 {
            state.activity.state_change = Some(SystemTime::now());
        }
    }
}

/// Why a statement was ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    Cancelled,
    TimedOut,
    /// `pg_terminate_backend`.
    Terminated,
    /// The client's connection closed.
    ClientGone,
}

impl Interruption {
    /// PostgreSQL's error for it: 57014 with the message naming the reason; 57P01 (sent
    /// as FATAL) for a terminated session; 08006 for a client gone (nobody reads it).
    pub fn error(self) -> AdapterError {
        let (code, message) = match self {
            Interruption::Cancelled => (
                SqlState::QueryCanceled,
                "canceling statement due to user request",
            ),
            Interruption::TimedOut => (
                SqlState::QueryCanceled,
                "canceling statement due to statement timeout",
            ),
            Interruption::Terminated => (
                SqlState::AdminShutdown,
                "terminating connection due to administrator command",
            ),
            Interruption::ClientGone => (SqlState::ConnectionFailure, "connection to client lost"),
        };
        AdapterError::new(code, message)
    }

    pub fn pg_error(self) -> pgwire::error::PgWireError {
        from_adapter(&self.error())
    }
}

/// What may end one statement: its connection's cancel signal and its deadline.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    running: Option<Arc<Running>>,
    deadline: Option<Instant>,
}

impl Interrupt {
    /// A statement starting now on the connection of `slot` (none in unit tests), ending
    /// at the latest after `timeout`.
    pub fn start(slot: Option<&Arc<CancelSlot>>, timeout: Option<Duration>) -> Self {
        Self {
            running: slot.map(|s| Arc::new(s.begin())),
            deadline: timeout.map(|t| Instant::now() + t),
        }
    }

    /// Resolves when the statement must end.
    pub async fn fired(&self) -> Interruption {
        let cancelled = async {
            if let Some(running) = &self.running {
                let mut signal = running.signal.clone();
                let fired = match signal.wait_for(Option::is_some).await {
                    Ok(reason) => *reason,
                    Err(_) => None,
                };
                if let Some(reason) = fired {
                    return reason;
                }
            }
            // No slot, or the slot is gone: nothing can cancel any more.
            std::future::pending::<Interruption>().await
        };
        let timed_out = async {
            match self.deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            reason = cancelled => reason,
            () = timed_out => Interruption::TimedOut,
        }
    }

    /// A check, for work that blocks a thread, that answers the statement's 57014 error
    /// once it must end. It does not keep the statement running: after the statement, only
    /// its deadline can still answer.
    pub fn stop_check(&self) -> impl Fn() -> Option<AdapterError> + Send + Sync + 'static {
        let running = self.running.as_ref().map(Arc::downgrade);
        let deadline = self.deadline;
        move || {
            let fired = running
                .as_ref()
                .and_then(std::sync::Weak::upgrade)
                .and_then(|r| *r.signal.borrow());
            if let Some(reason) = fired {
                return Some(reason.error());
            }
            deadline
                .filter(|d| Instant::now() >= *d)
                .map(|_| Interruption::TimedOut.error())
        }
    }

    /// Runs `work` unless the statement must end first (the work is then dropped).
    pub async fn guard<F: Future>(&self, work: F) -> Result<F::Output, Interruption> {
        tokio::select! {
            biased;
            output = work => Ok(output),
            reason = self.fired() => Err(reason),
        }
    }

    /// `stream`, ended with 57014 when the statement must end; the inner stream is dropped
    /// then, which cancels its remote parts. The statement counts as running until the
    /// stream ends or is dropped.
    pub fn limit_stream(self, stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
        let schema = stream.schema();
        let limited = futures::stream::unfold(Some((stream, self)), |state| async move {
            let (mut inner, interrupt) = state?;
            match interrupt.guard(inner.next()).await {
                Ok(Some(item)) => Some((item, Some((inner, interrupt)))),
                Ok(None) => None,
                Err(reason) => {
                    drop(inner);
                    Some((Err(reason.error().into_datafusion()), None))
                }
            }
        });
        Box::pin(RecordBatchStreamAdapter::new(schema, limited))
    }
}

/// `statement_timeout` as PostgreSQL reads it: milliseconds, or a number with a unit (`us`,
/// `ms`, `s`, `min`, `h`, `d`); `None` for 0 (no limit) or an unreadable value.
pub fn parse_timeout(value: &str) -> Option<Duration> {
    let text = value.trim().trim_matches('\'').trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let millis = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" => number,
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "min" => number * 60_000.0,
        "h" => number * 3_600_000.0,
        "d" => number * 86_400_000.0,
        _ => return None,
    };
    (millis > 0.0).then(|| Duration::from_secs_f64(millis / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_timeout_values() {
        assert_eq!(parse_timeout("0"), None);
        assert_eq!(parse_timeout("1500"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_timeout("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_timeout("'1min'"), Some(Duration::from_secs(60)));
        assert_eq!(parse_timeout("250 ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_timeout("soon"), None);
    }

    fn test_info(user: &str) -> ConnectionInfo {
        ConnectionInfo {
            user: user.to_string(),
            database: "fedgate".to_string(),
            client: Some(("127.0.0.1".to_string(), 50_000)),
            started: SystemTime::now(),
        }
    }

    #[test]
    fn sessions_show_what_runs() {
        let registry = Arc::new(CancelRegistry::default());
        let (pid, _, slot, registration) =
            registry.register(ProtocolVersion::PROTOCOL3_0, test_info("alice"));
        slot.starting("SELECT 1", Some("psql".to_string()));
        let running = Interrupt::start(Some(&slot), None);
        let sessions = registry.sessions();
        assert_eq!(sessions.len(), 1);
        let session = &sessions[0];
        assert_eq!((session.pid, session.user.as_str()), (pid, "alice"));
        assert_eq!((session.active, session.query.as_str()), (true, "SELECT 1"));
        assert_eq!(session.application_name, "psql");
        assert!(ActivitySource::cancel(&*registry, pid));
        drop(running);
        assert!(!registry.sessions()[0].active);
        assert!(!ActivitySource::cancel(&*registry, pid), "nothing runs");
        drop(registration);
        assert!(registry.sessions().is_empty());
    }

    #[test]
    fn pids_are_unique_and_keys_must_match() {
        let registry = Arc::new(CancelRegistry::default());
        let (pid_a, key_a, slot_a, reg_a) =
            registry.register(ProtocolVersion::PROTOCOL3_0, test_info("alice"));
        let (pid_b, key_b, _slot_b, _reg_b) =
            registry.register(ProtocolVersion::PROTOCOL3_2, test_info("bob"));
        assert_ne!(pid_a, pid_b);
        assert!(matches!(key_a, SecretKey::I32(_)));
        assert!(matches!(&key_b, SecretKey::Bytes(b) if b.len() == 32));
        let running = Interrupt::start(Some(&slot_a), None);
        let wrong = match key_a {
            SecretKey::I32(k) => SecretKey::I32(k ^ 1),
            SecretKey::Bytes(_) => unreachable!(),
        };
        assert!(!registry.cancel(pid_a, &wrong));
        assert!(!registry.cancel(pid_b, &key_a));
        assert!(!running
            .running
            .as_ref()
            .unwrap()
            .signal
            .has_changed()
            .unwrap());
        // The same 4 bytes sent as protocol 3.2 bytes match too.
        let as_bytes = SecretKey::Bytes(key_a.to_bytes());
        assert!(registry.cancel(pid_a, &as_bytes));
        assert_eq!(
            *running.running.as_ref().unwrap().signal.borrow(),
            Some(Interruption::Cancelled)
        );
        drop(reg_a);
        assert!(!registry.cancel(pid_a, &key_a));
    }

    #[tokio::test]
    async fn a_cancel_while_idle_reaches_no_later_statement() {
        let slot = Arc::new(CancelSlot::default());
        assert!(!slot.cancel());
        let interrupt = Interrupt::start(Some(&slot), None);
        assert_eq!(interrupt.guard(async { 7 }).await, Ok(7));
        assert!(slot.cancel());
        let pending = std::future::pending::<()>();
        assert_eq!(interrupt.guard(pending).await, Err(Interruption::Cancelled));
        drop(interrupt);
        let next = Interrupt::start(Some(&slot), None);
        assert_eq!(next.guard(async { 8 }).await, Ok(8));
    }

    #[tokio::test]
    async fn a_terminated_session_ends_running_and_later_statements() {
        let slot = Arc::new(CancelSlot::default());
        let running = Interrupt::start(Some(&slot), None);
        assert!(!slot.terminate_if_idle(), "a statement runs");
        assert!(slot.terminate());
        let pending = std::future::pending::<()>();
        assert_eq!(running.guard(pending).await, Err(Interruption::Terminated));
        drop(running);
        let later = Interrupt::start(Some(&slot), None);
        assert_eq!(
            later.guard(std::future::pending::<()>()).await,
            Err(Interruption::Terminated)
        );
        assert_eq!(Interruption::Terminated.error().sqlstate.code(), "57P01");
    }

    #[test]
    fn an_idle_session_is_terminated_at_once() {
        let slot = Arc::new(CancelSlot::default());
        assert!(slot.terminate_if_idle());
        assert!(!slot.terminate(), "nothing ran");
        let interrupt = Interrupt::start(Some(&slot), None);
        let check = interrupt.stop_check();
        assert_eq!(
            check().map(|e| e.sqlstate.code().to_string()),
            Some("57P01".to_string())
        );
    }

    #[tokio::test]
    async fn a_terminated_connection_ends_what_runs_and_what_comes() {
        let slot = Arc::new(CancelSlot::default());
        let running = Interrupt::start(Some(&slot), None);
        let watcher = tokio::spawn({
            let slot = slot.clone();
            async move { slot.ended().await }
        });
        slot.terminate();
        let pending = std::future::pending::<()>();
        assert_eq!(running.guard(pending).await, Err(Interruption::Terminated));
        assert_eq!(watcher.await.unwrap(), Interruption::Terminated);
        drop(running);
        let next = Interrupt::start(Some(&slot), None);
        assert_eq!(
            next.guard(std::future::pending::<()>()).await,
            Err(Interruption::Terminated)
        );
        slot.client_gone();
        assert_eq!(
            slot.ended().await,
            Interruption::Terminated,
            "the first reason stays"
        );
        let error = Interruption::Terminated.error();
        assert_eq!(error.sqlstate, SqlState::AdminShutdown);
    }

    #[tokio::test]
    async fn the_deadline_ends_a_statement() {
        let interrupt = Interrupt::start(None, Some(Duration::from_millis(20)));
        let pending = std::future::pending::<()>();
        assert_eq!(interrupt.guard(pending).await, Err(Interruption::TimedOut));
    }
}
