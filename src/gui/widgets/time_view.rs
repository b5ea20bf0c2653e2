//! One time view for every time-based chart: the visible range in µs, zoom at the
//! cursor, pan, box zoom, fit, focus on an interval, a zoom history (back and
//! forward), the pointer handling that drives them, the time axis in the chosen
//! time zone, and the linked hover cursor. Charts of one document share one.

use egui::{Align2, FontId, PointerButton, Pos2, Rect, Stroke, Vec2};

use crate::coverage::timeline::Interval;
use crate::gui::widgets::axis::TimeZoneChoice;
use crate::gui::widgets::axis::{tick_label, time_marks};
use crate::time::HOUR_US;

/// The shortest span shown, µs.
pub const MIN_SPAN_US: f64 = 1_000.0;
/// The longest span shown, µs (about 30,000 years: an archive whose clock
/// jumped still fits).
pub const MAX_SPAN_US: f64 = 1e18;
/// Ranges kept for Back.
const HISTORY: usize = 100;
/// Wheel or pinch input this long after the last starts a new history step, s.
const GESTURE_GAP_S: f64 = 0.5;

/// A navigation step of a time view: what its keys, buttons and gestures
/// ask for (the app's commands map onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStep {
    /// Zoom in around the centre.
    ZoomIn,
    /// Zoom out around the centre.
    ZoomOut,
    /// Move a fifth of the width earlier.
    PanLeft,
    /// Move a fifth of the width later.
    PanRight,
    /// Back in the zoom history.
    Back,
    /// Forward in the zoom history.
    Forward,
    /// Show everything (the owner knows the extent).
    FitAll,
}

/// The visible time range and how the user moves it.
#[derive(Debug, Clone)]
pub struct TimeView {
    /// Visible range start, µs (f64: deep zoom needs it).
    pub t0: f64,
    /// Visible range end, µs.
    pub t1: f64,
    /// The view follows the data extent until the user moves it.
    pub auto_fit: bool,
    /// The time under the pointer in any chart of this view (the linked cursor).
    pub cursor_us: Option<f64>,
    back: Vec<(f64, f64)>,
    forward: Vec<(f64, f64)>,
    box_start: Option<Pos2>,
    last_wheel_s: f64,
}

impl Default for TimeView {
    fn default() -> Self {
        TimeView {
            t0: 0.0,
            t1: HOUR_US as f64,
            auto_fit: true,
            cursor_us: None,
            back: Vec::new(),
            forward: Vec::new(),
            box_start: None,
            last_wheel_s: f64::NEG_INFINITY,
        }
    }
}

impl TimeView {
    /// Visible span, µs.
    pub fn span(&self) -> f64 {
        self.t1 - self.t0
    }

    /// Shows `[a, b)` (clamped to sane spans), without a history step.
    pub fn set_range(&mut self, a: f64, b: f64) {
        if !(a.is_finite() && b.is_finite()) {
            return;
        }
        let (a, b) = if b > a { (a, b) } else { (b, a) };
        let mid = (a + b) / 2.0;
        let span = (b - a).clamp(MIN_SPAN_US, MAX_SPAN_US);
        self.t0 = mid - span / 2.0;
        self.t1 = mid + span / 2.0;
    }

    /// Shows `[a, b)` as the user or a script chose it: the view no longer
    /// fits itself to new data.
    pub fn pin(&mut self, a: f64, b: f64) {
        self.set_range(a, b);
        self.auto_fit = false;
    }

    /// Records the current range for Back (a navigation is about to happen).
    pub fn remember(&mut self) {
        let now = (self.t0, self.t1);
        if self.back.last() != Some(&now) {
            self.back.push(now);
            if self.back.len() > HISTORY {
                self.back.remove(0);
            }
        }
        self.forward.clear();
    }

    /// Shows `[a, b)` as a navigation step (Back returns here from the next one).
    pub fn navigate(&mut self, a: f64, b: f64) {
        self.remember();
        self.set_range(a, b);
        self.auto_fit = false;
    }

    /// Back to the range before the last navigation; false when there is none.
    pub fn back(&mut self) -> bool {
        let Some((a, b)) = self.back.pop() else {
            return false;
        };
        self.forward.push((self.t0, self.t1));
        (self.t0, self.t1) = (a, b);
        self.auto_fit = false;
        true
    }

