//! Level of detail for coverage lanes: the per-pixel coverage mix of any visible
//! range at any zoom, in time and memory that follow the data, not its span.
//!
//! A [`MixIndex`] holds running totals of each interval list of a stream
//! (covered, partial-only, hole time). The time of a kind before an instant is a
//! lookup in them, so a row of pixels costs one binary search and one walk over
//! the intervals it shows, whatever it spans: a week of a million segments or
//! eight thousand years between two segments cost the same per pixel, and the
//! index holds one number per interval.

use super::raster::PixelMix;
use super::timeline::{Interval, StreamCoverage};

/// Running totals of one sorted, disjoint interval list.
#[derive(Debug, Clone, Default)]
struct Cumulative {
    /// `before[i]`: total length of intervals `0..i`.
    before: Vec<i64>,
}

impl Cumulative {
    fn new(list: &[Interval]) -> Self {
        let mut before = Vec::with_capacity(list.len() + 1);
        let mut sum = 0i64;
        before.push(0);
        for iv in list {
            sum = sum.saturating_add(iv.duration_us());
            before.push(sum);
        }
        Cumulative { before }
    }

    /// Total length of `list` before each of the ascending instants `edges`, in
    /// one pass: one binary search for the first edge, then a walk forward.
    fn until_each(&self, list: &[Interval], edges: &[i64]) -> Vec<i64> {
        let Some(&first) = edges.first() else {
            return Vec::new();
        };
        let mut k = list.partition_point(|iv| iv.end_us <= first);
        edges
            .iter()
            .map(|&t| {
                while list.get(k).is_some_and(|iv| iv.end_us <= t) {
                    k += 1;
                }
                let whole = self.before.get(k).copied().unwrap_or_default();
                match list.get(k) {
                    Some(iv) if iv.start_us < t => whole + (t - iv.start_us),
                    _ => whole,
                }
            })
            .collect()
    }

    fn heap_bytes(&self) -> usize {
        self.before.capacity() * std::mem::size_of::<i64>()
    }
}

/// Running totals of a stream's covered, partial-only and hole time, for
/// measuring any range in `O(log n)`.
#[derive(Debug, Clone, Default)]
pub struct MixIndex {
    covered: Cumulative,
    partial_only: Cumulative,
    holes: Cumulative,
}

impl MixIndex {
    /// Indexes a stream's coverage.
    pub fn build(cov: &StreamCoverage) -> MixIndex {
        MixIndex {
            covered: Cumulative::new(&cov.raw_union),
            partial_only: Cumulative::new(&cov.partial_only),
            holes: Cumulative::new(&cov.raw_holes),
        }
    }

    /// Memory held, bytes.
    pub fn heap_bytes(&self) -> usize {
        self.covered.heap_bytes() + self.partial_only.heap_bytes() + self.holes.heap_bytes()
    }
}

