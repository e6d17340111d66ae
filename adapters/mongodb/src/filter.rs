//! SQL filters → MongoDB query documents for `$match`, only where both mean the same.
//!
//! A filter is translated (and reported `Exact` to DataFusion) only when MongoDB selects
//! exactly the rows DataFusion would keep, for documents whose values have the inferred types.
//! Supported: `=, <>, <, <=, >, >=` between a top-level column and a literal of the column's
//! type family, `IS [NOT] NULL`, `[NOT] IN (literals)`, `[NOT] BETWEEN`, a boolean column as a
//! predicate, `IS [NOT] TRUE/FALSE`, and `AND`/`OR`/`NOT` of those.
//!
//! SQL's three-valued logic is kept by translating every predicate twice: the documents where
//! it is TRUE and those where it is FALSE (never the same as "not TRUE": NULL is neither).
//! `NOT p` is then "p is FALSE", so no MongoDB negation ever picks up NULL/missing fields.
//!
//! MongoDB semantics that shape the rules:
//! - `{f: {$eq: null}}` matches null *and missing* fields: that is SQL `f IS NULL` here (a
//!   missing field reads as NULL). It also matches arrays containing null, so for columns that
//!   may hold arrays (lists, JSON text) arrays are excluded explicitly.
//! - `$ne` / `$nin` match null and missing fields; SQL `f <> x` is not TRUE for NULL, so
//!   `f <> x` becomes `{$and: [{f: {$ne: x}}, {f: {$ne: null}}]}`, `NOT IN` gets `null` in
//!   its `$nin` list.
//! - MongoDB compares values of different BSON types by type order, without coercion: only
//!   literals of the column's family are pushed (numbers to number columns, strings to string
//!   columns, timestamps to date columns, booleans to bool columns, 24-hex text to ObjectId
//!   columns). Columns whose type is text standing for another BSON type (decimal text, JSON
//!   text, null-only), binary, structs and lists only get `IS [NOT] NULL`.
//! - Decimals: MongoDB compares Decimal128 values (and ints) by their value, exactly, as
//!   DataFusion compares Arrow decimals: a SQL decimal literal becomes a Decimal128 of the
//!   same value (`1.50`), an integer literal an int or long. Casts of a decimal column to a
//!   wider decimal, and of int/long columns to a decimal with room for their digits, keep
//!   every value and are followed.
//! - Strings compare bytewise in MongoDB's `simple` collation, as in DataFusion; string filters
//!   are not pushed when the collection (or view) has another default collation.
//! - Doubles: MongoDB has one NaN that matches no range comparison, DataFusion orders NaN above
//!   every number, so `>`/`>=` on a double column also match NaN; comparisons with a NaN or
//!   zero literal are not pushed (MongoDB: `-0 = 0`, DataFusion's total order: `-0 < 0`).
//!   Casts are followed only where exact: int → long, int → double, date → timestamp of any
//!   unit (long → double is not: doubles above 2^53 round).
//! - Field names with `.` or a leading `$` are paths/operators in a query: such columns are
//!   not filtered in MongoDB.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
use mongodb::bson::{doc, oid::ObjectId, Bson, DateTime, Document};

use crate::decimal;
use crate::declared::MILLIS_PER_DAY;
use crate::infer::{Column, InferredSchema, Shape};

/// Translates DataFusion filters on one collection.
#[derive(Debug, Clone, Copy)]
pub struct FilterTranslator<'a> {
    schema: &'a InferredSchema,
    simple_collation: bool,
}

/// A column reference in a comparison: the column, and the type it is cast to, if any.
struct ColumnRef<'a> {
    column: &'a Column,
    cast: Option<&'a DataType>,
}

impl<'a> FilterTranslator<'a> {
    /// `simple_collation`: the collection's default collation is MongoDB's `simple` (bytewise).
    pub fn new(schema: &'a InferredSchema, simple_collation: bool) -> Self {
        Self {
            schema,
            simple_collation,
        }
    }

    /// The `$match` condition selecting the rows where `filter` is TRUE, if it translates.
    pub fn translate(&self, filter: &Expr) -> Option<Document> {
        self.when(filter, true)
    }

    /// The `$match` document for several filters (all must hold); `None` when none translate.
    pub fn translate_all(&self, filters: &[Expr]) -> Option<Document> {
        let parts: Vec<Document> = filters.iter().filter_map(|f| self.translate(f)).collect();
        if parts.is_empty() {
            None
        } else {
            Some(all_of(parts))
        }
    }

