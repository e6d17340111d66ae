//! `cbrt(double precision)` with the C library's digits: PostgreSQL's `dcbrt` calls the C
//! library's `cbrt`, whose answer is not always the correctly rounded root (`cbrt(27)` is
//! `3.0000000000000004`); Rust's `f64::cbrt` is (`3`). This is the GNU C library's
//! double-precision method: a polynomial first guess of the root of the mantissa in
//! [0.5, 1), one rational (Halley) correction, then the exponent divided by three.

/// ∛2 and ∛4, the factors for an exponent that is not a multiple of three.
const CBRT_2: f64 = 1.259_921_049_894_873_2;
const CBRT_4: f64 = 1.587_401_051_968_199_6;

/// The cube root of `x` as the C library computes it.
pub(crate) fn cbrt(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x + x;
    }
    let (mantissa, exponent) = split(x.abs());
    let m = mantissa;
    let guess = 0.354_895_765_043_919_84
        + (1.508_191_937_815_849
            + (-2.114_994_941_673_713
                + (2.446_931_225_635_344_4
                    + (-1.834_692_774_830_860_8
                        + (0.784_932_344_976_639_2 - 0.145_263_899_385_486_37 * m) * m)
                        * m)
                    * m)
                * m)
            * m;
    let cubed = guess * guess * guess;
    // C's `%` and `/` truncate toward zero, so the remainder is in -2..=2.
    let factor = match exponent % 3 {
        -2 => 1.0 / CBRT_4,
        -1 => 1.0 / CBRT_2,
        1 => CBRT_2,
        2 => CBRT_4,
        _ => 1.0,
    };
    let root = guess * (cubed + 2.0 * m) / (2.0 * cubed + m) * factor;
    let signed = if x > 0.0 { root } else { -root };
    signed * power_of_two(exponent / 3)
}

/// `x` (positive, finite) as `m · 2^e` with `m` in [0.5, 1) (C's `frexp`).
fn split(x: f64) -> (f64, i32) {
    const EXPONENT: u64 = 0x7ff << 52;
    let (x, shift) = if x.to_bits() & EXPONENT == 0 {
        (x * 2f64.powi(54), 54) // subnormal: normalise first (exact)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let biased = ((bits & EXPONENT) >> 52) as i32;
    let mantissa = f64::from_bits((bits & !EXPONENT) | (1022 << 52));
    (mantissa, biased - 1022 - shift)
}

/// 2^e for the exponents a cube root takes (|e| ≤ 360: always a normal number).
fn power_of_two(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::cbrt;

    #[test]
    fn digits_of_the_c_library() {
        // Values PostgreSQL 15 on glibc prints (`SELECT cbrt(27)` is 3.0000000000000004).
        assert_eq!(cbrt(27.0), 3.000_000_000_000_000_4);
        assert_eq!(cbrt(-27.0), -3.000_000_000_000_000_4);
        assert_eq!(cbrt(8.0), 2.0);
        assert_eq!(cbrt(64.0), 4.0);
        assert_eq!(cbrt(1000.0), 10.0);
        assert_eq!(cbrt(0.0), 0.0);
        assert!(cbrt(f64::NAN).is_nan());
        assert_eq!(cbrt(f64::INFINITY), f64::INFINITY);
        assert_eq!(cbrt(f64::NEG_INFINITY), f64::NEG_INFINITY);
    }

    #[test]
    fn close_to_the_true_root_everywhere() {
        for x in [1e-300, 0.001, 2.0, 3.5, 1e10, 1e300, -7.25] {
            let root = cbrt(x);
            let relative = ((root * root * root) - x).abs() / x.abs();
            assert!(relative < 1e-14, "cbrt({x}) = {root}");
        }
    }
}
