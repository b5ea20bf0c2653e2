//! Lanes drawn as textures: each lane is rasterised on the CPU into a small image
//! (one column per screen pixel), then drawn as a single textured rectangle. Under
//! software rendering the cost of a frame is then the same at every zoom, whatever
//! the number of segments.
//!
//! Zoomed out, each column is a stacked bar of its coverage mix: hole time on top
//! (red), then partial-only time (orange), then full coverage (blue); a hole takes
//! at least a quarter of the lane height and partial-only time an eighth, so a
//! 10 ms hole in a 5-minute pixel stays visible without painting the pixel red. Zoomed in, best segments fill the upper
//! rows and duplicates / dropped segments the lower ones.

use egui::Color32;

use crate::analysis::StreamAnalysis;
use crate::archive::name::SegmentType;
use crate::coverage::best::Seg;
use crate::coverage::lod::lane_mix;
use crate::coverage::raster::PixelMix;
use crate::coverage::view::{loading_mix, visible_segments};
use crate::gui::archive::loader::PartialStream;
use crate::gui::shell::theme::Palette;

/// Rows of a lane image.
pub const ROWS: usize = 16;
/// A hole anywhere in a pixel takes at least this many rows, so it is seen.
const MIN_HOLE_ROWS: usize = 4;
/// Partial-only time anywhere in a pixel takes at least this many rows.
const MIN_PARTIAL_ROWS: usize = 2;
/// Rows of the best segments at segment level (the rest: a gap, then overlaps).
const MAIN_ROWS: usize = 11;

/// What a lane shows, one entry per screen pixel.
pub enum LanePicture {
    /// Coverage mixes (`None`: not scanned yet).
    Mix(Vec<Option<PixelMix>>),
    /// Segment level: colours of the best-segment row and of the overlap row.
    Segments {
        /// Best segments.
        main: Vec<Color32>,
        /// Duplicates and segments dropped from the editable chain.
        under: Vec<Color32>,
    },
}

/// A lane ready to draw, with the segments it shows (for hover).
pub struct LaneRows {
    /// The picture.
    pub picture: LanePicture,
    /// Segments drawn: (segment, in the overlap rows).
    pub segments: Vec<(Seg, bool)>,
}

/// What one lane showed in the last frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneDrawn {
    /// `CHANNEL/QUALITY`.
    pub label: String,
    /// Pixel columns of time not scanned yet (drawn as pending).
    pub pending_px: usize,
    /// Pixel columns holding segments.
    pub data_px: usize,
}

fn seg_colour(p: &Palette, kind: SegmentType) -> Color32 {
    match kind {
        SegmentType::Full => p.covered,
        SegmentType::Suspect => p.suspect,
        SegmentType::Partial | SegmentType::Temp => p.partial_only,
    }
}

/// Pixel range `[x0, x1)` of `[a, b)` on a row of `width` pixels showing `[t0, t0 + span)`.
fn px_range(a: f64, b: f64, t0: f64, span: f64, width: usize) -> (usize, usize) {
    let w = width as f64;
    let x0 = (((a - t0) / span) * w).floor().clamp(0.0, w) as usize;
    let x1 = (((b - t0) / span) * w).ceil().clamp(0.0, w) as usize;
    (x0, x1.max((x0 + 1).min(width)))
}

/// Pixels of a segment box: from the pixel its start falls in to the one its end
/// falls in; a box at least 4 pixels wide gives up its first pixel, so
/// back-to-back segments show a one-pixel gap where one ends and the next begins.
fn box_range(a: f64, b: f64, t0: f64, span: f64, width: usize) -> (usize, usize) {
    let w = width as f64;
    let x0 = (((a - t0) / span) * w).floor().clamp(0.0, w) as usize;
    let x1 = ((((b - t0) / span) * w).floor().clamp(0.0, w) as usize).max((x0 + 1).min(width));
    if x1 - x0 >= 4 && a >= t0 {
        (x0 + 1, x1)
    } else {
        (x0, x1)
    }
}

/// Whether the pointer's segment row is the overlap row, from its height in the lane (0..1).
pub fn in_overlap_rows(frac_y: f32) -> bool {
    frac_y * ROWS as f32 >= MAIN_ROWS as f32
}

