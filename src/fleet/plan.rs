//! What wubloader's backfiller would do, node by node, from the nodes' listings
//! (its `backfill_segments`): for each target node, each other node (in the
//! order given) and each hour that node lists, the names it lists with
//! tombstones minus the target's are missing; a tombstone is created empty, not
//! fetched; temp segments are skipped; so are segments younger than the recent
//! cutoff, and segments within 1 ms (boundary included) of one of the target's
//! own with the same duration, type and hash. A file missing on a target is
//! planned once, from the first node that lists it.
//!
//! Where the plan decides what a listing cannot tell: a segment the target holds
//! a tombstone for is not planned (the target's listing hides the file, and
//! whether the backfiller downloads it again depends on whether the file is
//! still on the target's disk; either way the target never serves it), and is
//! counted as hidden by the target's own tombstone.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use super::union::StreamUnion;
use super::{Fleet, HourKey, NodeResult};
use crate::archive::name::{SegmentType, parse_segment_name};
use crate::time::{format_hour, format_iso, us_to_secs};

/// Start difference within which a segment counts as the target's own, µs
/// (the backfiller's `EPSILON = 0.001` s, boundary included).
pub const NEAR_US: i64 = 1_000;

/// The backfiller's default `--recent-cutoff`, seconds.
pub const DEFAULT_RECENT_CUTOFF_S: f64 = 120.0;

/// One file to copy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Transfer {
    /// The node it is copied to.
    pub to: String,
    /// The node it is copied from.
    pub from: String,
    /// `CHANNEL/QUALITY/HOUR/NAME`.
    pub path: String,
}

/// One tombstone to create.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TombstoneCopy {
    /// The node it is created on.
    pub to: String,
    /// The node that lists it.
    pub from: String,
    /// `CHANNEL/QUALITY/HOUR/NAME.tombstone`.
    pub path: String,
    /// The target has no such hour at all: the backfiller's pass from that node
    /// fails when it creates this tombstone (its hour directory does not exist),
    /// unless a download into the same hour created the directory first.
    pub target_lacks_hour: bool,
}

/// A stretch no node covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostStretch {
    /// Channel.
    pub channel: String,
    /// Quality.
    pub quality: String,
    /// Start (UTC, ISO 8601).
    pub start: String,
    /// End (UTC, ISO 8601).
    pub end: String,
    /// Length, seconds.
    pub duration_s: f64,
    /// Nodes that could not be read over (part of) it: it may not be lost there.
    pub not_known_on: Vec<String>,
    /// Start, µs since the epoch (for views).
    #[serde(skip)]
    pub start_us: i64,
    /// End, µs since the epoch (for views).
    #[serde(skip)]
    pub end_us: i64,
}

/// One node's part of the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanNode {
    /// Its name.
    pub name: String,
    /// Its path or URL.
    pub source: String,
    /// Why it could not be read (then nothing is planned to it or from it).
    pub error: Option<String>,
    /// Files planned to it.
    pub fetches: usize,
    /// Their total duration, seconds.
    pub fetch_duration_s: f64,
    /// Tombstones planned to it.
    pub tombstones: usize,
    /// Of those, tombstones for hours it lacks entirely.
    pub tombstones_without_hour: usize,
    /// Missing temp segments, skipped.
    pub skipped_temp: usize,
    /// Missing segments younger than the recent cutoff, skipped.
    pub skipped_recent: usize,
    /// Missing segments within 1 ms of one of its own, skipped.
    pub skipped_near_duplicate: usize,
    /// Missing names that do not parse as segments, skipped.
    pub skipped_unparsable: usize,
    /// Missing segments it holds a tombstone for, not planned.
    pub hidden_by_own_tombstone: usize,
    /// Hours it has but could not list: nothing is planned into them.
    pub hours_not_listed: usize,
}

