//! PostgreSQL's array functions where DataFusion's differ: `array_length` (NULL for an empty
//! array or a missing dimension), `cardinality`, `array_ndims`, `array_dims`,
//! `array_lower`, `array_upper` and `array_position` typed `integer` (DataFusion's are
//! unsigned, sent as numeric), `array_positions` as `integer[]`, and `array_remove` and
//! `array_replace` of every matching element (DataFusion's change the first only), and
//! `array_fill` of one dimension (other lower bounds than 1 and more dimensions are 0A000).
//!
//! A multidimensional array is a list of lists; its dimensions are read from the first
//! element at each level (PostgreSQL's arrays are rectangular). Elements compare as
//! `IS NOT DISTINCT FROM`, as PostgreSQL's `array_position` and `array_remove` do.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, ListArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use fedgate_adapter_api::SqlState;

use super::{int_of, no_such_function, pg_error, text, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    let f = |name, coerce, returns, row| {
        PgFunction::new(name, coerce, returns, Eval::Rows { strict: false, row })
    };
    vec![
        f("array_length", coerce_list, int_returns, array_length_row),
        f("cardinality", coerce_list, int_returns, cardinality_row),
        f("array_ndims", coerce_list, int_returns, ndims_row),
        f("array_dims", coerce_list, text_returns, dims_row),
        f("array_lower", coerce_list, int_returns, lower_row),
        f("array_upper", coerce_list, int_returns, upper_row),
        f("array_position", coerce_position, int_returns, position_row),
        f(
            "array_positions",
            coerce_elements,
            positions_returns,
            positions_row,
        ),
        f(
            "array_remove",
            coerce_elements,
            same_list_returns,
            remove_row,
        ),
        f(
            "array_replace",
            coerce_elements,
            same_list_returns,
            replace_row,
        ),
        f("array_fill", coerce_fill, fill_returns, fill_row),
        f("trim_array", coerce_trim, same_list_returns, trim_array_row),
        f(ANY_EQUAL, coerce_elements, bool_returns, any_equal_row),
        f(
            MALFORMED_ARRAY,
            |types| Ok(types.to_vec()),
            |_, _| Ok(DataType::new_list(DataType::Utf8, true)),
            malformed_row,
        ),
    ]
}

/// `x = ANY (array)` (and `x <> ALL (array)`, its negation), which the statement rewrite
/// spells `array_contains(array, x)` and fedgate plans as this function: PostgreSQL's
/// three-valued answer, NULL when no element equals `x` but an element or `x` is NULL
/// (DataFusion's `array_has` answers false), false for an empty array.
pub(crate) const ANY_EQUAL: &str = "pg_any_equal";

/// The statement rewrite's stand-in for an array literal PostgreSQL cannot read
/// (`'{1,2'::int[]`): it fails with 22P02 `malformed array literal` when evaluated.
pub(crate) const MALFORMED_ARRAY: &str = "pg_malformed_array_literal";

fn malformed_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let text = args.first().map(text_of).unwrap_or_default();
    Err(pg_error(
        SqlState::InvalidTextRepresentation,
        format!("malformed array literal: \"{text}\""),
    ))
}

fn text_of(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Utf8(Some(t))
        | ScalarValue::Utf8View(Some(t))
        | ScalarValue::LargeUtf8(Some(t)) => t.clone(),
        other => other.to_string(),
    }
}

fn bool_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields.first().map(|f| f.data_type()) {
        Some(t) if (is_list(t) || t == &DataType::Null) && fields.len() == 2 => {
            Ok(DataType::Boolean)
        }
        _ => Err(no_such_function(ANY_EQUAL, fields)),
    }
}

fn any_equal_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some(items) = elements(&args[0]) else {
        return Ok(ScalarValue::Boolean(None));
    };
    let mut leaves = Vec::new();
    collect_leaves(&items, &mut leaves)?;
    if leaves.is_empty() {
        return Ok(ScalarValue::Boolean(Some(false)));
    }
    if args[1].is_null() {
        return Ok(ScalarValue::Boolean(None));
    }
    if leaves
        .iter()
        .any(|item| !item.is_null() && item == &args[1])
    {
        return Ok(ScalarValue::Boolean(Some(true)));
    }
    let unknown = leaves.iter().any(ScalarValue::is_null);
    Ok(ScalarValue::Boolean((!unknown).then_some(false)))
}

