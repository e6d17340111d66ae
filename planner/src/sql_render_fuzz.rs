//! Fuzz target of the SQL renderer (a property test, run by `cargo test`): random typed
//! expressions over one table are rendered for PostgreSQL and MySQL; every rendering must
//! parse again with sqlparser in that backend's dialect, and the PostgreSQL rendering,
//! planned back into a DataFusion expression, must give the same values as the original on
//! rows full of edge values (NULLs, extremes, quotes, backslashes, accents, trailing
//! spaces). Only the byte-order collation (`COLLATE "C"`) is removed before planning it
//! back: DataFusion compares strings by their bytes already. `PROPTEST_CASES` sets the
//! number of cases (default 600).

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{cast, col, lit, when, Expr, Operator};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::dialect::{MySqlDialect as MySqlSyntax, PostgreSqlDialect};
use datafusion::sql::sqlparser::parser::Parser;
use fedgate_adapter_api::SqlDialect;
use fedgate_adapter_mysql::MySqlDialect;
use fedgate_adapter_postgres::PostgresDialect;
use proptest::prelude::*;

use crate::sql_render::{ExprRenderer, TableScope};

/// The value types of the generated expressions.
#[derive(Debug, Clone, Copy)]
enum Ty {
    Int,
    Float,
    Text,
    Bool,
    Date,
}

fn schema() -> Schema {
    Schema::new(vec![
        Field::new("i", DataType::Int64, true),
        Field::new("f", DataType::Float64, true),
        Field::new("s", DataType::Utf8, true),
        Field::new("b", DataType::Boolean, true),
        Field::new("d", DataType::Date32, true),
    ])
}

/// Rows with the values renderers get wrong: NULLs, signs, extremes, quotes and escapes.
fn rows() -> RecordBatch {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![
            Some(0),
            Some(-7),
            None,
            Some(42),
            Some(i64::from(i32::MAX)),
            Some(-1),
        ])),
        Arc::new(Float64Array::from(vec![
            Some(0.5),
            Some(-2.25),
            Some(1e-7),
            None,
            Some(3.0),
            Some(-0.0),
        ])),
        Arc::new(StringArray::from(vec![
            Some("it's"),
            Some("back\\slash"),
            Some(""),
            Some("Émile "),
            None,
            Some("100%_x"),
        ])),
        Arc::new(BooleanArray::from(vec![
            Some(true),
            None,
            Some(false),
            Some(true),
            Some(false),
            None,
        ])),
        Arc::new(Date32Array::from(vec![
            Some(19_782),
            Some(0),
            None,
            Some(-719_162),
            Some(2_932_896),
            Some(11_016),
        ])),
    ];
    RecordBatch::try_new(Arc::new(schema()), columns).expect("rows")
}

fn int_literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (-20i64..20).prop_map(lit),
        Just(lit(i64::from(i32::MAX))),
        Just(lit(-1_000_000_000_000i64)),
    ]
}

fn float_literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (-100i32..100).prop_map(|n| lit(f64::from(n) / 4.0)),
        Just(lit(1e-7f64)),
        Just(lit(-0.0f64)),
        Just(lit(1.5e10f64)),
    ]
}

fn text_literal() -> impl Strategy<Value = Expr> {
    prop::sample::select(vec![
        "",
        "it's",
        "''",
        "back\\slash",
        "\\",
        "Émile ",
        "émile",
        "100%_x",
        "%",
        "_",
        "a\"b",
        "line\nbreak",
        "$1",
        "x'; --",
    ])
    .prop_map(lit)
}

fn date_literal() -> impl Strategy<Value = Expr> {
    prop::sample::select(vec![0, 11_016, 19_782, -719_162, 2_932_896])
        .prop_map(|days| lit(ScalarValue::Date32(Some(days))))
}

