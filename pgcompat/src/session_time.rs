//! PostgreSQL's meaning of date/time expressions that depend on the session (`TimeZone`,
//! `DateStyle`, ...) or that DataFusion types differently, as an analyzer rule that runs
//! after type coercion (so the casts coercion adds are seen too):
//!
//! - a cast of a `timestamp` or `date` to `timestamptz` reads the value in the session's
//!   `TimeZone` (`pg_session_timestamptz`), and so does a string without an offset (it is
//!   parsed in the session's zone); DataFusion reads them in UTC;
//! - a cast of a `timestamptz` to `timestamp`, `date` or `time` takes the wall-clock time
//!   in the session's zone (`pg_session_local`); DataFusion takes UTC's;
//! - `date_trunc`, `date_part`/`extract` and `date_bin` of a `timestamptz`, and
//!   `timestamptz ± interval`, work on the session zone's calendar (midnight, days across
//!   a daylight-saving change): the value is relabelled with the session's zone;
//! - `date ± interval` is a `timestamp` (DataFusion keeps a date);
//! - intervals compare as PostgreSQL compares them (`pg_interval_key`: months as 30 days,
//!   days as 24 hours), so `interval '1 day' = interval '24 hours'`;
//! - a timestamp literal with more than six fractional digits is rounded to microseconds
//!   (Arrow truncates);
//! - `x::text` of a date, time, timestamp, interval or float is PostgreSQL's text of the
//!   value in the session's styles (`pg_text`), not Arrow's (`2024-02-29T13:45:00`).

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, IntervalUnit, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::{Cast, ScalarFunction, TryCast};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::analyzer::AnalyzerRule;
use datafusion::prelude::SessionContext;

use crate::catalog::functions::Settings;
use crate::output::pg_text::{OutputStyle, SessionZone};

/// The analyzer rule (see the module documentation).
#[derive(Debug)]
pub struct SessionTime {
    settings: Settings,
    functions: Functions,
}

/// The functions the rewritten expressions call, as registered in the session.
#[derive(Debug, Clone)]
struct Functions {
    session_timestamptz: Arc<ScalarUDF>,
    session_local: Arc<ScalarUDF>,
    interval_key: Arc<ScalarUDF>,
    text: Arc<ScalarUDF>,
}

impl SessionTime {
    /// The rule for the session of `ctx` (whose functions are registered) with `settings`.
    pub fn new(ctx: &SessionContext, settings: Settings) -> Result<Self> {
        use datafusion::execution::FunctionRegistry;
        let state = ctx.state();
        let udf = |name: &str| state.udf(name);
        Ok(SessionTime {
            functions: Functions {
                session_timestamptz: udf("pg_session_timestamptz")?,
                session_local: udf("pg_session_local")?,
                interval_key: udf("pg_interval_key")?,
                text: udf("pg_text")?,
            },
            settings,
        })
    }

    /// The session's zone as an Arrow time zone, `None` for UTC.
    fn arrow_zone(&self) -> Option<Arc<str>> {
        let setting = self
            .settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get("timezone")
            .cloned()?;
        match SessionZone::parse(&setting)? {
            SessionZone::Named(tz) if matches!(tz.name(), "UTC" | "Etc/UTC" | "Etc/UCT") => None,
            SessionZone::Named(tz) => Some(tz.name().into()),
            SessionZone::Fixed(offset) => {
                let seconds = offset.local_minus_utc();
                if seconds == 0 {
                    return None;
                }
                let sign = if seconds < 0 { '-' } else { '+' };
                let abs = seconds.abs();
                Some(format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60).into())
            }
        }
    }
}

impl AnalyzerRule for SessionTime {
    fn name(&self) -> &str {
        "fedgate_session_time"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let rewriter = Rewriter {
            functions: &self.functions,
            zone: self.arrow_zone(),
        };
        plan.transform_up_with_subqueries(|plan| {
            let schema = input_schema(&plan);
            let names = NamePreserver::new(&plan);
            let rewritten = plan.map_expressions(|expr| {
                let saved = names.save(&expr);
                let result = expr.transform_up(|e| rewriter.rewrite(e, &schema))?;
                Ok(result.update_data(|e| saved.restore(e)))
            })?;
            if !rewritten.transformed {
                return Ok(rewritten);
            }
            Ok(Transformed::yes(rewritten.data.recompute_schema()?))
        })
        .map(|t| t.data)
    }
}

