//! EXPLAIN output in PostgreSQL's shape: one text column `QUERY PLAN`, one row per line.
//!
//! DataFusion answers EXPLAIN with (plan_type, plan) rows holding whole multi-line plans.
//! Clients and people expect PostgreSQL's form, so the physical plan (or, for EXPLAIN
//! ANALYZE, the plan with metrics) is split into lines. `EXPLAIN VERBOSE` keeps every plan
//! DataFusion reports, each introduced by its plan type. Remote parts show as
//! `RemoteScanExec: server=NAME, sql=TEXT`.
//!
//! Without VERBOSE, DataFusion's plumbing operators ([`PLUMBING`]: cooperative scheduling,
//! repartitioning and batch coalescing) are left out, their inputs moved up a level: they
//! change how work is spread over threads, not what is computed or sent to a backend, and
//! they come and go with DataFusion releases and core counts.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::logical_expr::LogicalPlan;

/// The column name PostgreSQL gives EXPLAIN output.
pub const QUERY_PLAN: &str = "QUERY PLAN";

/// Operators of DataFusion's that only move batches between threads or partitions.
pub const PLUMBING: &[&str] = &[
    "CooperativeExec",
    "RepartitionExec",
    "CoalesceBatchesExec",
    "CoalescePartitionsExec",
];

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
            let plan_lines = plans.value(row).lines().filter(|l| !l.trim().is_empty());
            if keep_all {
                lines.extend(plan_lines.map(str::to_string));
            } else {
                lines.extend(without_plumbing(plan_lines));
            }
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

/// The lines of an indented plan (two spaces a level) without the [`PLUMBING`] operators;
/// the inputs of a left-out operator take its place.
fn without_plumbing<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut kept = Vec::new();
    // Levels of the left-out operators above the current line.
    let mut left_out: Vec<usize> = Vec::new();
    for line in lines {
        let text = line.trim_start();
        let level = (line.len() - text.len()) / 2;
        while left_out.last().is_some_and(|&l| l >= level) {
            left_out.pop();
        }
        let operator = text.split(':').next().unwrap_or(text);
        if PLUMBING.contains(&operator) {
            left_out.push(level);
            continue;
        }
        let indent = "  ".repeat(level - left_out.len());
        kept.push(format!("{indent}{text}"));
    }
    kept
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

    #[test]
    fn plumbing_is_left_out_and_its_inputs_move_up() {
        let plan = [
            "ProjectionExec: expr=[a]",
            "  CoalescePartitionsExec",
            "    CooperativeExec",
            "      HashJoinExec: on=[(a, b)]",
            "        RepartitionExec: partitioning=Hash([a], 2)",
            "          RemoteScanExec: server=s, sql=SELECT a",
            "        RemoteScanExec: server=t, sql=SELECT b",
            "  FilterExec: x",
        ];
        assert_eq!(
            without_plumbing(plan.into_iter()),
            vec![
                "ProjectionExec: expr=[a]",
                "  HashJoinExec: on=[(a, b)]",
                "    RemoteScanExec: server=s, sql=SELECT a",
                "    RemoteScanExec: server=t, sql=SELECT b",
                "  FilterExec: x",
            ]
        );
    }
}
