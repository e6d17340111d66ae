//! Tests of `CREATE`/`ALTER`/`DROP SERVER`, refresh and start-up, over fake backends.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::store::MemoryStore;
use crate::testing::{opts, FakeFactory, FakeRemoteTables, Serve, World};

/// A catalog over a memory store and the standard fake world.
async fn setup() -> (Catalog, Arc<MemoryStore>, Arc<World>) {
    let store = Arc::new(MemoryStore::new());
    let world = World::standard();
    let catalog = open(&store, &world).await;
    (catalog, store, world)
}

async fn open(store: &Arc<MemoryStore>, world: &Arc<World>) -> Catalog {
    let factory = Arc::new(FakeFactory {
        world: Arc::clone(world),
    });
    let store = Arc::clone(store) as Arc<dyn CatalogStore>;
    Catalog::open(store, factory, Arc::new(FakeRemoteTables))
        .await
        .unwrap()
}

async fn create(catalog: &Catalog, name: &str) -> Result<bool> {
    let options = opts(&[("host", "db"), ("password", "hunter2")]);
    catalog.create_server(name, "fake", options, false).await
}

fn stored_names(store: &MemoryStore) -> Vec<String> {
    store
        .snapshot()
        .servers
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// Waits until `done` holds (background discovery), for at most two seconds.
async fn eventually(done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached");
}

#[tokio::test]
async fn create_lists_persists_and_discovers() {
    let (catalog, store, _) = setup().await;
    assert!(create(&catalog, "zeta").await.unwrap());
    assert!(create(&catalog, "alpha").await.unwrap());
    let names: Vec<_> = catalog.servers().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["alpha", "zeta"]);
    assert_eq!(stored_names(&store), ["alpha", "zeta"]);
    let info = catalog.server("alpha").unwrap();
    assert_eq!(info.wrapper, "fake");
    assert_eq!(info.options_redacted["host"], "db");
    assert!(catalog.backend("alpha").is_some());
    let state = catalog.inner.live.server("alpha").unwrap();
    assert_eq!(state.schema_names(), ["Sales", "public"]);
    assert_eq!(state.table_names("public"), ["Orders", "items", "v_orders"]);
}

#[tokio::test]
async fn listings_and_debug_never_show_the_password() {
    let (catalog, _, _) = setup().await;
    let url = "postgres://app:hunter2@db/sales";
    let options = opts(&[("url", url), ("password", "hunter2")]);
    catalog
        .create_server("s", "fake", options, false)
        .await
        .unwrap();
    let info = catalog.server("s").unwrap();
    assert_eq!(info.options_redacted["password"], "********");
    assert_eq!(
        info.options_redacted["url"],
        "postgres://app:********@db/sales"
    );
    for shown in [
        format!("{:?}", catalog.servers()),
        format!("{catalog:?}"),
        format!("{:?}", catalog.catalog_list()),
        format!(
            "{:?}",
            OptionChange::Set("password".into(), "hunter2".into())
        ),
        format!("{:?}", OptionChange::Add("url".into(), url.into())),
    ] {
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[tokio::test]
async fn duplicate_name_is_42710_unless_if_not_exists() {
    let (catalog, store, _) = setup().await;
    create(&catalog, "s").await.unwrap();
    let e = create(&catalog, "s").await.unwrap_err();
    assert_eq!(e.sqlstate, "42710");
    assert_eq!(e.message, "server \"s\" already exists");
    let other = opts(&[("host", "other")]);
    let created = catalog.create_server("s", "fake", other, true).await;
    assert!(!created.unwrap());
    assert_eq!(catalog.server("s").unwrap().options_redacted["host"], "db");
    assert_eq!(stored_names(&store), ["s"]);
}

#[tokio::test]
async fn reserved_names_are_42939() {
    let (catalog, _, _) = setup().await;
    for name in [
        "fedgate",
        "pg_catalog",
        "information_schema",
        "datafusion",
        "FedGate",
    ] {
        let e = create(&catalog, name).await.unwrap_err();
        assert_eq!(e.sqlstate, "42939", "{name}");
    }
    assert!(catalog.servers().is_empty());
}

#[tokio::test]
async fn invalid_names_are_42602() {
    let (catalog, _, _) = setup().await;
    let long = "x".repeat(64);
    for name in ["", "1abc", "a-b", "a.b", "a b", long.as_str()] {
        let e = create(&catalog, name).await.unwrap_err();
        assert_eq!(e.sqlstate, "42602", "{name:?}");
    }
    for name in ["_a", "Sales2", "a$b", &"y".repeat(63)] {
        create(&catalog, name).await.unwrap();
    }
}

#[tokio::test]
async fn unknown_wrapper_and_bad_options_leave_nothing() {
    let (catalog, store, _) = setup().await;
    let e = catalog
        .create_server("s", "oracle", opts(&[]), false)
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "42704");
    assert_eq!(e.message, "foreign-data wrapper \"oracle\" does not exist");
    let bad = opts(&[("hots", "db")]);
    let e = catalog
        .create_server("s", "fake", bad, false)
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "HV00D");
    assert!(catalog.servers().is_empty());
    assert!(stored_names(&store).is_empty());
}

