//! Pass-through of queries fedgate's SQL parser cannot read.
//!
//! PostgreSQL's grammar is larger than the parser's (`TABLE t`, window frames with
//! `EXCLUDE`, `SIMILAR ... ESCAPE` in `substring`, `inet '...'` literals, ...). When a query
//! does not parse but its tables evidently live on one PostgreSQL server, that server
//! answers it: its grammar, its values, its errors. What is evident is decided from the
//! tokens alone, conservatively:
//!
//! - the statement starts as a query does (`SELECT`, `WITH`, `TABLE`, `VALUES`, `(`) and is
//!   one statement, without parameters and without a word that writes or locks (`INTO`,
//!   `UPDATE`, `INSERT`, `DELETE`, `MERGE`, `SHARE`);
//! - no word names something of fedgate's own: `pg_*` and `information_schema` (the
//!   catalog fedgate keeps), fedgate's session and catalog functions, `reg*` types;
//! - every `server.schema.table` name is on the same server, rewritten to `schema.table`; a
//!   `schema.table` or a lone word that is a table along the session's search path must be
//!   on that server too (a column that happens to share a table's name elsewhere makes
//!   fedgate refuse, never guess);
//! - the server runs whole statements, and the statement runs there with the session's
//!   search path reduced to that server's schemas, so unqualified names resolve as they
//!   do through fedgate.
//!
//! Anything else keeps the parser's syntax error.

use datafusion::sql::sqlparser::ast::{Ident, ObjectName};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Span, Token, TokenWithSpan, Tokenizer, Word};

use super::{is_server_function, quote, splice, PassthroughTarget, Replacement};
use crate::catalog::system_tables::PG_CATALOG;
use crate::session::PgSession;

/// Words that make a statement write, lock or store: never passed without parsing.
const WRITING_KEYWORDS: &[Keyword] = &[
    Keyword::INTO,
    Keyword::UPDATE,
    Keyword::INSERT,
    Keyword::DELETE,
    Keyword::MERGE,
    Keyword::SHARE,
    Keyword::COPY,
    Keyword::CALL,
];

/// Words a query may start with.
const QUERY_STARTS: &[Keyword] = &[
    Keyword::SELECT,
    Keyword::WITH,
    Keyword::TABLE,
    Keyword::VALUES,
];

impl PgSession {
    /// The server that answers `text`, a query the parser rejected, and the text to send;
    /// `None` unless the tokens make that evident (module docs).
    pub(super) fn unparsed_passthrough_target(
        &self,
        text: &str,
        runs_sql: &dyn Fn(&str) -> bool,
    ) -> Option<PassthroughTarget> {
        let tokens: Vec<TokenWithSpan> = Tokenizer::new(&PostgreSqlDialect {}, text)
            .tokenize_with_location()
            .ok()?
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .collect();
        if !starts_a_query(tokens.first()?) || tokens.iter().any(|t| writes_or_binds(&t.token)) {
            return None;
        }
        let names = name_chains(&tokens);
        if names.iter().flatten().any(is_fedgate_word) {
            return None;
        }
        let mut servers: Vec<String> = Vec::new();
        let mut replacements: Vec<Replacement> = Vec::new();
        for chain in &names {
            let (server, replacement) = self.classify_chain(chain)?;
            servers.extend(server);
            replacements.extend(replacement);
        }
        servers.sort();
        servers.dedup();
        let server = match servers.as_slice() {
            [] => self.database.clone(),
            [one] => one.clone(),
            _ => return None,
        };
        if !runs_sql(&server) {
            return None;
        }
        let sql = splice(text, 0, &replacements)?;
        Some(PassthroughTarget {
            server: server.clone(),
            sql,
            explain: false,
            search_path: self.search_path_on(&server),
        })
    }

