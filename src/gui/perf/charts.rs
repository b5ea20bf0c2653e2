//! graph.py's chart (one stacked bar per node at its start, egui_plot) and the
//! distributions: a box plot per phase, a histogram of one phase (log counts on
//! a switch) with its p50/p95/max, the slowest nodes naming the phase to
//! blame, and image sizes with pull throughput.

use egui_plot::{Bar, BarChart, BoxElem, BoxPlot, BoxSpread, Legend, Plot, PlotPoint, Text, VLine};

use super::gantt::bar_colour;
use crate::gui::widgets::axis::{TimeZoneChoice, plot_time_axis, plot_time_grid};
use crate::perf::PoolTimings;
use crate::perf::lanes::BarWhat;
use crate::perf::summary::{Metric, SlowNode, Stats, metric_stats, slowest, stats};

/// The charts' state.
pub struct ChartsState {
    /// The phase of the histogram.
    pub histogram: Metric,
    /// Log counts.
    pub log_counts: bool,
    figures: Option<PoolFigures>,
}

impl Default for ChartsState {
    fn default() -> Self {
        ChartsState {
            histogram: Metric::Total,
            log_counts: false,
            figures: None,
        }
    }
}

/// One image's row of the images table.
struct ImageRow {
    name: String,
    nodes: usize,
    size: Option<u64>,
    pull_p50: Option<f64>,
    rate_p50: Option<f64>,
}

/// What the distributions view shows of one pool, computed once per pool
/// (every phase sorted, the slowest nodes, the images), not every frame.
struct PoolFigures {
    /// The pool it was computed for (its address: a reload brings a new one).
    pool: *const PoolTimings,
    stats: Vec<(Metric, Stats)>,
    slowest: Vec<SlowNode>,
    images: Vec<ImageRow>,
}

impl PoolFigures {
    fn of(pool: &PoolTimings) -> PoolFigures {
        PoolFigures {
            pool,
            stats: Metric::ALL
                .iter()
                .filter_map(|&m| Some((m, metric_stats(&pool.nodes, m)?)))
                .collect(),
            slowest: slowest(&pool.nodes, 15),
            images: image_rows(pool),
        }
    }

    fn stats_of(&self, metric: Metric) -> Option<Stats> {
        self.stats
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, s)| *s)
    }
}

impl ChartsState {
    /// Forgets the figures (a reload brings new data, perhaps at the old
    /// pool's address).
    pub fn forget_figures(&mut self) {
        self.figures = None;
    }

    /// The figures of `pool`, computed when the pool changed.
    fn figures(&mut self, pool: &PoolTimings) -> &PoolFigures {
        if !self
            .figures
            .as_ref()
            .is_some_and(|f| std::ptr::eq(f.pool, pool))
        {
            self.figures = Some(PoolFigures::of(pool));
        }
        self.figures.get_or_insert_with(|| PoolFigures::of(pool))
    }
}

/// graph.py's chart: per node at its start (s since the epoch), its docker
/// install, private registry, shipyard pull and global resources stacked.
pub fn phase_chart(ui: &mut egui::Ui, pool: &PoolTimings) {
    let placed: Vec<(f64, usize)> = pool
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| Some((n.start_us? as f64 / 1e6, i)))
        .collect();
    let (lo, hi) = placed.iter().fold((f64::MAX, f64::MIN), |(a, b), (t, _)| {
        (a.min(*t), b.max(*t))
    });
    // graph.py's box width: a hundredth of the start spread.
    let width = ((hi - lo) / 100.0).max(0.05);
    let mut charts: Vec<BarChart> = Vec::new();
    for m in Metric::STACKED {
        let bars: Vec<Bar> = placed
            .iter()
            .map(|&(t, i)| {
                let node = &pool.nodes[i];
                Bar::new(t, m.value(node).unwrap_or(0.0)).width(width)
            })
            .collect();
        let below: Vec<&BarChart> = charts.iter().collect();
        let chart = BarChart::new(m.label(), bars)
            .color(bar_colour(BarWhat::Phase(m)))
            // The hovered node's numbers come as a tooltip (below).
            .element_formatter(Box::new(|_, _| String::new()))
            .stack_on(&below);
        charts.push(chart);
    }
    ui.label(format!(
        "One bar per node at its node prep start (UTC); {} nodes. Hover a bar for its numbers.",
        placed.len()
    ));
    let plot_width = (ui.available_width() - 60.0).max(100.0);
    let shown = Plot::new("phase-chart")
        .legend(Legend::default())
        .custom_x_axes(vec![
            plot_time_axis(TimeZoneChoice::Utc).label("node prep start (UTC)"),
        ])
        .x_grid_spacer(plot_time_grid(plot_width))
        .y_axis_label("seconds")
        .label_formatter(|_| None)
        .show(ui, |plot| {
            for c in charts {
                plot.bar_chart(c);
            }
            plot.pointer_coordinate()
        });
    // The node under the pointer: its numbers in a tooltip, with a background
    // and kept on screen.
    if let Some(p) = shown.inner.filter(|_| shown.response.hovered())
        && let Some(&(_, i)) = placed
            .iter()
            .filter(|(t, _)| (t - p.x).abs() <= width / 2.0)
            .min_by(|a, b| (a.0 - p.x).abs().total_cmp(&(b.0 - p.x).abs()))
    {
        let node = &pool.nodes[i];
        let mut text = crate::text::shown(&node.node_id).into_owned();
        for m in Metric::STACKED.iter().chain([&Metric::Total]) {
            text.push_str(&format!(
                "\n{}: {}",
                m.label(),
                m.value(node)
                    .map_or_else(|| "unfinished".into(), |v| format!("{v:.3} s"))
            ));
        }
        shown.response.on_hover_text_at_pointer(text);
    }
}

