//! PostgreSQL literal forms that DataFusion reads differently or not at all, rewritten in
//! the statement before planning:
//!
//! - interval text with clock times, `interval '1 day 03:04:05'` or `'-00:30'::interval`:
//!   PostgreSQL reads `H:MM[:SS[.f]]` as hours, minutes and seconds; DataFusion's interval
//!   parser wants unit words, so the time is spelled out (`3 hours 4 minutes 5 seconds`);
//! - `'\xDEADBEEF'::bytea` and the escape form `'a\\b\001'::bytea`: PostgreSQL decodes the
//!   text; DataFusion would keep the backslashes as bytes. The literal becomes a hex literal;
//! - date and timestamp text PostgreSQL reads and DataFusion's parser does not: a time
//!   without seconds (`'2024-02-29 13:45'::timestamp`, `TIMESTAMPTZ '2024-02-29 13:45+02'`),
//!   `'epoch'`, `'20240229'`, month names (`'Feb 29 2024'`, `'29 February 2024'`). The text
//!   becomes ISO (`2024-02-29 13:45:00`); other text is left for DataFusion to read or
//!   refuse; numeric dates (`'02/03/2024'`) are read in the session's `DateStyle` order by
//!   `pg_datestyle_input` (`crate::functions::date_input`) before the cast;
//! - numbers beyond DataFusion's decimal range (`1e299`, `1e-200`): PostgreSQL reads them as
//!   `numeric`; DataFusion reads every non-integer literal as a decimal here and fails on a
//!   scale or precision it cannot hold. They become `double precision`, the closest type
//!   that holds them.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, CastKind, DataType, Expr, Statement, Value, ValueWithSpan,
};
use datafusion_pg_catalog::sql::rules::SqlStatementRewriteRule;

use crate::functions::date_input::{is_numeric_date, DATESTYLE_INPUT};
use crate::rewrite::pg_syntax::call;

/// The rewrite rule (see the module documentation).
#[derive(Debug, Default)]
pub struct PostgresLiterals;

impl SqlStatementRewriteRule for PostgresLiterals {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = visit_expressions_mut(&mut statement, |expr| {
            rewrite_expr(expr);
            ControlFlow::<()>::Continue(())
        });
        statement
    }
}

fn rewrite_expr(expr: &mut Expr) {
    match expr {
        Expr::Interval(interval) => {
            if let Some(text) = string_literal_mut(&mut interval.value) {
                *text = spell_out_clock_times(text);
            }
        }
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => match data_type {
            DataType::Interval { .. } => {
                if let Some(text) = string_literal_mut(inner) {
                    *text = spell_out_clock_times(text);
                }
            }
            DataType::Timestamp(..) | DataType::Date => {
                let date_only = matches!(data_type, DataType::Date);
                if let Some(text) = string_literal_mut(inner) {
                    if let Some(iso) = iso_datetime(text, date_only) {
                        *text = iso;
                    } else if is_numeric_date(text) {
                        let literal =
                            std::mem::replace(&mut **inner, Expr::Value(Value::Null.into()));
                        **inner = call(DATESTYLE_INPUT, vec![literal]);
                    }
                }
            }
            DataType::Bytea => {
                let hex = string_literal_mut(inner).and_then(|text| decode_bytea(text));
                if let Some(hex) = hex {
                    **inner = Expr::Value(Value::HexStringLiteral(hex).into());
                }
            }
            _ => {}
        },
        Expr::TypedString(typed)
            if matches!(typed.data_type, DataType::Timestamp(..) | DataType::Date) =>
        {
            let date_only = matches!(typed.data_type, DataType::Date);
            if let Value::SingleQuotedString(text) = &mut typed.value.value {
                if let Some(iso) = iso_datetime(text, date_only) {
                    *text = iso;
                } else if is_numeric_date(text) {
                    let literal = Expr::Value(Value::SingleQuotedString(text.clone()).into());
                    *expr = Expr::Cast {
                        kind: CastKind::Cast,
                        expr: Box::new(call(DATESTYLE_INPUT, vec![literal])),
                        data_type: typed.data_type.clone(),
                        array: false,
                        format: None,
                    };
                }
            }
        }
        Expr::Value(ValueWithSpan {
            value: Value::Number(number, _),
            ..
        }) if fits_a_decimal(number) => {
            // A whole number stays as written: in plain digits it would read as an
            // integer, and `1e3` is numeric in PostgreSQL.
            if let Some(plain) = plain_number(number).filter(|p| p.contains('.')) {
                *number = plain;
            }
        }
        Expr::Value(ValueWithSpan {
            value: Value::Number(number, _),
            ..
        }) => {
            let text = number.clone();
            *expr = Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(Expr::Value(Value::SingleQuotedString(text).into())),
                data_type: DataType::DoublePrecision,
                array: false,
                format: None,
            };
        }
        _ => {}
    }
}

