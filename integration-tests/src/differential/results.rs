//! Reading results as text and comparing two of them (floats, decimals, row order), with a readable description of a difference.

use super::*;
use crate::backend;
use std::time::Duration;
use tokio_postgres::types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};
/// One row of a result: each value as the text the server sent, `None` for NULL.
pub type Row = Vec<Option<String>>;

/// The result of one query: column names, which columns are floating point, rows as text.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub float_columns: Vec<bool>,
    pub rows: Vec<Row>,
}

/// Which columns of `sql`'s result are `float4`/`float8`, by preparing it.
pub async fn float_columns(
    client: &Client,
    sql: &str,
    timeout: Duration,
) -> Result<Vec<bool>, String> {
    let statement = tokio::time::timeout(timeout, client.prepare(sql))
        .await
        .map_err(|_| format!("prepare did not finish within {}s", timeout.as_secs()))?
        .map_err(|e| backend::describe(&e))?;
    Ok(statement
        .columns()
        .iter()
        .map(|c| *c.type_() == Type::FLOAT4 || *c.type_() == Type::FLOAT8)
        .collect())
}

/// Runs `sql` with the simple query protocol; the rows of its (last) result set as text.
/// `float_columns` is left empty.
pub async fn simple_rows(
    client: &Client,
    sql: &str,
    timeout: Duration,
) -> Result<ResultSet, String> {
    let messages = tokio::time::timeout(timeout, client.simple_query(sql))
        .await
        .map_err(|_| format!("the query did not finish within {}s", timeout.as_secs()))?
        .map_err(|e| backend::describe(&e))?;
    let mut result: Option<ResultSet> = None;
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) => {
                result = Some(ResultSet {
                    columns: columns.iter().map(|c| c.name().to_string()).collect(),
                    float_columns: Vec::new(),
                    rows: Vec::new(),
                });
            }
            SimpleQueryMessage::Row(row) => {
                let values = (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect();
                match result.as_mut() {
                    Some(result) => result.rows.push(values),
                    None => return Err("a row arrived before its row description".to_string()),
                }
            }
            _ => {}
        }
    }
    result.ok_or_else(|| "the statement returned no rows description (not a query?)".to_string())
}

