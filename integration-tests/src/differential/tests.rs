use std::path::Path;

use mongodb::bson::Bson;

use super::*;

fn rs(rows: &[&[Option<&str>]], floats: &[bool]) -> ResultSet {
    ResultSet {
        columns: (0..floats.len()).map(|i| format!("c{i}")).collect(),
        float_columns: floats.to_vec(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
            .collect(),
    }
}

#[test]
fn decimal_scale_cut_tolerance() {
    assert!(values_equal(
        Some("25.5751546114546921"),
        Some("25.575154"),
        false
    ));
    assert!(values_equal(
        Some("15.4865458122"),
        Some("15.4865458122840715"),
        false
    ));
    assert!(!values_equal(
        Some("25.58"),
        Some("25.5751546114546921"),
        false
    ));
    assert!(!values_equal(
        Some("25.575155"),
        Some("25.5751536114546921"),
        false
    ));
    assert!(!values_equal(Some("711"), Some("712"), false));
}

#[test]
fn decimals_normalise() {
    assert_eq!(normalize_decimal("1.50").as_deref(), Some("1.5"));
    assert_eq!(normalize_decimal("001.000").as_deref(), Some("1"));
    assert_eq!(normalize_decimal("-0.00").as_deref(), Some("0"));
    assert_eq!(normalize_decimal("+.5").as_deref(), Some("0.5"));
    assert_eq!(normalize_decimal("-12").as_deref(), Some("-12"));
    assert_eq!(normalize_decimal("1e5"), None);
    assert_eq!(normalize_decimal("abc"), None);
    assert_eq!(normalize_decimal("-"), None);
    assert_eq!(normalize_decimal("1995-01-01"), None);
}

#[test]
fn value_rules() {
    assert!(values_equal(Some("1.50"), Some("1.5"), false));
    assert!(!values_equal(Some("1.5000000001"), Some("1.5"), false));
    assert!(values_equal(Some("0.30000000000000004"), Some("0.3"), true));
    assert!(!values_equal(Some("0.3001"), Some("0.3"), true));
    assert!(values_equal(Some("NaN"), Some("NaN"), true));
    assert!(values_equal(
        Some("1e+21"),
        Some("1000000000000000000000"),
        true
    ));
    assert!(values_equal(None, None, false));
    assert!(!values_equal(None, Some(""), false));
    assert!(!values_equal(Some("BUILDING"), Some("building"), false));
    assert!(!values_equal(Some("beta "), Some("beta"), false));
}

#[test]
fn the_exact_rule_compares_bytes() {
    let exact = ValueRule::Exact;
    assert!(exact.equal(Some("1.50"), Some("1.50")));
    assert!(!exact.equal(Some("1.50"), Some("1.5")));
    assert!(!exact.equal(Some("0.30000000000000004"), Some("0.3")));
    assert!(exact.equal(None, None));
    assert!(!exact.equal(None, Some("")));
    assert_ne!(exact.key(Some("1.50")), exact.key(Some("1.5")));
    assert_eq!(
        ValueRule::Decimal.key(Some("1.50")),
        ValueRule::Decimal.key(Some("1.5"))
    );
    let a = rs(&[&[Some("1.50")], &[Some("2")]], &[false]);
    let b = rs(&[&[Some("2")], &[Some("1.5")]], &[false]);
    assert!(compare(&a, &b, &RowOrder::Unordered).is_ok());
    let exact_rules = [ValueRule::Exact];
    let report = compare_by_rules(&a, &b, &RowOrder::Unordered, &exact_rules).unwrap_err();
    assert!(
        report.iter().any(|l| l.contains("1.50 vs 1.5")),
        "{report:?}"
    );
}

#[test]
fn unordered_results_compare_as_multisets() {
    let a = rs(
        &[
            &[Some("1"), Some("x")],
            &[Some("2"), None],
            &[Some("2"), None],
        ],
        &[false, false],
    );
    let b = rs(
        &[
            &[Some("2"), None],
            &[Some("1.0"), Some("x")],
            &[Some("2"), None],
        ],
        &[false, false],
    );
    assert!(compare(&a, &b, &RowOrder::Unordered).is_ok());
    let c = rs(
        &[
            &[Some("2"), None],
            &[Some("1"), Some("x")],
            &[Some("1"), Some("x")],
        ],
        &[false, false],
    );
    let report = compare(&a, &c, &RowOrder::Unordered).unwrap_err();
    assert!(
        report.iter().any(|l| l.contains("only in the oracle")),
        "{report:?}"
    );
    assert!(
        report.iter().any(|l| l.contains("only in fedgate")),
        "{report:?}"
    );
}

#[test]
fn ordered_results_allow_ties_on_the_keys() {
    let a = rs(
        &[
            &[Some("a"), Some("1")],
            &[Some("b"), Some("1")],
            &[Some("c"), Some("0")],
        ],
        &[false, false],
    );
    let b = rs(
        &[
            &[Some("b"), Some("1")],
            &[Some("a"), Some("1")],
            &[Some("c"), Some("0")],
        ],
        &[false, false],
    );
    assert!(compare(&a, &b, &RowOrder::Ordered(Some(vec![1]))).is_ok());
    assert!(compare(&a, &b, &RowOrder::Ordered(None)).is_err());
    let c = rs(
        &[
            &[Some("c"), Some("0")],
            &[Some("a"), Some("1")],
            &[Some("b"), Some("1")],
        ],
        &[false, false],
    );
    assert!(compare(&a, &c, &RowOrder::Ordered(Some(vec![1]))).is_err());
}

#[test]
fn float_tolerance_pairs_rows() {
    let a = rs(&[&[Some("0.1")], &[Some("0.30000000000000004")]], &[true]);
    let b = rs(&[&[Some("0.3")], &[Some("0.1")]], &[false]);
    assert!(compare(&a, &b, &RowOrder::Unordered).is_ok());
}

#[test]
fn rounding_is_diagnosed() {
    assert_eq!(
        cut_digits("0.33333333333333333333", "0.33333"),
        Some("truncated")
    );
    assert_eq!(
        cut_digits("0.66666666666666666667", "0.66667"),
        Some("rounded")
    );
    assert_eq!(
        cut_digits("25.5220058532573370", "25.522006"),
        Some("rounded")
    );
    assert_eq!(
        cut_digits("25.5751546114546921", "25.575154"),
        Some("truncated")
    );
    assert_eq!(cut_digits("-2.5", "-3"), Some("rounded"));
    assert_eq!(cut_digits("2.55", "2.5"), Some("truncated"));
    assert_eq!(cut_digits("0.3333", "0.3334"), None);
    assert_eq!(cut_digits("1.5", "1.5"), None);
    let a = rs(
        &[&[Some("x"), Some("0.33333333333333333333")]],
        &[false, false],
    );
    let b = rs(&[&[Some("x"), Some("0.33333")]], &[false, false]);
    let report = compare(&a, &b, &RowOrder::Unordered).unwrap_err();
    assert!(report.iter().any(|l| l.starts_with("note:")), "{report:?}");
}

#[test]
fn order_by_detection() {
    assert!(has_top_level_order_by("select a from t order by a"));
    assert!(has_top_level_order_by(
        "select a from t ORDER\n  BY a limit 3"
    ));
    assert!(!has_top_level_order_by(
        "select a from (select a from t order by a limit 3) s"
    ));
    assert!(!has_top_level_order_by(
        "select row_number() over (order by a) from t"
    ));
    assert!(!has_top_level_order_by(
        "select 'order by' from t -- order by a"
    ));
    assert_eq!(
        row_order("-- order-keys: 2, 3\nselect a, b, c from t order by b, c").unwrap(),
        RowOrder::Ordered(Some(vec![1, 2]))
    );
    assert!(row_order("-- order-keys: 1\nselect a from t").is_err());
}

#[test]
fn ddl_and_tbl_conversions() {
    let ddl = parse_ddl(
        "-- x\nCREATE TABLE a (\n  x INT,\n  PRIMARY KEY (x)\n);\nCREATE TABLE b (\n  y INT\n);\n",
    );
    assert_eq!(ddl.len(), 2);
    assert!(ddl["a"].ends_with(");") && ddl["a"].contains("PRIMARY KEY (x)"));
    assert_eq!(tbl_to_copy_text("h|i|\n1|\\N|\n", true), "1|\\N\n");
    assert_eq!(tbl_to_csv("h|i|\n1|\\N|\n2|a,b|\n"), "h,i\n1,\n2,\"a,b\"\n");
    assert_eq!(tbl_rows("h|\n1|\n2|\n", true), 2);
}

#[test]
fn mongodb_documents_follow_the_ddl() {
    let ddl = parse_ddl(
        "CREATE TABLE t (\n  a INTEGER NOT NULL,\n  b BIGINT,\n  c DECIMAL(15,2),\n  \
         d VARCHAR(20),\n  e DATE,\n  PRIMARY KEY (a)\n);\n",
    );
    let columns = ddl_columns(&ddl["t"]);
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert_eq!(
        bson_value("t", "a", "INTEGER", "7").unwrap(),
        Bson::Int32(7)
    );
    assert_eq!(
        bson_value("t", "b", "BIGINT", "5000000000").unwrap(),
        Bson::Int64(5_000_000_000)
    );
    assert_eq!(
        bson_value("t", "c", "DECIMAL(15,2)", "-1.50").unwrap(),
        Bson::Double(-1.5)
    );
    assert_eq!(
        bson_value("t", "d", "VARCHAR(20)", " x ").unwrap(),
        Bson::String(" x ".into())
    );
    assert_eq!(
        bson_value("t", "d", "VARCHAR(20)", "\\N").unwrap(),
        Bson::Null
    );
    assert!(matches!(
        bson_value("t", "e", "DATE", "1995-03-15").unwrap(),
        Bson::DateTime(_)
    ));
    assert!(bson_value("t", "a", "INTEGER", "x").is_err());
    // Every table of the layout's MongoDB placement maps.
    let schema = parse_ddl(&read(&differential_dir().join("schema/tpch.sql")).unwrap());
    for table in MONGO_TABLES {
        assert!(!ddl_columns(&schema[*table]).is_empty(), "{table}");
    }
}

#[test]
fn layouts_hold_every_table_once() {
    for layout in layouts(Path::new("/nonexistent")) {
        layout.check().unwrap();
    }
}

#[test]
fn shipped_queries_parse() {
    let queries = load_queries(&differential_dir().join("queries")).unwrap();
    assert!(queries.len() >= 22, "{} queries", queries.len());
    assert!(queries.iter().any(|q| q.id == "tpch/q01"));
}
