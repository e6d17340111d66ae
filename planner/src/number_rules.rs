//! PostgreSQL's rules for numbers that DataFusion's planning would bend, applied by the
//! `postgres_semantics` analyzer rule before type coercion:
//!
//! - Arithmetic between constants that PostgreSQL refuses (`2147483647 + 1`,
//!   `9223372036854775807::int8 + 1`, `-(-32768::int2)`, `1 / 0`, `1.5 % 0`,
//!   `1::float8 / 0`, `1e308::float8 * 10`) would be folded by DataFusion's simplifier into
//!   a wrapped integer, an infinity or a planning error of its own: the expression becomes a
//!   call that fails with PostgreSQL's SQLSTATE and message when it runs. Constants are
//!   literals, casts of constants and arithmetic between them; arithmetic on columns is
//!   checked when it runs (`fedgate_pgcompat::checked_arithmetic`).
//! - PostgreSQL has no implicit cast from a number or a boolean to text for a function's
//!   argument: `length(42)` is 42883 `function length(integer) does not exist`, where
//!   DataFusion's coercion would call `length('42')`. Functions whose PostgreSQL argument is
//!   `"any"` (`concat`, `format`, ...) and catalog functions keep DataFusion's coercion.
//! - An unconstrained `numeric` cast keeps the scale of its value, as PostgreSQL's
//!   per-value display scale does for these cases: an integer cast to `numeric` has scale 0
//!   (`i8::numeric` prints `0`, not `0.0000000000`), a text literal its own (`'-0.50'`).

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::expr::{Cast, ScalarFunction};
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, Operator};
use fedgate_adapter_api::{AdapterError, SqlState};

/// DataFusion's type of PostgreSQL's unconstrained `numeric`.
pub const UNCONSTRAINED_NUMERIC: DataType = DataType::Decimal128(38, 10);

/// A call that fails as PostgreSQL would on `expr`, an arithmetic between constants;
/// `None` when `expr` is not one or PostgreSQL computes it.
pub(crate) fn constant_error(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    let (state, message) = match expr {
        Expr::Negative(inner) => {
            let (value, data_type) = constant_integer(inner)?;
            let fits = value.checked_neg().is_some_and(|v| fits(v, &data_type));
            (!fits).then(|| out_of_range(&data_type))?
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            binary_error(left, *op, right, expr, schema)?
        }
        _ => return None,
    };
    let data_type = expr.get_type(schema).ok()?;
    Some(failing_call(data_type, state, message))
}

fn binary_error(
    left: &Expr,
    op: Operator,
    right: &Expr,
    whole: &Expr,
    schema: &DFSchema,
) -> Option<(SqlState, String)> {
    let arithmetic = matches!(
        op,
        Operator::Plus | Operator::Minus | Operator::Multiply | Operator::Divide | Operator::Modulo
    );
    if !arithmetic {
        return None;
    }
    let (a, b) = (constant_number(left)?, constant_number(right)?);
    if matches!(op, Operator::Divide | Operator::Modulo) && b == 0.0 && !a.is_nan() {
        return Some((SqlState::DivisionByZero, "division by zero".to_string()));
    }
    if let (Some((a, a_type)), Some((b, b_type))) =
        (constant_integer(left), constant_integer(right))
    {
        let data_type = wider(&a_type, &b_type);
        let result = integer_result(a, op, b);
        let fits = result.is_some_and(|r| fits(r, &data_type));
        return (!fits).then(|| out_of_range(&data_type));
    }
    let float = matches!(
        whole.get_type(schema),
        Ok(DataType::Float32 | DataType::Float64)
    );
    if float {
        let r = match op {
            Operator::Plus => a + b,
            Operator::Minus => a - b,
            Operator::Multiply => a * b,
            Operator::Divide => a / b,
            _ => return None,
        };
        return float_error(op, a, b, r).map(|(state, m)| (state, m.to_string()));
    }
    None
}

/// PostgreSQL's error for the float operation `a op b = r` (`float8pl`, `float8mi`,
/// `float8mul`, `float8div`), if any.
pub fn float_error(op: Operator, a: f64, b: f64, r: f64) -> Option<(SqlState, &'static str)> {
    if op == Operator::Divide && b == 0.0 && !a.is_nan() {
        return Some((SqlState::DivisionByZero, "division by zero"));
    }
    let overflow = match op {
        Operator::Divide => r.is_infinite() && !a.is_infinite(),
        _ => r.is_infinite() && !a.is_infinite() && !b.is_infinite(),
    };
    if overflow {
        return Some((
            SqlState::NumericValueOutOfRange,
            "value out of range: overflow",
        ));
    }
    let underflow = match op {
        Operator::Multiply => r == 0.0 && a != 0.0 && b != 0.0,
        Operator::Divide => r == 0.0 && a != 0.0 && !b.is_infinite(),
        _ => false,
    };
    underflow.then_some((
        SqlState::NumericValueOutOfRange,
        "value out of range: underflow",
    ))
}

