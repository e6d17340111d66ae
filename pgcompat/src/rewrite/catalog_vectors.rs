//! The vector columns of catalog tables (`pg_index.indkey`, `pg_constraint.conkey`, ...)
//! in catalog queries. datafusion-pg-catalog keeps them as text (`1 2`, `[2, 20, 3]`), so
//! the set-returning functions clients apply to them get the numbers as a list:
//!
//! - `unnest(v)` becomes `unnest(<the integers of v>)` (SQLAlchemy's primary key and index
//!   reflection);
//! - `generate_subscripts(a, dim)` in a select list becomes `unnest(generate_series(1,
//!   array_length(a)))`, the subscripts of a one-based, one-dimensional array (DataFusion
//!   has no `generate_subscripts`; SQLAlchemy passes `dim` as a parameter).

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Statement, Value,
};

use crate::rewrite::pg_syntax::{call, integer_list};

/// Catalog columns of PostgreSQL vector or array types that are text here.
const VECTOR_COLUMNS: &[&str] = &[
    "indkey",
    "indclass",
    "indcollation",
    "indoption",
    "conkey",
    "confkey",
    "conpfeqop",
    "conppeqop",
    "conffeqop",
    "stxkeys",
    "proargtypes",
    "proallargtypes",
];

/// Applies the rewrites (see the module documentation) to a catalog query.
pub fn rewrite(mut statement: Statement) -> Statement {
    let _ = visit_expressions_mut(&mut statement, |expr| {
        if let Some(replacement) = rewrite_call(expr) {
            *expr = replacement;
        }
        ControlFlow::<()>::Continue(())
    });
    statement
}

/// The unnamed arguments of a call named `name`.
fn arguments<'a>(expr: &'a Expr, name: &str) -> Option<Vec<&'a Expr>> {
    let Expr::Function(f) = expr else {
        return None;
    };
    let last = f.name.0.last()?.as_ident()?;
    if !last.value.eq_ignore_ascii_case(name) || f.over.is_some() {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    list.args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect()
}

fn is_vector_column(expr: &Expr) -> bool {
    let name = match expr {
        Expr::Identifier(ident) => ident,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(last) => last,
            None => return false,
        },
        _ => return false,
    };
    VECTOR_COLUMNS.contains(&name.value.to_ascii_lowercase().as_str())
}

/// The list of a vector column's integers, any other array as it is.
fn as_list(expr: &Expr) -> Expr {
    if is_vector_column(expr) {
        integer_list(expr)
    } else {
        expr.clone()
    }
}

fn rewrite_call(expr: &Expr) -> Option<Expr> {
    if let Some([vector]) = arguments(expr, "unnest").as_deref() {
        return is_vector_column(vector).then(|| call("unnest", vec![integer_list(vector)]));
    }
    let subscripts = arguments(expr, "generate_subscripts")?;
    // Arrays here have one dimension; the dimension argument is often a parameter.
    let [array, _dimension] = subscripts.as_slice() else {
        return None;
    };
    let one = Expr::Value(Value::Number("1".to_string(), false).into());
    let length = call("array_length", vec![as_list(array)]);
    let series = call("generate_series", vec![one, length]);
    Some(call("unnest", vec![series]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        rewrite(crate::rewrite::parse::plain_statement(sql)).to_string()
    }

    #[test]
    fn vector_columns_are_unnested_as_lists() {
        let sql = rewritten("SELECT unnest(i.indkey) AS attnum, generate_subscripts(i.indkey, 1) AS ord FROM pg_index i");
        assert!(sql.starts_with("SELECT unnest(array_transform(array_filter(string_to_array(regexp_replace(btrim(CAST(i.indkey AS TEXT)"), "{sql}");
        assert!(
            sql.contains("AS attnum, unnest(generate_series(1, array_length(array_transform("),
            "{sql}"
        );
        assert_eq!(
            rewritten("SELECT unnest(ARRAY[1, 2]), generate_subscripts(a, $1) FROM t"),
            "SELECT unnest(ARRAY[1, 2]), unnest(generate_series(1, array_length(a))) FROM t"
        );
    }
}
