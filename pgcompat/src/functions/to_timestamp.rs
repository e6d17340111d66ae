//! `to_date(text, template)`, `to_timestamp(text, template)` and `to_timestamp(float8)`
//! as PostgreSQL reads them (its `do_to_timestamp`), replacing DataFusion's
//! `to_timestamp`/`to_date` with chrono formats.
//!
//! Outside `FX` mode, blanks before a field are skipped, a separator or blank in the
//! template matches one separator or blank of the input (or none), and a number field
//! reads as many digits as it can when the next pattern is not a number (else exactly its
//! width: `YYYYMMDD`). Month and day names match case-insensitively; a year of fewer digits
//! than `YYYY` is moved near 2020; `HH`/`HH12` with `AM`/`PM` make a 12-hour clock. Missing
//! fields default to 0001-01-01 BC (year 0) and midnight, as in PostgreSQL. Errors are
//! PostgreSQL's: 22007 for input that does not match the template, 22008 for values out of
//! range. Times are in the session's `TimeZone` unless `TZH`/`TZM` give an offset.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::{
    date2j, days_in_month, isoweek2j, j2date, timestamptz_scalar, Zone, DATETIME_MIN_JULIAN,
    DATE_END_JULIAN, TIMESTAMP_END_JULIAN, UNIX_EPOCH_JDATE, USECS_PER_DAY, USECS_PER_HOUR,
    USECS_PER_MINUTE, USECS_PER_SEC,
};
use super::template::{is_separator, parse_date_template, DateField, DateKey, DateMode, Node};
use super::{
    is_decimal, is_string, no_such_function, pg_error, pg_error_detail, pg_error_hint, text_of,
    timestamptz_type, Eval, PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![
        PgFunction::new(
            "to_date",
            coerce,
            to_date_returns,
            Eval::Rows {
                strict: true,
                row: to_date_row,
            },
        ),
        PgFunction::new(
            "to_timestamp",
            coerce,
            to_timestamp_returns,
            Eval::Zoned {
                strict: true,
                row: to_timestamp_row,
            },
        ),
    ]
}

fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(match types {
        // to_timestamp(double precision): numbers and number text as float8.
        [t] if t.is_numeric() || is_decimal(t) || is_string(t) || t == &DataType::Null => {
            vec![DataType::Float64]
        }
        _ => types
            .iter()
            .map(|t| {
                if is_string(t) || t == &DataType::Null {
                    DataType::Utf8
                } else {
                    t.clone()
                }
            })
            .collect(),
    })
}

fn text_pair(fields: &[FieldRef]) -> bool {
    fields.len() == 2 && fields.iter().all(|f| f.data_type() == &DataType::Utf8)
}

fn to_date_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if text_pair(fields) {
        Ok(DataType::Date32)
    } else {
        Err(no_such_function("to_date", fields))
    }
}

fn to_timestamp_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if text_pair(fields) || (fields.len() == 1 && fields[0].data_type() == &DataType::Float64) {
        Ok(timestamptz_type())
    } else {
        Err(no_such_function("to_timestamp", fields))
    }
}

fn to_date_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let input = text_of(&args[0]).unwrap_or_default();
    let parsed = parse(input, text_of(&args[1]).unwrap_or_default())?;
    let out_of_range = || {
        pg_error(
            SqlState::DatetimeFieldOverflow,
            format!("date out of range: \"{input}\""),
        )
    };
    if !valid_julian(parsed.year, parsed.mon) {
        return Err(out_of_range());
    }
    let jd = date2j(parsed.year, parsed.mon, parsed.mday);
    if !(DATETIME_MIN_JULIAN..DATE_END_JULIAN).contains(&jd) {
        return Err(out_of_range());
    }
    Ok(ScalarValue::Date32(Some((jd - UNIX_EPOCH_JDATE) as i32)))
}

fn to_timestamp_row(args: &[ScalarValue], _: &DataType, zone: &Zone) -> Result<ScalarValue> {
    if let [ScalarValue::Float64(Some(seconds))] = args {
        return from_epoch(*seconds);
    }
    let parsed = parse(
        text_of(&args[0]).unwrap_or_default(),
        text_of(&args[1]).unwrap_or_default(),
    )?;
    let out_of_range = || pg_error(SqlState::DatetimeFieldOverflow, "timestamp out of range");
    if !valid_julian(parsed.year, parsed.mon) {
        return Err(out_of_range());
    }
    let jd = date2j(parsed.year, parsed.mon, parsed.mday);
    let local = i128::from(jd - UNIX_EPOCH_JDATE) * i128::from(USECS_PER_DAY)
        + i128::from(
            parsed.hour * USECS_PER_HOUR
                + parsed.min * USECS_PER_MINUTE
                + parsed.sec * USECS_PER_SEC
                + parsed.fsec,
        );
    let offset = match parsed.utc_offset {
        Some(offset) => offset,
        None => zone.offset_for_local(i64::try_from(local).map_err(|_| out_of_range())?),
    };
    let micros = local - i128::from(offset * USECS_PER_SEC);
    let min = i128::from(DATETIME_MIN_JULIAN - UNIX_EPOCH_JDATE) * i128::from(USECS_PER_DAY);
    let end = (i128::from(TIMESTAMP_END_JULIAN - UNIX_EPOCH_JDATE) * i128::from(USECS_PER_DAY))
        .min(i128::from(i64::MAX));
    if !(min..end).contains(&micros) {
        return Err(out_of_range());
    }
    let micros = micros as i64;
    Ok(timestamptz_scalar(micros))
}

