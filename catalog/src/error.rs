//! The errors of the catalog, as [`AdapterError`]s with the SQLSTATE PostgreSQL would use.
//!
//! The crate returns [`AdapterError`] everywhere so the gateway has a single error type to
//! turn into an `ErrorResponse`; these helpers only name the SQLSTATEs used here.

use fedgate_adapter_api::AdapterError;
use fedgate_adapter_api::SqlState;

/// 42704 undefined_object: `server "x" does not exist`.
pub(crate) fn server_not_found(name: &str) -> AdapterError {
    AdapterError::new(
        SqlState::UndefinedObject,
        format!("server \"{name}\" does not exist"),
    )
}

/// 42710 duplicate_object: `server "x" already exists`.
pub(crate) fn server_exists(name: &str) -> AdapterError {
    AdapterError::new(
        SqlState::DuplicateObject,
        format!("server \"{name}\" already exists"),
    )
}

/// 42939 reserved_name: a server may not take the name of a system catalog.
pub(crate) fn reserved_name(name: &str) -> AdapterError {
    AdapterError::new(
        SqlState::ReservedName,
        format!("server name \"{name}\" is reserved for a system catalog"),
    )
}

/// 42602 invalid_name: a server name that cannot be used as a catalog name.
pub(crate) fn invalid_name(name: &str, why: &str) -> AdapterError {
    AdapterError::new(
        SqlState::InvalidName,
        format!("invalid server name \"{name}\": {why}"),
    )
    .with_hint(
        "a server name starts with a letter or underscore, continues with letters, digits, \
         underscores or dollar signs, and has at most 63 bytes",
    )
}

/// 42710 duplicate_object: `ALTER SERVER ... OPTIONS (ADD x ...)` for an option already set.
pub(crate) fn option_exists(option: &str) -> AdapterError {
    AdapterError::new(
        SqlState::DuplicateObject,
        format!("option \"{option}\" provided more than once"),
    )
}

/// 42704 undefined_object: `ALTER SERVER ... OPTIONS (SET|DROP x)` for an option not set.
pub(crate) fn option_not_found(option: &str) -> AdapterError {
    AdapterError::new(
        SqlState::UndefinedObject,
        format!("option \"{option}\" not found"),
    )
}

/// 42704 undefined_object: the factory knows no such wrapper.
pub fn wrapper_not_found(wrapper: &str) -> AdapterError {
    AdapterError::new(
        SqlState::UndefinedObject,
        format!("foreign-data wrapper \"{wrapper}\" does not exist"),
    )
}

/// 58030 io_error: reading or writing the catalog file failed.
pub(crate) fn io_error(what: &str, error: &std::io::Error) -> AdapterError {
    AdapterError::new(SqlState::IoError, format!("{what}: {error}"))
}

/// F0000 config_file_error: the stored catalog cannot be read back.
pub(crate) fn corrupt_store(what: &str, why: impl std::fmt::Display) -> AdapterError {
    AdapterError::new(
        SqlState::ConfigFileError,
        format!("{what} is not a valid fedgate catalog: {why}"),
    )
    .with_hint(
        "fedgate does not start with an empty catalog over a broken one; restore the file \
             from a backup, fix it, or move it away to start empty",
    )
}
