//! Where json needs more than functions and operators.
//!
//! In the statement (after PostgreSQL's column names are chosen, so they stay):
//! - `x::jsonb`, `CAST(x AS json)`, `jsonb '...'` become `jsonb_in(x)` / `json_in(x)`,
//!   which check and normalise the text and tag the result (DataFusion has no json type);
//! - a whole-row argument, `row_to_json(t)` / `to_jsonb(t)` / `json_agg(t ...)` where `t`
//!   names a relation of the FROM clause, becomes `t.*`.
//!
//! In the plan ([`JsonPlan`], an analyzer rule that runs first):
//! - a `t.*` argument becomes `fedgate_row('a', t.a, ...)` of the relation's columns, so
//!   the function sees a row (a struct whose fields keep their columns' json tags);
//! - a cast of a json value to text becomes `fedgate_json_text(x)`: DataFusion would keep
//!   the json tag on the cast's field, and the client would be told `jsonb` for `x::text`.

use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::StructArray;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema, Result, ScalarValue};
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{
    lit, ColumnarValue, Expr, ExprSchemable, LogicalPlan, ReturnFieldArgs, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::sql::sqlparser::ast::{
    self as sql, visit_expressions_mut, FunctionArg, FunctionArgExpr, FunctionArguments,
    ObjectName, Query, SetExpr, Statement, TableFactor, VisitMut, VisitorMut,
};

use super::scalar::{JSON_TO_TEXT, SORT_KEY};
use super::Kind;
use crate::rewrite::pg_syntax::call;

// ---- the statement -------------------------------------------------------------------------

/// Applies the statement rewrites (see the module comment).
pub fn rewrite_statement(statement: &mut Statement) {
    let _ = statement.visit(&mut WholeRows);
    let _ = visit_expressions_mut(statement, |expr| {
        rewrite_cast(expr);
        ControlFlow::<()>::Continue(())
    });
    let _ = statement.visit(&mut UnknownColumns);
}

/// The json input function a column of rows (VALUES rows, UNION branches) is typed by.
fn input_function(expr: &sql::Expr) -> Option<&'static str> {
    let sql::Expr::Function(function) = expr else {
        return None;
    };
    let name = function.name.0.last()?.as_ident()?.value.to_lowercase();
    ["jsonb_in", "json_in"].into_iter().find(|f| *f == name)
}

/// An untyped string literal or NULL, which PostgreSQL types by the other rows.
fn is_unknown(expr: &sql::Expr) -> bool {
    matches!(
        expr,
        sql::Expr::Value(v) if matches!(
            v.value,
            sql::Value::SingleQuotedString(_) | sql::Value::Null
        )
    )
}

/// Types the untyped literals of a column as json when another row of it is json
/// (`VALUES ('{}'::jsonb), ('[]')`): DataFusion refuses rows whose tags differ.
fn type_unknowns(column: Vec<&mut sql::Expr>) {
    let Some(function) = column.iter().find_map(|e| input_function(e)) else {
        return;
    };
    for expr in column {
        if is_unknown(expr) {
            *expr = call(function, vec![expr.clone()]);
        }
    }
}

struct UnknownColumns;

impl VisitorMut for UnknownColumns {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let mut rows: Vec<Vec<&mut sql::Expr>> = Vec::new();
        collect_rows(query.body.as_mut(), &mut rows);
        let width = rows.iter().map(Vec::len).min().unwrap_or(0);
        let mut columns: Vec<Vec<&mut sql::Expr>> = (0..width).map(|_| Vec::new()).collect();
        for row in rows {
            for (i, expr) in row.into_iter().take(width).enumerate() {
                columns[i].push(expr);
            }
        }
        columns.into_iter().for_each(type_unknowns);
        ControlFlow::Continue(())
    }
}

/// The rows of a VALUES list or of the branches of a set operation.
fn collect_rows<'a>(body: &'a mut SetExpr, rows: &mut Vec<Vec<&'a mut sql::Expr>>) {
    match body {
        SetExpr::Values(values) => {
            rows.extend(values.rows.iter_mut().map(|r| r.iter_mut().collect()));
        }
        SetExpr::Select(select) => rows.push(
            select
                .projection
                .iter_mut()
                .filter_map(|item| match item {
                    sql::SelectItem::UnnamedExpr(e)
                    | sql::SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                    _ => None,
                })
                .collect(),
        ),
        SetExpr::SetOperation { left, right, .. } => {
            collect_rows(left, rows);
            collect_rows(right, rows);
        }
        _ => {}
    }
}

fn json_kind(data_type: &sql::DataType) -> Option<&'static str> {
    match data_type {
        sql::DataType::JSON => Some("json_in"),
        sql::DataType::JSONB => Some("jsonb_in"),
        sql::DataType::Custom(name, args) if args.is_empty() => {
            match name.to_string().to_ascii_lowercase().as_str() {
                "json" | "pg_catalog.json" => Some("json_in"),
                "jsonb" | "pg_catalog.jsonb" => Some("jsonb_in"),
                _ => None,
            }
        }
        _ => None,
    }
}

