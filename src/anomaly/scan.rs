//! Scan mode (specs/anomaly.md, "Scan mode"): the ensemble asked at every
//! point of a series, as if "now" were that point, over the window before it
//! (the preceding FULL_DURATION, or the preceding N points). Each point gets
//! its vote count and segscope's anomaly score.
//!
//! Nothing is recomputed from scratch per point: running sums (re-anchored
//! and rebuilt once per window length, so rounding cannot pile up) give the
//! means, deviations and the straight-line fit; an exponentially weighted
//! state slides with the window; an order-statistic tree gives the median,
//! the median absolute deviation, the extremes and the histogram counts; the
//! first-hour, boredom and ks_test windows are two-pointer ranges. Only
//! ks_test, when its reference and probe both hold 20 points, sorts them.

use std::collections::HashMap;

use super::Settings;
use super::algorithms::{
    Vote, grubbs_critical, grubbs_vote, histogram_bin, histogram_vote, least_squares_vote, mad_vote,
};
use super::ensemble::Algorithm;
use super::ks_windows::KsWindows;
use super::order::OrderWindow;
use super::series::Series;
use super::signal::{Expectation, LEVEL_POINTS, SPREAD_POINTS, Signal, signal};
use crate::time::MAX_SECONDS;

/// The window each point is judged over.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ScanWindow {
    /// The points of the preceding `seconds` (t > t_i - seconds).
    Duration(f64),
    /// The preceding points, this one included.
    Points(usize),
}

/// A text that is no scan window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "window `{0}` is neither a number of points (1 to {MAX_WINDOW_POINTS}) nor a duration up to a year (86400s, 90m, 24h, 1d)"
)]
pub struct WindowError(pub String);

/// ks_test's probe in a window of points: the last 20 points (the fewest
/// Skyline's test takes), whatever their spacing. (In a window of time it is
/// Skyline's last 10 minutes.)
pub const KS_PROBE_POINTS: usize = 20;
/// ks_test's reference in a window of points: the 100 points before the
/// probe, five times the probe as in Skyline's 50 minutes before its 10.
pub const KS_REFERENCE_POINTS: usize = 100;

/// The most points a scan window holds.
pub const MAX_WINDOW_POINTS: usize = 1_000_000_000;

impl ScanWindow {
    /// Reads `1440` (points) or a duration: `86400s`, `90m`, `24h`, `1d`.
    pub fn parse(text: &str) -> Result<ScanWindow, WindowError> {
        let text = text.trim();
        let bad = || WindowError(text.to_string());
        if let Ok(n) = text.parse::<usize>() {
            return if (1..=MAX_WINDOW_POINTS).contains(&n) {
                Ok(ScanWindow::Points(n))
            } else {
                Err(bad())
            };
        }
        // The unit is the last character, whatever its width in bytes.
        let (split, unit) = text.char_indices().last().ok_or_else(bad)?;
        let number = &text[..split];
        let scale = match unit {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86_400.0,
            _ => return Err(bad()),
        };
        match number.parse::<f64>().map(|x| x * scale) {
            Ok(x) if x.is_finite() && x > 0.0 && x <= MAX_SECONDS => Ok(ScanWindow::Duration(x)),
            _ => Err(bad()),
        }
    }

    /// How it reads in reports: `1440 points` or `86400 s`.
    pub fn label(self) -> String {
        match self {
            ScanWindow::Points(n) => format!("{n} points"),
            ScanWindow::Duration(s) => format!("{s} s"),
        }
    }
}

/// Every point's verdict.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scan {
    /// Votes (0..=9) per point, in the series' order.
    pub votes: Vec<u8>,
    /// Anomaly score in [0, 1] per point ([`anomaly_score`]): each point's
    /// [`strength`] weighed by its rarity in the series ([`rare_strengths`]),
    /// 1 for a new extreme of its window ([`ScannedPoint::new_extreme`]) that
    /// is not routine or a record of its deviation signal, damped by what
    /// came shortly before ([`novelty`]); at least [`RANK_WEIGHT`] times its
    /// deviation ranking.
    pub score: Vec<f32>,
    /// Whether each point is a new extreme of its window
    /// ([`ScannedPoint::new_extreme`]).
    pub new_extreme: Vec<bool>,
    /// Whether each point is a routine new extreme, one that does not alert
    /// ([`routine_extremes`]).
    pub routine_extreme: Vec<bool>,
}

impl Scan {
    /// The indices of the points with at least `consensus` votes.
    pub fn anomalous(&self, consensus: usize) -> impl Iterator<Item = usize> + '_ {
        self.votes
            .iter()
            .enumerate()
            .filter(move |(_, v)| **v as usize >= consensus)
            .map(|(i, _)| i)
    }
}

/// Running sums of x = t - tc and y = v - vc over a set of points.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: f64,
    sx: f64,
    sxx: f64,
    sy: f64,
    syy: f64,
    sxy: f64,
}

impl Sums {
    fn add(&mut self, x: f64, y: f64, sign: f64) {
        self.n += sign;
        self.sx += sign * x;
        self.sxx += sign * x * x;
        self.sy += sign * y;
        self.syy += sign * y * y;
        self.sxy += sign * x * y;
    }

    /// Mean of y.
    fn mean(&self) -> f64 {
        self.sy / self.n
    }

    /// Sum of squared deviations of y from its mean.
    fn ss(&self) -> f64 {
        (self.syy - self.sy * self.sy / self.n).max(0.0)
    }

    /// Standard deviation of y with `ddof`; NaN without more than `ddof` points.
    fn std(&self, ddof: f64) -> f64 {
        if self.n <= ddof {
            return f64::NAN;
        }
        (self.ss() / (self.n - ddof)).sqrt()
    }
}

/// The exponentially weighted state over the window (centre of mass 50,
/// adjusted weights): sums of w, w², w·y and w·y² with the newest point's
/// weight 1.
#[derive(Debug, Clone, Copy, Default)]
struct Ewm {
    w: f64,
    w2: f64,
    wy: f64,
    wyy: f64,
}

const EWM_F: f64 = 50.0 / 51.0;

impl Ewm {
    fn push(&mut self, y: f64) {
        self.w = self.w * EWM_F + 1.0;
        self.w2 = self.w2 * EWM_F * EWM_F + 1.0;
        self.wy = self.wy * EWM_F + y;
        self.wyy = self.wyy * EWM_F + y * y;
    }

    /// Removes a point `age` steps older than the newest.
    fn drop_old(&mut self, y: f64, age: usize) {
        let k = EWM_F.powi(age as i32);
        self.w -= k;
        self.w2 -= k * k;
        self.wy -= k * y;
        self.wyy -= k * y * y;
    }

    /// (mean of y, bias-corrected standard deviation).
    fn mean_std(&self) -> (f64, f64) {
        let m = self.wy / self.w;
        let biased = (self.wyy / self.w - m * m).max(0.0);
        let denom = self.w * self.w - self.w2;
        let var = if denom > 1e-12 {
            self.w * self.w / denom * biased
        } else {
            f64::NAN
        };
        (m, var.sqrt())
    }
}

/// Runs the `enabled` algorithms at every point of `series` over `window`.
/// `stop` is polled every few thousand points; a stopped scan returns `None`.
pub fn scan(
    series: &Series,
    settings: &Settings,
    enabled: &[Algorithm],
    window: ScanWindow,
    stop: &dyn Fn() -> bool,
) -> Option<Scan> {
    let parts = scan_parts(series, settings, enabled, window, stop)?;
    Some(Scan {
        score: anomaly_score(&parts),
        votes: parts.votes,
        new_extreme: parts.extremes.iter().map(Option::is_some).collect(),
        routine_extreme: routine_extremes(&parts.extremes),
    })
}

