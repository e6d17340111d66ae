//! The json and jsonb scalar functions, and the functions the operators are planned as.
//!
//! Each is a [`JsonFunction`]: a name, how its result is typed (a tagged `json`/`jsonb`
//! text, text, boolean or integer) and what it does to one row's values, given the kinds
//! ([`Kind`]) of its arguments.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use fedgate_adapter_api::SqlState;

use super::value::{normalize_number, quoted, Json, Node};
use super::{arg_text, jsonb_of, kinds, parse_as, result_field, text_list, Kind};
use crate::functions::{pg_error, pg_error_hint, pg_type_name};
use crate::output::pg_text::{format_column, OutputStyle};

/// What a function returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returns {
    Json,
    Jsonb,
    /// `json` for a `json` first argument, else `jsonb` (`->`, `#>`).
    LikeFirst,
    Text,
    Bool,
    Int,
    /// `text[]` (the select-list forms of the set-returning functions).
    TextList,
    /// `bytea` (sort keys).
    Bytes,
}

/// One result value.
pub enum Out {
    Text(String),
    Bool(bool),
    Int(i64),
    List(Vec<Option<String>>),
    Bytes(Vec<u8>),
}

/// The context of one call: its arguments' kinds.
pub struct Call<'a> {
    pub name: &'static str,
    pub kinds: &'a [Kind],
}

impl Call<'_> {
    /// Argument `i`'s kind; an untyped first argument of a `json_` function is `json`.
    fn kind(&self, i: usize) -> Kind {
        match self.kinds.get(i).copied().unwrap_or(Kind::Other) {
            Kind::Other if i == 0 && self.name.starts_with("json_") => Kind::Json,
            kind => kind,
        }
    }

    /// Argument `i` as a jsonb value (`None` for NULL).
    fn jsonb(&self, values: &[ScalarValue], i: usize) -> Result<Option<Json>> {
        match values.get(i) {
            None => Ok(None),
            Some(v) => match arg_text(v, self.name)? {
                None => Ok(None),
                Some(text) => jsonb_of(text, self.kind(i)).map(Some),
            },
        }
    }

    fn text<'v>(&self, values: &'v [ScalarValue], i: usize) -> Result<Option<&'v str>> {
        match values.get(i) {
            None => Ok(None),
            Some(v) => match v {
                ScalarValue::Utf8(_) | ScalarValue::LargeUtf8(_) | ScalarValue::Utf8View(_) => {
                    arg_text(v, self.name)
                }
                other if other.is_null() => Ok(None),
                _ => Ok(None),
            },
        }
    }
}

type Row = fn(&Call, &[ScalarValue]) -> Result<Option<Out>>;

/// A json function (see the module comment).
pub struct JsonFunction {
    name: &'static str,
    signature: Signature,
    returns: Returns,
    strict: bool,
    row: Row,
    /// Refused with 0A000 when a call is planned.
    refused: bool,
}

impl JsonFunction {
    fn new(name: &'static str, returns: Returns, strict: bool, row: Row) -> Self {
        Self {
            refused: false,
            name,
            signature: Signature::one_of(
                vec![TypeSignature::VariadicAny, TypeSignature::Nullary],
                Volatility::Immutable,
            ),
            returns,
            strict,
            row,
        }
    }

    fn result_type(&self) -> DataType {
        match self.returns {
            Returns::Bool => DataType::Boolean,
            Returns::Int => DataType::Int32,
            Returns::Bytes => DataType::Binary,
            Returns::TextList => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
            }
            _ => DataType::Utf8,
        }
    }

    fn result_kind(&self, kinds: &[Kind]) -> Option<Kind> {
        match self.returns {
            Returns::Json => Some(Kind::Json),
            Returns::Jsonb => Some(Kind::Jsonb),
            Returns::LikeFirst => Some(match kinds.first() {
                Some(Kind::Json) => Kind::Json,
                _ => Kind::Jsonb,
            }),
            _ => None,
        }
    }

    fn to_scalar(&self, out: Option<Out>) -> Result<ScalarValue> {
        Ok(match out {
            None => ScalarValue::try_from(&self.result_type())?,
            Some(Out::Text(t)) => ScalarValue::Utf8(Some(t)),
            Some(Out::Bool(b)) => ScalarValue::Boolean(Some(b)),
            Some(Out::Int(i)) => ScalarValue::Int32(Some(i as i32)),
            Some(Out::Bytes(b)) => ScalarValue::Binary(Some(b)),
            Some(Out::List(items)) => {
                let values: Vec<ScalarValue> = items.into_iter().map(ScalarValue::Utf8).collect();
                ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Utf8))
            }
        })
    }
}

impl std::fmt::Debug for JsonFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonFunction")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for JsonFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for JsonFunction {}

