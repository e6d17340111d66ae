//! Statement rewrites applied while parsing, before DataFusion plans a statement.

pub(crate) mod catalog_subqueries;
pub(crate) mod catalog_vectors;
pub(crate) mod column_names;
pub(crate) mod continued_strings;
pub(crate) mod function_forms;
pub(crate) mod integer_sources;
pub(crate) mod literals;
pub(crate) mod numbers;
pub(crate) mod parse;
pub(crate) mod pg_clauses;
pub(crate) mod pg_syntax;
pub(crate) mod query_forms;
pub mod refusals;
pub(crate) mod reg_types;
pub(crate) mod similar;
pub mod split;
pub(crate) mod statement_checks;
pub(crate) mod statement_text;
