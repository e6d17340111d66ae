//! What one server answers to a statement: its rows as text (simple query protocol), column
//! names and, from preparing the statement (extended protocol Describe), the column type
//! OIDs; or the error with its SQLSTATE.

use std::time::Duration;

use tokio_postgres::{Client, SimpleQueryMessage};

use crate::differential::ResultSet;

/// An error answer: its SQLSTATE (empty when the error did not come from the server, e.g. a
/// closed connection or a timeout) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlError {
    pub code: String,
    pub message: String,
}

impl SqlError {
    /// SQLSTATE 0A000, feature_not_supported: fedgate refuses the statement.
    pub fn is_refusal(&self) -> bool {
        self.code == "0A000"
    }

    fn from_driver(error: &tokio_postgres::Error) -> SqlError {
        match error.as_db_error() {
            Some(db) => SqlError {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
            },
            None => SqlError {
                code: String::new(),
                message: error.to_string(),
            },
        }
    }

    fn timeout(what: &str, limit: Duration) -> SqlError {
        SqlError {
            code: String::new(),
            message: format!("{what} did not finish within {}s", limit.as_secs()),
        }
    }

    /// Whether the session may still be running the statement (it must not be reused).
    pub fn is_timeout(&self) -> bool {
        self.code.is_empty() && self.message.contains("did not finish within")
    }
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.code.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

/// One server's answer to a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The rows (and column names) of the simple query, or its error.
    pub result: Result<ResultSet, SqlError>,
    /// The column type OIDs from preparing the statement; only asked for when the simple
    /// query succeeded.
    pub oids: Option<Result<Vec<u32>, SqlError>>,
}

/// Asks `client` for its answer to `sql`, each step within `limit`.
pub async fn answer(client: &Client, sql: &str, limit: Duration) -> Answer {
    let result = simple_result(client, sql, limit).await;
    let oids = match &result {
        Ok(_) => Some(column_oids(client, sql, limit).await),
        Err(_) => None,
    };
    Answer { result, oids }
}

/// The rows of `sql` by the simple query protocol: the last result set, values as text.
async fn simple_result(client: &Client, sql: &str, limit: Duration) -> Result<ResultSet, SqlError> {
    let messages = tokio::time::timeout(limit, client.simple_query(sql))
        .await
        .map_err(|_| SqlError::timeout("the query", limit))?
        .map_err(|e| SqlError::from_driver(&e))?;
    let mut result: Option<ResultSet> = None;
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) => {
                result = Some(ResultSet {
                    columns: columns.iter().map(|c| c.name().to_string()).collect(),
                    float_columns: Vec::new(),
                    rows: Vec::new(),
                });
            }
            SimpleQueryMessage::Row(row) => {
                let values = (0..row.len()).map(|i| row.get(i).map(str::to_string));
                if let Some(result) = result.as_mut() {
                    result.rows.push(values.collect());
                }
            }
            _ => {}
        }
    }
    result.ok_or_else(|| SqlError {
        code: String::new(),
        message: "the statement returned no row description".to_string(),
    })
}

/// The column type OIDs of `sql`, by preparing it.
async fn column_oids(client: &Client, sql: &str, limit: Duration) -> Result<Vec<u32>, SqlError> {
    let statement = tokio::time::timeout(limit, client.prepare(sql))
        .await
        .map_err(|_| SqlError::timeout("preparing", limit))?
        .map_err(|e| SqlError::from_driver(&e))?;
    Ok(statement
        .columns()
        .iter()
        .map(|c| c.type_().oid())
        .collect())
}

/// The name PostgreSQL gives type `oid` (`int4`), or the number for a type the client
/// library does not know.
pub fn type_name(oid: u32) -> String {
    tokio_postgres::types::Type::from_oid(oid)
        .map_or_else(|| oid.to_string(), |t| t.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_type_names() {
        let refusal = SqlError {
            code: "0A000".into(),
            message: "not supported".into(),
        };
        assert!(refusal.is_refusal() && !refusal.is_timeout());
        assert_eq!(refusal.to_string(), "0A000: not supported");
        let timeout = SqlError::timeout("the query", Duration::from_secs(3));
        assert!(timeout.is_timeout() && !timeout.is_refusal());
        assert_eq!(type_name(23), "int4");
        assert_eq!(type_name(1700), "numeric");
        assert_eq!(type_name(999_999), "999999");
    }
}
