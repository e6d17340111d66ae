//! The dataset: the TPC-H tables at SF 0.01 and the extra tables, their DDL, and the fingerprint that says whether a loaded database is current.

use super::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
/// Where one table's rows come from.
#[derive(Debug, Clone)]
pub struct TableSource {
    pub name: String,
    /// `CREATE TABLE` text (PostgreSQL and MariaDB alike).
    pub ddl: String,
    /// dbgen's format: fields followed by `|`, `\N` for NULL.
    pub tbl: PathBuf,
    /// Whether the first line of `tbl` holds the column names.
    pub header: bool,
    /// The same rows as Parquet, when the generator made them.
    pub parquet: Option<PathBuf>,
}

/// The generated data plus the repository's extra tables.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// What made the generated data (`VERSION` of the data directory).
    pub version: String,
    pub dir: PathBuf,
    tables: BTreeMap<String, TableSource>,
}

impl Dataset {
    /// Runs `scripts/differential-data.sh` (which generates the data unless it is there) and
    /// reads the schema files.
    pub fn prepare() -> Result<Dataset, String> {
        let script = crate::repo_root()
            .join("scripts")
            .join("differential-data.sh");
        let mut command = Command::new("bash");
        command
            .arg(&script)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(dir) = std::env::var_os("DIFF_DATA_DIR") {
            command.arg(dir);
        } else if let Some(target) = target_dir() {
            command.env("CARGO_TARGET_DIR", target);
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} failed ({}); see its messages above",
                script.display(),
                output.status
            ));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let dir = stdout
            .lines()
            .last()
            .map(|l| PathBuf::from(l.trim()))
            .ok_or_else(|| format!("{} printed no directory", script.display()))?;
        Self::open(&dir)
    }

    /// The dataset in `dir` (made by `scripts/differential-data.sh`).
    pub fn open(dir: &Path) -> Result<Dataset, String> {
        let version = read(&dir.join("VERSION"))?.trim().to_string();
        let schema_dir = differential_dir().join("schema");
        let mut ddl = parse_ddl(&read(&schema_dir.join("tpch.sql"))?);
        ddl.extend(parse_ddl(&read(&schema_dir.join("extras.sql"))?));
        let mut tables = BTreeMap::new();
        for name in all_tables() {
            let ddl = ddl
                .get(name)
                .cloned()
                .ok_or_else(|| format!("no CREATE TABLE {name} in {}", schema_dir.display()))?;
            let extra = EXTRA_TABLES.contains(&name);
            let tbl = if extra {
                differential_dir().join("data").join(format!("{name}.tbl"))
            } else {
                dir.join("tbl").join(format!("{name}.tbl"))
            };
            if !tbl.is_file() {
                return Err(format!("{} is missing", tbl.display()));
            }
            let parquet = dir.join("parquet").join(format!("{name}.parquet"));
            tables.insert(
                name.to_string(),
                TableSource {
                    name: name.to_string(),
                    ddl,
                    tbl,
                    header: extra,
                    parquet: parquet.is_file().then_some(parquet),
                },
            );
        }
        Ok(Dataset {
            version,
            dir: dir.to_path_buf(),
            tables,
        })
    }

    pub fn table(&self, name: &str) -> Result<&TableSource, String> {
        self.tables
            .get(name)
            .ok_or_else(|| format!("the dataset has no table {name}"))
    }

    /// The fingerprint stored in a database loaded with `tables` by loader `kind`.
    pub fn fingerprint(&self, kind: &str, tables: &[String]) -> Result<String, String> {
        let mut text = format!("{LOADER_REVISION}\n{kind}\n{}\n", self.version);
        for name in tables {
            let source = self.table(name)?;
            text.push_str(&source.ddl);
            if source.header {
                // The extra tables' rows live in the repository and may change.
                text.push_str(&read(&source.tbl)?);
            }
        }
        Ok(format!(
            "{LOADER_REVISION} {} {:016x}",
            self.version,
            fnv1a(text.as_bytes())
        ))
    }
}

/// The cargo target directory of the running test executable (`<target>/debug/deps/x`).
pub(crate) fn target_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?;
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir = dir.parent()?;
    }
    // `<target>/debug` or `<target>/<triple>/debug`: the directory holding CACHEDIR.TAG.
    dir.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
}

pub(crate) fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The `CREATE TABLE name (...);` statements of a schema file, by table name.
pub fn parse_ddl(text: &str) -> BTreeMap<String, String> {
    let mut statements = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if current.is_none() {
            let Some(rest) = line.trim_start().strip_prefix("CREATE TABLE ") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            current = Some((name, String::new()));
        }
        if let Some((_, statement)) = current.as_mut() {
            statement.push_str(line);
            statement.push('\n');
        }
        if line.trim_end().ends_with(");") {
            if let Some((name, statement)) = current.take() {
                statements.insert(name, statement.trim_end().to_string());
            }
        }
    }
    statements
}

/// 64-bit FNV-1a: a stable hash for fingerprints.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The rows of a `.tbl` file as PostgreSQL COPY text: the trailing `|` of each line and the
/// header line (if any) removed.
pub(crate) fn tbl_to_copy_text(text: &str, header: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().skip(usize::from(header)) {
        if line.is_empty() {
            continue;
        }
        out.push_str(line.strip_suffix('|').unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The rows of a `.tbl` file with a header line as CSV with a header: `\N` becomes an empty
/// field (read as NULL), fields with a comma or a quote are quoted.
pub(crate) fn tbl_to_csv(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let line = line.strip_suffix('|').unwrap_or(line);
        let fields: Vec<String> = line
            .split('|')
            .map(|field| match field {
                "\\N" => String::new(),
                f if f.contains([',', '"', '\n', '\r']) => {
                    format!("\"{}\"", f.replace('"', "\"\""))
                }
                f => f.to_string(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// Number of data rows of a `.tbl` file.
pub(crate) fn tbl_rows(text: &str, header: bool) -> u64 {
    let lines = text.lines().filter(|l| !l.is_empty()).count() as u64;
    lines.saturating_sub(u64::from(header))
}
