//! PostgreSQL's `substring` in its three forms, and the `bytea` functions DataFusion lacks:
//!
//! - `substring(text FROM start [FOR count])` counts characters, `substring(bytea FROM
//!   start [FOR count])` bytes, both from 1 (a start before 1 shortens the result, as
//!   PostgreSQL's does); a negative count is 22011;
//! - `substring(text FROM pattern)`: the part the first parenthesized subexpression of
//!   the POSIX regular expression matched (the whole match without one), NULL without a
//!   match (`crate::functions::regex` runs the pattern);
//! - `get_byte(bytea, n)`, `set_byte(bytea, n, value)`: bytes from 0, 2202E out of range;
//! - `encode(bytea, format)`: `base64` (padded, a newline after every 76 characters, as
//!   PostgreSQL writes it), `hex`, `escape` (a NUL or a byte from 0x80 as `\ooo`, a
//!   backslash doubled);
//! - `convert_to(text, encoding)`: the text's bytes in `UTF8` (or `SQL_ASCII`) or `LATIN1`;
//!   other encodings PostgreSQL knows are refused with 0A000.
//!
//! `crate::rewrite::pg_syntax` plans the SQL forms `substring(x FROM a FOR b)` as calls of
//! this `substring`.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::regex::substring_match;
use super::{int_of, is_string, no_such_function, pg_error, text, text_of, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, coerce, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Rows { strict: true, row })
    };
    vec![
        f(
            "substring",
            coerce_substring,
            substring_returns,
            substring_row,
        ),
        f("get_byte", coerce_bytes, get_byte_returns, get_byte_row),
        f("set_byte", coerce_bytes, set_byte_returns, set_byte_row),
        f(
            "convert_to",
            coerce_bytes,
            convert_to_returns,
            convert_to_row,
        ),
        f("encode", coerce_bytes, encode_returns, encode_row),
    ]
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

/// Text as `text`, bytes as `bytea`, integers as `bigint`; a pattern stays text.
fn coerce_substring(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            t if is_string(t) => DataType::Utf8,
            DataType::Null if i == 0 => DataType::Utf8,
            t if is_binary(t) => DataType::Binary,
            t if i > 0 && (t.is_integer() || t == &DataType::Null) => DataType::Int64,
            t => t.clone(),
        })
        .collect())
}

fn coerce_bytes(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| match t {
            t if is_string(t) || t == &DataType::Null => DataType::Utf8,
            t if is_binary(t) => DataType::Binary,
            t if t.is_integer() => DataType::Int64,
            t => t.clone(),
        })
        .collect())
}

fn types_of(fields: &[FieldRef]) -> Vec<&DataType> {
    fields.iter().map(|f| f.data_type()).collect()
}

fn substring_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match types_of(fields).as_slice() {
        [DataType::Utf8, DataType::Int64] | [DataType::Utf8, DataType::Int64, DataType::Int64] => {
            Ok(DataType::Utf8)
        }
        [DataType::Binary, DataType::Int64]
        | [DataType::Binary, DataType::Int64, DataType::Int64] => Ok(DataType::Binary),
        [DataType::Utf8, DataType::Utf8] => Ok(DataType::Utf8),
        [DataType::Utf8, DataType::Utf8, DataType::Utf8] => Err(pg_error(
            SqlState::FeatureNotSupported,
            "substring(text FROM pattern FOR escape) (an SQL regular expression) is not supported",
        )),
        _ => Err(no_such_function("substring", fields)),
    }
}

/// The range `[start, start + count)` of 1-based positions, clipped to `1..=length`, as
/// 0-based offsets; 22011 for a negative count.
fn clipped_range(length: usize, start: i64, count: Option<i64>) -> Result<(usize, usize)> {
    let end = match count {
        Some(count) if count < 0 => {
            return Err(pg_error(
                SqlState::SubstringError,
                "negative substring length not allowed",
            ))
        }
        Some(count) => start.saturating_add(count),
        None => i64::MAX,
    };
    let clip = |position: i64| (position.max(1) - 1).min(length as i64) as usize;
    let (from, to) = (clip(start), clip(end));
    Ok((from, to.max(from)))
}

fn substring_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let count = args.get(2).and_then(int_of);
    match (&args[0], &args[1]) {
        (ScalarValue::Utf8(Some(value)), ScalarValue::Utf8(Some(pattern))) => {
            Ok(ScalarValue::Utf8(substring_match(value, pattern)?))
        }
        (ScalarValue::Utf8(Some(value)), start) => {
            let chars: Vec<char> = value.chars().collect();
            let (from, to) = clipped_range(chars.len(), int_of(start).unwrap_or(1), count)?;
            Ok(text(chars[from..to].iter().collect::<String>()))
        }
        (ScalarValue::Binary(Some(bytes)), start) => {
            let (from, to) = clipped_range(bytes.len(), int_of(start).unwrap_or(1), count)?;
            Ok(ScalarValue::Binary(Some(bytes[from..to].to_vec())))
        }
        _ => Ok(ScalarValue::Null),
    }
}

