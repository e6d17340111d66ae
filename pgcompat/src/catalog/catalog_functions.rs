//! PostgreSQL's system information and support functions that clients call in their
//! catalog queries, answered as PostgreSQL answers them for fedgate's catalog:
//!
//! - `pg_get_userbyid(oid)`: the owner's name (`postgres` for the bootstrap superuser,
//!   OID 10, who owns everything fedgate lists); any integer type, not only `int4`;
//! - `pg_table_is_visible(oid)` and its siblings for types, functions, collations, ...:
//!   true (fedgate's catalog lists only the session database's objects);
//! - `obj_description`, `col_description`, `shobj_description`: NULL (fedgate keeps no
//!   comments), with PostgreSQL's argument forms;
//! - `has_*_privilege` for every object kind and argument form: true for a known privilege
//!   name (the session reaches every object it can name), an error for an unknown one;
//! - `pg_get_serial_sequence(table, column)`: NULL (no column owns a sequence);
//!   `pg_get_indexdef`, `pg_get_triggerdef`, `pg_get_ruledef`: NULL (fedgate lists no
//!   indexes, triggers or rules; PostgreSQL gives NULL for an OID that names none);
//! - `json_build_object(key, value, ...)`: a `json` object;
//! - `fedgate_oid_array(list)`: its argument, described as `oid[]` on the wire (an
//!   `array_agg` of OIDs in a catalog query; see `crate::rewrite::catalog_subqueries`);
//! - `like_escape(pattern, escape)`: the pattern rewritten for the default escape (`\`);
//!   the statement parser turns `LIKE p ESCAPE e` into `LIKE like_escape(p, e)`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    SimpleScalarUDF, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;
use fedgate_adapter_api::SqlState;

/// The OID of the bootstrap superuser, the owner of every object fedgate lists.
const BOOTSTRAP_SUPERUSER: i64 = 10;

/// Registers every function of this module in `ctx` (replacing datafusion-pg-catalog's
/// narrower versions of the same names).
pub fn register(ctx: &SessionContext) {
    ctx.register_udf(pg_get_userbyid_udf());
    for name in VISIBILITY_FUNCTIONS {
        ctx.register_udf(visibility_udf(name));
    }
    ctx.register_udf(null_text_udf("obj_description", &[1, 2]));
    ctx.register_udf(null_text_udf("col_description", &[2]));
    ctx.register_udf(null_text_udf("shobj_description", &[2]));
    for (name, _) in PRIVILEGE_FUNCTIONS {
        ctx.register_udf(ScalarUDF::new_from_impl(HasPrivilege::new(name)));
    }
    ctx.register_udf(null_text_udf("pg_get_serial_sequence", &[2]));
    ctx.register_udf(null_text_udf("pg_get_indexdef", &[1, 3]));
    ctx.register_udf(null_text_udf("pg_get_triggerdef", &[1, 2]));
    ctx.register_udf(null_text_udf("pg_get_ruledef", &[1, 2]));
    ctx.register_udf(ScalarUDF::new_from_impl(JsonBuildObject::new()));
    ctx.register_udf(like_escape_udf());
    ctx.register_udf(ScalarUDF::new_from_impl(OidArray::new()));
}

fn pg_error(code: SqlState, message: String) -> DataFusionError {
    DataFusionError::External(Box::new(fedgate_adapter_api::AdapterError::new(
        code, message,
    )))
}

/// One argument of any integer type (an OID: `int4` columns, `int8` literals, `oid`).
fn oid_signature(extra: &[DataType]) -> Signature {
    let integers = [DataType::Int32, DataType::Int64, DataType::UInt32];
    let variants = integers
        .iter()
        .map(|t| {
            let mut types = vec![t.clone()];
            types.extend_from_slice(extra);
            TypeSignature::Exact(types)
        })
        .collect();
    Signature::one_of(variants, Volatility::Stable)
}

