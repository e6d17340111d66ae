//! Rendering DataFusion expressions as backend SQL, per dialect.
//!
//! One function decides both whether an expression can be pushed and how it renders: it
//! returns `None` for anything it cannot render with DataFusion's meaning, so the planner never
//! promises more than the rendering does. What is rendered and why:
//! - columns, typed literals, comparison and boolean operators, `IS [NOT] NULL`,
//!   `IS [NOT] TRUE/FALSE`, `BETWEEN`, `IN (list)`, `LIKE` (case-sensitive, as in DataFusion);
//! - ordering comparisons between strings carry `COLLATE "C"` on PostgreSQL, because DataFusion
//!   compares strings by bytes and a PostgreSQL column may use a locale collation;
//! - columns whose values fedgate reads as text fallbacks (field metadata
//!   `fedgate.text_fallback`) are never compared remotely: the backend would compare them with
//!   the semantics of their own type;
//! - arithmetic, functions and casts are not pushed yet (integer division, overflow and
//!   rounding differ between engines); DataFusion evaluates them.

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Like, Operator};
use fedgate_adapter_api::SqlDialect;

/// Field metadata key marking a column that arrives as text but is another type remotely.
pub const TEXT_FALLBACK_METADATA: &str = "fedgate.text_fallback";

/// Renders one identifier, quoted and escaped for the dialect.
pub fn quote_identifier(dialect: SqlDialect, name: &str) -> String {
    match dialect {
        SqlDialect::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        SqlDialect::MySql => format!("`{}`", name.replace('`', "``")),
    }
}

/// Renders a string literal, escaped for the dialect.
pub fn quote_string(dialect: SqlDialect, value: &str) -> String {
    match dialect {
        // E'' strings make the meaning of backslashes independent of the server's
        // standard_conforming_strings setting.
        SqlDialect::Postgres => {
            let escaped = value.replace('\\', "\\\\").replace('\'', "''");
            if !value.contains('\\') {
                format!("'{escaped}'")
            } else {
                format!("E'{escaped}'")
            }
        }
        SqlDialect::MySql => format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''")),
    }
}

/// Renders filter expressions over one table's columns (`schema`: the table's full schema).
pub struct FilterRenderer<'a> {
    dialect: SqlDialect,
    schema: &'a Schema,
}

impl<'a> FilterRenderer<'a> {
    pub fn new(dialect: SqlDialect, schema: &'a Schema) -> Self {
        Self { dialect, schema }
    }

    /// The SQL text of a boolean expression, or `None` if it cannot be pushed faithfully.
    pub fn render(&self, expr: &Expr) -> Option<String> {
        self.expr(expr)
    }

