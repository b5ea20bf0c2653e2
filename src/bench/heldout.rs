//! `segscope bench anomalies --heldout DIR`: the scan's anomaly score judged
//! on labelled series that are not NAB's, beside the rolling z-score. Each
//! set is scored as NAB scores (standard profile, windows made from the
//! labels as NAB makes its own: [`nab_windows`]) at the threshold NAB's
//! corpus chose for each detector, and at the set's own best threshold (to
//! show how far the NAB threshold is from it), and by average precision
//! per series, averaged.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::anomaly::Settings;
use crate::anomaly::config::DEFAULT_SCAN_WINDOW;
use crate::anomaly::ensemble::Algorithm;
use crate::anomaly::evaluate::{
    LabelledSeries, average_precision, nab_windows, read_labelled_csv, rolling_zscore,
};
use crate::anomaly::nab::{PROFILES, ScoredFile, score_at_threshold, score_corpus};
use crate::anomaly::scan::{ScoreParts, anomaly_score_with, scan_parts};
use crate::anomaly::series::Series;

/// The z-score's window: the previous 1,440 points.
pub const ZSCORE_POINTS: usize = 1440;

/// The rolling z-score of a series ([`rolling_zscore`] over [`ZSCORE_POINTS`]).
pub fn zscore_scores(s: &Series) -> Vec<f64> {
    rolling_zscore(&s.values(), ZSCORE_POINTS)
}

/// segscope's anomaly score and the same score with parts left out, to show
/// what each part brings; the first is the score `segscope anomalies
/// --scan` gives.
pub const VARIANTS: [(&str, ScoreParts); 5] = [
    ("segscope", ScoreParts::ALL),
    (
        "segscope without the records of deviation and level shift",
        ScoreParts {
            records: false,
            ..ScoreParts::ALL
        },
    ),
    (
        "segscope without the routine new extremes' veto",
        ScoreParts {
            routine: false,
            ..ScoreParts::ALL
        },
    ),
    (
        "segscope without the deviation ranking",
        ScoreParts {
            ranking: false,
            ..ScoreParts::ALL
        },
    ),
    (
        "the votes' strength and new extremes only (the earlier score's parts)",
        ScoreParts {
            records: false,
            routine: false,
            ranking: false,
            ..ScoreParts::ALL
        },
    ),
];

/// The name of every detector compared: [`VARIANTS`], then the z-score.
pub fn detector_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = VARIANTS.iter().map(|(name, _)| *name).collect();
    names.push("rolling z-score (previous 1,440 points)");
    names
}

/// Every detector's scores of `s`, in [`detector_names`]' order (one scan
/// for all the variants).
pub fn detector_scores(s: &Series) -> Vec<Vec<f64>> {
    let parts = scan_parts(
        s,
        &Settings::default(),
        &Algorithm::ALL,
        DEFAULT_SCAN_WINDOW,
        &|| false,
    )
    .unwrap_or_default();
    let mut out: Vec<Vec<f64>> = VARIANTS
        .iter()
        .map(|(_, using)| {
            anomaly_score_with(&parts, *using)
                .into_iter()
                .map(f64::from)
                .collect()
        })
        .collect();
    out.push(zscore_scores(s));
    out
}

/// Every labelled CSV under `dir` (any depth), in name order.
fn labelled_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| anyhow::anyhow!("{}: {e}", d.display()))?;
        for e in entries.flatten() {
            let path = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() && path.extension().is_some_and(|x| x == "csv") => {
                    out.push(path)
                }
                _ => {}
            }
        }
    }
    out.sort();
    if out.is_empty() {
        anyhow::bail!("{}: no labelled .csv files", dir.display());
    }
    Ok(out)
}

/// One held-out series with every detector's scores.
struct Scored {
    name: String,
    labelled: LabelledSeries,
    /// Per detector of [`detector_names`].
    scores: Vec<Vec<f64>>,
}

impl Scored {
    fn nab_file(&self, detector: usize) -> ScoredFile {
        let times: Vec<i64> = self.labelled.series.points.iter().map(|p| p.0).collect();
        ScoredFile {
            windows: nab_windows(&self.labelled.labels)
                .into_iter()
                .map(|(a, b)| (times[a], times[b]))
                .collect(),
            scores: self.scores[detector].clone(),
            times,
        }
    }
}

/// Reports every held-out set of `sets` (a folder of labelled CSVs each);
/// `nab_thresholds` are the standard profile's thresholds NAB's corpus chose
/// per detector of [`detector_names`], when NAB was at hand. `per_series`
/// adds a line per series (segscope's and the z-score's figures).
pub fn heldout_report(
    sets: &[PathBuf],
    nab_thresholds: Option<&[f64]>,
    per_series: bool,
) -> anyhow::Result<String> {
    let mut out = String::new();
    let standard = &PROFILES[0];
    for set in sets {
        let files = labelled_files(set)?;
        let scored: Vec<Scored> = files
            .par_iter()
            .map(|path| {
                let labelled = read_labelled_csv(path)?;
                let scores = detector_scores(&labelled.series);
                let name = path.strip_prefix(set).unwrap_or(path).display().to_string();
                Ok(Scored {
                    name,
                    labelled,
                    scores,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let points: usize = scored.iter().map(|s| s.labelled.labels.len()).sum();
        let _ = writeln!(
            out,
            "held-out set {} ({} series, {points} points):",
            set.display(),
            scored.len()
        );
        let names = detector_names();
        for (d, name) in names.iter().enumerate() {
            let nab: Vec<ScoredFile> = scored.iter().map(|s| s.nab_file(d)).collect();
            let best = score_corpus(&nab, standard);
            let aps: Vec<f64> = scored
                .iter()
                .filter_map(|s| average_precision(&s.scores[d], &s.labelled.labels))
                .collect();
            let ap = aps.iter().sum::<f64>() / aps.len().max(1) as f64;
            let at_nab = nab_thresholds.and_then(|t| t.get(d)).map_or_else(
                || "(give --nab DIR for NAB's threshold)".to_string(),
                |&t| {
                    let s = score_at_threshold(&nab, standard, t);
                    format!(
                        "{:.1} at NAB's threshold {t:.4} ({} of {} windows, {} false positives)",
                        s.normalised, s.detected_windows, s.windows, s.false_positives
                    )
                },
            );
            let _ = writeln!(
                out,
                "  {name}: NAB standard {at_nab}; {:.1} at the set's own best threshold {:.4}; average precision {ap:.3}",
                best.normalised, best.threshold
            );
        }
        if per_series {
            for s in &scored {
                let aps: Vec<String> = [0, names.len() - 1]
                    .into_iter()
                    .map(|d| {
                        average_precision(&s.scores[d], &s.labelled.labels)
                            .map_or("-".into(), |ap| format!("{ap:.3}"))
                    })
                    .collect();
                let at_nab: Vec<String> = [0, names.len() - 1]
                    .into_iter()
                    .filter_map(|d| Some((d, *nab_thresholds?.get(d)?)))
                    .map(|(d, t)| {
                        let r = score_at_threshold(&[s.nab_file(d)], standard, t);
                        format!(
                            "{}/{} windows, {} fp",
                            r.detected_windows, r.windows, r.false_positives
                        )
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "    {}: average precision {}; at NAB's threshold {}",
                    s.name,
                    aps.join(" / "),
                    at_nab.join(" / ")
                );
            }
        }
    }
    Ok(out)
}
