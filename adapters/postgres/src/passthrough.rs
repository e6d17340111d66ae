//! Whole statements run on the server as written (see [`fedgate_adapter_api::passthrough`]).
//!
//! A statement runs in a read-only transaction of its own, with the session's settings
//! applied by `SET LOCAL`, so a pooled connection keeps no trace of one session. In it the
//! statement is first prepared (Parse/Describe): PostgreSQL's own parser then checks that
//! the text is exactly one statement (a Parse message refuses several), reads its literals
//! under the session's settings (`'13/02/2024'::date` under `DateStyle = DMY`) and reports
//! the result columns. Then:
//!
//! - text values: one simple-query message `<sql>; COMMIT`, whose rows carry PostgreSQL's
//!   text output under those settings;
//! - binary values: an extended-protocol execution of the prepared statement, whose rows
//!   carry the types' binary send format, then `COMMIT`.
//!
//! The connection is held by a [`CancelGuard`]: rows dropped before their end cancel the
//! statement and the connection is closed rather than pooled; so is one whose statement
//! failed (its transaction is aborted).

use std::pin::Pin;

use bytes::Bytes;
use fedgate_adapter_api::{
    AdapterError, PassthroughRequest, PassthroughRow, PassthroughRows, ResultColumn, ValueFormat,
};
use futures::StreamExt;
use tokio_postgres::types::{FromSql, ToSql, Type};
use tokio_postgres::{RowStream, SimpleQueryMessage, SimpleQueryStream};

use crate::error::{from_pg, from_pool, Endpoint};
use crate::scan::{CancelGuard, ScanTarget};

/// The result columns of `sql` as the server describes them under `settings` (input
/// such as `'13/02/2024'::date` is read when the statement is prepared).
pub(crate) async fn describe(
    target: &ScanTarget,
    sql: &str,
    settings: &[(String, String)],
) -> Result<Vec<ResultColumn>, AdapterError> {
    let endpoint = &target.endpoint;
    let client = target
        .pool
        .get()
        .await
        .map_err(|e| from_pool(&e, endpoint))?;
    let mut guard = CancelGuard::new(client, target.server.clone());
    let client = guard.client();
    client
        .batch_execute(&begin_statements(settings)?)
        .await
        .map_err(|e| from_pg(&e, endpoint))?;
    let prepared = client.prepare(sql).await;
    client
        .batch_execute("ROLLBACK")
        .await
        .map_err(|e| from_pg(&e, endpoint))?;
    guard.completed = true;
    let statement = prepared.map_err(|e| from_pg(&e, endpoint))?;
    Ok(result_columns(statement.columns()))
}

/// Starts `request` and streams its rows.
pub(crate) async fn run(
    target: ScanTarget,
    request: PassthroughRequest,
) -> Result<PassthroughRows, AdapterError> {
    let endpoint = target.endpoint.clone();
    let client = target
        .pool
        .get()
        .await
        .map_err(|e| from_pool(&e, &endpoint))?;
    let mut guard = CancelGuard::new(client, target.server.clone());
    guard
        .client()
        .batch_execute(&begin_statements(&request.settings)?)
        .await
        .map_err(|e| from_pg(&e, &endpoint))?;
    let statement = match guard.client().prepare(&request.sql).await {
        Ok(statement) => statement,
        Err(error) => {
            // The statement is refused before it runs: end the transaction and keep the
            // connection.
            if guard.client().batch_execute("ROLLBACK").await.is_ok() {
                guard.completed = true;
            }
            return Err(from_pg(&error, &endpoint));
        }
    };
    let columns = result_columns(statement.columns());
    tracing::debug!(server = %target.server, sql = %request.sql, "pass-through statement");
    let values = match request.format {
        ValueFormat::Text => {
            let batch = format!("{}\n;\nCOMMIT", request.sql);
            let messages = guard
                .client()
                .simple_query_raw(&batch)
                .await
                .map_err(|e| from_pg(&e, &endpoint))?;
            Values::Text(Box::pin(messages))
        }
        ValueFormat::Binary => {
            let rows = guard
                .client()
                .query_raw(&statement, std::iter::empty::<&(dyn ToSql + Sync)>())
                .await
                .map_err(|e| from_pg(&e, &endpoint))?;
            Values::Binary(Box::pin(rows))
        }
    };
    let running = Running {
        values,
        endpoint,
        guard,
    };
    let rows = futures::stream::try_unfold(running, Running::step).boxed();
    Ok(PassthroughRows { columns, rows })
}

