//! The coverage timeline: one lane per (channel, quality) on a shared time axis.
//! Zoom at the cursor, drag to pan, box zoom with the secondary button, double-click
//! to fit. Zoomed out each pixel shows its coverage mix (from the stream's mix index);
//! zoomed in, single segments are drawn as boxes, duplicates and overlaps below.

use egui::{Align2, Color32, CornerRadius, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2};

use crate::analysis::StreamAnalysis;
use crate::coverage::best::Seg;
use crate::coverage::lod::lane_mix;
use crate::coverage::timeline::{HoleKind, Interval};
use crate::gui::archive::lane_raster;
use crate::gui::archive::loader::PartialStream;
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::settings::{Settings, TimeZoneChoice};
use crate::gui::shell::theme::Palette;
use crate::gui::widgets::axis::{full_time, human_duration};
use crate::gui::widgets::time_view::TimeView;

/// Below this many µs per pixel single segments are drawn.
pub const SEGMENT_LEVEL_US_PER_PX: f64 = 250_000.0;
/// Width of the lane-label column, points.
const LABEL_W: f32 = 150.0;
/// Height of the time axis, points.
const AXIS_H: f32 = 22.0;
/// The tallest a lane grows to fill the view.
const MAX_LANE_H: f32 = 200.0;

/// What one lane shows.
pub enum LaneSource<'a> {
    /// A finished stream.
    Done(&'a StreamAnalysis),
    /// A stream whose hours are still arriving.
    Loading(&'a PartialStream),
    /// A finished stream under a label of its own (a fleet's node or union).
    Labelled(&'a StreamAnalysis, String),
}

impl LaneSource<'_> {
    fn label(&self) -> String {
        match self {
            LaneSource::Done(s) => format!("{}/{}", s.channel, s.quality),
            LaneSource::Loading(p) => format!("{}/{}", p.channel, p.quality),
            LaneSource::Labelled(_, label) => label.clone(),
        }
    }

    /// Identifies the data drawn: the snapshot's stream (by address, snapshots
    /// are immutable) or a loading stream's progress.
    fn version(&self) -> (usize, usize) {
        match self {
            LaneSource::Done(s) | LaneSource::Labelled(s, _) => {
                (std::ptr::from_ref::<StreamAnalysis>(s) as usize, 0)
            }
            LaneSource::Loading(p) => (
                std::ptr::from_ref::<PartialStream>(p) as usize,
                p.done.len() * 1_000_003 + p.pending.len() + 1,
            ),
        }
    }

    fn subtitle(&self) -> String {
        match self {
            LaneSource::Done(s) | LaneSource::Labelled(s, _) => {
                let editable = s
                    .coverage
                    .holes
                    .iter()
                    .filter(|h| h.kind == HoleKind::Editable)
                    .count();
                format!(
                    "{} raw · {editable} editable holes · {} bad",
                    s.coverage.raw_holes.len(),
                    s.bad_segments.len()
                )
            }
            LaneSource::Loading(p) => {
                format!("{}/{} hours", p.done.len(), p.done.len() + p.pending.len())
            }
        }
    }
}

/// What a lane raster was built from: equal keys draw the same picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LaneKey {
    t0: u64,
    t1: u64,
    width: usize,
    source: (usize, usize),
    dark: bool,
}

/// A lane drawn once and reused while its key holds.
struct LaneRaster {
    key: LaneKey,
    drawn: lane_raster::LaneDrawn,
    segments: Vec<(Seg, bool)>,
    texture: egui::TextureHandle,
}

/// What the pointer is over, for the tooltip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoverInfo {
    /// Lane index.
    pub lane: usize,
    /// Time under the pointer, µs.
    pub time_us: f64,
}

/// A best segment the pointer is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoveredSegment {
    /// Lane (stream) index.
    pub lane: usize,
    /// The segment.
    pub seg: Seg,
    /// It is a duplicate or a segment dropped from the editable chain.
    pub overlap: bool,
}

/// View state of the timeline: visible range, drag state, hover.
#[derive(Default)]
pub struct TimelineView {
    /// Where the pointer is.
    pub hover: Option<HoverInfo>,
    /// The segment under the pointer.
    pub hovered_segment: Option<HoveredSegment>,
    /// The highlighted hole: (lane, span).
    pub highlight: Option<(usize, Interval)>,
    /// Screen rectangle of the lanes and axis last frame (for view exports).
    pub last_rect: Option<Rect>,
    /// Lane shapes drawn last frame (for the frame benchmark).
    pub last_shapes: usize,
    /// What each lane showed last frame (for tests and the frame benchmark).
    pub drawn: Vec<lane_raster::LaneDrawn>,
    /// Lane rasters built so far (each frame that changed a lane adds one).
    pub rasters_built: usize,
    rasters: Vec<LaneRaster>,
}

