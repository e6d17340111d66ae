//! The PostgreSQL → Arrow type mapping (see `TYPES.md` for the full table).
//!
//! Discovery maps each column from its catalog type (OID + typmod, domains resolved to their
//! base type) with [`map_column`]:
//!
//! | PostgreSQL                         | Arrow                                  |
//! |------------------------------------|----------------------------------------|
//! | `bool`                             | `Boolean`                              |
//! | `int2` / `int4` / `int8`           | `Int16` / `Int32` / `Int64`            |
//! | `oid`                              | `UInt32`                               |
//! | `float4` / `float8`                | `Float32` / `Float64`                  |
//! | `numeric(p,s)`, p ≤ 38, 0 ≤ s ≤ p  | `Decimal128(p,s)`                      |
//! | `numeric`, `numeric(p>38,s)`, s<0  | `Utf8` (exact decimal text, NaN/±Infinity as words) |
//! | `text`, `varchar`, `bpchar`, `name`| `Utf8` (char(n) keeps its padding)     |
//! | `bytea`                            | `Binary`                               |
//! | `date`                             | `Date32`                               |
//! | `time`                             | `Time64(Microsecond)`                  |
//! | `timestamp`                        | `Timestamp(Microsecond, None)`         |
//! | `timestamptz`                      | `Timestamp(Microsecond, "+00:00")`     |
//! | `interval`                         | `Interval(MonthDayNano)`               |
//! | `uuid`, `json`, `jsonb`, enums     | `Utf8`                                 |
//! | 1-D arrays of the above            | `List(item)`                           |
//! | anything else (and arrays of it)   | `Utf8` + metadata `fedgate.text_fallback` = type name; scans cast it to `text` remotely |
//!
//! Every field also carries `fedgate.pg_type` = `format_type(atttypid, atttypmod)`.
//!
//! At scan time the adapter looks at the types the query really returns ([`WireType`]) and
//! decodes them into the Arrow type the planner asked for; when the two do not match directly
//! it casts the column remotely ([`cast_for`]).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, IntervalUnit, TimeUnit};
use tokio_postgres::types::{Kind, Type};

/// Field metadata: the exact PostgreSQL type of the column, as `format_type` prints it.
pub use fedgate_adapter_api::metadata::PG_TYPE as PG_TYPE_METADATA;
/// Field metadata: the column is read as text; the value is the PostgreSQL type name.
pub use fedgate_adapter_api::metadata::TEXT_FALLBACK as TEXT_FALLBACK_METADATA;
/// The time zone of `timestamptz` columns: values are UTC instants.
pub const UTC: &str = "+00:00";

/// One row of `pg_type`, as discovery reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTypeRow {
    pub oid: u32,
    /// `typname`.
    pub name: String,
    /// `format_type(oid, NULL)`, e.g. `inet`, `time with time zone`, `inet[]`.
    pub display: String,
    /// `typtype`: `b` base, `d` domain, `e` enum, `c` composite, `r` range, ...
    pub typtype: String,
    /// `typbasetype` (domains).
    pub base_type: u32,
    /// `typtypmod` (domains).
    pub base_typmod: i32,
    /// `typelem`.
    pub elem: u32,
    /// `typlen`.
    pub len: i16,
    /// The type lives in `pg_catalog`.
    pub builtin: bool,
}

impl PgTypeRow {
    fn is_domain(&self) -> bool {
        self.typtype == "d"
    }

    fn is_enum(&self) -> bool {
        self.typtype == "e"
    }

    /// A true array type (varlena with an element type).
    fn is_array(&self) -> bool {
        self.elem != 0 && self.len == -1
    }
}

/// How one column maps to Arrow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub data_type: DataType,
    /// `Some(type name)` when the column is read as text.
    pub text_fallback: Option<String>,
}

impl Mapping {
    fn exact(data_type: DataType) -> Self {
        Self {
            data_type,
            text_fallback: None,
        }
    }

    fn fallback(type_name: &str) -> Self {
        Self {
            data_type: DataType::Utf8,
            text_fallback: Some(type_name.to_string()),
        }
    }

    /// The Arrow field of a column, with the `fedgate.*` metadata.
    pub fn field(&self, name: &str, nullable: bool, pg_type: &str) -> Field {
        let mut metadata = HashMap::from([(PG_TYPE_METADATA.to_string(), pg_type.to_string())]);
        if let Some(fallback) = &self.text_fallback {
            metadata.insert(TEXT_FALLBACK_METADATA.to_string(), fallback.clone());
        }
        Field::new(name, self.data_type.clone(), nullable).with_metadata(metadata)
    }
}

