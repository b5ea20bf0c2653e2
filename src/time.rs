//! Time helpers: instants are `i64` microseconds since the Unix epoch, UTC.
//!
//! Formatting and parsing of the few textual forms segscope reads and writes:
//! hour directory names (`%Y-%m-%dT%H`), ISO 8601 instants with microseconds and
//! user-given times on the command line.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone as _, Utc};

/// Microseconds in one second.
pub const SECOND_US: i64 = 1_000_000;
/// Microseconds in one hour.
pub const HOUR_US: i64 = 3_600 * SECOND_US;

/// Parses an hour directory name: exactly `DDDD-DD-DDTDD` (ASCII digits) naming a
/// real date and an hour 00-23. Returns the hour's start in µs since the epoch.
pub fn parse_hour_name(name: &str) -> Option<i64> {
    let b = name.as_bytes();
    if b.len() != 13 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    let hour = digits(11..13)?;
    if hour > 23 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let dt = date.and_hms_opt(hour, 0, 0)?;
    Some(Utc.from_utc_datetime(&dt).timestamp_micros())
}

/// The current time, µs since the epoch.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Formats an hour start as its directory name, `%Y-%m-%dT%H`.
pub fn format_hour(hour_start_us: i64) -> String {
    match DateTime::<Utc>::from_timestamp_micros(hour_start_us) {
        Some(dt) => dt.format("%Y-%m-%dT%H").to_string(),
        None => format!("invalid-hour({hour_start_us})"),
    }
}

/// Formats an instant as ISO 8601 UTC with microseconds, e.g. `2024-11-09T05:07:42.123000Z`.
pub fn format_iso(us: i64) -> String {
    match DateTime::<Utc>::from_timestamp_micros(us) {
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        None => format!("invalid-time({us})"),
    }
}

/// µs since the epoch as ISO 8601 UTC: `2015-02-26T21:42:53Z`, with
/// `.ffffff` only when the time has a fraction of a second.
pub fn iso_time(us: i64) -> String {
    if us.rem_euclid(1_000_000) != 0 {
        return format_iso(us);
    }
    match chrono::DateTime::from_timestamp_micros(us) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => us.to_string(),
    }
}

/// The start of the hour containing `us`.
pub fn hour_floor(us: i64) -> i64 {
    us.div_euclid(HOUR_US) * HOUR_US
}

/// Converts a duration in µs to seconds (for reports only).
pub fn us_to_secs(us: i64) -> f64 {
    us as f64 / SECOND_US as f64
}

/// A decimal Unix timestamp in seconds (`1497000033.611512`, `1497000012`,
/// `-5.5`) to µs exactly as Python's `datetime.utcfromtimestamp` does: the
/// value as a double, its fractional part times 10^6 rounded half to even,
/// carried into the seconds at 10^6. `None` for anything else.
pub fn parse_unix_seconds(text: &str) -> Option<i64> {
    let t = text.trim();
    let plain = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && t.bytes().filter(|&b| b == b'.').count() <= 1;
    let value: f64 = t.parse().ok().filter(|_| plain)?;
    if !value.is_finite() || value.abs() > 9.0e12 {
        return None;
    }
    let int_part = value.trunc();
    let mut us = ((value - int_part) * 1e6).round_ties_even();
    let mut secs = int_part;
    if us >= 1e6 {
        us -= 1e6;
        secs += 1.0;
    } else if us <= -1e6 {
        us += 1e6;
        secs -= 1.0;
    }
    Some(secs as i64 * 1_000_000 + us as i64)
}

/// The longest span of seconds a setting or flag accepts (a year).
pub const MAX_SECONDS: f64 = 365.0 * 86_400.0;

/// Parses a number of seconds between `min` and [`MAX_SECONDS`] (a
/// duration a flag or a setting gives), naming the bounds when it is not.
pub fn parse_seconds(text: &str, min: f64) -> Result<std::time::Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (min..=MAX_SECONDS).contains(&x) => {
            Ok(std::time::Duration::from_secs_f64(x))
        }
        _ => Err(format!(
            "`{text}` is not a number of seconds from {min} to {MAX_SECONDS} (a year)"
        )),
    }
}

/// Parses a time given by a user or read from a series file: Unix seconds
/// (`1700000000`, `1700000000.25`), RFC 3339 (`2024-11-09T05:07:42Z`, offsets
/// allowed), or a UTC date-time without offset at any precision from the day
/// down (`2024-11-09`, `2024-11-09T05`, `2024-11-09T05:07`,
/// `2024-11-09T05:07:42.5`; a space may replace the `T`, as in NAB's
/// `2015-02-26 21:42:53`).
pub fn parse_user_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    // A bare year (`2024`) is not read as 2,024 seconds after 1970.
    let year_like = t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit());
    if let Some(us) = parse_unix_seconds(t).filter(|_| !year_like) {
        return Ok(us);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc).timestamp_micros());
    }
    let t = t.strip_suffix('Z').unwrap_or(t).replacen(' ', "T", 1);
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
        && let Some(dt) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(Utc.from_utc_datetime(&dt).timestamp_micros());
    }
    if let Some(h) = parse_hour_name(&t) {
        return Ok(h);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&t, fmt) {
            return Ok(Utc.from_utc_datetime(&dt).timestamp_micros());
        }
    }
    Err(format!(
        "cannot read time {text:?}: expected e.g. 2024-11-09, 2024-11-09T05, 2024-11-09T05:07:42Z or Unix seconds"
    ))
}

