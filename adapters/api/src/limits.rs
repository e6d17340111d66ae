//! The limits every remote backend shares: keepalive on its sockets, a statement timeout,
//! the size of its connection pool and how long a statement waits for a pooled connection,
//! and the circuit breaker's settings. Each adapter lists [`LIMIT_OPTIONS`] among its
//! known options and parses them with [`BackendLimits::parse`]; `connect_timeout` stays
//! with each adapter (it may also come from a URL parameter).
//!
//! | option               | default | meaning                                                      |
//! |----------------------|---------|--------------------------------------------------------------|
//! | `keepalive_idle`     | `60s`   | idle time before TCP keepalive probes start; `0` turns them off |
//! | `keepalive_interval` | `10s`   | time between keepalive probes                                |
//! | `statement_timeout`  | `0`     | longest run of one remote part (server-side, and fedgate's own deadline 1 s later); `0`: none |
//! | `pool_max_size`      | `8`     | pooled connections per server (`pool_size` is the older name) |
//! | `pool_timeout`       | `30s`   | wait for a free pooled connection before 53300               |
//! | `breaker_failures`   | `3`     | consecutive failed connects that mark the server down; `0`: no breaker |
//! | `breaker_backoff`    | `5s`    | first time marked down; doubles per failed trial, up to 1 min |
//!
//! Durations are written as `500ms`, `5s`, `2min`; a bare number is seconds.

use std::time::Duration;

use crate::breaker::BreakerConfig;
use crate::option_values::{invalid_value, parse_count, parse_duration, show_duration};
use crate::{AdapterError, Result, ServerOptions, SqlState};

/// The option names [`BackendLimits::parse`] reads.
pub const LIMIT_OPTIONS: &[&str] = &[
    "keepalive_idle",
    "keepalive_interval",
    "statement_timeout",
    "pool_max_size",
    "pool_size",
    "pool_timeout",
    "breaker_failures",
    "breaker_backoff",
];

/// How much later than `statement_timeout` fedgate gives up on a backend that did not end
/// the statement itself (its own timeout error is lost when the backend is frozen).
pub const STATEMENT_TIMEOUT_GRACE: Duration = Duration::from_secs(1);

const DEFAULT_POOL_MAX_SIZE: usize = 8;
const MAX_POOL_MAX_SIZE: usize = 1000;
const DEFAULT_POOL_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const DAY: Duration = Duration::from_secs(86_400);

/// TCP keepalive on the backend sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    pub idle: Duration,
    pub interval: Duration,
}

/// The parsed limits of one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendLimits {
    /// `None`: keepalive off (`keepalive_idle 0`).
    pub keepalive: Option<Keepalive>,
    /// `None`: no statement timeout.
    pub statement_timeout: Option<Duration>,
    pub pool_max_size: usize,
    pub pool_timeout: Duration,
    pub breaker: BreakerConfig,
}

impl Default for BackendLimits {
    fn default() -> Self {
        Self::parse(&ServerOptions::default()).expect("the defaults are valid")
    }
}

impl BackendLimits {
    /// Reads [`LIMIT_OPTIONS`]; a value out of range is 22023 naming the option.
    pub fn parse(options: &ServerOptions) -> Result<Self> {
        let duration = |name: &str, default: Duration, min: Duration, max: Duration| {
            parse_duration(name, options.get(name), default, min, max)
        };
        let idle = duration(
            "keepalive_idle",
            DEFAULT_KEEPALIVE_IDLE,
            Duration::ZERO,
            DAY,
        )?;
        let interval = duration(
            "keepalive_interval",
            DEFAULT_KEEPALIVE_INTERVAL,
            Duration::from_secs(1),
            DAY,
        )?;
        let statement_timeout = duration("statement_timeout", Duration::ZERO, Duration::ZERO, DAY)?;
        Ok(Self {
            keepalive: (!idle.is_zero()).then_some(Keepalive { idle, interval }),
            statement_timeout: (!statement_timeout.is_zero()).then_some(statement_timeout),
            pool_max_size: parse_pool_max_size(options)?,
            pool_timeout: duration(
                "pool_timeout",
                DEFAULT_POOL_TIMEOUT,
                Duration::from_millis(1),
                DAY,
            )?,
            breaker: BreakerConfig::parse(options)?,
        })
    }

    /// fedgate's own deadline for one remote part: the statement timeout plus
    /// [`STATEMENT_TIMEOUT_GRACE`], so that the backend's own timeout error arrives first
    /// when the backend still answers.
    pub fn remote_deadline(&self) -> Option<Duration> {
        self.statement_timeout.map(|t| t + STATEMENT_TIMEOUT_GRACE)
    }

