//! PostgreSQL's names for unaliased output columns.
//!
//! DataFusion names `SELECT count(*), 1` as `count(*)` and `Int64(1)`; PostgreSQL says
//! `count` and `?column?`, and clients show or key on those names. The outermost SELECT list
//! gets explicit aliases following PostgreSQL's rule: a column reference keeps its name, a
//! function call takes the function's name, a cast takes the name of what it casts, anything
//! else is `?column?`. DataFusion needs unique names, so a name already taken in the list is
//! left to DataFusion.

use std::collections::HashSet;

use datafusion::sql::sqlparser::ast::{Expr, Ident, SelectItem, SetExpr, Statement};

/// Aliases the unaliased items of the statement's outermost SELECT list.
pub fn apply_postgres_column_names(statement: &mut Statement) {
    let Statement::Query(query) = statement else {
        return;
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let mut taken: HashSet<String> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
            SelectItem::UnnamedExpr(expr) => column_name(expr),
            _ => None,
        })
        .collect();
    for item in select.projection.iter_mut() {
        let SelectItem::UnnamedExpr(expr) = item else {
            continue;
        };
        if column_name(expr).is_some() {
            continue;
        }
        let name = postgres_name(expr);
        if taken.insert(name.clone()) {
            *item = SelectItem::ExprWithAlias {
                expr: expr.clone(),
                alias: Ident::with_quote('"', name),
            };
        }
    }
}

/// The name of a plain column reference (which DataFusion already names like PostgreSQL).
fn column_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident.value.to_lowercase()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.to_lowercase()),
        _ => None,
    }
}

fn postgres_name(expr: &Expr) -> String {
    match expr {
        Expr::Function(function) => function
            .name
            .0
            .last()
            .and_then(|part| part.as_ident())
            .map_or_else(|| "?column?".to_string(), |i| i.value.to_lowercase()),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => match column_name(expr) {
            Some(name) => name,
            None => postgres_name(expr),
        },
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            column_name(expr).unwrap_or_else(|| "?column?".to_string())
        }
        Expr::Case { .. } => "case".to_string(),
        _ => "?column?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn rewrite(sql: &str) -> String {
        let mut statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        apply_postgres_column_names(&mut statement);
        statement.to_string()
    }

    #[test]
    fn names_follow_postgres() {
        assert_eq!(
            rewrite("SELECT count(*), 1, a, t.b, x::int, CASE WHEN a THEN 1 END FROM t"),
            "SELECT count(*) AS \"count\", 1 AS \"?column?\", a, t.b, x::INT AS \"x\", CASE WHEN a THEN 1 END AS \"case\" FROM t"
        );
    }

    #[test]
    fn duplicates_are_left_to_datafusion() {
        assert_eq!(rewrite("SELECT 1, 2"), "SELECT 1 AS \"?column?\", 2");
        assert_eq!(
            rewrite("SELECT count, count(*) FROM t"),
            "SELECT count, count(*) FROM t"
        );
    }
}
