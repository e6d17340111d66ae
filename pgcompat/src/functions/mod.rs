//! PostgreSQL's functions under their own names, with their own behaviour, as DataFusion
//! scalar and aggregate functions. Where DataFusion has a function of the same name with
//! other rules (`to_char` with chrono patterns, `round` of a float half away from zero,
//! `ln(0)` as `-Infinity`), the PostgreSQL one replaces it for the session.
//!
//! One file per family:
//!
//! - [`template`]: PostgreSQL's date/time formatting templates (`YYYY-MM-DD HH24:MI`), parsed
//!   once for `to_char` and for `to_date`/`to_timestamp`; [`calendar`]: the calendar
//!   arithmetic PostgreSQL uses (Julian days, ISO weeks) and the value types;
//! - [`to_char`]: `to_char` of timestamps, dates and intervals, and the dispatch to
//!   [`number_format`] for numbers (`9,999.99`, `FM`, `PR`, `EEEE`, `RN`);
//! - [`to_timestamp`]: `to_date(text, text)`, `to_timestamp(text, text)`,
//!   `to_timestamp(float8)`;
//! - [`truncate`]: `date_trunc` of timestamps, timestamptz (in a zone) and intervals;
//! - [`date_input`]: numeric dates in `DateStyle` order; [`overlaps`]: `OVERLAPS`;
//!   [`local_time`]: `localtimestamp`, `localtime`;
//! - [`datetime`]: `age`, `justify_*`, `make_timestamp`, `make_timestamptz`,
//!   `make_interval`, `isfinite`;
//! - [`math`]: `mod`, `div`, `sign`, `ceiling`, `trim_scale`, `width_bucket`, `round`, and
//!   `ln`/`log`/`sqrt`/`exp`/`power` with PostgreSQL's domain errors;
//! - [`concat`]: `concat`, `concat_ws` with PostgreSQL's value texts; [`letter_case`]:
//!   `upper`, `lower` letter by letter;
//! - [`strings`]: `to_hex`, `clock_timestamp`, `format`, `quote_literal`, `quote_ident`, `quote_nullable`;
//! - [`bytes`]: `substring` of text, bytea and by pattern, `get_byte`, `set_byte`,
//!   `convert_to`; [`unicode`]: `unistr`, `normalize`, `is_normalized`;
//! - [`regex`]: `regexp_matches`, `regexp_split_to_array`, `regexp_substr`;
//! - [`misc`]: `pg_typeof`, `num_nulls`/`num_nonnulls`;
//! - [`numeric_text`]: numerics printed with the display scale PostgreSQL gives each value
//!   (quotients), for `crate::numeric_display`;
//! - [`arrays`]: `array_length` (NULL for an empty array), `cardinality`, `array_dims`,
//!   `array_position` ... typed `integer`, `array_remove`/`array_replace` of every match;
//! - [`json`]: the `json` and `jsonb` types, operators and functions;
//! - [`aggregates`]: `variance`/`var_samp`/`var_pop` (numeric for exact input), `every`,
//!   `mode() WITHIN GROUP`, `percentile_disc`.
//!
//! Errors carry PostgreSQL's SQLSTATE as an [`AdapterError`] inside DataFusion's error, which
//! [`crate::error::PgError::from_datafusion`] finds through DataFusion's wrappers.

pub mod aggregates;
pub mod arrays;
pub mod bytes;
pub mod calendar;
pub mod concat;
pub mod cube_root;
pub mod date_input;
pub mod datetime;
pub mod extract;
pub mod float_average;
pub mod interval_arith;
pub mod json;
pub mod letter_case;
pub mod local_time;
pub mod math;
pub mod misc;
pub mod number_format;
pub mod numeric;
pub mod numeric_text;
pub mod one_row;
pub mod overlaps;
pub mod regex;
pub mod regression;
pub mod strings;
pub mod template;
pub mod to_char;
pub mod to_timestamp;
pub mod truncate;
pub mod unicode;
pub mod zoned;

use std::sync::Arc;

