//! Splitting a simple-query string into statements at top-level semicolons.
//!
//! Quotes ('…', "…", E'…', $tag$…$tag$) and comments (`--`, `/* */`, nested) are respected.

/// The statements of `sql`, trimmed, without empty ones.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'\'' => skip_quoted(bytes, i, b'\''),
            b'"' => skip_quoted(bytes, i, b'"'),
            b'-' if bytes.get(i + 1) == Some(&b'-') => skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => skip_block_comment(bytes, i),
            b'$' => skip_dollar_quoted(sql, i),
            b';' => {
                push_trimmed(&mut statements, &sql[start..i]);
                start = i + 1;
                i + 1
            }
            _ => i + 1,
        };
    }
    push_trimmed(&mut statements, &sql[start.min(sql.len())..]);
    statements
}

fn push_trimmed<'a>(statements: &mut Vec<&'a str>, text: &'a str) {
    let trimmed = text.trim();
    if !trimmed.is_empty() && !is_only_comments(trimmed) {
        statements.push(trimmed);
    }
}

fn is_only_comments(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if bytes[i] == b'-' && bytes.get(i + 1) == Some(&b'-') {
            i = skip_line(bytes, i);
        } else if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = skip_block_comment(bytes, i);
        } else {
            return false;
        }
    }
    true
}

/// Index after the closing quote; a doubled quote is an escaped one. Backslash escapes of
/// E'' strings are honoured too (a backslash never ends a standard string anyway).
fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let escape_string = quote == b'\'' && open > 0 && matches!(bytes[open - 1], b'E' | b'e');
    let mut i = open + 1;
    while i < bytes.len() {
        if escape_string && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn skip_line(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| start + p + 1)
}

fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

fn skip_dollar_quoted(sql: &str, start: usize) -> usize {
    let rest = &sql[start + 1..];
    let Some(end) = rest.find('$') else {
        return start + 1;
    };
    let tag = &rest[..end];
    if !tag.chars().all(|c| c.is_alphanumeric() || c == '_')
        || tag.starts_with(|c: char| c.is_ascii_digit())
    {
        return start + 1;
    }
    let delimiter = format!("${tag}$");
    let body_start = start + delimiter.len();
    match sql[body_start..].find(&delimiter) {
        Some(p) => body_start + p + delimiter.len(),
        None => sql.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_semicolons() {
        assert_eq!(
            split_statements("select 1; select 'a;b'; select \"x;\" ;"),
            vec!["select 1", "select 'a;b'", "select \"x;\""]
        );
    }

    #[test]
    fn comments_and_dollar_quotes() {
        assert_eq!(
            split_statements("select 1 -- c;\n; /* a; /* b; */ */ select $q$;$q$; select $1"),
            vec![
                "select 1 -- c;",
                "/* a; /* b; */ */ select $q$;$q$",
                "select $1"
            ]
        );
        assert!(split_statements(" ; -- only\n ;").is_empty());
    }

    #[test]
    fn escaped_quotes() {
        assert_eq!(
            split_statements("select 'it''s;'; select E'a\\';b'"),
            vec!["select 'it''s;'", "select E'a\\';b'"]
        );
    }
}