    /// Forward again after [`TimeView::back`]; false when there is nothing.
    pub fn forward(&mut self) -> bool {
        let Some((a, b)) = self.forward.pop() else {
            return false;
        };
        self.back.push((self.t0, self.t1));
        (self.t0, self.t1) = (a, b);
        self.auto_fit = false;
        true
    }

    /// Where a box zoom being dragged started.
    pub fn box_start(&self) -> Option<Pos2> {
        self.box_start
    }

    /// Steps Back and Forward could take.
    pub fn history_len(&self) -> (usize, usize) {
        (self.back.len(), self.forward.len())
    }

    /// Zooms by `factor` (> 1 zooms in) keeping `at` in place.
    pub fn zoom_at(&mut self, at: f64, factor: f64) {
        if factor <= 0.0 || !factor.is_finite() {
            return;
        }
        let span = (self.span() / factor).clamp(MIN_SPAN_US, MAX_SPAN_US);
        let frac = ((at - self.t0) / self.span()).clamp(0.0, 1.0);
        self.t0 = at - frac * span;
        self.t1 = self.t0 + span;
        self.auto_fit = false;
    }

    /// Pans by a fraction of the visible span (positive: later).
    pub fn pan(&mut self, frac: f64) {
        let d = self.span() * frac;
        self.t0 += d;
        self.t1 += d;
        self.auto_fit = false;
    }

    /// Shows an interval with context on both sides (for holes), as a navigation.
    pub fn focus(&mut self, iv: Interval) {
        let len = (iv.end_us - iv.start_us) as f64;
        let pad = (len * 1.5).max(10_000_000.0);
        self.navigate(iv.start_us as f64 - pad, iv.end_us as f64 + pad);
    }

    /// Applies a navigation step; true when the view did it itself (fitting
    /// needs the document's extent: its owner does that).
    pub fn apply(&mut self, step: TimeStep) -> bool {
        let mid = (self.t0 + self.t1) / 2.0;
        match step {
            TimeStep::ZoomIn => {
                self.remember();
                self.zoom_at(mid, 1.5);
            }
            TimeStep::ZoomOut => {
                self.remember();
                self.zoom_at(mid, 1.0 / 1.5);
            }
            TimeStep::PanLeft => {
                self.remember();
                self.pan(-0.2);
            }
            TimeStep::PanRight => {
                self.remember();
                self.pan(0.2);
            }
            TimeStep::Back => {
                self.back();
            }
            TimeStep::Forward => {
                self.forward();
            }
            TimeStep::FitAll => return false,
        }
        true
    }

    /// The time at screen x in `plot`.
    pub fn time_at(&self, x: f32, plot: Rect) -> f64 {
        self.t0 + f64::from(x - plot.left()) / f64::from(plot.width().max(1.0)) * self.span()
    }

    /// The screen x of time `t` in `plot`.
    pub fn x_of(&self, t: f64, plot: Rect) -> f32 {
        plot.left() + ((t - self.t0) / self.span() * f64::from(plot.width().max(1.0))) as f32
    }

