//! PostgreSQL's mathematical functions: `mod`, `div`, `sign`, `ceil`/`ceiling`, `floor`,
//! `trunc`, `round`, `trim_scale`, `min_scale`, `scale`, `width_bucket`, and `ln`, `log`,
//! `log10`, `sqrt`, `cbrt`, `exp`, `power`/`pow`.
//!
//! Types follow PostgreSQL's overloads: integers keep their type in `mod`; a `numeric`
//! argument gives `numeric` with PostgreSQL's scale (`round(2.5)` is `3`, `ceil(1.2)` is
//! `2`, `sqrt(2.0)` has 15 decimals); integers otherwise go to `double precision`
//! (`sign(-3)`, `round(5)`, `sqrt(2)`). `round(double precision)` rounds half to even
//! (`round(2.5::float8)` is 2), `round(numeric)` half away from zero. Float domain errors are
//! PostgreSQL's: `ln(0)` 2201E, `sqrt(-1)` 2201F, `exp(1000)` 22003 (DataFusion answers
//! `-Infinity`, `NaN`, `Infinity`).
//!
//! The scale of a numeric result that depends on the value (`trim_scale`, `sqrt`, `exp`,
//! `ln`, `log`, `power`) is exact for constant arguments; for a column it is the scale
//! PostgreSQL gives a value of weight 0 (the column has one scale, PostgreSQL's values
//! each their own).

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, RoundingMode, Signed, ToPrimitive, Zero};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::numeric::{self, decimal_of, decimal_scalar, numeric_type, scale_of_type};
use super::{float_of, int_of, is_decimal, no_such_function, pg_error, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Rows { strict: true, row })
    };
    vec![
        f("mod", mod_returns, mod_row),
        f("div", div_returns, div_row),
        f("sign", sign_returns, sign_row),
        f("ceil", integral_returns, ceil_row),
        f("ceiling", integral_returns, ceil_row),
        f("floor", integral_returns, floor_row),
        PgFunction::new(
            "trunc",
            coerce_rounding,
            round_returns,
            Eval::Rows {
                strict: true,
                row: trunc_row,
            },
        ),
        PgFunction::new(
            "round",
            coerce_rounding,
            round_returns,
            Eval::Rows {
                strict: true,
                row: round_row,
            },
        ),
        f("trim_scale", trim_scale_returns, trim_scale_row),
        f("min_scale", scale_returns, min_scale_row),
        f("scale", scale_returns, scale_row),
        f("width_bucket", width_bucket_returns, width_bucket_row),
        f("ln", ln_returns, ln_row),
        f("log10", log10_returns, log10_row),
        f("log", log_returns, log_row),
        f("sqrt", sqrt_returns, sqrt_row),
        f("exp", exp_returns, exp_row),
        f("cbrt", float_returns, cbrt_row),
        f("power", power_returns, power_row),
        f("pow", power_returns, power_row),
    ]
}

/// Strings become `numeric` arguments (PostgreSQL's unknown literals), other types stay.
fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| match t {
            t if super::is_string(t) => DataType::Decimal128(38, 10),
            DataType::Float16 => DataType::Float64,
            other => other.clone(),
        })
        .collect())
}

/// `round`/`trunc`: the digits given as text are an integer.
fn coerce_rounding(types: &[DataType]) -> Result<Vec<DataType>> {
    let mut coerced = coerce(types)?;
    if let (Some(digits), Some(original)) = (coerced.get_mut(1), types.get(1)) {
        if super::is_string(original) {
            *digits = DataType::Int64;
        }
    }
    Ok(coerced)
}

/// The kind of a numeric argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    /// An integer of 2, 4 or 8 bytes.
    Int(u8),
    Numeric(i64),
    Float,
    Other,
}

fn kind(t: &DataType) -> Kind {
    match t {
        DataType::Null => Kind::Null,
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => Kind::Int(2),
        DataType::Int32 | DataType::UInt16 => Kind::Int(4),
        DataType::Int64 | DataType::UInt32 => Kind::Int(8),
        DataType::UInt64 => Kind::Numeric(0),
        t if is_decimal(t) => Kind::Numeric(scale_of_type(t)),
        DataType::Float32 | DataType::Float64 => Kind::Float,
        _ => Kind::Other,
    }
}

