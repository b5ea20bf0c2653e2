//! The application shell: its state, the command loop and the frame (`logic`,
//! then `ui`); the visible parts are drawn in the `panels` module. It renders state and
//! sends commands; the work runs on the job runner.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

mod caption;
mod panels;
mod probe;

pub use probe::Probe;

use super::GuiOptions;
use super::anomaly::AnomalyPane;
use super::document::{Body, Document, DocumentKind, MainView};
use super::perf::PerfDoc;
use crate::analysis::Analysis;
use crate::gui::shell::automation::Automation;
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::command_palette::CommandPalette;
use crate::gui::shell::export_dialog::{ExportChoice, ExportDialog, Exporter};
use crate::gui::shell::job::{Ending, JobState};
use crate::gui::shell::notify::Notifications;
use crate::gui::shell::open_dialog::{OpenPathDialog, browse_file, browse_folder};
use crate::gui::shell::settings::{STORAGE_KEY, Settings, ThemeChoice};
use crate::jobs::client::JobClient;
use crate::jobs::db::{Db, DbError};
use crate::jobs::runner::ClaimScope;
use crate::jobs::tasks::builtin_registry;

pub use crate::gui::shell::views::BottomTab;

/// How long a frame may spend handling what the documents' jobs reported.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);

/// The document with id `id` among `docs`.
fn find_doc(docs: &mut [(u64, Document)], id: Option<u64>) -> Option<&mut Document> {
    let id = id?;
    docs.iter_mut().find(|(i, _)| *i == id).map(|(_, d)| d)
}

/// An open that has not succeeded yet: if it fails, the document it replaced
/// as the active one comes back.
struct Opening {
    doc: u64,
    previous: Option<u64>,
}

/// segscope's window.
pub struct SegscopeApp {
    /// Persisted settings.
    pub(crate) settings: Settings,
    /// The one job client: every document's tasks run through it.
    pub(crate) jobs: JobClient,
    /// The database work the window asks for, on a thread of its own.
    pub(crate) store: crate::gui::shell::store::Store,
    /// The stored settings, kept in memory (written back through the store).
    pub(crate) stored: crate::gui::shell::store::StoredSettings,
    /// Open documents, with their ids.
    docs: Vec<(u64, Document)>,
    next_id: u64,
    active: Option<u64>,
    opening: Option<Opening>,
    /// The main view shown for the active document.
    pub(crate) view: MainView,
    /// The bottom panel's tab.
    pub(crate) tab: BottomTab,
    palette: CommandPalette,
    /// Messages.
    pub(crate) notes: Notifications,
    /// The Jobs tab.
    pub(crate) jobs_panel: crate::gui::shell::jobs_panel::JobsPanel,
    exporter: Exporter,
    export_dialog: Option<ExportDialog>,
    open_dialog: OpenPathDialog,
    open_browse: Option<Receiver<Option<PathBuf>>>,
    demo_ready: Option<Receiver<Result<PathBuf, String>>>,
    recent: Vec<String>,
    recent_rx: Option<Receiver<Vec<String>>>,
    show_help: bool,
    show_settings: bool,
    commands: Vec<AppCommand>,
    /// Where the caption row above the main view was drawn last.
    caption_rect: Option<egui::Rect>,
    automation: Automation,
    no_cache: bool,
    quit: bool,
}

