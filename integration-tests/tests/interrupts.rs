//! Ending running statements: a client's CancelRequest and `statement_timeout`, on every
//! path that returns rows (a query in the simple and extended protocols, FETCH from a
//! cursor, COPY TO STDOUT), against a real gateway process and real backends.
//!
//! Each test checks what the client gets (SQLSTATE 57014 and PostgreSQL's message) and that
//! the backend stops running its part: PostgreSQL's `pg_stat_activity` and MariaDB's
//! `information_schema.PROCESSLIST` are polled until the query is gone (no timing
//! assertions beyond generous upper bounds).

use std::sync::Arc;
use std::time::{Duration, Instant};

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::{backend, create_postgres_server_sql, mysql_fixture};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_postgres::{Client, NoTls};

/// How long a backend probe waits for the state it expects.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// The PostgreSQL views and table the tests read: `slow` outlives every test, `short` ends
/// by itself after two seconds, `trickle` sends 10000 rows at once and then stalls.
const PG_SETUP: &str = "CREATE VIEW slow AS SELECT pg_sleep(60)::text AS s, 1 AS x; \
     CREATE VIEW short AS SELECT pg_sleep(2)::text AS s, 2 AS x; \
     CREATE VIEW trickle AS SELECT g AS n FROM generate_series(1, 20000) g \
       WHERE g <= 10000 OR pg_sleep(60) IS NOT NULL; \
     CREATE TABLE numbers AS SELECT g AS n FROM generate_series(1, 10) g;";

fn start() -> (tempfile::TempDir, Gateway) {
    let data = tempfile::Builder::new()
        .prefix("fedgate-data-")
        .tempdir()
        .expect("temp dir");
    let gateway = Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}"));
    (data, gateway)
}

async fn connect(gateway: &Gateway) -> Client {
    gateway.connect().await.unwrap_or_else(|e| {
        panic!(
            "cannot connect to the gateway: {}\n{}",
            backend::describe(&e),
            gateway.logs()
        )
    })
}

/// Creates PostgreSQL database `name` anew with [`PG_SETUP`], under its advisory lock;
/// returns the session holding the lock (also used to read `pg_stat_activity`).
async fn fresh_pg_database(name: &str) -> Client {
    backend::fresh_database(name, PG_SETUP).await
}

/// Where a test looks for the statements a backend runs for fedgate.
enum Probe<'a> {
    /// Active sessions in this PostgreSQL database (read through the given session).
    Postgres(&'a Client, &'a str),
    /// Connections running a query with this MariaDB database as default.
    MariaDb(&'a str),
}