/// What a scan's anomaly score is made of, per point.
#[derive(Debug, Clone, Default)]
pub struct ScanParts {
    /// Votes (0..=9).
    pub votes: Vec<u8>,
    /// The [`strength`] of the votes; none when a pre-check decided.
    pub strengths: Vec<Option<f64>>,
    /// For a new extreme of its window, how far beyond the window's other
    /// values it lies ([`ScannedPoint::new_extreme`]).
    pub extremes: Vec<Option<f64>>,
    /// The deviation signal the alerts use: its expectation may be the
    /// previous point, for a series that wanders ([`signal`]).
    pub signal: Signal,
    /// The deviation signal the ranking uses ([`deviation_rank`]): against
    /// the level or the seasonal profile only, so every point of an
    /// incident stands out, not just its first step.
    pub ranking: Signal,
    /// Where each point's window starts.
    pub starts: Vec<usize>,
    /// Where novelty is measured ([`novelty_positions`]).
    pub positions: Vec<i64>,
    /// How far back novelty looks, in the positions' unit.
    pub horizon: i64,
}

/// The scan behind [`scan`], before the score is made: votes, strengths
/// and new extremes per point. `None` when `stop` ended it.
pub fn scan_parts(
    series: &Series,
    settings: &Settings,
    enabled: &[Algorithm],
    window: ScanWindow,
    stop: &dyn Fn() -> bool,
) -> Option<ScanParts> {
    let n = series.points.len();
    let mut out = ScanParts {
        votes: Vec::with_capacity(n),
        strengths: Vec::with_capacity(n),
        extremes: Vec::with_capacity(n),
        ..ScanParts::default()
    };
    let mut run_ensemble = || {
        scan_each(series, settings, enabled, window, stop, |_, point| {
            out.votes
                .push(point.votes.iter().filter(|(_, v)| v.vote).count() as u8);
            out.strengths
                .push((!point.votes.is_empty()).then(|| strength(point.votes, enabled.len())));
            out.extremes.push(point.new_extreme);
        })
    };
    let signals = || deviation_signals(&series.points, window);
    // A long series computes its signals on a second thread meanwhile.
    let (finished, (starts, alerting, ranking)) = if n >= PARALLEL_SIGNAL_POINTS {
        std::thread::scope(|scope| {
            let other = scope.spawn(signals);
            let finished = run_ensemble();
            (finished, other.join().unwrap_or_else(|_| signals()))
        })
    } else {
        (run_ensemble(), signals())
    };
    if !finished {
        return None;
    }
    out.signal = alerting;
    out.ranking = ranking;
    out.starts = starts;
    (out.positions, out.horizon) = novelty_positions(&series.points, window);
    Some(out)
}

/// A series this long computes its deviation signals beside the ensemble,
/// on a thread of their own.
const PARALLEL_SIGNAL_POINTS: usize = 50_000;

/// Each point's window start, and the alerting and ranking signals
/// ([`ScanParts::signal`], [`ScanParts::ranking`]; one computed once when
/// they choose the same expectation).
fn deviation_signals(points: &[(i64, f64)], window: ScanWindow) -> (Vec<usize>, Signal, Signal) {
    let starts: Vec<usize> = (0..points.len())
        .map(|i| window_start(points, i, window))
        .collect();
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let alerting = signal(&values, &starts, true);
    let ranking = if alerting.model == Expectation::Previous {
        signal(&values, &starts, false)
    } else {
        alerting.clone()
    };
    (starts, alerting, ranking)
}

/// How far back [`novelty`] looks: this fraction (1/12) of the window, so
/// 120 points of the default 1,440 (two hours of one-minute points, ten
/// hours of five-minute ones).
pub const NOVELTY_FRACTION: usize = 12;

/// Where [`novelty`] measures each point and how far back it looks: for a
/// window of points, the point's index and [`NOVELTY_FRACTION`] of the
/// window's points; for a window of time, the point's time (µs) and that
/// fraction of the window's duration. Counting in points keeps a series'
/// score the same whatever its sampling rate.
pub fn novelty_positions(points: &[(i64, f64)], window: ScanWindow) -> (Vec<i64>, i64) {
    match window {
        ScanWindow::Points(n) => (
            (0..points.len() as i64).collect(),
            (n / NOVELTY_FRACTION).max(1) as i64,
        ),
        ScanWindow::Duration(d) => (
            points.iter().map(|p| p.0).collect(),
            ((d / NOVELTY_FRACTION as f64) * 1e6).max(1.0) as i64,
        ),
    }
}

/// A deviation or level shift this fraction above the highest of its
/// window's earlier ones is a record and alerts like a new extreme.
pub const RECORD_MARGIN: f64 = 0.2;

/// The share of the score the undamped deviation ranking can reach
/// ([`deviation_rank`]): below the alerts' range, so it orders the points an
/// alert leaves unflagged without raising alerts of its own.
pub const RANK_WEIGHT: f64 = 0.4;

/// Whether each point's `feature` is more than [`RECORD_MARGIN`] above
/// every earlier value of its window (the window starting at `starts[i]`;
/// a point with no earlier value, or only ones of 0 or below, is none).
pub fn records(feature: &[f64], starts: &[usize]) -> Vec<bool> {
    let mut high: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut out = Vec::with_capacity(feature.len());
    for (i, &x) in feature.iter().enumerate() {
        while high.front().is_some_and(|&k| k < starts[i]) {
            high.pop_front();
        }
        let before = high.front().map(|&k| feature[k]);
        out.push(before.is_some_and(|m| m > 0.0 && x > m * (1.0 + RECORD_MARGIN)));
        while high.back().is_some_and(|&k| feature[k] <= x) {
            high.pop_back();
        }
        high.push_back(i);
    }
    out
}

/// Whether each point is a record ([`records`]) of the deviation or of the
/// level shift of `signal`.
fn deviation_or_level_records(signal: &Signal, starts: &[usize]) -> Vec<bool> {
    let level = records(&signal.level, starts);
    records(&signal.deviation, starts)
        .into_iter()
        .zip(level)
        .map(|(d, l)| d || l)
        .collect()
}

/// How unusual each point is, undamped, in [0, 1): the largest of its
/// deviation, its level shift and three times its spread change (all from
/// the ranking signal: level or seasonal profile), each `x` mapped to
/// `x / (3 + x)`, so 3 robust standard deviations give one half.
pub fn deviation_rank(signal: &Signal) -> Vec<f64> {
    // Infinite: beyond any scale (a change in a flat window); NaN: nothing
    // measured (values too large to take differences of).
    let squash = |x: f64| match x {
        x if x.is_nan() => 0.0,
        x if x.is_infinite() => 1.0,
        x => x / (3.0 + x),
    };
    (0..signal.deviation.len())
        .map(|i| {
            squash(signal.deviation[i])
                .max(squash(signal.level[i]))
                .max(squash(3.0 * signal.spread[i]))
        })
        .collect()
}

/// A new extreme is routine, and does not alert, when at least this share of
/// the series' earlier alerting new extremes lay as far or farther beyond
/// their windows: a series that wanders sets new highs by small steps all
/// the time, a series at rest seldom, and one far past the others is news.
pub const ROUTINE_EXTREME: f64 = 2.0 / 3.0;

/// Which of `extremes` (how far beyond its window each new extreme lies) are
/// routine ([`ROUTINE_EXTREME`]): f, the share of the earlier ones at least
/// as far, counted over one more than their number (so the first two new
/// extremes of a series always alert), reaches two thirds.
pub fn routine_extremes(extremes: &[Option<f64>]) -> Vec<bool> {
    let far = |e: f64| if e.is_nan() { f64::INFINITY } else { e };
    let distances: Vec<f64> = extremes.iter().flatten().map(|&e| far(e)).collect();
    let mut earlier = OrderWindow::new(&distances);
    let mut next = 0;
    extremes
        .iter()
        .map(|e| {
            let Some(e) = *e else { return false };
            let seen = earlier.len();
            let as_far = seen - earlier.count_below(far(e));
            earlier.insert(next);
            next += 1;
            as_far as f64 / (seen + 1) as f64 >= ROUTINE_EXTREME
        })
        .collect()
}

