//! Scalar subqueries of client catalog queries, in forms DataFusion can decorrelate. Applied
//! only to catalog queries (after datafusion-pg-catalog's rules), where each subquery
//! names at most one catalog row:
//!
//! - a correlated scalar subquery that is not aggregated (`(SELECT e FROM pg_attrdef WHERE
//!   adrelid = a.attrelid ...)`, SQLAlchemy's `get_columns`) gets `first_value(e)`:
//!   DataFusion plans correlated scalar subqueries only when they are aggregated;
//! - conditions of a correlated subquery's WHERE that read only the outer row (`WHERE
//!   a.atthasdef AND d.adrelid = a.attrelid`) move out: `CASE WHEN a.atthasdef THEN (SELECT
//!   ... WHERE d.adrelid = a.attrelid) END` is the same value, and DataFusion decorrelates
//!   only subqueries whose conditions also read the subquery's own relations;
//! - a scalar subquery over `pg_sequence` alone (SQLAlchemy's identity options) is NULL:
//!   fedgate has no sequences, and the subquery's outer references in its select list are
//!   beyond DataFusion's decorrelation;
//! - `array_agg` of an OID column (asyncpg's `attrtypoids`) is marked `oid[]`
//!   (`fedgate_oid_array`), the type PostgreSQL gives it;
//! - the recursive walk of a domain's base types (asyncpg's type introspection: `WITH
//!   RECURSIVE typebases ... FROM pg_type t2 WHERE t2.oid = t.oid ...`) becomes
//!   `t.typbasetype`: DataFusion cannot run a recursive CTE per outer row, and fedgate's
//!   catalog has no domain over a domain, so the first base type is the last one.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::helpers::attached_token::AttachedToken;
use datafusion::sql::sqlparser::ast::{
    visit_expressions, visit_expressions_mut, BinaryOperator, CaseWhen, Expr, FunctionArg,
    FunctionArgExpr, FunctionArguments, Query, Select, SelectItem, SetExpr, Statement, TableFactor,
    Value, VisitMut, VisitorMut,
};

/// Aggregate functions: a subquery calling one already returns one row.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "min",
    "max",
    "avg",
    "array_agg",
    "string_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "bool_and",
    "bool_or",
    "every",
    "first_value",
    "last_value",
];

/// Applies both rewrites (see the module documentation) to a catalog query.
pub fn rewrite(mut statement: Statement) -> Statement {
    let _ = statement.visit(&mut OidListItems);
    let _ = visit_expressions_mut(&mut statement, |expr| {
        if let Some(list) = oid_list(expr) {
            *expr = crate::rewrite::pg_syntax::call(
                crate::catalog::catalog_functions::OID_ARRAY_FUNCTION,
                vec![list],
            );
        } else if let Some(base) = domain_base_type(expr) {
            *expr = base;
        } else if reads_only_empty_table(expr) {
            *expr = Expr::Value(Value::Null.into());
        } else if let Expr::Subquery(query) = expr {
            aggregate_correlated(query);
            if let Some(condition) = hoist_outer_conditions(query) {
                let subquery = std::mem::replace(expr, Expr::Value(Value::Null.into()));
                *expr = Expr::Case {
                    case_token: AttachedToken::empty(),
                    end_token: AttachedToken::empty(),
                    operand: None,
                    conditions: vec![CaseWhen {
                        condition,
                        result: subquery,
                    }],
                    else_result: None,
                };
            }
        }
        ControlFlow::<()>::Continue(())
    });
    statement
}

/// The names a select's FROM items are known by (aliases, or the tables' last names).
fn relation_names(select: &Select) -> Vec<String> {
    let factors = select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)));
    factors
        .filter_map(|factor| match factor {
            TableFactor::Table { alias: Some(a), .. }
            | TableFactor::Derived { alias: Some(a), .. } => Some(a.name.value.clone()),
            TableFactor::Table { name, .. } => name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.clone()),
            _ => None,
        })
        .collect()
}

/// True when the select refers to a relation it does not read itself.
fn is_correlated(select: &Select) -> bool {
    let names = relation_names(select);
    let outer = visit_expressions(select, |expr| match expr {
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let qualifier = &parts[parts.len() - 2].value;
            if names.iter().any(|n| n.eq_ignore_ascii_case(qualifier)) {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        }
        _ => ControlFlow::Continue(()),
    });
    outer.is_break()
}

