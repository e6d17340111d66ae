//! PostgreSQL's `json` and `jsonb` on the planner path: the types, their operators and
//! functions.
//!
//! - Values travel as `Utf8` whose field is tagged `json` or `jsonb` (the
//!   `fedgate.pg_type` metadata a PostgreSQL backend's `jsonb` column also carries), so the
//!   output layer describes them with PostgreSQL's type OIDs. A function reads its
//!   arguments' tags to know what a text is: `jsonb` text is already normalised, `json`
//!   text is kept as written, an untagged string (an untyped literal) is parsed as input.
//! - [`value`]: the parser (PostgreSQL's error details), jsonb's normal form and ordering.
//! - [`scalar`]: the functions (`jsonb_typeof`, `to_jsonb`, `jsonb_set`, ...) and the
//!   functions behind the operators; [`operators`]: the `ExprPlanner` that plans `-> ->>
//!   #> #>> @> <@ ? ?| ?& || - #-` and comparisons of `jsonb` as those functions;
//!   [`sets`]: `jsonb_array_elements`, `jsonb_each`, `jsonb_object_keys` in FROM;
//!   [`aggregates`]: `json_agg`, `jsonb_agg`, `json_object_agg`, `jsonb_object_agg`;
//!   [`rewrite`]: casts to `json`/`jsonb` in the statement, whole-row arguments
//!   (`row_to_json(t)`) and casts of json values to text in the plan.
//!
//! None of these functions is known to the SQL renderer, so none is pushed to a backend.

pub mod aggregates;
pub mod operators;
pub mod rewrite;
pub mod scalar;
pub mod sets;
pub mod value;

use std::sync::Arc;

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use fedgate_adapter_api::metadata::PG_TYPE;
use fedgate_adapter_api::SqlState;

use super::{pg_error, pg_error_detail};
use value::{Json, Node};

/// The SQL type of a text value, from its field's tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Json,
    Jsonb,
    /// Any other type (an untyped literal is a string).
    Other,
}

impl Kind {
    pub fn of(field: &Field) -> Kind {
        match field.metadata().get(PG_TYPE).map(|t| t.trim()) {
            Some("json") => Kind::Json,
            Some("jsonb") => Kind::Jsonb,
            _ => Kind::Other,
        }
    }

    pub fn is_json(self) -> bool {
        self != Kind::Other
    }

    /// The type name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Jsonb | Kind::Other => "jsonb",
        }
    }
}

/// A `Utf8` field tagged as `json` or `jsonb`.
pub fn json_field(name: &str, kind: Kind) -> Field {
    let metadata = [(PG_TYPE.to_string(), kind.name().to_string())];
    Field::new(name, DataType::Utf8, true).with_metadata(metadata.into())
}

/// Registers the json functions on a session (the operators' planner is
/// [`operators::planner`], the plan rule [`rewrite::JsonPlan`]).
pub fn register(ctx: &SessionContext) {
    for udf in scalar::functions() {
        ctx.register_udf(udf.as_ref().clone());
    }
    for (name, function) in sets::functions() {
        ctx.register_udtf(name, function);
    }
    for aggregate in aggregates::functions() {
        ctx.register_udaf(aggregate);
    }
}

/// `invalid input syntax for type json` (22P02) with PostgreSQL's detail.
pub fn syntax_error(error: value::SyntaxError) -> DataFusionError {
    let code = match error.untranslatable {
        true => SqlState::UntranslatableCharacter,
        false => SqlState::InvalidTextRepresentation,
    };
    let message = match error.untranslatable {
        true => "unsupported Unicode escape sequence",
        false => "invalid input syntax for type json",
    };
    pg_error_detail(code, message, error.detail)
}

/// Parses `text` as a value of `kind` (an untagged text is input for jsonb).
pub fn parse_as(text: &str, kind: Kind) -> Result<Node> {
    Ok(match kind {
        Kind::Json => value::parse_json(text).map_err(syntax_error)?,
        Kind::Jsonb | Kind::Other => {
            Node::built(value::parse(text).map_err(syntax_error)?.value.normalized())
        }
    })
}

