//! Subquery forms DataFusion 55 does not plan, rewritten into equivalent ones it does.
//! Applied to every statement after parsing (statements a PostgreSQL server answers as
//! written never get here):
//!
//! - A correlated scalar subquery without an aggregate, `(SELECT m.name FROM emp AS m WHERE
//!   m.id = e.manager_id)`: DataFusion decorrelates only aggregated ones. It becomes
//!   `(SELECT fedgate_one_row(count(*), first_value(m.name)) AS name FROM ...)`: the value
//!   of the one row found (NULL for none) and PostgreSQL's 21000 for several
//!   (`crate::functions::one_row`). Only plain subqueries (one select-list item, no
//!   grouping, `DISTINCT`, `ORDER BY` or `LIMIT`) that name a relation their own FROM does
//!   not have.
//! - `(a, b) IN (SELECT x, y ...)` in `WHERE` (under `AND`/`OR` only, not negated): DataFusion
//!   takes one column per `IN`. It becomes `EXISTS (SELECT 1 FROM (SELECT x, y ...) AS
//!   __pg_row_in (c1, c2) WHERE __pg_row_in.c1 = a AND __pg_row_in.c2 = b)`, the same rows
//!   where a NULL and false both drop a row.
//! - `ARRAY(SELECT e FROM ... [WHERE p] [ORDER BY o])` (other than the `unnest` form of
//!   `super::pg_syntax`): `(SELECT coalesce(array_agg(e ORDER BY o), array_slice(
//!   make_array(first_value(e)), 1, 0)) AS array FROM ... WHERE p)`: `{}` of the element
//!   type for no rows, as PostgreSQL.
//! - `LIMIT '2'`, `OFFSET '1'`: PostgreSQL reads a quoted integer as the number
//!   (other text is an error, `super::statement_checks`).

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_expressions, visit_expressions_mut, BinaryOperator, Expr, FunctionArguments, GroupByExpr,
    Ident, LimitClause, OrderByKind, Query, Select, SelectItem, SetExpr, Statement, TableFactor,
    Value, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::pg_syntax::{call, named};

/// The alias of the derived table a row-valued `IN` reads.
const ROW_IN_ALIAS: &str = "__pg_row_in";

/// Aggregate functions: a select list that calls one is already aggregated.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "array_agg",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "bit_and",
    "bit_or",
    "first_value",
    "last_value",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "corr",
    "covar_pop",
    "covar_samp",
    "regr_count",
    "median",
];

/// The statement with the forms of the module documentation rewritten.
pub(crate) fn rewrite(mut statement: Statement) -> Statement {
    let _ = visit_expressions_mut(&mut statement, |expr| {
        correlated_scalar_subquery(expr);
        array_subquery(expr);
        ControlFlow::<()>::Continue(())
    });
    let _ = statement.visit(&mut Clauses);
    statement
}

struct Clauses;

impl VisitorMut for Clauses {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        quoted_limits(query);
        if let SetExpr::Select(select) = query.body.as_mut() {
            if let Some(selection) = select.selection.as_mut() {
                row_in_subqueries(selection);
            }
        }
        ControlFlow::Continue(())
    }
}

/// A parsed expression of fixed text.
fn expression(text: &str) -> Expr {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .unwrap_or_else(|e| unreachable!("fixed expression {text}: {e}"))
}

/// The single select-list item of a plain `SELECT` (no grouping, `DISTINCT`, `HAVING`,
/// `ORDER BY`, `LIMIT`, set operation or CTE), with its alias.
fn plain_single_item(query: &Query) -> Option<(&Select, &Expr, Option<&Ident>)> {
    if query.with.is_some()
        || query.limit_clause.is_some()
        || query.fetch.is_some()
        || !query.locks.is_empty()
    {
        return None;
    }
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let ungrouped =
        matches!(&select.group_by, GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty());
    if select.distinct.is_some()
        || select.having.is_some()
        || !ungrouped
        || select.from.is_empty()
        || select.projection.len() != 1
        || !select.named_window.is_empty()
    {
        return None;
    }
    let (expr, alias) = match &select.projection[0] {
        SelectItem::UnnamedExpr(e) => (e, None),
        SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias)),
        _ => return None,
    };
    (!calls_aggregate(expr)).then_some((select, expr, alias))
}

