//! The PostgreSQL error a client sees: a [`SqlState`], PostgreSQL's message, and optional
//! detail and hint. Every error of a statement becomes one, in one place:
//!
//! - an [`AdapterError`] (a backend's or adapter's, found through DataFusion's wrappers) keeps
//!   its code, message, detail and hint;
//! - a parser error is `42601 syntax error`;
//! - DataFusion's own errors are classified by their variant, and only where DataFusion gives
//!   no more than a message (planning and execution errors) by the wording of that message.
//!   The unit tests below raise each of those errors through a real DataFusion session and
//!   check the code, so a DataFusion upgrade that rewords one fails them instead of silently
//!   changing the code a client sees.

use datafusion::common::SchemaError;
use datafusion::error::DataFusionError;
use datafusion::sql::sqlparser::parser::ParserError;
use fedgate_adapter_api::{AdapterError, SqlState};

/// A PostgreSQL error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError {
    pub code: SqlState,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl PgError {
    pub fn new(code: SqlState, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A DataFusion error: the adapter error inside it, else DataFusion's own, classified.
    pub fn from_datafusion(error: &DataFusionError) -> Self {
        if let Some(adapter) = AdapterError::find_in(error) {
            return Self::from(adapter);
        }
        let root = error.find_root();
        if let Some(known) =
            crate::postgres_terms::known_wording(&strip_prefixes(&root.to_string()))
        {
            return known;
        }
        if let Some(known) = postgres_wording(root) {
            return known;
        }
        if let DataFusionError::ResourcesExhausted(message) = root {
            return resources_exhausted(message);
        }
        if let DataFusionError::NotImplemented(message) = root {
            if let Some(unsupported) = unsupported_wording(message) {
                return unsupported;
            }
        }
        if let DataFusionError::ArrowError(arrow, _) = root {
            if matches!(
                arrow.as_ref(),
                datafusion::arrow::error::ArrowError::ArithmeticOverflow(_)
            ) {
                // PostgreSQL's words for an integer `+ - *` that overflows.
                return Self::new(SqlState::NumericValueOutOfRange, "integer out of range");
            }
        }
        Self::new(
            classify(root),
            crate::postgres_terms::in_postgres_terms(&strip_prefixes(&root.to_string())),
        )
    }

    /// A parser error: PostgreSQL's `syntax error`.
    pub fn from_parser(error: &ParserError) -> Self {
        let message = match error {
            ParserError::ParserError(m) | ParserError::TokenizerError(m) => m.clone(),
            ParserError::RecursionLimitExceeded => "statement is nested too deeply".to_string(),
        };
        unsupported_syntax(&message)
            .unwrap_or_else(|| Self::new(SqlState::SyntaxError, format!("syntax error: {message}")))
    }
}

/// PostgreSQL syntax the parser stops at that PostgreSQL itself accepts: a window frame's
/// `EXCLUDE` clause (`ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW`), where
/// the parser expects the closing parenthesis of `OVER (...)`.
fn unsupported_syntax(message: &str) -> Option<PgError> {
    let found = message.strip_prefix("Expected: ), found: ")?;
    let word = found.split_whitespace().next()?;
    word.eq_ignore_ascii_case("EXCLUDE").then(|| {
        PgError::new(
            SqlState::FeatureNotSupported,
            "window frame EXCLUDE is not supported outside PostgreSQL servers",
        )
        .with_hint("place the tables on one PostgreSQL server")
    })
}

impl From<&AdapterError> for PgError {
    fn from(error: &AdapterError) -> Self {
        Self {
            code: error.sqlstate,
            message: error.message.clone(),
            detail: error.detail.clone(),
            hint: error.hint.clone(),
        }
    }
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for PgError {}

fn classify(error: &DataFusionError) -> SqlState {
    match error {
        DataFusionError::SQL(_, _) => SqlState::SyntaxError,
        DataFusionError::SchemaError(schema_error, _) => schema_code(schema_error),
        DataFusionError::NotImplemented(_) => SqlState::FeatureNotSupported,
        DataFusionError::ResourcesExhausted(_) => SqlState::OutOfMemory,
        DataFusionError::ArrowError(arrow, _) => arrow_code(arrow),
        DataFusionError::Plan(m) => plan_code(m),
        DataFusionError::Execution(m) => execution_code(m),
        _ => SqlState::InternalError,
    }
}

fn schema_code(error: &SchemaError) -> SqlState {
    match error {
        SchemaError::FieldNotFound { .. } => SqlState::UndefinedColumn,
        SchemaError::AmbiguousReference { .. } => SqlState::AmbiguousColumn,
        SchemaError::DuplicateQualifiedField { .. }
        | SchemaError::DuplicateUnqualifiedField { .. } => SqlState::DuplicateColumn,
    }
}

fn arrow_code(error: &datafusion::arrow::error::ArrowError) -> SqlState {
    use datafusion::arrow::error::ArrowError;
    match error {
        ArrowError::DivideByZero => SqlState::DivisionByZero,
        ArrowError::CastError(_) | ArrowError::ParseError(_) => SqlState::InvalidTextRepresentation,
        ArrowError::ArithmeticOverflow(_) => SqlState::NumericValueOutOfRange,
        _ => SqlState::InternalError,
    }
}

/// Errors PostgreSQL reports with a code and words of its own, recognised by DataFusion's
/// wording (pinned by the tests below).
fn postgres_wording(error: &DataFusionError) -> Option<PgError> {
    let message = error.to_string().to_ascii_lowercase();
    if message.contains("scalar subquery returned more than one row") {
        return Some(PgError::new(
            SqlState::CardinalityViolation,
            "more than one row returned by a subquery used as an expression",
        ));
    }
    if let Some(known) = number_wording(&message) {
        return Some(known);
    }
    let original = strip_prefixes(&error.to_string());
    if let Some(known) = input_wording(&original) {
        return Some(known);
    }
    if let Some(known) = signature_wording(&original) {
        return Some(known);
    }
    if let DataFusionError::SchemaError(schema_error, _) = error {
        if let SchemaError::DuplicateQualifiedField { qualifier, .. } = schema_error.as_ref() {
            return Some(PgError::new(
                SqlState::DuplicateAlias,
                format!(
                    "table name \"{}\" specified more than once",
                    qualifier.table()
                ),
            ));
        }
    }
    if let Some(known) = planning_wording(&message) {
        return Some(known);
    }
    if message.contains("must be in group by or an aggregate function") {
        return Some(PgError::new(
            SqlState::GroupingError,
            strip_prefixes(&error.to_string()),
        ));
    }
    None
}

/// Errors of numbers and of functions' arguments that DataFusion's kernels word their own
/// way (pinned by the tests below).
fn number_wording(message: &str) -> Option<PgError> {
    let integer_type = || {
        if message.contains("int64") {
            "bigint"
        } else if message.contains("int16") {
            "smallint"
        } else {
            "integer"
        }
    };
    let (state, text) = if message.contains("overflow on abs")
        || message.contains("can't cast value") && message.contains("to type int")
    {
        (
            SqlState::NumericValueOutOfRange,
            format!("{} out of range", integer_type()),
        )
    } else if message.contains("too large to store in a decimal") {
        (
            SqlState::NumericValueOutOfRange,
            "numeric field overflow".to_string(),
        )
    } else if message.contains("factorial of a negative number") {
        (
            SqlState::NumericValueOutOfRange,
            "factorial of a negative number is undefined".to_string(),
        )
    } else if message.contains("step can't be 0") {
        (
            SqlState::InvalidParameterValue,
            "step size cannot equal zero".to_string(),
        )
    } else if message.contains("negative count not allowed") {
        (
            SqlState::SubstringError,
            "negative substring length not allowed".to_string(),
        )
    } else if message.contains("regex parse error") {
        (
            SqlState::InvalidRegularExpression,
            "invalid regular expression".to_string(),
        )
    } else {
        return None;
    };
    Some(PgError::new(state, text))
}

/// PostgreSQL's name of a type as DataFusion's cast errors spell it.
fn postgres_type_name(arrow: &str) -> String {
    let arrow = arrow.trim();
    for list in ["List(", "LargeList(", "FixedSizeList("] {
        if let Some(element) = arrow.strip_prefix(list) {
            let element = element.strip_suffix(')').unwrap_or(element);
            return format!("{}[]", postgres_type_name(element));
        }
    }
    let name = match arrow.split('(').next().unwrap_or(arrow) {
        "Int16" => "smallint",
        "Int32" => "integer",
        "Int64" => "bigint",
        "Float32" => "real",
        "Float64" => "double precision",
        "Decimal128" | "Decimal256" => "numeric",
        "Boolean" => "boolean",
        "Date32" | "Date64" => "date",
        "Time32" | "Time64" => "time",
        "Timestamp" => "timestamp",
        "Interval" => "interval",
        "Utf8" | "Utf8View" | "LargeUtf8" => "text",
        "Binary" | "BinaryView" | "LargeBinary" => "bytea",
        _ => "unknown",
    };
    name.to_string()
}

/// Whether `text` has the shape of a date or a time of day, only with a field out of range
/// (`2024-02-30`, `25:00`): PostgreSQL's 22008 rather than 22007.
fn date_time_shaped(text: &str) -> bool {
    let date = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    let time = text.split(':').count() >= 2
        && text
            .split(':')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit() || c == '.'));
    date || time
}

