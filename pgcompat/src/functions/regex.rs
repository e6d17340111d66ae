//! PostgreSQL's regular expression functions: `regexp_match`, `regexp_matches` (its
//! single-row form), `regexp_replace`, `regexp_split_to_array`, `regexp_substr`,
//! `regexp_count`, `regexp_instr`, `regexp_like`.
//!
//! PostgreSQL's flags are read as PostgreSQL reads them (`i`, `c`, `n`/`m`, `p`, `w`, `s`,
//! `x`, `q`, and `g` where the function allows it; anything else is 22023). By default `.`
//! matches a newline, as in PostgreSQL. Patterns run on Rust's `regex` engine, which has
//! PostgreSQL's everyday syntax (`\d`, `\w`, `[[:alpha:]]`, `\y` and `\m`/`\M` are
//! translated) but no back-references or look-around: such a pattern is 2201B, as is any
//! pattern PostgreSQL rejects. Positions are in characters, 1-based.
//!
//! `regexp_matches` is set-returning in PostgreSQL; here it is a scalar function: the match
//! as an array, NULL when there is none, and 0A000 when the `g` flag finds more than one
//! match in a value (PostgreSQL would return a row for each).

use std::cell::RefCell;
use std::collections::HashMap;

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;
use regex::{Captures, Regex, RegexBuilder};

use super::{
    int_of, is_string, no_such_function, pg_error, pg_error_hint, text, text_of, Eval, PgFunction,
};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Rows { strict: true, row })
    };
    vec![
        f("regexp_match", array_returns, regexp_match_row),
        f("regexp_matches", array_returns, regexp_matches_row),
        f("regexp_split_to_array", array_returns, split_row),
        f("regexp_replace", replace_returns, replace_row),
        f("regexp_substr", substr_returns, substr_row),
        f("regexp_count", count_returns, count_row),
        f("regexp_instr", instr_returns, instr_row),
        f("regexp_like", like_returns, like_row),
    ]
}

fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .map(|t| {
            if is_string(t) || t == &DataType::Null {
                DataType::Utf8
            } else if t.is_integer() {
                DataType::Int64
            } else {
                t.clone()
            }
        })
        .collect())
}

/// Whether the arguments are text, then integers, then text, as `shape` says (`t`, `i`).
fn shaped(fields: &[FieldRef], shapes: &[&str]) -> bool {
    shapes.iter().any(|shape| {
        shape.len() == fields.len()
            && shape.chars().zip(fields).all(|(c, f)| match c {
                't' => f.data_type() == &DataType::Utf8,
                _ => f.data_type() == &DataType::Int64,
            })
    })
}

fn text_array_type() -> DataType {
    DataType::new_list(DataType::Utf8, true)
}

fn array_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if shaped(fields, &["tt", "ttt"]) {
        Ok(text_array_type())
    } else {
        Err(no_such_function("regexp_match", fields))
    }
}

fn replace_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if shaped(fields, &["ttt", "tttt", "ttti", "tttii", "tttiit"]) {
        Ok(DataType::Utf8)
    } else {
        Err(no_such_function("regexp_replace", fields))
    }
}

fn substr_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if shaped(fields, &["tt", "tti", "ttii", "ttiit", "ttiiti"]) {
        Ok(DataType::Utf8)
    } else {
        Err(no_such_function("regexp_substr", fields))
    }
}

fn count_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if shaped(fields, &["tt", "tti", "ttit"]) {
        Ok(DataType::Int32)
    } else {
        Err(no_such_function("regexp_count", fields))
    }
}

fn instr_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if shaped(fields, &["tt", "tti", "ttii", "ttiii", "ttiiit", "ttiiiti"]) {
        Ok(DataType::Int32)
    } else {
        Err(no_such_function("regexp_instr", fields))
    }
}

fn like_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if shaped(fields, &["tt", "ttt"]) {
        Ok(DataType::Boolean)
    } else {
        Err(no_such_function("regexp_like", fields))
    }
}

// ---- patterns and flags ------------------------------------------------------------------

/// How a pattern is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Options {
    case_insensitive: bool,
    /// `.` and bracket expressions match a newline.
    dot_newline: bool,
    /// `^` and `$` match at line ends.
    multi_line: bool,
    expanded: bool,
    literal: bool,
}

