//! Reading result values into Arrow builders.
//!
//! Scans use MySQL's text protocol: every non-NULL value arrives as the text the server prints
//! for it (`-12`, `18446744073709551615`, `12.50`, `2024-01-02 03:04:05.123456`,
//! `-838:59:59`), except `BIT(n)` values, which arrive as `ceil(n/8)` big-endian bytes, and
//! binary strings, which arrive as raw bytes. Each column is read into the Arrow type the
//! planner asked for ([`ColumnDecoder`]), whatever SQL type the query really returns, so
//! `COUNT(*)` (BIGINT) or `SUM(int)` (DECIMAL) read into the requested integer type.
//!
//! Values are never silently changed: a value that does not fit the requested type is an
//! error naming the column (22003 out of range, including decimals that would be rounded;
//! 22P02 malformed; 22008 a time of day outside 00:00–24:00; 22021 bytes that are not UTF-8).
//! The one documented exception: dates that are not calendar days — the zero date
//! `0000-00-00`, `2024-00-10`, `2024-02-30` (possible with permissive `sql_mode`s) — read as
//! NULL, and a warning naming the column is logged once per query.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{
    make_array, Array, ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder,
    Float32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder, Int8Builder,
    IntervalMonthDayNanoBuilder, LargeBinaryBuilder, LargeStringBuilder, RecordBatch,
    StringBuilder, StringViewBuilder, UInt16Builder, UInt32Builder, UInt64Builder, UInt8Builder,
};
use datafusion::arrow::datatypes::{
    DataType, IntervalMonthDayNano, IntervalUnit, SchemaRef, TimeUnit,
};
use fedgate_adapter_api::AdapterError;
use fedgate_adapter_api::SqlState;
use mysql_async::consts::ColumnType as WireColumnType;
use mysql_async::Value;

/// Rows per emitted record batch.
pub const BATCH_ROWS: usize = 8192;

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// How the bytes of one result column are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// The server's text form (or raw bytes for binary strings).
    Text,
    /// `BIT(n)`: big-endian bytes.
    Bit,
}

impl Wire {
    pub fn of(column: &mysql_async::Column) -> Self {
        if column.column_type() == WireColumnType::MYSQL_TYPE_BIT {
            Wire::Bit
        } else {
            Wire::Text
        }
    }
}

fn out_of_range(message: impl Into<String>) -> AdapterError {
    AdapterError::new(SqlState::NumericValueOutOfRange, message)
}

fn malformed(message: impl Into<String>) -> AdapterError {
    AdapterError::new(SqlState::InvalidTextRepresentation, message)
}

fn datetime_error(message: impl Into<String>) -> AdapterError {
    AdapterError::new(SqlState::DatetimeValueOutOfRange, message)
}

/// Shows a value in an error (shortened; values of a scan are data, not secrets).
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text.into_owned()
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, AdapterError> {
    std::str::from_utf8(bytes).map_err(|_| {
        AdapterError::new(
            SqlState::CharacterNotInRepertoire,
            format!("the value is not valid UTF-8: \"{}\"", shown(bytes)),
        )
    })
}

/// The value of `BIT(n)` bytes (big-endian, at most 8 bytes).
pub fn bit_value(bytes: &[u8]) -> Result<u64, AdapterError> {
    if bytes.len() > 8 {
        return Err(out_of_range(format!(
            "a BIT value of {} bytes does not fit 64 bits",
            bytes.len()
        )));
    }
    Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// A date or time text that is not in MySQL's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// An exact decimal number: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: i32,
}

/// Parses `[+-]digits[.digits][e[+-]digits]` exactly. `None` when malformed or when the
/// digits do not fit an `i128`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (number, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (int_part, frac_part) = match number.find('.') {
        Some(at) => (&number[..at], &number[at + 1..]),
        None => (number, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut mantissa: i128 = 0;
    for b in int_part.bytes().chain(frac_part.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(b - b'0'))?;
    }
    let mut scale = i32::try_from(frac_part.len()).ok()?;
    if let Some(exp) = exponent {
        let exp: i32 = exp.parse().ok()?;
        scale = scale.checked_sub(exp)?;
    }
    if scale < 0 {
        mantissa = mantissa.checked_mul(10i128.checked_pow(scale.unsigned_abs())?)?;
        scale = 0;
    }
    Some(Decimal {
        mantissa: if negative { -mantissa } else { mantissa },
        scale,
    })
}

impl Decimal {
    /// The mantissa at `scale`, or `None` when that would drop non-zero digits or overflow.
    pub fn rescale(self, scale: i32) -> Option<i128> {
        if scale >= self.scale {
            let factor = 10i128.checked_pow(u32::try_from(scale - self.scale).ok()?)?;
            self.mantissa.checked_mul(factor)
        } else {
            let factor = 10i128.checked_pow(u32::try_from(self.scale - scale).ok()?)?;
            (self.mantissa % factor == 0).then(|| self.mantissa / factor)
        }
    }
}

