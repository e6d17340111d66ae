//! Server options of the `mysql` wrapper, parsed into a mysql_async configuration.
//!
//! Accepted options (anything else is rejected with HV00D):
//!
//! | option            | default     | notes                                                    |
//! |-------------------|-------------|----------------------------------------------------------|
//! | `url`             | —           | `mysql://user:pw@host:port/db` (also `mariadb://`)       |
//! | `host`            | `127.0.0.1` | host name or address (TCP only)                           |
//! | `port`            | `3306`      | 1..=65535                                                 |
//! | `user`            | `root`      |                                                           |
//! | `password`, `password_env`, `password_file` | — | see `ServerOptions::resolve_password` |
//! | `databases`       | all visible | comma-separated MySQL databases exposed as schemas        |
//! | `connect_timeout` | `10`        | seconds, 1..=86400                                        |
//! | `keepalive_idle`, `keepalive_interval`, `statement_timeout`, `pool_max_size` (`pool_size`), `pool_timeout`, `breaker_failures`, `breaker_backoff` | | the limits every remote backend shares ([`fedgate_adapter_api::limits`]); the driver sets only the keepalive idle time (the interval is the system's); `statement_timeout` is MariaDB's `max_statement_time` / MySQL's `MAX_EXECUTION_TIME` of each scan |
//! | `tinyint1_as_boolean` | `true`  | `tinyint(1)` (`BOOL`/`BOOLEAN`) columns are booleans, non-zero is true; `false` keeps them `Int8` (`TYPES.md`) |
//!
//! Precedence: defaults < parts of `url` < separate options. The database of the URL is the
//! connections' default database (it must exist: `check_connection` reports 3D000 otherwise);
//! it does not restrict the schemas — `databases` does. Without `databases`, every database the
//! user can see is a schema except `information_schema`, `mysql`, `performance_schema` and
//! `sys`.
//!
//! Secrets never appear in errors or `Debug` output: the URL itself is never quoted in an
//! error, and the password is shown as `********`.

use std::fmt;
use std::time::Duration;

use fedgate_adapter_api::connection_url::{invalid_url, ConnectionUrl};
use fedgate_adapter_api::option_values;
use fedgate_adapter_api::{AdapterError, BackendLimits, Result, ServerOptions};
use mysql_async::{Opts, OptsBuilder, PoolConstraints, PoolOpts};

use crate::types::TypeOptions;

/// Every option name the wrapper accepts.
pub const KNOWN_OPTIONS: &[&str] = &[
    "url",
    "host",
    "port",
    "user",
    "password",
    "password_env",
    "password_file",
    "databases",
    "connect_timeout",
    "tinyint1_as_boolean",
    "keepalive_idle",
    "keepalive_interval",
    "statement_timeout",
    "pool_max_size",
    "pool_size",
    "pool_timeout",
    "breaker_failures",
    "breaker_backoff",
];

/// Databases that are not exposed as schemas unless `databases` names them.
pub const SYSTEM_DATABASES: &[&str] = &["information_schema", "mysql", "performance_schema", "sys"];

/// The statement every connection runs when it is opened (and after a reset):
///
/// - `NAMES utf8mb4`: text travels as UTF-8 with 4-byte characters (emoji survive);
/// - `time_zone = '+00:00'`: `TIMESTAMP` values are read (and `TIMESTAMP` literals compared)
///   as UTC, so they map to `Timestamp(µs, "+00:00")` exactly;
/// - `div_precision_increment = 30`: decimal division keeps 30 more fraction digits, so
///   that the planner's pushed `AVG` of decimals can be truncated to DataFusion's value;
/// - `sql_mode`: the server's mode minus `NO_BACKSLASH_ESCAPES`, because the planner escapes
///   backslashes in string literals (`'a\\b'`). Everything else is kept: the planner quotes
///   identifiers with backticks and strings with single quotes (so `ANSI_QUOTES` does not
///   matter) and never renders `||` (so `PIPES_AS_CONCAT` does not matter).
pub const SESSION_SETUP: &str = "SET NAMES utf8mb4, time_zone = '+00:00', \
     div_precision_increment = 30, \
     sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), \
     ',NO_BACKSLASH_ESCAPES,', ','))";

/// How long an idle pooled connection is kept open.
pub const IDLE_CONNECTION_TTL: Duration = Duration::from_secs(300);

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 3306;
const DEFAULT_USER: &str = "root";
const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;

