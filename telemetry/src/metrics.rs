//! The process's metrics, in one [`Metrics`] registry ([`metrics()`]), exposed in the
//! OpenMetrics text format (which Prometheus scrapes) by [`Metrics::encode`].
//!
//! Counted here as things happen: sessions, statements by outcome and SQLSTATE class with
//! their duration, cancel requests, authentication failures, and each finished remote part
//! (rows, bytes and duration per server). Read at each scrape from registered sources:
//! memory reserved by running statements and bytes in spill files ([`ResourceSource`]),
//! and the connection pools of the servers ([`PoolStatsSource`]).

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

/// A metric's labels: name and value pairs.
type Labels = Vec<(&'static str, String)>;

type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

/// Duration buckets in seconds: 1 ms doubling up to about 65 s.
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// How a statement ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementOutcome {
    /// Completed (CommandComplete sent).
    Ok,
    /// Ended with an error of this SQLSTATE.
    Error(String),
}

/// The class of a SQLSTATE: its first two characters (`42` for `42P01`).
pub fn sqlstate_class(code: &str) -> &str {
    code.get(..2).unwrap_or(code)
}

/// What running statements hold now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceUse {
    /// Bytes reserved in the shared memory pool.
    pub memory_reserved: u64,
    /// Bytes in spill files.
    pub spill_bytes: u64,
}

/// Reads what running statements hold (the binary registers one over DataFusion's runtime).
pub trait ResourceSource: Send + Sync {
    fn resource_use(&self) -> ResourceUse;
}

/// One server's connection pool now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStats {
    pub server: String,
    /// Connections open (idle and in use).
    pub size: u64,
    /// Connections open and idle.
    pub idle: u64,
    /// Statements waiting for a connection.
    pub waiting: u64,
}

/// Reads the connection pools of the servers it knows (e.g. an adapter's pools).
pub trait PoolStatsSource: Send + Sync {
    fn pools(&self) -> Vec<PoolStats>;
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    sessions_open: Gauge,
    sessions: Counter,
    statements: Family<Labels, Counter>,
    statement_duration: HistogramFamily,
    cancel_requests: Family<Labels, Counter>,
    authentication_failures: Counter,
    remote_rows: Family<Labels, Counter>,
    remote_bytes: Family<Labels, Counter>,
    remote_duration: HistogramFamily,
    memory_reserved: Gauge,
    spill_bytes: Gauge,
    pool_connections: Family<Labels, Gauge>,
    resources: Mutex<Vec<Arc<dyn ResourceSource>>>,
    pools: Mutex<Vec<Arc<dyn PoolStatsSource>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero (one per process: see [`metrics()`]).
    pub fn new() -> Self {
        let mut metrics = Self {
            registry: Registry::with_prefix("fedgate"),
            sessions_open: Gauge::default(),
            sessions: Counter::default(),
            statements: Family::default(),
            statement_duration: Family::new_with_constructor(duration_histogram),
            cancel_requests: Family::default(),
            authentication_failures: Counter::default(),
            remote_rows: Family::default(),
            remote_bytes: Family::default(),
            remote_duration: Family::new_with_constructor(duration_histogram),
            memory_reserved: Gauge::default(),
            spill_bytes: Gauge::default(),
            pool_connections: Family::default(),
            resources: Mutex::default(),
            pools: Mutex::default(),
        };
        metrics.register();
        // Shown at zero before the first one.
        for matched in ["true", "false"] {
            let labels = vec![("matched", matched.to_string())];
            metrics.cancel_requests.get_or_create(&labels).inc_by(0);
        }
        metrics
    }

