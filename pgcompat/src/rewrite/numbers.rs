//! PostgreSQL's reading of number and array expressions where sqlparser or the shared
//! compatibility rules read them otherwise, rewritten in user statements:
//!
//! - [`PostgresArrayLiterals`] (before the compatibility rules): `'{1,NULL,"a b"}'::int[]`
//!   is read with PostgreSQL's array syntax (quoted elements, `NULL`, nested braces,
//!   whitespace) into `CAST(ARRAY['1', NULL, ...] AS int[])`, so each element is read as the
//!   element type (a bad one is 22P02) and `NULL` is a NULL; text that is not an array
//!   literal (`'{1,2'`) fails with 22P02 `malformed array literal` when evaluated. The
//!   compatibility rule splits on commas and fails on `NULL` or quotes.
//! - [`PostgresOperators`] (after them): unary minus binds tighter than `^` in PostgreSQL
//!   (`-2 ^ 2` is 4), sqlparser reads `-(2 ^ 2)`; and `x = ANY (array)`, which the
//!   compatibility rule spells `array_contains(array, x)` (two-valued), is planned as
//!   `pg_any_equal` (`crate::functions::arrays`), PostgreSQL's three-valued answer, named
//!   `?column?` as in PostgreSQL.
//! - A string constant compared with a boolean constant (`true = 't'`) is read as a
//!   boolean, as PostgreSQL reads an untyped constant (DataFusion finds no common type);
//! - [`SubqueryMembership`] (before the compatibility rules): `x = ANY (SELECT ...)` is
//!   `x IN (SELECT ...)` and `x <> ALL (SELECT ...)` is `x NOT IN (SELECT ...)` in
//!   PostgreSQL; they are planned so, as the compatibility rule would spell them
//!   `array_contains(subquery, x)`, which takes an array, not a set of rows.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, Array, ArrayElemTypeDef, BinaryOperator, DataType, Expr, Ident,
    ObjectName, ObjectNamePart, Statement, UnaryOperator, Value, ValueWithSpan,
};
use datafusion_pg_catalog::sql::rules::SqlStatementRewriteRule;

use super::pg_syntax::call;
use crate::functions::arrays::{ANY_EQUAL, MALFORMED_ARRAY};

/// Array literal text read as PostgreSQL reads it (see the module documentation).
#[derive(Debug, Default)]
pub struct PostgresArrayLiterals;

impl SqlStatementRewriteRule for PostgresArrayLiterals {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = visit_expressions_mut(&mut statement, |expr| {
            rewrite_array_literal(expr);
            ControlFlow::<()>::Continue(())
        });
        statement
    }
}

/// `= ANY`/`<> ALL` over a subquery as `[NOT] IN` (see the module documentation).
#[derive(Debug, Default)]
pub struct SubqueryMembership;

impl SqlStatementRewriteRule for SubqueryMembership {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = visit_expressions_mut(&mut statement, |expr| {
            if let Some(membership) = subquery_membership(expr) {
                *expr = membership;
            }
            ControlFlow::<()>::Continue(())
        });
        statement
    }
}

/// `x = ANY (subquery)` as `x IN (subquery)`, `x <> ALL (subquery)` as `x NOT IN (subquery)`.
fn subquery_membership(expr: &Expr) -> Option<Expr> {
    let (left, right, negated) = match expr {
        Expr::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } => (left, right, false),
        Expr::AllOp {
            left,
            compare_op: BinaryOperator::NotEq,
            right,
        } => (left, right, true),
        _ => return None,
    };
    let Expr::Subquery(subquery) = right.as_ref() else {
        return None;
    };
    Some(Expr::InSubquery {
        expr: left.clone(),
        subquery: subquery.clone(),
        negated,
    })
}

/// Operators read as PostgreSQL reads them (see the module documentation).
#[derive(Debug, Default)]
pub struct PostgresOperators;

impl SqlStatementRewriteRule for PostgresOperators {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = visit_expressions_mut(&mut statement, |expr| {
            bind_minus_before_power(expr);
            boolean_text_comparison(expr);
            rename_any_equal(expr);
            ControlFlow::<()>::Continue(())
        });
        statement
    }
}

