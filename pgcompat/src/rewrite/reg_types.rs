//! The `regclass`, `regtype` and `oid` values of a statement, as PostgreSQL gives them.
//!
//! A `regclass` is a relation's OID that prints as the relation's name (schema-qualified
//! only when the search path does not find it); a `regtype` the same for a type. DataFusion
//! has neither, and fedgate's OIDs of relations exist only in its `pg_class`. So:
//!
//! - while parsing ([`mark_literal_casts`]), `'emp'::regclass` and `'int8'::regtype` become
//!   calls of [`REGCLASS_IN`] and [`REGTYPE_IN`], which no compatibility rule rewrites;
//! - in the session ([`resolve`]), which knows the search path, each is resolved: a cast to
//!   text (`'emp'::regclass::text`) is the name as PostgreSQL prints it; an item of the
//!   outermost SELECT list is that name marked as the reg type (described with its OID);
//!   anywhere else the value is the OID (`attrelid = 'emp'::regclass` reads `pg_class`).
//!   `to_regclass('name')` is the same, or NULL for no such relation; a cast of a name that
//!   resolves to nothing is PostgreSQL's error (42P01 `relation "x" does not exist`, 42704
//!   `type "x" does not exist`);
//! - in the outermost SELECT list and in `pg_typeof`, `x::regtype` of an OID is the type's
//!   name marked `regtype`, and `x::oid` is marked `oid`, so that the row description and
//!   `pg_typeof` say `regtype` and `oid` (the values stay `int4` elsewhere).
//!
//! Known limits: `c.oid::regclass` of a column stays the OID (its name needs `pg_class`
//! per row); a relation of another server on the search path has no OID here.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType as ArrowType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, ObjectName, Query, SelectItem, SetExpr,
    Statement, Value, ValueWithSpan, VisitMut, VisitorMut,
};
use fedgate_adapter_api::metadata::PG_TYPE;
use fedgate_adapter_api::SqlState;

/// `fedgate_regclass_in('name')`: a `'name'::regclass` not yet resolved.
pub const REGCLASS_IN: &str = "fedgate_regclass_in";
/// `fedgate_regtype_in('name')`: a `'name'::regtype` not yet resolved.
pub const REGTYPE_IN: &str = "fedgate_regtype_in";
/// `fedgate_typed(value, 'type')`: the value, described as PostgreSQL's type `type`.
pub const TYPED: &str = "fedgate_typed";
/// `fedgate_regtype_name(oid)`: the type's name, described as `regtype`.
pub const REGTYPE_NAME: &str = "fedgate_regtype_name";
/// `fedgate_error('sqlstate', 'message')`: raises that error when evaluated.
pub const ERROR: &str = "fedgate_error";

/// The reg type a SQL type names, if it is `regclass` or `regtype` (maybe `pg_catalog.`).
fn reg_kind(data_type: &DataType) -> Option<&'static str> {
    match data_type {
        DataType::Regclass => Some("regclass"),
        DataType::Custom(name, args) if args.is_empty() => {
            let last = name.0.last()?.as_ident()?.value.to_ascii_lowercase();
            match last.as_str() {
                "regclass" => Some("regclass"),
                "regtype" => Some("regtype"),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_custom(data_type: &DataType, wanted: &str) -> bool {
    matches!(data_type, DataType::Custom(name, args)
        if args.is_empty()
            && name.0.last().and_then(|p| p.as_ident())
                .is_some_and(|i| i.value.eq_ignore_ascii_case(wanted)))
}

fn is_text_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Text | DataType::Varchar(_) | DataType::String(_)
    ) || is_custom(data_type, "name")
}

fn string_literal(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s),
            ..
        }) => Some(s),
        _ => None,
    }
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    let args = args
        .into_iter()
        .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
        .collect();
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args,
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

fn text(value: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(value.to_string()).into())
}

