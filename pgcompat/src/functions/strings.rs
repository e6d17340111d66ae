//! PostgreSQL's `format`, `quote_literal`, `quote_ident`, `quote_nullable`, `to_hex`,
//! `clock_timestamp` and `chr` (`upper`/`lower` are in `letter_case.rs`).
//!
//! `format(formatstr, ...)` understands `%s`, `%I` (identifier, quoted when needed),
//! `%L` (literal, `NULL` unquoted), `%%`, positions (`%2$s`), the `-` flag and widths
//! (`%5s`, `%*s`, `%*2$s`). Values are shown with PostgreSQL's text output (`t` for true,
//! `{1,2}` for arrays), so `format('%s', x)` is what `x::text` would print. Errors are
//! PostgreSQL's: 22023 for a bad specifier or too few arguments, 22004 for `%I` of NULL.

use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;
use pgwire::api::results::{FieldFormat, FieldInfo};

use super::number_format::decimal_text;
use super::numeric::decimal_of;
use super::{
    is_string, no_such_function, pg_error, pg_error_hint, text, text_of, Eval, PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![
        PgFunction::new(
            "to_hex",
            |types| Ok(types.to_vec()),
            to_hex_returns,
            Eval::Rows {
                strict: true,
                row: to_hex_row,
            },
        ),
        PgFunction::new(
            "clock_timestamp",
            |types| Ok(types.to_vec()),
            |fields, _| {
                if fields.is_empty() {
                    Ok(super::timestamptz_type())
                } else {
                    Err(no_such_function("clock_timestamp", fields))
                }
            },
            Eval::Rows {
                strict: false,
                row: |_, _| {
                    Ok(super::calendar::timestamptz_scalar(
                        chrono::Utc::now().timestamp_micros(),
                    ))
                },
            },
        )
        .volatile(),
        PgFunction::new(
            "chr",
            coerce_chr,
            chr_returns,
            Eval::Rows {
                strict: true,
                row: chr_row,
            },
        ),
        PgFunction::new(
            "format",
            coerce_format,
            format_returns,
            Eval::Rows {
                strict: false,
                row: format_row,
            },
        ),
        PgFunction::new(
            "quote_literal",
            coerce_any,
            one_argument_returns,
            Eval::Rows {
                strict: true,
                row: quote_literal_row,
            },
        ),
        PgFunction::new(
            "quote_nullable",
            coerce_any,
            one_argument_returns,
            Eval::Rows {
                strict: false,
                row: quote_nullable_row,
            },
        ),
        PgFunction::new(
            "quote_ident",
            coerce_text,
            one_argument_returns,
            Eval::Rows {
                strict: true,
                row: quote_ident_row,
            },
        ),
    ]
}

fn utf8_if_string(t: &DataType) -> DataType {
    if is_string(t) {
        DataType::Utf8
    } else {
        t.clone()
    }
}

fn coerce_format(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i == 0 && t == &DataType::Null {
                DataType::Utf8
            } else {
                utf8_if_string(t)
            }
        })
        .collect())
}

fn coerce_any(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types.iter().map(utf8_if_string).collect())
}

/// String arguments (and NULL) read as `text`, others as they are.
pub(crate) fn coerce_text(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| {
            if is_string(t) || t == &DataType::Null {
                DataType::Utf8
            } else {
                t.clone()
            }
        })
        .collect())
}

/// `to_hex(integer)` works on 32 bits, `to_hex(bigint)` on 64 (`to_hex(-1)` is
/// `ffffffff`).
fn to_hex_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields {
        [f] if f.data_type().is_integer() => Ok(DataType::Utf8),
        _ => Err(no_such_function("to_hex", fields)),
    }
}

fn to_hex_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(match &args[0] {
        ScalarValue::Int64(Some(v)) => text(format!("{:x}", *v as u64)),
        ScalarValue::UInt64(Some(v)) => text(format!("{v:x}")),
        other => match super::int_of(other) {
            Some(v) => text(format!("{:x}", v as i32 as u32)),
            None => ScalarValue::Utf8(None),
        },
    })
}