/// The backfill plan of a fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Per node, in the order given.
    pub nodes: Vec<PlanNode>,
    /// Files to copy, by target and path.
    pub fetches: Vec<Transfer>,
    /// Tombstones to create, by target and path.
    pub tombstones: Vec<TombstoneCopy>,
    /// Stretches no node covers.
    pub lost: Vec<LostStretch>,
}

/// An hour's names, kept compact: one string, each name ended by a NUL (no
/// file name holds one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names(String);

impl Names {
    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split_terminator('\0')
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True without names.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A listing as the restreamer gives it with `tombstones=true`
/// (wubloader's `list_segment_files`): `.ts` and `.json` files whose name has no
/// tombstone and does not start with `.`, then the tombstones. Applying it to a
/// restreamer's answer changes nothing.
pub fn restreamer_listing(names: &[&str]) -> Names {
    fn split(n: &str) -> (&str, &str) {
        // Python's os.path.splitext: leading dots belong to the name.
        let lead = n.len() - n.trim_start_matches('.').len();
        match n[lead..].rfind('.') {
            Some(i) => n.split_at(lead + i),
            None => (n, ""),
        }
    }
    let tombstones: HashSet<&str> = names
        .iter()
        .map(|n| split(n))
        .filter(|(_, ext)| *ext == ".tombstone")
        .map(|(stem, _)| stem)
        .collect();
    let mut kept: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !n.contains('\0'))
        .filter(|n| {
            let (stem, ext) = split(n);
            !tombstones.contains(stem) && (ext == ".ts" || ext == ".json") && !stem.starts_with('.')
        })
        .collect();
    kept.sort_unstable();
    let mut t: Vec<String> = tombstones
        .iter()
        .map(|s| format!("{s}.tombstone"))
        .collect();
    t.sort();
    let mut out = String::with_capacity(names.iter().map(|n| n.len() + 1).sum());
    for n in kept.into_iter().chain(t.iter().map(String::as_str)) {
        out.push_str(n);
        out.push('\0');
    }
    Names(out)
}

/// What a segment name says, as the backfiller compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Info<'a> {
    start_us: i64,
    duration_us: i64,
    kind: SegmentType,
    hash: &'a str,
}

fn info(hour_start_us: i64, name: &str) -> Option<Info<'_>> {
    let parsed = parse_segment_name(name).ok()?;
    let hash = name
        .strip_suffix(".ts")?
        .splitn(4, '-')
        .nth(3)
        .unwrap_or("");
    Some(Info {
        start_us: hour_start_us + parsed.offset_us,
        duration_us: parsed.duration_us,
        kind: parsed.kind,
        hash,
    })
}

/// Options of a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanOptions {
    /// Segments younger than this at `now_us` are skipped, seconds.
    pub recent_cutoff_s: f64,
    /// The time the plan is made for, µs since the epoch.
    pub now_us: i64,
}

/// Builds the plan of `fleet`, with `union` (its union) for the lost stretches.
pub fn plan(fleet: &Fleet, union: &[StreamUnion], options: PlanOptions) -> Plan {
    let hours: BTreeSet<&HourKey> = fleet.nodes.iter().flat_map(|n| n.listings.keys()).collect();
    let mut out = Plan::default();
    for target in &fleet.nodes {
        let mut node = PlanNode {
            name: target.spec.name.clone(),
            source: target.spec.source.display(),
            error: target.analysis.as_ref().err().cloned(),
            hours_not_listed: target.unlisted.len(),
            ..PlanNode::default()
        };
        if target.is_read() {
            for key in &hours {
                plan_hour(fleet, target, key, options, &mut node, &mut out);
            }
        }
        out.nodes.push(node);
    }
    out.fetches.sort();
    out.tombstones.sort();
    out.lost = union
        .iter()
        .flat_map(|s| &s.lost)
        .map(|l| LostStretch {
            channel: l.channel.clone(),
            quality: l.quality.clone(),
            start: format_iso(l.start_us),
            end: format_iso(l.end_us),
            duration_s: us_to_secs(l.end_us - l.start_us),
            not_known_on: l.not_known_on.clone(),
            start_us: l.start_us,
            end_us: l.end_us,
        })
        .collect();
    out
}

