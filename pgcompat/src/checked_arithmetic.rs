//! Arithmetic that fails as PostgreSQL's does, wherever a plan evaluates it.
//!
//! PostgreSQL ends `2147483647 + 1` (int4) and `9223372036854775807 + 1` (int8) with 22003
//! `integer out of range`; DataFusion's `+`, `-` and `*` wrap around silently unless the
//! physical expression is built with `fail_on_overflow`, and its unary minus always wraps
//! (`-(-9223372036854775808)`). Float `+ - * /` follow IEEE where PostgreSQL fails
//! (`1::float8 / 0`, see [`crate::checked_float`]). This physical optimizer rule rebuilds
//! those expressions with PostgreSQL's checks in every operator that evaluates expressions
//! of its own: projections, filters, aggregates (arguments, `ORDER BY` inside the call,
//! `FILTER`, grouping keys) and sorts. It runs first among the physical optimizer rules,
//! so the checked expressions are what DataFusion later pushes into file scans
//! (`DataSourceExec` projections and filters), and again last, for what other rules made.
//! The integer error is `ArrowError::ArithmeticOverflow`, which `crate::error` reports as
//! 22003 with PostgreSQL's message.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{BinaryExpr, NegativeExpr};
use datafusion::physical_expr::{LexOrdering, PhysicalExpr, PhysicalSortExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateInputMode, PhysicalGroupBy};
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::projection::{ProjectionExec, ProjectionExpr};
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::ExecutionPlan;

use crate::checked_float::CheckedFloatArithmetic;

/// The physical optimizer rule (see the module documentation).
#[derive(Debug, Default)]
pub struct CheckedArithmetic;

impl CheckedArithmetic {
    /// DataFusion's physical optimizer rules with this rule first and last.
    pub fn with_default_rules() -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
        let mut rules: Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> =
            vec![Arc::new(CheckedArithmetic)];
        rules.extend(datafusion::physical_optimizer::optimizer::PhysicalOptimizer::new().rules);
        rules.push(Arc::new(CheckedArithmetic));
        rules
    }
}

impl PhysicalOptimizerRule for CheckedArithmetic {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let before = plan.schema();
        let checked = plan.transform_up(checked_node)?.data;
        same_names_and_types(&before, &checked.schema())?;
        Ok(checked)
    }

    fn name(&self) -> &str {
        "fedgate_checked_arithmetic"
    }

    /// DataFusion's check also compares field metadata, which a rebuilt projection may
    /// carry differently (a cast keeps its input's backend type tag); names, types and
    /// column count are checked in [`same_names_and_types`] instead.
    fn schema_check(&self) -> bool {
        false
    }
}

/// The rule must not change a plan's output columns: their count, names and types.
fn same_names_and_types(before: &Schema, after: &Schema) -> Result<()> {
    let same = before.fields().len() == after.fields().len()
        && before
            .fields()
            .iter()
            .zip(after.fields())
            .all(|(b, a)| b.name() == a.name() && b.data_type() == a.data_type());
    if same {
        Ok(())
    } else {
        datafusion::common::internal_err!(
            "checked arithmetic changed the plan's columns: {before:?} became {after:?}"
        )
    }
}

fn checked_node(node: Arc<dyn ExecutionPlan>) -> Result<Transformed<Arc<dyn ExecutionPlan>>> {
    if let Some(projection) = node.downcast_ref::<ProjectionExec>() {
        return checked_projection(projection, &node);
    }
    if let Some(filter) = node.downcast_ref::<FilterExec>() {
        let schema = filter.input().schema();
        let checked = checked_expr(filter.predicate().clone(), &schema)?;
        if !checked.transformed {
            return Ok(Transformed::no(node));
        }
        let rebuilt = FilterExecBuilder::from(filter)
            .with_predicate(checked.data)
            .build()?;
        return Ok(Transformed::yes(Arc::new(rebuilt)));
    }
    if let Some(aggregate) = node.downcast_ref::<AggregateExec>() {
        return checked_aggregate(aggregate, &node);
    }
    if let Some(sort) = node.downcast_ref::<SortExec>() {
        return checked_sort(sort, &node);
    }
    Ok(Transformed::no(node))
}

