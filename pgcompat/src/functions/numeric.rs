//! PostgreSQL's `numeric` arithmetic that DataFusion's `Decimal128` lacks: conversions
//! between Arrow values and exact decimals, and `sqrt`, `exp`, `ln`, `log` and `power` of
//! numerics with PostgreSQL's result scales (at least 16 significant digits: `sqrt(2.0)` is
//! `1.414213562373095`, `exp(1.0)` `2.7182818284590452`).
//!
//! The transcendental functions are computed in fixed point (an integer and a scale) with
//! guard digits beyond the result scale and then rounded half away from zero, as
//! PostgreSQL rounds numerics. Results are `Decimal128`, so they hold at most 38 digits: a
//! result that needs more is 22003, where PostgreSQL's arbitrary precision would print it.

use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::{BigDecimal, RoundingMode, Signed, ToPrimitive, Zero};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::pg_error;

/// PostgreSQL's minimum number of significant digits of an inexact numeric result.
pub const MIN_SIG_DIGITS: i64 = 16;
/// The most digits a `Decimal128` holds.
pub const MAX_PRECISION: u8 = 38;

/// An exact decimal of an integer or decimal value (`None` for NULL and other types).
pub fn decimal_of(value: &ScalarValue) -> Option<BigDecimal> {
    Some(match value {
        ScalarValue::Decimal128(Some(v), _, s) => BigDecimal::new(BigInt::from(*v), i64::from(*s)),
        ScalarValue::Decimal256(Some(v), _, s) => BigDecimal::new(
            BigInt::from_signed_bytes_le(&v.to_le_bytes()),
            i64::from(*s),
        ),
        ScalarValue::Decimal64(Some(v), _, s) => BigDecimal::new(BigInt::from(*v), i64::from(*s)),
        ScalarValue::Decimal32(Some(v), _, s) => BigDecimal::new(BigInt::from(*v), i64::from(*s)),
        ScalarValue::UInt64(Some(v)) => BigDecimal::from(*v),
        other => BigDecimal::from(super::int_of(other)?),
    })
}

/// The scale a value's type gives it (`numeric(10,2)` → 2, integers 0).
pub fn scale_of_type(t: &DataType) -> i64 {
    match t {
        DataType::Decimal32(_, s) | DataType::Decimal64(_, s) => i64::from(*s),
        DataType::Decimal128(_, s) | DataType::Decimal256(_, s) => i64::from(*s),
        _ => 0,
    }
}

/// The most digits after the point a numeric result gets: the wire encoder of numerics
/// (arrow-pg through rust_decimal) refuses larger scales.
pub const MAX_SCALE: i64 = 28;

/// The `numeric` type of a result of `scale` digits after the point (at most
/// [`MAX_SCALE`]).
pub fn numeric_type(scale: i64) -> DataType {
    DataType::Decimal128(MAX_PRECISION, scale.clamp(0, MAX_SCALE) as i8)
}

fn overflow() -> datafusion::error::DataFusionError {
    pg_error(
        SqlState::NumericValueOutOfRange,
        "value overflows numeric format",
    )
}

/// A decimal as a value of `data_type` (a `Decimal128`): rounded half away from zero to
/// its scale; 22003 when it has more digits than the type holds.
pub fn decimal_scalar(value: &BigDecimal, data_type: &DataType) -> Result<ScalarValue> {
    let DataType::Decimal128(precision, scale) = data_type else {
        return Err(datafusion::error::DataFusionError::Internal(format!(
            "not a decimal type: {data_type}"
        )));
    };
    let rounded = value.with_scale_round(i64::from(*scale), RoundingMode::HalfUp);
    let (digits, _) = rounded.as_bigint_and_exponent();
    let limit = BigInt::from(10).pow(u32::from(*precision));
    if digits.abs() >= limit {
        return Err(overflow());
    }
    let digits = digits.to_i128().ok_or_else(overflow)?;
    Ok(ScalarValue::Decimal128(Some(digits), *precision, *scale))
}

/// The scale PostgreSQL gives a value (its digits after the point, as written).
pub fn dscale(value: &BigDecimal) -> i64 {
    value.as_bigint_and_exponent().1.max(0)
}