use datafusion::arrow::array::{new_empty_array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, IntervalUnit, TimeUnit};
use datafusion::common::{Result, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::prelude::SessionContext;
use fedgate_adapter_api::{AdapterError, SqlState};

use crate::catalog::functions::Settings;
use calendar::Zone;

/// Registers every function of this module on `ctx`, replacing DataFusion's functions of
/// the same names. The date/time functions read the session's `TimeZone` from `settings`.
pub fn register(ctx: &SessionContext, settings: Settings) {
    let scalars = [
        to_char::functions(),
        to_timestamp::functions(),
        datetime::functions(),
        math::functions(),
        strings::functions(),
        regex::functions(),
        misc::functions(),
        numeric_text::functions(),
        arrays::functions(),
        zoned::functions(),
        extract::functions(),
        interval_arith::functions(),
        truncate::functions(),
        bytes::functions(),
        unicode::functions(),
        overlaps::functions(),
        date_input::functions(),
        concat::functions(),
        letter_case::functions(),
    ];
    for function in scalars.into_iter().flatten() {
        ctx.register_udf(ScalarUDF::new_from_impl(
            function.with_session(settings.clone()),
        ));
    }
    ctx.register_udf(ScalarUDF::new_from_impl(misc::PgTypeof::new()));
    ctx.register_udf(ScalarUDF::new_from_impl(one_row::OneRow::new()));
    ctx.register_udf(ScalarUDF::new_from_impl(local_time::LocalTime::timestamp(
        settings.clone(),
    )));
    ctx.register_udf(ScalarUDF::new_from_impl(local_time::LocalTime::time(
        settings.clone(),
    )));
    ctx.register_udf(ScalarUDF::new_from_impl(local_time::LocalTime::statement(
        settings.clone(),
    )));
    for aggregate in aggregates::functions() {
        ctx.register_udaf(aggregate);
    }
    json::register(ctx);
}

/// The value of the session setting `name` (lower-case), if the session has one.
pub(crate) fn session_setting(settings: Option<&Settings>, name: &str) -> Option<String> {
    settings.and_then(|s| {
        s.lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    })
}

/// The session's `TimeZone` (UTC without a session).
pub(crate) fn session_zone(settings: Option<&Settings>) -> Zone {
    session_setting(settings, "timezone")
        .map(|name| Zone::from_setting(&name))
        .unwrap_or_else(Zone::utc)
}

/// A PostgreSQL error raised by a function: kept through DataFusion with its SQLSTATE.
pub(crate) fn pg_error(code: SqlState, message: impl Into<String>) -> DataFusionError {
    AdapterError::new(code, message).into_datafusion()
}

/// A PostgreSQL error with a hint.
pub(crate) fn pg_error_hint(
    code: SqlState,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> DataFusionError {
    AdapterError::new(code, message)
        .with_hint(hint)
        .into_datafusion()
}

/// A PostgreSQL error with a detail.
pub(crate) fn pg_error_detail(
    code: SqlState,
    message: impl Into<String>,
    detail: impl Into<String>,
) -> DataFusionError {
    AdapterError::new(code, message)
        .with_detail(detail)
        .into_datafusion()
}

/// A PostgreSQL error with an optional detail and hint.
pub(crate) fn pg_error_with(
    code: SqlState,
    message: impl Into<String>,
    detail: Option<String>,
    hint: Option<&str>,
) -> DataFusionError {
    let mut error = AdapterError::new(code, message);
    if let Some(detail) = detail {
        error = error.with_detail(detail);
    }
    if let Some(hint) = hint {
        error = error.with_hint(hint);
    }
    error.into_datafusion()
}

/// How a function computes its result.
#[derive(Clone, Copy)]
pub(crate) enum Eval {
    /// Row by row on the arguments' values; with `strict`, a NULL argument gives NULL
    /// without calling the function (PostgreSQL's STRICT functions).
    Rows {
        strict: bool,
        row: fn(&[ScalarValue], &DataType) -> Result<ScalarValue>,
    },
    /// Row by row, in the session's time zone.
    Zoned {
        strict: bool,
        row: fn(&[ScalarValue], &DataType, &Zone) -> Result<ScalarValue>,
    },
    /// Row by row, with the session's settings (`DateStyle`).
    Settings {
        strict: bool,
        row: fn(&[ScalarValue], &DataType, Option<&Settings>) -> Result<ScalarValue>,
    },
}

/// The result type of a call: from the arguments' fields and the values of the constant
/// arguments.
pub(crate) type Returns = fn(&[FieldRef], &[Option<&ScalarValue>]) -> Result<DataType>;

/// The argument types a call is planned with (DataFusion inserts the casts).
pub(crate) type Coerce = fn(&[DataType]) -> Result<Vec<DataType>>;

/// A PostgreSQL scalar function: name, argument coercion, result type, evaluation.
pub struct PgFunction {
    name: &'static str,
    signature: Signature,
    coerce: Coerce,
    returns: Returns,
    eval: Eval,
    /// The session's settings (its `TimeZone`), for [`Eval::Zoned`] functions.
    session: Option<Settings>,
    /// The PostgreSQL type of the result, where its Arrow type does not say it (a
    /// `fedgate.pg_type` mark on the result field).
    pg_type: Option<&'static str>,
}

impl PgFunction {
    pub(crate) fn new(name: &'static str, coerce: Coerce, returns: Returns, eval: Eval) -> Self {
        Self {
            name,
            signature: Signature::user_defined(Volatility::Immutable),
            coerce,
            returns,
            eval,
            session: None,
            pg_type: None,
        }
    }

    /// A function whose result is PostgreSQL's `pg_type`, held as another Arrow type.
    pub(crate) fn with_pg_type(mut self, pg_type: &'static str) -> Self {
        self.pg_type = Some(pg_type);
        self
    }

    /// The session whose settings the function reads.
    pub(crate) fn with_session(mut self, settings: Settings) -> Self {
        self.session = Some(settings);
        self
    }

    /// The session's time zone (UTC without a session).
    fn zone(&self) -> Zone {
        session_zone(self.session.as_ref())
    }

    /// A function whose result may change between calls (`age(x)` reads the clock).
    pub(crate) fn volatile(mut self) -> Self {
        let names = self.signature.parameter_names.take();
        self.signature = Signature::user_defined(Volatility::Volatile);
        self.signature.parameter_names = names;
        self
    }

    /// Names of the parameters, for calls with named arguments (`days => 10`).
    pub(crate) fn with_parameter_names(mut self, names: &[&str]) -> Self {
        self.signature.parameter_names = Some(names.iter().map(|n| n.to_string()).collect());
        self
    }
}

impl std::fmt::Debug for PgFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgFunction")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for PgFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for PgFunction {}

impl std::hash::Hash for PgFunction {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for PgFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        (self.coerce)(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let fields: Vec<FieldRef> = arg_types
            .iter()
            .map(|t| Arc::new(Field::new("a", t.clone(), true)))
            .collect();
        let scalars = vec![None; fields.len()];
        (self.returns)(&fields, &scalars)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let data_type = (self.returns)(args.arg_fields, args.scalar_arguments)?;
        let field = Field::new(self.name, data_type, true);
        Ok(Arc::new(match self.pg_type {
            Some(pg_type) => field.with_metadata(std::collections::HashMap::from([(
                fedgate_adapter_api::metadata::PG_TYPE.to_string(),
                pg_type.to_string(),
            )])),
            None => field,
        }))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match self.eval {
            Eval::Rows { strict, row } => map_rows(
                &args.args,
                args.number_rows,
                args.return_type(),
                strict,
                &row,
            ),
            Eval::Zoned { strict, row } => {
                let zone = self.zone();
                map_rows(
                    &args.args,
                    args.number_rows,
                    args.return_type(),
                    strict,
                    &|values: &[ScalarValue], t: &DataType| row(values, t, &zone),
                )
            }
            Eval::Settings { strict, row } => {
                let settings = self.session.as_ref();
                map_rows(
                    &args.args,
                    args.number_rows,
                    args.return_type(),
                    strict,
                    &|values: &[ScalarValue], t: &DataType| row(values, t, settings),
                )
            }
        }
    }
}

/// Applies `row` to each row of `args` (once when every argument is a scalar).
pub(crate) fn map_rows(
    args: &[ColumnarValue],
    number_rows: usize,
    return_type: &DataType,
    strict: bool,
    row: &dyn Fn(&[ScalarValue], &DataType) -> Result<ScalarValue>,
) -> Result<ColumnarValue> {
    let apply = |values: &[ScalarValue]| -> Result<ScalarValue> {
        if strict && values.iter().any(ScalarValue::is_null) {
            return ScalarValue::try_from(return_type);
        }
        let result = row(values, return_type)?;
        if result.is_null() {
            return ScalarValue::try_from(return_type);
        }
        Ok(result)
    };
    if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        let values: Vec<ScalarValue> = args
            .iter()
            .map(|a| match a {
                ColumnarValue::Scalar(s) => s.clone(),
                ColumnarValue::Array(_) => unreachable!("all scalars"),
            })
            .collect();
        return Ok(ColumnarValue::Scalar(apply(&values)?));
    }
    let arrays: Vec<ArrayRef> = args
        .iter()
        .map(|a| a.to_array(number_rows))
        .collect::<Result<_>>()?;
    if number_rows == 0 {
        return Ok(ColumnarValue::Array(new_empty_array(return_type)));
    }
    let mut results = Vec::with_capacity(number_rows);
    let mut values = Vec::with_capacity(arrays.len());
    for i in 0..number_rows {
        values.clear();
        for array in &arrays {
            values.push(ScalarValue::try_from_array(array, i)?);
        }
        results.push(apply(&values)?);
    }
    Ok(ColumnarValue::Array(ScalarValue::iter_to_array(results)?))
}

// ---- types -------------------------------------------------------------------------------

/// `timestamp with time zone` as fedgate plans it: microseconds, UTC.
pub(crate) fn timestamptz_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into()))
}

