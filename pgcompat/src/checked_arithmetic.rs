//! Integer arithmetic that fails on overflow, as PostgreSQL's does.
//!
//! PostgreSQL ends `2147483647 + 1` (int4) and `9223372036854775807 + 1` (int8) with 22003
//! `integer out of range`; DataFusion's `+`, `-` and `*` wrap around silently unless the
//! physical expression is built with `fail_on_overflow`. This physical optimizer rule
//! rebuilds those expressions in projections and filters (the select list, WHERE, join
//! conditions evaluated as filters) with overflow checks; the error is then
//! `ArrowError::ArithmeticOverflow`, which `crate::error` reports as 22003 with
//! PostgreSQL's message.
//!
//! Known gap: arithmetic inside an aggregate's argument (`sum(i + 1)`) or a sort key is
//! evaluated by those operators and still wraps.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::Result;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::BinaryExpr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::projection::{ProjectionExec, ProjectionExpr};
use datafusion::physical_plan::ExecutionPlan;

/// The physical optimizer rule (see the module documentation).
#[derive(Debug, Default)]
pub struct CheckedArithmetic;

impl PhysicalOptimizerRule for CheckedArithmetic {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| checked_node(node)).map(|t| t.data)
    }

    fn name(&self) -> &str {
        "fedgate_checked_arithmetic"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

fn checked_node(node: Arc<dyn ExecutionPlan>) -> Result<Transformed<Arc<dyn ExecutionPlan>>> {
    if let Some(projection) = node.downcast_ref::<ProjectionExec>() {
        let mut changed = false;
        let exprs = projection
            .expr()
            .iter()
            .map(|p| {
                let checked = checked_expr(p.expr.clone())?;
                changed |= checked.transformed;
                Ok(ProjectionExpr::new(checked.data, p.alias.clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        if !changed {
            return Ok(Transformed::no(node));
        }
        let rebuilt = ProjectionExec::try_new(exprs, projection.input().clone())?;
        return Ok(Transformed::yes(Arc::new(rebuilt)));
    }
    if let Some(filter) = node.downcast_ref::<FilterExec>() {
        let checked = checked_expr(filter.predicate().clone())?;
        if !checked.transformed {
            return Ok(Transformed::no(node));
        }
        let rebuilt = FilterExecBuilder::from(filter)
            .with_predicate(checked.data)
            .build()?;
        return Ok(Transformed::yes(Arc::new(rebuilt)));
    }
    Ok(Transformed::no(node))
}

/// `expr` with every `+`, `-`, `*` failing on overflow.
fn checked_expr(expr: Arc<dyn PhysicalExpr>) -> Result<Transformed<Arc<dyn PhysicalExpr>>> {
    expr.transform_up(|e| {
        let Some(binary) = e.downcast_ref::<BinaryExpr>() else {
            return Ok(Transformed::no(e));
        };
        let arithmetic = matches!(
            binary.op(),
            Operator::Plus | Operator::Minus | Operator::Multiply
        );
        if !arithmetic {
            return Ok(Transformed::no(e));
        }
        let checked = BinaryExpr::new(binary.left().clone(), *binary.op(), binary.right().clone())
            .with_fail_on_overflow(true);
        Ok(Transformed::yes(Arc::new(checked) as Arc<dyn PhysicalExpr>))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int32Array, Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::execution::SessionStateBuilder;
    use datafusion::prelude::SessionContext;

    async fn run(sql: &str) -> std::result::Result<String, crate::PgError> {
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(CheckedArithmetic))
            .build();
        let ctx = SessionContext::new_with_state(state);
        let schema = Arc::new(Schema::new(vec![
            Field::new("i4", DataType::Int32, false),
            Field::new("i8", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int32Array::from(vec![i32::MAX, 41])),
                Arc::new(Int64Array::from(vec![i64::MAX, 41])),
            ],
        )
        .expect("batch");
        ctx.register_batch("t", batch).expect("register");
        let frame = ctx
            .sql(sql)
            .await
            .map_err(|e| crate::PgError::from_datafusion(&e))?;
        let batches = frame
            .collect()
            .await
            .map_err(|e| crate::PgError::from_datafusion(&e))?;
        Ok(
            datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        )
    }

    #[tokio::test]
    async fn overflow_is_22003_not_a_wrapped_value() {
        let error = run("SELECT i8 + 1 FROM t").await.unwrap_err();
        assert_eq!(error.code, "22003");
        let ok = run("SELECT i8 + 1 FROM t WHERE i8 < 100").await.unwrap();
        assert!(ok.contains("42"), "{ok}");
        let filtered = "SELECT i4 FROM t WHERE i4 * i4 > 0";
        assert_eq!(run(filtered).await.unwrap_err().code, "22003");
        assert_eq!(error.message, "integer out of range");
    }
}