impl Probe<'_> {
    async fn running(&self) -> i64 {
        match self {
            Probe::Postgres(pg, database) => pg
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
                     AND state = 'active' AND pid <> pg_backend_pid()",
                    &[database],
                )
                .await
                .unwrap_or_else(|e| panic!("pg_stat_activity: {}", backend::describe(&e)))
                .get(0),
            Probe::MariaDb(database) => {
                let sql = format!(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
                     WHERE DB = '{database}' AND COMMAND = 'Query'"
                );
                let out = mysql_fixture::run(None, &sql)
                    .await
                    .unwrap_or_else(|e| panic!("PROCESSLIST: {e}"));
                out.trim().parse().unwrap_or_else(|e| panic!("{out}: {e}"))
            }
        }
    }

    /// Polls until `want` statements run (or [`PROBE_TIMEOUT`]); the last count seen.
    async fn wait_for(&self, want: i64) -> i64 {
        let deadline = Instant::now() + PROBE_TIMEOUT;
        loop {
            let seen = self.running().await;
            if seen == want || Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Asserts `error` is PostgreSQL's 57014 for `reason` ("user request", "statement timeout").
fn assert_canceled(error: &tokio_postgres::Error, reason: &str, gateway: &Gateway) {
    let db = error
        .as_db_error()
        .unwrap_or_else(|| panic!("not a server error: {error}\n{}", gateway.logs()));
    assert_eq!(db.code().code(), "57014", "{}", backend::describe(error));
    assert_eq!(db.message(), format!("canceling statement due to {reason}"));
}

/// Cancels what `client` runs once `probe` sees it on the backend; returns the task's
/// outcome.
///
/// The backend can show the query before the client's statement is in flight in fedgate (a
/// cursor's query starts at DECLARE, the FETCH comes after), and a cancel that arrives while
/// the session is idle does nothing, as in PostgreSQL; so the cancel is repeated, like a
/// second Ctrl-C, until the statement ends (at most 30 s).
async fn cancel_when_running<T: Send + 'static>(
    client: &Client,
    probe: &Probe<'_>,
    mut task: tokio::task::JoinHandle<Result<T, tokio_postgres::Error>>,
    gateway: &Gateway,
) -> Result<T, tokio_postgres::Error> {
    assert_eq!(
        probe.wait_for(1).await,
        1,
        "the backend never ran the query\n{}",
        gateway.logs()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        client
            .cancel_token()
            .cancel_query(NoTls)
            .await
            .expect("send the cancel request");
        if let Ok(outcome) = tokio::time::timeout(Duration::from_secs(1), &mut task).await {
            return outcome.expect("the statement's task");
        }
        assert!(
            Instant::now() < deadline,
            "the cancelled statement did not end\n{}",
            gateway.logs()
        );
    }
}

const CANCEL_PG_DB: &str = "fedgate_cancel_pg";

/// psql's Ctrl-C: a query (extended protocol) and a FETCH stop, the client gets 57014,
/// PostgreSQL stops running them, and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_request_stops_a_postgres_query_and_its_backend_part() {
    let lock = fresh_pg_database(CANCEL_PG_DB).await;
    let (_data, mut gateway) = start();
    let client = Arc::new(connect(&gateway).await);
    let create = create_postgres_server_sql("p", CANCEL_PG_DB);
    gateway.rows(&client, &create).await;
    let probe = Probe::Postgres(&lock, CANCEL_PG_DB);

    let query = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .query("SELECT s, x FROM p.public.slow", &[])
                .await
                .map(|r| r.len())
        })
    };
    let started = Instant::now();
    let error = cancel_when_running(&client, &probe, query, &gateway)
        .await
        .expect_err("the query was cancelled");
    assert_canceled(&error, "user request", &gateway);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(
        probe.wait_for(0).await,
        0,
        "PostgreSQL still runs the query"
    );

    // A FETCH from a cursor is cancelled the same way.
    gateway.rows(&client, "BEGIN").await;
    let declare = "DECLARE c CURSOR FOR SELECT s, x FROM p.public.slow";
    gateway.rows(&client, declare).await;
    let fetch = {
        let client = client.clone();
        tokio::spawn(async move { client.simple_query("FETCH 1 FROM c").await.map(|m| m.len()) })
    };
    let error = cancel_when_running(&client, &probe, fetch, &gateway)
        .await
        .expect_err("the FETCH was cancelled");
    assert_canceled(&error, "user request", &gateway);
    assert_eq!(
        probe.wait_for(0).await,
        0,
        "PostgreSQL still runs the FETCH"
    );
    gateway.rows(&client, "ROLLBACK").await;

    let row = client
        .query_one("SELECT n FROM p.public.numbers WHERE n = 7", &[])
        .await
        .expect("the session goes on after a cancel");
    assert_eq!(row.get::<_, i32>(0), 7);
    gateway.terminate().expect("fedgate stops");
}

const CANCEL_MY_DB: &str = "fedgate_cancel_my";

