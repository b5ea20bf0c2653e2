//! The selected series plotted (egui_plot): its values as a line, reduced
//! to the lowest and highest value per pixel column when the visible part
//! holds more points than the plot has columns; the points the scan found
//! anomalous marked; the judged window shaded; the anomaly score as a band
//! under it. Both plots show the document's time view (in seconds) and its
//! linked cursor, so an archive's timeline and this plot move together.

use egui::Color32;
use egui_plot::{
    Line, MarkerShape, Plot, PlotBounds, PlotPoint, PlotPoints, PlotTransform, Points, Polygon,
    VLine,
};

use crate::anomaly::run::Scanned;
use crate::anomaly::scan::{ScanWindow, window_start};
use crate::anomaly::series::min_max_per_column;
use crate::gui::widgets::axis::{TimeZoneChoice, plot_time_axis, plot_time_grid};
use crate::gui::widgets::time_view::TimeView;

/// The colour of the values' line.
pub const VALUES: Color32 = Color32::from_rgb(31, 119, 180);
/// The colour of anomalous points.
pub const ANOMALY: Color32 = Color32::from_rgb(220, 50, 47);
/// The colour of the score band.
pub const SCORE: Color32 = Color32::from_rgb(203, 75, 22);
/// The colour of the ring around the picked point.
const PICKED: Color32 = Color32::from_rgb(181, 137, 0);
/// A click this near a flagged point (screen pixels) picks it before any
/// nearer unflagged point.
pub const FLAGGED_REACH_PX: f32 = 8.0;
/// The colour of the judged window.
const WINDOW: Color32 = Color32::from_rgba_premultiplied(10, 36, 55, 40);

/// What the user did in the plots.
#[derive(Debug, Default)]
pub struct PlotAction {
    /// A point was clicked: its index.
    pub picked: Option<usize>,
    /// How the values plot mapped its values to the screen this frame.
    pub transform: Option<PlotTransform>,
}

/// Where point `p` (µs, value) is drawn by a plot with `transform`.
pub fn on_screen(transform: &PlotTransform, p: (i64, f64)) -> egui::Pos2 {
    transform.position_from_point(&PlotPoint::new(p.0 as f64 / 1e6, p.1))
}

/// The point a click at `at` picks among the points with an index in
/// `visible`: the nearest flagged point (`votes` at or above `consensus`) within
/// [`FLAGGED_REACH_PX`], otherwise the nearest point on screen.
pub fn pick_at(
    points: &[(i64, f64)],
    votes: &[u8],
    consensus: usize,
    visible: std::ops::Range<usize>,
    at: egui::Pos2,
    to_screen: impl Fn((i64, f64)) -> egui::Pos2,
) -> Option<usize> {
    let mut nearest: Option<(f32, usize)> = None;
    let mut nearest_flagged: Option<(f32, usize)> = None;
    let end = visible.end.min(points.len());
    let shown = points.get(visible.start..end).unwrap_or_default();
    for (i, &p) in (visible.start..).zip(shown) {
        let d = to_screen(p).distance(at);
        if !d.is_finite() {
            continue;
        }
        if nearest.is_none_or(|(best, _)| d < best) {
            nearest = Some((d, i));
        }
        let flagged = votes.get(i).is_some_and(|&v| usize::from(v) >= consensus);
        if flagged && d <= FLAGGED_REACH_PX && nearest_flagged.is_none_or(|(best, _)| d < best) {
            nearest_flagged = Some((d, i));
        }
    }
    nearest_flagged.or(nearest).map(|(_, i)| i)
}

