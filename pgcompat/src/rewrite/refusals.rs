//! Statements fedgate's planner would answer wrongly, refused with 0A000 instead: a
//! refusal is honest, a wrong answer is not. (Statements a PostgreSQL server answers as
//! written never get here; see `crate::passthrough`.)
//!
//! - `INTERSECT ALL` / `EXCEPT ALL`: DataFusion 55 plans them as a semi/anti join of all
//!   left rows, which keeps every duplicate of a matching row (PostgreSQL keeps
//!   min(m, n) for INTERSECT ALL and max(m - n, 0) for EXCEPT ALL).
//! - a json set-returning function in FROM over a column of another FROM item
//!   (`FROM docs d, jsonb_array_elements(d.body)`, an implicit LATERAL): DataFusion's table
//!   functions take constants only (`crate::functions::json::sets`).
//! - `FETCH FIRST n ROWS WITH TIES` and `FETCH FIRST n PERCENT`: no plan keeps the ties.
//! - `'NaN'::numeric` and `'Infinity'::numeric`: the planner's decimals have no such values.
//!
//! It also raises the errors PostgreSQL's analysis raises and DataFusion's does not, with
//! PostgreSQL's code and words: a window function in `WHERE`, `HAVING`, `GROUP BY` or a
//! `JOIN` condition is 42P20; `FOR UPDATE OF t` without a FROM item named `t` is 42P01.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    DataType, Expr, FunctionArg, GroupByExpr, Ident, Join, JoinConstraint, JoinOperator, Query,
    Select, SetExpr, SetOperator, SetQuantifier, Statement, TableFactor, Value, Visit, Visitor,
};
use fedgate_adapter_api::SqlState;

use crate::PgError;

/// The refusal of `statement`, if fedgate's planner cannot answer it right.
pub fn refusal(statement: &Statement) -> Option<PgError> {
    let mut finder = Finder(None);
    let _ = statement.visit(&mut finder);
    finder
        .0
        .or_else(|| super::statement_checks::check(statement))
}

struct Finder(Option<PgError>);

impl Visitor for Finder {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let found = set_operation_refusal(&query.body)
            .or_else(|| lateral_json_refusal(&query.body))
            .or_else(|| fetch_refusal(query))
            .or_else(|| unknown_locked_relation(query));
        self.stop_at(found)
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        self.stop_at(misplaced_window_function(select))
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        self.stop_at(columnless_subquery(expr).or_else(|| special_numeric_refusal(expr)))
    }
}

