//! The deviation signal beside the ensemble's votes: how unusual each point
//! is against a robust local scale, once what it was expected to be is
//! taken out, and whether the level or the spread of the recent points
//! moved. Everything is counted in points, never in clock time, so the same
//! values sampled every 10 s or every 5 min give the same signal.
//!
//! Per point `i`, over its window `[a, i]` (the scan's window):
//!
//! * **expectation** ([`Expectation`], chosen once the first window is full
//!   by [`choose_expectation`]): the window's level (the residual is the
//!   value itself); a **seasonal profile**, the median of the values one,
//!   two and three periods before, the period `P` being the lag of the
//!   highest autocorrelation peak (at least [`MIN_SEASONAL_CORRELATION`])
//!   over the first window ([`find_period`]); or, for a series that wanders,
//!   the point before. Before the choice every point is judged against the
//!   level.
//! * **deviation**: the residual's distance from the window's median
//!   residual in robust standard deviations (1.4826 median absolute
//!   deviations): what a user checks against the chart's typical spread.
//! * **level shift**: the same for the mean residual of the last
//!   [`LEVEL_POINTS`] points: a run of moderately high points that no single
//!   point shows.
//! * **spread change**: how many times larger or smaller the recent point-to-
//!   point changes are ([`SPREAD_POINTS`] of them) than the window's, as
//!   `|ln(recent / window)|`: noise growing or falling, a faster or slower
//!   cycle.

use super::order::OrderWindow;
use super::stats::median;

/// The least autocorrelation a period needs.
pub const MIN_SEASONAL_CORRELATION: f64 = 0.5;
/// Points averaged for the level shift.
pub const LEVEL_POINTS: usize = 10;
/// Recent point-to-point changes compared for the spread change.
pub const SPREAD_POINTS: usize = 30;
/// Robust standard deviations per median absolute deviation.
const MAD_TO_SD: f64 = 1.4826;

/// Each point's deviation figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signal {
    /// What each point is expected to be.
    pub model: Expectation,
    /// Where the expectation was chosen: from this point on residuals use it.
    pub model_from: usize,
    /// The expected value per point (0 under [`Expectation::Level`], and
    /// before the expectation was chosen).
    pub expected: Vec<f64>,
    /// Deviation in robust standard deviations.
    pub deviation: Vec<f64>,
    /// Level shift of the last [`LEVEL_POINTS`], robust standard deviations.
    pub level: Vec<f64>,
    /// Spread change, `|ln(recent / window)|`.
    pub spread: Vec<f64>,
}

/// The period of `v`: the lag (2 to a third of `v`'s length) of the highest
/// local peak of the autocorrelation, when it reaches `MIN_SEASONAL_CORRELATION`.
pub fn find_period(v: &[f64]) -> Option<usize> {
    let n = v.len();
    if n < 12 {
        return None;
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let c: Vec<f64> = v.iter().map(|x| x - mean).collect();
    let var: f64 = c.iter().map(|x| x * x).sum();
    if var <= 0.0 || !var.is_finite() {
        return None;
    }
    let max_lag = n / 3;
    let acf: Vec<f64> = (0..=max_lag + 1)
        .map(|lag| {
            let s: f64 = c[lag..].iter().zip(&c).map(|(a, b)| a * b).sum();
            // Unbiased over the overlap, so long lags are not penalised.
            s / var * n as f64 / (n - lag) as f64
        })
        .collect();
    // The autocorrelation must first fall below zero: a slow drift keeps it
    // high at every short lag without being a cycle.
    let first_negative = acf.iter().position(|&r| r < 0.0)?;
    let mut best: Option<(usize, f64)> = None;
    for lag in first_negative.max(2)..=max_lag {
        let r = acf[lag];
        let peak = r > acf[lag - 1] && r >= acf[lag + 1];
        if peak && r >= MIN_SEASONAL_CORRELATION && best.is_none_or(|(_, b)| r > b + 0.05) {
            best = Some((lag, r));
        }
    }
    best.map(|(lag, _)| lag)
}

/// The median of up to three values.
fn median3(x: &[f64]) -> f64 {
    match *x {
        [a] => a,
        [a, b] => (a + b) / 2.0,
        [a, b, c] => a.max(b).min(a.min(b).max(c)),
        _ => 0.0,
    }
}

/// What a point is expected to be, chosen once per series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expectation {
    /// The window's typical level (its median): the residual is the value.
    #[default]
    Level,
    /// The point before: the residual is the change from it (a series that
    /// wanders, like a random walk, is judged by its steps).
    Previous,
    /// The median of the values one, two and three periods of this many
    /// points before.
    Seasonal(usize),
}