    /// Handles the pointer over a chart whose time axis spans `plot`: drag pans,
    /// right-drag box-zooms, wheel/pinch zooms at the cursor (or the wheel pans,
    /// without `scroll_zooms`), double-click fits, the mouse's back and forward
    /// buttons step through the history. Sets the linked cursor.
    pub fn interact(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        plot: Rect,
        scroll_zooms: bool,
        steps: &mut Vec<TimeStep>,
    ) {
        let width = f64::from(plot.width().max(1.0));
        if response.double_clicked() {
            steps.push(TimeStep::FitAll);
            return;
        }
        if response.hovered() {
            let (back, forward) = ui.input(|i| {
                (
                    i.pointer.button_pressed(PointerButton::Extra1),
                    i.pointer.button_pressed(PointerButton::Extra2),
                )
            });
            if back {
                steps.push(TimeStep::Back);
            }
            if forward {
                steps.push(TimeStep::Forward);
            }
        }
        if response.drag_started_by(PointerButton::Primary) {
            self.remember();
        }
        if response.dragged_by(PointerButton::Primary) {
            let dx = f64::from(response.drag_delta().x);
            if dx != 0.0 {
                self.pan(-dx / width);
            }
        }
        if response.drag_started_by(PointerButton::Secondary) {
            // The box starts where the button went down, not where the drag was noticed.
            self.box_start = ui
                .input(|i| i.pointer.press_origin())
                .or_else(|| response.interact_pointer_pos());
        }
        if response.drag_stopped_by(PointerButton::Secondary)
            && let (Some(a), Some(b)) = (self.box_start.take(), response.interact_pointer_pos())
            && (a.x - b.x).abs() > 3.0
        {
            let (ta, tb) = (self.time_at(a.x, plot), self.time_at(b.x, plot));
            self.navigate(ta.min(tb), ta.max(tb));
        }
        self.cursor_us = response
            .hover_pos()
            .filter(|p| plot.contains(*p))
            .map(|p| self.time_at(p.x, plot));
        let (Some(pos), true) = (response.hover_pos(), response.hovered()) else {
            return;
        };
        let at = self.time_at(pos.x, plot);
        let (zoom, scroll, now) = ui.input(|i| (i.zoom_delta(), i.smooth_scroll_delta(), i.time));
        if zoom != 1.0 || scroll != Vec2::ZERO {
            if now - self.last_wheel_s > GESTURE_GAP_S {
                self.remember();
            }
            self.last_wheel_s = now;
        }
        if zoom != 1.0 {
            self.zoom_at(at, f64::from(zoom));
        }
        if scroll != Vec2::ZERO {
            if scroll_zooms {
                self.zoom_at(at, f64::from((scroll.y * 0.004).exp()));
            } else {
                let d = if scroll.x != 0.0 { scroll.x } else { scroll.y };
                self.pan(-f64::from(d) / width);
            }
            ui.ctx().input_mut(|i| i.smooth_scroll_delta = Vec2::ZERO);
        }
    }

    /// Draws the time axis along the top of `plot` (`axis_h` tall) with grid lines
    /// down to its bottom.
    pub fn draw_axis(
        &self,
        painter: &egui::Painter,
        plot: Rect,
        axis_h: f32,
        tz: TimeZoneChoice,
        text: egui::Color32,
        grid: egui::Color32,
    ) {
        let (step, tick_list) = time_marks(self.t0, self.t1, plot.width().max(1.0));
        for t in &tick_list {
            let x = self.x_of(*t as f64, plot);
            painter.vline(
                x,
                plot.top() + axis_h - 5.0..=plot.bottom(),
                Stroke::new(1.0, grid),
            );
            painter.text(
                Pos2::new(x + 3.0, plot.top() + 2.0),
                Align2::LEFT_TOP,
                tick_label(*t, step, tz),
                FontId::proportional(11.0),
                text,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_and_forward_walk_the_navigation_history() {
        let mut v = TimeView::default();
        v.set_range(0.0, 100e6);
        v.navigate(10e6, 20e6);
        v.apply(TimeStep::ZoomIn);
        let zoomed = (v.t0, v.t1);
        assert!(v.back());
        assert_eq!((v.t0, v.t1), (10e6, 20e6));
        assert!(v.back());
        assert_eq!((v.t0, v.t1), (0.0, 100e6));
        assert!(!v.back(), "nothing before the first range");
        assert!(v.forward());
        assert!(v.forward());
        assert_eq!((v.t0, v.t1), zoomed);
        assert!(!v.forward());
        // A new navigation drops the forward steps.
        v.back();
        v.navigate(50e6, 60e6);
        assert_eq!(v.history_len().1, 0);
    }

    #[test]
    fn ranges_stay_sane() {
        let mut v = TimeView::default();
        v.set_range(5.0, 5.0);
        assert_eq!(v.span(), MIN_SPAN_US);
        v.set_range(0.0, f64::INFINITY);
        assert_eq!(v.span(), MIN_SPAN_US, "ignored");
        v.set_range(-9e18, 9e18);
        assert_eq!(v.span(), MAX_SPAN_US);
        let plot = Rect::from_min_size(Pos2::new(100.0, 0.0), Vec2::new(1000.0, 10.0));
        v.set_range(0.0, 1000.0 * 1e6);
        assert_eq!(v.time_at(600.0, plot), 500e6);
        assert_eq!(v.x_of(500e6, plot), 600.0);
    }
}
