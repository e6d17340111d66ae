//! Protection from hanging and failing backends, and the per-user connection limit, through
//! the real gateway:
//!
//! - a backend that freezes (its proxy stops forwarding without closing anything) ends the
//!   statement with class 08 or 57014 naming the server once `statement_timeout` and its
//!   grace have passed, while a query to another server answers (PostgreSQL and MariaDB);
//! - a server that accepts TCP but never answers the protocol fails CREATE SERVER with 08001
//!   after `connect_timeout`;
//! - after `breaker_failures` failed connects the circuit breaker fails statements at once
//!   with 08001 and the last error, and one trial after the back-off closes it again;
//! - a pool of one connection that stays busy longer than `pool_timeout` gives 53300
//!   naming the server;
//! - `CREATE USER ... CONNECTION LIMIT n`: one session more is refused with FATAL 53300.
//!
//! Backends are reached through a TCP proxy this test owns; no server process is stopped.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fedgate_integration_tests::backend;
use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::mysql_fixture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

const DATABASE: &str = "fedgate_limits";
const MY_DATABASE: &str = "fedgate_limits_my";

/// The longest any failing statement here may take: several times the configured timeouts,
/// so a slow machine does not fail the test, while a hang does.
const BOUND: Duration = Duration::from_secs(20);

/// What the proxy does with bytes and new connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Relays both directions.
    Forward,
    /// Relays nothing and closes nothing: a frozen backend.
    Freeze,
    /// Closes the connections it has; new ones are accepted and never answered.
    Silent,
}

/// A TCP proxy to one upstream port that can freeze or go silent.
struct Proxy {
    port: u16,
    mode: watch::Sender<Mode>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let (mode, watcher) = watch::channel(Mode::Forward);
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let acceptor = tokio::spawn(accept(listener, upstream, watcher, tasks.clone()));
        Proxy {
            port,
            mode,
            tasks,
            acceptor,
        }
    }

    fn set(&self, mode: Mode) {
        if mode == Mode::Silent {
            for task in self.tasks.lock().unwrap().drain(..) {
                task.abort();
            }
        }
        self.mode.send_replace(mode);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.acceptor.abort();
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

async fn accept(
    listener: TcpListener,
    upstream: u16,
    mode: watch::Receiver<Mode>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    while let Ok((inbound, _)) = listener.accept().await {
        let mode = mode.clone();
        let task = tokio::spawn(async move {
            if *mode.borrow() == Mode::Silent {
                // Hold the socket open (this task owns it) and never answer.
                std::future::pending::<()>().await;
            }
            let Ok(outbound) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                return;
            };
            let (client_read, client_write) = inbound.into_split();
            let (server_read, server_write) = outbound.into_split();
            tokio::join!(
                relay(client_read, server_write, mode.clone()),
                relay(server_read, client_write, mode)
            );
        });
        tasks.lock().unwrap().push(task);
    }
}

/// Copies `from` to `to` while the mode is [`Mode::Forward`]; when frozen, holds the bytes
/// (and both sockets) forever.
async fn relay(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if mode.wait_for(|m| *m == Mode::Forward).await.is_err() {
            break;
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

fn sqlstate(error: &tokio_postgres::Error) -> String {
    error
        .code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {error}"))
}

fn message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} | {}", db.message(), db.detail().unwrap_or_default()),
        None => error.to_string(),
    }
}

/// Runs `sql`, expecting it to fail within [`BOUND`]; returns the error.
async fn fails(client: &Client, sql: &str) -> tokio_postgres::Error {
    match tokio::time::timeout(BOUND, client.simple_query(sql)).await {
        Err(_) => panic!("{sql}: still running after {BOUND:?}"),
        Ok(Ok(_)) => panic!("{sql}: succeeded"),
        Ok(Err(e)) => e,
    }
}

/// The PostgreSQL database of these tests, made once per run (the tests run in parallel).
async fn prepare_postgres() {
    static PREPARED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    PREPARED.get_or_init(recreate_postgres).await;
}

