//! How a directory tree maps to schemas and tables, with containment checks.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The schema of files that sit directly in the registered directory.
pub const ROOT_SCHEMA: &str = "public";

/// The formats the files backend reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Parquet,
    Csv,
    Json,
}

impl FileKind {
    fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "parquet" => Some(Self::Parquet),
            "csv" => Some(Self::Csv),
            "json" | "ndjson" | "jsonl" => Some(Self::Json),
            _ => None,
        }
    }

    /// The extension DataFusion's listing filters on.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Parquet => ".parquet",
            Self::Csv => ".csv",
            Self::Json => ".json",
        }
    }
}

/// Where one table's data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLocation {
    pub name: String,
    pub path: PathBuf,
    pub kind: FileKind,
    pub is_dir: bool,
}

/// Schemas under `root`: its subdirectories, plus `public` when files sit in `root` itself.
pub fn schemas(root: &Path) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for entry in read_dir_inside(root, root)? {
        if entry.is_dir() {
            if let Some(name) = file_name(&entry) {
                names.push(name);
            }
        } else if FileKind::from_path(&entry).is_some() && !names.iter().any(|n| n == ROOT_SCHEMA) {
            names.push(ROOT_SCHEMA.to_string());
        }
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Tables of one schema, found by listing its directory (never by joining a user's name).
pub fn tables(root: &Path, schema: &str) -> Result<Vec<TableLocation>, String> {
    let dir = match schema_dir(root, schema)? {
        Some(dir) => dir,
        None => return Ok(vec![]),
    };
    let only_files = dir == root;
    let mut found = BTreeMap::new();
    for entry in read_dir_inside(root, &dir)? {
        if let Some(location) = table_at(root, &entry, only_files)? {
            found.entry(location.name.clone()).or_insert(location);
        }
    }
    Ok(found.into_values().collect())
}

fn schema_dir(root: &Path, schema: &str) -> Result<Option<PathBuf>, String> {
    for entry in read_dir_inside(root, root)? {
        if entry.is_dir() && file_name(&entry).as_deref() == Some(schema) {
            return Ok(Some(entry));
        }
    }
    Ok((schema == ROOT_SCHEMA).then(|| root.to_path_buf()))
}

fn table_at(root: &Path, entry: &Path, only_files: bool) -> Result<Option<TableLocation>, String> {
    if entry.is_dir() {
        if only_files {
            return Ok(None);
        }
        let kind = read_dir_inside(root, entry)?
            .iter()
            .find_map(|p| FileKind::from_path(p).filter(|_| p.is_file()));
        return Ok(kind.and_then(|kind| {
            Some(TableLocation {
                name: file_name(entry)?,
                path: entry.to_path_buf(),
                kind,
                is_dir: true,
            })
        }));
    }
    let Some(kind) = FileKind::from_path(entry) else {
        return Ok(None);
    };
    let name = entry
        .file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string);
    Ok(name.map(|name| TableLocation {
        name,
        path: entry.to_path_buf(),
        kind,
        is_dir: false,
    }))
}

/// Entries of `dir`, canonicalized, keeping only those that stay inside `root`.
fn read_dir_inside(root: &Path, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries.flatten() {
        let Ok(path) = entry.path().canonicalize() else {
            continue;
        };
        if path.starts_with(root) && path != root {
            // Keep the entry's own name (a symlink inside root keeps its link name).
            paths.push(dir.join(entry.file_name()));
        }
    }
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name()?.to_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("shop")).unwrap();
        fs::write(root.join("shop/customers.csv"), "id,name\n1,a\n").unwrap();
        fs::write(root.join("shop/notes.txt"), "x").unwrap();
        fs::create_dir(root.join("shop/events")).unwrap();
        fs::write(root.join("shop/events/part-1.json"), "{\"a\":1}\n").unwrap();
        fs::write(root.join("top.parquet"), "not really").unwrap();
        dir
    }

    #[test]
    fn subdirectories_are_schemas_and_root_files_are_public() {
        let dir = tree();
        let root = dir.path().canonicalize().unwrap();
        assert_eq!(schemas(&root).unwrap(), vec!["public", "shop"]);
    }

    #[test]
    fn files_and_directories_are_tables() {
        let dir = tree();
        let root = dir.path().canonicalize().unwrap();
        let shop = tables(&root, "shop").unwrap();
        let names: Vec<_> = shop
            .iter()
            .map(|t| (t.name.as_str(), t.kind, t.is_dir))
            .collect();
        assert_eq!(
            names,
            vec![
                ("customers", FileKind::Csv, false),
                ("events", FileKind::Json, true)
            ]
        );
        let public = tables(&root, "public").unwrap();
        assert_eq!(public.len(), 1);
        assert_eq!(public[0].name, "top");
        assert!(tables(&root, "missing").unwrap().is_empty());
        assert!(tables(&root, "..").unwrap().is_empty());
    }

    #[test]
    fn symlinks_out_of_the_root_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.csv"), "a\n1\n").unwrap();
        let dir = tree();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.csv"),
            dir.path().join("shop/secret.csv"),
        )
        .unwrap();
        let root = dir.path().canonicalize().unwrap();
        assert!(!schemas(&root).unwrap().contains(&"escape".to_string()));
        assert!(tables(&root, "shop")
            .unwrap()
            .iter()
            .all(|t| t.name != "secret"));
    }
}
