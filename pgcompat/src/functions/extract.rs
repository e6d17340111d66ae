//! `extract(field FROM x)` for the fields DataFusion's `date_part` gets wrong or lacks, as
//! PostgreSQL 14+ computes them: the fields with fractions are `numeric` with a fixed scale
//! (`second` 6, `milliseconds` 3, `microseconds` 0, `epoch` 6, or 0 for a date), where
//! `date_part` drops the fraction (`second`) or answers a double (`epoch`); `decade`,
//! `century`, `millennium`, `julian` (of a date) and `timezone`, `timezone_hour`,
//! `timezone_minute` (of a timestamptz, in the session's zone) are whole numbers.
//! `crate::rewrite::pg_syntax` calls it as `extract('second', x)` (PostgreSQL's own
//! `pg_catalog.extract`). Timestamps with time zone are read on the session's clock.

use datafusion::arrow::datatypes::{DataType, FieldRef, TimeUnit};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::{interval_value, timestamp_value_micros, Zone};
use super::{is_string, no_such_function, pg_error, text_of, Eval, PgFunction};

/// The fields `pg_syntax` sends here: those with fractions and the whole-number ones
/// DataFusion's `date_part` lacks.
pub(crate) const FIELDS: &[&str] = &[
    "second",
    "milliseconds",
    "microseconds",
    "epoch",
    "decade",
    "century",
    "millennium",
    "julian",
    "timezone",
    "timezone_hour",
    "timezone_minute",
];

const PRECISION: u8 = 38;

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![PgFunction::new(
        "extract",
        coerce,
        returns,
        Eval::Zoned {
            strict: true,
            row: extract_row,
        },
    )]
}

fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            t if i == 1 && is_string(t) => DataType::Timestamp(TimeUnit::Microsecond, None),
            t => t.clone(),
        })
        .collect())
}

fn field_of(args: &[Option<&ScalarValue>]) -> Option<String> {
    args.first()
        .copied()
        .flatten()
        .and_then(text_of)
        .map(str::to_ascii_lowercase)
}

/// The scale of the result: 6 for seconds and epochs, 3 for milliseconds, 0 for
/// microseconds and the epoch of a date.
fn scale(field: &str, value_type: &DataType) -> Option<i8> {
    match (field, value_type) {
        ("epoch", DataType::Date32) => Some(0),
        ("second" | "epoch", _) => Some(6),
        ("milliseconds", _) => Some(3),
        ("microseconds", _) => Some(0),
        (f, _) if FIELDS.contains(&f) => Some(0),
        _ => None,
    }
}

fn returns(fields: &[FieldRef], scalars: &[Option<&ScalarValue>]) -> Result<DataType> {
    let unsupported = || no_such_function("extract", fields);
    let [_, value] = fields else {
        return Err(unsupported());
    };
    let field = field_of(scalars).ok_or_else(unsupported)?;
    let scale = scale(&field, value.data_type()).ok_or_else(unsupported)?;
    let not_supported = |type_name: &str| {
        Err(pg_error(
            SqlState::FeatureNotSupported,
            format!("unit \"{field}\" not supported for type {type_name}"),
        ))
    };
    match (field.as_str(), value.data_type()) {
        ("timezone" | "timezone_hour" | "timezone_minute", DataType::Timestamp(_, None)) => {
            return not_supported("timestamp without time zone")
        }
        ("timezone" | "timezone_hour" | "timezone_minute", DataType::Date32) => {
            return not_supported("date")
        }
        ("julian", DataType::Timestamp(_, None)) => {
            return not_supported("timestamp without time zone")
        }
        ("julian", DataType::Timestamp(_, Some(_))) => {
            return not_supported("timestamp with time zone")
        }
        _ => {}
    }
    match value.data_type() {
        DataType::Date32
            if !matches!(
                field.as_str(),
                "epoch" | "decade" | "century" | "millennium" | "julian"
            ) =>
        {
            Err(pg_error(
                SqlState::FeatureNotSupported,
                format!("unit \"{field}\" not supported for type date"),
            ))
        }
        DataType::Date32
        | DataType::Timestamp(_, _)
        | DataType::Time64(_)
        | DataType::Interval(_)
        | DataType::Duration(_)
        | DataType::Null => Ok(DataType::Decimal128(PRECISION, scale)),
        _ => Err(unsupported()),
    }
}

fn extract_row(args: &[ScalarValue], _: &DataType, zone: &Zone) -> Result<ScalarValue> {
    let field = text_of(&args[0]).unwrap_or_default().to_ascii_lowercase();
    let value = &args[1];
    let Some(scale) = scale(&field, &value.data_type()) else {
        return Ok(ScalarValue::Null);
    };
    if let Some(whole) = whole_field(&field, value, zone) {
        return Ok(whole.map_or(ScalarValue::Null, |v| {
            ScalarValue::Decimal128(Some(i128::from(v)), PRECISION, 0)
        }));
    }
    let Some(micros) = field_micros(&field, value, zone) else {
        return Ok(ScalarValue::Null);
    };
    // Seconds (scale 6), milliseconds (scale 3) and microseconds (scale 0) of `micros`
    // are all `micros` unscaled; the epoch of a date is whole seconds.
    let unscaled = match (field.as_str(), scale) {
        ("epoch", 0) => i128::from(micros) / 1_000_000,
        _ => i128::from(micros),
    };
    Ok(ScalarValue::Decimal128(Some(unscaled), PRECISION, scale))
}

