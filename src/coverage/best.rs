//! One best segment per start time, same-start overlaps and the per-hour counts
//! (specs/segments.md §3 and §6 "Best segment and overlaps").

use std::ffi::OsStr;

use crate::archive::Warning;
use crate::archive::name::SegmentType;
use crate::archive::walk::{BadSegment, HourListing, ListedSegment};

/// A compact segment record: what the timeline needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seg {
    /// Start, µs since the epoch.
    pub start_us: i64,
    /// Duration, µs.
    pub duration_us: i64,
    /// Type (never `Temp` in a best or overlap list).
    pub kind: SegmentType,
}

impl Seg {
    /// End, µs since the epoch.
    pub fn end_us(&self) -> i64 {
        self.start_us + self.duration_us
    }
}

/// A value per counted segment type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PerType<T> {
    /// For `full` segments.
    pub full: T,
    /// For `suspect` segments.
    pub suspect: T,
    /// For `partial` segments.
    pub partial: T,
}

impl<T> PerType<T> {
    /// The slot for a type; `None` for temp.
    pub fn get_mut(&mut self, kind: SegmentType) -> Option<&mut T> {
        match kind {
            SegmentType::Full => Some(&mut self.full),
            SegmentType::Suspect => Some(&mut self.suspect),
            SegmentType::Partial => Some(&mut self.partial),
            SegmentType::Temp => None,
        }
    }

    /// Applies `f` to each slot.
    pub fn map<U>(&self, f: impl Fn(&T) -> U) -> PerType<U> {
        PerType {
            full: f(&self.full),
            suspect: f(&self.suspect),
            partial: f(&self.partial),
        }
    }
}

/// The summary of one hour directory: what the walk hands over per hour and what
/// a cache would store.
#[derive(Debug, Clone)]
pub struct HourSummary {
    /// Hour start, µs since the epoch.
    pub hour_start_us: i64,
    /// Parsed files per type (same-start duplicates included, temp never).
    pub segment_count: PerType<u64>,
    /// Bad files (names that do not parse).
    pub bad_count: u64,
    /// Summed duration per type, µs.
    pub segment_duration_us: PerType<i64>,
    /// Best segment per start time, sorted by start.
    pub best: Vec<Seg>,
    /// Same-start overlaps (duplicates beside a best segment), sorted by start.
    pub same_start_overlaps: Vec<Seg>,
    /// Bad segments with their reasons, in path order.
    pub bad: Vec<BadSegment>,
    /// Problems met in this hour.
    pub warnings: Vec<Warning>,
    /// Entries listed in the directory.
    pub entry_count: u64,
}

impl HourSummary {
    /// Parsed segment files of every counted type (not temp, not bad).
    pub fn parsed_count(&self) -> u64 {
        self.segment_count.full + self.segment_count.suspect + self.segment_count.partial
    }

    /// A summary holding only best segments (no counts, overlaps or problems):
    /// what a timeline needs, e.g. for hours built by hand.
    pub fn from_best(hour_start_us: i64, best: Vec<Seg>) -> HourSummary {
        HourSummary {
            hour_start_us,
            segment_count: PerType::default(),
            bad_count: 0,
            segment_duration_us: PerType::default(),
            best,
            same_start_overlaps: Vec::new(),
            bad: Vec::new(),
            warnings: Vec::new(),
            entry_count: 0,
        }
    }
}