/// The smallest scale that represents the value exactly (`min_scale`).
pub fn min_scale(value: &BigDecimal) -> i64 {
    let (digits, scale) = value.as_bigint_and_exponent();
    if digits.is_zero() {
        return 0;
    }
    let text = digits.abs().to_string();
    let zeros = text.len() - text.trim_end_matches('0').len();
    (scale - zeros as i64).max(0)
}

/// `floor(log10(|v|))` of a non-zero value: the decimal weight of its first digit.
pub fn decimal_weight(value: &BigDecimal) -> i64 {
    let (digits, scale) = value.as_bigint_and_exponent();
    digits.abs().to_string().len() as i64 - 1 - scale
}

/// PostgreSQL's base-10000 weight of a value's first digit group (0 for zero).
fn nbase_weight(value: &BigDecimal) -> i64 {
    if value.is_zero() {
        0
    } else {
        decimal_weight(value).div_euclid(4)
    }
}

/// PostgreSQL's base-10000 weight of a value's first non-zero digit group and that group
/// (`0` and `0` for zero): `120000.00` is `12|0000` (weight 1, first group 12), `0.5` is
/// `0.5000` (weight -1, first group 5000).
fn nbase_first_group(value: &BigDecimal) -> (i64, BigInt) {
    if value.is_zero() {
        return (0, BigInt::zero());
    }
    let weight = nbase_weight(value);
    let (digits, scale) = value.as_bigint_and_exponent();
    let shift = 4 * weight + scale;
    let group = if shift >= 0 {
        digits.abs() / BigInt::from(10).pow(shift as u32)
    } else {
        digits.abs() * BigInt::from(10).pow((-shift) as u32)
    };
    (weight, group)
}

/// The most digits after the point PostgreSQL's numeric results get.
const MAX_DISPLAY_SCALE: i64 = 1000;

/// The scale of `a / b` (PostgreSQL's `select_div_scale`): at least 16 significant digits
/// of the quotient, whose weight is estimated from the first digit groups of the operands,
/// and at least the display scale of each operand (a value's scale as it is held here).
pub fn division_scale(a: &BigDecimal, b: &BigDecimal) -> i64 {
    let (weight_a, first_a) = nbase_first_group(a);
    let (weight_b, first_b) = nbase_first_group(b);
    let mut quotient_weight = weight_a - weight_b;
    if first_a <= first_b {
        quotient_weight -= 1;
    }
    (MIN_SIG_DIGITS - quotient_weight * 4)
        .max(dscale(a))
        .max(dscale(b))
        .clamp(0, MAX_DISPLAY_SCALE)
}

/// `a / b` as PostgreSQL's `numeric_div` computes it: rounded half away from zero to
/// [`division_scale`] digits, which it keeps as its scale; `None` when `b` is zero.
pub fn divide(a: &BigDecimal, b: &BigDecimal) -> Option<BigDecimal> {
    if b.is_zero() {
        return None;
    }
    let scale = division_scale(a, b);
    let (a_digits, a_scale) = a.as_bigint_and_exponent();
    let (b_digits, b_scale) = b.as_bigint_and_exponent();
    let shift = scale + b_scale - a_scale;
    let (numerator, denominator) = if shift >= 0 {
        (a_digits * BigInt::from(10).pow(shift as u32), b_digits)
    } else {
        (a_digits, b_digits * BigInt::from(10).pow((-shift) as u32))
    };
    Some(BigDecimal::new(div_round(&numerator, &denominator), scale))
}

/// PostgreSQL's estimate of the decimal weight of `ln(v)` (`estimate_ln_dweight`).
fn estimate_ln_dweight(value: &BigDecimal) -> i64 {
    if !value.is_positive() {
        return 0;
    }
    let low = BigDecimal::new(BigInt::from(9), 1);
    let high = BigDecimal::new(BigInt::from(11), 1);
    if value >= &low && value <= &high {
        let x = value - BigDecimal::from(1);
        if x.is_zero() {
            0
        } else {
            decimal_weight(&x)
        }
    } else {
        let ln = value
            .to_f64()
            .map(f64::ln)
            .unwrap_or_else(|| decimal_weight(value) as f64 * std::f64::consts::LN_10);
        if ln == 0.0 {
            0
        } else {
            ln.abs().log10() as i64
        }
    }
}