fn leaf(ty: Ty) -> BoxedStrategy<Expr> {
    match ty {
        Ty::Int => prop_oneof![3 => Just(col("i")), 2 => int_literal()].boxed(),
        Ty::Float => prop_oneof![3 => Just(col("f")), 2 => float_literal()].boxed(),
        Ty::Text => prop_oneof![3 => Just(col("s")), 2 => text_literal()].boxed(),
        Ty::Bool => prop_oneof![3 => Just(col("b")), 1 => any::<bool>().prop_map(lit)].boxed(),
        Ty::Date => prop_oneof![3 => Just(col("d")), 2 => date_literal()].boxed(),
    }
}

fn binary(left: Expr, op: Operator, right: Expr) -> Expr {
    Expr::BinaryExpr(datafusion::logical_expr::BinaryExpr::new(
        Box::new(left),
        op,
        Box::new(right),
    ))
}

/// A random expression of type `ty`, at most `depth` operators deep.
fn expr(ty: Ty, depth: u32) -> BoxedStrategy<Expr> {
    if depth == 0 {
        return leaf(ty);
    }
    let sub = move |t: Ty| expr(t, depth - 1);
    match ty {
        Ty::Int => prop_oneof![
            2 => leaf(Ty::Int),
            2 => (sub(Ty::Int), prop::sample::select(vec![Operator::Plus, Operator::Minus, Operator::Multiply]), sub(Ty::Int))
                .prop_map(|(l, op, r)| binary(l, op, r)),
            1 => (sub(Ty::Bool), sub(Ty::Int), sub(Ty::Int))
                .prop_map(|(c, t, e)| when(c, t).otherwise(e).expect("case")),
        ]
        .boxed(),
        Ty::Float => prop_oneof![
            2 => leaf(Ty::Float),
            2 => (sub(Ty::Float), prop::sample::select(vec![Operator::Plus, Operator::Minus, Operator::Multiply, Operator::Divide]), sub(Ty::Float))
                .prop_map(|(l, op, r)| binary(l, op, r)),
            1 => sub(Ty::Int).prop_map(|e| cast(e, DataType::Float64)),
        ]
        .boxed(),
        Ty::Text => prop_oneof![
            3 => leaf(Ty::Text),
            1 => (sub(Ty::Bool), sub(Ty::Text), sub(Ty::Text))
                .prop_map(|(c, t, e)| when(c, t).otherwise(e).expect("case")),
        ]
        .boxed(),
        Ty::Date => leaf(Ty::Date),
        Ty::Bool => {
            let compared = prop::sample::select(vec![Ty::Int, Ty::Float, Ty::Text, Ty::Date]);
            let comparison = prop::sample::select(vec![
                Operator::Eq,
                Operator::NotEq,
                Operator::Lt,
                Operator::LtEq,
                Operator::Gt,
                Operator::GtEq,
            ]);
            prop_oneof![
                1 => leaf(Ty::Bool),
                4 => (compared, comparison).prop_flat_map(move |(t, op)| {
                    (expr(t, depth - 1), expr(t, depth - 1)).prop_map(move |(l, r)| binary(l, op, r))
                }),
                2 => (sub(Ty::Bool), prop::sample::select(vec![Operator::And, Operator::Or]), sub(Ty::Bool))
                    .prop_map(|(l, op, r)| binary(l, op, r)),
                1 => sub(Ty::Bool).prop_map(|e| !e),
                1 => prop::sample::select(vec![Ty::Int, Ty::Text, Ty::Date, Ty::Bool])
                    .prop_flat_map(move |t| (expr(t, depth - 1), any::<bool>()))
                    .prop_map(|(e, negated)| if negated { e.is_not_null() } else { e.is_null() }),
                1 => (sub(Ty::Text), text_literal(), any::<bool>())
                    .prop_map(|(e, pattern, negated)| if negated { e.not_like(pattern) } else { e.like(pattern) }),
                1 => (sub(Ty::Int), prop::collection::vec(int_literal(), 1..4), any::<bool>())
                    .prop_map(|(e, list, negated)| e.in_list(list, negated)),
                1 => (sub(Ty::Int), int_literal(), int_literal(), any::<bool>())
                    .prop_map(|(e, low, high, negated)| if negated { e.not_between(low, high) } else { e.between(low, high) }),
                1 => (sub(Ty::Bool), any::<bool>())
                    .prop_map(|(e, t)| if t { e.is_true() } else { e.is_not_false() }),
            ]
            .boxed()
        }
    }
}