/// The per-pixel mix of `[t0_us, t1_us)` split into `width` pixels of whole µs
/// (a pixel is at least 1 µs). Every pixel is measured exactly.
pub fn lane_mix(
    cov: &StreamCoverage,
    index: &MixIndex,
    t0_us: f64,
    t1_us: f64,
    width: usize,
) -> Vec<PixelMix> {
    if width == 0 || t1_us <= t0_us || !t0_us.is_finite() || !t1_us.is_finite() {
        return Vec::new();
    }
    // Clamp to the representable range so far zooms and pans stay finite.
    let limit = (i64::MAX / 4) as f64;
    let a = t0_us.floor().clamp(-limit, limit) as i64;
    let b = (t1_us.ceil().clamp(-limit, limit) as i64).max(a + width as i64);
    let len = i128::from(b - a);
    let edges: Vec<i64> = (0..=width)
        .map(|x| a + ((len * x as i128) / width as i128) as i64)
        .collect();
    let covered = index.covered.until_each(&cov.raw_union, &edges);
    let partial = index.partial_only.until_each(&cov.partial_only, &edges);
    let holes = index.holes.until_each(&cov.raw_holes, &edges);
    (0..width)
        .map(|x| {
            let (p0, p1) = (edges[x], edges[x + 1]);
            let outside = match (cov.first_start_us, cov.last_end_us) {
                (Some(first), Some(last)) => {
                    (first.min(p1) - p0).max(0) + (p1 - last.max(p0)).max(0)
                }
                _ => p1 - p0,
            };
            PixelMix {
                span_us: p1 - p0,
                covered_us: covered[x + 1] - covered[x],
                partial_only_us: partial[x + 1] - partial[x],
                hole_us: holes[x + 1] - holes[x],
                outside_us: outside,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::name::SegmentType;
    use crate::coverage::best::{HourSummary, Seg};
    use crate::coverage::raster::{MapClass, mix_row};
    use crate::coverage::timeline::analyse_stream;
    use crate::time::{HOUR_US, SECOND_US};

    fn day_stream() -> StreamCoverage {
        // 2 s segments for 24 hours with a 30 s hole at 05:00 and partials at 10:00.
        let hours: Vec<HourSummary> = (0..24)
            .map(|h| {
                let mut best = Vec::new();
                for i in 0..1800i64 {
                    let start_us = h * HOUR_US + i * 2 * SECOND_US;
                    if h == 5 && i < 15 {
                        continue;
                    }
                    let kind = if h == 10 && i < 5 {
                        SegmentType::Partial
                    } else {
                        SegmentType::Full
                    };
                    best.push(Seg {
                        start_us,
                        duration_us: 2 * SECOND_US,
                        kind,
                    });
                }
                HourSummary::from_best(h * HOUR_US, best)
            })
            .collect();
        analyse_stream(&hours)
    }

    #[test]
    fn index_agrees_with_the_exact_raster_at_every_zoom() {
        let cov = day_stream();
        let index = MixIndex::build(&cov);
        for (t0, t1, width) in [
            (0, 24 * HOUR_US, 288),
            (-HOUR_US, 25 * HOUR_US, 1560),
            (5 * HOUR_US - 7, 5 * HOUR_US + 61 * SECOND_US, 61),
            (10 * HOUR_US, 10 * HOUR_US + 20 * SECOND_US, 997),
        ] {
            let fast = lane_mix(&cov, &index, t0 as f64, t1 as f64, width);
            assert_eq!(fast, mix_row(&cov, t0, t1, width), "{t0}..{t1} / {width}");
        }
        let day = lane_mix(&cov, &index, 0.0, (24 * HOUR_US) as f64, 288);
        let sum = |f: fn(&PixelMix) -> i64| day.iter().map(f).sum::<i64>();
        assert_eq!(sum(|m| m.hole_us), 30 * SECOND_US);
        assert_eq!(sum(|m| m.partial_only_us), 10 * SECOND_US);
        assert_eq!(
            MapClass::of(&day[60]),
            MapClass::Hole,
            "05:00 holds the hole"
        );
        assert_eq!(MapClass::of(&day[120]), MapClass::PartialOnly);
        assert_eq!(MapClass::of(&day[0]), MapClass::Covered);
    }

    #[test]
    fn outside_the_data_is_outside() {
        let cov = day_stream();
        let index = MixIndex::build(&cov);
        let mix = lane_mix(&cov, &index, -(HOUR_US as f64), (25 * HOUR_US) as f64, 1560);
        assert_eq!(mix[0].outside_us, mix[0].span_us);
        assert_eq!(mix[1559].outside_us, mix[1559].span_us);
        assert!(mix.iter().any(|m| m.hole_us > 0));
        assert!(lane_mix(&cov, &index, 5.0, 5.0, 10).is_empty());
        assert!(lane_mix(&cov, &index, 0.0, f64::NAN, 10).is_empty());
    }

    #[test]
    fn far_apart_segments_cost_nothing_for_the_gap() {
        // One segment in 1970 and one in 9999: the index holds a handful of numbers
        // and the whole span draws like any other range.
        let seg = |start_us| Seg {
            start_us,
            duration_us: 2 * SECOND_US,
            kind: SegmentType::Full,
        };
        let late = crate::time::parse_hour_name("9999-12-31T23").unwrap();
        let cov = analyse_stream(&[
            HourSummary::from_best(0, vec![seg(0)]),
            HourSummary::from_best(late, vec![seg(late)]),
        ]);
        let index = MixIndex::build(&cov);
        assert!(index.heap_bytes() < 1024, "{}", index.heap_bytes());
        let mix = lane_mix(&cov, &index, 0.0, (late + 2 * SECOND_US) as f64, 1000);
        assert_eq!(mix.iter().map(|m| m.covered_us).sum::<i64>(), 4 * SECOND_US);
        assert_eq!(MapClass::of(&mix[500]), MapClass::Hole);
    }
}