impl SegscopeApp {
    /// Builds the app: restores settings, opens the database, starts the job
    /// client and opens `options.path` (or the demo archive).
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
        let (stored, problems) = crate::gui::shell::store::StoredSettings::load(&db);
        for p in problems {
            notes.warn(p);
        }
        let wake = cc.egui_ctx.clone();
        let store =
            crate::gui::shell::store::Store::start(db.clone(), move || wake.request_repaint());
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (jobs, recovered) = JobClient::start(db, builtin_registry(), workers, ClaimScope::Own);
        let ctx = cc.egui_ctx.clone();
        jobs.set_waker(move || ctx.request_repaint_after(Duration::from_millis(10)));
        if !recovered.is_empty() {
            notes.warn(format!(
                "{} task(s) of a segscope that stopped were marked interrupted (segscope jobs list)",
                recovered.len()
            ));
        }
        let mut app = SegscopeApp {
            settings,
            jobs,
            store,
            stored,
            docs: Vec::new(),
            next_id: 1,
            active: None,
            opening: None,
            view: MainView::Timeline,
            tab: BottomTab::Holes,
            palette: CommandPalette::default(),
            notes,
            jobs_panel: Default::default(),
            exporter: Exporter::default(),
            export_dialog: None,
            open_dialog: OpenPathDialog::default(),
            open_browse: None,
            demo_ready: None,
            recent: Vec::new(),
            recent_rx: None,
            show_help: false,
            show_settings: false,
            commands: Vec::new(),
            caption_rect: None,
            automation: Automation::new(&options),
            no_cache: options.no_cache,
            quit: false,
        };
        app.refresh_recent(None);
        match options.path {
            Some(p) => app.open(&p),
            None => app.open_demo(&cc.egui_ctx),
        }
        if let Some(view) = options.show {
            app.view = view;
        }
        if let Some(tab) = options.tab.as_deref().and_then(BottomTab::from_key) {
            app.tab = tab;
        }
        if let Some((a, b)) = options.view {
            app.show_range(a as f64, b as f64);
        }
        Ok(app)
    }

    /// A read-only look at what the window holds.
    pub fn probe(&self) -> Probe<'_> {
        Probe::new(self)
    }

    /// Shows `t0..t1` (µs since the epoch) in the active document's main view,
    /// as a zoom by the user would: the view no longer fits itself to new data.
    pub fn show_range(&mut self, t0: f64, t1: f64) {
        let view = self.view;
        if let Some(doc) = self.doc_mut() {
            doc.time_for(view).pin(t0, t1);
        }
    }

    /// Sets how often the active archive is scanned again while watched (the
    /// `monitor.watch_interval_s` setting otherwise). Nothing happens when it is
    /// not watched.
    pub fn set_watch_interval(&mut self, interval: Duration) {
        if let Some(w) = self
            .doc_mut()
            .and_then(Document::archive_mut)
            .and_then(|a| a.watch.as_mut())
        {
            w.interval = interval;
        }
    }

    /// The active document.
    pub(crate) fn doc(&self) -> Option<&Document> {
        let id = self.active?;
        self.docs.iter().find(|(i, _)| *i == id).map(|(_, d)| d)
    }

    /// The active document, to change.
    pub(crate) fn doc_mut(&mut self) -> Option<&mut Document> {
        find_doc(&mut self.docs, self.active)
    }

    /// Open documents, in tab order.
    pub(crate) fn documents(&self) -> impl Iterator<Item = &Document> {
        self.docs.iter().map(|(_, d)| d)
    }

    /// Makes the `index`th document (tab order) the active one.
    pub fn activate(&mut self, index: usize) {
        if let Some((id, _)) = self.docs.get(index) {
            self.active = Some(*id);
        }
    }

    /// Index of the active document in tab order.
    pub fn active_index(&self) -> Option<usize> {
        let id = self.active?;
        self.docs.iter().position(|(i, _)| *i == id)
    }

    /// Opens an archive as a new document and makes it active. A path already
    /// open is made active instead. If the open fails, the error is shown and
    /// the document that was active stays.
    pub fn open(&mut self, path: &Path) {
        if let Some(index) = self.docs.iter().position(|(_, d)| d.path() == Some(path)) {
            self.activate(index);
            return;
        }
        let opened = Document::open(&self.jobs, path, self.anomaly_config(), self.no_cache);
        self.add_document(
            opened,
            crate::text::shown_path(path),
            Some(path.to_path_buf()),
        );
    }

    /// Makes a document just opened (or why it could not be) the active one,
    /// on its kind's first view and tab; `recent` joins Open recent.
    fn add_document(
        &mut self,
        opened: Result<Document, String>,
        what: String,
        recent: Option<PathBuf>,
    ) {
        match opened {
            Ok(doc) => {
                self.view = doc.kind().default_view();
                self.tab = BottomTab::default_for(doc.kind());
                self.notes.info(format!("Opening {what}"));
                let id = self.next_id;
                self.next_id += 1;
                self.opening = Some(Opening {
                    doc: id,
                    previous: self.active,
                });
                self.docs.push((id, doc));
                self.active = Some(id);
                if recent.is_some() {
                    self.refresh_recent(recent);
                }
            }
            Err(e) => {
                self.automation.abort(&e);
                self.notes.error(e);
            }
        }
    }

    /// Opens a fleet of recording nodes as a new document and makes it active.
    pub fn open_nodes(&mut self, args: crate::jobs::fleet::FleetArgs) {
        let title = args.title();
        let opened = Document::open_fleet(&self.jobs, args.clone(), title.clone());
        self.add_document(
            opened,
            crate::text::shown(&title).into_owned(),
            args.node_file,
        );
    }

    /// A fleet document's reading finished.
    fn on_fleet_finished(&mut self, id: u64) {
        let opening = self.take_opening(id);
        let Some(index) = self.docs.iter().position(|(i, _)| *i == id) else {
            return;
        };
        let doc = &mut self.docs[index].1;
        let Some(fleet) = doc.fleet() else { return };
        match fleet.job.state.clone() {
            JobState::Done(r) => {
                let down: Vec<String> = r
                    .fleet
                    .nodes
                    .iter()
                    .filter_map(|n| {
                        n.analysis
                            .as_ref()
                            .err()
                            .map(|e| format!("{}: {e}", n.spec.name))
                    })
                    .collect();
                let title = doc.title();
                self.notes.info(format!(
                    "Read {} of {title}: {} to copy, {} lost everywhere",
                    crate::text::counted(r.fleet.nodes.len() as u64, "node"),
                    crate::text::counted(r.plan.fetches.len() as u64, "file"),
                    match r.plan.lost.len() {
                        1 => "1 stretch".to_string(),
                        n => format!("{n} stretches"),
                    }
                ));
                for d in down {
                    self.notes.warn(format!("Node unreachable: {d}"));
                }
                for note in &r.fleet.notes {
                    self.notes.warn(note.clone());
                }
                let doc = &mut self.docs[index].1;
                doc.generation += 1;
                doc.fit();
                if let Some(notice) = doc
                    .monitor
                    .update_fleet(&r, &self.stored.rules, &self.store)
                {
                    self.notes.warn(notice);
                }
            }
            JobState::Failed(e) => {
                self.ended_without_snapshot::<()>(Ending::Failed(e), opening, index)
            }
            JobState::Cancelled => {
                self.ended_without_snapshot::<()>(Ending::Cancelled, opening, index)
            }
            JobState::Idle | JobState::Running(_) => {}
        }
    }

    /// Closes the active document; the one before it (or after) becomes active.
    pub fn close_active(&mut self) {
        let Some(index) = self.active_index() else {
            return;
        };
        let (_, mut doc) = self.docs.remove(index);
        doc.cancel();
        self.active = self
            .docs
            .get(index.saturating_sub(1))
            .or_else(|| self.docs.first())
            .map(|(id, _)| *id);
    }

    /// Opens the demo archive, generating it first (in the background) if missing.
    fn open_demo(&mut self, ctx: &egui::Context) {
        let dir = crate::demo::default_demo_dir();
        if dir.exists() {
            self.open(&dir);
            return;
        }
        self.notes
            .info(format!("Generating the demo archive at {}", dir.display()));
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        let _ = std::thread::Builder::new()
            .name("segscope-demo".into())
            .spawn(move || {
                let made = crate::demo::generate(&dir, &crate::demo::DemoOptions::default())
                    .map(|_| dir.clone())
                    .map_err(|e| format!("cannot write the demo archive {}: {e}", dir.display()));
                let _ = tx.send(made);
                ctx.request_repaint();
            });
        self.demo_ready = Some(rx);
    }

    /// Opens the demo perf export, generating it first (in the background) if
    /// missing.
    fn open_demo_perf(&mut self, ctx: &egui::Context) {
        let file = crate::perf::demo::default_demo_perf(false);
        if file.exists() {
            self.open(&file);
            return;
        }
        self.notes.info(format!(
            "Generating the demo perf export at {}",
            file.display()
        ));
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        let _ = std::thread::Builder::new()
            .name("segscope-demo".into())
            .spawn(move || {
                let options = crate::perf::demo::DemoPerfOptions::default();
                let made = crate::export::timing::demo::write_demo_perf_file(&file, &options)
                    .map(|_| file.clone())
                    .map_err(|e| {
                        format!("cannot write the demo perf export {}: {e}", file.display())
                    });
                let _ = tx.send(made);
                ctx.request_repaint();
            });
        self.demo_ready = Some(rx);
    }

    /// Records `opened` among the recent files (if given) and reads the list, in
    /// the background (the menu shows the last list read).
    fn refresh_recent(&mut self, opened: Option<PathBuf>) {
        let db = self.jobs.db().clone();
        let (tx, rx) = mpsc::channel();
        let _ = std::thread::Builder::new()
            .name("segscope-recent".into())
            .spawn(move || {
                if let Some(path) = opened {
                    crate::jobs::settings::remember_opened(&db, &path);
                }
                let _ = tx.send(crate::jobs::settings::recent(&db).unwrap_or_default());
            });
        self.recent_rx = Some(rx);
    }

    /// The finished analysis of the active document.
    pub fn analysis(&self) -> Option<Arc<Analysis>> {
        self.doc().and_then(Document::analysis)
    }

    /// True while the active document is being analysed.
    pub fn is_scanning(&self) -> bool {
        self.doc()
            .and_then(Document::archive)
            .is_some_and(|a| a.loader.is_scanning())
    }

    /// Queues a command (as a menu, shortcut or the palette would).
    pub fn command(&mut self, cmd: AppCommand) {
        self.commands.push(cmd);
    }

    /// Handles what every document's jobs reported since the last frame.
    fn drain_documents(&mut self) {
        // One budget for the frame, shared by every document.
        let until = std::time::Instant::now() + DRAIN_BUDGET;
        let ids: Vec<u64> = self.docs.iter().map(|(id, _)| *id).collect();
        for id in ids {
            let Some(doc) = find_doc(&mut self.docs, Some(id)) else {
                continue;
            };
            let left = until.saturating_duration_since(std::time::Instant::now());
            if doc.anomalies.as_mut().is_some_and(|pane| pane.drain(left)) {
                let series = doc.kind() == DocumentKind::Series;
                if series {
                    self.on_anomalies_finished(id);
                }
                // Every run's verdicts (of a series file, or of the series
                // derived from an archive or a perf export) join the
                // document's monitor tree.
                if let Some(doc) = find_doc(&mut self.docs, Some(id))
                    && let Some(run) = doc.anomalies.as_ref().and_then(AnomalyPane::run)
                    && let Some(notice) =
                        doc.monitor
                            .update_anomalies(run, &self.stored.rules, &self.store)
                {
                    self.notes.warn(notice);
                }
                if series {
                    continue;
                }
            }
            let Some(doc) = find_doc(&mut self.docs, Some(id)) else {
                continue;
            };
            if let Some(perf) = doc.perf_mut() {
                if perf.drain(left) {
                    self.on_perf_finished(id);
                }
                continue;
            }
            if let Some(fleet) = doc.fleet_mut() {
                if fleet.drain(left) {
                    self.on_fleet_finished(id);
                } else if doc.is_busy() && doc.time.auto_fit && self.active == Some(id) {
                    // The lanes of the nodes read so far fill the view.
                    doc.fit();
                }
                continue;
            }
            let Some(archive) = doc.archive_mut() else {
                continue;
            };
            let drained = archive.loader.drain(left);
            if let Some(why) = &drained.reload_failed {
                self.notes.error(format!(
                    "Reload failed; still showing the last analysis: {why}"
                ));
            }
            if drained.finished {
                self.on_finished(id, drained.reloaded);
            }
            let active = self.active == Some(id);
            if let Some(doc) = find_doc(&mut self.docs, Some(id))
                && doc.archive().is_some_and(|a| a.loader.is_scanning())
                && doc.time.auto_fit
                && active
            {
                doc.fit();
            }
        }
    }

    /// Re-scans every watched archive whose interval has passed (and that is
    /// not being analysed already).
    fn watch_documents(&mut self) {
        for (_, doc) in &mut self.docs {
            let Some(a) = doc.archive_mut() else { continue };
            let Some(w) = &mut a.watch else { continue };
            let busy = a.loader.is_scanning() || a.loader.reload_progress().is_some();
            if busy || w.last.elapsed() < w.interval {
                continue;
            }
            w.last = std::time::Instant::now();
            match a.loader.reload(&self.jobs, self.no_cache) {
                Ok(()) => w.reloading = true,
                Err(e) => self.notes.error(format!("Watch: {e}")),
            }
        }
    }

    /// Polls every document's monitor tree (segscope's own points), whatever
    /// tab is shown, so their ages stay true and a point getting worse gives
    /// a notice at once; keeps frames coming while a tree has points to poll.
    fn poll_monitors(&mut self, ctx: &egui::Context) {
        let mut polled = false;
        for (_, doc) in &mut self.docs {
            polled |= doc.monitor.has_tree();
            if let Some(notice) = doc.monitor.tick(&self.store) {
                self.notes.warn(notice);
            }
        }
        if polled {
            ctx.request_repaint_after(crate::monitor::health::POLL_EVERY);
        }
    }

    /// The open of document `id` has finished: `Some(previous active)` when
    /// it was the open in progress.
    fn take_opening(&mut self, id: u64) -> Option<Option<u64>> {
        let opening = self
            .opening
            .as_ref()
            .filter(|o| o.doc == id)
            .map(|o| o.previous);
        if opening.is_some() {
            self.opening = None;
        }
        opening
    }

    /// A failed open closes nothing: its document (at `index`) goes and the
    /// one that was active comes back.
    fn restore_after_failed_open(&mut self, opening: Option<Option<u64>>, index: usize) {
        if let Some(Some(previous)) = opening
            && self.docs.iter().any(|(i, _)| *i == previous)
        {
            self.docs.remove(index);
            self.active = Some(previous);
        }
    }

    /// A perf document's reading finished.
    fn on_perf_finished(&mut self, id: u64) {
        let opening = self.take_opening(id);
        let Some(index) = self.docs.iter().position(|(i, _)| *i == id) else {
            return;
        };
        let doc = &mut self.docs[index].1;
        let Some(ending) = self
            .notes
            .about(doc.title(), |n| doc.perf().and_then(|p| p.finished(n)))
        else {
            return;
        };
        let a = match ending {
            Ending::Done(a) => a,
            other => return self.ended_without_snapshot(other, opening, index),
        };
        doc.generation += 1;
        doc.fit();
        if let Some(notice) = doc.monitor.update_perf(&a, &self.stored.rules, &self.store) {
            self.notes.warn(notice);
        }
    }

    /// The settings anomaly runs start with: the stored ones (shared with
    /// the command line).
    fn anomaly_config(&self) -> crate::anomaly::config::AnomalyConfig {
        self.stored.anomaly.clone()
    }

    /// A series document's run finished.
    fn on_anomalies_finished(&mut self, id: u64) {
        let opening = self.take_opening(id);
        let Some(index) = self.docs.iter().position(|(i, _)| *i == id) else {
            return;
        };
        let doc = &mut self.docs[index].1;
        let Some(ending) = self.notes.about(doc.title(), |n| {
            doc.anomalies.as_ref().and_then(|p| p.finished(n))
        }) else {
            return;
        };
        match ending {
            Ending::Done(()) => {
                doc.generation += 1;
                // A view the user zoomed stays where it is.
                if doc.time.auto_fit {
                    doc.fit();
                }
            }
            other => self.ended_without_snapshot(other, opening, index),
        }
    }

    /// An archive document's analysis (or reload) finished.
    fn on_finished(&mut self, id: u64, reloaded: bool) {
        let Some(index) = self.docs.iter().position(|(i, _)| *i == id) else {
            return;
        };
        let opening = self.take_opening(id);
        let doc = &mut self.docs[index].1;
        let title = doc.title();
        let Some(ending) = self.notes.about(title, |n| {
            doc.archive_mut().and_then(|a| a.finished(reloaded, n))
        }) else {
            return;
        };
        let new = match ending {
            Ending::Done(new) => new,
            other => return self.ended_without_snapshot(other, opening, index),
        };
        doc.generation += 1;
        // The monitor tree follows each analysis; its alert changes come as
        // one notice.
        if let Some(notice) = doc.monitor.update(
            &new.analysis,
            new.took,
            new.watching,
            &self.stored.rules,
            &self.store,
        ) {
            self.notes.warn(notice);
        }
        if doc.time.auto_fit {
            doc.fit();
        } else if let Some((_, newest)) = doc.extent().filter(|_| new.follow) {
            // Follow: the same span, ending just after the newest time.
            let span = doc.time.span();
            doc.time
                .set_range(newest - span * 0.95, newest + span * 0.05);
        }
    }

    /// A job that ended without a snapshot: a failed open closes nothing (the
    /// document that was active stays), and the automation is told.
    fn ended_without_snapshot<T>(
        &mut self,
        ending: Ending<T>,
        opening: Option<Option<u64>>,
        index: usize,
    ) {
        match ending {
            Ending::Failed(e) => {
                self.automation.abort(&e);
                self.notes.error(e);
                self.restore_after_failed_open(opening, index);
            }
            Ending::Cancelled => self.automation.abort("cancelled"),
            Ending::Done(_) => {}
        }
    }

    fn export_dir(&self) -> PathBuf {
        self.settings
            .export_dir
            .clone()
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("segscope-exports")))
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn start_export_dialog(&mut self, kind: ExportChoice) {
        let Some(doc) = self.doc() else {
            self.notes.warn("Open an archive or a perf export first");
            return;
        };
        if let ExportChoice::Data(k) = kind
            && !doc.kind().exports().contains(&k)
        {
            self.notes
                .warn(format!("A {} has no {}", doc.kind().noun(), k.title()));
            return;
        }
        if doc.analysed().is_none() {
            self.notes
                .warn("Wait for the analysis to finish before exporting");
            return;
        }
        let name = doc.export_file_name(kind);
        self.export_dialog = Some(ExportDialog::new(kind, &self.export_dir(), &name));
    }

    fn apply(&mut self, ctx: &egui::Context, cmd: AppCommand) {
        let view = self.view;
        if let (Some(doc), Some(step)) = (self.doc_mut(), cmd.time_step())
            && doc.time_for(view).apply(step)
        {
            return;
        }
        match cmd {
            AppCommand::Open => self.open_browse = Some(browse_folder(ctx.clone())),
            AppCommand::OpenNodes => self.open_dialog.show_nodes(),
            AppCommand::OpenPath => {
                let start = self
                    .doc()
                    .and_then(Document::path)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.open_dialog.show(&start);
            }
            AppCommand::OpenDemo => self.open_demo(ctx),
            AppCommand::OpenDemoPerf => self.open_demo_perf(ctx),
            AppCommand::OpenFile => self.open_browse = Some(browse_file(ctx.clone())),
            AppCommand::Close => self.close_active(),
            AppCommand::Reload => {
                if let Some(doc) = find_doc(&mut self.docs, self.active) {
                    if let Some(perf) = doc.perf_mut() {
                        match PerfDoc::open(&self.jobs, &perf.path) {
                            Ok(mut fresh) => {
                                perf.cancel();
                                // The same views: sort, filter, selection, pool.
                                std::mem::swap(&mut fresh.gantt, &mut perf.gantt);
                                std::mem::swap(&mut fresh.charts, &mut perf.charts);
                                fresh.charts.forget_figures();
                                fresh.pool = perf.pool;
                                *perf = fresh;
                                self.notes.info("Reading the export again…");
                            }
                            Err(e) => self.notes.error(e),
                        }
                        return;
                    }
                    if let Some(a) = doc.archive_mut() {
                        match a.loader.reload(&self.jobs, self.no_cache) {
                            Ok(()) => self.notes.info("Reloading…"),
                            Err(e) => self.notes.error(e),
                        }
                    }
                    if let Some(f) = doc.fleet_mut() {
                        match f.reload(&self.jobs) {
                            Ok(()) => self.notes.info("Reading the nodes again…"),
                            Err(e) => self.notes.error(e),
                        }
                    }
                }
            }
            AppCommand::Cancel => {
                if let Some(doc) = self.doc_mut() {
                    doc.cancel();
                }
            }
            AppCommand::NextHole | AppCommand::PrevHole => {
                let Some(doc) = self.doc_mut() else {
                    return;
                };
                let mid = (doc.time.t0 + doc.time.t1) / 2.0;
                let Some(archive) = doc.archive_mut() else {
                    return;
                };
                match archive.holes.step(cmd == AppCommand::NextHole, mid) {
                    Some(row) => {
                        archive.timeline.highlight = Some((row.stream, row.span));
                        doc.time.focus(row.span);
                        self.view = MainView::Timeline;
                    }
                    None => self.notes.info(if cmd == AppCommand::NextHole {
                        "No later hole"
                    } else {
                        "No earlier hole"
                    }),
                }
            }
            AppCommand::FitAll => {
                let view = self.view;
                if let Some(doc) = self.doc_mut() {
                    doc.time_for(view).remember();
                    doc.fit_view(view);
                    doc.time_for(view).auto_fit = true;
                }
            }
            AppCommand::ToggleGrid => {
                self.view = if self.view == MainView::GridMap {
                    MainView::Timeline
                } else {
                    MainView::GridMap
                };
            }
            AppCommand::ToggleTheme => {
                let dark = ctx.theme() == egui::Theme::Dark;
                self.settings.theme = if dark {
                    ThemeChoice::Light
                } else {
                    ThemeChoice::Dark
                };
                ctx.set_theme(self.settings.theme.preference());
            }
            AppCommand::ToggleWatch => {
                if let Some(archive) =
                    find_doc(&mut self.docs, self.active).and_then(Document::archive_mut)
                {
                    let interval = self.stored.rules.watch_interval();
                    archive.watch = match archive.watch.take() {
                        Some(_) => None,
                        None => Some(super::document::ArchiveWatch::new(interval)),
                    };
                    self.notes.info(if archive.watch.is_some() {
                        format!(
                            "Watching: the archive is re-scanned every {} s (rule watch_interval_s)",
                            interval.as_secs_f64()
                        )
                    } else {
                        "Stopped watching".to_string()
                    });
                }
            }
            AppCommand::ToggleFollow => {
                if let Some(w) = self
                    .doc_mut()
                    .and_then(Document::archive_mut)
                    .and_then(|a| a.watch.as_mut())
                {
                    w.follow = !w.follow;
                }
            }
            AppCommand::ToggleLog => {
                self.tab = if self.tab == BottomTab::Log {
                    BottomTab::Holes
                } else {
                    BottomTab::Log
                };
            }
            AppCommand::CommandPalette => self.palette.show(),
            AppCommand::Export(choice) => self.start_export_dialog(choice),
            AppCommand::Help => self.show_help = !self.show_help,
            AppCommand::Quit => self.quit = true,
            AppCommand::ZoomIn
            | AppCommand::ZoomOut
            | AppCommand::PanLeft
            | AppCommand::PanRight
            | AppCommand::Back
            | AppCommand::Forward => {}
        }
    }

    fn run_export(&mut self, ctx: &egui::Context, kind: ExportChoice, target: PathBuf) {
        let Some(a) = self.doc().and_then(Document::analysed) else {
            return;
        };
        let inputs = self.doc().map(Document::export_inputs).unwrap_or_default();
        let ExportChoice::Data(kind) = kind else {
            let perf_rect = if self.view == MainView::Anomalies {
                self.doc()
                    .and_then(|d| d.anomalies.as_ref())
                    .map(|a| a.view_rect)
            } else {
                self.doc().and_then(Document::perf).map(|p| p.view_rect)
            };
            let rect = match perf_rect {
                Some(rect) => rect,
                None => self.doc().and_then(|d| {
                    d.archive()
                        .and_then(|a| a.timeline.last_rect)
                        .or_else(|| d.fleet().and_then(|f| f.timeline.last_rect))
                }),
            };
            let Some(rect) = rect else {
                self.notes.warn("Show a view before exporting it");
                return;
            };
            // With its caption: what it shows, the time range and the key.
            let rect = self.caption_rect.map_or(rect, |c| rect.union(c));
            // The screenshot is taken on the next frame, once this dialog is gone.
            if perf_rect.is_none() {
                self.view = match self.doc().map(Document::kind) {
                    Some(DocumentKind::Fleet) => MainView::Nodes,
                    _ => MainView::Timeline,
                };
            }
            self.exporter.pending_view = Some((target, rect));
            self.exporter.view_requested = false;
            ctx.request_repaint();
            return;
        };
        self.notes
            .info(format!("Exporting to {} …", target.display()));
        // An archive's or a perf export's anomaly run joins its report.
        let anomalies = self
            .doc()
            .filter(|d| d.kind() != DocumentKind::Series)
            .and_then(|d| d.anomalies.as_ref())
            .and_then(|p| p.run().cloned());
        self.exporter
            .start(kind, a, anomalies, inputs, target, ctx.clone());
    }

    fn background_results(&mut self, ctx: &egui::Context) {
        if let Some(made) = self.demo_ready.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.demo_ready = None;
            match made {
                Ok(dir) => self.open(&dir),
                Err(e) => {
                    self.automation.abort(&e);
                    self.notes.error(e);
                }
            }
        }
        if let Some(list) = self.recent_rx.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.recent = list;
            self.recent_rx = None;
        }
        if let Some(rx) = &self.open_browse
            && let Ok(result) = rx.try_recv()
        {
            self.open_browse = None;
            match result {
                Some(p) => self.open(&p),
                None => self
                    .notes
                    .info("No folder chosen (type a path with File > Open path…)"),
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
                let inputs = self.doc().map(Document::export_inputs).unwrap_or_default();
                self.exporter
                    .save_view(img, crop, target, inputs, ctx.clone());
            }
        }
    }
}

