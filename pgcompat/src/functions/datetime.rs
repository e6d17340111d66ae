//! PostgreSQL's date/time functions DataFusion lacks or answers differently: `age`,
//! `justify_days`, `justify_hours`, `justify_interval`, `make_date`, `make_time`,
//! `make_timestamp`, `make_timestamptz`, `make_interval`, `isfinite`.
//!
//! `age` is PostgreSQL's symbolic difference (years, months and days counted on the
//! calendar: `age('2024-03-01', '2024-01-31 12:00')` is `1 mon 12:00:00`); `age(x)` counts
//! from today's midnight (UTC, fedgate's session time zone). `make_*` reject fields out of
//! range with PostgreSQL's 22008 messages; `make_timestamptz` reads a time zone name (IANA,
//! `UTC`, or an ISO offset such as `+02`) and takes the later reading of an ambiguous local
//! time and the earlier offset across a gap, as PostgreSQL does. Named arguments of
//! `make_interval` (`days => 10`) work only as a prefix of its parameters: DataFusion does
//! not fill skipped parameters with their defaults.

use datafusion::arrow::datatypes::{DataType, FieldRef, TimeUnit};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::{
    date2j, days_in_month, interval_scalar, interval_value, is_leap, timestamp_scalar,
    timestamp_value_micros, timestamptz_scalar, Tm, Zone, UNIX_EPOCH_JDATE, USECS_PER_DAY,
    USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC,
};
use super::{
    float_of, int_of, interval_type, is_decimal, is_string, no_such_function, pg_error, text_of,
    timestamp_type, timestamptz_type, Eval, PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, coerce, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Rows { strict: true, row })
    };
    let zoned = |name, coerce, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Zoned { strict: true, row })
    };
    vec![
        zoned("age", coerce_timestamps, age_returns, age_row).volatile(),
        f(
            "justify_days",
            coerce_keep,
            interval_returns,
            justify_days_row,
        ),
        f(
            "justify_hours",
            coerce_keep,
            interval_returns,
            justify_hours_row,
        ),
        f(
            "justify_interval",
            coerce_keep,
            interval_returns,
            justify_interval_row,
        ),
        f("make_date", coerce_fields, make_date_returns, make_date_row),
        f("make_time", coerce_fields, make_time_returns, make_time_row),
        f(
            "make_timestamp",
            coerce_fields,
            make_timestamp_returns,
            make_timestamp_row,
        ),
        zoned(
            "make_timestamptz",
            coerce_fields,
            make_timestamptz_returns,
            make_timestamptz_row,
        ),
        f(
            "make_interval",
            coerce_fields,
            make_interval_returns,
            make_interval_row,
        )
        .with_parameter_names(&["years", "months", "weeks", "days", "hours", "mins", "secs"]),
        f("isfinite", coerce_keep, isfinite_returns, isfinite_row),
    ]
}

fn coerce_keep(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types.to_vec())
}

/// Dates and text become timestamps (PostgreSQL reads them as timestamps in `age`).
fn coerce_timestamps(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| match t {
            DataType::Date32 | DataType::Date64 | DataType::Null => timestamp_type(),
            t if is_string(t) => timestamp_type(),
            other => other.clone(),
        })
        .collect())
}

/// Integer fields, the seconds as `double precision`, a time zone as text.
fn coerce_fields(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| match t {
            t if is_string(t) => DataType::Utf8,
            t if t.is_integer() || t == &DataType::Null => DataType::Int64,
            t if is_decimal(t) || matches!(t, DataType::Float32 | DataType::Float16) => {
                DataType::Float64
            }
            other => other.clone(),
        })
        .collect())
}

fn is_interval(t: &DataType) -> bool {
    matches!(t, DataType::Interval(_) | DataType::Duration(_))
}

fn age_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let ok = (1..=2).contains(&fields.len())
        && fields
            .iter()
            .all(|f| matches!(f.data_type(), DataType::Timestamp(_, _)));
    if ok {
        Ok(interval_type())
    } else {
        Err(no_such_function("age", fields))
    }
}