fn format_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields.first() {
        Some(f) if f.data_type() == &DataType::Utf8 => Ok(DataType::Utf8),
        _ => Err(no_such_function("format", fields)),
    }
}

fn one_argument_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields.len() == 1 {
        Ok(DataType::Utf8)
    } else {
        Err(no_such_function("quote_literal", fields))
    }
}

fn coerce_chr(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| {
            if t.is_integer() || t == &DataType::Null {
                DataType::Int64
            } else {
                t.clone()
            }
        })
        .collect())
}

fn chr_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields {
        [field] if field.data_type() == &DataType::Int64 => Ok(DataType::Utf8),
        _ => Err(no_such_function("chr", fields)),
    }
}

/// The character with code point `n`, with PostgreSQL's errors for 0, negative numbers,
/// surrogates and numbers beyond Unicode.
fn chr_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let ScalarValue::Int64(Some(code)) = args[0] else {
        return Ok(ScalarValue::Utf8(None));
    };
    if code == 0 {
        return Err(pg_error(
            SqlState::ProgramLimitExceeded,
            "null character not permitted",
        ));
    }
    if code < 0 {
        return Err(pg_error(
            SqlState::InvalidParameterValue,
            "character number must be positive",
        ));
    }
    let Ok(code) = u32::try_from(code) else {
        return Err(pg_error(
            SqlState::ProgramLimitExceeded,
            format!("requested character too large for encoding: {code}"),
        ));
    };
    match char::from_u32(code) {
        Some(c) => Ok(text(c.to_string())),
        None if code > 0x10FFFF => Err(pg_error(
            SqlState::ProgramLimitExceeded,
            format!("requested character too large for encoding: {code}"),
        )),
        None => Err(pg_error(
            SqlState::ProgramLimitExceeded,
            format!("requested character not valid for encoding: {code}"),
        )),
    }
}

/// A value as PostgreSQL's text output prints it (`None` for NULL).
pub(crate) fn value_text(value: &ScalarValue) -> Result<Option<String>> {
    if value.is_null() {
        return Ok(None);
    }
    if let Some(s) = text_of(value) {
        return Ok(Some(s.to_string()));
    }
    Ok(Some(match value {
        ScalarValue::Boolean(Some(b)) => if *b { "t" } else { "f" }.to_string(),
        ScalarValue::Float32(_)
        | ScalarValue::Float64(_)
        | ScalarValue::Date32(_)
        | ScalarValue::Time64Microsecond(_)
        | ScalarValue::Time64Nanosecond(_)
        | ScalarValue::TimestampSecond(_, _)
        | ScalarValue::TimestampMillisecond(_, _)
        | ScalarValue::TimestampMicrosecond(_, _)
        | ScalarValue::TimestampNanosecond(_, _)
        | ScalarValue::IntervalMonthDayNano(_)
        | ScalarValue::Struct(_) => postgres_output(value.to_array()?)?,
        ScalarValue::List(list) => {
            let elements = list.value(0);
            let mut items = Vec::with_capacity(elements.len());
            for i in 0..elements.len() {
                let element = ScalarValue::try_from_array(&elements, i)?;
                items.push(match value_text(&element)? {
                    None => "NULL".to_string(),
                    Some(text) => quote_array_element(&text),
                });
            }
            format!("{{{}}}", items.join(","))
        }
        ScalarValue::Binary(Some(bytes))
        | ScalarValue::LargeBinary(Some(bytes))
        | ScalarValue::BinaryView(Some(bytes)) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("\\x{hex}")
        }
        other => match decimal_of(other) {
            Some(d) => decimal_text(&d),
            None => other.to_string(),
        },
    }))
}

