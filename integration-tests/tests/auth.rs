//! Client authentication and TLS of the real gateway process: SCRAM and md5 passwords,
//! PostgreSQL's error codes and texts, admin-only catalog statements, users kept across a
//! restart, the trust default without users, `sslmode=require` and `verify-full` with a CA
//! made by the test (openssl CLI), and passwords never in logs, errors or the catalog file.

use std::path::Path;
use std::pin::Pin;
use std::process::Command;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use fedgate_integration_tests::gateway::Gateway;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, NoTls};
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{aws_lc_rs, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "adm1n-pass-never-printed";
const BOB_PASSWORD: &str = "bob-pass-never-printed";
const BOB_NEW_PASSWORD: &str = "bob-new-pass-never-printed";

fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn start_with_admin(data: &Path, extra: &[(&str, &str)]) -> Gateway {
    let mut builder = Gateway::builder(data)
        .env("FEDGATE_LOG", "debug")
        .env("FEDGATE_ADMIN_USER", ADMIN)
        .env("FEDGATE_ADMIN_PASSWORD", ADMIN_PASSWORD);
    for (k, v) in extra {
        builder = builder.env(*k, *v);
    }
    builder.start().unwrap_or_else(|e| panic!("{e}"))
}

fn config(gateway: &Gateway, user: &str, password: &str, dbname: &str) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(gateway.port())
        .user(user)
        .password(password)
        .dbname(dbname)
        .connect_timeout(Duration::from_secs(10));
    config
}

async fn spawn<S, T>(
    result: Result<(Client, tokio_postgres::Connection<S, T>), tokio_postgres::Error>,
) -> Result<Client, tokio_postgres::Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (client, connection) = result?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

async fn login(
    gateway: &Gateway,
    user: &str,
    password: &str,
    dbname: &str,
) -> Result<Client, tokio_postgres::Error> {
    spawn(config(gateway, user, password, dbname).connect(NoTls).await).await
}

/// The SQLSTATE and message of a server error.
fn db_error(error: &tokio_postgres::Error) -> (String, String) {
    let db = error
        .as_db_error()
        .unwrap_or_else(|| panic!("not a server error: {error:?}"));
    (db.code().code().to_string(), db.message().to_string())
}

async fn expect_login_error(
    gateway: &Gateway,
    user: &str,
    password: &str,
    dbname: &str,
) -> (String, String) {
    match login(gateway, user, password, dbname).await {
        Ok(_) => panic!("{user}/{dbname} logged in with a wrong password or database"),
        Err(e) => db_error(&e),
    }
}

async fn expect_sql_error(client: &Client, sql: &str) -> String {
    match client.simple_query(sql).await {
        Ok(_) => panic!("{sql} succeeded"),
        Err(e) => db_error(&e).0,
    }
}

fn failed_for(user: &str) -> (String, String) {
    (
        "28P01".to_string(),
        format!("password authentication failed for user \"{user}\""),
    )
}

