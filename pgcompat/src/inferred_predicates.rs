//! Filter pushdown that never makes a query fail where PostgreSQL answers.
//!
//! DataFusion's `push_down_filter` infers predicates from a join's equi-keys: with
//! `t2.id = t3.i4`, the condition `t3.id + t2.id IN (18, -7)` becomes `t3.id + t3.i4 IN
//! (18, -7)` and is evaluated on every row of `t3`, also on rows that join nothing. Where
//! the inferred predicate can fail (an integer overflow on a row PostgreSQL never combines,
//! a cast of a value PostgreSQL never casts), the query fails with 22003 where PostgreSQL
//! answers (found by the random differential test). PostgreSQL itself derives only
//! equalities of plain columns and constants from its equivalence classes.
//!
//! [`PushDownFilterKeepingErrors`] runs DataFusion's rule unchanged, then removes from the
//! filters it put on a join's inputs each conjunct that is not one of the query's own
//! conditions (so was inferred or extracted from an `OR`) and can raise an error.
//! Inferences over columns, constants, comparisons, `IN` lists, `IS NULL`, `LIKE` and
//! widening casts stay: they are the ones that let a key filter reach the other side.

use std::sync::Arc;

use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::utils::{conjunction, split_conjunction};
use datafusion::logical_expr::{Expr, ExprSchemable, Filter, Join, LogicalPlan, Operator};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::push_down_filter::PushDownFilter;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

/// DataFusion's filter pushdown without inferred predicates that can fail.
#[derive(Debug, Default)]
pub struct PushDownFilterKeepingErrors {
    inner: PushDownFilter,
}

impl PushDownFilterKeepingErrors {
    pub fn new() -> Self {
        Self::default()
    }
}

/// The rules of `rules` with DataFusion's `push_down_filter` replaced by
/// [`PushDownFilterKeepingErrors`].
pub fn replace_push_down_filter(
    rules: Vec<Arc<dyn OptimizerRule + Send + Sync>>,
) -> Vec<Arc<dyn OptimizerRule + Send + Sync>> {
    rules
        .into_iter()
        .map(|rule| -> Arc<dyn OptimizerRule + Send + Sync> {
            if rule.name() == PushDownFilter::new().name() {
                Arc::new(PushDownFilterKeepingErrors::new())
            } else {
                rule
            }
        })
        .collect()
}

impl OptimizerRule for PushDownFilterKeepingErrors {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        self.inner.apply_order()
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let Some(before) = JoinConditions::of(&plan) else {
            return self.inner.rewrite(plan, config);
        };
        let rewritten = self.inner.rewrite(plan, config)?;
        if !rewritten.transformed {
            return Ok(rewritten);
        }
        rewritten.transform_data(|plan| before.drop_fallible_inferences(plan))
    }
}

/// A join's own conditions (its ON filter and the filters right above it) and its inputs,
/// taken before the pushdown.
struct JoinConditions {
    own: Vec<Expr>,
    left: Arc<LogicalPlan>,
    right: Arc<LogicalPlan>,
}

impl JoinConditions {
    /// The conditions of a join under a chain of filters (none or more); `None` for other
    /// nodes.
    fn of(plan: &LogicalPlan) -> Option<Self> {
        let mut own: Vec<Expr> = Vec::new();
        let mut node = plan;
        while let LogicalPlan::Filter(filter) = node {
            own.extend(split_conjunction(&filter.predicate).into_iter().cloned());
            node = filter.input.as_ref();
        }
        let LogicalPlan::Join(join) = node else {
            return None;
        };
        own.extend(join.filter.iter().flat_map(split_conjunction).cloned());
        Some(Self {
            own,
            left: join.left.clone(),
            right: join.right.clone(),
        })
    }

