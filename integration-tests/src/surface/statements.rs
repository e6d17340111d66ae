//! The statement files of `integration-tests/surface/*.sql`: one file per theme, entries
//! separated by blank lines.
//!
//! ```sql
//! -- Numeric types (a block of comments only is a comment)
//! SET extra_float_digits = 0;
//!
//! -- name: int4_literal
//! SELECT 1;
//!
//! -- tables: docs
//! -- order-keys: 1
//! SELECT id, body->>'name' FROM docs ORDER BY id;
//! ```
//!
//! * The `SET` statements before the first query are the file's session settings: applied
//!   on both sides before its entries run, not compared themselves.
//! * Every other block with SQL is one entry: one statement (a trailing `;` is dropped).
//! * Directives are comment lines of the entry: `-- name: x` names it (else its line number
//!   does), `-- tables: docs, emp` runs it only on placements holding those tables,
//!   `-- order-keys: 1, 2` says which output columns hold the `ORDER BY` keys (rows tying on
//!   them may come in any order; without it the whole row is the key), and
//!   `-- exact-message` makes an error's message count as well as its SQLSTATE.

use std::path::Path;

use crate::differential::{row_order, RowOrder};

/// One statement to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file name, e.g. `numeric.sql`.
    pub file: String,
    /// The line of the statement's first line in the file (1-based).
    pub line: usize,
    /// The name of a `-- name:` directive.
    pub name: Option<String>,
    pub sql: String,
    /// The tables of a `-- tables:` directive: only placements holding them run the entry.
    pub tables: Option<Vec<String>>,
    pub order: RowOrder,
    /// Whether an error's message must be equal too (`-- exact-message`).
    pub exact_message: bool,
}

impl Entry {
    /// `file:name`, or `file:line` for an entry without a name.
    pub fn id(&self) -> String {
        format!("{}:{}", self.file, self.label())
    }

    /// The entry's name, or its line number.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.line.to_string())
    }

    /// Whether `reference` (a name or a line number) names this entry.
    pub fn is_called(&self, reference: &str) -> bool {
        self.name.as_deref() == Some(reference) || reference == self.line.to_string()
    }
}

/// A parsed statement file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementFile {
    pub name: String,
    /// The `SET` statements the file starts with.
    pub settings: Vec<String>,
    pub entries: Vec<Entry>,
}

/// A block of consecutive non-blank lines, with the line number of its first line.
struct Block<'t> {
    first_line: usize,
    lines: Vec<&'t str>,
}

/// Splits `text` at blank lines.
fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            blocks.extend(current.take());
        } else {
            current
                .get_or_insert_with(|| Block {
                    first_line: index + 1,
                    lines: Vec::new(),
                })
                .lines
                .push(line);
        }
    }
    blocks.extend(current);
    blocks
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("--")
}

/// The value of directive `key` among a block's comment lines.
fn directive<'t>(block: &Block<'t>, key: &str) -> Option<&'t str> {
    block
        .lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("--"))
        .find_map(|c| c.trim().strip_prefix(key))
        .map(str::trim)
}

/// Whether a statement is a session setting (`SET ...`).
fn is_setting(sql: &str) -> bool {
    sql.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("set"))
}

/// The statements of a block: its lines but the comment lines, split after lines that end
/// with `;` (the `;` dropped), each with the line number of its first line.
fn block_statements(block: &Block) -> Vec<(usize, String)> {
    let mut statements = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    for (i, line) in block.lines.iter().enumerate() {
        if is_comment(line) {
            continue;
        }
        let (_, lines) = current.get_or_insert_with(|| (block.first_line + i, Vec::new()));
        lines.push(line);
        if line.trim_end().ends_with(';') {
            statements.extend(current.take());
        }
    }
    statements.extend(current);
    statements
        .into_iter()
        .map(|(line, lines)| {
            let sql = lines.join("\n");
            let sql = sql.trim_end().trim_end_matches(';').trim_end().to_string();
            (line, sql)
        })
        .collect()
}

