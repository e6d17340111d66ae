//! Whole sub-plan pushdown: the largest parts of a plan whose tables all live on one
//! PostgreSQL or MySQL/MariaDB server, and whose every operator and expression renders
//! faithfully in that server's dialect, are sent to that server as one query.
//!
//! Runs once per query, on the optimized logical plan, right before physical planning
//! ([`FederatingQueryPlanner`]). Bottom up, each node either joins its children's remote
//! fragment (all children remote on the same server, the node renders) or stays in
//! DataFusion, which then reads each child fragment through one [`RemoteScanExec`].
//!
//! Rendering nests one derived table per operator, with positional column names
//! (`c0`, `c1`, ...), so no alias can collide; both engines flatten such nesting themselves.
//! Sorts and limits are pushed into the fragment below them but also kept in DataFusion
//! (a remote ORDER BY only fixes the order of the rows it returns; DataFusion's own sort
//! over a sorted, limited input is cheap), so a fragment never has a parent above an
//! ORDER BY. Pushed: table scans with their filters and limit, projection, filter,
//! inner/left/right/full joins (and semi/anti joins that are not null-aware), aggregates,
//! DISTINCT, UNION ALL, subquery aliases, and uncorrelated scalar subqueries answered by the
//! same server.
//!
//! MySQL differences kept out of results: no FULL JOIN there (stays local); strings are
//! grouped on their bytes as well (`GROUP BY CAST(x AS BINARY), x`) and sorted as bytes,
//! because the default collations equate 'a', 'A' and 'a '; DISTINCT over string columns
//! stays local; NULL placement is an explicit first sort key (no `NULLS FIRST/LAST`).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Column, DFSchemaRef, Result, TableReference};
use datafusion::datasource::{provider_as_source, TableType};
use datafusion::execution::context::QueryPlanner;
use datafusion::logical_expr::{
    Aggregate, BinaryExpr, Distinct, Expr, ExprSchemable, Filter, Join, JoinType, Limit,
    LogicalPlan, LogicalPlanBuilder, Operator, Projection, Sort, Subquery, TableScan, Union,
    Window,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use fedgate_adapter_api::{Backend, SqlDialect};

use crate::join_regroup::regroup_joins;
use crate::key_feed::{self, KeyFeed};
use crate::remote_scan::RemoteScanExec;
use crate::remote_table::RemoteTable;
use crate::sql_render::{is_string_type, quote_identifier, ExprRenderer, Scope};

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
    let plan = regroup_joins(plan.clone(), &remote_server)?;
    match analyze(&plan)? {
        Analysis::Remote(fragment) => fragment.into_plan(plan.schema()),
        Analysis::Local(plan) => Ok(plan),
    }
}

/// The server that answers all of `plan`, if one does.
fn remote_server(plan: &LogicalPlan) -> Option<String> {
    match analyze(plan) {
        Ok(Analysis::Remote(fragment)) => Some(fragment.server),
        _ => None,
    }
}

/// A part of the plan that one server answers as `sql` (columns `c0..cN`).
struct Fragment {
    server: String,
    backend: Arc<dyn Backend>,
    dialect: SqlDialect,
    sql: String,
    /// Semi joins in `sql` whose keys are read first (their markers are in `sql`).
    key_feeds: Vec<KeyFeed>,
}

enum Analysis {
    Remote(Fragment),
    Local(LogicalPlan),
}

fn analyze(plan: &LogicalPlan) -> Result<Analysis> {
    if let LogicalPlan::TableScan(scan) = plan {
        return Ok(match remote_table(scan) {
            Some(table) => match render_scan(scan, table) {
                Some(fragment) => Analysis::Remote(fragment),
                None => Analysis::Local(plan.clone()),
            },
            None => Analysis::Local(plan.clone()),
        });
    }
    let inputs = plan.inputs();
    if inputs.is_empty() {
        return rebuild_local(plan, Vec::new());
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
    let dialect = table.dialect();
    let columns: Vec<String> = projected
        .iter()
        .map(|&index| quote_identifier(dialect, schema.field(index).name()))
        .collect();
    let columns = select_list(dialect, &columns);
    let mut sql = format!("SELECT {columns} FROM {}", table.quoted_name());
    let scope = crate::sql_render::TableScope::new(dialect, &schema);
    let renderer = ExprRenderer::filters(dialect, &scope);
    let filters = scan
        .filters
        .iter()
        .map(|f| renderer.render_filter(f))
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
        dialect,
        sql,
        key_feeds: Vec::new(),
    })
}

