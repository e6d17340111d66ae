//! Tests of the DataFusion view of the registry, down to SQL over a session.

use std::time::Duration;

use crate::testing::{FakeRemoteTable, FakeRemoteTables};
use datafusion::arrow::array::{Array, Int64Array};
use datafusion::catalog::MemoryCatalogProvider;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use fedgate_adapter_api::AdapterError;

use super::*;
use crate::store::{CatalogStore, MemoryStore};
use crate::testing::{opts, FakeFactory, Serve, World};
use crate::Catalog;

async fn setup() -> (Catalog, Arc<World>) {
    let world = World::standard();
    let factory = Arc::new(FakeFactory {
        world: Arc::clone(&world),
    });
    let store: Arc<dyn CatalogStore> = Arc::new(MemoryStore::new());
    (
        Catalog::open(store, factory, Arc::new(FakeRemoteTables))
            .await
            .unwrap(),
        world,
    )
}

async fn create(catalog: &Catalog, name: &str) {
    let options = opts(&[("host", "db")]);
    catalog
        .create_server(name, "fake", options, false)
        .await
        .unwrap();
}

fn session(catalog: &Catalog) -> SessionContext {
    let config = SessionConfig::new()
        .with_create_default_catalog_and_schema(false)
        .with_default_catalog_and_schema(SYSTEM_CATALOG, SYSTEM_PUBLIC_SCHEMA)
        .with_information_schema(true);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_catalog_list(catalog.catalog_list())
        .with_default_features()
        .build();
    SessionContext::new_with_state(state)
}

/// The sum of column `column` over the result of `sql`.
async fn sum_ids(ctx: &SessionContext, sql: &str) -> i64 {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    batches
        .iter()
        .map(|b| {
            let ids = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
            ids.iter().flatten().sum::<i64>()
        })
        .sum()
}

fn schema_of(catalog: &Catalog, server: &str, schema: &str) -> Arc<dyn SchemaProvider> {
    let list = catalog.catalog_list();
    list.catalog(server).unwrap().schema(schema).unwrap()
}

#[tokio::test]
async fn created_and_dropped_servers_are_seen_at_once() {
    let (catalog, _) = setup().await;
    let list = catalog.catalog_list();
    assert_eq!(list.catalog_names(), [SYSTEM_CATALOG]);
    create(&catalog, "s").await;
    assert_eq!(list.catalog_names(), [SYSTEM_CATALOG, "s"]);
    assert!(list.catalog("s").is_some());
    catalog.drop_server("s", false).await.unwrap();
    assert_eq!(list.catalog_names(), [SYSTEM_CATALOG]);
    assert!(list.catalog("s").is_none());
}

#[tokio::test]
async fn system_catalog_has_public_and_system_schemas() {
    let (catalog, _) = setup().await;
    let list = catalog.catalog_list();
    let system = list.catalog(SYSTEM_CATALOG).unwrap();
    assert_eq!(system.schema_names(), [SYSTEM_PUBLIC_SCHEMA]);
    let public = system.schema(SYSTEM_PUBLIC_SCHEMA).unwrap();
    assert!(public.table_names().is_empty());
    assert!(public.table("x").await.unwrap().is_none());
    assert!(system.schema("other").is_none());
}

#[tokio::test]
async fn system_schemas_appear_in_every_catalog() {
    let (catalog, _) = setup().await;
    let list = catalog.catalog_list();
    create(&catalog, "s").await;
    let pg: Arc<dyn SchemaProvider> = Arc::new(EmptySchema);
    catalog.add_system_schema("pg_catalog", Arc::clone(&pg));
    for name in [SYSTEM_CATALOG, "s"] {
        let c = list.catalog(name).unwrap();
        assert!(
            c.schema_names().contains(&"pg_catalog".to_string()),
            "{name}"
        );
        assert!(Arc::ptr_eq(&c.schema("pg_catalog").unwrap(), &pg), "{name}");
    }
    assert_eq!(
        list.catalog("s").unwrap().schema_names(),
        ["Sales", "pg_catalog", "public"]
    );
}

#[tokio::test]
async fn discovered_information_schema_is_hidden_and_system_schema_shadows() {
    let (catalog, world) = setup().await;
    world.add("information_schema", "tables", Serve::Local);
    world.add("pg_catalog", "pg_class", Serve::Local);
    create(&catalog, "s").await;
    let pg: Arc<dyn SchemaProvider> = Arc::new(EmptySchema);
    catalog.add_system_schema("pg_catalog", Arc::clone(&pg));
    let c = catalog.catalog_list().catalog("s").unwrap();
    assert_eq!(c.schema_names(), ["Sales", "pg_catalog", "public"]);
    assert!(Arc::ptr_eq(&c.schema("pg_catalog").unwrap(), &pg));
}

#[tokio::test]
async fn names_fall_back_to_a_single_case_insensitive_match() {
    let (catalog, world) = setup().await;
    create(&catalog, "Remote1").await;
    let list = catalog.catalog_list();
    assert!(list.catalog("remote1").is_some());
    let sales = schema_of(&catalog, "remote1", "sales");
    assert_eq!(sales.table_names(), ["Q1"]);
    assert!(sales.table_exist("q1"));
    assert!(sales.table("q1").await.unwrap().is_some());
    let public = schema_of(&catalog, "remote1", "public");
    assert!(public.table("orders").await.unwrap().is_some());
    world.add("public", "ORDERS", Serve::Local);
    catalog.refresh(None).await.unwrap();
    assert!(!public.table_exist("orders"), "ambiguous");
    assert!(public.table_exist("ORDERS"));
}