/// Parses the statement file `name` with contents `text`.
pub fn parse_statement_file(name: &str, text: &str) -> Result<StatementFile, String> {
    let mut file = StatementFile {
        name: name.to_string(),
        settings: Vec::new(),
        entries: Vec::new(),
    };
    for block in blocks(text) {
        let statements = block_statements(&block);
        if !statements.is_empty() && statements.iter().all(|(_, sql)| is_setting(sql)) {
            if let Some(entry) = file.entries.first() {
                return Err(format!(
                    "{name}:{}: SET after the first query ({}; settings go at the start of the file)",
                    block.first_line,
                    entry.id()
                ));
            }
            file.settings
                .extend(statements.into_iter().map(|(_, sql)| sql));
            continue;
        }
        let (line, sql) = match statements.as_slice() {
            [] => continue,
            [single] => single.clone(),
            [_, (second, _), ..] => {
                return Err(format!(
                    "{name}:{second}: a second statement in one entry (separate entries by a blank line)"
                ))
            }
        };
        let block_text = block.lines.join("\n");
        let order = row_order(&block_text).map_err(|e| format!("{name}:{line}: {e}"))?;
        let tables = directive(&block, "tables:").map(|list| {
            list.split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        });
        file.entries.push(Entry {
            file: name.to_string(),
            line,
            name: directive(&block, "name:").map(str::to_string),
            sql,
            tables,
            order,
            exact_message: directive(&block, "exact-message").is_some(),
        });
    }
    check_unique_names(&file)?;
    Ok(file)
}

fn check_unique_names(file: &StatementFile) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for entry in &file.entries {
        if let Some(name) = &entry.name {
            if !seen.insert(name) || name.parse::<usize>().is_ok() {
                return Err(format!(
                    "{}: entry name {name:?} is used twice or is a number",
                    entry.id()
                ));
            }
        }
    }
    Ok(())
}

/// Every `*.sql` file of `dir`, parsed, in name order.
pub fn load_statement_files(dir: &Path) -> Result<Vec<StatementFile>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            parse_statement_file(&name, &text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
-- A theme.
-- More words.

SET TimeZone = 'UTC';
SET DateStyle = 'ISO, DMY';

-- name: one
SELECT 1;

SELECT a, b
FROM t -- trailing comment stays
ORDER BY a;

-- tables: docs, emp
-- order-keys: 2
-- exact-message
SELECT x, y FROM docs ORDER BY y
";

    #[test]
    fn entries_settings_and_directives() {
        let file = parse_statement_file("theme.sql", FILE).unwrap();
        assert_eq!(
            file.settings,
            ["SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, DMY'"]
        );
        assert_eq!(file.entries.len(), 3);
        let one = &file.entries[0];
        assert_eq!((one.line, one.sql.as_str()), (8, "SELECT 1"));
        assert_eq!(one.id(), "theme.sql:one");
        assert_eq!(one.order, RowOrder::Unordered);
        assert!(one.tables.is_none() && !one.exact_message);
        let second = &file.entries[1];
        assert_eq!(second.id(), "theme.sql:10");
        assert_eq!(
            second.sql,
            "SELECT a, b\nFROM t -- trailing comment stays\nORDER BY a"
        );
        assert_eq!(second.order, RowOrder::Ordered(None));
        let third = &file.entries[2];
        assert_eq!(third.line, 17);
        assert_eq!(
            third.tables.as_deref(),
            Some(&["docs".to_string(), "emp".to_string()][..])
        );
        assert_eq!(third.order, RowOrder::Ordered(Some(vec![1])));
        assert!(third.exact_message);
        assert!(third.is_called("17") && !third.is_called("one"));
        assert!(one.is_called("one") && one.is_called("8"));
    }

    #[test]
    fn mistakes_are_errors() {
        let two_statements = "SELECT 1;\nSELECT 2;\n";
        assert!(parse_statement_file("f.sql", two_statements)
            .unwrap_err()
            .contains("f.sql:2: a second statement"));
        let late_set = "SELECT 1;\n\nSET TimeZone = 'UTC';\n";
        assert!(parse_statement_file("f.sql", late_set)
            .unwrap_err()
            .contains("SET after"));
        let twice = "-- name: a\nSELECT 1;\n\n-- name: a\nSELECT 2;\n";
        assert!(parse_statement_file("f.sql", twice).is_err());
        let keys_without_order = "-- order-keys: 1\nSELECT 1;\n";
        assert!(parse_statement_file("f.sql", keys_without_order).is_err());
    }

    #[test]
    fn shipped_files_parse() {
        let files = load_statement_files(&crate::surface::surface_dir()).unwrap();
        let entries: usize = files.iter().map(|f| f.entries.len()).sum();
        assert!(entries >= 320, "{entries} statements");
    }
}
