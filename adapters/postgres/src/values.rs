//! Decoders of single values in PostgreSQL's binary format (what the types' `*_send`
//! functions write, and what `COPY ... (FORMAT binary)` carries).
//!
//! Every decoder checks the length it is given; a wrong length is a protocol error (08P01),
//! never a panic. Values Arrow cannot hold (±infinity dates, NaN decimals, decimals that would
//! need rounding) are errors too: the caller adds the column name.

use std::fmt::Write as _;

use datafusion::arrow::datatypes::IntervalMonthDayNano;
use fedgate_adapter_api::SqlState;

/// A value that could not be decoded: SQLSTATE + message (without the column name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub sqlstate: SqlState,
    pub message: String,
}

pub type ValueResult<T> = Result<T, ValueError>;

impl ValueError {
    pub fn new(sqlstate: SqlState, message: impl Into<String>) -> Self {
        Self {
            sqlstate,
            message: message.into(),
        }
    }

    /// 08P01: the bytes do not have the shape of the type.
    pub fn malformed(what: &str) -> Self {
        Self::new(
            SqlState::ProtocolViolation,
            format!("malformed binary {what} value"),
        )
    }
}

/// Days from 1970-01-01 (Arrow) to 2000-01-01 (PostgreSQL).
const PG_EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

fn fixed<const N: usize>(bytes: &[u8], what: &str) -> ValueResult<[u8; N]> {
    bytes.try_into().map_err(|_| ValueError::malformed(what))
}

pub fn bool(bytes: &[u8]) -> ValueResult<bool> {
    Ok(fixed::<1>(bytes, "bool")?[0] != 0)
}

/// `int2`, `int4` or `int8`, by length.
pub fn int(bytes: &[u8]) -> ValueResult<i64> {
    Ok(match bytes.len() {
        2 => i16::from_be_bytes(fixed(bytes, "integer")?).into(),
        4 => i32::from_be_bytes(fixed(bytes, "integer")?).into(),
        _ => i64::from_be_bytes(fixed(bytes, "integer")?),
    })
}

pub fn oid(bytes: &[u8]) -> ValueResult<u32> {
    Ok(u32::from_be_bytes(fixed(bytes, "oid")?))
}

pub fn float4(bytes: &[u8]) -> ValueResult<f32> {
    Ok(f32::from_be_bytes(fixed(bytes, "float4")?))
}

/// `float4` or `float8`, by length.
pub fn float(bytes: &[u8]) -> ValueResult<f64> {
    match bytes.len() {
        4 => float4(bytes).map(f64::from),
        _ => Ok(f64::from_be_bytes(fixed(bytes, "float8")?)),
    }
}

pub fn text(bytes: &[u8]) -> ValueResult<&str> {
    std::str::from_utf8(bytes).map_err(|_| {
        ValueError::new(
            SqlState::CharacterNotInRepertoire,
            "invalid UTF-8 in a text value",
        )
    })
}

/// `jsonb`: a version byte (1), then the JSON text.
pub fn jsonb(bytes: &[u8]) -> ValueResult<&str> {
    match bytes.split_first() {
        Some((1, rest)) => text(rest),
        Some((version, _)) => Err(ValueError::new(
            SqlState::ProtocolViolation,
            format!("unsupported jsonb binary version {version}"),
        )),
        None => Err(ValueError::malformed("jsonb")),
    }
}

/// `uuid` in canonical lowercase `8-4-4-4-12` form, appended to `out`.
pub fn uuid(bytes: &[u8], out: &mut String) -> ValueResult<()> {
    let raw = fixed::<16>(bytes, "uuid")?;
    for (i, byte) in raw.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{byte:02x}");
    }
    Ok(())
}

/// `date` as days since 1970-01-01.
pub fn date(bytes: &[u8]) -> ValueResult<i32> {
    let days = i32::from_be_bytes(fixed(bytes, "date")?);
    match days {
        i32::MAX => Err(infinite("date", "infinity")),
        i32::MIN => Err(infinite("date", "-infinity")),
        _ => days.checked_add(PG_EPOCH_DAYS).ok_or_else(|| {
            ValueError::new(
                SqlState::DatetimeValueOutOfRange,
                "date out of range for Arrow Date32",
            )
        }),
    }
}

/// `time` as microseconds since midnight.
pub fn time(bytes: &[u8]) -> ValueResult<i64> {
    Ok(i64::from_be_bytes(fixed(bytes, "time")?))
}

