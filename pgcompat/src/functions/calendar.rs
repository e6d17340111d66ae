//! The calendar arithmetic PostgreSQL's date/time functions use, and the broken-down time
//! (`Tm`) they format and fill.
//!
//! Julian day numbers follow PostgreSQL's `date2j`/`j2date` (proleptic Gregorian, year 0
//! is 1 BC), so `J`, ISO weeks and day-of-year give PostgreSQL's numbers also for the odd
//! "dates" an interval's fields make. Values are microseconds since 1970-01-01 (Arrow's
//! epoch) for timestamps and days since 1970-01-01 for dates.

use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNano, TimeUnit};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::pg_error;

/// Julian day of 1970-01-01 (Arrow's and Unix's epoch).
pub const UNIX_EPOCH_JDATE: i64 = 2_440_588;
/// Julian day of 2000-01-01 (PostgreSQL's epoch).
pub const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;
pub const USECS_PER_SEC: i64 = 1_000_000;
pub const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
pub const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
pub const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
pub const DAYS_PER_MONTH: i64 = 30;
pub const MONTHS_PER_YEAR: i64 = 12;

/// The first Julian day PostgreSQL's timestamps hold (4714-11-24 BC).
pub const DATETIME_MIN_JULIAN: i64 = 0;
/// The first Julian day past PostgreSQL's timestamps (294277-01-01).
pub const TIMESTAMP_END_JULIAN: i64 = 109_203_528;
/// The first Julian day past PostgreSQL's dates (5874898-01-01).
pub const DATE_END_JULIAN: i64 = 2_147_483_494;

/// The Julian day number of a (proleptic Gregorian) year, month and day. Months and days
/// out of range are carried as PostgreSQL's arithmetic carries them.
pub fn date2j(year: i64, month: i64, day: i64) -> i64 {
    let (month, year) = if month > 2 {
        (month + 1, year + 4800)
    } else {
        (month + 13, year + 4799)
    };
    let century = year / 100;
    let mut julian = year * 365 - 32167;
    julian += year / 4 - century + century / 4;
    julian += 7834 * month / 256 + day;
    julian
}

/// The year, month and day of a Julian day number.
pub fn j2date(jd: i64) -> (i64, i64, i64) {
    let mut julian = jd + 32044;
    let mut quad = julian.div_euclid(146_097);
    let extra = (julian - quad * 146_097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146_097;
    quad = julian.div_euclid(1461);
    julian -= quad * 1461;
    let mut y = julian * 4 / 1461;
    julian = if y != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    y += quad * 4;
    let year = y - 4800;
    let quad = julian * 2141 / 65536;
    let day = julian - 7834 * quad / 256;
    let month = (quad + 10) % MONTHS_PER_YEAR + 1;
    (year, month, day)
}

/// Day of the week of a Julian day: 0 = Sunday.
pub fn j2day(jd: i64) -> i64 {
    (jd + 1).rem_euclid(7)
}

/// The Julian day of the Monday of ISO week `week` of ISO year `year`.
pub fn isoweek2j(year: i64, week: i64) -> i64 {
    let day4 = date2j(year, 1, 4);
    let day0 = j2day(day4 - 1);
    (week - 1) * 7 + (day4 - day0)
}

/// The ISO week number of a date.
pub fn date2isoweek(year: i64, mon: i64, mday: i64) -> i64 {
    let dayn = date2j(year, mon, mday);
    let mut day4 = date2j(year, 1, 4);
    let mut day0 = j2day(day4 - 1);
    if dayn < day4 - day0 {
        day4 = date2j(year - 1, 1, 4);
        day0 = j2day(day4 - 1);
    }
    let mut result = (dayn - (day4 - day0)) / 7 + 1;
    if result >= 52 {
        day4 = date2j(year + 1, 1, 4);
        day0 = j2day(day4 - 1);
        if dayn >= day4 - day0 {
            result = (dayn - (day4 - day0)) / 7 + 1;
        }
    }
    result
}

/// The ISO year of a date.
pub fn date2isoyear(year: i64, mon: i64, mday: i64) -> i64 {
    let mut year = year;
    let dayn = date2j(year, mon, mday);
    let mut day4 = date2j(year, 1, 4);
    let mut day0 = j2day(day4 - 1);
    if dayn < day4 - day0 {
        day4 = date2j(year - 1, 1, 4);
        day0 = j2day(day4 - 1);
        year -= 1;
    }
    let result = (dayn - (day4 - day0)) / 7 + 1;
    if result >= 52 {
        day4 = date2j(year + 1, 1, 4);
        day0 = j2day(day4 - 1);
        if dayn >= day4 - day0 {
            year += 1;
        }
    }
    year
}

/// The day of the ISO year (1 = Monday of week 1).
pub fn date2isoyearday(year: i64, mon: i64, mday: i64) -> i64 {
    date2j(year, mon, mday) - isoweek2j(date2isoyear(year, mon, mday), 1) + 1
}

pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in a month (1-based) of a year.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    const DAYS: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if month == 2 && is_leap(year) {
        29
    } else {
        DAYS[(month - 1).clamp(0, 11) as usize]
    }
}

