//! Errors as the protocol's error responses. What code and message an error gets is decided
//! by `fedgate_pgcompat::error`; this turns a [`PgError`] into pgwire's form.

use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use fedgate_adapter_api::{AdapterError, SqlState};
use fedgate_pgcompat::PgError;
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
    // A terminated session's error ends its connection (pgwire closes it after a FATAL).
    let severity = if code == SqlState::AdminShutdown {
        "FATAL"
    } else {
        "ERROR"
    };
    let mut info = ErrorInfo::new(severity.to_string(), code.code().to_string(), message);
    info.detail = detail;
    info.hint = hint;
    info
}

/// An adapter error as a PostgreSQL error, keeping its SQLSTATE, detail and hint.
pub fn from_adapter(error: &AdapterError) -> PgWireError {
    from_pg(PgError::from(error))
}

/// A DataFusion error as a PostgreSQL error (see [`PgError::from_datafusion`]).
pub fn from_datafusion(error: &DataFusionError) -> PgWireError {
    from_pg(PgError::from_datafusion(error))
}

/// A parser error as a PostgreSQL syntax error.
pub fn from_parser(error: &ParserError) -> PgWireError {
    from_pg(PgError::from_parser(error))
}

/// A PostgreSQL error as the protocol's error response.
pub fn from_pg(error: PgError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(
        error.code,
        error.message,
        error.detail,
        error.hint,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapter_errors_keep_their_code_through_wrappers() {
        let inner = AdapterError::new(SqlState::UndefinedDatabase, "no database \"x\"");
        let wrapped = DataFusionError::Context("x".into(), Box::new(inner.into_datafusion()));
        match from_datafusion(&wrapped) {
            PgWireError::UserError(info) => assert_eq!(info.code, "3D000"),
            other => panic!("not a user error: {other}"),
        }
    }

    #[test]
    fn a_terminated_session_gets_a_fatal_error() {
        match user_error(SqlState::AdminShutdown, "terminating") {
            PgWireError::UserError(info) => assert!(info.is_fatal()),
            other => panic!("not a user error: {other}"),
        }
        match user_error(SqlState::QueryCanceled, "canceling") {
            PgWireError::UserError(info) => assert!(!info.is_fatal()),
            other => panic!("not a user error: {other}"),
        }
    }
}
