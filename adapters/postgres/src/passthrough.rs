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
use std::sync::Arc;

use bytes::Bytes;
use fedgate_adapter_api::passthrough::SEARCH_PATH_SETTING;
use fedgate_adapter_api::{
    AdapterError, BoundParameters, PassthroughDescription, PassthroughRequest, PassthroughRow,
    PassthroughRows, ResultColumn, ValueFormat,
};
use futures::StreamExt;
use tokio_postgres::types::{FromSql, ToSql, Type};
use tokio_postgres::{RowStream, SimpleQueryMessage, SimpleQueryStream};

use crate::error::{from_pg, Endpoint};
use crate::scan::{CancelGuard, ScanTarget};

/// The result columns and parameter types of `sql` as the server describes them under
/// `settings` (input such as `'13/02/2024'::date` is read when the statement is prepared).
pub(crate) async fn describe(
    target: &ScanTarget,
    sql: &str,
    settings: &[(String, String)],
    parameter_types: &[u32],
) -> Result<PassthroughDescription, AdapterError> {
    let endpoint = &target.endpoint;
    let client = target
        .connection()
        .await
        .map_err(|e| e.for_server(&target.server))?;
    let mut guard = CancelGuard::new(client, target.server.clone());
    let client = guard.client();
    client
        .batch_execute(&begin_statements(settings)?)
        .await
        .map_err(|e| failure(&e, endpoint, &target.server))?;
    let prepared = client
        .prepare_typed(sql, &declared_types(parameter_types))
        .await;
    client
        .batch_execute("ROLLBACK")
        .await
        .map_err(|e| failure(&e, endpoint, &target.server))?;
    guard.completed = true;
    let statement = prepared.map_err(|e| failure(&e, endpoint, &target.server))?;
    Ok(PassthroughDescription {
        columns: result_columns(statement.columns()),
        parameter_types: statement.params().iter().map(Type::oid).collect(),
    })
}

/// The types to prepare a statement with: the client's, 0 (the server infers) where the
/// client left one open.
fn declared_types(oids: &[u32]) -> Vec<Type> {
    oids.iter()
        .map(|&oid| {
            Type::from_oid(oid).unwrap_or_else(|| {
                Type::new(
                    format!("oid{oid}"),
                    oid,
                    tokio_postgres::types::Kind::Pseudo,
                    "pg_catalog".to_string(),
                )
            })
        })
        .collect()
}

/// A parameter value as the client bound it, forwarded in the client's format.
#[derive(Debug)]
struct BoundValue {
    value: Option<Bytes>,
    format: ValueFormat,
}