fn input_schema(plan: &LogicalPlan) -> DFSchema {
    let mut merged = DFSchema::empty();
    for input in plan.inputs() {
        merged.merge(input.schema());
    }
    merged
}

struct Rewriter<'a> {
    functions: &'a Functions,
    /// The session's zone (Arrow's spelling), `None` for UTC.
    zone: Option<Arc<str>>,
}

impl Rewriter<'_> {
    fn rewrite(&self, expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
        let type_of = |e: &Expr| e.get_type(schema).ok();
        let rewritten = match &expr {
            Expr::Cast(Cast { expr: inner, field })
            | Expr::TryCast(TryCast { expr: inner, field }) => {
                type_of(inner).and_then(|from| self.cast(inner, &from, field.data_type()))
            }
            Expr::BinaryExpr(binary) => match (type_of(&binary.left), type_of(&binary.right)) {
                (Some(left), Some(right)) => self.binary(binary, &left, &right),
                _ => None,
            },
            Expr::ScalarFunction(function)
                if matches!(
                    function.func.name(),
                    "date_trunc" | "date_part" | "date_bin"
                ) =>
            {
                self.zoned_arguments(function, schema)
            }
            _ => None,
        };
        Ok(match rewritten {
            Some(expr) => Transformed::yes(expr),
            None => Transformed::no(expr),
        })
    }

    fn call(udf: &Arc<ScalarUDF>, args: Vec<Expr>) -> Expr {
        Expr::ScalarFunction(ScalarFunction::new_udf(udf.clone(), args))
    }

    fn cast(&self, inner: &Expr, from: &DataType, to: &DataType) -> Option<Expr> {
        let cast = |e: Expr, t: &DataType| Expr::Cast(Cast::new(Box::new(e), t.clone()));
        if let Some(rounded) = self.rounded_timestamp_literal(inner, to) {
            return Some(rounded);
        }
        match (from, to) {
            (DataType::Timestamp(_, None) | DataType::Date32, DataType::Timestamp(_, Some(_))) => {
                let instant = Self::call(&self.functions.session_timestamptz, vec![inner.clone()]);
                Some(cast(instant, to))
            }
            (
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View,
                DataType::Timestamp(unit, Some(label)),
            ) => {
                let zone = self.zone.clone()?;
                if zone == *label {
                    return None;
                }
                let parsed = cast(inner.clone(), &DataType::Timestamp(*unit, Some(zone)));
                Some(cast(parsed, to))
            }
            (
                DataType::Timestamp(_, Some(_)),
                DataType::Timestamp(_, None) | DataType::Date32 | DataType::Time64(_),
            ) => {
                let local = Self::call(&self.functions.session_local, vec![inner.clone()]);
                Some(cast(local, to))
            }
            (from, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
                if has_postgres_text(from) =>
            {
                let text = Self::call(&self.functions.text, vec![inner.clone()]);
                Some(cast(text, to))
            }
            _ => None,
        }
    }

    /// A timestamp literal with more than six fractional digits, rounded to microseconds
    /// as PostgreSQL reads it (Arrow truncates): the text cut after six digits, plus one
    /// microsecond when the seventh digit is 5 or more.
    fn rounded_timestamp_literal(&self, inner: &Expr, to: &DataType) -> Option<Expr> {
        use datafusion::common::ScalarValue;
        let DataType::Timestamp(TimeUnit::Microsecond, _) = to else {
            return None;
        };
        let text = match inner {
            Expr::Literal(
                ScalarValue::Utf8(Some(t))
                | ScalarValue::LargeUtf8(Some(t))
                | ScalarValue::Utf8View(Some(t)),
                _,
            ) => t,
            _ => return None,
        };
        let (cut, round_up) = cut_to_microseconds(text)?;
        let literal = Expr::Literal(ScalarValue::Utf8(Some(cut)), None);
        let parsed = self
            .cast(&literal, &DataType::Utf8, to)
            .unwrap_or_else(|| Expr::Cast(Cast::new(Box::new(literal), to.clone())));
        if !round_up {
            return Some(parsed);
        }
        let one_microsecond = Expr::Literal(
            ScalarValue::IntervalMonthDayNano(Some(
                datafusion::arrow::datatypes::IntervalMonthDayNano::new(0, 0, 1000),
            )),
            None,
        );
        Some(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(parsed),
            Operator::Plus,
            Box::new(one_microsecond),
        )))
    }

    fn binary(&self, binary: &BinaryExpr, left: &DataType, right: &DataType) -> Option<Expr> {
        let is_interval = |t: &DataType| matches!(t, DataType::Interval(_));
        let (l, r) = (binary.left.as_ref().clone(), binary.right.as_ref().clone());
        let rebuild = |l: Expr, r: Expr| {
            Expr::BinaryExpr(BinaryExpr::new(Box::new(l), binary.op, Box::new(r)))
        };
        let plus_minus = matches!(binary.op, Operator::Plus | Operator::Minus);
        if is_interval(left) && is_interval(right) && fedgate_planner::compares(&binary.op) {
            let key = |e| Self::call(&self.functions.interval_key, vec![e]);
            return Some(rebuild(key(l), key(r)));
        }
        if plus_minus && *left == DataType::Date32 && is_interval(right) && !is_day_count(&r) {
            return Some(rebuild(as_timestamp(l), r));
        }
        if binary.op == Operator::Plus
            && is_interval(left)
            && *right == DataType::Date32
            && !is_day_count(&l)
        {
            return Some(rebuild(l, as_timestamp(r)));
        }
        if plus_minus && is_interval(right) {
            return self.relabel(&binary.left, left).map(|l| rebuild(l, r));
        }
        if binary.op == Operator::Plus && is_interval(left) {
            return self.relabel(&binary.right, right).map(|r| rebuild(l, r));
        }
        None
    }

    /// A `timestamptz` expression labelled with the session's zone (same instant), so
    /// calendar arithmetic happens on that zone's clock; `None` when nothing changes.
    fn relabel(&self, expr: &Expr, data_type: &DataType) -> Option<Expr> {
        let zone = self.zone.clone()?;
        match data_type {
            DataType::Timestamp(unit, Some(label)) if *label != zone => {
                Some(Expr::Cast(Cast::new(
                    Box::new(expr.clone()),
                    DataType::Timestamp(*unit, Some(zone)),
                )))
            }
            _ => None,
        }
    }

    fn zoned_arguments(&self, function: &ScalarFunction, schema: &DFSchema) -> Option<Expr> {
        let mut changed = false;
        let args = function
            .args
            .iter()
            .map(|arg| {
                let relabelled = arg
                    .get_type(schema)
                    .ok()
                    .and_then(|t| self.relabel(arg, &t));
                changed |= relabelled.is_some();
                relabelled.unwrap_or_else(|| arg.clone())
            })
            .collect();
        changed.then(|| Expr::ScalarFunction(ScalarFunction::new_udf(function.func.clone(), args)))
    }
}

