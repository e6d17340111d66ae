//! Parameter types and values of the extended protocol.
//!
//! DataFusion infers a placeholder's type from what it is compared with or assigned to, but
//! not from a cast around it: `ti.oid = any($1::oid[])` (asyncpg's type introspection) leaves
//! `$1` untyped, and the gateway would describe it as `unknown`. PostgreSQL types such a
//! parameter as the cast's target, and clients encode their arguments by the type the
//! server describes (asyncpg refuses a list for `unknown`). So the explicit casts of the
//! statement decide a parameter's type, under PostgreSQL's name and OID: `oid[]` is `oid[]`
//! (1028), although DataFusion plans `oid` as `int4`.
//!
//! Values are decoded by arrow-pg, given those types; `oid[]`, which arrow-pg does not
//! decode, is decoded here (text `{1,2}` or the binary array format) into a list of `Int32`,
//! as the catalog holds OIDs.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ParamValues;
use datafusion::scalar::ScalarValue;
use datafusion::sql::sqlparser::ast::{visit_expressions, DataType as SqlType, Expr, Statement};
use datafusion::sql::sqlparser::ast::{Value, ValueWithSpan};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::stmt::StoredStatement;
use pgwire::api::Type;
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::FORMAT_CODE_BINARY;
use pgwire::messages::extendedquery::Bind;

