//! An archive in the monitor tree: a point per (channel, quality, hour) with
//! its coverage, holes, overlaps and bad segments, judged by the alert rules
//! ([`AlertRules`]), and while watching, a recording that stopped growing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::rules::AlertRules;
use super::{Level, Reading};
use crate::analysis::{Analysis, StreamAnalysis};
use crate::coverage::timeline::HourFigures;
use crate::time::HOUR_US;

impl AlertRules {
    /// The reading of one hour of `stream`.
    pub fn judge_hour(&self, stream: &StreamAnalysis, h: &HourFigures) -> Reading {
        let c = &stream.coverage;
        let hour_end = h.hour_start_us + HOUR_US;
        // The part of the hour the recording spans (the first and the newest
        // hour are only partly recorded).
        let from = c
            .first_start_us
            .map_or(h.hour_start_us, |f| f.max(h.hour_start_us));
        let to = c.last_end_us.map_or(hour_end, |l| l.min(hour_end));
        let span = (to - from).max(1);
        let pct = (100.0 * h.raw_coverage_us as f64 / span as f64).min(100.0);
        let touching = || {
            c.raw_holes
                .iter()
                .filter(|iv| iv.start_us < hour_end && iv.end_us > h.hour_start_us)
        };
        // The longest hole in this hour (clipped to it, like the total) and
        // the longest of those holes whole (a hole may run across hours).
        let longest_here_us = touching()
            .map(|iv| iv.end_us.min(hour_end) - iv.start_us.max(h.hour_start_us))
            .max()
            .unwrap_or(0);
        let longest_us = touching()
            .map(|iv| iv.end_us - iv.start_us)
            .max()
            .unwrap_or(0);
        let overlaps = h.overlap_count.full + h.overlap_count.suspect + h.overlap_count.partial;
        let longest = if longest_us > longest_here_us {
            format!(
                "longest {} in this hour, {} across hours",
                short_duration(longest_here_us),
                short_duration(longest_us)
            )
        } else {
            format!("longest {}", short_duration(longest_us))
        };
        let holes = if h.raw_holes == 0 {
            "0 holes".to_string()
        } else {
            format!(
                "{} ({}, {longest})",
                crate::text::counted(h.raw_holes, "hole"),
                short_duration(h.raw_hole_us)
            )
        };
        let value = format!(
            "{} covered, {holes}, {}, {}",
            covered_pct(pct),
            crate::text::counted(overlaps, "overlap"),
            crate::text::counted(h.bad_count, "bad segment")
        );
        let (alert, why) = if longest_us as f64 / 1e6 > self.red_hole_s {
            (
                Level::Red,
                format!(
                    "a hole longer than {} s (monitor.red_hole_s)",
                    self.red_hole_s
                ),
            )
        } else if pct < self.red_coverage_pct {
            (
                Level::Red,
                format!(
                    "under {}% covered (monitor.red_coverage_pct)",
                    self.red_coverage_pct
                ),
            )
        } else if h.raw_holes > 0 && self.any_hole_orange {
            (
                Level::Orange,
                "a hole, however short (monitor.any_hole_orange)".to_string(),
            )
        } else {
            (Level::Green, String::new())
        };
        let value = if why.is_empty() {
            value
        } else {
            format!("{value}; {alert}: {why}")
        };
        Reading::new(value, alert)
    }
}

/// A duration for a reading: milliseconds under a second, else seconds.
fn short_duration(us: i64) -> String {
    if us < 1_000_000 {
        format!("{} ms", (us as f64 / 1e3).round())
    } else {
        format!("{:.1} s", us as f64 / 1e6)
    }
}

/// A coverage percentage that reads 100 only when nothing is missing.
fn covered_pct(pct: f64) -> String {
    let shown = format!("{pct:.2}%");
    if shown == "100.00%" && pct < 100.0 {
        ">99.99%".into()
    } else {
        shown
    }
}

/// The path of an hour's point: `NAME/CHANNEL/QUALITY/HOUR`.
pub fn hour_path(name: &str, s: &StreamAnalysis, hour_start_us: i64) -> String {
    format!(
        "{name}/{}/{}/{}",
        s.channel,
        s.quality,
        crate::time::format_hour(hour_start_us)
    )
}

