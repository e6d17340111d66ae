//! `localtimestamp` and `localtime` (and their `(precision)` forms): the statement's start
//! time on the clock of the session's `TimeZone`, as `timestamp` and `time`;
//! `statement_timestamp()`, the same instant as a `timestamptz`. Like `now()`,
//! the value is fixed when the statement is planned (the simplifier replaces the call by a
//! constant), so every row and every use in a statement see the same time.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef, TimeUnit};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::calendar::{USECS_PER_DAY, USECS_PER_SEC};
use super::{int_of, no_such_function, session_zone};
use crate::catalog::functions::Settings;

/// Which of the two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Timestamp,
    Time,
    Statement,
}

/// `localtimestamp` or `localtime` of one session.
#[derive(Debug)]
pub struct LocalTime {
    kind: Kind,
    signature: Signature,
    settings: Settings,
}

impl LocalTime {
    pub fn timestamp(settings: Settings) -> Self {
        Self::new(Kind::Timestamp, settings)
    }

    pub fn time(settings: Settings) -> Self {
        Self::new(Kind::Time, settings)
    }

    pub fn statement(settings: Settings) -> Self {
        Self::new(Kind::Statement, settings)
    }

    fn new(kind: Kind, settings: Settings) -> Self {
        Self {
            kind,
            signature: Signature::user_defined(Volatility::Stable),
            settings,
        }
    }

    fn data_type(&self) -> DataType {
        match self.kind {
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::Time => DataType::Time64(TimeUnit::Microsecond),
            Kind::Statement => super::timestamptz_type(),
        }
    }

    /// The value at the UTC instant `micros`, its fraction rounded to `precision` digits.
    fn value_at(&self, micros: i64, precision: Option<i64>) -> ScalarValue {
        let local = round_to_precision(
            session_zone(Some(&self.settings)).to_local(micros),
            precision,
        );
        match self.kind {
            Kind::Timestamp => ScalarValue::TimestampMicrosecond(Some(local), None),
            Kind::Time => ScalarValue::Time64Microsecond(Some(local.rem_euclid(USECS_PER_DAY))),
            Kind::Statement => {
                super::calendar::timestamptz_scalar(round_to_precision(micros, precision))
            }
        }
    }
}

/// Microseconds rounded to `precision` fractional digits (half away from zero, as
/// PostgreSQL's `AdjustTimestampForTypmod`); six or more, or none, keep them.
fn round_to_precision(micros: i64, precision: Option<i64>) -> i64 {
    match precision {
        Some(p) if (0..6).contains(&p) => {
            let unit = 10_i64.pow(6 - p as u32);
            let rounded = (micros.rem_euclid(USECS_PER_SEC) + unit / 2) / unit * unit;
            micros - micros.rem_euclid(USECS_PER_SEC) + rounded
        }
        _ => micros,
    }
}

impl PartialEq for LocalTime {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && Arc::ptr_eq(&self.settings, &other.settings)
    }
}

impl Eq for LocalTime {}

impl std::hash::Hash for LocalTime {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
    }
}

impl ScalarUDFImpl for LocalTime {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Timestamp => "localtimestamp",
            Kind::Time => "localtime",
            Kind::Statement => "statement_timestamp",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(arg_types.iter().map(|_| DataType::Int64).collect())
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.data_type())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        if args.arg_fields.len() > 1 {
            return Err(no_such_function(self.name(), args.arg_fields));
        }
        Ok(Arc::new(Field::new(self.name(), self.data_type(), false)))
    }

    /// Never called: like `now()`, the planner's simplifier replaces the call by the
    /// statement's time (a call evaluated here would read the clock later).
    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        datafusion::common::internal_err!(
            "{}() is replaced when the statement is planned",
            self.name()
        )
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let Some(start) = info.query_execution_start_time() else {
            return Ok(ExprSimplifyResult::Original(args));
        };
        let precision = match args.first() {
            None => None,
            Some(Expr::Literal(value, _)) => int_of(value),
            Some(_) => return Ok(ExprSimplifyResult::Original(args)),
        };
        let value = self.value_at(start.timestamp_micros(), precision);
        Ok(ExprSimplifyResult::Simplified(Expr::Literal(value, None)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_support::row_in;

    #[test]
    fn precision_rounds_the_fraction() {
        assert_eq!(round_to_precision(1_234_567, Some(2)), 1_230_000);
        assert_eq!(round_to_precision(1_995_000, Some(2)), 2_000_000);
        assert_eq!(round_to_precision(1_234_567, None), 1_234_567);
    }

    #[tokio::test]
    async fn local_times_are_the_session_clock() {
        let values = row_in(
            "Asia/Tokyo",
            "SELECT localtimestamp = timezone('Asia/Tokyo', now()), statement_timestamp() = now(), \
             localtime IS NOT NULL, localtimestamp(0) IS NOT NULL",
        )
        .await
        .unwrap();
        assert_eq!(values, ["true", "true", "true", "true"]);
    }
}
