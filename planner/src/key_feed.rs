//! Semi-join key feeding: a pushed `IN (subquery)` whose subquery ends in a filter over an
//! aggregate (a `HAVING`) is answered in two steps on the same server.
//!
//! A backend's optimizer cannot estimate how many groups a `HAVING sum(x) > 300` keeps; it
//! guesses a fixed fraction and plans the outer query for hundreds of thousands of keys
//! (TPC-H Q18 on PostgreSQL: a second full scan of `lineitem` and a hash join, for 57 keys).
//! fedgate asks first: it runs the subquery alone, and when it returns at most
//! [`MAX_FED_KEYS`] distinct keys, sends the outer query with `key IN (k1, k2, ...)` in place
//! of the `EXISTS (subquery)`, which the backend answers through its indexes. With more keys,
//! or none to read, the outer query keeps its `EXISTS` and the backend answers it as before
//! (the subquery then runs twice: the price of the attempt, bounded by the subquery's cost).
//!
//! The semi join's meaning is kept: only integer keys are fed (rendered as plain digits, no
//! collation or time zone involved), NULL keys are dropped (`=` never matches them), and an
//! empty key set becomes `1 = 0`. `pushdown_key_feeding 'false'` on a server turns it off.
//!
//! In the fragment's SQL the predicate is a slot ([`RemoteSql`]) that [`resolve`] fills
//! right before the query is sent.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::error::Result;
use datafusion::logical_expr::LogicalPlan;
use fedgate_adapter_api::{Backend, RemoteQuery};
use futures::StreamExt;

use crate::remote_sql::RemoteSql;

/// The most distinct keys fed into one outer query as an IN list.
pub const MAX_FED_KEYS: usize = 1000;

/// One semi join of a fragment whose keys are read before the fragment's query is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFeed {
    key_sql: String,
    key_type: DataType,
    probe: String,
    fallback: String,
}

impl KeyFeed {
    /// `key_sql` returns the keys (one column of `key_type`); `probe` is the outer key's SQL,
    /// `fallback` the predicate used when the keys are too many (the semi join's `EXISTS`).
    pub fn new(key_sql: String, key_type: DataType, probe: String, fallback: String) -> Self {
        Self {
            key_sql,
            key_type,
            probe,
            fallback,
        }
    }

    /// The outer key's SQL, which the fed keys are compared with.
    pub fn probe(&self) -> &str {
        &self.probe
    }

    /// The semi join's predicate without feeding (its `EXISTS`).
    pub fn unfed_predicate(&self) -> &str {
        &self.fallback
    }

    /// The query whose result is fed.
    pub fn key_sql(&self) -> &str {
        &self.key_sql
    }

    /// Whether a key of this type can be fed (integers only: their literals mean the same
    /// on every backend).
    pub fn feeds_type(data_type: &DataType) -> bool {
        data_type.is_integer()
    }

    fn predicate(&self, keys: Option<&[String]>) -> String {
        match keys {
            None => self.fallback.clone(),
            Some([]) => "1 = 0".to_string(),
            Some(keys) => format!("{} IN ({})", self.probe, keys.join(", ")),
        }
    }
}

/// Whether the rows of `plan` come from a filter over an aggregate (a `HAVING`), looking
/// through projections and aliases: the shape whose row count a backend cannot estimate.
pub fn is_filtered_aggregate(plan: &LogicalPlan) -> bool {
    match skip_renames(plan) {
        LogicalPlan::Filter(filter) => matches!(
            skip_renames(&filter.input),
            LogicalPlan::Aggregate(aggregate) if !aggregate.group_expr.is_empty()
        ),
        _ => false,
    }
}

fn skip_renames(plan: &LogicalPlan) -> &LogicalPlan {
    match plan {
        LogicalPlan::Projection(p) => skip_renames(&p.input),
        LogicalPlan::SubqueryAlias(a) => skip_renames(&a.input),
        other => other,
    }
}

