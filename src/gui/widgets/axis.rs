//! The time axis: tick steps that adapt to the zoom, and time labels in UTC or
//! local time.

use chrono::{DateTime, Local, Utc};

use crate::time::{HOUR_US, SECOND_US};
use serde::{Deserialize, Serialize};

pub use crate::time::axis_ticks as ticks;

/// How times are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TimeZoneChoice {
    /// UTC (the archive's own time).
    #[default]
    Utc,
    /// The machine's local time zone.
    Local,
}

/// A tick label: as precise as the step needs (the date when it changes at
/// day-or-coarser steps).
pub fn tick_label(us: i64, step_us: i64, tz: TimeZoneChoice) -> String {
    let fmt = if step_us >= 24 * HOUR_US {
        "%Y-%m-%d"
    } else if step_us >= 60 * SECOND_US {
        "%m-%d %H:%M"
    } else if step_us >= SECOND_US {
        "%H:%M:%S"
    } else if step_us >= 1_000 {
        "%H:%M:%S%.3f"
    } else {
        "%H:%M:%S%.6f"
    };
    format_time(us, fmt, tz)
}

/// A full time for tooltips and tables: `2024-11-09 05:07:42.123000` (+ zone).
pub fn full_time(us: i64, tz: TimeZoneChoice) -> String {
    match tz {
        TimeZoneChoice::Utc => format!("{} UTC", format_time(us, "%Y-%m-%d %H:%M:%S%.6f", tz)),
        TimeZoneChoice::Local => format_time(us, "%Y-%m-%d %H:%M:%S%.6f %Z", tz),
    }
}

fn format_time(us: i64, fmt: &str, tz: TimeZoneChoice) -> String {
    let Some(utc) = DateTime::<Utc>::from_timestamp_micros(us) else {
        return String::from("?");
    };
    match tz {
        TimeZoneChoice::Utc => utc.format(fmt).to_string(),
        TimeZoneChoice::Local => utc.with_timezone(&Local).format(fmt).to_string(),
    }
}

/// A duration for people: `12 ms`, `2.500 s`, `12 min 3 s`, `1 h 4 min`.
pub fn human_duration(us: i64) -> String {
    let s = us as f64 / 1e6;
    if us < 1_000 {
        format!("{us} µs")
    } else if us < SECOND_US {
        format!("{:.1} ms", us as f64 / 1e3)
    } else if s < 60.0 {
        format!("{s:.3} s")
    } else if s.round() < 3600.0 {
        // Rounded to whole seconds first, so 59.6 s never shows as "60 s".
        let secs = s.round() as i64;
        format!("{} min {} s", secs / 60, secs % 60)
    } else if s < 48.0 * 3600.0 {
        let mins = (s / 60.0).round() as i64;
        format!("{} h {} min", mins / 60, mins % 60)
    } else {
        let hours = (s / 3600.0).round() as i64;
        format!("{} d {} h", hours / 24, hours % 24)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_adapt_to_zoom() {
        let (step, t) = ticks(0.0, (24 * HOUR_US) as f64, 1200.0, 80.0);
        assert_eq!(step, 6 * HOUR_US);
        assert_eq!(t.first(), Some(&0));
        let (step, _) = ticks(0.0, 10.0 * SECOND_US as f64, 1000.0, 80.0);
        assert_eq!(step, SECOND_US);
        let (step, _) = ticks(0.0, 1_000.0, 1000.0, 80.0);
        assert_eq!(step, 100);
        assert!(ticks(5.0, 5.0, 100.0, 80.0).1.is_empty());
    }

    #[test]
    fn labels_and_durations() {
        let t = crate::time::parse_hour_name("2024-11-09T05").unwrap()
            + 7 * 60 * SECOND_US
            + 42_123_000;
        assert_eq!(tick_label(t, SECOND_US, TimeZoneChoice::Utc), "05:07:42");
        assert_eq!(tick_label(t, 1_000, TimeZoneChoice::Utc), "05:07:42.123");
        assert_eq!(tick_label(t, HOUR_US, TimeZoneChoice::Utc), "11-09 05:07");
        assert_eq!(
            full_time(t, TimeZoneChoice::Utc),
            "2024-11-09 05:07:42.123000 UTC"
        );
        assert_eq!(human_duration(15_000), "15.0 ms");
        assert_eq!(human_duration(2_500_000), "2.500 s");
        assert_eq!(human_duration(723 * SECOND_US), "12 min 3 s");
        assert_eq!(human_duration(3_840 * SECOND_US), "1 h 4 min");
        assert_eq!(human_duration(3_599_700_000), "1 h 0 min", "never 60 min");
        assert_eq!(human_duration(119_600_000), "2 min 0 s", "never 60 s");
        assert_eq!(human_duration(3 * 24 * HOUR_US + 5 * HOUR_US), "3 d 5 h");
    }
}
