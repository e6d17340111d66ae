//! TLS for client connections (rustls): a certificate chain and a private key in PEM files.

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// TLS for clients: the acceptor, and the `tls-server-end-point` hash of the certificate
/// for SCRAM channel binding (none when its signature algorithm has no defined hash).
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub end_point: Option<Vec<u8>>,
}

/// The certificate chain in `cert` and the key in `key` (PEM; PKCS#8, PKCS#1 or SEC1 keys).
pub fn load(cert: &Path, key: &Path) -> Result<Tls, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read the TLS certificate {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("no certificate in {}", cert.display()));
    }
    let end_point = end_point_hash(&chain[0]);
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the TLS key {}: {e}", key.display()))?;
    let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the TLS certificate and key do not fit: {e}"))?;
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        end_point,
    })
}

/// RFC 5929: the certificate hashed with its signature's hash, SHA-256 for MD5 and SHA-1.
fn end_point_hash(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    use ::aws_lc_rs::digest::{digest, SHA256, SHA384, SHA512};
    use x509_certificate::SignatureAlgorithm as S;
    let parsed = x509_certificate::X509Certificate::from_der(cert.as_ref()).ok()?;
    let algorithm = match parsed.signature_algorithm()? {
        S::RsaSha1 | S::RsaSha256 | S::EcdsaSha256 => &SHA256,
        S::RsaSha384 | S::EcdsaSha384 => &SHA384,
        S::RsaSha512 => &SHA512,
        _ => return None,
    };
    Some(digest(algorithm, cert.as_ref()).as_ref().to_vec())
}