/// Reads PostgreSQL's regular expression flags; `g` only where `global` names the function
/// that refuses it (`None` allows it).
fn parse_flags(flags: &str, refuse_global: Option<&str>) -> Result<(Options, bool)> {
    let mut options = Options {
        case_insensitive: false,
        dot_newline: true,
        multi_line: false,
        expanded: false,
        literal: false,
    };
    let mut global = false;
    for c in flags.chars() {
        match c {
            'g' => {
                if let Some(function) = refuse_global {
                    let message = format!("{function}() does not support the \"global\" option");
                    return Err(if function == "regexp_match" {
                        pg_error_hint(
                            SqlState::InvalidParameterValue,
                            message,
                            "Use the regexp_matches function instead.",
                        )
                    } else {
                        pg_error(SqlState::InvalidParameterValue, message)
                    });
                }
                global = true;
            }
            'i' => options.case_insensitive = true,
            'c' => options.case_insensitive = false,
            'n' | 'm' => {
                options.dot_newline = false;
                options.multi_line = true;
            }
            'p' => {
                options.dot_newline = false;
                options.multi_line = false;
            }
            'w' => {
                options.dot_newline = true;
                options.multi_line = true;
            }
            's' => {
                options.dot_newline = true;
                options.multi_line = false;
            }
            'x' => options.expanded = true,
            't' | 'e' | 'b' => {}
            'q' => options.literal = true,
            other => {
                return Err(pg_error(
                    SqlState::InvalidParameterValue,
                    format!("invalid regular expression option: \"{other}\""),
                ))
            }
        }
    }
    Ok((options, global))
}

/// PostgreSQL's escapes that Rust spells otherwise.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('y') => out.push_str("\\b"),
            Some('Y') => out.push_str("\\B"),
            Some('m') => out.push_str("\\b{start}"),
            Some('M') => out.push_str("\\b{end}"),
            Some('Z') => out.push_str("\\z"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

thread_local! {
    static CACHE: RefCell<HashMap<(String, Options), Regex>> = RefCell::new(HashMap::new());
}

fn compile(pattern: &str, options: Options) -> Result<Regex> {
    let key = (pattern.to_string(), options);
    if let Some(regex) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(regex);
    }
    let source = if options.literal {
        regex::escape(pattern)
    } else {
        translate(pattern)
    };
    let regex = RegexBuilder::new(&source)
        .case_insensitive(options.case_insensitive)
        .dot_matches_new_line(options.dot_newline)
        .multi_line(options.multi_line)
        .ignore_whitespace(options.expanded)
        .size_limit(1 << 24)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let reason = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or(text.lines().last().unwrap_or_default())
                .to_string();
            pg_error(
                SqlState::InvalidRegularExpression,
                format!("invalid regular expression: {reason}"),
            )
        })?;
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= 256 {
            cache.clear();
        }
        cache.insert(key, regex.clone());
    });
    Ok(regex)
}

/// `substring(text FROM pattern)`: the part of `text` the first parenthesized
/// subexpression matched, or the whole match when the pattern has none; `None` when the
/// pattern does not match (or the subexpression took no part in the match).
pub(crate) fn substring_match(text: &str, pattern: &str) -> Result<Option<String>> {
    let regex = compile(pattern, parse_flags("", None)?.0)?;
    let Some(captures) = regex.captures(text) else {
        return Ok(None);
    };
    let group = if regex.captures_len() > 1 { 1 } else { 0 };
    Ok(captures.get(group).map(|m| m.as_str().to_string()))
}

fn flags_at(args: &[ScalarValue], index: usize) -> &str {
    args.get(index).and_then(text_of).unwrap_or_default()
}

/// The matches of `regex` in `haystack` from byte `start`, PostgreSQL's way: after an empty
/// match the search goes on one character later.
fn matches_from<'h>(regex: &Regex, haystack: &'h str, start: usize) -> Vec<Captures<'h>> {
    let mut found = Vec::new();
    let mut pos = start;
    while pos <= haystack.len() {
        let Some(captures) = regex.captures_at(haystack, pos) else {
            break;
        };
        let whole = captures.get(0).expect("group 0");
        pos = if whole.start() == whole.end() {
            match haystack[whole.end()..].chars().next() {
                Some(c) => whole.end() + c.len_utf8(),
                None => haystack.len() + 1,
            }
        } else {
            whole.end()
        };
        found.push(captures);
    }
    found
}

