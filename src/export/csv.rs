//! CSV exports: one row per hour (every figure), and one row per hole.

use crate::analysis::Analysis;
use crate::text::spreadsheet_safe;
use crate::time::{format_hour, format_iso, us_to_secs};

/// Column names of [`hours_csv`], in order.
pub const HOUR_COLUMNS: [&str; 23] = [
    "channel",
    "quality",
    "hour",
    "segment_count_full",
    "segment_count_suspect",
    "segment_count_partial",
    "segment_count_bad",
    "segment_duration_full",
    "segment_duration_suspect",
    "segment_duration_partial",
    "raw_coverage",
    "editable_coverage",
    "raw_holes",
    "editable_holes",
    "raw_hole_duration",
    "editable_hole_duration",
    "overlap_count_full",
    "overlap_count_suspect",
    "overlap_count_partial",
    "overlap_duration_full",
    "overlap_duration_suspect",
    "overlap_duration_partial",
    "partial_only",
];

fn finish(w: csv::Writer<Vec<u8>>) -> Vec<u8> {
    w.into_inner().unwrap_or_default()
}

/// One row per (stream, hour), durations in seconds.
pub fn hours_csv(analysis: &Analysis) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(HOUR_COLUMNS);
    for s in &analysis.streams {
        for f in &s.coverage.hours {
            let secs = |us: i64| us_to_secs(us).to_string();
            let row = [
                spreadsheet_safe(&s.channel).into_owned(),
                spreadsheet_safe(&s.quality).into_owned(),
                format_hour(f.hour_start_us),
                f.segment_count.full.to_string(),
                f.segment_count.suspect.to_string(),
                f.segment_count.partial.to_string(),
                f.bad_count.to_string(),
                secs(f.segment_duration_us.full),
                secs(f.segment_duration_us.suspect),
                secs(f.segment_duration_us.partial),
                secs(f.raw_coverage_us),
                secs(f.editable_coverage_us),
                f.raw_holes.to_string(),
                f.editable_holes.to_string(),
                secs(f.raw_hole_us),
                secs(f.editable_hole_us),
                f.overlap_count.full.to_string(),
                f.overlap_count.suspect.to_string(),
                f.overlap_count.partial.to_string(),
                secs(f.overlap_duration_us.full),
                secs(f.overlap_duration_us.suspect),
                secs(f.overlap_duration_us.partial),
                secs(f.partial_only_us),
            ];
            let _ = w.write_record(&row);
        }
    }
    finish(w)
}

/// One row per hole: channel, quality, kind, start, end, duration (s).
pub fn holes_csv(analysis: &Analysis) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["channel", "quality", "kind", "start", "end", "duration"]);
    for s in &analysis.streams {
        for h in &s.coverage.holes {
            let _ = w.write_record([
                &*spreadsheet_safe(&s.channel),
                &*spreadsheet_safe(&s.quality),
                h.kind.as_str(),
                &format_iso(h.span.start_us),
                &format_iso(h.span.end_us),
                &us_to_secs(h.span.duration_us()).to_string(),
            ]);
        }
    }
    finish(w)
}
