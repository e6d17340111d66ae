//! The connection pool of one server, with the adapter's timeouts and error mapping.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use fedgate_adapter_api::AdapterError;
use mysql_async::{Conn, Opts, Pool};

use crate::error::{from_mysql, timed_out, Endpoint, Phase};
use crate::options::MySqlOptions;
use fedgate_adapter_api::SqlState;

/// How long a caller waits for a free connection when all `pool_size` connections are busy.
const POOL_WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Connections held by the pool of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Open connections (idle in the pool or in use).
    pub open: usize,
    /// Idle connections in the pool.
    pub idle: usize,
    /// Connections in use by discovery or scans.
    pub in_use: usize,
}

/// The pool plus what is needed to open extra connections (for `KILL QUERY`).
#[derive(Clone)]
pub(crate) struct Connector {
    pub server: Arc<str>,
    pub pool: Pool,
    pub kill_opts: Opts,
    pub endpoint: Endpoint,
    pub pool_size: usize,
}

impl Connector {
    pub fn new(server: &str, options: &MySqlOptions) -> Self {
        Self {
            server: server.into(),
            pool: Pool::new(options.pool_opts()),
            kill_opts: options.kill_opts(),
            endpoint: Endpoint {
                address: options.endpoint(),
                connect_timeout: options.connect_timeout,
            },
            pool_size: options.pool_size,
        }
    }

    pub fn status(&self) -> PoolStatus {
        let metrics = self.pool.metrics();
        PoolStatus {
            open: metrics.connection_count.load(Ordering::Relaxed),
            idle: metrics.connections_in_pool.load(Ordering::Relaxed),
            in_use: metrics.connections_in_use.load(Ordering::Relaxed),
        }
    }

    /// A pooled connection. Opening one is bounded by `connect_timeout` (08001 naming
    /// `host:port`); waiting for a busy pool by a minute (53300).
    pub async fn get(&self) -> Result<Conn, AdapterError> {
        let busy = self.status().in_use >= self.pool_size;
        let limit = if busy {
            POOL_WAIT_TIMEOUT
        } else {
            self.endpoint.connect_timeout
        };
        match tokio::time::timeout(limit, self.pool.get_conn()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(from_mysql(&e, &self.endpoint, Phase::Connect)),
            Err(_) if busy && self.status().in_use >= self.pool_size => Err(AdapterError::new(
                SqlState::TooManyConnections,
                format!(
                    "timed out waiting for a free connection to {} (all {} pooled connections are busy)",
                    self.endpoint.address, self.pool_size
                ),
            )
            .with_hint("raise the pool_size option of the server")),
            Err(_) => Err(timed_out(&self.endpoint)),
        }
    }

    /// Maps an error on an established connection.
    pub fn query_error(&self, error: &mysql_async::Error) -> AdapterError {
        from_mysql(error, &self.endpoint, Phase::Query)
    }
}