impl std::hash::Hash for JsonFunction {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for JsonFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.result_type())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if self.refused {
            return Err(refusal(self.name));
        }
        let (min, max) = arity(self.name);
        if !(min..=max).contains(&args.arg_fields.len()) {
            let types: Vec<DataType> = args
                .arg_fields
                .iter()
                .map(|f| f.data_type().clone())
                .collect();
            return Err(pg_error_hint(
                SqlState::UndefinedFunction,
                crate::functions::signature_text(self.name, &types),
                "No function matches the given name and argument types. You might need to add explicit type casts.",
            ));
        }
        Ok(match self.result_kind(&kinds(args.arg_fields)) {
            Some(kind) => result_field(self.name, kind),
            None => Arc::new(Field::new(self.name, self.result_type(), true)),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let kinds = kinds(&args.arg_fields);
        let call = Call {
            name: self.name,
            kinds: &kinds,
        };
        let apply = |values: &[ScalarValue]| -> Result<ScalarValue> {
            if self.strict && values.iter().any(ScalarValue::is_null) {
                return self.to_scalar(None);
            }
            self.to_scalar((self.row)(&call, values)?)
        };
        if args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)))
        {
            let values: Vec<ScalarValue> = args
                .args
                .iter()
                .map(|a| match a {
                    ColumnarValue::Scalar(s) => s.clone(),
                    ColumnarValue::Array(_) => unreachable!("all scalars"),
                })
                .collect();
            return Ok(ColumnarValue::Scalar(apply(&values)?));
        }
        let arrays: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|a| a.to_array(args.number_rows))
            .collect::<Result<_>>()?;
        let mut results = Vec::with_capacity(args.number_rows);
        let mut values = Vec::with_capacity(arrays.len());
        for i in 0..args.number_rows {
            values.clear();
            for array in &arrays {
                values.push(ScalarValue::try_from_array(array, i)?);
            }
            results.push(apply(&values)?);
        }
        if results.is_empty() {
            return Ok(ColumnarValue::Array(
                datafusion::arrow::array::new_empty_array(&self.result_type()),
            ));
        }
        Ok(ColumnarValue::Array(ScalarValue::iter_to_array(results)?))
    }
}

fn udf(name: &'static str, returns: Returns, strict: bool, row: Row) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(JsonFunction::new(
        name, returns, strict, row,
    )))
}

/// A function fedgate refuses (see [`refusal`]).
fn refused(name: &'static str, returns: Returns) -> Arc<ScalarUDF> {
    let mut function = JsonFunction::new(name, returns, true, unsupported);
    function.refused = true;
    Arc::new(ScalarUDF::new_from_impl(function))
}

/// Every scalar json function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    use Returns::*;
    vec![
        udf("jsonb_in", Jsonb, true, jsonb_in),
        udf("json_in", Json, true, json_in),
        udf(JSON_TO_TEXT, Text, true, json_to_text),
        udf("json_get", LikeFirst, true, get),
        udf("json_get_text", Text, true, get_text),
        udf("json_get_path", LikeFirst, true, get_path),
        udf("json_get_path_text", Text, true, get_path_text),
        udf("jsonb_extract_path", LikeFirst, true, extract_path),
        udf("jsonb_extract_path_text", Text, true, extract_path_text),
        udf("json_extract_path", Json, true, extract_path),
        udf("json_extract_path_text", Text, true, extract_path_text),
        udf("jsonb_contains", Bool, true, contains),
        udf("jsonb_exists", Bool, true, exists),
        udf("jsonb_exists_any", Bool, true, exists_any),
        udf("jsonb_exists_all", Bool, true, exists_all),
        udf("jsonb_concat", Jsonb, true, concat),
        udf("jsonb_delete", Jsonb, true, delete),
        udf("jsonb_delete_path", Jsonb, true, delete_path),
        udf("jsonb_compare", Int, true, compare),
        udf(SORT_KEY, Bytes, true, sort_key),
        udf("jsonb_typeof", Text, true, type_of),
        udf("json_typeof", Text, true, type_of),
        udf("jsonb_array_length", Int, true, array_length),
        udf("json_array_length", Int, true, array_length),
        udf("jsonb_strip_nulls", Jsonb, true, strip_nulls),
        udf("jsonb_pretty", Text, true, pretty),
        udf("to_json", Json, true, to_json),
        udf("row_to_json", Json, true, row_to_json),
        udf("to_jsonb", Jsonb, true, to_jsonb),
        udf("json_build_object", Json, false, json_build_object),
        udf("jsonb_build_object", Jsonb, false, jsonb_build_object),
        udf("json_build_array", Json, false, json_build_array),
        udf("jsonb_build_array", Jsonb, false, jsonb_build_array),
        udf("jsonb_set", Jsonb, true, jsonb_set),
        udf("jsonb_insert", Jsonb, true, jsonb_insert),
        udf("fedgate_jsonb_object_keys", TextList, true, object_keys),
        udf("fedgate_json_object_keys", TextList, true, object_keys),
        udf(
            "fedgate_jsonb_array_elements",
            TextList,
            true,
            array_elements,
        ),
        udf(
            "fedgate_jsonb_array_elements_text",
            TextList,
            true,
            array_elements_text,
        ),
        udf(
            "fedgate_json_array_elements_text",
            TextList,
            true,
            array_elements_text,
        ),
        refused("jsonb_object_keys", TextList),
        refused("json_object_keys", TextList),
        refused("jsonb_array_elements", TextList),
        refused("jsonb_array_elements_text", TextList),
        refused("json_array_elements_text", TextList),
        refused("jsonb_path_query_array", Jsonb),
        refused("jsonb_path_query_first", Jsonb),
        refused("jsonb_path_exists", Bool),
        refused("jsonb_path_match", Bool),
    ]
}

