//! Statement rewrites applied while parsing, before DataFusion plans a statement.

pub mod catalog_subqueries;
pub mod catalog_vectors;
pub mod column_names;
pub mod literals;
pub mod parse;
pub mod pg_syntax;
pub mod split;