/// The single argument of a call of `name`, when `expr` is one.
fn call_argument<'a>(expr: &'a Expr, name: &str) -> Option<&'a Expr> {
    let Expr::Function(function) = expr else {
        return None;
    };
    let last = function.name.0.last()?.as_ident()?;
    if !last.value.eq_ignore_ascii_case(name) {
        return None;
    }
    match &function.args {
        FunctionArguments::List(list) if list.args.len() == 1 => match &list.args[0] {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        },
        _ => None,
    }
}

/// The reg type a marker of [`mark_literal_casts`] stands for (`regclass`, `regtype`):
/// output columns are named after it, as after the cast it was.
pub fn literal_cast_type(expr: &Expr) -> Option<&'static str> {
    let Expr::Function(function) = expr else {
        return None;
    };
    match function.name.0.last()?.as_ident()?.value.as_str() {
        REGCLASS_IN => Some("regclass"),
        REGTYPE_IN => Some("regtype"),
        _ => None,
    }
}

/// Parse stage: `'name'::regclass` and `'name'::regtype` become [`REGCLASS_IN`] and
/// [`REGTYPE_IN`] calls. Returns whether anything changed.
pub fn mark_literal_casts(statement: &mut Statement) -> bool {
    let mut changed = false;
    let _ = visit_expressions_mut(statement, |expr| {
        if let Expr::Cast {
            expr: inner,
            data_type,
            ..
        } = expr
        {
            if let (Some(kind), Some(name)) = (reg_kind(data_type), string_literal(inner)) {
                let marker = if kind == "regclass" {
                    REGCLASS_IN
                } else {
                    REGTYPE_IN
                };
                *expr = call(marker, vec![text(name)]);
                changed = true;
            }
        }
        ControlFlow::<()>::Continue(())
    });
    changed
}

/// What the session answers for a relation name.
pub enum Relation {
    /// Found: its OID's expression and its name as PostgreSQL prints it.
    Found { oid: Box<Expr>, printed: String },
    /// Not found: the error a cast raises (`to_regclass` gives NULL).
    Missing { code: SqlState, message: String },
}

/// A reg value resolved: its OID, its printed name, or why there is none.
enum Resolved {
    Value {
        oid: Box<Expr>,
        printed: String,
        kind: &'static str,
    },
    Null {
        kind: &'static str,
    },
    Error {
        code: SqlState,
        message: String,
    },
}

impl Resolved {
    fn error_call(code: SqlState, message: &str) -> Expr {
        call(ERROR, vec![text(code.code()), text(message)])
    }

    /// The value where an OID is wanted.
    fn oid(&self) -> Expr {
        match self {
            Resolved::Value { oid, .. } => oid.as_ref().clone(),
            Resolved::Null { .. } => cast_int(Expr::Value(Value::Null.into())),
            Resolved::Error { code, message } => Self::error_call(*code, message),
        }
    }

    /// The value as text (`::text`).
    fn text(&self) -> Expr {
        match self {
            Resolved::Value { printed, .. } => text(printed),
            Resolved::Null { .. } => Expr::Value(Value::Null.into()),
            Resolved::Error { code, message } => Self::error_call(*code, message),
        }
    }

    /// The value as an output column: the name, described as the reg type.
    fn output(&self) -> Expr {
        match self {
            Resolved::Value { kind, .. } | Resolved::Null { kind } => {
                call(TYPED, vec![self.text(), text(kind)])
            }
            Resolved::Error { .. } => self.text(),
        }
    }
}

fn cast_int(expr: Expr) -> Expr {
    Expr::Cast {
        kind: CastKind::DoubleColon,
        expr: Box::new(expr),
        data_type: DataType::Int(None),
        array: false,
        format: None,
    }
}

