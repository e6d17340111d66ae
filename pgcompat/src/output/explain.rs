//! EXPLAIN output in PostgreSQL's shape: one text column `QUERY PLAN`, one row per line.
//!
//! DataFusion answers EXPLAIN with (plan_type, plan) rows holding whole multi-line plans.
//! Clients and people expect PostgreSQL's form, so the physical plan (or, for EXPLAIN
//! ANALYZE, the plan with metrics) is split into lines. `EXPLAIN VERBOSE` keeps every plan
//! DataFusion reports, each introduced by its plan type. Remote parts show as
//! `RemoteScanExec: server=NAME, sql=TEXT`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::logical_expr::LogicalPlan;

/// The column name PostgreSQL gives EXPLAIN output.
pub const QUERY_PLAN: &str = "QUERY PLAN";

/// True for plans whose output this module reshapes.
pub fn is_explain(plan: &LogicalPlan) -> bool {
    matches!(plan, LogicalPlan::Explain(_) | LogicalPlan::Analyze(_))
}

fn verbose(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Explain(e) => e.verbose,
        LogicalPlan::Analyze(a) => a.verbose,
        _ => false,
    }
}

/// Reshapes DataFusion's EXPLAIN batches into `QUERY PLAN` lines.
pub fn reshape(plan: &LogicalPlan, batches: &[RecordBatch]) -> RecordBatch {
    let keep_all = verbose(plan);
    let mut lines = Vec::new();
    for batch in batches {
        let (Some(types), Some(plans)) = (
            batch.column_by_name("plan_type"),
            batch.column_by_name("plan"),
        ) else {
            continue;
        };
        let (Some(types), Some(plans)) =
            (types.as_string_opt::<i32>(), plans.as_string_opt::<i32>())
        else {
            continue;
        };
        for row in 0..batch.num_rows() {
            if types.is_null(row) || plans.is_null(row) {
                continue;
            }
            let plan_type = types.value(row);
            let shown =
                keep_all || plan_type == "physical_plan" || plan_type == "Plan with Metrics";
            if !shown {
                continue;
            }
            if keep_all {
                lines.push(format!("{plan_type}:"));
            }
            lines.extend(
                plans
                    .value(row)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        }
    }
    let schema: SchemaRef = Arc::new(Schema::new(vec![Field::new(
        QUERY_PLAN,
        DataType::Utf8,
        false,
    )]));
    let column = Arc::new(StringArray::from(lines));
    RecordBatch::try_new(schema, vec![column]).expect("one utf8 column")
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    #[tokio::test]
    async fn physical_plan_lines() {
        let ctx = SessionContext::new();
        let frame = ctx.sql("EXPLAIN SELECT 1 + 1").await.unwrap();
        let plan = frame.logical_plan().clone();
        let batches = frame.collect().await.unwrap();
        let reshaped = reshape(&plan, &batches);
        assert_eq!(reshaped.schema().field(0).name(), QUERY_PLAN);
        assert!(reshaped.num_rows() >= 1);
        let first = reshaped.column(0).as_string::<i32>().value(0).to_string();
        assert!(first.contains("Exec"), "{first}");
    }
}