/// Whether each judged point is a record of its deviation or of its level
/// shift ([`records`] of the alerting signal).
pub fn signal_records(parts: &ScanParts) -> Vec<bool> {
    let n = parts.strengths.len();
    if parts.signal.deviation.len() != n {
        return vec![false; n];
    }
    deviation_or_level_records(&parts.signal, &parts.starts)
        .into_iter()
        .zip(&parts.strengths)
        .map(|(r, s)| r && s.is_some())
        .collect()
}

/// Which parts [`anomaly_score_with`] uses: all of them in
/// [`ScoreParts::ALL`], the score segscope gives; fewer to measure what
/// each brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreParts {
    /// The votes' strength weighed by its rarity.
    pub votes: bool,
    /// New extremes of the value alert.
    pub new_extremes: bool,
    /// Routine new extremes do not alert ([`routine_extremes`]).
    pub routine: bool,
    /// Records of the deviation and the level shift alert.
    pub records: bool,
    /// The undamped deviation ranking below the alerts.
    pub ranking: bool,
}

impl ScoreParts {
    /// Every part: the anomaly score.
    pub const ALL: ScoreParts = ScoreParts {
        votes: true,
        new_extremes: true,
        routine: true,
        records: true,
        ranking: true,
    };
}

/// The anomaly score of every point from the scan's parts: the votes'
/// strength weighed by its rarity ([`rare_strengths`]), 1 for a new extreme
/// that is not routine ([`routine_extremes`]) or a record of the deviation
/// or the level shift ([`signal_records`]), made novel ([`novelty`]); and
/// at least [`RANK_WEIGHT`] times the point's [`deviation_rank`].
pub fn anomaly_score(parts: &ScanParts) -> Vec<f32> {
    anomaly_score_with(parts, ScoreParts::ALL)
}

/// [`anomaly_score`] from the parts `using` names only.
pub fn anomaly_score_with(parts: &ScanParts, using: ScoreParts) -> Vec<f32> {
    let n = parts.strengths.len();
    let mut alert = if using.votes {
        rare_strengths(&parts.strengths)
    } else {
        vec![0.0; n]
    };
    let extremes = if using.new_extremes {
        parts.extremes.clone()
    } else {
        vec![None; n]
    };
    let records = if using.records {
        signal_records(parts)
    } else {
        vec![false; n]
    };
    let routine = if using.routine {
        routine_extremes(&extremes)
    } else {
        vec![false; n]
    };
    for (i, a) in alert.iter_mut().enumerate() {
        if (extremes[i].is_some() && !routine[i]) || records[i] {
            *a = 1.0;
        }
    }
    let damped = novelty(&parts.positions, &alert, &extremes, parts.horizon);
    let rank = if using.ranking {
        deviation_rank(&parts.ranking)
    } else {
        vec![0.0; n]
    };
    damped
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let r = rank.get(i).copied().unwrap_or(0.0);
            a.max((RANK_WEIGHT * r) as f32)
        })
        .collect()
}

/// How routine strength fades: a point keeps `exp(-RARITY f)` of its
/// strength, f the fraction of the series' earlier judged points at least as
/// strong (so 1/e of it when 0.2% of them were).
pub const RARITY: f64 = 500.0;

/// Each point's strength weighed by how rare it is in its series: times
/// `exp(-RARITY f)`, f the fraction of the earlier judged points (those with
/// a strength) at least as strong. A strength the series reaches every few
/// hours is routine for it and keeps little; one it has rarely or never
/// reached keeps nearly all. Points without a strength get 0.
pub fn rare_strengths(strengths: &[Option<f64>]) -> Vec<f64> {
    let judged: Vec<f64> = strengths.iter().flatten().copied().collect();
    let mut earlier = OrderWindow::new(&judged);
    let mut next = 0;
    strengths
        .iter()
        .map(|s| {
            let Some(x) = *s else { return 0.0 };
            let seen = earlier.len();
            let as_strong = seen - earlier.count_below(x);
            earlier.insert(next);
            next += 1;
            x * (-RARITY * as_strong as f64 / seen.max(1) as f64).exp()
        })
        .collect()
}

/// A new extreme lying this many times farther beyond its window's other
/// values than the farthest new extreme shortly before it is news again:
/// a spike far past the modest new high an hour earlier alerts anew.
pub const ESCALATION: f64 = 4.0;

/// The largest of some values over a sliding time horizon.
struct HorizonMax {
    horizon_us: i64,
    /// A decreasing run of (time, value) inside the horizon.
    recent: std::collections::VecDeque<(i64, f64)>,
}

impl HorizonMax {
    fn new(horizon_us: i64) -> Self {
        HorizonMax {
            horizon_us,
            recent: std::collections::VecDeque::new(),
        }
    }

    /// The largest value pushed within the horizon before `t` (0 if none).
    fn before(&mut self, t: i64) -> f64 {
        while self
            .recent
            .front()
            .is_some_and(|&(tj, _)| tj <= t - self.horizon_us)
        {
            self.recent.pop_front();
        }
        self.recent.front().map_or(0.0, |&(_, x)| x)
    }

    fn push(&mut self, t: i64, x: f64) {
        while self.recent.back().is_some_and(|&(_, y)| y <= x) {
            self.recent.pop_back();
        }
        self.recent.push_back((t, x));
    }
}

/// The anomaly score from each point's strength: the strength times
/// `sqrt(1 - m)`, m the highest strength of the points in the `horizon_us`
/// before it. A point as strong as one shortly before it adds little: an
/// incident alerts once, at its start, instead of at every point of it.
/// A new extreme (`extremes`, how far beyond its window it lies) is damped
/// by `m` times `min(1, ESCALATION e / x)` instead, e the farthest new
/// extreme in the horizon and x its own distance ([`ESCALATION`]).
pub fn novelty(
    positions: &[i64],
    strengths: &[f64],
    extremes: &[Option<f64>],
    horizon_us: i64,
) -> Vec<f32> {
    let mut strongest = HorizonMax::new(horizon_us);
    let mut farthest = HorizonMax::new(horizon_us);
    let mut out = Vec::with_capacity(strengths.len());
    for (i, &x) in strengths.iter().enumerate() {
        let t = positions[i];
        let m = strongest.before(t);
        let earlier = farthest.before(t);
        let extreme = extremes.get(i).copied().flatten();
        let damp = match extreme {
            // NaN (two changes of a flat window) counts as no further.
            Some(e) if earlier > 0.0 => m * (ESCALATION * earlier / e).min(1.0),
            _ => m,
        };
        out.push((x * (1.0 - damp).max(0.0).sqrt()).clamp(0.0, 1.0) as f32);
        strongest.push(t, x);
        if let Some(e) = extreme {
            farthest.push(t, e);
        }
    }
    out
}

/// The scan's own judgement of one point, recomputed alone: the votes
/// [`scan`] counted there, over the same window, with each algorithm's
/// statistic and threshold. A point card built from this says what the flag
/// says.
#[derive(Debug, Clone, PartialEq)]
pub struct PointVerdict {
    /// The point's index in its series.
    pub index: usize,
    /// The window's first point (the last is `index`).
    pub window_start: usize,
    /// The enabled algorithms' votes; empty when a pre-check decided (too few
    /// points in the window, or a boring one).
    pub votes: Vec<(Algorithm, Vote)>,
    /// As [`ScannedPoint::new_extreme`].
    pub new_extreme: Option<f64>,
    /// The deviation signal at the point; none when a pre-check decided.
    pub signal: Option<PointSignal>,
}

