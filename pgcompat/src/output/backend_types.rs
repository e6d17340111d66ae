//! The PostgreSQL type a result column really has, when the backend told us.
//!
//! A PostgreSQL backend's columns carry `fedgate.pg_type` (`format_type(atttypid,
//! atttypmod)`). Arrow has no `jsonb`, `varchar(20)` or `numeric(10,2)`: they arrive as
//! `Utf8` and `Decimal128(10,2)`, which arrow-pg reports as `text` and plain `numeric`. Clients
//! pick their decoders by type OID (node-postgres parses `jsonb` into an object, asyncpg and
//! psycopg decode it) and show precision and length from the type modifier (pgjdbc's
//! `getPrecision`), so the row description restores them where the bytes sent are the
//! same: `json`, `jsonb` (binary format: version byte 1, then the text), `varchar(n)`,
//! `char(n)`, and the modifiers of `numeric(p,s)` and `timestamp(p)`.
//!
//! Output names lose the marker that made repeated names unique for DataFusion
//! ([`client_name`]).
//!
//! Known limit: DataFusion keeps a column's metadata through a type-only cast, so
//! `doc::text` of a `jsonb` column is still described as `jsonb` (with jsonb's bytes).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int32Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use fedgate_adapter_api::metadata::PG_TYPE as PG_TYPE_METADATA;

use crate::rewrite::column_names::client_name;
use pgwire::api::results::{FieldFormat, FieldInfo};
use pgwire::api::Type;

/// The (type, type modifier) to describe `field` with, when its backend type says more
/// than its Arrow type; `None` keeps arrow-pg's description.
pub fn backend_type(field: &Field) -> Option<(Type, i32)> {
    let pg_type = field.metadata().get(PG_TYPE_METADATA)?.trim();
    let (name, modifiers) = match pg_type.split_once('(') {
        Some((name, rest)) => {
            let (inside, after) = rest.split_once(')')?;
            let args: Vec<i32> = inside
                .split(',')
                .map(|a| a.trim().parse::<i32>())
                .collect::<Result<_, _>>()
                .ok()?;
            (format!("{}{}", name.trim_end(), after), args)
        }
        None => (pg_type.to_string(), vec![]),
    };
    let text = matches!(
        field.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    );
    match (name.as_str(), modifiers.as_slice(), field.data_type()) {
        ("oid[]", [], DataType::List(item)) if item.data_type() == &DataType::Int32 => {
            Some((Type::OID_ARRAY, -1))
        }
        ("json", [], _) if text => Some((Type::JSON, -1)),
        ("name", [], _) if text => Some((Type::NAME, -1)),
        ("oid", [], DataType::Int32) => Some((Type::OID, -1)),
        ("regtype", [], _) if text => Some((Type::REGTYPE, -1)),
        ("regclass", [], _) if text => Some((Type::REGCLASS, -1)),
        ("jsonb", [], _) if text => Some((Type::JSONB, -1)),
        ("character varying", [], _) if text => Some((Type::VARCHAR, -1)),
        ("character varying", [n], _) if text => Some((Type::VARCHAR, n + 4)),
        ("character", [n], _) if text => Some((Type::BPCHAR, n + 4)),
        ("numeric", [], _) if text => Some((Type::NUMERIC, -1)),
        ("numeric", [p, s], DataType::Decimal128(dp, ds))
            if *p == i32::from(*dp) && *s == i32::from(*ds) =>
        {
            Some((Type::NUMERIC, ((p << 16) | s) + 4))
        }
        ("timestamp without time zone", [p], DataType::Timestamp(_, None)) => {
            Some((Type::TIMESTAMP, *p))
        }
        ("timestamp with time zone", [p], DataType::Timestamp(_, Some(_))) => {
            Some((Type::TIMESTAMPTZ, *p))
        }
        _ => None,
    }
}

/// A column of untyped NULLs (`SELECT NULL`): PostgreSQL resolves an output column of
/// type `unknown` to `text`.
fn untyped_null(field: &Field) -> Option<(Type, i32)> {
    (field.data_type() == &DataType::Null).then_some((Type::TEXT, -1))
}

