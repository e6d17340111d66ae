//! The fixture MongoDB: a MongoDB-wire server on 127.0.0.1:27017 without authentication
//! (`scripts/mongodb.sh` starts the SecantusDB stand-in, see `shared/testing/mongodb.md`).
//! Nothing here skips when the server is missing: [`connect`] fails with a message that says
//! how to start it.
//!
//! The documents of the slt fixture database [`SLT_DATABASE`] are defined here with the
//! driver's `doc!` (BSON types are exact: `1_i32` is an Int32, `1_i64` an Int64, `1.0` a
//! double); `fixtures/mongodb/README.md` describes them.
//!
//! Stand-in quirks kept out of the fixture: no field paths through arrays inside aggregation
//! expressions, no case-insensitive `$regex`, no indexes beyond `_id`.

use std::time::Duration;

use mongodb::bson::{doc, oid::ObjectId, spec::BinarySubtype, Binary, Bson, DateTime, Document};
use mongodb::options::ClientOptions;
use mongodb::Client;

pub const MONGO_HOST: &str = "127.0.0.1";
pub const MONGO_PORT: u16 = 27017;

/// The driver URL of the fixture server (it presents itself as a one-node replica set).
pub const MONGO_URL: &str = "mongodb://127.0.0.1:27017/?directConnection=true";

/// The MongoDB database the slt fixture collections are loaded into.
pub const SLT_DATABASE: &str = "fedgate_slt_mongo";

/// How long connecting (server selection) may take before the fixture fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `CREATE SERVER` for a mongodb server on the fixture server exposing only `database`.
pub fn create_server_sql(name: &str, database: &str) -> String {
    format!(
        "CREATE SERVER {} FOREIGN DATA WRAPPER mongodb OPTIONS (url {}, database {})",
        crate::quote_ident(name),
        crate::quote_literal(MONGO_URL),
        crate::quote_literal(database)
    )
}

/// A driver client on the fixture server, after a successful `ping`.
pub async fn connect() -> Result<Client, String> {
    connect_url(MONGO_URL, CONNECT_TIMEOUT).await
}

/// A driver client on the server of `url`, after a successful `ping` within `timeout`; an
/// error that says how to start the fixture server otherwise.
pub async fn connect_url(url: &str, timeout: Duration) -> Result<Client, String> {
    let unreachable = |e: &dyn std::fmt::Display| {
        format!(
            "no MongoDB-compatible server answers at {url} ({e}). The integration tests need \
             one on {MONGO_HOST}:{MONGO_PORT}: run scripts/mongodb.sh (it starts the \
             SecantusDB stand-in)"
        )
    };
    let mut options = ClientOptions::parse(url)
        .await
        .map_err(|e| unreachable(&e))?;
    options.server_selection_timeout = Some(timeout);
    options.connect_timeout = Some(timeout);
    options.app_name = Some("fedgate-integration-tests".to_string());
    let client = Client::with_options(options).map_err(|e| unreachable(&e))?;
    client
        .database("admin")
        .run_command(doc! {"ping": 1_i32})
        .await
        .map_err(|e| unreachable(&e))?;
    Ok(client)
}

/// Drops database `database` and loads every collection of [`collections`] into it, checking
/// the number of documents of each. Returns the collection names and their counts.
pub async fn load_fixtures(database: &str) -> Result<Vec<(String, u64)>, String> {
    let client = connect().await?;
    let db = client.database(database);
    db.drop()
        .await
        .map_err(|e| format!("MongoDB: dropping database {database}: {e}"))?;
    let mut loaded = Vec::new();
    for (name, documents) in collections() {
        let expected = documents.len() as u64;
        let collection = db.collection::<Document>(name);
        if documents.is_empty() {
            db.create_collection(name)
                .await
                .map_err(|e| format!("MongoDB: creating {database}.{name}: {e}"))?;
        } else {
            collection
                .insert_many(documents)
                .await
                .map_err(|e| format!("MongoDB: loading {database}.{name}: {e}"))?;
        }
        let count = collection
            .count_documents(doc! {})
            .await
            .map_err(|e| format!("MongoDB: counting {database}.{name}: {e}"))?;
        if count != expected {
            return Err(format!(
                "MongoDB: {database}.{name} holds {count} documents after loading {expected}"
            ));
        }
        loaded.push((name.to_string(), count));
    }
    Ok(loaded)
}

/// Every collection of the slt fixture database with its documents.
pub fn collections() -> Vec<(&'static str, Vec<Document>)> {
    vec![
        ("typed", typed()),
        ("people", people()),
        ("reviews", reviews()),
        ("shipments", shipments()),
        ("keys", keys()),
        ("empty", Vec::new()),
        ("sales", sales()),
    ]
}