/// The value of a whole-number field (`Some(None)` for NULL), `None` for the others.
fn whole_field(field: &str, value: &ScalarValue, zone: &Zone) -> Option<Option<i64>> {
    use super::calendar::{date2j, Tm};
    if !matches!(
        field,
        "decade"
            | "century"
            | "millennium"
            | "julian"
            | "timezone"
            | "timezone_hour"
            | "timezone_minute"
    ) {
        return None;
    }
    if let Some((months, _, _)) = interval_value(value) {
        let years = months / 12;
        return Some(match field {
            "decade" => Some(years / 10),
            "century" => Some(years / 100),
            "millennium" => Some(years / 1000),
            _ => None,
        });
    }
    let zoned = matches!(
        value,
        ScalarValue::TimestampSecond(_, Some(_))
            | ScalarValue::TimestampMillisecond(_, Some(_))
            | ScalarValue::TimestampMicrosecond(_, Some(_))
            | ScalarValue::TimestampNanosecond(_, Some(_))
    );
    let micros = timestamp_value_micros(value)?;
    let tm = if zoned {
        Tm::from_timestamptz(micros, zone)
    } else {
        Tm::from_timestamp(micros)
    };
    let year = tm.year;
    Some(Some(match field {
        "decade" if year >= 0 => year / 10,
        "decade" => -((8 - (year - 1)) / 10),
        "century" if year > 0 => (year + 99) / 100,
        "century" => -((99 - (year - 1)) / 100),
        "millennium" if year > 0 => (year + 999) / 1000,
        "millennium" => -((999 - (year - 1)) / 1000),
        "julian" => date2j(tm.year, tm.mon, tm.mday),
        "timezone" => tm.gmtoff,
        "timezone_hour" => tm.gmtoff / 3600,
        _ => tm.gmtoff / 60 % 60,
    }))
}

/// The field's value in microseconds: the seconds of the minute (with fraction) for
/// `second`/`milliseconds`/`microseconds`, the seconds since 1970 for `epoch`.
fn field_micros(field: &str, value: &ScalarValue, zone: &Zone) -> Option<i64> {
    const USECS_PER_MINUTE: i64 = 60_000_000;
    if let Some((months, days, time)) = interval_value(value) {
        return Some(match field {
            // PostgreSQL counts a year as 365.25 days and a month as 30.
            "epoch" => {
                let days = 365.25 * (months / 12) as f64 + (30 * (months % 12) + days) as f64;
                (days * 86_400.0) as i64 * 1_000_000 + time
            }
            _ => time % USECS_PER_MINUTE,
        });
    }
    let (micros, zoned) = match value {
        ScalarValue::Time64Microsecond(v) => ((*v)?, false),
        ScalarValue::Time64Nanosecond(v) => ((*v)? / 1000, false),
        ScalarValue::TimestampSecond(_, tz)
        | ScalarValue::TimestampMillisecond(_, tz)
        | ScalarValue::TimestampMicrosecond(_, tz)
        | ScalarValue::TimestampNanosecond(_, tz) => (timestamp_value_micros(value)?, tz.is_some()),
        ScalarValue::Date32(_) => (timestamp_value_micros(value)?, false),
        _ => return None,
    };
    Some(match field {
        "epoch" => micros,
        _ if zoned => zone.to_local(micros).rem_euclid(USECS_PER_MINUTE),
        _ => micros.rem_euclid(USECS_PER_MINUTE),
    })
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::row;

    /// Expectations from PostgreSQL 15.
    #[tokio::test]
    async fn fractional_fields_like_postgres() {
        let values = row("SELECT extract('second', TIME '13:45:01.5'), \
             extract('milliseconds', TIMESTAMP '2024-01-01 00:00:01.5'), \
             extract('microseconds', INTERVAL '1 day 2.5 seconds'), \
             extract('epoch', INTERVAL '1 year 1 month'), \
             extract('epoch', TIMESTAMPTZ '2024-01-01 00:00:00+00'), \
             extract('second', INTERVAL '-1.5 seconds'), \
             extract('epoch', DATE '1970-01-02'), \
             extract('century', DATE '2000-12-31'), extract('millennium', DATE '2001-01-01'), \
             extract('decade', DATE '1999-12-31'), extract('julian', DATE '2024-02-29'), \
             extract('timezone_hour', TIMESTAMPTZ '2024-07-01 00:00:00+00'), \
             extract('century', INTERVAL '250 years')")
        .await
        .unwrap();
        assert_eq!(
            values,
            vec![
                "1.500000",
                "1500.000",
                "2500000",
                "34149600.000000",
                "1704067200.000000",
                "-1.500000",
                "86400",
                "20",
                "3",
                "199",
                "2460370",
                "0",
                "2"
            ]
        );
    }
}
