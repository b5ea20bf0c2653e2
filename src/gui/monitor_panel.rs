//! The Monitor tab: the monitor tree of an archive's hours (channel >
//! quality > hour, judged by the alert rules) or of a perf export's nodes
//! (pool > node), rebuilt for each new analysis (a reload, a watch),
//! collapsible, filtered to what is not Green; selecting a point shows its
//! alert history and jumps to it (the hour in the timeline, the node in the
//! Gantt). Alert changes are kept in the database and reported as one
//! grouped notice.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use crate::analysis::Analysis;
use crate::coverage::timeline::Interval;
use crate::jobs::db::Db;
use crate::monitor::archive::hour_readings;
use crate::monitor::history::{AlertChange, alert_changes, recent, record};
use crate::monitor::rules::AlertRules;
use crate::monitor::{Level, Monitor};
use crate::time::{HOUR_US, parse_hour_name};

/// The colour of an alert level.
pub fn level_colour(l: Level) -> egui::Color32 {
    match l {
        Level::None => egui::Color32::GRAY,
        Level::Green => egui::Color32::from_rgb(44, 160, 44),
        Level::Orange => egui::Color32::from_rgb(255, 127, 14),
        Level::Red => egui::Color32::from_rgb(214, 39, 40),
        Level::Critical => egui::Color32::from_rgb(148, 0, 211),
    }
}

/// The tab's state for one archive document.
#[derive(Default)]
pub struct MonitorPanel {
    monitor: Option<Monitor>,
    /// The analysis the tree was built from (its address).
    built_from: Option<usize>,
    /// Perf nodes by path: (pool, index in the pool).
    nodes: std::collections::HashMap<String, (usize, usize)>,
    /// Only points (and groups) above Green.
    pub not_green: bool,
    /// Groups folded away, by path.
    pub collapsed: HashSet<String>,
    /// The point selected.
    pub selected: Option<String>,
    history: Vec<AlertChange>,
}

/// What the tab asks of the app.
pub enum MonitorAction {
    /// Show this hour in the timeline.
    Hour(Interval),
    /// Show this node (pool, index) in the Gantt.
    Node(usize, usize),
}

impl MonitorPanel {
    /// Rebuilds the tree when `a` is a new analysis; returns a notice of the
    /// alert changes (grouped), if any.
    pub fn update(&mut self, a: &Arc<Analysis>, db: &Db) -> Option<String> {
        let (rules, _) = AlertRules::load(db);
        let name = archive_name(a);
        let readings = hour_readings(a, &name, &rules);
        self.rebuild(Arc::as_ptr(a) as usize, &name, readings, db, "hours")
    }

    /// Rebuilds the tree when `a` is a newly read perf export.
    pub fn update_perf(&mut self, a: &Arc<crate::perf::PerfAnalysis>, db: &Db) -> Option<String> {
        let (rules, _) = AlertRules::load(db);
        let rows = crate::monitor::perf::node_readings(a, &rules);
        self.nodes = rows
            .iter()
            .map(|(p, _, pool, i)| (p.clone(), (*pool, *i)))
            .collect();
        let readings = rows.into_iter().map(|(p, r, _, _)| (p, r)).collect();
        self.rebuild(Arc::as_ptr(a) as usize, "", readings, db, "nodes")
    }

    /// Sets the points under `name` (the whole tree for "") from `readings`.
    fn rebuild(
        &mut self,
        from: usize,
        name: &str,
        readings: Vec<(String, crate::monitor::Reading)>,
        db: &Db,
        what: &str,
    ) -> Option<String> {
        if self.built_from == Some(from) {
            return None;
        }
        let first = self.monitor.is_none();
        let monitor = self.monitor.get_or_insert_with(|| Monitor::new(1));
        self.built_from = Some(from);
        let now = Instant::now();
        let mut changes = Vec::new();
        let mut keep = HashSet::new();
        for (path, reading) in readings {
            changes.extend(monitor.set(&path, reading, None, now));
            keep.insert(path);
        }
        changes.extend(monitor.retain_under(name, &keep));
        let alerts = alert_changes(&changes, crate::jobs::queue::now_us());
        // A convenience: the tree works without its history.
        let _ = record(db, &alerts);
        if let Some(sel) = &self.selected {
            self.history = recent(db, Some(sel), 20).unwrap_or_default();
        }
        // The first build reports the worst only; later ones what changed.
        let worse = alerts
            .iter()
            .filter(|c| c.new > c.old && c.new > Level::Green);
        let count = worse.clone().count();
        if first {
            let red = alerts.iter().filter(|c| c.new >= Level::Red).count();
            (red > 0).then(|| format!("Monitor: {red} {what} Red or worse"))
        } else if count > 0 {
            let mut levels: Vec<String> = Level::ALL
                .iter()
                .rev()
                .filter_map(|&l| {
                    let n = worse.clone().filter(|c| c.new == l).count();
                    (n > 0).then(|| format!("{n} {l}"))
                })
                .collect();
            levels.dedup();
            Some(format!(
                "Monitor: {count} {what} got worse ({})",
                levels.join(", ")
            ))
        } else {
            None
        }
    }

