//! `concat` and `concat_ws` as PostgreSQL prints their arguments: each value in its text
//! output form (`true` is `t`, a float its shortest digits, an array `{1,2}`), NULLs
//! skipped; DataFusion casts to text with Arrow's forms (`true`). `concat_ws` with a NULL
//! separator is NULL.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, ScalarValue};

use super::strings::value_text;
use super::{no_such_function, text, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, returns, row| {
        PgFunction::new(
            name,
            |types| Ok(types.to_vec()),
            returns,
            Eval::Rows { strict: false, row },
        )
    };
    vec![
        f("concat", concat_returns, concat_row),
        f("concat_ws", concat_ws_returns, concat_ws_row),
    ]
}

fn concat_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields.is_empty() {
        return Err(no_such_function("concat", fields));
    }
    Ok(DataType::Utf8)
}

fn concat_ws_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    if fields.len() < 2 {
        return Err(no_such_function("concat_ws", fields));
    }
    Ok(DataType::Utf8)
}

/// The texts of the values that are not NULL.
fn texts(values: &[ScalarValue]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        if let Some(text) = value_text(value)? {
            out.push(text);
        }
    }
    Ok(out)
}

fn concat_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    Ok(text(texts(args)?.concat()))
}

fn concat_ws_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    match value_text(&args[0])? {
        Some(separator) => Ok(text(texts(&args[1..])?.join(&separator))),
        None => Ok(ScalarValue::Utf8(None)),
    }
}

#[cfg(test)]
mod tests {
    use crate::functions::test_support::row;

    /// PostgreSQL 15: `concat('a', 1, NULL, 2.50, true)` is `a12.50t`,
    /// `concat_ws('-', 'a', NULL, 'b', 3)` is `a-b-3`, `concat_ws(NULL, 'a')` NULL.
    #[tokio::test]
    async fn concat_like_postgres() {
        let values = row(
            "SELECT concat('a', 1, NULL, 2.50, true), concat_ws('-', 'a', NULL, 'b', 3), \
             concat_ws(NULL, 'a'), concat(NULL)",
        )
        .await
        .unwrap();
        assert_eq!(values, ["a12.50t", "a-b-3", "NULL", ""]);
    }
}
