//! The federation planner: which parts of a query go to which backend, how they are rendered
//! in the backend's SQL dialect, and the operator that runs them.
//!
//! The planner holds no backend's particulars: each SQL backend's adapter implements
//! [`fedgate_adapter_api::SqlDialect`], and the rendering here asks it only where backends
//! differ.
//!
//! A remote table pushes projection, the filters its dialect renders with DataFusion's
//! meaning, and LIMIT ([`RemoteTable`]). The federation pass ([`FederatingQueryPlanner`])
//! then cuts out the largest sub-plans one server answers (joins, aggregates, sorts, ...),
//! after regrouping inner joins so that a server's tables meet (`join_regroup`), renders them
//! with the [`sql_render`] functions and runs each with one [`RemoteScanExec`]; a pushed
//! `HAVING` subquery's keys can be read first and fed to its outer query (`key_feed`).

mod federation;
mod join_regroup;
mod key_feed;
pub mod number_rules;
mod postgres_semantics;
mod remote_scan;
mod remote_sql;
mod remote_table;
pub mod sql_render;
#[cfg(test)]
mod sql_render_fuzz;
mod unknown_literals;

pub use federation::{federate, FederatingQueryPlanner};
pub use postgres_semantics::{compares, PostgresSemantics};
pub use remote_scan::RemoteScanExec;
pub use remote_table::RemoteTable;
pub use unknown_literals::UnknownLiterals;
