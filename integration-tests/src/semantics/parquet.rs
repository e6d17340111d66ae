//! Writing tables as Parquet files from the oracle's rows: each column is read as text from
//! the oracle (`col::text`) and cast by Arrow to the column's Arrow type
//! ([`LogicalType::arrow`]: Int32, Int64, Decimal128, Float64, Utf8, Boolean, Date32,
//! Timestamp(µs)), failing on any value the cast cannot take exactly as written.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use tokio_postgres::Client;

use super::Table;
use crate::differential::{simple_rows, Row};
use crate::quote_ident;

/// How long reading one table from the oracle may take.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The rows of `table` in the oracle, every value as its text, in key order.
async fn oracle_text_rows(oracle: &Client, table: &Table) -> Result<Vec<Row>, String> {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{}::text", quote_ident(c.name)))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY 1",
        columns.join(", "),
        quote_ident(table.name)
    );
    Ok(simple_rows(oracle, &sql, READ_TIMEOUT).await?.rows)
}

/// The record batch of `table` from rows of text (one text per column, `None` for NULL).
pub fn record_batch(table: &Table, rows: &[Row]) -> Result<RecordBatch, String> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    let strict = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    for (i, column) in table.columns.iter().enumerate() {
        let ty = column
            .ty
            .arrow()
            .ok_or_else(|| format!("{}.{}: no Arrow type", table.name, column.name))?;
        let text: StringArray = rows
            .iter()
            .map(|row| row.get(i).cloned().flatten())
            .collect();
        let array = cast_with_options(&text, &ty, &strict)
            .map_err(|e| format!("{}.{} as {ty}: {e}", table.name, column.name))?;
        fields.push(Field::new(column.name, ty, i != 0));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| format!("{}: {e}", table.name))
}

/// Writes `dir/<table>.parquet` for each of `tables` from the oracle's rows.
pub async fn write_parquet(
    oracle: &Client,
    dir: &Path,
    tables: &[Table],
) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for table in tables {
        let rows = oracle_text_rows(oracle, table).await?;
        write_table_file(dir, table, &rows)?;
        written.push(format!("{}.parquet", table.name));
    }
    Ok(format!("wrote {}", written.join(", ")))
}

/// Writes `dir/<table>.parquet` for each of `tables` from the dataset's own rows, without an
/// oracle (the hostile-SQL test reads them; values are the dataset's text parsed by Arrow).
pub fn write_dataset_parquet(dir: &Path, tables: &[Table]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for table in tables {
        let rows: Vec<Row> = table
            .rows
            .iter()
            .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
            .collect();
        write_table_file(dir, table, &rows)?;
    }
    Ok(())
}

/// `dir/<table>.parquet` holding `rows`.
fn write_table_file(dir: &Path, table: &Table, rows: &[Row]) -> Result<(), String> {
    let batch = record_batch(table, rows)?;
    let path = dir.join(format!("{}.parquet", table.name));
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writer
        .write(&batch)
        .and_then(|_| writer.close().map(|_| ()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantics::{table, tables};
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{Date32Type, Decimal128Type, TimestampMicrosecondType};

    fn dataset_rows(table: &Table) -> Vec<Row> {
        table
            .rows
            .iter()
            .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
            .collect()
    }

    #[test]
    fn the_dataset_text_casts_exactly() {
        for table in tables().into_iter().filter(|t| t.everywhere()) {
            let batch = record_batch(&table, &dataset_rows(&table)).unwrap();
            assert_eq!(batch.num_rows(), table.rows.len());
        }
        let emp = table("emp").unwrap();
        let batch = record_batch(&emp, &dataset_rows(&emp)).unwrap();
        let salary = batch.column(3).as_primitive::<Decimal128Type>();
        assert_eq!(salary.value(0), 12_000_000);
        let hired = batch.column(4).as_primitive::<Date32Type>();
        assert_eq!(hired.value(8), 11_016); // 2000-02-29
        let created = batch.column(5).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(created.value(3), 1_577_836_800_000_001); // 2020-01-01 00:00:00.000001
        assert!(batch.column(6).as_boolean().is_null(6));
    }

    #[test]
    fn a_value_that_does_not_fit_fails() {
        let nums = table("nums").unwrap();
        let mut rows = dataset_rows(&nums);
        rows[0][1] = Some("2147483648".to_string());
        assert!(record_batch(&nums, &rows).is_err());
    }
}
