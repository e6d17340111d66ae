//! PostgreSQL's two-variable statistics of `double precision`: `covar_pop`, `covar_samp`,
//! `corr`, `regr_slope`, `regr_intercept`, `regr_r2`, `regr_sxx`, `regr_syy`, `regr_sxy`,
//! `regr_avgx`, `regr_avgy`, computed as PostgreSQL's `float8_regr_accum` does (count,
//! sums, and sums of squared and crossed differences by Youngs and Cramer, combined as
//! `float8_regr_combine`), so the last digit is PostgreSQL's (DataFusion's own `corr` and
//! `covar_pop` accumulate differently: `-0.34479969746293593` where PostgreSQL answers
//! `-0.3447996974629358`). Arguments are `(Y, X)`; rows where either is NULL are skipped;
//! integers and numerics are read as `double precision` as PostgreSQL casts them (a
//! numeric to the nearest double of its decimal text).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

use super::no_such_function;

pub(crate) fn functions() -> Vec<AggregateUDF> {
    [
        Statistic::CovariancePopulation,
        Statistic::CovarianceSample,
        Statistic::Correlation,
        Statistic::Slope,
        Statistic::Intercept,
        Statistic::R2,
        Statistic::Sxx,
        Statistic::Syy,
        Statistic::Sxy,
        Statistic::AverageX,
        Statistic::AverageY,
    ]
    .into_iter()
    .map(|statistic| AggregateUDF::new_from_impl(Regression::new(statistic)))
    .collect()
}

/// Which final function of PostgreSQL's regression sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statistic {
    CovariancePopulation,
    CovarianceSample,
    Correlation,
    Slope,
    Intercept,
    R2,
    Sxx,
    Syy,
    Sxy,
    AverageX,
    AverageY,
}

