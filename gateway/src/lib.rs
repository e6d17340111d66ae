//! fedgate's PostgreSQL front end: the wire-protocol server, connections and their
//! authentication, sessions, cancel requests and timeouts, users and catalog statements,
//! and the mapping of every error to a SQLSTATE. What makes answers PostgreSQL's is the
//! `pgcompat` crate; the binary (crate `fedgate`) wires this to the catalog and the
//! backends.

mod activity;
mod auth;
mod cancel;
mod ddl;
mod errors;
mod handler;
mod observe;
pub mod query_log;
pub mod remote_activity;
mod server;
mod session;
mod shutdown;
mod tls;
mod users;
#[cfg(test)]
mod wire_fuzz;

pub use handler::Gateway;
pub use query_log::QueryLogConfig;
pub use server::{serve, AuthMode, ServerConfig, DEFAULT_MAX_CONNECTIONS};
pub use shutdown::DEFAULT_SHUTDOWN_GRACE;
pub use tls::{load as load_tls, Tls};
pub use users::{bootstrap_admin, set_store_md5};

pub use fedgate_pgcompat::{SERVER_VERSION, SERVER_VERSION_NUM};
