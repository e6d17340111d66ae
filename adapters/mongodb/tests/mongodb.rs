//! Integration tests against a MongoDB-wire server on 127.0.0.1:27017.
//!
//! Start one with `scripts/mongodb.sh` (SecantusDB, a MongoDB stand-in; see
//! ../shared/testing/mongodb.md). The tests fail with a clear message when nothing answers.
//! Each test works in its own database (dropped first), so tests run in parallel.

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::catalog::TableProvider;
use datafusion::datasource::{MemTable, TableType};
use datafusion::prelude::SessionContext;
use fedgate_adapter_api::{AdapterError, Backend, BackendTable, ServerOptions, TableKind};
use fedgate_adapter_mongodb::{MongoBackend, MongoScanExec};
use futures::StreamExt;
use mongodb::bson::{
    doc, oid::ObjectId, spec::BinarySubtype, Binary, Bson, DateTime, Decimal128, Document,
};
use mongodb::options::ClientOptions;
use mongodb::Client;

const URL: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

/// A driver client for setting up data; fails the test loudly when no server answers.
async fn setup(database: &str) -> Client {
    let mut options = ClientOptions::parse(URL).await.unwrap();
    options.server_selection_timeout = Some(Duration::from_secs(3));
    let client = Client::with_options(options).unwrap();
    if let Err(e) = client.database("admin").run_command(doc! {"ping": 1}).await {
        panic!(
            "no MongoDB-compatible server answers on 127.0.0.1:27017 — run scripts/mongodb.sh \
             first (it starts the SecantusDB stand-in). Driver error: {e}"
        );
    }
    client.database(database).drop().await.unwrap();
    client
}

