//! PostgreSQL expressions DataFusion does not plan, rewritten into equivalent ones it does.
//! Applied to every statement (user and catalog queries) after parsing:
//!
//! - `x [NOT] [I]LIKE p ESCAPE 'c'` becomes `x [NOT] [I]LIKE like_escape(p, 'c')`:
//!   DataFusion's LIKE knows only the backslash escape; PostgreSQL's `like_escape`
//!   (`crate::catalog::catalog_functions`) rewrites the pattern for it, also when `p` is a parameter
//!   (SQLAlchemy's `nspname NOT LIKE $1 || '%' ESCAPE '/'`);
//! - `ARRAY(SELECT e FROM unnest(a) x [WHERE p])` becomes
//!   `array_transform(array_filter(a, x -> p), x -> e)` (psql's `\d+`): DataFusion has no
//!   array subquery constructor and cannot unnest an outer column in a subquery. One
//!   difference remains: for a NULL `a` the result is NULL, where PostgreSQL gives `{}`;
//! - `x::regtype[]` becomes the array of the type names of the OIDs in `x` (pgcli's
//!   `proargtypes::regtype[]`; `pg_proc` holds OID lists as text, `2276 23` or `[1034,
//!   26]`): DataFusion has no `regtype`;
//! - `extract(field FROM x)` is `numeric` in PostgreSQL (14+) and `date_part(...)` is
//!   `double precision`; DataFusion's `date_part` is an integer for most fields. Extract of
//!   a whole-number field (year, month, day, hour, minute, dow, doy, week, quarter, ...)
//!   becomes a cast to `numeric(20)`, `date_part(...)` a cast to `double precision`;
//! - `generate_series(...)` (and the json set-returning functions, `jsonb_object_keys`
//!   ...) as a select-list item becomes `unnest(generate_series(...))`
//!   named `generate_series`: PostgreSQL returns one row per value, DataFusion's scalar
//!   function one array; so does a cast of one (`generate_series(...)::date` is
//!   `CAST(unnest(generate_series(...)) AS date)`);
//! - `extract(second | milliseconds | microseconds | epoch FROM x)` becomes
//!   `extract('second', x)` (`crate::functions::extract`): numeric with PostgreSQL's scales;
//! - `FROM generate_series(...) AS g` names its column `g` (`AS g(g)`), as PostgreSQL
//!   names a one-column function's column after the alias;
//! - `regexp_split_to_table(...)` as a select-list item becomes
//!   `unnest(regexp_split_to_array(...))`, like `generate_series`;
//! - the call forms of `crate::rewrite::function_forms` (`OVERLAPS`, `substring(x FROM
//!   ...)`, named `make_interval` arguments, `IS NORMALIZED`);
//! - `x AT TIME ZONE z` becomes `timezone(z, x)`, PostgreSQL's function behind it;
//! - `x [NOT] SIMILAR TO 'pattern'` becomes a regular expression match with PostgreSQL's
//!   translation of the pattern (`super::similar`);
//! - `a IS [NOT] DISTINCT FROM b AND c` becomes `(a IS [NOT] DISTINCT FROM b) AND c`:
//!   `IS` binds tighter than `AND`/`OR` in PostgreSQL, but sqlparser reads the whole rest
//!   as the right operand (`a IS DISTINCT FROM (b AND c)`), which fails or, on booleans,
//!   answers differently (found by the random test).

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, ArrayElemTypeDef, BinaryOperator, CastKind, DataType, Expr, Function,
    FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, LambdaFunction,
    LambdaFunctionParameter, LambdaSyntax, ObjectName, OneOrManyWithParens, Query, Select,
    SelectItem, SetExpr, Statement, TableFactor, Value, VisitMut, VisitorMut,
};
use datafusion_pg_catalog::sql::rules::SqlStatementRewriteRule;

/// The rewrite rule (see the module documentation).
#[derive(Debug, Default)]
pub struct PostgresSyntax;

