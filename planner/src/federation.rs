//! Whole sub-plan pushdown: the largest parts of a plan whose tables all live on one
//! PostgreSQL server, and whose every operator and expression renders faithfully, are sent
//! to that server as one query.
//!
//! Runs once per query, on the optimized logical plan, right before physical planning
//! ([`FederatingQueryPlanner`]). Bottom up, each node either joins its children's remote
//! fragment (all children remote on the same server, the node renders) or stays in
//! DataFusion, which then reads each child fragment through one [`RemoteScanExec`].
//!
//! Rendering nests one derived table per operator, with positional column names
//! (`c0`, `c1`, ...), so no alias can collide; PostgreSQL flattens such nesting itself.
//! Sorts and limits are pushed into the fragment below them but also kept in DataFusion
//! (a remote ORDER BY only fixes the order of the rows it returns; DataFusion's own sort
//! over a sorted, limited input is cheap), so a fragment never has a parent above an
//! ORDER BY. Pushed: table scans with their filters and limit, projection, filter,
//! inner/left/right/full joins (and semi/anti joins that are not null-aware), aggregates,
//! DISTINCT, UNION ALL, subquery aliases.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchemaRef, Result, TableReference};
use datafusion::datasource::{provider_as_source, TableType};
use datafusion::execution::context::QueryPlanner;
use datafusion::logical_expr::{
    Aggregate, Distinct, Expr, ExprSchemable, Filter, Join, JoinType, Limit, LogicalPlan,
    LogicalPlanBuilder, Projection, Sort, TableProviderFilterPushDown, TableScan, Union,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use fedgate_adapter_api::{Backend, SqlDialect};

use crate::remote_scan::RemoteScanExec;
use crate::remote_table::RemoteTable;
use crate::sql_render::{quote_identifier, ExprRenderer, Scope};

/// A query planner that cuts remote fragments out of the logical plan, then plans the rest
/// with DataFusion's default planner.
#[derive(Debug, Default)]
pub struct FederatingQueryPlanner;

#[async_trait]
impl QueryPlanner for FederatingQueryPlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session_state: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let federated = federate(logical_plan)?;
        DefaultPhysicalPlanner::default()
            .create_physical_plan(&federated, session_state)
            .await
    }
}

/// Replaces every maximal pushable fragment of `plan` by a scan of its remote query.
pub fn federate(plan: &LogicalPlan) -> Result<LogicalPlan> {
    match analyze(plan)? {
        Analysis::Remote(fragment) => fragment.into_plan(plan.schema()),
        Analysis::Local(plan) => Ok(plan),
    }
}

/// A part of the plan that one server answers as `sql` (columns `c0..cN`).
struct Fragment {
    server: String,
    backend: Arc<dyn Backend>,
    sql: String,
}

enum Analysis {
    Remote(Fragment),
    Local(LogicalPlan),
}

fn analyze(plan: &LogicalPlan) -> Result<Analysis> {
    if let LogicalPlan::TableScan(scan) = plan {
        return Ok(match remote_table(scan) {
            Some(table) if table.dialect() == SqlDialect::Postgres => {
                match render_scan(scan, table) {
                    Some(fragment) => Analysis::Remote(fragment),
                    None => Analysis::Local(plan.clone()),
                }
            }
            _ => Analysis::Local(plan.clone()),
        });
    }
    let inputs = plan.inputs();
    if inputs.is_empty() || plan_has_subqueries(plan) {
        return rebuild_local(
            plan,
            inputs.iter().map(|p| analyze(p)).collect::<Result<_>>()?,
        );
    }
    let mut children: Vec<Analysis> = inputs.iter().map(|p| analyze(p)).collect::<Result<_>>()?;
    if let Some(fragment) = try_extend(plan, &children) {
        return Ok(Analysis::Remote(fragment));
    }
    if let [Analysis::Remote(child)] = children.as_mut_slice() {
        push_order_and_limit(plan, child);
    }
    rebuild_local(plan, children)
}

