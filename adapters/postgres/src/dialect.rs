//! PostgreSQL's SQL dialect: how the planner's pushed queries are spelled for this backend.
//!
//! PostgreSQL is fedgate's reference for behaviour, so little needs care here: strings with
//! backslashes become `E''` literals (their meaning then does not hang on
//! `standard_conforming_strings`), floats are typed literals of their exact shortest text,
//! and string ordering takes `COLLATE "C"` because a column may use a locale collation while
//! DataFusion compares bytes (equality under PostgreSQL's deterministic collations already
//! compares bytes).

use datafusion::arrow::datatypes::DataType;
use fedgate_adapter_api::{FunctionCall, SqlCapabilities, SqlDialect};

/// The dialect of every PostgreSQL server.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl SqlDialect for PostgresDialect {
    fn quote_identifier(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    fn quote_string(&self, value: &str) -> String {
        let escaped = value.replace('\\', "\\\\").replace('\'', "''");
        if value.contains('\\') {
            format!("E'{escaped}'")
        } else {
            format!("'{escaped}'")
        }
    }

    fn float_literal(&self, value: f64, data_type: &DataType) -> Option<String> {
        let type_name = match data_type {
            DataType::Float32 => "float4",
            DataType::Float64 => "float8",
            _ => return None,
        };
        Some(format!("'{value:?}'::{type_name}"))
    }

    fn timestamp_literal(&self, utc: &str, with_time_zone: bool) -> Option<String> {
        Some(if with_time_zone {
            format!("TIMESTAMPTZ '{utc}+00'")
        } else {
            format!("TIMESTAMP '{utc}'")
        })
    }

    fn cast_type(&self, _from: &DataType, to: &DataType) -> Option<String> {
        Some(match to {
            DataType::Int16 => "int2".to_string(),
            DataType::Int32 => "int4".to_string(),
            DataType::Int64 => "int8".to_string(),
            DataType::Float64 => "float8".to_string(),
            DataType::Decimal128(precision, scale) => format!("numeric({precision},{scale})"),
            _ => return None,
        })
    }

    fn function(&self, call: &FunctionCall<'_>) -> Option<String> {
        Some(match *call {
            FunctionCall::Substring { arguments } => format!("substr({})", arguments.join(", ")),
            // extract() is numeric since PostgreSQL 14; DataFusion's date_part is an integer.
            FunctionCall::DatePart { field, date } => {
                format!("CAST(extract({field} from {date}) AS int4)")
            }
            // avg() of integers is numeric: cast to DataFusion's double afterwards.
            FunctionCall::FloatAverage {
                argument, distinct, ..
            } => format!(
                "CAST(avg({}{argument}) AS float8)",
                distinct_prefix(distinct)
            ),
            FunctionCall::WindowFloatAverage { argument } => {
                format!("avg(CAST({argument} AS float8))")
            }
            // avg() of numeric keeps at least 16 fraction digits: truncated to DataFusion's.
            FunctionCall::DecimalAverage {
                argument,
                distinct,
                digits,
            } => format!(
                "trunc(avg({}{argument}), {digits})",
                distinct_prefix(distinct)
            ),
        })
    }

    fn string_as_bytes(&self, _operand: &str) -> Option<String> {
        None
    }

    fn byte_order_collation(&self) -> Option<&str> {
        Some("COLLATE \"C\"")
    }

    fn like_subject(&self, column: &str) -> String {
        column.to_string()
    }

    fn calendar_date_check(&self, _column: &str) -> Option<String> {
        None
    }

    fn capabilities(&self) -> SqlCapabilities {
        SqlCapabilities {
            full_join: true,
            is_distinct_from: true,
            division: true,
            nulls_ordering: true,
        }
    }
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

    const PG: PostgresDialect = PostgresDialect;

    #[test]
    fn identifiers_are_quoted_and_escaped() {
        assert_eq!(PG.quote_identifier("we\"ird"), "\"we\"\"ird\"");
    }

    #[test]
    fn string_literals_mean_the_same_under_any_standard_conforming_strings() {
        assert_eq!(PG.quote_string("O'Brien"), "'O''Brien'");
        assert_eq!(PG.quote_string("a\\b"), "E'a\\\\b'");
    }

    #[test]
    fn typed_literals() {
        assert_eq!(
            PG.float_literal(1.5, &DataType::Float64).unwrap(),
            "'1.5'::float8"
        );
        assert_eq!(
            PG.float_literal(0.5, &DataType::Float32).unwrap(),
            "'0.5'::float4"
        );
        assert_eq!(
            PG.timestamp_literal("2024-01-01 00:00:00.000001", true)
                .unwrap(),
            "TIMESTAMPTZ '2024-01-01 00:00:00.000001+00'"
        );
        assert_eq!(
            PG.timestamp_literal("2024-01-01 00:00:00.000000", false)
                .unwrap(),
            "TIMESTAMP '2024-01-01 00:00:00.000000'"
        );
    }

    #[test]
    fn cast_types() {
        let cast = |to| PG.cast_type(&DataType::Int32, &to);
        assert_eq!(cast(DataType::Int64).unwrap(), "int8");
        assert_eq!(cast(DataType::Float64).unwrap(), "float8");
        assert_eq!(cast(DataType::Decimal128(12, 2)).unwrap(), "numeric(12,2)");
        assert!(cast(DataType::Utf8).is_none());
    }

    #[test]
    fn function_spellings() {
        let arguments = ["x".to_string(), "2".to_string()];
        let spell = |call| PG.function(&call).unwrap();
        assert_eq!(
            spell(FunctionCall::Substring {
                arguments: &arguments
            }),
            "substr(x, 2)"
        );
        assert_eq!(
            spell(FunctionCall::DatePart {
                field: "year",
                date: "d"
            }),
            "CAST(extract(year from d) AS int4)"
        );
        assert_eq!(
            spell(FunctionCall::FloatAverage {
                argument: "x",
                argument_type: &DataType::Int32,
                distinct: true
            }),
            "CAST(avg(DISTINCT x) AS float8)"
        );
        assert_eq!(
            spell(FunctionCall::WindowFloatAverage { argument: "x" }),
            "avg(CAST(x AS float8))"
        );
        assert_eq!(
            spell(FunctionCall::DecimalAverage {
                argument: "x",
                distinct: false,
                digits: 6
            }),
            "trunc(avg(x), 6)"
        );
    }

    #[test]
    fn strings_are_ordered_by_bytes_through_the_c_collation() {
        assert_eq!(PG.string_as_bytes("x"), None);
        assert_eq!(PG.byte_order_collation(), Some("COLLATE \"C\""));
        assert_eq!(PG.like_subject("\"name\""), "\"name\"");
        assert_eq!(PG.calendar_date_check("\"d\""), None);
    }
}
