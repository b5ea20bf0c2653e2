//! The continuous timeline of one (channel, quality): raw coverage, raw holes, the
//! editable chain and its holes, dropped-segment overlaps, partial-only time, and
//! every figure split per hour (specs/segments.md §4 and §6 "Timeline").
//!
//! All arithmetic is exact integer µs.

use super::best::{HourSummary, PerType, Seg};
use crate::archive::name::SegmentType;
use crate::time::HOUR_US;

/// Gaps of this length or less are not holes (10 ms).
pub const TOL_US: i64 = 10_000;

/// A half-open time interval `[start, end)`, µs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    /// Start, µs since the epoch.
    pub start_us: i64,
    /// End, µs since the epoch.
    pub end_us: i64,
}

impl Interval {
    /// Length in µs.
    pub fn duration_us(&self) -> i64 {
        self.end_us - self.start_us
    }
}

/// Raw holes are gaps in the union of best segments; editable holes are gaps in
/// the editable chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HoleKind {
    /// A gap in the union of the best segments.
    Raw,
    /// A gap in the editable chain.
    Editable,
}

impl HoleKind {
    /// `raw` or `editable`.
    pub fn as_str(self) -> &'static str {
        match self {
            HoleKind::Raw => "raw",
            HoleKind::Editable => "editable",
        }
    }
}

/// One hole, listed once with its full span even when it crosses hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hole {
    /// Raw or editable.
    pub kind: HoleKind,
    /// The gap.
    pub span: Interval,
}

/// Every per-hour figure (wubloader's gauges plus hole time and partial-only time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HourFigures {
    /// Hour start, µs since the epoch.
    pub hour_start_us: i64,
    /// Parsed files per type.
    pub segment_count: PerType<u64>,
    /// Bad files.
    pub bad_count: u64,
    /// Summed duration per type, µs.
    pub segment_duration_us: PerType<i64>,
    /// Measure of the union of best segments inside the hour, µs.
    pub raw_coverage_us: i64,
    /// Measure of the union of the editable chain inside the hour, µs.
    pub editable_coverage_us: i64,
    /// Raw holes sharing a positive length with the hour.
    pub raw_holes: u64,
    /// Editable holes sharing a positive length with the hour.
    pub editable_holes: u64,
    /// Raw hole time inside the hour, µs.
    pub raw_hole_us: i64,
    /// Editable hole time inside the hour, µs.
    pub editable_hole_us: i64,
    /// Overlapping segments started in this hour, per type.
    pub overlap_count: PerType<u64>,
    /// Their overlap amounts, µs.
    pub overlap_duration_us: PerType<i64>,
    /// Time covered by suspect/partial best segments and no full one, µs.
    pub partial_only_us: i64,
}

/// The analysed timeline of one stream.
#[derive(Debug, Clone, Default)]
pub struct StreamCoverage {
    /// Earliest start of a best segment (of non-zero duration).
    pub first_start_us: Option<i64>,
    /// Latest end of a best segment.
    pub last_end_us: Option<i64>,
    /// Union of the best segments, sorted, disjoint.
    pub raw_union: Vec<Interval>,
    /// Raw and editable holes sorted by (start, end), raw first at equal times.
    pub holes: Vec<Hole>,
    /// The raw holes alone, sorted and disjoint (for fast range look-ups).
    pub raw_holes: Vec<Interval>,
    /// Partial-only time, sorted, disjoint.
    pub partial_only: Vec<Interval>,
    /// Best segments dropped from the editable chain.
    pub dropped: Vec<Seg>,
    /// Figures per existing hour directory, in hour order.
    pub hours: Vec<HourFigures>,
}

impl StreamCoverage {
    /// The figures of the hour starting at `hour_start_us`, if the stream has it.
    pub fn hour(&self, hour_start_us: i64) -> Option<&HourFigures> {
        self.hours.iter().find(|f| f.hour_start_us == hour_start_us)
    }

