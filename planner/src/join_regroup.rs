//! Join regrouping: in a tree of inner joins over tables of several servers, consecutive
//! inputs of one server are joined to each other first, so that their join becomes one
//! remote fragment instead of two remote scans joined in DataFusion.
//!
//! DataFusion keeps the join order of the query text: `FROM customer, orders, lineitem`
//! becomes `(customer ⋈ orders) ⋈ lineitem`. With `customer` on MariaDB and the other two on
//! PostgreSQL, no sub-tree of that plan lives on one server, and both PostgreSQL tables would
//! be read in full. Regrouped as `customer ⋈ (orders ⋈ lineitem)`, PostgreSQL answers the
//! inner join (with both tables' filters) itself.
//!
//! An inner-join cluster (inner joins, and the filters and column-only projections between
//! them) is a set of inputs and a conjunction of conditions: any order of joins that applies
//! every condition once its columns are present gives the same rows. The rewrite keeps the
//! original order of the inputs and changes only the nesting: each maximal run of
//! consecutive inputs answered by one server is joined first, and only along join conditions
//! (a run whose inputs share no condition is split, so no cross join is introduced).
//! Conditions on one input become a filter on it; the cluster's original columns are
//! restored by a projection on top. Clusters with volatile conditions are left alone.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchemaRef, NullEquality, Result};
use datafusion::logical_expr::utils::{conjunction, split_conjunction_owned};
use datafusion::logical_expr::{
    BinaryExpr, Expr, Filter, Join, JoinConstraint, JoinType, LogicalPlan, Operator, Projection,
};

/// Regroups every inner-join cluster of `plan` whose inputs are partly on one server.
/// `server_of` names the server that answers a whole input, if one does.
pub(crate) fn regroup_joins(
    plan: LogicalPlan,
    server_of: &dyn Fn(&LogicalPlan) -> Option<String>,
) -> Result<LogicalPlan> {
    if !is_cluster_node(&plan, true) {
        return Ok(plan
            .map_children(|child| regroup_joins(child, server_of).map(Transformed::yes))?
            .data);
    }
    let plan = regroup_leaves(plan, true, server_of)?;
    let cluster = Cluster::collect(&plan);
    if cluster.leaves.len() < 2 || cluster.conditions.iter().any(Expr::is_volatile) {
        return Ok(plan);
    }
    // A rebuild that DataFusion rejects (e.g. duplicate column names) keeps the original.
    Ok(match cluster.prepare() {
        Ok(prepared) if prepared.worth_regrouping(server_of) => {
            prepared.rebuild(server_of, plan.schema()).unwrap_or(plan)
        }
        _ => plan,
    })
}

/// Applies [`regroup_joins`] to the inputs of a cluster, keeping the cluster's own nodes.
fn regroup_leaves(
    plan: LogicalPlan,
    root: bool,
    server_of: &dyn Fn(&LogicalPlan) -> Option<String>,
) -> Result<LogicalPlan> {
    if !is_cluster_node(&plan, root) {
        return regroup_joins(plan, server_of);
    }
    if let LogicalPlan::Join(join) = &plan {
        if is_filtering_join(join) {
            let mut join = join.clone();
            join.left = Arc::new(regroup_leaves(
                Arc::unwrap_or_clone(join.left),
                false,
                server_of,
            )?);
            join.right = Arc::new(regroup_joins(Arc::unwrap_or_clone(join.right), server_of)?);
            return Ok(LogicalPlan::Join(join));
        }
    }
    Ok(plan
        .map_children(|child| regroup_leaves(child, false, server_of).map(Transformed::yes))?
        .data)
}

/// Inner joins belong to a cluster; so do filters without subqueries and projections of
/// plain columns between two of its joins (never at its root).
fn is_cluster_node(plan: &LogicalPlan, root: bool) -> bool {
    match plan {
        LogicalPlan::Join(join) if is_plain_inner_join(join) => true,
        LogicalPlan::Join(join) => is_filtering_join(join) && is_cluster_node(&join.left, false),
        LogicalPlan::Filter(filter) if !root => {
            !has_subquery(&filter.predicate) && is_cluster_node(&filter.input, false)
        }
        LogicalPlan::Projection(projection) if !root => {
            projection.expr.iter().all(|e| matches!(e, Expr::Column(_)))
                && is_cluster_node(&projection.input, false)
        }
        _ => false,
    }
}

