//! The server registry: `CREATE`, `ALTER` and `DROP SERVER`, refresh, and listings.
//!
//! [`Catalog`] owns the registered servers. Mutations are serialized by one async mutex and
//! follow the same order: build the backend, check the connection, discover, persist, and
//! only then publish — so a failure at any step leaves the registry and the store as they
//! were. Readers (listings, DataFusion) read the published state and never wait on a
//! backend or on a running mutation.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{CatalogProvider, CatalogProviderList, SchemaProvider, TableProvider};
use fedgate_adapter_api::{AdapterError, Backend, Result, ServerOptions};

use crate::datafusion_catalog::FedgateCatalogList;
use crate::discovery::{discover, Discovery};
use crate::error::{
    invalid_name, option_exists, option_not_found, reserved_name, server_exists, server_not_found,
};
use crate::server::{FailedBackend, ServerState};
use crate::store::{CatalogStore, StoredCatalog, StoredServer, StoredUser};
use crate::{read, write};

/// The catalog names a server may not take (compared ignoring case).
pub const RESERVED_NAMES: &[&str] = &["fedgate", "pg_catalog", "information_schema", "datafusion"];

/// The longest server name, in bytes (PostgreSQL's NAMEDATALEN - 1).
const MAX_NAME_BYTES: usize = 63;

/// Builds the adapter of a server from its wrapper and options.
pub trait BackendFactory: Send + Sync + Debug {
    /// Builds the adapter for a wrapper; unknown wrapper → AdapterError 42704
    /// (`foreign-data wrapper "x" does not exist`, see [`crate::wrapper_not_found`]), bad
    /// options → the adapter's error. Must not connect.
    fn create(
        &self,
        server: &str,
        wrapper: &str,
        options: &ServerOptions,
    ) -> Result<Arc<dyn Backend>, AdapterError>;

    /// The wrappers it builds.
    fn wrappers(&self) -> Vec<WrapperInfo> {
        Vec::new()
    }
}

/// Builds the table provider of a table a remote backend evaluates SQL over (the planner's
/// `RemoteTable`): the catalog finds, lists and caches tables; how they are read and what
/// is pushed to them is the planner's business.
pub trait RemoteTableBuilder: Send + Sync + Debug {
    /// The provider of `schema.table` of server `server`, whose columns are `arrow`.
    fn build(
        &self,
        server: &str,
        backend: Arc<dyn Backend>,
        schema: &str,
        table: &str,
        arrow: SchemaRef,
    ) -> Result<Arc<dyn TableProvider>>;
}

/// A foreign-data wrapper as `pg_foreign_data_wrapper` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapperInfo {
    pub name: &'static str,
    /// Other names `CREATE SERVER` accepts for it.
    pub aliases: &'static [&'static str],
    pub oid: u32,
}

impl WrapperInfo {
    /// Whether `name` names this wrapper.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// One change of `ALTER SERVER ... OPTIONS (...)`.
#[derive(Clone, PartialEq, Eq)]
pub enum OptionChange {
    /// `ADD name 'value'`: fails with 42710 when the option is set.
    Add(String, String),
    /// `SET name 'value'`: fails with 42704 when the option is not set.
    Set(String, String),
    /// `DROP name`: fails with 42704 when the option is not set.
    Drop(String),
}

impl Debug for OptionChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Add(n, v) => f
                .debug_tuple("Add")
                .field(n)
                .field(&redact_one(n, v))
                .finish(),
            Self::Set(n, v) => f
                .debug_tuple("Set")
                .field(n)
                .field(&redact_one(n, v))
                .finish(),
            Self::Drop(n) => f.debug_tuple("Drop").field(n).finish(),
        }
    }
}

/// Redacts one option value the way [`ServerOptions::redacted`] does.
fn redact_one(name: &str, value: &str) -> String {
    let one = BTreeMap::from([(name.to_string(), value.to_string())]);
    ServerOptions::new(one)
        .redacted()
        .remove(name)
        .unwrap_or_default()
}

/// A registered server as listed to users: secrets are redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    pub name: String,
    pub wrapper: String,
    pub options_redacted: BTreeMap<String, String>,
}

/// The published, live state that DataFusion and listings read.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub servers: RwLock<BTreeMap<String, Arc<ServerState>>>,
    pub system_schemas: RwLock<BTreeMap<String, Arc<dyn SchemaProvider>>>,
    pub extra_catalogs: RwLock<BTreeMap<String, Arc<dyn CatalogProvider>>>,
    pub users: RwLock<BTreeMap<String, StoredUser>>,
}