    /// True when time `t_us` is covered (inside the union of the best segments).
    pub fn covers(&self, t_us: i64) -> bool {
        let u = &self.raw_union;
        let i = u.partition_point(|iv| iv.end_us <= t_us);
        u.get(i).is_some_and(|iv| iv.start_us <= t_us)
    }
}

/// Adds `iv` (starting no earlier than every interval in `out`) to the
/// sorted disjoint union `out`.
pub(crate) fn extend_union(out: &mut Vec<Interval>, iv: Interval) {
    match out.last_mut() {
        Some(last) if iv.start_us <= last.end_us => last.end_us = last.end_us.max(iv.end_us),
        _ => out.push(iv),
    }
}

/// `a` minus `b`, both sorted and disjoint.
fn subtract(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut j = 0;
    for iv in a {
        let mut cur = iv.start_us;
        while j < b.len() && b[j].end_us <= cur {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].start_us < iv.end_us {
            if b[k].start_us > cur {
                out.push(Interval {
                    start_us: cur,
                    end_us: b[k].start_us,
                });
            }
            cur = cur.max(b[k].end_us);
            k += 1;
        }
        if cur < iv.end_us {
            out.push(Interval {
                start_us: cur,
                end_us: iv.end_us,
            });
        }
    }
    out
}

fn seg_interval(s: &Seg) -> Interval {
    Interval {
        start_us: s.start_us,
        end_us: s.end_us(),
    }
}

/// Calls `f(index, overlap_us)` for every existing hour sharing a positive length with `iv`.
fn for_each_hour(hour_starts: &[i64], iv: Interval, mut f: impl FnMut(usize, i64)) {
    let first = hour_starts.partition_point(|&h| h + HOUR_US <= iv.start_us);
    for (i, &h) in hour_starts.iter().enumerate().skip(first) {
        if h >= iv.end_us {
            break;
        }
        let overlap = iv.end_us.min(h + HOUR_US) - iv.start_us.max(h);
        if overlap > 0 {
            f(i, overlap);
        }
    }
}

/// Analyses one stream from its hour summaries (any order).
pub fn analyse_stream(hours: &[HourSummary]) -> StreamCoverage {
    let mut order: Vec<&HourSummary> = hours.iter().collect();
    order.sort_by_key(|h| h.hour_start_us);
    let in_order = order
        .iter()
        .flat_map(|h| h.best.iter())
        .filter(|s| s.duration_us > 0);
    // Each hour's best segments come sorted and an hour holds the segments
    // that start in it, so the hours in order are usually the whole stream
    // in order: analysed in place in one pass, without a copy (a re-open from
    // the cache is mostly this). Otherwise again from a sorted copy.
    let unions = match Unions::of_sorted(in_order.clone()) {
        Some(u) => u,
        None => {
            let mut best: Vec<Seg> = in_order.copied().collect();
            best.sort_unstable_by_key(|s| (s.start_us, s.end_us()));
            Unions::of_sorted(best.iter()).unwrap_or_default()
        }
    };
    finish_stream(&order, unions)
}

/// What one pass over a stream's best segments in (start, end) order gives.
#[derive(Default)]
struct Unions {
    raw_union: Vec<Interval>,
    editable_union: Vec<Interval>,
    full_union: Vec<Interval>,
    sp_union: Vec<Interval>,
    /// Editable holes (the raw ones come from `raw_union`).
    editable_holes: Vec<Hole>,
    /// Segments dropped from the editable chain, with their overlap.
    dropped: Vec<(Seg, i64)>,
    first_start_us: Option<i64>,
    last_end_us: Option<i64>,
}