fn server_options(pairs: &[(&str, &str)]) -> ServerOptions {
    ServerOptions::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn backend(database: &str, extra: &[(&str, &str)]) -> MongoBackend {
    let mut pairs = vec![("url", URL), ("database", database)];
    pairs.extend_from_slice(extra);
    MongoBackend::new("mongo", &server_options(&pairs)).unwrap()
}

async fn provider(backend: &MongoBackend, db: &str, coll: &str) -> Arc<dyn TableProvider> {
    match backend.table(db, coll).await.unwrap() {
        Some(BackendTable::Local(p)) => p,
        other => panic!("expected a local table for {db}.{coll}, got {other:?}"),
    }
}

async fn insert(client: &Client, db: &str, coll: &str, docs: Vec<Document>) {
    client
        .database(db)
        .collection::<Document>(coll)
        .insert_many(docs)
        .await
        .unwrap();
}

async fn collect(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn text(ctx: &SessionContext, sql: &str) -> String {
    pretty_format_batches(&collect(ctx, sql).await)
        .unwrap()
        .to_string()
}

/// The physical plan lines of `EXPLAIN sql`.
async fn explain(ctx: &SessionContext, sql: &str) -> String {
    let batches = collect(ctx, &format!("EXPLAIN {sql}")).await;
    let mut out = String::new();
    for batch in &batches {
        let kind = batch.column(0).as_string::<i32>();
        let plan = batch.column(1).as_string::<i32>();
        for i in 0..batch.num_rows() {
            if kind.value(i) == "physical_plan" {
                out.push_str(plan.value(i));
            }
        }
    }
    out
}

/// A copy of the whole table in memory, for DataFusion's own evaluation.
async fn mem_copy(ctx: &SessionContext, table: &str) -> Arc<MemTable> {
    let df = ctx.sql(&format!("SELECT * FROM {table}")).await.unwrap();
    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.unwrap();
    Arc::new(MemTable::try_new(schema, vec![batches]).unwrap())
}

fn oid(hex: &str) -> ObjectId {
    ObjectId::parse_str(hex).unwrap()
}

fn decimal(text: &str) -> Decimal128 {
    text.parse().unwrap()
}

// ------------------------------------------------------------------ connection

#[tokio::test(flavor = "multi_thread")]
async fn check_connection_succeeds() {
    setup("fedgate_it_ping").await;
    let b = backend("fedgate_it_ping", &[]);
    assert_eq!(b.wrapper(), "mongodb");
    assert!(b.sql_dialect().is_none());
    b.check_connection().await.unwrap();
    // host/port options instead of a URL.
    let b = MongoBackend::new(
        "mongo",
        &server_options(&[("host", "127.0.0.1"), ("port", "27017")]),
    )
    .unwrap();
    b.check_connection().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_server_is_08001_naming_the_address() {
    let b = MongoBackend::new(
        "lost",
        &server_options(&[
            ("url", "mongodb://127.0.0.1:1/?directConnection=true"),
            ("connect_timeout", "1"),
        ]),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let e = b.check_connection().await.unwrap_err();
    assert_eq!(e.sqlstate, "08001", "{e:?}");
    assert!(e.message.starts_with("server \"lost\": "), "{}", e.message);
    assert!(e.message.contains("127.0.0.1:1"), "{}", e.message);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // Discovery fails the same way.
    assert_eq!(b.list_schemas().await.unwrap_err().sqlstate, "08001");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_are_28p01_without_the_password() {
    setup("fedgate_it_auth").await;
    let b = MongoBackend::new(
        "secure",
        &server_options(&[
            (
                "url",
                "mongodb://nobody:Sup3rSecretPw@127.0.0.1:27017/?directConnection=true&authMechanism=SCRAM-SHA-256",
            ),
            ("connect_timeout", "3"),
        ]),
    )
    .unwrap();
    let e = b.check_connection().await.unwrap_err();
    assert_eq!(e.sqlstate, "28P01", "{e:?}");
    assert!(e.message.contains("nobody"), "{}", e.message);
    assert!(
        e.message.starts_with("server \"secure\": "),
        "{}",
        e.message
    );
    let shown = format!("{e:?} {b:?}");
    assert!(!shown.contains("Sup3rSecretPw"), "{shown}");
}

// ------------------------------------------------------------------ discovery

#[tokio::test(flavor = "multi_thread")]
async fn discovery_lists_databases_collections_and_views() {
    let db = "fedgate_it_disc";
    let client = setup(db).await;
    insert(
        &client,
        db,
        "orders",
        vec![doc! {"_id": 1, "n": 5}, doc! {"_id": 2, "n": 50}],
    )
    .await;
    insert(&client, db, "customers", vec![doc! {"_id": 1}]).await;
    client
        .database(db)
        .create_collection("big_orders")
        .view_on("orders".to_string())
        .pipeline(vec![doc! {"$match": {"n": {"$gt": 10}}}])
        .await
        .unwrap();

    // Default: every database but admin, local, config.
    let all = MongoBackend::new("mongo", &server_options(&[("url", URL)])).unwrap();
    let schemas = all.list_schemas().await.unwrap();
    assert!(schemas.contains(&db.to_string()), "{schemas:?}");
    for system in ["admin", "local", "config"] {
        assert!(!schemas.contains(&system.to_string()), "{schemas:?}");
    }
    assert!(all
        .table("admin", "system.version")
        .await
        .unwrap()
        .is_none());

    // The database option filters.
    let b = backend(db, &[]);
    assert_eq!(b.list_schemas().await.unwrap(), vec![db.to_string()]);
    let tables = b.list_tables(db).await.unwrap();
    let listed: Vec<(&str, TableKind)> = tables.iter().map(|t| (t.name.as_str(), t.kind)).collect();
    assert_eq!(
        listed,
        vec![
            ("big_orders", TableKind::View),
            ("customers", TableKind::Table),
            ("orders", TableKind::Table),
        ]
    );
    assert!(b.list_tables("fedgate_it_other").await.unwrap().is_empty());
    assert!(b.table(db, "missing").await.unwrap().is_none());
    assert!(b
        .table("fedgate_it_other", "orders")
        .await
        .unwrap()
        .is_none());

    // A view reads through its pipeline.
    let view = provider(&b, db, "big_orders").await;
    assert_eq!(view.table_type(), TableType::View);
    let ctx = SessionContext::new();
    ctx.register_table("v", view).unwrap();
    assert_eq!(
        text(&ctx, "SELECT _id, n FROM v").await,
        "+-----+----+\n| _id | n  |\n+-----+----+\n| 2   | 50 |\n+-----+----+"
    );
}

// ------------------------------------------------------------------ types

fn typed_documents() -> Vec<Document> {
    vec![
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a01"),
            "i32": 1_i32,
            "i64": 1_099_511_627_776_i64,
            "dbl": 1.5,
            "intlong": 7_i32,
            "s": "alpha",
            "b": true,
            "dt": DateTime::from_millis(1_700_000_000_123),
            "dec": decimal("1234.5600"),
            "bin": Binary { subtype: BinarySubtype::Generic, bytes: vec![1, 2, 3] },
            "uuid": Binary { subtype: BinarySubtype::Uuid, bytes: vec![0xab; 16] },
            "oid": oid("65f1a2b3c4d5e6f708192aff"),
            "nul": Bson::Null,
            "sub": {"name": "x", "n": 1_i32, "deep": {"z": true}},
            "arr": [1_i32, 2_i32, 3_i32],
            "tags": ["a", "b"],
            "items": [{"sku": "k1", "qty": 2_i32}, {"sku": "k2"}],
            "mixed": "text",
            "mixarr": [1_i32, "a"],
        },
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a02"),
            "i32": 2_i32,
            "i64": -5_i64,
            "dbl": 2_i32,
            "intlong": 8_000_000_000_i64,
            "s": "beta",
            "b": false,
            "dt": DateTime::from_millis(-86_400_000),
            "dec": decimal("-1E+400"),
            "bin": Binary { subtype: BinarySubtype::Generic, bytes: vec![] },
            "nul": Bson::Null,
            "sub": {"name": "y"},
            "arr": [],
            "tags": [],
            "items": [],
            "mixed": 42_i32,
            "mixarr": [true],
        },
        // Every field but _id missing.
        doc! { "_id": oid("65f1a2b3c4d5e6f708192a03") },
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bson_type_reads_into_arrow() {
    let db = "fedgate_it_types";
    let client = setup(db).await;
    insert(&client, db, "typed", typed_documents()).await;
    // The ObjectId `_id` is a column only when asked for (include_id 'true').
    let hidden = provider(&backend(db, &[]), db, "typed").await;
    assert_eq!(hidden.schema().field(0).name(), "i32");
    assert!(hidden.schema().field_with_name("_id").is_err());
    let b = backend(db, &[("include_id", "true")]);
    let table = provider(&b, db, "typed").await;

    let schema = table.schema();
    let field_types: Vec<(String, DataType, bool)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
        .collect();
    let list = |t: DataType| DataType::List(Arc::new(Field::new("item", t, true)));
    assert_eq!(
        field_types,
        vec![
            ("_id".into(), DataType::Utf8, false),
            ("i32".into(), DataType::Int32, true),
            ("i64".into(), DataType::Int64, true),
            ("dbl".into(), DataType::Float64, true),
            ("intlong".into(), DataType::Int64, true),
            ("s".into(), DataType::Utf8, true),
            ("b".into(), DataType::Boolean, true),
            (
                "dt".into(),
                DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into())),
                true
            ),
            ("dec".into(), DataType::Utf8, true),
            ("bin".into(), DataType::Binary, true),
            ("uuid".into(), DataType::Binary, true),
            ("oid".into(), DataType::Utf8, true),
            ("nul".into(), DataType::Utf8, true),
            (
                "sub".into(),
                DataType::Struct(Fields::from(vec![
                    Field::new("name", DataType::Utf8, true),
                    Field::new("n", DataType::Int32, true),
                    Field::new(
                        "deep",
                        DataType::Struct(Fields::from(vec![Field::new(
                            "z",
                            DataType::Boolean,
                            true
                        )])),
                        true
                    ),
                ])),
                true
            ),
            ("arr".into(), list(DataType::Int32), true),
            ("tags".into(), list(DataType::Utf8), true),
            (
                "items".into(),
                list(DataType::Struct(Fields::from(vec![
                    Field::new("sku", DataType::Utf8, true),
                    Field::new("qty", DataType::Int32, true),
                ]))),
                true
            ),
            ("mixed".into(), DataType::Utf8, true),
            ("mixarr".into(), DataType::Utf8, true),
        ]
    );

    let ctx = SessionContext::new();
    ctx.register_table("typed", table).unwrap();
    let scalars = text(
        &ctx,
        "SELECT _id, i32, i64, dbl, intlong, s, b, dt, dec, oid, nul FROM typed ORDER BY _id",
    )
    .await;
    let expected = [
        "+--------------------------+-----+---------------+-----+------------+-------+-------+--------------------------+-----------+--------------------------+-----+",
        "| _id                      | i32 | i64           | dbl | intlong    | s     | b     | dt                       | dec       | oid                      | nul |",
        "+--------------------------+-----+---------------+-----+------------+-------+-------+--------------------------+-----------+--------------------------+-----+",
        "| 65f1a2b3c4d5e6f708192a01 | 1   | 1099511627776 | 1.5 | 7          | alpha | true  | 2023-11-14T22:13:20.123Z | 1234.5600 | 65f1a2b3c4d5e6f708192aff |     |",
        "| 65f1a2b3c4d5e6f708192a02 | 2   | -5            | 2.0 | 8000000000 | beta  | false | 1969-12-31T00:00:00Z     | -1E+400   |                          |     |",
        "| 65f1a2b3c4d5e6f708192a03 |     |               |     |            |       |       |                          |           |                          |     |",
        "+--------------------------+-----+---------------+-----+------------+-------+-------+--------------------------+-----------+--------------------------+-----+",
    ]
    .join("\n");
    assert_eq!(scalars, expected, "\n{scalars}");

    let batches = collect(&ctx, "SELECT bin, uuid FROM typed ORDER BY _id").await;
    let bin = batches[0].column(0).as_binary::<i32>();
    assert_eq!(bin.value(0), &[1, 2, 3]);
    assert_eq!(bin.value(1), &[] as &[u8]);
    assert!(bin.is_valid(1) && bin.is_null(2));
    assert_eq!(
        batches[0].column(1).as_binary::<i32>().value(0),
        &[0xab; 16]
    );

    let nested = text(
        &ctx,
        "SELECT sub['name'] AS name, sub['n'] AS n, sub['deep']['z'] AS z, arr, tags, \
         array_length(items) AS items, items[1]['sku'] AS sku, mixed, mixarr \
         FROM typed ORDER BY _id",
    )
    .await;
    let expected = [
        "+------+---+------+-----------+--------+-------+-----+--------+---------+",
        "| name | n | z    | arr       | tags   | items | sku | mixed  | mixarr  |",
        "+------+---+------+-----------+--------+-------+-----+--------+---------+",
        "| x    | 1 | true | [1, 2, 3] | [a, b] | 2     | k1  | \"text\" | [1,\"a\"] |",
        "| y    |   |      | []        | []     | 0     |     | 42     | [true]  |",
        "|      |   |      |           |        |       |     |        |         |",
        "+------+---+------+-----------+--------+-------+-----+--------+---------+",
    ]
    .join("\n");
    assert_eq!(nested, expected, "\n{nested}");
}

#[tokio::test(flavor = "multi_thread")]
async fn decimals_are_numeric_exact_or_an_error() {
    let db = "fedgate_it_decimals";
    let client = setup(db).await;
    insert(
        &client,
        db,
        "money",
        vec![
            doc! {"_id": 1, "amount": decimal("120000.00")},
            doc! {"_id": 2, "amount": decimal("95000.5")},
            doc! {"_id": 3, "amount": decimal("-150.75")},
            doc! {"_id": 4, "amount": Bson::Null},
            doc! {"_id": 5, "amount": 7_i32},
            doc! {"_id": 6, "amount": decimal("-0")},
        ],
    )
    .await;
    let b = backend(db, &[]);
    let table = provider(&b, db, "money").await;
    // The sample's two fraction digits, at least 18 digits in all.
    assert_eq!(
        table
            .schema()
            .field_with_name("amount")
            .unwrap()
            .data_type(),
        &DataType::Decimal128(18, 2)
    );
    let ctx = SessionContext::new();
    ctx.register_table("money", table).unwrap();
    assert_eq!(
        text(
            &ctx,
            "SELECT sum(amount) AS s, min(amount) AS lo, max(amount) AS hi, count(amount) AS n \
             FROM money"
        )
        .await,
        "+-----------+---------+-----------+---+\n\
         | s         | lo      | hi        | n |\n\
         +-----------+---------+-----------+---+\n\
         | 214856.75 | -150.75 | 120000.00 | 5 |\n\
         +-----------+---------+-----------+---+"
    );
    // A comparison with a number is pushed as a Decimal128 of the same value.
    let sql = "SELECT _id, amount FROM money WHERE amount > 7 ORDER BY amount DESC";
    let plan = explain(&ctx, sql).await;
    assert!(
        plan.contains(r#"{"$match":{"amount":{"$gt":{"$numberDecimal":"#),
        "{plan}"
    );
    assert_eq!(
        text(&ctx, sql).await,
        "+-----+-----------+\n| _id | amount    |\n+-----+-----------+\n\
         | 1   | 120000.00 |\n| 2   | 95000.50  |\n+-----+-----------+"
    );
    assert_eq!(
        text(&ctx, "SELECT _id FROM money WHERE amount = 0").await,
        "+-----+\n| _id |\n+-----+\n| 6   |\n+-----+"
    );
    // A value outside the sample that would need more digits is an error, never rounded.
    insert(
        &client,
        db,
        "money",
        vec![doc! {"_id": 7, "amount": decimal("0.125")}],
    )
    .await;
    let e = ctx
        .sql("SELECT _id, amount FROM money")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    let adapter = AdapterError::find_in(&e).unwrap_or_else(|| panic!("{e}"));
    assert_eq!(adapter.sqlstate, "22003");
    for part in [
        "field \"amount\"",
        "fedgate_it_decimals.money",
        "0.125",
        "_id 7",
        "more than 2 fraction digits",
    ] {
        assert!(
            adapter.message.contains(part),
            "{part}: {}",
            adapter.message
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn value_of_another_type_is_json_text_or_an_error_naming_column_and_id() {
    let db = "fedgate_it_drift";
    let client = setup(db).await;
    insert(
        &client,
        db,
        "drift",
        vec![doc! {"_id": 1, "n": 1, "s": "one"}],
    )
    .await;
    let b = backend(db, &[]);
    let table = provider(&b, db, "drift").await;
    // Documents written after the schema was inferred.
    insert(
        &client,
        db,
        "drift",
        vec![doc! {"_id": 2, "n": 2, "s": 2.5_f64}],
    )
    .await;
    let ctx = SessionContext::new();
    ctx.register_table("drift", table).unwrap();
    assert_eq!(
        text(&ctx, "SELECT _id, s FROM drift ORDER BY _id").await,
        "+-----+-----+\n| _id | s   |\n+-----+-----+\n| 1   | one |\n| 2   | 2.5 |\n+-----+-----+"
    );
    insert(&client, db, "drift", vec![doc! {"_id": 3, "n": "three"}]).await;
    let e = ctx
        .sql("SELECT _id, n FROM drift")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    let adapter = AdapterError::find_in(&e).unwrap_or_else(|| panic!("{e}"));
    assert_eq!(adapter.sqlstate, "22000");
    assert!(
        adapter.message.contains("column \"n\""),
        "{}",
        adapter.message
    );
    assert!(adapter.message.contains("_id 3"), "{}", adapter.message);
    assert!(adapter.message.contains("string"), "{}", adapter.message);
}

// ------------------------------------------------------------------ pushdown

async fn people(db: &str) -> (Client, SessionContext) {
    let client = setup(db).await;
    let names = ["alice", "bob", "carol", "dave", "Eve", "émile", "zoë"];
    let base = 1_704_067_200_000_i64; // 2024-01-01T00:00:00Z
    let mut docs = Vec::new();
    for i in 0..300_i32 {
        let mut d = doc! {"_id": i};
        if i % 11 != 0 {
            if i % 13 == 0 {
                d.insert("n", Bson::Null);
            } else {
                d.insert("n", i % 17);
            }
        }
        let f = if i % 23 == 0 {
            f64::NAN
        } else if i == 40 {
            -0.0
        } else if i == 41 {
            0.0
        } else {
            f64::from(i) / 4.0 - 10.0
        };
        d.insert("f", f);
        if i % 5 != 0 {
            d.insert("s", names[(i % 7) as usize]);
        }
        d.insert("b", i % 3 == 0);
        d.insert("t", DateTime::from_millis(base + i64::from(i) * 3_600_000));
        d.insert(
            "oid",
            ObjectId::parse_str(format!("65f1a2b3c4d5e6f70819{:04x}", i)).unwrap(),
        );
        d.insert(
            "tags",
            if i % 4 == 0 {
                vec![Bson::Null, Bson::from("x")]
            } else {
                vec![]
            },
        );
        docs.push(d);
    }
    insert(&client, db, "people", docs).await;
    let b = backend(db, &[]);
    let table = provider(&b, db, "people").await;
    let ctx = SessionContext::new();
    ctx.register_table("people", table).unwrap();
    let mem = mem_copy(&ctx, "people").await;
    ctx.register_table("mem", mem).unwrap();
    (client, ctx)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pushed {
    All,
    Partly,
    Nothing,
}
use Pushed::*;

#[tokio::test(flavor = "multi_thread")]
async fn pushed_filters_give_datafusions_results() {
    let (_client, ctx) = people("fedgate_it_push").await;
    // (WHERE clause, how much goes into $match)
    let cases: &[(&str, Pushed)] = &[
        ("n = 5", All),
        ("n <> 5", All),
        ("NOT (n = 5)", All),
        ("n > 10 AND s = 'bob'", All),
        ("n < 3 OR s IS NULL", All),
        ("n IS NULL", All),
        ("n IS NOT NULL", All),
        ("n IN (1, 2, 3)", All),
        ("n NOT IN (1, 2, 3)", All),
        ("NOT (n IN (1, 2) OR s = 'bob')", All),
        ("n BETWEEN 3 AND 6", All),
        ("n NOT BETWEEN 3 AND 6", All),
        ("f > 5", All),
        ("f >= 5", All),
        ("f < 0.5", All),
        ("NOT (f < 2.5)", All),
        ("f <> 2.5", All),
        ("f > -1.5 AND f < 1.5", All),
        ("s >= 'c'", All),
        ("s < 'dave'", All),
        ("s <> 'alice'", All),
        ("s IN ('bob', 'carol')", All),
        ("s > 'e'", All),
        ("b", All),
        ("NOT b", All),
        ("b IS NOT TRUE", All),
        ("b = false", All),
        ("t >= '2024-01-05T00:00:00Z'", All),
        ("t < TIMESTAMP '2024-01-02 12:00:00'", All),
        ("oid = '65f1a2b3c4d5e6f70819002a'", All),
        ("oid > '65f1a2b3c4d5e6f708190100'", All),
        ("tags IS NULL", All),
        ("tags IS NOT NULL", All),
        ("n > 3 AND s LIKE 'a%'", Partly),
        // Stay in DataFusion.
        ("f = 0", Nothing),
        ("f < 0", Nothing),
        ("s LIKE 'a%'", Nothing),
        ("n + 1 = 6", Nothing),
        ("n = 1 OR s LIKE 'b%'", Nothing),
        ("oid = '65F1A2B3C4D5E6F70819002A'", Nothing),
    ];
    for (condition, pushed) in cases {
        let pushed = *pushed;
        let pushdown = format!("SELECT * FROM people WHERE {condition} ORDER BY _id");
        let plain = format!("SELECT * FROM mem WHERE {condition} ORDER BY _id");
        let got = text(&ctx, &pushdown).await;
        let want = text(&ctx, &plain).await;
        assert_eq!(got, want, "WHERE {condition}");
        let plan = explain(&ctx, &pushdown).await;
        assert!(
            plan.contains("MongoScanExec: server=mongo, collection=fedgate_it_push.people"),
            "{plan}"
        );
        assert_eq!(
            plan.contains("\"$match\""),
            pushed != Nothing,
            "WHERE {condition}: expected {pushed:?}:\n{plan}"
        );
        // Pushed filters are exact: DataFusion keeps a FilterExec only for the rest.
        assert_eq!(
            plan.contains("FilterExec"),
            pushed != All,
            "WHERE {condition}: expected {pushed:?}:\n{plan}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_shows_the_pipeline() {
    let (_client, ctx) = people("fedgate_it_explain").await;
    let plan = explain(&ctx, "SELECT s FROM people WHERE n <> 5 LIMIT 3").await;
    assert!(
        plan.contains(
            r#"pipeline=[{"$match":{"$and":[{"n":{"$ne":5}},{"n":{"$ne":null}}]}},{"$project":{"_id":0,"s":1}},{"$limit":3}]"#
        ),
        "{plan}"
    );
    let plan = explain(
        &ctx,
        "SELECT _id, n FROM people WHERE oid = '65f1a2b3c4d5e6f70819002a'",
    )
    .await;
    assert!(
        plan.contains(r#"{"$match":{"oid":{"$eq":{"$oid":"65f1a2b3c4d5e6f70819002a"}}}}"#),
        "{plan}"
    );
    assert!(plan.contains(r#"{"$project":{"_id":1,"n":1}}"#), "{plan}");
    let rows = collect(&ctx, "SELECT s FROM people WHERE n <> 5 LIMIT 3").await;
    assert_eq!(rows.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn projections_limits_and_aggregates_match_datafusion() {
    let (_client, ctx) = people("fedgate_it_agg").await;
    for query in [
        "SELECT count(*) FROM {t}",
        "SELECT count(*) FROM {t} WHERE n > 3",
        "SELECT s, count(*) AS c, sum(n) AS total FROM {t} GROUP BY s ORDER BY s",
        "SELECT b, min(t) AS first, max(f) AS most FROM {t} WHERE f > 0 GROUP BY b ORDER BY b",
        "SELECT _id, n FROM {t} WHERE n > 3 ORDER BY _id LIMIT 5",
        "SELECT oid, t FROM {t} WHERE t > '2024-01-10' ORDER BY oid DESC LIMIT 4",
    ] {
        let got = text(&ctx, &query.replace("{t}", "people")).await;
        let want = text(&ctx, &query.replace("{t}", "mem")).await;
        assert_eq!(got, want, "{query}");
    }
    let plan = explain(&ctx, "SELECT _id FROM people LIMIT 7").await;
    assert!(plan.contains(r#"{"$limit":7}"#), "{plan}");
    let plan = explain(&ctx, "SELECT count(*) FROM people").await;
    assert!(plan.contains(r#"{"$project":{"_id":1}}"#), "{plan}");
    let none = collect(&ctx, "SELECT * FROM people LIMIT 0").await;
    assert_eq!(none.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
}

// ------------------------------------------------------------------ streaming

#[tokio::test(flavor = "multi_thread")]
async fn large_collection_streams_in_batches() {
    let db = "fedgate_it_big";
    let client = setup(db).await;
    const ROWS: i32 = 100_000;
    for chunk in 0..10 {
        let docs: Vec<Document> = (0..ROWS / 10)
            .map(|i| {
                let id = chunk * (ROWS / 10) + i;
                doc! {"_id": id, "n": id % 1000, "s": format!("row-{id}")}
            })
            .collect();
        insert(&client, db, "big", docs).await;
    }
    let b = backend(db, &[("sample_size", "100")]);
    let table = provider(&b, db, "big").await;

    // The scan operator itself: batches of at most 8192 rows, as they arrive.
    let ctx = SessionContext::new();
    let plan = table
        .scan(&ctx.state(), Some(&vec![0, 1]), &[], None)
        .await
        .unwrap();
    assert!(plan.downcast_ref::<MongoScanExec>().is_some());
    let mut stream = plan.execute(0, ctx.task_ctx()).unwrap();
    let (mut batches, mut rows) = (0, 0);
    while let Some(batch) = stream.next().await {
        let batch = batch.unwrap();
        assert!(batch.num_rows() <= 8192 && batch.num_rows() > 0);
        batches += 1;
        rows += batch.num_rows();
    }
    assert_eq!(rows, ROWS as usize);
    assert!(batches > 1, "{batches} batches");
    assert_eq!(batches, (ROWS as usize).div_ceil(8192));

    // Dropping a stream early (the cursor is killed) and through SQL.
    let mut stream = plan.execute(0, ctx.task_ctx()).unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().num_rows(), 8192);
    drop(stream);
    ctx.register_table("big", table).unwrap();
    let mut sql_stream = ctx
        .sql("SELECT _id, s FROM big")
        .await
        .unwrap()
        .execute_stream()
        .await
        .unwrap();
    let mut sql_batches = 0;
    let mut sql_rows = 0;
    while let Some(batch) = sql_stream.next().await {
        sql_batches += 1;
        sql_rows += batch.unwrap().num_rows();
    }
    assert_eq!(sql_rows, ROWS as usize);
    assert!(sql_batches > 1, "{sql_batches} batches");
    assert_eq!(
        text(&ctx, "SELECT count(*) AS c, sum(n) AS s FROM big WHERE n >= 990").await,
        "+------+--------+\n| c    | s      |\n+------+--------+\n| 1000 | 994500 |\n+------+--------+"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dotted_field_names_and_empty_collections() {
    let db = "fedgate_it_names";
    let client = setup(db).await;
    insert(
        &client,
        db,
        "dotted",
        vec![
            doc! {"_id": 1, "a.b": 5, "a": {"b": 6}},
            doc! {"_id": 2, "a.b": 7},
        ],
    )
    .await;
    client
        .database(db)
        .create_collection("empty")
        .await
        .unwrap();
    let b = backend(db, &[]);
    let ctx = SessionContext::new();
    ctx.register_table("dotted", provider(&b, db, "dotted").await)
        .unwrap();
    // "a.b" would be a path in $project and $match: whole documents are read, filters stay.
    let sql = r#"SELECT _id, "a.b", a['b'] AS nested FROM dotted WHERE "a.b" > 5"#;
    let plan = explain(&ctx, sql).await;
    assert!(plan.contains("pipeline=[]"), "{plan}");
    assert!(plan.contains("FilterExec"), "{plan}");
    assert_eq!(
        text(&ctx, sql).await,
        "+-----+-----+--------+\n| _id | a.b | nested |\n+-----+-----+--------+\n| 2   | 7   |        |\n+-----+-----+--------+"
    );

    // An empty collection's `_id` is taken as an ObjectId: no column by default (rows are
    // still counted), an ObjectId `_id` column with include_id 'true'; documents added
    // later are read.
    let no_columns = provider(&b, db, "empty").await;
    assert_eq!(no_columns.schema().fields().len(), 0);
    let with_id = backend(db, &[("include_id", "true")]);
    let empty = provider(&with_id, db, "empty").await;
    assert_eq!(empty.schema().fields().len(), 1);
    assert_eq!(empty.schema().field(0).data_type(), &DataType::Utf8);
    insert(
        &client,
        db,
        "empty",
        vec![
            doc! {"_id": oid("65f1a2b3c4d5e6f708192a01"), "x": 1},
            doc! {"_id": 7},
        ],
    )
    .await;
    ctx.register_table("empty", empty).unwrap();
    ctx.register_table("no_columns", no_columns).unwrap();
    assert_eq!(
        text(&ctx, "SELECT count(*) AS n FROM no_columns").await,
        "+---+\n| n |\n+---+\n| 2 |\n+---+"
    );
    assert_eq!(
        text(&ctx, "SELECT _id FROM empty ORDER BY _id").await,
        "+--------------------------+\n| _id                      |\n+--------------------------+\n| 65f1a2b3c4d5e6f708192a01 |\n| 7                        |\n+--------------------------+"
    );
}
