//! Loading tables into a MongoDB database, one collection per table, one document per row
//! (no `_id` given: the server assigns ObjectIds in insertion order, so the first row's
//! document is the one the adapter sees first and its field order is the column order).
//!
//! | logical type | BSON value |
//! |---|---|
//! | int4 / int8 | Int32 / Int64 |
//! | numeric | Decimal128 of the exact text (`120000.00` keeps its scale) |
//! | float8 | Double |
//! | text / boolean | String / Boolean |
//! | date | Date (UTC datetime) at midnight UTC |
//! | timestamp | Date at that instant taken as UTC; BSON dates hold milliseconds, so the dataset's microseconds are cut toward the past (`.123456` is stored as `.123`); suites compare this placement with an oracle cut the same way ([`super::ORACLE_MS_DATABASE`]) |
//!
//! NULL is stored both ways MongoDB users have it: as BSON `null` in the rows at even
//! positions (the first, third, ... row) and as a missing field in the others.

use super::{fingerprint, LogicalType, Table, MARKER_TABLE};
use crate::mongo_fixture;
use mongodb::bson::{doc, Bson, DateTime, Decimal128, Document};

/// One value as BSON, or `None` for a NULL stored as a missing field.
pub fn bson_value(
    ty: LogicalType,
    value: Option<&str>,
    row: usize,
) -> Result<Option<Bson>, String> {
    let Some(text) = value else {
        return Ok(row.is_multiple_of(2).then_some(Bson::Null));
    };
    let bad = |e: &dyn std::fmt::Display| format!("{text:?} as {}: {e}", ty.postgres());
    Ok(Some(match ty {
        LogicalType::Int4 => Bson::Int32(text.parse().map_err(|e| bad(&e))?),
        LogicalType::Int8 => Bson::Int64(text.parse().map_err(|e| bad(&e))?),
        LogicalType::Numeric(..) => {
            Bson::Decimal128(text.parse::<Decimal128>().map_err(|e| bad(&e))?)
        }
        LogicalType::Float8 => Bson::Double(text.parse().map_err(|e| bad(&e))?),
        LogicalType::Text => Bson::String(text.to_string()),
        LogicalType::Bool => Bson::Boolean(text == "t"),
        LogicalType::Date => Bson::DateTime(utc_datetime(&format!("{text}T00:00:00Z"))?),
        LogicalType::Timestamp => {
            let millis = cut_to_milliseconds(text);
            Bson::DateTime(utc_datetime(&format!("{}Z", millis.replacen(' ', "T", 1)))?)
        }
        _ => return Err(bad(&"no BSON mapping (a PostgreSQL-only type)")),
    }))
}

/// A timestamp's text with at most three fraction digits: the digits a BSON date holds, cut
/// toward the past as the oracle's `date_trunc('milliseconds', ...)` does (parsing the full
/// text would round toward 1970 before it: `1900-03-01 00:00:00.000001` became `.001`).
fn cut_to_milliseconds(text: &str) -> &str {
    match text.find('.') {
        Some(point) => &text[..text.len().min(point + 4)],
        None => text,
    }
}

fn utc_datetime(rfc3339: &str) -> Result<DateTime, String> {
    DateTime::parse_rfc3339_str(rfc3339).map_err(|e| format!("{rfc3339}: {e}"))
}

/// The documents of `table`, one per row.
pub fn documents(table: &Table) -> Result<Vec<Document>, String> {
    let mut documents = Vec::new();
    for (position, row) in table.rows.iter().enumerate() {
        let mut document = Document::new();
        for (column, value) in table.columns.iter().zip(row) {
            let bson = bson_value(column.ty, *value, position)
                .map_err(|e| format!("{}.{}: {e}", table.name, column.name))?;
            if let Some(bson) = bson {
                document.insert(column.name, bson);
            }
        }
        documents.push(document);
    }
    Ok(documents)
}

/// Loads `tables` into MongoDB database `database` unless its marker collection says they
/// are there (the database is dropped and loaded anew otherwise; the marker goes last).
pub async fn load_mongodb(database: &str, tables: &[Table]) -> Result<String, String> {
    let mut collections = Vec::new();
    for table in tables {
        collections.push((table.name, documents(table)?));
    }
    let version = fingerprint("mongodb", &format!("{collections:?}"));
    let client = mongo_fixture::connect().await?;
    let db = client.database(database);
    let marker = db.collection::<Document>(MARKER_TABLE);
    let current = marker.find_one(doc! {}).await.ok().flatten();
    if current.and_then(|d| d.get_str("version").ok().map(str::to_string)) == Some(version.clone())
    {
        return Ok(format!("up to date ({version})"));
    }
    let fail = |what: &str, e: mongodb::error::Error| format!("MongoDB {database}: {what}: {e}");
    db.drop().await.map_err(|e| fail("drop", e))?;
    for (name, documents) in collections {
        let expected = documents.len() as u64;
        let collection = db.collection::<Document>(name);
        collection
            .insert_many(documents)
            .await
            .map_err(|e| fail(name, e))?;
        let counted = collection
            .count_documents(doc! {})
            .await
            .map_err(|e| fail(name, e))?;
        if counted != expected {
            return Err(format!(
                "MongoDB {database}.{name}: {counted} documents after inserting {expected}"
            ));
        }
    }
    marker
        .insert_one(doc! { "version": version.as_str() })
        .await
        .map_err(|e| fail("marker", e))?;
    Ok(format!("loaded {} collections ({version})", tables.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::{table, tables};

    #[test]
    fn values_and_nulls() {
        assert_eq!(
            bson_value(LogicalType::Int4, Some("-7"), 0).unwrap(),
            Some(Bson::Int32(-7))
        );
        assert_eq!(
            bson_value(LogicalType::Int8, Some("3000000000"), 0).unwrap(),
            Some(Bson::Int64(3_000_000_000))
        );
        assert_eq!(
            bson_value(LogicalType::Int4, None, 0).unwrap(),
            Some(Bson::Null)
        );
        assert_eq!(bson_value(LogicalType::Int4, None, 1).unwrap(), None);
        let Some(Bson::Decimal128(d)) =
            bson_value(LogicalType::Numeric(10, 2), Some("120000.00"), 0).unwrap()
        else {
            panic!("not a Decimal128");
        };
        assert_eq!(d.to_string(), "120000.00");
        let Some(Bson::DateTime(before_1970)) = bson_value(
            LogicalType::Timestamp,
            Some("1900-03-01 00:00:00.000001"),
            0,
        )
        .unwrap() else {
            panic!("not a date");
        };
        assert_eq!(before_1970.timestamp_millis(), -2_203_891_200_000);
        let Some(Bson::DateTime(ts)) =
            bson_value(LogicalType::Timestamp, Some("1969-12-31 23:59:59.5"), 0).unwrap()
        else {
            panic!("not a date");
        };
        assert_eq!(ts.timestamp_millis(), -500);
        assert!(bson_value(LogicalType::Jsonb, Some("{}"), 0).is_err());
    }

    #[test]
    fn every_shared_table_converts() {
        for table in tables().into_iter().filter(|t| t.everywhere()) {
            let documents = documents(&table).unwrap();
            assert_eq!(documents.len(), table.rows.len());
            // The first document has every field, so the adapter's column order is the
            // table's.
            assert_eq!(documents[0].len(), table.columns.len(), "{}", table.name);
        }
        assert!(documents(&table("docs").unwrap()).is_err());
    }
}
