//! Placements (one backend holding some tables, registered as one gateway server) and the layouts built from them; MongoDB loading.

use super::*;
use crate::{quote_ident, quote_literal};
use async_trait::async_trait;
use mongodb::bson::{doc, Bson, DateTime, Document};
use mongodb::options::ClientOptions;
use mongodb::Client as MongoClient;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
/// One backend of a layout: some tables, registered in the gateway as one server.
#[async_trait]
pub trait Placement: Send + Sync {
    /// The server name in the gateway.
    fn server(&self) -> &str;
    /// The tables it holds.
    fn tables(&self) -> &[String];
    /// What and where it is, e.g. `postgres database fedgate_diff_pg`; also the key under
    /// which the harness prepares it only once when several layouts share it.
    fn describe(&self) -> String;
    /// Makes the backend hold its tables (loading them unless they are there already).
    /// Returns what it did, for the log.
    async fn prepare(&self, data: &Dataset) -> Result<String, String>;
    /// The `CREATE SERVER` statement that registers it.
    fn create_server_sql(&self) -> String;
    /// Its `server.schema` entry for the session's `search_path`.
    fn search_path_entry(&self) -> String;
}

pub(crate) fn owned(tables: &[&str]) -> Vec<String> {
    tables.iter().map(|t| t.to_string()).collect()
}

/// Tables in a database of the fixture PostgreSQL, schema `public`.
pub struct PostgresPlacement {
    server: String,
    dbname: String,
    tables: Vec<String>,
}

impl PostgresPlacement {
    pub fn new(server: &str, dbname: &str, tables: &[&str]) -> Self {
        PostgresPlacement {
            server: server.to_string(),
            dbname: dbname.to_string(),
            tables: owned(tables),
        }
    }
}

#[async_trait]
impl Placement for PostgresPlacement {
    fn server(&self) -> &str {
        &self.server
    }
    fn tables(&self) -> &[String] {
        &self.tables
    }
    fn describe(&self) -> String {
        format!("postgres database {}", self.dbname)
    }
    async fn prepare(&self, data: &Dataset) -> Result<String, String> {
        load_postgres(data, &self.dbname, &self.tables).await
    }
    fn create_server_sql(&self) -> String {
        crate::create_postgres_server_sql(&self.server, &self.dbname)
    }
    fn search_path_entry(&self) -> String {
        format!("{}.public", quote_ident(&self.server))
    }
}

/// Tables as files in `root/schema/`: Parquet when the generator made them, else CSV.
pub struct FilesPlacement {
    server: String,
    root: PathBuf,
    schema: String,
    tables: Vec<String>,
}

impl FilesPlacement {
    /// `root` must be a directory of its own (the placement rewrites `root/schema/`).
    pub fn new(server: &str, root: &Path, schema: &str, tables: &[&str]) -> Self {
        FilesPlacement {
            server: server.to_string(),
            root: root.to_path_buf(),
            schema: schema.to_string(),
            tables: owned(tables),
        }
    }
}

#[async_trait]
impl Placement for FilesPlacement {
    fn server(&self) -> &str {
        &self.server
    }
    fn tables(&self) -> &[String] {
        &self.tables
    }
    fn describe(&self) -> String {
        format!("files in {}", self.root.join(&self.schema).display())
    }
    async fn prepare(&self, data: &Dataset) -> Result<String, String> {
        let dir = self.root.join(&self.schema);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut written = Vec::new();
        for name in &self.tables {
            let source = data.table(name)?;
            if let Some(parquet) = &source.parquet {
                let to = dir.join(format!("{name}.parquet"));
                std::fs::copy(parquet, &to).map_err(|e| {
                    format!("cannot copy {} to {}: {e}", parquet.display(), to.display())
                })?;
                written.push(format!("{name}.parquet"));
            } else if source.header {
                let to = dir.join(format!("{name}.csv"));
                std::fs::write(&to, tbl_to_csv(&read(&source.tbl)?))
                    .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
                written.push(format!("{name}.csv"));
            } else {
                return Err(format!(
                    "table {name} has neither Parquet data nor a header line for CSV"
                ));
            }
        }
        Ok(format!("wrote {}", written.join(", ")))
    }
    fn create_server_sql(&self) -> String {
        crate::create_files_server_sql(&self.server, &self.root)
    }
    fn search_path_entry(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.server),
            quote_ident(&self.schema)
        )
    }
}

/// Tables in a database of the fixture MariaDB (a database is a schema of the server).
pub struct MySqlPlacement {
    server: String,
    database: String,
    tables: Vec<String>,
}