/// Every hour of `a` as (path, reading) under `name`.
pub fn hour_readings(a: &Analysis, name: &str, rules: &AlertRules) -> Vec<(String, Reading)> {
    a.streams
        .iter()
        .flat_map(|s| {
            s.coverage
                .hours
                .iter()
                .map(move |h| (hour_path(name, s, h.hour_start_us), rules.judge_hour(s, h)))
        })
        .collect()
}

/// A fleet's points, per node: its hours as `NODE/CHANNEL/QUALITY/HOUR` judged
/// by `rules` as an archive's are, or, for a node that could not be read, one
/// Red point `NODE/reachable` saying why.
pub fn fleet_readings(
    report: &crate::fleet::FleetReport,
    rules: &AlertRules,
) -> Vec<(String, Vec<(String, Reading)>)> {
    report
        .fleet
        .nodes
        .iter()
        .map(|n| {
            let name = n.spec.name.replace('/', "∕");
            let readings = match &n.analysis {
                Ok(a) => hour_readings(a, &name, rules),
                Err(e) => vec![(
                    format!("{name}/reachable"),
                    Reading::new(format!("unreachable: {e}"), Level::Red),
                )],
            };
            (name, readings)
        })
        .collect()
}

/// The readings of an archive's hours judged by `rules`; while it is
/// watched (`stall` given), a stream that stopped growing for the rules'
/// critical stall turns its newest hour Critical. The one judgement of an
/// archive for `segscope watch` and the app's Monitor tab.
pub fn judged_hours(
    a: &Analysis,
    name: &str,
    rules: &AlertRules,
    stall: Option<&mut StallWatch>,
    now: std::time::Instant,
) -> Vec<(String, Reading)> {
    let mut readings = hour_readings(a, name, rules);
    if let Some(stall) = stall {
        let stalled = stall.stalled(a, name, rules.critical_stall(), now);
        mark_stalled(&mut readings, &stalled);
    }
    readings
}

/// Makes the readings of `stalled` hours (path, for how long) Critical,
/// saying for how long no new segment came.
pub fn mark_stalled(readings: &mut [(String, Reading)], stalled: &[(String, Duration)]) {
    for (path, reading) in readings {
        if let Some((_, still)) = stalled.iter().find(|(p, _)| p == path) {
            *reading = Reading::new(
                format!(
                    "no new segment for {:.0} s; {}",
                    still.as_secs_f64(),
                    reading.value
                ),
                Level::Critical,
            );
        }
    }
}

/// Whether each stream is still growing, across the scans of a watch.
#[derive(Debug, Default)]
pub struct StallWatch {
    /// Per stream: its last end and when that last moved.
    last: HashMap<(String, String), (i64, Instant)>,
}

