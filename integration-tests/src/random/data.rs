//! The random test's dataset and where it lives.
//!
//! The tables are the semantics dataset's shared tables (`emp`, `dept`, `nums`, `words`,
//! `events`: case, accents, trailing spaces, NULLs, type limits, 0.1, leap days,
//! microseconds) plus `slots`, a table of MySQL traps that only MariaDB can hold:
//!
//! * zero and non-calendar dates (`0000-00-00`, `2024-02-30`, `2024-00-10`,
//!   `0000-00-00 00:00:00`): fedgate reads them as NULL (adapters/mysql/TYPES.md), so the
//!   oracle and the other backends hold NULL there;
//! * a `BOOLEAN` (`TINYINT(1)`) holding 2 and -1: fedgate reads non-zero as true, so the
//!   oracle holds `true`;
//! * text that MariaDB's case- and accent-insensitive PAD SPACE collation calls equal to the
//!   department names (`sales`, `Sales `, `ENGINEERING`, `Légal`).
//!
//! Every table is loaded into four databases of its own (so the SQL-surface test's
//! databases are never touched): the PostgreSQL oracle [`ORACLE_DATABASE`] and the
//! PostgreSQL, MariaDB and MongoDB databases behind the gateway servers [`PG_SERVER`],
//! [`MY_SERVER`] and [`MONGO_SERVER`]. Loading is idempotent (the semantics loaders'
//! fingerprint markers; MariaDB's script is this module's, with the marker written last).

use crate::differential::{my_ident, my_literal};
use crate::semantics::{
    self, load_mongodb, load_postgres, mariadb_ddl, mariadb_insert, Column, LogicalType, Table,
    MARKER_TABLE,
};
use crate::{backend, mongo_fixture, mysql_fixture};

/// The PostgreSQL database holding every table: the oracle.
pub const ORACLE_DATABASE: &str = "fedgate_random_oracle";

/// The PostgreSQL database behind server [`PG_SERVER`].
pub const PG_DATABASE: &str = "fedgate_random_pg";

/// The MariaDB database behind server [`MY_SERVER`] (its only schema).
pub const MY_DATABASE: &str = "fedgate_random";

/// The MongoDB database behind server [`MONGO_SERVER`] (its only schema).
pub const MONGO_DATABASE: &str = "fedgate_random";

/// The gateway's server names.
pub const PG_SERVER: &str = "pg";
pub const MY_SERVER: &str = "mysql";
pub const MONGO_SERVER: &str = "mongodb";

/// Bumped when the MariaDB script changes in a way its text does not show.
const MY_LOADER_REVISION: &str = "random-1";

/// The tables of the semantics dataset the random test uses (every backend holds them).
const SEMANTICS_TABLES: &[&str] = &["emp", "dept", "nums", "words", "events"];

/// One value of `slots`: what the oracle holds and what MariaDB holds (`None` for NULL).
struct Trap {
    oracle: Option<&'static str>,
    mariadb: Option<&'static str>,
}

const fn same(v: Option<&'static str>) -> Trap {
    Trap {
        oracle: v,
        mariadb: v,
    }
}

/// A value MariaDB holds that fedgate reads as `oracle`.
const fn mysql(mariadb: &'static str, oracle: Option<&'static str>) -> Trap {
    Trap {
        oracle,
        mariadb: Some(mariadb),
    }
}

const SLOTS_COLUMNS: &[(&str, LogicalType)] = &[
    ("id", LogicalType::Int4),
    ("d", LogicalType::Date),
    ("ts", LogicalType::Timestamp),
    ("ok", LogicalType::Bool),
    ("tag", LogicalType::Text),
    ("qty", LogicalType::Int4),
];

fn slots_rows() -> Vec<[Trap; 6]> {
    vec![
        [
            same(Some("1")),
            same(Some("2024-02-29")),
            same(Some("2024-02-29 00:00:00")),
            same(Some("t")),
            same(Some("Sales")),
            same(Some("3")),
        ],
        [
            same(Some("2")),
            mysql("0000-00-00", None),
            mysql("0000-00-00 00:00:00", None),
            mysql("2", Some("t")),
            same(Some("sales")),
            same(Some("-3")),
        ],
        [
            same(Some("3")),
            mysql("2024-02-30", None),
            same(Some("2000-01-01 12:00:00")),
            mysql("-1", Some("t")),
            same(Some("Sales ")),
            same(Some("0")),
        ],
        [
            same(Some("4")),
            mysql("2024-00-10", None),
            mysql("2023-00-00 10:00:00", None),
            same(Some("f")),
            same(Some("ENGINEERING")),
            same(None),
        ],
        [
            same(Some("5")),
            same(Some("1970-01-01")),
            same(None),
            same(None),
            same(Some("Légal")),
            same(Some("7")),
        ],
        [
            same(Some("6")),
            same(Some("0001-01-01")),
            same(Some("9999-12-31 23:59:59.999999")),
            same(Some("f")),
            same(Some("Engineering")),
            same(Some("2")),
        ],
        [
            same(Some("7")),
            same(None),
            same(Some("2016-02-29 23:59:59.999999")),
            same(Some("t")),
            same(None),
            same(Some("3")),
        ],
        [
            same(Some("8")),
            same(Some("2000-02-29")),
            mysql("0000-00-00 00:00:00", None),
            mysql("2", Some("t")),
            same(Some("")),
            same(Some("-7")),
        ],
    ]
}