fn kinds(fields: &[FieldRef]) -> Vec<Kind> {
    fields.iter().map(|f| kind(f.data_type())).collect()
}

fn int_type(width: u8) -> DataType {
    match width {
        2 => DataType::Int16,
        4 => DataType::Int32,
        _ => DataType::Int64,
    }
}

fn any_numeric(kinds: &[Kind]) -> bool {
    kinds.iter().any(|k| matches!(k, Kind::Numeric(_)))
}

fn any_float(kinds: &[Kind]) -> bool {
    kinds.contains(&Kind::Float)
}

fn all_known(kinds: &[Kind]) -> bool {
    !kinds.contains(&Kind::Other)
}

fn max_scale(kinds: &[Kind]) -> i64 {
    kinds
        .iter()
        .map(|k| match k {
            Kind::Numeric(s) => *s,
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

fn division_by_zero() -> datafusion::error::DataFusionError {
    pg_error(SqlState::DivisionByZero, "division by zero")
}

fn out_of_range(message: &str) -> datafusion::error::DataFusionError {
    pg_error(SqlState::NumericValueOutOfRange, message)
}

fn float_result(v: f64) -> ScalarValue {
    ScalarValue::Float64(Some(v))
}

fn argument_decimal(value: &ScalarValue) -> Result<BigDecimal> {
    decimal_of(value).ok_or_else(|| {
        datafusion::error::DataFusionError::Internal(format!("not a number: {value:?}"))
    })
}

fn argument_float(value: &ScalarValue) -> Result<f64> {
    float_of(value).ok_or_else(|| {
        datafusion::error::DataFusionError::Internal(format!("not a number: {value:?}"))
    })
}

// ---- mod, div ----------------------------------------------------------------------------

fn mod_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let k = kinds(fields);
    if fields.len() != 2 || any_float(&k) || !all_known(&k) {
        return Err(no_such_function("mod", fields));
    }
    if any_numeric(&k) {
        return Ok(numeric_type(max_scale(&k)));
    }
    let width = k
        .iter()
        .map(|k| match k {
            Kind::Int(w) => *w,
            _ => 4,
        })
        .max()
        .unwrap_or(4);
    Ok(int_type(width))
}

fn mod_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    if let DataType::Decimal128(_, _) = return_type {
        let a = argument_decimal(&args[0])?;
        let b = argument_decimal(&args[1])?;
        if b.is_zero() {
            return Err(division_by_zero());
        }
        let scale = a.fractional_digit_count().max(b.fractional_digit_count());
        let a = a.with_scale(scale).as_bigint_and_exponent().0;
        let b = b.with_scale(scale).as_bigint_and_exponent().0;
        return decimal_scalar(&BigDecimal::new(a % b, scale), return_type);
    }
    let (a, b) = (int_of(&args[0]), int_of(&args[1]));
    let (Some(a), Some(b)) = (a, b) else {
        return ScalarValue::try_from(return_type);
    };
    if b == 0 {
        return Err(division_by_zero());
    }
    let r = a.checked_rem(b).unwrap_or(0);
    ScalarValue::Int64(Some(r)).cast_to(return_type)
}

fn div_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let k = kinds(fields);
    if fields.len() != 2 || any_float(&k) || !all_known(&k) {
        return Err(no_such_function("div", fields));
    }
    Ok(numeric_type(0))
}

fn div_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    let a = argument_decimal(&args[0])?;
    let b = argument_decimal(&args[1])?;
    if b.is_zero() {
        return Err(division_by_zero());
    }
    let scale = a.fractional_digit_count().max(b.fractional_digit_count());
    let a = a.with_scale(scale).as_bigint_and_exponent().0;
    let b = b.with_scale(scale).as_bigint_and_exponent().0;
    decimal_scalar(&BigDecimal::from(a / b), return_type)
}

// ---- sign, ceil, floor, trunc, round -----------------------------------------------------

fn single(name: &str, fields: &[FieldRef]) -> Result<Kind> {
    match kinds(fields).as_slice() {
        [k] if *k != Kind::Other => Ok(*k),
        _ => Err(no_such_function(name, fields)),
    }
}

