//! Mapping of every error fedgate produces to a PostgreSQL error with the right SQLSTATE.

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use fedgate_adapter_api::{AdapterError, SqlState};
use pgwire::error::{ErrorInfo, PgWireError};

/// A PostgreSQL error response with `code` and `message`.
pub fn user_error(code: SqlState, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(code, message.into(), None, None)))
}

fn error_info(
    code: SqlState,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
) -> ErrorInfo {
    let mut info = ErrorInfo::new("ERROR".to_string(), code.code().to_string(), message);
    info.detail = detail;
    info.hint = hint;
    info
}

/// An adapter error as a PostgreSQL error, keeping its SQLSTATE, detail and hint.
pub fn from_adapter(error: &AdapterError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(
        error.sqlstate,
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
    user_error(SqlState::SyntaxError, format!("syntax error: {message}"))
}

fn classify(error: &DataFusionError) -> (SqlState, String) {
    let message = strip_prefixes(&error.to_string());
    let code = match error {
        DataFusionError::SQL(_, _) => SqlState::SyntaxError,
        DataFusionError::SchemaError(schema_error, _) => schema_code(schema_error),
        DataFusionError::NotImplemented(_) => SqlState::FeatureNotSupported,
        DataFusionError::ResourcesExhausted(_) => SqlState::OutOfMemory,
        DataFusionError::ArrowError(arrow, _) => arrow_code(arrow),
        DataFusionError::Plan(m) => plan_code(m),
        DataFusionError::Execution(m) => execution_code(m),
        _ => SqlState::InternalError,
    };
    (code, message)
}

fn schema_code(error: &datafusion::common::SchemaError) -> SqlState {
    use datafusion::common::SchemaError;
    match error {
        SchemaError::FieldNotFound { .. } => SqlState::UndefinedColumn,
        SchemaError::AmbiguousReference { .. } => SqlState::AmbiguousColumn,
        SchemaError::DuplicateQualifiedField { .. }
        | SchemaError::DuplicateUnqualifiedField { .. } => SqlState::DuplicateColumn,
    }
}

fn arrow_code(error: &datafusion::arrow::error::ArrowError) -> SqlState {
    use datafusion::arrow::error::ArrowError;
    match error {
        ArrowError::DivideByZero => SqlState::DivisionByZero,
        ArrowError::CastError(_) | ArrowError::ParseError(_) => SqlState::InvalidTextRepresentation,
        ArrowError::ArithmeticOverflow(_) => SqlState::NumericValueOutOfRange,
        _ => SqlState::InternalError,
    }
}

fn plan_code(message: &str) -> SqlState {
    let lower = message.to_ascii_lowercase();
    if lower.contains("table") && lower.contains("not found") {
        SqlState::UndefinedTable
    } else if lower.contains("invalid function") || lower.contains("no function matches") {
        SqlState::UndefinedFunction
    } else if lower.contains("no field named") {
        SqlState::UndefinedColumn
    } else if lower.contains("cannot be cast") || lower.contains("coerc") {
        SqlState::DatatypeMismatch
    } else {
        SqlState::SyntaxErrorOrAccessRuleViolation
    }
}

fn execution_code(message: &str) -> SqlState {
    let lower = message.to_ascii_lowercase();
    if lower.contains("divide by zero") || lower.contains("division by zero") {
        SqlState::DivisionByZero
    } else if lower.contains("overflow") {
        SqlState::NumericValueOutOfRange
    } else if lower.contains("cast") {
        SqlState::InvalidTextRepresentation
    } else {
        SqlState::InternalError
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
        let inner = AdapterError::new(
            SqlState::UndefinedDatabase,
            "server \"s\": database \"x\" does not exist",
        );
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