/// The deviation signal at one point, as the anomaly score used it: what a
/// point card shows so a user can check it against the chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointSignal {
    /// The value the point was expected to have, and from what.
    pub expected: f64,
    /// What the expectation is.
    pub model: Expectation,
    /// The residual's distance from the window's median residual, in robust
    /// standard deviations.
    pub deviation: f64,
    /// The last ten residuals' mean, as far off, in the same unit.
    pub level: f64,
    /// The recent point-to-point changes over the window's, as a factor.
    pub spread_factor: f64,
    /// Whether the deviation or the level shift is a record of its window
    /// ([`records`]): an alert.
    pub record: bool,
    /// The undamped ranking in [0, 1) ([`deviation_rank`]); the score is at
    /// least [`RANK_WEIGHT`] times it.
    pub rank: f64,
}

/// A number with at most four decimals and no trailing zeros.
fn short(x: f64) -> String {
    let text = format!("{x:.4}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

impl PointSignal {
    /// The signal in words a user can check against the chart.
    pub fn sentences(&self, value: f64) -> Vec<String> {
        let from = match self.model {
            Expectation::Level => "the window's level (its median)".to_string(),
            Expectation::Previous => {
                "the point before (this series wanders, so its steps are judged)".to_string()
            }
            Expectation::Seasonal(p) => format!(
                "its seasonal profile: the median of the values {p}, {} and {} points before",
                2 * p,
                3 * p
            ),
        };
        let mut out = vec![match self.model {
            Expectation::Level => format!(
                "Deviation: {:.1} robust standard deviations from {from}.",
                self.deviation
            ),
            _ => format!(
                "Expected {} from {from}; the value {value} lies {:.1} robust standard deviations off.",
                short(self.expected),
                self.deviation
            ),
        }];
        out.push(format!(
            "Level shift: the last {LEVEL_POINTS} points' mean is {:.1} robust standard deviations off; spread: the last {SPREAD_POINTS} changes are {:.2} times the window's.",
            self.level, self.spread_factor
        ));
        if self.record {
            out.push(format!(
                "A record: its deviation or level shift tops its window's earlier highest by more than {:.0}%, which alerts.",
                RECORD_MARGIN * 100.0
            ));
        }
        out.push(format!(
            "Ranking {:.2}: the score is at least {RANK_WEIGHT} times it.",
            self.rank
        ));
        out
    }

    /// The signal at the last of `points` (every point before it is
    /// history: the signal is causal), as the scan of all of them has it.
    fn at_last(points: &[(i64, f64)], window: ScanWindow) -> Option<Self> {
        let i = points.len().checked_sub(1)?;
        let (starts, alerting, ranking) = deviation_signals(points, window);
        let model = if i >= alerting.model_from {
            alerting.model
        } else {
            Expectation::Level
        };
        Some(PointSignal {
            expected: alerting.expected[i],
            model,
            deviation: alerting.deviation[i],
            level: alerting.level[i],
            spread_factor: alerting.spread[i].exp(),
            record: deviation_or_level_records(&alerting, &starts)[i],
            rank: deviation_rank(&ranking)[i],
        })
    }
}

impl PointVerdict {
    /// How many algorithms voted anomalous: the scan's votes at the point.
    pub fn vote_count(&self) -> usize {
        self.votes.iter().filter(|(_, v)| v.vote).count()
    }

    /// Whether the scan flags the point at `consensus` votes.
    pub fn flagged(&self, consensus: usize) -> bool {
        self.vote_count() >= consensus
    }
}

/// Where [`scan`]'s window ending at point `i` of `points` begins: the last
/// `n` points, or the points less than `d` seconds older than point `i` (times
/// in seconds as the scan takes them, [`Series::times_s`]).
pub fn window_start(points: &[(i64, f64)], i: usize, window: ScanWindow) -> usize {
    let secs = |p: &(i64, f64)| p.0 as f64 / 1e6;
    match window {
        ScanWindow::Points(n) => (i + 1).saturating_sub(n),
        ScanWindow::Duration(d) => {
            let lo = secs(&points[i]) - d;
            points[..=i].partition_point(|p| secs(p) <= lo)
        }
    }
}

/// What [`scan`] computes at point `index` of `series`, computed over that
/// point's window alone (the scan's state at a point depends only on its
/// window). `None` when there is no such point.
pub fn scan_point(
    series: &Series,
    settings: &Settings,
    enabled: &[Algorithm],
    window: ScanWindow,
    index: usize,
) -> Option<PointVerdict> {
    if index >= series.points.len() {
        return None;
    }
    let start = window_start(&series.points, index, window);
    let alone = Series {
        points: series.points[start..=index].to_vec(),
        ..Series::default()
    };
    let last = index - start;
    let mut verdict = None;
    scan_each(&alone, settings, enabled, window, &|| false, |i, point| {
        if i == last {
            verdict = Some(PointVerdict {
                index,
                window_start: start,
                votes: point.votes.to_vec(),
                new_extreme: point.new_extreme,
                signal: None,
            });
        }
    });
    // The signal looks further back than the window (its expectation is
    // chosen on the series' first window): it is computed on all the
    // history up to the point.
    // A point a pre-check decided has none.
    if let Some(v) = verdict.as_mut().filter(|v| !v.votes.is_empty()) {
        v.signal = PointSignal::at_last(&series.points[..=index], window);
    }
    verdict
}

/// What the scan saw at one point.
#[derive(Debug, Clone, Copy)]
pub struct ScannedPoint<'v> {
    /// The enabled algorithms' votes (none when a pre-check decided).
    pub votes: &'v [(Algorithm, Vote)],
    /// For a new extreme of its window, how far beyond the window's other
    /// values it lies, as a fraction of their range (infinite when they all
    /// were one value). A new extreme is above every other value of the
    /// window or below every one, and not where the window's trend line
    /// leads ([`TREND_EXPLAINED`]). Only judged points are new extremes.
    pub new_extreme: Option<f64>,
}

/// A new extreme whose distance from the window's trend line is at most this
/// fraction of least_squares' threshold (3 standard deviations of the
/// line's residuals), one standard deviation, is where the trend leads.
pub const TREND_EXPLAINED: f64 = 1.0 / 3.0;

/// The scan behind [`scan`]: calls `visit` with every point's index and what
/// the scan saw there. Returns false when `stop` ended it early.
pub fn scan_each(
    series: &Series,
    settings: &Settings,
    enabled: &[Algorithm],
    window: ScanWindow,
    stop: &dyn Fn() -> bool,
    mut visit: impl FnMut(usize, ScannedPoint),
) -> bool {
    let t: Vec<f64> = series.times_s();
    let v: Vec<f64> = series.values();
    let mut s = Scanner::new(&t, &v, settings, window);
    s.with_ks = enabled.contains(&Algorithm::KsTest);
    let mut votes = Vec::with_capacity(enabled.len());
    for i in 0..v.len() {
        if i % 4096 == 4095 && stop() {
            return false;
        }
        s.advance(i);
        votes.clear();
        let judged = s.judged(i);
        if judged {
            votes.extend(enabled.iter().map(|&a| (a, s.vote(a, i))));
        }
        visit(
            i,
            ScannedPoint {
                votes: &votes,
                new_extreme: if judged { s.new_extreme(i) } else { None },
            },
        );
    }
    true
}

/// The state of a scan after point `i`: the window [a, i] and the sets
/// inside it.
struct Scanner<'a> {
    t: &'a [f64],
    v: &'a [f64],
    settings: &'a Settings,
    window: ScanWindow,
    /// The window's first point.
    a: usize,
    /// Anchors the sums are taken around.
    tc: f64,
    vc: f64,
    sums: Sums,
    ewm: Ewm,
    order: OrderWindow,
    /// First-hour range [fa, fb) and its sums.
    fa: usize,
    fb: usize,
    first_hour: Sums,
    /// Boredom range start (to i) and its distinct values.
    ba: usize,
    distinct: HashMap<u64, u32>,
    /// ks_test's reference [ra, rb) and probe [rb, i].
    ra: usize,
    rb: usize,
    /// Whether ks_test runs (its windows are kept only then).
    with_ks: bool,
    ks: KsWindows,
    /// Points added since the sums were last rebuilt.
    since_rebuild: usize,
}

