//! The outcome of one statement on one placement, how it is printed for a reader, how it is
//! written as a JSON line for tools (`SURFACE_REPORT`), and the per-placement tallies.

use serde_json::{json, Value};

use super::{type_name, Answer, Entry, Finding, FindingKind, SqlError, Verdict};

/// How an outcome counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Equal,
    /// Refused with SQLSTATE 0A000, and listed in the refusals with a reason.
    Refused,
    /// Refused, but not listed: a failure.
    UnlistedRefusal,
    Different,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Equal => "equal",
            Status::Refused => "refused",
            Status::UnlistedRefusal => "unlisted_refusal",
            Status::Different => "different",
        }
    }

    /// Whether the outcome passes.
    pub fn passed(self) -> bool {
        matches!(self, Status::Equal | Status::Refused)
    }
}

/// What a report keeps of one side's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerSummary {
    pub columns: Vec<String>,
    pub oids: Vec<u32>,
    pub rows: usize,
    pub error: Option<SqlError>,
}

impl AnswerSummary {
    pub fn of(answer: &Answer) -> AnswerSummary {
        let mut summary = AnswerSummary::default();
        match &answer.result {
            Ok(result) => {
                summary.columns = result.columns.clone();
                summary.rows = result.rows.len();
            }
            Err(e) => summary.error = Some(e.clone()),
        }
        if let Some(Ok(oids)) = &answer.oids {
            summary.oids = oids.clone();
        }
        summary
    }

    fn to_json(&self) -> Value {
        json!({
            "columns": self.columns,
            "types": self.oids.iter().map(|&o| type_name(o)).collect::<Vec<_>>(),
            "rows": self.rows,
            "error": self.error.as_ref().map(|e| json!({"code": e.code, "message": e.message})),
        })
    }
}

/// The outcome of one entry on one placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub placement: String,
    pub entry: Entry,
    pub status: Status,
    pub findings: Vec<Finding>,
    /// fedgate's refusal, when it refused.
    pub refusal: Option<SqlError>,
    /// The reason the refusals list gives, when it lists the entry for the placement.
    pub listed_reason: Option<String>,
    pub oracle: AnswerSummary,
    pub fedgate: AnswerSummary,
}

impl Outcome {
    /// The outcome of `verdict`, given the reason the refusals list has for it (if any).
    pub fn new(
        placement: &str,
        entry: &Entry,
        verdict: Verdict,
        listed_reason: Option<&str>,
        oracle: AnswerSummary,
        fedgate: AnswerSummary,
    ) -> Outcome {
        let (status, findings, refusal) = match verdict {
            Verdict::Equal => (Status::Equal, Vec::new(), None),
            Verdict::Refused(e) if listed_reason.is_some() => {
                (Status::Refused, Vec::new(), Some(e))
            }
            Verdict::Refused(e) => (Status::UnlistedRefusal, Vec::new(), Some(e)),
            Verdict::Different(findings) => (Status::Different, findings, None),
        };
        Outcome {
            placement: placement.to_string(),
            entry: entry.clone(),
            status,
            findings,
            refusal,
            listed_reason: listed_reason.map(str::to_string),
            oracle,
            fedgate,
        }
    }

    /// An outcome for an entry that could not run on the placement (no gateway session).
    pub fn not_run(placement: &str, entry: &Entry, why: &str) -> Outcome {
        let finding = Finding {
            kind: FindingKind::Setup,
            lines: vec![why.to_string()],
        };
        let verdict = Verdict::Different(vec![finding]);
        Outcome::new(
            placement,
            entry,
            verdict,
            None,
            AnswerSummary::default(),
            AnswerSummary::default(),
        )
    }

    /// The lines that show a reader what went wrong (nothing for a passing outcome).
    pub fn describe(&self) -> Vec<String> {
        let head = format!("{} {}", self.placement, self.entry.id());
        let mut lines = match self.status {
            Status::Equal | Status::Refused => return Vec::new(),
            Status::UnlistedRefusal if self.placement == "pg" => {
                vec![format!("REFUSED {head} (refusals are never allowed on pg)")]
            }
            Status::UnlistedRefusal => vec![format!(
                "REFUSED {head} (not listed in surface/refusals.txt)"
            )],
            Status::Different => {
                let kinds: Vec<&str> = self.findings.iter().map(|f| f.kind.as_str()).collect();
                vec![format!("DIFF {head} [{}]", kinds.join(", "))]
            }
        };
        lines.extend(self.entry.sql.lines().map(|l| format!("    | {l}")));
        if let Some(refusal) = &self.refusal {
            lines.push(format!("    fedgate: ERROR {refusal}"));
        }
        for finding in &self.findings {
            lines.push(format!("    {}:", finding.kind.as_str()));
            lines.extend(finding.lines.iter().map(|l| format!("      {l}")));
        }
        lines.iter().map(|l| printable(l)).collect()
    }

