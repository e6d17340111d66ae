//! PostgreSQL's formatting templates, parsed into nodes: the date/time patterns of
//! `to_char`, `to_date` and `to_timestamp` (`YYYY`, `Mon`, `HH24`, with the `FM`/`TM`
//! prefixes and `TH`/`th`/`SP` suffixes) and the number patterns of `to_char` (`9`, `0`,
//! `.`, `,`, `D`, `G`, `S`, `PR`, `MI`, `PL`, `SG`, `EEEE`, `FM`, `V`, `RN`, `TH`, `L`).
//!
//! As in PostgreSQL, a keyword is found by trying the patterns that start with the same
//! character in a fixed order (`HH24` before `HH`, `Month` before `Mon`) and matching is
//! case-sensitive (`Month` capitalises, `MONTH` and `month` do not). Text in double quotes
//! is literal, a backslash inside quotes escapes the next character and outside quotes only
//! a double quote; everything else is copied.

/// How a name is capitalised in output (`MONTH`, `Month`, `month`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Upper,
    Capital,
    Lower,
}

impl Case {
    pub fn apply(self, name: &str) -> String {
        match self {
            Case::Upper => name.to_ascii_uppercase(),
            Case::Lower => name.to_ascii_lowercase(),
            Case::Capital => name.to_string(),
        }
    }
}

/// The calendar a date field belongs to (mixing them is an error in `to_date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateMode {
    None,
    Gregorian,
    IsoWeek,
}

/// A date/time pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKey {
    /// `AD`, `A.D.`, `BC`, `B.C.` and lower case: the era.
    Era {
        dots: bool,
        lower: bool,
    },
    /// `AM`, `A.M.`, `PM`, `P.M.` and lower case: the meridiem.
    Meridiem {
        dots: bool,
        lower: bool,
    },
    CC,
    Day(Case),
    Ddd,
    Dd,
    Dy(Case),
    D,
    Ff(u8),
    Fx,
    Hh24,
    Hh12,
    Hh,
    Iddd,
    Id,
    Iw,
    Iyyy,
    Iyy,
    Iy,
    I,
    J,
    Mi,
    Mm,
    Month(Case),
    Mon(Case),
    Ms,
    Of,
    Q,
    Rm {
        lower: bool,
    },
    Ssss,
    Ss,
    Tzh,
    Tzm,
    Tz {
        lower: bool,
    },
    Us,
    Ww,
    W,
    YComma,
    Yyyy,
    Yyy,
    Yy,
    Y,
}

impl DateKey {
    /// Whether the pattern reads digits (a following pattern of digits makes a fixed-width
    /// field in `to_date`).
    pub fn is_digit(self) -> bool {
        !matches!(
            self,
            DateKey::Era { .. }
                | DateKey::Meridiem { .. }
                | DateKey::Day(_)
                | DateKey::Dy(_)
                | DateKey::Ff(_)
                | DateKey::Fx
                | DateKey::Month(_)
                | DateKey::Mon(_)
                | DateKey::Of
                | DateKey::Rm { .. }
                | DateKey::Tzh
                | DateKey::Tz { .. }
        )
    }

    pub fn date_mode(self) -> DateMode {
        match self {
            DateKey::Ddd
            | DateKey::Dd
            | DateKey::D
            | DateKey::Mm
            | DateKey::Month(_)
            | DateKey::Mon(_)
            | DateKey::Rm { .. }
            | DateKey::Ww
            | DateKey::W
            | DateKey::YComma
            | DateKey::Yyyy
            | DateKey::Yyy
            | DateKey::Yy
            | DateKey::Y => DateMode::Gregorian,
            DateKey::Iddd
            | DateKey::Id
            | DateKey::Iw
            | DateKey::Iyyy
            | DateKey::Iyy
            | DateKey::Iy
            | DateKey::I => DateMode::IsoWeek,
            _ => DateMode::None,
        }
    }
}

