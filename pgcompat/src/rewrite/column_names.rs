//! PostgreSQL's names for unaliased output columns.
//!
//! DataFusion names `SELECT count(*), 1` as `count(*)` and `Int64(1)`; PostgreSQL says
//! `count` and `?column?`, and clients show or key on those names. The outermost SELECT list
//! (the first branch of a set operation) gets explicit aliases following PostgreSQL's rule
//! (`FigureColname`): a column reference keeps its name, a function call takes the
//! function's name (`substring`, `btrim`, `extract`, `timezone` for the SQL-syntax forms), a
//! cast takes the name of what it casts or else the type's name (`'1'::int` is `int4`), a
//! scalar subquery its column's name, `CASE` is `case`, `EXISTS` `exists`, `ARRAY[...]`
//! `array`, anything else `?column?`.
//!
//! PostgreSQL lets names repeat (`SELECT 1, 2` has two `?column?`); DataFusion needs unique
//! names. A repeated name gets an alias with a marker and a number (`?column?` +
//! [`DUPLICATE_MARKER`] + `2`), and [`client_name`] takes the marker off where the row
//! description is made, so the client sees PostgreSQL's names.

use std::collections::HashSet;

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_expressions, DataType, Expr, GroupByExpr, Ident, OrderByKind, Query, SelectItem, SetExpr,
    Statement, TrimWhereField,
};

/// Separates a repeated output name from the number that makes it unique for DataFusion.
/// A control character no client name contains.
pub const DUPLICATE_MARKER: char = '\u{1}';

/// The name a client sees for an output column named `name` in the plan.
pub fn client_name(name: &str) -> &str {
    name.split(DUPLICATE_MARKER).next().unwrap_or(name)
}

/// Aliases the unaliased items of the statement's outermost SELECT list.
pub fn apply_postgres_column_names(statement: &mut Statement) {
    if let Statement::Query(query) = statement {
        name_query(query);
    }
}

fn name_query(query: &mut Query) {
    let order_by_names = order_by_names(query);
    let mut body = query.body.as_mut();
    loop {
        match body {
            SetExpr::SetOperation { left, .. } => body = left.as_mut(),
            SetExpr::Query(inner) => body = inner.body.as_mut(),
            _ => break,
        }
    }
    let SetExpr::Select(select) = body else {
        return;
    };
    // DataFusion reads an output name inside ORDER BY and GROUP BY expressions as the output
    // column: an alias that takes the name of the column it derives from (`addr['city']` is
    // `addr`, `x::int` is `x`) would change what `ORDER BY addr['city']` reads.
    let mut clause_names = order_by_names;
    if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
        exprs
            .iter()
            .for_each(|e| collect_names(e, &mut clause_names));
    }
    if let Some(having) = &select.having {
        collect_names(having, &mut clause_names);
    }
    // A column a wildcard lists may come again by name (`SELECT *, id`): named ones are
    // made unique as if the wildcard's columns were taken.
    let has_wildcard = select.projection.iter().any(|item| {
        matches!(
            item,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        )
    });
    let mut taken: HashSet<String> = HashSet::new();
    for item in select.projection.iter_mut() {
        let unnamed = matches!(item, SelectItem::UnnamedExpr(_));
        let (expr, name) = match item {
            SelectItem::ExprWithAlias { expr, alias } => {
                // A repeated alias (`SELECT id, name AS id`) is made unique too.
                let name = alias.value.clone();
                if taken.insert(name.clone()) {
                    continue;
                }
                (expr, name)
            }
            SelectItem::UnnamedExpr(expr) => {
                let name = postgres_name(expr);
                (expr, name)
            }
            _ => continue,
        };
        let plain_column = column_name(expr).is_some();
        if derives_from_column(expr) && clause_names.contains(&name) {
            taken.insert(name);
            continue;
        }
        let named_after_wildcard = has_wildcard && unnamed;
        if !(named_after_wildcard && plain_column) && taken.insert(name.clone()) {
            if !plain_column {
                *item = alias(expr.clone(), name);
            }
            continue;
        }
        let unique = (2..)
            .map(|n| format!("{name}{DUPLICATE_MARKER}{n}"))
            .find(|candidate| !taken.contains(candidate))
            .expect("an unused number exists");
        taken.insert(unique.clone());
        *item = alias(expr.clone(), unique);
    }
}