/// Follows domains down to their base type; the first typmod that is set wins.
fn resolve_domain(
    types: &HashMap<u32, PgTypeRow>,
    mut oid: u32,
    mut typmod: i32,
) -> Option<(&PgTypeRow, i32)> {
    for _ in 0..32 {
        let row = types.get(&oid)?;
        if !row.is_domain() {
            return Some((row, typmod));
        }
        if typmod == -1 {
            typmod = row.base_typmod;
        }
        oid = row.base_type;
    }
    None
}

/// The Arrow mapping of a column of type `oid` with modifier `typmod`; `types` must hold the
/// `pg_type` rows of the type, its domain bases and its element type.
pub fn map_column(types: &HashMap<u32, PgTypeRow>, oid: u32, typmod: i32) -> Mapping {
    let Some((row, typmod)) = resolve_domain(types, oid, typmod) else {
        return Mapping::fallback("unknown");
    };
    if !row.is_array() {
        return scalar_mapping(row, typmod)
            .map(Mapping::exact)
            .unwrap_or_else(|| Mapping::fallback(&row.display));
    }
    let element = resolve_domain(types, row.elem, typmod)
        .filter(|(elem, _)| !elem.is_array())
        .and_then(|(elem, typmod)| scalar_mapping(elem, typmod));
    match element {
        Some(item) => Mapping::exact(list_of(item)),
        None => Mapping::fallback(&row.display),
    }
}

fn scalar_mapping(row: &PgTypeRow, typmod: i32) -> Option<DataType> {
    if row.is_enum() {
        Some(DataType::Utf8)
    } else if row.builtin {
        scalar_arrow_type(&row.name, typmod)
    } else {
        None
    }
}

/// `List` of nullable `item`s, as discovery produces it.
pub fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

/// The Arrow type of a built-in scalar type (`typname` in `pg_catalog`), or `None` when the
/// type has no faithful mapping (it is then read as text).
pub fn scalar_arrow_type(name: &str, typmod: i32) -> Option<DataType> {
    Some(match name {
        "bool" => DataType::Boolean,
        "int2" => DataType::Int16,
        "int4" => DataType::Int32,
        "int8" => DataType::Int64,
        "oid" => DataType::UInt32,
        "float4" => DataType::Float32,
        "float8" => DataType::Float64,
        "numeric" => match numeric_precision_scale(typmod) {
            Some((p, s)) => DataType::Decimal128(p, s),
            None => DataType::Utf8,
        },
        "text" | "varchar" | "bpchar" | "name" | "uuid" | "json" | "jsonb" => DataType::Utf8,
        "bytea" => DataType::Binary,
        "date" => DataType::Date32,
        "time" => DataType::Time64(TimeUnit::Microsecond),
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, None),
        "timestamptz" => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        "interval" => DataType::Interval(IntervalUnit::MonthDayNano),
        _ => return None,
    })
}

/// `(precision, scale)` of a `numeric` typmod when it fits `Decimal128`.
pub fn numeric_precision_scale(typmod: i32) -> Option<(u8, i8)> {
    // typmod = ((precision << 16) | (scale & 0x7ff)) + VARHDRSZ; scale is an 11-bit signed value.
    if typmod < 4 {
        return None;
    }
    let t = typmod - 4;
    let precision = (t >> 16) & 0xffff;
    let scale = ((t & 0x7ff) ^ 1024) - 1024;
    let fits = (1..=38).contains(&precision) && (0..=precision).contains(&scale);
    fits.then_some((precision as u8, scale as i8))
}

/// How a value arrives in COPY binary format, from the type the query really returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireType {
    Bool,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Numeric,
    /// text, varchar, bpchar, name, json, enum labels, unknown literals: UTF-8 bytes.
    Text,
    /// A version byte (1), then the JSON text.
    Jsonb,
    Uuid,
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Interval,
    /// A one-dimensional array of a scalar wire type.
    Array(Box<WireType>),
}

/// The wire type of a result column, or `None` when the adapter cannot decode it directly.
pub fn wire_type(ty: &Type) -> Option<WireType> {
    let scalar = match *ty {
        Type::BOOL => WireType::Bool,
        Type::INT2 => WireType::Int2,
        Type::INT4 => WireType::Int4,
        Type::INT8 => WireType::Int8,
        Type::OID => WireType::Oid,
        Type::FLOAT4 => WireType::Float4,
        Type::FLOAT8 => WireType::Float8,
        Type::NUMERIC => WireType::Numeric,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON | Type::UNKNOWN => {
            WireType::Text
        }
        Type::JSONB => WireType::Jsonb,
        Type::UUID => WireType::Uuid,
        Type::BYTEA => WireType::Bytea,
        Type::DATE => WireType::Date,
        Type::TIME => WireType::Time,
        Type::TIMESTAMP => WireType::Timestamp,
        Type::TIMESTAMPTZ => WireType::Timestamptz,
        Type::INTERVAL => WireType::Interval,
        _ => return wire_type_of_kind(ty.kind()),
    };
    Some(scalar)
}