impl ToSql for BoundValue {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match &self.value {
            None => Ok(tokio_postgres::types::IsNull::Yes),
            Some(bytes) => {
                out.extend_from_slice(bytes);
                Ok(tokio_postgres::types::IsNull::No)
            }
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> tokio_postgres::types::Format {
        match self.format {
            ValueFormat::Text => tokio_postgres::types::Format::Text,
            ValueFormat::Binary => tokio_postgres::types::Format::Binary,
        }
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Starts `request` and streams its rows.
pub(crate) async fn run(
    target: ScanTarget,
    request: PassthroughRequest,
) -> Result<PassthroughRows, AdapterError> {
    let endpoint = target.endpoint.clone();
    let client = target
        .connection()
        .await
        .map_err(|e| e.for_server(&target.server))?;
    let mut guard = CancelGuard::new(client, target.server.clone());
    guard
        .client()
        .batch_execute(&begin_statements(&request.settings)?)
        .await
        .map_err(|e| failure(&e, &endpoint, &target.server))?;
    let statement = match guard
        .client()
        .prepare_typed(&request.sql, &declared_types(&request.parameters.types))
        .await
    {
        Ok(statement) => statement,
        Err(error) => {
            // The statement is refused before it runs: end the transaction and keep the
            // connection.
            if guard.client().batch_execute("ROLLBACK").await.is_ok() {
                guard.completed = true;
            }
            return Err(failure(&error, &endpoint, &target.server));
        }
    };
    let columns = result_columns(statement.columns());
    let formats: Vec<ValueFormat> = (0..columns.len()).map(|i| request.format_of(i)).collect();
    tracing::debug!(server = %target.server, sql = %request.sql, "pass-through statement");
    let fail = |e: tokio_postgres::Error| failure(&e, &endpoint, &target.server);
    let all_binary = !formats.is_empty() && formats.iter().all(|f| *f == ValueFormat::Binary);
    let values = if all_binary || !request.parameters.is_empty() {
        // The extended protocol: binary values; columns wanted as text are read through
        // their types' output functions (a cstring's binary form is its text).
        let statement = if all_binary || columns.is_empty() {
            statement
        } else {
            let outputs = type_functions(guard.client(), &columns, &formats, TypeFunction::Output)
                .await
                .map_err(fail)?;
            let sql = with_type_functions(&request.sql, &outputs);
            guard
                .client()
                .prepare_typed(&sql, statement.params())
                .await
                .map_err(fail)?
        };
        let parameters = bound_values(&request.parameters);
        let rows = guard
            .client()
            .query_raw(
                &statement,
                parameters.iter().map(|p| p as &(dyn ToSql + Sync)),
            )
            .await
            .map_err(fail)?;
        Values::Binary(Box::pin(rows))
    } else {
        let sql = if formats.contains(&ValueFormat::Binary) {
            let senders = type_functions(guard.client(), &columns, &formats, TypeFunction::Send)
                .await
                .map_err(fail)?;
            with_type_functions(&request.sql, &senders)
        } else {
            request.sql.clone()
        };
        let batch = format!("{sql}\n;\nCOMMIT");
        let messages = guard
            .client()
            .simple_query_raw(&batch)
            .await
            .map_err(fail)?;
        let bytea_columns = formats.iter().map(|f| *f == ValueFormat::Binary).collect();
        Values::Text(Box::pin(messages), bytea_columns)
    };
    let running = Running {
        values,
        endpoint,
        server: target.server.clone(),
        guard,
    };
    let rows = futures::stream::try_unfold(running, Running::step).boxed();
    Ok(PassthroughRows { columns, rows })
}

/// The server's own errors stay as a client connected to it would see them; fedgate's
/// (the connection failed) name the server.
fn failure(error: &tokio_postgres::Error, endpoint: &Endpoint, server: &str) -> AdapterError {
    let converted = from_pg(error, endpoint);
    match error.as_db_error() {
        Some(_) => converted,
        None => converted.for_server(server),
    }
}

fn result_columns(columns: &[tokio_postgres::Column]) -> Vec<ResultColumn> {
    columns
        .iter()
        .map(|c| ResultColumn {
            name: c.name().to_string(),
            type_oid: c.type_().oid(),
            type_modifier: c.type_modifier(),
        })
        .collect()
}

/// Which function of a column's type reads it in another form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeFunction {
    /// `typsend`, for the columns wanted in binary in a text (simple query) result.
    Send,
    /// `typoutput`, for the columns wanted as text in a binary (extended) result.
    Output,
}

/// Per column, the qualified name of its type's send or output function when the column
/// is wanted in the other format than the statement runs in: a simple query cannot mix
/// formats (binary columns go through `int4send(x)`, a `bytea` holding exactly the binary
/// format), nor can an extended one that must send all values in binary (text columns go
/// through `int4out(x)`, a `cstring` whose binary form is the text).
async fn type_functions(
    client: &tokio_postgres::Client,
    columns: &[ResultColumn],
    formats: &[ValueFormat],
    function: TypeFunction,
) -> Result<Vec<Option<String>>, tokio_postgres::Error> {
    let oids: Vec<u32> = columns.iter().map(|c| c.type_oid).collect();
    let (column, wanted) = match function {
        TypeFunction::Send => ("typsend", ValueFormat::Binary),
        TypeFunction::Output => ("typoutput", ValueFormat::Text),
    };
    let rows = client
        .query(
            &format!(
                "SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname) \
                 FROM pg_catalog.pg_type t \
                 JOIN pg_catalog.pg_proc p ON p.oid = t.{column} \
                 JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
                 WHERE t.oid = ANY($1)"
            ),
            &[&oids],
        )
        .await?;
    let functions: std::collections::HashMap<u32, String> =
        rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    Ok(columns
        .iter()
        .zip(formats)
        .map(|(column, format)| {
            (*format == wanted)
                .then(|| functions.get(&column.type_oid).cloned())
                .flatten()
        })
        .collect())
}

/// The bound values of `parameters`, each in its format.
fn bound_values(parameters: &BoundParameters) -> Vec<BoundValue> {
    parameters
        .values
        .iter()
        .enumerate()
        .map(|(i, value)| BoundValue {
            value: value.clone(),
            format: parameters.format_of(i),
        })
        .collect()
}

/// `sql` with the columns that have a type function (send or output) read through it, by
/// position.
fn with_type_functions(sql: &str, senders: &[Option<String>]) -> String {
    let names: Vec<String> = (1..=senders.len()).map(|i| format!("\"c{i}\"")).collect();
    let select: Vec<String> = names
        .iter()
        .zip(senders)
        .map(|(name, sender)| match sender {
            Some(function) => format!("{function}(q.{name})"),
            None => format!("q.{name}"),
        })
        .collect();
    format!(
        "SELECT {} FROM (\n{sql}\n) AS q({})",
        select.join(", "),
        names.join(", ")
    )
}

/// The bytes of a `bytea` value's text (`\x0a1b` in hex output, or the escape format).
fn bytea_from_text(text: &str) -> Result<Bytes, AdapterError> {
    let invalid = || AdapterError::internal(format!("unreadable bytea text: {text:.40}"));
    if let Some(hex) = text.strip_prefix("\\x") {
        let digits = hex.as_bytes();
        if digits.len() % 2 != 0 {
            return Err(invalid());
        }
        let value = |c: u8| (c as char).to_digit(16).ok_or_else(invalid);
        let bytes = digits
            .chunks(2)
            .map(|pair| Ok((value(pair[0])? * 16 + value(pair[1])?) as u8))
            .collect::<Result<Vec<u8>, AdapterError>>()?;
        return Ok(Bytes::from(bytes));
    }
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            bytes.push(raw[i]);
            i += 1;
        } else if raw.get(i + 1) == Some(&b'\\') {
            bytes.push(b'\\');
            i += 2;
        } else {
            let octal = raw.get(i + 1..i + 4).ok_or_else(invalid)?;
            let text = std::str::from_utf8(octal).map_err(|_| invalid())?;
            bytes.push(u8::from_str_radix(text, 8).map_err(|_| invalid())?);
            i += 4;
        }
    }
    Ok(Bytes::from(bytes))
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
        if name == SEARCH_PATH_SETTING {
            sql.push_str(&format!(
                "; SET LOCAL search_path = {}",
                identifier_list(value)?
            ));
            continue;
        }
        let literal = value.replace('\'', "''");
        sql.push_str(&format!("; SET LOCAL {name} = '{literal}'"));
    }
    Ok(sql)
}