/// Any generated expression, with its type.
fn any_expr() -> impl Strategy<Value = Expr> {
    prop::sample::select(vec![
        Ty::Bool,
        Ty::Bool,
        Ty::Int,
        Ty::Float,
        Ty::Text,
        Ty::Date,
    ])
    .prop_flat_map(|ty| expr(ty, 3))
}

/// The values of `expr` over [`rows`], as text, or the error's text.
async fn values(ctx: &SessionContext, expr: Expr) -> Result<Vec<String>, String> {
    let frame = ctx
        .read_batch(rows())
        .and_then(|f| f.select(vec![expr.alias("v")]))
        .map_err(|e| e.to_string())?;
    let batches = frame.collect().await.map_err(|e| e.to_string())?;
    let options = FormatOptions::default().with_null("NULL");
    let mut out = Vec::new();
    for batch in &batches {
        let formatter = ArrayFormatter::try_new(batch.column(0).as_ref(), &options)
            .map_err(|e| e.to_string())?;
        out.extend((0..batch.num_rows()).map(|row| formatter.value(row).to_string()));
    }
    Ok(out)
}

fn context() -> SessionContext {
    let mut config = datafusion::prelude::SessionConfig::new();
    config.options_mut().sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
    SessionContext::new_with_config(config)
}

fn render(dialect: &dyn SqlDialect, expr: &Expr) -> Option<String> {
    let schema = schema();
    let scope = TableScope::new(dialect, &schema);
    ExprRenderer::general(dialect, &scope).render(expr)
}

/// Checks one expression; `Err` describes the difference.
async fn check(expr: Expr) -> Result<(), String> {
    if let Some(sql) = render(&MySqlDialect, &expr) {
        Parser::new(&MySqlSyntax {})
            .try_with_sql(&sql)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| format!("MySQL rendering does not parse: {sql}: {e}"))?;
    }
    let Some(sql) = render(&PostgresDialect, &expr) else {
        return Ok(());
    };
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("PostgreSQL rendering does not parse: {sql}: {e}"))?;
    let ctx = context();
    let df_schema = DFSchema::try_from(schema()).expect("schema");
    let reparsed = ctx
        .parse_sql_expr(&sql.replace(" COLLATE \"C\"", ""), &df_schema)
        .map_err(|e| format!("PostgreSQL rendering does not plan: {sql}: {e}"))?;
    let original = values(&ctx, expr.clone()).await;
    let again = values(&ctx, reparsed).await;
    match (&original, &again) {
        (Ok(a), Ok(b)) if a == b => Ok(()),
        // Both fail (e.g. an overflow): the rendering did not change the meaning.
        (Err(_), Err(_)) => Ok(()),
        _ => Err(format!(
            "{expr}\n  rendered: {sql}\n  original: {original:?}\n  rendered means: {again:?}"
        )),
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(600),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rendered_expressions_mean_the_same(expr in any_expr()) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let outcome = runtime.block_on(check(expr));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

/// The property above is not vacuous: most generated expressions are rendered (and so
/// checked) for PostgreSQL.
#[test]
fn most_generated_expressions_are_rendered() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = any_expr();
    let rendered = (0..300)
        .filter(|_| {
            let expr = strategy
                .new_tree(&mut runner)
                .expect("an expression")
                .current();
            render(&PostgresDialect, &expr).is_some()
        })
        .count();
    assert!(
        rendered > 150,
        "only {rendered} of 300 expressions were rendered"
    );
}