/// The parsed, validated options of one MySQL/MariaDB server.
#[derive(Clone, PartialEq, Eq)]
pub struct MySqlOptions {
    pub host: String,
    pub port: u16,
    pub user: String,
    password: Option<String>,
    /// The default database of the connections (from the URL path).
    pub database: Option<String>,
    /// The databases exposed as schemas; `None`: all visible except [`SYSTEM_DATABASES`].
    pub databases: Option<Vec<String>>,
    pub connect_timeout: Duration,
    /// Keepalive, statement timeout, pool and breaker settings.
    pub limits: BackendLimits,
    /// How column types map (`tinyint1_as_boolean`).
    pub types: TypeOptions,
}

impl fmt::Debug for MySqlOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MySqlOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("database", &self.database)
            .field("databases", &self.databases)
            .field("connect_timeout", &self.connect_timeout)
            .field("limits", &self.limits)
            .field("types", &self.types)
            .finish()
    }
}

/// Option values before defaults: URL parts first, then separate options.
#[derive(Default)]
struct Layer {
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    password: Option<String>,
    database: Option<String>,
}

impl MySqlOptions {
    /// Parses and validates the options of a `mysql` server.
    pub fn parse(options: &ServerOptions) -> Result<Self> {
        options.reject_unknown("mysql", KNOWN_OPTIONS)?;
        let mut layer = match options.get("url") {
            Some(url) => parse_url(url)?,
            None => Layer::default(),
        };
        for (slot, name) in [
            (&mut layer.host, "host"),
            (&mut layer.port, "port"),
            (&mut layer.user, "user"),
        ] {
            if let Some(value) = options.get(name) {
                *slot = Some(value.to_string());
            }
        }
        if let Some(password) = options.resolve_password()? {
            layer.password = Some(password);
        }
        let host = layer.host.unwrap_or_else(|| DEFAULT_HOST.to_string());
        if host.trim().is_empty() {
            return Err(invalid_value("host", "", "expected a host name or address"));
        }
        let user = layer.user.unwrap_or_else(|| DEFAULT_USER.to_string());
        if user.is_empty() {
            return Err(invalid_value("user", "", "expected a user name"));
        }
        Ok(Self {
            host,
            port: parse_port(layer.port.as_deref())?,
            user,
            password: layer.password,
            database: layer.database,
            databases: parse_databases(options.get("databases"))?,
            connect_timeout: parse_connect_timeout(options.get("connect_timeout"))?,
            limits: BackendLimits::parse(options)?,
            types: TypeOptions {
                tinyint1_as_boolean: option_values::parse_bool(
                    "tinyint1_as_boolean",
                    options.get("tinyint1_as_boolean"),
                    true,
                )?,
            },
        })
    }

    /// `host:port`, for messages.
    pub fn endpoint(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// True when a password is configured.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// True when `schema` is exposed by this server.
    pub fn exposes(&self, schema: &str) -> bool {
        match &self.databases {
            Some(list) => list.iter().any(|d| d == schema),
            None => !SYSTEM_DATABASES.contains(&schema),
        }
    }

    /// The connection options of the pool: TCP only (never the Unix socket the server
    /// advertises), no TLS, the [`SESSION_SETUP`] statement on every new connection, at most
    /// `pool_size` connections, none opened in advance, idle ones closed after
    /// [`IDLE_CONNECTION_TTL`]. Connections are not reset when they
    /// return to the pool (scans only read; a connection with an unread result or an open
    /// transaction is still cleaned up by mysql_async).
    pub fn pool_opts(&self) -> Opts {
        let constraints = PoolConstraints::new(0, self.limits.pool_max_size)
            .expect("0 <= pool_max_size, checked when parsing");
        let pool = PoolOpts::default()
            .with_constraints(constraints)
            .with_inactive_connection_ttl(IDLE_CONNECTION_TTL)
            .with_reset_connection(false);
        self.builder()
            .setup(vec![SESSION_SETUP])
            .pool_opts(pool)
            .into()
    }

    /// The options of a single connection that only sends `KILL QUERY`.
    pub fn kill_opts(&self) -> Opts {
        self.builder().into()
    }

    fn builder(&self) -> OptsBuilder {
        OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(self.user.clone()))
            .pass(self.password.clone())
            .db_name(self.database.clone())
            .prefer_socket(false)
            .tcp_nodelay(true)
            .tcp_keepalive(self.limits.keepalive.map(|k| k.idle))
    }
}

