//! The fixture PostgreSQL: 127.0.0.1:5432, user `postgres`, trust authentication
//! (`scripts/backends.sh` installs and starts it). Tests never skip when it is missing:
//! every helper fails with a message that says how to start it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

pub const PG_HOST: &str = "127.0.0.1";
pub const PG_PORT: u16 = 5432;
pub const PG_USER: &str = "postgres";

/// A session on the fixture PostgreSQL, database `dbname`.
pub async fn connect(dbname: &str) -> Result<Client, String> {
    let (client, connection) = tokio_postgres::Config::new()
        .host(PG_HOST)
        .port(PG_PORT)
        .user(PG_USER)
        .dbname(dbname)
        .application_name("fedgate-integration-tests")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .await
        .map_err(|e| {
            format!(
                "cannot connect to PostgreSQL at {PG_HOST}:{PG_PORT} as {PG_USER}, database \
                 {dbname}: {e}. The integration tests need it: run scripts/backends.sh"
            )
        })?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// How long [`lock_database`] waits for another test run to finish with the database.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(900);

/// Serializes test runs that use database `name` on the shared fixture PostgreSQL (two
/// `cargo test` runs on one machine would otherwise drop each other's fixtures): takes a
/// session-level advisory lock derived from the name and returns the session holding it.
/// Keep the returned client alive for as long as the database is in use.
pub async fn lock_database(name: &str) -> Result<Client, String> {
    let session = connect("postgres").await?;
    let key = name.bytes().fold(0x0066_6564_6761_7465_i64, |h, b| {
        h.wrapping_mul(31).wrapping_add(i64::from(b))
    });
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&key];
    let lock = session.execute("SELECT pg_advisory_lock($1)", &params);
    match tokio::time::timeout(LOCK_TIMEOUT, lock).await {
        Ok(Ok(_)) => Ok(session),
        Ok(Err(e)) => Err(format!("cannot lock database {name}: {}", describe(&e))),
        Err(_) => Err(format!(
            "another test run held database {name} for more than {}s",
            LOCK_TIMEOUT.as_secs()
        )),
    }
}

/// Drops database `name` (closing its sessions) and creates it empty, with encoding UTF8
/// and collation `C` (byte order), so sorting text gives the same order whether PostgreSQL
/// or the gateway sorts, whatever locale the cluster was created with.
pub async fn recreate_database(name: &str) -> Result<(), String> {
    recreate_database_with_locale(name, "C").await
}

/// Drops database `name` (closing its sessions) and creates it empty, with encoding UTF8
/// and `locale` as its collation and character classification (`C.UTF-8`: byte order, and
/// `upper('é')` is `É` as for a user whose database is UTF-8).
pub async fn recreate_database_with_locale(name: &str, locale: &str) -> Result<(), String> {
    let admin = connect("postgres").await?;
    let ident = crate::quote_ident(name);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {ident} WITH (FORCE)"))
        .await
        .map_err(|e| format!("DROP DATABASE {name}: {}", describe(&e)))?;
    let locale = crate::quote_literal(locale);
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {ident} TEMPLATE template0 ENCODING 'UTF8' \
             LC_COLLATE {locale} LC_CTYPE {locale}"
        ))
        .await
        .map_err(|e| format!("CREATE DATABASE {name}: {}", describe(&e)))?;
    Ok(())
}

/// The `*.sql` files of `dir`, sorted by name.
pub fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

/// Recreates database `dbname` and runs every `*.sql` file of `dir` in it, in name order.
/// Returns the files that were run.
pub async fn load_fixtures(dbname: &str, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let files = fixture_files(dir)?;
    recreate_database(dbname).await?;
    let client = connect(dbname).await?;
    for file in &files {
        let sql = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| format!("fixture {} failed: {}", file.display(), describe(&e)))?;
    }
    Ok(files)
}

/// Creates PostgreSQL database `name` anew and runs `setup` in it, under the database's
/// advisory lock (see [`lock_database`]); returns the session holding the lock. Panics on
/// failure (for tests).
pub async fn fresh_database(name: &str, setup: &str) -> Client {
    let lock = lock_database(name).await.unwrap_or_else(|e| panic!("{e}"));
    recreate_database(name)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pg = connect(name).await.unwrap_or_else(|e| panic!("{e}"));
    pg.batch_execute(setup)
        .await
        .unwrap_or_else(|e| panic!("{}", describe(&e)));
    lock
}

/// The rows of a simple query's messages as text, NULL as `NULL`.
pub fn text_rows(messages: Vec<SimpleQueryMessage>) -> Vec<Vec<String>> {
    messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or("NULL").to_string())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// `SQLSTATE: message` for a database error, the error text otherwise.
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}
