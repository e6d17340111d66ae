//! The `fedgate` binary: parses options, opens the catalog, registers the sample files on
//! first start, and serves the PostgreSQL protocol until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;

mod limits;
mod logging;
mod metrics;
mod wiring;

use clap::Parser;
use fedgate_adapter_api::ServerOptions;
use fedgate_catalog::{Catalog, FileStore};
use fedgate_gateway::{AuthMode, Gateway, ServerConfig};

/// jemalloc keeps the resident size near the live heap under many short sessions and
/// threads; glibc's per-thread arenas let it grow with fragmentation (heaptrack: 23 MB of
/// heap at 163 MB resident after 12,000 statements on 8 connections).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The server the sample dataset is registered as on first start.
const SAMPLE_SERVER: &str = "samples";

#[derive(Debug, Parser)]
#[command(
    name = "fedgate",
    version,
    about = "A PostgreSQL-protocol gateway that federates databases"
)]
struct Options {
    /// Address to listen on.
    #[arg(long, env = "FEDGATE_LISTEN", default_value = "127.0.0.1:5480")]
    listen: String,
    /// Directory of the catalog (registered servers).
    #[arg(long, env = "FEDGATE_DATA_DIR", default_value = "fedgate-data")]
    data_dir: PathBuf,
    /// Directory registered as the `samples` files server on first start.
    #[arg(long, env = "FEDGATE_SAMPLE_DIR")]
    sample_dir: Option<PathBuf>,
    /// Client authentication: `auto` is trust for loopback clients while no user exists and
    /// scram once one does; `trust` admits loopback clients only; `md5` also stores and
    /// accepts md5 secrets for old clients.
    #[arg(long, env = "FEDGATE_AUTH", value_enum, default_value_t = AuthMode::Auto)]
    auth: AuthMode,
    /// Admin user created on start when it does not exist, with the password from
    /// FEDGATE_ADMIN_PASSWORD or the file in FEDGATE_ADMIN_PASSWORD_FILE.
    #[arg(long, env = "FEDGATE_ADMIN_USER")]
    admin_user: Option<String>,
    /// File holding the admin's password (first line).
    #[arg(long, env = "FEDGATE_ADMIN_PASSWORD_FILE")]
    admin_password_file: Option<PathBuf>,
    /// TLS certificate chain (PEM) for clients that ask for TLS; needs --tls-key.
    #[arg(long, env = "FEDGATE_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM) of --tls-cert.
    #[arg(long, env = "FEDGATE_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Client connections served at once; one more is refused with SQLSTATE 53300 (cancel
    /// requests are always served).
    #[arg(long, env = "FEDGATE_MAX_CONNECTIONS", default_value_t = fedgate_gateway::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Memory all running statements may use together for sorts, aggregates, joins and
    /// buffers (e.g. 4GiB, 512MB); a statement that finds no room spills to --spill-dir or
    /// ends with SQLSTATE 53200. Default: no limit.
    #[arg(long, env = "FEDGATE_MEMORY_LIMIT", value_parser = limits::parse_size)]
    memory_limit: Option<u64>,
    /// Directory for spill files (default: the system's temporary directory).
    #[arg(long, env = "FEDGATE_SPILL_DIR")]
    spill_dir: Option<PathBuf>,
    /// Space the spill files may take together (e.g. 20GiB; default 100GiB); a statement
    /// that needs more ends with SQLSTATE 53100.
    #[arg(long, env = "FEDGATE_SPILL_LIMIT", value_parser = limits::parse_size)]
    spill_limit: Option<u64>,
    /// Address of the HTTP endpoint for Prometheus (`/metrics`) and health checks
    /// (`/healthz`, `/readyz`), e.g. 127.0.0.1:9187. Default: none.
    #[arg(long, env = "FEDGATE_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// How long running statements may go on after SIGTERM or SIGINT before they are
    /// terminated (e.g. 30s, 500ms, 2min; a bare number is seconds).
    #[arg(long, env = "FEDGATE_SHUTDOWN_GRACE", default_value = "30s", value_parser = limits::parse_duration)]
    shutdown_grace: std::time::Duration,
    /// Log lines as `text` or `json`.
    #[arg(long, env = "FEDGATE_LOG_FORMAT", value_enum, default_value_t = logging::LogFormat::Text)]
    log_format: logging::LogFormat,
    /// Statements kept in memory for `fedgate_query_log` (0: none).
    #[arg(long, env = "FEDGATE_QUERY_LOG_SIZE", default_value_t = fedgate_gateway::query_log::DEFAULT_QUERY_LOG_SIZE)]
    query_log_size: usize,
    /// `off` records statements with their literals replaced by `$n`.
    #[arg(long, env = "FEDGATE_LOG_PARAMETERS", default_value = "on", value_parser = parse_on_off, action = clap::ArgAction::Set)]
    log_parameters: bool,
    /// A JSON-lines file every finished statement is appended to.
    #[arg(long, env = "FEDGATE_QUERY_LOG_FILE")]
    query_log_file: Option<PathBuf>,
    /// The size at which --query-log-file is moved to `<file>.1` and started anew (e.g.
    /// 100MB; default 10MB).
    #[arg(long, env = "FEDGATE_QUERY_LOG_FILE_SIZE", value_parser = limits::parse_size)]
    query_log_file_size: Option<u64>,
    /// Logs each statement that takes at least this many milliseconds (`duration: X ms
    /// statement: ...`); -1: none.
    #[arg(long, env = "FEDGATE_LOG_MIN_DURATION_STATEMENT", default_value_t = -1, allow_hyphen_values = true)]
    log_min_duration_statement: i64,
}

