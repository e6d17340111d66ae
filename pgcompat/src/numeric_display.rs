//! Output columns of `numeric` values whose display scale PostgreSQL chooses per value.
//!
//! PostgreSQL's `numeric` carries its display scale with each value; an Arrow decimal
//! column has one scale for all of them. Where the two part, the output column is sent as
//! PostgreSQL's text of each value, marked `numeric`
//! (`crate::functions::numeric_text`), so clients see PostgreSQL's digits and type:
//!
//! - `a / b` of numerics: PostgreSQL's scale follows the operands' magnitudes (at least 16
//!   significant digits: `7.0 / 2` is `3.5000000000000000`, `1 / 3.0`
//!   `0.33333333333333333333`, `salary / 12` `10000.0000000000000000`), where DataFusion
//!   gives the column a fixed scale and truncates (`0.3333`);
//! - `avg` of integers or numerics (of an aggregate or a window right below the output):
//!   PostgreSQL's is `numeric_div(sum, count)`; the sum and the count are added to the
//!   aggregate or window and divided so (DataFusion's avg is `float8` for integers and
//!   truncated to 4 more digits for decimals);
//! - `CASE`, `coalesce`, `greatest` and `least` whose results differ in scale, and
//!   `lag`/`lead` with a default of another scale: PostgreSQL keeps the scale of the value
//!   chosen (`coalesce(1, 2.5)` is `1`, `greatest(salary, 60000)` is `60000` where the
//!   integer wins, `lag(salary, 2, 0)` is `0`), DataFusion the common type's (`1.0`);
//! - `float8::numeric`: PostgreSQL reads the float's 15 significant digits (`0.1`,
//!   `1e-12` is `0.000000000001`), DataFusion rounds to the unconstrained numeric's 10
//!   digits.
//!
//! The rewrite applies to the statement's output columns only (the projection under the
//! final `ORDER BY`/`LIMIT`, for columns the ordering does not use), where the value is not
//! computed on; and only when every operand's scale is its PostgreSQL display scale: table
//! columns, literals, `+ - *` of those, integer/decimal casts, `sum`/`min`/`max` of those
//! (traced through the plan). A quotient of an average, of another quotient or of a float
//! keeps DataFusion's answer, and so do values the final `ORDER BY` sorts on (ordering
//! text would be wrong) and `UNION`/`VALUES` rows of different scales.
//!
//! Runs as an analyzer rule before type coercion: the branches of a `CASE` or the
//! arguments of `coalesce` still have their own types (`1` is an integer, not `1.0`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::internal_err;
use datafusion::common::metadata::FieldMetadata;
use datafusion::common::{Column, JoinType, Result, ScalarValue};
use datafusion::functions_aggregate::count::count_udaf;
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::logical_expr::expr::{
    AggregateFunction, AggregateFunctionParams, Case, Cast, ScalarFunction, TryCast,
    WindowFunction, WindowFunctionParams,
};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    lit, Aggregate, BinaryExpr, Distinct, Expr, ExprSchemable, Filter, LogicalPlan, Operator,
    Projection, ScalarUDF, Sort, Window, WindowFunctionDefinition,
};
use datafusion::optimizer::analyzer::AnalyzerRule;
use fedgate_adapter_api::metadata::PG_TYPE;

use crate::functions::numeric_text::{udf, FLOAT_NUMERIC_TEXT, NUMERIC_DIVIDE_TEXT, NUMERIC_TEXT};
use fedgate_planner::number_rules::UNCONSTRAINED_NUMERIC;

/// The analyzer rule (see the module documentation).
#[derive(Debug)]
pub struct NumericDisplay {
    text: Arc<ScalarUDF>,
    divide: Arc<ScalarUDF>,
    float: Arc<ScalarUDF>,
}

impl Default for NumericDisplay {
    fn default() -> Self {
        let function = |name| udf(name).expect("numeric text functions are defined");
        Self {
            text: function(NUMERIC_TEXT),
            divide: function(NUMERIC_DIVIDE_TEXT),
            float: function(FLOAT_NUMERIC_TEXT),
        }
    }
}

impl AnalyzerRule for NumericDisplay {
    fn name(&self) -> &str {
        "fedgate_numeric_display"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let all: HashSet<usize> = (0..plan.schema().fields().len()).collect();
        self.output(plan, &all)
    }
}