impl SegscopeApp {
    /// One frame's logic (on the UI thread: no database call).
    fn logic_frame(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        for failure in self.store.failures() {
            self.notes.warn(failure);
        }
        self.automation
            .frame_start(ctx, self.is_scanning(), frame.info().cpu_usage);
        self.drain_documents();
        self.watch_documents();
        self.poll_monitors(ctx);
        if self.docs.iter().any(|(_, d)| d.is_busy()) {
            // Keep the progress moving even between events.
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        self.background_results(ctx);
        if let Some(target) = self.automation.view_export_due() {
            self.run_export(ctx, ExportChoice::ViewPng, target);
        }
        if let Some(doc) = find_doc(&mut self.docs, self.active) {
            // On the Anomalies view "done" waits for the anomaly run too.
            let anomalies_done = self.view != MainView::Anomalies
                || doc.anomalies.as_ref().is_some_and(|a| a.run().is_some());
            let done = doc
                .analysed()
                .filter(|_| anomalies_done)
                .map(|_| doc.extent());
            let rect = match (&doc.body, &doc.anomalies) {
                (_, Some(a)) if self.view == MainView::Anomalies => a.view_rect,
                (Body::Perf(p), _) => p.view_rect,
                (Body::Archive(a), _) => a.timeline.last_rect,
                (Body::Fleet(f), _) => f.timeline.last_rect,
                (Body::Series, _) => None,
            };
            if let Some(cmd) = self
                .automation
                .step(ctx, done, &mut doc.time, rect, &self.exporter)
            {
                self.commands.push(cmd);
            }
        }
        if self.quit || self.automation.should_close() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// One frame's drawing (on the UI thread: no database call).
    fn ui_frame(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.commands.extend(AppCommand::pressed(&ctx));
        // A view or tab of another kind of document gives way to the active
        // document's own.
        if let Some(kind) = self.doc().map(Document::kind) {
            if !self.view.shows(kind) {
                self.view = kind.default_view();
            }
            if self.tab.needs().is_some_and(|k| k != kind) {
                self.tab = BottomTab::default_for(kind);
            }
        }
        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::top("documents").show(ui, |ui| self.document_tabs(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        // The tables take a share of the window's height (a series document,
        // with only the log below, a smaller one); the main view the rest.
        let height = ctx.content_rect().height();
        let (tables, share, least) = match self.doc().map(Document::kind) {
            Some(DocumentKind::Series) => ("log-only", 0.18, 80.0),
            _ => ("tables", 0.33, 120.0),
        };
        egui::Panel::bottom(tables)
            .resizable(true)
            .default_size((height * share).max(least))
            .min_size(least)
            .max_size((height * 0.7).max(least))
            .show(ui, |ui| {
                // Its size is the user's, not its content's (a message while
                // loading would shrink it for good).
                ui.set_min_height(ui.available_height());
                self.bottom_panel(ui);
            });
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
        let lanes_with_data = self
            .doc()
            .and_then(Document::archive)
            .is_some_and(|a| a.timeline.drawn.iter().any(|l| l.data_px > 0));
        self.automation.frame_end(&ctx, lanes_with_data);
    }
}

impl eframe::App for SegscopeApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        crate::jobs::db::on_ui_thread(|| self.logic_frame(ctx, frame));
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        crate::jobs::db::on_ui_thread(|| self.ui_frame(ui, frame));
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        self.automation.raw_input(raw_input);
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        // The central panel is not filled: the clear colour is its background.
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        for (_, d) in &mut self.docs {
            d.cancel();
        }
    }
}
