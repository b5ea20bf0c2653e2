//! An archive in the monitor tree: a point per (channel, quality, hour) with
//! its coverage, holes, overlaps and bad segments, judged by configurable
//! rules (stored in the database's settings table, keys `monitor.*`), and
//! while watching, a recording that stopped growing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Level, Reading};
use crate::analysis::{Analysis, StreamAnalysis};
use crate::coverage::timeline::HourFigures;
use crate::jobs::db::Db;
use crate::jobs::settings;
use crate::time::HOUR_US;

/// The alert rules of an archive's hours.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveRules {
    /// Any hole makes the hour Orange.
    pub any_hole_orange: bool,
    /// A hole longer than this (seconds) makes it Red.
    pub red_hole_s: f64,
    /// Coverage below this (percent of the hour's recorded span) makes it Red.
    pub red_coverage_pct: f64,
    /// While watching: no new segment for longer than this (seconds) makes
    /// the stream's newest hour Critical.
    pub critical_stall_s: f64,
}

impl Default for ArchiveRules {
    fn default() -> Self {
        ArchiveRules {
            any_hole_orange: true,
            red_hole_s: 10.0,
            red_coverage_pct: 99.0,
            critical_stall_s: 120.0,
        }
    }
}

/// The stored rules' keys and what they mean.
pub const KEYS: [(&str, &str); 4] = [
    (
        "monitor.any_hole_orange",
        "any hole makes an hour Orange (true/false; default true)",
    ),
    (
        "monitor.red_hole_s",
        "a hole longer than this many seconds makes an hour Red (default 10)",
    ),
    (
        "monitor.red_coverage_pct",
        "coverage below this percent of the hour's recorded span makes it Red (default 99)",
    ),
    (
        "monitor.critical_stall_s",
        "while watching, no new segment for this many seconds makes the newest hour Critical (default 120)",
    ),
];

impl ArchiveRules {
    /// The value of `key` as stored.
    pub fn value(&self, key: &str) -> Option<String> {
        Some(match key {
            "monitor.any_hole_orange" => self.any_hole_orange.to_string(),
            "monitor.red_hole_s" => self.red_hole_s.to_string(),
            "monitor.red_coverage_pct" => self.red_coverage_pct.to_string(),
            "monitor.critical_stall_s" => self.critical_stall_s.to_string(),
            _ => return None,
        })
    }

    /// Sets `key` from text; a bad value changes nothing.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
        let number = |t: &str| match t.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err(format!("`{t}` is not a number of at least 0")),
        };
        match key {
            "monitor.any_hole_orange" => {
                self.any_hole_orange = match text.trim() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    t => return Err(format!("`{t}` is neither true nor false")),
                }
            }
            "monitor.red_hole_s" => self.red_hole_s = number(text)?,
            "monitor.red_coverage_pct" => self.red_coverage_pct = number(text)?.min(100.0),
            "monitor.critical_stall_s" => self.critical_stall_s = number(text)?,
            _ => return Err(format!("no setting `{key}`")),
        }
        Ok(())
    }

    /// The stored rules; values that do not read are named and skipped.
    pub fn load(db: &Db) -> (ArchiveRules, Vec<String>) {
        let mut rules = ArchiveRules::default();
        let mut problems = Vec::new();
        for (key, _) in KEYS {
            match settings::get(db, key) {
                Ok(Some(text)) => {
                    if let Err(e) = rules.set(key, &text) {
                        problems.push(format!("stored setting {key}: {e}; default used"));
                    }
                }
                Ok(None) => {}
                Err(e) => problems.push(format!("cannot read setting {key}: {e}")),
            }
        }
        (rules, problems)
    }

    /// Checks and stores `key`.
    pub fn store(db: &Db, key: &str, text: &str) -> Result<(), String> {
        let (mut rules, _) = ArchiveRules::load(db);
        rules.set(key, text)?;
        let value = rules.value(key).unwrap_or_default();
        settings::set(db, key, &value).map_err(|e| format!("cannot store {key}: {e}"))
    }

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
        let longest_us = c
            .raw_holes
            .iter()
            .filter(|iv| iv.start_us < hour_end && iv.end_us > h.hour_start_us)
            .map(|iv| iv.end_us - iv.start_us)
            .max()
            .unwrap_or(0);
        let overlaps = h.overlap_count.full + h.overlap_count.suspect + h.overlap_count.partial;
        let value = format!(
            "{pct:.2}% covered, {} holes ({:.1} s, longest {:.1} s), {overlaps} overlaps, {} bad",
            h.raw_holes,
            h.raw_hole_us as f64 / 1e6,
            longest_us as f64 / 1e6,
            h.bad_count
        );
        let alert = if longest_us as f64 / 1e6 > self.red_hole_s || pct < self.red_coverage_pct {
            Level::Red
        } else if h.raw_holes > 0 && self.any_hole_orange {
            Level::Orange
        } else {
            Level::Green
        };
        Reading::new(value, alert)
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
pub fn hour_readings(a: &Analysis, name: &str, rules: &ArchiveRules) -> Vec<(String, Reading)> {
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
        let h0 = 1_700_000_000_000_000i64 / HOUR_US * HOUR_US;
        let best: Vec<Seg> = (0..1800)
            .map(|k| k * 2)
            .filter(|&t| !gaps.iter().any(|&(a, b)| t >= a && t < b))
            .map(|t| Seg {
                start_us: h0 + t * 1_000_000,
                duration_us: 2_000_000,
                kind: crate::archive::name::SegmentType::Full,
            })
            .collect();
        let hours = vec![HourSummary::from_best(h0, best)];
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
        let rules = ArchiveRules::default();
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
        let lenient = ArchiveRules {
            any_hole_orange: false,
            ..ArchiveRules::default()
        };
        let s = stream(&[(100, 104)]);
        assert_eq!(
            lenient.judge_hour(&s, &s.coverage.hours[0]).alert,
            Level::Green
        );
    }

    #[test]
    fn rules_are_stored_and_bad_values_refused() {
        let db = Db::memory().unwrap();
        ArchiveRules::store(&db, "monitor.red_hole_s", "30").unwrap();
        ArchiveRules::store(&db, "monitor.any_hole_orange", "false").unwrap();
        assert!(ArchiveRules::store(&db, "monitor.red_hole_s", "-1").is_err());
        assert!(ArchiveRules::store(&db, "monitor.any_hole_orange", "maybe").is_err());
        let (r, problems) = ArchiveRules::load(&db);
        assert!(problems.is_empty());
        assert_eq!((r.red_hole_s, r.any_hole_orange), (30.0, false));
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