    /// 08006 for the backend at `address` that did not answer within `statement_timeout`
    /// and the grace (its connection is dropped).
    pub fn no_answer(&self, address: &str) -> AdapterError {
        AdapterError::connection_failure(format!(
            "no answer from {address} within statement_timeout ({}) and a grace of {}; the connection is closed",
            show_duration(self.statement_timeout.unwrap_or_default()),
            show_duration(STATEMENT_TIMEOUT_GRACE)
        ))
        .with_hint("the backend may be frozen or the network between fedgate and it broken")
    }

    /// Runs `step` (e.g. a discovery step) under [`Self::remote_deadline`]: a frozen
    /// backend ends it with `no_answer()` instead of holding the statement that needed it.
    pub async fn bounded<T>(
        &self,
        step: impl std::future::Future<Output = Result<T>>,
        no_answer: impl FnOnce() -> AdapterError,
    ) -> Result<T> {
        let Some(limit) = self.remote_deadline() else {
            return step.await;
        };
        match tokio::time::timeout(limit, step).await {
            Ok(result) => result,
            Err(_) => Err(no_answer()),
        }
    }

    /// 53300 for a statement that waited `pool_timeout` for one of the pool's connections.
    pub fn pool_exhausted(&self) -> AdapterError {
        AdapterError::new(
            SqlState::TooManyConnections,
            format!(
                "connection pool exhausted: {} connections busy for {}",
                self.pool_max_size,
                show_duration(self.pool_timeout)
            ),
        )
        .with_hint("raise the server's pool_max_size or pool_timeout option, or run fewer statements on it at once")
    }
}

/// `pool_max_size`, or its older name `pool_size`; both at once must agree.
fn parse_pool_max_size(options: &ServerOptions) -> Result<usize> {
    let parse = |name: &str| {
        parse_count(
            name,
            options.get(name),
            DEFAULT_POOL_MAX_SIZE,
            MAX_POOL_MAX_SIZE,
        )
    };
    match (options.get("pool_max_size"), options.get("pool_size")) {
        (Some(_), Some(old)) => {
            let (new_value, old_value) = (parse("pool_max_size")?, parse("pool_size")?);
            if new_value == old_value {
                Ok(new_value)
            } else {
                Err(invalid_value(
                    "pool_size",
                    old,
                    "pool_size is the older name of pool_max_size; give one of them",
                ))
            }
        }
        (None, Some(_)) => parse("pool_size"),
        _ => parse("pool_max_size"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> ServerOptions {
        ServerOptions::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults() {
        let l = BackendLimits::default();
        assert_eq!(
            l.keepalive,
            Some(Keepalive {
                idle: Duration::from_secs(60),
                interval: Duration::from_secs(10)
            })
        );
        assert_eq!(l.statement_timeout, None);
        assert_eq!(l.remote_deadline(), None);
        assert_eq!(l.pool_max_size, 8);
        assert_eq!(l.pool_timeout, Duration::from_secs(30));
        assert_eq!(l.breaker, BreakerConfig::default());
    }

    #[test]
    fn values_and_alias() {
        let l = BackendLimits::parse(&opts(&[
            ("keepalive_idle", "0"),
            ("statement_timeout", "1500ms"),
            ("pool_size", "2"),
            ("pool_timeout", "1s"),
        ]))
        .unwrap();
        assert_eq!(l.keepalive, None);
        assert_eq!(l.statement_timeout, Some(Duration::from_millis(1500)));
        assert_eq!(l.remote_deadline(), Some(Duration::from_millis(2500)));
        assert_eq!(l.pool_max_size, 2);
        let e = l.pool_exhausted();
        assert_eq!(e.sqlstate, "53300");
        assert!(
            e.message.contains("2 connections busy for 1s"),
            "{}",
            e.message
        );
        let both = opts(&[("pool_size", "2"), ("pool_max_size", "3")]);
        assert_eq!(BackendLimits::parse(&both).unwrap_err().sqlstate, "22023");
        let same = opts(&[("pool_size", "4"), ("pool_max_size", "4")]);
        assert_eq!(BackendLimits::parse(&same).unwrap().pool_max_size, 4);
    }

    #[test]
    fn bad_values_name_the_option() {
        for (name, value) in [
            ("keepalive_interval", "0"),
            ("statement_timeout", "-1"),
            ("pool_max_size", "0"),
            ("pool_size", "x"),
            ("pool_timeout", "0"),
            ("breaker_failures", "x"),
            ("breaker_backoff", "0"),
        ] {
            let e = BackendLimits::parse(&opts(&[(name, value)])).unwrap_err();
            assert_eq!(e.sqlstate, "22023", "{name}");
            assert!(e.message.contains(name), "{}", e.message);
        }
    }
}
