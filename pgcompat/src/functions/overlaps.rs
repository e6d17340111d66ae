//! `(start1, end1) OVERLAPS (start2, end2)` as PostgreSQL's `overlaps` functions answer it:
//! each period is put in order, then two periods overlap when one starts inside the other
//! or both start together; a NULL end gives NULL where the answer depends on it (the SQL
//! standard's rule, as `overlaps_timestamp` applies it). `crate::rewrite::pg_syntax`
//! rewrites the operator as a call (an `(start, interval)` period as `(start, start +
//! interval)`). Dates and timestamps compare as timestamps, with a `timestamptz` among them
//! as instants; times of day compare as times.

use datafusion::arrow::datatypes::{DataType, FieldRef, TimeUnit};
use datafusion::common::{Result, ScalarValue};

use super::calendar::timestamp_value_micros;
use super::{is_string, no_such_function, timestamp_type, timestamptz_type, Eval, PgFunction};

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![PgFunction::new(
        "overlaps",
        coerce,
        returns,
        Eval::Rows {
            strict: false,
            row: overlaps_row,
        },
    )]
}

fn is_time(t: &DataType) -> bool {
    matches!(t, DataType::Time32(_) | DataType::Time64(_))
}

/// One type for the four points: times stay times, a `timestamptz` among the points makes
/// them all instants, else timestamps.
fn coerce(types: &[DataType]) -> Result<Vec<DataType>> {
    let common = if types.iter().all(|t| is_time(t) || t == &DataType::Null) {
        DataType::Time64(TimeUnit::Microsecond)
    } else if types
        .iter()
        .any(|t| matches!(t, DataType::Timestamp(_, Some(_))))
    {
        timestamptz_type()
    } else {
        timestamp_type()
    };
    Ok(types
        .iter()
        .map(|t| match t {
            DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(_, _)
            | DataType::Time32(_)
            | DataType::Time64(_)
            | DataType::Null => common.clone(),
            t if is_string(t) => common.clone(),
            t => t.clone(),
        })
        .collect())
}

fn returns(fields: &[FieldRef], _: &[Option<&ScalarValue>]) -> Result<DataType> {
    let first = fields.first().map(|f| f.data_type());
    let same = fields.len() == 4 && fields.iter().all(|f| Some(f.data_type()) == first);
    match first {
        Some(DataType::Timestamp(_, _) | DataType::Time64(_)) if same => Ok(DataType::Boolean),
        _ => Err(no_such_function("overlaps", fields)),
    }
}

/// A point as a comparable number (microseconds), `None` for NULL.
fn point(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Time64Microsecond(v) => *v,
        other => timestamp_value_micros(other),
    }
}

/// A period in order: the start, and the end when it is known.
fn period(start: Option<i64>, end: Option<i64>) -> Option<(i64, Option<i64>)> {
    match (start, end) {
        (None, None) => None,
        (None, Some(end)) => Some((end, None)),
        (Some(start), Some(end)) if start > end => Some((end, Some(start))),
        (Some(start), end) => Some((start, end)),
    }
}

/// PostgreSQL's `overlaps_timestamp` on two ordered periods; `None` is NULL.
fn overlap(first: (i64, Option<i64>), second: (i64, Option<i64>)) -> Option<bool> {
    let ((s1, e1), (s2, e2)) = (first, second);
    let starts_inside = |start: i64, other_end: Option<i64>, own_end: Option<i64>| {
        let other_end = other_end?;
        if start < other_end {
            return Some(true);
        }
        own_end.map(|_| false)
    };
    match s1.cmp(&s2) {
        std::cmp::Ordering::Greater => starts_inside(s1, e2, e1),
        std::cmp::Ordering::Less => starts_inside(s2, e1, e2),
        std::cmp::Ordering::Equal => (e1.is_some() && e2.is_some()).then_some(true),
    }
}

fn overlaps_row(args: &[ScalarValue], _: &DataType) -> Result<ScalarValue> {
    let points: Vec<Option<i64>> = args.iter().map(point).collect();
    let answer = match (period(points[0], points[1]), period(points[2], points[3])) {
        (Some(first), Some(second)) => overlap(first, second),
        _ => None,
    };
    Ok(ScalarValue::Boolean(answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_support::row;

    #[test]
    fn periods_like_postgres() {
        // PostgreSQL 15: (1, 3) OVERLAPS (2, 4) is true, (1, 2) OVERLAPS (2, 3) false,
        // (3, 1) OVERLAPS (2, 2) true, (1, NULL) OVERLAPS (2, 3) NULL, (1, 2) OVERLAPS (1,
        // NULL) NULL, (1, NULL) OVERLAPS (0, 3) true.
        let check = |a, b, c, d| overlap(period(a, b).unwrap(), period(c, d).unwrap());
        assert_eq!(check(Some(1), Some(3), Some(2), Some(4)), Some(true));
        assert_eq!(check(Some(1), Some(2), Some(2), Some(3)), Some(false));
        assert_eq!(check(Some(3), Some(1), Some(2), Some(2)), Some(true));
        assert_eq!(check(Some(1), None, Some(2), Some(3)), None);
        assert_eq!(check(Some(1), Some(2), Some(1), None), None);
        assert_eq!(check(Some(1), None, Some(0), Some(3)), Some(true));
    }

    #[tokio::test]
    async fn dates_overlap_like_postgres() {
        let values = row(
            "SELECT overlaps(DATE '2024-02-01', DATE '2024-03-01', DATE '2024-02-29', DATE '2024-04-01'), \
             overlaps(DATE '2024-01-01', DATE '2024-01-01' + INTERVAL '1 month', DATE '2024-02-01', DATE '2024-03-01')",
        )
        .await
        .unwrap();
        assert_eq!(values, ["true", "false"]);
    }
}
