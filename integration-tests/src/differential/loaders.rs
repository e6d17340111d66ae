//! Loading the dataset into PostgreSQL, MariaDB and the oracle (idempotent: a marker table holds the fingerprint of what was loaded).

use super::*;
use crate::{backend, quote_ident, quote_literal};
use bytes::Bytes;
use futures::SinkExt;
use std::fmt::Write as _;
/// Loads `tables` of `data` into PostgreSQL database `dbname` unless its marker says they are
/// there. Returns what it did, for the log.
pub async fn load_postgres(
    data: &Dataset,
    dbname: &str,
    tables: &[String],
) -> Result<String, String> {
    let version = data.fingerprint("postgres", tables)?;
    let admin = backend::connect("postgres").await?;
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&dbname])
        .await
        .map_err(|e| format!("PostgreSQL: {}", backend::describe(&e)))?
        .is_some();
    if exists {
        let client = backend::connect(dbname).await?;
        let sql = format!("SELECT version FROM {MARKER_TABLE}");
        if let Ok(rows) = client.query(sql.as_str(), &[]).await {
            if rows.first().map(|r| r.get::<_, String>(0)).as_deref() == Some(version.as_str()) {
                return Ok(format!("up to date ({version})"));
            }
        }
    }
    drop(admin);

    let started = std::time::Instant::now();
    backend::recreate_database(dbname).await?;
    let client = backend::connect(dbname).await?;
    for name in tables {
        let source = data.table(name)?;
        client
            .batch_execute(&source.ddl)
            .await
            .map_err(|e| format!("{dbname}: CREATE TABLE {name}: {}", backend::describe(&e)))?;
        let text = read(&source.tbl)?;
        let expected = tbl_rows(&text, source.header);
        let copy = tbl_to_copy_text(&text, source.header);
        let statement = format!(
            "COPY {} FROM STDIN (FORMAT text, DELIMITER '|', NULL '\\N')",
            quote_ident(name)
        );
        let sink = client
            .copy_in::<_, Bytes>(statement.as_str())
            .await
            .map_err(|e| format!("{dbname}: COPY {name}: {}", backend::describe(&e)))?;
        futures::pin_mut!(sink);
        sink.send(Bytes::from(copy))
            .await
            .map_err(|e| format!("{dbname}: COPY {name}: {}", backend::describe(&e)))?;
        let copied = sink
            .as_mut()
            .finish()
            .await
            .map_err(|e| format!("{dbname}: COPY {name}: {}", backend::describe(&e)))?;
        if copied != expected {
            return Err(format!(
                "{dbname}: COPY {name} loaded {copied} rows, {} has {expected}",
                source.tbl.display()
            ));
        }
    }
    client
        .batch_execute(&format!(
            "ANALYZE; CREATE TABLE {MARKER_TABLE} (version TEXT NOT NULL); \
             INSERT INTO {MARKER_TABLE} VALUES ({})",
            quote_literal(&version)
        ))
        .await
        .map_err(|e| format!("{dbname}: {}", backend::describe(&e)))?;
    Ok(format!(
        "loaded {} tables in {:.1}s ({version})",
        tables.len(),
        started.elapsed().as_secs_f64()
    ))
}

/// Runs SQL through the `mariadb` command-line client on the fixture MariaDB; returns what it
/// printed (tab-separated, no column names).
pub async fn mariadb(sql: String) -> Result<String, String> {
    crate::mysql_fixture::run(None, &sql).await
}

/// A MariaDB string literal (backslashes are escapes there).
pub(crate) fn my_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// A MariaDB identifier.
pub(crate) fn my_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Loads `tables` of `data` into MariaDB database `database` unless its marker says they are
/// there.
pub async fn load_mariadb(
    data: &Dataset,
    database: &str,
    tables: &[String],
) -> Result<String, String> {
    let version = data.fingerprint("mariadb", tables)?;
    mariadb("SELECT 1".to_string()).await.map_err(|e| {
        format!("{e}. The differential test needs MariaDB: run scripts/backends.sh")
    })?;
    let db = my_ident(database);
    let current = mariadb(format!("SELECT version FROM {db}.{MARKER_TABLE}"))
        .await
        .unwrap_or_default();
    if current.trim() == version {
        return Ok(format!("up to date ({version})"));
    }

    let started = std::time::Instant::now();
    let mut script = format!(
        "DROP DATABASE IF EXISTS {db};\n\
         CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;\n\
         USE {db};\n\
         SET SESSION sql_mode = 'STRICT_TRANS_TABLES';\n"
    );
    let mut expected = Vec::new();
    for name in tables {
        let source = data.table(name)?;
        expected.push((name.clone(), tbl_rows(&read(&source.tbl)?, source.header)));
        let path = source
            .tbl
            .canonicalize()
            .map_err(|e| format!("{}: {e}", source.tbl.display()))?;
        let _ = writeln!(script, "{};", source.ddl);
        let _ = writeln!(
            script,
            "LOAD DATA LOCAL INFILE {} INTO TABLE {} CHARACTER SET utf8mb4 \
             FIELDS TERMINATED BY '|' LINES TERMINATED BY '|\\n'{};",
            my_literal(&path.to_string_lossy()),
            my_ident(name),
            if source.header { " IGNORE 1 LINES" } else { "" }
        );
    }
    mariadb(script).await?;
    let counts = tables
        .iter()
        .map(|t| {
            format!(
                "SELECT {}, COUNT(*) FROM {db}.{}",
                my_literal(t),
                my_ident(t)
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let printed = mariadb(counts).await?;
    for (name, rows) in &expected {
        let found = printed
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}\t")))
            .map(str::trim);
        if found != Some(rows.to_string().as_str()) {
            return Err(format!(
                "MariaDB {database}.{name}: loaded {} rows, expected {rows}",
                found.unwrap_or("?")
            ));
        }
    }
    let analyze = tables
        .iter()
        .map(|t| format!("{db}.{}", my_ident(t)))
        .collect::<Vec<_>>()
        .join(", ");
    mariadb(format!(
        "ANALYZE TABLE {analyze};\n\
         CREATE TABLE {db}.{MARKER_TABLE} (version VARCHAR(200) NOT NULL);\n\
         INSERT INTO {db}.{MARKER_TABLE} VALUES ({});\n",
        my_literal(&version)
    ))
    .await?;
    Ok(format!(
        "loaded {} tables in {:.1}s ({version})",
        tables.len(),
        started.elapsed().as_secs_f64()
    ))
}

/// Loads every table into the oracle database.
pub async fn load_oracle(data: &Dataset) -> Result<String, String> {
    let tables: Vec<String> = all_tables().iter().map(|t| t.to_string()).collect();
    load_postgres(data, ORACLE_DATABASE, &tables).await
}