/// The elements of every dimension of an array, in order.
fn collect_leaves(items: &ArrayRef, leaves: &mut Vec<ScalarValue>) -> Result<()> {
    for i in 0..items.len() {
        let item = ScalarValue::try_from_array(items, i)?;
        match elements(&item) {
            Some(inner) if is_list(items.data_type()) => collect_leaves(&inner, leaves)?,
            _ => leaves.push(item),
        }
    }
    Ok(())
}

fn is_list(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
    )
}

/// Lists as `List`, dimensions as `bigint`.
fn coerce_list(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            DataType::LargeList(f) | DataType::FixedSizeList(f, _) => DataType::List(f.clone()),
            t if i > 0 && (t.is_integer() || t == &DataType::Null) => DataType::Int64,
            other => other.clone(),
        })
        .collect())
}

/// The values compared with the array's elements take their type.
fn coerce_elements(types: &[DataType]) -> Result<Vec<DataType>> {
    let mut coerced = coerce_list(types)?;
    if let Some(DataType::List(item)) = coerced.first().cloned() {
        if item.data_type() != &DataType::Null {
            for t in coerced.iter_mut().skip(1) {
                *t = item.data_type().clone();
            }
        }
    }
    Ok(coerced)
}

/// `array_position(array, element [, start])`: the start is an integer.
fn coerce_position(types: &[DataType]) -> Result<Vec<DataType>> {
    let mut coerced = coerce_elements(types)?;
    if coerced.len() == 3 {
        coerced[2] = DataType::Int64;
    }
    Ok(coerced)
}

/// The array as it is, the count as `bigint`.
fn coerce_trim(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| if i == 1 { DataType::Int64 } else { t.clone() })
        .collect())
}

fn int_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields.first().map(|f| f.data_type()) {
        Some(t) if is_list(t) || t == &DataType::Null => Ok(DataType::Int32),
        _ => Err(no_such_function("array_length", fields)),
    }
}

fn text_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields.first().map(|f| f.data_type()) {
        Some(t) if is_list(t) || t == &DataType::Null => Ok(DataType::Utf8),
        _ => Err(no_such_function("array_dims", fields)),
    }
}

fn positions_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields.first().map(|f| f.data_type()) {
        Some(t) if is_list(t) && fields.len() == 2 => Ok(DataType::new_list(DataType::Int32, true)),
        _ => Err(no_such_function("array_positions", fields)),
    }
}

fn same_list_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    match fields.first().map(|f| f.data_type()) {
        Some(t @ DataType::List(_)) => Ok(t.clone()),
        _ => Err(no_such_function("array_remove", fields)),
    }
}

/// The elements of a list value (`None` for NULL).
fn elements(value: &ScalarValue) -> Option<ArrayRef> {
    match value {
        ScalarValue::List(list) if !list.is_null(0) => Some(list.value(0)),
        ScalarValue::LargeList(list) if !list.is_null(0) => Some(list.value(0)),
        ScalarValue::FixedSizeList(list) if !list.is_null(0) => Some(list.value(0)),
        _ => None,
    }
}

/// The dimensions of an array: the lengths at each level of its first elements; none for
/// an empty array.
fn dimensions(value: &ScalarValue) -> Option<Vec<usize>> {
    let mut current = elements(value)?;
    let mut dims = Vec::new();
    loop {
        if current.is_empty() {
            break;
        }
        dims.push(current.len());
        let first = ScalarValue::try_from_array(&current, 0).ok()?;
        match elements(&first) {
            Some(inner)
                if matches!(
                    current.data_type(),
                    DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
                ) =>
            {
                current = inner
            }
            _ => break,
        }
    }
    Some(dims)
}

fn int_result(v: Option<usize>) -> ScalarValue {
    ScalarValue::Int32(v.map(|v| v as i32))
}

