//! The tables of the semantics dataset: columns with logical types and rows full of traps.
//!
//! Rows are written as lines of fields each followed by `|` (the format of dbgen's `.tbl`
//! files), each field the value's PostgreSQL text (what `psql` prints), `\N` for NULL;
//! nothing is trimmed, so `carol |` is `carol` with a trailing space and an empty field is
//! the empty string.
//!
//! * `emp`, `dept`: an employees schema for everyday queries and joins (`emp.dept` names a
//!   `dept.name`; `support` and `Engineering ` (trailing space) match no department, `Research`
//!   has nobody).
//! * `nums`: integer, numeric and float edge values (type limits, halves for rounding, 0.1,
//!   1e±300, NULLs).
//! * `words`: text traps: case, accents, leading/trailing spaces, the empty string, LIKE
//!   wildcards, a backslash, non-Latin scripts, an emoji, digits as text.
//! * `events`: dates and timestamps: leap days, year and ISO-week boundaries, the epoch and
//!   before it, microseconds, a US DST gap.
//! * `docs`: PostgreSQL-only types (`jsonb`, arrays, `timestamptz`, `interval`, `uuid`,
//!   `bytea`); only PostgreSQL placements hold it.

use super::LogicalType::{self, *};

/// One column: its name and logical type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: LogicalType,
}

/// A table of the dataset. The first column is the primary key.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<Column>,
    /// Each row's values as PostgreSQL text, `None` for NULL.
    pub rows: Vec<Vec<Option<&'static str>>>,
}