/// arrow-pg's field descriptions, with backend types restored (see the module comment).
pub fn describe(fields: Vec<FieldInfo>, schema: &Schema) -> Vec<FieldInfo> {
    fields
        .into_iter()
        .zip(schema.fields())
        .map(|(info, field)| {
            let (datatype, modifier) = backend_type(field)
                .or_else(|| untyped_null(field))
                .unwrap_or_else(|| (info.datatype().clone(), info.type_modifier()));
            FieldInfo::new(
                client_name(info.name()).to_string(),
                info.table_id(),
                info.column_id(),
                datatype,
                info.format(),
            )
            .with_format_options(info.format_options().clone())
            .with_type_modifier(modifier)
            .with_type_size(info.type_size())
        })
        .collect()
}

/// The binary formats of types whose values fedgate holds as text: `jsonb` is a version
/// byte (1) followed by the text; `regtype` is the type's OID (its text is the type's name).
/// Other formats' bytes are the text as it is.
pub fn to_binary_formats(
    batch: RecordBatch,
    fields: &[FieldInfo],
) -> Result<RecordBatch, ArrowError> {
    let needs = |info: &FieldInfo| {
        info.format() == FieldFormat::Binary
            && matches!(*info.datatype(), Type::JSONB | Type::REGTYPE)
    };
    if !fields.iter().any(needs) {
        return Ok(batch);
    }
    let schema = batch.schema();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    let mut out_fields = Vec::with_capacity(batch.num_columns());
    for ((field, column), info) in schema.fields().iter().zip(batch.columns()).zip(fields) {
        if !needs(info) {
            columns.push(column.clone());
            out_fields.push(field.clone());
            continue;
        }
        let text = datafusion::arrow::compute::cast(column, &DataType::Utf8)?;
        let text = text
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| ArrowError::CastError("a text-held column is not text".into()))?;
        let (array, data_type): (ArrayRef, DataType) = if info.datatype() == &Type::JSONB {
            let prefixed: StringArray = text
                .iter()
                .map(|v| v.map(|v| format!("\u{1}{v}")))
                .collect();
            (Arc::new(prefixed), DataType::Utf8)
        } else {
            let oids: Int32Array = text
                .iter()
                .map(|v| v.and_then(crate::catalog::functions::builtin_type_oid))
                .map(|oid| oid.map(|o| o as i32))
                .collect();
            (Arc::new(oids), DataType::Int32)
        };
        columns.push(array);
        out_fields.push(Arc::new(
            Field::new(field.name(), data_type, field.is_nullable())
                .with_metadata(field.metadata().clone()),
        ));
    }
    RecordBatch::try_new(Arc::new(Schema::new(out_fields)), columns)
}

