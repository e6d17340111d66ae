//! Schema inference: the BSON types seen in sampled documents, merged into one Arrow schema.
//!
//! The rules are in `TYPES.md` (and the crate documentation); in short: one BSON type per
//! field maps to its Arrow type, Int32/Int64 widen to Int64, integers and doubles to Float64,
//! subdocuments become structs (the union of their fields), arrays become lists when their
//! elements share a type, and everything else (conflicting types, mixed arrays, rare BSON
//! types) becomes Utf8 holding relaxed Extended JSON text.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use mongodb::bson::{Bson, Document};

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
    /// Utf8: the 24-digit lowercase hex text.
    ObjectId,
    /// Utf8: the exact decimal text (`1.50`, `1E+400`, `NaN`, `-Infinity`).
    Decimal,
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
            Bson::Decimal128(_) => Shape::Decimal,
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

    /// Subdocuments that never had a field become JSON text (Arrow structs need fields).
    fn finish(self) -> Shape {
        match self {
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
            Shape::Null | Shape::String | Shape::ObjectId | Shape::Decimal | Shape::Json => {
                DataType::Utf8
            }
            Shape::Int32 => DataType::Int32,
            Shape::Int64 => DataType::Int64,
            Shape::Double => DataType::Float64,
            Shape::Boolean => DataType::Boolean,
            Shape::DateTime => DataType::Timestamp(TimeUnit::Millisecond, Some(UTC.into())),
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
            Shape::DateTime => "date",
            Shape::ObjectId => "objectId",
            Shape::Decimal => "decimal",
            Shape::Binary => "binData",
            Shape::Document(_) => "object",
            Shape::Array(_) => "array",
            Shape::Json => "mixed",
        }
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

    /// The Arrow schema.
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(&c.name, c.shape.data_type(), c.nullable))
                .collect::<Vec<_>>(),
        ))
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
                ("m".into(), DataType::Utf8, true),
                ("bin".into(), DataType::Binary, true),
                ("n".into(), DataType::Utf8, true),
                ("re".into(), DataType::Utf8, true),
            ]
        );
        assert_eq!(s.column("o").unwrap().shape, Shape::ObjectId);
        assert_eq!(s.column("m").unwrap().shape, Shape::Decimal);
        assert_eq!(s.column("n").unwrap().shape, Shape::Null);
        assert_eq!(s.column("re").unwrap().shape, Shape::Json);
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
