//! Password authentication: SCRAM-SHA-256 (RFC 5802 / RFC 7677) and PostgreSQL's md5.
//!
//! Users are stored with a SCRAM verifier in PostgreSQL's `pg_authid` form
//! (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`), never the password: the
//! server checks a client's proof against `StoredKey` and signs with `ServerKey`, so a stolen
//! verifier does not let anyone log in (unlike pgwire's `ScramAuth`, which wants the salted
//! password itself). The password is salted and hashed with pgwire's `gen_salted_password`
//! (SASLprep + PBKDF2-HMAC-SHA-256); the protocol messages are pgwire's.
//!
//! md5 authentication needs `md5(password || user)`, which is enough to log in with md5, so
//! it is stored only while md5 is configured (see the README).

use std::fmt;
use std::sync::LazyLock;

use aws_lc_rs::{constant_time, digest, hmac, rand};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use pgwire::api::auth::sasl::scram::gen_salted_password;

/// The SASL mechanism fedgate offers.
pub const SCRAM_SHA_256: &str = "SCRAM-SHA-256";

/// The mechanism with channel binding (`tls-server-end-point`), offered over TLS.
pub const SCRAM_SHA_256_PLUS: &str = "SCRAM-SHA-256-PLUS";

/// PBKDF2 iterations of new verifiers (PostgreSQL's default `scram_iterations`).
pub const SCRAM_ITERATIONS: u32 = 4096;

/// Length of the salt of new verifiers, in bytes (as PostgreSQL).
const SALT_LEN: usize = 16;

/// Why an authentication exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// The proof or password was wrong (or the user does not exist): 28P01.
    Failed,
    /// The client sent something that is not a valid SCRAM message: 08P01.
    Protocol(String),
}

/// A SCRAM-SHA-256 verifier: what is stored instead of a password.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramVerifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl fmt::Debug for ScramVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScramVerifier(<redacted>)")
    }
}

impl ScramVerifier {
    /// The verifier of `password` with a fresh random salt.
    pub fn generate(password: &str) -> Self {
        Self::compute(password, &random_bytes::<SALT_LEN>(), SCRAM_ITERATIONS)
    }

    /// The verifier of `password` with `salt` and `iterations` (RFC 5802 section 3).
    pub fn compute(password: &str, salt: &[u8], iterations: u32) -> Self {
        let salted = gen_salted_password(password, salt, iterations as usize);
        let client_key = hmac_sha256(&salted, b"Client Key");
        Self {
            iterations,
            salt: salt.to_vec(),
            stored_key: sha256(&client_key),
            server_key: hmac_sha256(&salted, b"Server Key"),
        }
    }

    /// PostgreSQL's text form.
    pub fn encode(&self) -> String {
        format!(
            "{SCRAM_SHA_256}${}:{}${}:{}",
            self.iterations,
            BASE64.encode(&self.salt),
            BASE64.encode(&self.stored_key),
            BASE64.encode(&self.server_key)
        )
    }

    /// Parses PostgreSQL's text form.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix(SCRAM_SHA_256)?.strip_prefix('$')?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored_key, server_key) = keys.split_once(':')?;
        let verifier = Self {
            iterations: iterations.parse().ok().filter(|i| *i > 0)?,
            salt: BASE64.decode(salt).ok()?,
            stored_key: BASE64.decode(stored_key).ok()?,
            server_key: BASE64.decode(server_key).ok()?,
        };
        (verifier.stored_key.len() == 32 && verifier.server_key.len() == 32).then_some(verifier)
    }

    /// A verifier no proof matches, with a salt that depends only on `user`, so that an
    /// unknown user gets the same exchange as a known one (PostgreSQL's "mock" exchange).
    pub fn mock(user: &str) -> Self {
        static SECRET: LazyLock<[u8; 32]> = LazyLock::new(random_bytes::<32>);
        let salt = hmac_sha256(SECRET.as_slice(), user.as_bytes())[..SALT_LEN].to_vec();
        Self {
            iterations: SCRAM_ITERATIONS,
            salt,
            stored_key: random_bytes::<32>().to_vec(),
            server_key: random_bytes::<32>().to_vec(),
        }
    }
}

