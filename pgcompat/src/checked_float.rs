//! Floating-point arithmetic with PostgreSQL's errors.
//!
//! PostgreSQL's `float4`/`float8` `+ - * /` fail where IEEE arithmetic would quietly give an
//! infinity or lose a value: `x / 0` is 22012 `division by zero` (unless `x` is NaN), a
//! finite operation that gives an infinity is 22003 `value out of range: overflow`, and a
//! `*` or `/` of non-zero finite values that gives 0 is 22003 `value out of range:
//! underflow` (`float8_div`, `float8_mul`, `check_float8_val` in PostgreSQL). DataFusion's
//! arithmetic follows IEEE. [`CheckedFloatArithmetic`] evaluates a float `BinaryExpr` with
//! Arrow's kernels and then applies PostgreSQL's checks; the physical optimizer rule of
//! [`crate::checked_arithmetic`] puts it in place of DataFusion's expression.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::compute::kernels::numeric;
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, FieldRef, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Operator};
use datafusion::physical_expr::PhysicalExpr;
use fedgate_adapter_api::AdapterError;

/// A float `left op right` (`op` one of `+ - * /`) that fails as PostgreSQL's does.
#[derive(Debug, Eq)]
pub struct CheckedFloatArithmetic {
    left: Arc<dyn PhysicalExpr>,
    op: Operator,
    right: Arc<dyn PhysicalExpr>,
}

// Written out: a derive would move out of the `Arc<dyn PhysicalExpr>` fields.
impl PartialEq for CheckedFloatArithmetic {
    fn eq(&self, other: &Self) -> bool {
        self.left.eq(&other.left) && self.op == other.op && self.right.eq(&other.right)
    }
}

impl Hash for CheckedFloatArithmetic {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.left.hash(state);
        self.op.hash(state);
        self.right.hash(state);
    }
}

impl CheckedFloatArithmetic {
    /// The checked form of `left op right`, when `op` is one this expression checks.
    pub fn new(
        left: Arc<dyn PhysicalExpr>,
        op: Operator,
        right: Arc<dyn PhysicalExpr>,
    ) -> Option<Self> {
        matches!(
            op,
            Operator::Plus | Operator::Minus | Operator::Multiply | Operator::Divide
        )
        .then_some(Self { left, op, right })
    }
}

impl fmt::Display for CheckedFloatArithmetic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.left, self.op, self.right)
    }
}

impl PhysicalExpr for CheckedFloatArithmetic {
    fn data_type(&self, input_schema: &Schema) -> Result<DataType> {
        self.left.data_type(input_schema)
    }

    fn nullable(&self, input_schema: &Schema) -> Result<bool> {
        Ok(self.left.nullable(input_schema)? || self.right.nullable(input_schema)?)
    }

    fn return_field(&self, input_schema: &Schema) -> Result<FieldRef> {
        let field = datafusion::arrow::datatypes::Field::new(
            "checked_float",
            self.data_type(input_schema)?,
            self.nullable(input_schema)?,
        );
        Ok(Arc::new(field))
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let left = self.left.evaluate(batch)?;
        let right = self.right.evaluate(batch)?;
        let scalars = matches!(
            (&left, &right),
            (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_))
        );
        let arrays = ColumnarValue::values_to_arrays(&[left, right])?;
        let (left, right) = (&arrays[0], &arrays[1]);
        let result = match self.op {
            Operator::Plus => numeric::add(left, right)?,
            Operator::Minus => numeric::sub(left, right)?,
            Operator::Multiply => numeric::mul(left, right)?,
            _ => numeric::div(left, right)?,
        };
        check(self.op, left, right, &result)?;
        if scalars {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?));
        }
        Ok(ColumnarValue::Array(result))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.left, &self.right]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(Self {
            left: children[0].clone(),
            op: self.op,
            right: children[1].clone(),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(")?;
        self.left.fmt_sql(f)?;
        write!(f, " {} ", self.op)?;
        self.right.fmt_sql(f)?;
        write!(f, ")")
    }
}

/// PostgreSQL's checks of one float operation's rows.
fn check(op: Operator, left: &ArrayRef, right: &ArrayRef, result: &ArrayRef) -> Result<()> {
    let (left, right, result) = (as_f64(left)?, as_f64(right)?, as_f64(result)?);
    for row in 0..result.len() {
        if result.is_null(row) {
            continue;
        }
        let (a, b, r) = (left.value(row), right.value(row), result.value(row));
        if let Some(error) = row_error(op, a, b, r) {
            return Err(error);
        }
    }
    Ok(())
}

/// The error of one `a op b = r`, as PostgreSQL's `float8pl`/`float8mi`/`float8mul`/`float8div`.
fn row_error(op: Operator, a: f64, b: f64, r: f64) -> Option<datafusion::error::DataFusionError> {
    fedgate_planner::number_rules::float_error(op, a, b, r)
        .map(|(state, message)| AdapterError::new(state, message).into_datafusion())
}

fn as_f64(array: &ArrayRef) -> Result<Float64Array> {
    let converted = cast_with_options(array, &DataType::Float64, &CastOptions::default())?;
    Ok(converted
        .as_any()
        .downcast_ref::<Float64Array>()
        .cloned()
        .unwrap_or_else(|| Float64Array::from(Vec::<f64>::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_float_errors() {
        let code = |op, a, b| row_error(op, a, b, apply(op, a, b)).map(|e| e.to_string());
        assert!(code(Operator::Divide, 1.0, 0.0)
            .unwrap()
            .contains("division by zero"));
        assert!(code(Operator::Divide, f64::NAN, 0.0).is_none());
        assert!(code(Operator::Multiply, 1e308, 10.0)
            .unwrap()
            .contains("overflow"));
        assert!(code(Operator::Multiply, 1e-308, 1e-308)
            .unwrap()
            .contains("underflow"));
        assert!(code(Operator::Plus, f64::INFINITY, 1.0).is_none());
        assert!(code(Operator::Divide, 1.0, f64::INFINITY).is_none());
        assert!(code(Operator::Minus, 1.5, 0.5).is_none());
    }

    fn apply(op: Operator, a: f64, b: f64) -> f64 {
        match op {
            Operator::Plus => a + b,
            Operator::Minus => a - b,
            Operator::Multiply => a * b,
            _ => a / b,
        }
    }
}