fn sign_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    Ok(match single("sign", fields)? {
        Kind::Numeric(_) => numeric_type(0),
        _ => DataType::Float64,
    })
}

fn sign_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    if matches!(return_type, DataType::Decimal128(_, _)) {
        let v = argument_decimal(&args[0])?;
        let sign = if v.is_zero() {
            0
        } else if v.is_negative() {
            -1
        } else {
            1
        };
        return decimal_scalar(&BigDecimal::from(sign), return_type);
    }
    let v = argument_float(&args[0])?;
    Ok(float_result(if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

fn integral_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    Ok(match single("ceil", fields)? {
        Kind::Numeric(_) => numeric_type(0),
        _ => DataType::Float64,
    })
}

fn integral(
    args: &[ScalarValue],
    return_type: &DataType,
    mode: RoundingMode,
    float: fn(f64) -> f64,
) -> Result<ScalarValue> {
    if matches!(return_type, DataType::Decimal128(_, _)) {
        let v = argument_decimal(&args[0])?;
        return decimal_scalar(&v.with_scale_round(0, mode), return_type);
    }
    Ok(float_result(float(argument_float(&args[0])?)))
}

fn ceil_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    integral(args, return_type, RoundingMode::Ceiling, f64::ceil)
}

fn floor_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    integral(args, return_type, RoundingMode::Floor, f64::floor)
}

/// `round`/`trunc`: one argument keeps floats as floats; with digits, numeric of that scale.
fn round_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    let k = kinds(fields);
    match k.as_slice() {
        [Kind::Numeric(_)] => Ok(numeric_type(0)),
        [Kind::Int(_) | Kind::Float | Kind::Null] => Ok(DataType::Float64),
        [Kind::Numeric(_) | Kind::Int(_) | Kind::Null, Kind::Int(_) | Kind::Null] => {
            let digits = scalars.get(1).copied().flatten().and_then(int_of);
            Ok(numeric_type(match digits {
                Some(d) => d.max(0),
                None => max_scale(&k[..1]),
            }))
        }
        _ => Err(no_such_function("round", fields)),
    }
}

fn round_numeric(
    args: &[ScalarValue],
    return_type: &DataType,
    mode: RoundingMode,
) -> Result<ScalarValue> {
    let v = argument_decimal(&args[0])?;
    let digits = match args.get(1) {
        Some(d) => int_of(d).unwrap_or(0),
        None => 0,
    };
    decimal_scalar(&v.with_scale_round(digits, mode), return_type)
}

/// C's `rint`: half to even.
fn rint(v: f64) -> f64 {
    let rounded = v.round();
    if (v - v.trunc()).abs() == 0.5 {
        2.0 * (v / 2.0).round()
    } else {
        rounded
    }
}

fn round_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    if matches!(return_type, DataType::Decimal128(_, _)) {
        return round_numeric(args, return_type, RoundingMode::HalfUp);
    }
    Ok(float_result(rint(argument_float(&args[0])?)))
}

fn trunc_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    if matches!(return_type, DataType::Decimal128(_, _)) {
        return round_numeric(args, return_type, RoundingMode::Down);
    }
    Ok(float_result(argument_float(&args[0])?.trunc()))
}

// ---- scales ------------------------------------------------------------------------------

fn exact_argument(name: &str, fields: &[FieldRef]) -> Result<()> {
    match single(name, fields)? {
        Kind::Numeric(_) | Kind::Int(_) | Kind::Null => Ok(()),
        _ => Err(no_such_function(name, fields)),
    }
}

fn trim_scale_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    exact_argument("trim_scale", fields)?;
    let scale = match scalars.first().copied().flatten().and_then(decimal_of) {
        Some(v) => numeric::min_scale(&v),
        None => scale_of_type(fields[0].data_type()),
    };
    Ok(numeric_type(scale))
}

fn trim_scale_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    decimal_scalar(&argument_decimal(&args[0])?, return_type)
}

fn scale_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    exact_argument("scale", fields)?;
    Ok(DataType::Int32)
}

fn min_scale_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(ScalarValue::Int32(Some(
        numeric::min_scale(&argument_decimal(&args[0])?) as i32,
    )))
}