/// A boolean setting as PostgreSQL writes it: on/off, true/false, yes/no, 1/0.
fn parse_on_off(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        other => Err(format!("expected on or off, not \"{other}\"")),
    }
}

impl Options {
    fn query_log(&self) -> fedgate_gateway::QueryLogConfig {
        let defaults = fedgate_gateway::QueryLogConfig::default();
        fedgate_gateway::QueryLogConfig {
            size: self.query_log_size,
            log_parameters: self.log_parameters,
            file: self.query_log_file.clone(),
            file_size: self.query_log_file_size.unwrap_or(defaults.file_size),
            min_duration: u64::try_from(self.log_min_duration_statement)
                .ok()
                .map(std::time::Duration::from_millis),
        }
    }
}

/// The admin password from the environment or a file; never from the command line, where
/// other local users could read it.
fn admin_password(options: &Options) -> Result<String, String> {
    if let Some(path) = &options.admin_password_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read the admin password file {}: {e}",
                path.display()
            )
        })?;
        return Ok(text.lines().next().unwrap_or_default().to_string());
    }
    std::env::var("FEDGATE_ADMIN_PASSWORD").map_err(|_| {
        "FEDGATE_ADMIN_USER is set: set FEDGATE_ADMIN_PASSWORD or FEDGATE_ADMIN_PASSWORD_FILE too"
            .to_string()
    })
}

/// Creates the configured admin, and checks that password authentication has users.
async fn set_up_users(catalog: &Catalog, options: &Options) -> Result<(), String> {
    fedgate_gateway::set_store_md5(options.auth == AuthMode::Md5);
    if let Some(admin) = &options.admin_user {
        let password = admin_password(options)?;
        fedgate_gateway::bootstrap_admin(catalog, admin, &password).await?;
    }
    let has_users = catalog.has_users();
    match options.auth {
        AuthMode::Auto if has_users => {
            tracing::info!("authentication: SCRAM-SHA-256 passwords (users exist)")
        }
        AuthMode::Auto => tracing::warn!(
            "authentication: trust for loopback clients only, any user name (no users yet: \
             set FEDGATE_ADMIN_USER and FEDGATE_ADMIN_PASSWORD, or CREATE USER ... SUPERUSER)"
        ),
        AuthMode::Trust => {
            tracing::warn!("authentication: trust (--auth trust), loopback clients only")
        }
        AuthMode::Scram | AuthMode::Md5 if !has_users => {
            return Err(format!(
                "--auth {:?} needs a user: set FEDGATE_ADMIN_USER and FEDGATE_ADMIN_PASSWORD",
                options.auth
            )
            .to_lowercase())
        }
        AuthMode::Scram => tracing::info!("authentication: SCRAM-SHA-256 passwords"),
        AuthMode::Md5 => tracing::info!(
            "authentication: md5 for users with a stored md5 secret, SCRAM-SHA-256 for others"
        ),
    }
    Ok(())
}