    fn expr(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Column(column) => self.column(&column.name),
            Expr::Literal(value, _) => self.literal(value),
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
            _ => None,
        }
    }

    fn is_bool(&self, inner: &Expr, test: &str) -> Option<String> {
        Some(format!("({} {test})", self.expr(inner)?))
    }

    fn column(&self, name: &str) -> Option<String> {
        let field = self.schema.field_with_name(name).ok()?;
        if field.metadata().contains_key(TEXT_FALLBACK_METADATA) {
            return None;
        }
        Some(quote_identifier(self.dialect, name))
    }

    /// An operand of a comparison: a column or a literal of a type with a faithful rendering.
    /// On MySQL a string column is compared as bytes (`CAST(c AS BINARY)`): the default
    /// collations ignore case, accents and trailing spaces, DataFusion does not.
    fn comparable(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Column(c)
                if self.dialect == SqlDialect::MySql && self.is_string_column(&c.name) =>
            {
                Some(format!("CAST({} AS BINARY)", self.column(&c.name)?))
            }
            Expr::Column(_) | Expr::Literal(..) => self.expr(expr),
            _ => None,
        }
    }

    fn is_string_column(&self, name: &str) -> bool {
        self.schema
            .field_with_name(name)
            .is_ok_and(|f| is_string_type(f.data_type()))
    }

    fn binary(&self, binary: &BinaryExpr) -> Option<String> {
        let op = match binary.op {
            Operator::And => "AND",
            Operator::Or => "OR",
            Operator::Eq => "=",
            Operator::NotEq => "<>",
            Operator::Lt => "<",
            Operator::LtEq => "<=",
            Operator::Gt => ">",
            Operator::GtEq => ">=",
            Operator::IsDistinctFrom if self.dialect == SqlDialect::Postgres => "IS DISTINCT FROM",
            Operator::IsNotDistinctFrom if self.dialect == SqlDialect::Postgres => {
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

    /// `COLLATE "C"` for string ordering comparisons on PostgreSQL, so the backend compares
    /// bytes as DataFusion does.
    fn ordering_collation(&self, op: Operator, left: &Expr, right: &Expr) -> &'static str {
        let ordering = matches!(
            op,
            Operator::Lt | Operator::LtEq | Operator::Gt | Operator::GtEq
        );
        if ordering && self.dialect == SqlDialect::Postgres && self.is_string(left, right) {
            " COLLATE \"C\""
        } else {
            ""
        }
    }

    fn is_string(&self, left: &Expr, right: &Expr) -> bool {
        [left, right].iter().any(|e| match e {
            Expr::Column(c) => self
                .schema
                .field_with_name(&c.name)
                .map(|f| is_string_type(f.data_type()))
                .unwrap_or(false),
            Expr::Literal(v, _) => is_string_type(&v.data_type()),
            _ => false,
        })
    }

    fn between(&self, between: &Between) -> Option<String> {
        let target = self.comparable(&between.expr)?;
        let low = self.comparable(&between.low)?;
        let high = self.comparable(&between.high)?;
        let collate = if self.dialect == SqlDialect::Postgres
            && self.is_string(&between.expr, &between.low)
        {
            " COLLATE \"C\""
        } else {
            ""
        };
        let not = if between.negated { "NOT " } else { "" };
        Some(format!("({target}{collate} {not}BETWEEN {low} AND {high})"))
    }

    fn like(&self, like: &Like) -> Option<String> {
        // ILIKE case folding differs between engines outside ASCII: not pushed.
        if like.case_insensitive {
            return None;
        }
        let target = self.comparable(&like.expr)?;
        let pattern = self.comparable(&like.pattern)?;
        let not = if like.negated { "NOT " } else { "" };
        // DataFusion's default escape character is the backslash, as in both dialects.
        let escape = match like.escape_char {
            None | Some('\\') => String::new(),
            Some(c) => format!(" ESCAPE {}", quote_string(self.dialect, &c.to_string())),
        };
        Some(format!("({target} {not}LIKE {pattern}{escape})"))
    }

    fn literal(&self, value: &ScalarValue) -> Option<String> {
        render_literal(self.dialect, value)
    }
}

fn is_string_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Renders a literal with its type, or `None` for types without a faithful rendering.
pub fn render_literal(dialect: SqlDialect, value: &ScalarValue) -> Option<String> {
    if value.is_null() {
        return Some("NULL".to_string());
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
        ScalarValue::Float32(Some(v)) => render_float(dialect, f64::from(*v), "float4")?,
        ScalarValue::Float64(Some(v)) => render_float(dialect, *v, "float8")?,
        ScalarValue::Decimal128(Some(_), _, _) => value.to_string(),
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => quote_string(dialect, s),
        ScalarValue::Date32(Some(_)) => format!("DATE '{value}'"),
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

fn render_float(dialect: SqlDialect, v: f64, pg_type: &str) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    match dialect {
        SqlDialect::Postgres => Some(format!("'{v:?}'::{pg_type}")),
        SqlDialect::MySql => Some(format!("{v:e}")),
    }
}

fn render_timestamp(dialect: SqlDialect, micros: i64, with_zone: bool) -> Option<String> {
    let dt = datafusion::common::arrow::temporal_conversions::timestamp_us_to_datetime(micros)?;
    let text = dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    Some(match (dialect, with_zone) {
        (SqlDialect::Postgres, true) => format!("TIMESTAMPTZ '{text}+00'"),
        (SqlDialect::Postgres, false) => format!("TIMESTAMP '{text}'"),
        (SqlDialect::MySql, _) => format!("TIMESTAMP '{text}'"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Field;
    use datafusion::prelude::{col, lit};
    use std::collections::HashMap;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("addr", DataType::Utf8, true).with_metadata(HashMap::from([(
                TEXT_FALLBACK_METADATA.to_string(),
                "inet".to_string(),
            )])),
            Field::new("we\"ird", DataType::Int32, true),
        ])
    }

    fn pg(expr: Expr) -> Option<String> {
        let s = schema();
        FilterRenderer::new(SqlDialect::Postgres, &s).render(&expr)
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(
            pg(col("id").gt(lit(5i64)).and(col("name").is_not_null())).unwrap(),
            "((\"id\" > 5) AND (\"name\" IS NOT NULL))"
        );
    }

    #[test]
    fn string_literals_are_escaped() {
        assert_eq!(
            pg(col("name").eq(lit("O'Brien"))).unwrap(),
            "(\"name\" = 'O''Brien')"
        );
        assert_eq!(
            pg(col("name").eq(lit("a\\b"))).unwrap(),
            "(\"name\" = E'a\\\\b')"
        );
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(
            pg(col("we\"ird").eq(lit(1i32))).unwrap(),
            "(\"we\"\"ird\" = 1)"
        );
        assert_eq!(quote_identifier(SqlDialect::MySql, "a`b"), "`a``b`");
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
            "(\"id\" NOT IN (1, NULL))"
        );
        assert_eq!(
            pg(col("name").like(lit("a%"))).unwrap(),
            "(\"name\" LIKE 'a%')"
        );
    }

    #[test]
    fn mysql_compares_strings_as_bytes() {
        let s = schema();
        let my = |e: Expr| FilterRenderer::new(SqlDialect::MySql, &s).render(&e);
        assert_eq!(
            my(col("name").eq(lit("abc"))).unwrap(),
            "(CAST(`name` AS BINARY) = 'abc')"
        );
        assert_eq!(
            my(col("name").like(lit("a%"))).unwrap(),
            "(CAST(`name` AS BINARY) LIKE 'a%')"
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
        assert!(my(distinct).is_none());
    }

    #[test]
    fn typed_literals() {
        let d = ScalarValue::Date32(Some(19723));
        assert_eq!(
            render_literal(SqlDialect::Postgres, &d).unwrap(),
            "DATE '2024-01-01'"
        );
        let ts =
            ScalarValue::TimestampMicrosecond(Some(1_704_067_200_000_001), Some("+00:00".into()));
        assert_eq!(
            render_literal(SqlDialect::Postgres, &ts).unwrap(),
            "TIMESTAMPTZ '2024-01-01 00:00:00.000001+00'"
        );
        assert_eq!(
            render_literal(SqlDialect::Postgres, &ScalarValue::Float64(Some(1.5))).unwrap(),
            "'1.5'::float8"
        );
        assert_eq!(
            render_literal(
                SqlDialect::Postgres,
                &ScalarValue::Decimal128(Some(1234), 10, 2)
            )
            .unwrap(),
            "12.34"
        );
        assert!(
            render_literal(SqlDialect::Postgres, &ScalarValue::Float64(Some(f64::NAN))).is_none()
        );
    }
}
