//! Aggregates, sorts and top-N pushed into the aggregation pipeline of a MongoDB scan.
//!
//! [`MongoPushdown`] is a logical optimizer rule that runs after DataFusion's own rules (the
//! scan then already carries its filters and projection). It replaces
//!
//! - an `Aggregate` over a MongoDB scan (through column-only projections) by a scan of a
//!   [`MongoPipelineTable`] whose pipeline ends in `$group` and a flattening `$project`, plus
//!   a projection that gives the columns the aggregate's exact names, qualifiers, types and
//!   nullability;
//! - a `Sort` with a fetch (`ORDER BY ... LIMIT n`), or a `Limit` with an offset over one
//!   (`LIMIT n OFFSET m`), over such a scan by the same `Sort` (fetch `n`) over a scan whose
//!   pipeline ends in `$sort`, `$skip`, `$limit`. DataFusion's sort stays: MongoDB's order
//!   only decides which rows come back, the local sort over at most `n` rows orders them.
//!
//! Anything else stays in DataFusion. What is pushed keeps the meaning of SQL exactly, for
//! documents whose values have the inferred types:
//!
//! | SQL | pipeline | why it is the same |
//! |-----|----------|--------------------|
//! | `GROUP BY k` | `_id: {k0: {$ifNull: ["$k", null]}}` | missing and null are one NULL group (MongoDB tells `{}` from `{k0: null}`) |
//! | `count(*)` | `{$sum: 1}` | |
//! | `count(x)` | `{$sum: {$cond: [{$eq: [{$ifNull: ["$x", null]}, null]}, 0, 1]}}` | counts non-null values only |
//! | `sum(x)` | `{$sum: "$x"}` and the count of non-null `x`; `$project` gives NULL when that count is 0 | `$sum` of nothing is 0, SQL's is NULL |
//! | `avg(x)` | `{$avg: "$x"}` | both ignore NULLs, both NULL for no value |
//! | `min(x)`, `max(x)` | `{$min: "$x"}`, `{$max: "$x"}` | both ignore NULLs |
//! | `ORDER BY k ASC NULLS LAST` (and `DESC NULLS FIRST`) | `$addFields` a 0/1 null flag, `$sort: {flag: ±1, k: ±1}` | MongoDB puts null and missing first ascending |
//! | `LIMIT n OFFSET m` over `ORDER BY` | `$skip: m`, `$limit: n` | |
//!
//! Which columns qualify:
//! - group keys, `min`/`max` arguments and sort keys: int, long, bool, date, ObjectId and
//!   decimal columns (MongoDB compares decimals by value, `1.5 = 1.50`, as Arrow decimals at
//!   one scale), and strings when the collection's collation is `simple` (bytewise in both).
//!   Not doubles (MongoDB: `-0 = 0` and NaN below every number; DataFusion orders `-0 < 0`
//!   and NaN above every number), not decimal text (equal values with different text, `1.5`
//!   and `1.50`), not JSON text / null-only / binary / struct / list columns (MongoDB
//!   compares across BSON types, arrays by their elements).
//! - `sum`: int columns (DataFusion sums them as Int64; MongoDB's int sum is exact, widened
//!   to long) and double columns. Not long columns: DataFusion's `sum(bigint)` is either a
//!   wrapping Int64 sum or (in the gateway, PostgreSQL's meaning) a Decimal128(38, 0) sum,
//!   while MongoDB turns an overflowing long sum into a double. Decimal columns
//!   `Decimal128(p, s)` with `p + 10 ≤ 34`: DataFusion's sum is `Decimal128(p + 10, s)`, and
//!   MongoDB's Decimal128 addition is exact while the sum has at most 34 digits.
//! - `avg`: int and double columns (MongoDB sums ints exactly, then divides once). Not
//!   decimals: MongoDB rounds the quotient to 34 digits, DataFusion truncates it at `s + 4`
//!   fraction digits.
//! - `count(x)`: any column.
//! - fields of struct columns (`addr['city']`) as group keys and arguments, by their path.
//! - Not pushed: `DISTINCT` aggregates, `FILTER`, ordered aggregates, other functions,
//!   expressions, grouping sets, `ORDER BY` without `LIMIT` (nothing to gain), field names
//!   with `.` or a leading `$`.
//!
//! Double `sum`/`avg` may differ from DataFusion's in the last bits, as DataFusion's own
//! results do between plans: floating-point addition depends on its order (MongoDB also
//! compensates rounding errors).
//!
//! A global aggregate (no GROUP BY) over no rows is one row in SQL and no document from
//! `$group`: [`MongoScanExec`] then produces the SQL row (`count` 0, the rest NULL).
//!
//! The server's switches are honoured: `pushdown_aggregates` for `$group`,
//! `pushdown_sort` and `pushdown_limit` (both) for top-N.

use std::any::Any;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::default_table_source::DefaultTableSource;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column as PlanColumn, DFSchema, Result, ScalarValue, TableReference};
use datafusion::datasource::{provider_as_source, TableType};
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{
    Aggregate, Expr, FetchType, LogicalPlan, LogicalPlanBuilder, SkipType, Sort, TableScan,
    TableScanBuilder,
};
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};
use datafusion::physical_plan::ExecutionPlan;
use fedgate_adapter_api::Pushdown;
use mongodb::bson::{doc, Bson, Document};

