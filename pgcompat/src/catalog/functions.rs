//! SQL functions fedgate answers itself, as PostgreSQL would.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{
    create_udf, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    TypeSignature, Volatility,
};
use fedgate_adapter_api::{AdapterError, SqlState};

/// `version()`: PostgreSQL's format, naming fedgate (clients parse the leading version).
pub fn version_udf() -> ScalarUDF {
    let text = format!(
        "PostgreSQL {} on {}-{}, fedgate federation gateway",
        crate::SERVER_VERSION,
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    create_udf(
        "version",
        vec![],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |_| Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(text.clone()))))),
    )
}

/// A session's settings, shared with the functions that read and change them.
pub type Settings = Arc<std::sync::Mutex<std::collections::BTreeMap<String, String>>>;

fn lock(
    settings: &Settings,
) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<String, String>> {
    settings.lock().unwrap_or_else(|e| e.into_inner())
}

/// The text values of a string argument, one per row (`rows` for a scalar).
fn strings(value: &ColumnarValue, rows: usize) -> datafusion::error::Result<Vec<Option<String>>> {
    use datafusion::arrow::array::{Array, StringArray};
    let array = value.to_array(rows.max(1))?;
    let array = datafusion::arrow::compute::cast(&array, &DataType::Utf8)?;
    let array = array
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| datafusion::error::DataFusionError::Internal("not text".into()))?;
    Ok((0..array.len())
        .map(|i| (!array.is_null(i)).then(|| array.value(i).to_string()))
        .collect())
}

/// Rows of a call: 1 when every argument is a scalar (the result is then a scalar too).
fn rows_of(args: &[ColumnarValue]) -> Option<usize> {
    args.iter().find_map(|a| match a {
        ColumnarValue::Array(array) => Some(datafusion::arrow::array::Array::len(array)),
        ColumnarValue::Scalar(_) => None,
    })
}

fn text_result(values: Vec<Option<String>>, scalar: bool) -> ColumnarValue {
    if scalar {
        ColumnarValue::Scalar(ScalarValue::Utf8(values.into_iter().next().flatten()))
    } else {
        ColumnarValue::Array(Arc::new(datafusion::arrow::array::StringArray::from(
            values,
        )))
    }
}

/// `current_setting(name)`: the session's value of a setting (what SHOW prints); an
/// unknown name is PostgreSQL's error 42704.
pub fn current_setting_udf(settings: Settings) -> ScalarUDF {
    ScalarUDF::new_from_impl(CurrentSetting {
        settings,
        signature: Signature::one_of(
            vec![
                TypeSignature::Exact(vec![DataType::Utf8]),
                TypeSignature::Exact(vec![DataType::Utf8, DataType::Boolean]),
            ],
            Volatility::Stable,
        ),
    })
}

/// `current_setting(name [, missing_ok])`: a setting's value; an unknown name is 42704,
/// or NULL when `missing_ok` is true.
#[derive(Debug)]
struct CurrentSetting {
    settings: Settings,
    signature: Signature,
}

impl PartialEq for CurrentSetting {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.settings, &other.settings)
    }
}

impl Eq for CurrentSetting {}

impl std::hash::Hash for CurrentSetting {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        "current_setting".hash(state);
    }
}

impl ScalarUDFImpl for CurrentSetting {
    fn name(&self) -> &str {
        "current_setting"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let args = &args.args;
        let rows = rows_of(args);
        let names = strings(&args[0], rows.unwrap_or(1))?;
        let missing_ok = match args.get(1) {
            Some(ColumnarValue::Scalar(ScalarValue::Boolean(flag))) => flag.unwrap_or(false),
            Some(_) => {
                return Err(datafusion::error::DataFusionError::External(Box::new(
                    AdapterError::new(
                        SqlState::FeatureNotSupported,
                        "current_setting's missing_ok must be a constant",
                    ),
                )))
            }
            None => false,
        };
        let settings = lock(&self.settings);
        let values = names
            .into_iter()
            .map(|name| match name {
                None => Ok(None),
                Some(name) => match settings.get(&name.to_ascii_lowercase()) {
                    Some(value) => Ok(Some(value.clone())),
                    None if missing_ok => Ok(None),
                    None => Err(datafusion::error::DataFusionError::External(Box::new(
                        AdapterError::new(
                            SqlState::UndefinedObject,
                            format!("unrecognized configuration parameter \"{name}\""),
                        ),
                    ))),
                },
            })
            .collect::<datafusion::error::Result<Vec<_>>>()?;
        Ok(text_result(values, rows.is_none()))
    }
}

