//! The randomized differential test (`tests/random.rs`): SQLancer-style generated queries
//! over the semantics dataset split across PostgreSQL, MariaDB and MongoDB, answered through
//! fedgate and compared with one PostgreSQL database holding every table (the oracle).
//!
//! * [`data`]: the tables (the semantics dataset's `emp`, `dept`, `nums`, `words`, `events`
//!   and `slots` with MySQL's zero dates and odd booleans) and their four databases.
//! * [`schema`]: what the generator knows of the tables (types, bounds, values) and the
//!   [`Layout`]s that put each table on a server.
//! * [`gen`]: the typed grammar that makes valid PostgreSQL statements whose answer does not
//!   depend on the plan, and [`Features`], the switches of what is excluded today.
//! * [`compare`]: running a statement and judging the answers.
//! * [`rng`]: the seeded generator of random numbers.
//!
//! See `integration-tests/random/README.md` for the decisions and `FINDINGS.md` for what the
//! generator found.

pub mod compare;
pub mod data;
pub mod gen;
pub mod rng;
pub mod schema;

pub use compare::{judge, run, signature, Answer, Failure, Verdict};
pub use gen::{generate, Features, Query};
pub use schema::{Layout, Schema, Server, Ty};
