//! One client session: its DataFusion context, its database, its settings and search path.
//!
//! The database a client names at connect time is its default catalog: `fedgate` (the
//! system database) or a server name. `search_path` entries are schemas of that database
//! (`public`) or `server.schema` pairs of any server; an unqualified table name is looked up
//! in `pg_catalog` first and then in each entry in order, as PostgreSQL does.

use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};

use datafusion::catalog::CatalogProviderList;
use datafusion::execution::context::QueryPlanner;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::SessionStateBuilder;
use datafusion::optimizer::OptimizerRule;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::sqlparser::ast::{
    visit_relations_mut, CopySource, Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem,
    SetExpr, Statement, Visit, Visitor,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use fedgate_adapter_api::SqlState;

use crate::catalog::pg_catalog::install_pg_catalog;
use crate::catalog::scoped_catalog::ScopedCatalogList;
use crate::catalog::system_tables::{SystemTables, PG_CATALOG};
use crate::rewrite::column_names::apply_postgres_column_names;
use crate::rewrite::parse::StatementParser;
use crate::rewrite::reg_types::Relation;

/// The settings a new session starts with (names lower case).
const DEFAULT_SETTINGS: &[(&str, &str)] = &[
    ("application_name", ""),
    ("client_encoding", "UTF8"),
    ("datestyle", "ISO, MDY"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("extra_float_digits", "1"),
    ("integer_datetimes", "on"),
    ("intervalstyle", "postgres"),
    ("jit", "off"),
    ("lc_messages", "C"),
    ("search_path", "public"),
    ("server_encoding", "UTF8"),
    ("server_version", crate::SERVER_VERSION),
    ("server_version_num", crate::SERVER_VERSION_NUM),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("timezone", "UTC"),
    ("transaction_isolation", "read committed"),
    ("transaction_read_only", "off"),
];

/// What the server embedding fedgate's PostgreSQL layer adds to every session's DataFusion
/// state: the query planner that cuts plans into remote parts, the optimizer rules of
/// the backends (MongoDB's pipeline pushdown), and the runtime every session shares (one
/// memory pool for all statements, the spill directory).
#[derive(Clone, Default)]
pub struct Planning {
    pub query_planner: Option<Arc<dyn QueryPlanner + Send + Sync>>,
    pub optimizer_rules: Vec<Arc<dyn OptimizerRule + Send + Sync>>,
    /// `None`: each session gets DataFusion's default runtime (no memory limit).
    pub runtime: Option<Arc<RuntimeEnv>>,
}

impl std::fmt::Debug for Planning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planning")
            .field("query_planner", &self.query_planner.is_some())
            .field(
                "optimizer_rules",
                &self
                    .optimizer_rules
                    .iter()
                    .map(|r| r.name())
                    .collect::<Vec<_>>(),
            )
            .field("runtime", &self.runtime.is_some())
            .finish()
    }
}

/// One search-path entry: a schema, optionally of another server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    pub catalog: Option<String>,
    pub schema: String,
}

/// A session's state.
pub struct PgSession {
    pub database: String,
    pub user: String,
    ctx: SessionContext,
    catalogs: Arc<dyn CatalogProviderList>,
    settings: crate::catalog::functions::Settings,
    stop: crate::catalog::functions::StatementStop,
    /// WARNINGs the running statement raised (e.g. `pg_terminate_backend` of no session).
    warnings: crate::catalog::activity::Warnings,
}