/// `timestamp` / `timestamptz` as microseconds since 1970-01-01 (UTC for timestamptz).
pub fn timestamp(bytes: &[u8]) -> ValueResult<i64> {
    let micros = i64::from_be_bytes(fixed(bytes, "timestamp")?);
    match micros {
        i64::MAX => Err(infinite("timestamp", "infinity")),
        i64::MIN => Err(infinite("timestamp", "-infinity")),
        _ => micros.checked_add(PG_EPOCH_MICROS).ok_or_else(|| {
            ValueError::new(
                SqlState::DatetimeValueOutOfRange,
                "timestamp out of range for Arrow",
            )
        }),
    }
}

fn infinite(kind: &str, value: &str) -> ValueError {
    ValueError::new(
        SqlState::DatetimeValueOutOfRange,
        format!("{kind} value '{value}' cannot be represented in Arrow"),
    )
}

/// Microseconds to nanoseconds, for nanosecond Arrow targets.
pub fn micros_to_nanos(micros: i64) -> ValueResult<i64> {
    micros.checked_mul(1000).ok_or_else(|| {
        ValueError::new(
            SqlState::DatetimeValueOutOfRange,
            "value out of range for nanosecond precision",
        )
    })
}

/// `interval`: microseconds (i64), days (i32), months (i32).
pub fn interval(bytes: &[u8]) -> ValueResult<IntervalMonthDayNano> {
    let raw = fixed::<16>(bytes, "interval")?;
    let micros = i64::from_be_bytes(raw[0..8].try_into().expect("8 bytes"));
    let days = i32::from_be_bytes(raw[8..12].try_into().expect("4 bytes"));
    let months = i32::from_be_bytes(raw[12..16].try_into().expect("4 bytes"));
    Ok(IntervalMonthDayNano::new(
        months,
        days,
        micros_to_nanos(micros)?,
    ))
}

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// A `numeric` value in its binary form: base-10000 digits, the weight of the first digit,
/// the sign (or NaN/±Infinity) and the display scale.
#[derive(Debug, Clone, Copy)]
pub struct Numeric<'a> {
    weight: i16,
    sign: u16,
    dscale: u16,
    digits: &'a [u8],
}

impl<'a> Numeric<'a> {
    pub fn parse(bytes: &'a [u8]) -> ValueResult<Self> {
        let bad = || ValueError::malformed("numeric");
        let header = bytes.get(..8).ok_or_else(bad)?;
        let field = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
        let ndigits = usize::from(field(0));
        let digits = &bytes[8..];
        if digits.len() != ndigits * 2 {
            return Err(bad());
        }
        let value = Self {
            weight: field(2) as i16,
            sign: field(4),
            dscale: field(6),
            digits,
        };
        if !matches!(
            value.sign,
            NUMERIC_POS | NUMERIC_NEG | NUMERIC_NAN | NUMERIC_PINF | NUMERIC_NINF
        ) || value.digit_iter().any(|d| d > 9999)
        {
            return Err(bad());
        }
        Ok(value)
    }

    fn ndigits(&self) -> usize {
        self.digits.len() / 2
    }

