//! Where the registered servers are kept between runs.
//!
//! A [`CatalogStore`] loads and saves the whole server list at once ([`StoredCatalog`]).
//! [`FileStore`] keeps it as a JSON document `<data_dir>/catalog.json`, replaced atomically
//! (temporary file, `fsync`, `rename`, `fsync` of the directory) so a process killed at any
//! moment leaves either the old or the new document. The document holds backend passwords
//! typed in SQL (and the users' password verifiers), so it is created with mode 0600 in a
//! directory created with mode 0700.
//! [`MemoryStore`] keeps the document in memory, for tests.

use std::collections::BTreeMap;
use std::fmt::{self, Debug};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use fedgate_adapter_api::{AdapterError, Result, ServerOptions};
use serde::{Deserialize, Serialize};

use crate::error::{corrupt_store, io_error};

/// The version of the document [`FileStore`] writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// The name of the catalog document inside the data directory.
pub const CATALOG_FILE: &str = "catalog.json";

/// Prefix of the temporary files a write goes through; leftovers are removed at open.
const TEMP_PREFIX: &str = ".catalog.json.tmp";

/// Everything the catalog persists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCatalog {
    /// Set once the gateway has run its first-start setup (creating the sample server), so
    /// a server the user dropped is not created again.
    #[serde(default)]
    pub initialized: bool,
    #[serde(default)]
    pub servers: Vec<StoredServer>,
    /// The gateway's users (login roles), sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<StoredUser>,
}

/// One user of the gateway as persisted: never the password itself, only what checks it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredUser {
    pub name: String,
    /// May create, alter and drop servers and users.
    #[serde(default)]
    pub superuser: bool,
    /// The SCRAM-SHA-256 verifier in PostgreSQL's `pg_authid` form:
    /// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts).
    pub scram: String,
    /// `md5` followed by the hex md5 of password and user name, kept only while md5
    /// authentication is configured (it is enough to log in with md5, see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// Sessions the user may have open at once (`CONNECTION LIMIT`); `None`: no limit.
    /// Superusers are not held to it, as in PostgreSQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_limit: Option<u32>,
}

impl Debug for StoredUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredUser")
            .field("name", &self.name)
            .field("superuser", &self.superuser)
            .field("scram", &"<redacted>")
            .field("md5", &self.md5.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One registered server as persisted, with its options in clear (passwords included).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredServer {
    pub name: String,
    pub wrapper: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

impl Debug for StoredServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = ServerOptions::new(self.options.clone()).redacted();
        f.debug_struct("StoredServer")
            .field("name", &self.name)
            .field("wrapper", &self.wrapper)
            .field("options", &shown)
            .finish()
    }
}

/// Persistence of the server list. Implementations save the whole list at once, and a save
/// that returns an error must leave the previous state loadable.
#[async_trait]
pub trait CatalogStore: Send + Sync + Debug {
    /// The stored catalog; an empty, uninitialized one when nothing was ever saved. A stored
    /// document that cannot be read is an error, never an empty catalog.
    async fn load(&self) -> Result<StoredCatalog>;

    /// Replaces the stored catalog.
    async fn save(&self, catalog: &StoredCatalog) -> Result<()>;
}

/// The on-disk shape of the document.
#[derive(Serialize, Deserialize)]
struct Document {
    version: u64,
    #[serde(flatten)]
    catalog: StoredCatalog,
}

/// The catalog as a JSON file in a data directory, replaced atomically on every save.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    path: PathBuf,
    temp_counter: AtomicU64,
}

impl FileStore {
    /// Opens the store in `data_dir`, creating the directory (mode 0700) when missing and
    /// removing temporary files a killed process left behind. Does not read the document.
    pub fn open(data_dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = data_dir.into();
        create_private_dir(&dir)?;
        remove_leftover_temps(&dir)?;
        let path = dir.join(CATALOG_FILE);
        Ok(Self {
            dir,
            path,
            temp_counter: AtomicU64::new(0),
        })
    }

    /// The path of the catalog document.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A fresh temporary path next to the document.
    fn temp_path(&self) -> PathBuf {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let name = format!("{TEMP_PREFIX}-{}-{n}", std::process::id());
        self.dir.join(name)
    }
}

#[async_trait]
impl CatalogStore for FileStore {
    async fn load(&self) -> Result<StoredCatalog> {
        let path = self.path.clone();
        run_blocking(move || read_catalog(&path)).await
    }