fn is_plain_inner_join(join: &Join) -> bool {
    join.join_type == JoinType::Inner
        && !join.null_aware
        && join.null_equality == NullEquality::NullEqualsNothing
        && join.filter.as_ref().is_none_or(|f| !has_subquery(f))
}

/// A semi or anti join (not the null-aware one of `NOT IN`): a filter on its left input.
fn is_filtering_join(join: &Join) -> bool {
    matches!(join.join_type, JoinType::LeftSemi | JoinType::LeftAnti)
        && !join.null_aware
        && join.null_equality == NullEquality::NullEqualsNothing
}

fn has_subquery(expr: &Expr) -> bool {
    expr.exists(|e| {
        Ok(matches!(
            e,
            Expr::ScalarSubquery(_)
                | Expr::Exists(_)
                | Expr::InSubquery(_)
                | Expr::OuterReferenceColumn(..)
        ))
    })
    .unwrap_or(true)
}

/// The inputs (in query order), conditions and semi/anti joins of an inner-join cluster.
struct Cluster {
    leaves: Vec<LogicalPlan>,
    conditions: Vec<Expr>,
    /// Semi and anti joins of the cluster, with their left input still in place.
    filtering_joins: Vec<Join>,
}

impl Cluster {
    fn collect(root: &LogicalPlan) -> Cluster {
        let mut cluster = Cluster {
            leaves: Vec::new(),
            conditions: Vec::new(),
            filtering_joins: Vec::new(),
        };
        cluster.visit(root, true);
        cluster
    }

    fn visit(&mut self, plan: &LogicalPlan, root: bool) {
        if !is_cluster_node(plan, root) {
            self.leaves.push(plan.clone());
            return;
        }
        match plan {
            LogicalPlan::Join(join) if is_filtering_join(join) => {
                self.visit(&join.left, false);
                self.filtering_joins.push(join.clone());
            }
            LogicalPlan::Join(join) => {
                self.visit(&join.left, false);
                self.visit(&join.right, false);
                for (left, right) in &join.on {
                    self.conditions.push(left.clone().eq(right.clone()));
                }
                if let Some(filter) = &join.filter {
                    self.conditions
                        .extend(split_conjunction_owned(filter.clone()));
                }
            }
            LogicalPlan::Filter(filter) => {
                self.visit(&filter.input, false);
                self.conditions
                    .extend(split_conjunction_owned(filter.predicate.clone()));
            }
            LogicalPlan::Projection(projection) => self.visit(&projection.input, false),
            _ => unreachable!("is_cluster_node admits joins, filters and projections"),
        }
    }

    /// Moves each condition and semi/anti join that reads one input onto that input.
    fn prepare(self) -> Result<Prepared> {
        let Cluster {
            leaves,
            conditions,
            filtering_joins,
        } = self;
        let mut pending = conditions;
        let mut leaves = leaves
            .into_iter()
            .map(|leaf| filter_single_input(leaf, &mut pending))
            .collect::<Result<Vec<_>>>()?;
        let mut on_top = Vec::new();
        let mut with_filtering_join = Vec::new();
        for join in filtering_joins {
            let reads = left_columns_read(&join);
            match leaves
                .iter()
                .position(|leaf| reads.iter().all(|c| leaf.schema().has_column(c)))
            {
                Some(index) => {
                    let leaf = std::mem::take(&mut leaves[index]);
                    leaves[index] = with_left(&join, leaf)?;
                    with_filtering_join.push(index);
                }
                None => on_top.push(join),
            }
        }
        Ok(Prepared {
            leaves,
            pending,
            on_top,
            with_filtering_join,
        })
    }
}

/// A cluster whose one-input conditions and semi/anti joins sit on their inputs.
struct Prepared {
    leaves: Vec<LogicalPlan>,
    pending: Vec<Expr>,
    /// Semi/anti joins reading several inputs: applied over the whole cluster.
    on_top: Vec<Join>,
    /// Indices of the inputs a semi/anti join moved onto.
    with_filtering_join: Vec<usize>,
}

