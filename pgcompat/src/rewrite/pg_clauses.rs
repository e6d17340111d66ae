//! PostgreSQL clauses and operators DataFusion does not plan, rewritten into equivalent
//! ones it does (applied after [`super::pg_syntax`]):
//!
//! - `OFFSET n ROWS FETCH {FIRST | NEXT} [m] {ROW | ROWS} ONLY` becomes `LIMIT m OFFSET n`
//!   (`m` defaults to 1, as in PostgreSQL). `WITH TIES` and `PERCENT` are refused
//!   (`super::refusals`);
//! - `a ^@ b` becomes `starts_with(a, b)`, and `a && b` (arrays overlap) becomes
//!   `array_has_any(a, b)` with PostgreSQL's NULL rules: NULL when either array is NULL,
//!   and NULL elements never match (both named `?column?`);
//! - `x COLLATE "C"` (and `"POSIX"`) becomes `x`: outside PostgreSQL fedgate compares and
//!   sorts strings by their bytes, which is what the C collation does;
//! - an array slice without a bound (`a[:2]`, `a[2:]`) gets PostgreSQL's implicit ones
//!   (`a[1:2]`, `a[2:2147483647]`: subscripts are int4, so that is the array's end);
//! - `EXISTS (SELECT ... FROM ... WHERE p)` outside WHERE (in a select list, a CASE) becomes
//!   `((SELECT count(*) FROM ... WHERE p) > 0)`: DataFusion decorrelates EXISTS only in
//!   filters; a correlated `count(*)` is 0, never NULL, for no rows, so the value is the
//!   same. Subqueries with grouping, DISTINCT, LIMIT or set operations keep their EXISTS;
//! - `x [NOT] IN (SELECT y ...)` there becomes a CASE over such counts with PostgreSQL's
//!   NULL rules (true on a match, false for no rows, NULL when `x` or some `y` is NULL),
//!   when `x`'s columns can be qualified with the one outer relation's name.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArguments, GroupByExpr, Ident, LimitClause, Query, Select, SelectItem, SetExpr,
    Statement, Subscript, TableFactor, Value, VisitMut, VisitorMut,
};
use datafusion_pg_catalog::sql::rules::SqlStatementRewriteRule;

use datafusion::sql::sqlparser::ast::helpers::attached_token::AttachedToken;

use super::pg_syntax::{call, lambda};

/// The rewrite rule (see the module documentation).
#[derive(Debug, Default)]
pub struct PostgresClauses;

impl SqlStatementRewriteRule for PostgresClauses {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = statement.visit(&mut ClauseRewriter);
        statement
    }
}

struct ClauseRewriter;

impl VisitorMut for ClauseRewriter {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        fetch_to_limit(query);
        if let SetExpr::Select(select) = query.body.as_mut() {
            exists_outside_where(select);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        rewrite_operators(expr);
        strip_byte_collation(expr);
        implicit_slice_bounds(expr);
        ControlFlow::Continue(())
    }
}

/// `FETCH FIRST m ROWS ONLY` as `LIMIT m`, keeping the `OFFSET`.
fn fetch_to_limit(query: &mut Query) {
    let Some(fetch) = &query.fetch else {
        return;
    };
    if fetch.with_ties || fetch.percent {
        return;
    }
    let limit = fetch
        .quantity
        .clone()
        .unwrap_or_else(|| Expr::value(Value::Number("1".into(), false)));
    let offset = match query.limit_clause.take() {
        None => None,
        Some(LimitClause::LimitOffset {
            limit: None,
            offset,
            limit_by,
        }) if limit_by.is_empty() => offset,
        Some(other) => {
            // LIMIT and FETCH together: PostgreSQL's syntax error; leave it to DataFusion.
            query.limit_clause = Some(other);
            return;
        }
    };
    query.fetch = None;
    query.limit_clause = Some(LimitClause::LimitOffset {
        limit: Some(limit),
        offset,
        limit_by: Vec::new(),
    });
}

fn rewrite_operators(expr: &mut Expr) {
    let Expr::BinaryOp { left, op, right } = expr else {
        return;
    };
    let rewritten = match op {
        BinaryOperator::PGStartsWith => {
            is_true_keeping_null(call("starts_with", vec![*left.clone(), *right.clone()]))
        }
        BinaryOperator::PGOverlap => arrays_overlap(*left.clone(), *right.clone()),
        _ => return,
    };
    *expr = rewritten;
}

