//! The system catalog a session sees and the catalog functions clients call.

pub mod catalog_functions;
pub mod catalog_rows;
pub mod functions;
pub(crate) mod pg_catalog;
pub mod scoped_catalog;
pub mod system_tables;
