//! Coverage rasters: what each pixel of any time range, at any pixel length, holds.
//!
//! [`mix_row`] measures, per pixel, covered time, partial-only time and hole time
//! (raw holes and time outside the data span). It backs the wubloader-layout map
//! (the PNG maps) and, later, every zoom level of the GUI.

use super::timeline::{Interval, StreamCoverage};

/// What one pixel of a raster holds, µs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PixelMix {
    /// Length of the pixel.
    pub span_us: i64,
    /// Time covered by best segments.
    pub covered_us: i64,
    /// Time covered by suspect/partial best segments and no full one.
    pub partial_only_us: i64,
    /// Time in raw holes.
    pub hole_us: i64,
    /// Time outside the stream's data span (before the first start, after the last end).
    pub outside_us: i64,
}

impl PixelMix {
    /// Adds another measure of the same pixel.
    pub fn add(&mut self, other: &PixelMix) {
        self.span_us += other.span_us;
        self.covered_us += other.covered_us;
        self.partial_only_us += other.partial_only_us;
        self.hole_us += other.hole_us;
        self.outside_us += other.outside_us;
    }
}

/// The three colours of the wubloader-layout map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapClass {
    /// Some part lies in a raw hole or outside the data span (white).
    Hole,
    /// Otherwise some part is partial-only time (orange).
    PartialOnly,
    /// Otherwise (blue).
    Covered,
}

impl MapClass {
    /// wubloader's classification of a pixel.
    pub fn of(mix: &PixelMix) -> MapClass {
        if mix.hole_us > 0 || mix.outside_us > 0 {
            MapClass::Hole
        } else if mix.partial_only_us > 0 {
            MapClass::PartialOnly
        } else {
            MapClass::Covered
        }
    }

    /// The exact colour wubloader's map uses.
    pub fn wubloader_rgba(self) -> [u8; 4] {
        match self {
            MapClass::Hole => [255, 255, 255, 255],
            MapClass::PartialOnly => PARTIAL_ONLY_RGBA,
            MapClass::Covered => COVERED_RGBA,
        }
    }
}

/// Full coverage blue, `#1f77b4`.
pub const COVERED_RGBA: [u8; 4] = [0x1f, 0x77, 0xb4, 255];
/// Partial-only orange, `#ff7f0e`.
pub const PARTIAL_ONLY_RGBA: [u8; 4] = [0xff, 0x7f, 0x0e, 255];

/// Pixel boundaries of `[t0, t1)` split into `n` equal pixels (integer µs).
struct Pixels {
    t0: i64,
    len: i128,
    n: usize,
}

impl Pixels {
    fn boundary(&self, i: usize) -> i64 {
        self.t0 + ((self.len * i as i128) / self.n as i128) as i64
    }

    /// Index of the pixel holding instant `t` (clamped).
    fn index(&self, t: i64) -> usize {
        let off = i128::from(t - self.t0).clamp(0, self.len);
        (((off * self.n as i128) / self.len) as usize).min(self.n - 1)
    }

    /// Adds the overlap of every interval of a sorted, disjoint list with the
    /// pixels; only the intervals inside the range are visited.
    fn add_sorted(
        &self,
        list: &[Interval],
        out: &mut [PixelMix],
        field: fn(&mut PixelMix) -> &mut i64,
    ) {
        let t1 = self.boundary(self.n);
        let first = list.partition_point(|iv| iv.end_us <= self.t0);
        for iv in &list[first..] {
            if iv.start_us >= t1 {
                break;
            }
            self.add(*iv, out, field);
        }
    }

    /// Adds the overlap of `iv` with every pixel it touches.
    fn add(&self, iv: Interval, out: &mut [PixelMix], field: fn(&mut PixelMix) -> &mut i64) {
        let t1 = self.boundary(self.n);
        let (a, b) = (iv.start_us.max(self.t0), iv.end_us.min(t1));
        if a >= b {
            return;
        }
        let first = self.index(a);
        for (i, pixel) in out
            .iter_mut()
            .enumerate()
            .take(self.index(b - 1) + 1)
            .skip(first)
        {
            let overlap = b.min(self.boundary(i + 1)) - a.max(self.boundary(i));
            if overlap > 0 {
                *field(pixel) += overlap;
            }
        }
    }
}

