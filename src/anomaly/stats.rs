//! The statistics the algorithms share, with Skyline's conventions: population
//! (divide by N) or sample (divide by N - 1) standard deviation as each
//! algorithm asks, medians of even counts as the mean of the two middle values.

/// Mean; NaN for no values.
pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Standard deviation with `ddof` (0: population, 1: sample); NaN when
/// there are not more than `ddof` values.
pub fn std(v: &[f64], ddof: usize) -> f64 {
    if v.len() <= ddof {
        return f64::NAN;
    }
    let m = mean(v);
    let ss: f64 = v.iter().map(|x| (x - m) * (x - m)).sum();
    (ss / (v.len() - ddof) as f64).sqrt()
}

/// Median; NaN for no values.
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    // Selection, not a full sort: the middle value(s) in linear time.
    let mut s = v.to_vec();
    let n = s.len();
    let (below, &mut upper, _) = s.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        // The lower middle value is the largest of the values below.
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// Skyline's tail average: the mean of the last three values (the last value
/// alone for fewer than three).
pub fn tail_avg(v: &[f64]) -> f64 {
    let n = v.len();
    if n >= 3 {
        (v[n - 1] + v[n - 2] + v[n - 3]) / 3.0
    } else {
        v.last().copied().unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions() {
        let v = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&v), 5.0);
        assert_eq!(std(&v, 0), 2.0);
        assert!((std(&v, 1) - 2.138089935299395).abs() < 1e-15);
        assert_eq!(median(&v), 4.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(tail_avg(&v), 7.0);
        assert_eq!(tail_avg(&[1.0, 2.0]), 2.0);
        assert!(std(&[1.0], 1).is_nan());
    }
}