impl NumericDisplay {
    /// `plan` with its output columns `wanted` sent as numeric text where needed.
    fn output(&self, plan: LogicalPlan, wanted: &HashSet<usize>) -> Result<LogicalPlan> {
        match plan {
            LogicalPlan::Projection(projection) => self.projection(projection, wanted),
            LogicalPlan::Sort(sort) => {
                let used = referenced(sort.expr.iter().map(|s| &s.expr), &sort.input);
                let keep = wanted.difference(&used).copied().collect();
                let input = self.output(Arc::unwrap_or_clone(sort.input), &keep)?;
                Ok(LogicalPlan::Sort(Sort {
                    expr: sort.expr,
                    input: Arc::new(input),
                    fetch: sort.fetch,
                }))
            }
            LogicalPlan::Limit(mut limit) => {
                let input = self.output(Arc::unwrap_or_clone(limit.input), wanted)?;
                limit.input = Arc::new(input);
                Ok(LogicalPlan::Limit(limit))
            }
            other => Ok(other),
        }
    }

    fn projection(&self, projection: Projection, wanted: &HashSet<usize>) -> Result<LogicalPlan> {
        let projection = typeof_of_averages(projection)?;
        let (input, expr) = self.averages(projection, wanted)?;
        let projection = Projection::try_new(expr, input)?;
        let input = projection.input;
        let plain = |i: usize, e: &Expr| wanted.contains(&i) && plain_column(e).is_some();
        let used_otherwise = referenced(
            projection
                .expr
                .iter()
                .enumerate()
                .filter(|(i, e)| !plain(*i, e))
                .map(|(_, e)| e),
            &input,
        );
        let below: HashSet<usize> = referenced(
            projection
                .expr
                .iter()
                .enumerate()
                .filter(|(i, e)| plain(*i, e))
                .map(|(_, e)| e),
            &input,
        )
        .difference(&used_otherwise)
        .copied()
        .collect();
        let names = NamePreserver::new_for_projection();
        let mut exprs = Vec::with_capacity(projection.expr.len());
        for (i, expr) in projection.expr.into_iter().enumerate() {
            let text = (wanted.contains(&i) && plain_column(&expr).is_none())
                .then(|| self.text(unaliased(&expr), &input))
                .flatten();
            match text {
                Some(text) => exprs.push(marked_numeric(names.save(&expr).restore(text))),
                None => exprs.push(expr),
            }
        }
        let input = if below.is_empty() {
            input
        } else {
            Arc::new(self.output(Arc::unwrap_or_clone(input), &below)?)
        };
        Ok(LogicalPlan::Projection(Projection::try_new(exprs, input)?))
    }

    /// The projection's input and expressions with each `avg` column it sends (of an
    /// aggregate or window right below) computed as PostgreSQL's `numeric_div(sum, count)`:
    /// the sum and the count are added to the aggregate or window.
    fn averages(
        &self,
        projection: Projection,
        wanted: &HashSet<usize>,
    ) -> Result<(Arc<LogicalPlan>, Vec<Expr>)> {
        let mut input = projection.input;
        let mut exprs = projection.expr;
        let names = NamePreserver::new_for_projection();
        for (i, expr) in exprs.iter_mut().enumerate() {
            let Some(column) = plain_column(expr).filter(|_| wanted.contains(&i)) else {
                continue;
            };
            let Ok(index) = input.schema().index_of_column(column) else {
                continue;
            };
            if let Some((window, lagged)) = self.lag_of_texts(&input, index) {
                let passed = window.input.schema().fields().len();
                let mut window_expr = window.window_expr.clone();
                let at = position_or_push(&mut window_expr, lagged);
                let window = Window::try_new(window_expr, window.input.clone())?;
                let column = Column::from(window.schema.qualified_field(passed + at));
                input = Arc::new(LogicalPlan::Window(window));
                *expr = marked_numeric(names.save(expr).restore(Expr::Column(column)));
                continue;
            }
            if average_call(&input, index).is_none() {
                continue;
            }
            let names_of_parts = (
                format!("__fedgate_avg_sum_{index}"),
                format!("__fedgate_avg_count_{index}"),
            );
            let (rewritten, sum, count) =
                with_average_parts(Arc::unwrap_or_clone(input), index, &names_of_parts)?;
            input = Arc::new(rewritten);
            let quotient = self
                .divide
                .call(vec![Expr::Column(sum), Expr::Column(count)]);
            *expr = marked_numeric(names.save(expr).restore(quotient));
        }
        Ok((input, exprs))
    }