/// `timestamp without time zone`: microseconds.
pub(crate) fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

/// `interval`.
pub(crate) fn interval_type() -> DataType {
    DataType::Interval(IntervalUnit::MonthDayNano)
}

pub(crate) fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

pub(crate) fn is_decimal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Decimal32(_, _)
            | DataType::Decimal64(_, _)
            | DataType::Decimal128(_, _)
            | DataType::Decimal256(_, _)
    )
}

/// PostgreSQL's name of a type as fedgate describes it (`integer`, `numeric`,
/// `timestamp with time zone`, `text[]`).
pub(crate) fn pg_type_name(t: &DataType) -> String {
    match t {
        DataType::Null => "unknown".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => "smallint".into(),
        DataType::Int32 | DataType::UInt16 => "integer".into(),
        DataType::Int64 | DataType::UInt32 => "bigint".into(),
        DataType::UInt64 => "numeric".into(),
        DataType::Float16 | DataType::Float32 => "real".into(),
        DataType::Float64 => "double precision".into(),
        t if is_decimal(t) => "numeric".into(),
        t if is_string(t) => "text".into(),
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => "bytea".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Time32(_) | DataType::Time64(_) => "time without time zone".into(),
        DataType::Timestamp(_, None) => "timestamp without time zone".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone".into(),
        DataType::Interval(_) | DataType::Duration(_) => "interval".into(),
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::FixedSizeList(item, _)
        | DataType::ListView(item)
        | DataType::LargeListView(item) => match item.data_type() {
            DataType::Null => "text[]".into(),
            inner => format!("{}[]", pg_type_name(inner)),
        },
        DataType::Struct(_) => "record".into(),
        DataType::Dictionary(_, value) => pg_type_name(value),
        _ => "unknown".into(),
    }
}