fn oid(hex: &str) -> ObjectId {
    ObjectId::parse_str(hex).expect("a valid ObjectId literal")
}

fn decimal(text: &str) -> Bson {
    Bson::Decimal128(text.parse().expect("a valid Decimal128 literal"))
}

fn binary(subtype: BinarySubtype, bytes: &[u8]) -> Bson {
    Bson::Binary(Binary {
        subtype,
        bytes: bytes.to_vec(),
    })
}

/// Milliseconds since 1970-01-01T00:00:00Z as a BSON date.
fn date(millis: i64) -> DateTime {
    DateTime::from_millis(millis)
}

/// One document per row of slt/mongodb/types.slt: every BSON type the adapter reads, nested
/// documents and arrays, null and missing fields, and fields whose types differ between
/// documents (`int_long`: Int32 and Int64; `int_double`: Int32 and double; `mixed`: a
/// different type in every document).
fn typed() -> Vec<Document> {
    vec![
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a01"),
            "n": 1_i32,
            "i32": 1_i32,
            "i64": 10_000_000_000_i64,
            "dbl": 1.5,
            "dec": decimal("1.50"),
            "s": "hello",
            "b": true,
            // 2024-01-02T03:04:05.123Z
            "dt": date(1_704_164_645_123),
            "oid": oid("65f1a2b3c4d5e6f708192aff"),
            "bin": binary(BinarySubtype::Generic, &[0xde, 0xad, 0xbe, 0xef]),
            "nested": {"a": 1_i32, "b": "x", "deep": {"c": true}},
            "arr": [1_i32, 2_i32, 3_i32],
            "tags": ["x", "y z"],
            "nul": Bson::Null,
            "int_long": 7_i32,
            "int_double": 1_i32,
            "mixed": 5_i32,
        },
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a02"),
            "n": 2_i32,
            "i32": i32::MIN,
            "i64": i64::MIN,
            "dbl": -0.25,
            "dec": decimal("-0.01"),
            "s": "",
            "b": false,
            // 1969-12-31T23:59:59.999Z
            "dt": date(-1),
            "oid": oid("000000000000000000000000"),
            "bin": binary(BinarySubtype::Generic, &[]),
            "nested": {"a": 2_i32, "b": Bson::Null},
            "arr": [],
            "tags": [],
            "nul": Bson::Null,
            "int_long": 8_000_000_000_i64,
            "int_double": 2.5,
            "mixed": "five",
        },
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a03"),
            "n": 3_i32,
            "i32": i32::MAX,
            "i64": i64::MAX,
            "dbl": 1e300,
            "dec": decimal("12345678901234567890.12345678901234"),
            "s": "emoji 😀 \"quoted\" O'Brien",
            "b": true,
            // 9999-12-31T23:59:59.999Z
            "dt": date(253_402_300_799_999),
            "oid": oid("ffffffffffffffffffffffff"),
            "bin": binary(
                BinarySubtype::Uuid,
                &[
                    0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9,
                    0xbd, 0x38, 0x0a, 0x11,
                ],
            ),
            "nested": {"a": 3_i32, "deep": {"c": false}},
            "arr": [1_i32, Bson::Null, 3_i32],
            "tags": [Bson::Null, "", "a"],
            "nul": Bson::Null,
            "int_long": -1_i32,
            "int_double": -3_i32,
            "mixed": 2.5,
        },
        // Every field but _id, n and mixed missing.
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a04"),
            "n": 4_i32,
            "mixed": {"k": 1_i32},
        },
        // Every field present and null.
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a05"),
            "n": 5_i32,
            "i32": Bson::Null,
            "i64": Bson::Null,
            "dbl": Bson::Null,
            "dec": Bson::Null,
            "s": Bson::Null,
            "b": Bson::Null,
            "dt": Bson::Null,
            "oid": Bson::Null,
            "bin": Bson::Null,
            "nested": Bson::Null,
            "arr": Bson::Null,
            "tags": Bson::Null,
            "nul": Bson::Null,
            "int_long": Bson::Null,
            "int_double": Bson::Null,
            "mixed": [1_i32, "a"],
        },
        // Special doubles and decimals.
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a06"),
            "n": 6_i32,
            "dbl": f64::INFINITY,
            "dec": decimal("-0"),
            "mixed": true,
        },
        doc! {
            "_id": oid("65f1a2b3c4d5e6f708192a07"),
            "n": 7_i32,
            "dbl": -0.0,
            "dec": decimal("1E+100"),
            "mixed": Bson::Null,
        },
    ]
}