fn interval_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields {
        [f] if is_interval(f.data_type()) || f.data_type() == &DataType::Null => {
            Ok(interval_type())
        }
        _ => Err(no_such_function("justify_interval", fields)),
    }
}

fn isfinite_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields {
        [f] if matches!(
            f.data_type(),
            DataType::Date32
                | DataType::Date64
                | DataType::Timestamp(_, _)
                | DataType::Interval(_)
                | DataType::Duration(_)
                | DataType::Null
        ) =>
        {
            Ok(DataType::Boolean)
        }
        _ => Err(no_such_function("isfinite", fields)),
    }
}

/// Whether the fields are `n` integers then (for the seconds) a float, and the rest text.
fn fields_are(fields: &[FieldRef], integers: usize, float: bool, texts: usize) -> bool {
    let expected = integers + usize::from(float) + texts;
    fields.len() == expected
        && fields.iter().enumerate().all(|(i, f)| {
            let t = f.data_type();
            if i < integers {
                t == &DataType::Int64
            } else if float && i == integers {
                t == &DataType::Float64 || t == &DataType::Int64
            } else {
                t == &DataType::Utf8
            }
        })
}

fn make_date_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields_are(fields, 3, false, 0) {
        Ok(DataType::Date32)
    } else {
        Err(no_such_function("make_date", fields))
    }
}

fn make_time_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields_are(fields, 2, true, 0) {
        Ok(DataType::Time64(TimeUnit::Microsecond))
    } else {
        Err(no_such_function("make_time", fields))
    }
}

fn make_timestamp_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields_are(fields, 5, true, 0) {
        Ok(timestamp_type())
    } else {
        Err(no_such_function("make_timestamp", fields))
    }
}

fn make_timestamptz_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields_are(fields, 5, true, 0) || fields_are(fields, 5, true, 1) {
        Ok(timestamptz_type())
    } else {
        Err(no_such_function("make_timestamptz", fields))
    }
}

fn make_interval_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let ok = fields.len() <= 7 && fields_are(fields, fields.len().min(6), fields.len() == 7, 0);
    if ok {
        Ok(interval_type())
    } else {
        Err(no_such_function("make_interval", fields))
    }
}

// ---- age, justify ------------------------------------------------------------------------

/// PostgreSQL's `timestamp_age`: the symbolic difference of two timestamps.
fn age_of(micros1: i64, micros2: i64) -> Result<ScalarValue> {
    let tm1 = Tm::from_timestamp(micros1);
    let tm2 = Tm::from_timestamp(micros2);
    let flip = micros1 < micros2;
    let sign = if flip { -1 } else { 1 };
    let mut fsec = sign * (tm1.fsec - tm2.fsec);
    let mut sec = sign * (tm1.sec - tm2.sec);
    let mut min = sign * (tm1.min - tm2.min);
    let mut hour = sign * (tm1.hour - tm2.hour);
    let mut mday = sign * (tm1.mday - tm2.mday);
    let mut mon = sign * (tm1.mon - tm2.mon);
    let mut year = sign * (tm1.year - tm2.year);
    while fsec < 0 {
        fsec += USECS_PER_SEC;
        sec -= 1;
    }
    while sec < 0 {
        sec += 60;
        min -= 1;
    }
    while min < 0 {
        min += 60;
        hour -= 1;
    }
    while hour < 0 {
        hour += 24;
        mday -= 1;
    }
    while mday < 0 {
        let (y, m) = if flip {
            (tm1.year, tm1.mon)
        } else {
            (tm2.year, tm2.mon)
        };
        mday += days_in_month(y, m);
        mon -= 1;
    }
    while mon < 0 {
        mon += 12;
        year -= 1;
    }
    let months = sign * (year * 12 + mon);
    let days = sign * mday;
    let time = sign * (hour * USECS_PER_HOUR + min * USECS_PER_MINUTE + sec * USECS_PER_SEC + fsec);
    interval_scalar(months, days, time)
}

