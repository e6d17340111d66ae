//! Numerics printed with the display scale PostgreSQL gives each value, for the output
//! columns `crate::numeric_display` rewrites.
//!
//! A PostgreSQL `numeric` carries its display scale per value; an Arrow decimal column has
//! one scale. Where PostgreSQL's scale depends on the value (a quotient's scale follows the
//! operands' magnitudes, `CASE WHEN c THEN 1 ELSE 2.5 END` is `1` or `2.5`), the output
//! column is PostgreSQL's text of each value, marked `numeric` (`fedgate.pg_type`), so the
//! client sees the type and the digits PostgreSQL would send:
//!
//! - `pg_numeric_text(x)`: an integer or decimal with the scale of its type (`2.50` of a
//!   `numeric(10,2)`, `1` of an integer);
//! - `pg_numeric_divide_text(a, b)`: `a / b` as PostgreSQL's `numeric_div` computes it
//!   (`crate::functions::numeric::divide`): `7.0 / 2` is `3.5000000000000000`, `1 / 3.0`
//!   `0.33333333333333333333`; a zero divisor is 22012;
//! - `pg_float_numeric_text(x)`: `x::numeric` of a `double precision` (`real`) as
//!   PostgreSQL's `float8_numeric` makes it: the float's 15 (6) significant digits, without
//!   trailing zeros (`0.1`, `100`, `1e-12` → `0.000000000001`), `NaN`, `Infinity`.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::number_format::decimal_text;
use super::numeric::{decimal_of, divide};
use super::{pg_error, Eval, PgFunction};

/// A number as PostgreSQL's numeric text, with the scale of its type.
pub const NUMERIC_TEXT: &str = "pg_numeric_text";
/// A quotient of two numbers as PostgreSQL's numeric text.
pub const NUMERIC_DIVIDE_TEXT: &str = "pg_numeric_divide_text";
/// A float cast to `numeric`, as PostgreSQL's numeric text.
pub const FLOAT_NUMERIC_TEXT: &str = "pg_float_numeric_text";

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![
        PgFunction::new(
            NUMERIC_TEXT,
            keep,
            text_returns,
            Eval::Rows {
                strict: true,
                row: text_row,
            },
        )
        .with_pg_type("numeric"),
        PgFunction::new(
            NUMERIC_DIVIDE_TEXT,
            keep,
            text_returns,
            Eval::Rows {
                strict: true,
                row: divide_row,
            },
        )
        .with_pg_type("numeric"),
        PgFunction::new(
            FLOAT_NUMERIC_TEXT,
            keep,
            text_returns,
            Eval::Rows {
                strict: true,
                row: float_row,
            },
        )
        .with_pg_type("numeric"),
    ]
}

/// The function `name` of this module, to call from a plan rewrite.
pub fn udf(name: &str) -> Option<std::sync::Arc<datafusion::logical_expr::ScalarUDF>> {
    functions()
        .into_iter()
        .find(|f| f.name == name)
        .map(|f| std::sync::Arc::new(datafusion::logical_expr::ScalarUDF::new_from_impl(f)))
}

/// The arguments keep their types: their scales are the values' display scales.
fn keep(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types.to_vec())
}

fn text_returns(_: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    Ok(DataType::Utf8)
}

fn number(value: &ScalarValue) -> Result<bigdecimal::BigDecimal> {
    decimal_of(value).ok_or_else(|| {
        datafusion::error::DataFusionError::Internal(format!("not an exact number: {value:?}"))
    })
}

fn text_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(ScalarValue::Utf8(Some(decimal_text(&number(&args[0])?))))
}

fn divide_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let quotient = divide(&number(&args[0])?, &number(&args[1])?)
        .ok_or_else(|| pg_error(SqlState::DivisionByZero, "division by zero"))?;
    Ok(ScalarValue::Utf8(Some(decimal_text(&quotient))))
}

fn float_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (value, digits) = match &args[0] {
        ScalarValue::Float64(Some(v)) => (*v, 15),
        ScalarValue::Float32(Some(v)) => (f64::from(*v), 6),
        other => {
            return Err(datafusion::error::DataFusionError::Internal(format!(
                "not a float: {other:?}"
            )))
        }
    };
    Ok(ScalarValue::Utf8(Some(float_numeric_text(value, digits))))
}

/// PostgreSQL's `numeric` of a float: `%.{digits}g` read as a numeric (its scale is the
/// digits after the point of that text, which has no trailing zeros).
fn float_numeric_text(value: f64, digits: usize) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let scientific = format!("{:.*e}", digits - 1, value);
    match scientific.parse::<bigdecimal::BigDecimal>() {
        Ok(parsed) => {
            let normalized = parsed.normalized();
            let scale = normalized.as_bigint_and_exponent().1.max(0);
            decimal_text(&normalized.with_scale(scale))
        }
        Err(_) => scientific,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimal(value: i128, scale: i8) -> ScalarValue {
        ScalarValue::Decimal128(Some(value), 38, scale)
    }

    #[test]
    fn values_print_with_their_types_scale() {
        let text = |v: ScalarValue| text_row(&[v], &DataType::Utf8).unwrap().to_string();
        assert_eq!(text(decimal(250, 2)), "2.50");
        assert_eq!(text(decimal(-5, 1)), "-0.5");
        assert_eq!(text(ScalarValue::Int32(Some(60000))), "60000");
    }

    /// Expectations from PostgreSQL 15 (`x::float8::numeric`, `x::real::numeric`).
    #[test]
    fn floats_as_numerics_like_postgres() {
        assert_eq!(float_numeric_text(0.0, 15), "0");
        assert_eq!(float_numeric_text(0.1, 15), "0.1");
        assert_eq!(float_numeric_text(100.0, 15), "100");
        assert_eq!(float_numeric_text(1e-12, 15), "0.000000000001");
        assert_eq!(float_numeric_text(1e20, 15), "100000000000000000000");
        assert_eq!(float_numeric_text(-2.5, 15), "-2.5");
        assert_eq!(float_numeric_text(1.0 / 3.0, 15), "0.333333333333333");
        assert_eq!(float_numeric_text(f64::from(0.1f32), 6), "0.1");
        assert_eq!(float_numeric_text(f64::NAN, 15), "NaN");
        assert_eq!(float_numeric_text(f64::NEG_INFINITY, 15), "-Infinity");
    }

    /// Expectations from PostgreSQL 15 (`salary / 12` of `numeric(12,2)` values).
    #[test]
    fn quotients_print_with_postgres_scale() {
        let divided = |a: ScalarValue, b: ScalarValue| {
            divide_row(&[a, b], &DataType::Utf8).map(|v| v.to_string())
        };
        let twelve = ScalarValue::Int32(Some(12));
        assert_eq!(
            divided(decimal(12_000_000, 2), twelve.clone()).unwrap(),
            "10000.0000000000000000"
        );
        assert_eq!(
            divided(decimal(9_999_999_999, 2), twelve).unwrap(),
            "8333333.332500000000"
        );
        assert!(divided(decimal(1, 0), ScalarValue::Int64(Some(0))).is_err());
    }
}
