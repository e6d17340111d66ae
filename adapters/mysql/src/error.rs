//! Turning mysql_async errors into [`AdapterError`]s with a SQLSTATE.
//!
//! - Failing to reach the server (refused, unreachable, timed out, name not resolved, closed
//!   during the handshake) is `08001` and names `host:port`.
//! - Errors the server sends keep its message, with `MySQL error <code> (<state>)` as detail.
//!   Their SQLSTATE is, in this order:
//!   - a PostgreSQL code for the MySQL errors that have a well-known PostgreSQL equivalent
//!     ([`POSTGRES_EQUIVALENTS`]: access denied 1045 → `28P01`, unknown database 1049 →
//!     `3D000`, unknown table 1146 → `42P01`, unknown column 1054 → `42703`, syntax 1064 →
//!     `42601`, interrupted 1317 → `57014`, privileges → `42501`, ...);
//!   - otherwise the SQLSTATE the server reported, when it is a valid 5-character code
//!     (digits and upper-case letters), e.g. `22012`, `23000`, `HY000`;
//!   - otherwise `XX000`.
//! - A connection that breaks afterwards is `08006`.
//!
//! The server name prefix is added by the caller ([`AdapterError::for_server`]).

use std::error::Error as _;
use std::io;
use std::time::Duration;

use fedgate_adapter_api::{AdapterError, SqlState};
use mysql_async::{DriverError, Error, IoError, ServerError};

/// MySQL error codes with a PostgreSQL SQLSTATE that says the same thing.
pub const POSTGRES_EQUIVALENTS: &[(u16, SqlState)] = &[
    (1044, SqlState::InsufficientPrivilege), // ER_DBACCESS_DENIED_ERROR
    (1045, SqlState::InvalidPassword),       // ER_ACCESS_DENIED_ERROR
    (1049, SqlState::UndefinedDatabase),     // ER_BAD_DB_ERROR
    (1054, SqlState::UndefinedColumn),       // ER_BAD_FIELD_ERROR
    (1064, SqlState::SyntaxError),           // ER_PARSE_ERROR
    (1142, SqlState::InsufficientPrivilege), // ER_TABLEACCESS_DENIED_ERROR
    (1143, SqlState::InsufficientPrivilege), // ER_COLUMNACCESS_DENIED_ERROR
    (1146, SqlState::UndefinedTable),        // ER_NO_SUCH_TABLE
    (1227, SqlState::InsufficientPrivilege), // ER_SPECIFIC_ACCESS_DENIED_ERROR
    (1317, SqlState::QueryCanceled),         // ER_QUERY_INTERRUPTED
    (1365, SqlState::DivisionByZero),        // ER_DIVISION_BY_ZERO
    (1698, SqlState::InvalidAuthorizationSpecification), // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    (1969, SqlState::QueryCanceled),         // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    (3024, SqlState::QueryCanceled),         // ER_QUERY_TIMEOUT (MySQL max_execution_time)
];

/// Where connections go, for messages.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub address: String,
    pub connect_timeout: Duration,
}

/// The phase an error happened in: connecting, or on an established connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Connect,
    Query,
}

/// An error from a mysql_async call.
pub(crate) fn from_mysql(error: &Error, endpoint: &Endpoint, phase: Phase) -> AdapterError {
    let address = &endpoint.address;
    match error {
        Error::Server(server) => from_server(server),
        Error::Io(IoError::Io(io)) => from_io(io, endpoint, phase),
        Error::Io(other) => match phase {
            Phase::Connect => {
                AdapterError::unable_to_connect(format!("could not connect to {address}: {other}"))
            }
            Phase::Query => {
                AdapterError::connection_failure(format!("the connection to {address}: {other}"))
            }
        },
        Error::Driver(DriverError::ConnectionClosed) => match phase {
            Phase::Connect => AdapterError::unable_to_connect(format!(
                "could not connect to {address}: the server closed the connection"
            )),
            Phase::Query => AdapterError::connection_failure(format!(
                "the connection to {address} was closed unexpectedly"
            )),
        },
        Error::Driver(driver) => {
            let message = match driver.source() {
                Some(source) => format!("{driver} ({address}): {source}"),
                None => format!("{driver} ({address})"),
            };
            match phase {
                Phase::Connect => AdapterError::unable_to_connect(message),
                Phase::Query => AdapterError::connection_failure(message),
            }
        }
        // Never happens with options built by the adapter; shown without the URL.
        Error::Url(_) => AdapterError::invalid_option_value(
            "invalid value for option \"url\": rejected by the MySQL driver",
        ),
        Error::Other(other) => AdapterError::internal(format!("MySQL driver error: {other}")),
    }
}

