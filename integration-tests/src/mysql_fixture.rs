//! The fixture MariaDB: 127.0.0.1:3306, user `root`, empty password (`scripts/backends.sh`
//! installs and starts it). SQL runs through the `mariadb` command-line client, so fixture
//! files are plain MariaDB scripts (several statements, `SET SESSION ...` lines, comments).
//! Nothing here skips when the server is missing: every helper fails with a message that says
//! how to start it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use crate::differential::{MY_HOST, MY_PASSWORD, MY_PORT, MY_USER};

/// The MariaDB database the slt fixtures (`fixtures/mysql/*.sql`) are loaded into.
pub const SLT_DATABASE: &str = "fedgate_slt_my";

/// `CREATE SERVER` for a mysql server on the fixture MariaDB whose connections use database
/// `database` by default and which exposes only that database as a schema.
pub fn create_server_sql(name: &str, database: &str) -> String {
    format!(
        "CREATE SERVER {} FOREIGN DATA WRAPPER mysql OPTIONS (url {}, databases {})",
        crate::quote_ident(name),
        crate::quote_literal(&format!("mysql://{MY_USER}@{MY_HOST}:{MY_PORT}/{database}")),
        crate::quote_literal(database)
    )
}

/// A MariaDB identifier: `` a`b `` becomes `` `a``b` ``.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Runs `sql` (one or more statements) through the `mariadb` client as `root` over TCP, in
/// database `database` when given, with `utf8mb4` as the connection character set and
/// `LOAD DATA LOCAL` allowed. Returns
/// what the client printed: rows tab-separated, without column names.
pub async fn run(database: Option<&str>, sql: &str) -> Result<String, String> {
    let database = database.map(str::to_string);
    let sql = sql.to_string();
    tokio::task::spawn_blocking(move || run_blocking(database.as_deref(), &sql))
        .await
        .map_err(|e| format!("the mariadb client task failed: {e}"))?
}

fn run_blocking(database: Option<&str>, sql: &str) -> Result<String, String> {
    let mut command = Command::new("mariadb");
    command
        .arg(format!("--host={MY_HOST}"))
        .arg(format!("--port={MY_PORT}"))
        .arg(format!("--user={MY_USER}"))
        .arg("--protocol=TCP")
        .arg("--default-character-set=utf8mb4")
        .arg("--batch")
        .arg("--skip-column-names")
        .arg("--connect-timeout=10")
        .arg("--local-infile=1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(database) = database {
        command.arg(format!("--database={database}"));
    }
    if MY_PASSWORD.is_empty() {
        command.env_remove("MYSQL_PWD");
    } else {
        command.env("MYSQL_PWD", MY_PASSWORD);
    }
    let mut child = command.spawn().map_err(|e| {
        format!("cannot run the `mariadb` client ({e}); scripts/backends.sh installs it")
    })?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(sql.as_bytes())
            .map_err(|e| format!("cannot write to the mariadb client: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("the mariadb client failed: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "MariaDB at {MY_HOST}:{MY_PORT} as {MY_USER}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Fails with a message saying how to start MariaDB unless it answers.
pub async fn ping() -> Result<(), String> {
    run(None, "SELECT 1").await.map(|_| ()).map_err(|e| {
        format!("{e}. The integration tests need MariaDB on {MY_HOST}:{MY_PORT}: run scripts/backends.sh")
    })
}

/// Drops database `name` and creates it empty, with MariaDB's default case-insensitive
/// collation `utf8mb4_general_ci` (the tests check that fedgate keeps byte-exact string
/// semantics over it).
pub async fn recreate_database(name: &str) -> Result<(), String> {
    ping().await?;
    let ident = quote_ident(name);
    run(
        None,
        &format!(
            "DROP DATABASE IF EXISTS {ident};\n\
             CREATE DATABASE {ident} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;"
        ),
    )
    .await
    .map(|_| ())
}

/// Recreates database `database` and runs every `*.sql` file of `dir` in it, in name order,
/// each in its own client session (so a file's `SET SESSION` does not leak into the next).
/// Returns the files that were run.
pub async fn load_fixtures(database: &str, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let files = crate::backend::fixture_files(dir)?;
    recreate_database(database).await?;
    for file in &files {
        let sql = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        run(Some(database), &sql)
            .await
            .map_err(|e| format!("fixture {} failed: {e}", file.display()))?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_server_sql() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(
            create_server_sql("my", "fedgate_slt_my"),
            "CREATE SERVER \"my\" FOREIGN DATA WRAPPER mysql OPTIONS \
             (url 'mysql://root@127.0.0.1:3306/fedgate_slt_my', databases 'fedgate_slt_my')"
        );
    }
}