impl Table {
    fn new(
        name: &'static str,
        columns: &[(&'static str, LogicalType)],
        rows: &'static str,
    ) -> Table {
        Table {
            name,
            columns: columns
                .iter()
                .map(|&(name, ty)| Column { name, ty })
                .collect(),
            rows: parse_rows(rows),
        }
    }

    /// Whether every backend can hold the table (no PostgreSQL-only column types).
    pub fn everywhere(&self) -> bool {
        self.columns.iter().all(|c| c.ty.everywhere())
    }

    /// The column names, comma-separated, for statements that list them.
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The rows of a block of `|`-terminated fields (one row per non-empty line, indentation
/// ignored).
fn parse_rows(text: &'static str) -> Vec<Vec<Option<&'static str>>> {
    text.lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.strip_suffix('|')
                .unwrap_or(line)
                .split('|')
                .map(|field| (field != "\\N").then_some(field))
                .collect()
        })
        .collect()
}

/// Every table of the dataset.
pub fn tables() -> Vec<Table> {
    vec![emp(), dept(), nums(), words(), events(), docs()]
}

/// The table named `name`.
pub fn table(name: &str) -> Option<Table> {
    tables().into_iter().find(|t| t.name == name)
}

fn emp() -> Table {
    Table::new(
        "emp",
        &[
            ("id", Int4),
            ("name", Text),
            ("dept", Text),
            ("salary", Numeric(10, 2)),
            ("hired", Date),
            ("created", Timestamp),
            ("active", Bool),
            ("rating", Float8),
            ("manager_id", Int4),
            ("bonus", Int8),
        ],
        r"
    1|Alice|Engineering|120000.00|2015-03-01|2015-03-01 09:00:00|t|4.5|\N|10000|
    2|bob|Engineering|95000.50|2016-02-29|2016-02-29 23:59:59.999999|t|3.7|1|\N|
    3|Émile|Sales|70000.00|2019-12-31|2019-12-31 23:59:59.5|f|0.1|1|5000|
    4|Zoë|Sales|70000.00|2020-01-01|2020-01-01 00:00:00.000001|t|4.25|3|0|
    5|carol |Marketing|55000.25|2024-02-29|2024-02-29 12:30:45.123456|t|2.5|1|-250|
    6|Dave|Marketing|0.00|2023-06-15|2023-06-15 08:15:00|f|\N|5|\N|
    7|eve|\N|61000.99|2021-07-04|2021-07-04 17:00:00.25|\N|3.3333333333333335|\N|3000000000|
    8|Frank|Engineering|99999999.99|1999-12-31|1999-12-31 23:59:59.999999|t|1e-07|1|7500|
    9|Grace|Support|0.01|2000-02-29|2000-02-29 00:00:00|t|5|\N|\N|
    10|heidi|support|42000.10|2022-11-30|2022-11-30 14:00:00.1|t|0.30000000000000004|9|100|
    11|Ivan|Engineering |88000.00|2018-05-20|2018-05-20 10:10:10.010101|f|-1.5|1|\N|
    12|JUDY|Sales|\N|2024-01-01|2024-01-01 00:00:00|t|4.5|3|2500|
    13|Mallory|Engineering|120000.00|2017-09-09|2017-09-09 09:09:09.000009|t|4.5|1|10000|
    14|O'Brien|Legal|-150.75|2010-10-10|2010-10-10 10:10:10|f|1e+20|\N|-1|
    15|Ångström|Sales|65432.10|1969-07-20|1969-07-20 20:17:40|t|2|4|\N|
    16|niña|Marketing|55000.25|2023-12-31|2023-12-31 23:59:59.999999|t|2.5|5|\N|
",
    )
}

fn dept() -> Table {
    Table::new(
        "dept",
        &[
            ("id", Int4),
            ("name", Text),
            ("floor", Int4),
            ("budget", Numeric(12, 2)),
            ("opened", Date),
            ("head_id", Int4),
        ],
        r"
    1|Engineering|3|1500000.00|2010-01-04|1|
    2|Sales|2|750000.50|2010-01-04|3|
    3|Marketing|2|300000.00|2012-06-01|5|
    4|Support|1|0.00|2015-02-28|9|
    5|Legal|4|\N|2020-02-29|\N|
    6|Research|5|-1000.00|2024-12-31|13|
",
    )
}

fn nums() -> Table {
    Table::new(
        "nums",
        &[
            ("id", Int4),
            ("i4", Int4),
            ("i8", Int8),
            ("n", Numeric(20, 6)),
            ("f", Float8),
            ("label", Text),
        ],
        r"
    1|0|0|0.000000|0|zero|
    2|1|1|1.500000|0.1|one|
    3|-1|-1|-1.500000|-0.1|minus one|
    4|2147483647|9223372036854775807|99999999999999.999999|1e+300|max|
    5|-2147483648|-9223372036854775808|-99999999999999.999999|-1e+300|min|
    6|7|3000000000|2.500000|2.5|seven|
    7|-7|-3000000000|-2.500000|-2.5|minus seven|
    8|10|10|0.000001|1e-300|tiny|
    9|\N|\N|\N|\N|\N|
    10|3|3|3.333333|0.30000000000000004|third|
    11|100|100|123.456789|123456789.123|hundred|
    12|2|2|0.500000|0.5|half|
",
    )
}

fn words() -> Table {
    Table::new(
        "words",
        &[("id", Int4), ("w", Text)],
        r"
    1|apple|
    2|Apple|
    3|APPLE|
    4|apple |
    5| apple|
    6|äpfel|
    7|Äpfel|
    8|éclair|
    9|eclair|
    10|Zebra|
    11|zebra|
    12||
    13|\N|
    14|O'Brien|
    15|100%|
    16|a_b|
    17|a\b|
    18|straße|
    19|日本語|
    20|🙂 smile|
    21|10|
    22|9|
    23|  |
    24|İstanbul|
",
    )
}

fn events() -> Table {
    Table::new(
        "events",
        &[
            ("id", Int4),
            ("d", Date),
            ("ts", Timestamp),
            ("label", Text),
        ],
        r"
    1|2024-02-29|2024-02-29 13:45:00.123456|leap day 2024|
    2|2023-02-28|2023-02-28 23:59:59.999999|last day of February 2023|
    3|2000-02-29|2000-02-29 00:00:00|leap century|
    4|1999-12-31|1999-12-31 23:59:59.999999|millennium eve|
    5|2000-01-01|2000-01-01 00:00:00|y2k|
    6|1970-01-01|1970-01-01 00:00:00|epoch|
    7|1969-12-31|1969-12-31 23:59:59.5|before the epoch|
    8|2021-01-03|2021-01-03 12:00:00|ISO week 53 of 2020|
    9|2024-12-30|2024-12-30 06:07:08.9|ISO week 1 of 2025|
    10|2024-03-10|2024-03-10 02:30:00|US DST gap|
    11|2038-01-19|2038-01-19 03:14:08|after the int32 epoch|
    12|\N|\N|\N|
    13|1900-03-01|1900-03-01 00:00:00.000001|1900 was not a leap year|
    14|2023-12-31|2023-12-31 23:59:59|new year's eve|
",
    )
}

fn docs() -> Table {
    Table::new(
        "docs",
        &[
            ("id", Int4),
            ("body", Jsonb),
            ("tags", TextArray),
            ("scores", Int4Array),
            ("at", Timestamptz),
            ("span", Interval),
            ("uid", Uuid),
            ("raw", Bytea),
        ],
        r#"
    1|{"name": "widget", "price": 9.99, "tags": ["a", "b"], "dims": {"w": 10, "h": 2.5}, "active": true}|{red,green}|{1,2,3}|2024-02-29 13:45:00.123456+00|1 day 02:03:04|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|\xdeadbeef|
    2|{"name": "gadget", "price": 15, "tags": [], "dims": null, "active": false}|{}|{}|2023-12-31 23:59:59+05:30|-1 mons|123e4567-e89b-12d3-a456-426614174000|\x|
    3|{"name": "Émile's", "price": null, "nested": {"deep": {"x": [1, {"y": "z"}]}}}|{"with space","with,comma",NULL}|{10,NULL,-5}|1999-12-31 23:00:00-08|1 year 2 mons 3 days|f47ac10b-58cc-4372-a567-0e02b2c3d479|\x00ff|
    4|[1, "two", 3.0, null]|\N|{7}|\N|00:00:00.000001|\N|\N|
    5|"just a string"|{solo}|\N|2024-03-10 02:30:00+00|-2 days +03:00:00|6ba7b810-9dad-11d1-80b4-00c04fd430c8|\x41|
    6|\N|{}|{1,1,2}|1970-01-01 00:00:00+00|\N|00000000-0000-0000-0000-000000000000|\N|
"#,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fit_their_tables() {
        for table in tables() {
            assert!(!table.rows.is_empty(), "{}", table.name);
            for row in &table.rows {
                assert_eq!(row.len(), table.columns.len(), "{}: {row:?}", table.name);
                assert!(row[0].is_some(), "{}: a row without a key", table.name);
            }
        }
    }

    #[test]
    fn traps_survive_parsing() {
        let words = table("words").unwrap();
        let values: Vec<Option<&str>> = words.rows.iter().map(|r| r[1]).collect();
        assert!(values.contains(&Some("apple ")));
        assert!(values.contains(&Some(" apple")));
        assert!(values.contains(&Some("")));
        assert!(values.contains(&Some("  ")));
        assert!(values.contains(&Some("a\\b")));
        assert!(values.contains(&None));
        let emp = table("emp").unwrap();
        assert_eq!(emp.rows[4][1], Some("carol "));
    }

    #[test]
    fn every_column_has_a_value() {
        // MongoDB infers columns from the values it samples: a column only ever NULL would
        // not be there, or be typed as text.
        for table in tables() {
            for (i, column) in table.columns.iter().enumerate() {
                assert!(
                    table.rows.iter().any(|r| r[i].is_some()),
                    "{}.{} is always NULL",
                    table.name,
                    column.name
                );
            }
        }
    }

    #[test]
    fn only_docs_is_postgres_only() {
        let only_pg: Vec<&str> = tables()
            .iter()
            .filter(|t| !t.everywhere())
            .map(|t| t.name)
            .collect();
        assert_eq!(only_pg, ["docs"]);
    }
}