/// A decimal literal in normal form: no `+`, no leading zeros, no trailing fractional zeros,
/// no `-0`. `None` when `text` is not a plain decimal literal.
pub fn normalize_decimal(text: &str) -> Option<String> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let mut out = String::new();
    if negative && !(int == "0" && frac.is_empty()) {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

pub(crate) fn parse_float(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// How the values of one column are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRule {
    /// The texts must be byte-equal (the SQL-surface test: PostgreSQL's text is the answer).
    Exact,
    /// Decimal literals are equal after normalising, with the stated scale-cut tolerance;
    /// other text must be byte-equal.
    Decimal,
    /// Numbers are equal within the float tolerance; other text as under `Decimal`.
    Float,
}

impl ValueRule {
    /// The differential test's rule for a column: `Float` for floating-point columns.
    pub fn tolerant(float: bool) -> ValueRule {
        if float {
            ValueRule::Float
        } else {
            ValueRule::Decimal
        }
    }

    /// Whether two values are equal under this rule (see the module documentation).
    pub fn equal(self, a: Option<&str>, b: Option<&str>) -> bool {
        let (Some(a), Some(b)) = (a, b) else {
            return a.is_none() && b.is_none();
        };
        if a == b {
            return true;
        }
        if self == ValueRule::Exact {
            return false;
        }
        if self == ValueRule::Float {
            if let (Some(x), Some(y)) = (parse_float(a), parse_float(b)) {
                return floats_close(x, y);
            }
        }
        match (normalize_decimal(a), normalize_decimal(b)) {
            (Some(x), Some(y)) => x == y || scale_cut_within_tolerance(a, b),
            _ => false,
        }
    }

    /// A sort key of one value, equal for values that [`ValueRule::equal`] calls equal
    /// (nearly always, for floats).
    pub(crate) fn key(self, value: Option<&str>) -> String {
        let Some(text) = value else {
            return "\u{0}".to_string();
        };
        if self == ValueRule::Float {
            if let Some(x) = parse_float(text) {
                return format!("\u{1}{x:.8e}");
            }
        }
        match normalize_decimal(text).filter(|_| self != ValueRule::Exact) {
            Some(d) => format!("\u{1}{d}"),
            None => format!("\u{2}{text}"),
        }
    }
}

/// Two floats within the differential tolerance (`NaN` equals `NaN`).
fn floats_close(x: f64, y: f64) -> bool {
    if x.is_nan() || y.is_nan() {
        return x.is_nan() && y.is_nan();
    }
    let diff = (x - y).abs();
    x == y || diff <= 1e-9 * x.abs().max(y.abs()) || diff <= 1e-12
}

/// Whether two values are equal under the differential test's rules (float tolerance when
/// `float`, decimal normalising otherwise).
pub fn values_equal(a: Option<&str>, b: Option<&str>, float: bool) -> bool {
    ValueRule::tolerant(float).equal(a, b)
}

/// The rule of column `i` (columns beyond the list are compared as decimals).
fn rule_at(rules: &[ValueRule], i: usize) -> ValueRule {
    rules.get(i).copied().unwrap_or(ValueRule::Decimal)
}

/// The fractional digits DataFusion keeps at least when it divides decimals.
pub(crate) const MIN_CUT_SCALE: usize = 6;

/// One side is the other cut (truncated or rounded) to at least [`MIN_CUT_SCALE`] digits.
pub(crate) fn scale_cut_within_tolerance(a: &str, b: &str) -> bool {
    let printed = |t: &str| t.trim().split_once('.').map_or(0, |(_, f)| f.len());
    (printed(b) >= MIN_CUT_SCALE && cut_digits(a, b).is_some())
        || (printed(a) >= MIN_CUT_SCALE && cut_digits(b, a).is_some())
}

pub(crate) fn row_key(row: &[Option<String>], rules: &[ValueRule]) -> String {
    let mut key = String::new();
    for (i, value) in row.iter().enumerate() {
        key.push_str(&rule_at(rules, i).key(value.as_deref()));
        key.push('\u{3}');
    }
    key
}

pub(crate) fn rows_equal(a: &[Option<String>], b: &[Option<String>], rules: &[ValueRule]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .enumerate()
            .all(|(i, (x, y))| rule_at(rules, i).equal(x.as_deref(), y.as_deref()))
}

/// How many rows of each side a difference report shows.
pub(crate) const SHOWN_ROWS: usize = 5;

/// Longest row text shown.
pub(crate) const SHOWN_ROW_CHARS: usize = 400;

/// A row as `a | b | NULL`, cut when long.
pub fn show_row(row: &[Option<String>]) -> String {
    let text = row
        .iter()
        .map(|v| v.as_deref().unwrap_or("NULL").to_string())
        .collect::<Vec<_>>()
        .join(" | ");
    if text.chars().count() > SHOWN_ROW_CHARS {
        let cut: String = text.chars().take(SHOWN_ROW_CHARS).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The rows only in `a` and the rows only in `b`, compared as multisets.
pub(crate) fn multiset_difference<'r>(
    a: &'r [Row],
    b: &'r [Row],
    rules: &[ValueRule],
) -> (Vec<&'r Row>, Vec<&'r Row>) {
    let mut ka: Vec<(String, &Row)> = a.iter().map(|r| (row_key(r, rules), r)).collect();
    let mut kb: Vec<(String, &Row)> = b.iter().map(|r| (row_key(r, rules), r)).collect();
    ka.sort_by(|x, y| x.0.cmp(&y.0));
    kb.sort_by(|x, y| x.0.cmp(&y.0));
    let (mut i, mut j) = (0, 0);
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    while i < ka.len() && j < kb.len() {
        if ka[i].0 == kb[j].0 || rows_equal(ka[i].1, kb[j].1, rules) {
            i += 1;
            j += 1;
        } else if ka[i].0 < kb[j].0 {
            only_a.push(ka[i].1);
            i += 1;
        } else {
            only_b.push(kb[j].1);
            j += 1;
        }
    }
    only_a.extend(ka[i..].iter().map(|x| x.1));
    only_b.extend(kb[j..].iter().map(|x| x.1));
    // Floats near a rounding boundary of the key may have missed each other: pair them up.
    if !only_a.is_empty() && !only_b.is_empty() && only_a.len() * only_b.len() <= 4_000_000 {
        let mut unmatched_b: Vec<Option<&Row>> = only_b.into_iter().map(Some).collect();
        only_a.retain(|ra| {
            match unmatched_b
                .iter_mut()
                .find(|rb| rb.is_some_and(|rb| rows_equal(ra, rb, rules)))
            {
                Some(slot) => {
                    *slot = None;
                    false
                }
                None => true,
            }
        });
        only_b = unmatched_b.into_iter().flatten().collect();
    }
    (only_a, only_b)
}

/// A decimal as (digits, scale), when it fits in an i128.
pub(crate) fn decimal_parts(text: &str) -> Option<(i128, u32)> {
    let normal = normalize_decimal(text)?;
    let (int, frac) = normal.split_once('.').unwrap_or((&normal, ""));
    let scale = u32::try_from(frac.len()).ok()?;
    let digits: i128 = format!("{int}{frac}").parse().ok()?;
    Some((digits, scale))
}

/// How `gateway` was made from `oracle` by cutting fractional digits, when it was:
/// `Some("rounded")` or `Some("truncated")`.
pub(crate) fn cut_digits(oracle: &str, gateway: &str) -> Option<&'static str> {
    let (o, os) = decimal_parts(oracle)?;
    let (g, gs) = decimal_parts(gateway)?;
    // Digits the gateway printed (its scale before trailing zeros were dropped).
    let printed = gateway
        .trim()
        .split_once('.')
        .map_or(0, |(_, f)| u32::try_from(f.len()).unwrap_or(u32::MAX));
    if printed >= os || gs > printed {
        return None;
    }
    let factor = 10i128.checked_pow(os - printed)?;
    let g = g.checked_mul(10i128.checked_pow(printed - gs)?)?;
    let half = factor / 2;
    let rounded = if o >= 0 {
        (o + half) / factor
    } else {
        (o - half) / factor
    };
    // Truncation first: where both give the same digits, truncation is the simpler story.
    if o / factor == g {
        Some("truncated")
    } else if rounded == g {
        Some("rounded")
    } else {
        None
    }
}

/// Explains a pair of differing rows when every difference is a decimal cut to fewer digits.
pub(crate) fn rounding_note(
    oracle: &[Option<String>],
    gateway: &[Option<String>],
) -> Option<String> {
    if oracle.len() != gateway.len() {
        return None;
    }
    let mut columns = Vec::new();
    let mut how = Vec::new();
    for (i, (o, g)) in oracle.iter().zip(gateway).enumerate() {
        if values_equal(o.as_deref(), g.as_deref(), false) {
            continue;
        }
        match (o, g) {
            (Some(o), Some(g)) => {
                let cut = cut_digits(o, g)?;
                columns.push(i + 1);
                if !how.contains(&cut) {
                    how.push(cut);
                }
            }
            _ => return None,
        }
    }
    (!columns.is_empty()).then(|| {
        format!(
            "note: in column(s) {columns:?} fedgate's value is the oracle's {} to fewer \
             fractional digits (decimal scale of division/avg)",
            how.join(" or ")
        )
    })
}

/// Compares the gateway's result with the oracle's under the differential test's rules
/// (float tolerance for columns either side types as floating point, decimal normalising
/// for the others); `Err` holds the lines that describe the first difference.
pub fn compare(
    oracle: &ResultSet,
    gateway: &ResultSet,
    order: &RowOrder,
) -> Result<(), Vec<String>> {
    let rules: Vec<ValueRule> = (0..oracle.columns.len())
        .map(|i| {
            ValueRule::tolerant(
                oracle.float_columns.get(i).copied().unwrap_or(false)
                    || gateway.float_columns.get(i).copied().unwrap_or(false),
            )
        })
        .collect();
    compare_by_rules(oracle, gateway, order, &rules)
}

/// Compares the gateway's result with the oracle's, column `i` under `rules[i]`; `Err` holds
/// the lines that describe the first difference. Column names are not compared.
pub fn compare_by_rules(
    oracle: &ResultSet,
    gateway: &ResultSet,
    order: &RowOrder,
    rules: &[ValueRule],
) -> Result<(), Vec<String>> {
    if oracle.columns.len() != gateway.columns.len() {
        return Err(vec![format!(
            "column count: oracle {} ({}), fedgate {} ({})",
            oracle.columns.len(),
            oracle.columns.join(", "),
            gateway.columns.len(),
            gateway.columns.join(", ")
        )]);
    }
    let mut report = Vec::new();
    if oracle.rows.len() != gateway.rows.len() {
        report.push(format!(
            "row count: oracle {}, fedgate {}",
            oracle.rows.len(),
            gateway.rows.len()
        ));
    }
    let (only_oracle, only_gateway) = match order {
        RowOrder::Ordered(keys) if report.is_empty() => {
            let Some((start, end)) = first_differing_group(oracle, gateway, keys.as_deref(), rules)
            else {
                return Ok(());
            };
            report.push(if end - start == 1 {
                format!("ordered result differs at row {}", start + 1)
            } else {
                format!(
                    "ordered result differs in rows {}..{} (equal on the order keys)",
                    start + 1,
                    end
                )
            });
            let (only_oracle, only_gateway) =
                multiset_difference(&oracle.rows[start..end], &gateway.rows[start..end], rules);
            if only_oracle.is_empty() && only_gateway.is_empty() {
                report.push("(the rows are equal as a multiset)".to_string());
            }
            (only_oracle, only_gateway)
        }
        _ => multiset_difference(&oracle.rows, &gateway.rows, rules),
    };
    if report.is_empty() && only_oracle.is_empty() && only_gateway.is_empty() {
        return Ok(());
    }
    describe_difference(
        &mut report,
        &oracle.columns,
        rules,
        &only_oracle,
        &only_gateway,
    );
    Err(report)
}

/// The first group of rows (equal on the keys in the oracle's result) whose rows differ.
pub(crate) fn first_differing_group(
    oracle: &ResultSet,
    gateway: &ResultSet,
    keys: Option<&[usize]>,
    rules: &[ValueRule],
) -> Option<(usize, usize)> {
    let key_of = |row: &[Option<String>]| -> String {
        match keys {
            Some(keys) => keys
                .iter()
                .map(|&k| rule_at(rules, k).key(row.get(k).and_then(|v| v.as_deref())))
                .collect::<Vec<_>>()
                .join("\u{3}"),
            None => row_key(row, rules),
        }
    };
    let rows = &oracle.rows;
    let mut start = 0;
    while start < rows.len() {
        let key = key_of(&rows[start]);
        let mut end = start + 1;
        while end < rows.len() && key_of(&rows[end]) == key {
            end += 1;
        }
        let equal = if end - start == 1 {
            rows_equal(&rows[start], &gateway.rows[start], rules)
        } else {
            let (a, b) = multiset_difference(&rows[start..end], &gateway.rows[start..end], rules);
            a.is_empty() && b.is_empty()
        };
        if !equal {
            return Some((start, end));
        }
        start = end;
    }
    None
}

pub(crate) fn describe_difference(
    report: &mut Vec<String>,
    columns: &[String],
    rules: &[ValueRule],
    only_oracle: &[&Row],
    only_gateway: &[&Row],
) {
    if !only_oracle.is_empty() {
        report.push(format!(
            "{} row(s) only in the oracle's result:",
            only_oracle.len()
        ));
        for row in only_oracle.iter().take(SHOWN_ROWS) {
            report.push(format!("  oracle:  {}", show_row(row)));
        }
    }
    if !only_gateway.is_empty() {
        report.push(format!(
            "{} row(s) only in fedgate's result:",
            only_gateway.len()
        ));
        for row in only_gateway.iter().take(SHOWN_ROWS) {
            report.push(format!("  fedgate: {}", show_row(row)));
        }
    }
    if let (Some(o), Some(g)) = (only_oracle.first(), only_gateway.first()) {
        if o.len() == g.len() {
            let differing: Vec<String> = o
                .iter()
                .zip(g.iter())
                .enumerate()
                .filter(|(i, (x, y))| !rule_at(rules, *i).equal(x.as_deref(), y.as_deref()))
                .map(|(i, (x, y))| {
                    format!(
                        "{} ({}): {} vs {}",
                        columns.get(i).map_or("?", String::as_str),
                        i + 1,
                        x.as_deref().unwrap_or("NULL"),
                        y.as_deref().unwrap_or("NULL")
                    )
                })
                .collect();
            if !differing.is_empty() {
                report.push(format!("first pair differs in: {}", differing.join("; ")));
            }
        }
        if let Some(note) = rounding_note(o, g) {
            report.push(note);
        }
    }
}
