//! String constants continued on the next line, read as PostgreSQL reads them.
//!
//! PostgreSQL joins two string constants separated only by whitespace with at least one
//! newline into one (`SELECT 'multi'` newline `'line'` is `multiline`, named `?column?`);
//! sqlparser reads the second as the first's alias. Before parsing, the closing quote, the
//! whitespace and the opening quote between such constants are taken out of the text.

use std::borrow::Cow;

use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Location, Token, Tokenizer, Whitespace};

/// `text` with continued string constants joined (borrowed when there are none).
pub(crate) fn join_continued_strings(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return Cow::Borrowed(text);
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize_with_location() else {
        return Cow::Borrowed(text);
    };
    let mut cuts = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        if !matches!(tokens[at].token, Token::SingleQuotedString(_)) {
            at += 1;
            continue;
        }
        let mut next = at + 1;
        let mut newline = false;
        while let Some(Token::Whitespace(space)) = tokens.get(next).map(|t| &t.token) {
            match space {
                Whitespace::Newline => newline = true,
                Whitespace::Space | Whitespace::Tab => {}
                _ => break,
            }
            next += 1;
        }
        let continued = newline
            && matches!(
                tokens.get(next).map(|t| &t.token),
                Some(Token::SingleQuotedString(_))
            );
        if continued {
            let (Some(end), Some(start)) = (
                byte_offset(text, tokens[at].span.end),
                byte_offset(text, tokens[next].span.start),
            ) else {
                return Cow::Borrowed(text);
            };
            // From the first constant's closing quote to the second's opening quote.
            cuts.push((end - 1, start + 1));
        }
        at = next;
    }
    if cuts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut joined = text.to_string();
    for (from, to) in cuts.into_iter().rev() {
        joined.replace_range(from..to, "");
    }
    Cow::Owned(joined)
}

/// The byte offset of a tokenizer location (1-based line and character column).
fn byte_offset(text: &str, location: Location) -> Option<usize> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(usize::try_from(location.line).ok()?.checked_sub(1)?)
        .map(str::len)
        .sum();
    let column = usize::try_from(location.column).ok()?.checked_sub(1)?;
    let line = &text[line_start..];
    let within = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .nth(column)?;
    Some(line_start + within)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_on_following_lines_are_one() {
        assert_eq!(
            join_continued_strings("SELECT $$it's$$, 'multi'\n  'line', 'a''b'\n'c'"),
            "SELECT $$it's$$, 'multiline', 'a''bc'"
        );
        assert_eq!(
            join_continued_strings("SELECT 'é'\n'x'\n'y' AS z"),
            "SELECT 'éxy' AS z"
        );
    }

    #[test]
    fn constants_on_one_line_stay_apart() {
        for sql in ["SELECT 'a' 'b'", "SELECT 'a' -- c\n'b'", "SELECT 'a',\n'b'"] {
            assert_eq!(join_continued_strings(sql), sql);
        }
    }
}
