//! The listener, connection start-up (authentication, who may connect, to which database),
//! and the pgwire handler set.
//!
//! Authentication ([`AuthMode`]): `trust` admits loopback clients only, without a password
//! (a user must exist once users do); `scram` and `md5` ask every client for a password
//! (SCRAM-SHA-256, or md5 for users whose md5 secret is stored, as PostgreSQL's `md5`
//! method does); `auto`, the default, is `trust` while no user exists and `scram` after.
//! Failures look as PostgreSQL's: 28P01 `password authentication failed for user "x"`
//! whether or not the user exists (unknown users get a mock exchange), then 3D000 for an
//! unknown database.
//!
//! Each connection gets a unique process id and a random secret key (BackendKeyData) from
//! [`crate::cancel::CancelRegistry`]; a CancelRequest naming both cancels its running
//! statement.
//!
//! A connection's watcher ([`watch_connection`]) looks at its socket while it lives: when
//! the client goes away (its side closed, or reset) the running statement ends within
//! [`CLIENT_CHECK_INTERVAL`] and its backend queries stop (PostgreSQL's
//! `client_connection_check_interval`); when `pg_terminate_backend` ends the session, the
//! watcher sends FATAL 57P01 if no statement runs (a running one ends with it) and closes
//! the connection.
//!
//! At most [`ServerConfig::max_connections`] client sessions at once: a connection over the
//! limit still reaches the start-up packet, so a CancelRequest (which needs no session) is
//! served, and a session start-up is refused with PostgreSQL's FATAL 53300 `sorry, too many
//! clients already`. A user with a `CONNECTION LIMIT` (see `users.rs`) that already has that
//! many sessions is refused after authentication with FATAL 53300 `too many connections for
//! role "name"`, as PostgreSQL does.
//!
//! Each connection's task runs in a `connection` tracing span that carries the session's
//! pid once it is known, so every log line of a session names it. On shutdown the
//! listener stops and the sessions are closed as [`crate::shutdown`] describes.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures::{Sink, SinkExt};
use pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata,
    DefaultServerParameterProvider, StartupHandler,
};
use pgwire::api::{ClientInfo, PgWireConnectionState, PgWireServerHandlers};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::{Authentication, PasswordMessageFamily};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use std::os::fd::AsFd;
use tokio::io::Interest;
use tokio::net::{TcpListener, TcpStream};
use tracing::Instrument;

use fedgate_catalog::StoredUser;

use fedgate_adapter_api::SqlState;

use crate::auth::{
    md5_matches, random_bytes, server_nonce, AuthError, ScramExchange, ScramVerifier,
    SCRAM_SHA_256, SCRAM_SHA_256_PLUS,
};
use crate::cancel::{CancelRegistry, CancelSlot, Canceller, ConnectionInfo, Interruption};
use crate::handler::{ExtendedHandler, Gateway};
use crate::shutdown::{Connections, SessionLink};

/// How clients authenticate (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuthMode {
    /// `trust` while no user exists, `scram` once one does.
    #[default]
    Auto,
    /// No password; loopback clients only.
    Trust,
    /// SCRAM-SHA-256 passwords.
    Scram,
    /// md5 passwords for users whose md5 secret is stored, SCRAM-SHA-256 for the others.
    Md5,
}

/// What the listener needs besides the gateway.
#[derive(Clone)]
pub struct ServerConfig {
    pub auth: AuthMode,
    /// TLS for clients that ask for it (`sslmode=require`); none when `None`.
    pub tls: Option<crate::tls::Tls>,
    /// Client connections served at once (`--max-connections`).
    pub max_connections: usize,
    /// How long running statements may go on after a shutdown starts (`--shutdown-grace`).
    pub shutdown_grace: Duration,
}

/// PostgreSQL's default `max_connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 100;

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            auth: AuthMode::default(),
            tls: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_grace: crate::shutdown::DEFAULT_SHUTDOWN_GRACE,
        }
    }
}

