//! Server options of the `mongodb` wrapper, parsed into driver options.
//!
//! Accepted options (anything else is rejected with HV00D, bad values with 22023):
//!
//! | option            | default                     | notes                                          |
//! |-------------------|-----------------------------|------------------------------------------------|
//! | `url`             | —                           | `mongodb://[user:pw@]host[:port][,...][/authdb][?opts]`; required unless `host`/`port` is given |
//! | `host`            | `127.0.0.1`                 | one server; overrides the URL's host list      |
//! | `port`            | `27017`                     | 1..=65535                                      |
//! | `user`            | —                           | overrides the URL's user                       |
//! | `password`, `password_env`, `password_file` | — | see `ServerOptions::resolve_password`; overrides the URL's |
//! | `auth_source`     | the driver's default (`admin`, or the URL's database) | database holding the user |
//! | `database`        | all but `admin`, `local`, `config` | comma-separated databases exposed as schemas |
//! | `sample_size`     | `1000`                      | documents sampled per collection to infer its schema, 1..=1000000 |
//! | `connect_timeout` | `10`                        | seconds, 1..=86400; also the server-selection timeout |
//! | `include_id`      | `auto`                      | `_id` as a column: `auto` when it is not an ObjectId (the user's own key), `true` always, `false` never (`TYPES.md`) |
//! | `statement_timeout` | `0` (none)                | `maxTimeMS` of each aggregation, and fedgate's own deadline 1 s later ([`fedgate_adapter_api::limits`]) |
//! | `pool_max_size`   | the URL's `maxPoolSize`, else `8` | the driver's connection pool size      |
//! | `breaker_failures`, `breaker_backoff` | `3`, `5s` | the circuit breaker ([`fedgate_adapter_api::breaker`]) |
//!
//! The driver keeps TCP keepalive on by itself and has no wait limit for its pool, so
//! `keepalive_*` and `pool_timeout` are not options of this wrapper.
//!
//! Precedence: defaults < the URL's parts and query parameters < separate options. Without
//! `url`, or when `host`/`port` replace the URL's hosts, the adapter connects directly to that
//! one server (`directConnection=true`): it does not follow a replica set's member list; give a
//! URL with the hosts (and `replicaSet=`) to use replica-set discovery.
//!
//! Secrets never appear in errors or `Debug` output: the URL is only ever shown with its
//! password replaced by `********`.

use std::fmt;
use std::time::Duration;

use fedgate_adapter_api::option_values;
use std::sync::Arc;

use fedgate_adapter_api::{AdapterError, BackendLimits, CircuitBreaker, Result, ServerOptions};
use mongodb::options::{ClientOptions, ConnectionString, Credential, HostInfo, ServerAddress};

use crate::declared::DeclaredTypes;
use crate::infer::IdColumn;

/// Every option name the wrapper accepts.
pub const KNOWN_OPTIONS: &[&str] = &[
    "url",
    "host",
    "port",
    "user",
    "password",
    "password_env",
    "password_file",
    "auth_source",
    "database",
    "sample_size",
    "connect_timeout",
    "include_id",
    crate::declared::OPTION,
    "statement_timeout",
    "pool_max_size",
    "breaker_failures",
    "breaker_backoff",
];

/// Databases hidden unless named in the `database` option.
pub const SYSTEM_DATABASES: &[&str] = &["admin", "local", "config"];

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 27017;
const DEFAULT_SAMPLE_SIZE: usize = 1000;
const MAX_SAMPLE_SIZE: usize = 1_000_000;
const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;
const APP_NAME: &str = "fedgate";

/// The parsed, validated options of one MongoDB server.
#[derive(Clone)]
pub struct MongoOptions {
    /// The URL's parts (hosts, credential, query parameters), when `url` was given.
    url: Option<ConnectionString>,
    /// `host`/`port` options, replacing the URL's hosts.
    host_override: Option<(String, u16)>,
    user: Option<String>,
    password: Option<String>,
    auth_source: Option<String>,
    /// The `url` option with its password replaced, for messages.
    redacted_url: Option<String>,
    /// Databases exposed as schemas; `None`: all but the system databases.
    pub databases: Option<Vec<String>>,
    pub sample_size: usize,
    /// Whether `_id` is a column (`include_id`).
    pub id_column: IdColumn,
    /// `connect_timeout` when given as an option.
    connect_timeout_option: Option<Duration>,
    /// `statement_timeout`, `pool_max_size` and the breaker's settings.
    pub limits: BackendLimits,
    /// Whether `pool_max_size` was given (it then overrides the URL's `maxPoolSize`).
    pool_max_size_option: bool,
    /// The server's circuit breaker, shared by every scan (they share these options).
    pub breaker: Arc<CircuitBreaker>,
    /// Types declared for BSON date fields (`column_types`).
    pub declared_types: DeclaredTypes,
}

