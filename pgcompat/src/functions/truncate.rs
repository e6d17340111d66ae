//! `date_trunc(unit, x [, zone])` as PostgreSQL computes it, replacing DataFusion's (which
//! knows fewer unit spellings, no decades, centuries or millennia, no intervals and no zone
//! argument):
//!
//! - units in every spelling PostgreSQL reads (`ms`, `milliseconds`, `secs`, `decade`,
//!   `centuries`, `mil`...): its unit table, keys cut to ten characters as its lexer cuts
//!   them;
//! - a `timestamp` is truncated on its own clock; a `timestamptz` on the clock of the
//!   session's `TimeZone`, or of the zone given as the third argument; units of a day and
//!   more are read back in that zone (midnight of a daylight-saving day), smaller units
//!   keep the value's offset, as PostgreSQL's `timestamptz_trunc` does;
//! - an interval is truncated field by field (`date_trunc('day', '3 days 04:05:06')` is
//!   `3 days`); `week` is refused as PostgreSQL refuses it (months have fractional weeks).
//!
//! Centuries and millennia start with year 1 (`date_trunc('century', '2000-12-31')` is
//! `1901-01-01`), and BC years count as PostgreSQL counts them.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::{
    interval_scalar, interval_value, j2day, micros_of, timestamp_micros, timestamp_value_micros,
    Tm, Zone, UNIX_EPOCH_JDATE, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC,
};
use super::zoned::posix_zone;
use super::{
    interval_type, is_string, no_such_function, pg_error, pg_error_detail, text_of,
    timestamptz_type, Eval, PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![PgFunction::new(
        "date_trunc",
        coerce,
        returns,
        Eval::Zoned {
            strict: true,
            row: date_trunc_row,
        },
    )]
}

/// A unit of `date_trunc`, smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
}

/// What PostgreSQL's unit table makes of a unit word: a unit, a field `date_trunc` does not
/// truncate to (`epoch`, `timezone`, `dow`...), or nothing.
#[derive(Debug, PartialEq, Eq)]
enum UnitWord {
    Unit(Unit),
    NotTruncatable,
    Unknown,
}

/// PostgreSQL's `DecodeUnits` of a unit word, lower-cased and cut to ten characters as
/// its lexer cuts tokens.
fn decode_unit(word: &str) -> UnitWord {
    let key: String = word.chars().take(10).collect();
    let unit = match key.as_str() {
        "us" | "usec" | "usecs" | "usecond" | "useconds" | "microsecon" => Unit::Microseconds,
        "ms" | "msec" | "msecs" | "msecond" | "mseconds" | "millisecon" => Unit::Milliseconds,
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "week" | "weeks" => Unit::Week,
        "mon" | "mons" | "month" | "months" => Unit::Month,
        "qtr" | "quarter" => Unit::Quarter,
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        "dec" | "decs" | "decade" | "decades" => Unit::Decade,
        "c" | "cent" | "century" | "centuries" => Unit::Century,
        "mil" | "mils" | "millennia" | "millennium" => Unit::Millennium,
        "epoch" | "timezone" | "tz" | "timezone_h" | "tz_h" | "timezone_m" | "tz_m" | "dow"
        | "doy" | "isodow" | "isoyear" | "j" | "jd" | "julian" => return UnitWord::NotTruncatable,
        _ => return UnitWord::Unknown,
    };
    UnitWord::Unit(unit)
}

/// The unit of a call for the value type named `type_name`, or PostgreSQL's error.
fn unit_for(word: &str, type_name: &str) -> Result<Unit> {
    let lower = word.to_lowercase();
    match decode_unit(&lower) {
        UnitWord::Unit(unit) => Ok(unit),
        UnitWord::NotTruncatable => Err(pg_error(
            SqlState::FeatureNotSupported,
            format!("unit \"{lower}\" not supported for type {type_name}"),
        )),
        UnitWord::Unknown => Err(pg_error(
            SqlState::InvalidParameterValue,
            format!("unit \"{lower}\" not recognized for type {type_name}"),
        )),
    }
}

/// The unit as text; a string value is a `timestamptz`, as PostgreSQL would have to pick.
fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            t if i != 1 && is_string(t) => t.clone(),
            DataType::Null if i != 1 => DataType::Utf8,
            t if i == 1 && (is_string(t) || t == &DataType::Null) => timestamptz_type(),
            DataType::Date32 | DataType::Date64 => timestamptz_type(),
            DataType::Timestamp(_, _) => micros_of(t),
            DataType::Duration(_) => interval_type(),
            t => t.clone(),
        })
        .collect())
}

fn returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let unit_is_text = fields.first().is_some_and(|f| is_string(f.data_type()));
    let zone_is_text = fields.get(2).is_none_or(|f| is_string(f.data_type()));
    match (fields.len(), fields.get(1).map(|f| f.data_type())) {
        (2, Some(t @ DataType::Timestamp(_, _))) if unit_is_text => Ok(micros_of(t)),
        (2, Some(DataType::Interval(_))) if unit_is_text => Ok(interval_type()),
        (3, Some(t @ DataType::Timestamp(_, Some(_)))) if unit_is_text && zone_is_text => {
            Ok(micros_of(t))
        }
        _ => Err(no_such_function("date_trunc", fields)),
    }
}

