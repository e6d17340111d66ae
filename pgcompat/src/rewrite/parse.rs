//! Parsing statements, with PostgreSQL-compatibility rewrites that are safe for user data.
//!
//! datafusion-pg-catalog's parser rewrites client catalog queries so DataFusion can run
//! them, but some of its rules change results (it replaces correlated scalar subqueries in a
//! select list by NULL and adds `LIMIT 1` to uncorrelated ones). So its full parser is used
//! only for statements that read `pg_catalog`/`information_schema` (what psql and drivers
//! send to introspect); user queries get the plain PostgreSQL parser plus the rewrite rules
//! that only make PostgreSQL syntax acceptable to DataFusion. Every statement then gets
//! `crate::rewrite::pg_syntax`'s rewrites of expressions DataFusion cannot plan.

use std::sync::Arc;

use datafusion::sql::sqlparser::ast::Statement;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion_pg_catalog::sql::rules::{
    CurrentUserVariableToSessionUserFunctionCall, FixArrayLiteral, FixVersionColumnName,
    PrependUnqualifiedPgTableName, ResolveUnqualifiedIdentifier, RewriteArrayAnyAllOperation,
    RewritePgCatalogOperator, RewriteRegCastToSubquery, SqlStatementRewriteRule,
    StripCallableQualifier,
};
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use crate::rewrite::integer_sources::{RecursiveLiterals, SeriesTables};
use crate::rewrite::literals::PostgresLiterals;
use crate::rewrite::numbers::{PostgresArrayLiterals, PostgresOperators, SubqueryMembership};
use crate::rewrite::pg_clauses::PostgresClauses;
use crate::rewrite::pg_syntax::PostgresSyntax;

/// The first statement of `sql`, parsed with the plain PostgreSQL parser and no rewrite (the
/// input of the rewrite modules' unit tests).
#[cfg(test)]
pub(crate) fn plain_statement(sql: &str) -> Statement {
    Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .unwrap()
        .remove(0)
}

/// Parses one statement's text into statements.
pub struct StatementParser {
    compatibility: PostgresCompatibilityParser,
    safe_rules: Vec<Arc<dyn SqlStatementRewriteRule>>,
}

impl Default for StatementParser {
    fn default() -> Self {
        Self::new()
    }
}

impl StatementParser {
    pub fn new() -> Self {
        let safe_rules: Vec<Arc<dyn SqlStatementRewriteRule>> = vec![
            Arc::new(PostgresArrayLiterals),
            Arc::new(SubqueryMembership),
            Arc::new(ResolveUnqualifiedIdentifier),
            Arc::new(RewriteArrayAnyAllOperation),
            Arc::new(PrependUnqualifiedPgTableName),
            Arc::new(StripCallableQualifier),
            Arc::new(FixArrayLiteral),
            Arc::new(CurrentUserVariableToSessionUserFunctionCall),
            Arc::new(RewritePgCatalogOperator),
            Arc::new(RewriteRegCastToSubquery::new()),
            Arc::new(FixVersionColumnName),
            Arc::new(PostgresLiterals),
            Arc::new(PostgresOperators),
            Arc::new(SeriesTables),
            Arc::new(RecursiveLiterals),
        ];
        Self {
            compatibility: PostgresCompatibilityParser::new(),
            safe_rules,
        }
    }

