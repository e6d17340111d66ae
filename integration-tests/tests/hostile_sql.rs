//! Fuzz target of the SQL front end (parse, rewrites, planning and execution of whatever a
//! client sends), run over the wire against a real gateway whose catalog holds the semantics
//! dataset as Parquet files. The statements are mutations of the SQL-surface statements
//! (`integration-tests/surface/*.sql`): tokens dropped, repeated, swapped, replaced by
//! extreme literals or by keywords and operators from elsewhere, seeded so a failure prints
//! what replays it (`HOSTILE_SQL_SEED=<seed> HOSTILE_SQL_CASES=1`).
//!
//! Each statement must get an answer, rows or an error, on a session that stays usable: a
//! panic in the gateway, a lost connection or a statement that outlives its
//! `statement_timeout` is a failure, and so is DataFusion's own wording in an error message
//! (every error reaches the client in PostgreSQL's terms). A crash found here becomes a
//! regression case in [`REGRESSIONS`].

use std::time::Duration;

use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
use fedgate_integration_tests::gateway::Gateway;
use fedgate_integration_tests::random::rng::Rng;
use fedgate_integration_tests::semantics::{tables, write_dataset_parquet, PARQUET_SCHEMA};
use fedgate_integration_tests::surface::{load_statement_files, surface_dir};
use tokio_postgres::{Client, SimpleQueryMessage};

/// Statements that once crashed or leaked internal wording, kept as they were found.
const REGRESSIONS: &[&str] = &[
    // DataFusion panicked displaying the column of a subquery that has none.
    "SELECT (SELECT  FROM emp WHERE false) IS NULL",
    "SELECT 1 IN (SELECT FROM emp)",
    // DataFusion's wording reached the client.
    "SELECT id, w FROM words WHERE w LIKE -1 ORDER BY id",
    "SELECT 1 IS NULL UNION SELECT 'a'",
    "SELECT count(*), sum(i4), (i8), sum(n) FROM nums",
    "SELECT '2024-02-29 13:45' BETWEEN 1 AND 2 ::timestamptz",
];

/// Tokens a mutation may insert: keywords, operators and casts from everyday SQL.
const INSERTS: &[&str] = &[
    "NULL",
    "(",
    ")",
    ",",
    "::int4",
    "::int8",
    "::text",
    "::numeric",
    "::date",
    "::float8",
    "::bool",
    "::interval",
    "::jsonb",
    "DISTINCT",
    "NOT",
    "||",
    "+",
    "-",
    "*",
    "/",
    "%",
    "=",
    "<>",
    "AND",
    "OR",
    "OVER ()",
    "LIMIT 0",
    "ORDER BY 1",
    "GROUP BY 1",
    "[1]",
    "COLLATE \"C\"",
    "IS NULL",
    "BETWEEN 1 AND 2",
    "IN (1, NULL)",
    "ANY",
    "ALL",
    "EXISTS",
    "(SELECT 1)",
    "CASE WHEN true THEN 1 END",
    "FILTER (WHERE true)",
    "WITHIN GROUP (ORDER BY 1)",
    "AS x",
    "UNION ALL SELECT 1",
    "LATERAL",
    "ARRAY[1, 2]",
    "ROW(1, 2)",
    "*",
    "$1",
    "E'\\\\x'",
    "''",
];

/// Literals that sit on the edges of types and parsers.
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "1e400",
    "-0.0",
    "'NaN'",
    "'infinity'",
    "''",
    "'\\x00'",
    "'9999-12-31'",
    "'0001-01-01 BC'",
    "123456789012345678901234567890.123456789",
    "NULL",
    "'{1,2'",
    "'é'",
];

/// The corpus: every SQL-surface statement.
fn corpus() -> Vec<String> {
    let files = load_statement_files(&surface_dir()).expect("the SQL-surface statements");
    files
        .into_iter()
        .flat_map(|file| file.entries.into_iter().map(|entry| entry.sql))
        .collect()
}

fn tokens(sql: &str) -> Vec<String> {
    let dialect = PostgreSqlDialect {};
    match Tokenizer::new(&dialect, sql).tokenize() {
        Ok(tokens) => tokens.iter().map(Token::to_string).collect(),
        Err(_) => vec![sql.to_string()],
    }
}