fn get_byte_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match types_of(fields).as_slice() {
        [DataType::Binary, DataType::Int64] => Ok(DataType::Int32),
        _ => Err(no_such_function("get_byte", fields)),
    }
}

fn set_byte_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match types_of(fields).as_slice() {
        [DataType::Binary, DataType::Int64, DataType::Int64] => Ok(DataType::Binary),
        _ => Err(no_such_function("set_byte", fields)),
    }
}

fn convert_to_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match types_of(fields).as_slice() {
        [DataType::Utf8, DataType::Utf8] => Ok(DataType::Binary),
        _ => Err(no_such_function("convert_to", fields)),
    }
}

/// The offset of byte `n` of `bytes`, or PostgreSQL's 2202E.
fn byte_index(bytes: &[u8], n: i64) -> Result<usize> {
    usize::try_from(n)
        .ok()
        .filter(|&i| i < bytes.len())
        .ok_or_else(|| {
            pg_error(
                SqlState::ArraySubscriptError,
                format!(
                    "index {n} out of valid range, 0..{}",
                    bytes.len() as i64 - 1
                ),
            )
        })
}

fn bytes_of(value: &ScalarValue) -> Option<&[u8]> {
    match value {
        ScalarValue::Binary(Some(bytes)) => Some(bytes),
        _ => None,
    }
}

fn get_byte_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (Some(bytes), Some(n)) = (bytes_of(&args[0]), int_of(&args[1])) else {
        return Ok(ScalarValue::Null);
    };
    let index = byte_index(bytes, n)?;
    Ok(ScalarValue::Int32(Some(i32::from(bytes[index]))))
}

fn set_byte_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (Some(bytes), Some(n), Some(value)) =
        (bytes_of(&args[0]), int_of(&args[1]), int_of(&args[2]))
    else {
        return Ok(ScalarValue::Null);
    };
    let index = byte_index(bytes, n)?;
    let mut changed = bytes.to_vec();
    // PostgreSQL keeps the low eight bits of the new value.
    changed[index] = (value & 0xff) as u8;
    Ok(ScalarValue::Binary(Some(changed)))
}

fn encode_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match types_of(fields).as_slice() {
        [DataType::Binary, DataType::Utf8] => Ok(DataType::Utf8),
        _ => Err(no_such_function("encode", fields)),
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// PostgreSQL's base64: padded, with a newline after every 76 characters.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    let mut line = 0;
    for chunk in bytes.chunks(3) {
        if line == 76 {
            out.push('\n');
            line = 0;
        }
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |w, (i, b)| w | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (word >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(BASE64_ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
        line += 4;
    }
    out
}

/// PostgreSQL's `escape` format.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            0 | 0x80..=0xff => out.push_str(&format!("\\{b:03o}")),
            _ => out.push(char::from(b)),
        }
    }
    out
}

fn encode_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (Some(bytes), Some(format)) = (bytes_of(&args[0]), text_of(&args[1])) else {
        return Ok(ScalarValue::Null);
    };
    let encoded = match format.to_ascii_lowercase().as_str() {
        "base64" => base64(bytes),
        "hex" => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        "escape" => escape(bytes),
        _ => {
            return Err(pg_error(
                SqlState::InvalidParameterValue,
                format!("unrecognized encoding: \"{format}\""),
            ))
        }
    };
    Ok(text(encoded))
}

/// An encoding name as PostgreSQL compares them: letters and digits only, any case.
fn encoding_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Encodings PostgreSQL knows that fedgate does not convert to.
const OTHER_ENCODINGS: &[&str] = &[
    "big5",
    "eucjp",
    "eucjis2004",
    "euccn",
    "euckr",
    "euctw",
    "gb18030",
    "gbk",
    "johab",
    "koi8r",
    "koi8u",
    "latin2",
    "latin3",
    "latin4",
    "latin5",
    "latin6",
    "latin7",
    "latin8",
    "latin9",
    "latin10",
    "iso88592",
    "iso88593",
    "iso88594",
    "iso88599",
    "iso885910",
    "iso885913",
    "iso885914",
    "iso885915",
    "iso885916",
    "iso88595",
    "iso88596",
    "iso88597",
    "iso88598",
    "mulecinternal",
    "sjis",
    "shiftjis2004",
    "uhc",
    "win866",
    "win874",
    "win1250",
    "win1251",
    "win1252",
    "win1253",
    "win1254",
    "win1255",
    "win1256",
    "win1257",
    "win1258",
    "windows1252",
    "windows1251",
];

