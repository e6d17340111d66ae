//! PostgreSQL's json operators, planned as the functions of [`super::scalar`].
//!
//! DataFusion hands every binary operator to the session's `ExprPlanner`s before planning
//! it itself. This planner, placed first, takes the json ones by their operand types (the
//! `json`/`jsonb` tag of the operand's field): `-> ->> #> #>>` on json or jsonb, `@> <@ ?
//! ?| ?& #-` on jsonb, `||` and `-` with a jsonb left operand, and comparisons with a jsonb
//! operand (jsonb's ordering: `'{"a": 1}' = '{"a": 1.0}'`). An untyped string literal
//! on the left of `->`-style operators is read as jsonb. Other operands are left to
//! DataFusion (text `||` text stays a string concatenation).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{lit, Expr, ExprSchemable, Operator, ScalarUDF};
use datafusion::sql::sqlparser::ast::BinaryOperator;

use super::Kind;

/// The planner of json operators (see the module comment).
#[derive(Debug)]
pub struct JsonOperators {
    functions: HashMap<String, Arc<ScalarUDF>>,
}

/// The json operator planner, over the json functions. It must come before DataFusion's
/// own planners (which read `@>` and `||` as array operators).
pub fn planner() -> Arc<dyn ExprPlanner> {
    Arc::new(JsonOperators {
        functions: super::scalar::functions()
            .into_iter()
            .map(|u| (u.name().to_string(), u))
            .collect(),
    })
}

/// An operand's kind: its field's tag; an untyped string literal is `Other`.
fn kind(expr: &Expr, schema: &DFSchema) -> Kind {
    expr.to_field(schema)
        .map(|(_, field)| Kind::of(&field))
        .unwrap_or(Kind::Other)
}

fn is_string_literal(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Literal(
            ScalarValue::Utf8(_) | ScalarValue::Utf8View(_) | ScalarValue::LargeUtf8(_),
            _
        )
    )
}

impl JsonOperators {
    fn call(&self, name: &str, args: Vec<Expr>) -> Expr {
        let func = self.functions[name].clone();
        Expr::ScalarFunction(ScalarFunction::new_udf(func, args))
    }

    /// The function an operator is planned as, if it is a json operator on these operands.
    fn plan(
        &self,
        op: &BinaryOperator,
        left: Kind,
        right: Kind,
        literal_left: bool,
    ) -> Option<&'static str> {
        let navigable = left.is_json() || literal_left;
        let jsonb_left = left == Kind::Jsonb || literal_left;
        let any_jsonb = left == Kind::Jsonb || right == Kind::Jsonb;
        use BinaryOperator::*;
        Some(match op {
            Arrow if navigable => "json_get",
            LongArrow if navigable => "json_get_text",
            HashArrow if navigable => "json_get_path",
            HashLongArrow if navigable => "json_get_path_text",
            AtArrow if any_jsonb => "jsonb_contains",
            ArrowAt if any_jsonb => "jsonb_contains",
            Question if jsonb_left => "jsonb_exists",
            QuestionPipe if jsonb_left => "jsonb_exists_any",
            QuestionAnd if jsonb_left => "jsonb_exists_all",
            HashMinus if jsonb_left => "jsonb_delete_path",
            Minus if left == Kind::Jsonb => "jsonb_delete",
            StringConcat if any_jsonb => "jsonb_concat",
            Eq | NotEq | Lt | LtEq | Gt | GtEq if any_jsonb => "jsonb_compare",
            _ => return None,
        })
    }
}

/// A path or key-list literal is read when the statement is planned, as PostgreSQL reads
/// the `text[]` constant (`#>> '{bad'` fails even when the document is NULL).
fn check_literal_path(function: &str, right: &Expr) -> Result<()> {
    let takes_list = matches!(
        function,
        "json_get_path"
            | "json_get_path_text"
            | "jsonb_delete_path"
            | "jsonb_exists_any"
            | "jsonb_exists_all"
    );
    if let (true, Expr::Literal(ScalarValue::Utf8(Some(text)), _)) = (takes_list, right) {
        super::parse_array_literal(text)?;
    }
    Ok(())
}

fn comparison(op: &BinaryOperator) -> Option<Operator> {
    Some(match op {
        BinaryOperator::Eq => Operator::Eq,
        BinaryOperator::NotEq => Operator::NotEq,
        BinaryOperator::Lt => Operator::Lt,
        BinaryOperator::LtEq => Operator::LtEq,
        BinaryOperator::Gt => Operator::Gt,
        BinaryOperator::GtEq => Operator::GtEq,
        _ => return None,
    })
}

