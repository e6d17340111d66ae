//! Rewrites that give a few expressions PostgreSQL's meaning where DataFusion's differs,
//! found by the differential test against a PostgreSQL oracle:
//!
//! - `CAST(numeric AS integer)` rounds half away from zero in PostgreSQL and truncates in
//!   DataFusion: it becomes `CASE WHEN x >= 0 THEN CAST(x + 0.5 AS int) ELSE
//!   CAST(x - 0.5 AS int) END`. `CAST(double precision AS integer)` rounds half to even
//!   (`rint`) in PostgreSQL (`-3.7` is `-4`, `2.5` is `2`) and truncates in DataFusion: it
//!   becomes `CAST(CASE WHEN x - floor(x) = 0.5 THEN 2 * round(x / 2) ELSE round(x) END AS
//!   int)` (found by the random test).
//! - `date_trunc(part, date)` returns `timestamptz` in PostgreSQL (the date is read as a
//!   timestamp with time zone, in UTC here) and a timestamp without zone in DataFusion: the
//!   date is cast to a UTC timestamp first.
//! - `sum(bigint)` is `numeric` in PostgreSQL and cannot overflow; DataFusion sums 64-bit
//!   integers into a 64-bit integer that wraps silently. The argument of `sum` over `Int64`
//!   or `UInt64` (MySQL's `BIGINT UNSIGNED`) is cast to `Decimal128(38, 0)` first.
//! - Where a `double precision` meets a `numeric` in a comparison (`=`, `<`, ...,
//!   `IS [NOT] DISTINCT FROM`), `IN (...)`, `BETWEEN`, the results or the compared values of
//!   `CASE`, or the arguments of `coalesce`/`greatest`/`least`/`nullif`, PostgreSQL converts
//!   the numeric to double precision (its preferred numeric type); DataFusion converts the
//!   double to a decimal, so `rating = 0.1` fails on a `1e20` (decimal overflow) and
//!   `f = n` matches `1e-300` with `0.000000`. The decimal side is cast to the float type
//!   first (found by the random test, `integration-tests/random/FINDINGS.md`).
//! - `CAST(x AS timestamp)` and `TIMESTAMP '...'` are nanosecond timestamps in DataFusion,
//!   which cannot hold dates before 1677 or after 2262 (`0001-01-01`, `9999-12-31`, which
//!   PostgreSQL's microsecond timestamps hold): such casts target microseconds instead, the
//!   unit of PostgreSQL's timestamps and of the columns fedgate reads. Where a date meets a
//!   timestamp in the expressions listed above, DataFusion's coercion would cast the date to
//!   a nanosecond timestamp: the date is cast to the timestamp's type first.
//!
//! - An integer literal is `integer` (int4) in PostgreSQL when it fits, `bigint` only
//!   beyond; DataFusion reads every integer literal as `Int64`, so `SELECT 1`, `x + 1` over
//!   an int4 column, `CASE ... THEN 1`, `coalesce(id, 0)` and `ARRAY[1, 2]` came out int8.
//!   Literals that fit become `Int32` (LIMIT/OFFSET and VALUES lists keep theirs, and so
//!   do array subscripts and `nth_value`, which DataFusion wants as `Int64`, the elements
//!   of `ARRAY[...]`, whose element type DataFusion's lambdas fix early, and `count(*)`'s
//!   constant).
//! - `row_number()`, `rank()`, `dense_rank()` and `ntile()` are `bigint` in PostgreSQL and
//!   unsigned 64-bit integers in DataFusion (which clients would see as `numeric`): where
//!   their result is used, it is cast to `Int64` (they never exceed it).
//! - Arithmetic between constants that PostgreSQL refuses (`2147483647 + 1`, `1 / 0`,
//!   `1::float8 / 0`), functions that would take a number as text (`length(42)`) and the
//!   scale of unconstrained `numeric` casts: see `crate::number_rules`.
//! - `VALUES` columns whose values are all integer literals that fit `int4` are `int4`, as
//!   in PostgreSQL (DataFusion types them `Int64`), so `sum(x)` over them is `bigint`.
//!   `VALUES` columns where a `double precision` meets `numeric` values are `double
//!   precision` (DataFusion makes them decimals).
//!
//! - `x > ALL (SELECT y FROM t ...)` (any `ANY`/`ALL` over a subquery) compares `x` with
//!   each row in an `EXISTS` that DataFusion decorrelates by the subquery's column names:
//!   where `x` comes from a relation of the same name (`salary > ALL (SELECT salary FROM
//!   emp ...)` over `emp`), `x` was read as the subquery's own column and every answer was
//!   wrong. The subquery gets a name of its own ([`SET_COMPARISON_ALIAS`]) first.
//!
//! - Quoted literals that meet numbers in arithmetic, set operations and comparisons are
//!   typed as PostgreSQL types its `unknown` literals: see `crate::unknown_literals`.
//!
//! Runs as the first analyzer rule, before type coercion, so the rewritten expressions are
//! coerced like any other.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, ExprSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::{
    AggregateFunction, Between, Case, Cast, InList, ScalarFunction, TryCast,
};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{lit, when, Expr, ExprSchemable, LogicalPlan};
use datafusion::logical_expr::{BinaryExpr, Operator, SubqueryAlias, Union, Values};
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
        // A lambda's parameter keeps the element type its array had when it was planned:
        // `ARRAY[...]` keeps DataFusion's `Int64` elements in a statement with lambdas.
        let int4_arrays = int4_literals && !has_lambda(&plan)?;
        plan.transform_up_with_subqueries(|plan| {
            if let LogicalPlan::Values(values) = plan {
                let (values, floats) = float_values(values)?;
                let result = if int4_literals {
                    int4_values(values)?
                } else {
                    Transformed::no(LogicalPlan::Values(values))
                };
                return Ok(Transformed::new_transformed(
                    result.data,
                    floats || result.transformed,
                ));
            }
            if matches!(plan, LogicalPlan::Limit(_)) {
                return Ok(Transformed::no(plan));
            }

            let schema = input_schema(&plan);
            let names = NamePreserver::new(&plan);
            let rewritten = plan.map_expressions(|expr| {
                let saved = names.save(&expr);
                let result = expr.transform_up(|e| {
                    let keep_int64_array = !int4_arrays && is_make_array(&e);
                    if keep_int64_array {
                        return Ok(with_int64_literals(e));
                    }
                    rewrite(e, &schema, int4_literals)
                })?;
                Ok(result.update_data(|e| saved.restore(e)))
            })?;
            // A rewrite below may have changed an input's types: always recompute.
            let transformed = rewritten.transformed;
            let plan = microsecond_union(rewritten.data.recompute_schema()?)?;
            let (plan, transformed) = match &plan {
                LogicalPlan::Union(union) => match crate::unknown_literals::union(union)? {
                    Some(typed) => (typed, true),
                    None => (plan, transformed),
                },
                _ => (plan, transformed),
            };
            Ok(Transformed::new_transformed(plan, transformed))
        })
        .map(|t| t.data)
    }
}

