//! What ran: `fedgate_query_log`, the last statements in memory, optionally appended to a
//! JSON-lines file, and the slow-statement line of `--log-min-duration-statement`.
//!
//! A statement (one simple-protocol Query message, or one Execute) is a
//! [`StatementRecord`] from its start until the last holder lets it go: the handler while it
//! runs, the stream of its rows until the client has them all, each remote part until it
//! ends. Then its duration is known and it joins the log. The text is recorded as
//! `pg_stat_activity` shows it (a statement with a password is a placeholder); with
//! `--log-parameters off` its literals become `$n` (numbered after the statement's own
//! parameters, as `pg_stat_statements` does).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
use fedgate_pgcompat::catalog::activity::QueryLogEntry;

/// The log's settings (`--query-log-size`, `--log-parameters`, `--query-log-file`,
/// `--query-log-file-size`, `--log-min-duration-statement`).
#[derive(Debug, Clone)]
pub struct QueryLogConfig {
    /// Statements kept in memory (0: none).
    pub size: usize,
    /// Whether literals are kept in the recorded text.
    pub log_parameters: bool,
    /// A JSON-lines file each finished statement is appended to.
    pub file: Option<PathBuf>,
    /// The file's size at which it is moved to `<file>.1` (the one backup) and started anew.
    pub file_size: u64,
    /// Statements that take at least this long are logged (tracing, target `fedgate::slow`).
    pub min_duration: Option<Duration>,
}

/// The default number of statements kept.
pub const DEFAULT_QUERY_LOG_SIZE: usize = 1000;
/// The default size at which the file rotates: 10 MiB.
pub const DEFAULT_QUERY_LOG_FILE_SIZE: u64 = 10 * 1024 * 1024;

impl Default for QueryLogConfig {
    fn default() -> Self {
        Self {
            size: DEFAULT_QUERY_LOG_SIZE,
            log_parameters: true,
            file: None,
            file_size: DEFAULT_QUERY_LOG_FILE_SIZE,
            min_duration: None,
        }
    }
}

/// The statements of every session.
#[derive(Debug)]
pub struct QueryLog {
    config: QueryLogConfig,
    next_id: AtomicI64,
    entries: Mutex<VecDeque<QueryLogEntry>>,
    file: Mutex<Option<JsonLines>>,
}

/// One remote part of a statement, once ended.
#[derive(Debug, Clone, PartialEq)]
pub struct PartSummary {
    pub server: String,
    pub sql: String,
    pub rows: u64,
    pub bytes: u64,
    pub ms: f64,
    /// The backend's error, when it failed.
    pub sqlstate: Option<String>,
}