/// Numeric text columns (values with PostgreSQL's per-value display scale, see
/// `crate::numeric_display`) in binary format: the values as a decimal column of the
/// largest scale among them, which arrow-pg encodes as binary `numeric` (same values; the
/// binary format carries that one scale).
pub fn to_binary_numeric(
    batch: RecordBatch,
    fields: &[FieldInfo],
) -> Result<RecordBatch, ArrowError> {
    let needs = |info: &FieldInfo, field: &Field| {
        info.format() == FieldFormat::Binary
            && info.datatype() == &Type::NUMERIC
            && field.data_type() == &DataType::Utf8
    };
    let schema = batch.schema();
    if !schema.fields().iter().zip(fields).any(|(f, i)| needs(i, f)) {
        return Ok(batch);
    }
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    let mut out_fields = Vec::with_capacity(batch.num_columns());
    for ((field, column), info) in schema.fields().iter().zip(batch.columns()).zip(fields) {
        if needs(info, field) {
            let text = column
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| ArrowError::CastError("numeric column is not text".into()))?;
            let scale = text
                .iter()
                .flatten()
                .map(|v| v.split_once('.').map_or(0, |(_, f)| f.len()))
                .max()
                .unwrap_or(0);
            let scale = i8::try_from(scale).map_err(|_| {
                ArrowError::CastError("numeric scale beyond the binary encoder's".into())
            })?;
            let data_type = DataType::Decimal128(38, scale);
            let options = datafusion::arrow::compute::CastOptions {
                safe: false,
                ..Default::default()
            };
            let decimal =
                datafusion::arrow::compute::cast_with_options(column, &data_type, &options)?;
            columns.push(decimal);
            out_fields.push(Arc::new(field.as_ref().clone().with_data_type(data_type)));
        } else {
            columns.push(column.clone());
            out_fields.push(field.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(out_fields)), columns)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn field(data_type: DataType, pg_type: &str) -> Field {
        Field::new("c", data_type, true).with_metadata(HashMap::from([(
            PG_TYPE_METADATA.to_string(),
            pg_type.to_string(),
        )]))
    }

    #[test]
    fn backend_types_postgresql_reports() {
        let t = |d: DataType, p: &str| backend_type(&field(d, p));
        assert_eq!(t(DataType::Utf8, "jsonb"), Some((Type::JSONB, -1)));
        assert_eq!(t(DataType::Utf8, "json"), Some((Type::JSON, -1)));
        assert_eq!(t(DataType::Utf8, "name"), Some((Type::NAME, -1)));
        assert_eq!(t(DataType::Utf8, "regtype"), Some((Type::REGTYPE, -1)));
        assert_eq!(t(DataType::Int32, "regtype"), None);
        assert_eq!(t(DataType::Int32, "oid"), Some((Type::OID, -1)));
        assert_eq!(
            t(DataType::Utf8, "character varying(20)"),
            Some((Type::VARCHAR, 24))
        );
        assert_eq!(t(DataType::Utf8, "character(5)"), Some((Type::BPCHAR, 9)));
        // PostgreSQL's atttypmod of numeric(10,2): ((10 << 16) | 2) + 4.
        assert_eq!(
            t(DataType::Decimal128(10, 2), "numeric(10,2)"),
            Some((Type::NUMERIC, 655366))
        );
        let ts = DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Microsecond, None);
        assert_eq!(
            t(ts, "timestamp(3) without time zone"),
            Some((Type::TIMESTAMP, 3))
        );
    }

    #[test]
    fn arrow_type_must_still_match() {
        let t = |d: DataType, p: &str| backend_type(&field(d, p));
        // A cast changed the type: the backend's description no longer applies.
        assert_eq!(t(DataType::Float64, "numeric(10,2)"), None);
        assert_eq!(t(DataType::Decimal128(12, 4), "numeric(10,2)"), None);
        assert_eq!(t(DataType::Int64, "jsonb"), None);
        // Types fedgate reports as arrow-pg does.
        assert_eq!(t(DataType::Utf8, "text"), None);
        assert_eq!(t(DataType::Utf8, "uuid"), None);
        assert_eq!(t(DataType::Decimal128(38, 10), "numeric"), None);
        assert_eq!(backend_type(&Field::new("c", DataType::Utf8, true)), None);
    }

    #[test]
    fn untyped_null_columns_are_text() {
        let null = Field::new("c", DataType::Null, true);
        assert_eq!(untyped_null(&null), Some((Type::TEXT, -1)));
        assert_eq!(untyped_null(&Field::new("c", DataType::Int32, true)), None);
    }

    #[test]
    fn binary_jsonb_gets_its_version_byte() {
        let schema = Arc::new(Schema::new(vec![
            field(DataType::Utf8, "jsonb"),
            field(DataType::Utf8, "jsonb"),
        ]));
        let values: ArrayRef = Arc::new(StringArray::from(vec![Some("{}"), None]));
        let batch = RecordBatch::try_new(schema.clone(), vec![values.clone(), values]).unwrap();
        let info = |format| FieldInfo::new("c".into(), None, None, Type::JSONB, format);
        let fields = vec![info(FieldFormat::Binary), info(FieldFormat::Text)];
        let out = to_binary_formats(batch, &fields).unwrap();
        let col = |i: usize| {
            out.column(i)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone()
        };
        assert_eq!(col(0).value(0).as_bytes(), b"\x01{}");
        assert!(col(0).is_null(1));
        assert_eq!(col(1).value(0), "{}");
    }

    #[test]
    fn binary_regtype_is_the_oid() {
        let schema = Arc::new(Schema::new(vec![field(DataType::Utf8, "regtype")]));
        let names: ArrayRef = Arc::new(StringArray::from(vec![Some("integer"), None]));
        let batch = RecordBatch::try_new(schema, vec![names]).unwrap();
        let fields = vec![FieldInfo::new(
            "t".into(),
            None,
            None,
            Type::REGTYPE,
            FieldFormat::Binary,
        )];
        let out = to_binary_formats(batch, &fields).unwrap();
        let oids = out.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
        assert_eq!(oids.value(0), 23);
        assert!(oids.is_null(1));
    }
}
