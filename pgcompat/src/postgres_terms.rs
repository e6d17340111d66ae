//! DataFusion's error messages in PostgreSQL's terms: the type-mismatch families PostgreSQL
//! words its own way (`operator does not exist: text ~~ integer`, `argument of NOT must be
//! type boolean, not type text`, `UNION types boolean and text cannot be matched`, ...), and
//! a last pass over every other message that turns Arrow's type names (`Utf8View`,
//! `Decimal128(38, 0)`) and DataFusion's expression displays (`Int64(1)`, `Utf8("a")`,
//! `srv.schema.table.column`) into PostgreSQL's (`text`, `numeric`, `1`, `'a'`,
//! `table.column`), so no DataFusion-internal wording reaches a client. The messages this
//! recognises are pinned by the tests below and by the hostile-SQL test
//! (`integration-tests/tests/hostile_sql.rs`), which fails on any internal wording.

use fedgate_adapter_api::SqlState;

use crate::error::PgError;

const OPERATOR_HINT: &str =
    "No operator matches the given name and argument types. You might need to add explicit type casts.";
const FUNCTION_HINT: &str =
    "No function matches the given name and argument types. You might need to add explicit type casts.";

/// A known message family in PostgreSQL's code and words, if `message` (DataFusion's,
/// prefixes removed) is one.
pub(crate) fn known_wording(message: &str) -> Option<PgError> {
    like_mismatch(message)
        .or_else(|| regex_mismatch(message))
        .or_else(|| between_mismatch(message))
        .or_else(|| not_mismatch(message))
        .or_else(|| union_mismatch(message))
        .or_else(|| offset_mismatch(message))
        .or_else(|| subscript_mismatch(message))
        .or_else(|| grouping_violation(message))
        .or_else(|| missing_column(message))
        .or_else(|| function_without_arguments(message))
}

/// `There isn't a common type to coerce Utf8View and Int32 in LIKE expression`.
fn like_mismatch(message: &str) -> Option<PgError> {
    let rest = message.strip_prefix("There isn't a common type to coerce ")?;
    let (types, construct) = rest.split_once(" in ")?;
    let (left, right) = types.split_once(" and ")?;
    let (left, right) = (type_name(left), type_name(right));
    if construct.starts_with("SIMILAR TO") {
        return Some(
            PgError::new(
                SqlState::UndefinedFunction,
                format!("function similar_to_escape({right}) does not exist"),
            )
            .with_hint(FUNCTION_HINT),
        );
    }
    let operator = if construct.starts_with("ILIKE") {
        "~~*"
    } else {
        "~~"
    };
    Some(operator_missing(&left, operator, &right))
}

/// `Cannot infer common argument type for regex operation Utf8View ~ Int64`.
fn regex_mismatch(message: &str) -> Option<PgError> {
    let rest = message.strip_prefix("Cannot infer common argument type for regex operation ")?;
    let mut parts = rest.split_whitespace();
    let left = type_name(parts.next()?);
    let operator = parts.next()?;
    let right = type_name(parts.next()?);
    Some(operator_missing(&left, operator, &right))
}

/// `Failed to coerce types Utf8 and Timestamp(µs, "+00:00") in BETWEEN expression`.
fn between_mismatch(message: &str) -> Option<PgError> {
    let rest = message
        .split("Failed to coerce types ")
        .nth(1)?
        .strip_suffix('.')
        .unwrap_or_else(|| {
            message
                .split("Failed to coerce types ")
                .nth(1)
                .unwrap_or("")
        });
    let types = rest.strip_suffix(" in BETWEEN expression")?;
    let (left, right) = split_pair(types)?;
    Some(operator_missing(&type_name(left), ">=", &type_name(right)))
}

/// `Unary operator 'NOT' requires a boolean expression, got Utf8View`.
fn not_mismatch(message: &str) -> Option<PgError> {
    let got = message
        .strip_prefix("Unary operator 'NOT' requires a boolean expression, got ")?
        .trim();
    Some(PgError::new(
        SqlState::DatatypeMismatch,
        format!(
            "argument of NOT must be type boolean, not type {}",
            type_name(got)
        ),
    ))
}

/// `Incompatible inputs for Union: Previous inputs were of type Boolean, but got
/// incompatible type Utf8 on column 'x'`.
fn union_mismatch(message: &str) -> Option<PgError> {
    let rest =
        message.strip_prefix("Incompatible inputs for Union: Previous inputs were of type ")?;
    let (previous, rest) = rest.split_once(", but got incompatible type ")?;
    let got = rest.split(" on column").next()?;
    Some(PgError::new(
        SqlState::DatatypeMismatch,
        format!(
            "UNION types {} and {} cannot be matched",
            type_name(previous),
            type_name(got)
        ),
    ))
}

