//! Server options of the `postgres` wrapper, parsed into a connection configuration.
//!
//! Accepted options (anything else is rejected with HV00D):
//!
//! | option             | default        | notes                                              |
//! |--------------------|----------------|----------------------------------------------------|
//! | `url`              | —              | `postgres[ql]://user:pw@host:port/db?sslmode=...`  |
//! | `host`             | `127.0.0.1`    | a path starting with `/` is a Unix socket directory|
//! | `port`             | `5432`         | 1..=65535                                          |
//! | `user`             | `postgres`     |                                                    |
//! | `dbname`           | the user name  |                                                    |
//! | `password`, `password_env`, `password_file` | — | see `ServerOptions::resolve_password` |
//! | `sslmode`          | `prefer`       | only `disable`/`prefer` (no TLS to backends yet)   |
//! | `connect_timeout`  | `10`           | seconds, ≥ 1; bounds the TCP connect and start-up  |
//! | `application_name` | `fedgate`      | shown in the backend's `pg_stat_activity`          |
//! | `keepalive_idle`, `keepalive_interval`, `statement_timeout`, `pool_max_size` (`pool_size`), `pool_timeout`, `breaker_failures`, `breaker_backoff` | | the limits every remote backend shares ([`fedgate_adapter_api::limits`]); `statement_timeout` is set as the backend's own `statement_timeout` on each connection |
//!
//! Precedence: defaults < parts of `url` (including its query parameters `sslmode`,
//! `connect_timeout`, `application_name`) < separate options. Secrets never appear in errors
//! or `Debug` output: the URL itself is never quoted in an error.

use std::fmt;
use std::time::Duration;

use fedgate_adapter_api::connection_url::{invalid_url, ConnectionUrl};
use fedgate_adapter_api::option_values;
use fedgate_adapter_api::{AdapterError, BackendLimits, Result, ServerOptions};
use tokio_postgres::config::SslMode;

/// Every option name the wrapper accepts.
pub const KNOWN_OPTIONS: &[&str] = &[
    "url",
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "password_env",
    "password_file",
    "sslmode",
    "connect_timeout",
    "application_name",
    "keepalive_idle",
    "keepalive_interval",
    "statement_timeout",
    "pool_max_size",
    "pool_size",
    "pool_timeout",
    "breaker_failures",
    "breaker_backoff",
];

/// Query parameters accepted inside `url`.
const URL_PARAMETERS: &[&str] = &["sslmode", "connect_timeout", "application_name"];

const DEFAULT_HOST: &str = "127.0.0.1";
const DEFAULT_PORT: u16 = 5432;
const DEFAULT_USER: &str = "postgres";
const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;
const DEFAULT_APPLICATION_NAME: &str = "fedgate";

/// The parsed, validated options of one PostgreSQL server.
#[derive(Clone, PartialEq, Eq)]
pub struct PgOptions {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    password: Option<String>,
    pub connect_timeout: Duration,
    pub application_name: String,
    /// Keepalive, statement timeout, pool and breaker settings.
    pub limits: BackendLimits,
}

impl fmt::Debug for PgOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("dbname", &self.dbname)
            .field("password", &self.password.as_ref().map(|_| "********"))
            .field("connect_timeout", &self.connect_timeout)
            .field("application_name", &self.application_name)
            .field("limits", &self.limits)
            .finish()
    }
}

/// The option values before defaults are applied: URL parts first, then separate options.
#[derive(Default)]
struct Layer {
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    dbname: Option<String>,
    password: Option<String>,
    sslmode: Option<String>,
    connect_timeout: Option<String>,
    application_name: Option<String>,
}

impl PgOptions {
    /// Parses and validates the options of a `postgres` server.
    pub fn parse(options: &ServerOptions) -> Result<Self> {
        options.reject_unknown("postgres", KNOWN_OPTIONS)?;
        let mut layer = match options.get("url") {
            Some(url) => parse_url(url)?,
            None => Layer::default(),
        };
        layer.override_with(options)?;
        Self::from_layer(layer, BackendLimits::parse(options)?)
    }

    fn from_layer(layer: Layer, limits: BackendLimits) -> Result<Self> {
        if let Some(mode) = &layer.sslmode {
            check_sslmode(mode)?;
        }
        let host = layer.host.unwrap_or_else(|| DEFAULT_HOST.to_string());
        if host.is_empty() {
            return Err(invalid_value("host", "", "expected a host name or address"));
        }
        let user = layer.user.unwrap_or_else(|| DEFAULT_USER.to_string());
        let dbname = layer.dbname.unwrap_or_else(|| user.clone());
        Ok(Self {
            host,
            port: parse_port(layer.port.as_deref())?,
            user,
            dbname,
            password: layer.password,
            connect_timeout: parse_connect_timeout(layer.connect_timeout.as_deref())?,
            application_name: layer
                .application_name
                .unwrap_or_else(|| DEFAULT_APPLICATION_NAME.to_string()),
            limits,
        })
    }