/// Parses an integer as MySQL prints it: plain digits, or a decimal/exponent form whose
/// value is whole (`SUM()` of integers is a DECIMAL, e.g. `3` or `3.000`).
pub fn parse_integer(text: &str) -> Result<i128, AdapterError> {
    if let Ok(v) = text.parse::<i128>() {
        return Ok(v);
    }
    match parse_decimal(text) {
        Some(d) => d.rescale(0).ok_or_else(|| {
            out_of_range(format!(
                "{text} is not a whole number (it would be rounded)"
            ))
        }),
        None => Err(malformed(format!(
            "invalid integer \"{}\"",
            shown(text.as_bytes())
        ))),
    }
}

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian calendar).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `YYYY-MM-DD` → `Ok(Some(days since 1970-01-01))`; `Ok(None)` for well-formed dates that
/// are not calendar days (`0000-00-00`, a zero month or day, `02-30`); `Err` when malformed.
pub fn parse_date(text: &str) -> Result<Option<i64>, Malformed> {
    let mut parts = text.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Malformed);
    };
    let (year, month, day) = (
        digits(y).ok_or(Malformed)?,
        digits(m).ok_or(Malformed)?,
        digits(d).ok_or(Malformed)?,
    );
    let (month, day) = (
        u32::try_from(month).map_err(|_| Malformed)?,
        u32::try_from(day).map_err(|_| Malformed)?,
    );
    if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) {
        return Ok(None);
    }
    Ok(Some(days_from_civil(year, month, day)))
}

/// `[-]H+:MM:SS[.fraction]` → signed nanoseconds (MySQL `TIME` goes up to ±838:59:59).
pub fn parse_time(text: &str) -> Result<i64, Malformed> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (clock, fraction) = match rest.find('.') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, ""),
    };
    let mut parts = clock.splitn(3, ':');
    let (Some(h), Some(m), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Malformed);
    };
    let (hours, minutes, seconds) = (
        digits(h).ok_or(Malformed)?,
        digits(m).ok_or(Malformed)?,
        digits(s).ok_or(Malformed)?,
    );
    if minutes > 59 || seconds > 59 || m.len() != 2 || s.len() != 2 {
        return Err(Malformed);
    }
    let nanos = parse_fraction(fraction)?;
    let total = hours
        .checked_mul(3600)
        .and_then(|v| v.checked_add(minutes * 60 + seconds))
        .and_then(|v| v.checked_mul(NANOS_PER_SECOND))
        .and_then(|v| v.checked_add(nanos))
        .ok_or(Malformed)?;
    Ok(if negative { -total } else { total })
}

/// Up to 9 fractional digits → nanoseconds.
fn parse_fraction(fraction: &str) -> Result<i64, Malformed> {
    if fraction.is_empty() {
        return Ok(0);
    }
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Malformed);
    }
    let value: i64 = fraction.parse().map_err(|_| Malformed)?;
    Ok(value * 10i64.pow(9 - fraction.len() as u32))
}

/// A date-time without time zone: whole seconds since 1970-01-01 00:00:00 plus nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub seconds: i64,
    pub nanos: i64,
}

/// `YYYY-MM-DD[ HH:MM:SS[.fraction]]`; `Ok(None)` for non-calendar dates (see
/// [`parse_date`]).
pub fn parse_datetime(text: &str) -> Result<Option<DateTime>, Malformed> {
    let (date, time) = match text.find([' ', 'T']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let day = parse_date(date)?;
    let nanos_of_day = match time {
        Some(time) => {
            let nanos = parse_time(time)?;
            if !(0..SECONDS_PER_DAY * NANOS_PER_SECOND).contains(&nanos) {
                return Err(Malformed);
            }
            nanos
        }
        None => 0,
    };
    Ok(day.map(|day| DateTime {
        seconds: day * SECONDS_PER_DAY + nanos_of_day / NANOS_PER_SECOND,
        nanos: nanos_of_day % NANOS_PER_SECOND,
    }))
}

impl DateTime {
    /// The value in `unit`, or `None` when it would lose digits or overflow.
    pub fn in_unit(self, unit: TimeUnit) -> Option<i64> {
        let per_second = units_per_second(unit);
        let nanos_per_unit = NANOS_PER_SECOND / per_second;
        if self.nanos % nanos_per_unit != 0 {
            return None;
        }
        self.seconds
            .checked_mul(per_second)?
            .checked_add(self.nanos / nanos_per_unit)
    }
}

fn units_per_second(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => NANOS_PER_SECOND,
    }
}

/// The text of a value, whatever the protocol delivered (`None` for NULL).
fn value_bytes(value: &Value) -> Option<Cow<'_, [u8]>> {
    let text = match value {
        Value::NULL => return None,
        Value::Bytes(bytes) => return Some(Cow::Borrowed(bytes)),
        Value::Int(v) => v.to_string(),
        Value::UInt(v) => v.to_string(),
        Value::Float(v) => v.to_string(),
        Value::Double(v) => v.to_string(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}")
        }
        Value::Time(negative, days, h, mi, s, us) => {
            let sign = if *negative { "-" } else { "" };
            let hours = u64::from(*days) * 24 + u64::from(*h);
            format!("{sign}{hours}:{mi:02}:{s:02}.{us:06}")
        }
    };
    Some(Cow::Owned(text.into_bytes()))
}

