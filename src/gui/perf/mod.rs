//! A perf-export document: its `perf` task (through the job client) and the
//! state of its views: the Gantt, graph.py's phase chart, the distributions
//! and the findings table.

pub mod charts;
pub mod findings;
pub mod gantt;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::jobs::client::{Event, JobClient, JobHandle, Outcome};
use crate::jobs::tasks::{Perf, PerfArgs};
use crate::perf::{PerfAnalysis, PoolTimings};

/// Where reading the export stands.
#[derive(Clone)]
pub enum PerfState {
    /// Reading: rows so far, rows estimated.
    Reading(i64, i64),
    /// Done.
    Done(Arc<PerfAnalysis>),
    /// Failed with a message.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

/// An open perf export.
pub struct PerfDoc {
    /// The export.
    pub path: PathBuf,
    handle: Option<JobHandle<Perf>>,
    /// Where it stands.
    pub state: PerfState,
    /// When reading started.
    pub started: Instant,
    /// How long it took, once done.
    pub elapsed: Option<Duration>,
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
        let handle = jobs
            .submit::<Perf>(&PerfArgs {
                path: path.to_path_buf(),
                pool: None,
            })
            .map_err(|e| format!("cannot start reading {}: {e}", path.display()))?;
        Ok(PerfDoc {
            path: path.to_path_buf(),
            handle: Some(handle),
            state: PerfState::Reading(0, 0),
            started: Instant::now(),
            elapsed: None,
            pool: 0,
            gantt: gantt::GanttView::default(),
            charts: charts::ChartsState::default(),
            view_rect: None,
        })
    }

    /// Handles the task's events for at most `budget`; true when it finished
    /// (done, failed or cancelled) during this call.
    pub fn drain(&mut self, budget: Duration) -> bool {
        let until = Instant::now() + budget;
        let Some(handle) = self.handle.as_mut() else {
            return false;
        };
        while let Some(event) = handle.try_next() {
            match event {
                Event::Progress { done, total, .. } => {
                    self.state = PerfState::Reading(done, total);
                }
                Event::Partial(_) => {}
                Event::Finished(outcome) => {
                    self.state = match outcome {
                        Outcome::Done(a) => PerfState::Done(a),
                        Outcome::Failed(e) => PerfState::Failed(e),
                        Outcome::Cancelled | Outcome::Interrupted(_) => PerfState::Cancelled,
                    };
                    self.elapsed = Some(self.started.elapsed());
                    self.handle = None;
                    return true;
                }
            }
            if Instant::now() >= until {
                break;
            }
        }
        false
    }

    /// True while reading.
    pub fn is_reading(&self) -> bool {
        self.handle.is_some()
    }

    /// Cancels the reading.
    pub fn cancel(&mut self) {
        if let Some(h) = &self.handle {
            h.cancel();
        }
    }

    /// The analysis, once read.
    pub fn analysis(&self) -> Option<&Arc<PerfAnalysis>> {
        match &self.state {
            PerfState::Done(a) => Some(a),
            _ => None,
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
