//! Rewrites that give a few expressions PostgreSQL's meaning where DataFusion's differs,
//! found by the differential test against a PostgreSQL oracle:
//!
//! - `CAST(numeric AS integer)` rounds half away from zero in PostgreSQL and truncates in
//!   DataFusion: it becomes `CASE WHEN x >= 0 THEN CAST(x + 0.5 AS int) ELSE
//!   CAST(x - 0.5 AS int) END`.
//! - `date_trunc(part, date)` returns `timestamptz` in PostgreSQL (the date is read as a
//!   timestamp with time zone, in UTC here) and a timestamp without zone in DataFusion: the
//!   date is cast to a UTC timestamp first.
//! - `sum(bigint)` is `numeric` in PostgreSQL and cannot overflow; DataFusion sums 64-bit
//!   integers into a 64-bit integer that wraps silently. The argument of `sum` over `Int64`
//!   or `UInt64` (MySQL's `BIGINT UNSIGNED`) is cast to `Decimal128(38, 0)` first.
//!
//! - An integer literal is `integer` (int4) in PostgreSQL when it fits, `bigint` only
//!   beyond; DataFusion reads every integer literal as `Int64`, so `SELECT 1`, `x + 1` over
//!   an int4 column, `CASE ... THEN 1`, `coalesce(id, 0)` and `ARRAY[1, 2]` came out int8.
//!   Literals that fit become `Int32` (LIMIT/OFFSET and VALUES lists keep theirs, and so
//!   do array subscripts and `nth_value`, which DataFusion wants as `Int64`, the elements
//!   of `ARRAY[...]`, whose element type DataFusion's lambdas fix early, and `count(*)`'s
//!   constant).
//! - A `double precision` value compared with a numeric literal (`x = 2.5`, `x IN (2,
//!   2.5)`) is compared as `double precision` in PostgreSQL; DataFusion casts both to a
//!   decimal, which finds nothing for a float that is not exactly that decimal and fails
//!   for floats beyond its range. The literal is cast to `Float64`.
//!
//! - `row_number()`, `rank()`, `dense_rank()` and `ntile()` are `bigint` in PostgreSQL and
//!   unsigned 64-bit integers in DataFusion (which clients would see as `numeric`): where
//!   their result is used, it is cast to `Int64` (they never exceed it).
//! - Integer arithmetic between constants that overflows (`2147483647 + 1`) is an error
//!   in PostgreSQL (22003); DataFusion's constant folding would wrap it. It becomes a call
//!   that fails with that error when it runs (arithmetic on columns is checked by
//!   `fedgate_pgcompat::checked_arithmetic`).
//!
//! Runs as the first analyzer rule, before type coercion, so the rewritten expressions are
//! coerced like any other.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, ExprSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::{AggregateFunction, Cast, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{lit, when, Expr, ExprSchemable, LogicalPlan, Operator};
use datafusion::optimizer::analyzer::AnalyzerRule;

/// The analyzer rule (see the module documentation).
#[derive(Debug, Default)]
pub struct PostgresSemantics;

impl AnalyzerRule for PostgresSemantics {
    fn name(&self) -> &str {
        "fedgate_postgres_semantics"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        // A recursive CTE's work table keeps the types its terms were planned with: its
        // literals stay as DataFusion typed them.
        let int4_literals = !has_recursive_query(&plan)?;
        plan.transform_up_with_subqueries(|plan| {
            if matches!(plan, LogicalPlan::Limit(_) | LogicalPlan::Values(_)) {
                return Ok(Transformed::no(plan));
            }
            let schema = input_schema(&plan);
            let names = NamePreserver::new(&plan);
            let rewritten = plan.map_expressions(|expr| {
                let saved = names.save(&expr);
                let result = expr.transform_up(|e| rewrite(e, &schema, int4_literals))?;
                Ok(result.update_data(|e| saved.restore(e)))
            })?;
            // A rewrite below may have changed an input's types: always recompute.
            let transformed = rewritten.transformed;
            let plan = rewritten.data.recompute_schema()?;
            Ok(Transformed::new_transformed(plan, transformed))
        })
        .map(|t| t.data)
    }
}