/// Runs the key query of each slot of `sql`, in order, and returns the SQL with the slots
/// filled; the number of keys fed per slot (`None`: too many, the `EXISTS` was kept) is
/// passed to `observe`.
pub async fn resolve(
    backend: &Arc<dyn Backend>,
    sql: &RemoteSql,
    mut observe: impl FnMut(Option<usize>),
) -> Result<String> {
    let mut predicates = Vec::new();
    for feed in sql.key_feeds() {
        let keys = read_keys(backend, feed).await?;
        observe(keys.as_ref().map(Vec::len));
        predicates.push(feed.predicate(keys.as_deref()));
    }
    let mut predicates = predicates.into_iter();
    Ok(sql.assemble(|_, feed| {
        predicates
            .next()
            .unwrap_or_else(|| feed.unfed_predicate().to_string())
    }))
}

/// The distinct non-NULL keys of `feed`'s query, or `None` when there are more than
/// [`MAX_FED_KEYS`] (the rest is not read).
async fn read_keys(backend: &Arc<dyn Backend>, feed: &KeyFeed) -> Result<Option<Vec<String>>> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "c0",
        feed.key_type.clone(),
        true,
    )]));
    let mut stream = backend.execute(RemoteQuery {
        sql: feed.key_sql.clone(),
        schema,
    });
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let column = batch.column(0);
        for row in 0..column.len() {
            if column.is_null(row) {
                continue;
            }
            let key = array_value_to_string(column, row)?;
            if seen.insert(key.clone()) {
                keys.push(key);
                if keys.len() > MAX_FED_KEYS {
                    return Ok(None);
                }
            }
        }
    }
    Ok(Some(keys))
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use datafusion::arrow::array::Int64Array;
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::functions_aggregate::expr_fn::sum;
    use datafusion::logical_expr::{col, lit, table_scan, LogicalPlanBuilder};
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
    use datafusion::physical_plan::SendableRecordBatchStream;
    use fedgate_adapter_api::{BackendTable, TableEntry};
    use std::sync::Mutex;

    /// Answers every query with `keys` (in batches of two) and records the SQL it was sent.
    #[derive(Debug)]
    struct KeyBackend {
        keys: Vec<Option<i64>>,
        sent: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Backend for KeyBackend {
        fn wrapper(&self) -> &'static str {
            "test"
        }
        async fn check_connection(&self) -> fedgate_adapter_api::Result<()> {
            Ok(())
        }
        async fn list_schemas(&self) -> fedgate_adapter_api::Result<Vec<String>> {
            Ok(vec![])
        }
        async fn list_tables(&self, _: &str) -> fedgate_adapter_api::Result<Vec<TableEntry>> {
            Ok(vec![])
        }
        async fn table(
            &self,
            _: &str,
            _: &str,
        ) -> fedgate_adapter_api::Result<Option<BackendTable>> {
            Ok(None)
        }
        fn execute(&self, query: RemoteQuery) -> SendableRecordBatchStream {
            self.sent.lock().unwrap().push(query.sql);
            let schema = query.schema.clone();
            let batches: Vec<Result<RecordBatch>> = self
                .keys
                .chunks(2)
                .map(|chunk| {
                    let array = Arc::new(Int64Array::from(chunk.to_vec()));
                    Ok(RecordBatch::try_new(schema.clone(), vec![array])?)
                })
                .collect();
            Box::pin(RecordBatchStreamAdapter::new(
                query.schema,
                futures::stream::iter(batches),
            ))
        }
    }

    fn backend(keys: Vec<Option<i64>>) -> Arc<dyn Backend> {
        Arc::new(KeyBackend {
            keys,
            sent: Mutex::new(vec![]),
        })
    }

    fn feed() -> KeyFeed {
        KeyFeed::new(
            "SELECT k AS c0 FROM big GROUP BY k HAVING sum(q) > 3".into(),
            DataType::Int64,
            "t0.\"c0\"".into(),
            "EXISTS (SELECT 1 FROM big AS t1 WHERE t0.\"c0\" = t1.\"c0\")".into(),
        )
    }

    fn fed_query() -> RemoteSql {
        let mut sql = RemoteSql::from("SELECT * FROM orders AS t0 WHERE ");
        sql.push_key_feed(feed());
        sql
    }

    async fn resolved(keys: Vec<Option<i64>>) -> (String, Vec<Option<usize>>) {
        let mut observed = vec![];
        let out = resolve(&backend(keys), &fed_query(), |n| observed.push(n))
            .await
            .unwrap();
        (out, observed)
    }

    #[tokio::test]
    async fn few_keys_become_an_in_list_without_nulls_or_repeats() {
        let (sql, observed) = resolved(vec![Some(7), None, Some(3), Some(7)]).await;
        assert_eq!(sql, "SELECT * FROM orders AS t0 WHERE t0.\"c0\" IN (7, 3)");
        assert_eq!(observed, vec![Some(2)]);
    }

    #[tokio::test]
    async fn no_keys_match_nothing() {
        let (sql, observed) = resolved(vec![None]).await;
        assert_eq!(sql, "SELECT * FROM orders AS t0 WHERE 1 = 0");
        assert_eq!(observed, vec![Some(0)]);
    }

    #[tokio::test]
    async fn too_many_keys_keep_the_exists() {
        let keys = (0..=MAX_FED_KEYS as i64).map(Some).collect();
        let (sql, observed) = resolved(keys).await;
        assert_eq!(
            sql,
            "SELECT * FROM orders AS t0 WHERE EXISTS (SELECT 1 FROM big AS t1 WHERE t0.\"c0\" = t1.\"c0\")"
        );
        assert_eq!(observed, vec![None]);
    }

    #[tokio::test]
    async fn resolving_sends_the_key_query_and_nothing_else() {
        let backend = Arc::new(KeyBackend {
            keys: vec![Some(1)],
            sent: Mutex::new(vec![]),
        });
        let dyn_backend: Arc<dyn Backend> = backend.clone();
        resolve(&dyn_backend, &fed_query(), |_| {}).await.unwrap();
        assert_eq!(
            *backend.sent.lock().unwrap(),
            vec![feed().key_sql().to_string()]
        );
    }

    #[tokio::test]
    async fn each_slot_is_fed_with_its_own_keys() {
        let mut sql = fed_query();
        sql.push_str(" AND ").push_key_feed(feed());
        assert_eq!(
            sql.explained(),
            "SELECT * FROM orders AS t0 WHERE t0.\"c0\" IN (<keys 1>) AND t0.\"c0\" IN (<keys 2>)"
        );
        let mut observed = vec![];
        let out = resolve(&backend(vec![Some(4)]), &sql, |n| observed.push(n))
            .await
            .unwrap();
        assert_eq!(
            out,
            "SELECT * FROM orders AS t0 WHERE t0.\"c0\" IN (4) AND t0.\"c0\" IN (4)"
        );
        assert_eq!(observed, vec![Some(1), Some(1)]);
    }

    fn lineitem() -> LogicalPlanBuilder {
        let schema = Schema::new(vec![
            Field::new("l_orderkey", DataType::Int64, false),
            Field::new("l_quantity", DataType::Int64, false),
        ]);
        table_scan(Some("lineitem"), &schema, None).unwrap()
    }

    #[test]
    fn only_a_filter_over_a_grouped_aggregate_is_fed() {
        let grouped = lineitem()
            .aggregate(
                vec![col("l_orderkey")],
                vec![sum(col("l_quantity")).alias("s")],
            )
            .unwrap();
        let having = grouped
            .clone()
            .filter(col("s").gt(lit(300)))
            .unwrap()
            .project(vec![col("l_orderkey")])
            .unwrap()
            .alias("sq")
            .unwrap()
            .build()
            .unwrap();
        assert!(is_filtered_aggregate(&having));
        assert!(!is_filtered_aggregate(&grouped.build().unwrap()));
        let plain_filter = lineitem()
            .filter(col("l_quantity").gt(lit(3)))
            .unwrap()
            .build()
            .unwrap();
        assert!(!is_filtered_aggregate(&plain_filter));
        let global = lineitem()
            .aggregate(
                Vec::<datafusion::logical_expr::Expr>::new(),
                vec![sum(col("l_quantity")).alias("s")],
            )
            .unwrap()
            .filter(col("s").gt(lit(3)))
            .unwrap()
            .build()
            .unwrap();
        assert!(!is_filtered_aggregate(&global));
    }
}
