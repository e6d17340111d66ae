//! Aggregate, sort and top-N pushdown ([`MongoPushdown`]) against a MongoDB-wire server on
//! 127.0.0.1:27017 (start one with `scripts/mongodb.sh`).
//!
//! Every query runs twice in one session: over the collection (with the rule, so the
//! pushable part runs in MongoDB) and over an in-memory copy of the same rows (DataFusion
//! alone). The results must be equal; EXPLAIN must show which stages were pushed.

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{AsArray, RecordBatch};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::SessionContext;
use fedgate_adapter_api::{Backend, BackendTable, ServerOptions};
use fedgate_adapter_mongodb::{MongoBackend, MongoPushdown};
use mongodb::bson::{doc, oid::ObjectId, Bson, DateTime, Document};
use mongodb::options::ClientOptions;
use mongodb::Client;

const URL: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

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

fn backend(database: &str, extra: &[(&str, &str)]) -> MongoBackend {
    let mut pairs = vec![("url", URL), ("database", database)];
    pairs.extend_from_slice(extra);
    let options = ServerOptions::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    MongoBackend::new("mongo", &options).unwrap()
}

async fn provider(backend: &MongoBackend, db: &str, coll: &str) -> Arc<dyn TableProvider> {
    match backend.table(db, coll).await.unwrap() {
        Some(BackendTable::Local(p)) => p,
        other => panic!("expected a local table for {db}.{coll}, got {other:?}"),
    }
}