/// A `VALUES` list with its columns of integer literals that all fit `int4` typed `Int32`,
/// as PostgreSQL types them.
fn int4_values(mut values: Values) -> Result<Transformed<LogicalPlan>> {
    let fits = |e: &Expr| match e {
        Expr::Literal(ScalarValue::Int64(Some(v)), _) => i32::try_from(*v).is_ok(),
        Expr::Literal(ScalarValue::Int64(None), _) => true,
        _ => false,
    };
    let columns: Vec<usize> = (0..values.schema.fields().len())
        .filter(|&c| {
            *values.schema.field(c).data_type() == DataType::Int64
                && values.values.iter().all(|row| row.get(c).is_some_and(fits))
                && values
                    .values
                    .iter()
                    .any(|row| matches!(row[c], Expr::Literal(ScalarValue::Int64(Some(_)), _)))
        })
        .collect();
    if columns.is_empty() {
        return Ok(Transformed::no(LogicalPlan::Values(values)));
    }
    for row in &mut values.values {
        for &c in &columns {
            if let Expr::Literal(ScalarValue::Int64(v), metadata) = &row[c] {
                let narrowed = v.and_then(|v| i32::try_from(v).ok());
                row[c] = Expr::Literal(ScalarValue::Int32(narrowed), metadata.clone());
            }
        }
    }
    values.schema = retyped(&values.schema, &columns, &DataType::Int32)?;
    Ok(Transformed::yes(LogicalPlan::Values(values)))
}

/// A `VALUES` list with its decimal columns that have a `double precision` value typed
/// `Float64`: PostgreSQL converts the numerics to its preferred numeric type
/// (`VALUES (1.0::float8), (2.0)` is `double precision`), DataFusion the float to a decimal.
/// Columns with a `real` value keep DataFusion's type. Returns whether it changed any.
fn float_values(mut values: Values) -> Result<(Values, bool)> {
    let empty = DFSchema::empty();
    let type_of = |e: &Expr| e.get_type(&empty).ok();
    // A row's value before the cast to the column's type that DataFusion added.
    let own = |e: &Expr, column: &DataType| match e {
        Expr::Cast(Cast { expr, field }) if field.data_type() == column => expr.as_ref().clone(),
        other => other.clone(),
    };
    let columns: Vec<usize> = (0..values.schema.fields().len())
        .filter(|&c| {
            let column = values.schema.field(c).data_type();
            let own_types: Vec<Option<DataType>> = values
                .values
                .iter()
                .map(|row| row.get(c).and_then(|e| type_of(&own(e, column))))
                .collect();
            matches!(column, DataType::Decimal128(..) | DataType::Decimal256(..))
                && own_types.contains(&Some(DataType::Float64))
                && !own_types.contains(&Some(DataType::Float32))
        })
        .collect();
    if columns.is_empty() {
        return Ok((values, false));
    }
    for row in &mut values.values {
        for &c in &columns {
            let value = own(&row[c], values.schema.field(c).data_type());
            row[c] = match value {
                Expr::Literal(v, metadata) if v.is_null() => {
                    Expr::Literal(ScalarValue::Float64(None), metadata)
                }
                v if type_of(&v) == Some(DataType::Float64) => v,
                v => Expr::Cast(Cast::new(Box::new(v), DataType::Float64)),
            };
        }
    }
    values.schema = retyped(&values.schema, &columns, &DataType::Float64)?;
    Ok((values, true))
}