/// The same for MariaDB: a query (simple protocol) and a COPY TO STDOUT; fedgate sends
/// KILL QUERY and the backend's PROCESSLIST no longer shows them running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_request_stops_a_mariadb_query_and_its_backend_part() {
    mysql_fixture::recreate_database(CANCEL_MY_DB)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    mysql_fixture::run(
        Some(CANCEL_MY_DB),
        "CREATE VIEW slow AS SELECT SLEEP(60) AS s, 1 AS x;\n\
         CREATE TABLE numbers (n INT); INSERT INTO numbers VALUES (1), (2), (3);",
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (_data, mut gateway) = start();
    let client = Arc::new(connect(&gateway).await);
    let create = mysql_fixture::create_server_sql("m", CANCEL_MY_DB);
    gateway.rows(&client, &create).await;
    let probe = Probe::MariaDb(CANCEL_MY_DB);
    assert_eq!(probe.running().await, 0);

    for sql in [
        format!("SELECT s, x FROM m.{CANCEL_MY_DB}.slow"),
        format!("COPY (SELECT s, x FROM m.{CANCEL_MY_DB}.slow) TO STDOUT"),
    ] {
        let task = {
            let client = client.clone();
            tokio::spawn(async move { client.simple_query(&sql).await.map(|m| m.len()) })
        };
        let error = cancel_when_running(&client, &probe, task, &gateway)
            .await
            .expect_err("the statement was cancelled");
        assert_canceled(&error, "user request", &gateway);
        assert_eq!(probe.wait_for(0).await, 0, "MariaDB still runs the query");
    }
    let sum = gateway
        .rows(
            &client,
            &format!("SELECT sum(n) FROM m.{CANCEL_MY_DB}.numbers"),
        )
        .await;
    assert_eq!(sum, [["6"]]);
    gateway.terminate().expect("fedgate stops");
}

/// A session opened with the raw protocol (3.0), and the BackendKeyData it was given.
struct RawSession {
    stream: TcpStream,
    pid: i32,
    key: [u8; 4],
}

async fn read_message(stream: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut header = [0u8; 5];
    stream
        .read_exact(&mut header)
        .await
        .expect("message header");
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    let mut body = vec![0u8; length - 4];
    stream.read_exact(&mut body).await.expect("message body");
    (header[0], body)
}

async fn read_until_ready(stream: &mut TcpStream) -> Vec<(u8, Vec<u8>)> {
    let mut messages = Vec::new();
    loop {
        let message = read_message(stream).await;
        let ready = message.0 == b'Z';
        messages.push(message);
        if ready {
            return messages;
        }
    }
}

impl RawSession {
    async fn open(port: u16) -> RawSession {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let params = b"user\0raw\0database\0fedgate\0\0";
        let mut startup = ((params.len() + 8) as u32).to_be_bytes().to_vec();
        startup.extend(196_608u32.to_be_bytes());
        startup.extend(params);
        stream.write_all(&startup).await.unwrap();
        let messages = read_until_ready(&mut stream).await;
        let (_, body) = messages
            .iter()
            .find(|(kind, _)| *kind == b'K')
            .expect("BackendKeyData at start-up");
        assert_eq!(body.len(), 8, "protocol 3.0: a 4-byte pid and a 4-byte key");
        let pid = i32::from_be_bytes(body[..4].try_into().unwrap());
        let key = body[4..].try_into().unwrap();
        RawSession { stream, pid, key }
    }

    async fn send_query(&mut self, sql: &str) {
        let mut message = vec![b'Q'];
        message.extend(((sql.len() + 5) as u32).to_be_bytes());
        message.extend(sql.as_bytes());
        message.push(0);
        self.stream.write_all(&message).await.unwrap();
    }
}

/// Sends a CancelRequest on a new connection and waits until the gateway closes it (it
/// has handled the request then).
async fn send_cancel(port: u16, pid: i32, key: [u8; 4]) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut message = 16u32.to_be_bytes().to_vec();
    message.extend(80_877_102u32.to_be_bytes());
    message.extend(pid.to_be_bytes());
    message.extend(key);
    stream.write_all(&message).await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(
        rest.is_empty(),
        "the gateway answers a cancel request with nothing"
    );
}

/// The second column of each DataRow, and the SQLSTATE of each ErrorResponse.
fn outcome(messages: &[(u8, Vec<u8>)]) -> (Vec<String>, Vec<String>) {
    let mut values = Vec::new();
    let mut codes = Vec::new();
    for (kind, body) in messages {
        match kind {
            b'D' => {
                let first = i32::from_be_bytes(body[2..6].try_into().unwrap()).max(0) as usize;
                let at = 6 + first;
                let len = i32::from_be_bytes(body[at..at + 4].try_into().unwrap()) as usize;
                values.push(String::from_utf8_lossy(&body[at + 4..at + 4 + len]).into_owned());
            }
            b'E' => {
                let fields = body.split(|b| *b == 0);
                let code = fields
                    .filter_map(|f| f.strip_prefix(b"C"))
                    .next()
                    .map(|c| String::from_utf8_lossy(c).into_owned());
                codes.push(code.unwrap_or_default());
            }
            _ => {}
        }
    }
    (values, codes)
}

