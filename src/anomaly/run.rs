//! One anomaly run over many series (specs/anomaly.md, "Verdict and
//! outputs"): import every input, pick `now` (the latest timestamp of all
//! series unless given), judge the series in parallel, and keep the timings.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::Settings;
use super::ensemble::{Algorithm, Judgement, Outcome, judge};
use super::import::{ImportError, import_file};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Series files and perf exports (each phase per node becomes a series).
    pub inputs: Vec<PathBuf>,
    /// The analysis time, µs (default: the latest timestamp of all series).
    pub now_us: Option<i64>,
    /// Settings.
    pub settings: Settings,
    /// Enabled algorithms.
    pub enabled: Vec<Algorithm>,
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

/// Runs the ensemble over every series of `options.inputs`. A file that
/// cannot be read at all fails the run, naming it; `stop` is polled between
/// series and stops the run with `None`.
pub fn run(
    options: &RunOptions,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<AnomalyRun>, String> {
    if options.settings.consensus > options.enabled.len() {
        return Err(format!(
            "consensus {} is more than the {} algorithms enabled",
            options.settings.consensus,
            options.enabled.len()
        ));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for path in &options.inputs {
        match crate::input::detect(path) {
            Ok(crate::input::Input::PerfExport(_)) => {
                let a = crate::perf::analyse_export(path, None)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                all.extend(super::derive::perf_series(&a));
                continue;
            }
            Ok(crate::input::Input::Archive(_)) => {
                return Err(format!(
                    "{}: series derived from a segment archive are not built yet; give series files or a perf export",
                    path.display()
                ));
            }
            _ => {}
        }
        let imported =
            import_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file = path.display().to_string();
        errors.extend(imported.errors.into_iter().map(|e| (file.clone(), e)));
        all.extend(imported.series);
    }
    let import_time = started.elapsed();
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
        .par_iter()
        .map(|s| {
            if stop() {
                return None;
            }
            Some(SeriesResult {
                name: s.name.clone(),
                points: s.points.len(),
                dropped: s.dropped,
                duplicates: s.duplicates,
                judgement: judge(s, &options.settings, &options.enabled, now_s),
            })
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
        errors,
        import_time,
        analysis_time: judging.elapsed(),
        output_time: Duration::ZERO,
    }))
}