impl PgSession {
    /// A session of `user` on `database` over `catalog_list`, planned with `planning`.
    pub fn new(
        catalog_list: Arc<dyn CatalogProviderList>,
        system_tables: Arc<SystemTables>,
        planning: &Planning,
        database: &str,
        user: &str,
    ) -> datafusion::error::Result<Self> {
        let scoped_list = ScopedCatalogList::new(catalog_list, database, system_tables.clone());
        let all: Arc<dyn CatalogProviderList> = Arc::new(scoped_list.listing_all());
        // The pg_catalog provider keeps this list; it must not own the session's slot.
        let scoped: Arc<dyn CatalogProviderList> = Arc::new(scoped_list.for_pg_catalog());
        let mut config = SessionConfig::new()
            // Each catalog answers `information_schema` itself (see `ScopedCatalogList`).
            .with_information_schema(false)
            .with_create_default_catalog_and_schema(false)
            .with_default_catalog_and_schema(database, "public");
        config.options_mut().sql_parser.parse_float_as_decimal = true;
        // `timestamptz` values and casts are UTC instants, as PostgreSQL with TimeZone=UTC.
        config.options_mut().execution.time_zone = Some("+00:00".to_string());
        config.options_mut().sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
        let viewer = crate::catalog::activity::Viewer {
            user: user.to_string(),
            is_admin: system_tables.catalog().is_admin(user),
        };
        config.set_extension(Arc::new(viewer.clone()));
        let mut builder = SessionStateBuilder::new()
            .with_config(config)
            .with_catalog_list(scoped.clone())
            .with_default_features()
            .with_analyzer_rules(analyzer_rules())
            .with_physical_optimizer_rules(
                crate::checked_arithmetic::CheckedArithmetic::with_default_rules(),
            )
            .with_optimizer_rules(crate::inferred_predicates::replace_push_down_filter(
                datafusion::optimizer::Optimizer::new().rules,
            ));
        builder
            .expr_planners()
            .get_or_insert_with(Vec::new)
            .insert(0, crate::functions::json::operators::planner());
        if let Some(planner) = &planning.query_planner {
            builder = builder.with_query_planner(planner.clone());
        }
        if let Some(runtime) = &planning.runtime {
            builder = builder.with_runtime_env(runtime.clone());
        }
        for rule in &planning.optimizer_rules {
            builder = builder.with_optimizer_rule(rule.clone());
        }
        let state = builder.build();
        let ctx = SessionContext::new_with_state(state);
        // pg_catalog lists the connected database only; then the session itself gets the
        // listing of every database (information_schema), sharing that pg_catalog.
        install_pg_catalog(&ctx, database)?;
        let state = SessionStateBuilder::new_from_existing(ctx.state())
            .with_catalog_list(all.clone())
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.register_udf(crate::catalog::functions::version_udf());
        let settings: crate::catalog::functions::Settings = Arc::new(Mutex::new(
            DEFAULT_SETTINGS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ));
        ctx.register_udf(crate::catalog::functions::current_setting_udf(
            settings.clone(),
        ));
        ctx.register_udf(crate::catalog::functions::set_config_udf(settings.clone()));
        ctx.register_udf(crate::catalog::functions::to_regtype_udf());
        for udf in crate::rewrite::reg_types::udfs() {
            ctx.register_udf(udf);
        }
        ctx.register_udf(crate::catalog::functions::session_user_udf(user));
        let warnings = crate::catalog::activity::Warnings::default();
        if let Some(activity) = system_tables.activity() {
            ctx.register_udf(crate::catalog::activity::pg_cancel_backend_udf(
                activity.clone(),
                user,
                viewer.is_admin,
            ));
            ctx.register_udf(crate::catalog::activity::pg_terminate_backend_udf(
                activity.clone(),
                viewer,
                warnings.clone(),
            ));
        }
        let stop = crate::catalog::functions::StatementStop::default();
        ctx.register_udf(crate::catalog::functions::pg_sleep_udf(stop.clone()));
        crate::catalog::catalog_functions::register(&ctx);
        crate::functions::register(&ctx, settings.clone());
        ctx.register_udf(datafusion::logical_expr::ScalarUDF::new_from_impl(
            crate::session_time::PgText::new(settings.clone()),
        ));
        {
            use datafusion::execution::FunctionRegistry;
            ctx.state_ref().write().register_expr_planner(Arc::new(
                crate::session_time::IntervalArithmetic::default(),
            ))?;
            ctx.state_ref()
                .write()
                .register_expr_planner(Arc::new(fedgate_planner::UnknownLiterals))?;
        }
        // After DataFusion's type coercion, which adds casts the rule must see.
        ctx.add_analyzer_rule(Arc::new(crate::session_time::SessionTime::new(
            &ctx,
            settings.clone(),
        )?));
        ctx.register_udf(crate::catalog::functions::current_schemas_udf(
            path_schemas(settings.clone(), all.clone(), database),
        ));
        Ok(Self {
            database: database.to_string(),
            user: user.to_string(),
            ctx,
            catalogs: all,
            settings,
            stop,
            warnings,
        })
    }