impl MySqlPlacement {
    pub fn new(server: &str, database: &str, tables: &[&str]) -> Self {
        MySqlPlacement {
            server: server.to_string(),
            database: database.to_string(),
            tables: owned(tables),
        }
    }
}

#[async_trait]
impl Placement for MySqlPlacement {
    fn server(&self) -> &str {
        &self.server
    }
    fn tables(&self) -> &[String] {
        &self.tables
    }
    fn describe(&self) -> String {
        format!("mariadb database {}", self.database)
    }
    async fn prepare(&self, data: &Dataset) -> Result<String, String> {
        load_mariadb(data, &self.database, &self.tables).await
    }
    fn create_server_sql(&self) -> String {
        format!(
            "CREATE SERVER {} FOREIGN DATA WRAPPER mysql OPTIONS (host {}, port '{MY_PORT}', user {}, password {})",
            quote_ident(&self.server),
            quote_literal(MY_HOST),
            quote_literal(MY_USER),
            quote_literal(MY_PASSWORD)
        )
    }
    fn search_path_entry(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.server),
            quote_ident(&self.database)
        )
    }
}

/// The columns of a `CREATE TABLE` statement of the schema files: (name, upper-case type).
pub(crate) fn ddl_columns(ddl: &str) -> Vec<(String, String)> {
    let body = ddl
        .split_once('(')
        .map_or("", |(_, rest)| rest)
        .trim_end()
        .trim_end_matches(';')
        .trim_end()
        .trim_end_matches(')');
    body.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("--"))
        .filter(|line| {
            let upper = line.to_ascii_uppercase();
            !["PRIMARY KEY", "UNIQUE", "CONSTRAINT", "FOREIGN KEY"]
                .iter()
                .any(|k| upper.starts_with(k))
        })
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?.to_string();
            let ty = words.next()?.trim_end_matches(',').to_ascii_uppercase();
            Some((name, ty))
        })
        .collect()
}

/// One `.tbl` field as the BSON value the MongoDB loader stores for a column of SQL type `ty`.
///
/// * `INTEGER` -> Int32, `BIGINT` -> Int64: the adapter infers `Int32`/`Int64`, the oracle's
///   `int4`/`int8`, so integer results are exact and typed alike.
/// * `DECIMAL` -> Double: the adapter reads Decimal128 as *text* (TYPES.md), which would make
///   arithmetic, `sum`/`avg` and numeric comparisons differ from the oracle's numeric; Double
///   becomes `Float64`, which the comparison treats with its float tolerance (the amounts of
///   the dataset have two fractional digits and fit a double to well within 1e-9).
/// * `VARCHAR`/`CHAR`/`TEXT` -> string; `DATE` -> BSON date at midnight UTC.
/// * `\N` -> BSON null (read as NULL like a missing field).
pub(crate) fn bson_value(table: &str, column: &str, ty: &str, field: &str) -> Result<Bson, String> {
    if field == "\\N" {
        return Ok(Bson::Null);
    }
    let bad = |e: &dyn std::fmt::Display| format!("{table}.{column} ({ty}): {field:?}: {e}");
    let base = ty.split('(').next().unwrap_or(ty);
    Ok(match base {
        "INTEGER" | "INT" | "SMALLINT" => Bson::Int32(field.parse().map_err(|e| bad(&e))?),
        "BIGINT" => Bson::Int64(field.parse().map_err(|e| bad(&e))?),
        "DECIMAL" | "NUMERIC" | "DOUBLE" | "REAL" | "FLOAT" => {
            Bson::Double(field.parse().map_err(|e| bad(&e))?)
        }
        "VARCHAR" | "CHAR" | "TEXT" => Bson::String(field.to_string()),
        "DATE" => {
            let date = format!("{field}T00:00:00Z");
            Bson::DateTime(DateTime::parse_rfc3339_str(&date).map_err(|e| bad(&e))?)
        }
        _ => return Err(bad(&"no BSON mapping for this type in the MongoDB loader")),
    })
}

/// The documents of a table: one per `.tbl` row, the columns as fields (no `_id`: the server
/// gives each document an ObjectId).
pub(crate) fn tbl_documents(source: &TableSource) -> Result<Vec<Document>, String> {
    let columns = ddl_columns(&source.ddl);
    if columns.is_empty() {
        return Err(format!("no columns found in CREATE TABLE {}", source.name));
    }
    let text = read(&source.tbl)?;
    let mut documents = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty())
        .skip(usize::from(source.header))
    {
        let line = line.strip_suffix('|').unwrap_or(line);
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != columns.len() {
            return Err(format!(
                "{}: a row has {} fields, the table {} columns: {line:?}",
                source.tbl.display(),
                fields.len(),
                columns.len()
            ));
        }
        let mut document = Document::new();
        for ((name, ty), field) in columns.iter().zip(fields) {
            document.insert(name.clone(), bson_value(&source.name, name, ty, field)?);
        }
        documents.push(document);
    }
    Ok(documents)
}