/// `value`, a list of double-quoted identifiers separated by commas, checked to be
/// exactly that (so nothing else can reach the statement).
fn identifier_list(value: &str) -> Result<String, AdapterError> {
    let invalid = || {
        AdapterError::internal(format!(
            "invalid search path for a pass-through statement: {value}"
        ))
    };
    let mut names = Vec::new();
    let mut rest = value.trim();
    loop {
        let body = rest.strip_prefix('"').ok_or_else(invalid)?;
        let mut name = String::new();
        let mut chars = body.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) if body[i + 1..].starts_with('"') => {
                    name.push('"');
                    chars.next();
                }
                Some((i, '"')) => break i + 1,
                Some((_, c)) => name.push(c),
                None => return Err(invalid()),
            }
        };
        names.push(format!("\"{}\"", name.replace('"', "\"\"")));
        rest = body[end..].trim_start();
        if rest.is_empty() {
            return Ok(names.join(", "));
        }
        rest = rest.strip_prefix(',').ok_or_else(invalid)?.trim_start();
    }
}

/// Where the rows come from: a simple query (each column's text, or for the columns
/// marked true the text of the `bytea` its send function made), or an extended-protocol
/// execution (binary).
enum Values {
    Text(Pin<Box<SimpleQueryStream>>, Vec<bool>),
    Binary(Pin<Box<RowStream>>),
}

