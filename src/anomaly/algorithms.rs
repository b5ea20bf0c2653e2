//! The Skyline ensemble's tests (specs/anomaly.md, "The nine algorithms"), each
//! judging the last point of a series and returning its vote with the
//! statistic it computed and the threshold it compared it with, so a user sees
//! why. NaN comparisons are false, as in Python.

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::Settings;
use super::stats::{mean, median, std, tail_avg};

/// One algorithm's verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vote {
    /// The point is anomalous by this test.
    pub vote: bool,
    /// What the test measured (NaN when it could not).
    pub statistic: f64,
    /// What it was compared with.
    pub threshold: f64,
}

impl Vote {
    pub(super) fn no(statistic: f64, threshold: f64) -> Vote {
        Vote {
            vote: false,
            statistic,
            threshold,
        }
    }

    /// `statistic > threshold` (false when either is NaN).
    pub(super) fn above(statistic: f64, threshold: f64) -> Vote {
        Vote {
            vote: statistic > threshold,
            statistic,
            threshold,
        }
    }
}

/// The series to judge: times (s) and values, sorted by time, at least one
/// point.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    /// Times, seconds.
    pub t: &'a [f64],
    /// Values.
    pub v: &'a [f64],
}

/// `median_absolute_deviation` (algorithm 1): the last value's distance from the median
/// over the median distance; anomalous above 6.
pub fn median_absolute_deviation(w: Window<'_>) -> Vote {
    let med = median(w.v);
    let d: Vec<f64> = w.v.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&d);
    mad_vote(d.last().copied().unwrap_or(f64::NAN), mad)
}

/// The median-absolute-deviation decision from the last value's distance to
/// the median and the median of all distances.
pub(super) fn mad_vote(last_distance: f64, mad: f64) -> Vote {
    if mad == 0.0 {
        return Vote::no(f64::NAN, 6.0);
    }
    Vote::above(last_distance / mad, 6.0)
}

/// Grubbs' critical value G for `n` points at a two-sided 0.05 (`None` for
/// fewer than three points).
pub fn grubbs_critical(n: usize) -> Option<f64> {
    if n < 3 {
        return None;
    }
    // The inverse t distribution is slow next to the rest of the ensemble,
    // and a run meets few distinct lengths: remember them per thread.
    thread_local! {
        static KNOWN: std::cell::RefCell<std::collections::HashMap<usize, Option<f64>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(g) = KNOWN.with(|k| k.borrow().get(&n).copied()) {
        return g;
    }
    let g = grubbs_critical_uncached(n);
    KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        if k.len() > 4096 {
            k.clear();
        }
        k.insert(n, g);
    });
    g
}

fn grubbs_critical_uncached(n: usize) -> Option<f64> {
    let nf = n as f64;
    let t = StudentsT::new(0.0, 1.0, nf - 2.0).ok()?;
    // The inverse survival function at 0.05 / (2N).
    let thr = t.inverse_cdf(1.0 - 0.05 / (2.0 * nf));
    Some((nf - 1.0) / nf.sqrt() * (thr * thr / (nf - 2.0 + thr * thr)).sqrt())
}

/// `grubbs` (algorithm 2): the tail average's z-score (sample std) against Grubbs'
/// critical value; upward only.
pub fn grubbs(w: Window<'_>) -> Vote {
    let sd = std(w.v, 1);
    let g = grubbs_critical(w.v.len()).unwrap_or(f64::NAN);
    grubbs_vote(tail_avg(w.v), mean(w.v), sd, g)
}

/// Grubbs' decision from the tail average, the mean, the sample standard
/// deviation and the critical value.
pub(super) fn grubbs_vote(tail: f64, mean: f64, sd: f64, g: f64) -> Vote {
    if sd == 0.0 || sd.is_nan() {
        return Vote::no(f64::NAN, g);
    }
    Vote::above((tail - mean) / sd, g)
}

