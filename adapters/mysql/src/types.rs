//! The MySQL/MariaDB → Arrow type mapping (see `TYPES.md` for the full table and reasons).
//!
//! Discovery maps each column from `information_schema.COLUMNS.COLUMN_TYPE` (e.g.
//! `bigint(20) unsigned`, `decimal(65,30)`, `enum('a','b')`) with [`map_column_type`]:
//!
//! | MySQL / MariaDB                                   | Arrow                               |
//! |---------------------------------------------------|-------------------------------------|
//! | `tinyint(1)` (= `BOOL`/`BOOLEAN`)                 | `Boolean` (non-zero is true); `Int8` with `tinyint1_as_boolean 'false'` |
//! | `tinyint`                                         | `Int8` (`UInt8` if unsigned)        |
//! | `smallint`                                        | `Int16` / `UInt16`                  |
//! | `mediumint`, `int`                                | `Int32` / `UInt32`                  |
//! | `bigint`                                          | `Int64` / `UInt64`                  |
//! | `float` / `double`                                | `Float32` / `Float64`               |
//! | `decimal(p,s)`, p ≤ 38                            | `Decimal128(p,s)`                   |
//! | `decimal(p,s)`, p > 38                            | `Utf8`, exact text, text fallback `decimal` |
//! | `char`, `varchar`, `*text`, `json`, `enum`, `set` | `Utf8`                              |
//! | `binary`, `varbinary`, `*blob`                    | `Binary`                            |
//! | `date`                                            | `Date32` (always nullable)          |
//! | `time`                                            | `Interval(MonthDayNano)` (±838:59:59 fits) |
//! | `datetime`                                        | `Timestamp(µs, None)` (always nullable) |
//! | `timestamp`                                       | `Timestamp(µs, "+00:00")` (always nullable) |
//! | `year`                                            | `Int16`                             |
//! | `bit(n)`                                          | `UInt64`                            |
//! | spatial types                                     | `Utf8` WKT via `ST_AsText`, text fallback = type |
//! | `inet4`, `inet6`, `uuid` (MariaDB)                | `Utf8` as the server prints it, text fallback = type |
//! | anything else (`vector`, ...)                     | `Utf8` via `CAST(.. AS CHAR)`, text fallback = type |
//!
//! Every field carries `fedgate.mysql_type` = `COLUMN_TYPE`. Date and time-stamp columns are
//! always nullable because zero dates (`0000-00-00`) and other non-calendar dates read as NULL.

use std::collections::HashMap;

use datafusion::arrow::datatypes::{DataType, Field, IntervalUnit, TimeUnit};
use fedgate_adapter_api::INVALID_DATES_METADATA;

/// Field metadata: the exact MySQL column type, as `information_schema.COLUMNS.COLUMN_TYPE`.
pub use fedgate_adapter_api::metadata::MYSQL_TYPE as MYSQL_TYPE_METADATA;
/// Field metadata: the column is read as text; the value is the MySQL type name.
pub use fedgate_adapter_api::metadata::TEXT_FALLBACK as TEXT_FALLBACK_METADATA;
/// The time zone of `TIMESTAMP` columns: the session time zone is `+00:00`.
pub const UTC: &str = "+00:00";

/// Spatial types: read as WKT through `ST_AsText` (`CAST(.. AS CHAR)` is an error for them).
const SPATIAL_TYPES: &[&str] = &[
    "geometry",
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
    "geomcollection",
];

/// The server options that change the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeOptions {
    /// `tinyint(1)` (what `BOOL`/`BOOLEAN` create) is a `Boolean` (server option
    /// `tinyint1_as_boolean`, default true), else an `Int8`.
    pub tinyint1_as_boolean: bool,
}

impl Default for TypeOptions {
    fn default() -> Self {
        Self {
            tinyint1_as_boolean: true,
        }
    }
}

/// How one column maps to Arrow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub data_type: DataType,
    /// `Some(type name)` when the column is read as text through a remote conversion.
    pub text_fallback: Option<String>,
    /// The column can read as NULL even when it is `NOT NULL` (zero dates).
    pub always_nullable: bool,
}

impl Mapping {
    fn exact(data_type: DataType) -> Self {
        Self {
            data_type,
            text_fallback: None,
            always_nullable: false,
        }
    }