/// The byte offset of 1-based character position `position` (past the end when beyond).
fn byte_offset(haystack: &str, position: i64) -> usize {
    haystack
        .char_indices()
        .nth((position - 1).max(0) as usize)
        .map(|(i, _)| i)
        .unwrap_or(haystack.len() + usize::from(position - 1 > haystack.chars().count() as i64))
}

/// The 1-based character position of byte offset `offset`.
fn char_position(haystack: &str, offset: usize) -> i32 {
    haystack[..offset].chars().count() as i32 + 1
}

fn parameter(name: &str, value: i64, valid: bool) -> Result<()> {
    if valid {
        Ok(())
    } else {
        Err(pg_error(
            SqlState::InvalidParameterValue,
            format!("invalid value for parameter \"{name}\": {value}"),
        ))
    }
}

/// The array of a match: its groups (NULL for a group that took no part), or the whole
/// match when the pattern has no groups.
fn match_array(captures: &Captures) -> Result<ScalarValue> {
    let values: Vec<ScalarValue> = if captures.len() == 1 {
        vec![text(captures.get(0).expect("group 0").as_str())]
    } else {
        (1..captures.len())
            .map(|i| ScalarValue::Utf8(captures.get(i).map(|m| m.as_str().to_string())))
            .collect()
    };
    Ok(ScalarValue::List(ScalarValue::new_list_nullable(
        &values,
        &DataType::Utf8,
    )))
}

fn null_array() -> Result<ScalarValue> {
    ScalarValue::try_from(&text_array_type())
}

// ---- functions ---------------------------------------------------------------------------

fn regexp_match_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (options, _) = parse_flags(flags_at(args, 2), Some("regexp_match"))?;
    let haystack = text_of(&args[0]).unwrap_or_default();
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    match regex.captures(haystack) {
        Some(captures) => match_array(&captures),
        None => null_array(),
    }
}

fn regexp_matches_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (options, global) = parse_flags(flags_at(args, 2), None)?;
    let haystack = text_of(&args[0]).unwrap_or_default();
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    if !global {
        return match regex.captures(haystack) {
            Some(captures) => match_array(&captures),
            None => null_array(),
        };
    }
    let found = matches_from(&regex, haystack, 0);
    match found.as_slice() {
        [] => null_array(),
        [only] => match_array(only),
        _ => Err(pg_error(
            SqlState::FeatureNotSupported,
            "regexp_matches() with the \"g\" flag found several matches in one value: \
             fedgate returns one row per value (use regexp_match, regexp_count or \
             regexp_substr with an occurrence number)",
        )),
    }
}

fn split_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (options, _) = parse_flags(flags_at(args, 2), Some("regexp_split_to_array"))?;
    let haystack = text_of(&args[0]).unwrap_or_default();
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    let mut pieces = Vec::new();
    let mut previous_end = 0;
    for captures in matches_from(&regex, haystack, 0) {
        let whole = captures.get(0).expect("group 0");
        // PostgreSQL ignores empty matches at the start, at the end, and right after a
        // match.
        if whole.start() < haystack.len() && whole.end() > previous_end {
            pieces.push(text(&haystack[previous_end..whole.start()]));
            previous_end = whole.end();
        }
    }
    pieces.push(text(&haystack[previous_end..]));
    Ok(ScalarValue::List(ScalarValue::new_list_nullable(
        &pieces,
        &DataType::Utf8,
    )))
}

/// `regexp_replace(source, pattern, replacement [, start [, N]] [, flags])`.
fn replace_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let haystack = text_of(&args[0]).unwrap_or_default();
    let replacement = text_of(&args[2]).unwrap_or_default();
    let (start, n, flags) = match args.get(3) {
        None => (1, None, ""),
        Some(ScalarValue::Utf8(f)) => (1, None, f.as_deref().unwrap_or_default()),
        Some(start) => (
            int_of(start).unwrap_or(1),
            args.get(4).and_then(int_of),
            flags_at(args, 5),
        ),
    };
    parameter("start", start, start > 0)?;
    if let Some(n) = n {
        parameter("n", n, n >= 0)?;
    }
    let (options, global) = parse_flags(flags, None)?;
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    let from = byte_offset(haystack, start);
    if from > haystack.len() {
        return Ok(text(haystack));
    }
    let found = matches_from(&regex, haystack, from);
    let replace_all = n == Some(0) || (n.is_none() && global);
    let chosen: Vec<&Captures> = if replace_all {
        found.iter().collect()
    } else {
        let index = n.unwrap_or(1) as usize - 1;
        found.get(index).into_iter().collect()
    };
    let mut out = String::with_capacity(haystack.len());
    let mut last = 0;
    for captures in chosen {
        let whole = captures.get(0).expect("group 0");
        out.push_str(&haystack[last..whole.start()]);
        expand_replacement(replacement, captures, &mut out);
        last = whole.end();
    }
    out.push_str(&haystack[last..]);
    Ok(text(out))
}