use crate::exec::{MongoScanExec, ScanSource};
use crate::infer::{Column, Shape};
use crate::table::MongoTable;

/// The digits DataFusion adds to a decimal's precision for its sum.
const SUM_EXTRA_DIGITS: u8 = 10;

/// The significant digits of a BSON Decimal128: MongoDB's decimal arithmetic is exact up to
/// them.
const DECIMAL128_DIGITS: u8 = 34;

/// The table name of scans of pushed aggregates (a projection above restores the names).
const PIPELINE_TABLE: &str = "mongo_pipeline";

/// Prefix of the helper fields the pushed sort adds (null flags).
const HELPER_PREFIX: &str = "__fedgate_";

/// The optimizer rule (see the module documentation). Register it after DataFusion's rules:
/// `SessionStateBuilder::with_optimizer_rule(Arc::new(MongoPushdown))`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MongoPushdown;

impl OptimizerRule for MongoPushdown {
    fn name(&self) -> &str {
        "fedgate_mongodb_pushdown"
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let grouped = plan.transform_up_with_subqueries(|node| {
            Ok(match &node {
                LogicalPlan::Aggregate(aggregate) => match push_aggregate(aggregate) {
                    Some(pushed) => Transformed::yes(pushed),
                    None => Transformed::no(node),
                },
                _ => Transformed::no(node),
            })
        })?;
        let changed = grouped.transformed;
        let sorted = grouped.data.transform_down_with_subqueries(|node| {
            Ok(match push_top_n(&node) {
                Some(pushed) => Transformed::yes(pushed),
                None => Transformed::no(node),
            })
        })?;
        let changed = changed || sorted.transformed;
        Ok(if changed {
            Transformed::yes(sorted.data)
        } else {
            Transformed::no(sorted.data)
        })
    }
}

/// The result of a pipeline over a MongoDB collection, as a table: what a pushed aggregate
/// or top-N scans. Only [`MongoPushdown`] builds it.
#[derive(Debug)]
pub struct MongoPipelineTable {
    source: ScanSource,
    pipeline: Vec<Document>,
    /// The fields of the documents the pipeline produces, in the order of `schema`.
    columns: Vec<Column>,
    schema: SchemaRef,
    /// The row of an empty result (a global aggregate over no rows).
    empty_row: Option<Document>,
    /// The pipeline already ends in a pushed `$sort`/`$limit`.
    sorted: bool,
    simple_collation: bool,
    pushdown: Pushdown,
}

impl MongoPipelineTable {
    /// The pipeline (without the `$limit` a scan of it may add).
    pub fn pipeline(&self) -> &[Document] {
        &self.pipeline
    }
}

#[async_trait]
impl TableProvider for MongoPipelineTable {
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
                indices.iter().map(|i| self.columns[*i].clone()).collect(),
            ),
            None => (self.schema.clone(), self.columns.clone()),
        };
        let limit = limit.filter(|_| self.pushdown.limit);
        let mut pipeline = self.pipeline.clone();
        if let Some(n) = limit.filter(|n| *n > 0) {
            pipeline.push(doc! { "$limit": i64::try_from(n).unwrap_or(i64::MAX) });
        }
        Ok(Arc::new(
            MongoScanExec::new(
                self.source.clone(),
                pipeline,
                columns,
                schema,
                limit != Some(0),
            )
            .with_empty_row(self.empty_row.clone()),
        ))
    }
}

// ------------------------------------------------------------------ scans and fields

/// A MongoDB scan as the input of more stages.
struct ScanInput {
    source: ScanSource,
    /// The documents of the scan (its filters, projection and fetch applied).
    pipeline: Vec<Document>,
    /// The provider's columns (indexed like its schema).
    columns: Vec<Column>,
    schema: SchemaRef,
    empty_row: Option<Document>,
    sorted: bool,
    simple_collation: bool,
    pushdown: Pushdown,
}

fn provider_of(scan: &TableScan) -> Option<&dyn Any> {
    let source = scan.source.downcast_ref::<DefaultTableSource>()?;
    let provider: &dyn TableProvider = source.table_provider.as_ref();
    Some(provider as &dyn Any)
}

/// The pipeline of a scan of a MongoDB collection or of a pushed pipeline.
fn scan_input(scan: &TableScan) -> Option<ScanInput> {
    let provider = provider_of(scan)?;
    if let Some(table) = provider.downcast_ref::<MongoTable>() {
        let pushdown = table.pushdown();
        if !table.all_filters_translate(&scan.filters) || (scan.fetch.is_some() && !pushdown.limit)
        {
            return None;
        }
        return Some(ScanInput {
            source: table.source().clone(),
            pipeline: table.pipeline(scan.projection.as_ref(), &scan.filters, scan.fetch),
            columns: table.inferred().columns.clone(),
            schema: table.schema(),
            empty_row: None,
            sorted: false,
            simple_collation: table.simple_collation(),
            pushdown,
        });
    }
    let table = provider.downcast_ref::<MongoPipelineTable>()?;
    if !scan.filters.is_empty() || (scan.fetch.is_some() && !table.pushdown.limit) {
        return None;
    }
    let mut pipeline = table.pipeline.clone();
    match scan.fetch {
        Some(0) => return None,
        Some(n) => pipeline.push(doc! { "$limit": i64::try_from(n).ok()? }),
        None => {}
    }
    Some(ScanInput {
        source: table.source.clone(),
        pipeline,
        columns: table.columns.clone(),
        schema: table.schema.clone(),
        empty_row: table.empty_row.clone(),
        sorted: table.sorted,
        simple_collation: table.simple_collation,
        pushdown: table.pushdown,
    })
}

