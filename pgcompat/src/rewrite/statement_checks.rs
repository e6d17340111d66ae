//! Errors PostgreSQL raises while reading a statement that sqlparser and DataFusion would
//! let through or word differently, and the narrow refusals of values fedgate's planner
//! cannot hold. Checked with `super::refusals` before planning (never for statements a
//! PostgreSQL server answers as written).
//!
//! - A reserved keyword read as a column name (`SELECT SELECT`): sqlparser takes it for an
//!   identifier, PostgreSQL's grammar has no such column: 42601 `syntax error at or near
//!   "SELECT"`.
//! - `LIMIT 'x'` / `OFFSET 'x'`: PostgreSQL reads the quoted value as a bigint, 22P02
//!   `invalid input syntax for type bigint: "x"` (a quoted integer is read as its number by
//!   `super::query_forms`).
//! - `'infinity'::date`, `TIMESTAMP '-infinity'`: dates and timestamps in fedgate's planner
//!   are Arrow values without infinities: 0A000.
//! - `gen_random_uuid()`: `uuid` is not a type of the planner (as for `x::uuid`): 0A000.
//! - `SELECT ARRAY[[1, 2], [3, 4]]`: a multidimensional array as a result column is not
//!   built (its value is an Arrow list of lists the output cannot send): 0A000.
//! - `generate_series(0, 1, 0.25)`: the series of `numeric` values is not built (DataFusion's
//!   `generate_series` takes integers and timestamps): 0A000.
//! - The same wildcard twice in a select list (`SELECT d.*, d.*`): DataFusion needs unique
//!   output names per relation column: 0A000.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    LimitClause, ObjectName, Query, SelectItem, SetExpr, TableFactor, Value, ValueWithSpan, Visit,
    Visitor,
};
use fedgate_adapter_api::SqlState;

use crate::PgError;

/// PostgreSQL's error (or fedgate's refusal) for `statement`, if any (see the module docs).
pub(crate) fn check<V: Visit>(statement: &V) -> Option<PgError> {
    let mut finder = Finder(None);
    let _ = statement.visit(&mut finder);
    finder.0
}

struct Finder(Option<PgError>);

impl Visitor for Finder {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let found = quoted_limit_error(query)
            .or_else(|| repeated_wildcard_refusal(query))
            .or_else(|| multidimensional_array_refusal(query));
        self.stop_at(found)
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        let found = match factor {
            TableFactor::Table {
                name,
                args: Some(args),
                ..
            } => numeric_series_refusal(name, &args.args),
            _ => None,
        };
        self.stop_at(found)
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        let found = reserved_word_error(expr)
            .or_else(|| infinite_date_refusal(expr))
            .or_else(|| uuid_function_refusal(expr))
            .or_else(|| match expr {
                Expr::Function(Function {
                    name,
                    args: FunctionArguments::List(list),
                    ..
                }) => numeric_series_refusal(name, &list.args),
                _ => None,
            });
        self.stop_at(found)
    }
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

/// Keywords PostgreSQL reserves that sqlparser may read as a column name.
const RESERVED: &[&str] = &[
    "select",
    "from",
    "where",
    "group",
    "having",
    "order",
    "limit",
    "offset",
    "union",
    "intersect",
    "except",
    "table",
    "with",
    "into",
    "window",
    "fetch",
    "returning",
    "create",
    "grant",
];

fn reserved_word_error(expr: &Expr) -> Option<PgError> {
    let Expr::Identifier(ident) = expr else {
        return None;
    };
    let word = ident.value.to_ascii_lowercase();
    (ident.quote_style.is_none() && RESERVED.contains(&word.as_str())).then(|| {
        PgError::new(
            SqlState::SyntaxError,
            format!("syntax error at or near \"{}\"", ident.value),
        )
    })
}

/// The quoted text of a string constant.
pub(crate) fn quoted_text(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(text),
            ..
        }) => Some(text),
        _ => None,
    }
}

fn quoted_limit_error(query: &Query) -> Option<PgError> {
    let Some(LimitClause::LimitOffset { limit, offset, .. }) = &query.limit_clause else {
        return None;
    };
    let values = limit.iter().chain(offset.iter().map(|o| &o.value));
    for value in values {
        let Some(text) = quoted_text(value) else {
            continue;
        };
        if text.trim().parse::<i64>().is_err() {
            return Some(PgError::new(
                SqlState::InvalidTextRepresentation,
                format!("invalid input syntax for type bigint: \"{text}\""),
            ));
        }
    }
    None
}

fn is_date_or_timestamp(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Date | DataType::Timestamp(..) | DataType::Datetime(_)
    )
}

fn infinite_date_refusal(expr: &Expr) -> Option<PgError> {
    let (text, data_type) = match expr {
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            expr,
            data_type,
            ..
        } => (quoted_text(expr)?, data_type),
        Expr::TypedString(typed) => match &typed.value.value {
            Value::SingleQuotedString(text) => (text.as_str(), &typed.data_type),
            _ => return None,
        },
        _ => return None,
    };
    let infinite = matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "infinity" | "+infinity" | "-infinity"
    );
    (infinite && is_date_or_timestamp(data_type)).then(|| {
        PgError::new(
            SqlState::FeatureNotSupported,
            format!("{data_type} '{text}' is not supported across servers or outside PostgreSQL"),
        )
        .with_hint(
            "fedgate's dates and timestamps are finite; place the tables on one PostgreSQL server",
        )
    })
}