/// The distributions view.
pub fn distributions(
    ui: &mut egui::Ui,
    pool: &PoolTimings,
    state: &mut ChartsState,
) -> Option<usize> {
    let mut select = None;
    let figures = state.figures(pool);
    let stats = figures.stats.clone();
    let slow = figures.slowest.clone();
    egui::Panel::right("slowest")
        .resizable(true)
        .default_size(360.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("Slowest nodes");
                ui.label("By total; the phase furthest above its median is to blame.");
                egui::Grid::new("slowest-grid")
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong("node");
                        ui.strong("total s");
                        ui.strong("slow in");
                        ui.end_row();
                        for s in &slow {
                            let node = &pool.nodes[s.index];
                            if ui
                                .link(crate::text::shown(&node.node_id))
                                .on_hover_text("Show it in the Gantt")
                                .clicked()
                            {
                                select = Some(s.index);
                            }
                            ui.label(format!("{:.3}", s.total));
                            ui.label(format!("{} (+{:.1} s)", s.blame.label(), s.excess));
                            ui.end_row();
                        }
                    });
                ui.separator();
                ui.heading("Images");
                if let Some(f) = &state.figures {
                    image_table(ui, &f.images);
                }
            });
        });
    ui.heading("Phases across nodes (seconds)");
    let boxes: Vec<BoxElem> = stats
        .iter()
        .enumerate()
        .map(|(i, (m, s))| {
            BoxElem::new(
                (stats.len() - i) as f64,
                BoxSpread::new(s.min, s.p25, s.p50, s.p75, s.max),
            )
            .name(format!(
                "{}: n={} min {:.3} p50 {:.3} p95 {:.3} max {:.3}",
                m.label(),
                s.count,
                s.min,
                s.p50,
                s.p95,
                s.max
            ))
            .fill(bar_colour(BarWhat::Phase(*m)).gamma_multiply(0.5))
            .stroke(egui::Stroke::new(1.0, bar_colour(BarWhat::Phase(*m))))
            .box_width(0.6)
        })
        .collect();
    // Each box is named at the end of its whisker.
    let labels: Vec<(f64, f64, &'static str)> = stats
        .iter()
        .enumerate()
        .map(|(i, (m, s))| ((stats.len() - i) as f64, s.max, m.label()))
        .collect();
    let half = ui.available_height() / 2.0;
    Plot::new("box-plots")
        .height(half)
        .show_y(false)
        .include_x(0.0)
        .include_x(stats.iter().map(|(_, s)| s.max).fold(0.0, f64::max) * 1.25)
        .y_axis_formatter(|_, _| String::new())
        .x_axis_label("seconds")
        .show(ui, |plot| {
            plot.box_plot(
                BoxPlot::new("phases", boxes)
                    .horizontal()
                    .element_formatter(Box::new(|e, _| e.name.clone())),
            );
            for (y, x, label) in labels {
                plot.text(
                    Text::new(label, PlotPoint::new(x, y), format!("  {label}"))
                        .anchor(egui::Align2::LEFT_CENTER),
                );
            }
        });
    ui.horizontal(|ui| {
        ui.label("Histogram of");
        egui::ComboBox::from_id_salt("histogram-metric")
            .selected_text(state.histogram.label())
            .show_ui(ui, |ui| {
                for m in Metric::ALL {
                    ui.selectable_value(&mut state.histogram, m, m.label());
                }
            });
        ui.checkbox(&mut state.log_counts, "log counts");
        if let Some(s) = state
            .figures
            .as_ref()
            .and_then(|f| f.stats_of(state.histogram))
        {
            ui.label(format!(
                "p50 {:.3} s · p95 {:.3} s · max {:.3} s · {} nodes",
                s.p50, s.p95, s.max, s.count
            ));
        }
    });
    let hist_stats = state
        .figures
        .as_ref()
        .and_then(|f| f.stats_of(state.histogram));
    histogram(ui, pool, state, hist_stats);
    select
}