/// The scan at the bottom of a chain of projections and aliases (which keep every row).
fn chain_leaf(plan: &LogicalPlan) -> Option<&TableScan> {
    match plan {
        LogicalPlan::TableScan(scan) => Some(scan),
        LogicalPlan::Projection(p) => chain_leaf(&p.input),
        LogicalPlan::SubqueryAlias(a) => chain_leaf(&a.input),
        _ => None,
    }
}

/// `plan` with the scan at the bottom of its chain replaced by `scan` (same output schema).
fn replace_leaf(plan: &LogicalPlan, scan: TableScan) -> Option<LogicalPlan> {
    match plan {
        LogicalPlan::TableScan(_) => Some(LogicalPlan::TableScan(scan)),
        LogicalPlan::Projection(_) | LogicalPlan::SubqueryAlias(_) => {
            let input = replace_leaf(plan.inputs().first()?, scan)?;
            plan.with_new_exprs(plan.expressions(), vec![input]).ok()
        }
        _ => None,
    }
}

/// A field of the scan's documents that an expression reads.
#[derive(Debug, Clone, PartialEq)]
struct FieldRef {
    /// The dotted path in the documents.
    path: String,
    shape: Shape,
    nullable: bool,
}

/// A name MongoDB reads as a field name (not a path, not an operator).
fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['.', '\0']) && !name.starts_with('$')
}

/// The document field `expr` reads, evaluated over `plan` (a chain down to `input`'s scan):
/// a column, possibly through projections and aliases, or a field of a struct column.
fn resolve_field(expr: &Expr, plan: &LogicalPlan, input: &ScanInput) -> Option<FieldRef> {
    match expr {
        Expr::Alias(alias) => resolve_field(&alias.expr, plan, input),
        Expr::Column(column) => resolve_column(column, plan, input),
        Expr::ScalarFunction(function) if function.func.name() == "get_field" => {
            let (base, names) = function.args.split_first()?;
            let mut field = resolve_field(base, plan, input)?;
            if names.is_empty() {
                return None;
            }
            for name in names {
                let name = match name {
                    Expr::Literal(
                        ScalarValue::Utf8(Some(s))
                        | ScalarValue::Utf8View(Some(s))
                        | ScalarValue::LargeUtf8(Some(s)),
                        _,
                    ) => s,
                    _ => return None,
                };
                let Shape::Document(fields) = &field.shape else {
                    return None;
                };
                if !plain_name(name) {
                    return None;
                }
                let (_, shape) = fields.iter().find(|(n, _)| n == name)?;
                field = FieldRef {
                    path: format!("{}.{name}", field.path),
                    shape: shape.clone(),
                    nullable: true,
                };
            }
            Some(field)
        }
        _ => None,
    }
}

fn resolve_column(column: &PlanColumn, plan: &LogicalPlan, input: &ScanInput) -> Option<FieldRef> {
    let index = plan.schema().index_of_column(column).ok()?;
    match plan {
        LogicalPlan::TableScan(scan) => {
            let provider_index = match &scan.projection {
                Some(p) => *p.get(index)?,
                None => index,
            };
            let column = input.columns.get(provider_index)?;
            plain_name(&column.name).then(|| FieldRef {
                path: column.name.clone(),
                shape: column.shape.clone(),
                nullable: column.nullable,
            })
        }
        LogicalPlan::Projection(p) => resolve_field(p.expr.get(index)?, &p.input, input),
        LogicalPlan::SubqueryAlias(a) => {
            let (qualifier, field) = a.input.schema().qualified_field(index);
            let inner = PlanColumn::new(qualifier.cloned(), field.name());
            resolve_column(&inner, &a.input, input)
        }
        _ => None,
    }
}

/// Shapes MongoDB orders and compares exactly as DataFusion orders their Arrow values.
/// Decimals: MongoDB compares them by value (`1.5 = 1.50`, `-0 = 0`), as Arrow decimals at
/// one scale are compared, and groups equal values together.
fn same_order(shape: &Shape, simple_collation: bool) -> bool {
    match shape {
        Shape::Int32
        | Shape::Int64
        | Shape::Boolean
        | Shape::DateTime
        | Shape::Date
        | Shape::LocalTimestamp
        | Shape::ObjectId
        | Shape::Decimal { .. } => true,
        Shape::String => simple_collation,
        _ => false,
    }
}

/// `"$path"`.
fn field_path(path: &str) -> String {
    format!("${path}")
}

/// 1 where the field is null or missing, else 0.
fn null_flag(path: &str) -> Document {
    doc! { "$cond": [{ "$eq": [{ "$ifNull": [field_path(path), Bson::Null] }, Bson::Null] }, 1, 0] }
}

/// 1 where the field has a value (not null, not missing), else 0.
fn value_flag(path: &str) -> Document {
    doc! { "$cond": [{ "$eq": [{ "$ifNull": [field_path(path), Bson::Null] }, Bson::Null] }, 0, 1] }
}

// ------------------------------------------------------------------ $group

