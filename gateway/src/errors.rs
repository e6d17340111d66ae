//! Mapping of every error fedgate produces to a PostgreSQL error with the right SQLSTATE.

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use fedgate_adapter_api::AdapterError;
use pgwire::error::{ErrorInfo, PgWireError};

/// A PostgreSQL error response with `code` and `message`.
pub fn user_error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(code, message.into(), None, None)))
}

fn error_info(
    code: &str,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
) -> ErrorInfo {
    let mut info = ErrorInfo::new("ERROR".to_string(), code.to_string(), message);
    info.detail = detail;
    info.hint = hint;
    info
}

/// An adapter error as a PostgreSQL error, keeping its SQLSTATE, detail and hint.
pub fn from_adapter(error: &AdapterError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(
        &error.sqlstate,
        error.message.clone(),
        error.detail.clone(),
        error.hint.clone(),
    )))
}

/// A DataFusion error as a PostgreSQL error.
pub fn from_datafusion(error: &DataFusionError) -> PgWireError {
    if let Some(adapter) = AdapterError::find_in(error) {
        return from_adapter(adapter);
    }
    let (code, message) = classify(error.find_root());
    user_error(code, message)
}

/// A parser error as a PostgreSQL syntax error.
pub fn from_parser(error: &ParserError) -> PgWireError {
    let message = match error {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => "statement is nested too deeply".to_string(),
    };
    user_error("42601", format!("syntax error: {message}"))
}

fn classify(error: &DataFusionError) -> (&'static str, String) {
    let message = strip_prefixes(&error.to_string());
    let code = match error {
        DataFusionError::SQL(_, _) => "42601",
        DataFusionError::SchemaError(schema_error, _) => schema_code(schema_error),
        DataFusionError::NotImplemented(_) => "0A000",
        DataFusionError::ResourcesExhausted(_) => "53200",
        DataFusionError::ArrowError(arrow, _) => arrow_code(arrow),
        DataFusionError::Plan(m) => plan_code(m),
        DataFusionError::Execution(m) => execution_code(m),
        _ => "XX000",
    };
    (code, message)
}

fn schema_code(error: &datafusion::common::SchemaError) -> &'static str {
    use datafusion::common::SchemaError;
    match error {
        SchemaError::FieldNotFound { .. } => "42703",
        SchemaError::AmbiguousReference { .. } => "42702",
        SchemaError::DuplicateQualifiedField { .. }
        | SchemaError::DuplicateUnqualifiedField { .. } => "42701",
    }
}

fn arrow_code(error: &datafusion::arrow::error::ArrowError) -> &'static str {
    use datafusion::arrow::error::ArrowError;
    match error {
        ArrowError::DivideByZero => "22012",
        ArrowError::CastError(_) | ArrowError::ParseError(_) => "22P02",
        ArrowError::ArithmeticOverflow(_) => "22003",
        _ => "XX000",
    }
}

fn plan_code(message: &str) -> &'static str {
    let lower = message.to_ascii_lowercase();
    if lower.contains("table") && lower.contains("not found") {
        "42P01"
    } else if lower.contains("invalid function") || lower.contains("no function matches") {
        "42883"
    } else if lower.contains("no field named") {
        "42703"
    } else if lower.contains("cannot be cast") || lower.contains("coerc") {
        "42804"
    } else {
        "42000"
    }
}

fn execution_code(message: &str) -> &'static str {
    let lower = message.to_ascii_lowercase();
    if lower.contains("divide by zero") || lower.contains("division by zero") {
        "22012"
    } else if lower.contains("overflow") {
        "22003"
    } else if lower.contains("cast") {
        "22P02"
    } else {
        "XX000"
    }
}

/// DataFusion prefixes messages with its error kind ("Error during planning: "); PostgreSQL
/// users expect just the message.
fn strip_prefixes(message: &str) -> String {
    const PREFIXES: &[&str] = &[
        "Error during planning: ",
        "Execution error: ",
        "Schema error: ",
        "This feature is not implemented: ",
        "Arrow error: ",
        "SQL error: ",
        "Optimizer rule ",
    ];
    let mut text = message;
    loop {
        let before = text;
        for prefix in PREFIXES.iter().take(6) {
            if let Some(rest) = text.strip_prefix(prefix) {
                text = rest;
            }
        }
        if before == text {
            break;
        }
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: &PgWireError) -> String {
        match error {
            PgWireError::UserError(info) => info.code.clone(),
            other => panic!("not a user error: {other}"),
        }
    }

    #[test]
    fn adapter_errors_keep_their_code_through_wrappers() {
        let inner = AdapterError::new("3D000", "server \"s\": database \"x\" does not exist");
        let wrapped = DataFusionError::Context("x".into(), Box::new(inner.into_datafusion()));
        assert_eq!(code(&from_datafusion(&wrapped)), "3D000");
    }

    #[test]
    fn planning_errors_get_postgres_codes() {
        let e = DataFusionError::Plan("table 'fedgate.public.nope' not found".into());
        assert_eq!(code(&from_datafusion(&e)), "42P01");
        let e = DataFusionError::NotImplemented("x".into());
        assert_eq!(code(&from_datafusion(&e)), "0A000");
    }

    #[test]
    fn prefixes_are_removed() {
        assert_eq!(
            strip_prefixes("Error during planning: table 'a' not found"),
            "table 'a' not found"
        );
    }
}