/// The integer values of an argument, one per row.
fn integers(value: &ColumnarValue, rows: usize) -> Result<Vec<Option<i64>>> {
    use datafusion::arrow::datatypes::Int64Type;
    let array = value.to_array(rows)?;
    let array = datafusion::arrow::compute::cast(&array, &DataType::Int64)?;
    let array = array
        .as_any()
        .downcast_ref::<datafusion::arrow::array::PrimitiveArray<Int64Type>>();
    let array = array.ok_or_else(|| DataFusionError::Internal("not an integer".into()))?;
    Ok((0..array.len())
        .map(|i| (!array.is_null(i)).then(|| array.value(i)))
        .collect())
}

/// The text values of an argument, one per row.
fn texts(value: &ColumnarValue, rows: usize) -> Result<Vec<Option<String>>> {
    let array = value.to_array(rows)?;
    let array = datafusion::arrow::compute::cast(&array, &DataType::Utf8)?;
    let array = array
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| DataFusionError::Internal("not text".into()))?;
    Ok((0..array.len())
        .map(|i| (!array.is_null(i)).then(|| array.value(i).to_string()))
        .collect())
}

/// A result column from per-row values; a scalar when every argument was one.
fn result(array: ArrayRef, args: &[ColumnarValue]) -> Result<ColumnarValue> {
    let scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    Ok(if scalar && array.len() == 1 {
        ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?)
    } else {
        ColumnarValue::Array(array)
    })
}

/// `pg_get_userbyid(oid)`: `postgres` for OID 10, `unknown (OID=n)` otherwise (as
/// PostgreSQL prints an OID that names no role).
pub fn pg_get_userbyid_udf() -> ScalarUDF {
    let fun = Arc::new(|args: &[ColumnarValue]| {
        let rows = rows(args);
        let names: StringArray = integers(&args[0], rows)?
            .into_iter()
            .map(|oid| oid.map(user_name))
            .collect();
        result(Arc::new(names), args)
    });
    SimpleScalarUDF::new_with_signature("pg_get_userbyid", oid_signature(&[]), DataType::Utf8, fun)
        .into()
}

fn user_name(oid: i64) -> String {
    if oid == BOOTSTRAP_SUPERUSER {
        "postgres".to_string()
    } else {
        format!("unknown (OID={oid})")
    }
}

/// Rows of a call: the length of its first array argument, 1 when all are scalars.
fn rows(args: &[ColumnarValue]) -> usize {
    args.iter()
        .find_map(|a| match a {
            ColumnarValue::Array(array) => Some(array.len()),
            ColumnarValue::Scalar(_) => None,
        })
        .unwrap_or(1)
}

const VISIBILITY_FUNCTIONS: &[&str] = &[
    "pg_table_is_visible",
    "pg_type_is_visible",
    "pg_function_is_visible",
    "pg_operator_is_visible",
    "pg_opclass_is_visible",
    "pg_opfamily_is_visible",
    "pg_collation_is_visible",
    "pg_conversion_is_visible",
    "pg_statistics_obj_is_visible",
    "pg_ts_config_is_visible",
    "pg_ts_dict_is_visible",
    "pg_ts_parser_is_visible",
    "pg_ts_template_is_visible",
];

/// `pg_*_is_visible(oid)`: true for every object (NULL for a NULL OID).
fn visibility_udf(name: &str) -> ScalarUDF {
    let fun = Arc::new(|args: &[ColumnarValue]| {
        let rows = rows(args);
        let visible: BooleanArray = integers(&args[0], rows)?
            .into_iter()
            .map(|oid| oid.map(|_| true))
            .collect();
        result(Arc::new(visible), args)
    });
    SimpleScalarUDF::new_with_signature(name, oid_signature(&[]), DataType::Boolean, fun).into()
}

/// A function of `arities` arguments of any type that answers NULL text: the comment
/// functions (fedgate keeps no comments), `pg_get_serial_sequence` (no sequences) and the
/// definitions of objects fedgate does not have.
fn null_text_udf(name: &str, arities: &[usize]) -> ScalarUDF {
    let variants = arities.iter().map(|n| TypeSignature::Any(*n)).collect();
    let signature = Signature::one_of(variants, Volatility::Stable);
    let fun = Arc::new(|args: &[ColumnarValue]| {
        let nulls: ArrayRef = Arc::new(StringArray::new_null(rows(args)));
        result(nulls, args)
    });
    SimpleScalarUDF::new_with_signature(name, signature, DataType::Utf8, fun).into()
}