/// Whether `expr` calls an aggregate or window function (outside subqueries too: enough to
/// leave the subquery as it is).
fn calls_aggregate(expr: &Expr) -> bool {
    let mut found = false;
    let _ = visit_expressions(expr, |e| {
        if let Expr::Function(f) = e {
            found |= f.over.is_some() || AGGREGATES.iter().any(|a| named(&f.name, a));
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// The names the FROM items of `select` answer to (aliases, else table names), lower case.
fn from_names(select: &Select) -> Vec<String> {
    let mut names = Vec::new();
    let mut add = |factor: &TableFactor| match factor {
        TableFactor::Table { alias: Some(a), .. }
        | TableFactor::Derived { alias: Some(a), .. }
        | TableFactor::Function { alias: Some(a), .. }
        | TableFactor::UNNEST { alias: Some(a), .. } => names.push(a.name.value.to_lowercase()),
        TableFactor::Table { name, .. } => {
            if let Some(ident) = name.0.last().and_then(|p| p.as_ident()) {
                names.push(ident.value.to_lowercase());
            }
        }
        _ => {}
    };
    for table in &select.from {
        add(&table.relation);
        for join in &table.joins {
            add(&join.relation);
        }
    }
    names
}

/// Whether the subquery's WHERE or select list names a relation its FROM does not have
/// (`e.dept` where only `d` is in FROM): a reference to an outer query.
fn is_correlated(select: &Select, item: &Expr) -> bool {
    let names = from_names(select);
    if select
        .from
        .iter()
        .any(|t| !t.joins.is_empty() || matches!(t.relation, TableFactor::NestedJoin { .. }))
    {
        // Join conditions may be correlated too; kept to the simple FROM lists.
        return false;
    }
    let mut outer = false;
    let mut look = |e: &Expr| {
        if let Expr::CompoundIdentifier(parts) = e {
            if parts.len() == 2 && !names.contains(&parts[0].value.to_lowercase()) {
                outer = true;
            }
        }
        ControlFlow::<()>::Continue(())
    };
    let _ = visit_expressions(item, &mut look);
    if let Some(selection) = &select.selection {
        let _ = visit_expressions(selection, &mut look);
    }
    outer
}

fn correlated_scalar_subquery(expr: &mut Expr) {
    let Expr::Subquery(query) = expr else {
        return;
    };
    let Some((select, item, alias)) = plain_single_item(query) else {
        return;
    };
    if !is_correlated(select, item) || query.order_by.is_some() {
        return;
    }
    let name = alias.cloned().unwrap_or_else(|| {
        Ident::new(super::column_names::figure_name(item).unwrap_or_else(|| "?column?".to_string()))
    });
    let value = call(
        crate::functions::one_row::ONE_ROW,
        vec![
            expression("count(*)"),
            call("first_value", vec![item.clone()]),
        ],
    );
    if let SetExpr::Select(select) = query.body.as_mut() {
        select.projection = vec![SelectItem::ExprWithAlias {
            expr: value,
            alias: name,
        }];
    }
}

fn array_subquery(expr: &mut Expr) {
    let Expr::Function(function) = expr else {
        return;
    };
    if !named(&function.name, "array") {
        return;
    }
    let FunctionArguments::Subquery(query) = &function.args else {
        return;
    };
    let Some((_, item, _)) = plain_single_item(query) else {
        return;
    };
    let order_by = match &query.order_by {
        None => String::new(),
        Some(order) => match &order.kind {
            OrderByKind::Expressions(exprs) if !exprs.is_empty() => format!(
                " ORDER BY {}",
                exprs
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => return,
        },
    };
    // `{}` of the element type when no row is found: a one-element array emptied.
    let mut aggregate = expression(&format!(
        "coalesce(array_agg(__pg_item{order_by}), \
         array_slice(make_array(first_value(__pg_item)), 1, 0))"
    ));
    let _ = visit_expressions_mut(&mut aggregate, |e| {
        if matches!(e, Expr::Identifier(i) if i.value == "__pg_item") {
            *e = item.clone();
        }
        ControlFlow::<()>::Continue(())
    });
    let mut query = query.clone();
    query.order_by = None;
    if let SetExpr::Select(select) = query.body.as_mut() {
        select.projection = vec![SelectItem::ExprWithAlias {
            expr: aggregate,
            alias: Ident::new("array"),
        }];
    }
    *expr = Expr::Subquery(query);
}

fn row_in_subqueries(condition: &mut Expr) {
    match condition {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And | BinaryOperator::Or,
            right,
        } => {
            row_in_subqueries(left);
            row_in_subqueries(right);
        }
        Expr::Nested(inner) => row_in_subqueries(inner),
        Expr::InSubquery {
            expr,
            subquery,
            negated: false,
        } => {
            let Expr::Tuple(items) = expr.as_ref() else {
                return;
            };
            *condition = row_in_exists(items, subquery);
        }
        _ => {}
    }
}

/// `EXISTS (SELECT 1 FROM (subquery) AS __pg_row_in (c1, ...) WHERE __pg_row_in.c1 = a
/// AND ...)`.
fn row_in_exists(items: &[Expr], subquery: &Query) -> Expr {
    let columns: Vec<String> = (1..=items.len()).map(|i| format!("c{i}")).collect();
    let mut exists = expression(&format!(
        "EXISTS (SELECT 1 FROM (SELECT 1) AS {ROW_IN_ALIAS} ({}))",
        columns.join(", ")
    ));
    let matches = items
        .iter()
        .zip(&columns)
        .map(|(item, column)| Expr::BinaryOp {
            left: Box::new(Expr::CompoundIdentifier(vec![
                Ident::new(ROW_IN_ALIAS),
                Ident::new(column),
            ])),
            op: BinaryOperator::Eq,
            right: Box::new(Expr::Nested(Box::new(item.clone()))),
        })
        .reduce(|a, b| Expr::BinaryOp {
            left: Box::new(a),
            op: BinaryOperator::And,
            right: Box::new(b),
        });
    if let Expr::Exists {
        subquery: query, ..
    } = &mut exists
    {
        if let SetExpr::Select(select) = query.body.as_mut() {
            if let TableFactor::Derived {
                subquery: derived, ..
            } = &mut select.from[0].relation
            {
                **derived = subquery.clone();
            }
            select.selection = matches;
        }
    }
    exists
}

/// `LIMIT '2'` as `LIMIT 2` (and the same for OFFSET).
fn quoted_limits(query: &mut Query) {
    let Some(LimitClause::LimitOffset { limit, offset, .. }) = query.limit_clause.as_mut() else {
        return;
    };
    let values = limit
        .iter_mut()
        .chain(offset.iter_mut().map(|o| &mut o.value));
    for value in values {
        let number = super::statement_checks::quoted_text(value)
            .and_then(|text| text.trim().parse::<i64>().ok());
        if let Some(number) = number {
            *value = Expr::value(Value::Number(number.to_string(), false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        rewrite(statement).to_string()
    }

    #[test]
    fn correlated_scalar_subqueries_are_aggregated() {
        assert_eq!(
            rewritten("SELECT name, (SELECT d.floor FROM dept AS d WHERE d.name = e.dept) FROM emp AS e"),
            "SELECT name, (SELECT fedgate_one_row(count(*), first_value(d.floor)) AS floor FROM dept AS d WHERE d.name = e.dept) FROM emp AS e"
        );
        // Uncorrelated, aggregated or limited subqueries stay.
        for sql in [
            "SELECT (SELECT d.floor FROM dept AS d WHERE d.id = 1) FROM emp AS e",
            "SELECT (SELECT max(d.floor) FROM dept AS d WHERE d.name = e.dept) FROM emp AS e",
            "SELECT (SELECT d.floor FROM dept AS d WHERE d.name = e.dept LIMIT 1) FROM emp AS e",
        ] {
            assert_eq!(rewritten(sql), sql);
        }
    }

    #[test]
    fn row_valued_in_becomes_exists() {
        assert_eq!(
            rewritten("SELECT name FROM emp WHERE (dept, active) IN (SELECT 'Sales', true) AND id > 1"),
            "SELECT name FROM emp WHERE EXISTS (SELECT 1 FROM (SELECT 'Sales', true) AS __pg_row_in (c1, c2) WHERE __pg_row_in.c1 = (dept) AND __pg_row_in.c2 = (active)) AND id > 1"
        );
        let negated = "SELECT name FROM emp WHERE (dept, active) NOT IN (SELECT 'Sales', true)";
        assert_eq!(rewritten(negated), negated);
    }

    #[test]
    fn array_subqueries_aggregate() {
        assert_eq!(
            rewritten("SELECT ARRAY(SELECT id FROM emp WHERE dept = 'Sales' ORDER BY id)"),
            "SELECT (SELECT coalesce(array_agg(id ORDER BY id), array_slice(make_array(first_value(id)), 1, 0)) AS array FROM emp WHERE dept = 'Sales')"
        );
    }

    #[test]
    fn quoted_limits_are_numbers() {
        assert_eq!(
            rewritten("SELECT * FROM t LIMIT '2' OFFSET '1'"),
            "SELECT * FROM t LIMIT 2 OFFSET 1"
        );
    }
}