    /// `plan` (the pushdown's result: a join under a chain of filters) with the fallible
    /// inferred conjuncts removed from the filters put on the join's inputs.
    fn drop_fallible_inferences(&self, plan: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
        match plan {
            LogicalPlan::Join(join) => Ok(self.clean_join(join)?.update_data(LogicalPlan::Join)),
            LogicalPlan::Filter(filter) => {
                let input = self.drop_fallible_inferences(Arc::unwrap_or_clone(filter.input))?;
                input.map_data(|input| {
                    Filter::try_new(filter.predicate, Arc::new(input)).map(LogicalPlan::Filter)
                })
            }
            plan => Ok(Transformed::no(plan)),
        }
    }

    fn clean_join(&self, mut join: Join) -> Result<Transformed<Join>> {
        let left = self.clean_input(join.left.clone(), &self.left)?;
        let right = self.clean_input(join.right.clone(), &self.right)?;
        let transformed = left.transformed || right.transformed;
        join.left = left.data;
        join.right = right.data;
        Ok(Transformed::new_transformed(join, transformed))
    }

    /// `input` without the fallible conjuncts that are not the query's own, when it is the
    /// filter the pushdown put over `original`.
    fn clean_input(
        &self,
        input: Arc<LogicalPlan>,
        original: &Arc<LogicalPlan>,
    ) -> Result<Transformed<Arc<LogicalPlan>>> {
        let LogicalPlan::Filter(filter) = input.as_ref() else {
            return Ok(Transformed::no(input));
        };
        if !Arc::ptr_eq(&filter.input, original) {
            return Ok(Transformed::no(input));
        }
        let schema = filter.input.schema();
        let conjuncts = split_conjunction(&filter.predicate);
        let kept: Vec<Expr> = conjuncts
            .iter()
            .filter(|c| self.own.contains(c) || !can_fail(c, schema))
            .map(|c| (*c).clone())
            .collect();
        if kept.len() == conjuncts.len() {
            return Ok(Transformed::no(input));
        }
        let cleaned = match conjunction(kept) {
            Some(predicate) => Arc::new(LogicalPlan::Filter(Filter::try_new(
                predicate,
                filter.input.clone(),
            )?)),
            None => filter.input.clone(),
        };
        Ok(Transformed::yes(cleaned))
    }
}

/// Whether evaluating `expr` over `schema`'s rows can raise an error: anything but
/// columns, constants, comparisons, boolean logic, `IN` lists, `BETWEEN`, `LIKE`, null
/// tests and casts between numeric types that widen.
fn can_fail(expr: &Expr, schema: &DFSchema) -> bool {
    match expr {
        Expr::Column(_) | Expr::Literal(..) => false,
        Expr::Alias(alias) => can_fail(&alias.expr, schema),
        Expr::BinaryExpr(binary) => {
            !is_infallible_operator(binary.op)
                || can_fail(&binary.left, schema)
                || can_fail(&binary.right, schema)
        }
        Expr::Not(e)
        | Expr::IsNull(e)
        | Expr::IsNotNull(e)
        | Expr::IsTrue(e)
        | Expr::IsFalse(e)
        | Expr::IsUnknown(e)
        | Expr::IsNotTrue(e)
        | Expr::IsNotFalse(e)
        | Expr::IsNotUnknown(e) => can_fail(e, schema),
        Expr::Between(between) => {
            can_fail(&between.expr, schema)
                || can_fail(&between.low, schema)
                || can_fail(&between.high, schema)
        }
        Expr::InList(in_list) => {
            can_fail(&in_list.expr, schema) || in_list.list.iter().any(|e| can_fail(e, schema))
        }
        Expr::Like(like) => can_fail(&like.expr, schema) || can_fail(&like.pattern, schema),
        Expr::Cast(cast) => {
            !is_widening(&cast.expr, cast.field.data_type(), schema) || can_fail(&cast.expr, schema)
        }
        _ => true,
    }
}

fn is_infallible_operator(op: Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        Eq | NotEq | Lt | LtEq | Gt | GtEq | And | Or | IsDistinctFrom | IsNotDistinctFrom
    )
}

