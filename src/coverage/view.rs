//! Pure queries the views of a coverage timeline need: the segments in a
//! time range, and the pixel mixes of a stream whose scan is still running.
//! Plain data in, plain data out, so they are tested and benchmarked without
//! a window.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::best::{HourSummary, Seg};
use super::raster::{PixelMix, mix_row};
use super::timeline::StreamCoverage;
use crate::time::HOUR_US;

/// The best segments of a stream's `hours` (and same-start duplicates,
/// flagged) overlapping `[t0, t1)`, µs.
pub fn visible_segments(hours: &[HourSummary], t0: f64, t1: f64) -> Vec<(Seg, bool)> {
    let mut out = Vec::new();
    let first_hour = hours.partition_point(|h| ((h.hour_start_us + 2 * HOUR_US) as f64) < t0);
    for h in &hours[first_hour..] {
        if h.hour_start_us as f64 >= t1 {
            break;
        }
        for (list, overlap) in [(&h.best, false), (&h.same_start_overlaps, true)] {
            let i = list.partition_point(|s| (s.start_us as f64) < t0 - HOUR_US as f64);
            for s in &list[i..] {
                if s.start_us as f64 >= t1 {
                    break;
                }
                if s.end_us() as f64 > t0 {
                    out.push((*s, overlap));
                }
            }
        }
    }
    out
}

/// The pixel mixes of a stream still loading, its hours `done` so far each
/// analysed on its own and the hours still `pending` (hour starts, µs): each
/// pixel takes the hour holding its middle; `None` where that hour is not
/// scanned yet. The pixels of one hour are measured together, one raster per
/// hour in view.
pub fn loading_mix(
    pending: &BTreeSet<i64>,
    done: &BTreeMap<i64, Arc<StreamCoverage>>,
    t0: f64,
    t1: f64,
    width: usize,
) -> Vec<Option<PixelMix>> {
    let px = (t1 - t0) / width.max(1) as f64;
    let edge = |x: usize| (t0 + x as f64 * px) as i64;
    let hour_of = |x: usize| {
        let mid = t0 + (x as f64 + 0.5) * px;
        (mid as i64).div_euclid(HOUR_US) * HOUR_US
    };
    let mut out = Vec::with_capacity(width);
    let mut x = 0;
    while x < width {
        let hour = hour_of(x);
        let mut end = x + 1;
        while end < width && hour_of(end) == hour {
            end += 1;
        }
        let n = end - x;
        match done.get(&hour) {
            Some(cov) => {
                let (a, b) = (edge(x), edge(end).max(edge(x) + n as i64));
                out.extend(mix_row(cov, a, b, n).into_iter().map(Some));
            }
            // Not scanned yet: pending.
            None if pending.contains(&hour) => out.extend((0..n).map(|_| None)),
            // Not in the archive: no data.
            None => out.extend((0..n).map(|_| {
                Some(PixelMix {
                    span_us: px as i64,
                    outside_us: px as i64,
                    ..Default::default()
                })
            })),
        }
        x = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::name::SegmentType;
    use crate::coverage::timeline::analyse_stream;
    use crate::time::SECOND_US;

    #[test]
    fn a_loading_lane_shows_scanned_pending_and_absent_hours() {
        // Hour 0 scanned (covered), hour 1 pending, hour 2 not in the archive.
        let best = (0..1800)
            .map(|i| Seg {
                start_us: i * 2 * SECOND_US,
                duration_us: 2 * SECOND_US,
                kind: SegmentType::Full,
            })
            .collect();
        let done = BTreeMap::from([(
            0,
            Arc::new(analyse_stream(&[HourSummary::from_best(0, best)])),
        )]);
        let pending = BTreeSet::from([HOUR_US]);
        let mix = loading_mix(&pending, &done, 0.0, (3 * HOUR_US) as f64, 30);
        assert_eq!(mix.len(), 30);
        assert!(
            mix[..10]
                .iter()
                .all(|m| m.is_some_and(|m| m.covered_us == m.span_us))
        );
        assert!(mix[10..20].iter().all(Option::is_none), "pending");
        assert!(
            mix[20..]
                .iter()
                .all(|m| m.is_some_and(|m| m.outside_us == m.span_us))
        );
    }
}