/// `Expected OFFSET to be an integer or null, but got Utf8` (and LIMIT).
fn offset_mismatch(message: &str) -> Option<PgError> {
    let rest = message.strip_prefix("Expected ")?;
    let (clause, got) = rest.split_once(" to be an integer or null, but got ")?;
    if clause != "OFFSET" && clause != "LIMIT" {
        return None;
    }
    Some(PgError::new(
        SqlState::DatatypeMismatch,
        format!(
            "argument of {clause} must be type bigint, not type {}",
            type_name(got.trim())
        ),
    ))
}

/// `array_element` of a value that is not an array (`(1.5)[1]`).
fn subscript_mismatch(message: &str) -> Option<PgError> {
    let rest = message
        .split("argument types 'array_element(")
        .nth(1)
        .or_else(|| message.split("array_element does not support type ").nth(1))?;
    let (subscripted, _) =
        split_pair(rest).unwrap_or((rest.trim_end_matches(['\'', ')', '.']), ""));
    Some(PgError::new(
        SqlState::DatatypeMismatch,
        format!(
            "cannot subscript type {} because it does not support subscripting",
            type_name(subscripted)
        ),
    ))
}

/// DataFusion's grouping errors: `... While expanding wildcard, column "s.x.emp.id" must
/// appear in the GROUP BY clause ...` or `Expression s.x.emp.name could not be resolved
/// from available columns`.
fn grouping_violation(message: &str) -> Option<PgError> {
    let lower = message.to_ascii_lowercase();
    if !lower.contains("must be in group by or an aggregate function")
        && !lower.contains("projection references non-aggregate values")
    {
        return None;
    }
    let column = message
        .split("column \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .or_else(|| {
            message
                .split("Expression ")
                .nth(1)
                .and_then(|rest| rest.split(" could not be resolved").next())
        })?;
    Some(PgError::new(
        SqlState::GroupingError,
        format!(
            "column \"{}\" must appear in the GROUP BY clause or be used in an aggregate function",
            table_and_column(column)
        ),
    ))
}

/// `No field named nme. Valid fields are ...` / `No field named e.nme. Did you mean ...`.
fn missing_column(message: &str) -> Option<PgError> {
    let rest = message.split("No field named ").nth(1)?;
    let end = rest
        .find(". ")
        .or_else(|| rest.find(".\n"))
        .unwrap_or(rest.len());
    let name = rest[..end].trim_end_matches('.').replace('"', "");
    let text = match name.rsplit_once('.') {
        Some((qualifier, column)) => {
            let table = qualifier.rsplit('.').next().unwrap_or(qualifier);
            format!("column {table}.{column} does not exist")
        }
        None => format!("column \"{name}\" does not exist"),
    };
    Some(PgError::new(SqlState::UndefinedColumn, text))
}

/// `'current_setting' does not support zero arguments.`
fn function_without_arguments(message: &str) -> Option<PgError> {
    let rest = message.strip_prefix('\'')?;
    let (name, rest) = rest.split_once('\'')?;
    rest.strip_prefix(" does not support zero arguments")?;
    Some(
        PgError::new(
            SqlState::UndefinedFunction,
            format!("function {name}() does not exist"),
        )
        .with_hint(FUNCTION_HINT),
    )
}

fn operator_missing(left: &str, operator: &str, right: &str) -> PgError {
    PgError::new(
        SqlState::UndefinedFunction,
        format!("operator does not exist: {left} {operator} {right}"),
    )
    .with_hint(OPERATOR_HINT)
}

/// `a and b` or `a, b` at the top level (types may hold commas in parentheses).
fn split_pair(text: &str) -> Option<(&str, &str)> {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => return Some((text[..i].trim(), text[i + 1..].trim())),
            ' ' if depth == 0 && text[i..].starts_with(" and ") => {
                return Some((text[..i].trim(), text[i + 5..].trim()))
            }
            _ => {}
        }
    }
    None
}

/// `table.column` of a qualified name `server.schema.table.column`.
fn table_and_column(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    parts[parts.len().saturating_sub(2)..].join(".")
}

