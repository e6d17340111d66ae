//! The differences the SQL-surface test knows of, so that it guards what already works.
//!
//! `integration-tests/surface/known-differences.txt` lists, one per line, each statement ×
//! placement pair whose answer still differs from PostgreSQL's (`<placement> <entry id>`,
//! e.g. `mysql numeric.sql:12`). A run fails on a difference that is not listed (a
//! regression, or a new statement that does not answer right yet) and on a listed pair that
//! now answers right (so the list only shrinks). `SURFACE_UPDATE_KNOWN=1` rewrites the
//! list from the run: the pairs the run saw differ, plus the listed pairs it did not run.
//! `BASELINE.md` groups the differences by root cause.

use std::collections::BTreeSet;
use std::path::Path;

/// The listed pairs and what a run saw of them.
#[derive(Debug, Default)]
pub struct KnownDifferences {
    listed: BTreeSet<String>,
    seen: BTreeSet<String>,
    different: BTreeSet<String>,
}

/// The key of a statement on a placement.
pub fn known_key(placement: &str, entry_id: &str) -> String {
    format!("{placement} {entry_id}")
}

impl KnownDifferences {
    /// Reads the list; a missing file lists nothing.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Ok(Self::parse(&text))
    }

    pub fn parse(text: &str) -> Self {
        let listed = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        Self {
            listed,
            ..Self::default()
        }
    }

    /// Whether the pair is listed.
    pub fn is_listed(&self, key: &str) -> bool {
        self.listed.contains(key)
    }

    /// Records the outcome of one pair.
    pub fn observe(&mut self, key: String, differs: bool) {
        if differs {
            self.different.insert(key.clone());
        }
        self.seen.insert(key);
    }

    /// Pairs that differ and are not listed.
    pub fn unexpected(&self) -> Vec<&String> {
        self.different.difference(&self.listed).collect()
    }

    /// Pairs that differ and are listed.
    pub fn still_different(&self) -> usize {
        self.different.intersection(&self.listed).count()
    }

    /// Listed pairs that answered right in this run.
    pub fn fixed(&self) -> Vec<&String> {
        self.listed
            .iter()
            .filter(|k| self.seen.contains(*k) && !self.different.contains(*k))
            .collect()
    }

    /// The list after this run: what differed, and what was listed but not run.
    pub fn updated(&self) -> BTreeSet<String> {
        let not_run = self.listed.iter().filter(|k| !self.seen.contains(*k));
        self.different.iter().chain(not_run).cloned().collect()
    }

    /// Writes [`Self::updated`] with `header` (comment lines) above it.
    pub fn write(&self, path: &Path, header: &str) -> Result<(), String> {
        let mut text = header.to_string();
        for key in self.updated() {
            text.push_str(&key);
            text.push('\n');
        }
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_differences_and_fixed_pairs_are_reported() {
        let mut known =
            KnownDifferences::parse("# comment\nmysql a.sql:1\nmysql a.sql:2\npg b.sql:x\n");
        known.observe(known_key("mysql", "a.sql:1"), true);
        known.observe(known_key("mysql", "a.sql:2"), false);
        known.observe(known_key("mysql", "a.sql:3"), true);
        assert_eq!(known.unexpected(), vec!["mysql a.sql:3"]);
        assert_eq!(known.fixed(), vec!["mysql a.sql:2"]);
        let updated: Vec<String> = known.updated().into_iter().collect();
        assert_eq!(
            updated,
            vec!["mysql a.sql:1", "mysql a.sql:3", "pg b.sql:x"]
        );
    }
}
