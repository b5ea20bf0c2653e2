//! The parts of the window: menu bar, status bar, tables panel, the central
//! view with its tooltips, and the overlays (palette, dialogs, drop target, toasts).

use crate::gui::monitor::panel::MonitorAction;
use std::path::PathBuf;

use egui::{Align2, Color32, FontId};

use super::{BottomTab, SegscopeApp};
use crate::export::kinds::ExportKind;
use crate::gui::anomaly::view::AnomalyRequest;
use crate::gui::document::{Body, Document, DocumentKind, MainView};
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::export_dialog::{DialogAction, ExportChoice};
use crate::gui::shell::settings::{ThemeChoice, TimeZoneChoice};
use crate::gui::widgets::axis::human_duration;
use crate::jobs::inputs::Snapshot;

impl SegscopeApp {
    fn menu_item(&mut self, ui: &mut egui::Ui, cmd: AppCommand) {
        let shortcut = cmd.shortcut_text(ui.ctx());
        let button = egui::Button::new(cmd.label()).shortcut_text(shortcut);
        if ui.add(button).on_hover_text(cmd.tooltip()).clicked() {
            self.commands.push(cmd);
            ui.close();
        }
    }

    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                for c in [
                    AppCommand::Open,
                    AppCommand::OpenFile,
                    AppCommand::OpenPath,
                    AppCommand::OpenNodes,
                    AppCommand::OpenDemo,
                    AppCommand::OpenDemoPerf,
                ] {
                    self.menu_item(ui, c);
                }
                ui.menu_button("Open recent", |ui| {
                    // Read in the background when it changes; no database work here.
                    if self.recent.is_empty() {
                        ui.label("Nothing yet");
                    }
                    let mut chosen = None;
                    for r in &self.recent {
                        if ui.button(crate::text::shown(r)).clicked() {
                            chosen = Some(PathBuf::from(r));
                            ui.close();
                        }
                    }
                    if let Some(p) = chosen {
                        self.open(&p);
                    }
                });
                ui.separator();
                for c in [AppCommand::Reload, AppCommand::Cancel, AppCommand::Close] {
                    self.menu_item(ui, c);
                }
                ui.separator();
                // Exactly the exports of the active document's kind.
                let kinds = self
                    .doc()
                    .map_or(DocumentKind::Archive, Document::kind)
                    .exports();
                let exports: Vec<AppCommand> = kinds
                    .iter()
                    .map(|&k| AppCommand::Export(ExportChoice::Data(k)))
                    .chain([AppCommand::Export(ExportChoice::ViewPng)])
                    .collect();
                for c in exports {
                    self.menu_item(ui, c);
                }
                ui.separator();
                self.menu_item(ui, AppCommand::Quit);
            });
            ui.menu_button("View", |ui| {
                for c in [
                    AppCommand::FitAll,
                    AppCommand::ZoomIn,
                    AppCommand::ZoomOut,
                    AppCommand::PanLeft,
                    AppCommand::PanRight,
                    AppCommand::Back,
                    AppCommand::Forward,
                    AppCommand::NextHole,
                    AppCommand::PrevHole,
                    AppCommand::ToggleGrid,
                    AppCommand::ToggleTheme,
                    AppCommand::ToggleLog,
                    AppCommand::CommandPalette,
                ] {
                    self.menu_item(ui, c);
                }
                if ui.button("Settings…").clicked() {
                    self.show_settings = true;
                    ui.close();
                }
            });
            ui.menu_button("Help", |ui| self.menu_item(ui, AppCommand::Help));
            ui.separator();
            let kind = self.doc().map_or(DocumentKind::Archive, Document::kind);
            for view in MainView::ALL.into_iter().filter(|v| v.shows(kind)) {
                if ui
                    .selectable_label(self.view == view, view.label())
                    .clicked()
                {
                    self.view = view;
                }
            }
        });
    }

    /// One tab per open document; click to switch, × to close.
    pub(super) fn document_tabs(&mut self, ui: &mut egui::Ui) {
        let active = self.active_index();
        let mut activate = None;
        let mut close = None;
        ui.horizontal(|ui| {
            if self.docs.is_empty() {
                ui.label("No document open");
            }
            for (i, (_, doc)) in self.docs.iter().enumerate() {
                let title = doc.title();
                let scanning = if doc.is_busy() { " …" } else { "" };
                let tab = ui
                    .selectable_label(active == Some(i), format!("{title}{scanning}"))
                    .on_hover_text(doc.path().map(crate::text::shown_path).unwrap_or_default());
                if tab.clicked() {
                    activate = Some(i);
                }
                if ui
                    .small_button("×")
                    .on_hover_text(format!("Close {title}"))
                    .clicked()
                {
                    close = Some(i);
                }
                ui.separator();
            }
        });
        if let Some(i) = activate {
            self.activate(i);
        }
        if let Some(i) = close {
            self.activate(i);
            self.close_active();
        }
    }

    pub(super) fn status_bar(&mut self, ui: &mut egui::Ui) {
        let mut pushed = Vec::new();
        ui.horizontal(|ui| {
            let Some(doc) = self.doc() else {
                ui.label("Nothing open. File > Open archive… or Open file…, drop a folder or an export here, or Ctrl+K.");
                return;
            };
            match (doc.body.part(), &doc.anomalies) {
                (Some(part), _) => part.status_ui(ui, &mut pushed),
                (None, Some(pane)) => pane.status_ui(ui, &mut pushed),
                (None, None) => {}
            }
            let span = doc.time.span() as i64;
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(format!("view {}", human_duration(span)));
            });
        });
        self.commands.extend(pushed);
    }

    pub(super) fn bottom_panel(&mut self, ui: &mut egui::Ui) {
        let kind = self.doc().map(Document::kind);
        ui.horizontal(|ui| {
            for tab in BottomTab::ALL {
                if tab.needs().is_some_and(|k| kind.is_some_and(|d| d != k)) {
                    continue;
                }
                let r = ui.selectable_value(&mut self.tab, tab, tab.label());
                if let Some(kind) = tab.needs() {
                    r.on_hover_text(format!("Shows a {}", kind.noun()));
                }
            }
        });
        ui.separator();
        if self.tab == BottomTab::Log {
            self.notes.log_ui(ui, self.settings.time_zone);
            return;
        }
        if self.tab == BottomTab::Jobs {
            if let Some(request) = self.jobs_panel.ui(ui) {
                self.jobs_panel.run(&self.jobs, request, ui.ctx());
            }
            return;
        }
        let (tab, view) = (self.tab, self.view);
        let (rules, store) = (self.stored.rules.clone(), self.store.clone());
        let Some(doc) = super::find_doc(&mut self.docs, self.active) else {
            ui.label(format!(
                "This tab shows a {}: open one with File > Open archive….",
                tab.needs().map_or("document", |k| k.noun())
            ));
            return;
        };
        if tab.needs().is_some_and(|k| k != doc.kind()) {
            ui.label(format!(
                "This tab shows a {}; the active document is not one.",
                tab.needs().map_or("document", |k| k.noun())
            ));
            return;
        }
        if tab == BottomTab::Monitor {
            let action = doc.monitor.ui(ui, &rules);
            doc.monitor.fetch_history(&store);
            match action {
                Some(MonitorAction::Hour(iv)) => {
                    doc.time.navigate(iv.start_us as f64, iv.end_us as f64);
                    self.view = MainView::Timeline;
                }
                Some(MonitorAction::Node(pool, i)) => {
                    if let Some(perf) = doc.perf_mut() {
                        perf.pool = pool;
                        perf.gantt.select(i);
                        self.view = MainView::Gantt;
                    }
                }
                Some(MonitorAction::Series(i)) => {
                    if let Some(pane) = &mut doc.anomalies {
                        pane.selected = Some(i);
                        pane.picked = None;
                        self.view = MainView::Anomalies;
                    }
                }
                Some(MonitorAction::RulesChanged(changed)) => {
                    // Every document is judged by them; watches take the new interval.
                    let interval = changed.watch_interval();
                    for (_, d) in &mut self.docs {
                        let _ = d.monitor.rejudge(&changed, &store);
                        if let Some(w) = d.archive_mut().and_then(|a| a.watch.as_mut()) {
                            w.interval = interval;
                        }
                    }
                    let kept = changed.clone();
                    store.run_or_say(move |db| crate::jobs::settings::save_group(db, &kept));
                    self.stored.rules = changed;
                    self.notes
                        .info("Alert rules stored; every point judged again");
                }
                None => {}
            }
            return;
        }
        let next = doc.with_part(view, &self.settings, &mut self.commands, |part, cx| {
            part.tab_ui(ui, tab, cx)
        });
        if let Some(next) = next {
            self.view = next;
        }
    }

    pub(super) fn central(&mut self, ui: &mut egui::Ui) {
        let view = self.view;
        let Some(doc) = super::find_doc(&mut self.docs, self.active) else {
            ui.centered_and_justified(|ui| {
                ui.label("Open a segment archive: File > Open archive…, or drop a folder on this window.");
            });
            return;
        };
        if !view.shows(doc.kind()) {
            ui.label(format!(
                "The {} view does not show a {}.",
                view.label(),
                doc.kind().noun()
            ));
            return;
        }
        // What the view shows, in words and colours (saved with the view's PNG).
        let (title, range, keys) = super::caption::view_caption(
            doc,
            view,
            crate::gui::shell::theme::Palette::of(ui.ctx()),
            self.settings.time_zone,
        );
        self.caption_rect = Some(crate::gui::widgets::legend::caption(
            ui, &title, &range, &keys,
        ));
        if view == MainView::Anomalies {
            if doc.anomalies.is_none() {
                let Some(path) = doc.path().map(std::path::Path::to_path_buf) else {
                    ui.label("Open a series file, an archive or a perf export first.");
                    return;
                };
                let config = self.stored.anomaly.clone();
                doc.anomalies = Some(crate::gui::anomaly::AnomalyPane::new(&path, config));
            }
            // Runs derive the document's series from what is open.
            let source = match &doc.body {
                Body::Archive(_) => doc.analysis().map(Snapshot::Coverage),
                Body::Perf(p) => p.analysis().cloned().map(Snapshot::Perf),
                Body::Series | Body::Fleet(_) => None,
            };
            if let Some(pane) = &mut doc.anomalies {
                pane.source = source;
            }
            // The plot's own time view follows its series until the user moves it.
            let own = doc.own_series_time(MainView::Anomalies);
            if own && doc.series_time.auto_fit {
                doc.fit_view(MainView::Anomalies);
            }
            let Some(pane) = &mut doc.anomalies else {
                return;
            };
            let time = if own {
                &mut doc.series_time
            } else {
                &mut doc.time
            };
            match crate::gui::anomaly::view::anomaly_view(ui, pane, time, self.settings.time_zone) {
                Some(AnomalyRequest::Start) => pane.start(&self.jobs),
                Some(AnomalyRequest::Restart(config)) => {
                    pane.start(&self.jobs);
                    // New runs start with them, here and on the command line.
                    let kept = config.clone();
                    self.store
                        .run_or_say(move |db| crate::jobs::settings::save_group(db, &kept));
                    self.stored.anomaly = config;
                }
                None => {}
            }
            return;
        }
        let next = doc.with_part(view, &self.settings, &mut self.commands, |part, cx| {
            part.central_ui(ui, cx)
        });
        if let Some(next) = next {
            self.view = next;
        }
    }
}