/// `text` with the fraction of its seconds (`HH:MM:SS.fffffff`) cut to six digits, and
/// whether the cut-off digits round up; `None` when it has six digits or fewer.
fn cut_to_microseconds(text: &str) -> Option<(String, bool)> {
    let bytes = text.as_bytes();
    let dot = (3..bytes.len()).find(|&i| {
        bytes[i] == b'.'
            && bytes[i - 1].is_ascii_digit()
            && bytes[i - 2].is_ascii_digit()
            && bytes[i - 3] == b':'
    })?;
    let digits = bytes[dot + 1..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits <= 6 {
        return None;
    }
    let round_up = bytes[dot + 7] >= b'5';
    let cut = format!("{}{}", &text[..dot + 7], &text[dot + 1 + digits..]);
    Some((cut, round_up))
}

/// The interval type coercion makes of the integer in `date + integer` (a cast of a
/// duration in seconds): that sum stays a date.
fn is_day_count(expr: &Expr) -> bool {
    match expr {
        Expr::Cast(Cast { expr, .. }) => {
            matches!(expr.as_ref(), Expr::Cast(inner) if matches!(inner.field.data_type(), DataType::Duration(_)))
        }
        _ => false,
    }
}

fn as_timestamp(expr: Expr) -> Expr {
    Expr::Cast(Cast::new(
        Box::new(expr),
        DataType::Timestamp(TimeUnit::Microsecond, None),
    ))
}

/// Types whose text PostgreSQL writes differently from Arrow's cast to a string.
fn has_postgres_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Float32
            | DataType::Float64
            | DataType::Date32
            | DataType::Time64(_)
            | DataType::Timestamp(_, _)
            | DataType::Interval(IntervalUnit::MonthDayNano)
            | DataType::Duration(_)
    )
}

