//! The semantics dataset, shared by the suites that check fedgate answers as PostgreSQL
//! does (`tests/surface.rs`): a few small tables defined once with logical column types
//! ([`LogicalType`]) and rows full of traps ([`tables`]), loaded into
//!
//! * the PostgreSQL **oracle** database [`ORACLE_DATABASE`] (every table, schema `public`),
//!   which a suite queries directly for the expected answer, and
//! * one [`Placement`] per backend, each registered in the gateway as a server named after
//!   it: `pg` (PostgreSQL database [`PG_DATABASE`], every table), `mysql` (MariaDB database
//!   [`MY_DATABASE`]), `mongodb` (MongoDB database [`MONGO_DATABASE`]) and `parquet` (files
//!   written from the oracle's rows); the last three hold every table without
//!   PostgreSQL-only types (all but `docs`).
//!
//! Each backend's DDL and values come from the logical types: `types.rs` maps them
//! (PostgreSQL, MariaDB, Arrow), `mongodb.rs` documents the BSON values (Decimal128 for
//! numeric, BSON dates for date and timestamp, NULL as `null` or a missing field).
//! PostgreSQL databases are created with locale `C.UTF-8` ([`POSTGRES_LOCALE`]); the MariaDB
//! database has MariaDB's default `utf8mb4` collation.
//!
//! Loading is idempotent: each database gets a marker table (collection) [`MARKER_TABLE`]
//! holding a fingerprint of what was loaded (loader revision, backend, the generated DDL and
//! values), written last; when it matches, loading is skipped, otherwise the database is
//! recreated. The Parquet files are cheap and written on every run.

mod mariadb;
mod mongodb;
mod parquet;
mod placements;
mod postgres;
mod tables;
mod types;

pub use mariadb::*;
pub use mongodb::*;
pub use parquet::*;
pub use placements::*;
pub use postgres::*;
pub use tables::*;
pub use types::*;

use crate::differential::fnv1a;

/// The PostgreSQL database holding every table: the oracle.
pub const ORACLE_DATABASE: &str = "fedgate_surface_oracle";

/// The oracle of the placements whose backend holds timestamps in milliseconds (MongoDB):
/// every table, with its `timestamp` values cut to milliseconds as that backend stores them.
pub const ORACLE_MS_DATABASE: &str = "fedgate_surface_oracle_ms";

/// The PostgreSQL database of the `pg` placement.
pub const PG_DATABASE: &str = "fedgate_surface_pg";

/// The MariaDB database of the `mysql` placement (a schema of its server).
pub const MY_DATABASE: &str = "fedgate_surface";

/// The MongoDB database of the `mongodb` placement (a schema of its server).
pub const MONGO_DATABASE: &str = "fedgate_surface";

/// The directory (schema) of the `parquet` placement's files under its root.
pub const PARQUET_SCHEMA: &str = "surface";

/// The table (collection) holding the fingerprint of what a database was loaded with.
pub const MARKER_TABLE: &str = "fedgate_semantics_meta";

/// Bumped whenever a loader changes what it writes without changing the generated text.
const LOADER_REVISION: &str = "semantics-1";

/// The fingerprint of a load by loader `kind` whose generated script (or documents) is
/// `generated`.
pub(crate) fn fingerprint(kind: &str, generated: &str) -> String {
    let text = format!("{LOADER_REVISION}\n{kind}\n{generated}");
    format!("{LOADER_REVISION} {:016x}", fnv1a(text.as_bytes()))
}

/// Loads every table into the oracle database (unless it is loaded already).
pub async fn load_oracle() -> Result<String, String> {
    load_postgres(ORACLE_DATABASE, &tables()).await
}

/// Loads every table, its timestamps cut to milliseconds, into [`ORACLE_MS_DATABASE`]
/// (unless it is loaded already).
pub async fn load_oracle_at_milliseconds() -> Result<String, String> {
    load_postgres_at_milliseconds(ORACLE_MS_DATABASE, &tables()).await
}