/// A fixed-point number: `digits / 10^scale`.
#[derive(Debug, Clone)]
struct Fixed {
    digits: BigInt,
    scale: u32,
}

impl Fixed {
    fn of(value: &BigDecimal, scale: u32) -> Fixed {
        let rounded = value.with_scale_round(i64::from(scale), RoundingMode::HalfEven);
        Fixed {
            digits: rounded.as_bigint_and_exponent().0,
            scale,
        }
    }

    fn one(scale: u32) -> Fixed {
        Fixed {
            digits: BigInt::from(10).pow(scale),
            scale,
        }
    }

    fn to_decimal(&self) -> BigDecimal {
        BigDecimal::new(self.digits.clone(), i64::from(self.scale))
    }

    fn unit(&self) -> BigInt {
        BigInt::from(10).pow(self.scale)
    }

    fn mul(&self, other: &Fixed) -> Fixed {
        Fixed {
            digits: div_round(&(&self.digits * &other.digits), &self.unit()),
            scale: self.scale,
        }
    }

    fn div(&self, other: &Fixed) -> Fixed {
        Fixed {
            digits: div_round(&(&self.digits * self.unit()), &other.digits),
            scale: self.scale,
        }
    }

    fn div_int(&self, n: i64) -> Fixed {
        Fixed {
            digits: div_round(&self.digits, &BigInt::from(n)),
            scale: self.scale,
        }
    }

    fn add(&self, other: &Fixed) -> Fixed {
        Fixed {
            digits: &self.digits + &other.digits,
            scale: self.scale,
        }
    }

    fn sub(&self, other: &Fixed) -> Fixed {
        Fixed {
            digits: &self.digits - &other.digits,
            scale: self.scale,
        }
    }

