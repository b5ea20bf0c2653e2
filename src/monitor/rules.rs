//! The monitor's alert rules, configurable and stored in the database's
//! settings table (keys `monitor.*`, shared by `segscope settings`,
//! `segscope watch` and the app): how an archive's hours, a perf export's
//! nodes and an anomaly run's series are judged, and how often a watch
//! re-scans.

use std::time::Duration;

use super::Level;
use crate::jobs::db::Db;
use crate::jobs::settings;
use crate::time::{MAX_SECONDS, parse_seconds};

/// The alert rules.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRules {
    /// Any hole makes the hour Orange.
    pub any_hole_orange: bool,
    /// A hole longer than this (seconds) makes it Red.
    pub red_hole_s: f64,
    /// Coverage below this (percent of the hour's recorded span) makes it Red.
    pub red_coverage_pct: f64,
    /// While watching: no new segment for longer than this (seconds) makes
    /// the stream's newest hour Critical.
    pub critical_stall_s: f64,
    /// How often a watch re-scans (seconds): the app's Watch toggle and
    /// `segscope watch` without `--interval`.
    pub watch_interval_s: f64,
    /// The level of a node slower than its pool's 95th percentile.
    pub slow_node: Level,
    /// The level of a node with a finding (other than information).
    pub node_finding: Level,
    /// The level of a node an anomaly run flagged in one of its phases.
    pub anomalous_node: Level,
    /// The level of a series whose last point is anomalous.
    pub anomalous_series: Level,
    /// The level of a scanned series with anomalous points before its
    /// last, which is not.
    pub flagged_series: Level,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            any_hole_orange: true,
            red_hole_s: 10.0,
            red_coverage_pct: 99.0,
            critical_stall_s: 120.0,
            watch_interval_s: 30.0,
            slow_node: Level::Orange,
            node_finding: Level::Orange,
            anomalous_node: Level::Orange,
            anomalous_series: Level::Red,
            flagged_series: Level::Orange,
        }
    }
}

/// The stored rules' keys and what they mean.
pub const KEYS: [(&str, &str); 10] = [
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
    (
        "monitor.watch_interval_s",
        "a watch re-scans the archive every this many seconds (at least 1; default 30)",
    ),
    (
        "monitor.slow_node",
        "the level of a node slower than its pool's 95th percentile (none/green/orange/red/critical; default orange)",
    ),
    (
        "monitor.node_finding",
        "the level of a node with a finding other than information (default orange)",
    ),
    (
        "monitor.anomalous_node",
        "the level of a node the anomaly analysis flagged in one of its phases (default orange)",
    ),
    (
        "monitor.anomalous_series",
        "the level of a series whose last point is anomalous (default red)",
    ),
    (
        "monitor.flagged_series",
        "the level of a scanned series with anomalous points before a normal last one (default orange)",
    ),
];

/// Why an alert rule's value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// No such rule.
    #[error("no setting `{0}`")]
    NoSuchKey(String),
    /// Not a yes or no.
    #[error("`{0}` is neither true nor false")]
    NotABool(String),
    /// Not an alert level.
    #[error("`{0}` is not one of none, green, orange, red, critical")]
    NotALevel(String),
    /// Not a number of at least 0.
    #[error("`{0}` is not a number of at least 0")]
    NotANumber(String),
    /// Not a duration in its range.
    #[error("{0}")]
    NotSeconds(String),
}

fn level(text: &str) -> Result<Level, RuleError> {
    Level::from_name(&text.trim().to_ascii_lowercase())
        .ok_or_else(|| RuleError::NotALevel(text.to_string()))
}

/// Seconds as a duration, held within what a duration can be.
fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.clamp(0.0, MAX_SECONDS)).unwrap_or_default()
}

fn number(text: &str) -> Result<f64, RuleError> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(RuleError::NotANumber(text.to_string())),
    }
}

fn duration_s(text: &str, min: f64) -> Result<f64, RuleError> {
    parse_seconds(text, min)
        .map(|d| d.as_secs_f64())
        .map_err(RuleError::NotSeconds)
}

impl settings::SettingsGroup for AlertRules {
    type Error = RuleError;
    fn keys() -> Vec<&'static str> {
        KEYS.iter().map(|k| k.0).collect()
    }
    fn set(&mut self, key: &str, text: &str) -> Result<(), RuleError> {
        AlertRules::set(self, key, text)
    }
    fn value(&self, key: &str) -> Option<String> {
        AlertRules::value(self, key)
    }
}

