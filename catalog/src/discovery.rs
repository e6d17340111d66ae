//! Discovery of a server's schemas and tables, and matching of names against them.
//!
//! What discovery found is kept in memory ([`Discovery`]) so DataFusion's synchronous
//! listing calls never wait on a backend.

use std::collections::BTreeMap;

use fedgate_adapter_api::{Backend, Result, TableKind};
use futures::{StreamExt, TryStreamExt};

/// How many schemas are listed at the same time.
const PARALLEL_LISTINGS: usize = 4;

/// The schemas and tables of one server, as last discovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Discovery {
    /// Schema name → table name → kind.
    pub schemas: BTreeMap<String, BTreeMap<String, TableKind>>,
    /// True once a discovery succeeded; until then lookups go to the backend directly.
    pub complete: bool,
}

impl Discovery {
    /// Adds a table found by a direct lookup, so listings show it.
    pub fn add_table(&mut self, schema: &str, table: &str, kind: TableKind) {
        self.schemas
            .entry(schema.to_string())
            .or_default()
            .entry(table.to_string())
            .or_insert(kind);
    }
}

/// Lists the schemas of a backend and the tables of each.
///
/// A schema whose tables cannot be listed is kept with no tables (the error is logged),
/// unless the error says the backend is unreachable (class 08): then discovery fails.
pub(crate) async fn discover(server: &str, backend: &dyn Backend) -> Result<Discovery> {
    let names = backend.list_schemas().await?;
    let schemas = futures::stream::iter(names)
        .map(|schema| list_schema(server, backend, schema))
        .buffered(PARALLEL_LISTINGS)
        .try_collect()
        .await?;
    Ok(Discovery {
        schemas,
        complete: true,
    })
}

/// The tables of one schema; see [`discover`] for the error rules.
async fn list_schema(
    server: &str,
    backend: &dyn Backend,
    schema: String,
) -> Result<(String, BTreeMap<String, TableKind>)> {
    match backend.list_tables(&schema).await {
        Ok(entries) => {
            let tables = entries.into_iter().map(|t| (t.name, t.kind)).collect();
            Ok((schema, tables))
        }
        Err(e) if e.sqlstate.class() == "08" => Err(e),
        Err(e) => {
            tracing::warn!(server, schema, error = %e, "cannot list the tables of a schema");
            Ok((schema, BTreeMap::new()))
        }
    }
}

/// Finds `wanted` among `names`: the exact name, or else the only name equal to it ignoring
/// case (DataFusion lowercases unquoted identifiers, backends are case-sensitive).
pub(crate) fn resolve_name<'a>(
    names: impl IntoIterator<Item = &'a String>,
    wanted: &str,
) -> Option<&'a String> {
    let mut folded = None;
    let mut folded_count = 0;
    let wanted_lower = wanted.to_lowercase();
    for name in names {
        if name == wanted {
            return Some(name);
        }
        if name.to_lowercase() == wanted_lower {
            folded = Some(name);
            folded_count += 1;
        }
    }
    folded.filter(|_| folded_count == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_name_wins() {
        let list = names(&["Orders", "orders"]);
        assert_eq!(resolve_name(&list, "orders").unwrap(), "orders");
        assert_eq!(resolve_name(&list, "Orders").unwrap(), "Orders");
    }

    #[test]
    fn single_case_insensitive_match_is_used() {
        let list = names(&["Orders", "Customers"]);
        assert_eq!(resolve_name(&list, "orders").unwrap(), "Orders");
        assert!(resolve_name(&list, "items").is_none());
    }

    #[test]
    fn ambiguous_case_insensitive_match_is_none() {
        let list = names(&["ORDERS", "Orders"]);
        assert!(resolve_name(&list, "orders").is_none());
    }
}
