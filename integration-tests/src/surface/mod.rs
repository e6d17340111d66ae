//! The SQL-surface test's machinery (`tests/surface.rs` runs it): everyday PostgreSQL
//! statements from `integration-tests/surface/*.sql` run on the PostgreSQL oracle of the
//! [semantics dataset](crate::semantics) and through fedgate over each of its placements;
//! fedgate's answer must be PostgreSQL's, to the byte.
//!
//! * [`statements`](parse_statement_file): the statement files (entries, session settings,
//!   directives).
//! * [`refusals`](parse_refusals): the refusals fedgate may answer with, each with a reason.
//! * [`KnownDifferences`]: the differences not fixed yet, so that a run guards the rest.
//! * [`answer`]: one server's answer (rows as text, column names, type OIDs, or the error).
//! * [`judge`]: the comparison of two answers.
//! * [`Outcome`]: how an entry fared on a placement, as text and as a JSON line, and the
//!   per-placement [`Tally`].

mod answer;
mod known;
mod refusals;
mod report;
mod statements;
mod verdict;

pub use answer::*;
pub use known::*;
pub use refusals::*;
pub use report::*;
pub use statements::*;
pub use verdict::*;

use std::path::PathBuf;

/// `integration-tests/surface/`: the statement files, the refusals list and the baseline.
pub fn surface_dir() -> PathBuf {
    crate::crate_dir().join("surface")
}
