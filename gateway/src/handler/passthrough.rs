//! Running statements that one PostgreSQL server answers as written (which ones, and their
//! text: `fedgate_pgcompat::passthrough`).
//!
//! The server describes the result (names, type OIDs) and sends the values in the format
//! the client asked for; they are forwarded byte for byte. The statement runs under the
//! session's output settings and is interrupted like any other (cancel,
//! `statement_timeout`): dropping its rows cancels it on the server.
//!

use std::sync::Arc;

use bytes::{BufMut, BytesMut};
use fedgate_adapter_api::passthrough::SEARCH_PATH_SETTING;
use fedgate_adapter_api::{
    Backend, BoundParameters, Passthrough, PassthroughRequest, PassthroughRow, ResultColumn,
    SqlState, ValueFormat,
};
use fedgate_pgcompat::passthrough::{PassthroughTarget, FORWARDED_SETTINGS};
use futures::{stream, StreamExt};
use pgwire::api::portal::Format;
use pgwire::api::results::{FieldFormat, FieldInfo, QueryResponse, Response};
use pgwire::api::{ClientInfo, Type};
use pgwire::error::PgWireResult;
use pgwire::messages::data::DataRow;

use fedgate_adapter_api::remote_parts::{PartGuard, PartOutcome};

use super::{statement_interrupt, Gateway};
use crate::cancel::{Interrupt, Interruption};
use crate::errors::{from_adapter, user_error};
use crate::query_log::StatementRecord;
use crate::session::Session;

/// A pass-through statement, with its result columns and parameter types once described
/// (extended protocol).
#[derive(Debug, Clone)]
pub struct PassthroughStatement {
    pub target: PassthroughTarget,
    pub columns: Option<Vec<ResultColumn>>,
    /// The `$n` parameters' type OIDs: the client's at Parse, then the server's.
    pub parameter_types: Vec<u32>,
}

impl Gateway {
    /// The pass-through form of `text`, when one server answers it as written.
    pub(super) fn passthrough_target(
        &self,
        session: &Session,
        text: &str,
    ) -> Option<PassthroughTarget> {
        let runs_sql = |server: &str| {
            self.catalog()
                .backend(server)
                .is_some_and(|b| b.passthrough().is_some())
        };
        session.passthrough_target(text, &runs_sql)
    }

    /// Describes a pass-through statement on its server (at Parse): its result columns and
    /// the types of its parameters.
    pub(super) async fn describe_passthrough(
        &self,
        session: &Session,
        mut statement: PassthroughStatement,
    ) -> PgWireResult<PassthroughStatement> {
        if !statement.target.explain {
            let backend = self.passthrough_backend(&statement.target.server)?;
            let described = passthrough_of(backend.as_ref())?
                .describe(
                    &statement.target.sql,
                    &settings_of(session, &statement.target),
                    &statement.parameter_types,
                )
                .await
                .map_err(|e| from_adapter(&e))?;
            statement.columns = Some(described.columns);
            statement.parameter_types = described.parameter_types;
        }
        Ok(statement)
    }

    /// Runs a pass-through statement and answers with its rows.
    pub(super) async fn run_passthrough<C: ClientInfo>(
        &self,
        client: &C,
        session: &Session,
        statement: &PassthroughStatement,
        format: &Format,
        parameters: BoundParameters,
    ) -> PgWireResult<Response> {
        let target = &statement.target;
        if target.explain {
            return Ok(Response::Query(explain(target)));
        }
        let request = PassthroughRequest {
            sql: target.sql.clone(),
            settings: settings_of(session, target),
            formats: value_formats(format),
            parameters: BoundParameters {
                types: statement.parameter_types.clone(),
                ..parameters
            },
        };
        let interrupt = statement_interrupt(client, session);
        let backend = self.passthrough_backend(&target.server)?;
        let run = passthrough_of(backend.as_ref())?.run(request);
        let mut tracking = Tracking {
            part: PartGuard::start(session.parts.clone(), &target.server, target.sql.clone()),
            statement: session.parts.statement(),
        };
        let running = interrupt
            .guard(run)
            .await
            .map_err(Interruption::pg_error)?
            .map_err(|e| {
                tracking.part.finish(PartOutcome::Failed(Some(e.sqlstate)));
                from_adapter(&e)
            })?;
        let fields = Arc::new(fields(&running.columns, format));
        let mut rows = limited(running.rows, interrupt, tracking).fuse();
        let first = rows.next().await.transpose()?;
        let rows = stream::iter(first.map(Ok)).chain(rows);
        Ok(Response::Query(QueryResponse::new(fields, rows)))
    }