/// The reg value `expr` stands for, if it is a marker or `to_regclass('name')`.
fn resolved(expr: &Expr, relations: &dyn Fn(&str) -> Relation) -> Option<Resolved> {
    if let Some(name) = call_argument(expr, REGTYPE_IN).and_then(string_literal) {
        return Some(match crate::catalog::functions::builtin_type_oid(name) {
            Some(oid) => Resolved::Value {
                oid: Box::new(Expr::Value(Value::Number(oid.to_string(), false).into())),
                printed: regtype_name(oid).unwrap_or_else(|| name.to_string()),
                kind: "regtype",
            },
            None => Resolved::Error {
                code: SqlState::UndefinedObject,
                message: format!("type \"{name}\" does not exist"),
            },
        });
    }
    let (name, missing_is_null) = match call_argument(expr, REGCLASS_IN) {
        Some(argument) => (string_literal(argument)?, false),
        None => (
            call_argument(expr, "to_regclass").and_then(string_literal)?,
            true,
        ),
    };
    Some(match relations(name) {
        Relation::Found { oid, printed } => Resolved::Value {
            oid,
            printed,
            kind: "regclass",
        },
        Relation::Missing { .. } if missing_is_null => Resolved::Null { kind: "regclass" },
        Relation::Missing { code, message } => Resolved::Error { code, message },
    })
}

/// Session stage: resolves the markers of [`mark_literal_casts`] and `to_regclass('name')`
/// with `relations`, and marks the outermost SELECT list's reg and oid casts (see the
/// module comment).
pub fn resolve(statement: &mut Statement, relations: &dyn Fn(&str) -> Relation) {
    if let Statement::Query(query) = statement {
        mark_output(query, relations);
    }
    let _ = statement.visit(&mut Resolver(relations));
}

/// Replaces reg values outside in (a cast to text before the value it casts).
struct Resolver<'a>(&'a dyn Fn(&str) -> Relation);

impl VisitorMut for Resolver<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Cast {
            expr: inner,
            data_type,
            ..
        } = expr
        {
            if is_text_type(data_type) {
                if let Some(value) = resolved(inner, self.0) {
                    *expr = value.text();
                    return ControlFlow::Continue(());
                }
            }
        }
        if let Some(value) = resolved(expr, self.0) {
            *expr = value.oid();
        }
        ControlFlow::Continue(())
    }
}

