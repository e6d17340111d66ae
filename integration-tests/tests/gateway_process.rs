//! Tests of the gateway as a process: persistence across restarts, crash safety of the
//! server catalog under SIGKILL, and that backend passwords never reach logs or results.
//!
//! Each test starts its own `fedgate` child processes (see
//! [`fedgate_integration_tests::gateway`]) on free ports with temporary data directories.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::{
    backend, create_files_server_sql, create_postgres_server_sql, quote_ident, quote_literal,
    LIST_SERVERS_SQL,
};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};

/// Rows of a simple query as text (`NULL` for null).
async fn query_rows(client: &Client, sql: &str) -> Result<Vec<Vec<String>>, String> {
    let messages = tokio::time::timeout(Duration::from_secs(60), client.simple_query(sql))
        .await
        .map_err(|_| format!("`{sql}` did not finish within 60s"))?
        .map_err(|e| format!("`{sql}` failed: {}", backend::describe(&e)))?;
    Ok(backend::text_rows(messages))
}

async fn execute(client: &Client, sql: &str) -> Result<(), String> {
    query_rows(client, sql).await.map(|_| ())
}

/// The names of the registered servers, through [`LIST_SERVERS_SQL`].
async fn list_servers(client: &Client) -> Result<BTreeSet<String>, String> {
    Ok(query_rows(client, LIST_SERVERS_SQL)
        .await?
        .into_iter()
        .filter_map(|row| row.into_iter().next())
        .collect())
}

/// A directory holding `t.csv` with two rows (files server: table `public.t`).
fn csv_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("fedgate-csv-")
        .tempdir()
        .expect("temp dir");
    std::fs::write(dir.path().join("t.csv"), "id,name\n1,ann\n2,bob\n").expect("write t.csv");
    dir
}

fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("fedgate-data-")
        .tempdir()
        .expect("temp dir")
}