    /// `host:port`, for messages.
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// True when a password is configured.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The tokio-postgres configuration (always without TLS): TCP keepalive as configured,
    /// and the server's own `statement_timeout` set at start-up when one is configured.
    pub fn to_config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .dbname(&self.dbname)
            .application_name(&self.application_name)
            .connect_timeout(self.connect_timeout)
            .ssl_mode(SslMode::Disable);
        if let Some(password) = &self.password {
            config.password(password);
        }
        match self.limits.keepalive {
            Some(keepalive) => config
                .keepalives(true)
                .keepalives_idle(keepalive.idle)
                .keepalives_interval(keepalive.interval),
            None => config.keepalives(false),
        };
        if let Some(timeout) = self.limits.statement_timeout {
            config.options(format!("-c statement_timeout={}", timeout.as_millis()));
        }
        config
    }
}

impl Layer {
    /// Separate options override the URL's parts.
    fn override_with(&mut self, options: &ServerOptions) -> Result<()> {
        let set = |slot: &mut Option<String>, name: &str| {
            if let Some(value) = options.get(name) {
                *slot = Some(value.to_string());
            }
        };
        set(&mut self.host, "host");
        set(&mut self.port, "port");
        set(&mut self.user, "user");
        set(&mut self.dbname, "dbname");
        set(&mut self.sslmode, "sslmode");
        set(&mut self.connect_timeout, "connect_timeout");
        set(&mut self.application_name, "application_name");
        if let Some(password) = options.resolve_password()? {
            self.password = Some(password);
        }
        Ok(())
    }
}

/// Splits a `postgres://` URL into option values. Errors never quote the URL.
fn parse_url(text: &str) -> Result<Layer> {
    let url = ConnectionUrl::parse(text, &["postgres", "postgresql"])?;
    let mut layer = Layer {
        host: url.host,
        port: url.port,
        user: url.user,
        password: url.password,
        dbname: url.path,
        ..Layer::default()
    };
    for (key, value) in url.parameters {
        let slot = match key.as_str() {
            "sslmode" => &mut layer.sslmode,
            "connect_timeout" => &mut layer.connect_timeout,
            "application_name" => &mut layer.application_name,
            other => {
                return Err(
                    invalid_url(format!("unsupported parameter \"{other}\"")).with_hint(format!(
                        "supported URL parameters: {}",
                        URL_PARAMETERS.join(", ")
                    )),
                )
            }
        };
        *slot = Some(value);
    }
    Ok(layer)
}

fn invalid_value(option: &str, value: &str, expected: &str) -> AdapterError {
    option_values::invalid_value(option, value, expected)
}

