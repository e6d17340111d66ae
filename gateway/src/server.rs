//! The listener, connection start-up (who may connect, to which database), and the pgwire
//! handler set.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata,
    DefaultServerParameterProvider, StartupHandler,
};
use pgwire::api::cancel::DefaultCancelHandler;
use pgwire::api::{
    ClientInfo, ConnectionManager, PgWireServerHandlers, PidSecretKeyGenerator,
    RandomPidSecretKeyGenerator,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tokio::net::TcpListener;

use crate::errors::user_error;
use crate::handler::{ExtendedHandler, Gateway};

/// Accepts connections until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let handlers = Arc::new(Handlers::new(gateway));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => {
                let (socket, _) = accepted?;
                let handlers = handlers.clone();
                tokio::spawn(async move {
                    if let Err(e) = pgwire::tokio::process_socket(socket, None, handlers).await {
                        tracing::debug!("connection ended with error: {e}");
                    }
                });
            }
        }
    }
}

struct Handlers {
    gateway: Arc<Gateway>,
    extended: Arc<ExtendedHandler>,
    startup: Arc<Startup>,
    cancel: Arc<DefaultCancelHandler>,
}

impl Handlers {
    fn new(gateway: Arc<Gateway>) -> Self {
        let connections = Arc::new(ConnectionManager::new());
        Self {
            extended: Arc::new(ExtendedHandler::new(gateway.clone())),
            startup: Arc::new(Startup {
                gateway: gateway.clone(),
                connections: connections.clone(),
            }),
            cancel: Arc::new(DefaultCancelHandler::new(connections)),
            gateway,
        }
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl pgwire::api::query::SimpleQueryHandler> {
        self.gateway.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl pgwire::api::query::ExtendedQueryHandler> {
        self.extended.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.startup.clone()
    }

    fn cancel_handler(&self) -> Arc<impl pgwire::api::cancel::CancelHandler> {
        self.cancel.clone()
    }
}

/// Connection start-up: loopback clients only (no password authentication yet), and the
/// database must be `fedgate` or a registered server.
struct Startup {
    gateway: Arc<Gateway>,
    connections: Arc<ConnectionManager>,
}

impl Startup {
    fn check_client(&self, addr: SocketAddr, user: &str, database: &str) -> PgWireResult<()> {
        if !addr.ip().is_loopback() {
            return Err(user_error(
                "28000",
                format!("no access rule for host \"{}\", user \"{user}\": fedgate accepts only loopback clients until password authentication is configured", addr.ip()),
            ));
        }
        let known = database == fedgate_catalog::SYSTEM_CATALOG
            || self.gateway.catalog().server(database).is_some();
        if !known {
            return Err(user_error(
                "3D000",
                format!("database \"{database}\" does not exist"),
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let PgWireFrontendMessage::Startup(ref startup) = message else {
            return Ok(());
        };
        protocol_negotiation(client, startup).await?;
        save_startup_parameters_to_metadata(client, startup);
        let user = client.metadata().get("user").cloned().unwrap_or_default();
        let database = client
            .metadata()
            .get("database")
            .cloned()
            .unwrap_or_else(|| user.clone());
        client
            .metadata_mut()
            .insert("database".to_string(), database.clone());
        self.check_client(client.socket_addr(), &user, &database)?;
        let (pid, secret) = RandomPidSecretKeyGenerator::default().generate(client);
        client.set_pid_and_secret_key(pid, secret.clone());
        let (handle, guard) = self.connections.register(pid, secret);
        client.session_extensions().insert(handle);
        client.session_extensions().insert(guard);
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = crate::SERVER_VERSION.to_string();
        parameters.time_zone = "UTC".to_string();
        parameters.date_style = "ISO, MDY".to_string();
        parameters.search_path = "public".to_string();
        finish_authentication(client, &parameters).await?;
        client.flush().await?;
        Ok(())
    }
}
