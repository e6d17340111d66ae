//! `json_agg`, `jsonb_agg`, `json_object_agg`, `jsonb_object_agg`, with `ORDER BY` inside
//! the call and PostgreSQL's output forms (`json_agg`: `[1, 2]`, rows and arrays on new
//! lines; `json_object_agg`: `{ "a" : 1, "b" : 2 }`; the jsonb ones in jsonb's form).
//!
//! Each wraps DataFusion's `array_agg` (which keeps the order of `ORDER BY` through partial
//! aggregation) and turns its list into JSON at the end; the object forms collect
//! `(key, value)` pairs as a struct.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::functions_aggregate::array_agg::ArrayAgg;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::AggregateOrderSensitivity;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, TypeSignature, Volatility,
};
use fedgate_adapter_api::SqlState;

use super::scalar::{json_text, jsonb_value};
use super::value::{quoted, Json, Node};
use super::{result_field, Kind};
use crate::functions::pg_error;

/// One json aggregate.
#[derive(Debug)]
struct JsonAgg {
    name: &'static str,
    output: Kind,
    object: bool,
    inner: Arc<dyn AggregateUDFImpl>,
    signature: Signature,
}

impl PartialEq for JsonAgg {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for JsonAgg {}

impl std::hash::Hash for JsonAgg {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// Every json aggregate.
pub fn functions() -> Vec<AggregateUDF> {
    [
        ("json_agg", Kind::Json, false),
        ("jsonb_agg", Kind::Jsonb, false),
        ("json_object_agg", Kind::Json, true),
        ("jsonb_object_agg", Kind::Jsonb, true),
    ]
    .into_iter()
    .map(|(name, output, object)| {
        AggregateUDF::new_from_impl(JsonAgg {
            name,
            output,
            object,
            inner: Arc::new(ArrayAgg::default()),
            signature: Signature::one_of(
                vec![TypeSignature::Any(if object { 2 } else { 1 })],
                Volatility::Immutable,
            ),
        })
    })
    .collect()
}

/// The field `array_agg` collects: the argument, or a struct of key and value.
fn collected_field(fields: &[FieldRef], object: bool) -> FieldRef {
    match object {
        false => fields[0].clone(),
        true => Arc::new(Field::new(
            "pair",
            DataType::Struct(Fields::from(vec![
                fields[0].as_ref().clone().with_name("k"),
                fields[1].as_ref().clone().with_name("v"),
            ])),
            true,
        )),
    }
}

impl AggregateUDFImpl for JsonAgg {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field(&self, _: &[FieldRef]) -> Result<FieldRef> {
        Ok(result_field(self.name, self.output))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let input = [collected_field(args.input_fields, self.object)];
        let list = DataType::List(Arc::new(Field::new_list_field(
            input[0].data_type().clone(),
            true,
        )));
        self.inner.state_fields(StateFieldsArgs {
            name: args.name,
            input_fields: &input,
            return_field: Arc::new(Field::new(args.name, list, true)),
            ordering_fields: args.ordering_fields,
            is_distinct: args.is_distinct,
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let input = [collected_field(args.expr_fields, self.object)];
        let kinds: Vec<Kind> = match &input[0].data_type() {
            DataType::Struct(fields) if self.object => fields.iter().map(|f| Kind::of(f)).collect(),
            _ => vec![Kind::of(&input[0])],
        };
        let inner_args = AccumulatorArgs {
            expr_fields: &input,
            exprs: &args.exprs[..1],
            ..args
        };
        let inner = self.inner.accumulator(inner_args)?;
        Ok(Box::new(JsonAccumulator {
            inner,
            output: self.output,
            object: self.object,
            kinds,
            element_type: input[0].data_type().clone(),
        }))
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        self.inner.order_sensitivity()
    }

    fn with_beneficial_ordering(
        self: Arc<Self>,
        beneficial_ordering: bool,
    ) -> Result<Option<Arc<dyn AggregateUDFImpl>>> {
        let inner = self
            .inner
            .clone()
            .with_beneficial_ordering(beneficial_ordering)?;
        Ok(inner.map(|inner| {
            Arc::new(JsonAgg {
                name: self.name,
                output: self.output,
                object: self.object,
                inner,
                signature: self.signature.clone(),
            }) as Arc<dyn AggregateUDFImpl>
        }))
    }
}

#[derive(Debug)]
struct JsonAccumulator {
    inner: Box<dyn Accumulator>,
    output: Kind,
    object: bool,
    kinds: Vec<Kind>,
    element_type: DataType,
}

impl JsonAccumulator {
    /// The values `array_agg` collects: the argument, or key and value as one struct.
    fn collected(&self, values: &[ArrayRef]) -> Result<Vec<ArrayRef>> {
        if !self.object {
            return Ok(values.to_vec());
        }
        let DataType::Struct(fields) = &self.element_type else {
            unreachable!("pairs are structs")
        };
        let pair = StructArray::try_new(fields.clone(), values[..2].to_vec(), None)?;
        let mut out: Vec<ArrayRef> = vec![Arc::new(pair)];
        out.extend(values[2..].iter().cloned());
        Ok(out)
    }

