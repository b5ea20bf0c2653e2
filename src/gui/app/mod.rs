//! The application shell: its state, the command loop and the frame (`logic`,
//! then `ui`); the visible parts are drawn in the `panels` module. It renders state and
//! sends commands; the work runs on the job runner.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

mod panels;

use super::GuiOptions;
use super::automation::Automation;
use super::command::AppCommand;
use super::export::{ExportDialog, ExportKind, Exporter};
use super::grid_view::GridView;
use super::holes_panel::HolesPanel;
use super::hours_panel::HoursPanel;
use super::loader::{LoadState, Loader};
use super::notify::Notifications;
use super::open_dialog::{OpenPathDialog, browse_folder};
use super::palette::CommandPalette;
use super::settings::{STORAGE_KEY, Settings, ThemeChoice};
use super::timeline::TimelineView;
use crate::analysis::Analysis;
use crate::jobs::db::{Db, DbError};
use crate::time::HOUR_US;

/// A segment file of an hour directory, for the hover tooltip.
pub(super) struct NamedSegment {
    /// The file as the walk lists it.
    segment: crate::archive::walk::ListedSegment,
    /// Its size in bytes, read when first hovered.
    size: Option<u64>,
}

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
    no_cache: bool,
    quit: bool,
}

impl SegscopeApp {
    /// Builds the app: restores settings, opens the database, starts the runner and
    /// opens `options.path` (or the demo archive).
    pub fn new(cc: &eframe::CreationContext<'_>, options: GuiOptions) -> Result<Self, DbError> {
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
        // Db::open already falls back to memory; an error means not even that works.
        let db = Db::open(&db_path)?;
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
            no_cache: options.no_cache,
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
        Ok(app)
    }

    /// Opens an archive (cancelling one still being analysed).
    pub fn open(&mut self, path: &Path) {
        self.holes.clear();
        self.grid.reset();
        self.names.clear();
        self.timeline.auto_fit = true;
        self.timeline.highlight = None;
        match self.loader.open(path, self.no_cache) {
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
        let central =
            egui::Frame::central_panel(&ctx.global_style()).fill(egui::Color32::TRANSPARENT);
        egui::CentralPanel::default()
            .frame(central)
            .show(ui, |ui| self.central(ui));
        self.overlays(&ctx);
        let commands = std::mem::take(&mut self.commands);
        for c in commands {
            self.apply(&ctx, c);
        }
        let lanes_with_data = self.timeline.drawn.iter().any(|l| l.data_px > 0);
        self.automation.frame_end(&ctx, lanes_with_data);
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