fn scale_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(ScalarValue::Int32(Some(
        numeric::dscale(&argument_decimal(&args[0])?) as i32,
    )))
}

// ---- width_bucket ------------------------------------------------------------------------

fn width_bucket_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let k = kinds(fields);
    let count_ok = matches!(k.get(3), Some(Kind::Int(_) | Kind::Null));
    if fields.len() != 4 || !all_known(&k) || !count_ok {
        return Err(no_such_function("width_bucket", fields));
    }
    Ok(DataType::Int32)
}

fn bucket_error(message: &str) -> datafusion::error::DataFusionError {
    pg_error(SqlState::InvalidArgumentForWidthBucketFunction, message)
}

fn width_bucket_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let count = int_of(&args[3]).unwrap_or(0);
    if count <= 0 {
        return Err(bucket_error("count must be greater than zero"));
    }
    let count_plus = i32::try_from(count + 1).map_err(|_| out_of_range("integer out of range"))?;
    let floats = args[..3]
        .iter()
        .any(|a| matches!(a, ScalarValue::Float32(_) | ScalarValue::Float64(_)));
    let bucket = if floats {
        let (op, low, high) = (
            argument_float(&args[0])?,
            argument_float(&args[1])?,
            argument_float(&args[2])?,
        );
        if op.is_nan() || low.is_nan() || high.is_nan() {
            return Err(bucket_error(
                "operand, lower bound, and upper bound cannot be NaN",
            ));
        }
        if !low.is_finite() || !high.is_finite() {
            return Err(bucket_error("lower and upper bounds must be finite"));
        }
        if low == high {
            return Err(bucket_error("lower bound cannot equal upper bound"));
        }
        let fraction = if low < high {
            if op < low {
                return Ok(ScalarValue::Int32(Some(0)));
            }
            if op >= high {
                return Ok(ScalarValue::Int32(Some(count_plus)));
            }
            (op - low) / (high - low)
        } else {
            if op > low {
                return Ok(ScalarValue::Int32(Some(0)));
            }
            if op <= high {
                return Ok(ScalarValue::Int32(Some(count_plus)));
            }
            (low - op) / (low - high)
        };
        ((count as f64 * fraction) as i64).min(count - 1) + 1
    } else {
        let (op, low, high) = (
            argument_decimal(&args[0])?,
            argument_decimal(&args[1])?,
            argument_decimal(&args[2])?,
        );
        if low == high {
            return Err(bucket_error("lower bound cannot equal upper bound"));
        }
        let (numerator, denominator) = if low < high {
            if op < low {
                return Ok(ScalarValue::Int32(Some(0)));
            }
            if op >= high {
                return Ok(ScalarValue::Int32(Some(count_plus)));
            }
            (&op - &low, &high - &low)
        } else {
            if op > low {
                return Ok(ScalarValue::Int32(Some(0)));
            }
            if op <= high {
                return Ok(ScalarValue::Int32(Some(count_plus)));
            }
            (&low - &op, &low - &high)
        };
        // floor(count * numerator / denominator), exactly.
        let scale = numerator
            .fractional_digit_count()
            .max(denominator.fractional_digit_count());
        let n = numerator.with_scale(scale).as_bigint_and_exponent().0 * BigInt::from(count);
        let d = denominator.with_scale(scale).as_bigint_and_exponent().0;
        (n / d).to_i64().unwrap_or(count - 1).min(count - 1) + 1
    };
    Ok(ScalarValue::Int32(Some(bucket as i32)))
}

// ---- logarithms, roots, exponentials ----------------------------------------------------

fn float_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    single("cbrt", fields)?;
    Ok(DataType::Float64)
}

/// A numeric result type whose scale is the function's on the constant argument, or
/// PostgreSQL's for a value of weight 0.
fn numeric_result_type(
    scalars: &[Option<&ScalarValue>],
    compute: fn(&[BigDecimal]) -> Result<(BigDecimal, i64)>,
    fallback: i64,
    argument_scales: i64,
) -> DataType {
    let values: Option<Vec<BigDecimal>> = scalars.iter().map(|s| s.and_then(decimal_of)).collect();
    let scale = values
        .and_then(|v| compute(&v).ok())
        .map(|(_, scale)| scale)
        .unwrap_or(fallback.max(argument_scales));
    numeric_type(scale)
}