fn alias(expr: Expr, name: String) -> SelectItem {
    SelectItem::ExprWithAlias {
        expr,
        alias: Ident::with_quote('"', name),
    }
}

/// Names of columns used inside ORDER BY expressions (a bare name there means the output
/// column, as in PostgreSQL, and is left out).
fn order_by_names(query: &Query) -> HashSet<String> {
    let mut names = HashSet::new();
    if let Some(order_by) = &query.order_by {
        if let OrderByKind::Expressions(exprs) = &order_by.kind {
            for item in exprs {
                if column_name(&item.expr).is_none() {
                    collect_names(&item.expr, &mut names);
                }
            }
        }
    }
    names
}

fn collect_names(expr: &Expr, names: &mut HashSet<String>) {
    let _ = visit_expressions(expr, |e| {
        if let Some(name) = column_name(e) {
            names.insert(name);
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Whether the expression's name is a column's (a cast, subscript or collation of it).
fn derives_from_column(expr: &Expr) -> bool {
    match expr {
        Expr::Cast { expr, .. }
        | Expr::Nested(expr)
        | Expr::Collate { expr, .. }
        | Expr::CompoundFieldAccess { root: expr, .. } => {
            column_name(expr).is_some() || derives_from_column(expr)
        }
        _ => false,
    }
}

/// The name of a plain column reference (which DataFusion already names like PostgreSQL).
fn column_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident_name(ident)),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident_name),
        _ => None,
    }
}

fn ident_name(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// PostgreSQL's name of an output expression, or `None` for `?column?`'s weak cases.
pub(crate) fn figure_name(expr: &Expr) -> Option<String> {
    let name = match expr {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => return column_name(expr),
        // `x = ANY (array)`, planned as a function (`crate::rewrite::numbers`).
        Expr::Function(function)
            if function.name.to_string() == crate::functions::arrays::ANY_EQUAL =>
        {
            return None
        }
        // `'emp'::regclass` before the session resolves it: a cast of a literal.
        Expr::Function(_) if literal_cast_type(expr).is_some() => {
            return literal_cast_type(expr).map(str::to_string)
        }
        // The literal rewrite's reading of a date literal: named as the literal would be.
        Expr::Function(function) if is_datestyle_input(function) => return None,
        Expr::Function(function) => function.name.0.last()?.as_ident().map(ident_name)?,
        // PostgreSQL's FigureColname: a cast's type names it unless what it casts has a
        // strong name (a column, a function): `2.5::float8::int4` is `int4`.
        Expr::Cast {
            expr, data_type, ..
        } => {
            return match figure_name(expr) {
                Some(name) if strong_name(expr) => Some(name),
                _ => Some(type_name(data_type)),
            }
        }
        Expr::TypedString(typed) => type_name(&typed.data_type),
        Expr::Nested(inner) | Expr::Collate { expr: inner, .. } => return figure_name(inner),
        Expr::CompoundFieldAccess { root, .. } => return figure_name(root),
        // Named by its ELSE result when that has a strong name (`CASE ... ELSE x END` is
        // `x`), else `case`.
        Expr::Case { else_result, .. } => match else_result.as_deref() {
            Some(e) if strong_name(e) => return figure_name(e).or(Some("case".to_string())),
            _ => "case".to_string(),
        },
        Expr::Exists { negated: false, .. } => "exists".to_string(),
        Expr::Tuple(_) => "row".to_string(),
        Expr::Array(array) if array.named => "array".to_string(),
        Expr::Interval(_) => "interval".to_string(),
        Expr::Subquery(query) => return subquery_name(query),
        Expr::Substring {
            shorthand: true, ..
        } => "substr".to_string(),
        Expr::Substring { .. } => "substring".to_string(),
        Expr::Position { .. } => "position".to_string(),
        Expr::Overlay { .. } => "overlay".to_string(),
        Expr::Extract { .. } => "extract".to_string(),
        Expr::Ceil { .. } => "ceil".to_string(),
        Expr::Floor { .. } => "floor".to_string(),
        Expr::AtTimeZone { .. } => "timezone".to_string(),
        Expr::Trim { trim_where, .. } => match trim_where {
            Some(TrimWhereField::Leading) => "ltrim",
            Some(TrimWhereField::Trailing) => "rtrim",
            _ => "btrim",
        }
        .to_string(),
        _ => return None,
    };
    Some(name)
}

/// Whether `expr`'s name outranks a cast's type name (PostgreSQL's strength 2): a cast or
/// `CASE` names as strongly as what names it, a constant does not.
fn strong_name(expr: &Expr) -> bool {
    match expr {
        Expr::Cast { expr, .. } => strong_name(expr),
        Expr::Value(_) | Expr::TypedString(_) | Expr::Interval(_) => false,
        Expr::Function(function) if is_datestyle_input(function) => false,
        Expr::Case { else_result, .. } => else_result.as_deref().is_some_and(strong_name),
        Expr::Nested(inner) => strong_name(inner),
        e if literal_cast_type(e).is_some() => false,
        _ => true,
    }
}

use crate::rewrite::reg_types::literal_cast_type;
/// `pg_datestyle_input('02/03/2024')`, which stands for a literal
/// (`crate::rewrite::literals`).
fn is_datestyle_input(function: &datafusion::sql::sqlparser::ast::Function) -> bool {
    function.name.to_string() == crate::functions::date_input::DATESTYLE_INPUT
}

fn postgres_name(expr: &Expr) -> String {
    figure_name(expr).unwrap_or_else(|| "?column?".to_string())
}

/// A scalar subquery is named after its one column.
fn subquery_name(query: &Query) -> Option<String> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    match select.projection.first()? {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
        SelectItem::UnnamedExpr(expr) => figure_name(expr),
        _ => None,
    }
}

