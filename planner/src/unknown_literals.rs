//! PostgreSQL's typing of quoted literals (type `unknown` there) where they meet numbers.
//!
//! - `'1' + 1`: an untyped literal in arithmetic with a number takes the number's type
//!   (`'a' + 1` is 22P02 `invalid input syntax for type integer`); DataFusion has no
//!   arithmetic between text and numbers (its error read as 42883). Done by the expression
//!   planner [`UnknownLiterals`], as the expression is planned: DataFusion computes an
//!   arithmetic's type while it plans the select list, before any analyzer rule runs.
//!
//! The others are applied by the `postgres_semantics` analyzer rule before type coercion:
//!
//! - `SELECT 1 UNION SELECT 'a'`: an untyped literal in a set operation's column whose other
//!   branches are numbers of one type takes that type (22P02 for `'a'`, `2` for `'2'`);
//!   DataFusion made the column text.
//! - `'a'::char(1) < 1`: a typed string constant compared with a number is 42883
//!   `operator does not exist: text < integer` in PostgreSQL; DataFusion's coercion would
//!   cast the string to the number.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::{Alias, Cast};
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan};
use datafusion::logical_expr::{Projection, Union};
use datafusion::sql::sqlparser::ast::BinaryOperator;
use fedgate_adapter_api::SqlState;

/// The expression planner of `'1' + 1` (see the module documentation).
#[derive(Debug, Default)]
pub struct UnknownLiterals;

impl ExprPlanner for UnknownLiterals {
    fn plan_binary_op(
        &self,
        mut expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        if matches!(
            expr.op,
            BinaryOperator::Plus
                | BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Divide
                | BinaryOperator::Modulo
        ) {
            if let Some(typed) = typed_operand(&expr.left, &expr.right, schema) {
                expr.left = typed;
            } else if let Some(typed) = typed_operand(&expr.right, &expr.left, schema) {
                expr.right = typed;
            }
        }
        Ok(PlannerResult::Original(expr))
    }
}

/// `literal` cast to the type of the number `other`, when `literal` is an untyped literal
/// (an integer literal that fits is `int4`, as the analyzer rule makes it later).
fn typed_operand(literal: &Expr, other: &Expr, schema: &DFSchema) -> Option<Expr> {
    if !is_text_literal(literal) {
        return None;
    }
    let to = match other {
        Expr::Literal(ScalarValue::Int64(Some(v)), _) if i32::try_from(*v).is_ok() => {
            DataType::Int32
        }
        _ => numeric_type(other, schema)?,
    };
    Some(Expr::Cast(Cast::new(Box::new(literal.clone()), to)))
}

/// A typed string constant compared with a number as PostgreSQL's 42883; `None` for every
/// other expression.
pub(crate) fn binary(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = expr else {
        return None;
    };
    if crate::compares(op) {
        let (l, r) = if is_typed_text_constant(left) {
            ("text", type_name(&numeric_type(right, schema)?))
        } else if is_typed_text_constant(right) {
            (type_name(&numeric_type(left, schema)?), "text")
        } else {
            return None;
        };
        return Some(crate::number_rules::failing_call(
            DataType::Boolean,
            SqlState::UndefinedFunction,
            format!("operator does not exist: {l} {op} {r}"),
        ));
    }
    None
}

/// A `UNION`/`INTERSECT`/`EXCEPT` whose branches select an untyped literal in a column
/// where every other branch has one numeric type, with those literals cast to that type;
/// `None` when no column is such.
pub(crate) fn union(union: &Union) -> Result<Option<LogicalPlan>> {
    let width = union.schema.fields().len();
    let mut inputs: Vec<LogicalPlan> = union.inputs.iter().map(|i| i.as_ref().clone()).collect();
    let mut changed = false;
    for column in 0..width {
        let Some(to) = branch_number_type(&inputs, column) else {
            continue;
        };
        for input in &mut inputs {
            if let Some(cast) = cast_literal_column(input, column, &to)? {
                *input = cast;
                changed = true;
            }
        }
    }
    if !changed {
        return Ok(None);
    }
    let inputs = inputs.into_iter().map(Arc::new).collect();
    Ok(Some(LogicalPlan::Union(Union::try_new_with_loose_types(
        inputs,
    )?)))
}

