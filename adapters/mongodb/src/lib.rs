//! The MongoDB backend: databases as schemas, collections (and views) as tables, with schemas
//! inferred by sampling documents and scans pushed into aggregation pipelines.
//!
//! ```sql
//! CREATE SERVER events FOREIGN DATA WRAPPER mongodb
//!     OPTIONS (url 'mongodb://127.0.0.1:27017', database 'events');
//! SELECT * FROM events.events.clicks WHERE user_id = 42;
//! ```
//!
//! Options: see [`options`] (`url` or `host`/`port`, `user`, `password`/`password_env`/
//! `password_file`, `auth_source`, `database`, `sample_size`, `connect_timeout`,
//! `include_id`, `column_types` ([`declared`])). Creating a
//! backend parses the options only; the driver's client is built on first use.
//!
//! # Schema inference
//!
//! `table(db, coll)` samples `sample_size` documents with `[{$sample: {size: N}}]`.
//! `$sample` rather than the first N documents:
//! the first N in natural order are the oldest documents, so fields added later in a
//! collection's life would never be seen; `$sample` draws from the whole collection (MongoDB
//! reads it with a random cursor when N is under 5% of a large collection, otherwise it scans
//! and shuffles, which is cheap at that size). The adapter then sorts the sample by `_id` (on
//! its side: no server sort memory limit to hit) so that the column order ("first seen") is
//! stable from one sampling to the next (ObjectIds grow with time, so the oldest sampled
//! documents decide the order).
//!
//! Type rules (also in `TYPES.md`):
//!
//! | BSON values of a field                 | Arrow column                                      |
//! |----------------------------------------|---------------------------------------------------|
//! | int                                    | Int32                                             |
//! | long, or int and long                  | Int64                                             |
//! | double, or doubles and ints/longs      | Float64                                           |
//! | string                                 | Utf8                                              |
//! | bool                                   | Boolean                                           |
//! | date                                   | Timestamp(Millisecond, "+00:00"); Date32 or Timestamp(Millisecond) when declared `date`/`timestamp` ([`declared`]) |
//! | objectId                               | Utf8: 24 lowercase hex digits                     |
//! | decimal (and ints), all sampled values finite within 38 digits | Decimal128(p, s): `s` the most fraction digits seen, `p` the most integer digits seen + `s`, at least 18 |
//! | decimal with NaN, infinities or more than 38 digits | Utf8: the exact decimal text (`1.50`, `1E+6144`) |
//! | binData                                | Binary                                            |
//! | object (subdocument)                   | Struct of the union of its fields (recursively)   |
//! | array whose elements share one type    | List of that type (empty arrays: List(Utf8))      |
//! | only null (or undefined)               | Utf8                                              |
//! | anything else: different types, arrays of mixed types, subdocuments never with a field, other BSON types (regex, timestamp, javascript, minKey, ...) | Utf8 holding relaxed Extended JSON text |
//!
//! `_id` is a column when it is the user's own key: with the default `include_id 'auto'` an
//! ObjectId `_id` (MongoDB's generated key, which the PostgreSQL table would not have) is left
//! out, so `SELECT *` shows the documents' fields only; `include_id 'true'` always makes it
//! the first column, `'false'` never. As a column it is first and NOT NULL (unless a sampled
//! document had none, which views can produce; an empty collection's `_id` is taken as an
//! ObjectId); the other fields follow in first-seen order, all nullable. A field a document
//! lacks is NULL. Decimal128 values are read exactly into the column's scale ([`decimal`]);
//! one that does not fit (more digits, NaN) is an error, SQLSTATE 22003.
//!
//! # Reading
//!
//! Documents become Arrow batches of up to 8192 rows as the cursor delivers them. A value of
//! another BSON type than its column's: JSON text in Utf8 columns, otherwise an error (SQLSTATE
//! 22000) naming the column and the document's `_id` (never a silent NULL). Ints and longs are
//! read into Float64 columns and ints into Int64 columns. Dropping the stream drops the cursor,
//! which the driver kills on the server.
//!
//! # Pushdown
//!
//! [`MongoTable`] pushes exactly-translatable filters (see [`filter`]), the projection and the
//! limit into `[$match, $project, $limit]`; EXPLAIN shows
//! `MongoScanExec: server=NAME, collection=db.coll, pipeline=[...]`.
//!
//! The optimizer rule [`MongoPushdown`] (see [`pushdown`]; the gateway registers it after
//! DataFusion's rules) extends that pipeline with `$group` for GROUP BY on plain and
//! subdocument fields with `count(*)`, `count(x)`, `sum`, `avg`, `min`, `max`, and with
//! `$sort`/`$skip`/`$limit` for `ORDER BY ... LIMIT n [OFFSET m]` (DataFusion still sorts the
//! at most `n` rows it gets), where MongoDB's result is exactly SQL's: SQL's NULL for `sum`
//! of no value, missing and null keys in one group, SQL's NULL placement in sorts, and only
//! columns whose MongoDB order and equality match DataFusion's (no doubles, decimal text or
//! mixed types as keys, no long sums, decimal sums only within 34 digits, no decimal
//! averages). `TYPES.md` lists what is pushed and why.
//!
//! The server's `pushdown_filters`, `pushdown_limit`, `pushdown_sort` and
//! `pushdown_aggregates` switches turn the matching stages off ([`MongoBackend::new`] reads
//! them from the options, [`MongoBackend::with_pushdown`] sets them).

