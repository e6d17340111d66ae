//! Turning tokio-postgres and pool errors into [`AdapterError`]s with a SQLSTATE.
//!
//! - An error the server sent (`DbError`) keeps its SQLSTATE, message, detail and hint:
//!   `28P01`/`28000` for authentication, `3D000` for a missing database, `22012`, `57014`, ...
//! - Failing to reach the server is `08001` and names `host:port` (refused, unreachable,
//!   timed out, name not resolved).
//! - A server that asks for a password when the options set none is `28P01`.
//! - A connection that breaks afterwards is `08006`.
//!
//! Which of these an error is comes from the error's structure (a server error, an I/O
//! cause, a closed connection) and from whether it happened while connecting, never from
//! its wording.
//!
//! The server name prefix is added by the caller ([`AdapterError::for_server`]).

use std::error::Error as _;
use std::io;
use std::time::Duration;

use deadpool_postgres::{PoolError, TimeoutType};
use fedgate_adapter_api::SqlState;
use fedgate_adapter_api::{AdapterError, BackendLimits};
use tokio_postgres::error::DbError;

/// Where a connection goes, for messages.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub address: String,
    pub connect_timeout: Duration,
    /// The pool's size and wait, for the 53300 of an exhausted pool.
    pub limits: BackendLimits,
    /// Whether the server's options give a password (a server that asks for one when none
    /// is set fails the connection without a server error).
    pub has_password: bool,
}

/// An error of a statement on an open connection: the server's own error, or the
/// connection failed (class 08006).
pub(crate) fn from_pg(error: &tokio_postgres::Error, endpoint: &Endpoint) -> AdapterError {
    if let Some(db) = error.as_db_error() {
        return from_db(db);
    }
    let address = &endpoint.address;
    if error.is_closed() {
        return AdapterError::connection_failure(format!(
            "the connection to {address} was closed unexpectedly"
        ));
    }
    let message = match error.source() {
        Some(cause) => format!("{error} ({address}): {cause}"),
        None => format!("{error} ({address})"),
    };
    AdapterError::connection_failure(message)
}

/// An error of opening a connection: the server refused it (its own error: 28P01,
/// 3D000, ...), it could not be reached (08001 naming `host:port`), or it asked for a
/// password the server's options do not give (28P01).
fn from_connect(error: &tokio_postgres::Error, endpoint: &Endpoint) -> AdapterError {
    if let Some(db) = error.as_db_error() {
        return from_db(db);
    }
    let address = &endpoint.address;
    if let Some(io) = error.source().and_then(|s| s.downcast_ref::<io::Error>()) {
        return unreachable_server(io, endpoint);
    }
    if !endpoint.has_password {
        return AdapterError::invalid_password(format!(
            "authentication with {address} failed: the server asks for a password and none is set ({error})"
        ))
        .with_hint("set the password, password_env or password_file option of the server");
    }
    let message = match error.source() {
        Some(cause) => format!("could not connect to {address}: {error}: {cause}"),
        None => format!("could not connect to {address}: {error}"),
    };
    AdapterError::unable_to_connect(message)
}

/// An error the server reported: its own SQLSTATE, message, detail and hint.
pub(crate) fn from_db(db: &DbError) -> AdapterError {
    let state = SqlState::from_code(db.code().code()).unwrap_or(SqlState::InternalError);
    let mut error = AdapterError::new(state, db.message());
    if let Some(detail) = db.detail() {
        error = error.with_detail(detail);
    }
    if let Some(hint) = db.hint() {
        error = error.with_hint(hint);
    }
    error
}

/// The server could not be reached: class 08001 naming `host:port`.
fn unreachable_server(io: &io::Error, endpoint: &Endpoint) -> AdapterError {
    let reason = match io.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        io::ErrorKind::TimedOut => return timed_out(endpoint),
        io::ErrorKind::HostUnreachable => "host unreachable".to_string(),
        io::ErrorKind::NetworkUnreachable => "network unreachable".to_string(),
        _ => io.to_string(),
    };
    AdapterError::unable_to_connect(format!(
        "could not connect to {}: {reason}",
        endpoint.address
    ))
}

fn timed_out(endpoint: &Endpoint) -> AdapterError {
    AdapterError::unable_to_connect(format!(
        "could not connect to {}: timed out after {} s",
        endpoint.address,
        endpoint.connect_timeout.as_secs()
    ))
    .with_hint("check the host and port options, or raise connect_timeout")
}

/// An error from getting a pooled connection.
pub(crate) fn from_pool(error: &PoolError, endpoint: &Endpoint) -> AdapterError {
    match error {
        PoolError::Backend(e) => from_connect(e, endpoint),
        PoolError::Timeout(TimeoutType::Create) => timed_out(endpoint),
        PoolError::Timeout(TimeoutType::Wait) => endpoint.limits.pool_exhausted(),
        PoolError::Timeout(TimeoutType::Recycle) => AdapterError::connection_failure(format!(
            "timed out checking a pooled connection to {}",
            endpoint.address
        )),
        PoolError::Closed => AdapterError::connection_failure("the connection pool is closed"),
        PoolError::NoRuntimeSpecified => {
            AdapterError::internal("the connection pool has no async runtime")
        }
        PoolError::PostCreateHook(e) => {
            AdapterError::unable_to_connect(format!("could not set up a connection: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint {
            address: "db:5432".into(),
            connect_timeout: Duration::from_secs(7),
            limits: BackendLimits {
                pool_max_size: 3,
                ..BackendLimits::default()
            },
            has_password: false,
        }
    }

    #[test]
    fn pool_timeouts() {
        let e = from_pool(&PoolError::Timeout(TimeoutType::Create), &endpoint());
        assert_eq!(e.sqlstate, "08001");
        assert!(e.message.contains("db:5432") && e.message.contains("7 s"));
        let e = from_pool(&PoolError::Timeout(TimeoutType::Wait), &endpoint());
        assert_eq!(e.sqlstate, "53300");
        assert!(
            e.message.contains("3 connections busy for 30s"),
            "{}",
            e.message
        );
    }
}