const CANCEL_RAW_DB: &str = "fedgate_cancel_raw";

/// BackendKeyData gives each connection its own pid; a CancelRequest acts only with the
/// connection's pid and key, and only on a running statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_needs_the_pid_and_key_and_a_running_statement() {
    let lock = fresh_pg_database(CANCEL_RAW_DB).await;
    let (_data, mut gateway) = start();
    let admin = connect(&gateway).await;
    let create = create_postgres_server_sql("p", CANCEL_RAW_DB);
    gateway.rows(&admin, &create).await;
    let probe = Probe::Postgres(&lock, CANCEL_RAW_DB);
    let port = gateway.port();
    let mut a = RawSession::open(port).await;
    let b = RawSession::open(port).await;
    assert!(a.pid > 0 && b.pid > 0);
    assert_ne!(a.pid, b.pid, "each connection has its own pid");

    // Nothing runs: the cancel does nothing, and the next statement is not hit by it.
    send_cancel(port, a.pid, a.key).await;
    a.send_query("SELECT s, x FROM p.public.short").await;
    let (values, codes) = outcome(&read_until_ready(&mut a.stream).await);
    assert_eq!((values, codes), (vec!["2".to_string()], vec![]));

    // A wrong key, and the right key with another connection's pid, do nothing.
    a.send_query("SELECT s, x FROM p.public.short").await;
    assert_eq!(
        probe.wait_for(1).await,
        1,
        "the backend never ran the query"
    );
    let mut wrong = a.key;
    wrong[3] ^= 1;
    send_cancel(port, a.pid, wrong).await;
    send_cancel(port, b.pid, a.key).await;
    let (values, codes) = outcome(&read_until_ready(&mut a.stream).await);
    assert_eq!((values, codes), (vec!["2".to_string()], vec![]));

    // The right pid and key cancel.
    a.send_query("SELECT s, x FROM p.public.slow").await;
    assert_eq!(
        probe.wait_for(1).await,
        1,
        "the backend never ran the query"
    );
    send_cancel(port, a.pid, a.key).await;
    let (values, codes) = outcome(&read_until_ready(&mut a.stream).await);
    assert_eq!((values, codes), (vec![], vec!["57014".to_string()]));
    assert_eq!(
        probe.wait_for(0).await,
        0,
        "PostgreSQL still runs the query"
    );
    drop(b);
    gateway.terminate().expect("fedgate stops");
}

const TIMEOUT_CURSOR_DB: &str = "fedgate_timeout_cursor";

/// statement_timeout applies to each FETCH: a FETCH that outlives it ends with 57014, the
/// cursor is closed and PostgreSQL stops; fast cursors still fetch in steps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_ends_a_slow_fetch() {
    let lock = fresh_pg_database(TIMEOUT_CURSOR_DB).await;
    let (_data, mut gateway) = start();
    let client = connect(&gateway).await;
    let create = create_postgres_server_sql("p", TIMEOUT_CURSOR_DB);
    gateway.rows(&client, &create).await;
    let probe = Probe::Postgres(&lock, TIMEOUT_CURSOR_DB);
    gateway.rows(&client, "SET statement_timeout = '1s'").await;

    gateway.rows(&client, "BEGIN").await;
    let declare = "DECLARE c CURSOR FOR SELECT s, x FROM p.public.slow";
    gateway.rows(&client, declare).await;
    let started = Instant::now();
    let error = client
        .simple_query("FETCH 1 FROM c")
        .await
        .expect_err("the FETCH outlives its timeout");
    assert_canceled(&error, "statement timeout", &gateway);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        probe.wait_for(0).await,
        0,
        "PostgreSQL still runs the FETCH"
    );
    let closed = client
        .simple_query("FETCH 1 FROM c")
        .await
        .expect_err("the cursor is closed");
    assert_eq!(closed.code().map(|c| c.code()), Some("34000"));
    gateway.rows(&client, "ROLLBACK").await;

    gateway.rows(&client, "BEGIN").await;
    let declare = "DECLARE n CURSOR FOR SELECT n FROM p.public.numbers ORDER BY n";
    gateway.rows(&client, declare).await;
    assert_eq!(
        gateway.rows(&client, "FETCH 3 FROM n").await,
        [["1"], ["2"], ["3"]]
    );
    assert_eq!(
        gateway.rows(&client, "FETCH 2 FROM n").await,
        [["4"], ["5"]]
    );
    gateway.rows(&client, "COMMIT").await;
    gateway.terminate().expect("fedgate stops");
}

