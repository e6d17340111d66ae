//! Documents → Arrow record batches, following the inferred schema.
//!
//! A value whose BSON type does not match its column: in a Utf8 column it becomes its relaxed
//! Extended JSON text; in any other column it is an error naming the column and the
//! document's `_id` (a present value is never turned into NULL). Integers go into Int64,
//! Float64 and decimal columns, doubles into Float64 columns. Decimal128 values (and ints) go
//! into decimal columns exactly; one without an exact value at the column's precision and
//! scale is an error with SQLSTATE 22003 naming the field and the collection. BSON null and undefined are NULL; a missing
//! field is NULL. Fields not in the schema (not seen in the sample) are ignored.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::builder::NullBufferBuilder;
use datafusion::arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder,
    Int32Builder, Int64Builder, ListArray, RecordBatch, RecordBatchOptions, StringBuilder,
    StructArray, TimestampMillisecondBuilder,
};
use datafusion::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{FieldRef, Fields, SchemaRef};
use fedgate_adapter_api::AdapterError;
use mongodb::bson::{Bson, Document};

use crate::decimal::{DecimalValue, Misfit};
use crate::declared::MILLIS_PER_DAY;
use crate::infer::{list_item, struct_fields, Column, Shape, UTC};
use fedgate_adapter_api::SqlState;

/// The MongoDB name of a value's BSON type (as `$type` spells it).
pub fn bson_type_name(value: &Bson) -> &'static str {
    match value {
        Bson::Double(_) => "double",
        Bson::String(_) => "string",
        Bson::Array(_) => "array",
        Bson::Document(_) => "object",
        Bson::Boolean(_) => "bool",
        Bson::Null => "null",
        Bson::RegularExpression(_) => "regex",
        Bson::JavaScriptCode(_) => "javascript",
        Bson::JavaScriptCodeWithScope(_) => "javascriptWithScope",
        Bson::Int32(_) => "int",
        Bson::Int64(_) => "long",
        Bson::Timestamp(_) => "timestamp",
        Bson::Binary(_) => "binData",
        Bson::ObjectId(_) => "objectId",
        Bson::DateTime(_) => "date",
        Bson::Symbol(_) => "symbol",
        Bson::Decimal128(_) => "decimal",
        Bson::Undefined => "undefined",
        Bson::MaxKey => "maxKey",
        Bson::MinKey => "minKey",
        Bson::DbPointer(_) => "dbPointer",
    }
}

/// Relaxed Extended JSON text of a value.
pub fn json_text(value: &Bson) -> String {
    value.clone().into_relaxed_extjson().to_string()
}

/// A value that does not fit its column.
#[derive(Debug)]
/// Why a value of the right BSON type does not fit its column.
enum ValueMisfit {
    /// A decimal with too many digits for the column: its text and what is wrong.
    /// SQLSTATE 22003 rather than 22000.
    OutOfRange(String, String),
    /// A date with a time of day in a field declared `date` (`column_types`): its text.
    /// SQLSTATE 22008.
    NotADay(String),
}

struct Mismatch {
    path: String,
    found: &'static str,
    expected: &'static str,
    /// A value of the right kind that the column's type does not hold exactly.
    misfit: Option<Box<ValueMisfit>>,
}

/// How a Utf8 column renders the values of its own type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TextKind {
    String,
    ObjectId,
    Decimal,
    /// Every value as JSON text.
    Json,
}

