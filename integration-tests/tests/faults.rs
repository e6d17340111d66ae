//! Backend faults through the real gateway: a backend that is down when a query starts, or
//! that dies in the middle of a query, gives an error of SQLSTATE class 08 naming the
//! server; queries on other servers keep working; the gateway does not crash and recovers
//! when the backend comes back, without leaking connections.
//!
//! The backend is reached through a TCP proxy this test owns, so "down" and "dies
//! mid-query" are the proxy closing, and no server process is ever stopped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fedgate_integration_tests::backend;
use fedgate_integration_tests::gateway::Gateway;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio_postgres::SimpleQueryMessage;

const DATABASE: &str = "fedgate_faults";

/// A TCP proxy to one upstream port that can be cut (listener and live connections).
struct Proxy {
    port: u16,
    upstream: u16,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let mut proxy = Proxy {
            port,
            upstream,
            tasks: Arc::new(Mutex::new(Vec::new())),
            acceptor: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let tasks = self.tasks.clone();
        let upstream = self.upstream;
        self.acceptor = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", upstream)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
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