/// One pushed aggregate function.
#[derive(Debug, Clone, PartialEq)]
enum Accumulator {
    CountRows,
    Count(String),
    Sum(String),
    Avg(String),
    Min(String),
    Max(String),
}

/// The `$group` and flattening `$project` stages: group keys become `c0..ck-1`, the
/// accumulators `ck..`; `None` keys means one group of all documents.
fn group_stages(keys: &[String], accumulators: &[Accumulator]) -> [Document; 2] {
    let mut group = Document::new();
    let mut project = doc! { "_id": 0 };
    if keys.is_empty() {
        group.insert("_id", Bson::Null);
    } else {
        let mut id = Document::new();
        for (i, path) in keys.iter().enumerate() {
            // Missing and null fields are one NULL group.
            id.insert(
                format!("k{i}"),
                doc! { "$ifNull": [field_path(path), Bson::Null] },
            );
            project.insert(format!("c{i}"), format!("$_id.k{i}"));
        }
        group.insert("_id", id);
    }
    for (j, accumulator) in accumulators.iter().enumerate() {
        let name = format!("a{j}");
        let output = format!("c{}", keys.len() + j);
        let reference = Bson::String(format!("${name}"));
        let mut value = reference.clone();
        match accumulator {
            Accumulator::CountRows => {
                group.insert(&name, doc! { "$sum": 1 });
            }
            Accumulator::Count(path) => {
                group.insert(&name, doc! { "$sum": value_flag(path) });
            }
            Accumulator::Sum(path) => {
                let count = format!("n{j}");
                group.insert(&name, doc! { "$sum": field_path(path) });
                group.insert(&count, doc! { "$sum": value_flag(path) });
                // `$sum` of no value is 0; SQL's sum is NULL.
                value = Bson::Document(
                    doc! { "$cond": [{ "$gt": [format!("${count}"), 0] }, reference, Bson::Null] },
                );
            }
            Accumulator::Avg(path) => {
                group.insert(&name, doc! { "$avg": field_path(path) });
            }
            Accumulator::Min(path) => {
                group.insert(&name, doc! { "$min": field_path(path) });
            }
            Accumulator::Max(path) => {
                group.insert(&name, doc! { "$max": field_path(path) });
            }
        }
        project.insert(output, value);
    }
    [doc! { "$group": group }, doc! { "$project": project }]
}

fn unalias(expr: &Expr) -> &Expr {
    match expr {
        Expr::Alias(alias) => unalias(&alias.expr),
        other => other,
    }
}

/// The accumulator of one aggregate expression and the shape of its result.
fn accumulator(expr: &Expr, plan: &LogicalPlan, input: &ScanInput) -> Option<(Accumulator, Shape)> {
    let Expr::AggregateFunction(AggregateFunction { func, params }) = unalias(expr) else {
        return None;
    };
    if params.distinct
        || params.filter.is_some()
        || !params.order_by.is_empty()
        || params.null_treatment.is_some()
    {
        return None;
    }
    let [arg] = params.args.as_slice() else {
        return None;
    };
    // The argument as a field, and the type it is cast to (DataFusion's coercion).
    let (field, cast) = match arg {
        Expr::Cast(cast) => (
            resolve_field(&cast.expr, plan, input),
            Some(cast.field.data_type()),
        ),
        other => (resolve_field(other, plan, input), None),
    };
    let simple = input.simple_collation;
    match func.name() {
        "count" => match (arg, field, cast) {
            (Expr::Literal(value, _), _, _) if !value.is_null() => {
                Some((Accumulator::CountRows, Shape::Int64))
            }
            (_, Some(f), None) => Some((Accumulator::Count(f.path), Shape::Int64)),
            _ => None,
        },
        "sum" => {
            let f = field?;
            match (&f.shape, cast) {
                (Shape::Int32, Some(DataType::Int64)) => {
                    Some((Accumulator::Sum(f.path), Shape::Int64))
                }
                (Shape::Double, None) => Some((Accumulator::Sum(f.path), Shape::Double)),
                // DataFusion's sum of decimal(p, s) is decimal(p + 10, s); MongoDB adds
                // Decimal128 values exactly while the result has at most 34 digits, which
                // every sum DataFusion can hold then has.
                (Shape::Decimal { precision, scale }, None)
                    if precision + SUM_EXTRA_DIGITS <= DECIMAL128_DIGITS =>
                {
                    Some((
                        Accumulator::Sum(f.path),
                        Shape::Decimal {
                            precision: precision + SUM_EXTRA_DIGITS,
                            scale: *scale,
                        },
                    ))
                }
                _ => None,
            }
        }
        "avg" => {
            let f = field?;
            match (&f.shape, cast) {
                (Shape::Int32, Some(DataType::Float64)) | (Shape::Double, None) => {
                    Some((Accumulator::Avg(f.path), Shape::Double))
                }
                _ => None,
            }
        }
        "min" | "max" => {
            let f = field?;
            if cast.is_some() || !same_order(&f.shape, simple) {
                return None;
            }
            let shape = f.shape.clone();
            Some(if func.name() == "min" {
                (Accumulator::Min(f.path), shape)
            } else {
                (Accumulator::Max(f.path), shape)
            })
        }
        _ => None,
    }
}