    /// For one dotted name: the server it names (if any) and its replacement; `None` when
    /// the name is fedgate's or of an unclear kind.
    fn classify_chain(&self, chain: &[NamePart]) -> Option<ChainMeaning> {
        let parts: Vec<String> = chain.iter().map(|p| p.normalized.clone()).collect();
        match parts.as_slice() {
            [word] => {
                let found = self.find_table(&self.search_path(), &Ident::new(word.clone()));
                match found.as_ref().map(name_strings) {
                    None => Some((None, None)),
                    Some(Some(full)) if self.is_listed_table(&full[0], &full[1], &full[2]) => {
                        Some((Some(full[0].clone()), None))
                    }
                    Some(_) => None, // a system table, or a name of unclear kind
                }
            }
            [schema, table] => {
                let catalog = self.database.clone();
                Some((
                    self.is_listed_table(&catalog, schema, table)
                        .then_some(catalog),
                    None,
                ))
            }
            [catalog, schema, table] if self.catalog_list().catalog(catalog).is_some() => {
                if !self.is_listed_table(catalog, schema, table) {
                    return None;
                }
                let span = Span::new(chain[0].span.start, chain[2].span.end);
                let with = format!("{}.{}", quote(schema), quote(table));
                Some((Some(catalog.clone()), Some((span, with))))
            }
            // schema.table.column of the server itself
            [_, _, _] => Some((None, None)),
            _ => None,
        }
    }

    fn is_listed_table(&self, catalog: &str, schema: &str, table: &str) -> bool {
        schema != PG_CATALOG
            && schema != "information_schema"
            && self
                .catalog_list()
                .catalog(catalog)
                .and_then(|c| c.schema(schema))
                .is_some_and(|s| s.table_exist(table))
    }

    /// The session's search path reduced to `server`'s schemas, as identifiers.
    fn search_path_on(&self, server: &str) -> Option<String> {
        let schemas: Vec<String> = self
            .search_path()
            .into_iter()
            .filter(|e| e.catalog.as_deref().unwrap_or(&self.database) == server)
            .map(|e| quote(&e.schema))
            .collect();
        (!schemas.is_empty()).then(|| schemas.join(", "))
    }
}

/// What a dotted name means: the server whose table it names (if any) and the text that
/// replaces it.
type ChainMeaning = (Option<String>, Option<Replacement>);

/// One part of a dotted name, normalized as identifiers are (unquoted folds to lower case).
struct NamePart {
    normalized: String,
    span: Span,
}

fn starts_a_query(first: &TokenWithSpan) -> bool {
    match &first.token {
        Token::LParen => true,
        Token::Word(word) => word.quote_style.is_none() && QUERY_STARTS.contains(&word.keyword),
        _ => false,
    }
}

fn writes_or_binds(token: &Token) -> bool {
    match token {
        Token::SemiColon | Token::Placeholder(_) => true,
        Token::Word(word) => word.quote_style.is_none() && WRITING_KEYWORDS.contains(&word.keyword),
        _ => false,
    }
}

/// The dotted names of the statement (`a`, `a.b`, `a.b.c`): words joined by periods. Words
/// after `AS` or a type-cast `::` are names too and go through the same checks.
fn name_chains(tokens: &[TokenWithSpan]) -> Vec<Vec<NamePart>> {
    let mut chains: Vec<Vec<NamePart>> = Vec::new();
    let mut current: Vec<NamePart> = Vec::new();
    let mut after_period = false;
    for token in tokens {
        match &token.token {
            Token::Word(word) if current.is_empty() || after_period => {
                current.push(part(word, token.span));
                after_period = false;
            }
            Token::Period if !current.is_empty() && !after_period => after_period = true,
            other => {
                if !current.is_empty() {
                    chains.push(std::mem::take(&mut current));
                }
                after_period = false;
                if let Token::Word(word) = other {
                    current.push(part(word, token.span));
                }
            }
        }
    }
    if !current.is_empty() {
        chains.push(current);
    }
    chains
        .into_iter()
        .filter(|chain| !(chain.len() == 1 && is_plain_keyword(&chain[0])))
        .collect()
}

fn part(word: &Word, span: Span) -> NamePart {
    let normalized = match word.quote_style {
        Some(_) => word.value.clone(),
        None => word.value.to_lowercase(),
    };
    NamePart { normalized, span }
}