#[tokio::test]
async fn failed_connection_check_leaves_nothing() {
    let (catalog, store, _) = setup().await;
    let options = opts(&[("host", "nowhere")]);
    let e = catalog
        .create_server("s", "fake", options, false)
        .await
        .unwrap_err();
    assert_eq!(e.sqlstate, "08001");
    assert!(e.message.contains("nowhere"), "{}", e.message);
    assert!(catalog.server("s").is_none());
    assert!(catalog.catalog_list().catalog("s").is_none());
    assert!(stored_names(&store).is_empty());
}

#[tokio::test]
async fn failed_save_publishes_nothing() {
    let (catalog, store, _) = setup().await;
    create(&catalog, "kept").await.unwrap();
    store.set_fail_saves(true);
    assert_eq!(create(&catalog, "s").await.unwrap_err().sqlstate, "58030");
    assert!(catalog.server("s").is_none());
    let change = vec![OptionChange::Set("host".into(), "other".into())];
    assert!(catalog.alter_server("kept", change).await.is_err());
    assert_eq!(
        catalog.server("kept").unwrap().options_redacted["host"],
        "db"
    );
    assert!(catalog.drop_server("kept", false).await.is_err());
    assert!(catalog.server("kept").is_some());
    store.set_fail_saves(false);
    assert_eq!(stored_names(&store), ["kept"]);
}

#[tokio::test]
async fn alter_applies_postgres_option_rules() {
    let (catalog, _, _) = setup().await;
    create(&catalog, "s").await.unwrap();
    let cases = [
        (OptionChange::Add("host".into(), "x".into()), "42710"),
        (OptionChange::Set("dbname".into(), "x".into()), "42704"),
        (OptionChange::Drop("dbname".into()), "42704"),
    ];
    for (change, sqlstate) in cases {
        let e = catalog.alter_server("s", vec![change]).await.unwrap_err();
        assert_eq!(e.sqlstate, sqlstate, "{}", e.message);
    }
    let e = catalog.alter_server("nope", vec![]).await.unwrap_err();
    assert_eq!(
        (e.sqlstate.code(), e.message.as_str()),
        ("42704", "server \"nope\" does not exist")
    );
}

#[tokio::test]
async fn alter_rebuilds_checks_and_persists() {
    let (catalog, store, _) = setup().await;
    create(&catalog, "s").await.unwrap();
    let old_backend = catalog.backend("s").unwrap();
    let changes = vec![
        OptionChange::Add("dbname".into(), "sales".into()),
        OptionChange::Set("host".into(), "db2".into()),
        OptionChange::Drop("password".into()),
    ];
    catalog.alter_server("s", changes).await.unwrap();
    let shown = catalog.server("s").unwrap().options_redacted;
    assert_eq!(
        shown,
        BTreeMap::from([
            ("dbname".into(), "sales".into()),
            ("host".into(), "db2".into())
        ])
    );
    assert!(!Arc::ptr_eq(&old_backend, &catalog.backend("s").unwrap()));
    assert_eq!(store.snapshot().servers[0].options, shown);
}

#[tokio::test]
async fn alter_to_unreachable_host_keeps_the_old_server() {
    let (catalog, store, _) = setup().await;
    create(&catalog, "s").await.unwrap();
    let change = vec![OptionChange::Set("host".into(), "nowhere".into())];
    let e = catalog.alter_server("s", change).await.unwrap_err();
    assert_eq!(e.sqlstate, "08001");
    assert_eq!(catalog.server("s").unwrap().options_redacted["host"], "db");
    assert_eq!(store.snapshot().servers[0].options["host"], "db");
}

