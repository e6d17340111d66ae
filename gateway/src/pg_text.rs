//! PostgreSQL's text output for the types whose default encoding differs from it.
//!
//! Clients compare and parse these strings, so they must be byte-for-byte what PostgreSQL
//! prints (with `TimeZone = UTC`, `DateStyle = ISO`, `IntervalStyle = postgres`,
//! `extra_float_digits = 1`): shortest round-trip floats with PostgreSQL's exponent rule and
//! `Infinity`/`NaN`; times and timestamps without trailing fractional zeros, `BC` years;
//! intervals in PostgreSQL's `1 year 2 mons -3 days +04:05:06.5` form. Columns sent in text
//! format are converted to strings before encoding; binary format is left to the encoder.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::datatypes::{
    DataType, Float32Type, Float64Type, IntervalMonthDayNanoType, IntervalUnit, Schema,
    Time64MicrosecondType, Time64NanosecondType, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use pgwire::api::results::{FieldFormat, FieldInfo};

/// Replaces text-format columns of the affected types by PostgreSQL-formatted strings.
pub fn to_postgres_text(
    batch: RecordBatch,
    fields: &[FieldInfo],
) -> Result<RecordBatch, ArrowError> {
    let schema = batch.schema();
    let needs = schema
        .fields()
        .iter()
        .zip(fields)
        .any(|(f, info)| info.format() == FieldFormat::Text && converts(f.data_type()));
    if !needs {
        return Ok(batch);
    }
    let mut columns = Vec::with_capacity(batch.num_columns());
    let mut out_fields = Vec::with_capacity(batch.num_columns());
    for ((field, column), info) in schema.fields().iter().zip(batch.columns()).zip(fields) {
        if info.format() == FieldFormat::Text && converts(field.data_type()) {
            columns.push(format_column(column)?);
            out_fields.push(Arc::new(
                field.as_ref().clone().with_data_type(DataType::Utf8),
            ));
        } else {
            columns.push(column.clone());
            out_fields.push(field.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(out_fields)), columns)
}

fn converts(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Float32
            | DataType::Float64
            | DataType::Time64(_)
            | DataType::Timestamp(_, _)
            | DataType::Interval(IntervalUnit::MonthDayNano)
    )
}

fn format_column(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let strings: StringArray = match column.data_type() {
        DataType::Float32 => map(column.as_primitive::<Float32Type>(), |v| {
            format_float(f64::from(v), v.to_string(), format!("{v:e}"), 6)
        }),
        DataType::Float64 => map(column.as_primitive::<Float64Type>(), |v| {
            format_float(v, v.to_string(), format!("{v:e}"), 15)
        }),
        DataType::Time64(TimeUnit::Microsecond) => map(
            column.as_primitive::<Time64MicrosecondType>(),
            format_time_micros,
        ),
        DataType::Time64(TimeUnit::Nanosecond) => {
            map(column.as_primitive::<Time64NanosecondType>(), |v| {
                format_time_micros(v / 1000)
            })
        }
        DataType::Timestamp(unit, tz) => {
            let with_zone = tz.is_some();
            let micros: Vec<Option<i64>> = match unit {
                TimeUnit::Second => collect(column.as_primitive::<TimestampSecondType>(), |v| {
                    v.checked_mul(1_000_000)
                }),
                TimeUnit::Millisecond => {
                    collect(column.as_primitive::<TimestampMillisecondType>(), |v| {
                        v.checked_mul(1000)
                    })
                }
                TimeUnit::Microsecond => {
                    collect(column.as_primitive::<TimestampMicrosecondType>(), Some)
                }
                TimeUnit::Nanosecond => {
                    collect(column.as_primitive::<TimestampNanosecondType>(), |v| {
                        Some(v.div_euclid(1000))
                    })
                }
            };
            micros
                .into_iter()
                .map(|m| m.map(|m| format_timestamp_micros(m, with_zone)))
                .collect()
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            map(column.as_primitive::<IntervalMonthDayNanoType>(), |v| {
                format_interval(v.months, v.days, v.nanoseconds / 1000)
            })
        }
        other => {
            return Err(ArrowError::NotYetImplemented(format!(
                "text output of {other}"
            )));
        }
    };
    Ok(Arc::new(strings))
}

fn map<T, F>(array: &datafusion::arrow::array::PrimitiveArray<T>, f: F) -> StringArray
where
    T: datafusion::arrow::datatypes::ArrowPrimitiveType,
    F: Fn(T::Native) -> String,
{
    array.iter().map(|v| v.map(&f)).collect()
}

fn collect<T, F>(array: &datafusion::arrow::array::PrimitiveArray<T>, f: F) -> Vec<Option<i64>>
where
    T: datafusion::arrow::datatypes::ArrowPrimitiveType<Native = i64>,
    F: Fn(i64) -> Option<i64>,
{
    array.iter().map(|v| v.and_then(&f)).collect()
}

/// PostgreSQL's float output: shortest round-trip digits, scientific notation when the
/// decimal exponent is below -4 or at least `precision` (6 for real, 15 for double).
fn format_float(value: f64, plain: String, scientific: String, precision: i32) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return plain;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if value != 0.0 && (exponent < -4 || exponent >= precision) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        plain
    }
}