fn rewrite_cast(expr: &mut sql::Expr) {
    let replacement = match expr {
        sql::Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => json_kind(data_type).map(|f| call(f, vec![(**inner).clone()])),
        sql::Expr::TypedString(typed) => json_kind(&typed.data_type)
            .map(|f| call(f, vec![sql::Expr::Value(typed.value.clone())])),
        _ => None,
    };
    if let Some(replacement) = replacement {
        *expr = replacement;
    }
}

/// Functions whose argument may be a whole row.
const ROW_FUNCTIONS: &[&str] = &[
    "row_to_json",
    "to_json",
    "to_jsonb",
    "json_agg",
    "jsonb_agg",
];

struct WholeRows;

impl VisitorMut for WholeRows {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let SetExpr::Select(select) = query.body.as_mut() {
            let relations: Vec<String> = select
                .from
                .iter()
                .flat_map(|t| {
                    std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation))
                })
                .filter_map(relation_name)
                .collect();
            if relations.is_empty() {
                return ControlFlow::Continue(());
            }
            for item in &mut select.projection {
                let _ = visit_expressions_mut(item, |expr| {
                    whole_row_argument(expr, &relations);
                    ControlFlow::<()>::Continue(())
                });
            }
        }
        ControlFlow::Continue(())
    }
}

/// The name a FROM item is referred to by (its alias, or a table's last name part).
fn relation_name(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(normalize(&a.name))
        }
        TableFactor::Table {
            name, alias: None, ..
        } => name.0.last().and_then(|p| p.as_ident()).map(normalize),
        _ => None,
    }
}

fn normalize(ident: &sql::Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

fn whole_row_argument(expr: &mut sql::Expr, relations: &[String]) {
    let sql::Expr::Function(function) = expr else {
        return;
    };
    let Some(name) = function.name.0.last().and_then(|p| p.as_ident()) else {
        return;
    };
    if !ROW_FUNCTIONS.contains(&name.value.to_lowercase().as_str()) {
        return;
    }
    let FunctionArguments::List(list) = &mut function.args else {
        return;
    };
    if let Some(FunctionArg::Unnamed(arg)) = list.args.first_mut() {
        if let FunctionArgExpr::Expr(sql::Expr::Identifier(ident)) = arg {
            if relations.contains(&normalize(ident)) {
                *arg = FunctionArgExpr::QualifiedWildcard(ObjectName::from(vec![ident.clone()]));
            }
        }
    }
}

// ---- the plan ------------------------------------------------------------------------------

/// The analyzer rule of the plan rewrites (see the module comment).
#[derive(Debug, Default)]
pub struct JsonPlan;

impl AnalyzerRule for JsonPlan {
    fn name(&self) -> &str {
        "json_plan"
    }

    fn analyze(&self, plan: LogicalPlan, _: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let schema = input_schema(&node);
            let node = sort_by_keys(node)?;
            let preserver = NamePreserver::new(&node);
            let rewritten = node.map_expressions(|expr| {
                let saved = preserver.save(&expr);
                let result = expr.transform_up(|e| rewrite_expr(e, &schema))?;
                Ok(result.update_data(|e| saved.restore(e)))
            })?;
            // Fields' tags may have changed below: every node recomputes its schema.
            Ok(Transformed::yes(rewritten.data.recompute_schema()?))
        })
        .map(|t| t.data)
    }
}

/// `ORDER BY` a jsonb value sorts by its [`Json::sort_key`](super::value::Json::sort_key)
/// (jsonb's order: `{"b": 1}` before `{"a": 1, "b": 2}`), not by its text.
fn sort_by_keys(node: LogicalPlan) -> Result<LogicalPlan> {
    let LogicalPlan::Sort(mut sort) = node else {
        return Ok(node);
    };
    let schema = sort.input.schema().clone();
    for key in &mut sort.expr {
        let jsonb = key
            .expr
            .to_field(&schema)
            .is_ok_and(|(_, f)| Kind::of(&f) == Kind::Jsonb);
        if jsonb {
            let udf = named_udf(SORT_KEY);
            let expr = std::mem::replace(&mut key.expr, lit(0));
            key.expr = Expr::ScalarFunction(ScalarFunction::new_udf(udf, vec![expr]));
        }
    }
    Ok(LogicalPlan::Sort(sort))
}

/// The schema a node's expressions are evaluated against.
fn input_schema(node: &LogicalPlan) -> DFSchema {
    let inputs = node.inputs();
    let mut schema = DFSchema::empty();
    for input in inputs {
        schema = match schema.fields().is_empty() {
            true => input.schema().as_ref().clone(),
            false => schema.join(input.schema()).unwrap_or(schema),
        };
    }
    if schema.fields().is_empty() {
        return node.schema().as_ref().clone();
    }
    schema
}

