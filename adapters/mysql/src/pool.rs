//! The connection pool of one server, with the adapter's timeouts, circuit breaker and error
//! mapping.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use fedgate_adapter_api::{AdapterError, BackendLimits, CircuitBreaker, PoolStatus};
use mysql_async::{Conn, Opts, Pool};

use crate::error::{from_mysql, timed_out, Endpoint, Phase};
use crate::options::MySqlOptions;

/// The pool plus what is needed to open extra connections (for `KILL QUERY`).
#[derive(Clone)]
pub(crate) struct Connector {
    pub server: Arc<str>,
    pub pool: Pool,
    pub kill_opts: Opts,
    pub endpoint: Endpoint,
    pub limits: BackendLimits,
    pub breaker: Arc<CircuitBreaker>,
    /// Callers waiting for a busy pool.
    waiting: Arc<AtomicUsize>,
}

/// Counts a caller as waiting while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
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
            limits: options.limits.clone(),
            breaker: Arc::new(CircuitBreaker::new(options.limits.breaker)),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn status(&self) -> PoolStatus {
        let metrics = self.pool.metrics();
        let size = metrics.connection_count.load(Ordering::Relaxed);
        let in_use = metrics.connections_in_use.load(Ordering::Relaxed);
        PoolStatus {
            size,
            idle: size.saturating_sub(in_use),
            waiting: self.waiting.load(Ordering::Relaxed),
            max_size: self.limits.pool_max_size,
        }
    }

    fn in_use(&self) -> usize {
        self.pool
            .metrics()
            .connections_in_use
            .load(Ordering::Relaxed)
    }

    /// A pooled connection, through the server's circuit breaker. Opening one is bounded by
    /// `connect_timeout` (08001 naming `host:port`); waiting for a busy pool by
    /// `pool_timeout` (53300).
    pub async fn get(&self) -> Result<Conn, AdapterError> {
        self.breaker.connect(self.get_unguarded()).await
    }

    async fn get_unguarded(&self) -> Result<Conn, AdapterError> {
        let busy = self.in_use() >= self.limits.pool_max_size;
        let (limit, _waiting) = if busy {
            (self.limits.pool_timeout, Some(Waiting::new(&self.waiting)))
        } else {
            (self.endpoint.connect_timeout, None)
        };
        match tokio::time::timeout(limit, self.pool.get_conn()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(from_mysql(&e, &self.endpoint, Phase::Connect)),
            Err(_) if busy && self.in_use() >= self.limits.pool_max_size => {
                Err(self.limits.pool_exhausted())
            }
            Err(_) => Err(timed_out(&self.endpoint)),
        }
    }

    /// Maps an error on an established connection.
    pub fn query_error(&self, error: &mysql_async::Error) -> AdapterError {
        from_mysql(error, &self.endpoint, Phase::Query)
    }
}