    /// The documents where `expr` is `truth` (TRUE or FALSE; NULL is neither).
    fn when(&self, expr: &Expr, truth: bool) -> Option<Document> {
        match expr {
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
                Operator::And | Operator::Or => {
                    let l = self.when(left, truth)?;
                    let r = self.when(right, truth)?;
                    // TRUE of AND / FALSE of OR need both; the other two need either.
                    if (*op == Operator::And) == truth {
                        Some(all_of(vec![l, r]))
                    } else {
                        Some(any_of(vec![l, r]))
                    }
                }
                Operator::Eq
                | Operator::NotEq
                | Operator::Lt
                | Operator::LtEq
                | Operator::Gt
                | Operator::GtEq => {
                    let op = if truth { *op } else { negate(*op)? };
                    self.comparison(left, op, right)
                }
                _ => None,
            },
            Expr::Not(inner) => self.when(inner, !truth),
            Expr::IsNull(inner) => self.null_check(inner, truth),
            Expr::IsNotNull(inner) => self.null_check(inner, !truth),
            Expr::IsTrue(inner) => self.is_truth(inner, true, truth),
            Expr::IsFalse(inner) => self.is_truth(inner, false, truth),
            Expr::IsNotTrue(inner) => self.is_truth(inner, true, !truth),
            Expr::IsNotFalse(inner) => self.is_truth(inner, false, !truth),
            Expr::InList(list) => {
                // FALSE of IN is NOT IN and the other way round.
                self.in_list(&list.expr, &list.list, list.negated != truth)
            }
            Expr::Between(between) => {
                let ge = binary(&between.expr, Operator::GtEq, &between.low);
                let le = binary(&between.expr, Operator::LtEq, &between.high);
                let inside =
                    Expr::BinaryExpr(BinaryExpr::new(Box::new(ge), Operator::And, Box::new(le)));
                self.when(&inside, truth != between.negated)
            }
            Expr::Column(_) => {
                let column = self.column_ref(expr)?;
                if column.column.shape != Shape::Boolean || column.cast.is_some() {
                    return None;
                }
                let field = &column.column.name;
                Some(doc! { field: { "$eq": truth } })
            }
            _ => None,
        }
    }

    /// `IS TRUE`-style tests (never NULL): `expr IS <value>` is `truth`.
    fn is_truth(&self, expr: &Expr, value: bool, truth: bool) -> Option<Document> {
        let holds = self.when(expr, value)?;
        if truth {
            Some(holds)
        } else {
            Some(doc! { "$nor": [holds] })
        }
    }

    /// `column IS NULL` when `is_null`, else `column IS NOT NULL`.
    fn null_check(&self, expr: &Expr, is_null: bool) -> Option<Document> {
        let column = self.column_ref(expr)?;
        if column.cast.is_some() {
            return None;
        }
        let field = column.column.name.as_str();
        let arrays = column.column.shape.may_hold_arrays();
        Some(match (is_null, arrays) {
            (true, false) => doc! { field: { "$eq": Bson::Null } },
            // `{f: null}` also matches arrays holding a null element.
            (true, true) => all_of(vec![
                doc! { field: { "$eq": Bson::Null } },
                doc! { field: { "$not": { "$type": "array" } } },
            ]),
            (false, false) => doc! { field: { "$ne": Bson::Null } },
            (false, true) => any_of(vec![
                doc! { field: { "$ne": Bson::Null } },
                doc! { field: { "$type": "array" } },
            ]),
        })
    }

    fn in_list(&self, expr: &Expr, list: &[Expr], inside: bool) -> Option<Document> {
        let column = self.column_ref(expr)?;
        if list.is_empty() {
            return None;
        }
        let values = list
            .iter()
            .map(|item| self.literal_for(&column, literal(item)?))
            .collect::<Option<Vec<Bson>>>()?;
        let field = column.column.name.as_str();
        if inside {
            Some(doc! { field: { "$in": values } })
        } else {
            let mut values = values;
            values.push(Bson::Null);
            Some(doc! { field: { "$nin": values } })
        }
    }

    /// `left op right` with one side a column and the other a literal.
    fn comparison(&self, left: &Expr, op: Operator, right: &Expr) -> Option<Document> {
        let (column_side, value, op) = match (literal(left), literal(right)) {
            (None, Some(value)) => (left, value, op),
            (Some(value), None) => (right, value, swap(op)?),
            _ => return None,
        };
        let column = self.column_ref(column_side)?;
        let value = self.literal_for(&column, value)?;
        let field = column.column.name.as_str();
        let may_be_nan = column.column.shape == Shape::Double;
        Some(match op {
            Operator::Eq => doc! { field: { "$eq": value } },
            Operator::NotEq => all_of(vec![
                doc! { field: { "$ne": value } },
                doc! { field: { "$ne": Bson::Null } },
            ]),
            Operator::Lt => doc! { field: { "$lt": value } },
            Operator::LtEq => doc! { field: { "$lte": value } },
            Operator::Gt | Operator::GtEq => {
                let name = if op == Operator::Gt { "$gt" } else { "$gte" };
                let range = doc! { field: { name: value } };
                if may_be_nan {
                    // DataFusion orders NaN above all numbers; MongoDB's NaN matches no range.
                    any_of(vec![range, doc! { field: { "$eq": f64::NAN } }])
                } else {
                    range
                }
            }
            _ => return None,
        })
    }

    /// A top-level column (possibly under an exact widening cast) usable in a query.
    fn column_ref<'e>(&self, expr: &'e Expr) -> Option<ColumnRef<'e>>
    where
        'a: 'e,
    {
        let (name, cast) = match expr {
            Expr::Column(c) => (c.name.as_str(), None),
            Expr::Cast(cast) => match cast.expr.as_ref() {
                Expr::Column(c) => (c.name.as_str(), Some(cast.field.data_type())),
                _ => return None,
            },
            _ => return None,
        };
        if name.is_empty() || name.contains(['.', '\0']) || name.starts_with('$') {
            return None;
        }
        let column = self.schema.column(name)?;
        if let Some(target) = cast {
            let exact = match (&column.shape, target) {
                (Shape::Int32, DataType::Int64 | DataType::Float64)
                | (Shape::DateTime, DataType::Timestamp(_, _))
                | (Shape::LocalTimestamp, DataType::Timestamp(_, None))
                | (Shape::Date, DataType::Timestamp(_, None)) => true,
                (Shape::Int32, DataType::Decimal128(p, s)) => i32::from(*p) - i32::from(*s) >= 10,
                (Shape::Int64, DataType::Decimal128(p, s)) => i32::from(*p) - i32::from(*s) >= 19,
                (
                    Shape::Decimal { precision, scale },
                    DataType::Decimal128(to_precision, to_scale),
                ) => {
                    to_scale >= scale
                        && i32::from(*to_precision) - i32::from(*to_scale)
                            >= i32::from(*precision) - i32::from(*scale)
                }
                _ => false,
            };
            if !exact {
                return None;
            }
        }
        Some(ColumnRef { column, cast })
    }

    /// The BSON literal to compare `column` with, when MongoDB compares it as DataFusion does.
    fn literal_for(&self, column: &ColumnRef<'_>, value: &ScalarValue) -> Option<Bson> {
        let value = match value {
            ScalarValue::Dictionary(_, inner) => inner.as_ref(),
            other => other,
        };
        if value.is_null() {
            return None;
        }
        match &column.column.shape {
            Shape::Int32 | Shape::Int64 if matches!(value, ScalarValue::Decimal128(..)) => {
                decimal_literal(value)
            }
            Shape::Int32 | Shape::Int64 | Shape::Double => {
                let number = number_literal(value)?;
                // ±0 differ (MongoDB: -0 = 0), NaN differs (one NaN, matches no range).
                let float_column =
                    column.column.shape == Shape::Double || column.cast == Some(&DataType::Float64);
                match number {
                    Bson::Double(v) if v.is_nan() || v == 0.0 => None,
                    Bson::Int32(0) | Bson::Int64(0) if float_column => None,
                    other => Some(other),
                }
            }
            Shape::Decimal { .. } => decimal_literal(value),
            Shape::String if self.simple_collation => string_literal(value).map(Bson::from),
            Shape::ObjectId => {
                let text = string_literal(value)?;
                let oid = ObjectId::parse_str(text).ok()?;
                // Only the exact text DataFusion sees (lowercase hex) equals the ObjectId.
                (oid.to_hex() == text).then_some(Bson::ObjectId(oid))
            }
            Shape::Boolean => match value {
                ScalarValue::Boolean(Some(b)) => Some(Bson::Boolean(*b)),
                _ => None,
            },
            Shape::DateTime => {
                timestamp_millis(value).map(|ms| Bson::DateTime(DateTime::from_millis(ms)))
            }
            // The UTC wall clock of the BSON date is the column's value.
            Shape::LocalTimestamp | Shape::Date if is_local_timestamp(value) => {
                timestamp_millis(value).map(|ms| Bson::DateTime(DateTime::from_millis(ms)))
            }
            Shape::Date if column.cast.is_none() => match value {
                ScalarValue::Date32(Some(day)) => Some(Bson::DateTime(DateTime::from_millis(
                    i64::from(*day) * MILLIS_PER_DAY,
                ))),
                _ => None,
            },
            _ => None,
        }
    }
}