/// A SCRAM exchange after the server-first message, waiting for the client's proof.
#[derive(Debug)]
pub struct ScramExchange {
    verifier: ScramVerifier,
    client_first_bare: String,
    server_first: String,
    nonce: String,
    /// The channel binding data the client must send back (`c=`): the gs2 header, then
    /// the certificate hash with SCRAM-SHA-256-PLUS.
    binding: Vec<u8>,
}

impl ScramExchange {
    /// Reads the client-first message and makes the server-first one (returned as
    /// [`ScramExchange::server_first`]), adding `server_nonce` to the client's nonce.
    /// `end_point` is the TLS certificate hash when SCRAM-SHA-256-PLUS was offered on this
    /// connection, and `plus` whether the client chose it.
    pub fn start(
        verifier: ScramVerifier,
        client_first: &[u8],
        server_nonce: &str,
        end_point: Option<&[u8]>,
        plus: bool,
    ) -> Result<Self, AuthError> {
        let message = std::str::from_utf8(client_first)
            .map_err(|_| protocol("client-first message is not UTF-8"))?;
        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        let (flag, rest) = message
            .split_once(',')
            .ok_or_else(|| protocol("malformed client-first message"))?;
        let cert_hash = match (flag, end_point, plus) {
            ("p=tls-server-end-point", Some(hash), true) => hash,
            (_, _, true) => {
                return Err(protocol(
                    "SCRAM-SHA-256-PLUS needs tls-server-end-point channel binding",
                ))
            }
            ("n", _, false) | ("y", None, false) => &[][..],
            ("y", Some(_), false) => {
                return Err(protocol(
                    "the client does not use the channel binding the server offered",
                ))
            }
            (_, _, false) if flag.starts_with("p=") => {
                return Err(protocol("channel binding needs SCRAM-SHA-256-PLUS"))
            }
            _ => return Err(protocol("malformed gs2 header")),
        };
        let (authzid, bare) = rest
            .split_once(',')
            .ok_or_else(|| protocol("malformed client-first message"))?;
        if !authzid.is_empty() {
            return Err(protocol("authorization identities are not supported"));
        }
        let gs2_header = format!("{flag},{authzid},");
        // client-first-message-bare = "n=" saslname "," "r=" c-nonce ["," extensions]
        // The user name in it is ignored, as PostgreSQL does: the startup packet's counts.
        let mut parts = bare.split(',');
        if !parts.next().is_some_and(|p| p.starts_with("n=")) {
            return Err(protocol("expected the user name attribute"));
        }
        let client_nonce = parts
            .next()
            .and_then(|p| p.strip_prefix("r="))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b','))
            .ok_or_else(|| protocol("expected a nonce"))?;
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!(
            "r={nonce},s={},i={}",
            BASE64.encode(&verifier.salt),
            verifier.iterations
        );
        let mut binding = gs2_header.as_bytes().to_vec();
        binding.extend_from_slice(cert_hash);
        Ok(Self {
            binding,
            verifier,
            client_first_bare: bare.to_string(),
            server_first,
            nonce,
        })
    }

    /// The server-first message to send.
    pub fn server_first(&self) -> &str {
        &self.server_first
    }

    /// Checks the client-final message; on success returns the server-final message.
    pub fn finish(&self, client_final: &[u8]) -> Result<String, AuthError> {
        let message = std::str::from_utf8(client_final)
            .map_err(|_| protocol("client-final message is not UTF-8"))?;
        let (without_proof, proof) = message
            .rsplit_once(",p=")
            .ok_or_else(|| protocol("expected a proof"))?;
        let mut parts = without_proof.split(',');
        let binding = parts
            .next()
            .and_then(|p| p.strip_prefix("c="))
            .ok_or_else(|| protocol("expected channel binding data"))?;
        if BASE64.decode(binding).ok().as_deref() != Some(self.binding.as_slice()) {
            return Err(protocol("unexpected channel binding data"));
        }
        if parts.next().and_then(|p| p.strip_prefix("r=")) != Some(self.nonce.as_str()) {
            return Err(protocol("nonce does not match"));
        }
        let proof = BASE64
            .decode(proof)
            .map_err(|_| protocol("malformed proof"))?;
        let auth_message = format!(
            "{},{},{without_proof}",
            self.client_first_bare, self.server_first
        );
        let signature = hmac_sha256(&self.verifier.stored_key, auth_message.as_bytes());
        if proof.len() != signature.len() {
            return Err(AuthError::Failed);
        }
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(p, s)| p ^ s).collect();
        constant_time::verify_slices_are_equal(&sha256(&client_key), &self.verifier.stored_key)
            .map_err(|_| AuthError::Failed)?;
        let server_signature = hmac_sha256(&self.verifier.server_key, auth_message.as_bytes());
        Ok(format!("v={}", BASE64.encode(server_signature)))
    }
}