/// The result type of a one-argument function of PostgreSQL's `float8` and `numeric`
/// overloads: `numeric` with the scale of the constant argument's result, else with
/// `fallback` (PostgreSQL's scale for a value of weight 0).
fn unary_returns(
    name: &str,
    fields: &[FieldRef],
    scalars: &[Option<&ScalarValue>],
    compute: fn(&[BigDecimal]) -> Result<(BigDecimal, i64)>,
    fallback: i64,
) -> Result<DataType> {
    match single(name, fields)? {
        Kind::Numeric(scale) => Ok(numeric_result_type(scalars, compute, fallback, scale)),
        _ => Ok(DataType::Float64),
    }
}

fn sqrt_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    unary_returns("sqrt", fields, scalars, |v| numeric::sqrt(&v[0]), 15)
}

fn exp_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    unary_returns("exp", fields, scalars, |v| numeric::exp(&v[0]), 16)
}

fn ln_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    unary_returns("ln", fields, scalars, |v| numeric::ln(&v[0]), 16)
}

fn log10_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    unary_returns("log10", fields, scalars, |v| log10_numeric(&v[0]), 16)
}

fn float_log_check(v: f64) -> Result<()> {
    if v == 0.0 {
        return Err(pg_error(
            SqlState::InvalidArgumentForLog,
            "cannot take logarithm of zero",
        ));
    }
    if v < 0.0 {
        return Err(pg_error(
            SqlState::InvalidArgumentForLog,
            "cannot take logarithm of a negative number",
        ));
    }
    Ok(())
}

fn numeric_or_float(
    args: &[ScalarValue],
    return_type: &DataType,
    numeric: fn(&BigDecimal) -> Result<(BigDecimal, i64)>,
    float: fn(f64) -> Result<f64>,
) -> Result<ScalarValue> {
    if matches!(return_type, DataType::Decimal128(_, _)) {
        let (value, _) = numeric(&argument_decimal(&args[0])?)?;
        return decimal_scalar(&value, return_type);
    }
    Ok(float_result(float(argument_float(&args[0])?)?))
}

fn ln_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    numeric_or_float(args, return_type, numeric::ln, |v| {
        float_log_check(v)?;
        Ok(v.ln())
    })
}

fn log10_numeric(v: &BigDecimal) -> Result<(BigDecimal, i64)> {
    numeric::log(&BigDecimal::from(10), v)
}

fn log10_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    numeric_or_float(args, return_type, log10_numeric, |v| {
        float_log_check(v)?;
        Ok(v.log10())
    })
}

fn log_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    let k = kinds(fields);
    match k.as_slice() {
        [_] => log10_returns(fields, scalars),
        [a, b]
            if matches!(a, Kind::Numeric(_) | Kind::Int(_) | Kind::Null)
                && matches!(b, Kind::Numeric(_) | Kind::Int(_) | Kind::Null) =>
        {
            Ok(numeric_result_type(
                scalars,
                |v| numeric::log(&v[0], &v[1]),
                numeric::MIN_SIG_DIGITS,
                max_scale(&k),
            ))
        }
        _ => Err(no_such_function("log", fields)),
    }
}

fn log_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    if args.len() == 1 {
        return log10_row(args, return_type);
    }
    let (value, _) = numeric::log(&argument_decimal(&args[0])?, &argument_decimal(&args[1])?)?;
    decimal_scalar(&value, return_type)
}

fn sqrt_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    numeric_or_float(args, return_type, numeric::sqrt, |v| {
        if v < 0.0 {
            return Err(pg_error(
                SqlState::InvalidArgumentForPowerFunction,
                "cannot take square root of a negative number",
            ));
        }
        Ok(v.sqrt())
    })
}

fn exp_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    numeric_or_float(args, return_type, numeric::exp, |v| {
        let result = v.exp();
        if result.is_infinite() && v.is_finite() {
            return Err(out_of_range("value out of range: overflow"));
        }
        if result == 0.0 && v.is_finite() {
            return Err(out_of_range("value out of range: underflow"));
        }
        Ok(result)
    })
}