fn literal(expr: &Expr) -> Option<&ScalarValue> {
    match expr {
        Expr::Literal(value, _) => Some(value),
        _ => None,
    }
}

fn number_literal(value: &ScalarValue) -> Option<Bson> {
    Some(match value {
        ScalarValue::Int8(Some(v)) => Bson::Int32(i32::from(*v)),
        ScalarValue::Int16(Some(v)) => Bson::Int32(i32::from(*v)),
        ScalarValue::Int32(Some(v)) => Bson::Int32(*v),
        ScalarValue::Int64(Some(v)) => Bson::Int64(*v),
        ScalarValue::UInt8(Some(v)) => Bson::Int32(i32::from(*v)),
        ScalarValue::UInt16(Some(v)) => Bson::Int32(i32::from(*v)),
        ScalarValue::UInt32(Some(v)) => Bson::Int64(i64::from(*v)),
        ScalarValue::UInt64(Some(v)) => Bson::Int64(i64::try_from(*v).ok()?),
        ScalarValue::Float32(Some(v)) => Bson::Double(f64::from(*v)),
        ScalarValue::Float64(Some(v)) => Bson::Double(*v),
        _ => return None,
    })
}

/// A literal compared with decimals: a SQL decimal as the Decimal128 of its value, an integer
/// as an int or long (MongoDB compares them by value); doubles are not decimal values.
fn decimal_literal(value: &ScalarValue) -> Option<Bson> {
    match value {
        ScalarValue::Decimal128(Some(v), _, scale) => {
            decimal::to_bson(*v, *scale).map(Bson::Decimal128)
        }
        other => match number_literal(other)? {
            Bson::Double(_) => None,
            integer => Some(integer),
        },
    }
}

