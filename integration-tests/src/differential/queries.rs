//! The query files: reading them, their row-order rules, and what EXPLAIN says of their remote parts.

use super::*;
use std::path::Path;
/// One query file.
#[derive(Debug, Clone)]
pub struct QuerySpec {
    /// Path relative to `differential/queries/` without `.sql`, e.g. `tpch/q01`.
    pub id: String,
    pub sql: String,
    pub order: RowOrder,
}

/// How the rows of a result are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOrder {
    /// As multisets.
    Unordered,
    /// In order; rows equal on these (0-based) columns may come in any order among themselves.
    /// `None`: every column is a key.
    Ordered(Option<Vec<usize>>),
}

/// Every `*.sql` file under `dir` (sorted by id).
pub fn load_queries(dir: &Path) -> Result<Vec<QuerySpec>, String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| format!("cannot read {}: {e}", current.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("cannot read {}: {e}", current.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                files.push(path);
            }
        }
    }
    let mut queries = Vec::new();
    for file in files {
        let sql = read(&file)?;
        let id = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        let order = row_order(&sql).map_err(|e| format!("{}: {e}", file.display()))?;
        queries.push(QuerySpec { id, sql, order });
    }
    queries.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(queries)
}

/// The row order of a query: ordered when it has a top-level ORDER BY, with the keys of an
/// `-- order-keys: 1, 2` line.
pub fn row_order(sql: &str) -> Result<RowOrder, String> {
    let keys = sql
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--"))
        .find_map(|c| c.trim().strip_prefix("order-keys:"))
        .map(|list| {
            list.split(',')
                .map(|n| match n.trim().parse::<usize>() {
                    Ok(k) if k >= 1 => Ok(k - 1),
                    _ => Err(format!(
                        "bad order-keys entry {n:?} (1-based column numbers)"
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    if has_top_level_order_by(sql) {
        Ok(RowOrder::Ordered(keys))
    } else if keys.is_some() {
        Err("an order-keys line, but no top-level ORDER BY".to_string())
    } else {
        Ok(RowOrder::Unordered)
    }
}

/// Whether `sql` has `ORDER BY` outside parentheses, comments and literals.
pub fn has_top_level_order_by(sql: &str) -> bool {
    let mut depth = 0i32;
    let mut words: Vec<String> = Vec::new();
    let mut chars = sql.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, depth: i32, words: &mut Vec<String>| {
        if !word.is_empty() {
            if depth == 0 {
                words.push(word.to_ascii_lowercase());
            }
            word.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                flush(&mut word, depth, &mut words);
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' | '"' => {
                flush(&mut word, depth, &mut words);
                while let Some(d) = chars.next() {
                    if d == c {
                        if chars.peek() == Some(&c) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
                if depth == 0 {
                    words.push("?".to_string());
                }
            }
            '(' => {
                flush(&mut word, depth, &mut words);
                depth += 1;
            }
            ')' => {
                flush(&mut word, depth, &mut words);
                depth -= 1;
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, depth, &mut words),
        }
    }
    flush(&mut word, depth, &mut words);
    words.windows(2).any(|w| w[0] == "order" && w[1] == "by")
}