/// An integer value: BIT bytes, or text.
fn integer(wire: Wire, bytes: &[u8]) -> Result<i128, AdapterError> {
    match wire {
        Wire::Bit => Ok(i128::from(bit_value(bytes)?)),
        Wire::Text => parse_integer(utf8(bytes)?),
    }
}

/// A text value: UTF-8 text, or the decimal number of BIT bytes.
fn text(wire: Wire, bytes: &[u8]) -> Result<Cow<'_, str>, AdapterError> {
    match wire {
        Wire::Bit => Ok(Cow::Owned(bit_value(bytes)?.to_string())),
        Wire::Text => Ok(Cow::Borrowed(utf8(bytes)?)),
    }
}

/// A floating-point value (`f32` is parsed from the text directly: no double rounding).
fn float<F: std::str::FromStr + FromBits>(wire: Wire, bytes: &[u8]) -> Result<F, AdapterError> {
    match wire {
        Wire::Bit => Ok(F::from_bits_value(bit_value(bytes)?)),
        Wire::Text => utf8(bytes)?
            .trim()
            .parse::<F>()
            .map_err(|_| malformed(format!("invalid number \"{}\"", shown(bytes)))),
    }
}

/// Floats from BIT values.
trait FromBits {
    fn from_bits_value(v: u64) -> Self;
}

impl FromBits for f32 {
    fn from_bits_value(v: u64) -> Self {
        v as f32
    }
}

impl FromBits for f64 {
    fn from_bits_value(v: u64) -> Self {
        v as f64
    }
}

/// A decimal at `scale` that fits `precision` digits; never rounded.
fn decimal(
    wire: Wire,
    bytes: &[u8],
    precision: u8,
    scale: i8,
    target: &DataType,
) -> Result<i128, AdapterError> {
    let value = match wire {
        Wire::Bit => Decimal {
            mantissa: i128::from(bit_value(bytes)?),
            scale: 0,
        },
        Wire::Text => parse_decimal(utf8(bytes)?)
            .ok_or_else(|| malformed(format!("invalid decimal \"{}\"", shown(bytes))))?,
    };
    let mantissa = value.rescale(i32::from(scale)).ok_or_else(|| {
        out_of_range(format!(
            "{} does not fit {target} (it would be rounded)",
            shown(bytes)
        ))
    })?;
    if mantissa.unsigned_abs() >= 10u128.pow(u32::from(precision)) {
        return Err(out_of_range(format!(
            "{} does not fit {target}",
            shown(bytes)
        )));
    }
    Ok(mantissa)
}

/// Days since 1970-01-01; `None` for non-calendar dates.
fn date(bytes: &[u8]) -> Result<Option<i32>, AdapterError> {
    let text = utf8(bytes)?;
    let invalid = || datetime_error(format!("invalid date \"{}\"", shown(bytes)));
    match parse_datetime(text) {
        Ok(Some(dt)) if dt.seconds.rem_euclid(SECONDS_PER_DAY) == 0 && dt.nanos == 0 => {
            let day = dt.seconds.div_euclid(SECONDS_PER_DAY);
            i32::try_from(day).map(Some).map_err(|_| invalid())
        }
        Ok(None) => Ok(None),
        // A date-time with a time part is not a date: reading it as one would drop the time.
        Ok(Some(_)) | Err(Malformed) => Err(invalid()),
    }
}

/// A timestamp in `unit`; `None` for non-calendar dates.
fn timestamp(bytes: &[u8], unit: TimeUnit, target: &DataType) -> Result<Option<i64>, AdapterError> {
    let text = utf8(bytes)?;
    match parse_datetime(text) {
        Ok(Some(dt)) => dt
            .in_unit(unit)
            .map(Some)
            .ok_or_else(|| datetime_error(format!("timestamp {text} does not fit {target}"))),
        Ok(None) => Ok(None),
        Err(Malformed) => Err(datetime_error(format!(
            "invalid timestamp \"{}\"",
            shown(bytes)
        ))),
    }
}

/// A time of day in `unit`: 00:00:00 ≤ value < 24:00:00.
fn time_of_day(bytes: &[u8], unit: TimeUnit, target: &DataType) -> Result<i64, AdapterError> {
    let text = utf8(bytes)?;
    let nanos = parse_time(text)
        .map_err(|Malformed| datetime_error(format!("invalid time \"{}\"", shown(bytes))))?;
    if !(0..SECONDS_PER_DAY * NANOS_PER_SECOND).contains(&nanos) {
        return Err(datetime_error(format!(
            "{text} is not a time of day (00:00:00 to 23:59:59.999999)"
        )));
    }
    DateTime {
        seconds: nanos / NANOS_PER_SECOND,
        nanos: nanos % NANOS_PER_SECOND,
    }
    .in_unit(unit)
    .ok_or_else(|| datetime_error(format!("time {text} does not fit {target}")))
}