/// PostgreSQL's name of an Arrow type as DataFusion prints it (`Utf8View`,
/// `Decimal128(38, 0)`, `Timestamp(µs, "+00:00")`, `List(Int64)`).
pub(crate) fn type_name(arrow: &str) -> String {
    let arrow = arrow.trim().trim_matches(['\'', '.']);
    for list in ["List(", "LargeList(", "FixedSizeList(", "ListView("] {
        if let Some(element) = arrow.strip_prefix(list) {
            let element = element.strip_suffix(')').unwrap_or(element);
            return format!("{}[]", type_name(element));
        }
    }
    let base = arrow.split('(').next().unwrap_or(arrow);
    let name = match base {
        "Int8" | "Int16" | "UInt8" => "smallint",
        "Int32" | "UInt16" => "integer",
        "Int64" | "UInt32" => "bigint",
        "UInt64" | "Decimal32" | "Decimal64" | "Decimal128" | "Decimal256" => "numeric",
        "Float16" | "Float32" => "real",
        "Float64" => "double precision",
        "Boolean" => "boolean",
        "Date32" | "Date64" => "date",
        "Time32" | "Time64" => "time without time zone",
        "Timestamp" if arrow.contains(',') && !arrow.contains("None") => "timestamp with time zone",
        "Timestamp" => "timestamp without time zone",
        "Interval" | "Duration" => "interval",
        "Utf8" | "Utf8View" | "LargeUtf8" => "text",
        "Binary" | "BinaryView" | "LargeBinary" | "FixedSizeBinary" => "bytea",
        "Null" => "unknown",
        "Struct" => "record",
        other => other,
    };
    name.to_string()
}

/// Arrow type names that may appear in a message, longest first where one is a prefix of
/// another.
const ARROW_TYPES: &[&str] = &[
    "Utf8View",
    "LargeUtf8",
    "Utf8",
    "BinaryView",
    "LargeBinary",
    "FixedSizeBinary",
    "Binary",
    "Decimal128",
    "Decimal256",
    "Float16",
    "Float32",
    "Float64",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "Date32",
    "Date64",
    "Time32",
    "Time64",
    "Timestamp",
    "Interval",
    "Duration",
    "Boolean",
    "LargeList",
    "FixedSizeList",
    "List",
];

/// `message` with every Arrow type name, literal display (`Int64(1)`, `Utf8("a")`) and
/// fully qualified column (`srv.schema.t.c`) in PostgreSQL's terms.
pub(crate) fn in_postgres_terms(message: &str) -> String {
    let message = remove_bug_report_sentence(message);
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while !rest.is_empty() {
        match next_arrow_word(rest) {
            Some((start, word)) => {
                out.push_str(&rest[..start]);
                let after = &rest[start + word.len()..];
                let (replacement, consumed) = replace_arrow_word(word, after);
                out.push_str(&replacement);
                rest = &after[consumed..];
            }
            None => {
                out.push_str(rest);
                break;
            }
        }
    }
    out
}

/// DataFusion's internal errors end with a request to file a bug with DataFusion.
fn remove_bug_report_sentence(message: &str) -> String {
    let cut = message
        .find(". This issue was likely caused by a bug in DataFusion")
        .or_else(|| message.find("This issue was likely caused by a bug in DataFusion"));
    let kept = match cut {
        Some(at) => &message[..at],
        None => message,
    };
    kept.replace("Internal error: ", "")
}

