//! `upper` and `lower` letter by letter, as PostgreSQL's `towupper`/`towlower` map them:
//! a letter whose full case mapping is several letters keeps its simple mapping
//! (`upper('straße')` is `STRAßE`, `lower('İ')` is `i`), where DataFusion uses the full
//! mappings (`STRASSE`, `i̇`) and Greek's final sigma.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};

use super::{no_such_function, text, text_of, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, row| {
        PgFunction::new(
            name,
            super::strings::coerce_text,
            returns,
            Eval::Rows { strict: true, row },
        )
    };
    vec![f("upper", upper_row), f("lower", lower_row)]
}

fn returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields {
        [f] if f.data_type() == &DataType::Utf8 => Ok(DataType::Utf8),
        _ => Err(no_such_function("upper", fields)),
    }
}

/// A letter in upper case: unchanged when its upper case is several letters (`ß`).
fn upper_letter(c: char) -> char {
    let mut mapped = c.to_uppercase();
    match (mapped.next(), mapped.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// A letter in lower case: the first letter of a several-letter mapping (`İ` is `i`, its
/// simple mapping).
fn lower_letter(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn upper_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(match text_of(&args[0]) {
        Some(value) => text(value.chars().map(upper_letter).collect::<String>()),
        None => ScalarValue::Utf8(None),
    })
}

fn lower_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(match text_of(&args[0]) {
        Some(value) => text(value.chars().map(lower_letter).collect::<String>()),
        None => ScalarValue::Utf8(None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PostgreSQL 15: `upper('straße')` is `STRAßE`, `lower('İ')` is `i`, `lower('ΟΔΟΣ')`
    /// is `οδοσ`, `upper('ǆ')` is `Ǆ`.
    #[test]
    fn letters_like_postgres() {
        let upper = |s: &str| s.chars().map(upper_letter).collect::<String>();
        let lower = |s: &str| s.chars().map(lower_letter).collect::<String>();
        assert_eq!(upper("straße"), "STRAßE");
        assert_eq!(upper("ǆ"), "Ǆ");
        assert_eq!(lower("İstanbul"), "istanbul");
        assert_eq!(lower("ΟΔΟΣ"), "οδοσ");
        assert_eq!(lower("ÉCOLE"), "école");
    }
}