fn default_sample_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-data"))
}

#[tokio::main]
async fn main() {
    let options = Options::parse();
    logging::init(options.log_format);
    if let Err(message) = run(options).await {
        tracing::error!("{message}");
        std::process::exit(1);
    }
    // Statements still blocking a thread (a local pg_sleep) must not hold the exit.
    std::process::exit(0);
}

async fn run(options: Options) -> Result<(), String> {
    let store = FileStore::open(&options.data_dir).map_err(|e| e.to_string())?;
    let wrappers = wiring::wrappers();
    let mut planning = wiring::planning(&wrappers);
    let limits = limits::Limits {
        memory: options.memory_limit,
        spill_dir: options.spill_dir.clone(),
        spill_limit: options.spill_limit,
    };
    planning.runtime = limits.runtime()?;
    if let Some(address) = &options.metrics_listen {
        let runtime = metrics::shared_runtime(planning.runtime.take())?;
        planning.runtime = Some(runtime.clone());
        metrics::start(address, runtime).await?;
    }
    if let Some(bytes) = limits.memory {
        tracing::info!("memory limit for all statements: {bytes} bytes (spilling to disk beyond)");
    }
    let remote_tables = Arc::new(wiring::PlannerRemoteTables);
    let catalog = Catalog::open(Arc::new(store), Arc::new(wrappers), remote_tables)
        .await
        .map_err(|e| e.to_string())?;
    register_samples_on_first_start(&catalog, options.sample_dir.clone()).await?;
    set_up_users(&catalog, &options).await?;
    let tls = match (&options.tls_cert, &options.tls_key) {
        (Some(cert), Some(key)) => Some(fedgate_gateway::load_tls(cert, key)?),
        _ => None,
    };
    if tls.is_some() {
        tracing::info!("TLS enabled for clients that ask for it");
    }
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // The listener queues connections from now on: ready (`/readyz`).
    fedgate_telemetry::health().set_accepting();
    tracing::info!(
        "fedgate listening on {address} (catalog in {})",
        options.data_dir.display()
    );
    let gateway = Arc::new(Gateway::with_query_log(
        catalog,
        planning,
        options.query_log(),
    ));
    if options.metrics_listen.is_some() {
        metrics::observe_servers(&gateway);
    }
    let config = ServerConfig {
        auth: options.auth,
        tls,
        max_connections: options.max_connections,
        shutdown_grace: options.shutdown_grace,
    };
    fedgate_gateway::serve(listener, gateway, config, shutdown_signal())
        .await
        .map_err(|e| format!("listener failed: {e}"))?;
    tracing::info!("fedgate stopped");
    Ok(())
}

async fn register_samples_on_first_start(
    catalog: &Catalog,
    sample_dir: Option<PathBuf>,
) -> Result<(), String> {
    if catalog.is_initialized() {
        return Ok(());
    }
    let dir = sample_dir.unwrap_or_else(default_sample_dir);
    if dir.is_dir() {
        let path = dir.canonicalize().map_err(|e| e.to_string())?;
        let options =
            ServerOptions::new([("path".to_string(), path.to_string_lossy().to_string())].into());
        if let Err(e) = catalog
            .create_server(SAMPLE_SERVER, "files", options, true)
            .await
        {
            tracing::warn!("sample dataset not registered: {e}");
        }
    } else {
        tracing::warn!(
            "sample directory {} not found; no samples server",
            dir.display()
        );
    }
    catalog.mark_initialized().await.map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}
