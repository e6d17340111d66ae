//! The refusals fedgate may answer with: `integration-tests/surface/refusals.txt`, one per
//! line as `<placement> <file>:<entry-name-or-line> <reason>` (`#` starts a comment). A
//! statement fedgate refuses (SQLSTATE 0A000) on a placement counts as refused only when
//! listed there, with a reason; never on the `pg` placement, where everything PostgreSQL
//! does can be done.

use std::path::Path;

use super::Entry;

/// One allowed refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub placement: String,
    /// The statement file, with `.sql`.
    pub file: String,
    /// An entry name or line number.
    pub entry: String,
    pub reason: String,
}

/// The allowed refusals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusals {
    pub list: Vec<Refusal>,
}

impl Refusals {
    /// The reason `entry` may be refused on `placement`, when it is listed.
    pub fn reason(&self, placement: &str, entry: &Entry) -> Option<&str> {
        self.list
            .iter()
            .find(|r| r.placement == placement && r.file == entry.file && entry.is_called(&r.entry))
            .map(|r| r.reason.as_str())
    }
}

/// Parses the refusals list; `placements` are the known placement names.
pub fn parse_refusals(text: &str, placements: &[&str]) -> Result<Refusals, String> {
    let mut list = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| format!("refusals line {}: {why}: {line:?}", index + 1);
        let mut words = line.splitn(3, char::is_whitespace);
        let placement = words.next().unwrap_or_default();
        let target = words.next().ok_or_else(|| bad("no <file>:<entry>"))?;
        let reason = words.next().unwrap_or("").trim();
        if !placements.contains(&placement) {
            return Err(bad("unknown placement"));
        }
        if placement == "pg" {
            return Err(bad("refusals are never allowed on the pg placement"));
        }
        let (file, entry) = target
            .rsplit_once(':')
            .filter(|(f, e)| !f.is_empty() && !e.is_empty())
            .ok_or_else(|| bad("expected <file>:<entry-name-or-line>"))?;
        if reason.is_empty() {
            return Err(bad("a refusal needs a reason"));
        }
        let file = if file.ends_with(".sql") {
            file.to_string()
        } else {
            format!("{file}.sql")
        };
        list.push(Refusal {
            placement: placement.to_string(),
            file,
            entry: entry.to_string(),
            reason: reason.to_string(),
        });
    }
    Ok(Refusals { list })
}

/// Reads and parses the refusals file (a missing file lists nothing).
pub fn load_refusals(path: &Path, placements: &[&str]) -> Result<Refusals, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_refusals(&text, placements),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Refusals::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::parse_statement_file;

    const PLACEMENTS: &[&str] = &["pg", "mysql", "mongodb"];

    #[test]
    fn listed_refusals_match_by_name_or_line() {
        let refusals = parse_refusals(
            "# comment\n\nmysql strings.sql:collate_c  no COLLATE on MariaDB # why\n\
             mongodb strings:4 regex flags\n",
            PLACEMENTS,
        )
        .unwrap();
        assert_eq!(refusals.list.len(), 2);
        assert_eq!(refusals.list[0].reason, "no COLLATE on MariaDB");
        let file = parse_statement_file(
            "strings.sql",
            "-- name: collate_c\nSELECT 1;\n\nSELECT 2;\n",
        )
        .unwrap();
        let (named, fourth) = (&file.entries[0], &file.entries[1]);
        assert_eq!(fourth.line, 4);
        assert_eq!(
            refusals.reason("mysql", named),
            Some("no COLLATE on MariaDB")
        );
        assert_eq!(refusals.reason("mongodb", named), None);
        assert_eq!(refusals.reason("mongodb", fourth), Some("regex flags"));
    }

    #[test]
    fn bad_lines_are_errors() {
        for line in [
            "pg strings.sql:1 never on pg",
            "oracle strings.sql:1 unknown placement",
            "mysql strings.sql:1",
            "mysql strings.sql reason but no entry",
        ] {
            assert!(parse_refusals(line, PLACEMENTS).is_err(), "{line}");
        }
    }
}