/// An `Aggregate` over a MongoDB scan as a scan of its pipeline, or `None`.
fn push_aggregate(aggregate: &Aggregate) -> Option<LogicalPlan> {
    let scan = chain_leaf(&aggregate.input)?;
    let input = scan_input(scan)?;
    if !input.pushdown.aggregates || input.empty_row.is_some() {
        return None;
    }
    let mut keys = Vec::new();
    let mut shapes = Vec::new();
    for key in &aggregate.group_expr {
        let field = resolve_field(key, &aggregate.input, &input)?;
        if !same_order(&field.shape, input.simple_collation) {
            return None;
        }
        keys.push(field.path);
        shapes.push(field.shape);
    }
    let mut accumulators = Vec::new();
    for expr in &aggregate.aggr_expr {
        let (accumulator, shape) = accumulator(expr, &aggregate.input, &input)?;
        accumulators.push(accumulator);
        shapes.push(shape);
    }
    let output = aggregate.schema.as_ref();
    if output.fields().len() != shapes.len() {
        return None;
    }
    let mut columns = Vec::with_capacity(shapes.len());
    let mut fields = Vec::with_capacity(shapes.len());
    for (i, (shape, field)) in shapes.into_iter().zip(output.fields()).enumerate() {
        if &shape.data_type() != field.data_type() {
            return None;
        }
        let name = format!("c{i}");
        fields.push(Field::new(
            &name,
            field.data_type().clone(),
            field.is_nullable(),
        ));
        columns.push(Column {
            name,
            shape,
            nullable: field.is_nullable(),
        });
    }
    let empty_row = keys.is_empty().then(|| {
        let mut row = Document::new();
        for (j, accumulator) in accumulators.iter().enumerate() {
            if matches!(accumulator, Accumulator::CountRows | Accumulator::Count(_)) {
                row.insert(format!("c{}", keys.len() + j), 0_i64);
            }
        }
        row
    });
    let mut pipeline = input.pipeline;
    pipeline.extend(group_stages(&keys, &accumulators));
    let table = MongoPipelineTable {
        source: input.source,
        pipeline,
        columns,
        schema: Arc::new(Schema::new(fields)),
        empty_row,
        sorted: false,
        simple_collation: input.simple_collation,
        pushdown: input.pushdown,
    };
    let alias = TableReference::bare(PIPELINE_TABLE);
    let scan =
        LogicalPlanBuilder::scan(alias.clone(), provider_as_source(Arc::new(table)), None).ok()?;
    let exprs: Vec<Expr> = output
        .iter()
        .enumerate()
        .map(|(i, (qualifier, field))| {
            Expr::Column(PlanColumn::new(Some(alias.clone()), format!("c{i}")))
                .alias_qualified(qualifier.cloned(), field.name())
        })
        .collect();
    let plan = scan.project(exprs).ok()?.build().ok()?;
    same_schema(plan.schema(), output).then_some(plan)
}

/// Same qualifiers, names, types and nullability, in the same order.
fn same_schema(a: &DFSchema, b: &DFSchema) -> bool {
    a.fields().len() == b.fields().len()
        && a.iter().zip(b.iter()).all(|((qa, fa), (qb, fb))| {
            qa == qb
                && fa.name() == fb.name()
                && fa.data_type() == fb.data_type()
                && fa.is_nullable() == fb.is_nullable()
        })
}

// ------------------------------------------------------------------ $sort, $skip, $limit

/// One pushed sort key.
#[derive(Debug, Clone, PartialEq)]
struct SortKey {
    path: String,
    asc: bool,
    nulls_first: bool,
    nullable: bool,
}

/// `$addFields` (null flags where SQL's NULL placement differs from MongoDB's), `$sort`,
/// `$skip`, `$limit`.
fn sort_stages(keys: &[SortKey], skip: usize, fetch: usize) -> Option<Vec<Document>> {
    let mut flags = Document::new();
    let mut sort = Document::new();
    for (i, key) in keys.iter().enumerate() {
        // A later key on the same field changes nothing.
        if sort.contains_key(&key.path) {
            continue;
        }
        let direction = if key.asc { 1 } else { -1 };
        // MongoDB puts null and missing first ascending, last descending.
        if key.nullable && key.nulls_first != key.asc {
            let flag = format!("{HELPER_PREFIX}null{i}");
            flags.insert(&flag, null_flag(&key.path));
            sort.insert(flag, direction);
        }
        sort.insert(key.path.clone(), direction);
    }
    let mut stages = Vec::new();
    if !flags.is_empty() {
        stages.push(doc! { "$addFields": flags });
    }
    stages.push(doc! { "$sort": sort });
    if skip > 0 {
        stages.push(doc! { "$skip": i64::try_from(skip).ok()? });
    }
    stages.push(doc! { "$limit": i64::try_from(fetch).ok()? });
    Some(stages)
}

