//! The per-node Gantt on the document's time view: one row per node, its
//! phases and per-image bars on sub-lanes ([`crate::perf::lanes`]), open bars
//! for unfinished phases; sortable by start, total or any phase, filterable by
//! node name. Only the rows in view are laid out and drawn, and bars narrower
//! than a pixel are drawn one pixel wide, so 10,000 nodes cost what the 40
//! visible ones cost.

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};

use crate::gui::shell::command::AppCommand;
use crate::gui::shell::settings::Settings;
use crate::gui::shell::theme::Palette;
use crate::gui::widgets::time_view::TimeView;
use crate::perf::PoolTimings;
use crate::perf::lanes::{BarWhat, node_bars};
use crate::perf::summary::Metric;
use crate::perf::timings::NodeTimings;

/// Height of one node's row.
pub const ROW_H: f32 = 22.0;
const LABEL_W: f32 = 240.0;
const AXIS_H: f32 = 22.0;

/// What the rows are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Node prep start (earliest first).
    Start,
    /// A metric (slowest first).
    Metric(Metric),
}

impl SortBy {
    /// Every order, in menu order.
    pub fn all() -> Vec<SortBy> {
        std::iter::once(SortBy::Start)
            .chain(Metric::ALL.iter().map(|&m| SortBy::Metric(m)))
            .collect()
    }

    /// Menu text.
    pub fn label(self) -> String {
        match self {
            SortBy::Start => "start".into(),
            SortBy::Metric(m) => m.label().into(),
        }
    }
}

/// The colour of a bar.
pub fn bar_colour(what: BarWhat) -> Color32 {
    let m = match what {
        BarWhat::Phase(m) | BarWhat::Image { phase: m, .. } => m,
    };
    match m {
        Metric::Nodeprep => Color32::from_rgb(0x8c, 0x9e, 0xb5),
        Metric::DockerInstall => Color32::from_rgb(0x1f, 0x77, 0xb4),
        Metric::PrivateRegistrySetup => Color32::from_rgb(0xff, 0x7f, 0x0e),
        Metric::ShipyardContainerPull => Color32::from_rgb(0x2c, 0xa0, 0x2c),
        Metric::GlobalResourcesLoaded => Color32::from_rgb(0x94, 0x67, 0xbd),
        Metric::Pull => Color32::from_rgb(0x17, 0xbe, 0xcf),
        Metric::Save => Color32::from_rgb(0x8c, 0x56, 0x4b),
        Metric::Torrent => Color32::from_rgb(0xe3, 0x77, 0xc2),
        Metric::Load => Color32::from_rgb(0xbc, 0xbd, 0x22),
        Metric::Total => Color32::GRAY,
    }
}

/// The Gantt's state.
pub struct GanttView {
    /// Row order.
    pub sort: SortBy,
    /// Only nodes whose id contains this.
    pub filter: String,
    /// The selected node (index into the pool's nodes).
    pub selected: Option<usize>,
    /// Bring the selected node's row into view on the next frame.
    pub reveal: bool,
    /// First row shown.
    pub first_row: usize,
    /// Nodes whose rows were drawn last frame (for tests and benchmarks).
    pub drawn_rows: Vec<usize>,
    /// Bars drawn last frame.
    pub drawn_bars: usize,
    order: Vec<usize>,
    order_key: Option<(usize, SortBy, String, usize)>,
}

impl Default for GanttView {
    fn default() -> Self {
        GanttView {
            sort: SortBy::Start,
            filter: String::new(),
            selected: None,
            reveal: false,
            first_row: 0,
            drawn_rows: Vec::new(),
            drawn_bars: 0,
            order: Vec::new(),
            order_key: None,
        }
    }
}

/// What a row shows beside its node when the rows are sorted by a metric: the
/// node's value of it, or that it never finished.
pub fn sorted_value(sort: SortBy, node: &NodeTimings) -> Option<String> {
    let SortBy::Metric(m) = sort else {
        return None;
    };
    Some(
        m.value(node)
            .map_or_else(|| "unfinished".to_string(), |v| format!("{v:.1} s")),
    )
}

