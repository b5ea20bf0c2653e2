//! Hand-built archives whose figures were computed by hand: one per rule of
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! specs/segments.md §3-4 and per defect of segment_coverage that segscope must
//! not copy.

mod util;

use segscope::coverage::timeline::{HoleKind, HourFigures};
use segscope::time::{SECOND_US, parse_hour_name};
use util::Archive;

const MS: i64 = 1_000;
const S: i64 = SECOND_US;

fn hour(a: &segscope::analysis::Analysis, stream: usize, i: usize) -> HourFigures {
    a.streams[stream].coverage.hours[i].clone()
}

fn t(hour: &str, offset_us: i64) -> i64 {
    parse_hour_name(hour).unwrap() + offset_us
}

#[test]
fn continuous_stream_matches_segment_coverage() {
    // The simple case where segscope and segment_coverage agree: 3 contiguous fulls.
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:02.000000", "2.0", "full"),
            ("2024-11-09T05", "00:04.000000", "1.5", "full"),
        ],
    );
    let r = a.analyse();
    let h = hour(&r, 0, 0);
    assert_eq!(h.segment_count.full, 3);
    assert_eq!(h.segment_duration_us.full, 5_500 * MS);
    assert_eq!(h.raw_coverage_us, 5_500 * MS);
    assert_eq!(h.editable_coverage_us, 5_500 * MS);
    assert_eq!((h.raw_holes, h.editable_holes), (0, 0));
    assert_eq!(
        r.streams[0].coverage.first_start_us,
        Some(t("2024-11-09T05", 0))
    );
    assert_eq!(
        r.streams[0].coverage.last_end_us,
        Some(t("2024-11-09T05", 5_500 * MS))
    );
}

#[test]
fn defect1_best_segment_is_used_not_the_last_file_looked_at() {
    // Same start: full 2.0, full 1.5 and a temp. segment_coverage summed the last
    // file looked at; segscope uses the best (2.0) and counts the 1.5 as overlap.
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:00.000000", "1.5", "full"),
            ("2024-11-09T05", "00:00.000000", "2.0", "temp"),
            ("2024-11-09T05", "00:02.000000", "2.0", "full"),
        ],
    );
    let h = hour(&a.analyse(), 0, 0);
    assert_eq!(h.raw_coverage_us, 4 * S);
    assert_eq!(h.segment_count.full, 3);
    assert_eq!(h.overlap_count.full, 1);
    assert_eq!(h.overlap_duration_us.full, 1_500 * MS);
    assert_eq!(h.raw_holes, 0);
}

#[test]
fn defect2_contained_segment_neither_lowers_coverage_nor_makes_a_hole() {
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "6.0", "full"),
            ("2024-11-09T05", "00:01.000000", "2.0", "full"),
            ("2024-11-09T05", "00:06.000000", "2.0", "full"),
        ],
    );
    let r = a.analyse();
    let h = hour(&r, 0, 0);
    assert_eq!(h.raw_coverage_us, 8 * S);
    assert_eq!(h.editable_coverage_us, 8 * S);
    assert_eq!((h.raw_holes, h.editable_holes), (0, 0));
    // The contained segment is dropped from the chain: overlap min(3 s, 6 s) - 1 s = 2 s.
    assert_eq!(h.overlap_count.full, 1);
    assert_eq!(h.overlap_duration_us.full, 2 * S);
}

#[test]
fn defect3_hour_boundary_jitter_is_no_hole() {
    // The last segment of 05 ends 3 ms before 06:00; segment_coverage made that a
    // hole measured from the hour start.
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "59:58.000000", "1.997", "full"),
            ("2024-11-09T06", "00:00.000000", "2.0", "full"),
        ],
    );
    let r = a.analyse();
    assert!(r.streams[0].coverage.holes.is_empty());
    assert_eq!(hour(&r, 0, 0).raw_coverage_us, 1_997 * MS);
    assert_eq!(hour(&r, 0, 1).raw_coverage_us, 2 * S);
    assert_eq!(hour(&r, 0, 1).raw_holes, 0);
}

