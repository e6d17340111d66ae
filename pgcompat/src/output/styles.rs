//! The session settings that change how values print: `DateStyle` (`ISO`, `SQL`,
//! `Postgres`, `German`, with the `DMY`/`MDY` field order), `IntervalStyle` (`postgres`,
//! `postgres_verbose`, `sql_standard`, `iso_8601`) and `extra_float_digits` (1 or more:
//! shortest round-trip digits; 0 or less: `%.{15+n}g`, PostgreSQL's output before 12).
//! PostgreSQL's `EncodeDateOnly`, `EncodeDateTime` and `EncodeInterval` (datetime.c) are the
//! reference; `pg_text` keeps the ISO/postgres forms and calls these for the others.

/// How dates and timestamps print (`DateStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DateStyle {
    pub format: DateFormat,
    /// Day before month (`DMY`); `MDY` and `YMD` put the month first.
    pub day_first: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateFormat {
    #[default]
    Iso,
    Sql,
    Postgres,
    German,
}

impl DateStyle {
    /// A `DateStyle` setting such as `SQL, DMY`, `German` or `iso, mdy` (unknown words are
    /// ignored: `SET` keeps what the client wrote).
    pub fn parse(setting: &str) -> DateStyle {
        let mut style = DateStyle::default();
        let mut order_given = false;
        for word in setting
            .trim_matches('\'')
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
        {
            match word.to_ascii_lowercase().as_str() {
                "iso" => style.format = DateFormat::Iso,
                "sql" => style.format = DateFormat::Sql,
                "postgres" => style.format = DateFormat::Postgres,
                "german" => style.format = DateFormat::German,
                "dmy" | "euro" | "european" => (style.day_first, order_given) = (true, true),
                "mdy" | "us" | "noneuropean" | "non-european" | "ymd" => {
                    (style.day_first, order_given) = (false, true)
                }
                _ => {}
            }
        }
        if style.format == DateFormat::German && !order_given {
            style.day_first = true;
        }
        style
    }
}

/// How intervals print (`IntervalStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntervalStyle {
    #[default]
    Postgres,
    PostgresVerbose,
    SqlStandard,
    Iso8601,
}

impl IntervalStyle {
    pub fn parse(setting: &str) -> IntervalStyle {
        match setting
            .trim()
            .trim_matches('\'')
            .to_ascii_lowercase()
            .as_str()
        {
            "postgres_verbose" => IntervalStyle::PostgresVerbose,
            "sql_standard" => IntervalStyle::SqlStandard,
            "iso_8601" => IntervalStyle::Iso8601,
            _ => IntervalStyle::Postgres,
        }
    }
}

/// The broken-down local date and time of a value to print.
pub struct Fields {
    /// The astronomical year (0 is 1 BC).
    pub year: i32,
    pub month: u32,
    pub day: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: i64,
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Fields {
    /// The year as printed and the era suffix (` BC` for years before 1).
    fn shown_year(&self) -> (i32, &'static str) {
        if self.year <= 0 {
            (1 - self.year, " BC")
        } else {
            (self.year, "")
        }
    }

    fn month_name(&self) -> &'static str {
        MONTHS[(self.month as usize + 11) % 12]
    }

    fn clock(&self) -> String {
        format!(
            "{:02}:{:02}:{:02}{}",
            self.hour,
            self.minute,
            self.second,
            fraction_text(self.micros)
        )
    }

    /// The date part of the SQL, German and Postgres styles (without era).
    fn date_part(&self, style: DateStyle) -> String {
        let (year, _) = self.shown_year();
        let (first, second) = if style.day_first {
            (self.day, self.month)
        } else {
            (self.month, self.day)
        };
        match style.format {
            DateFormat::Iso => format!("{year:04}-{:02}-{:02}", self.month, self.day),
            DateFormat::Sql => format!("{first:02}/{second:02}/{year:04}"),
            DateFormat::German => format!("{:02}.{:02}.{year:04}", self.day, self.month),
            DateFormat::Postgres => format!("{first:02}-{second:02}-{year:04}"),
        }
    }
}

/// A date in a non-ISO `DateStyle`.
pub fn format_date(fields: &Fields, style: DateStyle) -> String {
    let (_, era) = fields.shown_year();
    format!("{}{era}", fields.date_part(style))
}

