//! Parsing statements, with PostgreSQL-compatibility rewrites that are safe for user data.
//!
//! datafusion-pg-catalog's parser rewrites client catalog queries so DataFusion can run
//! them, but some of its rules change results (it replaces correlated scalar subqueries in a
//! select list by NULL and adds `LIMIT 1` to uncorrelated ones). So its full parser is used
//! only for statements that read `pg_catalog`/`information_schema` (what psql and drivers
//! send to introspect); user queries get the plain PostgreSQL parser plus the rewrite rules
//! that only make PostgreSQL syntax acceptable to DataFusion.

use std::sync::Arc;

use datafusion::sql::sqlparser::ast::Statement;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion_pg_catalog::sql::rules::{
    AliasDuplicatedProjectionRewrite, CurrentUserVariableToSessionUserFunctionCall,
    FixArrayLiteral, FixVersionColumnName, PrependUnqualifiedPgTableName,
    ResolveUnqualifiedIdentifier, RewriteArrayAnyAllOperation, RewritePgCatalogOperator,
    RewriteRegCastToSubquery, SqlStatementRewriteRule, StripCallableQualifier,
};
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use crate::literals::PostgresLiterals;

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
            Arc::new(AliasDuplicatedProjectionRewrite),
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
        ];
        Self {
            compatibility: PostgresCompatibilityParser::new(),
            safe_rules,
        }
    }

    pub fn parse(&self, text: &str) -> Result<Vec<Statement>, ParserError> {
        let statements = match Parser::parse_sql(&PostgreSqlDialect {}, text) {
            Ok(statements) => statements,
            // Syntax only the compatibility parser accepts is left to it; it reports errors.
            Err(_) => return self.compatibility.parse(text),
        };
        if statements.iter().any(reads_system_catalogs) {
            return self.compatibility.parse(text);
        }
        Ok(statements
            .into_iter()
            .map(|s| self.safe_rules.iter().fold(s, |s, rule| rule.rewrite(s)))
            .collect())
    }
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