impl Unions {
    /// One pass over `best`; None as soon as it is found out of order.
    fn of_sorted<'a>(best: impl Iterator<Item = &'a Seg>) -> Option<Unions> {
        let mut u = Unions::default();
        let mut chain_end: Option<i64> = None;
        let mut last_kept_end = i64::MIN;
        let mut previous: Option<(i64, i64)> = None;
        for s in best {
            let key = (s.start_us, s.end_us());
            if previous.is_some_and(|p| p > key) {
                return None;
            }
            previous = Some(key);
            let iv = seg_interval(s);
            u.first_start_us = u.first_start_us.or(Some(s.start_us));
            u.last_end_us = u.last_end_us.max(Some(iv.end_us));
            extend_union(&mut u.raw_union, iv);
            if s.kind == SegmentType::Full {
                extend_union(&mut u.full_union, iv);
            } else {
                extend_union(&mut u.sp_union, iv);
            }
            // The editable chain.
            match chain_end {
                Some(end) if s.start_us < end - TOL_US => {
                    let amount = iv.end_us.min(last_kept_end) - s.start_us;
                    u.dropped.push((*s, amount.max(0)));
                }
                _ => {
                    if let Some(end) = chain_end
                        && s.start_us - end > TOL_US
                    {
                        u.editable_holes.push(Hole {
                            kind: HoleKind::Editable,
                            span: Interval {
                                start_us: end,
                                end_us: s.start_us,
                            },
                        });
                    }
                    chain_end = Some(chain_end.map_or(iv.end_us, |e| e.max(iv.end_us)));
                    last_kept_end = iv.end_us;
                    extend_union(&mut u.editable_union, iv);
                }
            }
        }
        Some(u)
    }
}

/// The holes, partial-only time and per-hour figures of a stream's hours
/// in order, from its unions.
fn finish_stream(order: &[&HourSummary], u: Unions) -> StreamCoverage {
    let Unions {
        raw_union,
        editable_union,
        full_union,
        sp_union,
        editable_holes,
        dropped,
        first_start_us,
        last_end_us,
    } = u;
    let hour_starts: Vec<i64> = order.iter().map(|h| h.hour_start_us).collect();
    let mut holes: Vec<Hole> = raw_union
        .windows(2)
        .filter(|w| w[1].start_us - w[0].end_us > TOL_US)
        .map(|w| Hole {
            kind: HoleKind::Raw,
            span: Interval {
                start_us: w[0].end_us,
                end_us: w[1].start_us,
            },
        })
        .chain(editable_holes)
        .collect();
    holes.sort_by_key(|h| (h.span.start_us, h.span.end_us, h.kind));

    let partial_only = subtract(&sp_union, &full_union);

    // Per-hour figures.
    let mut figures: Vec<HourFigures> = order
        .iter()
        .map(|h| {
            let mut f = HourFigures {
                hour_start_us: h.hour_start_us,
                segment_count: h.segment_count,
                bad_count: h.bad_count,
                segment_duration_us: h.segment_duration_us,
                ..Default::default()
            };
            for o in &h.same_start_overlaps {
                add_overlap(&mut f, o.kind, o.duration_us);
            }
            f
        })
        .collect();
    for iv in &raw_union {
        for_each_hour(&hour_starts, *iv, |i, d| figures[i].raw_coverage_us += d);
    }
    for iv in &editable_union {
        for_each_hour(&hour_starts, *iv, |i, d| {
            figures[i].editable_coverage_us += d
        });
    }
    for iv in &partial_only {
        for_each_hour(&hour_starts, *iv, |i, d| figures[i].partial_only_us += d);
    }
    for hole in &holes {
        for_each_hour(&hour_starts, hole.span, |i, d| {
            let f = &mut figures[i];
            match hole.kind {
                HoleKind::Raw => {
                    f.raw_holes += 1;
                    f.raw_hole_us += d;
                }
                HoleKind::Editable => {
                    f.editable_holes += 1;
                    f.editable_hole_us += d;
                }
            }
        });
    }
    for (s, amount) in &dropped {
        let i = hour_starts.partition_point(|&h| h + HOUR_US <= s.start_us);
        if let Some(f) = figures.get_mut(i).filter(|f| f.hour_start_us <= s.start_us) {
            add_overlap(f, s.kind, *amount);
        }
    }

    StreamCoverage {
        first_start_us,
        last_end_us,
        raw_union,
        raw_holes: holes
            .iter()
            .filter(|h| h.kind == HoleKind::Raw)
            .map(|h| h.span)
            .collect(),
        holes,
        partial_only,
        dropped: dropped.into_iter().map(|(s, _)| s).collect(),
        hours: figures,
    }
}