fn boredom_key(x: f64) -> u64 {
    (x + 0.0).to_bits()
}

impl<'a> Scanner<'a> {
    fn new(t: &'a [f64], v: &'a [f64], settings: &'a Settings, window: ScanWindow) -> Self {
        Scanner {
            t,
            v,
            settings,
            window,
            a: 0,
            tc: t.first().copied().unwrap_or(0.0),
            vc: v.first().copied().unwrap_or(0.0),
            sums: Sums::default(),
            ewm: Ewm::default(),
            order: OrderWindow::new(v),
            fa: 0,
            fb: 0,
            first_hour: Sums::default(),
            ba: 0,
            distinct: HashMap::new(),
            ra: 0,
            rb: 0,
            with_ks: true,
            ks: KsWindows::default(),
            since_rebuild: 0,
        }
    }

    fn xy(&self, k: usize) -> (f64, f64) {
        (self.t[k] - self.tc, self.v[k] - self.vc)
    }

    /// Moves every range to end at point `i`.
    fn advance(&mut self, i: usize) {
        let t = self.t;
        let (x, y) = self.xy(i);
        self.sums.add(x, y, 1.0);
        self.ewm.push(y);
        self.order.insert(i);
        *self.distinct.entry(boredom_key(self.v[i])).or_insert(0) += 1;

        let a = match self.window {
            ScanWindow::Points(n) => (i + 1).saturating_sub(n),
            ScanWindow::Duration(d) => {
                let lo = t[i] - d;
                self.a + t[self.a..=i].partition_point(|&tk| tk <= lo)
            }
        };
        for k in self.a..a {
            let (x, y) = self.xy(k);
            self.sums.add(x, y, -1.0);
            self.ewm.drop_old(y, i - k);
            self.order.remove(k);
        }
        self.a = a;

        self.slide_first_hour(i);
        self.slide_boredom(i);
        match self.window {
            ScanWindow::Duration(_) => {
                let now = t[i];
                self.ra =
                    self.ra.max(a) + t[self.ra.max(a)..=i].partition_point(|&tk| tk < now - 3600.0);
                self.rb = self.rb.max(self.ra)
                    + t[self.rb.max(self.ra)..=i].partition_point(|&tk| tk < now - 600.0);
            }
            ScanWindow::Points(_) => {
                self.rb = (i + 1).saturating_sub(KS_PROBE_POINTS).max(a);
                self.ra = self.rb.saturating_sub(KS_REFERENCE_POINTS).max(a);
            }
        }
        if self.with_ks {
            self.ks.slide(self.v, self.ra, self.rb, i + 1);
        }

        self.since_rebuild += 1;
        if self.since_rebuild >= (i + 1 - a).max(1024) {
            self.rebuild(i);
        }
    }

    /// The first hour of the window: (t_i - D, + 3600 s) for a window of
    /// duration D (FULL_DURATION by default), the first 1/24 of the window's points (at least two)
    /// for point windows.
    fn slide_first_hour(&mut self, i: usize) {
        let (fa, fb) = match self.window {
            ScanWindow::Duration(d) => {
                let lo = self.t[i] - d;
                let fa = self.fa.max(self.a);
                let fa = fa + self.t[fa..=i].partition_point(|&tk| tk <= lo);
                let fb = self.fb.max(fa);
                let fb = fb + self.t[fb..=i].partition_point(|&tk| tk < lo + 3600.0);
                (fa, fb)
            }
            ScanWindow::Points(_) => {
                let len = i + 1 - self.a;
                (self.a, (self.a + len.div_ceil(24).max(2)).min(i + 1))
            }
        };
        for k in self.fb..fb {
            let (x, y) = self.xy(k);
            self.first_hour.add(x, y, 1.0);
        }
        for k in self.fa..fa {
            let (x, y) = self.xy(k);
            self.first_hour.add(x, y, -1.0);
        }
        self.fb = fb.max(self.fb);
        self.fa = fa;
    }

    /// The last MAX_TOLERABLE_BOREDOM values of the window.
    fn slide_boredom(&mut self, i: usize) {
        let ba = self
            .a
            .max((i + 1).saturating_sub(self.settings.max_tolerable_boredom));
        for k in self.ba..ba {
            let key = boredom_key(self.v[k]);
            if let Some(c) = self.distinct.get_mut(&key) {
                *c -= 1;
                if *c == 0 {
                    self.distinct.remove(&key);
                }
            }
        }
        self.ba = ba;
    }

    /// Recomputes the sums from the window around new anchors, so rounding
    /// from adding and removing cannot accumulate.
    fn rebuild(&mut self, i: usize) {
        let mean = self.vc + self.sums.mean();
        self.vc = if mean.is_finite() { mean } else { self.v[i] };
        self.tc = self.t[i];
        self.sums = Sums::default();
        self.ewm = Ewm::default();
        for k in self.a..=i {
            let (x, y) = self.xy(k);
            self.sums.add(x, y, 1.0);
            self.ewm.push(y);
        }
        self.first_hour = Sums::default();
        for k in self.fa..self.fb {
            let (x, y) = self.xy(k);
            self.first_hour.add(x, y, 1.0);
        }
        self.since_rebuild = 0;
    }

    /// When point `i` is above every other value of the window or below
    /// every one, and the window's trend does not lead there (least_squares'
    /// statistic, the last three points' mean distance from the window's
    /// straight-line fit, above [`TREND_EXPLAINED`] of its threshold: one
    /// standard deviation of the fit's residuals, so a series that climbs
    /// steadily does not set a new extreme at every step): how far beyond
    /// the others it lies, as a fraction of their range.
    fn new_extreme(&mut self, i: usize) -> Option<f64> {
        let n = self.order.len();
        if n < 3 {
            return None;
        }
        let x = self.v[i];
        let (lo, hi) = if x >= self.order.kth(n - 1) && x > self.order.kth(n - 2) {
            (self.order.kth(0), self.order.kth(n - 2))
        } else if x <= self.order.kth(0) && x < self.order.kth(1) {
            (self.order.kth(1), self.order.kth(n - 1))
        } else {
            return None;
        };
        let trend = self.vote(Algorithm::LeastSquares, i);
        let off_trend = trend.statistic > TREND_EXPLAINED * trend.threshold;
        if !off_trend {
            return None;
        }
        let beyond = (x - hi).max(lo - x);
        Some(if hi > lo {
            beyond / (hi - lo)
        } else {
            f64::INFINITY
        })
    }

    /// True when the pre-checks let the algorithms judge point `i`.
    fn judged(&self, i: usize) -> bool {
        let len = i + 1 - self.a;
        len >= self.settings.min_tolerable_length.max(1)
            && self.distinct.len() != self.settings.boredom_set_size
    }

    fn tail_avg(&self, i: usize) -> f64 {
        if i + 1 - self.a >= 3 {
            (self.v[i] + self.v[i - 1] + self.v[i - 2]) / 3.0
        } else {
            self.v[i]
        }
    }