/// PostgreSQL's replacement text: `\1`..`\9` a group, `\&` the match, `\\` a backslash.
fn expand_replacement(replacement: &str, captures: &Captures, out: &mut String) {
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(d @ '1'..='9') => {
                let group = *d as usize - '0' as usize;
                if let Some(m) = captures.get(group) {
                    out.push_str(m.as_str());
                }
                chars.next();
            }
            Some('&') => {
                out.push_str(captures.get(0).expect("group 0").as_str());
                chars.next();
            }
            Some('\\') => {
                out.push('\\');
                chars.next();
            }
            _ => out.push('\\'),
        }
    }
}

/// The `n`-th match from character `start`, after checking the parameters.
fn nth_match<'h>(
    args: &[ScalarValue],
    haystack: &'h str,
    regex: &Regex,
    start: i64,
    n: i64,
) -> Result<Option<Captures<'h>>> {
    parameter("start", start, start > 0)?;
    parameter("n", n, n > 0)?;
    let _ = args;
    let from = byte_offset(haystack, start);
    if from > haystack.len() {
        return Ok(None);
    }
    Ok(matches_from(regex, haystack, from)
        .into_iter()
        .nth(n as usize - 1))
}

/// `regexp_substr(string, pattern [, start [, N [, flags [, subexpr]]]])`.
fn substr_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let haystack = text_of(&args[0]).unwrap_or_default();
    let start = args.get(2).and_then(int_of).unwrap_or(1);
    let n = args.get(3).and_then(int_of).unwrap_or(1);
    let subexpr = args.get(5).and_then(int_of).unwrap_or(0);
    let (options, _) = parse_flags(flags_at(args, 4), Some("regexp_substr"))?;
    parameter("subexpr", subexpr, subexpr >= 0)?;
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    let found = nth_match(args, haystack, &regex, start, n)?;
    Ok(ScalarValue::Utf8(found.and_then(|c| {
        c.get(subexpr as usize).map(|m| m.as_str().to_string())
    })))
}

/// `regexp_count(string, pattern [, start [, flags]])`.
fn count_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let haystack = text_of(&args[0]).unwrap_or_default();
    let start = args.get(2).and_then(int_of).unwrap_or(1);
    parameter("start", start, start > 0)?;
    let (options, _) = parse_flags(flags_at(args, 3), Some("regexp_count"))?;
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    let from = byte_offset(haystack, start);
    let count = if from > haystack.len() {
        0
    } else {
        matches_from(&regex, haystack, from).len()
    };
    Ok(ScalarValue::Int32(Some(count as i32)))
}

/// `regexp_instr(string, pattern [, start [, N [, endoption [, flags [, subexpr]]]]])`.
fn instr_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let haystack = text_of(&args[0]).unwrap_or_default();
    let start = args.get(2).and_then(int_of).unwrap_or(1);
    let n = args.get(3).and_then(int_of).unwrap_or(1);
    let end_option = args.get(4).and_then(int_of).unwrap_or(0);
    let subexpr = args.get(6).and_then(int_of).unwrap_or(0);
    parameter("endoption", end_option, end_option == 0 || end_option == 1)?;
    let (options, _) = parse_flags(flags_at(args, 5), Some("regexp_instr"))?;
    parameter("subexpr", subexpr, subexpr >= 0)?;
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    let found = nth_match(args, haystack, &regex, start, n)?;
    let position = found
        .and_then(|c| c.get(subexpr as usize))
        .map(|m| {
            if end_option == 1 {
                char_position(haystack, m.end())
            } else {
                char_position(haystack, m.start())
            }
        })
        .unwrap_or(0);
    Ok(ScalarValue::Int32(Some(position)))
}

