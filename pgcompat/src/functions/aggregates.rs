//! PostgreSQL's aggregates DataFusion lacks or answers differently: `variance`, `var_samp`,
//! `var_pop`, `stddev`, `stddev_samp`, `stddev_pop` (`numeric` for integer and numeric
//! input, computed exactly as PostgreSQL does; `double precision` with PostgreSQL's
//! Youngs-Cramer sums for floats), `every` (`bool_and`), and the ordered-set aggregates
//! `mode() WITHIN GROUP (ORDER BY x)` and `percentile_disc(f) WITHIN GROUP (ORDER BY x)`.
//!
//! A numeric variance has the scale PostgreSQL gives it for the column's typical
//! magnitude: PostgreSQL chooses the scale per value (16 significant digits), a column has
//! one, taken from the input type (16 for integers, from the precision and scale of a
//! numeric column: `variance(numeric(10,2))` has 4).

use std::str::FromStr;
use std::sync::Arc;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, Signed, Zero};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::ColumnarValue;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use fedgate_adapter_api::SqlState;

use super::numeric::{decimal_of, decimal_scalar, numeric_type, scale_of_type};
use super::{float_of, is_decimal, no_such_function, pg_error};

pub(crate) fn functions() -> Vec<AggregateUDF> {
    let mut functions: Vec<AggregateUDF> = [
        ("variance", Statistic::VarianceSample),
        ("var_samp", Statistic::VarianceSample),
        ("var_pop", Statistic::VariancePopulation),
        ("stddev", Statistic::DeviationSample),
        ("stddev_samp", Statistic::DeviationSample),
        ("stddev_pop", Statistic::DeviationPopulation),
    ]
    .into_iter()
    .map(|(name, statistic)| AggregateUDF::new_from_impl(Dispersion::new(name, statistic)))
    .collect();
    functions.extend(super::regression::functions());
    functions.push(super::float_average::function());
    functions.push(AggregateUDF::new_from_impl(Mode::new()));
    functions.push(AggregateUDF::new_from_impl(PercentileDisc::new()));
    functions.push(
        datafusion::functions_aggregate::bool_and_or::bool_and_udaf()
            .as_ref()
            .clone()
            .with_aliases(["every"]),
    );
    functions
}

// ---- variance and standard deviation ------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statistic {
    VarianceSample,
    VariancePopulation,
    DeviationSample,
    DeviationPopulation,
}

impl Statistic {
    fn sample(self) -> bool {
        matches!(self, Statistic::VarianceSample | Statistic::DeviationSample)
    }

    fn deviation(self) -> bool {
        matches!(
            self,
            Statistic::DeviationSample | Statistic::DeviationPopulation
        )
    }
}

/// `variance`, `var_samp`, `var_pop`, `stddev`, `stddev_samp`, `stddev_pop`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Dispersion {
    name: &'static str,
    statistic: Statistic,
    signature: Signature,
}

impl Dispersion {
    fn new(name: &'static str, statistic: Statistic) -> Self {
        Self {
            name,
            statistic,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The scale of a numeric variance of values of type `t` (see the module comment).
fn variance_scale(t: &DataType) -> i64 {
    match t {
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => {
            let (p, s) = (i64::from(*p), i64::from(*s));
            // Values below 10^(p-s): a variance below 10^(2(p-s)), PostgreSQL's quotient
            // weight in base-10000 digits.
            let digits = (2 * (p - s)).max(0);
            let weight = (digits - 1).div_euclid(4);
            (16 - 4 * weight).clamp(0, 16).max(2 * s)
        }
        _ => 16,
    }
}

fn exact_input(t: &DataType) -> bool {
    t.is_integer() || is_decimal(t)
}

impl AggregateUDFImpl for Dispersion {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] if exact_input(t) => Ok(vec![t.clone()]),
            [DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Null] => {
                Ok(vec![DataType::Float64])
            }
            _ => {
                let fields: Vec<FieldRef> = arg_types
                    .iter()
                    .map(|t| Arc::new(Field::new("a", t.clone(), true)))
                    .collect();
                Err(no_such_function(self.name, &fields))
            }
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(match arg_types.first() {
            Some(t) if exact_input(t) => numeric_type(variance_scale(t)),
            _ => DataType::Float64,
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let exact = exact_input(args.input_fields[0].data_type());
        let sum_type = if exact {
            DataType::Utf8
        } else {
            DataType::Float64
        };
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "count"),
                DataType::Int64,
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "sum"),
                sum_type.clone(),
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "sum_squares"),
                sum_type,
                true,
            )),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let return_type = args.return_field.data_type().clone();
        if exact_input(args.expr_fields[0].data_type()) {
            Ok(Box::new(NumericDispersion {
                statistic: self.statistic,
                return_type,
                count: 0,
                sum: BigDecimal::zero(),
                sum_squares: BigDecimal::zero(),
            }))
        } else {
            Ok(Box::new(FloatDispersion {
                statistic: self.statistic,
                n: 0.0,
                sx: 0.0,
                sxx: 0.0,
            }))
        }
    }
}