/// The text fedgate's output layer sends for a one-value array.
fn postgres_output(array: ArrayRef) -> Result<String> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "v",
        array.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(schema, vec![array])?;
    let info = FieldInfo::new(
        "v".into(),
        None,
        None,
        pgwire::api::Type::TEXT,
        FieldFormat::Text,
    );
    let converted = crate::output::pg_text::to_postgres_text(batch, &[info])?;
    let value = ScalarValue::try_from_array(converted.column(0), 0)?;
    Ok(text_of(&value).unwrap_or_default().to_string())
}

/// An element of PostgreSQL's array output: quoted when empty, `NULL` or holding special
/// characters or blanks, with `"` and `\` escaped.
fn quote_array_element(value: &str) -> String {
    let needs = value.is_empty()
        || value.eq_ignore_ascii_case("null")
        || value
            .chars()
            .any(|c| matches!(c, '"' | '\\' | '{' | '}' | ',') || c.is_ascii_whitespace());
    if !needs {
        return value.to_string();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// PostgreSQL's keywords that are not unreserved: an identifier spelled like one must be
/// quoted (`pg_get_keywords()` of PostgreSQL 15, `catcode <> 'U'`).
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// PostgreSQL's `quote_identifier`: quoted unless lower case letters, digits and
/// underscores not starting with a digit, and not a keyword that needs quotes.
pub(crate) fn quote_identifier(ident: &str) -> String {
    let safe = ident
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && ident
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && QUOTED_KEYWORDS.binary_search(&ident).is_err();
    if safe {
        ident.to_string()
    } else {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }
}

/// PostgreSQL's `quote_literal`: single quotes doubled, and with `E''` syntax when the text
/// holds a backslash (doubled).
pub(crate) fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    if value.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn quote_literal_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(match value_text(&args[0])? {
        Some(v) => text(quote_literal(&v)),
        None => ScalarValue::Utf8(None),
    })
}

fn quote_nullable_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(text(match value_text(&args[0])? {
        Some(v) => quote_literal(&v),
        None => "NULL".to_string(),
    }))
}

fn quote_ident_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let ident = value_text(&args[0])?.unwrap_or_default();
    Ok(text(quote_identifier(&ident)))
}

fn format_error(message: impl Into<String>) -> datafusion::error::DataFusionError {
    pg_error(SqlState::InvalidParameterValue, message)
}

fn specifier_error(message: impl Into<String>) -> datafusion::error::DataFusionError {
    pg_error_hint(
        SqlState::InvalidParameterValue,
        message,
        "For a single \"%\" use \"%%\".",
    )
}

/// Reads decimal digits at `chars[*i..]`; `None` when there are none.
fn parse_digits(chars: &[char], i: &mut usize) -> Result<Option<usize>> {
    let start = *i;
    let mut value: usize = 0;
    while *i < chars.len() && chars[*i].is_ascii_digit() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(chars[*i] as usize - '0' as usize))
            .filter(|v| *v <= i32::MAX as usize)
            .ok_or_else(|| format_error("number is out of range"))?;
        *i += 1;
    }
    Ok((*i > start).then_some(value))
}

fn advance(chars: &[char], i: &mut usize) -> Result<()> {
    *i += 1;
    if *i >= chars.len() {
        return Err(specifier_error("unterminated format() type specifier"));
    }
    Ok(())
}