/// `interval * number`, `number * interval` and `interval / number` as calls of
/// `pg_interval_mul` / `pg_interval_div` (`crate::functions::interval_arith`): DataFusion's
/// type coercion refuses them. An expression planner: the SQL planner asks the types of
/// the operands while it builds the plan, before any analyzer rule runs.
#[derive(Debug)]
pub struct IntervalArithmetic {
    mul: Arc<ScalarUDF>,
    div: Arc<ScalarUDF>,
}

impl Default for IntervalArithmetic {
    fn default() -> Self {
        let mut functions = crate::functions::interval_arith::functions().into_iter();
        let mut next = || {
            Arc::new(ScalarUDF::new_from_impl(
                functions.next().expect("mul and div"),
            ))
        };
        let (mul, div) = (next(), next());
        IntervalArithmetic { mul, div }
    }
}

impl datafusion::logical_expr::planner::ExprPlanner for IntervalArithmetic {
    fn plan_binary_op(
        &self,
        expr: datafusion::logical_expr::planner::RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<
        datafusion::logical_expr::planner::PlannerResult<
            datafusion::logical_expr::planner::RawBinaryExpr,
        >,
    > {
        use datafusion::logical_expr::planner::PlannerResult;
        use datafusion::sql::sqlparser::ast::BinaryOperator;
        let type_of = |e: &Expr| e.get_type(schema).ok();
        let is_interval = |e: &Expr| matches!(type_of(e), Some(DataType::Interval(_)));
        let is_number = |e: &Expr| type_of(e).is_some_and(|t| t.is_numeric());
        let call = |udf: &Arc<ScalarUDF>, interval: &Expr, factor: &Expr| {
            Expr::ScalarFunction(ScalarFunction::new_udf(
                udf.clone(),
                vec![interval.clone(), factor.clone()],
            ))
        };
        let (l, r) = (&expr.left, &expr.right);
        let planned = match expr.op {
            BinaryOperator::Multiply if is_interval(l) && is_number(r) => call(&self.mul, l, r),
            BinaryOperator::Multiply if is_number(l) && is_interval(r) => call(&self.mul, r, l),
            BinaryOperator::Divide if is_interval(l) && is_number(r) => call(&self.div, l, r),
            _ => return Ok(PlannerResult::Original(expr)),
        };
        Ok(PlannerResult::Planned(planned))
    }
}

/// `pg_text(x)`: a value as the session prints it (its `TimeZone`, `DateStyle`,
/// `IntervalStyle`, `extra_float_digits`), the meaning of `x::text`.
#[derive(Debug)]
pub struct PgText {
    settings: Settings,
    signature: Signature,
}

impl PgText {
    pub fn new(settings: Settings) -> Self {
        PgText {
            settings,
            signature: Signature::any(1, Volatility::Stable),
        }
    }

    fn style(&self) -> OutputStyle {
        let settings = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        OutputStyle::from_settings(|name| settings.get(name).cloned())
    }
}

impl PartialEq for PgText {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for PgText {}

impl std::hash::Hash for PgText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        "pg_text".hash(state);
    }
}

impl ScalarUDFImpl for PgText {
    fn name(&self) -> &str {
        "pg_text"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let is_scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let array = args.args[0].to_array(args.number_rows)?;
        let text = if has_postgres_text(array.data_type()) {
            crate::output::pg_text::format_column(&array, &self.style())?
        } else {
            datafusion::arrow::compute::cast(&array, &DataType::Utf8)?
        };
        Ok(if is_scalar {
            ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&text, 0)?)
        } else {
            ColumnarValue::Array(text)
        })
    }
}
