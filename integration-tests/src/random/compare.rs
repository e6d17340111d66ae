//! Running a statement on one side and judging the gateway's answer against the oracle's.
//!
//! Values are compared as the text both servers send (simple query protocol), byte for
//! byte, with the SQL-surface test's rules ([`compare_by_rules`] with [`ValueRule::Exact`]):
//! in order when the statement orders its rows (rows tying on the ORDER BY columns as a
//! multiset), else as a multiset. Column names are not compared (the generator names every
//! column), the column count is.
//!
//! Floats need no tolerance: the generator never makes a float whose value depends on the
//! order rows are met in (no float `sum`/`avg`), and the rest of float arithmetic is IEEE
//! on both sides, printed with the shortest digits that round-trip (PostgreSQL 12+ with
//! `extra_float_digits` 1, its default). A float that differs in its last digit is a real
//! difference.
//!
//! Errors: the generator makes statements that do not fail on PostgreSQL, but when both sides
//! fail with the same SQLSTATE class (its first two characters: `22` data exception, `42`
//! syntax or access rule ...) the answers are equal, as a user would see the same kind of
//! error; another class, or one side failing alone, is a difference.

use std::time::Duration;

use tokio_postgres::{Client, SimpleQueryMessage};

use crate::differential::{compare_by_rules, ResultSet, RowOrder, ValueRule};

/// An error answer: SQLSTATE (empty when it did not come from a server) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl Failure {
    /// The SQLSTATE class (`22` of `22012`).
    pub fn class(&self) -> &str {
        self.code.get(..2).unwrap_or("")
    }

    /// Whether the statement may still run on the server (the session must not be reused).
    pub fn is_timeout(&self) -> bool {
        self.code.is_empty() && self.message.starts_with("timeout")
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.code.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

/// What one side answered.
pub type Answer = Result<ResultSet, Failure>;

/// Runs `sql` by the simple query protocol; the rows of its last result set as text.
pub async fn run(client: &Client, sql: &str, limit: Duration) -> Answer {
    let messages = match tokio::time::timeout(limit, client.simple_query(sql)).await {
        Err(_) => {
            return Err(Failure {
                code: String::new(),
                message: format!("timeout: no answer within {}s", limit.as_secs()),
            })
        }
        Ok(Err(e)) => {
            return Err(match e.as_db_error() {
                Some(db) => Failure {
                    code: db.code().code().to_string(),
                    message: db.message().to_string(),
                },
                None => Failure {
                    code: String::new(),
                    message: e.to_string(),
                },
            })
        }
        Ok(Ok(messages)) => messages,
    };
    let mut result: Option<ResultSet> = None;
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) => {
                result = Some(ResultSet {
                    columns: columns.iter().map(|c| c.name().to_string()).collect(),
                    float_columns: Vec::new(),
                    rows: Vec::new(),
                });
            }
            SimpleQueryMessage::Row(row) => {
                if let Some(result) = result.as_mut() {
                    result.rows.push(
                        (0..row.len())
                            .map(|i| row.get(i).map(str::to_string))
                            .collect(),
                    );
                }
            }
            _ => {}
        }
    }
    result.ok_or_else(|| Failure {
        code: String::new(),
        message: "no row description".to_string(),
    })
}

/// The comparison of the gateway's answer with the oracle's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The same rows.
    Equal,
    /// Both failed with the same SQLSTATE class.
    BothFailed(String),
    /// A difference, with the lines that show it.
    Different(Vec<String>),
}

/// Judges `gateway` against `oracle`; rows compare under `order`.
pub fn judge(oracle: &Answer, gateway: &Answer, order: &RowOrder) -> Verdict {
    match (oracle, gateway) {
        (Ok(o), Ok(g)) => {
            let rules = vec![ValueRule::Exact; o.columns.len()];
            match compare_by_rules(o, g, order, &rules) {
                Ok(()) => Verdict::Equal,
                Err(lines) => Verdict::Different(lines),
            }
        }
        (Err(o), Err(g)) if o.class() == g.class() && !o.code.is_empty() => {
            Verdict::BothFailed(o.code.clone())
        }
        (Err(o), Err(g)) => Verdict::Different(vec![
            format!("oracle:  ERROR {o}"),
            format!("fedgate: ERROR {g}"),
        ]),
        (Ok(o), Err(g)) => Verdict::Different(vec![
            format!("oracle:  {} row(s)", o.rows.len()),
            format!("fedgate: ERROR {g}"),
        ]),
        (Err(o), Ok(g)) => Verdict::Different(vec![
            format!("oracle:  ERROR {o}"),
            format!("fedgate: {} row(s), no error", g.rows.len()),
        ]),
    }
}

/// A short name for the kind of a difference, for the summary's grouping: the gateway's
/// error message without numbers and quoted parts, or `values`.
pub fn signature(oracle: &Answer, gateway: &Answer) -> String {
    match (oracle, gateway) {
        (Ok(_), Ok(_)) => "values differ".to_string(),
        (Err(o), Ok(_)) => format!("oracle error only: {}", o.code),
        (_, Err(g)) => {
            let mut text = String::new();
            let mut quoted = false;
            for c in g.message.chars() {
                match c {
                    '\'' | '"' => {
                        quoted = !quoted;
                        if quoted {
                            text.push('…');
                        }
                    }
                    _ if quoted => {}
                    '0'..='9' => {
                        if !text.ends_with('#') {
                            text.push('#');
                        }
                    }
                    _ => text.push(c),
                }
            }
            let text: String = text.chars().take(110).collect();
            format!("{} {text}", g.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[&[Option<&str>]]) -> Answer {
        Ok(ResultSet {
            columns: (0..values.first().map_or(1, |r| r.len()))
                .map(|i| format!("c{}", i + 1))
                .collect(),
            float_columns: Vec::new(),
            rows: values
                .iter()
                .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
        })
    }

    fn failure(code: &str) -> Answer {
        Err(Failure {
            code: code.to_string(),
            message: format!("error {code}"),
        })
    }

    #[test]
    fn values_are_text() {
        let a = rows(&[&[Some("1.50")], &[None]]);
        let b = rows(&[&[None], &[Some("1.50")]]);
        assert_eq!(judge(&a, &b, &RowOrder::Unordered), Verdict::Equal);
        assert!(matches!(
            judge(&a, &b, &RowOrder::Ordered(None)),
            Verdict::Different(_)
        ));
        let c = rows(&[&[Some("1.5")], &[None]]);
        assert!(matches!(
            judge(&a, &c, &RowOrder::Unordered),
            Verdict::Different(_)
        ));
    }

    #[test]
    fn errors_by_class() {
        assert_eq!(
            judge(&failure("22012"), &failure("22003"), &RowOrder::Unordered),
            Verdict::BothFailed("22012".to_string())
        );
        assert!(matches!(
            judge(&failure("22012"), &failure("XX000"), &RowOrder::Unordered),
            Verdict::Different(_)
        ));
        assert!(matches!(
            judge(&rows(&[]), &failure("0A000"), &RowOrder::Unordered),
            Verdict::Different(_)
        ));
    }

    #[test]
    fn signatures_drop_numbers_and_names() {
        let g = Err(Failure {
            code: "XX000".into(),
            message: "Invalid argument error: 12 is too large for 'x'".into(),
        });
        assert_eq!(
            signature(&rows(&[]), &g),
            "XX000 Invalid argument error: # is too large for …"
        );
    }
}