    fn nullable(data_type: DataType) -> Self {
        Self {
            always_nullable: true,
            ..Self::exact(data_type)
        }
    }

    fn fallback(type_name: &str) -> Self {
        Self {
            data_type: DataType::Utf8,
            text_fallback: Some(type_name.to_string()),
            always_nullable: false,
        }
    }

    /// The Arrow field of a column, with the `fedgate.*` metadata.
    pub fn field(&self, name: &str, nullable: bool, column_type: &str) -> Field {
        let mut metadata =
            HashMap::from([(MYSQL_TYPE_METADATA.to_string(), column_type.to_string())]);
        if let Some(fallback) = &self.text_fallback {
            metadata.insert(TEXT_FALLBACK_METADATA.to_string(), fallback.clone());
        }
        if self.always_nullable {
            metadata.insert(INVALID_DATES_METADATA.to_string(), "true".to_string());
        }
        Field::new(
            name,
            self.data_type.clone(),
            nullable || self.always_nullable,
        )
        .with_metadata(metadata)
    }
}

/// A `COLUMN_TYPE` split into its parts: `decimal(10,2) unsigned zerofill` →
/// (`decimal`, [10, 2], unsigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    /// The lower-case base name (`decimal`, `bigint`, `enum`, ...).
    pub base: String,
    /// The numeric arguments in parentheses (empty for `enum(...)`/`set(...)` and none).
    pub args: Vec<u32>,
    pub unsigned: bool,
}

impl ColumnType {
    pub fn parse(column_type: &str) -> Self {
        let text = column_type.trim().to_ascii_lowercase();
        let base_end = text.find(['(', ' ']).unwrap_or(text.len());
        let base = text[..base_end].to_string();
        let mut rest = &text[base_end..];
        let mut args = Vec::new();
        if let Some(inner) = rest.strip_prefix('(') {
            if matches!(base.as_str(), "enum" | "set") {
                // Quoted labels may contain anything: nothing after them matters.
                rest = "";
            } else if let Some(close) = inner.find(')') {
                args = inner[..close]
                    .split(',')
                    .filter_map(|a| a.trim().parse().ok())
                    .collect();
                rest = &inner[close + 1..];
            }
        }
        let unsigned = rest.split_whitespace().any(|w| w == "unsigned");
        Self {
            base,
            args,
            unsigned,
        }
    }
}

/// The Arrow mapping of a column from its `COLUMN_TYPE`, with the default [`TypeOptions`].
pub fn map_column_type(column_type: &str) -> Mapping {
    map_column_type_with(column_type, TypeOptions::default())
}

/// True for the type `BOOL`/`BOOLEAN` create: a signed `tinyint(1)`.
pub fn is_tinyint1(parsed: &ColumnType) -> bool {
    parsed.base == "tinyint" && parsed.args == [1] && !parsed.unsigned
}

/// The Arrow mapping of a column from its `COLUMN_TYPE`.
pub fn map_column_type_with(column_type: &str, options: TypeOptions) -> Mapping {
    let parsed = ColumnType::parse(column_type);
    // BOOL/BOOLEAN are TINYINT(1), which can hold -128..127: read as a boolean where
    // non-zero is true, as MySQL's own `IF(x, ...)`, its connectors and DuckDB read it. The
    // dialect renders such a column as `(x <> 0)` so pushed SQL reads it the same way.
    if options.tinyint1_as_boolean && is_tinyint1(&parsed) {
        return Mapping::exact(DataType::Boolean);
    }
    let int = |signed: DataType, unsigned: DataType| {
        Mapping::exact(if parsed.unsigned { unsigned } else { signed })
    };
    match parsed.base.as_str() {
        "tinyint" | "bool" | "boolean" => int(DataType::Int8, DataType::UInt8),
        "smallint" => int(DataType::Int16, DataType::UInt16),
        "mediumint" | "int" | "integer" => int(DataType::Int32, DataType::UInt32),
        "bigint" => int(DataType::Int64, DataType::UInt64),
        "float" => Mapping::exact(DataType::Float32),
        "double" | "real" => Mapping::exact(DataType::Float64),
        "decimal" | "numeric" | "dec" | "fixed" => {
            let precision = parsed.args.first().copied().unwrap_or(10);
            let scale = parsed.args.get(1).copied().unwrap_or(0);
            if (1..=38).contains(&precision) && scale <= precision {
                Mapping::exact(DataType::Decimal128(precision as u8, scale as i8))
            } else {
                Mapping::fallback("decimal")
            }
        }
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "json" | "enum"
        | "set" => Mapping::exact(DataType::Utf8),
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            Mapping::exact(DataType::Binary)
        }
        "date" => Mapping::nullable(DataType::Date32),
        "time" => Mapping::exact(DataType::Interval(IntervalUnit::MonthDayNano)),
        "datetime" => Mapping::nullable(DataType::Timestamp(TimeUnit::Microsecond, None)),
        "timestamp" => {
            Mapping::nullable(DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())))
        }
        "year" => Mapping::exact(DataType::Int16),
        "bit" => Mapping::exact(DataType::UInt64),
        "" => Mapping::fallback("unknown"),
        other => Mapping::fallback(other),
    }
}