fn wire_type_of_kind(kind: &Kind) -> Option<WireType> {
    match kind {
        Kind::Enum(_) => Some(WireType::Text),
        Kind::Domain(base) => wire_type(base),
        Kind::Array(element) => match wire_type(element)? {
            WireType::Array(_) => None,
            scalar => Some(WireType::Array(Box::new(scalar))),
        },
        _ => None,
    }
}

/// The remote cast that makes a column arrive as something decodable into `target`:
/// the SQL type name and the wire type it then has.
pub fn cast_for(target: &DataType) -> Option<(String, WireType)> {
    let (sql, wire) = match target {
        DataType::Boolean => ("bool", WireType::Bool),
        DataType::Int16 => ("int2", WireType::Int2),
        DataType::Int32 => ("int4", WireType::Int4),
        DataType::Int64 => ("int8", WireType::Int8),
        DataType::UInt32 => ("oid", WireType::Oid),
        DataType::Float32 => ("float4", WireType::Float4),
        DataType::Float64 => ("float8", WireType::Float8),
        DataType::Decimal128(_, _) => ("numeric", WireType::Numeric),
        DataType::Utf8 => ("text", WireType::Text),
        DataType::Binary => ("bytea", WireType::Bytea),
        DataType::Date32 => ("date", WireType::Date),
        DataType::Time64(_) => ("time", WireType::Time),
        DataType::Timestamp(_, None) => ("timestamp", WireType::Timestamp),
        DataType::Timestamp(_, Some(_)) => ("timestamptz", WireType::Timestamptz),
        DataType::Interval(IntervalUnit::MonthDayNano) => ("interval", WireType::Interval),
        DataType::List(item) => {
            return match cast_for(item.data_type())? {
                (_, WireType::Array(_)) => None,
                (sql, wire) => Some((format!("{sql}[]"), WireType::Array(Box::new(wire)))),
            };
        }
        _ => return None,
    };
    Some((sql.to_string(), wire))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_typmod(p: i32, s: i32) -> i32 {
        ((p << 16) | (s & 0x7ff)) + 4
    }

    fn row(oid: u32, name: &str, typtype: &str) -> PgTypeRow {
        PgTypeRow {
            oid,
            name: name.into(),
            display: name.into(),
            typtype: typtype.into(),
            base_type: 0,
            base_typmod: -1,
            elem: 0,
            len: 4,
            builtin: true,
        }
    }

    #[test]
    fn scalar_types() {
        let cases = [
            ("bool", -1, DataType::Boolean),
            ("int2", -1, DataType::Int16),
            ("int4", -1, DataType::Int32),
            ("int8", -1, DataType::Int64),
            ("oid", -1, DataType::UInt32),
            ("float4", -1, DataType::Float32),
            ("float8", -1, DataType::Float64),
            (
                "numeric",
                numeric_typmod(12, 2),
                DataType::Decimal128(12, 2),
            ),
            (
                "numeric",
                numeric_typmod(38, 0),
                DataType::Decimal128(38, 0),
            ),
            ("numeric", -1, DataType::Utf8),
            ("numeric", numeric_typmod(39, 2), DataType::Utf8),
            ("numeric", numeric_typmod(5, -2), DataType::Utf8),
            ("numeric", numeric_typmod(3, 5), DataType::Utf8),
            ("text", -1, DataType::Utf8),
            ("varchar", 24, DataType::Utf8),
            ("bpchar", 9, DataType::Utf8),
            ("name", -1, DataType::Utf8),
            ("uuid", -1, DataType::Utf8),
            ("json", -1, DataType::Utf8),
            ("jsonb", -1, DataType::Utf8),
            ("bytea", -1, DataType::Binary),
            ("date", -1, DataType::Date32),
            ("time", -1, DataType::Time64(TimeUnit::Microsecond)),
            (
                "timestamp",
                -1,
                DataType::Timestamp(TimeUnit::Microsecond, None),
            ),
            (
                "timestamptz",
                -1,
                DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
            ),
            (
                "interval",
                -1,
                DataType::Interval(IntervalUnit::MonthDayNano),
            ),
        ];
        for (name, typmod, expected) in cases {
            assert_eq!(
                scalar_arrow_type(name, typmod),
                Some(expected),
                "{name}({typmod})"
            );
        }
        for name in [
            "money",
            "inet",
            "cidr",
            "macaddr",
            "xml",
            "point",
            "timetz",
            "bit",
            "varbit",
            "tsvector",
            "int4range",
            "char",
        ] {
            assert_eq!(scalar_arrow_type(name, -1), None, "{name}");
        }
    }

    #[test]
    fn numeric_typmods() {
        assert_eq!(
            numeric_precision_scale(numeric_typmod(10, 0)),
            Some((10, 0))
        );
        assert_eq!(numeric_precision_scale(numeric_typmod(1, 1)), Some((1, 1)));
        assert_eq!(numeric_precision_scale(-1), None);
        assert_eq!(numeric_precision_scale(numeric_typmod(1000, 3)), None);
    }

    #[test]
    fn catalog_mapping_with_domains_arrays_and_fallbacks() {
        let numeric = row(1700, "numeric", "b");
        let mut numeric_array = row(1231, "_numeric", "b");
        numeric_array.elem = 1700;
        numeric_array.len = -1;
        let mut price = row(90001, "price", "d");
        price.builtin = false;
        price.base_type = 1700;
        price.base_typmod = numeric_typmod(10, 2);
        let mut price_alias = row(90002, "price_alias", "d");
        price_alias.builtin = false;
        price_alias.base_type = 90001;
        let mut inet = row(869, "inet", "b");
        inet.display = "inet".into();
        let mut inet_array = row(1041, "_inet", "b");
        inet_array.elem = 869;
        inet_array.len = -1;
        inet_array.display = "inet[]".into();
        let mut mood = row(90003, "mood", "e");
        mood.builtin = false;
        let mut mood_array = row(90004, "_mood", "b");
        mood_array.builtin = false;
        mood_array.elem = 90003;
        mood_array.len = -1;
        let mut price_array = row(90005, "_price", "b");
        price_array.builtin = false;
        price_array.elem = 90001;
        price_array.len = -1;
        let types: HashMap<u32, PgTypeRow> = [
            numeric,
            numeric_array,
            price,
            price_alias,
            inet,
            inet_array,
            mood,
            mood_array,
            price_array,
        ]
        .into_iter()
        .map(|r| (r.oid, r))
        .collect();

        let exact = |t| Mapping::exact(t);
        assert_eq!(
            map_column(&types, 1700, numeric_typmod(9, 3)),
            exact(DataType::Decimal128(9, 3))
        );
        assert_eq!(
            map_column(&types, 1231, numeric_typmod(9, 3)),
            exact(list_of(DataType::Decimal128(9, 3)))
        );
        assert_eq!(
            map_column(&types, 90002, -1),
            exact(DataType::Decimal128(10, 2))
        );
        assert_eq!(
            map_column(&types, 90005, -1),
            exact(list_of(DataType::Decimal128(10, 2)))
        );
        assert_eq!(map_column(&types, 869, -1), Mapping::fallback("inet"));
        assert_eq!(map_column(&types, 1041, -1), Mapping::fallback("inet[]"));
        assert_eq!(map_column(&types, 90003, -1), exact(DataType::Utf8));
        assert_eq!(
            map_column(&types, 90004, -1),
            exact(list_of(DataType::Utf8))
        );
        assert_eq!(map_column(&types, 424242, -1), Mapping::fallback("unknown"));
    }

    #[test]
    fn field_metadata() {
        let f = Mapping::fallback("money").field("cost", true, "money");
        assert_eq!(f.metadata()[PG_TYPE_METADATA], "money");
        assert_eq!(f.metadata()[TEXT_FALLBACK_METADATA], "money");
        let f = Mapping::exact(DataType::Utf8).field("c", false, "character varying(20)");
        assert_eq!(f.metadata()[PG_TYPE_METADATA], "character varying(20)");
        assert!(!f.metadata().contains_key(TEXT_FALLBACK_METADATA));
        assert!(!f.is_nullable());
    }

    #[test]
    fn wire_types_and_casts() {
        assert_eq!(wire_type(&Type::VARCHAR), Some(WireType::Text));
        assert_eq!(
            wire_type(&Type::INT4_ARRAY),
            Some(WireType::Array(Box::new(WireType::Int4)))
        );
        assert_eq!(wire_type(&Type::INET), None);
        assert_eq!(wire_type(&Type::MONEY), None);
        assert_eq!(
            cast_for(&list_of(DataType::Utf8)),
            Some((
                "text[]".to_string(),
                WireType::Array(Box::new(WireType::Text))
            ))
        );
        assert_eq!(cast_for(&DataType::Utf8View), None);
    }
}