/// The schema expressions of `plan` are resolved against (its inputs' fields merged).
fn input_schema(plan: &LogicalPlan) -> DFSchema {
    let mut merged = DFSchema::empty();
    for input in plan.inputs() {
        merged.merge(input.schema());
    }
    merged
}

/// Whether an expression of the plan (or of a subquery in it) has a lambda.
fn has_lambda(plan: &LogicalPlan) -> Result<bool> {
    use datafusion::common::tree_node::TreeNodeRecursion;
    let mut found = false;
    plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                found |= matches!(e, Expr::Lambda(_) | Expr::HigherOrderFunction(_));
                Ok(if found {
                    TreeNodeRecursion::Stop
                } else {
                    TreeNodeRecursion::Continue
                })
            })
        })
    })?;
    Ok(found)
}

fn is_make_array(expr: &Expr) -> bool {
    matches!(expr, Expr::ScalarFunction(f) if f.func.name() == "make_array")
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

/// The name a quantified comparison's subquery gets (see the module documentation).
pub const SET_COMPARISON_ALIAS: &str = "__pg_quantified";

/// `x op ANY|ALL (subquery)` with the subquery renamed [`SET_COMPARISON_ALIAS`], so the
/// comparison DataFusion builds never confuses `x` with the subquery's column.
fn rename_set_comparison_subquery(expr: Expr) -> Result<Transformed<Expr>> {
    let Expr::SetComparison(mut comparison) = expr else {
        return Ok(Transformed::no(expr));
    };
    let plan = &comparison.subquery.subquery;
    let named = matches!(plan.as_ref(), LogicalPlan::SubqueryAlias(alias)
        if alias.alias.table() == SET_COMPARISON_ALIAS);
    if named {
        return Ok(Transformed::no(Expr::SetComparison(comparison)));
    }
    let alias = SubqueryAlias::try_new(Arc::clone(plan), SET_COMPARISON_ALIAS)?;
    comparison.subquery.subquery = Arc::new(LogicalPlan::SubqueryAlias(alias));
    Ok(Transformed::yes(Expr::SetComparison(comparison)))
}

fn rewrite(expr: Expr, schema: &DFSchema, int4_literals: bool) -> Result<Transformed<Expr>> {
    if matches!(expr, Expr::SetComparison(_)) {
        return rename_set_comparison_subquery(expr);
    }
    if let Expr::ScalarFunction(function) = &expr {
        if let Some(error) = crate::number_rules::text_argument_error(function, schema) {
            return Ok(Transformed::yes(error));
        }
    }
    if let Some(typed) = crate::unknown_literals::binary(&expr, schema) {
        return Ok(Transformed::yes(typed));
    }
    match &expr {
        Expr::ScalarFunction(function)
            if function.func.name() == "make_array" && all_int4_literals(&function.args) =>
        {
            // `ARRAY[1, 2]` is `integer[]`, as in PostgreSQL.
            Ok(Transformed::no(expr))
        }
        Expr::ScalarFunction(function)
            if matches!(
                function.func.name(),
                "array_element" | "array_slice" | "make_array"
            ) =>
        {
            Ok(with_int64_literals(expr))
        }
        Expr::ScalarFunction(function) if int4_result_function(function, schema) => {
            // gcd(int4, int4) and lcm(int4, int4) are int4 in PostgreSQL (out of range is
            // 22003, as the failing cast reports it).
            Ok(Transformed::yes(Expr::Cast(Cast::new(
                Box::new(expr.clone()),
                DataType::Int32,
            ))))
        }
        Expr::ScalarFunction(function) if function.func.name() == "factorial" => {
            // factorial() is numeric in PostgreSQL.
            Ok(Transformed::yes(Expr::Cast(Cast::new(
                Box::new(expr.clone()),
                DataType::Decimal128(38, 0),
            ))))
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
        Expr::BinaryExpr(_) | Expr::Negative(_)
            if crate::number_rules::constant_error(&expr, schema).is_some() =>
        {
            Ok(Transformed::yes(
                crate::number_rules::constant_error(&expr, schema).unwrap_or(expr),
            ))
        }
        Expr::Column(column) if is_unsigned_window_result(column, schema) => {
            // ntile() is int4 in PostgreSQL, the others bigint.
            let to = if column.name.starts_with("ntile(") {
                DataType::Int32
            } else {
                DataType::Int64
            };
            Ok(Transformed::yes(Expr::Cast(Cast::new(
                Box::new(expr.clone()),
                to,
            ))))
        }
        Expr::WindowFunction(window) if window.fun.name() == "sum" => {
            Ok(match window_sum_of_bigint(window, schema) {
                Some(e) => Transformed::yes(e),
                None => Transformed::no(expr),
            })
        }
        Expr::BinaryExpr(binary) if real_meets_other_number(binary, schema) => {
            // real with an integer or numeric is double precision in PostgreSQL (its
            // operators take float8 there); DataFusion keeps Float32.
            let widen = |e: &Expr| {
                Box::new(Expr::Cast(Cast::new(
                    Box::new(e.clone()),
                    DataType::Float64,
                )))
            };
            Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
                widen(&binary.left),
                binary.op,
                widen(&binary.right),
            ))))
        }
        Expr::ScalarFunction(function)
            if matches!(function.func.name(), "concat" | "concat_ws")
                && function
                    .args
                    .iter()
                    .any(|a| matches!(a.get_type(schema), Ok(DataType::Boolean))) =>
        {
            Ok(Transformed::yes(concat_of_booleans(function, schema)))
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
                Ok(DataType::Float32 | DataType::Float64) => Ok(Transformed::yes(
                    round_half_even_then_cast((**inner).clone(), field.data_type().clone()),
                )),
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
        Expr::Cast(cast)
            if *cast.field.data_type() == crate::number_rules::UNCONSTRAINED_NUMERIC =>
        {
            Ok(
                match crate::number_rules::unconstrained_numeric_cast(cast, schema) {
                    Some(e) => Transformed::yes(e),
                    None => Transformed::no(expr),
                },
            )
        }
        Expr::Cast(Cast { expr: inner, field }) => match microsecond_timestamp(field.data_type()) {
            Some(to) => Ok(Transformed::yes(Expr::Cast(Cast::new(inner.clone(), to)))),
            None => Ok(Transformed::no(expr)),
        },
        Expr::TryCast(TryCast { expr: inner, field }) => {
            match microsecond_timestamp(field.data_type()) {
                Some(to) => Ok(Transformed::yes(Expr::TryCast(TryCast::new(
                    inner.clone(),
                    to,
                )))),
                None => Ok(Transformed::no(expr)),
            }
        }
        _ => Ok(match preferred_types(&expr, schema) {
            Some(e) => Transformed::yes(e),
            None => Transformed::no(expr),
        }),
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

/// Whether every element of an `ARRAY[...]` is an `int4` literal (or NULL).
fn all_int4_literals(args: &[Expr]) -> bool {
    let int4 = |e: &Expr| {
        matches!(
            e,
            Expr::Literal(ScalarValue::Int32(_) | ScalarValue::Null, _)
        )
    };
    args.iter()
        .any(|e| matches!(e, Expr::Literal(ScalarValue::Int32(Some(_)), _)))
        && args.iter().all(int4)
}

/// `gcd`/`lcm` of `int4` arguments, which DataFusion computes as `Int64`.
fn int4_result_function(function: &ScalarFunction, schema: &DFSchema) -> bool {
    matches!(function.func.name(), "gcd" | "lcm")
        && function
            .args
            .iter()
            .all(|a| matches!(a.get_type(schema), Ok(DataType::Int32 | DataType::Int16)))
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

/// A UNION whose schema still has the nanosecond timestamps of its arms before the casts
/// became microseconds (a union keeps the schema it was planned with, and type coercion
/// would cast every arm back to it), with its schema derived from its arms again.
fn microsecond_union(plan: LogicalPlan) -> Result<LogicalPlan> {
    let plan = int4_union(plan)?;
    match plan {
        LogicalPlan::Union(union)
            if union
                .schema
                .fields()
                .iter()
                .any(|f| matches!(f.data_type(), DataType::Timestamp(TimeUnit::Nanosecond, _))) =>
        {
            Ok(LogicalPlan::Union(Union::try_new_with_loose_types(
                union.inputs,
            )?))
        }
        other => Ok(other),
    }
}

/// A `UNION` keeps the column types it was planned with (`Int64` for `SELECT 1 UNION
/// SELECT 2`) when its inputs' literals became `Int32`: a column that every input now
/// gives as `Int32` (or NULL) is `int4`, as in PostgreSQL.
fn int4_union(plan: LogicalPlan) -> Result<LogicalPlan> {
    let mut union = match plan {
        LogicalPlan::Union(union) => union,
        other => return Ok(other),
    };
    let int4 = |c: usize| {
        union.schema.field(c).data_type() == &DataType::Int64
            && union.inputs.iter().all(|input| {
                input
                    .schema()
                    .fields()
                    .get(c)
                    .is_some_and(|f| matches!(f.data_type(), DataType::Int32 | DataType::Null))
            })
    };
    let columns: Vec<usize> = (0..union.schema.fields().len())
        .filter(|&c| int4(c))
        .collect();
    if columns.is_empty() {
        return Ok(LogicalPlan::Union(union));
    }
    union.schema = retyped(&union.schema, &columns, &DataType::Int32)?;
    Ok(LogicalPlan::Union(union))
}

/// `schema` with the columns at `columns` typed `to` (names, qualifiers, nullability and
/// metadata kept).
fn retyped(schema: &DFSchema, columns: &[usize], to: &DataType) -> Result<Arc<DFSchema>> {
    let fields = schema
        .iter()
        .enumerate()
        .map(|(c, (qualifier, field))| {
            let field = if columns.contains(&c) {
                Arc::new(field.as_ref().clone().with_data_type(to.clone()))
            } else {
                field.clone()
            };
            (qualifier.cloned(), field)
        })
        .collect();
    let metadata = schema.inner().metadata().clone();
    Ok(Arc::new(DFSchema::new_with_metadata(fields, metadata)?))
}

/// A microsecond timestamp type for a cast to a nanosecond one.
fn microsecond_timestamp(data_type: &DataType) -> Option<DataType> {
    match data_type {
        DataType::Timestamp(TimeUnit::Nanosecond, tz) => {
            Some(DataType::Timestamp(TimeUnit::Microsecond, tz.clone()))
        }
        _ => None,
    }
}

/// `expr` with the decimal operands that meet a float operand cast to that float type (and
/// the dates that meet a microsecond timestamp cast to it), for the expressions where
/// PostgreSQL unifies the types of its operands (comparisons, IN, BETWEEN, CASE, coalesce,
/// greatest, least, nullif); `None` when nothing changes.
fn preferred_types(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) if compares(op) => {
            let [left, right] = unify_operands(&[left, right], schema)?.try_into().ok()?;
            Some(Expr::BinaryExpr(BinaryExpr::new(
                Box::new(left),
                *op,
                Box::new(right),
            )))
        }
        Expr::InList(InList {
            expr: subject,
            list,
            negated,
        }) => {
            let operands: Vec<&Expr> = std::iter::once(subject.as_ref()).chain(list).collect();
            let mut unified = unify_operands(&operands, schema)?;
            let subject = unified.remove(0);
            Some(Expr::InList(InList::new(
                Box::new(subject),
                unified,
                *negated,
            )))
        }
        Expr::Between(Between {
            expr: subject,
            negated,
            low,
            high,
        }) => {
            let [subject, low, high] = unify_operands(&[subject, low, high], schema)?
                .try_into()
                .ok()?;
            Some(Expr::Between(Between::new(
                Box::new(subject),
                *negated,
                Box::new(low),
                Box::new(high),
            )))
        }
        Expr::Case(case) => case_preferred_types(case, schema),
        Expr::ScalarFunction(function)
            if matches!(
                function.func.name(),
                "coalesce" | "greatest" | "least" | "nullif"
            ) =>
        {
            let arguments: Vec<&Expr> = function.args.iter().collect();
            let unified = unify_operands(&arguments, schema)?;
            Some(Expr::ScalarFunction(ScalarFunction::new_udf(
                function.func.clone(),
                unified,
            )))
        }
        _ => None,
    }
}