    /// For output column `index` of `plan` a window's `lag`/`lead` whose default differs
    /// in scale from the values: the window and the same call over the values' and the
    /// default's texts (each with its own scale: `lag(salary, 2, 0)` is `0` or `95000.50`).
    fn lag_of_texts<'a>(&self, plan: &'a LogicalPlan, index: usize) -> Option<(&'a Window, Expr)> {
        let LogicalPlan::Window(window) = plan else {
            return None;
        };
        let i = index.checked_sub(window.input.schema().fields().len())?;
        let Expr::WindowFunction(function) = unaliased(window.window_expr.get(i)?) else {
            return None;
        };
        let [value, offset, default] = function.params.args.as_slice() else {
            return None;
        };
        let lagging = matches!(function.fun.name(), "lag" | "lead");
        let input = &window.input;
        let scale_of = |e: &Expr| e.get_type(input.schema()).ok().map(|t| scale(&t));
        let differ = scale_of(value)? != scale_of(default)? && !is_null(default);
        let exact_parts = exact(value, input) && exact(default, input);
        if !(lagging && differ && exact_parts) {
            return None;
        }
        let texts = vec![
            self.text.call(vec![value.clone()]),
            offset.clone(),
            self.text.call(vec![default.clone()]),
        ];
        let mut lagged = function.as_ref().clone();
        lagged.params.args = texts;
        Some((window, Expr::WindowFunction(Box::new(lagged))))
    }

    /// `expr` as numeric text with PostgreSQL's per-value scale, when it needs that.
    fn text(&self, expr: &Expr, input: &LogicalPlan) -> Option<Expr> {
        if let Expr::Case(case) = expr {
            // A `CASE` is typed by its first result before type coercion.
            return self.case(case, input);
        }
        if !is_decimal(&expr.get_type(input.schema()).ok()?) {
            return None;
        }
        match expr {
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Divide,
                right,
            }) => self.quotient(left, right, input),
            Expr::ScalarFunction(function) if function.name() == "coalesce" => {
                let args = self.branches(&function.args, input)?;
                Some(Expr::ScalarFunction(ScalarFunction::new_udf(
                    function.func.clone(),
                    args,
                )))
            }
            Expr::Cast(Cast { expr: inner, field })
                if field.data_type() == &UNCONSTRAINED_NUMERIC =>
            {
                let float = inner
                    .get_type(input.schema())
                    .is_ok_and(|t| matches!(t, DataType::Float32 | DataType::Float64));
                float.then(|| self.float.call(vec![*inner.clone()]))
            }
            Expr::ScalarFunction(function) if matches!(function.name(), "greatest" | "least") => {
                self.chosen(expr, &function.args, input)
            }
            _ => None,
        }
    }

    /// `left / right` of exact operands as PostgreSQL's quotient.
    fn quotient(&self, left: &Expr, right: &Expr, input: &LogicalPlan) -> Option<Expr> {
        (exact(left, input) && exact(right, input)).then(|| {
            self.divide
                .call(vec![unaliased(left).clone(), unaliased(right).clone()])
        })
    }

    /// A `CASE` whose results are each sent with their own scale.
    fn case(&self, case: &Case, input: &LogicalPlan) -> Option<Expr> {
        let mut results: Vec<Expr> = case
            .when_then_expr
            .iter()
            .map(|(_, t)| *t.clone())
            .collect();
        results.extend(case.else_expr.as_deref().cloned());
        let mut texts = self.branches(&results, input)?.into_iter();
        let when_then_expr = case
            .when_then_expr
            .iter()
            .map(|(w, _)| Some((w.clone(), Box::new(texts.next()?))))
            .collect::<Option<Vec<_>>>()?;
        let else_expr = texts.next().map(Box::new);
        Some(Expr::Case(Case {
            expr: case.expr.clone(),
            when_then_expr,
            else_expr,
        }))
    }

    /// The alternatives of a `CASE` or `coalesce` as text, when their scales differ or one
    /// is a quotient; `None` when one of them cannot be sent exactly.
    fn branches(&self, branches: &[Expr], input: &LogicalPlan) -> Option<Vec<Expr>> {
        let mut scales = HashSet::new();
        let mut quotient = false;
        let mut decimal = false;
        let mut texts = Vec::with_capacity(branches.len());
        for branch in branches {
            if is_null(branch) {
                texts.push(lit(ScalarValue::Utf8(None)));
                continue;
            }
            if let Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Divide,
                right,
            }) = unaliased(branch)
            {
                let data_type = branch.get_type(input.schema()).ok()?;
                if is_decimal(&data_type) {
                    texts.push(self.quotient(left, right, input)?);
                    quotient = true;
                    continue;
                }
            }
            if !exact(branch, input) {
                return None;
            }
            let data_type = branch.get_type(input.schema()).ok()?;
            decimal |= is_decimal(&data_type);
            scales.insert(scale(&data_type));
            texts.push(self.text.call(vec![unaliased(branch).clone()]));
        }
        (quotient || (decimal && scales.len() > 1)).then_some(texts)
    }

    /// `greatest`/`least` (`whole`) sent with the scale of the argument chosen: the first
    /// argument equal to the result, as PostgreSQL keeps the first of equal values.
    fn chosen(&self, whole: &Expr, args: &[Expr], input: &LogicalPlan) -> Option<Expr> {
        let mut scales = HashSet::new();
        for arg in args.iter().filter(|a| !is_null(a)) {
            if !exact(arg, input) {
                return None;
            }
            scales.insert(scale(&arg.get_type(input.schema()).ok()?));
        }
        if scales.len() < 2 {
            return None;
        }
        let mut arms = args.iter().filter(|a| !is_null(a)).map(|arg| {
            let same = Expr::BinaryExpr(BinaryExpr::new(
                Box::new(arg.clone()),
                Operator::Eq,
                Box::new(whole.clone()),
            ));
            (same, self.text.call(vec![arg.clone()]))
        });
        let (first_when, first_then) = arms.next()?;
        let mut case = datafusion::logical_expr::when(first_when, first_then);
        for (when, then) in arms {
            case = case.when(when, then);
        }
        case.end().ok()
    }
}