/// The Arrow builder of one column.
enum Sink {
    Boolean(BooleanBuilder),
    Int8(Int8Builder),
    Int16(Int16Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    UInt8(UInt8Builder),
    UInt16(UInt16Builder),
    UInt32(UInt32Builder),
    UInt64(UInt64Builder),
    Float32(Float32Builder),
    Float64(Float64Builder),
    Decimal128(Decimal128Builder, u8, i8),
    Utf8(StringBuilder),
    LargeUtf8(LargeStringBuilder),
    Utf8View(StringViewBuilder),
    Binary(BinaryBuilder),
    LargeBinary(LargeBinaryBuilder),
    Date32(Date32Builder),
    /// `Timestamp(unit, tz)`, built as i64 and given its type at the end.
    Timestamp(Int64Builder, TimeUnit),
    /// `Time64(unit)`, built as i64.
    Time64(Int64Builder, TimeUnit),
    Interval(IntervalMonthDayNanoBuilder),
}

impl Sink {
    fn new(data_type: &DataType) -> Option<Self> {
        Some(match data_type {
            DataType::Boolean => Sink::Boolean(BooleanBuilder::new()),
            DataType::Int8 => Sink::Int8(Int8Builder::new()),
            DataType::Int16 => Sink::Int16(Int16Builder::new()),
            DataType::Int32 => Sink::Int32(Int32Builder::new()),
            DataType::Int64 => Sink::Int64(Int64Builder::new()),
            DataType::UInt8 => Sink::UInt8(UInt8Builder::new()),
            DataType::UInt16 => Sink::UInt16(UInt16Builder::new()),
            DataType::UInt32 => Sink::UInt32(UInt32Builder::new()),
            DataType::UInt64 => Sink::UInt64(UInt64Builder::new()),
            DataType::Float32 => Sink::Float32(Float32Builder::new()),
            DataType::Float64 => Sink::Float64(Float64Builder::new()),
            DataType::Decimal128(p, s) if (1..=38).contains(p) && *s >= 0 => Sink::Decimal128(
                Decimal128Builder::new()
                    .with_precision_and_scale(*p, *s)
                    .ok()?,
                *p,
                *s,
            ),
            DataType::Utf8 => Sink::Utf8(StringBuilder::new()),
            DataType::LargeUtf8 => Sink::LargeUtf8(LargeStringBuilder::new()),
            DataType::Utf8View => Sink::Utf8View(StringViewBuilder::new()),
            DataType::Binary => Sink::Binary(BinaryBuilder::new()),
            DataType::LargeBinary => Sink::LargeBinary(LargeBinaryBuilder::new()),
            DataType::Date32 => Sink::Date32(Date32Builder::new()),
            DataType::Timestamp(unit, _) => Sink::Timestamp(Int64Builder::new(), *unit),
            DataType::Time64(unit) => Sink::Time64(Int64Builder::new(), *unit),
            DataType::Interval(IntervalUnit::MonthDayNano) => {
                Sink::Interval(IntervalMonthDayNanoBuilder::new())
            }
            _ => return None,
        })
    }

    fn append_null(&mut self) {
        match self {
            Sink::Boolean(b) => b.append_null(),
            Sink::Int8(b) => b.append_null(),
            Sink::Int16(b) => b.append_null(),
            Sink::Int32(b) => b.append_null(),
            Sink::Int64(b) => b.append_null(),
            Sink::UInt8(b) => b.append_null(),
            Sink::UInt16(b) => b.append_null(),
            Sink::UInt32(b) => b.append_null(),
            Sink::UInt64(b) => b.append_null(),
            Sink::Float32(b) => b.append_null(),
            Sink::Float64(b) => b.append_null(),
            Sink::Decimal128(b, _, _) => b.append_null(),
            Sink::Utf8(b) => b.append_null(),
            Sink::LargeUtf8(b) => b.append_null(),
            Sink::Utf8View(b) => b.append_null(),
            Sink::Binary(b) => b.append_null(),
            Sink::LargeBinary(b) => b.append_null(),
            Sink::Date32(b) => b.append_null(),
            Sink::Timestamp(b, _) | Sink::Time64(b, _) => b.append_null(),
            Sink::Interval(b) => b.append_null(),
        }
    }