/// Whether casting `expr` to `target` keeps every value (an integer to a wider integer or
/// to a float; a string to a string).
fn is_widening(
    expr: &Expr,
    target: &datafusion::arrow::datatypes::DataType,
    schema: &DFSchema,
) -> bool {
    use datafusion::arrow::datatypes::DataType::*;
    let Ok(source) = expr.get_type(schema) else {
        return false;
    };
    let rank = |t: &datafusion::arrow::datatypes::DataType| match t {
        Int8 => Some(1),
        Int16 => Some(2),
        Int32 => Some(3),
        Int64 => Some(4),
        _ => None,
    };
    match (&source, target) {
        (s, t) if s == t => true,
        (s, t) if rank(s).is_some() && rank(t).is_some() => rank(s) <= rank(t),
        (s, Float64) if rank(s).is_some() => true,
        (Utf8 | Utf8View | LargeUtf8, Utf8 | Utf8View | LargeUtf8) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    async fn plan_of(ctx: &SessionContext, sql: &str) -> String {
        let df = ctx.sql(sql).await.unwrap();
        let plan = df.into_optimized_plan().unwrap();
        let text = plan.display_indent().to_string();
        text
    }

    fn context() -> SessionContext {
        let state = datafusion::execution::SessionStateBuilder::new()
            .with_default_features()
            .build();
        let rules = replace_push_down_filter(state.optimizers().to_vec());
        let state = datafusion::execution::SessionStateBuilder::new_from_existing(state)
            .with_optimizer_rules(rules)
            .build();
        SessionContext::new_with_state(state)
    }

    async fn tables(ctx: &SessionContext) {
        ctx.sql("CREATE TABLE a (id INT, x INT) AS VALUES (1, 2)")
            .await
            .unwrap();
        ctx.sql("CREATE TABLE b (k INT, y INT) AS VALUES (1, 2147483647)")
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn arithmetic_is_not_inferred_onto_the_other_input() {
        let ctx = context();
        tables(&ctx).await;
        let plan = plan_of(
            &ctx,
            "SELECT * FROM a JOIN b ON a.id = b.k AND a.x + a.id IN (3, 4)",
        )
        .await;
        // The query's own condition still filters `a`; nothing with `b.k + ...` filters `b`.
        assert!(plan.contains("a.x + a.id"), "{plan}");
        assert!(!plan.contains("Filter: b."), "{plan}");
    }

    #[tokio::test]
    async fn key_comparisons_are_still_inferred() {
        let ctx = context();
        tables(&ctx).await;
        let plan = plan_of(
            &ctx,
            "SELECT * FROM a JOIN b ON a.id = b.k WHERE a.id IN (1, 5)",
        )
        .await;
        assert!(
            plan.contains("Filter: b.k = Int32(1) OR b.k = Int32(5)"),
            "{plan}"
        );
        let plan = plan_of(&ctx, "SELECT * FROM a JOIN b ON a.id = b.k WHERE a.id > 0").await;
        assert!(plan.contains("Filter: b.k > "), "{plan}");
    }

    #[tokio::test]
    async fn the_overflow_of_a_row_that_joins_nothing_is_not_raised() {
        let state = context().state();
        let state = datafusion::execution::SessionStateBuilder::new_from_existing(state)
            .with_physical_optimizer_rule(Arc::new(crate::checked_arithmetic::CheckedArithmetic))
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.sql("CREATE TABLE a (id INT) AS VALUES (1)")
            .await
            .unwrap();
        ctx.sql("CREATE TABLE b (k INT, y INT) AS VALUES (1, 5), (2147483647, 1)")
            .await
            .unwrap();
        for sql in [
            "SELECT count(*) AS n FROM a JOIN b ON a.id = b.k AND a.id + b.y > 0",
            // Two filters over the join: DataFusion merges them before it pushes them down.
            "SELECT count(*) AS n FROM a LEFT JOIN b ON a.id = b.k WHERE a.id + b.y > 0 AND b.y IS NOT NULL",
        ] {
            let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
            let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                .unwrap()
                .to_string();
            assert!(text.contains("| 1 |"), "{sql}: {text}");
        }
    }
}
