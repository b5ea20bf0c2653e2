//! The application shell: menus, status bar, panels, overlays, and the command
//! loop. It renders state and sends commands; the work runs on the job runner.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use egui::{Align2, Color32, FontId, RichText};

use super::GuiOptions;
use super::automation::Automation;
use super::axis::{full_time, human_duration};
use super::command::AppCommand;
use super::export::{DialogAction, ExportDialog, ExportKind, Exporter};
use super::grid_view::GridView;
use super::holes_panel::HolesPanel;
use super::hours_panel::HoursPanel;
use super::loader::{LoadState, Loader};
use super::notify::Notifications;
use super::open_dialog::{OpenPathDialog, browse_folder};
use super::palette::CommandPalette;
use super::settings::{STORAGE_KEY, Settings, ThemeChoice, TimeZoneChoice};
use super::timeline::{LaneSource, TimelineView, pixel_tooltip};
use crate::analysis::Analysis;
use crate::archive::layout::OpenedAs;
use crate::archive::name::SegmentType;
use crate::coverage::best::Seg;
use crate::jobs::db::Db;
use crate::time::HOUR_US;

/// A segment file of an hour directory, for the hover tooltip: start µs,
/// duration µs, type, file name, size in bytes.
type NamedSegment = (i64, i64, SegmentType, String, u64);

/// Tabs of the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BottomTab {
    /// The holes table.
    Holes,
    /// The per-hour table.
    Hours,
    /// Bad segments and warnings.
    Problems,
    /// Messages.
    Log,
}

/// segscope's window.
pub struct SegscopeApp {
    /// Persisted settings.
    pub settings: Settings,
    /// Runs analyses.
    pub loader: Loader,
    /// The timeline view.
    pub timeline: TimelineView,
    /// The holes table.
    pub holes: HolesPanel,
    hours: HoursPanel,
    grid: GridView,
    /// The grid map replaces the timeline.
    pub show_grid: bool,
    /// The bottom panel's tab.
    pub tab: BottomTab,
    palette: CommandPalette,
    /// Messages.
    pub notes: Notifications,
    exporter: Exporter,
    export_dialog: Option<ExportDialog>,
    open_dialog: OpenPathDialog,
    open_browse: Option<Receiver<Option<PathBuf>>>,
    show_help: bool,
    show_settings: bool,
    commands: Vec<AppCommand>,
    generation: usize,
    names: HashMap<PathBuf, Vec<NamedSegment>>,
    automation: Automation,
    quit: bool,
}

impl SegscopeApp {
    /// Builds the app: restores settings, opens the database, starts the runner and
    /// opens `options.path` (or the demo archive).
    pub fn new(cc: &eframe::CreationContext<'_>, options: GuiOptions) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        cc.egui_ctx.set_theme(settings.theme.preference());
        let db_path = options
            .db
            .clone()
            .unwrap_or_else(crate::jobs::db::default_db_path);
        let mut notes = Notifications::default();
        let db = Db::open(&db_path).or_else(|_| Db::memory());
        let db = match db {
            Ok(db) => db,
            Err(e) => {
                // Not even an in-memory database: nothing can run.
                notes.error(format!("cannot open any database: {e}"));
                #[allow(clippy::expect_used)]
                Db::memory().expect("SQLite can always open an in-memory database")
            }
        };
        for w in &db.warnings {
            notes.warn(w.clone());
        }
        let ctx = cc.egui_ctx.clone();
        let (loader, recovered) = Loader::new(db, move || {
            ctx.request_repaint_after(Duration::from_millis(10))
        });
        if !recovered.is_empty() {
            notes.warn(format!(
                "{} task(s) of a segscope that stopped were marked interrupted (segscope jobs list)",
                recovered.len()
            ));
        }
        let mut app = SegscopeApp {
            settings,
            loader,
            timeline: TimelineView::default(),
            holes: HolesPanel::default(),
            hours: HoursPanel::default(),
            grid: GridView::default(),
            show_grid: false,
            tab: BottomTab::Holes,
            palette: CommandPalette::default(),
            notes,
            exporter: Exporter::default(),
            export_dialog: None,
            open_dialog: OpenPathDialog::default(),
            open_browse: None,
            show_help: false,
            show_settings: false,
            commands: Vec::new(),
            generation: 0,
            names: HashMap::new(),
            automation: Automation::new(&options),
            quit: false,
        };
        match options.path {
            Some(p) => app.open(&p),
            None => app.open_demo(),
        }
        if let Some((a, b)) = options.view {
            app.timeline.set_range(a as f64, b as f64);
            app.timeline.auto_fit = false;
        }
        app
    }

