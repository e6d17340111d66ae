//! The files backend: a directory of Parquet, CSV and JSON files read by DataFusion itself.
//!
//! Layout: each subdirectory of the registered `path` is a schema; inside it, each file
//! (`orders.parquet`, `customers.csv`, `events.json`) or sub-subdirectory of same-format files is a
//! table named after the file without its extension. Files directly in `path` form the schema
//! `public`. CSV files must have a header row.
//!
//! Table names are matched against the directory listing only — a name is never joined onto a
//! path — and resolved paths must stay inside the registered directory (symlinks included),
//! so no table name reaches a file outside it.

mod layout;
mod wrapper;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::SessionContext;
use fedgate_adapter_api::SqlState;
use fedgate_adapter_api::{
    AdapterError, Backend, BackendTable, Result, ServerOptions, TableEntry, TableKind,
};

pub use layout::{FileKind, TableLocation};
pub use wrapper::FilesWrapper;

const OPTIONS: &[&str] = &["path"];

/// A registered files server.
#[derive(Debug)]
pub struct FilesBackend {
    server: String,
    root: PathBuf,
}

impl FilesBackend {
    pub fn new(server: &str, options: &ServerOptions) -> Result<Self> {
        options.reject_unknown("files", OPTIONS)?;
        let path = options.get("path").ok_or_else(|| {
            AdapterError::invalid_option_value("the files wrapper needs the option \"path\"")
        })?;
        Ok(Self {
            server: server.to_string(),
            root: PathBuf::from(path),
        })
    }

    fn canonical_root(&self) -> Result<PathBuf> {
        self.root.canonicalize().map_err(|e| {
            AdapterError::new(
                SqlState::UndefinedFile,
                format!("directory \"{}\" is not readable: {e}", self.root.display()),
            )
            .for_server(&self.server)
        })
    }

    async fn listing_table(&self, location: &TableLocation) -> Result<BackendTable> {
        let format: Arc<dyn FileFormat> = match location.kind {
            FileKind::Parquet => Arc::new(ParquetFormat::default()),
            FileKind::Csv => Arc::new(CsvFormat::default().with_has_header(true)),
            FileKind::Json => Arc::new(JsonFormat::default()),
        };
        let url = listing_url(&location.path, location.is_dir).map_err(|e| self.error(e))?;
        let options = ListingOptions::new(format).with_file_extension(location.kind.extension());
        let state = SessionContext::new().state();
        let schema = options
            .infer_schema(&state, &url)
            .await
            .map_err(|e| self.error(format!("cannot read {}: {e}", location.path.display())))?;
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(schema);
        let table = ListingTable::try_new(config).map_err(|e| self.error(e.to_string()))?;
        Ok(BackendTable::Local(Arc::new(table)))
    }

    fn error(&self, message: impl ToString) -> AdapterError {
        AdapterError::new(SqlState::IoError, message.to_string()).for_server(&self.server)
    }
}

fn listing_url(path: &Path, is_dir: bool) -> std::result::Result<ListingTableUrl, String> {
    let mut text = path.to_string_lossy().to_string();
    if is_dir && !text.ends_with('/') {
        text.push('/');
    }
    ListingTableUrl::parse(&text).map_err(|e| e.to_string())
}

#[async_trait]
impl Backend for FilesBackend {
    fn wrapper(&self) -> &'static str {
        "files"
    }

    async fn check_connection(&self) -> Result<()> {
        let root = self.canonical_root()?;
        if root.is_dir() {
            Ok(())
        } else {
            Err(AdapterError::new(
                SqlState::UndefinedFile,
                format!("\"{}\" is not a directory", self.root.display()),
            )
            .for_server(&self.server))
        }
    }

    async fn list_schemas(&self) -> Result<Vec<String>> {
        layout::schemas(&self.canonical_root()?).map_err(|e| self.error(e))
    }

    async fn list_tables(&self, schema: &str) -> Result<Vec<TableEntry>> {
        let tables = layout::tables(&self.canonical_root()?, schema).map_err(|e| self.error(e))?;
        Ok(tables
            .into_iter()
            .map(|t| TableEntry {
                name: t.name,
                kind: TableKind::Table,
            })
            .collect())
    }

    async fn table(&self, schema: &str, table: &str) -> Result<Option<BackendTable>> {
        let root = self.canonical_root()?;
        let tables = layout::tables(&root, schema).map_err(|e| self.error(e))?;
        match tables.into_iter().find(|t| t.name == table) {
            Some(location) => self.listing_table(&location).await.map(Some),
            None => Ok(None),
        }
    }
}
