//! A perf-export document: its `perf` task (through the job client) and the
//! state of its views: the Gantt, graph.py's phase chart, the distributions
//! and the findings table.

pub mod charts;
pub mod findings;
pub mod gantt;
pub mod view;

use crate::text::counted;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::gui::shell::command::AppCommand;
use crate::gui::shell::job::{Ending, Job, JobState, progress_ui};
use crate::gui::shell::notify::Notifications;
use crate::jobs::client::JobClient;
use crate::jobs::tasks::{Perf, PerfArgs};
use crate::perf::{PerfAnalysis, PoolTimings};

/// An open perf export.
pub struct PerfDoc {
    /// The export.
    pub path: PathBuf,
    /// Reading it: progress in rows, the analysis once read.
    pub job: Job<Perf>,
    /// The pool shown (index into the analysis' pools).
    pub pool: usize,
    /// The Gantt view.
    pub gantt: gantt::GanttView,
    /// The charts' state.
    pub charts: charts::ChartsState,
    /// Screen rectangle of the view drawn last frame (for view exports).
    pub view_rect: Option<egui::Rect>,
}

impl PerfDoc {
    /// Starts reading `path` through the job client.
    pub fn open(jobs: &JobClient, path: &Path) -> Result<PerfDoc, String> {
        let args = PerfArgs {
            path: path.to_path_buf(),
            pool: None,
        };
        let job = Job::start(jobs, &args)
            .map_err(|e| format!("cannot start reading {}: {e}", path.display()))?;
        Ok(PerfDoc {
            path: path.to_path_buf(),
            job,
            pool: 0,
            gantt: gantt::GanttView::default(),
            charts: charts::ChartsState::default(),
            view_rect: None,
        })
    }

    /// Handles the task's events for at most `budget`; true when it finished
    /// (done, failed or cancelled) during this call.
    pub fn drain(&mut self, budget: Duration) -> bool {
        self.job.drain(Instant::now() + budget, &mut 0, |_| {})
    }

    /// True while reading.
    pub fn is_reading(&self) -> bool {
        self.job.is_running()
    }

    /// Cancels the reading.
    pub fn cancel(&mut self) {
        self.job.cancel();
    }

    /// The analysis, once read.
    pub fn analysis(&self) -> Option<&Arc<PerfAnalysis>> {
        self.job.output()
    }

    /// Draws the document's status: its file, the reading's progress (Cancel)
    /// or what was read; the commands asked for go to `pushed`.
    pub fn status_ui(&self, ui: &mut egui::Ui, pushed: &mut Vec<AppCommand>) {
        ui.label(egui::RichText::new(self.path.to_string_lossy()).monospace());
        ui.separator();
        match &self.job.state {
            JobState::Idle | JobState::Running(_) => {
                if progress_ui(ui, &self.job, "rows") {
                    pushed.push(AppCommand::Cancel);
                }
            }
            JobState::Done(a) => {
                let nodes: usize = a.pools.iter().map(|p| p.nodes.len()).sum();
                ui.label(format!(
                    "{} ({}), {}, {}, {} · read in {:.2} s",
                    counted(a.rows as u64, "row"),
                    a.form.key(),
                    counted(a.pools.len() as u64, "pool"),
                    counted(nodes as u64, "node"),
                    counted(a.finding_count() as u64, "finding"),
                    self.job.elapsed.unwrap_or_default().as_secs_f64()
                ));
            }
            JobState::Failed(e) => {
                ui.colored_label(egui::Color32::from_rgb(0xe0, 0x50, 0x50), e);
            }
            JobState::Cancelled => {
                ui.label("Reading cancelled.");
                if ui.button("Reload").clicked() {
                    pushed.push(AppCommand::Reload);
                }
            }
        }
    }

    /// Its reading finished: `notes` say what was read; `None` when nothing
    /// had finished.
    pub fn finished(&self, notes: &mut Notifications) -> Option<Ending<Arc<PerfAnalysis>>> {
        let elapsed = self.job.elapsed.unwrap_or_default().as_secs_f64();
        match self.job.state.clone() {
            JobState::Done(a) => {
                let nodes: usize = a.pools.iter().map(|p| p.nodes.len()).sum();
                notes.info(format!(
                    "Read {} of {} in {elapsed:.2} s: {}, {}, {}",
                    counted(a.rows as u64, "row"),
                    crate::text::shown(&a.path),
                    counted(a.pools.len() as u64, "pool"),
                    counted(nodes as u64, "node"),
                    counted(a.finding_count() as u64, "finding")
                ));
                if a.pools.is_empty() {
                    notes.warn("The export has no pool with events");
                }
                Some(Ending::Done(a))
            }
            JobState::Failed(e) => Some(Ending::Failed(e)),
            JobState::Cancelled => {
                notes.info("Reading cancelled");
                Some(Ending::Cancelled)
            }
            JobState::Idle | JobState::Running(_) => None,
        }
    }

    /// The pool shown.
    pub fn pool(&self) -> Option<&PoolTimings> {
        let a = self.analysis()?;
        a.pools.get(self.pool.min(a.pools.len().saturating_sub(1)))
    }

    /// First node start to last event of the pool shown, µs.
    pub fn extent(&self) -> Option<(f64, f64)> {
        let pool = self.pool()?;
        let lo = pool.nodes.iter().filter_map(|n| n.start_us).min()?;
        let hi = pool.nodes.iter().map(|n| n.last_event_us).max()?;
        Some((lo as f64, hi.max(lo + 1) as f64))
    }
}