    /// Opens an archive (cancelling one still being analysed).
    pub fn open(&mut self, path: &Path) {
        self.holes.clear();
        self.grid.reset();
        self.names.clear();
        self.timeline.auto_fit = true;
        self.timeline.highlight = None;
        match self.loader.open(path, false) {
            Ok(()) => self.notes.info(format!("Analysing {}", path.display())),
            Err(e) => self.notes.error(e),
        }
    }

    fn open_demo(&mut self) {
        let dir = crate::demo::default_demo_dir();
        if !dir.exists() {
            self.notes
                .info(format!("Generating the demo archive at {}", dir.display()));
            if let Err(e) = crate::demo::generate(&dir, &crate::demo::DemoOptions::default()) {
                self.notes.error(format!(
                    "cannot write the demo archive {}: {e}",
                    dir.display()
                ));
                return;
            }
        }
        self.open(&dir);
    }

    /// The finished analysis of the current archive.
    pub fn analysis(&self) -> Option<Arc<Analysis>> {
        self.loader
            .current
            .as_ref()
            .and_then(|l| l.analysis().cloned())
    }

    /// Queues a command (as a menu, shortcut or the palette would).
    pub fn command(&mut self, cmd: AppCommand) {
        self.commands.push(cmd);
    }

    /// The data extent: first start to last end over all streams (or the hours
    /// known while loading).
    fn extent(&self) -> Option<(f64, f64)> {
        let load = self.loader.current.as_ref()?;
        if let Some(a) = load.analysis() {
            let first = a
                .streams
                .iter()
                .filter_map(|s| s.coverage.first_start_us)
                .min()?;
            let last = a
                .streams
                .iter()
                .filter_map(|s| s.coverage.last_end_us)
                .max()?;
            return Some((first as f64, last as f64));
        }
        let hours = load
            .partial
            .iter()
            .flat_map(|p| p.pending.iter().chain(p.done.keys()));
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for &h in hours {
            lo = lo.min(h);
            hi = hi.max(h + HOUR_US);
        }
        (lo < hi).then_some((lo as f64, hi as f64))
    }

    fn fit(&mut self) {
        if let Some((a, b)) = self.extent() {
            let pad = (b - a) * 0.01;
            self.timeline.set_range(a - pad, b + pad);
        }
    }

    fn on_finished(&mut self) {
        let Some(load) = &self.loader.current else {
            return;
        };
        let elapsed = load.elapsed.map(|d| d.as_secs_f64()).unwrap_or_default();
        match &load.state {
            LoadState::Done(a) => {
                let a = Arc::clone(a);
                self.generation += 1;
                self.holes.set_analysis(&a);
                let bad: usize = a.streams.iter().map(|s| s.bad_segments.len()).sum();
                let holes = a
                    .streams
                    .iter()
                    .map(|s| s.coverage.raw_holes.len())
                    .sum::<usize>();
                self.notes.info(format!(
                    "Analysed {} segments of {} streams in {elapsed:.2} s ({} hours from the cache): {holes} raw holes, {bad} bad segments, {} warnings",
                    a.segment_total(),
                    a.streams.len(),
                    a.hours_from_cache,
                    a.warnings.len()
                ));
                for w in a.warnings.iter().take(5) {
                    self.notes.warn(format!("{}: {}", w.path, w.message));
                }
                if a.warnings.len() > 5 {
                    self.notes.warn(format!(
                        "… {} more warnings in the Problems tab",
                        a.warnings.len() - 5
                    ));
                }
                if self.timeline.auto_fit {
                    self.fit();
                }
            }
            LoadState::Failed(e) => {
                let e = e.clone();
                self.automation.abort(&e);
                self.notes.error(e);
            }
            LoadState::Cancelled => {
                self.automation.abort("analysis cancelled");
                self.notes.info("Analysis cancelled");
            }
            LoadState::Scanning => {}
        }
    }