    /// The parser every session shares (its rules hold no state).
    pub fn shared() -> &'static StatementParser {
        static PARSER: std::sync::OnceLock<StatementParser> = std::sync::OnceLock::new();
        PARSER.get_or_init(StatementParser::new)
    }

    pub fn parse(&self, text: &str) -> Result<Vec<Statement>, ParserError> {
        let statements = self.parse_with_rules(text)?;
        Ok(statements
            .into_iter()
            .map(|s| PostgresClauses.rewrite(PostgresSyntax.rewrite(s)))
            .map(crate::rewrite::query_forms::rewrite)
            .collect())
    }

    fn parse_with_rules(&self, text: &str) -> Result<Vec<Statement>, ParserError> {
        let joined = crate::rewrite::continued_strings::join_continued_strings(text);
        let text = joined.as_ref();
        let respelled;
        let (text, parsed) = match Parser::parse_sql(&PostgreSqlDialect {}, text) {
            Ok(statements) => (text, Ok(statements)),
            // PostgreSQL spellings sqlparser does not read, respelled and parsed again.
            Err(error) => match crate::rewrite::statement_text::respelled(text) {
                Some(spelled) => {
                    respelled = spelled;
                    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, &respelled);
                    (respelled.as_str(), parsed)
                }
                None => (text, Err(error)),
            },
        };
        let mut statements = match parsed {
            Ok(statements) => statements,
            // Syntax only the compatibility parser accepts is left to it; it reports errors.
            Err(_) => return self.compatibility.parse(text),
        };
        // `'name'::regclass` is resolved by the session (`crate::rewrite::reg_types`), not by
        // the compatibility rules.
        let mut marked = false;
        for statement in &mut statements {
            marked |= crate::rewrite::reg_types::mark_literal_casts(statement);
        }
        if statements.iter().any(reads_system_catalogs) {
            // The text is re-rendered only when a rewrite applies: the compatibility parser
            // reads some constructs only in their original spelling.
            let mut changed = marked;
            let rewritten: Vec<String> = statements
                .into_iter()
                .map(|s| {
                    let (statement, rewrote) = prepare_catalog_query(s);
                    changed |= rewrote;
                    statement.to_string()
                })
                .collect();
            let text = if changed {
                rewritten.join(";\n")
            } else {
                text.to_string()
            };
            let statements = self.compatibility.parse(&text)?;
            return Ok(statements
                .into_iter()
                .map(crate::rewrite::catalog_subqueries::rewrite)
                .map(crate::rewrite::catalog_vectors::rewrite)
                .collect());
        }
        Ok(statements
            .into_iter()
            .map(|s| self.safe_rules.iter().fold(s, |s, rule| rule.rewrite(s)))
            .collect())
    }
}