/// A time zone: the session's `TimeZone` or a zone a function names.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    Named(chrono_tz::Tz),
    /// Seconds east of UTC.
    Fixed(i64),
}

impl Zone {
    pub fn utc() -> Zone {
        Zone::Named(chrono_tz::UTC)
    }

    /// The IANA zone `name` names (in any case).
    pub fn named(name: &str) -> Option<Zone> {
        crate::output::pg_text::iana_zone(name).map(Zone::Named)
    }

    /// The zone of a `TimeZone` setting, as fedgate's output reads it (UTC when unknown:
    /// `SET` refuses unknown zones).
    pub fn from_setting(setting: &str) -> Zone {
        use crate::output::pg_text::SessionZone;
        match SessionZone::parse(setting) {
            Some(SessionZone::Named(tz)) => Zone::Named(tz),
            Some(SessionZone::Fixed(offset)) => {
                Zone::Fixed(i64::from(chrono::Offset::fix(&offset).local_minus_utc()))
            }
            None => Zone::utc(),
        }
    }

    /// The offset (seconds east of UTC) and the abbreviation in effect at the instant
    /// `micros` (UTC microseconds since 1970).
    pub fn at_utc(&self, micros: i64) -> (i64, String) {
        use chrono::{Offset, TimeZone};
        match self {
            Zone::Fixed(offset) => (*offset, offset_text(*offset)),
            Zone::Named(tz) => {
                let Some(utc) =
                    chrono::DateTime::from_timestamp(micros.div_euclid(USECS_PER_SEC), 0)
                else {
                    return (0, "UTC".into());
                };
                let offset = tz.offset_from_utc_datetime(&utc.naive_utc());
                let seconds = i64::from(offset.fix().local_minus_utc());
                let name = chrono_tz::OffsetName::abbreviation(&offset)
                    .map(str::to_string)
                    .unwrap_or_else(|| offset_text(seconds));
                (seconds, name)
            }
        }
    }

    /// The offset (seconds east of UTC) of the local time `local` (microseconds since
    /// 1970 on the zone's clock): the later reading of an ambiguous time, the offset before
    /// the transition for a time in a gap, as PostgreSQL takes them.
    pub fn offset_for_local(&self, local: i64) -> i64 {
        use chrono::{Offset, TimeZone};
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Named(tz) => {
                let Some(naive) =
                    chrono::DateTime::from_timestamp(local.div_euclid(USECS_PER_SEC), 0)
                        .map(|d| d.naive_utc())
                else {
                    return 0;
                };
                let offset = match tz.offset_from_local_datetime(&naive) {
                    chrono::LocalResult::Single(o) => o.fix(),
                    chrono::LocalResult::Ambiguous(_, later) => later.fix(),
                    chrono::LocalResult::None => {
                        let before = naive - chrono::Duration::hours(12);
                        tz.offset_from_utc_datetime(&before).fix()
                    }
                };
                i64::from(offset.local_minus_utc())
            }
        }
    }

    /// The UTC instant of a local time in this zone.
    pub fn to_utc(&self, local: i64) -> i64 {
        local - self.offset_for_local(local) * USECS_PER_SEC
    }

    /// The local time (microseconds on the zone's clock) of a UTC instant.
    pub fn to_local(&self, micros: i64) -> i64 {
        micros + self.at_utc(micros).0 * USECS_PER_SEC
    }
}

