//! The MySQL / MariaDB SQL dialect: how the planner's pushed queries are spelled for this
//! backend, and where MySQL's meaning differs from DataFusion's.
//!
//! - Strings: the default collations equate `'a'`, `'A'` and `'a '`, in comparisons,
//!   `GROUP BY`, `DISTINCT` and `ORDER BY` alike, where DataFusion compares bytes; strings are
//!   therefore compared as `CAST(x AS BINARY)`, and matched by `LIKE` in `utf8mb4_bin` (a
//!   binary string would let `_` match one byte of a multi-byte character).
//! - Dates: a `DATE` column can hold zero dates such as `0000-00-00`, which fedgate reads as
//!   NULL; [`SqlDialect::calendar_date_check`] lets pushed expressions treat them so too.
//! - Missing constructs: no `FULL JOIN`, no `IS [NOT] DISTINCT FROM` spelled that way, no
//!   `NULLS FIRST/LAST`; and `/` is decimal division whose division by zero is NULL, so no
//!   division is pushed.
//! - Booleans: `BOOL`/`BOOLEAN` columns are `TINYINT(1)` and can hold any -128..127; fedgate
//!   reads them as booleans where non-zero is true, and [`SqlDialect::column_value`] renders
//!   them as `(c <> 0)`, so `WHERE c`, `c = FALSE`, `GROUP BY c` see a stored 2 as TRUE too.
//! - String literals double backslashes: the session clears `NO_BACKSLASH_ESCAPES`
//!   ([`crate::options::SESSION_SETUP`]), so a backslash escapes in every server mode.

use datafusion::arrow::datatypes::{DataType, Field};
use fedgate_adapter_api::{FunctionCall, SqlCapabilities, SqlDialect};

use crate::types::{ColumnType, MYSQL_TYPE_METADATA};

/// MySQL's largest `DECIMAL` precision and scale.
const MAX_DECIMAL_PRECISION: u8 = 65;
const MAX_DECIMAL_SCALE: i8 = 30;

/// The dialect of every MySQL and MariaDB server.
#[derive(Debug, Clone, Copy, Default)]
pub struct MySqlDialect;

