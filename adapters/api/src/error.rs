//! The adapter error: a message plus the SQLSTATE a PostgreSQL client should see.

use datafusion::error::DataFusionError;

use crate::SqlState;

pub type Result<T, E = AdapterError> = std::result::Result<T, E>;

/// An error from a backend or its adapter, carrying a PostgreSQL SQLSTATE.
///
/// Backend errors that have their own SQLSTATE (PostgreSQL errors) keep it; connection
/// failures use class 08, authentication 28xxx, bad server options HV00D / 22023.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AdapterError {
    pub sqlstate: SqlState,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl AdapterError {
    pub fn new(sqlstate: SqlState, message: impl Into<String>) -> Self {
        Self {
            sqlstate,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// 08001: the backend could not be reached.
    pub fn unable_to_connect(message: impl Into<String>) -> Self {
        Self::new(SqlState::SqlclientUnableToEstablishSqlconnection, message)
    }

    /// 08006: an established connection failed.
    pub fn connection_failure(message: impl Into<String>) -> Self {
        Self::new(SqlState::ConnectionFailure, message)
    }

    /// 28P01: the backend rejected the credentials.
    pub fn invalid_password(message: impl Into<String>) -> Self {
        Self::new(SqlState::InvalidPassword, message)
    }

    /// HV00D: an option name the wrapper does not know.
    pub fn invalid_option_name(message: impl Into<String>) -> Self {
        Self::new(SqlState::FdwInvalidOptionName, message)
    }

    /// 22023: an option value that is not valid.
    pub fn invalid_option_value(message: impl Into<String>) -> Self {
        Self::new(SqlState::InvalidParameterValue, message)
    }

    /// 0A000: something the backend or adapter does not support.
    pub fn feature_not_supported(message: impl Into<String>) -> Self {
        Self::new(SqlState::FeatureNotSupported, message)
    }

    /// 42P01: a table that does not exist.
    pub fn undefined_table(message: impl Into<String>) -> Self {
        Self::new(SqlState::UndefinedTable, message)
    }

    /// XX000: an internal error of the adapter.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(SqlState::InternalError, message)
    }

    /// Prefixes the message with the server name, so users know which backend spoke.
    pub fn for_server(mut self, server: &str) -> Self {
        let prefix = format!("server \"{server}\": ");
        if !self.message.starts_with(&prefix) {
            self.message = format!("{prefix}{}", self.message);
        }
        self
    }

    /// Wraps the error for DataFusion; [`AdapterError::find_in`] gets it back.
    pub fn into_datafusion(self) -> DataFusionError {
        DataFusionError::External(Box::new(self))
    }

    /// Finds an adapter error inside a DataFusion error, through its wrappers.
    pub fn find_in(error: &DataFusionError) -> Option<&AdapterError> {
        match error {
            DataFusionError::External(inner) => inner.downcast_ref::<AdapterError>(),
            DataFusionError::Context(_, inner) => Self::find_in(inner),
            DataFusionError::Shared(inner) => Self::find_in(inner),
            DataFusionError::ArrowError(arrow, _) => match arrow.as_ref() {
                datafusion::arrow::error::ArrowError::ExternalError(inner) => {
                    inner.downcast_ref::<AdapterError>().or_else(|| {
                        inner
                            .downcast_ref::<DataFusionError>()
                            .and_then(Self::find_in)
                    })
                }
                _ => None,
            },
            DataFusionError::Diagnostic(_, inner) => Self::find_in(inner),
            DataFusionError::Collection(errors) => errors.iter().find_map(Self::find_in),
            _ => None,
        }
    }
}

impl From<AdapterError> for DataFusionError {
    fn from(error: AdapterError) -> Self {
        error.into_datafusion()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_prefix_is_added_once() {
        let e = AdapterError::unable_to_connect("refused")
            .for_server("sales")
            .for_server("sales");
        assert_eq!(e.message, "server \"sales\": refused");
        assert_eq!(e.sqlstate, "08001");
    }

    #[test]
    fn found_through_datafusion_wrappers() {
        let e = AdapterError::new(SqlState::UndefinedColumn, "no column").into_datafusion();
        let wrapped = DataFusionError::Context("scan".into(), Box::new(e));
        let shared = DataFusionError::Shared(std::sync::Arc::new(wrapped));
        assert_eq!(AdapterError::find_in(&shared).unwrap().sqlstate, "42703");
    }
}