/// A session with the pushdown rule after DataFusion's own rules.
fn context() -> SessionContext {
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_optimizer_rule(Arc::new(MongoPushdown))
        .build();
    SessionContext::new_with_state(state)
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

/// Sales documents: every field has null and missing values somewhere; `amount` is an
/// int, `price` a double with exact binary fractions (sums do not depend on their order),
/// `qty` a long, `day` a date, `owner` an ObjectId, `addr` a subdocument, `tag` of mixed
/// types, `fee` a Decimal128 (numeric(18,2): `x.5` and `x.50` are one value, ints among
/// them, a `-0`).
fn sales() -> Vec<Document> {
    let regions = ["north", "south", "east", "West", "wést"];
    let base = 1_704_067_200_000_i64; // 2024-01-01T00:00:00Z
    let mut docs = Vec::new();
    for i in 0..60_i32 {
        let mut d = doc! {"_id": i};
        match i % 13 {
            0 => {}
            1 => {
                d.insert("region", Bson::Null);
            }
            _ => {
                d.insert("region", regions[(i % 5) as usize]);
            }
        }
        d.insert("year", 2022 + i % 3);
        if i % 7 != 0 {
            d.insert("amount", (i * 37) % 101 - 20);
        } else if i % 2 == 0 {
            d.insert("amount", Bson::Null);
        }
        if i % 9 != 4 {
            d.insert("price", f64::from(i % 17) * 0.25 - 1.0);
        }
        d.insert("qty", i64::from(i) * 1_000_000_007);
        if i % 6 != 5 {
            d.insert("active", i % 4 == 1);
        }
        d.insert(
            "day",
            DateTime::from_millis(base + i64::from(i % 4) * 86_400_000),
        );
        d.insert(
            "owner",
            ObjectId::parse_str(format!("65f1a2b3c4d5e6f7081900{:02x}", i % 5)).unwrap(),
        );
        if i % 8 != 3 {
            d.insert(
                "name",
                format!("{}{}", ["b", "A", "a", "é", "Z"][(i % 5) as usize], i % 11),
            );
        }
        match i % 4 {
            0 => {
                let city = ["Oslo", "Bergen"][(i % 3 % 2) as usize];
                d.insert("addr", doc! {"city": city});
            }
            1 => {
                d.insert("addr", doc! {"zip": "0150"});
            }
            2 => {
                d.insert("addr", Bson::Null);
            }
            _ => {}
        }
        let v = (i * 13) % 41 - 20;
        match (i % 11, i % 4) {
            (0, _) => {
                d.insert("fee", Bson::Null);
            }
            (1, _) => {}
            _ if i == 12 => {
                d.insert("fee", decimal("-0"));
            }
            (_, 0) => {
                d.insert("fee", decimal(&format!("{v}.25")));
            }
            (_, 1) => {
                d.insert("fee", decimal(&format!("{v}.50")));
            }
            (_, 2) => {
                d.insert("fee", decimal(&format!("{v}.5")));
            }
            _ => {
                d.insert("fee", v);
            }
        }
        match i % 3 {
            0 => {
                d.insert("tag", "x");
            }
            1 => {
                d.insert("tag", 5);
            }
            _ => {}
        }
        docs.push(d);
    }
    // The only rows of 2030: all amounts NULL (sum NULL, count 0).
    docs.push(doc! {"_id": 100, "region": "zz", "year": 2030, "amount": Bson::Null});
    docs.push(doc! {"_id": 101, "region": "zz", "year": 2030});
    docs
}

fn decimal(text: &str) -> Bson {
    Bson::Decimal128(text.parse().unwrap())
}

/// A session reading `sales` (and `T`) from MongoDB with the rule, and one reading `T` from
/// an in-memory copy of the same rows (DataFusion alone).
struct Sessions {
    mongo: SessionContext,
    local: SessionContext,
}

async fn sales_context(db: &str, extra: &[(&str, &str)]) -> Sessions {
    let client = setup(db).await;
    client
        .database(db)
        .collection::<Document>("sales")
        .insert_many(sales())
        .await
        .unwrap();
    let b = backend(db, extra);
    let table = provider(&b, db, "sales").await;
    let mongo = context();
    mongo.register_table("sales", table.clone()).unwrap();
    mongo.register_table("t", table).unwrap();
    // The same rows, read without pushdown.
    let df = mongo.sql("SELECT * FROM sales").await.unwrap();
    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.unwrap();
    let mem = MemTable::try_new(schema, vec![batches]).unwrap();
    let local = SessionContext::new();
    local.register_table("t", Arc::new(mem)).unwrap();
    Sessions { mongo, local }
}

/// Runs `query` (table `T`) over MongoDB and over the copy; returns the MongoDB plan.
async fn check(s: &Sessions, query: &str) -> String {
    let got = text(&s.mongo, query).await;
    let want = text(&s.local, query).await;
    assert_eq!(got, want, "{query}");
    explain(&s.mongo, query).await
}

#[tokio::test(flavor = "multi_thread")]
async fn pushed_aggregates_give_datafusions_results() {
    let ctx = sales_context("fedgate_it_push_agg", &[]).await;
    // (query, pushed into $group)
    let cases: &[(&str, bool)] = &[
        (
            "SELECT region, count(*), sum(amount) FROM T WHERE year = 2024 GROUP BY region ORDER BY 2 DESC, 1 LIMIT 3",
            true,
        ),
        (
            "SELECT region, count(*), count(amount), sum(amount), avg(amount), min(amount), max(amount) FROM T GROUP BY region ORDER BY region",
            true,
        ),
        // Missing and null regions are one group; the 2030 group sums no value (NULL).
        (
            "SELECT region, sum(amount), count(amount), avg(amount), min(amount) FROM T WHERE region IS NULL OR year = 2030 GROUP BY region ORDER BY region",
            true,
        ),
        (
            "SELECT year, active, count(*), sum(price), avg(price) FROM T GROUP BY year, active ORDER BY year, active",
            true,
        ),
        (
            "SELECT day, owner, count(*), min(name), max(name), min(day), max(owner), min(active) FROM T GROUP BY day, owner ORDER BY day, owner",
            true,
        ),
        (
            "SELECT addr['city'], count(*), count(addr), count(tag) FROM T GROUP BY addr['city'] ORDER BY 1",
            true,
        ),
        ("SELECT DISTINCT region FROM T ORDER BY region", true),
        ("SELECT DISTINCT name FROM T ORDER BY name", true),
        // Global aggregates, over rows and over no row.
        (
            "SELECT count(*), count(amount), sum(amount), avg(price), min(name), max(day) FROM T",
            true,
        ),
        (
            "SELECT count(*), count(amount), sum(amount), avg(price), min(name), max(day) FROM T WHERE year = 1900",
            true,
        ),
        ("SELECT count(*) FROM T WHERE year = 1900", true),
        // HAVING stays in DataFusion, over the pushed groups.
        (
            "SELECT region, count(*) FROM T GROUP BY region HAVING count(*) > 10 ORDER BY region",
            true,
        ),
        // An aggregate of a pushed aggregate.
        (
            "SELECT count(*), max(n) FROM (SELECT region, count(*) AS n FROM T GROUP BY region) s",
            true,
        ),
        // Decimals: MongoDB compares, groups and adds them by value, exactly.
        ("SELECT fee, count(*), sum(amount) FROM T GROUP BY fee ORDER BY fee", true),
        (
            "SELECT region, sum(fee), min(fee), max(fee), count(fee) FROM T GROUP BY region ORDER BY region",
            true,
        ),
        ("SELECT sum(fee), count(*) FROM T WHERE fee > 3 AND fee <= 15.5", true),
        // Not pushed: decimal averages (MongoDB rounds the quotient to 34 digits), doubles
        // as keys or in min/max (NaN, -0), long sums (overflow), mixed-type columns,
        // DISTINCT aggregates, expressions.
        ("SELECT region, avg(fee) FROM T GROUP BY region ORDER BY region", false),
        ("SELECT price, count(*) FROM T GROUP BY price ORDER BY price", false),
        ("SELECT region, min(price) FROM T GROUP BY region ORDER BY region", false),
        ("SELECT region, sum(qty) FROM T GROUP BY region ORDER BY region", false),
        ("SELECT tag, count(*) FROM T GROUP BY tag ORDER BY tag", false),
        // DataFusion turns a single count(DISTINCT) into two GROUP BYs: both pushed.
        (
            "SELECT region, count(DISTINCT year) FROM T GROUP BY region ORDER BY region",
            true,
        ),
        (
            "SELECT region, count(DISTINCT year), count(DISTINCT active) FROM T GROUP BY region ORDER BY region",
            false,
        ),
        (
            "SELECT upper(region), count(*) FROM T GROUP BY upper(region) ORDER BY 1",
            false,
        ),
        (
            "SELECT region, count(*) FILTER (WHERE year = 2022) FROM T GROUP BY region ORDER BY region",
            false,
        ),
    ];
    for (query, pushed) in cases {
        let plan = check(&ctx, query).await;
        assert!(plan.contains("MongoScanExec: server=mongo"), "{plan}");
        assert_eq!(
            plan.contains("\"$group\""),
            *pushed,
            "{query}: expected pushed={pushed}:\n{plan}"
        );
        if *pushed {
            assert!(!plan.contains("AggregateExec"), "{query}:\n{plan}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pushed_top_n_gives_datafusions_results() {
    let ctx = sales_context("fedgate_it_push_topn", &[]).await;
    // (query, pushed into $sort)
    let cases: &[(&str, bool)] = &[
        ("SELECT _id, name FROM T ORDER BY name, _id LIMIT 7", true),
        ("SELECT _id, name FROM T ORDER BY name DESC, _id LIMIT 7", true),
        ("SELECT _id, name FROM T ORDER BY name NULLS FIRST, _id LIMIT 7", true),
        ("SELECT _id, name FROM T ORDER BY name DESC NULLS LAST, _id DESC LIMIT 7", true),
        ("SELECT _id, amount FROM T ORDER BY amount, _id LIMIT 5 OFFSET 3", true),
        ("SELECT _id, amount FROM T ORDER BY amount DESC, _id LIMIT 5 OFFSET 50", true),
        ("SELECT _id, year FROM T WHERE amount > 10 ORDER BY year DESC, _id LIMIT 4", true),
        ("SELECT _id FROM T ORDER BY day DESC, owner, _id LIMIT 6", true),
        ("SELECT _id FROM T ORDER BY active, _id DESC LIMIT 6 OFFSET 1", true),
        ("SELECT _id, qty FROM T ORDER BY qty DESC LIMIT 3", true),
        ("SELECT _id, fee FROM T ORDER BY fee, _id LIMIT 6", true),
        ("SELECT _id, fee FROM T ORDER BY fee DESC NULLS LAST, _id LIMIT 6 OFFSET 2", true),
        (
            "SELECT addr['city'] AS city, _id FROM T ORDER BY addr['city'], _id LIMIT 9",
            true,
        ),
        // After a pushed $group: sort keys are group keys and aggregate outputs.
        (
            "SELECT region, count(*) AS n, sum(amount) AS s FROM T GROUP BY region ORDER BY n DESC, region LIMIT 2 OFFSET 1",
            true,
        ),
        (
            "SELECT region, sum(amount) AS s FROM T GROUP BY region ORDER BY s NULLS FIRST, region LIMIT 3",
            true,
        ),
        // Not pushed: double keys, mixed-type keys, expressions, no LIMIT.
        ("SELECT _id, price FROM T ORDER BY price, _id LIMIT 5", false),
        ("SELECT _id, tag FROM T ORDER BY tag, _id LIMIT 5", false),
        ("SELECT _id FROM T ORDER BY amount + 1, _id LIMIT 5", false),
        ("SELECT _id, name FROM T ORDER BY name, _id", false),
        (
            "SELECT region, avg(amount) AS a FROM T GROUP BY region ORDER BY a, region LIMIT 2",
            false,
        ),
    ];
    for (query, pushed) in cases {
        let plan = check(&ctx, query).await;
        assert_eq!(
            plan.contains("\"$sort\""),
            *pushed,
            "{query}: expected pushed={pushed}:\n{plan}"
        );
        if *pushed {
            // DataFusion still orders the (at most LIMIT) rows it gets.
            assert!(plan.contains("SortExec: TopK"), "{query}:\n{plan}");
            assert!(!plan.contains("GlobalLimitExec: skip="), "{query}:\n{plan}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelines_are_as_documented() {
    let ctx = sales_context("fedgate_it_push_pipe", &[]).await.mongo;
    let plan = explain(
        &ctx,
        "SELECT region, count(*), sum(amount) FROM sales WHERE year = 2024 GROUP BY region ORDER BY 2 DESC LIMIT 3",
    )
    .await;
    assert!(
        plan.contains(concat!(
            r#"pipeline=[{"$match":{"year":{"$eq":2024}}},{"$project":{"_id":0,"amount":1,"region":1}},"#,
            r#"{"$group":{"_id":{"k0":{"$ifNull":["$region",null]}},"a0":{"$sum":1},"a1":{"$sum":"$amount"},"#,
            r#""n1":{"$sum":{"$cond":[{"$eq":[{"$ifNull":["$amount",null]},null]},0,1]}}}},"#,
            r#"{"$project":{"_id":0,"c0":"$_id.k0","c1":"$a0","c2":{"$cond":[{"$gt":["$n1",0]},"$a1",null]}}},"#,
            r#"{"$sort":{"c1":-1}},{"$limit":3}]"#
        )),
        "{plan}"
    );
    // ASC NULLS LAST needs the null flag.
    let plan = explain(&ctx, "SELECT _id FROM sales ORDER BY name LIMIT 2 OFFSET 1").await;
    assert!(
        plan.contains(concat!(
            r#"pipeline=[{"$project":{"_id":1,"name":1}},"#,
            r#"{"$addFields":{"__fedgate_null0":{"$cond":[{"$eq":[{"$ifNull":["$name",null]},null]},1,0]}}},"#,
            r#"{"$sort":{"__fedgate_null0":1,"name":1}},{"$skip":1},{"$limit":2}]"#
        )),
        "{plan}"
    );
    // A LIMIT over pushed groups becomes $limit.
    let plan = explain(&ctx, "SELECT region FROM sales GROUP BY region LIMIT 2").await;
    assert!(plan.contains(r#"{"$limit":2}]"#), "{plan}");
}

#[tokio::test(flavor = "multi_thread")]
async fn switches_turn_pushdown_off() {
    let agg = "SELECT region, count(*) FROM sales GROUP BY region ORDER BY 2 DESC, 1 LIMIT 2";
    let top = "SELECT _id FROM sales ORDER BY name, _id LIMIT 3";
    let on = sales_context("fedgate_it_push_on", &[]).await.mongo;
    let want_agg = text(&on, agg).await;
    let want_top = text(&on, top).await;
    for (db, option, group, sort) in [
        ("fedgate_it_push_noagg", "pushdown_aggregates", false, true),
        ("fedgate_it_push_nosort", "pushdown_sort", true, false),
        ("fedgate_it_push_nolimit", "pushdown_limit", true, false),
        ("fedgate_it_push_none", "pushdown", false, false),
    ] {
        let ctx = sales_context(db, &[(option, "false")]).await.mongo;
        assert_eq!(text(&ctx, agg).await, want_agg, "{option}");
        assert_eq!(text(&ctx, top).await, want_top, "{option}");
        let plan = explain(&ctx, agg).await;
        assert_eq!(plan.contains("\"$group\""), group, "{option}: {plan}");
        let plan = explain(&ctx, top).await;
        assert_eq!(plan.contains("\"$sort\""), sort, "{option}: {plan}");
        assert_eq!(plan.contains("\"$limit\""), sort, "{option}: {plan}");
    }
}
