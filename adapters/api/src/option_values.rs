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

#[cfg(test)]
mod tests {
    use super::*;

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