/// `age(a, b)`; `age(a)` from today's midnight. Timestamps with time zone are compared on
/// the clock of the session's time zone, as PostgreSQL does.
fn age_row(args: &[ScalarValue], _: &DataType, zone: &Zone) -> Result<ScalarValue> {
    let local = |value: &ScalarValue| {
        let micros = timestamp_value_micros(value).unwrap_or(0);
        match value {
            ScalarValue::TimestampSecond(_, Some(_))
            | ScalarValue::TimestampMillisecond(_, Some(_))
            | ScalarValue::TimestampMicrosecond(_, Some(_))
            | ScalarValue::TimestampNanosecond(_, Some(_)) => zone.to_local(micros),
            _ => micros,
        }
    };
    let first = local(&args[0]);
    match args.get(1) {
        Some(second) => age_of(first, local(second)),
        None => {
            let now = zone.to_local(chrono::Utc::now().timestamp_micros());
            let today = now.div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
            age_of(today, first)
        }
    }
}

fn interval_of(value: &ScalarValue) -> (i64, i64, i64) {
    interval_value(value).unwrap_or((0, 0, 0))
}

fn justify_days_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (mut months, mut days, time) = interval_of(&args[0]);
    let whole = days / 30;
    days -= whole * 30;
    months += whole;
    if months > 0 && days < 0 {
        days += 30;
        months -= 1;
    } else if months < 0 && days > 0 {
        days -= 30;
        months += 1;
    }
    interval_scalar(months, days, time)
}

fn justify_hours_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (months, mut days, mut time) = interval_of(&args[0]);
    let whole = time / USECS_PER_DAY;
    time -= whole * USECS_PER_DAY;
    days += whole;
    if days > 0 && time < 0 {
        time += USECS_PER_DAY;
        days -= 1;
    } else if days < 0 && time > 0 {
        time -= USECS_PER_DAY;
        days += 1;
    }
    interval_scalar(months, days, time)
}

fn justify_interval_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (mut months, mut days, mut time) = interval_of(&args[0]);
    if (days > 0 && time > 0) || (days < 0 && time < 0) {
        let whole = days / 30;
        days -= whole * 30;
        months += whole;
    }
    let whole_days = time / USECS_PER_DAY;
    time -= whole_days * USECS_PER_DAY;
    days += whole_days;
    let whole = days / 30;
    days -= whole * 30;
    months += whole;
    if months > 0 && (days < 0 || (days == 0 && time < 0)) {
        days += 30;
        months -= 1;
    } else if months < 0 && (days > 0 || (days == 0 && time > 0)) {
        days -= 30;
        months += 1;
    }
    if days > 0 && time < 0 {
        time += USECS_PER_DAY;
        days -= 1;
    } else if days < 0 && time > 0 {
        time -= USECS_PER_DAY;
        days += 1;
    }
    interval_scalar(months, days, time)
}

fn isfinite_row(_: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    // Arrow's dates, timestamps and intervals have no infinities.
    Ok(ScalarValue::Boolean(Some(true)))
}

// ---- make_* ------------------------------------------------------------------------------

fn int_arg(args: &[ScalarValue], i: usize) -> i64 {
    args.get(i).and_then(int_of).unwrap_or(0)
}

fn float_arg(args: &[ScalarValue], i: usize) -> f64 {
    args.get(i).and_then(float_of).unwrap_or(0.0)
}

/// C's `%02g` of seconds, as PostgreSQL's messages print them.
fn seconds_text(sec: f64) -> String {
    let text = super::to_timestamp::c_general(sec);
    if sec.abs() < 10.0 && !text.contains('e') && !text.starts_with('-') {
        format!("0{text}")
    } else {
        text
    }
}