pub mod convert;
pub mod decimal;
pub mod declared;
mod error;
pub mod exec;
pub mod filter;
pub mod infer;
pub mod options;
pub mod pushdown;
mod table;
mod wrapper;

use std::sync::Arc;

use async_trait::async_trait;
use fedgate_adapter_api::{
    AdapterError, Backend, BackendTable, Pushdown, Result, ServerOptions, TableEntry, TableKind,
};
use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::error::ErrorKind;
use mongodb::results::CollectionType;
use mongodb::Client;
use tokio::sync::OnceCell;

pub use exec::MongoScanExec;
pub use infer::{IdColumn, InferredSchema, Shape};
pub use options::MongoOptions;
pub use pushdown::{MongoPipelineTable, MongoPushdown};
pub use table::MongoTable;
pub use wrapper::MongoWrapper;

use crate::error::driver_error;
use crate::exec::ScanSource;

/// A registered MongoDB server.
#[derive(Debug)]
pub struct MongoBackend {
    server: String,
    options: Arc<MongoOptions>,
    pushdown: Pushdown,
    client: OnceCell<Client>,
}

impl MongoBackend {
    /// Parses the options; does not connect (the client is built on first use). The
    /// `pushdown*` switches are honoured when present (the gateway strips them and applies
    /// them with [`MongoBackend::with_pushdown`]).
    pub fn new(server_name: &str, options: &ServerOptions) -> Result<Self, AdapterError> {
        let (pushdown, options) =
            Pushdown::from_options(options).map_err(|e| e.for_server(server_name))?;
        let parsed = MongoOptions::parse(&options).map_err(|e| e.for_server(server_name))?;
        Ok(Self {
            server: server_name.to_string(),
            options: Arc::new(parsed),
            pushdown,
            client: OnceCell::new(),
        })
    }

    /// The same backend, pushing only what `pushdown` allows (filters into `$match`, limits
    /// into `$limit`, aggregates into `$group`, sorts with limits into `$sort`/`$limit`).
    pub fn with_pushdown(mut self, pushdown: Pushdown) -> Self {
        self.pushdown = pushdown;
        self
    }

    /// The parsed options.
    pub fn options(&self) -> &MongoOptions {
        &self.options
    }

    /// The driver client, built on first use (building it does not wait for a connection).
    pub async fn client(&self) -> Result<&Client> {
        self.client
            .get_or_try_init(|| async {
                let options = self
                    .options
                    .client_options()
                    .await
                    .map_err(|e| e.for_server(&self.server))?;
                Client::with_options(options)
                    .map_err(|e| self.driver_error("create the MongoDB client", &e))
            })
            .await
    }

    fn driver_error(&self, action: &str, error: &mongodb::error::Error) -> AdapterError {
        driver_error(&self.server, &self.options, action, error)
    }

    /// The collection's `listCollections` entry, if it exists.
    async fn collection_spec(
        &self,
        client: &Client,
        database: &str,
        collection: &str,
    ) -> Result<Option<mongodb::results::CollectionSpecification>> {
        let action = format!("look up {database}.{collection}");
        let mut cursor = client
            .database(database)
            .list_collections()
            .filter(doc! { "name": collection })
            .await
            .map_err(|e| self.driver_error(&action, &e))?;
        cursor
            .try_next()
            .await
            .map_err(|e| self.driver_error(&action, &e))
    }

    /// Up to `sample_size` documents drawn with `$sample`, in a stable `_id` order.
    async fn sample(
        &self,
        client: &Client,
        database: &str,
        collection: &str,
    ) -> Result<Vec<Document>> {
        let action = format!("sample {database}.{collection}");
        let size = i64::try_from(self.options.sample_size).unwrap_or(i64::MAX);
        let mut documents: Vec<Document> = client
            .database(database)
            .collection::<Document>(collection)
            .aggregate(vec![doc! { "$sample": { "size": size } }])
            .await
            .map_err(|e| self.driver_error(&action, &e))?
            .try_collect()
            .await
            .map_err(|e| self.driver_error(&action, &e))?;
        documents.sort_by_cached_key(sample_order);
        Ok(documents)
    }
}

/// The order of sampled documents: by `_id` (ObjectIds by their bytes, which start with the
/// creation time; other ids by their Extended JSON text), so that "first seen" column order
/// does not depend on the order `$sample` returned them in.
fn sample_order(doc: &Document) -> (u8, Vec<u8>) {
    match doc.get("_id") {
        Some(Bson::ObjectId(oid)) => (0, oid.bytes().to_vec()),
        Some(other) => (1, convert::json_text(other).into_bytes()),
        None => (2, Vec::new()),
    }
}

