//! The differential test's machinery: the dataset, where each layout puts its tables, the
//! query files, and how two results are compared. `tests/differential.rs` runs it.
//!
//! # The idea
//!
//! One dataset (TPC-H at SF 0.01 made by `scripts/differential-data.sh`, plus two small extra
//! tables with NULLs from `differential/data/`) is loaded twice: whole into the PostgreSQL
//! **oracle** database [`ORACLE_DATABASE`], and split across backends by a [`Layout`]. Each
//! query file runs directly on the oracle and through fedgate over the layout; the results
//! must be equal.
//!
//! # Layouts and placements
//!
//! A [`Layout`] is a list of [`Placement`]s: one backend each, holding some of the tables and
//! registered in the gateway as one server. A placement loads its tables (unless a marker
//! says the same data is already there), says how to `CREATE SERVER` it and which
//! `server.schema` entry goes into the session's `search_path`, so the query files name tables
//! unqualified. [`layouts`] lists the layouts; to add one, write a
//! placement for the new backend (implement [`Placement`], as [`MongoPlacement`] does) and add a [`Layout`] there that
//! uses it for some of the tables: every table of [`all_tables`] must be in exactly one
//! placement of a layout (a unit test checks it).
//!
//! # Loading is idempotent
//!
//! Every loaded database gets a table `fedgate_diff_meta(version)` holding a fingerprint of
//! what was loaded (data version, DDL, extra rows, table list, loader revision), written last.
//! When it matches, loading is skipped; otherwise the database is recreated and loaded anew.
//!
//! # How results are compared
//!
//! Values are compared as the text both servers send (simple query protocol); the column
//! types come from preparing the statement (extended protocol) on each side.
//!
//! * NULL equals only NULL.
//! * If either side types the column `float4`/`float8`, two numbers are equal when they differ
//!   by at most `1e-9` relative to the larger magnitude (or by at most `1e-12` absolutely, for
//!   results that cancel out to about zero); `NaN` equals `NaN`.
//! * Otherwise two values that are both decimal literals (`-12.50`, `3`) are equal when they
//!   are equal after normalising the text (sign, leading zeros, trailing fractional zeros):
//!   `1.50` = `1.5`, `007` = `7`. Integers must be exact. Decimals must be exact too, with one
//!   stated tolerance: DataFusion gives decimal division and `avg` a fixed result scale (at
//!   least 6 fractional digits, truncated), where PostgreSQL's numeric keeps about 16. A
//!   decimal with at least 6 fractional digits that equals the other side's value truncated
//!   or rounded to its own scale counts as equal; fewer digits than that is a difference (a
//!   `note:` line says when a difference is such a cut).
//! * Anything else (text, dates, booleans) must be byte-equal.
//!
//! Row order: a query without a top-level `ORDER BY` is compared as a multiset of rows. A query
//! with one is compared in order, except that rows tying on the `ORDER BY` keys may come in
//! any order: a `-- order-keys: 2, 3` line in the file names the (1-based) output columns that
//! hold the keys, and runs of oracle rows equal on those columns are compared as multisets.
//! Without that line every column counts as a key, so the order must be total (queries get
//! unique tie-breakers, as Q3, Q10 and Q18 do; a query with `LIMIT` needs one anyway).
//! Column names are not compared, column counts are.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::SinkExt;
use mongodb::bson::{doc, Bson, DateTime, Document};
use mongodb::options::ClientOptions;
use mongodb::Client as MongoClient;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};

use crate::{backend, quote_ident, quote_literal};

/// The PostgreSQL database that holds every table: the oracle.
pub const ORACLE_DATABASE: &str = "fedgate_diff_oracle";

/// The PostgreSQL database of the split layouts.
pub const PG_DATABASE: &str = "fedgate_diff_pg";

/// The MariaDB database of the `pg_mysql` layout (a schema of server `my`).
pub const MY_DATABASE: &str = "fedgate_diff_my";

/// The MariaDB database of the `pg_mysql_mongo` layout: a database of its own, because that
/// layout keeps fewer tables in MariaDB than `pg_mysql` (sharing one database would make the
/// two layouts reload it in turn, and the harness prepares a placement only once per run).
pub const MY_MONGO_DATABASE: &str = "fedgate_diff_my_mongo";

/// The MongoDB database of the `pg_mysql_mongo` layout (a schema of server `mongo`).
pub const MONGO_DATABASE: &str = "fedgate_diff_mongo";

/// The fixture MongoDB-wire server (SecantusDB stand-in, `scripts/mongodb.sh`).
pub const MONGO_URL: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

/// The tables the `pg_mysql_mongo` layout keeps in MariaDB.
pub const MY_MONGO_TABLES: &[&str] = &["customer", "supplier", "part", "side_extra"];

/// The tables the `pg_mysql_mongo` layout keeps in MongoDB (one collection each).
pub const MONGO_TABLES: &[&str] = &["nation", "region"];

/// The fixture MariaDB: 127.0.0.1:3306, user root, empty password (`scripts/backends.sh`).
pub const MY_HOST: &str = "127.0.0.1";
pub const MY_PORT: u16 = 3306;
pub const MY_USER: &str = "root";
pub const MY_PASSWORD: &str = "";

/// The PostgreSQL database of the `all_pg` layout (every table on one server).
pub const ALL_PG_DATABASE: &str = "fedgate_diff_all_pg";

/// The MariaDB database of the `all_mysql` layout (every table on one server).
pub const ALL_MY_DATABASE: &str = "fedgate_diff_all_my";

/// Every table of the dataset: the single-server layouts hold all of them.
pub const ALL_TABLES: &[&str] = &[
    "lineitem",
    "orders",
    "partsupp",
    "pg_extra",
    "customer",
    "nation",
    "region",
    "supplier",
    "part",
    "side_extra",
];

/// The tables the split layouts keep in PostgreSQL.
pub const PG_TABLES: &[&str] = &["lineitem", "orders", "partsupp", "pg_extra"];

