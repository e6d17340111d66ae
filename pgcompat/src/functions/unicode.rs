//! PostgreSQL's Unicode text functions DataFusion lacks:
//!
//! - `unistr(text)`: `\XXXX`, `\+XXXXXX`, `\uXXXX` and `\UXXXXXXXX` escapes (UTF-16
//!   surrogate pairs joined) and `\\`; anything else after a backslash is 42601, as in
//!   PostgreSQL;
//! - `normalize(text [, form])` and `is_normalized(text [, form])` (behind `x IS [NOT]
//!   [form] NORMALIZED`, which `crate::rewrite::pg_syntax` rewrites): the forms `NFC`
//!   (the default), `NFD`, `NFKC`, `NFKD`.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;
use unicode_normalization::UnicodeNormalization;

use super::{
    is_string, no_such_function, pg_error, pg_error_hint, text, text_of, Eval, PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Rows { strict: true, row })
    };
    vec![
        f("unistr", unistr_returns, unistr_row),
        f("normalize", normalize_returns, normalize_row),
        f("is_normalized", is_normalized_returns, is_normalized_row),
    ]
}

fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| match t {
            t if is_string(t) || t == &DataType::Null => DataType::Utf8,
            t => t.clone(),
        })
        .collect())
}

fn all_text(fields: &[FieldRef], counts: std::ops::RangeInclusive<usize>) -> bool {
    counts.contains(&fields.len()) && fields.iter().all(|f| f.data_type() == &DataType::Utf8)
}

fn unistr_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if all_text(fields, 1..=1) {
        Ok(DataType::Utf8)
    } else {
        Err(no_such_function("unistr", fields))
    }
}

fn normalize_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if all_text(fields, 1..=2) {
        Ok(DataType::Utf8)
    } else {
        Err(no_such_function("normalize", fields))
    }
}

fn is_normalized_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if all_text(fields, 1..=2) {
        Ok(DataType::Boolean)
    } else {
        Err(no_such_function("is_normalized", fields))
    }
}

fn invalid_escape() -> datafusion::error::DataFusionError {
    pg_error_hint(
        SqlState::SyntaxError,
        "invalid Unicode escape",
        "Unicode escapes must be \\XXXX, \\+XXXXXX, \\uXXXX, or \\UXXXXXXXX.",
    )
}

fn invalid_surrogate() -> datafusion::error::DataFusionError {
    pg_error(SqlState::SyntaxError, "invalid Unicode surrogate pair")
}

/// The code point of the `digits` hex digits at the start of `rest`.
fn hex_code(rest: &[char], digits: usize) -> Result<u32> {
    if rest.len() < digits || !rest[..digits].iter().all(char::is_ascii_hexdigit) {
        return Err(invalid_escape());
    }
    let hex: String = rest[..digits].iter().collect();
    u32::from_str_radix(&hex, 16).map_err(|_| invalid_escape())
}

/// The escape after a backslash at `chars[i]`: its code point and its length (with the
/// backslash).
fn escape_at(chars: &[char], i: usize) -> Result<(u32, usize)> {
    let rest = &chars[i + 1..];
    match rest.first() {
        Some('+') => Ok((hex_code(&rest[1..], 6)?, 8)),
        Some('u') => Ok((hex_code(&rest[1..], 4)?, 6)),
        Some('U') => Ok((hex_code(&rest[1..], 8)?, 10)),
        _ => Ok((hex_code(rest, 4)?, 5)),
    }
}

fn is_high_surrogate(code: u32) -> bool {
    (0xD800..=0xDBFF).contains(&code)
}

fn is_low_surrogate(code: u32) -> bool {
    (0xDC00..=0xDFFF).contains(&code)
}

/// PostgreSQL's `unistr`.
fn decode_unistr(input: &str) -> Result<String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len());
    let mut pending_high: Option<u32> = None;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\\' {
            if pending_high.is_some() {
                return Err(invalid_surrogate());
            }
            out.push(chars[i]);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'\\') {
            if pending_high.is_some() {
                return Err(invalid_surrogate());
            }
            out.push('\\');
            i += 2;
            continue;
        }
        let (code, length) = escape_at(&chars, i)?;
        i += length;
        let code = match pending_high.take() {
            Some(high) if is_low_surrogate(code) => {
                0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
            }
            Some(_) => return Err(invalid_surrogate()),
            None if is_high_surrogate(code) => {
                pending_high = Some(code);
                continue;
            }
            None if is_low_surrogate(code) => return Err(invalid_surrogate()),
            None => code,
        };
        out.push(char::from_u32(code).ok_or_else(invalid_escape)?);
    }
    if pending_high.is_some() {
        return Err(invalid_surrogate());
    }
    Ok(out)
}

fn unistr_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    match text_of(&args[0]) {
        Some(value) => Ok(text(decode_unistr(value)?)),
        None => Ok(ScalarValue::Null),
    }
}

/// A normalization form by name (`NFC` when not given); 22023 for another name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Nfc,
    Nfd,
    Nfkc,
    Nfkd,
}

fn form_of(args: &[ScalarValue]) -> Result<Form> {
    let Some(name) = args.get(1).and_then(text_of) else {
        return Ok(Form::Nfc);
    };
    match name.trim().to_ascii_uppercase().as_str() {
        "NFC" => Ok(Form::Nfc),
        "NFD" => Ok(Form::Nfd),
        "NFKC" => Ok(Form::Nfkc),
        "NFKD" => Ok(Form::Nfkd),
        _ => Err(pg_error(
            SqlState::InvalidParameterValue,
            format!("invalid normalization form: {name}"),
        )),
    }
}

fn normalized(value: &str, form: Form) -> String {
    match form {
        Form::Nfc => value.nfc().collect(),
        Form::Nfd => value.nfd().collect(),
        Form::Nfkc => value.nfkc().collect(),
        Form::Nfkd => value.nfkd().collect(),
    }
}

fn normalize_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let form = form_of(args)?;
    match text_of(&args[0]) {
        Some(value) => Ok(text(normalized(value, form))),
        None => Ok(ScalarValue::Null),
    }
}

fn is_normalized_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let form = form_of(args)?;
    match text_of(&args[0]) {
        Some(value) => Ok(ScalarValue::Boolean(Some(normalized(value, form) == value))),
        None => Ok(ScalarValue::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_support::row;

    #[test]
    fn unistr_escapes_like_postgres() {
        assert_eq!(decode_unistr("\\0041\\00e9").unwrap(), "Aé");
        assert_eq!(decode_unistr("\\+01F600 \\u00e9 \\\\").unwrap(), "😀 é \\");
        assert_eq!(decode_unistr("\\uD83D\\uDE00").unwrap(), "😀");
        assert!(decode_unistr("\\zz").is_err());
        assert!(decode_unistr("\\d800").is_err());
    }

    /// PostgreSQL 15: `normalize('ﬁ', NFKC)` is `fi`; `'ﬁ' IS NFKC NORMALIZED` is false.
    #[tokio::test]
    async fn normalization_like_postgres() {
        let values = row(
            "SELECT normalize('ﬁ', 'NFKC'), is_normalized('ﬁ', 'NFKC'), \
             normalize('é', 'NFD') = concat('e', unistr('\\0301')), is_normalized('a')",
        )
        .await
        .unwrap();
        assert_eq!(values, ["fi", "false", "true", "true"]);
    }
}
