//! Driver errors as adapter errors with a SQLSTATE.
//!
//! | driver error                                   | SQLSTATE |
//! |------------------------------------------------|----------|
//! | server selection timed out (nothing reachable)  | 08001    |
//! | authentication failed (SCRAM, code 18)          | 28P01    |
//! | not authorized (code 13)                        | 42501    |
//! | namespace not found (code 26)                   | 42P01    |
//! | interrupted / time limit (codes 11601, 50, 262) | 57014    |
//! | I/O error, pool cleared, bad server response    | 08006    |
//! | anything else                                   | XX000    |
//!
//! Messages start with what was attempted, name the server address for connection errors, and
//! never contain the configured secrets (they go through [`MongoOptions::scrub`]).

use fedgate_adapter_api::AdapterError;
use mongodb::error::{Error, ErrorKind};

use crate::options::MongoOptions;
use fedgate_adapter_api::SqlState;

/// Turns a driver error into an adapter error; `action` says what was attempted.
pub(crate) fn driver_error(
    server: &str,
    options: &MongoOptions,
    action: &str,
    error: &Error,
) -> AdapterError {
    let detail = options.scrub(&error.to_string());
    let endpoint = options.endpoint();
    let mapped = match error.kind.as_ref() {
        ErrorKind::ServerSelection { .. } => AdapterError::unable_to_connect(format!(
            "could not reach MongoDB at {endpoint} within {}s while trying to {action}",
            options.connect_timeout().as_secs()
        ))
        .with_detail(detail),
        ErrorKind::Authentication { .. } => auth_failed(options, &endpoint, detail),
        ErrorKind::Command(command) => match command.code {
            18 => auth_failed(options, &endpoint, detail),
            13 => AdapterError::new(
                SqlState::InsufficientPrivilege,
                format!(
                    "MongoDB refused to {action}: {}",
                    options.scrub(&command.message)
                ),
            ),
            26 => AdapterError::undefined_table(format!(
                "MongoDB could not {action}: {}",
                options.scrub(&command.message)
            )),
            11601 | 50 | 262 => AdapterError::new(
                SqlState::QueryCanceled,
                format!(
                    "MongoDB stopped the operation ({action}): {}",
                    options.scrub(&command.message)
                ),
            ),
            code => AdapterError::internal(format!(
                "MongoDB error {code} ({}) while trying to {action}: {}",
                command.code_name,
                options.scrub(&command.message)
            )),
        },
        ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::InvalidResponse { .. } => AdapterError::connection_failure(format!(
            "connection to MongoDB at {endpoint} failed while trying to {action}"
        ))
        .with_detail(detail),
        _ => AdapterError::internal(format!("MongoDB error while trying to {action}: {detail}")),
    };
    mapped.for_server(server)
}

fn auth_failed(options: &MongoOptions, endpoint: &str, detail: String) -> AdapterError {
    let who = match options.user() {
        Some(user) => format!("user \"{user}\""),
        None => "the configured user".to_string(),
    };
    AdapterError::invalid_password(format!(
        "MongoDB at {endpoint} rejected the credentials of {who}"
    ))
    .with_detail(detail)
}