    /// Algorithm `alg`'s vote at point `i` (the window [a, i]).
    fn vote(&mut self, alg: Algorithm, i: usize) -> Vote {
        let n = i + 1 - self.a;
        let tail_y = self.tail_avg(i) - self.vc;
        let s = self.sums;
        match alg {
            Algorithm::MedianAbsoluteDeviation => {
                let med = self.order.median();
                mad_vote((self.v[i] - med).abs(), self.order.median_distance(med))
            }
            Algorithm::Grubbs => {
                let g = grubbs_critical(n).unwrap_or(f64::NAN);
                grubbs_vote(tail_y, s.mean(), s.std(1.0), g)
            }
            Algorithm::FirstHourAverage => {
                let fh = self.first_hour;
                if fh.n < 2.0 {
                    return Vote::no(f64::NAN, f64::NAN);
                }
                Vote::above((tail_y - fh.mean()).abs(), 3.0 * fh.std(1.0))
            }
            Algorithm::StddevFromAverage => {
                Vote::above((tail_y - s.mean()).abs(), 3.0 * s.std(1.0))
            }
            Algorithm::StddevFromMovingAverage => {
                let (m, sd) = self.ewm.mean_std();
                let (_, y) = self.xy(i);
                Vote::above((y - m).abs(), 3.0 * sd)
            }
            Algorithm::MeanSubtractionCumulation => {
                if n < 2 {
                    return Vote::no(f64::NAN, f64::NAN);
                }
                let (x, y) = self.xy(i);
                let mut before = s;
                before.add(x, y, -1.0);
                Vote::above((y - before.mean()).abs(), 3.0 * before.std(0.0))
            }
            Algorithm::LeastSquares => {
                if n < 3 {
                    return Vote::no(f64::NAN, f64::NAN);
                }
                let (xm, ym) = (s.sx / s.n, s.sy / s.n);
                let sxx = s.sxx - s.sx * xm;
                let sxy = s.sxy - s.sx * ym;
                let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
                let rss = (s.ss() - slope * sxy).max(0.0);
                let residual = |k: usize| {
                    let (x, y) = self.xy(k);
                    (y - ym) - slope * (x - xm)
                };
                let t3 = (residual(i) + residual(i - 1) + residual(i - 2)) / 3.0;
                least_squares_vote(t3, (rss / (s.n - 1.0)).sqrt())
            }
            Algorithm::HistogramBins => {
                let (lo, hi) = (self.order.kth(0), self.order.kth(n - 1));
                let order = &self.order;
                let below = |k: i64| order.count_key_below(|x| histogram_bin(x, lo, hi), k);
                histogram_vote(self.tail_avg(i), lo, hi, |k| {
                    below(k as i64 + 1) - below(k as i64)
                })
            }
            Algorithm::KsTest => {
                let (ra, rb) = (self.ra, self.rb);
                if rb - ra < 20 || i + 1 - rb < 20 {
                    return Vote::no(f64::NAN, 0.05);
                }
                self.ks.vote(self.v)
            }
        }
    }
}