    /// Makes this the session of process id `pid` (its BackendKeyData): `pg_backend_pid()`
    /// answers it.
    pub fn set_backend_pid(&self, pid: i32) {
        self.ctx
            .register_udf(crate::catalog::activity::pg_backend_pid_udf(pid));
    }

    /// Reports the session's remote parts to `tracker` (`fedgate_remote_activity`).
    pub fn set_remote_tracker(
        &self,
        tracker: fedgate_adapter_api::remote_parts::RemotePartTracker,
    ) {
        self.ctx
            .state_ref()
            .write()
            .config_mut()
            .set_extension(Arc::new(tracker));
    }

    /// The WARNINGs the statement raised, oldest first; none are kept.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// What ends the running statement early, for work that blocks a thread (`pg_sleep`);
    /// the protocol layer sets its check when a statement starts.
    pub fn statement_stop(&self) -> &crate::catalog::functions::StatementStop {
        &self.stop
    }

    /// Every catalog (server) the session sees.
    pub(crate) fn catalog_list(&self) -> &Arc<dyn CatalogProviderList> {
        &self.catalogs
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    fn settings(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value of a setting, for SHOW.
    pub fn setting(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        if name == "session_authorization" || name == "session_user" {
            return Some(self.user.clone());
        }
        self.settings().get(&name).cloned()
    }

    /// All settings, for `SHOW ALL`.
    pub fn all_settings(&self) -> Vec<(String, String)> {
        self.settings()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// SET name = value. Unknown names are kept (clients set many harmless ones).
    pub fn set(&self, name: &str, value: &str) -> Result<(), String> {
        let name = name.to_ascii_lowercase();
        if name == "search_path" {
            self.apply_search_path(value)?;
        }
        if name == "timezone" && crate::output::pg_text::SessionZone::parse(value).is_none() {
            return Err(format!(
                "invalid value for parameter \"TimeZone\": \"{}\"",
                value.trim_matches('\'')
            ));
        }
        self.settings().insert(name, value.to_string());
        Ok(())
    }

    /// RESET name / RESET ALL.
    pub fn reset(&self, name: Option<&str>) -> Result<(), String> {
        match name {
            None => {
                for (k, v) in DEFAULT_SETTINGS {
                    self.set(k, v)?;
                }
            }
            Some(name) => {
                let lower = name.to_ascii_lowercase();
                let default = DEFAULT_SETTINGS
                    .iter()
                    .find(|(k, _)| *k == lower)
                    .map_or("", |(_, v)| v);
                self.set(&lower, default)?;
            }
        }
        Ok(())
    }

    fn apply_search_path(&self, value: &str) -> Result<(), String> {
        let entries = parse_search_path(value)?;
        let first_local = entries
            .iter()
            .find(|e| e.catalog.as_deref().is_none_or(|c| c == self.database))
            .map_or_else(|| "public".to_string(), |e| e.schema.clone());
        let state = self.ctx.state_ref();
        state
            .write()
            .config_mut()
            .options_mut()
            .catalog
            .default_schema = first_local;
        Ok(())
    }

    pub fn search_path(&self) -> Vec<PathEntry> {
        let value = self.setting("search_path").unwrap_or_default();
        parse_search_path(&value).unwrap_or_default()
    }

    /// The entry point of the PostgreSQL layer: parses one statement's text (already split
    /// from the others) into statements ready for planning. PostgreSQL syntax DataFusion
    /// does not plan is rewritten, unqualified table names are resolved along the search
    /// path, and output columns get PostgreSQL's names; the query of a cursor
    /// (`DECLARE ... CURSOR FOR query`) and of `COPY ... TO` is prepared the same way, and
    /// `COPY table [(columns)] TO` becomes `COPY (SELECT columns FROM table) TO`.
    pub fn parse(&self, text: &str) -> Result<Vec<Statement>, ParserError> {
        let statements = StatementParser::shared().parse(text)?;
        Ok(statements.into_iter().map(|s| self.prepare(s)).collect())
    }

    fn prepare(&self, mut statement: Statement) -> Statement {
        match &mut statement {
            Statement::Query(_) | Statement::Explain { .. } | Statement::ExplainTable { .. } => {
                self.prepare_query(&mut statement)
            }
            Statement::Declare { stmts } => {
                for declare in stmts {
                    if let Some(query) = declare.for_query.as_mut() {
                        *query = self.prepared_query(query);
                    }
                }
            }
            Statement::Copy {
                source, to: true, ..
            } => {
                if let Some(query) = copy_source_query(source) {
                    *source = CopySource::Query(self.prepared_query(&query));
                }
            }
            _ => {}
        }
        statement
    }

    fn prepared_query(&self, query: &Query) -> Box<Query> {
        let mut statement = Statement::Query(Box::new(query.clone()));
        self.prepare_query(&mut statement);
        match statement {
            Statement::Query(query) => query,
            _ => unreachable!("a query stays a query"),
        }
    }

    fn prepare_query(&self, statement: &mut Statement) {
        self.resolve_names(statement);
        apply_postgres_column_names(statement);
        crate::rewrite::reg_types::resolve(statement, &|name| self.relation(name));
        crate::functions::json::rewrite::rewrite_statement(statement);
    }

    /// Qualifies unqualified table names along the search path (pg_catalog first).
    fn resolve_names(&self, statement: &mut Statement) {
        let ctes = cte_names(statement);
        let path = self.search_path();
        let _ = visit_relations_mut(statement, |name| {
            if name.0.len() == 1 {
                if let Some(ident) = name.0[0].as_ident() {
                    if !ctes.contains(&ident.value.to_lowercase()) {
                        if let Some(full) = self.find_table(&path, ident) {
                            *name = full;
                        }
                    }
                }
            }
            ControlFlow::<()>::Continue(())
        });
    }

    /// The relation a `regclass` input names (`emp`, `public.emp`, `"Emp"`), as
    /// PostgreSQL's `regclassin` finds it: along the search path, or in the named schema of
    /// the session's database.
    fn relation(&self, text: &str) -> Relation {
        let missing = |code, message: String| Relation::Missing { code, message };
        let Some(parts) = parse_qualified_name(text) else {
            return missing(SqlState::InvalidName, "invalid name syntax".to_string());
        };
        let path = self.search_path();
        let exists = |schema: &str, table: &str| {
            self.catalogs
                .catalog(&self.database)
                .and_then(|c| c.schema(schema))
                .is_some_and(|s| s.table_exist(table))
        };
        let found = match parts.as_slice() {
            [table] => self
                .find_table(&path, &Ident::with_quote('"', table))
                .and_then(|name| {
                    let part = |i: usize| Some(name.0.get(i)?.as_ident()?.value.clone());
                    Some((part(0)?, part(1)?, part(2)?))
                }),
            [schema, table] => exists(schema, table)
                .then(|| (self.database.clone(), schema.clone(), table.clone())),
            [database, schema, table] if *database == self.database => {
                exists(schema, table).then(|| (database.clone(), schema.clone(), table.clone()))
            }
            [_, _, _] => {
                return missing(
                    SqlState::FeatureNotSupported,
                    format!("cross-database references are not implemented: {text}"),
                )
            }
            _ => {
                return missing(
                    SqlState::SyntaxError,
                    format!("improper relation name (too many dotted names): {text}"),
                )
            }
        };
        let Some((catalog, schema, table)) = found else {
            return missing(
                SqlState::UndefinedTable,
                format!("relation \"{text}\" does not exist"),
            );
        };
        if catalog != self.database {
            return missing(
                SqlState::FeatureNotSupported,
                format!(
                    "cross-database references are not implemented: {catalog}.{schema}.{table}"
                ),
            );
        }
        let visible = self
            .find_table(&path, &Ident::with_quote('"', &table))
            .is_some_and(|name| {
                name.0
                    .get(1)
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.as_str())
                    == Some(schema.as_str())
            });
        let quote = crate::functions::strings::quote_identifier;
        let printed = if visible {
            quote(&table)
        } else {
            format!("{}.{}", quote(&schema), quote(&table))
        };
        match relation_oid(&schema, &table) {
            Some(oid) => Relation::Found {
                oid: Box::new(oid),
                printed,
            },
            None => missing(
                SqlState::UndefinedTable,
                format!("relation \"{text}\" does not exist"),
            ),
        }
    }

    pub(crate) fn find_table(&self, path: &[PathEntry], table: &Ident) -> Option<ObjectName> {
        let wanted = normalize(table);
        let database = self.database.clone();
        let candidates = std::iter::once((database.clone(), PG_CATALOG.to_string())).chain(
            path.iter().map(|e| {
                (
                    e.catalog.clone().unwrap_or_else(|| database.clone()),
                    e.schema.clone(),
                )
            }),
        );
        for (catalog, schema) in candidates {
            let found = self
                .catalogs
                .catalog(&catalog)
                .and_then(|c| c.schema(&schema))
                .is_some_and(|s| s.table_exist(&wanted));
            if found {
                let part = |v: &str| ObjectNamePart::Identifier(Ident::with_quote('"', v));
                return Some(ObjectName(vec![
                    part(&catalog),
                    part(&schema),
                    part(&wanted),
                ]));
            }
        }
        None
    }
}

/// The OID of relation `schema.table` of the session's database, read from `pg_class` (a
/// scalar subquery: fedgate's relation OIDs are assigned as `pg_class` lists them).
fn relation_oid(schema: &str, table: &str) -> Option<Expr> {
    let literal = |v: &str| format!("'{}'", v.replace('\'', "''"));
    let sql = format!(
        "SELECT (SELECT max(c.oid) FROM pg_catalog.pg_class AS c \
         JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid \
         WHERE n.nspname = {} AND c.relname = {})",
        literal(schema),
        literal(table)
    );
    let statement = Parser::parse_sql(&PostgreSqlDialect {}, &sql).ok()?.pop()?;
    let Statement::Query(query) = statement else {
        return None;
    };
    let SetExpr::Select(select) = *query.body else {
        return None;
    };
    match select.projection.into_iter().next()? {
        SelectItem::UnnamedExpr(expr) => Some(expr),
        _ => None,
    }
}

/// The parts of a qualified name as PostgreSQL reads it (`a.b`, `"A".b`): unquoted parts
/// fold to lower case; `None` for invalid syntax.
fn parse_qualified_name(text: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
            if part.is_empty() {
                return None;
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == '.' || c.is_whitespace() {
                    break;
                }
                part.extend(c.to_lowercase());
                chars.next();
            }
            if part.is_empty() {
                return None;
            }
        }
        parts.push(part);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Some(parts),
            Some('.') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(_) => return None,
        }
    }
}