/// `a && b` with PostgreSQL's NULL rules: NULL elements of `a` are dropped first, so they
/// never match a NULL of `b`; a NULL array gives NULL. The `= true` keeps the item an
/// operator, named `?column?` as PostgreSQL names it.
fn arrays_overlap(left: Expr, right: Expr) -> Expr {
    let element = Ident::new("fedgate_element");
    let not_null = lambda(
        &element,
        Expr::IsNotNull(Box::new(Expr::Identifier(element.clone()))),
    );
    let non_null_left = call("array_filter", vec![left, not_null]);
    is_true_keeping_null(call("array_has_any", vec![non_null_left, right]))
}

/// `value = true`: the value, NULL when it is NULL, as an operator expression.
fn is_true_keeping_null(value: Expr) -> Expr {
    Expr::Nested(Box::new(Expr::BinaryOp {
        left: Box::new(value),
        op: BinaryOperator::Eq,
        right: Box::new(Expr::value(Value::Boolean(true))),
    }))
}

fn strip_byte_collation(expr: &mut Expr) {
    let Expr::Collate {
        expr: inner,
        collation,
    } = expr
    else {
        return;
    };
    let name = collation
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default();
    if name == "C" || name == "POSIX" {
        *expr = *inner.clone();
    }
}

fn implicit_slice_bounds(expr: &mut Expr) {
    let Expr::CompoundFieldAccess { access_chain, .. } = expr else {
        return;
    };
    for access in access_chain {
        if let datafusion::sql::sqlparser::ast::AccessExpr::Subscript(Subscript::Slice {
            lower_bound,
            upper_bound,
            ..
        }) = access
        {
            let bound = |n: &str| Expr::value(Value::Number(n.into(), false));
            lower_bound.get_or_insert_with(|| bound("1"));
            // Subscripts are int4: the largest one reaches every array's end.
            upper_bound.get_or_insert_with(|| bound("2147483647"));
        }
    }
}

/// EXISTS and IN (subquery) in the select list and elsewhere outside WHERE/HAVING, as
/// counts.
fn exists_outside_where(select: &mut Select) {
    let outer = single_relation_name(select);
    for item in &mut select.projection {
        let expr = match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr,
            _ => continue,
        };
        let _ = expr.visit(&mut ExistsAsCount {
            outer: outer.clone(),
        });
    }
}

/// The name that qualifies the columns of a query over one relation (its alias, else the
/// last part of its name).
fn single_relation_name(select: &Select) -> Option<String> {
    let [table] = select.from.as_slice() else {
        return None;
    };
    if !table.joins.is_empty() {
        return None;
    }
    match &table.relation {
        TableFactor::Table { name, alias, .. } => Some(match alias {
            Some(alias) => alias.name.value.clone(),
            None => name.0.last()?.as_ident()?.value.clone(),
        }),
        _ => None,
    }
}

struct ExistsAsCount {
    outer: Option<String>,
}

impl VisitorMut for ExistsAsCount {
    type Break = ();

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::InSubquery {
            expr: value,
            subquery,
            negated,
        } = expr
        {
            if let Some(rewritten) = in_as_counts(value, subquery, *negated, self.outer.as_deref())
            {
                *expr = rewritten;
            }
            return ControlFlow::Continue(());
        }
        let Expr::Exists { subquery, negated } = expr else {
            return ControlFlow::Continue(());
        };
        let Some(counted) = counting(subquery) else {
            return ControlFlow::Continue(());
        };
        let op = if *negated {
            BinaryOperator::Eq
        } else {
            BinaryOperator::Gt
        };
        *expr = Expr::Nested(Box::new(Expr::BinaryOp {
            left: Box::new(Expr::Subquery(Box::new(counted))),
            op,
            right: Box::new(Expr::value(Value::Number("0".into(), false))),
        }));
        ControlFlow::Continue(())
    }
}

