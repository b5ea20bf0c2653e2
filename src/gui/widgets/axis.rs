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

/// The ticks of a time axis `width_px` wide over `t0_us..t1_us`: round steps
/// at least [`LABEL_ROOM_PX`] apart, so the short [`tick_label`]s fit between
/// them. Every time axis of the app uses it: at least four labels on a plot
/// 400 px wide, whatever the span.
pub fn time_marks(t0_us: f64, t1_us: f64, width_px: f32) -> (i64, Vec<i64>) {
    ticks(t0_us, t1_us, width_px, LABEL_ROOM_PX)
}

/// The room a tick label needs (at most six characters), px.
pub const LABEL_ROOM_PX: f32 = 40.0;

/// A tick label, at most six characters: what changes at this step, and
/// where a coarser unit turns over, that unit instead (the date at midnight,
/// the year on its first day, `HH:MM` at a whole minute, `:SS` at a whole
/// second, `.mmm` at a whole millisecond). The caption above the view gives
/// the whole range.
pub fn tick_label(us: i64, step_us: i64, tz: TimeZoneChoice) -> String {
    let whole = |unit: i64| us.rem_euclid(unit) == 0;
    let midnight = format_time(us, "%H:%M:%S%.6f", tz) == "00:00:00.000000";
    let new_year = midnight && format_time(us, "%m-%d", tz) == "01-01";
    if step_us >= 24 * HOUR_US {
        return format_time(us, if new_year { "%Y" } else { "%m-%d" }, tz);
    }
    if midnight {
        return format_time(us, "%m-%d", tz);
    }
    if step_us >= 60 * SECOND_US || (step_us >= SECOND_US && whole(60 * SECOND_US)) {
        return format_time(us, "%H:%M", tz);
    }
    if step_us >= SECOND_US || (step_us >= 1_000 && whole(SECOND_US)) {
        return format_time(us, ":%S", tz);
    }
    if step_us >= 1_000 || whole(1_000) {
        return format!(".{:03}", us.rem_euclid(SECOND_US) / 1_000);
    }
    format!("{:06}", us.rem_euclid(SECOND_US))
}

/// Grid marks at [`time_marks`] for an egui_plot x axis in seconds since the
/// epoch, on a plot about `width_px` wide.
pub fn plot_time_grid(width_px: f32) -> impl Fn(egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    move |input| {
        let (lo, hi) = input.bounds;
        let (step, marks) = time_marks(lo * 1e6, hi * 1e6, width_px);
        marks
            .into_iter()
            .map(|t| egui_plot::GridMark {
                value: t as f64 / 1e6,
                step_size: step as f64 / 1e6,
            })
            .collect()
    }
}

/// The x axis of an egui_plot in seconds since the epoch: [`tick_label`]s at
/// the [`plot_time_grid`] marks, every one shown.
pub fn plot_time_axis<'a>(tz: TimeZoneChoice) -> egui_plot::AxisHints<'a> {
    egui_plot::AxisHints::new_x()
        .formatter(move |mark, _| {
            tick_label(
                (mark.value * 1e6).round() as i64,
                (mark.step_size * 1e6).round() as i64,
                tz,
            )
        })
        .label_spacing(LABEL_ROOM_PX - 8.0..=LABEL_ROOM_PX - 4.0)
}

/// A full time for tooltips and tables: `2024-11-09 05:07:42.123000` (+ zone).
pub fn full_time(us: i64, tz: TimeZoneChoice) -> String {
    match tz {
        TimeZoneChoice::Utc => format!("{} UTC", format_time(us, "%Y-%m-%d %H:%M:%S%.6f", tz)),
        TimeZoneChoice::Local => format_time(us, "%Y-%m-%d %H:%M:%S%.6f %Z", tz),
    }
}

/// `us` formatted with `fmt` (chrono's) in UTC or local time; `?` when out of
/// range.
pub fn format_time(us: i64, fmt: &str, tz: TimeZoneChoice) -> String {
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
        assert_eq!(step, 2 * HOUR_US);
        assert_eq!(t.first(), Some(&0));
        let (step, _) = ticks(0.0, 10.0 * SECOND_US as f64, 1000.0, 80.0);
        assert_eq!(step, SECOND_US);
        let (step, _) = ticks(0.0, 1_000.0, 1000.0, 80.0);
        assert_eq!(step, 100);
        assert!(ticks(5.0, 5.0, 100.0, 80.0).1.is_empty());
    }

    /// Any span on a 400 px axis gets at least four labels, at least their
    /// room apart.
    #[test]
    fn a_400_px_axis_has_four_labels_or_more_whatever_the_span() {
        let mut span = 2_000.0;
        while span < 5e16 {
            let (step, marks) = time_marks(1.7e15, 1.7e15 + span, 400.0);
            assert!(
                marks.len() >= 4,
                "span {span} µs: {} marks, step {step}",
                marks.len()
            );
            assert!(
                step as f64 / span * 400.0 >= f64::from(LABEL_ROOM_PX) - 1e-6,
                "span {span} µs: labels too close"
            );
            span *= 1.37;
        }
    }

    #[test]
    fn labels_and_durations() {
        let t = crate::time::parse_hour_name("2024-11-09T05").unwrap()
            + 7 * 60 * SECOND_US
            + 42_123_000;
        assert_eq!(tick_label(t, SECOND_US, TimeZoneChoice::Utc), ":42");
        assert_eq!(tick_label(t, 1_000, TimeZoneChoice::Utc), ".123");
        assert_eq!(tick_label(t + 250, 50, TimeZoneChoice::Utc), "123250");
        assert_eq!(
            tick_label(t - 42_123_000, SECOND_US, TimeZoneChoice::Utc),
            "05:07"
        );
        assert_eq!(tick_label(t - 123_000, 1_000, TimeZoneChoice::Utc), ":42");
        assert_eq!(tick_label(t, HOUR_US, TimeZoneChoice::Utc), "05:07");
        let midnight = crate::time::parse_hour_name("2024-11-09T00").unwrap();
        assert_eq!(tick_label(midnight, HOUR_US, TimeZoneChoice::Utc), "11-09");
        assert_eq!(
            tick_label(midnight, 24 * HOUR_US, TimeZoneChoice::Utc),
            "11-09"
        );
        let new_year = crate::time::parse_hour_name("2025-01-01T00").unwrap();
        assert_eq!(
            tick_label(new_year, 24 * HOUR_US, TimeZoneChoice::Utc),
            "2025"
        );
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
