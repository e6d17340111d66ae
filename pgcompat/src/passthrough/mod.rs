//! Which statements go to one PostgreSQL server as written ("pass-through"), and their text.
//!
//! A read-only query whose tables all live on one server that runs PostgreSQL's own SQL is
//! answered by that server: PostgreSQL's values, types, names and errors by construction,
//! and its speed. The statement is sent as the client wrote it, with only the table names
//! replaced (`pg.public.emp` or a name found along the search path becomes
//! `"public"."emp"`), spliced into the original text at the names' positions so that
//! nothing else of the statement changes.
//!
//! A statement stays with fedgate's own planner when anything in it is fedgate's rather than
//! the server's: a system table (`pg_class`, `information_schema`), another server's table,
//! a function whose answer depends on the connection or the catalog (`current_user`,
//! `version()`, `current_setting`, `pg_*` catalog functions, `'t'::regclass`), locking
//! clauses or `SELECT INTO`. `$n` parameters pass: the server types them (the client's
//! declared types first) and receives the values as the client bound them. A statement without tables passes when the session's
//! database is such a server. `SET fedgate.passthrough = off` turns it off for a session.

mod unparsed;

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    DataType, Expr, ObjectName, Query, Select, SelectItem, SelectItemQualifiedWildcardKind,
    SetExpr, Spanned, Statement, TableFactor, Value, ValueWithSpan, Visit, Visitor,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::{Location, Span};

use crate::catalog::system_tables::PG_CATALOG;
use crate::session::PgSession;

/// The session setting that turns pass-through off (`off`, `false`, `0`, `no`).
pub const PASSTHROUGH_SETTING: &str = "fedgate.passthrough";

/// The settings a pass-through statement runs under, as (fedgate's lower-case name, the
/// name PostgreSQL knows): they decide how values print.
pub const FORWARDED_SETTINGS: &[(&str, &str)] = &[
    ("timezone", "TimeZone"),
    ("datestyle", "DateStyle"),
    ("intervalstyle", "IntervalStyle"),
    ("extra_float_digits", "extra_float_digits"),
    ("bytea_output", "bytea_output"),
];

/// A statement one server answers as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassthroughTarget {
    /// The server (a catalog of the session).
    pub server: String,
    /// The statement in the server's names.
    pub sql: String,
    /// `EXPLAIN` of the statement: answered with what would be sent, not run.
    pub explain: bool,
    /// The search path to run it under (identifiers, comma-separated), when its names are
    /// not all qualified: a statement the parser could not read ([`unparsed`]).
    pub search_path: Option<String>,
}

/// Functions whose answer is fedgate's, not the server's: the connection, the session, the
/// catalog (OIDs differ), sequences, and functions that run SQL text of their own.
const FEDGATE_FUNCTIONS: &[&str] = &[
    "version",
    "current_database",
    "current_catalog",
    "current_schema",
    "current_schemas",
    "current_user",
    "current_role",
    "session_user",
    "user",
    "current_setting",
    "set_config",
    "current_query",
    "inet_client_addr",
    "inet_client_port",
    "inet_server_addr",
    "inet_server_port",
    "nextval",
    "currval",
    "setval",
    "lastval",
    "row_security_active",
    "obj_description",
    "col_description",
    "shobj_description",
    "format_type",
];

/// Prefixes of such functions (`pg_*` catalog and admin functions, privileges, `to_reg*`,
/// large objects, transaction ids, `query_to_xml` and friends, dblink, fedgate's own).
const FEDGATE_FUNCTION_PREFIXES: &[&str] = &[
    "pg_",
    "has_",
    "to_reg",
    "lo_",
    "txid_",
    "query_to",
    "table_to",
    "cursor_to",
    "schema_to",
    "database_to",
    "dblink",
    "fedgate",
];

/// `pg_*` functions that compute from their arguments only (and `pg_sleep`, which then runs
/// where a cancel reaches it).
const SERVER_PG_FUNCTIONS: &[&str] = &[
    "pg_typeof",
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
    "pg_column_size",
    "pg_size_pretty",
    "pg_size_bytes",
];