/// `first_hour_average` (algorithm 3): the tail average's distance from the mean of the
/// window's first hour, against 3 sample standard deviations of it.
pub fn first_hour_average(w: Window<'_>, s: &Settings) -> Vote {
    let t_n = w.t.last().copied().unwrap_or(f64::NAN);
    let lo = t_n - s.full_duration_s;
    let first: Vec<f64> =
        w.t.iter()
            .zip(w.v)
            .filter(|&(&t, _)| lo < t && t < lo + 3600.0)
            .map(|(_, &v)| v)
            .collect();
    if first.len() < 2 {
        return Vote::no(f64::NAN, f64::NAN);
    }
    Vote::above((tail_avg(w.v) - mean(&first)).abs(), 3.0 * std(&first, 1))
}

/// `stddev_from_average` (algorithm 4): the tail average's distance from the mean, against
/// 3 sample standard deviations.
pub fn stddev_from_average(w: Window<'_>) -> Vote {
    Vote::above((tail_avg(w.v) - mean(w.v)).abs(), 3.0 * std(w.v, 1))
}

/// The exponentially weighted mean and bias-corrected standard deviation at
/// the last point, centre of mass 50, "adjusted" weights (pandas'
/// `ewm(com=50).mean()` and `.std()`), by the spec's recurrence.
pub fn ewm_mean_std(v: &[f64]) -> (f64, f64) {
    let f = 50.0 / 51.0;
    let Some(&first) = v.first() else {
        return (f64::NAN, f64::NAN);
    };
    let (mut m, mut w) = (first, 1.0f64);
    let (mut cov, mut sw, mut sw2) = (0.0f64, 1.0f64, 1.0f64);
    for &x in &v[1..] {
        w *= f;
        let old = m;
        let new_m = (w * m + x) / (w + 1.0);
        cov = (w * (cov + (old - new_m) * (old - new_m)) + (x - new_m) * (x - new_m)) / (w + 1.0);
        m = new_m;
        w += 1.0;
        sw = sw * f + 1.0;
        sw2 = sw2 * f * f + 1.0;
    }
    let denom = sw * sw - sw2;
    let var = if denom > 0.0 {
        sw * sw / denom * cov
    } else {
        f64::NAN
    };
    (m, var.sqrt())
}

/// `stddev_from_moving_average` (algorithm 5): the last value's distance from the
/// exponentially weighted mean, against 3 of its standard deviations.
pub fn stddev_from_moving_average(w: Window<'_>) -> Vote {
    let (m, s) = ewm_mean_std(w.v);
    let last = w.v.last().copied().unwrap_or(f64::NAN);
    Vote::above((last - m).abs(), 3.0 * s)
}

/// `mean_subtraction_cumulation` (algorithm 6): the last value minus the mean of the ones
/// before it, against 3 population standard deviations of those.
pub fn mean_subtraction_cumulation(w: Window<'_>) -> Vote {
    let n = w.v.len();
    if n < 2 {
        return Vote::no(f64::NAN, f64::NAN);
    }
    let mu = mean(&w.v[..n - 1]);
    let centred: Vec<f64> = w.v.iter().map(|x| x - mu).collect();
    let sd = std(&centred[..n - 1], 0);
    Vote::above(centred[n - 1].abs(), 3.0 * sd)
}

/// `least_squares` (algorithm 7): the mean of the last three residuals of a straight-line
/// fit, against 3 sample standard deviations of the residuals; both must
/// round to something other than 0.
pub fn least_squares(w: Window<'_>) -> Vote {
    let n = w.v.len();
    if n < 3 {
        return Vote::no(f64::NAN, f64::NAN);
    }
    let tm = mean(w.t);
    let vm = mean(w.v);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, v) in w.t.iter().zip(w.v) {
        sxy += (t - tm) * (v - vm);
        sxx += (t - tm) * (t - tm);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let e: Vec<f64> =
        w.t.iter()
            .zip(w.v)
            .map(|(t, v)| v - (slope * (t - tm) + vm))
            .collect();
    let t3 = (e[n - 1] + e[n - 2] + e[n - 3]) / 3.0;
    least_squares_vote(t3, std(&e, 1))
}

/// The least-squares decision from the mean of the last three residuals and
/// the residuals' sample standard deviation.
pub(super) fn least_squares_vote(t3: f64, sd: f64) -> Vote {
    let vote = t3.abs() > 3.0 * sd && sd.round_ties_even() != 0.0 && t3.round_ties_even() != 0.0;
    Vote {
        vote,
        statistic: t3.abs(),
        threshold: 3.0 * sd,
    }
}

