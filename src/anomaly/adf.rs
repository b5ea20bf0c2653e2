//! The augmented Dickey-Fuller test the ensemble's ks_test runs on its
//! reference window (as statsmodels' `adfuller(x, maxlag=10, regression="c",
//! autolag="AIC")`): the lag is the one of 0..=10 with the smallest AIC, all
//! fitted on the sample the largest lag leaves; the test regression is then
//! refitted with that lag on all the rows it allows, and its t-value on the
//! lagged level gets MacKinnon's (1994) approximate p-value.

use statrs::distribution::{ContinuousCDF, Normal};

/// The statistic, its p-value and the lag used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdfResult {
    /// t-value of the lagged level's coefficient.
    pub statistic: f64,
    /// MacKinnon's approximate p-value.
    pub p: f64,
    /// Lagged differences in the regression.
    pub lag: usize,
}

/// A Householder QR reduction of a design X (n rows, k columns) and its
/// response y: R in the upper triangle of `a` (column-major) and Q'y in `b`.
/// Because the reduction works column by column, the model made of the first
/// j columns is reduced by the same steps: its sum of squared residuals is
/// `Σ b[j..]²`, so one reduction serves every nested model.
struct Reduced {
    a: Vec<Vec<f64>>,
    b: Vec<f64>,
    /// The leading columns that are (numerically) independent.
    usable: usize,
}

impl Reduced {
    fn new(rows: &[Vec<f64>], y: &[f64]) -> Option<Reduced> {
        let n = rows.len();
        let k = rows.first()?.len();
        if n <= k {
            return None;
        }
        let mut a: Vec<Vec<f64>> = (0..k)
            .map(|j| rows.iter().map(|r| r[j]).collect())
            .collect();
        let mut b = y.to_vec();
        let scale = a
            .iter()
            .map(|c| c.iter().map(|x| x * x).sum::<f64>().sqrt())
            .fold(0.0, f64::max);
        let mut usable = k;
        for j in 0..k {
            let norm = a[j][j..].iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm <= 1e-12 * scale.max(1e-300) {
                usable = j;
                break;
            }
            let alpha = if a[j][j] > 0.0 { -norm } else { norm };
            let mut v: Vec<f64> = a[j][j..].to_vec();
            v[0] -= alpha;
            let vnorm2: f64 = v.iter().map(|x| x * x).sum();
            if vnorm2 == 0.0 {
                continue;
            }
            for col in a.iter_mut().skip(j) {
                let dot: f64 = v.iter().zip(&col[j..]).map(|(p, q)| p * q).sum();
                let f = 2.0 * dot / vnorm2;
                for (x, vi) in col[j..].iter_mut().zip(&v) {
                    *x -= f * vi;
                }
            }
            let dot: f64 = v.iter().zip(&b[j..]).map(|(p, q)| p * q).sum();
            let f = 2.0 * dot / vnorm2;
            for (x, vi) in b[j..].iter_mut().zip(&v) {
                *x -= f * vi;
            }
        }
        Some(Reduced { a, b, usable })
    }

    /// The sum of squared residuals of the model of the first `j` columns
    /// (`None` when they are dependent).
    fn ssr(&self, j: usize) -> Option<f64> {
        (j <= self.usable).then(|| self.b[j..].iter().map(|x| x * x).sum())
    }

    /// The full model's coefficients, sum of squared residuals and the first
    /// coefficient's standard error.
    fn solve(&self) -> Option<(Vec<f64>, f64, f64)> {
        let k = self.a.len();
        let n = self.b.len();
        if self.usable < k {
            return None;
        }
        // R is a[j][i] for i <= j (column j, row i). Back substitution.
        let r = |i: usize, j: usize| self.a[j][i];
        let mut beta = vec![0.0; k];
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|j| r(i, j) * beta[j]).sum();
            beta[i] = (self.b[i] - s) / r(i, i);
        }
        let ssr = self.ssr(k)?;
        // Row 0 of R^-1: the first coefficient's variance factor.
        let mut inv_row = vec![0.0; k];
        inv_row[0] = 1.0 / r(0, 0);
        for j in 1..k {
            let s: f64 = (0..j).map(|i| inv_row[i] * r(i, j)).sum();
            inv_row[j] = -s / r(j, j);
        }
        let var_factor: f64 = inv_row.iter().map(|x| x * x).sum();
        let sigma2 = ssr / (n - k) as f64;
        Some((beta, ssr, (sigma2 * var_factor).sqrt()))
    }
}

/// The regression rows for lag `max_lag` trimming: for each usable t, the
/// response Δx_t and the regressors [x_t, Δx_{t-1}, …, Δx_{t-max_lag}].
fn lagged(x: &[f64], max_lag: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let dx: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let mut rows = Vec::new();
    let mut y = Vec::new();
    for t in max_lag..dx.len() {
        let mut row = Vec::with_capacity(max_lag + 1);
        row.push(x[t]);
        row.extend((1..=max_lag).map(|l| dx[t - l]));
        rows.push(row);
        y.push(dx[t]);
    }
    (rows, y)
}