fn string_literal(value: &ScalarValue) -> Option<&str> {
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(s),
        _ => None,
    }
}

/// A timestamp literal without a time zone (compared with a `timestamp` column's wall clock).
fn is_local_timestamp(value: &ScalarValue) -> bool {
    matches!(
        value,
        ScalarValue::TimestampSecond(_, None)
            | ScalarValue::TimestampMillisecond(_, None)
            | ScalarValue::TimestampMicrosecond(_, None)
            | ScalarValue::TimestampNanosecond(_, None)
    )
}

/// A timestamp literal as exact milliseconds since the epoch (the time zone does not change
/// the instant); `None` when it has sub-millisecond digits.
fn timestamp_millis(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::TimestampSecond(Some(v), _) => v.checked_mul(1000),
        ScalarValue::TimestampMillisecond(Some(v), _) => Some(*v),
        ScalarValue::TimestampMicrosecond(Some(v), _) => (v % 1000 == 0).then_some(v / 1000),
        ScalarValue::TimestampNanosecond(Some(v), _) => {
            (v % 1_000_000 == 0).then_some(v / 1_000_000)
        }
        _ => None,
    }
}

fn binary(left: &Expr, op: Operator, right: &Expr) -> Expr {
    Expr::BinaryExpr(BinaryExpr::new(
        Box::new(left.clone()),
        op,
        Box::new(right.clone()),
    ))
}

/// The comparison that is TRUE exactly where `op` is FALSE (for non-NULL operands).
fn negate(op: Operator) -> Option<Operator> {
    Some(match op {
        Operator::Eq => Operator::NotEq,
        Operator::NotEq => Operator::Eq,
        Operator::Lt => Operator::GtEq,
        Operator::LtEq => Operator::Gt,
        Operator::Gt => Operator::LtEq,
        Operator::GtEq => Operator::Lt,
        _ => return None,
    })
}

/// `a op b` as `b op' a`.
fn swap(op: Operator) -> Option<Operator> {
    Some(match op {
        Operator::Eq => Operator::Eq,
        Operator::NotEq => Operator::NotEq,
        Operator::Lt => Operator::Gt,
        Operator::LtEq => Operator::GtEq,
        Operator::Gt => Operator::Lt,
        Operator::GtEq => Operator::LtEq,
        _ => return None,
    })
}