    /// The backend of `server` (dropped by a concurrent DROP SERVER: 42704).
    fn passthrough_backend(&self, server: &str) -> PgWireResult<Arc<dyn Backend>> {
        self.catalog().backend(server).ok_or_else(|| {
            user_error(
                SqlState::UndefinedObject,
                format!("server \"{server}\" does not exist"),
            )
        })
    }
}

/// The pass-through side of a backend.
fn passthrough_of(backend: &dyn Backend) -> PgWireResult<&dyn Passthrough> {
    backend.passthrough().ok_or_else(|| {
        user_error(
            SqlState::FeatureNotSupported,
            format!(
                "the {} backend does not run whole statements",
                backend.wrapper()
            ),
        )
    })
}

/// The result's row description: the server's names and types.
pub(super) fn fields(columns: &[ResultColumn], format: &Format) -> Vec<FieldInfo> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| field(c, format.format_for(i)))
        .collect()
}

fn field(column: &ResultColumn, format: FieldFormat) -> FieldInfo {
    let datatype = type_of(column.type_oid);
    FieldInfo::new(column.name.clone(), None, None, datatype, format)
        .with_type_modifier(column.type_modifier)
}

/// The pgwire type of a type OID (a named placeholder for the server's own types).
fn type_of(oid: u32) -> Type {
    Type::from_oid(oid).unwrap_or_else(|| {
        postgres_types::Type::new(
            format!("oid{oid}"),
            oid,
            postgres_types::Kind::Simple,
            "pg_catalog".to_string(),
        )
    })
}

/// The settings `target` runs under: the session's output settings, and its search path
/// when its names are not all qualified.
fn settings_of(session: &Session, target: &PassthroughTarget) -> Vec<(String, String)> {
    let mut settings = forwarded_settings(session);
    if let Some(path) = &target.search_path {
        settings.push((SEARCH_PATH_SETTING.to_string(), path.clone()));
    }
    settings
}

/// The session's output settings, under PostgreSQL's names.
fn forwarded_settings(session: &Session) -> Vec<(String, String)> {
    FORWARDED_SETTINGS
        .iter()
        .filter_map(|(ours, theirs)| {
            let value = session.setting(ours)?;
            let value = value.trim().trim_matches('\'').to_string();
            (!value.is_empty()).then(|| (theirs.to_string(), value))
        })
        .collect()
}

/// The parameter values a client bound to a portal, in its formats.
pub(super) fn bound_parameters(
    values: &[Option<bytes::Bytes>],
    format: &Format,
) -> BoundParameters {
    BoundParameters {
        types: Vec::new(),
        values: values.to_vec(),
        formats: value_formats(format),
    }
}

/// The types a client declared at Parse (0 where it left one open).
pub(super) fn declared_types(types: &[Option<Type>]) -> Vec<u32> {
    types
        .iter()
        .map(|t| t.as_ref().map_or(0, Type::oid))
        .collect()
}

/// The parameter types to describe: the server's OIDs as pgwire types.
pub(super) fn parameter_types(statement: &PassthroughStatement) -> Vec<Type> {
    statement
        .parameter_types
        .iter()
        .map(|&oid| type_of(oid))
        .collect()
}