#[derive(Debug)]
enum ValueBuilder {
    Int32(Int32Builder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    /// `Decimal128(precision, scale)`.
    Decimal(Decimal128Builder, u8, i8),
    Boolean(BooleanBuilder),
    /// With the UTC zone (`timestamptz`), or without one for a field declared `timestamp`.
    Timestamp(TimestampMillisecondBuilder),
    /// A field declared `date`.
    Date(Date32Builder),
    Binary(BinaryBuilder),
    Text(StringBuilder, TextKind),
    Struct {
        fields: Fields,
        names: Vec<String>,
        children: Vec<ValueBuilder>,
        seen: Vec<bool>,
        validity: NullBufferBuilder,
    },
    List {
        item: FieldRef,
        child: Box<ValueBuilder>,
        offsets: Vec<i32>,
        validity: NullBufferBuilder,
    },
}

impl ValueBuilder {
    fn new(shape: &Shape) -> Self {
        match shape {
            Shape::Int32 => Self::Int32(Int32Builder::new()),
            Shape::Int64 => Self::Int64(Int64Builder::new()),
            Shape::Double => Self::Float64(Float64Builder::new()),
            Shape::Boolean => Self::Boolean(BooleanBuilder::new()),
            Shape::DateTime => {
                Self::Timestamp(TimestampMillisecondBuilder::new().with_timezone(UTC))
            }
            Shape::LocalTimestamp => Self::Timestamp(TimestampMillisecondBuilder::new()),
            Shape::Date => Self::Date(Date32Builder::new()),
            Shape::Binary => Self::Binary(BinaryBuilder::new()),
            Shape::String => Self::Text(StringBuilder::new(), TextKind::String),
            Shape::ObjectId => Self::Text(StringBuilder::new(), TextKind::ObjectId),
            Shape::Decimal { precision, scale } => Self::Decimal(
                Decimal128Builder::new()
                    .with_precision_and_scale(*precision, *scale)
                    .expect(
                        "inferred decimals have 1 <= precision <= 38 and 0 <= scale <= precision",
                    ),
                *precision,
                *scale,
            ),
            Shape::DecimalText => Self::Text(StringBuilder::new(), TextKind::Decimal),
            Shape::Null | Shape::Json => Self::Text(StringBuilder::new(), TextKind::Json),
            Shape::Document(fields) => Self::Struct {
                fields: struct_fields(fields),
                names: fields.iter().map(|(n, _)| n.clone()).collect(),
                children: fields.iter().map(|(_, s)| Self::new(s)).collect(),
                seen: vec![false; fields.len()],
                validity: NullBufferBuilder::new(0),
            },
            Shape::Array(element) => Self::List {
                item: Arc::new(list_item(element)),
                child: Box::new(Self::new(element)),
                offsets: vec![0],
                validity: NullBufferBuilder::new(0),
            },
        }
    }

    fn expected(&self) -> &'static str {
        match self {
            Self::Int32(_) => "int",
            Self::Int64(_) => "int or long",
            Self::Float64(_) => "number",
            Self::Decimal(..) => "decimal, int or long",
            Self::Boolean(_) => "bool",
            Self::Timestamp(_) | Self::Date(_) => "date",
            Self::Binary(_) => "binData",
            Self::Text(..) => "string",
            Self::Struct { .. } => "object",
            Self::List { .. } => "array",
        }
    }

    fn append_null(&mut self) {
        match self {
            Self::Int32(b) => b.append_null(),
            Self::Int64(b) => b.append_null(),
            Self::Float64(b) => b.append_null(),
            Self::Decimal(b, ..) => b.append_null(),
            Self::Boolean(b) => b.append_null(),
            Self::Timestamp(b) => b.append_null(),
            Self::Date(b) => b.append_null(),
            Self::Binary(b) => b.append_null(),
            Self::Text(b, _) => b.append_null(),
            Self::Struct {
                children, validity, ..
            } => {
                for child in children {
                    child.append_null();
                }
                validity.append_null();
            }
            Self::List {
                offsets, validity, ..
            } => {
                let last = *offsets.last().unwrap_or(&0);
                offsets.push(last);
                validity.append_null();
            }
        }
    }