/// The jsonb value of a text argument of `kind`.
pub fn jsonb_of(text: &str, kind: Kind) -> Result<Json> {
    Ok(parse_as(text, kind)?.value.normalized())
}

/// A string argument's text (`None` for NULL), or 42883 for another type.
pub fn arg_text<'a>(value: &'a ScalarValue, function: &str) -> Result<Option<&'a str>> {
    match value {
        ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
            Ok(v.as_deref())
        }
        ScalarValue::Null => Ok(None),
        other => Err(pg_error(
            SqlState::UndefinedFunction,
            format!(
                "function {function}({}) does not exist",
                super::pg_type_name(&other.data_type())
            ),
        )),
    }
}

/// The fields' kinds.
pub fn kinds(fields: &[FieldRef]) -> Vec<Kind> {
    fields.iter().map(|f| Kind::of(f)).collect()
}

/// A path or key list argument: a `text[]` value or the text of an array literal
/// (`'{a,b}'`).
pub fn text_list(value: &ScalarValue) -> Result<Option<Vec<Option<String>>>> {
    match value {
        ScalarValue::List(list) => {
            if list.is_null(0) {
                return Ok(None);
            }
            let items = list.value(0);
            let mut out = Vec::with_capacity(items.len());
            for i in 0..items.len() {
                let item = ScalarValue::try_from_array(&items, i)?;
                out.push(match item.is_null() {
                    true => None,
                    false => Some(match super::text_of(&item) {
                        Some(t) => t.to_string(),
                        None => item.to_string(),
                    }),
                });
            }
            Ok(Some(out))
        }
        other => match super::text_of(other) {
            Some(text) => parse_array_literal(text).map(Some),
            None if other.is_null() => Ok(None),
            None => Err(pg_error(
                SqlState::UndefinedFunction,
                format!(
                    "a path must be text[], not {}",
                    super::pg_type_name(&other.data_type())
                ),
            )),
        },
    }
}

/// A one-dimensional array literal's elements (`{a,"b c",NULL}`).
pub fn parse_array_literal(text: &str) -> Result<Vec<Option<String>>> {
    let malformed = |detail: &str| {
        pg_error_detail(
            SqlState::InvalidTextRepresentation,
            format!("malformed array literal: \"{text}\""),
            detail.to_string(),
        )
    };
    let trimmed = text.trim();
    let Some(inner) = trimmed.strip_prefix('{') else {
        return Err(malformed(
            "Array value must start with \"{\" or dimension information.",
        ));
    };
    let Some(inner) = inner.strip_suffix('}') else {
        return Err(malformed("Unexpected end of input."));
    };
    let mut items = Vec::new();
    if inner.trim().is_empty() {
        return Ok(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut item = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(malformed("Unexpected end of input.")),
                    Some('"') => break,
                    Some('\\') => item.extend(chars.next()),
                    Some(c) => item.push(c),
                }
            }
        }
        while let Some(&c) = chars.peek() {
            if c == ',' {
                break;
            }
            chars.next();
            match c {
                '\\' => item.extend(chars.next()),
                '{' | '}' | '"' => return Err(malformed("Unexpected \"{\" character.")),
                c => item.push(c),
            }
        }
        let item = if quoted {
            item
        } else {
            item.trim().to_string()
        };
        if !quoted && item.is_empty() {
            return Err(malformed("Unexpected \",\" character."));
        }
        items.push((quoted || !item.eq_ignore_ascii_case("null")).then_some(item));
        if chars.next().is_none() {
            return Ok(items);
        }
    }
}

/// A tagged result field named `name`.
pub fn result_field(name: &str, kind: Kind) -> FieldRef {
    Arc::new(json_field(name, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals() {
        assert_eq!(
            parse_array_literal("{a, \"b c\",NULL}").unwrap(),
            vec![Some("a".into()), Some("b c".into()), None]
        );
        assert_eq!(parse_array_literal("{}").unwrap(), vec![]);
        assert!(parse_array_literal("{bad").is_err());
    }
}