fn dimension_arg(args: &[ScalarValue]) -> Option<usize> {
    match args.get(1) {
        None => Some(1),
        Some(d) => int_of(d).filter(|d| *d >= 1).map(|d| d as usize),
    }
}

fn array_length_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some(dims) = dimensions(&args[0]) else {
        return Ok(ScalarValue::Int32(None));
    };
    Ok(int_result(
        dimension_arg(args).and_then(|d| dims.get(d - 1).copied()),
    ))
}

fn cardinality_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some(dims) = dimensions(&args[0]) else {
        return Ok(ScalarValue::Int32(None));
    };
    Ok(int_result(Some(if dims.is_empty() {
        0
    } else {
        dims.iter().product()
    })))
}

fn ndims_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let dims = dimensions(&args[0]).unwrap_or_default();
    Ok(int_result((!dims.is_empty()).then_some(dims.len())))
}

fn dims_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let dims = dimensions(&args[0]).unwrap_or_default();
    if dims.is_empty() {
        return Ok(ScalarValue::Utf8(None));
    }
    Ok(text(
        dims.iter().map(|n| format!("[1:{n}]")).collect::<String>(),
    ))
}

fn lower_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let dims = dimensions(&args[0]).unwrap_or_default();
    Ok(int_result(
        dimension_arg(args).filter(|d| *d <= dims.len()).map(|_| 1),
    ))
}

fn upper_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    array_length_row(args, &DataType::Int32)
}

/// The elements of a one-dimensional array as values; PostgreSQL refuses to search a
/// multidimensional one.
fn flat_elements(value: &ScalarValue) -> Result<Option<Vec<ScalarValue>>> {
    let Some(items) = elements(value) else {
        return Ok(None);
    };
    if matches!(
        items.data_type(),
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
    ) {
        return Err(pg_error(
            SqlState::FeatureNotSupported,
            "searching for elements in multidimensional arrays is not supported",
        ));
    }
    (0..items.len())
        .map(|i| ScalarValue::try_from_array(&items, i))
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn not_distinct(a: &ScalarValue, b: &ScalarValue) -> bool {
    (a.is_null() && b.is_null()) || (!a.is_null() && !b.is_null() && a == b)
}

fn position_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let Some(items) = flat_elements(&args[0])? else {
        return Ok(ScalarValue::Int32(None));
    };
    let start = match args.get(2) {
        Some(s) if s.is_null() => {
            return Err(pg_error(
                SqlState::NullValueNotAllowed,
                "initial position must not be null",
            ))
        }
        Some(s) => int_of(s).unwrap_or(1).max(1) as usize,
        None => 1,
    };
    let found = items
        .iter()
        .enumerate()
        .skip(start - 1)
        .find(|(_, item)| not_distinct(item, &args[1]))
        .map(|(i, _)| i + 1);
    Ok(int_result(found))
}

/// A list value of `field`'s element type.
fn list_of(field: &FieldRef, values: &[ScalarValue]) -> Result<ScalarValue> {
    let array = if values.is_empty() {
        datafusion::arrow::array::new_empty_array(field.data_type())
    } else {
        ScalarValue::iter_to_array(values.iter().cloned())?
    };
    let offsets = OffsetBuffer::from_lengths([array.len()]);
    Ok(ScalarValue::List(Arc::new(ListArray::try_new(
        field.clone(),
        offsets,
        array,
        None,
    )?)))
}

fn positions_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    let Some(items) = flat_elements(&args[0])? else {
        return ScalarValue::try_from(return_type);
    };
    let positions: Vec<ScalarValue> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| not_distinct(item, &args[1]))
        .map(|(i, _)| ScalarValue::Int32(Some(i as i32 + 1)))
        .collect();
    let field = Arc::new(Field::new_list_field(DataType::Int32, true));
    list_of(&field, &positions)
}

fn list_field(return_type: &DataType) -> Result<FieldRef> {
    match return_type {
        DataType::List(field) => Ok(field.clone()),
        other => Err(datafusion::error::DataFusionError::Internal(format!(
            "not a list: {other}"
        ))),
    }
}

