//! Tests of the file store: round trip, file modes, leftovers, corruption, and crashes.

use std::time::Duration;

use super::*;

fn catalog_with(names: &[&str], initialized: bool) -> StoredCatalog {
    let servers = names
        .iter()
        .map(|name| StoredServer {
            name: name.to_string(),
            wrapper: "postgres".into(),
            options: BTreeMap::from([
                ("host".into(), "127.0.0.1".into()),
                ("password".into(), "hunter2".into()),
            ]),
        })
        .collect();
    StoredCatalog {
        initialized,
        servers,
        users: Vec::new(),
    }
}

#[tokio::test]
async fn missing_file_is_an_empty_uninitialized_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    assert_eq!(store.load().await.unwrap(), StoredCatalog::default());
    assert!(!store.path().exists());
}

#[tokio::test]
async fn round_trip_through_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let saved = catalog_with(&["a", "b"], true);
    FileStore::open(dir.path())
        .unwrap()
        .save(&saved)
        .await
        .unwrap();
    let loaded = FileStore::open(dir.path()).unwrap().load().await.unwrap();
    assert_eq!(loaded, saved);
    let text = fs::read_to_string(dir.path().join(CATALOG_FILE)).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["version"], 1);
    assert_eq!(value["initialized"], true);
}

#[tokio::test]
async fn overwrite_replaces_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    store.save(&catalog_with(&["a"], false)).await.unwrap();
    store.save(&catalog_with(&["b"], true)).await.unwrap();
    assert_eq!(store.load().await.unwrap(), catalog_with(&["b"], true));
    let files: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, [CATALOG_FILE]);
}

#[cfg(unix)]
#[tokio::test]
async fn file_is_0600_and_created_dir_is_0700() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data").join("fedgate");
    let store = FileStore::open(&data).unwrap();
    store.save(&catalog_with(&["a"], false)).await.unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(data.parent().unwrap()), 0o700);
}

#[tokio::test]
async fn leftover_temp_file_is_ignored_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    store.save(&catalog_with(&["old"], true)).await.unwrap();
    let leftover = dir.path().join(format!("{TEMP_PREFIX}-1-0"));
    fs::write(&leftover, b"{\"version\": 1, \"servers\": [{\"na").unwrap();
    let reopened = FileStore::open(dir.path()).unwrap();
    assert!(!leftover.exists());
    assert_eq!(reopened.load().await.unwrap(), catalog_with(&["old"], true));
}

#[tokio::test]
async fn write_interrupted_before_rename_keeps_the_old_state() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    store.save(&catalog_with(&["old"], false)).await.unwrap();
    let bytes = render_document(&catalog_with(&["new"], true)).unwrap();
    let temp = store.temp_path();
    write_synced(&temp, &bytes).unwrap();
    // The process dies here: no rename.
    drop(store);
    let reopened = FileStore::open(dir.path()).unwrap();
    assert_eq!(
        reopened.load().await.unwrap(),
        catalog_with(&["old"], false)
    );
    assert!(!temp.exists());
}

#[tokio::test]
async fn corrupt_or_truncated_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path()).unwrap();
    store.save(&catalog_with(&["a"], true)).await.unwrap();
    let full = fs::read(store.path()).unwrap();
    let cases: [&[u8]; 5] = [
        &full[..full.len() / 2],
        b"",
        b"not json",
        b"{\"version\": 2, \"servers\": []}",
        b"{\"servers\": []}",
    ];
    for bytes in cases {
        fs::write(store.path(), bytes).unwrap();
        let e = store.load().await.unwrap_err();
        assert_eq!(e.sqlstate, "F0000", "{}", e.message);
        assert!(e.message.contains(CATALOG_FILE), "{}", e.message);
        assert!(e.hint.is_some());
    }
}

#[tokio::test]
async fn memory_store_round_trip_and_failing_saves() {
    let store = MemoryStore::new();
    store.save(&catalog_with(&["a"], true)).await.unwrap();
    store.set_fail_saves(true);
    assert_eq!(
        store
            .save(&StoredCatalog::default())
            .await
            .unwrap_err()
            .sqlstate,
        "58030"
    );
    assert_eq!(store.load().await.unwrap(), catalog_with(&["a"], true));
}

#[test]
fn stored_server_debug_is_redacted() {
    let shown = format!("{:?}", catalog_with(&["a"], true));
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// The environment variable that turns [`crash_child`] into a writer.
const CRASH_DIR_ENV: &str = "FEDGATE_CATALOG_CRASH_DIR";

/// Run by [`killed_writer_leaves_a_readable_catalog`] in a child process: saves catalogs of
/// growing size in a loop until killed.
#[test]
#[ignore = "helper run in a child process"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CRASH_DIR_ENV) else {
        return;
    };
    let store = FileStore::open(PathBuf::from(dir)).unwrap();
    for i in 0.. {
        let names: Vec<String> = (0..=i % 50).map(|n| format!("server{n}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let bytes = render_document(&catalog_with(&names, true)).unwrap();
        write_atomically(&store.dir, &store.path, &store.temp_path(), &bytes).unwrap();
    }
}

#[test]
fn killed_writer_leaves_a_readable_catalog() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..5u64 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "store::tests::crash_child",
                "--ignored",
                "--quiet",
            ])
            .env(CRASH_DIR_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let path = dir.path().join(CATALOG_FILE);
        while !path.exists() {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(20 + 13 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let loaded = read_catalog(&FileStore::open(dir.path()).unwrap().path).unwrap();
        assert!(loaded.initialized && !loaded.servers.is_empty());
        assert!(!fs::read_dir(dir.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(TEMP_PREFIX)));
    }
}