    /// Appends one value; `path` names the column for errors.
    fn append(&mut self, value: &Bson, path: &dyn Fn() -> String) -> Result<(), Mismatch> {
        if matches!(value, Bson::Null | Bson::Undefined) {
            self.append_null();
            return Ok(());
        }
        let expected = self.expected();
        let mismatch = || Mismatch {
            path: path(),
            found: bson_type_name(value),
            expected,
            misfit: None,
        };
        match (self, value) {
            (Self::Int32(b), Bson::Int32(v)) => b.append_value(*v),
            (Self::Int64(b), Bson::Int32(v)) => b.append_value(i64::from(*v)),
            (Self::Int64(b), Bson::Int64(v)) => b.append_value(*v),
            (Self::Float64(b), Bson::Int32(v)) => b.append_value(f64::from(*v)),
            // Exact up to 2^53; larger longs round to the nearest double.
            (Self::Float64(b), Bson::Int64(v)) => b.append_value(*v as f64),
            // One NaN: DataFusion orders NaN by its sign bit, MongoDB has a single NaN.
            (Self::Float64(b), Bson::Double(v)) => {
                b.append_value(if v.is_nan() { f64::NAN } else { *v })
            }
            (
                Self::Decimal(b, precision, scale),
                Bson::Decimal128(_) | Bson::Int32(_) | Bson::Int64(_),
            ) => {
                let exact = match value {
                    Bson::Decimal128(d) => DecimalValue::of(d).at_scale(*precision, *scale),
                    Bson::Int32(v) => integer_at_scale(i128::from(*v), *precision, *scale),
                    Bson::Int64(v) => integer_at_scale(i128::from(*v), *precision, *scale),
                    _ => unreachable!("matched above"),
                };
                match exact {
                    Ok(v) => b.append_value(v),
                    Err(misfit) => {
                        let text = match value {
                            Bson::Decimal128(d) => d.to_string(),
                            other => json_text(other),
                        };
                        return Err(Mismatch {
                            misfit: Some(Box::new(ValueMisfit::OutOfRange(
                                text,
                                misfit.describe(*precision, *scale),
                            ))),
                            ..mismatch()
                        });
                    }
                }
            }
            (Self::Boolean(b), Bson::Boolean(v)) => b.append_value(*v),
            (Self::Timestamp(b), Bson::DateTime(v)) => b.append_value(v.timestamp_millis()),
            (Self::Date(b), Bson::DateTime(v)) => match day_of(v.timestamp_millis()) {
                Some(day) => b.append_value(day),
                None => {
                    return Err(Mismatch {
                        misfit: Some(Box::new(ValueMisfit::NotADay(
                            v.try_to_rfc3339_string()
                                .unwrap_or_else(|_| json_text(value)),
                        ))),
                        ..mismatch()
                    })
                }
            },
            (Self::Binary(b), Bson::Binary(v)) => b.append_value(&v.bytes),
            (Self::Text(b, kind), value) => match (*kind, value) {
                (TextKind::String, Bson::String(s)) => b.append_value(s),
                (TextKind::ObjectId, Bson::ObjectId(oid)) => b.append_value(oid.to_hex()),
                (TextKind::Decimal, Bson::Decimal128(d)) => b.append_value(d.to_string()),
                (_, other) => b.append_value(json_text(other)),
            },
            (
                Self::Struct {
                    names,
                    children,
                    seen,
                    validity,
                    ..
                },
                Bson::Document(doc),
            ) => {
                seen.iter_mut().for_each(|s| *s = false);
                for (name, value) in doc {
                    if let Some(i) = names.iter().position(|n| n == name) {
                        if seen[i] {
                            continue;
                        }
                        seen[i] = true;
                        children[i].append(value, &|| format!("{}.{name}", path()))?;
                    }
                }
                for (i, child) in children.iter_mut().enumerate() {
                    if !seen[i] {
                        child.append_null();
                    }
                }
                validity.append_non_null();
            }
            (
                Self::List {
                    child,
                    offsets,
                    validity,
                    ..
                },
                Bson::Array(items),
            ) => {
                for item in items {
                    child.append(item, &|| format!("{}[]", path()))?;
                }
                let last = *offsets.last().unwrap_or(&0);
                offsets.push(last + items.len() as i32);
                validity.append_non_null();
            }
            _ => return Err(mismatch()),
        }
        Ok(())
    }