/// Draws the series and its score over `time`; the picked point is ringed and
/// its window shaded (the last point's when none is picked).
pub fn series_plots(
    ui: &mut egui::Ui,
    s: &Scanned,
    consensus: usize,
    window: ScanWindow,
    picked: Option<usize>,
    time: &mut TimeView,
    tz: TimeZoneChoice,
) -> PlotAction {
    let mut action = PlotAction::default();
    let points = &s.series.points;
    if points.is_empty() {
        ui.label("No points.");
        return action;
    }
    let (lo, hi) = (time.t0 / 1e6, time.t1 / 1e6);
    let columns = ui.available_width().max(100.0) as usize;
    // The plot area, about: the y axis' labels take the rest.
    let plot_width = (ui.available_width() - 60.0).max(100.0);
    let line = min_max_per_column(points, lo, hi, columns);
    let (ymin, ymax) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let pad = ((ymax - ymin) * 0.05).max(1e-9);
    let anomalous: Vec<[f64; 2]> = s
        .scan
        .anomalous(consensus)
        .map(|i| [points[i].0 as f64 / 1e6, points[i].1])
        .filter(|p| p[0] >= lo && p[0] <= hi)
        .collect();
    let judged = picked.unwrap_or(points.len() - 1).min(points.len() - 1);
    let ring = picked
        .and_then(|i| points.get(i))
        .map(|p| [p.0 as f64 / 1e6, p.1]);
    // The window the scan judged the point over, from its first point.
    let (w0, w1) = (
        points[window_start(points, judged, window)].0 as f64 / 1e6,
        points[judged].0 as f64 / 1e6,
    );
    let shade = Polygon::new(
        "judged window",
        PlotPoints::from(vec![
            [w0, ymin - pad],
            [w1, ymin - pad],
            [w1, ymax + pad],
            [w0, ymax + pad],
        ]),
    )
    .fill_color(WINDOW)
    .stroke(egui::Stroke::NONE);
    let cursor = time.cursor_us.map(|t| t / 1e6);
    let height = (ui.available_height() - 130.0).max(160.0);
    let link = egui::Id::unique("anomaly-time");
    let values = Plot::new("anomaly-values")
        .height(height)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .custom_x_axes(vec![plot_time_axis(tz)])
        .x_grid_spacer(plot_time_grid(plot_width))
        .allow_double_click_reset(false)
        .show(ui, |p| {
            p.set_plot_bounds(PlotBounds::from_min_max([lo, ymin - pad], [hi, ymax + pad]));
            p.polygon(shade);
            p.line(
                Line::new(s.series.name.clone(), PlotPoints::from(line))
                    .color(VALUES)
                    .width(1.5),
            );
            p.points(
                Points::new("anomalous (scan)", PlotPoints::from(anomalous))
                    .color(ANOMALY)
                    .radius(4.0)
                    .shape(MarkerShape::Circle),
            );
            if let Some(at) = ring {
                p.points(
                    Points::new("picked point", PlotPoints::from(vec![at]))
                        .color(PICKED)
                        .radius(7.0)
                        .filled(false)
                        .shape(MarkerShape::Circle),
                );
            }
            if let Some(c) = cursor {
                p.vline(VLine::new("cursor", c).color(Color32::GRAY));
            }
            p.pointer_coordinate()
        });
    let pointer = values.inner;
    let clicked = values.response.clicked();
    let transform = values.transform;
    action.transform = Some(transform);
    follow(
        time,
        &values.response,
        *values.transform.bounds(),
        lo,
        hi,
        pointer.map(|p| p.x),
    );
    if clicked
        && pointer.is_some()
        && let Some(at) = values.response.interact_pointer_pos()
    {
        let visible = points.partition_point(|q| (q.0 as f64) / 1e6 < lo)
            ..points.partition_point(|q| (q.0 as f64) / 1e6 <= hi);
        action.picked = pick_at(points, &s.scan.votes, consensus, visible, at, |p| {
            on_screen(&transform, p)
        });
    }
    let score: Vec<[f64; 2]> = {
        let first = points
            .partition_point(|q| (q.0 as f64) / 1e6 < lo)
            .saturating_sub(1);
        let last = (points.partition_point(|q| (q.0 as f64) / 1e6 <= hi) + 1).min(points.len());
        let step = ((last - first) / (2 * columns).max(1)).max(1);
        (first..last)
            .step_by(step)
            .map(|i| {
                // The highest score of the points this one stands for.
                let top = s.scan.score[i..(i + step).min(last)]
                    .iter()
                    .copied()
                    .fold(0.0f32, f32::max);
                [points[i].0 as f64 / 1e6, f64::from(top)]
            })
            .collect()
    };
    let band = Plot::new("anomaly-score")
        .height(110.0)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .custom_x_axes(vec![plot_time_axis(tz)])
        .x_grid_spacer(plot_time_grid(plot_width))
        .y_axis_label("score")
        .allow_double_click_reset(false)
        .show(ui, |p| {
            p.set_plot_bounds(PlotBounds::from_min_max([lo, 0.0], [hi, 1.05]));
            p.line(
                Line::new("anomaly score", PlotPoints::from(score))
                    .color(SCORE)
                    .fill(0.0),
            );
            if let Some(c) = cursor {
                p.vline(VLine::new("cursor", c).color(Color32::GRAY));
            }
            p.pointer_coordinate()
        });
    follow(
        time,
        &band.response,
        *band.transform.bounds(),
        lo,
        hi,
        band.inner.map(|p| p.x),
    );
    action
}

