//! Integer columns that PostgreSQL types `integer` (int4) where DataFusion's planning would
//! make them `bigint`, rewritten in user statements before planning:
//!
//! - [`SeriesTables`]: `generate_series(a, b [, step])` in FROM with integer constants that
//!   fit int4 is `integer` in PostgreSQL (DataFusion's table function is `Int64`), and its
//!   column is named `generate_series`, or by the table alias when the alias names no
//!   columns (`generate_series(1, 3) AS n` has a column `n`). It becomes
//!   `(SELECT CAST(value AS integer) AS generate_series FROM generate_series(...)) AS alias`;
//!   `WITH ORDINALITY` adds `row_number() OVER ()` (bigint) named `ordinality`, the series
//!   being produced in order. Calls with other arguments keep DataFusion's planning.
//! - [`RecursiveLiterals`]: the non-recursive term of `WITH RECURSIVE` fixes the column
//!   types of the working table before fedgate's analyzer can type integer literals as
//!   int4 (`crate`'s planner leaves literals of recursive queries as planned): integer
//!   literals in that term's select list that fit int4 are cast to `integer` there, so
//!   `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 ...)` is int4 and `sum(x)` is
//!   bigint, as in PostgreSQL.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    CastKind, DataType, Expr, FunctionArg, FunctionArgExpr, Ident, Query, SelectItem, SetExpr,
    Statement, TableAlias, TableAliasColumnDef, TableFactor, UnaryOperator, Value, VisitMut,
    VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion_pg_catalog::sql::rules::SqlStatementRewriteRule;

/// `generate_series` in FROM typed and named as PostgreSQL does (see the module docs).
#[derive(Debug, Default)]
pub struct SeriesTables;

impl SqlStatementRewriteRule for SeriesTables {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = statement.visit(&mut SeriesVisitor);
        statement
    }
}

struct SeriesVisitor;

impl VisitorMut for SeriesVisitor {
    type Break = ();

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let Some(derived) = series_table(factor) {
            *factor = derived;
        }
        ControlFlow::Continue(())
    }
}

/// An integer constant that fits int4 (`3`, `-3`).
fn int4_constant(expr: &Expr) -> bool {
    match expr {
        Expr::Value(value) => {
            matches!(&value.value, Value::Number(n, _) if n.parse::<i32>().is_ok())
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => int4_constant(expr),
        Expr::Nested(inner) => int4_constant(inner),
        _ => false,
    }
}

/// The derived table standing for a `generate_series(...)` FROM item over int4 constants.
fn series_table(factor: &TableFactor) -> Option<TableFactor> {
    let TableFactor::Table {
        name,
        alias,
        args: Some(args),
        with_ordinality,
        ..
    } = factor
    else {
        return None;
    };
    let is_series = name.0.len() == 1
        && name.0[0]
            .as_ident()
            .is_some_and(|i| i.value.eq_ignore_ascii_case("generate_series"));
    let arguments: Vec<&Expr> = args
        .args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if !is_series
        || !(2..=3).contains(&arguments.len())
        || !arguments.iter().all(|a| int4_constant(a))
    {
        return None;
    }
    let listed: Vec<String> = arguments.iter().map(|a| a.to_string()).collect();
    let ordinality = if *with_ordinality {
        ", row_number() OVER () AS ordinality"
    } else {
        ""
    };
    let sql = format!(
        "SELECT CAST(value AS INTEGER) AS generate_series{ordinality} FROM generate_series({})",
        listed.join(", ")
    );
    let Statement::Query(subquery) = Parser::parse_sql(&PostgreSqlDialect {}, &sql)
        .ok()?
        .remove(0)
    else {
        return None;
    };
    Some(TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(series_alias(alias.as_ref(), *with_ordinality)),
        sample: None,
    })
}

/// The alias of the series: `generate_series` by default; an alias without column names
/// also names the (single) column, as for any function returning a scalar type.
fn series_alias(alias: Option<&TableAlias>, with_ordinality: bool) -> TableAlias {
    let column = |name: &Ident| TableAliasColumnDef {
        name: name.clone(),
        data_type: None,
    };
    match alias {
        Some(alias) if !alias.columns.is_empty() || with_ordinality => alias.clone(),
        Some(alias) => TableAlias {
            columns: vec![column(&alias.name)],
            ..alias.clone()
        },
        None => TableAlias {
            explicit: true,
            name: Ident::new("generate_series"),
            columns: vec![],
            at: None,
        },
    }
}

