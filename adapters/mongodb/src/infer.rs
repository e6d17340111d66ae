//! Schema inference: the BSON types seen in sampled documents, merged into one Arrow schema.
//!
//! The rules are in `TYPES.md` (and the crate documentation); in short: one BSON type per
//! field maps to its Arrow type, Int32/Int64 widen to Int64, integers and doubles to Float64,
//! Decimal128 values (with ints) to the `Decimal128(p, s)` that holds all of them exactly
//! (at least 18 digits; text when none does),
//! subdocuments become structs (the union of their fields), arrays become lists when their
//! elements share a type, and everything else (conflicting types, mixed arrays, rare BSON
//! types) becomes Utf8 holding relaxed Extended JSON text.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use fedgate_adapter_api::{AdapterError, Result, SqlState};
use mongodb::bson::{Bson, Document};

use crate::decimal::{DecimalValue, MAX_PRECISION};
use crate::declared::DateKind;

/// The least precision of an inferred decimal column: values up to this many digits fit
/// even when the sample had only smaller ones (a sample seldom holds the largest value).
pub const MIN_DECIMAL_PRECISION: u8 = 18;

/// The integer digits an int (Int32) and a long (Int64) may need in a decimal column.
const INT32_DIGITS: u8 = 10;
const INT64_DIGITS: u8 = 19;

/// The time zone of timestamp columns (BSON dates are UTC instants).
pub const UTC: &str = "+00:00";

/// The merged BSON type of one field across the sampled documents.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Only nulls (or undefined, or empty arrays' elements) seen: Utf8, values as JSON text.
    Null,
    Int32,
    Int64,
    Double,
    String,
    Boolean,
    DateTime,
    /// A date field declared `date` (`column_types`): Date32, the UTC calendar day.
    Date,
    /// A date field declared `timestamp`: Timestamp(Millisecond) without a zone, the UTC
    /// wall-clock time.
    LocalTimestamp,
    /// Utf8: the 24-digit lowercase hex text.
    ObjectId,
    /// Decimal128 values (and ints) that all have an exact value in an Arrow
    /// `Decimal128(precision, scale)`: `scale` is the most fraction digits seen, `precision`
    /// the most integer digits seen plus `scale` (at least [`MIN_DECIMAL_PRECISION`] once
    /// inferred, at most 38).
    Decimal {
        precision: u8,
        scale: i8,
    },
    /// Utf8, the exact decimal text (`1.50`, `1E+400`, `NaN`, `-Infinity`): Decimal128 values
    /// no Arrow decimal holds (NaN, infinities, more than 38 digits around the point).
    DecimalText,
    Binary,
    /// Struct with the union of the fields seen, in first-seen order.
    Document(Vec<(String, Shape)>),
    /// List of the merged element shape.
    Array(Box<Shape>),
    /// Utf8 holding relaxed Extended JSON text: conflicting types, arrays of mixed types,
    /// subdocuments without fields, and BSON types without an Arrow counterpart.
    Json,
}

impl Shape {
    /// The shape of one BSON value.
    pub fn of(value: &Bson) -> Shape {
        match value {
            Bson::Null | Bson::Undefined => Shape::Null,
            Bson::Int32(_) => Shape::Int32,
            Bson::Int64(_) => Shape::Int64,
            Bson::Double(_) => Shape::Double,
            Bson::String(_) => Shape::String,
            Bson::Boolean(_) => Shape::Boolean,
            Bson::DateTime(_) => Shape::DateTime,
            Bson::ObjectId(_) => Shape::ObjectId,
            Bson::Decimal128(d) => match DecimalValue::of(d).digits() {
                Some((integer, fraction)) => decimal_shape(integer, fraction),
                None => Shape::DecimalText,
            },
            Bson::Binary(_) => Shape::Binary,
            Bson::Document(doc) => {
                let mut fields: Vec<(String, Shape)> = Vec::with_capacity(doc.len());
                for (name, value) in doc {
                    merge_field(&mut fields, name, Shape::of(value));
                }
                Shape::Document(fields)
            }
            Bson::Array(items) => {
                let element = items
                    .iter()
                    .fold(Shape::Null, |acc, item| acc.merge(Shape::of(item)));
                if element == Shape::Json {
                    Shape::Json
                } else {
                    Shape::Array(Box::new(element))
                }
            }
            _ => Shape::Json,
        }
    }