/// An offset as PostgreSQL names a zone without abbreviation: `+02`, `-05:30`.
fn offset_text(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.abs();
    let mut text = format!("{sign}{:02}", abs / 3600);
    if abs % 3600 != 0 {
        text.push_str(&format!(":{:02}", abs % 3600 / 60));
    }
    text
}

/// A broken-down date and time (PostgreSQL's `struct pg_tm` with the fraction): the fields
/// `to_char` formats and `to_timestamp` fills.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tm {
    /// Astronomical year: 0 is 1 BC.
    pub year: i64,
    pub mon: i64,
    pub mday: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    /// Microseconds.
    pub fsec: i64,
    /// Day of the year (1-based).
    pub yday: i64,
    /// Day of the week: 0 = Sunday.
    pub wday: i64,
    /// Offset from UTC in seconds, east positive (timestamptz only).
    pub gmtoff: i64,
    /// The zone's abbreviation (timestamptz only).
    pub zone: Option<String>,
    /// Fields of an interval, not of a point in time.
    pub is_interval: bool,
}

impl Tm {
    /// A timestamp (microseconds since 1970-01-01) broken down.
    pub fn from_timestamp(micros: i64) -> Tm {
        let days = micros.div_euclid(USECS_PER_DAY);
        let time = micros.rem_euclid(USECS_PER_DAY);
        let jd = days + UNIX_EPOCH_JDATE;
        let (year, mon, mday) = j2date(jd);
        Tm {
            year,
            mon,
            mday,
            hour: time / USECS_PER_HOUR,
            min: time % USECS_PER_HOUR / USECS_PER_MINUTE,
            sec: time % USECS_PER_MINUTE / USECS_PER_SEC,
            fsec: time % USECS_PER_SEC,
            yday: jd - date2j(year, 1, 1) + 1,
            wday: j2day(jd),
            gmtoff: 0,
            zone: None,
            is_interval: false,
        }
    }

    /// A timestamp with time zone, on the clock of `zone`.
    pub fn from_timestamptz(micros: i64, zone: &Zone) -> Tm {
        let (offset, name) = zone.at_utc(micros);
        Tm {
            gmtoff: offset,
            zone: Some(name),
            ..Tm::from_timestamp(micros + offset * USECS_PER_SEC)
        }
    }

    /// An interval's fields, as PostgreSQL's `interval2tm` splits them.
    pub fn from_interval(months: i64, days: i64, micros: i64) -> Tm {
        let year = months / MONTHS_PER_YEAR;
        let mon = months % MONTHS_PER_YEAR;
        let hour = micros / USECS_PER_HOUR;
        let rest = micros - hour * USECS_PER_HOUR;
        let min = rest / USECS_PER_MINUTE;
        let rest = rest - min * USECS_PER_MINUTE;
        let sec = rest / USECS_PER_SEC;
        Tm {
            year,
            mon,
            mday: days,
            hour,
            min,
            sec,
            fsec: rest - sec * USECS_PER_SEC,
            yday: (year * MONTHS_PER_YEAR + mon) * DAYS_PER_MONTH + days,
            wday: 0,
            gmtoff: 0,
            zone: None,
            is_interval: true,
        }
    }
}

/// Microseconds since 1970-01-01 of a date and time of day (both already validated).
pub fn timestamp_micros(year: i64, mon: i64, mday: i64, time_micros: i64) -> i64 {
    (date2j(year, mon, mday) - UNIX_EPOCH_JDATE) * USECS_PER_DAY + time_micros
}

/// Microseconds since 1970-01-01 of a timestamp value of any unit (`None` for NULL or a
/// value that is not a timestamp).
pub fn timestamp_value_micros(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::TimestampSecond(v, _) => v.map(|v| v * USECS_PER_SEC),
        ScalarValue::TimestampMillisecond(v, _) => v.map(|v| v * 1000),
        ScalarValue::TimestampMicrosecond(v, _) => *v,
        ScalarValue::TimestampNanosecond(v, _) => v.map(|v| v.div_euclid(1000)),
        ScalarValue::Date32(v) => v.map(|d| i64::from(d) * USECS_PER_DAY),
        ScalarValue::Date64(v) => v.map(|ms| ms * 1000),
        _ => None,
    }
}