fn result_columns(columns: &[tokio_postgres::Column]) -> Vec<ResultColumn> {
    columns
        .iter()
        .map(|c| ResultColumn {
            name: c.name().to_string(),
            type_oid: c.type_().oid(),
        })
        .collect()
}

/// `BEGIN READ ONLY` and a `SET LOCAL` per setting. Setting names come from the gateway's
/// fixed list; a value is quoted as a string literal (a backslash, which would read
/// differently under `standard_conforming_strings = off`, is refused).
fn begin_statements(settings: &[(String, String)]) -> Result<String, AdapterError> {
    let mut sql = String::from("BEGIN READ ONLY");
    for (name, value) in settings {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(AdapterError::internal(format!(
                "invalid setting name for a pass-through statement: {name}"
            )));
        }
        if value.contains(['\\', '\0']) {
            return Err(AdapterError::new(
                fedgate_adapter_api::SqlState::InvalidParameterValue,
                format!("invalid value for parameter \"{name}\": \"{value}\""),
            ));
        }
        let literal = value.replace('\'', "''");
        sql.push_str(&format!("; SET LOCAL {name} = '{literal}'"));
    }
    Ok(sql)
}

/// Where the rows come from.
enum Values {
    Text(Pin<Box<SimpleQueryStream>>),
    Binary(Pin<Box<RowStream>>),
}

/// A started statement. Fields drop in order: the row stream before the guard.
struct Running {
    values: Values,
    endpoint: Endpoint,
    guard: CancelGuard,
}

impl Running {
    async fn step(mut self) -> Result<Option<(PassthroughRow, Running)>, AdapterError> {
        let row = match &mut self.values {
            Values::Text(messages) => next_text_row(messages.as_mut(), &self.endpoint).await?,
            Values::Binary(rows) => next_binary_row(rows.as_mut(), &self.endpoint).await?,
        };
        match row {
            Some(row) => Ok(Some((row, self))),
            None => {
                if matches!(self.values, Values::Binary(_)) {
                    self.guard
                        .client()
                        .batch_execute("COMMIT")
                        .await
                        .map_err(|e| from_pg(&e, &self.endpoint))?;
                }
                self.guard.completed = true;
                Ok(None)
            }
        }
    }
}

async fn next_text_row(
    mut messages: Pin<&mut SimpleQueryStream>,
    endpoint: &Endpoint,
) -> Result<Option<PassthroughRow>, AdapterError> {
    while let Some(message) = messages.next().await {
        if let SimpleQueryMessage::Row(row) = message.map_err(|e| from_pg(&e, endpoint))? {
            let values = (0..row.len())
                .map(|i| row.get(i).map(|v| Bytes::copy_from_slice(v.as_bytes())))
                .collect();
            return Ok(Some(values));
        }
    }
    Ok(None)
}

async fn next_binary_row(
    mut rows: Pin<&mut RowStream>,
    endpoint: &Endpoint,
) -> Result<Option<PassthroughRow>, AdapterError> {
    let Some(row) = rows.next().await else {
        return Ok(None);
    };
    let row = row.map_err(|e| from_pg(&e, endpoint))?;
    let values = (0..row.len())
        .map(|i| {
            row.try_get::<_, Option<RawValue>>(i)
                .map(|v| v.map(|raw| Bytes::copy_from_slice(raw.0)))
                .map_err(|e| AdapterError::internal(format!("cannot read column {i}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(values))
}

/// A value's bytes as the server sent them, whatever its type.
struct RawValue<'a>(&'a [u8]);

impl<'a> FromSql<'a> for RawValue<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawValue(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begin_quotes_values_and_refuses_backslashes() {
        let settings = vec![
            ("TimeZone".to_string(), "America/New_York".to_string()),
            ("DateStyle".to_string(), "SQL, DMY".to_string()),
            ("application_name".to_string(), "it's".to_string()),
        ];
        assert_eq!(
            begin_statements(&settings).unwrap(),
            "BEGIN READ ONLY; SET LOCAL TimeZone = 'America/New_York'; \
             SET LOCAL DateStyle = 'SQL, DMY'; SET LOCAL application_name = 'it''s'"
        );
        let bad = vec![("TimeZone".to_string(), "a\\'; DROP".to_string())];
        assert_eq!(
            begin_statements(&bad).unwrap_err().sqlstate,
            fedgate_adapter_api::SqlState::InvalidParameterValue
        );
        let bad_name = vec![("x; DROP TABLE t".to_string(), "1".to_string())];
        assert!(begin_statements(&bad_name).is_err());
    }
}