fn uuid_function_refusal(expr: &Expr) -> Option<PgError> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let name = function.name.to_string().to_ascii_lowercase();
    let name = name.rsplit('.').next().unwrap_or(&name);
    matches!(name, "gen_random_uuid" | "uuid_generate_v4").then(|| {
        PgError::new(
            SqlState::FeatureNotSupported,
            "type uuid is not supported across servers or outside PostgreSQL",
        )
        .with_hint("place the tables on one PostgreSQL server")
    })
}

fn refused(construct: &str) -> PgError {
    PgError::new(
        SqlState::FeatureNotSupported,
        format!("{construct} is not supported across servers or outside PostgreSQL"),
    )
    .with_hint("place the tables on one PostgreSQL server")
}

/// A multidimensional `ARRAY[[...]]` as a select-list item: its value cannot be sent (the
/// array functions take them: `array_dims(ARRAY[[1, 2]])` answers).
fn multidimensional_array_refusal(query: &Query) -> Option<PgError> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let nested = select.projection.iter().any(|item| {
        let (SelectItem::UnnamedExpr(Expr::Array(array))
        | SelectItem::ExprWithAlias {
            expr: Expr::Array(array),
            ..
        }) = item
        else {
            return false;
        };
        array.elem.iter().any(|e| matches!(e, Expr::Array(_)))
    });
    nested.then(|| refused("a multidimensional array as a result column"))
}

fn numeric_series_refusal(name: &ObjectName, args: &[FunctionArg]) -> Option<PgError> {
    let is_series = name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .is_some_and(|i| i.value.eq_ignore_ascii_case("generate_series"));
    if !is_series {
        return None;
    }
    let fractional = args.iter().any(|arg| {
        let (FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
        | FunctionArg::Named {
            arg: FunctionArgExpr::Expr(e),
            ..
        }) = arg
        else {
            return false;
        };
        let e = match e {
            Expr::UnaryOp { expr, .. } => expr.as_ref(),
            other => other,
        };
        matches!(e, Expr::Value(ValueWithSpan { value: Value::Number(n, _), .. })
            if n.contains(['.', 'e', 'E']))
    });
    fractional.then(|| refused("generate_series of numeric values"))
}

fn repeated_wildcard_refusal(query: &Query) -> Option<PgError> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let mut seen = Vec::new();
    for item in &select.projection {
        if !matches!(
            item,
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
        ) {
            continue;
        }
        let key = item.to_string().to_lowercase();
        if seen.contains(&key) {
            return Some(refused("the same wildcard twice in a select list"));
        }
        seen.push(key);
    }
    None
}

#[cfg(test)]
mod tests {
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    use super::*;

    fn code(sql: &str) -> Option<SqlState> {
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0);
        check(&statement).map(|e| e.code)
    }

    #[test]
    fn reserved_words_as_columns_are_syntax_errors() {
        assert_eq!(code("SELECT SELECT"), Some(SqlState::SyntaxError));
        assert_eq!(code("SELECT \"select\" FROM t"), None);
        assert_eq!(code("SELECT selected FROM t"), None);
    }

    #[test]
    fn quoted_limits_must_be_integers() {
        assert_eq!(
            code("SELECT * FROM t LIMIT 'x'"),
            Some(SqlState::InvalidTextRepresentation)
        );
        assert_eq!(
            code("SELECT * FROM t LIMIT 1 OFFSET 'a'"),
            Some(SqlState::InvalidTextRepresentation)
        );
        assert_eq!(code("SELECT * FROM t LIMIT '2'"), None);
    }

    #[test]
    fn infinite_dates_and_uuid_generation_are_refused() {
        assert_eq!(
            code("SELECT 'infinity'::date"),
            Some(SqlState::FeatureNotSupported)
        );
        assert_eq!(
            code("SELECT TIMESTAMP '-infinity'"),
            Some(SqlState::FeatureNotSupported)
        );
        assert_eq!(code("SELECT 'epoch'::timestamp, 'infinity'::float8"), None);
        assert_eq!(
            code("SELECT gen_random_uuid()"),
            Some(SqlState::FeatureNotSupported)
        );
    }

    #[test]
    fn unbuilt_forms_are_refused() {
        for sql in [
            "SELECT ARRAY[[1, 2], [3, 4]]",
            "SELECT x FROM generate_series(0, 1, 0.25) AS g(x)",
            "SELECT generate_series(1.5, 3)",
            "SELECT d.*, d.* FROM dept AS d",
        ] {
            assert_eq!(code(sql), Some(SqlState::FeatureNotSupported), "{sql}");
        }
        for sql in [
            "SELECT ARRAY[1, 2], generate_series(1, 3, 2)",
            "SELECT cardinality(ARRAY[[1, 2], [3, 4]])",
            "SELECT d.*, e.* FROM dept AS d, emp AS e",
        ] {
            assert_eq!(code(sql), None, "{sql}");
        }
    }
}