impl Expectation {
    /// The expected value of point `i` of `v` (0 for [`Expectation::Level`]).
    pub fn expected(self, v: &[f64], i: usize) -> f64 {
        match self {
            Expectation::Level => 0.0,
            Expectation::Previous => i.checked_sub(1).map_or(v[i], |j| v[j]),
            Expectation::Seasonal(p) => {
                let mut back = [0.0; 3];
                let mut k = 0;
                for j in (1..=3).filter_map(|m| i.checked_sub(m * p)) {
                    back[k] = v[j];
                    k += 1;
                }
                if k == 0 { v[i] } else { median3(&back[..k]) }
            }
        }
    }

    /// The first point with an expectation of its own.
    pub fn first(self) -> usize {
        match self {
            Expectation::Level => 0,
            Expectation::Previous => 1,
            Expectation::Seasonal(p) => p,
        }
    }
}

/// A model must leave residuals this much tighter than the level's to be
/// chosen over it.
pub const TIGHTER: f64 = 0.8;

/// The spread of `x`: its median absolute deviation from its median, or,
/// when over half of `x` is one value (so that is 0), its mean absolute
/// deviation.
fn spread_of(x: &[f64]) -> f64 {
    let med = median(x);
    let d: Vec<f64> = x.iter().map(|y| (y - med).abs()).collect();
    let mad = median(&d);
    if mad > 0.0 {
        mad
    } else {
        d.iter().sum::<f64>() / d.len().max(1) as f64
    }
}

/// The expectation that predicts `v` best (the smallest [`spread_of`] the
/// residuals; the level unless another is [`TIGHTER`]); the previous point
/// only when `wander`.
pub fn choose_expectation(v: &[f64], wander: bool) -> Expectation {
    let scale = |e: Expectation| {
        let r: Vec<f64> = (e.first()..v.len())
            .map(|i| v[i] - e.expected(v, i))
            .collect();
        if r.len() < 3 {
            f64::INFINITY
        } else {
            spread_of(&r)
        }
    };
    let level = scale(Expectation::Level);
    let mut best = (Expectation::Level, level * TIGHTER);
    // The season first: on a tie it explains more than the last step.
    let mut candidates: Vec<Expectation> = find_period(v)
        .map(Expectation::Seasonal)
        .into_iter()
        .collect();
    if wander {
        candidates.push(Expectation::Previous);
    }
    for e in candidates {
        let s = scale(e);
        if s < best.1 {
            best = (e, s);
        }
    }
    best.0
}

/// The signal of `v`, each point judged over the window starting at
/// `starts[i]` (non-decreasing, `starts[i] <= i`).
pub fn signal(v: &[f64], starts: &[usize], wander: bool) -> Signal {
    let n = v.len();
    let mut out = Signal {
        expected: vec![0.0; n],
        deviation: vec![0.0; n],
        level: vec![0.0; n],
        spread: vec![0.0; n],
        model: Expectation::Level,
        model_from: n,
    };
    // The expectation, from the first full window.
    if let Some(i) = (1..n).find(|&i| starts[i] > 0) {
        out.model = choose_expectation(&v[..i], wander);
        out.model_from = if out.model == Expectation::Level {
            n
        } else {
            i
        };
    }
    // Point-to-point changes, summed.
    let mut d_sum = vec![0.0; n + 1];
    for i in 0..n {
        let d = if i == 0 { 0.0 } else { (v[i] - v[i - 1]).abs() };
        d_sum[i + 1] = d_sum[i] + d;
    }
    // Before the expectation is chosen, the values themselves; after, their
    // residuals from it, over the points that have one.
    robust_pass(v, starts, 0..out.model_from, 0, &d_sum, &mut out);
    if out.model != Expectation::Level {
        let m = out.model;
        for i in m.first()..n {
            out.expected[i] = m.expected(v, i);
        }
        let e: Vec<f64> = v.iter().zip(&out.expected).map(|(x, m)| x - m).collect();
        robust_pass(&e, starts, out.model_from..n, m.first(), &d_sum, &mut out);
    }
    out
}