#[test]
fn defect4_last_listed_directory_does_not_decide_end_holes() {
    // An empty hour and a junk directory after the data: no hole after the last end.
    let a = Archive::new();
    a.segs("c/q", &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    a.dir("c/q/2024-11-09T06").dir("c/q/zzz-junk");
    let r = a.analyse();
    let s = &r.streams[0];
    assert!(s.coverage.holes.is_empty());
    assert_eq!(s.coverage.hours.len(), 2, "the empty hour is reported");
    assert_eq!(s.coverage.hours[1].raw_coverage_us, 0);
    assert_eq!(s.coverage.hours[1].raw_holes, 0);
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].path, "c/q/zzz-junk");
}

#[test]
fn defect5_stray_files_bad_hours_and_infinite_durations_do_not_crash() {
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:02.000000", "inf", "full"),
            ("2024-11-09T05", "00:04.000000", "2.0", "full"),
        ],
    );
    a.file("c/q/stray.txt", 3)
        .dir("c/q/2024-01-01_05")
        .file("c/q/2024-11-09T07", 5);
    let r = a.analyse();
    let s = &r.streams[0];
    assert_eq!(s.coverage.hours.len(), 1);
    assert_eq!(s.coverage.hours[0].bad_count, 1);
    assert_eq!(s.bad_segments[0].reason, "duration is not finite");
    assert_eq!(
        s.bad_segments[0].path,
        format!("c/q/2024-11-09T05/00:02.000000-inf-full-{}.ts", util::H)
    );
    // The bad file leaves a 2 s hole.
    assert_eq!(s.coverage.hours[0].raw_holes, 1);
    assert_eq!(s.coverage.hours[0].raw_hole_us, 2 * S);
    let paths: Vec<&str> = r.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(
        paths,
        vec!["c/q/2024-01-01_05", "c/q/2024-11-09T07", "c/q/stray.txt"]
    );
}

#[test]
fn hole_across_an_hour_boundary_is_listed_once() {
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "59:50.000000", "2.0", "full"),
            ("2024-11-09T06", "00:40.000000", "2.0", "full"),
        ],
    );
    let r = a.analyse();
    let c = &r.streams[0].coverage;
    let raw: Vec<_> = c.holes.iter().filter(|h| h.kind == HoleKind::Raw).collect();
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0].span.start_us, t("2024-11-09T05", 3_592 * S));
    assert_eq!(raw[0].span.end_us, t("2024-11-09T06", 40 * S));
    assert_eq!((c.hours[0].raw_holes, c.hours[0].raw_hole_us), (1, 8 * S));
    assert_eq!((c.hours[1].raw_holes, c.hours[1].raw_hole_us), (1, 40 * S));
    assert_eq!(
        (c.hours[0].editable_holes, c.hours[1].editable_holes),
        (1, 1)
    );
}

#[test]
fn missing_hour_shows_only_through_the_hole() {
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "59:58.000000", "2.0", "full"),
            ("2024-11-09T07", "00:00.000000", "2.0", "full"),
        ],
    );
    let c = a.analyse().streams[0].coverage.clone();
    assert_eq!(c.hours.len(), 2);
    let raw: Vec<_> = c.holes.iter().filter(|h| h.kind == HoleKind::Raw).collect();
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0].span.duration_us(), 3_600 * S);
    assert_eq!(c.hours[0].raw_hole_us + c.hours[1].raw_hole_us, 0);
}

#[test]
fn suspect_and_partial_best_segments_and_partial_only_time() {
    let a = Archive::new();
    a.file("c/q/2024-11-09T05/00:00.000000-2.0-suspect-AAAA.ts", 100)
        .file("c/q/2024-11-09T05/00:00.000000-1.0-suspect-BBBB.ts", 300)
        .file("c/q/2024-11-09T05/00:00.000000-1.5-partial-CCCC.ts", 900)
        .file("c/q/2024-11-09T05/00:01.000000-3.0-full-DDDD.ts", 100)
        .file("c/q/2024-11-09T05/00:04.000000-1.0-partial-EEEE.ts", 10)
        .file("c/q/2024-11-09T05/00:04.000000-0.5-partial-FFFF.ts", 20);
    let r = a.analyse();
    let h = hour(&r, 0, 0);
    // Start 0: the larger suspect (1.0 s, 300 bytes) wins; the other suspect is an
    // overlap, the partial is not. Start 4: the larger partial (0.5 s) wins.
    assert_eq!(h.segment_count.suspect, 2);
    assert_eq!(h.segment_count.partial, 3);
    assert_eq!(h.overlap_count.suspect, 1);
    assert_eq!(h.overlap_duration_us.suspect, 2 * S);
    assert_eq!(h.overlap_count.partial, 1);
    assert_eq!(h.overlap_duration_us.partial, S);
    // Coverage: [0,1) suspect + [1,4) full + [4,4.5) partial = 4.5 s.
    assert_eq!(h.raw_coverage_us, 4_500 * MS);
    // Partial-only: [0,1) and [4,4.5).
    assert_eq!(h.partial_only_us, 1_500 * MS);
}