/// The schema expressions of `plan` are resolved against (its inputs' fields merged).
fn input_schema(plan: &LogicalPlan) -> DFSchema {
    let mut merged = DFSchema::empty();
    for input in plan.inputs() {
        merged.merge(input.schema());
    }
    merged
}

/// Whether the plan (or a subquery in it) has a recursive CTE.
fn has_recursive_query(plan: &LogicalPlan) -> Result<bool> {
    use datafusion::common::tree_node::TreeNodeRecursion;
    let mut found = false;
    plan.apply_with_subqueries(|node| {
        found |= matches!(node, LogicalPlan::RecursiveQuery(_));
        Ok(if found {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    })?;
    Ok(found)
}

fn rewrite(expr: Expr, schema: &DFSchema, int4_literals: bool) -> Result<Transformed<Expr>> {
    match &expr {
        Expr::ScalarFunction(function)
            if matches!(
                function.func.name(),
                "array_element" | "array_slice" | "make_array"
            ) =>
        {
            Ok(with_int64_literals(expr))
        }
        Expr::AggregateFunction(aggregate)
            if matches!(aggregate.func.name(), "nth_value" | "count") =>
        {
            Ok(with_int64_literals(expr))
        }
        Expr::BinaryExpr(binary)
            if binary.op == Operator::Minus
                && matches!(binary.left.get_type(schema), Ok(DataType::Date32))
                && matches!(binary.right.get_type(schema), Ok(DataType::Date32)) =>
        {
            // date - date is a number of days (int4) in PostgreSQL.
            Ok(Transformed::yes(Expr::Cast(Cast::new(
                Box::new(expr.clone()),
                DataType::Int32,
            ))))
        }
        Expr::BinaryExpr(binary)
            if matches!(
                binary.op,
                Operator::Plus | Operator::Minus | Operator::Multiply
            ) =>
        {
            Ok(
                match constant_overflow(&binary.left, binary.op, &binary.right) {
                    Some(data_type) => Transformed::yes(out_of_range(data_type)),
                    None => Transformed::no(expr),
                },
            )
        }
        Expr::Column(column) if is_unsigned_window_result(column, schema) => Ok(Transformed::yes(
            Expr::Cast(Cast::new(Box::new(expr.clone()), DataType::Int64)),
        )),
        Expr::InList(in_list) if is_float(&in_list.expr, schema) => {
            let mut in_list = in_list.clone();
            let mut changed = false;
            for item in in_list.list.iter_mut() {
                changed |= float_literal(item);
            }
            Ok(Transformed::new_transformed(Expr::InList(in_list), changed))
        }
        Expr::BinaryExpr(binary)
            if matches!(
                binary.op,
                Operator::Eq
                    | Operator::NotEq
                    | Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
            ) =>
        {
            let mut binary = binary.clone();
            let changed = (is_float(&binary.left, schema) && float_literal(&mut binary.right))
                || (is_float(&binary.right, schema) && float_literal(&mut binary.left));
            Ok(Transformed::new_transformed(
                Expr::BinaryExpr(binary),
                changed,
            ))
        }
        Expr::Literal(ScalarValue::Int64(Some(value)), metadata) if int4_literals => {
            Ok(match i32::try_from(*value) {
                Ok(small) => Transformed::yes(Expr::Literal(
                    ScalarValue::Int32(Some(small)),
                    metadata.clone(),
                )),
                Err(_) => Transformed::no(expr),
            })
        }
        Expr::Cast(Cast { expr: inner, field }) if field.data_type().is_integer() => {
            match inner.get_type(schema) {
                Ok(DataType::Decimal128(..)) => Ok(Transformed::yes(round_then_cast(
                    (**inner).clone(),
                    field.data_type().clone(),
                ))),
                _ => Ok(Transformed::no(expr)),
            }
        }
        Expr::ScalarFunction(function) if function.func.name() == "date_trunc" => {
            date_trunc_of_date(function, schema).map(|e| match e {
                Some(e) => Transformed::yes(e),
                None => Transformed::no(expr),
            })
        }
        Expr::AggregateFunction(aggregate) if aggregate.func.name() == "sum" => {
            Ok(match sum_of_bigint(aggregate, schema) {
                Some(e) => Transformed::yes(e),
                None => Transformed::no(expr),
            })
        }
        _ => Ok(Transformed::no(expr)),
    }
}

/// Whether `column` is the `UInt64` result of a ranking window function.
fn is_unsigned_window_result(column: &datafusion::common::Column, schema: &DFSchema) -> bool {
    const RANKING: &[&str] = &["row_number(", "rank(", "dense_rank(", "ntile("];
    RANKING.iter().any(|f| column.name.starts_with(f))
        && schema
            .field_from_column(column)
            .is_ok_and(|field| *field.data_type() == DataType::UInt64)
}

/// The result type of `left op right` when both are integer constants and the result
/// does not fit it (PostgreSQL: int4 op int4 is int4, with int8 it is int8).
fn constant_overflow(left: &Expr, op: Operator, right: &Expr) -> Option<DataType> {
    let value = |e: &Expr| match e {
        Expr::Literal(ScalarValue::Int32(Some(v)), _) => Some((i64::from(*v), false)),
        Expr::Literal(ScalarValue::Int64(Some(v)), _) => Some((*v, true)),
        _ => None,
    };
    let ((a, wide_a), (b, wide_b)) = (value(left)?, value(right)?);
    let result = match op {
        Operator::Plus => a.checked_add(b),
        Operator::Minus => a.checked_sub(b),
        _ => a.checked_mul(b),
    };
    if wide_a || wide_b {
        result.is_none().then_some(DataType::Int64)
    } else {
        let fits = result.is_some_and(|r| i32::try_from(r).is_ok());
        (!fits).then_some(DataType::Int32)
    }
}

/// A call that fails with PostgreSQL's `integer out of range` (22003) when evaluated; volatile,
/// so constant folding leaves it to run.
fn out_of_range(data_type: DataType) -> Expr {
    use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
    let udf: ScalarUDF = create_udf(
        "integer_out_of_range",
        vec![],
        data_type,
        Volatility::Volatile,
        Arc::new(|_: &[ColumnarValue]| {
            Err(fedgate_adapter_api::AdapterError::new(
                fedgate_adapter_api::SqlState::NumericValueOutOfRange,
                "integer out of range",
            )
            .into_datafusion())
        }),
    );
    Expr::ScalarFunction(ScalarFunction::new_udf(Arc::new(udf), vec![]))
}

/// The expression with its direct `Int32` literal arguments back to `Int64`.
fn with_int64_literals(expr: Expr) -> Transformed<Expr> {
    let widen = |arg: &mut Expr| {
        if let Expr::Literal(ScalarValue::Int32(Some(v)), metadata) = arg {
            *arg = Expr::Literal(ScalarValue::Int64(Some(i64::from(*v))), metadata.clone());
        }
    };
    match expr {
        Expr::ScalarFunction(mut function) => {
            function.args.iter_mut().for_each(widen);
            Transformed::yes(Expr::ScalarFunction(function))
        }
        Expr::AggregateFunction(mut aggregate) => {
            aggregate.params.args.iter_mut().for_each(widen);
            Transformed::yes(Expr::AggregateFunction(aggregate))
        }
        other => Transformed::no(other),
    }
}

fn is_float(expr: &Expr, schema: &DFSchema) -> bool {
    matches!(
        expr.get_type(schema),
        Ok(DataType::Float64 | DataType::Float32)
    )
}

/// Casts a numeric literal to `Float64`; whether it was one.
fn float_literal(expr: &mut Expr) -> bool {
    let numeric = matches!(
        expr,
        Expr::Literal(
            ScalarValue::Int32(Some(_))
                | ScalarValue::Int64(Some(_))
                | ScalarValue::Decimal128(Some(_), _, _)
                | ScalarValue::Decimal256(Some(_), _, _),
            _
        )
    );
    if numeric {
        *expr = Expr::Cast(Cast::new(Box::new(expr.clone()), DataType::Float64));
    }
    numeric
}

/// `sum(x)` over a 64-bit integer as `sum(CAST(x AS Decimal128(38, 0)))`.
fn sum_of_bigint(aggregate: &AggregateFunction, schema: &DFSchema) -> Option<Expr> {
    let [argument] = aggregate.params.args.as_slice() else {
        return None;
    };
    if !matches!(
        argument.get_type(schema),
        Ok(DataType::Int64 | DataType::UInt64)
    ) {
        return None;
    }
    let mut rewritten = aggregate.clone();
    rewritten.params.args = vec![Expr::Cast(Cast::new(
        Box::new(argument.clone()),
        DataType::Decimal128(38, 0),
    ))];
    Some(Expr::AggregateFunction(rewritten))
}

fn round_then_cast(value: Expr, to: DataType) -> Expr {
    let half = lit(ScalarValue::Decimal128(Some(5), 2, 1));
    let up = Expr::Cast(Cast::new(
        Box::new(value.clone() + half.clone()),
        to.clone(),
    ));
    let down = Expr::Cast(Cast::new(Box::new(value.clone() - half), to));
    when(value.gt_eq(lit(0)), up)
        .otherwise(down)
        .expect("a CASE with one branch and an ELSE is valid")
}

fn date_trunc_of_date(function: &ScalarFunction, schema: &DFSchema) -> Result<Option<Expr>> {
    let [part, source] = function.args.as_slice() else {
        return Ok(None);
    };
    if !matches!(
        source.get_type(schema),
        Ok(DataType::Date32 | DataType::Date64)
    ) {
        return Ok(None);
    }
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some(Arc::from("+00:00")));
    let source = Expr::Cast(Cast::new(Box::new(source.clone()), utc));
    Ok(Some(Expr::ScalarFunction(ScalarFunction::new_udf(
        function.func.clone(),
        vec![part.clone(), source],
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, RecordBatch, UInt64Array};
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::SessionContext;

    async fn one_value(sql: &str) -> (DataType, String) {
        let mut rules: Vec<Arc<dyn AnalyzerRule + Send + Sync>> = vec![Arc::new(PostgresSemantics)];
        rules.extend(datafusion::optimizer::Analyzer::new().rules);
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_analyzer_rules(rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        let schema = Arc::new(Schema::new(vec![
            Field::new("i", DataType::Int64, false),
            Field::new("u", DataType::UInt64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![i64::MAX, i64::MAX])),
                Arc::new(UInt64Array::from(vec![u64::MAX, u64::MAX])),
            ],
        )
        .unwrap();
        ctx.register_batch("t", batch).unwrap();
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let column = batches[0].column(0);
        (
            column.data_type().clone(),
            array_value_to_string(column, 0).unwrap(),
        )
    }

    #[tokio::test]
    async fn sum_of_bigint_does_not_wrap() {
        let (data_type, value) = one_value("SELECT sum(i) FROM t").await;
        assert_eq!(data_type, DataType::Decimal128(38, 0));
        assert_eq!(value, "18446744073709551614");
        let (_, value) = one_value("SELECT sum(u) AS s FROM t").await;
        assert_eq!(value, "36893488147419103230");
    }

    #[tokio::test]
    async fn integer_literals_are_int4_when_they_fit() {
        assert_eq!(
            one_value("SELECT 1").await,
            (DataType::Int32, "1".to_string())
        );
        assert_eq!(one_value("SELECT 3000000000").await.0, DataType::Int64);
        assert_eq!(one_value("SELECT i - 1 FROM t").await.0, DataType::Int64);
        assert_eq!(
            one_value("SELECT sum(1) FROM t").await,
            (DataType::Int64, "2".to_string())
        );
    }

    #[tokio::test]
    async fn constant_overflow_fails_when_run() {
        assert_eq!(
            constant_overflow(&lit(2_147_483_647i32), Operator::Plus, &lit(1i32)),
            Some(DataType::Int32)
        );
        assert_eq!(
            constant_overflow(&lit(2_147_483_647i32), Operator::Plus, &lit(1i64)),
            None
        );
        assert_eq!(
            constant_overflow(&lit(i64::MAX), Operator::Multiply, &lit(2i32)),
            Some(DataType::Int64)
        );
        assert_eq!(
            constant_overflow(&lit(7i32), Operator::Minus, &lit(8i32)),
            None
        );
    }

    #[tokio::test]
    async fn numeric_to_integer_rounds_half_away_from_zero() {
        let (_, value) = one_value("SELECT CAST(CAST(-2.5 AS DECIMAL(5,1)) AS INT)").await;
        assert_eq!(value, "-3");
    }
}
