//! The two-sample Kolmogorov-Smirnov test as the ensemble's ks_test uses it
//! (scipy's `ks_2samp`, two-sided, exact): the statistic D, the largest gap
//! between the two empirical distribution functions, and its exact p-value by
//! counting lattice paths (Hodges' treatment of the Smirnov test; for unequal
//! sizes the "inside" recursion written for 1 - p, after Viehmann, which keeps
//! precision for small p). Where the exact count fails numerically the
//! Kolmogorov limiting distribution is used instead.

/// D and its two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    /// The largest distance between the two empirical distribution functions.
    pub d: f64,
    /// Two-sided p-value.
    pub p: f64,
}

/// The two-sample KS test of `a` against `b` (neither empty).
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<KsResult> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let d = ks_statistic(&a, &b);
    Some(KsResult {
        d,
        p: ks_p_value(d, a.len(), b.len()),
    })
}

/// D of two ascending, non-empty samples: the largest gap between their
/// empirical distribution functions, snapped to the lattice of values D can
/// take (multiples of 1 / lcm(n1, n2), rounded half to even as numpy).
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len(), b.len());
    // The largest gap, evaluated at every sample value (each ECDF counts the
    // values <= x).
    let (mut i, mut j) = (0usize, 0usize);
    let mut d: f64 = 0.0;
    while i < n1 || j < n2 {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        while i < n1 && a[i] <= x {
            i += 1;
        }
        while j < n2 && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / n1 as f64 - j as f64 / n2 as f64).abs());
    }
    let lcm = (n1 / gcd(n1, n2)) as f64 * n2 as f64;
    (d * lcm).round_ties_even() / lcm
}

/// The two-sided p-value of a lattice D (from [`ks_statistic`]) for sample
/// sizes `n1` and `n2`: exact, or the Kolmogorov limit where the exact count
/// fails numerically.
pub fn ks_p_value(d: f64, n1: usize, n2: usize) -> f64 {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) as f64 * n2 as f64;
    let h = (d * lcm).round_ties_even();
    if h == 0.0 {
        return 1.0;
    }
    let h = h as u64;
    let exact = if n1 == n2 {
        outside_square(n1 as u64, h)
    } else {
        outside_band(n1 as u64, n2 as u64, g as u64, h)
    };
    match exact {
        Some(p) if (0.0..=1.0).contains(&p) => p,
        _ => kolmogorov_sf(d * ((n1 * n2) as f64 / (n1 + n2) as f64).sqrt()),
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Equal sizes `n`: the share of paths from (0,0) to (n,n) that reach a
/// diagonal |x - y| = h, from the alternating sum of binomial ratios,
/// evaluated innermost first so it does not cancel.
fn outside_square(n: u64, h: u64) -> Option<f64> {
    let (n, h) = (n as f64, h as f64);
    let mut p = 0.0f64;
    let mut k = (n / h).floor();
    while k >= 0.0 {
        // The k-th term: a ratio of binomial coefficients, a product of h factors.
        let mut ratio = 1.0f64;
        let mut j = 0.0;
        while j < h {
            ratio = (n - k * h - j) * ratio / (n + k * h + j + 1.0);
            j += 1.0;
        }
        p = ratio * (1.0 - p);
        k -= 1.0;
    }
    let p = 2.0 * p;
    p.is_finite().then_some(p)
}

/// Unequal sizes: the share of lattice paths from (0,0) to (m,n) that leave the
/// band |x/m - y/n| < h/lcm(m,n), computed column by column as 1 - (share that
/// stays inside), over the sliding window of rows still inside the band.
fn outside_band(m: u64, n: u64, g: u64, h: u64) -> Option<f64> {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as f64, (n / g) as f64);
    let (n_f, h_f) = (n as f64, h as f64);
    let mut lo = 0usize;
    let mut hi = ((h_f / mg).ceil() as usize).min(n as usize + 1);
    let mut width = hi - lo;
    let len = (2 * hi + 2).min(n as usize + 1);
    // col[k] is the value for row lo + k of the current column: 1 - the share
    // of paths to that point that stayed inside (1 outside the window).
    let mut col = vec![1.0f64; len.max(hi)];
    for c in col.iter_mut().take(hi).skip(lo) {
        *c = 0.0;
    }
    for i in 1..=m {
        let (last_lo, last_width) = (lo, width);
        let i_f = i as f64;
        lo = ((((ng * i_f - h_f) / mg).floor() + 1.0).max(0.0) as usize).min(n as usize);
        hi = (((ng * i_f + h_f) / mg).ceil().min(n_f + 1.0)) as usize;
        if hi <= lo {
            return Some(1.0);
        }
        let mut below = if lo == 0 { 0.0 } else { 1.0 };
        for k in 0..hi - lo {
            let row = (k + lo) as f64;
            let left = *col.get(k + lo - last_lo)?;
            below = (left * i_f + below * row) / (i_f + row);
            col[k] = below;
        }
        width = hi - lo;
        if last_width > width {
            for c in col.iter_mut().skip(width).take(last_width - width) {
                *c = 1.0;
            }
        }
    }
    let p = col[hi - lo - 1];
    p.is_finite().then_some(p)
}