impl SqlStatementRewriteRule for PostgresSyntax {
    fn rewrite(&self, mut statement: Statement) -> Statement {
        let _ = visit_expressions_mut(&mut statement, |expr| {
            rewrite_like_escape(expr);
            rewrite_array_subquery(expr);
            rewrite_regtype_array(expr);
            rewrite_date_part_types(expr);
            rewrite_at_time_zone(expr);
            reassociate_is_distinct_from(expr);
            crate::rewrite::function_forms::rewrite(expr);
            super::similar::rewrite_similar_to(expr);
            ControlFlow::<()>::Continue(())
        });
        let _ = statement.visit(&mut SetReturningSelectItems);
        statement
    }
}

/// Fields whose `extract` is a whole number.
const WHOLE_NUMBER_FIELDS: &[&str] = &[
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "dow",
    "isodow",
    "doy",
    "week",
    "quarter",
    "decade",
    "century",
    "millennium",
    "isoyear",
];

fn rewrite_date_part_types(expr: &mut Expr) {
    if rewrite_fractional_extract(expr) {
        return;
    }
    let data_type = match expr {
        Expr::Extract { field, .. }
            if WHOLE_NUMBER_FIELDS.contains(&field.to_string().to_ascii_lowercase().as_str()) =>
        {
            DataType::Numeric(datafusion::sql::sqlparser::ast::ExactNumberInfo::Precision(
                20,
            ))
        }
        Expr::Function(function) if named(&function.name, "date_part") => DataType::DoublePrecision,
        _ => return,
    };
    let inner = std::mem::replace(expr, Expr::Value(Value::Null.into()));
    *expr = Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(inner),
        data_type,
        array: false,
        format: None,
    };
}

/// `extract(second FROM x)` (and `milliseconds`, `microseconds`, `epoch`) as
/// `extract('second', x)`, PostgreSQL's numeric of the fractional fields
/// (`crate::functions::extract`). True when rewritten.
fn rewrite_fractional_extract(expr: &mut Expr) -> bool {
    let Expr::Extract { field, .. } = expr else {
        return false;
    };
    let name = match field.to_string().to_ascii_lowercase().as_str() {
        "second" | "seconds" => "second",
        "millisecond" | "milliseconds" => "milliseconds",
        "microsecond" | "microseconds" => "microseconds",
        "epoch" => "epoch",
        "decade" | "decades" => "decade",
        "century" | "centuries" => "century",
        "millennium" | "millennia" | "millenniums" => "millennium",
        "julian" => "julian",
        "timezone" => "timezone",
        "timezone_hour" => "timezone_hour",
        "timezone_minute" => "timezone_minute",
        _ => return false,
    };
    debug_assert!(crate::functions::extract::FIELDS.contains(&name));
    let taken = std::mem::replace(expr, Expr::Value(Value::Null.into()));
    let Expr::Extract { expr: value, .. } = taken else {
        unreachable!("matched above");
    };
    *expr = call("extract", vec![text(name), *value]);
    true
}

/// `x AT TIME ZONE z` as PostgreSQL's `timezone(z, x)` (`crate::functions::zoned`):
/// DataFusion plans it as a cast to a timestamp labelled `z`, which changes nothing.
fn rewrite_at_time_zone(expr: &mut Expr) {
    if !matches!(expr, Expr::AtTimeZone { .. }) {
        return;
    }
    let taken = std::mem::replace(expr, Expr::Value(Value::Null.into()));
    let Expr::AtTimeZone {
        timestamp,
        time_zone,
    } = taken
    else {
        unreachable!("matched above");
    };
    *expr = call("timezone", vec![*time_zone, *timestamp]);
}

/// `a IS [NOT] DISTINCT FROM <b AND c>` (an unparenthesized `AND`/`OR`/`XOR` on the
/// right, which only sqlparser's precedence puts there) as `(a IS [NOT] DISTINCT FROM b)
/// AND c`, recursively along the left operands.
fn reassociate_is_distinct_from(expr: &mut Expr) {
    let negated = match expr {
        Expr::IsDistinctFrom(_, right) | Expr::IsNotDistinctFrom(_, right) if is_logical(right) => {
            matches!(expr, Expr::IsNotDistinctFrom(..))
        }
        _ => return,
    };
    let taken = std::mem::replace(expr, Expr::Value(Value::Null.into()));
    let (Expr::IsDistinctFrom(left, right) | Expr::IsNotDistinctFrom(left, right)) = taken else {
        unreachable!("matched above");
    };
    *expr = attach_distinct(*left, *right, negated);
}

