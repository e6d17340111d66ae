//! PostgreSQL over DataFusion: what makes a DataFusion session answer as PostgreSQL does,
//! apart from the wire protocol (the `gateway` crate).
//!
//! - [`session::PgSession`]: one session's DataFusion context with PostgreSQL's settings,
//!   search path and functions; [`session::PgSession::parse`] is the one entry point that
//!   turns a statement's text into statements ready for planning.
//! - [`rewrite`]: statement rewrites applied while parsing (PostgreSQL syntax DataFusion does
//!   not plan, client catalog queries, PostgreSQL's output column names).
//! - [`catalog`]: the system catalog (`pg_catalog`, `information_schema` scoped to the
//!   session's database, fedgate's own tables) and the catalog functions clients call.
//! - [`functions`]: PostgreSQL's functions under their own names (`to_char`, `format`,
//!   `age`, `round`, `mode() WITHIN GROUP` ...), replacing DataFusion's where they differ.
//! - [`checked_arithmetic`]: integer `+ - *` that fail on overflow (22003), as in
//!   PostgreSQL.
//! - [`inferred_predicates`]: filter pushdown that infers no predicate that can fail on
//!   rows PostgreSQL never evaluates.
//! - [`error`]: every error as the PostgreSQL error a client sees ([`PgError`]).
//! - [`passthrough`]: which statements one PostgreSQL server answers as written.
//! - [`output`]: PostgreSQL's text output of values, column types as PostgreSQL reports
//!   them, and EXPLAIN in PostgreSQL's shape.

pub mod catalog;
pub mod checked_arithmetic;
pub mod checked_float;
pub mod error;
pub mod functions;
pub mod inferred_predicates;
pub mod numeric_display;
pub mod output;
pub mod passthrough;
mod postgres_terms;
pub mod rewrite;
pub mod session;
pub mod session_time;

pub use error::PgError;
pub use session::{PgSession, Planning};

/// The PostgreSQL version fedgate reports to clients (they pick catalog queries by it).
pub const SERVER_VERSION: &str = "16.6 (fedgate 0.1.0)";
/// `server_version_num` matching [`SERVER_VERSION`].
pub const SERVER_VERSION_NUM: &str = "160006";