    fn register(&mut self) {
        let r = &mut self.registry;
        r.register(
            "sessions_open",
            "Client sessions open now",
            self.sessions_open.clone(),
        );
        r.register(
            "sessions",
            "Client sessions started (authenticated)",
            self.sessions.clone(),
        );
        r.register(
            "statements",
            "Statements finished, by outcome (ok, error) and SQLSTATE class",
            self.statements.clone(),
        );
        r.register_with_unit(
            "statement_duration",
            "Time from a statement's start to its last row or error, by outcome",
            Unit::Seconds,
            self.statement_duration.clone(),
        );
        r.register(
            "cancel_requests",
            "CancelRequests received, by whether their pid and key named a session",
            self.cancel_requests.clone(),
        );
        r.register(
            "authentication_failures",
            "Failed password authentications",
            self.authentication_failures.clone(),
        );
        r.register(
            "remote_rows",
            "Rows received from remote parts, by server",
            self.remote_rows.clone(),
        );
        r.register_with_unit(
            "remote",
            "Bytes received from remote parts, by server",
            Unit::Bytes,
            self.remote_bytes.clone(),
        );
        r.register_with_unit(
            "remote_part_duration",
            "Time a remote part ran, by server",
            Unit::Seconds,
            self.remote_duration.clone(),
        );
        r.register_with_unit(
            "memory_reserved",
            "Memory reserved by running statements in the shared pool",
            Unit::Bytes,
            self.memory_reserved.clone(),
        );
        r.register_with_unit(
            "spill",
            "Space taken by spill files now",
            Unit::Bytes,
            self.spill_bytes.clone(),
        );
        r.register(
            "pool_connections",
            "Backend connection pools, by server and state (size, idle, waiting)",
            self.pool_connections.clone(),
        );
    }

    /// A session started; it counts as open until the guard is dropped.
    pub fn session_started(&'static self) -> SessionGuard {
        self.sessions.inc();
        self.sessions_open.inc();
        SessionGuard { metrics: self }
    }

    /// A statement ended after `duration`.
    pub fn statement_finished(&self, outcome: &StatementOutcome, duration: Duration) {
        let (name, class) = match outcome {
            StatementOutcome::Ok => ("ok", "00".to_string()),
            StatementOutcome::Error(code) => ("error", sqlstate_class(code).to_string()),
        };
        self.statements
            .get_or_create(&vec![
                ("outcome", name.to_string()),
                ("sqlstate_class", class),
            ])
            .inc();
        self.statement_duration
            .get_or_create(&vec![("outcome", name.to_string())])
            .observe(duration.as_secs_f64());
    }

    /// A CancelRequest arrived; `matched`: it named a session with its key.
    pub fn cancel_request(&self, matched: bool) {
        self.cancel_requests
            .get_or_create(&vec![("matched", matched.to_string())])
            .inc();
    }

    pub fn authentication_failed(&self) {
        self.authentication_failures.inc();
    }

    /// A remote part on `server` ended, having received `rows` rows and `bytes` bytes.
    pub fn remote_part_finished(&self, server: &str, rows: u64, bytes: u64, duration: Duration) {
        let labels = vec![("server", server.to_string())];
        self.remote_rows.get_or_create(&labels).inc_by(rows);
        self.remote_bytes.get_or_create(&labels).inc_by(bytes);
        self.remote_duration
            .get_or_create(&labels)
            .observe(duration.as_secs_f64());
    }

    /// Reads memory and spill use from `source` at each scrape (the last one registered).
    pub fn set_resource_source(&self, source: Arc<dyn ResourceSource>) {
        *lock(&self.resources) = vec![source];
    }

    /// Reads connection pools from `source` at each scrape, with the other pool sources.
    pub fn add_pool_source(&self, source: Arc<dyn PoolStatsSource>) {
        lock(&self.pools).push(source);
    }

    /// Every metric in the OpenMetrics text format, sources read now.
    pub fn encode(&self) -> String {
        self.refresh();
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }

    fn refresh(&self) {
        let resources = lock(&self.resources).clone();
        if let Some(source) = resources.first() {
            let used = source.resource_use();
            self.memory_reserved
                .set(saturating_i64(used.memory_reserved));
            self.spill_bytes.set(saturating_i64(used.spill_bytes));
        }
        let sources = lock(&self.pools).clone();
        self.pool_connections.clear();
        for pool in sources.iter().flat_map(|s| s.pools()) {
            for (state, value) in [
                ("size", pool.size),
                ("idle", pool.idle),
                ("waiting", pool.waiting),
            ] {
                let labels = vec![
                    ("server", pool.server.clone()),
                    ("state", state.to_string()),
                ];
                self.pool_connections
                    .get_or_create(&labels)
                    .set(saturating_i64(value));
            }
        }
    }
}