    /// The least shape holding both.
    pub fn merge(self, other: Shape) -> Shape {
        use Shape::*;
        match (self, other) {
            (Json, _) | (_, Json) => Json,
            (Null, x) | (x, Null) => x,
            (Int32, Int32) => Int32,
            (Int32 | Int64, Int32 | Int64) => Int64,
            (
                Decimal {
                    precision: p1,
                    scale: s1,
                },
                Decimal {
                    precision: p2,
                    scale: s2,
                },
            ) => decimal_shape(
                u32::from(p1)
                    .saturating_sub(s1 as u32)
                    .max(u32::from(p2).saturating_sub(s2 as u32)),
                s1.max(s2) as u32,
            ),
            // Ints are exact in a decimal column with room for their digits.
            (Decimal { precision, scale }, Int32) | (Int32, Decimal { precision, scale }) => {
                Decimal { precision, scale }.merge(decimal_shape(u32::from(INT32_DIGITS), 0))
            }
            (Decimal { precision, scale }, Int64) | (Int64, Decimal { precision, scale }) => {
                Decimal { precision, scale }.merge(decimal_shape(u32::from(INT64_DIGITS), 0))
            }
            (DecimalText, Decimal { .. }) | (Decimal { .. }, DecimalText) => DecimalText,
            (Int32 | Int64 | Double, Int32 | Int64 | Double) => Double,
            (Document(mut a), Document(b)) => {
                for (name, shape) in b {
                    merge_field(&mut a, &name, shape);
                }
                Document(a)
            }
            (Array(a), Array(b)) => match a.merge(*b) {
                Json => Json,
                element => Array(Box::new(element)),
            },
            (a, b) if a == b => a,
            _ => Json,
        }
    }

    /// Subdocuments that never had a field become JSON text (Arrow structs need fields);
    /// decimals get at least [`MIN_DECIMAL_PRECISION`] digits.
    fn finish(self) -> Shape {
        match self {
            Shape::Decimal { precision, scale } => Shape::Decimal {
                precision: precision.max(MIN_DECIMAL_PRECISION),
                scale,
            },
            Shape::Document(fields) if fields.is_empty() => Shape::Json,
            Shape::Document(fields) => Shape::Document(
                fields
                    .into_iter()
                    .map(|(name, shape)| (name, shape.finish()))
                    .collect(),
            ),
            Shape::Array(element) => Shape::Array(Box::new(element.finish())),
            other => other,
        }
    }

    /// The Arrow type of a column of this shape.
    pub fn data_type(&self) -> DataType {
        match self {
            Shape::Null | Shape::String | Shape::ObjectId | Shape::DecimalText | Shape::Json => {
                DataType::Utf8
            }
            Shape::Decimal { precision, scale } => DataType::Decimal128(*precision, *scale),
            Shape::Int32 => DataType::Int32,
            Shape::Int64 => DataType::Int64,
            Shape::Double => DataType::Float64,
            Shape::Boolean => DataType::Boolean,
            Shape::DateTime => DataType::Timestamp(TimeUnit::Millisecond, Some(UTC.into())),
            Shape::Date => DataType::Date32,
            Shape::LocalTimestamp => DataType::Timestamp(TimeUnit::Millisecond, None),
            Shape::Binary => DataType::Binary,
            Shape::Document(fields) => DataType::Struct(struct_fields(fields)),
            Shape::Array(element) => DataType::List(Arc::new(list_item(element))),
        }
    }

    /// True for shapes whose values may be arrays (lists and JSON text columns).
    pub fn may_hold_arrays(&self) -> bool {
        matches!(self, Shape::Array(_) | Shape::Json)
    }

    /// The name of the shape for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Shape::Null => "null",
            Shape::Int32 => "int",
            Shape::Int64 => "long",
            Shape::Double => "number",
            Shape::String => "string",
            Shape::Boolean => "bool",
            Shape::DateTime | Shape::Date | Shape::LocalTimestamp => "date",
            Shape::ObjectId => "objectId",
            Shape::Decimal { .. } | Shape::DecimalText => "decimal",
            Shape::Binary => "binData",
            Shape::Document(_) => "object",
            Shape::Array(_) => "array",
            Shape::Json => "mixed",
        }
    }
}