/// A timestamp in a non-ISO `DateStyle`; `zone` is the abbreviation of a timestamptz's
/// zone (`EST`), `None` for a timestamp without time zone.
pub fn format_timestamp(fields: &Fields, style: DateStyle, zone: Option<&str>) -> String {
    let (year, era) = fields.shown_year();
    let zone = zone.map(|z| format!(" {z}")).unwrap_or_default();
    match style.format {
        DateFormat::Postgres => {
            let weekday = WEEKDAYS[fields.weekday as usize % 7];
            let day_month = if style.day_first {
                format!("{:02} {}", fields.day, fields.month_name())
            } else {
                format!("{} {:02}", fields.month_name(), fields.day)
            };
            format!(
                "{weekday} {day_month} {} {year:04}{zone}{era}",
                fields.clock()
            )
        }
        _ => format!("{} {}{zone}{era}", fields.date_part(style), fields.clock()),
    }
}

fn fraction_text(micros: i64) -> String {
    if micros == 0 {
        return String::new();
    }
    let digits = format!("{micros:06}");
    format!(".{}", digits.trim_end_matches('0'))
}

/// Seconds and fraction (absolute), `05.5` when `fill` (two digits) else `5.5`.
fn seconds_text(seconds: i64, micros: i64, fill: bool) -> String {
    let (seconds, micros) = (seconds.abs(), micros.abs());
    if fill {
        format!("{seconds:02}{}", fraction_text(micros))
    } else {
        format!("{seconds}{}", fraction_text(micros))
    }
}

/// An interval's fields as `EncodeInterval` splits them.
struct IntervalFields {
    year: i64,
    mon: i64,
    mday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    fsec: i64,
}

impl IntervalFields {
    fn new(months: i64, days: i64, micros: i64) -> Self {
        IntervalFields {
            year: months / 12,
            mon: months % 12,
            mday: days,
            hour: micros / 3_600_000_000,
            min: (micros / 60_000_000) % 60,
            sec: (micros / 1_000_000) % 60,
            fsec: micros % 1_000_000,
        }
    }

    fn all(&self) -> [i64; 7] {
        [
            self.year, self.mon, self.mday, self.hour, self.min, self.sec, self.fsec,
        ]
    }
}

/// An interval in `IntervalStyle` `sql_standard`, `iso_8601` or `postgres_verbose`
/// (`None` for `postgres`, which `pg_text` prints).
pub fn format_interval(
    months: i64,
    days: i64,
    micros: i64,
    style: IntervalStyle,
) -> Option<String> {
    let f = IntervalFields::new(months, days, micros);
    match style {
        IntervalStyle::Postgres => None,
        IntervalStyle::SqlStandard => Some(sql_standard(f)),
        IntervalStyle::Iso8601 => Some(iso_8601(&f)),
        IntervalStyle::PostgresVerbose => Some(postgres_verbose(&f)),
    }
}

fn sql_standard(mut f: IntervalFields) -> String {
    let has_negative = f.all().iter().any(|v| *v < 0);
    let has_positive = f.all().iter().any(|v| *v > 0);
    let has_year_month = f.year != 0 || f.mon != 0;
    let has_day_time = f.all()[2..].iter().any(|v| *v != 0);
    let mixed = (has_negative && has_positive) || (has_year_month && has_day_time);
    let standard = !mixed;
    let mut out = String::new();
    if has_negative && standard {
        out.push('-');
        f = IntervalFields {
            year: -f.year,
            mon: -f.mon,
            mday: -f.mday,
            hour: -f.hour,
            min: -f.min,
            sec: -f.sec,
            fsec: -f.fsec,
        };
    }
    if !has_negative && !has_positive {
        out.push('0');
    } else if !standard {
        let year_sign = if f.year < 0 || f.mon < 0 { '-' } else { '+' };
        let day_sign = if f.mday < 0 { '-' } else { '+' };
        let sec_sign = if f.hour < 0 || f.min < 0 || f.sec < 0 || f.fsec < 0 {
            '-'
        } else {
            '+'
        };
        out.push_str(&format!(
            "{year_sign}{}-{} {day_sign}{} {sec_sign}{}:{:02}:{}",
            f.year.abs(),
            f.mon.abs(),
            f.mday.abs(),
            f.hour.abs(),
            f.min.abs(),
            seconds_text(f.sec, f.fsec, true)
        ));
    } else if has_year_month {
        out.push_str(&format!("{}-{}", f.year, f.mon));
    } else if f.mday != 0 {
        out.push_str(&format!(
            "{} {}:{:02}:{}",
            f.mday,
            f.hour,
            f.min,
            seconds_text(f.sec, f.fsec, true)
        ));
    } else {
        out.push_str(&format!(
            "{}:{:02}:{}",
            f.hour,
            f.min,
            seconds_text(f.sec, f.fsec, true)
        ));
    }
    out
}

