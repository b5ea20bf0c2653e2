//! `segscope bench anomalies`: the anomaly targets of the README measured on
//! this machine. The last-point ensemble over many 1,440-point series
//! (series/s over the analysis alone), scan mode over a 22,695-point series
//! (NAB's largest, or a generated one of that length) and over 300,000
//! points, and with the NAB corpus at hand (`--nab DIR`: NAB's `data/` and
//! `labels/`) the import of every file and the corpus' NAB score.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::heldout::{detector_names, detector_scores};
use crate::anomaly::Settings;
use crate::anomaly::ensemble::{Algorithm, judge};
use crate::anomaly::nab::{NabScore, PROFILES, ScoredFile, score_corpus};
use crate::anomaly::scan::{ScanWindow, scan};
use crate::anomaly::series::Series;

/// A generated series of `n` points `step_s` apart: a slow wave, noise from a
/// fixed-seed generator, and a few level shifts and spikes.
pub fn generated_series(name: &str, n: usize, step_s: i64, seed: u64) -> Series {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut noise = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let t0 = 1_600_000_000i64;
    Series::new(
        name,
        (0..n).map(|i| {
            let wave = 10.0 * (i as f64 / 500.0).sin();
            let event = if i % 5000 >= 4990 { 25.0 } else { 0.0 };
            let v = 50.0 + wave + 2.0 * noise() + event;
            ((t0 + i as i64 * step_s) * 1_000_000, Some(v))
        }),
    )
}

/// A NAB data file and its labelled windows.
struct NabFile {
    /// Its name relative to `data/`, as NAB's labels key it.
    name: String,
    path: PathBuf,
    windows: Vec<(i64, i64)>,
}

