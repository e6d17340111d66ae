//! `x [NOT] SIMILAR TO 'pattern' [ESCAPE 'c']` as PostgreSQL reads it.
//!
//! DataFusion runs a SIMILAR TO pattern as a regular expression searched anywhere in the
//! value, with `%` and `_` as literal characters: `'abc' SIMILAR TO '%(b|d)%'` was false and
//! `w SIMILAR TO '[0-9]+'` matched `'15 | 100%'`. PostgreSQL translates the pattern into a
//! regular expression matching the whole value (`similar_to_escape`): `%` is `.*`, `_` is
//! `.`, a group is non-capturing, `.`, `^`, `$` and `\` are literal, the escape character
//! (`\` unless `ESCAPE` says otherwise) makes the next character literal, and bracket
//! expressions pass through. With a constant pattern (and escape), the comparison becomes
//! `x ~ 'translated'` (`!~` for NOT); other patterns keep DataFusion's reading.

use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, Value};

/// Rewrites one `SIMILAR TO` expression (see the module documentation).
pub(crate) fn rewrite_similar_to(expr: &mut Expr) {
    let Expr::SimilarTo {
        negated,
        expr: subject,
        pattern,
        escape_char,
    } = expr
    else {
        return;
    };
    let Some(pattern) = constant_text(pattern) else {
        return;
    };
    let escape = match escape_char.as_ref().map(|v| &v.value) {
        None => Some('\\'),
        Some(Value::SingleQuotedString(s)) if s.is_empty() => None,
        Some(Value::SingleQuotedString(s)) if s.chars().count() == 1 => s.chars().next(),
        // A NULL or longer escape is left to DataFusion's error or NULL.
        _ => return,
    };
    let op = if *negated {
        BinaryOperator::PGRegexNotMatch
    } else {
        BinaryOperator::PGRegexMatch
    };
    *expr = Expr::BinaryOp {
        left: subject.clone(),
        op,
        right: Box::new(Expr::Value(
            Value::SingleQuotedString(similar_to_regex(&pattern, escape)).into(),
        )),
    };
}

fn constant_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Nested(inner) => constant_text(inner),
        _ => None,
    }
}

/// PostgreSQL's translation of a SIMILAR TO pattern into a regular expression anchored at
/// both ends (`similar_escape_internal`).
fn similar_to_regex(pattern: &str, escape: Option<char>) -> String {
    let mut regex = String::from("(?s)^(?:");
    let mut after_escape = false;
    let mut in_brackets = false;
    let mut quotes = 0;
    for c in pattern.chars() {
        if after_escape {
            if c == '"' && !in_brackets {
                // `#"` separates the parts `substring` returns; for a match, a group.
                regex.push_str(if quotes % 2 == 0 { "(?:" } else { ")" });
                quotes += 1;
            } else {
                push_literal(&mut regex, c);
            }
            after_escape = false;
        } else if Some(c) == escape {
            after_escape = true;
        } else if in_brackets {
            if c == '\\' {
                regex.push('\\');
            }
            regex.push(c);
            in_brackets = c != ']';
        } else {
            match c {
                '[' => {
                    regex.push(c);
                    in_brackets = true;
                }
                '%' => regex.push_str(".*"),
                '_' => regex.push('.'),
                '(' => regex.push_str("(?:"),
                '\\' | '.' | '^' | '$' => push_literal(&mut regex, c),
                _ => regex.push(c),
            }
        }
    }
    regex.push_str(")$");
    regex
}

/// `c` matched as itself.
fn push_literal(regex: &mut String, c: char) {
    if !c.is_alphanumeric() && !c.is_whitespace() {
        regex.push('\\');
    }
    regex.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_translate_as_postgres() {
        assert_eq!(
            similar_to_regex("%(b|d)%", Some('\\')),
            "(?s)^(?:.*(?:b|d).*)$"
        );
        assert_eq!(similar_to_regex("[0-9]+", Some('\\')), "(?s)^(?:[0-9]+)$");
        assert_eq!(similar_to_regex("a_c.d", Some('\\')), "(?s)^(?:a.c\\.d)$");
        assert_eq!(similar_to_regex("100#%", Some('#')), "(?s)^(?:100\\%)$");
        assert_eq!(similar_to_regex("a\\b", None), "(?s)^(?:a\\\\b)$");
    }

    #[test]
    fn constant_patterns_become_regex_matches() {
        let mut statement = crate::rewrite::parse::plain_statement(
            "SELECT 'abc' SIMILAR TO 'a(b|x)c', w NOT SIMILAR TO 'x%' ESCAPE '#', w SIMILAR TO p",
        );
        let _ = datafusion::sql::sqlparser::ast::visit_expressions_mut(&mut statement, |e| {
            rewrite_similar_to(e);
            std::ops::ControlFlow::<()>::Continue(())
        });
        assert_eq!(
            statement.to_string(),
            "SELECT 'abc' ~ '(?s)^(?:a(?:b|x)c)$', w !~ '(?s)^(?:x.*)$', w SIMILAR TO p"
        );
    }
}
