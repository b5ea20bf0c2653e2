//! The augmented Dickey-Fuller test of [`super::adf`] for a window that
//! slides along a series, as scan mode's ks_test needs it at every point:
//! instead of building and reducing the regression for each window, the
//! cross products of its rows are kept as rows enter and leave (one row per
//! level x_k: the response Δx_k and the regressors 1, x_k, Δx_{k-1}, …,
//! Δx_{k-10}), and each test solves the small normal equations. A Cholesky
//! factor of the full design serves every lag at once (the factor of the
//! first j columns is the factor's leading block), as the QR reduction does
//! in [`super::adf`]. The values are centred first and the sums rebuilt
//! once per window length, so rounding stays far below what the p < 0.05
//! decision notices.

use super::adf::{AdfResult, best_lag};

/// Lags of the regression (the ensemble's max lag).
const LAGS: usize = 10;
/// Columns: 1, x_k, Δx_{k-1..k-LAGS}, then the response Δx_k.
const COLS: usize = LAGS + 2;
const W: usize = COLS + 1;

/// Cross products over a range of rows `[lo, hi)` of one series.
#[derive(Debug, Clone)]
pub struct AdfSums {
    s: [[f64; W]; W],
    lo: usize,
    hi: usize,
    centre: f64,
    since_rebuild: usize,
}

impl Default for AdfSums {
    fn default() -> Self {
        AdfSums {
            s: [[0.0; W]; W],
            lo: 0,
            hi: 0,
            centre: 0.0,
            since_rebuild: 0,
        }
    }
}

/// Row `k` of the regression on `x` (`k + 1 < x.len()`); lags reaching
/// before the series are 0 (rows that short only serve models that leave
/// those columns out).
fn row(x: &[f64], k: usize, centre: f64) -> [f64; W] {
    let mut z = [0.0; W];
    z[0] = 1.0;
    z[1] = x[k] - centre;
    for l in 1..=LAGS.min(k) {
        z[1 + l] = x[k - l + 1] - x[k - l];
    }
    z[COLS] = x[k + 1] - x[k];
    z
}

fn add_to(s: &mut [[f64; W]; W], z: &[f64; W], sign: f64) {
    for i in 0..W {
        let zi = sign * z[i];
        for j in 0..=i {
            s[i][j] += zi * z[j];
        }
    }
}

/// The Cholesky factor of the leading `k` columns of the (lower-triangle)
/// sums; returns how many leading columns are independent.
fn cholesky(s: &[[f64; W]; W], k: usize, l: &mut [[f64; COLS]; COLS]) -> usize {
    let scale = (0..k).map(|i| s[i][i]).fold(0.0, f64::max).max(1e-300);
    for j in 0..k {
        let d = s[j][j] - l[j][..j].iter().map(|x| x * x).sum::<f64>();
        if d <= 1e-24 * scale {
            return j;
        }
        l[j][j] = d.sqrt();
        for i in j + 1..k {
            let dot: f64 = l[i][..j].iter().zip(&l[j][..j]).map(|(a, b)| a * b).sum();
            l[i][j] = (s[i][j] - dot) / l[j][j];
        }
    }
    k
}

/// `L w = X'y` for the leading `k` columns.
fn forward(l: &[[f64; COLS]; COLS], s: &[[f64; W]; W], k: usize) -> [f64; COLS] {
    let mut w = [0.0; COLS];
    for i in 0..k {
        let mut v = s[COLS][i];
        for m in 0..i {
            v -= l[i][m] * w[m];
        }
        w[i] = v / l[i][i];
    }
    w
}

impl AdfSums {
    /// Keeps the sums for the reference window `x[ra..rb)` (the rows the
    /// largest lag allows: k in `[ra + 10, rb - 1)`).
    pub fn slide(&mut self, x: &[f64], ra: usize, rb: usize) {
        let (lo, hi) = (ra + LAGS, (rb.saturating_sub(1)).max(ra + LAGS));
        let overlap = lo < self.hi && self.lo < hi;
        self.since_rebuild += 1;
        if !overlap || lo < self.lo || hi < self.hi || self.since_rebuild > (hi - lo).max(64) {
            self.rebuild(x, lo, hi);
            return;
        }
        for k in self.hi..hi {
            add_to(&mut self.s, &row(x, k, self.centre), 1.0);
        }
        for k in self.lo..lo {
            add_to(&mut self.s, &row(x, k, self.centre), -1.0);
        }
        (self.lo, self.hi) = (lo, hi);
    }