const TIMEOUT_COPY_DB: &str = "fedgate_timeout_copy";

/// statement_timeout ends a COPY TO STDOUT that outlives it with 57014 and PostgreSQL
/// stops; a fast COPY under the same timeout returns its lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_ends_a_slow_copy() {
    let lock = fresh_pg_database(TIMEOUT_COPY_DB).await;
    let (_data, mut gateway) = start();
    let client = connect(&gateway).await;
    let create = create_postgres_server_sql("p", TIMEOUT_COPY_DB);
    gateway.rows(&client, &create).await;
    let probe = Probe::Postgres(&lock, TIMEOUT_COPY_DB);
    gateway.rows(&client, "SET statement_timeout = '1s'").await;

    let started = Instant::now();
    let error = client
        .simple_query("COPY (SELECT s, x FROM p.public.slow) TO STDOUT")
        .await
        .expect_err("the COPY outlives its timeout");
    assert_canceled(&error, "statement timeout", &gateway);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(probe.wait_for(0).await, 0, "PostgreSQL still runs the COPY");

    // Rows already sent, then the timeout: the COPY ends with the error alone (no CopyFail,
    // which clients do not expect from a server), in both protocols, and the session goes on.
    let copy = client
        .copy_out("COPY (SELECT n FROM p.public.trickle) TO STDOUT")
        .await
        .unwrap_or_else(|e| panic!("COPY: {}\n{}", backend::describe(&e), gateway.logs()));
    futures::pin_mut!(copy);
    let mut lines = 0;
    let error = loop {
        match futures::TryStreamExt::try_next(&mut copy).await {
            Ok(Some(chunk)) => lines += chunk.iter().filter(|b| **b == b'\n').count(),
            Ok(None) => panic!("the COPY ended without an error after {lines} lines"),
            Err(error) => break error,
        }
    };
    assert!(lines > 0, "some rows came before the timeout");
    assert_canceled(&error, "statement timeout", &gateway);
    assert_eq!(probe.wait_for(0).await, 0, "PostgreSQL still runs the COPY");
    let mut raw = RawSession::open(gateway.port()).await;
    raw.send_query("SET statement_timeout = '1s'").await;
    read_until_ready(&mut raw.stream).await;
    raw.send_query("COPY (SELECT n FROM p.public.trickle) TO STDOUT")
        .await;
    let messages = read_until_ready(&mut raw.stream).await;
    let kinds: Vec<u8> = messages.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(kinds.first(), Some(&b'H'), "CopyOutResponse first");
    assert!(kinds.contains(&b'd'), "CopyData before the error");
    assert!(!kinds.contains(&b'f'), "no CopyFail from the server");
    assert_eq!(
        &kinds[kinds.len() - 2..],
        b"EZ",
        "the error, then ReadyForQuery"
    );
    assert_eq!(outcome(&messages).1, ["57014"]);
    assert_eq!(probe.wait_for(0).await, 0, "PostgreSQL still runs the COPY");

    let copy = client
        .copy_out("COPY (SELECT n FROM p.public.numbers WHERE n <= 3 ORDER BY n) TO STDOUT")
        .await
        .unwrap_or_else(|e| panic!("COPY: {}\n{}", backend::describe(&e), gateway.logs()));
    let chunks: Vec<bytes::Bytes> = futures::TryStreamExt::try_collect(copy)
        .await
        .expect("COPY data");
    assert_eq!(chunks.concat(), b"1\n2\n3\n");
    gateway.terminate().expect("fedgate stops");
}