fn integer_result(a: i64, op: Operator, b: i64) -> Option<i64> {
    match op {
        Operator::Plus => a.checked_add(b),
        Operator::Minus => a.checked_sub(b),
        Operator::Multiply => a.checked_mul(b),
        Operator::Divide => a.checked_div(b),
        // PostgreSQL's int4mod/int8mod answer 0 for MIN % -1.
        _ => Some(a.checked_rem(b).unwrap_or(0)),
    }
}

fn out_of_range(data_type: &DataType) -> (SqlState, String) {
    let name = match data_type {
        DataType::Int16 => "smallint",
        DataType::Int64 => "bigint",
        _ => "integer",
    };
    (
        SqlState::NumericValueOutOfRange,
        format!("{name} out of range"),
    )
}

fn fits(value: i64, data_type: &DataType) -> bool {
    match data_type {
        DataType::Int16 => i16::try_from(value).is_ok(),
        DataType::Int32 => i32::try_from(value).is_ok(),
        _ => true,
    }
}

/// PostgreSQL's result type of integer arithmetic: the wider operand's.
fn wider(a: &DataType, b: &DataType) -> DataType {
    let rank = |t: &DataType| match t {
        DataType::Int16 => 0,
        DataType::Int32 => 1,
        _ => 2,
    };
    if rank(a) >= rank(b) {
        a.clone()
    } else {
        b.clone()
    }
}

/// The value and type of a constant integer expression that PostgreSQL computes.
fn constant_integer(expr: &Expr) -> Option<(i64, DataType)> {
    match expr {
        Expr::Literal(ScalarValue::Int16(Some(v)), _) => Some((i64::from(*v), DataType::Int16)),
        Expr::Literal(ScalarValue::Int32(Some(v)), _) => Some((i64::from(*v), DataType::Int32)),
        Expr::Literal(ScalarValue::Int64(Some(v)), _) => Some((*v, DataType::Int64)),
        Expr::Cast(Cast { expr: inner, field }) => {
            let to = field.data_type();
            if !matches!(to, DataType::Int16 | DataType::Int32 | DataType::Int64) {
                return None;
            }
            let (value, _) = constant_integer(inner)?;
            fits(value, to).then(|| (value, to.clone()))
        }
        Expr::Negative(inner) => {
            let (value, data_type) = constant_integer(inner)?;
            let negated = value.checked_neg()?;
            fits(negated, &data_type).then_some((negated, data_type))
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let ((a, a_type), (b, b_type)) = (constant_integer(left)?, constant_integer(right)?);
            let data_type = wider(&a_type, &b_type);
            let result = integer_result(a, *op, b)?;
            let arithmetic = matches!(
                op,
                Operator::Plus | Operator::Minus | Operator::Multiply | Operator::Divide
            );
            (arithmetic && fits(result, &data_type)).then_some((result, data_type))
        }
        _ => None,
    }
}

/// The value of a constant numeric expression, approximately (for zero and overflow tests).
fn constant_number(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Literal(value, _) => literal_number(value),
        Expr::Cast(Cast { expr: inner, field }) => {
            let numeric = field.data_type().is_numeric();
            match inner.as_ref() {
                Expr::Literal(ScalarValue::Utf8(Some(text)), _) if numeric => {
                    text.trim().parse::<f64>().ok()
                }
                other if numeric => constant_number(other),
                _ => None,
            }
        }
        Expr::Negative(inner) => constant_number(inner).map(|v| -v),
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let (a, b) = (constant_number(left)?, constant_number(right)?);
            match op {
                Operator::Plus => Some(a + b),
                Operator::Minus => Some(a - b),
                Operator::Multiply => Some(a * b),
                Operator::Divide if b != 0.0 => Some(a / b),
                _ => None,
            }
        }
        _ => None,
    }
}

fn literal_number(value: &ScalarValue) -> Option<f64> {
    match value {
        ScalarValue::Int8(Some(v)) => Some(f64::from(*v)),
        ScalarValue::Int16(Some(v)) => Some(f64::from(*v)),
        ScalarValue::Int32(Some(v)) => Some(f64::from(*v)),
        ScalarValue::Int64(Some(v)) => Some(*v as f64),
        ScalarValue::Float32(Some(v)) => Some(f64::from(*v)),
        ScalarValue::Float64(Some(v)) => Some(*v),
        ScalarValue::Decimal128(Some(v), _, scale) => {
            Some(*v as f64 / 10f64.powi(i32::from(*scale)))
        }
        _ => None,
    }
}

/// A call of type `data_type` that fails with `state` and `message` when evaluated;
/// volatile, so constant folding leaves it to run.
pub(crate) fn failing_call(data_type: DataType, state: SqlState, message: String) -> Expr {
    use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
    let udf: ScalarUDF = create_udf(
        "pg_error",
        vec![],
        data_type,
        Volatility::Volatile,
        Arc::new(move |_: &[ColumnarValue]| {
            Err(AdapterError::new(state, message.clone()).into_datafusion())
        }),
    );
    Expr::ScalarFunction(ScalarFunction::new_udf(Arc::new(udf), vec![]))
}