/// `histogram_bins` (algorithm 8): 15 equal bins over the values; anomalous when the tail
/// average falls in a bin holding 20 values or fewer (the first such bin that
/// contains it, scanning from the lowest). The statistic is that bin's count.
pub fn histogram_bins(w: Window<'_>) -> Vote {
    let lo = w.v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = w.v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut counts = [0usize; BINS];
    for &x in w.v {
        counts[histogram_bin(x, lo, hi) as usize] += 1;
    }
    histogram_vote(tail_avg(w.v), lo, hi, |k| counts[k])
}

/// histogram_bins' number of bins.
const BINS: usize = 15;

/// The histogram bin (0..=14) of a value `x` between `lo` and `hi`; it never
/// decreases as `x` grows (values outside are clamped to the end bins).
pub(super) fn histogram_bin(x: f64, lo: f64, hi: f64) -> i64 {
    if x >= hi || hi == lo {
        (BINS - 1) as i64
    } else if x <= lo {
        0
    } else {
        ((BINS as f64 * (x - lo) / (hi - lo)).floor() as i64).min(BINS as i64 - 1)
    }
}

/// The histogram decision for the tail average `t` over values from `lo` to
/// `hi`, given each bin's count: the first bin, from the lowest, holding 20
/// values or fewer and containing `t`.
pub(super) fn histogram_vote(t: f64, lo: f64, hi: f64, count: impl Fn(usize) -> usize) -> Vote {
    let edge = |k: usize| lo + k as f64 * (hi - lo) / BINS as f64;
    for k in 0..BINS {
        let contains = if k == 0 {
            t <= lo
        } else {
            edge(k) <= t && t < edge(k + 1)
        };
        if !contains {
            continue;
        }
        let count = count(k);
        if count <= 20 {
            return Vote {
                vote: true,
                statistic: count as f64,
                threshold: 20.0,
            };
        }
    }
    Vote::no(f64::NAN, 20.0)
}

/// `ks_test` (algorithm 9): the values of the 50 minutes before the last 10
/// (`now - 3600 <= t < now - 600`) against the last 10 minutes (`t >= now -
/// 600`), at least 20 of each and the reference not constant. When their
/// two-sample KS test has p < 0.05 and D > 0.5, an augmented Dickey-Fuller
/// test of the reference (constant, up to 10 lags by AIC) decides: anomalous
/// when its p-value is below 0.05. The statistic is that ADF p-value (or, when
/// the KS gate stays shut, the KS p-value); the threshold is 0.05, and the vote
/// is "below", unlike the other tests.
pub fn ks_test(w: Window<'_>, now_s: f64) -> Vote {
    let pick = |keep: &dyn Fn(f64) -> bool| -> Vec<f64> {
        w.t.iter()
            .zip(w.v)
            .filter(|&(&t, _)| keep(t))
            .map(|(_, &v)| v)
            .collect()
    };
    let reference = pick(&|t| now_s - 3600.0 <= t && t < now_s - 600.0);
    let probe = pick(&|t| t >= now_s - 600.0);
    let mut a = reference.clone();
    let mut b = probe;
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    ks_vote_sorted(&a, &b, true, || super::adf::adf(&reference, 10))
}

/// A limiting-distribution KS p-value this small settles "p < 0.05".
pub(super) const KS_CLEARLY_BELOW: f64 = 0.005;