/// Splits a `mysql://` URL into option values. Errors never quote the URL.
fn parse_url(text: &str) -> Result<Layer> {
    let url = ConnectionUrl::parse(text, &["mysql", "mariadb"])?;
    if let Some((name, _)) = url.parameters.first() {
        return Err(invalid_url(format!(
            "unsupported parameter \"{name}\" (use separate server options)"
        )));
    }
    if url.path.as_deref().is_some_and(|p| p.contains('/')) {
        return Err(invalid_url("the path must be a single database name"));
    }
    Ok(Layer {
        host: url.host,
        port: url.port,
        user: url.user,
        password: url.password,
        database: url.path,
    })
}

fn invalid_value(option: &str, value: &str, expected: &str) -> AdapterError {
    option_values::invalid_value(option, value, expected)
}

fn parse_port(value: Option<&str>) -> Result<u16> {
    option_values::parse_port(value, DEFAULT_PORT)
}

fn parse_connect_timeout(value: Option<&str>) -> Result<Duration> {
    option_values::parse_seconds(
        "connect_timeout",
        value,
        DEFAULT_CONNECT_TIMEOUT_SECS,
        86_400,
    )
}

/// `a, b,c` → `["a", "b", "c"]`; blanks around names are ignored, duplicates removed.
fn parse_databases(value: Option<&str>) -> Result<Option<Vec<String>>> {
    let Some(text) = value else {
        return Ok(None);
    };
    let mut names: Vec<String> = Vec::new();
    for name in text.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(invalid_value(
                "databases",
                text,
                "expected a comma-separated list of database names, without empty entries",
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(Some(names))
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

    fn parse(pairs: &[(&str, &str)]) -> Result<MySqlOptions> {
        MySqlOptions::parse(&opts(pairs))
    }

    #[test]
    fn defaults() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.host, "127.0.0.1");
        assert_eq!(o.port, 3306);
        assert_eq!(o.user, "root");
        assert!(!o.has_password());
        assert_eq!(o.database, None);
        assert_eq!(o.databases, None);
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
        assert_eq!(o.limits.pool_max_size, 8);
        assert!(o.types.tinyint1_as_boolean);
        assert_eq!(o.endpoint(), "127.0.0.1:3306");
        let pool = o.pool_opts();
        assert_eq!(pool.pool_opts().constraints().max(), 8);
        assert_eq!(pool.pool_opts().constraints().min(), 0);
        assert!(!pool.pool_opts().reset_connection());
        assert_eq!(
            pool.pool_opts().inactive_connection_ttl(),
            IDLE_CONNECTION_TTL
        );
        assert_eq!(pool.setup(), &[SESSION_SETUP.to_string()]);
        assert!(!pool.prefer_socket());
        assert!(o.kill_opts().setup().is_empty());
    }

    #[test]
    fn separate_options() {
        let o = parse(&[
            ("host", "db.local"),
            ("port", "3307"),
            ("user", "app"),
            ("password", "pw"),
            ("databases", " shop , crm,shop"),
            ("connect_timeout", "3"),
            ("pool_size", "2"),
            ("tinyint1_as_boolean", "false"),
        ])
        .unwrap();
        assert!(!o.types.tinyint1_as_boolean);
        assert_eq!(o.endpoint(), "db.local:3307");
        assert_eq!(o.user, "app");
        assert_eq!(o.password.as_deref(), Some("pw"));
        assert_eq!(
            o.databases,
            Some(vec!["shop".to_string(), "crm".to_string()])
        );
        assert_eq!(o.connect_timeout, Duration::from_secs(3));
        assert_eq!(o.limits.pool_max_size, 2);
        let mysql = o.pool_opts();
        assert_eq!(mysql.ip_or_hostname(), "db.local");
        assert_eq!(mysql.tcp_port(), 3307);
        assert_eq!(mysql.user(), Some("app"));
        assert_eq!(mysql.pass(), Some("pw"));
        assert_eq!(mysql.db_name(), None);
    }

    #[test]
    fn url_parts() {
        let o = parse(&[("url", "mysql://app%40x:p%3Aw@db.example:3310/shop%20db")]).unwrap();
        assert_eq!(o.host, "db.example");
        assert_eq!(o.port, 3310);
        assert_eq!(o.user, "app@x");
        assert_eq!(o.password.as_deref(), Some("p:w"));
        assert_eq!(o.database.as_deref(), Some("shop db"));
        assert_eq!(o.pool_opts().db_name(), Some("shop db"));
        assert_eq!(o.kill_opts().db_name(), Some("shop db"));
    }

    #[test]
    fn url_defaults_and_ipv6() {
        let o = parse(&[("url", "mariadb://[::1]")]).unwrap();
        assert_eq!(o.host, "::1");
        assert_eq!(o.port, 3306);
        assert_eq!(o.user, "root");
        assert_eq!(o.database, None);
        assert_eq!(o.endpoint(), "[::1]:3306");
        let o = parse(&[("url", "mysql://h/")]).unwrap();
        assert_eq!(o.database, None);
    }

    #[test]
    fn separate_options_override_url() {
        let o = parse(&[
            ("url", "mysql://app:urlpw@db:3310/shop"),
            ("host", "other"),
            ("port", "7000"),
            ("user", "me"),
            ("password", "optpw"),
        ])
        .unwrap();
        assert_eq!(o.endpoint(), "other:7000");
        assert_eq!(o.user, "me");
        assert_eq!(o.database.as_deref(), Some("shop"));
        assert_eq!(o.password.as_deref(), Some("optpw"));
    }

    #[test]
    fn password_env_overrides_url_password() {
        std::env::set_var("FEDGATE_MY_OPT_TEST_PW", "envpw");
        let o = parse(&[
            ("url", "mysql://app:urlpw@db/shop"),
            ("password_env", "FEDGATE_MY_OPT_TEST_PW"),
        ])
        .unwrap();
        assert_eq!(o.password.as_deref(), Some("envpw"));
        let e = parse(&[("password_env", "FEDGATE_MY_OPT_TEST_PW_MISSING")]).unwrap_err();
        assert_eq!(e.sqlstate, "22023");
    }

    #[test]
    fn unknown_option_is_hv00d() {
        for name in ["hostname", "dbname", "sslmode"] {
            let e = parse(&[(name, "x")]).unwrap_err();
            assert_eq!(e.sqlstate, "HV00D");
            assert!(e.message.contains(name), "{}", e.message);
        }
    }

    #[test]
    fn bad_values_are_22023_naming_the_option() {
        for (name, value) in [
            ("port", "abc"),
            ("port", "0"),
            ("port", "70000"),
            ("port", "-1"),
            ("connect_timeout", "-1"),
            ("connect_timeout", "0"),
            ("connect_timeout", "soon"),
            ("pool_size", "0"),
            ("pool_size", "1001"),
            ("pool_size", "many"),
            ("tinyint1_as_boolean", "maybe"),
            ("databases", ""),
            ("databases", "a,,b"),
            ("host", ""),
            ("user", ""),
        ] {
            let e = parse(&[(name, value)]).unwrap_err();
            assert_eq!(e.sqlstate, "22023", "{name}={value}: {e:?}");
            assert!(e.message.contains(name), "{}", e.message);
        }
    }

    #[test]
    fn bad_urls_never_show_the_secret() {
        for url in [
            "postgres://app:s3cretpw@db/x",
            "mysql://app:s3cretpw@db:notaport/x",
            "mysql://app:s3cretpw@db/x?ssl=1",
            "mysql://app:s3cret%zzpw@db/x",
            "mysql://app:s3cretpw@db/x/y",
            "not a url s3cretpw",
        ] {
            let e = parse(&[("url", url)]).unwrap_err();
            assert_eq!(e.sqlstate, "22023", "{url}");
            assert!(e.message.contains("url"), "{}", e.message);
            let shown = format!("{e:?} {e}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
    }

    #[test]
    fn debug_hides_the_password() {
        let o = parse(&[("url", "mysql://app:urlsecret@db/x")]).unwrap();
        let shown = format!("{o:?}");
        assert!(!shown.contains("urlsecret"), "{shown}");
        assert!(shown.contains("********"));
        let o = parse(&[("password", "optsecret")]).unwrap();
        assert!(!format!("{o:?}").contains("optsecret"));
    }

    #[test]
    fn exposed_schemas() {
        let all = parse(&[]).unwrap();
        assert!(all.exposes("shop"));
        for system in SYSTEM_DATABASES {
            assert!(!all.exposes(system));
        }
        let some = parse(&[("databases", "shop,mysql")]).unwrap();
        assert!(some.exposes("shop") && some.exposes("mysql"));
        assert!(!some.exposes("crm") && !some.exposes("Shop"));
    }
}