impl Prepared {
    fn servers(&self, server_of: &dyn Fn(&LogicalPlan) -> Option<String>) -> Vec<Option<String>> {
        self.leaves.iter().map(server_of).collect()
    }

    /// True when the new nesting lets a server answer more: some run of two or more
    /// consecutive inputs is on one server, or a semi/anti join moved onto an input that a
    /// server still answers whole; and not every input is on one server (such a cluster is
    /// pushed whole without help).
    fn worth_regrouping(&self, server_of: &dyn Fn(&LogicalPlan) -> Option<String>) -> bool {
        let servers = self.servers(server_of);
        let all_one_server = servers.iter().all(|s| s.is_some() && *s == servers[0]);
        let has_run = servers
            .windows(2)
            .any(|pair| pair[0].is_some() && pair[0] == pair[1]);
        let pushed_filtering_join = self
            .with_filtering_join
            .iter()
            .any(|&i| servers[i].is_some());
        (has_run || pushed_filtering_join) && !all_one_server
    }

    /// The cluster as joins of runs of same-server inputs, with `output`'s columns.
    fn rebuild(
        self,
        server_of: &dyn Fn(&LogicalPlan) -> Option<String>,
        output: &DFSchemaRef,
    ) -> Result<LogicalPlan> {
        let servers = self.servers(server_of);
        let Prepared {
            leaves,
            mut pending,
            on_top,
            ..
        } = self;
        let mut units = Vec::new();
        for run in runs(&servers) {
            let members = leaves[run].to_vec();
            units.extend(join_connected(members, &mut pending)?);
        }
        let mut components = join_connected(units, &mut pending)?.into_iter();
        let mut plan = components.next().expect("a cluster has inputs");
        for next in components {
            plan = join(plan, next, Vec::new())?;
        }
        if let Some(rest) = conjunction(pending) {
            plan = LogicalPlan::Filter(Filter::try_new(rest, Arc::new(plan))?);
        }
        for filtering in on_top {
            plan = with_left(&filtering, plan)?;
        }
        let columns = output
            .iter()
            .map(|(qualifier, field)| Expr::Column(Column::new(qualifier.cloned(), field.name())))
            .collect();
        Ok(LogicalPlan::Projection(Projection::try_new(
            columns,
            Arc::new(plan),
        )?))
    }
}

/// The columns of its left input that a semi/anti join reads.
fn left_columns_read(join: &Join) -> Vec<Column> {
    let right = join.right.schema();
    let mut columns: Vec<Column> = join
        .on
        .iter()
        .flat_map(|(left, _)| left.column_refs())
        .cloned()
        .collect();
    if let Some(filter) = &join.filter {
        columns.extend(
            filter
                .column_refs()
                .into_iter()
                .filter(|c| !right.has_column(c))
                .cloned(),
        );
    }
    columns
}

/// `join` (a semi/anti join) over a new left input.
fn with_left(join: &Join, left: LogicalPlan) -> Result<LogicalPlan> {
    Ok(LogicalPlan::Join(Join::try_new(
        Arc::new(left),
        join.right.clone(),
        join.on.clone(),
        join.filter.clone(),
        join.join_type,
        join.join_constraint,
        join.null_equality,
        join.null_aware,
    )?))
}

/// Index ranges of maximal runs of consecutive inputs with the same server (an input no
/// single server answers is a run of its own).
fn runs(servers: &[Option<String>]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=servers.len() {
        let continues = i < servers.len() && servers[i].is_some() && servers[i] == servers[start];
        if !continues {
            runs.push(start..i);
            start = i;
        }
    }
    runs
}

/// Wraps `leaf` in a filter of the conditions that only read its columns (taken out of
/// `pending`), so they stay next to it (and are pushed with it).
fn filter_single_input(leaf: LogicalPlan, pending: &mut Vec<Expr>) -> Result<LogicalPlan> {
    let schema = leaf.schema().clone();
    let own = take_conditions(pending, |c| {
        let columns = c.column_refs();
        !columns.is_empty() && columns.iter().all(|col| schema.has_column(col))
    });
    match conjunction(own) {
        Some(predicate) => Ok(LogicalPlan::Filter(Filter::try_new(
            predicate,
            Arc::new(leaf),
        )?)),
        None => Ok(leaf),
    }
}