/// PostgreSQL's error for a subquery without columns where a value is expected
/// (`(SELECT FROM t)`, `x IN (SELECT FROM t)`): 42601. DataFusion panics planning them.
/// `EXISTS (SELECT FROM t)` is valid.
fn columnless_subquery(expr: &Expr) -> Option<PgError> {
    let (query, message) = match expr {
        Expr::Subquery(query) => (query, "subquery must return only one column"),
        Expr::InSubquery { subquery, .. } => (subquery, "subquery has too few columns"),
        Expr::AnyOp { right, .. } | Expr::AllOp { right, .. } => match right.as_ref() {
            Expr::Subquery(query) => (query, "subquery has too few columns"),
            _ => return None,
        },
        _ => return None,
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    select
        .projection
        .is_empty()
        .then(|| PgError::new(SqlState::SyntaxError, message))
}

impl Finder {
    fn stop_at(&mut self, found: Option<PgError>) -> ControlFlow<()> {
        match found {
            Some(error) => {
                self.0 = Some(error);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    }
}

/// `'NaN'::numeric`, `'Infinity'::numeric` (and `NUMERIC 'NaN'`, `CAST(... AS decimal)`):
/// PostgreSQL's numeric has these values, a decimal column of the planner has not.
fn special_numeric_refusal(expr: &Expr) -> Option<PgError> {
    let (data_type, value) = match expr {
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => match inner.as_ref() {
            Expr::Value(value) => (data_type, &value.value),
            _ => return None,
        },
        Expr::TypedString(typed) => (&typed.data_type, &typed.value.value),
        _ => return None,
    };
    let numeric = matches!(
        data_type,
        DataType::Numeric(_) | DataType::Decimal(_) | DataType::Dec(_)
    );
    let text = match value {
        Value::SingleQuotedString(text) | Value::EscapedStringLiteral(text) => text,
        _ => return None,
    };
    let word = text.trim().to_ascii_lowercase();
    let special = matches!(
        word.trim_start_matches(['+', '-']),
        "nan" | "infinity" | "inf"
    ) && !(word.starts_with(['+', '-']) && word.ends_with("nan"));
    (numeric && special).then(|| {
        PgError::new(
            SqlState::FeatureNotSupported,
            format!(
                "numeric '{}' is not supported outside PostgreSQL servers",
                text.trim()
            ),
        )
        .with_hint(
            "use double precision ('NaN'::float8), or place the tables on one PostgreSQL server",
        )
    })
}

fn fetch_refusal(query: &Query) -> Option<PgError> {
    let fetch = query.fetch.as_ref()?;
    let form = match (fetch.with_ties, fetch.percent) {
        (true, _) => "FETCH ... WITH TIES",
        (_, true) => "FETCH ... PERCENT",
        _ => return None,
    };
    Some(
        PgError::new(
            SqlState::FeatureNotSupported,
            format!("{form} is not supported across servers or outside PostgreSQL"),
        )
        .with_hint("use ONLY, or place the tables on one PostgreSQL server"),
    )
}

/// PostgreSQL's error for `FOR UPDATE OF t` when no FROM item of the query is named `t`
/// (42P01; fedgate takes no row locks, but the statement must be as valid as on
/// PostgreSQL).
fn unknown_locked_relation(query: &Query) -> Option<PgError> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let mut names = Vec::new();
    for from in &select.from {
        from_item_names(&from.relation, &mut names);
        for join in &from.joins {
            from_item_names(&join.relation, &mut names);
        }
    }
    query.locks.iter().find_map(|lock| {
        let wanted = lock.of.as_ref()?.0.last()?.as_ident()?;
        let wanted = normalized(wanted);
        (!names.contains(&wanted)).then(|| {
            PgError::new(
                SqlState::UndefinedTable,
                format!(
                    "relation \"{wanted}\" in FOR {} clause not found in FROM clause",
                    lock.lock_type
                ),
            )
        })
    })
}

/// The names a FROM item answers to in a locking clause: its alias, else its table name.
fn from_item_names(item: &TableFactor, names: &mut Vec<String>) {
    match item {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            names.push(normalized(&a.name))
        }
        TableFactor::Table { name, .. } => {
            if let Some(ident) = name.0.last().and_then(|p| p.as_ident()) {
                names.push(normalized(ident));
            }
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            from_item_names(&table_with_joins.relation, names);
            for join in &table_with_joins.joins {
                from_item_names(&join.relation, names);
            }
        }
        _ => {}
    }
}

/// An identifier as PostgreSQL folds it: unquoted to lower case.
fn normalized(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// PostgreSQL's error for a window function where rows are still being chosen.
fn misplaced_window_function(select: &Select) -> Option<PgError> {
    let group_by = match &select.group_by {
        GroupByExpr::Expressions(exprs, _) => exprs.as_slice(),
        GroupByExpr::All(_) => &[],
    };
    let join_conditions = select
        .from
        .iter()
        .flat_map(|t| &t.joins)
        .filter_map(join_condition);
    let places = select
        .selection
        .iter()
        .map(|e| (e, "WHERE"))
        .chain(select.having.iter().map(|e| (e, "HAVING")))
        .chain(group_by.iter().map(|e| (e, "GROUP BY")))
        .chain(join_conditions.map(|e| (e, "JOIN conditions")));
    for (expr, place) in places {
        if has_window_function(expr) {
            return Some(PgError::new(
                SqlState::WindowingError,
                format!("window functions are not allowed in {place}"),
            ));
        }
    }
    None
}

fn join_condition(join: &Join) -> Option<&Expr> {
    let constraint = match &join.join_operator {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c) => c,
        _ => return None,
    };
    match constraint {
        JoinConstraint::On(expr) => Some(expr),
        _ => None,
    }
}

/// Whether `expr` calls a window function outside any subquery of its own.
fn has_window_function(expr: &Expr) -> bool {
    struct Windows(bool);
    impl Visitor for Windows {
        type Break = ();
        fn pre_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
            // A subquery's window functions are its own (allowed there).
            ControlFlow::Break(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if matches!(expr, Expr::Function(f) if f.over.is_some()) {
                self.0 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut windows = Windows(false);
    let _ = expr.visit(&mut windows);
    windows.0
}

/// The json set-returning functions planned as table functions.
const JSON_SET_FUNCTIONS: &[&str] = &[
    "jsonb_array_elements",
    "json_array_elements",
    "jsonb_array_elements_text",
    "json_array_elements_text",
    "jsonb_each",
    "json_each",
    "jsonb_each_text",
    "json_each_text",
    "jsonb_object_keys",
    "json_object_keys",
];

fn lateral_json_refusal(body: &SetExpr) -> Option<PgError> {
    let SetExpr::Select(select) = body else {
        return None;
    };
    let factors = select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)));
    for factor in factors {
        let TableFactor::Table {
            name,
            args: Some(args),
            ..
        } = factor
        else {
            continue;
        };
        let function = name.to_string().to_lowercase();
        if JSON_SET_FUNCTIONS.contains(&function.as_str()) && refers_to_columns(&args.args) {
            return Some(PgError::new(
                SqlState::FeatureNotSupported,
                format!(
                    "{function}() over a column of another FROM item (LATERAL) is not supported outside PostgreSQL"
                ),
            ).with_hint("use a constant argument, or place the tables on one PostgreSQL server"));
        }
    }
    None
}

fn refers_to_columns(args: &[FunctionArg]) -> bool {
    let mut found = false;
    for arg in args {
        let _ = arg.visit(&mut ColumnFinder(&mut found));
    }
    found
}

struct ColumnFinder<'a>(&'a mut bool);