/// Date or timestamp input PostgreSQL reads, as ISO text DataFusion reads; `None` when the
/// text needs no change or is not one of these forms.
fn iso_datetime(text: &str, date_only: bool) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("epoch") {
        let epoch = if date_only {
            "1970-01-01"
        } else {
            "1970-01-01 00:00:00+00"
        };
        return Some(epoch.to_string());
    }
    if let Some(with_seconds) = add_missing_seconds(trimmed) {
        return Some(with_seconds);
    }
    const DATE_FORMS: &[&str] = &[
        "%Y%m%d",
        "%b %d %Y",
        "%B %d %Y",
        "%b %d, %Y",
        "%B %d, %Y",
        "%d %b %Y",
        "%d %B %Y",
    ];
    DATE_FORMS.iter().find_map(|form| {
        chrono::NaiveDate::parse_from_str(trimmed, form)
            .ok()
            .map(|date| date.format("%Y-%m-%d").to_string())
    })
}

/// The text with `:00` seconds added to a `YYYY-MM-DD HH:MM` time (see
/// [`add_missing_seconds`]), or as it is.
pub(crate) fn with_seconds(text: &str) -> String {
    add_missing_seconds(text).unwrap_or_else(|| text.to_string())
}

/// `YYYY-MM-DD HH:MM` (or `T`, and a zone or anything after) with `:00` seconds added.
fn add_missing_seconds(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let date_ok = bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !date_ok || !matches!(bytes.get(10), Some(b' ' | b'T')) {
        return None;
    }
    let time = &text[11..];
    let hour_digits = time.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&hour_digits) || time.as_bytes().get(hour_digits) != Some(&b':') {
        return None;
    }
    let after_colon = &time[hour_digits + 1..];
    let minute_digits = after_colon.bytes().take_while(u8::is_ascii_digit).count();
    if minute_digits != 2 || after_colon.as_bytes().get(2) == Some(&b':') {
        return None;
    }
    let cut = 11 + hour_digits + 1 + 2;
    Some(format!("{}:00{}", &text[..cut], &text[cut..]))
}

fn string_literal_mut(expr: &mut Expr) -> Option<&mut String> {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(text),
            ..
        }) => Some(text),
        _ => None,
    }
}