/// ks_test's decision from the reference and probe values sorted, and the
/// ADF test of the reference (in time order), run only when the KS gate
/// opens. With `full_statistic` false (scan mode) the KS p-value is only
/// computed when D opens the gate (D > 0.5), and the statistic is NaN
/// otherwise: the vote is the same, for less work.
pub(super) fn ks_vote_sorted(
    reference: &[f64],
    probe: &[f64],
    full_statistic: bool,
    adf: impl FnOnce() -> Option<super::adf::AdfResult>,
) -> Vote {
    let no = Vote::no(f64::NAN, 0.05);
    if reference.len() < 20 || probe.len() < 20 {
        return no;
    }
    // Sorted: constant when the ends agree.
    if reference.first() == reference.last() {
        return no;
    }
    let d = super::ks::ks_statistic(reference, probe);
    if !full_statistic && d <= 0.5 {
        return no;
    }
    let (n1, n2) = (reference.len(), probe.len());
    // Where the limiting distribution puts p far below 0.05, the exact p is
    // below it too (tested over every lattice D for sizes 20..=100); the
    // exact count, O(n1 n2), is only needed near the line.
    let limit = super::ks::kolmogorov_sf(d * ((n1 * n2) as f64 / (n1 + n2) as f64).sqrt());
    let p = if !full_statistic && limit < KS_CLEARLY_BELOW {
        limit
    } else {
        super::ks::ks_p_value(d, n1, n2)
    };
    if !(p < 0.05 && d > 0.5) {
        return Vote::no(p, 0.05);
    }
    match adf() {
        Some(adf) => Vote {
            vote: adf.p < 0.05,
            statistic: adf.p,
            threshold: 0.05,
        },
        None => no,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(v: &[f64]) -> (Vec<f64>, Vec<f64>) {
        ((0..v.len()).map(|i| i as f64 * 60.0).collect(), v.to_vec())
    }

    #[test]
    fn grubbs_critical_values_match_the_spec() {
        assert!((grubbs_critical(100).unwrap() - 3.384082901154891).abs() < 1e-9);
        assert!((grubbs_critical(1440).unwrap() - 4.128462789219459).abs() < 1e-9);
        assert_eq!(grubbs_critical(2), None);
    }

    /// A quiet series (a deterministic wiggle) ending in a spike.
    fn spiky() -> (Vec<f64>, Vec<f64>) {
        let mut v: Vec<f64> = (0..200)
            .map(|i| 10.0 + ((i * 37) % 11) as f64 / 10.0)
            .collect();
        v.extend([30.0, 31.0, 32.0]);
        window(&v)
    }

    #[test]
    fn a_spike_is_seen_and_a_quiet_series_is_not() {
        let (t, v) = spiky();
        let w = Window { t: &t, v: &v };
        // A window as long as the series, so its first hour is its first 60 points.
        let s = Settings {
            full_duration_s: t[t.len() - 1] - t[0] + 60.0,
            ..Settings::default()
        };
        for (name, vote) in [
            ("mad", median_absolute_deviation(w)),
            ("grubbs", grubbs(w)),
            ("first hour", first_hour_average(w, &s)),
            ("stddev", stddev_from_average(w)),
            ("moving", stddev_from_moving_average(w)),
            ("msc", mean_subtraction_cumulation(w)),
            ("least squares", least_squares(w)),
            ("histogram", histogram_bins(w)),
        ] {
            assert!(vote.vote, "{name}: {vote:?}");
            assert!(
                vote.statistic > vote.threshold || name == "histogram",
                "{name}: {vote:?}"
            );
        }
        let quiet = &v[..200];
        let qt = &t[..200];
        let q = Window { t: qt, v: quiet };
        for (name, vote) in [
            ("grubbs", grubbs(q)),
            ("stddev", stddev_from_average(q)),
            ("moving", stddev_from_moving_average(q)),
            ("msc", mean_subtraction_cumulation(q)),
        ] {
            assert!(!vote.vote, "{name}: {vote:?}");
        }
    }

    /// The first `n` points of a NAB series (timestamps UTC).
    fn nab(file: &str, n: usize) -> (Vec<f64>, Vec<f64>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/nab")
            .join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        text.lines()
            .skip(1)
            .take(n)
            .map(|l| {
                let (ts, v) = l.split_once(',').unwrap();
                let t = chrono::NaiveDateTime::parse_from_str(ts, "%Y-%m-%d %H:%M:%S").unwrap();
                (t.and_utc().timestamp() as f64, v.parse::<f64>().unwrap())
            })
            .unzip()
    }

    #[test]
    fn statistics_match_numpy_scipy_and_pandas_on_nab_data() {
        // Reference: numpy median/std(ddof)/lstsq, scipy.stats.t.isf and
        // pandas ewm(com=50) on the first 1,500 points of NAB's
        // machine_temperature_system_failure.csv, following the spec.
        let (t, v) = nab("machine_temperature_system_failure.csv", 1500);
        let w = Window { t: &t, v: &v };
        let s = Settings::default();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        for (name, vote, stat, thr) in [
            ("mad", median_absolute_deviation(w), 1.3045222138463368, 6.0),
            ("grubbs", grubbs(w), 0.8432432381999652, 4.138202303616658),
            (
                "first hour",
                first_hour_average(w, &s),
                0.32595338484848924,
                1.5622870619340858,
            ),
            (
                "stddev",
                stddev_from_average(w),
                6.87496865366667,
                24.459023241060436,
            ),
            (
                "moving",
                stddev_from_moving_average(w),
                0.9845401288258984,
                6.732699128758718,
            ),
            (
                "msc",
                mean_subtraction_cumulation(w),
                7.072117215143436,
                24.45288794509365,
            ),
            // numpy's lstsq on the raw times (~1.4e9 s) loses digits; with the
            // times centred first, as the spec asks, it gives these.
            (
                "least squares",
                least_squares(w),
                4.3909459612364685,
                24.075839638449782,
            ),
        ] {
            assert!(
                close(vote.statistic, stat),
                "{name}: {} vs {stat}",
                vote.statistic
            );
            assert!(
                close(vote.threshold, thr),
                "{name}: {} vs {thr}",
                vote.threshold
            );
            assert!(!vote.vote, "{name}");
        }
    }

    #[test]
    fn the_moving_average_is_pandas_ewm_com_50() {
        // pandas: Series(v).ewm(com=50).mean().iloc[-1], .std().iloc[-1]
        let (m, s) = ewm_mean_std(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]);
        assert!((m - 3.930590297628817).abs() < 1e-12, "{m}");
        assert!((s - 2.766778313746578).abs() < 1e-12, "{s}");
        let (_, v) = spiky();
        let (m, s) = ewm_mean_std(&v);
        assert!((m - 11.700730061701325).abs() < 1e-9, "{m}");
        assert!((s - 4.862943747117994).abs() < 1e-9, "{s}");
    }

    #[test]
    fn the_first_hour_is_the_first_hour_of_the_window() {
        let (t, v) = spiky();
        let w = Window { t: &t, v: &v };
        // With a day-long window the first hour lies before the data.
        let vote = first_hour_average(w, &Settings::default());
        assert!(!vote.vote && vote.statistic.is_nan(), "{vote:?}");
    }

    #[test]
    fn ks_test_needs_a_shifted_last_ten_minutes_and_a_stationary_reference() {
        // One point every 10 s for an hour: 300 reference points, 60 probe points.
        let t: Vec<f64> = (0..=360).map(|i| 1_000_000.0 + i as f64 * 10.0).collect();
        let now = t[t.len() - 1];
        let noise: Vec<f64> = (0..t.len())
            .map(|i| ((i as u64 * 2_654_435_761) % 1000) as f64 / 1000.0)
            .collect();
        let same = ks_test(Window { t: &t, v: &noise }, now);
        assert!(!same.vote, "{same:?}");
        assert!(same.statistic >= 0.05, "the KS gate stays shut: {same:?}");
        let mut shifted = noise.clone();
        for (x, &ti) in shifted.iter_mut().zip(&t) {
            if ti >= now - 600.0 {
                *x += 5.0;
            }
        }
        let moved = ks_test(Window { t: &t, v: &shifted }, now);
        assert!(moved.vote, "{moved:?}");
        assert!(moved.statistic < 0.05);
        let few = ks_test(
            Window {
                t: &t[..30],
                v: &noise[..30],
            },
            t[29],
        );
        assert!(!few.vote && few.statistic.is_nan(), "too few points");
    }

    #[test]
    fn degenerate_inputs_vote_no() {
        let (t, v) = window(&[5.0; 50]);
        let w = Window { t: &t, v: &v };
        assert!(!median_absolute_deviation(w).vote, "mad 0");
        assert!(!grubbs(w).vote, "sd 0");
        assert!(!stddev_from_average(w).vote);
        assert!(!least_squares(w).vote, "round(sd) == 0");
        let (t1, v1) = window(&[1.0, 2.0]);
        assert!(
            !least_squares(Window { t: &t1, v: &v1 }).vote,
            "fewer than 3"
        );
    }
}
