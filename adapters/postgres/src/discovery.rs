//! Discovery from the PostgreSQL catalog (`pg_namespace`, `pg_class`, `pg_attribute`,
//! `pg_type`). Names are always passed as query parameters, never spliced into SQL.
//!
//! - schemas: those the user has USAGE on, without `pg_catalog`, `information_schema`,
//!   `pg_toast*` and `pg_temp*`;
//! - tables: relkind `r`, `p`, `f` (tables) and `v`, `m` (views), without partitions that are
//!   children of a partitioned table;
//! - columns: in `attnum` order, dropped and system columns excluded, mapped with
//!   [`crate::types::map_column`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use fedgate_adapter_api::{TableEntry, TableKind};
use tokio_postgres::{Client, Error};

use crate::types::{map_column, PgTypeRow};

const SCHEMAS_SQL: &str = r"
SELECT n.nspname
FROM pg_catalog.pg_namespace n
WHERE pg_catalog.has_schema_privilege(n.oid, 'USAGE')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND n.nspname NOT LIKE 'pg\_temp%'
ORDER BY n.nspname";

const TABLES_SQL: &str = r"
SELECT c.relname, c.relkind::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND NOT c.relispartition
ORDER BY c.relname";

const RELATION_SQL: &str = r"
SELECT c.oid
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relname = $2
  AND c.relkind IN ('r', 'p', 'f', 'v', 'm')";

const COLUMNS_SQL: &str = r"
SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull,
       pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = $1
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attnum";

const TYPES_SQL: &str = r"
SELECT t.oid, t.typname, pg_catalog.format_type(t.oid, NULL), t.typtype::text,
       t.typbasetype, t.typtypmod, t.typelem, t.typlen,
       t.typnamespace = 'pg_catalog'::regnamespace
FROM pg_catalog.pg_type t
WHERE t.oid = ANY($1)";

/// Domains over domains over arrays...: more levels than this are not followed.
const MAX_TYPE_DEPTH: usize = 8;

pub async fn list_schemas(client: &Client) -> Result<Vec<String>, Error> {
    let rows = client.query(SCHEMAS_SQL, &[]).await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

pub async fn list_tables(client: &Client, schema: &str) -> Result<Vec<TableEntry>, Error> {
    let rows = client.query(TABLES_SQL, &[&schema]).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let kind: String = r.get(1);
            TableEntry {
                name: r.get(0),
                kind: if matches!(kind.as_str(), "v" | "m") {
                    TableKind::View
                } else {
                    TableKind::Table
                },
            }
        })
        .collect())
}

/// One column as the catalog describes it.
struct CatalogColumn {
    name: String,
    type_oid: u32,
    typmod: i32,
    not_null: bool,
    pg_type: String,
}

/// The Arrow schema of a table or view; `None` when it does not exist.
pub async fn table_schema(
    client: &Client,
    schema: &str,
    table: &str,
) -> Result<Option<SchemaRef>, Error> {
    let Some(relation) = client.query_opt(RELATION_SQL, &[&schema, &table]).await? else {
        return Ok(None);
    };
    let relation: u32 = relation.get(0);
    let columns: Vec<CatalogColumn> = client
        .query(COLUMNS_SQL, &[&relation])
        .await?
        .iter()
        .map(|r| CatalogColumn {
            name: r.get(0),
            type_oid: r.get(1),
            typmod: r.get(2),
            not_null: r.get(3),
            pg_type: r.get(4),
        })
        .collect();
    let types = load_types(client, columns.iter().map(|c| c.type_oid).collect()).await?;
    let fields: Vec<_> = columns
        .iter()
        .map(|c| map_column(&types, c.type_oid, c.typmod).field(&c.name, !c.not_null, &c.pg_type))
        .collect();
    Ok(Some(Arc::new(Schema::new(fields))))
}

/// The `pg_type` rows of `oids`, their domain base types and element types, recursively.
async fn load_types(
    client: &Client,
    mut pending: HashSet<u32>,
) -> Result<HashMap<u32, PgTypeRow>, Error> {
    let mut types = HashMap::new();
    for _ in 0..MAX_TYPE_DEPTH {
        if pending.is_empty() {
            break;
        }
        let oids: Vec<u32> = pending.drain().collect();
        for row in client.query(TYPES_SQL, &[&oids]).await? {
            let row = PgTypeRow {
                oid: row.get(0),
                name: row.get(1),
                display: row.get(2),
                typtype: row.get(3),
                base_type: row.get(4),
                base_typmod: row.get(5),
                elem: row.get(6),
                len: row.get(7),
                builtin: row.get(8),
            };
            types.insert(row.oid, row);
        }
        pending = types
            .values()
            .flat_map(|t| [t.base_type, t.elem])
            .filter(|oid| *oid != 0 && !types.contains_key(oid))
            .collect();
    }
    Ok(types)
}