fn histogram(ui: &mut egui::Ui, pool: &PoolTimings, state: &ChartsState, s: Option<Stats>) {
    let metric = state.histogram;
    let Some(s) = s else {
        ui.label("No node has this phase.");
        return;
    };
    let values: Vec<f64> = pool
        .nodes
        .iter()
        .filter_map(|n| metric.measured(n))
        .collect();
    let bins = 40usize;
    let width = ((s.max - s.min) / bins as f64).max(1e-6);
    let mut counts = vec![0usize; bins];
    for v in &values {
        let b = (((v - s.min) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let log = state.log_counts;
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let h = if log {
                (c as f64 + 1.0).log10()
            } else {
                c as f64
            };
            Bar::new(s.min + (i as f64 + 0.5) * width, h)
                .width(width)
                .name(format!(
                    "{:.3}–{:.3} s: {c} nodes",
                    s.min + i as f64 * width,
                    s.min + (i + 1) as f64 * width
                ))
        })
        .collect();
    Plot::new("histogram")
        .legend(Legend::default())
        .y_axis_label(if log { "log10(nodes + 1)" } else { "nodes" })
        .x_axis_label(format!("{} (s)", metric.label()))
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new(metric.label(), bars)
                    .color(bar_colour(BarWhat::Phase(metric)))
                    .element_formatter(Box::new(|b, _| b.name.clone())),
            );
            for (name, x, colour) in [
                ("p50", s.p50, egui::Color32::from_rgb(0x08, 0x30, 0x6b)),
                ("p95", s.p95, egui::Color32::from_rgb(0xd6, 0x27, 0x28)),
                ("max", s.max, egui::Color32::GRAY),
            ] {
                plot.vline(VLine::new(name, x).color(colour).width(1.5));
            }
        });
}

/// Per image: nodes, size, median pull and median pull throughput.
fn image_rows(pool: &PoolTimings) -> Vec<ImageRow> {
    let mut names: Vec<&str> = Vec::new();
    for n in &pool.nodes {
        for i in &n.images {
            if !names.contains(&i.img.as_str()) {
                names.push(&i.img);
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            let imgs: Vec<&crate::perf::timings::ImageTimings> = pool
                .nodes
                .iter()
                .flat_map(|n| n.images.iter())
                .filter(|i| i.img == name)
                .collect();
            ImageRow {
                name: name.to_string(),
                nodes: imgs.len(),
                size: imgs.iter().find_map(|i| i.size_bytes),
                pull_p50: stats(imgs.iter().filter_map(|i| i.pull.seconds())).map(|s| s.p50),
                rate_p50: stats(
                    imgs.iter()
                        .filter_map(|i| crate::export::timing::throughput(i.size_bytes, &i.pull)),
                )
                .map(|s| s.p50),
            }
        })
        .collect()
}

fn image_table(ui: &mut egui::Ui, rows: &[ImageRow]) {
    egui::Grid::new("images-grid").striped(true).show(ui, |ui| {
        ui.strong("image");
        ui.strong("nodes");
        ui.strong("MB");
        ui.strong("pull p50 s");
        ui.strong("MB/s p50");
        ui.end_row();
        for r in rows {
            ui.label(crate::text::shown(&r.name));
            ui.label(r.nodes.to_string());
            ui.label(
                r.size
                    .map_or_else(|| "?".into(), |b| format!("{:.1}", b as f64 / 1e6)),
            );
            ui.label(r.pull_p50.map_or_else(|| "–".into(), |p| format!("{p:.2}")));
            ui.label(
                r.rate_p50
                    .map_or_else(|| "–".into(), |p| format!("{:.1}", p / 1e6)),
            );
            ui.end_row();
        }
    });
}
