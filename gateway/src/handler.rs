//! Query handling: the simple and extended protocols over one shared path.
//!
//! Each statement is, in order: a catalog statement (CREATE/ALTER/DROP/REFRESH SERVER), a
//! session statement (SET, SHOW, RESET, BEGIN/COMMIT/ROLLBACK, DISCARD), or a query planned
//! and run by DataFusion. Results stream from the plan to the socket; an error before the
//! first row is reported without a row description, as PostgreSQL does.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::ParamValues;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::{Expr as PlanExpr, LogicalPlan};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{Expr, Set, Statement, Value};
use fedgate_adapter_api::ServerOptions;
use fedgate_catalog::Catalog;
use futures::{stream, Sink, SinkExt, StreamExt, TryStreamExt};
use pgwire::api::portal::PortalExecutionState;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::send_describe_response;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{CopyResponse, DescribePortalResponse};
use pgwire::api::results::{DataRowEncoder, FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::Entry;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, Type, DEFAULT_NAME};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::copy::CopyData;
use pgwire::messages::data::DataRow;
use pgwire::messages::extendedquery::{Describe, Execute, TARGET_TYPE_BYTE_PORTAL};
use pgwire::messages::PgWireBackendMessage;
use pgwire::types::format::FormatOptions;

use crate::activity::GatewayActivity;
use crate::cancel::{parse_timeout, CancelRegistry, CancelSlot, Interrupt, Interruption};
use crate::ddl::{parse_server_ddl, ServerDdl};
use crate::errors::{from_adapter, from_datafusion, from_parser, user_error};
use crate::observe::StatementTimer;
use crate::query_log::{shown_statement, QueryLog, QueryLogConfig, StatementRecord};
use crate::remote_activity::RemoteActivity;
use crate::session::Session;
use fedgate_adapter_api::remote_parts::RemotePartTracker;
use fedgate_pgcompat::catalog::system_tables::SystemTables;
use fedgate_pgcompat::rewrite::split::split_statements;
use fedgate_pgcompat::{PgSession, Planning};

use fedgate_adapter_api::SqlState;
use fedgate_pgcompat::output::backend_types;
mod copy;
pub(crate) mod cursors;
mod parameters;
mod passthrough;

use fedgate_adapter_api::BoundParameters;
use passthrough::PassthroughStatement;

/// Settings whose value changes how results are formatted; mirrored into client metadata.
const FORMAT_SETTINGS: &[&str] = &[
    "datestyle",
    "intervalstyle",
    "bytea_output",
    "extra_float_digits",
];

/// What a query starts from: a statement to plan, or a plan (the extended protocol plans
/// at Parse).
enum Source<'a> {
    Statement(&'a Statement),
    Plan(LogicalPlan),
}

/// A statement prepared with the extended protocol.
#[derive(Debug, Clone)]
pub enum Prepared {
    Empty,
    Ddl(ServerDdl),
    /// A query planned by DataFusion (parameters still as placeholders), and the schema of
    /// its result as executed (after analysis, which may change types).
    Plan(Box<Statement>, Box<LogicalPlan>, SchemaRef),
    /// A session statement, run at Execute.
    Other(Box<Statement>),
    /// FETCH from an open cursor, with the cursor's result schema (for Describe).
    Fetch(Box<Statement>, SchemaRef),
    /// A query one PostgreSQL server answers as written.
    Passthrough(Box<PassthroughStatement>),
}

impl Prepared {
    /// The statement's text as `pg_stat_activity` shows it (the parsed statement printed
    /// again; a pass-through statement as sent to its server).
    fn text(&self) -> String {
        match self {
            Prepared::Empty => String::new(),
            Prepared::Ddl(_) => "<a server or user statement>".to_string(),
            Prepared::Plan(statement, ..)
            | Prepared::Other(statement)
            | Prepared::Fetch(statement, _) => statement.to_string(),
            Prepared::Passthrough(statement) => statement.target.sql.clone(),
        }
    }
}

/// Shared by every connection.
pub struct Gateway {
    catalog: Catalog,
    system_tables: Arc<SystemTables>,
    planning: Planning,
    /// Every connection's pid, cancel signal and activity; the remote parts; the log.
    activity: Arc<GatewayActivity>,
}

impl Gateway {
    /// A gateway over `catalog` whose sessions plan with `planning`.
    pub fn new(catalog: Catalog, planning: Planning) -> Self {
        Self::with_query_log(catalog, planning, QueryLogConfig::default())
    }

    /// [`Self::new`] with the query log configured.
    pub fn with_query_log(catalog: Catalog, planning: Planning, log: QueryLogConfig) -> Self {
        let activity = Arc::new(GatewayActivity {
            registry: Arc::new(CancelRegistry::default()),
            remote: Arc::new(RemoteActivity::default()),
            log: Arc::new(QueryLog::new(log)),
        });
        let system_tables = SystemTables::new(catalog.clone()).with_activity(activity.clone());
        Self {
            system_tables: Arc::new(system_tables),
            catalog,
            planning,
            activity,
        }
    }

    /// The remote parts running now; [`RemoteActivity::add_listener`] hears each that ends.
    pub fn remote_activity(&self) -> &Arc<RemoteActivity> {
        &self.activity.remote
    }

    /// Records the statement `client`'s connection starts now: `pg_stat_activity`'s query,
    /// and the query log's entry (which ends when the returned record and the statement's
    /// streams and remote parts are all dropped).
    fn record_activity<C: ClientInfo + ?Sized>(
        &self,
        client: &C,
        session: &Session,
        query: &str,
    ) -> Arc<StatementRecord> {
        if let Some(slot) = client.session_extensions().get::<Arc<CancelSlot>>() {
            slot.starting(shown_statement(query), session.setting("application_name"));
        }
        let (pid, _) = client.pid_and_secret_key();
        let record = self
            .activity
            .log
            .start(pid, &session.user, &session.database, query);
        session.parts.set_statement(&record);
        record
    }