fn iso_8601(f: &IntervalFields) -> String {
    if f.all().iter().all(|v| *v == 0) {
        return "PT0S".to_string();
    }
    let part = |value: i64, unit: char| {
        if value == 0 {
            String::new()
        } else {
            format!("{value}{unit}")
        }
    };
    let mut out = format!(
        "P{}{}{}",
        part(f.year, 'Y'),
        part(f.mon, 'M'),
        part(f.mday, 'D')
    );
    if f.hour != 0 || f.min != 0 || f.sec != 0 || f.fsec != 0 {
        out.push('T');
    }
    out.push_str(&part(f.hour, 'H'));
    out.push_str(&part(f.min, 'M'));
    if f.sec != 0 || f.fsec != 0 {
        if f.sec < 0 || f.fsec < 0 {
            out.push('-');
        }
        out.push_str(&seconds_text(f.sec, f.fsec, false));
        out.push('S');
    }
    out
}

fn postgres_verbose(f: &IntervalFields) -> String {
    let mut out = String::from("@");
    let mut is_zero = true;
    let mut is_before = false;
    for (value, unit) in [
        (f.year, "year"),
        (f.mon, "mon"),
        (f.mday, "day"),
        (f.hour, "hour"),
        (f.min, "min"),
    ] {
        if value == 0 {
            continue;
        }
        let mut value = value;
        if is_zero {
            is_before = value < 0;
            value = value.abs();
        } else if is_before {
            value = -value;
        }
        let plural = if value == 1 { "" } else { "s" };
        out.push_str(&format!(" {value} {unit}{plural}"));
        is_zero = false;
    }
    if f.sec != 0 || f.fsec != 0 {
        out.push(' ');
        if f.sec < 0 || (f.sec == 0 && f.fsec < 0) {
            if is_zero {
                is_before = true;
            } else if !is_before {
                out.push('-');
            }
        } else if is_before {
            out.push('-');
        }
        out.push_str(&seconds_text(f.sec, f.fsec, false));
        let plural = if f.sec.abs() != 1 || f.fsec != 0 {
            "s"
        } else {
            ""
        };
        out.push_str(&format!(" sec{plural}"));
        is_zero = false;
    }
    if is_zero {
        out.push_str(" 0");
    }
    if is_before {
        out.push_str(" ago");
    }
    out
}

/// C's `%.{precision}g` (PostgreSQL's float output when `extra_float_digits` is 0 or
/// less): `precision` significant digits, trailing zeros dropped, scientific notation when
/// the exponent is below -4 or at least `precision`. Finite values only.
pub fn format_g(value: f64, precision: usize) -> String {
    let precision = precision.max(1);
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let scientific = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision as i64 {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_fraction(mantissa), exponent.abs())
    } else {
        let decimals = (precision as i64 - 1 - exponent).max(0) as usize;
        trim_fraction(&format!("{value:.decimals$}")).to_string()
    }
}

fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leap_day() -> Fields {
        Fields {
            year: 2024,
            month: 2,
            day: 29,
            weekday: 4,
            hour: 13,
            minute: 45,
            second: 0,
            micros: 500_000,
        }
    }

    /// Expectations from PostgreSQL 15 (`SET DateStyle = ...`).
    #[test]
    fn date_styles_like_postgres() {
        let at = leap_day();
        let style = DateStyle::parse;
        assert_eq!(format_date(&at, style("SQL, DMY")), "29/02/2024");
        assert_eq!(format_date(&at, style("SQL, MDY")), "02/29/2024");
        assert_eq!(format_date(&at, style("Postgres, MDY")), "02-29-2024");
        assert_eq!(format_date(&at, style("German")), "29.02.2024");
        assert_eq!(
            format_timestamp(&at, style("SQL, DMY"), None),
            "29/02/2024 13:45:00.5"
        );
        assert_eq!(
            format_timestamp(&at, style("SQL, MDY"), Some("EST")),
            "02/29/2024 13:45:00.5 EST"
        );
        assert_eq!(
            format_timestamp(&at, style("Postgres, MDY"), Some("EST")),
            "Thu Feb 29 13:45:00.5 2024 EST"
        );
        assert_eq!(
            format_timestamp(&at, style("Postgres, DMY"), None),
            "Thu 29 Feb 13:45:00.5 2024"
        );
        assert_eq!(
            format_timestamp(&at, style("German"), Some("EST")),
            "29.02.2024 13:45:00.5 EST"
        );
        let bc = Fields {
            year: -43,
            month: 3,
            day: 15,
            weekday: 5,
            micros: 0,
            hour: 0,
            minute: 0,
            second: 0,
        };
        assert_eq!(format_date(&bc, style("SQL, DMY")), "15/03/0044 BC");
        assert_eq!(
            format_timestamp(&bc, style("Postgres"), None),
            "Fri Mar 15 00:00:00 0044 BC"
        );
    }

    /// Expectations from PostgreSQL 15 (`SET IntervalStyle = ...`).
    #[test]
    fn interval_styles_like_postgres() {
        let iso = |m, d, us| format_interval(m, d, us, IntervalStyle::Iso8601).unwrap();
        assert_eq!(iso(14, 3, 14_706_500_000), "P1Y2M3DT4H5M6.5S");
        assert_eq!(iso(0, -1, 0), "P-1D");
        assert_eq!(iso(0, 0, 0), "PT0S");
        assert_eq!(iso(0, 1, 43_200_000_000), "P1DT12H");
        assert_eq!(iso(0, 0, -1_500_000), "PT-1.5S");
        let sql = |m, d, us| format_interval(m, d, us, IntervalStyle::SqlStandard).unwrap();
        assert_eq!(sql(14, 3, 14_706_500_000), "+1-2 +3 +4:05:06.5");
        assert_eq!(sql(14, 0, 0), "1-2");
        assert_eq!(sql(-14, 0, 0), "-1-2");
        assert_eq!(sql(0, 3, 14_706_000_000), "3 4:05:06");
        assert_eq!(sql(0, -1, 0), "-1 0:00:00");
        assert_eq!(sql(0, 0, 0), "0");
        assert_eq!(sql(0, 1, -3_600_000_000), "+0-0 +1 -1:00:00");
        let verbose = |m, d, us| format_interval(m, d, us, IntervalStyle::PostgresVerbose).unwrap();
        assert_eq!(
            verbose(14, 3, 14_706_500_000),
            "@ 1 year 2 mons 3 days 4 hours 5 mins 6.5 secs"
        );
        assert_eq!(verbose(0, -1, 0), "@ 1 day ago");
        assert_eq!(verbose(0, 0, 0), "@ 0");
        assert_eq!(verbose(0, 1, -3_600_000_000), "@ 1 day -1 hours");
        assert_eq!(verbose(0, 0, 1_000_000), "@ 1 sec");
    }

    /// Expectations from PostgreSQL 15 with `extra_float_digits = 0`.
    #[test]
    fn old_float_output() {
        assert_eq!(format_g(0.1 + 0.2, 15), "0.3");
        assert_eq!(format_g(1.0 / 3.0, 15), "0.333333333333333");
        assert_eq!(format_g(1e-7, 15), "1e-07");
        assert_eq!(format_g(123456789.123, 15), "123456789.123");
        assert_eq!(format_g(1e20, 15), "1e+20");
        assert_eq!(format_g(1e15, 15), "1e+15");
        assert_eq!(format_g(123456789012345.0, 15), "123456789012345");
        assert_eq!(format_g(10.0 / 3.0, 15), "3.33333333333333");
        assert_eq!(format_g(0.0001, 15), "0.0001");
        assert_eq!(format_g(-2.5, 15), "-2.5");
        assert_eq!(format_g(f64::from(0.1f32), 6), "0.1");
    }
}