impl AlertRules {
    /// The value of `key` as stored.
    pub fn value(&self, key: &str) -> Option<String> {
        Some(match key {
            "monitor.any_hole_orange" => self.any_hole_orange.to_string(),
            "monitor.red_hole_s" => self.red_hole_s.to_string(),
            "monitor.red_coverage_pct" => self.red_coverage_pct.to_string(),
            "monitor.critical_stall_s" => self.critical_stall_s.to_string(),
            "monitor.watch_interval_s" => self.watch_interval_s.to_string(),
            "monitor.slow_node" => self.slow_node.to_string(),
            "monitor.node_finding" => self.node_finding.to_string(),
            "monitor.anomalous_node" => self.anomalous_node.to_string(),
            "monitor.anomalous_series" => self.anomalous_series.to_string(),
            "monitor.flagged_series" => self.flagged_series.to_string(),
            _ => return None,
        })
    }

    /// Sets `key` from text; a bad value changes nothing.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), RuleError> {
        match key {
            "monitor.any_hole_orange" => {
                self.any_hole_orange = match text.trim() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    t => return Err(RuleError::NotABool(t.to_string())),
                }
            }
            "monitor.red_hole_s" => self.red_hole_s = number(text)?,
            "monitor.red_coverage_pct" => self.red_coverage_pct = number(text)?.min(100.0),
            "monitor.critical_stall_s" => self.critical_stall_s = duration_s(text, 0.0)?,
            "monitor.watch_interval_s" => self.watch_interval_s = duration_s(text, 1.0)?,
            "monitor.slow_node" => self.slow_node = level(text)?,
            "monitor.node_finding" => self.node_finding = level(text)?,
            "monitor.anomalous_node" => self.anomalous_node = level(text)?,
            "monitor.anomalous_series" => self.anomalous_series = level(text)?,
            "monitor.flagged_series" => self.flagged_series = level(text)?,
            _ => return Err(RuleError::NoSuchKey(key.to_string())),
        }
        Ok(())
    }

    /// The stored rules; values that do not read are named and skipped.
    pub fn load(db: &Db) -> (AlertRules, Vec<String>) {
        settings::load_group(db)
    }

    /// The watch interval.
    pub fn watch_interval(&self) -> Duration {
        seconds(self.watch_interval_s.max(1.0))
    }

    /// How long a stream may stop growing before its newest hour is
    /// Critical.
    pub fn critical_stall(&self) -> Duration {
        seconds(self.critical_stall_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_stored_and_bad_values_refused() {
        let db = Db::memory().unwrap();
        settings::store_group::<AlertRules>(&db, "monitor.red_hole_s", "30").unwrap();
        settings::store_group::<AlertRules>(&db, "monitor.any_hole_orange", "false").unwrap();
        settings::store_group::<AlertRules>(&db, "monitor.anomalous_series", "Critical").unwrap();
        settings::store_group::<AlertRules>(&db, "monitor.watch_interval_s", "5").unwrap();
        assert!(settings::store_group::<AlertRules>(&db, "monitor.red_hole_s", "-1").is_err());
        assert!(
            settings::store_group::<AlertRules>(&db, "monitor.any_hole_orange", "maybe").is_err()
        );
        assert!(settings::store_group::<AlertRules>(&db, "monitor.slow_node", "purple").is_err());
        assert!(
            settings::store_group::<AlertRules>(&db, "monitor.watch_interval_s", "0.5").is_err()
        );
        assert!(
            settings::store_group::<AlertRules>(&db, "monitor.watch_interval_s", "1e30").is_err()
        );
        assert!(
            settings::store_group::<AlertRules>(&db, "monitor.critical_stall_s", "inf").is_err()
        );
        let (r, problems) = AlertRules::load(&db);
        assert!(problems.is_empty());
        assert_eq!((r.red_hole_s, r.any_hole_orange), (30.0, false));
        assert_eq!(r.anomalous_series, Level::Critical);
        assert_eq!(r.watch_interval(), std::time::Duration::from_secs(5));
        assert_eq!(
            r.slow_node,
            Level::Orange,
            "the refused value left the default"
        );
    }

    #[test]
    fn every_key_reads_back_what_it_stores() {
        let rules = AlertRules::default();
        for (key, _) in KEYS {
            let mut copy = rules.clone();
            let value = rules.value(key).unwrap();
            copy.set(key, &value).unwrap();
            assert_eq!(copy, rules, "{key}");
        }
    }
}
