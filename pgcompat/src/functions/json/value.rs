//! JSON values as PostgreSQL reads and prints them.
//!
//! [`parse`] reads JSON text with PostgreSQL's grammar and error details (`Expected JSON
//! value, but found "}".`) and keeps each value's position in the text, because `json`
//! (unlike `jsonb`) answers with the text exactly as written (`'{"a": {"b" :  1}}'::json ->
//! 'a'` is `{"b" :  1}`). [`Json::normalized`] turns a parsed value into `jsonb`'s value:
//! object keys deduplicated (the last wins) and sorted by length, then bytewise; numbers as
//! `numeric` prints them (`1.50` stays `1.50`, `1e3` is `1000`, `-0` is `0`).
//! [`Json::jsonb_text`] prints `jsonb`'s output (`{"a": 1, "b": [1, 2]}`),
//! [`Json::compare`] is jsonb's ordering and equality (`1 = 1.0`).

use std::cmp::Ordering;

/// A JSON value. Numbers keep their text; strings are unescaped.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

/// A value and where it was written in the parsed text (empty for built values).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Json,
    pub span: (usize, usize),
}

impl Node {
    /// A value made by a function, not read from text.
    pub fn built(value: Json) -> Self {
        Self {
            value,
            span: (0, 0),
        }
    }

    /// The text this value was read from.
    pub fn source<'a>(&self, text: &'a str) -> &'a str {
        &text[self.span.0..self.span.1]
    }
}

/// Why a text is not JSON: PostgreSQL's detail line of `invalid input syntax for type json`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub detail: String,
    /// `22P05` instead of `22P02` (`\u0000` in jsonb, unpaired surrogates).
    pub untranslatable: bool,
}

/// Parses JSON text as `jsonb` input does (`\u0000` is refused: text cannot hold it).
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    parse_with(text, false)
}

/// Parses JSON text as `json` input does (which keeps `\u0000` escapes as written).
pub fn parse_json(text: &str) -> Result<Node, SyntaxError> {
    parse_with(text, true)
}

