//! Keys of the Arrow field metadata that adapters attach to the columns they discover, and
//! that the planner and the PostgreSQL layer read. One definition each, here.

/// The column's PostgreSQL type as `format_type(atttypid, atttypmod)` prints it
/// (`numeric(10,2)`, `jsonb`, `character varying(20)`), set by the PostgreSQL adapter: Arrow
/// has no such types, and clients pick decoders and show precision by them.
pub const PG_TYPE: &str = "fedgate.pg_type";

/// The column's MySQL type as `information_schema.columns.column_type` prints it.
pub const MYSQL_TYPE: &str = "fedgate.mysql_type";

/// The column is read as its text because its type has no faithful Arrow mapping; the
/// planner never compares such a column remotely.
pub const TEXT_FALLBACK: &str = "fedgate.text_fallback";

/// The column reads as NULL where the backend holds a value that is not a calendar date
/// (MySQL's zero dates such as `0000-00-00`). Pushed expressions must treat those values as
/// NULL too, or a remote filter would keep rows fedgate shows as NULL.
pub const INVALID_DATES: &str = "fedgate.invalid_dates_as_null";
