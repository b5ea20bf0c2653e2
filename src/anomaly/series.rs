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
}