fn cbrt_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(float_result(super::cube_root::cbrt(argument_float(
        &args[0],
    )?)))
}

fn power_returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    let k = kinds(fields);
    if k.len() != 2 || !all_known(&k) {
        return Err(no_such_function("power", fields));
    }
    if any_float(&k) || !any_numeric(&k) {
        return Ok(DataType::Float64);
    }
    Ok(numeric_result_type(
        scalars,
        |v| numeric::power(&v[0], &v[1]),
        numeric::MIN_SIG_DIGITS,
        max_scale(&k),
    ))
}

fn power_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    if matches!(return_type, DataType::Decimal128(_, _)) {
        let (value, _) =
            numeric::power(&argument_decimal(&args[0])?, &argument_decimal(&args[1])?)?;
        return decimal_scalar(&value, return_type);
    }
    let (base, exponent) = (argument_float(&args[0])?, argument_float(&args[1])?);
    if base == 0.0 && exponent < 0.0 {
        return Err(pg_error(
            SqlState::InvalidArgumentForPowerFunction,
            "zero raised to a negative power is undefined",
        ));
    }
    if base < 0.0 && exponent.floor() != exponent {
        return Err(pg_error(
            SqlState::InvalidArgumentForPowerFunction,
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    let result = base.powf(exponent);
    if result.is_infinite() && base.is_finite() && exponent.is_finite() {
        return Err(out_of_range("value out of range: overflow"));
    }
    if result == 0.0 && base != 0.0 && base.is_finite() && exponent.is_finite() {
        return Err(out_of_range("value out of range: underflow"));
    }
    Ok(float_result(result))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row, type_of};

    async fn values(sql: &str) -> Vec<String> {
        row(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Expectations from PostgreSQL 15.
    #[tokio::test]
    async fn mod_div_sign_as_postgres() {
        assert_eq!(
            values("SELECT mod(-7, 3), mod(7.5, 2), mod(-7.5, 2), mod(CAST(7 AS SMALLINT), CAST(2 AS SMALLINT))").await,
            ["-1", "1.5", "-1.5", "1"]
        );
        assert_eq!(
            values("SELECT div(7, 2), div(-7, 2), div(7.5, 2), div(7.5, 2.5), div(-7.5, 2)").await,
            ["3", "-3", "3", "3", "-3"]
        );
        assert_eq!(
            values("SELECT sign(-3), sign(0), sign(2.5), sign(-2.50), sign(CAST(-0.0 AS DOUBLE))")
                .await,
            ["-1.0", "0.0", "1", "-1", "0.0"]
        );
        for sql in ["SELECT mod(5, 0)", "SELECT mod(5.0, 0)", "SELECT div(1, 0)"] {
            assert_eq!(error(sql).await.0, "22012", "{sql}");
        }
        assert_eq!(error("SELECT mod(CAST(5 AS DOUBLE), 2)").await.0, "42883");
        assert_eq!(
            type_of("SELECT mod(CAST(7 AS SMALLINT), CAST(2 AS SMALLINT))").await,
            datafusion::arrow::datatypes::DataType::Int16
        );
    }

    #[tokio::test]
    async fn rounding_as_postgres() {
        assert_eq!(
            values("SELECT round(CAST(2.5 AS DOUBLE)), round(CAST(-2.5 AS DOUBLE)), round(CAST(0.5 AS DOUBLE)), round(CAST(3.5 AS DOUBLE))").await,
            ["2.0", "-2.0", "0.0", "4.0"]
        );
        assert_eq!(
            values("SELECT round(2.5), round(-2.5), round(1.45, 1), round(-1.45, 1), round(1234.5678, -2), round(1234.5678, 0), round(5, 1)").await,
            ["3", "-3", "1.5", "-1.5", "1200", "1235", "5.0"]
        );
        assert_eq!(
            values("SELECT round(0.5), round(-0.5), round(1.5, 10), trunc(1.999), trunc(-1.999, 1), trunc(CAST(2.5 AS DOUBLE))").await,
            ["1", "-1", "1.5000000000", "1", "-1.9", "2.0"]
        );
        assert_eq!(
            values("SELECT ceiling(2.000001), ceiling(-1.5), ceil(1.2), floor(1.5), ceiling(5), floor(-1.8)").await,
            ["3", "-1", "2", "1", "5.0", "-2"]
        );
        assert_eq!(
            values("SELECT trim_scale(1.500), trim_scale(0.000), trim_scale(-1.10), trim_scale(100), min_scale(1.500), scale(1.500)").await,
            ["1.5", "0", "-1.1", "100", "1", "3"]
        );
        assert_eq!(
            error("SELECT round(CAST(2.5 AS DOUBLE), 1)").await.0,
            "42883"
        );
    }

    #[tokio::test]
    async fn width_bucket_as_postgres() {
        assert_eq!(
            values("SELECT width_bucket(5.35, 0.024, 10.06, 5), width_bucket(-1, 0, 10, 5), width_bucket(11, 0, 10, 5), width_bucket(10, 0, 10, 5), width_bucket(5, 10, 0, 5), width_bucket(CAST(5.0 AS DOUBLE), 0, 10, 3)").await,
            ["3", "0", "6", "6", "3", "2"]
        );
        assert_eq!(
            error("SELECT width_bucket(5, 0, 10, 0)").await,
            ("2201G".into(), "count must be greater than zero".into())
        );
        assert_eq!(
            error("SELECT width_bucket(5, 0, 0, 3)").await,
            (
                "2201G".into(),
                "lower bound cannot equal upper bound".into()
            )
        );
    }

    #[tokio::test]
    async fn float_domain_errors_as_postgres() {
        let cases = [
            ("SELECT ln(0)", "2201E", "cannot take logarithm of zero"),
            (
                "SELECT ln(-1)",
                "2201E",
                "cannot take logarithm of a negative number",
            ),
            ("SELECT log(0)", "2201E", "cannot take logarithm of zero"),
            (
                "SELECT log(-1)",
                "2201E",
                "cannot take logarithm of a negative number",
            ),
            (
                "SELECT sqrt(-1)",
                "2201F",
                "cannot take square root of a negative number",
            ),
            ("SELECT exp(1000)", "22003", "value out of range: overflow"),
            (
                "SELECT exp(-1000)",
                "22003",
                "value out of range: underflow",
            ),
            (
                "SELECT power(10, 400)",
                "22003",
                "value out of range: overflow",
            ),
            (
                "SELECT power(0, -1)",
                "2201F",
                "zero raised to a negative power is undefined",
            ),
            (
                "SELECT power(CAST(-8 AS DOUBLE), 0.5)",
                "2201F",
                "a negative number raised to a non-integer power yields a complex result",
            ),
            ("SELECT ln(0.0)", "2201E", "cannot take logarithm of zero"),
            (
                "SELECT sqrt(-1.0)",
                "2201F",
                "cannot take square root of a negative number",
            ),
        ];
        for (sql, code, message) in cases {
            assert_eq!(
                error(sql).await,
                (code.to_string(), message.to_string()),
                "{sql}"
            );
        }
    }

    #[tokio::test]
    async fn numeric_functions_as_postgres() {
        assert_eq!(
            values("SELECT sqrt(2), sqrt(16), cbrt(CAST(-8 AS DOUBLE)), log(100), log10(1000), ln(10), exp(1)").await,
            ["1.4142135623730951", "4.0", "-2.0", "2.0", "3.0", "2.302585092994046", "2.718281828459045"]
        );
        assert_eq!(
            values("SELECT sqrt(2.0), exp(1.0), exp(0.0), ln(2.0), log(100.0), log(2.0, 8.0), power(2.0, 3), power(2.0, -2), power(2, 0.5)").await,
            [
                "1.414213562373095",
                "2.7182818284590452",
                "1.0000000000000000",
                "0.6931471805599453",
                "2.0000000000000000",
                "3.0000000000000000",
                "8.0000000000000000",
                "0.2500000000000000",
                "1.4142135623730950"
            ]
        );
        assert_eq!(
            values("SELECT log(10, 100), power(2, 10), power(CAST(2 AS BIGINT), 3), power(2.5, 2)")
                .await,
            ["2.0000000000000000", "1024.0", "8.0", "6.2500000000000000"]
        );
    }
}