/// Joins `units` greedily in their order, each time with the first unit that shares a
/// condition with what is joined so far; returns one plan per connected component.
fn join_connected(units: Vec<LogicalPlan>, pending: &mut Vec<Expr>) -> Result<Vec<LogicalPlan>> {
    let mut rest: std::collections::VecDeque<LogicalPlan> = units.into();
    let mut components = Vec::new();
    while let Some(mut current) = rest.pop_front() {
        while let Some(index) = rest
            .iter()
            .position(|unit| pending.iter().any(|c| connects(c, &current, unit)))
        {
            let unit = rest.remove(index).expect("index from position");
            let conditions = take_conditions(pending, |c| within(c, &current, &unit));
            current = join(current, unit, conditions)?;
        }
        components.push(current);
    }
    Ok(components)
}

/// Does `condition` read columns of both `left` and `right`, and nothing else?
fn connects(condition: &Expr, left: &LogicalPlan, right: &LogicalPlan) -> bool {
    let columns = condition.column_refs();
    let in_left = |c: &&Column| left.schema().has_column(c);
    let in_right = |c: &&Column| right.schema().has_column(c);
    columns.iter().any(in_left)
        && columns.iter().any(in_right)
        && columns.iter().all(|c| in_left(c) || in_right(c))
}

fn within(condition: &Expr, left: &LogicalPlan, right: &LogicalPlan) -> bool {
    condition
        .column_refs()
        .iter()
        .all(|c| left.schema().has_column(c) || right.schema().has_column(c))
}

fn take_conditions(pending: &mut Vec<Expr>, wanted: impl Fn(&Expr) -> bool) -> Vec<Expr> {
    let (taken, kept): (Vec<Expr>, Vec<Expr>) =
        std::mem::take(pending).into_iter().partition(wanted);
    *pending = kept;
    taken
}

/// An inner join of `left` and `right`: equalities between one side and the other become
/// join keys, everything else the join filter.
fn join(left: LogicalPlan, right: LogicalPlan, conditions: Vec<Expr>) -> Result<LogicalPlan> {
    let mut on = Vec::new();
    let mut filters = Vec::new();
    for condition in conditions {
        match key_pair(&condition, &left, &right) {
            Some(pair) => on.push(pair),
            None => filters.push(condition),
        }
    }
    Ok(LogicalPlan::Join(Join::try_new(
        Arc::new(left),
        Arc::new(right),
        on,
        conjunction(filters),
        JoinType::Inner,
        JoinConstraint::On,
        NullEquality::NullEqualsNothing,
        false,
    )?))
}