fn is_unauthorized(error: &mongodb::error::Error) -> bool {
    matches!(error.kind.as_ref(), ErrorKind::Command(c) if c.code == 13)
}

#[async_trait]
impl Backend for MongoBackend {
    fn wrapper(&self) -> &'static str {
        "mongodb"
    }

    fn pushdown(&self) -> Pushdown {
        self.pushdown
    }

    async fn check_connection(&self) -> Result<()> {
        let client = self.client().await?;
        client
            .database("admin")
            .run_command(doc! { "ping": 1 })
            .await
            .map(|_| ())
            .map_err(|e| self.driver_error("ping the server", &e))
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        let client = self.client().await?;
        let names = match client.list_database_names().await {
            Ok(names) => names,
            // A user without the listDatabases privilege still reads its configured databases.
            Err(e) if is_unauthorized(&e) && self.options.databases.is_some() => {
                return Ok(self.options.databases.clone().unwrap_or_default());
            }
            Err(e) => return Err(self.driver_error("list databases", &e)),
        };
        Ok(match &self.options.databases {
            Some(wanted) => wanted
                .iter()
                .filter(|d| names.contains(d))
                .cloned()
                .collect(),
            None => names
                .into_iter()
                .filter(|n| self.options.exposes(n))
                .collect(),
        })
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        if !self.options.exposes(schema) {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        let action = format!("list the collections of {schema}");
        let specs: Vec<mongodb::results::CollectionSpecification> = client
            .database(schema)
            .list_collections()
            .await
            .map_err(|e| self.driver_error(&action, &e))?
            .try_collect()
            .await
            .map_err(|e| self.driver_error(&action, &e))?;
        let mut tables: Vec<TableEntry> = specs
            .into_iter()
            .filter(|s| !s.name.starts_with("system."))
            .map(|s| TableEntry {
                kind: match s.collection_type {
                    CollectionType::View => TableKind::View,
                    _ => TableKind::Table,
                },
                name: s.name,
            })
            .collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tables)
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        if !self.options.exposes(schema) {
            return Ok(None);
        }
        let client = self.client().await?;
        let Some(spec) = self.collection_spec(client, schema, table).await? else {
            return Ok(None);
        };
        let kind = match spec.collection_type {
            CollectionType::View => TableKind::View,
            _ => TableKind::Table,
        };
        let simple_collation = spec
            .options
            .collation
            .as_ref()
            .is_none_or(|c| c.locale == "simple");
        let sample = self.sample(client, schema, table).await?;
        let inferred = InferredSchema::infer(&sample)
            .with_id_column(self.options.id_column)
            .with_declared_dates(
                &format!("{schema}.{table}"),
                &self.options.declared_types.for_collection(schema, table),
            )
            .map_err(|e| e.for_server(&self.server))?;
        tracing::debug!(
            server = %self.server,
            collection = %format!("{schema}.{table}"),
            sampled = inferred.sampled,
            columns = inferred.columns.len(),
            "inferred a MongoDB collection's schema"
        );
        let source = ScanSource {
            server: self.server.clone(),
            client: client.clone(),
            options: self.options.clone(),
            database: schema.to_string(),
            collection: table.to_string(),
            sampled: inferred.sampled,
        };
        Ok(Some(BackendTable::Local(Arc::new(MongoTable::new(
            source,
            kind,
            simple_collation,
            inferred,
            self.pushdown,
        )))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::oid::ObjectId;

    #[test]
    fn new_does_not_connect_and_checks_options() {
        let options = ServerOptions::new(
            [("url".to_string(), "mongodb://127.0.0.1:1".to_string())]
                .into_iter()
                .collect(),
        );
        let b = MongoBackend::new("events", &options).unwrap();
        assert_eq!(b.wrapper(), "mongodb");
        assert!(b.sql_dialect().is_none());
        assert!(b.client.get().is_none());
        let bad = ServerOptions::new(
            [("hots".to_string(), "x".to_string())]
                .into_iter()
                .collect(),
        );
        let e = MongoBackend::new("events", &bad).unwrap_err();
        assert_eq!(e.sqlstate, "HV00D");
        assert!(
            e.message.starts_with("server \"events\": "),
            "{}",
            e.message
        );
    }

    #[test]
    fn sample_order_is_stable() {
        let old = ObjectId::parse_str("000000010000000000000000").unwrap();
        let new = ObjectId::parse_str("ff0000010000000000000000").unwrap();
        let mut docs = [
            doc! {"x": 1},
            doc! {"_id": "b"},
            doc! {"_id": new},
            doc! {"_id": "a"},
            doc! {"_id": old},
        ];
        docs.sort_by_cached_key(sample_order);
        let ids: Vec<String> = docs
            .iter()
            .map(|d| d.get("_id").map(convert::json_text).unwrap_or_default())
            .collect();
        assert_eq!(
            ids,
            [
                r#"{"$oid":"000000010000000000000000"}"#,
                r#"{"$oid":"ff0000010000000000000000"}"#,
                r#""a""#,
                r#""b""#,
                ""
            ]
        );
    }
}