#[test]
fn tombstones_dot_files_and_other_extensions_are_skipped() {
    let a = Archive::new();
    let name = format!("00:00.000000-2.0-full-{}", util::H);
    a.file(&format!("c/q/2024-11-09T05/{name}.ts"), 10)
        .file(&format!("c/q/2024-11-09T05/{name}.tombstone"), 0)
        .file("c/q/2024-11-09T05/.hidden.ts", 1)
        .file("c/q/2024-11-09T05/meta.json", 1)
        .file("c/q/2024-11-09T05/00:02.000000-2.0-full-AAAA.TS", 1);
    a.segs("c/q", &[("2024-11-09T05", "00:04.000000", "2.0", "full")]);
    let r = a.analyse();
    let h = hour(&r, 0, 0);
    assert_eq!(h.segment_count.full, 1);
    assert_eq!(h.bad_count, 0);
    assert!(r.warnings.is_empty());
}

#[test]
fn editable_chain_drops_overlapping_segments_and_counts_overlap() {
    // 0-2, 1.95-3.95 (starts 50 ms before the chain end: dropped), 2-4 (kept).
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:01.950000", "2.0", "partial"),
            ("2024-11-09T05", "00:02.000000", "2.0", "full"),
            ("2024-11-09T05", "00:04.005000", "2.0", "full"),
        ],
    );
    let h = hour(&a.analyse(), 0, 0);
    assert_eq!(h.raw_coverage_us, 6_005 * MS - 5 * MS);
    assert_eq!(h.editable_coverage_us, 6 * S);
    assert_eq!(h.overlap_count.partial, 1);
    assert_eq!(h.overlap_duration_us.partial, 50 * MS);
    // Partial-only: the dropped partial is still a best segment: [1.95,2) is covered
    // by the full 0-2, [2, 3.95) by the full 2-4: nothing partial-only.
    assert_eq!(h.partial_only_us, 0);
    assert_eq!((h.raw_holes, h.editable_holes), (0, 0));
}

#[test]
fn opened_as_channel_or_quality_directory() {
    let a = Archive::new();
    a.segs(
        "ch/src",
        &[("2024-11-09T05", "00:00.000000", "2.0", "full")],
    );
    a.segs(
        "ch/480p",
        &[("2024-11-09T05", "00:00.000000", "2.0", "full")],
    );
    let r = a.analyse_path("ch");
    let names: Vec<(&str, &str)> = r
        .streams
        .iter()
        .map(|s| (s.channel.as_str(), s.quality.as_str()))
        .collect();
    assert_eq!(names, vec![("ch", "480p"), ("ch", "src")]);
    let r = a.analyse_path("ch/src");
    assert_eq!(r.streams.len(), 1);
    assert_eq!(
        (r.streams[0].channel.as_str(), r.streams[0].quality.as_str()),
        ("ch", "src")
    );
    let r = a.analyse();
    assert_eq!(r.streams.len(), 2);
}

#[test]
fn archive_changing_while_scanned() {
    // An hour directory listed by discovery vanishes before it is scanned, and a
    // new one appears: a located warning, the rest is analysed.
    use segscope::analysis::{assemble, scan_hour};
    use segscope::archive::layout::{Selection, discover};
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T06", "00:00.000000", "2.0", "full"),
        ],
    );
    let layout = discover(&a.root(), &Selection::default()).unwrap();
    std::fs::remove_dir_all(a.root().join("c/q/2024-11-09T06")).unwrap();
    a.segs("c/q", &[("2024-11-09T07", "00:00.000000", "2.0", "full")]);
    let summaries = layout
        .hours
        .iter()
        .map(|h| scan_hour(&a.root(), h))
        .collect();
    let r = assemble(layout, summaries);
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].path, "c/q/2024-11-09T06");
    assert!(
        r.warnings[0]
            .message
            .starts_with("cannot list hour directory"),
        "{:?}",
        r.warnings[0]
    );
    assert_eq!(r.streams[0].coverage.hours[0].raw_coverage_us, 2 * S);
}