/// Keeps `plan` in DataFusion over its children (remote children become scans).
fn rebuild_local(plan: &LogicalPlan, children: Vec<Analysis>) -> Result<Analysis> {
    if children.is_empty() {
        return Ok(Analysis::Local(plan.clone()));
    }
    let inputs = plan.inputs();
    let new_inputs = children
        .into_iter()
        .zip(inputs)
        .map(|(child, original)| match child {
            Analysis::Remote(fragment) => fragment.into_plan(original.schema()),
            Analysis::Local(p) => Ok(p),
        })
        .collect::<Result<Vec<_>>>()?;
    let exprs = plan.expressions();
    Ok(Analysis::Local(plan.with_new_exprs(exprs, new_inputs)?))
}

fn plan_has_subqueries(plan: &LogicalPlan) -> bool {
    let mut found = false;
    let _ = plan.apply_expressions(|expr| {
        found |= expr.exists(|e| {
            Ok(matches!(
                e,
                Expr::ScalarSubquery(_)
                    | Expr::Exists(_)
                    | Expr::InSubquery(_)
                    | Expr::OuterReferenceColumn(..)
            ))
        })?;
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

fn remote_table(scan: &TableScan) -> Option<&RemoteTable> {
    let source = scan
        .source
        .downcast_ref::<datafusion::catalog::default_table_source::DefaultTableSource>()?;
    let provider: &dyn TableProvider = source.table_provider.as_ref();
    (provider as &dyn std::any::Any).downcast_ref::<RemoteTable>()
}

fn render_scan(scan: &TableScan, table: &RemoteTable) -> Option<Fragment> {
    let schema = table.schema();
    let projected: Vec<usize> = match &scan.projection {
        Some(p) => p.clone(),
        None => (0..schema.fields().len()).collect(),
    };
    let dialect = SqlDialect::Postgres;
    let columns = if projected.is_empty() {
        "NULL AS \"c0\"".to_string()
    } else {
        projected
            .iter()
            .enumerate()
            .map(|(i, &index)| {
                format!(
                    "{} AS \"c{i}\"",
                    quote_identifier(dialect, schema.field(index).name())
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sql = format!("SELECT {columns} FROM {}", table.quoted_name());
    let scope = crate::sql_render::TableScope::new(dialect, &schema);
    let renderer = ExprRenderer::filters(dialect, &scope);
    let filters = scan
        .filters
        .iter()
        .map(|f| renderer.render(f))
        .collect::<Option<Vec<_>>>()?;
    if !filters.is_empty() {
        sql.push_str(&format!(" WHERE {}", filters.join(" AND ")));
    }
    if let Some(fetch) = scan.fetch.filter(|_| table.backend().pushdown().limit) {
        sql.push_str(&format!(" LIMIT {fetch}"));
    }
    Some(Fragment {
        server: table.server().to_string(),
        backend: table.backend(),
        sql,
    })
}

/// Columns of child fragments, aliased `t0`, `t1`, ... in the FROM clause.
struct FragmentScope<'a> {
    inputs: Vec<(&'a str, &'a DFSchemaRef)>,
}

impl Scope for FragmentScope<'_> {
    fn column(&self, column: &Column) -> Option<(String, Arc<Field>)> {
        for (alias, schema) in &self.inputs {
            if let Ok(index) = schema.index_of_column(column) {
                let field = schema.field(index).clone();
                return Some((format!("{alias}.\"c{index}\""), field));
            }
        }
        None
    }
}

fn single_remote(children: &[Analysis]) -> Option<&Fragment> {
    match children {
        [Analysis::Remote(f)] => Some(f),
        _ => None,
    }
}

fn select_list(items: &[String]) -> String {
    if items.is_empty() {
        return "NULL AS \"c0\"".to_string();
    }
    items
        .iter()
        .enumerate()
        .map(|(i, sql)| format!("{sql} AS \"c{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The fragment of `plan` over its children's fragments, when it can be pushed.
fn try_extend(plan: &LogicalPlan, children: &[Analysis]) -> Option<Fragment> {
    let allowed = children.iter().all(|c| match c {
        Analysis::Remote(f) => {
            let p = f.backend.pushdown();
            p.sub_plans()
                && match plan {
                    LogicalPlan::Aggregate(_) | LogicalPlan::Distinct(_) => p.aggregates,
                    LogicalPlan::Join(_) | LogicalPlan::Union(_) => p.joins,
                    LogicalPlan::Filter(_) => p.filters,
                    _ => true,
                }
        }
        Analysis::Local(_) => false,
    });
    if !allowed {
        return None;
    }
    match plan {
        LogicalPlan::Projection(p) => extend_projection(p, single_remote(children)?),
        LogicalPlan::Filter(f) => extend_filter(f, single_remote(children)?),
        LogicalPlan::Aggregate(a) => extend_aggregate(a, single_remote(children)?),
        LogicalPlan::SubqueryAlias(_) => single_remote(children).map(Fragment::same),
        LogicalPlan::Distinct(Distinct::All(_)) => {
            let child = single_remote(children)?;
            Some(child.wrap(format!("SELECT DISTINCT * FROM ({}) AS t0", child.sql)))
        }
        LogicalPlan::Join(j) => extend_join(j, children),
        LogicalPlan::Union(u) => extend_union(u, children),
        _ => None,
    }
}

impl Fragment {
    fn same(&self) -> Fragment {
        self.wrap(self.sql.clone())
    }

    fn wrap(&self, sql: String) -> Fragment {
        Fragment {
            server: self.server.clone(),
            backend: self.backend.clone(),
            sql,
        }
    }

    /// A scan of this fragment, with the original plan's column names and qualifiers.
    fn into_plan(self, schema: &DFSchemaRef) -> Result<LogicalPlan> {
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| f.as_ref().clone().with_name(format!("c{i}")))
            .collect();
        let arrow_schema = Arc::new(Schema::new(fields));
        let table = Arc::new(RemoteQueryTable {
            server: self.server,
            backend: self.backend,
            sql: self.sql,
            schema: arrow_schema,
        });
        let alias = TableReference::bare("remote");
        let scan = LogicalPlanBuilder::scan(alias.clone(), provider_as_source(table), None)?;
        let exprs: Vec<Expr> = schema
            .iter()
            .enumerate()
            .map(|(i, (qualifier, field))| {
                let column = Expr::Column(Column::new(Some(alias.clone()), format!("c{i}")));
                column.alias_qualified(qualifier.cloned(), field.name())
            })
            .collect();
        scan.project(exprs)?.build()
    }
}

fn extend_projection(projection: &Projection, child: &Fragment) -> Option<Fragment> {
    // An untyped NULL has no type to read it back as; DataFusion produces it locally.
    if projection
        .schema
        .fields()
        .iter()
        .any(|f| f.data_type().is_null())
    {
        return None;
    }
    let scope = FragmentScope {
        inputs: vec![("t0", projection.input.schema())],
    };
    let renderer = ExprRenderer::general(SqlDialect::Postgres, &scope);
    let items = projection
        .expr
        .iter()
        .map(|e| renderer.render(e))
        .collect::<Option<Vec<_>>>()?;
    Some(child.wrap(format!(
        "SELECT {} FROM ({}) AS t0",
        select_list(&items),
        child.sql
    )))
}

fn extend_filter(filter: &Filter, child: &Fragment) -> Option<Fragment> {
    let scope = FragmentScope {
        inputs: vec![("t0", filter.input.schema())],
    };
    let predicate =
        ExprRenderer::general(SqlDialect::Postgres, &scope).render(&filter.predicate)?;
    Some(child.wrap(format!(
        "SELECT * FROM ({}) AS t0 WHERE {predicate}",
        child.sql
    )))
}

fn extend_aggregate(aggregate: &Aggregate, child: &Fragment) -> Option<Fragment> {
    let scope = FragmentScope {
        inputs: vec![("t0", aggregate.input.schema())],
    };
    let renderer = ExprRenderer::general(SqlDialect::Postgres, &scope);
    if aggregate
        .group_expr
        .iter()
        .any(|e| matches!(e, Expr::GroupingSet(_)))
    {
        return None;
    }
    let groups = aggregate
        .group_expr
        .iter()
        .map(|e| renderer.render(e))
        .collect::<Option<Vec<_>>>()?;
    let aggregates = aggregate
        .aggr_expr
        .iter()
        .map(|e| renderer.render(e))
        .collect::<Option<Vec<_>>>()?;
    let mut items = groups.clone();
    items.extend(aggregates);
    let group_by = if groups.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", groups.join(", "))
    };
    Some(child.wrap(format!(
        "SELECT {} FROM ({}) AS t0{group_by}",
        select_list(&items),
        child.sql
    )))
}

fn extend_join(join: &Join, children: &[Analysis]) -> Option<Fragment> {
    let [Analysis::Remote(left), Analysis::Remote(right)] = children else {
        return None;
    };
    if left.server != right.server || join.null_aware {
        return None;
    }
    let scope = FragmentScope {
        inputs: vec![("t0", join.left.schema()), ("t1", join.right.schema())],
    };
    let renderer = ExprRenderer::general(SqlDialect::Postgres, &scope);
    let equal = match join.null_equality {
        datafusion::common::NullEquality::NullEqualsNothing => "=",
        datafusion::common::NullEquality::NullEqualsNull => "IS NOT DISTINCT FROM",
    };
    let mut conditions = join
        .on
        .iter()
        .map(|(l, r)| {
            Some(format!(
                "({} {equal} {})",
                renderer.render(l)?,
                renderer.render(r)?
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    if let Some(filter) = &join.filter {
        conditions.push(renderer.render(filter)?);
    }
    let condition = if conditions.is_empty() {
        "TRUE".to_string()
    } else {
        conditions.join(" AND ")
    };
    let left_count = join.left.schema().fields().len();
    let right_count = join.right.schema().fields().len();
    let both: Vec<String> = (0..left_count)
        .map(|i| format!("t0.\"c{i}\""))
        .chain((0..right_count).map(|i| format!("t1.\"c{i}\"")))
        .collect();
    let left_only: Vec<String> = (0..left_count).map(|i| format!("t0.\"c{i}\"")).collect();
    let (l, r) = (&left.sql, &right.sql);
    let sql = match join.join_type {
        JoinType::Inner | JoinType::Left | JoinType::Right | JoinType::Full => {
            let kind = match join.join_type {
                JoinType::Inner => "INNER",
                JoinType::Left => "LEFT",
                JoinType::Right => "RIGHT",
                _ => "FULL",
            };
            format!(
                "SELECT {} FROM ({l}) AS t0 {kind} JOIN ({r}) AS t1 ON {condition}",
                select_list(&both)
            )
        }
        JoinType::LeftSemi | JoinType::LeftAnti => {
            let not = if join.join_type == JoinType::LeftAnti {
                "NOT "
            } else {
                ""
            };
            format!(
                "SELECT {} FROM ({l}) AS t0 WHERE {not}EXISTS (SELECT 1 FROM ({r}) AS t1 WHERE {condition})",
                select_list(&left_only)
            )
        }
        _ => return None,
    };
    Some(left.wrap(sql))
}

fn extend_union(union: &Union, children: &[Analysis]) -> Option<Fragment> {
    let mut parts = Vec::new();
    let mut first: Option<&Fragment> = None;
    for (i, child) in children.iter().enumerate() {
        let Analysis::Remote(fragment) = child else {
            return None;
        };
        if first.is_some_and(|f| f.server != fragment.server) {
            return None;
        }
        first.get_or_insert(fragment);
        let columns: Vec<String> = (0..union.schema.fields().len())
            .map(|c| format!("u{i}.\"c{c}\""))
            .collect();
        parts.push(format!(
            "SELECT {} FROM ({}) AS u{i}",
            select_list(&columns),
            fragment.sql
        ));
    }
    Some(first?.wrap(parts.join(" UNION ALL ")))
}

/// A sort or limit over a remote fragment is pushed into it and also kept in DataFusion.
fn push_order_and_limit(plan: &LogicalPlan, child: &mut Fragment) {
    let allowed = child.backend.pushdown();
    let pushed = match plan {
        LogicalPlan::Sort(sort) if allowed.sort => sort_sql(sort, &child.sql, &sort.input),
        LogicalPlan::Limit(limit) if allowed.limit => limit_sql(limit, &child.sql),
        _ => None,
    };
    if let Some(sql) = pushed {
        child.sql = sql;
    }
}

fn limit_sql(limit: &Limit, child_sql: &str) -> Option<String> {
    let literal = |e: &Option<Box<Expr>>| -> Option<Option<u64>> {
        match e.as_deref() {
            None => Some(None),
            Some(Expr::Literal(v, _)) if v.is_null() => Some(None),
            Some(Expr::Literal(v, _)) => v.to_string().parse::<u64>().ok().map(Some),
            Some(_) => None,
        }
    };
    let skip = literal(&limit.skip)?.unwrap_or(0);
    let fetch = literal(&limit.fetch)??;
    Some(format!(
        "SELECT * FROM ({child_sql}) AS t0 LIMIT {}",
        fetch + skip
    ))
}

/// Pushes a sort (and its fetch) into a remote child; the sort also stays in DataFusion.
fn sort_sql(sort: &Sort, child_sql: &str, input: &LogicalPlan) -> Option<String> {
    let scope = FragmentScope {
        inputs: vec![("t0", input.schema())],
    };
    let renderer = ExprRenderer::general(SqlDialect::Postgres, &scope);
    let keys = sort
        .expr
        .iter()
        .map(|s| {
            let rendered = renderer.render(&s.expr)?;
            let collate = match &s.expr {
                e if is_string_sort_key(e, input) => " COLLATE \"C\"",
                _ => "",
            };
            let direction = if s.asc { "ASC" } else { "DESC" };
            let nulls = if s.nulls_first {
                "NULLS FIRST"
            } else {
                "NULLS LAST"
            };
            Some(format!("{rendered}{collate} {direction} {nulls}"))
        })
        .collect::<Option<Vec<_>>>()?;
    let limit = sort
        .fetch
        .map(|n| format!(" LIMIT {n}"))
        .unwrap_or_default();
    Some(format!(
        "SELECT * FROM ({child_sql}) AS t0 ORDER BY {}{limit}",
        keys.join(", ")
    ))
}

fn is_string_sort_key(expr: &Expr, input: &LogicalPlan) -> bool {
    expr.get_type(input.schema().as_ref()).is_ok_and(|t| {
        matches!(
            t,
            datafusion::arrow::datatypes::DataType::Utf8
                | datafusion::arrow::datatypes::DataType::LargeUtf8
                | datafusion::arrow::datatypes::DataType::Utf8View
        )
    })
}

/// A remote query as a table DataFusion scans (only ever built by the federation pass).
#[derive(Debug)]
struct RemoteQueryTable {
    server: String,
    backend: Arc<dyn Backend>,
    sql: String,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for RemoteQueryTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![
            TableProviderFilterPushDown::Unsupported;
            filters.len()
        ])
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let (schema, columns) = match projection {
            Some(indices) => (
                Arc::new(self.schema.project(indices)?),
                indices
                    .iter()
                    .map(|i| format!("q.\"c{i}\""))
                    .collect::<Vec<_>>(),
            ),
            None => (
                self.schema.clone(),
                (0..self.schema.fields().len())
                    .map(|i| format!("q.\"c{i}\""))
                    .collect(),
            ),
        };
        let needs_wrap = projection.is_some() || limit.is_some();
        let sql = if needs_wrap {
            let list = if columns.is_empty() {
                "NULL".to_string()
            } else {
                columns.join(", ")
            };
            let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
            format!("SELECT {list} FROM ({}) AS q{limit}", self.sql)
        } else {
            self.sql.clone()
        };
        Ok(Arc::new(RemoteScanExec::new(
            &self.server,
            self.backend.clone(),
            sql,
            schema,
        )))
    }
}
