//! Server options as given in `CREATE SERVER ... OPTIONS (...)`, with secret handling.

use std::collections::BTreeMap;

use crate::{AdapterError, Result};

/// Option names whose values are secrets: never shown, logged or put in errors.
const SECRET_OPTIONS: &[&str] = &["password"];

/// The options of one server, in the order-independent form adapters read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerOptions {
    values: BTreeMap<String, String>,
}

impl ServerOptions {
    pub fn new(values: BTreeMap<String, String>) -> Self {
        Self { values }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn into_map(self) -> BTreeMap<String, String> {
        self.values
    }

    /// True when the option holds a secret (its value must never be shown).
    pub fn is_secret(name: &str) -> bool {
        SECRET_OPTIONS.contains(&name)
    }

    /// The options with secret values replaced, for listings and logs. A URL with a password
    /// in it keeps its shape but loses the password.
    pub fn redacted(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .map(|(k, v)| {
                let shown = if Self::is_secret(k) {
                    "********".to_string()
                } else if k == "url" {
                    redact_url_password(v)
                } else {
                    v.clone()
                };
                (k.clone(), shown)
            })
            .collect()
    }

    /// Fails with HV00D when an option is not in `known`.
    pub fn reject_unknown(&self, wrapper: &str, known: &[&str]) -> Result<()> {
        match self.values.keys().find(|k| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some(unknown) => Err(AdapterError::invalid_option_name(format!(
                "invalid option \"{unknown}\" for the {wrapper} wrapper"
            ))
            .with_hint(format!("valid options are: {}", known.join(", ")))),
        }
    }

    /// The secret of a server, from `password`, `password_env` or `password_file`.
    pub fn resolve_password(&self) -> Result<Option<String>> {
        if let Some(p) = self.get("password") {
            return Ok(Some(p.to_string()));
        }
        if let Some(var) = self.get("password_env") {
            return std::env::var(var).map(Some).map_err(|_| {
                AdapterError::invalid_option_value(format!(
                    "password_env: environment variable \"{var}\" is not set in fedgate's environment"
                ))
            });
        }
        if let Some(path) = self.get("password_file") {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AdapterError::invalid_option_value(format!(
                    "password_file: cannot read \"{path}\": {e}"
                ))
            })?;
            return Ok(Some(text.trim_end_matches(['\n', '\r']).to_string()));
        }
        Ok(None)
    }
}

/// Replaces the password part of `scheme://user:password@host/...` with `********`.
pub fn redact_url_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}://{}:********{}",
            &url[..scheme_end],
            &userinfo[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
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

    #[test]
    fn password_and_url_secret_are_redacted() {
        let o = opts(&[
            ("password", "hunter2"),
            (
                "url",
                "postgres://app:hunter2@db:5432/sales?sslmode=disable",
            ),
            ("host", "db"),
        ]);
        let shown = o.redacted();
        assert_eq!(shown["password"], "********");
        assert_eq!(
            shown["url"],
            "postgres://app:********@db:5432/sales?sslmode=disable"
        );
        assert_eq!(shown["host"], "db");
        assert!(!format!("{shown:?}").contains("hunter2"));
    }

    #[test]
    fn url_without_password_is_unchanged() {
        assert_eq!(
            redact_url_password("postgres://app@db/x"),
            "postgres://app@db/x"
        );
        assert_eq!(redact_url_password("not a url"), "not a url");
    }

    #[test]
    fn unknown_option_is_hv00d() {
        let e = opts(&[("hots", "x")])
            .reject_unknown("postgres", &["host"])
            .unwrap_err();
        assert_eq!(e.sqlstate, "HV00D");
        assert!(e.message.contains("hots"));
    }

    #[test]
    fn password_from_env_and_file() {
        std::env::set_var("FEDGATE_TEST_PW_OPT", "s3cret");
        let o = opts(&[("password_env", "FEDGATE_TEST_PW_OPT")]);
        assert_eq!(o.resolve_password().unwrap().as_deref(), Some("s3cret"));
        let missing = opts(&[("password_env", "FEDGATE_TEST_PW_MISSING")]);
        assert_eq!(missing.resolve_password().unwrap_err().sqlstate, "22023");
        let dir = std::env::temp_dir().join(format!("fedgate-pw-{}", std::process::id()));
        std::fs::write(&dir, "filepw\n").unwrap();
        let f = opts(&[("password_file", dir.to_str().unwrap())]);
        assert_eq!(f.resolve_password().unwrap().as_deref(), Some("filepw"));
        std::fs::remove_file(dir).unwrap();
    }
}