/// A point's strength, in [0, 1], from the enabled algorithms' votes
/// (`enabled` of them; none when a pre-check decided): the mean over the
/// enabled algorithms of each one's strength, 1 when it votes anomalous and,
/// below its threshold, `(statistic / threshold)² / 2` for the tests that
/// compare a statistic with a threshold (0 for histogram_bins and ks_test).
/// So all nine voting gives 1, six of nine at least 2/3, and near misses
/// count a little. The anomaly score weighs it by its rarity
/// ([`rare_strengths`]), gives new extremes 1 and makes it novel ([`novelty`]).
pub fn strength(votes: &[(Algorithm, Vote)], enabled: usize) -> f64 {
    if votes.is_empty() || enabled == 0 {
        return 0.0;
    }
    let strength = |(a, v): &(Algorithm, Vote)| {
        if v.vote {
            return 1.0;
        }
        match a {
            Algorithm::HistogramBins | Algorithm::KsTest => 0.0,
            _ => {
                let r = v.statistic / v.threshold;
                if r.is_finite() && r > 0.0 {
                    r.min(1.0).powi(2) / 2.0
                } else {
                    0.0
                }
            }
        }
    };
    (votes.iter().map(strength).sum::<f64>() / enabled as f64).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::ensemble::{Outcome, judge};

    /// The scan of `series` by all nine algorithms over a window of `points`.
    fn scan_all(series: &Series, points: usize) -> Scan {
        scan(
            series,
            &Settings::default(),
            &Algorithm::ALL,
            ScanWindow::Points(points),
            &|| false,
        )
        .unwrap()
    }

    fn nab_series(file: &str) -> Series {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/nab")
            .join(file);
        let imported = crate::anomaly::import::import_file(&path).unwrap();
        imported.series.into_iter().next().unwrap()
    }

    /// The votes of judging the window ending at every `step`-th point from
    /// scratch agree with the scan's, except where a statistic sits within
    /// 1e-9 of its threshold. Point windows leave first_hour_average and
    /// ks_test out (counted in points there: the window's first 1/24, and
    /// [`KS_PROBE_POINTS`] after [`KS_REFERENCE_POINTS`]).
    fn agrees_with_judging_each_window(series: &Series, window: ScanWindow, step: usize) {
        let settings = match window {
            ScanWindow::Duration(d) => Settings {
                full_duration_s: d,
                ..Settings::default()
            },
            ScanWindow::Points(_) => Settings::default(),
        };
        let enabled: Vec<Algorithm> = Algorithm::ALL
            .into_iter()
            .filter(|&a| {
                matches!(window, ScanWindow::Duration(_))
                    || !matches!(a, Algorithm::FirstHourAverage | Algorithm::KsTest)
            })
            .collect();
        let scanned = scan(series, &settings, &enabled, window, &|| false).unwrap();
        let (t, v) = (series.times_s(), series.values());
        let mut scanner = Scanner::new(&t, &v, &settings, window);
        let mut judged = 0;
        for i in 0..series.points.len() {
            scanner.advance(i);
            if i % step != 0 {
                continue;
            }
            let t_i = t[i];
            let start = match window {
                ScanWindow::Points(n) => (i + 1).saturating_sub(n),
                ScanWindow::Duration(d) => t.partition_point(|&tk| tk <= t_i - d),
            };
            let slice = Series {
                points: series.points[start..=i].to_vec(),
                ..Series::default()
            };
            let j = judge(&slice, &settings, &enabled, t_i);
            if !matches!(j.outcome, Outcome::Anomalous | Outcome::Normal) {
                assert_eq!(scanned.votes[i], 0, "pre-checked point {i}");
                continue;
            }
            for (a, vote) in &j.votes {
                let mine = scanner.vote(*a, i);
                let same = |x: f64, y: f64| {
                    (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-7 * y.abs().max(1e-3)
                };
                // The scan skips ks_test's p-value while D keeps its gate shut.
                let skipped = *a == Algorithm::KsTest && mine.statistic.is_nan();
                assert!(
                    (skipped || same(mine.statistic, vote.statistic))
                        && same(mine.threshold, vote.threshold)
                        && mine.vote == vote.vote,
                    "{a:?} at {i}: scanned {mine:?}, judged {vote:?}"
                );
                if matches!(a, Algorithm::HistogramBins | Algorithm::KsTest) {
                    continue; // counts and p-values, compared exactly
                }
                let close =
                    (vote.statistic - vote.threshold).abs() <= 1e-9 * vote.threshold.abs().max(1.0);
                assert!(!close, "{a:?} at {i} too close to call: {vote:?}");
            }
            assert_eq!(
                scanned.votes[i] as usize,
                j.vote_count(),
                "point {i}: {:?}",
                j.votes
            );
            judged += 1;
        }
        assert!(judged > 10, "only {judged} points judged");
    }

    #[test]
    fn scanning_equals_judging_every_window_from_scratch() {
        let s = nab_series("ec2_cpu_utilization_825cc2.csv");
        agrees_with_judging_each_window(&s, ScanWindow::Duration(86_400.0), 37);
        agrees_with_judging_each_window(&s, ScanWindow::Points(300), 41);
        // Every 10 s for five hours, the level moving for ten minutes twice:
        // ks_test's reference and probe fill, and its gate opens.
        let points = (0..1800i64).map(|i| {
            let noise = ((i as u64 * 2_654_435_761) % 1000) as f64 / 1000.0;
            let shifted = (700..760).contains(&i) || (1500..1560).contains(&i);
            (
                i * 10_000_000,
                Some(noise + if shifted { 5.0 } else { 0.0 }),
            )
        });
        let s = Series::new("shift", points);
        agrees_with_judging_each_window(&s, ScanWindow::Duration(7200.0), 7);
        let ks_votes = scan(
            &s,
            &Settings::default(),
            &[Algorithm::KsTest],
            ScanWindow::Duration(7200.0),
            &|| false,
        )
        .unwrap();
        assert!(ks_votes.votes[759] == 1 && ks_votes.votes[700] == 0 && ks_votes.votes[1559] == 1);
    }

    /// A point's card must say what its flag says: the votes of one point
    /// recomputed alone equal the scan's at every point, whatever the window,
    /// including a duration window shorter than FULL_DURATION (where judging
    /// the window as a series, with first_hour_average's hour taken from
    /// FULL_DURATION, disagreed with the flag).
    #[test]
    fn one_point_recomputed_alone_has_the_scans_votes() {
        let s = nab_series("ec2_cpu_utilization_825cc2.csv");
        let settings = Settings::default();
        for window in [
            ScanWindow::Duration(86_400.0),
            ScanWindow::Duration(12.0 * 3600.0),
            ScanWindow::Points(300),
        ] {
            let scanned = scan(&s, &settings, &Algorithm::ALL, window, &|| false).unwrap();
            let parts = scan_parts(&s, &settings, &Algorithm::ALL, window, &|| false).unwrap();
            let (records, ranks) = (signal_records(&parts), deviation_rank(&parts.ranking));
            let mut with_signal = 0;
            let mut flagged = 0;
            let every_13th = (0..s.points.len()).step_by(13);
            for i in every_13th.chain(scanned.anomalous(settings.consensus)) {
                let v = scan_point(&s, &settings, &Algorithm::ALL, window, i).unwrap();
                assert_eq!(
                    v.vote_count(),
                    scanned.votes[i] as usize,
                    "point {i}, window {window:?}: {:?}",
                    v.votes
                );
                assert_eq!(v.new_extreme.is_some(), scanned.new_extreme[i], "point {i}");
                if let Some(sig) = v.signal {
                    assert_eq!(sig.record, records[i], "record at point {i}");
                    assert_eq!(sig.rank, ranks[i], "rank at point {i}");
                    let floor = (RANK_WEIGHT * sig.rank) as f32;
                    assert!(scanned.score[i] >= floor, "point {i}");
                    with_signal += 1;
                }
                flagged += usize::from(v.flagged(settings.consensus));
            }
            assert!(flagged > 0, "no flagged point checked for {window:?}");
            assert!(with_signal > 10, "{with_signal} points with a signal");
        }
        assert!(
            scan_point(
                &s,
                &settings,
                &Algorithm::ALL,
                ScanWindow::Points(10),
                s.points.len()
            )
            .is_none()
        );
    }

    #[test]
    fn a_spike_scores_high_and_quiet_points_low() {
        let s = minutes(600, |i| (400..403).contains(&i).then_some(40.0 + i as f64));
        let out = scan_all(&s, 300);
        assert_eq!(out.votes.len(), 600);
        assert!(out.votes[..99].iter().all(|&v| v == 0), "too short");
        let flagged: Vec<usize> = out.anomalous(6).collect();
        assert!(flagged.contains(&402), "{flagged:?}");
        assert!(
            flagged.iter().all(|&i| (400..410).contains(&i)),
            "{flagged:?}"
        );
        let peak = |scores: &[f32], from: usize| {
            scores[from..from + 3]
                .iter()
                .cloned()
                .fold(0.0f32, f32::max)
        };
        assert!(peak(&out.score, 400) > 0.6, "{:?}", &out.score[400..403]);
        let quiet = out.score[150..399].iter().cloned().fold(0.0f32, f32::max);
        assert!(quiet < 0.3, "{quiet}");
        assert!(out.score.iter().all(|x| (0.0..=1.0).contains(x)));
        // The same spike again two hours later is no news; ten days later it is.
        let mut points: Vec<(i64, Option<f64>)> =
            s.points.iter().map(|p| (p.0, Some(p.1))).collect();
        for (k, p) in points.iter_mut().enumerate().skip(520).take(3) {
            p.1 = Some(40.0 + k as f64 - 120.0);
        }
        let twice = scan_all(&Series::new("twice", points), 300);
        assert!(twice.votes[522] >= 6, "still voted anomalous");
        assert!(
            peak(&twice.score, 520) < 0.5 * peak(&twice.score, 400),
            "{:?} vs {:?}",
            &twice.score[520..523],
            &twice.score[400..403]
        );
    }

    /// `n` one-minute points between 10 and 11 in a fixed jagged pattern,
    /// except where `event` gives a value.
    fn minutes(n: i64, event: impl Fn(i64) -> Option<f64>) -> Series {
        Series::new(
            "minutes",
            (0..n).map(|i| {
                let quiet = 10.0 + ((i * 37) % 11) as f64 / 10.0;
                (i * 60_000_000, Some(event(i).unwrap_or(quiet)))
            }),
        )
    }

    #[test]
    fn routine_spikes_fade_and_a_new_extreme_scores_full() {
        // A spike to 16 every 97 minutes, then one to 40.
        let series = minutes(3000, |i| match i {
            2500 => Some(40.0),
            _ if i % 97 == 50 => Some(16.0),
            _ => None,
        });
        let out = scan_all(&series, 1440);
        let routine: Vec<usize> = (1000..2500).filter(|i| i % 97 == 50).collect();
        let mut routine: Vec<f32> = routine.iter().map(|&i| out.score[i]).collect();
        let new_extreme = out.score[2500];
        assert!(
            routine.iter().all(|&x| x < new_extreme),
            "{routine:?} {new_extreme}"
        );
        assert!(new_extreme > 0.7, "{new_extreme}");
        // Routine spikes raise no alert: most stay in the ranking's band.
        routine.sort_by(f32::total_cmp);
        assert!(
            routine[routine.len() / 2] <= RANK_WEIGHT as f32 + 1e-6,
            "{routine:?}"
        );
    }

    #[test]
    fn a_steady_climb_sets_no_new_extremes_and_a_jump_off_it_does() {
        // Climbing 0.1 a minute with noise of ±0.5, then a jump of 20.
        let points: Vec<(i64, Option<f64>)> = (0..3000)
            .map(|i| {
                let noise = ((i * 37) % 11) as f64 / 10.0 - 0.5;
                let jump = if i == 2500 { 20.0 } else { 0.0 };
                (i * 60_000_000, Some(0.1 * i as f64 + noise + jump))
            })
            .collect();
        let series = Series::new("climb", points);
        let out = scan_all(&series, 1440);
        let extremes: Vec<usize> = (0..3000).filter(|&i| out.new_extreme[i]).collect();
        assert_eq!(extremes, vec![2500]);
        assert!(out.score[2500] > 0.9, "{}", out.score[2500]);
        // Beyond the range every few points, but where the trend leads.
        let (t, v) = (series.times_s(), series.values());
        let settings = Settings::default();
        let mut s = Scanner::new(&t, &v, &settings, ScanWindow::Points(1440));
        let mut beyond_range = 0;
        for (i, &x) in v.iter().enumerate().take(2500) {
            s.advance(i);
            let n = s.order.len();
            if n > 2 && x > s.order.kth(n - 2) {
                beyond_range += 1;
            }
        }
        assert!(beyond_range > 50, "{beyond_range}");
    }

    #[test]
    fn a_spike_far_past_a_recent_new_high_alerts_again() {
        let series = minutes(2400, |i| match i {
            1800 => Some(13.0),
            1850 => Some(13.5),
            1900 => Some(100.0),
            _ => None,
        });
        let out = scan_all(&series, 1440);
        assert!(out.new_extreme[1800] && out.new_extreme[1850] && out.new_extreme[1900]);
        assert!(out.score[1800] > 0.9, "{}", out.score[1800]);
        assert!(
            out.score[1850] <= RANK_WEIGHT as f32 + 1e-6,
            "a little higher again raises no alert: {}",
            out.score[1850]
        );
        assert!(out.score[1900] > 0.8, "far higher: {}", out.score[1900]);
    }

    #[test]
    fn strength_keeps_what_is_rare_in_its_series() {
        let mut strengths = vec![None, Some(0.2)];
        strengths.extend(std::iter::repeat_n(Some(0.5), 50));
        strengths.push(Some(0.9));
        let rare = rare_strengths(&strengths);
        assert_eq!(rare[0], 0.0, "no strength, nothing kept");
        assert_eq!(rare[1], 0.2, "the first judged point has no history");
        assert_eq!(rare[2], 0.5, "stronger than everything before");
        // The second 0.5: all of the two earlier points... one of them was as strong.
        assert!((rare[3] - 0.5 * (-RARITY / 2.0).exp()).abs() < 1e-12);
        assert!(rare[4..52].iter().all(|&x| x < 1e-9), "routine");
        assert_eq!(rare[52], 0.9, "never reached before");
    }

    #[test]
    fn novelty_damps_what_follows_a_strong_point_within_the_horizon() {
        let positions: Vec<i64> = (0..6).map(|i| i * 10).collect();
        let s = novelty(&positions, &[0.2, 0.9, 0.9, 0.1, 0.5, 0.8], &[], 25);
        let expect = [
            0.2,
            0.9 * 0.8f64.sqrt(),
            0.9 * 0.1f64.sqrt(),
            0.1 * 0.1f64.sqrt(),
            0.5 * 0.1f64.sqrt(),
            0.8 * 0.5f64.sqrt(),
        ];
        for (a, b) in s.iter().zip(expect) {
            assert!((f64::from(*a) - b).abs() < 1e-6, "{s:?}");
        }
    }

    /// The same values sampled every 10 s, every minute and every 5 minutes
    /// get the same votes, the same flags and the same score: the default
    /// window, ks_test's windows, the first "hour", the novelty horizon and
    /// the deviation signal all count points, not seconds.
    #[test]
    fn the_same_values_score_the_same_at_any_sampling_rate() {
        let values = nab_series("ec2_cpu_utilization_825cc2.csv").values();
        let settings = Settings::default();
        let window = crate::anomaly::config::DEFAULT_SCAN_WINDOW;
        let at_step = |step_s: i64| {
            let s = Series::new(
                "retimed",
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| ((1_400_000_000 + i as i64 * step_s) * 1_000_000, Some(v))),
            );
            scan(&s, &settings, &Algorithm::ALL, window, &|| false).unwrap()
        };
        let minute = at_step(60);
        let flagged: Vec<usize> = minute.anomalous(settings.consensus).collect();
        assert!(
            !flagged.is_empty(),
            "nothing flagged: the comparison says little"
        );
        assert!(minute.score.iter().any(|&x| x > 0.9));
        for step in [10, 300] {
            let other = at_step(step);
            assert_eq!(other.votes, minute.votes, "votes at {step} s");
            assert_eq!(
                other.new_extreme, minute.new_extreme,
                "extremes at {step} s"
            );
            let worst = other
                .score
                .iter()
                .zip(&minute.score)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "scores at {step} s differ by {worst}");
        }
    }

    #[test]
    fn new_extremes_no_farther_than_most_before_them_are_routine() {
        let e = |x: f64| Some(x);
        let extremes = [
            e(0.1),
            None,
            e(0.2),
            e(0.05),
            e(0.05),
            None,
            e(1.0),
            e(f64::NAN),
        ];
        assert_eq!(
            routine_extremes(&extremes),
            [false, false, false, true, true, false, false, false]
        );
    }

    #[test]
    fn a_wandering_series_sets_routine_new_highs_and_a_jump_off_it_alerts() {
        let mut state = 5u64;
        let mut x = 0.0;
        let points: Vec<(i64, Option<f64>)> = (0..4000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                x += (state % 1000) as f64 / 1000.0 - 0.5;
                let jump = if i == 3500 { 60.0 } else { 0.0 };
                (i * 60_000_000, Some(x + jump))
            })
            .collect();
        let out = scan_all(&Series::new("walk", points), 1440);
        let extremes = out.new_extreme.iter().filter(|&&e| e).count();
        let routine = out.routine_extreme.iter().filter(|&&r| r).count();
        assert!(extremes > 20, "{extremes}");
        // About a third of a wandering series' new highs are no farther than
        // two thirds of the ones before them (with the novelty horizon, most
        // of the others are damped too).
        assert!(routine * 4 > extremes, "{routine} of {extremes}");
        let alerts = out.score.iter().filter(|&&x| x > 0.5).count();
        assert!(
            alerts * 3 < extremes,
            "{alerts} alerts, {extremes} new extremes"
        );
        assert!(out.new_extreme[3500] && !out.routine_extreme[3500]);
        assert!(out.score[3500] > 0.9, "{}", out.score[3500]);
    }

    /// Values at the edge of f64's range and a flat series with one blip
    /// scan without a panic, every score in [0, 1].
    #[test]
    fn extreme_values_and_flat_series_score_within_bounds() {
        let huge = Series::new(
            "huge",
            (0..600i64).map(|i| {
                (
                    i * 60_000_000,
                    Some(if i % 2 == 0 { 1e308 } else { -1e308 }),
                )
            }),
        );
        let flat = minutes(600, |i| Some(if i == 400 { 11.0 } else { 10.0 }));
        for s in [huge, flat] {
            let out = scan_all(&s, 300);
            assert!(
                out.score.iter().all(|x| (0.0..=1.0).contains(x)),
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn windows_parse() {
        assert_eq!(ScanWindow::parse("1440"), Ok(ScanWindow::Points(1440)));
        assert_eq!(ScanWindow::parse("24h"), Ok(ScanWindow::Duration(86_400.0)));
        assert_eq!(ScanWindow::parse("90m"), Ok(ScanWindow::Duration(5400.0)));
        assert_eq!(ScanWindow::parse("1d"), Ok(ScanWindow::Duration(86_400.0)));
        assert!(ScanWindow::parse("0").is_err());
        assert!(ScanWindow::parse("h").is_err());
        assert!(ScanWindow::parse("-3h").is_err());
        assert!(ScanWindow::parse("").is_err());
    }

    #[test]
    fn a_stopped_scan_returns_nothing() {
        let s = Series::new("s", (0..10_000).map(|i| (i * 1_000_000, Some(i as f64))));
        let out = scan(
            &s,
            &Settings::default(),
            &Algorithm::ALL,
            ScanWindow::Points(100),
            &|| true,
        );
        assert!(out.is_none());
    }
}
