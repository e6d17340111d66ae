//! `to_char(value, template)`: PostgreSQL's `to_char` of timestamps, timestamps with time
//! zone (on the clock of the session's `TimeZone`), dates (as timestamps at midnight),
//! intervals, and numbers (see [`super::number_format`]). Replaces DataFusion's `to_char`,
//! whose templates are chrono's.
//!
//! Date/time patterns print as PostgreSQL prints them: zero-padded numbers unless `FM`,
//! month and day names blank-padded to 9 characters (`Month`, `Day`) unless `FM` or `TM`,
//! `TH`/`th` ordinal suffixes, `TZ` empty for a timestamp without time zone; patterns that
//! name a calendar day (`Day`, `D`, `Mon`, `AD`, `TZ` ...) are errors for an interval.

use bigdecimal::num_bigint::BigInt;
use bigdecimal::BigDecimal;
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::{
    date2isoweek, date2isoyear, date2isoyearday, date2j, interval_value, timestamp_value_micros,
    Tm, Zone, MONTHS_PER_YEAR,
};
use super::number_format::{format_number, ordinal_suffix, Number};
use super::template::{parse_date_template, Case, DateField, DateKey, Node, Ordinal};
use super::{
    is_decimal, is_string, no_such_function, pg_error, pg_error_hint, text, text_of, Eval,
    PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![PgFunction::new(
        "to_char",
        coerce,
        returns,
        Eval::Zoned {
            strict: true,
            row: to_char_row,
        },
    )]
}

fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            t if i > 0 && (is_string(t) || t == &DataType::Null) => DataType::Utf8,
            DataType::Float16 => DataType::Float32,
            DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => DataType::Decimal128(*p, *s),
            other => other.clone(),
        })
        .collect())
}

fn formattable(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Null
            | DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(_, _)
            | DataType::Interval(_)
            | DataType::Duration(_)
            | DataType::Float32
            | DataType::Float64
    ) || t.is_integer()
        || is_decimal(t)
}

fn returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields {
        [value, template]
            if formattable(value.data_type())
                && (template.data_type() == &DataType::Utf8
                    || template.data_type() == &DataType::Null) =>
        {
            Ok(DataType::Utf8)
        }
        _ => Err(no_such_function("to_char", fields)),
    }
}

fn to_char_row(args: &[ScalarValue], _: &DataType, zone: &Zone) -> Result<ScalarValue> {
    let template = text_of(&args[1]).unwrap_or_default();
    let value = &args[0];
    if let Some(number) = number_of(value) {
        return Ok(text(format_number(&number, template)?));
    }
    let tm = match value {
        ScalarValue::TimestampSecond(_, Some(_))
        | ScalarValue::TimestampMillisecond(_, Some(_))
        | ScalarValue::TimestampMicrosecond(_, Some(_))
        | ScalarValue::TimestampNanosecond(_, Some(_)) => {
            timestamp_value_micros(value).map(|micros| Tm::from_timestamptz(micros, zone))
        }
        _ => match interval_value(value) {
            Some((months, days, micros)) => Some(Tm::from_interval(months, days, micros)),
            None => timestamp_value_micros(value).map(Tm::from_timestamp),
        },
    };
    match tm {
        Some(tm) => Ok(text(format_datetime(&tm, template)?)),
        None => Ok(ScalarValue::Utf8(None)),
    }
}