    async fn save(&self, catalog: &StoredCatalog) -> Result<()> {
        let bytes = render_document(catalog)?;
        let (dir, path, temp) = (self.dir.clone(), self.path.clone(), self.temp_path());
        run_blocking(move || write_atomically(&dir, &path, &temp, &bytes)).await
    }
}

/// Runs blocking file work off the async threads.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AdapterError::internal(format!("catalog file task failed: {e}")))?
}

/// Reads and parses the document; a missing file is an empty catalog.
fn read_catalog(path: &Path) -> Result<StoredCatalog> {
    match fs::read(path) {
        Ok(bytes) => parse_document(path, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoredCatalog::default()),
        Err(e) => Err(io_error(&format!("cannot read {}", path.display()), &e)),
    }
}

/// Replaces the document at `path` with `bytes` through the temporary file `temp`.
fn write_atomically(dir: &Path, path: &Path, temp: &Path, bytes: &[u8]) -> Result<()> {
    let result = write_synced(temp, bytes).and_then(|()| commit(dir, path, temp));
    if result.is_err() {
        let _ = fs::remove_file(temp);
    }
    result
}

/// Second half of a write: the synced temporary file replaces the document, durably.
fn commit(dir: &Path, path: &Path, temp: &Path) -> Result<()> {
    fs::rename(temp, path)
        .map_err(|e| io_error(&format!("cannot replace {}", path.display()), &e))?;
    sync_dir(dir)
}

/// The document for `catalog`, pretty-printed with a trailing newline.
fn render_document(catalog: &StoredCatalog) -> Result<Vec<u8>> {
    let document = Document {
        version: FORMAT_VERSION,
        catalog: catalog.clone(),
    };
    let mut bytes = serde_json::to_vec_pretty(&document)
        .map_err(|e| AdapterError::internal(format!("cannot serialize the catalog: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Parses a document, checking its version first.
fn parse_document(path: &Path, bytes: &[u8]) -> Result<StoredCatalog> {
    let what = path.display().to_string();
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt_store(&what, e))?;
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(FORMAT_VERSION) => {}
        Some(other) => {
            return Err(corrupt_store(
                &what,
                format!("format version {other} is not supported (expected {FORMAT_VERSION})"),
            ))
        }
        None => return Err(corrupt_store(&what, "no \"version\" field")),
    }
    let document: Document = serde_json::from_value(value).map_err(|e| corrupt_store(&what, e))?;
    Ok(document.catalog)
}

/// Creates `dir` and its missing parents with mode 0700.
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| io_error(&format!("cannot create {}", dir.display()), &e))
}

/// Removes the temporary files of writes that never reached their rename.
fn remove_leftover_temps(dir: &Path) -> Result<()> {
    let entries =
        fs::read_dir(dir).map_err(|e| io_error(&format!("cannot list {}", dir.display()), &e))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            tracing::warn!(path = %entry.path().display(), "removing an unfinished catalog write");
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Creates `path` (mode 0600, must not exist), writes `bytes` and syncs it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let what = format!("cannot write {}", path.display());
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| io_error(&what, &e))?;
    file.write_all(bytes).map_err(|e| io_error(&what, &e))?;
    file.sync_all().map_err(|e| io_error(&what, &e))
}

/// Syncs a directory, so a rename inside it survives a crash.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(&format!("cannot sync {}", dir.display()), &e))
}

/// Directories cannot be synced through `std` outside Unix; renames are trusted there.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

/// The catalog in memory; for tests. Saves can be made to fail.
#[derive(Debug, Default)]
pub struct MemoryStore {
    catalog: Mutex<StoredCatalog>,
    fail_saves: AtomicBool,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `catalog`.
    pub fn with_catalog(catalog: StoredCatalog) -> Self {
        Self {
            catalog: Mutex::new(catalog),
            fail_saves: AtomicBool::new(false),
        }
    }

    /// Makes every later save fail with an I/O error (or succeed again).
    pub fn set_fail_saves(&self, fail: bool) {
        self.fail_saves.store(fail, Ordering::SeqCst);
    }

    /// What is stored now.
    pub fn snapshot(&self) -> StoredCatalog {
        lock(&self.catalog).clone()
    }
}

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn load(&self) -> Result<StoredCatalog> {
        Ok(self.snapshot())
    }

    async fn save(&self, catalog: &StoredCatalog) -> Result<()> {
        if self.fail_saves.load(Ordering::SeqCst) {
            let e = std::io::Error::other("saves are switched off");
            return Err(io_error("cannot save the catalog", &e));
        }
        *lock(&self.catalog) = catalog.clone();
        Ok(())
    }
}

/// Locks a mutex, ignoring poisoning (the data is replaced whole, never left half-written).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