/// A finished stream zoomed out: the coverage mix of every pixel.
pub fn mix_rows(stream: &StreamAnalysis, t0: f64, t1: f64, width: usize) -> LaneRows {
    LaneRows {
        picture: LanePicture::Mix(
            lane_mix(&stream.coverage, &stream.mix_index, t0, t1, width)
                .into_iter()
                .map(Some)
                .collect(),
        ),
        segments: Vec::new(),
    }
}

/// A finished stream zoomed in: every best segment as a box (a one-pixel gap marks
/// where one ends when boxes are wide enough), holes shaded, duplicates and dropped
/// segments in the rows below.
pub fn segment_rows(
    stream: &StreamAnalysis,
    p: &Palette,
    t0: f64,
    t1: f64,
    width: usize,
) -> LaneRows {
    let span = (t1 - t0).max(1.0);
    let mut main = vec![p.lane_bg; width];
    let mut under = vec![p.lane_bg; width];
    let cov = &stream.coverage;
    let first = cov.raw_holes.partition_point(|h| (h.end_us as f64) < t0);
    for h in cov.raw_holes[first..]
        .iter()
        .take_while(|h| (h.start_us as f64) < t1)
    {
        let (x0, x1) = px_range(h.start_us as f64, h.end_us as f64, t0, span, width);
        main[x0..x1].fill(p.hole);
        under[x0..x1].fill(p.hole);
    }
    let mut segments = visible_segments(&stream.hours, t0, t1);
    for (seg, overlap) in &mut segments {
        *overlap |= cov
            .dropped
            .binary_search_by_key(&(seg.start_us, seg.end_us()), |d| (d.start_us, d.end_us()))
            .is_ok();
        let row = if *overlap { &mut under } else { &mut main };
        let (x0, x1) = box_range(seg.start_us as f64, seg.end_us() as f64, t0, span, width);
        row[x0..x1].fill(seg_colour(p, seg.kind));
    }
    LaneRows {
        picture: LanePicture::Segments { main, under },
        segments,
    }
}

/// A stream still loading: scanned hours in their mix, the rest pending.
pub fn loading_rows(partial: &PartialStream, t0: f64, t1: f64, width: usize) -> LaneRows {
    LaneRows {
        picture: LanePicture::Mix(loading_mix(&partial.pending, &partial.done, t0, t1, width)),
        segments: Vec::new(),
    }
}

/// What a lane shows: its pending and data pixel columns.
pub fn drawn(label: String, rows: &LaneRows) -> LaneDrawn {
    let (pending_px, data_px) = match &rows.picture {
        LanePicture::Mix(m) => (
            m.iter().filter(|p| p.is_none()).count(),
            m.iter().flatten().filter(|p| p.covered_us > 0).count(),
        ),
        LanePicture::Segments { main, .. } if !rows.segments.is_empty() => (0, main.len()),
        LanePicture::Segments { .. } => (0, 0),
    };
    LaneDrawn {
        label,
        pending_px,
        data_px,
    }
}

/// Rows of each colour in a pixel column: (hole, partial-only, covered), top down.
pub fn bar_rows(m: &PixelMix) -> (usize, usize, usize) {
    let span = m.span_us.max(1) as f64;
    let rows = |us: i64, min: usize| -> usize {
        if us <= 0 {
            0
        } else {
            ((us as f64 / span * ROWS as f64).round() as usize).clamp(min, ROWS)
        }
    };
    let hole = rows(m.hole_us, MIN_HOLE_ROWS);
    let partial = rows(m.partial_only_us, MIN_PARTIAL_ROWS).min(ROWS - hole);
    let full = rows(m.covered_us - m.partial_only_us, 1).min(ROWS - hole - partial);
    (hole, partial, full)
}