    fn rebuild(&mut self, x: &[f64], lo: usize, hi: usize) {
        let n = hi - lo;
        self.centre = if n > 0 {
            x[lo..hi].iter().sum::<f64>() / n as f64
        } else {
            0.0
        };
        self.s = [[0.0; W]; W];
        for k in lo..hi {
            add_to(&mut self.s, &row(x, k, self.centre), 1.0);
        }
        (self.lo, self.hi) = (lo, hi);
        self.since_rebuild = 0;
    }

    /// The ADF test of the window `x[ra..rb)` the sums were slid to, as
    /// [`super::adf::adf`] with max lag 10 computes it.
    pub fn test(&self, x: &[f64], ra: usize, rb: usize) -> Option<AdfResult> {
        let m = rb - ra;
        if m < LAGS + 14 || self.lo != ra + LAGS || self.hi != rb - 1 {
            return None;
        }
        // AIC of every lag on the common sample.
        let nobs = (self.hi - self.lo) as f64;
        let mut l = [[0.0; COLS]; COLS];
        let usable = cholesky(&self.s, COLS, &mut l);
        let w = forward(&l, &self.s, usable);
        let yy = self.s[COLS][COLS];
        // The model of the first j + 1 columns is lag j - 1.
        let fits = w[..usable]
            .iter()
            .scan(0.0, |explained, wj| {
                *explained += wj * wj;
                Some((yy - *explained).max(0.0))
            })
            .enumerate()
            .skip(1)
            .map(|(j, ssr)| (j - 1, ssr));
        let lag = best_lag(nobs, fits)?;
        // The test regression with that lag on every row it allows.
        let mut s = self.s;
        for k in ra + lag..self.lo {
            add_to(&mut s, &row(x, k, self.centre), 1.0);
        }
        let n = (self.hi - (ra + lag)) as f64;
        let cols = lag + 2;
        if cholesky(&s, cols, &mut l) < cols {
            return None;
        }
        let w = forward(&l, &s, cols);
        let ssr = (s[COLS][COLS] - w[..cols].iter().map(|v| v * v).sum::<f64>()).max(0.0);
        // Back substitution for the coefficients, L' beta = w.
        let mut beta = [0.0; COLS];
        for i in (0..cols).rev() {
            let mut v = w[i];
            for j in i + 1..cols {
                v -= l[j][i] * beta[j];
            }
            beta[i] = v / l[i][i];
        }
        // (X'X)^-1 at the level's coefficient (column 1): |L^-1 e_1|².
        let mut e = [0.0; COLS];
        for i in 1..cols {
            let mut v = if i == 1 { 1.0 } else { 0.0 };
            for j in 1..i {
                v -= l[i][j] * e[j];
            }
            e[i] = v / l[i][i];
        }
        let var_factor: f64 = e[1..cols].iter().map(|v| v * v).sum();
        let sigma2 = ssr / (n - cols as f64);
        AdfResult::of(beta[1] / (sigma2 * var_factor).sqrt(), lag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::adf::adf;

    #[test]
    fn sliding_sums_give_the_tests_of_each_window() {
        // A random walk with a changing drift, then noise around a level.
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let mut x = Vec::new();
        let mut level = 100.0;
        for i in 0..900 {
            level += next() + if i < 300 { 0.05 } else { 0.0 };
            x.push(if i < 600 { level } else { 100.0 + 3.0 * next() });
        }
        let mut sums = AdfSums::default();
        let mut compared = 0;
        for end in 40..x.len() {
            let width = 30 + (end % 50);
            let start = end.saturating_sub(width);
            sums.slide(&x, start, end);
            let mine = sums.test(&x, start, end);
            let reference = adf(&x[start..end], 10);
            match (mine, reference) {
                (Some(a), Some(b)) => {
                    assert_eq!(a.lag, b.lag, "window {start}..{end}");
                    assert!(
                        (a.statistic - b.statistic).abs() < 1e-7 * b.statistic.abs().max(1.0),
                        "{a:?} {b:?}"
                    );
                    assert!((a.p - b.p).abs() < 1e-7, "{a:?} {b:?}");
                    compared += 1;
                }
                (None, None) => {}
                other => panic!("window {start}..{end}: {other:?}"),
            }
        }
        assert!(compared > 700, "{compared}");
    }
}
