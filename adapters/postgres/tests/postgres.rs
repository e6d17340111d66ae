//! Integration tests of the PostgreSQL backend against the real server on 127.0.0.1:5432.
//! See `support/mod.rs` for the setup; these tests fail (never skip) without PostgreSQL.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{
    Array, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, IntervalMonthDayNanoArray, ListArray, RecordBatch,
    StringArray, Time64MicrosecondArray, TimestampMicrosecondArray, UInt32Array,
};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{
    DataType, Field, IntervalMonthDayNano, IntervalUnit, Schema, SchemaRef, TimeUnit,
};
use fedgate_adapter_api::{AdapterError, Backend, TableEntry, TableKind};
use fedgate_adapter_postgres::{PostgresBackend, PG_TYPE_METADATA, TEXT_FALLBACK_METADATA};
use futures::StreamExt;
use support::*;

fn adapter_error(error: &datafusion::error::DataFusionError) -> &AdapterError {
    AdapterError::find_in(error).unwrap_or_else(|| panic!("not an adapter error: {error:?}"))
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> &'a T {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<T>()
        .unwrap_or_else(|| panic!("column {name} has another array type"))
}

fn list_i32(list: &ListArray, row: usize) -> Vec<Option<i32>> {
    let values = list.value(row);
    let ints = values.as_any().downcast_ref::<Int32Array>().unwrap();
    ints.iter().collect()
}

fn list_str(list: &ListArray, row: usize) -> Vec<Option<String>> {
    let values = list.value(row);
    let strings = values.as_any().downcast_ref::<StringArray>().unwrap();
    strings.iter().map(|s| s.map(str::to_string)).collect()
}

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// 2024-01-02 as days since 1970-01-01.
const DAY_2024_01_02: i32 = 19_724;

#[tokio::test]
async fn wrapper_and_dialect() {
    let b = backend(&[]);
    assert_eq!(b.wrapper(), "postgres");
    let dialect = b.sql_dialect().expect("a SQL dialect");
    assert_eq!(format!("{dialect:?}"), "PostgresDialect");
    b.check_connection().await.unwrap();
}