fn check_sslmode(mode: &str) -> Result<()> {
    match mode {
        "disable" | "prefer" => Ok(()),
        "allow" | "require" | "verify-ca" | "verify-full" => {
            Err(AdapterError::feature_not_supported(format!(
                "sslmode \"{mode}\" is not supported: TLS connections to backends are not supported yet"
            ))
            .with_hint("use sslmode 'disable' or 'prefer' (both connect without TLS)"))
        }
        other => Err(invalid_value(
            "sslmode",
            other,
            "expected disable or prefer; TLS to backends is not supported yet",
        )),
    }
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

    fn parse(pairs: &[(&str, &str)]) -> Result<PgOptions> {
        PgOptions::parse(&opts(pairs))
    }

    #[test]
    fn defaults() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.host, "127.0.0.1");
        assert_eq!(o.port, 5432);
        assert_eq!(o.user, "postgres");
        assert_eq!(o.dbname, "postgres");
        assert!(!o.has_password());
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
        assert_eq!(o.limits.pool_max_size, 8);
        assert_eq!(o.application_name, "fedgate");
        let config = o.to_config();
        assert!(config.get_keepalives());
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(60));
        assert_eq!(config.get_options(), None);
        assert_eq!(o.endpoint(), "127.0.0.1:5432");
    }

    #[test]
    fn dbname_defaults_to_user() {
        let o = parse(&[("user", "app")]).unwrap();
        assert_eq!(o.dbname, "app");
    }

    #[test]
    fn separate_options() {
        let o = parse(&[
            ("host", "db.local"),
            ("port", "6543"),
            ("user", "app"),
            ("dbname", "sales"),
            ("password", "pw"),
            ("sslmode", "disable"),
            ("connect_timeout", "3"),
            ("pool_size", "2"),
            ("application_name", "me"),
        ])
        .unwrap();
        assert_eq!(o.endpoint(), "db.local:6543");
        assert_eq!((o.user.as_str(), o.dbname.as_str()), ("app", "sales"));
        assert_eq!(o.password.as_deref(), Some("pw"));
        assert_eq!(o.connect_timeout, Duration::from_secs(3));
        assert_eq!(o.limits.pool_max_size, 2);
        assert_eq!(o.application_name, "me");
        let config = o.to_config();
        assert_eq!(config.get_user(), Some("app"));
        assert_eq!(config.get_dbname(), Some("sales"));
        assert_eq!(config.get_ports(), &[6543]);
        assert_eq!(config.get_password(), Some(&b"pw"[..]));
        assert_eq!(config.get_application_name(), Some("me"));
    }

    #[test]
    fn url_parts() {
        let o = parse(&[(
            "url",
            "postgresql://app%40x:p%3Aw@db.example:6000/sales%20db?sslmode=prefer&application_name=u&connect_timeout=4",
        )])
        .unwrap();
        assert_eq!(o.host, "db.example");
        assert_eq!(o.port, 6000);
        assert_eq!(o.user, "app@x");
        assert_eq!(o.password.as_deref(), Some("p:w"));
        assert_eq!(o.dbname, "sales db");
        assert_eq!(o.application_name, "u");
        assert_eq!(o.connect_timeout, Duration::from_secs(4));
    }

    #[test]
    fn url_defaults_and_ipv6() {
        let o = parse(&[("url", "postgres://[::1]")]).unwrap();
        assert_eq!(o.host, "::1");
        assert_eq!(o.port, 5432);
        assert_eq!(o.user, "postgres");
        assert_eq!(o.dbname, "postgres");
    }

    #[test]
    fn separate_options_override_url() {
        let o = parse(&[
            ("url", "postgres://app:urlpw@db:6000/sales?sslmode=disable"),
            ("host", "other"),
            ("port", "7000"),
            ("dbname", "crm"),
            ("password", "optpw"),
        ])
        .unwrap();
        assert_eq!(o.endpoint(), "other:7000");
        assert_eq!(o.user, "app");
        assert_eq!(o.dbname, "crm");
        assert_eq!(o.password.as_deref(), Some("optpw"));
    }

    #[test]
    fn password_env_overrides_url_password() {
        std::env::set_var("FEDGATE_PG_OPT_TEST_PW", "envpw");
        let o = parse(&[
            ("url", "postgres://app:urlpw@db/sales"),
            ("password_env", "FEDGATE_PG_OPT_TEST_PW"),
        ])
        .unwrap();
        assert_eq!(o.password.as_deref(), Some("envpw"));
    }

    #[test]
    fn limits_reach_the_connection_config() {
        let o = parse(&[
            ("statement_timeout", "2s"),
            ("keepalive_idle", "5s"),
            ("keepalive_interval", "2"),
            ("pool_max_size", "3"),
        ])
        .unwrap();
        let config = o.to_config();
        assert_eq!(config.get_options(), Some("-c statement_timeout=2000"));
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(5));
        assert_eq!(
            config.get_keepalives_interval(),
            Some(Duration::from_secs(2))
        );
        assert_eq!(o.limits.pool_max_size, 3);
        let off = parse(&[("keepalive_idle", "0")]).unwrap().to_config();
        assert!(!off.get_keepalives());
    }

    #[test]
    fn unknown_option_is_hv00d() {
        let e = parse(&[("hostname", "x")]).unwrap_err();
        assert_eq!(e.sqlstate, "HV00D");
        assert!(e.message.contains("hostname"), "{}", e.message);
    }

    #[test]
    fn bad_values_are_22023_naming_the_option() {
        for (name, value) in [
            ("port", "abc"),
            ("port", "0"),
            ("port", "70000"),
            ("connect_timeout", "-1"),
            ("connect_timeout", "0"),
            ("pool_size", "0"),
            ("pool_size", "many"),
            ("sslmode", "bogus"),
        ] {
            let e = parse(&[(name, value)]).unwrap_err();
            assert_eq!(e.sqlstate, "22023", "{name}={value}: {e:?}");
            assert!(e.message.contains(name), "{}", e.message);
        }
    }

    #[test]
    fn tls_sslmodes_are_0a000() {
        for mode in ["require", "verify-ca", "verify-full", "allow"] {
            let e = parse(&[("sslmode", mode)]).unwrap_err();
            assert_eq!(e.sqlstate, "0A000");
            assert!(e.message.contains("TLS"), "{}", e.message);
        }
        let e = parse(&[("url", "postgres://h/db?sslmode=require")]).unwrap_err();
        assert_eq!(e.sqlstate, "0A000");
        assert!(parse(&[("sslmode", "prefer")]).is_ok());
    }

    #[test]
    fn bad_urls_never_show_the_secret() {
        for url in [
            "mysql://app:s3cretpw@db/x",
            "postgres://app:s3cretpw@db:notaport/x",
            "postgres://app:s3cretpw@db/x?bogus=1",
            "postgres://app:s3cret%zzpw@db/x",
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
        let o = parse(&[("url", "postgres://app:urlsecret@db/x")]).unwrap();
        let shown = format!("{o:?} {:?}", o.to_config());
        assert!(!shown.contains("urlsecret"), "{shown}");
        assert!(shown.contains("********"));
    }
}
