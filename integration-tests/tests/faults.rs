//! Backend faults through the real gateway: a backend that is down when a query starts, or
//! that dies in the middle of a query, gives an error of SQLSTATE class 08 naming the
//! server; queries on other servers keep working; the gateway does not crash and recovers
//! when the backend comes back, without leaking connections.
//!
//! The backend is reached through a TCP proxy this test owns, so "down" and "dies
//! mid-query" are the proxy closing, and no server process is ever stopped.
//!
//! One test per backend: PostgreSQL (upstream 5432), MariaDB (3306; leaks are counted with
//! SHOW PROCESSLIST) and MongoDB (27017). The MongoDB stand-in is one shared process, so its
//! "long query" is a large result sent through a throttled proxy rather than slow work on
//! the server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fedgate_integration_tests::backend;
use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::{mongo_fixture, mysql_fixture};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio_postgres::SimpleQueryMessage;

const DATABASE: &str = "fedgate_faults";

/// A TCP proxy to one upstream port that can be cut (listener and live connections).
struct Proxy {
    port: u16,
    upstream: u16,
    /// When set, the server-to-client direction is relayed in chunks of at most
    /// [`THROTTLE_CHUNK`] bytes with this pause after each.
    throttle: Option<Duration>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: Option<JoinHandle<()>>,
}

/// The largest chunk a throttled proxy relays before pausing.
const THROTTLE_CHUNK: usize = 8 * 1024;

impl Proxy {
    async fn start(upstream: u16) -> Proxy {
        Self::start_with(upstream, None).await
    }

    /// A proxy that sends the server's bytes to the client at most [`THROTTLE_CHUNK`] bytes
    /// per `pause`, so that a large result takes a while to arrive.
    async fn start_throttled(upstream: u16, pause: Duration) -> Proxy {
        Self::start_with(upstream, Some(pause)).await
    }

    async fn start_with(upstream: u16, throttle: Option<Duration>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let mut proxy = Proxy {
            port,
            upstream,
            throttle,
            tasks: Arc::new(Mutex::new(Vec::new())),
            acceptor: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let tasks = self.tasks.clone();
        let upstream = self.upstream;
        let throttle = self.throttle;
        self.acceptor = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", upstream)).await {
                        match throttle {
                            None => {
                                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound)
                                    .await;
                            }
                            Some(pause) => relay_throttled(inbound, outbound, pause).await,
                        }
                    }
                });
                tasks.lock().unwrap().push(task);
            }
        }));
    }

    /// Closes the listener and every proxied connection.
    fn cut(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
        }
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same port.
    async fn resume(&mut self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        let address = format!("127.0.0.1:{}", self.port).parse().unwrap();
        let mut attempts = 0;
        loop {
            match socket.bind(address) {
                Ok(()) => break,
                Err(e) if attempts < 50 => {
                    attempts += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot listen again on {}: {e}", self.port),
            }
        }
        self.serve(socket.listen(64).unwrap());
    }
}