/// Rewrites of catalog queries that the compatibility parser's own rules get wrong:
/// - `x::regtype::text` becomes `format_type(x, NULL)`, the type's name (pgcli, asyncpg):
///   the compatibility rule turns `::regtype` into a scalar subquery, which yields the oid as
///   text and cannot run inside a recursive CTE;
/// - `'pg_catalog.array_in'::regproc` becomes the function's name `'array_in'` (pgjdbc):
///   `pg_type.typinput` and its siblings hold names here, not oids.
///
/// Returns the statement and whether a rewrite applied.
fn prepare_catalog_query(mut statement: Statement) -> (Statement, bool) {
    use datafusion::sql::sqlparser::ast::{
        visit_expressions_mut, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
        FunctionArgumentList, FunctionArguments, Ident, ObjectName, Value, ValueWithSpan,
    };
    use std::ops::ControlFlow;

    let is_custom = |data_type: &DataType, wanted: &str| match data_type {
        DataType::Custom(name, _) => name
            .0
            .last()
            .and_then(|part| part.as_ident())
            .is_some_and(|ident| ident.value.eq_ignore_ascii_case(wanted)),
        _ => false,
    };
    let is_text = |data_type: &DataType| {
        matches!(data_type, DataType::Text | DataType::Varchar(_)) || is_custom(data_type, "name")
    };
    let mut changed = false;
    let _ = visit_expressions_mut(&mut statement, |expr| {
        match expr {
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } if is_text(data_type) => {
                if let Expr::Cast {
                    expr: type_oid,
                    data_type: inner_type,
                    ..
                } = inner.as_ref()
                {
                    if is_custom(inner_type, "regtype") {
                        changed = true;
                        let argument = |e: Expr| FunctionArg::Unnamed(FunctionArgExpr::Expr(e));
                        *expr = Expr::Function(Function {
                            name: ObjectName::from(vec![Ident::new("format_type")]),
                            uses_odbc_syntax: false,
                            parameters: FunctionArguments::None,
                            args: FunctionArguments::List(FunctionArgumentList {
                                duplicate_treatment: None,
                                args: vec![
                                    argument((**type_oid).clone()),
                                    argument(Expr::Value(Value::Null.into())),
                                ],
                                clauses: vec![],
                            }),
                            filter: None,
                            null_treatment: None,
                            over: None,
                            within_group: vec![],
                        });
                    }
                }
            }
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } if is_custom(data_type, "regproc") => {
                if let Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(name),
                    ..
                }) = inner.as_ref()
                {
                    changed = true;
                    let unqualified = name.rsplit('.').next().unwrap_or(name).to_string();
                    *expr = Expr::Value(Value::SingleQuotedString(unqualified).into());
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    (statement, changed)
}

/// True when the statement reads a relation in `pg_catalog` or `information_schema`, a
/// `pg_*` relation, or calls a `pg_*` function: a client's catalog query. Aliases, column
/// names and string literals that merely look like `pg_*` do not count.
fn reads_system_catalogs(statement: &Statement) -> bool {
    use datafusion::sql::sqlparser::ast::{visit_expressions, visit_relations, Expr, ObjectName};
    use std::ops::ControlFlow;

    let is_system_name = |name: &ObjectName, whole_name: bool| {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|part| {
                part.as_ident()
                    .map(|ident| ident.value.to_ascii_lowercase())
            })
            .collect();
        let last_is_pg = parts.last().is_some_and(|last| last.starts_with("pg_"));
        let schema_is_system = whole_name
            && parts
                .iter()
                .any(|part| part == "pg_catalog" || part == "information_schema");
        last_is_pg || schema_is_system
    };
    let relation = visit_relations(statement, |name| {
        if is_system_name(name, true) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let function = visit_expressions(statement, |expr| match expr {
        Expr::Function(function) if is_system_name(&function.name, true) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    relation.is_break() || function.is_break()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_queries_keep_their_subqueries() {
        let parser = StatementParser::new();
        let sql = "SELECT c.name, (SELECT count(*) FROM o WHERE o.cid = c.id) FROM c";
        let statement = parser.parse(sql).unwrap().remove(0).to_string();
        assert!(statement.contains("SELECT count(*)"), "{statement}");
        assert!(!statement.contains("NULL"), "{statement}");
    }

    fn reads(sql: &str) -> bool {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
        statements.iter().any(reads_system_catalogs)
    }

    #[test]
    fn catalog_queries_use_the_compatibility_parser() {
        assert!(reads("SELECT * FROM pg_catalog.pg_class"));
        assert!(reads("SELECT * FROM pg_namespace n JOIN x ON true"));
        assert!(reads("select pg_table_is_visible(1)"));
        assert!(reads("SELECT * FROM information_schema.tables"));
        assert!(reads("SELECT (SELECT 1 FROM pg_class) AS c"));
    }

    fn prepared(sql: &str) -> String {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        prepare_catalog_query(statement).0.to_string()
    }

    #[test]
    fn regtype_names_and_regproc_literals_in_catalog_queries() {
        assert_eq!(
            prepared("SELECT atttypid::regtype::text FROM pg_attribute"),
            "SELECT format_type(atttypid, NULL) FROM pg_attribute"
        );
        assert_eq!(
            prepared("SELECT 1 FROM pg_type WHERE typinput = 'pg_catalog.array_in'::regproc"),
            "SELECT 1 FROM pg_type WHERE typinput = 'array_in'"
        );
        let parser = StatementParser::new();
        let statement = parser
            .parse("SELECT t.typname FROM pg_type t WHERE t.typinput = 'array_in'::regproc")
            .unwrap();
        assert_eq!(statement.len(), 1);
    }

    #[test]
    fn names_that_only_look_like_catalogs_do_not() {
        assert!(!reads("SELECT 'pg_x' FROM shop.orders"));
        assert!(!reads(
            "SELECT pg_customers.id FROM shop.customers AS pg_customers"
        ));
        assert!(!reads("SELECT pg_total FROM shop.orders"));
    }

    #[test]
    fn correlated_subquery_with_pg_alias_survives() {
        let parser = StatementParser::new();
        let sql = "SELECT (SELECT count(*) FROM o WHERE o.cid = pg_c.id) FROM c AS pg_c";
        let statement = parser.parse(sql).unwrap().remove(0).to_string();
        assert!(statement.contains("SELECT count(*)"), "{statement}");
    }
}

#[cfg(test)]
mod client_query_tests {
    use super::*;

    /// asyncpg's type introspection (`_TYPEINFO_13`, shortened to the parts rewritten).
    const ASYNCPG_TYPEINFO: &str = "SELECT t.oid AS oid, ns.nspname AS ns, (CASE WHEN t.typtype = 'd' THEN (WITH RECURSIVE typebases(oid, depth) AS (SELECT t2.typbasetype AS oid, 0 AS depth FROM pg_type t2 WHERE t2.oid = t.oid UNION ALL SELECT t2.typbasetype AS oid, tb.depth + 1 AS depth FROM pg_type t2, typebases tb WHERE tb.oid = t2.oid AND t2.typbasetype != 0) SELECT oid FROM typebases ORDER BY depth DESC LIMIT 1) ELSE NULL END) AS basetype, t.typelem::regtype::text AS elemtype_name FROM pg_catalog.pg_type AS t INNER JOIN pg_catalog.pg_namespace ns ON (ns.oid = t.typnamespace)";

    #[test]
    fn asyncpg_type_introspection() {
        let parser = StatementParser::new();
        let statement = parser
            .parse(ASYNCPG_TYPEINFO)
            .unwrap()
            .remove(0)
            .to_string();
        assert!(!statement.contains("RECURSIVE"), "{statement}");
        assert!(statement.contains("THEN t.typbasetype"), "{statement}");
        assert!(
            statement.contains("format_type(t.typelem, NULL)"),
            "{statement}"
        );
    }
}
