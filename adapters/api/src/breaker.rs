//! The circuit breaker of one server: after `breaker_failures` connection attempts in a row
//! that could not reach the server (class 08), the server is marked down for
//! `breaker_backoff`, and statements that need a new connection fail at once with 08001 and
//! the last connection error instead of each waiting for the connect timeout. After the
//! back-off one trial attempt goes through (the others still fail fast): success closes the
//! breaker, failure marks the server down again for twice as long, up to [`MAX_BACKOFF`].
//!
//! Errors that show the server was reached (authentication, a missing database, ...) reset
//! the count; waiting for a busy pool (class 53) neither counts nor resets.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::option_values::{parse_count, parse_duration, show_duration};
use crate::{AdapterError, Result, ServerOptions};

/// The longest time a server stays marked down between two trials.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

const DEFAULT_FAILURES: usize = 3;
const DEFAULT_BACKOFF: Duration = Duration::from_secs(5);

/// `breaker_failures` (0: no breaker) and `breaker_backoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    pub failures: u32,
    pub backoff: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failures: DEFAULT_FAILURES as u32,
            backoff: DEFAULT_BACKOFF,
        }
    }
}

impl BreakerConfig {
    /// Reads `breaker_failures` and `breaker_backoff`.
    pub fn parse(options: &ServerOptions) -> Result<Self> {
        let failures = match options.get("breaker_failures").map(str::trim) {
            Some("0") => 0,
            value => parse_count("breaker_failures", value, DEFAULT_FAILURES, 1000)? as u32,
        };
        let backoff = parse_duration(
            "breaker_backoff",
            options.get("breaker_backoff"),
            DEFAULT_BACKOFF,
            Duration::from_millis(10),
            Duration::from_secs(3600),
        )?;
        Ok(Self { failures, backoff })
    }
}

/// Where the breaker reads the time (a fake one in tests).
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The breaker of one server; shared by all its statements.
pub struct CircuitBreaker {
    config: BreakerConfig,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("config", &self.config)
            .field("down", &self.is_down())
            .finish()
    }
}

#[derive(Default)]
struct State {
    failures: u32,
    down: Option<Down>,
    trial_running: bool,
}

struct Down {
    until: Instant,
    backoff: Duration,
    last_error: AdapterError,
}

/// What an attempt's outcome means for the breaker.
enum Outcome {
    Reached,
    Unreachable(AdapterError),
    Neutral,
}

