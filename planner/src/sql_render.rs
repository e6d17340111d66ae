//! Rendering DataFusion expressions as backend SQL, in the backend's [`SqlDialect`].
//!
//! One function decides both whether an expression can be pushed and how it renders: it
//! returns `None` for anything it cannot render with DataFusion's meaning, so the planner never
//! promises more than the rendering does. The shape of the SQL and the rules of what may be
//! pushed live here; the dialect only spells what differs between backends and declares what
//! they lack. What is rendered and why:
//! - columns, typed literals, comparison and boolean operators, `IS [NOT] NULL`,
//!   `IS [NOT] TRUE/FALSE`, `BETWEEN`, `IN (list)`, `LIKE` (case-sensitive, as in DataFusion);
//! - strings are compared, grouped and sorted by their bytes, as in DataFusion: ordering
//!   comparisons carry the dialect's byte-order collation (PostgreSQL's `COLLATE "C"`), or
//!   every string operand is converted to bytes where the backend's equality follows a
//!   collation too (MySQL's `CAST(x AS BINARY)`, with LIKE in `utf8mb4_bin`);
//! - columns whose values fedgate reads as text fallbacks (field metadata
//!   `fedgate.text_fallback`) are never compared remotely: the backend would compare them with
//!   the semantics of their own type;
//! - in pushed sub-plans (the general renderer): `+ - *` within one numeric family, integer
//!   and float division where the dialect's division means DataFusion's (not MySQL's decimal
//!   division, which turns a division by zero into NULL), widening casts, `substr`,
//!   `coalesce`, `date_part` of a date, CASE, count/sum/min/max and AVG rendered to
//!   DataFusion's result type;
//! - date columns that read non-calendar values as NULL (MySQL's zero dates) are NULL in
//!   pushed expressions too; everything else stays in DataFusion.

use datafusion::arrow::datatypes::{DataType, FieldRef, Schema};
use datafusion::common::{Column, ScalarValue};
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Like, Operator, Subquery};
use fedgate_adapter_api::{FunctionCall, SqlDialect, INVALID_DATES_METADATA};

/// Field metadata key marking a column that arrives as text but is another type remotely.
pub use fedgate_adapter_api::metadata::TEXT_FALLBACK as TEXT_FALLBACK_METADATA;

/// Where column references resolve: the SQL text of a column and its Arrow field.
pub trait Scope {
    fn column(&self, column: &Column) -> Option<(String, FieldRef)>;

    /// The SQL of an uncorrelated scalar subquery answered by the same server, if it is.
    fn scalar_subquery(&self, _subquery: &Subquery) -> Option<String> {
        None
    }
}

/// The columns of one remote table, referenced by their plain (quoted) names.
pub struct TableScope<'a> {
    dialect: &'a dyn SqlDialect,
    schema: &'a Schema,
}

impl<'a> TableScope<'a> {
    pub fn new(dialect: &'a dyn SqlDialect, schema: &'a Schema) -> Self {
        Self { dialect, schema }
    }
}

impl Scope for TableScope<'_> {
    fn column(&self, column: &Column) -> Option<(String, FieldRef)> {
        let index = self.schema.index_of(&column.name).ok()?;
        let field = self.schema.fields()[index].clone();
        Some((self.dialect.quote_identifier(&column.name), field))
    }
}

/// Renders expressions as backend SQL. In filter mode only comparisons and boolean logic are
/// rendered (what a table scan pushes); in general mode also arithmetic with the same
/// meaning in both engines, CASE, COALESCE, a few casts and functions, and aggregates (what
/// a pushed sub-plan needs).
pub struct ExprRenderer<'a> {
    dialect: &'a dyn SqlDialect,
    scope: &'a dyn Scope,
    general: bool,
}

/// Filters over one table's columns (`schema`: the table's full schema).
pub struct FilterRenderer<'a> {
    scope: TableScope<'a>,
}

impl<'a> FilterRenderer<'a> {
    pub fn new(dialect: &'a dyn SqlDialect, schema: &'a Schema) -> Self {
        Self {
            scope: TableScope::new(dialect, schema),
        }
    }

    /// The SQL text of a boolean expression, or `None` if it cannot be pushed faithfully.
    pub fn render(&self, expr: &Expr) -> Option<String> {
        ExprRenderer::filters(self.scope.dialect, &self.scope).render_filter(expr)
    }
}

impl<'a> ExprRenderer<'a> {
    pub fn filters(dialect: &'a dyn SqlDialect, scope: &'a dyn Scope) -> Self {
        Self {
            dialect,
            scope,
            general: false,
        }
    }

    pub fn general(dialect: &'a dyn SqlDialect, scope: &'a dyn Scope) -> Self {
        Self {
            dialect,
            scope,
            general: true,
        }
    }

    /// The SQL text of an expression, or `None` if it cannot be pushed faithfully.
    pub fn render(&self, expr: &Expr) -> Option<String> {
        self.expr(expr)
    }

