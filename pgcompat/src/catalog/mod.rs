//! The system catalog a session sees and the catalog functions clients call.

pub mod activity;
pub(crate) mod catalog_functions;
pub(crate) mod catalog_rows;
pub(crate) mod functions;
pub(crate) mod information_schema;
pub(crate) mod pg_catalog;
pub(crate) mod scoped_catalog;
pub mod system_tables;