/// An error the server reported.
pub(crate) fn from_server(error: &ServerError) -> AdapterError {
    let sqlstate = sqlstate_for(error.code, &error.state);
    let mut adapter = AdapterError::new(sqlstate, error.message.clone())
        .with_detail(format!("MySQL error {} ({})", error.code, error.state));
    if error.code == 1045 || error.code == 1698 {
        adapter =
            adapter.with_hint("check the user option and the password, password_env or password_file option of the server");
    }
    adapter
}

/// The SQLSTATE a PostgreSQL client sees for MySQL error `code` with MySQL state `state`.
pub fn sqlstate_for(code: u16, state: &str) -> SqlState {
    if let Some((_, pg)) = POSTGRES_EQUIVALENTS.iter().find(|(c, _)| *c == code) {
        return *pg;
    }
    SqlState::from_code(state).unwrap_or(SqlState::InternalError)
}

fn from_io(error: &io::Error, endpoint: &Endpoint, phase: Phase) -> AdapterError {
    let address = &endpoint.address;
    let reason = match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        io::ErrorKind::TimedOut if phase == Phase::Connect => return timed_out(endpoint),
        io::ErrorKind::HostUnreachable => "host unreachable".to_string(),
        io::ErrorKind::NetworkUnreachable => "network unreachable".to_string(),
        _ => error.to_string(),
    };
    match phase {
        Phase::Connect => {
            AdapterError::unable_to_connect(format!("could not connect to {address}: {reason}"))
        }
        Phase::Query => AdapterError::connection_failure(format!(
            "the connection to {address} failed: {reason}"
        )),
    }
}

/// Connecting took longer than `connect_timeout`.
pub(crate) fn timed_out(endpoint: &Endpoint) -> AdapterError {
    AdapterError::unable_to_connect(format!(
        "could not connect to {}: timed out after {} s",
        endpoint.address,
        endpoint.connect_timeout.as_secs()
    ))
    .with_hint("check the host and port options, or raise connect_timeout")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint {
            address: "db:3306".into(),
            connect_timeout: Duration::from_secs(7),
        }
    }

    fn server(code: u16, state: &str) -> Error {
        Error::Server(ServerError {
            code,
            message: format!("message {code}"),
            state: state.to_string(),
        })
    }

    #[test]
    fn server_errors_keep_or_translate_their_sqlstate() {
        let cases = [
            (1045, "28000", "28P01"),
            (1049, "42000", "3D000"),
            (1146, "42S02", "42P01"),
            (1054, "42S22", "42703"),
            (1317, "70100", "57014"),
            (1062, "23000", "23000"),
            (1105, "HY000", "HY000"),
            (4000, "bad", "XX000"),
            (4001, "22a12", "XX000"),
            (4002, "", "XX000"),
        ];
        for (code, state, expected) in cases {
            let e = from_mysql(&server(code, state), &endpoint(), Phase::Query);
            assert_eq!(e.sqlstate, expected, "{code} {state}");
            assert_eq!(e.message, format!("message {code}"));
            assert_eq!(
                e.detail.as_deref(),
                Some(format!("MySQL error {code} ({state})").as_str())
            );
        }
    }

    #[test]
    fn io_errors_depend_on_the_phase() {
        let refused = Error::Io(IoError::Io(io::Error::from(
            io::ErrorKind::ConnectionRefused,
        )));
        let e = from_mysql(&refused, &endpoint(), Phase::Connect);
        assert_eq!(e.sqlstate, "08001");
        assert!(e.message.contains("db:3306") && e.message.contains("refused"));
        let e = from_mysql(&refused, &endpoint(), Phase::Query);
        assert_eq!(e.sqlstate, "08006");
        let timeout = Error::Io(IoError::Io(io::Error::from(io::ErrorKind::TimedOut)));
        let e = from_mysql(&timeout, &endpoint(), Phase::Connect);
        assert_eq!(e.sqlstate, "08001");
        assert!(e.message.contains("7 s"), "{e:?}");
        let closed = Error::Driver(DriverError::ConnectionClosed);
        assert_eq!(
            from_mysql(&closed, &endpoint(), Phase::Connect).sqlstate,
            "08001"
        );
        assert_eq!(
            from_mysql(&closed, &endpoint(), Phase::Query).sqlstate,
            "08006"
        );
    }
}
