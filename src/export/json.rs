//! The JSON report, in exactly the shape `segscope coverage --json` documents.
//! Times are ISO 8601 UTC with microseconds; durations are seconds; no NaN.

use serde::Serialize;

use crate::analysis::{Analysis, StreamAnalysis};
use crate::archive::Warning;
use crate::archive::walk::BadSegment;
use crate::coverage::best::PerType;
use crate::coverage::timeline::HourFigures;
use crate::time::{format_hour, format_iso, us_to_secs};

#[derive(Serialize)]
struct Report<'a> {
    root: &'a str,
    streams: Vec<Stream<'a>>,
    warnings: &'a [Warning],
}

#[derive(Serialize)]
struct Stream<'a> {
    channel: &'a str,
    quality: &'a str,
    first_start: Option<String>,
    last_end: Option<String>,
    hours: Vec<Hour>,
    holes: Vec<Hole>,
    bad_segments: &'a [BadSegment],
}

#[derive(Serialize)]
struct SegmentCount {
    full: u64,
    suspect: u64,
    partial: u64,
    bad: u64,
}

#[derive(Serialize)]
struct Hour {
    hour: String,
    segment_count: SegmentCount,
    segment_duration: PerType<f64>,
    raw_coverage: f64,
    editable_coverage: f64,
    raw_holes: u64,
    editable_holes: u64,
    raw_hole_duration: f64,
    editable_hole_duration: f64,
    overlap_count: PerType<u64>,
    overlap_duration: PerType<f64>,
    partial_only: f64,
}

#[derive(Serialize)]
struct Hole {
    kind: &'static str,
    start: String,
    end: String,
    duration: f64,
}

fn secs(p: &PerType<i64>) -> PerType<f64> {
    p.map(|&us| us_to_secs(us))
}

fn hour(f: &HourFigures) -> Hour {
    Hour {
        hour: format_hour(f.hour_start_us),
        segment_count: SegmentCount {
            full: f.segment_count.full,
            suspect: f.segment_count.suspect,
            partial: f.segment_count.partial,
            bad: f.bad_count,
        },
        segment_duration: secs(&f.segment_duration_us),
        raw_coverage: us_to_secs(f.raw_coverage_us),
        editable_coverage: us_to_secs(f.editable_coverage_us),
        raw_holes: f.raw_holes,
        editable_holes: f.editable_holes,
        raw_hole_duration: us_to_secs(f.raw_hole_us),
        editable_hole_duration: us_to_secs(f.editable_hole_us),
        overlap_count: f.overlap_count,
        overlap_duration: secs(&f.overlap_duration_us),
        partial_only: us_to_secs(f.partial_only_us),
    }
}

fn stream(s: &StreamAnalysis) -> Stream<'_> {
    let c = &s.coverage;
    Stream {
        channel: &s.channel,
        quality: &s.quality,
        first_start: c.first_start_us.map(format_iso),
        last_end: c.last_end_us.map(format_iso),
        hours: c.hours.iter().map(hour).collect(),
        holes: c
            .holes
            .iter()
            .map(|h| Hole {
                kind: h.kind.as_str(),
                start: format_iso(h.span.start_us),
                end: format_iso(h.span.end_us),
                duration: us_to_secs(h.span.duration_us()),
            })
            .collect(),
        bad_segments: &s.bad_segments,
    }
}

/// Serialises an analysis as the documented JSON report (pretty-printed, with a
/// trailing newline).
pub fn to_json(analysis: &Analysis) -> Vec<u8> {
    let report = Report {
        root: &analysis.root,
        streams: analysis.streams.iter().map(stream).collect(),
        warnings: &analysis.warnings,
    };
    // Serialising plain structs of strings and finite numbers cannot fail.
    let mut out = serde_json::to_vec_pretty(&report).unwrap_or_default();
    out.push(b'\n');
    out
}
