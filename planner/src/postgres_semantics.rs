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
//! Runs as the first analyzer rule, before type coercion, so the rewritten expressions are
//! coerced like any other.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::{AggregateFunction, Cast, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{lit, when, Expr, ExprSchemable, LogicalPlan};
use datafusion::optimizer::analyzer::AnalyzerRule;

/// The analyzer rule (see the module documentation).
#[derive(Debug, Default)]
pub struct PostgresSemantics;

impl AnalyzerRule for PostgresSemantics {
    fn name(&self) -> &str {
        "fedgate_postgres_semantics"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            let schema = input_schema(&plan);
            let names = NamePreserver::new(&plan);
            let rewritten = plan.map_expressions(|expr| {
                let saved = names.save(&expr);
                let result = expr.transform_up(|e| rewrite(e, &schema))?;
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

fn rewrite(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    match &expr {
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
    async fn numeric_to_integer_rounds_half_away_from_zero() {
        let (_, value) = one_value("SELECT CAST(CAST(-2.5 AS DECIMAL(5,1)) AS INT)").await;
        assert_eq!(value, "-3");
    }
}
