//! A time series as the ensemble sees it: points stable-sorted by time
//! (integer µs), duplicate timestamps kept and counted, null and NaN values
//! dropped and counted.

/// One series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Its name.
    pub name: String,
    /// (time µs, value), stable-sorted by time; every value finite.
    pub points: Vec<(i64, f64)>,
    /// Values dropped for being null, NaN or infinite.
    pub dropped: usize,
    /// Points whose timestamp equals the one before it.
    pub duplicates: usize,
}

impl Series {
    /// A series from points in any order (`None` values are nulls).
    pub fn new(
        name: impl Into<String>,
        raw: impl IntoIterator<Item = (i64, Option<f64>)>,
    ) -> Series {
        let mut dropped = 0;
        let mut points: Vec<(i64, f64)> = raw
            .into_iter()
            .filter_map(|(t, v)| match v {
                Some(v) if v.is_finite() => Some((t, v)),
                _ => {
                    dropped += 1;
                    None
                }
            })
            .collect();
        // Stable: equal timestamps keep their order, as Skyline keeps them.
        points.sort_by_key(|p| p.0);
        let duplicates = points.windows(2).filter(|w| w[0].0 == w[1].0).count();
        Series {
            name: name.into(),
            points,
            dropped,
            duplicates,
        }
    }

    /// The times in seconds.
    pub fn times_s(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.0 as f64 / 1e6).collect()
    }

    /// The values.
    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.1).collect()
    }
}

/// The values between `lo` and `hi` (s) as at most two points per column of
/// `columns`: each column's lowest and highest, in time order.
pub fn min_max_per_column(
    points: &[(i64, f64)],
    lo: f64,
    hi: f64,
    columns: usize,
) -> Vec<[f64; 2]> {
    let first = points
        .partition_point(|p| (p.0 as f64) / 1e6 < lo)
        .saturating_sub(1);
    let last = (points.partition_point(|p| (p.0 as f64) / 1e6 <= hi) + 1).min(points.len());
    let visible = &points[first..last];
    let as_xy = |p: &(i64, f64)| [p.0 as f64 / 1e6, p.1];
    if visible.len() <= 2 * columns.max(1) || hi <= lo {
        return visible.iter().map(as_xy).collect();
    }
    let width = (hi - lo) / columns as f64;
    let column_of = |p: &(i64, f64)| (((p.0 as f64) / 1e6 - lo) / width).floor() as i64;
    let mut out = Vec::with_capacity(2 * columns + 2);
    let mut start = 0;
    // Each run of points in one column gives its lowest and highest, in time order.
    while start < visible.len() {
        let column = column_of(&visible[start]);
        let len = visible[start..]
            .iter()
            .take_while(|p| column_of(p) == column)
            .count();
        let run = &visible[start..start + len];
        let by_value = |a: &&(i64, f64), b: &&(i64, f64)| a.1.total_cmp(&b.1);
        let low = run.iter().min_by(by_value).map_or(0, |p| p.0);
        let high = run.iter().max_by(by_value).map_or(0, |p| p.0);
        for p in run {
            if p.0 == low.min(high) || (p.0 == low.max(high) && low != high) {
                out.push(as_xy(p));
            }
        }
        start += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_stably_with_duplicates_kept_and_nulls_dropped() {
        let s = Series::new(
            "x",
            [
                (3, Some(3.0)),
                (1, Some(1.0)),
                (2, Some(2.0)),
                (2, Some(2.5)),
                (4, None),
                (5, Some(f64::NAN)),
            ],
        );
        assert_eq!(s.points, vec![(1, 1.0), (2, 2.0), (2, 2.5), (3, 3.0)]);
        assert_eq!((s.dropped, s.duplicates), (2, 1));
    }

    #[test]
    fn long_series_keep_each_columns_extremes() {
        let points: Vec<(i64, f64)> = (0..10_000)
            .map(|i| {
                (
                    i * 1_000_000,
                    if i == 5_003 { 99.0 } else { (i % 7) as f64 },
                )
            })
            .collect();
        let reduced = min_max_per_column(&points, 0.0, 10_000.0, 100);
        assert!(reduced.len() <= 2 * 100 + 4, "{}", reduced.len());
        assert!(reduced.iter().any(|p| p[1] == 99.0), "the spike survives");
        assert!(reduced.windows(2).all(|w| w[0][0] <= w[1][0]), "time order");
        let few = min_max_per_column(&points[..50], 0.0, 10_000.0, 100);
        assert_eq!(few.len(), 50, "short series are drawn as they are");
    }
}