fn assert_no_secrets(what: &str, text: &str) {
    for secret in [ADMIN_PASSWORD, BOB_PASSWORD, BOB_NEW_PASSWORD] {
        assert!(
            !text.contains(secret),
            "{what} contains a password:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_permissions_and_restart() {
    let data = data_dir();
    let mut gateway = start_with_admin(data.path(), &[]);

    let admin = login(&gateway, ADMIN, ADMIN_PASSWORD, "fedgate")
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", gateway.logs()));
    admin
        .simple_query(&format!("CREATE USER bob WITH PASSWORD '{BOB_PASSWORD}'"))
        .await
        .unwrap();
    assert_eq!(
        expect_sql_error(&admin, "CREATE USER bob PASSWORD 'x'").await,
        "42710"
    );

    // Wrong password and unknown user: the same 28P01 text; unknown database: 3D000.
    assert_eq!(
        expect_login_error(&gateway, ADMIN, "wrong", "fedgate").await,
        failed_for(ADMIN)
    );
    assert_eq!(
        expect_login_error(&gateway, "nobody", "wrong", "fedgate").await,
        failed_for("nobody")
    );
    assert_eq!(
        expect_login_error(&gateway, "bob", BOB_PASSWORD, "nope").await,
        (
            "3D000".to_string(),
            "database \"nope\" does not exist".to_string()
        )
    );
    // A wrong password to an unknown database is still a password failure.
    assert_eq!(
        expect_login_error(&gateway, "bob", "wrong", "nope").await,
        failed_for("bob")
    );

    // bob may query, but not change servers or users.
    let bob = login(&gateway, "bob", BOB_PASSWORD, "samples")
        .await
        .unwrap();
    let rows = bob
        .query("SELECT count(*) FROM shop.customers", &[])
        .await
        .unwrap();
    assert!(rows[0].get::<_, i64>(0) > 0);
    let dir = fedgate_integration_tests::sample_dir();
    let create = fedgate_integration_tests::create_files_server_sql("lake", &dir);
    assert_eq!(expect_sql_error(&bob, &create).await, "42501");
    assert_eq!(
        expect_sql_error(&bob, "ALTER SERVER samples OPTIONS (ADD pushdown 'false')").await,
        "42501"
    );
    assert_eq!(expect_sql_error(&bob, "DROP SERVER samples").await, "42501");
    assert_eq!(
        expect_sql_error(&bob, "CREATE USER eve PASSWORD 'x'").await,
        "42501"
    );
    assert_eq!(expect_sql_error(&bob, "DROP USER admin").await, "42501");
    // ... and the admin may.
    admin.simple_query(&create).await.unwrap();
    admin.simple_query("DROP SERVER lake").await.unwrap();

    // bob changes his own password.
    bob.simple_query(&format!("ALTER USER bob PASSWORD '{BOB_NEW_PASSWORD}'"))
        .await
        .unwrap();
    assert_eq!(
        expect_login_error(&gateway, "bob", BOB_PASSWORD, "fedgate").await,
        failed_for("bob")
    );
    drop((admin, bob));

    // After a restart without the admin configuration, both users are still there.
    gateway.terminate().unwrap();
    let first_logs = gateway.logs();
    let mut gateway = Gateway::builder(data.path())
        .env("FEDGATE_LOG", "debug")
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    login(&gateway, "bob", BOB_NEW_PASSWORD, "fedgate")
        .await
        .unwrap();
    let admin = login(&gateway, ADMIN, ADMIN_PASSWORD, "fedgate")
        .await
        .unwrap();
    admin.simple_query("DROP USER bob").await.unwrap();
    assert_eq!(
        expect_login_error(&gateway, "bob", BOB_NEW_PASSWORD, "fedgate").await,
        failed_for("bob")
    );
    // No trust for unknown users once users exist.
    assert_eq!(
        expect_login_error(&gateway, "test", "", "fedgate").await.0,
        "28P01"
    );
    drop(admin);
    gateway.terminate().unwrap();

    let catalog = std::fs::read_to_string(data.path().join("catalog.json")).unwrap();
    assert!(catalog.contains("SCRAM-SHA-256$4096:"), "{catalog}");
    assert!(
        !catalog.contains("\"md5"),
        "md5 stored without --auth md5:\n{catalog}"
    );
    assert_no_secrets("catalog.json", &catalog);
    assert_no_secrets("the first gateway's output", &first_logs);
    assert_no_secrets("the second gateway's output", &gateway.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_until_the_first_admin_exists() {
    let data = data_dir();
    let gateway = Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        gateway.logs().contains("trust for loopback clients"),
        "{}",
        gateway.logs()
    );
    let client = gateway.connect_as("anyone", "fedgate").await.unwrap();
    assert_eq!(
        expect_sql_error(&client, "CREATE USER first PASSWORD 'pw'").await,
        "0A000"
    );
    client
        .simple_query(&format!(
            "CREATE USER root PASSWORD '{ADMIN_PASSWORD}' SUPERUSER"
        ))
        .await
        .unwrap();
    // From now on every client needs a password.
    let error = gateway.connect_as("anyone", "fedgate").await.unwrap_err();
    assert!(
        format!("{error:?}").contains("password missing"),
        "{error:?}"
    );
    assert_eq!(
        expect_login_error(&gateway, "anyone", "guess", "fedgate").await,
        failed_for("anyone")
    );
    login(&gateway, "root", ADMIN_PASSWORD, "fedgate")
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn md5_for_old_clients() {
    let data = data_dir();
    let gateway = start_with_admin(data.path(), &[("FEDGATE_AUTH", "md5")]);
    let admin = login(&gateway, ADMIN, ADMIN_PASSWORD, "fedgate")
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", gateway.logs()));
    admin
        .simple_query(&format!("CREATE USER bob PASSWORD '{BOB_PASSWORD}'"))
        .await
        .unwrap();
    login(&gateway, "bob", BOB_PASSWORD, "fedgate")
        .await
        .unwrap();
    assert_eq!(
        expect_login_error(&gateway, "bob", "wrong", "fedgate").await,
        failed_for("bob")
    );
    assert_eq!(
        expect_login_error(&gateway, "nobody", "wrong", "fedgate").await,
        failed_for("nobody")
    );
    let catalog = std::fs::read_to_string(data.path().join("catalog.json")).unwrap();
    assert!(catalog.contains("\"md5"), "{catalog}");
    assert_no_secrets("catalog.json", &catalog);
}

/// Makes a CA and a server certificate for 127.0.0.1 signed by it, with the openssl CLI.
fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl command runs");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=fedgate test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_require_and_verify_full() {
    let data = data_dir();
    let certs = data_dir();
    make_certificates(certs.path());
    let cert = certs.path().join("server.crt");
    let key = certs.path().join("server.key");
    let gateway = start_with_admin(
        data.path(),
        &[
            ("FEDGATE_TLS_CERT", cert.to_str().unwrap()),
            ("FEDGATE_TLS_KEY", key.to_str().unwrap()),
        ],
    );

    // sslmode=require: encrypted, certificate not checked.
    let mut require = config(&gateway, ADMIN, ADMIN_PASSWORD, "fedgate");
    require.ssl_mode(SslMode::Require);
    let client = spawn(require.connect(RustlsConnect::new(None)).await)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", gateway.logs()));
    client.simple_query("SELECT 1").await.unwrap();

    // verify-full: the certificate must chain to the test CA and name 127.0.0.1.
    let ca = CertificateDer::from_pem_file(certs.path().join("ca.crt")).unwrap();
    let client = spawn(require.connect(RustlsConnect::new(Some(ca))).await)
        .await
        .unwrap();
    client.simple_query("SELECT 1").await.unwrap();

    // Another CA: the handshake fails.
    make_certificates(data.path());
    let other = CertificateDer::from_pem_file(data.path().join("ca.crt")).unwrap();
    assert!(require
        .connect(RustlsConnect::new(Some(other)))
        .await
        .is_err());

    // Without TLS (sslmode=disable) the password exchange still works.
    login(&gateway, ADMIN, ADMIN_PASSWORD, "fedgate")
        .await
        .unwrap();
}

/// tokio-postgres over rustls: verifies against `root` (verify-full), or not at all
/// (`None`, libpq's sslmode=require).
#[derive(Clone)]
struct RustlsConnect(Arc<ClientConfig>);

impl RustlsConnect {
    fn new(root: Option<CertificateDer<'static>>) -> Self {
        let provider = Arc::new(aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let config = match root {
            Some(root) => {
                let mut roots = RootCertStore::empty();
                roots.add(root).unwrap();
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoVerifier(provider)))
                .with_no_client_auth(),
        };
        Self(Arc::new(config))
    }
}

impl<S> MakeTlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnectOne;
    type Error = std::io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> std::io::Result<RustlsConnectOne> {
        let name = ServerName::try_from(domain.to_string())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnectOne(self.0.clone(), name))
    }
}

struct RustlsConnectOne(Arc<ClientConfig>, ServerName<'static>);

impl<S> TlsConnect<S> for RustlsConnectOne
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = std::io::Error;
    type Future =
        Pin<Box<dyn std::future::Future<Output = std::io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.0);
        Box::pin(async move { connector.connect(self.1, stream).await.map(RustlsStream) })
    }
}

struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> tokio_postgres::tls::TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Accepts any server certificate (sslmode=require), still checking handshake signatures.
#[derive(Debug)]
struct NoVerifier(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, tokio_rustls::rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        tokio_rustls::rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, tokio_rustls::rustls::Error> {
        tokio_rustls::rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