/// The number of a numeric value, as `to_char` reads it.
fn number_of(value: &ScalarValue) -> Option<Number> {
    Some(match value {
        ScalarValue::Int8(Some(v)) => Number::Int4(i64::from(*v)),
        ScalarValue::Int16(Some(v)) => Number::Int4(i64::from(*v)),
        ScalarValue::Int32(Some(v)) => Number::Int4(i64::from(*v)),
        ScalarValue::UInt8(Some(v)) => Number::Int4(i64::from(*v)),
        ScalarValue::UInt16(Some(v)) => Number::Int4(i64::from(*v)),
        ScalarValue::Int64(Some(v)) => Number::Int8(*v),
        ScalarValue::UInt32(Some(v)) => Number::Int8(i64::from(*v)),
        ScalarValue::UInt64(Some(v)) => Number::Numeric(BigDecimal::from(*v)),
        ScalarValue::Float32(Some(v)) => Number::Float(f64::from(*v), 6),
        ScalarValue::Float64(Some(v)) => Number::Float(*v, 15),
        ScalarValue::Decimal128(Some(v), _, s) => {
            Number::Numeric(BigDecimal::new(BigInt::from(*v), i64::from(*s)))
        }
        ScalarValue::Decimal256(Some(v), _, s) => Number::Numeric(BigDecimal::new(
            BigInt::from_signed_bytes_le(&v.to_le_bytes()),
            i64::from(*s),
        )),
        _ => return None,
    })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ROMAN_MONTHS: [&str; 12] = [
    "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I",
];

fn invalid_for_interval() -> datafusion::error::DataFusionError {
    pg_error_hint(
        SqlState::InvalidDatetimeFormat,
        "invalid format specification for an interval value",
        "Intervals are not tied to specific calendar dates.",
    )
}

/// `%0*d`: zero-padded to `width` (the sign counts), no padding with `FM`.
fn padded(value: i64, width: usize, fill_mode: bool) -> String {
    if fill_mode {
        value.to_string()
    } else {
        format!("{value:0width$}")
    }
}

/// A year as PostgreSQL prints it: BC years are positive (intervals keep their sign).
fn adjust_year(year: i64, is_interval: bool) -> i64 {
    if !is_interval && year <= 0 {
        1 - year
    } else {
        year
    }
}

/// `to_char` of a broken-down date/time with a date/time template.
pub fn format_datetime(tm: &Tm, template: &str) -> Result<String> {
    let mut out = String::new();
    for node in parse_date_template(template) {
        match node {
            Node::Key(field) => format_field(tm, &field, &mut out)?,
            other => out.extend(other.literal()),
        }
    }
    Ok(out)
}

fn format_field(tm: &Tm, field: &DateField, out: &mut String) -> Result<()> {
    let fm = field.fill_mode;
    let interval = tm.is_interval;
    let check_interval = || {
        if interval {
            Err(invalid_for_interval())
        } else {
            Ok(())
        }
    };
    let width = |value: i64, positive: usize| {
        padded(value, if value >= 0 { positive } else { positive + 1 }, fm)
    };
    let name = |name: &str, case: Case, pad: bool| -> String {
        let name = case.apply(name);
        if pad && !fm && !field.translate {
            format!("{name:<9}")
        } else {
            name
        }
    };
    let number: Option<String> = match field.key {
        DateKey::Era { dots, lower } => {
            check_interval()?;
            let text = match (tm.year <= 0, dots) {
                (true, true) => "B.C.",
                (true, false) => "BC",
                (false, true) => "A.D.",
                (false, false) => "AD",
            };
            out.push_str(&if lower {
                text.to_ascii_lowercase()
            } else {
                text.to_string()
            });
            None
        }
        DateKey::Meridiem { dots, lower } => {
            let text = match (tm.hour.rem_euclid(24) >= 12, dots) {
                (true, true) => "P.M.",
                (true, false) => "PM",
                (false, true) => "A.M.",
                (false, false) => "AM",
            };
            out.push_str(&if lower {
                text.to_ascii_lowercase()
            } else {
                text.to_string()
            });
            None
        }
        DateKey::Hh24 => Some(width(tm.hour, 2)),
        DateKey::Hh | DateKey::Hh12 => {
            let hour = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
            Some(padded(hour, if tm.hour >= 0 { 2 } else { 3 }, fm))
        }
        DateKey::Mi => Some(width(tm.min, 2)),
        DateKey::Ss => Some(width(tm.sec, 2)),
        DateKey::Ff(digits) => {
            let divisor = 10i64.pow(6 - u32::from(digits));
            Some(format!(
                "{:0width$}",
                tm.fsec / divisor,
                width = usize::from(digits)
            ))
        }
        DateKey::Ms => Some(format!("{:03}", tm.fsec / 1000)),
        DateKey::Us => Some(format!("{:06}", tm.fsec)),
        DateKey::Ssss => Some((tm.hour * 3600 + tm.min * 60 + tm.sec).to_string()),
        DateKey::Tz { lower } => {
            check_interval()?;
            if let Some(zone) = &tm.zone {
                out.push_str(&if lower {
                    zone.to_ascii_lowercase()
                } else {
                    zone.clone()
                });
            }
            None
        }
        DateKey::Tzh => {
            check_interval()?;
            let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
            out.push_str(&format!("{sign}{:02}", tm.gmtoff.abs() / 3600));
            None
        }
        DateKey::Tzm => {
            check_interval()?;
            Some(format!("{:02}", tm.gmtoff.abs() % 3600 / 60))
        }
        DateKey::Of => {
            check_interval()?;
            let sign = if tm.gmtoff >= 0 { '+' } else { '-' };
            out.push(sign);
            out.push_str(&padded(tm.gmtoff.abs() / 3600, 2, fm));
            if tm.gmtoff % 3600 != 0 {
                out.push_str(&format!(":{:02}", tm.gmtoff.abs() % 3600 / 60));
            }
            None
        }
        DateKey::Month(case) => {
            check_interval()?;
            if tm.mon != 0 {
                out.push_str(&name(MONTHS[(tm.mon - 1) as usize], case, true));
            }
            None
        }
        DateKey::Mon(case) => {
            check_interval()?;
            if tm.mon != 0 {
                out.push_str(&case.apply(&MONTHS[(tm.mon - 1) as usize][..3]));
            }
            None
        }
        DateKey::Mm => Some(width(tm.mon, 2)),
        DateKey::Day(case) => {
            check_interval()?;
            out.push_str(&name(DAYS[tm.wday as usize], case, true));
            None
        }
        DateKey::Dy(case) => {
            check_interval()?;
            out.push_str(&case.apply(&DAYS[tm.wday as usize][..3]));
            None
        }
        DateKey::Ddd => Some(padded(tm.yday, 3, fm)),
        DateKey::Iddd => Some(padded(date2isoyearday(tm.year, tm.mon, tm.mday), 3, fm)),
        DateKey::Dd => Some(padded(tm.mday, 2, fm)),
        DateKey::D => {
            check_interval()?;
            Some((tm.wday + 1).to_string())
        }
        DateKey::Id => {
            check_interval()?;
            Some(if tm.wday == 0 { 7 } else { tm.wday }.to_string())
        }
        DateKey::Ww => Some(padded((tm.yday - 1) / 7 + 1, 2, fm)),
        DateKey::Iw => Some(padded(date2isoweek(tm.year, tm.mon, tm.mday), 2, fm)),
        DateKey::Q => {
            if tm.mon == 0 {
                None
            } else {
                Some(((tm.mon - 1) / 3 + 1).to_string())
            }
        }
        DateKey::CC => {
            let century = if interval {
                tm.year / 100
            } else if tm.year > 0 {
                (tm.year - 1) / 100 + 1
            } else {
                tm.year / 100 - 1
            };
            Some(if (-99..=99).contains(&century) {
                width(century, 2)
            } else {
                century.to_string()
            })
        }
        DateKey::YComma => {
            let year = adjust_year(tm.year, interval);
            let thousands = year / 1000;
            Some(format!("{thousands},{:03}", year - thousands * 1000))
        }
        DateKey::Yyyy | DateKey::Iyyy => {
            Some(year_digits(tm, field.key == DateKey::Iyyy, 4, 0, fm))
        }
        DateKey::Yyy | DateKey::Iyy => {
            Some(year_digits(tm, field.key == DateKey::Iyy, 3, 1000, fm))
        }
        DateKey::Yy | DateKey::Iy => Some(year_digits(tm, field.key == DateKey::Iy, 2, 100, fm)),
        DateKey::Y | DateKey::I => {
            let year = adjust_year(iso_or(field.key == DateKey::I, tm), interval);
            Some((year % 10).to_string())
        }
        DateKey::Rm { lower } => {
            if tm.mon != 0 || tm.year != 0 {
                let index = if tm.mon == 0 {
                    if tm.year >= 0 {
                        0
                    } else {
                        MONTHS_PER_YEAR - 1
                    }
                } else if tm.mon < 0 {
                    -(tm.mon + 1)
                } else {
                    MONTHS_PER_YEAR - tm.mon
                };
                let numeral = ROMAN_MONTHS[index as usize];
                let numeral = if lower {
                    numeral.to_ascii_lowercase()
                } else {
                    numeral.to_string()
                };
                out.push_str(&if fm { numeral } else { format!("{numeral:<4}") });
            }
            None
        }
        DateKey::W => Some(((tm.mday - 1) / 7 + 1).to_string()),
        DateKey::J => Some(date2j(tm.year, tm.mon, tm.mday).to_string()),
        DateKey::Fx => None,
    };
    if let Some(number) = number {
        out.push_str(&number);
        if let Some(ordinal) = field.ordinal {
            match ordinal_suffix(&number, ordinal == Ordinal::Upper) {
                Some(suffix) => out.push_str(suffix),
                None => {
                    return Err(pg_error(
                        SqlState::InvalidTextRepresentation,
                        format!("\"{number}\" is not a number"),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The year (or ISO year) in `digits` digits (`modulo` 0 for all of it); as in
/// PostgreSQL, the width allows for a sign when the calendar year is negative.
fn year_digits(tm: &Tm, iso: bool, digits: usize, modulo: i64, fm: bool) -> String {
    let year = adjust_year(iso_or(iso, tm), tm.is_interval);
    let year = if modulo > 0 { year % modulo } else { year };
    let width = if adjust_year(tm.year, tm.is_interval) >= 0 {
        digits
    } else {
        digits + 1
    };
    padded(year, width, fm)
}

fn iso_or(iso: bool, tm: &Tm) -> i64 {
    if iso {
        date2isoyear(tm.year, tm.mon, tm.mday)
    } else {
        tm.year
    }
}

#[cfg(test)]
mod tests {
    use super::super::calendar::{timestamp_micros, USECS_PER_HOUR, USECS_PER_MINUTE};
    use super::super::test_support::{error, value};
    use super::*;

    fn ts(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64, us: i64) -> Tm {
        Tm::from_timestamp(timestamp_micros(
            y,
            m,
            d,
            h * USECS_PER_HOUR + mi * USECS_PER_MINUTE + s * 1_000_000 + us,
        ))
    }

    /// Expectations from PostgreSQL 15 (`SELECT to_char(TIMESTAMP '2024-02-29
    /// 13:45:07.123456', ...)` and the others below).
    #[test]
    fn timestamps_as_postgres() {
        let t = ts(2024, 2, 29, 13, 45, 7, 123_456);
        let cases = [
            ("YYYY-MM-DD HH24:MI:SS", "2024-02-29 13:45:07"),
            ("HH12:MI AM", "01:45 PM"),
            ("HH24:MI:SS.MS", "13:45:07.123"),
            ("HH24:MI:SS.US", "13:45:07.123456"),
            ("FF1 FF2 FF3 FF4 FF5 FF6 ff3", "1 12 123 1234 12345 123456 123"),
            ("SSSSS sssss", "49507 49507"),
            (
                "A.M. a.m. P.M. p.m. AM am PM pm",
                "P.M. p.m. P.M. p.m. PM pm PM pm",
            ),
            ("AD A.D. ad a.d. BC B.C. bc b.c.", "AD A.D. ad a.d. AD A.D. ad a.d."),
            (
                "CC cc J j Q q W w WW ww IW iw ID id IDDD iddd IYYY IYY IY I iyyy",
                "21 21 2460370 2460370 1 1 5 5 09 09 09 09 4 4 060 060 2024 024 24 4 2024",
            ),
            ("RM rm FMRM", "II   ii   II"),
            ("TZ tz OF TZH TZM", "  +00 +00 00"),
            (
                "HH24th hh12TH FMHH12th MIth SSth DDDth Dth Qth",
                "13th 01ST 1st 45th 07th 060th 5th 1st",
            ),
            (
                "FMHH FMMI FMSS FMMS FMUS FMDDD FMYYYY FMMM FMD",
                "1 45 7 123 123456 60 2024 2 5",
            ),
            (
                "Day day DAY Dy dy DY Month month MONTH Mon mon MON",
                "Thursday  thursday  THURSDAY  Thu thu THU February  february  FEBRUARY  Feb feb FEB",
            ),
            ("YYYYMMDDHH24MISS", "20240229134507"),
            (
                "xYYYYx\"quoted \\\" text\"\\\\x",
                "x2024xquoted \" text\\\\x",
            ),
            (
                "FX YYYY TM Month TMMonth tmDay SP",
                " 2024  February  February Thursday SP",
            ),
            ("DDSP", "29"),
            ("Mm mI Yy", "Mm m4 44"),
            ("\"Time:\" HH24\"h\"MI", "Time: 13h45"),
            ("YYYY\"年\"MM\"月\"", "2024年02月"),
        ];
        for (template, expected) in cases {
            assert_eq!(
                format_datetime(&t, template).unwrap(),
                expected,
                "{template}"
            );
        }
        let may = ts(2024, 5, 5, 13, 45, 7, 0);
        assert_eq!(
            format_datetime(&may, "Day|day|Month|month|FMDay|FMMonth").unwrap(),
            "Sunday   |sunday   |May      |may      |Sunday|May"
        );
        let midnight = ts(2024, 2, 29, 0, 0, 0, 0);
        assert_eq!(
            format_datetime(&midnight, "HH HH12 HH24 AM").unwrap(),
            "12 12 00 AM"
        );
        let noon = ts(2024, 2, 29, 12, 0, 0, 0);
        assert_eq!(
            format_datetime(&noon, "HH HH12 HH24 AM").unwrap(),
            "12 12 12 PM"
        );
    }

    #[test]
    fn dates_as_postgres() {
        let d = |y, m, dd| ts(y, m, dd, 0, 0, 0, 0);
        let cases = [
            (
                d(2024, 2, 29),
                "Day, DD Month YYYY",
                "Thursday , 29 February  2024",
            ),
            (
                d(2024, 2, 29),
                "FMDay, FMDD FMMonth YYYY",
                "Thursday, 29 February 2024",
            ),
            (d(2024, 2, 29), "YY YYY Y,YYY", "24 024 2,024"),
            (d(2024, 2, 29), "DDD J", "060 2460370"),
            (d(2024, 2, 1), "FMDDth", "1st"),
            (d(2024, 2, 2), "DDth", "02nd"),
            (d(2024, 2, 3), "DDTH", "03RD"),
            (d(2024, 2, 11), "FMDDth", "11th"),
            (d(2024, 12, 31), "RM", "XII "),
            (
                d(2024, 1, 1),
                "IYYY-IW-ID WW W D Dy DDD",
                "2024-01-1 01 1 2 Mon 001",
            ),
            (d(2021, 1, 3), "IYYY-IW-ID WW W D", "2020-53-7 01 1 1"),
            (d(2020, 12, 31), "IYYY-IW-ID IDDD", "2020-53-4 368"),
            (
                d(0, 12, 31),
                "YYYY-MM-DD BC CC Y,YYY YYY YY Y",
                "0001-12-31 BC -01 0,001 001 01 1",
            ),
            (
                d(-43, 3, 15),
                "YYYY BC B.C. yyyy Y,YYY CC",
                "0044 BC B.C. 0044 0,044 -01",
            ),
            (d(10000, 1, 1), "YYYY Y,YYY CC", "10000 10,000 100"),
        ];
        for (tm, template, expected) in cases {
            assert_eq!(
                format_datetime(&tm, template).unwrap(),
                expected,
                "{template}"
            );
        }
    }

    #[test]
    fn intervals_as_postgres() {
        let i = |months, days, micros| Tm::from_interval(months, days, micros);
        let h = USECS_PER_HOUR;
        let m = USECS_PER_MINUTE;
        let cases = [
            (i(0, 1, 2 * h + 3 * m + 4_000_000), "HH24:MI:SS", "02:03:04"),
            (i(0, 0, 27 * h + 5 * m), "HH24 \"h\" MI \"m\"", "27 h 05 m"),
            (
                i(14, 3, 4 * h + 5 * m + 6_789_000),
                "YYYY MM DD HH24 MI SS MS US",
                "0001 02 03 04 05 06 789 789000",
            ),
            (i(-14, 0, 0), "YYYY MM", "-0001 -02"),
            (i(0, 0, -3 * h), "HH24 HH HH12", "-03 -03 -03"),
            (i(0, 0, 25 * h + 3 * m), "HH12 AM", "01 AM"),
            (i(0, 0, 0), "HH HH12 HH24 AM", "12 12 00 AM"),
            (i(0, 1, 2 * h + 3 * m + 4_000_000), "SSSS", "7384"),
            (i(0, 400, 0), "DDD DD MM", "400 400 00"),
            (
                i(14, 3, 14 * h),
                "RM|CC|Y,YYY|Q|J|AM|DDD|IDDD|IW|W|WW|IYYY",
                "II  |00|0,001|1|1721459|PM|423|034|05|1|61|0001",
            ),
            (
                i(0, 0, 0),
                "RM|CC|Y,YYY|Q|J|AM|DDD|IDDD|IW|W|WW|IYYY",
                "|00|0,000||1721028|AM|000|331|48|1|01|-001",
            ),
        ];
        for (tm, template, expected) in cases {
            assert_eq!(
                format_datetime(&tm, template).unwrap(),
                expected,
                "{template}"
            );
        }
        for template in [
            "Mon", "Month", "Day", "D", "ID", "AD", "TZ", "OF", "TZH", "Dy",
        ] {
            let e = format_datetime(&i(14, 3, 0), template).unwrap_err();
            let pg = crate::PgError::from_datafusion(&e);
            assert_eq!(pg.code.to_string(), "22007", "{template}");
        }
    }

    /// Through SQL: PostgreSQL 15 gives the same texts.
    #[tokio::test]
    async fn to_char_calls() {
        let cases = [
            (
                "SELECT to_char(DATE '2024-02-29', 'YYYY-MM-DD')",
                "2024-02-29",
            ),
            (
                "SELECT to_char(DATE '2024-02-29', 'Mon DD, YYYY')",
                "Feb 29, 2024",
            ),
            (
                "SELECT to_char(TIMESTAMP '2024-02-29 13:45:07.123456', 'HH24:MI:SS.US')",
                "13:45:07.123456",
            ),
            (
                "SELECT to_char(TIMESTAMPTZ '2024-02-29 13:45:00+00', 'YYYY-MM-DD HH24:MI TZ OF')",
                "2024-02-29 13:45 UTC +00",
            ),
            (
                "SELECT to_char(TIMESTAMPTZ '2024-02-29 13:45:07+00', 'TZ tz OF TZH:TZM FMOF')",
                "UTC utc +00 +00:00 +0",
            ),
            (
                "SELECT to_char(INTERVAL '1 day 2 hours 3 minutes 4 seconds', 'HH24:MI:SS')",
                "02:03:04",
            ),
            ("SELECT to_char(1234.5, '9,999.99')", " 1,234.50"),
            ("SELECT to_char(-1234.567, '99999.9')", " -1234.6"),
            ("SELECT to_char(42, '000000')", " 000042"),
            ("SELECT to_char(CAST(1.5 AS DOUBLE), '9.999')", " 1.500"),
            ("SELECT to_char(CAST(42 AS SMALLINT), '999')", "  42"),
            ("SELECT to_char(CAST(42 AS REAL), '999.9')", "  42.0"),
            (
                "SELECT to_char(9223372036854775807, '9999999999999999999')",
                " 9223372036854775807",
            ),
            ("SELECT to_char(12, 'FM00') || '-'", "12-"),
            ("SELECT to_char(NULL::date, 'YYYY')", "NULL"),
        ];
        for (sql, expected) in cases {
            assert_eq!(value(sql).await, expected, "{sql}");
        }
        // to_char(1, 'RN', 'x'): 42883 on PostgreSQL 15.
        assert_eq!(error("SELECT to_char(1, 'RN', 'x')").await.0, "42883");
        assert_eq!(
            error("SELECT to_char(INTERVAL '1 day', 'Day')").await,
            (
                "22007".to_string(),
                "invalid format specification for an interval value".to_string()
            )
        );
    }
}

#[cfg(test)]
mod time_zone_tests {
    use super::super::test_support::row_in;

    async fn values(zone: &str, sql: &str) -> Vec<String> {
        row_in(zone, sql)
            .await
            .unwrap_or_else(|e| panic!("{zone} {sql}: {e}"))
    }

    /// PostgreSQL 15 after `SET TimeZone = ...` (instants shown in UTC by Arrow here).
    #[tokio::test]
    async fn session_time_zone_as_postgres() {
        assert_eq!(
            values("America/New_York", "SELECT to_char(TIMESTAMPTZ '2024-02-29 13:45:00+00', 'YYYY-MM-DD HH24:MI TZ tz OF TZH TZM') AS a, to_char(TIMESTAMPTZ '2024-07-01 13:45:00+00', 'HH24 TZ OF') AS b, to_char(TIMESTAMP '2024-02-29 13:45:00', 'TZ OF') AS c").await,
            ["2024-02-29 08:45 EST est -05 -05 00", "09 EDT -04", " +00"]
        );
        assert_eq!(
            values("America/New_York", "SELECT to_timestamp('2024-02-29 13:45', 'YYYY-MM-DD HH24:MI') AS a, make_timestamptz(2024, 2, 29, 13, 45, 0) AS b, age(TIMESTAMPTZ '2024-03-10 12:00:00+00', TIMESTAMPTZ '2024-03-09 12:00:00+00') AS c").await,
            ["2024-02-29T18:45:00Z", "2024-02-29T18:45:00Z", "1 days 1 hours"]
        );
        assert_eq!(
            values("+02", "SELECT to_char(TIMESTAMPTZ '2024-02-29 13:45:00+00', 'HH24 TZ OF') AS a, to_timestamp('2024-02-29 13:45', 'YYYY-MM-DD HH24:MI') AS b").await,
            ["15 +02 +02", "2024-02-29T11:45:00Z"]
        );
        assert_eq!(
            values(
                "Asia/Kolkata",
                "SELECT to_char(TIMESTAMPTZ '2024-02-29 13:45:00+00', 'HH24:MI TZ OF TZH:TZM')"
            )
            .await,
            ["19:15 IST +05:30 +05:30"]
        );
        assert_eq!(
            values("Europe/Paris", "SELECT to_char(TIMESTAMPTZ '2024-02-29 13:45:00+00', 'HH24:MI TZ OF') AS a, to_timestamp('2024-03-31 02:30', 'YYYY-MM-DD HH24:MI') AS b, age(TIMESTAMPTZ '2024-04-01 00:00:00+02', TIMESTAMPTZ '2024-03-01 00:00:00+01') AS c").await,
            ["14:45 CET +01", "2024-03-31T01:30:00Z", "1 mons"]
        );
        assert_eq!(
            values("UTC", "SELECT age(TIMESTAMPTZ '2024-04-01 00:00:00+02', TIMESTAMPTZ '2024-03-01 00:00:00+01')").await,
            ["1 mons 1 days 23 hours"]
        );
    }
}