/// Loads `tables` of `data` into MongoDB database `database` (one collection per table) unless
/// its marker collection says they are there.
pub async fn load_mongodb(
    data: &Dataset,
    url: &str,
    database: &str,
    tables: &[String],
) -> Result<String, String> {
    let version = data.fingerprint("mongodb", tables)?;
    let unreachable = |e: &dyn std::fmt::Display| {
        format!(
            "MongoDB at {url}: {e}. The differential test needs a MongoDB-wire server: \
             run scripts/mongodb.sh"
        )
    };
    let mut options = ClientOptions::parse(url)
        .await
        .map_err(|e| unreachable(&e))?;
    options.server_selection_timeout = Some(Duration::from_secs(10));
    options.connect_timeout = Some(Duration::from_secs(10));
    options.app_name = Some("fedgate-differential".to_string());
    let client = MongoClient::with_options(options).map_err(|e| unreachable(&e))?;
    let db = client.database(database);
    db.run_command(doc! { "ping": 1 })
        .await
        .map_err(|e| unreachable(&e))?;
    let marker = db.collection::<Document>(MARKER_TABLE);
    let current = marker
        .find_one(doc! {})
        .await
        .ok()
        .flatten()
        .and_then(|d| d.get_str("version").ok().map(str::to_string));
    if current.as_deref() == Some(version.as_str()) {
        return Ok(format!("up to date ({version})"));
    }

    let started = std::time::Instant::now();
    let fail = |what: String, e: mongodb::error::Error| format!("MongoDB {database}: {what}: {e}");
    // Empty the database collection by collection (marker first in effect: it is dropped
    // with the rest and written last), so an interrupted load is never taken as complete.
    let existing = db
        .list_collection_names()
        .await
        .map_err(|e| fail("listCollections".to_string(), e))?;
    for name in existing {
        db.collection::<Document>(&name)
            .drop()
            .await
            .map_err(|e| fail(format!("drop {name}"), e))?;
    }
    for name in tables {
        let source = data.table(name)?;
        let documents = tbl_documents(source)?;
        let expected = documents.len() as u64;
        let collection = db.collection::<Document>(name);
        // Modest batches: the Python stand-in handles them without large messages.
        for chunk in documents.chunks(1000) {
            collection
                .insert_many(chunk.to_vec())
                .await
                .map_err(|e| fail(format!("insert into {name}"), e))?;
        }
        let counted = collection
            .count_documents(doc! {})
            .await
            .map_err(|e| fail(format!("count {name}"), e))?;
        if counted != expected {
            return Err(format!(
                "MongoDB {database}.{name}: loaded {counted} documents, {} has {expected} rows",
                source.tbl.display()
            ));
        }
    }
    marker
        .insert_one(doc! { "version": version.as_str() })
        .await
        .map_err(|e| fail("write the marker".to_string(), e))?;
    Ok(format!(
        "loaded {} collections in {:.1}s ({version})",
        tables.len(),
        started.elapsed().as_secs_f64()
    ))
}

/// Tables as collections of a database of the fixture MongoDB-wire server (a database is a
/// schema of the server, each collection a table whose columns the adapter infers by
/// sampling, with an `_id` column first; the queries name their columns, so `_id` is never
/// in a result).
pub struct MongoPlacement {
    server: String,
    url: String,
    database: String,
    tables: Vec<String>,
}

impl MongoPlacement {
    pub fn new(server: &str, url: &str, database: &str, tables: &[&str]) -> Self {
        MongoPlacement {
            server: server.to_string(),
            url: url.to_string(),
            database: database.to_string(),
            tables: owned(tables),
        }
    }
}

#[async_trait]
impl Placement for MongoPlacement {
    fn server(&self) -> &str {
        &self.server
    }
    fn tables(&self) -> &[String] {
        &self.tables
    }
    fn describe(&self) -> String {
        format!("mongodb database {}", self.database)
    }
    async fn prepare(&self, data: &Dataset) -> Result<String, String> {
        load_mongodb(data, &self.url, &self.database, &self.tables).await
    }
    fn create_server_sql(&self) -> String {
        format!(
            "CREATE SERVER {} FOREIGN DATA WRAPPER mongodb OPTIONS (url {}, database {})",
            quote_ident(&self.server),
            quote_literal(&self.url),
            quote_literal(&self.database)
        )
    }
    fn search_path_entry(&self) -> String {
        format!(
            "{}.{}",
            quote_ident(&self.server),
            quote_ident(&self.database)
        )
    }
}