fn is_logical(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::BinaryOp {
            op: BinaryOperator::And | BinaryOperator::Or | BinaryOperator::Xor,
            ..
        }
    )
}

fn attach_distinct(subject: Expr, right: Expr, negated: bool) -> Expr {
    match right {
        Expr::BinaryOp { left, op, right } if is_logical_op(&op) => Expr::BinaryOp {
            left: Box::new(attach_distinct(subject, *left, negated)),
            op,
            right,
        },
        other if negated => Expr::IsNotDistinctFrom(Box::new(subject), Box::new(other)),
        other => Expr::IsDistinctFrom(Box::new(subject), Box::new(other)),
    }
}

fn is_logical_op(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::And | BinaryOperator::Or | BinaryOperator::Xor
    )
}

/// True when `name`'s last part is `wanted` (any case): `unnest`, `pg_catalog.unnest`.
pub(crate) fn named(name: &ObjectName, wanted: &str) -> bool {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .is_some_and(|ident| ident.value.eq_ignore_ascii_case(wanted))
}

/// `name(args...)`.
pub(crate) fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

fn rewrite_like_escape(expr: &mut Expr) {
    let (pattern, escape_char) = match expr {
        Expr::Like {
            pattern,
            escape_char,
            any: false,
            ..
        }
        | Expr::ILike {
            pattern,
            escape_char,
            any: false,
            ..
        } => (pattern, escape_char),
        _ => return,
    };
    let Some(escape) = escape_char.take() else {
        return;
    };
    let default_escape = matches!(&escape.value, Value::SingleQuotedString(s) if s == "\\");
    if !default_escape {
        let original = std::mem::replace(pattern.as_mut(), Expr::Value(Value::Null.into()));
        **pattern = call("like_escape", vec![original, Expr::Value(escape)]);
    }
}

/// The single argument of a `FROM unnest(a) alias` item and the element's name.
fn unnest_source(factor: &TableFactor) -> Option<(Expr, Ident)> {
    let (argument, alias) = match factor {
        TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset: false,
            with_ordinality: false,
            ..
        } if array_exprs.len() == 1 => (array_exprs[0].clone(), alias.as_ref()?),
        TableFactor::Table {
            name,
            alias,
            args: Some(args),
            with_ordinality: false,
            ..
        } if named(name, "unnest") && args.args.len() == 1 => match &args.args[0] {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => (e.clone(), alias.as_ref()?),
            _ => return None,
        },
        _ => return None,
    };
    let element = match alias.columns.as_slice() {
        [] => alias.name.clone(),
        [column] => column.name.clone(),
        _ => return None,
    };
    Some((argument, element))
}

/// `ARRAY(subquery)`'s query, when it is a plain `SELECT e FROM unnest(a) x [WHERE p]`.
fn unnest_select(query: &Query) -> Option<&Select> {
    let plain = query.with.is_none()
        && query.order_by.is_none()
        && query.limit_clause.is_none()
        && query.fetch.is_none();
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let simple = select.distinct.is_none()
        && select.having.is_none()
        && select.projection.len() == 1
        && select.from.len() == 1
        && select.from[0].joins.is_empty()
        && matches!(&select.group_by, datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty());
    (plain && simple).then_some(select.as_ref())
}

pub(crate) fn lambda(parameter: &Ident, body: Expr) -> Expr {
    Expr::Lambda(LambdaFunction {
        params: OneOrManyWithParens::One(LambdaFunctionParameter {
            name: parameter.clone(),
            data_type: None,
        }),
        body: Box::new(body),
        syntax: LambdaSyntax::Arrow,
    })
}

