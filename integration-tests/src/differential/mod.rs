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

mod dataset;
mod loaders;
mod placements;
mod queries;
mod results;
#[cfg(test)]
mod tests;

pub use dataset::*;
pub use loaders::*;
pub use placements::*;
pub use queries::*;
pub use results::*;

use std::path::PathBuf;

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