impl TimelineView {
    /// Forgets the lane rasters (a new snapshot arrived).
    pub fn invalidate_rasters(&mut self) {
        self.rasters.clear();
    }

    /// Draws the axis and the lanes over the document's time view `time` and
    /// handles the pointer (which moves `time`).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        time: &mut TimeView,
        lanes: &[LaneSource<'_>],
        settings: &Settings,
        commands: &mut Vec<AppCommand>,
    ) -> egui::Response {
        let palette = Palette::of(ui.ctx());
        let avail = ui.available_size();
        let n = lanes.len().max(1) as f32;
        // The lanes share the free height (the view takes what the tables leave).
        let lane_h = ((avail.y - AXIS_H - 8.0) / n - 4.0).clamp(16.0, MAX_LANE_H);
        let height = AXIS_H + n * (lane_h + 4.0) + 4.0;
        let (rect, response) =
            ui.allocate_exact_size(Vec2::new(avail.x, height), Sense::click_and_drag());
        self.last_rect = Some(rect);
        let plot = Rect::from_min_max(Pos2::new(rect.left() + LABEL_W, rect.top()), rect.max);
        let width_px = plot.width().max(1.0);
        let mut steps = Vec::new();
        time.interact(ui, &response, plot, settings.scroll_zooms, &mut steps);
        commands.extend(steps.into_iter().map(AppCommand::from));
        let to_x = |t: f64, time: &TimeView| time.x_of(t, plot);
        let to_t = |x: f32, time: &TimeView| time.time_at(x, plot);

        let painter = ui.painter_at(rect);
        let mut shapes = 0usize;
        self.drawn.clear();
        time.draw_axis(
            &painter,
            plot,
            AXIS_H,
            settings.time_zone,
            palette.text,
            palette.grid,
        );
        let us_per_px = time.span() / f64::from(width_px);
        let segment_level = us_per_px < SEGMENT_LEVEL_US_PER_PX;
        self.hovered_segment = None;
        let hover_pos = response.hover_pos();
        for (i, lane) in lanes.iter().enumerate() {
            let top = rect.top() + AXIS_H + 4.0 + i as f32 * (lane_h + 4.0);
            let lane_rect = Rect::from_min_max(
                Pos2::new(plot.left(), top),
                Pos2::new(plot.right(), top + lane_h),
            );
            // A lane too low for two lines shows its label alone.
            let two_lines = lane_h >= 28.0;
            painter.text(
                Pos2::new(rect.left() + 4.0, top + lane_h / 2.0),
                if two_lines {
                    Align2::LEFT_BOTTOM
                } else {
                    Align2::LEFT_CENTER
                },
                lane.label(),
                FontId::proportional(12.0),
                palette.text,
            );
            if two_lines {
                painter.text(
                    Pos2::new(rect.left() + 4.0, top + lane_h / 2.0 + 1.0),
                    Align2::LEFT_TOP,
                    lane.subtitle(),
                    FontId::proportional(10.0),
                    palette.grid,
                );
            }
            let w = (width_px.round() as usize).max(1);
            let key = LaneKey {
                t0: time.t0.to_bits(),
                t1: time.t1.to_bits(),
                width: w,
                source: lane.version(),
                dark: ui.visuals().dark_mode,
            };
            // The raster is rebuilt only when its range, width, data or theme change.
            let cached = self.rasters.get(i).filter(|r| r.key == key).is_some();
            if !cached {
                let rows = match lane {
                    LaneSource::Loading(partial) => {
                        lane_raster::loading_rows(partial, time.t0, time.t1, w)
                    }
                    LaneSource::Done(stream) | LaneSource::Labelled(stream, _) if segment_level => {
                        lane_raster::segment_rows(stream, palette, time.t0, time.t1, w)
                    }
                    LaneSource::Done(stream) | LaneSource::Labelled(stream, _) => {
                        lane_raster::mix_rows(stream, time.t0, time.t1, w)
                    }
                };
                let image = lane_raster::to_image(&rows, palette);
                let texture = match self.rasters.get_mut(i) {
                    Some(r) => {
                        r.texture.set(image, egui::TextureOptions::NEAREST);
                        r.texture.clone()
                    }
                    None => ui.ctx().load_texture(
                        format!("lane-{i}"),
                        image,
                        egui::TextureOptions::NEAREST,
                    ),
                };
                let raster = LaneRaster {
                    key,
                    drawn: lane_raster::drawn(lane.label(), &rows),
                    segments: rows.segments,
                    texture,
                };
                if i < self.rasters.len() {
                    self.rasters[i] = raster;
                } else {
                    self.rasters.push(raster);
                }
                self.rasters_built += 1;
            }
            let Some(raster) = self.rasters.get(i) else {
                continue;
            };
            if let Some(p) = hover_pos.filter(|p| lane_rect.contains(*p)) {
                let t = to_t(p.x, time);
                let in_under = lane_raster::in_overlap_rows((p.y - top) / lane_h);
                if let Some((seg, flag)) = raster.segments.iter().find(|(s, flag)| {
                    *flag == in_under && (s.start_us as f64) <= t && t < s.end_us() as f64
                }) {
                    self.hovered_segment = Some(HoveredSegment {
                        lane: i,
                        seg: *seg,
                        overlap: *flag,
                    });
                }
            }
            self.drawn.push(raster.drawn.clone());
            let tex = raster.texture.clone();
            let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
            painter.image(tex.id(), lane_rect, uv, Color32::WHITE);
            shapes += 1;
            if let Some((lane_i, hole)) = self.highlight
                && lane_i == i
            {
                let (a, b) = (
                    to_x(hole.start_us as f64, time),
                    to_x(hole.end_us as f64, time),
                );
                let r = Rect::from_min_max(
                    Pos2::new(a.min(b - 2.0), top - 2.0),
                    Pos2::new(b.max(a + 2.0), top + lane_h + 2.0),
                );
                painter.rect_stroke(
                    r,
                    CornerRadius::ZERO,
                    Stroke::new(2.0, palette.highlight),
                    StrokeKind::Outside,
                );
            }
            if let Some(p) = hover_pos
                && lane_rect.y_range().contains(p.y)
                && plot.x_range().contains(p.x)
            {
                self.hover = Some(HoverInfo {
                    lane: i,
                    time_us: to_t(p.x, time),
                });
            }
        }
        self.last_shapes = shapes;
        // Box zoom selection.
        if let (Some(start), Some(now)) = (time.box_start(), hover_pos) {
            let r = Rect::from_x_y_ranges(start.x.min(now.x)..=start.x.max(now.x), plot.y_range());
            painter.rect_filled(r, CornerRadius::ZERO, palette.selection);
        }
        // Cursor line across all lanes.
        match hover_pos.filter(|p| plot.contains(*p)) {
            Some(p) => {
                painter.vline(
                    p.x,
                    plot.top() + AXIS_H..=plot.bottom(),
                    Stroke::new(1.0, palette.cursor),
                );
            }
            None => self.hover = None,
        }
        response
    }
}

