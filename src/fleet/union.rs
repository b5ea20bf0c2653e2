//! What the fleet has together: per stream the union of every node's coverage
//! (full, suspect and partial segments cover time; temp and tombstoned ones do
//! not), the union's figures per hour, and the stretches no node covers.

use std::collections::BTreeMap;

use super::Fleet;
use crate::coverage::timeline::{Interval, extend_union};
use crate::time::HOUR_US;

/// A stretch of a stream that no node covers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lost {
    /// Channel.
    pub channel: String,
    /// Quality.
    pub quality: String,
    /// Start, µs since the epoch.
    pub start_us: i64,
    /// End, µs since the epoch.
    pub end_us: i64,
    /// Nodes that could not be read over (part of) this stretch: it may not be
    /// lost there.
    pub not_known_on: Vec<String>,
}

/// The union's figures for one hour of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct UnionHour {
    /// Start of the hour, µs.
    pub hour_start_us: i64,
    /// Time of the hour at least one node covers, µs.
    pub covered_us: i64,
    /// Nodes that have this hour.
    pub nodes: usize,
}

/// One stream across the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamUnion {
    /// Channel.
    pub channel: String,
    /// Quality.
    pub quality: String,
    /// Covered time, sorted and disjoint.
    pub covered: Vec<Interval>,
    /// Per hour any node has, in order.
    pub hours: Vec<UnionHour>,
    /// The stretches no node covers, between the fleet's first start and last
    /// end of the stream.
    pub lost: Vec<Lost>,
}

/// Merges sorted-or-not intervals into a sorted disjoint union.
fn merge(mut ivs: Vec<Interval>) -> Vec<Interval> {
    ivs.sort_by_key(|i| (i.start_us, i.end_us));
    let mut out: Vec<Interval> = Vec::with_capacity(ivs.len());
    for iv in ivs {
        extend_union(&mut out, iv);
    }
    out
}

/// Time of `ivs` (sorted, disjoint) inside `[a, b)`.
pub fn covered_within(ivs: &[Interval], a: i64, b: i64) -> i64 {
    let first = ivs.partition_point(|i| i.end_us <= a);
    ivs[first..]
        .iter()
        .take_while(|i| i.start_us < b)
        .map(|i| i.end_us.min(b) - i.start_us.max(a))
        .filter(|d| *d > 0)
        .sum()
}

/// The fleet's union, per stream in (channel, quality) order.
pub fn fleet_union(fleet: &Fleet) -> Vec<StreamUnion> {
    type Acc = (Vec<Interval>, BTreeMap<i64, usize>);
    let mut per: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for node in &fleet.nodes {
        let Ok(a) = &node.analysis else { continue };
        for s in &a.streams {
            let entry = per
                .entry((s.channel.clone(), s.quality.clone()))
                .or_default();
            entry.0.extend_from_slice(&s.coverage.raw_union);
            for h in &s.hours {
                *entry.1.entry(h.hour_start_us).or_default() += 1;
            }
        }
    }
    per.into_iter()
        .map(|((channel, quality), (ivs, hour_counts))| {
            let covered = merge(ivs);
            let hours = hour_counts
                .iter()
                .map(|(&h, &n)| UnionHour {
                    hour_start_us: h,
                    covered_us: covered_within(&covered, h, h + HOUR_US),
                    nodes: n,
                })
                .collect();
            let lost = covered
                .windows(2)
                .map(|w| (w[0].end_us, w[1].start_us))
                .map(|(start_us, end_us)| Lost {
                    not_known_on: not_known_on(fleet, &channel, &quality, start_us, end_us),
                    channel: channel.clone(),
                    quality: quality.clone(),
                    start_us,
                    end_us,
                })
                .collect();
            StreamUnion {
                channel,
                quality,
                covered,
                hours,
                lost,
            }
        })
        .collect()
}

