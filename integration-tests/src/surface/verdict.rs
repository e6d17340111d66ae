//! Comparing fedgate's answer with the oracle's: PostgreSQL's answer is the reference, to the
//! byte. Compared are the column count and names, the column type OIDs, the values as text
//! (in order when the statement has a top-level `ORDER BY`, else as a multiset: the
//! differential test's comparison with [`ValueRule::Exact`], no float or decimal tolerance)
//! and, when the oracle fails, the SQLSTATE (and the message under `-- exact-message`).

use super::{type_name, Answer, Entry, SqlError};
use crate::differential::{compare_by_rules, show_row, ResultSet, ValueRule};

/// What kind of difference a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// The oracle answers, fedgate fails (with another SQLSTATE than 0A000).
    FedgateError,
    /// The oracle fails, fedgate answers.
    NoError,
    /// Both fail, with different SQLSTATEs.
    ErrorCode,
    /// Both fail with the SQLSTATE, the messages differ (`-- exact-message`).
    ErrorMessage,
    ColumnCount,
    ColumnNames,
    TypeOids,
    /// fedgate (or the oracle) cannot prepare the statement that it runs.
    Describe,
    Values,
    /// The statement could not run on the placement (no gateway session, settings failed).
    Setup,
}

impl FindingKind {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::FedgateError => "fedgate_error",
            FindingKind::NoError => "no_error",
            FindingKind::ErrorCode => "error_code",
            FindingKind::ErrorMessage => "error_message",
            FindingKind::ColumnCount => "column_count",
            FindingKind::ColumnNames => "column_names",
            FindingKind::TypeOids => "type_oids",
            FindingKind::Describe => "describe",
            FindingKind::Values => "values",
            FindingKind::Setup => "setup",
        }
    }
}

/// One way the answers differ, with the lines that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub lines: Vec<String>,
}

impl Finding {
    fn new(kind: FindingKind, lines: Vec<String>) -> Finding {
        Finding { kind, lines }
    }
}

/// The comparison of fedgate's answer with the oracle's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Equal,
    /// fedgate answered SQLSTATE 0A000 where PostgreSQL did not.
    Refused(SqlError),
    Different(Vec<Finding>),
}

/// Judges fedgate's answer to `entry` against the oracle's.
pub fn judge(oracle: &Answer, fedgate: &Answer, entry: &Entry) -> Verdict {
    let findings = match (&oracle.result, &fedgate.result) {
        (Err(o), Err(f)) if f.is_refusal() && !o.is_refusal() => {
            return Verdict::Refused(f.clone())
        }
        (Ok(_), Err(f)) if f.is_refusal() => return Verdict::Refused(f.clone()),
        (Err(o), Err(f)) => error_findings(o, f, entry.exact_message),
        (Err(o), Ok(f)) => vec![Finding::new(
            FindingKind::NoError,
            vec![
                format!("oracle: ERROR {o}"),
                format!("fedgate: no error, {} row(s){}", f.rows.len(), first_row(f)),
            ],
        )],
        (Ok(_), Err(f)) => vec![Finding::new(
            FindingKind::FedgateError,
            vec![format!("fedgate: ERROR {f}")],
        )],
        (Ok(o), Ok(f)) => result_findings(o, f, oracle, fedgate, entry),
    };
    if findings.is_empty() {
        Verdict::Equal
    } else {
        Verdict::Different(findings)
    }
}

fn first_row(result: &ResultSet) -> String {
    result
        .rows
        .first()
        .map(|r| format!(", first: {}", show_row(r)))
        .unwrap_or_default()
}

fn error_findings(oracle: &SqlError, fedgate: &SqlError, exact_message: bool) -> Vec<Finding> {
    let lines = || {
        vec![
            format!("oracle:  ERROR {oracle}"),
            format!("fedgate: ERROR {fedgate}"),
        ]
    };
    if oracle.code != fedgate.code {
        vec![Finding::new(FindingKind::ErrorCode, lines())]
    } else if exact_message && oracle.message != fedgate.message {
        vec![Finding::new(FindingKind::ErrorMessage, lines())]
    } else {
        Vec::new()
    }
}