/// The projection with `pg_typeof(avg(x))` of an integer or exact `x` reading a `numeric`:
/// PostgreSQL's average of integers is `numeric`, DataFusion's a float. Only the type of
/// `pg_typeof`'s argument is read, so it is cast to a decimal.
fn typeof_of_averages(projection: Projection) -> Result<Projection> {
    use datafusion::common::tree_node::{Transformed, TreeNode};
    let input = projection.input;
    let average = |e: &Expr| match e {
        Expr::Column(column) => input
            .schema()
            .index_of_column(column)
            .is_ok_and(|i| average_call(&input, i).is_some()),
        _ => false,
    };
    let exprs = projection
        .expr
        .into_iter()
        .map(|expr| {
            expr.transform_up(|e| match e {
                Expr::ScalarFunction(mut function)
                    if function.name() == "pg_typeof"
                        && function.args.len() == 1
                        && average(&function.args[0]) =>
                {
                    let argument = function.args.remove(0);
                    let numeric = Cast::new(Box::new(argument), DataType::Decimal128(38, 10));
                    function.args.push(Expr::Cast(numeric));
                    Ok(Transformed::yes(Expr::ScalarFunction(function)))
                }
                other => Ok(Transformed::no(other)),
            })
            .map(|t| t.data)
        })
        .collect::<Result<Vec<_>>>()?;
    Projection::try_new(exprs, input)
}

