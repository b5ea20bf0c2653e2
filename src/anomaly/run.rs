//! One anomaly run over many series (specs/anomaly.md, "Verdict and
//! outputs"): import every input, pick `now` (the latest timestamp of all
//! series unless given), judge the series in parallel, and keep the timings.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::Settings;
use super::ensemble::{Algorithm, Judgement, Outcome, judge};
use super::import::ImportError;
use super::scan::{Scan, ScanWindow, scan};
use super::series::Series;

/// How to judge the series of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The analysis time, µs (default: the latest timestamp of all series).
    pub now_us: Option<i64>,
    /// Settings.
    pub settings: Settings,
    /// Enabled algorithms.
    pub enabled: Vec<Algorithm>,
    /// Scan every point over this window too (specs/anomaly.md, "Scan mode").
    pub scan: Option<ScanWindow>,
}

/// A series scanned point by point.
#[derive(Debug, Clone)]
pub struct Scanned {
    /// The series.
    pub series: Series,
    /// Every point's votes and score.
    pub scan: Scan,
}

/// One series judged.
#[derive(Debug, Clone)]
pub struct SeriesResult {
    /// Its name.
    pub name: String,
    /// Points kept.
    pub points: usize,
    /// Null or NaN values dropped.
    pub dropped: usize,
    /// Repeated timestamps (kept).
    pub duplicates: usize,
    /// The verdict.
    pub judgement: Judgement,
    /// Every point's verdict, when the run scans.
    pub scanned: Option<Scanned>,
}

impl SeriesResult {
    /// How many points the scan found anomalous (at least `consensus`
    /// votes); 0 without a scan.
    pub fn flagged(&self, consensus: usize) -> usize {
        self.scanned
            .as_ref()
            .map_or(0, |s| s.scan.anomalous(consensus).count())
    }

    /// The times (µs) of the points the scan found anomalous (at least
    /// `consensus` votes); empty without a scan.
    pub fn anomalous_times(&self, consensus: usize) -> Vec<i64> {
        self.scanned.as_ref().map_or_else(Vec::new, |s| {
            s.scan
                .anomalous(consensus)
                .map(|i| s.series.points[i].0)
                .collect()
        })
    }
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct AnomalyRun {
    /// Every series, in input order.
    pub series: Vec<SeriesResult>,
    /// The analysis time used, µs.
    pub now_us: i64,
    /// The settings used.
    pub settings: Settings,
    /// The algorithms enabled.
    pub enabled: Vec<Algorithm>,
    /// The scan window, when the run scanned.
    pub scan: Option<ScanWindow>,
    /// Rows that could not be read, with their file.
    pub errors: Vec<(String, ImportError)>,
    /// Time spent importing.
    pub import_time: Duration,
    /// Time spent judging.
    pub analysis_time: Duration,
    /// Time spent writing the outputs written before the JSON report (set by
    /// the caller).
    pub output_time: Duration,
}

impl AnomalyRun {
    /// Series with outcome `o`.
    pub fn count(&self, o: Outcome) -> usize {
        self.series
            .iter()
            .filter(|s| s.judgement.outcome == o)
            .count()
    }

    /// Anomalous series that algorithm `a` voted anomalous (the breakdown per
    /// algorithm).
    pub fn breakdown(&self, a: Algorithm) -> usize {
        self.series
            .iter()
            .filter(|s| s.judgement.outcome == Outcome::Anomalous)
            .filter(|s| s.judgement.votes.iter().any(|(b, v)| *b == a && v.vote))
            .count()
    }

    /// The outcome counts in one line: `N series: a anomalous, b normal, …
    /// (consensus C of E)`.
    pub fn outcome_line(&self) -> String {
        format!(
            "{} series: {} anomalous, {} normal, {} empty, {} too short, {} stale, {} boring (consensus {} of {})",
            self.series.len(),
            self.count(Outcome::Anomalous),
            self.count(Outcome::Normal),
            self.count(Outcome::EmptySeries),
            self.count(Outcome::TooShort),
            self.count(Outcome::Stale),
            self.count(Outcome::Boring),
            self.settings.consensus,
            self.enabled.len()
        )
    }
}

/// Why a run could not judge its series.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// Its settings cannot run.
    #[error(transparent)]
    Settings(#[from] super::config::SettingError),
    /// More series than one run judges.
    #[error("{}", too_many_series(*.0))]
    TooManySeries(usize),
}

/// The most series one run judges: each costs about 0.7 KB besides its
/// points, so a million take well under a gigabyte.
pub const MAX_SERIES: usize = 1_000_000;

/// The message for a run over more than [`MAX_SERIES`] series.
pub fn too_many_series(count: usize) -> String {
    format!(
        "{count} series or more: one run judges at most {MAX_SERIES}; split the inputs into several runs"
    )
}

/// Judges every series of a run, read beforehand (the rows that could not
/// be read are `errors`, taking `import_time`), in parallel: the last point,
/// and every point when `options.scan` says so. `stop` is polled between
/// series and inside scans; `None` when it said stop.
pub fn run(
    all: Vec<Series>,
    errors: Vec<(String, ImportError)>,
    import_time: Duration,
    options: &RunOptions,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<AnomalyRun>, RunError> {
    if options.settings.consensus > options.enabled.len() {
        return Err(super::config::SettingError::ConsensusAboveEnabled {
            consensus: options.settings.consensus,
            enabled: options.enabled.len(),
        }
        .into());
    }
    if all.len() > MAX_SERIES {
        return Err(RunError::TooManySeries(all.len()));
    }
    let now_us = options
        .now_us
        .or_else(|| {
            all.iter()
                .filter_map(|s| s.points.last().map(|p| p.0))
                .max()
        })
        .unwrap_or(0);
    let now_s = now_us as f64 / 1e6;
    let judging = Instant::now();
    let series: Vec<Option<SeriesResult>> = all
        .into_par_iter()
        .map(|s| {
            if stop() {
                return None;
            }
            let judgement = judge(&s, &options.settings, &options.enabled, now_s);
            let mut result = SeriesResult {
                name: s.name.clone(),
                points: s.points.len(),
                dropped: s.dropped,
                duplicates: s.duplicates,
                judgement,
                scanned: None,
            };
            if let Some(window) = options.scan {
                let scan = scan(&s, &options.settings, &options.enabled, window, stop)?;
                result.scanned = Some(Scanned { series: s, scan });
            }
            Some(result)
        })
        .collect();
    if stop() {
        return Ok(None);
    }
    Ok(Some(AnomalyRun {
        series: series.into_iter().flatten().collect(),
        now_us,
        settings: options.settings.clone(),
        enabled: options.enabled.clone(),
        scan: options.scan,
        errors,
        import_time,
        analysis_time: judging.elapsed(),
        output_time: Duration::ZERO,
    }))
}
