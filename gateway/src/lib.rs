//! fedgate's PostgreSQL front end: the wire-protocol server, sessions, catalog statements,
//! and the mapping of every error to a SQLSTATE. The binary (`main.rs`) wires it to the
//! catalog and the adapters.

pub mod auth;
pub mod backends;
pub mod cancel;
pub mod catalog_functions;
pub mod catalog_rows;
pub mod catalog_subqueries;
pub mod catalog_vectors;
pub mod column_names;
pub mod ddl;
pub mod errors;
pub mod explain;
pub mod functions;
pub mod handler;
pub mod literals;
pub mod parse;
pub mod pg_syntax;
pub mod pg_text;
pub mod scoped_catalog;
pub mod server;
pub mod session;
pub mod split;
pub mod system_tables;
pub mod tls;
pub mod users;

/// The PostgreSQL version fedgate reports to clients (they pick catalog queries by it).
pub const SERVER_VERSION: &str = "16.6 (fedgate 0.1.0)";
/// `server_version_num` matching [`SERVER_VERSION`].
pub const SERVER_VERSION_NUM: &str = "160006";
