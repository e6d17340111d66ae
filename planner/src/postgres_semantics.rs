//! Rewrites that give a few expressions PostgreSQL's meaning where DataFusion's differs,
//! found by the differential test against a PostgreSQL oracle:
//!
//! - `CAST(numeric AS integer)` rounds half away from zero in PostgreSQL and truncates in
//!   DataFusion: it becomes `CASE WHEN x >= 0 THEN CAST(x + 0.5 AS int) ELSE
//!   CAST(x - 0.5 AS int) END`.
//! - `date_trunc(part, date)` returns `timestamptz` in PostgreSQL (the date is read as a
//!   timestamp with time zone, in UTC here) and a timestamp without zone in DataFusion: the
//!   date is cast to a UTC timestamp first.
//!
//! Runs as the first analyzer rule, before type coercion, so the rewritten expressions are
//! coerced like any other.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::{Cast, ScalarFunction};
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
        _ => Ok(Transformed::no(expr)),
    }
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