/// The outermost SELECT list's items (and `pg_typeof` arguments anywhere in it) described
/// as their reg or oid type.
fn mark_output(query: &mut Query, relations: &dyn Fn(&str) -> Relation) {
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    for item in &mut select.projection {
        let expr = match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr,
            _ => continue,
        };
        if let Some(value) = resolved(expr, relations) {
            *expr = value.output();
        } else if let Some(marked) = typed_output(expr) {
            *expr = marked;
        }
    }
    let _ = visit_expressions_mut(&mut select.projection, |expr| {
        if let Expr::Function(function) = expr {
            let is_typeof = function
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .is_some_and(|i| i.value.eq_ignore_ascii_case("pg_typeof"));
            if let (true, FunctionArguments::List(list)) = (is_typeof, &mut function.args) {
                for arg in &mut list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg {
                        if let Some(marked) = typeof_argument(e).or_else(|| typed_output(e)) {
                            *e = marked;
                        }
                    }
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// A `pg_typeof` argument whose PostgreSQL type the planner's types do not tell: a string
/// literal is `unknown` there (as `NULL` is), a cast to `varchar` or `char` is `character
/// varying` or `character` (both are text to the planner).
fn typeof_argument(expr: &Expr) -> Option<Expr> {
    match expr {
        Expr::Value(ValueWithSpan {
            value:
                Value::SingleQuotedString(_)
                | Value::EscapedStringLiteral(_)
                | Value::DollarQuotedString(_),
            ..
        }) => Some(Expr::Value(Value::Null.into())),
        Expr::Cast { data_type, .. } => {
            let name = match data_type {
                DataType::Varchar(_) | DataType::CharacterVarying(_) => "character varying",
                DataType::Char(_) | DataType::Character(_) => "character",
                _ => return None,
            };
            Some(call(TYPED, vec![expr.clone(), text(name)]))
        }
        _ => None,
    }
}

/// `x::regtype` of an OID as the type's name, `x::oid` marked `oid`.
fn typed_output(expr: &Expr) -> Option<Expr> {
    let Expr::Cast {
        expr: inner,
        data_type,
        ..
    } = expr
    else {
        return None;
    };
    if is_custom(data_type, "oid") {
        return Some(call(TYPED, vec![expr.clone(), text("oid")]));
    }
    if reg_kind(data_type) == Some("regtype") {
        if call_argument(inner, REGTYPE_IN).is_some() {
            return None; // a literal: resolved by `resolved`
        }
        return Some(call(REGTYPE_NAME, vec![cast_int((**inner).clone())]));
    }
    None
}

/// PostgreSQL's name of a built-in type (`integer`, `character varying`, `text[]`), as
/// `regtype` prints it.
pub fn regtype_name(oid: u32) -> Option<String> {
    let ty = pgwire::api::Type::from_oid(oid)?;
    if let Some(element) = ty.name().strip_prefix('_') {
        let element = crate::catalog::functions::builtin_type_oid(element)?;
        return Some(format!("{}[]", regtype_name(element)?));
    }
    let name = match ty.name() {
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        "float4" => "real",
        "float8" => "double precision",
        "varchar" => "character varying",
        "bpchar" => "character",
        "timestamp" => "timestamp without time zone",
        "timestamptz" => "timestamp with time zone",
        "time" => "time without time zone",
        "timetz" => "time with time zone",
        "varbit" => "bit varying",
        other => other,
    };
    Some(name.to_string())
}

/// The functions of this module: [`TYPED`], [`REGTYPE_NAME`] and [`ERROR`].
pub fn udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(Typed::new()),
        ScalarUDF::new_from_impl(RegtypeName::new()),
        ScalarUDF::new_from_impl(RaiseError::new()),
    ]
}

fn marked_field(name: &str, data_type: ArrowType, pg_type: &str) -> FieldRef {
    Arc::new(
        Field::new(name, data_type, true)
            .with_metadata(HashMap::from([(PG_TYPE.to_string(), pg_type.to_string())])),
    )
}

/// `fedgate_typed(value, 'type')`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Typed {
    signature: Signature,
}

impl Typed {
    fn new() -> Self {
        Self {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Typed {
    fn name(&self) -> &str {
        TYPED
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[ArrowType]) -> Result<ArrowType> {
        Ok(args[0].clone())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let pg_type = match args.scalar_arguments.get(1) {
            Some(Some(ScalarValue::Utf8(Some(t)))) => t.clone(),
            _ => String::new(),
        };
        let data_type = match args.arg_fields[0].data_type() {
            ArrowType::Null => ArrowType::Utf8,
            other => other.clone(),
        };
        Ok(marked_field(TYPED, data_type, &pg_type))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let value = args.args[0].clone();
        let wanted = args.return_field.data_type();
        match value {
            ColumnarValue::Scalar(s) if &s.data_type() != wanted => {
                Ok(ColumnarValue::Scalar(s.cast_to(wanted)?))
            }
            other => Ok(other),
        }
    }
}

/// `fedgate_regtype_name(oid)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RegtypeName {
    signature: Signature,
}

impl RegtypeName {
    fn new() -> Self {
        Self {
            signature: Signature::exact(vec![ArrowType::Int32], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for RegtypeName {
    fn name(&self) -> &str {
        REGTYPE_NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[ArrowType]) -> Result<ArrowType> {
        Ok(ArrowType::Utf8)
    }

    fn return_field_from_args(&self, _: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(marked_field(REGTYPE_NAME, ArrowType::Utf8, "regtype"))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        use datafusion::arrow::array::{AsArray, StringArray};
        use datafusion::arrow::datatypes::Int32Type;
        // PostgreSQL prints an OID that names no type as the number.
        let name = |oid: i32| regtype_name(oid as u32).unwrap_or_else(|| oid.to_string());
        Ok(match &args.args[0] {
            ColumnarValue::Scalar(ScalarValue::Int32(oid)) => {
                ColumnarValue::Scalar(ScalarValue::Utf8(oid.map(name)))
            }
            ColumnarValue::Scalar(other) => {
                ColumnarValue::Scalar(ScalarValue::try_from(other.data_type().clone())?)
            }
            ColumnarValue::Array(array) => {
                let names: StringArray = array
                    .as_primitive::<Int32Type>()
                    .iter()
                    .map(|oid| oid.map(name))
                    .collect();
                ColumnarValue::Array(Arc::new(names))
            }
        })
    }
}

/// `fedgate_error('sqlstate', 'message')`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RaiseError {
    signature: Signature,
}

impl RaiseError {
    fn new() -> Self {
        Self {
            signature: Signature::exact(
                vec![ArrowType::Utf8, ArrowType::Utf8],
                Volatility::Volatile,
            ),
        }
    }
}

impl ScalarUDFImpl for RaiseError {
    fn name(&self) -> &str {
        ERROR
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[ArrowType]) -> Result<ArrowType> {
        Ok(ArrowType::Int32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let text = |i: usize| match &args.args[i] {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(t))) => t.clone(),
            _ => String::new(),
        };
        let code = SqlState::from_code(&text(0)).unwrap_or(SqlState::InternalError);
        Err(datafusion::error::DataFusionError::External(Box::new(
            fedgate_adapter_api::AdapterError::new(code, text(1)),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::parse::plain_statement;

    fn relations(name: &str) -> Relation {
        match name {
            "emp" | "public.emp" => Relation::Found {
                oid: Box::new(Expr::Value(Value::Number("16392".into(), false).into())),
                printed: "emp".into(),
            },
            other => Relation::Missing {
                code: SqlState::UndefinedTable,
                message: format!("relation \"{other}\" does not exist"),
            },
        }
    }

    fn rewritten(sql: &str) -> String {
        let mut statement = plain_statement(sql);
        mark_literal_casts(&mut statement);
        resolve(&mut statement, &relations);
        statement.to_string()
    }

    #[test]
    fn regclass_literals_print_names_and_compare_oids() {
        assert_eq!(
            rewritten("SELECT 'emp'::regclass::text, 'emp'::regclass AS r"),
            "SELECT 'emp', fedgate_typed('emp', 'regclass') AS r"
        );
        assert_eq!(
            rewritten("SELECT 1 FROM t WHERE attrelid = 'public.emp'::regclass"),
            "SELECT 1 FROM t WHERE attrelid = 16392"
        );
        assert_eq!(
            rewritten("SELECT to_regclass('emp')::text, to_regclass('nope')"),
            "SELECT 'emp', fedgate_typed(NULL, 'regclass')"
        );
        assert_eq!(
            rewritten("SELECT 'nope'::regclass"),
            "SELECT fedgate_error('42P01', 'relation \"nope\" does not exist')"
        );
    }

    #[test]
    fn regtypes_and_oids() {
        assert_eq!(
            rewritten("SELECT format_type('numeric'::regtype, 1), 'integer'::regtype, 'int8'::regtype::oid"),
            "SELECT format_type(1700, 1), fedgate_typed('integer', 'regtype'), fedgate_typed(20::oid, 'oid')"
        );
        assert_eq!(
            rewritten("SELECT atttypid::regtype, pg_typeof(42::oid) FROM pg_attribute"),
            "SELECT fedgate_regtype_name(atttypid::INT), pg_typeof(fedgate_typed(42::oid, 'oid')) FROM pg_attribute"
        );
        assert_eq!(
            rewritten("SELECT 'nope'::regtype::text"),
            "SELECT fedgate_error('42704', 'type \"nope\" does not exist')"
        );
    }

    #[test]
    fn typeof_of_untyped_and_character_literals() {
        assert_eq!(
            rewritten("SELECT pg_typeof('a'), pg_typeof('a'::varchar), pg_typeof('a'::char), pg_typeof('a'::text)"),
            "SELECT pg_typeof(NULL), pg_typeof(fedgate_typed('a'::VARCHAR, 'character varying')), pg_typeof(fedgate_typed('a'::CHAR, 'character')), pg_typeof('a'::TEXT)"
        );
    }

    #[test]
    fn regtype_names_are_postgresqls() {
        assert_eq!(regtype_name(23).as_deref(), Some("integer"));
        assert_eq!(regtype_name(1043).as_deref(), Some("character varying"));
        assert_eq!(regtype_name(1009).as_deref(), Some("text[]"));
        assert_eq!(regtype_name(1700).as_deref(), Some("numeric"));
    }
}