/// Whether `op` compares its operands (`=`, `<>`, `<`, `<=`, `>`, `>=`, `IS [NOT] DISTINCT
/// FROM`): the operators PostgreSQL resolves by unifying both sides' types.
pub fn compares(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

/// A CASE whose results (or whose subject and WHEN values) mix floats and decimals, with the
/// decimals cast to the float type.
fn case_preferred_types(case: &Case, schema: &DFSchema) -> Option<Expr> {
    let mut results: Vec<&Expr> = case
        .when_then_expr
        .iter()
        .map(|(_, t)| t.as_ref())
        .collect();
    results.extend(case.else_expr.as_deref());
    let mut compared: Vec<&Expr> = case.expr.as_deref().into_iter().collect();
    if case.expr.is_some() {
        compared.extend(case.when_then_expr.iter().map(|(w, _)| w.as_ref()));
    }
    let new_results = unify_operands(&results, schema);
    let new_compared = unify_operands(&compared, schema);
    if new_results.is_none() && new_compared.is_none() {
        return None;
    }
    let results = new_results.unwrap_or_else(|| results.into_iter().cloned().collect());
    let mut compared = new_compared.unwrap_or_else(|| compared.into_iter().cloned().collect());
    let subject = case.expr.as_ref().map(|_| Box::new(compared.remove(0)));
    let mut results = results.into_iter();
    let when_then = case
        .when_then_expr
        .iter()
        .enumerate()
        .map(|(i, (when, _))| {
            let when = match subject {
                Some(_) => compared[i].clone(),
                None => (**when).clone(),
            };
            (
                Box::new(when),
                Box::new(results.next().unwrap_or_else(|| lit(0))),
            )
        })
        .collect();
    let otherwise = case
        .else_expr
        .as_ref()
        .and_then(|_| results.next())
        .map(Box::new);
    Some(Expr::Case(Case::new(subject, when_then, otherwise)))
}

/// The operands with every decimal one cast to the float type of another operand, or every
/// date cast to the type of a microsecond timestamp operand, when there are both; `None`
/// otherwise (or when a type cannot be found).
fn unify_operands(operands: &[&Expr], schema: &DFSchema) -> Option<Vec<Expr>> {
    let types: Vec<DataType> = operands
        .iter()
        .map(|e| e.get_type(schema).ok())
        .collect::<Option<_>>()?;
    let (to, converted): (DataType, fn(&DataType) -> bool) =
        if let Some(float) = types.iter().find(|t| t.is_floating()) {
            (float.clone(), is_decimal)
        } else {
            let timestamp = types
                .iter()
                .find(|t| matches!(t, DataType::Timestamp(TimeUnit::Microsecond, _)))?;
            (timestamp.clone(), |t| matches!(t, DataType::Date32))
        };
    if !types.iter().any(converted) {
        return None;
    }
    Some(
        operands
            .iter()
            .zip(&types)
            .map(|(e, t)| {
                if converted(t) {
                    Expr::Cast(Cast::new(Box::new((*e).clone()), to.clone()))
                } else {
                    (*e).clone()
                }
            })
            .collect(),
    )
}

fn is_decimal(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..)
    )
}

