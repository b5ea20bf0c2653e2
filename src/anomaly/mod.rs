//! Anomaly analysis (specs/anomaly.md): the series model and the statistical
//! tests of the Skyline ensemble, each returning its vote with the statistic
//! and threshold behind it.
//!
//! Series ([`series`]), the statistics they share ([`stats`]), the nine
//! algorithms ([`algorithms`]) with the exact two-sample Kolmogorov-Smirnov
//! test ([`ks`]) and the augmented Dickey-Fuller test ([`adf`]) behind
//! ks_test, the verdict on a series: pre-checks and consensus vote
//! ([`ensemble`]); scan mode and the anomaly score ([`scan`], with [`order`],
//! [`ks_windows`], [`adf_sums`]); a run over many series ([`run`]); the
//! settings and their checks ([`config`]); the series files it reads
//! ([`import`]: CSV, Graphite, Prometheus) and the series it derives from
//! archives and perf exports ([`mod@derive`], [`bitrate`]); the NAB scorer
//! ([`nab`]). It takes series and settings as values: the database, cache
//! and stored settings are the task layer's.

pub mod adf;
pub mod adf_sums;
pub mod algorithms;
pub mod bitrate;
pub mod config;
pub mod derive;
pub mod ensemble;
pub mod evaluate;
pub mod import;
pub mod ks;
pub mod ks_windows;
pub mod nab;
pub mod order;
pub mod run;
pub mod scan;
pub mod series;
pub mod signal;
pub mod stats;

/// The ensemble's settings (specs/anomaly.md, "Series and settings").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// The window a series is judged over, seconds.
    pub full_duration_s: f64,
    /// Votes needed for "anomalous".
    pub consensus: usize,
    /// A series whose last point is older than this (before `now`) is stale, seconds.
    pub stale_period_s: f64,
    /// Fewer points than this: too short.
    pub min_tolerable_length: usize,
    /// The last this many values ...
    pub max_tolerable_boredom: usize,
    /// ... having exactly this many distinct values: boring.
    pub boredom_set_size: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            full_duration_s: 86_400.0,
            consensus: 6,
            stale_period_s: 500.0,
            min_tolerable_length: 100,
            max_tolerable_boredom: 100,
            boredom_set_size: 1,
        }
    }
}
