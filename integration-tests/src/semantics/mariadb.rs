//! Loading tables into a MariaDB database: the column types of [`LogicalType::mariadb`],
//! a database with MariaDB's default collation for `utf8mb4` (what `CREATE DATABASE ...
//! CHARACTER SET utf8mb4` gives a user: `utf8mb4_general_ci`, case-insensitive), values as
//! MariaDB literals (`TRUE`/`FALSE` for booleans, strings with MariaDB's backslash escapes).

use super::{fingerprint, LogicalType, Table, MARKER_TABLE};
use crate::differential::{my_ident, my_literal};
use crate::mysql_fixture;

/// `CREATE TABLE` of `table` for MariaDB; an error for a PostgreSQL-only column type.
pub fn mariadb_ddl(table: &Table) -> Result<String, String> {
    let mut columns = Vec::new();
    for (i, column) in table.columns.iter().enumerate() {
        let ty = column.ty.mariadb().ok_or_else(|| {
            format!(
                "{}.{}: MariaDB has no {}",
                table.name,
                column.name,
                column.ty.postgres()
            )
        })?;
        let key = if i == 0 { " PRIMARY KEY" } else { "" };
        columns.push(format!("{} {ty}{key}", my_ident(column.name)));
    }
    Ok(format!(
        "CREATE TABLE {} ({})",
        my_ident(table.name),
        columns.join(", ")
    ))
}

/// One value as a MariaDB literal of a column of type `ty`.
pub fn mariadb_value(ty: LogicalType, value: Option<&str>) -> String {
    match (ty, value) {
        (_, None) => "NULL".to_string(),
        (LogicalType::Bool, Some("t")) => "TRUE".to_string(),
        (LogicalType::Bool, Some(_)) => "FALSE".to_string(),
        (LogicalType::Int4 | LogicalType::Int8 | LogicalType::Numeric(..), Some(v)) => {
            v.to_string()
        }
        (_, Some(v)) => my_literal(v),
    }
}

/// `INSERT` of every row of `table`.
pub fn mariadb_insert(table: &Table) -> String {
    let rows: Vec<String> = table
        .rows
        .iter()
        .map(|row| {
            let values: Vec<String> = table
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| mariadb_value(c.ty, *v))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {} VALUES\n{}",
        my_ident(table.name),
        rows.join(",\n")
    )
}

/// The script that (re)creates database `database` with `tables`, strict mode on so that a
/// value MariaDB cannot store exactly fails instead of being adjusted.
pub fn mariadb_script(database: &str, tables: &[Table]) -> Result<String, String> {
    let db = my_ident(database);
    let mut script = format!(
        "DROP DATABASE IF EXISTS {db};\nCREATE DATABASE {db} CHARACTER SET utf8mb4;\n\
         USE {db};\nSET SESSION sql_mode = 'STRICT_ALL_TABLES';\n"
    );
    for table in tables {
        script.push_str(&format!(
            "{};\n{};\n",
            mariadb_ddl(table)?,
            mariadb_insert(table)
        ));
    }
    Ok(script)
}

/// Loads `tables` into MariaDB database `database` unless its marker says they are there.
pub async fn load_mariadb(database: &str, tables: &[Table]) -> Result<String, String> {
    let script = mariadb_script(database, tables)?;
    let version = fingerprint("mariadb", &script);
    mysql_fixture::ping().await?;
    let db = my_ident(database);
    let current = mysql_fixture::run(None, &format!("SELECT version FROM {db}.{MARKER_TABLE}"))
        .await
        .unwrap_or_default();
    if current.trim() == version {
        return Ok(format!("up to date ({version})"));
    }
    mysql_fixture::run(
        None,
        &format!(
            "{script}CREATE TABLE {MARKER_TABLE} (version VARCHAR(200) NOT NULL);\n\
             INSERT INTO {MARKER_TABLE} VALUES ({});\n",
            my_literal(&version)
        ),
    )
    .await?;
    Ok(format!("loaded {} tables ({version})", tables.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::{table, tables};

    #[test]
    fn ddl_and_values() {
        let emp = table("emp").unwrap();
        let ddl = mariadb_ddl(&emp).unwrap();
        assert!(ddl.starts_with("CREATE TABLE `emp` (`id` INT PRIMARY KEY, `name` TEXT"));
        assert!(ddl.contains("`salary` DECIMAL(10,2)") && ddl.contains("`created` DATETIME(6)"));
        assert_eq!(mariadb_value(LogicalType::Bool, Some("t")), "TRUE");
        assert_eq!(mariadb_value(LogicalType::Bool, Some("f")), "FALSE");
        assert_eq!(mariadb_value(LogicalType::Text, Some("a\\b")), "'a\\\\b'");
        assert_eq!(mariadb_value(LogicalType::Int8, None), "NULL");
        assert!(mariadb_ddl(&table("docs").unwrap()).is_err());
        let shared: Vec<Table> = tables().into_iter().filter(|t| t.everywhere()).collect();
        assert!(mariadb_script("db", &shared).is_ok());
    }
}