/// The Julian day of a valid year (BC when negative), month and day; PostgreSQL's 22008
/// "date field value out of range" otherwise.
fn checked_date(year: i64, month: i64, day: i64, allow_bc: bool) -> Result<i64> {
    let out_of_range = || {
        pg_error(
            SqlState::DatetimeFieldOverflow,
            format!("date field value out of range: {year}-{month:02}-{day:02}"),
        )
    };
    if year == 0 || (year < 0 && !allow_bc) {
        return Err(out_of_range());
    }
    let astronomical = if year < 0 { year + 1 } else { year };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(astronomical, month) {
        return Err(out_of_range());
    }
    let _ = is_leap;
    let valid_julian = (astronomical > -4713 || (astronomical == -4713 && month >= 11))
        && (astronomical < 5_874_898 || (astronomical == 5_874_898 && month < 6));
    if !valid_julian {
        return Err(pg_error(
            SqlState::DatetimeFieldOverflow,
            format!("date out of range: {year}-{month:02}-{day:02}"),
        ));
    }
    Ok(date2j(astronomical, month, day))
}

/// Microseconds of a time of day; PostgreSQL's 22008 when a field is out of range
/// (`24:00:00` is allowed).
fn checked_time(hour: i64, min: i64, sec: f64) -> Result<i64> {
    let out_of_range = || {
        pg_error(
            SqlState::DatetimeFieldOverflow,
            format!(
                "time field value out of range: {hour}:{min:02}:{}",
                seconds_text(sec)
            ),
        )
    };
    if !(0..=24).contains(&hour)
        || !(0..60).contains(&min)
        || sec.is_nan()
        || !(0.0..=60.0).contains(&sec)
    {
        return Err(out_of_range());
    }
    let micros = (hour * 60 + min) * USECS_PER_MINUTE + rint(sec * 1e6) as i64;
    if micros > USECS_PER_DAY {
        return Err(out_of_range());
    }
    Ok(micros)
}

fn rint(v: f64) -> f64 {
    let rounded = v.round();
    if (v - v.trunc()).abs() == 0.5 {
        2.0 * (v / 2.0).round()
    } else {
        rounded
    }
}

fn make_date_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let jd = checked_date(int_arg(args, 0), int_arg(args, 1), int_arg(args, 2), true)?;
    Ok(ScalarValue::Date32(Some((jd - UNIX_EPOCH_JDATE) as i32)))
}

fn make_time_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let micros = checked_time(int_arg(args, 0), int_arg(args, 1), float_arg(args, 2))?;
    Ok(ScalarValue::Time64Microsecond(Some(micros)))
}

/// The local timestamp of `make_timestamp`'s fields (microseconds since 1970).
fn local_timestamp(args: &[ScalarValue]) -> Result<i64> {
    let jd = checked_date(int_arg(args, 0), int_arg(args, 1), int_arg(args, 2), false)?;
    let time = checked_time(int_arg(args, 3), int_arg(args, 4), float_arg(args, 5))?;
    Ok((jd - UNIX_EPOCH_JDATE) * USECS_PER_DAY + time)
}

fn make_timestamp_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(timestamp_scalar(local_timestamp(args)?))
}

/// The zone a function argument names: an ISO offset (`+02`, `-05:30`) or an IANA name
/// (any case); 22023 otherwise.
fn named_zone(name: &str) -> Result<Zone> {
    let trimmed = name.trim();
    if let Some(offset) = iso_offset(trimmed) {
        return Ok(Zone::Fixed(offset));
    }
    Zone::named(trimmed).ok_or_else(|| {
        pg_error(
            SqlState::InvalidParameterValue,
            format!("time zone \"{name}\" not recognized"),
        )
    })
}