/// The Kolmogorov distribution's survival function at `x` (the limit of
/// sqrt(mn/(m+n)) D), for the fallback.
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let kf = k as f64;
        let term = (-2.0 * kf * kf * x * x).exp();
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-17 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-10 * b.abs().max(1e-300)
    }

    #[test]
    fn statistic_and_exact_p_match_scipy() {
        // scipy.stats.ks_2samp(a, b) on the same values.
        let a: Vec<f64> = (0..30).map(|i| 0.1 * i as f64).collect();
        let b: Vec<f64> = (0..25).map(|i| 0.1 * i as f64 + 0.7).collect();
        let r = ks_2samp(&a, &b).unwrap();
        assert!(close(r.d, 0.23333333333333334), "{r:?}");
        assert!(close(r.p, 0.3848251823313092), "{r:?}");

        let c: Vec<f64> = (0..40).map(|i| ((i * 37) % 23) as f64 / 7.0).collect();
        let d: Vec<f64> = (0..40)
            .map(|i| ((i * 11) % 19) as f64 / 5.0 + 1.0)
            .collect();
        let r = ks_2samp(&c, &d).unwrap();
        assert!(close(r.d, 0.425), "{r:?}");
        assert!(close(r.p, 0.0012708143485281624), "equal sizes: {r:?}");

        let e: Vec<f64> = (0..300).map(|i| ((i * 13) % 17) as f64).collect();
        let f: Vec<f64> = (0..60).map(|i| ((i * 7) % 29) as f64 + 3.0).collect();
        let r = ks_2samp(&e, &f).unwrap();
        assert!(close(r.d, 0.5), "{r:?}");
        assert!(close(r.p, 6.473036327853865e-12), "small p kept: {r:?}");

        let same = ks_2samp(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!((same.d, same.p), (0.0, 1.0));
        assert!(ks_2samp(&[], &[1.0]).is_none());
    }

    #[test]
    fn the_limiting_distribution() {
        // Kolmogorov's Q at 1.36 is about 0.049 (the classic 5 % point).
        assert!((kolmogorov_sf(1.358) - 0.05).abs() < 1e-3);
        assert_eq!(kolmogorov_sf(0.0), 1.0);
    }

    #[test]
    fn a_small_limiting_p_means_a_small_exact_p() {
        // Scan mode trusts the limiting distribution when it says p < 0.005;
        // the exact p must then be below 0.05, for every size ks_test meets
        // in practice and every D above its 0.5 gate.
        let limit = crate::anomaly::algorithms::KS_CLEARLY_BELOW;
        let mut checked = 0;
        for n1 in (20..=100).step_by(10) {
            for n2 in (20..=100).step_by(10) {
                let lcm = (n1 / gcd(n1, n2)) * n2;
                for h in (lcm / 2 + 1)..=lcm {
                    let d = h as f64 / lcm as f64;
                    let asymptotic =
                        kolmogorov_sf(d * ((n1 * n2) as f64 / (n1 + n2) as f64).sqrt());
                    if asymptotic < limit {
                        let exact = ks_p_value(d, n1, n2);
                        assert!(
                            exact < 0.05,
                            "{n1} {n2} D={d}: exact {exact}, limit {asymptotic}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
