//! Logical column types of the semantics dataset and what each becomes on every backend:
//! the PostgreSQL type, the MariaDB column type and the Arrow type of the Parquet files
//! (MongoDB's BSON values are chosen per value, in `mongodb.rs`).

use datafusion::arrow::datatypes::{DataType, TimeUnit};

/// The type of a column, defined once for every placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicalType {
    Int4,
    Int8,
    /// `numeric(precision, scale)`.
    Numeric(u8, i8),
    Float8,
    Text,
    Bool,
    Date,
    /// Without time zone, microseconds.
    Timestamp,
    /// The PostgreSQL-only types below have no mapping on the other backends.
    Timestamptz,
    Interval,
    Jsonb,
    TextArray,
    Int4Array,
    Uuid,
    Bytea,
}

impl LogicalType {
    /// The PostgreSQL type name, as written in `CREATE TABLE`.
    pub fn postgres(self) -> String {
        match self {
            LogicalType::Int4 => "int4".to_string(),
            LogicalType::Int8 => "int8".to_string(),
            LogicalType::Numeric(p, s) => format!("numeric({p},{s})"),
            LogicalType::Float8 => "float8".to_string(),
            LogicalType::Text => "text".to_string(),
            LogicalType::Bool => "boolean".to_string(),
            LogicalType::Date => "date".to_string(),
            LogicalType::Timestamp => "timestamp".to_string(),
            LogicalType::Timestamptz => "timestamptz".to_string(),
            LogicalType::Interval => "interval".to_string(),
            LogicalType::Jsonb => "jsonb".to_string(),
            LogicalType::TextArray => "text[]".to_string(),
            LogicalType::Int4Array => "int4[]".to_string(),
            LogicalType::Uuid => "uuid".to_string(),
            LogicalType::Bytea => "bytea".to_string(),
        }
    }

    /// The MariaDB column type a user would pick (`BOOLEAN` is `TINYINT(1)` there), or
    /// `None` for the PostgreSQL-only types.
    pub fn mariadb(self) -> Option<String> {
        Some(match self {
            LogicalType::Int4 => "INT".to_string(),
            LogicalType::Int8 => "BIGINT".to_string(),
            LogicalType::Numeric(p, s) => format!("DECIMAL({p},{s})"),
            LogicalType::Float8 => "DOUBLE".to_string(),
            LogicalType::Text => "TEXT".to_string(),
            LogicalType::Bool => "BOOLEAN".to_string(),
            LogicalType::Date => "DATE".to_string(),
            LogicalType::Timestamp => "DATETIME(6)".to_string(),
            _ => return None,
        })
    }

    /// The Arrow type of the Parquet files, or `None` for the PostgreSQL-only types.
    pub fn arrow(self) -> Option<DataType> {
        Some(match self {
            LogicalType::Int4 => DataType::Int32,
            LogicalType::Int8 => DataType::Int64,
            LogicalType::Numeric(p, s) => DataType::Decimal128(p, s),
            LogicalType::Float8 => DataType::Float64,
            LogicalType::Text => DataType::Utf8,
            LogicalType::Bool => DataType::Boolean,
            LogicalType::Date => DataType::Date32,
            LogicalType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            _ => return None,
        })
    }

    /// Whether every backend can hold the type (else only PostgreSQL placements can).
    pub fn everywhere(self) -> bool {
        self.mariadb().is_some() && self.arrow().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings() {
        let numeric = LogicalType::Numeric(10, 2);
        assert_eq!(numeric.postgres(), "numeric(10,2)");
        assert_eq!(numeric.mariadb().as_deref(), Some("DECIMAL(10,2)"));
        assert_eq!(numeric.arrow(), Some(DataType::Decimal128(10, 2)));
        assert_eq!(
            LogicalType::Timestamp.mariadb().as_deref(),
            Some("DATETIME(6)")
        );
        assert!(LogicalType::Bool.everywhere());
        assert!(!LogicalType::Jsonb.everywhere());
        assert_eq!(LogicalType::Int4Array.postgres(), "int4[]");
    }
}