/// Rows for filters, limits and ordering pushed into MongoDB (slt/mongodb/queries.slt).
/// `score` holds a NaN; `city` is null in one document and missing in another.
fn people() -> Vec<Document> {
    vec![
        doc! {"_id": 1_i32, "name": "Ada", "age": 36_i32, "score": 91.5, "city": "London",
        "active": true, "joined": date(1_704_844_800_000)},
        doc! {"_id": 2_i32, "name": "alan", "age": 41_i32, "score": 78.0, "city": "london",
        "active": false, "joined": date(1_705_276_800_000)},
        doc! {"_id": 3_i32, "name": "Grace", "age": 85_i32, "score": f64::NAN, "city": "New York",
        "active": true, "joined": date(1_706_745_600_000)},
        doc! {"_id": 4_i32, "name": "Edsger", "age": 72_i32, "score": Bson::Null, "city": Bson::Null,
        "active": true, "joined": date(1_709_424_000_000)},
        doc! {"_id": 5_i32, "name": "Barbara", "age": 84_i32, "city": "Boston",
        "joined": date(1_710_892_800_000)},
        doc! {"_id": 6_i32, "name": "Ken", "age": 80_i32, "score": 65.25, "city": "Berkeley",
        "active": false},
        doc! {"_id": 7_i32, "name": "ADA", "age": 20_i32, "score": 50.0, "city": "LONDON",
        "active": true, "joined": date(1_711_929_600_000)},
        doc! {"_id": 8_i32, "name": "Ada ", "age": Bson::Null, "score": 0.0, "city": "London ",
        "active": Bson::Null},
    ]
}

/// Product reviews: `product_id` is an Int32 key (samples.shop.products.id,
/// pg.public.orders.product_id), `customer_id` an Int64 key (pg.public.customers.id).
fn reviews() -> Vec<Document> {
    let review = |id: i32, product: i32, customer: Option<i64>, rating: i32, comment: &str| {
        doc! {
            "_id": id,
            "product_id": product,
            "customer_id": customer.map_or(Bson::Null, Bson::Int64),
            "rating": rating,
            "comment": comment,
        }
    };
    vec![
        review(1, 1, Some(1), 5, "great beans"),
        review(2, 1, Some(4), 4, "good"),
        review(3, 2, Some(2), 3, "fine"),
        review(4, 3, Some(3), 5, "lovely tea"),
        review(5, 5, Some(1), 2, "meh"),
        review(6, 7, Some(2), 4, "solid"),
        review(7, 10, Some(5), 5, "perfect"),
        review(8, 12, Some(99), 1, "unknown product"),
        review(9, 3, Some(6), 4, "nice"),
        review(10, 1, None, 3, "anonymous"),
    ]
}

/// Shipments of pg.public.orders: `order_id` is a double key (14.5 matches no order).
fn shipments() -> Vec<Document> {
    let shipment = |id: &str, order: f64, carrier: &str, weight: f64| {
        doc! {"_id": oid(id), "order_id": order, "carrier": carrier, "weight_kg": weight}
    };
    vec![
        shipment("65f1a2b3c4d5e6f708193b01", 1.0, "DHL", 1.2),
        shipment("65f1a2b3c4d5e6f708193b02", 2.0, "UPS", 0.5),
        shipment("65f1a2b3c4d5e6f708193b03", 3.0, "DHL", 2.25),
        shipment("65f1a2b3c4d5e6f708193b04", 9.0, "FedEx", 4.0),
        shipment("65f1a2b3c4d5e6f708193b05", 14.0, "UPS", 3.5),
        shipment("65f1a2b3c4d5e6f708193b06", 14.5, "DHL", 0.25),
        shipment("65f1a2b3c4d5e6f708193b07", 100.0, "DHL", 9.75),
    ]
}

/// Integer keys of three BSON types for comparisons with PostgreSQL's bigint
/// (pg.public.all_types.c_int8: 10000000000, -9223372036854775808, 9223372036854775807) and
/// MariaDB's integers (my.fedgate_slt_my.int_keys).
fn keys() -> Vec<Document> {
    vec![
        doc! {"_id": 1_i32, "k32": 1_i32, "k64": 10_000_000_000_i64, "kdbl": 1e10},
        doc! {"_id": 2_i32, "k32": 100_i32, "k64": i64::MAX, "kdbl": 100.0},
        doc! {"_id": 3_i32, "k32": i32::MIN, "k64": i64::MIN, "kdbl": -2147483648.0},
        doc! {"_id": 4_i32, "k32": 3_i32, "k64": 100_i64, "kdbl": 0.5},
        doc! {"_id": 5_i32, "k32": Bson::Null, "k64": Bson::Null, "kdbl": Bson::Null},
    ]
}