    fn finish(&mut self, data_type: &DataType) -> Result<ArrayRef, AdapterError> {
        let array: ArrayRef = match self {
            Sink::Boolean(b) => Arc::new(b.finish()),
            Sink::Int8(b) => Arc::new(b.finish()),
            Sink::Int16(b) => Arc::new(b.finish()),
            Sink::Int32(b) => Arc::new(b.finish()),
            Sink::Int64(b) => Arc::new(b.finish()),
            Sink::UInt8(b) => Arc::new(b.finish()),
            Sink::UInt16(b) => Arc::new(b.finish()),
            Sink::UInt32(b) => Arc::new(b.finish()),
            Sink::UInt64(b) => Arc::new(b.finish()),
            Sink::Float32(b) => Arc::new(b.finish()),
            Sink::Float64(b) => Arc::new(b.finish()),
            Sink::Decimal128(b, _, _) => Arc::new(b.finish()),
            Sink::Utf8(b) => Arc::new(b.finish()),
            Sink::LargeUtf8(b) => Arc::new(b.finish()),
            Sink::Utf8View(b) => Arc::new(b.finish()),
            Sink::Binary(b) => Arc::new(b.finish()),
            Sink::LargeBinary(b) => Arc::new(b.finish()),
            Sink::Date32(b) => Arc::new(b.finish()),
            Sink::Timestamp(b, _) | Sink::Time64(b, _) => {
                let data = b
                    .finish()
                    .into_data()
                    .into_builder()
                    .data_type(data_type.clone())
                    .build()
                    .map_err(|e| AdapterError::internal(format!("building the array: {e}")))?;
                make_array(data)
            }
            Sink::Interval(b) => Arc::new(b.finish()),
        };
        Ok(array)
    }
}

/// Reads one result column into the requested Arrow type.
pub struct ColumnDecoder {
    name: String,
    data_type: DataType,
    nullable: bool,
    wire: Wire,
    sink: Sink,
    /// Non-calendar dates read as NULL so far in this query.
    invalid_dates: u64,
    /// Who is reading, for the zero-date warning (the server name).
    context: Arc<str>,
}

macro_rules! append_int {
    ($builder:expr, $ty:ty, $value:expr, $target:expr) => {{
        let value: i128 = $value;
        let narrowed = <$ty>::try_from(value)
            .map_err(|_| out_of_range(format!("{value} is out of range for {}", $target)))?;
        $builder.append_value(narrowed);
    }};
}

impl ColumnDecoder {
    /// A decoder for the field `name` of type `data_type`; `None` when the type is not
    /// supported.
    pub fn new(
        name: &str,
        data_type: &DataType,
        nullable: bool,
        wire: Wire,
        context: Arc<str>,
    ) -> Option<Self> {
        Some(Self {
            name: name.to_string(),
            data_type: data_type.clone(),
            nullable,
            wire,
            sink: Sink::new(data_type)?,
            invalid_dates: 0,
            context,
        })
    }

    /// Appends one value (`None` or `Value::NULL` is NULL).
    pub fn append(&mut self, value: Option<&Value>) -> Result<(), AdapterError> {
        let bytes = value.and_then(value_bytes);
        match bytes {
            None => {
                self.sink.append_null();
                Ok(())
            }
            Some(bytes) => self.append_bytes(&bytes).map_err(|e| AdapterError {
                message: format!("column \"{}\": {}", self.name, e.message),
                ..e
            }),
        }
    }

    fn note_invalid_date(&mut self, text: &str) {
        self.invalid_dates += 1;
        if self.invalid_dates == 1 {
            tracing::warn!(
                server = %self.context,
                column = %self.name,
                value = %text,
                "a date that is not a calendar day (zero date) was read as NULL; \
                 further ones in this query are not logged"
            );
        }
    }

    fn append_bytes(&mut self, bytes: &[u8]) -> Result<(), AdapterError> {
        let wire = self.wire;
        let target = &self.data_type;
        // Set when a non-calendar date was appended as NULL.
        let mut invalid_date = false;
        match &mut self.sink {
            Sink::Binary(b) => b.append_value(bytes),
            Sink::LargeBinary(b) => b.append_value(bytes),
            Sink::Utf8(b) => b.append_value(text(wire, bytes)?),
            Sink::LargeUtf8(b) => b.append_value(text(wire, bytes)?),
            Sink::Utf8View(b) => b.append_value(text(wire, bytes)?),
            Sink::Boolean(b) => b.append_value(integer(wire, bytes)? != 0),
            Sink::Int8(b) => append_int!(b, i8, integer(wire, bytes)?, target),
            Sink::Int16(b) => append_int!(b, i16, integer(wire, bytes)?, target),
            Sink::Int32(b) => append_int!(b, i32, integer(wire, bytes)?, target),
            Sink::Int64(b) => append_int!(b, i64, integer(wire, bytes)?, target),
            Sink::UInt8(b) => append_int!(b, u8, integer(wire, bytes)?, target),
            Sink::UInt16(b) => append_int!(b, u16, integer(wire, bytes)?, target),
            Sink::UInt32(b) => append_int!(b, u32, integer(wire, bytes)?, target),
            Sink::UInt64(b) => append_int!(b, u64, integer(wire, bytes)?, target),
            Sink::Float32(b) => b.append_value(float(wire, bytes)?),
            Sink::Float64(b) => b.append_value(float(wire, bytes)?),
            Sink::Decimal128(b, precision, scale) => {
                b.append_value(decimal(wire, bytes, *precision, *scale, target)?)
            }
            Sink::Date32(b) => match date(bytes)? {
                Some(day) => b.append_value(day),
                None => {
                    b.append_null();
                    invalid_date = true;
                }
            },
            Sink::Timestamp(b, unit) => match timestamp(bytes, *unit, target)? {
                Some(value) => b.append_value(value),
                None => {
                    b.append_null();
                    invalid_date = true;
                }
            },
            Sink::Time64(b, unit) => b.append_value(time_of_day(bytes, *unit, target)?),
            Sink::Interval(b) => {
                let nanos = parse_time(utf8(bytes)?).map_err(|Malformed| {
                    datetime_error(format!("invalid time \"{}\"", shown(bytes)))
                })?;
                b.append_value(IntervalMonthDayNano::new(0, 0, nanos));
            }
        }
        if invalid_date {
            self.note_invalid_date(&String::from_utf8_lossy(bytes));
        }
        Ok(())
    }