#[tokio::test]
async fn discovery_maps_every_type_of_the_matrix() {
    let b = backend(&[]);
    let schema = table_schema(&b, "public", "all_types").await;
    let expect = |name: &str, data_type: DataType, pg_type: &str, fallback: Option<&str>| {
        let field = schema.field_with_name(name).unwrap();
        assert_eq!(field.data_type(), &data_type, "{name}");
        assert_eq!(field.metadata()[PG_TYPE_METADATA], pg_type, "{name}");
        assert_eq!(
            field
                .metadata()
                .get(TEXT_FALLBACK_METADATA)
                .map(String::as_str),
            fallback,
            "{name}"
        );
    };
    let list = |t: DataType| DataType::List(Arc::new(Field::new("item", t, true)));
    let us = TimeUnit::Microsecond;
    expect("id", DataType::Int32, "integer", None);
    expect("c_bool", DataType::Boolean, "boolean", None);
    expect("c_int2", DataType::Int16, "smallint", None);
    expect("c_int8", DataType::Int64, "bigint", None);
    expect("c_oid", DataType::UInt32, "oid", None);
    expect("c_float4", DataType::Float32, "real", None);
    expect("c_float8", DataType::Float64, "double precision", None);
    expect(
        "c_numeric",
        DataType::Decimal128(12, 2),
        "numeric(12,2)",
        None,
    );
    expect("c_numeric_any", DataType::Utf8, "numeric", None);
    expect("c_numeric_big", DataType::Utf8, "numeric(50,5)", None);
    expect("c_text", DataType::Utf8, "text", None);
    expect("c_varchar", DataType::Utf8, "character varying(20)", None);
    expect("c_char", DataType::Utf8, "character(5)", None);
    expect("c_name", DataType::Utf8, "name", None);
    expect("c_bytea", DataType::Binary, "bytea", None);
    expect("c_date", DataType::Date32, "date", None);
    expect(
        "c_time",
        DataType::Time64(us),
        "time without time zone",
        None,
    );
    expect(
        "c_timestamp",
        DataType::Timestamp(us, None),
        "timestamp without time zone",
        None,
    );
    expect(
        "c_timestamptz",
        DataType::Timestamp(us, Some("+00:00".into())),
        "timestamp with time zone",
        None,
    );
    expect(
        "c_interval",
        DataType::Interval(IntervalUnit::MonthDayNano),
        "interval",
        None,
    );
    expect("c_uuid", DataType::Utf8, "uuid", None);
    expect("c_json", DataType::Utf8, "json", None);
    expect("c_jsonb", DataType::Utf8, "jsonb", None);
    expect("c_mood", DataType::Utf8, "mood", None);
    expect("c_int4_array", list(DataType::Int32), "integer[]", None);
    expect("c_text_array", list(DataType::Utf8), "text[]", None);
    expect(
        "c_numeric_array",
        list(DataType::Decimal128(6, 3)),
        "numeric(6,3)[]",
        None,
    );
    expect("c_mood_array", list(DataType::Utf8), "mood[]", None);
    expect("c_price", DataType::Decimal128(10, 2), "price", None);
    expect(
        "c_price_alias",
        DataType::Decimal128(10, 2),
        "price_alias",
        None,
    );
    expect("c_posint", DataType::Int32, "posint", None);
    expect("c_money", DataType::Utf8, "money", Some("money"));
    expect("c_inet", DataType::Utf8, "inet", Some("inet"));
    expect(
        "c_timetz",
        DataType::Utf8,
        "time with time zone",
        Some("time with time zone"),
    );
    expect("c_xml", DataType::Utf8, "xml", Some("xml"));
    expect("c_point", DataType::Utf8, "point", Some("point"));
    expect("c_range", DataType::Utf8, "int4range", Some("int4range"));
    expect("c_bit", DataType::Utf8, "bit(3)", Some("bit"));
    expect("c_inet_array", DataType::Utf8, "inet[]", Some("inet[]"));
    expect("c_macaddr", DataType::Utf8, "macaddr", Some("macaddr"));
    expect("c_tsvector", DataType::Utf8, "tsvector", Some("tsvector"));
    assert!(!schema.field_with_name("id").unwrap().is_nullable());
    assert!(schema.field_with_name("c_bool").unwrap().is_nullable());
    assert_eq!(schema.fields().len(), 42);
}

