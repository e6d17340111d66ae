//! fedgate's PostgreSQL front end: the wire-protocol server, connections and their
//! authentication, sessions, cancel requests and timeouts, users and catalog statements,
//! and the mapping of every error to a SQLSTATE. What makes answers PostgreSQL's is the
//! `pgcompat` crate; the binary (crate `fedgate`) wires this to the catalog and the
//! backends.

pub mod auth;
mod cancel;
mod ddl;
mod errors;
pub mod handler;
pub mod server;
mod session;
pub mod tls;
pub mod users;

pub use fedgate_pgcompat::{SERVER_VERSION, SERVER_VERSION_NUM};
