//! BSON Decimal128 values as exact decimals: the parts of a value (IEEE 754-2008 decimal128
//! in the BID encoding MongoDB uses), the digits it needs, its value at a fixed scale for an
//! Arrow `Decimal128(p, s)` column, and the BSON value of a SQL decimal literal.
//!
//! A finite Decimal128 is `coefficient × 10^exponent` with a coefficient of at most 34
//! decimal digits and an exponent from -6176 to 6111. Converting to a fixed scale is exact or
//! refused: `1.5` at scale 2 is `150`, `1.50` too, `1.555` at scale 2 does not fit (it
//! would be rounded), nor does a value with more than `p − s` integer digits.

use mongodb::bson::Decimal128;

/// The exponent bias of decimal128.
const EXPONENT_BIAS: i32 = 6176;
/// The largest coefficient of a canonical decimal128 (34 nines).
const MAX_COEFFICIENT: u128 = 10u128.pow(34) - 1;
/// The largest Arrow decimal precision.
pub const MAX_PRECISION: u8 = 38;

/// A Decimal128 value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalValue {
    /// `(-1)^negative × coefficient × 10^exponent`; `-0` keeps its sign bit here but is the
    /// number 0.
    Finite {
        negative: bool,
        coefficient: u128,
        exponent: i32,
    },
    NaN,
    Infinity {
        negative: bool,
    },
}

impl DecimalValue {
    /// The parts of a BSON Decimal128 (a non-canonical coefficient, above 34 digits, is 0 as
    /// the specification says).
    pub fn of(decimal: &Decimal128) -> Self {
        let bits = u128::from_le_bytes(decimal.bytes());
        let negative = bits >> 127 == 1;
        let combination = (bits >> 122) & 0x1f;
        if combination == 0x1f {
            return DecimalValue::NaN;
        }
        if combination == 0x1e {
            return DecimalValue::Infinity { negative };
        }
        let (exponent_bits, coefficient) = if (bits >> 125) & 0b11 == 0b11 {
            // The coefficient's high bits are implicitly 100: always above 34 digits.
            ((bits >> 111) & 0x3fff, 0)
        } else {
            ((bits >> 113) & 0x3fff, bits & ((1u128 << 113) - 1))
        };
        let coefficient = if coefficient > MAX_COEFFICIENT {
            0
        } else {
            coefficient
        };
        DecimalValue::Finite {
            negative,
            coefficient,
            exponent: exponent_bits as i32 - EXPONENT_BIAS,
        }
    }

    /// The digits the value needs: (integer digits, fraction digits), as written with its
    /// own exponent (`1.50` → (1, 2), `0.001` → (0, 3), `1E+3` → (4, 0), `0` → (0, 0));
    /// `None` for NaN and infinities, which no Arrow decimal holds.
    pub fn digits(&self) -> Option<(u32, u32)> {
        let DecimalValue::Finite {
            coefficient,
            exponent,
            ..
        } = *self
        else {
            return None;
        };
        let digits = decimal_digits(coefficient);
        Some(if exponent >= 0 {
            let integer = if coefficient == 0 {
                0
            } else {
                digits + exponent as u32
            };
            (integer, 0)
        } else {
            let scale = exponent.unsigned_abs();
            (digits.saturating_sub(scale), scale)
        })
    }

    /// The value as an Arrow `Decimal128(precision, scale)` unscaled integer, or why it does
    /// not fit (never rounded).
    pub fn at_scale(&self, precision: u8, scale: i8) -> Result<i128, Misfit> {
        let DecimalValue::Finite {
            negative,
            coefficient,
            exponent,
        } = *self
        else {
            return Err(Misfit::NotANumber);
        };
        let shift = exponent + i32::from(scale);
        let magnitude = if coefficient == 0 {
            0
        } else if shift >= 0 {
            10u128
                .checked_pow(shift as u32)
                .and_then(|factor| coefficient.checked_mul(factor))
                .ok_or(Misfit::OutOfRange)?
        } else {
            // Only trailing zeros may go: anything else would be rounded.
            match 10u128.checked_pow(shift.unsigned_abs()) {
                Some(divisor) if coefficient % divisor == 0 => coefficient / divisor,
                _ => return Err(Misfit::FractionDigits),
            }
        };
        if magnitude >= 10u128.pow(u32::from(precision)) {
            return Err(Misfit::OutOfRange);
        }
        let value = magnitude as i128;
        Ok(if negative { -value } else { value })
    }
}

/// Why a value has no exact value in a `Decimal128(p, s)` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misfit {
    /// NaN or an infinity.
    NotANumber,
    /// More than `p − s` integer digits.
    OutOfRange,
    /// More than `s` fraction digits (it would be rounded).
    FractionDigits,
}

impl Misfit {
    /// What is wrong, for a message about a value that does not fit numeric(p,s).
    pub fn describe(self, precision: u8, scale: i8) -> String {
        match self {
            Misfit::NotANumber => {
                format!("is not a finite number (numeric({precision},{scale}) has no NaN or infinity)")
            }
            Misfit::OutOfRange => format!(
                "needs more than {} integer digits (numeric({precision},{scale}))",
                i32::from(precision) - i32::from(scale)
            ),
            Misfit::FractionDigits => format!(
                "has more than {scale} fraction digits and would be rounded (numeric({precision},{scale}))"
            ),
        }
    }
}