/// Int4 literals of `WITH RECURSIVE` starting terms cast to `integer` (see the module docs).
#[derive(Debug, Default)]
pub struct RecursiveLiterals;

impl SqlStatementRewriteRule for RecursiveLiterals {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = statement.visit(&mut RecursiveVisitor);
        statement
    }
}

struct RecursiveVisitor;

impl VisitorMut for RecursiveVisitor {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let Some(with) = &mut query.with else {
            return ControlFlow::Continue(());
        };
        if with.recursive {
            for cte in &mut with.cte_tables {
                if let SetExpr::SetOperation { left, .. } = cte.query.body.as_mut() {
                    type_starting_term(left);
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Casts the int4 literals of the first SELECT of `body` to `integer`, keeping their names.
fn type_starting_term(body: &mut SetExpr) {
    let select = match body {
        SetExpr::Select(select) => select,
        SetExpr::SetOperation { left, .. } => return type_starting_term(left),
        SetExpr::Query(query) => return type_starting_term(query.body.as_mut()),
        _ => return,
    };
    for item in &mut select.projection {
        let expr = match item {
            SelectItem::UnnamedExpr(expr) if int4_constant(expr) => {
                // PostgreSQL's name for a constant; the cast would otherwise name it.
                *item = SelectItem::ExprWithAlias {
                    expr: expr.clone(),
                    alias: Ident::with_quote('"', "?column?"),
                };
                match item {
                    SelectItem::ExprWithAlias { expr, .. } => expr,
                    _ => continue,
                }
            }
            SelectItem::ExprWithAlias { expr, .. } if int4_constant(expr) => expr,
            _ => continue,
        };
        *expr = Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(expr.clone()),
            data_type: DataType::Integer(None),
            array: false,
            format: None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::parse::plain_statement;

    fn series(sql: &str) -> String {
        SeriesTables.rewrite(plain_statement(sql)).to_string()
    }

    #[test]
    fn int4_series_are_typed_and_named() {
        assert_eq!(
            series("SELECT * FROM generate_series(10, 1, -3)"),
            "SELECT * FROM (SELECT CAST(value AS INTEGER) AS generate_series FROM generate_series(10, 1, -3)) AS generate_series"
        );
        assert_eq!(
            series("SELECT sum(n) FROM generate_series(1, 1000) AS n"),
            "SELECT sum(n) FROM (SELECT CAST(value AS INTEGER) AS generate_series FROM generate_series(1, 1000)) AS n (n)"
        );
        assert_eq!(
            series("SELECT x FROM generate_series(1, 5) AS g(x)"),
            "SELECT x FROM (SELECT CAST(value AS INTEGER) AS generate_series FROM generate_series(1, 5)) AS g (x)"
        );
        assert!(
            series("SELECT * FROM generate_series(5, 7) WITH ORDINALITY AS g(v, i)").contains(
                "row_number() OVER () AS ordinality FROM generate_series(5, 7)) AS g (v, i)"
            )
        );
    }

    #[test]
    fn other_series_keep_their_planning() {
        for sql in [
            "SELECT * FROM generate_series(1, 3000000000)",
            "SELECT * FROM generate_series(0, 1, 0.25)",
            "SELECT * FROM generate_series(1, t.n)",
        ] {
            assert_eq!(series(sql), sql);
        }
    }

    #[test]
    fn recursive_starting_literals_are_int4() {
        let sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT x FROM n";
        assert_eq!(
            RecursiveLiterals.rewrite(plain_statement(sql)).to_string(),
            "WITH RECURSIVE n (x) AS (SELECT CAST(1 AS INTEGER) AS \"?column?\" UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT x FROM n"
        );
        let plain = "WITH n AS (SELECT 1 UNION ALL SELECT 2) SELECT * FROM n";
        assert_eq!(
            RecursiveLiterals
                .rewrite(plain_statement(plain))
                .to_string(),
            plain
        );
    }
}