impl PgSession {
    /// The server that answers `text` as written, and the text to send it; `None` when
    /// fedgate must plan it. `runs_sql` tells whether a server (catalog) can take whole
    /// statements.
    pub fn passthrough_target(
        &self,
        text: &str,
        runs_sql: &dyn Fn(&str) -> bool,
    ) -> Option<PassthroughTarget> {
        if self
            .setting(PASSTHROUGH_SETTING)
            .is_some_and(|v| is_off(&v))
        {
            return None;
        }
        let text = text.trim_end().trim_end_matches(';').trim_end();
        let parsed = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(text)
            .ok()?
            .parse_statements();
        let Ok(mut statements) = parsed else {
            return self.unparsed_passthrough_target(text, runs_sql);
        };
        if statements.len() != 1 {
            return None;
        }
        let statement = statements.pop()?;
        let (query, explain) = match &statement {
            Statement::Query(query) => (query.as_ref(), false),
            Statement::Explain {
                statement: inner,
                analyze: false,
                verbose: false,
                ..
            } => match inner.as_ref() {
                Statement::Query(query) => (query.as_ref(), true),
                _ => return None,
            },
            _ => return None,
        };
        let found = Inspection::of(query)?;
        let (server, replacements) = self.resolve_relations(&found)?;
        let server = match server {
            Some(server) => server,
            None => self.database.clone(),
        };
        if !runs_sql(&server) {
            return None;
        }
        let start = if explain {
            offset(text, query_start(query)?)?
        } else {
            0
        };
        let sql = splice(text, start, &replacements)?;
        Some(PassthroughTarget {
            server,
            sql,
            explain,
            search_path: None,
        })
    }

    /// The one server of every relation and each relation's replacement text; `None` when
    /// a relation is not a server's table or the relations span servers.
    fn resolve_relations(&self, found: &Inspection) -> Option<(Option<String>, Vec<Replacement>)> {
        let path = self.search_path();
        let mut server: Option<String> = None;
        let mut replacements = Vec::new();
        for name in &found.relations {
            let parts = name_parts(name)?;
            let resolved = match parts.as_slice() {
                [table] if found.ctes.contains(table) => {
                    if self.find_table(&path, name.0[0].as_ident()?).is_some() {
                        return None; // a CTE that shadows a table: leave it to fedgate
                    }
                    continue;
                }
                [_] => {
                    let full = self.find_table(&path, name.0[0].as_ident()?)?;
                    name_parts(&full)?
                }
                [schema, table] => vec![self.database.clone(), schema.clone(), table.clone()],
                [_, _, _] => parts.clone(),
                _ => return None,
            };
            let [catalog, schema, table] = resolved.as_slice() else {
                return None;
            };
            if !self.is_server_table(catalog, schema, table) {
                return None;
            }
            if server.get_or_insert_with(|| catalog.clone()) != catalog {
                return None;
            }
            let span = name_span(name)?;
            replacements.push((span, format!("{}.{}", quote(schema), quote(table))));
        }
        Some((server, replacements))
    }

    /// Whether `catalog.schema.table` is a table of a server (not fedgate's system schemas).
    fn is_server_table(&self, catalog: &str, schema: &str, table: &str) -> bool {
        if schema == PG_CATALOG || schema == "information_schema" {
            return false;
        }
        if catalog == fedgate_catalog::SYSTEM_CATALOG {
            return false;
        }
        self.catalog_list()
            .catalog(catalog)
            .and_then(|c| c.schema(schema))
            .is_some_and(|s| s.table_exist(table))
    }
}

/// A name's place in the text and what goes there.
type Replacement = (Span, String);

/// What a statement names: its relations and CTEs; `None` when something in it is
/// fedgate's own.
#[derive(Default)]
struct Inspection {
    relations: Vec<ObjectName>,
    ctes: HashSet<String>,
    refused: bool,
}

impl Inspection {
    fn of(query: &Query) -> Option<Self> {
        let mut inspection = Inspection::default();
        let _ = query.visit(&mut inspection);
        (!inspection.refused).then_some(inspection)
    }

    fn refuse(&mut self) -> ControlFlow<()> {
        self.refused = true;
        ControlFlow::Break(())
    }
}

