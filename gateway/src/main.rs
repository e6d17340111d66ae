//! The `fedgate` binary: parses options, opens the catalog, registers the sample files on
//! first start, and serves the PostgreSQL protocol until SIGTERM or Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use fedgate_adapter_api::ServerOptions;
use fedgate_catalog::{Catalog, FileStore};
use fedgate_gateway::backends::Adapters;
use fedgate_gateway::handler::Gateway;

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
}

fn default_sample_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-data"))
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FEDGATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(message) = run(Options::parse()).await {
        tracing::error!("{message}");
        std::process::exit(1);
    }
}

async fn run(options: Options) -> Result<(), String> {
    let store = FileStore::open(&options.data_dir).map_err(|e| e.to_string())?;
    let catalog = Catalog::open(Arc::new(store), Arc::new(Adapters))
        .await
        .map_err(|e| e.to_string())?;
    register_samples_on_first_start(&catalog, options.sample_dir).await?;
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(
        "fedgate listening on {address} (catalog in {})",
        options.data_dir.display()
    );
    let gateway = Arc::new(Gateway::new(catalog));
    fedgate_gateway::server::serve(listener, gateway, shutdown_signal())
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