    /// The outcome as one JSON object (a line of the `SURFACE_REPORT` file).
    pub fn to_json(&self) -> Value {
        json!({
            "placement": self.placement,
            "file": self.entry.file,
            "entry": self.entry.label(),
            "line": self.entry.line,
            "sql": self.entry.sql,
            "status": self.status.as_str(),
            "findings": self.findings.iter().map(|f| json!({
                "kind": f.kind.as_str(),
                "lines": f.lines,
            })).collect::<Vec<_>>(),
            "refusal": self.refusal.as_ref().map(ToString::to_string),
            "listed_reason": self.listed_reason,
            "oracle": self.oracle.to_json(),
            "fedgate": self.fedgate.to_json(),
        })
    }
}

/// `line` with control characters (a NUL, a carriage return) written as escapes, so a
/// value cannot garble the log; tabs stay.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The counts of one placement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub equal: usize,
    pub refused: usize,
    pub unlisted_refusals: usize,
    pub different: usize,
}

impl Tally {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Equal => self.equal += 1,
            Status::Refused => self.refused += 1,
            Status::UnlistedRefusal => self.unlisted_refusals += 1,
            Status::Different => self.different += 1,
        }
    }

    pub fn passed(&self) -> usize {
        self.equal + self.refused
    }

    pub fn failed(&self) -> usize {
        self.unlisted_refusals + self.different
    }

    /// `N equal, R refused, D different`, D counting the unlisted refusals too.
    pub fn summary(&self) -> String {
        let unlisted = if self.unlisted_refusals > 0 {
            format!(" ({} of them unlisted refusals)", self.unlisted_refusals)
        } else {
            String::new()
        };
        format!(
            "{} equal, {} refused, {} different{unlisted}",
            self.equal,
            self.refused,
            self.failed()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::parse_statement_file;

    fn entry() -> Entry {
        parse_statement_file("n.sql", "-- name: one\nSELECT 1;\n")
            .unwrap()
            .entries
            .remove(0)
    }

    fn refusal() -> SqlError {
        SqlError {
            code: "0A000".into(),
            message: "unsupported".into(),
        }
    }

    #[test]
    fn refusals_pass_only_when_listed() {
        let (o, f) = (AnswerSummary::default(), AnswerSummary::default());
        let listed = Outcome::new(
            "mysql",
            &entry(),
            Verdict::Refused(refusal()),
            Some("why"),
            o.clone(),
            f.clone(),
        );
        assert_eq!(listed.status, Status::Refused);
        assert!(listed.status.passed() && listed.describe().is_empty());
        let unlisted = Outcome::new("mysql", &entry(), Verdict::Refused(refusal()), None, o, f);
        assert_eq!(unlisted.status, Status::UnlistedRefusal);
        let text = unlisted.describe();
        assert_eq!(
            text[0],
            "REFUSED mysql n.sql:one (not listed in surface/refusals.txt)"
        );
        let on_pg = Outcome::new(
            "pg",
            &entry(),
            Verdict::Refused(refusal()),
            None,
            AnswerSummary::default(),
            AnswerSummary::default(),
        );
        assert!(on_pg.describe()[0].ends_with("(refusals are never allowed on pg)"));
        assert!(text.iter().any(|l| l.contains("0A000: unsupported")));
        let mut tally = Tally::default();
        for status in [
            Status::Equal,
            Status::Equal,
            listed.status,
            unlisted.status,
            Status::Different,
        ] {
            tally.add(status);
        }
        assert_eq!(
            tally.summary(),
            "2 equal, 1 refused, 2 different (1 of them unlisted refusals)"
        );
        assert_eq!((tally.passed(), tally.failed()), (3, 2));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\u{0}b\tc\r"), "a\\u{0}b\tc\\u{d}");
    }

    #[test]
    fn json_lines_carry_the_findings() {
        let finding = Finding {
            kind: FindingKind::TypeOids,
            lines: vec!["?column? (1): oracle int4, fedgate int8".into()],
        };
        let oracle = AnswerSummary {
            columns: vec!["?column?".into()],
            oids: vec![23],
            rows: 1,
            error: None,
        };
        let outcome = Outcome::new(
            "parquet",
            &entry(),
            Verdict::Different(vec![finding]),
            None,
            oracle,
            AnswerSummary::default(),
        );
        let json = outcome.to_json();
        assert_eq!(json["status"], "different");
        assert_eq!(json["entry"], "one");
        assert_eq!(json["findings"][0]["kind"], "type_oids");
        assert_eq!(json["oracle"]["types"][0], "int4");
        assert!(json["fedgate"]["error"].is_null());
        let text = outcome.describe();
        assert_eq!(text[0], "DIFF parquet n.sql:one [type_oids]");
        assert_eq!(text[1], "    | SELECT 1");
    }
}