fn parse_with(text: &str, keep_nul: bool) -> Result<Node, SyntaxError> {
    let mut parser = Parser {
        text,
        pos: 0,
        keep_nul,
    };
    let node = parser.value()?;
    parser.skip_space();
    if parser.pos < text.len() {
        let token = parser.token_at(parser.pos);
        return Err(parser.expected("end of input", &token));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    keep_nul: bool,
}

impl Parser<'_> {
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The token starting at `at`, as PostgreSQL's lexer delimits it.
    fn token_at(&self, at: usize) -> String {
        let bytes = self.bytes();
        match bytes.get(at) {
            None => String::new(),
            Some(b'{' | b'}' | b'[' | b']' | b',' | b':') => self.text[at..at + 1].to_string(),
            Some(b'"') => {
                let mut end = at + 1;
                while end < bytes.len() && bytes[end] != b'"' {
                    end += if bytes[end] == b'\\' { 2 } else { 1 };
                }
                self.text[at..(end + 1).min(bytes.len())].to_string()
            }
            Some(_) => {
                let mut end = at;
                while end < bytes.len() && !is_delimiter(bytes[end]) {
                    end += 1;
                }
                let end = end.max(at + 1);
                let end = (end..=self.text.len())
                    .find(|e| self.text.is_char_boundary(*e))
                    .unwrap_or(self.text.len());
                self.text[at..end].to_string()
            }
        }
    }

    fn error(&self, detail: String) -> SyntaxError {
        SyntaxError {
            detail,
            untranslatable: false,
        }
    }

    fn expected(&self, what: &str, token: &str) -> SyntaxError {
        if token.is_empty() {
            return self.error("The input string ended unexpectedly.".into());
        }
        if !is_valid_token(token) {
            return self.error(format!("Token \"{token}\" is invalid."));
        }
        self.error(format!("Expected {what}, but found \"{token}\"."))
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        self.skip_space();
        let start = self.pos;
        let value = match self.bytes().get(self.pos) {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Json::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => self.keyword()?,
        };
        Ok(Node {
            value,
            span: (start, self.pos),
        })
    }

    fn keyword(&mut self) -> Result<Json, SyntaxError> {
        let token = self.token_at(self.pos);
        let value = match token.as_str() {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            "null" => Json::Null,
            _ => return Err(self.expected("JSON value", &token)),
        };
        self.pos += token.len();
        Ok(value)
    }

    fn number(&mut self) -> Result<Json, SyntaxError> {
        let token = self.token_at(self.pos);
        if !is_number(&token) {
            return Err(self.error(format!("Token \"{token}\" is invalid.")));
        }
        self.pos += token.len();
        Ok(Json::Number(token))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let bytes = self.bytes();
        let mut out = String::new();
        let mut i = self.pos + 1;
        loop {
            let Some(&b) = bytes.get(i) else {
                return Err(self.error("The input string ended unexpectedly.".into()));
            };
            match b {
                b'"' => break,
                b'\\' => {
                    let (ch, next) = self.escape(i)?;
                    out.push_str(&ch);
                    i = next;
                }
                0..=0x1f => {
                    return Err(
                        self.error(format!("Character with value 0x{b:02x} must be escaped."))
                    )
                }
                _ => {
                    let len = utf8_len(b);
                    out.push_str(&self.text[i..i + len]);
                    i += len;
                }
            }
        }
        self.pos = i + 1;
        Ok(out)
    }

    /// The character of the escape at `at` (a backslash) and the position after it.
    fn escape(&self, at: usize) -> Result<(String, usize), SyntaxError> {
        let bytes = self.bytes();
        let simple = match bytes.get(at + 1) {
            None => return Err(self.error("The input string ended unexpectedly.".into())),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(at),
            Some(_) => {
                let end = (at + 2..=self.text.len())
                    .find(|e| self.text.is_char_boundary(*e))
                    .unwrap_or(self.text.len());
                return Err(self.error(format!(
                    "Escape sequence \"{}\" is invalid.",
                    &self.text[at..end]
                )));
            }
        };
        Ok((simple.to_string(), at + 2))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.text.get(at..at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    }

    fn unicode_escape(&self, at: usize) -> Result<(String, usize), SyntaxError> {
        let invalid = || {
            let end = self.text[at..]
                .char_indices()
                .nth(6)
                .map_or(self.text.len(), |(i, _)| at + i);
            let _ = end;
            self.error("\"\\u\" must be followed by four hexadecimal digits.".to_string())
        };
        let code = self.hex4(at + 2).ok_or_else(invalid)?;
        let untranslatable = |detail: &str| SyntaxError {
            detail: detail.to_string(),
            untranslatable: true,
        };
        if code == 0 && self.keep_nul {
            return Ok(("\u{0}".to_string(), at + 6));
        }
        if code == 0 {
            return Err(untranslatable("\\u0000 cannot be converted to text."));
        }
        if (0xD800..0xDC00).contains(&code) {
            let low = (self.text.get(at + 6..at + 8) == Some("\\u"))
                .then(|| self.hex4(at + 8))
                .flatten()
                .filter(|low| (0xDC00..0xE000).contains(low))
                .ok_or_else(|| {
                    untranslatable("Unicode high surrogate must not follow a high surrogate.")
                })?;
            let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            let ch = char::from_u32(combined).unwrap_or('\u{FFFD}');
            return Ok((ch.to_string(), at + 12));
        }
        if (0xDC00..0xE000).contains(&code) {
            return Err(untranslatable(
                "Unicode low surrogate must follow a high surrogate.",
            ));
        }
        let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
        Ok((ch.to_string(), at + 6))
    }

    fn array(&mut self) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.bytes().get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.bytes().get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => {
                    let token = self.token_at(self.pos);
                    return Err(self.expected("\",\" or \"]\"", &token));
                }
            }
        }
    }

    fn object(&mut self) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_space();
        if self.bytes().get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_space();
            if self.bytes().get(self.pos) != Some(&b'"') {
                let token = self.token_at(self.pos);
                let what = if members.is_empty() {
                    "string or \"}\""
                } else {
                    "string"
                };
                return Err(self.expected(what, &token));
            }
            let key = self.string()?;
            self.skip_space();
            if self.bytes().get(self.pos) != Some(&b':') {
                let token = self.token_at(self.pos);
                return Err(self.expected("\":\"", &token));
            }
            self.pos += 1;
            members.push((key, self.value()?));
            self.skip_space();
            match self.bytes().get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => {
                    let token = self.token_at(self.pos);
                    return Err(self.expected("\",\" or \"}\"", &token));
                }
            }
        }
    }
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'}' | b'[' | b']' | b',' | b':' | b'"'
    )
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn is_valid_token(token: &str) -> bool {
    matches!(token, "true" | "false" | "null")
        || token.starts_with('"')
        || is_number(token)
        || matches!(token, "{" | "}" | "[" | "]" | "," | ":")
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_number(token: &str) -> bool {
    let b = token.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let start = i;
    let int = digits(&mut i);
    if int == 0 || (int > 1 && b[start] == b'0') {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

// ---- numbers -------------------------------------------------------------------------------

/// A number as sign, significant digits and the power of ten of the last digit; `scale` is
/// the count of fractional digits `numeric` displays.
#[derive(Debug, Clone, PartialEq)]
struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
    scale: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Self> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let all = format!("{int}{frac}");
        if !all.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let frac_len = frac.len() as i64;
        let trimmed = all.trim_start_matches('0');
        let digits = trimmed.trim_end_matches('0');
        let exponent = exp - frac_len + (trimmed.len() - digits.len()) as i64;
        Some(Self {
            negative: negative && !digits.is_empty(),
            digits: digits.to_string(),
            exponent: if digits.is_empty() { 0 } else { exponent },
            scale: (frac_len - exp).max(0),
        })
    }

    /// `numeric`'s text: every digit, `scale` fractional digits.
    fn text(&self) -> String {
        let scale = self.scale.max(-self.exponent).max(0) as usize;
        // The value's digits with `scale` fractional digits.
        let zeros = (self.exponent + scale as i64).max(0) as usize;
        let mut all = format!("{}{}", self.digits, "0".repeat(zeros));
        if all.len() <= scale {
            all = format!("{}{all}", "0".repeat(scale + 1 - all.len()));
        }
        let (int, frac) = all.split_at(all.len() - scale);
        let sign = if self.negative { "-" } else { "" };
        match frac.is_empty() {
            true => format!("{sign}{int}"),
            false => format!("{sign}{int}.{frac}"),
        }
    }

    fn compare(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let magnitude = self.compare_magnitude(other);
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }

    fn compare_magnitude(&self, other: &Self) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let top = |d: &Self| d.digits.len() as i64 + d.exponent;
        top(self).cmp(&top(other)).then_with(|| {
            let width = self.digits.len().max(other.digits.len());
            let pad = |d: &str| format!("{d:0<width$}");
            pad(&self.digits).cmp(&pad(&other.digits))
        })
    }
}