impl CircuitBreaker {
    pub fn new(config: BreakerConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    pub fn with_clock(config: BreakerConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// True while the server is marked down.
    pub fn is_down(&self) -> bool {
        self.lock().down.is_some()
    }

    /// Runs one connection attempt through the breaker: fails fast with 08001 while the
    /// server is marked down, else runs `attempt` and counts its outcome.
    pub async fn connect<T, F>(&self, attempt: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let mut ticket = self.admit()?;
        let result = attempt.await;
        ticket.record(result.as_ref().err());
        result
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn admit(&self) -> Result<Ticket<'_>> {
        let mut state = self.lock();
        let now = self.clock.now();
        let trial = match &state.down {
            None => false,
            Some(down) if now < down.until || state.trial_running => {
                return Err(self.fast_failure(down, state.failures, now));
            }
            Some(_) => true,
        };
        state.trial_running |= trial;
        Ok(Ticket {
            breaker: self,
            trial,
            recorded: false,
        })
    }

    fn fast_failure(&self, down: &Down, failures: u32, now: Instant) -> AdapterError {
        let wait = down.until.saturating_duration_since(now);
        let next = if wait.is_zero() {
            "a trial connection is under way".to_string()
        } else {
            format!("next attempt in {}", show_duration(round_up(wait)))
        };
        AdapterError::unable_to_connect(format!(
            "marked down after {failures} failed connection attempts; {next}"
        ))
        .with_detail(format!("last error: {}", down.last_error.message))
        .with_hint("the breaker_failures and breaker_backoff options of the server set this")
    }

    fn record(&self, trial: bool, outcome: Outcome) {
        let mut state = self.lock();
        if trial {
            state.trial_running = false;
        }
        match outcome {
            Outcome::Reached => {
                state.failures = 0;
                state.down = None;
            }
            Outcome::Neutral => {}
            Outcome::Unreachable(error) => {
                state.failures = state.failures.saturating_add(1);
                self.mark_down(&mut state, trial, error);
            }
        }
    }

    fn mark_down(&self, state: &mut State, trial: bool, last_error: AdapterError) {
        if self.config.failures == 0 {
            return;
        }
        let backoff = match &state.down {
            Some(down) if trial => (down.backoff * 2).min(MAX_BACKOFF.max(self.config.backoff)),
            Some(down) => down.backoff,
            None if state.failures >= self.config.failures => self.config.backoff,
            None => return,
        };
        let until = match &state.down {
            Some(down) if !trial => down.until,
            _ => self.clock.now() + backoff,
        };
        state.down = Some(Down {
            until,
            backoff,
            last_error,
        });
    }
}

/// `wait` in whole seconds (rounded up) from one second on, else in milliseconds.
fn round_up(wait: Duration) -> Duration {
    if wait >= Duration::from_secs(1) {
        Duration::from_secs(wait.as_millis().div_ceil(1000) as u64)
    } else {
        Duration::from_millis(wait.as_millis().max(1) as u64)
    }
}

/// One admitted attempt; an attempt dropped before its end (its statement was cancelled)
/// frees the trial slot.
struct Ticket<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    recorded: bool,
}

impl Ticket<'_> {
    fn record(&mut self, error: Option<&AdapterError>) {
        let outcome = match error {
            None => Outcome::Reached,
            Some(e) if e.sqlstate.code().starts_with("08") => Outcome::Unreachable(e.clone()),
            Some(e) if e.sqlstate.code().starts_with("53") => Outcome::Neutral,
            Some(_) => Outcome::Reached,
        };
        self.breaker.record(self.trial, outcome);
        self.recorded = true;
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.recorded && self.trial {
            self.breaker.lock().trial_running = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqlState;

    #[derive(Default)]
    struct FakeClock {
        start: Option<Instant>,
        offset: Mutex<Duration>,
    }

    impl FakeClock {
        fn new() -> Arc<Self> {
            Arc::new(Self {
                start: Some(Instant::now()),
                offset: Mutex::new(Duration::ZERO),
            })
        }
        fn advance(&self, by: Duration) {
            *self.offset.lock().unwrap() += by;
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start.unwrap() + *self.offset.lock().unwrap()
        }
    }

    fn breaker(clock: &Arc<FakeClock>) -> CircuitBreaker {
        let config = BreakerConfig {
            failures: 2,
            backoff: Duration::from_secs(5),
        };
        CircuitBreaker::with_clock(config, clock.clone())
    }

    fn refused() -> Result<()> {
        Err(AdapterError::unable_to_connect(
            "could not connect to db:1: refused",
        ))
    }

    /// One failing attempt through `b`: its error, and whether it ran.
    async fn attempts(b: &CircuitBreaker) -> (Option<AdapterError>, bool) {
        let ran = std::cell::Cell::new(false);
        let result = b
            .connect(async {
                ran.set(true);
                refused()
            })
            .await;
        (result.err(), ran.get())
    }

    #[tokio::test]
    async fn opens_after_n_failures_and_fails_fast_with_the_last_error() {
        let clock = FakeClock::new();
        let b = breaker(&clock);
        assert!(attempts(&b).await.1);
        assert!(!b.is_down());
        assert!(attempts(&b).await.1);
        assert!(b.is_down());
        let (result, ran) = attempts(&b).await;
        assert!(!ran, "a marked-down server is not tried");
        let e = result.unwrap();
        assert_eq!(e.sqlstate, "08001");
        assert!(
            e.message.contains("marked down after 2 failed"),
            "{}",
            e.message
        );
        assert!(e.message.contains("next attempt in 5s"), "{}", e.message);
        assert!(e.detail.unwrap().contains("refused"));
    }

    #[tokio::test]
    async fn trial_after_backoff_doubles_or_closes() {
        let clock = FakeClock::new();
        let b = breaker(&clock);
        attempts(&b).await;
        attempts(&b).await;
        clock.advance(Duration::from_secs(5));
        assert!(attempts(&b).await.1, "one trial after the back-off");
        let e = attempts(&b).await.0.unwrap();
        assert!(e.message.contains("next attempt in 10s"), "{}", e.message);
        clock.advance(Duration::from_secs(10));
        b.connect(async { Ok(()) }).await.unwrap();
        assert!(!b.is_down());
        assert!(attempts(&b).await.1);
        assert!(!b.is_down(), "the count starts again after a success");
    }

    #[tokio::test]
    async fn backoff_is_capped() {
        let clock = FakeClock::new();
        let b = breaker(&clock);
        attempts(&b).await;
        attempts(&b).await;
        for _ in 0..8 {
            clock.advance(MAX_BACKOFF);
            assert!(attempts(&b).await.1);
        }
        let e = attempts(&b).await.0.unwrap();
        assert!(e.message.contains("next attempt in 1min"), "{}", e.message);
    }

    #[tokio::test]
    async fn only_one_trial_and_a_cancelled_trial_frees_its_slot() {
        let clock = FakeClock::new();
        let b = breaker(&clock);
        attempts(&b).await;
        attempts(&b).await;
        clock.advance(Duration::from_secs(5));
        let mut first = Box::pin(b.connect(std::future::pending::<Result<()>>()));
        assert!(futures::poll!(first.as_mut()).is_pending());
        let e = attempts(&b).await.0.unwrap();
        assert!(e.message.contains("trial connection"), "{}", e.message);
        drop(first);
        assert!(attempts(&b).await.1, "the slot is free again");
    }

    #[tokio::test]
    async fn reaching_the_server_resets_and_busy_pools_are_neutral() {
        let clock = FakeClock::new();
        let b = breaker(&clock);
        attempts(&b).await;
        let auth = AdapterError::invalid_password("no");
        let _ = b.connect(async { Err::<(), _>(auth) }).await;
        attempts(&b).await;
        assert!(!b.is_down(), "the auth error reset the count");
        let busy = AdapterError::new(SqlState::TooManyConnections, "busy");
        let _ = b.connect(async { Err::<(), _>(busy) }).await;
        attempts(&b).await;
        assert!(b.is_down());
    }

    #[tokio::test]
    async fn zero_failures_turns_it_off() {
        let b = CircuitBreaker::new(BreakerConfig {
            failures: 0,
            backoff: Duration::from_secs(5),
        });
        for _ in 0..5 {
            assert!(attempts(&b).await.1);
        }
        assert!(!b.is_down());
    }
}
