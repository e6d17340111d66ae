//! Integration tests of the MySQL backend against the real MariaDB/MySQL on 127.0.0.1:3306.
//! See `support/mod.rs` for the setup; these tests fail (never skip) without the server.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{
    Array, BinaryArray, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, Int8Array, IntervalMonthDayNanoArray, RecordBatch,
    StringArray, TimestampMicrosecondArray, UInt16Array, UInt32Array, UInt64Array, UInt8Array,
};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{
    DataType, Field, IntervalMonthDayNano, IntervalUnit, Schema, SchemaRef, TimeUnit,
};
use fedgate_adapter_api::{AdapterError, Backend, RemoteQuery, TableEntry, TableKind};
use fedgate_adapter_mysql::{MySqlBackend, MYSQL_TYPE_METADATA, TEXT_FALLBACK_METADATA};
use futures::StreamExt;
use mysql_async::prelude::Queryable;
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

fn one_field(name: &str, data_type: DataType) -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new(name, data_type, true)]))
}

const MICROS_PER_DAY: i64 = 86_400_000_000;
const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// 2024-01-02 as days since 1970-01-01.
const DAY_2024_01_02: i32 = 19_724;

fn table_name(name: &str) -> String {
    format!("{}.{}", quote(DATABASE), quote(name))
}

#[tokio::test]
async fn wrapper_and_dialect() {
    let b = backend(&[]);
    assert_eq!(b.wrapper(), "mysql");
    let dialect = b.sql_dialect().expect("a SQL dialect");
    assert_eq!(format!("{dialect:?}"), "MySqlDialect");
    b.check_connection().await.unwrap();
}

#[tokio::test]
async fn discovery_maps_every_type_of_the_matrix() {
    let b = backend(&[]);
    let schema = table_schema(&b, DATABASE, "all_types").await;
    let expect = |name: &str, data_type: DataType, mysql_type: &str, fallback: Option<&str>| {
        let field = schema.field_with_name(name).unwrap();
        assert_eq!(field.data_type(), &data_type, "{name}");
        assert_eq!(field.metadata()[MYSQL_TYPE_METADATA], mysql_type, "{name}");
        assert_eq!(
            field
                .metadata()
                .get(TEXT_FALLBACK_METADATA)
                .map(String::as_str),
            fallback,
            "{name}"
        );
    };
    let us = TimeUnit::Microsecond;
    expect("id", DataType::Int32, "int(11)", None);
    expect("c_bool", DataType::Boolean, "tinyint(1)", None);
    expect("c_tinyint", DataType::Int8, "tinyint(4)", None);
    expect("c_tinyint_u", DataType::UInt8, "tinyint(3) unsigned", None);
    expect("c_smallint", DataType::Int16, "smallint(6)", None);
    expect(
        "c_smallint_u",
        DataType::UInt16,
        "smallint(5) unsigned",
        None,
    );
    expect("c_mediumint", DataType::Int32, "mediumint(9)", None);
    expect(
        "c_mediumint_u",
        DataType::UInt32,
        "mediumint(8) unsigned",
        None,
    );
    expect("c_int", DataType::Int32, "int(11)", None);
    expect("c_int_u", DataType::UInt32, "int(10) unsigned", None);
    expect("c_bigint", DataType::Int64, "bigint(20)", None);
    expect("c_bigint_u", DataType::UInt64, "bigint(20) unsigned", None);
    expect("c_float", DataType::Float32, "float", None);
    expect("c_double", DataType::Float64, "double", None);
    expect(
        "c_decimal",
        DataType::Decimal128(12, 2),
        "decimal(12,2)",
        None,
    );
    expect(
        "c_decimal_big",
        DataType::Utf8,
        "decimal(65,30)",
        Some("decimal"),
    );
    expect("c_char", DataType::Utf8, "char(5)", None);
    expect("c_varchar", DataType::Utf8, "varchar(50)", None);
    expect("c_text", DataType::Utf8, "text", None);
    expect("c_binary", DataType::Binary, "binary(4)", None);
    expect("c_varbinary", DataType::Binary, "varbinary(10)", None);
    expect("c_blob", DataType::Binary, "blob", None);
    expect("c_date", DataType::Date32, "date", None);
    expect(
        "c_time",
        DataType::Interval(IntervalUnit::MonthDayNano),
        "time(6)",
        None,
    );
    expect(
        "c_datetime",
        DataType::Timestamp(us, None),
        "datetime(6)",
        None,
    );
    expect(
        "c_timestamp",
        DataType::Timestamp(us, Some("+00:00".into())),
        "timestamp(6)",
        None,
    );
    expect("c_year", DataType::Int16, "year(4)", None);
    // MariaDB's JSON is LONGTEXT with a json_valid() check.
    expect("c_json", DataType::Utf8, "longtext", None);
    expect(
        "c_enum",
        DataType::Utf8,
        "enum('small','medium','large')",
        None,
    );
    expect("c_set", DataType::Utf8, "set('a','b','c')", None);
    expect("c_bit", DataType::UInt64, "bit(10)", None);
    expect("c_bit64", DataType::UInt64, "bit(64)", None);
    expect("c_point", DataType::Utf8, "point", Some("point"));
    expect("c_inet6", DataType::Utf8, "inet6", Some("inet6"));
    expect("c_uuid", DataType::Utf8, "uuid", Some("uuid"));

    // Nullability from IS_NULLABLE; date columns are always nullable (zero dates read as NULL).
    assert!(!schema.field_with_name("id").unwrap().is_nullable());
    assert!(!schema.field_with_name("c_smallint").unwrap().is_nullable());
    assert!(schema.field_with_name("c_int").unwrap().is_nullable());
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names.first(), Some(&"id"));
    assert_eq!(names.last(), Some(&"c_uuid"));
    assert_eq!(names.len(), 35);
}

