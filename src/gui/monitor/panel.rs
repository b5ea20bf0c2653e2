//! The Monitor tab: the monitor tree of an archive's hours (channel >
//! quality > hour, judged by the alert rules) or of a perf export's nodes
//! (pool > node), rebuilt for each new analysis (a reload, a watch),
//! collapsible, filtered to what is not Green; selecting a point shows its
//! alert history and jumps to it (the hour in the timeline, the node in the
//! Gantt). Alert changes are kept in the database (through the app's store,
//! never from the frame) and reported as one grouped notice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::analysis::Analysis;
use crate::anomaly::run::AnomalyRun;
use crate::coverage::timeline::Interval;
use crate::gui::monitor::rules_editor::RulesEditor;
use crate::gui::shell::store::Store;
use crate::monitor::anomaly::{GROUP as ANOMALY_GROUP, series_readings};
use crate::monitor::archive::{StallWatch, judged_hours};
use crate::monitor::history::{AlertChange, alert_changes, recent, record};
use crate::monitor::rules::AlertRules;
use crate::monitor::{Change, Level, Monitor, Reading};
use crate::perf::PerfAnalysis;
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

/// The tab's state for one document.
#[derive(Default)]
pub struct MonitorPanel {
    monitor: Option<Monitor>,
    /// What the tree was built from.
    sources: Sources,
    /// Perf nodes by path: (pool, index in the pool).
    nodes: HashMap<String, (usize, usize)>,
    /// Anomaly series by path: index in the run.
    series: HashMap<String, usize>,
    /// Only points (and groups) above Green.
    pub not_green: bool,
    /// Groups folded away, by path.
    pub collapsed: HashSet<String>,
    /// The point selected.
    pub selected: Option<String>,
    history: Vec<AlertChange>,
    /// The selected point's history, being read.
    history_rx: Option<Receiver<Vec<AlertChange>>>,
    /// A point was picked: its history is to be read.
    history_wanted: bool,
    /// The alert rules editor, when open.
    pub rules: Option<RulesEditor>,
    /// The archive is watched (every this often): a stream that stops
    /// growing is Critical, an hour not judged for three intervals stale.
    watching: Option<Duration>,
    stall: StallWatch,
}

/// The analyses the tree shows (each judged again when the rules change).
#[derive(Default, Clone)]
struct Sources {
    archive: Option<Arc<Analysis>>,
    perf: Option<Arc<PerfAnalysis>>,
    run: Option<Arc<AnomalyRun>>,
    fleet: Option<Arc<crate::fleet::FleetReport>>,
}

/// Puts `new` in `slot`; false when it was there already.
fn replaced<T>(slot: &mut Option<Arc<T>>, new: &Arc<T>) -> bool {
    if slot.as_ref().is_some_and(|p| Arc::ptr_eq(p, new)) {
        return false;
    }
    *slot = Some(Arc::clone(new));
    true
}

/// What the tab asks of the app.
pub enum MonitorAction {
    /// Show this hour in the timeline.
    Hour(Interval),
    /// Show this node (pool, index) in the Gantt.
    Node(usize, usize),
    /// Show this series (its index in the run) in the Anomalies view.
    Series(usize),
    /// The alert rules were changed to these (every point is judged again
    /// by them; the app keeps and stores them, and watches take their
    /// interval).
    RulesChanged(AlertRules),
}

impl MonitorPanel {
    /// Judges `a` when it is a new analysis of the archive (`took` its
    /// scan; `watching`: the archive is watched at that interval, so
    /// streams that stopped growing are found); returns a notice of the
    /// alert changes (grouped), if any.
    pub fn update(
        &mut self,
        a: &Arc<Analysis>,
        took: Duration,
        watching: Option<Duration>,
        rules: &AlertRules,
        store: &Store,
    ) -> Option<String> {
        if !replaced(&mut self.sources.archive, a) {
            return None;
        }
        if watching.is_none() {
            self.stall = StallWatch::default();
        }
        self.watching = watching;
        let notice = self.judge_archive(rules, store);
        let monitor = self.monitor_or_new(store);
        let changes = monitor.set(
            "segscope/last scan",
            Reading::new(
                format!(
                    "{:.3} s, {} of {} hours reused or from the cache",
                    took.as_secs_f64(),
                    // Reused hours are served as cache hits: counted here.
                    a.hours_from_cache,
                    a.streams.iter().map(|s| s.hours.len()).sum::<usize>()
                ),
                Level::Green,
            ),
            None,
            Instant::now(),
        );
        // Recorded whether or not the hours gave a notice.
        let scan_notice = self.record(changes, store, "point", false);
        notice.or(scan_notice)
    }