/// Sales for aggregates, sorts and top-N pushed into MongoDB (slt/mongodb/pushdown.slt).
/// `region` is missing in one document and null in another (one NULL group), `West` and
/// `west` differ, `amount` (Int32) is null or missing in three documents and all NULL for
/// 2030, `price` (double) is missing in two, `addr` is a subdocument (`city` missing in one,
/// `addr` null in one and missing in two).
fn sales() -> Vec<Document> {
    let (d1, d2, d3) = (1_704_067_200_000, 1_704_153_600_000, 1_704_240_000_000);
    let (r1, r2, r3) = (
        oid("65f1a2b3c4d5e6f708193c01"),
        oid("65f1a2b3c4d5e6f708193c02"),
        oid("65f1a2b3c4d5e6f708193c03"),
    );
    vec![
        doc! {"_id": 1_i32, "region": "north", "year": 2024_i32, "amount": 100_i32, "price": 1.5,
        "day": date(d1), "rep": r1, "addr": {"city": "Oslo"}},
        doc! {"_id": 2_i32, "region": "north", "year": 2024_i32, "amount": 50_i32, "price": 2.25,
        "day": date(d2), "rep": r2, "addr": {"city": "Bergen"}},
        doc! {"_id": 3_i32, "region": "south", "year": 2024_i32, "amount": Bson::Null, "price": 0.5,
        "day": date(d1), "rep": r1, "addr": {"zip": "0150"}},
        doc! {"_id": 4_i32, "region": "south", "year": 2024_i32, "amount": 30_i32,
        "day": date(d3), "rep": r3, "addr": Bson::Null},
        doc! {"_id": 5_i32, "region": "east", "year": 2024_i32, "amount": 70_i32, "price": 4.0,
        "day": date(d2), "rep": r2, "addr": {"city": "Oslo"}},
        doc! {"_id": 6_i32, "year": 2024_i32, "amount": 20_i32, "price": 1.0,
        "day": date(d3), "rep": r1},
        doc! {"_id": 7_i32, "region": Bson::Null, "year": 2024_i32, "amount": 10_i32, "price": 2.5,
        "day": date(d1), "rep": r3, "addr": {"city": "Oslo"}},
        doc! {"_id": 8_i32, "region": "west", "year": 2023_i32, "amount": 999_i32, "price": 8.0,
        "day": date(1_685_577_600_000), "rep": r2, "addr": {"city": "Bergen"}},
        doc! {"_id": 9_i32, "region": "north", "year": 2023_i32, "amount": 5_i32, "price": 0.25,
        "day": date(1_685_577_600_000), "rep": r1, "addr": {"city": "Oslo"}},
        doc! {"_id": 10_i32, "region": "east", "year": 2024_i32, "price": 3.5,
        "day": date(d2), "rep": r3, "addr": {"city": "Bergen"}},
        doc! {"_id": 11_i32, "region": "West", "year": 2024_i32, "amount": 40_i32, "price": 0.75,
        "day": date(d3), "rep": r2, "addr": {"city": "Oslo"}},
        doc! {"_id": 12_i32, "region": "zz", "year": 2030_i32, "amount": Bson::Null,
        "day": date(1_893_456_000_000), "rep": r1},
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing listens on port 1: loading fails with a message naming the fix (the slt
    /// harness then fails; it never skips MongoDB).
    #[tokio::test]
    async fn unreachable_server_is_an_error() {
        let result = connect_url(
            "mongodb://127.0.0.1:1/?directConnection=true",
            Duration::from_secs(1),
        )
        .await;
        let Err(error) = result else {
            panic!("a client without a server on port 1");
        };
        assert!(error.contains("scripts/mongodb.sh"), "{error}");
    }

    #[test]
    fn server_sql_and_collections() {
        assert_eq!(
            create_server_sql("mongo", SLT_DATABASE),
            "CREATE SERVER \"mongo\" FOREIGN DATA WRAPPER mongodb OPTIONS \
             (url 'mongodb://127.0.0.1:27017/?directConnection=true', database 'fedgate_slt_mongo')"
        );
        let names: Vec<&str> = collections().iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "typed",
                "people",
                "reviews",
                "shipments",
                "keys",
                "empty",
                "sales"
            ]
        );
        // Every document of a collection has a distinct _id.
        for (name, documents) in collections() {
            let mut ids: Vec<String> = documents
                .iter()
                .map(|d| d.get("_id").map(|v| v.to_string()).unwrap_or_default())
                .collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), documents.len(), "{name}");
        }
    }
}