/// The tables the split layouts keep in the other backend.
pub const SIDE_TABLES: &[&str] = &[
    "customer",
    "nation",
    "region",
    "supplier",
    "part",
    "side_extra",
];

/// The TPC-H tables, in load order.
pub const TPCH_TABLES: &[&str] = &[
    "region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem",
];

/// The extra tables (with NULLs), defined in `differential/schema/extras.sql`.
pub const EXTRA_TABLES: &[&str] = &["pg_extra", "side_extra"];

/// Bumped whenever a loader changes what it writes, so that old databases get reloaded.
const LOADER_REVISION: &str = "loader-1";

/// The table holding the fingerprint of what a database was loaded with.
const MARKER_TABLE: &str = "fedgate_diff_meta";

/// Every table of the dataset.
pub fn all_tables() -> Vec<&'static str> {
    TPCH_TABLES.iter().chain(EXTRA_TABLES).copied().collect()
}

/// `integration-tests/differential/`: schema, extra rows, queries.
pub fn differential_dir() -> PathBuf {
    crate::crate_dir().join("differential")
}

// ------------------------------------------------------------------------------- dataset

/// Where one table's rows come from.
#[derive(Debug, Clone)]
pub struct TableSource {
    pub name: String,
    /// `CREATE TABLE` text (PostgreSQL and MariaDB alike).
    pub ddl: String,
    /// dbgen's format: fields followed by `|`, `\N` for NULL.
    pub tbl: PathBuf,
    /// Whether the first line of `tbl` holds the column names.
    pub header: bool,
    /// The same rows as Parquet, when the generator made them.
    pub parquet: Option<PathBuf>,
}

/// The generated data plus the repository's extra tables.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// What made the generated data (`VERSION` of the data directory).
    pub version: String,
    pub dir: PathBuf,
    tables: BTreeMap<String, TableSource>,
}

impl Dataset {
    /// Runs `scripts/differential-data.sh` (which generates the data unless it is there) and
    /// reads the schema files.
    pub fn prepare() -> Result<Dataset, String> {
        let script = crate::repo_root()
            .join("scripts")
            .join("differential-data.sh");
        let mut command = Command::new("bash");
        command
            .arg(&script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(dir) = std::env::var_os("DIFF_DATA_DIR") {
            command.arg(dir);
        } else if let Some(target) = target_dir() {
            command.env("CARGO_TARGET_DIR", target);
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} failed ({}); see its messages above",
                script.display(),
                output.status
            ));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let dir = stdout
            .lines()
            .last()
            .map(|l| PathBuf::from(l.trim()))
            .ok_or_else(|| format!("{} printed no directory", script.display()))?;
        Self::open(&dir)
    }

    /// The dataset in `dir` (made by `scripts/differential-data.sh`).
    pub fn open(dir: &Path) -> Result<Dataset, String> {
        let version = read(&dir.join("VERSION"))?.trim().to_string();
        let schema_dir = differential_dir().join("schema");
        let mut ddl = parse_ddl(&read(&schema_dir.join("tpch.sql"))?);
        ddl.extend(parse_ddl(&read(&schema_dir.join("extras.sql"))?));
        let mut tables = BTreeMap::new();
        for name in all_tables() {
            let ddl = ddl
                .get(name)
                .cloned()
                .ok_or_else(|| format!("no CREATE TABLE {name} in {}", schema_dir.display()))?;
            let extra = EXTRA_TABLES.contains(&name);
            let tbl = if extra {
                differential_dir().join("data").join(format!("{name}.tbl"))
            } else {
                dir.join("tbl").join(format!("{name}.tbl"))
            };
            if !tbl.is_file() {
                return Err(format!("{} is missing", tbl.display()));
            }
            let parquet = dir.join("parquet").join(format!("{name}.parquet"));
            tables.insert(
                name.to_string(),
                TableSource {
                    name: name.to_string(),
                    ddl,
                    tbl,
                    header: extra,
                    parquet: parquet.is_file().then_some(parquet),
                },
            );
        }
        Ok(Dataset {
            version,
            dir: dir.to_path_buf(),
            tables,
        })
    }

    pub fn table(&self, name: &str) -> Result<&TableSource, String> {
        self.tables
            .get(name)
            .ok_or_else(|| format!("the dataset has no table {name}"))
    }

    /// The fingerprint stored in a database loaded with `tables` by loader `kind`.
    pub fn fingerprint(&self, kind: &str, tables: &[String]) -> Result<String, String> {
        let mut text = format!("{LOADER_REVISION}\n{kind}\n{}\n", self.version);
        for name in tables {
            let source = self.table(name)?;
            text.push_str(&source.ddl);
            if source.header {
                // The extra tables' rows live in the repository and may change.
                text.push_str(&read(&source.tbl)?);
            }
        }
        Ok(format!(
            "{LOADER_REVISION} {} {:016x}",
            self.version,
            fnv1a(text.as_bytes())
        ))
    }
}

/// The cargo target directory of the running test executable (`<target>/debug/deps/x`).
fn target_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent()?;
    }
    // `<target>/debug` or `<target>/<triple>/debug`: the directory holding CACHEDIR.TAG.
    dir.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The `CREATE TABLE name (...);` statements of a schema file, by table name.
pub fn parse_ddl(text: &str) -> BTreeMap<String, String> {
    let mut statements = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if current.is_none() {
            let Some(rest) = line.trim_start().strip_prefix("CREATE TABLE ") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            current = Some((name, String::new()));
        }
        if let Some((_, statement)) = current.as_mut() {
            statement.push_str(line);
            statement.push('\n');
        }
        if line.trim_end().ends_with(");") {
            if let Some((name, statement)) = current.take() {
                statements.insert(name, statement.trim_end().to_string());
            }
        }
    }
    statements
}