/// A named split of the tables over placements.
pub struct Layout {
    pub name: String,
    pub placements: Vec<Arc<dyn Placement>>,
}

impl Layout {
    /// True when one server holds every table: then each query should be pushed whole.
    pub fn is_single_server(&self) -> bool {
        self.placements.len() == 1
    }

    /// The `SET search_path` statement of a gateway session over this layout.
    pub fn search_path_sql(&self) -> String {
        let entries: Vec<String> = self
            .placements
            .iter()
            .map(|p| p.search_path_entry())
            .collect();
        format!("SET search_path = {}", entries.join(", "))
    }

    /// Checks that every table is in exactly one placement.
    pub fn check(&self) -> Result<(), String> {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for placement in &self.placements {
            for table in placement.tables() {
                if let Some(other) = seen.insert(table, placement.server()) {
                    return Err(format!(
                        "layout {}: table {table} is in servers {other} and {}",
                        self.name,
                        placement.server()
                    ));
                }
            }
        }
        for table in all_tables() {
            if !seen.contains_key(table) {
                return Err(format!(
                    "layout {}: table {table} is in no server",
                    self.name
                ));
            }
        }
        Ok(())
    }
}

/// The layouts of the differential test. `files_root` is an empty directory for the files
/// server (its schema `tpch` holds the files).
pub fn layouts(files_root: &Path) -> Vec<Layout> {
    let pg: Arc<dyn Placement> = Arc::new(PostgresPlacement::new("pg", PG_DATABASE, PG_TABLES));
    vec![
        Layout {
            name: "pg_files".to_string(),
            placements: vec![
                pg.clone(),
                Arc::new(FilesPlacement::new(
                    "files",
                    files_root,
                    "tpch",
                    SIDE_TABLES,
                )),
            ],
        },
        Layout {
            name: "pg_mysql".to_string(),
            placements: vec![
                pg.clone(),
                Arc::new(MySqlPlacement::new("my", MY_DATABASE, SIDE_TABLES)),
            ],
        },
        Layout {
            name: "pg_mysql_mongo".to_string(),
            placements: vec![
                pg,
                Arc::new(MySqlPlacement::new(
                    "my",
                    MY_MONGO_DATABASE,
                    MY_MONGO_TABLES,
                )),
                Arc::new(MongoPlacement::new(
                    "mongo",
                    MONGO_URL,
                    MONGO_DATABASE,
                    MONGO_TABLES,
                )),
            ],
        },
        Layout {
            name: "all_pg".to_string(),
            placements: vec![Arc::new(PostgresPlacement::new(
                "pg",
                ALL_PG_DATABASE,
                ALL_TABLES,
            ))],
        },
        Layout {
            name: "all_mysql".to_string(),
            placements: vec![Arc::new(MySqlPlacement::new(
                "my",
                ALL_MY_DATABASE,
                ALL_TABLES,
            ))],
        },
    ]
}

/// How many remote parts (`RemoteScanExec` lines) the EXPLAIN output of a query has.
pub fn remote_parts(explain_lines: &[String]) -> usize {
    explain_lines
        .iter()
        .filter(|line| line.contains("RemoteScanExec:"))
        .count()
}

/// The operators of an EXPLAIN output that do work in fedgate above the remote parts:
/// everything but the remote scans and what only arranges their rows (projections that
/// rename, the kept-local sort and limit, partition plumbing).
pub fn local_operators(explain_lines: &[String]) -> Vec<String> {
    const ARRANGING: &[&str] = &[
        "RemoteScanExec",
        "ProjectionExec",
        "SortExec",
        "SortPreservingMergeExec",
        "GlobalLimitExec",
        "LocalLimitExec",
        "CooperativeExec",
        "CoalescePartitionsExec",
        "RepartitionExec",
    ];
    explain_lines
        .iter()
        .filter_map(|line| line.trim_start().split(':').next())
        .filter(|operator| operator.ends_with("Exec") && !ARRANGING.contains(operator))
        .map(str::to_string)
        .collect()
}

/// The queries a single-server layout does not push whole, with the reason:
/// `differential/not_pushed_whole.txt`, lines `layout query reason...` (`#` comments).
pub fn load_not_pushed_whole(path: &Path) -> Result<BTreeMap<(String, String), String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut entries = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.splitn(3, char::is_whitespace);
        let (Some(layout), Some(query)) = (words.next(), words.next()) else {
            return Err(format!("{}: bad line {line:?}", path.display()));
        };
        let reason = words.next().unwrap_or("").trim().to_string();
        entries.insert((layout.to_string(), query.to_string()), reason);
    }
    Ok(entries)
}