fn date_trunc_row(
    args: &[ScalarValue],
    return_type: &DataType,
    session: &Zone,
) -> Result<ScalarValue> {
    let word = text_of(&args[0]).unwrap_or_default();
    if let Some((months, days, micros)) = interval_value(&args[1]) {
        let unit = unit_for(word, "interval")?;
        let (months, days, micros) = truncate_interval(unit, months, days, micros)?;
        return interval_scalar(months, days, micros);
    }
    let Some(micros) = timestamp_value_micros(&args[1]) else {
        return Ok(ScalarValue::Null);
    };
    let DataType::Timestamp(_, label) = return_type else {
        return Ok(ScalarValue::Null);
    };
    let result = match label {
        None => truncate_local(unit_for(word, "timestamp without time zone")?, micros),
        Some(_) => {
            let unit = unit_for(word, "timestamp with time zone")?;
            let zone = match args.get(2) {
                Some(name) => posix_zone(text_of(name).unwrap_or_default())?,
                None => session.clone(),
            };
            truncate_instant(unit, micros, &zone)
        }
    };
    Ok(ScalarValue::TimestampMicrosecond(
        Some(result),
        label.clone(),
    ))
}

/// A `timestamptz` truncated on `zone`'s clock: from a day up, the truncated local time is
/// read back in the zone; below, the value's own offset is kept.
fn truncate_instant(unit: Unit, micros: i64, zone: &Zone) -> i64 {
    let offset = zone.at_utc(micros).0 * USECS_PER_SEC;
    let local = truncate_local(unit, micros + offset);
    if unit >= Unit::Day {
        zone.to_utc(local)
    } else {
        local - offset
    }
}

/// A wall-clock time (microseconds since 1970 on its own clock) truncated to `unit`.
fn truncate_local(unit: Unit, micros: i64) -> i64 {
    let time = micros.rem_euclid(USECS_PER_DAY);
    let midnight = micros - time;
    let keep = |step: i64| micros - time.rem_euclid(step);
    match unit {
        Unit::Microseconds => micros,
        Unit::Milliseconds => keep(1000),
        Unit::Second => keep(USECS_PER_SEC),
        Unit::Minute => keep(USECS_PER_MINUTE),
        Unit::Hour => keep(USECS_PER_HOUR),
        Unit::Day => midnight,
        Unit::Week => {
            let jd = micros.div_euclid(USECS_PER_DAY) + UNIX_EPOCH_JDATE;
            let monday = jd - (j2day(jd) + 6) % 7;
            (monday - UNIX_EPOCH_JDATE) * USECS_PER_DAY
        }
        _ => {
            let tm = Tm::from_timestamp(micros);
            let (year, month) = truncate_year_month(unit, tm.year, tm.mon);
            timestamp_micros(year, month, 1, 0)
        }
    }
}

/// The year and month a date truncates to for the units from a month up. Years are
/// astronomical (0 is 1 BC); PostgreSQL's formulas for BC centuries and millennia.
fn truncate_year_month(unit: Unit, year: i64, month: i64) -> (i64, i64) {
    let century_start = |y: i64| {
        if y > 0 {
            (y + 99) / 100 * 100 - 99
        } else {
            -((99 - (y - 1)) / 100) * 100 + 1
        }
    };
    match unit {
        Unit::Month => (year, month),
        Unit::Quarter => (year, 3 * ((month - 1) / 3) + 1),
        Unit::Year => (year, 1),
        Unit::Decade if year > 0 => (year / 10 * 10, 1),
        Unit::Decade => (-((8 - (year - 1)) / 10) * 10, 1),
        Unit::Century => (century_start(year), 1),
        _ => {
            let millennium = if year > 0 {
                (year + 999) / 1000 * 1000 - 999
            } else {
                -((999 - (year - 1)) / 1000) * 1000 + 1
            };
            (century_start(millennium), 1)
        }
    }
}