/// `HH:MM:SS[.ffffff]` without trailing zeros.
fn format_time_micros(micros: i64) -> String {
    let total_seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    let (h, m, s) = (
        total_seconds / 3600,
        (total_seconds / 60) % 60,
        total_seconds % 60,
    );
    format!("{h:02}:{m:02}:{s:02}{}", fraction_text(fraction))
}

fn fraction_text(micros: i64) -> String {
    if micros == 0 {
        return String::new();
    }
    let digits = format!("{micros:06}");
    format!(".{}", digits.trim_end_matches('0'))
}

/// `YYYY-MM-DD HH:MM:SS[.f][+00]`, with ` BC` for years before 1.
fn format_timestamp_micros(micros: i64, with_zone: bool) -> String {
    use datafusion::arrow::temporal_conversions::timestamp_us_to_datetime;
    let Some(datetime) = timestamp_us_to_datetime(micros) else {
        return micros.to_string();
    };
    let fraction = micros.rem_euclid(1_000_000);
    let year: i32 = datetime.format("%Y").to_string().parse().unwrap_or(1);
    let (shown_year, era) = if year <= 0 {
        (1 - year, " BC")
    } else {
        (year, "")
    };
    let zone = if with_zone { "+00" } else { "" };
    format!(
        "{shown_year:04}-{}{}{zone}{era}",
        datetime.format("%m-%d %H:%M:%S"),
        fraction_text(fraction)
    )
}

/// PostgreSQL's `IntervalStyle = postgres` output.
fn format_interval(months: i32, days: i32, micros: i64) -> String {
    let mut out = String::new();
    let mut is_before = false;
    let mut is_zero = true;
    let years = months / 12;
    let mons = months % 12;
    for (value, unit) in [
        (years as i64, "year"),
        (mons as i64, "mon"),
        (days as i64, "day"),
    ] {
        if value == 0 {
            continue;
        }
        let sign = if is_before && value > 0 { "+" } else { "" };
        let plural = if value == 1 { "" } else { "s" };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{sign}{value} {unit}{plural}"));
        is_before = value < 0;
        is_zero = false;
    }
    if is_zero || micros != 0 {
        let negative = micros < 0;
        let abs = micros.unsigned_abs() as i64;
        let seconds = abs / 1_000_000;
        let fraction = abs % 1_000_000;
        let sign = if negative {
            "-"
        } else if is_before {
            "+"
        } else {
            ""
        };
        if !is_zero {
            out.push(' ');
        }
        out.push_str(&format!(
            "{sign}{:02}:{:02}:{:02}{}",
            seconds / 3600,
            (seconds / 60) % 60,
            seconds % 60,
            fraction_text(fraction)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f8(v: f64) -> String {
        format_float(v, v.to_string(), format!("{v:e}"), 15)
    }

    fn f4(v: f32) -> String {
        format_float(f64::from(v), v.to_string(), format!("{v:e}"), 6)
    }

    #[test]
    fn floats_like_postgres() {
        assert_eq!(f8(1e20), "1e+20");
        assert_eq!(f8(1e15), "1e+15");
        assert_eq!(f8(123456789012345.6), "123456789012345.6");
        assert_eq!(f8(1e-5), "1e-05");
        assert_eq!(f8(0.0001), "0.0001");
        assert_eq!(f8(1.5e-7), "1.5e-07");
        assert_eq!(f8(-1e300), "-1e+300");
        assert_eq!(f8(f64::INFINITY), "Infinity");
        assert_eq!(f8(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(f8(f64::NAN), "NaN");
        assert_eq!(f8(-0.0), "-0");
        assert_eq!(f8(std::f64::consts::PI), "3.141592653589793");
        assert_eq!(f4(1e20), "1e+20");
        assert_eq!(f4(0.1), "0.1");
        assert_eq!(f4(12345678.9), "1.2345679e+07");
        assert_eq!(f4(1.5), "1.5");
    }

    #[test]
    fn intervals_like_postgres() {
        assert_eq!(
            format_interval(14, 3, 14_706_789_000),
            "1 year 2 mons 3 days 04:05:06.789"
        );
        assert_eq!(format_interval(0, -1, -7_200_000_000), "-1 days -02:00:00");
        assert_eq!(format_interval(-3, 4, 0), "-3 mons +4 days");
        assert_eq!(format_interval(0, 0, 0), "00:00:00");
        assert_eq!(format_interval(0, 0, 360_000_000_000), "100:00:00");
        assert_eq!(format_interval(0, 0, -1_500_000), "-00:00:01.5");
        assert_eq!(format_interval(1, -1, 0), "1 mon -1 days");
        assert_eq!(format_interval(0, 1, 7_384_000_000), "1 day 02:03:04");
    }

    #[test]
    fn times_and_timestamps_like_postgres() {
        assert_eq!(format_time_micros(43_200_120_000), "12:00:00.12");
        assert_eq!(format_time_micros(86_399_999_999), "23:59:59.999999");
        assert_eq!(
            format_timestamp_micros(1_704_067_200_100_000, true),
            "2024-01-01 00:00:00.1+00"
        );
        assert_eq!(format_timestamp_micros(0, false), "1970-01-01 00:00:00");
        // 0044-03-15 12:00:00 BC is year -43 in the proleptic calendar.
        let bc = format_timestamp_micros(-63_234_561_600_000_000, false);
        assert!(bc.ends_with(" BC") && bc.starts_with("00"), "{bc}");
    }
}
