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
        ];
        Self {
            compatibility: PostgresCompatibilityParser::new(),
            safe_rules,
        }
    }

    pub fn parse(&self, text: &str) -> Result<Vec<Statement>, ParserError> {
        if reads_system_catalogs(text) {
            return self.compatibility.parse(text);
        }
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, text)?;
        Ok(statements
            .into_iter()
            .map(|s| self.safe_rules.iter().fold(s, |s, rule| rule.rewrite(s)))
            .collect())
    }
}

/// True when the text names `pg_catalog`, `information_schema` or a `pg_*` relation or
/// function: a client's catalog query.
fn reads_system_catalogs(text: &str) -> bool {
    use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return false;
    };
    tokens.iter().any(|token| match token {
        Token::Word(word) => {
            let lower = word.value.to_ascii_lowercase();
            lower.starts_with("pg_") || lower == "information_schema"
        }
        _ => false,
    })
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

    #[test]
    fn catalog_queries_use_the_compatibility_parser() {
        assert!(reads_system_catalogs("SELECT * FROM pg_catalog.pg_class"));
        assert!(reads_system_catalogs("select pg_table_is_visible(1)"));
        assert!(reads_system_catalogs(
            "SELECT * FROM information_schema.tables"
        ));
        assert!(!reads_system_catalogs("SELECT 'pg_x' FROM shop.orders"));
    }
}