/// `set_config(name, value, is_local)`: sets a setting for the session and returns the
/// value (fedgate has no transactions to scope `is_local` to).
pub fn set_config_udf(settings: Settings) -> ScalarUDF {
    create_udf(
        "set_config",
        vec![DataType::Utf8, DataType::Utf8, DataType::Boolean],
        DataType::Utf8,
        Volatility::Volatile,
        Arc::new(move |args: &[ColumnarValue]| {
            let rows = rows_of(args);
            let names = strings(&args[0], rows.unwrap_or(1))?;
            let values = strings(&args[1], rows.unwrap_or(1))?;
            let mut settings = lock(&settings);
            for (name, value) in names.iter().zip(&values) {
                if let Some(name) = name {
                    settings.insert(name.to_ascii_lowercase(), value.clone().unwrap_or_default());
                }
            }
            Ok(text_result(values, rows.is_none()))
        }),
    )
}

/// `current_schemas(include_implicit)`: the schemas of the search path that exist in the
/// session's database, with `pg_catalog` first when implicit ones are asked for (as
/// PostgreSQL; datafusion-pg-catalog's version always answers `public`).
pub fn current_schemas_udf(schemas: Arc<dyn Fn() -> Vec<String> + Send + Sync>) -> ScalarUDF {
    use datafusion::arrow::array::{BooleanArray, ListBuilder, StringBuilder};
    use datafusion::arrow::datatypes::Field;
    let item = Arc::new(Field::new("item", DataType::Utf8, true));
    create_udf(
        "current_schemas",
        vec![DataType::Boolean],
        DataType::List(item),
        Volatility::Stable,
        Arc::new(move |args: &[ColumnarValue]| {
            let rows = rows_of(args);
            let flags = args[0].to_array(rows.unwrap_or(1))?;
            let flags = flags
                .as_any()
                .downcast_ref::<BooleanArray>()
                .ok_or_else(|| datafusion::error::DataFusionError::Internal("not bool".into()))?;
            let path = schemas();
            let mut list = ListBuilder::new(StringBuilder::new());
            for i in 0..flags.len() {
                if datafusion::arrow::array::Array::is_null(flags, i) {
                    list.append_null();
                    continue;
                }
                if flags.value(i) && !path.iter().any(|s| s == "pg_catalog") {
                    list.values().append_value("pg_catalog");
                }
                for schema in &path {
                    list.values().append_value(schema);
                }
                list.append(true);
            }
            let array: datafusion::arrow::array::ArrayRef = Arc::new(list.finish());
            Ok(match rows {
                None => ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?),
                Some(_) => ColumnarValue::Array(array),
            })
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(udf: &ScalarUDF, args: Vec<ColumnarValue>) -> datafusion::error::Result<ColumnarValue> {
        use datafusion::arrow::datatypes::Field;
        let args_types: Vec<DataType> = args.iter().map(|a| a.data_type()).collect();
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
            .collect();
        udf.invoke_with_args(datafusion::logical_expr::ScalarFunctionArgs {
            args,
            arg_fields,
            number_rows: 1,
            return_field: Arc::new(Field::new("r", udf.return_type(&args_types).unwrap(), true)),
            config_options: Arc::new(Default::default()),
        })
    }

    fn text(s: &str) -> ColumnarValue {
        ColumnarValue::Scalar(ScalarValue::Utf8(Some(s.to_string())))
    }

    #[test]
    fn a_stopped_statement_ends_its_sleep() {
        let stop = StatementStop::default();
        let started = std::time::Instant::now();
        assert!(stop.sleep(std::time::Duration::from_millis(30)).is_ok());
        stop.set(Arc::new(|| {
            Some(AdapterError::new(
                fedgate_adapter_api::SqlState::QueryCanceled,
                "canceling statement due to user request",
            ))
        }));
        let error = stop.sleep(std::time::Duration::from_secs(60)).unwrap_err();
        assert_eq!(error.sqlstate, "57014");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn settings_read_and_written_by_functions() {
        let settings: Settings = Arc::new(std::sync::Mutex::new(
            [("jit".to_string(), "off".to_string())]
                .into_iter()
                .collect(),
        ));
        let current = current_setting_udf(settings.clone());
        let set = set_config_udf(settings.clone());
        let got = call(&current, vec![text("JIT")]).unwrap();
        assert!(matches!(got, ColumnarValue::Scalar(ScalarValue::Utf8(Some(v))) if v == "off"));
        let bool_false = ColumnarValue::Scalar(ScalarValue::Boolean(Some(false)));
        let got = call(&set, vec![text("jit"), text("on"), bool_false]).unwrap();
        assert!(matches!(got, ColumnarValue::Scalar(ScalarValue::Utf8(Some(v))) if v == "on"));
        assert_eq!(lock(&settings)["jit"], "on");
        let err = call(&current, vec![text("no_such")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unrecognized configuration parameter"),
            "{err}"
        );
    }

    #[test]
    fn current_schemas_puts_pg_catalog_first() {
        let udf = current_schemas_udf(Arc::new(|| vec!["public".to_string()]));
        let with = |implicit| {
            let arg = ColumnarValue::Scalar(ScalarValue::Boolean(Some(implicit)));
            match call(&udf, vec![arg]).unwrap() {
                ColumnarValue::Scalar(v) => v.to_string(),
                other => format!("{other:?}"),
            }
        };
        assert_eq!(with(true), "[pg_catalog, public]");
        assert_eq!(with(false), "[public]");
    }
}

/// The OID of a built-in type named as SQL names it (`integer`, `int4`, `pg_catalog.text`,
/// `character varying`, `int4[]`), or `None`.
pub fn builtin_type_oid(name: &str) -> Option<u32> {
    let name = name.trim().trim_matches('"').to_ascii_lowercase();
    let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
    if let Some(element) = name.strip_suffix("[]") {
        let element = builtin_type_oid(element)?;
        let element = pgwire::api::Type::from_oid(element)?;
        return builtin_type_oid(&format!("_{}", element.name()));
    }
    let alias = match name {
        "integer" | "int" => "int4",
        "smallint" => "int2",
        "bigint" => "int8",
        "boolean" => "bool",
        "real" => "float4",
        "double precision" => "float8",
        "decimal" => "numeric",
        "character varying" => "varchar",
        "character" | "char" => "bpchar",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "time without time zone" => "time",
        "time with time zone" => "timetz",
        other => other,
    };
    (0..10_000u32).find(|oid| pgwire::api::Type::from_oid(*oid).is_some_and(|t| t.name() == alias))
}

/// `to_regtype(name)`: the type's OID, NULL when there is no such type (psycopg's
/// `TypeInfo.fetch`, which SQLAlchemy runs for `hstore` on connect).
pub fn to_regtype_udf() -> ScalarUDF {
    create_udf(
        "to_regtype",
        vec![DataType::Utf8],
        DataType::Int32,
        Volatility::Stable,
        Arc::new(|args: &[ColumnarValue]| {
            let rows = rows_of(args);
            let oids: Vec<Option<i32>> = strings(&args[0], rows.unwrap_or(1))?
                .into_iter()
                .map(|n| n.and_then(|n| builtin_type_oid(&n)).map(|o| o as i32))
                .collect();
            Ok(match rows {
                None => {
                    ColumnarValue::Scalar(ScalarValue::Int32(oids.into_iter().next().flatten()))
                }
                Some(_) => {
                    ColumnarValue::Array(Arc::new(datafusion::arrow::array::Int32Array::from(oids)))
                }
            })
        }),
    )
}

#[cfg(test)]
mod type_name_tests {
    use super::builtin_type_oid;

    #[test]
    fn builtin_type_names() {
        assert_eq!(builtin_type_oid("int4"), Some(23));
        assert_eq!(builtin_type_oid("integer"), Some(23));
        assert_eq!(builtin_type_oid("pg_catalog.text"), Some(25));
        assert_eq!(builtin_type_oid("character varying"), Some(1043));
        assert_eq!(builtin_type_oid("jsonb"), Some(3802));
        assert_eq!(builtin_type_oid("int4[]"), Some(1007));
        assert_eq!(builtin_type_oid("hstore"), None);
    }
}

/// `session_user` (and `current_user`, which the compatibility rules rewrite to it): the
/// user the client connected as.
pub fn session_user_udf(user: &str) -> ScalarUDF {
    let user = user.to_string();
    create_udf(
        "session_user",
        vec![],
        DataType::Utf8,
        Volatility::Stable,
        Arc::new(move |_| Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(user.clone()))))),
    )
}

/// `pg_sleep(seconds)`: waits, then returns NULL (PostgreSQL's `void`). The wait blocks one
/// runtime worker, as the statement does in PostgreSQL; at most an hour per call.
pub fn pg_sleep_udf(stop: StatementStop) -> ScalarUDF {
    create_udf(
        "pg_sleep",
        vec![DataType::Float64],
        DataType::Null,
        Volatility::Volatile,
        Arc::new(move |args: &[ColumnarValue]| {
            let seconds = match &args[0] {
                ColumnarValue::Scalar(ScalarValue::Float64(Some(s))) => *s,
                ColumnarValue::Scalar(_) => 0.0,
                ColumnarValue::Array(_) => {
                    return Err(datafusion::error::DataFusionError::NotImplemented(
                        "pg_sleep of a column".to_string(),
                    ))
                }
            };
            let wait = std::time::Duration::from_secs_f64(seconds.clamp(0.0, 3600.0));
            let sleep = || stop.sleep(wait);
            match tokio::runtime::Handle::try_current() {
                Ok(handle)
                    if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread =>
                {
                    tokio::task::block_in_place(sleep)
                }
                _ => sleep(),
            }
            .map_err(AdapterError::into_datafusion)?;
            Ok(ColumnarValue::Scalar(ScalarValue::Null))
        }),
    )
}

/// What ends the running statement of a session early (a cancel request,
/// `statement_timeout`), for work that blocks a thread instead of awaiting: `pg_sleep`
/// sleeps in short steps and stops with the statement's 57014 error when it says so. The
/// protocol layer sets the check when a statement starts.
#[derive(Clone, Default)]
pub struct StatementStop {
    check: Arc<std::sync::Mutex<Option<StopCheck>>>,
}

/// Returns the error that ends the statement, once it must end.
pub type StopCheck = Arc<dyn Fn() -> Option<AdapterError> + Send + Sync>;

impl std::fmt::Debug for StatementStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatementStop")
    }
}