impl PartSummary {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "server": self.server,
            "sql": self.sql,
            "rows": self.rows,
            "bytes": self.bytes,
            "ms": self.ms,
            "sqlstate": self.sqlstate,
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl QueryLog {
    pub fn new(config: QueryLogConfig) -> Self {
        let file = config.file.clone().map(|path| JsonLines {
            path,
            max_size: config.file_size,
            file: None,
        });
        Self {
            config,
            next_id: AtomicI64::new(1),
            entries: Mutex::new(VecDeque::new()),
            file: Mutex::new(file),
        }
    }

    /// A statement of session `pid` starting now.
    pub fn start(
        self: &Arc<Self>,
        pid: i32,
        user: &str,
        database: &str,
        query: &str,
    ) -> Arc<StatementRecord> {
        let query = shown_statement(query);
        let query = if self.config.log_parameters {
            query.to_string()
        } else {
            mask_literals(query)
        };
        Arc::new(StatementRecord {
            log: self.clone(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            pid,
            user: user.to_string(),
            database: database.to_string(),
            query,
            started: SystemTime::now(),
            start: Instant::now(),
            rows: AtomicU64::new(0),
            sqlstate: Mutex::new(None),
            parts: Mutex::new(Vec::new()),
        })
    }

    /// The statements kept, oldest first.
    pub fn entries(&self) -> Vec<QueryLogEntry> {
        lock(&self.entries).iter().cloned().collect()
    }

    /// Whether the text recorded keeps literals.
    pub fn masks_literals(&self) -> bool {
        !self.config.log_parameters
    }

    fn finish(&self, record: &StatementRecord) {
        let duration = record.start.elapsed();
        let parts = std::mem::take(&mut *lock(&record.parts));
        let remote = serde_json::Value::Array(parts.iter().map(PartSummary::json).collect());
        let entry = QueryLogEntry {
            id: record.id,
            pid: record.pid,
            user: record.user.clone(),
            database: record.database.clone(),
            query: record.query.clone(),
            started: record.started,
            duration_ms: duration.as_secs_f64() * 1000.0,
            rows: record.rows.load(Ordering::Relaxed),
            sqlstate: lock(&record.sqlstate).clone(),
            remote: remote.to_string(),
        };
        if self.config.min_duration.is_some_and(|min| duration >= min) {
            tracing::info!(
                target: "fedgate::slow",
                pid = entry.pid,
                "duration: {:.3} ms  statement: {}",
                entry.duration_ms,
                entry.query
            );
        }
        if let Some(file) = lock(&self.file).as_mut() {
            if let Err(e) = file.append(&entry_json(&entry, remote)) {
                tracing::warn!("could not write the query log file: {e}");
            }
        }
        if self.config.size == 0 {
            return;
        }
        let mut entries = lock(&self.entries);
        while entries.len() >= self.config.size {
            entries.pop_front();
        }
        entries.push_back(entry);
    }
}

fn entry_json(entry: &QueryLogEntry, remote: serde_json::Value) -> serde_json::Value {
    let started = epoch_seconds(entry.started);
    serde_json::json!({
        "statement_id": entry.id,
        "pid": entry.pid,
        "usename": entry.user,
        "datname": entry.database,
        "query": entry.query,
        "started": started,
        "duration_ms": entry.duration_ms,
        "rows": entry.rows,
        "sqlstate": entry.sqlstate,
        "remote": remote,
    })
}

/// A time as seconds since the Unix epoch, with microseconds (JSON's number).
fn epoch_seconds(time: SystemTime) -> f64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_micros() as f64 / 1e6)
        .unwrap_or(0.0)
}

/// One statement while it runs; it joins the log when the last holder drops it.
#[derive(Debug)]
pub struct StatementRecord {
    log: Arc<QueryLog>,
    id: i64,
    pid: i32,
    user: String,
    database: String,
    query: String,
    started: SystemTime,
    start: Instant,
    rows: AtomicU64,
    sqlstate: Mutex<Option<String>>,
    parts: Mutex<Vec<PartSummary>>,
}

impl StatementRecord {
    /// `n` more rows went to the client.
    pub fn add_rows(&self, n: usize) {
        self.rows.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The statement failed with `code` (the first failure is kept).
    pub fn failed(&self, code: &str) {
        lock(&self.sqlstate).get_or_insert_with(|| code.to_string());
    }

    /// One of its remote parts ended.
    pub fn part_finished(&self, part: PartSummary) {
        lock(&self.parts).push(part);
    }
}

impl Drop for StatementRecord {
    fn drop(&mut self) {
        self.log.finish(self);
    }
}

/// The text recorded for `query`: a statement that may carry a password (`CREATE USER ...
/// PASSWORD`, a server's options) is not shown.
pub fn shown_statement(query: &str) -> &str {
    if query.to_ascii_lowercase().contains("password") {
        "<a statement with a password>"
    } else {
        query
    }
}

/// `query` with each literal (number, string, bytes) replaced by `$n`, numbered after the
/// highest `$n` it already has; a text that cannot be read as SQL tokens is not shown.
pub fn mask_literals(query: &str) -> String {
    let dialect = PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, query).tokenize() else {
        return "<a statement that could not be read>".to_string();
    };
    let mut next = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Placeholder(p) => p.strip_prefix('$').and_then(|n| n.parse::<u32>().ok()),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut masked = String::with_capacity(query.len());
    for token in tokens {
        if is_literal(&token) {
            next += 1;
            masked.push_str(&format!("${next}"));
        } else {
            masked.push_str(&token.to_string());
        }
    }
    masked
}