    fn sqrt(&self) -> Fixed {
        Fixed {
            digits: (&self.digits * self.unit()).sqrt(),
            scale: self.scale,
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_zero()
    }
}

/// `a / b` rounded to the nearest integer (half away from zero).
pub(crate) fn div_round(a: &BigInt, b: &BigInt) -> BigInt {
    let twice = a * 2;
    let q: BigInt = &twice / b;
    let q = if q.sign() == Sign::Minus {
        q - 1
    } else {
        q + 1
    };
    q / 2
}

/// `exp(x)` in fixed point.
fn exp_fixed(x: &Fixed) -> Fixed {
    let scale = x.scale;
    if x.digits.sign() == Sign::Minus {
        let negated = Fixed {
            digits: -x.digits.clone(),
            scale,
        };
        return Fixed::one(scale).div(&exp_fixed(&negated));
    }
    // Halve until below 0.01, sum the series, square back.
    let mut reduced = x.clone();
    let mut halvings = 0;
    let limit = BigInt::from(10).pow(scale.saturating_sub(2));
    while reduced.digits > limit {
        reduced = reduced.div_int(2);
        halvings += 1;
    }
    let mut sum = Fixed::one(scale);
    let mut term = Fixed::one(scale);
    let mut k = 1;
    loop {
        term = term.mul(&reduced).div_int(k);
        if term.is_zero() {
            break;
        }
        sum = sum.add(&term);
        k += 1;
    }
    for _ in 0..halvings {
        sum = sum.mul(&sum);
    }
    sum
}

/// `ln(x)` of a positive fixed-point number.
fn ln_fixed(x: &Fixed) -> Fixed {
    let scale = x.scale;
    let low = Fixed::of(&BigDecimal::new(BigInt::from(99), 2), scale);
    let high = Fixed::of(&BigDecimal::new(BigInt::from(101), 2), scale);
    let mut reduced = x.clone();
    let mut factor: i64 = 1;
    while reduced.digits < low.digits || reduced.digits > high.digits {
        reduced = reduced.sqrt();
        factor *= 2;
    }
    // ln(x) = 2 atanh(z), z = (x - 1) / (x + 1).
    let one = Fixed::one(scale);
    let z = reduced.sub(&one).div(&reduced.add(&one));
    let z2 = z.mul(&z);
    let mut power = z.clone();
    let mut sum = z;
    let mut n = 3;
    loop {
        power = power.mul(&z2);
        let term = power.div_int(n);
        if term.is_zero() {
            break;
        }
        sum = sum.add(&term);
        n += 2;
    }
    Fixed {
        digits: sum.digits * 2 * factor,
        scale,
    }
}

/// Guard digits for a computation whose result needs `rscale` digits and whose value has
/// `weight` digits before the point.
fn working_scale(rscale: i64, weight: i64) -> u32 {
    (rscale + weight.max(0) + 24).max(24) as u32
}

fn clamp_scale(rscale: i64) -> i64 {
    rscale.clamp(0, 1000)
}

/// `sqrt(numeric)` with its scale.
pub fn sqrt(value: &BigDecimal) -> Result<(BigDecimal, i64)> {
    if value.is_negative() {
        return Err(pg_error(
            SqlState::InvalidArgumentForPowerFunction,
            "cannot take square root of a negative number",
        ));
    }
    let sweight = (nbase_weight(value) + 1) * 4 / 2 - 1;
    let rscale = clamp_scale((MIN_SIG_DIGITS - sweight).max(dscale(value)));
    let fixed = Fixed::of(value, working_scale(rscale, decimal_weight_or_zero(value)));
    Ok((rounded(&fixed.sqrt().to_decimal(), rscale), rscale))
}

fn decimal_weight_or_zero(value: &BigDecimal) -> i64 {
    if value.is_zero() {
        0
    } else {
        decimal_weight(value)
    }
}

fn rounded(value: &BigDecimal, scale: i64) -> BigDecimal {
    value.with_scale_round(scale, RoundingMode::HalfUp)
}

/// `exp(numeric)` with its scale.
pub fn exp(value: &BigDecimal) -> Result<(BigDecimal, i64)> {
    let approx = value.to_f64().unwrap_or(f64::MAX).clamp(-1e4, 1e4);
    let weight = (approx * std::f64::consts::LOG10_E).clamp(-2000.0, 2000.0);
    if weight > f64::from(MAX_PRECISION) {
        return Err(overflow());
    }
    let rscale = clamp_scale((MIN_SIG_DIGITS - weight as i64).max(dscale(value)));
    let fixed = Fixed::of(value, working_scale(rscale, weight as i64));
    Ok((rounded(&exp_fixed(&fixed).to_decimal(), rscale), rscale))
}

fn check_log_argument(value: &BigDecimal) -> Result<()> {
    if value.is_zero() {
        return Err(pg_error(
            SqlState::InvalidArgumentForLog,
            "cannot take logarithm of zero",
        ));
    }
    if value.is_negative() {
        return Err(pg_error(
            SqlState::InvalidArgumentForLog,
            "cannot take logarithm of a negative number",
        ));
    }
    Ok(())
}

fn ln_decimal(value: &BigDecimal, scale: u32) -> Fixed {
    // Bring the value near 1 by a power of ten first: ln(m 10^k) = ln(m) + k ln(10).
    let weight = decimal_weight(value);
    let mantissa = if weight >= 0 {
        value / BigDecimal::from(BigInt::from(10).pow(weight as u32))
    } else {
        value * BigDecimal::from(BigInt::from(10).pow((-weight) as u32))
    };
    let ln_mantissa = ln_fixed(&Fixed::of(&mantissa, scale));
    if weight == 0 {
        return ln_mantissa;
    }
    let ln10 = ln_fixed(&Fixed::of(&BigDecimal::from(10), scale));
    Fixed {
        digits: ln_mantissa.digits + ln10.digits * weight,
        scale,
    }
}

/// `ln(numeric)` with its scale.
pub fn ln(value: &BigDecimal) -> Result<(BigDecimal, i64)> {
    check_log_argument(value)?;
    let rscale = clamp_scale((MIN_SIG_DIGITS - estimate_ln_dweight(value)).max(dscale(value)));
    let fixed = ln_decimal(value, working_scale(rscale, 4));
    Ok((rounded(&fixed.to_decimal(), rscale), rscale))
}

/// `log(base, numeric)` with its scale (`log(numeric)` is base 10).
pub fn log(base: &BigDecimal, value: &BigDecimal) -> Result<(BigDecimal, i64)> {
    check_log_argument(base)?;
    check_log_argument(value)?;
    let result_dweight = estimate_ln_dweight(value) - estimate_ln_dweight(base);
    let rscale = clamp_scale(
        (MIN_SIG_DIGITS - result_dweight)
            .max(dscale(base))
            .max(dscale(value)),
    );
    let scale = working_scale(rscale, result_dweight.max(0) + 4);
    let ln_base = ln_decimal(base, scale);
    if ln_base.is_zero() {
        return Err(pg_error(SqlState::DivisionByZero, "division by zero"));
    }
    let ln_value = ln_decimal(value, scale);
    Ok((
        rounded(&ln_value.div(&ln_base).to_decimal(), rscale),
        rscale,
    ))
}

/// `power(numeric, numeric)` with its scale.
pub fn power(base: &BigDecimal, exponent: &BigDecimal) -> Result<(BigDecimal, i64)> {
    if base.is_zero() && exponent.is_negative() {
        return Err(pg_error(
            SqlState::InvalidArgumentForPowerFunction,
            "zero raised to a negative power is undefined",
        ));
    }
    let integer_exponent = exponent.is_integer();
    if base.is_negative() && !integer_exponent {
        return Err(pg_error(
            SqlState::InvalidArgumentForPowerFunction,
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    if integer_exponent {
        if let Some(n) = exponent.to_i64().filter(|n| i32::try_from(*n).is_ok()) {
            let rscale = clamp_scale(MIN_SIG_DIGITS.max(dscale(base)));
            if n == 0 {
                return Ok((BigDecimal::from(1), rscale));
            }
            if base.is_zero() {
                return Ok((BigDecimal::zero(), rscale));
            }
            let magnitude = n.unsigned_abs();
            let weight = decimal_weight(base) as f64 * magnitude as f64;
            if weight > f64::from(MAX_PRECISION) + 1.0 {
                return Err(overflow());
            }
            if n > 0 {
                let exact = base.powi(magnitude as i64);
                return Ok((rounded(&exact, rscale), rscale));
            }
            if -weight > f64::from(MAX_PRECISION) + 20.0 {
                return Ok((BigDecimal::zero(), rscale));
            }
            let exact = base.powi(magnitude as i64);
            let scale = working_scale(rscale, 0).max(dscale(&exact) as u32 + 24);
            let inverse = Fixed::one(scale).div(&Fixed::of(&exact, scale));
            return Ok((rounded(&inverse.to_decimal(), rscale), rscale));
        }
    }
    if base.is_zero() {
        return Ok((BigDecimal::zero(), MIN_SIG_DIGITS));
    }
    let approx = base.to_f64().unwrap_or(f64::MAX).ln() * exponent.to_f64().unwrap_or(f64::MAX);
    if approx.abs() > 1000.0 * 3.01 {
        if approx > 0.0 {
            return Err(overflow());
        }
        return Ok((BigDecimal::zero(), 1000));
    }
    let weight = approx * std::f64::consts::LOG10_E;
    if weight > f64::from(MAX_PRECISION) {
        return Err(overflow());
    }
    let rscale = clamp_scale(
        (MIN_SIG_DIGITS - weight as i64)
            .max(dscale(base))
            .max(dscale(exponent)),
    );
    let scale = working_scale(rscale, weight as i64) + 8;
    let ln_base = ln_decimal(base, scale);
    let product = ln_base.mul(&Fixed::of(exponent, scale));
    Ok((rounded(&exp_fixed(&product).to_decimal(), rscale), rscale))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(text: &str) -> BigDecimal {
        BigDecimal::from_str(text).unwrap()
    }

    fn text(result: Result<(BigDecimal, i64)>) -> String {
        let (value, scale) = result.unwrap();
        super::super::number_format::decimal_text(&value.with_scale(scale))
    }

    /// Quotients and scales from PostgreSQL 15 (`SELECT a / b`).
    #[test]
    fn division_as_postgres() {
        let quotient = |a: &str, b: &str| {
            super::super::number_format::decimal_text(&divide(&d(a), &d(b)).unwrap())
        };
        assert_eq!(quotient("7.0", "2"), "3.5000000000000000");
        assert_eq!(quotient("1", "3"), "0.33333333333333333333");
        assert_eq!(quotient("2", "3"), "0.66666666666666666667");
        assert_eq!(quotient("10", "4"), "2.5000000000000000");
        assert_eq!(quotient("2", "3.0"), "0.66666666666666666667");
        assert_eq!(quotient("100", "7.000"), "14.2857142857142857");
        assert_eq!(quotient("120000.00", "12"), "10000.0000000000000000");
        assert_eq!(quotient("1440000.00", "100"), "14400.000000000000");
        assert_eq!(quotient("0.000000", "3"), "0.00000000000000000000");
        assert_eq!(
            quotient("12000000.00", "100843283.19"),
            "0.11899652233050227805"
        );
        assert_eq!(quotient("-2", "3"), "-0.66666666666666666667");
        assert_eq!(quotient("-0.0000001", "3"), "-0.000000033333333333333333");
        assert_eq!(quotient("1", "-7"), "-0.14285714285714285714");
        assert_eq!(quotient("0.5", "0.5"), "1.00000000000000000000");
        assert_eq!(
            quotient("99999999999999.999999", "7"),
            "14285714285714.285714"
        );
        assert_eq!(divide(&d("1"), &d("0.00")), None);
    }

    /// Expectations from PostgreSQL 15.
    #[test]
    fn transcendental_functions_as_postgres() {
        assert_eq!(text(sqrt(&d("2"))), "1.414213562373095");
        assert_eq!(text(sqrt(&d("16"))), "4.000000000000000");
        assert_eq!(text(sqrt(&d("2.0"))), "1.414213562373095");
        assert_eq!(text(sqrt(&d("0.0001"))), "0.01000000000000000");
        assert_eq!(text(sqrt(&d("1000000.0"))), "1000.0000000000000");
        assert_eq!(text(sqrt(&d("123456789.123456789"))), "11111.11106611111");
        assert_eq!(text(exp(&d("1.0"))), "2.7182818284590452");
        assert_eq!(text(exp(&d("0.0"))), "1.0000000000000000");
        assert_eq!(text(exp(&d("2.5"))), "12.182493960703473");
        assert_eq!(text(exp(&d("10.0"))), "22026.465794806717");
        assert_eq!(text(exp(&d("-1.0"))), "0.3678794411714423");
        assert_eq!(text(ln(&d("10"))), "2.3025850929940457");
        assert_eq!(text(ln(&d("2.0"))), "0.6931471805599453");
        assert_eq!(text(ln(&d("1.0"))), "0.0000000000000000");
        assert_eq!(text(ln(&d("0.001"))), "-6.9077552789821371");
        assert_eq!(text(log(&d("10"), &d("100.0"))), "2.0000000000000000");
        assert_eq!(text(log(&d("10"), &d("1000.0"))), "3.0000000000000000");
        assert_eq!(text(log(&d("10"), &d("0.5"))), "-0.3010299956639812");
        assert_eq!(text(log(&d("2.0"), &d("8.0"))), "3.0000000000000000");
        assert_eq!(text(log(&d("2"), &d("1024.0"))), "10.0000000000000000");
        assert_eq!(text(power(&d("2.0"), &d("3"))), "8.0000000000000000");
        assert_eq!(text(power(&d("2.0"), &d("-2"))), "0.2500000000000000");
        assert_eq!(text(power(&d("2"), &d("0.5"))), "1.4142135623730950");
        assert_eq!(text(power(&d("1.5"), &d("2.5"))), "2.7556759606310754");
        assert_eq!(text(power(&d("2.5"), &d("2"))), "6.2500000000000000");
        assert_eq!(
            text(power(&d("10.0"), &d("20"))),
            "100000000000000000000.0000000000000000"
        );
    }

    #[test]
    fn domain_errors_as_postgres() {
        let code = |r: Result<(BigDecimal, i64)>| {
            crate::PgError::from_datafusion(&r.unwrap_err())
                .code
                .to_string()
        };
        assert_eq!(code(ln(&d("0.0"))), "2201E");
        assert_eq!(code(sqrt(&d("-1.0"))), "2201F");
        assert_eq!(code(power(&d("0.0"), &d("-1"))), "2201F");
        assert_eq!(code(power(&d("-8"), &d("0.3333"))), "2201F");
    }

    #[test]
    fn scales() {
        assert_eq!(min_scale(&d("1.500")), 1);
        assert_eq!(dscale(&d("1.500")), 3);
        assert_eq!(min_scale(&d("100")), 0);
        assert_eq!(decimal_weight(&d("0.05")), -2);
    }
}
