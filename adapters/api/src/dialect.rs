//! The SQL dialect of a remote backend: what the planner asks each SQL adapter when it renders
//! a pushed part of a query.
//!
//! The planner owns the shape of the SQL (derived tables, joins, which expressions may be
//! pushed at all) and keeps DataFusion's meaning; a dialect answers only where backends
//! differ: quoting, typed literals, type names, a few function spellings, how strings are
//! made to compare by their bytes, and which constructs the backend lacks. Each hook says
//! what the planner needs, so a new backend can be added from these docs alone.

use std::fmt::Debug;

use datafusion::arrow::datatypes::{DataType, Field};

/// How one remote SQL backend spells what the planner renders.
///
/// Every rendering must mean what DataFusion computes; a hook that returns `Option` declines
/// with `None`, and the expression (or the operator holding it) then stays in DataFusion.
pub trait SqlDialect: Send + Sync + Debug {
    /// An identifier, quoted and escaped (`"a""b"` in PostgreSQL).
    fn quote_identifier(&self, name: &str) -> String;

    /// A string literal, escaped so that every character means itself whatever the
    /// backend's session settings.
    fn quote_string(&self, value: &str) -> String;

    /// A finite float literal of `data_type` (`Float32` or `Float64`) that reads back as
    /// exactly `value`.
    fn float_literal(&self, value: f64, data_type: &DataType) -> Option<String>;

    /// A timestamp literal; `utc` is `YYYY-MM-DD HH:MM:SS.ffffff`, and `with_time_zone` says
    /// the value is an instant (DataFusion's timestamp with a time zone) rather than a local
    /// date and time.
    fn timestamp_literal(&self, utc: &str, with_time_zone: bool) -> Option<String>;

    /// The type name for `CAST(x AS <name>)` from `from` to `to`. The planner asks only for
    /// casts whose value is the same in every engine (widening integers, integers and
    /// floats to `Float64`, integers and decimals to a decimal); `None` where this backend's
    /// cast would differ (e.g. it rounds where DataFusion does not promise the same digits).
    fn cast_type(&self, from: &DataType, to: &DataType) -> Option<String>;

    /// A function call whose spelling differs between backends (see [`FunctionCall`]).
    fn function(&self, call: &FunctionCall<'_>) -> Option<String>;

    /// `operand`, a string, as a value the backend compares, groups, sorts and counts
    /// distinct by its bytes, as DataFusion does; for a backend whose string equality
    /// follows a collation (MySQL: `'a' = 'A '`). `None` where equality already compares
    /// bytes (PostgreSQL's deterministic collations): ordering then uses
    /// [`SqlDialect::byte_order_collation`].
    ///
    /// Where this returns `Some`, the planner also keeps `SELECT DISTINCT` over strings in
    /// DataFusion and groups strings on both their bytes and their value.
    fn string_as_bytes(&self, operand: &str) -> Option<String>;

    /// The clause that makes an ordering comparison or a sort key of strings follow their
    /// bytes (PostgreSQL: `COLLATE "C"`), appended after the operand; `None` where
    /// [`SqlDialect::string_as_bytes`] covers ordering too.
    fn byte_order_collation(&self) -> Option<&str>;

    /// A string column as the subject of `LIKE`, so that the match is case- and
    /// accent-sensitive and `_` matches one character, as in DataFusion (PostgreSQL's LIKE
    /// already is: the column as it is).
    fn like_subject(&self, column: &str) -> String;

    /// A condition that is true where the date `column` holds a calendar date, for a
    /// backend that can store other values (MySQL's zero dates, which fedgate reads as NULL:
    /// field metadata [`crate::INVALID_DATES_METADATA`]); `None` where every stored date is a
    /// calendar date.
    fn calendar_date_check(&self, column: &str) -> Option<String>;

    /// A column (`column`: its quoted, possibly qualified name; `field`: its Arrow field with
    /// the adapter's metadata) as an expression whose value is the one fedgate reads from
    /// it, for a backend that stores a column in another type than the one fedgate gives it.
    /// The planner renders every column reference through this, so that filters, keys and
    /// pushed expressions see the values the results show. MySQL's `TINYINT(1)` read as a
    /// boolean (non-zero is true) is `(column <> 0)`. The default is the column itself.
    fn column_value(&self, column: &str, _field: &Field) -> String {
        column.to_string()
    }

    /// The constructs this backend has with DataFusion's meaning.
    fn capabilities(&self) -> SqlCapabilities;
}

/// A function call whose spelling differs between backends. Each variant states the value
/// DataFusion computes, which the rendering must give; arguments are rendered SQL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FunctionCall<'a> {
    /// `substr(string, start [, count])`: characters counted from 1.
    Substring { arguments: &'a [String] },
    /// The `field` (`year`, `month` or `day`) of a `date`, as a 32-bit integer.
    DatePart { field: &'a str, date: &'a str },
    /// `AVG([DISTINCT] argument)` of integers or floats (`argument_type`), as a double.
    FloatAverage {
        argument: &'a str,
        argument_type: &'a DataType,
        distinct: bool,
    },
    /// The same average as a window function: the call that `OVER (...)` follows, so the
    /// result itself cannot be cast.
    WindowFloatAverage { argument: &'a str },
    /// `AVG([DISTINCT] argument)` of a decimal as DataFusion's `decimal(p + 4, s + 4)`: the
    /// exact average truncated toward zero to `digits` (`s + 4`) fraction digits.
    DecimalAverage {
        argument: &'a str,
        distinct: bool,
        digits: i8,
    },
}

/// What a backend's SQL can express with DataFusion's meaning, beyond what every dialect has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlCapabilities {
    /// `FULL [OUTER] JOIN`.
    pub full_join: bool,
    /// `IS [NOT] DISTINCT FROM`.
    pub is_distinct_from: bool,
    /// `/` of integers (truncating) and of floats, and `%` of integers, failing on a zero
    /// divisor as DataFusion does (MySQL's `/` is decimal division and `x / 0` is NULL).
    pub division: bool,
    /// `NULLS FIRST` / `NULLS LAST` in `ORDER BY`; without it NULL placement is rendered as a
    /// sort key of its own.
    pub nulls_ordering: bool,
}