impl StatementStop {
    /// How often a blocking wait looks at the check.
    const STEP: std::time::Duration = std::time::Duration::from_millis(20);

    /// Sets the check of the statement starting now.
    pub fn set(&self, check: StopCheck) {
        *self.check.lock().unwrap_or_else(|e| e.into_inner()) = Some(check);
    }

    /// The error ending the running statement, if it must end.
    pub fn stopped(&self) -> Option<AdapterError> {
        let check = self.check.lock().unwrap_or_else(|e| e.into_inner()).clone();
        check.and_then(|check| check())
    }

    /// Blocks for `wait`, or until the statement must end (then its error).
    pub fn sleep(&self, wait: std::time::Duration) -> Result<(), AdapterError> {
        let until = std::time::Instant::now() + wait;
        loop {
            if let Some(error) = self.stopped() {
                return Err(error);
            }
            let now = std::time::Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep(Self::STEP.min(until - now));
        }
    }
}

#[cfg(test)]
mod session_function_tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn session_user_and_pg_sleep() {
        let ctx = SessionContext::new();
        ctx.register_udf(session_user_udf("alice"));
        ctx.register_udf(pg_sleep_udf(StatementStop::default()));
        let batches = ctx
            .sql("SELECT session_user AS u")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        assert!(text.contains("alice"), "{text}");
        let started = std::time::Instant::now();
        ctx.sql("SELECT pg_sleep(0.2)")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    }
}