/// PostgreSQL's date/time patterns in its search order: for each first character, longer
/// and capitalised forms first.
const DATE_KEYS: &[(&str, DateKey)] = &[
    (
        "A.D.",
        DateKey::Era {
            dots: true,
            lower: false,
        },
    ),
    (
        "A.M.",
        DateKey::Meridiem {
            dots: true,
            lower: false,
        },
    ),
    (
        "AD",
        DateKey::Era {
            dots: false,
            lower: false,
        },
    ),
    (
        "AM",
        DateKey::Meridiem {
            dots: false,
            lower: false,
        },
    ),
    (
        "B.C.",
        DateKey::Era {
            dots: true,
            lower: false,
        },
    ),
    (
        "BC",
        DateKey::Era {
            dots: false,
            lower: false,
        },
    ),
    ("CC", DateKey::CC),
    ("DAY", DateKey::Day(Case::Upper)),
    ("DDD", DateKey::Ddd),
    ("DD", DateKey::Dd),
    ("DY", DateKey::Dy(Case::Upper)),
    ("Day", DateKey::Day(Case::Capital)),
    ("Dy", DateKey::Dy(Case::Capital)),
    ("D", DateKey::D),
    ("FF1", DateKey::Ff(1)),
    ("FF2", DateKey::Ff(2)),
    ("FF3", DateKey::Ff(3)),
    ("FF4", DateKey::Ff(4)),
    ("FF5", DateKey::Ff(5)),
    ("FF6", DateKey::Ff(6)),
    ("FX", DateKey::Fx),
    ("HH24", DateKey::Hh24),
    ("HH12", DateKey::Hh12),
    ("HH", DateKey::Hh),
    ("IDDD", DateKey::Iddd),
    ("ID", DateKey::Id),
    ("IW", DateKey::Iw),
    ("IYYY", DateKey::Iyyy),
    ("IYY", DateKey::Iyy),
    ("IY", DateKey::Iy),
    ("I", DateKey::I),
    ("J", DateKey::J),
    ("MI", DateKey::Mi),
    ("MM", DateKey::Mm),
    ("MONTH", DateKey::Month(Case::Upper)),
    ("MON", DateKey::Mon(Case::Upper)),
    ("MS", DateKey::Ms),
    ("Month", DateKey::Month(Case::Capital)),
    ("Mon", DateKey::Mon(Case::Capital)),
    ("OF", DateKey::Of),
    (
        "P.M.",
        DateKey::Meridiem {
            dots: true,
            lower: false,
        },
    ),
    (
        "PM",
        DateKey::Meridiem {
            dots: false,
            lower: false,
        },
    ),
    ("Q", DateKey::Q),
    ("RM", DateKey::Rm { lower: false }),
    ("SSSSS", DateKey::Ssss),
    ("SSSS", DateKey::Ssss),
    ("SS", DateKey::Ss),
    ("TZH", DateKey::Tzh),
    ("TZM", DateKey::Tzm),
    ("TZ", DateKey::Tz { lower: false }),
    ("US", DateKey::Us),
    ("WW", DateKey::Ww),
    ("W", DateKey::W),
    ("Y,YYY", DateKey::YComma),
    ("YYYY", DateKey::Yyyy),
    ("YYY", DateKey::Yyy),
    ("YY", DateKey::Yy),
    ("Y", DateKey::Y),
    (
        "a.d.",
        DateKey::Era {
            dots: true,
            lower: true,
        },
    ),
    (
        "a.m.",
        DateKey::Meridiem {
            dots: true,
            lower: true,
        },
    ),
    (
        "ad",
        DateKey::Era {
            dots: false,
            lower: true,
        },
    ),
    (
        "am",
        DateKey::Meridiem {
            dots: false,
            lower: true,
        },
    ),
    (
        "b.c.",
        DateKey::Era {
            dots: true,
            lower: true,
        },
    ),
    (
        "bc",
        DateKey::Era {
            dots: false,
            lower: true,
        },
    ),
    ("cc", DateKey::CC),
    ("day", DateKey::Day(Case::Lower)),
    ("ddd", DateKey::Ddd),
    ("dd", DateKey::Dd),
    ("dy", DateKey::Dy(Case::Lower)),
    ("d", DateKey::D),
    ("ff1", DateKey::Ff(1)),
    ("ff2", DateKey::Ff(2)),
    ("ff3", DateKey::Ff(3)),
    ("ff4", DateKey::Ff(4)),
    ("ff5", DateKey::Ff(5)),
    ("ff6", DateKey::Ff(6)),
    ("fx", DateKey::Fx),
    ("hh24", DateKey::Hh24),
    ("hh12", DateKey::Hh12),
    ("hh", DateKey::Hh),
    ("iddd", DateKey::Iddd),
    ("id", DateKey::Id),
    ("iw", DateKey::Iw),
    ("iyyy", DateKey::Iyyy),
    ("iyy", DateKey::Iyy),
    ("iy", DateKey::Iy),
    ("i", DateKey::I),
    ("j", DateKey::J),
    ("mi", DateKey::Mi),
    ("mm", DateKey::Mm),
    ("month", DateKey::Month(Case::Lower)),
    ("mon", DateKey::Mon(Case::Lower)),
    ("ms", DateKey::Ms),
    ("of", DateKey::Of),
    (
        "p.m.",
        DateKey::Meridiem {
            dots: true,
            lower: true,
        },
    ),
    (
        "pm",
        DateKey::Meridiem {
            dots: false,
            lower: true,
        },
    ),
    ("q", DateKey::Q),
    ("rm", DateKey::Rm { lower: true }),
    ("sssss", DateKey::Ssss),
    ("ssss", DateKey::Ssss),
    ("ss", DateKey::Ss),
    ("tzh", DateKey::Tzh),
    ("tzm", DateKey::Tzm),
    ("tz", DateKey::Tz { lower: true }),
    ("us", DateKey::Us),
    ("ww", DateKey::Ww),
    ("w", DateKey::W),
    ("y,yyy", DateKey::YComma),
    ("yyyy", DateKey::Yyyy),
    ("yyy", DateKey::Yyy),
    ("yy", DateKey::Yy),
    ("y", DateKey::Y),
];

