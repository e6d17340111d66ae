//! Discovery from `information_schema`. Names are always passed as `?` parameters (prepared
//! statements), never spliced into SQL.
//!
//! - schemas: the databases in `SCHEMATA` (MySQL lists only those the user has some privilege
//!   on) that the server exposes (the `databases` option, or all but the system databases);
//! - tables: `TABLES` rows of the schema; `VIEW` / `SYSTEM VIEW` are views, everything else
//!   (`BASE TABLE`, MariaDB's `SYSTEM VERSIONED` tables and `SEQUENCE`s) are tables;
//! - columns: `COLUMNS` in `ORDINAL_POSITION` order, mapped with
//!   [`crate::types::map_column_type_with`] from `COLUMN_TYPE` (with the server's type
//!   options), nullable from `IS_NULLABLE`.
//!
//! `information_schema` compares names with a case-insensitive collation on MariaDB; every
//! lookup also compares the names as binary strings, so `Customers` never finds `customers`.

use std::sync::Arc;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use fedgate_adapter_api::{TableEntry, TableKind};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use crate::types::{map_column_type_with, TypeOptions};

const SCHEMAS_SQL: &str = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA";

const TABLES_SQL: &str = "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = ? AND CAST(TABLE_SCHEMA AS BINARY) = CAST(? AS BINARY)";

const COLUMNS_SQL: &str = "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE \
     FROM information_schema.COLUMNS \
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? \
       AND CAST(TABLE_SCHEMA AS BINARY) = CAST(? AS BINARY) \
       AND CAST(TABLE_NAME AS BINARY) = CAST(? AS BINARY) \
     ORDER BY ORDINAL_POSITION";

/// A text column of an `information_schema` row.
fn text(row: &Row, index: usize) -> String {
    match row.as_ref(index) {
        Some(mysql_async::Value::Bytes(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        Some(mysql_async::Value::NULL) | None => String::new(),
        Some(other) => mysql_async::from_value_opt::<String>(other.clone())
            .unwrap_or_else(|_| format!("{other:?}")),
    }
}

/// Every database name visible to the user, sorted.
pub async fn list_databases(conn: &mut Conn) -> Result<Vec<String>, mysql_async::Error> {
    let rows: Vec<Row> = conn.query(SCHEMAS_SQL).await?;
    let mut names: Vec<String> = rows.iter().map(|r| text(r, 0)).collect();
    names.sort();
    Ok(names)
}

/// The tables and views of one database, sorted by name.
pub async fn list_tables(
    conn: &mut Conn,
    schema: &str,
) -> Result<Vec<TableEntry>, mysql_async::Error> {
    let rows: Vec<Row> = conn.exec(TABLES_SQL, (schema, schema)).await?;
    let mut tables: Vec<TableEntry> = rows
        .iter()
        .map(|r| TableEntry {
            name: text(r, 0),
            kind: if matches!(text(r, 1).as_str(), "VIEW" | "SYSTEM VIEW") {
                TableKind::View
            } else {
                TableKind::Table
            },
        })
        .collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tables)
}

/// The Arrow schema of a table or view; `None` when it does not exist (a table always has a
/// column; a view whose definition no longer works has none either).
pub async fn table_schema(
    conn: &mut Conn,
    schema: &str,
    table: &str,
    options: TypeOptions,
) -> Result<Option<SchemaRef>, mysql_async::Error> {
    let rows: Vec<Row> = conn
        .exec(COLUMNS_SQL, (schema, table, schema, table))
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let fields: Vec<_> = rows
        .iter()
        .map(|r| {
            let column_type = text(r, 1);
            let nullable = text(r, 2) != "NO";
            map_column_type_with(&column_type, options).field(&text(r, 0), nullable, &column_type)
        })
        .collect();
    Ok(Some(Arc::new(Schema::new(fields))))
}