/// `sum(x)` over a 64-bit integer as `sum(CAST(x AS Decimal128(38, 0)))`.
fn sum_of_bigint(aggregate: &AggregateFunction, schema: &DFSchema) -> Option<Expr> {
    let mut rewritten = aggregate.clone();
    rewritten.params.args = bigint_argument_as_numeric(&aggregate.params.args, schema)?;
    Some(Expr::AggregateFunction(rewritten))
}

/// `sum(bigint) OVER (...)` summed as `numeric`, like the aggregate (see [`sum_of_bigint`]).
fn window_sum_of_bigint(
    window: &datafusion::logical_expr::expr::WindowFunction,
    schema: &DFSchema,
) -> Option<Expr> {
    let mut rewritten = window.clone();
    rewritten.params.args = bigint_argument_as_numeric(&window.params.args, schema)?;
    Some(Expr::WindowFunction(Box::new(rewritten)))
}

/// The single 64-bit integer argument of a `sum` cast to `Decimal128(38, 0)`; `None` for
/// any other argument list.
fn bigint_argument_as_numeric(args: &[Expr], schema: &DFSchema) -> Option<Vec<Expr>> {
    let [argument] = args else {
        return None;
    };
    if !matches!(
        argument.get_type(schema),
        Ok(DataType::Int64 | DataType::UInt64)
    ) {
        return None;
    }
    Some(vec![Expr::Cast(Cast::new(
        Box::new(argument.clone()),
        DataType::Decimal128(38, 0),
    ))])
}