/// The NAB files under `dir/data` with their windows, by name.
fn nab_corpus(dir: &Path) -> anyhow::Result<Vec<NabFile>> {
    let labels_path = dir.join("labels/combined_windows.json");
    let labels: serde_json::Value = serde_json::from_slice(&std::fs::read(&labels_path)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", labels_path.display()))?;
    let labels = labels
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("{}: not an object", labels_path.display()))?;
    let mut out = Vec::new();
    for (name, windows) in labels {
        let mut ws = Vec::new();
        for w in windows.as_array().into_iter().flatten() {
            let at = |k: usize| {
                w.get(k)
                    .and_then(|v| v.as_str())
                    .and_then(|s| crate::time::parse_user_time(s).ok())
                    .ok_or_else(|| anyhow::anyhow!("{name}: bad window {w}"))
            };
            ws.push((at(0)?, at(1)?));
        }
        out.push(NabFile {
            name: name.clone(),
            path: dir.join("data").join(name),
            windows: ws,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Scores a series as NAB's earthgecko Skyline detector does with the
/// ensemble: every point judged over all the history before it by the seven
/// algorithms it runs (not grubbs or ks_test), 1 when five agree, and after
/// an alert 0 for the next 12 hours. (The first hour of such a window is its
/// first 1/24 here; Skyline's is the first hour of its last day.)
fn skyline_nab_detector(s: &Series) -> Vec<f64> {
    let seven: Vec<Algorithm> = Algorithm::ALL
        .into_iter()
        .filter(|a| !matches!(a, Algorithm::Grubbs | Algorithm::KsTest))
        .collect();
    let settings = Settings {
        consensus: 5,
        ..Settings::default()
    };
    let votes = scan(
        s,
        &settings,
        &seven,
        ScanWindow::Points(usize::MAX),
        &|| false,
    )
    .unwrap_or_default()
    .votes;
    let mut last_alert: Option<i64> = None;
    s.points
        .iter()
        .zip(votes)
        .map(|(p, v)| {
            let expired = last_alert.is_none_or(|t| p.0 - t > 43_200_000_000);
            if expired && v >= 5 {
                last_alert = Some(p.0);
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

/// A NAB score as the report gives it: `63.1 (threshold 0.4248, 93 of 116
/// windows detected, 258 false positives)`.
fn nab_figures(s: &NabScore) -> String {
    format!(
        "{:.1} (threshold {:.4}, {} of {} windows detected, {} false positives)",
        s.normalised, s.threshold, s.detected_windows, s.windows, s.false_positives
    )
}

/// Times `f` over `rounds` and returns the median.
fn median_time(rounds: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// What `segscope bench anomalies` measures (its command-line arguments).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AnomalyBench {
    /// NAB's folder (with data/ and labels/).
    #[arg(long, value_name = "DIR")]
    pub nab: Option<PathBuf>,
    /// A held-out set: a folder of labelled CSVs (`time,value,is_anomaly`,
    /// as GutenTAG writes them; scripts/heldout-series makes two), scored
    /// at NAB's threshold beside a rolling z-score. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub heldout: Vec<PathBuf>,
    /// A line per held-out series (average precision of each detector).
    #[arg(long)]
    pub per_series: bool,
    /// Only the detection figures (NAB and held-out), no timings.
    #[arg(long)]
    pub detection_only: bool,
    /// Series of the last-point measurement.
    #[arg(long, default_value_t = 20_000)]
    pub series: usize,
    /// Rounds.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
}

/// Runs the anomaly benchmarks.
pub fn bench_anomalies(b: &AnomalyBench) -> anyhow::Result<String> {
    let mut out = String::new();
    if !b.detection_only {
        out += &bench_speed(b.nab.as_deref(), b.series, b.rounds)?;
    }
    let thresholds = match &b.nab {
        Some(dir) => {
            let (report, thresholds) = bench_nab(dir, b.rounds)?;
            out += &report;
            Some(thresholds)
        }
        None if b.heldout.is_empty() => {
            out.push_str("(give --nab DIR, NAB's folder with data/ and labels/, for the import and detection figures)\n");
            None
        }
        None => None,
    };
    if !b.heldout.is_empty() {
        out += &super::heldout::heldout_report(&b.heldout, thresholds.as_deref(), b.per_series)?;
    }
    Ok(out)
}

/// The speed figures: the last point over many series, scan mode over NAB's
/// largest file (or a generated one as long) and over 300,000 points.
fn bench_speed(nab: Option<&Path>, series: usize, rounds: usize) -> anyhow::Result<String> {
    let mut out = String::new();
    let settings = Settings::default();
    let all = Algorithm::ALL;
    let never = || false;

    // Last point, many series of 1,440 one-minute points.
    let many: Vec<Series> = (0..series)
        .map(|k| generated_series(&format!("s{k}"), 1440, 60, k as u64))
        .collect();
    let now = many
        .iter()
        .filter_map(|s| s.points.last())
        .map(|p| p.0 as f64 / 1e6)
        .fold(f64::MIN, f64::max);
    let t = median_time(rounds, || {
        let n = many
            .par_iter()
            .filter(|s| judge(s, &settings, &all, now).vote_count() >= 100)
            .count();
        std::hint::black_box(n);
    });
    let _ = writeln!(
        out,
        "last point, nine algorithms, {series} series of 1,440 points: {:.3} s, {:.0} series/s",
        t.as_secs_f64(),
        series as f64 / t.as_secs_f64()
    );

    // Scan mode over NAB's largest file, or a generated series as long.
    let largest = nab
        .map(|d| d.join("data/realKnownCause/machine_temperature_system_failure.csv"))
        .filter(|p| p.is_file());
    let long = match &largest {
        Some(p) => crate::anomaly::import::import_file(p)?
            .series
            .into_iter()
            .next()
            .unwrap_or_default(),
        None => generated_series("generated", 22_695, 300, 7),
    };
    let time_scan = |s: &Series, rounds: usize| {
        median_time(rounds, || {
            std::hint::black_box(scan(s, &settings, &all, ScanWindow::Points(1440), &never));
        })
    };
    let _ = writeln!(
        out,
        "scan, window 1,440 points, {} ({} points): {:.3} s",
        if largest.is_some() {
            "machine_temperature_system_failure.csv"
        } else {
            "generated series"
        },
        long.points.len(),
        time_scan(&long, rounds).as_secs_f64()
    );
    for (step, what) in [(60, "one-minute"), (10, "ten-second")] {
        let big = generated_series("big", 300_000, step, 11);
        let _ = writeln!(
            out,
            "scan, window 1,440 points, 300,000 {what} points: {:.3} s",
            time_scan(&big, 1).as_secs_f64()
        );
    }

    Ok(out)
}

/// The NAB figures: the import of every file, the scan's score under each
/// profile, the other detectors' and the score's parts'. Returns the report
/// and the standard profile's threshold for each of the held-out
/// comparison's detectors ([`super::heldout::detector_names`]).
fn bench_nab(dir: &Path, rounds: usize) -> anyhow::Result<(String, Vec<f64>)> {
    let mut out = String::new();
    let settings = Settings::default();
    let all = Algorithm::ALL;
    let never = || false;
    let corpus = nab_corpus(dir)?;
    let mut imported = Vec::new();
    let mut rows = 0;
    let t = median_time(rounds, || {
        imported = corpus
            .par_iter()
            .map(|f| crate::anomaly::import::import_file(&f.path))
            .collect::<Vec<_>>();
    });
    let mut files = Vec::new();
    let mut failed = Vec::new();
    let scanning = Instant::now();
    let window = crate::anomaly::config::DEFAULT_SCAN_WINDOW;
    let scanned: Vec<_> = imported
        .into_par_iter()
        .zip(corpus.par_iter())
        .map(|(result, NabFile { name, windows, .. })| {
            let result = result.map_err(|e| format!("{name}: {e}"))?;
            if let Some(e) = result.errors.first() {
                return Err(format!("{name}:{}: {}", e.line, e.message));
            }
            let s = result.series.into_iter().next().unwrap_or_default();
            let scanned = scan(&s, &settings, &all, window, &never).unwrap_or_default();
            let file = ScoredFile {
                times: s.points.iter().map(|p| p.0).collect(),
                scores: scanned.score.iter().map(|&x| f64::from(x)).collect(),
                windows: windows.clone(),
            };
            Ok((file, s))
        })
        .collect();
    let scan_time = scanning.elapsed();
    let mut baselines = Vec::new();
    for f in scanned {
        match f {
            Ok((f, s)) => {
                rows += f.times.len();
                baselines.push((f.clone(), s));
                files.push(f);
            }
            Err(e) => failed.push(e),
        }
    }
    let _ = writeln!(
        out,
        "import of {} NAB files ({rows} rows): {:.3} s{}",
        files.len(),
        t.as_secs_f64(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; failed: {}", failed.join("; "))
        }
    );
    let _ = writeln!(
        out,
        "scan of every NAB file (default window, {}): {:.3} s",
        window.label(),
        scan_time.as_secs_f64()
    );
    for p in &PROFILES {
        let s = score_corpus(&files, p);
        let _ = writeln!(out, "NAB score, {} profile: {}", p.name, nab_figures(&s));
    }
    // The score's parts and the other detectors, scored on the same files.
    let others: Vec<(Vec<ScoredFile>, ScoredFile)> = baselines
        .into_par_iter()
        .map(|(file, s)| {
            let variants = detector_scores(&s)
                .into_iter()
                .map(|scores| ScoredFile {
                    scores,
                    ..file.clone()
                })
                .collect();
            let skyline = ScoredFile {
                scores: skyline_nab_detector(&s),
                ..file
            };
            (variants, skyline)
        })
        .collect();
    let mut thresholds = Vec::new();
    for (k, name) in detector_names().into_iter().enumerate() {
        let variant: Vec<ScoredFile> = others.iter().map(|o| o.0[k].clone()).collect();
        let b = score_corpus(&variant, &PROFILES[0]);
        thresholds.push(b.threshold);
        if k > 0 {
            let _ = writeln!(out, "{name}, standard profile: {}", nab_figures(&b));
        }
    }
    let skyline: Vec<ScoredFile> = others.into_iter().map(|o| o.1).collect();
    let b = score_corpus(&skyline, &PROFILES[0]);
    let _ = writeln!(
        out,
        "the same ensemble as Skyline's NAB detector uses it (seven algorithms, consensus 5, all history, 12-hour expiry), standard profile: {:.1} ({} of {} windows detected, {} false positives)",
        b.normalised, b.detected_windows, b.windows, b.false_positives
    );
    Ok((out, thresholds))
}