impl SqlDialect for MySqlDialect {
    fn quote_identifier(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    fn quote_string(&self, value: &str) -> String {
        format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
    }

    fn float_literal(&self, value: f64, _data_type: &DataType) -> Option<String> {
        // Scientific notation makes the literal a DOUBLE (a plain 1.5 would be a DECIMAL).
        Some(format!("{value:e}"))
    }

    fn timestamp_literal(&self, utc: &str, _with_time_zone: bool) -> Option<String> {
        // The session's time_zone is UTC, so a plain literal is the same instant.
        Some(format!("TIMESTAMP '{utc}'"))
    }

    fn cast_type(&self, from: &DataType, to: &DataType) -> Option<String> {
        match to {
            // Widening integer casts only: SIGNED is MySQL's BIGINT.
            DataType::Int16 | DataType::Int32 | DataType::Int64 => Some("SIGNED".to_string()),
            DataType::Float64 => Some("DOUBLE".to_string()),
            DataType::Decimal128(precision, scale) => decimal_cast(from, *precision, *scale),
            _ => None,
        }
    }

    fn function(&self, call: &FunctionCall<'_>) -> Option<String> {
        Some(match *call {
            // SUBSTRING counts characters from 1 and takes substr's arguments.
            FunctionCall::Substring { arguments } => {
                format!("SUBSTRING({})", arguments.join(", "))
            }
            FunctionCall::DatePart { field, date } => format!("EXTRACT({field} FROM {date})"),
            FunctionCall::FloatAverage {
                argument,
                argument_type: &DataType::Float64,
                distinct,
            } => format!("AVG({}{argument})", distinct_prefix(distinct)),
            // AVG of integers is a DECIMAL with 4 more digits: average doubles instead.
            FunctionCall::FloatAverage {
                argument, distinct, ..
            } => format!(
                "AVG({}CAST({argument} AS DOUBLE))",
                distinct_prefix(distinct)
            ),
            FunctionCall::WindowFloatAverage { argument } => {
                format!("AVG(CAST({argument} AS DOUBLE))")
            }
            // The session's div_precision_increment (30) keeps s + 30 digits of the quotient.
            FunctionCall::DecimalAverage {
                argument,
                distinct,
                digits,
            } => {
                let distinct = distinct_prefix(distinct);
                format!(
                    "TRUNCATE(SUM({distinct}{argument}) / COUNT({distinct}{argument}), {digits})"
                )
            }
        })
    }

    fn string_as_bytes(&self, operand: &str) -> Option<String> {
        Some(format!("CAST({operand} AS BINARY)"))
    }

    fn byte_order_collation(&self) -> Option<&str> {
        None
    }

    fn like_subject(&self, column: &str) -> String {
        format!("CONVERT({column} USING utf8mb4) COLLATE utf8mb4_bin")
    }

    fn calendar_date_check(&self, column: &str) -> Option<String> {
        Some(format!(
            "DAYOFMONTH({column}) BETWEEN 1 AND DAYOFMONTH(LAST_DAY({column}))"
        ))
    }

    fn column_value(&self, column: &str, field: &Field) -> String {
        if is_integer_boolean(field) {
            // Non-zero is true (a stored 2), NULL stays NULL: what the scan reads.
            format!("({column} <> 0)")
        } else {
            column.to_string()
        }
    }

    fn capabilities(&self) -> SqlCapabilities {
        SqlCapabilities {
            full_join: false,
            // `<=>` would do, but is not rendered yet.
            is_distinct_from: false,
            division: false,
            nulls_ordering: false,
        }
    }
}

/// A boolean field whose MySQL column is an integer (`TINYINT(1)`, see `TYPES.md`).
fn is_integer_boolean(field: &Field) -> bool {
    field.data_type() == &DataType::Boolean
        && field
            .metadata()
            .get(MYSQL_TYPE_METADATA)
            .is_some_and(|column_type| {
                let parsed = ColumnType::parse(column_type);
                matches!(
                    parsed.base.as_str(),
                    "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
                )
            })
}

/// `DECIMAL(p,s)` for a cast that keeps every digit. MySQL rounds when a cast lowers the
/// scale, and DataFusion's rounding is not promised to match.
fn decimal_cast(from: &DataType, precision: u8, scale: i8) -> Option<String> {
    let keeps_digits = match from {
        DataType::Decimal128(_, from_scale) => *from_scale <= scale,
        _ => true,
    };
    if !keeps_digits || scale > MAX_DECIMAL_SCALE || precision > MAX_DECIMAL_PRECISION {
        return None;
    }
    Some(format!("DECIMAL({precision},{scale})"))
}

fn distinct_prefix(distinct: bool) -> &'static str {
    if distinct {
        "DISTINCT "
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MY: MySqlDialect = MySqlDialect;

    #[test]
    fn identifiers_and_strings_are_escaped() {
        assert_eq!(MY.quote_identifier("a`b"), "`a``b`");
        assert_eq!(MY.quote_string("a\\b'"), "'a\\\\b'''");
    }

    #[test]
    fn typed_literals() {
        assert_eq!(MY.float_literal(1.5, &DataType::Float64).unwrap(), "1.5e0");
        assert_eq!(
            MY.timestamp_literal("2024-01-01 00:00:00.000001", true)
                .unwrap(),
            "TIMESTAMP '2024-01-01 00:00:00.000001'"
        );
    }

    #[test]
    fn decimal_casts_keep_every_digit_or_are_declined() {
        let to = DataType::Decimal128(12, 4);
        assert_eq!(
            MY.cast_type(&DataType::Int32, &to).unwrap(),
            "DECIMAL(12,4)"
        );
        assert_eq!(
            MY.cast_type(&DataType::Decimal128(10, 2), &to).unwrap(),
            "DECIMAL(12,4)"
        );
        let lowers_scale = DataType::Decimal128(12, 1);
        assert!(MY
            .cast_type(&DataType::Decimal128(10, 2), &lowers_scale)
            .is_none());
        let too_wide = DataType::Decimal128(38, 31);
        assert!(MY.cast_type(&DataType::Int64, &too_wide).is_none());
        assert_eq!(
            MY.cast_type(&DataType::Int8, &DataType::Int64).unwrap(),
            "SIGNED"
        );
    }

    #[test]
    fn averages_are_doubles_or_truncated_decimals() {
        let spell = |call| MY.function(&call).unwrap();
        assert_eq!(
            spell(FunctionCall::FloatAverage {
                argument: "x",
                argument_type: &DataType::Int32,
                distinct: true
            }),
            "AVG(DISTINCT CAST(x AS DOUBLE))"
        );
        assert_eq!(
            spell(FunctionCall::FloatAverage {
                argument: "x",
                argument_type: &DataType::Float64,
                distinct: false
            }),
            "AVG(x)"
        );
        assert_eq!(
            spell(FunctionCall::WindowFloatAverage { argument: "x" }),
            "AVG(CAST(x AS DOUBLE))"
        );
        assert_eq!(
            spell(FunctionCall::DecimalAverage {
                argument: "x",
                distinct: true,
                digits: 6
            }),
            "TRUNCATE(SUM(DISTINCT x) / COUNT(DISTINCT x), 6)"
        );
    }

    #[test]
    fn other_function_spellings() {
        let arguments = ["x".to_string(), "2".to_string(), "3".to_string()];
        assert_eq!(
            MY.function(&FunctionCall::Substring {
                arguments: &arguments
            })
            .unwrap(),
            "SUBSTRING(x, 2, 3)"
        );
        assert_eq!(
            MY.function(&FunctionCall::DatePart {
                field: "month",
                date: "d"
            })
            .unwrap(),
            "EXTRACT(month FROM d)"
        );
    }

    #[test]
    fn strings_are_compared_as_bytes_and_matched_in_utf8mb4_bin() {
        assert_eq!(
            MY.string_as_bytes("`name`").unwrap(),
            "CAST(`name` AS BINARY)"
        );
        assert_eq!(MY.byte_order_collation(), None);
        assert_eq!(
            MY.like_subject("`name`"),
            "CONVERT(`name` USING utf8mb4) COLLATE utf8mb4_bin"
        );
    }

    #[test]
    fn integer_booleans_are_non_zero_tests() {
        use std::collections::HashMap;
        let with_type = |data_type: DataType, column_type: &str| {
            Field::new("active", data_type, true).with_metadata(HashMap::from([(
                MYSQL_TYPE_METADATA.to_string(),
                column_type.to_string(),
            )]))
        };
        let boolean = with_type(DataType::Boolean, "tinyint(1)");
        assert_eq!(MY.column_value("`active`", &boolean), "(`active` <> 0)");
        assert_eq!(MY.column_value("t0.`c0`", &boolean), "(t0.`c0` <> 0)");
        // Kept as an integer (tinyint1_as_boolean 'false'), or another type: as it is.
        let integer = with_type(DataType::Int8, "tinyint(1)");
        assert_eq!(MY.column_value("`active`", &integer), "`active`");
        let text = with_type(DataType::Utf8, "varchar(5)");
        assert_eq!(MY.column_value("`name`", &text), "`name`");
        let derived = Field::new("b", DataType::Boolean, true);
        assert_eq!(MY.column_value("`b`", &derived), "`b`");
    }

    #[test]
    fn zero_dates_are_told_apart_from_calendar_dates() {
        assert_eq!(
            MY.calendar_date_check("`born`").unwrap(),
            "DAYOFMONTH(`born`) BETWEEN 1 AND DAYOFMONTH(LAST_DAY(`born`))"
        );
    }
}
