//! Whole statements in the backend's own SQL ("pass-through").
//!
//! When every table of a read-only statement lives on one server whose SQL is PostgreSQL's
//! own, the gateway sends the statement as written (names rewritten) instead of planning it:
//! the answer is then PostgreSQL's by construction, values, types, names and errors. A
//! backend that can do this returns a [`Passthrough`] from
//! [`crate::Backend::passthrough`].
//!
//! Values travel as the backend produced them, already in the wire format the client asked
//! for, so nothing is decoded or re-encoded on the way.

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

use crate::Result;

/// One column of a statement's result, as the backend describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    /// The column's output name (`count`, `?column?`, ...).
    pub name: String,
    /// The type OID (`pg_type.oid`).
    pub type_oid: u32,
    /// The type modifier (`atttypmod`: `numeric(10,2)`, `varchar(20)`), -1 for none.
    pub type_modifier: i32,
}

/// The wire format of the values of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueFormat {
    /// The type's text output, under the session settings the request gives.
    Text,
    /// The type's binary send format.
    Binary,
}

/// One row: each value in the requested format, `None` for NULL.
pub type PassthroughRow = Vec<Option<Bytes>>;

/// The setting that carries a search path: its value is a list of identifiers already
/// quoted (`"public", "Sales"`), applied as such, not as one string.
pub const SEARCH_PATH_SETTING: &str = "search_path";

/// A statement to run on the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassthroughRequest {
    /// One read-only statement in the backend's SQL.
    pub sql: String,
    /// Session settings applied for this statement only (name, value): `TimeZone`,
    /// `DateStyle`, ..., and [`SEARCH_PATH_SETTING`].
    pub settings: Vec<(String, String)>,
    /// The format of the values, as the protocol's Bind gives it: none (all text), one
    /// (for every column) or one per column.
    pub formats: Vec<ValueFormat>,
    /// The values of the statement's `$n` parameters, as the client bound them.
    pub parameters: BoundParameters,
}

/// The `$n` parameters of a statement: their types as the statement was prepared with, and
/// the values a client bound, in the client's formats (forwarded as they are).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoundParameters {
    /// Type OIDs: the client's at Parse (0 for unspecified), or the server's description.
    pub types: Vec<u32>,
    /// One value per parameter, `None` for NULL.
    pub values: Vec<Option<Bytes>>,
    /// None (all text), one (for every value) or one per value, as Bind gives them.
    pub formats: Vec<ValueFormat>,
}

impl BoundParameters {
    /// The format of value `index`.
    pub fn format_of(&self, index: usize) -> ValueFormat {
        format_at(&self.formats, index)
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty() && self.values.is_empty()
    }
}

/// A result's columns and its `$n` parameters' types, as the backend describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassthroughDescription {
    pub columns: Vec<ResultColumn>,
    pub parameter_types: Vec<u32>,
}

/// The format at `index` of a protocol format list (none, one for all, one each).
fn format_at(formats: &[ValueFormat], index: usize) -> ValueFormat {
    match formats {
        [] => ValueFormat::Text,
        [one] => *one,
        many => many.get(index).copied().unwrap_or(ValueFormat::Text),
    }
}

impl PassthroughRequest {
    /// The format of column `index`.
    pub fn format_of(&self, index: usize) -> ValueFormat {
        format_at(&self.formats, index)
    }
}

/// A running statement: its columns and its rows as they arrive. Dropping the rows before
/// their end cancels the statement on the backend.
pub struct PassthroughRows {
    pub columns: Vec<ResultColumn>,
    pub rows: BoxStream<'static, Result<PassthroughRow>>,
}

/// A backend that runs whole statements of its own SQL.
#[async_trait]
pub trait Passthrough: Send + Sync {
    /// The result columns and parameter types of `sql` under `settings` (as in
    /// [`PassthroughRequest`]), its `$n` parameters typed as `parameter_types` says (0 or
    /// missing: the backend infers), without running it. Fails, with the backend's own
    /// error, for a text that is not exactly one valid statement.
    async fn describe(
        &self,
        sql: &str,
        settings: &[(String, String)],
        parameter_types: &[u32],
    ) -> Result<PassthroughDescription>;

    /// Runs `request` in a read-only transaction of its own and streams its rows. Errors
    /// are the backend's own (SQLSTATE, message, detail, hint), not prefixed.
    async fn run(&self, request: PassthroughRequest) -> Result<PassthroughRows>;
}