fn remove_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    let Some(items) = flat_elements(&args[0])? else {
        return ScalarValue::try_from(return_type);
    };
    let kept: Vec<ScalarValue> = items
        .into_iter()
        .filter(|item| !not_distinct(item, &args[1]))
        .collect();
    list_of(&list_field(return_type)?, &kept)
}

/// `trim_array(a, n)`: `a` without its last `n` elements (of the first dimension);
/// 2202E when `n` is negative or more than the elements.
fn trim_array_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    let (Some(items), Some(count)) = (elements(&args[0]), int_of(&args[1])) else {
        return ScalarValue::try_from(return_type);
    };
    let length = items.len();
    let keep = usize::try_from(count)
        .ok()
        .and_then(|count| length.checked_sub(count))
        .ok_or_else(|| {
            pg_error(
                SqlState::ArraySubscriptError,
                format!("number of elements to trim must be between 0 and {length}"),
            )
        })?;
    let kept = items.slice(0, keep);
    let offsets = OffsetBuffer::from_lengths([kept.len()]);
    Ok(ScalarValue::List(Arc::new(ListArray::try_new(
        list_field(return_type)?,
        offsets,
        kept,
        None,
    )?)))
}

fn replace_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    let Some(items) = flat_elements(&args[0])? else {
        return ScalarValue::try_from(return_type);
    };
    let replaced: Vec<ScalarValue> = items
        .into_iter()
        .map(|item| {
            if not_distinct(&item, &args[1]) {
                args[2].clone()
            } else {
                item
            }
        })
        .collect();
    list_of(&list_field(return_type)?, &replaced)
}

/// `array_fill(value, dimensions [, lower_bounds])`: dimensions as a `bigint[]`.
fn coerce_fill(types: &[DataType]) -> Result<Vec<DataType>> {
    Ok(types
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            _ if i == 0 => t.clone(),
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
                DataType::new_list(DataType::Int64, true)
            }
            other => other.clone(),
        })
        .collect())
}

/// One dimension: the result type cannot depend on the dimensions' values (they become
/// constant only while DataFusion simplifies the plan, after its types are fixed).
fn fill_returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let ok = (2..=3).contains(&fields.len())
        && fields[1..]
            .iter()
            .all(|f| matches!(f.data_type(), DataType::List(_) | DataType::Null));
    if !ok {
        return Err(no_such_function("array_fill", fields));
    }
    let element = match fields[0].data_type() {
        DataType::Null => DataType::Utf8,
        other => other.clone(),
    };
    Ok(DataType::new_list(element, true))
}