impl Registry {
    /// The live state of a server.
    pub fn server(&self, name: &str) -> Option<Arc<ServerState>> {
        read(&self.servers).get(name).cloned()
    }

    /// Publishes (or replaces) a server.
    fn publish(&self, state: Arc<ServerState>) {
        write(&self.servers).insert(state.name.clone(), state);
    }

    /// The persisted form of the registry, with `initialized` as given.
    fn stored(&self, initialized: bool) -> StoredCatalog {
        let servers = read(&self.servers)
            .values()
            .map(|s| StoredServer {
                name: s.name.clone(),
                wrapper: s.wrapper.clone(),
                options: s.options.clone().into_map(),
            })
            .collect();
        StoredCatalog {
            initialized,
            servers,
            users: read(&self.users).values().cloned().collect(),
        }
    }
}

/// The registered servers, their persistence, and their DataFusion catalogs. Cheap to
/// clone; clones share everything.
#[derive(Debug, Clone)]
pub struct Catalog {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn CatalogStore>,
    factory: Arc<dyn BackendFactory>,
    remote_tables: Arc<dyn RemoteTableBuilder>,
    live: Arc<Registry>,
    ddl: tokio::sync::Mutex<()>,
    initialized: AtomicBool,
}

impl Catalog {
    /// Loads the servers from `store` and builds their backends without connecting; each
    /// server's discovery then runs in the background, so an unreachable backend never
    /// blocks start-up. A server whose adapter cannot be built stays registered (and
    /// stored) with every use failing with the build error, until altered or dropped.
    /// Remote tables are read through the providers `remote_tables` builds.
    pub async fn open(
        store: Arc<dyn CatalogStore>,
        factory: Arc<dyn BackendFactory>,
        remote_tables: Arc<dyn RemoteTableBuilder>,
    ) -> Result<Catalog> {
        let stored = store.load().await?;
        let live = Arc::new(Registry::default());
        for server in stored.servers {
            load_server(&live, factory.as_ref(), &remote_tables, server);
        }
        write(&live.users).extend(stored.users.into_iter().map(|u| (u.name.clone(), u)));
        let catalog = Catalog {
            inner: Arc::new(Inner {
                store,
                factory,
                remote_tables,
                live,
                ddl: tokio::sync::Mutex::new(()),
                initialized: AtomicBool::new(stored.initialized),
            }),
        };
        Ok(catalog)
    }

    /// The wrappers servers can be created with.
    pub fn wrappers(&self) -> Vec<WrapperInfo> {
        self.inner.factory.wrappers()
    }

