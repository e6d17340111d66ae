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
    DataType, Date32Type, Decimal128Type, Decimal256Type, DecimalType, Float32Type, Float64Type,
    IntervalMonthDayNanoType, IntervalUnit, Schema, Time64MicrosecondType, Time64NanosecondType,
    TimeUnit, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use pgwire::api::results::{FieldFormat, FieldInfo};

use super::styles::{DateFormat, DateStyle, Fields, IntervalStyle};

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
            let style = OutputStyle::from_format_options(info.format_options());
            columns.push(format_column(column, &style)?);
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
            | DataType::Date32
            | DataType::Time64(_)
            | DataType::Timestamp(_, _)
            | DataType::Interval(IntervalUnit::MonthDayNano)
            | DataType::Decimal128(_, _)
            | DataType::Decimal256(_, _)
            | DataType::Duration(_)
            | DataType::Struct(_)
    )
}

/// How a session prints values: its `TimeZone`, `DateStyle`, `IntervalStyle` and
/// `extra_float_digits`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputStyle {
    pub zone: SessionZone,
    pub dates: DateStyle,
    pub intervals: IntervalStyle,
    pub extra_float_digits: i32,
}

impl Default for OutputStyle {
    fn default() -> Self {
        OutputStyle {
            zone: SessionZone::default(),
            dates: DateStyle::default(),
            intervals: IntervalStyle::default(),
            extra_float_digits: 1,
        }
    }
}

impl OutputStyle {
    /// The style of a session's settings (`setting` reads one by its lower-case name).
    pub fn from_settings(setting: impl Fn(&str) -> Option<String>) -> OutputStyle {
        let defaults = OutputStyle::default();
        OutputStyle {
            zone: setting("timezone")
                .and_then(|z| SessionZone::parse(&z))
                .unwrap_or(defaults.zone),
            dates: setting("datestyle").map_or(defaults.dates, |d| DateStyle::parse(&d)),
            intervals: setting("intervalstyle")
                .map_or(defaults.intervals, |i| IntervalStyle::parse(&i)),
            extra_float_digits: setting("extra_float_digits")
                .and_then(|v| v.trim().trim_matches('\'').parse().ok())
                .unwrap_or(defaults.extra_float_digits),
        }
    }

    fn from_format_options(options: &pgwire::types::format::FormatOptions) -> OutputStyle {
        OutputStyle {
            zone: SessionZone::parse(&options.time_zone).unwrap_or_default(),
            dates: DateStyle::parse(&options.date_style),
            intervals: IntervalStyle::parse(&options.interval_style),
            extra_float_digits: i32::from(options.extra_float_digits),
        }
    }

    /// A float with `digits` significant digits (15 for double precision, 6 for real)
    /// before `extra_float_digits`.
    fn float(&self, value: f64, shortest: String, scientific: String, digits: i32) -> String {
        if self.extra_float_digits > 0 || !value.is_finite() {
            return format_float(value, shortest, scientific, digits);
        }
        let precision = (digits + self.extra_float_digits).max(1) as usize;
        super::styles::format_g(value, precision)
    }
}