#[tokio::test]
async fn execute_decodes_every_type_of_the_matrix() {
    let b = backend(&[]);
    let schema = table_schema(&b, "public", "all_types").await;
    let sql = select_all(&schema, "public.all_types", "id");
    let batches = run(&b, &sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(batch.schema(), schema);
    assert_eq!(batch.num_rows(), 3);

    // Row 3 (index 2) is NULL in every column but id.
    for (i, field) in schema.fields().iter().enumerate().skip(1) {
        assert!(batch.column(i).is_null(2), "{} not NULL", field.name());
        assert!(batch.column(i).is_valid(0), "{} NULL", field.name());
        assert!(batch.column(i).is_valid(1), "{} NULL", field.name());
    }
    let ids: Vec<_> = column::<Int32Array>(&batch, "id").iter().collect();
    assert_eq!(ids, vec![Some(1), Some(2), Some(3)]);

    let bools = column::<BooleanArray>(&batch, "c_bool");
    assert!(bools.value(0) && !bools.value(1));
    let int2 = column::<Int16Array>(&batch, "c_int2");
    assert_eq!((int2.value(0), int2.value(1)), (1, i16::MIN));
    let int4 = column::<Int32Array>(&batch, "c_int4");
    assert_eq!((int4.value(0), int4.value(1)), (100, i32::MIN));
    let int8 = column::<Int64Array>(&batch, "c_int8");
    assert_eq!((int8.value(0), int8.value(1)), (10_000_000_000, i64::MIN));
    let oid = column::<UInt32Array>(&batch, "c_oid");
    assert_eq!((oid.value(0), oid.value(1)), (u32::MAX, 0));
    let f4 = column::<Float32Array>(&batch, "c_float4");
    assert_eq!((f4.value(0), f4.value(1)), (1.5, f32::INFINITY));
    let f8 = column::<Float64Array>(&batch, "c_float8");
    assert_eq!(f8.value(0), std::f64::consts::PI);
    assert!(f8.value(1).is_nan());

    let numeric = column::<Decimal128Array>(&batch, "c_numeric");
    assert_eq!((numeric.value(0), numeric.value(1)), (123_450, -1));
    assert_eq!(numeric.value_as_string(0), "1234.50");
    let any = column::<StringArray>(&batch, "c_numeric_any");
    assert_eq!(any.value(0), "3.14159265358979323846");
    assert_eq!(any.value(1), "NaN");
    let big = column::<StringArray>(&batch, "c_numeric_big");
    assert_eq!(
        big.value(0),
        "123456789012345678901234567890123456789012.12345"
    );
    assert_eq!(big.value(1), "-0.00001");

    let text = |name: &str, row: usize| column::<StringArray>(&batch, name).value(row).to_string();
    assert_eq!(text("c_text", 0), "hello");
    assert_eq!(text("c_text", 1), "");
    assert_eq!(text("c_varchar", 0), "üñíçødé ✓");
    assert_eq!(text("c_varchar", 1), "it's \"q\"");
    assert_eq!(text("c_char", 0), "ab   ");
    assert_eq!(text("c_char", 1), "     ");
    assert_eq!(text("c_name", 0), "nm");
    let bytea = column::<BinaryArray>(&batch, "c_bytea");
    assert_eq!(bytea.value(0), &[0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(bytea.value(1), b"");

    let dates = column::<Date32Array>(&batch, "c_date");
    assert_eq!((dates.value(0), dates.value(1)), (DAY_2024_01_02, 10_956));
    let times = column::<Time64MicrosecondArray>(&batch, "c_time");
    assert_eq!((times.value(0), times.value(1)), (11_045_123_456, 0));
    let ts = column::<TimestampMicrosecondArray>(&batch, "c_timestamp");
    let day = i64::from(DAY_2024_01_02) * MICROS_PER_DAY;
    assert_eq!(ts.value(0), day + 11_045_500_000);
    assert_eq!(ts.value(1), 10_957 * MICROS_PER_DAY - 1);
    let tstz = column::<TimestampMicrosecondArray>(&batch, "c_timestamptz");
    assert_eq!(
        tstz.value(0),
        day + 3_845_000_000,
        "03:04:05+02 is 01:04:05 UTC"
    );
    assert_eq!(tstz.value(1), 0);
    let intervals = column::<IntervalMonthDayNanoArray>(&batch, "c_interval");
    assert_eq!(
        intervals.value(0),
        IntervalMonthDayNano::new(14, 3, 14_706_789_000_000)
    );
    assert_eq!(intervals.value(1), IntervalMonthDayNano::new(-3, -4, 0));

    assert_eq!(text("c_uuid", 0), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    assert_eq!(text("c_uuid", 1), "00000000-0000-0000-0000-000000000000");
    assert_eq!(text("c_json", 0), "{\"a\": 1}");
    assert_eq!(text("c_jsonb", 0), "{\"a\": 1, \"b\": [1, 2]}");
    assert_eq!(text("c_jsonb", 1), "{}");
    assert_eq!(text("c_mood", 0), "happy");

    let ints = column::<ListArray>(&batch, "c_int4_array");
    assert_eq!(list_i32(ints, 0), vec![Some(1), None, Some(3)]);
    assert_eq!(list_i32(ints, 1), vec![]);
    let texts = column::<ListArray>(&batch, "c_text_array");
    assert_eq!(
        list_str(texts, 0),
        vec![Some("x".into()), Some("y z".into()), None]
    );
    assert_eq!(list_str(texts, 1), Vec::<Option<String>>::new());
    let numerics = column::<ListArray>(&batch, "c_numeric_array");
    let values = numerics.value(0);
    let decimals = values.as_any().downcast_ref::<Decimal128Array>().unwrap();
    assert_eq!(decimals.values().to_vec(), vec![1_500, -2_125]);
    let moods = column::<ListArray>(&batch, "c_mood_array");
    assert_eq!(
        list_str(moods, 0),
        vec![Some("sad".into()), Some("ok".into())]
    );
    let prices = column::<Decimal128Array>(&batch, "c_price");
    assert_eq!((prices.value(0), prices.value(1)), (999, -50));
    let aliases = column::<Decimal128Array>(&batch, "c_price_alias");
    assert_eq!((aliases.value(0), aliases.value(1)), (125, 0));
    let posint = column::<Int32Array>(&batch, "c_posint");
    assert_eq!((posint.value(0), posint.value(1)), (7, 1));
}

#[tokio::test]
async fn text_fallback_columns_arrive_as_postgres_prints_them() {
    let b = backend(&[]);
    let schema = table_schema(&b, "public", "all_types").await;
    let fallbacks: Vec<String> = schema
        .fields()
        .iter()
        .filter(|f| f.metadata().contains_key(TEXT_FALLBACK_METADATA))
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(fallbacks.len(), 10);
    let sql = select_all(&schema, "public.all_types", "id");
    let batch = concat_batches(&schema, &run(&b, &sql, schema.clone()).await.unwrap()).unwrap();
    let direct = connect(DATABASE).await;
    for name in &fallbacks {
        // The simple query protocol returns values as the types' output functions print them.
        let query = format!("SELECT {} FROM all_types ORDER BY id", quote(name));
        let expected: Vec<Option<String>> = direct
            .simple_query(&query)
            .await
            .unwrap()
            .iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
                _ => None,
            })
            .collect();
        let got: Vec<Option<String>> = column::<StringArray>(&batch, name)
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        assert_eq!(got, expected, "{name}");
    }
    assert_eq!(
        column::<StringArray>(&batch, "c_inet").value(0),
        "192.168.0.1/24"
    );
    assert_eq!(
        column::<StringArray>(&batch, "c_inet_array").value(0),
        "{10.0.0.1,::1}"
    );
}

#[tokio::test]
async fn schemas_tables_and_views() {
    let b = backend(&[]);
    let schemas = b.list_schemas().await.unwrap();
    for expected in ["public", "sales", "secret"] {
        assert!(schemas.contains(&expected.to_string()), "{schemas:?}");
    }
    for hidden in ["pg_catalog", "information_schema", "pg_toast"] {
        assert!(!schemas.contains(&hidden.to_string()), "{schemas:?}");
    }
    assert!(!schemas.iter().any(|s| s.starts_with("pg_temp")));

    let tables = b.list_tables("sales").await.unwrap();
    let entry = |name: &str, kind| TableEntry {
        name: name.to_string(),
        kind,
    };
    assert_eq!(
        tables,
        vec![
            entry("events", TableKind::Table),
            entry("order_mv", TableKind::View),
            entry("order_view", TableKind::View),
            entry("orders", TableKind::Table),
        ]
    );
    assert!(b.list_tables("no_such_schema").await.unwrap().is_empty());

    let orders = table_schema(&b, "sales", "orders").await;
    let names: Vec<_> = orders.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        vec!["id", "note", "total"],
        "dropped column excluded"
    );
    assert!(!orders.field(0).is_nullable());
    assert_eq!(orders.field(2).data_type(), &DataType::Decimal128(12, 2));
    let view = table_schema(&b, "sales", "order_view").await;
    assert_eq!(view.fields().len(), 2);
    let partition = table_schema(&b, "sales", "events_2024").await;
    assert_eq!(partition.field(0).data_type(), &DataType::Date32);
    assert!(b.table("sales", "nope").await.unwrap().is_none());
    assert!(b.table("sales", "not_a_table").await.unwrap().is_none());
    assert!(b.table("sales", "orders_id").await.unwrap().is_none());
    assert!(b.table("nope", "orders").await.unwrap().is_none());
}

#[tokio::test]
async fn schemas_without_usage_are_not_listed() {
    let b = backend(&[("user", LIMITED_ROLE)]);
    let schemas = b.list_schemas().await.unwrap();
    assert!(schemas.contains(&"public".to_string()), "{schemas:?}");
    assert!(!schemas.contains(&"secret".to_string()), "{schemas:?}");
}

#[tokio::test]
async fn awkward_names_work_through_discovery_and_execute() {
    let b = backend(&[]);
    let tables = b.list_tables("public").await.unwrap();
    assert!(tables.iter().any(|t| t.name == EVIL_TABLE), "{tables:?}");
    let schema = table_schema(&b, "public", EVIL_TABLE).await;
    let names: Vec<_> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, vec!["col \"x\"", "we\"ird"]);
    let table = format!("public.{}", quote(EVIL_TABLE));
    let sql = select_all(&schema, &table, "1");
    let batch = concat_batches(&schema, &run(&b, &sql, schema.clone()).await.unwrap()).unwrap();
    let ids: Vec<_> = batch
        .column(0)
        .as_any()
        .downcast_ref::<Int32Array>()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ids, vec![Some(1), Some(2)]);
    let inet = batch
        .column(1)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(inet.value(0), "10.1.2.3");
    assert!(inet.is_null(1));
    // The table x was not dropped by the name.
    assert!(b.table("public", "x").await.unwrap().is_some());
}