    /// A whole filter condition: a row is kept only where it is TRUE, so below `AND`/`OR`
    /// a FALSE may stand for a NULL. A comparison of a date column that reads non-calendar
    /// values as NULL with a literal is then rendered on the plain column plus a validity
    /// test, which lets the backend use an index on the column.
    pub fn render_filter(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::BinaryExpr(b) if matches!(b.op, Operator::And | Operator::Or) => {
                let op = if b.op == Operator::And { "AND" } else { "OR" };
                let left = self.render_filter(&b.left)?;
                let right = self.render_filter(&b.right)?;
                Some(format!("({left} {op} {right})"))
            }
            Expr::BinaryExpr(b) => self.guarded_date_comparison(b).or_else(|| self.expr(expr)),
            _ => self.expr(expr),
        }
    }

    /// `(c op literal AND <c is a calendar date>)` for a date column whose non-calendar
    /// values read as NULL, `None` for any other comparison.
    fn guarded_date_comparison(&self, binary: &BinaryExpr) -> Option<String> {
        let op = match binary.op {
            Operator::Eq => "=",
            Operator::NotEq => "<>",
            Operator::Lt => "<",
            Operator::LtEq => "<=",
            Operator::Gt => ">",
            Operator::GtEq => ">=",
            _ => return None,
        };
        let (column, literal, column_first) = match (&*binary.left, &*binary.right) {
            (Expr::Column(c), Expr::Literal(..)) => (c, &*binary.right, true),
            (Expr::Literal(..), Expr::Column(c)) => (c, &*binary.left, false),
            _ => return None,
        };
        let (sql, field) = self.scope.column(column)?;
        if !field.metadata().contains_key(INVALID_DATES_METADATA) {
            return None;
        }
        let calendar_date = self.dialect.calendar_date_check(&sql)?;
        let value = self.expr(literal)?;
        let comparison = if column_first {
            format!("{sql} {op} {value}")
        } else {
            format!("{value} {op} {sql}")
        };
        Some(format!("({comparison} AND {calendar_date})"))
    }

    /// The Arrow type of an expression as far as the renderer needs it (columns, literals,
    /// casts, and arithmetic over them).
    fn type_of(&self, expr: &Expr) -> Option<DataType> {
        match expr {
            Expr::Column(c) => Some(self.scope.column(c)?.1.data_type().clone()),
            Expr::Literal(v, _) => Some(v.data_type()),
            Expr::Cast(cast) => Some(cast.field.data_type().clone()),
            Expr::Alias(alias) => self.type_of(&alias.expr),
            // Type coercion gives every branch the CASE's type.
            Expr::Case(case) => case
                .when_then_expr
                .iter()
                .find_map(|(_, then)| self.type_of(then))
                .or_else(|| self.type_of(case.else_expr.as_deref()?)),
            Expr::ScalarFunction(function) => match function.func.name() {
                "substr" | "substring" => Some(DataType::Utf8),
                "coalesce" => self.type_of(function.args.first()?),
                // Rendered only for year/month/day of a date, as an int4 (see below).
                "date_part" => Some(DataType::Int32),
                _ => None,
            },
            Expr::ScalarSubquery(subquery) => Some(
                subquery
                    .subquery
                    .schema()
                    .fields()
                    .first()?
                    .data_type()
                    .clone(),
            ),
            Expr::BinaryExpr(b) if is_arithmetic(b.op) => self.type_of(&b.left),
            _ => None,
        }
    }

    fn expr(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Column(column) => self.column(column),
            Expr::Literal(value, _) => render_literal(self.dialect, value),
            Expr::BinaryExpr(binary) => self.binary(binary),
            Expr::Not(inner) => Some(format!("(NOT {})", self.expr(inner)?)),
            Expr::IsNull(inner) => Some(format!("({} IS NULL)", self.expr(inner)?)),
            Expr::IsNotNull(inner) => Some(format!("({} IS NOT NULL)", self.expr(inner)?)),
            Expr::IsTrue(inner) => self.is_bool(inner, "IS TRUE"),
            Expr::IsFalse(inner) => self.is_bool(inner, "IS FALSE"),
            Expr::IsNotTrue(inner) => self.is_bool(inner, "IS NOT TRUE"),
            Expr::IsNotFalse(inner) => self.is_bool(inner, "IS NOT FALSE"),
            Expr::Between(between) => self.between(between),
            Expr::InList(in_list) => {
                let target = self.comparable(&in_list.expr)?;
                let items = in_list
                    .list
                    .iter()
                    .map(|item| self.comparable(item))
                    .collect::<Option<Vec<_>>>()?;
                let not = if in_list.negated { "NOT " } else { "" };
                Some(format!("({target} {not}IN ({}))", items.join(", ")))
            }
            Expr::Like(like) => self.like(like),
            _ if self.general => self.general_expr(expr),
            _ => None,
        }
    }

    /// Expressions only a pushed sub-plan renders.
    fn general_expr(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Alias(alias) => self.expr(&alias.expr),
            Expr::Negative(inner) => Some(format!("(- {})", self.expr(inner)?)),
            Expr::Case(case) => self.case(case),
            Expr::Cast(cast) => self.cast(&cast.expr, cast.field.data_type()),
            Expr::ScalarFunction(function) => self.scalar_function(function),
            Expr::AggregateFunction(aggregate) => self.aggregate(aggregate),
            Expr::ScalarSubquery(subquery) => self.scope.scalar_subquery(subquery),
            Expr::WindowFunction(window) => self.window(window),
            _ => None,
        }
    }

    fn is_bool(&self, inner: &Expr, test: &str) -> Option<String> {
        Some(format!("({} {test})", self.expr(inner)?))
    }

    fn column(&self, column: &Column) -> Option<String> {
        let (sql, field) = self.scope.column(column)?;
        if field.metadata().contains_key(TEXT_FALLBACK_METADATA) {
            return None;
        }
        if field.metadata().contains_key(INVALID_DATES_METADATA) {
            return Some(self.valid_dates_only(&sql));
        }
        Some(self.dialect.column_value(&sql, &field))
    }

    /// A date column whose non-calendar values (MySQL zero dates) fedgate reads as NULL, as
    /// an expression that is NULL for them too: filters then keep the rows fedgate would.
    fn valid_dates_only(&self, column: &str) -> String {
        match self.dialect.calendar_date_check(column) {
            Some(calendar_date) => format!("(CASE WHEN {calendar_date} THEN {column} END)"),
            None => column.to_string(),
        }
    }

    /// An operand of a comparison. A string column is compared as bytes where the dialect
    /// converts strings for that (MySQL's collations ignore case, accents and trailing
    /// spaces, DataFusion does not); string literals are bytes already.
    fn comparable(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Column(c) => {
                let sql = self.column(c)?;
                Some(if self.is_string_expr(expr) {
                    self.as_bytes(sql)
                } else {
                    sql
                })
            }
            Expr::Literal(..) => self.expr(expr),
            _ if self.general => {
                let sql = self.expr(expr)?;
                match self.dialect.string_as_bytes(&sql) {
                    None => Some(sql),
                    // Only a dialect that converts strings needs the operand's type.
                    Some(bytes) => Some(if is_string_type(&self.type_of(expr)?) {
                        bytes
                    } else {
                        sql
                    }),
                }
            }
            _ => None,
        }
    }

    /// `sql`, a string, as the value the backend compares by its bytes (unchanged where its
    /// equality compares bytes already).
    fn as_bytes(&self, sql: String) -> String {
        self.dialect.string_as_bytes(&sql).unwrap_or(sql)
    }

    /// ` COLLATE ...` for a string ordering comparison, where the dialect orders strings
    /// by bytes through a collation; empty otherwise.
    fn byte_order_suffix(&self) -> String {
        self.dialect
            .byte_order_collation()
            .map(|collation| format!(" {collation}"))
            .unwrap_or_default()
    }

    fn is_string_expr(&self, expr: &Expr) -> bool {
        self.type_of(expr).is_some_and(|t| is_string_type(&t))
    }

    fn binary(&self, binary: &BinaryExpr) -> Option<String> {
        if is_arithmetic(binary.op) {
            return self.arithmetic(binary);
        }
        let op = match binary.op {
            Operator::And => "AND",
            Operator::Or => "OR",
            Operator::Eq => "=",
            Operator::NotEq => "<>",
            Operator::Lt => "<",
            Operator::LtEq => "<=",
            Operator::Gt => ">",
            Operator::GtEq => ">=",
            Operator::IsDistinctFrom if self.dialect.capabilities().is_distinct_from => {
                "IS DISTINCT FROM"
            }
            Operator::IsNotDistinctFrom if self.dialect.capabilities().is_distinct_from => {
                "IS NOT DISTINCT FROM"
            }
            _ => return None,
        };
        if matches!(binary.op, Operator::And | Operator::Or) {
            let left = self.expr(&binary.left)?;
            let right = self.expr(&binary.right)?;
            return Some(format!("({left} {op} {right})"));
        }
        let left = self.comparable(&binary.left)?;
        let right = self.comparable(&binary.right)?;
        let collate = self.ordering_collation(binary.op, &binary.left, &binary.right);
        Some(format!("({left} {op} {right}{collate})"))
    }

    /// `+ - *` on numbers of one family, and where the dialect divides as DataFusion does,
    /// `/ %` on integers (both engines truncate) or floats. Decimal division is not pushed:
    /// result scales differ between engines.
    fn arithmetic(&self, binary: &BinaryExpr) -> Option<String> {
        if !self.general {
            return None;
        }
        if !self.dialect.capabilities().division
            && matches!(binary.op, Operator::Divide | Operator::Modulo)
        {
            return None;
        }
        let left_type = self.type_of(&binary.left)?;
        let right_type = self.type_of(&binary.right)?;
        let op = match binary.op {
            Operator::Plus => "+",
            Operator::Minus => "-",
            Operator::Multiply => "*",
            Operator::Divide | Operator::Modulo => {
                let both_int = left_type.is_integer() && right_type.is_integer();
                let both_float = left_type.is_floating() && right_type.is_floating();
                let allowed = if binary.op == Operator::Modulo {
                    both_int
                } else {
                    both_int || both_float
                };
                if !allowed {
                    return None;
                }
                if binary.op == Operator::Divide {
                    "/"
                } else {
                    "%"
                }
            }
            _ => return None,
        };
        if !left_type.is_numeric() || !right_type.is_numeric() {
            return None;
        }
        let left = self.expr(&binary.left)?;
        let right = self.expr(&binary.right)?;
        Some(format!("({left} {op} {right})"))
    }

    /// The dialect's byte-order collation (PostgreSQL's `COLLATE "C"`) for string ordering
    /// comparisons, so the backend compares bytes as DataFusion does.
    fn ordering_collation(&self, op: Operator, left: &Expr, right: &Expr) -> String {
        let ordering = matches!(
            op,
            Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq
        );
        if ordering && self.is_string(left, right) {
            self.byte_order_suffix()
        } else {
            String::new()
        }
    }

    fn is_string(&self, left: &Expr, right: &Expr) -> bool {
        self.is_string_expr(left) || self.is_string_expr(right)
    }

    fn between(&self, between: &Between) -> Option<String> {
        let target = self.comparable(&between.expr)?;
        let low = self.comparable(&between.low)?;
        let high = self.comparable(&between.high)?;
        let collate = if self.is_string(&between.expr, &between.low) {
            self.byte_order_suffix()
        } else {
            String::new()
        };
        let not = if between.negated { "NOT " } else { "" };
        Some(format!("({target}{collate} {not}BETWEEN {low} AND {high})"))
    }

    fn like(&self, like: &Like) -> Option<String> {
        // ILIKE case folding differs between engines outside ASCII: not pushed.
        if like.case_insensitive {
            return None;
        }
        let target = self.like_operand(&like.expr)?;
        let pattern = self.like_operand(&like.pattern)?;
        let not = if like.negated { "NOT " } else { "" };
        // DataFusion's default escape character is the backslash, as in both dialects.
        let escape = match like.escape_char {
            None | Some('\\') => String::new(),
            Some(c) => format!(" ESCAPE {}", self.dialect.quote_string(&c.to_string())),
        };
        Some(format!("({target} {not}LIKE {pattern}{escape})"))
    }

    /// An operand of `LIKE`: a string column as the dialect's case- and accent-sensitive
    /// subject (MySQL: in `utf8mb4_bin`), anything else as a comparison operand.
    fn like_operand(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Column(c) if self.is_string_expr(expr) => {
                Some(self.dialect.like_subject(&self.column(c)?))
            }
            _ => self.comparable(expr),
        }
    }

    fn case(&self, case: &datafusion::logical_expr::expr::Case) -> Option<String> {
        let mut sql = String::from("(CASE");
        // `CASE x WHEN v` compares `x = v`: its operands are comparison operands (bytes,
        // where the dialect compares strings by a collation).
        if let Some(operand) = &case.expr {
            sql.push_str(&format!(" {}", self.comparable(operand)?));
        }
        for (when, then) in &case.when_then_expr {
            let when = if case.expr.is_some() {
                self.comparable(when)?
            } else {
                self.expr(when)?
            };
            sql.push_str(&format!(" WHEN {when} THEN {}", self.expr(then)?));
        }
        if let Some(otherwise) = &case.else_expr {
            sql.push_str(&format!(" ELSE {}", self.expr(otherwise)?));
        }
        sql.push_str(" END)");
        Some(sql)
    }

    /// Casts whose result is the same in both engines: between integer widths (widening),
    /// integers to floating point or decimal, floats to double.
    fn cast(&self, inner: &Expr, to: &DataType) -> Option<String> {
        let from = self.type_of(inner)?;
        let allowed = match to {
            DataType::Int16 | DataType::Int32 | DataType::Int64 => {
                from.is_integer() && type_width(&from) <= type_width(to)
            }
            DataType::Float64 => from.is_integer() || from.is_floating(),
            DataType::Decimal128(_, _) => {
                from.is_integer() || matches!(from, DataType::Decimal128(..))
            }
            _ => false,
        };
        if !allowed {
            return None;
        }
        let sql_type = self.dialect.cast_type(&from, to)?;
        Some(format!("CAST({} AS {sql_type})", self.expr(inner)?))
    }

    fn scalar_function(
        &self,
        function: &datafusion::logical_expr::expr::ScalarFunction,
    ) -> Option<String> {
        let args = &function.args;
        match function.func.name() {
            "substr" | "substring" => {
                // fedgate's `substring` also takes bytea and a regular expression
                // (`substring(x FROM '[0-9]+')`): those stay in fedgate.
                let binary = matches!(
                    self.type_of(args.first()?),
                    Some(DataType::Binary | DataType::LargeBinary | DataType::BinaryView)
                );
                let pattern = matches!(
                    self.type_of(args.get(1)?),
                    Some(DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
                );
                if binary || pattern {
                    return None;
                }
                let arguments = args
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Option<Vec<_>>>()?;
                self.dialect.function(&FunctionCall::Substring {
                    arguments: &arguments,
                })
            }
            "coalesce" => {
                let rendered = args
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Option<Vec<_>>>()?;
                Some(format!("coalesce({})", rendered.join(", ")))
            }
            "date_part" => {
                let Expr::Literal(ScalarValue::Utf8(Some(part)), _) = args.first()? else {
                    return None;
                };
                let part = part.to_ascii_lowercase();
                if !matches!(part.as_str(), "year" | "month" | "day") {
                    return None;
                }
                let source = args.get(1)?;
                if !matches!(self.type_of(source)?, DataType::Date32) {
                    return None;
                }
                let date = self.expr(source)?;
                self.dialect.function(&FunctionCall::DatePart {
                    field: &part,
                    date: &date,
                })
            }
            _ => None,
        }
    }

    fn aggregate(
        &self,
        aggregate: &datafusion::logical_expr::expr::AggregateFunction,
    ) -> Option<String> {
        let params = &aggregate.params;
        if params.filter.is_some() || !params.order_by.is_empty() || params.null_treatment.is_some()
        {
            return None;
        }
        let name = aggregate.func.name();
        let [argument] = params.args.as_slice() else {
            return None;
        };
        let argument_type = self.type_of(argument);
        let ok = match name {
            "count" => true,
            "sum" => argument_type.as_ref().is_some_and(|t| t.is_numeric()),
            // AVG of ints/floats is a double; of decimals see `decimal_average`.
            "avg" => argument_type.as_ref().is_some_and(|t| {
                t.is_integer()
                    || t.is_floating()
                    || matches!(t, DataType::Decimal128(_, s) if *s <= 34)
            }),
            "min" | "max" => argument_type.as_ref().is_some_and(|t| !is_string_type(t)),
            _ => false,
        };
        if !ok {
            return None;
        }
        let mut rendered = self.expr(argument)?;
        let is_string = argument_type.as_ref().is_some_and(is_string_type);
        if params.distinct && is_string {
            // DISTINCT counts distinct bytes, also where the backend's collation equates
            // different strings.
            rendered = self.as_bytes(rendered);
        }
        match (name, &argument_type) {
            ("avg", Some(DataType::Decimal128(_, scale))) => {
                self.dialect.function(&FunctionCall::DecimalAverage {
                    argument: &rendered,
                    distinct: params.distinct,
                    digits: scale + 4,
                })
            }
            ("avg", Some(argument_type)) => self.dialect.function(&FunctionCall::FloatAverage {
                argument: &rendered,
                argument_type,
                distinct: params.distinct,
            }),
            _ => {
                let distinct = if params.distinct { "DISTINCT " } else { "" };
                Some(format!("{name}({distinct}{rendered})"))
            }
        }
    }
}

