//! The fleet's views: the lanes (per stream one lane per node and the union,
//! with the statistics of the range on screen per node), the node-by-hour
//! matrix, the Plan tab, and the status bar with each node's progress.

use egui::{Color32, RichText, Sense, Vec2};

use super::{FleetDoc, FleetShown};
use crate::fleet::union::{covered_within, nodes_covering};
use crate::gui::archive::timeline::LaneSource;
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::job::{JobState, progress_ui};
use crate::gui::shell::views::{BottomTab, KindPart, MainView, ViewContext};
use crate::gui::widgets::axis::{full_time, human_duration};
use crate::text::{counted, shown};
use crate::time::{HOUR_US, format_hour, us_to_secs};

/// The colour of a coverage share (0 to 1): red for none, green for whole.
fn share_colour(share: f64) -> Color32 {
    let s = share.clamp(0.0, 1.0);
    if s >= 0.9999 {
        return Color32::from_rgb(0x2c, 0xa0, 0x2c);
    }
    let r = (0xd6 as f64 * (1.0 - s) + 0xff as f64 * s * 0.6) as u8;
    let g = (0x27 as f64 * (1.0 - s) + 0xc0 as f64 * s) as u8;
    Color32::from_rgb(r, g, 0x28)
}

impl FleetDoc {
    /// The stream shown: one, or every stream.
    fn stream_ui(&mut self, ui: &mut egui::Ui) {
        let Some(FleetShown { report, .. }) = &self.shown else {
            return;
        };
        let name = |i: usize| {
            report
                .union
                .get(i)
                .map(|u| format!("{}/{}", u.channel, u.quality))
                .unwrap_or_default()
        };
        let mut chosen = self.stream;
        ui.horizontal(|ui| {
            let label = ui.label("Stream");
            egui::ComboBox::from_id_salt("fleet-stream")
                .selected_text(chosen.map_or_else(|| "every stream".to_string(), name))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut chosen, None, "every stream");
                    for i in 0..report.union.len() {
                        ui.selectable_value(&mut chosen, Some(i), shown(&name(i)).into_owned());
                    }
                })
                .response
                .labelled_by(label.id);
        });
        if chosen != self.stream {
            self.stream = chosen;
            self.timeline.invalidate_rasters();
        }
    }

    /// The side list of nodes: shown or hidden, order, progress or error.
    fn nodes_ui(&mut self, ui: &mut egui::Ui) {
        self.stream_ui(ui);
        ui.strong("Nodes");
        let order = self.order.clone();
        for (place, &i) in order.iter().enumerate() {
            let Some(node) = self.nodes.get(i).cloned() else {
                continue;
            };
            ui.horizontal(|ui| {
                let mut shown_lane = !self.hidden.get(i).copied().unwrap_or(false);
                if ui
                    .checkbox(&mut shown_lane, shown(&node.name).into_owned())
                    .on_hover_text("Show this node's lanes")
                    .changed()
                {
                    if let Some(h) = self.hidden.get_mut(i) {
                        *h = !shown_lane;
                    }
                    self.timeline.invalidate_rasters();
                }
                if ui
                    .add_enabled(place > 0, egui::Button::new("up").small())
                    .on_hover_text(format!("Move {} up", node.name))
                    .clicked()
                {
                    self.move_node(i, -1);
                }
                if ui
                    .add_enabled(place + 1 < order.len(), egui::Button::new("down").small())
                    .on_hover_text(format!("Move {} down", node.name))
                    .clicked()
                {
                    self.move_node(i, 1);
                }
            });
            match (&node.error, node.finished) {
                (Some(e), _) => {
                    ui.colored_label(
                        Color32::from_rgb(0xe0, 0x50, 0x50),
                        format!("unreachable: {}", shown(e)),
                    )
                    .on_hover_text(e);
                }
                (None, true) => {
                    ui.weak(format!("read: {}", counted(node.total as u64, "hour")));
                }
                (None, false) => {
                    let frac = if node.total > 0 {
                        node.done as f32 / node.total as f32
                    } else {
                        0.0
                    };
                    ui.add(
                        egui::ProgressBar::new(frac)
                            .desired_width(140.0)
                            .text(format!("{}/{} hours", node.done, node.total)),
                    );
                }
            }
        }
    }

    /// The streams the lanes show: the union's once every node is read, the
    /// streams of the nodes read so far before.
    fn lane_streams(&self) -> Vec<(String, String)> {
        if let Some(FleetShown { report, .. }) = &self.shown {
            return report
                .union
                .iter()
                .map(|u| (u.channel.clone(), u.quality.clone()))
                .collect();
        }
        let mut streams: Vec<(String, String)> = self
            .nodes
            .iter()
            .filter_map(|n| n.analysis.as_ref())
            .flat_map(|a| {
                a.streams
                    .iter()
                    .map(|s| (s.channel.clone(), s.quality.clone()))
            })
            .collect();
        streams.sort();
        streams.dedup();
        streams
    }

    /// Per stream one lane per node read (in the nodes' order, hidden ones
    /// left out), then the union's once every node is read; the hover names
    /// the nodes that have the time under the pointer.
    fn lanes_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewContext<'_>) {
        let streams = self.lane_streams();
        if streams.is_empty() {
            ui.label(if self.is_reading() {
                "Listing the nodes…"
            } else {
                "Nothing to show (see the status bar)."
            });
            return;
        }
        let mut lanes = Vec::new();
        let mut lane_streams = Vec::new();
        for (si, (c, q)) in streams.iter().enumerate() {
            if self.stream.is_some_and(|s| s != si) {
                continue;
            }
            for &ni in &self.order {
                if self.hidden.get(ni).copied().unwrap_or(false) {
                    continue;
                }
                let Some(node) = self.nodes.get(ni) else {
                    continue;
                };
                let Some(a) = &node.analysis else { continue };
                if let Some(s) = a.stream(c, q) {
                    lanes.push(LaneSource::Labelled(s, format!("{} · {c}/{q}", node.name)));
                    lane_streams.push(si);
                }
            }
            if let Some(union) = self.shown.as_ref().and_then(|f| f.unions.get(si)) {
                lanes.push(LaneSource::Labelled(union, format!("union · {c}/{q}")));
                lane_streams.push(si);
            }
        }
        let response = self
            .timeline
            .ui(ui, cx.time, &lanes, cx.settings, cx.commands);
        drop(lanes);
        self.lanes = lane_streams;
        if let Some(h) = self.timeline.hover
            && let Some(FleetShown { report, .. }) = &self.shown
            && let Some(&si) = self.lanes.get(h.lane)
            && let Some((c, q)) = streams.get(si)
        {
            let have = nodes_covering(&report.fleet, c, q, h.time_us as i64);
            let lacking: Vec<&str> = report
                .fleet
                .nodes
                .iter()
                .map(|n| n.spec.name.as_str())
                .filter(|n| !have.iter().any(|h| h == n))
                .collect();
            let text = format!(
                "{c}/{q} at {}\nhas it: {}\nlacks it: {}",
                full_time(h.time_us as i64, cx.settings.time_zone),
                if have.is_empty() {
                    "no node".to_string()
                } else {
                    have.join(", ")
                },
                if lacking.is_empty() {
                    "no node".to_string()
                } else {
                    lacking.join(", ")
                },
            );
            response.on_hover_text_at_pointer(text);
        }
    }

    /// Per node, what the range on screen holds: covered time, holes, segments.
    fn range_stats_ui(&self, ui: &mut egui::Ui, cx: &ViewContext<'_>) {
        let Some(FleetShown { report, unions }) = &self.shown else {
            return;
        };
        let (a, b) = (cx.time.t0 as i64, cx.time.t1 as i64);
        let chosen = self.stream.and_then(|i| report.union.get(i));
        ui.separator();
        ui.label(
            RichText::new(format!(
                "On screen: {} to {} ({})",
                full_time(cx.time.t0 as i64, cx.settings.time_zone),
                full_time(cx.time.t1 as i64, cx.settings.time_zone),
                human_duration(cx.time.span() as i64)
            ))
            .strong(),
        );
        egui::Grid::new("fleet-range-stats")
            .striped(true)
            .show(ui, |ui| {
                for h in ["node", "covered s", "%", "holes", "segments"] {
                    ui.strong(h);
                }
                ui.end_row();
                let span = (b - a).max(1) as f64;
                let row = |ui: &mut egui::Ui,
                           name: &str,
                           streams: &[&crate::analysis::StreamAnalysis]| {
                    let covered: i64 = streams
                        .iter()
                        .map(|s| covered_within(&s.coverage.raw_union, a, b))
                        .sum();
                    let holes: usize = streams
                        .iter()
                        .map(|s| {
                            s.coverage
                                .raw_holes
                                .iter()
                                .filter(|h| h.end_us > a && h.start_us < b)
                                .count()
                        })
                        .sum();
                    let segments: usize = streams
                        .iter()
                        .flat_map(|s| &s.hours)
                        .filter(|h| h.hour_start_us < b && h.hour_start_us + HOUR_US > a)
                        .flat_map(|h| &h.best)
                        .filter(|s| s.start_us < b && s.end_us() > a)
                        .count();
                    ui.label(shown(name).into_owned());
                    ui.label(format!("{:.1}", us_to_secs(covered)));
                    ui.label(format!(
                        "{:.2}",
                        100.0 * covered as f64 / (span * streams.len().max(1) as f64)
                    ));
                    ui.label(holes.to_string());
                    ui.label(segments.to_string());
                    ui.end_row();
                };
                for &ni in &self.order {
                    let Some(node) = report.fleet.nodes.get(ni) else {
                        continue;
                    };
                    match &node.analysis {
                        Ok(an) => {
                            let streams: Vec<&crate::analysis::StreamAnalysis> = an
                                .streams
                                .iter()
                                .filter(|s| {
                                    chosen.is_none_or(|u| {
                                        s.channel == u.channel && s.quality == u.quality
                                    })
                                })
                                .collect();
                            row(ui, &node.spec.name, &streams);
                        }
                        Err(_) => {
                            ui.label(shown(&node.spec.name).into_owned());
                            ui.label("unreachable");
                            ui.end_row();
                        }
                    }
                }
                let all: Vec<&crate::analysis::StreamAnalysis> = unions
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| self.stream.is_none_or(|s| s == *i))
                    .map(|(_, u)| u)
                    .collect();
                row(ui, "union", &all);
            });
    }

    /// The node-by-hour matrix: a cell per node, stream and hour, coloured by
    /// its coverage; a click shows that hour in the lanes.
    fn matrix_ui(&self, ui: &mut egui::Ui, cx: &mut ViewContext<'_>) -> Option<MainView> {
        let Some(FleetShown { report, .. }) = &self.shown else {
            ui.label("The matrix appears when the nodes are read.");
            return None;
        };
        let mut goto = None;
        let cell = Vec2::new(16.0, 16.0);
        egui::ScrollArea::both().show(ui, |ui| {
            for u in &report.union {
                ui.strong(format!("{}/{}", u.channel, u.quality));
                // Per row (each node in order, then the union) its share of
                // every hour of the union (`None`: the node lacks the hour).
                let mut rows: Vec<(String, Vec<Option<f64>>)> = self
                    .order
                    .iter()
                    .filter_map(|&ni| report.fleet.nodes.get(ni))
                    .map(|n| {
                        let stream = n
                            .analysis
                            .as_ref()
                            .ok()
                            .and_then(|a| a.stream(&u.channel, &u.quality));
                        let shares = u
                            .hours
                            .iter()
                            .map(|h| {
                                stream?
                                    .coverage
                                    .hour(h.hour_start_us)
                                    .map(|f| f.raw_coverage_us as f64 / HOUR_US as f64)
                            })
                            .collect();
                        (n.spec.name.clone(), shares)
                    })
                    .collect();
                rows.push((
                    "union".to_string(),
                    u.hours
                        .iter()
                        .map(|h| Some(h.covered_us as f64 / HOUR_US as f64))
                        .collect(),
                ));
                // The hours over the columns: the hour of day, and the date
                // where a day begins.
                ui.horizontal(|ui| {
                    ui.add_space(120.0 + ui.spacing().item_spacing.x);
                    for h in &u.hours {
                        let (rect, _) = ui.allocate_exact_size(cell, Sense::hover());
                        let name = format_hour(h.hour_start_us);
                        let label = name.get(11..13).unwrap_or("?");
                        ui.painter().text(
                            rect.center(),
                            egui::Align2::CENTER_CENTER,
                            label,
                            egui::FontId::proportional(9.0),
                            ui.visuals().weak_text_color(),
                        );
                    }
                });
                for (name, shares) in &rows {
                    ui.horizontal(|ui| {
                        ui.add_sized(
                            [120.0, cell.y],
                            egui::Label::new(shown(name).into_owned()).truncate(),
                        );
                        for (h, &share) in u.hours.iter().zip(shares) {
                            let (rect, resp) = ui.allocate_exact_size(cell, Sense::click());
                            let colour = share.map_or(ui.visuals().faint_bg_color, share_colour);
                            ui.painter().rect_filled(rect.shrink(1.0), 2.0, colour);
                            let text = match share {
                                Some(s) => format!(
                                    "{name} · {}/{} · {}: {:.2} % covered\nclick: show this hour",
                                    u.channel,
                                    u.quality,
                                    format_hour(h.hour_start_us),
                                    100.0 * s
                                ),
                                None => format!(
                                    "{name} · {}/{} · {}: no such hour on this node",
                                    u.channel,
                                    u.quality,
                                    format_hour(h.hour_start_us)
                                ),
                            };
                            let cell_label = format!(
                                "{name} · {}/{} · {}",
                                u.channel,
                                u.quality,
                                format_hour(h.hour_start_us)
                            );
                            resp.widget_info(|| {
                                egui::WidgetInfo::labeled(egui::Role::Button, true, &cell_label)
                            });
                            if resp.on_hover_text(text).clicked() {
                                goto = Some(h.hour_start_us);
                            }
                        }
                    });
                }
                ui.add_space(8.0);
            }
        });
        let h = goto?;
        cx.time.navigate(h as f64, (h + HOUR_US) as f64);
        Some(MainView::Nodes)
    }

    /// The Plan tab: per target node what it would be sent and from where;
    /// the stretches no node has (a click shows one).
    fn plan_ui(&self, ui: &mut egui::Ui, cx: &mut ViewContext<'_>) -> Option<MainView> {
        let Some(FleetShown { report, .. }) = &self.shown else {
            ui.label("The plan appears when the nodes are read.");
            return None;
        };
        let plan = &report.plan;
        let mut goto = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.label("What wubloader's backfiller would copy to each node from the others (from the nodes' listings).");
            egui::Grid::new("fleet-plan").striped(true).show(ui, |ui| {
                for h in ["to node", "files", "duration", "from", "tombstones", "skipped"] {
                    ui.strong(h);
                }
                ui.end_row();
                for n in &plan.nodes {
                    ui.label(shown(&n.name).into_owned());
                    if let Some(e) = &n.error {
                        ui.colored_label(Color32::from_rgb(0xe0, 0x50, 0x50), "unreachable")
                            .on_hover_text(e);
                        ui.end_row();
                        continue;
                    }
                    ui.label(n.fetches.to_string());
                    ui.label(human_duration((n.fetch_duration_s * 1e6) as i64));
                    let mut from: Vec<(String, usize)> = Vec::new();
                    for f in plan.fetches.iter().filter(|f| f.to == n.name) {
                        match from.iter_mut().find(|(k, _)| *k == f.from) {
                            Some((_, c)) => *c += 1,
                            None => from.push((f.from.clone(), 1)),
                        }
                    }
                    ui.label(
                        from.iter()
                            .map(|(k, c)| format!("{}: {c}", shown(k)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                    if n.tombstones_without_hour > 0 {
                        ui.colored_label(
                            Color32::from_rgb(0xe0, 0x90, 0x20),
                            format!("{} ({} for missing hours)", n.tombstones, n.tombstones_without_hour),
                        )
                        .on_hover_text("A tombstone for an hour the node lacks entirely makes the backfiller's pass from that node fail.");
                    } else {
                        ui.label(n.tombstones.to_string());
                    }
                    ui.label(format!(
                        "temp {}, recent {}, within 1 ms {}, own tombstone {}",
                        n.skipped_temp,
                        n.skipped_recent,
                        n.skipped_near_duplicate,
                        n.hidden_by_own_tombstone
                    ));
                    ui.end_row();
                }
            });
            ui.separator();
            let total: f64 = plan.lost.iter().map(|l| l.duration_s).sum();
            ui.strong(format!(
                "Lost everywhere: {}, {} (click one to show it)",
                match plan.lost.len() {
                    1 => "1 stretch".to_string(),
                    n => format!("{n} stretches"),
                },
                human_duration((total * 1e6) as i64)
            ));
            for (i, l) in plan.lost.iter().enumerate().take(500) {
                let text = format!(
                    "{}/{}  {} to {}  ({}){}",
                    l.channel,
                    l.quality,
                    full_time(l.start_us, cx.settings.time_zone),
                    full_time(l.end_us, cx.settings.time_zone),
                    human_duration((l.duration_s * 1e6) as i64),
                    if l.not_known_on.is_empty() {
                        String::new()
                    } else {
                        format!("; not known on {}", l.not_known_on.join(", "))
                    }
                );
                if ui
                    .add(egui::Button::new(shown(&text).into_owned()).frame(false))
                    .on_hover_text("Show this stretch in the lanes")
                    .clicked()
                {
                    goto = Some(i);
                }
            }
            if plan.lost.len() > 500 {
                ui.weak(format!("… and {} more (see the plan export)", plan.lost.len() - 500));
            }
        });
        let l = &plan.lost[goto?];
        let pad = ((l.end_us - l.start_us) as f64 * 2.0).max(10e6);
        cx.time
            .navigate(l.start_us as f64 - pad, l.end_us as f64 + pad);
        Some(MainView::Nodes)
    }
}