    /// `CREATE SERVER [IF NOT EXISTS] name FOREIGN DATA WRAPPER wrapper OPTIONS (...)`.
    /// Returns false when the server existed and `if_not_exists` made this a no-op.
    pub async fn create_server(
        &self,
        name: &str,
        wrapper: &str,
        options: ServerOptions,
        if_not_exists: bool,
    ) -> Result<bool> {
        let _ddl = self.inner.ddl.lock().await;
        validate_name(name)?;
        if self.inner.live.server(name).is_some() {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(server_exists(name))
            };
        }
        let state = self.connect(name, wrapper, options).await?;
        self.persist_and_publish(state).await?;
        tracing::info!(server = name, wrapper, "server created");
        Ok(true)
    }

    /// `ALTER SERVER name OPTIONS (ADD|SET|DROP ...)`: the server is rebuilt with the new
    /// options, its connection checked and its tables rediscovered before the change is
    /// stored and published.
    pub async fn alter_server(&self, name: &str, changes: Vec<OptionChange>) -> Result<()> {
        let _ddl = self.inner.ddl.lock().await;
        let old = self.existing(name)?;
        let options = apply_changes(old.options.clone(), changes)?;
        let state = self.connect(name, &old.wrapper, options).await?;
        self.persist_and_publish(state).await?;
        tracing::info!(server = name, "server altered");
        Ok(())
    }

    /// `DROP SERVER [IF EXISTS] name`. Returns false when the server did not exist and
    /// `if_exists` made this a no-op.
    pub async fn drop_server(&self, name: &str, if_exists: bool) -> Result<bool> {
        let _ddl = self.inner.ddl.lock().await;
        if self.inner.live.server(name).is_none() {
            return if if_exists {
                Ok(false)
            } else {
                Err(server_not_found(name))
            };
        }
        let mut stored = self.stored();
        stored.servers.retain(|s| s.name != name);
        self.inner.store.save(&stored).await?;
        write(&self.inner.live.servers).remove(name);
        tracing::info!(server = name, "server dropped");
        Ok(true)
    }

    /// Rediscovers schemas and tables, and forgets resolved column lists, of one server or
    /// of all. With all servers, every one is refreshed and the first failure is returned.
    pub async fn refresh(&self, name: Option<&str>) -> Result<()> {
        let targets = match name {
            Some(name) => vec![self.existing(name)?],
            None => read(&self.inner.live.servers).values().cloned().collect(),
        };
        let results = futures::future::join_all(targets.iter().map(|s| s.rediscover(true))).await;
        results.into_iter().collect()
    }

    /// The registered servers, sorted by name, with secrets redacted.
    pub fn servers(&self) -> Vec<ServerInfo> {
        let servers = read(&self.inner.live.servers);
        servers.values().map(|s| info(s)).collect()
    }

    /// One registered server, with secrets redacted.
    pub fn server(&self, name: &str) -> Option<ServerInfo> {
        self.inner.live.server(name).map(|s| info(&s))
    }

    /// The live backend of a server.
    pub fn backend(&self, name: &str) -> Option<Arc<dyn Backend>> {
        self.inner.live.server(name).map(|s| Arc::clone(&s.backend))
    }

    /// The DataFusion catalogs: one per server, plus the system catalog `fedgate`. The list
    /// always reflects the live registry, for every session that holds it.
    pub fn catalog_list(&self) -> Arc<dyn CatalogProviderList> {
        Arc::new(FedgateCatalogList::new(Arc::clone(&self.inner.live)))
    }

    /// Makes a system schema (such as `pg_catalog`) appear in every catalog. It shadows a
    /// discovered schema of the same name.
    pub fn add_system_schema(&self, name: &str, provider: Arc<dyn SchemaProvider>) {
        write(&self.inner.live.system_schemas).insert(name.to_string(), provider);
    }

    /// Whether first-start setup has run (see [`Catalog::mark_initialized`]).
    pub fn is_initialized(&self) -> bool {
        self.inner.initialized.load(Ordering::SeqCst)
    }

    /// Records, durably, that first-start setup has run, so it never runs again.
    pub async fn mark_initialized(&self) -> Result<()> {
        let _ddl = self.inner.ddl.lock().await;
        self.inner.store.save(&self.inner.live.stored(true)).await?;
        self.inner.initialized.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// A user of the gateway (see [`StoredUser`]).
    pub fn user(&self, name: &str) -> Option<StoredUser> {
        read(&self.inner.live.users).get(name).cloned()
    }

    /// Whether any user exists.
    pub fn has_users(&self) -> bool {
        !read(&self.inner.live.users).is_empty()
    }

    /// Whether `user` may administer the gateway: a superuser, or anyone while no user
    /// exists (trust for loopback clients, before the first user is created).
    pub fn is_admin(&self, user: &str) -> bool {
        !self.has_users() || self.user(user).is_some_and(|u| u.superuser)
    }

    /// The names of the users, sorted.
    pub fn user_names(&self) -> Vec<String> {
        read(&self.inner.live.users).keys().cloned().collect()
    }

    /// Stores a user (new or replacing the one of the same name), then publishes it.
    pub async fn put_user(&self, user: StoredUser) -> Result<()> {
        let _ddl = self.inner.ddl.lock().await;
        let mut stored = self.stored();
        stored.users.retain(|u| u.name != user.name);
        stored.users.push(user.clone());
        stored.users.sort_by(|a, b| a.name.cmp(&b.name));
        self.inner.store.save(&stored).await?;
        write(&self.inner.live.users).insert(user.name.clone(), user);
        Ok(())
    }

    /// Removes a user durably; false when there was none of that name.
    pub async fn drop_user(&self, name: &str) -> Result<bool> {
        let _ddl = self.inner.ddl.lock().await;
        if self.user(name).is_none() {
            return Ok(false);
        }
        let mut stored = self.stored();
        stored.users.retain(|u| u.name != name);
        self.inner.store.save(&stored).await?;
        write(&self.inner.live.users).remove(name);
        Ok(true)
    }

    /// The live state of a server, or 42704.
    fn existing(&self, name: &str) -> Result<Arc<ServerState>> {
        self.inner
            .live
            .server(name)
            .ok_or_else(|| server_not_found(name))
    }

    /// The persisted form of the current registry.
    fn stored(&self) -> StoredCatalog {
        self.inner.live.stored(self.is_initialized())
    }

    /// Builds the backend, checks its connection (its error is returned as is) and
    /// discovers its tables, publishing nothing.
    async fn connect(
        &self,
        name: &str,
        wrapper: &str,
        options: ServerOptions,
    ) -> Result<Arc<ServerState>> {
        let backend = self.inner.factory.create(name, wrapper, &options)?;
        backend.check_connection().await?;
        let discovery = discover(name, backend.as_ref())
            .await
            .map_err(|e| e.for_server(name))?;
        let remote_tables = Arc::clone(&self.inner.remote_tables);
        let state = ServerState::new(name, wrapper, options, backend, remote_tables, discovery);
        Ok(Arc::new(state))
    }

    /// Stores the registry with `state` in it, then publishes `state`.
    async fn persist_and_publish(&self, state: Arc<ServerState>) -> Result<()> {
        let mut stored = self.stored();
        stored.servers.retain(|s| s.name != state.name);
        stored.servers.push(StoredServer {
            name: state.name.clone(),
            wrapper: state.wrapper.clone(),
            options: state.options.clone().into_map(),
        });
        stored.servers.sort_by(|a, b| a.name.cmp(&b.name));
        self.inner.store.save(&stored).await?;
        self.inner.live.publish(state);
        Ok(())
    }
}