/// The function a jsonb sort key is computed by (`ORDER BY` a jsonb value).
pub const SORT_KEY: &str = "fedgate_jsonb_sort_key";

fn sort_key(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    Ok(call.jsonb(values, 0)?.map(|v| Out::Bytes(v.sort_key())))
}

/// How many arguments a function takes.
fn arity(name: &str) -> (usize, usize) {
    match name {
        "json_build_object" | "jsonb_build_object" | "json_build_array" | "jsonb_build_array" => {
            (0, usize::MAX)
        }
        "jsonb_extract_path"
        | "jsonb_extract_path_text"
        | "json_extract_path"
        | "json_extract_path_text" => (1, usize::MAX),
        "jsonb_set" | "jsonb_insert" => (3, 4),
        "jsonb_path_query_array"
        | "jsonb_path_query_first"
        | "jsonb_path_exists"
        | "jsonb_path_match" => (2, 4),
        "json_get" | "json_get_text" | "json_get_path" | "json_get_path_text"
        | "jsonb_contains" | "jsonb_exists" | "jsonb_exists_any" | "jsonb_exists_all"
        | "jsonb_concat" | "jsonb_delete" | "jsonb_delete_path" | "jsonb_compare" => (2, 2),
        _ => (1, 1),
    }
}

/// The function a cast of a json value to text is planned as.
pub const JSON_TO_TEXT: &str = "fedgate_json_text";

// ---- casts ---------------------------------------------------------------------------------

fn cast_source(call: &Call, values: &[ScalarValue], target: &str) -> Result<String> {
    match call.text(values, 0)? {
        Some(text) => Ok(text.to_string()),
        None => Err(pg_error(
            SqlState::CannotCoerce,
            format!(
                "cannot cast type {} to {target}",
                pg_type_name(&values[0].data_type())
            ),
        )),
    }
}

fn jsonb_in(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let text = cast_source(call, values, "jsonb")?;
    Ok(Some(Out::Text(jsonb_of(&text, call.kind(0))?.jsonb_text())))
}

fn json_in(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let text = cast_source(call, values, "json")?;
    if call.kinds.first().is_none_or(|k| *k == Kind::Other) {
        super::value::parse_json(&text).map_err(super::syntax_error)?;
    }
    Ok(Some(Out::Text(text)))
}

fn json_to_text(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    Ok(call.text(values, 0)?.map(|t| Out::Text(t.to_string())))
}

fn unsupported(call: &Call, _: &[ScalarValue]) -> Result<Option<Out>> {
    Err(refusal(call.name))
}

/// Why a function is refused (raised when a call is planned).
fn refusal(name: &str) -> datafusion::error::DataFusionError {
    let reason = match name.starts_with("jsonb_path") {
        true => "(SQL/JSON path) is not supported by fedgate's planner",
        false => "is supported in the select list only as a whole item, or in FROM",
    };
    pg_error(SqlState::FeatureNotSupported, format!("{name} {reason}"))
}

// ---- navigation ----------------------------------------------------------------------------

/// A step into a value: an object key or an array index.
enum Step<'a> {
    Key(&'a str),
    Index(i64),
}

fn step_of(value: &ScalarValue) -> Option<Step<'_>> {
    match crate::functions::int_of(value) {
        Some(i) => Some(Step::Index(i)),
        None => crate::functions::text_of(value).map(Step::Key),
    }
}

/// The child of `node` at `step` (the last of repeated keys in json).
fn child<'a>(node: &'a Node, step: &Step) -> Option<&'a Node> {
    match (&node.value, step) {
        (Json::Object(members), Step::Key(key)) => {
            members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
        }
        (Json::Array(items), Step::Index(i)) => {
            let index = if *i < 0 { items.len() as i64 + i } else { *i };
            usize::try_from(index).ok().and_then(|i| items.get(i))
        }
        _ => None,
    }
}