/// Fills `out`'s deviation, level and spread for the points in `range`,
/// each over its window (from `starts[i]`, not before `first`) of the
/// residuals `e`; `d_sum` are the running sums of the point-to-point changes.
fn robust_pass(
    e: &[f64],
    starts: &[usize],
    range: std::ops::Range<usize>,
    first: usize,
    d_sum: &[f64],
    out: &mut Signal,
) {
    let Some(&s0) = starts.get(range.start) else {
        return;
    };
    let base = s0.max(first);
    // Ranked over the values this range's windows can hold only.
    let mut window = OrderWindow::new(&e[base..range.end.max(base)]);
    let (mut a, mut b) = (base, base);
    let mut e_sum = vec![0.0; e.len() + 1];
    for i in 0..e.len() {
        e_sum[i + 1] = e_sum[i] + e[i];
    }
    for i in range {
        // The window is [a, b): add up to i, drop before its start.
        while b <= i {
            window.insert(b - base);
            b += 1;
        }
        let start = starts[i].max(first);
        while a < start {
            window.remove(a - base);
            a += 1;
        }
        let len = b - a;
        if len < 3 {
            continue;
        }
        let med = window.median();
        let scale = MAD_TO_SD * window.median_distance(med);
        let scale = if scale > 0.0 {
            scale
        } else {
            // Over half the window is one value: its mean distance instead.
            let mean_abs = (a..=i).map(|k| (e[k] - med).abs()).sum::<f64>() / len as f64;
            mean_abs.max(f64::MIN_POSITIVE)
        };
        out.deviation[i] = (e[i] - med).abs() / scale;
        let k = LEVEL_POINTS.min(len);
        let recent = (e_sum[i + 1] - e_sum[i + 1 - k]) / k as f64;
        out.level[i] = (recent - med).abs() / scale;
        let k = SPREAD_POINTS.min(len - 1);
        let recent = (d_sum[i + 1] - d_sum[i + 1 - k]) / k as f64;
        let whole = (d_sum[i + 1] - d_sum[a + 1]) / (len - 1) as f64;
        let tiny = 1e-9 * (whole + recent).max(f64::MIN_POSITIVE);
        out.spread[i] = ((recent + tiny) / (whole + tiny)).ln().abs();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform noise in [-0.5, 0.5) from a fixed seed.
    fn noise(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed | 1;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 1_000_000) as f64 / 1e6 - 0.5
        }
    }

    fn starts(n: usize, window: usize) -> Vec<usize> {
        (0..n).map(|i| (i + 1).saturating_sub(window)).collect()
    }

    fn max(x: &[f64]) -> f64 {
        x.iter().copied().fold(f64::MIN, f64::max)
    }

    #[test]
    fn a_level_shift_and_a_spread_change_stand_out() {
        let mut rand = noise(3);
        let v: Vec<f64> = (0..3000)
            .map(|i| {
                let x = rand();
                match i {
                    2000..2100 => 10.0 + x + 0.6,
                    2500..2600 => 10.0 + 5.0 * x,
                    _ => 10.0 + x,
                }
            })
            .collect();
        let s = signal(&v, &starts(3000, 1440), true);
        assert_eq!(s.model, Expectation::Level);
        // A shift of about two standard deviations: single points hardly
        // show it, the mean of the last ten does.
        assert!(max(&s.level[..1990]) < 1.2, "{}", max(&s.level[..1990]));
        assert!(s.level[2050] > 1.5, "{}", s.level[2050]);
        assert!(s.deviation[2050] < 3.0);
        // Five times the spread: its changes too.
        assert!(
            max(&s.spread[1500..1990]) < 0.5,
            "{}",
            max(&s.spread[1500..1990])
        );
        assert!(s.spread[2550] > 1.0, "{}", s.spread[2550]);
    }

    #[test]
    fn a_seasonal_series_is_judged_against_its_profile() {
        let mut rand = noise(5);
        let v: Vec<f64> = (0..4000)
            .map(|i| {
                let wave = (i as f64 * std::f64::consts::TAU / 96.0).sin();
                // A flat stretch at the middle of the range: never beyond it.
                if (3000..3048).contains(&i) {
                    0.0
                } else {
                    wave + 0.05 * rand()
                }
            })
            .collect();
        let s = signal(&v, &starts(4000, 1440), true);
        assert_eq!(s.model, Expectation::Seasonal(96));
        assert_eq!(s.model_from, 1440);
        assert!((s.expected[2000] - v[2000 - 96]).abs() < 0.1);
        assert!(
            max(&s.deviation[1500..3000]) < 6.0,
            "{}",
            max(&s.deviation[1500..3000])
        );
        assert!(max(&s.deviation[3000..3048]) > 20.0);
    }

    #[test]
    fn a_wandering_series_is_judged_by_its_steps() {
        let mut rand = noise(9);
        let mut x = 0.0;
        let v: Vec<f64> = (0..3000)
            .map(|i| {
                x += rand();
                x + if i == 2500 { 8.0 } else { 0.0 }
            })
            .collect();
        let s = signal(&v, &starts(3000, 1440), true);
        assert_eq!(s.model, Expectation::Previous);
        assert!(s.deviation[2500] > 20.0, "{}", s.deviation[2500]);
        assert!(max(&s.deviation[1440..2500]) < 5.0);
        let level_only = signal(&v, &starts(3000, 1440), false);
        assert_eq!(level_only.model, Expectation::Level);
    }

    #[test]
    fn the_period_of_a_cycle_is_found_and_noise_has_none() {
        let wave: Vec<f64> = (0..1440)
            .map(|i| (i as f64 * std::f64::consts::TAU / 96.0).sin())
            .collect();
        assert_eq!(find_period(&wave), Some(96));
        let mut state = 7u64;
        let noise: Vec<f64> = (0..1440)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 1000) as f64
            })
            .collect();
        assert_eq!(find_period(&noise), None);
        let climb: Vec<f64> = (0..1440).map(|i| i as f64).collect();
        assert_eq!(find_period(&climb), None);
    }
}