impl Visitor for ColumnFinder<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            *self.0 = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

fn set_operation_refusal(body: &SetExpr) -> Option<PgError> {
    let SetExpr::SetOperation {
        op,
        set_quantifier,
        left,
        right,
    } = body
    else {
        return None;
    };
    let all = matches!(set_quantifier, SetQuantifier::All);
    let name = match op {
        SetOperator::Intersect if all => Some("INTERSECT ALL"),
        SetOperator::Except | SetOperator::Minus if all => Some("EXCEPT ALL"),
        _ => None,
    };
    if let Some(name) = name {
        return Some(
            PgError::new(
                SqlState::FeatureNotSupported,
                format!("{name} is not supported across servers or outside PostgreSQL"),
            )
            .with_hint("use the DISTINCT form, or place the tables on one PostgreSQL server"),
        );
    }
    set_operation_refusal(left).or_else(|| set_operation_refusal(right))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn refused(sql: &str) -> bool {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        refusal(&statement).is_some()
    }

    #[test]
    fn all_forms_of_intersect_and_except_are_refused() {
        assert!(refused("SELECT a FROM t INTERSECT ALL SELECT a FROM u"));
        assert!(refused(
            "SELECT a FROM t EXCEPT ALL SELECT a FROM u ORDER BY 1"
        ));
        assert!(refused(
            "SELECT * FROM (SELECT a FROM t EXCEPT ALL SELECT a FROM u) AS x"
        ));
        assert!(!refused("SELECT a FROM t UNION ALL SELECT a FROM u"));
        assert!(!refused("SELECT a FROM t EXCEPT SELECT a FROM u"));
        assert!(!refused("SELECT a FROM t INTERSECT SELECT a FROM u"));
    }

    fn error_of(sql: &str) -> Option<(SqlState, String)> {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        refusal(&statement).map(|e| (e.code, e.message))
    }

    #[test]
    fn subqueries_without_columns_are_42601() {
        assert_eq!(
            error_of("SELECT (SELECT FROM emp WHERE false) IS NULL"),
            Some((
                SqlState::SyntaxError,
                "subquery must return only one column".into()
            ))
        );
        assert_eq!(
            error_of("SELECT 1 IN (SELECT FROM emp)"),
            Some((SqlState::SyntaxError, "subquery has too few columns".into()))
        );
        assert_eq!(error_of("SELECT EXISTS (SELECT FROM emp)"), None);
    }

    #[test]
    fn numeric_nan_and_infinity_are_refused() {
        for sql in [
            "SELECT 'NaN'::numeric",
            "SELECT ' infinity'::decimal",
            "SELECT CAST('-Infinity' AS NUMERIC(10, 2))",
            "SELECT NUMERIC 'inf'",
            "SELECT 1 FROM t WHERE x < '+inf'::numeric",
        ] {
            let (code, message) = error_of(sql).unwrap_or_else(|| panic!("{sql}"));
            assert_eq!(code, SqlState::FeatureNotSupported);
            assert!(message.starts_with("numeric '"), "{message}");
        }
        for sql in [
            "SELECT 'NaN'::float8",
            "SELECT 'Infinity'::double precision",
            "SELECT '1.5'::numeric",
            "SELECT '-NaN'::numeric",
            "SELECT 'nan'",
        ] {
            assert!(error_of(sql).is_none(), "{sql}");
        }
    }

    #[test]
    fn fetch_with_ties_is_refused() {
        let (code, _) =
            error_of("SELECT a FROM t ORDER BY a FETCH FIRST 2 ROWS WITH TIES").unwrap();
        assert_eq!(code, SqlState::FeatureNotSupported);
        assert!(error_of("SELECT a FROM t ORDER BY a FETCH FIRST 2 ROWS ONLY").is_none());
    }

    #[test]
    fn window_functions_where_rows_are_chosen_are_42p20() {
        for (sql, place) in [
            ("SELECT id FROM t WHERE row_number() OVER () = 1", "WHERE"),
            (
                "SELECT a FROM t GROUP BY a HAVING max(b) OVER () > 1",
                "HAVING",
            ),
            (
                "SELECT 1 FROM t JOIN u ON rank() OVER (ORDER BY t.a) = 1",
                "JOIN conditions",
            ),
        ] {
            let (code, message) = error_of(sql).unwrap();
            assert_eq!(code, SqlState::WindowingError, "{sql}");
            assert_eq!(
                message,
                format!("window functions are not allowed in {place}")
            );
        }
        assert!(error_of("SELECT row_number() OVER () FROM t WHERE a > 1").is_none());
        assert!(error_of(
            "SELECT a FROM t WHERE a IN (SELECT x FROM (SELECT x, rank() OVER () AS r FROM u) s)"
        )
        .is_none());
    }

    #[test]
    fn json_set_functions_over_other_from_items_are_refused() {
        assert!(refused(
            "SELECT t.value FROM docs AS d, jsonb_array_elements(d.body -> 'tags') AS t"
        ));
        assert!(refused("SELECT * FROM docs, jsonb_each(body)"));
        assert!(!refused("SELECT * FROM jsonb_each('{\"a\": 1}')"));
        assert!(!refused(
            "SELECT * FROM jsonb_array_elements('[1]'::jsonb) AS t(x)"
        ));
    }

    #[test]
    fn locking_clauses_name_from_items() {
        let (code, message) = error_of("SELECT id FROM emp FOR UPDATE OF dept").unwrap();
        assert_eq!(code, SqlState::UndefinedTable);
        assert_eq!(
            message,
            "relation \"dept\" in FOR UPDATE clause not found in FROM clause"
        );
        assert!(error_of("SELECT 1 FROM emp e FOR SHARE OF emp").is_some());
        assert!(error_of("SELECT 1 FROM emp FOR UPDATE OF EMP").is_none());
        assert!(
            error_of("SELECT 1 FROM pg.public.emp e JOIN dept d ON true FOR UPDATE OF d").is_none()
        );
        assert!(error_of("SELECT 1 FROM emp FOR UPDATE").is_none());
    }
}
