//! `COPY (query) TO STDOUT` and `COPY table TO STDOUT` (psql's `\copy ... TO 'file'`), in
//! PostgreSQL's text and CSV formats. Values are the text the gateway sends for them in
//! query results (arrow-pg's text encoding after `pg_text`), so a COPY prints what a SELECT
//! prints; only the line format differs.

use bytes::Bytes;
use datafusion::sql::sqlparser::ast::{CopyLegacyCsvOption, CopyLegacyOption, CopyOption};
use futures::{Sink, SinkExt, StreamExt};
use pgwire::api::results::{CopyResponse, Tag};
use pgwire::error::PgWireError;
use pgwire::error::PgWireResult;
use pgwire::messages::copy::{CopyDone, CopyOutResponse};
use pgwire::messages::data::DataRow;
use pgwire::messages::PgWireBackendMessage;

use crate::errors::user_error;
use fedgate_adapter_api::SqlState;

/// Sends a COPY TO's data as PostgreSQL does: CopyOutResponse, the CopyData messages,
/// CopyDone and CommandComplete. An error while the data streams (a cancel, the timeout, a
/// backend failure) ends the COPY with just the error, which the caller reports (pgwire's
/// own sender puts a CopyFail before it, a message clients do not expect from a server).
pub async fn send_copy_out<C>(client: &mut C, response: CopyResponse) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let start = CopyOutResponse::new(
        response.format,
        response.columns as i16,
        response.column_formats(),
    );
    client
        .feed(PgWireBackendMessage::CopyOutResponse(start))
        .await?;
    let mut data = response.data_stream;
    let mut rows = 0;
    while let Some(message) = data.next().await {
        client
            .feed(PgWireBackendMessage::CopyData(message?))
            .await?;
        rows += 1;
    }
    client
        .feed(PgWireBackendMessage::CopyDone(CopyDone::new()))
        .await?;
    let tag = Tag::new("COPY").with_rows(rows);
    client
        .send(PgWireBackendMessage::CommandComplete(tag.into()))
        .await?;
    Ok(())
}

/// The line format of a COPY TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFormat {
    pub csv: bool,
    pub delimiter: char,
    pub null: String,
    pub header: bool,
    pub quote: char,
}

impl CopyFormat {
    fn text() -> Self {
        Self {
            csv: false,
            delimiter: '\t',
            null: "\\N".to_string(),
            header: false,
            quote: '"',
        }
    }

    fn csv() -> Self {
        Self {
            csv: true,
            delimiter: ',',
            null: String::new(),
            header: false,
            quote: '"',
        }
    }
}

/// The format the COPY options ask for (PostgreSQL's defaults per format).
pub fn copy_format(
    options: &[CopyOption],
    legacy: &[CopyLegacyOption],
) -> PgWireResult<CopyFormat> {
    let csv = options
        .iter()
        .any(|o| matches!(o, CopyOption::Format(f) if f.value.eq_ignore_ascii_case("csv")))
        || legacy.iter().any(|o| matches!(o, CopyLegacyOption::Csv(_)));
    let mut format = if csv {
        CopyFormat::csv()
    } else {
        CopyFormat::text()
    };
    for option in options {
        match option {
            CopyOption::Format(f) if f.value.eq_ignore_ascii_case("csv") => {}
            CopyOption::Format(f) if f.value.eq_ignore_ascii_case("text") => {}
            CopyOption::Format(f) => {
                return Err(user_error(
                    SqlState::FeatureNotSupported,
                    format!("COPY format \"{}\" is not supported", f.value),
                ))
            }
            CopyOption::Delimiter(c) => format.delimiter = *c,
            CopyOption::Null(s) => format.null = s.clone(),
            CopyOption::Header(h) => format.header = *h,
            CopyOption::Quote(c) => format.quote = *c,
            CopyOption::Encoding(_) => {}
            other => {
                return Err(user_error(
                    SqlState::FeatureNotSupported,
                    format!("COPY option {other} is not supported"),
                ))
            }
        }
    }
    for option in legacy {
        match option {
            CopyLegacyOption::Csv(csv_options) => {
                for o in csv_options {
                    match o {
                        CopyLegacyCsvOption::Header => format.header = true,
                        CopyLegacyCsvOption::Quote(c) => format.quote = *c,
                        other => {
                            return Err(user_error(
                                SqlState::FeatureNotSupported,
                                format!("COPY option {other} is not supported"),
                            ))
                        }
                    }
                }
            }
            CopyLegacyOption::Delimiter(c) => format.delimiter = *c,
            CopyLegacyOption::Null(s) => format.null = s.clone(),
            other => {
                return Err(user_error(
                    SqlState::FeatureNotSupported,
                    format!("COPY option {other} is not supported"),
                ))
            }
        }
    }
    Ok(format)
}

