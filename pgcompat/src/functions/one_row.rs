//! `fedgate_one_row(count, value)`: the value of a scalar subquery that must return at most
//! one row. `crate::rewrite::query_forms` turns a correlated scalar subquery without an
//! aggregate, which DataFusion 55 cannot decorrelate, into
//! `(SELECT fedgate_one_row(count(*), first_value(e)) FROM ... WHERE ...)`: `value` when the
//! subquery found at most one row (a NULL count is none), else PostgreSQL's 21000
//! `more than one row returned by a subquery used as an expression`.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use fedgate_adapter_api::SqlState;

use super::pg_error;

/// The function's name.
pub const ONE_ROW: &str = "fedgate_one_row";

/// `fedgate_one_row(bigint, any)` (see the module docs).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct OneRow {
    signature: Signature,
}

impl OneRow {
    pub fn new() -> Self {
        Self {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl Default for OneRow {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for OneRow {
    fn name(&self) -> &str {
        ONE_ROW
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        Ok(types.get(1).cloned().unwrap_or(DataType::Null))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [count, value] = args.args.as_slice() else {
            return Err(pg_error(
                SqlState::UndefinedFunction,
                "fedgate_one_row takes two arguments",
            ));
        };
        if several_rows(count)? {
            return Err(pg_error(
                SqlState::CardinalityViolation,
                "more than one row returned by a subquery used as an expression",
            ));
        }
        Ok(value.clone())
    }
}

/// Whether any count is above one.
fn several_rows(count: &ColumnarValue) -> Result<bool> {
    let above_one = |v: i64| v > 1;
    Ok(match count {
        ColumnarValue::Scalar(scalar) => match scalar.cast_to(&DataType::Int64)? {
            ScalarValue::Int64(Some(v)) => above_one(v),
            _ => false,
        },
        ColumnarValue::Array(array) => {
            let array = datafusion::arrow::compute::cast(array, &DataType::Int64)?;
            let counts = array.as_primitive::<Int64Type>();
            (0..counts.len()).any(|i| counts.is_valid(i) && above_one(counts.value(i)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row};

    #[tokio::test]
    async fn one_row_passes_several_rows_fail() {
        assert_eq!(
            row("SELECT fedgate_one_row(1, 'a'), fedgate_one_row(0, NULL)")
                .await
                .unwrap(),
            ["a", "NULL"]
        );
        let (code, message) = error(
            "SELECT fedgate_one_row(count(*), first_value(v)) FROM (VALUES (1), (2)) AS t(v)",
        )
        .await;
        assert_eq!(code, "21000", "{message}");
    }
}
