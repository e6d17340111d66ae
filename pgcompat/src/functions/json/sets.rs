//! The set-returning json functions in FROM: `jsonb_array_elements(x)`,
//! `jsonb_array_elements_text`, `jsonb_each`, `jsonb_each_text`, `jsonb_object_keys` and
//! their `json_` forms, with PostgreSQL's column names (`value`, `key`), which an alias
//! renames (`AS t(x)`).
//!
//! The argument must be a constant (a literal, a cast, a call of constants): DataFusion's
//! table functions are planned before any row exists. A column of another FROM item
//! (`FROM docs d, jsonb_array_elements(d.body)`) is refused with 0A000.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::datasource::MemTable;
use datafusion::logical_expr::ColumnarValue;
use fedgate_adapter_api::SqlState;

use super::scalar::elements;
use super::value::Json;
use super::{json_field, parse_as, Kind};
use crate::functions::pg_error;

/// What a set function returns.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Elements,
    ElementsText,
    Each,
    EachText,
    Keys,
}

/// One set-returning json function.
#[derive(Debug)]
struct JsonSet {
    name: &'static str,
    kind: Kind,
    shape: Shape,
}

/// Every set-returning json function, by name.
pub fn functions() -> Vec<(&'static str, Arc<dyn TableFunctionImpl>)> {
    let list = [
        ("jsonb_array_elements", Kind::Jsonb, Shape::Elements),
        ("json_array_elements", Kind::Json, Shape::Elements),
        (
            "jsonb_array_elements_text",
            Kind::Jsonb,
            Shape::ElementsText,
        ),
        ("json_array_elements_text", Kind::Json, Shape::ElementsText),
        ("jsonb_each", Kind::Jsonb, Shape::Each),
        ("json_each", Kind::Json, Shape::Each),
        ("jsonb_each_text", Kind::Jsonb, Shape::EachText),
        ("json_each_text", Kind::Json, Shape::EachText),
        ("jsonb_object_keys", Kind::Jsonb, Shape::Keys),
        ("json_object_keys", Kind::Json, Shape::Keys),
    ];
    list.into_iter()
        .map(|(name, kind, shape)| {
            let function: Arc<dyn TableFunctionImpl> = Arc::new(JsonSet { name, kind, shape });
            (name, function)
        })
        .collect()
}

impl JsonSet {
    fn schema(&self) -> SchemaRef {
        let text = |name: &str| Field::new(name, DataType::Utf8, true);
        let fields = match self.shape {
            Shape::Elements => vec![json_field("value", self.kind)],
            Shape::ElementsText => vec![text("value")],
            Shape::Each => vec![text("key"), json_field("value", self.kind)],
            Shape::EachText => vec![text("key"), text("value")],
            Shape::Keys => vec![text(self.name)],
        };
        Arc::new(Schema::new(fields))
    }

    /// The rows' columns for one document.
    fn columns(&self, text: &str) -> Result<Vec<Vec<Option<String>>>> {
        match self.shape {
            Shape::Elements | Shape::ElementsText => {
                let items = elements(text, self.kind)?;
                let values = items
                    .into_iter()
                    .map(|(node, text)| match (self.shape, node.value) {
                        (Shape::ElementsText, Json::Null) => None,
                        (Shape::ElementsText, Json::String(s)) => Some(s),
                        _ => Some(text),
                    })
                    .collect();
                Ok(vec![values])
            }
            Shape::Each | Shape::EachText | Shape::Keys => self.members(text),
        }
    }

    fn members(&self, text: &str) -> Result<Vec<Vec<Option<String>>>> {
        let node = parse_as(text, self.kind)?;
        let Json::Object(members) = node.value else {
            let what = match node.value {
                Json::Array(_) => "an array",
                _ => "a scalar",
            };
            let message = match self.shape {
                Shape::Keys => format!("cannot call {} on {what}", self.name),
                _ => format!("cannot call {} on a non-object", self.name),
            };
            return Err(pg_error(SqlState::InvalidParameterValue, message));
        };
        let mut keys = Vec::new();
        let mut values = Vec::new();
        for (key, value) in members {
            let shown = match (self.shape, self.kind, &value.value) {
                (Shape::EachText, _, Json::Null) => None,
                (Shape::EachText, _, Json::String(s)) => Some(s.clone()),
                (_, Kind::Json, _) => Some(value.source(text).to_string()),
                _ => Some(value.value.jsonb_text()),
            };
            keys.push(Some(key));
            values.push(shown);
        }
        Ok(match self.shape {
            Shape::Keys => vec![keys],
            _ => vec![keys, values],
        })
    }
}

/// The value of a constant argument.
fn constant(args: &TableFunctionArgs, name: &str) -> Result<ScalarValue> {
    let refused = || {
        pg_error(
            SqlState::FeatureNotSupported,
            format!(
                "{name}() in FROM takes only a constant argument here (not a column of another FROM item)"
            ),
        )
    };
    let [expr] = args.exprs() else {
        return Err(pg_error(
            SqlState::UndefinedFunction,
            format!("function {name} takes one argument"),
        ));
    };
    let schema = DFSchema::empty();
    let physical = args
        .session()
        .create_physical_expr(expr.clone(), &schema)
        .map_err(|_| refused())?;
    let batch = RecordBatch::try_new_with_options(
        Arc::new(Schema::empty()),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )?;
    match physical.evaluate(&batch)? {
        ColumnarValue::Scalar(value) => Ok(value),
        ColumnarValue::Array(array) => ScalarValue::try_from_array(&array, 0),
    }
}

impl TableFunctionImpl for JsonSet {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let value = constant(&args, self.name)?;
        let schema = self.schema();
        let columns = match super::arg_text(&value, self.name)? {
            Some(text) => self.columns(text)?,
            None => vec![vec![]; schema.fields().len()],
        };
        let arrays: Vec<ArrayRef> = columns
            .into_iter()
            .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays)?;
        Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
    }
}