fn calls_aggregate(expr: &Expr) -> bool {
    visit_expressions(expr, |e| match e {
        Expr::Function(f)
            if f.over.is_none()
                && f.name.0.last().and_then(|p| p.as_ident()).is_some_and(|i| {
                    AGGREGATES.contains(&i.value.to_ascii_lowercase().as_str())
                }) =>
        {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

fn aggregate_correlated(query: &mut Query) {
    let plain = query.with.is_none() && query.limit_clause.is_none() && query.fetch.is_none();
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let ungrouped = matches!(&select.group_by, datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(e, _) if e.is_empty())
        && select.having.is_none()
        && select.distinct.is_none();
    if !plain || !ungrouped || select.projection.len() != 1 || !is_correlated(select) {
        return;
    }
    let expr = match &mut select.projection[0] {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
        _ => return,
    };
    if !calls_aggregate(expr) {
        let inner = std::mem::replace(
            expr,
            Expr::Value(datafusion::sql::sqlparser::ast::Value::Null.into()),
        );
        *expr = crate::rewrite::pg_syntax::call("first_value", vec![inner]);
    }
}

/// Catalog columns that hold OIDs.
const OID_COLUMNS: &[&str] = &[
    "oid",
    "atttypid",
    "attrelid",
    "typelem",
    "typarray",
    "typbasetype",
    "typrelid",
    "reltype",
];

/// `array_agg(x.col ...)` of an OID column, which PostgreSQL types `oid[]`.
fn oid_list(expr: &Expr) -> Option<Expr> {
    let Expr::Function(f) = expr else {
        return None;
    };
    let aggregates = f
        .name
        .0
        .last()
        .and_then(|p| p.as_ident())?
        .value
        .eq_ignore_ascii_case("array_agg");
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let reads_oid = matches!(
        list.args.as_slice(),
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::CompoundIdentifier(parts)))]
            if parts.last().is_some_and(|i| OID_COLUMNS.contains(&i.value.to_ascii_lowercase().as_str()))
    );
    (aggregates && reads_oid && f.over.is_none()).then(|| expr.clone())
}

/// Marks select items that compute an OID list (through a CASE or subquery, which do not
/// keep the mark of the `array_agg` inside) as `oid[]` too.
struct OidListItems;

impl VisitorMut for OidListItems {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let SetExpr::Select(select) = query.body.as_mut() {
            for item in &mut select.projection {
                if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item
                {
                    let computes_oids = !matches!(e, Expr::Function(_))
                        && visit_expressions(&*e, |inner| {
                            if oid_list(inner).is_some() {
                                ControlFlow::Break(())
                            } else {
                                ControlFlow::Continue(())
                            }
                        })
                        .is_break();
                    if computes_oids {
                        let inner = std::mem::replace(e, Expr::Value(Value::Null.into()));
                        *e = crate::rewrite::pg_syntax::call(
                            crate::catalog::catalog_functions::OID_ARRAY_FUNCTION,
                            vec![inner],
                        );
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Catalog tables that are always empty in fedgate (it has no sequences).
const EMPTY_TABLES: &[&str] = &["pg_sequence"];

/// True for a scalar subquery that reads one always-empty table: its value is NULL.
fn reads_only_empty_table(expr: &Expr) -> bool {
    let Expr::Subquery(query) = expr else {
        return false;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return false;
    };
    match select.from.as_slice() {
        [only] if only.joins.is_empty() => matches!(
            &only.relation,
            TableFactor::Table { name, args: None, .. }
                if name.0.last().and_then(|p| p.as_ident()).is_some_and(|i| EMPTY_TABLES.contains(&i.value.as_str()))
        ),
        _ => false,
    }
}

/// The top-level AND terms of `expr`.
fn conjuncts(expr: Expr) -> Vec<Expr> {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut terms = conjuncts(*left);
            terms.extend(conjuncts(*right));
            terms
        }
        Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                }
            ) =>
        {
            conjuncts(*inner)
        }
        other => vec![other],
    }
}

fn and_all(terms: Vec<Expr>) -> Option<Expr> {
    terms.into_iter().reduce(|left, right| Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::And,
        right: Box::new(right),
    })
}

/// True when `expr` reads columns and every one is qualified by a name not in `inner`.
fn reads_only_outer(expr: &Expr, inner: &[String]) -> bool {
    let mut outer = false;
    let local = visit_expressions(expr, |e| match e {
        Expr::Identifier(_) | Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
            ControlFlow::Break(())
        }
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            let qualifier = &parts[parts.len() - 2].value;
            if inner.iter().any(|n| n.eq_ignore_ascii_case(qualifier)) {
                ControlFlow::Break(())
            } else {
                outer = true;
                ControlFlow::Continue(())
            }
        }
        _ => ControlFlow::Continue(()),
    });
    outer && local.is_continue()
}

/// Removes the WHERE terms of a correlated subquery that read only the outer row and
/// returns them, ANDed.
fn hoist_outer_conditions(query: &mut Query) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return None;
    };
    if !is_correlated(select) {
        return None;
    }
    let inner = relation_names(select);
    let terms = conjuncts(select.selection.take()?);
    let (outer, local): (Vec<Expr>, Vec<Expr>) =
        terms.into_iter().partition(|t| reads_only_outer(t, &inner));
    select.selection = and_all(local);
    and_all(outer)
}