/// `ORDER BY ... LIMIT n [OFFSET m]` over a MongoDB scan: the same sort (fetch `n`) over a
/// scan whose pipeline sorts, skips and limits.
fn push_top_n(plan: &LogicalPlan) -> Option<LogicalPlan> {
    let (sort, skip, fetch) = match plan {
        LogicalPlan::Limit(limit) => {
            let LogicalPlan::Sort(sort) = limit.input.as_ref() else {
                return None;
            };
            let SkipType::Literal(skip) = limit.get_skip_type().ok()? else {
                return None;
            };
            let FetchType::Literal(Some(fetch)) = limit.get_fetch_type().ok()? else {
                return None;
            };
            if skip == 0 || sort.fetch.is_some_and(|f| f < skip.saturating_add(fetch)) {
                return None;
            }
            (sort, skip, fetch)
        }
        LogicalPlan::Sort(sort) => (sort, 0, sort.fetch?),
        _ => return None,
    };
    if fetch == 0 {
        return None;
    }
    let scan = chain_leaf(&sort.input)?;
    let input = scan_input(scan)?;
    if !input.pushdown.sort
        || !input.pushdown.limit
        || input.sorted
        || input.empty_row.is_some()
        || input
            .columns
            .iter()
            .any(|c| c.name.starts_with(HELPER_PREFIX))
    {
        return None;
    }
    let keys = sort
        .expr
        .iter()
        .map(|key| {
            let field = resolve_field(&key.expr, &sort.input, &input)?;
            same_order(&field.shape, input.simple_collation).then_some(SortKey {
                path: field.path,
                asc: key.asc,
                nulls_first: key.nulls_first,
                nullable: field.nullable,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    if keys.is_empty() {
        return None;
    }
    let mut pipeline = input.pipeline;
    pipeline.extend(sort_stages(&keys, skip, fetch)?);
    let table = MongoPipelineTable {
        source: input.source,
        pipeline,
        columns: input.columns,
        schema: input.schema,
        empty_row: None,
        sorted: true,
        simple_collation: input.simple_collation,
        pushdown: input.pushdown,
    };
    let new_scan =
        TableScanBuilder::new(scan.table_name.clone(), provider_as_source(Arc::new(table)))
            .with_projection(scan.projection.clone())
            .build()
            .ok()?;
    if !same_schema(&new_scan.projected_schema, &scan.projected_schema) {
        return None;
    }
    let input_plan = replace_leaf(&sort.input, new_scan)?;
    let pushed = LogicalPlan::Sort(Sort {
        expr: sort.expr.clone(),
        input: Arc::new(input_plan),
        fetch: Some(fetch),
    });
    same_schema(pushed.schema(), plan.schema()).then_some(pushed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::InferredSchema;
    use crate::MongoBackend;
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    use datafusion::execution::SessionStateBuilder;
    use datafusion::prelude::SessionContext;
    use fedgate_adapter_api::{ServerOptions, TableKind};
    use mongodb::bson::{oid::ObjectId, DateTime, Decimal128};

    fn json(stages: &[Document]) -> String {
        crate::exec::pipeline_json(stages)
    }

    /// A session with table `t` (never connected: the client is only built) and the rule.
    async fn session(simple_collation: bool, pushdown: Pushdown) -> SessionContext {
        let options = ServerOptions::new(
            [("url".to_string(), "mongodb://127.0.0.1:1".to_string())]
                .into_iter()
                .collect(),
        );
        let backend = MongoBackend::new("srv", &options).unwrap();
        let source = ScanSource {
            server: "srv".into(),
            client: backend.client().await.unwrap().clone(),
            options: Arc::new(backend.options().clone()),
            database: "db".into(),
            collection: "t".into(),
            sampled: 2,
        };
        let docs = [
            doc! {"_id": 1, "i": 1_i32, "l": 1_i64, "f": 1.5, "s": "x", "b": true,
            "t": DateTime::from_millis(0), "o": ObjectId::new(),
            "m": "1.5".parse::<Decimal128>().unwrap(), "j": 1, "sub": {"k": 1, "d": 1.5},
            "a.b": 1, "big": "1E+24".parse::<Decimal128>().unwrap(),
            "nan": "NaN".parse::<Decimal128>().unwrap()},
            doc! {"_id": 2, "j": "x", "m": 2_i32},
        ];
        let inferred = InferredSchema::infer(&docs);
        let table = MongoTable::new(
            source,
            TableKind::Table,
            simple_collation,
            inferred,
            pushdown,
        );
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_optimizer_rule(Arc::new(MongoPushdown))
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.register_table("t", Arc::new(table)).unwrap();
        ctx
    }

    /// The pipelines of the pushed scans in the optimized plan of `sql`.
    async fn pipelines(ctx: &SessionContext, sql: &str) -> Vec<String> {
        let plan = ctx
            .sql(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_optimized_plan()
            .unwrap();
        let mut found = Vec::new();
        plan.apply(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                if let Some(table) =
                    provider_of(scan).and_then(|p| p.downcast_ref::<MongoPipelineTable>())
                {
                    found.push(json(table.pipeline()));
                }
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .unwrap();
        found
    }

    async fn pushed(ctx: &SessionContext, sql: &str) -> bool {
        !pipelines(ctx, sql).await.is_empty()
    }

    #[tokio::test]
    async fn which_aggregates_are_pushed() {
        let ctx = session(true, Pushdown::all()).await;
        for sql in [
            "SELECT i, count(*), count(j), sum(i), avg(i), min(i), max(i) FROM t GROUP BY i",
            "SELECT l, s, b, t, o, min(l), max(s), min(b), max(t), min(o) FROM t GROUP BY l, s, b, t, o",
            "SELECT sum(f), avg(f), count(m), count(sub), min(_id) FROM t",
            "SELECT sub['k'], sum(sub['k']), sum(sub['d']) FROM t GROUP BY sub['k']",
            "SELECT DISTINCT s FROM t",
            "SELECT count(*) FROM t WHERE i > 1",
            // Decimals (numeric(18,1) here): keys, min/max, sums within 34 digits.
            "SELECT m, count(*), sum(m), min(m), max(m) FROM t GROUP BY m",
            "SELECT count(*) FROM t WHERE m > 1.2",
        ] {
            assert!(pushed(&ctx, sql).await, "{sql}");
        }
        for sql in [
            // Doubles as keys or in min/max, long sums and averages.
            "SELECT f, count(*) FROM t GROUP BY f",
            "SELECT min(f) FROM t",
            "SELECT max(sub['d']) FROM t",
            "SELECT sum(l) FROM t",
            "SELECT avg(l) FROM t",
            // Decimal averages (MongoDB rounds the quotient to 34 digits, DataFusion
            // truncates), sums that could pass 34 digits (numeric(25,0): sum is 35),
            // decimal text, mixed types, structs.
            "SELECT avg(m) FROM t",
            "SELECT sum(big) FROM t",
            "SELECT nan, count(*) FROM t GROUP BY nan",
            "SELECT max(nan) FROM t",
            "SELECT j, count(*) FROM t GROUP BY j",
            "SELECT sub, count(*) FROM t GROUP BY sub",
            // Expressions, FILTER, several DISTINCT aggregates, dotted names.
            "SELECT i + 1, count(*) FROM t GROUP BY i + 1",
            "SELECT sum(i + 1) FROM t",
            "SELECT count(*) FILTER (WHERE i > 1) FROM t",
            "SELECT count(DISTINCT i), count(DISTINCT s) FROM t",
            "SELECT \"a.b\", count(*) FROM t GROUP BY \"a.b\"",
            // A filter that stays in DataFusion sits between the scan and the aggregate.
            "SELECT count(*) FROM t WHERE s LIKE 'x%'",
        ] {
            assert!(!pushed(&ctx, sql).await, "{sql}");
        }
    }

    #[tokio::test]
    async fn which_sorts_are_pushed() {
        let ctx = session(true, Pushdown::all()).await;
        for sql in [
            "SELECT * FROM t ORDER BY i LIMIT 3",
            "SELECT * FROM t ORDER BY l DESC, s, b, t, o, _id LIMIT 3 OFFSET 2",
            "SELECT i FROM t ORDER BY sub['k'] LIMIT 1",
            "SELECT s, count(*) AS n FROM t GROUP BY s ORDER BY n DESC, s LIMIT 2",
            "SELECT * FROM t ORDER BY m DESC LIMIT 3",
        ] {
            assert!(
                pipelines(&ctx, sql)
                    .await
                    .iter()
                    .any(|p| p.contains("$sort")),
                "{sql}"
            );
        }
        for sql in [
            "SELECT * FROM t ORDER BY f LIMIT 3",
            "SELECT * FROM t ORDER BY nan LIMIT 3",
            "SELECT * FROM t ORDER BY j LIMIT 3",
            "SELECT * FROM t ORDER BY i + 1 LIMIT 3",
            "SELECT * FROM t ORDER BY i",
            "SELECT * FROM t WHERE s LIKE 'x%' ORDER BY i LIMIT 3",
            "SELECT s, avg(i) AS a FROM t GROUP BY s ORDER BY a LIMIT 2",
            // A global aggregate is one row, even over no documents.
            "SELECT count(*) AS n FROM t ORDER BY n LIMIT 1 OFFSET 1",
        ] {
            assert!(
                !pipelines(&ctx, sql)
                    .await
                    .iter()
                    .any(|p| p.contains("$sort")),
                "{sql}"
            );
        }
    }

    #[tokio::test]
    async fn strings_need_the_simple_collation() {
        let ctx = session(false, Pushdown::all()).await;
        assert!(!pushed(&ctx, "SELECT s, count(*) FROM t GROUP BY s").await);
        assert!(!pushed(&ctx, "SELECT max(s) FROM t").await);
        assert!(!pushed(&ctx, "SELECT * FROM t ORDER BY s LIMIT 1").await);
        assert!(pushed(&ctx, "SELECT i, count(s) FROM t GROUP BY i").await);
    }

    #[tokio::test]
    async fn switches() {
        let group = "SELECT i, count(*) FROM t GROUP BY i";
        let top = "SELECT * FROM t ORDER BY i LIMIT 3";
        let off = |f: fn(&mut Pushdown)| {
            let mut p = Pushdown::all();
            f(&mut p);
            p
        };
        let ctx = session(true, off(|p| p.aggregates = false)).await;
        assert!(!pushed(&ctx, group).await);
        assert!(pushed(&ctx, top).await);
        let ctx = session(true, off(|p| p.sort = false)).await;
        assert!(pushed(&ctx, group).await);
        assert!(!pushed(&ctx, top).await);
        let ctx = session(true, off(|p| p.limit = false)).await;
        assert!(!pushed(&ctx, top).await);
        let ctx = session(true, Pushdown::none()).await;
        assert!(!pushed(&ctx, group).await);
        assert!(!pushed(&ctx, top).await);
    }

    #[tokio::test]
    async fn global_aggregate_pipeline() {
        let ctx = session(true, Pushdown::all()).await;
        let sql = "SELECT count(*), count(s), sum(i) FROM t WHERE i > 1";
        assert_eq!(
            pipelines(&ctx, sql).await,
            [concat!(
                r#"[{"$match":{"i":{"$gt":1}}},{"$project":{"_id":0,"i":1,"s":1}},"#,
                r#"{"$group":{"_id":null,"a0":{"$sum":1},"#,
                r#""a1":{"$sum":{"$cond":[{"$eq":[{"$ifNull":["$s",null]},null]},0,1]}},"#,
                r#""a2":{"$sum":"$i"},"n2":{"$sum":{"$cond":[{"$eq":[{"$ifNull":["$i",null]},null]},0,1]}}}},"#,
                r#"{"$project":{"_id":0,"c0":"$a0","c1":"$a1","c2":{"$cond":[{"$gt":["$n2",0]},"$a2",null]}}}]"#
            )]
        );
    }

    #[test]
    fn group_stage_normalizes_null_keys_and_sql_sums() {
        let stages = group_stages(
            &["region".into(), "addr.city".into()],
            &[
                Accumulator::CountRows,
                Accumulator::Count("x".into()),
                Accumulator::Sum("amount".into()),
                Accumulator::Avg("amount".into()),
                Accumulator::Min("d".into()),
                Accumulator::Max("s".into()),
            ],
        );
        assert_eq!(
            json(&stages),
            concat!(
                r#"[{"$group":{"_id":{"k0":{"$ifNull":["$region",null]},"k1":{"$ifNull":["$addr.city",null]}},"#,
                r#""a0":{"$sum":1},"#,
                r#""a1":{"$sum":{"$cond":[{"$eq":[{"$ifNull":["$x",null]},null]},0,1]}},"#,
                r#""a2":{"$sum":"$amount"},"n2":{"$sum":{"$cond":[{"$eq":[{"$ifNull":["$amount",null]},null]},0,1]}},"#,
                r#""a3":{"$avg":"$amount"},"a4":{"$min":"$d"},"a5":{"$max":"$s"}}},"#,
                r#"{"$project":{"_id":0,"c0":"$_id.k0","c1":"$_id.k1","c2":"$a0","c3":"$a1","#,
                r#""c4":{"$cond":[{"$gt":["$n2",0]},"$a2",null]},"c5":"$a3","c6":"$a4","c7":"$a5"}}]"#
            )
        );
    }

    #[test]
    fn global_group_has_a_null_id() {
        let stages = group_stages(&[], &[Accumulator::CountRows]);
        assert_eq!(
            json(&stages),
            r#"[{"$group":{"_id":null,"a0":{"$sum":1}}},{"$project":{"_id":0,"c0":"$a0"}}]"#
        );
    }

    fn key(path: &str, asc: bool, nulls_first: bool, nullable: bool) -> SortKey {
        SortKey {
            path: path.into(),
            asc,
            nulls_first,
            nullable,
        }
    }

    #[test]
    fn sort_stages_place_nulls_like_sql() {
        // ASC NULLS LAST and DESC NULLS FIRST (SQL's defaults) need a null flag.
        let stages = sort_stages(
            &[key("a", true, false, true), key("b", false, true, true)],
            0,
            3,
        )
        .unwrap();
        assert_eq!(
            json(&stages),
            concat!(
                r#"[{"$addFields":{"__fedgate_null0":{"$cond":[{"$eq":[{"$ifNull":["$a",null]},null]},1,0]},"#,
                r#""__fedgate_null1":{"$cond":[{"$eq":[{"$ifNull":["$b",null]},null]},1,0]}}},"#,
                r#"{"$sort":{"__fedgate_null0":1,"a":1,"__fedgate_null1":-1,"b":-1}},{"$limit":3}]"#
            )
        );
        // MongoDB's own placement, or a column that is never NULL: no flag.
        let stages = sort_stages(
            &[
                key("a", true, true, true),
                key("b", false, false, true),
                key("_id", true, false, false),
            ],
            2,
            5,
        )
        .unwrap();
        assert_eq!(
            json(&stages),
            r#"[{"$sort":{"a":1,"b":-1,"_id":1}},{"$skip":2},{"$limit":5}]"#
        );
        // A repeated key adds nothing.
        let stages = sort_stages(
            &[key("a", true, true, true), key("a", false, true, true)],
            0,
            1,
        )
        .unwrap();
        assert_eq!(json(&stages), r#"[{"$sort":{"a":1}},{"$limit":1}]"#);
    }

    #[test]
    fn order_safe_shapes() {
        for shape in [
            Shape::Int32,
            Shape::Int64,
            Shape::Boolean,
            Shape::DateTime,
            Shape::Date,
            Shape::LocalTimestamp,
            Shape::ObjectId,
            Shape::Decimal {
                precision: 18,
                scale: 2,
            },
        ] {
            assert!(same_order(&shape, false), "{shape:?}");
        }
        assert!(same_order(&Shape::String, true));
        assert!(!same_order(&Shape::String, false));
        for shape in [
            Shape::Double,
            Shape::DecimalText,
            Shape::Json,
            Shape::Null,
            Shape::Binary,
            Shape::Array(Box::new(Shape::Int32)),
            Shape::Document(vec![("a".into(), Shape::Int32)]),
        ] {
            assert!(!same_order(&shape, true), "{shape:?}");
        }
    }
}