#[tokio::test]
async fn select_from_a_local_table_through_sql() {
    let (catalog, _) = setup().await;
    create(&catalog, "srv").await;
    let ctx = session(&catalog);
    assert_eq!(
        sum_ids(&ctx, "SELECT id FROM srv.public.\"Orders\"").await,
        6
    );
    assert_eq!(sum_ids(&ctx, "SELECT * FROM srv.public.orders").await, 6);
    assert_eq!(
        sum_ids(&ctx, "SELECT * FROM srv.sales.q1 WHERE id > 1").await,
        5
    );
}

#[tokio::test]
async fn unknown_table_is_not_found() {
    let (catalog, _) = setup().await;
    create(&catalog, "srv").await;
    let public = schema_of(&catalog, "srv", "public");
    assert!(public.table("nope").await.unwrap().is_none());
    let ctx = session(&catalog);
    let e = ctx.sql("SELECT * FROM srv.public.nope").await.unwrap_err();
    assert!(e.to_string().contains("not found"), "{e}");
}

#[tokio::test]
async fn remote_tables_become_remote_table_providers() {
    let (catalog, world) = setup().await;
    create(&catalog, "srv").await;
    let public = schema_of(&catalog, "srv", "public");
    let items = public.table("items").await.unwrap().unwrap();
    assert!(items.is::<FakeRemoteTable>());
    assert_eq!(items.schema().field(0).name(), "id");
    public.table("items").await.unwrap().unwrap();
    assert_eq!(world.table_calls(), 1, "cached");
}

#[tokio::test]
async fn backend_errors_carry_sqlstate_and_server() {
    let (catalog, world) = setup().await;
    create(&catalog, "srv").await;
    world.set_down(true);
    let public = schema_of(&catalog, "srv", "public");
    let e = public.table("Orders").await.unwrap_err();
    let adapter = AdapterError::find_in(&e).unwrap();
    assert_eq!(adapter.sqlstate, "08001");
    assert!(
        adapter.message.starts_with("server \"srv\": "),
        "{}",
        adapter.message
    );
    let ctx = session(&catalog);
    let e = ctx
        .sql("SELECT * FROM srv.public.\"Orders\"")
        .await
        .unwrap_err();
    assert_eq!(AdapterError::find_in(&e).unwrap().sqlstate, "08001");
}

#[tokio::test]
async fn lookup_works_when_discovery_never_succeeded() {
    let world = World::standard();
    let store = Arc::new(MemoryStore::new());
    let factory = Arc::new(FakeFactory {
        world: Arc::clone(&world),
    });
    let first = Catalog::open(store.clone(), factory.clone(), Arc::new(FakeRemoteTables))
        .await
        .unwrap();
    create(&first, "srv").await;
    world.set_down(true);
    let catalog = Catalog::open(store, factory, Arc::new(FakeRemoteTables))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let server = catalog.catalog_list().catalog("srv").unwrap();
    assert!(!server.schema_names().contains(&"public".to_string()));
    world.set_down(false);
    let public = server.schema("public").unwrap();
    assert!(public.table("Orders").await.unwrap().is_some());
    for _ in 0..200 {
        if server.schema_names().contains(&"Sales".to_string()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the lookup did not retry discovery");
}

#[tokio::test]
async fn listing_table_types_does_not_resolve_tables() {
    let (catalog, world) = setup().await;
    create(&catalog, "srv").await;
    let public = schema_of(&catalog, "srv", "public");
    assert_eq!(
        public.table_type("v_orders").await.unwrap(),
        Some(TableType::View)
    );
    assert_eq!(
        public.table_type("items").await.unwrap(),
        Some(TableType::Base)
    );
    let ctx = session(&catalog);
    let sql = "SELECT table_name FROM information_schema.tables \
               WHERE table_catalog = 'srv' AND table_schema = 'public'";
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
    assert_eq!(world.table_calls(), 0);
}

#[tokio::test]
async fn register_catalog_keeps_extras_but_not_over_servers() {
    let (catalog, _) = setup().await;
    create(&catalog, "srv").await;
    let list = catalog.catalog_list();
    let extra: Arc<dyn CatalogProvider> = Arc::new(MemoryCatalogProvider::new());
    assert!(list
        .register_catalog("datafusion".into(), Arc::clone(&extra))
        .is_none());
    assert!(list
        .register_catalog(SYSTEM_CATALOG.into(), Arc::clone(&extra))
        .is_none());
    assert!(list
        .register_catalog("srv".into(), Arc::clone(&extra))
        .is_none());
    assert_eq!(list.catalog_names(), [SYSTEM_CATALOG, "srv", "datafusion"]);
    assert!(Arc::ptr_eq(&list.catalog("datafusion").unwrap(), &extra));
    assert!(!Arc::ptr_eq(&list.catalog(SYSTEM_CATALOG).unwrap(), &extra));
    assert!(!Arc::ptr_eq(&list.catalog("srv").unwrap(), &extra));
    let e = catalog
        .create_server("datafusion", "fake", opts(&[]), false)
        .await;
    assert_eq!(e.unwrap_err().sqlstate, "42939");
}