/// The BSON Decimal128 of the Arrow decimal `unscaled × 10^-scale`; `None` when it needs more
/// than 34 digits.
pub fn to_bson(unscaled: i128, scale: i8) -> Option<Decimal128> {
    let coefficient = unscaled.unsigned_abs();
    if coefficient > MAX_COEFFICIENT {
        return None;
    }
    let exponent = u128::try_from(EXPONENT_BIAS - i32::from(scale)).ok()?;
    let sign = u128::from(unscaled < 0) << 127;
    let bits = sign | (exponent << 113) | coefficient;
    Some(Decimal128::from_bytes(bits.to_le_bytes()))
}

/// The number of decimal digits of `n` (0 has none).
fn decimal_digits(mut n: u128) -> u32 {
    let mut digits = 0;
    while n > 0 {
        n /= 10;
        digits += 1;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> DecimalValue {
        DecimalValue::of(&text.parse::<Decimal128>().unwrap())
    }

    #[test]
    fn parts_of_values() {
        assert_eq!(
            d("1.50"),
            DecimalValue::Finite {
                negative: false,
                coefficient: 150,
                exponent: -2
            }
        );
        assert_eq!(
            d("-120000.00"),
            DecimalValue::Finite {
                negative: true,
                coefficient: 12_000_000,
                exponent: -2
            }
        );
        assert_eq!(d("NaN"), DecimalValue::NaN);
        assert_eq!(d("-Infinity"), DecimalValue::Infinity { negative: true });
        assert_eq!(
            d("9999999999999999999999999999999999E+6111"),
            DecimalValue::Finite {
                negative: false,
                coefficient: MAX_COEFFICIENT,
                exponent: 6111
            }
        );
        assert_eq!(
            d("1E-6176"),
            DecimalValue::Finite {
                negative: false,
                coefficient: 1,
                exponent: -6176
            }
        );
        // A non-canonical coefficient (above 34 digits) is zero.
        let mut bits = (EXPONENT_BIAS as u128) << 113;
        bits |= MAX_COEFFICIENT + 1;
        let value = DecimalValue::of(&Decimal128::from_bytes(bits.to_le_bytes()));
        assert_eq!(value.at_scale(1, 0), Ok(0));
    }

    #[test]
    fn digits_needed() {
        assert_eq!(d("1.50").digits(), Some((1, 2)));
        assert_eq!(d("0.001").digits(), Some((0, 3)));
        assert_eq!(d("0.00").digits(), Some((0, 2)));
        assert_eq!(d("0").digits(), Some((0, 0)));
        assert_eq!(d("-0").digits(), Some((0, 0)));
        assert_eq!(d("1E+3").digits(), Some((4, 0)));
        assert_eq!(d("99999999.99").digits(), Some((8, 2)));
        assert_eq!(d("12.3E-5").digits(), Some((0, 6)));
        assert_eq!(d("NaN").digits(), None);
        assert_eq!(d("Infinity").digits(), None);
    }

    #[test]
    fn exact_values_at_a_scale() {
        assert_eq!(d("1.5").at_scale(18, 2), Ok(150));
        assert_eq!(d("1.500").at_scale(18, 2), Ok(150));
        assert_eq!(d("-0").at_scale(18, 2), Ok(0));
        assert_eq!(d("-150.75").at_scale(18, 2), Ok(-15075));
        assert_eq!(d("1E+3").at_scale(4, 0), Ok(1000));
        assert_eq!(d("0E+6111").at_scale(1, 0), Ok(0));
        assert_eq!(
            d("9999999999999999999999999999.999999").at_scale(38, 6),
            Ok(10i128.pow(34) - 1)
        );
        assert_eq!(
            d("-9999999999999999999999999999.999999").at_scale(34, 6),
            Ok(1 - 10i128.pow(34))
        );
        assert_eq!(
            d("9999999999999999999999999999.999999").at_scale(33, 6),
            Err(Misfit::OutOfRange)
        );
        // Rounding and overflow are refused.
        assert_eq!(d("1.555").at_scale(18, 2), Err(Misfit::FractionDigits));
        assert_eq!(d("1E+4").at_scale(4, 0), Err(Misfit::OutOfRange));
        assert_eq!(d("-1E+4").at_scale(4, 0), Err(Misfit::OutOfRange));
        assert_eq!(d("1E+6111").at_scale(38, 0), Err(Misfit::OutOfRange));
        assert_eq!(d("1E-6176").at_scale(38, 10), Err(Misfit::FractionDigits));
        assert_eq!(d("NaN").at_scale(38, 2), Err(Misfit::NotANumber));
        assert_eq!(d("-Infinity").at_scale(38, 2), Err(Misfit::NotANumber));
        assert_eq!(
            Misfit::OutOfRange.describe(18, 2),
            "needs more than 16 integer digits (numeric(18,2))"
        );
    }

    #[test]
    fn literals_round_trip() {
        for (unscaled, scale, text) in [
            (150, 2, "1.50"),
            (-15075, 2, "-150.75"),
            (0, 0, "0"),
            (5, -2, "5E+2"),
            (1, 6, "0.000001"),
        ] {
            let bson = to_bson(unscaled, scale).unwrap();
            assert_eq!(bson.to_string(), text);
            assert_eq!(bson, text.parse::<Decimal128>().unwrap());
        }
        assert!(to_bson(10i128.pow(34), 0).is_none());
        assert!(to_bson(-(10i128.pow(34) - 1), 0).is_some());
    }
}
