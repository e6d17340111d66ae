//! Column types the server's owner declares for BSON date fields (`column_types` option).
//!
//! A BSON date is a UTC instant in milliseconds, so by default a date field is a
//! `timestamp with time zone` column. Applications often store a calendar date (midnight UTC)
//! or a wall-clock time (taken as UTC) in it; the option says so, and the column then has
//! PostgreSQL's `date` or `timestamp` type:
//!
//! ```sql
//! CREATE SERVER m FOREIGN DATA WRAPPER mongodb OPTIONS (url 'mongodb://...',
//!     column_types 'emp.hired date, emp.created timestamp, crm.events.at timestamptz');
//! ```
//!
//! Each entry is `[database.]collection.field type`, comma-separated; the field is the part
//! after the last dot (a top-level field), the rest names the collection, optionally with its
//! database. A value that does not fit (a `date` field holding a time of day) is an error when
//! it is read, never a silently truncated value (`convert.rs`).

use fedgate_adapter_api::{option_values, Result};

/// The option's name.
pub const OPTION: &str = "column_types";

/// A BSON date of a `date` field is this many milliseconds times its day since 1970-01-01.
pub const MILLIS_PER_DAY: i64 = 86_400_000;

/// A declared type of a BSON date field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// PostgreSQL `date`: the UTC calendar day; values must be at midnight UTC.
    Date,
    /// PostgreSQL `timestamp` (without time zone): the UTC wall-clock time.
    Timestamp,
    /// PostgreSQL `timestamptz`: the instant (the default without a declaration).
    Timestamptz,
}

impl DateKind {
    /// PostgreSQL's name of the type, for messages.
    pub fn sql_name(self) -> &'static str {
        match self {
            DateKind::Date => "date",
            DateKind::Timestamp => "timestamp",
            DateKind::Timestamptz => "timestamptz",
        }
    }

    fn parse(text: &str) -> Option<DateKind> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["date"] => Some(DateKind::Date),
            ["timestamp"] | ["timestamp", "without", "time", "zone"] => Some(DateKind::Timestamp),
            ["timestamptz"] | ["timestamp", "with", "time", "zone"] => Some(DateKind::Timestamptz),
            _ => None,
        }
    }
}

/// One `[database.]collection.field type` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Declaration {
    /// `collection` or `database.collection`.
    table: String,
    field: String,
    kind: DateKind,
}

/// The parsed `column_types` option.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclaredTypes {
    declarations: Vec<Declaration>,
}

impl DeclaredTypes {
    /// Parses the option's text; `None` (option absent) declares nothing.
    pub fn parse(text: Option<&str>) -> Result<Self> {
        let Some(text) = text else {
            return Ok(Self::default());
        };
        let mut declarations = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            declarations.push(parse_entry(text, entry)?);
        }
        Ok(Self { declarations })
    }

    /// The declared fields of `database.collection`, in declaration order (a later entry for
    /// the same field wins, and one naming the database wins over one that does not).
    pub fn for_collection(&self, database: &str, collection: &str) -> Vec<(String, DateKind)> {
        let qualified = format!("{database}.{collection}");
        let mut fields: Vec<(String, DateKind, bool)> = Vec::new();
        for d in &self.declarations {
            let with_database = d.table == qualified;
            if !with_database && d.table != collection {
                continue;
            }
            match fields.iter_mut().find(|(name, _, _)| *name == d.field) {
                Some(existing) if with_database || !existing.2 => {
                    *existing = (d.field.clone(), d.kind, with_database)
                }
                Some(_) => {}
                None => fields.push((d.field.clone(), d.kind, with_database)),
            }
        }
        fields
            .into_iter()
            .map(|(name, kind, _)| (name, kind))
            .collect()
    }
}

fn parse_entry(option_text: &str, entry: &str) -> Result<Declaration> {
    let invalid = || {
        option_values::invalid_value(
            OPTION,
            option_text,
            "expected comma-separated '[database.]collection.field type' entries with type date, timestamp or timestamptz",
        )
    };
    let (path, type_text) = entry.split_once(char::is_whitespace).ok_or_else(invalid)?;
    let kind = DateKind::parse(type_text).ok_or_else(invalid)?;
    let (table, field) = path.rsplit_once('.').ok_or_else(invalid)?;
    if table.is_empty() || field.is_empty() || field.starts_with('$') {
        return Err(invalid());
    }
    Ok(Declaration {
        table: table.to_string(),
        field: field.to_string(),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_with_and_without_a_database() {
        let declared = DeclaredTypes::parse(Some(
            "emp.hired date, emp.created TIMESTAMP, hr.emp.hired timestamp with time zone, logs.a.b.at timestamp without time zone",
        ))
        .unwrap();
        assert_eq!(
            declared.for_collection("sales", "emp"),
            [
                ("hired".to_string(), DateKind::Date),
                ("created".to_string(), DateKind::Timestamp)
            ]
        );
        assert_eq!(
            declared.for_collection("hr", "emp"),
            [
                ("hired".to_string(), DateKind::Timestamptz),
                ("created".to_string(), DateKind::Timestamp)
            ]
        );
        // A collection name with a dot: the field is after the last dot.
        assert_eq!(
            declared.for_collection("logs", "a.b"),
            [("at".to_string(), DateKind::Timestamp)]
        );
        assert!(declared.for_collection("sales", "dept").is_empty());
    }

    #[test]
    fn absent_option_declares_nothing() {
        assert_eq!(
            DeclaredTypes::parse(None).unwrap(),
            DeclaredTypes::default()
        );
        assert_eq!(
            DeclaredTypes::parse(Some(" , ")).unwrap(),
            DeclaredTypes::default()
        );
    }

    #[test]
    fn bad_entries_are_refused_with_the_expected_form() {
        for text in [
            "hired date",
            "emp.hired",
            "emp.hired integer",
            ".hired date",
            "emp. date",
            "emp.$x date",
        ] {
            let err = DeclaredTypes::parse(Some(text)).unwrap_err();
            assert!(err.to_string().contains("column_types"), "{text}: {err}");
        }
    }
}
