//! Which kinds of work a server may be asked to do, from its `pushdown*` options.
//!
//! Every kind is on by default. For a backend that misbehaves in production, a server can
//! be told to do less without a restart:
//! `ALTER SERVER s OPTIONS (ADD pushdown 'false')` (nothing but plain table reads), or per
//! kind: `pushdown_filters`, `pushdown_limit`, `pushdown_sort`, `pushdown_aggregates`,
//! `pushdown_joins`, `pushdown_key_feeding`, `pushdown_statements` (whole statements sent as
//! written to a PostgreSQL server, see [`crate::passthrough`]) (each `'true'` or `'false'`).

use std::collections::BTreeMap;

use crate::{AdapterError, Result, ServerOptions};

/// The option names this module reads (adapters never see them).
pub const PUSHDOWN_OPTIONS: &[&str] = &[
    "pushdown",
    "pushdown_filters",
    "pushdown_limit",
    "pushdown_sort",
    "pushdown_aggregates",
    "pushdown_joins",
    "pushdown_key_feeding",
    "pushdown_statements",
];

/// What may be pushed to one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushdown {
    pub filters: bool,
    pub limit: bool,
    pub sort: bool,
    pub aggregates: bool,
    pub joins: bool,
    /// Reads the keys of a `HAVING` subquery first and sends them as an IN list (the
    /// planner's `key_feed` module).
    pub key_feeding: bool,
    /// Sends a statement whose tables all live on this server as written, when the
    /// backend can run whole statements ([`crate::Backend::passthrough`]).
    pub statements: bool,
}

impl Default for Pushdown {
    fn default() -> Self {
        Self::all()
    }
}

impl Pushdown {
    pub fn all() -> Self {
        Self {
            filters: true,
            limit: true,
            sort: true,
            aggregates: true,
            joins: true,
            key_feeding: true,
            statements: true,
        }
    }

    pub fn none() -> Self {
        Self {
            filters: false,
            limit: false,
            sort: false,
            aggregates: false,
            joins: false,
            key_feeding: false,
            statements: false,
        }
    }

    /// True when whole sub-plans (beyond a single table's filters and limit) may be pushed.
    pub fn sub_plans(&self) -> bool {
        self.aggregates || self.joins || self.sort
    }

    /// Splits `options` into the pushdown settings and the options left for the adapter.
    pub fn from_options(options: &ServerOptions) -> Result<(Pushdown, ServerOptions)> {
        let mut pushdown = Pushdown::all();
        let mut rest = BTreeMap::new();
        for (name, value) in options.iter() {
            if !PUSHDOWN_OPTIONS.contains(&name) {
                rest.insert(name.to_string(), value.to_string());
                continue;
            }
            let on = parse_bool(name, value)?;
            match name {
                "pushdown" if !on => pushdown = Pushdown::none(),
                "pushdown" => {}
                "pushdown_filters" => pushdown.filters = on,
                "pushdown_limit" => pushdown.limit = on,
                "pushdown_sort" => pushdown.sort = on,
                "pushdown_aggregates" => pushdown.aggregates = on,
                "pushdown_key_feeding" => pushdown.key_feeding = on,
                "pushdown_statements" => pushdown.statements = on,
                _ => pushdown.joins = on,
            }
        }
        if options
            .get("pushdown")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
        {
            pushdown = Pushdown::none();
        }
        Ok((pushdown, ServerOptions::new(rest)))
    }
}

fn parse_bool(name: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Ok(true),
        "false" | "off" | "no" | "0" => Ok(false),
        _ => Err(AdapterError::invalid_option_value(format!(
            "option \"{name}\" must be 'true' or 'false', not '{value}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> ServerOptions {
        ServerOptions::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn defaults_to_everything_and_strips_its_options() {
        let (p, rest) =
            Pushdown::from_options(&options(&[("host", "h"), ("pushdown_joins", "false")]))
                .unwrap();
        assert!(!p.joins && p.filters && p.aggregates);
        assert_eq!(rest.get("host"), Some("h"));
        assert_eq!(rest.get("pushdown_joins"), None);
    }

    #[test]
    fn pushdown_false_turns_everything_off() {
        let (p, _) = Pushdown::from_options(&options(&[
            ("pushdown", "false"),
            ("pushdown_filters", "true"),
        ]))
        .unwrap();
        assert_eq!(p, Pushdown::none());
    }

    #[test]
    fn bad_value_is_22023() {
        let e = Pushdown::from_options(&options(&[("pushdown_sort", "maybe")])).unwrap_err();
        assert_eq!(e.sqlstate, "22023");
    }
}