fn one_field(name: &str, data_type: DataType) -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new(name, data_type, true)]))
}

#[tokio::test]
async fn batches_of_8192_rows_and_connection_reuse() {
    let b = backend(&[]);
    let schema = one_field("g", DataType::Int64);
    let sql = "SELECT g::int8 FROM generate_series(1, 20000) g;";
    let batches = run(&b, sql, schema.clone()).await.unwrap();
    let sizes: Vec<_> = batches.iter().map(RecordBatch::num_rows).collect();
    assert_eq!(sizes, vec![8192, 8192, 3616]);
    let sum: i64 = batches
        .iter()
        .flat_map(|b| column::<Int64Array>(b, "g").values().to_vec())
        .sum();
    assert_eq!(sum, 20000 * 20001 / 2);
    let status = b.pool_status().unwrap();
    assert_eq!((status.size, status.idle), (1, 1), "{status:?}");
    run(&b, sql, schema).await.unwrap();
    assert_eq!(
        b.pool_status().unwrap().size,
        1,
        "the connection was reused"
    );
}

#[tokio::test]
async fn result_types_are_adapted_to_the_requested_schema() {
    let b = backend(&[]);
    // avg() is numeric remotely; the planner asks for Float64; int8 asked as Int32; inet as Utf8.
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Float64, true),
        Field::new("a", DataType::Int32, true),
        Field::new("n", DataType::Utf8, true),
        Field::new("e", DataType::Int64, true),
    ]));
    let sql = "SELECT avg(x), sum(x), '1.2.3.4'::inet, count(*) FROM (VALUES (1), (2)) v(x)";
    let batch = concat_batches(&schema, &run(&b, sql, schema.clone()).await.unwrap()).unwrap();
    assert_eq!(
        batch
            .column(0)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .value(0),
        1.5
    );
    assert_eq!(
        batch
            .column(1)
            .as_any()
            .downcast_ref::<Int32Array>()
            .unwrap()
            .value(0),
        3
    );
    assert_eq!(
        batch
            .column(2)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(0),
        "1.2.3.4"
    );
    assert_eq!(
        batch
            .column(3)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap()
            .value(0),
        2
    );

    let e = run(&b, "SELECT 1, 2", one_field("x", DataType::Int32))
        .await
        .unwrap_err();
    assert!(adapter_error(&e).message.contains("2 columns"), "{e}");
}