/// The decimal shape of values with `integer` integer digits and `fraction` fraction digits,
/// or text when no Arrow decimal holds them.
fn decimal_shape(integer: u32, fraction: u32) -> Shape {
    let digits = integer.saturating_add(fraction).max(1);
    if digits > u32::from(MAX_PRECISION) {
        return Shape::DecimalText;
    }
    Shape::Decimal {
        precision: digits as u8,
        scale: fraction as i8,
    }
}

/// The item field of a list column.
pub fn list_item(element: &Shape) -> Field {
    Field::new("item", element.data_type(), true)
}

/// The fields of a struct column (all nullable).
pub fn struct_fields(fields: &[(String, Shape)]) -> Fields {
    fields
        .iter()
        .map(|(name, shape)| Field::new(name, shape.data_type(), true))
        .collect()
}

fn merge_field(fields: &mut Vec<(String, Shape)>, name: &str, shape: Shape) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some((_, existing)) => {
            let current = std::mem::replace(existing, Shape::Null);
            *existing = current.merge(shape);
        }
        None => fields.push((name.to_string(), shape)),
    }
}

/// Whether a collection's `_id` is a column (server option `include_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdColumn {
    /// `_id` is a column when it is the user's own key, and left out when it holds ObjectIds
    /// (the key MongoDB generates): the table then has the columns its PostgreSQL
    /// counterpart has, in `SELECT *` and in the catalog.
    #[default]
    Auto,
    /// `_id` is always the first column.
    Always,
    /// `_id` is never a column.
    Never,
}

/// The inferred columns of one collection: `_id` first, then fields in first-seen order.
#[derive(Debug, Clone, PartialEq)]
pub struct InferredSchema {
    pub columns: Vec<Column>,
    /// How many documents the inference saw.
    pub sampled: usize,
}

/// One top-level column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub shape: Shape,
    pub nullable: bool,
}