fn slots(mariadb: bool) -> Table {
    Table {
        name: "slots",
        columns: SLOTS_COLUMNS
            .iter()
            .map(|&(name, ty)| Column { name, ty })
            .collect(),
        rows: slots_rows()
            .into_iter()
            .map(|row| {
                row.iter()
                    .map(|t| if mariadb { t.mariadb } else { t.oracle })
                    .collect()
            })
            .collect(),
    }
}

/// Every table as the oracle (and PostgreSQL, MongoDB) hold it.
pub fn tables() -> Vec<Table> {
    let mut tables: Vec<Table> = SEMANTICS_TABLES
        .iter()
        .filter_map(|name| semantics::table(name))
        .collect();
    tables.push(slots(false));
    tables
}

/// Loads the oracle and the three backends (each only when its marker differs).
/// Returns one line per database, for the log.
pub async fn load_all() -> Result<Vec<String>, String> {
    let tables = tables();
    let mut log = Vec::new();
    log.push(format!(
        "oracle {ORACLE_DATABASE}: {}",
        load_postgres(ORACLE_DATABASE, &tables).await?
    ));
    log.push(format!(
        "PostgreSQL {PG_DATABASE}: {}",
        load_postgres(PG_DATABASE, &tables).await?
    ));
    log.push(format!("MariaDB {MY_DATABASE}: {}", load_mariadb().await?));
    log.push(format!(
        "MongoDB {MONGO_DATABASE}: {}",
        load_mongodb(MONGO_DATABASE, &tables).await?
    ));
    Ok(log)
}

/// The MariaDB script: the semantics tables as the semantics loader writes them, then
/// `slots` with its MySQL-only values under a permissive `sql_mode` (zero and invalid dates).
pub fn mariadb_script() -> Result<String, String> {
    let db = my_ident(MY_DATABASE);
    let mut script = format!(
        "DROP DATABASE IF EXISTS {db};\nCREATE DATABASE {db} CHARACTER SET utf8mb4;\n\
         USE {db};\nSET SESSION sql_mode = 'STRICT_ALL_TABLES';\n"
    );
    for table in tables().iter().filter(|t| t.name != "slots") {
        script.push_str(&format!(
            "{};\n{};\n",
            mariadb_ddl(table)?,
            mariadb_insert(table)
        ));
    }
    let slots = slots(true);
    script.push_str(&format!("{};\n", mariadb_ddl(&slots)?));
    script.push_str("SET SESSION sql_mode = 'ALLOW_INVALID_DATES';\n");
    let rows: Vec<String> = slots
        .rows
        .iter()
        .map(|row| {
            let values: Vec<String> = row
                .iter()
                .zip(&slots.columns)
                .map(|(v, c)| match (v, c.ty) {
                    (None, _) => "NULL".to_string(),
                    (Some(v), LogicalType::Int4) => v.to_string(),
                    // Booleans as the numbers MariaDB stores (TRUE is 1).
                    (Some("t"), LogicalType::Bool) => "1".to_string(),
                    (Some("f"), LogicalType::Bool) => "0".to_string(),
                    (Some(v), LogicalType::Bool) => v.to_string(),
                    (Some(v), _) => my_literal(v),
                })
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    script.push_str(&format!(
        "INSERT INTO {} VALUES\n{};\n",
        my_ident("slots"),
        rows.join(",\n")
    ));
    Ok(script)
}

async fn load_mariadb() -> Result<String, String> {
    let script = mariadb_script()?;
    let version = semantics::fingerprint(MY_LOADER_REVISION, &script);
    mysql_fixture::ping().await?;
    let db = my_ident(MY_DATABASE);
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
    Ok(format!("loaded {} tables ({version})", tables().len()))
}

/// The `CREATE SERVER` statements registering the three backends in the gateway.
pub fn create_server_statements() -> Vec<String> {
    vec![
        crate::create_postgres_server_sql(PG_SERVER, PG_DATABASE),
        mysql_fixture::create_server_sql(MY_SERVER, MY_DATABASE),
        mongo_fixture::create_server_sql(MONGO_SERVER, MONGO_DATABASE),
    ]
}

/// Makes sure the fixture PostgreSQL answers (a clear message when it does not).
pub async fn ping_postgres() -> Result<(), String> {
    backend::connect("postgres").await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_traps() {
        let oracle = slots(false);
        let my = slots(true);
        assert_eq!(oracle.rows.len(), my.rows.len());
        assert_eq!(my.rows[1][1], Some("0000-00-00"));
        assert_eq!(oracle.rows[1][1], None);
        assert_eq!(oracle.rows[1][3], Some("t"));
        // Every column has a value (MongoDB infers columns from the values it samples).
        for i in 0..oracle.columns.len() {
            assert!(oracle.rows.iter().any(|r| r[i].is_some()));
        }
        // The first row has every field, so MongoDB's column order is the table's.
        assert!(oracle.rows[0].iter().all(Option::is_some));
    }

    #[test]
    fn mariadb_script_has_the_zero_dates() {
        let script = mariadb_script().unwrap();
        assert!(script.contains("'0000-00-00'"));
        assert!(script.contains("ALLOW_INVALID_DATES"));
        assert!(script.contains("(2, '0000-00-00', '0000-00-00 00:00:00', 2, 'sales', -3)"));
        assert_eq!(tables().len(), 6);
    }
}