/// Takes what the user did to a plot into the time view: a drag or zoom
/// moves the view, the pointer sets the linked cursor.
fn follow(
    time: &mut TimeView,
    response: &egui::Response,
    bounds: PlotBounds,
    lo: f64,
    hi: f64,
    pointer_s: Option<f64>,
) {
    let (a, b) = (bounds.min()[0], bounds.max()[0]);
    let moved = (a - lo).abs() > 1e-9 * (hi - lo).abs() || (b - hi).abs() > 1e-9 * (hi - lo).abs();
    // Only the user's drag or zoom moves the view: the plots' linked bounds
    // still hold the range of the frame before when the view was changed
    // elsewhere (a key, the timeline, linking).
    let by_user = response.dragged() || response.hovered();
    if moved && by_user && b > a {
        time.pin(a * 1e6, b * 1e6);
    }
    if response.hovered() {
        time.cursor_us = pointer_s.map(|s| s * 1e6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One point per pixel column along a line at y = value.
    fn screen(p: (i64, f64)) -> egui::Pos2 {
        egui::pos2(p.0 as f32, 100.0 - p.1 as f32)
    }

    #[test]
    fn a_click_picks_the_nearest_point_on_screen_flagged_ones_first() {
        let points: Vec<(i64, f64)> = (0..100).map(|i| (i * 2, 0.0)).collect();
        let mut points = points;
        points[50].1 = 40.0; // a spike at x 100, drawn at y 60
        let mut votes = vec![0u8; 100];
        votes[50] = 7;
        let pick = |at: egui::Pos2, votes: &[u8]| pick_at(&points, votes, 6, 0..100, at, screen);
        // Near the spike's top: the spike, not the point under it on the line.
        assert_eq!(pick(egui::pos2(101.0, 62.0), &votes), Some(50));
        // Within reach of the flagged spike but nearer its unflagged neighbour
        // on the line: the flagged one.
        let mut low = points.clone();
        low[50].1 = 6.0; // drawn at y 94, 6 px above the line
        let near = pick_at(&low, &votes, 6, 0..100, egui::pos2(102.0, 99.0), screen);
        assert_eq!(near, Some(50));
        // Unflagged, the nearest point wins.
        let none = vec![0u8; 100];
        let near = pick_at(&low, &none, 6, 0..100, egui::pos2(102.0, 99.0), screen);
        assert_eq!(near, Some(51));
        // Far from anything flagged: the nearest on screen, in 2D.
        assert_eq!(pick(egui::pos2(30.6, 100.0), &votes), Some(15));
        // Only visible points are picked.
        assert_eq!(
            pick_at(&points, &votes, 6, 60..100, egui::pos2(0.0, 100.0), screen),
            Some(60)
        );
        assert_eq!(
            pick_at(&points, &votes, 6, 0..0, egui::pos2(0.0, 0.0), screen),
            None
        );
    }
}
