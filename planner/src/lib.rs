//! The federation planner: which parts of a query go to which backend, how they are rendered
//! in the backend's SQL dialect, and the operator that runs them.
//!
//! Today a remote table pushes projection, the filters its dialect renders with DataFusion's
//! meaning, and LIMIT ([`RemoteTable`]); the rest of the plan runs in DataFusion. Whole
//! sub-plans (joins, aggregates) will be cut out by an optimizer rule that renders them with
//! the same [`sql_render`] functions and runs them with the same [`RemoteScanExec`].

mod federation;
mod join_regroup;
mod postgres_semantics;
mod remote_scan;
mod remote_table;
pub mod sql_render;

pub use federation::{federate, FederatingQueryPlanner};
pub use postgres_semantics::PostgresSemantics;
pub use remote_scan::RemoteScanExec;
pub use remote_table::RemoteTable;
