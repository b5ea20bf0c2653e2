//! Scoring a detector as the Numenta Anomaly Benchmark (NAB) does, written
//! from its published rules: every labelled anomaly window rewards the
//! earliest detection inside it on a scaled sigmoid of its position
//! (the window's left edge earns the full true-positive weight), a window
//! without a detection costs the false-negative weight, a detection outside
//! every window costs the false-positive weight scaled by its distance from
//! the window before it, and the first 15% of each file (at most 750 rows)
//! is a probationary period that is not scored. One threshold on the anomaly
//! score is chosen for the whole corpus, the one giving the highest total,
//! and the total is normalised: 0 is the detector that never fires, 100 the
//! perfect one.

use std::collections::HashMap;

/// A NAB application profile's weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Its name.
    pub name: &'static str,
    /// True-positive weight.
    pub tp: f64,
    /// False-positive weight.
    pub fp: f64,
    /// False-negative weight.
    pub fn_: f64,
}

/// NAB's three profiles.
pub const PROFILES: [Profile; 3] = [
    Profile {
        name: "standard",
        tp: 1.0,
        fp: 0.11,
        fn_: 1.0,
    },
    Profile {
        name: "reward_low_FP_rate",
        tp: 1.0,
        fp: 0.22,
        fn_: 1.0,
    },
    Profile {
        name: "reward_low_FN_rate",
        tp: 1.0,
        fp: 0.11,
        fn_: 2.0,
    },
];

/// One scored data file.
#[derive(Debug, Clone)]
pub struct ScoredFile {
    /// Row times, ascending.
    pub times: Vec<i64>,
    /// The detector's anomaly score per row, in [0, 1].
    pub scores: Vec<f64>,
    /// Labelled anomaly windows (first, last row time), in order.
    pub windows: Vec<(i64, i64)>,
}

/// The corpus' result under one profile.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NabScore {
    /// The threshold chosen (scores at or above it are detections).
    pub threshold: f64,
    /// The raw total at that threshold.
    pub raw: f64,
    /// The never-firing detector's total.
    pub null: f64,
    /// The perfect detector's total (windows × tp weight).
    pub perfect: f64,
    /// `100 (raw - null) / (perfect - null)`.
    pub normalised: f64,
    /// Windows detected.
    pub detected_windows: usize,
    /// Labelled windows.
    pub windows: usize,
    /// Detections outside every window.
    pub false_positives: usize,
}

/// NAB's scaled sigmoid of a relative position: -1 (a window's left edge)
/// gives 0.98661, 0 (its right edge) 0, beyond 3 (far behind) -1.
pub fn scaled_sigmoid(x: f64) -> f64 {
    if x > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * x).exp()) - 1.0
    }
}

/// A row as the threshold sweep sees it.
#[derive(Debug, Clone, Copy)]
struct Row {
    score: f64,
    /// Its weighted value if detected.
    sweep: f64,
    /// The window it lies in (a corpus-wide number), or none.
    window: Option<usize>,
}

/// The scorable rows of one file (probationary rows left out), with the
/// windows numbered from `first_window`.
fn sweep_file(f: &ScoredFile, p: &Profile, first_window: usize) -> (Vec<Row>, usize) {
    let n = f.times.len();
    let probation = ((0.15 * n as f64).floor()).min(0.15 * 5000.0) as usize;
    let max_tp = scaled_sigmoid(-1.0);
    let index = |t: i64| f.times.iter().position(|&x| x == t);
    let mut rows = Vec::with_capacity(n);
    let mut windows = f.windows.iter().peekable();
    let mut current: Option<(usize, usize, f64)> = None; // (id, right index, width)
    let mut previous: Option<(usize, f64)> = None; // (right index, width)
    let mut next_id = first_window;
    for i in 0..n {
        if let Some(&&(start, end)) = windows.peek()
            && f.times[i] == start
        {
            windows.next();
            let right = index(end).unwrap_or(n - 1);
            current = Some((next_id, right, (right - i + 1) as f64));
            next_id += 1;
        }
        let (sweep, window) = match current {
            Some((id, right, width)) => {
                let position = -((right as f64 - i as f64 + 1.0) / width);
                (scaled_sigmoid(position) * p.tp / max_tp, Some(id))
            }
            None => {
                let unweighted = match previous {
                    None => -1.0,
                    Some((right, width)) => scaled_sigmoid((i - right) as f64 / (width - 1.0)),
                };
                (unweighted * p.fp, None)
            }
        };
        if i >= probation {
            rows.push(Row {
                score: f.scores[i],
                sweep,
                window,
            });
        }
        if let Some((_, right, width)) = current
            && i == right
        {
            previous = Some((right, width));
            current = None;
        }
    }
    (rows, next_id)
}