/// Accepts connections until `shutdown` resolves, then closes the sessions (see
/// [`crate::shutdown`]) and returns.
pub async fn serve(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let end_point = config.tls.as_ref().and_then(|t| t.end_point.clone());
    let tls = config.tls.map(|t| t.acceptor);
    let handlers = Arc::new(Handlers::new(gateway, config.auth, end_point.map(Arc::new)));
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let connections = Arc::new(Connections::default());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (socket, address) = accepted?;
                let (socket, tracking, link) = match connections.track(socket) {
                    Ok(tracked) => tracked,
                    Err(e) => {
                        tracing::warn!(client = %address, "connection dropped: {e}");
                        continue;
                    }
                };
                let id = tracking.id();
                // Held for the connection's life; `None` when every slot is taken.
                let slot = slots.clone().try_acquire_owned().ok();
                let cancel_slot = Arc::new(CancelSlot::default());
                let connection = Arc::new(Connection {
                    handlers: handlers.clone(),
                    admitted: slot.is_some(),
                    link,
                    slot: cancel_slot.clone(),
                });
                let watcher = watcher_socket(&socket).map(|watched| {
                    tokio::spawn(watch_connection(watched, cancel_slot, tls.is_some()))
                });
                let tls = tls.clone();
                let span = tracing::info_span!("connection", pid = tracing::field::Empty);
                let task = tokio::spawn(async move {
                    // Logs the end also when the shutdown stops the task.
                    let _closed = ClosedLog(Instant::now());
                    tracing::info!(client = %address, "connection accepted");
                    if let Err(e) = pgwire::tokio::process_socket(socket, tls, connection).await {
                        tracing::debug!("connection ended with error: {e}");
                    }
                    if let Some(watcher) = watcher {
                        watcher.abort();
                    }
                    drop(slot);
                    drop(tracking);
                }.instrument(span));
                connections.set_task(&id, task);
            }
        }
    }
    drop(listener);
    fedgate_telemetry::health().set_shutting_down();
    tracing::info!(
        grace_seconds = config.shutdown_grace.as_secs_f64(),
        "shutting down: no new connections, idle sessions closed, running statements may finish"
    );
    connections
        .shut_down(config.shutdown_grace, tls.is_some())
        .await;
    Ok(())
}

/// How often a running statement's connection is looked at for a client gone away.
pub const CLIENT_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// A second handle on the connection's socket, for its watcher.
fn watcher_socket(socket: &TcpStream) -> Option<TcpStream> {
    let watched = socket
        .as_fd()
        .try_clone_to_owned()
        .map(std::net::TcpStream::from)
        .and_then(TcpStream::from_std);
    match watched {
        Ok(watched) => Some(watched),
        Err(e) => {
            tracing::warn!("cannot watch a connection for its client going away: {e}");
            None
        }
    }
}

/// Watches one connection until it ends: a client gone away ends what runs
/// ([`CancelSlot::client_gone`]); a terminated session gets its FATAL and is closed.
async fn watch_connection(socket: TcpStream, slot: Arc<CancelSlot>, tls: bool) {
    let gone = async {
        loop {
            match socket.ready(Interest::READABLE).await {
                Ok(ready) if ready.is_read_closed() => return,
                Ok(_) => tokio::time::sleep(CLIENT_CHECK_INTERVAL).await,
                Err(_) => return,
            }
        }
    };
    tokio::select! {
        () = gone => {
            tracing::debug!("client went away");
            slot.client_gone();
        }
        reason = slot.ended() => {
            if reason == Interruption::Terminated {
                close_terminated(&socket, &slot, tls).await;
            }
        }
    }
}