fn checked_projection(
    projection: &ProjectionExec,
    node: &Arc<dyn ExecutionPlan>,
) -> Result<Transformed<Arc<dyn ExecutionPlan>>> {
    let schema = projection.input().schema();
    let mut changed = false;
    let exprs = projection
        .expr()
        .iter()
        .map(|p| {
            let checked = checked_expr(p.expr.clone(), &schema)?;
            changed |= checked.transformed;
            Ok(ProjectionExpr::new(checked.data, p.alias.clone()))
        })
        .collect::<Result<Vec<_>>>()?;
    if !changed {
        return Ok(Transformed::no(node.clone()));
    }
    let rebuilt = ProjectionExec::try_new(exprs, projection.input().clone())?;
    Ok(Transformed::yes(Arc::new(rebuilt)))
}

/// Checked expressions of a list; `None` when none changed.
fn checked_list(
    exprs: Vec<Arc<dyn PhysicalExpr>>,
    schema: &Schema,
) -> Result<Option<Vec<Arc<dyn PhysicalExpr>>>> {
    let mut changed = false;
    let checked = exprs
        .into_iter()
        .map(|e| {
            let t = checked_expr(e, schema)?;
            changed |= t.transformed;
            Ok(t.data)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(changed.then_some(checked))
}

fn checked_aggregate(
    aggregate: &AggregateExec,
    node: &Arc<dyn ExecutionPlan>,
) -> Result<Transformed<Arc<dyn ExecutionPlan>>> {
    // A final aggregate merges partial states: its input is the partial aggregate, and its
    // arguments and filters (over the original input) are not evaluated there.
    if aggregate.mode().input_mode() != AggregateInputMode::Raw {
        return Ok(Transformed::no(node.clone()));
    }
    let schema = aggregate.input().schema();
    let mut changed = false;
    let mut aggr_exprs = Vec::with_capacity(aggregate.aggr_expr().len());
    for function in aggregate.aggr_expr() {
        let all = function.all_expressions();
        let args = checked_list(all.args.clone(), &schema)?;
        let order = checked_list(all.order_by_exprs.clone(), &schema)?;
        let rebuilt = match (args.is_some() || order.is_some())
            .then(|| {
                function.with_new_expressions(
                    args.unwrap_or(all.args),
                    order.unwrap_or(all.order_by_exprs),
                )
            })
            .flatten()
        {
            Some(rebuilt) => {
                changed = true;
                Arc::new(rebuilt)
            }
            None => function.clone(),
        };
        aggr_exprs.push(rebuilt);
    }
    let group_by = aggregate.group_expr();
    let (names, exprs): (Vec<String>, Vec<_>) = group_by
        .expr()
        .iter()
        .map(|(e, name)| (name.clone(), e.clone()))
        .unzip();
    let checked_groups = checked_list(exprs, &schema)?;
    let mut filters = Vec::with_capacity(aggregate.filter_expr().len());
    for filter in aggregate.filter_expr() {
        filters.push(match filter {
            Some(f) => {
                let t = checked_expr(f.clone(), &schema)?;
                changed |= t.transformed;
                Some(t.data)
            }
            None => None,
        });
    }
    if checked_groups.is_none() && !changed {
        return Ok(Transformed::no(node.clone()));
    }
    let group_by = match checked_groups {
        Some(exprs) => PhysicalGroupBy::new(
            exprs.into_iter().zip(names).collect(),
            group_by.null_expr().to_vec(),
            group_by.groups().to_vec(),
            group_by.has_grouping_set(),
        ),
        None => group_by.clone(),
    };
    let rebuilt = AggregateExec::try_new(
        *aggregate.mode(),
        group_by,
        aggr_exprs,
        filters,
        aggregate.input().clone(),
        aggregate.input_schema(),
    )?
    .with_limit_options(aggregate.limit_options());
    Ok(Transformed::yes(Arc::new(rebuilt)))
}

fn checked_sort(
    sort: &SortExec,
    node: &Arc<dyn ExecutionPlan>,
) -> Result<Transformed<Arc<dyn ExecutionPlan>>> {
    let schema = sort.input().schema();
    let keys: Vec<_> = sort.expr().iter().map(|k| k.expr.clone()).collect();
    let Some(checked) = checked_list(keys, &schema)? else {
        return Ok(Transformed::no(node.clone()));
    };
    let ordering = sort
        .expr()
        .iter()
        .zip(checked)
        .map(|(key, expr)| PhysicalSortExpr::new(expr, key.options));
    let Some(ordering) = LexOrdering::new(ordering) else {
        return Ok(Transformed::no(node.clone()));
    };
    let rebuilt = SortExec::new(ordering, sort.input().clone())
        .with_fetch(sort.fetch())
        .with_preserve_partitioning(sort.preserve_partitioning());
    Ok(Transformed::yes(Arc::new(rebuilt)))
}

/// `expr` with every integer `+`, `-`, `*` and unary minus failing on overflow and every
/// float `+ - * /` failing as PostgreSQL's.
fn checked_expr(
    expr: Arc<dyn PhysicalExpr>,
    schema: &Schema,
) -> Result<Transformed<Arc<dyn PhysicalExpr>>> {
    expr.transform_up(|e| {
        if let Some(negative) = e.downcast_ref::<NegativeExpr>() {
            return checked_negation(negative, schema, &e);
        }
        let Some(binary) = e.downcast_ref::<BinaryExpr>() else {
            return Ok(Transformed::no(e));
        };
        let is_float = |side: &Arc<dyn PhysicalExpr>| {
            matches!(
                side.data_type(schema),
                Ok(DataType::Float16 | DataType::Float32 | DataType::Float64)
            )
        };
        if is_float(binary.left()) && is_float(binary.right()) {
            return Ok(
                match CheckedFloatArithmetic::new(
                    binary.left().clone(),
                    *binary.op(),
                    binary.right().clone(),
                ) {
                    Some(checked) => Transformed::yes(Arc::new(checked) as Arc<dyn PhysicalExpr>),
                    None => Transformed::no(e),
                },
            );
        }
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

/// `-x` of a signed integer, failing on overflow (DataFusion's negation wraps).
fn checked_negation(
    negative: &NegativeExpr,
    schema: &Schema,
    original: &Arc<dyn PhysicalExpr>,
) -> Result<Transformed<Arc<dyn PhysicalExpr>>> {
    let data_type = negative.arg().data_type(schema)?;
    if !matches!(
        data_type,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
    ) {
        return Ok(Transformed::no(original.clone()));
    }
    Ok(Transformed::yes(Arc::new(CheckedNegative {
        arg: negative.arg().clone(),
    })))
}

/// An integer `-x` that fails with 22003 where PostgreSQL's does (`-(-2147483648)`); its
/// field is its argument's, as DataFusion's negation's is.
#[derive(Debug, Eq)]
struct CheckedNegative {
    arg: Arc<dyn PhysicalExpr>,
}

impl PartialEq for CheckedNegative {
    fn eq(&self, other: &Self) -> bool {
        self.arg.eq(&other.arg)
    }
}

impl std::hash::Hash for CheckedNegative {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.arg.hash(state);
    }
}

impl std::fmt::Display for CheckedNegative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(- {})", self.arg)
    }
}

impl PhysicalExpr for CheckedNegative {
    fn data_type(&self, input_schema: &Schema) -> Result<DataType> {
        self.arg.data_type(input_schema)
    }

    fn nullable(&self, input_schema: &Schema) -> Result<bool> {
        self.arg.nullable(input_schema)
    }

    fn return_field(
        &self,
        input_schema: &Schema,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        self.arg.return_field(input_schema)
    }

    fn evaluate(
        &self,
        batch: &datafusion::arrow::record_batch::RecordBatch,
    ) -> Result<datafusion::logical_expr::ColumnarValue> {
        use datafusion::logical_expr::ColumnarValue;
        match self.arg.evaluate(batch)? {
            ColumnarValue::Array(array) => Ok(ColumnarValue::Array(
                datafusion::arrow::compute::kernels::numeric::neg(array.as_ref())?,
            )),
            ColumnarValue::Scalar(scalar) => {
                let negated =
                    datafusion::arrow::compute::kernels::numeric::neg(scalar.to_array()?.as_ref())?;
                Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                    &negated, 0,
                )?))
            }
        }
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.arg]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(CheckedNegative {
            arg: children[0].clone(),
        }))
    }

    fn fmt_sql(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(- ")?;
        self.arg.fmt_sql(f)?;
        write!(f, ")")
    }
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
            .with_physical_optimizer_rules(CheckedArithmetic::with_default_rules())
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

    #[tokio::test]
    async fn every_operator_checks() {
        for sql in [
            "SELECT sum(i8 * 2) FROM t",
            "SELECT i4 FROM t ORDER BY i4 + i4",
            "SELECT -(0 - i8 - 1) FROM t",
            "SELECT count(*) FROM t GROUP BY i4 * i4",
        ] {
            assert_eq!(run(sql).await.unwrap_err().code, "22003", "{sql}");
        }
        let divided = run("SELECT CAST(i4 AS DOUBLE) / 0.0 FROM t").await;
        assert_eq!(divided.unwrap_err().code, "22012");
        assert!(run("SELECT -i4 FROM t WHERE i4 < 100").await.is_ok());
    }
}
