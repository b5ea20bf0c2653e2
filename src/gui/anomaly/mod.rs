//! A document's anomaly analysis: its `anomalies` task (through the job
//! client, scanning every point) over the document's file (a series file,
//! an archive or a perf export), the settings it ran with, and the state of
//! the Anomalies view: filters, the series shown, the point picked.

pub mod plot;
pub mod view;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::anomaly::config::AnomalyConfig;
use crate::anomaly::ensemble::{Algorithm, Outcome};
use crate::anomaly::run::{AnomalyRun, SeriesResult};
use crate::anomaly::scan::{PointVerdict, ScanWindow, scan_point};
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::job::{Ending, Job, JobState, progress_ui};
use crate::gui::shell::notify::Notifications;
use crate::jobs::client::JobClient;
use crate::jobs::inputs::Snapshot;
use crate::jobs::tasks::{Anomalies, AnomaliesArgs, SnapshotToken, perf_offer, reuse};

/// Which series the list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesFilter {
    /// Only series judged anomalous or with anomalous points in the scan.
    pub anomalous_only: bool,
    /// Only series with this outcome.
    pub outcome: Option<Outcome>,
    /// Only series this algorithm voted anomalous (last point).
    pub algorithm: Option<Algorithm>,
    /// Only series whose name contains this.
    pub text: String,
}

impl SeriesFilter {
    /// True when `s` passes the filter.
    pub fn keeps(&self, s: &SeriesResult, consensus: usize) -> bool {
        let j = &s.judgement;
        (!self.anomalous_only || j.outcome == Outcome::Anomalous || s.flagged(consensus) > 0)
            && self.outcome.is_none_or(|o| o == j.outcome)
            && self
                .algorithm
                .is_none_or(|a| j.votes.iter().any(|(b, v)| *b == a && v.vote))
            && (self.text.is_empty() || s.name.contains(&self.text))
    }
}

/// A document's anomaly analysis and its view state.
pub struct AnomalyPane {
    /// The file analysed.
    pub path: PathBuf,
    /// The run: the anomaly run once done.
    pub job: Job<Anomalies>,
    /// The settings of the run shown (or running).
    pub config: AnomalyConfig,
    /// The window being typed in the settings bar.
    pub window_text: String,
    /// The series list's filter.
    pub filter: SeriesFilter,
    /// The series shown (index into the run's series).
    pub selected: Option<usize>,
    /// The point picked in the plot, with the scan's verdict on it.
    pub picked: Option<PointVerdict>,
    /// Screen rectangle of the view drawn last frame (for view exports).
    pub view_rect: Option<egui::Rect>,
    /// The plot shares the document's time view (an archive's timeline
    /// moves with it); otherwise it has its own, fitted to its series.
    pub linked: bool,
    /// How the values plot mapped the series to the screen when last drawn.
    pub plot_transform: Option<egui_plot::PlotTransform>,
    /// Archives: add bitrate series (stats every best segment's file once).
    pub bitrate: bool,
    /// The open document's snapshot (an archive's or a perf export's
    /// analysis): runs derive their series from it instead of reading the
    /// file again. The app keeps it current.
    pub source: Option<Snapshot>,
}

impl AnomalyPane {
    /// A pane over `path` with `config`, not running yet.
    pub fn new(path: &Path, config: AnomalyConfig) -> AnomalyPane {
        AnomalyPane {
            path: path.to_path_buf(),
            job: Job::default(),
            window_text: window_text(config.window),
            config,
            filter: SeriesFilter::default(),
            selected: None,
            picked: None,
            plot_transform: None,
            linked: false,
            view_rect: None,
            bitrate: false,
            source: None,
        }
    }

    /// Starts (or restarts, cancelling the running one) the run with the
    /// current settings.
    pub fn start(&mut self, jobs: &JobClient) {
        self.cancel();
        if let Err(e) = self.config.check() {
            self.job.state = JobState::Failed(e.to_string());
            return;
        }
        let args = AnomaliesArgs {
            inputs: vec![self.path.clone()],
            now_us: None,
            config: self.config.clone(),
            scan: true,
            bitrate: self.bitrate,
            snapshot: self.source.as_ref().map(|s| match s {
                Snapshot::Coverage(a) => SnapshotToken::Coverage(reuse::offer(a)),
                Snapshot::Perf(p) => SnapshotToken::Perf(perf_offer::offer(p)),
            }),
        };
        match Job::start(jobs, &args) {
            Ok(job) => {
                self.job = job;
                self.picked = None;
            }
            Err(e) => self.job.state = JobState::Failed(format!("cannot start: {e}")),
        }
    }

    /// Handles the task's events for at most `budget`; true when it finished
    /// during this call.
    pub fn drain(&mut self, budget: Duration) -> bool {
        let ended = self.job.drain(Instant::now() + budget, &mut 0, |_| {});
        if ended {
            self.keep_selection();
        }
        ended
    }

