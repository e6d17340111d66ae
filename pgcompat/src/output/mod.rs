//! What a client receives: PostgreSQL's text of values, the column types PostgreSQL would
//! report, and EXPLAIN in PostgreSQL's shape.

pub mod backend_types;
pub mod explain;
pub mod pg_text;
pub mod styles;