/// One to three random edits of a random corpus statement.
fn mutate(corpus: &[String], rng: &mut Rng) -> String {
    let mut tokens = tokens(rng.pick(corpus).as_str());
    for _ in 0..rng.range(1, 3) {
        if tokens.is_empty() {
            break;
        }
        let at = rng.below(tokens.len());
        match rng.below(6) {
            0 => {
                tokens.remove(at);
            }
            1 => {
                let token = tokens[at].clone();
                tokens.insert(at, token);
            }
            2 if at + 2 < tokens.len() => tokens.swap(at, at + 2),
            3 => tokens.insert(at, format!(" {} ", rng.pick(INSERTS))),
            4 => {
                let literal = tokens
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.starts_with(|c: char| c.is_ascii_digit() || c == '\''))
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>();
                if !literal.is_empty() {
                    let i = *rng.pick(&literal);
                    tokens[i] = rng.pick(EXTREMES).to_string();
                }
            }
            _ => {
                let cut = rng.below(tokens.len() + 1);
                tokens.truncate(cut);
            }
        }
    }
    tokens.concat()
}

/// What a client must never see: the words of DataFusion's (or Arrow's) own errors.
const INTERNAL_WORDING: &[&str] = &[
    "DataFusion",
    "datafusion",
    "Arrow error",
    "Internal error",
    "External error",
    "Execution error",
    "Error during planning",
    "This feature is not implemented",
    "Schema error",
    "Optimizer rule",
    "Utf8",
    "Int64(",
    "Decimal128(",
];

/// The outcome of one statement.
enum Outcome {
    Answered,
    Failed(String),
}

async fn run_one(client: &Client, sql: &str) -> Outcome {
    let result = tokio::time::timeout(Duration::from_secs(20), client.simple_query(sql)).await;
    match result {
        Err(_) => Outcome::Failed("no answer within 20 s (statement_timeout is 2 s)".into()),
        Ok(Ok(messages)) => {
            // Touch every row: values must arrive whole.
            let rows = messages
                .iter()
                .filter(|m| matches!(m, SimpleQueryMessage::Row(_)))
                .count();
            let _ = rows;
            Outcome::Answered
        }
        Ok(Err(error)) => match error.as_db_error() {
            None => Outcome::Failed(format!("the connection failed: {error}")),
            Some(db) => {
                let text = format!("{} {}", db.message(), db.detail().unwrap_or_default());
                match INTERNAL_WORDING.iter().find(|w| text.contains(*w)) {
                    Some(word) => Outcome::Failed(format!(
                        "internal wording ({word}) reached the client: {} {}",
                        db.code().code(),
                        text
                    )),
                    None => Outcome::Answered,
                }
            }
        },
    }
}

async fn session(gateway: &Gateway) -> Client {
    let client = gateway
        .connect_as("postgres", "fz")
        .await
        .expect("a session on the fuzzed server");
    client
        .batch_execute(&format!(
            "SET search_path = {PARQUET_SCHEMA}; SET statement_timeout = '2s'"
        ))
        .await
        .expect("session settings");
    client
}

#[tokio::test]
async fn mutated_statements_get_answers() {
    let seed: u64 = std::env::var("HOSTILE_SQL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_208);
    let cases: usize = std::env::var("HOSTILE_SQL_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_500);

    let files = tempfile::tempdir().expect("temp dir");
    let everywhere: Vec<_> = tables().into_iter().filter(|t| t.everywhere()).collect();
    write_dataset_parquet(&files.path().join(PARQUET_SCHEMA), &everywhere).expect("dataset files");
    let data = tempfile::tempdir().expect("temp dir");
    let gateway = Gateway::start(data.path()).unwrap_or_else(|e| panic!("{e}"));
    let admin = gateway.connect().await.expect("admin session");
    admin
        .batch_execute(&fedgate_integration_tests::create_files_server_sql(
            "fz",
            files.path(),
        ))
        .await
        .expect("CREATE SERVER");

    let corpus = corpus();
    let mut client = session(&gateway).await;
    let mut failures = Vec::new();
    let statements = REGRESSIONS
        .iter()
        .map(|sql| (None, sql.to_string()))
        .chain((0..cases).map(|case| {
            let case_seed = seed.wrapping_add(case as u64);
            (Some(case_seed), mutate(&corpus, &mut Rng::new(case_seed)))
        }));
    let mut answered = 0;
    for (case_seed, sql) in statements {
        match run_one(&client, &sql).await {
            Outcome::Answered => answered += 1,
            Outcome::Failed(why) => {
                let replay = case_seed
                    .map(|s| format!("HOSTILE_SQL_SEED={s} HOSTILE_SQL_CASES=1"))
                    .unwrap_or_else(|| "a regression case".to_string());
                failures.push(format!("{replay}: {why}\n  {sql}"));
                if client.is_closed() {
                    client = session(&gateway).await;
                }
            }
        }
        let logs = gateway.logs();
        assert!(
            !logs.contains("panicked"),
            "the gateway panicked on: {sql}\n{logs}"
        );
    }
    println!(
        "{} mutated statements: {answered} answered, {} failed",
        answered + failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