fn convert_to_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (Some(value), Some(name)) = (text_of(&args[0]), text_of(&args[1])) else {
        return Ok(ScalarValue::Null);
    };
    let bytes = match encoding_key(name).as_str() {
        "utf8" | "unicode" | "sqlascii" => value.as_bytes().to_vec(),
        "latin1" | "iso88591" => latin1(value)?,
        key if OTHER_ENCODINGS.contains(&key) => {
            return Err(pg_error(
                SqlState::FeatureNotSupported,
                format!("convert_to() to encoding \"{name}\" is not supported: fedgate converts to UTF8, SQL_ASCII and LATIN1"),
            ))
        }
        _ => {
            return Err(pg_error(
                SqlState::InvalidParameterValue,
                format!("invalid destination encoding name \"{name}\""),
            ))
        }
    };
    Ok(ScalarValue::Binary(Some(bytes)))
}

/// Text in LATIN1, or PostgreSQL's 22P05 for a character LATIN1 does not have.
fn latin1(value: &str) -> Result<Vec<u8>> {
    value
        .chars()
        .map(|c| {
            u8::try_from(u32::from(c)).map_err(|_| {
                let mut buffer = [0u8; 4];
                let sequence: Vec<String> = c
                    .encode_utf8(&mut buffer)
                    .bytes()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                pg_error(
                    SqlState::UntranslatableCharacter,
                    format!(
                        "character with byte sequence 0x{} in encoding \"UTF8\" has no equivalent in encoding \"LATIN1\"",
                        sequence.join(" 0x")
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_support::{error, row};

    /// PostgreSQL 15: `encode('hello', 'base64')` is `aGVsbG8=`; 60 bytes make 80
    /// characters, broken after 76; `encode('\x615c00e9', 'escape')` is `a\\\000\351`.
    #[test]
    fn encodings_like_postgres() {
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"hi"), "aGk=");
        assert_eq!(base64(b"abc"), "YWJj");
        let long = base64(&[b'x'; 60]);
        assert_eq!(long.find('\n'), Some(76));
        assert_eq!(long.len(), 81);
        assert_eq!(escape(b"a\\\0\xe9"), "a\\\\\\000\\351");
    }

    #[test]
    fn ranges_like_postgres() {
        // substring('hello' FROM 0 FOR 3) is 'he', FROM -1 FOR 3 is 'h', FROM 4 is 'lo'.
        assert_eq!(clipped_range(5, 0, Some(3)).unwrap(), (0, 2));
        assert_eq!(clipped_range(5, -1, Some(3)).unwrap(), (0, 1));
        assert_eq!(clipped_range(5, 4, None).unwrap(), (3, 5));
        assert_eq!(clipped_range(5, 9, Some(2)).unwrap(), (5, 5));
        assert!(clipped_range(5, 2, Some(-1)).is_err());
    }

    /// PostgreSQL 15 (the function by its quoted name: unquoted, the parser reads the
    /// SQL form `substring(x FROM a)`, which `crate::rewrite` turns into this call).
    #[tokio::test]
    async fn substring_like_postgres() {
        let values = row(
            "SELECT \"substring\"('hello', 0, 3), \"substring\"('héllo', 2), \
             \"substring\"(X'0102030405', 2, 2), \"substring\"('order 12345 shipped', '[0-9]+'), \
             \"substring\"('foobar', 'o(.)b'), \"substring\"('abc', 'x(y)')",
        )
        .await
        .unwrap();
        assert_eq!(values, ["he", "éllo", "0203", "12345", "o", "NULL"]);
        assert_eq!(
            error("SELECT \"substring\"('hello', 2, -1)").await,
            (
                "22011".to_string(),
                "negative substring length not allowed".to_string()
            )
        );
    }

    /// PostgreSQL 15: `get_byte('\x0001ff', 2)` is 255, `set_byte('\x0001ff', 0, 255)` is
    /// `\xff01ff`, `convert_to('é', 'UTF8')` is `\xc3a9`.
    #[tokio::test]
    async fn bytes_like_postgres() {
        let values = row(
            "SELECT get_byte(X'0001ff', 2), set_byte(X'0001ff', 0, 255), \
             convert_to('é', 'UTF8'), convert_to('é', 'latin1')",
        )
        .await
        .unwrap();
        assert_eq!(values, ["255", "ff01ff", "c3a9", "e9"]);
        assert_eq!(
            error("SELECT get_byte(X'0001ff', 3)").await,
            (
                "2202E".to_string(),
                "index 3 out of valid range, 0..2".to_string()
            )
        );
        assert_eq!(
            error("SELECT convert_to('a', 'FOO')").await.1,
            "invalid destination encoding name \"FOO\""
        );
    }
}