/// The lane as an image of [`ROWS`] rows.
pub fn to_image(rows: &LaneRows, p: &Palette) -> egui::ColorImage {
    let width = match &rows.picture {
        LanePicture::Mix(m) => m.len(),
        LanePicture::Segments { main, .. } => main.len(),
    }
    .max(1);
    let mut pixels = vec![p.lane_bg; width * ROWS];
    match &rows.picture {
        LanePicture::Mix(mixes) => {
            for (x, m) in mixes.iter().enumerate() {
                let column: Vec<Color32> = match m {
                    None => vec![p.pending; ROWS],
                    Some(m) => {
                        let (hole, partial, full) = bar_rows(m);
                        let mut c = vec![p.lane_bg; ROWS];
                        c[..hole].fill(p.hole);
                        c[hole..hole + partial].fill(p.partial_only);
                        // Full coverage sits at the bottom, the background fills the rest.
                        c[ROWS - full..].fill(p.covered);
                        c
                    }
                };
                for (y, colour) in column.into_iter().enumerate() {
                    pixels[y * width + x] = colour;
                }
            }
        }
        LanePicture::Segments { main, under } => {
            for y in 0..ROWS {
                let src = if y < MAIN_ROWS {
                    Some(main)
                } else if y == MAIN_ROWS {
                    None
                } else {
                    Some(under)
                };
                if let Some(src) = src {
                    pixels[y * width..y * width + src.len().min(width)]
                        .copy_from_slice(&src[..src.len().min(width)]);
                }
            }
        }
    }
    egui::ColorImage::new([width, ROWS], pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(span: i64, covered: i64, partial: i64, hole: i64) -> PixelMix {
        PixelMix {
            span_us: span,
            covered_us: covered,
            partial_only_us: partial,
            hole_us: hole,
            outside_us: 0,
        }
    }

    #[test]
    fn bars_show_the_mix_and_keep_small_parts_visible() {
        assert_eq!(bar_rows(&mix(100, 100, 0, 0)), (0, 0, ROWS));
        assert_eq!(bar_rows(&mix(100, 0, 0, 100)), (ROWS, 0, 0));
        assert_eq!(
            bar_rows(&mix(1_000_000, 999_990, 0, 10)),
            (MIN_HOLE_ROWS, 0, ROWS - MIN_HOLE_ROWS),
            "a tiny hole stays visible"
        );
        assert_eq!(
            bar_rows(&mix(1_000_000, 1_000_000, 5, 0)),
            (0, MIN_PARTIAL_ROWS, ROWS - MIN_PARTIAL_ROWS)
        );
        let (h, p, f) = bar_rows(&mix(100, 50, 25, 50));
        assert_eq!((h, p, f), (8, 4, 4));
        assert_eq!(
            bar_rows(&mix(100, 0, 0, 0)),
            (0, 0, 0),
            "no data: background"
        );
        let img = to_image(
            &LaneRows {
                picture: LanePicture::Mix(vec![Some(mix(100, 100, 0, 0)), None]),
                segments: vec![],
            },
            &crate::gui::shell::theme::DARK,
        );
        assert_eq!(img.size, [2, ROWS]);
        assert_eq!(img.pixels[0], crate::gui::shell::theme::BLUE);
        assert_eq!(img.pixels[1], crate::gui::shell::theme::DARK.pending);
    }

    #[test]
    fn back_to_back_boxes_leave_a_gap() {
        // Two 2 s segments at 10 px per second.
        let a = box_range(0.0, 2e6, 0.0, 10e6, 100);
        let b = box_range(2e6, 4e6, 0.0, 10e6, 100);
        assert_eq!(a, (1, 20));
        assert_eq!(b, (21, 40));
        // Narrow boxes keep every pixel.
        assert_eq!(box_range(0.0, 2e6, 0.0, 100e6, 100), (0, 2));
    }

    #[test]
    fn pixel_ranges_are_clamped_and_never_empty() {
        assert_eq!(px_range(0.0, 10.0, 0.0, 100.0, 100), (0, 10));
        assert_eq!(px_range(-50.0, 5.0, 0.0, 100.0, 100), (0, 5));
        assert_eq!(px_range(99.5, 99.6, 0.0, 100.0, 100), (99, 100));
        assert_eq!(px_range(150.0, 160.0, 0.0, 100.0, 100), (100, 100));
        let (a, b) = px_range(10.2, 10.3, 0.0, 100.0, 100);
        assert_eq!(b - a, 1, "a tiny segment still gets a pixel");
    }
}