/// The `has_*_privilege` functions and the privilege names each accepts.
const PRIVILEGE_FUNCTIONS: &[(&str, &[&str])] = &[
    (
        "has_table_privilege",
        &[
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER",
        ],
    ),
    (
        "has_any_column_privilege",
        &["SELECT", "INSERT", "UPDATE", "REFERENCES"],
    ),
    (
        "has_column_privilege",
        &["SELECT", "INSERT", "UPDATE", "REFERENCES"],
    ),
    (
        "has_database_privilege",
        &["CREATE", "CONNECT", "TEMPORARY", "TEMP"],
    ),
    ("has_schema_privilege", &["CREATE", "USAGE"]),
    ("has_function_privilege", &["EXECUTE"]),
    ("has_sequence_privilege", &["USAGE", "SELECT", "UPDATE"]),
    ("has_foreign_data_wrapper_privilege", &["USAGE"]),
    ("has_server_privilege", &["USAGE"]),
    ("has_language_privilege", &["USAGE"]),
    ("has_tablespace_privilege", &["CREATE"]),
    ("has_type_privilege", &["USAGE"]),
    ("has_parameter_privilege", &["SET", "ALTER SYSTEM"]),
];

/// `has_*_privilege([user,] object, [column,] privilege)`: true when every privilege named
/// (a comma-separated list, each optionally `WITH GRANT OPTION`) is one the object kind
/// has; NULL when an argument is NULL; error 22023 for an unknown privilege.
#[derive(Debug, PartialEq, Eq, Hash)]
struct HasPrivilege {
    name: String,
    signature: Signature,
}

impl HasPrivilege {
    fn new(name: &str) -> Self {
        let arities = if name == "has_column_privilege" {
            vec![TypeSignature::Any(3), TypeSignature::Any(4)]
        } else {
            vec![TypeSignature::Any(2), TypeSignature::Any(3)]
        };
        Self {
            name: name.to_string(),
            signature: Signature::one_of(arities, Volatility::Stable),
        }
    }

    fn known(&self) -> &'static [&'static str] {
        PRIVILEGE_FUNCTIONS
            .iter()
            .find(|(name, _)| *name == self.name)
            .map_or(&[], |(_, privileges)| privileges)
    }

    fn check(&self, privileges: &str) -> Result<bool> {
        for privilege in privileges.split(',') {
            let upper = privilege.trim().to_ascii_uppercase();
            let bare = upper.strip_suffix(" WITH GRANT OPTION").unwrap_or(&upper);
            let bare = bare.trim();
            if !self.known().contains(&bare) {
                return Err(pg_error(
                    SqlState::InvalidParameterValue,
                    format!("unrecognized privilege type: \"{}\"", privilege.trim()),
                ));
            }
        }
        Ok(true)
    }
}

impl ScalarUDFImpl for HasPrivilege {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows.max(rows(&args.args));
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let privileges = texts(&args.args[args.args.len() - 1], rows)?;
        let answers = (0..rows)
            .map(|row| {
                let any_null = arrays
                    .iter()
                    .any(|a| a.logical_nulls().is_some_and(|n| n.is_null(row)));
                match (&privileges[row], any_null) {
                    (Some(p), false) => self.check(p).map(Some),
                    _ => Ok(None),
                }
            })
            .collect::<Result<BooleanArray>>()?;
        result(Arc::new(answers), &args.args)
    }
}

/// `json_build_object(key, value, ...)`: a `json` object of the pairs, keys as text and
/// values in their JSON form (numbers and booleans bare, NULL as `null`, anything else as
/// a string). Described as `json` on the wire.
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonBuildObject {
    signature: Signature,
}