#[tokio::test]
async fn value_errors_name_the_column() {
    let b = backend(&[]);
    let cases: [(&str, DataType, &str, &str); 6] = [
        (
            "SELECT 'NaN'::numeric AS v",
            DataType::Decimal128(12, 2),
            "22003",
            "NaN",
        ),
        (
            "SELECT 12345.67::numeric AS v",
            DataType::Decimal128(5, 2),
            "22003",
            "12345.67",
        ),
        (
            "SELECT 1.005::numeric AS v",
            DataType::Decimal128(5, 2),
            "22003",
            "rounded",
        ),
        (
            "SELECT 'infinity'::date AS v",
            DataType::Date32,
            "22008",
            "infinity",
        ),
        (
            "SELECT '-infinity'::timestamp AS v",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            "22008",
            "-infinity",
        ),
        (
            "SELECT ARRAY[[1, 2], [3, 4]] AS v",
            DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            "0A000",
            "multi-dimensional",
        ),
    ];
    for (sql, data_type, sqlstate, needle) in cases {
        let e = run(&b, sql, one_field("v", data_type)).await.unwrap_err();
        let e = adapter_error(&e);
        assert_eq!(e.sqlstate, sqlstate, "{sql}: {e:?}");
        assert!(
            e.message.starts_with("server \"pgtest\": column \"v\": "),
            "{e:?}"
        );
        assert!(e.message.contains(needle), "{sql}: {e:?}");
    }
}

