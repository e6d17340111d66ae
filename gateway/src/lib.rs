//! fedgate's PostgreSQL front end: the wire-protocol server, sessions, catalog statements,
//! and the mapping of every error to a SQLSTATE. The binary (`main.rs`) wires it to the
//! catalog and the adapters.

pub mod auth;
pub mod backends;
mod cancel;
mod ddl;
mod errors;
pub mod handler;
pub mod server;
mod session;
pub mod tls;
pub mod users;

pub use fedgate_pgcompat::{SERVER_VERSION, SERVER_VERSION_NUM};