impl fmt::Debug for MongoOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoOptions")
            .field("url", &self.redacted_url)
            .field("host_override", &self.host_override)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("auth_source", &self.auth_source)
            .field("databases", &self.databases)
            .field("sample_size", &self.sample_size)
            .field("id_column", &self.id_column)
            .field("connect_timeout", &self.connect_timeout())
            .field("column_types", &self.declared_types)
            .finish()
    }
}

impl MongoOptions {
    /// Parses and validates the options of a `mongodb` server. Nothing is connected.
    pub fn parse(options: &ServerOptions) -> Result<Self> {
        options.reject_unknown("mongodb", KNOWN_OPTIONS)?;
        let url_text = options.get("url");
        if url_text.is_none() && options.get("host").is_none() && options.get("port").is_none() {
            return Err(AdapterError::invalid_option_value(
                "the mongodb wrapper needs the option \"url\" (or \"host\"/\"port\")",
            )
            .with_hint("for example OPTIONS (url 'mongodb://127.0.0.1:27017')"));
        }
        let url = url_text.map(parse_url).transpose()?;
        let limits = BackendLimits::parse(options)?;
        let host_override = match (options.get("host"), options.get("port")) {
            (None, None) => None,
            (host, port) => {
                let url_host = url.as_ref().and_then(first_tcp_host);
                let host = match host {
                    Some(h) if h.trim().is_empty() => {
                        return Err(invalid_value("host", h, "expected a host name or address"))
                    }
                    Some(h) => h.trim().to_string(),
                    None => url_host
                        .as_ref()
                        .map(|(h, _)| h.clone())
                        .unwrap_or_else(|| DEFAULT_HOST.to_string()),
                };
                let port = match port {
                    Some(p) => parse_port(p)?,
                    None => url_host.map(|(_, p)| p).unwrap_or(DEFAULT_PORT),
                };
                Some((host, port))
            }
        };
        let user = options.get("user").map(str::to_string);
        if user.as_deref() == Some("") {
            return Err(invalid_value("user", "", "expected a user name"));
        }
        let password = options.resolve_password()?;
        let auth_source = options.get("auth_source").map(str::to_string);
        if auth_source.as_deref() == Some("") {
            return Err(invalid_value("auth_source", "", "expected a database name"));
        }
        let url_user = url
            .as_ref()
            .and_then(|u| u.credential.as_ref())
            .and_then(|c| c.username.clone());
        if user.is_none() && url_user.is_none() {
            if password.is_some() {
                return Err(AdapterError::invalid_option_value(
                    "a password is given but no user: set the option \"user\" (or put the user in \"url\")",
                ));
            }
            if auth_source.is_some() {
                return Err(AdapterError::invalid_option_value(
                    "the option \"auth_source\" needs a user: set the option \"user\" (or put the user in \"url\")",
                ));
            }
        }
        Ok(Self {
            url,
            host_override,
            user,
            password,
            auth_source,
            redacted_url: url_text.map(fedgate_redact_url),
            databases: options.get("database").map(parse_databases).transpose()?,
            sample_size: parse_sample_size(options.get("sample_size"))?,
            id_column: parse_include_id(options.get("include_id"))?,
            connect_timeout_option: options
                .get("connect_timeout")
                .map(parse_connect_timeout)
                .transpose()?,
            declared_types: DeclaredTypes::parse(options.get(crate::declared::OPTION))?,
            breaker: Arc::new(CircuitBreaker::new(limits.breaker)),
            limits,
            pool_max_size_option: options.get("pool_max_size").is_some(),
        })
    }

