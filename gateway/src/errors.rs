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
    let mut info = ErrorInfo::new(severity(code).to_string(), code.code().to_string(), message);
    info.detail = detail;
    info.hint = hint;
    info
}

/// `FATAL` for a terminated session (57P01), as PostgreSQL sends it: pgwire closes the
/// connection after a FATAL error. `ERROR` otherwise.
fn severity(code: SqlState) -> &'static str {
    match code {
        SqlState::AdminShutdown => "FATAL",
        _ => "ERROR",
    }
}

/// Whether `error` ends the connection.
pub fn is_fatal(error: &PgWireError) -> bool {
    matches!(error, PgWireError::UserError(info) if info.severity == "FATAL")
}

/// The SQLSTATE of a statement's `error`: its own, or XX000 for pgwire's other errors
/// (which are, during a statement, encoding failures sent as XX000).
pub fn sqlstate(error: &PgWireError) -> String {
    match error {
        PgWireError::UserError(info) => info.code.clone(),
        _ => SqlState::InternalError.code().to_string(),
    }
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
    fn a_terminated_session_is_fatal() {
        let error = from_adapter(&AdapterError::new(SqlState::AdminShutdown, "terminating"));
        assert!(is_fatal(&error));
        assert_eq!(sqlstate(&error), "57P01");
        assert!(!is_fatal(&user_error(SqlState::QueryCanceled, "x")));
    }

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