/// `value [NOT] IN (SELECT y FROM ... WHERE p)` with PostgreSQL's NULL rules, from counts:
/// true when a row has `y = value`; false when there is no row; NULL when `value` is NULL
/// or a `y` is NULL; false otherwise. `value`'s unqualified columns are qualified with the
/// outer relation's name (they move into the subquery); `None` when that cannot be done
/// safely (several outer relations, the same name inside, a subquery of another shape).
fn in_as_counts(
    value: &Expr,
    subquery: &Query,
    negated: bool,
    outer: Option<&str>,
) -> Option<Expr> {
    let SetExpr::Select(inner) = subquery.body.as_ref() else {
        return None;
    };
    let [SelectItem::UnnamedExpr(y) | SelectItem::ExprWithAlias { expr: y, .. }] =
        inner.projection.as_slice()
    else {
        return None;
    };
    let value = qualified(value, outer, inner)?;
    let with_condition = |condition: Expr| -> Option<Expr> {
        let mut query = counting(subquery)?;
        if let SetExpr::Select(select) = query.body.as_mut() {
            select.selection = Some(match select.selection.take() {
                Some(p) => and(Expr::Nested(Box::new(p)), condition),
                None => condition,
            });
        }
        Some(Expr::Subquery(Box::new(query)))
    };
    let zero = || Expr::value(Value::Number("0".into(), false));
    let compare = |left: Expr, op: BinaryOperator| Expr::BinaryOp {
        left: Box::new(left),
        op,
        right: Box::new(zero()),
    };
    let equal = Expr::BinaryOp {
        left: Box::new(Expr::Nested(Box::new(y.clone()))),
        op: BinaryOperator::Eq,
        right: Box::new(Expr::Nested(Box::new(value.clone()))),
    };
    let matches = with_condition(equal)?;
    let rows = Expr::Subquery(Box::new(counting(subquery)?));
    let null_ys = with_condition(Expr::IsNull(Box::new(Expr::Nested(Box::new(y.clone())))))?;
    let unknown = Expr::BinaryOp {
        left: Box::new(Expr::IsNull(Box::new(Expr::Nested(Box::new(value))))),
        op: BinaryOperator::Or,
        right: Box::new(compare(null_ys, BinaryOperator::Gt)),
    };
    let when = |condition: Expr, result: Expr| datafusion::sql::sqlparser::ast::CaseWhen {
        condition,
        result,
    };
    let truth = Expr::Case {
        case_token: AttachedToken::empty(),
        end_token: AttachedToken::empty(),
        operand: None,
        conditions: vec![
            when(
                compare(matches, BinaryOperator::Gt),
                Expr::value(Value::Boolean(!negated)),
            ),
            when(
                compare(rows, BinaryOperator::Eq),
                Expr::value(Value::Boolean(negated)),
            ),
            when(unknown, Expr::value(Value::Null)),
        ],
        else_result: Some(Box::new(Expr::value(Value::Boolean(negated)))),
    };
    Some(is_true_keeping_null(truth))
}

fn and(left: Expr, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op: BinaryOperator::And,
        right: Box::new(right),
    }
}