/// Columns of child fragments, aliased `t0`, `t1`, ... in the FROM clause, on `server`.
///
/// Expressions holding subqueries reach the renderer too: an uncorrelated scalar subquery
/// whose whole plan the same server answers is rendered inline; `EXISTS`, `IN (subquery)`
/// and outer references are not rendered, so their node stays in DataFusion.
struct FragmentScope<'a> {
    server: &'a str,
    dialect: SqlDialect,
    inputs: Vec<(&'a str, &'a DFSchemaRef)>,
}

impl Scope for FragmentScope<'_> {
    fn column(&self, column: &Column) -> Option<(String, Arc<Field>)> {
        for (alias, schema) in &self.inputs {
            if let Ok(index) = schema.index_of_column(column) {
                let field = schema.field(index).clone();
                return Some((qualified_column(self.dialect, alias, index), field));
            }
        }
        None
    }

    fn scalar_subquery(&self, subquery: &Subquery) -> Option<String> {
        if !subquery.outer_ref_columns.is_empty() {
            return None;
        }
        match analyze(&subquery.subquery).ok()? {
            Analysis::Remote(fragment) if fragment.server == self.server => Some(format!(
                "(SELECT {} FROM ({}) AS sq)",
                qualified_column(self.dialect, "sq", 0),
                key_feed::without_feeding(&fragment.sql, &fragment.key_feeds)
            )),
            _ => None,
        }
    }
}

/// The positional name of a fragment's `index`-th output column (`c0`, `c1`, ...), quoted.
fn column_name(dialect: SqlDialect, index: usize) -> String {
    quote_identifier(dialect, &format!("c{index}"))
}

/// `alias.c<index>`, quoted.
fn qualified_column(dialect: SqlDialect, alias: &str, index: usize) -> String {
    format!("{alias}.{}", column_name(dialect, index))
}

fn single_remote(children: &[Analysis]) -> Option<&Fragment> {
    match children {
        [Analysis::Remote(f)] => Some(f),
        _ => None,
    }
}

fn select_list(dialect: SqlDialect, items: &[String]) -> String {
    if items.is_empty() {
        return format!("NULL AS {}", column_name(dialect, 0));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, sql)| format!("{sql} AS {}", column_name(dialect, i)))
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
                    LogicalPlan::Aggregate(_)
                    | LogicalPlan::Distinct(_)
                    | LogicalPlan::Window(_) => p.aggregates,
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
        LogicalPlan::Distinct(Distinct::All(input)) => {
            let child = single_remote(children)?;
            // MySQL's DISTINCT compares strings in their collation ('a' = 'A').
            if child.dialect == SqlDialect::MySql && has_string_column(input.schema()) {
                return None;
            }
            Some(child.wrap(format!("SELECT DISTINCT * FROM ({}) AS t0", child.sql)))
        }
        LogicalPlan::Window(w) => extend_window(w, single_remote(children)?),
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
            dialect: self.dialect,
            sql,
            key_feeds: self.key_feeds.clone(),
        }
    }

    /// Like [`Fragment::wrap`], for `sql` that also holds `others`' SQL (and their feeds).
    fn wrap_with<'a>(
        &self,
        sql: String,
        others: impl IntoIterator<Item = &'a Fragment>,
    ) -> Fragment {
        let mut fragment = self.wrap(sql);
        for other in others {
            fragment.key_feeds.extend(other.key_feeds.iter().cloned());
        }
        fragment
    }

    /// The columns of `inputs`, on this fragment's server and in its dialect.
    fn scope<'a>(&'a self, inputs: Vec<(&'a str, &'a DFSchemaRef)>) -> FragmentScope<'a> {
        FragmentScope {
            server: &self.server,
            dialect: self.dialect,
            inputs,
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
            dialect: self.dialect,
            sql: self.sql,
            key_feeds: self.key_feeds,
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
    let scope = child.scope(vec![("t0", projection.input.schema())]);
    let renderer = ExprRenderer::general(child.dialect, &scope);
    let items = projection
        .expr
        .iter()
        .map(|e| renderer.render(e))
        .collect::<Option<Vec<_>>>()?;
    Some(child.wrap(format!(
        "SELECT {} FROM ({}) AS t0",
        select_list(child.dialect, &items),
        child.sql
    )))
}

/// The input's columns followed by the window functions' values.
fn extend_window(window: &Window, child: &Fragment) -> Option<Fragment> {
    let input_schema = window.input.schema();
    let scope = child.scope(vec![("t0", input_schema)]);
    let renderer = ExprRenderer::general(child.dialect, &scope);
    let mut items: Vec<String> = (0..input_schema.fields().len())
        .map(|i| qualified_column(child.dialect, "t0", i))
        .collect();
    for expr in &window.window_expr {
        items.push(renderer.render(expr)?);
    }
    Some(child.wrap(format!(
        "SELECT {} FROM ({}) AS t0",
        select_list(child.dialect, &items),
        child.sql
    )))
}