/// The nodes that could not be read over `[a, b)` of a stream: unreadable
/// nodes, and nodes with an hour there they could not list.
fn not_known_on(fleet: &Fleet, channel: &str, quality: &str, a: i64, b: i64) -> Vec<String> {
    fleet
        .nodes
        .iter()
        .filter(|n| match &n.analysis {
            Err(_) => true,
            Ok(_) => n
                .unlisted
                .iter()
                .any(|(c, q, h)| c == channel && q == quality && *h < b && h + HOUR_US > a),
        })
        .map(|n| n.spec.name.clone())
        .collect()
}

/// The union of a stream as a stream analysis of its own: each covered stretch
/// is a "segment" (cut at hour boundaries), so it is drawn, zoomed and
/// measured like any node's stream.
pub fn union_stream(s: &StreamUnion) -> crate::analysis::StreamAnalysis {
    use crate::archive::name::SegmentType;
    use crate::coverage::best::{HourSummary, Seg};
    let mut hours: BTreeMap<i64, Vec<Seg>> = s
        .hours
        .iter()
        .map(|h| (h.hour_start_us, Vec::new()))
        .collect();
    for iv in &s.covered {
        let mut a = iv.start_us;
        while a < iv.end_us {
            let hour = crate::time::hour_floor(a);
            let b = iv.end_us.min(hour + HOUR_US);
            hours.entry(hour).or_default().push(Seg {
                start_us: a,
                duration_us: b - a,
                kind: SegmentType::Full,
            });
            a = b;
        }
    }
    let summaries: Vec<HourSummary> = hours
        .into_iter()
        .map(|(h, best)| HourSummary::from_best(h, best))
        .collect();
    let coverage = crate::coverage::timeline::analyse_stream(&summaries);
    crate::analysis::StreamAnalysis {
        channel: s.channel.clone(),
        quality: s.quality.clone(),
        mix_index: crate::coverage::lod::MixIndex::build(&coverage),
        coverage,
        hours: summaries,
        bad_segments: Vec::new(),
    }
}

/// The names of the nodes whose `channel/quality` covers the time `t_us`.
pub fn nodes_covering(fleet: &Fleet, channel: &str, quality: &str, t_us: i64) -> Vec<String> {
    fleet
        .nodes
        .iter()
        .filter(|n| {
            n.analysis.as_ref().is_ok_and(|a| {
                a.stream(channel, quality)
                    .is_some_and(|s| s.coverage.covers(t_us))
            })
        })
        .map(|n| n.spec.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(a: i64, b: i64) -> Interval {
        Interval {
            start_us: a,
            end_us: b,
        }
    }

    #[test]
    fn union_merges_overlaps_and_counts_time_in_a_window() {
        let u = merge(vec![iv(5, 8), iv(0, 2), iv(1, 3), iv(8, 9)]);
        assert_eq!(u, vec![iv(0, 3), iv(5, 9)]);
        assert_eq!(covered_within(&u, 2, 6), 2);
        assert_eq!(covered_within(&u, 10, 20), 0);
        assert_eq!(covered_within(&u, 0, 100), 7);
    }

    #[test]
    fn the_union_as_a_stream_has_its_holes_and_hours() {
        let h = crate::time::parse_hour_name("2024-11-09T00").unwrap();
        let s = StreamUnion {
            channel: "c".into(),
            quality: "q".into(),
            covered: vec![
                iv(h, h + 10_000_000),
                iv(h + 20_000_000, h + HOUR_US + 5_000_000),
            ],
            hours: vec![
                UnionHour {
                    hour_start_us: h,
                    covered_us: 0,
                    nodes: 1,
                },
                UnionHour {
                    hour_start_us: h + HOUR_US,
                    covered_us: 0,
                    nodes: 1,
                },
            ],
            lost: Vec::new(),
        };
        let a = union_stream(&s);
        assert_eq!(a.hours.len(), 2);
        assert_eq!(
            a.coverage.raw_holes,
            vec![iv(h + 10_000_000, h + 20_000_000)]
        );
        assert_eq!(a.coverage.raw_union, s.covered);
        assert_eq!(a.coverage.hours[1].raw_coverage_us, 5_000_000);
    }
}