/// A number pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumKey {
    Comma,
    Point,
    Zero,
    Nine,
    B,
    C,
    D,
    Eeee,
    Fm,
    G,
    L,
    Mi,
    Pl,
    Pr,
    Rn { lower: bool },
    Sg,
    Sp,
    S,
    Th { lower: bool },
    V,
}

const NUM_KEYS: &[(&str, NumKey)] = &[
    (",", NumKey::Comma),
    (".", NumKey::Point),
    ("0", NumKey::Zero),
    ("9", NumKey::Nine),
    ("B", NumKey::B),
    ("C", NumKey::C),
    ("D", NumKey::D),
    ("EEEE", NumKey::Eeee),
    ("FM", NumKey::Fm),
    ("G", NumKey::G),
    ("L", NumKey::L),
    ("MI", NumKey::Mi),
    ("PL", NumKey::Pl),
    ("PR", NumKey::Pr),
    ("RN", NumKey::Rn { lower: false }),
    ("SG", NumKey::Sg),
    ("SP", NumKey::Sp),
    ("S", NumKey::S),
    ("TH", NumKey::Th { lower: false }),
    ("V", NumKey::V),
    ("b", NumKey::B),
    ("c", NumKey::C),
    ("d", NumKey::D),
    ("eeee", NumKey::Eeee),
    ("fm", NumKey::Fm),
    ("g", NumKey::G),
    ("l", NumKey::L),
    ("mi", NumKey::Mi),
    ("pl", NumKey::Pl),
    ("pr", NumKey::Pr),
    ("rn", NumKey::Rn { lower: true }),
    ("sg", NumKey::Sg),
    ("sp", NumKey::Sp),
    ("s", NumKey::S),
    ("th", NumKey::Th { lower: true }),
    ("v", NumKey::V),
];

/// `TH` or `th` after a date/time pattern: an ordinal suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordinal {
    Upper,
    Lower,
}

/// A date/time pattern with its modifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateField {
    pub key: DateKey,
    /// The pattern as written in the template (for error messages).
    pub name: &'static str,
    /// `FM`: no padding.
    pub fill_mode: bool,
    /// `TM`: translation mode (names unpadded).
    pub translate: bool,
    pub ordinal: Option<Ordinal>,
}

/// A node of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<K> {
    Key(K),
    /// A literal character (quoted text, or a character that is no pattern).
    Char(char),
    /// A white-space character outside quotes.
    Space(char),
    /// An ASCII punctuation character outside quotes (date/time templates only).
    Separator(char),
}

impl<K> Node<K> {
    /// The character a literal node prints.
    pub fn literal(&self) -> Option<char> {
        match self {
            Node::Char(c) | Node::Space(c) | Node::Separator(c) => Some(*c),
            Node::Key(_) => None,
        }
    }
}