fn start(data: &Path) -> Gateway {
    Gateway::start(data).unwrap_or_else(|e| panic!("{e}"))
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

fn terminate_cleanly(gateway: &mut Gateway) {
    match gateway.terminate() {
        Ok(status) => assert!(
            status.success(),
            "fedgate exited with {status} after SIGTERM (expected 0); output:\n{}",
            gateway.logs()
        ),
        Err(e) => panic!("{e}"),
    }
}

fn ok<T>(result: Result<T, String>, gateway: &Gateway) -> T {
    result.unwrap_or_else(|e| panic!("{e}\ngateway output:\n{}", gateway.logs()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_server_survives_sigterm_and_restart() {
    let data = data_dir();
    let csv = csv_dir();

    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    ok(
        execute(&client, &create_files_server_sql("kept", csv.path())).await,
        &gateway,
    );
    let rows = ok(
        query_rows(&client, "SELECT id, name FROM kept.public.t ORDER BY id").await,
        &gateway,
    );
    assert_eq!(rows, [["1", "ann"], ["2", "bob"]]);
    // The session stays open: SIGTERM must still stop the gateway cleanly.
    terminate_cleanly(&mut gateway);
    drop(client);

    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    let servers = ok(list_servers(&client).await, &gateway);
    assert!(
        servers.contains("kept") && servers.contains("samples"),
        "servers after restart: {servers:?}"
    );
    let rows = ok(
        query_rows(&client, "SELECT id, name FROM kept.public.t ORDER BY id").await,
        &gateway,
    );
    assert_eq!(rows, [["1", "ann"], ["2", "bob"]]);
    let rows = ok(
        query_rows(&client, "SELECT count(*) FROM samples.shop.customers").await,
        &gateway,
    );
    assert_eq!(rows, [["20"]]);
    terminate_cleanly(&mut gateway);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_sample_server_stays_dropped_after_restart() {
    let data = data_dir();

    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    ok(execute(&client, "DROP SERVER samples").await, &gateway);
    terminate_cleanly(&mut gateway);
    drop(client);

    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    let servers = ok(list_servers(&client).await, &gateway);
    assert!(
        !servers.contains("samples"),
        "the sample server came back after it was dropped: {servers:?}"
    );
    let error = client
        .simple_query("SELECT count(*) FROM samples.shop.customers")
        .await
        .expect_err("querying a dropped server must fail");
    assert_eq!(
        error.code().map(|c| c.code()),
        Some("42P01"),
        "{}",
        backend::describe(&error)
    );
    terminate_cleanly(&mut gateway);
}

/// A tiny xorshift generator; the seed is printed so a failing run can be replayed with
/// `CRASH_SEED=<seed>`.
struct XorShift(u64);

impl XorShift {
    fn from_env_or_clock() -> Self {
        let seed = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0x9e37_79b9_7f4a_7c15);
                nanos ^ u64::from(std::process::id())
            })
            | 1;
        println!("crash test seed: CRASH_SEED={seed}");
        XorShift(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ddl {
    Create,
    Drop,
}

/// One DDL statement sent during a burst, and whether the gateway acknowledged it.
#[derive(Debug)]
struct SentDdl {
    server: String,
    ddl: Ddl,
    acknowledged: bool,
}

const CRASH_ITERATIONS: usize = 30;
const CRASH_TIME_BUDGET: Duration = Duration::from_secs(150);
const CRASH_MIN_ITERATIONS: usize = 5;
const BURST_STATEMENTS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_ddl_leaves_a_usable_catalog() {
    let data = data_dir();
    let csv = csv_dir();
    let mut rng = XorShift::from_env_or_clock();
    let started = Instant::now();

    // What acknowledged DDL says must (not) be listed after the next restart.
    let mut must_exist: BTreeSet<String> = BTreeSet::new();
    let mut must_not_exist: BTreeSet<String> = BTreeSet::new();

    let mut iteration = 0;
    let mut acknowledged_total = 0;
    loop {
        let mut gateway = Gateway::start(data.path())
            .unwrap_or_else(|e| panic!("restart after SIGKILL (iteration {iteration}): {e}"));
        let client = connect(&gateway).await;

        // The catalog is consistent with every acknowledged statement...
        let listed = ok(list_servers(&client).await, &gateway);
        let missing: Vec<_> = must_exist.difference(&listed).collect();
        let resurrected: Vec<_> = must_not_exist.intersection(&listed).collect();
        assert!(
            missing.is_empty() && resurrected.is_empty(),
            "iteration {iteration}: acknowledged CREATE SERVER lost: {missing:?}; acknowledged \
             DROP SERVER undone: {resurrected:?}; listed: {listed:?}\n{}",
            gateway.logs()
        );
        // ...and every server it lists can be dropped, re-created and queried.
        for server in &listed {
            let ident = quote_ident(server);
            ok(
                execute(&client, &format!("DROP SERVER {ident}")).await,
                &gateway,
            );
            ok(
                execute(&client, &create_files_server_sql(server, csv.path())).await,
                &gateway,
            );
            let rows = ok(
                query_rows(&client, &format!("SELECT count(*) FROM {ident}.public.t")).await,
                &gateway,
            );
            assert_eq!(rows, [["2"]], "server {server} after re-creation");
            if server.starts_with("crash_") {
                // Keep the catalog small across iterations.
                ok(
                    execute(&client, &format!("DROP SERVER {ident}")).await,
                    &gateway,
                );
            }
        }
        must_exist = listed
            .iter()
            .filter(|s| !s.starts_with("crash_"))
            .cloned()
            .collect();
        must_not_exist = listed
            .iter()
            .filter(|s| s.starts_with("crash_"))
            .cloned()
            .collect();

        if iteration >= CRASH_ITERATIONS
            || (iteration >= CRASH_MIN_ITERATIONS && started.elapsed() > CRASH_TIME_BUDGET)
        {
            terminate_cleanly(&mut gateway);
            println!(
                "crash test: {iteration} SIGKILLs survived, {acknowledged_total} DDL statements \
                 acknowledged before them"
            );
            break;
        }

        // A burst of CREATE/DROP SERVER, killed at a random moment.
        let sent = Arc::new(Mutex::new(Vec::<SentDdl>::new()));
        let burst = {
            let sent = sent.clone();
            let csv_path = csv.path().to_path_buf();
            tokio::spawn(async move {
                for k in 0..BURST_STATEMENTS {
                    let server = format!("crash_{iteration}_{}", k / 2);
                    let (ddl, sql) = if k % 2 == 0 {
                        (Ddl::Create, create_files_server_sql(&server, &csv_path))
                    } else {
                        (Ddl::Drop, format!("DROP SERVER {}", quote_ident(&server)))
                    };
                    let index = {
                        let mut sent = sent.lock().unwrap();
                        sent.push(SentDdl {
                            server,
                            ddl,
                            acknowledged: false,
                        });
                        sent.len() - 1
                    };
                    if client.simple_query(&sql).await.is_err() {
                        break;
                    }
                    sent.lock().unwrap()[index].acknowledged = true;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(rng.below(51))).await;
        gateway.kill();
        let _ = tokio::time::timeout(Duration::from_secs(10), burst).await;

        for statement in sent.lock().unwrap().iter() {
            acknowledged_total += usize::from(statement.acknowledged);
            let server = statement.server.clone();
            match (statement.acknowledged, statement.ddl) {
                (true, Ddl::Create) => {
                    must_not_exist.remove(&server);
                    must_exist.insert(server);
                }
                (true, Ddl::Drop) => {
                    must_exist.remove(&server);
                    must_not_exist.insert(server);
                }
                // Sent but not answered: either outcome is fine.
                (false, _) => {
                    must_exist.remove(&server);
                    must_not_exist.remove(&server);
                }
            }
        }
        iteration += 1;
    }
}

async fn fresh_pg_database(name: &str, setup: &str) -> Client {
    backend::fresh_database(name, setup).await
}

/// The PostgreSQL database the extended-protocol test reads (created by the test).
const EXTENDED_TEST_DB: &str = "fedgate_process_extended";

/// Drivers use the extended protocol: Parse/Bind with typed parameters, and result columns
/// typed with PostgreSQL's type OIDs (the same as the backend column's type).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extended_protocol_parameters_and_column_types() {
    let _lock = fresh_pg_database(
        EXTENDED_TEST_DB,
        "CREATE TABLE t (id int4, big int8, f float8, b bool, s text); \
         INSERT INTO t VALUES (1, 10000000000, 1.5, true, 'one'), (2, -1, -0.25, false, 'O''Brien');",
    )
    .await;
    let data = data_dir();
    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    ok(
        execute(
            &client,
            &create_postgres_server_sql("pgx", EXTENDED_TEST_DB),
        )
        .await,
        &gateway,
    );

    let sql = "SELECT id, big, f, b, s FROM pgx.public.t WHERE id = $1";
    let statement = client.prepare(sql).await.unwrap_or_else(|e| {
        panic!(
            "prepare {sql}: {}\n{}",
            backend::describe(&e),
            gateway.logs()
        )
    });
    let types: Vec<_> = statement
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    assert_eq!(
        types,
        [Type::INT4, Type::INT8, Type::FLOAT8, Type::BOOL, Type::TEXT],
        "result column types of {sql}"
    );
    assert_eq!(statement.params(), [Type::INT4], "parameter types of {sql}");
    let rows = client
        .query(&statement, &[&2i32])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}\n{}", backend::describe(&e), gateway.logs()));
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.get::<_, i32>(0), 2);
    assert_eq!(row.get::<_, i64>(1), -1);
    assert_eq!(row.get::<_, f64>(2), -0.25);
    assert!(!row.get::<_, bool>(3));
    assert_eq!(row.get::<_, &str>(4), "O'Brien");

    // A text parameter against the files backend.
    let sql = "SELECT count(*) FROM samples.shop.orders WHERE status = $1";
    let row = client
        .query_one(sql, &[&"cancelled"])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}\n{}", backend::describe(&e), gateway.logs()));
    assert_eq!(row.get::<_, i64>(0), 32);

    drop(client);
    terminate_cleanly(&mut gateway);
}

/// A parameter under an explicit cast has the cast's type, under PostgreSQL's OID
/// (`$1::oid[]` is `oid[]`, 1028, not DataFusion's `int4[]`), and its binary value is
/// decoded as that type (asyncpg's type introspection binds `$1::oid[]` so).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_types_from_casts() {
    let data = data_dir();
    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    let prepare = |sql: &'static str| {
        let client = &client;
        let gateway = &gateway;
        async move {
            client.prepare(sql).await.unwrap_or_else(|e| {
                panic!(
                    "prepare {sql}: {}\n{}",
                    backend::describe(&e),
                    gateway.logs()
                )
            })
        }
    };

    let sql = "SELECT typname::text FROM pg_catalog.pg_type WHERE oid = any($1::oid[]) ORDER BY 1";
    let statement = prepare(sql).await;
    assert_eq!(
        statement.params(),
        [Type::OID_ARRAY],
        "parameter types of {sql}"
    );
    let oids: Vec<u32> = vec![1007, 25];
    let rows = client
        .query(&statement, &[&oids])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}\n{}", backend::describe(&e), gateway.logs()));
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["_int4", "text"], "{sql} with {oids:?}");

    let sql = "SELECT $1::oid[], $2::int4, CAST($3 AS text[]), $4::int8";
    let statement = prepare(sql).await;
    assert_eq!(
        statement.params(),
        [Type::OID_ARRAY, Type::INT4, Type::TEXT_ARRAY, Type::INT8],
        "parameter types of {sql}"
    );
    let words: Vec<Option<&str>> = vec![Some("a"), None, Some("b c")];
    let empty: Vec<u32> = vec![];
    let row = client
        .query_one(&statement, &[&empty, &41i32, &words, &None::<i64>])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}\n{}", backend::describe(&e), gateway.logs()));
    assert_eq!(row.get::<_, i32>(1), 41);
    assert_eq!(
        row.get::<_, Vec<Option<String>>>(2),
        [Some("a".to_string()), None, Some("b c".to_string())]
    );
    assert_eq!(row.get::<_, Option<i64>>(3), None);
    let row = client
        .query_one(&statement, &[&oids, &0i32, &words, &Some(7i64)])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}\n{}", backend::describe(&e), gateway.logs()));
    let column = &statement.columns()[0];
    let round_trip: Vec<i64> = match *column.type_() {
        Type::OID_ARRAY => row
            .get::<_, Vec<u32>>(0)
            .into_iter()
            .map(i64::from)
            .collect(),
        Type::INT4_ARRAY => row
            .get::<_, Vec<i32>>(0)
            .into_iter()
            .map(i64::from)
            .collect(),
        ref other => panic!("column 1 of {sql} has type {other}"),
    };
    assert_eq!(round_trip, [1007, 25]);
    assert_eq!(row.get::<_, i64>(3), 7);

    drop(client);
    terminate_cleanly(&mut gateway);
}