/// The findings when both answered with rows.
fn result_findings(
    oracle: &ResultSet,
    fedgate: &ResultSet,
    oracle_answer: &Answer,
    fedgate_answer: &Answer,
    entry: &Entry,
) -> Vec<Finding> {
    if oracle.columns.len() != fedgate.columns.len() {
        return vec![Finding::new(
            FindingKind::ColumnCount,
            vec![
                format!(
                    "oracle:  {} column(s): {}",
                    oracle.columns.len(),
                    oracle.columns.join(", ")
                ),
                format!(
                    "fedgate: {} column(s): {}",
                    fedgate.columns.len(),
                    fedgate.columns.join(", ")
                ),
            ],
        )];
    }
    let mut findings = Vec::new();
    if oracle.columns != fedgate.columns {
        findings.push(Finding::new(
            FindingKind::ColumnNames,
            vec![
                format!("oracle:  {}", oracle.columns.join(", ")),
                format!("fedgate: {}", fedgate.columns.join(", ")),
            ],
        ));
    }
    findings.extend(oid_finding(
        &oracle.columns,
        oracle_answer.oids.as_ref(),
        fedgate_answer.oids.as_ref(),
    ));
    let exact = vec![ValueRule::Exact; oracle.columns.len()];
    if let Err(lines) = compare_by_rules(oracle, fedgate, &entry.order, &exact) {
        findings.push(Finding::new(FindingKind::Values, lines));
    }
    findings
}