    fn digit_iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.digits
            .chunks_exact(2)
            .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
    }

    /// The base-10000 digit at `index` (0 = first), or 0 outside the stored digits.
    fn digit(&self, index: i64) -> u16 {
        usize::try_from(index)
            .ok()
            .filter(|&i| i < self.ndigits())
            .map_or(0, |i| {
                u16::from_be_bytes([self.digits[2 * i], self.digits[2 * i + 1]])
            })
    }

    fn special(&self) -> Option<&'static str> {
        match self.sign {
            NUMERIC_NAN => Some("NaN"),
            NUMERIC_PINF => Some("Infinity"),
            NUMERIC_NINF => Some("-Infinity"),
            _ => None,
        }
    }

    /// The exact decimal text, as PostgreSQL prints it (`NaN`, `Infinity`, `-Infinity` too).
    pub fn write_text(&self, out: &mut String) {
        if let Some(word) = self.special() {
            out.push_str(word);
            return;
        }
        if self.sign == NUMERIC_NEG {
            out.push('-');
        }
        let weight = i64::from(self.weight);
        if weight < 0 {
            out.push('0');
        }
        for index in 0..=weight {
            let d = self.digit(index);
            let _ = if index == 0 {
                write!(out, "{d}")
            } else {
                write!(out, "{d:04}")
            };
        }
        self.write_fraction(out);
    }

    fn write_fraction(&self, out: &mut String) {
        let dscale = usize::from(self.dscale);
        if dscale == 0 {
            return;
        }
        out.push('.');
        let start = out.len();
        let mut index = i64::from(self.weight) + 1;
        while out.len() - start < dscale {
            let _ = write!(out, "{:04}", self.digit(index));
            index += 1;
        }
        out.truncate(start + dscale);
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }

    /// The unscaled `i128` of the value in `Decimal128(precision, scale)`; an error when it is
    /// NaN/infinite, would need rounding, or has more than `precision` digits.
    pub fn to_decimal(&self, precision: u8, scale: i8) -> ValueResult<i128> {
        if let Some(word) = self.special() {
            return Err(ValueError::new(
                SqlState::NumericValueOutOfRange,
                format!("value {word} cannot be represented in Decimal128({precision}, {scale})"),
            ));
        }
        let out_of_range = || {
            ValueError::new(
                SqlState::NumericValueOutOfRange,
                format!(
                    "value {} does not fit in Decimal128({precision}, {scale})",
                    self.to_text()
                ),
            )
        };
        let mut n: i128 = 0;
        for d in self.digit_iter() {
            n = n
                .checked_mul(10_000)
                .and_then(|n| n.checked_add(i128::from(d)))
                .ok_or_else(out_of_range)?;
        }
        if n == 0 {
            return Ok(0);
        }
        let last_weight = i32::from(self.weight) - (self.ndigits() as i32 - 1);
        let exponent = 4 * last_weight + i32::from(scale);
        if exponent >= 0 {
            n = pow10(exponent)
                .and_then(|p| n.checked_mul(p))
                .ok_or_else(out_of_range)?;
        } else {
            let divisor = pow10(-exponent).filter(|d| n % d == 0).ok_or_else(|| {
                ValueError::new(
                    SqlState::NumericValueOutOfRange,
                    format!(
                        "value {} has more than {scale} fractional digits and would be rounded in Decimal128({precision}, {scale})",
                        self.to_text()
                    ),
                )
            })?;
            n /= divisor;
        }
        if pow10(i32::from(precision)).is_some_and(|limit| n >= limit) {
            return Err(out_of_range());
        }
        Ok(if self.sign == NUMERIC_NEG { -n } else { n })
    }
}

/// 10^exponent, when it fits in an i128.
fn pow10(exponent: i32) -> Option<i128> {
    u32::try_from(exponent)
        .ok()
        .and_then(|e| 10i128.checked_pow(e))
}

/// The elements of a one-dimensional array value, in order (`None` = NULL element).
pub fn array_elements(bytes: &[u8]) -> ValueResult<ArrayElements<'_>> {
    let bad = || ValueError::malformed("array");
    let header = bytes.get(..12).ok_or_else(bad)?;
    let ndim = i32::from_be_bytes(header[0..4].try_into().expect("4 bytes"));
    let count = match ndim {
        0 => 0,
        1 => {
            let dim = bytes.get(12..20).ok_or_else(bad)?;
            let size = i32::from_be_bytes(dim[0..4].try_into().expect("4 bytes"));
            usize::try_from(size).map_err(|_| bad())?
        }
        n if n > 1 => {
            return Err(ValueError::new(
                SqlState::FeatureNotSupported,
                format!("multi-dimensional arrays ({n} dimensions) are not supported"),
            ))
        }
        _ => return Err(bad()),
    };
    let start = if ndim == 0 { 12 } else { 20 };
    Ok(ArrayElements {
        rest: &bytes[start..],
        remaining: count,
    })
}

/// Iterator over the elements of an array value.
pub struct ArrayElements<'a> {
    rest: &'a [u8],
    remaining: usize,
}

impl<'a> ArrayElements<'a> {
    /// True when every element was read and no bytes are left over.
    pub fn is_complete(&self) -> bool {
        self.remaining == 0 && self.rest.is_empty()
    }
}

