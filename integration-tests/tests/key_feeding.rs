//! Key feeding (planner `key_feed`) against a real gateway and PostgreSQL: an `IN` subquery
//! ending in `HAVING` is run first and its keys are sent as an IN list; with more than the
//! limit of keys the semi join keeps its `EXISTS`. Every answer is compared with
//! PostgreSQL's own answer to the same query, and EXPLAIN ANALYZE shows which path ran.

use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::{backend, create_postgres_server_sql};
use tokio_postgres::Client;

const DB: &str = "fedgate_key_feeding";

/// 3000 items in 1500 groups of two; groups 7, 507 and 1007 have a quantity of 200, every
/// other group 2.
const SETUP: &str =
    "CREATE TABLE items (id int4 PRIMARY KEY, grp int4 NOT NULL, qty int4 NOT NULL); \
     INSERT INTO items SELECT g, g % 1500, CASE WHEN g % 500 = 7 THEN 100 ELSE 1 END \
       FROM generate_series(1, 3000) g; \
     ANALYZE items;";

/// Items of the groups the `HAVING` keeps, counted and summed (`{t}` is the table's name).
fn query(having: &str, table: &str) -> String {
    format!(
        "SELECT count(*), sum(id) FROM {table} WHERE grp IN \
         (SELECT grp FROM {table} GROUP BY grp HAVING {having})"
    )
}

async fn oracle_rows(pg: &Client, sql: &str) -> Vec<Vec<String>> {
    let messages = pg
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", backend::describe(&e)));
    backend::text_rows(messages)
}

/// The remote part's line of `EXPLAIN [ANALYZE] sql`.
async fn remote_line(gateway: &Gateway, client: &Client, explain: &str) -> String {
    let lines = gateway.rows(client, explain).await;
    let mut remote = lines
        .into_iter()
        .map(|row| row[0].clone())
        .filter(|line| line.contains("RemoteScanExec:"));
    let line = remote.next().expect("a remote part");
    assert!(remote.next().is_none(), "one remote part: {line}");
    line
}

#[tokio::test]
async fn having_subquery_keys_are_fed_or_the_exists_is_kept() {
    let _lock = backend::fresh_database(DB, SETUP).await;
    let pg = backend::connect(DB).await.unwrap_or_else(|e| panic!("{e}"));
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}"));
    let client = gateway.connect().await.expect("connect to the gateway");
    gateway
        .rows(&client, &create_postgres_server_sql("p", DB))
        .await;
    // The planner's key feeding is under test: statements on one PostgreSQL server would
    // otherwise pass through to it as written.
    gateway.rows(&client, "SET fedgate.passthrough = off").await;

    // (HAVING, what EXPLAIN ANALYZE reports, rows expected)
    let cases = [
        ("sum(qty) > 100", "fed_keys=3", "6"),
        ("sum(qty) > 1000", "fed_keys=0", "0"),
        ("count(*) > 1", "unfed_semi_joins=1", "3000"),
    ];
    for (having, metric, count) in cases {
        let through_gateway = query(having, "p.public.items");
        let got = gateway.rows(&client, &through_gateway).await;
        let want = oracle_rows(&pg, &query(having, "items")).await;
        assert_eq!(got, want, "{through_gateway}");
        assert_eq!(got[0][0], count, "{through_gateway}");

        let plan = remote_line(&gateway, &client, &format!("EXPLAIN {through_gateway}")).await;
        assert!(plan.contains(" IN (<keys 1>)"), "{plan}");
        assert!(plan.contains(", keys 1=SELECT "), "{plan}");
        assert!(!plan.contains("fedgate:keys"), "no marker shown: {plan}");
        let analyzed = remote_line(
            &gateway,
            &client,
            &format!("EXPLAIN ANALYZE {through_gateway}"),
        )
        .await;
        assert!(analyzed.contains(metric), "{metric} in {analyzed}");
    }

    // Switched off: the EXISTS is sent at once, the answer is the same.
    gateway
        .rows(
            &client,
            "ALTER SERVER p OPTIONS (ADD pushdown_key_feeding 'false')",
        )
        .await;
    let sql = query("sum(qty) > 100", "p.public.items");
    let plan = remote_line(&gateway, &client, &format!("EXPLAIN {sql}")).await;
    assert!(
        plan.contains("WHERE EXISTS (SELECT 1") && !plan.contains("keys 1="),
        "{plan}"
    );
    assert_eq!(
        gateway.rows(&client, &sql).await,
        oracle_rows(&pg, &query("sum(qty) > 100", "items")).await
    );
}