#[tokio::test]
async fn errors_while_streaming_keep_their_sqlstate() {
    let b = backend(&[]);
    let schema = one_field("v", DataType::Int32);
    let sql = "SELECT 100 / (5000 - g) FROM generate_series(1, 10000) g";
    let mut stream = b.execute(fedgate_adapter_api::RemoteQuery {
        sql: sql.into(),
        schema,
    });
    let mut rows = 0;
    let error = loop {
        match stream.next().await {
            Some(Ok(batch)) => rows += batch.num_rows(),
            Some(Err(e)) => break e,
            None => panic!("no error"),
        }
    };
    let e = adapter_error(&error);
    assert_eq!(e.sqlstate, "22012", "{e:?}");
    assert!(e.message.starts_with("server \"pgtest\": "), "{e:?}");
    assert!(rows < 5000);

    let e = run(
        &b,
        "SELECT nope FROM sales.orders",
        one_field("v", DataType::Int32),
    )
    .await
    .unwrap_err();
    assert_eq!(adapter_error(&e).sqlstate, "42703");
}

async fn activity_count(admin: &tokio_postgres::Client, application_name: &str) -> i64 {
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&application_name],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_cancels_the_remote_query() {
    const APP: &str = "fedgate_pgadapter_cancel_test";
    let b = backend(&[("application_name", APP)]);
    let admin = connect(DATABASE).await;
    // 10000 rows come fast, then every row sleeps 10 s: without a cancel the query would stay
    // active (the server does not notice a closed socket while it sleeps).
    let sql =
        "SELECT g FROM generate_series(1, 1000000) g WHERE g <= 10000 OR pg_sleep(10) IS NOT NULL";
    let mut stream = b.execute(fedgate_adapter_api::RemoteQuery {
        sql: sql.into(),
        schema: one_field("g", DataType::Int32),
    });
    let first = stream.next().await.expect("a batch").unwrap();
    assert_eq!(first.num_rows(), 8192);
    let active: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
            &[&APP],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(active, 1, "the remote query should be running");
    drop(stream);

    let started = Instant::now();
    while activity_count(&admin, APP).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the remote query is still in pg_stat_activity 2 s after the stream was dropped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        b.pool_status().unwrap().size,
        0,
        "the connection must not go back to the pool"
    );
    // The backend still works afterwards.
    let batches = run(&b, "SELECT 1", one_field("x", DataType::Int32))
        .await
        .unwrap();
    assert_eq!(batches[0].num_rows(), 1);
}

