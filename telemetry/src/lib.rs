//! fedgate's telemetry: the process-wide metrics ([`metrics()`], Prometheus/OpenMetrics
//! text format through `prometheus-client`), the process health ([`health()`]: up, ready,
//! shutting down), and the small HTTP endpoint that serves both (`--metrics-listen`:
//! `/metrics`, `/healthz`, `/readyz`).
//!
//! Everything that counts something calls into [`Metrics`]; nothing here knows the gateway,
//! the planner or the adapters. Values that are read rather than counted (the memory pool's
//! reservation, spill space, connection pools) are registered as sources and read at each
//! scrape. The metric names and labels are listed in `docs/operations.md`.

mod health;
mod http;
mod metrics;

pub use health::{health, Health};
pub use http::serve as serve_http;
pub use metrics::{
    metrics, sqlstate_class, Metrics, PoolStats, PoolStatsSource, ResourceSource, ResourceUse,
    StatementOutcome,
};