/// Measures each of `n` equal pixels of `[t0_us, t1_us)` for one stream.
/// Returns an empty row when `n == 0` or the range is empty.
pub fn mix_row(cov: &StreamCoverage, t0_us: i64, t1_us: i64, n: usize) -> Vec<PixelMix> {
    if n == 0 || t1_us <= t0_us {
        return Vec::new();
    }
    let px = Pixels {
        t0: t0_us,
        len: i128::from(t1_us - t0_us),
        n,
    };
    let mut out: Vec<PixelMix> = (0..n)
        .map(|i| PixelMix {
            span_us: px.boundary(i + 1) - px.boundary(i),
            ..Default::default()
        })
        .collect();
    px.add_sorted(&cov.raw_union, &mut out, |m| &mut m.covered_us);
    px.add_sorted(&cov.partial_only, &mut out, |m| &mut m.partial_only_us);
    px.add_sorted(&cov.raw_holes, &mut out, |m| &mut m.hole_us);
    let outside = match (cov.first_start_us, cov.last_end_us) {
        (Some(a), Some(b)) => [
            Interval {
                start_us: i64::MIN,
                end_us: a,
            },
            Interval {
                start_us: b,
                end_us: i64::MAX,
            },
        ],
        _ => [
            Interval {
                start_us: i64::MIN,
                end_us: i64::MAX,
            },
            Interval {
                start_us: 0,
                end_us: 0,
            },
        ],
    };
    for iv in outside {
        px.add(iv, &mut out, |m| &mut m.outside_us);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::name::SegmentType;
    use crate::coverage::best::{HourSummary, Seg};
    use crate::coverage::timeline::analyse_stream;

    const S: i64 = 1_000_000;

    fn cov(best: Vec<Seg>) -> StreamCoverage {
        analyse_stream(&[HourSummary::from_best(0, best)])
    }

    fn seg(start_us: i64, duration_us: i64, kind: SegmentType) -> Seg {
        Seg {
            start_us,
            duration_us,
            kind,
        }
    }

    #[test]
    fn pixels_see_holes_partials_and_the_span() {
        let c = cov(vec![
            seg(2 * S, 2 * S, SegmentType::Full),
            seg(4 * S, 2 * S, SegmentType::Partial),
            seg(7 * S, 3 * S, SegmentType::Full),
        ]);
        let row = mix_row(&c, 0, 12 * S, 6);
        let classes: Vec<MapClass> = row.iter().map(MapClass::of).collect();
        use MapClass::*;
        // 0-2 outside, 2-4 full, 4-6 partial, 6-8 hole 6..7, 8-10 full, 10-12 outside.
        assert_eq!(
            classes,
            vec![Hole, Covered, PartialOnly, Hole, Covered, Hole]
        );
        assert_eq!(row[3].hole_us, S);
        assert_eq!(row[0].outside_us, 2 * S);
        assert_eq!(row[0].hole_us, 0);
        assert_eq!(row[3].covered_us, S);
        assert!(row.iter().all(|m| m.span_us == 2 * S));
    }

    #[test]
    fn tiny_gap_does_not_whiten() {
        let c = cov(vec![
            seg(0, 2 * S, SegmentType::Full),
            seg(2 * S + 5_000, 2 * S, SegmentType::Full),
        ]);
        let row = mix_row(&c, 0, 4 * S, 2);
        assert!(row.iter().all(|m| MapClass::of(m) == MapClass::Covered));
    }

    #[test]
    fn uneven_pixels_add_up() {
        let c = cov(vec![seg(0, 10 * S, SegmentType::Full)]);
        let row = mix_row(&c, 0, 10 * S, 7);
        assert_eq!(row.iter().map(|m| m.span_us).sum::<i64>(), 10 * S);
        assert_eq!(row.iter().map(|m| m.covered_us).sum::<i64>(), 10 * S);
        assert!(mix_row(&c, 0, 10 * S, 0).is_empty());
    }

    #[test]
    fn empty_stream_is_all_outside() {
        let c = cov(vec![]);
        let row = mix_row(&c, 0, 10 * S, 4);
        assert!(
            row.iter()
                .all(|m| m.outside_us == m.span_us && m.span_us > 0)
        );
        assert!(row.iter().all(|m| MapClass::of(m) == MapClass::Hole));
    }
}