/// Whether an arithmetic operator has a `real` (Float32) operand and an integer or
/// `numeric` one: PostgreSQL computes that in double precision.
fn real_meets_other_number(binary: &BinaryExpr, schema: &DFSchema) -> bool {
    let arithmetic = matches!(
        binary.op,
        Operator::Plus | Operator::Minus | Operator::Multiply | Operator::Divide
    );
    let (Ok(left), Ok(right)) = (binary.left.get_type(schema), binary.right.get_type(schema))
    else {
        return false;
    };
    let other = |t: &DataType| t.is_integer() || matches!(t, DataType::Decimal128(..));
    arithmetic
        && ((left == DataType::Float32 && other(&right))
            || (right == DataType::Float32 && other(&left)))
}

/// `concat`/`concat_ws` with boolean arguments as PostgreSQL's text of them (`t`, `f`);
/// DataFusion writes `true`, `false`.
fn concat_of_booleans(function: &ScalarFunction, schema: &DFSchema) -> Expr {
    let args = function
        .args
        .iter()
        .map(|a| match a.get_type(schema) {
            Ok(DataType::Boolean) => when(a.clone(), lit("t"))
                .when(Expr::Not(Box::new(a.clone())), lit("f"))
                .end()
                .unwrap_or_else(|_| a.clone()),
            _ => a.clone(),
        })
        .collect();
    Expr::ScalarFunction(ScalarFunction::new_udf(Arc::clone(&function.func), args))
}