/// Closes a terminated connection: a running statement ends with FATAL 57P01 (pgwire
/// closes the connection after it); an idle one gets that FATAL here (not on TLS, whose
/// stream only pgwire can write) before its reading side is shut, so that pgwire's wait
/// for the next message ends and the connection closes.
async fn close_terminated(socket: &TcpStream, slot: &CancelSlot, tls: bool) {
    use pgwire::messages::Message;
    if !slot.is_running() && !tls {
        let info = ErrorInfo::new(
            "FATAL".to_string(),
            SqlState::AdminShutdown.code().to_string(),
            "terminating connection due to administrator command".to_string(),
        );
        let message = pgwire::messages::response::ErrorResponse::from(info);
        let mut bytes = bytes::BytesMut::new();
        if message.encode(&mut bytes).is_ok() {
            let _ = write_all(socket, &bytes).await;
        }
    }
    // A running statement ends at once; give it a moment to send its error.
    for _ in 0..100 {
        if !slot.is_running() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let shut = socket2::SockRef::from(socket).shutdown(std::net::Shutdown::Read);
    if let Err(e) = shut {
        tracing::debug!("could not close a terminated connection: {e}");
    }
}

async fn write_all(socket: &TcpStream, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        socket.writable().await?;
        match socket.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Logs `connection closed` with the connection's age when dropped (inside its span).
struct ClosedLog(Instant);

impl Drop for ClosedLog {
    fn drop(&mut self) {
        let seconds = self.0.elapsed().as_secs_f64();
        tracing::info!(seconds, "connection closed");
    }
}

/// The handlers of one connection: the shared ones, whether it got a session slot, where
/// its start-up records the session for the shutdown, and its cancel slot.
struct Connection {
    handlers: Arc<Handlers>,
    admitted: bool,
    link: Arc<SessionLink>,
    slot: Arc<CancelSlot>,
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl pgwire::api::query::SimpleQueryHandler> {
        self.handlers.gateway.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl pgwire::api::query::ExtendedQueryHandler> {
        self.handlers.extended.clone()
    }

    /// Called once per connection: the handler keeps that connection's exchange.
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        Arc::new(Startup {
            gateway: self.handlers.gateway.clone(),
            cancel: self.handlers.cancel.registry.clone(),
            auth: self.handlers.auth,
            end_point: self.handlers.end_point.clone(),
            admitted: self.admitted,
            link: self.link.clone(),
            slot: self.slot.clone(),
            pending: Mutex::new(Pending::None),
        })
    }

    fn cancel_handler(&self) -> Arc<impl pgwire::api::cancel::CancelHandler> {
        self.handlers.cancel.clone()
    }
}

struct Handlers {
    gateway: Arc<Gateway>,
    extended: Arc<ExtendedHandler>,
    auth: AuthMode,
    end_point: Option<Arc<Vec<u8>>>,
    cancel: Arc<Canceller>,
}

impl Handlers {
    fn new(gateway: Arc<Gateway>, auth: AuthMode, end_point: Option<Arc<Vec<u8>>>) -> Self {
        Self {
            extended: Arc::new(ExtendedHandler::new(gateway.clone())),
            cancel: Arc::new(Canceller {
                registry: gateway.cancel_registry().clone(),
            }),
            auth,
            end_point,
            gateway,
        }
    }
}

/// Connection start-up of one connection: authentication, then the database must be
/// `fedgate` or a registered server.
struct Startup {
    gateway: Arc<Gateway>,
    cancel: Arc<CancelRegistry>,
    auth: AuthMode,
    /// The TLS certificate hash for SCRAM-SHA-256-PLUS (offered on TLS connections only).
    end_point: Option<Arc<Vec<u8>>>,
    /// Whether the connection got a slot of `max_connections`.
    admitted: bool,
    link: Arc<SessionLink>,
    /// The connection's cancel slot (its watcher holds it too).
    slot: Arc<CancelSlot>,
    pending: Mutex<Pending>,
}

/// Who is logging in, to which database.
struct Login {
    user: String,
    database: String,
    stored: Option<StoredUser>,
    /// The certificate hash when SCRAM-SHA-256-PLUS was offered.
    end_point: Option<Arc<Vec<u8>>>,
}

/// The authentication exchange in progress.
#[derive(Default)]
enum Pending {
    #[default]
    None,
    ScramFirst(Login),
    ScramFinal(Login, Box<ScramExchange>),
    Md5(Login, [u8; 4]),
}

/// A FATAL error: the connection closes after it.
fn fatal(code: SqlState, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".to_string(),
        code.code().to_string(),
        message.into(),
    )))
}

impl Startup {
    /// Whether this connection needs a password.
    fn needs_password(&self) -> bool {
        match self.auth {
            AuthMode::Auto => self.gateway.catalog().has_users(),
            AuthMode::Trust => false,
            AuthMode::Scram | AuthMode::Md5 => true,
        }
    }