/// The one numeric type of `column` in the branches that do not select an untyped literal
/// there, when at least one branch does.
fn branch_number_type(inputs: &[LogicalPlan], column: usize) -> Option<DataType> {
    let mut literal = false;
    let mut number: Option<DataType> = None;
    for input in inputs {
        if literal_column(input, column).is_some() {
            literal = true;
            continue;
        }
        let data_type = input.schema().fields().get(column)?.data_type().clone();
        if !data_type.is_numeric() || number.as_ref().is_some_and(|n| *n != data_type) {
            return None;
        }
        number = Some(data_type);
    }
    number.filter(|_| literal)
}

/// The untyped literal a branch selects in `column` (a projection of it, perhaps named).
fn literal_column(input: &LogicalPlan, column: usize) -> Option<&Expr> {
    let LogicalPlan::Projection(projection) = input else {
        return None;
    };
    let expr = projection.expr.get(column)?;
    let inner = match expr {
        Expr::Alias(Alias { expr, .. }) => expr.as_ref(),
        other => other,
    };
    is_text_literal(inner).then_some(inner)
}

/// `input` with its untyped literal in `column` cast to `to`, keeping the column's name.
fn cast_literal_column(
    input: &LogicalPlan,
    column: usize,
    to: &DataType,
) -> Result<Option<LogicalPlan>> {
    let Some(literal) = literal_column(input, column) else {
        return Ok(None);
    };
    let LogicalPlan::Projection(projection) = input else {
        return Ok(None);
    };
    let name = projection.schema.field(column).name().clone();
    let mut exprs = projection.expr.clone();
    exprs[column] = Expr::Cast(Cast::new(Box::new(literal.clone()), to.clone())).alias(name);
    let projection = Projection::try_new(exprs, Arc::clone(&projection.input))?;
    Ok(Some(LogicalPlan::Projection(projection)))
}

/// A quoted literal as written (`'1'`): PostgreSQL's `unknown`.
fn is_text_literal(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Literal(
            ScalarValue::Utf8(Some(_))
                | ScalarValue::Utf8View(Some(_))
                | ScalarValue::LargeUtf8(Some(_)),
            _
        )
    )
}

/// `'a'::text`, `'a'::char(1)`: a quoted literal cast to a string type.
fn is_typed_text_constant(expr: &Expr) -> bool {
    match expr {
        Expr::Cast(Cast { expr, field }) => {
            is_text_literal(expr)
                && matches!(
                    field.data_type(),
                    DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
                )
        }
        _ => false,
    }
}

/// The type of `expr` when it is a number (and not itself an untyped literal).
fn numeric_type(expr: &Expr, schema: &DFSchema) -> Option<DataType> {
    if is_text_literal(expr) {
        return None;
    }
    let data_type = expr.get_type(schema).ok()?;
    data_type.is_numeric().then_some(data_type)
}

fn type_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Int16 => "smallint",
        DataType::Int32 => "integer",
        DataType::Int64 => "bigint",
        DataType::Float32 => "real",
        DataType::Float64 => "double precision",
        _ => "numeric",
    }
}

#[cfg(test)]
mod tests {
    use datafusion::common::DFSchema;
    use datafusion::logical_expr::{cast, lit, Expr};

    use super::*;

    fn int4(v: i32) -> Expr {
        lit(ScalarValue::Int32(Some(v)))
    }

    #[test]
    fn untyped_literal_in_arithmetic_takes_the_number_type() {
        let schema = DFSchema::empty();
        let typed = typed_operand(&lit("1"), &lit(1i64), &schema).expect("typed");
        assert_eq!(typed, cast(lit("1"), DataType::Int32));
        let typed = typed_operand(&lit("3"), &lit(2.5f64), &schema).expect("typed");
        assert_eq!(typed, cast(lit("3"), DataType::Float64));
        // text with text, and a typed text in arithmetic, are left to coercion.
        assert!(typed_operand(&lit("1"), &lit("2"), &schema).is_none());
        assert!(typed_operand(&cast(lit("1"), DataType::Utf8), &int4(1), &schema).is_none());
    }

    #[test]
    fn typed_text_compared_with_a_number_is_an_error() {
        let schema = DFSchema::empty();
        let compared = cast(lit("a"), DataType::Utf8).lt(int4(1));
        let Some(Expr::ScalarFunction(error)) = binary(&compared, &schema) else {
            panic!("not an error call");
        };
        assert_eq!(error.func.name(), "pg_error");
        // an untyped literal compared with a number is cast by coercion, as in PostgreSQL.
        assert!(binary(&lit("1").lt(int4(1)), &schema).is_none());
    }
}
