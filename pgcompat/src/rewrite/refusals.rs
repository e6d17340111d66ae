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

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, FunctionArg, Query, SetExpr, SetOperator, SetQuantifier, Statement, TableFactor, Visit,
    Visitor,
};
use fedgate_adapter_api::SqlState;

use crate::PgError;

/// The refusal of `statement`, if fedgate's planner cannot answer it right.
pub fn refusal(statement: &Statement) -> Option<PgError> {
    let mut finder = Finder(None);
    let _ = statement.visit(&mut finder);
    finder.0
}

struct Finder(Option<PgError>);

impl Visitor for Finder {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(error) =
            set_operation_refusal(&query.body).or_else(|| lateral_json_refusal(&query.body))
        {
            self.0 = Some(error);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
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
}