/// A column of one of the converted types as PostgreSQL prints it in `style`.
pub fn format_column(column: &ArrayRef, style: &OutputStyle) -> Result<ArrayRef, ArrowError> {
    let zone = &style.zone;
    let strings: StringArray = match column.data_type() {
        DataType::Float32 => map(column.as_primitive::<Float32Type>(), |v| {
            style.float(f64::from(v), v.to_string(), format!("{v:e}"), 6)
        }),
        DataType::Float64 => map(column.as_primitive::<Float64Type>(), |v| {
            style.float(v, v.to_string(), format!("{v:e}"), 15)
        }),
        DataType::Date32 => map(column.as_primitive::<Date32Type>(), |d| {
            styled_date(d, style.dates)
        }),
        // The encoder's decimal type holds 28 digits; numeric holds many more.
        DataType::Decimal128(precision, scale) => {
            map(column.as_primitive::<Decimal128Type>(), |v| {
                Decimal128Type::format_decimal(v, *precision, *scale)
            })
        }
        DataType::Decimal256(precision, scale) => {
            map(column.as_primitive::<Decimal256Type>(), |v| {
                Decimal256Type::format_decimal(v, *precision, *scale)
            })
        }
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
                // PostgreSQL keeps microseconds, rounding half up (away from zero).
                TimeUnit::Nanosecond => {
                    collect(column.as_primitive::<TimestampNanosecondType>(), |v| {
                        Some((v.div_euclid(500)).div_euclid(2) + (v.div_euclid(500)).rem_euclid(2))
                    })
                }
            };
            micros
                .into_iter()
                .map(|m| {
                    m.map(|m| match with_zone {
                        true => styled_timestamptz(m, zone, style.dates),
                        false => styled_timestamp(m, style.dates),
                    })
                })
                .collect()
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            map(column.as_primitive::<IntervalMonthDayNanoType>(), |v| {
                styled_interval(
                    i64::from(v.months),
                    i64::from(v.days),
                    v.nanoseconds / 1000,
                    style.intervals,
                )
            })
        }
        DataType::Duration(unit) => duration_micros(column, unit)
            .into_iter()
            .map(|m| m.map(|m| duration_text(m, style.intervals)))
            .collect(),
        DataType::Struct(_) => (0..column.len())
            .map(|row| nested_value(column, row, style))
            .collect::<Result<StringArray, ArrowError>>()?,
        other => {
            return Err(ArrowError::NotYetImplemented(format!(
                "text output of {other}"
            )));
        }
    };
    Ok(Arc::new(strings))
}