/// A path element as a step: a key of an object, an index (if it is an integer) of an array.
fn path_child<'a>(node: &'a Node, element: &str) -> Option<&'a Node> {
    match &node.value {
        Json::Object(_) => child(node, &Step::Key(element)),
        Json::Array(_) => element
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|i| child(node, &Step::Index(i))),
        _ => None,
    }
}

/// The text of a found value as the result kind wants it.
fn node_out(node: &Node, source: &str, kind: Kind) -> Out {
    match kind {
        Kind::Json => Out::Text(node.source(source).to_string()),
        _ => Out::Text(node.value.jsonb_text()),
    }
}

fn node_text(node: &Node, source: &str, kind: Kind) -> Option<Out> {
    match (&node.value, kind) {
        (Json::Null, _) => None,
        (Json::String(s), _) => Some(Out::Text(s.clone())),
        (_, Kind::Json) => Some(Out::Text(node.source(source).to_string())),
        (value, _) => value.as_text().map(Out::Text),
    }
}

fn document<'v>(call: &Call, values: &'v [ScalarValue]) -> Result<(&'v str, Node)> {
    let text = call.text(values, 0)?.unwrap_or_default();
    let node = parse_as(text, call.kind(0))?;
    Ok((text, node))
}

/// `->`'s child: jsonb also answers index 0 or -1 of a scalar with the scalar (PostgreSQL
/// stores a scalar as a one-element array).
fn operator_child<'a>(node: &'a Node, step: &Step, kind: Kind) -> Option<&'a Node> {
    let scalar = !matches!(node.value, Json::Array(_) | Json::Object(_));
    match step {
        Step::Index(0 | -1) if scalar && kind != Kind::Json => Some(node),
        _ => child(node, step),
    }
}

fn get(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (text, node) = document(call, values)?;
    let Some(step) = step_of(&values[1]) else {
        return Ok(None);
    };
    let kind = call.kind(0);
    Ok(operator_child(&node, &step, kind).map(|n| node_out(n, text, kind)))
}

fn get_text(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (text, node) = document(call, values)?;
    let Some(step) = step_of(&values[1]) else {
        return Ok(None);
    };
    let kind = call.kind(0);
    Ok(operator_child(&node, &step, kind).and_then(|n| node_text(n, text, kind)))
}

fn follow<'a>(node: &'a Node, path: &[Option<String>]) -> Option<&'a Node> {
    path.iter()
        .try_fold(node, |node, element| path_child(node, element.as_deref()?))
}

fn get_path(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (text, node) = document(call, values)?;
    let Some(path) = text_list(&values[1])? else {
        return Ok(None);
    };
    Ok(follow(&node, &path).map(|n| node_out(n, text, call.kind(0))))
}

fn get_path_text(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (text, node) = document(call, values)?;
    let Some(path) = text_list(&values[1])? else {
        return Ok(None);
    };
    Ok(follow(&node, &path).and_then(|n| node_text(n, text, call.kind(0))))
}

fn variadic_path(values: &[ScalarValue]) -> Vec<Option<String>> {
    values[1..]
        .iter()
        .map(|v| crate::functions::text_of(v).map(str::to_string))
        .collect()
}

fn extract_path(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (text, node) = document(call, values)?;
    let kind = match call.name.starts_with("jsonb") {
        true => Kind::Jsonb,
        false => call.kind(0),
    };
    Ok(follow(&node, &variadic_path(values)).map(|n| node_out(n, text, kind)))
}

fn extract_path_text(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (text, node) = document(call, values)?;
    Ok(follow(&node, &variadic_path(values)).and_then(|n| node_text(n, text, call.kind(0))))
}

// ---- predicates ------------------------------------------------------------------------------

fn both(call: &Call, values: &[ScalarValue]) -> Result<Option<(Json, Json)>> {
    Ok(match (call.jsonb(values, 0)?, call.jsonb(values, 1)?) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    })
}

fn contains(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    Ok(both(call, values)?.map(|(a, b)| Out::Bool(a.contains(&b))))
}

fn compare(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    Ok(both(call, values)?.map(|(a, b)| Out::Int(a.compare(&b) as i64)))
}

fn exists(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let doc = call.jsonb(values, 0)?;
    let key = call.text(values, 1)?;
    Ok(doc.zip(key).map(|(d, k)| Out::Bool(d.has_key(k))))
}

fn keys_test(call: &Call, values: &[ScalarValue], all: bool) -> Result<Option<Out>> {
    let Some(doc) = call.jsonb(values, 0)? else {
        return Ok(None);
    };
    let Some(keys) = text_list(&values[1])? else {
        return Ok(None);
    };
    let mut keys = keys.iter().flatten();
    Ok(Some(Out::Bool(match all {
        true => keys.all(|k| doc.has_key(k)),
        false => keys.any(|k| doc.has_key(k)),
    })))
}

fn exists_any(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    keys_test(call, values, false)
}