/// `length(42)`: the 42883 error of a function whose text argument PostgreSQL would not
/// take from a number or boolean; `None` when the call is PostgreSQL's.
pub(crate) fn text_argument_error(function: &ScalarFunction, schema: &DFSchema) -> Option<Expr> {
    let name = function.func.name();
    if takes_any_argument(name) {
        return None;
    }
    let fields = function
        .args
        .iter()
        .map(|a| a.to_field(schema).map(|(_, f)| f))
        .collect::<datafusion::common::Result<Vec<_>>>()
        .ok()?;
    let implicit_text = |(from, to): (&DataType, &DataType)| {
        (from.is_numeric() || *from == DataType::Boolean)
            && matches!(
                to,
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
            )
    };
    let coerced = datafusion::logical_expr::type_coercion::functions::fields_with_udf(
        &fields,
        function.func.as_ref(),
    )
    .ok()?;
    let refused = fields
        .iter()
        .zip(&coerced)
        .any(|(from, to)| implicit_text((from.data_type(), to.data_type())));
    if !refused {
        return None;
    }
    let types: Vec<&str> = fields.iter().map(|f| type_name(f.data_type())).collect();
    let message = format!("function {name}({}) does not exist", types.join(", "));
    let result = function
        .func
        .return_type(
            &coerced
                .iter()
                .map(|f| f.data_type().clone())
                .collect::<Vec<_>>(),
        )
        .unwrap_or(DataType::Utf8);
    Some(failing_call(result, SqlState::UndefinedFunction, message))
}

/// Functions whose PostgreSQL arguments are `"any"` or not text, where DataFusion's
/// coercion to text is what PostgreSQL does (or fedgate's own catalog functions).
fn takes_any_argument(name: &str) -> bool {
    const ANY: &[&str] = &[
        "concat",
        "concat_ws",
        "format",
        "quote_literal",
        "quote_nullable",
        "pg_typeof",
        "num_nulls",
        "num_nonnulls",
        "version",
    ];
    const PREFIXES: &[&str] = &[
        "pg_",
        "has_",
        "json",
        "to_json",
        "row_to_json",
        "array_to_json",
        "obj_",
        "col_",
        "shobj_",
        "format_",
        "current_",
        "set_config",
        "to_reg",
        "txid",
        "to_char",
        "to_number",
        "to_date",
        "to_timestamp",
    ];
    ANY.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

fn type_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int16 => "smallint",
        DataType::Int32 => "integer",
        DataType::Int64 => "bigint",
        DataType::Float32 => "real",
        DataType::Float64 => "double precision",
        DataType::Decimal128(..) | DataType::Decimal256(..) => "numeric",
        DataType::Boolean => "boolean",
        _ => "unknown",
    }
}

/// `CAST(x AS numeric)` with the scale PostgreSQL would print: 0 for an integer, a
/// decimal's own, a text literal's own; `None` for other casts.
pub(crate) fn unconstrained_numeric_cast(cast: &Cast, schema: &DFSchema) -> Option<Expr> {
    if *cast.field.data_type() != UNCONSTRAINED_NUMERIC {
        return None;
    }
    let scale = match cast.expr.as_ref() {
        Expr::Literal(ScalarValue::Utf8(Some(text)), _) => literal_scale(text)?,
        inner => match inner.get_type(schema).ok()? {
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => 0,
            DataType::Decimal128(_, scale) => scale,
            _ => return None,
        },
    };
    Some(Expr::Cast(Cast::new(
        cast.expr.clone(),
        DataType::Decimal128(38, scale),
    )))
}

/// The number of digits after the point of a plain decimal text (`-0.50` → 2).
fn literal_scale(text: &str) -> Option<i8> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let plain = digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let scale = i8::try_from(fraction.len()).ok()?;
    (plain && scale <= 38 && whole.trim_start_matches('0').len() + fraction.len() <= 38)
        .then_some(scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{cast, lit};

    #[test]
    fn constant_integers_overflow_as_postgres() {
        assert_eq!(
            constant_integer(&(lit(2i32) * lit(3i32))),
            Some((6, DataType::Int32))
        );
        assert_eq!(constant_integer(&(lit(i32::MAX) + lit(1i32))), None);
        let wide = cast(lit(i64::MAX), DataType::Int64) + lit(1i32);
        let schema = DFSchema::empty();
        assert!(constant_error(&wide, &schema).is_some());
        assert!(constant_error(&(lit(i32::MAX) + lit(1i64)), &schema).is_none());
        assert!(constant_error(&(lit(1i32) / lit(0i32)), &schema).is_some());
        assert!(constant_error(&(lit(1.5f64) * lit(2.0f64)), &schema).is_none());
        assert!(constant_error(&(lit(1e308f64) * lit(10.0f64)), &schema).is_some());
    }

    #[test]
    fn literal_scales() {
        assert_eq!(literal_scale("-0.50"), Some(2));
        assert_eq!(literal_scale(" 42 "), Some(0));
        assert_eq!(literal_scale("1e5"), None);
        assert_eq!(literal_scale("NaN"), None);
    }
}