    /// Judges a newly read perf export.
    pub fn update_perf(
        &mut self,
        a: &Arc<PerfAnalysis>,
        rules: &AlertRules,
        store: &Store,
    ) -> Option<String> {
        if !replaced(&mut self.sources.perf, a) {
            return None;
        }
        self.judge_perf(rules, store)
    }

    /// Judges a finished anomaly run.
    pub fn update_anomalies(
        &mut self,
        run: &Arc<AnomalyRun>,
        rules: &AlertRules,
        store: &Store,
    ) -> Option<String> {
        if !replaced(&mut self.sources.run, run) {
            return None;
        }
        // A perf export's nodes show what the run flagged.
        let nodes = self.judge_perf(rules, store);
        self.judge_run(rules, store).or(nodes)
    }

    /// Judges a newly read fleet: node > channel > quality > hour.
    pub fn update_fleet(
        &mut self,
        report: &Arc<crate::fleet::FleetReport>,
        rules: &AlertRules,
        store: &Store,
    ) -> Option<String> {
        if !replaced(&mut self.sources.fleet, report) {
            return None;
        }
        self.judge_fleet(rules, store)
    }

    /// Judges everything again by `rules` (after they changed).
    pub fn rejudge(&mut self, rules: &AlertRules, store: &Store) -> Option<String> {
        [
            self.judge_archive(rules, store),
            self.judge_perf(rules, store),
            self.judge_run(rules, store),
            self.judge_fleet(rules, store),
        ]
        .into_iter()
        .flatten()
        .next()
    }

    fn judge_archive(&mut self, rules: &AlertRules, store: &Store) -> Option<String> {
        let a = self.sources.archive.clone()?;
        let name = archive_name(&a);
        let stall = self.watching.is_some().then_some(&mut self.stall);
        let readings = judged_hours(&a, &name, rules, stall, Instant::now());
        let every = self.watching;
        self.rebuild(&name, readings, every, store, "hour")
    }

    fn judge_perf(&mut self, rules: &AlertRules, store: &Store) -> Option<String> {
        let a = self.sources.perf.clone()?;
        let rows = crate::monitor::perf::node_readings(&a, rules, self.sources.run.as_deref());
        self.nodes = rows
            .iter()
            .map(|(p, _, pool, i)| (p.clone(), (*pool, *i)))
            .collect();
        // Each pool is its own group at the top.
        let mut by_pool: BTreeMap<String, Vec<(String, Reading)>> = BTreeMap::new();
        for (path, reading, pool, _) in rows {
            by_pool
                .entry(a.pools[pool].partition_key.clone())
                .or_default()
                .push((path, reading));
        }
        let mut notice = None;
        for (pool, readings) in by_pool {
            notice = notice.or(self.rebuild(&pool, readings, None, store, "node"));
        }
        notice
    }

    fn judge_fleet(&mut self, rules: &AlertRules, store: &Store) -> Option<String> {
        let report = self.sources.fleet.clone()?;
        let mut notice = None;
        for (node, readings) in crate::monitor::archive::fleet_readings(&report, rules) {
            notice = notice.or(self.rebuild(&node, readings, None, store, "hour"));
        }
        notice
    }

    fn judge_run(&mut self, rules: &AlertRules, store: &Store) -> Option<String> {
        let run = self.sources.run.clone()?;
        let rows = series_readings(&run, rules);
        self.series = rows.iter().map(|(p, _, i)| (p.clone(), *i)).collect();
        let readings = rows.into_iter().map(|(p, r, _)| (p, r)).collect();
        self.rebuild(ANOMALY_GROUP, readings, None, store, "series")
    }

    /// The tree, made with segscope's own points on first use (their polls
    /// run on the monitor's threads).
    fn monitor_or_new(&mut self, store: &Store) -> &mut Monitor {
        self.monitor.get_or_insert_with(|| {
            let mut m = Monitor::new(1);
            crate::monitor::health::add_points(&mut m, store.db());
            m
        })
    }

    /// Reads the selected point's history through the store.
    fn read_history(&mut self, store: &Store) {
        if let Some(sel) = self.selected.clone() {
            self.history_rx =
                Some(store.ask(move |db| recent(db, Some(&sel), 20).unwrap_or_default()));
        }
    }

    /// Sets the points under `name` from `readings` (the others under it
    /// go), expected again every `expect_every` (stale after three).
    fn rebuild(
        &mut self,
        name: &str,
        readings: Vec<(String, Reading)>,
        expect_every: Option<Duration>,
        store: &Store,
        what: &str,
    ) -> Option<String> {
        let monitor = self.monitor_or_new(store);
        let first = monitor
            .rows(Instant::now())
            .iter()
            .all(|r| !r.path.starts_with(&format!("{name}/")) && r.path != name);
        let changes = monitor.replace_under(name, readings, expect_every, Instant::now());
        self.record(changes, store, what, first)
    }