    fn array_text(&self, items: &[ScalarValue]) -> Result<String> {
        if self.output == Kind::Jsonb {
            let values = items
                .iter()
                .map(|v| jsonb_value(v, self.kinds[0]).map(Node::built))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Json::Array(values).jsonb_text());
        }
        // PostgreSQL starts each row or array after the first on a new line.
        let structured = matches!(
            self.element_type,
            DataType::Struct(_) | DataType::List(_) | DataType::LargeList(_)
        );
        let separator = if structured { ", \n " } else { ", " };
        let texts = items
            .iter()
            .map(|v| json_text(v, self.kinds[0]))
            .collect::<Result<Vec<_>>>()?;
        Ok(format!("[{}]", texts.join(separator)))
    }

    fn object_text(&self, items: &[ScalarValue]) -> Result<String> {
        let mut pairs = Vec::with_capacity(items.len());
        for item in items {
            let ScalarValue::Struct(pair) = item else {
                continue;
            };
            let key = ScalarValue::try_from_array(pair.column(0), 0)?;
            let value = ScalarValue::try_from_array(pair.column(1), 0)?;
            if key.is_null() {
                return Err(pg_error(
                    SqlState::InvalidParameterValue,
                    "field name must not be null",
                ));
            }
            let key = match crate::functions::text_of(&key) {
                Some(text) => text.to_string(),
                None => json_text(&key, Kind::Other)?.trim_matches('"').to_string(),
            };
            pairs.push((key, value));
        }
        let value_kind = self.kinds.get(1).copied().unwrap_or(Kind::Other);
        if self.output == Kind::Jsonb {
            let members = pairs
                .into_iter()
                .map(|(k, v)| Ok((k, Node::built(jsonb_value(&v, value_kind)?))))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Json::Object(members).normalized().jsonb_text());
        }
        let members = pairs
            .iter()
            .map(|(k, v)| Ok(format!("{} : {}", quoted(k), json_text(v, value_kind)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(format!("{{ {} }}", members.join(", ")))
    }
}

impl Accumulator for JsonAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let collected = self.collected(values)?;
        self.inner.update_batch(&collected)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let list = self.inner.evaluate()?;
        let ScalarValue::List(array) = &list else {
            return Ok(ScalarValue::Utf8(None));
        };
        if array.is_null(0) {
            return Ok(ScalarValue::Utf8(None));
        }
        let values = array.value(0);
        let items = (0..values.len())
            .map(|i| ScalarValue::try_from_array(&values, i))
            .collect::<Result<Vec<_>>>()?;
        let text = match self.object {
            true => self.object_text(&items)?,
            false => self.array_text(&items)?,
        };
        Ok(ScalarValue::Utf8(Some(text)))
    }

    fn size(&self) -> usize {
        self.inner.size() + std::mem::size_of::<Self>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.inner.state()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.inner.merge_batch(states)
    }
}