#[tokio::test]
async fn tinyint1_as_boolean_false_keeps_the_integers() {
    let b = backend(&[("tinyint1_as_boolean", "false")]);
    let schema = table_schema(&b, DATABASE, "all_types").await;
    let field = schema.field_with_name("c_bool").unwrap();
    assert_eq!(field.data_type(), &DataType::Int8);
    let batch = all_types(&b).await;
    let bools = column::<Int8Array>(&batch, "c_bool");
    assert_eq!((bools.value(0), bools.value(3)), (2, 0), "BOOL holds 2");
    let e = MySqlBackend::new("mytest", &options(&[("tinyint1_as_boolean", "maybe")])).unwrap_err();
    assert_eq!(e.sqlstate, "22023");
    assert!(e.message.contains("tinyint1_as_boolean"), "{}", e.message);
}

/// The dialect's rendering of a TINYINT(1) boolean means on the server what the scan reads:
/// a stored 2 is true, 0 false, NULL NULL.
#[tokio::test]
async fn boolean_rendering_agrees_with_reading() {
    let b = backend(&[]);
    let schema = table_schema(&b, DATABASE, "all_types").await;
    let field = schema.field_with_name("c_bool").unwrap();
    let dialect = b.sql_dialect().unwrap();
    let value = dialect.column_value("`c_bool`", field);
    let sql = format!(
        "SELECT `id`, {value} AS `b`, NOT {value} AS `n` FROM {} WHERE `id` IS NOT NULL ORDER BY `id`",
        table_name("all_types")
    );
    let out = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int32, true),
        Field::new("b", DataType::Boolean, true),
        Field::new("n", DataType::Boolean, true),
    ]));
    let batches = run_query(&b, &sql, out.clone()).await.unwrap();
    let batch = concat_batches(&out, &batches).unwrap();
    let read = all_types(&b).await;
    let read = column::<BooleanArray>(&read, "c_bool");
    let pushed = column::<BooleanArray>(&batch, "b");
    let negated = column::<BooleanArray>(&batch, "n");
    assert_eq!(pushed.len(), 4);
    for row in 0..4 {
        assert_eq!(pushed.is_null(row), read.is_null(row), "row {row}");
        if read.is_valid(row) {
            assert_eq!(pushed.value(row), read.value(row), "row {row}");
            assert_eq!(negated.value(row), !read.value(row), "row {row}");
        }
    }
}

async fn all_types(b: &MySqlBackend) -> RecordBatch {
    let schema = table_schema(b, DATABASE, "all_types").await;
    let sql = select_all(&schema, &table_name("all_types"), "`id`");
    let batches = run_query(b, &sql, schema.clone()).await.unwrap();
    concat_batches(&schema, &batches).unwrap()
}