/// A text that is not a value of the type it is cast to, in PostgreSQL's words:
/// `invalid input syntax for type integer: "a"` (22P02; 22007 for dates and times, 22008
/// for a date or time with a field out of range).
fn input_wording(message: &str) -> Option<PgError> {
    if let Some(rest) =
        message.strip_prefix("Parser error: Invalid input syntax for type interval: ")
    {
        return Some(PgError::new(
            SqlState::InvalidDatetimeFormat,
            format!("invalid input syntax for type interval: {rest}"),
        ));
    }
    if let Some(rest) = message.strip_prefix("Parser error: Error parsing timestamp from '") {
        let value = rest.split("': ").next()?;
        return Some(PgError::new(
            SqlState::InvalidDatetimeFormat,
            format!("invalid input syntax for type timestamp: \"{value}\""),
        ));
    }
    let rest = message.strip_prefix("Cast error: Cannot cast string '")?;
    let (value, rest) = rest.rsplit_once("' to value of ")?;
    let type_name = postgres_type_name(rest.strip_suffix(" type")?);
    let temporal = matches!(type_name.as_str(), "date" | "time" | "timestamp");
    if temporal && date_time_shaped(value) {
        return Some(PgError::new(
            SqlState::DatetimeFieldOverflow,
            format!("date/time field value out of range: \"{value}\""),
        ));
    }
    let state = if temporal {
        SqlState::InvalidDatetimeFormat
    } else {
        SqlState::InvalidTextRepresentation
    };
    Some(PgError::new(
        state,
        format!("invalid input syntax for type {type_name}: \"{value}\""),
    ))
}