/// Relays client bytes to the server as they come and server bytes to the client in chunks
/// of at most [`THROTTLE_CHUNK`] bytes, pausing `pause` after each.
async fn relay_throttled(inbound: TcpStream, outbound: TcpStream, pause: Duration) {
    let (mut client_read, mut client_write) = inbound.into_split();
    let (mut server_read, mut server_write) = outbound.into_split();
    let to_server = async {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    };
    let to_client = async {
        let mut buffer = vec![0u8; THROTTLE_CHUNK];
        loop {
            match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if client_write.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
            }
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(to_server, to_client);
}

async fn prepare_database() {
    backend::recreate_database(DATABASE)
        .await
        .expect("PostgreSQL must be reachable on 127.0.0.1:5432");
    let client = backend::connect(DATABASE)
        .await
        .expect("connect to the fault database");
    client
        .batch_execute(
            "CREATE TABLE big AS SELECT g AS id, repeat('x', 50) AS pad FROM generate_series(1, 1000000) g;
             CREATE VIEW slow AS SELECT g AS id FROM generate_series(1, 40000) g
                 WHERE pg_sleep(0.0002)::text = '';",
        )
        .await
        .expect("create the big table");
}

fn sqlstate(error: &tokio_postgres::Error) -> String {
    error
        .code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {error}"))
}

async fn fedgate_connections() -> i64 {
    let client = backend::connect("postgres").await.unwrap();
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'fedgate'",
            &[&DATABASE],
        )
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend_down_and_dying_mid_query() {
    prepare_database().await;
    let mut proxy = Proxy::start(backend::PG_PORT).await;
    let data = tempfile::tempdir().unwrap();
    let mut gateway = Gateway::start(data.path()).expect("gateway starts");
    let client = gateway.connect().await.expect("connect to the gateway");
    client
        .batch_execute(&format!(
            "CREATE SERVER flaky FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', port '{}', dbname '{DATABASE}', user 'postgres', connect_timeout '3', pool_size '2')",
            proxy.port
        ))
        .await
        .expect("create server through the proxy");
    let count = client
        .query_one("SELECT count(*) FROM flaky.public.big", &[])
        .await
        .unwrap();
    assert_eq!(count.get::<_, i64>(0), 1_000_000);

    // Dies in the middle of a query: the remote query is running when its connection goes.
    let gateway_port = gateway.port();
    let running = tokio::spawn(async move {
        let (other, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={gateway_port} user=faults dbname=fedgate"),
            tokio_postgres::NoTls,
        )
        .await
        .expect("second session");
        tokio::spawn(connection);
        other
            .simple_query("SELECT count(*) FROM flaky.public.slow")
            .await
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.cut();
    let failure = running
        .await
        .unwrap()
        .expect_err("the query fails when its backend dies");
    assert!(
        sqlstate(&failure).starts_with("08"),
        "mid-query failure: {} {failure:?}",
        sqlstate(&failure)
    );
    assert!(
        format!("{failure:?}").contains("flaky"),
        "the error names the server: {failure:?}"
    );

    // Down when the query starts.
    let error = client
        .simple_query("SELECT count(*) FROM flaky.public.big")
        .await
        .unwrap_err();
    assert!(
        sqlstate(&error).starts_with("08"),
        "down: {} {error:?}",
        sqlstate(&error)
    );
    assert!(format!("{error:?}").contains("flaky"), "{error:?}");

    // Other servers keep working, in the same session.
    let rows = client
        .simple_query("SELECT count(*) FROM samples.shop.customers")
        .await
        .unwrap();
    assert!(rows.iter().any(|m| matches!(m, SimpleQueryMessage::Row(_))));

    // The backend comes back: queries work again without a restart, and no connection leaks.
    proxy.resume().await;
    let mut recovered = false;
    for _ in 0..30 {
        if client
            .query_one("SELECT count(*) FROM flaky.public.big WHERE id <= 10", &[])
            .await
            .is_ok()
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "queries work again once the backend is back");
    for _ in 0..5 {
        client
            .query_one("SELECT count(*) FROM flaky.public.big WHERE id <= 10", &[])
            .await
            .unwrap();
    }
    let open = fedgate_connections().await;
    assert!(
        open <= 2,
        "at most pool_size connections stay open, found {open}"
    );
    assert!(gateway.pid().is_some(), "the gateway is still running");
    gateway.terminate().expect("clean stop");
}

// ------------------------------------------------------------------------------ MariaDB

const MY_DATABASE: &str = "fedgate_faults_my";

/// The pool size of the MariaDB server under test: at most this many connections may stay.
const MY_POOL_SIZE: usize = 2;

/// A MariaDB database with a big table and a view that takes about 10 s to read (SLEEP per
/// row, rows streamed as they are made).
async fn prepare_mariadb() {
    mysql_fixture::recreate_database(MY_DATABASE)
        .await
        .expect("MariaDB must be reachable on 127.0.0.1:3306 (scripts/backends.sh)");
    mysql_fixture::run(
        Some(MY_DATABASE),
        "CREATE TABLE big AS SELECT seq AS id, REPEAT('x', 50) AS pad FROM seq_1_to_1000000;\n\
         CREATE VIEW slow AS SELECT seq AS id FROM seq_1_to_40000 WHERE SLEEP(0.0002) = 0;",
    )
    .await
    .expect("create the MariaDB fault tables");
}

/// The MariaDB connections whose default database is the fault database, as SHOW
/// PROCESSLIST lists them (its fourth column is `db`): fedgate's pool connections. The
/// session that asks has no default database, so it does not count itself.
async fn mariadb_connections() -> Vec<String> {
    let list = mysql_fixture::run(None, "SHOW PROCESSLIST")
        .await
        .expect("SHOW PROCESSLIST");
    list.lines()
        .filter(|line| line.split('\t').nth(3) == Some(MY_DATABASE))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_backend_down_and_dying_mid_query() {
    prepare_mariadb().await;
    let mut proxy = Proxy::start(mysql_fixture::MY_PORT).await;
    let data = tempfile::tempdir().unwrap();
    let mut gateway = Gateway::start(data.path()).expect("gateway starts");
    let client = gateway.connect().await.expect("connect to the gateway");
    client
        .batch_execute(&format!(
            "CREATE SERVER flaky_my FOREIGN DATA WRAPPER mysql OPTIONS (url 'mysql://root@127.0.0.1:{}/{MY_DATABASE}', connect_timeout '3', pool_size '{MY_POOL_SIZE}')",
            proxy.port
        ))
        .await
        .expect("create server through the proxy");
    let count = client
        .query_one(
            &format!("SELECT count(*) FROM flaky_my.{MY_DATABASE}.big"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(count.get::<_, i64>(0), 1_000_000);

    // Dies in the middle of a query: the remote query is running when its connection goes.
    let gateway_port = gateway.port();
    let running = tokio::spawn(async move {
        let (other, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={gateway_port} user=faults dbname=fedgate"),
            tokio_postgres::NoTls,
        )
        .await
        .expect("second session");
        tokio::spawn(connection);
        let started = std::time::Instant::now();
        let result = other
            .simple_query(&format!("SELECT count(*) FROM flaky_my.{MY_DATABASE}.slow"))
            .await;
        (result, started.elapsed())
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.cut();
    let (result, elapsed) = running.await.unwrap();
    let failure = result.expect_err(&format!(
        "the query fails when its backend dies (it ran {elapsed:?})"
    ));
    assert!(
        elapsed >= Duration::from_millis(1900),
        "the query was still running when the proxy was cut: it ended after {elapsed:?}"
    );
    assert!(
        sqlstate(&failure).starts_with("08"),
        "mid-query failure: {} {failure:?}",
        sqlstate(&failure)
    );
    assert!(
        format!("{failure:?}").contains("flaky_my"),
        "the error names the server: {failure:?}"
    );

    // Down when the query starts.
    let error = client
        .simple_query(&format!("SELECT count(*) FROM flaky_my.{MY_DATABASE}.big"))
        .await
        .unwrap_err();
    assert!(
        sqlstate(&error).starts_with("08"),
        "down: {} {error:?}",
        sqlstate(&error)
    );
    assert!(format!("{error:?}").contains("flaky_my"), "{error:?}");

    // Other servers keep working, in the same session.
    let rows = client
        .simple_query("SELECT count(*) FROM samples.shop.customers")
        .await
        .unwrap();
    assert!(rows.iter().any(|m| matches!(m, SimpleQueryMessage::Row(_))));

    // The backend comes back: queries work again without a restart.
    proxy.resume().await;
    let small = format!("SELECT count(*) FROM flaky_my.{MY_DATABASE}.big WHERE id <= 10");
    let mut recovered = false;
    for _ in 0..30 {
        if let Ok(row) = client.query_one(small.as_str(), &[]).await {
            assert_eq!(row.get::<_, i64>(0), 10);
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "queries work again once the backend is back");
    for _ in 0..5 {
        client.query_one(small.as_str(), &[]).await.unwrap();
    }

    // No leaked connections: at most pool_size stay. Connections the proxy cut may take
    // MariaDB a moment to notice (the one running the slow view ends at its next write).
    let mut open = mariadb_connections().await;
    for _ in 0..40 {
        if open.len() <= MY_POOL_SIZE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        open = mariadb_connections().await;
    }
    assert!(
        !open.is_empty(),
        "SHOW PROCESSLIST shows fedgate's idle pooled connection(s) in {MY_DATABASE}"
    );
    assert!(
        open.len() <= MY_POOL_SIZE,
        "at most pool_size ({MY_POOL_SIZE}) connections stay open, SHOW PROCESSLIST lists {}:\n{}",
        open.len(),
        open.join("\n")
    );
    assert!(gateway.pid().is_some(), "the gateway is still running");
    gateway.terminate().expect("clean stop");
}

// ------------------------------------------------------------------------------ MongoDB

const MONGO_DATABASE: &str = "fedgate_faults_mongo";

/// Documents of the big collection; each carries [`MONGO_PAD`] bytes of text.
const MONGO_DOCUMENTS: i32 = 50_000;
const MONGO_PAD: usize = 100;

/// How long a throttled proxy pauses after each chunk: 8 KiB per 10 ms, so the padded
/// collection (about 6 MB) takes several seconds to arrive.
const MONGO_THROTTLE: Duration = Duration::from_millis(10);

async fn prepare_mongo() {
    let client = mongo_fixture::connect()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let db = client.database(MONGO_DATABASE);
    db.drop().await.expect("drop the MongoDB fault database");
    let pad = "x".repeat(MONGO_PAD);
    let documents: Vec<mongodb::bson::Document> = (1..=MONGO_DOCUMENTS)
        .map(|id| mongodb::bson::doc! {"_id": id, "pad": pad.as_str()})
        .collect();
    db.collection::<mongodb::bson::Document>("big")
        .insert_many(documents)
        .await
        .expect("load the MongoDB fault collection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_backend_down_and_dying_mid_query() {
    prepare_mongo().await;
    let mut proxy = Proxy::start_throttled(mongo_fixture::MONGO_PORT, MONGO_THROTTLE).await;
    let data = tempfile::tempdir().unwrap();
    let mut gateway = Gateway::start(data.path()).expect("gateway starts");
    let client = gateway.connect().await.expect("connect to the gateway");
    // Aggregates stay in fedgate: the long query must stream documents through the proxy
    // (pushed as $group, MongoDB would answer it with one document).
    client
        .batch_execute(&format!(
            "CREATE SERVER flaky_mongo FOREIGN DATA WRAPPER mongodb OPTIONS (host '127.0.0.1', port '{}', database '{MONGO_DATABASE}', connect_timeout '3', pushdown_aggregates 'false')",
            proxy.port
        ))
        .await
        .expect("create server through the proxy");
    let small = format!("SELECT count(*) FROM flaky_mongo.{MONGO_DATABASE}.big WHERE _id <= 10");
    let count = client.query_one(small.as_str(), &[]).await.unwrap();
    assert_eq!(count.get::<_, i64>(0), 10);

    // Dies in the middle of a query: every padded document is on its way when the
    // connection goes.
    let gateway_port = gateway.port();
    let running = tokio::spawn(async move {
        let (other, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={gateway_port} user=faults dbname=fedgate"),
            tokio_postgres::NoTls,
        )
        .await
        .expect("second session");
        tokio::spawn(connection);
        let started = std::time::Instant::now();
        let result = other
            .simple_query(&format!(
                "SELECT count(pad) FROM flaky_mongo.{MONGO_DATABASE}.big"
            ))
            .await;
        (result, started.elapsed())
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.cut();
    let (result, elapsed) = running.await.unwrap();
    let failure = result.expect_err(&format!(
        "the query fails when its backend dies (it ran {elapsed:?})"
    ));
    assert!(
        elapsed >= Duration::from_millis(1900),
        "the query was still running when the proxy was cut: it ended after {elapsed:?}"
    );
    assert!(
        sqlstate(&failure).starts_with("08"),
        "mid-query failure: {} {failure:?}",
        sqlstate(&failure)
    );
    assert!(
        format!("{failure:?}").contains("flaky_mongo"),
        "the error names the server: {failure:?}"
    );

    // Down when the query starts.
    let error = client.simple_query(small.as_str()).await.unwrap_err();
    assert!(
        sqlstate(&error).starts_with("08"),
        "down: {} {error:?}",
        sqlstate(&error)
    );
    assert!(format!("{error:?}").contains("flaky_mongo"), "{error:?}");

    // Other servers keep working, in the same session.
    let rows = client
        .simple_query("SELECT count(*) FROM samples.shop.customers")
        .await
        .unwrap();
    assert!(rows.iter().any(|m| matches!(m, SimpleQueryMessage::Row(_))));

    // The backend comes back: queries work again without a restart.
    proxy.resume().await;
    let mut recovered = false;
    for _ in 0..60 {
        if let Ok(row) = client.query_one(small.as_str(), &[]).await {
            assert_eq!(row.get::<_, i64>(0), 10);
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(recovered, "queries work again once the backend is back");
    for _ in 0..5 {
        client.query_one(small.as_str(), &[]).await.unwrap();
    }
    assert!(gateway.pid().is_some(), "the gateway is still running");
    gateway.terminate().expect("clean stop");
    mongo_fixture::connect()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .database(MONGO_DATABASE)
        .drop()
        .await
        .expect("drop the MongoDB fault database");
}