/// A fresh server nonce (printable, no commas).
pub fn server_nonce() -> String {
    BASE64.encode(random_bytes::<18>())
}

/// What md5 authentication stores: `md5` + hex(md5(password || user)).
pub fn md5_secret(user: &str, password: &str) -> String {
    format!("md5{:x}", md5::compute(format!("{password}{user}")))
}

/// Whether `response` (the client's password message) answers the md5 challenge `salt`
/// for the stored `secret` (see [`md5_secret`]).
pub fn md5_matches(secret: &str, salt: &[u8], response: &str) -> bool {
    let Some(hex) = secret.strip_prefix("md5") else {
        return false;
    };
    let mut bytes = hex.as_bytes().to_vec();
    bytes.extend_from_slice(salt);
    let expected = format!("md5{:x}", md5::compute(bytes));
    constant_time::verify_slices_are_equal(expected.as_bytes(), response.as_bytes()).is_ok()
}

/// Random bytes from the system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::fill(&mut bytes).expect("the system random generator failed");
    bytes
}

fn protocol(message: &str) -> AuthError {
    AuthError::Protocol(message.to_string())
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, message).as_ref().to_vec()
}

fn sha256(message: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, message).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7677 section 3: user "user", password "pencil".
    const SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
    const CLIENT_FIRST: &str = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_NONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const SERVER_FIRST: &str =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    fn rfc_verifier() -> ScramVerifier {
        ScramVerifier::compute("pencil", &BASE64.decode(SALT).unwrap(), 4096)
    }

    #[test]
    fn rfc7677_exchange() {
        let exchange = ScramExchange::start(
            rfc_verifier(),
            CLIENT_FIRST.as_bytes(),
            SERVER_NONCE,
            None,
            false,
        )
        .unwrap();
        assert_eq!(exchange.server_first(), SERVER_FIRST);
        assert_eq!(
            exchange.finish(CLIENT_FINAL.as_bytes()).unwrap(),
            SERVER_FINAL
        );
    }

    #[test]
    fn wrong_password_or_tampered_proof_fails() {
        let wrong = ScramVerifier::compute("pen", &BASE64.decode(SALT).unwrap(), 4096);
        let exchange =
            ScramExchange::start(wrong, CLIENT_FIRST.as_bytes(), SERVER_NONCE, None, false)
                .unwrap();
        assert_eq!(
            exchange.finish(CLIENT_FINAL.as_bytes()),
            Err(AuthError::Failed)
        );
        let exchange = ScramExchange::start(
            rfc_verifier(),
            CLIENT_FIRST.as_bytes(),
            SERVER_NONCE,
            None,
            false,
        )
        .unwrap();
        let tampered = CLIENT_FINAL.replace("p=dHzb", "p=dHzc");
        assert_eq!(exchange.finish(tampered.as_bytes()), Err(AuthError::Failed));
        let mock = ScramVerifier::mock("user");
        assert_eq!(mock.salt, ScramVerifier::mock("user").salt);
        let exchange =
            ScramExchange::start(mock, CLIENT_FIRST.as_bytes(), SERVER_NONCE, None, false).unwrap();
        assert!(exchange.finish(CLIENT_FINAL.as_bytes()).is_err());
    }

    #[test]
    fn malformed_messages_are_protocol_errors() {
        let start =
            |m: &str| ScramExchange::start(rfc_verifier(), m.as_bytes(), SERVER_NONCE, None, false);
        assert!(matches!(start("n,,r=abc"), Err(AuthError::Protocol(_))));
        assert!(matches!(
            start("p=tls-server-end-point,,n=,r=abc"),
            Err(AuthError::Protocol(_))
        ));
        assert!(matches!(
            start("n,a=x,n=,r=abc"),
            Err(AuthError::Protocol(_))
        ));
        let exchange = start(CLIENT_FIRST).unwrap();
        let other_nonce = CLIENT_FINAL.replace("k0,p=", "k1,p=");
        assert!(matches!(
            exchange.finish(other_nonce.as_bytes()),
            Err(AuthError::Protocol(_))
        ));
        let other_binding = CLIENT_FINAL.replace("c=biws", "c=eSws");
        assert!(matches!(
            exchange.finish(other_binding.as_bytes()),
            Err(AuthError::Protocol(_))
        ));
    }

    #[test]
    fn channel_binding() {
        let hash = [7u8; 32];
        let start = |first: &str, offered: Option<&[u8]>, plus: bool| {
            ScramExchange::start(
                rfc_verifier(),
                first.as_bytes(),
                SERVER_NONCE,
                offered,
                plus,
            )
        };
        let plus_first = "p=tls-server-end-point,,n=,r=abc";
        let exchange = start(plus_first, Some(&hash), true).unwrap();
        let mut data = b"p=tls-server-end-point,,".to_vec();
        data.extend_from_slice(&hash);
        assert_eq!(exchange.binding, data);
        // A client that saw no PLUS while the server offered it: a downgrade.
        assert!(start("y,,n=,r=abc", Some(&hash), false).is_err());
        assert!(start("y,,n=,r=abc", None, false).is_ok());
        assert!(start("n,,n=,r=abc", Some(&hash), false).is_ok());
        assert!(start(plus_first, None, true).is_err());
        assert!(start(plus_first, Some(&hash), false).is_err());
        assert!(start("n,,n=,r=abc", Some(&hash), true).is_err());
    }

    #[test]
    fn verifier_text_round_trip_and_random_salt() {
        let verifier = rfc_verifier();
        let text = verifier.encode();
        assert!(
            text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"),
            "{text}"
        );
        assert_eq!(ScramVerifier::parse(&text), Some(verifier));
        assert_eq!(ScramVerifier::parse("SCRAM-SHA-256$4096:abc"), None);
        assert_eq!(ScramVerifier::parse("md5abc"), None);
        let (a, b) = (ScramVerifier::generate("x"), ScramVerifier::generate("x"));
        assert_ne!(a.salt, b.salt);
        assert!(!format!("{a:?}").contains(&BASE64.encode(&a.stored_key)));
    }

    #[test]
    fn md5_as_postgres() {
        // PostgreSQL: SELECT 'md5' || md5('secret' || 'alice')
        let secret = md5_secret("alice", "secret");
        assert_eq!(secret, "md54a0a68b43b6cd5cf266fa02f196e2371");
        let salt = [1u8, 2, 3, 4];
        // What a client sends, as pgwire's own md5 authenticator computes it.
        let response = pgwire::api::auth::md5pass::hash_md5_password("alice", "secret", &salt);
        assert!(md5_matches(&secret, &salt, &response));
        assert!(!md5_matches(&secret, &[1, 2, 3, 5], &response));
        assert!(!md5_matches(
            &md5_secret("alice", "other"),
            &salt,
            &response
        ));
    }
}