fn is_literal(token: &Token) -> bool {
    matches!(
        token,
        Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::TripleSingleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
    )
}

/// The JSON-lines file: one object a line, moved to `<path>.1` when it reaches its size.
#[derive(Debug)]
struct JsonLines {
    path: PathBuf,
    max_size: u64,
    file: Option<File>,
}

impl JsonLines {
    fn append(&mut self, value: &serde_json::Value) -> std::io::Result<()> {
        let mut line = value.to_string();
        line.push('\n');
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        if size > 0 && size + line.len() as u64 > self.max_size {
            self.file = None;
            std::fs::rename(&self.path, backup_path(&self.path))?;
        }
        if self.file.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            self.file = Some(file);
        }
        match self.file.as_mut() {
            Some(file) => file.write_all(line.as_bytes()),
            None => Ok(()),
        }
    }
}

/// `<path>.1`.
fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_masked_after_the_statements_own_parameters() {
        assert_eq!(
            mask_literals("SELECT * FROM t WHERE a = 'x''y' AND b > 42 AND c = $1"),
            "SELECT * FROM t WHERE a = $2 AND b > $3 AND c = $1"
        );
        assert_eq!(
            mask_literals("select \"Name\", 1.5e3 from s.t -- note\nlimit 10"),
            "select \"Name\", $1 from s.t -- note\nlimit $2"
        );
        assert_eq!(mask_literals("SELECT E'a\\nb', X'ff'"), "SELECT $1, $2");
    }

    #[test]
    fn passwords_never_show() {
        let log = Arc::new(QueryLog::new(QueryLogConfig::default()));
        drop(log.start(1, "alice", "fedgate", "CREATE USER bob PASSWORD 'secret'"));
        let entries = log.entries();
        assert_eq!(entries[0].query, "<a statement with a password>");
    }

    #[test]
    fn the_log_keeps_the_last_statements_with_rows_errors_and_parts() {
        let config = QueryLogConfig {
            size: 2,
            log_parameters: false,
            ..QueryLogConfig::default()
        };
        let log = Arc::new(QueryLog::new(config));
        for n in 1..=3 {
            let record = log.start(7, "alice", "sales", &format!("SELECT {n}"));
            record.add_rows(n);
            record.part_finished(PartSummary {
                server: "pg".to_string(),
                sql: "SELECT 1".to_string(),
                rows: 1,
                bytes: 8,
                ms: 1.0,
                sqlstate: None,
            });
            if n == 3 {
                record.failed("57014");
                record.failed("XX000");
            }
        }
        let entries = log.entries();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].rows, entries[1].rows, entries[1].id), (2, 3, 3));
        assert_eq!(entries[0].sqlstate, None);
        assert_eq!(entries[1].sqlstate.as_deref(), Some("57014"));
        assert_eq!(entries[1].query, "SELECT $1");
        let parts: serde_json::Value = serde_json::from_str(&entries[1].remote).unwrap();
        assert_eq!(parts[0]["server"], "pg");
        assert_eq!(parts[0]["rows"], 1);
    }

    #[test]
    fn the_file_rotates_to_one_backup() {
        let dir = std::env::temp_dir().join(format!("fedgate-qlog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("queries.jsonl");
        let config = QueryLogConfig {
            file: Some(path.clone()),
            file_size: 400,
            ..QueryLogConfig::default()
        };
        let log = Arc::new(QueryLog::new(config));
        for n in 0..10 {
            drop(log.start(1, "alice", "fedgate", &format!("SELECT {n}")));
        }
        let current = std::fs::read_to_string(&path).unwrap();
        let backup = std::fs::read_to_string(backup_path(&path)).unwrap();
        assert!(current.len() <= 400 && backup.len() <= 400);
        let last: serde_json::Value =
            serde_json::from_str(current.lines().last().unwrap()).unwrap();
        assert_eq!(last["query"], "SELECT 9");
        assert!(backup.lines().count() >= 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