/// Text-fallback types whose values the text protocol already delivers as the server's text
/// (exactly what `CAST(.. AS CHAR)` gives): scans read them without a remote conversion.
const TEXT_ON_THE_WIRE: &[&str] = &["decimal", "inet4", "inet6", "uuid"];

/// True when a text-fallback column (fallback value `fallback`) must be converted remotely:
/// spatial types (WKB on the wire) and types the adapter does not know.
pub fn needs_remote_conversion(fallback: &str) -> bool {
    !TEXT_ON_THE_WIRE.contains(&fallback)
}

/// The SQL that reads `column` (already quoted and qualified) of a text-fallback column whose
/// fallback value is `fallback`: WKT for spatial types, `CAST(.. AS CHAR)` otherwise.
pub fn fallback_expression(column: &str, fallback: &str) -> String {
    if SPATIAL_TYPES.contains(&fallback) {
        format!("ST_AsText({column})")
    } else {
        format!("CAST({column} AS CHAR)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(column_type: &str) -> (DataType, Option<String>) {
        let m = map_column_type(column_type);
        (m.data_type, m.text_fallback)
    }

    #[test]
    fn column_type_parts() {
        assert_eq!(
            ColumnType::parse("decimal(10,2) unsigned zerofill"),
            ColumnType {
                base: "decimal".into(),
                args: vec![10, 2],
                unsigned: true
            }
        );
        assert_eq!(
            ColumnType::parse("enum('a unsigned','b)')"),
            ColumnType {
                base: "enum".into(),
                args: vec![],
                unsigned: false
            }
        );
        assert_eq!(ColumnType::parse("BIGINT UNSIGNED").base, "bigint");
        assert!(ColumnType::parse("BIGINT UNSIGNED").unsigned);
        assert_eq!(ColumnType::parse("double precision").base, "double");
    }

    #[test]
    fn tinyint1_is_a_boolean_unless_told_otherwise() {
        assert_eq!(mapped("tinyint(1)"), (DataType::Boolean, None));
        assert_eq!(mapped("TINYINT(1)"), (DataType::Boolean, None));
        // Only the signed TINYINT(1) that BOOL creates.
        assert_eq!(mapped("tinyint(1) unsigned").0, DataType::UInt8);
        assert_eq!(mapped("tinyint(2)").0, DataType::Int8);
        assert_eq!(mapped("tinyint").0, DataType::Int8);
        let integers = TypeOptions {
            tinyint1_as_boolean: false,
        };
        assert_eq!(
            map_column_type_with("tinyint(1)", integers).data_type,
            DataType::Int8
        );
        let f = map_column_type("tinyint(1)").field("active", true, "tinyint(1)");
        assert_eq!(f.metadata()[MYSQL_TYPE_METADATA], "tinyint(1)");
    }

    #[test]
    fn integers() {
        for (t, expected) in [
            ("tinyint(1) unsigned", DataType::UInt8),
            ("tinyint(4)", DataType::Int8),
            ("tinyint(3) unsigned", DataType::UInt8),
            ("smallint(6)", DataType::Int16),
            ("smallint(5) unsigned", DataType::UInt16),
            ("mediumint(9)", DataType::Int32),
            ("mediumint(8) unsigned", DataType::UInt32),
            ("int(11)", DataType::Int32),
            ("int", DataType::Int32),
            ("int(10) unsigned zerofill", DataType::UInt32),
            ("bigint(20)", DataType::Int64),
            ("bigint(20) unsigned", DataType::UInt64),
            ("bigint unsigned", DataType::UInt64),
            ("year(4)", DataType::Int16),
            ("year", DataType::Int16),
            ("bit(1)", DataType::UInt64),
            ("bit(64)", DataType::UInt64),
        ] {
            assert_eq!(mapped(t), (expected, None), "{t}");
        }
    }

    #[test]
    fn numbers_and_decimals() {
        assert_eq!(mapped("float").0, DataType::Float32);
        assert_eq!(mapped("float(7,3)").0, DataType::Float32);
        assert_eq!(mapped("double").0, DataType::Float64);
        assert_eq!(mapped("double(10,2) unsigned").0, DataType::Float64);
        assert_eq!(mapped("decimal(10,2)"), (DataType::Decimal128(10, 2), None));
        assert_eq!(mapped("decimal(38,10)").0, DataType::Decimal128(38, 10));
        assert_eq!(
            mapped("decimal(10,0) unsigned").0,
            DataType::Decimal128(10, 0)
        );
        assert_eq!(
            mapped("decimal(65,30)"),
            (DataType::Utf8, Some("decimal".into()))
        );
        assert_eq!(
            mapped("decimal(39,0)"),
            (DataType::Utf8, Some("decimal".into()))
        );
    }

    #[test]
    fn strings_binaries_and_temporals() {
        for t in [
            "char(5)",
            "varchar(255)",
            "tinytext",
            "text",
            "mediumtext",
            "longtext",
            "json",
            "enum('a','b')",
            "set('x','y')",
        ] {
            assert_eq!(mapped(t), (DataType::Utf8, None), "{t}");
        }
        for t in [
            "binary(4)",
            "varbinary(10)",
            "tinyblob",
            "blob",
            "mediumblob",
            "longblob",
        ] {
            assert_eq!(mapped(t), (DataType::Binary, None), "{t}");
        }
        assert_eq!(mapped("date").0, DataType::Date32);
        assert_eq!(
            mapped("time(6)").0,
            DataType::Interval(IntervalUnit::MonthDayNano)
        );
        assert_eq!(
            mapped("datetime(6)").0,
            DataType::Timestamp(TimeUnit::Microsecond, None)
        );
        assert_eq!(
            mapped("timestamp").0,
            DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()))
        );
    }

    #[test]
    fn other_types_fall_back_to_text() {
        assert_eq!(mapped("inet6"), (DataType::Utf8, Some("inet6".into())));
        assert_eq!(mapped("uuid"), (DataType::Utf8, Some("uuid".into())));
        assert_eq!(mapped("point"), (DataType::Utf8, Some("point".into())));
        assert_eq!(mapped(""), (DataType::Utf8, Some("unknown".into())));
        assert_eq!(fallback_expression("q.`g`", "point"), "ST_AsText(q.`g`)");
        assert!(needs_remote_conversion("point") && needs_remote_conversion("vector"));
        assert!(!needs_remote_conversion("decimal") && !needs_remote_conversion("inet6"));
        assert_eq!(
            fallback_expression("q.`d`", "decimal"),
            "CAST(q.`d` AS CHAR)"
        );
    }

    #[test]
    fn fields_carry_metadata_and_nullability() {
        let f = map_column_type("decimal(65,30)").field("big", false, "decimal(65,30)");
        assert!(!f.is_nullable());
        assert_eq!(f.metadata()[MYSQL_TYPE_METADATA], "decimal(65,30)");
        assert_eq!(f.metadata()[TEXT_FALLBACK_METADATA], "decimal");
        let f = map_column_type("date").field("d", false, "date");
        assert!(f.is_nullable(), "zero dates read as NULL");
        let f = map_column_type("int(11)").field("i", false, "int(11)");
        assert!(!f.is_nullable());
        assert!(!f.metadata().contains_key(TEXT_FALLBACK_METADATA));
    }
}
