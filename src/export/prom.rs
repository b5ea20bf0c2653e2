//! Prometheus text exposition of the per-hour figures, with segment_coverage's
//! gauge names and labels (channel, quality, hour, and type where it has one).

use std::fmt::Write as _;

use crate::analysis::Analysis;
use crate::coverage::timeline::HourFigures;
use crate::time::{format_hour, us_to_secs};

type Typed = fn(&HourFigures) -> Vec<(&'static str, f64)>;
type Plain = fn(&HourFigures) -> f64;

enum Gauge {
    Typed(&'static str, &'static str, Typed),
    Plain(&'static str, &'static str, Plain),
}

fn gauges() -> [Gauge; 8] {
    [
        Gauge::Typed(
            "segment_count",
            "Number of segments in an hour, by type",
            |f| {
                vec![
                    ("full", f.segment_count.full as f64),
                    ("suspect", f.segment_count.suspect as f64),
                    ("partial", f.segment_count.partial as f64),
                    ("bad", f.bad_count as f64),
                ]
            },
        ),
        Gauge::Typed(
            "segment_duration",
            "Total duration of segments in an hour, by type, seconds",
            |f| {
                vec![
                    ("full", us_to_secs(f.segment_duration_us.full)),
                    ("suspect", us_to_secs(f.segment_duration_us.suspect)),
                    ("partial", us_to_secs(f.segment_duration_us.partial)),
                ]
            },
        ),
        Gauge::Plain(
            "raw_coverage",
            "Time covered by segments in an hour, seconds",
            |f| us_to_secs(f.raw_coverage_us),
        ),
        Gauge::Plain(
            "editable_coverage",
            "Time covered by the editable chain in an hour, seconds",
            |f| us_to_secs(f.editable_coverage_us),
        ),
        Gauge::Plain(
            "raw_holes",
            "Number of holes in raw coverage touching an hour",
            |f| f.raw_holes as f64,
        ),
        Gauge::Plain(
            "editable_holes",
            "Number of holes in editable coverage touching an hour",
            |f| f.editable_holes as f64,
        ),
        Gauge::Typed(
            "overlap_count",
            "Number of overlapping segments in an hour, by type",
            |f| {
                vec![
                    ("full", f.overlap_count.full as f64),
                    ("suspect", f.overlap_count.suspect as f64),
                    ("partial", f.overlap_count.partial as f64),
                ]
            },
        ),
        Gauge::Typed(
            "overlap_duration",
            "Duration of overlaps in an hour, by type, seconds",
            |f| {
                vec![
                    ("full", us_to_secs(f.overlap_duration_us.full)),
                    ("suspect", us_to_secs(f.overlap_duration_us.suspect)),
                    ("partial", us_to_secs(f.overlap_duration_us.partial)),
                ]
            },
        ),
    ]
}

/// Escapes a label value (backslash, double quote, newline).
pub fn label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Formats a sample value the way Python's client does (`12.0`, `0.5`).
fn value(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// The Prometheus text exposition (format 0.0.4) of every hour of every stream.
pub fn to_prometheus(analysis: &Analysis) -> Vec<u8> {
    let mut out = String::new();
    for gauge in gauges() {
        let (name, help) = match &gauge {
            Gauge::Typed(n, h, _) | Gauge::Plain(n, h, _) => (*n, *h),
        };
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for s in &analysis.streams {
            let (c, q) = (label_value(&s.channel), label_value(&s.quality));
            for f in &s.coverage.hours {
                let hour = format_hour(f.hour_start_us);
                match &gauge {
                    Gauge::Typed(_, _, get) => {
                        for (ty, v) in get(f) {
                            let _ = writeln!(
                                out,
                                "{name}{{channel=\"{c}\",quality=\"{q}\",hour=\"{hour}\",type=\"{ty}\"}} {}",
                                value(v)
                            );
                        }
                    }
                    Gauge::Plain(_, _, get) => {
                        let _ = writeln!(
                            out,
                            "{name}{{channel=\"{c}\",quality=\"{q}\",hour=\"{hour}\"}} {}",
                            value(get(f))
                        );
                    }
                }
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_escapes() {
        assert_eq!(value(12.0), "12.0");
        assert_eq!(value(0.5), "0.5");
        assert_eq!(value(1.968), "1.968");
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