/// The nodes of `pool` matching `filter`, ordered by `sort` (ties by start).
pub fn node_order(pool: &PoolTimings, sort: SortBy, filter: &str) -> Vec<usize> {
    let filter = filter.trim().to_lowercase();
    let mut order: Vec<usize> = (0..pool.nodes.len())
        .filter(|&i| filter.is_empty() || pool.nodes[i].node_id.to_lowercase().contains(&filter))
        .collect();
    if let SortBy::Metric(m) = sort {
        // Slowest first; unknown (unfinished) values first of all, they are
        // the ones to look at.
        let key = |i: &usize| m.value(&pool.nodes[*i]).unwrap_or(f64::INFINITY);
        order.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.cmp(b)));
    }
    order
}

impl GanttView {
    /// Selects node `index` and brings its row into view (clearing a filter
    /// that hides it).
    pub fn select(&mut self, index: usize) {
        self.selected = Some(index);
        self.reveal = true;
    }

    /// The row order for `pool` (recomputed when the sort, filter or pool change).
    pub fn order(&mut self, pool: &PoolTimings, pool_index: usize) -> &[usize] {
        let key = (pool_index, self.sort, self.filter.clone(), pool.nodes.len());
        if self.order_key.as_ref() != Some(&key) {
            self.order = node_order(pool, self.sort, &self.filter);
            self.order_key = Some(key);
        }
        &self.order
    }