fn format_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some(format) = text_of(&args[0]) else {
        return Ok(ScalarValue::Utf8(None));
    };
    let chars: Vec<char> = format.chars().collect();
    let nargs = args.len();
    let mut out = String::new();
    let mut last_arg = 0usize;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        advance(&chars, &mut i)?;
        if chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        // [position$][-...][width | * | *position$]
        let mut argpos = None;
        let mut widthpos = None;
        let mut left = false;
        let mut width = 0usize;
        let mut plain_width = false;
        if let Some(n) = parse_digits(&chars, &mut i)? {
            if i >= chars.len() {
                return Err(specifier_error("unterminated format() type specifier"));
            }
            if chars[i] != '$' {
                width = n;
                plain_width = true;
            } else {
                if n == 0 {
                    return Err(format_error(
                        "format specifies argument 0, but arguments are numbered from 1",
                    ));
                }
                argpos = Some(n);
                advance(&chars, &mut i)?;
            }
        }
        if !plain_width {
            while chars[i] == '-' {
                left = true;
                advance(&chars, &mut i)?;
            }
            if chars[i] == '*' {
                advance(&chars, &mut i)?;
                match parse_digits(&chars, &mut i)? {
                    Some(n) => {
                        if i >= chars.len() {
                            return Err(specifier_error("unterminated format() type specifier"));
                        }
                        if chars[i] != '$' {
                            return Err(format_error(
                                "width argument position must be ended by \"$\"",
                            ));
                        }
                        if n == 0 {
                            return Err(format_error(
                                "format specifies argument 0, but arguments are numbered from 1",
                            ));
                        }
                        widthpos = Some(n);
                        advance(&chars, &mut i)?;
                    }
                    None => widthpos = Some(0),
                }
            } else if let Some(n) = parse_digits(&chars, &mut i)? {
                width = n;
                if i >= chars.len() {
                    return Err(specifier_error("unterminated format() type specifier"));
                }
            }
        }
        let conversion = chars[i];
        if !matches!(conversion, 's' | 'I' | 'L') {
            return Err(specifier_error(format!(
                "unrecognized format() type specifier \"{conversion}\""
            )));
        }
        i += 1;
        if let Some(position) = widthpos {
            let arg = if position > 0 { position } else { last_arg + 1 };
            if arg >= nargs {
                return Err(format_error("too few arguments for format()"));
            }
            let value = super::int_of(&args[arg]).unwrap_or(0);
            if value < 0 {
                left = true;
            }
            width = value.unsigned_abs() as usize;
            last_arg = arg;
        }
        let arg = argpos.unwrap_or(last_arg + 1);
        if arg >= nargs {
            return Err(format_error("too few arguments for format()"));
        }
        last_arg = arg;
        let piece = match (value_text(&args[arg])?, conversion) {
            (None, 's') => String::new(),
            (None, 'L') => "NULL".to_string(),
            (None, _) => {
                return Err(pg_error(
                    SqlState::NullValueNotAllowed,
                    "null values cannot be formatted as an SQL identifier",
                ))
            }
            (Some(v), 'I') => quote_identifier(&v),
            (Some(v), 'L') => quote_literal(&v),
            (Some(v), _) => v,
        };
        let length = piece.chars().count();
        if length >= width {
            out.push_str(&piece);
        } else if left {
            out.push_str(&piece);
            out.extend(std::iter::repeat_n(' ', width - length));
        } else {
            out.extend(std::iter::repeat_n(' ', width - length));
            out.push_str(&piece);
        }
    }
    Ok(text(out))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row};
    use super::*;

    async fn values(sql: &str) -> Vec<String> {
        row(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// PostgreSQL 15: `to_hex(255)` is `ff`, `to_hex(-1)` (an integer) `ffffffff`,
    /// `to_hex(-1::bigint)` `ffffffffffffffff`.
    #[tokio::test]
    async fn to_hex_like_postgres() {
        assert_eq!(
            values("SELECT to_hex(CAST(255 AS INT)), to_hex(CAST(-1 AS INT)) AS a, to_hex(CAST(-1 AS BIGINT)) AS b, clock_timestamp() IS NOT NULL").await,
            ["ff", "ffffffff", "ffffffffffffffff", "true"]
        );
    }

    #[test]
    fn keywords_are_sorted() {
        let mut sorted = QUOTED_KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, QUOTED_KEYWORDS);
    }

    /// Expectations from PostgreSQL 15.
    #[tokio::test]
    async fn chr_as_postgres() {
        assert_eq!(values("SELECT chr(65), chr(233)").await, ["A", "é"]);
        assert_eq!(
            error("SELECT chr(0)").await,
            (
                "54000".to_string(),
                "null character not permitted".to_string()
            )
        );
        assert_eq!(error("SELECT chr(-1)").await.0, "22023");
        assert_eq!(
            error("SELECT chr(55296)").await.1,
            "requested character not valid for encoding: 55296"
        );
        assert_eq!(
            error("SELECT chr(1114112)").await.1,
            "requested character too large for encoding: 1114112"
        );
    }

    /// Expectations from PostgreSQL 15 (C.UTF-8).
    #[tokio::test]
    async fn case_mapping_as_postgres() {
        assert_eq!(
            values("SELECT upper('straße'), lower('İstanbul'), lower('ΣΑΣ'), upper('école'), upper(NULL)").await,
            ["STRAßE", "istanbul", "σασ", "ÉCOLE", "NULL"]
        );
    }

    /// Expectations from PostgreSQL 15.
    #[tokio::test]
    async fn format_as_postgres() {
        assert_eq!(
            values("SELECT format('%s is %s years', 'Ann', 30), format('%I.%I', 'my table', 'col'), format('%L', 'O''Brien')").await,
            ["Ann is 30 years", "\"my table\".col", "'O''Brien'"]
        );
        assert_eq!(
            values("SELECT format('%5s|%-5s|', 'ab', 'cd'), format('%2$s %1$s', 'world', 'hello'), format('%s', NULL)").await,
            ["   ab|cd   |", "hello world", ""]
        );
        assert_eq!(
            values("SELECT format('%L', NULL), format('%I', 'select'), format('%I', 'Abc'), format('%%'), format('%*s|', 5, 'x'), format('%-*s|', 5, 'x'), format('%*s|', -5, 'x')").await,
            ["NULL", "\"select\"", "\"Abc\"", "%", "    x|", "x    |", "x    |"]
        );
        assert_eq!(
            values("SELECT format('%1$s %1$s', 'a'), format('abc'), format(NULL), format('%s', 1.50), format('%s', true), format('%s', CAST(2.5 AS DOUBLE)), format('%L', 42), format('%L', 'a\\b')").await,
            ["a a", "abc", "NULL", "1.50", "t", "2.5", "'42'", "E'a\\\\b'"]
        );
        assert_eq!(
            values("SELECT format('%s', make_array(1, 2)), format('%2$s %s', 'a', 'b', 'c'), format('%0s', 'x'), format('%-s|', 'x'), format('%1$-3s|', 'x'), format('%2$*1$s|', 4, 'x'), format('%-10L|', 'ab'), format('%5I|', 'ab')").await,
            ["{1,2}", "b c", "x", "x|", "x  |", "   x|", "'ab'      |", "   ab|"]
        );
        let errors = [
            (
                "SELECT format('%s %s', 'a')",
                "22023",
                "too few arguments for format()",
            ),
            (
                "SELECT format('%x', 'a')",
                "22023",
                "unrecognized format() type specifier \"x\"",
            ),
            (
                "SELECT format('%I', NULL)",
                "22004",
                "null values cannot be formatted as an SQL identifier",
            ),
            (
                "SELECT format('%', 'x')",
                "22023",
                "unterminated format() type specifier",
            ),
            (
                "SELECT format('%3$s', 'a')",
                "22023",
                "too few arguments for format()",
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

    #[tokio::test]
    async fn quoting_as_postgres() {
        assert_eq!(
            values("SELECT quote_ident('users'), quote_ident('My Table'), quote_ident('select'), quote_literal('it''s'), quote_literal(42), quote_nullable(NULL)").await,
            ["users", "\"My Table\"", "\"select\"", "'it''s'", "'42'", "NULL"]
        );
        assert_eq!(
            values("SELECT quote_ident('a\"b'), quote_ident('_x1'), quote_ident('1x'), quote_ident(''), quote_literal('a\\b'), quote_literal(NULL), quote_nullable('x'), quote_nullable(42), quote_literal(1.50), quote_ident('äb'), quote_ident('int'), quote_ident('text')").await,
            ["\"a\"\"b\"", "_x1", "\"1x\"", "\"\"", "E'a\\\\b'", "NULL", "'x'", "'42'", "'1.50'", "\"äb\"", "\"int\"", "text"]
        );
    }
}