    /// The connect timeout in effect: the option, else the URL's `connectTimeoutMS`, else 10 s.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout_option
            .or_else(|| self.url.as_ref().and_then(|u| u.connect_timeout))
            .unwrap_or(Duration::from_secs(DEFAULT_CONNECT_TIMEOUT_SECS))
    }

    /// The hosts the client talks to, as `host:port` text for messages.
    pub fn endpoint(&self) -> String {
        if let Some((host, port)) = &self.host_override {
            return format_host_port(host, *port);
        }
        match self.url.as_ref().map(|u| &u.host_info) {
            Some(HostInfo::HostIdentifiers(hosts)) => hosts
                .iter()
                .map(|h| match h {
                    ServerAddress::Tcp { host, port } => {
                        format_host_port(host, port.unwrap_or(DEFAULT_PORT))
                    }
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            _ => format_host_port(DEFAULT_HOST, DEFAULT_PORT),
        }
    }

    /// The user name in effect, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref().or_else(|| {
            self.url
                .as_ref()
                .and_then(|u| u.credential.as_ref())
                .and_then(|c| c.username.as_deref())
        })
    }

    /// True when a database is exposed as a schema.
    pub fn exposes(&self, database: &str) -> bool {
        match &self.databases {
            Some(list) => list.iter().any(|d| d == database),
            None => !SYSTEM_DATABASES.contains(&database),
        }
    }

    /// The `url` option with its password hidden (for messages), if given.
    pub fn redacted_url(&self) -> Option<&str> {
        self.redacted_url.as_deref()
    }

    /// The driver's client options. Does no I/O (`mongodb+srv` URLs are refused at parse
    /// time, so no DNS lookup happens), but is async because the driver's parser is.
    pub async fn client_options(&self) -> Result<ClientOptions> {
        let mut options = match &self.url {
            Some(url) => ClientOptions::parse(url.clone()).await.map_err(|e| {
                AdapterError::invalid_option_value(format!(
                    "invalid value for option \"url\": {}",
                    self.scrub(&e.to_string())
                ))
            })?,
            None => ClientOptions::default(),
        };
        if let Some((host, port)) = &self.host_override {
            options.hosts = vec![ServerAddress::Tcp {
                host: host.clone(),
                port: Some(*port),
            }];
            options.direct_connection = Some(true);
            options.repl_set_name = None;
        }
        if options.hosts.is_empty() {
            options.hosts = vec![ServerAddress::Tcp {
                host: DEFAULT_HOST.to_string(),
                port: Some(DEFAULT_PORT),
            }];
            options.direct_connection = Some(true);
        }
        if self.user.is_some() || self.password.is_some() || self.auth_source.is_some() {
            let mut credential = options.credential.take().unwrap_or_default();
            if let Some(user) = &self.user {
                credential.username = Some(user.clone());
            }
            if let Some(password) = &self.password {
                credential.password = Some(password.clone());
            }
            if let Some(source) = &self.auth_source {
                credential.source = Some(source.clone());
            }
            if credential.source.is_none() {
                credential.source = Some("admin".to_string());
            }
            options.credential = Some(credential);
        }
        let timeout = self.connect_timeout();
        if self.connect_timeout_option.is_some() || options.connect_timeout.is_none() {
            options.connect_timeout = Some(timeout);
        }
        if self.connect_timeout_option.is_some() || options.server_selection_timeout.is_none() {
            options.server_selection_timeout = Some(timeout);
        }
        if options.app_name.is_none() {
            options.app_name = Some(APP_NAME.to_string());
        }
        if self.pool_max_size_option || options.max_pool_size.is_none() {
            options.max_pool_size = Some(self.limits.pool_max_size as u32);
        }
        Ok(options)
    }

    /// Removes the configured secrets from a driver message.
    pub fn scrub(&self, message: &str) -> String {
        let mut text = message.to_string();
        let url_password = self
            .url
            .as_ref()
            .and_then(|u| u.credential.as_ref())
            .and_then(|c: &Credential| c.password.clone());
        for secret in [self.password.as_ref(), url_password.as_ref()]
            .into_iter()
            .flatten()
        {
            if !secret.is_empty() {
                text = text.replace(secret.as_str(), "********");
            }
        }
        text
    }
}

/// Redacts the password of a URL, as `fedgate_adapter_api` does for listings.
fn fedgate_redact_url(url: &str) -> String {
    let shown =
        ServerOptions::new([("url".to_string(), url.to_string())].into_iter().collect()).redacted();
    shown["url"].clone()
}

fn format_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn first_tcp_host(url: &ConnectionString) -> Option<(String, u16)> {
    match &url.host_info {
        HostInfo::HostIdentifiers(hosts) => hosts.iter().find_map(|h| match h {
            ServerAddress::Tcp { host, port } => Some((host.clone(), port.unwrap_or(DEFAULT_PORT))),
            _ => None,
        }),
        _ => None,
    }
}

