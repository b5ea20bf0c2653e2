//! The anomaly settings a user keeps: the ensemble's settings, the enabled
//! algorithms and the scan window, as text keys (`anomaly.*`) with their
//! checks. The task layer stores them in the database's settings table
//! (`jobs::settings`), so the command line and the app share them.

use serde::{Deserialize, Serialize};

use super::Settings;
use super::ensemble::Algorithm;
use super::scan::{ScanWindow, WindowError};
use crate::time::MAX_SECONDS;

/// Everything a run needs besides its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyConfig {
    /// The ensemble's settings.
    pub settings: Settings,
    /// The algorithms that vote, in the spec's order.
    pub enabled: Vec<Algorithm>,
    /// The scan window.
    pub window: ScanWindow,
}

/// The default scan window: 1,440 points, which is Skyline's FULL_DURATION
/// (a day) at the one-minute resolution it was built for, and holds enough
/// points at any resolution (a day of half-hourly data would be 48 points,
/// too few to judge).
pub const DEFAULT_SCAN_WINDOW: ScanWindow = ScanWindow::Points(1440);

impl Default for AnomalyConfig {
    fn default() -> Self {
        AnomalyConfig {
            window: DEFAULT_SCAN_WINDOW,
            settings: Settings::default(),
            enabled: Algorithm::ALL.to_vec(),
        }
    }
}

/// One stored setting: its key and what it means.
pub struct Key {
    /// The settings table's key.
    pub key: &'static str,
    /// What it sets.
    pub about: &'static str,
}

/// Every stored anomaly setting.
pub const KEYS: [Key; 8] = [
    Key {
        key: "anomaly.consensus",
        about: "votes needed for anomalous (default 6)",
    },
    Key {
        key: "anomaly.algorithms",
        about: "the algorithms that vote, comma-separated (default: all nine)",
    },
    Key {
        key: "anomaly.full_duration_s",
        about: "FULL_DURATION, the window a series is judged over, seconds (default 86400)",
    },
    Key {
        key: "anomaly.stale_period_s",
        about: "STALE_PERIOD, seconds (default 500)",
    },
    Key {
        key: "anomaly.min_tolerable_length",
        about: "MIN_TOLERABLE_LENGTH, points (default 100)",
    },
    Key {
        key: "anomaly.max_tolerable_boredom",
        about: "MAX_TOLERABLE_BOREDOM, points (default 100)",
    },
    Key {
        key: "anomaly.boredom_set_size",
        about: "BOREDOM_SET_SIZE, distinct values (default 1)",
    },
    Key {
        key: "anomaly.scan_window",
        about: "scan mode's window: points (1440) or a duration (86400s, 90m, 24h, 1d); default 1440 points",
    },
];

/// The largest count a setting takes (points, distinct values): far more than
/// any series holds, and far from where arithmetic on it could overflow.
pub const MAX_COUNT: usize = 1_000_000_000;

/// Why a setting (or the flag that overrides it) was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingError {
    /// No such setting.
    #[error("no setting `{0}`")]
    NoSuchKey(String),
    /// Not a whole number in its range.
    #[error("`{text}` is not a whole number from 1 to {max}")]
    NotACount {
        /// The value given.
        text: String,
        /// The largest allowed.
        max: usize,
    },
    /// Not a number of seconds in its range.
    #[error("`{0}` is not a number of seconds above 0 and at most {MAX_SECONDS} (a year)")]
    NotSeconds(String),
    /// An algorithm name that is none of the nine.
    #[error("no algorithm `{name}`; there are: {known}")]
    NoSuchAlgorithm {
        /// The name given.
        name: String,
        /// The names there are.
        known: String,
    },
    /// An empty list of algorithms.
    #[error("no algorithm named")]
    NoAlgorithm,
    /// Not a scan window.
    #[error(transparent)]
    Window(#[from] WindowError),
    /// More votes needed than algorithms vote.
    #[error(
        "consensus {consensus} is more than the {enabled} algorithms enabled (settings anomaly.consensus and anomaly.algorithms, flags --consensus and --algorithms)"
    )]
    ConsensusAboveEnabled {
        /// The consensus.
        consensus: usize,
        /// The algorithms enabled.
        enabled: usize,
    },
}

fn count_in(text: &str, max: usize) -> Result<usize, SettingError> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(SettingError::NotACount {
            text: text.to_string(),
            max,
        }),
    }
}

fn positive_seconds(text: &str) -> Result<f64, SettingError> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= MAX_SECONDS => Ok(x),
        _ => Err(SettingError::NotSeconds(text.to_string())),
    }
}

/// Reads a comma-separated list of algorithm names (`all` for the nine).
pub fn parse_algorithms(text: &str) -> Result<Vec<Algorithm>, SettingError> {
    if text.trim() == "all" {
        return Ok(Algorithm::ALL.to_vec());
    }
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let a = Algorithm::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
            SettingError::NoSuchAlgorithm {
                name: name.to_string(),
                known: names.join(", "),
            }
        })?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(SettingError::NoAlgorithm);
    }
    out.sort();
    Ok(out)
}

impl AnomalyConfig {
    /// The value of `key` as it would be stored.
    pub fn value(&self, key: &str) -> Option<String> {
        let s = &self.settings;
        Some(match key {
            "anomaly.consensus" => s.consensus.to_string(),
            "anomaly.algorithms" => {
                let names: Vec<&str> = self.enabled.iter().map(|a| a.name()).collect();
                names.join(",")
            }
            "anomaly.full_duration_s" => s.full_duration_s.to_string(),
            "anomaly.stale_period_s" => s.stale_period_s.to_string(),
            "anomaly.min_tolerable_length" => s.min_tolerable_length.to_string(),
            "anomaly.max_tolerable_boredom" => s.max_tolerable_boredom.to_string(),
            "anomaly.boredom_set_size" => s.boredom_set_size.to_string(),
            "anomaly.scan_window" => match self.window {
                ScanWindow::Points(n) => n.to_string(),
                ScanWindow::Duration(d) => format!("{d}s"),
            },
            _ => return None,
        })
    }

    /// Sets `key` from its text; a bad value leaves the config unchanged.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), SettingError> {
        let s = &mut self.settings;
        match key {
            "anomaly.consensus" => s.consensus = count_in(text, Algorithm::ALL.len())?,
            "anomaly.algorithms" => self.enabled = parse_algorithms(text)?,
            "anomaly.full_duration_s" => s.full_duration_s = positive_seconds(text)?,
            "anomaly.stale_period_s" => s.stale_period_s = positive_seconds(text)?,
            "anomaly.min_tolerable_length" => s.min_tolerable_length = count_in(text, MAX_COUNT)?,
            "anomaly.max_tolerable_boredom" => {
                s.max_tolerable_boredom = count_in(text, MAX_COUNT)?;
            }
            "anomaly.boredom_set_size" => s.boredom_set_size = count_in(text, MAX_COUNT)?,
            "anomaly.scan_window" => self.window = ScanWindow::parse(text)?,
            _ => return Err(SettingError::NoSuchKey(key.to_string())),
        }
        Ok(())
    }

    /// Checks that the settings can run: consensus at most the number of
    /// enabled algorithms. The message names the settings (and the flags
    /// that override them).
    pub fn check(&self) -> Result<(), SettingError> {
        if self.settings.consensus > self.enabled.len() {
            return Err(SettingError::ConsensusAboveEnabled {
                consensus: self.settings.consensus,
                enabled: self.enabled.len(),
            });
        }
        Ok(())
    }
}
