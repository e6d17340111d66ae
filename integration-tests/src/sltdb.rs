//! A sqllogictest database over one gateway session.
//!
//! Statements go through the simple query protocol, so every value is the text the gateway
//! sent: NULL is rendered `NULL` and the empty string `(empty)`, as sqllogictest expects.
//! Errors display as `<SQLSTATE>: <message>`, so files can assert codes with
//! `statement error 42P01` (regex on the text) or `statement error (42P01)` (exact code).
//! Column type letters are not checked (any letter is accepted).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};
use tokio_postgres::{Client, SimpleQueryMessage};

/// How long one statement may run before the record fails.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// An error of one statement: the SQLSTATE when the server sent one, and the message.
#[derive(Debug, Clone)]
pub struct SqlError {
    pub code: Option<String>,
    pub message: String,
}

impl SqlError {
    fn timeout() -> Self {
        SqlError {
            code: None,
            message: format!(
                "statement did not finish within {}s",
                STATEMENT_TIMEOUT.as_secs()
            ),
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SqlError {}

impl From<tokio_postgres::Error> for SqlError {
    fn from(error: tokio_postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) => {
                let mut message = db.message().to_string();
                if let Some(detail) = db.detail() {
                    message.push_str(&format!(" (detail: {detail})"));
                }
                SqlError {
                    code: Some(db.code().code().to_string()),
                    message,
                }
            }
            None => SqlError {
                code: error.code().map(|c| c.code().to_string()),
                message: error.to_string(),
            },
        }
    }
}

/// One gateway session for sqllogictest.
pub struct SltConnection {
    client: Client,
}

impl SltConnection {
    pub fn new(client: Client) -> Self {
        SltConnection { client }
    }

    /// Connects to the gateway on `127.0.0.1:port` as `user`, database `dbname`.
    pub async fn connect(port: u16, user: &str, dbname: &str) -> Result<Self, SqlError> {
        Self::connect_with(port, user, dbname, None).await
    }

    /// Connects and runs `setup` (a statement such as `SET ...`) before the file's records.
    pub async fn connect_with(
        port: u16,
        user: &str,
        dbname: &str,
        setup: Option<&str>,
    ) -> Result<Self, SqlError> {
        let (client, connection) = tokio_postgres::Config::new()
            .host("127.0.0.1")
            .port(port)
            .user(user)
            .dbname(dbname)
            .application_name("fedgate-slt")
            .connect_timeout(Duration::from_secs(10))
            .connect(tokio_postgres::NoTls)
            .await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        if let Some(setup) = setup {
            client.batch_execute(setup).await?;
        }
        Ok(SltConnection { client })
    }
}

/// The text of one value as sqllogictest files spell it.
fn render(value: Option<&str>) -> String {
    match value {
        None => "NULL".to_string(),
        Some("") => "(empty)".to_string(),
        Some(text) => text.to_string(),
    }
}

#[async_trait]
impl AsyncDB for SltConnection {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let messages = tokio::time::timeout(STATEMENT_TIMEOUT, self.client.simple_query(sql))
            .await
            .map_err(|_| SqlError::timeout())??;
        let mut columns: Option<usize> = None;
        let mut rows = Vec::new();
        let mut count = 0;
        for message in messages {
            match message {
                SimpleQueryMessage::RowDescription(description) => {
                    // A new result set (of the last statement of a multi-statement string).
                    columns = Some(description.len());
                    rows.clear();
                }
                SimpleQueryMessage::Row(row) => {
                    columns.get_or_insert(row.len());
                    rows.push((0..row.len()).map(|i| render(row.get(i))).collect());
                }
                SimpleQueryMessage::CommandComplete(n) => count = n,
                _ => {}
            }
        }
        Ok(match columns {
            Some(n) => DBOutput::Rows {
                types: vec![DefaultColumnType::Any; n],
                rows,
            },
            None => DBOutput::StatementComplete(count),
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "fedgate"
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await
    }

    fn error_sql_state(err: &SqlError) -> Option<String> {
        err.code.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_like_sqllogictest() {
        assert_eq!(render(None), "NULL");
        assert_eq!(render(Some("")), "(empty)");
        assert_eq!(render(Some("O'Brien")), "O'Brien");
    }

    #[test]
    fn errors_display_with_their_code() {
        let e = SqlError {
            code: Some("42P01".into()),
            message: "table x not found".into(),
        };
        assert_eq!(e.to_string(), "42P01: table x not found");
        let e = SqlError {
            code: None,
            message: "connection closed".into(),
        };
        assert_eq!(e.to_string(), "connection closed");
    }
}