impl<'a> Iterator for ArrayElements<'a> {
    type Item = ValueResult<Option<&'a [u8]>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let bad = || ValueError::malformed("array");
        let Some((len, rest)) = self.rest.split_first_chunk::<4>() else {
            self.remaining = 0;
            return Some(Err(bad()));
        };
        let len = i32::from_be_bytes(*len);
        if len == -1 {
            self.rest = rest;
            return Some(Ok(None));
        }
        match usize::try_from(len).ok().filter(|&l| l <= rest.len()) {
            Some(len) => {
                let (value, rest) = rest.split_at(len);
                self.rest = rest;
                Some(Ok(Some(value)))
            }
            None => {
                self.remaining = 0;
                Some(Err(bad()))
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds the binary form of a numeric from its parts.
    pub fn numeric_bytes(weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(digits.len() as u16).to_be_bytes());
        out.extend_from_slice(&weight.to_be_bytes());
        out.extend_from_slice(&sign.to_be_bytes());
        out.extend_from_slice(&dscale.to_be_bytes());
        for d in digits {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out
    }

    /// Builds a one-dimensional array value.
    pub fn array_bytes(elem_oid: u32, elements: &[Option<&[u8]>]) -> Vec<u8> {
        let mut out = Vec::new();
        let ndim: i32 = if elements.is_empty() { 0 } else { 1 };
        out.extend_from_slice(&ndim.to_be_bytes());
        let has_null = elements.iter().any(Option::is_none) as i32;
        out.extend_from_slice(&has_null.to_be_bytes());
        out.extend_from_slice(&elem_oid.to_be_bytes());
        if ndim == 1 {
            out.extend_from_slice(&(elements.len() as i32).to_be_bytes());
            out.extend_from_slice(&1i32.to_be_bytes());
        }
        for e in elements {
            match e {
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(v) => {
                    out.extend_from_slice(&(v.len() as i32).to_be_bytes());
                    out.extend_from_slice(v);
                }
            }
        }
        out
    }

    fn num(weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        numeric_bytes(weight, sign, dscale, digits)
    }

    fn text_of(bytes: &[u8]) -> String {
        Numeric::parse(bytes).unwrap().to_text()
    }

    fn decimal(bytes: &[u8], p: u8, s: i8) -> ValueResult<i128> {
        Numeric::parse(bytes).unwrap().to_decimal(p, s)
    }

    #[test]
    fn numeric_text() {
        assert_eq!(text_of(&num(0, NUMERIC_POS, 0, &[])), "0");
        assert_eq!(text_of(&num(0, NUMERIC_POS, 2, &[])), "0.00");
        assert_eq!(text_of(&num(0, NUMERIC_POS, 2, &[1234, 5000])), "1234.50");
        assert_eq!(text_of(&num(0, NUMERIC_NEG, 2, &[0, 100])), "-0.01");
        assert_eq!(text_of(&num(-1, NUMERIC_NEG, 2, &[100])), "-0.01");
        assert_eq!(text_of(&num(-2, NUMERIC_POS, 5, &[1000])), "0.00001");
        assert_eq!(text_of(&num(2, NUMERIC_POS, 0, &[1])), "100000000");
        assert_eq!(
            text_of(&num(
                4,
                NUMERIC_NEG,
                1,
                &[1234, 5678, 9012, 3456, 7890, 5000]
            )),
            "-12345678901234567890.5"
        );
        assert_eq!(text_of(&num(0, NUMERIC_NAN, 0, &[])), "NaN");
        assert_eq!(text_of(&num(0, NUMERIC_PINF, 0, &[])), "Infinity");
        assert_eq!(text_of(&num(0, NUMERIC_NINF, 0, &[])), "-Infinity");
    }

    #[test]
    fn numeric_decimal() {
        assert_eq!(decimal(&num(0, NUMERIC_POS, 0, &[]), 12, 2), Ok(0));
        assert_eq!(
            decimal(&num(0, NUMERIC_POS, 1, &[1234, 5000]), 12, 2),
            Ok(123450)
        );
        // scale padding: 7 with scale 4 is 70000 unscaled
        assert_eq!(decimal(&num(0, NUMERIC_POS, 0, &[7]), 10, 4), Ok(70000));
        assert_eq!(decimal(&num(-1, NUMERIC_NEG, 2, &[100]), 12, 2), Ok(-1));
        assert_eq!(decimal(&num(1, NUMERIC_POS, 0, &[1]), 5, 0), Ok(10000));
        assert_eq!(decimal(&num(-2, NUMERIC_POS, 6, &[1200]), 10, 6), Ok(12));
        // 38 nines
        let mut digits = vec![99u16];
        digits.extend(std::iter::repeat_n(9999, 9));
        let v = num(9, NUMERIC_POS, 0, &digits);
        assert_eq!(decimal(&v, 38, 0), Ok(10i128.pow(38) - 1));
        assert_eq!(decimal(&v, 38, 1).unwrap_err().sqlstate, "22003");
    }

    #[test]
    fn numeric_decimal_errors() {
        let too_big = num(1, NUMERIC_POS, 0, &[1, 0]);
        let e = decimal(&too_big, 4, 0).unwrap_err();
        assert_eq!(e.sqlstate, "22003");
        assert!(e.message.contains("10000"), "{}", e.message);
        let too_precise = num(0, NUMERIC_POS, 3, &[1, 1230]);
        let e = decimal(&too_precise, 10, 2).unwrap_err();
        assert!(e.message.contains("rounded"), "{}", e.message);
        let huge = num(100, NUMERIC_POS, 0, &[1]);
        assert_eq!(decimal(&huge, 38, 0).unwrap_err().sqlstate, "22003");
        let e = decimal(&num(0, NUMERIC_NAN, 0, &[]), 10, 2).unwrap_err();
        assert!(e.message.contains("NaN"));
        assert!(Numeric::parse(&num(0, 0x1234, 0, &[])).is_err());
        assert!(Numeric::parse(&num(0, NUMERIC_POS, 0, &[10000])).is_err());
        assert!(Numeric::parse(&[0, 1, 0, 0]).is_err());
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(date(&0i32.to_be_bytes()), Ok(10957));
        assert_eq!(date(&(-10957i32).to_be_bytes()), Ok(0));
        assert_eq!(date(&i32::MAX.to_be_bytes()).unwrap_err().sqlstate, "22008");
        assert!(date(&i32::MIN.to_be_bytes())
            .unwrap_err()
            .message
            .contains("-infinity"));
        assert_eq!(timestamp(&0i64.to_be_bytes()), Ok(PG_EPOCH_MICROS));
        assert!(timestamp(&i64::MAX.to_be_bytes()).is_err());
        let mut iv = Vec::new();
        iv.extend_from_slice(&7_384_000_000i64.to_be_bytes());
        iv.extend_from_slice(&1i32.to_be_bytes());
        iv.extend_from_slice(&(-3i32).to_be_bytes());
        assert_eq!(
            interval(&iv),
            Ok(IntervalMonthDayNano::new(-3, 1, 7_384_000_000_000))
        );
        assert!(date(&[0, 0]).is_err());
    }

    #[test]
    fn scalars() {
        assert_eq!(int(&(-2i16).to_be_bytes()), Ok(-2));
        assert_eq!(int(&(-2i32).to_be_bytes()), Ok(-2));
        assert_eq!(int(&i64::MIN.to_be_bytes()), Ok(i64::MIN));
        assert!(int(&[1, 2, 3]).is_err());
        assert_eq!(oid(&u32::MAX.to_be_bytes()), Ok(u32::MAX));
        assert_eq!(float(&1.5f32.to_be_bytes()), Ok(1.5));
        assert_eq!(bool(&[1]), Ok(true));
        assert_eq!(jsonb(b"\x01{}"), Ok("{}"));
        assert!(jsonb(b"\x02{}").is_err());
        assert_eq!(text(b"\xff").unwrap_err().sqlstate, "22021");
        let mut s = String::new();
        uuid(
            &[
                0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
                0x0a, 0x11,
            ],
            &mut s,
        )
        .unwrap();
        assert_eq!(s, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    }

    #[test]
    fn arrays() {
        let one = 1i32.to_be_bytes();
        let bytes = array_bytes(23, &[Some(&one), None, Some(&one)]);
        let mut it = array_elements(&bytes).unwrap();
        assert_eq!(it.next(), Some(Ok(Some(&one[..]))));
        assert_eq!(it.next(), Some(Ok(None)));
        assert_eq!(it.next(), Some(Ok(Some(&one[..]))));
        assert_eq!(it.next(), None);
        assert!(it.is_complete());
        let empty = array_bytes(23, &[]);
        assert_eq!(array_elements(&empty).unwrap().count(), 0);
        let mut two_dims = bytes.clone();
        two_dims[3] = 2;
        let e = array_elements(&two_dims).err().unwrap();
        assert_eq!(e.sqlstate, "0A000");
        assert!(e.message.contains("multi-dimensional"));
        let truncated = &bytes[..bytes.len() - 1];
        assert!(array_elements(truncated).unwrap().any(|e| e.is_err()));
    }
}