/// The result formats a client asked for, as the protocol gives them.
fn value_formats(format: &Format) -> Vec<ValueFormat> {
    let of = |code: i16| match code {
        1 => ValueFormat::Binary,
        _ => ValueFormat::Text,
    };
    match format {
        Format::UnifiedText => vec![ValueFormat::Text],
        Format::UnifiedBinary => vec![ValueFormat::Binary],
        Format::Individual(codes) => codes.iter().map(|c| of(*c)).collect(),
    }
}

/// The rows as data-row messages, ended with 57014 when `interrupt` fires.
/// The pass-through statement as a remote part (`fedgate_remote_activity`) and its rows in
/// the query log.
struct Tracking {
    part: PartGuard,
    statement: Option<Arc<StatementRecord>>,
}

impl Tracking {
    fn row(&self, row: &DataRow) {
        self.part.received(1, row.data.len());
        if let Some(statement) = &self.statement {
            statement.add_rows(1);
        }
    }
}

fn limited(
    rows: futures::stream::BoxStream<'static, fedgate_adapter_api::Result<PassthroughRow>>,
    interrupt: Interrupt,
    tracking: Tracking,
) -> futures::stream::BoxStream<'static, PgWireResult<DataRow>> {
    stream::unfold(Some((rows, interrupt, tracking)), |state| async move {
        let (mut rows, interrupt, mut tracking) = state?;
        match interrupt.guard(rows.next()).await {
            Ok(Some(Ok(row))) => {
                let row = data_row(&row);
                tracking.row(&row);
                Some((Ok(row), Some((rows, interrupt, tracking))))
            }
            Ok(Some(Err(e))) => {
                tracking.part.finish(PartOutcome::Failed(Some(e.sqlstate)));
                if let Some(statement) = &tracking.statement {
                    statement.failed(e.sqlstate.code());
                }
                Some((Err(from_adapter(&e)), None))
            }
            Ok(None) => {
                tracking.part.finish(PartOutcome::Done);
                None
            }
            Err(reason) => {
                drop(rows);
                Some((Err(reason.pg_error()), None))
            }
        }
    })
    .boxed()
}

/// A data row of values already in their wire format.
fn data_row(values: &PassthroughRow) -> DataRow {
    let size = values
        .iter()
        .map(|v| 4 + v.as_ref().map_or(0, |b| b.len()))
        .sum();
    let mut data = BytesMut::with_capacity(size);
    for value in values {
        match value {
            Some(bytes) => {
                data.put_i32(bytes.len() as i32);
                data.put_slice(bytes);
            }
            None => data.put_i32(-1),
        }
    }
    DataRow::new(data, values.len() as i16)
}

/// EXPLAIN of a pass-through statement: where it goes and its text.
fn explain(target: &PassthroughTarget) -> QueryResponse {
    let mut lines = vec![format!("Pass-through  (server={})", target.server)];
    for (i, line) in target.sql.lines().enumerate() {
        let prefix = if i == 0 { "  Remote SQL: " } else { "  " };
        lines.push(format!("{prefix}{line}"));
    }
    let field = FieldInfo::new(
        fedgate_pgcompat::output::explain::QUERY_PLAN.to_string(),
        None,
        None,
        Type::TEXT,
        FieldFormat::Text,
    );
    let rows: Vec<PgWireResult<DataRow>> = lines
        .into_iter()
        .map(|line| Ok(data_row(&vec![Some(bytes::Bytes::from(line))])))
        .collect();
    QueryResponse::new(Arc::new(vec![field]), stream::iter(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(value_formats(&Format::UnifiedText), vec![ValueFormat::Text]);
        assert_eq!(
            value_formats(&Format::Individual(vec![0, 1])),
            vec![ValueFormat::Text, ValueFormat::Binary]
        );
    }

    #[test]
    fn data_rows_carry_lengths_and_nulls() {
        let row = data_row(&vec![Some(bytes::Bytes::from_static(b"ab")), None]);
        assert_eq!(row.field_count, 2);
        assert_eq!(&row.data[..], &[0, 0, 0, 2, b'a', b'b', 255, 255, 255, 255]);
    }
}