/// `1 day -03:04:05.5` → `1 day -3 hours -4 minutes -5.5 seconds`. Words that are not clock
/// times are kept as they are.
fn spell_out_clock_times(text: &str) -> String {
    text.split_whitespace()
        .map(|word| clock_time(word).unwrap_or_else(|| word.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn clock_time(word: &str) -> Option<String> {
    let (sign, unsigned) = match word.as_bytes().first()? {
        b'-' => ("-", &word[1..]),
        b'+' => ("", &word[1..]),
        _ => ("", word),
    };
    let parts: Vec<&str> = unsigned.split(':').collect();
    let is_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let seconds_ok = |part: &str| {
        let (whole, fraction) = part.split_once('.').unwrap_or((part, "0"));
        is_digits(whole) && is_digits(fraction)
    };
    let valid = match parts.as_slice() {
        [hours, minutes] => is_digits(hours) && is_digits(minutes),
        [hours, minutes, seconds] => is_digits(hours) && is_digits(minutes) && seconds_ok(seconds),
        _ => false,
    };
    if !valid {
        return None;
    }
    let units = ["hours", "minutes", "seconds"];
    Some(
        parts
            .iter()
            .zip(units)
            .map(|(amount, unit)| format!("{sign}{amount} {unit}"))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The bytes of PostgreSQL bytea input text as hex digits: `\x` followed by hex pairs, or
/// the escape format (`\\` is a backslash, `\ooo` an octal byte, anything else itself).
/// `None` when the text is not valid bytea input; DataFusion then reports the cast.
fn decode_bytea(text: &str) -> Option<String> {
    if let Some(hex) = text
        .strip_prefix("\\x")
        .or_else(|| text.strip_prefix("\\X"))
    {
        let digits: String = hex.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let valid = digits.len().is_multiple_of(2) && digits.chars().all(|c| c.is_ascii_hexdigit());
        return valid.then(|| digits.to_ascii_lowercase());
    }
    if !text.contains('\\') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
        } else if bytes.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            let octal = text.get(i + 1..i + 4)?;
            if !octal.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return None;
            }
            out.push(u8::from_str_radix(octal, 8).ok()?);
            i += 4;
        }
    }
    Some(out.iter().map(|b| format!("{b:02x}")).collect())
}

/// A number with an exponent written out in plain digits (`1e3` is `1000`, `1.5e-3` is
/// `0.0015`), with the scale PostgreSQL's numeric gives it (the digits after the point
/// less the exponent, at least 0); DataFusion reads an exponent as a negative decimal
/// scale it cannot hold. `None` for a number without an exponent or beyond 38 digits.
fn plain_number(number: &str) -> Option<String> {
    let (mantissa, exponent) = number.split_once(['e', 'E'])?;
    let exponent: i64 = exponent.parse().ok()?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{whole}{fraction}");
    let point = whole.len() as i64 + exponent;
    if !(-38..=38).contains(&point) || digits.len() > 38 {
        return None;
    }
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let int_part = int_part.trim_start_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    Some(if frac_part.is_empty() {
        int_part.to_string()
    } else {
        format!("{int_part}.{frac_part}")
    })
}

/// Whether DataFusion can read the number literal as a decimal: at most 76 digits and a
/// scale between -128 and 127 (an `i8`).
fn fits_a_decimal(number: &str) -> bool {
    let lower = number.to_ascii_lowercase();
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((mantissa, exponent)) => match exponent.parse::<i64>() {
            Ok(exponent) => (mantissa, exponent),
            Err(_) => return true,
        },
        None => (lower.as_str(), 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = whole.trim_start_matches('0').len() + fraction.len();
    let scale = fraction.len() as i64 - exponent;
    let precision = digits.max(usize::try_from(scale).unwrap_or(0)) as i64;
    (-128..=127).contains(&scale) && precision <= 76
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_input_postgres_reads() {
        assert_eq!(
            iso_datetime("2024-02-29 13:45", false).as_deref(),
            Some("2024-02-29 13:45:00")
        );
        assert_eq!(
            iso_datetime("2024-02-29T9:05+02", false).as_deref(),
            Some("2024-02-29T9:05:00+02")
        );
        assert_eq!(iso_datetime("2024-02-29 13:45:10", false), None);
        assert_eq!(
            iso_datetime("20240229", true).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            iso_datetime("Feb 29 2024", true).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(
            iso_datetime("29 February 2024", true).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(iso_datetime("epoch", true).as_deref(), Some("1970-01-01"));
        assert_eq!(iso_datetime("01/02/2024", true), None);
    }

    fn rewritten(sql: &str) -> String {
        PostgresLiterals
            .rewrite(crate::rewrite::parse::plain_statement(sql))
            .to_string()
    }

    #[test]
    fn numeric_dates_are_read_in_datestyle_order() {
        assert_eq!(
            rewritten("SELECT '02/03/2024'::date, DATE '13/02/2024'"),
            "SELECT pg_datestyle_input('02/03/2024')::DATE, CAST(pg_datestyle_input('13/02/2024') AS DATE)"
        );
    }

    #[test]
    fn clock_times_in_intervals_are_spelled_out() {
        assert_eq!(
            rewritten("SELECT interval '03:04:05'"),
            "SELECT INTERVAL '03 hours 04 minutes 05 seconds'"
        );
        assert_eq!(
            rewritten("SELECT '1 day -00:30'::interval"),
            "SELECT '1 day -00 hours -30 minutes'::INTERVAL"
        );
        assert_eq!(
            rewritten("SELECT interval '2 days'"),
            "SELECT INTERVAL '2 days'"
        );
        assert_eq!(
            clock_time("1:2:3.25").unwrap(),
            "1 hours 2 minutes 3.25 seconds"
        );
        assert!(clock_time("1:x").is_none());
        assert!(clock_time("1:2:3:4").is_none());
    }

    #[test]
    fn bytea_text_is_decoded() {
        assert_eq!(
            rewritten("SELECT '\\xDEADbeef'::bytea"),
            "SELECT X'deadbeef'::BYTEA"
        );
        assert_eq!(decode_bytea("a\\\\b\\001").unwrap(), "615c6201");
        assert!(decode_bytea("\\xabc").is_none());
        assert!(decode_bytea("\\9").is_none());
        assert!(decode_bytea("plain").is_none());
    }

    #[test]
    fn exponents_are_written_out() {
        assert_eq!(plain_number("1e3").as_deref(), Some("1000"));
        assert_eq!(plain_number("1.5e-3").as_deref(), Some("0.0015"));
        assert_eq!(plain_number("2E+2").as_deref(), Some("200"));
        assert_eq!(plain_number("12.50e1").as_deref(), Some("125.0"));
        assert_eq!(plain_number("42"), None);
    }

    #[test]
    fn numbers_beyond_decimals_become_double() {
        assert!(fits_a_decimal("1.5"));
        assert!(fits_a_decimal("1e10"));
        assert!(fits_a_decimal("12345678901234567890.5"));
        assert!(!fits_a_decimal("1e299"));
        assert!(!fits_a_decimal("1.5e-200"));
        assert_eq!(
            rewritten("SELECT x FROM t WHERE d > 1e299"),
            "SELECT x FROM t WHERE d > CAST('1e299' AS DOUBLE PRECISION)"
        );
    }
}