impl KindPart for FleetDoc {
    fn status_ui(&self, ui: &mut egui::Ui, pushed: &mut Vec<AppCommand>) {
        ui.label(RichText::new(shown(&self.title).into_owned()).monospace());
        ui.separator();
        match &self.job.state {
            JobState::Idle | JobState::Running(_) => {
                if progress_ui(ui, &self.job, "hours") {
                    pushed.push(AppCommand::Cancel);
                }
            }
            JobState::Done(r) => {
                let down = r.fleet.nodes.iter().filter(|n| !n.is_read()).count();
                ui.label(format!(
                    "{}{}, {} in the union, {} to copy, {} lost everywhere",
                    counted(r.fleet.nodes.len() as u64, "node"),
                    if down > 0 {
                        format!(" ({down} unreachable)")
                    } else {
                        String::new()
                    },
                    counted(r.union.len() as u64, "stream"),
                    counted(r.plan.fetches.len() as u64, "file"),
                    match r.plan.lost.len() {
                        1 => "1 stretch".to_string(),
                        n => format!("{n} stretches"),
                    }
                ));
            }
            JobState::Failed(e) => {
                ui.colored_label(Color32::from_rgb(0xe0, 0x50, 0x50), shown(e).into_owned());
            }
            JobState::Cancelled => {
                ui.label("Reading cancelled.");
                if ui.button("Reload").clicked() {
                    pushed.push(AppCommand::Reload);
                }
            }
        }
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewContext<'_>) -> Option<MainView> {
        egui::Panel::left("fleet-nodes")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.nodes_ui(ui);
                    self.range_stats_ui(ui, cx);
                });
            });
        match cx.view {
            MainView::NodeHours => self.matrix_ui(ui, cx),
            _ => {
                self.lanes_ui(ui, cx);
                None
            }
        }
    }

    fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        tab: BottomTab,
        cx: &mut ViewContext<'_>,
    ) -> Option<MainView> {
        match tab {
            BottomTab::Plan => self.plan_ui(ui, cx),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_colours_go_from_red_to_green() {
        assert_eq!(share_colour(1.0), Color32::from_rgb(0x2c, 0xa0, 0x2c));
        let none = share_colour(0.0);
        assert!(none.r() > none.g());
        let most = share_colour(0.95);
        assert!(most.g() > none.g());
    }
}