/// A `numeric` value in binary format, shown as text: PostgreSQL's binary numeric is
/// digit count, base-10000 weight, sign and display scale, then the base-10000 digits.
struct BinaryNumeric(String);

impl<'a> tokio_postgres::types::FromSql<'a> for BinaryNumeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| i16::from_be_bytes([raw[2 * i], raw[2 * i + 1]]);
        let (count, weight, sign, scale) = (word(0), word(1), word(2), word(3));
        let digits: Vec<i16> = (0..count as usize).map(|i| word(4 + i)).collect();
        let group = |position: i16| {
            let index = weight - position;
            usize::try_from(index)
                .ok()
                .and_then(|i| digits.get(i))
                .map_or(0, |d| *d)
        };
        let whole: String = (0..=weight.max(0))
            .rev()
            .map(|p| format!("{:04}", group(p)))
            .collect();
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        let groups = (scale + 3) / 4;
        let fraction: String = (1..=groups).map(|p| format!("{:04}", group(-p))).collect();
        let fraction = &fraction[..scale as usize];
        let sign = if sign == 0x4000 { "-" } else { "" };
        let point = if scale > 0 { "." } else { "" };
        Ok(BinaryNumeric(format!("{sign}{whole}{point}{fraction}")))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// Quotients with PostgreSQL's digits are `numeric` in binary format too (the extended