/// The name PostgreSQL gives a type in a cast's column name (`int4`, `timestamptz`).
fn type_name(data_type: &DataType) -> String {
    let text = data_type.to_string().to_lowercase();
    let base = text
        .split(['(', '['])
        .next()
        .unwrap_or(&text)
        .trim()
        .to_string();
    let with_time_zone = base.contains("with time zone") || base.ends_with("tz");
    match base.as_str() {
        "int" | "integer" | "int4" => "int4",
        "bigint" | "int8" => "int8",
        "smallint" | "int2" => "int2",
        "real" | "float4" => "float4",
        "double" | "double precision" | "float8" | "float" => "float8",
        "decimal" | "dec" | "numeric" => "numeric",
        "boolean" | "bool" => "bool",
        "character varying" | "varchar" => "varchar",
        "character" | "char" | "bpchar" => "bpchar",
        b if b.starts_with("timestamp") && with_time_zone => "timestamptz",
        b if b.starts_with("timestamp") => "timestamp",
        b if b.starts_with("time") && with_time_zone => "timetz",
        b if b.starts_with("time") => "time",
        b if b.starts_with("interval") => "interval",
        other => return other.rsplit('.').next().unwrap_or(other).to_string(),
    }
    .to_string()
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
        statement.to_string().replace(DUPLICATE_MARKER, "#")
    }

    #[test]
    fn marked_reg_casts_are_named_as_casts() {
        let mut statement = Parser::parse_sql(
            &PostgreSqlDialect {},
            "SELECT 'emp'::regclass, 'emp'::regclass::text, 'int8'::regtype::oid",
        )
        .unwrap()
        .remove(0);
        crate::rewrite::reg_types::mark_literal_casts(&mut statement);
        apply_postgres_column_names(&mut statement);
        let text = statement.to_string();
        assert!(text.contains(") AS \"regclass\""), "{text}");
        assert!(text.contains("::TEXT AS \"text\""), "{text}");
        assert!(text.contains(" AS \"oid\""), "{text}");
    }

    #[test]
    fn names_follow_postgres() {
        assert_eq!(
            rewrite("SELECT count(*), 1, a, t.b, x::int, CASE WHEN a THEN 1 END FROM t"),
            "SELECT count(*) AS \"count\", 1 AS \"?column?\", a, t.b, x::INT AS \"x\", CASE WHEN a THEN 1 END AS \"case\" FROM t"
        );
    }

    #[test]
    fn a_cast_of_a_cast_takes_the_outer_type() {
        assert_eq!(
            rewrite("SELECT 2.5::FLOAT8::INT4, x::TEXT::INT8, 'a'::TEXT"),
            "SELECT 2.5::FLOAT8::INT4 AS \"int4\", x::TEXT::INT8 AS \"x\", 'a'::TEXT AS \"text\" FROM t"
                .replace(" FROM t", "")
        );
    }

    #[test]
    fn casts_and_sql_syntax_functions() {
        assert_eq!(
            rewrite("SELECT '1'::int, NULL::timestamptz, DATE '2024-01-01', CAST(2 AS numeric(10, 2))"),
            "SELECT '1'::INT AS \"int4\", NULL::TIMESTAMPTZ AS \"timestamptz\", DATE '2024-01-01' AS \"date\", CAST(2 AS NUMERIC(10,2)) AS \"numeric\""
        );
        // An inner cast names weakly: the outer cast's type wins, a column's name stays.
        assert_eq!(
            rewrite("SELECT '1'::text::int, x::text::int FROM t"),
            "SELECT '1'::TEXT::INT AS \"int4\", x::TEXT::INT AS \"x\" FROM t"
        );
        assert_eq!(
            rewrite("SELECT substr(a, 2) FROM t"),
            "SELECT SUBSTR(a, 2) AS \"substr\" FROM t"
        );
        assert_eq!(
            rewrite("SELECT trim(both 'x' FROM a), substring(a FROM 2), extract(year FROM d), ts AT TIME ZONE 'UTC', (SELECT max(v) FROM u), EXISTS (SELECT 1) FROM t"),
            "SELECT TRIM(BOTH 'x' FROM a) AS \"btrim\", SUBSTRING(a FROM 2) AS \"substring\", EXTRACT(YEAR FROM d) AS \"extract\", ts AT TIME ZONE 'UTC' AS \"timezone\", (SELECT max(v) FROM u) AS \"max\", EXISTS (SELECT 1) AS \"exists\" FROM t"
        );
    }

    #[test]
    fn repeated_names_are_made_unique_for_datafusion_only() {
        assert_eq!(
            rewrite("SELECT 1, 2, count(*), count(x), id, id FROM t"),
            "SELECT 1 AS \"?column?\", 2 AS \"?column?#2\", count(*) AS \"count\", count(x) AS \"count#2\", id, id AS \"id#2\" FROM t"
        );
        assert_eq!(client_name("count\u{1}2"), "count");
        assert_eq!(client_name("count"), "count");
    }

    #[test]
    fn row_values_are_named_row() {
        assert_eq!(
            rewrite("SELECT (1, 'a'), (SELECT (2, 'b'))"),
            "SELECT (1, 'a') AS \"row\", (SELECT (2, 'b')) AS \"row#2\""
        );
    }

    #[test]
    fn names_repeated_by_an_alias_or_after_a_wildcard() {
        assert_eq!(
            rewrite("SELECT id, id, name AS id FROM t"),
            "SELECT id, id AS \"id#2\", name AS \"id#3\" FROM t"
        );
        assert_eq!(
            rewrite("SELECT *, id, t.name AS n FROM t"),
            "SELECT *, id AS \"id#2\", t.name AS n FROM t"
        );
    }

    #[test]
    fn names_of_columns_used_in_order_by_expressions_are_left_to_datafusion() {
        assert_eq!(
            rewrite("SELECT addr['city'], x::int FROM t ORDER BY addr['city'], x"),
            "SELECT addr['city'], x::INT AS \"x\" FROM t ORDER BY addr['city'], x"
        );
    }

    #[test]
    fn set_operations_take_the_first_branch_names() {
        assert_eq!(
            rewrite("SELECT 1 UNION SELECT 2"),
            "SELECT 1 AS \"?column?\" UNION SELECT 2"
        );
    }
}