    /// Trust authentication: loopback clients only, and a known user once users exist.
    fn check_trust(&self, addr: SocketAddr, user: &str, database: &str) -> PgWireResult<()> {
        if !addr.ip().is_loopback() {
            return Err(fatal(
                SqlState::InvalidAuthorizationSpecification,
                format!("no access rule for host \"{}\", user \"{user}\", database \"{database}\": trust authentication admits loopback clients only", addr.ip()),
            ));
        }
        let catalog = self.gateway.catalog();
        if catalog.has_users() && catalog.user(user).is_none() {
            return Err(fatal(
                SqlState::InvalidAuthorizationSpecification,
                format!("role \"{user}\" does not exist"),
            ));
        }
        Ok(())
    }

    fn failed(&self, addr: SocketAddr, user: &str) -> PgWireError {
        fedgate_telemetry::metrics().authentication_failed();
        tracing::info!(user, client = %addr.ip(), "password authentication failed");
        fatal(
            SqlState::InvalidPassword,
            format!("password authentication failed for user \"{user}\""),
        )
    }

    fn auth_error(&self, addr: SocketAddr, user: &str, error: AuthError) -> PgWireError {
        match error {
            AuthError::Failed => self.failed(addr, user),
            AuthError::Protocol(message) => fatal(
                SqlState::ProtocolViolation,
                format!("malformed SCRAM message: {message}"),
            ),
        }
    }