#[tokio::test]
async fn drop_semantics() {
    let (catalog, store, _) = setup().await;
    create(&catalog, "s").await.unwrap();
    let e = catalog.drop_server("nope", false).await.unwrap_err();
    assert_eq!(
        (e.sqlstate.code(), e.message.as_str()),
        ("42704", "server \"nope\" does not exist")
    );
    assert!(!catalog.drop_server("nope", true).await.unwrap());
    assert!(catalog.drop_server("s", false).await.unwrap());
    assert!(catalog.server("s").is_none());
    assert!(catalog.backend("s").is_none());
    assert!(stored_names(&store).is_empty());
    create(&catalog, "s").await.unwrap();
}

#[tokio::test]
async fn initialized_flag_survives_restart_and_drops() {
    let (catalog, store, world) = setup().await;
    assert!(!catalog.is_initialized());
    create(&catalog, "samples").await.unwrap();
    catalog.mark_initialized().await.unwrap();
    assert!(catalog.is_initialized());
    catalog.drop_server("samples", false).await.unwrap();
    let reopened = open(&store, &world).await;
    assert!(reopened.is_initialized());
    assert!(reopened.servers().is_empty());
}

#[tokio::test]
async fn restart_restores_servers_and_discovers_in_background() {
    let (catalog, store, world) = setup().await;
    create(&catalog, "s").await.unwrap();
    let reopened = open(&store, &world).await;
    assert_eq!(reopened.servers(), catalog.servers());
    let state = reopened.inner.live.server("s").unwrap();
    eventually(|| state.discovery_complete()).await;
    assert_eq!(state.schema_names(), ["Sales", "public"]);
}

#[tokio::test]
async fn unreachable_backend_does_not_block_start_and_refresh_retries() {
    let (catalog, store, world) = setup().await;
    create(&catalog, "s").await.unwrap();
    world.set_down(true);
    let reopened = open(&store, &world).await;
    assert_eq!(reopened.servers().len(), 1);
    let e = reopened.refresh(Some("s")).await.unwrap_err();
    assert_eq!(e.sqlstate, "08001");
    assert!(e.message.starts_with("server \"s\": "), "{}", e.message);
    let state = reopened.inner.live.server("s").unwrap();
    assert!(state.schema_names().is_empty());
    world.set_down(false);
    reopened.refresh(None).await.unwrap();
    assert_eq!(state.schema_names(), ["Sales", "public"]);
}

#[tokio::test]
async fn refresh_sees_new_tables_and_forgets_columns() {
    let (catalog, _, world) = setup().await;
    create(&catalog, "s").await.unwrap();
    let state = catalog.inner.live.server("s").unwrap();
    state.table("public", "Orders").await.unwrap().unwrap();
    state.table("public", "Orders").await.unwrap().unwrap();
    assert_eq!(world.table_calls(), 1);
    world.add("public", "fresh", Serve::Local);
    assert!(!state.table_names("public").contains(&"fresh".to_string()));
    catalog.refresh(Some("s")).await.unwrap();
    assert!(state.table_names("public").contains(&"fresh".to_string()));
    state.table("public", "Orders").await.unwrap().unwrap();
    assert_eq!(world.table_calls(), 2);
    let e = catalog.refresh(Some("nope")).await.unwrap_err();
    assert_eq!(e.sqlstate, "42704");
}

#[tokio::test]
async fn stored_server_with_unknown_wrapper_stays_registered() {
    let stored = StoredCatalog {
        initialized: true,
        servers: vec![StoredServer {
            name: "old".into(),
            wrapper: "oracle".into(),
            options: BTreeMap::new(),
        }],
        users: Vec::new(),
    };
    let store = Arc::new(MemoryStore::with_catalog(stored.clone()));
    let catalog = open(&store, &World::standard()).await;
    assert_eq!(catalog.server("old").unwrap().wrapper, "oracle");
    let e = catalog.refresh(Some("old")).await.unwrap_err();
    assert_eq!(e.sqlstate, "42704");
    assert!(e.message.contains("oracle"), "{}", e.message);
    create(&catalog, "new").await.unwrap();
    assert_eq!(stored_names(&store), ["new", "old"]);
    assert_eq!(store.snapshot().servers[1], stored.servers[0]);
}

#[tokio::test]
async fn ddl_is_serialized() {
    let (catalog, store, _) = setup().await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let catalog = catalog.clone();
            tokio::spawn(async move { create(&catalog, &format!("s{i}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(catalog.servers().len(), 8);
    assert_eq!(stored_names(&store).len(), 8);
}