    /// The array of the values appended since the last call; the builder starts over.
    fn finish(&mut self) -> Result<ArrayRef, datafusion::arrow::error::ArrowError> {
        Ok(match self {
            Self::Int32(b) => Arc::new(b.finish()),
            Self::Int64(b) => Arc::new(b.finish()),
            Self::Float64(b) => Arc::new(b.finish()),
            Self::Decimal(b, precision, scale) => {
                Arc::new(b.finish().with_precision_and_scale(*precision, *scale)?)
            }
            Self::Boolean(b) => Arc::new(b.finish()),
            Self::Timestamp(b) => Arc::new(b.finish()),
            Self::Date(b) => Arc::new(b.finish()),
            Self::Binary(b) => Arc::new(b.finish()),
            Self::Text(b, _) => Arc::new(b.finish()),
            Self::Struct {
                fields,
                children,
                validity,
                ..
            } => {
                let arrays = children
                    .iter_mut()
                    .map(|c| c.finish())
                    .collect::<Result<Vec<_>, _>>()?;
                Arc::new(StructArray::try_new(
                    fields.clone(),
                    arrays,
                    validity.finish(),
                )?)
            }
            Self::List {
                item,
                child,
                offsets,
                validity,
            } => {
                let offsets = std::mem::replace(offsets, vec![0]);
                Arc::new(ListArray::try_new(
                    item.clone(),
                    OffsetBuffer::new(ScalarBuffer::from(offsets)),
                    child.finish()?,
                    validity.finish(),
                )?)
            }
        })
    }
}

/// Builds record batches of the projected columns from documents.
#[derive(Debug)]
pub struct BatchConverter {
    schema: SchemaRef,
    names: Vec<String>,
    /// Column name → index.
    index: HashMap<String, usize>,
    nullable: Vec<bool>,
    builders: Vec<ValueBuilder>,
    seen: Vec<bool>,
    rows: usize,
    /// Where the data comes from, for errors: `server`, `db.collection`, sample size.
    server: String,
    namespace: String,
    sampled: usize,
}

impl BatchConverter {
    /// `columns` are the projected columns, in the order of `schema`'s fields.
    pub fn new(
        schema: SchemaRef,
        columns: &[Column],
        server: &str,
        namespace: &str,
        sampled: usize,
    ) -> Self {
        Self {
            schema,
            names: columns.iter().map(|c| c.name.clone()).collect(),
            index: columns
                .iter()
                .enumerate()
                .rev()
                .map(|(i, c)| (c.name.clone(), i))
                .collect(),
            nullable: columns.iter().map(|c| c.nullable).collect(),
            builders: columns
                .iter()
                .map(|c| ValueBuilder::new(&c.shape))
                .collect(),
            seen: vec![false; columns.len()],
            rows: 0,
            server: server.to_string(),
            namespace: namespace.to_string(),
            sampled,
        }
    }

