//! The process log on standard error: one line per event, as text (default) or JSON
//! (`FEDGATE_LOG_FORMAT=json`), filtered by `FEDGATE_LOG` (e.g. `info`, `debug`,
//! `fedgate_gateway=debug`). A session's lines carry its `connection` span with the
//! session's pid (JSON: `"span":{"pid":10001,"name":"connection"}`). Nothing logged
//! carries a password: statements are not logged, catalog statements only by verb and name.

use tracing_subscriber::EnvFilter;

/// The log's line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the process's log subscriber.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("FEDGATE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}