/// The PostgreSQL types of the parameters cast explicitly in `statement` (`$1::oid[]`,
/// `CAST($2 AS int8)`), by parameter number (1-based); the first cast of a parameter counts.
pub fn cast_types(statement: &Statement) -> HashMap<usize, Type> {
    let mut found = HashMap::new();
    let _ = visit_expressions(statement, |expr| {
        if let Expr::Cast {
            expr, data_type, ..
        } = expr
        {
            if let (Some(number), Some(pg_type)) = (placeholder_number(expr), pg_type(data_type)) {
                found.entry(number).or_insert(pg_type);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    found
}

/// `n` of a placeholder `$n` (possibly parenthesized).
fn placeholder_number(expr: &Expr) -> Option<usize> {
    match expr {
        Expr::Nested(inner) => placeholder_number(inner),
        Expr::Value(ValueWithSpan {
            value: Value::Placeholder(p),
            ..
        }) => p.strip_prefix('$')?.parse().ok().filter(|n| *n > 0),
        _ => None,
    }
}

/// The PostgreSQL type of a cast target, for the types whose parameter values the gateway
/// decodes; `None` for the others (the parameter's type is then DataFusion's inference).
pub fn pg_type(data_type: &SqlType) -> Option<Type> {
    let text = data_type.to_string().to_ascii_lowercase();
    let (base, array) = match text.trim().strip_suffix("[]") {
        Some(base) => (base.trim_end(), true),
        None => (text.trim(), false),
    };
    if base.contains('[') {
        return None; // more than one dimension
    }
    // Drop type modifiers (`varchar(20)`, `timestamp(3) with time zone`) and pg_catalog.
    let mut name = String::new();
    let mut depth = 0;
    for c in base.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => name.push(c),
            _ => {}
        }
    }
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
    let (scalar, array_type) = match name {
        "bool" | "boolean" => (Type::BOOL, Some(Type::BOOL_ARRAY)),
        "int2" | "smallint" => (Type::INT2, Some(Type::INT2_ARRAY)),
        "int4" | "int" | "integer" => (Type::INT4, Some(Type::INT4_ARRAY)),
        "int8" | "bigint" => (Type::INT8, Some(Type::INT8_ARRAY)),
        "oid" => (Type::OID, Some(Type::OID_ARRAY)),
        "float4" | "real" => (Type::FLOAT4, Some(Type::FLOAT4_ARRAY)),
        "float8" | "double precision" | "float" => (Type::FLOAT8, Some(Type::FLOAT8_ARRAY)),
        "numeric" | "decimal" => (Type::NUMERIC, Some(Type::NUMERIC_ARRAY)),
        "text" => (Type::TEXT, Some(Type::TEXT_ARRAY)),
        "varchar" | "character varying" => (Type::VARCHAR, Some(Type::VARCHAR_ARRAY)),
        "name" => (Type::NAME, None),
        "bytea" => (Type::BYTEA, None),
        "date" => (Type::DATE, None),
        "time" | "time without time zone" => (Type::TIME, None),
        "timestamp" | "timestamp without time zone" => (Type::TIMESTAMP, None),
        "timestamptz" | "timestamp with time zone" => (Type::TIMESTAMPTZ, None),
        "interval" => (Type::INTERVAL, Some(Type::INTERVAL_ARRAY)),
        "json" => (Type::JSON, None),
        "jsonb" => (Type::JSONB, None),
        "uuid" => (Type::UUID, None),
        _ => return None,
    };
    if array {
        array_type
    } else {
        Some(scalar)
    }
}

/// The parameters' types as described to the client: a cast's type, else DataFusion's
/// inference, else `unknown`.
pub fn describe(statement: &Statement, inferred: &[Option<DataType>]) -> PgWireResult<Vec<Type>> {
    let casts = cast_types(statement);
    let count = inferred.len().max(casts.keys().copied().max().unwrap_or(0));
    (1..=count)
        .map(
            |n| match (casts.get(&n), inferred.get(n - 1).cloned().flatten()) {
                (Some(cast), _) => Ok(cast.clone()),
                (None, Some(t)) => arrow_pg::datatypes::into_pg_type(&t),
                (None, None) => Ok(Type::UNKNOWN),
            },
        )
        .collect()
}

/// Decodes the bound values of `portal`'s parameters: with the client's Parse types when
/// it gave them, else the types described (`cast_types`), else DataFusion's inference.
pub fn decode<S: Clone>(
    portal: &Portal<S>,
    statement: &Statement,
    inferred: &[Option<DataType>],
) -> PgWireResult<ParamValues> {
    let casts = cast_types(statement);
    let count = portal.parameter_len();
    let types: Vec<Option<Type>> = (0..count)
        .map(|i| {
            portal
                .statement
                .parameter_types
                .get(i)
                .cloned()
                .flatten()
                .or_else(|| casts.get(&(i + 1)).cloned())
        })
        .collect();
    let own: Vec<usize> = (0..count)
        .filter(|&i| types[i] == Some(Type::OID_ARRAY))
        .collect();
    // arrow-pg decodes the others; the ones decoded here are passed to it as NULL int4.
    let mut parameters = portal.parameters.clone();
    let mut arrow_types: Vec<Option<&DataType>> = (0..count)
        .map(|i| inferred.get(i).and_then(Option::as_ref))
        .collect();
    let mut hinted = types.clone();
    for &i in &own {
        parameters[i] = None;
        arrow_types[i] = None;
        hinted[i] = Some(Type::INT4);
    }
    let formats = match &portal.parameter_format {
        Format::UnifiedText => vec![],
        Format::UnifiedBinary => vec![FORMAT_CODE_BINARY],
        Format::Individual(codes) => codes.clone(),
    };
    let bind = Bind::new(None, None, formats, parameters, vec![]);
    let stored = Arc::new(StoredStatement::new(String::new(), (), hinted));
    let masked = Portal::try_new(&bind, stored)?;
    let decoded = arrow_pg::datatypes::df::deserialize_parameters(&masked, &arrow_types)?;
    let ParamValues::List(mut values) = decoded else {
        return Ok(decoded);
    };
    for i in own {
        let binary = portal.parameter_format.is_binary(i);
        let value = match &portal.parameters[i] {
            Some(raw) => Some(decode_oid_array(raw, binary).map_err(|message| {
                PgWireError::FailedToParseParameter(
                    format!("invalid oid[] value for parameter ${}: {message}", i + 1).into(),
                )
            })?),
            None => None,
        };
        let scalar = match value {
            Some(oids) => {
                let items: Vec<ScalarValue> = oids.into_iter().map(ScalarValue::Int32).collect();
                ScalarValue::List(ScalarValue::new_list_nullable(&items, &DataType::Int32))
            }
            None => ScalarValue::new_null_list(DataType::Int32, true, 1),
        };
        if let Some(slot) = values.get_mut(i) {
            *slot = scalar.into();
        }
    }
    Ok(ParamValues::List(values))
}

/// An `oid[]` value as `Int32`s (an OID above 2^31 keeps its bits, as the catalog's `Int32`
/// OID columns do), from its text form (`{1,2,NULL}`) or its binary form.
pub fn decode_oid_array(raw: &[u8], binary: bool) -> Result<Vec<Option<i32>>, String> {
    let elements = if binary {
        binary_array_elements(raw, Type::OID.oid())?
            .into_iter()
            .map(|e| match e {
                None => Ok(None),
                Some(bytes) => <[u8; 4]>::try_from(bytes)
                    .map(|b| Some(i32::from_be_bytes(b)))
                    .map_err(|_| format!("an oid element has {} bytes, not 4", bytes.len())),
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        let text = std::str::from_utf8(raw).map_err(|e| e.to_string())?;
        text_array_elements(text)?
            .into_iter()
            .map(|e| match e {
                None => Ok(None),
                Some(item) => item
                    .parse::<u32>()
                    .map(|v| Some(v as i32))
                    .map_err(|_| format!("invalid oid \"{item}\"")),
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(elements)
}

/// The elements of a one-dimensional array in PostgreSQL's binary format: the number of
/// dimensions, a has-nulls flag, the element type OID, then (length, lower bound) per
/// dimension, then each element as a length (-1 for NULL) and its bytes.
fn binary_array_elements(raw: &[u8], element_type: u32) -> Result<Vec<Option<&[u8]>>, String> {
    fn take_i32(rest: &mut &[u8], what: &str) -> Result<i32, String> {
        let (head, tail) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| format!("array value ends before its {what}"))?;
        *rest = tail;
        Ok(i32::from_be_bytes(*head))
    }
    let mut rest = raw;
    let mut int = |what: &str| take_i32(&mut rest, what);
    let dimensions = int("number of dimensions")?;
    let _has_nulls = int("flags")?;
    let element = int("element type")? as u32;
    if element != element_type {
        return Err(format!(
            "array elements have type OID {element}, expected {element_type}"
        ));
    }
    let count = match dimensions {
        0 => 0,
        1 => {
            let length = int("dimension length")?;
            let _lower_bound = int("lower bound")?;
            usize::try_from(length).map_err(|_| format!("negative array length {length}"))?
        }
        n => return Err(format!("{n}-dimensional arrays are not supported")),
    };
    let mut elements = Vec::with_capacity(count.min(raw.len() / 4));
    for _ in 0..count {
        let length = take_i32(&mut rest, "element length")?;
        if length < 0 {
            elements.push(None);
            continue;
        }
        let length = length as usize;
        if rest.len() < length {
            return Err("array value ends inside an element".to_string());
        }
        let (element, tail) = rest.split_at(length);
        elements.push(Some(element));
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes after the array's elements", rest.len()));
    }
    Ok(elements)
}

/// The elements of a one-dimensional array's text form (`{1, 2,NULL}`, elements may be
/// double-quoted); unquoted `NULL` is a NULL element.
fn text_array_elements(text: &str) -> Result<Vec<Option<String>>, String> {
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("malformed array literal: \"{text}\""))?;
    if inner.trim().is_empty() {
        return Ok(vec![]);
    }
    let mut elements = Vec::new();
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
                    Some('"') => break,
                    Some('\\') => item.extend(chars.next()),
                    Some(c) => item.push(c),
                    None => return Err(format!("malformed array literal: \"{text}\"")),
                }
            }
        }
        while let Some(&c) = chars.peek() {
            if c == ',' {
                break;
            }
            if c == '{' || c == '}' || (quoted && !c.is_whitespace()) {
                return Err(format!("malformed array literal: \"{text}\""));
            }
            item.push(c);
            chars.next();
        }
        let item = if quoted {
            item
        } else {
            item.trim().to_string()
        };
        if !quoted && item.eq_ignore_ascii_case("null") {
            elements.push(None);
        } else if !quoted && item.is_empty() {
            return Err(format!("malformed array literal: \"{text}\""));
        } else {
            elements.push(Some(item));
        }
        if chars.next().is_none() {
            return Ok(elements);
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    use super::*;

    fn statement(sql: &str) -> Statement {
        Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0)
    }

    fn binary_oid_array(elements: &[Option<u32>]) -> Vec<u8> {
        let mut out = Vec::new();
        let has_nulls = elements.iter().any(Option::is_none);
        out.extend(1i32.to_be_bytes());
        out.extend(i32::from(has_nulls).to_be_bytes());
        out.extend(26u32.to_be_bytes());
        out.extend((elements.len() as i32).to_be_bytes());
        out.extend(1i32.to_be_bytes());
        for element in elements {
            match element {
                Some(v) => {
                    out.extend(4i32.to_be_bytes());
                    out.extend(v.to_be_bytes());
                }
                None => out.extend((-1i32).to_be_bytes()),
            }
        }
        out
    }

    #[test]
    fn casts_give_postgresql_types() {
        let casts = cast_types(&statement(
            "SELECT * FROM t WHERE oid = any($1::oid[]) AND a = CAST($2 AS int8) \
             AND b = ($3)::text[] AND c = $4::varchar(20) AND d = $5::pg_catalog.int4 \
             AND e = $6::timestamp(3) with time zone AND f = $7 AND g = $8::regclass",
        ));
        assert_eq!(casts.get(&1), Some(&Type::OID_ARRAY));
        assert_eq!(casts.get(&2), Some(&Type::INT8));
        assert_eq!(casts.get(&3), Some(&Type::TEXT_ARRAY));
        assert_eq!(casts.get(&4), Some(&Type::VARCHAR));
        assert_eq!(casts.get(&5), Some(&Type::INT4));
        assert_eq!(casts.get(&6), Some(&Type::TIMESTAMPTZ));
        assert_eq!(casts.get(&7), None);
        assert_eq!(casts.get(&8), None);
    }

    #[test]
    fn first_cast_counts_and_subqueries_are_seen() {
        let casts = cast_types(&statement(
            "SELECT $1::int4, $1::text, (SELECT $2::bool) WHERE x IN (SELECT $3::integer[])",
        ));
        assert_eq!(casts.get(&1), Some(&Type::INT4));
        assert_eq!(casts.get(&2), Some(&Type::BOOL));
        assert_eq!(casts.get(&3), Some(&Type::INT4_ARRAY));
    }

    #[test]
    fn describe_prefers_casts_then_inference() {
        let types = describe(
            &statement("SELECT $1::oid[], $2, $3 FROM t WHERE c = $4::int4"),
            &[None, Some(DataType::Int64), None],
        )
        .unwrap();
        assert_eq!(
            types,
            vec![Type::OID_ARRAY, Type::INT8, Type::UNKNOWN, Type::INT4]
        );
    }

    #[test]
    fn oid_arrays_decode_from_text_and_binary() {
        assert_eq!(
            decode_oid_array(b"{1007, 25,NULL,\"23\"}", false).unwrap(),
            vec![Some(1007), Some(25), None, Some(23)]
        );
        assert_eq!(decode_oid_array(b"{}", false).unwrap(), vec![]);
        assert!(decode_oid_array(b"{1,x}", false).is_err());
        assert!(decode_oid_array(b"1,2", false).is_err());
        let raw = binary_oid_array(&[Some(1007), None, Some(4_000_000_000)]);
        assert_eq!(
            decode_oid_array(&raw, true).unwrap(),
            vec![Some(1007), None, Some(4_000_000_000u32 as i32)]
        );
        // An empty array: zero dimensions, no dimension header.
        let empty: Vec<u8> = [0i32, 0, 26].iter().flat_map(|v| v.to_be_bytes()).collect();
        assert_eq!(decode_oid_array(&empty, true).unwrap(), vec![]);
        // Truncated, or the wrong element type.
        assert!(decode_oid_array(&raw[..raw.len() - 1], true).is_err());
        let mut int4 = binary_oid_array(&[Some(1)]);
        int4[8..12].copy_from_slice(&23u32.to_be_bytes());
        assert!(decode_oid_array(&int4, true).is_err());
    }

    #[test]
    fn bound_values_decode_with_the_cast_types() {
        let sql = statement("SELECT $1::oid[], $2::int4, $3");
        let raw = binary_oid_array(&[Some(1007), Some(25)]);
        let bind = Bind::new(
            None,
            None,
            vec![FORMAT_CODE_BINARY, FORMAT_CODE_BINARY, 0],
            vec![
                Some(Bytes::from(raw)),
                Some(Bytes::from(7i32.to_be_bytes().to_vec())),
                Some(Bytes::from_static(b"x")),
            ],
            vec![],
        );
        let stored = Arc::new(StoredStatement::new("s".into(), (), vec![]));
        let portal = Portal::try_new(&bind, stored).unwrap();
        let ParamValues::List(values) = decode(&portal, &sql, &[None, None, None]).unwrap() else {
            panic!("positional parameters");
        };
        let values: Vec<ScalarValue> = values.into_iter().map(|v| v.value().clone()).collect();
        let expected = ScalarValue::List(ScalarValue::new_list_nullable(
            &[ScalarValue::Int32(Some(1007)), ScalarValue::Int32(Some(25))],
            &DataType::Int32,
        ));
        assert_eq!(values[0], expected);
        assert_eq!(values[1], ScalarValue::Int32(Some(7)));
        assert_eq!(values[2], ScalarValue::Utf8(Some("x".into())));

        // NULL, and the text form when the client typed the parameter itself at Parse.
        let bind = Bind::new(
            None,
            None,
            vec![],
            vec![None, Some(Bytes::from_static(b"7")), None],
            vec![],
        );
        let stored = Arc::new(StoredStatement::new(
            "s".into(),
            (),
            vec![Some(Type::OID_ARRAY), Some(Type::INT4), Some(Type::TEXT)],
        ));
        let portal = Portal::try_new(&bind, stored).unwrap();
        let ParamValues::List(values) = decode(&portal, &sql, &[None, None, None]).unwrap() else {
            panic!("positional parameters");
        };
        assert_eq!(
            values[0].value(),
            &ScalarValue::new_null_list(DataType::Int32, true, 1)
        );
        assert_eq!(values[1].value(), &ScalarValue::Int32(Some(7)));
        assert_eq!(values[2].value(), &ScalarValue::Utf8(None));
    }
}