/// Candidate tick steps, µs: 1 µs up to about 10,000 years (the coarse ones in
/// whole days, so they are labelled by date).
const STEPS_US: [i64; 56] = [
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    20_000,
    50_000,
    100_000,
    200_000,
    500_000,
    SECOND_US,
    2 * SECOND_US,
    5 * SECOND_US,
    10 * SECOND_US,
    30 * SECOND_US,
    60 * SECOND_US,
    2 * 60 * SECOND_US,
    5 * 60 * SECOND_US,
    10 * 60 * SECOND_US,
    15 * 60 * SECOND_US,
    30 * 60 * SECOND_US,
    HOUR_US,
    2 * HOUR_US,
    3 * HOUR_US,
    6 * HOUR_US,
    12 * HOUR_US,
    24 * HOUR_US,
    2 * 24 * HOUR_US,
    4 * 24 * HOUR_US,
    7 * 24 * HOUR_US,
    14 * 24 * HOUR_US,
    30 * 24 * HOUR_US,
    61 * 24 * HOUR_US,
    91 * 24 * HOUR_US,
    182 * 24 * HOUR_US,
    365 * 24 * HOUR_US,
    2 * 365 * 24 * HOUR_US,
    5 * 365 * 24 * HOUR_US,
    10 * 365 * 24 * HOUR_US,
    20 * 365 * 24 * HOUR_US,
    50 * 365 * 24 * HOUR_US,
    100 * 365 * 24 * HOUR_US,
    200 * 365 * 24 * HOUR_US,
    500 * 365 * 24 * HOUR_US,
    1_000 * 365 * 24 * HOUR_US,
    2_000 * 365 * 24 * HOUR_US,
    5_000 * 365 * 24 * HOUR_US,
    10_000 * 365 * 24 * HOUR_US,
];

/// The smallest step whose ticks are at least `min_px` apart, and the ticks in
/// `[t0, t1]` (multiples of the step, in UTC).
pub fn axis_ticks(t0_us: f64, t1_us: f64, width_px: f32, min_px: f32) -> (i64, Vec<i64>) {
    if t1_us.partial_cmp(&t0_us) != Some(std::cmp::Ordering::Greater) || width_px <= 0.0 {
        return (HOUR_US, Vec::new());
    }
    let us_per_px = (t1_us - t0_us) / f64::from(width_px);
    let step = STEPS_US
        .iter()
        .copied()
        .find(|&s| s as f64 / us_per_px >= f64::from(min_px))
        .unwrap_or(STEPS_US[STEPS_US.len() - 1]);
    let first = (t0_us / step as f64).ceil() as i64;
    let last = (t1_us / step as f64).floor() as i64;
    let ticks = (first..=last).take(1000).map(|k| k * step).collect();
    (step, ticks)
}

#[cfg(test)]
mod axis_tests {
    use super::*;

    #[test]
    fn ticks_stay_few_over_any_span() {
        for span_us in [
            1_000.0,
            3.6e9,
            7.0 * 8.64e10,
            50.0 * 3.156e13,
            8000.0 * 3.156e13,
        ] {
            let (step, ticks) = axis_ticks(0.0, span_us, 1000.0, 100.0);
            assert!(ticks.len() <= 11, "{span_us}: {} ticks", ticks.len());
            assert!(ticks.len() >= 2, "{span_us}: {} ticks", ticks.len());
            assert!(step > 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_names() {
        assert_eq!(parse_hour_name("1970-01-01T00"), Some(0));
        assert_eq!(parse_hour_name("1970-01-01T01"), Some(HOUR_US));
        assert_eq!(format_hour(HOUR_US * 5), "1970-01-01T05");
        for bad in [
            "2024-01-01_05",
            "2024-02-30T05",
            "2024-01-01T24",
            "2024-1-01T05",
            "junk",
            "2024-01-01T05 ",
            "２024-01-01T05",
        ] {
            assert_eq!(parse_hour_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_format_has_microseconds() {
        let h = parse_hour_name("2024-11-09T05").unwrap();
        assert_eq!(
            format_iso(h + 7 * 60 * SECOND_US + 42_123_000),
            "2024-11-09T05:07:42.123000Z"
        );
    }

    #[test]
    fn user_times() {
        let h = parse_hour_name("2024-11-09T05").unwrap();
        assert_eq!(parse_user_time("2024-11-09T05").unwrap(), h);
        assert_eq!(parse_user_time("2024-11-09T05:00:00Z").unwrap(), h);
        assert_eq!(parse_user_time("2024-11-09T06:00:00+01:00").unwrap(), h);
        assert_eq!(
            parse_user_time("2024-11-09 05:30").unwrap(),
            h + 1800 * SECOND_US
        );
        assert_eq!(parse_user_time("2024-11-09").unwrap(), h - 5 * HOUR_US);
        assert!(parse_user_time("yesterday").is_err());
        assert!(
            parse_user_time("2024").is_err(),
            "a year is not Unix seconds"
        );
        // Unix seconds, and NAB's zone-less date-times as UTC.
        assert_eq!(parse_user_time("1731128400").unwrap(), h);
        assert_eq!(parse_user_time("1731128400.25").unwrap(), h + 250_000);
        assert_eq!(
            parse_user_time("2015-02-26 21:42:53").unwrap(),
            1_424_986_973_000_000
        );
    }
}