/// PostgreSQL's short name of an argument type in "function f(integer) does not exist".
pub(crate) fn signature_text(name: &str, types: &[DataType]) -> String {
    let names: Vec<String> = types.iter().map(pg_type_name).collect();
    format!("function {name}({}) does not exist", names.join(", "))
}

/// 42883 for a call whose argument types have no PostgreSQL function.
pub(crate) fn no_such_function(name: &str, fields: &[FieldRef]) -> DataFusionError {
    let types: Vec<DataType> = fields.iter().map(|f| f.data_type().clone()).collect();
    pg_error_hint(
        SqlState::UndefinedFunction,
        signature_text(name, &types),
        "No function matches the given name and argument types. You might need to add explicit type casts.",
    )
}

// ---- values ------------------------------------------------------------------------------

/// The text of a string value.
pub(crate) fn text_of(value: &ScalarValue) -> Option<&str> {
    match value {
        ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => v.as_deref(),
        _ => None,
    }
}

/// An integer value of any integer type.
pub(crate) fn int_of(value: &ScalarValue) -> Option<i64> {
    match value {
        ScalarValue::Int8(v) => v.map(i64::from),
        ScalarValue::Int16(v) => v.map(i64::from),
        ScalarValue::Int32(v) => v.map(i64::from),
        ScalarValue::Int64(v) => *v,
        ScalarValue::UInt8(v) => v.map(i64::from),
        ScalarValue::UInt16(v) => v.map(i64::from),
        ScalarValue::UInt32(v) => v.map(i64::from),
        ScalarValue::UInt64(v) => v.and_then(|v| i64::try_from(v).ok()),
        _ => None,
    }
}