/// Picks the best segment of every start and counts the hour's files.
///
/// `size_of(name)` returns a file's size, or a located warning; it is only called when
/// a start has several suspects or several partials competing.
pub fn summarise_hour(
    hour_start_us: i64,
    listing: HourListing,
    mut size_of: impl FnMut(&OsStr) -> Result<u64, Warning>,
) -> HourSummary {
    let HourListing {
        mut segments,
        bad,
        mut warnings,
        entry_count,
    } = listing;
    let mut summary = HourSummary {
        hour_start_us,
        segment_count: PerType::default(),
        bad_count: bad.len() as u64,
        segment_duration_us: PerType::default(),
        best: Vec::with_capacity(segments.len()),
        same_start_overlaps: Vec::new(),
        bad,
        warnings: Vec::new(),
        entry_count,
    };
    for s in &segments {
        if let Some(c) = summary.segment_count.get_mut(s.parsed.kind) {
            *c += 1;
        }
        if let Some(d) = summary.segment_duration_us.get_mut(s.parsed.kind) {
            *d += s.parsed.duration_us;
        }
    }
    segments.sort_unstable_by(|a, b| {
        a.parsed
            .offset_us
            .cmp(&b.parsed.offset_us)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut i = 0;
    while i < segments.len() {
        let mut j = i + 1;
        while j < segments.len() && segments[j].parsed.offset_us == segments[i].parsed.offset_us {
            j += 1;
        }
        pick_best(
            hour_start_us,
            &segments[i..j],
            &mut size_of,
            &mut summary,
            &mut warnings,
        );
        i = j;
    }
    warnings.sort();
    summary.warnings = warnings;
    summary
}

fn seg_of(hour_start_us: i64, s: &ListedSegment) -> Seg {
    Seg {
        start_us: hour_start_us + s.parsed.offset_us,
        duration_us: s.parsed.duration_us,
        kind: s.parsed.kind,
    }
}

/// One start group, sorted by name. Applies segment_coverage's rule.
fn pick_best(
    hour_start_us: i64,
    group: &[ListedSegment],
    size_of: &mut impl FnMut(&OsStr) -> Result<u64, Warning>,
    summary: &mut HourSummary,
    warnings: &mut Vec<Warning>,
) {
    let of = |k: SegmentType| group.iter().filter(move |s| s.parsed.kind == k);
    let fulls: Vec<&ListedSegment> = of(SegmentType::Full).collect();
    if !fulls.is_empty() {
        // Longest full; ties go to the later (greater) name. The group is in name order,
        // so the last maximum wins.
        let best = fulls.iter().copied().reduce(|a, b| {
            if b.parsed.duration_us >= a.parsed.duration_us {
                b
            } else {
                a
            }
        });
        if let Some(best) = best {
            summary.best.push(seg_of(hour_start_us, best));
            for s in group {
                let is_other_full = s.parsed.kind == SegmentType::Full && !std::ptr::eq(s, best);
                if is_other_full || s.parsed.kind == SegmentType::Partial {
                    summary.same_start_overlaps.push(seg_of(hour_start_us, s));
                }
            }
        }
        return;
    }
    for kind in [SegmentType::Suspect, SegmentType::Partial] {
        let candidates: Vec<&ListedSegment> = of(kind).collect();
        let best = match candidates.as_slice() {
            [] => continue,
            [only] => *only,
            many => largest(many, size_of, warnings),
        };
        summary.best.push(seg_of(hour_start_us, best));
        for s in candidates {
            if !std::ptr::eq(s, best) {
                summary.same_start_overlaps.push(seg_of(hour_start_us, s));
            }
        }
        return;
    }
    // Temp only: nothing.
}

/// The candidate with the largest file size; ties go to the later name. A file
/// whose size cannot be read gets a warning and loses every comparison.
fn largest<'a>(
    candidates: &[&'a ListedSegment],
    size_of: &mut impl FnMut(&OsStr) -> Result<u64, Warning>,
    warnings: &mut Vec<Warning>,
) -> &'a ListedSegment {
    let mut best: Option<(Option<u64>, &'a ListedSegment)> = None;
    for &c in candidates {
        let size = match size_of(&c.name) {
            Ok(s) => Some(s),
            Err(warning) => {
                warnings.push(warning);
                None
            }
        };
        // Candidates come in name order: `>=` lets the later name win ties.
        if best.as_ref().is_none_or(|(bs, _)| size >= *bs) {
            best = Some((size, c));
        }
    }
    best.map_or(candidates[0], |(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::name::parse_segment_name;
    use std::collections::HashMap;

    fn listing(names: &[&str]) -> HourListing {
        HourListing {
            segments: names
                .iter()
                .map(|n| ListedSegment {
                    name: (*n).into(),
                    parsed: parse_segment_name(n).unwrap(),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn summarise(names: &[&str], sizes: &[(&str, u64)]) -> HourSummary {
        let sizes: HashMap<String, u64> = sizes.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        summarise_hour(0, listing(names), |n| {
            sizes
                .get(n.to_str().unwrap())
                .copied()
                .ok_or_else(|| Warning {
                    path: n.to_string_lossy().into(),
                    message: "cannot read file size: No such file".into(),
                })
        })
    }

    #[test]
    fn longest_full_wins_and_others_are_overlaps() {
        let s = summarise(
            &[
                "00:00.0-2.0-full-AAAA.ts",
                "00:00.0-1.9-full-BBBB.ts",
                "00:00.0-1.0-partial-CCCC.ts",
                "00:00.0-2.5-suspect-DDDD.ts",
                "00:00.0-2.0-temp-x.ts",
            ],
            &[],
        );
        assert_eq!(s.best.len(), 1);
        assert_eq!(s.best[0].duration_us, 2_000_000);
        assert_eq!(s.best[0].kind, SegmentType::Full);
        // The other full and the partial are overlaps; the suspect is not.
        assert_eq!(s.same_start_overlaps.len(), 2);
        assert_eq!(
            s.segment_count,
            PerType {
                full: 2,
                suspect: 1,
                partial: 1
            }
        );
        assert_eq!(
            s.segment_duration_us,
            PerType {
                full: 3_900_000,
                suspect: 2_500_000,
                partial: 1_000_000
            }
        );
    }

    #[test]
    fn full_ties_go_to_the_later_name() {
        let s = summarise(
            &["00:00.0-2.0-full-BBBB.ts", "00:00.0-2.0-full-AAAA.ts"],
            &[],
        );
        assert_eq!(s.best.len(), 1);
        assert_eq!(s.same_start_overlaps.len(), 1);
    }

    #[test]
    fn largest_suspect_wins_partials_are_not_overlaps() {
        let s = summarise(
            &[
                "00:02.0-2.0-suspect-AAAA.ts",
                "00:02.0-1.5-suspect-BBBB.ts",
                "00:02.0-1.0-partial-CCCC.ts",
            ],
            &[
                ("00:02.0-2.0-suspect-AAAA.ts", 10),
                ("00:02.0-1.5-suspect-BBBB.ts", 20),
            ],
        );
        assert_eq!(
            s.best,
            vec![Seg {
                start_us: 2_000_000,
                duration_us: 1_500_000,
                kind: SegmentType::Suspect
            }]
        );
        assert_eq!(s.same_start_overlaps.len(), 1);
        assert_eq!(s.same_start_overlaps[0].kind, SegmentType::Suspect);
    }

    #[test]
    fn unreadable_size_loses_and_warns() {
        let s = summarise(
            &["00:04.0-2.0-partial-AAAA.ts", "00:04.0-1.0-partial-BBBB.ts"],
            &[("00:04.0-2.0-partial-AAAA.ts", 5)],
        );
        assert_eq!(s.best[0].duration_us, 2_000_000);
        assert_eq!(s.warnings.len(), 1);
        assert!(s.warnings[0].message.contains("cannot read file size"));
    }

    #[test]
    fn size_ties_go_to_the_later_name() {
        // A real tie (same size): the later name wins although it is the shorter
        // segment ("9.0" sorts after "10.0" in byte order), so neither "longest
        // wins" nor "first name wins" passes this.
        for order in [
            [
                "00:04.0-10.0-partial-AAAA.ts",
                "00:04.0-9.0-partial-AAAA.ts",
            ],
            [
                "00:04.0-9.0-partial-AAAA.ts",
                "00:04.0-10.0-partial-AAAA.ts",
            ],
        ] {
            let s = summarise(&order, &[(order[0], 5), (order[1], 5)]);
            assert_eq!(s.best[0].duration_us, 9_000_000, "{order:?}");
        }
    }

    #[test]
    fn no_stat_for_single_candidates() {
        let l = listing(&[
            "00:00.0-2.0-suspect-AAAA.ts",
            "00:02.0-2.0-full-AAAA.ts",
            "00:02.0-2.0-partial-AAAA.ts",
        ]);
        let s = summarise_hour(0, l, |_| panic!("stat not needed"));
        assert_eq!(s.best.len(), 2);
    }

    #[test]
    fn temp_only_start_has_no_best() {
        let s = summarise(&["00:00.0-2.0-temp-x.ts"], &[]);
        assert!(s.best.is_empty());
        assert_eq!(s.segment_count, PerType::default());
    }
}