    fn export_dir(&self) -> PathBuf {
        self.settings
            .export_dir
            .clone()
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("segscope-exports")))
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn start_export_dialog(&mut self, kind: ExportKind) {
        let Some(load) = &self.loader.current else {
            self.notes.warn("Open an archive first");
            return;
        };
        if load.analysis().is_none() {
            self.notes
                .warn("Wait for the analysis to finish before exporting");
            return;
        }
        self.export_dialog = Some(ExportDialog::new(kind, &self.export_dir(), &load.path));
    }

    fn apply(&mut self, ctx: &egui::Context, cmd: AppCommand) {
        if self.timeline.apply(cmd) {
            return;
        }
        match cmd {
            AppCommand::Open => self.open_browse = Some(browse_folder(ctx.clone())),
            AppCommand::OpenPath => {
                let start = self
                    .loader
                    .current
                    .as_ref()
                    .map(|l| l.path.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.open_dialog.show(&start);
            }
            AppCommand::OpenDemo => self.open_demo(),
            AppCommand::Reload => {
                if let Some(p) = self.loader.current.as_ref().map(|l| l.path.clone()) {
                    self.open(&p);
                }
            }
            AppCommand::Cancel => {
                if self.loader.is_scanning() {
                    self.loader.cancel();
                }
            }
            AppCommand::NextHole | AppCommand::PrevHole => {
                let mid = (self.timeline.t0 + self.timeline.t1) / 2.0;
                match self.holes.step(cmd == AppCommand::NextHole, mid) {
                    Some(row) => {
                        self.timeline.focus(row.span);
                        self.timeline.highlight = Some((row.stream, row.span));
                        self.show_grid = false;
                    }
                    None => self.notes.info(if cmd == AppCommand::NextHole {
                        "No later hole"
                    } else {
                        "No earlier hole"
                    }),
                }
            }
            AppCommand::FitAll => {
                self.fit();
                self.timeline.auto_fit = true;
            }
            AppCommand::ToggleGrid => self.show_grid = !self.show_grid,
            AppCommand::ToggleTheme => {
                let dark = ctx.theme() == egui::Theme::Dark;
                self.settings.theme = if dark {
                    ThemeChoice::Light
                } else {
                    ThemeChoice::Dark
                };
                ctx.set_theme(self.settings.theme.preference());
            }
            AppCommand::ToggleLog => {
                self.tab = if self.tab == BottomTab::Log {
                    BottomTab::Holes
                } else {
                    BottomTab::Log
                };
            }
            AppCommand::CommandPalette => self.palette.show(),
            AppCommand::ExportMaps => self.start_export_dialog(ExportKind::Maps),
            AppCommand::ExportViewPng => self.start_export_dialog(ExportKind::ViewPng),
            AppCommand::ExportHolesCsv => self.start_export_dialog(ExportKind::HolesCsv),
            AppCommand::ExportHoursCsv => self.start_export_dialog(ExportKind::HoursCsv),
            AppCommand::ExportJson => self.start_export_dialog(ExportKind::Json),
            AppCommand::ExportHtml => self.start_export_dialog(ExportKind::Html),
            AppCommand::Help => self.show_help = !self.show_help,
            AppCommand::Quit => self.quit = true,
            AppCommand::ZoomIn
            | AppCommand::ZoomOut
            | AppCommand::PanLeft
            | AppCommand::PanRight => {}
        }
    }

    fn menu_item(&mut self, ui: &mut egui::Ui, cmd: AppCommand) {
        let shortcut = cmd.shortcut_text(ui.ctx());
        let button = egui::Button::new(cmd.label()).shortcut_text(shortcut);
        if ui.add(button).on_hover_text(cmd.tooltip()).clicked() {
            self.commands.push(cmd);
            ui.close();
        }
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                for c in [AppCommand::Open, AppCommand::OpenPath, AppCommand::OpenDemo] {
                    self.menu_item(ui, c);
                }
                ui.menu_button("Open recent", |ui| {
                    let recent =
                        crate::jobs::settings::recent(self.loader.db()).unwrap_or_default();
                    if recent.is_empty() {
                        ui.label("Nothing yet");
                    }
                    for r in recent {
                        if ui.button(&r).clicked() {
                            self.open(Path::new(&r));
                            ui.close();
                        }
                    }
                });
                ui.separator();
                for c in [AppCommand::Reload, AppCommand::Cancel] {
                    self.menu_item(ui, c);
                }
                ui.separator();
                for c in [
                    AppCommand::ExportHtml,
                    AppCommand::ExportMaps,
                    AppCommand::ExportViewPng,
                    AppCommand::ExportHolesCsv,
                    AppCommand::ExportHoursCsv,
                    AppCommand::ExportJson,
                ] {
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
            if ui.selectable_label(!self.show_grid, "Timeline").clicked() {
                self.show_grid = false;
            }
            if ui.selectable_label(self.show_grid, "Grid map").clicked() {
                self.show_grid = true;
            }
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let Some(load) = &self.loader.current else {
                ui.label("No archive open. File > Open archive…, drop a folder here, or Ctrl+K.");
                return;
            };
            ui.label(RichText::new(load.path.to_string_lossy()).monospace());
            ui.separator();
            match &load.state {
                LoadState::Scanning => {
                    let (done, total) = load.progress;
                    let frac = if total > 0 {
                        done as f32 / total as f32
                    } else {
                        0.0
                    };
                    let eta = load
                        .eta_secs()
                        .map(|s| format!(", ETA {s:.0} s"))
                        .unwrap_or_default();
                    ui.add(
                        egui::ProgressBar::new(frac)
                            .desired_width(220.0)
                            .text(format!("scanning {done}/{total} hours{eta}")),
                    );
                    ui.label(&load.phrase);
                    if ui
                        .button("Cancel")
                        .on_hover_text("Stop the analysis")
                        .clicked()
                    {
                        self.commands.push(AppCommand::Cancel);
                    }
                }
                LoadState::Done(a) => {
                    ui.label(format!(
                        "{} streams, {} segments, {} holes, {} warnings · analysed in {:.2} s",
                        a.streams.len(),
                        a.segment_total(),
                        self.holes.total(),
                        a.warnings.len(),
                        load.elapsed.unwrap_or_default().as_secs_f64()
                    ));
                }
                LoadState::Failed(e) => {
                    ui.colored_label(Color32::from_rgb(0xe0, 0x50, 0x50), e);
                }
                LoadState::Cancelled => {
                    ui.label("Analysis cancelled.");
                    if ui.button("Reload").clicked() {
                        self.commands.push(AppCommand::Reload);
                    }
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let span = self.timeline.span() as i64;
                ui.label(format!("view {}", human_duration(span)));
            });
        });
    }

    fn bottom_panel(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            for (tab, label) in [
                (BottomTab::Holes, "Holes"),
                (BottomTab::Hours, "Hours"),
                (BottomTab::Problems, "Bad segments & warnings"),
                (BottomTab::Log, "Log"),
            ] {
                ui.selectable_value(&mut self.tab, tab, label);
            }
        });
        ui.separator();
        let analysis = self.analysis();
        match (self.tab, analysis) {
            (BottomTab::Log, _) => self.notes.log_ui(ui),
            (_, None) => {
                ui.label("The tables fill in when the analysis finishes.");
            }
            (BottomTab::Holes, Some(_)) => {
                if let Some(row) = self.holes.ui(ui, self.settings.time_zone) {
                    self.timeline.focus(row.span);
                    self.timeline.highlight = Some((row.stream, row.span));
                    self.show_grid = false;
                }
            }
            (BottomTab::Hours, Some(a)) => self.hours.hours_ui(ui, &a),
            (BottomTab::Problems, Some(a)) => self.hours.bad_ui(ui, &a),
        }
    }

    fn central(&mut self, ui: &mut egui::Ui) {
        let Some(load) = &self.loader.current else {
            ui.centered_and_justified(|ui| {
                ui.label("Open a segment archive: File > Open archive…, or drop a folder on this window.");
            });
            return;
        };
        if self.show_grid {
            match load.analysis().cloned() {
                Some(a) => self
                    .grid
                    .ui(ui, &a, self.generation, self.settings.time_zone),
                None => {
                    ui.label("The grid map appears when the analysis finishes.");
                }
            }
            return;
        }
        let lanes: Vec<LaneSource<'_>> = match &load.state {
            LoadState::Done(a) => a.streams.iter().map(LaneSource::Done).collect(),
            _ => load.partial.iter().map(LaneSource::Loading).collect(),
        };
        if lanes.is_empty() {
            ui.label(match &load.state {
                LoadState::Scanning => "Looking for streams…",
                _ => "No streams found (see the log).",
            });
            return;
        }
        let response = self
            .timeline
            .ui(ui, &lanes, &self.settings, &mut self.commands);
        let analysis = load.analysis().cloned();
        drop(lanes);
        if let (Some(hover), Some(a)) = (self.timeline.hover, analysis) {
            let text = match self.timeline.hovered_segment {
                Some(hs) => self.segment_tooltip(&a, hs.lane, hs.seg, hs.overlap),
                None => a
                    .streams
                    .get(hover.lane)
                    .map(|s| {
                        pixel_tooltip(
                            s,
                            &self.timeline,
                            response.rect.width() - 150.0,
                            hover.time_us,
                            self.settings.time_zone,
                        )
                    })
                    .unwrap_or_default(),
            };
            response.on_hover_text_at_pointer(text);
        }
    }

    /// Directory of a stream.
    fn stream_dir(a: &Analysis, stream: usize) -> Option<PathBuf> {
        let s = a.streams.get(stream)?;
        let root = PathBuf::from(&a.root);
        Some(match a.opened_as {
            OpenedAs::Quality => root,
            OpenedAs::Channel => root.join(&s.quality),
            OpenedAs::Root => root.join(&s.channel).join(&s.quality),
        })
    }

    fn segment_tooltip(&mut self, a: &Analysis, stream: usize, seg: Seg, overlap: bool) -> String {
        let tz = self.settings.time_zone;
        let mut text = format!(
            "{}\nstart {}\nduration {}\ntype {}{}",
            a.streams
                .get(stream)
                .map(|s| format!("{}/{}", s.channel, s.quality))
                .unwrap_or_default(),
            full_time(seg.start_us, tz),
            human_duration(seg.duration_us),
            seg.kind.as_str(),
            if overlap {
                " (overlap: duplicate or dropped from the editable chain)"
            } else {
                ""
            }
        );
        let hour = seg.start_us.div_euclid(HOUR_US) * HOUR_US;
        if let Some(dir) =
            Self::stream_dir(a, stream).map(|d| d.join(crate::time::format_hour(hour)))
        {
            let list = self
                .names
                .entry(dir.clone())
                .or_insert_with(|| list_names(&dir, hour));
            let matching: Vec<&NamedSegment> = list
                .iter()
                .filter(|(s, d, k, _, _)| {
                    *s == seg.start_us && *d == seg.duration_us && *k == seg.kind
                })
                .collect();
            for (_, _, _, name, size) in matching {
                text.push_str(&format!("\nfile {name}\nsize {size} bytes"));
            }
        }
        text
    }

    fn overlays(&mut self, ctx: &egui::Context) {
        if let Some(cmd) = self.palette.ui(ctx) {
            self.commands.push(cmd);
        }
        if let Some(p) = self.open_dialog.ui(ctx) {
            self.open(&p);
        }
        if let Some(dialog) = &mut self.export_dialog {
            match dialog.ui(ctx) {
                DialogAction::None => {}
                DialogAction::Cancel => self.export_dialog = None,
                DialogAction::Save(target) => {
                    let kind = dialog.kind;
                    self.export_dialog = None;
                    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                        let _ = std::fs::create_dir_all(dir);
                        if kind != ExportKind::Maps {
                            self.settings.export_dir = Some(dir.to_path_buf());
                        }
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

    fn run_export(&mut self, ctx: &egui::Context, kind: ExportKind, target: PathBuf) {
        let (Some(a), Some(archive)) = (
            self.analysis(),
            self.loader.current.as_ref().map(|l| l.path.clone()),
        ) else {
            return;
        };
        if kind == ExportKind::ViewPng {
            let Some(rect) = self.timeline.last_rect else {
                self.notes
                    .warn("Show the timeline before exporting the view");
                return;
            };
            // The screenshot is taken on the next frame, once this dialog is gone.
            self.show_grid = false;
            self.exporter.pending_view = Some((target, rect));
            self.exporter.view_requested = false;
            ctx.request_repaint();
            return;
        }
        self.notes
            .info(format!("Exporting to {} …", target.display()));
        self.exporter.start(kind, a, archive, target, ctx.clone());
    }

    fn background_results(&mut self, ctx: &egui::Context) {
        if let Some(rx) = &self.open_browse {
            if let Ok(result) = rx.try_recv() {
                self.open_browse = None;
                match result {
                    Some(p) => self.open(&p),
                    None => self
                        .notes
                        .info("No folder chosen (type a path with File > Open path…)"),
                }
            }
        }
        for r in self.exporter.finished() {
            self.automation.export_finished(&r);
            match r {
                Ok(m) => self.notes.info(m),
                Err(e) => self.notes.error(format!("Export failed: {e}")),
            }
        }
        if self.exporter.pending_view.is_some() && !self.exporter.view_requested {
            self.exporter.view_requested = true;
            let slot = Arc::clone(&self.exporter.screenshot);
            let waker = ctx.clone();
            ctx.request_screenshot(move |img| {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(img);
                }
                waker.request_repaint();
            });
        } else if self.exporter.pending_view.is_some() && !self.automation.screenshot_pending() {
            let img = self
                .exporter
                .screenshot
                .lock()
                .ok()
                .and_then(|mut s| s.take());
            // Take the target only once the picture has arrived.
            let ready = img.and_then(|img| self.exporter.pending_view.take().map(|p| (img, p)));
            if let Some((img, (target, rect))) = ready {
                let ppp = ctx.pixels_per_point();
                let crop = [
                    (rect.left() * ppp).max(0.0) as usize,
                    (rect.top() * ppp).max(0.0) as usize,
                    (rect.width() * ppp) as usize,
                    (rect.height() * ppp) as usize,
                ];
                let archive = self
                    .loader
                    .current
                    .as_ref()
                    .map(|l| l.path.clone())
                    .unwrap_or_default();
                self.exporter
                    .save_view(img, crop, target, archive, ctx.clone());
            }
        }
    }
}

/// Lists an hour directory for the segment tooltip: (start, duration, type, name, size).
fn list_names(dir: &Path, hour_start_us: i64) -> Vec<NamedSegment> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            match crate::archive::name::classify_name(name.as_encoded_bytes()) {
                crate::archive::name::NameClass::Segment(p) => {
                    let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                    Some((
                        hour_start_us + p.offset_us,
                        p.duration_us,
                        p.kind,
                        name.to_string_lossy().into_owned(),
                        size,
                    ))
                }
                _ => None,
            }
        })
        .collect()
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