/// The values of a text-format data row (`None` for NULL).
fn row_values(row: &DataRow) -> Vec<Option<&[u8]>> {
    let mut values = Vec::with_capacity(row.field_count.max(0) as usize);
    let data = &row.data[..];
    let mut at = 0;
    for _ in 0..row.field_count {
        if at + 4 > data.len() {
            break;
        }
        let len = i32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
        at += 4;
        if len < 0 {
            values.push(None);
        } else {
            let end = (at + len as usize).min(data.len());
            values.push(Some(&data[at..end]));
            at = end;
        }
    }
    values
}

fn text_value(value: &[u8], format: &CopyFormat, out: &mut Vec<u8>) {
    for &b in value {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b if u32::from(b) == u32::from(format.delimiter) => {
                out.push(b'\\');
                out.push(b);
            }
            b => out.push(b),
        }
    }
}

fn csv_value(value: &[u8], format: &CopyFormat, out: &mut Vec<u8>) {
    let mut delimiter = [0u8; 4];
    let delimiter = format.delimiter.encode_utf8(&mut delimiter).as_bytes();
    let mut quote = [0u8; 4];
    let quote = format.quote.encode_utf8(&mut quote).as_bytes();
    let needs_quotes = value.is_empty()
        || value == format.null.as_bytes()
        || value.windows(delimiter.len()).any(|w| w == delimiter)
        || value.windows(quote.len()).any(|w| w == quote)
        || value.iter().any(|&b| b == b'\n' || b == b'\r')
        || value == b"\\.";
    if !needs_quotes {
        out.extend_from_slice(value);
        return;
    }
    out.extend_from_slice(quote);
    let mut i = 0;
    while i < value.len() {
        if value[i..].starts_with(quote) {
            out.extend_from_slice(quote);
            out.extend_from_slice(quote);
            i += quote.len();
        } else {
            out.push(value[i]);
            i += 1;
        }
    }
    out.extend_from_slice(quote);
}

/// One COPY line for a data row encoded in text format.
pub fn copy_line(row: &DataRow, format: &CopyFormat) -> Bytes {
    let mut out = Vec::new();
    for (i, value) in row_values(row).into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(format.delimiter.to_string().as_bytes());
        }
        match value {
            None => out.extend_from_slice(format.null.as_bytes()),
            Some(v) if format.csv => csv_value(v, format, &mut out),
            Some(v) => text_value(v, format, &mut out),
        }
    }
    out.push(b'\n');
    Bytes::from(out)
}

/// The HEADER line: the column names, in the format's quoting.
pub fn header_line(names: &[String], format: &CopyFormat) -> Bytes {
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(format.delimiter.to_string().as_bytes());
        }
        if format.csv {
            csv_value(name.as_bytes(), format, &mut out);
        } else {
            text_value(name.as_bytes(), format, &mut out);
        }
    }
    out.push(b'\n');
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use bytes::{BufMut, BytesMut};

    use super::*;

    fn row(values: &[Option<&str>]) -> DataRow {
        let mut data = BytesMut::new();
        for v in values {
            match v {
                None => data.put_i32(-1),
                Some(v) => {
                    data.put_i32(v.len() as i32);
                    data.put_slice(v.as_bytes());
                }
            }
        }
        DataRow::new(data, values.len() as i16)
    }

    fn parse(sql: &str) -> CopyFormat {
        use datafusion::sql::sqlparser::ast::Statement;
        use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
        use datafusion::sql::sqlparser::parser::Parser;
        match Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0)
        {
            Statement::Copy {
                options,
                legacy_options,
                ..
            } => copy_format(&options, &legacy_options).unwrap(),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn text_format_escapes_as_postgresql() {
        let format = parse("COPY (SELECT 1) TO STDOUT");
        let line = copy_line(&row(&[Some("a\tb\\c\nd"), None, Some("")]), &format);
        assert_eq!(&line[..], b"a\\tb\\\\c\\nd\t\\N\t\n");
    }

    #[test]
    fn csv_format_quotes_as_postgresql() {
        let format = parse("COPY (SELECT 1) TO STDOUT (FORMAT csv, HEADER)");
        assert!(format.csv && format.header);
        let line = copy_line(
            &row(&[
                Some("plain"),
                Some("with, comma"),
                Some("say \"hi\""),
                None,
                Some(""),
            ]),
            &format,
        );
        assert_eq!(
            &line[..],
            b"plain,\"with, comma\",\"say \"\"hi\"\"\",,\"\"\n".as_slice()
        );
        let legacy = parse("COPY (SELECT 1) TO STDOUT CSV HEADER");
        assert_eq!(legacy, format);
        assert_eq!(
            &header_line(&["id".into(), "a b".into()], &format)[..],
            b"id,a b\n"
        );
    }
}