    /// Asks for a password: md5 when configured and the user has an md5 secret (or is
    /// unknown), else SCRAM-SHA-256.
    async fn ask_password<C>(&self, client: &mut C, login: Login) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.set_state(PgWireConnectionState::AuthenticationInProgress);
        let md5 =
            self.auth == AuthMode::Md5 && login.stored.as_ref().is_none_or(|u| u.md5.is_some());
        let (request, pending) = if md5 {
            let salt = random_bytes::<4>();
            (
                Authentication::MD5Password(salt.to_vec()),
                Pending::Md5(login, salt),
            )
        } else {
            let mut mechanisms = vec![SCRAM_SHA_256.to_string()];
            if login.end_point.is_some() {
                mechanisms.insert(0, SCRAM_SHA_256_PLUS.to_string());
            }
            (Authentication::SASL(mechanisms), Pending::ScramFirst(login))
        };
        *self.lock() = pending;
        client
            .send(PgWireBackendMessage::Authentication(request))
            .await?;
        Ok(())
    }

    /// One password message of the exchange.
    async fn on_password<C>(
        &self,
        client: &mut C,
        message: PasswordMessageFamily,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let addr = client.socket_addr();
        let pending = std::mem::take(&mut *self.lock());
        match pending {
            Pending::ScramFirst(login) => {
                let initial = message.into_sasl_initial_response()?;
                let plus = initial.auth_method == SCRAM_SHA_256_PLUS && login.end_point.is_some();
                if initial.auth_method != SCRAM_SHA_256 && !plus {
                    return Err(fatal(
                        SqlState::ProtocolViolation,
                        "client selected an invalid SASL authentication mechanism",
                    ));
                }
                let data = initial.data.unwrap_or_default();
                let verifier = login
                    .stored
                    .as_ref()
                    .and_then(|u| ScramVerifier::parse(&u.scram))
                    .unwrap_or_else(|| ScramVerifier::mock(&login.user));
                let end_point = login.end_point.as_ref().map(|h| h.as_slice());
                let exchange =
                    ScramExchange::start(verifier, &data, &server_nonce(), end_point, plus)
                        .map_err(|e| self.auth_error(addr, &login.user, e))?;
                let first = Bytes::from(exchange.server_first().to_string());
                *self.lock() = Pending::ScramFinal(login, Box::new(exchange));
                client
                    .send(PgWireBackendMessage::Authentication(
                        Authentication::SASLContinue(first),
                    ))
                    .await?;
                Ok(())
            }
            Pending::ScramFinal(login, exchange) => {
                let response = message.into_sasl_response()?;
                match exchange.finish(&response.data) {
                    Ok(last) if login.stored.is_some() => {
                        client
                            .feed(PgWireBackendMessage::Authentication(
                                Authentication::SASLFinal(Bytes::from(last)),
                            ))
                            .await?;
                        self.complete(client, &login.user, &login.database).await
                    }
                    Ok(_) => Err(self.failed(addr, &login.user)),
                    Err(e) => Err(self.auth_error(addr, &login.user, e)),
                }
            }
            Pending::Md5(login, salt) => {
                let password = message.into_password()?;
                let secret = login.stored.as_ref().and_then(|u| u.md5.as_deref());
                if secret.is_some_and(|s| md5_matches(s, &salt, &password.password)) {
                    self.complete(client, &login.user, &login.database).await
                } else {
                    Err(self.failed(addr, &login.user))
                }
            }
            Pending::None => Err(fatal(
                SqlState::ProtocolViolation,
                "unexpected password message",
            )),
        }
    }

    /// The client is authenticated: checks the database and starts the session.
    async fn complete<C>(&self, client: &mut C, user: &str, database: &str) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let known = database == fedgate_catalog::SYSTEM_CATALOG
            || self.gateway.catalog().server(database).is_some();
        if !known {
            return Err(fatal(
                SqlState::UndefinedDatabase,
                format!("database \"{database}\" does not exist"),
            ));
        }
        self.check_user_limit(user)?;
        // BackendKeyData: the pid and key a CancelRequest for this connection must name.
        let addr = client.socket_addr();
        let info = ConnectionInfo {
            user: user.to_string(),
            database: database.to_string(),
            client: Some((addr.ip().to_string(), addr.port())),
            started: std::time::SystemTime::now(),
        };
        let (pid, secret, slot, registration) =
            self.cancel
                .register_slot(client.protocol_version(), info, self.slot.clone());
        let application_name = client.metadata().get("application_name").cloned();
        slot.starting("", application_name);
        tracing::Span::current().record("pid", pid);
        tracing::info!(user, database, "connection authenticated");
        client.set_pid_and_secret_key(pid, secret);
        self.link.started(slot.clone(), client.is_secure());
        client.session_extensions().insert(slot);
        client.session_extensions().insert(registration);
        client
            .session_extensions()
            .insert(fedgate_telemetry::metrics().session_started());
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = crate::SERVER_VERSION.to_string();
        parameters.time_zone = "UTC".to_string();
        parameters.date_style = "ISO, MDY".to_string();
        parameters.search_path = "public".to_string();
        finish_authentication(client, &parameters).await?;
        client.flush().await?;
        Ok(())
    }

    /// FATAL 53300 when `user` already has as many sessions as its `CONNECTION LIMIT`
    /// (superusers are not held to it), checked after authentication as in PostgreSQL.
    fn check_user_limit(&self, user: &str) -> PgWireResult<()> {
        let Some(stored) = self.gateway.catalog().user(user) else {
            return Ok(());
        };
        match stored.connection_limit {
            Some(limit) if !stored.superuser && self.cancel.sessions_of(user) >= limit as usize => {
                tracing::info!(
                    user,
                    limit,
                    "connection refused: the user's connection limit"
                );
                Err(fatal(
                    SqlState::TooManyConnections,
                    format!("too many connections for role \"{user}\""),
                ))
            }
            _ => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
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
        let startup = match message {
            PgWireFrontendMessage::Startup(ref startup) => startup,
            PgWireFrontendMessage::PasswordMessageFamily(message) => {
                return self.on_password(client, message).await
            }
            _ => return Ok(()),
        };
        if !self.admitted {
            tracing::info!(client = %client.socket_addr(), "connection refused: max_connections reached");
            return Err(fatal(
                SqlState::TooManyConnections,
                "sorry, too many clients already",
            ));
        }
        protocol_negotiation(client, startup).await?;
        save_startup_parameters_to_metadata(client, startup);
        let user = client.metadata().get("user").cloned().unwrap_or_default();
        if user.is_empty() {
            return Err(fatal(
                SqlState::InvalidAuthorizationSpecification,
                "no PostgreSQL user name specified in startup packet",
            ));
        }
        let database = client
            .metadata()
            .get("database")
            .cloned()
            .unwrap_or_else(|| user.clone());
        client
            .metadata_mut()
            .insert("database".to_string(), database.clone());
        if self.needs_password() {
            let stored = self.gateway.catalog().user(&user);
            let end_point = self.end_point.clone().filter(|_| client.is_secure());
            let login = Login {
                user,
                database,
                stored,
                end_point,
            };
            return self.ask_password(client, login).await;
        }
        self.check_trust(client.socket_addr(), &user, &database)?;
        self.complete(client, &user, &database).await
    }
}