/// `CAST(rint(value) AS to)` for a float `value`: the nearest integer, halves to even.
fn round_half_even_then_cast(value: Expr, to: DataType) -> Expr {
    use datafusion::functions::math::{floor, round};
    let value = Expr::Cast(Cast::new(Box::new(value), DataType::Float64));
    let call = |f: Arc<datafusion::logical_expr::ScalarUDF>, e: Expr| {
        Expr::ScalarFunction(ScalarFunction::new_udf(f, vec![e]))
    };
    let halfway = (value.clone() - call(floor(), value.clone())).eq(lit(0.5f64));
    let even = lit(2.0f64) * call(round(), value.clone() / lit(2.0f64));
    let nearest = call(round(), value);
    let rounded = when(halfway, even)
        .otherwise(nearest)
        .expect("a CASE with one branch and an ELSE is valid");
    Expr::Cast(Cast::new(Box::new(rounded), to))
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
    use datafusion::arrow::array::{
        Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, UInt64Array,
    };
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::SessionContext;

    /// A session with the rule first and a table `t` of two rows.
    fn test_context() -> SessionContext {
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
            Field::new("f", DataType::Float64, false),
            Field::new("n", DataType::Decimal128(20, 6), false),
            Field::new("d", DataType::Date32, false),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![i64::MAX, i64::MAX])),
                Arc::new(UInt64Array::from(vec![u64::MAX, u64::MAX])),
                Arc::new(Float64Array::from(vec![1e-300, 1e20])),
                Arc::new(
                    Decimal128Array::from(vec![0, 1_500_000])
                        .with_precision_and_scale(20, 6)
                        .unwrap(),
                ),
                // 0001-01-01 and 9999-12-31.
                Arc::new(Date32Array::from(vec![-719_162, 2_932_896])),
            ],
        )
        .unwrap();
        ctx.register_batch("t", batch).unwrap();
        ctx
    }

    #[tokio::test]
    async fn union_of_int4_literals_is_int4() {
        let (data_type, _) =
            one_value("SELECT 1 AS x UNION SELECT 2 UNION SELECT 1 ORDER BY x").await;
        assert_eq!(data_type, DataType::Int32);
        let (data_type, _) =
            one_value("SELECT 1 UNION SELECT 2 INTERSECT SELECT 2 ORDER BY 1").await;
        assert_eq!(data_type, DataType::Int32);
        let (data_type, _) = one_value("SELECT 1 UNION ALL SELECT 3000000000 ORDER BY 1").await;
        assert_eq!(data_type, DataType::Int64);
    }

    #[tokio::test]
    async fn values_of_double_and_numeric_are_double() {
        let (data_type, first) = one_value(
            "SELECT x FROM (VALUES (CAST(1 AS DOUBLE)), (CAST(2.5 AS DECIMAL(5, 1))), (NULL)) AS t(x)",
        )
        .await;
        assert_eq!((data_type, first.as_str()), (DataType::Float64, "1.0"));
        let (data_type, _) = one_value(
            "SELECT x FROM (VALUES (CAST(1 AS DECIMAL(5, 2))), (CAST(2.5 AS DECIMAL(5, 1)))) AS t(x)",
        )
        .await;
        assert!(matches!(data_type, DataType::Decimal128(..)), "{data_type}");
    }

    /// The type and first value of `sql`'s first column.
    async fn one_value(sql: &str) -> (DataType, String) {
        let batches = test_context()
            .sql(sql)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let column = batches[0].column(0);
        (
            column.data_type().clone(),
            array_value_to_string(column, 0).unwrap(),
        )
    }

    /// Every row of `sql`'s first column, as text.
    async fn values(sql: &str) -> Vec<String> {
        let batches = test_context()
            .sql(sql)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        batches
            .iter()
            .flat_map(|b| {
                let column = b.column(0).clone();
                (0..b.num_rows()).map(move |i| array_value_to_string(&column, i).unwrap())
            })
            .collect()
    }

    #[tokio::test]
    async fn quantified_subquery_over_the_same_table() {
        // PostgreSQL: 1.5 > 0 and 0 is not; NULL and an empty set follow its three values.
        let above = "SELECT n FROM t WHERE n > ALL (SELECT n FROM t WHERE n = 0)";
        assert_eq!(values(above).await, ["1.500000"]);
        let any = "SELECT n FROM t WHERE n < ANY (SELECT n FROM t) ORDER BY n";
        assert_eq!(values(any).await, ["0.000000"]);
        let empty = "SELECT n FROM t WHERE n > ALL (SELECT n FROM t WHERE false) ORDER BY n";
        assert_eq!(values(empty).await.len(), 2);
    }

    #[tokio::test]
    async fn window_types_as_postgres() {
        let sum = "SELECT sum(i) OVER (ORDER BY n ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t";
        assert_eq!(
            one_value(sum).await,
            (
                DataType::Decimal128(38, 0),
                "18446744073709551614".to_string()
            )
        );
        let ntile = "SELECT ntile(2) OVER (ORDER BY n) FROM t";
        assert_eq!(one_value(ntile).await, (DataType::Int32, "1".to_string()));
        let rank = "SELECT rank() OVER (ORDER BY n) FROM t";
        assert_eq!(one_value(rank).await.0, DataType::Int64);
    }

    #[tokio::test]
    async fn real_with_other_numbers_is_double_precision() {
        let (data_type, value) = one_value("SELECT CAST(10 AS REAL) / 3").await;
        assert_eq!(data_type, DataType::Float64);
        assert_eq!(value, "3.3333333333333335");
        let real = "SELECT CAST(1 AS REAL) + CAST(2 AS REAL)";
        assert_eq!(one_value(real).await.0, DataType::Float32);
    }

    #[tokio::test]
    async fn concat_writes_booleans_as_postgres() {
        assert_eq!(
            one_value("SELECT concat('a', true, false, NULL)").await.1,
            "atf"
        );
        assert_eq!(
            one_value("SELECT concat_ws('-', 'a', 1 > 2)").await.1,
            "a-f"
        );
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
    async fn floats_meet_decimals_as_floats() {
        // PostgreSQL compares as double precision: 1e-300 is not 0.000000, and 1e20 is
        // compared without a decimal overflow.
        let dec = |v: &str| format!("CAST('{v}' AS DECIMAL(30, 6))");
        assert!(values("SELECT f FROM t WHERE f = n").await.is_empty());
        let big = dec("100000000000000000000");
        assert_eq!(
            values(&format!("SELECT f FROM t WHERE f = {big}")).await,
            ["1e20"]
        );
        let list = format!("SELECT f FROM t WHERE f IN ({}, {big})", dec("0.1"));
        assert_eq!(values(&list).await.len(), 1);
        let between = format!("SELECT f FROM t WHERE f BETWEEN {} AND {big}", dec("0.5"));
        assert_eq!(values(&between).await.len(), 1);
        assert_eq!(
            values(&format!("SELECT f FROM t WHERE f <> {}", dec("0")))
                .await
                .len(),
            2
        );
        let (data_type, _) = one_value("SELECT coalesce(f, n) FROM t").await;
        assert_eq!(data_type, DataType::Float64);
        let (data_type, _) = one_value("SELECT CASE WHEN i > 0 THEN f ELSE n END FROM t").await;
        assert_eq!(data_type, DataType::Float64);
        let (_, value) =
            one_value("SELECT CASE n WHEN f THEN 'same' ELSE 'other' END FROM t").await;
        assert_eq!(value, "other");
    }

    #[tokio::test]
    async fn timestamps_are_microseconds() {
        let (data_type, value) = one_value("SELECT CAST(d AS timestamp) FROM t").await;
        assert_eq!(data_type, DataType::Timestamp(TimeUnit::Microsecond, None));
        assert_eq!(value, "0001-01-01T00:00:00");
        let rows = values(
            "SELECT d FROM t WHERE CAST(d AS timestamp) < TIMESTAMP '9999-12-31 23:59:59.999999'",
        )
        .await;
        assert_eq!(rows, ["0001-01-01", "9999-12-31"]);
        // A date compared with a timestamp is not made a nanosecond timestamp.
        let rows = values("SELECT d FROM t WHERE d < TIMESTAMP '2000-01-01 00:00:00'").await;
        assert_eq!(rows, ["0001-01-01"]);
        let rows = values("SELECT d FROM t WHERE TIMESTAMP '9999-12-31 00:00:00' IN (d)").await;
        assert_eq!(rows, ["9999-12-31"]);
        // A UNION planned with nanosecond literals takes its arms' microseconds.
        let rows = values(
            "SELECT TIMESTAMP '2000-01-01 00:00:00' AS x UNION ALL SELECT CAST(d AS timestamp) FROM t",
        )
        .await;
        assert_eq!(rows.len(), 3);
    }

    #[tokio::test]
    async fn float_to_integer_rounds_half_to_even() {
        for (float, int) in [
            ("2.5", "2"),
            ("3.5", "4"),
            ("-2.5", "-2"),
            ("-1.5", "-2"),
            ("-3.7", "-4"),
            ("3.7", "4"),
            ("0.49999999999999994", "0"),
        ] {
            let sql = format!("SELECT CAST(CAST('{float}' AS DOUBLE) AS INT)");
            assert_eq!(one_value(&sql).await.1, int, "{float}");
        }
        let (data_type, value) = one_value("SELECT CAST(CAST(-150.75 AS DOUBLE) AS BIGINT)").await;
        assert_eq!((data_type, value.as_str()), (DataType::Int64, "-151"));
    }

    #[tokio::test]
    async fn numeric_to_integer_rounds_half_away_from_zero() {
        let (_, value) = one_value("SELECT CAST(CAST(-2.5 AS DECIMAL(5,1)) AS INT)").await;
        assert_eq!(value, "-3");
    }
}