/// jsonb's text of a JSON number (as `numeric` prints it).
pub fn normalize_number(text: &str) -> String {
    Decimal::parse(text).map_or_else(|| text.to_string(), |d| d.text())
}

// ---- jsonb ---------------------------------------------------------------------------------

/// jsonb's order of object keys: shorter first, then bytewise.
fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Json {
    /// jsonb's value of a parsed value (see the module comment).
    pub fn normalized(self) -> Json {
        match self {
            Json::Number(text) => Json::Number(normalize_number(&text)),
            Json::Array(items) => Json::Array(
                items
                    .into_iter()
                    .map(|n| Node::built(n.value.normalized()))
                    .collect(),
            ),
            Json::Object(members) => {
                let mut out: Vec<(String, Node)> = Vec::with_capacity(members.len());
                for (key, node) in members {
                    let value = Node::built(node.value.normalized());
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = value,
                        None => out.push((key, value)),
                    }
                }
                out.sort_by(|a, b| key_order(&a.0, &b.0));
                Json::Object(out)
            }
            other => other,
        }
    }

    /// jsonb's output text.
    pub fn jsonb_text(&self) -> String {
        let mut out = String::new();
        self.write_jsonb(&mut out);
        out
    }

    fn write_jsonb(&self, out: &mut String) {
        match self {
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.value.write_jsonb(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_string(key, out);
                    out.push_str(": ");
                    value.value.write_jsonb(out);
                }
                out.push('}');
            }
            scalar => scalar.write_scalar(out),
        }
    }

    fn write_scalar(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_string(s, out),
            Json::Array(_) | Json::Object(_) => self.write_jsonb(out),
        }
    }

    /// `jsonb_pretty`'s text: four spaces per level, empty containers on two lines.
    pub fn pretty_text(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    fn write_pretty(&self, out: &mut String, level: usize) {
        let (open, close, items): (char, char, Vec<(Option<&str>, &Json)>) = match self {
            Json::Array(items) => ('[', ']', items.iter().map(|n| (None, &n.value)).collect()),
            Json::Object(members) => (
                '{',
                '}',
                members
                    .iter()
                    .map(|(k, n)| (Some(k.as_str()), &n.value))
                    .collect(),
            ),
            scalar => return scalar.write_scalar(out),
        };
        let indent = |out: &mut String, level: usize| out.push_str(&"    ".repeat(level));
        out.push(open);
        out.push('\n');
        for (i, (key, value)) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            indent(out, level + 1);
            if let Some(key) = key {
                write_string(key, out);
                out.push_str(": ");
            }
            value.write_pretty(out, level + 1);
        }
        if !items.is_empty() {
            out.push('\n');
        }
        indent(out, level);
        out.push(close);
    }

    /// `jsonb_typeof`'s name of the value's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// The text `->>` and `#>>` give: a string unquoted, NULL for null, else the JSON text.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Json::Null => None,
            Json::String(s) => Some(s.clone()),
            other => Some(other.jsonb_text()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Json::Null => 0,
            Json::String(_) => 1,
            Json::Number(_) => 2,
            Json::Bool(_) => 3,
            Json::Array(_) => 4,
            Json::Object(_) => 5,
        }
    }

    /// jsonb's ordering (btree): object > array > boolean > number > string > null; more
    /// members or elements first decide, then members in their stored order (keys compared
    /// as strings, then values), elements in order.
    pub fn compare(&self, other: &Json) -> Ordering {
        match (self, other) {
            (Json::Number(a), Json::Number(b)) => match (Decimal::parse(a), Decimal::parse(b)) {
                (Some(a), Some(b)) => a.compare(&b),
                _ => a.cmp(b),
            },
            (Json::String(a), Json::String(b)) => a.cmp(b),
            (Json::Bool(a), Json::Bool(b)) => a.cmp(b),
            (Json::Array(a), Json::Array(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| x.value.compare(&y.value))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            (Json::Object(a), Json::Object(b)) => a.len().cmp(&b.len()).then_with(|| {
                a.iter()
                    .zip(b)
                    .map(|((ka, va), (kb, vb))| {
                        ka.cmp(kb).then_with(|| va.value.compare(&vb.value))
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            }),
            _ => self.rank().cmp(&other.rank()),
        }
    }

    /// jsonb's `@>`: every member of `other` is in `self` (arrays: every element of
    /// `other` is contained in some element of `self`; a scalar array contains the scalar).
    pub fn contains(&self, other: &Json) -> bool {
        match (self, other) {
            (Json::Object(a), Json::Object(b)) => b.iter().all(|(key, want)| {
                a.iter()
                    .find(|(k, _)| k == key)
                    .is_some_and(|(_, have)| have.value.contains_nested(&want.value))
            }),
            (Json::Array(a), Json::Array(b)) => b
                .iter()
                .all(|want| a.iter().any(|have| have.value.contains_nested(&want.value))),
            (Json::Array(a), scalar) if !matches!(scalar, Json::Object(_)) => {
                a.iter().any(|have| have.value.compare(scalar).is_eq())
            }
            (a, b) => a.compare(b).is_eq(),
        }
    }

    fn contains_nested(&self, want: &Json) -> bool {
        match (self, want) {
            (Json::Object(_), Json::Object(_)) | (Json::Array(_), Json::Array(_)) => {
                self.contains(want)
            }
            (Json::Array(_), _) | (Json::Object(_), _) | (_, Json::Array(_)) => false,
            (a, b) => a.compare(b).is_eq(),
        }
    }

    /// `?`: a key of an object, a string element of an array, or the string itself.
    pub fn has_key(&self, key: &str) -> bool {
        match self {
            Json::Object(members) => members.iter().any(|(k, _)| k == key),
            Json::Array(items) => items
                .iter()
                .any(|n| matches!(&n.value, Json::String(s) if s == key)),
            Json::String(s) => s == key,
            _ => false,
        }
    }
}

impl Json {
    /// A byte string whose bytewise order is [`Json::compare`]'s order (for sorting jsonb
    /// values where DataFusion sorts: by this key instead of the text).
    pub fn sort_key(&self) -> Vec<u8> {
        let mut key = Vec::new();
        self.write_key(&mut key);
        key
    }

    fn write_key(&self, key: &mut Vec<u8>) {
        key.push(self.rank());
        match self {
            Json::Null => {}
            Json::Bool(b) => key.push(u8::from(*b)),
            Json::String(s) => write_key_bytes(s.as_bytes(), key),
            Json::Number(n) => match Decimal::parse(n) {
                Some(d) => d.write_key(key),
                None => write_key_bytes(n.as_bytes(), key),
            },
            Json::Array(items) => {
                key.extend_from_slice(&(items.len() as u32).to_be_bytes());
                items.iter().for_each(|n| n.value.write_key(key));
            }
            Json::Object(members) => {
                key.extend_from_slice(&(members.len() as u32).to_be_bytes());
                for (name, value) in members {
                    write_key_bytes(name.as_bytes(), key);
                    value.value.write_key(key);
                }
            }
        }
    }
}

/// Bytes that sort as the string and end unambiguously (0 is escaped as 0 1, the end is 0 0).
fn write_key_bytes(bytes: &[u8], key: &mut Vec<u8>) {
    for &b in bytes {
        key.push(b);
        if b == 0 {
            key.push(1);
        }
    }
    key.extend_from_slice(&[0, 0]);
}

impl Decimal {
    /// Negative < zero < positive; a larger magnitude's key is larger for positives and
    /// smaller (the bytes inverted) for negatives.
    fn write_key(&self, key: &mut Vec<u8>) {
        if self.digits.is_empty() {
            key.push(1);
            return;
        }
        let top = self.digits.len() as i64 + self.exponent;
        let mut magnitude = ((top + (1 << 31)) as u32).to_be_bytes().to_vec();
        magnitude.extend(self.digits.bytes().map(|d| d - b'0' + 1));
        magnitude.push(0);
        if self.negative {
            key.push(0);
            key.extend(magnitude.iter().map(|b| !b));
        } else {
            key.push(2);
            key.extend(magnitude);
        }
    }
}

/// A JSON string literal with PostgreSQL's escapes.
pub fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `text` as a JSON string literal.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_string(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jsonb(text: &str) -> String {
        parse(text).unwrap().value.normalized().jsonb_text()
    }

    fn detail(text: &str) -> String {
        parse(text).unwrap_err().detail
    }

    #[test]
    fn jsonb_output_sorts_and_deduplicates_keys() {
        assert_eq!(
            jsonb(r#"{"b": 1, "a": [1, 2.50, "x"], "a": null}"#),
            r#"{"a": null, "b": 1}"#
        );
        assert_eq!(
            jsonb(r#"{"bb":1,"a":2,"c":{}}"#),
            r#"{"a": 2, "c": {}, "bb": 1}"#
        );
        assert_eq!(jsonb(" [ ] "), "[]");
        assert_eq!(jsonb(r#""\u00e9\n""#), "\"é\\n\"");
    }

    #[test]
    fn numbers_print_as_numeric() {
        for (input, output) in [
            ("1e3", "1000"),
            ("1.50e1", "15.0"),
            ("-0", "0"),
            ("1E-2", "0.01"),
            ("-0.0", "0.0"),
            ("0.1e-5", "0.000001"),
            ("12.50", "12.50"),
            ("-12", "-12"),
            ("100", "100"),
            ("1.5e+2", "150"),
        ] {
            assert_eq!(normalize_number(input), output, "{input}");
        }
    }

    #[test]
    fn syntax_errors_have_postgres_details() {
        assert_eq!(
            detail(r#"{"a": }"#),
            "Expected JSON value, but found \"}\"."
        );
        assert_eq!(detail("[1,2"), "The input string ended unexpectedly.");
        assert_eq!(detail("abc"), "Token \"abc\" is invalid.");
        assert_eq!(detail(r#"{"a":1} x"#), "Token \"x\" is invalid.");
        assert_eq!(detail(r#"{"a" 1}"#), "Expected \":\", but found \"1\".");
        assert_eq!(detail("[1 2]"), "Expected \",\" or \"]\", but found \"2\".");
        assert_eq!(detail("01"), "Token \"01\" is invalid.");
        assert_eq!(detail(""), "The input string ended unexpectedly.");
    }

    #[test]
    fn json_keeps_source_text() {
        let text = r#"{"a": {"b" :  1}}"#;
        let node = parse(text).unwrap();
        let Json::Object(members) = &node.value else {
            panic!()
        };
        assert_eq!(members[0].1.source(text), r#"{"b" :  1}"#);
    }

    #[test]
    fn ordering_and_containment() {
        let v = |t: &str| parse(t).unwrap().value.normalized();
        assert!(v(r#"{"a": 1}"#).compare(&v(r#"{"a": 1.0}"#)).is_eq());
        assert!(v("[1, 2]").compare(&v("[2, 1]")).is_ne());
        assert!(v("2").compare(&v("10")).is_lt());
        assert!(v("-2").compare(&v("-10")).is_gt());
        assert!(v(r#"{"a": 1, "b": [1, 2]}"#).contains(&v(r#"{"b": [2]}"#)));
        assert!(!v(r#"{"a": 1}"#).contains(&v(r#"{"a": 2}"#)));
        assert!(v(r#"["a", 1]"#).contains(&v(r#""a""#)));
        assert!(v(r#"["a"]"#).has_key("a"));
    }

    #[test]
    fn sort_keys_order_like_compare() {
        let texts = [
            "null",
            "\"\"",
            "\"a\"",
            "\"ab\"",
            "\"b\"",
            "-10",
            "-2",
            "-1.5",
            "0",
            "0.5",
            "1",
            "2",
            "10",
            "false",
            "true",
            "[]",
            "[2]",
            "[10]",
            "[1, 2]",
            "{}",
            "{\"aa\": 1}",
            "{\"b\": 1}",
            "{\"a\": 1, \"b\": 1}",
        ];
        let values: Vec<Json> = texts
            .iter()
            .map(|t| parse(t).unwrap().value.normalized())
            .collect();
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                assert_eq!(
                    a.sort_key().cmp(&b.sort_key()),
                    i.cmp(&j),
                    "{} vs {}",
                    texts[i],
                    texts[j]
                );
                assert_eq!(a.compare(b), i.cmp(&j), "{} vs {}", texts[i], texts[j]);
            }
        }
        let one = parse("1.0").unwrap().value.normalized();
        assert_eq!(one.sort_key(), values[10].sort_key());
    }

    #[test]
    fn pretty_prints_like_jsonb_pretty() {
        let v = parse(r#"{"a": [1, {"b": null}], "c": {}}"#)
            .unwrap()
            .value
            .normalized();
        assert_eq!(
            v.pretty_text(),
            "{\n    \"a\": [\n        1,\n        {\n            \"b\": null\n        }\n    ],\n    \"c\": {\n    }\n}"
        );
    }
}