/// protocol's results are binary here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_quotients_in_binary_format() {
    let data = data_dir();
    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    let sql = "SELECT 1 / 3::numeric, 7.0 / 2, coalesce(1, 2.5)";
    let statement = client.prepare(sql).await.unwrap_or_else(|e| {
        panic!(
            "prepare {sql}: {}\n{}",
            backend::describe(&e),
            gateway.logs()
        )
    });
    let types: Vec<_> = statement
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    assert_eq!(
        types,
        [Type::NUMERIC, Type::NUMERIC, Type::NUMERIC],
        "{sql}"
    );
    let row = client
        .query_one(&statement, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}\n{}", backend::describe(&e), gateway.logs()));
    let values: Vec<String> = (0..3).map(|i| row.get::<_, BinaryNumeric>(i).0).collect();
    assert_eq!(
        values,
        ["0.33333333333333333333", "3.5000000000000000", "1"],
        "{sql}"
    );
    drop(client);
    terminate_cleanly(&mut gateway);
}

/// The password given to the postgres server in the secret test.
const SECRET: &str = "sekrit-do-not-print-42";

/// The PostgreSQL database the secret test reads (created by the test).
const SECRET_TEST_DB: &str = "fedgate_process_tests";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_password_is_never_printed_or_returned() {
    let _lock = fresh_pg_database(
        SECRET_TEST_DB,
        "CREATE TABLE t (id int4 PRIMARY KEY, v text); \
         INSERT INTO t VALUES (1, 'one'), (2, 'two');",
    )
    .await;

    let data = data_dir();
    let mut gateway = Gateway::builder(data.path())
        .env("FEDGATE_LOG", "debug")
        .env("RUST_LOG", "debug")
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let client = connect(&gateway).await;

    // The trust-authenticated fixture server ignores the password, so queries work.
    let create = format!(
        "{}, password {})",
        create_postgres_server_sql("pw", SECRET_TEST_DB).trim_end_matches(')'),
        quote_literal(SECRET)
    );
    ok(execute(&client, &create).await, &gateway);
    let rows = ok(
        query_rows(&client, "SELECT id, v FROM pw.public.t ORDER BY id").await,
        &gateway,
    );
    assert_eq!(rows, [["1", "one"], ["2", "two"]]);

    let statements = [
        "SELECT v FROM pw.public.t WHERE id = 2".to_string(),
        "SELECT no_such_column FROM pw.public.t".to_string(),
        "SELECT * FROM pw.public.no_such_table".to_string(),
        "SELECT id / (id - id) FROM pw.public.t".to_string(),
        "EXPLAIN SELECT v FROM pw.public.t WHERE id = 1".to_string(),
        "EXPLAIN VERBOSE SELECT v FROM pw.public.t WHERE id = 1".to_string(),
        LIST_SERVERS_SQL.to_string(),
        "SELECT * FROM pg_catalog.pg_foreign_server".to_string(),
        "SELECT * FROM pg_catalog.fedgate_servers".to_string(),
        "SELECT * FROM information_schema.foreign_servers".to_string(),
        "SELECT * FROM information_schema.foreign_server_options".to_string(),
        "SELECT * FROM information_schema.user_mapping_options".to_string(),
        // Duplicate name: the error must not echo the statement.
        create.clone(),
        // Unreachable backend with a password: the connection error must not show it.
        format!(
            "CREATE SERVER pw_down FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', \
             port '1', dbname 'x', user 'postgres', password {})",
            quote_literal(SECRET)
        ),
        // A password inside a URL, and an invalid option next to a password.
        format!(
            "CREATE SERVER pw_url FOREIGN DATA WRAPPER postgres OPTIONS (url {})",
            quote_literal(&format!(
                "postgres://postgres:{SECRET}@127.0.0.1:1/{SECRET_TEST_DB}"
            ))
        ),
        format!(
            "CREATE SERVER pw_bad FOREIGN DATA WRAPPER postgres OPTIONS (hots 'x', password {})",
            quote_literal(SECRET)
        ),
        "SELECT * FROM pw_down.public.t".to_string(),
        "SELECT * FROM pw_url.public.t".to_string(),
    ];
    let mut seen = String::new();
    for sql in &statements {
        match client.simple_query(sql).await {
            Ok(messages) => {
                for message in messages {
                    if let SimpleQueryMessage::Row(row) = message {
                        for i in 0..row.len() {
                            seen.push_str(row.get(i).unwrap_or("NULL"));
                            seen.push('\t');
                        }
                        seen.push('\n');
                    }
                }
            }
            Err(e) => {
                // Display and Debug: the latter carries detail, hint, where, ...
                seen.push_str(&format!("{e}\n{e:?}\n"));
            }
        }
        seen.push_str(
            &format!("-- after: {sql}\n").replace(SECRET, "<the statement itself may contain it>"),
        );
    }
    drop(client);
    terminate_cleanly(&mut gateway);
    let logs = gateway.logs();
    assert!(!logs.is_empty(), "no gateway output was captured");

    assert!(
        !seen.contains(SECRET),
        "a query result or error message contains the backend password:\n{seen}"
    );
    assert!(
        !logs.contains(SECRET),
        "the gateway output contains the backend password:\n{logs}"
    );
}