/// A function called with arguments it has no form for, in PostgreSQL's words
/// (`function sum(text) does not exist`), from DataFusion's signature errors.
fn signature_wording(message: &str) -> Option<PgError> {
    let name_start = message.find("Function '")? + "Function '".len();
    let name = message[name_start..].split('\'').next()?;
    if !message.contains("failed to match any signature")
        && !message.contains("No function matches")
    {
        return None;
    }
    let listed = message
        .split("argument types '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .and_then(|call| {
            call.split_once('(')
                .map(|(_, args)| args.trim_end_matches(')').to_string())
        });
    let types: Vec<String> = match &listed {
        Some(args) => split_type_list(args)
            .into_iter()
            .map(postgres_type_name)
            .collect(),
        None => {
            let received = message.split("(DataType: ").nth(1)?;
            vec![postgres_type_name(received.split(')').next()?)]
        }
    };
    Some(
        PgError::new(
            SqlState::UndefinedFunction,
            format!("function {name}({}) does not exist", types.join(", ")),
        )
        .with_hint(
            "No function matches the given name and argument types. You might need to add explicit type casts.",
        ),
    )
}

/// The types of a list `Int32, List(Decimal128(2, 2))`, split at its top-level commas.
fn split_type_list(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(list[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(list[start..].trim());
    parts
}

/// Planning errors PostgreSQL reports with other codes than DataFusion's kind suggests.
fn planning_wording(message: &str) -> Option<PgError> {
    const WINDOW_FUNCTIONS: &[&str] = &[
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "ntile",
        "lag",
        "lead",
        "first_value",
        "last_value",
        "nth_value",
    ];
    let (state, text): (SqlState, String) =
        if message.contains("the subquery should only return one column") {
            (
                SqlState::SyntaxError,
                "subquery must return only one column".into(),
            )
        } else if message.contains("aggregate functions are not allowed in the where clause") {
            (
                SqlState::GroupingError,
                "aggregate functions are not allowed in WHERE".into(),
            )
        } else if message.contains("aggregate function calls cannot be nested") {
            (
                SqlState::GroupingError,
                "aggregate function calls cannot be nested".into(),
            )
        } else if message.contains("queries have different number of columns") {
            (
                SqlState::SyntaxError,
                "each UNION query must have the same number of columns".into(),
            )
        } else if message.contains("for select distinct, order by expressions") {
            (
                SqlState::InvalidColumnReference,
                "for SELECT DISTINCT, ORDER BY expressions must appear in select list".into(),
            )
        } else if message.contains("limit must be >= 0") {
            (
                SqlState::InvalidRowCountInLimitClause,
                "LIMIT must not be negative".into(),
            )
        } else if message.contains("offset must be >= 0") {
            (
                SqlState::InvalidRowCountInResultOffsetClause,
                "OFFSET must not be negative".into(),
            )
        } else if message.contains("cannot coerce arithmetic expression")
            || message.contains("cannot automatically convert")
        {
            (
                SqlState::UndefinedFunction,
                "operator does not exist".into(),
            )
        } else if let Some(name) = WINDOW_FUNCTIONS
            .iter()
            .find(|f| message.contains(&format!("invalid function '{f}'")))
        {
            (
                SqlState::WrongObjectType,
                format!("window function {name} requires an OVER clause"),
            )
        } else {
            return None;
        };
    Some(PgError::new(state, text))
}

/// DataFusion's planning errors carry only a message.
fn plan_code(message: &str) -> SqlState {
    let lower = message.to_ascii_lowercase();
    if lower.contains("table") && lower.contains("not found") {
        SqlState::UndefinedTable
    } else if lower.contains("invalid function") || lower.contains("no function matches") {
        SqlState::UndefinedFunction
    } else if lower.contains("no field named") {
        SqlState::UndefinedColumn
    } else if lower.contains("cannot be cast") || lower.contains("coerc") {
        SqlState::DatatypeMismatch
    } else {
        SqlState::SyntaxErrorOrAccessRuleViolation
    }
}

/// DataFusion's execution errors carry only a message.
fn execution_code(message: &str) -> SqlState {
    let lower = message.to_ascii_lowercase();
    if lower.contains("divide by zero") || lower.contains("division by zero") {
        SqlState::DivisionByZero
    } else if lower.contains("overflow") {
        SqlState::NumericValueOutOfRange
    } else if lower.contains("cast") {
        SqlState::InvalidTextRepresentation
    } else {
        SqlState::InternalError
    }
}

/// DataFusion prefixes messages with its error kind ("Error during planning: "); PostgreSQL
/// users expect just the message.
/// Types PostgreSQL has that fedgate's planner does not (a cast to one of them is refused,
/// a cast to a type PostgreSQL does not know either is 42704).
const POSTGRES_ONLY_TYPES: &[&str] = &[
    "json",
    "jsonb",
    "uuid",
    "name",
    "xml",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "money",
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "tsvector",
    "tsquery",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "bit",
    "varbit",
    "pg_lsn",
    "txid_snapshot",
    "jsonpath",
];

/// DataFusion's "not implemented" messages in PostgreSQL's terms, without its internal
/// expression dumps: an unknown type, or a construct its physical planner cannot run.
/// A statement that found no room in the memory pool (53200, PostgreSQL's `out of memory`)
/// or in the spill directory (53100, `could not write to file`), in fedgate's words: the
/// limits are fedgate's options, DataFusion's wording names internal operators.
fn resources_exhausted(message: &str) -> PgError {
    if message.contains("spilling") || message.contains("DiskManager") {
        return PgError::new(
            SqlState::DiskFull,
            "could not write to temporary file: no room left for spilling",
        )
        .with_detail(
            "the statement spilled more than fedgate's spill directory may hold (--spill-limit), or spilling is off",
        )
        .with_hint("Raise --spill-limit, or give --spill-dir a larger disk.");
    }
    PgError::new(SqlState::OutOfMemory, "out of memory").with_detail(
        "the statement needs more memory than fedgate's memory limit for all running statements (--memory-limit) leaves it; sorts and aggregates spill to disk, the build side of a hash join does not",
    )
    .with_hint("Raise --memory-limit, or run the statement while fewer others run.")
}

fn unsupported_wording(message: &str) -> Option<PgError> {
    if let Some(type_name) = message.strip_prefix("Unsupported SQL type ") {
        let lower = type_name.trim().to_ascii_lowercase();
        if !POSTGRES_ONLY_TYPES.contains(&lower.as_str()) {
            return Some(PgError::new(
                SqlState::UndefinedObject,
                format!("type \"{}\" does not exist", type_name.trim()),
            ));
        }
        return Some(
            PgError::new(
                SqlState::FeatureNotSupported,
                format!("type {lower} is not supported across servers or outside PostgreSQL"),
            )
            .with_hint("place the tables on one PostgreSQL server"),
        );
    }
    let kind = message.strip_prefix("Physical plan does not support logical expression ")?;
    let kind = kind.split(['(', ' ']).next().unwrap_or(kind);
    let construct = match kind {
        "Exists" => "EXISTS (subquery) in this position",
        "InSubquery" => "IN (subquery) in this position",
        "ScalarSubquery" => "a subquery in this position",
        "OuterReferenceColumn" => {
            "a reference to an outer query's column here (LATERAL, or a correlated subquery)"
        }
        "SetComparison" => "ANY/ALL (subquery) in this position",
        _ => "this expression",
    };
    Some(
        PgError::new(
            SqlState::FeatureNotSupported,
            format!("{construct} is not supported across servers or outside PostgreSQL"),
        )
        .with_hint("write it as a join or in WHERE, or place the tables on one PostgreSQL server"),
    )
}

fn strip_prefixes(message: &str) -> String {
    const PREFIXES: &[&str] = &[
        "Error during planning: ",
        "Execution error: ",
        "Schema error: ",
        "This feature is not implemented: ",
        "Arrow error: ",
        "SQL error: ",
    ];
    let mut text = message;
    while let Some(rest) = PREFIXES.iter().find_map(|p| text.strip_prefix(p)) {
        text = rest;
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::SessionContext;

    use super::*;

    /// The code of the error `sql` raises in a plain DataFusion session (planning or
    /// execution).
    async fn code_of(sql: &str) -> SqlState {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE t (a INT, b INT) AS VALUES (1, 2)")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let error = match ctx.sql(sql).await {
            Err(e) => e,
            Ok(frame) => frame.collect().await.expect_err(sql),
        };
        PgError::from_datafusion(&error).code
    }

    /// The parser's error for a window frame's `EXCLUDE` (PostgreSQL accepts it) is a
    /// refusal; other syntax errors stay 42601.
    #[test]
    fn window_frame_exclude_is_refused() {
        use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
        use datafusion::sql::sqlparser::parser::Parser;
        let code = |sql: &str| {
            let error = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect_err(sql);
            PgError::from_parser(&error).code
        };
        assert_eq!(
            code("SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM t"),
            SqlState::FeatureNotSupported
        );
        assert_eq!(
            code("SELECT sum(id) OVER (ORDER BY id ROWS 2 PRECEDING EXCLUDE TIES) FROM t"),
            SqlState::FeatureNotSupported
        );
        assert_eq!(code("SELECT 1 +"), SqlState::SyntaxError);
        assert_eq!(code("SELECT f(a b c)"), SqlState::SyntaxError);
    }

    #[tokio::test]
    async fn datafusion_errors_get_postgres_codes() {
        let cases = [
            ("SELECT * FROM nope", SqlState::UndefinedTable),
            ("SELECT c FROM t", SqlState::UndefinedColumn),
            (
                "SELECT no_such_function(a) FROM t",
                SqlState::UndefinedFunction,
            ),
            ("SELECT a / 0 FROM t", SqlState::DivisionByZero),
            (
                "SELECT CAST('x' AS INT)",
                SqlState::InvalidTextRepresentation,
            ),
            (
                "SELECT t1.a FROM t t1, t t2 WHERE a = 1",
                SqlState::AmbiguousColumn,
            ),
            ("SELECT a, b FROM t GROUP BY a", SqlState::GroupingError),
            (
                "SELECT (SELECT a FROM (VALUES (1), (2)) AS v(a))",
                SqlState::CardinalityViolation,
            ),
            ("SELECT (SELECT 1, 2)", SqlState::SyntaxError),
            (
                "SELECT a FROM t WHERE count(*) > 1",
                SqlState::GroupingError,
            ),
            ("SELECT sum(count(*)) FROM t", SqlState::GroupingError),
            ("SELECT 1 UNION SELECT 1, 2", SqlState::SyntaxError),
            (
                "SELECT DISTINCT a FROM t ORDER BY b",
                SqlState::InvalidColumnReference,
            ),
            (
                "SELECT a FROM t LIMIT -1",
                SqlState::InvalidRowCountInLimitClause,
            ),
            (
                "SELECT DATE '2024-01-01' + DATE '2024-01-02'",
                SqlState::UndefinedFunction,
            ),
            ("SELECT row_number() FROM t", SqlState::WrongObjectType),
            (
                "SELECT abs(CAST(-2147483648 AS INT))",
                SqlState::NumericValueOutOfRange,
            ),
            (
                "SELECT CAST(2147483648 AS INT)",
                SqlState::NumericValueOutOfRange,
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(code_of(sql).await, expected, "{sql}");
        }
    }

    #[tokio::test]
    async fn inputs_and_signatures_in_postgres_words() {
        let cases = [
            (
                "SELECT CAST('x' AS BIGINT)",
                "22P02",
                "invalid input syntax for type bigint: \"x\"",
            ),
            (
                "SELECT CAST('2024-02-30' AS DATE)",
                "22008",
                "date/time field value out of range: \"2024-02-30\"",
            ),
            (
                "SELECT CAST('25:00' AS TIME)",
                "22008",
                "date/time field value out of range: \"25:00\"",
            ),
            (
                "SELECT CAST('soon' AS DATE)",
                "22007",
                "invalid input syntax for type date: \"soon\"",
            ),
            (
                "SELECT CAST('not a date' AS TIMESTAMP)",
                "22007",
                "invalid input syntax for type timestamp: \"not a date\"",
            ),
            (
                "SELECT CAST('garbage' AS INTERVAL)",
                "22007",
                "invalid input syntax for type interval: \"garbage\"",
            ),
            (
                "SELECT sum(x) FROM (VALUES ('a')) AS v(x)",
                "42883",
                "function sum(text) does not exist",
            ),
            (
                "SELECT * FROM t AS e JOIN t AS e ON true",
                "42712",
                "table name \"e\" specified more than once",
            ),
        ];
        for (sql, code, message) in cases {
            let error = error_of(sql).await;
            assert_eq!(
                (error.code.code(), error.message.as_str()),
                (code, message),
                "{sql}"
            );
        }
    }

    #[test]
    fn adapter_errors_keep_their_code_through_wrappers() {
        let inner = AdapterError::new(SqlState::UndefinedDatabase, "no database \"x\"")
            .with_hint("create it");
        let wrapped = DataFusionError::Context("x".into(), Box::new(inner.into_datafusion()));
        let error = PgError::from_datafusion(&wrapped);
        assert_eq!(error.code, "3D000");
        assert_eq!(error.hint.as_deref(), Some("create it"));
    }

    #[tokio::test]
    async fn a_full_memory_pool_is_out_of_memory_in_fedgate_words() {
        use datafusion::execution::runtime_env::RuntimeEnvBuilder;
        use datafusion::prelude::SessionConfig;
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(64 * 1024, 1.0)
            .build_arc()
            .unwrap();
        let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
        let sql = "SELECT a.value FROM generate_series(1, 200000) a \
                   JOIN generate_series(1, 200000) b ON a.value = b.value";
        let error = match ctx.sql(sql).await {
            Err(e) => e,
            Ok(frame) => frame
                .collect()
                .await
                .expect_err("the join needs more than 64 KiB"),
        };
        let error = PgError::from_datafusion(&error);
        assert_eq!(error.code, "53200");
        assert_eq!(error.message, "out of memory");
        assert!(error.detail.unwrap().contains("--memory-limit"));
        let disk = PgError::from_datafusion(&DataFusionError::ResourcesExhausted(
            "The used disk space during the spilling process has exceeded the allowable limit of 1.0 MB".into(),
        ));
        assert_eq!(disk.code, "53100");
    }

    /// The error `sql` raises in a plain DataFusion session.
    async fn error_of(sql: &str) -> PgError {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE t (a INT, b INT) AS VALUES (1, 2)")
            .await
            .unwrap();
        let error = match ctx.sql(sql).await {
            Err(e) => e,
            Ok(frame) => frame.collect().await.expect_err(sql),
        };
        PgError::from_datafusion(&error)
    }

    #[tokio::test]
    async fn unsupported_constructs_in_postgres_terms() {
        let unknown = error_of("SELECT CAST(NULL AS no_such_type)").await;
        assert_eq!(unknown.code, SqlState::UndefinedObject);
        assert_eq!(unknown.message, "type \"no_such_type\" does not exist");
        let uuid = error_of("SELECT CAST('a' AS uuid)").await;
        assert_eq!(uuid.code, SqlState::FeatureNotSupported);
        assert!(
            uuid.message.starts_with("type uuid is not supported"),
            "{uuid}"
        );
        let exists =
            error_of("SELECT a, EXISTS (SELECT 1 FROM t AS u WHERE u.b = t.a) FROM t").await;
        assert_eq!(exists.code, SqlState::FeatureNotSupported);
        assert!(
            exists
                .message
                .starts_with("EXISTS (subquery) in this position is not supported"),
            "{exists}"
        );
    }

    #[test]
    fn prefixes_are_removed() {
        assert_eq!(
            strip_prefixes("Error during planning: table 'a' not found"),
            "table 'a' not found"
        );
    }
}