fn rewrite_array_literal(expr: &mut Expr) {
    let Expr::Cast {
        expr: inner,
        data_type: DataType::Array(_),
        ..
    } = expr
    else {
        return;
    };
    let Expr::Value(ValueWithSpan {
        value: Value::SingleQuotedString(text),
        ..
    }) = inner.as_ref()
    else {
        return;
    };
    let text = text.clone();
    let text = text.as_str();
    let parsed = parse_array(text);
    if let (Some(element), Expr::Cast { data_type, .. }) = (&parsed, &mut *expr) {
        // `int[]` of `{{1,2},{3,4}}` is cast as `int[][]`, the shape of the value.
        *data_type = nested_array_type(base_type(data_type), depth(element));
    }
    let Expr::Cast { expr: inner, .. } = expr else {
        return;
    };
    **inner = match parsed {
        Some(element) => element_expr(element),
        None => call(MALFORMED_ARRAY, vec![string(text)]),
    };
}

fn base_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Array(
            ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::Parenthesis(inner),
        ) => base_type(inner),
        other => other.clone(),
    }
}

fn nested_array_type(base: DataType, depth: usize) -> DataType {
    (0..depth.max(1)).fold(base, |t, _| {
        DataType::Array(ArrayElemTypeDef::SquareBracket(Box::new(t), None))
    })
}

/// The number of dimensions of a parsed array (read from its first elements).
fn depth(element: &Element) -> usize {
    match element {
        Element::Array(items) => 1 + items.first().map_or(0, depth),
        _ => 0,
    }
}

/// One element of a PostgreSQL array literal.
#[derive(Debug, PartialEq)]
enum Element {
    Null,
    Text(String),
    Array(Vec<Element>),
}

fn element_expr(element: Element) -> Expr {
    match element {
        Element::Null => Expr::Value(Value::Null.into()),
        Element::Text(text) => string(&text),
        // Unnamed (`[...]`): planned as ARRAY[...], named by the cast's type.
        Element::Array(items) => Expr::Array(Array {
            elem: items.into_iter().map(element_expr).collect(),
            named: false,
        }),
    }
}

fn string(text: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(text.to_string()).into())
}

/// PostgreSQL's array input (`array_in`), one dimension or more; `None` when malformed.
fn parse_array(text: &str) -> Option<Element> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = skip_space(&chars, 0);
    let element = parse_braces(&chars, &mut at)?;
    (skip_space(&chars, at) == chars.len()).then_some(element)
}

fn skip_space(chars: &[char], mut at: usize) -> usize {
    while at < chars.len() && chars[at].is_whitespace() {
        at += 1;
    }
    at
}

fn parse_braces(chars: &[char], at: &mut usize) -> Option<Element> {
    if chars.get(*at) != Some(&'{') {
        return None;
    }
    *at = skip_space(chars, *at + 1);
    let mut items = Vec::new();
    if chars.get(*at) == Some(&'}') {
        *at += 1;
        return Some(Element::Array(items));
    }
    loop {
        *at = skip_space(chars, *at);
        let item = match chars.get(*at)? {
            '{' => parse_braces(chars, at)?,
            '"' => parse_quoted(chars, at)?,
            _ => parse_unquoted(chars, at)?,
        };
        items.push(item);
        *at = skip_space(chars, *at);
        match chars.get(*at)? {
            ',' => *at += 1,
            '}' => {
                *at += 1;
                return Some(Element::Array(items));
            }
            _ => return None,
        }
    }
}

fn parse_quoted(chars: &[char], at: &mut usize) -> Option<Element> {
    let mut text = String::new();
    *at += 1;
    loop {
        match chars.get(*at)? {
            '"' => {
                *at += 1;
                return Some(Element::Text(text));
            }
            '\\' => {
                text.push(*chars.get(*at + 1)?);
                *at += 2;
            }
            c => {
                text.push(*c);
                *at += 1;
            }
        }
    }
}

fn parse_unquoted(chars: &[char], at: &mut usize) -> Option<Element> {
    let mut text = String::new();
    while let Some(c) = chars.get(*at) {
        match c {
            ',' | '}' => break,
            '{' | '"' => return None,
            '\\' => {
                text.push(*chars.get(*at + 1)?);
                *at += 2;
                continue;
            }
            c => text.push(*c),
        }
        *at += 1;
    }
    let text = text.trim_end().to_string();
    if text.is_empty() {
        return None;
    }
    Some(if text.eq_ignore_ascii_case("null") {
        Element::Null
    } else {
        Element::Text(text)
    })
}