impl ExprRenderer<'_> {
    /// A window function: ranking (`row_number`, `rank`, `dense_rank`) or count/sum/min/max/
    /// avg under the same rules as aggregates, over the default frame only (whole partition
    /// without ORDER BY, `RANGE UNBOUNDED PRECEDING .. CURRENT ROW` with it). Partition keys
    /// that are strings are partitioned on bytes on MySQL; order keys as in a pushed sort.
    fn window(&self, window: &datafusion::logical_expr::expr::WindowFunction) -> Option<String> {
        use datafusion::logical_expr::{
            WindowFrameBound, WindowFrameUnits, WindowFunctionDefinition,
        };
        let params = &window.params;
        if params.filter.is_some() || params.null_treatment.is_some() || params.distinct {
            return None;
        }
        let name = window.fun.name().to_ascii_lowercase();
        let ranking = matches!(name.as_str(), "row_number" | "rank" | "dense_rank");
        let frame = &params.window_frame;
        let whole_partition = matches!(frame.start_bound, WindowFrameBound::Preceding(ref v) if v.is_null())
            && matches!(frame.end_bound, WindowFrameBound::Following(ref v) if v.is_null());
        let up_to_current_peers = frame.units == WindowFrameUnits::Range
            && matches!(frame.start_bound, WindowFrameBound::Preceding(ref v) if v.is_null())
            && frame.end_bound == WindowFrameBound::CurrentRow;
        let default_frame = if params.order_by.is_empty() {
            whole_partition
        } else {
            up_to_current_peers
        };
        if !ranking && !default_frame {
            return None;
        }
        let call = match (&window.fun, ranking) {
            (WindowFunctionDefinition::WindowUDF(_), true) if params.args.is_empty() => {
                format!("{name}()")
            }
            (WindowFunctionDefinition::AggregateUDF(udaf), false) => {
                let [argument] = params.args.as_slice() else {
                    return None;
                };
                let argument_type = self.type_of(argument)?;
                let rendered = self.expr(argument)?;
                match name.as_str() {
                    "count" => format!("count({rendered})"),
                    // A window sum of 64-bit integers would be numeric remotely and wraps
                    // in DataFusion: left to DataFusion.
                    "sum"
                        if argument_type.is_numeric()
                            && !matches!(argument_type, DataType::Int64 | DataType::UInt64) =>
                    {
                        format!("sum({rendered})")
                    }
                    "min" | "max" if !is_string_type(&argument_type) => {
                        format!("{}({rendered})", udaf.name())
                    }
                    "avg" if argument_type.is_integer() || argument_type.is_floating() => {
                        self.dialect.function(&FunctionCall::WindowFloatAverage {
                            argument: &rendered,
                        })?
                    }
                    _ => return None,
                }
            }
            _ => return None,
        };
        let mut over = Vec::new();
        if !params.partition_by.is_empty() {
            let keys = params
                .partition_by
                .iter()
                .map(|key| {
                    let rendered = self.expr(key)?;
                    let is_string = is_string_type(&self.type_of(key)?);
                    Some(if is_string {
                        self.as_bytes(rendered)
                    } else {
                        rendered
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            over.push(format!("PARTITION BY {}", keys.join(", ")));
        }
        if !params.order_by.is_empty() {
            let keys = params
                .order_by
                .iter()
                .map(|sort| self.sort_key(sort, is_string_type(&self.type_of(&sort.expr)?)))
                .collect::<Option<Vec<_>>>()?;
            over.push(format!("ORDER BY {}", keys.join(", ")));
        }
        Some(format!("{call} OVER ({})", over.join(" ")))
    }

    /// One ORDER BY key with DataFusion's meaning: strings (`is_string`) in byte order, NULLs
    /// placed as asked. Without `NULLS FIRST/LAST` in the dialect, NULLs sort as the smallest
    /// value (MySQL), so their placement comes first as a key of its own.
    pub(crate) fn sort_key(
        &self,
        sort: &datafusion::logical_expr::SortExpr,
        is_string: bool,
    ) -> Option<String> {
        let rendered = self.expr(&sort.expr)?;
        let direction = if sort.asc { "ASC" } else { "DESC" };
        let key = if is_string {
            self.byte_ordered(&rendered)
        } else {
            rendered.clone()
        };
        Some(if self.dialect.capabilities().nulls_ordering {
            let nulls = if sort.nulls_first {
                "NULLS FIRST"
            } else {
                "NULLS LAST"
            };
            format!("{key} {direction} {nulls}")
        } else {
            let nulls = if sort.nulls_first { "DESC" } else { "ASC" };
            format!("({rendered} IS NULL) {nulls}, {key} {direction}")
        })
    }

    /// A string sort key that orders by bytes: converted, or with the byte-order collation.
    fn byte_ordered(&self, sql: &str) -> String {
        match self.dialect.string_as_bytes(sql) {
            Some(bytes) => bytes,
            None => format!("{sql}{}", self.byte_order_suffix()),
        }
    }
}

fn is_arithmetic(op: Operator) -> bool {
    matches!(
        op,
        Operator::Plus | Operator::Minus | Operator::Multiply | Operator::Divide | Operator::Modulo
    )
}

fn type_width(data_type: &DataType) -> usize {
    data_type.primitive_width().unwrap_or(usize::MAX)
}

pub(crate) fn is_string_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Renders a literal with its type, or `None` for types without a faithful rendering.
///
/// A NULL of a type other than text is cast to it (`CAST(NULL AS int4)`): a bare `NULL` in
/// the select list of a derived table is `text` to PostgreSQL, and comparing it with a
/// number then fails (`operator does not exist: text = integer`, found by the random test).
/// Where the dialect has no cast to the type the literal is not rendered.
///
/// Only `Utf8` strings are rendered: a `Utf8View` (DataFusion's `CAST(x AS text)`) or
/// `LargeUtf8` literal in a pushed select list would make the scan read a text column into
/// that type, which the scans do not build (0A000 "cannot read PostgreSQL type text as
/// Arrow type Utf8View", found by the random test).
pub fn render_literal(dialect: &dyn SqlDialect, value: &ScalarValue) -> Option<String> {
    if matches!(value, ScalarValue::Utf8View(_) | ScalarValue::LargeUtf8(_)) {
        return None;
    }
    if value.is_null() {
        let data_type = value.data_type();
        if data_type == DataType::Null || data_type == DataType::Utf8 {
            return Some("NULL".to_string());
        }
        let name = dialect.cast_type(&DataType::Null, &data_type)?;
        return Some(format!("CAST(NULL AS {name})"));
    }
    let text = match value {
        ScalarValue::Boolean(Some(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        ScalarValue::Int8(Some(v)) => v.to_string(),
        ScalarValue::Int16(Some(v)) => v.to_string(),
        ScalarValue::Int32(Some(v)) => v.to_string(),
        ScalarValue::Int64(Some(v)) => v.to_string(),
        ScalarValue::UInt8(Some(v)) => v.to_string(),
        ScalarValue::UInt16(Some(v)) => v.to_string(),
        ScalarValue::UInt32(Some(v)) => v.to_string(),
        ScalarValue::UInt64(Some(v)) => v.to_string(),
        ScalarValue::Float32(Some(v)) => render_float(dialect, f64::from(*v), DataType::Float32)?,
        ScalarValue::Float64(Some(v)) => render_float(dialect, *v, DataType::Float64)?,
        ScalarValue::Decimal128(Some(_), _, _) => value.to_string(),
        ScalarValue::Utf8(Some(s)) => dialect.quote_string(s),
        ScalarValue::Date32(Some(days)) => {
            if !FOUR_DIGIT_YEAR_DAYS.contains(days) {
                return None;
            }
            format!("DATE '{value}'")
        }
        ScalarValue::TimestampMicrosecond(Some(v), tz)
        | ScalarValue::TimestampNanosecond(Some(v), tz) => {
            let micros = match value {
                ScalarValue::TimestampNanosecond(..) if v % 1000 != 0 => return None,
                ScalarValue::TimestampNanosecond(..) => v / 1000,
                _ => *v,
            };
            render_timestamp(dialect, micros, tz.is_some())?
        }
        _ => return None,
    };
    Some(text)
}

/// A float literal; NaN and infinities have no literal every backend reads the same way.
fn render_float(dialect: &dyn SqlDialect, v: f64, data_type: DataType) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    dialect.float_literal(v, &data_type)
}

/// The days since 1970-01-01 of the dates from 0001-01-01 to 9999-12-31.
const FOUR_DIGIT_YEAR_DAYS: std::ops::Range<i32> = -719_162..2_932_897;

/// The microseconds since the epoch of the instants from 0001-01-01 to 9999-12-31.
const FOUR_DIGIT_YEAR_MICROS: std::ops::Range<i64> =
    -62_135_596_800_000_000..253_402_300_800_000_000;

/// A timestamp of `micros` since the epoch, written out in UTC for the dialect.
///
/// Only years 1 to 9999 are written: beyond them chrono writes `+10000-01-01`, which no
/// backend reads (MySQL failed on a constant folded to the year 10000, found by the random
/// test); such a literal is not rendered and its expression stays local.
fn render_timestamp(dialect: &dyn SqlDialect, micros: i64, with_zone: bool) -> Option<String> {
    if !FOUR_DIGIT_YEAR_MICROS.contains(&micros) {
        return None;
    }
    let dt = datafusion::common::arrow::temporal_conversions::timestamp_us_to_datetime(micros)?;
    let text = dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    dialect.timestamp_literal(&text, with_zone)
}

#[cfg(test)]
mod tests {
    //! The shared rendering rules, with the two SQL dialects fedgate has; what each dialect
    //! spells on its own is tested next to it.

    use super::*;
    use datafusion::arrow::datatypes::Field;
    use datafusion::prelude::{col, lit};
    use fedgate_adapter_mysql::MySqlDialect;
    use fedgate_adapter_postgres::PostgresDialect;
    use std::collections::HashMap;

    const PG: &dyn SqlDialect = &PostgresDialect;
    const MY: &dyn SqlDialect = &MySqlDialect;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("addr", DataType::Utf8, true).with_metadata(HashMap::from([(
                TEXT_FALLBACK_METADATA.to_string(),
                "inet".to_string(),
            )])),
            Field::new("we\"ird", DataType::Int32, true),
            Field::new("born", DataType::Date32, true).with_metadata(HashMap::from([(
                INVALID_DATES_METADATA.to_string(),
                "true".to_string(),
            )])),
            // A MySQL BOOLEAN (TINYINT(1)) read as a boolean.
            Field::new("active", DataType::Boolean, true).with_metadata(HashMap::from([(
                fedgate_adapter_api::metadata::MYSQL_TYPE.to_string(),
                "tinyint(1)".to_string(),
            )])),
        ])
    }

    fn filter(dialect: &dyn SqlDialect, expr: Expr) -> Option<String> {
        FilterRenderer::new(dialect, &schema()).render(&expr)
    }

    fn pg(expr: Expr) -> Option<String> {
        filter(PG, expr)
    }

    fn my(expr: Expr) -> Option<String> {
        filter(MY, expr)
    }

    #[test]
    fn division_is_pushed_only_where_it_means_the_same() {
        let s = schema();
        let general = |dialect, e: Expr| {
            let scope = TableScope::new(dialect, &s);
            ExprRenderer::general(dialect, &scope).render(&e)
        };
        let halves = col("id") / lit(2i64);
        assert_eq!(general(PG, halves.clone()).unwrap(), "(\"id\" / 2)");
        // MySQL's `/` is decimal division and its division by zero is NULL.
        assert!(general(MY, halves).is_none());
        assert!(general(MY, col("id") % lit(2i64)).is_none());
        assert_eq!(general(MY, col("id") * lit(2i64)).unwrap(), "(`id` * 2)");
    }

    #[test]
    fn columns_are_rendered_as_the_values_fedgate_reads() {
        // MySQL's TINYINT(1) booleans: non-zero is true wherever the column is used.
        assert_eq!(my(col("active")).unwrap(), "(`active` <> 0)");
        assert_eq!(
            my(Expr::Not(Box::new(col("active")))).unwrap(),
            "(NOT (`active` <> 0))"
        );
        assert_eq!(
            my(col("active").eq(lit(false))).unwrap(),
            "((`active` <> 0) = FALSE)"
        );
        assert_eq!(
            my(Expr::IsNotTrue(Box::new(col("active")))).unwrap(),
            "((`active` <> 0) IS NOT TRUE)"
        );
        // The default hook keeps the column as it is.
        assert_eq!(pg(col("active")).unwrap(), "\"active\"");
        let s = schema();
        let scope = TableScope::new(MY, &s);
        let sort = col("active").sort(true, false);
        assert_eq!(
            ExprRenderer::general(MY, &scope)
                .sort_key(&sort, false)
                .unwrap(),
            "((`active` <> 0) IS NULL) ASC, (`active` <> 0) ASC"
        );
    }

    #[test]
    fn simple_case_compares_like_equality() {
        use datafusion::logical_expr::case;
        let s = schema();
        let general = |dialect, e: Expr| {
            let scope = TableScope::new(dialect, &s);
            ExprRenderer::general(dialect, &scope).render(&e)
        };
        let by_name = case(col("name"))
            .when(lit("carol"), lit(1i64))
            .otherwise(lit(0i64))
            .unwrap();
        // MySQL's collations ignore trailing spaces and case: the operands are bytes.
        assert_eq!(
            general(MY, by_name.clone()).unwrap(),
            "(CASE CAST(`name` AS BINARY) WHEN 'carol' THEN 1 ELSE 0 END)"
        );
        assert_eq!(
            general(PG, by_name).unwrap(),
            "(CASE \"name\" WHEN 'carol' THEN 1 ELSE 0 END)"
        );
        let searched = datafusion::logical_expr::when(col("name").eq(lit("a")), lit(1i64))
            .otherwise(lit(0i64))
            .unwrap();
        assert_eq!(
            general(MY, searched).unwrap(),
            "(CASE WHEN (CAST(`name` AS BINARY) = 'a') THEN 1 ELSE 0 END)"
        );
    }

    #[test]
    fn mysql_zero_dates_are_null_in_pushed_filters() {
        let guarded = "(CASE WHEN DAYOFMONTH(`born`) BETWEEN 1 AND DAYOFMONTH(LAST_DAY(`born`)) \
                       THEN `born` END)";
        assert_eq!(
            my(col("born").is_null()).unwrap(),
            format!("({guarded} IS NULL)")
        );
        assert_eq!(pg(col("born").is_null()).unwrap(), "(\"born\" IS NULL)");
        let day = lit(ScalarValue::Date32(Some(0)));
        let valid = "DAYOFMONTH(`born`) BETWEEN 1 AND DAYOFMONTH(LAST_DAY(`born`))";
        assert_eq!(
            my(col("born").lt(day.clone()).or(col("id").eq(lit(1i64)))).unwrap(),
            format!("((`born` < DATE '1970-01-01' AND {valid}) OR (`id` = 1))")
        );
        // Under NOT a FALSE is not a NULL: the guarded column is compared.
        assert_eq!(
            my(Expr::Not(Box::new(col("born").lt(day)))).unwrap(),
            format!("(NOT ({guarded} < DATE '1970-01-01'))")
        );
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(
            pg(col("id").gt(lit(5i64)).and(col("name").is_not_null())).unwrap(),
            "((\"id\" > 5) AND (\"name\" IS NOT NULL))"
        );
    }

    #[test]
    fn literals_and_identifiers_are_the_dialects() {
        assert_eq!(
            pg(col("name").eq(lit("O'Brien"))).unwrap(),
            "(\"name\" = 'O''Brien')"
        );
        assert_eq!(
            pg(col("we\"ird").eq(lit(1i32))).unwrap(),
            "(\"we\"\"ird\" = 1)"
        );
        assert_eq!(
            my(Expr::Like(Like::new(
                false,
                Box::new(col("name")),
                Box::new(lit("a_")),
                Some('!'),
                false
            )))
            .unwrap(),
            "(CONVERT(`name` USING utf8mb4) COLLATE utf8mb4_bin LIKE 'a_' ESCAPE '!')"
        );
    }

    #[test]
    fn string_ordering_uses_byte_collation() {
        assert_eq!(
            pg(col("name").lt(lit("b"))).unwrap(),
            "(\"name\" < 'b' COLLATE \"C\")"
        );
        assert_eq!(
            pg(col("name").between(lit("a"), lit("c"))).unwrap(),
            "(\"name\" COLLATE \"C\" BETWEEN 'a' AND 'c')"
        );
        assert_eq!(pg(col("name").eq(lit("b"))).unwrap(), "(\"name\" = 'b')");
    }

    #[test]
    fn fallback_columns_and_functions_are_not_pushed() {
        assert!(pg(col("addr").eq(lit("10.0.0.1"))).is_none());
        assert!(pg((col("id") / lit(2i64)).eq(lit(1i64))).is_none());
        assert!(pg(col("name").ilike(lit("a%"))).is_none());
        assert!(pg(col("nope").eq(lit(1))).is_none());
    }

    #[test]
    fn in_list_like_and_nulls() {
        assert_eq!(
            pg(col("id").in_list(vec![lit(1i64), lit(ScalarValue::Int64(None))], true)).unwrap(),
            "(\"id\" NOT IN (1, CAST(NULL AS int8)))"
        );
        assert_eq!(
            pg(col("name").like(lit("a%"))).unwrap(),
            "(\"name\" LIKE 'a%')"
        );
    }

    #[test]
    fn mysql_compares_strings_as_bytes() {
        assert_eq!(
            my(col("name").eq(lit("abc"))).unwrap(),
            "(CAST(`name` AS BINARY) = 'abc')"
        );
        assert_eq!(
            my(col("name").lt(lit("b"))).unwrap(),
            "(CAST(`name` AS BINARY) < 'b')"
        );
        assert_eq!(
            my(col("name").like(lit("a%"))).unwrap(),
            "(CONVERT(`name` USING utf8mb4) COLLATE utf8mb4_bin LIKE 'a%')"
        );
        assert_eq!(my(col("id").lt(lit(3i64))).unwrap(), "(`id` < 3)");
        assert_eq!(
            my(col("name").eq(lit("a\\b'"))).unwrap(),
            "(CAST(`name` AS BINARY) = 'a\\\\b''')"
        );
        let distinct = Expr::BinaryExpr(BinaryExpr::new(
            Box::new(col("id")),
            Operator::IsNotDistinctFrom,
            Box::new(lit(1i64)),
        ));
        assert!(my(distinct.clone()).is_none());
        assert_eq!(pg(distinct).unwrap(), "(\"id\" IS NOT DISTINCT FROM 1)");
    }

    #[test]
    fn typed_literals() {
        let d = ScalarValue::Date32(Some(19723));
        assert_eq!(render_literal(PG, &d).unwrap(), "DATE '2024-01-01'");
        assert_eq!(render_literal(MY, &d).unwrap(), "DATE '2024-01-01'");
        let ts =
            ScalarValue::TimestampMicrosecond(Some(1_704_067_200_000_001), Some("+00:00".into()));
        assert_eq!(
            render_literal(PG, &ts).unwrap(),
            "TIMESTAMPTZ '2024-01-01 00:00:00.000001+00'"
        );
        let ns = ScalarValue::TimestampNanosecond(Some(1_704_067_200_000_001_000), None);
        assert_eq!(
            render_literal(PG, &ns).unwrap(),
            "TIMESTAMP '2024-01-01 00:00:00.000001'"
        );
        let sub_micro = ScalarValue::TimestampNanosecond(Some(1), None);
        assert!(render_literal(PG, &sub_micro).is_none());
        assert_eq!(
            render_literal(PG, &ScalarValue::Float32(Some(0.5))).unwrap(),
            "'0.5'::float4"
        );
        assert_eq!(
            render_literal(PG, &ScalarValue::Decimal128(Some(1234), 10, 2)).unwrap(),
            "12.34"
        );
        assert!(render_literal(PG, &ScalarValue::Float64(Some(f64::NAN))).is_none());
        assert!(render_literal(MY, &ScalarValue::Float64(Some(f64::INFINITY))).is_none());
        assert_eq!(
            render_literal(MY, &ScalarValue::Utf8(None)).unwrap(),
            "NULL"
        );
        assert_eq!(render_literal(PG, &ScalarValue::Null).unwrap(), "NULL");
    }

    #[test]
    fn typed_nulls_keep_their_type() {
        assert_eq!(
            render_literal(PG, &ScalarValue::Int32(None)).unwrap(),
            "CAST(NULL AS int4)"
        );
        assert_eq!(
            render_literal(PG, &ScalarValue::Decimal128(None, 12, 2)).unwrap(),
            "CAST(NULL AS numeric(12,2))"
        );
        assert_eq!(
            render_literal(MY, &ScalarValue::Int64(None)).unwrap(),
            "CAST(NULL AS SIGNED)"
        );
        // No cast to the type in the dialect: not rendered (the expression stays local).
        assert!(render_literal(PG, &ScalarValue::Boolean(None)).is_none());
    }

    #[test]
    fn years_beyond_four_digits_are_not_rendered() {
        // 10000-01-01 00:29:59.999999 and 10000-01-01.
        let ts = ScalarValue::TimestampMicrosecond(Some(253_402_302_599_999_999), None);
        assert!(render_literal(MY, &ts).is_none());
        assert!(render_literal(PG, &ScalarValue::Date32(Some(2_932_897))).is_none());
        let last = ScalarValue::Date32(Some(2_932_896));
        assert_eq!(render_literal(PG, &last).unwrap(), "DATE '9999-12-31'");
    }

    #[test]
    fn only_utf8_strings_are_rendered() {
        assert_eq!(
            render_literal(PG, &ScalarValue::Utf8(Some("true".into()))).unwrap(),
            "'true'"
        );
        assert!(render_literal(PG, &ScalarValue::Utf8View(Some("true".into()))).is_none());
        assert!(render_literal(MY, &ScalarValue::LargeUtf8(Some("x".into()))).is_none());
        assert!(render_literal(PG, &ScalarValue::Utf8View(None)).is_none());
    }
}
