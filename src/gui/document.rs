//! Documents: what the app holds open. Each document has its kind, its jobs and
//! snapshot (through its loader) and the state of its views; the app holds
//! several and shows the active one. Views and bottom tabs say which kind of
//! document they need.

use std::sync::Arc;

use super::anomaly::AnomalyPane;
use super::perf::PerfDoc;
use crate::analysis::Analysis;
use crate::anomaly::config::AnomalyConfig;
use crate::export::kinds::ExportKind;
pub use crate::gui::archive::doc::{ArchiveDoc, ArchiveWatch};
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::command::ExportChoice;
pub use crate::gui::shell::export_dialog::Analysed;
use crate::gui::shell::settings::Settings;
use crate::gui::shell::views::ViewContext;
pub use crate::gui::shell::views::{DocumentKind, KindPart, MainView};
use crate::gui::widgets::time_view::TimeView;
use crate::jobs::client::JobClient;
use crate::time::HOUR_US;

/// One open document: what every kind has (its time view, its anomaly
/// analysis, its monitor tree), and its kind's own part.
pub struct Document {
    /// The document's time view: range, zoom history, linked cursor; every
    /// time-based chart of the document shows it.
    pub time: TimeView,
    /// Bumped when a new snapshot arrives (textures keyed by it are rebuilt).
    pub generation: usize,
    /// The anomaly analysis of its series (a series document has one from
    /// the start; others once the Anomalies view is shown).
    pub anomalies: Option<AnomalyPane>,
    /// The Anomalies view's own time view, fitted to its series, for an
    /// archive or perf export whose plot is not linked to `time`.
    pub series_time: TimeView,
    /// The monitor tree of what it holds.
    pub monitor: crate::gui::monitor::panel::MonitorPanel,
    /// Its kind's own part.
    pub body: Body,
}

/// The part of a document only its kind has.
pub enum Body {
    /// A segment archive: its analyses and the coverage views' state.
    Archive(Box<ArchiveDoc>),
    /// A perf export: its reading and the timing views' state.
    Perf(Box<PerfDoc>),
    /// A series file: everything is in its anomaly analysis.
    Series,
    /// Several recording nodes.
    Fleet(Box<crate::gui::fleet::FleetDoc>),
}

impl Body {
    /// Its kind's part, for the shell (a series file has none: its anomaly
    /// analysis is all it shows).
    pub fn part_mut(&mut self) -> Option<&mut dyn KindPart> {
        match self {
            Body::Archive(a) => Some(&mut **a),
            Body::Perf(p) => Some(&mut **p),
            Body::Fleet(f) => Some(&mut **f),
            Body::Series => None,
        }
    }

    /// Its kind's part, to read.
    pub fn part(&self) -> Option<&dyn KindPart> {
        match self {
            Body::Archive(a) => Some(&**a),
            Body::Perf(p) => Some(&**p),
            Body::Fleet(f) => Some(&**f),
            Body::Series => None,
        }
    }
}

impl Document {
    fn with(body: Body, anomalies: Option<AnomalyPane>) -> Document {
        Document {
            time: TimeView::default(),
            series_time: TimeView::default(),
            generation: 0,
            anomalies,
            monitor: Default::default(),
            body,
        }
    }

    /// A perf-export document reading through `perf`.
    pub fn new_perf(perf: PerfDoc) -> Document {
        Document::with(Body::Perf(Box::new(perf)), None)
    }

    /// A fleet document reading the nodes `args` names.
    pub fn open_fleet(
        jobs: &JobClient,
        args: crate::jobs::fleet::FleetArgs,
        title: String,
    ) -> Result<Document, String> {
        let fleet = crate::gui::fleet::FleetDoc::open(jobs, args, title)?;
        Ok(Document::with(Body::Fleet(Box::new(fleet)), None))
    }

    /// A series-file document analysed by `pane`.
    pub fn new_series(pane: AnomalyPane) -> Document {
        Document::with(Body::Series, Some(pane))
    }