#[tokio::test]
async fn execute_connects_lazily() {
    let b = PostgresBackend::new("lazy", &options(&[("port", &free_port().to_string())])).unwrap();
    let stream = b.execute(fedgate_adapter_api::RemoteQuery {
        sql: "SELECT 1".into(),
        schema: one_field("x", DataType::Int32),
    });
    drop(stream);
    let e = run(&b, "SELECT 1", one_field("x", DataType::Int32))
        .await
        .unwrap_err();
    assert_eq!(adapter_error(&e).sqlstate, "08001");
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn check_connection_refused_names_host_and_port() {
    ensure_database();
    let port = free_port();
    let b = PostgresBackend::new("down", &options(&[("port", &port.to_string())])).unwrap();
    let e = b.check_connection().await.unwrap_err();
    assert_eq!(e.sqlstate, "08001", "{e:?}");
    assert!(e.message.starts_with("server \"down\": "), "{e:?}");
    assert!(e.message.contains(&format!("127.0.0.1:{port}")), "{e:?}");
    assert!(e.message.contains("refused"), "{e:?}");
}

#[tokio::test]
async fn check_connection_missing_database_is_3d000() {
    let b = backend(&[("dbname", "fedgate_pgadapter_no_such_db")]);
    let e = b.check_connection().await.unwrap_err();
    assert_eq!(e.sqlstate, "3D000", "{e:?}");
    assert!(e.message.contains("fedgate_pgadapter_no_such_db"), "{e:?}");
    assert!(e.message.starts_with("server \"pgtest\": "), "{e:?}");
}

#[tokio::test]
async fn check_connection_unknown_role_is_28xxx() {
    let b = backend(&[("user", "fedgate_pgadapter_no_such_role")]);
    let e = b.check_connection().await.unwrap_err();
    assert!(matches!(e.sqlstate.code(), "28000" | "28P01"), "{e:?}");
    assert!(
        e.message.contains("fedgate_pgadapter_no_such_role"),
        "{e:?}"
    );
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    let b = backend(&[
        ("password", "hunter2-secret"),
        ("port", &free_port().to_string()),
    ]);
    let e = b.check_connection().await.unwrap_err();
    let shown = format!("{b:?} {e:?} {e}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let url = format!("postgres://postgres:hunter2-secret@127.0.0.1:{PORT}/{DATABASE}");
    let b = PostgresBackend::new(
        "u",
        &fedgate_adapter_api::ServerOptions::new(
            HashMap::from([("url".to_string(), url)])
                .into_iter()
                .collect(),
        ),
    )
    .unwrap();
    b.check_connection().await.unwrap();
    assert!(!format!("{b:?}").contains("hunter2"));
}

#[tokio::test]
async fn check_connection_timeout_names_host_and_port() {
    ensure_database();
    // A local socket that completes the TCP handshake but never answers the startup message.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let b = PostgresBackend::new(
        "silent",
        &options(&[("port", &port.to_string()), ("connect_timeout", "1")]),
    )
    .unwrap();
    let started = Instant::now();
    let e = b.check_connection().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(e.sqlstate, "08001", "{e:?}");
    assert!(e.message.contains(&format!("127.0.0.1:{port}")), "{e:?}");
    assert!(e.message.contains("timed out"), "{e:?}");
    drop(silent);
}

/// Waits (up to 10 s) until the pool status satisfies `ok`.
async fn wait_for_pool(b: &PostgresBackend, ok: impl Fn(fedgate_adapter_api::PoolStatus) -> bool) {
    let started = Instant::now();
    while !ok(b.pool_status().unwrap()) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "pool status {:?}",
            b.pool_status()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn pool_status_counts_busy_idle_and_waiting() {
    let b = Arc::new(backend(&[("pool_max_size", "1"), ("pool_timeout", "20s")]));
    let status = b.pool_status().unwrap();
    assert_eq!(
        (status.size, status.idle, status.waiting, status.max_size),
        (0, 0, 0, 1)
    );
    let sql = "SELECT pg_sleep(1)::text AS x";
    let slow = |b: Arc<PostgresBackend>| {
        tokio::spawn(async move { run(b.as_ref(), sql, one_field("x", DataType::Utf8)).await })
    };
    let first = slow(b.clone());
    wait_for_pool(&b, |s| s.size == 1 && s.idle == 0).await;
    let second = slow(b.clone());
    wait_for_pool(&b, |s| s.waiting == 1).await;
    first.await.unwrap().unwrap();
    second.await.unwrap().unwrap();
    wait_for_pool(&b, |s| s.size == 1 && s.idle == 1 && s.waiting == 0).await;
}