/// `regexp_like(string, pattern [, flags])`.
fn like_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let (options, _) = parse_flags(flags_at(args, 2), Some("regexp_like"))?;
    let regex = compile(text_of(&args[1]).unwrap_or_default(), options)?;
    Ok(ScalarValue::Boolean(Some(
        regex.is_match(text_of(&args[0]).unwrap_or_default()),
    )))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row};

    async fn values(sql: &str) -> Vec<String> {
        row(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Expectations from PostgreSQL 15 (arrays shown by Arrow as `[a, b]`).
    #[tokio::test]
    async fn matching_as_postgres() {
        assert_eq!(
            values("SELECT regexp_match('foobarbequebaz', 'bar.*que'), regexp_match('abc', 'x'), regexp_match('2024-02-29', '(\\d+)-(\\d+)-(\\d+)'), regexp_match('abc', '(b)(x)?')").await,
            ["[barbeque]", "NULL", "[2024, 02, 29]", "[b, NULL]"]
        );
        assert_eq!(
            values("SELECT regexp_match('abc', 'B', 'i'), regexp_matches('a1b2c3', '[a-z]\\d'), regexp_matches('abc', 'x'), regexp_matches('ab1', '\\d', 'g')").await,
            ["[b]", "[a1]", "NULL", "[1]"]
        );
        assert_eq!(
            values("SELECT regexp_split_to_array('a, b,c', ',\\s*'), regexp_split_to_array('abc', ''), regexp_split_to_array('', ','), regexp_split_to_array(' a b ', ' '), regexp_split_to_array('aXbxc', 'x', 'i')").await,
            ["[a, b, c]", "[a, b, c]", "[]", "[, a, b, ]", "[a, b, c]"]
        );
        assert_eq!(
            values("SELECT regexp_substr('abc123def', '\\d+'), regexp_substr('abcabc', 'b', 1, 2), regexp_substr('abc', 'x'), regexp_substr('ABC', 'b', 1, 1, 'i'), regexp_substr('a1b22', '([a-z])(\\d+)', 1, 2, '', 2)").await,
            ["123", "b", "NULL", "B", "22"]
        );
        assert_eq!(
            values("SELECT regexp_count('banana', 'an'), regexp_instr('banana', 'an', 1, 2), regexp_like('Apple', '^a', 'i'), regexp_count('abcabc', 'b', 3), regexp_instr('abcabc', 'b', 1, 2, 1)").await,
            ["2", "4", "true", "1", "6"]
        );
    }

    #[tokio::test]
    async fn replacing_as_postgres() {
        assert_eq!(
            values("SELECT regexp_replace('Thomas', '.[mN]a.', 'M'), regexp_replace('aaa', 'a', 'b'), regexp_replace('aaa', 'a', 'b', 'g'), regexp_replace('John Smith', '(\\w+) (\\w+)', '\\2, \\1'), regexp_replace('a1b22c333', '\\d+', '#', 'g')").await,
            ["ThM", "baa", "bbb", "Smith, John", "a#b#c#"]
        );
        assert_eq!(
            values("SELECT regexp_replace('abcabc', 'b', 'X', 2), regexp_replace('abcabc', 'b', 'X', 1, 2), regexp_replace('abcabc', 'b', 'X', 1, 0), regexp_replace('abc', 'b', '[\\&]'), regexp_replace('abc', '(b)', '\\\\1'), regexp_replace('aBc', 'b', 'X', 'i'), regexp_replace('a.b', '.', 'X', 'g')").await,
            ["aXcabc", "abcaXc", "aXcaXc", "a[b]c", "a\\1c", "aXc", "XXX"]
        );
    }

    #[tokio::test]
    async fn errors_as_postgres() {
        let cases = [
            ("SELECT regexp_replace('a', '[', 'b')", "2201B"),
            ("SELECT regexp_count('abc', '[')", "2201B"),
            ("SELECT regexp_match('abc', 'b', 'g')", "22023"),
            ("SELECT regexp_match('abc', 'B', 'z')", "22023"),
            ("SELECT regexp_replace('abc', 'b', 'X', 0)", "22023"),
            ("SELECT regexp_substr('abc', 'b', 0)", "22023"),
            ("SELECT regexp_substr('abc', 'b', 1, 0)", "22023"),
            ("SELECT regexp_substr('abc', 'b', 1, 1, 'g')", "22023"),
            ("SELECT regexp_split_to_array('a1b2c', '\\d', 'g')", "22023"),
            ("SELECT regexp_matches('a1b2', '\\d', 'g')", "0A000"),
        ];
        for (sql, code) in cases {
            assert_eq!(error(sql).await.0, code, "{sql}");
        }
        assert_eq!(
            error("SELECT regexp_match('abc', 'b', 'g')").await.1,
            "regexp_match() does not support the \"global\" option"
        );
    }
}