/// `to_timestamp(float8)`: seconds since 1970-01-01 UTC, rounded to microseconds (half to
/// even, as C's `rint`).
fn from_epoch(seconds: f64) -> Result<ScalarValue> {
    if seconds.is_nan() {
        return Err(pg_error(
            SqlState::DatetimeFieldOverflow,
            "timestamp cannot be NaN",
        ));
    }
    if seconds.is_infinite() {
        return Err(pg_error(
            SqlState::FeatureNotSupported,
            "infinite timestamps are not supported",
        ));
    }
    let min = ((DATETIME_MIN_JULIAN - UNIX_EPOCH_JDATE) * 86_400) as f64;
    let end = ((TIMESTAMP_END_JULIAN - UNIX_EPOCH_JDATE) * 86_400) as f64;
    if seconds < min || seconds >= end {
        return Err(pg_error(
            SqlState::DatetimeFieldOverflow,
            format!("timestamp out of range: \"{}\"", c_general(seconds)),
        ));
    }
    let micros = round_half_even(seconds * 1e6) as i64;
    Ok(timestamptz_scalar(micros))
}

fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 {
        2.0 * (v / 2.0).round()
    } else {
        r
    }
}

/// C's `%g`: six significant digits, exponent form outside 1e-4..1e6, no trailing zeros.
pub(crate) fn c_general(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let exponent = v.abs().log10().floor() as i32;
    let trim = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(exponent);
    if !(-4..6).contains(&exp) {
        format!("{}e{exp:+03}", trim(mantissa.to_string()))
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim(format!("{v:.decimals$}"))
    }
}

fn valid_julian(year: i64, mon: i64) -> bool {
    (year > -4713 || (year == -4713 && mon >= 11))
        && (year < 5_874_898 || (year == 5_874_898 && mon < 6))
}

/// The fields of a parsed date/time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    fsec: i64,
    /// East of UTC, seconds, when the input gave it (`TZH`, `TZM`).
    utc_offset: Option<i64>,
}

/// What the template's fields read (PostgreSQL's `TmFromChar`); 0 is "not given".
#[derive(Debug, Default)]
struct FromChar {
    mode: Option<DateMode>,
    hh: i64,
    pm: i64,
    mi: i64,
    ss: i64,
    ssss: i64,
    d: i64,
    dd: i64,
    ddd: i64,
    mm: i64,
    ms: i64,
    year: i64,
    bc: i64,
    ww: i64,
    w: i64,
    cc: i64,
    j: i64,
    us: i64,
    yysz: i64,
    twelve_hour: bool,
    tzsign: i64,
    tzh: i64,
    tzm: i64,
}

fn invalid_format(message: impl Into<String>) -> datafusion::error::DataFusionError {
    pg_error(SqlState::InvalidDatetimeFormat, message)
}

fn field_overflow(input: &str) -> datafusion::error::DataFusionError {
    pg_error(
        SqlState::DatetimeFieldOverflow,
        format!("date/time field value out of range: \"{input}\""),
    )
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_FULL: [&str; 12] = [
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
const DAYS_SHORT: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const ROMAN_MONTHS: [&str; 12] = [
    "XII", "XI", "X", "IX", "VIII", "VII", "VI", "V", "IV", "III", "II", "I",
];

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// The reading position in the input.
struct Input<'a> {
    text: &'a str,
    pos: usize,
}

impl Input<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn skip_char(&mut self) {
        if let Some(c) = self.rest().chars().next() {
            self.pos += c.len_utf8();
        }
    }

    fn skip_spaces(&mut self) -> i64 {
        let mut skipped = 0;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
            skipped += 1;
        }
        skipped
    }

    /// The first `n` characters of the rest (for error messages).
    fn head(&self, n: usize) -> String {
        self.rest().chars().take(n).collect()
    }
}