fn extend_filter(filter: &Filter, child: &Fragment) -> Option<Fragment> {
    let scope = child.scope(vec![("t0", filter.input.schema())]);
    let predicate =
        ExprRenderer::general(child.dialect, &scope).render_filter(&filter.predicate)?;
    Some(child.wrap(format!(
        "SELECT * FROM ({}) AS t0 WHERE {predicate}",
        child.sql
    )))
}

fn extend_aggregate(aggregate: &Aggregate, child: &Fragment) -> Option<Fragment> {
    let scope = child.scope(vec![("t0", aggregate.input.schema())]);
    let renderer = ExprRenderer::general(child.dialect, &scope);
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
    let input_schema = aggregate.input.schema();
    let grouping_keys: Vec<String> = aggregate
        .group_expr
        .iter()
        .zip(&groups)
        .map(|(expr, sql)| {
            // MySQL groups strings by their collation ('a' and 'A ' are one group): the
            // bytes are grouped on too, so each group holds one DataFusion value.
            let is_string = expr
                .get_type(input_schema.as_ref())
                .is_ok_and(|t| is_string_type(&t));
            if child.dialect == SqlDialect::MySql && is_string {
                format!("CAST({sql} AS BINARY), {sql}")
            } else {
                sql.clone()
            }
        })
        .collect();
    let mut items = groups;
    items.extend(aggregates);
    let group_by = if grouping_keys.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", grouping_keys.join(", "))
    };
    Some(child.wrap(format!(
        "SELECT {} FROM ({}) AS t0{group_by}",
        select_list(child.dialect, &items),
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
    let dialect = left.dialect;
    // MySQL has no FULL JOIN.
    if dialect == SqlDialect::MySql && join.join_type == JoinType::Full {
        return None;
    }
    let scope = left.scope(vec![
        ("t0", join.left.schema()),
        ("t1", join.right.schema()),
    ]);
    let renderer = ExprRenderer::general(dialect, &scope);
    let mut conditions = join
        .on
        .iter()
        .map(|(l, r)| {
            let op = match join.null_equality {
                datafusion::common::NullEquality::NullEqualsNothing => Operator::Eq,
                datafusion::common::NullEquality::NullEqualsNull => Operator::IsNotDistinctFrom,
            };
            let equality = Expr::BinaryExpr(BinaryExpr::new(
                Box::new(l.clone()),
                op,
                Box::new(r.clone()),
            ));
            renderer.render(&equality)
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
        .map(|i| qualified_column(dialect, "t0", i))
        .chain((0..right_count).map(|i| qualified_column(dialect, "t1", i)))
        .collect();
    let left_only: Vec<String> = (0..left_count)
        .map(|i| qualified_column(dialect, "t0", i))
        .collect();
    let (l, r) = (&left.sql, &right.sql);
    let mut fragment = left.wrap_with(String::new(), [right]);
    fragment.sql = match join.join_type {
        JoinType::Inner | JoinType::Left | JoinType::Right | JoinType::Full => {
            let kind = match join.join_type {
                JoinType::Inner => "INNER",
                JoinType::Left => "LEFT",
                JoinType::Right => "RIGHT",
                _ => "FULL",
            };
            format!(
                "SELECT {} FROM ({l}) AS t0 {kind} JOIN ({r}) AS t1 ON {condition}",
                select_list(dialect, &both)
            )
        }
        JoinType::LeftSemi | JoinType::LeftAnti => {
            let not = if join.join_type == JoinType::LeftAnti {
                "NOT "
            } else {
                ""
            };
            let exists = format!("{not}EXISTS (SELECT 1 FROM ({r}) AS t1 WHERE {condition})");
            let feed = key_feed_of(join, left, right, &renderer, &exists);
            let predicate = feed.as_ref().map_or(exists, |f| f.marker().to_string());
            fragment.key_feeds.extend(feed);
            format!(
                "SELECT {} FROM ({l}) AS t0 WHERE {predicate}",
                select_list(dialect, &left_only)
            )
        }
        _ => return None,
    };
    Some(fragment)
}

/// A key feed for a semi join whose right side is a `HAVING` subquery on one integer key
/// (see [`key_feed`]); `exists` is the semi join's predicate without feeding.
fn key_feed_of(
    join: &Join,
    left: &Fragment,
    right: &Fragment,
    renderer: &ExprRenderer,
    exists: &str,
) -> Option<KeyFeed> {
    let [(left_key, right_key)] = join.on.as_slice() else {
        return None;
    };
    let feedable = join.join_type == JoinType::LeftSemi
        && join.filter.is_none()
        && join.null_equality == datafusion::common::NullEquality::NullEqualsNothing
        && left.backend.pushdown().key_feeding
        && right.key_feeds.is_empty()
        && key_feed::is_filtered_aggregate(&join.right);
    if !feedable {
        return None;
    }
    let key_type = right_key.get_type(join.right.schema().as_ref()).ok()?;
    let probe_type = left_key.get_type(join.left.schema().as_ref()).ok()?;
    if !KeyFeed::feeds_type(&key_type) || !KeyFeed::feeds_type(&probe_type) {
        return None;
    }
    let key_sql = format!(
        "SELECT {} FROM ({}) AS t1",
        select_list(left.dialect, &[renderer.render(right_key)?]),
        right.sql
    );
    Some(KeyFeed::new(
        key_sql,
        key_type,
        renderer.render(left_key)?,
        exists.to_string(),
    ))
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
        let alias = format!("u{i}");
        let columns: Vec<String> = (0..union.schema.fields().len())
            .map(|c| qualified_column(fragment.dialect, &alias, c))
            .collect();
        parts.push(format!(
            "SELECT {} FROM ({}) AS {alias}",
            select_list(fragment.dialect, &columns),
            fragment.sql
        ));
    }
    let fragments = children.iter().filter_map(|c| match c {
        Analysis::Remote(f) => Some(f),
        Analysis::Local(_) => None,
    });
    Some(first?.wrap_with(parts.join(" UNION ALL "), fragments.skip(1)))
}

/// A sort or limit over a remote fragment is pushed into it and also kept in DataFusion.
fn push_order_and_limit(plan: &LogicalPlan, child: &mut Fragment) {
    let allowed = child.backend.pushdown();
    let pushed = match plan {
        LogicalPlan::Sort(sort) if allowed.sort => sort_sql(sort, child, &sort.input),
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
fn sort_sql(sort: &Sort, child: &Fragment, input: &LogicalPlan) -> Option<String> {
    let child_sql = &child.sql;
    let scope = child.scope(vec![("t0", input.schema())]);
    let renderer = ExprRenderer::general(child.dialect, &scope);
    let keys = sort
        .expr
        .iter()
        .map(|s| {
            let rendered = renderer.render(&s.expr)?;
            let is_string = is_string_sort_key(&s.expr, input);
            let direction = if s.asc { "ASC" } else { "DESC" };
            Some(match child.dialect {
                SqlDialect::Postgres => {
                    let collate = if is_string { " COLLATE \"C\"" } else { "" };
                    let nulls = if s.nulls_first {
                        "NULLS FIRST"
                    } else {
                        "NULLS LAST"
                    };
                    format!("{rendered}{collate} {direction} {nulls}")
                }
                // MySQL sorts NULLs as the smallest value and strings by their collation:
                // NULL placement comes first as its own key, strings are sorted as bytes.
                SqlDialect::MySql => {
                    let nulls = if s.nulls_first { "DESC" } else { "ASC" };
                    let key = if is_string {
                        format!("CAST({rendered} AS BINARY)")
                    } else {
                        rendered.clone()
                    };
                    format!("({rendered} IS NULL) {nulls}, {key} {direction}")
                }
            })
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
    expr.get_type(input.schema().as_ref())
        .is_ok_and(|t| is_string_type(&t))
}

fn has_string_column(schema: &DFSchemaRef) -> bool {
    schema
        .fields()
        .iter()
        .any(|f| is_string_type(f.data_type()))
}

/// A remote query as a table DataFusion scans (only ever built by the federation pass).
#[derive(Debug)]
struct RemoteQueryTable {
    server: String,
    backend: Arc<dyn Backend>,
    dialect: SqlDialect,
    sql: String,
    key_feeds: Vec<KeyFeed>,
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
                    .map(|&i| qualified_column(self.dialect, "q", i))
                    .collect::<Vec<_>>(),
            ),
            None => (
                self.schema.clone(),
                (0..self.schema.fields().len())
                    .map(|i| qualified_column(self.dialect, "q", i))
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
        Ok(Arc::new(
            RemoteScanExec::new(&self.server, self.backend.clone(), sql, schema)
                .with_key_feeds(self.key_feeds.clone()),
        ))
    }
}