fn rewrite_array_subquery(expr: &mut Expr) {
    let Expr::Function(Function {
        name,
        args: FunctionArguments::Subquery(query),
        ..
    }) = expr
    else {
        return;
    };
    if !named(name, "array") {
        return;
    }
    let Some(select) = unnest_select(query) else {
        return;
    };
    let Some((mut array, element)) = unnest_source(&select.from[0].relation) else {
        return;
    };
    let item = match &select.projection[0] {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e.clone(),
        _ => return,
    };
    if let Some(predicate) = &select.selection {
        array = call(
            "array_filter",
            vec![array, lambda(&element, predicate.clone())],
        );
    }
    let is_element = matches!(&item, Expr::Identifier(ident) if ident.value == element.value);
    if !is_element {
        array = call("array_transform", vec![array, lambda(&element, item)]);
    }
    *expr = array;
}

fn is_regtype_array(data_type: &DataType) -> bool {
    match data_type {
        DataType::Array(
            ArrayElemTypeDef::SquareBracket(inner, _) | ArrayElemTypeDef::AngleBracket(inner),
        ) => matches!(inner.as_ref(), DataType::Custom(name, _) if named(name, "regtype")),
        _ => false,
    }
}

fn text(value: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(value.to_string()).into())
}

fn rewrite_regtype_array(expr: &mut Expr) {
    let Expr::Cast {
        expr: inner,
        data_type,
        ..
    } = expr
    else {
        return;
    };
    if !is_regtype_array(data_type) {
        return;
    }
    let element = Ident::new("type_oid");
    let name = call(
        "format_type",
        vec![
            Expr::Identifier(element.clone()),
            Expr::Value(Value::Null.into()),
        ],
    );
    *expr = call(
        "array_transform",
        vec![integer_list(inner), lambda(&element, name)],
    );
}

/// The integers of a list, or of a text listing them as PostgreSQL's vector types print
/// (`2276 23`) or as a bracketed list (`[1034, 26]`), as an `int` array.
pub(crate) fn integer_list(value: &Expr) -> Expr {
    let as_text = |e: Expr, data_type: DataType| Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type,
        array: false,
        format: None,
    };
    // The numbers as text, separated by single spaces.
    let numbers = call(
        "regexp_replace",
        vec![
            call(
                "btrim",
                vec![as_text(value.clone(), DataType::Text), text("[]{}")],
            ),
            text("[ ,]+"),
            text(" "),
            text("g"),
        ],
    );
    let element = Ident::new("n");
    let nonempty = Expr::BinaryOp {
        left: Box::new(Expr::Identifier(element.clone())),
        op: BinaryOperator::NotEq,
        right: Box::new(text("")),
    };
    let listed = call(
        "array_filter",
        vec![
            call("string_to_array", vec![numbers, text(" ")]),
            lambda(&element, nonempty),
        ],
    );
    let number = as_text(Expr::Identifier(element.clone()), DataType::Int(None));
    call("array_transform", vec![listed, lambda(&element, number)])
}

/// Wraps select-list calls of set-returning functions in `unnest` (see the module docs).
struct SetReturningSelectItems;

impl VisitorMut for SetReturningSelectItems {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        unnest_set_returning(query.body.as_mut());
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        name_series_column(factor);
        ControlFlow::Continue(())
    }
}

/// `FROM generate_series(...) AS g` names its column `g` in PostgreSQL (a function that
/// returns one column takes the alias as the column's name); DataFusion's column is
/// `value`. The alias gets the column name: `AS g(g)`.
fn name_series_column(factor: &mut TableFactor) {
    let TableFactor::Table {
        name,
        args: Some(_),
        alias: Some(alias),
        ..
    } = factor
    else {
        return;
    };
    if named(name, "generate_series") && alias.columns.is_empty() {
        let column = alias.name.clone();
        alias
            .columns
            .push(datafusion::sql::sqlparser::ast::TableAliasColumnDef {
                name: column,
                data_type: None,
            });
    }
}

fn unnest_set_returning(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            for item in &mut select.projection {
                unnest_item(item);
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            unnest_set_returning(left);
            unnest_set_returning(right);
        }
        _ => {}
    }
}

/// Set-returning functions planned as scalar functions that return an array.
const SET_RETURNING: &[&str] = &[
    "generate_series",
    "jsonb_object_keys",
    "json_object_keys",
    "jsonb_array_elements",
    "jsonb_array_elements_text",
    "json_array_elements_text",
    "regexp_split_to_table",
];