/// The query a `COPY ... TO` reads: its query, or `SELECT columns FROM table`.
fn copy_source_query(source: &CopySource) -> Option<Query> {
    match source {
        CopySource::Query(query) => Some((**query).clone()),
        CopySource::Table {
            table_name,
            columns,
        } => {
            let columns = if columns.is_empty() {
                "*".to_string()
            } else {
                columns
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let sql = format!("SELECT {columns} FROM {table_name}");
            match Parser::parse_sql(&PostgreSqlDialect {}, &sql).ok()?.pop()? {
                Statement::Query(query) => Some(*query),
                _ => None,
            }
        }
    }
}

/// The schemas of the session's database on its search path that exist, in order (what
/// `current_schemas(false)` answers).
fn path_schemas(
    settings: crate::catalog::functions::Settings,
    catalogs: Arc<dyn CatalogProviderList>,
    database: &str,
) -> Arc<dyn Fn() -> Vec<String> + Send + Sync> {
    let database = database.to_string();
    Arc::new(move || {
        let value = settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get("search_path")
            .cloned()
            .unwrap_or_default();
        let catalog = catalogs.catalog(&database);
        parse_search_path(&value)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.catalog.as_deref().is_none_or(|c| c == database))
            .filter(|e| {
                catalog
                    .as_ref()
                    .is_some_and(|c| c.schema(&e.schema).is_some())
            })
            .map(|e| e.schema)
            .collect()
    })
}