    /// Keeps the alert changes in the history; a notice of them (grouped):
    /// for a first build the points Red or worse, later the points that got
    /// worse.
    fn record(
        &mut self,
        changes: Vec<Change>,
        store: &Store,
        what: &str,
        first: bool,
    ) -> Option<String> {
        let alerts = alert_changes(&changes, crate::jobs::queue::now_us());
        if !alerts.is_empty() {
            let kept = alerts.clone();
            // A convenience: the tree works without its history.
            store.run(move |db| {
                let _ = record(db, &kept);
            });
            self.read_history(store);
        }
        let worse = alerts
            .iter()
            .filter(|c| c.new > c.old && c.new > Level::Green);
        let count = worse.clone().count();
        if first {
            let red = alerts.iter().filter(|c| c.new >= Level::Red).count();
            (red > 0).then(|| {
                format!(
                    "Monitor: {} Red or worse",
                    crate::text::counted(red as u64, what)
                )
            })
        } else if count > 0 {
            let levels: Vec<String> = Level::ALL
                .iter()
                .rev()
                .filter_map(|&l| {
                    let n = worse.clone().filter(|c| c.new == l).count();
                    (n > 0).then(|| format!("{n} {l}"))
                })
                .collect();
            Some(format!(
                "Monitor: {} got worse ({})",
                crate::text::counted(count as u64, what),
                levels.join(", ")
            ))
        } else {
            None
        }
    }

    /// The worst alert in the tree.
    pub fn worst(&self) -> Level {
        self.monitor.as_ref().map_or(Level::None, Monitor::worst)
    }

    /// True once the tree exists (after the document's first analysis).
    pub fn has_tree(&self) -> bool {
        self.monitor.is_some()
    }

    /// The reading of the point at `path`, once it is set or polled.
    pub fn reading(&self, path: &str) -> Option<&Reading> {
        self.monitor.as_ref()?.reading(path)
    }

    /// Applies segscope's own points' polls; a notice when one got worse.
    pub fn tick(&mut self, store: &Store) -> Option<String> {
        let changes = self.monitor.as_mut()?.tick(Instant::now());
        if changes.is_empty() {
            return None;
        }
        self.record(changes, store, "point", false)
    }

    /// Asks the store for the selected point's alert history when the tab
    /// picked a new point (the view itself does no database work).
    pub fn fetch_history(&mut self, store: &Store) {
        if std::mem::take(&mut self.history_wanted) {
            self.read_history(store);
        }
    }

    /// Draws the tab (the tree judged by `rules`); returns what the app
    /// should do. A newly selected point's history is fetched by
    /// [`MonitorPanel::fetch_history`].
    pub fn ui(&mut self, ui: &mut egui::Ui, rules: &AlertRules) -> Option<MonitorAction> {
        if let Some(history) = self.history_rx.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.history = history;
            self.history_rx = None;
        }
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
            let open = self.rules.is_some();
            if ui
                .selectable_label(open, "Alert rules")
                .on_hover_text(
                    "The rules the points are judged by (also `segscope settings monitor.…`)",
                )
                .clicked()
            {
                self.rules = if open {
                    None
                } else {
                    Some(RulesEditor::new(rules))
                };
            }
        });
        if let Some(changed) = self.rules.as_mut().and_then(|editor| editor.ui(ui, rules)) {
            return Some(MonitorAction::RulesChanged(changed));
        }
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
                            if let Some(age) = r.age {
                                ui.weak(format!(
                                    "{} ago",
                                    crate::text::short_age(age.as_micros() as i64)
                                ));
                            }
                            if r.stale {
                                ui.colored_label(level_colour(Level::Orange), "stale")
                                    .on_hover_text("Not polled or set for three intervals");
                            }
                        } else {
                            let c = r.counts;
                            ui.label(format!(
                                "{} green, {} orange, {} red, {} critical",
                                c[1], c[2], c[3], c[4]
                            ));
                        }
                        if picked {
                            self.selected = Some(r.path.clone());
                            self.history.clear();
                            self.history_wanted = true;
                            if let Some(&(pool, i)) = self.nodes.get(&r.path) {
                                action = Some(MonitorAction::Node(pool, i));
                            } else if let Some(&i) = self.series.get(&r.path) {
                                action = Some(MonitorAction::Series(i));
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