/// Publishes a stored server at start-up and starts its discovery in the background.
fn load_server(
    live: &Registry,
    factory: &dyn BackendFactory,
    remote_tables: &Arc<dyn RemoteTableBuilder>,
    server: StoredServer,
) {
    if live.server(&server.name).is_some() {
        tracing::warn!(server = %server.name, "server stored twice; the first one is used");
        return;
    }
    let options = ServerOptions::new(server.options);
    let backend = factory
        .create(&server.name, &server.wrapper, &options)
        .unwrap_or_else(|error| {
            tracing::error!(server = %server.name, %error, "cannot build the server's adapter");
            Arc::new(FailedBackend {
                error: error.for_server(&server.name),
            })
        });
    let state = Arc::new(ServerState::new(
        &server.name,
        &server.wrapper,
        options,
        backend,
        Arc::clone(remote_tables),
        Discovery::default(),
    ));
    state.rediscover_in_background();
    live.publish(state);
}

/// Applies `ALTER SERVER` option changes with PostgreSQL's rules.
fn apply_changes(options: ServerOptions, changes: Vec<OptionChange>) -> Result<ServerOptions> {
    let mut values = options.into_map();
    for change in changes {
        match change {
            OptionChange::Add(name, value) => {
                if values.contains_key(&name) {
                    return Err(option_exists(&name));
                }
                values.insert(name, value);
            }
            OptionChange::Set(name, value) => match values.get_mut(&name) {
                Some(slot) => *slot = value,
                None => return Err(option_not_found(&name)),
            },
            OptionChange::Drop(name) => {
                values
                    .remove(&name)
                    .ok_or_else(|| option_not_found(&name))?;
            }
        }
    }
    Ok(ServerOptions::new(values))
}

/// Checks that a server name can be a catalog name and is not reserved.
fn validate_name(name: &str) -> Result<()> {
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(reserved_name(name));
    }
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err(invalid_name(name, "it is empty"));
    };
    if name.len() > MAX_NAME_BYTES {
        return Err(invalid_name(name, "it is longer than 63 bytes"));
    }
    if !(first.is_alphabetic() || first == '_') {
        return Err(invalid_name(
            name,
            "it must start with a letter or underscore",
        ));
    }
    if let Some(bad) = chars.find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '$')) {
        return Err(invalid_name(name, &format!("it contains {bad:?}")));
    }
    Ok(())
}

/// The listing form of a server.
fn info(state: &ServerState) -> ServerInfo {
    ServerInfo {
        name: state.name.clone(),
        wrapper: state.wrapper.clone(),
        options_redacted: state.options.redacted(),
    }
}

#[cfg(test)]
mod tests;