async fn recreate_postgres() {
    backend::recreate_database(DATABASE)
        .await
        .expect("PostgreSQL must be reachable on 127.0.0.1:5432");
    let client = backend::connect(DATABASE).await.expect("connect");
    client
        .batch_execute(
            "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g;
             CREATE VIEW slow AS SELECT g AS id FROM generate_series(1, 100000) g
                 WHERE pg_sleep(0.001)::text = '';",
        )
        .await
        .expect("create the tables");
}

fn pg_server(name: &str, port: u16, options: &str) -> String {
    format!(
        "CREATE SERVER {name} FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', port '{port}', dbname '{DATABASE}', user 'postgres'{options})"
    )
}

/// Asserts that `sample` (the files server every gateway has) answers.
async fn other_server_answers(client: &Client) {
    let rows = tokio::time::timeout(
        BOUND,
        client.simple_query("SELECT count(*) FROM samples.shop.customers"),
    )
    .await
    .expect("the other server answers in time")
    .expect("the other server answers");
    assert!(!rows.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_postgres_backend_ends_the_statement_naming_the_server() {
    prepare_postgres().await;
    let proxy = Proxy::start(backend::PG_PORT).await;
    let data = tempfile::tempdir().unwrap();
    // Statements still running at the end are terminated at once, not after the default grace.
    let mut gateway = Gateway::builder(data.path())
        .env("FEDGATE_SHUTDOWN_GRACE", "1s")
        .start()
        .expect("gateway starts");
    let mut client = gateway.connect().await.expect("connect");
    client
        .batch_execute(&pg_server(
            "frozen",
            proxy.port,
            ", statement_timeout '1s', connect_timeout '2'",
        ))
        .await
        .expect("create the server");
    let row = client
        .query_one("SELECT count(*) FROM frozen.public.t", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1000);

    // The backend's own statement_timeout: a slow query ends with its 57014 (a statement
    // that only reads one PostgreSQL server passes through: the backend's error as it is).
    let error = fails(&client, "SELECT count(*) FROM frozen.public.slow").await;
    assert_eq!(sqlstate(&error), "57014", "{error:?}");
    // Also when fedgate runs the statement and the backend a part of it.
    let error = fails(
        &client,
        "SELECT count(*) FROM frozen.public.slow s JOIN samples.shop.customers c ON s.id = c.id",
    )
    .await;
    assert_eq!(sqlstate(&error), "57014", "{error:?}");
    assert!(message(&error).contains("\"frozen\""), "{error:?}");

    // A pooled connection is idle when the backend freezes: the statement gets it and
    // waits on it; the next one needs a new connection, which cannot be made either.
    client
        .query_one("SELECT count(*) FROM frozen.public.t", &[])
        .await
        .expect("works before the freeze");
    proxy.set(Mode::Freeze);
    let other = gateway.connect().await.expect("second session");
    for sql in [
        "SELECT count(*) FROM frozen.public.t",
        "SELECT count(*) FROM frozen.public.t t JOIN samples.shop.customers c ON t.id = c.id",
    ] {
        let frozen = tokio::spawn(async move {
            let error = fails(&client, sql).await;
            (client, error)
        });
        other_server_answers(&other).await;
        let (back, error) = frozen.await.unwrap();
        client = back;
        let state = sqlstate(&error);
        assert!(
            state.starts_with("08") || state == "57014",
            "{sql}: {state}: {error:?}"
        );
        assert!(message(&error).contains("\"frozen\""), "{sql}: {error:?}");
    }
    other_server_answers(&client).await;
    gateway.terminate().expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_mariadb_backend_ends_the_statement_naming_the_server() {
    mysql_fixture::recreate_database(MY_DATABASE)
        .await
        .expect("MariaDB must be reachable on 127.0.0.1:3306 (scripts/backends.sh)");
    mysql_fixture::run(
        Some(MY_DATABASE),
        "CREATE TABLE t AS SELECT seq AS id FROM seq_1_to_1000;\n\
         CREATE VIEW slow AS SELECT seq AS id FROM seq_1_to_100000 WHERE SLEEP(0.001) = 0;",
    )
    .await
    .expect("create the MariaDB tables");
    let proxy = Proxy::start(mysql_fixture::MY_PORT).await;
    let data = tempfile::tempdir().unwrap();
    // Statements still running at the end are terminated at once, not after the default grace.
    let mut gateway = Gateway::builder(data.path())
        .env("FEDGATE_SHUTDOWN_GRACE", "1s")
        .start()
        .expect("gateway starts");
    let client = gateway.connect().await.expect("connect");
    client
        .batch_execute(&format!(
            "CREATE SERVER myfrozen FOREIGN DATA WRAPPER mysql OPTIONS (host '127.0.0.1', port '{}', user '{}', password '{}', databases '{MY_DATABASE}', statement_timeout '1s', connect_timeout '2')",
            proxy.port,
            mysql_fixture::MY_USER,
            mysql_fixture::MY_PASSWORD,
        ))
        .await
        .expect("create the server");
    let table = format!("myfrozen.{MY_DATABASE}.t");
    let row = client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1000);

    // The server's own max_statement_time ends a slow query with 57014.
    let error = fails(
        &client,
        &format!("SELECT count(*) FROM myfrozen.{MY_DATABASE}.slow"),
    )
    .await;
    assert_eq!(sqlstate(&error), "57014", "{error:?}");
    assert!(message(&error).contains("\"myfrozen\""), "{error:?}");

    proxy.set(Mode::Freeze);
    let error = fails(&client, &format!("SELECT count(*) FROM {table}")).await;
    let state = sqlstate(&error);
    assert!(
        state.starts_with("08") || state == "57014",
        "{state}: {error:?}"
    );
    assert!(message(&error).contains("\"myfrozen\""), "{error:?}");
    other_server_answers(&client).await;
    gateway.terminate().expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_timeout_and_circuit_breaker() {
    prepare_postgres().await;
    let data = tempfile::tempdir().unwrap();
    // Statements still running at the end are terminated at once, not after the default grace.
    let mut gateway = Gateway::builder(data.path())
        .env("FEDGATE_SHUTDOWN_GRACE", "1s")
        .start()
        .expect("gateway starts");
    let client = gateway.connect().await.expect("connect");

    // A socket that listens but never accepts: TCP connects, the protocol never answers.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hole_port = hole.local_addr().unwrap().port();
    let error = fails(
        &client,
        &pg_server("hole", hole_port, ", connect_timeout '1'"),
    )
    .await;
    assert_eq!(sqlstate(&error), "08001", "{error:?}");
    assert!(message(&error).contains("timed out"), "{error:?}");
    drop(hole);

    // The breaker: two failed connects mark the server down.
    let proxy = Proxy::start(backend::PG_PORT).await;
    client
        .batch_execute(&pg_server(
            "flaky",
            proxy.port,
            ", connect_timeout '1', breaker_failures '2', breaker_backoff '2s'",
        ))
        .await
        .expect("create the server");
    let query = "SELECT count(*) FROM flaky.public.t";
    client.query_one(query, &[]).await.expect("works at first");
    proxy.set(Mode::Silent);
    // The pooled connection was closed (a statement on it may fail with 08006 first); new
    // connections time out, and after two of them the server is marked down.
    let mut attempts = 0;
    let error = loop {
        let error = fails(&client, query).await;
        assert!(sqlstate(&error).starts_with("08"), "{error:?}");
        if message(&error).contains("marked down") {
            break error;
        }
        attempts += 1;
        assert!(attempts <= 3, "not marked down after {attempts} failures");
    };
    assert_eq!(sqlstate(&error), "08001", "{error:?}");
    let text = message(&error);
    assert!(
        text.contains("\"flaky\"") && text.contains("marked down"),
        "{text}"
    );
    assert!(
        text.contains("last error") && text.contains("timed out"),
        "{text}"
    );

    // Back: after the back-off one trial connects, and the server is up again.
    proxy.set(Mode::Forward);
    let started = Instant::now();
    loop {
        match client.query_one(query, &[]).await {
            Ok(row) => {
                assert_eq!(row.get::<_, i64>(0), 1000);
                break;
            }
            Err(e) if started.elapsed() < BOUND => {
                assert!(message(&e).contains("marked down"), "{e:?}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("the server did not come back: {e:?}"),
        }
    }
    client.query_one(query, &[]).await.expect("stays up");
    gateway.terminate().expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_pool_is_53300_naming_the_server() {
    prepare_postgres().await;
    let data = tempfile::tempdir().unwrap();
    // Statements still running at the end are terminated at once, not after the default grace.
    let mut gateway = Gateway::builder(data.path())
        .env("FEDGATE_SHUTDOWN_GRACE", "1s")
        .start()
        .expect("gateway starts");
    let client = gateway.connect().await.expect("connect");
    client
        .batch_execute(&pg_server(
            "small",
            backend::PG_PORT,
            ", pool_max_size '1', pool_timeout '500ms', application_name 'fedgate_limits_pool'",
        ))
        .await
        .expect("create the server");
    let busy = gateway.connect().await.expect("second session");
    let running = tokio::spawn(async move {
        let _ = busy
            .simple_query("SELECT count(*) FROM small.public.slow")
            .await;
    });
    // Wait until the slow query holds the pool's only connection.
    let observer = backend::connect("postgres").await.unwrap();
    let started = Instant::now();
    loop {
        let row = observer
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fedgate_limits_pool' AND state = 'active'",
                &[],
            )
            .await
            .unwrap();
        if row.get::<_, i64>(0) > 0 {
            break;
        }
        assert!(started.elapsed() < BOUND, "the slow query never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let error = fails(&client, "SELECT count(*) FROM small.public.t").await;
    assert_eq!(sqlstate(&error), "53300", "{error:?}");
    let text = message(&error);
    assert!(
        text.contains("\"small\"") && text.contains("connection pool exhausted"),
        "{text}"
    );
    assert!(text.contains("1 connections busy for 500ms"), "{text}");
    running.abort();
    gateway.terminate().expect("clean stop");
}

const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "limits-admin-pass";
const ALICE_PASSWORD: &str = "limits-alice-pass";

async fn login(
    gateway: &Gateway,
    user: &str,
    password: &str,
) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(gateway.port())
        .user(user)
        .password(password)
        .dbname("fedgate")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

#[tokio::test]
async fn per_user_connection_limit() {
    let data = tempfile::tempdir().unwrap();
    let mut gateway = Gateway::builder(data.path())
        .env("FEDGATE_ADMIN_USER", ADMIN)
        .env("FEDGATE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let admin = login(&gateway, ADMIN, ADMIN_PASSWORD).await.expect("admin");
    admin
        .batch_execute(&format!(
            "CREATE USER alice WITH PASSWORD '{ALICE_PASSWORD}' CONNECTION LIMIT 2"
        ))
        .await
        .unwrap();
    let error = admin
        .batch_execute("ALTER USER alice CONNECTION LIMIT -2")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&error), "22023", "{error:?}");
    assert_eq!(message(&error), "invalid connection limit: -2 | ");

    let first = login(&gateway, "alice", ALICE_PASSWORD)
        .await
        .expect("first");
    let _second = login(&gateway, "alice", ALICE_PASSWORD)
        .await
        .expect("second");
    let refused = login(&gateway, "alice", ALICE_PASSWORD)
        .await
        .expect_err("a third session is over alice's limit");
    let db = refused.as_db_error().expect("a FATAL from the gateway");
    assert_eq!(db.code().code(), "53300", "{db:?}");
    assert_eq!(db.message(), "too many connections for role \"alice\"");
    // Only alice is limited: more admin sessions are fine.
    let _admin2 = login(&gateway, ADMIN, ADMIN_PASSWORD)
        .await
        .expect("admin 2");
    let _admin3 = login(&gateway, ADMIN, ADMIN_PASSWORD)
        .await
        .expect("admin 3");

    // A session that ends frees its place.
    drop(first);
    let started = Instant::now();
    let _third = loop {
        match login(&gateway, "alice", ALICE_PASSWORD).await {
            Ok(client) => break client,
            Err(_) if started.elapsed() < BOUND => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("the freed place was not given to alice: {e:?}"),
        }
    };
    admin
        .batch_execute("ALTER USER alice CONNECTION LIMIT -1")
        .await
        .unwrap();
    let _fourth = login(&gateway, "alice", ALICE_PASSWORD)
        .await
        .expect("no limit any more");
    gateway.terminate().expect("clean stop");
}
