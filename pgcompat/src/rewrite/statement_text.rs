//! PostgreSQL spellings sqlparser cannot read, respelled in the statement's text before it
//! is parsed again. Used only when the text as written does not parse:
//!
//! - `TABLE t ...` at the start of a statement is `SELECT * FROM t ...`;
//! - `inet '10.0.0.1'` (a constant of a PostgreSQL-only type named by its type) is
//!   `CAST('10.0.0.1' AS inet)`, so the planner reports the type as it does for any cast
//!   to it (0A000) instead of a syntax error.

use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

/// PostgreSQL-only types whose `type 'constant'` form sqlparser does not read.
const CONSTANT_TYPES: &[&str] = &["inet", "cidr", "macaddr", "macaddr8", "money"];

/// `text` respelled (see the module docs), or `None` when nothing applies.
pub(crate) fn respelled(text: &str) -> Option<String> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .ok()?;
    let mut out = String::with_capacity(text.len() + 16);
    let mut changed = false;
    let mut at_start = true;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if matches!(token, Token::Whitespace(_)) {
            out.push_str(&token.to_string());
            i += 1;
            continue;
        }
        if at_start && matches!(token, Token::Word(w) if w.keyword == Keyword::TABLE) {
            out.push_str("SELECT * FROM");
            changed = true;
        } else if let Some((type_name, value, next)) = typed_constant(&tokens, i) {
            out.push_str(&format!("CAST({value} AS {type_name})"));
            changed = true;
            i = next;
            at_start = false;
            continue;
        } else {
            out.push_str(&token.to_string());
        }
        at_start = matches!(token, Token::SemiColon);
        i += 1;
    }
    changed.then_some(out)
}

/// `inet '...'` at `i`: the type's name, the constant as written, and the index after it.
fn typed_constant(tokens: &[Token], i: usize) -> Option<(String, String, usize)> {
    let Token::Word(word) = &tokens[i] else {
        return None;
    };
    let name = word.value.to_ascii_lowercase();
    if word.quote_style.is_some() || !CONSTANT_TYPES.contains(&name.as_str()) {
        return None;
    }
    let mut next = i + 1;
    while matches!(tokens.get(next), Some(Token::Whitespace(_))) {
        next += 1;
    }
    let constant @ Token::SingleQuotedString(_) = tokens.get(next)? else {
        return None;
    };
    Some((name, constant.to_string(), next + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_statements_become_selects() {
        assert_eq!(
            respelled("TABLE dept ORDER BY id").as_deref(),
            Some("SELECT * FROM dept ORDER BY id")
        );
        assert_eq!(
            respelled("  table s.t; TABLE u").as_deref(),
            Some("  SELECT * FROM s.t; SELECT * FROM u")
        );
        assert_eq!(respelled("SELECT 1"), None);
    }

    #[test]
    fn typed_constants_of_postgres_only_types_become_casts() {
        assert_eq!(
            respelled("SELECT inet '10.0.0.1/8', host(inet '1.2.3.4')").as_deref(),
            Some("SELECT CAST('10.0.0.1/8' AS inet), host(CAST('1.2.3.4' AS inet))")
        );
        assert_eq!(respelled("SELECT inet FROM t"), None);
        assert_eq!(respelled("SELECT 'inet'"), None);
    }
}