    /// A document for `path`, of the kind its content shows, its work started
    /// on `jobs`: a perf export is read, a series file judged, an archive
    /// scanned (`no_cache`: every hour read again). A path that cannot be read
    /// goes to the archive loader, which names the problem as it does for
    /// every archive.
    pub fn open(
        jobs: &JobClient,
        path: &std::path::Path,
        anomaly: AnomalyConfig,
        no_cache: bool,
    ) -> Result<Document, String> {
        use crate::input::{DetectError, Input};
        if crate::fleet::nodes::is_node_file(path) {
            let args = crate::jobs::fleet::FleetArgs {
                node_file: Some(path.to_path_buf()),
                ..Default::default()
            };
            let title = args.title();
            return Document::open_fleet(jobs, args, title);
        }
        match crate::input::detect(path) {
            Ok(Input::PerfExport(_)) => PerfDoc::open(jobs, path).map(Document::new_perf),
            Ok(Input::Series(_)) => {
                let mut pane = AnomalyPane::new(path, anomaly);
                pane.start(jobs);
                Ok(Document::new_series(pane))
            }
            Ok(Input::Archive(_)) | Err(DetectError::Unreadable { .. }) => {
                let mut archive = ArchiveDoc::default();
                archive.loader.open(jobs, path, no_cache)?;
                Ok(Document::with(Body::Archive(Box::new(archive)), None))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// What it is.
    pub fn kind(&self) -> DocumentKind {
        match self.body {
            Body::Archive(_) => DocumentKind::Archive,
            Body::Perf(_) => DocumentKind::PerfExport,
            Body::Series => DocumentKind::Series,
            Body::Fleet(_) => DocumentKind::Fleet,
        }
    }

    /// Its archive part, when it is an archive.
    pub fn archive(&self) -> Option<&ArchiveDoc> {
        match &self.body {
            Body::Archive(a) => Some(a),
            _ => None,
        }
    }

    /// Its archive part, to change.
    pub fn archive_mut(&mut self) -> Option<&mut ArchiveDoc> {
        match &mut self.body {
            Body::Archive(a) => Some(a),
            _ => None,
        }
    }

    /// Its perf export part, when it is a perf export.
    pub fn perf(&self) -> Option<&PerfDoc> {
        match &self.body {
            Body::Perf(p) => Some(p),
            _ => None,
        }
    }

    /// Its perf export part, to change.
    pub fn perf_mut(&mut self) -> Option<&mut PerfDoc> {
        match &mut self.body {
            Body::Perf(p) => Some(p),
            _ => None,
        }
    }

    /// Its fleet part, when it is a fleet.
    pub fn fleet(&self) -> Option<&crate::gui::fleet::FleetDoc> {
        match &self.body {
            Body::Fleet(f) => Some(f),
            _ => None,
        }
    }

    /// Its fleet part, to change.
    pub fn fleet_mut(&mut self) -> Option<&mut crate::gui::fleet::FleetDoc> {
        match &mut self.body {
            Body::Fleet(f) => Some(f),
            _ => None,
        }
    }

    /// The path it shows.
    pub fn path(&self) -> Option<&std::path::Path> {
        match &self.body {
            Body::Perf(p) => Some(&p.path),
            Body::Series => self.anomalies.as_ref().map(|a| a.path.as_path()),
            Body::Archive(a) => a.loader.current.as_ref().map(|l| l.path.as_path()),
            Body::Fleet(f) => f.args.node_file.as_deref(),
        }
    }

    /// What an export must not be written into or over: its path; for a
    /// fleet, every local node and its node file (none for node URLs alone).
    pub fn export_inputs(&self) -> Vec<std::path::PathBuf> {
        match &self.body {
            Body::Fleet(f) => {
                let mut inputs: Vec<std::path::PathBuf> = f
                    .report()
                    .map(|r| {
                        r.fleet
                            .nodes
                            .iter()
                            .filter_map(|n| match &n.spec.source {
                                crate::fleet::NodeSource::Local(p) => Some(p.clone()),
                                crate::fleet::NodeSource::Remote(_) => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                inputs.extend(f.args.node_file.clone());
                inputs
            }
            _ => self
                .path()
                .map(std::path::Path::to_path_buf)
                .into_iter()
                .collect(),
        }
    }

    /// True while its task runs.
    pub fn is_busy(&self) -> bool {
        self.archive().is_some_and(|a| a.loader.is_scanning())
            || self.perf().is_some_and(PerfDoc::is_reading)
            || self.anomalies.as_ref().is_some_and(AnomalyPane::is_running)
            || self
                .fleet()
                .is_some_and(crate::gui::fleet::FleetDoc::is_reading)
    }

    /// Its finished analysis, whichever kind, for exports.
    pub fn analysed(&self) -> Option<Analysed> {
        match &self.body {
            Body::Series => {
                let run = self.anomalies.as_ref()?.run()?;
                Some(Analysed::Anomalies(run.clone()))
            }
            Body::Perf(p) => p.analysis().cloned().map(Analysed::Perf),
            Body::Archive(_) => self.analysis().map(Analysed::Coverage),
            Body::Fleet(f) => f.report().cloned().map(Analysed::Fleet),
        }
    }

    /// The file (or folder) name proposed for exporting `choice` of it: its
    /// name (a file's without the extension) and the kind's suffix.
    pub fn export_file_name(&self, choice: ExportChoice) -> String {
        let path = self.path();
        let name = match path {
            Some(p) if p.is_file() => p.file_stem(),
            Some(p) => p.file_name(),
            None => None,
        };
        let base = name.map_or_else(
            || "segscope".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match (choice, self.kind()) {
            (ExportChoice::Data(ExportKind::Json), DocumentKind::Series) => {
                format!("{base}-anomalies.json")
            }
            (ExportChoice::Data(k), DocumentKind::PerfExport) => k.perf_file_name(&base),
            (ExportChoice::Data(k), _) => k.file_name(&base),
            (ExportChoice::ViewPng, _) => format!("{base}-view.png"),
        }
    }

    /// Runs `f` on its kind's part with the view context of main view
    /// `view` (none for a series file); returns the view `f` asks to switch
    /// to.
    pub fn with_part(
        &mut self,
        view: MainView,
        settings: &Settings,
        commands: &mut Vec<AppCommand>,
        f: impl FnOnce(&mut dyn KindPart, &mut ViewContext<'_>) -> Option<MainView>,
    ) -> Option<MainView> {
        let part = self.body.part_mut()?;
        let mut cx = ViewContext {
            view,
            time: &mut self.time,
            generation: self.generation,
            settings,
            commands,
        };
        f(part, &mut cx)
    }

    /// Stops whatever it runs.
    pub fn cancel(&mut self) {
        match &mut self.body {
            Body::Archive(a) => a.loader.cancel(),
            Body::Perf(p) => p.cancel(),
            Body::Fleet(f) => f.cancel(),
            Body::Series => {}
        }
        if let Some(a) = &mut self.anomalies {
            a.cancel();
        }
    }

    /// Its name on the document tab: the last two path components.
    pub fn title(&self) -> String {
        if let Some(f) = self.fleet() {
            return crate::text::shown(&f.title).into_owned();
        }
        let Some(p) = self.path() else {
            return "(nothing)".into();
        };
        // A node's URL is shown whole (its components would fold the `//`).
        let text = p.to_string_lossy();
        if crate::archive::remote::looks_like_url(&text) {
            return crate::text::shown(&text).into_owned();
        }
        let parts: Vec<String> = p
            .components()
            .rev()
            .take(2)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let name: Vec<&str> = parts.iter().rev().map(String::as_str).collect();
        crate::text::shown(&name.join("/")).into_owned()
    }

    /// The archive's finished analysis on screen.
    pub fn analysis(&self) -> Option<Arc<Analysis>> {
        self.archive()?
            .loader
            .current
            .as_ref()
            .and_then(|l| l.analysis().cloned())
    }

    /// The data extent: first start to last end over all streams (or the hours
    /// known while loading).
    pub fn extent(&self) -> Option<(f64, f64)> {
        let archive = match &self.body {
            Body::Perf(p) => return p.extent(),
            Body::Series => return self.anomalies.as_ref()?.extent(),
            Body::Fleet(f) => return f.extent(),
            Body::Archive(a) => a,
        };
        let load = archive.loader.current.as_ref()?;
        if let Some(a) = load.analysis() {
            return a.time_extent().map(|(f, l)| (f as f64, l as f64));
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

    /// Shows the whole extent.
    pub fn fit(&mut self) {
        if let Some((a, b)) = self.extent() {
            fit_to(&mut self.time, a, b);
        }
    }

    /// Whether `view` shows the Anomalies plot's own time view: an archive's
    /// or perf export's Anomalies view not linked to the document's time.
    pub fn own_series_time(&self, view: MainView) -> bool {
        view == MainView::Anomalies
            && !matches!(self.body, Body::Series)
            && self.anomalies.as_ref().is_some_and(|p| !p.linked)
    }

    /// The time view `view` shows.
    pub fn time_for(&mut self, view: MainView) -> &mut TimeView {
        if self.own_series_time(view) {
            &mut self.series_time
        } else {
            &mut self.time
        }
    }

    /// The time view `view` shows, to read.
    pub fn shown_time(&self, view: MainView) -> &TimeView {
        if self.own_series_time(view) {
            &self.series_time
        } else {
            &self.time
        }
    }

    /// Shows the whole of what `view` shows.
    pub fn fit_view(&mut self, view: MainView) {
        if self.own_series_time(view) {
            if let Some((a, b)) = self.anomalies.as_ref().and_then(AnomalyPane::extent) {
                fit_to(&mut self.series_time, a, b);
            }
        } else {
            self.fit();
        }
    }
}

/// Shows `a..b` in `time` with a margin of 1 % each side.
fn fit_to(time: &mut TimeView, a: f64, b: f64) {
    let pad = (b - a) * 0.01;
    time.set_range(a - pad, b + pad);
}