/// A float value (of a float, integer or decimal).
pub(crate) fn float_of(value: &ScalarValue) -> Option<f64> {
    match value {
        ScalarValue::Float64(v) => *v,
        ScalarValue::Float32(v) => v.map(f64::from),
        ScalarValue::Decimal128(Some(v), _, s) => Some(*v as f64 / 10f64.powi(i32::from(*s))),
        other => int_of(other).map(|v| v as f64),
    }
}

/// A text result.
pub(crate) fn text(value: impl Into<String>) -> ScalarValue {
    ScalarValue::Utf8(Some(value.into()))
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs SQL through a DataFusion session with these functions registered.

    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    use datafusion::prelude::{SessionConfig, SessionContext};

    use crate::error::PgError;

    /// A session like fedgate's for functions: decimals for float literals, UTC.
    pub fn context() -> SessionContext {
        context_in("UTC")
    }

    /// The same session with `TimeZone` set to `zone`.
    pub fn context_in(zone: &str) -> SessionContext {
        let mut config = SessionConfig::new();
        config.options_mut().sql_parser.parse_float_as_decimal = true;
        config.options_mut().execution.time_zone = Some("+00:00".to_string());
        config.options_mut().sql_parser.dialect = datafusion::config::Dialect::PostgreSQL;
        let ctx = SessionContext::new_with_config(config);
        let settings = std::sync::Arc::new(std::sync::Mutex::new(
            [("timezone".to_string(), zone.to_string())]
                .into_iter()
                .collect(),
        ));
        super::register(&ctx, settings);
        ctx
    }

    /// The first row of `sql`'s result, each value as Arrow's display text (or `NULL`),
    /// or the PostgreSQL error.
    pub async fn row(sql: &str) -> Result<Vec<String>, PgError> {
        row_in("UTC", sql).await
    }

    /// [`row`] with `TimeZone` set to `zone`.
    pub async fn row_in(zone: &str, sql: &str) -> Result<Vec<String>, PgError> {
        let ctx = context_in(zone);
        let frame = ctx
            .sql(sql)
            .await
            .map_err(|e| PgError::from_datafusion(&e))?;
        let batches = frame
            .collect()
            .await
            .map_err(|e| PgError::from_datafusion(&e))?;
        let batch = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
        let options = FormatOptions::default().with_null("NULL");
        Ok(batch
            .columns()
            .iter()
            .map(|c| {
                ArrayFormatter::try_new(c.as_ref(), &options)
                    .unwrap()
                    .value(0)
                    .to_string()
            })
            .collect())
    }

    /// The single value of `sql`.
    pub async fn value(sql: &str) -> String {
        match row(sql).await {
            Ok(mut values) => values.remove(0),
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    /// The SQLSTATE and message of the error `sql` raises.
    pub async fn error(sql: &str) -> (String, String) {
        match row(sql).await {
            Ok(values) => panic!("{sql}: expected an error, got {values:?}"),
            Err(e) => (e.code.to_string(), e.message),
        }
    }

    /// The result type of `sql`'s first column.
    pub async fn type_of(sql: &str) -> datafusion::arrow::datatypes::DataType {
        let ctx = context();
        let frame = ctx.sql(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        frame.schema().field(0).data_type().clone()
    }
}