/// The name of a select-list call of a set-returning function.
fn set_returning_name(expr: &Expr) -> Option<&'static str> {
    let Expr::Function(f) = expr else {
        return None;
    };
    if f.over.is_some() {
        return None;
    }
    SET_RETURNING
        .iter()
        .find(|name| named(&f.name, name))
        .copied()
}

/// The call of the function that returns the set as an array: `generate_series` itself, the
/// json functions' `fedgate_` forms (their own names refuse other select-list uses, which
/// would see an array instead of rows).
fn array_form(mut expr: Expr) -> Expr {
    if let Expr::Function(f) = &mut expr {
        if let Some(name) = set_returning_name(&Expr::Function(f.clone())) {
            let array_name = match name {
                "generate_series" => None,
                "regexp_split_to_table" => Some("regexp_split_to_array".to_string()),
                json => Some(format!("fedgate_{json}")),
            };
            if let Some(array_name) = array_name {
                f.name = ObjectName::from(vec![Ident::new(array_name)]);
            }
        }
    }
    expr
}

fn is_generate_series(expr: &Expr) -> bool {
    set_returning_name(expr).is_some()
}

fn unnest_item(item: &mut SelectItem) {
    match item {
        SelectItem::UnnamedExpr(expr) if is_generate_series(expr) => {
            let name = set_returning_name(expr).unwrap_or("generate_series");
            let series = array_form(std::mem::replace(expr, Expr::Value(Value::Null.into())));
            *item = SelectItem::ExprWithAlias {
                expr: call("unnest", vec![series]),
                alias: Ident::new(name),
            };
        }
        SelectItem::ExprWithAlias { expr, .. } if is_generate_series(expr) => {
            let series = array_form(std::mem::replace(expr, Expr::Value(Value::Null.into())));
            *expr = call("unnest", vec![series]);
        }
        SelectItem::UnnamedExpr(expr) => {
            if let Some(name) = unnest_cast(expr) {
                let expr = std::mem::replace(expr, Expr::Value(Value::Null.into()));
                *item = SelectItem::ExprWithAlias {
                    expr,
                    alias: Ident::new(name),
                };
            }
        }
        SelectItem::ExprWithAlias { expr, .. } => {
            let _ = unnest_cast(expr);
        }
        _ => {}
    }
}

