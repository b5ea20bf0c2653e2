//! Level of detail for coverage lanes: a pre-aggregated pyramid of per-bucket
//! coverage mixes, and the per-pixel mix of any visible range at any zoom.
//!
//! Zoomed out, pixels are summed from the pyramid level just finer than a pixel,
//! so a week of a million segments costs a few thousand additions per lane.
//! Zoomed in, pixels are measured exactly from the stream's interval lists.

use super::raster::{PixelMix, mix_row};
use super::timeline::StreamCoverage;
use crate::time::SECOND_US;

/// Bucket length of the finest pyramid level, µs.
pub const PYRAMID_BASE_US: i64 = 10 * SECOND_US;

/// Per-bucket coverage mixes at bucket lengths `base << level`.
#[derive(Debug, Clone)]
pub struct Pyramid {
    origin_us: i64,
    levels: Vec<Vec<PixelMix>>,
}

impl Pyramid {
    /// Builds the pyramid of a stream; `None` without data.
    pub fn build(cov: &StreamCoverage) -> Option<Pyramid> {
        let (first, last) = (cov.first_start_us?, cov.last_end_us?);
        let origin_us = first.div_euclid(PYRAMID_BASE_US) * PYRAMID_BASE_US;
        let n = usize::try_from((last - origin_us + PYRAMID_BASE_US - 1) / PYRAMID_BASE_US)
            .ok()?
            .max(1);
        let mut levels = vec![mix_row(
            cov,
            origin_us,
            origin_us + n as i64 * PYRAMID_BASE_US,
            n,
        )];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let prev = levels.last().map(Vec::as_slice).unwrap_or_default();
            let next: Vec<PixelMix> = prev
                .chunks(2)
                .map(|pair| {
                    let mut m = pair[0];
                    if let Some(b) = pair.get(1) {
                        m.add(b);
                    }
                    m
                })
                .collect();
            levels.push(next);
        }
        Some(Pyramid { origin_us, levels })
    }

    /// Memory held, bytes.
    pub fn heap_bytes(&self) -> usize {
        self.levels
            .iter()
            .map(|l| l.len() * std::mem::size_of::<PixelMix>())
            .sum()
    }
}

/// The per-pixel mix of `[t0_us, t1_us)` split into `width` pixels. Uses the
/// pyramid when a pixel spans at least four of its finest buckets; otherwise
/// measures exactly. Pixel edges from the pyramid fall on bucket edges (at most
/// one bucket, under a quarter pixel, off).
pub fn lane_mix(
    cov: &StreamCoverage,
    pyramid: Option<&Pyramid>,
    t0_us: f64,
    t1_us: f64,
    width: usize,
) -> Vec<PixelMix> {
    if width == 0 || t1_us <= t0_us || !t0_us.is_finite() || !t1_us.is_finite() {
        return Vec::new();
    }
    let pixel_us = (t1_us - t0_us) / width as f64;
    match pyramid {
        Some(p) if pixel_us >= 4.0 * PYRAMID_BASE_US as f64 => {
            from_pyramid(p, t0_us, pixel_us, width)
        }
        _ => {
            let a = t0_us.floor() as i64;
            let b = (t1_us.ceil() as i64).max(a + width as i64);
            mix_row(cov, a, b, width)
        }
    }
}

fn from_pyramid(p: &Pyramid, t0_us: f64, pixel_us: f64, width: usize) -> Vec<PixelMix> {
    // The coarsest level whose buckets are at most a quarter pixel.
    let mut level = 0;
    while level + 1 < p.levels.len() && ((PYRAMID_BASE_US << (level + 1)) as f64) <= pixel_us / 4.0
    {
        level += 1;
    }
    let bucket_us = (PYRAMID_BASE_US << level) as f64;
    let buckets = &p.levels[level];
    let extent_end = p.origin_us as f64 + buckets.len() as f64 * bucket_us;
    (0..width)
        .map(|x| {
            let a = t0_us + x as f64 * pixel_us;
            let b = a + pixel_us;
            let mut m = PixelMix {
                span_us: pixel_us.round() as i64,
                ..Default::default()
            };
            // Outside the pyramid's extent there is no data.
            let before = (p.origin_us as f64).min(b) - a;
            let after = b - extent_end.max(a);
            m.outside_us += (before.max(0.0) + after.max(0.0)).round() as i64;
            let i0 = (((a - p.origin_us as f64) / bucket_us).round().max(0.0)) as usize;
            let i1 = ((((b - p.origin_us as f64) / bucket_us).round().max(0.0)) as usize)
                .min(buckets.len());
            for bucket in buckets.get(i0..i1).unwrap_or_default() {
                m.covered_us += bucket.covered_us;
                m.partial_only_us += bucket.partial_only_us;
                m.hole_us += bucket.hole_us;
                m.outside_us += bucket.outside_us;
            }
            m
        })
        .collect()
}