/// `true = 't'` (either side, any comparison) with the string constant cast to boolean.
fn boolean_text_comparison(expr: &mut Expr) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    let compares = matches!(
        op,
        BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
    );
    let constant = |e: &Expr, boolean: bool| match e {
        Expr::Value(v) => match &v.value {
            Value::Boolean(_) => boolean,
            Value::SingleQuotedString(_) => !boolean,
            _ => false,
        },
        _ => false,
    };
    let as_boolean = |e: &mut Box<Expr>| {
        let text = std::mem::replace(e.as_mut(), Expr::Value(Value::Null.into()));
        **e = Expr::Cast {
            kind: datafusion::sql::sqlparser::ast::CastKind::Cast,
            expr: Box::new(text),
            data_type: DataType::Boolean,
            array: false,
            format: None,
        };
    };
    if !compares {
        return;
    }
    if constant(left, true) && constant(right, false) {
        as_boolean(right);
    } else if constant(left, false) && constant(right, true) {
        as_boolean(left);
    }
}

/// `-a ^ b` as `(-a) ^ b`, down the left side of a `^` chain (`-2 ^ 3 ^ 2` is 64).
fn bind_minus_before_power(expr: &mut Expr) {
    if let Some(rebound) = minus_into_power(expr) {
        *expr = rebound;
    }
}

fn minus_into_power(expr: &Expr) -> Option<Expr> {
    let Expr::UnaryOp {
        op: UnaryOperator::Minus,
        expr: operand,
    } = expr
    else {
        return None;
    };
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::PGExp,
        right,
    } = operand.as_ref()
    else {
        return None;
    };
    let negated_left = Expr::UnaryOp {
        op: UnaryOperator::Minus,
        expr: left.clone(),
    };
    let left = minus_into_power(&negated_left).unwrap_or(negated_left);
    Some(Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::PGExp,
        right: right.clone(),
    })
}

fn rename_any_equal(expr: &mut Expr) {
    if let Expr::Function(function) = expr {
        let is_contains = function.name.0.len() == 1
            && function.name.0[0]
                .as_ident()
                .is_some_and(|i| i.value.eq_ignore_ascii_case("array_contains"));
        if is_contains {
            function.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(ANY_EQUAL))]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::parse::plain_statement;

    fn text(element: &str) -> Element {
        Element::Text(element.to_string())
    }

    #[test]
    fn array_input_as_postgres() {
        assert_eq!(
            parse_array("{1, NULL ,\"a b\",\"x\\\"y\"}"),
            Some(Element::Array(vec![
                text("1"),
                Element::Null,
                text("a b"),
                text("x\"y")
            ]))
        );
        assert_eq!(
            parse_array(" {{1,2},{3,4}} "),
            Some(Element::Array(vec![
                Element::Array(vec![text("1"), text("2")]),
                Element::Array(vec![text("3"), text("4")]),
            ]))
        );
        assert_eq!(parse_array("{}"), Some(Element::Array(vec![])));
        assert_eq!(parse_array("{1,2"), None);
        assert_eq!(parse_array("1,2}"), None);
        assert_eq!(parse_array("{1,,2}"), None);
        assert_eq!(parse_array("{1} x"), None);
    }

    #[test]
    fn subquery_quantifiers_as_membership() {
        let statement = plain_statement(
            "SELECT 1 = ANY (SELECT 2), 1 <> ALL (SELECT 2), 1 > ALL (SELECT 2), 1 = ANY (ARRAY[2])",
        );
        assert_eq!(
            SubqueryMembership.rewrite(statement).to_string(),
            "SELECT 1 IN (SELECT 2), 1 NOT IN (SELECT 2), 1 > ALL(SELECT 2), 1 = ANY(ARRAY[2])"
        );
    }

    #[test]
    fn text_constants_compared_with_booleans_are_booleans() {
        let statement = plain_statement("SELECT true = 't', 'no' < false, 'a' = 'b', 1 = 't'");
        assert_eq!(
            PostgresOperators.rewrite(statement).to_string(),
            "SELECT true = CAST('t' AS BOOLEAN), CAST('no' AS BOOLEAN) < false, 'a' = 'b', 1 = 't'"
        );
    }

    #[test]
    fn minus_binds_before_power() {
        let mut statement = plain_statement("SELECT -2 ^ 2, -2 ^ 3 ^ 2, -(2 ^ 2)");
        statement = PostgresOperators.rewrite(statement);
        assert_eq!(statement.to_string(), "SELECT -2 ^ 2, -2 ^ 3 ^ 2, -(2 ^ 2)");
        let Statement::Query(query) = &statement else {
            panic!("a query");
        };
        let rendered = format!("{:?}", query.body);
        assert!(
            !rendered.contains("UnaryOp { op: Minus, expr: BinaryOp"),
            "{rendered}"
        );
    }
}