/// An interval value as (months, days, microseconds).
pub fn interval_value(value: &ScalarValue) -> Option<(i64, i64, i64)> {
    match value {
        ScalarValue::IntervalMonthDayNano(Some(v)) => Some((
            i64::from(v.months),
            i64::from(v.days),
            v.nanoseconds.div_euclid(1000),
        )),
        ScalarValue::IntervalDayTime(Some(v)) => {
            Some((0, i64::from(v.days), i64::from(v.milliseconds) * 1000))
        }
        ScalarValue::IntervalYearMonth(Some(v)) => Some((i64::from(*v), 0, 0)),
        ScalarValue::DurationSecond(Some(v)) => Some((0, 0, v * USECS_PER_SEC)),
        ScalarValue::DurationMillisecond(Some(v)) => Some((0, 0, v * 1000)),
        ScalarValue::DurationMicrosecond(Some(v)) => Some((0, 0, *v)),
        ScalarValue::DurationNanosecond(Some(v)) => Some((0, 0, v.div_euclid(1000))),
        _ => None,
    }
}

/// An interval result; 22008 "interval out of range" when a field does not fit.
pub fn interval_scalar(months: i64, days: i64, micros: i64) -> Result<ScalarValue> {
    let out_of_range = || pg_error(SqlState::DatetimeFieldOverflow, "interval out of range");
    let months = i32::try_from(months).map_err(|_| out_of_range())?;
    let days = i32::try_from(days).map_err(|_| out_of_range())?;
    let nanos = micros.checked_mul(1000).ok_or_else(out_of_range)?;
    Ok(ScalarValue::IntervalMonthDayNano(Some(
        IntervalMonthDayNano::new(months, days, nanos),
    )))
}

/// A `timestamp with time zone` result (microseconds, UTC).
pub fn timestamptz_scalar(micros: i64) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(micros), Some("+00:00".into()))
}

/// A `timestamp without time zone` result (microseconds).
pub fn timestamp_scalar(micros: i64) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(micros), None)
}

/// Whether a type is a timestamp (any unit, with or without zone).
pub fn is_timestamp(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(_, _))
}

/// Microsecond timestamps of the same zone as `t`.
pub fn micros_of(t: &DataType) -> DataType {
    match t {
        DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn julian_days_round_trip() {
        // SELECT to_char(DATE '2024-02-29', 'J') on PostgreSQL 15: 2460370
        assert_eq!(date2j(2024, 2, 29), 2_460_370);
        assert_eq!(j2date(2_460_370), (2024, 2, 29));
        assert_eq!(date2j(1970, 1, 1), UNIX_EPOCH_JDATE);
        assert_eq!(date2j(2000, 1, 1), POSTGRES_EPOCH_JDATE);
        assert_eq!(j2date(date2j(0, 12, 31)), (0, 12, 31));
        assert_eq!(j2day(date2j(2024, 2, 29)), 4); // Thursday
    }

    #[test]
    fn iso_weeks() {
        // PostgreSQL 15: to_char(DATE '2021-01-03', 'IYYY-IW'), to_char(DATE '2020-12-31',
        // 'IYYY-IW IDDD') give 2020-53 and 2020-53 368.
        assert_eq!(date2isoweek(2021, 1, 3), 53);
        assert_eq!(date2isoyear(2021, 1, 3), 2020);
        assert_eq!(date2isoyearday(2020, 12, 31), 368);
        assert_eq!(date2isoweek(2024, 1, 1), 1);
    }

    #[test]
    fn broken_down_values() {
        let tm = Tm::from_timestamp(timestamp_micros(2024, 2, 29, 13 * USECS_PER_HOUR + 5));
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.hour, tm.fsec),
            (2024, 2, 29, 13, 5)
        );
        assert_eq!((tm.yday, tm.wday), (60, 4));
        let tm = Tm::from_interval(-14, 3, -(3 * USECS_PER_HOUR + 1));
        assert_eq!(
            (tm.year, tm.mon, tm.mday, tm.hour, tm.fsec),
            (-1, -2, 3, -3, -1)
        );
    }
}