fn fill_row(args: &[ScalarValue], return_type: &DataType) -> Result<ScalarValue> {
    let null_arrays = || {
        pg_error(
            SqlState::NullValueNotAllowed,
            "dimension array or low bound array cannot be null",
        )
    };
    let dims: Vec<ScalarValue> = match flat_elements(&args[1])? {
        Some(d) => d,
        None => return Err(null_arrays()),
    };
    let mut sizes = Vec::with_capacity(dims.len());
    for d in &dims {
        if d.is_null() {
            return Err(pg_error(
                SqlState::NullValueNotAllowed,
                "dimension values cannot be null",
            ));
        }
        let n = int_of(d).unwrap_or(0);
        if !(0..=134_217_727).contains(&n) {
            return Err(pg_error(
                SqlState::ProgramLimitExceeded,
                "array size exceeds the maximum allowed (134217727)",
            ));
        }
        sizes.push(n as usize);
    }
    if let Some(bounds) = args.get(2) {
        let bounds = flat_elements(bounds)?.ok_or_else(null_arrays)?;
        if bounds.len() != sizes.len() {
            return Err(pg_error(
                SqlState::ArraySubscriptError,
                "wrong number of array subscripts",
            ));
        }
        if bounds.iter().any(|b| int_of(b) != Some(1)) {
            return Err(pg_error(
                SqlState::FeatureNotSupported,
                "arrays with lower bounds other than 1 are not supported",
            ));
        }
    }
    // Nested lists from the innermost dimension out, typed as the result.
    let mut types = Vec::new();
    let mut t = return_type.clone();
    while let DataType::List(field) = &t {
        types.push(field.clone());
        t = field.data_type().clone();
    }
    if sizes.len() != types.len() {
        if sizes.contains(&0) || sizes.is_empty() {
            return list_of(&types[0], &[]);
        }
        return Err(pg_error(
            SqlState::FeatureNotSupported,
            "array_fill makes one-dimensional arrays only",
        ));
    }
    if sizes.contains(&0) {
        return list_of(&types[0], &[]);
    }
    let value = args[0].cast_to(&t)?;
    let mut level: Vec<ScalarValue> = vec![value; *sizes.last().unwrap_or(&0)];
    for (depth, size) in sizes.iter().enumerate().rev() {
        let list = list_of(&types[depth], &level)?;
        if depth == 0 {
            return Ok(list);
        }
        level = vec![list; sizes[depth - 1]];
        let _ = size;
    }
    list_of(&types[0], &[])
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row, type_of};

    async fn values(sql: &str) -> Vec<String> {
        row(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// PostgreSQL 15: `trim_array(ARRAY[1,2,3], 1)` is `{1,2}`, trimming all is `{}`, and
    /// trimming more than there is 2202E.
    #[tokio::test]
    async fn trim_array_as_postgres() {
        assert_eq!(
            values("SELECT trim_array(make_array(1, 2, 3), 1), trim_array(make_array(1, 2), 2), trim_array(make_array('a'), 0)").await,
            ["[1, 2]", "[]", "[a]"]
        );
        assert_eq!(
            error("SELECT trim_array(make_array(1, 2, 3), 4)").await,
            (
                "2202E".to_string(),
                "number of elements to trim must be between 0 and 3".to_string()
            )
        );
    }

    /// Expectations from PostgreSQL 15 (`'{}'::int[]` is `make_array()` of integers here).
    #[tokio::test]
    async fn arrays_as_postgres() {
        assert_eq!(
            values("SELECT array_length(CAST(make_array() AS INT[]), 1), cardinality(CAST(make_array() AS INT[])), array_length(make_array(1, 2, 3), 1), cardinality(make_array(make_array(1, 2), make_array(3, 4)))").await,
            ["NULL", "0", "3", "4"]
        );
        assert_eq!(
            values("SELECT array_length(make_array(1, 2), 2), array_length(make_array(make_array(1, 2), make_array(3, 4)), 2), array_length(make_array(1, 2), 0), array_length(make_array(1, 2))").await,
            ["NULL", "2", "NULL", "2"]
        );
        assert_eq!(
            values("SELECT array_position(make_array('a', 'b', 'c'), 'b'), array_positions(make_array(1, 2, 1), 1), array_remove(make_array(1, 2, 1), 1), array_replace(make_array(1, 2, 1), 1, 9)").await,
            ["2", "[1, 3]", "[2]", "[9, 2, 9]"]
        );
        assert_eq!(
            values("SELECT array_dims(make_array(make_array(1, 2, 3), make_array(4, 5, 6))), array_lower(make_array(1, 2), 1), array_upper(make_array(1, 2), 1), array_ndims(make_array(make_array(1))), array_position(make_array(1, NULL), NULL), array_position(make_array(1, 2, 1), 1, 2)").await,
            ["[1:2][1:3]", "1", "2", "2", "2", "3"]
        );
        assert_eq!(
            values("SELECT array_fill(7, make_array(3)), array_fill('a', make_array(2)), array_fill(7, make_array(0)), array_fill(7, make_array(3), make_array(1))").await,
            ["[7, 7, 7]", "[a, a]", "[]", "[7, 7, 7]"]
        );
        assert_eq!(
            error("SELECT array_fill(1, make_array(-1))").await,
            (
                "54000".to_string(),
                "array size exceeds the maximum allowed (134217727)".to_string()
            )
        );
        assert_eq!(
            type_of("SELECT array_length(make_array(1), 1)").await,
            datafusion::arrow::datatypes::DataType::Int32
        );
    }
}