/// `value` with its unqualified columns qualified by `outer`; `None` when there is no
/// outer name, or the subquery's own relations use that name.
fn qualified(value: &Expr, outer: Option<&str>, inner: &Select) -> Option<Expr> {
    let mut value = value.clone();
    let mut unqualified = false;
    let _ = visit_expressions_mut(&mut value, |e| {
        if let Expr::Identifier(ident) = e {
            unqualified = true;
            if let Some(outer) = outer {
                *e = Expr::CompoundIdentifier(vec![Ident::new(outer), ident.clone()]);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    if !unqualified {
        return Some(value);
    }
    let outer = outer?;
    let shadowed = inner.from.iter().any(|t| {
        std::iter::once(&t.relation)
            .chain(t.joins.iter().map(|j| &j.relation))
            .any(|r| {
                relation_names(r)
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(outer))
            })
    });
    (!shadowed).then_some(value)
}

fn relation_names(relation: &TableFactor) -> Vec<String> {
    match relation {
        TableFactor::Table { name, alias, .. } => name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| i.value.clone())
            .into_iter()
            .chain(alias.iter().map(|a| a.name.value.clone()))
            .collect(),
        TableFactor::Derived { alias, .. } => alias.iter().map(|a| a.name.value.clone()).collect(),
        // Unknown kinds: assume the worst.
        _ => vec![String::new()],
    }
}

/// `subquery` with its select list replaced by `count(*)`, when that keeps its meaning (a
/// plain SELECT without grouping, DISTINCT, windows, LIMIT or set operations).
fn counting(subquery: &Query) -> Option<Query> {
    let SetExpr::Select(select) = subquery.body.as_ref() else {
        return None;
    };
    let grouped =
        !matches!(&select.group_by, GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty());
    if grouped
        || select.having.is_some()
        || select.distinct.is_some()
        || !select.named_window.is_empty()
        || select.qualify.is_some()
        || subquery.limit_clause.is_some()
        || subquery.fetch.is_some()
        || subquery.with.is_some()
    {
        return None;
    }
    let mut counted = subquery.clone();
    counted.order_by = None;
    if let SetExpr::Select(select) = counted.body.as_mut() {
        select.projection = vec![SelectItem::UnnamedExpr(count_star())];
    }
    Some(counted)
}

/// `count(*)`.
fn count_star() -> Expr {
    let mut count = call("count", vec![]);
    if let Expr::Function(Function {
        args: FunctionArguments::List(list),
        ..
    }) = &mut count
    {
        list.args
            .push(FunctionArg::Unnamed(FunctionArgExpr::Wildcard));
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn rewritten(sql: &str) -> String {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        PostgresClauses.rewrite(statement).to_string()
    }

    #[test]
    fn fetch_first_becomes_limit() {
        assert_eq!(
            rewritten("SELECT id FROM emp ORDER BY id FETCH FIRST 3 ROWS ONLY"),
            "SELECT id FROM emp ORDER BY id LIMIT 3"
        );
        assert_eq!(
            rewritten("SELECT id FROM emp ORDER BY id OFFSET 2 ROWS FETCH NEXT 2 ROWS ONLY"),
            "SELECT id FROM emp ORDER BY id LIMIT 2 OFFSET 2 ROWS"
        );
        assert_eq!(
            rewritten("SELECT id FROM emp FETCH FIRST ROW ONLY"),
            "SELECT id FROM emp LIMIT 1"
        );
        assert!(
            rewritten("SELECT id FROM emp ORDER BY id FETCH FIRST 2 ROWS WITH TIES")
                .contains("WITH TIES")
        );
    }

    #[test]
    fn operators_become_functions() {
        assert_eq!(
            rewritten("SELECT 'abc' ^@ 'ab'"),
            "SELECT (starts_with('abc', 'ab') = true)"
        );
        assert!(rewritten("SELECT a && b FROM t").contains("array_has_any"));
    }

    #[test]
    fn byte_collations_and_slices() {
        assert_eq!(
            rewritten("SELECT w FROM words ORDER BY w COLLATE \"C\""),
            "SELECT w FROM words ORDER BY w"
        );
        assert!(rewritten("SELECT w COLLATE \"de_DE\" FROM words").contains("COLLATE"));
        assert_eq!(rewritten("SELECT a[:2] FROM t"), "SELECT a[1:2] FROM t");
        assert_eq!(
            rewritten("SELECT a[2:] FROM t"),
            "SELECT a[2:2147483647] FROM t"
        );
    }

    #[test]
    fn exists_in_the_select_list_becomes_a_count() {
        assert_eq!(
            rewritten("SELECT name, EXISTS (SELECT 1 FROM emp AS e WHERE e.dept = d.name ORDER BY 1) AS staffed FROM dept AS d"),
            "SELECT name, ((SELECT count(*) FROM emp AS e WHERE e.dept = d.name) > 0) AS staffed FROM dept AS d"
        );
        assert_eq!(
            rewritten("SELECT NOT EXISTS (SELECT 1 FROM emp) FROM dept"),
            "SELECT ((SELECT count(*) FROM emp) = 0) FROM dept"
        );
        // In WHERE, DataFusion decorrelates EXISTS itself.
        assert_eq!(
            rewritten("SELECT 1 FROM dept AS d WHERE EXISTS (SELECT 1 FROM emp)"),
            "SELECT 1 FROM dept AS d WHERE EXISTS (SELECT 1 FROM emp)"
        );
        // IN (subquery) in the select list: counts, the outer column qualified.
        let sql = rewritten(
            "SELECT name, id IN (SELECT head_id FROM dept) AS is_head FROM emp ORDER BY id",
        );
        assert!(sql.contains("WHERE (head_id) = (emp.id)"), "{sql}");
        assert!(sql.contains("WHERE (head_id) IS NULL"), "{sql}");
        // Several outer relations: the columns cannot be qualified, it stays.
        assert!(rewritten("SELECT id IN (SELECT x FROM u) FROM t, v").contains(" IN (SELECT"));
        // The subquery uses the outer name itself: it stays.
        assert!(rewritten("SELECT id IN (SELECT x FROM t) FROM t").contains(" IN (SELECT"));
        // A grouped subquery keeps its EXISTS.
        assert!(
            rewritten("SELECT EXISTS (SELECT dept FROM emp GROUP BY dept) FROM dept")
                .contains("EXISTS")
        );
    }
}
