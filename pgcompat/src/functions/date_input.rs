//! Numeric dates in the session's `DateStyle` field order (`'02/03/2024'` is February 3
//! under `MDY`, March 2 under `DMY`), which DataFusion's date parser does not read.
//! `crate::rewrite::literals` rewrites a cast of such a literal to `date`, `timestamp` or
//! `timestamptz` as a cast of `pg_datestyle_input(text)`, which gives the same text with
//! the date in ISO order (`2024-02-03 10:11:00`); the cast then reads it as usual.
//!
//! As in PostgreSQL: a first field of three or more digits is the year whatever the order;
//! a year of one or two digits is 1970-2069; a month out of range is 22008 with the hint
//! to change `DateStyle`, a day out of range 22008 without it.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::calendar::days_in_month;
use super::{
    is_string, no_such_function, pg_error, pg_error_hint, session_setting, text, text_of, Eval,
    PgFunction,
};
use crate::catalog::functions::Settings;

/// The function's name (the column namer treats a cast of it as a cast of a literal).
pub(crate) const DATESTYLE_INPUT: &str = "pg_datestyle_input";

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![PgFunction::new(
        DATESTYLE_INPUT,
        |types| Ok(types.iter().map(|_| DataType::Utf8).collect()),
        returns,
        Eval::Settings {
            strict: true,
            row: input_row,
        },
    )]
}

fn returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields {
        [f] if is_string(f.data_type()) => Ok(DataType::Utf8),
        _ => Err(no_such_function(DATESTYLE_INPUT, fields)),
    }
}

/// The order `DateStyle` reads numeric dates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldOrder {
    Mdy,
    Dmy,
    Ymd,
}

impl FieldOrder {
    /// The order of a `DateStyle` setting (`ISO, MDY`, `German`, `euro`); `MDY` when it
    /// names none (`German` alone is `DMY`).
    pub(crate) fn of_setting(setting: &str) -> FieldOrder {
        let mut order = None;
        let mut german = false;
        for word in setting
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(str::to_ascii_lowercase)
        {
            match word.as_str() {
                "dmy" | "euro" | "european" => order = Some(FieldOrder::Dmy),
                "mdy" | "us" | "noneuropean" | "non-european" => order = Some(FieldOrder::Mdy),
                "ymd" => order = Some(FieldOrder::Ymd),
                "german" => german = true,
                _ => {}
            }
        }
        order.unwrap_or(if german {
            FieldOrder::Dmy
        } else {
            FieldOrder::Mdy
        })
    }
}

/// Whether `text` starts with a numeric date PostgreSQL reads by `DateStyle`: three groups
/// of digits separated by one of `/`, `-`, `.` (the same twice), the first of at most two
/// digits (a year first is ISO, which DataFusion reads) and then the end, or a space.
pub(crate) fn is_numeric_date(text: &str) -> bool {
    split_date(text.trim()).is_some_and(|(fields, _)| fields[0].len() <= 2)
}

/// The three digit groups of a numeric date and the rest of the text.
fn split_date(text: &str) -> Option<([&str; 3], &str)> {
    let end = text.find(' ').unwrap_or(text.len());
    let (date, rest) = text.split_at(end);
    let separator = date.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let parts: Vec<&str> = date.split(separator).collect();
    let digits = |p: &&str| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [a, b, c] if [a, b, c].iter().all(|p| digits(p)) => Some(([a, b, c], rest)),
        _ => None,
    }
}

fn out_of_range(input: &str, with_hint: bool) -> datafusion::error::DataFusionError {
    let message = format!("date/time field value out of range: \"{input}\"");
    if with_hint {
        pg_error_hint(
            SqlState::DatetimeFieldOverflow,
            message,
            "Perhaps you need a different \"datestyle\" setting.",
        )
    } else {
        pg_error(SqlState::DatetimeFieldOverflow, message)
    }
}

/// A year as written: one or two digits are 1970-2069.
fn full_year(written: &str) -> i64 {
    let year: i64 = written.parse().unwrap_or(0);
    match (written.len() <= 2, year < 70) {
        (true, true) => year + 2000,
        (true, false) => year + 1900,
        _ => year,
    }
}