    /// After a new run: the first anomalous series is shown unless one was
    /// chosen and is still there.
    fn keep_selection(&mut self) {
        let Some(run) = self.run() else { return };
        let n = run.series.len();
        let consensus = run.settings.consensus;
        if self.selected.is_none_or(|i| i >= n) {
            self.selected = run
                .series
                .iter()
                .position(|s| s.judgement.outcome == Outcome::Anomalous)
                .or_else(|| run.series.iter().position(|s| s.flagged(consensus) > 0))
                .or((n > 0).then_some(0));
        }
    }

    /// True while the run goes on.
    pub fn is_running(&self) -> bool {
        self.job.is_running()
    }

    /// Cancels the run (cancelled at once).
    pub fn cancel(&mut self) {
        self.job.abandon();
    }

    /// The finished run.
    pub fn run(&self) -> Option<&Arc<AnomalyRun>> {
        self.job.output()
    }

    /// Its run finished: `notes` say what it found (and the rows that could
    /// not be read); `None` when nothing had finished.
    pub fn finished(&self, notes: &mut Notifications) -> Option<Ending<()>> {
        let elapsed = self.job.elapsed.unwrap_or_default().as_secs_f64();
        match self.job.state.clone() {
            JobState::Done(run) => {
                notes.info(format!("{} in {elapsed:.2} s", run.outcome_line()));
                for (file, e) in run.errors.iter().take(20) {
                    notes.warn(format!(
                        "{}:{}: {}",
                        crate::text::shown(file),
                        e.line,
                        crate::text::shown(&e.message)
                    ));
                }
                Some(Ending::Done(()))
            }
            JobState::Failed(e) => Some(Ending::Failed(e)),
            JobState::Cancelled => {
                notes.info("Anomaly analysis cancelled");
                Some(Ending::Cancelled)
            }
            JobState::Idle | JobState::Running(_) => None,
        }
    }

    /// Draws a series document's status: its file and its run's progress
    /// (Cancel) or outcome; the commands asked for go to `pushed`.
    pub fn status_ui(&self, ui: &mut egui::Ui, pushed: &mut Vec<AppCommand>) {
        ui.label(egui::RichText::new(self.path.to_string_lossy()).monospace());
        ui.separator();
        match &self.job.state {
            JobState::Idle | JobState::Running(_) => {
                if progress_ui(ui, &self.job, "series") {
                    pushed.push(AppCommand::Cancel);
                }
            }
            JobState::Done(run) => {
                ui.label(format!(
                    "{} · judged in {:.2} s",
                    run.outcome_line(),
                    self.job.elapsed.unwrap_or_default().as_secs_f64()
                ));
            }
            JobState::Failed(e) => {
                ui.colored_label(egui::Color32::from_rgb(0xe0, 0x50, 0x50), e);
            }
            JobState::Cancelled => {
                ui.label("Analysis cancelled: change a setting or press Run to start it again.");
            }
        }
    }

    /// The series shown.
    pub fn selected_series(&self) -> Option<&SeriesResult> {
        self.run()?.series.get(self.selected?)
    }

    /// First to last point of every series, µs.
    pub fn extent(&self) -> Option<(f64, f64)> {
        let run = self.run()?;
        let points = run
            .series
            .iter()
            .filter_map(|s| s.scanned.as_ref())
            .flat_map(|s| [s.series.points.first(), s.series.points.last()])
            .flatten()
            .map(|p| p.0);
        let (lo, hi) = points.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
        (lo <= hi).then_some((lo as f64, hi.max(lo + 1) as f64))
    }

    /// Where point `index` of the series shown was drawn, when the plot has
    /// been drawn.
    pub fn point_on_screen(&self, index: usize) -> Option<egui::Pos2> {
        let transform = self.plot_transform.as_ref()?;
        let scanned = self.selected_series()?.scanned.as_ref()?;
        let p = *scanned.series.points.get(index)?;
        Some(plot::on_screen(transform, p))
    }

    /// The window the run scanned with.
    pub fn scan_window(&self) -> ScanWindow {
        self.run()
            .and_then(|r| r.scan)
            .unwrap_or(self.config.window)
    }

    /// Picks point `index` of the series shown: the scan's own votes there,
    /// over the window the scan used, so the card says what the flag says.
    pub fn pick(&mut self, index: usize) {
        let Some(run) = self.run().cloned() else {
            return;
        };
        let Some(scanned) = self.selected_series().and_then(|s| s.scanned.as_ref()) else {
            return;
        };
        let window = self.scan_window();
        self.picked = scan_point(&scanned.series, &run.settings, &run.enabled, window, index);
    }
}

/// The window as typed in the settings bar.
pub fn window_text(w: ScanWindow) -> String {
    match w {
        ScanWindow::Points(n) => n.to_string(),
        ScanWindow::Duration(d) => format!("{d}s"),
    }
}