/// `(left key, right key)` when `condition` is `a = b` with `a` on one side, `b` on the other.
fn key_pair(condition: &Expr, left: &LogicalPlan, right: &LogicalPlan) -> Option<(Expr, Expr)> {
    let Expr::BinaryExpr(BinaryExpr {
        left: a,
        op: Operator::Eq,
        right: b,
    }) = condition
    else {
        return None;
    };
    let only_in = |expr: &Expr, plan: &LogicalPlan| {
        let columns = expr.column_refs();
        !columns.is_empty() && columns.iter().all(|c| plan.schema().has_column(c))
    };
    if only_in(a, left) && only_in(b, right) {
        Some((a.as_ref().clone(), b.as_ref().clone()))
    } else if only_in(a, right) && only_in(b, left) {
        Some((b.as_ref().clone(), a.as_ref().clone()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::logical_expr::{col, lit, table_scan, LogicalPlanBuilder};

    /// Tables are named `<server>_<table>`; a plan is answered by a server when all its
    /// tables are on it (what the federation pass decides for real tables).
    fn server_of(plan: &LogicalPlan) -> Option<String> {
        let mut servers = Vec::new();
        plan.apply(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                servers.push(
                    scan.table_name
                        .table()
                        .split('_')
                        .next()
                        .unwrap()
                        .to_string(),
                );
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
        let first = servers.first()?.clone();
        (first != "local" && servers.iter().all(|s| *s == first)).then_some(first)
    }

    fn table(name: &str, columns: &[&str]) -> LogicalPlanBuilder {
        let fields: Vec<Field> = columns
            .iter()
            .map(|c| Field::new(*c, DataType::Int64, true))
            .collect();
        table_scan(Some(name), &Schema::new(fields), None).unwrap()
    }

    fn inner(
        left: LogicalPlanBuilder,
        right: LogicalPlan,
        keys: (&str, &str),
    ) -> LogicalPlanBuilder {
        left.join_with_expr_keys(
            right,
            JoinType::Inner,
            (vec![col(keys.0)], vec![col(keys.1)]),
            None,
        )
        .unwrap()
    }

    fn customer() -> LogicalPlanBuilder {
        table("my_customer", &["c_custkey", "c_nationkey"])
    }
    fn orders() -> LogicalPlan {
        table("pg_orders", &["o_orderkey", "o_custkey"])
            .build()
            .unwrap()
    }
    fn lineitem() -> LogicalPlan {
        table("pg_lineitem", &["l_orderkey", "l_suppkey", "l_quantity"])
            .build()
            .unwrap()
    }

    /// `(my.customer ⋈ pg.orders) ⋈ pg.lineitem`, the join order of the query text.
    fn customer_orders_lineitem() -> LogicalPlanBuilder {
        let c_o = inner(customer(), orders(), ("c_custkey", "o_custkey"));
        inner(c_o, lineitem(), ("o_orderkey", "l_orderkey"))
    }

    /// The maximal sub-plans one server answers, as sorted lists of their tables.
    fn remote_parts(plan: &LogicalPlan) -> Vec<Vec<String>> {
        let mut parts = Vec::new();
        collect_parts(plan, &mut parts);
        parts
    }

    fn collect_parts(plan: &LogicalPlan, parts: &mut Vec<Vec<String>>) {
        if server_of(plan).is_some() {
            let mut tables = Vec::new();
            plan.apply(|node| {
                if let LogicalPlan::TableScan(scan) = node {
                    tables.push(scan.table_name.table().to_string());
                }
                Ok(TreeNodeRecursion::Continue)
            })
            .unwrap();
            tables.sort();
            parts.push(tables);
            return;
        }
        for input in plan.inputs() {
            collect_parts(input, parts);
        }
    }

    fn regroup(plan: LogicalPlan) -> LogicalPlan {
        regroup_joins(plan, &server_of).unwrap()
    }

    fn has_cross_join(plan: &LogicalPlan) -> bool {
        plan.exists(|node| {
            Ok(matches!(node, LogicalPlan::Join(j) if j.on.is_empty() && j.filter.is_none()))
        })
        .unwrap()
    }

    #[test]
    fn consecutive_inputs_of_one_server_are_joined_first() {
        let plan = customer_orders_lineitem().build().unwrap();
        assert_eq!(
            remote_parts(&plan),
            vec![vec!["my_customer"], vec!["pg_orders"], vec!["pg_lineitem"]]
        );
        let regrouped = regroup(plan.clone());
        assert_eq!(
            remote_parts(&regrouped),
            vec![
                vec!["my_customer".to_string()],
                vec!["pg_lineitem".into(), "pg_orders".into()]
            ]
        );
        assert_eq!(
            regrouped.schema(),
            plan.schema(),
            "same columns, same order"
        );
    }

    #[test]
    fn each_run_is_grouped_and_conditions_across_runs_stay_between_them() {
        // customer, orders, lineitem, supplier, nation: [my] [pg pg] [my my]; the supplier
        // condition reads lineitem and customer, so supplier ⋈ nation joins the rest on both.
        let supplier = table("my_supplier", &["s_suppkey", "s_nationkey"])
            .build()
            .unwrap();
        let nation = table("my_nation", &["n_nationkey", "n_name"])
            .build()
            .unwrap();
        let with_supplier = customer_orders_lineitem()
            .join_with_expr_keys(
                supplier,
                JoinType::Inner,
                (
                    vec![col("l_suppkey"), col("c_nationkey")],
                    vec![col("s_suppkey"), col("s_nationkey")],
                ),
                None,
            )
            .unwrap();
        let plan = inner(with_supplier, nation, ("s_nationkey", "n_nationkey"))
            .build()
            .unwrap();
        let regrouped = regroup(plan.clone());
        assert_eq!(
            remote_parts(&regrouped),
            vec![
                vec!["my_customer".to_string()],
                vec!["pg_lineitem".into(), "pg_orders".into()],
                vec!["my_nation".into(), "my_supplier".into()],
            ]
        );
        assert!(!has_cross_join(&regrouped));
        assert_eq!(regrouped.schema(), plan.schema());
    }

    #[test]
    fn inputs_without_a_shared_condition_are_not_cross_joined() {
        // part and supplier (both my) only meet through partsupp (pg): no run to join.
        let part = table("my_part", &["p_partkey"]);
        let supplier = table("my_supplier", &["s_suppkey"]).build().unwrap();
        let partsupp = table("pg_partsupp", &["ps_partkey", "ps_suppkey"])
            .build()
            .unwrap();
        let p_s = part.cross_join(supplier).unwrap();
        let plan = p_s
            .join_with_expr_keys(
                partsupp,
                JoinType::Inner,
                (
                    vec![col("p_partkey"), col("s_suppkey")],
                    vec![col("ps_partkey"), col("ps_suppkey")],
                ),
                None,
            )
            .unwrap()
            .build()
            .unwrap();
        let regrouped = regroup(plan.clone());
        assert!(!has_cross_join(&regrouped), "{regrouped}");
        assert_eq!(regrouped.schema(), plan.schema());
    }

    #[test]
    fn a_semi_join_moves_onto_the_input_it_reads() {
        let big_orders = table("pg_big", &["b_orderkey"]).build().unwrap();
        let plan = customer_orders_lineitem()
            .join_with_expr_keys(
                big_orders,
                JoinType::LeftSemi,
                (vec![col("o_orderkey")], vec![col("b_orderkey")]),
                None,
            )
            .unwrap()
            .build()
            .unwrap();
        let regrouped = regroup(plan.clone());
        assert_eq!(
            remote_parts(&regrouped),
            vec![
                vec!["my_customer".to_string()],
                vec!["pg_big".into(), "pg_lineitem".into(), "pg_orders".into()],
            ]
        );
        assert_eq!(regrouped.schema(), plan.schema());
    }

    #[test]
    fn filters_on_one_input_stay_on_it() {
        let plan = customer_orders_lineitem()
            .filter(
                col("l_quantity")
                    .gt(lit(300i64))
                    .and(col("c_nationkey").eq(col("l_suppkey"))),
            )
            .unwrap()
            .build()
            .unwrap();
        // The filter is the root here; wrap it in a join so it is inside the cluster.
        let plan = inner(
            LogicalPlanBuilder::from(plan),
            table("my_nation", &["n_nationkey"]).build().unwrap(),
            ("c_nationkey", "n_nationkey"),
        )
        .build()
        .unwrap();
        let regrouped = regroup(plan.clone());
        let lineitem_filtered = regrouped
            .exists(|node| {
                Ok(matches!(node, LogicalPlan::Filter(f)
                    if f.predicate.to_string() == "pg_lineitem.l_quantity > Int64(300)"
                    && matches!(f.input.as_ref(), LogicalPlan::TableScan(_))))
            })
            .unwrap();
        assert!(lineitem_filtered, "{regrouped}");
        assert_eq!(regrouped.schema(), plan.schema());
    }

    #[test]
    fn clusters_on_one_server_or_none_are_left_alone() {
        for server in ["pg", "local"] {
            let name = |t: &str| format!("{server}_{t}");
            let plan = inner(
                inner(
                    table(&name("a"), &["a"]),
                    table(&name("b"), &["b"]).build().unwrap(),
                    ("a", "b"),
                ),
                table(&name("c"), &["c"]).build().unwrap(),
                ("b", "c"),
            )
            .build()
            .unwrap();
            assert_eq!(regroup(plan.clone()), plan, "{server}");
        }
    }

    #[test]
    fn volatile_conditions_keep_the_original_order() {
        let plan = customer_orders_lineitem().build().unwrap();
        let LogicalPlan::Join(mut join) = plan else {
            unreachable!()
        };
        let random = datafusion::functions::math::random();
        join.filter = Some(random.call(vec![]).gt(lit(0.5)));
        let plan = LogicalPlan::Join(join);
        assert_eq!(regroup(plan.clone()), plan);
    }
}