    /// Rows appended since the last batch.
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one document as a row.
    pub fn append(&mut self, doc: &Document) -> Result<(), AdapterError> {
        self.seen.iter_mut().for_each(|s| *s = false);
        for (name, value) in doc {
            let Some(&i) = self.index.get(name.as_str()) else {
                continue;
            };
            if self.seen[i] {
                continue;
            }
            self.seen[i] = true;
            if !self.nullable[i] && matches!(value, Bson::Null | Bson::Undefined) {
                return Err(self.missing_required(i, doc));
            }
            let column = self.names[i].clone();
            self.builders[i]
                .append(value, &|| column.clone())
                .map_err(|m| self.mismatch_error(m, doc))?;
        }
        for i in 0..self.builders.len() {
            if !self.seen[i] {
                if !self.nullable[i] {
                    return Err(self.missing_required(i, doc));
                }
                self.builders[i].append_null();
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The batch of the rows appended since the last call.
    pub fn finish(&mut self) -> Result<RecordBatch, AdapterError> {
        let rows = std::mem::take(&mut self.rows);
        let arrays = self
            .builders
            .iter_mut()
            .map(|b| b.finish())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.internal(e))?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map_err(|e| self.internal(e))
    }

    fn internal(&self, e: impl std::fmt::Display) -> AdapterError {
        AdapterError::internal(format!(
            "cannot build Arrow data for {}: {e}",
            self.namespace
        ))
        .for_server(&self.server)
    }

    fn mismatch_error(&self, m: Mismatch, doc: &Document) -> AdapterError {
        if let Some(ValueMisfit::NotADay(value)) = m.misfit.as_deref() {
            return AdapterError::new(
                SqlState::DatetimeFieldOverflow,
                format!(
                    "field \"{}\" of collection {}: the date {value} in document {} is not at midnight UTC, but the field is declared date (column_types)",
                    m.path,
                    self.namespace,
                    document_id(doc),
                ),
            )
            .with_hint("fedgate never drops a time of day; declare the field timestamp or timestamptz")
            .for_server(&self.server);
        }
        if let Some(ValueMisfit::OutOfRange(value, problem)) = m.misfit.as_deref() {
            return AdapterError::new(
                SqlState::NumericValueOutOfRange,
                format!(
                    "field \"{}\" of collection {}: the value {value} in document {} {problem}, the column type inferred from {} sampled documents",
                    m.path,
                    self.namespace,
                    document_id(doc),
                    self.sampled,
                ),
            )
            .with_hint("fedgate never rounds a value; a larger sample_size lets the inferred column type cover such values")
            .for_server(&self.server);
        }
        AdapterError::new(
            SqlState::DataException,
            format!(
                "column \"{}\" of {}: the value of type {} in document {} does not fit the column type ({}, inferred from {} sampled documents)",
                m.path,
                self.namespace,
                m.found,
                document_id(doc),
                m.expected,
                self.sampled,
            ),
        )
        .with_hint("the column types are inferred from a sample; a larger sample_size may see this type too (the column then becomes text)")
        .for_server(&self.server)
    }

    fn missing_required(&self, i: usize, doc: &Document) -> AdapterError {
        AdapterError::new(
            SqlState::DataException,
            format!(
                "column \"{}\" of {}: document {} has no value, but every sampled document had one",
                self.names[i],
                self.namespace,
                document_id(doc),
            ),
        )
        .for_server(&self.server)
    }
}

/// The day (since 1970-01-01) of a BSON date at midnight UTC; `None` for another time of day.
fn day_of(millis: i64) -> Option<i32> {
    if millis.rem_euclid(MILLIS_PER_DAY) != 0 {
        return None;
    }
    i32::try_from(millis.div_euclid(MILLIS_PER_DAY)).ok()
}

/// `value × 10^scale` when it has at most `precision` digits.
fn integer_at_scale(value: i128, precision: u8, scale: i8) -> Result<i128, Misfit> {
    let scaled = 10i128
        .checked_pow(scale as u32)
        .and_then(|factor| value.checked_mul(factor))
        .ok_or(Misfit::OutOfRange)?;
    if scaled.unsigned_abs() >= 10u128.pow(u32::from(precision)) {
        return Err(Misfit::OutOfRange);
    }
    Ok(scaled)
}

/// `_id: <json>` of a document for messages, or a note that `_id` was not fetched.
fn document_id(doc: &Document) -> String {
    match doc.get("_id") {
        Some(id) => format!("with _id {}", json_text(id)),
        None => "(its _id was not selected, so it is unknown)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infer::InferredSchema;
    use datafusion::arrow::array::{
        Array, AsArray, BinaryArray, BooleanArray, Decimal128Array, Float64Array, Int32Array,
        Int64Array, StringArray, TimestampMillisecondArray,
    };
    use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
    use mongodb::bson::{doc, oid::ObjectId, spec::BinarySubtype, Binary, DateTime, Decimal128};

    fn convert(sample: &[Document], data: &[Document]) -> Result<RecordBatch, AdapterError> {
        let schema = InferredSchema::infer(sample);
        let mut c = BatchConverter::new(
            schema.arrow_schema(),
            &schema.columns,
            "srv",
            "db.coll",
            schema.sampled,
        );
        for d in data {
            c.append(d)?;
        }
        c.finish()
    }

    fn col<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> &'a T {
        batch
            .column_by_name(name)
            .unwrap()
            .as_any()
            .downcast_ref::<T>()
            .unwrap()
    }

    #[test]
    fn declared_dates_are_days_or_wall_clock_times() {
        use crate::declared::DateKind;
        use datafusion::arrow::array::Date32Array;
        let sample =
            [doc! {"_id": 1, "d": DateTime::from_millis(0), "w": DateTime::from_millis(0)}];
        let schema = InferredSchema::infer(&sample)
            .with_declared_dates(
                "db.coll",
                &[
                    ("d".to_string(), DateKind::Date),
                    ("w".to_string(), DateKind::Timestamp),
                ],
            )
            .unwrap();
        let arrow_schema = schema.arrow_schema();
        assert_eq!(arrow_schema.field(1).data_type(), &DataType::Date32);
        assert_eq!(
            arrow_schema.field(2).data_type(),
            &DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Millisecond, None)
        );
        let mut converter =
            BatchConverter::new(arrow_schema.clone(), &schema.columns, "srv", "db.coll", 1);
        let day = 19_782_i64 * 86_400_000; // 2024-02-29
        converter
            .append(&doc! {"_id": 2, "d": DateTime::from_millis(day), "w": DateTime::from_millis(day + 49_500_123)})
            .unwrap();
        converter
            .append(&doc! {"_id": 3, "d": DateTime::from_millis(-86_400_000)})
            .unwrap();
        let batch = converter.finish().unwrap();
        let days = col::<Date32Array>(&batch, "d");
        assert_eq!((days.value(0), days.value(1)), (19_782, -1));
        let wall = col::<TimestampMillisecondArray>(&batch, "w");
        assert_eq!(wall.value(0), day + 49_500_123);
        assert!(wall.is_null(1));

        // A time of day in a field declared date is an error, never a dropped time.
        let mut converter = BatchConverter::new(arrow_schema, &schema.columns, "srv", "db.coll", 1);
        let err = converter
            .append(&doc! {"_id": 4, "d": DateTime::from_millis(day + 1)})
            .unwrap_err();
        assert_eq!(err.sqlstate, SqlState::DatetimeFieldOverflow);
        assert!(err.to_string().contains("not at midnight UTC"), "{err}");
    }

    #[test]
    fn scalars_and_missing_fields() {
        let oid = ObjectId::parse_str("65f1a2b3c4d5e6f708192a3b").unwrap();
        let docs = vec![
            doc! {"_id": oid, "i": 1_i32, "l": 5_i64, "f": 1_i32, "s": "x", "b": true,
            "t": DateTime::from_millis(1_700_000_000_123),
            "m": "1.50".parse::<Decimal128>().unwrap(),
            "bin": Binary { subtype: BinarySubtype::Generic, bytes: vec![0, 255] }},
            doc! {"_id": ObjectId::new(), "i": null, "l": 6_i32, "f": 2.5},
        ];
        let batch = convert(&docs, &docs).unwrap();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(
            col::<StringArray>(&batch, "_id").value(0),
            "65f1a2b3c4d5e6f708192a3b"
        );
        let i = col::<Int32Array>(&batch, "i");
        assert_eq!((i.value(0), i.is_null(1)), (1, true));
        let l = col::<Int64Array>(&batch, "l");
        assert_eq!((l.value(0), l.value(1)), (5, 6));
        let f = col::<Float64Array>(&batch, "f");
        assert_eq!((f.value(0), f.value(1)), (1.0, 2.5));
        let s = col::<StringArray>(&batch, "s");
        assert_eq!((s.value(0), s.is_null(1)), ("x", true));
        assert!(col::<BooleanArray>(&batch, "b").value(0));
        let t = col::<TimestampMillisecondArray>(&batch, "t");
        assert_eq!(t.value(0), 1_700_000_000_123);
        assert_eq!(t.timezone(), Some("+00:00"));
        let m = col::<Decimal128Array>(&batch, "m");
        assert_eq!((m.value(0), m.scale(), m.is_null(1)), (150, 2, true));
        assert_eq!(col::<BinaryArray>(&batch, "bin").value(0), &[0, 255]);
    }

    #[test]
    fn nested_structs_and_lists() {
        let docs = vec![
            doc! {"_id": 1, "addr": {"city": "Oslo", "geo": {"lat": 59.9}}, "tags": ["a", "b"],
            "items": [{"sku": "x", "qty": 2}, {"sku": "y"}]},
            doc! {"_id": 2, "addr": {"zip": "0150"}, "tags": [], "items": null},
            doc! {"_id": 3},
        ];
        let batch = convert(&docs, &docs).unwrap();
        let addr = batch.column_by_name("addr").unwrap().as_struct();
        assert!(addr.is_valid(0) && addr.is_valid(1) && addr.is_null(2));
        let city = addr.column_by_name("city").unwrap().as_string::<i32>();
        assert_eq!(city.value(0), "Oslo");
        assert!(city.is_null(1));
        let lat = addr.column_by_name("geo").unwrap().as_struct().column(0);
        assert_eq!(lat.as_primitive::<Float64Type>().value(0), 59.9);
        let tags = batch.column_by_name("tags").unwrap().as_list::<i32>();
        assert_eq!(tags.value_length(0), 2);
        assert_eq!(tags.value_length(1), 0);
        assert!(tags.is_valid(1) && tags.is_null(2));
        assert_eq!(tags.value(0).as_string::<i32>().value(1), "b");
        let items = batch.column_by_name("items").unwrap().as_list::<i32>();
        assert!(items.is_null(1));
        let first = items.value(0);
        let first = first.as_struct();
        assert_eq!(
            first
                .column_by_name("qty")
                .unwrap()
                .as_primitive::<Int32Type>()
                .value(0),
            2
        );
        assert!(first.column_by_name("qty").unwrap().is_null(1));
    }

    #[test]
    fn mixed_types_are_json_text() {
        let oid = ObjectId::parse_str("65f1a2b3c4d5e6f708192a3b").unwrap();
        let docs = vec![
            doc! {"_id": 1, "v": "text", "arr": [1, "a"]},
            doc! {"_id": 2, "v": 5_i64, "arr": [true]},
            doc! {"_id": 3, "v": {"a": oid}},
            doc! {"_id": 4, "v": DateTime::from_millis(0)},
        ];
        let batch = convert(&docs, &docs).unwrap();
        let v = col::<StringArray>(&batch, "v");
        assert_eq!(v.value(0), "\"text\"");
        assert_eq!(v.value(1), "5");
        assert_eq!(v.value(2), r#"{"a":{"$oid":"65f1a2b3c4d5e6f708192a3b"}}"#);
        assert_eq!(v.value(3), r#"{"$date":"1970-01-01T00:00:00Z"}"#);
        let arr = col::<StringArray>(&batch, "arr");
        assert_eq!(arr.value(0), r#"[1,"a"]"#);
        assert_eq!(arr.value(1), "[true]");
    }

    #[test]
    fn read_time_mismatches() {
        let sample = vec![doc! {"_id": "doc-1", "s": "x", "n": 1_i32, "f": 1.5, "l": 1_i64}];
        // Into a Utf8 column: JSON text.
        let batch = convert(&sample, &[doc! {"_id": "doc-2", "s": 7_i32}]).unwrap();
        assert_eq!(col::<StringArray>(&batch, "s").value(0), "7");
        // Widening reads are fine.
        let batch = convert(&sample, &[doc! {"_id": "doc-3", "f": 3_i64, "l": 4_i32}]).unwrap();
        assert_eq!(col::<Float64Array>(&batch, "f").value(0), 3.0);
        assert_eq!(batch.column(4).as_primitive::<Int64Type>().value(0), 4);
        // Anything else is an error naming the column and the _id.
        let e = convert(&sample, &[doc! {"_id": "doc-9", "n": "seven"}]).unwrap_err();
        assert_eq!(e.sqlstate, "22000");
        assert!(e.message.contains("\"n\""), "{}", e.message);
        assert!(e.message.contains("doc-9"), "{}", e.message);
        assert!(e.message.contains("string"), "{}", e.message);
        assert!(e.message.starts_with("server \"srv\""), "{}", e.message);
        let e = convert(&sample, &[doc! {"_id": "doc-4", "n": 2.5}]).unwrap_err();
        assert!(e.message.contains("double"), "{}", e.message);
        // Nested paths are named.
        let sample = vec![doc! {"_id": 1, "a": {"b": [1_i32]}}];
        let e = convert(&sample, &[doc! {"_id": 2, "a": {"b": ["x"]}}]).unwrap_err();
        assert!(e.message.contains("\"a.b[]\""), "{}", e.message);
    }

    #[test]
    fn decimals_are_exact_or_an_error() {
        let dec = |text: &str| Bson::Decimal128(text.parse::<Decimal128>().unwrap());
        // numeric(18,2) from the sample; the text column holds a NaN.
        let sample = vec![
            doc! {"_id": 1, "m": dec("120000.00"), "t": dec("NaN")},
            doc! {"_id": 2, "m": dec("-0.5"), "t": dec("1.5")},
        ];
        let batch = convert(
            &sample,
            &[
                doc! {"_id": 3, "m": dec("1.5"), "t": dec("1.50")},
                doc! {"_id": 4, "m": dec("-0"), "t": dec("-Infinity")},
                doc! {"_id": 5, "m": 7_i32},
                doc! {"_id": 6, "m": dec("9999999999999999.99"), "t": null},
                doc! {"_id": 7, "m": dec("1.500000"), "t": dec("1E+6111")},
            ],
        )
        .unwrap();
        let m = col::<Decimal128Array>(&batch, "m");
        assert_eq!(m.data_type(), &DataType::Decimal128(18, 2));
        let values: Vec<Option<i128>> = m.iter().collect();
        assert_eq!(
            values,
            [
                Some(150),
                Some(0),
                Some(700),
                Some(999_999_999_999_999_999),
                Some(150)
            ]
        );
        let t = col::<StringArray>(&batch, "t");
        assert_eq!(t.value(0), "1.50");
        assert_eq!(t.value(1), "-Infinity");
        assert_eq!(t.value(4), "1E+6111");
        // Too many digits either side, NaN: 22003 naming the field and the collection.
        for (value, problem) in [
            (dec("10000000000000000.00"), "more than 16 integer digits"),
            (dec("1.555"), "more than 2 fraction digits"),
            (dec("NaN"), "not a finite number"),
            (Bson::Int64(i64::MAX), "more than 16 integer digits"),
        ] {
            let e = convert(&sample, &[doc! {"_id": 9, "m": value}]).unwrap_err();
            assert_eq!(e.sqlstate, "22003", "{}", e.message);
            assert!(e.message.contains("field \"m\""), "{}", e.message);
            assert!(e.message.contains("collection db.coll"), "{}", e.message);
            assert!(e.message.contains(problem), "{}", e.message);
            assert!(e.message.contains("_id 9"), "{}", e.message);
            assert!(e.message.contains("numeric(18,2)"), "{}", e.message);
        }
        // A double is no decimal value: a type mismatch, as for other columns.
        let e = convert(&sample, &[doc! {"_id": 9, "m": 1.5}]).unwrap_err();
        assert_eq!(e.sqlstate, "22000");
    }

    #[test]
    fn missing_id_is_an_error_for_a_required_id() {
        let sample = vec![doc! {"_id": 1, "a": 1}];
        let e = convert(&sample, &[doc! {"a": 2}]).unwrap_err();
        assert!(e.message.contains("\"_id\""), "{}", e.message);
    }

    #[test]
    fn nan_is_canonical_and_batches_restart() {
        let sample = vec![doc! {"_id": 1, "f": 1.5}];
        let schema = InferredSchema::infer(&sample);
        let mut c = BatchConverter::new(schema.arrow_schema(), &schema.columns, "s", "d.c", 1);
        c.append(&doc! {"_id": 1, "f": -f64::NAN}).unwrap();
        let first = c.finish().unwrap();
        let f = first.column(1).as_primitive::<Float64Type>().value(0);
        assert!(f.is_nan() && f.is_sign_positive());
        assert!(c.is_empty());
        c.append(&doc! {"_id": 2, "f": 2.0}).unwrap();
        c.append(&doc! {"_id": 3}).unwrap();
        let second = c.finish().unwrap();
        assert_eq!(second.num_rows(), 2);
        assert_eq!(second.column(0).as_primitive::<Int32Type>().value(1), 3);
    }

    #[test]
    fn no_columns_counts_rows() {
        let schema = Arc::new(datafusion::arrow::datatypes::Schema::empty());
        let mut c = BatchConverter::new(schema, &[], "s", "d.c", 0);
        c.append(&doc! {"_id": 1}).unwrap();
        c.append(&doc! {}).unwrap();
        assert_eq!(c.finish().unwrap().num_rows(), 2);
    }
}
