//! The placements of the semantics dataset: where a suite finds the tables through fedgate.
//! Each is one backend holding every table it can, registered in the gateway as one server
//! named after the placement, with the `server.schema` entry a session puts in its
//! `search_path` so statements name the tables unqualified.

use std::path::{Path, PathBuf};

use tokio_postgres::Client;

use super::{
    load_mariadb, load_mongodb, load_postgres, tables, write_parquet, LogicalType, Table,
    MONGO_DATABASE, MY_DATABASE, ORACLE_DATABASE, ORACLE_MS_DATABASE, PARQUET_SCHEMA, PG_DATABASE,
};
use crate::{mongo_fixture, mysql_fixture, quote_ident};

/// Which backend a placement is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Backend {
    Postgres,
    MariaDb,
    MongoDb,
    /// Parquet files under this root (in its [`PARQUET_SCHEMA`] directory).
    Parquet(PathBuf),
}

/// One backend holding the dataset, registered in the gateway as server [`Placement::name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    name: &'static str,
    backend: Backend,
}

/// The names of every placement, in the order suites run them.
pub const PLACEMENT_NAMES: &[&str] = &["pg", "mysql", "mongodb", "parquet"];

/// Every placement; the Parquet files go under `parquet_root` (a directory of the caller's).
pub fn placements(parquet_root: &Path) -> Vec<Placement> {
    vec![
        Placement {
            name: "pg",
            backend: Backend::Postgres,
        },
        Placement {
            name: "mysql",
            backend: Backend::MariaDb,
        },
        Placement {
            name: "mongodb",
            backend: Backend::MongoDb,
        },
        Placement {
            name: "parquet",
            backend: Backend::Parquet(parquet_root.to_path_buf()),
        },
    ]
}

impl Placement {
    /// The placement's name, also its server name in the gateway and the database a
    /// gateway session connects to (so catalog views are scoped to it).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether it is a PostgreSQL server (which holds the PostgreSQL-only tables too).
    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Whether it holds the table named `table`.
    pub fn holds(&self, table: &str) -> bool {
        self.tables().iter().any(|t| t.name == table)
    }

    /// The tables it holds: all on PostgreSQL, the ones every backend can hold elsewhere.
    pub fn tables(&self) -> Vec<Table> {
        tables()
            .into_iter()
            .filter(|t| self.is_postgres() || t.everywhere())
            .collect()
    }

    /// What and where it is, for the log.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Postgres => format!("PostgreSQL database {PG_DATABASE}"),
            Backend::MariaDb => format!("MariaDB database {MY_DATABASE}"),
            Backend::MongoDb => format!("MongoDB database {MONGO_DATABASE}"),
            Backend::Parquet(root) => {
                format!("Parquet files in {}", root.join(PARQUET_SCHEMA).display())
            }
        }
    }

    /// Makes the backend hold its tables (loading them unless they are there already; the
    /// Parquet files are written from the oracle's rows). Returns what it did, for the log.
    pub async fn prepare(&self, oracle: &Client) -> Result<String, String> {
        let tables = self.tables();
        match &self.backend {
            Backend::Postgres => load_postgres(PG_DATABASE, &tables).await,
            Backend::MariaDb => load_mariadb(MY_DATABASE, &tables).await,
            Backend::MongoDb => load_mongodb(MONGO_DATABASE, &tables).await,
            Backend::Parquet(root) => {
                write_parquet(oracle, &root.join(PARQUET_SCHEMA), &tables).await
            }
        }
    }

    /// The `CREATE SERVER` statement that registers it in the gateway.
    pub fn create_server_sql(&self) -> String {
        match &self.backend {
            Backend::Postgres => crate::create_postgres_server_sql(self.name, PG_DATABASE),
            Backend::MariaDb => mysql_fixture::create_server_sql(self.name, MY_DATABASE),
            Backend::MongoDb => mongo_create_server_sql(self.name, &self.tables()),
            Backend::Parquet(root) => crate::create_files_server_sql(self.name, root),
        }
    }

    /// The oracle database holding the same data as this placement: MongoDB keeps
    /// timestamps in milliseconds, so its oracle's are cut the same way.
    pub fn oracle_database(&self) -> &'static str {
        match self.backend {
            Backend::MongoDb => ORACLE_MS_DATABASE,
            _ => ORACLE_DATABASE,
        }
    }

    /// Its `server.schema` entry for a session's `search_path`.
    pub fn search_path_entry(&self) -> String {
        let schema = match &self.backend {
            Backend::Postgres => "public",
            Backend::MariaDb => MY_DATABASE,
            Backend::MongoDb => MONGO_DATABASE,
            Backend::Parquet(_) => PARQUET_SCHEMA,
        };
        format!("{}.{}", quote_ident(self.name), quote_ident(schema))
    }
}

/// The MongoDB placement's server: the dataset's `date` and `timestamp` columns are BSON
/// dates, declared with their PostgreSQL types in `column_types` as a user would.
fn mongo_create_server_sql(name: &str, tables: &[Table]) -> String {
    let declared: Vec<String> = tables
        .iter()
        .flat_map(|table| {
            table.columns.iter().filter_map(move |column| {
                let kind = match column.ty {
                    LogicalType::Date => "date",
                    LogicalType::Timestamp => "timestamp",
                    _ => return None,
                };
                Some(format!("{}.{} {kind}", table.name, column.name))
            })
        })
        .collect();
    let server = mongo_fixture::create_server_sql(name, MONGO_DATABASE);
    if declared.is_empty() {
        return server;
    }
    let options_end = server
        .rfind(')')
        .expect("CREATE SERVER ends with its OPTIONS");
    format!(
        "{}, column_types {})",
        &server[..options_end],
        crate::quote_literal(&declared.join(", "))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_hold_what_their_backend_can() {
        let all = placements(Path::new("/nonexistent"));
        let names: Vec<&str> = all.iter().map(Placement::name).collect();
        assert_eq!(names, PLACEMENT_NAMES);
        let pg = &all[0];
        assert!(pg.holds("docs") && pg.holds("emp"));
        for other in &all[1..] {
            assert!(!other.holds("docs"), "{}", other.name());
            assert!(
                other.holds("emp") && other.holds("events"),
                "{}",
                other.name()
            );
        }
        assert_eq!(all[1].search_path_entry(), "\"mysql\".\"fedgate_surface\"");
        assert!(all[3]
            .create_server_sql()
            .contains("FOREIGN DATA WRAPPER files"));
        let mongo = all[2].create_server_sql();
        assert!(
            mongo.contains("events.d date") && mongo.contains("events.ts timestamp"),
            "{mongo}"
        );
    }
}