impl ExprPlanner for JsonOperators {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        let left = kind(&expr.left, schema);
        let right = kind(&expr.right, schema);
        if !left.is_json() && !right.is_json() && !is_string_literal(&expr.left) {
            return Ok(PlannerResult::Original(expr));
        }
        // `jsonb || text-column` is PostgreSQL's text concatenation.
        if matches!(expr.op, BinaryOperator::StringConcat)
            && (left == Kind::Other && !is_string_literal(&expr.left)
                || right == Kind::Other && !is_string_literal(&expr.right))
        {
            return Ok(PlannerResult::Original(expr));
        }
        let literal_left = is_string_literal(&expr.left);
        let Some(name) = self.plan(&expr.op, left, right, literal_left) else {
            return Ok(PlannerResult::Original(expr));
        };
        check_literal_path(name, &expr.right)?;
        let planned = match (&expr.op, comparison(&expr.op)) {
            (BinaryOperator::ArrowAt, _) => self.call(name, vec![expr.right, expr.left]),
            (_, Some(op)) => Expr::BinaryExpr(datafusion::logical_expr::BinaryExpr::new(
                Box::new(self.call(name, vec![expr.left, expr.right])),
                op,
                Box::new(lit(0i32)),
            )),
            _ => self.call(name, vec![expr.left, expr.right]),
        };
        Ok(PlannerResult::Planned(planned))
    }
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::{context, error};
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    use datafusion::execution::FunctionRegistry;

    /// The first row of `sql` in a session with the json operators planned.
    async fn row(sql: &str) -> Vec<String> {
        let ctx = context();
        ctx.state_ref()
            .write()
            .register_expr_planner(super::planner())
            .unwrap();
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let options = FormatOptions::default().with_null("NULL");
        batches[0]
            .columns()
            .iter()
            .map(|c| {
                ArrayFormatter::try_new(c.as_ref(), &options)
                    .unwrap()
                    .value(0)
                    .to_string()
            })
            .collect()
    }

    #[tokio::test]
    async fn navigation_operators() {
        let doc = r#"jsonb_in('{"a": {"b": [10, 20]}, "s": "x"}')"#;
        assert_eq!(
            row(&format!(
                "SELECT {doc} -> 'a' -> 'b' -> 1, {doc} ->> 's', {doc} #> '{{a,b}}', {doc} #>> '{{a,b,0}}', {doc} -> 'zz'"
            ))
            .await,
            ["20", "x", "[10, 20]", "10", "NULL"]
        );
        let text = r#"json_in('{"a": {"b" :  1}}')"#;
        assert_eq!(
            row(&format!("SELECT {text} -> 'a'")).await,
            [r#"{"b" :  1}"#]
        );
    }

    #[tokio::test]
    async fn containment_existence_and_comparison() {
        let doc = r#"jsonb_in('{"a": 1, "b": [1, 2]}')"#;
        assert_eq!(
            row(&format!(
                r#"SELECT {doc} @> '{{"b": [2]}}', '{{"a": 1}}' <@ {doc}, {doc} ? 'a', {doc} ?| ARRAY['x', 'b'], {doc} ?& ARRAY['a', 'x'], {doc} = '{{"b": [1, 2], "a": 1.0}}'"#
            ))
            .await,
            ["true", "true", "true", "true", "false", "true"]
        );
    }

    #[tokio::test]
    async fn modification_operators() {
        let doc = r#"jsonb_in('{"a": 1, "b": {"c": 2}}')"#;
        assert_eq!(
            row(&format!(
                r#"SELECT {doc} - 'a', {doc} #- '{{b,c}}', {doc} || '{{"a": 3}}', jsonb_in('[1, 2]') - 0"#
            ))
            .await,
            [r#"{"b": {"c": 2}}"#, r#"{"a": 1, "b": {}}"#, r#"{"a": 3, "b": {"c": 2}}"#, "[2]"]
        );
    }

    #[tokio::test]
    async fn errors_carry_postgres_codes() {
        assert_eq!(error("SELECT jsonb_in('{\"a\": }')").await.0, "22P02");
        assert_eq!(error("SELECT jsonb_array_length('1')").await.0, "22023");
        assert_eq!(
            error("SELECT jsonb_path_exists('{}', '$')").await.0,
            "0A000"
        );
    }
}
