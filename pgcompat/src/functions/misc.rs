//! `pg_typeof` and `num_nulls`/`num_nonnulls`.
//!
//! `pg_typeof(x)` names the type fedgate describes `x` with (`integer`, `numeric`,
//! `timestamp without time zone`, `text[]`); for a column a PostgreSQL backend described,
//! the backend's type without its modifiers (`character varying`, `jsonb`). Its result is
//! text marked `regtype` in the field's `fedgate.pg_type` metadata (the row description
//! says `text` until the output layer maps that mark).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use fedgate_adapter_api::metadata::PG_TYPE;

use super::{no_such_function, pg_type_name, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![
        PgFunction::new(
            "num_nulls",
            keep,
            count_returns,
            Eval::Rows {
                strict: false,
                row: num_nulls_row,
            },
        ),
        PgFunction::new(
            "num_nonnulls",
            keep,
            count_returns,
            Eval::Rows {
                strict: false,
                row: num_nonnulls_row,
            },
        ),
    ]
}

fn keep(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types.to_vec())
}

fn count_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields.is_empty() {
        Err(no_such_function("num_nulls", fields))
    } else {
        Ok(DataType::Int32)
    }
}

fn num_nulls_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let nulls = args.iter().filter(|a| a.is_null()).count();
    Ok(ScalarValue::Int32(Some(nulls as i32)))
}

fn num_nonnulls_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let values = args.iter().filter(|a| !a.is_null()).count();
    Ok(ScalarValue::Int32(Some(values as i32)))
}

/// PostgreSQL's name of the type of a field: its backend's type without modifiers, else
/// the type fedgate sends for its Arrow type.
pub(crate) fn field_type_name(field: &Field) -> String {
    if let Some(backend) = field.metadata().get(PG_TYPE) {
        let mut name = String::new();
        let mut depth = 0;
        for c in backend.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                c if depth == 0 => name.push(c),
                _ => {}
            }
        }
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if !name.is_empty() {
            return name;
        }
    }
    pg_type_name(field.data_type())
}

/// `pg_typeof(any)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PgTypeof {
    signature: Signature,
}

impl PgTypeof {
    pub fn new() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl Default for PgTypeof {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for PgTypeof {
    fn name(&self) -> &str {
        "pg_typeof"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, _: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(
            Field::new("pg_typeof", DataType::Utf8, false).with_metadata(HashMap::from([(
                PG_TYPE.to_string(),
                "regtype".to_string(),
            )])),
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = field_type_name(&args.arg_fields[0]);
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(name))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row};
    use super::*;

    async fn values(sql: &str) -> Vec<String> {
        row(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// PostgreSQL 15 names these types alike (fedgate's integer literals are bigint).
    #[tokio::test]
    async fn type_names() {
        assert_eq!(
            values("SELECT pg_typeof(CAST(1 AS INT)), pg_typeof(2147483648), pg_typeof(1.5), pg_typeof('a'), pg_typeof(true), pg_typeof(NULL)").await,
            ["integer", "bigint", "numeric", "text", "boolean", "unknown"]
        );
        assert_eq!(
            values("SELECT pg_typeof(make_array(1, 2)), pg_typeof(CAST(1 AS SMALLINT)), pg_typeof(CAST(1.5 AS REAL)), pg_typeof(INTERVAL '1 day'), pg_typeof(TIMESTAMP '2024-01-01') AS t, pg_typeof(DATE '2024-01-01') AS d, pg_typeof(CAST(2.5 AS DOUBLE))").await,
            ["bigint[]", "smallint", "real", "interval", "timestamp without time zone", "date", "double precision"]
        );
        let varchar = Field::new("c", DataType::Utf8, true).with_metadata(HashMap::from([(
            PG_TYPE.to_string(),
            "character varying(20)".to_string(),
        )]));
        assert_eq!(field_type_name(&varchar), "character varying");
        let timestamp = Field::new("c", DataType::Utf8, true).with_metadata(HashMap::from([(
            PG_TYPE.to_string(),
            "timestamp(3) without time zone".to_string(),
        )]));
        assert_eq!(field_type_name(&timestamp), "timestamp without time zone");
    }

    #[tokio::test]
    async fn null_counts_as_postgres() {
        assert_eq!(
            values("SELECT num_nulls(1, NULL, 2), num_nonnulls(1, NULL, 2), num_nulls(NULL), num_nonnulls(CAST(NULL AS INT))").await,
            ["1", "2", "1", "0"]
        );
        assert!(error("SELECT num_nulls()").await.0.starts_with("42"));
    }
}