    /// Draws the tab; returns what the app should do.
    pub fn ui(&mut self, ui: &mut egui::Ui, db: &Db) -> Option<MonitorAction> {
        let Some(monitor) = &self.monitor else {
            ui.label("The monitor tree appears when the analysis finishes.");
            return None;
        };
        let rows = monitor.rows(Instant::now());
        let mut action = None;
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.not_green, "Not green only");
            let worst = monitor.worst();
            ui.label("worst:");
            ui.colored_label(level_colour(worst), worst.name());
            ui.label("(rules: segscope settings monitor.…)");
        });
        egui::Panel::right("monitor-history")
            .resizable(true)
            .default_size(360.0)
            .show(ui, |ui| {
                ui.strong("Alert history");
                match &self.selected {
                    None => {
                        ui.label("Select a point.");
                    }
                    Some(sel) => {
                        ui.label(crate::text::shown(sel).into_owned());
                        if self.history.is_empty() {
                            ui.label("No change recorded.");
                        }
                        for c in &self.history {
                            ui.label(format!(
                                "{}  {} -> {}  {}",
                                crate::time::iso_time(c.at_us - c.at_us.rem_euclid(1_000_000)),
                                c.old,
                                c.new,
                                crate::text::shown(&c.message)
                            ));
                        }
                    }
                }
            });
        let visible: Vec<&crate::monitor::PointView> = rows
            .iter()
            .filter(|r| !self.not_green || r.alert > Level::Green)
            .filter(|r| {
                // Hidden when an ancestor group is folded.
                !self
                    .collapsed
                    .iter()
                    .any(|c| r.path.starts_with(&format!("{c}/")))
            })
            .collect();
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show_rows(ui, row_height, visible.len(), |ui, range| {
                for r in &visible[range] {
                    ui.horizontal(|ui| {
                        ui.add_space(16.0 * r.depth as f32);
                        if !r.leaf {
                            let folded = self.collapsed.contains(&r.path);
                            if ui
                                .small_button(if folded { "+" } else { "-" })
                                .on_hover_text(if folded { "Unfold" } else { "Fold" })
                                .clicked()
                            {
                                if folded {
                                    self.collapsed.remove(&r.path);
                                } else {
                                    self.collapsed.insert(r.path.clone());
                                }
                            }
                        }
                        let (rect, _) =
                            ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                        ui.painter().rect_filled(rect, 2.0, level_colour(r.alert));
                        let label = format!("{}  {}", crate::text::shown(&r.name), r.alert);
                        let picked = ui
                            .selectable_label(self.selected.as_deref() == Some(&r.path), label)
                            .clicked();
                        if r.leaf {
                            ui.label(crate::text::shown(&r.value).into_owned());
                        } else {
                            let c = r.counts;
                            ui.label(format!(
                                "{} green, {} orange, {} red, {} critical",
                                c[1], c[2], c[3], c[4]
                            ));
                        }
                        if picked {
                            self.selected = Some(r.path.clone());
                            self.history = recent(db, Some(&r.path), 20).unwrap_or_default();
                            if let Some(&(pool, i)) = self.nodes.get(&r.path) {
                                action = Some(MonitorAction::Node(pool, i));
                            } else if let Some(hour) = r
                                .path
                                .rsplit('/')
                                .next()
                                .and_then(parse_hour_name)
                                .filter(|_| r.leaf)
                            {
                                action = Some(MonitorAction::Hour(Interval {
                                    start_us: hour,
                                    end_us: hour + HOUR_US,
                                }));
                            }
                        }
                    });
                }
            });
        action
    }
}

/// The archive's name at the top of its tree (its directory's name).
fn archive_name(a: &Analysis) -> String {
    std::path::Path::new(&a.root)
        .file_name()
        .map_or_else(|| "archive".into(), |n| n.to_string_lossy().into_owned())
}