impl InferredSchema {
    /// Infers the columns of documents. `_id` is always the first column; it is not nullable
    /// unless a sampled document had no `_id` (possible in views); with no document sampled it
    /// is taken as an ObjectId (MongoDB's default `_id`).
    pub fn infer<'a>(documents: impl IntoIterator<Item = &'a Document>) -> Self {
        let mut fields: Vec<(String, Shape)> = vec![("_id".to_string(), Shape::Null)];
        let mut sampled = 0;
        let mut id_missing = false;
        for doc in documents {
            sampled += 1;
            if !doc.contains_key("_id") {
                id_missing = true;
            }
            for (name, value) in doc {
                merge_field(&mut fields, name, Shape::of(value));
            }
        }
        let columns = fields
            .into_iter()
            .map(|(name, shape)| {
                let shape = match shape {
                    // No `_id` value seen (empty collection): MongoDB's default, an ObjectId.
                    Shape::Null if name == "_id" => Shape::ObjectId,
                    other => other.finish(),
                };
                Column {
                    nullable: name != "_id" || id_missing,
                    shape,
                    name,
                }
            })
            .collect();
        Self { columns, sampled }
    }

    /// The schema with `_id` as `mode` says: left out by [`IdColumn::Never`], and by
    /// [`IdColumn::Auto`] when it is an ObjectId column (every sampled `_id` an ObjectId, or
    /// no document sampled).
    pub fn with_id_column(mut self, mode: IdColumn) -> Self {
        let hide = |column: &Column| match mode {
            IdColumn::Always => false,
            IdColumn::Never => true,
            IdColumn::Auto => column.shape == Shape::ObjectId,
        };
        self.columns.retain(|c| c.name != "_id" || !hide(c));
        self
    }

    /// The Arrow schema.
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(&c.name, c.shape.data_type(), c.nullable))
                .collect::<Vec<_>>(),
        ))
    }

    /// The schema with the declared types of date fields (`column_types`): a date column
    /// (or one no sampled document had a value for) takes the declared kind; a declared field
    /// no sampled document had becomes a nullable column at the end; a declared field that
    /// holds other values is an error (42804) naming the field and the values seen.
    pub fn with_declared_dates(
        mut self,
        collection: &str,
        declared: &[(String, DateKind)],
    ) -> Result<Self> {
        for (field, kind) in declared {
            let shape = match kind {
                DateKind::Date => Shape::Date,
                DateKind::Timestamp => Shape::LocalTimestamp,
                DateKind::Timestamptz => Shape::DateTime,
            };
            match self.columns.iter_mut().find(|c| &c.name == field) {
                Some(column) if matches!(column.shape, Shape::DateTime | Shape::Null) => {
                    column.shape = shape
                }
                Some(column) => {
                    return Err(AdapterError::new(
                        SqlState::DatatypeMismatch,
                        format!(
                            "field \"{field}\" of collection {collection} is declared {} in column_types but holds {} values",
                            kind.sql_name(),
                            column.shape.describe()
                        ),
                    )
                    .with_hint("column_types declares the type of BSON date fields only"))
                }
                None => self.columns.push(Column {
                    name: field.clone(),
                    shape,
                    nullable: true,
                }),
            }
        }
        Ok(self)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::{doc, oid::ObjectId, spec::BinarySubtype, Binary, DateTime, Decimal128};

    fn infer(docs: &[Document]) -> InferredSchema {
        InferredSchema::infer(docs)
    }

    fn types(schema: &InferredSchema) -> Vec<(String, DataType, bool)> {
        schema
            .arrow_schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
            .collect()
    }

    #[test]
    fn scalar_types() {
        let oid = ObjectId::new();
        let docs = [doc! {
            "_id": oid,
            "i": 1_i32,
            "l": 2_i64,
            "d": 1.5,
            "s": "x",
            "b": true,
            "t": DateTime::from_millis(0),
            "o": ObjectId::new(),
            "m": "1.50".parse::<Decimal128>().unwrap(),
            "bin": Binary { subtype: BinarySubtype::Generic, bytes: vec![1, 2] },
            "n": null,
            "re": mongodb::bson::Regex { pattern: "a".into(), options: "i".into() },
        }];
        let s = infer(&docs);
        assert_eq!(s.sampled, 1);
        let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into()));
        assert_eq!(
            types(&s),
            vec![
                ("_id".into(), DataType::Utf8, false),
                ("i".into(), DataType::Int32, true),
                ("l".into(), DataType::Int64, true),
                ("d".into(), DataType::Float64, true),
                ("s".into(), DataType::Utf8, true),
                ("b".into(), DataType::Boolean, true),
                ("t".into(), ts, true),
                ("o".into(), DataType::Utf8, true),
                ("m".into(), DataType::Decimal128(18, 2), true),
                ("bin".into(), DataType::Binary, true),
                ("n".into(), DataType::Utf8, true),
                ("re".into(), DataType::Utf8, true),
            ]
        );
        assert_eq!(s.column("o").unwrap().shape, Shape::ObjectId);
        assert_eq!(
            s.column("m").unwrap().shape,
            Shape::Decimal {
                precision: 18,
                scale: 2
            }
        );
        assert_eq!(s.column("n").unwrap().shape, Shape::Null);
        assert_eq!(s.column("re").unwrap().shape, Shape::Json);
    }

    #[test]
    fn declared_dates_change_date_columns_only() {
        use crate::declared::DateKind;
        let docs = [doc! {"_id": 1, "d": DateTime::from_millis(0), "s": "x", "n": null}];
        let declared = |field: &str, kind| vec![(field.to_string(), kind)];
        let schema = infer(&docs)
            .with_declared_dates("db.c", &declared("d", DateKind::Date))
            .unwrap()
            .with_declared_dates("db.c", &declared("n", DateKind::Timestamp))
            .unwrap()
            .with_declared_dates("db.c", &declared("later", DateKind::Timestamptz))
            .unwrap();
        assert_eq!(
            types(&schema)[1..],
            [
                ("d".to_string(), DataType::Date32, true),
                ("s".to_string(), DataType::Utf8, true),
                (
                    "n".to_string(),
                    DataType::Timestamp(TimeUnit::Millisecond, None),
                    true
                ),
                (
                    "later".to_string(),
                    DataType::Timestamp(TimeUnit::Millisecond, Some(UTC.into())),
                    true
                ),
            ]
        );
        let err = infer(&docs)
            .with_declared_dates("db.c", &declared("s", DateKind::Date))
            .unwrap_err();
        assert_eq!(err.sqlstate, SqlState::DatatypeMismatch);
        assert!(err.to_string().contains("holds string values"), "{err}");
    }

    #[test]
    fn numeric_widening() {
        let docs = [
            doc! {"_id": 1, "a": 1_i32, "b": 1_i32, "c": 1_i64, "d": 1_i32, "e": 1_i32},
            doc! {"_id": 2, "a": 2_i32, "b": 2_i64, "c": 2.5, "d": 2.5, "e": "x"},
        ];
        let s = infer(&docs);
        let t = types(&s);
        assert_eq!(t[0].1, DataType::Int32);
        assert_eq!(t[1], ("a".into(), DataType::Int32, true));
        assert_eq!(t[2], ("b".into(), DataType::Int64, true));
        assert_eq!(t[3], ("c".into(), DataType::Float64, true));
        assert_eq!(t[4], ("d".into(), DataType::Float64, true));
        assert_eq!(t[5], ("e".into(), DataType::Utf8, true));
        assert_eq!(s.column("e").unwrap().shape, Shape::Json);
    }

    #[test]
    fn missing_fields_and_first_seen_order() {
        let docs = [
            doc! {"b": 1, "_id": 1},
            doc! {"_id": 2, "c": "x"},
            doc! {"_id": 3, "a": true, "b": null},
        ];
        let s = infer(&docs);
        let names: Vec<_> = s.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["_id", "b", "c", "a"]);
        assert!(s.columns[1..].iter().all(|c| c.nullable));
        assert_eq!(s.column("b").unwrap().shape, Shape::Int32);
        assert!(!s.columns[0].nullable);
    }

    #[test]
    fn id_nullable_only_when_missing() {
        let s = infer(&[doc! {"a": 1}, doc! {"_id": 1, "a": 2}]);
        assert!(s.columns[0].nullable);
        assert_eq!(s.columns[0].shape, Shape::Int32);
        let empty = infer(&[]);
        assert_eq!(types(&empty), vec![("_id".into(), DataType::Utf8, false)]);
        assert_eq!(empty.columns[0].shape, Shape::ObjectId);
        assert_eq!(empty.sampled, 0);
    }

    #[test]
    fn object_id_keys_are_left_out_unless_asked_for() {
        let names = |s: &InferredSchema| -> Vec<String> {
            s.columns.iter().map(|c| c.name.clone()).collect()
        };
        let generated = [
            doc! {"_id": ObjectId::new(), "a": 1},
            doc! {"_id": ObjectId::new(), "a": 2},
        ];
        let own = [doc! {"_id": "k1", "a": 1}, doc! {"_id": 7, "a": 2}];
        let auto = infer(&generated).with_id_column(IdColumn::Auto);
        assert_eq!(names(&auto), ["a"]);
        assert_eq!(
            names(&infer(&own).with_id_column(IdColumn::Auto)),
            ["_id", "a"]
        );
        assert_eq!(
            names(&infer(&generated).with_id_column(IdColumn::Always)),
            ["_id", "a"]
        );
        assert_eq!(names(&infer(&own).with_id_column(IdColumn::Never)), ["a"]);
        // An empty collection's _id is taken as an ObjectId: no column at all.
        assert!(infer(&[]).with_id_column(IdColumn::Auto).columns.is_empty());
        assert_eq!(IdColumn::default(), IdColumn::Auto);
    }

    #[test]
    fn nested_documents_merge_their_fields() {
        let docs = [
            doc! {"_id": 1, "addr": {"city": "Oslo", "zip": 1_i32}},
            doc! {"_id": 2, "addr": {"zip": 2_i64, "geo": {"lat": 1.5}}},
            doc! {"_id": 3, "addr": {"city": 5}},
            doc! {"_id": 4, "addr": null, "empty": {}},
        ];
        let s = infer(&docs);
        assert_eq!(
            s.column("addr").unwrap().shape,
            Shape::Document(vec![
                ("city".into(), Shape::Json),
                ("zip".into(), Shape::Int64),
                (
                    "geo".into(),
                    Shape::Document(vec![("lat".into(), Shape::Double)])
                ),
            ])
        );
        assert_eq!(
            s.column("addr").unwrap().shape.data_type(),
            DataType::Struct(Fields::from(vec![
                Field::new("city", DataType::Utf8, true),
                Field::new("zip", DataType::Int64, true),
                Field::new(
                    "geo",
                    DataType::Struct(Fields::from(vec![Field::new(
                        "lat",
                        DataType::Float64,
                        true
                    )])),
                    true
                ),
            ]))
        );
        assert_eq!(s.column("empty").unwrap().shape, Shape::Json);
    }

    #[test]
    fn arrays() {
        let docs = [
            doc! {"_id": 1, "tags": ["a", "b"], "nums": [1_i32, 2_i64], "mixed": [1, "a"],
            "objs": [{"k": 1}, {"v": "x"}], "nested": [[1], [2, 3]], "empty": []},
            doc! {"_id": 2, "tags": [], "nums": [2.5, null], "mixed": [2],
            "objs": [], "nested": [[]], "empty": [null]},
            doc! {"_id": 3, "tags": "not an array"},
        ];
        let s = infer(&docs);
        assert_eq!(s.column("tags").unwrap().shape, Shape::Json);
        assert_eq!(
            s.column("nums").unwrap().shape,
            Shape::Array(Box::new(Shape::Double))
        );
        assert_eq!(s.column("mixed").unwrap().shape, Shape::Json);
        assert_eq!(
            s.column("objs").unwrap().shape,
            Shape::Array(Box::new(Shape::Document(vec![
                ("k".into(), Shape::Int32),
                ("v".into(), Shape::String)
            ])))
        );
        assert_eq!(
            s.column("nested").unwrap().shape.data_type(),
            DataType::List(Arc::new(Field::new(
                "item",
                DataType::List(Arc::new(Field::new("item", DataType::Int32, true))),
                true
            )))
        );
        assert_eq!(
            s.column("empty").unwrap().shape.data_type(),
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
        );
        let s = infer(&[
            doc! {"_id": 1, "tags": ["a"]},
            doc! {"_id": 2, "tags": ["b", "c"]},
        ]);
        assert_eq!(
            s.column("tags").unwrap().shape.data_type(),
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
        );
    }

    #[test]
    fn decimals_get_the_digits_of_the_sample() {
        let dec = |text: &str| Bson::Decimal128(text.parse::<Decimal128>().unwrap());
        let docs = [
            doc! {"_id": 1, "money": dec("120000.00"), "n": dec("99999999999999.999999"),
            "tiny": dec("0.000001"), "mixed": dec("1.5"), "wide": dec("1E+30"),
            "nan": dec("1"), "long": dec("0.5"), "dbl": dec("1"), "huge": dec("1E+37")},
            doc! {"_id": 2, "money": dec("-0.5"), "n": null, "tiny": dec("-0"),
            "mixed": 7_i32, "wide": dec("0.1"), "nan": dec("NaN"), "long": 1_i64,
            "dbl": 1.5, "huge": dec("0.01")},
        ];
        let s = infer(&docs);
        let shape = |name: &str| s.column(name).unwrap().shape.clone();
        let decimal = |precision, scale| Shape::Decimal { precision, scale };
        // The most integer and fraction digits seen, with at least 18 digits.
        assert_eq!(shape("money"), decimal(18, 2));
        assert_eq!(shape("n"), decimal(20, 6));
        assert_eq!(shape("tiny"), decimal(18, 6));
        // Ints fit with their 10 (19 for longs) digits.
        assert_eq!(shape("mixed"), decimal(18, 1));
        assert_eq!(shape("long"), decimal(20, 1));
        assert_eq!(shape("wide"), decimal(32, 1));
        // No Arrow decimal: NaN, more than 38 digits, doubles (inexact).
        assert_eq!(shape("nan"), Shape::DecimalText);
        assert_eq!(shape("huge"), Shape::DecimalText);
        assert_eq!(shape("dbl"), Shape::Json);
        assert_eq!(
            s.arrow_schema().field_with_name("n").unwrap().data_type(),
            &DataType::Decimal128(20, 6)
        );
        assert_eq!(
            s.arrow_schema().field_with_name("nan").unwrap().data_type(),
            &DataType::Utf8
        );
    }

    #[test]
    fn different_types_fall_back_to_json() {
        let oid = ObjectId::new();
        let docs = [
            doc! {"_id": 1, "a": oid, "b": true, "c": DateTime::from_millis(1), "d": {"x": 1}},
            doc! {"_id": 2, "a": "text", "b": 1, "c": "2024-01-01", "d": [1]},
        ];
        let s = infer(&docs);
        for name in ["a", "b", "c", "d"] {
            assert_eq!(s.column(name).unwrap().shape, Shape::Json, "{name}");
        }
    }
}
