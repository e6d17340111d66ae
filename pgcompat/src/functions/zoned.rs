//! Conversions between instants (`timestamptz`) and wall-clock times (`timestamp`, `date`)
//! in a time zone, as PostgreSQL makes them, and the helpers the session's time rule
//! (`crate::session_time`) plans casts and comparisons with:
//!
//! - `timezone(zone, x)`, the function behind `x AT TIME ZONE zone`: a `timestamptz` gives
//!   the wall-clock `timestamp` in `zone`, a `timestamp` is read as a wall-clock time in
//!   `zone` and gives the `timestamptz`. A zone is an IANA name or abbreviation (any case)
//!   or a POSIX offset (`+05` is five hours *west* of Greenwich, as in PostgreSQL).
//! - `pg_session_timestamptz(x)`: a `timestamp` or `date` read in the session's `TimeZone`
//!   (the cast `timestamp -> timestamptz`); a local time in a gap is read with the offset
//!   before the change, an ambiguous one as the later reading, as PostgreSQL does.
//! - `pg_session_local(x)`: the wall-clock time of a `timestamptz` in the session's zone
//!   (the casts to `timestamp`, `date` and `time`).
//! - `pg_interval_key(x)`: an interval as PostgreSQL compares it, months as 30 days and
//!   days as 24 hours, in microseconds (`interval '1 day' = interval '24 hours'`).

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::{
    interval_value, timestamp_scalar, timestamp_value_micros, timestamptz_scalar, Zone,
    USECS_PER_DAY,
};
use super::{
    is_string, no_such_function, pg_error, text_of, timestamp_type, timestamptz_type, Eval,
    PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    let zoned = |name, coerce, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Zoned { strict: true, row })
    };
    vec![
        zoned("timezone", coerce_timezone, timezone_returns, timezone_row),
        zoned(
            "pg_session_timestamptz",
            coerce_keep,
            |_, _| Ok(timestamptz_type()),
            session_timestamptz_row,
        ),
        zoned(
            "pg_session_local",
            coerce_keep,
            |_, _| Ok(timestamp_type()),
            session_local_row,
        ),
        PgFunction::new(
            "pg_interval_key",
            coerce_keep,
            |_, _| Ok(DataType::Decimal128(38, 0)),
            Eval::Rows {
                strict: true,
                row: interval_key_row,
            },
        ),
    ]
}

fn coerce_keep(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types.to_vec())
}

/// The zone as text; an untyped string value is a `timestamptz`, as PostgreSQL resolves it.
fn coerce_timezone(types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [zone, value] => Ok(vec![
            if is_string(zone) {
                zone.clone()
            } else {
                DataType::Utf8
            },
            if is_string(value) {
                timestamptz_type()
            } else {
                value.clone()
            },
        ]),
        _ => Ok(types.to_vec()),
    }
}

fn timezone_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields.get(1).map(|f| f.data_type()) {
        Some(DataType::Timestamp(_, Some(_)) | DataType::Date32 | DataType::Null)
            if fields.len() == 2 =>
        {
            Ok(timestamp_type())
        }
        Some(DataType::Timestamp(_, None)) if fields.len() == 2 => Ok(timestamptz_type()),
        _ => Err(no_such_function("timezone", fields)),
    }
}

fn timezone_row(args: &[ScalarValue], _: &DataType, session: &Zone) -> Result<ScalarValue> {
    let zone = posix_zone(text_of(&args[0]).unwrap_or_default())?;
    let Some(micros) = timestamp_value_micros(&args[1]) else {
        return Ok(ScalarValue::Null);
    };
    Ok(match &args[1] {
        ScalarValue::Date32(_) => timestamp_scalar(zone.to_local(session.to_utc(micros))),
        value if has_zone(value) => timestamp_scalar(zone.to_local(micros)),
        _ => timestamptz_scalar(zone.to_utc(micros)),
    })
}

fn session_timestamptz_row(
    args: &[ScalarValue],
    _: &DataType,
    session: &Zone,
) -> Result<ScalarValue> {
    match timestamp_value_micros(&args[0]) {
        Some(micros) if has_zone(&args[0]) => Ok(timestamptz_scalar(micros)),
        Some(local) => Ok(timestamptz_scalar(session.to_utc(local))),
        None => Ok(ScalarValue::Null),
    }
}

fn session_local_row(args: &[ScalarValue], _: &DataType, session: &Zone) -> Result<ScalarValue> {
    match timestamp_value_micros(&args[0]) {
        Some(micros) if has_zone(&args[0]) => Ok(timestamp_scalar(session.to_local(micros))),
        Some(local) => Ok(timestamp_scalar(local)),
        None => Ok(ScalarValue::Null),
    }
}

fn interval_key_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some((months, days, micros)) = interval_value(&args[0]) else {
        return Ok(ScalarValue::Null);
    };
    let key = (i128::from(months) * 30 + i128::from(days)) * i128::from(USECS_PER_DAY)
        + i128::from(micros);
    Ok(ScalarValue::Decimal128(Some(key), 38, 0))
}

fn has_zone(value: &ScalarValue) -> bool {
    matches!(
        value,
        ScalarValue::TimestampSecond(_, Some(_))
            | ScalarValue::TimestampMillisecond(_, Some(_))
            | ScalarValue::TimestampMicrosecond(_, Some(_))
            | ScalarValue::TimestampNanosecond(_, Some(_))
    )
}

/// A zone as `AT TIME ZONE` reads it: a numeric offset in POSIX sign (`+05` is UTC-5), or a
/// zone name or abbreviation in any case.
pub(crate) fn posix_zone(name: &str) -> Result<Zone> {
    let trimmed = name.trim();
    if let Some(seconds) = offset_seconds(trimmed) {
        return Ok(Zone::Fixed(-seconds));
    }
    Zone::named(trimmed).ok_or_else(|| {
        pg_error(
            SqlState::InvalidParameterValue,
            format!("time zone \"{name}\" not recognized"),
        )
    })
}

/// `+05`, `-3`, `+05:30`, `5` as seconds in the sign written.
fn offset_seconds(text: &str) -> Option<i64> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        b'0'..=b'9' => (1, text),
        _ => return None,
    };
    let mut parts = rest.split(':');
    let hours: i64 = parts.next()?.parse().ok()?;
    let minutes: i64 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let seconds: i64 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    if parts.next().is_some() || hours > 15 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::row_in;

    /// Expectations from PostgreSQL 15.
    #[tokio::test]
    async fn at_time_zone_like_postgres() {
        let row = row_in(
            "America/New_York",
            "SELECT timezone('Asia/Tokyo', TIMESTAMPTZ '2024-02-29 13:45:00+00'), \
             timezone('+05', TIMESTAMPTZ '2024-01-01 12:00:00+00'), \
             timezone('UTC', TIMESTAMP '2024-06-01 12:00:00'), \
             pg_session_timestamptz(TIMESTAMP '2024-03-10 02:30:00'), \
             pg_session_local(TIMESTAMPTZ '2024-02-29 03:00:00+00'), \
             pg_interval_key(INTERVAL '1 month') = pg_interval_key(INTERVAL '30 days')",
        )
        .await
        .unwrap();
        assert_eq!(
            row,
            vec![
                "2024-02-29T22:45:00",
                "2024-01-01T07:00:00",
                "2024-06-01T12:00:00Z",
                "2024-03-10T07:30:00Z",
                "2024-02-28T22:00:00",
                "true"
            ]
        );
    }
}