    /// The column so far as an array; the builder starts over.
    pub fn finish(&mut self) -> Result<ArrayRef, AdapterError> {
        let array = self.sink.finish(&self.data_type)?;
        if !self.nullable && array.null_count() > 0 {
            return Err(AdapterError::new(
                SqlState::NullValueNotAllowed,
                format!(
                    "column \"{}\": NULL in a column the scan declares NOT NULL",
                    self.name
                ),
            ));
        }
        Ok(array)
    }

    /// Non-calendar dates read as NULL so far.
    pub fn invalid_dates(&self) -> u64 {
        self.invalid_dates
    }
}

/// Accumulates rows into record batches of one schema.
pub struct BatchBuilder {
    schema: SchemaRef,
    columns: Vec<ColumnDecoder>,
    rows: usize,
}

impl BatchBuilder {
    /// One decoder per field of `schema`; `wires` says how each result column is read.
    /// Unsupported field types are 0A000 errors naming the column.
    pub fn new(schema: SchemaRef, wires: &[Wire], context: Arc<str>) -> Result<Self, AdapterError> {
        if wires.len() != schema.fields().len() {
            return Err(AdapterError::internal(format!(
                "the remote query returns {} columns but the scan expects {}",
                wires.len(),
                schema.fields().len()
            )));
        }
        let columns = schema
            .fields()
            .iter()
            .zip(wires)
            .map(|(field, wire)| {
                ColumnDecoder::new(
                    field.name(),
                    field.data_type(),
                    field.is_nullable(),
                    *wire,
                    context.clone(),
                )
                .ok_or_else(|| {
                    AdapterError::feature_not_supported(format!(
                        "column \"{}\": the MySQL adapter cannot read values as Arrow type {}",
                        field.name(),
                        field.data_type()
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            schema,
            columns,
            rows: 0,
        })
    }

    /// Appends one row (its values in column order).
    pub fn push(&mut self, values: &[Option<Value>]) -> Result<(), AdapterError> {
        if values.len() != self.columns.len() {
            return Err(AdapterError::internal(format!(
                "a row has {} values but the scan expects {}",
                values.len(),
                self.columns.len()
            )));
        }
        for (column, value) in self.columns.iter_mut().zip(values) {
            column.append(value.as_ref())?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Rows since the last batch.
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The rows so far as a batch; the builder starts over.
    pub fn finish(&mut self) -> Result<RecordBatch, AdapterError> {
        let arrays = self
            .columns
            .iter_mut()
            .map(ColumnDecoder::finish)
            .collect::<Result<Vec<_>, _>>()?;
        let rows = std::mem::take(&mut self.rows);
        let options =
            datafusion::arrow::array::RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map_err(|e| AdapterError::internal(format!("building a record batch: {e}")))
    }

    /// `(column, count)` of the non-calendar dates read as NULL so far.
    pub fn invalid_dates(&self) -> Vec<(&str, u64)> {
        self.columns
            .iter()
            .filter(|c| c.invalid_dates() > 0)
            .map(|c| (c.name.as_str(), c.invalid_dates()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        BinaryArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int8Array,
        IntervalMonthDayNanoArray, StringArray, Time64MicrosecondArray, TimestampMicrosecondArray,
        TimestampNanosecondArray, UInt64Array,
    };
    use datafusion::arrow::datatypes::{Field, Schema};

    fn bytes(text: &str) -> Option<Value> {
        Some(Value::Bytes(text.as_bytes().to_vec()))
    }

    /// Reads `values` into a one-column batch of `data_type`.
    fn read(
        data_type: DataType,
        wire: Wire,
        values: Vec<Option<Value>>,
    ) -> Result<ArrayRef, AdapterError> {
        let schema = Arc::new(Schema::new(vec![Field::new("v", data_type, true)]));
        let mut builder = BatchBuilder::new(schema, &[wire], "unit".into())?;
        for value in values {
            builder.push(&[value])?;
        }
        Ok(builder.finish()?.column(0).clone())
    }

    fn read_text(data_type: DataType, texts: &[&str]) -> Result<ArrayRef, AdapterError> {
        read(
            data_type,
            Wire::Text,
            texts.iter().map(|t| bytes(t)).collect(),
        )
    }

    fn error(data_type: DataType, text: &str) -> AdapterError {
        read_text(data_type, &[text]).unwrap_err()
    }

    fn as_<T: 'static>(array: &ArrayRef) -> &T {
        array.as_any().downcast_ref::<T>().unwrap()
    }

    #[test]
    fn decimals_parse_exactly() {
        assert_eq!(
            parse_decimal("-123.4500"),
            Some(Decimal {
                mantissa: -1234500,
                scale: 4
            })
        );
        assert_eq!(parse_decimal("1.5e3").unwrap().rescale(0), Some(1500));
        assert_eq!(parse_decimal("15e-1").unwrap().rescale(1), Some(15));
        assert_eq!(parse_decimal("000042").unwrap().rescale(2), Some(4200));
        assert_eq!(parse_decimal(".5").unwrap().rescale(1), Some(5));
        assert_eq!(parse_decimal("1.25").unwrap().rescale(1), None);
        for bad in ["", "-", "1.2.3", "abc", "1e", "--1", "1 2"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        // 65 digits do not fit an i128.
        assert_eq!(parse_decimal(&"9".repeat(65)), None);
    }

    #[test]
    fn integers_from_text_bits_and_decimals() {
        assert_eq!(
            parse_integer("18446744073709551615").unwrap(),
            18446744073709551615
        );
        assert_eq!(
            parse_integer("-9223372036854775808").unwrap(),
            i64::MIN as i128
        );
        assert_eq!(parse_integer("3.000").unwrap(), 3);
        assert_eq!(parse_integer("3.5").unwrap_err().sqlstate, "22003");
        assert_eq!(parse_integer("x").unwrap_err().sqlstate, "22P02");
        assert_eq!(bit_value(&[0x01, 0x02]).unwrap(), 258);
        assert_eq!(bit_value(&[0xff; 8]).unwrap(), u64::MAX);
        assert_eq!(bit_value(&[0; 9]).unwrap_err().sqlstate, "22003");

        let a = read_text(DataType::UInt64, &["18446744073709551615", "0"]).unwrap();
        assert_eq!(as_::<UInt64Array>(&a).value(0), u64::MAX);
        let a = read(
            DataType::UInt64,
            Wire::Bit,
            vec![Some(Value::Bytes(vec![0b101])), Some(Value::NULL)],
        )
        .unwrap();
        assert_eq!(as_::<UInt64Array>(&a).value(0), 5);
        assert!(a.is_null(1));
        let a = read_text(DataType::Int8, &["-128", "127"]).unwrap();
        assert_eq!(as_::<Int8Array>(&a).values().to_vec(), vec![-128, 127]);
        let e = error(DataType::Int8, "128");
        assert_eq!(e.sqlstate, "22003");
        assert!(
            e.message.starts_with("column \"v\": 128 is out of range"),
            "{e:?}"
        );
        assert_eq!(error(DataType::UInt8, "-1").sqlstate, "22003");
    }

    #[test]
    fn decimal_targets_are_never_rounded() {
        let t = DataType::Decimal128(5, 2);
        let a = read_text(t.clone(), &["-123.45", "1.5", "0.00"]).unwrap();
        assert_eq!(
            as_::<Decimal128Array>(&a).values().to_vec(),
            vec![-12345, 150, 0]
        );
        assert_eq!(a.data_type(), &t);
        let e = error(t.clone(), "1.005");
        assert_eq!(e.sqlstate, "22003");
        assert!(e.message.contains("rounded"), "{e:?}");
        assert_eq!(error(t.clone(), "1234.5").sqlstate, "22003");
        assert_eq!(error(t, "abc").sqlstate, "22P02");
    }

    #[test]
    fn floats_and_strings() {
        let a = read_text(DataType::Float32, &["2.5e-3", "-1e-10"]).unwrap();
        assert_eq!(as_::<Float32Array>(&a).value(0), 2.5e-3f32);
        let a = read_text(
            DataType::Float64,
            &["0.30000000000000004", "1.7976931348623157e308"],
        )
        .unwrap();
        assert_eq!(as_::<Float64Array>(&a).value(0), 0.1 + 0.2);
        assert_eq!(as_::<Float64Array>(&a).value(1), f64::MAX);
        let a = read_text(DataType::Utf8, &["héllo 😀", ""]).unwrap();
        assert_eq!(as_::<StringArray>(&a).value(0), "héllo 😀");
        let e = read(
            DataType::Utf8,
            Wire::Text,
            vec![Some(Value::Bytes(vec![0xff, 0xfe]))],
        )
        .unwrap_err();
        assert_eq!(e.sqlstate, "22021");
        let a = read(
            DataType::Binary,
            Wire::Text,
            vec![Some(Value::Bytes(vec![0, 0xff]))],
        )
        .unwrap();
        assert_eq!(as_::<BinaryArray>(&a).value(0), &[0, 0xff]);
    }

    #[test]
    fn dates_and_zero_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 2), 19_724);
        assert_eq!(days_from_civil(1000, 1, 1), -354_285);
        assert_eq!(days_from_civil(9999, 12, 31), 2_932_896);
        assert_eq!(parse_date("2024-02-29"), Ok(Some(19_782)));
        for zero in [
            "0000-00-00",
            "2024-00-10",
            "2024-01-00",
            "2023-02-29",
            "2024-13-01",
        ] {
            assert_eq!(parse_date(zero), Ok(None), "{zero}");
        }
        assert_eq!(parse_date("2024-1"), Err(Malformed));
        assert_eq!(parse_date("yyyy-01-01"), Err(Malformed));

        let a = read_text(
            DataType::Date32,
            &["2024-01-02", "0000-00-00", "1969-12-31"],
        )
        .unwrap();
        let d = as_::<Date32Array>(&a);
        assert_eq!(d.value(0), 19_724);
        assert!(d.is_null(1));
        assert_eq!(d.value(2), -1);
        assert_eq!(
            error(DataType::Date32, "2024-01-02 10:00:00").sqlstate,
            "22008"
        );
    }

    #[test]
    fn timestamps() {
        let utc = DataType::Timestamp(TimeUnit::Microsecond, Some(UTC_TZ.into()));
        let a = read_text(
            utc.clone(),
            &[
                "2024-01-02 03:04:05.123456",
                "0000-00-00 00:00:00",
                "1969-12-31 23:59:59.5",
                "2024-01-02",
            ],
        )
        .unwrap();
        assert_eq!(a.data_type(), &utc);
        let t = as_::<TimestampMicrosecondArray>(&a);
        assert_eq!(t.value(0), 19_724 * 86_400_000_000 + 11_045_123_456);
        assert!(t.is_null(1));
        assert_eq!(t.value(2), -500_000);
        assert_eq!(t.value(3), 19_724 * 86_400_000_000);
        let a = read_text(
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            &["2024-01-02 00:00:00.000001"],
        )
        .unwrap();
        assert_eq!(
            as_::<TimestampNanosecondArray>(&a).value(0),
            19_724 * 86_400_000_000_000 + 1000
        );
        assert_eq!(
            error(
                DataType::Timestamp(TimeUnit::Second, None),
                "2024-01-02 00:00:00.5"
            )
            .sqlstate,
            "22008"
        );
        assert_eq!(error(utc, "2024-01-02 25:00:00").sqlstate, "22008");
    }

    #[test]
    fn times_as_intervals_and_times_of_day() {
        assert_eq!(
            parse_time("838:59:59"),
            Ok((838 * 3600 + 59 * 60 + 59) * NANOS_PER_SECOND)
        );
        assert_eq!(parse_time("-00:00:01.5"), Ok(-1_500_000_000));
        assert_eq!(parse_time("12:60:00"), Err(Malformed));
        assert_eq!(parse_time("12:00"), Err(Malformed));
        let a = read_text(
            DataType::Interval(IntervalUnit::MonthDayNano),
            &["-838:59:59.000000", "12:34:56.789"],
        )
        .unwrap();
        let i = as_::<IntervalMonthDayNanoArray>(&a);
        assert_eq!(
            i.value(0),
            IntervalMonthDayNano::new(0, 0, -3_020_399 * NANOS_PER_SECOND)
        );
        assert_eq!(
            i.value(1),
            IntervalMonthDayNano::new(0, 0, 45_296_789_000_000)
        );
        let a = read_text(
            DataType::Time64(TimeUnit::Microsecond),
            &["23:59:59.999999"],
        )
        .unwrap();
        assert_eq!(as_::<Time64MicrosecondArray>(&a).value(0), 86_399_999_999);
        assert_eq!(
            error(DataType::Time64(TimeUnit::Microsecond), "24:00:00").sqlstate,
            "22008"
        );
        assert_eq!(
            error(DataType::Time64(TimeUnit::Microsecond), "-01:00:00").sqlstate,
            "22008"
        );
    }

    #[test]
    fn booleans_counts_and_other_protocol_values() {
        let a = read_text(DataType::Boolean, &["0", "1", "2"]).unwrap();
        let b = a
            .as_any()
            .downcast_ref::<datafusion::arrow::array::BooleanArray>()
            .unwrap();
        assert_eq!((b.value(0), b.value(1), b.value(2)), (false, true, true));
        let a = read(
            DataType::Int64,
            Wire::Text,
            vec![Some(Value::Int(-5)), Some(Value::UInt(7)), None],
        )
        .unwrap();
        let i = as_::<datafusion::arrow::array::Int64Array>(&a);
        assert_eq!((i.value(0), i.value(1)), (-5, 7));
        assert!(i.is_null(2));
    }

    #[test]
    fn unsupported_targets_and_shapes() {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "l",
            DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
            true,
        )]));
        let e = BatchBuilder::new(schema.clone(), &[Wire::Text], "unit".into())
            .err()
            .unwrap();
        assert_eq!(e.sqlstate, "0A000");
        assert!(e.message.contains("column \"l\""));
        let e = BatchBuilder::new(schema, &[Wire::Text, Wire::Text], "unit".into())
            .err()
            .unwrap();
        assert!(e.message.contains("2 columns"), "{e:?}");

        let strict = Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, false)]));
        let mut b = BatchBuilder::new(strict, &[Wire::Text], "unit".into()).unwrap();
        b.push(&[Some(Value::NULL)]).unwrap();
        assert_eq!(b.finish().unwrap_err().sqlstate, "22004");
    }

    #[test]
    fn batches_start_over() {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int32, true)]));
        let mut b = BatchBuilder::new(schema, &[Wire::Text], "unit".into()).unwrap();
        b.push(&[bytes("1")]).unwrap();
        b.push(&[bytes("2")]).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b.finish().unwrap().num_rows(), 2);
        assert!(b.is_empty());
        b.push(&[bytes("3")]).unwrap();
        assert_eq!(b.finish().unwrap().num_rows(), 1);
    }

    const UTC_TZ: &str = "+00:00";
}