/// DataFusion's analyzer rules with fedgate's PostgreSQL-semantics rewrites first.
fn analyzer_rules() -> Vec<Arc<dyn datafusion::optimizer::AnalyzerRule + Send + Sync>> {
    let mut rules: Vec<Arc<dyn datafusion::optimizer::AnalyzerRule + Send + Sync>> = vec![
        Arc::new(crate::functions::json::rewrite::JsonPlan),
        Arc::new(fedgate_planner::PostgresSemantics),
        Arc::new(crate::numeric_display::NumericDisplay::default()),
    ];
    rules.extend(datafusion::optimizer::Analyzer::new().rules);
    rules
}

/// How DataFusion normalizes an identifier: unquoted folds to lower case.
fn normalize(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// Names defined by WITH clauses anywhere in the statement.
fn cte_names(statement: &Statement) -> HashSet<String> {
    struct Collect(HashSet<String>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.0.insert(normalize(&cte.alias.name));
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut collect = Collect(HashSet::new());
    let _ = statement.visit(&mut collect);
    collect.0
}

/// Parses `a, "B", srv.schema, '$user'` into entries (`$user` is ignored).
pub fn parse_search_path(value: &str) -> Result<Vec<PathEntry>, String> {
    let mut entries = Vec::new();
    for raw in value.split(',') {
        let item = raw.trim().trim_matches('\'');
        if item.is_empty() || item == "\"$user\"" || item == "$user" {
            continue;
        }
        let parts: Vec<String> = item.split('.').map(unquote_part).collect();
        match parts.as_slice() {
            [schema] => entries.push(PathEntry {
                catalog: None,
                schema: schema.clone(),
            }),
            [catalog, schema] => entries.push(PathEntry {
                catalog: Some(catalog.clone()),
                schema: schema.clone(),
            }),
            _ => return Err(format!("invalid search_path entry \"{item}\"")),
        }
    }
    Ok(entries)
}

fn unquote_part(part: &str) -> String {
    let part = part.trim();
    match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => part.to_lowercase(),
    }
}

impl std::fmt::Debug for PgSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSession")
            .field("database", &self.database)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_fold_as_postgresql_reads_them() {
        let parts = |t: &str| parse_qualified_name(t);
        assert_eq!(parts("emp"), Some(vec!["emp".to_string()]));
        assert_eq!(
            parts("Public.\"Emp\""),
            Some(vec!["public".to_string(), "Emp".to_string()])
        );
        assert_eq!(parts("a . b"), Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(parts("a..b"), None);
        assert_eq!(parts("\"a"), None);
        assert_eq!(parts(""), None);
    }

    #[test]
    fn search_path_entries() {
        assert_eq!(
            parse_search_path("\"$user\", public, Sales.\"Public\"").unwrap(),
            vec![
                PathEntry {
                    catalog: None,
                    schema: "public".into()
                },
                PathEntry {
                    catalog: Some("sales".into()),
                    schema: "Public".into()
                },
            ]
        );
        assert!(parse_search_path("a.b.c").is_err());
    }
}