/// Plans one hour into `target` from every other node, in order.
fn plan_hour(
    fleet: &Fleet,
    target: &NodeResult,
    key: &HourKey,
    options: PlanOptions,
    node: &mut PlanNode,
    out: &mut Plan,
) {
    if target.unlisted.contains(key) {
        return;
    }
    let (channel, quality, hour_us) = (&key.0, &key.1, key.2);
    let empty = Names::default();
    let local = target.listings.get(key).unwrap_or(&empty);
    let lacks_hour = !target.listings.contains_key(key);
    let local_set: HashSet<&str> = local.iter().collect();
    let local_infos: Vec<Info> = local.iter().filter_map(|n| info(hour_us, n)).collect();
    let chat = quality == "chat";
    let cutoff_us = (options.recent_cutoff_s * 1e6) as i64;
    let hour = format_hour(hour_us);
    let mut handled: HashSet<&str> = HashSet::new();
    for remote in &fleet.nodes {
        if std::ptr::eq(remote, target) {
            continue;
        }
        let Some(names) = remote.listings.get(key) else {
            continue;
        };
        for name in names.iter() {
            if local_set.contains(name) || !handled.insert(name) {
                continue;
            }
            let path = format!("{channel}/{quality}/{hour}/{name}");
            if name.ends_with(".tombstone") {
                node.tombstones += 1;
                node.tombstones_without_hour += usize::from(lacks_hour);
                out.tombstones.push(TombstoneCopy {
                    to: target.spec.name.clone(),
                    from: remote.spec.name.clone(),
                    path,
                    target_lacks_hour: lacks_hour,
                });
                continue;
            }
            let mut duration_us = 0;
            if !chat {
                let Some(seg) = info(hour_us, name) else {
                    node.skipped_unparsable += 1;
                    continue;
                };
                if seg.kind == SegmentType::Temp {
                    node.skipped_temp += 1;
                    continue;
                }
                if options.now_us - seg.start_us < cutoff_us {
                    node.skipped_recent += 1;
                    continue;
                }
                let near = local_infos.iter().any(|l| {
                    l.duration_us == seg.duration_us
                        && l.kind == seg.kind
                        && l.hash == seg.hash
                        && (l.start_us - seg.start_us).abs() <= NEAR_US
                });
                if near {
                    node.skipped_near_duplicate += 1;
                    continue;
                }
                let stem = name.strip_suffix(".ts").unwrap_or(name);
                if local_set.contains(format!("{stem}.tombstone").as_str()) {
                    node.hidden_by_own_tombstone += 1;
                    continue;
                }
                duration_us = seg.duration_us;
            }
            node.fetches += 1;
            node.fetch_duration_s += us_to_secs(duration_us);
            out.fetches.push(Transfer {
                to: target.spec.name.clone(),
                from: remote.spec.name.clone(),
                path,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restreamer_listing_hides_tombstoned_segments_and_lists_tombstones() {
        let names = [
            "a.ts",
            "b.ts",
            "b.tombstone",
            "c.json",
            "notes.txt",
            ".hidden.ts",
        ];
        let once = restreamer_listing(&names);
        let listed: Vec<&str> = once.iter().collect();
        assert_eq!(listed, ["a.ts", "c.json", "b.tombstone"]);
        let again = restreamer_listing(&listed);
        assert_eq!(again, once);
        assert_eq!(once.len(), 3);
    }

    #[test]
    fn segment_info_carries_start_duration_type_and_hash() {
        let hash = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";
        let name = format!("01:02.5-2.000-full-{hash}.ts");
        let i = info(1_000_000_000, &name).unwrap();
        assert_eq!(i.start_us, 1_000_000_000 + 62_500_000);
        assert_eq!(i.duration_us, 2_000_000);
        assert_eq!(i.kind, SegmentType::Full);
        assert_eq!(i.hash, hash);
        assert!(info(0, "x.tombstone").is_none());
    }
}