fn rewrite_expr(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    match expr {
        #[expect(deprecated)]
        Expr::Wildcard {
            qualifier: Some(qualifier),
            ..
        } => {
            let mut args = Vec::new();
            for (q, field) in schema.iter() {
                if q == Some(&qualifier) {
                    args.push(lit(field.name().clone()));
                    args.push(Expr::Column(Column::new(
                        Some(qualifier.clone()),
                        field.name(),
                    )));
                }
            }
            let row = Expr::ScalarFunction(ScalarFunction::new_udf(row_udf(), args));
            Ok(Transformed::yes(row))
        }
        Expr::Cast(cast) if is_text(cast.field.data_type()) => {
            let tagged = cast
                .expr
                .to_field(schema)
                .map(|(_, f)| Kind::of(&f).is_json())
                .unwrap_or(false);
            if !tagged {
                return Ok(Transformed::no(Expr::Cast(cast)));
            }
            let udf = named_udf(JSON_TO_TEXT);
            Ok(Transformed::yes(Expr::ScalarFunction(
                ScalarFunction::new_udf(udf, vec![*cast.expr]),
            )))
        }
        Expr::AggregateFunction(mut aggregate) if sorts_distinct_input(&aggregate) => {
            // PostgreSQL's DISTINCT aggregates see their input sorted: `jsonb_agg(DISTINCT x)`
            // is `[1, 2]`; DataFusion's DISTINCT hashes.
            let key = aggregate.params.args[0].clone();
            aggregate.params.order_by = vec![key.sort(true, false)];
            Ok(Transformed::yes(Expr::AggregateFunction(aggregate)))
        }
        other => Ok(Transformed::no(other)),
    }
}

fn sorts_distinct_input(aggregate: &datafusion::logical_expr::expr::AggregateFunction) -> bool {
    let params = &aggregate.params;
    matches!(aggregate.func.name(), "json_agg" | "jsonb_agg")
        && params.distinct
        && params.order_by.is_empty()
        && params.args.len() == 1
}

fn is_text(data_type: &datafusion::arrow::datatypes::DataType) -> bool {
    crate::functions::is_string(data_type)
}

/// One of the json functions, by name.
fn named_udf(name: &str) -> Arc<ScalarUDF> {
    static UDFS: std::sync::OnceLock<Vec<Arc<ScalarUDF>>> = std::sync::OnceLock::new();
    UDFS.get_or_init(super::scalar::functions)
        .iter()
        .find(|f| f.name() == name)
        .expect("a json function of that name exists")
        .clone()
}

fn row_udf() -> Arc<ScalarUDF> {
    static UDF: std::sync::OnceLock<Arc<ScalarUDF>> = std::sync::OnceLock::new();
    UDF.get_or_init(|| Arc::new(ScalarUDF::new_from_impl(RowFunction::new())))
        .clone()
}

/// `fedgate_row('a', x, 'b', y, ...)`: a row (struct) of the values, named by the constant
/// names, each field keeping its value's field metadata (`named_struct` drops it, and a
/// `jsonb` member would become a string in `to_jsonb(t)`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct RowFunction {
    signature: Signature,
}

impl RowFunction {
    fn new() -> Self {
        Self {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

fn row_fields(args: &ReturnFieldArgs) -> Result<Fields> {
    let mut fields = Vec::with_capacity(args.arg_fields.len() / 2);
    for (i, pair) in args.arg_fields.chunks(2).enumerate() {
        let name = match args.scalar_arguments.get(2 * i).copied().flatten() {
            Some(ScalarValue::Utf8(Some(name))) => name.clone(),
            _ => format!("f{}", i + 1),
        };
        let value = pair.get(1).unwrap_or(&pair[0]);
        fields.push(value.as_ref().clone().with_name(name).with_nullable(true));
    }
    Ok(Fields::from(fields))
}

impl ScalarUDFImpl for RowFunction {
    fn name(&self) -> &str {
        "fedgate_row"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        datafusion::common::internal_err!("fedgate_row is typed by return_field_from_args")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let fields = row_fields(&args)?;
        Ok(Arc::new(Field::new(
            "fedgate_row",
            DataType::Struct(fields),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let DataType::Struct(fields) = args.return_field.data_type().clone() else {
            return datafusion::common::internal_err!("fedgate_row returns a struct");
        };
        let columns = args
            .args
            .iter()
            .skip(1)
            .step_by(2)
            .map(|a| a.to_array(args.number_rows))
            .collect::<Result<Vec<_>>>()?;
        let row = StructArray::try_new(fields, columns, None)?;
        Ok(ColumnarValue::Array(Arc::new(row)))
    }
}