#[tokio::test]
async fn execute_decodes_every_type_of_the_matrix() {
    let b = backend(&[]);
    let batch = all_types(&b).await;
    assert_eq!(batch.num_rows(), 4);
    // Row 0: every value; row 1: zero dates; row 2: NULLs; row 3: other extremes.
    assert_eq!(
        column::<Int32Array>(&batch, "id").values().to_vec(),
        vec![1, 2, 3, 4]
    );
    let bools = column::<BooleanArray>(&batch, "c_bool");
    assert_eq!(
        (bools.value(0), bools.value(3)),
        (true, false),
        "BOOL holds 2: non-zero is true"
    );
    let tiny = column::<Int8Array>(&batch, "c_tinyint");
    assert_eq!((tiny.value(0), tiny.value(3)), (-128, 127));
    assert_eq!(column::<UInt8Array>(&batch, "c_tinyint_u").value(0), 255);
    assert_eq!(column::<Int16Array>(&batch, "c_smallint").value(0), -32768);
    assert_eq!(
        column::<UInt16Array>(&batch, "c_smallint_u").value(0),
        65535
    );
    assert_eq!(
        column::<Int32Array>(&batch, "c_mediumint").value(0),
        -8388608
    );
    assert_eq!(
        column::<UInt32Array>(&batch, "c_mediumint_u").value(0),
        16777215
    );
    assert_eq!(column::<Int32Array>(&batch, "c_int").value(0), i32::MIN);
    assert_eq!(column::<UInt32Array>(&batch, "c_int_u").value(0), u32::MAX);
    assert_eq!(column::<Int64Array>(&batch, "c_bigint").value(0), i64::MIN);
    let big_u = column::<UInt64Array>(&batch, "c_bigint_u");
    assert_eq!(big_u.value(0), 18446744073709551615);
    assert_eq!(big_u.value(3), 0);
    let floats = column::<Float32Array>(&batch, "c_float");
    assert_eq!((floats.value(0), floats.value(3)), (0.5, -1e-10));
    assert_eq!(
        column::<Float64Array>(&batch, "c_double").value(0),
        1.2345678901234567
    );
    let decimals = column::<Decimal128Array>(&batch, "c_decimal");
    assert_eq!(decimals.value(0), -123456789012);
    assert_eq!(decimals.value(3), 999999999999);
    assert_eq!(
        column::<StringArray>(&batch, "c_decimal_big").value(0),
        "-12345678901234567890123456789012345.123456789012345678901234567890"
    );
    assert_eq!(column::<StringArray>(&batch, "c_char").value(0), "ab");
    let varchar = column::<StringArray>(&batch, "c_varchar");
    assert_eq!(varchar.value(0), "héllo 😀 wörld");
    assert_eq!(varchar.value(3), "");
    assert_eq!(
        column::<StringArray>(&batch, "c_text").value(0),
        "long text"
    );
    assert_eq!(
        column::<BinaryArray>(&batch, "c_binary").value(0),
        &[0x00, 0xff, 0x10, 0x20]
    );
    assert_eq!(
        column::<BinaryArray>(&batch, "c_varbinary").value(0),
        &[0xde, 0xad, 0xbe, 0xef]
    );
    assert_eq!(column::<BinaryArray>(&batch, "c_blob").value(0), &[0, 1, 2]);

    let dates = column::<Date32Array>(&batch, "c_date");
    assert_eq!(dates.value(0), DAY_2024_01_02);
    assert!(dates.is_null(1), "the zero date reads as NULL");
    assert_eq!(dates.value(3), -354_285, "1000-01-01");

    let times = column::<IntervalMonthDayNanoArray>(&batch, "c_time");
    let max_time = (838 * 3600 + 59 * 60 + 59) * NANOS_PER_SECOND;
    assert_eq!(times.value(0), IntervalMonthDayNano::new(0, 0, -max_time));
    assert_eq!(
        times.value(1),
        IntervalMonthDayNano::new(
            0,
            0,
            (12 * 3600 + 34 * 60 + 56) * NANOS_PER_SECOND + 500_000_000
        )
    );
    assert_eq!(times.value(3), IntervalMonthDayNano::new(0, 0, max_time));

    let day = i64::from(DAY_2024_01_02) * MICROS_PER_DAY;
    let datetimes = column::<TimestampMicrosecondArray>(&batch, "c_datetime");
    assert_eq!(datetimes.value(0), day + 11_045_123_456);
    assert!(datetimes.is_null(1));
    assert_eq!(
        datetimes.value(3),
        253_402_300_799_999_999,
        "9999-12-31 23:59:59.999999"
    );
    let stamps = column::<TimestampMicrosecondArray>(&batch, "c_timestamp");
    assert_eq!(stamps.value(0), day + 11_045_654_321, "UTC");
    assert!(stamps.is_null(1));
    assert_eq!(stamps.timezone(), Some("+00:00"));

    let years = column::<Int16Array>(&batch, "c_year");
    assert_eq!((years.value(0), years.value(3)), (2024, 1901));
    let json = column::<StringArray>(&batch, "c_json").value(0);
    assert_eq!(json, r#"{"a": [1, 2]}"#);
    assert_eq!(column::<StringArray>(&batch, "c_enum").value(0), "medium");
    assert_eq!(
        column::<StringArray>(&batch, "c_set").value(0),
        "a,c",
        "as MySQL prints it"
    );
    let bits = column::<UInt64Array>(&batch, "c_bit");
    assert_eq!((bits.value(0), bits.value(3)), (0b1010101010, 0));
    assert_eq!(column::<UInt64Array>(&batch, "c_bit64").value(0), u64::MAX);
    assert_eq!(
        column::<StringArray>(&batch, "c_point").value(0),
        "POINT(1 2)"
    );
    assert_eq!(column::<StringArray>(&batch, "c_inet6").value(0), "::1");
    assert_eq!(
        column::<StringArray>(&batch, "c_uuid").value(0),
        "123e4567-e89b-12d3-a456-426614174000"
    );

    // Row 2 (id 3) is NULL everywhere except id and the NOT NULL smallint.
    for (i, field) in batch.schema().fields().iter().enumerate() {
        let expect_null = !matches!(field.name().as_str(), "id" | "c_smallint");
        assert_eq!(batch.column(i).is_null(2), expect_null, "{}", field.name());
    }
}

#[tokio::test]
async fn emoji_survive_in_results_and_in_query_text() {
    let b = backend(&[]);
    let schema = one_field("c_varchar", DataType::Utf8);
    let sql = format!(
        "SELECT `c_varchar` FROM {} WHERE (`c_varchar` = 'héllo 😀 wörld')",
        table_name("all_types")
    );
    let batches = run_query(&b, &sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(batch.num_rows(), 1);
    assert_eq!(
        column::<StringArray>(&batch, "c_varchar").value(0),
        "héllo 😀 wörld"
    );
    let batches = run_query(
        &b,
        "SELECT '🦀 \\\\ ok' AS v",
        one_field("v", DataType::Utf8),
    )
    .await
    .unwrap();
    assert_eq!(
        column::<StringArray>(&batches[0], "v").value(0),
        "🦀 \\ ok",
        "backslash escapes mean what the planner intends"
    );
}

#[tokio::test]
async fn schemas_tables_and_views() {
    let b = backend(&[]);
    let schemas = b.list_schemas().await.unwrap();
    assert!(schemas.contains(&DATABASE.to_string()), "{schemas:?}");
    assert!(schemas.contains(&OTHER_DATABASE.to_string()), "{schemas:?}");
    for system in ["information_schema", "mysql", "performance_schema", "sys"] {
        assert!(!schemas.contains(&system.to_string()), "{schemas:?}");
    }
    let mut sorted = schemas.clone();
    sorted.sort();
    assert_eq!(schemas, sorted);

    let tables = b.list_tables(DATABASE).await.unwrap();
    let entry = |name: &str, kind| TableEntry {
        name: name.to_string(),
        kind,
    };
    assert!(
        tables.contains(&entry("all_types", TableKind::Table)),
        "{tables:?}"
    );
    assert!(
        tables.contains(&entry("numbers", TableKind::Table)),
        "{tables:?}"
    );
    assert!(
        tables.contains(&entry("v_small", TableKind::View)),
        "{tables:?}"
    );
    assert!(
        tables.contains(&entry(EVIL_TABLE, TableKind::Table)),
        "{tables:?}"
    );

    let view = table_schema(&b, DATABASE, "v_small").await;
    let names: Vec<&str> = view.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, vec!["id", "c_int", "c_varchar"]);

    assert!(b.table(DATABASE, "no_such_table").await.unwrap().is_none());
    assert!(b
        .list_tables("fedgate_no_such_db")
        .await
        .unwrap()
        .is_empty());
    // Names are exact: information_schema compares case-insensitively on MariaDB.
    assert!(b.table(DATABASE, "Mixed_Case").await.unwrap().is_some());
    assert!(b.table(DATABASE, "mixed_case").await.unwrap().is_none());
    assert!(b.table(DATABASE, "ALL_TYPES").await.unwrap().is_none());
    // System databases are not exposed by default.
    assert!(b.table("mysql", "user").await.unwrap().is_none());
    assert!(b.list_tables("mysql").await.unwrap().is_empty());
}

#[tokio::test]
async fn databases_option_restricts_the_schemas() {
    let databases = format!("{DATABASE}, fedgate_myadapter_missing");
    let b = backend(&[("databases", &databases)]);
    assert_eq!(b.list_schemas().await.unwrap(), vec![DATABASE.to_string()]);
    assert!(b.list_tables(OTHER_DATABASE).await.unwrap().is_empty());
    assert!(b.table(OTHER_DATABASE, "t").await.unwrap().is_none());
    assert!(b.table(DATABASE, "numbers").await.unwrap().is_some());

    let all = backend(&[]);
    assert!(all.table(OTHER_DATABASE, "t").await.unwrap().is_some());

    // A system database named in the option is exposed.
    let with_mysql = backend(&[("databases", "mysql")]);
    assert_eq!(
        with_mysql.list_schemas().await.unwrap(),
        vec!["mysql".to_string()]
    );
    assert!(with_mysql.table("mysql", "user").await.unwrap().is_some());
}

#[tokio::test]
async fn check_connection_rejects_a_database_that_is_not_there() {
    let databases = format!("{DATABASE}, fedgate_myadapter_missing");
    let error = backend(&[("databases", &databases)])
        .check_connection()
        .await
        .unwrap_err();
    assert_eq!(error.sqlstate, "3D000", "{error}");
    assert!(
        error.to_string().contains("fedgate_myadapter_missing"),
        "{error}"
    );
    let listed = format!("{DATABASE}, {OTHER_DATABASE}");
    backend(&[("databases", &listed)])
        .check_connection()
        .await
        .unwrap();
}

#[tokio::test]
async fn schemas_are_those_the_user_can_see() {
    let b = backend(&[("user", TEST_USER), ("password", TEST_USER_PASSWORD)]);
    assert_eq!(b.list_schemas().await.unwrap(), vec![DATABASE.to_string()]);
}

#[tokio::test]
async fn awkward_names_work_through_discovery_and_execute() {
    let b = backend(&[]);
    let schema = table_schema(&b, DATABASE, EVIL_TABLE).await;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, vec!["col `x`", "we'ird"]);
    let sql = select_all(&schema, &table_name(EVIL_TABLE), "1");
    let batches = run_query(&b, &sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(
        column::<Int32Array>(&batch, "col `x`").values().to_vec(),
        vec![1, 2]
    );
    let weird = column::<StringArray>(&batch, "we'ird");
    assert_eq!(weird.value(0), "o'k");
    assert!(weird.is_null(1));
    // The table x was not dropped by the name.
    assert!(b.table(DATABASE, "x").await.unwrap().is_some());
}

#[tokio::test]
async fn text_fallbacks_are_wrapped_by_field_name() {
    let b = backend(&[]);
    let full = table_schema(&b, DATABASE, "all_types").await;
    // The planner's projection: only some columns, fallbacks among them.
    let schema = Arc::new(full.project(&[0, 15, 32, 33]).unwrap());
    let sql = format!(
        "SELECT `id`, `c_decimal_big`, `c_point`, `c_inet6` FROM {} WHERE (`id` = 1);",
        table_name("all_types")
    );
    let batches = run_query(&b, &sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(batch.num_rows(), 1);
    assert_eq!(
        column::<StringArray>(&batch, "c_decimal_big").value(0),
        "-12345678901234567890123456789012345.123456789012345678901234567890"
    );
    assert_eq!(
        column::<StringArray>(&batch, "c_point").value(0),
        "POINT(1 2)"
    );
    assert_eq!(column::<StringArray>(&batch, "c_inet6").value(0), "::1");
}

#[tokio::test]
async fn order_is_kept_when_fallbacks_arrive_as_text() {
    let b = backend(&[]);
    let full = table_schema(&b, DATABASE, "all_types").await;
    let schema = Arc::new(full.project(&[0, 15, 33]).unwrap());
    let sql = format!(
        "SELECT `id`, `c_decimal_big`, `c_inet6` FROM {} ORDER BY `id` DESC",
        table_name("all_types")
    );
    let batches = run_query(&b, &sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(
        column::<Int32Array>(&batch, "id").values().to_vec(),
        vec![4, 3, 2, 1]
    );
    assert_eq!(
        column::<StringArray>(&batch, "c_decimal_big").value(3),
        "-12345678901234567890123456789012345.123456789012345678901234567890"
    );
    assert_eq!(column::<StringArray>(&batch, "c_inet6").value(3), "::1");
}

#[tokio::test]
async fn batches_of_8192_rows_and_connection_reuse() {
    let b = backend(&[]);
    let schema = one_field("seq", DataType::Int64);
    let sql = "SELECT seq FROM fedgate_myadapter_test.seq_1_to_20000;";
    let batches = run_query(&b, sql, schema.clone()).await.unwrap();
    let sizes: Vec<_> = batches.iter().map(RecordBatch::num_rows).collect();
    assert_eq!(sizes, vec![8192, 8192, 3616]);
    let sum: i64 = batches
        .iter()
        .flat_map(|b| column::<Int64Array>(b, "seq").values().to_vec())
        .sum();
    assert_eq!(sum, 20000 * 20001 / 2);
    wait_for_pool(&b, |s| s.size == 1 && s.idle == 1).await;
    run_query(&b, sql, schema).await.unwrap();
    wait_for_pool(&b, |s| s.size == 1 && s.idle == 1).await;
    // An empty result is no batch at all.
    let batches = run_query(
        &b,
        "SELECT seq FROM fedgate_myadapter_test.seq_1_to_10 WHERE seq > 10",
        one_field("seq", DataType::Int64),
    )
    .await
    .unwrap();
    assert!(batches.is_empty());
}

/// Waits (up to 2 s) until the pool status satisfies `ok`; the pool's bookkeeping is async.
async fn wait_for_pool(b: &MySqlBackend, ok: impl Fn(fedgate_adapter_api::PoolStatus) -> bool) {
    let started = Instant::now();
    while !ok(b.pool_status().unwrap()) {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "pool status {:?}",
            b.pool_status()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn result_types_are_adapted_to_the_requested_schema() {
    let b = backend(&[]);
    // COUNT is BIGINT, SUM of INT is DECIMAL, AVG is DECIMAL: read as the planner asks.
    let schema = Arc::new(Schema::new(vec![
        Field::new("c", DataType::Int64, false),
        Field::new("s", DataType::Int64, true),
        Field::new("a", DataType::Float64, true),
        Field::new("m", DataType::Utf8, true),
    ]));
    let sql = format!(
        "SELECT COUNT(*) AS c, SUM(`n`) AS s, AVG(`n`) AS a, MAX(`label`) AS m FROM {}",
        table_name("numbers")
    );
    let batches = run_query(&b, &sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(column::<Int64Array>(&batch, "c").value(0), 3);
    assert_eq!(column::<Int64Array>(&batch, "s").value(0), 6);
    assert_eq!(column::<Float64Array>(&batch, "a").value(0), 2.0);
    assert_eq!(column::<StringArray>(&batch, "m").value(0), "two");

    // The zero-column scan of the planner: one Boolean placeholder, NULL values.
    let sql = format!("SELECT NULL FROM {}", table_name("numbers"));
    let batches = run_query(&b, &sql, one_field("?", DataType::Boolean))
        .await
        .unwrap();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 3);
    assert_eq!(
        batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<BooleanArray>()
            .unwrap()
            .null_count(),
        3
    );

    let e = run_query(&b, "SELECT 1, 2", one_field("x", DataType::Int32))
        .await
        .unwrap_err();
    assert!(adapter_error(&e).message.contains("2 columns"), "{e}");
}

#[tokio::test]
async fn value_errors_name_the_column() {
    let b = backend(&[]);
    let cases: [(&str, DataType, &str, &str); 4] = [
        ("SELECT 300 AS v", DataType::Int8, "22003", "300"),
        (
            "SELECT CAST(1.005 AS DECIMAL(6,3)) AS v",
            DataType::Decimal128(5, 2),
            "22003",
            "rounded",
        ),
        ("SELECT 'x' AS v", DataType::Int32, "22P02", "\"x\""),
        (
            "SELECT CAST('25:00:00' AS TIME) AS v",
            DataType::Time64(TimeUnit::Microsecond),
            "22008",
            "time of day",
        ),
    ];
    for (sql, data_type, sqlstate, needle) in cases {
        let e = run_query(&b, sql, one_field("v", data_type))
            .await
            .unwrap_err();
        let e = adapter_error(&e);
        assert_eq!(e.sqlstate, sqlstate, "{sql}: {e:?}");
        assert!(
            e.message.starts_with("server \"mytest\": column \"v\": "),
            "{e:?}"
        );
        assert!(e.message.contains(needle), "{sql}: {e:?}");
    }
    // The backend still works afterwards.
    run_query(&b, "SELECT 1", one_field("x", DataType::Int32))
        .await
        .unwrap();
}

#[tokio::test]
async fn server_errors_keep_their_sqlstate() {
    let b = backend(&[]);
    // Rows flow, then the server fails mid-stream (unsigned subtraction out of range).
    let sql = "SELECT seq FROM fedgate_myadapter_test.seq_1_to_20000 WHERE seq < 15000 OR (seq - 30000) > 0";
    let mut stream = b.execute(RemoteQuery {
        sql: sql.into(),
        schema: one_field("seq", DataType::Int64),
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
    assert_eq!(e.sqlstate, "22003", "{e:?}");
    assert!(e.message.starts_with("server \"mytest\": "), "{e:?}");
    assert_eq!(e.detail.as_deref(), Some("MySQL error 1690 (22003)"));
    assert_eq!(rows, 8192, "batches before the error arrive");
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the error"
    );

    let cases = [
        (
            format!("SELECT nope FROM {}", table_name("numbers")),
            "42703",
        ),
        (format!("SELECT n FROM {}", table_name("no_such")), "42P01"),
        ("SELEC 1".to_string(), "42601"),
        (
            "SELECT (SELECT seq FROM fedgate_myadapter_test.seq_1_to_2)".to_string(),
            "21000",
        ),
    ];
    for (sql, sqlstate) in cases {
        let e = run_query(&b, &sql, one_field("v", DataType::Int32))
            .await
            .unwrap_err();
        assert_eq!(adapter_error(&e).sqlstate, sqlstate, "{sql}: {e:?}");
    }
    run_query(&b, "SELECT 1", one_field("x", DataType::Int32))
        .await
        .unwrap();
}

/// Counts the other sessions running a query whose text contains `marker`.
async fn marked_queries(admin: &mut mysql_async::Conn, marker: &str) -> usize {
    let count: Option<u64> = admin
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE ? AND ID <> CONNECTION_ID()",
            (format!("%{marker}%"),),
        )
        .await
        .unwrap();
    count.unwrap_or(0) as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_kills_the_remote_query() {
    const MARKER: &str = "fedgate_cancel_after_rows";
    let b = backend(&[]);
    let mut admin = connect(None).await;
    // 20000 rows come fast, then every row sleeps 10 s: without KILL QUERY the query would
    // stay (the server does not notice a closed socket while it sleeps).
    let sql = format!(
        "SELECT /* {MARKER} */ seq FROM fedgate_myadapter_test.seq_1_to_1000000 WHERE seq <= 20000 OR SLEEP(10) = 0"
    );
    let mut stream = b.execute(RemoteQuery {
        sql,
        schema: one_field("seq", DataType::Int64),
    });
    let first = stream.next().await.expect("a batch").unwrap();
    assert_eq!(first.num_rows(), 8192);
    assert_eq!(
        marked_queries(&mut admin, MARKER).await,
        1,
        "the remote query should be running"
    );
    drop(stream);

    let started = Instant::now();
    while marked_queries(&mut admin, MARKER).await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the remote query is still in the PROCESSLIST 2 s after the stream was dropped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_for_pool(&b, |s| s.size == 0).await;
    // The backend still works afterwards.
    let batches = run_query(&b, "SELECT 1", one_field("x", DataType::Int32))
        .await
        .unwrap();
    assert_eq!(batches[0].num_rows(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_before_the_first_row_kills_the_query() {
    const MARKER: &str = "fedgate_cancel_before_rows";
    let b = backend(&[]);
    let mut admin = connect(None).await;
    let sql = format!("SELECT /* {MARKER} */ SLEEP(30) AS s");
    let mut stream = b.execute(RemoteQuery {
        sql,
        schema: one_field("s", DataType::Int64),
    });
    // Poll once so the query starts, then give up on it.
    let polled = tokio::time::timeout(Duration::from_millis(500), stream.next()).await;
    assert!(polled.is_err(), "SLEEP(30) cannot have answered yet");
    assert_eq!(marked_queries(&mut admin, MARKER).await, 1);
    drop(stream);
    let started = Instant::now();
    while marked_queries(&mut admin, MARKER).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(2), "still running");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn execute_connects_lazily() {
    ensure_database();
    let b = MySqlBackend::new("lazy", &options(&[("port", &free_port().to_string())])).unwrap();
    let stream = b.execute(RemoteQuery {
        sql: "SELECT 1".into(),
        schema: one_field("x", DataType::Int32),
    });
    drop(stream);
    let e = run_query(&b, "SELECT 1", one_field("x", DataType::Int32))
        .await
        .unwrap_err();
    assert_eq!(adapter_error(&e).sqlstate, "08001");
    let e = run_query(&b, " ; ", one_field("x", DataType::Int32))
        .await
        .unwrap_err();
    assert_eq!(adapter_error(&e).sqlstate, "XX000");
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn check_connection_refused_names_host_and_port() {
    ensure_database();
    let b = MySqlBackend::new("down", &options(&[("port", "1")])).unwrap();
    let e = b.check_connection().await.unwrap_err();
    assert_eq!(e.sqlstate, "08001", "{e:?}");
    assert!(e.message.starts_with("server \"down\": "), "{e:?}");
    assert!(e.message.contains("127.0.0.1:1"), "{e:?}");
    assert!(e.message.contains("refused"), "{e:?}");
}

#[tokio::test]
async fn check_connection_wrong_password_is_28p01() {
    let b = backend(&[("user", TEST_USER), ("password", "wrong-secret")]);
    let e = b.check_connection().await.unwrap_err();
    assert_eq!(e.sqlstate, "28P01", "{e:?}");
    assert!(e.message.starts_with("server \"mytest\": "), "{e:?}");
    assert!(e.message.contains("Access denied"), "{e:?}");
    assert!(e.message.contains(TEST_USER), "{e:?}");
    assert!(!format!("{e:?}").contains("wrong-secret"));
    // The right password works.
    let b = backend(&[("user", TEST_USER), ("password", TEST_USER_PASSWORD)]);
    b.check_connection().await.unwrap();
}

#[tokio::test]
async fn check_connection_unknown_database_is_3d000() {
    ensure_database();
    let url = format!("mysql://root@{HOST}:{PORT}/fedgate_myadapter_no_such_db");
    let b = MySqlBackend::new("mytest", &options(&[("url", &url)])).unwrap();
    let e = b.check_connection().await.unwrap_err();
    assert_eq!(e.sqlstate, "3D000", "{e:?}");
    assert!(e.message.contains("fedgate_myadapter_no_such_db"), "{e:?}");
    assert!(e.message.starts_with("server \"mytest\": "), "{e:?}");
}

#[tokio::test]
async fn url_options_connect() {
    ensure_database();
    let url = format!("mysql://{TEST_USER}:{TEST_USER_PASSWORD}@{HOST}:{PORT}/{DATABASE}");
    let b = MySqlBackend::new(
        "u",
        &fedgate_adapter_api::ServerOptions::new([("url".to_string(), url)].into_iter().collect()),
    )
    .unwrap();
    b.check_connection().await.unwrap();
    assert!(!format!("{b:?}").contains(TEST_USER_PASSWORD));
    // The URL's database is the default one: unqualified names resolve in it.
    let batches = run_query(
        &b,
        "SELECT COUNT(*) FROM numbers",
        one_field("c", DataType::Int64),
    )
    .await
    .unwrap();
    assert_eq!(column::<Int64Array>(&batches[0], "c").value(0), 3);
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_errors() {
    std::env::set_var("FEDGATE_MY_IT_PW", "hunter2-secret");
    let b = backend(&[
        ("password_env", "FEDGATE_MY_IT_PW"),
        ("port", &free_port().to_string()),
    ]);
    let e = b.check_connection().await.unwrap_err();
    let shown = format!("{b:?} {e:?} {e} {:?}", b.options());
    assert!(!shown.contains("hunter2"), "{shown}");
    let b = backend(&[("user", TEST_USER), ("password", "hunter2-secret")]);
    let e = b.check_connection().await.unwrap_err();
    let shown = format!("{b:?} {e:?} {e}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[tokio::test]
async fn session_settings() {
    let b = backend(&[]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("tz", DataType::Utf8, true),
        Field::new("cs", DataType::Utf8, true),
        Field::new("backslash", DataType::Int64, true),
    ]));
    let sql = "SELECT @@time_zone AS tz, @@character_set_results AS cs, \
               FIND_IN_SET('NO_BACKSLASH_ESCAPES', @@sql_mode) AS backslash";
    let batches = run_query(&b, sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(column::<StringArray>(&batch, "tz").value(0), "+00:00");
    assert_eq!(column::<StringArray>(&batch, "cs").value(0), "utf8mb4");
    assert_eq!(column::<Int64Array>(&batch, "backslash").value(0), 0);
}

#[tokio::test]
async fn check_connection_timeout_names_host_and_port() {
    ensure_database();
    // A local socket that completes the TCP handshake but never sends the server greeting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let b = MySqlBackend::new(
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

#[tokio::test]
async fn zero_dates_read_as_null_in_any_query() {
    let b = backend(&[]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("d", DataType::Date32, true),
        Field::new("t", DataType::Timestamp(TimeUnit::Microsecond, None), true),
    ]));
    let sql = format!(
        "SELECT `c_date` AS d, `c_datetime` AS t FROM {} WHERE `id` = 2",
        table_name("all_types")
    );
    let batches = run_query(&b, &sql, schema.clone()).await.unwrap();
    let batch = concat_batches(&schema, &batches).unwrap();
    assert_eq!(batch.num_rows(), 1);
    assert!(batch.column(0).is_null(0) && batch.column(1).is_null(0));
    // Through the admin connection, the row really holds zero dates.
    let mut admin = connect(Some(DATABASE)).await;
    let zero: Option<String> = admin
        .query_first("SELECT CAST(c_date AS CHAR) FROM all_types WHERE id = 2")
        .await
        .unwrap();
    assert_eq!(zero.as_deref(), Some("0000-00-00"));
}