/// Reads backend messages from `stream` until ReadyForQuery; returns (type, body) pairs.
fn read_until_ready(stream: &mut std::net::TcpStream) -> Vec<(u8, Vec<u8>)> {
    use std::io::Read;
    let mut messages = Vec::new();
    loop {
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).expect("message header");
        let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let mut body = vec![0u8; length - 4];
        stream.read_exact(&mut body).expect("message body");
        let kind = header[0];
        messages.push((kind, body));
        if kind == b'Z' {
            return messages;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_reports_changed_settings_with_parameter_status() {
    use std::io::Write;
    let data = data_dir();
    let mut gateway = start(data.path());
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", gateway.port())).unwrap();
    let params = b"user\0bob\0database\0fedgate\0\0";
    let mut startup = ((params.len() + 8) as u32).to_be_bytes().to_vec();
    startup.extend(196_608u32.to_be_bytes());
    startup.extend(params);
    stream.write_all(&startup).unwrap();
    read_until_ready(&mut stream);
    let sql = b"SET application_name = 'probe'; SET TimeZone = 'UTC'; SELECT 1\0";
    let mut query = vec![b'Q'];
    query.extend(((sql.len() + 4) as u32).to_be_bytes());
    query.extend(sql);
    stream.write_all(&query).unwrap();
    let statuses: Vec<String> = read_until_ready(&mut stream)
        .into_iter()
        .filter(|(kind, _)| *kind == b'S')
        .map(|(_, body)| String::from_utf8_lossy(&body).replace('\0', " "))
        .collect();
    // application_name changed and is reported; TimeZone kept its value and is not.
    assert_eq!(statuses, vec!["application_name probe ".to_string()]);
    terminate_cleanly(&mut gateway);
}

/// The PostgreSQL database the statement_timeout test reads (created by the test).
const TIMEOUT_TEST_DB: &str = "fedgate_process_timeout";

/// statement_timeout ends a query with 57014 and the backend stops running it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_cancels_the_query_and_its_backend_part() {
    let lock = fresh_pg_database(
        TIMEOUT_TEST_DB,
        "CREATE VIEW slow AS SELECT pg_sleep(20)::text AS s, 1 AS x",
    )
    .await;
    let data = data_dir();
    let mut gateway = start(data.path());
    let client = connect(&gateway).await;
    let create = format!(
        "CREATE SERVER p FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', port '5432', dbname '{TIMEOUT_TEST_DB}', user 'postgres')"
    );
    ok(execute(&client, &create).await, &gateway);
    ok(
        execute(&client, "SET statement_timeout = '1s'").await,
        &gateway,
    );
    let started = std::time::Instant::now();
    let error = client
        .simple_query("SELECT x FROM p.public.slow")
        .await
        .expect_err("the query outlives its timeout");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        error.code().map(|c| c.code()),
        Some("57014"),
        "{}",
        backend::describe(&error)
    );
    // The session goes on, and PostgreSQL no longer runs the view's query.
    ok(query_rows(&client, "SELECT 1").await, &gateway);
    let mut active = i64::MAX;
    for _ in 0..20 {
        let rows = lock
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%slow%' AND pid <> pg_backend_pid()",
                &[&TIMEOUT_TEST_DB],
            )
            .await
            .unwrap();
        active = rows.get(0);
        if active == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(active, 0, "the backend query was not cancelled");
    terminate_cleanly(&mut gateway);
}

