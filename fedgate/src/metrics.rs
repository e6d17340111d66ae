//! Starts the metrics and health endpoint (`--metrics-listen`) and connects what the
//! metrics read: the shared DataFusion runtime (memory reserved by statements, bytes in
//! spill files), the servers' connection pools, and the remote parts as they end (rows,
//! bytes and time per server).

use std::sync::Arc;

use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use fedgate_catalog::Catalog;
use fedgate_gateway::remote_activity::FinishedPart;
use fedgate_gateway::Gateway;
use fedgate_telemetry::{PoolStats, PoolStatsSource, ResourceSource, ResourceUse};

/// The runtime's memory pool and spill files, read at each scrape.
struct RuntimeUse(Arc<RuntimeEnv>);

impl ResourceSource for RuntimeUse {
    fn resource_use(&self) -> ResourceUse {
        ResourceUse {
            memory_reserved: self.0.memory_pool.reserved() as u64,
            spill_bytes: self.0.disk_manager.used_disk_space(),
        }
    }
}

/// The runtime the sessions share: `configured` (memory or spill limits), or else one with
/// DataFusion's defaults (no limit) so that the metrics see every statement's memory.
pub fn shared_runtime(configured: Option<Arc<RuntimeEnv>>) -> Result<Arc<RuntimeEnv>, String> {
    match configured {
        Some(runtime) => Ok(runtime),
        None => RuntimeEnvBuilder::new()
            .build_arc()
            .map_err(|e| format!("cannot set up the runtime: {e}")),
    }
}

/// Binds `address` and serves `/metrics`, `/healthz` and `/readyz` on it.
pub async fn start(address: &str, runtime: Arc<RuntimeEnv>) -> Result<(), String> {
    fedgate_telemetry::metrics().set_resource_source(Arc::new(RuntimeUse(runtime)));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen for metrics on {address}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("metrics on http://{bound}/metrics (health: /healthz, /readyz)");
    tokio::spawn(fedgate_telemetry::serve_http(listener));
    Ok(())
}

/// The connection pools of the catalog's servers, read at each scrape.
struct CatalogPools(Catalog);

impl PoolStatsSource for CatalogPools {
    fn pools(&self) -> Vec<PoolStats> {
        self.0
            .servers()
            .into_iter()
            .filter_map(|server| {
                let status = self.0.backend(&server.name)?.pool_status()?;
                Some(PoolStats {
                    server: server.name,
                    size: status.size as u64,
                    idle: status.idle as u64,
                    waiting: status.waiting as u64,
                })
            })
            .collect()
    }
}

/// Feeds the per-server metrics: pools at each scrape, remote parts as each ends.
pub fn observe_servers(gateway: &Gateway) {
    let metrics = fedgate_telemetry::metrics();
    metrics.add_pool_source(Arc::new(CatalogPools(gateway.catalog().clone())));
    gateway
        .remote_activity()
        .add_listener(Arc::new(|finished: &FinishedPart<'_>| {
            let part = finished.part;
            fedgate_telemetry::metrics().remote_part_finished(
                &part.server,
                part.rows(),
                part.bytes(),
                part.elapsed(),
            );
        }));
}
