//! Parsing the option values every adapter shares (ports, timeouts, sizes), with one error
//! shape: SQLSTATE 22023 naming the option, the value and what was expected.

use std::time::Duration;

use crate::{AdapterError, Result};

/// 22023 for an option whose value is not valid.
pub fn invalid_value(option: &str, value: &str, expected: &str) -> AdapterError {
    AdapterError::invalid_option_value(format!(
        "invalid value for option \"{option}\": \"{value}\" ({expected})"
    ))
}

/// A TCP port (1-65535); `default` when absent.
pub fn parse_port(value: Option<&str>, default: u16) -> Result<u16> {
    match value {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u16>() {
            Ok(port) if port > 0 => Ok(port),
            _ => Err(invalid_value(
                "port",
                text,
                "expected an integer between 1 and 65535",
            )),
        },
    }
}

/// A whole number of seconds in 1..=`max_secs`; `default_secs` when absent.
pub fn parse_seconds(
    option: &str,
    value: Option<&str>,
    default_secs: u64,
    max_secs: u64,
) -> Result<Duration> {
    match value {
        None => Ok(Duration::from_secs(default_secs)),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(secs) if (1..=max_secs).contains(&secs) => Ok(Duration::from_secs(secs)),
            _ => Err(invalid_value(
                option,
                text,
                &format!("expected a number of seconds between 1 and {max_secs}"),
            )),
        },
    }
}

/// A switch: `true`/`on`/`yes`/`1` or `false`/`off`/`no`/`0` (any case); `default` when
/// absent.
pub fn parse_bool(option: &str, value: Option<&str>, default: bool) -> Result<bool> {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(text) => match text.as_str() {
            "true" | "on" | "yes" | "1" => Ok(true),
            "false" | "off" | "no" | "0" => Ok(false),
            _ => Err(invalid_value(
                option,
                value.unwrap_or_default(),
                "expected 'true' or 'false'",
            )),
        },
    }
}

/// A count in 1..=`max`; `default` when absent.
pub fn parse_count(option: &str, value: Option<&str>, default: usize, max: usize) -> Result<usize> {
    match value {
        None => Ok(default),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(invalid_value(
                option,
                text,
                &format!("expected an integer between 1 and {max}"),
            )),
        },
    }
}

/// A duration: a bare number of seconds (as libpq's `connect_timeout`), or a number with a
/// unit `ms`, `s`, `min` or `h` (`500ms`, `5s`, `2min`); whole milliseconds, in
/// `min..=max`; `default` when absent.
pub fn parse_duration(
    option: &str,
    value: Option<&str>,
    default: Duration,
    min: Duration,
    max: Duration,
) -> Result<Duration> {
    let Some(text) = value else {
        return Ok(default);
    };
    let expected = || {
        format!(
            "expected a duration between {} and {}, such as '5s', '500ms' or '2min'; a bare number is seconds",
            show_duration(min),
            show_duration(max)
        )
    };
    match duration_from_text(text) {
        Some(d) if (min..=max).contains(&d) => Ok(d),
        _ => Err(invalid_value(option, text, &expected())),
    }
}

/// `text` as a duration (see [`parse_duration`]), `None` when it is not one.
fn duration_from_text(text: &str) -> Option<Duration> {
    let text = text.trim().to_ascii_lowercase();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let millis_per_unit = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1000,
        "ms" => 1,
        "min" | "mins" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    number
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
}

/// A duration as an operator writes it: `500ms`, `5s`, `2min`.
pub fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}min", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let (lo, hi) = (Duration::ZERO, Duration::from_secs(3600));
        let d = |t: &str| parse_duration("x", Some(t), Duration::ZERO, lo, hi);
        assert_eq!(d("5").unwrap(), Duration::from_secs(5));
        assert_eq!(d(" 500ms ").unwrap(), Duration::from_millis(500));
        assert_eq!(d("2min").unwrap(), Duration::from_secs(120));
        assert_eq!(d("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(d("3 s").unwrap(), Duration::from_secs(3));
        assert_eq!(
            parse_duration("x", None, Duration::from_secs(9), lo, hi).unwrap(),
            Duration::from_secs(9)
        );
        for bad in ["", "-1", "1.5s", "5 days", "2h", "s"] {
            let e = d(bad).unwrap_err();
            assert_eq!(e.sqlstate, "22023", "{bad}");
            assert!(
                e.message.contains("\"x\"") && e.message.contains("60min"),
                "{}",
                e.message
            );
        }
        assert_eq!(show_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(show_duration(Duration::from_secs(5)), "5s");
    }

    #[test]
    fn ports_seconds_counts() {
        assert_eq!(parse_port(None, 5432).unwrap(), 5432);
        assert_eq!(parse_port(Some(" 3306 "), 1).unwrap(), 3306);
        assert_eq!(parse_port(Some("0"), 1).unwrap_err().sqlstate, "22023");
        assert!(parse_port(Some("70000"), 1)
            .unwrap_err()
            .message
            .contains("port"));
        assert_eq!(
            parse_seconds("t", Some("5"), 10, 60).unwrap(),
            Duration::from_secs(5)
        );
        assert!(parse_seconds("t", Some("0"), 10, 60).is_err());
        assert_eq!(parse_count("pool_size", None, 8, 100).unwrap(), 8);
        assert!(parse_bool("b", None, true).unwrap());
        assert!(!parse_bool("b", Some(" FALSE "), true).unwrap());
        assert!(parse_bool("b", Some("on"), false).unwrap());
        let e = parse_bool("flag_x", Some("maybe"), true).unwrap_err();
        assert_eq!(e.sqlstate, "22023");
        assert!(e.message.contains("flag_x") && e.message.contains("maybe"));
        assert!(parse_count("pool_size", Some("x"), 8, 100)
            .unwrap_err()
            .message
            .contains("pool_size"));
    }
}
