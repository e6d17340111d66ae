//! `interval * number`, `number * interval` and `interval / number`, which DataFusion does
//! not plan, as PostgreSQL's `interval_mul` and `interval_div` compute them: each field is
//! multiplied (divided) on its own and the fractions cascade down, a month as 30 days and
//! a day as 24 hours, rounded to microseconds (`interval '1 month' * 1.5` is
//! `1 mon 15 days`). `crate::session_time::IntervalArithmetic` plans the operators as
//! calls of `pg_interval_mul` and `pg_interval_div`.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::{interval_scalar, interval_value};
use super::{float_of, interval_type, pg_error, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, row| {
        PgFunction::new(
            name,
            coerce,
            |_, _| Ok(interval_type()),
            Eval::Rows { strict: true, row },
        )
    };
    vec![f("pg_interval_mul", mul_row), f("pg_interval_div", div_row)]
}

fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(match types {
        [interval, _] => vec![interval.clone(), DataType::Float64],
        other => other.to_vec(),
    })
}

const DAYS_PER_MONTH: f64 = 30.0;
const SECS_PER_DAY: f64 = 86_400.0;

/// PostgreSQL's `TSROUND`: a value rounded to microseconds.
fn ts_round(value: f64) -> f64 {
    (value * 1e6).round_ties_even() / 1e6
}

fn fields(args: &[ScalarValue]) -> Option<((i64, i64, i64), f64)> {
    Some((interval_value(&args[0])?, float_of(&args[1])?))
}

fn mul_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some(((months, days, time), factor)) = fields(args) else {
        return Ok(ScalarValue::Null);
    };
    let scaled = |v: i64| v as f64 * factor;
    cascade(scaled(months), scaled(days), time as f64 * factor)
}

fn div_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some(((months, days, time), factor)) = fields(args) else {
        return Ok(ScalarValue::Null);
    };
    if factor == 0.0 {
        return Err(pg_error(SqlState::DivisionByZero, "division by zero"));
    }
    let scaled = |v: i64| v as f64 / factor;
    cascade(scaled(months), scaled(days), time as f64 / factor)
}

/// The interval of fractional `months` and `days` and `time` microseconds, the fractions
/// moved down to days and seconds as PostgreSQL does.
fn cascade(months: f64, days: f64, time: f64) -> Result<ScalarValue> {
    let out_of_range = || pg_error(SqlState::DatetimeFieldOverflow, "interval out of range");
    if !months.is_finite() || !days.is_finite() || !time.is_finite() {
        return Err(out_of_range());
    }
    let whole_months = months.trunc();
    let mut whole_days = days.trunc();
    let month_remainder_days = ts_round((months - whole_months) * DAYS_PER_MONTH);
    let mut sec_remainder = ts_round(
        (days - whole_days + month_remainder_days - month_remainder_days.trunc()) * SECS_PER_DAY,
    );
    if sec_remainder.abs() >= SECS_PER_DAY {
        let extra = (sec_remainder / SECS_PER_DAY).trunc();
        whole_days += extra;
        sec_remainder -= extra * SECS_PER_DAY;
    }
    whole_days += month_remainder_days.trunc();
    let micros = (time + sec_remainder * 1e6).round_ties_even();
    if whole_months.abs() > f64::from(i32::MAX)
        || whole_days.abs() > f64::from(i32::MAX)
        || micros.abs() >= 9.2e18
    {
        return Err(out_of_range());
    }
    interval_scalar(whole_months as i64, whole_days as i64, micros as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::calendar::USECS_PER_HOUR;

    fn apply(
        row: fn(&[ScalarValue], &DataType) -> Result<ScalarValue>,
        interval: (i64, i64, i64),
        factor: f64,
    ) -> (i64, i64, i64) {
        let args = [
            interval_scalar(interval.0, interval.1, interval.2).unwrap(),
            ScalarValue::Float64(Some(factor)),
        ];
        interval_value(&row(&args, &interval_type()).unwrap()).unwrap()
    }

    /// Expectations from PostgreSQL 15 (`interval * number`, `interval / number`).
    #[test]
    fn like_postgres() {
        let h = USECS_PER_HOUR;
        assert_eq!(apply(mul_row, (0, 1, 2 * h), 2.0), (0, 2, 4 * h));
        assert_eq!(apply(mul_row, (1, 0, 0), 1.5), (1, 15, 0));
        assert_eq!(apply(div_row, (0, 0, 3 * h), 2.0), (0, 0, 3 * h / 2));
        // 4 days 06:51:25.6896
        assert_eq!(apply(div_row, (1, 0, 0), 7.0), (0, 4, 24_685_689_600));
        // 07:59:57.12
        assert_eq!(apply(mul_row, (0, 1, 0), 0.3333), (0, 0, 28_797_120_000));
        // 2 mons 13 days -12:00:00
        assert_eq!(apply(mul_row, (-1, 1, 0), -2.5), (2, 13, -12 * h));
        let zero = [
            interval_scalar(0, 1, 0).unwrap(),
            ScalarValue::Float64(Some(0.0)),
        ];
        assert!(div_row(&zero, &interval_type()).is_err());
    }
}