/// The text with its numeric date in ISO order (`None` when it has none).
pub(crate) fn iso_order(input: &str, order: FieldOrder) -> Result<Option<String>> {
    let trimmed = input.trim();
    let Some(([a, b, c], rest)) = split_date(trimmed) else {
        return Ok(None);
    };
    let (year, month, day) = match order {
        _ if a.len() >= 3 => (a, b, c),
        FieldOrder::Mdy => (c, a, b),
        FieldOrder::Dmy => (c, b, a),
        FieldOrder::Ymd => (a, b, c),
    };
    let year = full_year(year);
    let (month, day): (i64, i64) = (month.parse().unwrap_or(0), day.parse().unwrap_or(0));
    if !(1..=12).contains(&month) {
        return Err(out_of_range(input, true));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(out_of_range(input, false));
    }
    Ok(Some(format!("{year:04}-{month:02}-{day:02}{rest}")))
}

fn input_row(
    args: &[ScalarValue],
    _: &DataType,
    settings: Option<&Settings>,
) -> Result<ScalarValue> {
    let Some(input) = text_of(&args[0]) else {
        return Ok(ScalarValue::Null);
    };
    let order = session_setting(settings, "datestyle")
        .map(|s| FieldOrder::of_setting(&s))
        .unwrap_or(FieldOrder::Mdy);
    let iso = iso_order(input, order)?.unwrap_or_else(|| input.to_string());
    Ok(text(crate::rewrite::literals::with_seconds(&iso)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PostgreSQL 15 (`SET DateStyle = ...; SELECT '...'::date`).
    #[test]
    fn orders_like_postgres() {
        let iso = |text, order| iso_order(text, order).unwrap().unwrap();
        assert_eq!(iso("02/03/2024", FieldOrder::Mdy), "2024-02-03");
        assert_eq!(iso("02/03/2024", FieldOrder::Dmy), "2024-03-02");
        assert_eq!(iso("02.03.2024 10:11", FieldOrder::Dmy), "2024-03-02 10:11");
        assert_eq!(iso("2/3/24", FieldOrder::Mdy), "2024-02-03");
        assert_eq!(iso("2/3/70", FieldOrder::Mdy), "1970-02-03");
        assert_eq!(iso("2/3/124", FieldOrder::Mdy), "0124-02-03");
        assert_eq!(iso("24/03/02", FieldOrder::Ymd), "2024-03-02");
        assert_eq!(iso("2024/03/02", FieldOrder::Dmy), "2024-03-02");
        assert!(iso_order("2024-02-29 10:00", FieldOrder::Mdy).is_ok());
        assert_eq!(iso_order("epoch", FieldOrder::Mdy).unwrap(), None);
    }

    #[test]
    fn fields_out_of_range() {
        assert!(iso_order("13/02/2024", FieldOrder::Mdy).is_err());
        assert!(iso_order("02/30/2024", FieldOrder::Mdy).is_err());
        assert!(iso_order("02/03/2024", FieldOrder::Ymd).is_err());
        assert!(is_numeric_date("13/02/2024"));
        assert!(!is_numeric_date("2024-02-29"));
        assert!(!is_numeric_date("Feb 29 2024"));
    }

    #[test]
    fn setting_orders() {
        assert_eq!(FieldOrder::of_setting("ISO, MDY"), FieldOrder::Mdy);
        assert_eq!(FieldOrder::of_setting("SQL, DMY"), FieldOrder::Dmy);
        assert_eq!(FieldOrder::of_setting("German"), FieldOrder::Dmy);
        assert_eq!(FieldOrder::of_setting("ymd"), FieldOrder::Ymd);
    }

    #[tokio::test]
    async fn cast_of_the_input() {
        let values = crate::functions::test_support::row(
            "SELECT CAST(pg_datestyle_input('02/03/2024') AS DATE), \
             CAST(pg_datestyle_input('02/03/2024 10:11') AS TIMESTAMP)",
        )
        .await
        .unwrap();
        assert_eq!(values, ["2024-02-03", "2024-02-03T10:11:00"]);
    }
}