/// The `avg` call computing output column `index` of `plan` (an aggregate or a window,
/// under a `HAVING` filter), when its argument is exact.
fn average_call(plan: &LogicalPlan, index: usize) -> Option<&Expr> {
    let (call, input) = match plan {
        LogicalPlan::Filter(filter) => return average_call(&filter.input, index),
        LogicalPlan::Aggregate(aggregate) => {
            if has_grouping_sets(aggregate) {
                return None;
            }
            let i = index.checked_sub(aggregate.group_expr.len())?;
            (aggregate.aggr_expr.get(i)?, &aggregate.input)
        }
        LogicalPlan::Window(window) => {
            let i = index.checked_sub(window.input.schema().fields().len())?;
            (window.window_expr.get(i)?, &window.input)
        }
        _ => return None,
    };
    let (name, args) = match unaliased(call) {
        Expr::AggregateFunction(function) => (function.func.name(), &function.params.args),
        Expr::WindowFunction(function) => (function.fun.name(), &function.params.args),
        _ => return None,
    };
    // An integer argument's values all have scale 0, whatever computes them.
    let integer = |e: &Expr| e.get_type(input.schema()).is_ok_and(|t| t.is_integer());
    let average = name == "avg" && args.len() == 1 && (exact(&args[0], input) || integer(&args[0]));
    average.then_some(call)
}

fn has_grouping_sets(aggregate: &Aggregate) -> bool {
    aggregate
        .group_expr
        .iter()
        .any(|e| matches!(e, Expr::GroupingSet(_)))
}

/// `plan` with the sum and the count of the `avg` at `index` ([`average_call`]) added as
/// columns (named `names` in an aggregate; a window names its own), which it returns.
fn with_average_parts(
    plan: LogicalPlan,
    index: usize,
    names: &(String, String),
) -> Result<(LogicalPlan, Column, Column)> {
    match plan {
        LogicalPlan::Filter(filter) => {
            let (input, sum, count) =
                with_average_parts(Arc::unwrap_or_clone(filter.input), index, names)?;
            let filter = Filter::try_new(filter.predicate, Arc::new(input))?;
            Ok((LogicalPlan::Filter(filter), sum, count))
        }
        LogicalPlan::Aggregate(aggregate) => {
            let i = index - aggregate.group_expr.len();
            let Expr::AggregateFunction(average) = unaliased(&aggregate.aggr_expr[i]).clone()
            else {
                return internal_err!("not an average: {}", aggregate.aggr_expr[i]);
            };
            let part = |func, args| {
                Expr::AggregateFunction(AggregateFunction {
                    func,
                    params: AggregateFunctionParams {
                        args,
                        ..average.params.clone()
                    },
                })
            };
            let argument = average.params.args[0].clone();
            let sum = part(sum_udaf(), vec![summed(argument.clone(), &aggregate.input)]);
            let count = part(count_udaf(), vec![argument]);
            let mut aggr_expr = aggregate.aggr_expr;
            aggr_expr.push(sum.alias(&names.0));
            aggr_expr.push(count.alias(&names.1));
            let aggregate = Aggregate::try_new(aggregate.input, aggregate.group_expr, aggr_expr)?;
            Ok((
                LogicalPlan::Aggregate(aggregate),
                Column::from_name(&names.0),
                Column::from_name(&names.1),
            ))
        }
        LogicalPlan::Window(window) => {
            let passed = window.input.schema().fields().len();
            let i = index - passed;
            let Expr::WindowFunction(average) = unaliased(&window.window_expr[i]).clone() else {
                return internal_err!("not an average: {}", window.window_expr[i]);
            };
            let part = |func, args| {
                Expr::WindowFunction(Box::new(WindowFunction {
                    fun: WindowFunctionDefinition::AggregateUDF(func),
                    params: WindowFunctionParams {
                        args,
                        ..average.params.clone()
                    },
                }))
            };
            let argument = average.params.args[0].clone();
            let mut window_expr = window.window_expr;
            // The physical planner takes window functions without aliases: the parts are
            // found by position (an equal one already there is reused).
            let sum = position_or_push(
                &mut window_expr,
                part(sum_udaf(), vec![summed(argument.clone(), &window.input)]),
            );
            let count = position_or_push(&mut window_expr, part(count_udaf(), vec![argument]));
            let window = Window::try_new(window_expr, window.input)?;
            let column = |i: usize| Column::from(window.schema.qualified_field(passed + i));
            let (sum, count) = (column(sum), column(count));
            Ok((LogicalPlan::Window(window), sum, count))
        }
        other => internal_err!("not an aggregate or a window: {other}"),
    }
}

fn position_or_push(exprs: &mut Vec<Expr>, expr: Expr) -> usize {
    match exprs.iter().position(|e| e == &expr) {
        Some(i) => i,
        None => {
            exprs.push(expr);
            exprs.len() - 1
        }
    }
}