impl JsonBuildObject {
    fn new() -> Self {
        Self {
            signature: Signature::one_of(
                vec![TypeSignature::VariadicAny, TypeSignature::Nullary],
                Volatility::Stable,
            ),
        }
    }
}

/// The JSON text of one value.
fn json_value(value: &ScalarValue) -> Result<String> {
    if value.is_null() {
        return Ok("null".to_string());
    }
    let data_type = value.data_type();
    let text = value.to_string();
    Ok(
        if data_type.is_numeric() || data_type == DataType::Boolean {
            text
        } else {
            serde_json::Value::String(text).to_string()
        },
    )
}

impl ScalarUDFImpl for JsonBuildObject {
    fn name(&self) -> &str {
        "json_build_object"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, _: ReturnFieldArgs) -> Result<FieldRef> {
        let metadata = [(
            fedgate_adapter_api::metadata::PG_TYPE.to_string(),
            "json".to_string(),
        )];
        Ok(Arc::new(
            Field::new(self.name(), DataType::Utf8, true).with_metadata(metadata.into()),
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if !args.args.len().is_multiple_of(2) {
            return Err(pg_error(
                SqlState::InvalidParameterValue,
                "argument list must have even number of elements".to_string(),
            ));
        }
        let rows = args.number_rows.max(rows(&args.args));
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let objects = (0..rows)
            .map(|row| json_object(&arrays, row).map(Some))
            .collect::<Result<StringArray>>()?;
        result(Arc::new(objects), &args.args)
    }
}

/// Row `row` of key/value columns as a JSON object text (PostgreSQL's spacing).
fn json_object(arrays: &[ArrayRef], row: usize) -> Result<String> {
    let mut members = Vec::with_capacity(arrays.len() / 2);
    for (i, pair) in arrays.chunks(2).enumerate() {
        let key = ScalarValue::try_from_array(&pair[0], row)?;
        if key.is_null() {
            return Err(pg_error(
                SqlState::NullValueNotAllowed,
                format!("argument {} cannot be null", 2 * i + 1),
            ));
        }
        let key = serde_json::Value::String(key.to_string()).to_string();
        let value = json_value(&ScalarValue::try_from_array(&pair[1], row)?)?;
        members.push(format!("{key} : {value}"));
    }
    Ok(format!("{{{}}}", members.join(", ")))
}

/// The name of the function that marks a list of OIDs as `oid[]`.
pub const OID_ARRAY_FUNCTION: &str = "fedgate_oid_array";

/// `fedgate_oid_array(list)`: the list unchanged, its field tagged `oid[]` (asyncpg
/// decodes `oid[]` without introspecting it; an `int4[]` column in its own introspection
/// query sent it into endless introspection).
#[derive(Debug, PartialEq, Eq, Hash)]
struct OidArray {
    signature: Signature,
}

impl OidArray {
    fn new() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for OidArray {
    fn name(&self) -> &str {
        OID_ARRAY_FUNCTION
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        Ok(args[0].clone())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let metadata = [(
            fedgate_adapter_api::metadata::PG_TYPE.to_string(),
            "oid[]".to_string(),
        )];
        let data_type = args.arg_fields[0].data_type().clone();
        Ok(Arc::new(
            Field::new(self.name(), data_type, true).with_metadata(metadata.into()),
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(args.args[0].clone())
    }
}

/// `like_escape(pattern, escape)`: `pattern` written for LIKE's default escape character,
/// the backslash. An empty `escape` means no escape character at all.
pub fn like_escape_udf() -> ScalarUDF {
    let fun = Arc::new(|args: &[ColumnarValue]| {
        let rows = rows(args);
        let patterns = texts(&args[0], rows)?;
        let escapes = texts(&args[1], rows)?;
        let converted = patterns
            .iter()
            .zip(&escapes)
            .map(|(pattern, escape)| match (pattern, escape) {
                (Some(p), Some(e)) => like_pattern(p, e).map(Some),
                _ => Ok(None),
            })
            .collect::<Result<StringArray>>()?;
        result(Arc::new(converted), args)
    });
    let signature = Signature::exact(vec![DataType::Utf8, DataType::Utf8], Volatility::Immutable);
    SimpleScalarUDF::new_with_signature("like_escape", signature, DataType::Utf8, fun).into()
}

/// `pattern` with escape character `escape` rewritten for the backslash escape.
pub fn like_pattern(pattern: &str, escape: &str) -> Result<String> {
    let mut chars = escape.chars();
    let escape = match (chars.next(), chars.next()) {
        (None, _) => None,
        (Some(c), None) => Some(c),
        _ => {
            return Err(pg_error(
                SqlState::InvalidEscapeCharacter,
                "invalid escape string".to_string(),
            ))
        }
    };
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            // The escaped character stands for itself (PostgreSQL accepts a trailing escape
            // as a literal escape character).
            let literal = chars.next().unwrap_or(c);
            out.push('\\');
            out.push(literal);
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn query(sql: &str) -> Result<Vec<String>> {
        let ctx = SessionContext::new();
        register(&ctx);
        let batches = ctx.sql(sql).await?.collect().await?;
        let mut rows = Vec::new();
        for batch in &batches {
            for row in 0..batch.num_rows() {
                let values = batch
                    .columns()
                    .iter()
                    .map(|c| ScalarValue::try_from_array(c, row).map(|v| v.to_string()))
                    .collect::<Result<Vec<_>>>()?;
                rows.push(values.join("|"));
            }
        }
        Ok(rows)
    }

    #[tokio::test]
    async fn owners_and_visibility_take_any_integer() {
        let got = query("SELECT pg_get_userbyid(10) AS a, pg_get_userbyid(CAST(10 AS INT)) AS b, pg_get_userbyid(42) AS c, pg_table_is_visible(16384) AS d, pg_collation_is_visible(CAST(100 AS INT)) AS e")
            .await
            .unwrap();
        assert_eq!(got, vec!["postgres|postgres|unknown (OID=42)|true|true"]);
    }

    #[tokio::test]
    async fn comments_and_serial_sequences_are_null() {
        let got = query("SELECT obj_description(1259), obj_description(1259, 'pg_class') IS NULL, col_description(1259, 1) IS NULL, pg_get_serial_sequence('items', 'id') IS NULL, pg_get_indexdef(1, 0, true) IS NULL")
            .await
            .unwrap();
        assert_eq!(got, vec!["NULL|true|true|true|true"]);
    }

    #[tokio::test]
    async fn privileges_are_checked_by_name() {
        let got = query("SELECT has_table_privilege('items', 'SELECT'), has_table_privilege('u', 'items', 'select, insert WITH GRANT OPTION'), has_column_privilege('items', 'id', 'UPDATE'), has_server_privilege('pg', 'USAGE'), has_schema_privilege(NULL, 'USAGE') IS NULL")
            .await
            .unwrap();
        assert_eq!(got, vec!["true|true|true|true|true"]);
        let err = query("SELECT has_schema_privilege('public', 'SELECT')")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unrecognized privilege type: \"SELECT\""),
            "{err}"
        );
    }

    #[tokio::test]
    async fn json_objects() {
        let got = query("SELECT json_build_object('a', 1, 'b', 'x\"y', 'c', NULL, 'd', true), json_build_object()")
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![r#"{"a" : 1, "b" : "x\"y", "c" : null, "d" : true}|{}"#]
        );
        assert!(query("SELECT json_build_object('a')").await.is_err());
    }

    #[test]
    fn like_patterns_for_the_backslash_escape() {
        assert_eq!(like_pattern("pg/_%", "/").unwrap(), "pg\\_%");
        assert_eq!(like_pattern("a\\b//", "/").unwrap(), "a\\\\b\\/");
        assert_eq!(like_pattern("a\\b", "").unwrap(), "a\\\\b");
        assert_eq!(like_pattern("x!%", "!").unwrap(), "x\\%");
        assert!(like_pattern("x", "ab").is_err());
    }
}
