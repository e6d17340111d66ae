//! `avg(double precision)` with PostgreSQL's last digit. PostgreSQL's `float8_accum` adds
//! the values one by one, in the order they come, to a sum that starts at 0, and divides
//! by the count; DataFusion's `avg` adds each batch with Arrow's `sum` kernel, which adds
//! floats in several lanes (`3.0681818272727273` where PostgreSQL answers
//! `3.068181827272727`). In a window whose frame start moves (`ROWS 2 PRECEDING`)
//! PostgreSQL has no inverse function for a float average and adds the frame's values again
//! for each row, where DataFusion subtracts the values that leave the frame from its sum.
//!
//! [`Average`] is DataFusion's `avg` with its own accumulators for `Float64` input (integer
//! and real arguments are read as `Float64` too, as DataFusion's signature coerces them);
//! decimals, intervals and `DISTINCT` keep DataFusion's.

use std::collections::VecDeque;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, FieldRef, Float64Type, UInt64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::functions_aggregate::average::Avg;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Documentation, GroupsAccumulator, ReversedUDAF,
    Signature,
};

pub(crate) fn function() -> AggregateUDF {
    AggregateUDF::new_from_impl(Average::default())
}

/// DataFusion's `avg`, with PostgreSQL's sums for floats (see the module documentation).
#[derive(Debug, Default, PartialEq, Eq, Hash)]
pub struct Average {
    inner: Avg,
}

fn sequential(args: &AccumulatorArgs) -> bool {
    !args.is_distinct && args.expr_fields[0].data_type() == &DataType::Float64
}

impl AggregateUDFImpl for Average {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        self.inner.state_fields(args)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if sequential(&args) {
            return Ok(Box::new(FloatSum::default()));
        }
        self.inner.accumulator(args)
    }

    fn create_sliding_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if sequential(&args) {
            return Ok(Box::new(FrameValues::default()));
        }
        self.inner.create_sliding_accumulator(args)
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        !sequential(&args) && self.inner.groups_accumulator_supported(args)
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        self.inner.create_groups_accumulator(args)
    }

    fn reverse_expr(&self) -> ReversedUDAF {
        // The same function: DataFusion's reversal would name its own `avg`.
        ReversedUDAF::Identical
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }
}

/// PostgreSQL's running count and sum (`float8_accum`), in DataFusion's `avg` state.
#[derive(Debug, Default)]
struct FloatSum {
    count: u64,
    sum: f64,
}

impl FloatSum {
    fn average(&self) -> ScalarValue {
        ScalarValue::Float64((self.count > 0).then(|| self.sum / self.count as f64))
    }
}

impl Accumulator for FloatSum {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for v in values[0].as_primitive::<Float64Type>().iter().flatten() {
            self.sum += v;
            self.count += 1;
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let counts = states[0].as_primitive::<UInt64Type>();
        let sums = states[1].as_primitive::<Float64Type>();
        for i in 0..counts.len() {
            if counts.is_null(i) || counts.value(i) == 0 || sums.is_null(i) {
                continue;
            }
            self.count += counts.value(i);
            self.sum += sums.value(i);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::UInt64(Some(self.count)),
            ScalarValue::Float64(Some(self.sum)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.average())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

/// The values of a window frame whose start moves: each answer adds the frame's values
/// from its first, as PostgreSQL restarts a float average for each row.
#[derive(Debug, Default)]
struct FrameValues {
    values: VecDeque<Option<f64>>,
}

impl Accumulator for FrameValues {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.values
            .extend(values[0].as_primitive::<Float64Type>().iter());
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for _ in 0..values[0].len() {
            self.values.pop_front();
        }
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let counts = states[0].as_primitive::<UInt64Type>();
        let sums = states[1].as_primitive::<Float64Type>();
        for i in 0..counts.len() {
            // A partial state: its sum stands for its values (the average is the same).
            if !counts.is_null(i) && !sums.is_null(i) {
                let count = counts.value(i) as usize;
                let each = sums.value(i) / count.max(1) as f64;
                self.values.extend(std::iter::repeat_n(Some(each), count));
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.totals().state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.totals().average())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.len() * std::mem::size_of::<Option<f64>>()
    }
}

impl FrameValues {
    fn totals(&self) -> FloatSum {
        let mut totals = FloatSum::default();
        for v in self.values.iter().flatten() {
            totals.sum += v;
            totals.count += 1;
        }
        totals
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::Float64Array;

    use super::*;

    fn floats(values: &[Option<f64>]) -> ArrayRef {
        Arc::new(Float64Array::from(values.to_vec()))
    }

    /// Float ratings with a NULL: the sum is PostgreSQL's, value after value from 0.
    #[test]
    fn adds_one_by_one() {
        let mut sum = FloatSum::default();
        let values = [
            Some(4.5),
            Some(0.1),
            Some(4.25),
            Some(3.333_333_333_333_333_5),
            Some(1e-07),
            Some(5.0),
            None,
            Some(-1.5),
            Some(4.5),
            Some(2.5),
            Some(2.5),
            Some(0.1),
        ];
        sum.update_batch(&[floats(&values)]).unwrap();
        let sequential = values.iter().flatten().fold(0.0, |s, v| s + v);
        assert_eq!(
            sum.evaluate().unwrap(),
            ScalarValue::Float64(Some(sequential / 11.0))
        );
        assert_eq!(FloatSum::default().average(), ScalarValue::Float64(None));
    }

    #[test]
    fn a_moving_frame_adds_its_values_again() {
        let mut frame = FrameValues::default();
        frame
            .update_batch(&[floats(&[Some(4.5), Some(3.7), Some(0.1)])])
            .unwrap();
        frame.retract_batch(&[floats(&[Some(4.5)])]).unwrap();
        frame.update_batch(&[floats(&[Some(4.25)])]).unwrap();
        let expected = (0.0 + 3.7 + 0.1 + 4.25) / 3.0;
        assert_eq!(
            frame.evaluate().unwrap(),
            ScalarValue::Float64(Some(expected))
        );
        frame
            .retract_batch(&[floats(&[Some(3.7), Some(0.1), Some(4.25)])])
            .unwrap();
        assert_eq!(frame.evaluate().unwrap(), ScalarValue::Float64(None));
    }
}