/// SQL's reserved words alone are not names (`SELECT`, `FROM`, `ORDER`, ...); fedgate only
/// needs to look at words that may name a table.
fn is_plain_keyword(part: &NamePart) -> bool {
    matches!(
        part.normalized.as_str(),
        "select"
            | "from"
            | "where"
            | "group"
            | "by"
            | "order"
            | "having"
            | "limit"
            | "offset"
            | "and"
            | "or"
            | "not"
            | "as"
            | "on"
            | "join"
            | "left"
            | "right"
            | "full"
            | "inner"
            | "outer"
            | "cross"
            | "union"
            | "intersect"
            | "except"
            | "all"
            | "distinct"
            | "case"
            | "when"
            | "then"
            | "else"
            | "end"
            | "is"
            | "null"
            | "true"
            | "false"
            | "in"
            | "between"
            | "like"
            | "ilike"
            | "similar"
            | "escape"
            | "asc"
            | "desc"
            | "nulls"
            | "first"
            | "last"
            | "with"
            | "table"
            | "values"
            | "over"
            | "partition"
            | "rows"
            | "range"
            | "groups"
            | "preceding"
            | "following"
            | "current"
            | "row"
            | "exclude"
            | "ties"
            | "others"
            | "no"
            | "unbounded"
            | "fetch"
            | "next"
            | "only"
            | "lateral"
            | "using"
            | "natural"
            | "window"
            | "filter"
            | "within"
            | "recursive"
    )
}

/// Whether a word names something whose answer is fedgate's, not the server's: its catalog
/// (`pg_*`, `information_schema`, `fedgate_*`), its session and catalog functions, the
/// `reg*` types that read its catalog.
fn is_fedgate_word(part: &NamePart) -> bool {
    let word = part.normalized.as_str();
    word == "information_schema"
        || word.starts_with("fedgate")
        || CATALOG_TYPES.contains(&word)
        || !is_server_function(&ObjectName::from(vec![Ident::new(word)]))
}

/// The types whose values are catalog OIDs.
const CATALOG_TYPES: &[&str] = &[
    "regclass",
    "regtype",
    "regproc",
    "regprocedure",
    "regoper",
    "regoperator",
    "regnamespace",
    "regrole",
    "regconfig",
    "regdictionary",
    "regcollation",
];

/// The parts of a resolved name (catalog, schema, table).
fn name_strings(name: &ObjectName) -> Option<[String; 3]> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect::<Option<_>>()?;
    parts.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(sql: &str) -> Vec<TokenWithSpan> {
        Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap()
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .collect()
    }

    fn chains(sql: &str) -> Vec<String> {
        name_chains(&tokens(sql))
            .iter()
            .map(|c| {
                c.iter()
                    .map(|p| p.normalized.as_str())
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect()
    }

    #[test]
    fn dotted_names_are_found() {
        assert_eq!(
            chains("TABLE pg.public.\"Emp\" ORDER BY e.id"),
            vec!["pg.public.Emp", "e.id"]
        );
        assert_eq!(
            chains("SELECT sum(id) OVER (ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM dept"),
            vec!["sum", "id", "dept"]
        );
    }

    #[test]
    fn writes_locks_and_parameters_are_never_passed() {
        for sql in [
            "SELECT * INTO t2 FROM t",
            "SELECT * FROM t FOR UPDATE",
            "SELECT * FROM t FOR SHARE",
            "SELECT $1",
            "SELECT 1; SELECT 2",
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
        ] {
            assert!(
                tokens(sql).iter().any(|t| writes_or_binds(&t.token)),
                "{sql}"
            );
        }
        assert!(!tokens("TABLE t").iter().any(|t| writes_or_binds(&t.token)));
    }

    #[test]
    fn fedgate_words_are_recognised() {
        let word = |w: &str| NamePart {
            normalized: w.to_string(),
            span: Span::empty(),
        };
        for w in [
            "pg_class",
            "information_schema",
            "current_user",
            "version",
            "regclass",
            "has_table_privilege",
            "fedgate_query_log",
            "current_setting",
        ] {
            assert!(is_fedgate_word(&word(w)), "{w}");
        }
        for w in [
            "emp",
            "pg_typeof",
            "substring",
            "inet",
            "masklen",
            "sum",
            "id",
        ] {
            assert!(!is_fedgate_word(&word(w)), "{w}");
        }
    }
}