/// `generate_series(...)::date` in a select list: the cast of each value of the series
/// (`CAST(unnest(generate_series(...)) AS date)`); the function's name when rewritten.
fn unnest_cast(expr: &mut Expr) -> Option<&'static str> {
    let Expr::Cast { expr: inner, .. } = expr else {
        return None;
    };
    let name = set_returning_name(inner)?;
    let series = array_form(std::mem::replace(
        inner.as_mut(),
        Expr::Value(Value::Null.into()),
    ));
    **inner = call("unnest", vec![series]);
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        PostgresSyntax
            .rewrite(crate::rewrite::parse::plain_statement(sql))
            .to_string()
    }

    #[test]
    fn series_alias_names_its_column() {
        assert_eq!(
            rewritten("SELECT g FROM generate_series(1, 3) AS g"),
            "SELECT g FROM generate_series(1, 3) AS g (g)"
        );
        assert_eq!(
            rewritten("SELECT x FROM generate_series(1, 3) AS g(x)"),
            "SELECT x FROM generate_series(1, 3) AS g (x)"
        );
    }

    #[test]
    fn like_escape_clauses() {
        assert_eq!(
            rewritten("SELECT 1 FROM n WHERE nspname NOT LIKE $1 || '%' ESCAPE '/'"),
            "SELECT 1 FROM n WHERE nspname NOT LIKE like_escape($1 || '%', '/')"
        );
        assert_eq!(
            rewritten("SELECT a ILIKE 'x!_%' ESCAPE '!'"),
            "SELECT a ILIKE like_escape('x!_%', '!')"
        );
        assert_eq!(
            rewritten("SELECT a LIKE 'x\\_' ESCAPE '\\'"),
            "SELECT a LIKE 'x\\_'"
        );
        assert_eq!(rewritten("SELECT a LIKE 'x%'"), "SELECT a LIKE 'x%'");
    }

    #[test]
    fn array_subqueries_over_unnest() {
        assert_eq!(
            rewritten("SELECT array(select 'toast.' || x from pg_catalog.unnest(tc.reloptions) x) FROM t tc"),
            "SELECT array_transform(tc.reloptions, x -> 'toast.' || x) FROM t tc"
        );
        assert_eq!(
            rewritten("SELECT ARRAY(SELECT v FROM unnest(a) AS u(v) WHERE v > 1) FROM t"),
            "SELECT array_filter(a, v -> v > 1) FROM t"
        );
        // Anything else is left for DataFusion to report.
        assert_eq!(
            rewritten("SELECT ARRAY(SELECT v FROM t ORDER BY 1)"),
            "SELECT ARRAY(SELECT v FROM t ORDER BY 1)"
        );
    }

    #[test]
    fn regtype_arrays_become_type_names() {
        let sql = rewritten("SELECT proargtypes::regtype[] FROM pg_proc");
        assert_eq!(sql, "SELECT array_transform(array_transform(array_filter(string_to_array(regexp_replace(btrim(CAST(proargtypes AS TEXT), '[]{}'), '[ ,]+', ' ', 'g'), ' '), n -> n <> ''), n -> CAST(n AS INT)), type_oid -> format_type(type_oid, NULL)) FROM pg_proc");
    }

    #[test]
    fn is_distinct_from_binds_tighter_than_and() {
        assert_eq!(
            rewritten("SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM b AND c BETWEEN 1 AND 2"),
            "SELECT 1 FROM t WHERE a IS NOT DISTINCT FROM b AND c BETWEEN 1 AND 2"
        );
        let Statement::Query(query) =
            PostgresSyntax.rewrite(crate::rewrite::parse::plain_statement(
                "SELECT a IS DISTINCT FROM b AND c OR d IS DISTINCT FROM e AND f",
            ))
        else {
            panic!("not a query");
        };
        let SetExpr::Select(select) = *query.body else {
            panic!("not a select");
        };
        let SelectItem::UnnamedExpr(expr) = &select.projection[0] else {
            panic!("not an expression");
        };
        // ((a IDF b) AND c) OR ((d IDF e) AND f)
        let Expr::BinaryOp {
            left,
            op: BinaryOperator::Or,
            right,
        } = expr
        else {
            panic!("{expr:?}");
        };
        for side in [left, right] {
            let Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                ..
            } = side.as_ref()
            else {
                panic!("{side:?}");
            };
            assert!(
                matches!(left.as_ref(), Expr::IsDistinctFrom(..)),
                "{left:?}"
            );
        }
        // Parentheses written by the user stay.
        let nested = rewritten("SELECT a IS DISTINCT FROM (b AND c)");
        assert_eq!(nested, "SELECT a IS DISTINCT FROM (b AND c)");
    }

    #[test]
    fn generate_series_in_the_select_list() {
        assert_eq!(
            rewritten("SELECT generate_series(1, 3)"),
            "SELECT unnest(generate_series(1, 3)) AS generate_series"
        );
        assert_eq!(
            rewritten("SELECT generate_series(DATE '2024-02-27', DATE '2024-03-02', INTERVAL '1 day')::date, generate_series(1, 2)::text AS t"),
            "SELECT unnest(generate_series(DATE '2024-02-27', DATE '2024-03-02', INTERVAL '1 day'))::DATE AS generate_series, unnest(generate_series(1, 2))::TEXT AS t"
        );
        assert_eq!(
            rewritten("SELECT pg_catalog.generate_series(1, 3) AS g UNION ALL SELECT 4"),
            "SELECT unnest(pg_catalog.generate_series(1, 3)) AS g UNION ALL SELECT 4"
        );
        // In FROM it stays a table function (its column named after the alias).
        assert_eq!(
            rewritten("SELECT g FROM generate_series(1, 3) AS g"),
            "SELECT g FROM generate_series(1, 3) AS g (g)"
        );
    }
}