fn find_key<K: Copy>(keys: &[(&'static str, K)], rest: &str) -> Option<(&'static str, K)> {
    let first = rest.chars().next()?;
    if !(first > ' ' && first < '~') {
        return None;
    }
    keys.iter()
        .skip_while(|(name, _)| !name.starts_with(first))
        .take_while(|(name, _)| name.starts_with(first))
        .find(|(name, _)| rest.starts_with(name))
        .copied()
}

/// PostgreSQL's separator characters: ASCII punctuation.
pub fn is_separator(c: char) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_alphanumeric()
}

/// Reads the literal text at the start of `rest` (a quoted string, an escaped quote, one
/// character) into `nodes`; returns how many bytes it used.
fn literal<K>(rest: &str, nodes: &mut Vec<Node<K>>, separators: bool) -> usize {
    let mut chars = rest.char_indices().peekable();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    if first == '"' {
        let mut used = 1;
        while let Some((i, c)) = chars.next() {
            used = i + c.len_utf8();
            if c == '"' {
                return used;
            }
            let c = if c == '\\' {
                match chars.next() {
                    Some((j, escaped)) => {
                        used = j + escaped.len_utf8();
                        escaped
                    }
                    None => c,
                }
            } else {
                c
            };
            nodes.push(Node::Char(c));
        }
        return used;
    }
    if first == '\\' && rest[1..].starts_with('"') {
        nodes.push(Node::Char('"'));
        return 2;
    }
    nodes.push(if separators && is_separator(first) {
        Node::Separator(first)
    } else if first.is_whitespace() {
        Node::Space(first)
    } else {
        Node::Char(first)
    });
    first.len_utf8()
}

/// Parses a date/time template.
pub fn parse_date_template(template: &str) -> Vec<Node<DateField>> {
    let mut nodes = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let mut fill_mode = false;
        let mut translate = false;
        for (prefix, is_fm) in [("FM", true), ("fm", true), ("TM", false), ("tm", false)] {
            if let Some(after) = rest.strip_prefix(prefix) {
                if is_fm {
                    fill_mode = true;
                } else {
                    translate = true;
                }
                rest = after;
                break;
            }
        }
        if rest.is_empty() {
            break;
        }
        if let Some((name, key)) = find_key(DATE_KEYS, rest) {
            rest = &rest[name.len()..];
            let mut ordinal = None;
            if let Some(after) = rest.strip_prefix("TH") {
                ordinal = Some(Ordinal::Upper);
                rest = after;
            } else if let Some(after) = rest.strip_prefix("th") {
                ordinal = Some(Ordinal::Lower);
                rest = after;
            } else if let Some(after) = rest.strip_prefix("SP") {
                rest = after;
            }
            nodes.push(Node::Key(DateField {
                key,
                name,
                fill_mode,
                translate,
                ordinal,
            }));
        } else {
            let used = literal(rest, &mut nodes, true);
            rest = &rest[used..];
        }
    }
    nodes
}

/// Parses a number template.
pub fn parse_number_template(template: &str) -> Vec<Node<NumKey>> {
    let mut nodes = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some((name, key)) = find_key(NUM_KEYS, rest) {
            rest = &rest[name.len()..];
            nodes.push(Node::Key(key));
        } else {
            let used = literal(rest, &mut nodes, false);
            rest = &rest[used..];
        }
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(template: &str) -> Vec<String> {
        parse_date_template(template)
            .into_iter()
            .map(|n| match n {
                Node::Key(f) => {
                    let fm = if f.fill_mode { "FM" } else { "" };
                    let th = match f.ordinal {
                        Some(Ordinal::Upper) => "TH",
                        Some(Ordinal::Lower) => "th",
                        None => "",
                    };
                    format!("{fm}{}{th}", f.name)
                }
                other => format!("'{}'", other.literal().unwrap()),
            })
            .collect()
    }

    #[test]
    fn longest_patterns_first() {
        assert_eq!(keys("HH24:MI"), ["HH24", "':'", "MI"]);
        assert_eq!(keys("Month Mon"), ["Month", "' '", "Mon"]);
        assert_eq!(keys("FMDDth"), ["FMDDth"]);
        assert_eq!(keys("Mm mI"), ["'M'", "'m'", "' '", "'m'", "I"]);
        assert_eq!(keys("SSSSS"), ["SSSSS"]);
    }

    #[test]
    fn quoted_text_and_backslashes() {
        assert_eq!(keys("\"Y\\\"\"Y"), ["'Y'", "'\"'", "Y"]);
        assert_eq!(keys("\\\"Y"), ["'\"'", "Y"]);
        assert_eq!(keys("\\Y"), ["'\\'", "Y"]);
    }

    #[test]
    fn number_patterns() {
        let nodes = parse_number_template("FM9,990.00PR");
        assert_eq!(nodes[0], Node::Key(NumKey::Fm));
        assert_eq!(nodes.len(), 10);
        assert_eq!(nodes[9], Node::Key(NumKey::Pr));
    }
}