    /// Every connection's pid, cancel signal and activity.
    pub fn cancel_registry(&self) -> &Arc<CancelRegistry> {
        &self.activity.registry
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The session of a connection, created on its first statement.
    pub fn session<C: ClientInfo + ?Sized>(&self, client: &C) -> PgWireResult<Arc<Session>> {
        if let Some(session) = client.session_extensions().get::<Arc<Session>>() {
            return Ok(session.as_ref().clone());
        }
        let database = client
            .metadata()
            .get("database")
            .cloned()
            .unwrap_or_else(|| fedgate_catalog::SYSTEM_CATALOG.to_string());
        let user = client.metadata().get("user").cloned().unwrap_or_default();
        let session = PgSession::new(
            self.catalog.catalog_list(),
            self.system_tables.clone(),
            &self.planning,
            &database,
            &user,
        )
        .map_err(|e| from_datafusion(&e))?;
        let (pid, _) = client.pid_and_secret_key();
        session.set_backend_pid(pid);
        let parts = self.activity.remote.session(pid, &user);
        session.set_remote_tracker(RemotePartTracker(parts.clone()));
        let session = Arc::new(Session::new(session, parts));
        client.session_extensions().insert(session.clone());
        Ok(session)
    }

    /// Parses one statement's text (already split from the others).
    fn prepare(&self, session: &Session, text: &str) -> PgWireResult<Vec<Prepared>> {
        if let Some(ddl) = parse_server_ddl(text) {
            return ddl
                .map(|d| vec![Prepared::Ddl(d)])
                .map_err(|m| user_error(SqlState::SyntaxError, format!("syntax error: {m}")));
        }
        if let Some(target) = self.passthrough_target(session, text) {
            let statement = PassthroughStatement {
                target,
                columns: None,
                parameter_types: Vec::new(),
            };
            return Ok(vec![Prepared::Passthrough(Box::new(statement))]);
        }
        let statements = session.parse(text).map_err(|e| from_parser(&e))?;
        Ok(statements
            .into_iter()
            .map(|s| Prepared::Other(Box::new(s)))
            .collect())
    }

    async fn plan(&self, session: &Session, statement: &Statement) -> PgWireResult<LogicalPlan> {
        if let Some(refusal) = fedgate_pgcompat::rewrite::refusals::refusal(statement) {
            return Err(crate::errors::from_pg(refusal));
        }
        let state = session.context().state();
        let plan = state
            .statement_to_plan(DfStatement::Statement(Box::new(statement.clone())))
            .await
            .map_err(|e| from_datafusion(&e))?;
        check_read_only(&plan)?;
        Ok(plan)
    }

    /// Runs one prepared statement.
    async fn execute<C>(
        &self,
        client: &mut C,
        session: &Session,
        prepared: &Prepared,
        params: Option<&ParamValues>,
        bound: Option<BoundParameters>,
        format: &Format,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + Send + Sync,
    {
        match prepared {
            Prepared::Empty => Ok(Response::EmptyQuery),
            Prepared::Ddl(ddl) => {
                let user = client.metadata().get("user").cloned().unwrap_or_default();
                tracing::info!(user, statement = %ddl.summary(), "catalog statement");
                if let ServerDdl::User(statement) = ddl {
                    let mut notices = Vec::new();
                    let response =
                        crate::users::execute(&self.catalog, &user, statement, &mut notices).await;
                    notices.into_iter().for_each(|n| session.notice(n));
                    return response;
                }
                crate::users::authorize_server_ddl(&self.catalog, &user, ddl)?;
                self.run_ddl(session, ddl).await
            }
            Prepared::Plan(_, plan, _) => {
                let plan = match params {
                    Some(values) => (**plan)
                        .clone()
                        .replace_params_with_values(values)
                        .map_err(|e| from_datafusion(&e))?,
                    None => (**plan).clone(),
                };
                self.run_query(client, session, Source::Plan(plan), format)
                    .await
            }
            Prepared::Passthrough(statement) => {
                let bound = bound.unwrap_or_default();
                self.run_passthrough(client, session, statement, format, bound)
                    .await
            }
            Prepared::Fetch(statement, _) => self
                .run_cursor_statement(client, session, statement, format)
                .await?
                .ok_or_else(|| user_error(SqlState::InternalError, "FETCH did not run")),
            Prepared::Other(statement) => {
                if let Some(response) = self
                    .run_cursor_statement(client, session, statement, format)
                    .await?
                {
                    return Ok(response);
                }
                if let Some(response) = self.run_session_statement(client, session, statement)? {
                    return Ok(response);
                }
                self.run_query(client, session, Source::Statement(statement), format)
                    .await
            }
        }
    }

    /// Runs a query and answers with its rows, ended early by a cancel or the timeout.
    async fn run_query<C: ClientInfo>(
        &self,
        client: &C,
        session: &Session,
        source: Source<'_>,
        format: &Format,
    ) -> PgWireResult<Response> {
        let interrupt = statement_interrupt(client, session);
        let (schema, stream) = self.start_query(session, source, &interrupt).await?;
        let options = Arc::new(format_options(session));
        let response = encode_stream(schema, stream, format, options).await?;
        Ok(Response::Query(response))
    }

    /// Plans `source` (unless planned) and starts it: the schema it executes with and its
    /// record batches, which end with 57014 when `interrupt` fires (EXPLAIN: its reshaped
    /// plan text). Every statement that returns rows starts here, except a cursor's query
    /// ([`Self::open_query`]), whose FETCHes are interrupted one by one.
    async fn start_query(
        &self,
        session: &Session,
        source: Source<'_>,
        interrupt: &Interrupt,
    ) -> PgWireResult<(SchemaRef, SendableRecordBatchStream)> {
        let plan = self.source_plan(session, source, interrupt).await?;
        let explain = fedgate_pgcompat::output::explain::is_explain(&plan).then(|| plan.clone());
        let (schema, stream) = self.open_plan(session, plan, interrupt).await?;
        let stream = interrupt.clone().limit_stream(stream);
        let stream = logged_stream(stream, session.parts.statement());
        match explain {
            Some(explain) => explain_stream(&explain, stream).await,
            None => Ok((schema, stream)),
        }
    }

    /// Plans `source` and builds its stream, planning interrupted by `interrupt`; the
    /// stream itself is not.
    async fn open_query(
        &self,
        session: &Session,
        source: Source<'_>,
        interrupt: &Interrupt,
    ) -> PgWireResult<(SchemaRef, SendableRecordBatchStream)> {
        let plan = self.source_plan(session, source, interrupt).await?;
        self.open_plan(session, plan, interrupt).await
    }

    async fn source_plan(
        &self,
        session: &Session,
        source: Source<'_>,
        interrupt: &Interrupt,
    ) -> PgWireResult<LogicalPlan> {
        match source {
            Source::Plan(plan) => Ok(plan),
            Source::Statement(statement) => interrupt
                .guard(self.plan(session, statement))
                .await
                .map_err(Interruption::pg_error)?,
        }
    }

    async fn open_plan(
        &self,
        session: &Session,
        plan: LogicalPlan,
        interrupt: &Interrupt,
    ) -> PgWireResult<(SchemaRef, SendableRecordBatchStream)> {
        let open = async {
            let frame = session
                .context()
                .execute_logical_plan(plan)
                .await
                .map_err(|e| from_datafusion(&e))?;
            frame_stream(frame).await
        };
        interrupt
            .guard(open)
            .await
            .map_err(Interruption::pg_error)?
    }

    /// DECLARE / FETCH / CLOSE, and the end of a transaction closing cursors; `None` for
    /// other statements.
    async fn run_cursor_statement<C: ClientInfo>(
        &self,
        client: &C,
        session: &Session,
        statement: &Statement,
        format: &Format,
    ) -> PgWireResult<Option<Response>> {
        use datafusion::sql::sqlparser::ast::{CloseCursor, DeclareType};
        match statement {
            Statement::Declare { stmts } => {
                for declare in stmts {
                    let (Some(query), Some(DeclareType::Cursor)) =
                        (&declare.for_query, &declare.declare_type)
                    else {
                        return Err(user_error(
                            SqlState::FeatureNotSupported,
                            format!("unsupported DECLARE: {declare}"),
                        ));
                    };
                    if declare.binary == Some(true) {
                        return Err(user_error(
                            SqlState::FeatureNotSupported,
                            "DECLARE BINARY is not supported",
                        ));
                    }
                    let query = Statement::Query(query.clone());
                    let interrupt = statement_interrupt(client, session);
                    let (schema, stream) = self
                        .open_query(session, Source::Statement(&query), &interrupt)
                        .await?;
                    let hold = declare.hold == Some(true);
                    // One stream backs one cursor: `DECLARE a, b` is not PostgreSQL.
                    let [name] = declare.names.as_slice() else {
                        return Err(user_error(
                            SqlState::SyntaxError,
                            "DECLARE names one cursor",
                        ));
                    };
                    session
                        .cursors
                        .declare(&cursor_name(name), schema, stream, hold)
                        .await?;
                }
                Ok(Some(Response::Execution(Tag::new("DECLARE CURSOR"))))
            }
            Statement::Fetch {
                name, direction, ..
            } => {
                let count = cursors::fetch_count(direction)?;
                let interrupt = statement_interrupt(client, session);
                let (schema, batches) = session
                    .cursors
                    .fetch(&cursor_name(name), count, &interrupt)
                    .await?;
                let batches = batches.into_iter().map(Ok).collect::<Vec<_>>();
                let adapter = datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(
                    schema.clone(),
                    stream::iter(batches),
                );
                let options = Arc::new(format_options(session));
                let mut response =
                    encode_stream(schema, Box::pin(adapter), format, options).await?;
                response.set_command_tag("FETCH");
                Ok(Some(Response::Query(response)))
            }
            Statement::Close { cursor } => {
                let name = match cursor {
                    CloseCursor::All => None,
                    CloseCursor::Specific { name } => Some(cursor_name(name)),
                };
                session.cursors.close(name.as_deref()).await?;
                Ok(Some(Response::Execution(Tag::new(match name {
                    None => "CLOSE CURSOR ALL",
                    Some(_) => "CLOSE CURSOR",
                }))))
            }
            Statement::Copy {
                source,
                to: true,
                target: datafusion::sql::sqlparser::ast::CopyTarget::Stdout,
                options,
                legacy_options,
                ..
            } => {
                let format = copy::copy_format(options, legacy_options)?;
                self.run_copy_out(client, session, source, format)
                    .await
                    .map(Some)
            }
            Statement::Commit { .. }
            | Statement::Rollback {
                savepoint: None, ..
            } => {
                session.cursors.end_transaction().await;
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// COPY (query) / COPY table [(columns)] TO STDOUT: the rows as COPY lines.
    async fn run_copy_out<C: ClientInfo>(
        &self,
        client: &C,
        session: &Session,
        source: &datafusion::sql::sqlparser::ast::CopySource,
        format: copy::CopyFormat,
    ) -> PgWireResult<Response> {
        use datafusion::sql::sqlparser::ast::CopySource;
        // PgSession::parse made every COPY source a query.
        let CopySource::Query(query) = source else {
            return Err(user_error(
                SqlState::FeatureNotSupported,
                "COPY of this source is not supported",
            ));
        };
        let query = Statement::Query(query.clone());
        let interrupt = statement_interrupt(client, session);
        let (schema, batches) = self
            .start_query(session, Source::Statement(&query), &interrupt)
            .await?;
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let options = Arc::new(format_options(session));
        let mut rows = encode_stream(schema, batches, &Format::UnifiedText, options).await?;
        let only_header = format.header.then(|| copy::header_line(&names, &format));
        // pgwire counts CopyData messages for the COPY tag: the header travels with the
        // first row (alone when there is none), so the count is PostgreSQL's.
        let mut header = format.header.then(|| copy::header_line(&names, &format));
        let rows = std::mem::replace(rows.data_rows(), Box::pin(stream::empty()));
        let mut rows = rows.map(move |row| {
            row.map(|row| {
                let line = copy::copy_line(&row, &format);
                match header.take() {
                    Some(h) => CopyData::new([h, line].concat().into()),
                    None => CopyData::new(line),
                }
            })
        });
        // An error before the first row (a cancel, the timeout) is the statement's error.
        let first = match rows.next().await {
            Some(Err(e)) => return Err(e),
            first => first,
        };
        let lead = match (&first, only_header) {
            (None, Some(h)) => Some(Ok(CopyData::new(h))),
            _ => None,
        };
        let data = stream::iter(lead).chain(stream::iter(first)).chain(rows);
        Ok(Response::CopyOut(CopyResponse::new(0, names.len(), data)))
    }

    async fn run_ddl(&self, session: &Session, ddl: &ServerDdl) -> PgWireResult<Response> {
        let catalog = &self.catalog;
        let result = match ddl {
            ServerDdl::Create {
                name,
                wrapper,
                options,
                if_not_exists,
            } => catalog
                .create_server(
                    name,
                    wrapper,
                    ServerOptions::new(options.clone()),
                    *if_not_exists,
                )
                .await
                .map(|_| ()),
            ServerDdl::Alter { name, changes } => catalog.alter_server(name, changes.clone()).await,
            ServerDdl::Drop { names, if_exists } => {
                self.drop_servers(session, names, *if_exists).await
            }
            ServerDdl::Refresh { name } => catalog.refresh(name.as_deref()).await,
            ServerDdl::User(_) => Err(fedgate_adapter_api::AdapterError::internal(
                "user statements run in crate::users",
            )),
        };
        result.map_err(|e| from_adapter(&e))?;
        Ok(Response::Execution(Tag::new(ddl.tag())))
    }

    /// DROP SERVER [IF EXISTS] names: all or none; with IF EXISTS, a NOTICE for each name
    /// that does not exist, as PostgreSQL.
    async fn drop_servers(
        &self,
        session: &Session,
        names: &[String],
        if_exists: bool,
    ) -> fedgate_adapter_api::Result<()> {
        if !if_exists {
            if let Some(missing) = names.iter().find(|n| self.catalog.server(n).is_none()) {
                return Err(fedgate_adapter_api::AdapterError::new(
                    SqlState::UndefinedObject,
                    format!("server \"{missing}\" does not exist"),
                ));
            }
        }
        for name in names {
            if !self.catalog.drop_server(name, if_exists).await? {
                session.notice(format!("server \"{name}\" does not exist, skipping"));
            }
        }
        Ok(())
    }

    /// SET/SHOW/RESET/transactions; `None` for statements DataFusion plans.
    fn run_session_statement<C: ClientInfo>(
        &self,
        client: &mut C,
        session: &Session,
        statement: &Statement,
    ) -> PgWireResult<Option<Response>> {
        let response = match statement {
            Statement::Set(set) => return self.run_set(client, session, set).map(Some),
            Statement::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(|i| i.value.clone())
                    .collect::<Vec<_>>()
                    .join(" ");
                show(session, &name)?
            }
            Statement::Reset(reset) => {
                use datafusion::sql::sqlparser::ast::Reset;
                let name = match &reset.reset {
                    Reset::ALL => None,
                    Reset::ConfigurationParameter(n) => Some(n.to_string()),
                };
                session
                    .reset(name.as_deref())
                    .map_err(|m| user_error(SqlState::InvalidParameterValue, m))?;
                Response::Execution(Tag::new("RESET"))
            }
            Statement::StartTransaction { .. } => Response::TransactionStart(Tag::new("BEGIN")),
            Statement::Commit { .. } => Response::TransactionEnd(Tag::new("COMMIT")),
            // Savepoints (psycopg's nested transactions, SQLAlchemy's inspection) have
            // nothing to undo in a read-only gateway; the transaction stays open.
            Statement::Savepoint { .. } => Response::Execution(Tag::new("SAVEPOINT")),
            Statement::ReleaseSavepoint { .. } => Response::Execution(Tag::new("RELEASE")),
            Statement::Rollback {
                savepoint: Some(_), ..
            } => Response::Execution(Tag::new("ROLLBACK")),
            Statement::Rollback { .. } => Response::TransactionEnd(Tag::new("ROLLBACK")),
            Statement::Discard { .. } => Response::Execution(Tag::new("DISCARD ALL")),
            _ => return Ok(None),
        };
        Ok(Some(response))
    }

    fn run_set<C: ClientInfo>(
        &self,
        client: &mut C,
        session: &Session,
        set: &Set,
    ) -> PgWireResult<Response> {
        let (name, value) = match set {
            Set::SingleAssignment {
                variable, values, ..
            } => (variable.to_string(), setting_value(values)),
            Set::SetTimeZone { value, .. } => (
                "timezone".to_string(),
                setting_value(std::slice::from_ref(value)),
            ),
            Set::SetNames { charset_name, .. } => {
                ("client_encoding".to_string(), charset_name.value.clone())
            }
            Set::SetTransaction { .. } | Set::SetSessionParam(_) | Set::SetRole { .. } => {
                return Ok(Response::Execution(Tag::new("SET")));
            }
            other => {
                return Err(user_error(
                    SqlState::FeatureNotSupported,
                    format!("unsupported SET form: {other}"),
                ));
            }
        };
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("datafusion.") {
            let state = session.context().state_ref();
            state
                .write()
                .config_mut()
                .options_mut()
                .set(&lower, &value)
                .map_err(|e| from_datafusion(&e))?;
        } else {
            session
                .set(&lower, &value)
                .map_err(|m| user_error(SqlState::InvalidParameterValue, m))?;
        }
        if FORMAT_SETTINGS.contains(&lower.as_str()) {
            client.metadata_mut().insert(lower, value);
        }
        Ok(Response::Execution(Tag::new("SET")))
    }

    async fn run_text<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + Send + Sync,
    {
        let session = self.session(client)?;
        let mut responses = Vec::new();
        for text in split_statements(query) {
            let timer = StatementTimer::start(text);
            let outcome = self.run_one_text(client, &session, text).await;
            match outcome {
                Ok(more) => responses.extend(more.into_iter().map(|r| timer.observe(r))),
                // A terminated session (57P01): pgwire closes the connection after it.
                Err(error) if crate::errors::is_fatal(&error) => {
                    timer.failed(&error);
                    return Err(error);
                }
                Err(error) => {
                    responses.push(timer.observe(error_response(error)));
                    break;
                }
            }
        }
        if responses.is_empty() {
            responses.push(Response::EmptyQuery);
        }
        Ok(responses)
    }

    async fn run_one_text<C>(
        &self,
        client: &mut C,
        session: &Session,
        text: &str,
    ) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + Send + Sync,
    {
        let mut responses = Vec::new();
        for prepared in self.prepare(session, text)? {
            let response = self
                .execute(client, session, &prepared, None, None, &Format::UnifiedText)
                .await?;
            responses.push(response);
        }
        Ok(responses)
    }
}

/// How values print in `session`: its DateStyle, IntervalStyle, bytea_output,
/// extra_float_digits and TimeZone, as SET and RESET left them.
fn format_options(session: &Session) -> FormatOptions {
    let mut options = FormatOptions::default();
    let setting = |name: &str| session.setting(name).filter(|v| !v.is_empty());
    if let Some(value) = setting("datestyle") {
        options.date_style = value;
    }
    if let Some(value) = setting("intervalstyle") {
        options.interval_style = value;
    }
    if let Some(value) = setting("bytea_output") {
        options.bytea_output = value;
    }
    if let Some(value) = setting("extra_float_digits").and_then(|v| v.trim().parse().ok()) {
        options.extra_float_digits = value;
    }
    if let Some(value) = setting("timezone") {
        options.time_zone = value;
    }
    options
}

/// `stream`, its rows and its error counted in the query log's `statement` (kept open until
/// the stream ends or is dropped).
fn logged_stream(
    stream: SendableRecordBatchStream,
    statement: Option<Arc<StatementRecord>>,
) -> SendableRecordBatchStream {
    let Some(statement) = statement else {
        return stream;
    };
    let schema = stream.schema();
    let counted = stream.inspect(move |item| match item {
        Ok(batch) => statement.add_rows(batch.num_rows()),
        Err(e) => statement.failed(fedgate_pgcompat::PgError::from_datafusion(e).code.code()),
    });
    Box::pin(datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(schema, counted))
}

/// Notes in the query log's `record` the errors among `responses`.
fn log_outcome(record: &StatementRecord, responses: &PgWireResult<Vec<Response>>) {
    match responses {
        Ok(responses) => {
            for response in responses {
                if let Response::Error(info) = response {
                    record.failed(&info.code);
                }
            }
        }
        Err(error) => log_error(record, error),
    }
}

fn log_error(record: &StatementRecord, error: &PgWireError) {
    match error {
        PgWireError::UserError(info) => record.failed(&info.code),
        _ => record.failed(SqlState::InternalError.code()),
    }
}

/// The interrupt of a statement starting now on `client`'s connection: its cancel signal
/// and `statement_timeout`.
fn statement_interrupt<C: ClientInfo + ?Sized>(client: &C, session: &Session) -> Interrupt {
    let slot = client.session_extensions().get::<Arc<CancelSlot>>();
    let timeout = session
        .setting("statement_timeout")
        .and_then(|v| parse_timeout(&v));
    let interrupt = Interrupt::start(slot.as_deref(), timeout);
    session
        .statement_stop()
        .set(Arc::new(interrupt.stop_check()));
    interrupt
}

/// EXPLAIN's rows: the plan text reshaped as PostgreSQL prints it.
async fn explain_stream(
    explain: &LogicalPlan,
    stream: SendableRecordBatchStream,
) -> PgWireResult<(SchemaRef, SendableRecordBatchStream)> {
    let batches: Vec<RecordBatch> = stream
        .try_collect()
        .await
        .map_err(|e| from_datafusion(&e))?;
    let batch = fedgate_pgcompat::output::explain::reshape(explain, &batches);
    let schema = batch.schema();
    let once = stream::iter(vec![Ok(batch)]);
    let adapter =
        datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(schema.clone(), once);
    Ok((schema, Box::pin(adapter)))
}

/// Runs a planned data frame as a stream, with the schema it executes with.
async fn frame_stream(
    frame: datafusion::dataframe::DataFrame,
) -> PgWireResult<(SchemaRef, SendableRecordBatchStream)> {
    let task = Arc::new(frame.task_ctx());
    let physical = frame
        .create_physical_plan()
        .await
        .map_err(|e| from_datafusion(&e))?;
    // The executed schema: analysis may have changed types since planning.
    let schema = physical.schema();
    let stream = datafusion::physical_plan::execute_stream(physical, task)
        .map_err(|e| from_datafusion(&e))?;
    Ok((schema, stream))
}

/// A cursor's name as PostgreSQL folds it: unquoted names are lower case.
fn cursor_name(ident: &datafusion::sql::sqlparser::ast::Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// Statements DataFusion plans (their table names go through the search path).
fn is_planned(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::Query(_) | Statement::Explain { .. } | Statement::ExplainTable { .. }
    )
}

fn check_read_only(plan: &LogicalPlan) -> PgWireResult<()> {
    match plan {
        LogicalPlan::Dml(_) | LogicalPlan::Ddl(_) | LogicalPlan::Copy(_) => Err(user_error(
            SqlState::FeatureNotSupported,
            "fedgate is read-only: only queries and catalog statements are supported",
        )),
        _ => Ok(()),
    }
}

fn error_response(error: PgWireError) -> Response {
    match error {
        PgWireError::UserError(info) => Response::Error(info),
        other => Response::Error(Box::new(pgwire::error::ErrorInfo::new(
            "ERROR".to_string(),
            "XX000".to_string(),
            other.to_string(),
        ))),
    }
}

/// The text of a SET value list: strings unquoted, identifiers as written, joined by ", ".
fn setting_value(values: &[Expr]) -> String {
    values
        .iter()
        .map(|v| match v {
            Expr::Value(value) => match &value.value {
                Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => s.clone(),
                other => other.to_string(),
            },
            Expr::Identifier(ident) if ident.quote_style.is_none() => ident.value.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The setting a SHOW names: PostgreSQL's multi-word forms (`SHOW TIME ZONE`, `SHOW
/// TRANSACTION ISOLATION LEVEL`, `SHOW SESSION AUTHORIZATION`) are other names of settings.
fn setting_name(shown: &str) -> String {
    let lower = shown.to_ascii_lowercase();
    match lower.as_str() {
        "time zone" => "timezone".to_string(),
        "transaction isolation level" => "transaction_isolation".to_string(),
        "session authorization" => "session_authorization".to_string(),
        _ => lower,
    }
}

/// The column name of `SHOW name`: the setting's name as PostgreSQL spells it
/// (`TimeZone`, `DateStyle`, `IntervalStyle`; the others are lower case).
fn shown_column(setting: &str) -> String {
    REPORTED_SETTINGS
        .iter()
        .find(|(lower, _)| *lower == setting)
        .map_or_else(|| setting.to_string(), |(_, spelled)| spelled.to_string())
}

fn show(session: &Session, name: &str) -> PgWireResult<Response> {
    let lower = setting_name(name);
    let rows: Vec<(String, String)> = if lower == "all" {
        session.all_settings()
    } else {
        let value = session.setting(&lower).ok_or_else(|| {
            user_error(
                SqlState::UndefinedObject,
                format!("unrecognized configuration parameter \"{name}\""),
            )
        })?;
        vec![(lower.clone(), value)]
    };
    let text_field = |n: &str| {
        FieldInfo::new(
            n.to_string(),
            None,
            None,
            Type::TEXT,
            pgwire::api::results::FieldFormat::Text,
        )
    };
    let fields = if lower == "all" {
        vec![text_field("name"), text_field("setting")]
    } else {
        vec![text_field(&shown_column(&lower))]
    };
    let fields = Arc::new(fields);
    let mut out: Vec<PgWireResult<DataRow>> = Vec::new();
    for (k, v) in rows {
        let mut encoder = DataRowEncoder::new(fields.clone());
        if lower == "all" {
            encoder.encode_field(&k)?;
        }
        encoder.encode_field(&v)?;
        out.push(Ok(encoder.take_row()));
    }
    Ok(Response::Query(QueryResponse::new(
        fields,
        stream::iter(out),
    )))
}

/// Streams record batches as data rows; an error before the first batch fails the statement.
async fn encode_stream(
    schema: SchemaRef,
    mut batches: SendableRecordBatchStream,
    format: &Format,
    options: Arc<FormatOptions>,
) -> PgWireResult<QueryResponse> {
    let fields = Arc::new(backend_types::describe(
        arrow_pg::datatypes::arrow_schema_to_pg_fields(&schema, format, Some(options))?,
        &schema,
    ));
    let first: Option<datafusion::error::Result<RecordBatch>> = batches.next().await;
    if let Some(Err(e)) = &first {
        return Err(from_datafusion(e));
    }
    let encoder_fields = fields.clone();
    let declared = schema.clone();
    let rows = stream::iter(first)
        .chain(batches)
        .map(move |batch| {
            let batch = batch.and_then(|b| {
                let b = conform_to_schema(b, &declared)?;
                let b = fedgate_pgcompat::output::pg_text::to_postgres_text(b, &encoder_fields)?;
                let b = backend_types::to_binary_numeric(b, &encoder_fields)?;
                backend_types::to_binary_formats(b, &encoder_fields).map_err(Into::into)
            });
            let rows: Box<dyn Iterator<Item = PgWireResult<DataRow>> + Send + Sync> = match batch {
                Ok(batch) => arrow_pg::datatypes::encode_recordbatch(encoder_fields.clone(), batch),
                Err(e) => Box::new(std::iter::once(Err(from_datafusion(&e)))),
            };
            stream::iter(rows)
        })
        .flatten();
    Ok(QueryResponse::new(fields, rows))
}

/// Casts columns whose type differs from the plan's declared schema (DataFusion's UNION
/// of float and decimal branches has produced batches of the other branch's type); the row
/// description sent to the client follows the declared schema, so the data must too.
fn conform_to_schema(
    batch: RecordBatch,
    declared: &SchemaRef,
) -> datafusion::error::Result<RecordBatch> {
    let same = batch
        .schema()
        .fields()
        .iter()
        .zip(declared.fields())
        .all(|(have, want)| have.data_type() == want.data_type());
    if same || batch.num_columns() != declared.fields().len() {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .zip(declared.fields())
        .map(|(column, want)| {
            if column.data_type() == want.data_type() {
                Ok(column.clone())
            } else {
                datafusion::arrow::compute::cast(column, want.data_type())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let fields: Vec<_> = declared
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(fields));
    let options =
        datafusion::arrow::array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    Ok(RecordBatch::try_new_with_options(
        schema, columns, &options,
    )?)
}

#[async_trait]
impl SimpleQueryHandler for Gateway {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = self.session(client)?;
        let record = self.record_activity(client, &session, query);
        let before = reported_settings(&session);
        let mut responses = self.run_text(client, query).await;
        log_outcome(&record, &responses);
        drop(record);
        send_notices(client, &session).await?;
        report_changed_settings(client, &session, before).await?;
        // A COPY TO alone is sent here, so that an error while its data streams ends it as
        // in PostgreSQL (see `copy::send_copy_out`); pgwire then sends ReadyForQuery, or
        // the error and ReadyForQuery.
        if let Ok([Response::CopyOut(_)]) = responses.as_deref() {
            if let Some(Response::CopyOut(copy)) = responses.as_mut().ok().and_then(Vec::pop) {
                copy::send_copy_out(client, copy).await?;
            }
        }
        responses
    }
}

/// The settings PostgreSQL reports to the client with ParameterStatus when they change
/// (`GUC_REPORT`), under their reported names.
const REPORTED_SETTINGS: &[(&str, &str)] = &[
    ("application_name", "application_name"),
    ("client_encoding", "client_encoding"),
    ("datestyle", "DateStyle"),
    ("intervalstyle", "IntervalStyle"),
    ("standard_conforming_strings", "standard_conforming_strings"),
    ("timezone", "TimeZone"),
];

fn reported_settings(session: &Session) -> Vec<Option<String>> {
    REPORTED_SETTINGS
        .iter()
        .map(|(name, _)| session.setting(name))
        .collect()
}

/// Sends the NOTICE messages the statement raised, before its CommandComplete.
async fn send_notices<C>(client: &mut C, session: &Session) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let warnings = session
        .take_warnings()
        .into_iter()
        .map(|m| ("WARNING", "01000", m));
    let notices = session
        .take_notices()
        .into_iter()
        .map(|m| ("NOTICE", "00000", m));
    for (severity, code, message) in warnings.chain(notices) {
        let info = pgwire::error::ErrorInfo::new(severity.to_string(), code.to_string(), message);
        client
            .feed(PgWireBackendMessage::NoticeResponse(info.into()))
            .await?;
    }
    Ok(())
}

/// Sends a ParameterStatus for each reported setting a statement changed, as PostgreSQL
/// does after SET/RESET (drivers keep e.g. `application_name` and `TimeZone` from these).
async fn report_changed_settings<C>(
    client: &mut C,
    session: &Session,
    before: Vec<Option<String>>,
) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    use pgwire::messages::startup::ParameterStatus;
    let after = reported_settings(session);
    for ((_, reported_name), (old, new)) in REPORTED_SETTINGS.iter().zip(before.iter().zip(after)) {
        if let Some(value) = new.filter(|value| Some(value) != old.as_ref()) {
            let message = ParameterStatus::new(reported_name.to_string(), value);
            client
                .feed(PgWireBackendMessage::ParameterStatus(message))
                .await?;
        }
    }
    Ok(())
}

/// The extended protocol's parser: plans at Parse time so Describe can answer.
pub struct FedgateQueryParser {
    gateway: Arc<Gateway>,
}

impl FedgateQueryParser {
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Self { gateway }
    }
}

#[async_trait]
impl QueryParser for FedgateQueryParser {
    type Statement = Prepared;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let gateway = &self.gateway;
        let session = gateway.session(client)?;
        let texts = split_statements(sql);
        let Some(text) = texts.first() else {
            return Ok(Some(Prepared::Empty));
        };
        if texts.len() > 1 {
            return Err(user_error(
                SqlState::SyntaxError,
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let prepared = gateway.prepare(&session, text)?.into_iter().next();
        match prepared {
            Some(Prepared::Other(statement)) if is_planned(&statement) => {
                let plan = gateway.plan(&session, &statement).await?;
                let schema = executed_schema(&session, &plan);
                Ok(Some(Prepared::Plan(statement, Box::new(plan), schema)))
            }
            Some(Prepared::Other(statement)) => {
                if let Statement::Fetch { name, .. } = statement.as_ref() {
                    if let Some(schema) = session.cursors.schema(&cursor_name(name)).await {
                        return Ok(Some(Prepared::Fetch(statement, schema)));
                    }
                }
                Ok(Some(Prepared::Other(statement)))
            }
            Some(Prepared::Passthrough(mut statement)) => {
                statement.parameter_types = passthrough::declared_types(types);
                let described = gateway.describe_passthrough(&session, *statement).await?;
                Ok(Some(Prepared::Passthrough(Box::new(described))))
            }
            Some(other) => Ok(Some(other)),
            None => Ok(Some(Prepared::Empty)),
        }
    }

    fn get_parameter_types(&self, stmt: &Self::Statement) -> PgWireResult<Vec<Type>> {
        match stmt {
            Prepared::Plan(statement, plan, _) => {
                parameters::describe(statement, &parameter_types(plan))
            }
            Prepared::Passthrough(statement) => Ok(passthrough::parameter_types(statement)),
            _ => Ok(vec![]),
        }
    }

    fn get_result_schema(
        &self,
        stmt: &Self::Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        match stmt {
            Prepared::Plan(_, plan, _) if fedgate_pgcompat::output::explain::is_explain(plan) => {
                Ok(vec![FieldInfo::new(
                    fedgate_pgcompat::output::explain::QUERY_PLAN.to_string(),
                    None,
                    None,
                    Type::TEXT,
                    pgwire::api::results::FieldFormat::Text,
                )])
            }
            Prepared::Passthrough(statement) => Ok(match &statement.columns {
                Some(columns) => {
                    passthrough::fields(columns, column_format.unwrap_or(&Format::UnifiedText))
                }
                None => vec![FieldInfo::new(
                    fedgate_pgcompat::output::explain::QUERY_PLAN.to_string(),
                    None,
                    None,
                    Type::TEXT,
                    pgwire::api::results::FieldFormat::Text,
                )],
            }),
            Prepared::Plan(_, _, schema) | Prepared::Fetch(_, schema) => {
                Ok(backend_types::describe(
                    arrow_pg::datatypes::arrow_schema_to_pg_fields(
                        schema,
                        column_format.unwrap_or(&Format::UnifiedText),
                        None,
                    )?,
                    schema,
                ))
            }
            Prepared::Other(statement) => Ok(match statement.as_ref() {
                Statement::ShowVariable { variable } => vec![FieldInfo::new(
                    shown_column(&setting_name(
                        &variable
                            .iter()
                            .map(|i| i.value.clone())
                            .collect::<Vec<_>>()
                            .join(" "),
                    )),
                    None,
                    None,
                    Type::TEXT,
                    pgwire::api::results::FieldFormat::Text,
                )],
                _ => vec![],
            }),
            _ => Ok(vec![]),
        }
    }
}

/// The schema a planned statement's result will have once analyzed (fedgate's analyzer
/// rules may change types); the planned schema when the plan cannot be analyzed yet (e.g.
/// untyped parameters).
fn executed_schema(session: &Session, plan: &LogicalPlan) -> SchemaRef {
    let planned = || Arc::new(plan.schema().as_arrow().clone());
    match session.context().state().optimize(plan) {
        Ok(optimized) if optimized.schema().fields().len() == plan.schema().fields().len() => {
            let names_kept = optimized
                .schema()
                .fields()
                .iter()
                .zip(plan.schema().fields())
                .all(|(a, b)| a.name() == b.name());
            if names_kept {
                Arc::new(optimized.schema().as_arrow().clone())
            } else {
                planned()
            }
        }
        _ => planned(),
    }
}

/// The inferred types of `$1..$n`, in order. A parameter used in several places takes the
/// type of its first typed use, as PostgreSQL types it at its first use: in
/// `id BETWEEN $1 AND $1 + 99` it is `id`'s type, where DataFusion's own
/// `get_parameter_types` fails on the "conflicting" `bigint` of `$1 + 99` (and the
/// statement would be described with no parameters at all).
fn parameter_types(plan: &LogicalPlan) -> Vec<Option<DataType>> {
    let mut types: HashMap<String, Option<DataType>> = HashMap::new();
    let _ = plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|e| {
                if let PlanExpr::Placeholder(placeholder) = e {
                    let known = types.entry(placeholder.id.clone()).or_insert(None);
                    if known.is_none() {
                        *known = placeholder.field.as_ref().map(|f| f.data_type().clone());
                    }
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    });
    let count = types
        .keys()
        .filter_map(|k| k.trim_start_matches('$').parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    (1..=count)
        .map(|i| types.get(&format!("${i}")).cloned().flatten())
        .collect()
}

impl ExtendedHandler {
    async fn stream_portal<C>(&self, client: &mut C, portal: &Portal<Prepared>) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let Response::Query(mut results) = self.do_query(client, portal, 0).await? else {
            return Err(user_error(
                SqlState::InternalError,
                "a planned query did not return rows",
            ));
        };
        let tag = results.command_tag().to_string();
        let mut rows = 0;
        while let Some(row) = results.data_rows().next().await {
            client.feed(PgWireBackendMessage::DataRow(row?)).await?;
            rows += 1;
        }
        let complete = Tag::new(&tag).with_rows(rows);
        client
            .send(PgWireBackendMessage::CommandComplete(complete.into()))
            .await?;
        Ok(())
    }
}

impl ExtendedHandler {
    /// Runs a COPY TO portal and sends its data (see `copy::send_copy_out`).
    async fn copy_portal<C>(&self, client: &mut C, portal: &Portal<Prepared>) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match self.do_query(client, portal, 0).await? {
            Response::CopyOut(copy) => copy::send_copy_out(client, copy).await,
            _ => Err(user_error(
                SqlState::InternalError,
                "COPY TO did not return data",
            )),
        }
    }
}

/// Whether `statement` is COPY ... TO (STDOUT).
fn is_copy_to(statement: &Statement) -> bool {
    matches!(statement, Statement::Copy { to: true, .. })
}

/// The extended-protocol handler (shares everything with the simple one).
pub struct ExtendedHandler {
    gateway: Arc<Gateway>,
    parser: Arc<FedgateQueryParser>,
}

impl ExtendedHandler {
    pub fn new(gateway: Arc<Gateway>) -> Self {
        Self {
            parser: Arc::new(FedgateQueryParser::new(gateway.clone())),
            gateway,
        }
    }
}

#[async_trait]
impl ExtendedQueryHandler for ExtendedHandler {
    type Statement = Prepared;
    type QueryParser = FedgateQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    /// pgwire collects every row of an Execute without a row limit into memory before
    /// sending any; a query's rows are streamed here instead. Row-limited Executes
    /// (portals fetched in steps) and non-query statements take pgwire's path.
    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message
            .name
            .clone()
            .unwrap_or_else(|| DEFAULT_NAME.to_string());
        let portal = match client.portal_store().get_portal(&name) {
            Some(Entry::Value(portal)) if message.max_rows == 0 => portal,
            _ => return self._on_execute(client, message).await,
        };
        let copy_to = matches!(&portal.statement.statement, Prepared::Other(s) if is_copy_to(s));
        let streamable = (copy_to
            || matches!(
                portal.statement.statement,
                Prepared::Plan(..) | Prepared::Passthrough(..)
            ))
            && matches!(*portal.state.lock().await, PortalExecutionState::Initial);
        if !streamable || !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return self._on_execute(client, message).await;
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let outcome = if copy_to {
            self.copy_portal(client, &portal).await
        } else {
            self.stream_portal(client, &portal).await
        };
        *portal.state.lock().await = PortalExecutionState::Finished;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        outcome
    }

    /// A cursor opened by DECLARE is a portal in PostgreSQL: psycopg describes it by name
    /// before fetching. Other portals and statements take pgwire's path.
    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME).to_string();
        if message.target_type == TARGET_TYPE_BYTE_PORTAL
            && client.portal_store().get_portal(&name).is_none()
        {
            let session = self.gateway.session(client)?;
            if let Some(schema) = session.cursors.schema(&name).await {
                let fields = arrow_pg::datatypes::arrow_schema_to_pg_fields(
                    &schema,
                    &Format::UnifiedText,
                    None,
                )?;
                let fields = backend_types::describe(fields, &schema);
                let response = DescribePortalResponse::new(fields);
                return send_describe_response(client, &response).await;
            }
        }
        self._on_describe(client, message).await
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = self.gateway.session(client)?;
        let prepared: &StoredStatement<Prepared> = &portal.statement;
        let record = self
            .gateway
            .record_activity(client, &session, &prepared.statement.text());
        let params = match &prepared.statement {
            Prepared::Plan(statement, plan, _) => Some(parameters::decode(
                portal,
                statement,
                &parameter_types(plan),
            )?),
            _ => None,
        };
        let bound = match &prepared.statement {
            Prepared::Passthrough(_) => Some(passthrough::bound_parameters(
                &portal.parameters,
                &portal.parameter_format,
            )),
            _ => None,
        };
        let before = reported_settings(&session);
        let timer = StatementTimer::start(&prepared.statement.text());
        let response = self
            .gateway
            .execute(
                client,
                &session,
                &prepared.statement,
                params.as_ref(),
                bound,
                &portal.result_column_format,
            )
            .await;
        if let Err(error) = &response {
            log_error(&record, error);
        }
        drop(record);
        send_notices(client, &session).await?;
        report_changed_settings(client, &session, before).await?;
        match response {
            Ok(response) => Ok(timer.observe(response)),
            Err(error) => {
                timer.failed(&error);
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::datasource::empty::EmptyTable;
    use datafusion::prelude::SessionContext;

    async fn planned(sql: &str) -> LogicalPlan {
        let ctx = SessionContext::new();
        let schema = Schema::new(vec![Field::new("id", DataType::Int32, false)]);
        ctx.register_table("t", Arc::new(EmptyTable::new(Arc::new(schema))))
            .expect("table");
        ctx.state().create_logical_plan(sql).await.expect("plan")
    }

    #[tokio::test]
    async fn a_parameter_used_twice_takes_its_first_type() {
        let plan = planned("SELECT id FROM t WHERE id BETWEEN $1 AND $1 + 99").await;
        assert_eq!(parameter_types(&plan), vec![Some(DataType::Int32)]);
    }

    #[tokio::test]
    async fn parameters_are_counted_up_to_the_highest() {
        let plan = planned("SELECT id FROM t WHERE id = $2 OR $1 IS NULL").await;
        assert_eq!(parameter_types(&plan), vec![None, Some(DataType::Int32)]);
    }
}