impl StallWatch {
    /// After a scan at `now`: the streams whose last end has not moved for
    /// longer than `limit`, with the path of their newest hour and for how
    /// long.
    pub fn stalled(
        &mut self,
        a: &Analysis,
        name: &str,
        limit: Duration,
        now: Instant,
    ) -> Vec<(String, Duration)> {
        let mut out = Vec::new();
        for s in &a.streams {
            let (Some(end), Some(newest)) = (s.coverage.last_end_us, s.coverage.hours.last())
            else {
                continue;
            };
            let key = (s.channel.clone(), s.quality.clone());
            let entry = self.last.entry(key).or_insert((end, now));
            if end > entry.0 {
                *entry = (end, now);
            }
            let still = now.saturating_duration_since(entry.1);
            if still > limit {
                out.push((hour_path(name, s, newest.hour_start_us), still));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::best::{HourSummary, Seg};
    use crate::coverage::timeline::analyse_stream;

    /// One stream of 2 s segments over an hour except the gaps given (s).
    fn stream(gaps: &[(i64, i64)]) -> StreamAnalysis {
        stream_of_hours(1, gaps)
    }

    /// `hours` hours of 2 s segments but for `gaps` (seconds from the start).
    fn stream_of_hours(hours: i64, gaps: &[(i64, i64)]) -> StreamAnalysis {
        let h0 = 1_700_000_000_000_000i64 / HOUR_US * HOUR_US;
        let hours: Vec<HourSummary> = (0..hours)
            .map(|hour| {
                let best: Vec<Seg> = (0..1800)
                    .map(|k| hour * 3600 + k * 2)
                    .filter(|&t| !gaps.iter().any(|&(a, b)| t >= a && t < b))
                    .map(|t| Seg {
                        start_us: h0 + t * 1_000_000,
                        duration_us: 2_000_000,
                        kind: crate::archive::name::SegmentType::Full,
                    })
                    .collect();
                HourSummary::from_best(h0 + hour * HOUR_US, best)
            })
            .collect();
        StreamAnalysis {
            channel: "c".into(),
            quality: "q".into(),
            coverage: analyse_stream(&hours),
            mix_index: Default::default(),
            hours,
            bad_segments: Vec::new(),
        }
    }

    #[test]
    fn hours_are_judged_by_the_rules() {
        let rules = AlertRules::default();
        let judge = |gaps: &[(i64, i64)]| {
            let s = stream(gaps);
            rules.judge_hour(&s, &s.coverage.hours[0])
        };
        let clean = judge(&[]);
        assert_eq!(clean.alert, Level::Green, "{clean:?}");
        assert!(
            clean.value.starts_with("100.00% covered, 0 holes"),
            "{clean:?}"
        );
        assert_eq!(judge(&[(100, 104)]).alert, Level::Orange, "a 4 s hole");
        let long = judge(&[(100, 120)]);
        assert_eq!(long.alert, Level::Red, "a 20 s hole: {long:?}");
        assert!(long.value.contains("longest 20.0 s"), "{long:?}");
        // Many small holes: no hole over 10 s, but under 99 % covered.
        let gaps: Vec<(i64, i64)> = (0..20).map(|k| (k * 100, k * 100 + 4)).collect();
        assert_eq!(judge(&gaps).alert, Level::Red);
        let lenient = AlertRules {
            any_hole_orange: false,
            ..AlertRules::default()
        };
        let s = stream(&[(100, 104)]);
        assert_eq!(
            lenient.judge_hour(&s, &s.coverage.hours[0]).alert,
            Level::Green
        );
    }

    #[test]
    fn hour_readings_agree_with_themselves_and_say_why() {
        let rules = AlertRules::default();
        let one = stream(&[(100, 104)]);
        let r = rules.judge_hour(&one, &one.coverage.hours[0]);
        assert_eq!(
            r.value,
            "99.89% covered, 1 hole (4.0 s, longest 4.0 s), 0 overlaps, 0 bad segments; \
             orange: a hole, however short (monitor.any_hole_orange)",
        );
        let long = rules.judge_hour(
            &stream(&[(100, 120)]),
            &stream(&[(100, 120)]).coverage.hours[0],
        );
        assert!(
            long.value
                .ends_with("red: a hole longer than 10 s (monitor.red_hole_s)"),
            "{long:?}"
        );
        // A hole from 3000 s to 3900 s: each hour says how much of it is
        // there, and the whole length.
        let across = stream_of_hours(2, &[(3000, 3900)]);
        let first = rules.judge_hour(&across, &across.coverage.hours[0]);
        assert!(
            first
                .value
                .contains("1 hole (600.0 s, longest 600.0 s in this hour, 900.0 s across hours)"),
            "{first:?}"
        );
        let second = rules.judge_hour(&across, &across.coverage.hours[1]);
        assert!(
            second
                .value
                .contains("1 hole (300.0 s, longest 300.0 s in this hour, 900.0 s across hours)"),
            "{second:?}"
        );
        assert_eq!(second.alert, Level::Red, "judged by the whole hole");
        assert_eq!(short_duration(40_000), "40 ms");
        assert_eq!(short_duration(999_400), "999 ms");
        assert_eq!(short_duration(1_000_000), "1.0 s");
        assert_eq!(covered_pct(99.9999), ">99.99%");
        assert_eq!(covered_pct(100.0), "100.00%");
    }

    #[test]
    fn a_stream_that_stops_growing_is_stalled_after_the_limit() {
        let a = Analysis {
            root: "a".into(),
            opened_as: crate::archive::layout::OpenedAs::Root,
            streams: vec![stream(&[])],
            warnings: Vec::new(),
            hours_from_cache: 0,
            hours_reused: 0,
            known_hours: HashMap::new(),
        };
        let mut w = StallWatch::default();
        let t0 = Instant::now();
        let limit = Duration::from_secs(120);
        assert!(w.stalled(&a, "a", limit, t0).is_empty());
        assert!(
            w.stalled(&a, "a", limit, t0 + Duration::from_secs(100))
                .is_empty()
        );
        let stalled = w.stalled(&a, "a", limit, t0 + Duration::from_secs(121));
        assert_eq!(stalled.len(), 1);
        assert!(stalled[0].0.starts_with("a/c/q/"), "{stalled:?}");
    }
}