/// An interval truncated field by field, as PostgreSQL's `interval_trunc`.
fn truncate_interval(unit: Unit, months: i64, days: i64, micros: i64) -> Result<(i64, i64, i64)> {
    let tm = Tm::from_interval(months, days, micros);
    let (mut year, mut mon, mut mday) = (tm.year, tm.mon, tm.mday);
    let (mut hour, mut min, mut sec, mut fsec) = (tm.hour, tm.min, tm.sec, tm.fsec);
    match unit {
        Unit::Week => {
            return Err(pg_error_detail(
                SqlState::FeatureNotSupported,
                "unit \"week\" not supported for type interval",
                "Months usually have fractional weeks.",
            ))
        }
        Unit::Millennium => year = year / 1000 * 1000,
        Unit::Century => year = year / 100 * 100,
        Unit::Decade => year = year / 10 * 10,
        _ => {}
    }
    if unit >= Unit::Year {
        mon = 0;
    }
    if unit == Unit::Quarter {
        mon = 3 * (mon / 3);
    }
    if unit >= Unit::Month {
        mday = 0;
    }
    if unit >= Unit::Day {
        hour = 0;
    }
    if unit >= Unit::Hour {
        min = 0;
    }
    if unit >= Unit::Minute {
        sec = 0;
    }
    if unit >= Unit::Second {
        fsec = 0;
    }
    if unit == Unit::Milliseconds {
        fsec = fsec / 1000 * 1000;
    }
    let time = ((hour * 60 + min) * 60 + sec) * USECS_PER_SEC + fsec;
    Ok((year * 12 + mon, mday, time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::calendar::j2date;
    use crate::functions::test_support::{error, row, row_in};

    /// The date of a timestamp (microseconds since 1970).
    fn date_of(micros: i64) -> (i64, i64, i64) {
        j2date(micros.div_euclid(USECS_PER_DAY) + UNIX_EPOCH_JDATE)
    }

    #[test]
    fn unit_words_as_postgres_reads_them() {
        assert_eq!(
            decode_unit("milliseconds"),
            UnitWord::Unit(Unit::Milliseconds)
        );
        assert_eq!(
            decode_unit("microseconds"),
            UnitWord::Unit(Unit::Microseconds)
        );
        assert_eq!(decode_unit("centuries"), UnitWord::Unit(Unit::Century));
        assert_eq!(decode_unit("epoch"), UnitWord::NotTruncatable);
        assert_eq!(decode_unit("fortnight"), UnitWord::Unknown);
    }

    /// PostgreSQL 15: `date_trunc('millennium', TIMESTAMP '0005-12-31 BC')` is
    /// `1000-01-01 BC`, `'decade'` of it `0011-01-01 BC`, `'century'` of `0105-12-31 BC`
    /// `0200-01-01 BC`, `'century'` of `2000-12-31` `1901-01-01`.
    #[test]
    fn centuries_and_bc_years() {
        let at = |y, m, d| timestamp_micros(y, m, d, 0);
        let year = |unit, micros| date_of(truncate_local(unit, micros)).0;
        assert_eq!(year(Unit::Millennium, at(-4, 12, 31)), -999);
        assert_eq!(year(Unit::Decade, at(-4, 12, 31)), -10);
        assert_eq!(year(Unit::Century, at(-104, 12, 31)), -199);
        assert_eq!(year(Unit::Century, at(2000, 12, 31)), 1901);
        assert_eq!(year(Unit::Millennium, at(2000, 12, 31)), 1001);
        assert_eq!(
            date_of(truncate_local(Unit::Week, at(2024, 2, 29))),
            (2024, 2, 26)
        );
    }

    /// PostgreSQL 15 (TimeZone = America/New_York).
    #[tokio::test]
    async fn date_trunc_like_postgres() {
        let values = row_in(
            "America/New_York",
            "SELECT date_trunc('milliseconds', TIMESTAMP '2024-02-29 13:45:00.123456'), \
             date_trunc('day', TIMESTAMPTZ '2024-02-29 23:45:00-08'), \
             date_trunc('day', TIMESTAMPTZ '2024-02-29 23:45:00-08', 'America/Los_Angeles'), \
             date_trunc('hour', TIMESTAMPTZ '2024-02-29 23:45:00-08', '+05'), \
             date_trunc('day', INTERVAL '3 days 4 hours 5 minutes 6 seconds'), \
             date_trunc('decade', INTERVAL '-25 years'), \
             date_trunc('quarter', INTERVAL '5 months')",
        )
        .await
        .unwrap();
        assert_eq!(
            values,
            vec![
                "2024-02-29T13:45:00.123",
                "2024-03-01T05:00:00Z",
                "2024-02-29T08:00:00Z",
                "2024-03-01T07:00:00Z",
                "3 days",
                "-240 mons",
                "3 mons",
            ]
        );
        let values = row("SELECT date_trunc('decade', TIMESTAMP '2024-02-29 10:00:00')")
            .await
            .unwrap();
        assert_eq!(values, vec!["2020-01-01T00:00:00"]);
    }

    #[tokio::test]
    async fn refusals_like_postgres() {
        assert_eq!(
            error("SELECT date_trunc('week', INTERVAL '1 day')").await,
            (
                "0A000".to_string(),
                "unit \"week\" not supported for type interval".to_string()
            )
        );
        assert_eq!(
            error("SELECT date_trunc('Foo', INTERVAL '1 day')").await,
            (
                "22023".to_string(),
                "unit \"foo\" not recognized for type interval".to_string()
            )
        );
        assert_eq!(
            error("SELECT date_trunc('timezone', TIMESTAMP '2024-02-29 00:00:00')").await,
            (
                "0A000".to_string(),
                "unit \"timezone\" not supported for type timestamp without time zone".to_string()
            )
        );
    }
}