/// How a lane pixel is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LaneClass {
    /// No data: before the first start or after the last end.
    Outside,
    /// Some part is in a raw hole.
    Hole,
    /// Otherwise some part is partial-only time.
    PartialOnly,
    /// Covered by full segments.
    Covered,
}

impl LaneClass {
    /// The class of a pixel: a hole anywhere in it wins, then partial-only time.
    pub fn of(m: &PixelMix) -> LaneClass {
        if m.hole_us > 0 {
            LaneClass::Hole
        } else if m.covered_us == 0 {
            LaneClass::Outside
        } else if m.partial_only_us > 0 {
            LaneClass::PartialOnly
        } else {
            LaneClass::Covered
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::name::SegmentType;
    use crate::coverage::best::{HourSummary, Seg};
    use crate::coverage::timeline::analyse_stream;
    use crate::time::HOUR_US;

    fn week_stream() -> StreamCoverage {
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
    fn pyramid_and_exact_agree_on_totals_and_classes() {
        let cov = week_stream();
        let p = Pyramid::build(&cov).unwrap();
        let width = 288; // 5 minutes per pixel over a day
        let (t0, t1) = (0.0, (24 * HOUR_US) as f64);
        let fast = lane_mix(&cov, Some(&p), t0, t1, width);
        let exact = lane_mix(&cov, None, t0, t1, width);
        let sum = |v: &[PixelMix], f: fn(&PixelMix) -> i64| v.iter().map(f).sum::<i64>();
        assert_eq!(sum(&fast, |m| m.covered_us), sum(&exact, |m| m.covered_us));
        assert_eq!(sum(&fast, |m| m.hole_us), 30 * SECOND_US);
        assert_eq!(sum(&fast, |m| m.partial_only_us), 10 * SECOND_US);
        let classes = |v: &[PixelMix]| v.iter().map(LaneClass::of).collect::<Vec<_>>();
        assert_eq!(classes(&fast), classes(&exact));
        assert_eq!(
            LaneClass::of(&fast[60]),
            LaneClass::Hole,
            "05:00 holds the hole"
        );
        assert_eq!(LaneClass::of(&fast[120]), LaneClass::PartialOnly);
        assert_eq!(LaneClass::of(&fast[0]), LaneClass::Covered);
    }

    #[test]
    fn outside_the_data_is_outside() {
        let cov = week_stream();
        let p = Pyramid::build(&cov).unwrap();
        let mix = lane_mix(
            &cov,
            Some(&p),
            -(HOUR_US as f64),
            (25 * HOUR_US) as f64,
            1560,
        );
        assert_eq!(LaneClass::of(&mix[0]), LaneClass::Outside);
        assert_eq!(LaneClass::of(&mix[1559]), LaneClass::Outside);
        assert!(mix.iter().any(|m| LaneClass::of(m) == LaneClass::Hole));
    }

    #[test]
    fn zoomed_in_is_exact() {
        let cov = week_stream();
        let p = Pyramid::build(&cov).unwrap();
        let h5 = (5 * HOUR_US) as f64;
        let mix = lane_mix(&cov, Some(&p), h5, h5 + 60.0 * SECOND_US as f64, 60);
        assert!(
            mix[..30]
                .iter()
                .all(|m| LaneClass::of(m) == LaneClass::Hole)
        );
        assert!(
            mix[30..]
                .iter()
                .all(|m| LaneClass::of(m) == LaneClass::Covered)
        );
        assert!(lane_mix(&cov, Some(&p), 5.0, 5.0, 10).is_empty());
        assert!(lane_mix(&cov, Some(&p), 0.0, f64::NAN, 10).is_empty());
    }
}