/// `X.typbasetype` for asyncpg's recursive base-type walk starting at `X.oid`.
fn domain_base_type(expr: &Expr) -> Option<Expr> {
    let Expr::Subquery(query) = expr else {
        return None;
    };
    let with = query.with.as_ref()?;
    if !with.recursive || with.cte_tables.len() != 1 {
        return None;
    }
    let SetExpr::SetOperation { left, .. } = with.cte_tables[0].query.body.as_ref() else {
        return None;
    };
    let SetExpr::Select(anchor) = left.as_ref() else {
        return None;
    };
    let reads_base_type = matches!(
        anchor.projection.first(),
        Some(SelectItem::UnnamedExpr(Expr::CompoundIdentifier(p)) | SelectItem::ExprWithAlias { expr: Expr::CompoundIdentifier(p), .. })
            if p.last().is_some_and(|i| i.value.eq_ignore_ascii_case("typbasetype"))
    );
    let Some(Expr::BinaryOp {
        op: BinaryOperator::Eq,
        right,
        ..
    }) = &anchor.selection
    else {
        return None;
    };
    match right.as_ref() {
        Expr::CompoundIdentifier(outer)
            if reads_base_type
                && outer.len() == 2
                && outer[1].value.eq_ignore_ascii_case("oid")
                && is_correlated(anchor) =>
        {
            let mut base = outer.clone();
            base[1] = datafusion::sql::sqlparser::ast::Ident::new("typbasetype");
            Some(Expr::CompoundIdentifier(base))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        rewrite(crate::rewrite::parse::plain_statement(sql)).to_string()
    }

    #[test]
    fn correlated_scalar_subqueries_are_aggregated() {
        assert_eq!(
            rewritten("SELECT CASE WHEN a.atthasdef THEN (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d WHERE d.adrelid = a.attrelid) END FROM pg_attribute a"),
            "SELECT CASE WHEN a.atthasdef THEN (SELECT first_value(pg_get_expr(d.adbin, d.adrelid)) FROM pg_attrdef d WHERE d.adrelid = a.attrelid) END FROM pg_attribute a"
        );
        // Qualified by table name, as SQLAlchemy writes them.
        assert_eq!(
            rewritten("SELECT (SELECT pg_catalog.pg_type.typcollation FROM pg_catalog.pg_type WHERE pg_catalog.pg_type.oid = pg_catalog.pg_attribute.atttypid) FROM pg_catalog.pg_attribute"),
            "SELECT (SELECT first_value(pg_catalog.pg_type.typcollation) FROM pg_catalog.pg_type WHERE pg_catalog.pg_type.oid = pg_catalog.pg_attribute.atttypid) FROM pg_catalog.pg_attribute"
        );
        // Uncorrelated, aggregated or limited subqueries stay.
        for sql in [
            "SELECT (SELECT t.oid FROM pg_type t WHERE t.typname = 'int4')",
            "SELECT (SELECT count(*) FROM pg_type t WHERE t.oid = c.reltype) FROM pg_class c",
            "SELECT (SELECT t.oid FROM pg_type t WHERE t.oid = c.reltype LIMIT 1) FROM pg_class c",
        ] {
            assert_eq!(rewritten(sql), sql);
        }
    }

    #[test]
    fn subqueries_over_pg_sequence_are_null() {
        assert_eq!(
            rewritten("SELECT (SELECT json_build_object('always', a.attidentity = 'a', 'start', s.seqstart) FROM pg_catalog.pg_sequence s WHERE s.seqrelid = a.attrelid) FROM pg_attribute a"),
            "SELECT NULL FROM pg_attribute a"
        );
    }

    #[test]
    fn oid_lists_are_marked() {
        assert_eq!(
            rewritten("SELECT (SELECT array_agg(ia.atttypid ORDER BY ia.attnum) FROM pg_attribute ia WHERE ia.attrelid = c.oid) FROM pg_class c"),
            "SELECT fedgate_oid_array((SELECT fedgate_oid_array(array_agg(ia.atttypid ORDER BY ia.attnum)) FROM pg_attribute ia WHERE ia.attrelid = c.oid)) FROM pg_class c"
        );
    }

    #[test]
    fn domain_base_type_walk() {
        let sql = "SELECT t.oid, (WITH RECURSIVE typebases(oid, depth) AS (SELECT t2.typbasetype AS oid, 0 AS depth FROM pg_type t2 WHERE t2.oid = t.oid UNION ALL SELECT t2.typbasetype AS oid, tb.depth + 1 AS depth FROM pg_type t2, typebases tb WHERE tb.oid = t2.oid AND t2.typbasetype <> 0) SELECT oid FROM typebases ORDER BY depth DESC LIMIT 1) FROM pg_type t";
        assert_eq!(rewritten(sql), "SELECT t.oid, t.typbasetype FROM pg_type t");
    }

    #[test]
    fn outer_only_conditions_move_out_of_the_subquery() {
        let sql = "SELECT CASE WHEN a.atthasdef THEN (SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d WHERE a.atthasdef AND d.adrelid = a.attrelid) END FROM pg_attribute a";
        assert_eq!(
            rewritten(sql),
            "SELECT CASE WHEN a.atthasdef THEN CASE WHEN a.atthasdef THEN (SELECT first_value(pg_get_expr(d.adbin, d.adrelid)) FROM pg_attrdef d WHERE d.adrelid = a.attrelid) END END FROM pg_attribute a"
        );
    }
}