/// The first Arrow type name in `text` that stands as a word of its own.
fn next_arrow_word(text: &str) -> Option<(usize, &'static str)> {
    let mut best: Option<(usize, &'static str)> = None;
    for word in ARROW_TYPES {
        let mut from = 0;
        while let Some(found) = text[from..].find(word) {
            let start = from + found;
            let end = start + word.len();
            let before_ok = text[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
            let after_ok = text[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
            if before_ok && after_ok {
                if best.is_none_or(|(b, w)| start < b || start == b && word.len() > w.len()) {
                    best = Some((start, word));
                }
                break;
            }
            from = end;
        }
    }
    best
}

/// The replacement of an Arrow word followed by `after`, and how much of `after` it used:
/// a literal display `Int64(1)` is its value, `Utf8("a")` a quoted string, a type with
/// parameters `Decimal128(38, 0)` its PostgreSQL name.
fn replace_arrow_word(word: &str, after: &str) -> (String, usize) {
    let Some(inner_len) = parenthesized_len(after) else {
        return (type_name(word), 0);
    };
    let inner = &after[1..inner_len - 1];
    let literal = match word {
        "Utf8" | "Utf8View" | "LargeUtf8" => inner
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .map(|s| format!("'{s}'")),
        "Boolean" if inner == "true" || inner == "false" => Some(inner.to_string()),
        _ if word.starts_with("Int") || word.starts_with("UInt") || word.starts_with("Float") => {
            inner
                .parse::<f64>()
                .is_ok()
                .then(|| inner.to_string())
                .or_else(|| (inner == "NULL").then(|| "NULL".to_string()))
        }
        // A literal is `Decimal128(0.25,2,2)` (value, precision, scale); the type is
        // `Decimal128(38, 10)`.
        "Decimal128" | "Decimal256" => {
            let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
            (parts.len() == 3 && parts[0].parse::<f64>().is_ok()).then(|| parts[0].to_string())
        }
        _ => None,
    };
    match literal {
        Some(value) => (value, inner_len),
        None => (
            type_name(&format!("{word}{}", &after[..inner_len])),
            inner_len,
        ),
    }
}

/// The length of a balanced parenthesized group at the start of `text`, if there is one.
fn parenthesized_len(text: &str) -> Option<usize> {
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wording(message: &str) -> (String, String) {
        let e = known_wording(message).unwrap_or_else(|| panic!("not recognised: {message}"));
        (e.code.code().to_string(), e.message)
    }

    #[test]
    fn type_mismatches_in_postgres_words() {
        assert_eq!(
            wording("There isn't a common type to coerce Utf8View and Int32 in LIKE expression"),
            (
                "42883".into(),
                "operator does not exist: text ~~ integer".into()
            )
        );
        assert_eq!(
            wording("There isn't a common type to coerce Utf8View and Decimal128(1, 1) in SIMILAR TO expression"),
            ("42883".into(), "function similar_to_escape(numeric) does not exist".into())
        );
        assert_eq!(
            wording("Cannot infer common argument type for regex operation Utf8 ~ UInt64"),
            (
                "42883".into(),
                "operator does not exist: text ~ numeric".into()
            )
        );
        assert_eq!(
            wording("Unary operator 'NOT' requires a boolean expression, got Utf8View"),
            (
                "42804".into(),
                "argument of NOT must be type boolean, not type text".into()
            )
        );
        assert_eq!(
            wording("Incompatible inputs for Union: Previous inputs were of type Boolean, but got incompatible type Utf8 on column 'x'"),
            ("42804".into(), "UNION types boolean and text cannot be matched".into())
        );
        assert_eq!(
            wording("Expected OFFSET to be an integer or null, but got Utf8"),
            (
                "42804".into(),
                "argument of OFFSET must be type bigint, not type text".into()
            )
        );
        assert_eq!(
            wording(
                "Failed to coerce types Utf8 and Timestamp(µs, \"+00:00\") in BETWEEN expression."
            ),
            (
                "42883".into(),
                "operator does not exist: text >= timestamp with time zone".into()
            )
        );
        assert_eq!(
            wording("array_element does not support type Decimal128(38, 0). No function matches the given name and argument types 'array_element(Decimal128(38, 0), Int64)'."),
            ("42804".into(), "cannot subscript type numeric because it does not support subscripting".into())
        );
    }

    #[test]
    fn grouping_and_columns_in_postgres_words() {
        assert_eq!(
            wording("Column in SELECT must be in GROUP BY or an aggregate function: While expanding wildcard, column \"fz.surface.emp.id\" must appear in the GROUP BY clause or must be part of an aggregate function, currently only \"fz.surface.emp.dept\" appears"),
            ("42803".into(), "column \"emp.id\" must appear in the GROUP BY clause or be used in an aggregate function".into())
        );
        assert_eq!(
            wording("No field named name. Valid fields are \"Int64(1)\"."),
            ("42703".into(), "column \"name\" does not exist".into())
        );
        assert_eq!(
            wording("No field named e.nme. Did you mean 'e.name'?."),
            ("42703".into(), "column e.nme does not exist".into())
        );
        assert_eq!(
            wording("'current_setting' does not support zero arguments. No function matches the given name and argument types 'current_setting()'."),
            ("42883".into(), "function current_setting() does not exist".into())
        );
    }

    #[test]
    fn arrow_words_become_postgres_terms() {
        assert_eq!(
            in_postgres_terms("Cannot cast Utf8View to Decimal128(38, 10) in Int64(1) + Utf8(\"YEAR\") * Decimal128(0.25,2,2)"),
            "Cannot cast text to numeric in 1 + 'YEAR' * 0.25"
        );
        assert_eq!(
            in_postgres_terms("Internal error: x is List(Int32). This issue was likely caused by a bug in DataFusion's code. Please help us"),
            "x is integer[]"
        );
        // Words that merely contain a type name are left alone.
        assert_eq!(
            in_postgres_terms("MyInt64s and Utf8ish"),
            "MyInt64s and Utf8ish"
        );
    }
}