/// The finding about the column types, if they differ (or cannot be compared).
fn oid_finding(
    columns: &[String],
    oracle: Option<&Result<Vec<u32>, SqlError>>,
    fedgate: Option<&Result<Vec<u32>, SqlError>>,
) -> Option<Finding> {
    match (oracle, fedgate) {
        (Some(Ok(o)), Some(Ok(f))) if o == f => None,
        (Some(Ok(o)), Some(Ok(f))) => {
            let lines = columns
                .iter()
                .enumerate()
                .filter(|(i, _)| o.get(*i) != f.get(*i))
                .map(|(i, name)| {
                    let show =
                        |oids: &[u32]| oids.get(i).map_or("-".to_string(), |&t| type_name(t));
                    format!(
                        "{name} ({}): oracle {}, fedgate {}",
                        i + 1,
                        show(o),
                        show(f)
                    )
                })
                .collect();
            Some(Finding::new(FindingKind::TypeOids, lines))
        }
        (Some(Err(e)), _) => Some(Finding::new(
            FindingKind::Describe,
            vec![format!("the oracle cannot prepare the statement: {e}")],
        )),
        (_, Some(Err(e))) => Some(Finding::new(
            FindingKind::Describe,
            vec![format!(
                "fedgate cannot prepare (Describe) the statement: {e}"
            )],
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::parse_statement_file;

    fn entry(sql: &str) -> Entry {
        parse_statement_file("t.sql", sql)
            .unwrap()
            .entries
            .remove(0)
    }

    fn rows(columns: &[&str], oids: &[u32], rows: &[&[Option<&str>]]) -> Answer {
        Answer {
            result: Ok(ResultSet {
                columns: columns.iter().map(|c| c.to_string()).collect(),
                float_columns: Vec::new(),
                rows: rows
                    .iter()
                    .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
                    .collect(),
            }),
            oids: Some(Ok(oids.to_vec())),
        }
    }

    fn error(code: &str, message: &str) -> Answer {
        Answer {
            result: Err(SqlError {
                code: code.into(),
                message: message.into(),
            }),
            oids: None,
        }
    }

    fn kinds(verdict: &Verdict) -> Vec<FindingKind> {
        match verdict {
            Verdict::Different(findings) => findings.iter().map(|f| f.kind).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn text_is_compared_exactly() {
        let e = entry("SELECT x FROM t");
        let oracle = rows(&["x"], &[1700], &[&[Some("1.50")], &[None]]);
        let same_multiset = rows(&["x"], &[1700], &[&[None], &[Some("1.50")]]);
        assert_eq!(judge(&oracle, &same_multiset, &e), Verdict::Equal);
        let shorter = rows(&["x"], &[1700], &[&[Some("1.5")], &[None]]);
        assert_eq!(kinds(&judge(&oracle, &shorter, &e)), [FindingKind::Values]);
        let float = rows(&["x"], &[701], &[&[Some("0.30000000000000004")]]);
        let rounded = rows(&["x"], &[701], &[&[Some("0.3")]]);
        assert_eq!(kinds(&judge(&float, &rounded, &e)), [FindingKind::Values]);
    }

    #[test]
    fn order_counts_only_with_order_by() {
        let oracle = rows(&["x"], &[23], &[&[Some("1")], &[Some("2")]]);
        let reversed = rows(&["x"], &[23], &[&[Some("2")], &[Some("1")]]);
        assert_eq!(
            judge(&oracle, &reversed, &entry("SELECT x FROM t")),
            Verdict::Equal
        );
        let ordered = entry("SELECT x FROM t ORDER BY x");
        assert_eq!(
            kinds(&judge(&oracle, &reversed, &ordered)),
            [FindingKind::Values]
        );
    }

    #[test]
    fn names_and_types_are_findings_of_their_own() {
        let e = entry("SELECT 1");
        let oracle = rows(&["?column?"], &[23], &[&[Some("1")]]);
        let fedgate = rows(&["Int64(1)"], &[20], &[&[Some("1")]]);
        let verdict = judge(&oracle, &fedgate, &e);
        assert_eq!(
            kinds(&verdict),
            [FindingKind::ColumnNames, FindingKind::TypeOids]
        );
        let Verdict::Different(findings) = verdict else {
            unreachable!()
        };
        assert_eq!(
            findings[1].lines,
            ["?column? (1): oracle int4, fedgate int8"]
        );
        let wider = rows(&["a", "b"], &[23, 23], &[&[Some("1"), Some("1")]]);
        assert_eq!(
            kinds(&judge(&oracle, &wider, &e)),
            [FindingKind::ColumnCount]
        );
        let mut undescribed = oracle.clone();
        undescribed.oids = Some(Err(SqlError {
            code: "XX000".into(),
            message: "no".into(),
        }));
        assert_eq!(
            kinds(&judge(&oracle, &undescribed, &e)),
            [FindingKind::Describe]
        );
    }

    #[test]
    fn errors_compare_by_sqlstate() {
        let e = entry("SELECT 1/0");
        let oracle = error("22012", "division by zero");
        assert_eq!(
            judge(&oracle, &error("22012", "Divide by zero"), &e),
            Verdict::Equal
        );
        let exact = entry("-- exact-message\nSELECT 1/0");
        assert_eq!(
            kinds(&judge(&oracle, &error("22012", "Divide by zero"), &exact)),
            [FindingKind::ErrorMessage]
        );
        assert_eq!(
            kinds(&judge(&oracle, &error("XX000", "internal"), &e)),
            [FindingKind::ErrorCode]
        );
        let answered = rows(&["x"], &[23], &[&[None]]);
        assert_eq!(
            kinds(&judge(&oracle, &answered, &e)),
            [FindingKind::NoError]
        );
        assert_eq!(
            kinds(&judge(&answered, &error("42883", "no function"), &e)),
            [FindingKind::FedgateError]
        );
    }

    #[test]
    fn refusals_are_not_findings() {
        let e = entry("SELECT 1");
        let refused = error("0A000", "not supported");
        let answered = rows(&["x"], &[23], &[&[Some("1")]]);
        assert!(matches!(
            judge(&answered, &refused, &e),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            judge(&error("42P01", "no table"), &refused, &e),
            Verdict::Refused(_)
        ));
        // PostgreSQL refusing too is an equal answer.
        assert_eq!(judge(&refused, &refused, &e), Verdict::Equal);
    }
}
