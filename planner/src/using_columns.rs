//! `SELECT *` over `JOIN ... USING (...)` and `NATURAL JOIN` with PostgreSQL's columns,
//! applied by the `postgres_semantics` analyzer rule.
//!
//! PostgreSQL lists the join columns first, once each (the left side's value for inner and
//! left joins, the right side's for right joins, `coalesce` of both for full joins), then
//! the left side's other columns, then the right side's. DataFusion's wildcard keeps the
//! join columns of the relation whose name sorts first, in place: the order of the columns
//! differed, and a left join over a right-hand relation named first alphabetically showed
//! the right side's NULLs. A projection that is exactly DataFusion's expansion of `*` over
//! such a join (below a `WHERE` at most) is replaced by PostgreSQL's, each join column
//! under the name DataFusion's `*` gave it (clauses above, as `ORDER BY id`, refer to it).

use std::sync::Arc;

use datafusion::common::{Column, Result};
use datafusion::logical_expr::utils::expand_wildcard;
use datafusion::logical_expr::{Expr, JoinConstraint, JoinType, LogicalPlan, Projection};

/// PostgreSQL's `*` for `projection` when it is DataFusion's `*` over a `USING` join;
/// `None` otherwise.
pub(crate) fn postgres_wildcard(projection: &Projection) -> Result<Option<LogicalPlan>> {
    let mut input = projection.input.as_ref();
    while let LogicalPlan::Filter(filter) = input {
        input = filter.input.as_ref();
    }
    let LogicalPlan::Join(join) = input else {
        return Ok(None);
    };
    if join.join_constraint != JoinConstraint::Using || join.on.is_empty() {
        return Ok(None);
    }
    let expansion = expand_wildcard(projection.input.schema(), projection.input.as_ref(), None)?;
    if projection.expr != expansion {
        return Ok(None);
    }
    let mut left_keys = Vec::new();
    let mut right_keys = Vec::new();
    let mut exprs = Vec::new();
    for (left, right) in &join.on {
        let (Expr::Column(l), Expr::Column(r)) = (left, right) else {
            return Ok(None);
        };
        // The column DataFusion's `*` kept: what the clauses above (ORDER BY) refer to.
        let kept = if projection.expr.contains(left) { l } else { r };
        let value = match join.join_type {
            JoinType::Inner | JoinType::Left => left.clone(),
            JoinType::Right => right.clone(),
            JoinType::Full => datafusion::functions::core::expr_fn::coalesce(vec![
                left.clone(),
                right.clone(),
            ]),
            _ => return Ok(None),
        };
        let merged = match &value {
            Expr::Column(c) if c == kept => value,
            _ => value.alias_qualified(kept.relation.clone(), kept.name.clone()),
        };
        exprs.push(merged);
        left_keys.push(l.clone());
        right_keys.push(r.clone());
    }
    for (side, keys) in [(&join.left, &left_keys), (&join.right, &right_keys)] {
        for (qualifier, field) in side.schema().iter() {
            let column = Column::new(qualifier.cloned(), field.name());
            if !keys.contains(&column) {
                exprs.push(Expr::Column(column));
            }
        }
    }
    let projection = Projection::try_new(exprs, Arc::clone(&projection.input))?;
    Ok(Some(LogicalPlan::Projection(projection)))
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::SessionContext;

    async fn columns(sql: &str) -> Vec<String> {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE emp (id INT, name TEXT, dept TEXT) AS VALUES (1, 'a', 'x')")
            .await
            .unwrap();
        ctx.sql("CREATE TABLE dept (id INT, name TEXT, floor INT) AS VALUES (2, 'a', 3)")
            .await
            .unwrap();
        let plan = ctx.state().create_logical_plan(sql).await.unwrap();
        let LogicalPlan::Projection(projection) = &plan else {
            panic!("not a projection: {plan}");
        };
        let plan = postgres_wildcard(projection)
            .unwrap()
            .expect("rewritten");
        plan.schema()
            .iter()
            .map(|(q, f)| match q {
                Some(q) => format!("{q}.{}", f.name()),
                None => f.name().clone(),
            })
            .collect()
    }

    use super::*;

    #[tokio::test]
    async fn join_columns_come_first_once() {
        assert_eq!(
            columns("SELECT * FROM emp JOIN dept USING (id, name)").await,
            ["dept.id", "dept.name", "emp.dept", "dept.floor"]
        );
        assert_eq!(
            columns("SELECT * FROM emp RIGHT JOIN dept USING (name)").await,
            ["dept.name", "emp.id", "emp.dept", "dept.id", "dept.floor"]
        );
        assert_eq!(
            columns("SELECT * FROM emp NATURAL FULL JOIN dept").await,
            ["dept.id", "dept.name", "emp.dept", "dept.floor"]
        );
    }
}