/// C's `strtol` on the start of `s`: optional blanks and sign, then digits. Returns the
/// value (saturated) and the bytes used (0 when there are no digits).
fn strtol(s: &str) -> (i128, usize) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && is_space(bytes[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        negative = bytes[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut value: i128 = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        value = (value * 10 + i128::from(bytes[i] - b'0')).min(i128::from(i64::MAX) * 4);
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    (if negative { -value } else { value }, i)
}

/// Whether the node after `index` is not a number, so a number field may read as many
/// digits as there are (PostgreSQL's `is_next_separator`).
fn next_is_separator(nodes: &[Node<DateField>], index: usize) -> bool {
    if let Node::Key(field) = &nodes[index] {
        if field.ordinal.is_some() {
            return true;
        }
    }
    match nodes.get(index + 1) {
        None => true,
        Some(Node::Key(field)) => !field.key.is_digit(),
        Some(other) => !other.literal().is_some_and(|c| c.is_ascii_digit()),
    }
}

fn set_int(dest: &mut i64, value: i64, field: &DateField) -> Result<()> {
    if *dest != 0 && *dest != value {
        return Err(pg_error_detail(
            SqlState::InvalidDatetimeFormat,
            format!(
                "conflicting values for \"{}\" field in formatting string",
                field.name
            ),
            "This value contradicts a previous setting for the same field type.",
        ));
    }
    *dest = value;
    Ok(())
}

/// Reads an integer field of `len` characters (or as many as there are); returns the value
/// and the number of characters read.
fn parse_int_len(
    input: &mut Input,
    len: usize,
    nodes: &[Node<DateField>],
    index: usize,
    field: &DateField,
) -> Result<(i64, usize)> {
    input.skip_spaces();
    let init = input.pos;
    let copy = input.head(len);
    let (value, used) = if field.fill_mode || next_is_separator(nodes, index) {
        strtol(input.rest())
    } else {
        let available = copy.chars().count();
        if available < len {
            return Err(super::pg_error_with(
                SqlState::InvalidDatetimeFormat,
                format!(
                    "source string too short for \"{}\" formatting field",
                    field.name
                ),
                Some(format!(
                    "Field requires {len} characters, but only {available} remain."
                )),
                Some("If your source string is not fixed-width, try using the \"FM\" modifier."),
            ));
        }
        let (value, used) = strtol(&copy);
        if used > 0 && used < len {
            return Err(super::pg_error_with(
                SqlState::InvalidDatetimeFormat,
                format!("invalid value \"{copy}\" for \"{}\"", field.name),
                Some(format!(
                    "Field requires {len} characters, but only {used} could be parsed."
                )),
                Some("If your source string is not fixed-width, try using the \"FM\" modifier."),
            ));
        }
        (value, used)
    };
    if used == 0 {
        return Err(pg_error_detail(
            SqlState::InvalidDatetimeFormat,
            format!("invalid value \"{copy}\" for \"{}\"", field.name),
            "Value must be an integer.",
        ));
    }
    input.pos = init + used;
    if value < i128::from(i32::MIN) || value > i128::from(i32::MAX) {
        return Err(pg_error_detail(
            SqlState::DatetimeFieldOverflow,
            format!(
                "value for \"{}\" in source string is out of range",
                field.name
            ),
            "Value must be in the range -2147483648 to 2147483647.",
        ));
    }
    Ok((value as i64, input.pos - init))
}

/// Matches one of `names` (case-insensitively) at the input; returns its index.
fn seq_search(input: &mut Input, names: &[&str], field: &DateField) -> Result<usize> {
    let rest = input.rest();
    for (i, name) in names.iter().enumerate() {
        if rest.len() >= name.len()
            && rest.is_char_boundary(name.len())
            && rest[..name.len()].eq_ignore_ascii_case(name)
        {
            input.pos += name.len();
            return Ok(i);
        }
    }
    let shown: String = rest
        .chars()
        .take_while(|c| !c.is_ascii_whitespace())
        .collect();
    Err(pg_error_detail(
        SqlState::InvalidDatetimeFormat,
        format!("invalid value \"{shown}\" for \"{}\"", field.name),
        "The given value did not match any of the allowed values for this field.",
    ))
}

/// A two- or three-digit year moved near 2020 (`70` is 1970, `24` is 2024).
fn adjust_partial_year(year: i64) -> i64 {
    match year {
        y if y < 70 => y + 2000,
        y if y < 100 => y + 1900,
        y if y < 520 => y + 2000,
        y if y < 1000 => y + 1000,
        y => y,
    }
}

/// Reads `input` with the date/time `template`.
fn parse(input_text: &str, template: &str) -> Result<Parsed> {
    let nodes = parse_date_template(template);
    let mut out = FromChar::default();
    let mut input = Input {
        text: input_text,
        pos: 0,
    };
    let mut fx = false;
    let mut extra_skip: i64 = 0;
    for (index, node) in nodes.iter().enumerate() {
        if input.at_end() {
            break;
        }
        let is_fx = matches!(node, Node::Key(f) if f.key == DateKey::Fx);
        if !fx && !is_fx && (matches!(node, Node::Key(_)) || index == 0) {
            extra_skip += input.skip_spaces();
        }
        let field = match node {
            Node::Space(_) | Node::Separator(_) => {
                if !fx {
                    extra_skip -= 1;
                    if input
                        .peek()
                        .is_some_and(|b| is_space(b) || is_separator(char::from(b)))
                    {
                        input.pos += 1;
                        extra_skip += 1;
                    }
                } else {
                    input.skip_char();
                }
                continue;
            }
            Node::Char(_) => {
                if !fx && extra_skip > 0 {
                    extra_skip -= 1;
                } else {
                    input.skip_char();
                }
                continue;
            }
            Node::Key(field) => field,
        };
        let mode = field.key.date_mode();
        if mode != DateMode::None {
            match out.mode {
                None => out.mode = Some(mode),
                Some(m) if m != mode => return Err(pg_error_hint(
                    SqlState::InvalidDatetimeFormat,
                    "invalid combination of date conventions",
                    "Do not mix Gregorian and ISO week date conventions in a formatting template.",
                )),
                Some(_) => {}
            }
        }
        let key_len = field.name.len();
        let skip_ordinal = |input: &mut Input| {
            if field.ordinal.is_some() {
                input.skip_char();
                input.skip_char();
            }
        };
        match field.key {
            DateKey::Fx => fx = true,
            DateKey::Meridiem { dots, .. } => {
                let names: &[&str] = if dots {
                    &["a.m.", "p.m.", "A.M.", "P.M."]
                } else {
                    &["am", "pm", "AM", "PM"]
                };
                let value = seq_search(&mut input, names, field)? as i64;
                set_int(&mut out.pm, value % 2, field)?;
                out.twelve_hour = true;
            }
            DateKey::Era { dots, .. } => {
                let names: &[&str] = if dots {
                    &["a.d.", "b.c.", "A.D.", "B.C."]
                } else {
                    &["ad", "bc", "AD", "BC"]
                };
                let value = seq_search(&mut input, names, field)? as i64;
                set_int(&mut out.bc, value % 2, field)?;
            }
            DateKey::Hh | DateKey::Hh12 => {
                let (v, _) = parse_int_len(&mut input, 2, &nodes, index, field)?;
                set_int(&mut out.hh, v, field)?;
                out.twelve_hour = true;
                skip_ordinal(&mut input);
            }
            DateKey::Hh24 => {
                let (v, _) = parse_int_len(&mut input, 2, &nodes, index, field)?;
                set_int(&mut out.hh, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Mi => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.mi, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Ss => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.ss, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Ms => {
                let (v, len) = parse_int_len(&mut input, 3, &nodes, index, field)?;
                let scale = match len {
                    1 => 100,
                    2 => 10,
                    _ => 1,
                };
                set_int(&mut out.ms, v * scale, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Us | DateKey::Ff(_) => {
                let width = match field.key {
                    DateKey::Ff(n) => usize::from(n),
                    _ => 6,
                };
                let (v, len) = parse_int_len(&mut input, width, &nodes, index, field)?;
                let scale = 10i64.pow(6u32.saturating_sub(len as u32));
                set_int(&mut out.us, v * scale, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Ssss => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.ssss, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Tz { .. } | DateKey::Of => {
                return Err(pg_error(
                    SqlState::FeatureNotSupported,
                    format!(
                        "formatting field \"{}\" is only supported in to_char",
                        field.name
                    ),
                ))
            }
            DateKey::Tzh => {
                match input.peek() {
                    Some(c @ (b'+' | b'-' | b' ')) => {
                        out.tzsign = if c == b'-' { -1 } else { 1 };
                        input.pos += 1;
                    }
                    _ => {
                        let after_minus =
                            input.pos > 0 && input.text.as_bytes()[input.pos - 1] == b'-';
                        out.tzsign = if extra_skip > 0 && after_minus { -1 } else { 1 };
                    }
                }
                let (v, _) = parse_int_len(&mut input, 2, &nodes, index, field)?;
                set_int(&mut out.tzh, v, field)?;
            }
            DateKey::Tzm => {
                if out.tzsign == 0 {
                    out.tzsign = 1;
                }
                let (v, _) = parse_int_len(&mut input, 2, &nodes, index, field)?;
                set_int(&mut out.tzm, v, field)?;
            }
            DateKey::Month(_) => {
                let v = seq_search(&mut input, &MONTHS_FULL, field)? as i64;
                set_int(&mut out.mm, v + 1, field)?;
            }
            DateKey::Mon(_) => {
                let v = seq_search(&mut input, &MONTHS, field)? as i64;
                set_int(&mut out.mm, v + 1, field)?;
            }
            DateKey::Mm => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.mm, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Day(_) => {
                let v = seq_search(&mut input, &DAYS, field)? as i64;
                set_int(&mut out.d, v, field)?;
                out.d += 1;
            }
            DateKey::Dy(_) => {
                let v = seq_search(&mut input, &DAYS_SHORT, field)? as i64;
                set_int(&mut out.d, v, field)?;
                out.d += 1;
            }
            DateKey::Ddd => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.ddd, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Iddd => {
                let (v, _) = parse_int_len(&mut input, 3, &nodes, index, field)?;
                set_int(&mut out.ddd, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Dd => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.dd, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::D => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.d, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Id => {
                let (v, _) = parse_int_len(&mut input, 1, &nodes, index, field)?;
                set_int(&mut out.d, v, field)?;
                out.d += 1;
                if out.d > 7 {
                    out.d = 1;
                }
                skip_ordinal(&mut input);
            }
            DateKey::Ww | DateKey::Iw => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.ww, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::Q => {
                parse_int_len(&mut input, key_len, &nodes, index, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::CC => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.cc, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::YComma => {
                let (thousands, used) = strtol(input.rest());
                let after = &input.rest()[used..];
                let parsed = if used > 0 && after.starts_with(',') {
                    let digits: String = after[1..]
                        .trim_start_matches(|c: char| c.is_ascii_whitespace())
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .take(3)
                        .collect();
                    let skipped = after[1..].len()
                        - after[1..]
                            .trim_start_matches(|c: char| c.is_ascii_whitespace())
                            .len();
                    (!digits.is_empty()).then(|| {
                        (
                            thousands as i64 * 1000 + digits.parse::<i64>().unwrap_or(0),
                            used + 1 + skipped + digits.len(),
                        )
                    })
                } else {
                    None
                };
                let Some((year, length)) = parsed else {
                    return Err(invalid_format("invalid input string for \"Y,YYY\""));
                };
                set_int(&mut out.year, year, field)?;
                out.yysz = 4;
                input.pos += length;
                skip_ordinal(&mut input);
            }
            DateKey::Yyyy | DateKey::Iyyy => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.year, v, field)?;
                out.yysz = 4;
                skip_ordinal(&mut input);
            }
            DateKey::Yyy | DateKey::Iyy | DateKey::Yy | DateKey::Iy | DateKey::Y | DateKey::I => {
                let (v, used) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.year, v, field)?;
                if used < 4 {
                    out.year = adjust_partial_year(out.year);
                }
                out.yysz = key_len as i64;
                skip_ordinal(&mut input);
            }
            DateKey::Rm { .. } => {
                let v = seq_search(&mut input, &ROMAN_MONTHS, field)? as i64;
                set_int(&mut out.mm, 12 - v, field)?;
            }
            DateKey::W => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.w, v, field)?;
                skip_ordinal(&mut input);
            }
            DateKey::J => {
                let (v, _) = parse_int_len(&mut input, key_len, &nodes, index, field)?;
                set_int(&mut out.j, v, field)?;
                skip_ordinal(&mut input);
            }
        }
        if !fx {
            extra_skip = input.skip_spaces();
        }
    }
    finish(out, input_text)
}

/// Turns the fields read into a date and time (PostgreSQL's `do_to_timestamp` after the
/// template walk), with its checks.
fn finish(mut f: FromChar, input: &str) -> Result<Parsed> {
    let mut t = Parsed {
        year: 0,
        mon: 1,
        mday: 1,
        hour: 0,
        min: 0,
        sec: 0,
        fsec: 0,
        utc_offset: None,
    };
    let (mut has_year, mut has_month, mut has_day) = (false, false, false);
    if f.ssss != 0 {
        t.hour = f.ssss / 3600;
        t.min = f.ssss % 3600 / 60;
        t.sec = f.ssss % 60;
    }
    if f.ss != 0 {
        t.sec = f.ss;
    }
    if f.mi != 0 {
        t.min = f.mi;
    }
    if f.hh != 0 {
        t.hour = f.hh;
    }
    if f.twelve_hour {
        if t.hour < 1 || t.hour > 12 {
            return Err(pg_error_hint(
                SqlState::InvalidDatetimeFormat,
                format!("hour \"{}\" is invalid for the 12-hour clock", t.hour),
                "Use the 24-hour clock, or give an hour between 1 and 12.",
            ));
        }
        if f.pm != 0 && t.hour < 12 {
            t.hour += 12;
        } else if f.pm == 0 && t.hour == 12 {
            t.hour = 0;
        }
    }
    if f.year != 0 {
        if f.cc != 0 && f.yysz <= 2 {
            if f.bc != 0 {
                f.cc = -f.cc;
            }
            t.year = f.year % 100;
            if t.year != 0 {
                if f.cc >= 0 {
                    t.year += (f.cc - 1) * 100;
                } else {
                    t.year = (f.cc + 1) * 100 - t.year + 1;
                }
            } else {
                t.year = f.cc * 100 + if f.cc >= 0 { 0 } else { 1 };
            }
        } else {
            t.year = f.year;
            if f.bc != 0 {
                t.year = -t.year;
            }
            if t.year < 0 {
                t.year += 1;
            }
        }
        has_year = true;
    } else if f.cc != 0 {
        if f.bc != 0 {
            f.cc = -f.cc;
        }
        t.year = if f.cc >= 0 {
            (f.cc - 1) * 100 + 1
        } else {
            f.cc * 100 + 1
        };
        has_year = true;
    }
    if f.j != 0 {
        let (y, m, d) = j2date(f.j);
        (t.year, t.mon, t.mday) = (y, m, d);
        (has_year, has_month, has_day) = (true, true, true);
    }
    if f.ww != 0 {
        if f.mode == Some(DateMode::IsoWeek) {
            let mut jday = isoweek2j(t.year, f.ww);
            if f.d != 0 {
                jday += if f.d > 1 { f.d - 2 } else { 6 };
            }
            let (y, m, d) = j2date(jday);
            (t.year, t.mon, t.mday) = (y, m, d);
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            f.ddd = (f.ww - 1) * 7 + 1;
        }
    }
    if f.w != 0 {
        f.dd = (f.w - 1) * 7 + 1;
    }
    if f.dd != 0 {
        t.mday = f.dd;
        has_day = true;
    }
    if f.mm != 0 {
        t.mon = f.mm;
        has_month = true;
    }
    if f.ddd != 0 && (t.mon <= 1 || t.mday <= 1) {
        if t.year == 0 && f.bc == 0 {
            return Err(invalid_format(
                "cannot calculate day of year without year information",
            ));
        }
        if f.mode == Some(DateMode::IsoWeek) {
            let j0 = isoweek2j(t.year, 1) - 1;
            let (y, m, d) = j2date(j0 + f.ddd);
            (t.year, t.mon, t.mday) = (y, m, d);
            (has_year, has_month, has_day) = (true, true, true);
        } else {
            let leap = super::calendar::is_leap(t.year);
            let mut cumulative = [0i64; 13];
            for month in 1..=12 {
                cumulative[month] = cumulative[month - 1]
                    + if month == 2 && leap {
                        29
                    } else {
                        days_in_month(2001, month as i64)
                    };
            }
            let month = (1..=12).find(|&m| f.ddd <= cumulative[m]).unwrap_or(13);
            if t.mon <= 1 {
                t.mon = month as i64;
            }
            if t.mday <= 1 {
                t.mday = f.ddd - cumulative[month.min(13) - 1];
            }
            (has_month, has_day) = (true, true);
        }
    }
    t.fsec = f.ms * 1000 + f.us;
    if has_month && !(1..=12).contains(&t.mon) {
        return Err(field_overflow(input));
    }
    if has_day && !(1..=31).contains(&t.mday) {
        return Err(field_overflow(input));
    }
    if has_year && has_month && has_day && t.mday > days_in_month(t.year, t.mon) {
        return Err(field_overflow(input));
    }
    if !(0..24).contains(&t.hour)
        || !(0..60).contains(&t.min)
        || !(0..60).contains(&t.sec)
        || !(0..USECS_PER_SEC).contains(&t.fsec)
    {
        return Err(field_overflow(input));
    }
    if f.tzsign != 0 {
        t.utc_offset = Some(f.tzsign * (f.tzh * 3600 + f.tzm * 60));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, value};

    /// Expectations from PostgreSQL 15 (TimeZone UTC).
    #[tokio::test]
    async fn to_date_as_postgres() {
        let cases = [
            ("29/02/2024", "DD/MM/YYYY", "2024-02-29"),
            ("2024-02-29", "YYYY-MM-DD", "2024-02-29"),
            ("Feb 29 2024", "Mon DD YYYY", "2024-02-29"),
            ("20240229", "YYYYMMDD", "2024-02-29"),
            ("29 February 2024", "DD Month YYYY", "2024-02-29"),
            ("2024 060", "YYYY DDD", "2024-02-29"),
            ("2024-1-5", "YYYY-MM-DD", "2024-01-05"),
            ("5 1 2024", "DD MM YYYY", "2024-01-05"),
            ("  2024   01  05", "YYYY MM DD", "2024-01-05"),
            ("2024/01/05", "YYYY-MM-DD", "2024-01-05"),
            ("24-01-05", "YY-MM-DD", "2024-01-05"),
            ("70-01-05", "YY-MM-DD", "1970-01-05"),
            ("124-01-05", "YYY-MM-DD", "2124-01-05"),
            ("2024-1-5", "FXYYYY-MM-DD", "2024-01-05"),
            ("05 Jan 2024", "DD MON YYYY", "2024-01-05"),
            ("05 JANUARY 2024", "DD MONTH YYYY", "2024-01-05"),
            ("monday 05 jan 2024", "Day DD mon YYYY", "2024-01-05"),
            ("2024-W10-3", "IYYY-\"W\"IW-ID", "2024-03-06"),
            ("2024 10 3", "IYYY IW ID", "2024-03-06"),
            ("2024 10", "YYYY WW", "2024-03-04"),
            ("21 24", "CC YY", "2024-01-01"),
            ("2460370", "J", "2024-02-29"),
            ("2024-02-29 extra", "YYYY-MM-DD", "2024-02-29"),
            ("2024", "YYYY-MM-DD", "2024-01-01"),
            ("2024-02-29", "YYYY-MM-DD HH24", "2024-02-29"),
            ("1,234-01-01", "Y,YYY-MM-DD", "1234-01-01"),
            ("Feb-29-2024", "Mon-DD-YYYY", "2024-02-29"),
            ("February 29, 2024", "Month DD, YYYY", "2024-02-29"),
            ("2024 II 29", "YYYY RM DD", "2024-02-29"),
            ("2024 29 02", "YYYY DD MM", "2024-02-29"),
            ("2024-01-05", "YYYYMMDD", "2024-01-01"),
            ("2024015", "YYYYMMDD", "2024-01-05"),
            ("31/12/9999", "DD/MM/YYYY", "9999-12-31"),
            ("2024-02-29", "YYYY-MM-DD-DD", "2024-02-29"),
            ("2024 02 29 5", "YYYY MM DD Q", "2024-02-29"),
            ("2024 02 29 thursday", "YYYY MM DD day", "2024-02-29"),
            ("1st Jan 2024", "DDth Mon YYYY", "2024-01-01"),
            ("2024 02 29", "FMYYYY FMMM FMDD", "2024-02-29"),
            ("1-1-1", "Y-MM-DD", "2001-01-01"),
            ("20-1-1", "CC-MM-DD", "1901-01-01"),
            ("21 00", "CC YY", "2100-01-01"),
            ("2024 13 05", "YYYY DD MM", "2024-05-13"),
        ];
        for (input, template, expected) in cases {
            let sql = format!("SELECT to_date('{input}', '{template}')");
            assert_eq!(value(&sql).await, expected, "{sql}");
        }
        // Year 0 (1 BC) when the template has no year: 0001-12-01 BC on PostgreSQL.
        assert_eq!(value("SELECT to_date('12', 'MM')").await, "0000-12-01");
        assert_eq!(
            value("SELECT to_date('2024 BC', 'YYYY BC')").await,
            "-2023-01-01"
        );
    }

    #[tokio::test]
    async fn to_date_errors_as_postgres() {
        let cases = [
            (
                "2024-13-01",
                "YYYY-MM-DD",
                "22008",
                "date/time field value out of range: \"2024-13-01\"",
            ),
            (
                "2023-02-29",
                "YYYY-MM-DD",
                "22008",
                "date/time field value out of range: \"2023-02-29\"",
            ),
            (
                "2024-02-30",
                "YYYY-MM-DD",
                "22008",
                "date/time field value out of range: \"2024-02-30\"",
            ),
            (
                "abc",
                "YYYY-MM-DD",
                "22007",
                "invalid value \"abc\" for \"YYYY\"",
            ),
            (
                "2024-ab-01",
                "YYYY-MM-DD",
                "22007",
                "invalid value \"ab\" for \"MM\"",
            ),
            (
                "2024x01x05",
                "YYYY-MM-DD",
                "22007",
                "invalid value \"x0\" for \"MM\"",
            ),
            (
                "Foo 29 2024",
                "Mon DD YYYY",
                "22007",
                "invalid value \"Foo\" for \"Mon\"",
            ),
            (
                "2024--01-05",
                "YYYY-MM-DD",
                "22008",
                "date/time field value out of range: \"2024--01-05\"",
            ),
            (
                "20240105",
                "YYYY MM DD",
                "22008",
                "date out of range: \"20240105\"",
            ),
            (
                "202",
                "YYYYMM",
                "22007",
                "source string too short for \"YYYY\" formatting field",
            ),
            (
                "2024 1",
                "YYYY MMDD",
                "22007",
                "source string too short for \"MM\" formatting field",
            ),
            (
                "2024-W10-3",
                "YYYY-\"W\"IW-ID",
                "22007",
                "invalid combination of date conventions",
            ),
            (
                "2024-02-29-28",
                "YYYY-MM-DD-DD",
                "22007",
                "conflicting values for \"DD\" field in formatting string",
            ),
            (
                "99999999999",
                "YYYY",
                "22008",
                "value for \"YYYY\" in source string is out of range",
            ),
            ("9999999", "YYYY", "22008", "date out of range: \"9999999\""),
            (
                "2023 366",
                "YYYY DDD",
                "22008",
                "date/time field value out of range: \"2023 366\"",
            ),
        ];
        for (input, template, code, message) in cases {
            let sql = format!("SELECT to_date('{input}', '{template}')");
            assert_eq!(
                error(&sql).await,
                (code.to_string(), message.to_string()),
                "{sql}"
            );
        }
        assert_eq!(
            error("SELECT to_date('2024-02-29', 'YYYY-MM-DD', 'x')")
                .await
                .0,
            "42883"
        );
    }

    #[tokio::test]
    async fn to_timestamp_as_postgres() {
        let cases = [
            (
                "SELECT to_timestamp('2024-02-29 13:45:07', 'YYYY-MM-DD HH24:MI:SS')",
                "2024-02-29T13:45:07Z",
            ),
            (
                "SELECT to_timestamp('29.02.2024 01:45 PM', 'DD.MM.YYYY HH:MI PM')",
                "2024-02-29T13:45:00Z",
            ),
            (
                "SELECT to_timestamp('2024-02-29 13:45:07.123456', 'YYYY-MM-DD HH24:MI:SS.US')",
                "2024-02-29T13:45:07.123456Z",
            ),
            (
                "SELECT to_timestamp('2024-02-29 13:45:07.5', 'YYYY-MM-DD HH24:MI:SS.MS')",
                "2024-02-29T13:45:07.500Z",
            ),
            (
                "SELECT to_timestamp('2024-02-29 13:45:07.05', 'YYYY-MM-DD HH24:MI:SS.MS')",
                "2024-02-29T13:45:07.050Z",
            ),
            (
                "SELECT to_timestamp('2024-02-29 13:45:07+02', 'YYYY-MM-DD HH24:MI:SSTZH')",
                "2024-02-29T11:45:07Z",
            ),
            (
                "SELECT to_timestamp('2024-02-29 13:45:07 -05:30', 'YYYY-MM-DD HH24:MI:SS TZH:TZM')",
                "2024-02-29T19:15:07Z",
            ),
            ("SELECT to_timestamp('12:00 AM', 'HH:MI AM')", "0000-01-01T00:00:00Z"),
            ("SELECT to_timestamp(0)", "1970-01-01T00:00:00Z"),
            ("SELECT to_timestamp(1709214300)", "2024-02-29T13:45:00Z"),
            ("SELECT to_timestamp(1709214300.5)", "2024-02-29T13:45:00.500Z"),
            ("SELECT to_timestamp(-1)", "1969-12-31T23:59:59Z"),
            (
                "SELECT to_timestamp(1709214300.1234567)",
                "2024-02-29T13:45:00.123457Z",
            ),
            ("SELECT to_timestamp(0.0000015)", "1970-01-01T00:00:00.000002Z"),
            ("SELECT to_timestamp('1709214300')", "2024-02-29T13:45:00Z"),
        ];
        for (sql, expected) in cases {
            assert_eq!(value(sql).await, expected, "{sql}");
        }
        let errors = [
            (
                "SELECT to_timestamp('13:45', 'HH12:MI')",
                "22007",
                "hour \"13\" is invalid for the 12-hour clock",
            ),
            (
                "SELECT to_timestamp('25:00', 'HH24:MI')",
                "22008",
                "date/time field value out of range: \"25:00\"",
            ),
            (
                "SELECT to_timestamp('2024-02-29 13:45 UTC', 'YYYY-MM-DD HH24:MI TZ')",
                "0A000",
                "formatting field \"TZ\" is only supported in to_char",
            ),
            (
                "SELECT to_timestamp(CAST('NaN' AS DOUBLE))",
                "22008",
                "timestamp cannot be NaN",
            ),
            (
                "SELECT to_timestamp(1e20)",
                "22008",
                "timestamp out of range: \"1e+20\"",
            ),
            (
                "SELECT to_timestamp('2024-02-29 12:30:00.123456789', 'YYYY-MM-DD HH24:MI:SS.US')",
                "22008",
                "date/time field value out of range: \"2024-02-29 12:30:00.123456789\"",
            ),
        ];
        for (sql, code, message) in errors {
            assert_eq!(
                error(sql).await,
                (code.to_string(), message.to_string()),
                "{sql}"
            );
        }
    }

    #[test]
    fn c_general_format() {
        assert_eq!(super::c_general(1e20), "1e+20");
        assert_eq!(super::c_general(123456.0), "123456");
        assert_eq!(super::c_general(1234567.0), "1.23457e+06");
        assert_eq!(super::c_general(0.5), "0.5");
    }
}