/// One value of any type as PostgreSQL prints it, `None` for NULL: the elements of records
/// and arrays inside a record.
fn nested_value(
    column: &ArrayRef,
    row: usize,
    style: &OutputStyle,
) -> Result<Option<String>, ArrowError> {
    use datafusion::arrow::util::display::array_value_to_string;
    // A NULL-typed column has no null buffer: its values are NULL all the same.
    if column.is_null(row) || column.data_type() == &DataType::Null {
        return Ok(None);
    }
    let text = match column.data_type() {
        DataType::Struct(_) => {
            let record = column.as_struct();
            let fields = record
                .columns()
                .iter()
                .map(|field| {
                    nested_value(field, row, style).map(|v| v.map(|v| quote_record_field(&v)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let fields: Vec<String> = fields.into_iter().map(Option::unwrap_or_default).collect();
            format!("({})", fields.join(","))
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            let elements = match column.data_type() {
                DataType::List(_) => column.as_list::<i32>().value(row),
                DataType::LargeList(_) => column.as_list::<i64>().value(row),
                _ => column.as_fixed_size_list().value(row),
            };
            let items = (0..elements.len())
                .map(|i| {
                    nested_value(&elements, i, style)
                        .map(|v| v.map_or_else(|| "NULL".to_string(), |v| quote_array_element(&v)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            format!("{{{}}}", items.join(","))
        }
        DataType::Boolean => if column.as_boolean().value(row) {
            "t"
        } else {
            "f"
        }
        .to_string(),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let bytes = array_value_to_string(column, row)?;
            format!("\\x{bytes}")
        }
        data_type if converts(data_type) => {
            let formatted = format_column(&column.slice(row, 1), style)?;
            formatted.as_string::<i32>().value(0).to_string()
        }
        _ => array_value_to_string(column, row)?,
    };
    Ok(Some(text))
}

/// A field of PostgreSQL's record output: quoted when empty or holding `"`, `\`, `(`, `)`,
/// `,` or white space, with `"` and `\` doubled inside the quotes.
fn quote_record_field(value: &str) -> String {
    let needs = value.is_empty()
        || value
            .chars()
            .any(|c| matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_ascii_whitespace());
    if !needs {
        return value.to_string();
    }
    let mut out = String::from('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// An element of PostgreSQL's array output: quoted when empty, `NULL`, or holding `"`, `\`,
/// `{`, `}`, `,` or white space, with `"` and `\` escaped by a backslash inside the quotes.
fn quote_array_element(value: &str) -> String {
    let needs = value.is_empty()
        || value.eq_ignore_ascii_case("null")
        || value
            .chars()
            .any(|c| matches!(c, '"' | '\\' | '{' | '}' | ',') || c.is_ascii_whitespace());
    if !needs {
        return value.to_string();
    }
    let mut out = String::from('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
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

/// `YYYY-MM-DD`, with ` BC` for years before 1 (year 0 is 1 BC).
fn format_date(days: i32) -> String {
    const MICROS_PER_DAY: i64 = 86_400_000_000;
    let timestamp = format_timestamp_micros(i64::from(days) * MICROS_PER_DAY, false);
    match timestamp.split_once(' ') {
        Some((date, rest)) if rest.ends_with(" BC") => format!("{date} BC"),
        Some((date, _)) => date.to_string(),
        None => timestamp,
    }
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

/// A session's `TimeZone`: an IANA zone (`America/New_York`, any case) or a fixed offset
/// (`+02`, `-05:30`, ISO sign: east of Greenwich is positive). timestamptz values print in it.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionZone {
    Named(chrono_tz::Tz),
    Fixed(chrono::FixedOffset),
}

impl Default for SessionZone {
    fn default() -> Self {
        SessionZone::Named(chrono_tz::UTC)
    }
}

/// The IANA zone of `name` (exact, else in any case, as PostgreSQL reads zone names).
pub(crate) fn iana_zone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse::<chrono_tz::Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .copied()
    })
}

impl SessionZone {
    /// The zone a `TimeZone` setting names; `None` when PostgreSQL's zone names and offsets
    /// do not know it.
    pub fn parse(name: &str) -> Option<SessionZone> {
        let name = name.trim().trim_matches('\'');
        if name.is_empty() {
            return Some(SessionZone::default());
        }
        if let Some(offset) = fixed_offset(name) {
            return Some(SessionZone::Fixed(offset));
        }
        iana_zone(name).map(SessionZone::Named)
    }

    /// The zone's abbreviation at the instant `utc` (`EST`, `LMT`), as the SQL, Postgres
    /// and German date styles print it; empty for a fixed offset, as PostgreSQL.
    fn abbreviation(&self, utc: &chrono::NaiveDateTime) -> String {
        use chrono::TimeZone;
        match self {
            SessionZone::Named(tz) => {
                let offset = tz.offset_from_utc_datetime(utc);
                chrono_tz::OffsetName::abbreviation(&offset)
                    .unwrap_or_default()
                    .to_string()
            }
            SessionZone::Fixed(_) => String::new(),
        }
    }

    /// The offset from UTC, in seconds, at the instant `utc`.
    fn offset_seconds(&self, utc: &chrono::NaiveDateTime) -> i32 {
        use chrono::{Offset, TimeZone};
        match self {
            SessionZone::Named(tz) => tz.offset_from_utc_datetime(utc).fix().local_minus_utc(),
            SessionZone::Fixed(offset) => offset.local_minus_utc(),
        }
    }
}

/// `+02`, `-5`, `+05:30`, `-03:30:15` as an offset with ISO sign.
fn fixed_offset(text: &str) -> Option<chrono::FixedOffset> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let mut parts = rest.split(':');
    let hours: i32 = parts.next()?.parse().ok()?;
    let minutes: i32 = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    let seconds: i32 = parts.next().map_or(Some(0), |s| s.parse().ok())?;
    if parts.next().is_some() || hours > 15 || minutes > 59 || seconds > 59 {
        return None;
    }
    chrono::FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60 + seconds))
}

/// A timestamptz (UTC microseconds) as PostgreSQL prints it in `zone`:
/// `2024-02-29 08:45:00-05`, `+05:30` with minutes, ` BC` for years before 1.
fn format_timestamptz(micros: i64, zone: &SessionZone) -> String {
    use datafusion::arrow::temporal_conversions::timestamp_us_to_datetime;
    let Some(utc) = timestamp_us_to_datetime(micros) else {
        return micros.to_string();
    };
    let offset = zone.offset_seconds(&utc);
    let local = format_timestamp_micros(micros + i64::from(offset) * 1_000_000, false);
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.abs();
    let (h, m, sec) = (abs / 3600, (abs / 60) % 60, abs % 60);
    let mut zone_text = format!("{sign}{h:02}");
    if m != 0 || sec != 0 {
        zone_text.push_str(&format!(":{m:02}"));
    }
    if sec != 0 {
        zone_text.push_str(&format!(":{sec:02}"));
    }
    match local.strip_suffix(" BC") {
        Some(date_time) => format!("{date_time}{zone_text} BC"),
        None => format!("{local}{zone_text}"),
    }
}

/// The local fields of `micros` (microseconds since 1970 on the clock printed).
fn local_fields(micros: i64) -> Option<Fields> {
    use chrono::{Datelike, Timelike};
    let datetime = datafusion::arrow::temporal_conversions::timestamp_us_to_datetime(micros)?;
    Some(Fields {
        year: datetime.year(),
        month: datetime.month(),
        day: datetime.day(),
        weekday: datetime.weekday().num_days_from_sunday(),
        hour: datetime.hour(),
        minute: datetime.minute(),
        second: datetime.second(),
        micros: micros.rem_euclid(1_000_000),
    })
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

fn styled_date(days: i32, style: DateStyle) -> String {
    match (style.format, local_fields(i64::from(days) * MICROS_PER_DAY)) {
        (DateFormat::Iso, _) | (_, None) => format_date(days),
        (_, Some(fields)) => super::styles::format_date(&fields, style),
    }
}

fn styled_timestamp(micros: i64, style: DateStyle) -> String {
    match (style.format, local_fields(micros)) {
        (DateFormat::Iso, _) | (_, None) => format_timestamp_micros(micros, false),
        (_, Some(fields)) => super::styles::format_timestamp(&fields, style, None),
    }
}

fn styled_timestamptz(micros: i64, zone: &SessionZone, style: DateStyle) -> String {
    if style.format == DateFormat::Iso {
        return format_timestamptz(micros, zone);
    }
    use datafusion::arrow::temporal_conversions::timestamp_us_to_datetime;
    let Some(utc) = timestamp_us_to_datetime(micros) else {
        return micros.to_string();
    };
    let local = micros + i64::from(zone.offset_seconds(&utc)) * 1_000_000;
    let Some(fields) = local_fields(local) else {
        return micros.to_string();
    };
    let abbreviation = zone.abbreviation(&utc);
    super::styles::format_timestamp(&fields, style, Some(&abbreviation))
}

fn styled_interval(months: i64, days: i64, micros: i64, style: IntervalStyle) -> String {
    super::styles::format_interval(months, days, micros, style).unwrap_or_else(|| {
        format_interval(
            i32::try_from(months).unwrap_or(i32::MAX),
            i32::try_from(days).unwrap_or(i32::MAX),
            micros,
        )
    })
}

/// The microseconds of a duration column (DataFusion's `timestamp - timestamp`).
fn duration_micros(column: &ArrayRef, unit: &TimeUnit) -> Vec<Option<i64>> {
    use datafusion::arrow::datatypes::{
        DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
        DurationSecondType,
    };
    match unit {
        TimeUnit::Second => collect(column.as_primitive::<DurationSecondType>(), |v| {
            v.checked_mul(1_000_000)
        }),
        TimeUnit::Millisecond => collect(column.as_primitive::<DurationMillisecondType>(), |v| {
            v.checked_mul(1000)
        }),
        TimeUnit::Microsecond => collect(column.as_primitive::<DurationMicrosecondType>(), Some),
        TimeUnit::Nanosecond => collect(column.as_primitive::<DurationNanosecondType>(), |v| {
            Some(v / 1000)
        }),
    }
}

/// `timestamp - timestamp` as PostgreSQL gives it: whole days taken out of the time
/// (`justify_hours`), `1 day 12:00:00` rather than `36:00:00`.
fn duration_text(micros: i64, style: IntervalStyle) -> String {
    styled_interval(0, micros / MICROS_PER_DAY, micros % MICROS_PER_DAY, style)
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
    fn decimals_beyond_28_digits_print_whole() {
        use datafusion::arrow::array::Decimal128Array;
        let values = Decimal128Array::from(vec![
            Some(214_748_364_699_999_999_997_852_516_353_i128),
            Some(-5),
            Some(0),
            None,
        ])
        .with_precision_and_scale(31, 6)
        .unwrap();
        let column: ArrayRef = Arc::new(values);
        let text = format_column(&column, &OutputStyle::default()).unwrap();
        let text = text.as_string::<i32>();
        assert_eq!(text.value(0), "214748364699999999997852.516353");
        assert_eq!(text.value(1), "-0.000005");
        assert_eq!(text.value(2), "0.000000");
        assert!(text.is_null(3));
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
    fn records_like_postgres() {
        use datafusion::arrow::array::{BooleanArray, Int32Array, StructArray};
        use datafusion::arrow::datatypes::Field;
        let deep = StructArray::from(vec![(
            Arc::new(Field::new("c", DataType::Boolean, true)),
            Arc::new(BooleanArray::from(vec![Some(true), None])) as ArrayRef,
        )]);
        let record: ArrayRef = Arc::new(StructArray::from(vec![
            (
                Arc::new(Field::new("a", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![Some(1), None])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("b", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec![Some("x y"), Some("")])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("deep", deep.data_type().clone(), true)),
                Arc::new(deep) as ArrayRef,
            ),
        ]));
        let text = format_column(&record, &OutputStyle::default()).unwrap();
        let text = text.as_string::<i32>();
        assert_eq!(text.value(0), "(1,\"x y\",\"(t)\")");
        assert_eq!(text.value(1), "(,\"\",\"()\")");
        let untyped: ArrayRef = Arc::new(StructArray::from(vec![(
            Arc::new(Field::new("n", DataType::Null, true)),
            Arc::new(datafusion::arrow::array::NullArray::new(1)) as ArrayRef,
        )]));
        let untyped = format_column(&untyped, &OutputStyle::default()).unwrap();
        assert_eq!(untyped.as_string::<i32>().value(0), "()");
        assert_eq!(quote_array_element("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote_record_field("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn dates_like_postgres() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(-719_528), "0001-01-01 BC");
        assert_eq!(format_date(-719_162), "0001-01-01");
        assert_eq!(format_date(2_932_896), "9999-12-31");
    }

    #[test]
    fn timestamptz_prints_in_the_session_zone() {
        // From PostgreSQL 15: SET TimeZone = ...; SELECT TIMESTAMPTZ '...+00'.
        let zone = |name| SessionZone::parse(name).unwrap();
        let at = 1_709_214_300_000_000; // 2024-02-29 13:45:00+00
        assert_eq!(
            format_timestamptz(at, &zone("America/New_York")),
            "2024-02-29 08:45:00-05"
        );
        assert_eq!(
            format_timestamptz(1_719_835_200_000_000, &zone("america/new_york")),
            "2024-07-01 08:00:00-04"
        );
        assert_eq!(
            format_timestamptz(at, &zone("Asia/Kolkata")),
            "2024-02-29 19:15:00+05:30"
        );
        assert_eq!(
            format_timestamptz(at, &zone("UTC")),
            "2024-02-29 13:45:00+00"
        );
        assert_eq!(
            format_timestamptz(at, &zone("+02")),
            "2024-02-29 15:45:00+02"
        );
        assert_eq!(
            format_timestamptz(at + 123_456, &zone("-03:30")),
            "2024-02-29 10:15:00.123456-03:30"
        );
        assert!(SessionZone::parse("Mars/Olympus").is_none());
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