/// `$and` of the parts (flattened; a single part stands alone).
pub fn all_of(parts: Vec<Document>) -> Document {
    combine("$and", parts)
}

/// `$or` of the parts (flattened; a single part stands alone).
pub fn any_of(parts: Vec<Document>) -> Document {
    combine("$or", parts)
}

fn combine(operator: &str, parts: Vec<Document>) -> Document {
    let mut flat: Vec<Bson> = Vec::with_capacity(parts.len());
    for part in parts {
        match nested_parts(&part, operator) {
            Some(inner) => flat.extend(inner.iter().cloned()),
            None => flat.push(Bson::Document(part)),
        }
    }
    if flat.len() == 1 {
        if let Some(Bson::Document(only)) = flat.pop() {
            return only;
        }
    }
    doc! { operator: flat }
}

/// The clauses of `{operator: [...]}` when that is the document's only key.
fn nested_parts<'d>(part: &'d Document, operator: &str) -> Option<&'d Vec<Bson>> {
    if part.len() != 1 {
        return None;
    }
    part.get_array(operator).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::TimeUnit;
    use datafusion::prelude::{cast, col, lit, not};
    use mongodb::bson::Decimal128;

    fn schema() -> InferredSchema {
        let docs = [
            doc! {
                "_id": ObjectId::parse_str("65f1a2b3c4d5e6f708192a3b").unwrap(),
                "i": 1_i32, "l": 2_i64, "f": 1.5, "s": "x", "b": true,
                "t": DateTime::from_millis(0), "m": Decimal128::from_bytes([0; 16]),
                "d": "120000.50".parse::<Decimal128>().unwrap(),
                "mixed": 1, "tags": ["a"], "sub": {"k": 1}, "n": null,
                "a.b": 1, "$x": 1,
            },
            doc! { "_id": ObjectId::new(), "mixed": "one" },
        ];
        InferredSchema::infer(&docs)
    }

    fn json(d: &Document) -> String {
        Bson::Document(d.clone()).into_relaxed_extjson().to_string()
    }

    fn tr(expr: Expr) -> Option<String> {
        let s = schema();
        FilterTranslator::new(&s, true)
            .translate(&expr)
            .map(|d| json(&d))
    }

    #[test]
    fn comparisons() {
        assert_eq!(tr(col("i").eq(lit(5))).unwrap(), r#"{"i":{"$eq":5}}"#);
        assert_eq!(tr(col("l").lt(lit(5_i64))).unwrap(), r#"{"l":{"$lt":5}}"#);
        assert_eq!(
            tr(col("l").lt_eq(lit(5_i64))).unwrap(),
            r#"{"l":{"$lte":5}}"#
        );
        assert_eq!(tr(col("i").gt(lit(5))).unwrap(), r#"{"i":{"$gt":5}}"#);
        assert_eq!(
            tr(col("s").gt_eq(lit("m"))).unwrap(),
            r#"{"s":{"$gte":"m"}}"#
        );
        assert_eq!(
            tr(col("b").eq(lit(false))).unwrap(),
            r#"{"b":{"$eq":false}}"#
        );
        // Literal on the left.
        assert_eq!(tr(lit(5).lt(col("i"))).unwrap(), r#"{"i":{"$gt":5}}"#);
    }

    #[test]
    fn not_equal_excludes_null_and_missing() {
        assert_eq!(
            tr(col("s").not_eq(lit("x"))).unwrap(),
            r#"{"$and":[{"s":{"$ne":"x"}},{"s":{"$ne":null}}]}"#
        );
        // NOT (s = 'x') is the same; NOT (s <> 'x') is s = 'x'.
        assert_eq!(
            tr(not(col("s").eq(lit("x")))),
            tr(col("s").not_eq(lit("x")))
        );
        assert_eq!(
            tr(not(col("s").not_eq(lit("x")))).unwrap(),
            r#"{"s":{"$eq":"x"}}"#
        );
    }

    #[test]
    fn null_checks() {
        assert_eq!(tr(col("i").is_null()).unwrap(), r#"{"i":{"$eq":null}}"#);
        assert_eq!(
            tr(col("sub").is_not_null()).unwrap(),
            r#"{"sub":{"$ne":null}}"#
        );
        assert_eq!(tr(col("m").is_null()).unwrap(), r#"{"m":{"$eq":null}}"#);
        // Columns that may hold arrays exclude arrays with a null element.
        assert_eq!(
            tr(col("tags").is_null()).unwrap(),
            r#"{"$and":[{"tags":{"$eq":null}},{"tags":{"$not":{"$type":"array"}}}]}"#
        );
        assert_eq!(
            tr(col("mixed").is_not_null()).unwrap(),
            r#"{"$or":[{"mixed":{"$ne":null}},{"mixed":{"$type":"array"}}]}"#
        );
        assert_eq!(tr(not(col("i").is_null())), tr(col("i").is_not_null()));
    }

    #[test]
    fn in_lists() {
        assert_eq!(
            tr(col("i").in_list(vec![lit(1), lit(2)], false)).unwrap(),
            r#"{"i":{"$in":[1,2]}}"#
        );
        assert_eq!(
            tr(col("s").in_list(vec![lit("a"), lit("b")], true)).unwrap(),
            r#"{"s":{"$nin":["a","b",null]}}"#
        );
        assert_eq!(
            tr(not(col("i").in_list(vec![lit(1)], false))).unwrap(),
            r#"{"i":{"$nin":[1,null]}}"#
        );
        // A NULL in the list is never pushed.
        assert!(tr(col("i").in_list(vec![lit(1), lit(ScalarValue::Int32(None))], false)).is_none());
    }

    #[test]
    fn and_or_not_keep_three_valued_logic() {
        assert_eq!(
            tr(col("i").gt(lit(1)).and(col("s").eq(lit("x")))).unwrap(),
            r#"{"$and":[{"i":{"$gt":1}},{"s":{"$eq":"x"}}]}"#
        );
        assert_eq!(
            tr(col("i")
                .gt(lit(1))
                .or(col("i").lt(lit(0)).or(col("i").is_null())))
            .unwrap(),
            r#"{"$or":[{"i":{"$gt":1}},{"i":{"$lt":0}},{"i":{"$eq":null}}]}"#
        );
        // NOT (a AND b) = (NOT a) OR (NOT b), each excluding NULL.
        assert_eq!(
            tr(not(col("i").gt(lit(1)).and(col("s").eq(lit("x"))))).unwrap(),
            r#"{"$or":[{"i":{"$lte":1}},{"$and":[{"s":{"$ne":"x"}},{"s":{"$ne":null}}]}]}"#
        );
        assert_eq!(
            tr(not(col("i").gt(lit(1)).or(col("i").is_null()))).unwrap(),
            r#"{"$and":[{"i":{"$lte":1}},{"i":{"$ne":null}}]}"#
        );
        assert_eq!(tr(not(not(col("i").eq(lit(3))))), tr(col("i").eq(lit(3))));
    }

    #[test]
    fn boolean_columns_and_truth_tests() {
        assert_eq!(tr(col("b")).unwrap(), r#"{"b":{"$eq":true}}"#);
        assert_eq!(tr(not(col("b"))).unwrap(), r#"{"b":{"$eq":false}}"#);
        assert_eq!(tr(col("b").is_true()).unwrap(), r#"{"b":{"$eq":true}}"#);
        assert_eq!(
            tr(col("b").is_not_true()).unwrap(),
            r#"{"$nor":[{"b":{"$eq":true}}]}"#
        );
        assert_eq!(
            tr(col("i").gt(lit(3)).is_not_false()).unwrap(),
            r#"{"$nor":[{"i":{"$lte":3}}]}"#
        );
        assert_eq!(
            tr(col("i").gt(lit(3)).is_false()).unwrap(),
            r#"{"i":{"$lte":3}}"#
        );
        assert!(tr(col("s")).is_none());
    }

    #[test]
    fn between() {
        assert_eq!(
            tr(col("i").between(lit(1), lit(5))).unwrap(),
            r#"{"$and":[{"i":{"$gte":1}},{"i":{"$lte":5}}]}"#
        );
        assert_eq!(
            tr(col("i").not_between(lit(1), lit(5))).unwrap(),
            r#"{"$or":[{"i":{"$lt":1}},{"i":{"$gt":5}}]}"#
        );
    }

    #[test]
    fn doubles_nan_and_zero() {
        assert_eq!(
            tr(col("f").gt(lit(2.5))).unwrap(),
            r#"{"$or":[{"f":{"$gt":2.5}},{"f":{"$eq":{"$numberDouble":"NaN"}}}]}"#
        );
        assert_eq!(tr(col("f").lt(lit(2.5))).unwrap(), r#"{"f":{"$lt":2.5}}"#);
        // NOT (f < 2.5) is f >= 2.5, which in DataFusion includes NaN.
        assert_eq!(
            tr(not(col("f").lt(lit(2.5)))).unwrap(),
            r#"{"$or":[{"f":{"$gte":2.5}},{"f":{"$eq":{"$numberDouble":"NaN"}}}]}"#
        );
        assert!(tr(col("f").eq(lit(0.0))).is_none());
        assert!(tr(col("f").lt(lit(-0.0))).is_none());
        assert!(tr(col("f").eq(lit(f64::NAN))).is_none());
        assert!(tr(col("f").gt(lit(0_i64))).is_none());
        assert!(tr(col("i").eq(lit(0))).is_some());
    }

    #[test]
    fn casts_only_when_exact() {
        assert_eq!(
            tr(cast(col("i"), DataType::Int64).eq(lit(7_i64))).unwrap(),
            r#"{"i":{"$eq":7}}"#
        );
        assert_eq!(
            tr(cast(col("i"), DataType::Float64).gt(lit(1.5))).unwrap(),
            r#"{"i":{"$gt":1.5}}"#
        );
        assert!(tr(cast(col("l"), DataType::Float64).gt(lit(1.5))).is_none());
        assert!(tr(cast(col("s"), DataType::Int64).eq(lit(1_i64))).is_none());
        assert!(tr(cast(col("i"), DataType::Float64).eq(lit(0.0))).is_none());
    }

    #[test]
    fn decimals_compare_by_value() {
        // d is numeric(18,2); DataFusion's literal is a decimal of the same value.
        let price = |v: i128, p: u8, s: i8| lit(ScalarValue::Decimal128(Some(v), p, s));
        assert_eq!(
            tr(col("d").gt(price(10000050, 18, 2))).unwrap(),
            r#"{"d":{"$gt":{"$numberDecimal":"100000.50"}}}"#
        );
        assert_eq!(
            tr(col("d").not_eq(price(-15, 3, 1))).unwrap(),
            r#"{"$and":[{"d":{"$ne":{"$numberDecimal":"-1.5"}}},{"d":{"$ne":null}}]}"#
        );
        assert_eq!(
            tr(col("d").in_list(vec![price(0, 1, 0), lit(7_i64)], false)).unwrap(),
            r#"{"d":{"$in":[{"$numberDecimal":"0"},7]}}"#
        );
        // Widening casts keep every value; narrowing ones and doubles are not pushed.
        let wide = cast(col("d"), DataType::Decimal128(20, 3));
        assert_eq!(
            tr(wide.lt_eq(price(1, 20, 3))).unwrap(),
            r#"{"d":{"$lte":{"$numberDecimal":"0.001"}}}"#
        );
        let narrow = cast(col("d"), DataType::Decimal128(18, 1));
        assert!(tr(narrow.eq(price(1, 18, 1))).is_none());
        assert!(tr(col("d").gt(lit(1.5))).is_none());
        assert!(tr(cast(col("d"), DataType::Float64).gt(lit(1.5))).is_none());
        // Int columns compared with a decimal.
        let int_as_decimal = cast(col("i"), DataType::Decimal128(12, 2));
        assert_eq!(
            tr(int_as_decimal.gt(price(150, 12, 2))).unwrap(),
            r#"{"i":{"$gt":{"$numberDecimal":"1.50"}}}"#
        );
        assert!(tr(cast(col("l"), DataType::Decimal128(12, 2)).gt(price(1, 12, 2))).is_none());
        // Decimal text (a value no Arrow decimal holds) is not compared.
        assert!(tr(col("m").eq(price(0, 1, 0))).is_none());
    }

    #[test]
    fn timestamps() {
        let ms = ScalarValue::TimestampMillisecond(Some(1_700_000_000_000), Some("+00:00".into()));
        assert_eq!(
            tr(col("t").gt_eq(lit(ms))).unwrap(),
            r#"{"t":{"$gte":{"$date":"2023-11-14T22:13:20Z"}}}"#
        );
        let ns = ScalarValue::TimestampNanosecond(Some(1_700_000_000_000_000_000), None);
        let cast_t = cast(col("t"), DataType::Timestamp(TimeUnit::Nanosecond, None));
        assert_eq!(
            tr(cast_t.clone().lt(lit(ns))).unwrap(),
            r#"{"t":{"$lt":{"$date":"2023-11-14T22:13:20Z"}}}"#
        );
        let sub_ms = ScalarValue::TimestampNanosecond(Some(1_700_000_000_000_000_001), None);
        assert!(tr(cast_t.lt(lit(sub_ms))).is_none());
        // Strings are not dates in MongoDB.
        assert!(tr(col("t").gt(lit("2024-01-01"))).is_none());
    }

    #[test]
    fn declared_dates_compare_as_bson_dates() {
        let declared = [
            ("t".to_string(), crate::declared::DateKind::Date),
            ("w".to_string(), crate::declared::DateKind::Timestamp),
        ];
        let s = schema().with_declared_dates("db.c", &declared).unwrap();
        let tr = |expr: Expr| {
            FilterTranslator::new(&s, true)
                .translate(&expr)
                .map(|d| json(&d))
        };
        // 2024-02-29 is day 19782.
        assert_eq!(
            tr(col("t").gt_eq(lit(ScalarValue::Date32(Some(19_782))))).unwrap(),
            r#"{"t":{"$gte":{"$date":"2024-02-29T00:00:00Z"}}}"#
        );
        let wall = ScalarValue::TimestampMicrosecond(Some(1_709_214_300_000_000), None);
        assert_eq!(
            tr(col("w").lt(lit(wall))).unwrap(),
            r#"{"w":{"$lt":{"$date":"2024-02-29T13:45:00Z"}}}"#
        );
        // An instant (with a zone) is not a wall-clock time.
        let instant = ScalarValue::TimestampMillisecond(Some(0), Some("+00:00".into()));
        assert!(tr(col("w").lt(lit(instant))).is_none());
    }

    #[test]
    fn object_ids() {
        assert_eq!(
            tr(col("_id").eq(lit("65f1a2b3c4d5e6f708192a3b"))).unwrap(),
            r#"{"_id":{"$eq":{"$oid":"65f1a2b3c4d5e6f708192a3b"}}}"#
        );
        assert!(tr(col("_id").eq(lit("65F1A2B3C4D5E6F708192A3B"))).is_none());
        assert!(tr(col("_id").eq(lit("not-an-oid"))).is_none());
    }

    #[test]
    fn not_pushable() {
        // Type family mismatches (no coercion in MongoDB).
        assert!(tr(col("s").eq(lit(5))).is_none());
        assert!(tr(col("i").eq(lit("5"))).is_none());
        // Text standing for other types, mixed types, nested values.
        assert!(tr(col("m").eq(lit("1.5"))).is_none());
        assert!(tr(col("mixed").eq(lit("one"))).is_none());
        assert!(tr(col("n").eq(lit("x"))).is_none());
        assert!(tr(col("tags").eq(lit("a"))).is_none());
        // Dotted and $-prefixed field names are paths/operators in MongoDB.
        assert!(tr(col("a.b").eq(lit(1))).is_none());
        assert!(tr(col("$x").is_null()).is_none());
        // Unknown columns, column-to-column, functions, LIKE, NULL literals.
        assert!(tr(col("nope").eq(lit(1))).is_none());
        assert!(tr(col("i").eq(col("l"))).is_none());
        assert!(tr((col("i") + lit(1)).eq(lit(2))).is_none());
        assert!(tr(col("s").like(lit("x%"))).is_none());
        assert!(tr(col("i").eq(lit(ScalarValue::Int32(None)))).is_none());
        // An OR with one untranslatable side is not pushed at all.
        assert!(tr(col("i").eq(lit(1)).or(col("s").like(lit("x%")))).is_none());
    }

    #[test]
    fn strings_need_the_simple_collation() {
        let s = schema();
        let t = FilterTranslator::new(&s, false);
        assert!(t.translate(&col("s").eq(lit("x"))).is_none());
        assert!(t.translate(&col("i").eq(lit(1))).is_some());
        assert!(t.translate(&col("s").is_null()).is_some());
    }

    #[test]
    fn several_filters() {
        let s = schema();
        let t = FilterTranslator::new(&s, true);
        let all = t
            .translate_all(&[col("i").gt(lit(1)), col("s").like(lit("%")), col("b")])
            .unwrap();
        assert_eq!(
            json(&all),
            r#"{"$and":[{"i":{"$gt":1}},{"b":{"$eq":true}}]}"#
        );
        assert!(t.translate_all(&[]).is_none());
    }
}