impl eframe::App for SegscopeApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        self.automation
            .frame_start(ctx, self.loader.is_scanning(), frame.info().cpu_usage);
        let drained = self.loader.drain(Duration::from_millis(8));
        if drained.finished {
            self.on_finished();
        }
        if self.loader.is_scanning() {
            // Keep the progress moving even between events.
            ctx.request_repaint_after(Duration::from_millis(100));
            if self.timeline.auto_fit {
                self.fit();
            }
        }
        self.background_results(ctx);
        if let Some(target) = self.automation.view_export_due() {
            self.run_export(ctx, ExportKind::ViewPng, target);
        }
        let analysis = self.analysis();
        if let Some(cmd) =
            self.automation
                .step(ctx, analysis.as_deref(), &mut self.timeline, &self.exporter)
        {
            self.commands.push(cmd);
        }
        if self.quit || self.automation.should_close() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.commands.extend(AppCommand::pressed(&ctx));
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::Panel::bottom("tables")
            .resizable(true)
            .default_size(300.0)
            .min_size(240.0)
            .show(ui, |ui| self.bottom_panel(ui));
        // No fill: the window is cleared to the same colour, and software renderers pay per covered pixel.
        let central = egui::Frame::central_panel(&ctx.global_style()).fill(Color32::TRANSPARENT);
        egui::CentralPanel::default()
            .frame(central)
            .show(ui, |ui| self.central(ui));
        self.overlays(&ctx);
        let commands = std::mem::take(&mut self.commands);
        for c in commands {
            self.apply(&ctx, c);
        }
        self.automation.frame_end(&ctx);
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        // The central panel is not filled: the clear colour is its background.
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.loader.cancel();
    }
}