/// An open session: counted in `fedgate_sessions_open` until dropped.
#[derive(Debug)]
pub struct SessionGuard {
    metrics: &'static Metrics,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.metrics.sessions_open.dec();
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of `metric` with exactly `labels` (as written), and its value.
    fn value(text: &str, metric_and_labels: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(metric_and_labels)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse().ok())
    }

    #[test]
    fn statements_by_outcome_and_class() {
        let metrics = Metrics::new();
        metrics.statement_finished(&StatementOutcome::Ok, Duration::from_millis(3));
        metrics.statement_finished(
            &StatementOutcome::Error("42P01".into()),
            Duration::from_millis(1),
        );
        metrics.statement_finished(
            &StatementOutcome::Error("42703".into()),
            Duration::from_millis(1),
        );
        let text = metrics.encode();
        let ok = r#"fedgate_statements_total{outcome="ok",sqlstate_class="00"}"#;
        let undefined = r#"fedgate_statements_total{outcome="error",sqlstate_class="42"}"#;
        assert_eq!(value(&text, ok), Some(1.0), "{text}");
        assert_eq!(value(&text, undefined), Some(2.0), "{text}");
        let count = r#"fedgate_statement_duration_seconds_count{outcome="error"}"#;
        assert_eq!(value(&text, count), Some(2.0), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn remote_parts_by_server() {
        let metrics = Metrics::new();
        metrics.remote_part_finished("sales", 10, 400, Duration::from_millis(5));
        metrics.remote_part_finished("sales", 5, 100, Duration::from_millis(5));
        let text = metrics.encode();
        let rows = r#"fedgate_remote_rows_total{server="sales"}"#;
        let bytes = r#"fedgate_remote_bytes_total{server="sales"}"#;
        assert_eq!(value(&text, rows), Some(15.0), "{text}");
        assert_eq!(value(&text, bytes), Some(500.0), "{text}");
        let count = r#"fedgate_remote_part_duration_seconds_count{server="sales"}"#;
        assert_eq!(value(&text, count), Some(2.0), "{text}");
    }

    struct Fixed;

    impl ResourceSource for Fixed {
        fn resource_use(&self) -> ResourceUse {
            ResourceUse {
                memory_reserved: 4096,
                spill_bytes: 512,
            }
        }
    }

    impl PoolStatsSource for Fixed {
        fn pools(&self) -> Vec<PoolStats> {
            vec![PoolStats {
                server: "sales".into(),
                size: 4,
                idle: 3,
                waiting: 0,
            }]
        }
    }

    #[test]
    fn sources_are_read_at_each_scrape() {
        let metrics = Metrics::new();
        metrics.set_resource_source(Arc::new(Fixed));
        metrics.add_pool_source(Arc::new(Fixed));
        let text = metrics.encode();
        assert_eq!(value(&text, "fedgate_memory_reserved_bytes"), Some(4096.0));
        assert_eq!(value(&text, "fedgate_spill_bytes"), Some(512.0));
        let idle = r#"fedgate_pool_connections{server="sales",state="idle"}"#;
        assert_eq!(value(&text, idle), Some(3.0), "{text}");
    }

    #[test]
    fn sessions_open_until_dropped() {
        let metrics: &'static Metrics = Box::leak(Box::new(Metrics::new()));
        let guard = metrics.session_started();
        assert_eq!(value(&metrics.encode(), "fedgate_sessions_open"), Some(1.0));
        drop(guard);
        let text = metrics.encode();
        assert_eq!(value(&text, "fedgate_sessions_open"), Some(0.0));
        assert_eq!(value(&text, "fedgate_sessions_total"), Some(1.0));
    }

    #[test]
    fn classes() {
        assert_eq!(sqlstate_class("57P01"), "57");
        assert_eq!(sqlstate_class("X"), "X");
    }
}