impl Visitor for Inspection {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if !query.locks.is_empty() || query.for_clause.is_some() {
            return self.refuse();
        }
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(normalize(&cte.alias.name));
            }
            // Data-modifying CTEs are not queries.
            if with.cte_tables.iter().any(|c| {
                !matches!(
                    c.query.body.as_ref(),
                    SetExpr::Select(_)
                        | SetExpr::Query(_)
                        | SetExpr::SetOperation { .. }
                        | SetExpr::Values(_)
                )
            }) {
                return self.refuse();
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        if select.into.is_some() {
            return self.refuse();
        }
        let long_wildcard = select.projection.iter().any(|item| match item {
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                name.0.len() > 2
            }
            _ => false,
        });
        if long_wildcard {
            return self.refuse();
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        match factor {
            TableFactor::Table {
                name, args: None, ..
            } => self.relations.push(name.clone()),
            TableFactor::Table { name, .. } | TableFactor::Function { name, .. }
                if !is_server_function(name) =>
            {
                return self.refuse();
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        let fedgate_own = match expr {
            Expr::Function(function) => !is_server_function(&function.name),
            Expr::Identifier(ident) => {
                ident.quote_style.is_none()
                    && FEDGATE_FUNCTIONS.contains(&ident.value.to_lowercase().as_str())
            }
            Expr::CompoundIdentifier(parts) => parts.len() > 3,
            Expr::Cast { data_type, .. } => is_catalog_type(data_type),
            Expr::TypedString(typed) => is_catalog_type(&typed.data_type),
            _ => false,
        };
        if fedgate_own {
            return self.refuse();
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, value: &ValueWithSpan) -> ControlFlow<()> {
        // `$n` parameters go to the server with the values the client binds; other
        // placeholder spellings are not PostgreSQL's.
        if matches!(&value.value, Value::Placeholder(p) if !is_numbered_parameter(p)) {
            return self.refuse();
        }
        ControlFlow::Continue(())
    }
}

fn is_numbered_parameter(placeholder: &str) -> bool {
    placeholder
        .strip_prefix('$')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a function of this name answers the same on the server as through fedgate.
fn is_server_function(name: &ObjectName) -> bool {
    let Some(parts) = name_parts(name) else {
        return false;
    };
    let (schema, function) = match parts.as_slice() {
        [function] => (None, function.as_str()),
        [schema, function] => (Some(schema.as_str()), function.as_str()),
        _ => return false,
    };
    if schema.is_some_and(|s| s != PG_CATALOG) {
        return false; // a function of the server's own schemas: fedgate cannot vet it
    }
    if SERVER_PG_FUNCTIONS.contains(&function) {
        return true;
    }
    !FEDGATE_FUNCTIONS.contains(&function)
        && !FEDGATE_FUNCTION_PREFIXES
            .iter()
            .any(|p| function.starts_with(p))
        && !function.ends_with("_to_xml")
        && !function.ends_with("_to_xmlschema")
}

/// Casts to the `reg*` types read the catalog, whose OIDs are fedgate's.
fn is_catalog_type(data_type: &DataType) -> bool {
    match data_type {
        DataType::Regclass => true,
        DataType::Custom(name, _) => name_parts(name)
            .and_then(|p| p.last().cloned())
            .is_some_and(|t| t.starts_with("reg")),
        DataType::Array(_) => {
            // `regclass[]` and friends.
            data_type.to_string().to_lowercase().starts_with("reg")
        }
        _ => false,
    }
}

/// The parts of a name, normalized as DataFusion does (unquoted folds to lower case).
fn name_parts(name: &ObjectName) -> Option<Vec<String>> {
    name.0
        .iter()
        .map(|part| part.as_ident().map(normalize))
        .collect()
}

fn normalize(ident: &datafusion::sql::sqlparser::ast::Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// The text span of a name: from its first part to its last.
fn name_span(name: &ObjectName) -> Option<Span> {
    let first = name.0.first()?.as_ident()?.span;
    let last = name.0.last()?.as_ident()?.span;
    if first.start.line == 0 || last.end.line == 0 {
        return None;
    }
    Some(Span::new(first.start, last.end))
}

/// Where the query of an EXPLAIN starts.
fn query_start(query: &Query) -> Option<Location> {
    let span = query.span();
    (span.start.line > 0).then_some(span.start)
}

/// `"name"` with inner quotes doubled.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn is_off(value: &str) -> bool {
    matches!(
        value
            .trim()
            .trim_matches('\'')
            .to_ascii_lowercase()
            .as_str(),
        "off" | "false" | "0" | "no"
    )
}

/// The byte offset of a (1-based line, 1-based character column) location in `text`.
fn offset(text: &str, location: Location) -> Option<usize> {
    let mut line = 1;
    let mut column = 1;
    for (index, character) in text.char_indices() {
        if line == location.line && column == location.column {
            return Some(index);
        }
        if character == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line == location.line && column == location.column).then_some(text.len())
}

/// `text` from byte `start` with each span replaced by its text.
fn splice(text: &str, start: usize, replacements: &[(Span, String)]) -> Option<String> {
    let mut ranges = replacements
        .iter()
        .map(|(span, with)| Some((offset(text, span.start)?, offset(text, span.end)?, with)))
        .collect::<Option<Vec<_>>>()?;
    ranges.sort_by_key(|(from, _, _)| *from);
    let mut sql = String::with_capacity(text.len());
    let mut at = start;
    for (from, to, with) in ranges {
        if from < at || to < from {
            return None;
        }
        sql.push_str(&text[at..from]);
        sql.push_str(with);
        at = to;
    }
    sql.push_str(&text[at..]);
    Some(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans_of(sql: &str) -> Vec<(Span, String)> {
        let query = match Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap().pop() {
            Some(Statement::Query(q)) => q,
            other => panic!("not a query: {other:?}"),
        };
        let found = Inspection::of(&query).expect("not refused");
        found
            .relations
            .iter()
            .map(|n| (name_span(n).unwrap(), "X".to_string()))
            .collect()
    }

    #[test]
    fn splices_names_including_quotes_and_multibyte_text() {
        let sql = "SELECT 'é', e.* FROM pg.\"Public\".emp e JOIN \"dépt\" d ON true";
        let spliced = splice(sql, 0, &spans_of(sql)).unwrap();
        assert_eq!(spliced, "SELECT 'é', e.* FROM X e JOIN X d ON true");
        let multiline = "SELECT 1\nFROM\n  a.b.c\nWHERE x";
        assert_eq!(
            splice(multiline, 0, &spans_of(multiline)).unwrap(),
            "SELECT 1\nFROM\n  X\nWHERE x"
        );
    }

    fn refused(sql: &str) -> bool {
        match Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap().pop() {
            Some(Statement::Query(q)) => Inspection::of(&q).is_none(),
            _ => true,
        }
    }

    #[test]
    fn fedgate_own_constructs_are_refused() {
        for sql in [
            "SELECT version()",
            "SELECT current_user",
            "SELECT current_setting('TimeZone')",
            "SELECT pg_get_viewdef('v'::regclass)",
            "SELECT 'emp'::regclass",
            "SELECT * FROM t FOR UPDATE",
            "SELECT * INTO x FROM t",
            "SELECT public.my_function(1)",
            "SELECT query_to_xml('select 1', true, true, '')",
            "SELECT has_table_privilege('t', 'select')",
            "SELECT nextval('s')",
            "SELECT a.b.c.d FROM a.b.c",
            "SELECT * FROM pg_catalog.pg_get_keywords()",
        ] {
            assert!(refused(sql), "{sql} should stay with fedgate");
        }
        for sql in [
            "SELECT to_char(now(), 'YYYY'), pg_typeof(1), pg_catalog.upper('a')",
            "SELECT * FROM generate_series(1, 3) g",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SELECT pg_sleep(1)",
            "SELECT $1::int + $2",
        ] {
            assert!(!refused(sql), "{sql} should pass");
        }
    }

    #[test]
    fn settings_off() {
        assert!(is_off("off") && is_off("'false'") && is_off("0"));
        assert!(!is_off("on"));
    }
}