/// A started statement. Fields drop in order: the row stream before the guard.
struct Running {
    values: Values,
    endpoint: Endpoint,
    server: Arc<str>,
    guard: CancelGuard,
}

impl Running {
    async fn step(mut self) -> Result<Option<(PassthroughRow, Running)>, AdapterError> {
        let row = match &mut self.values {
            Values::Text(messages, bytea) => {
                next_text_row(messages.as_mut(), bytea, &self.endpoint, &self.server).await?
            }
            Values::Binary(rows) => {
                next_binary_row(rows.as_mut(), &self.endpoint, &self.server).await?
            }
        };
        match row {
            Some(row) => Ok(Some((row, self))),
            None => {
                if matches!(self.values, Values::Binary(_)) {
                    self.guard
                        .client()
                        .batch_execute("COMMIT")
                        .await
                        .map_err(|e| failure(&e, &self.endpoint, &self.server))?;
                }
                self.guard.completed = true;
                Ok(None)
            }
        }
    }
}

async fn next_text_row(
    mut messages: Pin<&mut SimpleQueryStream>,
    bytea: &[bool],
    endpoint: &Endpoint,
    server: &str,
) -> Result<Option<PassthroughRow>, AdapterError> {
    while let Some(message) = messages.next().await {
        if let SimpleQueryMessage::Row(row) = message.map_err(|e| failure(&e, endpoint, server))? {
            let values = (0..row.len())
                .map(|i| match row.get(i) {
                    None => Ok(None),
                    Some(text) if bytea.get(i) == Some(&true) => bytea_from_text(text).map(Some),
                    Some(text) => Ok(Some(Bytes::copy_from_slice(text.as_bytes()))),
                })
                .collect::<Result<_, _>>()?;
            return Ok(Some(values));
        }
    }
    Ok(None)
}

async fn next_binary_row(
    mut rows: Pin<&mut RowStream>,
    endpoint: &Endpoint,
    server: &str,
) -> Result<Option<PassthroughRow>, AdapterError> {
    let Some(row) = rows.next().await else {
        return Ok(None);
    };
    let row = row.map_err(|e| failure(&e, endpoint, server))?;
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
    fn mixed_formats_read_binary_columns_through_send_functions() {
        let senders = vec![None, Some("pg_catalog.int4send".to_string())];
        assert_eq!(
            with_type_functions("SELECT 'a', 1 -- c", &senders),
            "SELECT q.\"c1\", pg_catalog.int4send(q.\"c2\") FROM (\nSELECT 'a', 1 -- c\n) AS q(\"c1\", \"c2\")"
        );
        assert_eq!(&bytea_from_text("\\x00ff0a").unwrap()[..], &[0, 255, 10]);
        assert_eq!(&bytea_from_text("a\\\\b\\001").unwrap()[..], b"a\\b\x01");
        assert!(bytea_from_text("\\x0").is_err());
    }

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

    #[test]
    fn search_path_is_a_checked_identifier_list() {
        let path = |v: &str| vec![(SEARCH_PATH_SETTING.to_string(), v.to_string())];
        assert_eq!(
            begin_statements(&path(r#""public", "Sa""les""#)).unwrap(),
            r#"BEGIN READ ONLY; SET LOCAL search_path = "public", "Sa""les""#
        );
        for bad in [r#"public"#, r#""a"; DROP TABLE t"#, r#""a", "#, r#""a"#] {
            assert!(begin_statements(&path(bad)).is_err(), "{bad}");
        }
    }
}