    /// The controls above the rows: sort, filter, the row count.
    pub fn controls(&mut self, ui: &mut egui::Ui, shown: usize, total: usize) {
        ui.horizontal(|ui| {
            let label = ui.label("Sort by");
            egui::ComboBox::from_id_salt("gantt-sort")
                .selected_text(self.sort.label())
                .show_ui(ui, |ui| {
                    for s in SortBy::all() {
                        if ui.selectable_label(self.sort == s, s.label()).clicked() {
                            self.sort = s;
                            self.first_row = 0;
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.label("Filter");
            if ui
                .add(
                    egui::TextEdit::singleline(&mut self.filter)
                        .hint_text("node id")
                        .desired_width(180.0),
                )
                .changed()
            {
                self.first_row = 0;
            }
            ui.label(format!("{shown} of {total} nodes"));
            ui.separator();
            for (what, label) in [
                (BarWhat::Phase(Metric::Nodeprep), "node prep"),
                (BarWhat::Phase(Metric::DockerInstall), "docker install"),
                (BarWhat::Phase(Metric::PrivateRegistrySetup), "registry"),
                (
                    BarWhat::Phase(Metric::ShipyardContainerPull),
                    "shipyard pull",
                ),
                (
                    BarWhat::Phase(Metric::GlobalResourcesLoaded),
                    "global resources",
                ),
                (BarWhat::Phase(Metric::Pull), "pull"),
                (BarWhat::Phase(Metric::Save), "save"),
                (BarWhat::Phase(Metric::Torrent), "torrent"),
                (BarWhat::Phase(Metric::Load), "load"),
            ] {
                let (swatch, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
                ui.painter().rect_filled(swatch, 1.0, bar_colour(what));
                ui.label(egui::RichText::new(label).small());
            }
            ui.label(egui::RichText::new("(pale: unfinished)").small());
        });
    }

    /// Draws the rows of `pool` in `order` over the time view and handles the
    /// pointer (the time axis pans and zooms; the wheel over the node names,
    /// Page Up/Down and the slider scroll the rows; a click selects a node).
    #[allow(clippy::too_many_arguments)]
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        pool: &PoolTimings,
        pool_index: usize,
        time: &mut TimeView,
        settings: &Settings,
        commands: &mut Vec<AppCommand>,
    ) {
        self.order(pool, pool_index);
        // Borrowed out of `self` for the frame (no copy of 10,000 indices),
        // put back at the end.
        let order = std::mem::take(&mut self.order);
        let total_rows = order.len();
        self.controls(ui, total_rows, pool.nodes.len());
        let palette = Palette::of(ui.ctx());
        let avail = ui.available_size();
        let visible = (((avail.y - AXIS_H) / ROW_H).floor() as usize).max(1);
        let max_first = total_rows.saturating_sub(visible);
        if self.reveal {
            self.reveal = false;
            if let Some(sel) = self.selected {
                let pos = order.iter().position(|&i| i == sel).or_else(|| {
                    self.filter.clear();
                    None
                });
                if let Some(pos) = pos {
                    if pos < self.first_row || pos >= self.first_row + visible {
                        self.first_row = pos.saturating_sub(visible / 2);
                    }
                } else {
                    self.reveal = true; // the filter was cleared: next frame
                }
            }
        }
        let (rect, response) = ui.allocate_exact_size(
            Vec2::new(avail.x - 18.0, avail.y.max(AXIS_H + ROW_H)),
            Sense::click_and_drag(),
        );
        let slider_rect = Rect::from_min_max(
            Pos2::new(rect.right() + 2.0, rect.top() + AXIS_H),
            Pos2::new(rect.right() + 18.0, rect.bottom()),
        );
        let plot = Rect::from_min_max(Pos2::new(rect.left() + LABEL_W, rect.top()), rect.max);
        let over_labels = response
            .hover_pos()
            .is_some_and(|p| p.x < rect.left() + LABEL_W);
        if over_labels {
            let dy = ui.input(|i| i.smooth_scroll_delta.y);
            if dy != 0.0 {
                let rows = (-dy / ROW_H).round() as i64;
                self.first_row = (self.first_row as i64 + rows).clamp(0, max_first as i64) as usize;
            }
        } else {
            let mut steps = Vec::new();
            time.interact(ui, &response, plot, settings.scroll_zooms, &mut steps);
            commands.extend(steps.into_iter().map(AppCommand::from));
        }
        if response.hovered() {
            ui.input(|i| {
                if i.key_pressed(egui::Key::PageDown) {
                    self.first_row = (self.first_row + visible).min(max_first);
                }
                if i.key_pressed(egui::Key::PageUp) {
                    self.first_row = self.first_row.saturating_sub(visible);
                }
            });
        }
        self.first_row = self.first_row.min(max_first);
        if max_first > 0 {
            let mut row = max_first - self.first_row;
            let slider = egui::Slider::new(&mut row, 0..=max_first)
                .vertical()
                .show_value(false);
            if ui
                .put(slider_rect, slider)
                .on_hover_text("Scroll the nodes")
                .changed()
            {
                self.first_row = max_first - row;
            }
        }

        let painter = ui.painter_at(rect);
        time.draw_axis(
            &painter,
            plot,
            AXIS_H,
            settings.time_zone,
            palette.text,
            palette.grid,
        );
        let hover = response.hover_pos();
        let mut tooltip: Option<String> = None;
        let mut clicked_node = None;
        self.drawn_rows.clear();
        self.drawn_bars = 0;
        let (t0, t1) = (time.t0, time.t1);
        for (slot, &index) in order.iter().skip(self.first_row).take(visible).enumerate() {
            let node = &pool.nodes[index];
            let top = rect.top() + AXIS_H + slot as f32 * ROW_H;
            let row = Rect::from_min_max(
                Pos2::new(rect.left(), top),
                Pos2::new(rect.right(), top + ROW_H),
            );
            if self.selected == Some(index) {
                painter.rect_filled(row, 0.0, palette.grid.gamma_multiply(0.6));
            } else if slot % 2 == 1 {
                painter.rect_filled(row, 0.0, palette.lane_bg.gamma_multiply(0.5));
            }
            painter.text(
                Pos2::new(rect.left() + 4.0, top + ROW_H / 2.0),
                Align2::LEFT_CENTER,
                crate::text::shown(&node.node_id),
                FontId::proportional(11.0),
                palette.text,
            );
            // Sorted by a metric: each row says its value.
            if let Some(value) = sorted_value(self.sort, node) {
                painter.text(
                    Pos2::new(rect.left() + LABEL_W - 8.0, top + ROW_H / 2.0),
                    Align2::RIGHT_CENTER,
                    value,
                    FontId::monospace(11.0),
                    palette.text,
                );
            }
            self.drawn_rows.push(index);
            let laid = node_bars(node);
            let sub_h = ((ROW_H - 4.0) / laid.lanes as f32).min(12.0);
            for bar in &laid.bars {
                if (bar.end_us as f64) < t0 || (bar.start_us as f64) > t1 {
                    continue; // culled: outside the time range
                }
                let x0 = time.x_of(bar.start_us as f64, plot).max(plot.left());
                let x1 = time
                    .x_of(bar.end_us as f64, plot)
                    .min(plot.right())
                    .max(x0 + 1.0);
                let y0 = top + 2.0 + bar.lane as f32 * sub_h;
                let r = Rect::from_min_max(Pos2::new(x0, y0), Pos2::new(x1, y0 + sub_h - 1.0));
                let colour = bar_colour(bar.what);
                if bar.open {
                    painter.rect_filled(r, 0.0, colour.gamma_multiply(0.35));
                    painter.rect_stroke(r, 0.0, Stroke::new(1.0, colour), egui::StrokeKind::Inside);
                } else {
                    painter.rect_filled(r, 0.0, colour);
                }
                self.drawn_bars += 1;
                if hover.is_some_and(|p| r.expand(1.0).contains(p)) {
                    tooltip = Some(bar_text(node, bar));
                }
            }
            if response.clicked() && hover.is_some_and(|p| row.contains(p)) {
                clicked_node = Some(index);
            }
            if tooltip.is_none() && hover.is_some_and(|p| row.contains(p) && p.x < plot.left()) {
                tooltip = Some(node_text(node));
            }
        }
        if total_rows == 0 {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "No node matches the filter",
                FontId::proportional(13.0),
                palette.text,
            );
        }
        if let Some(i) = clicked_node {
            self.selected = Some(i);
        }
        if let Some(text) = tooltip {
            response.on_hover_text_at_pointer(text);
        }
        self.order = order;
    }
}

/// A bar's tooltip.
fn bar_text(node: &NodeTimings, bar: &crate::perf::lanes::Bar) -> String {
    let what = match bar.what {
        BarWhat::Phase(m) => m.label().to_string(),
        BarWhat::Image { index, phase } => {
            let img = &node.images[index];
            let size = img
                .size_bytes
                .map(|b| format!(", {:.1} MB", b as f64 / 1e6))
                .unwrap_or_default();
            format!("{} {}{size}", phase.key(), crate::text::shown(&img.img))
        }
    };
    let length = if bar.open {
        format!(
            "unfinished (no end event; {} until the node's last event)",
            crate::gui::widgets::axis::human_duration(bar.end_us - bar.start_us)
        )
    } else {
        crate::gui::widgets::axis::human_duration(bar.end_us - bar.start_us)
    };
    format!(
        "{}\n{what}: {length}\nfrom {}",
        crate::text::shown(&node.node_id),
        crate::time::format_iso(bar.start_us)
    )
}

/// A node's tooltip: its start and every metric.
fn node_text(node: &crate::perf::timings::NodeTimings) -> String {
    let mut s = format!(
        "{}\nstart {}",
        crate::text::shown(&node.node_id),
        node.start_us
            .map(crate::time::format_iso)
            .unwrap_or_else(|| "unknown".into())
    );
    for m in Metric::ALL {
        match m.value(node) {
            Some(v) => s.push_str(&format!("\n{}: {v:.3} s", m.label())),
            None => s.push_str(&format!("\n{}: unfinished", m.label())),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::timings::Phase;

    #[test]
    fn rows_sorted_by_a_metric_say_its_value() {
        let s = 1_000_000;
        let mut node = NodeTimings {
            node_id: "tvm-1".into(),
            start_us: Some(0),
            nodeprep: Phase::done(0, 12 * s),
            docker_install: Phase::done(0, 12 * s),
            private_registry_setup: Phase::Absent,
            shipyard_container_pull: Phase::Absent,
            global_resources_loaded: Phase::done(12 * s, 30 * s + s / 2),
            images: Vec::new(),
            last_event_us: 43 * s,
        };
        assert_eq!(sorted_value(SortBy::Start, &node), None);
        assert_eq!(
            sorted_value(SortBy::Metric(Metric::Total), &node).as_deref(),
            Some("42.5 s")
        );
        node.global_resources_loaded = Phase::Open { start_us: 12 * s };
        assert_eq!(
            sorted_value(SortBy::Metric(Metric::Total), &node).as_deref(),
            Some("unfinished")
        );
    }
}