fn exists_all(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    keys_test(call, values, true)
}

// ---- modification ----------------------------------------------------------------------------

fn jsonb_out(value: Json) -> Option<Out> {
    Some(Out::Text(value.jsonb_text()))
}

fn built(values: Vec<Json>) -> Vec<Node> {
    values.into_iter().map(Node::built).collect()
}

fn concat(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let Some((a, b)) = both(call, values)? else {
        return Ok(None);
    };
    let result = match (a, b) {
        (Json::Object(mut left), Json::Object(right)) => {
            for (key, value) in right {
                match left.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => left.push((key, value)),
                }
            }
            Json::Object(left).normalized()
        }
        (Json::Array(mut left), Json::Array(right)) => {
            left.extend(right);
            Json::Array(left)
        }
        (Json::Array(mut left), other) => {
            left.push(Node::built(other));
            Json::Array(left)
        }
        (other, Json::Array(right)) => {
            let mut items = vec![Node::built(other)];
            items.extend(right);
            Json::Array(items)
        }
        (a, b) => Json::Array(built(vec![a, b])),
    };
    Ok(jsonb_out(result))
}

fn invalid(message: impl Into<String>) -> datafusion::error::DataFusionError {
    pg_error(SqlState::InvalidParameterValue, message)
}

fn delete(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let Some(doc) = call.jsonb(values, 0)? else {
        return Ok(None);
    };
    let keys: Vec<String> = match (&values[1], crate::functions::int_of(&values[1])) {
        (_, Some(index)) => return delete_index(doc, index),
        (ScalarValue::List(_), _) => text_list(&values[1])?
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect(),
        (other, _) => crate::functions::text_of(other)
            .map(|k| vec![k.to_string()])
            .unwrap_or_default(),
    };
    let result = match doc {
        Json::Object(members) => Json::Object(
            members
                .into_iter()
                .filter(|(k, _)| !keys.contains(k))
                .collect(),
        ),
        Json::Array(items) => Json::Array(
            items
                .into_iter()
                .filter(|n| !matches!(&n.value, Json::String(s) if keys.contains(s)))
                .collect(),
        ),
        _ => return Err(invalid("cannot delete from scalar")),
    };
    Ok(jsonb_out(result))
}

fn delete_index(doc: Json, index: i64) -> Result<Option<Out>> {
    match doc {
        Json::Array(mut items) => {
            let at = if index < 0 {
                items.len() as i64 + index
            } else {
                index
            };
            if let Ok(at) = usize::try_from(at) {
                if at < items.len() {
                    items.remove(at);
                }
            }
            Ok(jsonb_out(Json::Array(items)))
        }
        Json::Object(_) => Err(invalid("cannot delete from object using integer index")),
        _ => Err(invalid("cannot delete from scalar")),
    }
}