/// Exact sums of a numeric dispersion (PostgreSQL's `numeric_accum`).
#[derive(Debug)]
struct NumericDispersion {
    statistic: Statistic,
    return_type: DataType,
    count: i64,
    sum: BigDecimal,
    sum_squares: BigDecimal,
}

impl Accumulator for NumericDispersion {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let array = &values[0];
        for i in 0..array.len() {
            if array.is_null(i) {
                continue;
            }
            if let Some(v) = decimal_of(&ScalarValue::try_from_array(array, i)?) {
                self.sum_squares += &v * &v;
                self.sum += v;
                self.count += 1;
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let counts = states[0].as_primitive::<Int64Type>();
        let sums = states[1].as_string::<i32>();
        let squares = states[2].as_string::<i32>();
        for i in 0..counts.len() {
            if counts.is_null(i) {
                continue;
            }
            self.count += counts.value(i);
            self.sum += BigDecimal::from_str(sums.value(i)).unwrap_or_default();
            self.sum_squares += BigDecimal::from_str(squares.value(i)).unwrap_or_default();
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Int64(Some(self.count)),
            ScalarValue::Utf8(Some(self.sum.to_string())),
            ScalarValue::Utf8(Some(self.sum_squares.to_string())),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let sample = self.statistic.sample();
        if self.count == 0 || (sample && self.count == 1) {
            return ScalarValue::try_from(&self.return_type);
        }
        let n = BigDecimal::from(self.count);
        let numerator = &n * &self.sum_squares - &self.sum * &self.sum;
        if !numerator.is_positive() {
            return decimal_scalar(&BigDecimal::zero(), &self.return_type);
        }
        let denominator = if sample {
            &n * BigDecimal::from(self.count - 1)
        } else {
            &n * &n
        };
        let scale = scale_of_type(&self.return_type);
        let variance = divide(&numerator, &denominator, scale);
        if !self.statistic.deviation() {
            return decimal_scalar(&variance, &self.return_type);
        }
        // PostgreSQL's sqrt_var: the root of the rounded variance, rounded to the scale.
        let (unscaled, _) = variance
            .with_scale((scale + 2) * 2)
            .as_bigint_and_exponent();
        let root = BigDecimal::new(unscaled.sqrt(), scale + 2);
        decimal_scalar(&root, &self.return_type)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + 64
    }
}

/// `a / b` rounded half away from zero to `scale` digits.
fn divide(a: &BigDecimal, b: &BigDecimal, scale: i64) -> BigDecimal {
    let common = a
        .fractional_digit_count()
        .max(b.fractional_digit_count())
        .max(0);
    let a = a.with_scale(common).as_bigint_and_exponent().0 * BigInt::from(10).pow(scale as u32);
    let b = b.with_scale(common).as_bigint_and_exponent().0;
    let twice: BigInt = a * 2 / &b;
    let rounded = if twice.is_negative() {
        (twice - 1) / 2
    } else {
        (twice + 1) / 2
    };
    BigDecimal::new(rounded, scale)
}

/// PostgreSQL's float sums (`float8_accum`: count, sum, and sum of squared differences by
/// Youngs and Cramer).
#[derive(Debug)]
struct FloatDispersion {
    statistic: Statistic,
    n: f64,
    sx: f64,
    sxx: f64,
}

impl Accumulator for FloatDispersion {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let array = &values[0];
        for i in 0..array.len() {
            if array.is_null(i) {
                continue;
            }
            let Some(v) = float_of(&ScalarValue::try_from_array(array, i)?) else {
                continue;
            };
            let previous = self.n;
            self.n += 1.0;
            self.sx += v;
            if previous > 0.0 {
                let tmp = v * self.n - self.sx;
                self.sxx += tmp * tmp / (self.n * previous);
            } else if !v.is_finite() {
                self.sxx = f64::NAN;
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let counts = states[0].as_primitive::<Int64Type>();
        let sums = states[1].as_primitive::<Float64Type>();
        let squares = states[2].as_primitive::<Float64Type>();
        for i in 0..counts.len() {
            if counts.is_null(i) || counts.value(i) == 0 {
                continue;
            }
            let (n2, sx2, sxx2) = (counts.value(i) as f64, sums.value(i), squares.value(i));
            if self.n == 0.0 {
                (self.n, self.sx, self.sxx) = (n2, sx2, sxx2);
                continue;
            }
            let n = self.n + n2;
            let tmp = self.sx / self.n - sx2 / n2;
            self.sxx = self.sxx + sxx2 + self.n * n2 * tmp * tmp / n;
            self.sx += sx2;
            self.n = n;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Int64(Some(self.n as i64)),
            ScalarValue::Float64(Some(self.sx)),
            ScalarValue::Float64(Some(self.sxx)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let sample = self.statistic.sample();
        if self.n == 0.0 || (sample && self.n <= 1.0) {
            return Ok(ScalarValue::Float64(None));
        }
        let variance = self.sxx / if sample { self.n - 1.0 } else { self.n };
        Ok(ScalarValue::Float64(Some(if self.statistic.deviation() {
            variance.sqrt()
        } else {
            variance
        })))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

// ---- ordered-set aggregates ---------------------------------------------------------------

/// Whether the `WITHIN GROUP` ordering is descending.
fn descending(args: &AccumulatorArgs) -> bool {
    args.order_bys
        .first()
        .map(|sort| sort.options.descending)
        .unwrap_or(false)
}

/// The non-NULL values of an ordered-set aggregate, sorted as its `WITHIN GROUP` asks.
#[derive(Debug)]
struct Collected {
    values: Vec<ScalarValue>,
    data_type: DataType,
}

impl Collected {
    fn update(&mut self, array: &ArrayRef) -> Result<()> {
        for i in 0..array.len() {
            if !array.is_null(i) {
                self.values.push(ScalarValue::try_from_array(array, i)?);
            }
        }
        Ok(())
    }

    fn merge(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for i in 0..lists.len() {
            if !lists.is_null(i) {
                self.update(&lists.value(i))?;
            }
        }
        Ok(())
    }

    fn state(&self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::List(ScalarValue::new_list_nullable(
            &self.values,
            &self.data_type,
        ))])
    }

    fn sorted(&mut self, descending: bool) -> &[ScalarValue] {
        self.values.sort_by(|a, b| {
            let order = a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
            if descending {
                order.reverse()
            } else {
                order
            }
        });
        &self.values
    }

    fn size(&self) -> usize {
        self.values.iter().map(ScalarValue::size).sum::<usize>() + std::mem::size_of_val(self)
    }
}

fn collected_state(args: &StateFieldsArgs) -> Vec<FieldRef> {
    let item = Field::new_list_field(args.input_fields[0].data_type().clone(), true);
    vec![Arc::new(Field::new(
        format_state_name(args.name, "values"),
        DataType::List(Arc::new(item)),
        true,
    ))]
}

/// `mode() WITHIN GROUP (ORDER BY x)`: the most frequent value, the first in the ordering
/// on a tie.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Mode {
    signature: Signature,
}

impl Mode {
    fn new() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for Mode {
    fn name(&self) -> &str {
        "mode"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(collected_state(&args))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ModeAccumulator {
            collected: Collected {
                values: Vec::new(),
                data_type: args.expr_fields[0].data_type().clone(),
            },
            descending: descending(&args),
        }))
    }

    fn supports_within_group_clause(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct ModeAccumulator {
    collected: Collected,
    descending: bool,
}

impl Accumulator for ModeAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.collected.update(&values[0])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.collected.merge(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.collected.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let data_type = self.collected.data_type.clone();
        let sorted = self.collected.sorted(self.descending);
        let mut best: Option<(&ScalarValue, usize)> = None;
        let mut i = 0;
        while i < sorted.len() {
            let mut j = i + 1;
            while j < sorted.len() && sorted[j] == sorted[i] {
                j += 1;
            }
            if best.is_none_or(|(_, count)| j - i > count) {
                best = Some((&sorted[i], j - i));
            }
            i = j;
        }
        match best {
            Some((value, _)) => Ok(value.clone()),
            None => ScalarValue::try_from(&data_type),
        }
    }

    fn size(&self) -> usize {
        self.collected.size()
    }
}

/// `percentile_disc(fraction) WITHIN GROUP (ORDER BY x)`: the first value whose position in
/// the ordering reaches the fraction of the values.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PercentileDisc {
    signature: Signature,
}

impl PercentileDisc {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for PercentileDisc {
    fn name(&self) -> &str {
        "percentile_disc"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [value, _] => Ok(vec![value.clone(), DataType::Float64]),
            _ => {
                let fields: Vec<FieldRef> = arg_types
                    .iter()
                    .map(|t| Arc::new(Field::new("a", t.clone(), true)))
                    .collect();
                Err(no_such_function("percentile_disc", &fields))
            }
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(collected_state(&args))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let constant = args.exprs.get(1).and_then(|e| {
            let empty = RecordBatch::new_empty(Arc::new(Schema::empty()));
            match e.evaluate(&empty) {
                Ok(ColumnarValue::Scalar(value)) => Some(value),
                _ => None,
            }
        });
        let fraction = constant.ok_or_else(|| {
            pg_error(
                SqlState::FeatureNotSupported,
                "the fraction of percentile_disc must be a constant",
            )
        })?;
        let fraction = match fraction {
            ScalarValue::Null => None,
            other => float_of(&other),
        };
        if let Some(f) = fraction {
            if !(0.0..=1.0).contains(&f) || f.is_nan() {
                return Err(pg_error(
                    SqlState::NumericValueOutOfRange,
                    format!(
                        "percentile value {} is not between 0 and 1",
                        super::to_timestamp::c_general(f)
                    ),
                ));
            }
        }
        Ok(Box::new(PercentileDiscAccumulator {
            collected: Collected {
                values: Vec::new(),
                data_type: args.expr_fields[0].data_type().clone(),
            },
            descending: descending(&args),
            fraction,
        }))
    }

    fn supports_within_group_clause(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct PercentileDiscAccumulator {
    collected: Collected,
    descending: bool,
    fraction: Option<f64>,
}

impl Accumulator for PercentileDiscAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.collected.update(&values[0])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.collected.merge(states)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.collected.state()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let data_type = self.collected.data_type.clone();
        let Some(fraction) = self.fraction else {
            return ScalarValue::try_from(&data_type);
        };
        let sorted = self.collected.sorted(self.descending);
        if sorted.is_empty() {
            return ScalarValue::try_from(&data_type);
        }
        let row = ((fraction * sorted.len() as f64).ceil() as usize).max(1);
        Ok(sorted[row.min(sorted.len()) - 1].clone())
    }

    fn size(&self) -> usize {
        self.collected.size()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, row};

    async fn values(sql: &str) -> Vec<String> {
        row(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Expectations from PostgreSQL 15.
    #[tokio::test]
    async fn dispersion_as_postgres() {
        assert_eq!(
            values("SELECT var_samp(x), var_pop(x), stddev(x), variance(x) FROM (VALUES (1), (2), (4)) AS t(x)").await,
            ["2.3333333333333333", "1.5555555555555556", "1.5275252316519467", "2.3333333333333333"]
        );
        assert_eq!(
            values("SELECT stddev(x), variance(x) FROM (VALUES (CAST(1.0 AS DOUBLE)), (CAST(2.0 AS DOUBLE)), (CAST(4.0 AS DOUBLE))) AS t(x)").await,
            ["1.5275252316519468", "2.3333333333333335"]
        );
        assert_eq!(
            values("SELECT var_samp(x), var_pop(x) FROM (VALUES (1)) AS t(x)").await,
            ["NULL", "0.0000000000000000"]
        );
        // variance(numeric(10,2)) has PostgreSQL's scale 4 for such values.
        assert_eq!(
            values("SELECT variance(x), stddev(x) FROM (VALUES (CAST(120000.00 AS DECIMAL(10,2))), (95000.50), (0.01), (99999999.99)) AS t(x)").await,
            ["2496420613930416.7292", "49964193.3181"]
        );
    }

    #[tokio::test]
    async fn ordered_sets_as_postgres() {
        assert_eq!(
            values("SELECT mode() WITHIN GROUP (ORDER BY x), mode() WITHIN GROUP (ORDER BY x DESC) FROM (VALUES (1), (3), (3), (1), (2), (NULL)) AS t(x)").await,
            ["1", "3"]
        );
        assert_eq!(
            values("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x), percentile_disc(0.9) WITHIN GROUP (ORDER BY x), percentile_disc(0) WITHIN GROUP (ORDER BY x), percentile_disc(0.5) WITHIN GROUP (ORDER BY x DESC) FROM (VALUES (10), (20), (30), (40), (NULL)) AS t(x)").await,
            ["20", "40", "10", "30"]
        );
        assert_eq!(
            values("SELECT every(x) FROM (VALUES (true), (false)) AS t(x)").await,
            ["false"]
        );
        assert_eq!(
            error(
                "SELECT percentile_disc(1.5) WITHIN GROUP (ORDER BY x) FROM (VALUES (1)) AS t(x)"
            )
            .await,
            (
                "22003".to_string(),
                "percentile value 1.5 is not between 0 and 1".to_string()
            )
        );
    }
}