/// MacKinnon's (1994) approximate p-value of an ADF t-statistic, constant
/// term, one I(1) series.
pub fn mackinnon_p(stat: f64) -> f64 {
    const MAX: f64 = 2.74;
    const MIN: f64 = -18.83;
    const STAR: f64 = -1.61;
    const SMALL: [f64; 3] = [2.1659, 1.4412, 0.038269];
    const LARGE: [f64; 4] = [1.7339, 0.93202, -0.12745, -0.010368];
    if stat > MAX {
        return 1.0;
    }
    if stat < MIN {
        return 0.0;
    }
    let coef: &[f64] = if stat <= STAR { &SMALL } else { &LARGE };
    let z = coef.iter().rev().fold(0.0, |acc, c| acc * stat + c);
    Normal::standard().cdf(z)
}

/// The ADF test of `x` with a constant, lags chosen by AIC up to `max_lag`;
/// `None` when `x` is too short for `max_lag` or a regression is degenerate.
pub fn adf(x: &[f64], max_lag: usize) -> Option<AdfResult> {
    if x.len() < max_lag + 14 {
        return None;
    }
    // AIC of every lag on the common sample of the largest lag: one
    // reduction of [1, x_t, Δx_{t-1}, …, Δx_{t-max_lag}] gives them all.
    let (rows, y) = lagged(x, max_lag);
    let nobs = y.len() as f64;
    let rows: Vec<Vec<f64>> = rows
        .into_iter()
        .map(|r| std::iter::once(1.0).chain(r).collect())
        .collect();
    let reduced = Reduced::new(&rows, &y)?;
    let lag = best_lag(
        nobs,
        (0..=max_lag).filter_map(|lag| Some((lag, reduced.ssr(lag + 2)?))),
    )?;
    // The test regression with that lag on all the rows it allows:
    // [x_t, Δx_{t-1..t-lag}, 1].
    let (rows, y) = lagged(x, lag);
    let rows: Vec<Vec<f64>> = rows
        .into_iter()
        .map(|mut r| {
            r.push(1.0);
            r
        })
        .collect();
    let (beta, _, se) = Reduced::new(&rows, &y)?.solve()?;
    AdfResult::of(beta[0] / se, lag)
}

/// The lag with the smallest AIC among `(lag, sum of squared residuals)`
/// fitted on `nobs` rows (the first of equals wins, as statsmodels').
pub(super) fn best_lag(nobs: f64, fits: impl Iterator<Item = (usize, f64)>) -> Option<usize> {
    let mut best: Option<(f64, usize)> = None;
    for (lag, ssr) in fits {
        let k = (lag + 2) as f64;
        let llf = -nobs / 2.0 * ((2.0 * std::f64::consts::PI).ln() + (ssr / nobs).ln() + 1.0);
        let aic = -2.0 * llf + 2.0 * k;
        if best.is_none_or(|(b, _)| aic < b) {
            best = Some((aic, lag));
        }
    }
    best.map(|(_, lag)| lag)
}

impl AdfResult {
    /// The result for a t-statistic (`None` when it is not finite).
    pub(super) fn of(statistic: f64, lag: usize) -> Option<AdfResult> {
        statistic.is_finite().then(|| AdfResult {
            statistic,
            p: mackinnon_p(statistic),
            lag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    /// n pseudo-random values in [0, 1): x <- (1103515245 x + 12345) mod 2^31.
    fn lcg(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = (s * 1_103_515_245 + 12_345) % (1 << 31);
                s as f64 / (1u64 << 31) as f64
            })
            .collect()
    }

    #[test]
    fn matches_statsmodels_adfuller() {
        // statsmodels.tsa.stattools.adfuller(x, maxlag=10, regression="c",
        // autolag="AIC") on the same values: (statistic, p-value, lag).
        let noise = lcg(60, 1);
        let r = adf(&noise, 10).unwrap();
        assert_eq!(r.lag, 0);
        assert!(close(r.statistic, -7.384292678097251, 1e-9), "{r:?}");
        assert!(close(r.p, 8.314975812139104e-11, 1e-7), "{r:?}");

        let mut walk = Vec::new();
        let mut level = 0.0;
        for u in lcg(80, 7) {
            level += u - 0.5;
            walk.push(level);
        }
        let r = adf(&walk, 10).unwrap();
        assert_eq!(r.lag, 0);
        assert!(close(r.statistic, -2.314733001289055, 1e-9), "{r:?}");
        assert!(close(r.p, 0.1672603037192371, 1e-9), "{r:?}");

        let short = lcg(30, 3);
        let r = adf(&short, 10).unwrap();
        assert_eq!(r.lag, 1);
        assert!(close(r.statistic, -4.4548025729329455, 1e-9), "{r:?}");
        assert!(close(r.p, 0.0002371170491935206, 1e-8), "{r:?}");

        assert!(adf(&short[..20], 10).is_none(), "too short for 10 lags");
    }
}