/// An ISO offset (`+02`, `-05:30`, `+0530`): seconds east of UTC.
fn iso_offset(name: &str) -> Option<i64> {
    let (sign, rest) = match name.as_bytes().first()? {
        b'+' => (1, &name[1..]),
        b'-' => (-1, &name[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 6 {
        return None;
    }
    let (hours, rest) = if digits.len() <= 2 {
        (digits.as_str(), "")
    } else {
        digits.split_at(digits.len() - 2 * ((digits.len() - 1) / 2))
    };
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = rest.get(..2).and_then(|m| m.parse().ok()).unwrap_or(0);
    let seconds: i64 = rest.get(2..4).and_then(|s| s.parse().ok()).unwrap_or(0);
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

fn make_timestamptz_row(args: &[ScalarValue], _: &DataType, zone: &Zone) -> Result<ScalarValue> {
    let local = local_timestamp(args)?;
    let utc = match args.get(6).and_then(text_of) {
        Some(name) => named_zone(name)?.to_utc(local),
        None => zone.to_utc(local),
    };
    Ok(timestamptz_scalar(utc))
}

fn make_interval_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let out_of_range = || pg_error(SqlState::DatetimeFieldOverflow, "interval out of range");
    let months = int_arg(args, 0)
        .checked_mul(12)
        .and_then(|m| m.checked_add(int_arg(args, 1)))
        .ok_or_else(out_of_range)?;
    let days = int_arg(args, 2)
        .checked_mul(7)
        .and_then(|d| d.checked_add(int_arg(args, 3)))
        .ok_or_else(out_of_range)?;
    let secs = float_arg(args, 6);
    if !secs.is_finite() {
        return Err(out_of_range());
    }
    let time = int_arg(args, 4)
        .checked_mul(USECS_PER_HOUR)
        .and_then(|t| t.checked_add(int_arg(args, 5).checked_mul(USECS_PER_MINUTE)?))
        .and_then(|t| t.checked_add(rint(secs * 1e6) as i64))
        .ok_or_else(out_of_range)?;
    interval_scalar(months, days, time)
}

/// A date at midnight as microseconds (for tests).
#[cfg(test)]
fn midnight(y: i64, m: i64, d: i64) -> i64 {
    super::calendar::timestamp_micros(y, m, d, 0)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row};
    use super::*;

    async fn values(sql: &str) -> Vec<String> {
        row(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn interval(v: ScalarValue) -> (i64, i64, i64) {
        interval_value(&v).unwrap()
    }

    /// Expectations from PostgreSQL 15 (as months, days, microseconds).
    #[test]
    fn age_as_postgres() {
        let h = USECS_PER_HOUR;
        // age('2024-02-29', '2000-02-29') = 24 years
        assert_eq!(
            interval(age_of(midnight(2024, 2, 29), midnight(2000, 2, 29)).unwrap()),
            (288, 0, 0)
        );
        // age('2024-03-01', '2024-01-31 12:00') = 1 mon 12:00:00
        assert_eq!(
            interval(age_of(midnight(2024, 3, 1), midnight(2024, 1, 31) + 12 * h).unwrap()),
            (1, 0, 12 * h)
        );
        // age('2024-02-29', '2023-02-28') = 1 year 1 day
        assert_eq!(
            interval(age_of(midnight(2024, 2, 29), midnight(2023, 2, 28)).unwrap()),
            (12, 1, 0)
        );
        // age('2001-04-10', '1957-06-13') = 43 years 9 mons 27 days
        assert_eq!(
            interval(age_of(midnight(2001, 4, 10), midnight(1957, 6, 13)).unwrap()),
            (43 * 12 + 9, 27, 0)
        );
        // age('2000-01-01', '2001-03-05 10:00') = -1 years -2 mons -4 days -10:00:00
        assert_eq!(
            interval(age_of(midnight(2000, 1, 1), midnight(2001, 3, 5) + 10 * h).unwrap()),
            (-14, -4, -10 * h)
        );
        // age('2024-02-29 00:00+00', '2023-01-15 12:00+00') = 1 year 1 mon 13 days 12:00:00
        assert_eq!(
            interval(age_of(midnight(2024, 2, 29), midnight(2023, 1, 15) + 12 * h).unwrap()),
            (13, 13, 12 * h)
        );
    }

    #[test]
    fn justify_as_postgres() {
        let h = USECS_PER_HOUR;
        let call = |f: fn(&[ScalarValue], &DataType) -> Result<ScalarValue>, m, d, t| {
            interval(f(&[interval_scalar(m, d, t).unwrap()], &interval_type()).unwrap())
        };
        // justify_days('35 days') = 1 mon 5 days; justify_hours('27 hours') = 1 day 03:00
        assert_eq!(call(justify_days_row, 0, 35, 0), (1, 5, 0));
        assert_eq!(call(justify_hours_row, 0, 0, 27 * h), (0, 1, 3 * h));
        // justify_interval('1 month -1 hour') = 29 days 23:00:00
        assert_eq!(call(justify_interval_row, 1, 0, -h), (0, 29, 23 * h));
        // justify_interval('400 days 50 hours') = 1 year 1 mon 12 days 02:00:00
        assert_eq!(call(justify_interval_row, 0, 400, 50 * h), (13, 12, 2 * h));
        // justify_days('-45 days') = -1 mons -15 days
        assert_eq!(call(justify_days_row, 0, -45, 0), (-1, -15, 0));
    }

    #[tokio::test]
    async fn make_functions_as_postgres() {
        assert_eq!(
            values("SELECT make_date(2024, 2, 29), make_time(13, 45, 7.5), make_timestamp(2024, 2, 29, 13, 45, 7.123456), make_date(-44, 3, 15)").await,
            ["2024-02-29", "13:45:07.500", "2024-02-29T13:45:07.123456", "-0043-03-15"]
        );
        assert_eq!(
            values("SELECT make_timestamptz(2024, 2, 29, 13, 45, 0, 'Europe/Paris'), make_timestamptz(2024, 2, 29, 13, 45, 0), make_timestamptz(2024, 7, 1, 12, 0, 0, 'America/New_York'), make_timestamptz(2024, 2, 29, 13, 45, 0, '+02'), make_timestamptz(2024, 2, 29, 13, 45, 0, 'utc')").await,
            ["2024-02-29T12:45:00Z", "2024-02-29T13:45:00Z", "2024-07-01T16:00:00Z", "2024-02-29T11:45:00Z", "2024-02-29T13:45:00Z"]
        );
        // The gap and the overlap of Europe/Paris in 2024: 01:30 UTC both.
        assert_eq!(
            values("SELECT make_timestamptz(2024, 3, 31, 2, 30, 0, 'Europe/Paris'), make_timestamptz(2024, 10, 27, 2, 30, 0, 'Europe/Paris'), make_timestamptz(2024, 2, 29, 13, 45, 0, 'EST')").await,
            ["2024-03-31T01:30:00Z", "2024-10-27T01:30:00Z", "2024-02-29T18:45:00Z"]
        );
        assert_eq!(
            values("SELECT make_interval(1, 2, 3, 4, 5, 6, 7.5), make_interval(0, 0, 0, 0, 0, 0, -1.5), make_time(13, 45, 7.123456789)").await,
            [
                "14 mons 25 days 5 hours 6 mins 7.500000000 secs",
                "-1.500000000 secs",
                "13:45:07.123457"
            ]
        );
        assert_eq!(
            values("SELECT isfinite(DATE '2024-02-29'), isfinite(INTERVAL '1 day'), isfinite(TIMESTAMP '2024-01-01')").await,
            ["true", "true", "true"]
        );
        let errors = [
            (
                "SELECT make_date(2023, 2, 29)",
                "date field value out of range: 2023-02-29",
            ),
            (
                "SELECT make_date(0, 1, 1)",
                "date field value out of range: 0-01-01",
            ),
            (
                "SELECT make_time(25, 0, 0)",
                "time field value out of range: 25:00:00",
            ),
            (
                "SELECT make_timestamp(2024, 2, 29, 13, 60, 0)",
                "time field value out of range: 13:60:00",
            ),
            (
                "SELECT make_timestamp(0, 2, 29, 13, 0, 0)",
                "date field value out of range: 0-02-29",
            ),
        ];
        for (sql, message) in errors {
            assert_eq!(
                error(sql).await,
                ("22008".to_string(), message.to_string()),
                "{sql}"
            );
        }
        assert_eq!(
            error("SELECT make_timestamptz(2024, 2, 29, 13, 45, 0, 'Nowhere/Land')").await,
            (
                "22023".to_string(),
                "time zone \"Nowhere/Land\" not recognized".to_string()
            )
        );
    }

    #[test]
    fn iso_offsets() {
        assert_eq!(iso_offset("+02"), Some(7200));
        assert_eq!(iso_offset("-05:30"), Some(-19800));
        assert_eq!(iso_offset("+0530"), Some(19800));
        assert_eq!(iso_offset("UTC"), None);
    }
}