/// A gateway session as `user` whose NOTICE messages arrive on the returned channel.
async fn connect_with_notices(
    gateway: &Gateway,
    user: &str,
    password: &str,
) -> (
    Client,
    tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::error::DbError>,
) {
    use futures::StreamExt;
    let (client, mut connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(gateway.port())
        .user(user)
        .password(password)
        .dbname("fedgate")
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect as {user}: {}", backend::describe(&e)));
    let (sender, notices) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notice(notice) = message {
                let _ = sender.send(notice);
            }
        }
    });
    (client, notices)
}

/// `DROP USER|ROLE IF EXISTS` of a missing user succeeds with PostgreSQL's NOTICE (as
/// `DROP SERVER IF EXISTS` of a missing server); without IF EXISTS it fails with 42704.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_if_exists_of_a_missing_user_or_server_notices_and_succeeds() {
    let data = data_dir();
    let mut gateway = start(data.path());
    let (client, mut notices) = connect_with_notices(&gateway, "test", "").await;
    let cases = [
        (
            "DROP USER IF EXISTS nosuch",
            "role \"nosuch\" does not exist, skipping",
        ),
        (
            "DROP ROLE IF EXISTS ghost",
            "role \"ghost\" does not exist, skipping",
        ),
        (
            "DROP SERVER IF EXISTS nowhere",
            "server \"nowhere\" does not exist, skipping",
        ),
    ];
    for (sql, notice) in cases {
        let messages = client
            .simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {}\n{}", backend::describe(&e), gateway.logs()));
        assert!(
            matches!(
                messages.as_slice(),
                [SimpleQueryMessage::CommandComplete(0)]
            ),
            "{sql}: {messages:?}"
        );
        let got = tokio::time::timeout(Duration::from_secs(5), notices.recv())
            .await
            .unwrap_or_else(|_| panic!("{sql}: no NOTICE"))
            .expect("notice channel");
        assert_eq!(
            (got.severity(), got.code().code(), got.message()),
            ("NOTICE", "00000", notice),
            "{sql}"
        );
    }
    let error = client
        .simple_query("DROP USER nosuch")
        .await
        .expect_err("dropping a missing user fails");
    assert_eq!(error.code().map(|c| c.code()), Some("42704"));

    // An existing user is dropped without a NOTICE, a missing one in the same statement
    // with one.
    ok(
        execute(&client, "CREATE USER admin1 PASSWORD 'pw1' SUPERUSER").await,
        &gateway,
    );
    drop(client);
    let (client, mut notices) = connect_with_notices(&gateway, "admin1", "pw1").await;
    ok(
        execute(&client, "CREATE USER bob PASSWORD 'pw2'").await,
        &gateway,
    );
    ok(
        execute(&client, "DROP USER IF EXISTS bob, nosuch").await,
        &gateway,
    );
    let got = notices.recv().await.expect("a NOTICE");
    assert_eq!(got.message(), "role \"nosuch\" does not exist, skipping");
    assert!(
        notices.try_recv().is_err(),
        "no NOTICE for the dropped user"
    );
    let refused = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(gateway.port())
        .user("bob")
        .password("pw2")
        .dbname("fedgate")
        .connect(tokio_postgres::NoTls)
        .await
        .err()
        .expect("bob was dropped");
    assert_eq!(refused.code().map(|c| c.code()), Some("28P01"));
    drop(client);
    terminate_cleanly(&mut gateway);
}
