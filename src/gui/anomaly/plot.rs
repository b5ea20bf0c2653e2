//! The selected series plotted (egui_plot): its values as a line, reduced
//! to the lowest and highest value per pixel column when the visible part
//! holds more points than the plot has columns; the points the scan found
//! anomalous marked; the judged window shaded; the anomaly score as a band
//! under it. Both plots show the document's time view (in seconds) and its
//! linked cursor, so an archive's timeline and this plot move together.

use egui::Color32;
use egui_plot::{Line, MarkerShape, Plot, PlotBounds, PlotPoints, Points, Polygon, VLine};

use crate::anomaly::run::Scanned;
use crate::anomaly::scan::ScanWindow;
use crate::anomaly::series::min_max_per_column;
use crate::gui::widgets::time_view::TimeView;

/// The colour of anomalous points.
pub const ANOMALY: Color32 = Color32::from_rgb(220, 50, 47);
/// The colour of the score band.
pub const SCORE: Color32 = Color32::from_rgb(203, 75, 22);
/// The colour of the judged window.
const WINDOW: Color32 = Color32::from_rgba_premultiplied(10, 36, 55, 40);

/// Where the window of point `index` begins, s.
fn window_start(s: &Scanned, index: usize, window: ScanWindow) -> f64 {
    let points = &s.series.points;
    let t = points[index].0 as f64 / 1e6;
    match window {
        ScanWindow::Duration(d) => t - d,
        ScanWindow::Points(n) => points[(index + 1).saturating_sub(n)].0 as f64 / 1e6,
    }
}

/// What the user did in the plots.
#[derive(Debug, Default)]
pub struct PlotAction {
    /// A point was clicked: its index.
    pub picked: Option<usize>,
}

/// Draws the series and its score over `time`; `judged` is the point whose
/// window is shaded (the picked one, or the last).
pub fn series_plots(
    ui: &mut egui::Ui,
    s: &Scanned,
    consensus: usize,
    window: ScanWindow,
    judged: usize,
    time: &mut TimeView,
) -> PlotAction {
    let mut action = PlotAction::default();
    let points = &s.series.points;
    if points.is_empty() {
        ui.label("No points.");
        return action;
    }
    let (lo, hi) = (time.t0 / 1e6, time.t1 / 1e6);
    let columns = ui.available_width().max(100.0) as usize;
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
    let judged = judged.min(points.len() - 1);
    let (w0, w1) = (
        window_start(s, judged, window),
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
        .x_axis_formatter(|mark, _| clock(mark.value))
        .allow_double_click_reset(false)
        .show(ui, |p| {
            p.set_plot_bounds(PlotBounds::from_min_max([lo, ymin - pad], [hi, ymax + pad]));
            p.polygon(shade);
            p.line(Line::new(s.series.name.clone(), PlotPoints::from(line)).width(1.5));
            p.points(
                Points::new("anomalous (scan)", PlotPoints::from(anomalous))
                    .color(ANOMALY)
                    .radius(4.0)
                    .shape(MarkerShape::Circle),
            );
            if let Some(c) = cursor {
                p.vline(VLine::new("cursor", c).color(Color32::GRAY));
            }
            p.pointer_coordinate()
        });
    let pointer = values.inner;
    let clicked = values.response.clicked();
    follow(
        time,
        &values.response,
        *values.transform.bounds(),
        lo,
        hi,
        pointer.map(|p| p.x),
    );
    if clicked && let Some(p) = pointer {
        let t_us = (p.x * 1e6) as i64;
        let i = points.partition_point(|q| q.0 < t_us).min(points.len() - 1);
        let nearer = if i > 0 && (points[i - 1].0 - t_us).abs() < (points[i].0 - t_us).abs() {
            i - 1
        } else {
            i
        };
        action.picked = Some(nearer);
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
        .x_axis_formatter(|mark, _| clock(mark.value))
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
    if moved && b > a {
        time.set_range(a * 1e6, b * 1e6);
        time.auto_fit = false;
    }
    if response.hovered() {
        time.cursor_us = pointer_s.map(|s| s * 1e6);
    }
}

/// Seconds since the epoch as a short UTC time for the axis.
fn clock(secs: f64) -> String {
    chrono::DateTime::from_timestamp_micros((secs * 1e6) as i64)
        .map(|t| t.format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