/// What to do at the end of a path.
#[derive(Clone, Copy)]
enum Edit<'a> {
    Set { value: &'a Json, create: bool },
    Insert { value: &'a Json, after: bool },
    Delete,
}

fn path_index(element: &str, position: usize) -> Result<i64> {
    element.trim().parse::<i64>().map_err(|_| {
        pg_error(
            SqlState::InvalidTextRepresentation,
            format!("path element at position {position} is not an integer: \"{element}\""),
        )
    })
}

/// Applies `edit` at `path` inside `doc` (positions are 1-based in messages).
fn edit_at(doc: &mut Json, path: &[String], position: usize, edit: Edit) -> Result<()> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(());
    };
    match doc {
        Json::Object(members) => {
            let found = members.iter().position(|(k, _)| k == first);
            if !rest.is_empty() {
                if let Some(i) = found {
                    edit_at(&mut members[i].1.value, rest, position + 1, edit)?;
                }
                return Ok(());
            }
            match (edit, found) {
                (Edit::Set { value, .. }, Some(i)) => members[i].1 = Node::built(value.clone()),
                (
                    Edit::Set {
                        value,
                        create: true,
                    },
                    None,
                )
                | (Edit::Insert { value, .. }, None) => {
                    members.push((first.clone(), Node::built(value.clone())))
                }
                (Edit::Insert { .. }, Some(_)) => {
                    return Err(pg_error_hint(
                        SqlState::InvalidParameterValue,
                        "cannot replace existing key",
                        "Try using the function jsonb_set to replace key value.",
                    ))
                }
                (Edit::Delete, Some(i)) => {
                    members.remove(i);
                }
                _ => {}
            }
            *doc = std::mem::replace(doc, Json::Null).normalized();
            Ok(())
        }
        Json::Array(items) => {
            let index = path_index(first, position)?;
            let len = items.len() as i64;
            let at = if index < 0 { len + index } else { index };
            if !rest.is_empty() {
                if (0..len).contains(&at) {
                    edit_at(&mut items[at as usize].value, rest, position + 1, edit)?;
                }
                return Ok(());
            }
            match edit {
                Edit::Set { value, create } => {
                    if (0..len).contains(&at) {
                        items[at as usize] = Node::built(value.clone());
                    } else if create && at < 0 {
                        items.insert(0, Node::built(value.clone()));
                    } else if create {
                        items.push(Node::built(value.clone()));
                    }
                }
                Edit::Insert { value, after } => {
                    let slot = if at < 0 {
                        0
                    } else if at >= len {
                        len
                    } else {
                        at + i64::from(after)
                    };
                    items.insert(slot as usize, Node::built(value.clone()));
                }
                Edit::Delete => {
                    if (0..len).contains(&at) {
                        items.remove(at as usize);
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn edited(call: &Call, values: &[ScalarValue], edit: Edit) -> Result<Option<Out>> {
    let Some(mut doc) = call.jsonb(values, 0)? else {
        return Ok(None);
    };
    let Some(path) = text_list(&values[1])? else {
        return Ok(None);
    };
    if let Some(position) = path.iter().position(Option::is_none) {
        return Err(pg_error(
            SqlState::NullValueNotAllowed,
            format!("path element at position {} is null", position + 1),
        ));
    }
    let path: Vec<String> = path.into_iter().flatten().collect();
    if !matches!(doc, Json::Object(_) | Json::Array(_)) {
        return Err(invalid(match edit {
            Edit::Delete => "cannot delete path in scalar",
            _ => "cannot set path in scalar",
        }));
    }
    edit_at(&mut doc, &path, 1, edit)?;
    Ok(jsonb_out(doc))
}

fn flag(values: &[ScalarValue], i: usize, default: bool) -> bool {
    match values.get(i) {
        Some(ScalarValue::Boolean(Some(b))) => *b,
        _ => default,
    }
}

fn jsonb_set(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let Some(value) = call.jsonb(values, 2)? else {
        return Ok(None);
    };
    let create = flag(values, 3, true);
    edited(
        call,
        values,
        Edit::Set {
            value: &value,
            create,
        },
    )
}

fn jsonb_insert(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let Some(value) = call.jsonb(values, 2)? else {
        return Ok(None);
    };
    let after = flag(values, 3, false);
    edited(
        call,
        values,
        Edit::Insert {
            value: &value,
            after,
        },
    )
}

fn delete_path(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    edited(call, values, Edit::Delete)
}

fn strip(value: Json) -> Json {
    match value {
        Json::Object(members) => Json::Object(
            members
                .into_iter()
                .filter(|(_, v)| v.value != Json::Null)
                .map(|(k, v)| (k, Node::built(strip(v.value))))
                .collect(),
        ),
        Json::Array(items) => Json::Array(
            items
                .into_iter()
                .map(|n| Node::built(strip(n.value)))
                .collect(),
        ),
        other => other,
    }
}

fn strip_nulls(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    Ok(call.jsonb(values, 0)?.map(strip).and_then(jsonb_out))
}

// ---- inspection ----------------------------------------------------------------------------

fn type_of(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (_, node) = document(call, values)?;
    Ok(Some(Out::Text(node.value.type_name().to_string())))
}

fn array_length(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (_, node) = document(call, values)?;
    match node.value {
        Json::Array(items) => Ok(Some(Out::Int(items.len() as i64))),
        Json::Object(_) => Err(invalid("cannot get array length of a non-array")),
        _ => Err(invalid("cannot get array length of a scalar")),
    }
}

fn pretty(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    Ok(call.jsonb(values, 0)?.map(|v| Out::Text(v.pretty_text())))
}

fn object_keys(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let (_, node) = document(call, values)?;
    match node.value {
        Json::Object(members) => {
            let mut keys: Vec<Option<String>> = Vec::new();
            for (key, _) in members {
                if !keys.iter().any(|k| k.as_deref() == Some(key.as_str())) {
                    keys.push(Some(key));
                }
            }
            Ok(Some(Out::List(keys)))
        }
        Json::Array(_) => Err(invalid(format!("cannot call {} on an array", call.name))),
        _ => Err(invalid(format!("cannot call {} on a scalar", call.name))),
    }
}

/// The elements of an array document (22023 for another value).
pub(crate) fn elements(text: &str, kind: Kind) -> Result<Vec<(Node, String)>> {
    let node = parse_as(text, kind)?;
    match node.value {
        Json::Array(items) => Ok(items
            .into_iter()
            .map(|n| {
                let text = match kind {
                    Kind::Json => n.source(text).to_string(),
                    _ => n.value.jsonb_text(),
                };
                (n, text)
            })
            .collect()),
        Json::Object(_) => Err(invalid("cannot extract elements from an object")),
        _ => Err(invalid("cannot extract elements from a scalar")),
    }
}

fn array_elements(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let text = call.text(values, 0)?.unwrap_or_default();
    let items = elements(text, call.kind(0))?;
    Ok(Some(Out::List(
        items.into_iter().map(|(_, t)| Some(t)).collect(),
    )))
}

fn array_elements_text(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let text = call.text(values, 0)?.unwrap_or_default();
    let items = elements(text, call.kind(0))?;
    Ok(Some(Out::List(
        items
            .into_iter()
            .map(|(n, t)| match n.value {
                Json::Null => None,
                Json::String(s) => Some(s),
                _ => Some(t),
            })
            .collect(),
    )))
}

// ---- building ------------------------------------------------------------------------------

/// A value's text as PostgreSQL prints it (dates, timestamps, floats, intervals).
fn pg_text(value: &ScalarValue) -> Result<String> {
    let array = value.to_array()?;
    let formatted = format_column(&array, &OutputStyle::default())?;
    Ok(ScalarValue::try_from_array(&formatted, 0)?.to_string())
}

/// PostgreSQL's JSON form of a timestamp: `T` between date and time, `+00:00` offsets.
fn iso_timestamp(text: &str, with_zone: bool) -> String {
    let mut out = text.replacen(' ', "T", 1);
    if with_zone {
        let split = out.rfind(['+', '-']).filter(|i| *i > 10);
        if let Some(i) = split {
            if !out[i..].contains(':') {
                out.push_str(":00");
            }
        }
    }
    out
}

/// Whether a value converts to a JSON number or boolean written bare.
fn is_float(value: &ScalarValue) -> bool {
    matches!(value, ScalarValue::Float32(_) | ScalarValue::Float64(_))
}

/// The JSON text of a scalar SQL value (`json` output: rows and arrays without spaces).
pub fn json_text(value: &ScalarValue, kind: Kind) -> Result<String> {
    if value.is_null() {
        return Ok("null".into());
    }
    Ok(match value {
        ScalarValue::Boolean(Some(b)) => b.to_string(),
        v if is_float(v) => {
            let text = pg_text(v)?;
            match text.parse::<f64>().map(f64::is_finite) {
                Ok(true) => text,
                _ => quoted(&text),
            }
        }
        v if v.data_type().is_numeric() => v.to_string(),
        ScalarValue::Utf8(Some(t))
        | ScalarValue::LargeUtf8(Some(t))
        | ScalarValue::Utf8View(Some(t)) => match kind {
            Kind::Other => quoted(t),
            _ => t.clone(),
        },
        ScalarValue::Date32(_) => quoted(&pg_text(value)?),
        ScalarValue::TimestampSecond(_, tz)
        | ScalarValue::TimestampMillisecond(_, tz)
        | ScalarValue::TimestampMicrosecond(_, tz)
        | ScalarValue::TimestampNanosecond(_, tz) => {
            quoted(&iso_timestamp(&pg_text(value)?, tz.is_some()))
        }
        ScalarValue::List(_) | ScalarValue::LargeList(_) | ScalarValue::FixedSizeList(_) => {
            let items = list_items(value)?;
            let texts = items
                .iter()
                .map(|v| json_text(v, Kind::Other))
                .collect::<Result<Vec<_>>>()?;
            format!("[{}]", texts.join(","))
        }
        ScalarValue::Struct(array) => {
            let mut members = Vec::new();
            for (field, column) in array.fields().iter().zip(array.columns()) {
                let v = ScalarValue::try_from_array(column, 0)?;
                members.push(format!(
                    "{}:{}",
                    quoted(field.name()),
                    json_text(&v, Kind::of(field))?
                ));
            }
            format!("{{{}}}", members.join(","))
        }
        other => match pg_text(other) {
            Ok(text) => quoted(&text),
            Err(_) => quoted(&other.to_string()),
        },
    })
}

fn list_items(value: &ScalarValue) -> Result<Vec<ScalarValue>> {
    let array: ArrayRef = match value {
        ScalarValue::List(l) => l.value(0),
        ScalarValue::LargeList(l) => l.value(0),
        ScalarValue::FixedSizeList(l) => l.value(0),
        _ => return Ok(vec![]),
    };
    (0..array.len())
        .map(|i| ScalarValue::try_from_array(&array, i))
        .collect()
}

/// The jsonb value of a scalar SQL value.
pub fn jsonb_value(value: &ScalarValue, kind: Kind) -> Result<Json> {
    if value.is_null() {
        return Ok(Json::Null);
    }
    Ok(match value {
        ScalarValue::Boolean(Some(b)) => Json::Bool(*b),
        ScalarValue::Utf8(Some(t))
        | ScalarValue::LargeUtf8(Some(t))
        | ScalarValue::Utf8View(Some(t)) => match kind {
            Kind::Other => Json::String(t.clone()),
            _ => jsonb_of(t, kind)?,
        },
        v if is_float(v) || v.data_type().is_numeric() => {
            let text = json_text(v, Kind::Other)?;
            match text.starts_with('"') {
                true => Json::String(text.trim_matches('"').to_string()),
                false => Json::Number(normalize_number(&text)),
            }
        }
        ScalarValue::List(_) | ScalarValue::LargeList(_) | ScalarValue::FixedSizeList(_) => {
            Json::Array(
                list_items(value)?
                    .iter()
                    .map(|v| jsonb_value(v, Kind::Other).map(Node::built))
                    .collect::<Result<_>>()?,
            )
        }
        ScalarValue::Struct(array) => {
            let mut members = Vec::new();
            for (field, column) in array.fields().iter().zip(array.columns()) {
                let v = ScalarValue::try_from_array(column, 0)?;
                members.push((
                    field.name().clone(),
                    Node::built(jsonb_value(&v, Kind::of(field))?),
                ));
            }
            Json::Object(members).normalized()
        }
        other => {
            let text = json_text(other, kind)?;
            jsonb_of(&text, Kind::Jsonb)?
        }
    })
}

fn to_json(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    Ok(Some(Out::Text(json_text(&values[0], call.kind(0))?)))
}

fn row_to_json(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    if !matches!(values[0], ScalarValue::Struct(_)) {
        return Err(pg_error(
            SqlState::UndefinedFunction,
            format!(
                "function row_to_json({}) does not exist",
                pg_type_name(&values[0].data_type())
            ),
        ));
    }
    to_json(call, values)
}

fn to_jsonb(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    jsonb_value(&values[0], call.kind(0)).map(jsonb_out)
}

fn check_pairs(values: &[ScalarValue]) -> Result<()> {
    if values.len() % 2 == 1 {
        return Err(pg_error_hint(
            SqlState::InvalidParameterValue,
            "argument list must have even number of elements",
            "The arguments of json_build_object() must consist of alternating keys and values.",
        ));
    }
    Ok(())
}

fn key_text(value: &ScalarValue, position: usize) -> Result<String> {
    if value.is_null() {
        return Err(pg_error_hint(
            SqlState::InvalidParameterValue,
            format!("argument {position} cannot be null"),
            "Object keys should be text.",
        ));
    }
    Ok(match crate::functions::text_of(value) {
        Some(t) => t.to_string(),
        None => {
            let text = json_text(value, Kind::Other)?;
            text.trim_matches('"').to_string()
        }
    })
}

fn json_build_object(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    check_pairs(values)?;
    let mut members = Vec::new();
    for (i, pair) in values.chunks(2).enumerate() {
        let key = key_text(&pair[0], 2 * i + 1)?;
        let value = json_text(&pair[1], call.kind(2 * i + 1))?;
        members.push(format!("{} : {value}", quoted(&key)));
    }
    Ok(Some(Out::Text(format!("{{{}}}", members.join(", ")))))
}

fn jsonb_build_object(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    check_pairs(values)?;
    let mut members = Vec::new();
    for (i, pair) in values.chunks(2).enumerate() {
        let key = key_text(&pair[0], 2 * i + 1)?;
        let value = jsonb_value(&pair[1], call.kind(2 * i + 1))?;
        members.push((key, Node::built(value)));
    }
    Ok(jsonb_out(Json::Object(members).normalized()))
}

fn json_build_array(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let items = values
        .iter()
        .enumerate()
        .map(|(i, v)| json_text(v, call.kind(i)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Out::Text(format!("[{}]", items.join(", ")))))
}

fn jsonb_build_array(call: &Call, values: &[ScalarValue]) -> Result<Option<Out>> {
    let items = values
        .iter()
        .enumerate()
        .map(|(i, v)| jsonb_value(v, call.kind(i)).map(Node::built))
        .collect::<Result<Vec<_>>>()?;
    Ok(jsonb_out(Json::Array(items)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_json_form() {
        assert_eq!(
            iso_timestamp("2024-02-29 13:45:00.5", false),
            "2024-02-29T13:45:00.5"
        );
        assert_eq!(
            iso_timestamp("2024-02-29 13:45:00+00", true),
            "2024-02-29T13:45:00+00:00"
        );
        assert_eq!(
            iso_timestamp("2024-02-29 13:45:00-05:30", true),
            "2024-02-29T13:45:00-05:30"
        );
    }

    #[test]
    fn json_text_of_values() {
        assert_eq!(
            json_text(&ScalarValue::Utf8(Some("a\"b".into())), Kind::Other).unwrap(),
            "\"a\\\"b\""
        );
        assert_eq!(
            json_text(&ScalarValue::Float64(Some(f64::INFINITY)), Kind::Other).unwrap(),
            "\"Infinity\""
        );
        assert_eq!(
            json_text(&ScalarValue::Decimal128(Some(150), 3, 2), Kind::Other).unwrap(),
            "1.50"
        );
    }
}