/// Scores the corpus under profile `p`: the best threshold and its totals.
pub fn score_corpus(files: &[ScoredFile], p: &Profile) -> NabScore {
    let mut best: Option<NabScore> = None;
    let nothing = sweep_thresholds(files, p, |s| {
        if best.is_none_or(|b| s.raw > b.raw) {
            best = Some(s);
        }
    })
    .unwrap_or_else(|nothing| nothing);
    best.unwrap_or(nothing)
}

/// Scores the corpus under profile `p` at a threshold chosen elsewhere (on
/// another corpus): scores at or above `threshold` are detections.
pub fn score_at_threshold(files: &[ScoredFile], p: &Profile, threshold: f64) -> NabScore {
    let mut at: Option<NabScore> = None;
    let nothing = sweep_thresholds(files, p, |s| {
        if s.threshold >= threshold {
            at = Some(s);
        }
    })
    .unwrap_or_else(|nothing| nothing);
    NabScore {
        threshold,
        ..at.unwrap_or(nothing)
    }
}

/// Lowers the threshold through every score of the corpus, calling `visit`
/// with the totals once every row of that score is a detection. Returns the
/// never-firing detector's result: `Err` when the corpus has no scorable
/// row, `Ok` otherwise.
fn sweep_thresholds(
    files: &[ScoredFile],
    p: &Profile,
    mut visit: impl FnMut(NabScore),
) -> Result<NabScore, NabScore> {
    let mut rows = Vec::new();
    let mut next = 0;
    let mut windows = 0;
    for f in files {
        let (mut r, after) = sweep_file(f, p, next);
        next = after;
        windows += f.windows.len();
        rows.append(&mut r);
    }
    rows.sort_by(|a, b| b.score.total_cmp(&a.score));
    // Every scorable window starts as missed.
    let mut best_in_window: HashMap<usize, f64> = HashMap::new();
    for r in &rows {
        if let Some(w) = r.window {
            best_in_window.insert(w, -p.fn_);
        }
    }
    let null = -p.fn_ * best_in_window.len() as f64;
    let perfect = p.tp * windows as f64;
    let result = |threshold: f64, raw: f64, detected: usize, fps: usize| NabScore {
        threshold,
        raw,
        null,
        perfect,
        normalised: 100.0 * (raw - null) / (perfect - null),
        detected_windows: detected,
        windows,
        false_positives: fps,
    };
    let nothing = result(f64::INFINITY, null, 0, 0);
    if rows.is_empty() {
        return Err(nothing);
    }
    visit(nothing);
    let mut windows_total = null;
    let mut fp_total = 0.0;
    let mut fp_count = 0;
    let mut detected = 0;
    let mut i = 0;
    while i < rows.len() {
        // Every row with this score becomes a detection together.
        let threshold = rows[i].score;
        while i < rows.len() && rows[i].score == threshold {
            let r = rows[i];
            match r.window {
                None => {
                    fp_total += r.sweep;
                    fp_count += 1;
                }
                Some(w) => {
                    let slot = best_in_window.entry(w).or_insert(-p.fn_);
                    if *slot == -p.fn_ {
                        detected += 1;
                    }
                    if r.sweep > *slot {
                        windows_total += r.sweep - *slot;
                        *slot = r.sweep;
                    }
                }
            }
            i += 1;
        }
        visit(result(
            threshold,
            windows_total + fp_total,
            detected,
            fp_count,
        ));
    }
    Ok(nothing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scaled_sigmoid_has_nabs_values() {
        assert!((scaled_sigmoid(-1.0) - 0.98661).abs() < 1e-5);
        assert!((scaled_sigmoid(-0.5) - 0.84828).abs() < 1e-5);
        assert_eq!(scaled_sigmoid(0.0), 0.0);
        assert!((scaled_sigmoid(1.0) + 0.98661).abs() < 1e-5);
        assert_eq!(scaled_sigmoid(3.5), -1.0);
    }

    /// 100 rows, one window over rows 40..=49.
    fn file(scores: Vec<f64>) -> ScoredFile {
        ScoredFile {
            times: (0..100).collect(),
            scores,
            windows: vec![(40, 49)],
        }
    }

    #[test]
    fn early_detections_score_most_and_false_positives_cost() {
        let p = PROFILES[0];
        // Never firing: 0; perfect: 100.
        let none = score_corpus(&[file(vec![0.0; 100])], &p);
        assert_eq!((none.null, none.perfect, none.normalised), (-1.0, 1.0, 0.0));
        let mut s = vec![0.0; 100];
        s[40] = 1.0;
        let first = score_corpus(&[file(s.clone())], &p);
        assert!((first.normalised - 100.0).abs() < 1e-9, "{first:?}");
        assert_eq!((first.threshold, first.detected_windows), (1.0, 1));
        // Half-way into the window: 2 sigmoid(2.5) - 1 over max_tp.
        let mut late = vec![0.0; 100];
        late[45] = 1.0;
        let r = score_corpus(&[file(late)], &p);
        let expected = scaled_sigmoid(-0.5) / scaled_sigmoid(-1.0);
        assert!((r.raw - expected).abs() < 1e-12, "{r:?}");
        // A false positive before any window costs the full fp weight; with
        // the detection it is still worth taking at the lower threshold.
        s[20] = 0.9;
        let r = score_corpus(&[file(s.clone())], &p);
        assert_eq!(r.threshold, 1.0, "the fp alone only costs");
        s[40] = 0.8;
        let r = score_corpus(&[file(s)], &p);
        assert_eq!((r.threshold, r.false_positives), (0.8, 1));
        assert!((r.raw - (1.0 - 0.11)).abs() < 1e-12, "{r:?}");
        // Rows in the probationary 15% are not scored at all.
        let mut early = vec![0.0; 100];
        early[5] = 1.0;
        let r = score_corpus(&[file(early)], &p);
        assert_eq!((r.false_positives, r.normalised), (0, 0.0));
    }

    #[test]
    fn a_threshold_chosen_elsewhere_scores_what_it_detects() {
        let mut scores = vec![0.0; 100];
        scores[42] = 0.9;
        scores[80] = 0.5;
        let files = [file(scores)];
        let p = &PROFILES[0];
        let best = score_corpus(&files, p);
        assert_eq!(best.threshold, 0.9);
        let same = score_at_threshold(&files, p, 0.7);
        assert_eq!((same.raw, same.detected_windows), (best.raw, 1));
        assert_eq!(same.threshold, 0.7);
        let lower = score_at_threshold(&files, p, 0.5);
        assert_eq!(lower.false_positives, 1);
        assert!(lower.raw < best.raw);
        let none = score_at_threshold(&files, p, 0.95);
        assert_eq!((none.normalised, none.detected_windows), (0.0, 0));
    }

    #[test]
    fn a_false_positive_just_after_a_window_costs_less_than_one_far_away() {
        let p = PROFILES[0];
        let cost = |row: usize| {
            let mut s = vec![0.0; 100];
            s[row] = 1.0;
            let mut f = file(s);
            f.windows.clear();
            f.windows.push((30, 39));
            sweep_file(&f, &p, 0).0[row - 15].sweep
        };
        assert!(
            cost(41) > cost(45) && cost(45) > cost(90),
            "{} {} {}",
            cost(41),
            cost(45),
            cost(90)
        );
        assert_eq!(cost(90), -0.11);
    }
}