impl SegscopeApp {
    /// Escape closes the window on top: an export dialog, the Open path
    /// dialog, Settings, then Controls (the command palette closes itself).
    fn close_window_on_escape(&mut self, ctx: &egui::Context) {
        if self.palette.open || !ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            return;
        }
        if self.export_dialog.is_some() {
            self.export_dialog = None;
        } else if self.open_dialog.open {
            self.open_dialog.open = false;
        } else if self.show_settings {
            self.show_settings = false;
        } else {
            self.show_help = false;
        }
    }

    pub(super) fn overlays(&mut self, ctx: &egui::Context) {
        self.close_window_on_escape(ctx);
        if let Some(cmd) = self.palette.ui(ctx) {
            self.commands.push(cmd);
        }
        if let Some(p) = self.open_dialog.ui(ctx) {
            if self.open_dialog.nodes {
                let args = crate::jobs::fleet::FleetArgs::from_text(&p.to_string_lossy());
                self.open_nodes(args);
            } else {
                self.open(&p);
            }
        }
        if let Some(dialog) = &mut self.export_dialog {
            match dialog.ui(ctx) {
                DialogAction::None => {}
                DialogAction::Cancel => self.export_dialog = None,
                DialogAction::Save(target) => {
                    let kind = dialog.kind;
                    self.export_dialog = None;
                    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
                        && kind != ExportChoice::Data(ExportKind::Maps)
                    {
                        self.settings.export_dir = Some(dir.to_path_buf());
                    }
                    self.run_export(ctx, kind, target);
                }
            }
        }
        if self.show_help {
            egui::Window::new("Controls")
                .open(&mut self.show_help)
                .show(ctx, |ui| help_ui(ui, ctx));
        }
        if self.show_settings {
            let mut open = true;
            egui::Window::new("Settings")
                .open(&mut open)
                .show(ctx, |ui| {
                    ui.label("Theme");
                    ui.horizontal(|ui| {
                        for (t, label) in [
                            (ThemeChoice::System, "System"),
                            (ThemeChoice::Dark, "Dark"),
                            (ThemeChoice::Light, "Light"),
                        ] {
                            if ui
                                .selectable_value(&mut self.settings.theme, t, label)
                                .clicked()
                            {
                                ctx.set_theme(t.preference());
                            }
                        }
                    });
                    ui.label("Times");
                    ui.horizontal(|ui| {
                        ui.selectable_value(
                            &mut self.settings.time_zone,
                            TimeZoneChoice::Utc,
                            "UTC",
                        );
                        ui.selectable_value(
                            &mut self.settings.time_zone,
                            TimeZoneChoice::Local,
                            "Local time",
                        );
                    });
                    ui.checkbox(
                        &mut self.settings.scroll_zooms,
                        "Scroll wheel zooms (otherwise Ctrl+scroll zooms, scroll pans)",
                    );
                });
            self.show_settings = open;
        }
        // Drag and drop.
        let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
        if hovering {
            let rect = ctx.content_rect();
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop"),
            ));
            painter.rect_filled(rect, 0.0, Color32::from_black_alpha(170));
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                "Drop an archive folder to open it",
                FontId::proportional(26.0),
                Color32::WHITE,
            );
        }
        let dropped: Option<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .find(|p| !p.as_os_str().is_empty())
        });
        if let Some(p) = dropped {
            self.open(&p);
        }
        self.notes.toasts(ctx);
    }
}

fn help_ui(ui: &mut egui::Ui, ctx: &egui::Context) {
    egui::Grid::new("help-grid").striped(true).show(ui, |ui| {
        for (what, how) in [
            (
                "Zoom at the cursor",
                "Ctrl+scroll (or scroll, with the setting)",
            ),
            ("Pan", "drag, or scroll"),
            ("Box zoom", "drag with the right button"),
            ("Fit everything", "double-click, or F"),
            (
                "Inspect",
                "hover: time, coverage of the pixel, or the segment's file",
            ),
            (
                "Holes",
                "click a row of the Holes table; N / P for the next / previous",
            ),
        ] {
            ui.label(what);
            ui.label(how);
            ui.end_row();
        }
        for c in AppCommand::ALL {
            let s = c.shortcut_text(ctx);
            if !s.is_empty() {
                ui.label(c.label());
                ui.label(s);
                ui.end_row();
            }
        }
    });
}
