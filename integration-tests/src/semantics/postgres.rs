//! Loading tables into a PostgreSQL database (the oracle and the PostgreSQL placement):
//! generated DDL and `INSERT`s of the values' text, which PostgreSQL reads with each
//! column's type input function, so the stored values are exactly the dataset's text.

use super::{fingerprint, LogicalType, Table, MARKER_TABLE};
use crate::{backend, quote_ident, quote_literal};

/// The locale of the loaded databases: byte-order collation and Unicode case mapping, what
/// a cluster initialised with a UTF-8 locale gives its users (`upper('é')` is `É`; the `C`
/// locale would leave it alone).
pub const POSTGRES_LOCALE: &str = "C.UTF-8";

/// `CREATE TABLE` of `table` (first column the primary key).
pub fn postgres_ddl(table: &Table) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let key = if i == 0 { " PRIMARY KEY" } else { "" };
            format!("{} {}{key}", quote_ident(c.name), c.ty.postgres())
        })
        .collect();
    format!(
        "CREATE TABLE {} ({})",
        quote_ident(table.name),
        columns.join(", ")
    )
}

/// `INSERT` of every row of `table`, each value a string literal of its text.
pub fn postgres_insert(table: &Table) -> String {
    let rows: Vec<String> = table
        .rows
        .iter()
        .map(|row| {
            let values: Vec<String> = row
                .iter()
                .map(|v| v.map_or_else(|| "NULL".to_string(), quote_literal))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} VALUES\n{}",
        quote_ident(table.name),
        rows.join(",\n")
    )
}

/// The whole script that loads `tables`.
pub fn postgres_script(tables: &[Table]) -> String {
    tables
        .iter()
        .map(|t| format!("{};\n{};\n", postgres_ddl(t), postgres_insert(t)))
        .collect()
}

/// `UPDATE`s that cut every `timestamp` value of `tables` to milliseconds (toward the past,
/// as a BSON date holds them: `.999999` is `.999`, `00:00:00.000001` is `00:00:00`).
pub fn milliseconds_script(tables: &[Table]) -> String {
    let mut script = String::new();
    for table in tables {
        for column in table
            .columns
            .iter()
            .filter(|c| c.ty == LogicalType::Timestamp)
        {
            let column = quote_ident(column.name);
            script.push_str(&format!(
                "UPDATE {} SET {column} = date_trunc('milliseconds', {column});\n",
                quote_ident(table.name)
            ));
        }
    }
    script
}

/// Loads `tables` into PostgreSQL database `dbname` unless its marker says they are there
/// (the database is recreated otherwise). Returns what it did, for the log.
pub async fn load_postgres(dbname: &str, tables: &[Table]) -> Result<String, String> {
    load_postgres_script(dbname, tables.len(), postgres_script(tables)).await
}

/// Loads `tables` as [`load_postgres`] does, with their timestamps cut to milliseconds: the
/// oracle of a placement whose backend holds milliseconds (MongoDB).
pub async fn load_postgres_at_milliseconds(
    dbname: &str,
    tables: &[Table],
) -> Result<String, String> {
    let script = postgres_script(tables) + &milliseconds_script(tables);
    load_postgres_script(dbname, tables.len(), script).await
}

async fn load_postgres_script(
    dbname: &str,
    table_count: usize,
    script: String,
) -> Result<String, String> {
    let version = fingerprint("postgres", &script);
    if postgres_marker(dbname).await.as_deref() == Some(version.as_str()) {
        return Ok(format!("up to date ({version})"));
    }
    backend::recreate_database_with_locale(dbname, POSTGRES_LOCALE).await?;
    let client = backend::connect(dbname).await?;
    client
        .batch_execute(&format!(
            "{script}ANALYZE;\nCREATE TABLE {MARKER_TABLE} (version text NOT NULL);\n\
             INSERT INTO {MARKER_TABLE} VALUES ({});",
            quote_literal(&version)
        ))
        .await
        .map_err(|e| format!("PostgreSQL {dbname}: {}", backend::describe(&e)))?;
    Ok(format!("loaded {table_count} tables ({version})"))
}

/// The fingerprint a database was loaded with, when it exists and has one.
async fn postgres_marker(dbname: &str) -> Option<String> {
    let admin = backend::connect("postgres").await.ok()?;
    admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&dbname])
        .await
        .ok()??;
    let client = backend::connect(dbname).await.ok()?;
    let sql = format!("SELECT version FROM {MARKER_TABLE}");
    let rows = client.query(sql.as_str(), &[]).await.ok()?;
    rows.first().map(|r| r.get::<_, String>(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::table;

    #[test]
    fn ddl_and_inserts() {
        let dept = table("dept").unwrap();
        assert_eq!(
            postgres_ddl(&dept),
            "CREATE TABLE \"dept\" (\"id\" int4 PRIMARY KEY, \"name\" text, \"floor\" int4, \
             \"budget\" numeric(12,2), \"opened\" date, \"head_id\" int4)"
        );
        let insert = postgres_insert(&dept);
        assert!(insert.contains("('5', 'Legal', '4', NULL, '2020-02-29', NULL)"));
        let emp = postgres_insert(&table("emp").unwrap());
        assert!(emp.contains("'O''Brien'"), "{emp}");
        let cut = milliseconds_script(&[table("emp").unwrap(), dept]);
        assert_eq!(
            cut,
            "UPDATE \"emp\" SET \"created\" = date_trunc('milliseconds', \"created\");\n"
        );
    }
}