/// The argument of the sum of an average: integers as `numeric`, which cannot overflow.
fn summed(argument: Expr, input: &LogicalPlan) -> Expr {
    match argument.get_type(input.schema()) {
        Ok(t) if t.is_integer() => {
            Expr::Cast(Cast::new(Box::new(argument), DataType::Decimal128(38, 0)))
        }
        _ => argument,
    }
}

/// `expr` (text) described as `numeric`: a `CASE` or `coalesce` of marked values does not
/// keep their mark by itself.
fn marked_numeric(expr: Expr) -> Expr {
    let metadata = FieldMetadata::from(HashMap::from([(
        PG_TYPE.to_string(),
        "numeric".to_string(),
    )]));
    match expr {
        Expr::Alias(alias) => {
            (*alias.expr).alias_qualified_with_metadata(alias.relation, alias.name, Some(metadata))
        }
        other => {
            let name = other.schema_name().to_string();
            other.alias_with_metadata(name, Some(metadata))
        }
    }
}

/// The input column `expr` passes on unchanged (under an alias).
fn plain_column(expr: &Expr) -> Option<&datafusion::common::Column> {
    match unaliased(expr) {
        Expr::Column(column) => Some(column),
        _ => None,
    }
}

fn unaliased(expr: &Expr) -> &Expr {
    match expr {
        Expr::Alias(alias) => unaliased(&alias.expr),
        other => other,
    }
}

fn is_null(expr: &Expr) -> bool {
    matches!(unaliased(expr), Expr::Literal(value, _) if value.is_null())
}