impl Statistic {
    fn name(self) -> &'static str {
        match self {
            Statistic::CovariancePopulation => "covar_pop",
            Statistic::CovarianceSample => "covar_samp",
            Statistic::Correlation => "corr",
            Statistic::Slope => "regr_slope",
            Statistic::Intercept => "regr_intercept",
            Statistic::R2 => "regr_r2",
            Statistic::Sxx => "regr_sxx",
            Statistic::Syy => "regr_syy",
            Statistic::Sxy => "regr_sxy",
            Statistic::AverageX => "regr_avgx",
            Statistic::AverageY => "regr_avgy",
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Regression {
    statistic: Statistic,
    signature: Signature,
}

impl Regression {
    fn new(statistic: Statistic) -> Self {
        Self {
            statistic,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn numeric_input(t: &DataType) -> bool {
    t.is_integer()
        || matches!(
            t,
            DataType::Float16
                | DataType::Float32
                | DataType::Float64
                | DataType::Decimal128(_, _)
                | DataType::Null
        )
}

impl AggregateUDFImpl for Regression {
    fn name(&self) -> &str {
        self.statistic.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [y, x] if numeric_input(y) && numeric_input(x) => {
                // Decimals stay decimals: read through their text, as PostgreSQL casts them.
                let keep = |t: &DataType| match t {
                    DataType::Decimal128(_, _) => t.clone(),
                    _ => DataType::Float64,
                };
                Ok(vec![keep(y), keep(x)])
            }
            _ => {
                let fields: Vec<FieldRef> = arg_types
                    .iter()
                    .map(|t| Arc::new(Field::new("a", t.clone(), true)))
                    .collect();
                Err(no_such_function(self.name(), &fields))
            }
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(["n", "sx", "sxx", "sy", "syy", "sxy"]
            .into_iter()
            .map(|part| {
                Arc::new(Field::new(
                    format_state_name(args.name, part),
                    DataType::Float64,
                    true,
                ))
            })
            .collect())
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Sums {
            statistic: Some(self.statistic),
            ..Sums::default()
        }))
    }
}

/// PostgreSQL's transition values: N, Sx, Sxx, Sy, Syy, Sxy.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    statistic: Option<Statistic>,
    n: f64,
    sx: f64,
    sxx: f64,
    sy: f64,
    syy: f64,
    sxy: f64,
}

impl Sums {
    /// `float8_regr_accum` of one row.
    fn add(&mut self, y: f64, x: f64) {
        let previous = self.n;
        self.n += 1.0;
        self.sx += x;
        self.sy += y;
        if previous > 0.0 {
            let dx = x * self.n - self.sx;
            let dy = y * self.n - self.sy;
            let scale = 1.0 / (self.n * previous);
            self.sxx += dx * dx * scale;
            self.syy += dy * dy * scale;
            self.sxy += dx * dy * scale;
        } else {
            if !x.is_finite() {
                self.sxx = f64::NAN;
                self.sxy = f64::NAN;
            }
            if !y.is_finite() {
                self.syy = f64::NAN;
                self.sxy = f64::NAN;
            }
        }
    }

    /// `float8_regr_combine` of another group's sums.
    fn combine(&mut self, other: &Sums) {
        if other.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            let statistic = self.statistic;
            *self = Sums {
                statistic,
                ..*other
            };
            return;
        }
        let (n1, n2) = (self.n, other.n);
        let n = n1 + n2;
        let tx = self.sx / n1 - other.sx / n2;
        let ty = self.sy / n1 - other.sy / n2;
        self.sxx += other.sxx + n1 * n2 * tx * tx / n;
        self.syy += other.syy + n1 * n2 * ty * ty / n;
        self.sxy += other.sxy + n1 * n2 * tx * ty / n;
        self.sx += other.sx;
        self.sy += other.sy;
        self.n = n;
    }

    /// The final function's answer (PostgreSQL's `float8_covar_pop` ... `float8_regr_avgy`).
    fn answer(&self) -> Option<f64> {
        let statistic = self.statistic?;
        if self.n < 1.0 {
            return None;
        }
        let n = self.n;
        match statistic {
            Statistic::CovariancePopulation => Some(self.sxy / n),
            Statistic::CovarianceSample => (n >= 2.0).then(|| self.sxy / (n - 1.0)),
            Statistic::Correlation => (self.sxx != 0.0 && self.syy != 0.0)
                .then(|| self.sxy / (self.sxx * self.syy).sqrt()),
            Statistic::Slope => (self.sxx != 0.0).then(|| self.sxy / self.sxx),
            Statistic::Intercept => {
                (self.sxx != 0.0).then(|| (self.sy - self.sx * self.sxy / self.sxx) / n)
            }
            Statistic::R2 if self.sxx == 0.0 => None,
            Statistic::R2 if self.syy == 0.0 => Some(1.0),
            Statistic::R2 => Some((self.sxy * self.sxy) / (self.sxx * self.syy)),
            Statistic::Sxx => Some(self.sxx),
            Statistic::Syy => Some(self.syy),
            Statistic::Sxy => Some(self.sxy),
            Statistic::AverageX => Some(self.sx / n),
            Statistic::AverageY => Some(self.sy / n),
        }
    }
}

/// Row `i` of `array` as PostgreSQL's `double precision` (NULL: `None`).
fn double(array: &ArrayRef, i: usize) -> Result<Option<f64>> {
    if array.is_null(i) {
        return Ok(None);
    }
    Ok(match ScalarValue::try_from_array(array, i)? {
        // numeric_float8: the nearest double of the decimal text.
        ScalarValue::Decimal128(Some(v), _, s) => format!("{v}e-{s}").parse::<f64>().ok(),
        other => super::float_of(&other),
    })
}

impl Accumulator for Sums {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (ys, xs) = (&values[0], &values[1]);
        for i in 0..ys.len() {
            if let (Some(y), Some(x)) = (double(ys, i)?, double(xs, i)?) {
                self.add(y, x);
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let parts: Vec<_> = states
            .iter()
            .map(|s| s.as_primitive::<Float64Type>())
            .collect();
        for i in 0..parts[0].len() {
            if parts[0].is_null(i) {
                continue;
            }
            let value = |k: usize| parts[k].value(i);
            self.combine(&Sums {
                statistic: None,
                n: value(0),
                sx: value(1),
                sxx: value(2),
                sy: value(3),
                syy: value(4),
                sxy: value(5),
            });
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok([self.n, self.sx, self.sxx, self.sy, self.syy, self.sxy]
            .into_iter()
            .map(|v| ScalarValue::Float64(Some(v)))
            .collect())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.answer()))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(statistic: Statistic, rows: &[(f64, f64)]) -> Sums {
        let mut sums = Sums {
            statistic: Some(statistic),
            ..Sums::default()
        };
        for (y, x) in rows {
            sums.add(*y, *x);
        }
        sums
    }

    /// `salary` and `rating` of the SQL-surface `emp` rows (in PostgreSQL's scan order).
    const ROWS: [(f64, f64); 13] = [
        (120000.00, 4.5),
        (95000.50, 3.7),
        (70000.00, 0.1),
        (70000.00, 4.25),
        (55000.25, 2.5),
        (61000.99, 3.333_333_333_333_333_5),
        (99999999.99, 1e-07),
        (0.01, 5.0),
        (42000.10, 0.300_000_000_000_000_04),
        (88000.00, -1.5),
        (120000.00, 4.5),
        (65432.10, 2.0),
        (55000.25, 2.5),
    ];

    /// PostgreSQL 15's `corr(salary, rating)` over them: the root of the product of the
    /// sums (the product of their roots gives -0.34479969746293593, DataFusion's answer).
    #[test]
    fn last_digit_of_postgres() {
        let s = sums(Statistic::Correlation, &ROWS);
        assert_eq!(s.answer(), Some(-0.344_799_697_462_935_8));
    }

    #[test]
    fn postgres_final_functions() {
        let s = sums(
            Statistic::Correlation,
            &[(1.0, 1.0), (2.0, 2.0), (4.0, 3.0)],
        );
        assert_eq!(s.n, 3.0);
        assert_eq!(s.answer(), Some(0.981_980_506_061_965_9));
        let horizontal = sums(Statistic::Correlation, &[(1.0, 1.0), (1.0, 2.0)]);
        assert_eq!(horizontal.answer(), None);
        let r2 = sums(Statistic::R2, &[(1.0, 1.0), (1.0, 2.0)]);
        assert_eq!(r2.answer(), Some(1.0));
        let one = sums(Statistic::CovarianceSample, &[(1.0, 1.0)]);
        assert_eq!(one.answer(), None);
        let none = sums(Statistic::CovariancePopulation, &[]);
        assert_eq!(none.answer(), None);
        let avg = sums(Statistic::AverageX, &ROWS[..4]);
        assert_eq!(avg.answer(), Some((4.5 + 3.7 + 0.1 + 4.25) / 4.0));
    }

    #[test]
    fn combined_halves_match_one_pass_closely() {
        let whole = sums(Statistic::Slope, &ROWS);
        let mut left = sums(Statistic::Slope, &ROWS[..2]);
        let right = sums(Statistic::Slope, &ROWS[2..]);
        left.combine(&right);
        let (a, b) = (whole.answer().unwrap(), left.answer().unwrap());
        assert!((a - b).abs() <= a.abs() * 1e-12);
        let mut empty = sums(Statistic::Slope, &[]);
        empty.combine(&whole);
        assert_eq!(empty.answer(), whole.answer());
    }

    #[test]
    fn infinite_first_values_give_nan() {
        let s = sums(Statistic::Sxx, &[(1.0, f64::INFINITY), (2.0, 1.0)]);
        assert!(s.answer().unwrap().is_nan());
    }
}