/// Parses a `mongodb://` URL. Errors never quote the URL or its password.
fn parse_url(text: &str) -> Result<ConnectionString> {
    if text.starts_with("mongodb+srv://") {
        return Err(AdapterError::feature_not_supported(
            "invalid value for option \"url\": mongodb+srv:// URLs need DNS SRV lookups, which this build of fedgate does not do",
        )
        .with_hint("list the hosts in a mongodb:// URL (with replicaSet=... and tls=true as the SRV record says)"));
    }
    if !text.starts_with("mongodb://") {
        return Err(AdapterError::invalid_option_value(
            "invalid value for option \"url\": the scheme must be mongodb://",
        ));
    }
    let parsed = ConnectionString::parse(text).map_err(|e| {
        let message = scrub_url_secret(&e.to_string(), text);
        AdapterError::invalid_option_value(format!("invalid value for option \"url\": {message}"))
    })?;
    if !matches!(parsed.host_info, HostInfo::HostIdentifiers(_)) {
        return Err(AdapterError::invalid_option_value(
            "invalid value for option \"url\": expected a list of hosts",
        ));
    }
    Ok(parsed)
}

/// Removes the password part of `url` (raw and percent-decoded) from a message.
fn scrub_url_secret(message: &str, url: &str) -> String {
    let Some(rest) = url.strip_prefix("mongodb://") else {
        return message.to_string();
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let Some(at) = authority.rfind('@') else {
        return message.to_string();
    };
    let Some((_, password)) = authority[..at].split_once(':') else {
        return message.to_string();
    };
    if password.is_empty() {
        return message.to_string();
    }
    let mut text = message.replace(password, "********");
    let decoded = percent_decode_lossy(password);
    if !decoded.is_empty() {
        text = text.replace(&decoded, "********");
    }
    text
}

fn percent_decode_lossy(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn invalid_value(option: &str, value: &str, expected: &str) -> AdapterError {
    option_values::invalid_value(option, value, expected)
}

fn parse_port(text: &str) -> Result<u16> {
    option_values::parse_port(Some(text), 0)
}

fn parse_sample_size(value: Option<&str>) -> Result<usize> {
    option_values::parse_count("sample_size", value, DEFAULT_SAMPLE_SIZE, MAX_SAMPLE_SIZE)
}

/// `auto` (the default), or a switch (`true`: always, `false`: never).
fn parse_include_id(value: Option<&str>) -> Result<IdColumn> {
    match value {
        None => Ok(IdColumn::Auto),
        Some(text) if text.trim().eq_ignore_ascii_case("auto") => Ok(IdColumn::Auto),
        Some(text) => {
            let always =
                option_values::parse_bool("include_id", Some(text), true).map_err(|_| {
                    invalid_value("include_id", text, "expected 'auto', 'true' or 'false'")
                })?;
            Ok(if always {
                IdColumn::Always
            } else {
                IdColumn::Never
            })
        }
    }
}

fn parse_connect_timeout(text: &str) -> Result<Duration> {
    option_values::parse_seconds("connect_timeout", Some(text), 0, 86_400)
}

/// `events, logs` → `["events", "logs"]`; names must be valid MongoDB database names.
fn parse_databases(text: &str) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for part in text.split(',') {
        let name = part.trim();
        if name.is_empty() || name.contains(['/', '\\', '.', ' ', '"', '$', '\0']) {
            return Err(invalid_value(
                "database",
                text,
                "expected comma-separated MongoDB database names",
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(names)
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

    fn parse(pairs: &[(&str, &str)]) -> Result<MongoOptions> {
        MongoOptions::parse(&opts(pairs))
    }

    #[test]
    fn url_only() {
        let o = parse(&[("url", "mongodb://127.0.0.1:27017")]).unwrap();
        assert_eq!(o.endpoint(), "127.0.0.1:27017");
        assert_eq!(o.sample_size, 1000);
        assert_eq!(o.id_column, IdColumn::Auto);
        assert_eq!(o.connect_timeout(), Duration::from_secs(10));
        assert!(o.databases.is_none());
        assert!(o.exposes("events"));
        for system in ["admin", "local", "config"] {
            assert!(!o.exposes(system));
        }
        assert_eq!(o.user(), None);
    }

    #[test]
    fn url_or_host_is_required() {
        let e = parse(&[]).unwrap_err();
        assert_eq!(e.sqlstate, "22023");
        assert!(e.message.contains("url"), "{}", e.message);
        let o = parse(&[("port", "27018")]).unwrap();
        assert_eq!(o.endpoint(), "127.0.0.1:27018");
        let o = parse(&[("host", "db.local")]).unwrap();
        assert_eq!(o.endpoint(), "db.local:27017");
    }

    #[test]
    fn unknown_option_is_hv00d() {
        let e = parse(&[("url", "mongodb://h"), ("databse", "x")]).unwrap_err();
        assert_eq!(e.sqlstate, "HV00D");
        assert!(e.message.contains("databse"), "{}", e.message);
    }

    #[test]
    fn bad_values_are_22023_naming_the_option() {
        for (name, value) in [
            ("port", "abc"),
            ("port", "0"),
            ("port", "70000"),
            ("connect_timeout", "0"),
            ("connect_timeout", "-1"),
            ("connect_timeout", "soon"),
            ("sample_size", "0"),
            ("sample_size", "many"),
            ("sample_size", "2000000"),
            ("include_id", "sometimes"),
            ("database", ""),
            ("database", "a,,b"),
            ("database", "a.b"),
            ("host", " "),
            ("user", ""),
            ("auth_source", ""),
        ] {
            let e = parse(&[("url", "mongodb://u@h"), (name, value)]).unwrap_err();
            assert_eq!(e.sqlstate, "22023", "{name}={value}: {e:?}");
            assert!(e.message.contains(name), "{name}: {}", e.message);
        }
    }

    #[test]
    fn include_id_option() {
        for (value, expected) in [
            ("auto", IdColumn::Auto),
            ("AUTO", IdColumn::Auto),
            ("true", IdColumn::Always),
            ("on", IdColumn::Always),
            ("false", IdColumn::Never),
        ] {
            let o = parse(&[("url", "mongodb://h"), ("include_id", value)]).unwrap();
            assert_eq!(o.id_column, expected, "{value}");
        }
    }

    #[test]
    fn databases_option() {
        let o = parse(&[
            ("url", "mongodb://h"),
            ("database", " events , logs,events,admin"),
        ])
        .unwrap();
        assert_eq!(o.databases.as_deref().unwrap(), ["events", "logs", "admin"]);
        assert!(o.exposes("admin"));
        assert!(!o.exposes("other"));
    }

    #[test]
    fn limits() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let o = parse(&[("host", "db"), ("statement_timeout", "2s")]).unwrap();
        assert_eq!(o.limits.statement_timeout, Some(Duration::from_secs(2)));
        let client = rt.block_on(o.client_options()).unwrap();
        assert_eq!(client.max_pool_size, Some(8));
        let url = "mongodb://db/?maxPoolSize=20";
        let from_url = parse(&[("url", url)]).unwrap();
        let client = rt.block_on(from_url.client_options()).unwrap();
        assert_eq!(client.max_pool_size, Some(20), "the URL's pool size stays");
        let o = parse(&[("url", url), ("pool_max_size", "3")]).unwrap();
        let client = rt.block_on(o.client_options()).unwrap();
        assert_eq!(
            client.max_pool_size,
            Some(3),
            "the option overrides the URL"
        );
        for unsupported in ["keepalive_idle", "pool_timeout", "pool_size"] {
            let e = parse(&[("host", "db"), (unsupported, "1")]).unwrap_err();
            assert_eq!(e.sqlstate, "HV00D", "{unsupported}");
        }
        let e = parse(&[("host", "db"), ("breaker_failures", "x")]).unwrap_err();
        assert_eq!(e.sqlstate, "22023");
    }

    #[test]
    fn separate_options_override_url() {
        let o = parse(&[
            (
                "url",
                "mongodb://app:urlpw@db1:27018,db2:27019/events?replicaSet=rs0",
            ),
            ("port", "28000"),
            ("password", "optpw"),
            ("auth_source", "admin"),
            ("connect_timeout", "3"),
            ("sample_size", "50"),
        ])
        .unwrap();
        assert_eq!(o.endpoint(), "db1:28000");
        assert_eq!(o.user(), Some("app"));
        assert_eq!(o.sample_size, 50);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let client = rt.block_on(o.client_options()).unwrap();
        assert_eq!(
            client.hosts,
            vec![ServerAddress::Tcp {
                host: "db1".into(),
                port: Some(28000)
            }]
        );
        assert_eq!(client.direct_connection, Some(true));
        assert_eq!(client.repl_set_name, None);
        let credential = client.credential.unwrap();
        assert_eq!(credential.username.as_deref(), Some("app"));
        assert_eq!(credential.password.as_deref(), Some("optpw"));
        assert_eq!(credential.source.as_deref(), Some("admin"));
        assert_eq!(client.connect_timeout, Some(Duration::from_secs(3)));
        assert_eq!(
            client.server_selection_timeout,
            Some(Duration::from_secs(3))
        );
        assert_eq!(client.app_name.as_deref(), Some("fedgate"));
    }

    #[test]
    fn url_parts_are_kept() {
        let o = parse(&[(
            "url",
            "mongodb://app:p%40ss@db1:27018,db2/events?replicaSet=rs0&connectTimeoutMS=2000&appName=me",
        )])
        .unwrap();
        assert_eq!(o.endpoint(), "db1:27018,db2:27017");
        assert_eq!(o.connect_timeout(), Duration::from_secs(2));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let client = rt.block_on(o.client_options()).unwrap();
        assert_eq!(client.hosts.len(), 2);
        assert_eq!(client.repl_set_name.as_deref(), Some("rs0"));
        assert_eq!(client.direct_connection, None);
        assert_eq!(client.app_name.as_deref(), Some("me"));
        assert_eq!(
            client.server_selection_timeout,
            Some(Duration::from_secs(2))
        );
        let credential = client.credential.unwrap();
        assert_eq!(credential.password.as_deref(), Some("p@ss"));
        // The URL's database is the default authentication database.
        assert_eq!(credential.source.as_deref(), Some("events"));
    }

    #[test]
    fn host_options_without_url_connect_directly() {
        let o = parse(&[
            ("host", "127.0.0.1"),
            ("port", "27099"),
            ("user", "u"),
            ("password", "pw"),
        ])
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let client = rt.block_on(o.client_options()).unwrap();
        assert_eq!(
            client.hosts,
            vec![ServerAddress::Tcp {
                host: "127.0.0.1".into(),
                port: Some(27099)
            }]
        );
        assert_eq!(client.direct_connection, Some(true));
        let credential = client.credential.unwrap();
        assert_eq!(credential.source.as_deref(), Some("admin"));
        assert_eq!(client.connect_timeout, Some(Duration::from_secs(10)));
    }

    #[test]
    fn password_without_user_is_rejected() {
        let e = parse(&[("url", "mongodb://h"), ("password", "pw")]).unwrap_err();
        assert_eq!(e.sqlstate, "22023");
        assert!(!e.message.contains("pw\""), "{}", e.message);
        assert!(parse(&[("url", "mongodb://u@h"), ("password", "pw")]).is_ok());
        let e = parse(&[("url", "mongodb://h"), ("auth_source", "admin")]).unwrap_err();
        assert_eq!(e.sqlstate, "22023");
    }

    #[test]
    fn srv_urls_are_0a000() {
        let e = parse(&[("url", "mongodb+srv://u:s3cretpw@cluster.example.net")]).unwrap_err();
        assert_eq!(e.sqlstate, "0A000");
        assert!(!format!("{e:?}").contains("s3cret"));
    }

    #[test]
    fn bad_urls_never_show_the_secret() {
        for url in [
            "postgres://app:s3cretpw@db/x",
            "mongodb://app:s3cretpw@db:notaport/x",
            "mongodb://app:s3cretpw@db/x?bogusOption=1&w=abc",
            "mongodb://app:s3cret%zzpw@db/x",
            "mongodb://app:s3cretpw@/x",
        ] {
            let e = parse(&[("url", url)]).unwrap_err();
            assert_eq!(e.sqlstate, "22023", "{url}: {e:?}");
            assert!(e.message.contains("url"), "{}", e.message);
            let shown = format!("{e:?} {e}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
    }

    #[test]
    fn debug_hides_passwords() {
        let o = parse(&[
            ("url", "mongodb://app:urlsecret@db/x"),
            ("password", "optsecret"),
        ])
        .unwrap();
        let shown = format!("{o:?}");
        assert!(!shown.contains("urlsecret"), "{shown}");
        assert!(!shown.contains("optsecret"), "{shown}");
        assert!(shown.contains("mongodb://app:********@db/x"), "{shown}");
        assert_eq!(o.redacted_url(), Some("mongodb://app:********@db/x"));
        assert_eq!(
            o.scrub("auth failed for optsecret and urlsecret"),
            "auth failed for ******** and ********"
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let client = rt.block_on(o.client_options()).unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