/// The positions in `input`'s schema of the columns `exprs` use.
fn referenced<'a>(exprs: impl Iterator<Item = &'a Expr>, input: &LogicalPlan) -> HashSet<usize> {
    exprs
        .flat_map(|e| e.column_refs())
        .filter_map(|c| input.schema().index_of_column(c).ok())
        .collect()
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

fn is_exact_type(data_type: &DataType) -> bool {
    data_type.is_integer() || is_decimal(data_type)
}

fn scale(data_type: &DataType) -> i8 {
    match data_type {
        DataType::Decimal32(_, s)
        | DataType::Decimal64(_, s)
        | DataType::Decimal128(_, s)
        | DataType::Decimal256(_, s) => *s,
        _ => 0,
    }
}

/// Whether every value of `expr` (over `input`) is exact with its type's scale as its
/// PostgreSQL display scale.
fn exact(expr: &Expr, input: &LogicalPlan) -> bool {
    if is_null(expr) {
        return true;
    }
    let typed = expr
        .get_type(input.schema())
        .is_ok_and(|t| is_exact_type(&t));
    typed && exact_shape(expr, input)
}

fn exact_shape(expr: &Expr, input: &LogicalPlan) -> bool {
    match expr {
        Expr::Alias(alias) => exact(&alias.expr, input),
        Expr::Literal(..) => true,
        Expr::Column(column) => input
            .schema()
            .index_of_column(column)
            .is_ok_and(|i| column_exact(input, i)),
        Expr::Cast(Cast { expr: inner, .. }) | Expr::TryCast(TryCast { expr: inner, .. }) => {
            let text_literal = matches!(
                inner.as_ref(),
                Expr::Literal(ScalarValue::Utf8(_) | ScalarValue::Utf8View(_), _)
            );
            text_literal || exact(inner, input)
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            matches!(op, Operator::Plus | Operator::Minus | Operator::Multiply)
                && exact(left, input)
                && exact(right, input)
        }
        Expr::Negative(inner) => exact(inner, input),
        Expr::ScalarFunction(function) if function.name() == "abs" => {
            function.args.iter().all(|a| exact(a, input))
        }
        Expr::ScalarFunction(function) if function.name() == "nullif" => {
            // The first argument's values, when the second does not widen its type.
            let [value, other] = function.args.as_slice() else {
                return false;
            };
            let same_type =
                value.get_type(input.schema()).ok() == expr.get_type(input.schema()).ok();
            same_type && exact(value, input) && exact(other, input)
        }
        _ => false,
    }
}

/// Whether output column `index` of `plan` is exact (see [`exact`]), traced to where it
/// is computed.
fn column_exact(plan: &LogicalPlan, index: usize) -> bool {
    match plan {
        LogicalPlan::TableScan(_) | LogicalPlan::EmptyRelation(_) => true,
        LogicalPlan::Projection(projection) => projection
            .expr
            .get(index)
            .is_some_and(|e| exact(e, &projection.input)),
        LogicalPlan::Filter(_)
        | LogicalPlan::Sort(_)
        | LogicalPlan::Limit(_)
        | LogicalPlan::SubqueryAlias(_)
        | LogicalPlan::Repartition(_)
        | LogicalPlan::Distinct(Distinct::All(_)) => column_exact(plan.inputs()[0], index),
        LogicalPlan::Aggregate(aggregate) => {
            if has_grouping_sets(aggregate) {
                return false;
            }
            let groups = aggregate.group_expr.len();
            match index.checked_sub(groups) {
                None => exact(&aggregate.group_expr[index], &aggregate.input),
                Some(i) => aggregate
                    .aggr_expr
                    .get(i)
                    .is_some_and(|e| computed_exact(e, &aggregate.input)),
            }
        }
        LogicalPlan::Window(window) => {
            let passed = window.input.schema().fields().len();
            match index.checked_sub(passed) {
                None => column_exact(&window.input, index),
                Some(i) => window
                    .window_expr
                    .get(i)
                    .is_some_and(|e| computed_exact(e, &window.input)),
            }
        }
        LogicalPlan::Join(join) => {
            let left = join.left.schema().fields().len();
            match join.join_type {
                JoinType::Inner | JoinType::Left | JoinType::Right | JoinType::Full => {
                    match index.checked_sub(left) {
                        None => column_exact(&join.left, index),
                        Some(i) => column_exact(&join.right, i),
                    }
                }
                JoinType::LeftSemi | JoinType::LeftAnti => column_exact(&join.left, index),
                JoinType::RightSemi | JoinType::RightAnti => column_exact(&join.right, index),
                _ => false,
            }
        }
        LogicalPlan::Union(union) => {
            let data_type = union.schema.field(index).data_type();
            union
                .inputs
                .iter()
                .all(|i| i.schema().field(index).data_type() == data_type && column_exact(i, index))
        }
        LogicalPlan::Values(values) => {
            let data_type = values.schema.field(index).data_type();
            values.values.iter().all(|row| {
                matches!(row.get(index), Some(Expr::Literal(value, _))
                    if value.is_null() || &value.data_type() == data_type)
            })
        }
        _ => false,
    }
}

/// Whether an aggregate or window function's values are exact: counts and ranks, and
/// `sum`, `min`, `max` and the value functions of exact arguments (not `lag`/`lead` with a
/// default, whose scale is the default's).
fn computed_exact(expr: &Expr, input: &LogicalPlan) -> bool {
    let (name, args) = match unaliased(expr) {
        Expr::Cast(Cast { expr: inner, .. }) => return computed_exact(inner, input),
        Expr::AggregateFunction(function) => (function.func.name(), &function.params.args),
        Expr::WindowFunction(function) => (function.fun.name(), &function.params.args),
        _ => return false,
    };
    match name {
        "count" | "row_number" | "rank" | "dense_rank" | "ntile" => true,
        "sum" | "min" | "max" | "first_value" | "last_value" | "nth_value" => {
            args.first().is_some_and(|a| exact(a, input))
        }
        "lag" | "lead" => args.len() < 3 && args.first().is_some_and(|a| exact(a, input)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Decimal128Array, Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::prelude::SessionContext;

    /// A session with PostgreSQL's rules and this one, and a table `emp` of two rows
    /// (`salary numeric(12,2)`, `bonus bigint`).
    fn test_context() -> SessionContext {
        let mut rules: Vec<Arc<dyn AnalyzerRule + Send + Sync>> = vec![
            Arc::new(fedgate_planner::PostgresSemantics),
            Arc::new(NumericDisplay::default()),
        ];
        rules.extend(datafusion::optimizer::Analyzer::new().rules);
        // Decimal literals are numerics, as in the gateway's sessions.
        let mut config = datafusion::prelude::SessionConfig::new();
        config.options_mut().sql_parser.parse_float_as_decimal = true;
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_default_features()
            .with_analyzer_rules(rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        let schema = Arc::new(Schema::new(vec![
            Field::new("salary", DataType::Decimal128(12, 2), false),
            Field::new("bonus", DataType::Int64, false),
        ]));
        let salaries = Decimal128Array::from(vec![12_000_000, 9_999_999_999])
            .with_precision_and_scale(12, 2)
            .unwrap();
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(salaries),
                Arc::new(Int64Array::from(vec![10_000, 0])),
            ],
        )
        .unwrap();
        ctx.register_batch("emp", batch).unwrap();
        ctx
    }

    /// The first column of `sql`: its type, whether it is marked `numeric`, its values.
    async fn first_column(sql: &str) -> (DataType, bool, Vec<String>) {
        let frame = test_context().sql(sql).await.unwrap();
        let batches = frame.collect().await.unwrap();
        let schema = batches[0].schema();
        let field = schema.field(0);
        let marked = field.metadata().get(PG_TYPE).map(String::as_str) == Some("numeric");
        let values = batches
            .iter()
            .flat_map(|b| {
                let column = b.column(0).clone();
                (0..b.num_rows()).map(move |i| array_value_to_string(&column, i).unwrap())
            })
            .collect();
        (field.data_type().clone(), marked, values)
    }

    /// Expectations from PostgreSQL 15, over the same two rows ordered by salary.
    #[tokio::test]
    async fn output_values_have_postgres_scales() {
        let cases = [
            (
                "SELECT salary / 12 FROM emp ORDER BY salary",
                vec!["10000.0000000000000000", "8333333.332500000000"],
            ),
            (
                "SELECT avg(salary) OVER () FROM emp ORDER BY salary",
                vec!["50059999.995000000000", "50059999.995000000000"],
            ),
            ("SELECT avg(salary) FROM emp", vec!["50059999.995000000000"]),
            (
                "SELECT CASE WHEN bonus > 0 THEN 1 ELSE 2.5 END FROM emp ORDER BY salary",
                vec!["1", "2.5"],
            ),
            (
                "SELECT greatest(salary, 60000) FROM emp ORDER BY salary",
                vec!["120000.00", "99999999.99"],
            ),
            (
                "SELECT lag(salary, 1, 0) OVER (ORDER BY salary) FROM emp ORDER BY salary",
                vec!["0", "120000.00"],
            ),
            ("SELECT 1 / 3::numeric", vec!["0.33333333333333333333"]),
            ("SELECT coalesce(1, 2.5)", vec!["1"]),
            (
                "SELECT avg(CASE WHEN bonus > 0 THEN 1 ELSE 2 END) FROM emp",
                vec!["1.5000000000000000"],
            ),
        ];
        for (sql, expected) in cases {
            let (data_type, marked, values) = first_column(sql).await;
            assert_eq!(values, expected, "{sql}");
            assert_eq!((data_type, marked), (DataType::Utf8, true), "{sql}");
        }
    }

    /// Where the value is computed on or sorted by, it stays a decimal.
    #[tokio::test]
    async fn values_used_further_stay_decimals() {
        for sql in [
            "SELECT salary / 12 AS m FROM emp ORDER BY m",
            "SELECT avg(salary) / 2 FROM emp",
            "SELECT m FROM (SELECT salary / 12 AS m FROM emp) AS t WHERE m > 0",
        ] {
            let (data_type, marked, _) = first_column(sql).await;
            assert!(is_decimal(&data_type) && !marked, "{sql}: {data_type}");
        }
    }

    #[tokio::test]
    async fn typeof_of_an_integer_average_is_numeric() {
        let ctx = test_context();
        ctx.register_udf(ScalarUDF::new_from_impl(
            crate::functions::misc::PgTypeof::new(),
        ));
        let sql = "SELECT pg_typeof(avg(bonus)), pg_typeof(avg(salary)), pg_typeof(count(bonus)) FROM emp";
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let text = |c: usize| array_value_to_string(batches[0].column(c), 0).unwrap();
        assert_eq!(
            [text(0), text(1), text(2)],
            ["numeric", "numeric", "bigint"]
        );
    }

    #[tokio::test]
    async fn zero_divisor_fails_as_postgres() {
        let frame = test_context()
            .sql("SELECT salary / (bonus - bonus) FROM emp")
            .await
            .unwrap();
        let error = frame.collect().await.unwrap_err().to_string();
        assert!(error.contains("division by zero"), "{error}");
    }
}