/// The tooltip text for a hovered pixel of a finished stream.
pub fn pixel_tooltip(
    stream: &StreamAnalysis,
    view: &TimeView,
    width_px: f32,
    time_us: f64,
    tz: TimeZoneChoice,
) -> String {
    let px = view.span() / f64::from(width_px.max(1.0));
    let a = time_us - px / 2.0;
    let m = lane_mix(&stream.coverage, &stream.mix_index, a, a + px, 1)
        .into_iter()
        .next()
        .unwrap_or_default();
    let pct = |v: i64| 100.0 * v as f64 / m.span_us.max(1) as f64;
    let mut text = format!(
        "{}/{}\n{}",
        stream.channel,
        stream.quality,
        full_time(time_us as i64, tz)
    );
    text.push_str(&format!(
        "\npixel: {}\ncovered {:.1}%  partial-only {:.1}%  hole {:.1}%",
        human_duration(m.span_us),
        pct(m.covered_us),
        pct(m.partial_only_us),
        pct(m.hole_us)
    ));
    if let Some(h) = stream.coverage.holes.iter().find(|h| {
        h.kind == HoleKind::Raw
            && (h.span.start_us as f64) <= time_us
            && time_us < h.span.end_us as f64
    }) {
        text.push_str(&format!(
            "\nin a hole of {} ({} to {})",
            human_duration(h.span.duration_us()),
            full_time(h.span.start_us, tz),
            full_time(h.span.end_us, tz)
        ));
    }
    text
}