fn add_overlap(f: &mut HourFigures, kind: SegmentType, amount_us: i64) {
    if let Some(c) = f.overlap_count.get_mut(kind) {
        *c += 1;
    }
    if let Some(d) = f.overlap_duration_us.get_mut(kind) {
        *d += amount_us;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: i64 = 1_000_000;

    fn seg(start_us: i64, duration_us: i64, kind: SegmentType) -> Seg {
        Seg {
            start_us,
            duration_us,
            kind,
        }
    }

    fn hour(h: i64, best: Vec<Seg>) -> HourSummary {
        HourSummary::from_best(h * HOUR_US, best)
    }

    fn full(start_us: i64, duration_us: i64) -> Seg {
        seg(start_us, duration_us, SegmentType::Full)
    }

    #[test]
    fn contained_segment_adds_nothing_and_makes_no_hole() {
        // segment_coverage defect 2: a contained segment lowered coverage and made a phantom hole.
        let c = analyse_stream(&[hour(
            0,
            vec![full(0, 4 * S), full(S, S), full(4 * S, 2 * S)],
        )]);
        assert_eq!(c.hours[0].raw_coverage_us, 6 * S);
        assert!(c.holes.iter().all(|h| h.kind != HoleKind::Raw));
        // The contained segment is dropped from the chain: overlap = min(2s, 4s) - 1s.
        assert_eq!(c.hours[0].overlap_count.full, 1);
        assert_eq!(c.hours[0].overlap_duration_us.full, S);
        assert_eq!(c.hours[0].editable_coverage_us, 6 * S);
    }

    #[test]
    fn tolerance_edges() {
        // A gap of exactly 10 ms is no hole; 10 ms + 1 µs is.
        let c = analyse_stream(&[hour(0, vec![full(0, 2 * S), full(2 * S + TOL_US, 2 * S)])]);
        assert!(c.holes.is_empty());
        assert_eq!(c.hours[0].raw_coverage_us, 4 * S);
        let c = analyse_stream(&[hour(
            0,
            vec![full(0, 2 * S), full(2 * S + TOL_US + 1, 2 * S)],
        )]);
        assert_eq!(c.holes.len(), 2);
        assert_eq!(c.hours[0].raw_holes, 1);
        assert_eq!(c.hours[0].editable_holes, 1);
        assert_eq!(c.hours[0].raw_hole_us, TOL_US + 1);
        // A segment starting exactly 10 ms before the chain end is kept; 1 µs more is dropped.
        let c = analyse_stream(&[hour(0, vec![full(0, 2 * S), full(2 * S - TOL_US, 2 * S)])]);
        assert!(c.dropped.is_empty());
        assert_eq!(c.hours[0].editable_coverage_us, 4 * S - TOL_US);
        let c = analyse_stream(&[hour(
            0,
            vec![full(0, 2 * S), full(2 * S - TOL_US - 1, 2 * S)],
        )]);
        assert_eq!(c.dropped.len(), 1);
        assert_eq!(c.hours[0].overlap_duration_us.full, TOL_US + 1);
        assert_eq!(c.hours[0].editable_coverage_us, 2 * S);
        assert_eq!(
            c.hours[0].editable_holes, 0,
            "no editable hole after the chain end"
        );
    }

    #[test]
    fn hole_across_hours_is_one_hole() {
        let c = analyse_stream(&[
            hour(0, vec![full(HOUR_US - 10 * S, 5 * S)]),
            hour(1, vec![full(HOUR_US + 20 * S, 2 * S)]),
        ]);
        let raw: Vec<_> = c.holes.iter().filter(|h| h.kind == HoleKind::Raw).collect();
        assert_eq!(raw.len(), 1);
        assert_eq!(
            raw[0].span,
            Interval {
                start_us: HOUR_US - 5 * S,
                end_us: HOUR_US + 20 * S
            }
        );
        assert_eq!((c.hours[0].raw_holes, c.hours[0].raw_hole_us), (1, 5 * S));
        assert_eq!((c.hours[1].raw_holes, c.hours[1].raw_hole_us), (1, 20 * S));
    }

    #[test]
    fn hour_boundary_jitter_is_no_hole() {
        // segment_coverage defect 3: no tolerance at hour boundaries.
        let c = analyse_stream(&[
            hour(0, vec![full(HOUR_US - 2 * S, 2 * S - 3_000)]),
            hour(1, vec![full(HOUR_US, 2 * S)]),
        ]);
        assert!(c.holes.is_empty());
        assert_eq!(c.hours[0].raw_coverage_us, 2 * S - 3_000);
        assert_eq!(c.hours[1].raw_coverage_us, 2 * S);
    }

    #[test]
    fn segment_crossing_the_hour_is_split() {
        let c = analyse_stream(&[hour(0, vec![full(HOUR_US - S, 3 * S)]), hour(1, vec![])]);
        assert_eq!(c.hours[0].raw_coverage_us, S);
        assert_eq!(c.hours[1].raw_coverage_us, 2 * S);
        assert_eq!(c.last_end_us, Some(HOUR_US + 2 * S));
    }

    #[test]
    fn hole_ending_on_the_hour_does_not_count_in_the_next() {
        let c = analyse_stream(&[
            hour(0, vec![full(0, 2 * S), full(HOUR_US - 2 * S, 2 * S)]),
            hour(1, vec![full(HOUR_US, 2 * S)]),
        ]);
        assert_eq!(c.hours[0].raw_holes, 1);
        assert_eq!(c.hours[1].raw_holes, 0);
    }

    #[test]
    fn missing_hour_only_shows_through_holes() {
        let c = analyse_stream(&[
            hour(0, vec![full(0, 2 * S)]),
            hour(2, vec![full(2 * HOUR_US, 2 * S)]),
        ]);
        assert_eq!(c.hours.len(), 2);
        assert_eq!(
            c.holes.iter().filter(|h| h.kind == HoleKind::Raw).count(),
            1
        );
        assert_eq!(c.hours[0].raw_hole_us, HOUR_US - 2 * S);
        assert_eq!(c.hours[1].raw_hole_us, 0);
    }

    #[test]
    fn partial_only_time() {
        let c = analyse_stream(&[hour(
            0,
            vec![
                full(0, 2 * S),
                seg(S, 3 * S, SegmentType::Partial),
                seg(6 * S, 2 * S, SegmentType::Suspect),
            ],
        )]);
        // Partial covers 1..4, full 0..2 -> 2..4 partial-only; suspect 6..8.
        assert_eq!(c.hours[0].partial_only_us, 4 * S);
        assert_eq!(
            c.partial_only,
            vec![
                Interval {
                    start_us: 2 * S,
                    end_us: 4 * S
                },
                Interval {
                    start_us: 6 * S,
                    end_us: 8 * S
                }
            ]
        );
    }

    #[test]
    fn zero_duration_best_covers_nothing() {
        let c = analyse_stream(&[hour(0, vec![full(0, 0), full(5 * S, 2 * S)])]);
        assert_eq!(c.first_start_us, Some(5 * S));
        assert!(c.holes.is_empty());
        let c = analyse_stream(&[hour(0, vec![full(0, 0)])]);
        assert_eq!(c.first_start_us, None);
        assert_eq!(c.last_end_us, None);
    }

    /// Generated (start ms, duration ms, type) as segments by hour, one
    /// per start.
    fn by_hour(raw: Vec<(i64, i64, u8)>) -> std::collections::BTreeMap<i64, Vec<Seg>> {
        let mut by_hour: std::collections::BTreeMap<i64, Vec<Seg>> = Default::default();
        let mut starts = std::collections::HashSet::new();
        for (start_ms, dur_ms, k) in raw {
            let start_us = start_ms * 1000;
            if !starts.insert(start_us) {
                continue;
            }
            let kind = [
                SegmentType::Full,
                SegmentType::Suspect,
                SegmentType::Partial,
            ][usize::from(k)];
            by_hour
                .entry(start_us / HOUR_US)
                .or_default()
                .push(seg(start_us, dur_ms * 1000, kind));
        }
        by_hour
    }

    fn arb_best() -> impl Strategy<Value = Vec<(i64, i64, u8)>> {
        proptest::collection::vec((0i64..3 * HOUR_US / 1000, 0i64..5_000, 0u8..3), 0..120)
    }

    proptest! {
        /// The one-pass path over hours already in order and the path over a
        /// sorted copy give the same analysis.
        #[test]
        fn segment_order_within_hours_does_not_matter(raw in arb_best()) {
            let by_hour = by_hour(raw);
            let sorted: Vec<HourSummary> = by_hour
                .iter()
                .map(|(&h, segs)| {
                    let mut segs = segs.clone();
                    segs.sort_by_key(|s| (s.start_us, s.end_us()));
                    hour(h, segs)
                })
                .collect();
            let shuffled: Vec<HourSummary> = by_hour
                .iter()
                .rev()
                .map(|(&h, segs)| {
                    let mut segs = segs.clone();
                    segs.sort_by_key(|s| std::cmp::Reverse(s.start_us));
                    hour(h, segs)
                })
                .collect();
            let (a, b) = (analyse_stream(&sorted), analyse_stream(&shuffled));
            prop_assert_eq!(&a.raw_union, &b.raw_union);
            prop_assert_eq!(&a.holes, &b.holes);
            prop_assert_eq!(&a.partial_only, &b.partial_only);
            prop_assert_eq!(&a.dropped, &b.dropped);
            prop_assert_eq!(&a.hours, &b.hours);
            prop_assert_eq!((a.first_start_us, a.last_end_us), (b.first_start_us, b.last_end_us));
        }

        #[test]
        fn invariants_hold(raw in arb_best()) {
            let mut by_hour = by_hour(raw);
            let hours: Vec<HourSummary> = (0..3).map(|h| hour(h, by_hour.remove(&h).unwrap_or_default())).collect();
            let c = analyse_stream(&hours);
            for f in &c.hours {
                prop_assert!(0 <= f.editable_coverage_us);
                prop_assert!(f.editable_coverage_us <= f.raw_coverage_us);
                prop_assert!(f.raw_coverage_us <= HOUR_US);
                prop_assert!(f.partial_only_us <= f.raw_coverage_us);
                prop_assert!(f.raw_coverage_us + f.raw_hole_us <= HOUR_US);
            }
            for kind in [HoleKind::Raw, HoleKind::Editable] {
                let hs: Vec<_> = c.holes.iter().filter(|h| h.kind == kind).collect();
                for w in hs.windows(2) {
                    prop_assert!(w[0].span.end_us <= w[1].span.start_us, "holes overlap");
                }
                for h in &hs {
                    prop_assert!(h.span.duration_us() > TOL_US);
                }
            }
            if let (Some(a), Some(b)) = (c.first_start_us, c.last_end_us) {
                let raw: i64 = c.raw_union.iter().map(Interval::duration_us).sum();
                let holes: i64 = c.holes.iter().filter(|h| h.kind == HoleKind::Raw).map(|h| h.span.duration_us()).sum();
                let small_gaps: i64 = c.raw_union.windows(2).map(|w| w[1].start_us - w[0].end_us).filter(|&g| g <= TOL_US).sum();
                prop_assert_eq!(raw + holes + small_gaps, b - a);
                if b <= 3 * HOUR_US {
                    let per_hour: i64 = c.hours.iter().map(|f| f.raw_coverage_us).sum();
                    prop_assert_eq!(per_hour, raw);
                }
            }
        }
    }
}