/// 64-bit FNV-1a: a stable hash for fingerprints.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The rows of a `.tbl` file as PostgreSQL COPY text: the trailing `|` of each line and the
/// header line (if any) removed.
fn tbl_to_copy_text(text: &str, header: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().skip(usize::from(header)) {
        if line.is_empty() {
            continue;
        }
        out.push_str(line.strip_suffix('|').unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The rows of a `.tbl` file with a header line as CSV with a header: `\N` becomes an empty
/// field (read as NULL), fields with a comma or a quote are quoted.
fn tbl_to_csv(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let line = line.strip_suffix('|').unwrap_or(line);
        let fields: Vec<String> = line
            .split('|')
            .map(|field| match field {
                "\\N" => String::new(),
                f if f.contains([',', '"', '\n', '\r']) => {
                    format!("\"{}\"", f.replace('"', "\"\""))
                }
                f => f.to_string(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Number of data rows of a `.tbl` file.
fn tbl_rows(text: &str, header: bool) -> u64 {
    let lines = text.lines().filter(|l| !l.is_empty()).count() as u64;
    lines.saturating_sub(u64::from(header))
}

// ------------------------------------------------------------------------------- loaders

/// Loads `tables` of `data` into PostgreSQL database `dbname` unless its marker says they are
/// there. Returns what it did, for the log.
pub async fn load_postgres(
    data: &Dataset,
    dbname: &str,
    tables: &[String],
) -> Result<String, String> {
    let version = data.fingerprint("postgres", tables)?;
    let admin = backend::connect("postgres").await?;
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&dbname])
        .await
        .map_err(|e| format!("PostgreSQL: {}", backend::describe(&e)))?
        .is_some();
    if exists {
        let client = backend::connect(dbname).await?;
        let sql = format!("SELECT version FROM {MARKER_TABLE}");
        if let Ok(rows) = client.query(sql.as_str(), &[]).await {
            if rows.first().map(|r| r.get::<_, String>(0)).as_deref() == Some(version.as_str()) {
                return Ok(format!("up to date ({version})"));
            }
        }
    }
    drop(admin);

    let started = std::time::Instant::now();
    backend::recreate_database(dbname).await?;
    let client = backend::connect(dbname).await?;
    for name in tables {
        let source = data.table(name)?;
        client
            .batch_execute(&source.ddl)
            .await
            .map_err(|e| format!("{dbname}: CREATE TABLE {name}: {}", backend::describe(&e)))?;
        let text = read(&source.tbl)?;
        let expected = tbl_rows(&text, source.header);
        let copy = tbl_to_copy_text(&text, source.header);
        let statement = format!(
            "COPY {} FROM STDIN (FORMAT text, DELIMITER '|', NULL '\\N')",
            quote_ident(name)
        );
        let sink = client
            .copy_in::<_, Bytes>(statement.as_str())
            .await
            .map_err(|e| format!("{dbname}: COPY {name}: {}", backend::describe(&e)))?;
        futures::pin_mut!(sink);
        sink.send(Bytes::from(copy))
            .await
            .map_err(|e| format!("{dbname}: COPY {name}: {}", backend::describe(&e)))?;
        let copied = sink
            .as_mut()
            .finish()
            .await
            .map_err(|e| format!("{dbname}: COPY {name}: {}", backend::describe(&e)))?;
        if copied != expected {
            return Err(format!(
                "{dbname}: COPY {name} loaded {copied} rows, {} has {expected}",
                source.tbl.display()
            ));
        }
    }
    client
        .batch_execute(&format!(
            "ANALYZE; CREATE TABLE {MARKER_TABLE} (version TEXT NOT NULL); \
             INSERT INTO {MARKER_TABLE} VALUES ({})",
            quote_literal(&version)
        ))
        .await
        .map_err(|e| format!("{dbname}: {}", backend::describe(&e)))?;
    Ok(format!(
        "loaded {} tables in {:.1}s ({version})",
        tables.len(),
        started.elapsed().as_secs_f64()
    ))
}

/// Runs SQL through the `mariadb` command-line client on the fixture MariaDB; returns what it
/// printed (tab-separated, no column names).
pub async fn mariadb(sql: String) -> Result<String, String> {
    crate::mysql_fixture::run(None, &sql).await
}

/// A MariaDB string literal (backslashes are escapes there).
fn my_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// A MariaDB identifier.
fn my_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Loads `tables` of `data` into MariaDB database `database` unless its marker says they are
/// there.
pub async fn load_mariadb(
    data: &Dataset,
    database: &str,
    tables: &[String],
) -> Result<String, String> {
    let version = data.fingerprint("mariadb", tables)?;
    mariadb("SELECT 1".to_string()).await.map_err(|e| {
        format!("{e}. The differential test needs MariaDB: run scripts/backends.sh")
    })?;
    let db = my_ident(database);
    let current = mariadb(format!("SELECT version FROM {db}.{MARKER_TABLE}"))
        .await
        .unwrap_or_default();
    if current.trim() == version {
        return Ok(format!("up to date ({version})"));
    }

    let started = std::time::Instant::now();
    let mut script = format!(
        "DROP DATABASE IF EXISTS {db};\n\
         CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n\
         USE {db};\n\
         SET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n"
    );
    let mut expected = Vec::new();
    for name in tables {
        let source = data.table(name)?;
        expected.push((name.clone(), tbl_rows(&read(&source.tbl)?, source.header)));
        let path = source
            .tbl
            .canonicalize()
            .map_err(|e| format!("{}: {e}", source.tbl.display()))?;
        let _ = writeln!(script, "{};", source.ddl);
        let _ = writeln!(
            script,
            "LOAD DATA LOCAL INFILE {} INTO TABLE {} CHARACTER SET utf8mb4 \
             FIELDS TERMINATED BY '|' LINES TERMINATED BY '|\\n'{};",
            my_literal(&path.to_string_lossy()),
            my_ident(name),
            if source.header { " IGNORE 1 LINES" } else { "" }
        );
    }
    mariadb(script).await?;
    let counts = tables
        .iter()
        .map(|t| {
            format!(
                "SELECT {}, COUNT(*) FROM {db}.{}",
                my_literal(t),
                my_ident(t)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let printed = mariadb(counts).await?;
    for (name, rows) in &expected {
        let found = printed
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}\t")))
            .map(str::trim);
        if found != Some(rows.to_string().as_str()) {
            return Err(format!(
                "MariaDB {database}.{name}: loaded {} rows, expected {rows}",
                found.unwrap_or("?")
            ));
        }
    }
    let analyze = tables
        .iter()
        .map(|t| format!("{db}.{}", my_ident(t)))
        .collect::<Vec<_>>()
        .join(", ");
    mariadb(format!(
        "ANALYZE TABLE {analyze};\n\
         CREATE TABLE {db}.{MARKER_TABLE} (version VARCHAR(200) NOT NULL);\n\
         INSERT INTO {db}.{MARKER_TABLE} VALUES ({});\n",
        my_literal(&version)
    ))
    .await?;
    Ok(format!(
        "loaded {} tables in {:.1}s ({version})",
        tables.len(),
        started.elapsed().as_secs_f64()
    ))
}

/// Loads every table into the oracle database.
pub async fn load_oracle(data: &Dataset) -> Result<String, String> {
    let tables: Vec<String> = all_tables().iter().map(|t| t.to_string()).collect();
    load_postgres(data, ORACLE_DATABASE, &tables).await
}

// ----------------------------------------------------------------------------- placements

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

fn owned(tables: &[&str]) -> Vec<String> {
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
fn ddl_columns(ddl: &str) -> Vec<(String, String)> {
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
fn bson_value(table: &str, column: &str, ty: &str, field: &str) -> Result<Bson, String> {
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
fn tbl_documents(source: &TableSource) -> Result<Vec<Document>, String> {
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

// -------------------------------------------------------------------------------- queries

/// One query file.
#[derive(Debug, Clone)]
pub struct QuerySpec {
    /// Path relative to `differential/queries/` without `.sql`, e.g. `tpch/q01`.
    pub id: String,
    pub sql: String,
    pub order: RowOrder,
}

/// How the rows of a result are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOrder {
    /// As multisets.
    Unordered,
    /// In order; rows equal on these (0-based) columns may come in any order among themselves.
    /// `None`: every column is a key.
    Ordered(Option<Vec<usize>>),
}

/// Every `*.sql` file under `dir` (sorted by id).
pub fn load_queries(dir: &Path) -> Result<Vec<QuerySpec>, String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| format!("cannot read {}: {e}", current.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read {}: {e}", current.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                files.push(path);
            }
        }
    }
    let mut queries = Vec::new();
    for file in files {
        let sql = read(&file)?;
        let id = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        let order = row_order(&sql).map_err(|e| format!("{}: {e}", file.display()))?;
        queries.push(QuerySpec { id, sql, order });
    }
    queries.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(queries)
}

/// The row order of a query: ordered when it has a top-level ORDER BY, with the keys of an
/// `-- order-keys: 1, 2` line.
pub fn row_order(sql: &str) -> Result<RowOrder, String> {
    let keys = sql
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--"))
        .find_map(|c| c.trim().strip_prefix("order-keys:"))
        .map(|list| {
            list.split(',')
                .map(|n| match n.trim().parse::<usize>() {
                    Ok(k) if k >= 1 => Ok(k - 1),
                    _ => Err(format!(
                        "bad order-keys entry {n:?} (1-based column numbers)"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    if has_top_level_order_by(sql) {
        Ok(RowOrder::Ordered(keys))
    } else if keys.is_some() {
        Err("an order-keys line, but no top-level ORDER BY".to_string())
    } else {
        Ok(RowOrder::Unordered)
    }
}

/// Whether `sql` has `ORDER BY` outside parentheses, comments and literals.
pub fn has_top_level_order_by(sql: &str) -> bool {
    let mut depth = 0i32;
    let mut words: Vec<String> = Vec::new();
    let mut chars = sql.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, depth: i32, words: &mut Vec<String>| {
        if !word.is_empty() {
            if depth == 0 {
                words.push(word.to_ascii_lowercase());
            }
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                flush(&mut word, depth, &mut words);
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' | '"' => {
                flush(&mut word, depth, &mut words);
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                if depth == 0 {
                    words.push("?".to_string());
                }
            }
            '(' => {
                flush(&mut word, depth, &mut words);
                depth += 1;
            }
            ')' => {
                flush(&mut word, depth, &mut words);
                depth -= 1;
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, depth, &mut words),
        }
    }
    flush(&mut word, depth, &mut words);
    words.windows(2).any(|w| w[0] == "order" && w[1] == "by")
}

// -------------------------------------------------------------------------------- results

/// One row of a result: each value as the text the server sent, `None` for NULL.
pub type Row = Vec<Option<String>>;

/// The result of one query: column names, which columns are floating point, rows as text.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub float_columns: Vec<bool>,
    pub rows: Vec<Row>,
}

/// Which columns of `sql`'s result are `float4`/`float8`, by preparing it.
pub async fn float_columns(
    client: &Client,
    sql: &str,
    timeout: Duration,
) -> Result<Vec<bool>, String> {
    let statement = tokio::time::timeout(timeout, client.prepare(sql))
        .await
        .map_err(|_| format!("prepare did not finish within {}s", timeout.as_secs()))?
        .map_err(|e| backend::describe(&e))?;
    Ok(statement
        .columns()
        .iter()
        .map(|c| *c.type_() == Type::FLOAT4 || *c.type_() == Type::FLOAT8)
        .collect())
}

/// Runs `sql` with the simple query protocol; the rows of its (last) result set as text.
/// `float_columns` is left empty.
pub async fn simple_rows(
    client: &Client,
    sql: &str,
    timeout: Duration,
) -> Result<ResultSet, String> {
    let messages = tokio::time::timeout(timeout, client.simple_query(sql))
        .await
        .map_err(|_| format!("the query did not finish within {}s", timeout.as_secs()))?
        .map_err(|e| backend::describe(&e))?;
    let mut result: Option<ResultSet> = None;
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) => {
                result = Some(ResultSet {
                    columns: columns.iter().map(|c| c.name().to_string()).collect(),
                    float_columns: Vec::new(),
                    rows: Vec::new(),
                });
            }
            SimpleQueryMessage::Row(row) => {
                let values = (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect();
                match result.as_mut() {
                    Some(result) => result.rows.push(values),
                    None => return Err("a row arrived before its row description".to_string()),
                }
            }
            _ => {}
        }
    }
    result.ok_or_else(|| "the statement returned no rows description (not a query?)".to_string())
}

/// A decimal literal in normal form: no `+`, no leading zeros, no trailing fractional zeros,
/// no `-0`. `None` when `text` is not a plain decimal literal.
pub fn normalize_decimal(text: &str) -> Option<String> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let mut out = String::new();
    if negative && !(int == "0" && frac.is_empty()) {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

fn parse_float(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// Whether two values are equal under the rules of the module documentation.
pub fn values_equal(a: Option<&str>, b: Option<&str>, float: bool) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return a.is_none() && b.is_none();
    };
    if a == b {
        return true;
    }
    if float {
        if let (Some(x), Some(y)) = (parse_float(a), parse_float(b)) {
            if x.is_nan() || y.is_nan() {
                return x.is_nan() && y.is_nan();
            }
            if x == y {
                return true;
            }
            let diff = (x - y).abs();
            return diff <= 1e-9 * x.abs().max(y.abs()) || diff <= 1e-12;
        }
    }
    match (normalize_decimal(a), normalize_decimal(b)) {
        (Some(x), Some(y)) => x == y || scale_cut_within_tolerance(a, b),
        _ => false,
    }
}

/// The fractional digits DataFusion keeps at least when it divides decimals.
const MIN_CUT_SCALE: usize = 6;

/// One side is the other cut (truncated or rounded) to at least [`MIN_CUT_SCALE`] digits.
fn scale_cut_within_tolerance(a: &str, b: &str) -> bool {
    let printed = |t: &str| t.trim().split_once('.').map_or(0, |(_, f)| f.len());
    (printed(b) >= MIN_CUT_SCALE && cut_digits(a, b).is_some())
        || (printed(a) >= MIN_CUT_SCALE && cut_digits(b, a).is_some())
}

/// A sort key of one value, equal for values that [`values_equal`] (nearly always, for
/// floats) calls equal.
fn value_key(value: Option<&str>, float: bool) -> String {
    match value {
        None => "\u{0}".to_string(),
        Some(text) => {
            if float {
                if let Some(x) = parse_float(text) {
                    return format!("\u{1}{x:.8e}");
                }
            }
            match normalize_decimal(text) {
                Some(d) => format!("\u{1}{d}"),
                None => format!("\u{2}{text}"),
            }
        }
    }
}

fn row_key(row: &[Option<String>], floats: &[bool]) -> String {
    let mut key = String::new();
    for (i, value) in row.iter().enumerate() {
        key.push_str(&value_key(
            value.as_deref(),
            floats.get(i).copied().unwrap_or(false),
        ));
        key.push('\u{3}');
    }
    key
}

fn rows_equal(a: &[Option<String>], b: &[Option<String>], floats: &[bool]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).enumerate().all(|(i, (x, y))| {
            values_equal(
                x.as_deref(),
                y.as_deref(),
                floats.get(i).copied().unwrap_or(false),
            )
        })
}

/// How many rows of each side a difference report shows.
const SHOWN_ROWS: usize = 5;

/// Longest row text shown.
const SHOWN_ROW_CHARS: usize = 400;

/// A row as `a | b | NULL`, cut when long.
pub fn show_row(row: &[Option<String>]) -> String {
    let text = row
        .iter()
        .map(|v| v.as_deref().unwrap_or("NULL").to_string())
        .collect::<Vec<_>>()
        .join(" | ");
    if text.chars().count() > SHOWN_ROW_CHARS {
        let cut: String = text.chars().take(SHOWN_ROW_CHARS).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The rows only in `a` and the rows only in `b`, compared as multisets.
fn multiset_difference<'r>(
    a: &'r [Row],
    b: &'r [Row],
    floats: &[bool],
) -> (Vec<&'r Row>, Vec<&'r Row>) {
    let mut ka: Vec<(String, &Row)> = a.iter().map(|r| (row_key(r, floats), r)).collect();
    let mut kb: Vec<(String, &Row)> = b.iter().map(|r| (row_key(r, floats), r)).collect();
    ka.sort_by(|x, y| x.0.cmp(&y.0));
    kb.sort_by(|x, y| x.0.cmp(&y.0));
    let (mut i, mut j) = (0, 0);
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    while i < ka.len() && j < kb.len() {
        if ka[i].0 == kb[j].0 || rows_equal(ka[i].1, kb[j].1, floats) {
            i += 1;
            j += 1;
        } else if ka[i].0 < kb[j].0 {
            only_a.push(ka[i].1);
            i += 1;
        } else {
            only_b.push(kb[j].1);
            j += 1;
        }
    }
    only_a.extend(ka[i..].iter().map(|x| x.1));
    only_b.extend(kb[j..].iter().map(|x| x.1));
    // Floats near a rounding boundary of the key may have missed each other: pair them up.
    if !only_a.is_empty() && !only_b.is_empty() && only_a.len() * only_b.len() <= 4_000_000 {
        let mut unmatched_b: Vec<Option<&Row>> = only_b.into_iter().map(Some).collect();
        only_a.retain(|ra| {
            match unmatched_b
                .iter_mut()
                .find(|rb| rb.is_some_and(|rb| rows_equal(ra, rb, floats)))
            {
                Some(slot) => {
                    *slot = None;
                    false
                }
                None => true,
            }
        });
        only_b = unmatched_b.into_iter().flatten().collect();
    }
    (only_a, only_b)
}

/// A decimal as (digits, scale), when it fits in an i128.
fn decimal_parts(text: &str) -> Option<(i128, u32)> {
    let normal = normalize_decimal(text)?;
    let (int, frac) = normal.split_once('.').unwrap_or((&normal, ""));
    let scale = u32::try_from(frac.len()).ok()?;
    let digits: i128 = format!("{int}{frac}").parse().ok()?;
    Some((digits, scale))
}

/// How `gateway` was made from `oracle` by cutting fractional digits, when it was:
/// `Some("rounded")` or `Some("truncated")`.
fn cut_digits(oracle: &str, gateway: &str) -> Option<&'static str> {
    let (o, os) = decimal_parts(oracle)?;
    let (g, gs) = decimal_parts(gateway)?;
    // Digits the gateway printed (its scale before trailing zeros were dropped).
    let printed = gateway
        .trim()
        .split_once('.')
        .map_or(0, |(_, f)| u32::try_from(f.len()).unwrap_or(u32::MAX));
    if printed >= os || gs > printed {
        return None;
    }
    let factor = 10i128.checked_pow(os - printed)?;
    let g = g.checked_mul(10i128.checked_pow(printed - gs)?)?;
    let half = factor / 2;
    let rounded = if o >= 0 {
        (o + half) / factor
    } else {
        (o - half) / factor
    };
    // Truncation first: where both give the same digits, truncation is the simpler story.
    if o / factor == g {
        Some("truncated")
    } else if rounded == g {
        Some("rounded")
    } else {
        None
    }
}

/// Explains a pair of differing rows when every difference is a decimal cut to fewer digits.
fn rounding_note(oracle: &[Option<String>], gateway: &[Option<String>]) -> Option<String> {
    if oracle.len() != gateway.len() {
        return None;
    }
    let mut columns = Vec::new();
    let mut how = Vec::new();
    for (i, (o, g)) in oracle.iter().zip(gateway).enumerate() {
        if values_equal(o.as_deref(), g.as_deref(), false) {
            continue;
        }
        match (o, g) {
            (Some(o), Some(g)) => {
                let cut = cut_digits(o, g)?;
                columns.push(i + 1);
                if !how.contains(&cut) {
                    how.push(cut);
                }
            }
            _ => return None,
        }
    }
    (!columns.is_empty()).then(|| {
        format!(
            "note: in column(s) {columns:?} fedgate's value is the oracle's {} to fewer \
             fractional digits (decimal scale of division/avg)",
            how.join(" or ")
        )
    })
}

/// Compares the gateway's result with the oracle's; `Err` holds the lines that describe the
/// first difference.
pub fn compare(
    oracle: &ResultSet,
    gateway: &ResultSet,
    order: &RowOrder,
) -> Result<(), Vec<String>> {
    if oracle.columns.len() != gateway.columns.len() {
        return Err(vec![format!(
            "column count: oracle {} ({}), fedgate {} ({})",
            oracle.columns.len(),
            oracle.columns.join(", "),
            gateway.columns.len(),
            gateway.columns.join(", ")
        )]);
    }
    let floats: Vec<bool> = (0..oracle.columns.len())
        .map(|i| {
            oracle.float_columns.get(i).copied().unwrap_or(false)
                || gateway.float_columns.get(i).copied().unwrap_or(false)
        })
        .collect();
    let mut report = Vec::new();
    if oracle.rows.len() != gateway.rows.len() {
        report.push(format!(
            "row count: oracle {}, fedgate {}",
            oracle.rows.len(),
            gateway.rows.len()
        ));
    }
    match order {
        RowOrder::Unordered => {
            let (only_oracle, only_gateway) =
                multiset_difference(&oracle.rows, &gateway.rows, &floats);
            if only_oracle.is_empty() && only_gateway.is_empty() && report.is_empty() {
                return Ok(());
            }
            describe_difference(
                &mut report,
                &oracle.columns,
                &floats,
                &only_oracle,
                &only_gateway,
            );
        }
        RowOrder::Ordered(keys) => {
            if report.is_empty() {
                if let Some((start, end)) =
                    first_differing_group(oracle, gateway, keys.as_deref(), &floats)
                {
                    let (only_oracle, only_gateway) = multiset_difference(
                        &oracle.rows[start..end],
                        &gateway.rows[start..end],
                        &floats,
                    );
                    report.push(if end - start == 1 {
                        format!("ordered result differs at row {}", start + 1)
                    } else {
                        format!(
                            "ordered result differs in rows {}..{} (equal on the order keys)",
                            start + 1,
                            end
                        )
                    });
                    if only_oracle.is_empty() && only_gateway.is_empty() {
                        report.push("(the rows are equal as a multiset)".to_string());
                    }
                    describe_difference(
                        &mut report,
                        &oracle.columns,
                        &floats,
                        &only_oracle,
                        &only_gateway,
                    );
                } else {
                    return Ok(());
                }
            } else {
                let (only_oracle, only_gateway) =
                    multiset_difference(&oracle.rows, &gateway.rows, &floats);
                describe_difference(
                    &mut report,
                    &oracle.columns,
                    &floats,
                    &only_oracle,
                    &only_gateway,
                );
            }
        }
    }
    Err(report)
}

/// The first group of rows (equal on the keys in the oracle's result) whose rows differ.
fn first_differing_group(
    oracle: &ResultSet,
    gateway: &ResultSet,
    keys: Option<&[usize]>,
    floats: &[bool],
) -> Option<(usize, usize)> {
    let key_of = |row: &[Option<String>]| -> String {
        match keys {
            Some(keys) => keys
                .iter()
                .map(|&k| {
                    value_key(
                        row.get(k).and_then(|v| v.as_deref()),
                        floats.get(k).copied().unwrap_or(false),
                    )
                })
                .collect::<Vec<_>>()
                .join("\u{3}"),
            None => row_key(row, floats),
        }
    };
    let rows = &oracle.rows;
    let mut start = 0;
    while start < rows.len() {
        let key = key_of(&rows[start]);
        let mut end = start + 1;
        while end < rows.len() && key_of(&rows[end]) == key {
            end += 1;
        }
        let equal = if end - start == 1 {
            rows_equal(&rows[start], &gateway.rows[start], floats)
        } else {
            let (a, b) = multiset_difference(&rows[start..end], &gateway.rows[start..end], floats);
            a.is_empty() && b.is_empty()
        };
        if !equal {
            return Some((start, end));
        }
        start = end;
    }
    None
}

fn describe_difference(
    report: &mut Vec<String>,
    columns: &[String],
    floats: &[bool],
    only_oracle: &[&Row],
    only_gateway: &[&Row],
) {
    if !only_oracle.is_empty() {
        report.push(format!(
            "{} row(s) only in the oracle's result:",
            only_oracle.len()
        ));
        for row in only_oracle.iter().take(SHOWN_ROWS) {
            report.push(format!("  oracle:  {}", show_row(row)));
        }
    }
    if !only_gateway.is_empty() {
        report.push(format!(
            "{} row(s) only in fedgate's result:",
            only_gateway.len()
        ));
        for row in only_gateway.iter().take(SHOWN_ROWS) {
            report.push(format!("  fedgate: {}", show_row(row)));
        }
    }
    if let (Some(o), Some(g)) = (only_oracle.first(), only_gateway.first()) {
        if o.len() == g.len() {
            let differing: Vec<String> = o
                .iter()
                .zip(g.iter())
                .enumerate()
                .filter(|(i, (x, y))| {
                    !values_equal(
                        x.as_deref(),
                        y.as_deref(),
                        floats.get(*i).copied().unwrap_or(false),
                    )
                })
                .map(|(i, (x, y))| {
                    format!(
                        "{} ({}): {} vs {}",
                        columns.get(i).map_or("?", String::as_str),
                        i + 1,
                        x.as_deref().unwrap_or("NULL"),
                        y.as_deref().unwrap_or("NULL")
                    )
                })
                .collect();
            if !differing.is_empty() {
                report.push(format!("first pair differs in: {}", differing.join("; ")));
            }
        }
        if let Some(note) = rounding_note(o, g) {
            report.push(note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(rows: &[&[Option<&str>]], floats: &[bool]) -> ResultSet {
        ResultSet {
            columns: (0..floats.len()).map(|i| format!("c{i}")).collect(),
            float_columns: floats.to_vec(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
        }
    }

    #[test]
    fn decimal_scale_cut_tolerance() {
        assert!(values_equal(
            Some("25.5751546114546921"),
            Some("25.575154"),
            false
        ));
        assert!(values_equal(
            Some("15.4865458122"),
            Some("15.4865458122840715"),
            false
        ));
        assert!(!values_equal(
            Some("25.58"),
            Some("25.5751546114546921"),
            false
        ));
        assert!(!values_equal(
            Some("25.575155"),
            Some("25.5751536114546921"),
            false
        ));
        assert!(!values_equal(Some("711"), Some("712"), false));
    }

    #[test]
    fn decimals_normalise() {
        assert_eq!(normalize_decimal("1.50").as_deref(), Some("1.5"));
        assert_eq!(normalize_decimal("001.000").as_deref(), Some("1"));
        assert_eq!(normalize_decimal("-0.00").as_deref(), Some("0"));
        assert_eq!(normalize_decimal("+.5").as_deref(), Some("0.5"));
        assert_eq!(normalize_decimal("-12").as_deref(), Some("-12"));
        assert_eq!(normalize_decimal("1e5"), None);
        assert_eq!(normalize_decimal("abc"), None);
        assert_eq!(normalize_decimal("-"), None);
        assert_eq!(normalize_decimal("1995-01-01"), None);
    }

    #[test]
    fn value_rules() {
        assert!(values_equal(Some("1.50"), Some("1.5"), false));
        assert!(!values_equal(Some("1.5000000001"), Some("1.5"), false));
        assert!(values_equal(Some("0.30000000000000004"), Some("0.3"), true));
        assert!(!values_equal(Some("0.3001"), Some("0.3"), true));
        assert!(values_equal(Some("NaN"), Some("NaN"), true));
        assert!(values_equal(
            Some("1e+21"),
            Some("1000000000000000000000"),
            true
        ));
        assert!(values_equal(None, None, false));
        assert!(!values_equal(None, Some(""), false));
        assert!(!values_equal(Some("BUILDING"), Some("building"), false));
        assert!(!values_equal(Some("beta "), Some("beta"), false));
    }

    #[test]
    fn unordered_results_compare_as_multisets() {
        let a = rs(
            &[
                &[Some("1"), Some("x")],
                &[Some("2"), None],
                &[Some("2"), None],
            ],
            &[false, false],
        );
        let b = rs(
            &[
                &[Some("2"), None],
                &[Some("1.0"), Some("x")],
                &[Some("2"), None],
            ],
            &[false, false],
        );
        assert!(compare(&a, &b, &RowOrder::Unordered).is_ok());
        let c = rs(
            &[
                &[Some("2"), None],
                &[Some("1"), Some("x")],
                &[Some("1"), Some("x")],
            ],
            &[false, false],
        );
        let report = compare(&a, &c, &RowOrder::Unordered).unwrap_err();
        assert!(
            report.iter().any(|l| l.contains("only in the oracle")),
            "{report:?}"
        );
        assert!(
            report.iter().any(|l| l.contains("only in fedgate")),
            "{report:?}"
        );
    }

    #[test]
    fn ordered_results_allow_ties_on_the_keys() {
        let a = rs(
            &[
                &[Some("a"), Some("1")],
                &[Some("b"), Some("1")],
                &[Some("c"), Some("0")],
            ],
            &[false, false],
        );
        let b = rs(
            &[
                &[Some("b"), Some("1")],
                &[Some("a"), Some("1")],
                &[Some("c"), Some("0")],
            ],
            &[false, false],
        );
        assert!(compare(&a, &b, &RowOrder::Ordered(Some(vec![1]))).is_ok());
        assert!(compare(&a, &b, &RowOrder::Ordered(None)).is_err());
        let c = rs(
            &[
                &[Some("c"), Some("0")],
                &[Some("a"), Some("1")],
                &[Some("b"), Some("1")],
            ],
            &[false, false],
        );
        assert!(compare(&a, &c, &RowOrder::Ordered(Some(vec![1]))).is_err());
    }

    #[test]
    fn float_tolerance_pairs_rows() {
        let a = rs(&[&[Some("0.1")], &[Some("0.30000000000000004")]], &[true]);
        let b = rs(&[&[Some("0.3")], &[Some("0.1")]], &[false]);
        assert!(compare(&a, &b, &RowOrder::Unordered).is_ok());
    }

    #[test]
    fn rounding_is_diagnosed() {
        assert_eq!(
            cut_digits("0.33333333333333333333", "0.33333"),
            Some("truncated")
        );
        assert_eq!(
            cut_digits("0.66666666666666666667", "0.66667"),
            Some("rounded")
        );
        assert_eq!(
            cut_digits("25.5220058532573370", "25.522006"),
            Some("rounded")
        );
        assert_eq!(
            cut_digits("25.5751546114546921", "25.575154"),
            Some("truncated")
        );
        assert_eq!(cut_digits("-2.5", "-3"), Some("rounded"));
        assert_eq!(cut_digits("2.55", "2.5"), Some("truncated"));
        assert_eq!(cut_digits("0.3333", "0.3334"), None);
        assert_eq!(cut_digits("1.5", "1.5"), None);
        let a = rs(
            &[&[Some("x"), Some("0.33333333333333333333")]],
            &[false, false],
        );
        let b = rs(&[&[Some("x"), Some("0.33333")]], &[false, false]);
        let report = compare(&a, &b, &RowOrder::Unordered).unwrap_err();
        assert!(report.iter().any(|l| l.starts_with("note:")), "{report:?}");
    }

    #[test]
    fn order_by_detection() {
        assert!(has_top_level_order_by("select a from t order by a"));
        assert!(has_top_level_order_by(
            "select a from t ORDER\n  BY a limit 3"
        ));
        assert!(!has_top_level_order_by(
            "select a from (select a from t order by a limit 3) s"
        ));
        assert!(!has_top_level_order_by(
            "select row_number() over (order by a) from t"
        ));
        assert!(!has_top_level_order_by(
            "select 'order by' from t -- order by a"
        ));
        assert_eq!(
            row_order("-- order-keys: 2, 3\nselect a, b, c from t order by b, c").unwrap(),
            RowOrder::Ordered(Some(vec![1, 2]))
        );
        assert!(row_order("-- order-keys: 1\nselect a from t").is_err());
    }

    #[test]
    fn ddl_and_tbl_conversions() {
        let ddl = parse_ddl("-- x\nCREATE TABLE a (\n  x INT,\n  PRIMARY KEY (x)\n);\nCREATE TABLE b (\n  y INT\n);\n");
        assert_eq!(ddl.len(), 2);
        assert!(ddl["a"].ends_with(");") && ddl["a"].contains("PRIMARY KEY (x)"));
        assert_eq!(tbl_to_copy_text("h|i|\n1|\\N|\n", true), "1|\\N\n");
        assert_eq!(tbl_to_csv("h|i|\n1|\\N|\n2|a,b|\n"), "h,i\n1,\n2,\"a,b\"\n");
        assert_eq!(tbl_rows("h|\n1|\n2|\n", true), 2);
    }

    #[test]
    fn mongodb_documents_follow_the_ddl() {
        let ddl = parse_ddl(
            "CREATE TABLE t (\n  a INTEGER NOT NULL,\n  b BIGINT,\n  c DECIMAL(15,2),\n  \
             d VARCHAR(20),\n  e DATE,\n  PRIMARY KEY (a)\n);\n",
        );
        let columns = ddl_columns(&ddl["t"]);
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d", "e"]);
        assert_eq!(
            bson_value("t", "a", "INTEGER", "7").unwrap(),
            Bson::Int32(7)
        );
        assert_eq!(
            bson_value("t", "b", "BIGINT", "5000000000").unwrap(),
            Bson::Int64(5_000_000_000)
        );
        assert_eq!(
            bson_value("t", "c", "DECIMAL(15,2)", "-1.50").unwrap(),
            Bson::Double(-1.5)
        );
        assert_eq!(
            bson_value("t", "d", "VARCHAR(20)", " x ").unwrap(),
            Bson::String(" x ".into())
        );
        assert_eq!(
            bson_value("t", "d", "VARCHAR(20)", "\\N").unwrap(),
            Bson::Null
        );
        assert!(matches!(
            bson_value("t", "e", "DATE", "1995-03-15").unwrap(),
            Bson::DateTime(_)
        ));
        assert!(bson_value("t", "a", "INTEGER", "x").is_err());
        // Every table of the layout's MongoDB placement maps.
        let schema = parse_ddl(&read(&differential_dir().join("schema/tpch.sql")).unwrap());
        for table in MONGO_TABLES {
            assert!(!ddl_columns(&schema[*table]).is_empty(), "{table}");
        }
    }

    #[test]
    fn layouts_hold_every_table_once() {
        for layout in layouts(Path::new("/nonexistent")) {
            layout.check().unwrap();
        }
    }

    #[test]
    fn shipped_queries_parse() {
        let queries = load_queries(&differential_dir().join("queries")).unwrap();
        assert!(queries.len() >= 22, "{} queries", queries.len());
        assert!(queries.iter().any(|q| q.id == "tpch/q01"));
    }
}
