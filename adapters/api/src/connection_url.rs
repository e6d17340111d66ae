//! Server URLs (`postgres://user:secret@host:5432/db?sslmode=prefer`): the one parser the
//! SQL adapters share. Parts are percent-decoded; errors never quote the URL, which may
//! hold a password.

use crate::{AdapterError, Result};

/// The decoded parts of a server URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionUrl {
    pub host: Option<String>,
    pub port: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The path without its leading `/` (a database name), `None` when empty.
    pub path: Option<String>,
    /// The query parameters, in order.
    pub parameters: Vec<(String, String)>,
}

/// 22023 for the `url` option, saying why (never quoting the value).
pub fn invalid_url(why: impl std::fmt::Display) -> AdapterError {
    AdapterError::invalid_option_value(format!("invalid value for option \"url\": {why}"))
}

impl ConnectionUrl {
    /// Parses `text`, whose scheme must be one of `schemes`. A fragment is refused.
    pub fn parse(text: &str, schemes: &[&str]) -> Result<Self> {
        let url = url::Url::parse(text).map_err(invalid_url)?;
        if !schemes.contains(&url.scheme()) {
            let allowed: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
            return Err(invalid_url(format!(
                "the scheme must be {}",
                allowed.join(" or ")
            )));
        }
        if url.fragment().is_some() {
            return Err(invalid_url("a fragment (#...) is not allowed"));
        }
        let host = url.host_str().filter(|h| !h.is_empty());
        Ok(Self {
            host: host.map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string()),
            port: url.port().map(|p| p.to_string()),
            user: non_empty(decode(url.username(), "user")?),
            password: url.password().map(|p| decode(p, "password")).transpose()?,
            path: non_empty(decode(url.path().trim_start_matches('/'), "path")?),
            parameters: url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        })
    }
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// Decodes the `%XX` escapes of one part; `part` names it in errors.
fn decode(text: &str, part: &str) -> Result<String> {
    let malformed = text
        .match_indices('%')
        .any(|(i, _)| !text.get(i + 1..i + 3).is_some_and(is_hex_pair));
    if malformed {
        return Err(invalid_url(format!(
            "bad percent-encoding in the {part} part"
        )));
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| invalid_url(format!("bad percent-encoding in the {part} part")))
}

fn is_hex_pair(pair: &str) -> bool {
    pair.len() == 2 && pair.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_decoded() {
        let url = ConnectionUrl::parse(
            "postgres://app%40x:p%2Fw@[::1]:6432/sales%20db?sslmode=prefer",
            &["postgres", "postgresql"],
        )
        .unwrap();
        assert_eq!(url.host.as_deref(), Some("::1"));
        assert_eq!(url.port.as_deref(), Some("6432"));
        assert_eq!(url.user.as_deref(), Some("app@x"));
        assert_eq!(url.password.as_deref(), Some("p/w"));
        assert_eq!(url.path.as_deref(), Some("sales db"));
        assert_eq!(url.parameters, vec![("sslmode".into(), "prefer".into())]);
    }

    #[test]
    fn errors_never_quote_the_url() {
        for bad in [
            "mysql://u:s3cret@h/db",
            "postgres://u:s3cret%zz@h/db",
            "postgres://u:s3cret@h/db#x",
        ] {
            let e = ConnectionUrl::parse(bad, &["postgres"]).unwrap_err();
            assert_eq!(e.sqlstate, "22023");
            assert!(!e.message.contains("s3cret"), "{}", e.message);
        }
    }
}
