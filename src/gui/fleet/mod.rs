//! A fleet document: several recording nodes read through the `fleet` task,
//! with per-node progress while they are listed, then per stream one lane per
//! node and the union, the node-by-hour matrix and the backfill plan.

pub mod view;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::analysis::StreamAnalysis;
use crate::fleet::FleetReport;
use crate::fleet::union::union_stream;
use crate::gui::archive::timeline::TimelineView;
use crate::gui::shell::job::{Job, JobState};
use crate::jobs::client::JobClient;
use crate::jobs::fleet::{Fleet, FleetArgs, FleetPartial};
use crate::time::HOUR_US;

/// Above this many lanes a fleet opens on its first stream alone.
pub const MAX_LANES_AT_ONCE: usize = 16;

/// A node while the fleet is read.
#[derive(Debug, Clone, Default)]
pub struct NodeProgress {
    /// Its name.
    pub name: String,
    /// Hours listed.
    pub done: usize,
    /// Hours in all (0 until its layout is known).
    pub total: usize,
    /// Done reading.
    pub finished: bool,
    /// Why it could not be read.
    pub error: Option<String>,
    /// Its analysis once read (drawn before the other nodes are done).
    pub analysis: Option<Arc<crate::analysis::Analysis>>,
}

/// What a finished fleet shows: the report and each stream's union as a
/// stream of its own.
pub struct FleetShown {
    /// The task's output.
    pub report: Arc<FleetReport>,
    /// Per stream of the union (same order), the union as a stream.
    pub unions: Vec<StreamAnalysis>,
}

/// An open fleet.
pub struct FleetDoc {
    /// What it was opened with.
    pub args: FleetArgs,
    /// Its name on the tab.
    pub title: String,
    /// The fleet task.
    pub job: Job<Fleet>,
    /// Per node, its progress.
    pub nodes: Vec<NodeProgress>,
    /// The finished fleet.
    pub shown: Option<FleetShown>,
    /// The order nodes' lanes are drawn in (indexes into the node list).
    pub order: Vec<usize>,
    /// Nodes whose lanes are hidden.
    pub hidden: Vec<bool>,
    /// The one stream shown (index into the union), or every stream.
    pub stream: Option<usize>,
    /// The lanes' view state.
    pub timeline: TimelineView,
    /// The stream (index into the streams shown) of each lane drawn last frame.
    pub lanes: Vec<usize>,
}

impl FleetDoc {
    /// Starts reading the fleet `args` names.
    pub fn open(jobs: &JobClient, args: FleetArgs, title: String) -> Result<FleetDoc, String> {
        let job =
            Job::start(jobs, &args).map_err(|e| format!("cannot start reading the nodes: {e}"))?;
        Ok(FleetDoc {
            args,
            title,
            job,
            nodes: Vec::new(),
            shown: None,
            order: Vec::new(),
            hidden: Vec::new(),
            stream: None,
            timeline: TimelineView::default(),
            lanes: Vec::new(),
        })
    }

    /// Handles the task's events for at most `budget`; true when it finished
    /// during this call.
    pub fn drain(&mut self, budget: Duration) -> bool {
        let mut partials = Vec::new();
        let finished = self
            .job
            .drain(Instant::now() + budget, &mut 0, |p| partials.push(p));
        for p in partials {
            self.apply(&p);
        }
        if finished && let JobState::Done(report) = &self.job.state {
            self.show(report.clone());
        }
        finished
    }

    fn apply(&mut self, p: &FleetPartial) {
        match p {
            FleetPartial::Nodes(names) => {
                // A reload of the same nodes keeps their order and hidden ones.
                let same = self.nodes.len() == names.len()
                    && self.nodes.iter().zip(names).all(|(n, m)| &n.name == m);
                self.nodes = names
                    .iter()
                    .map(|n| NodeProgress {
                        name: n.clone(),
                        ..NodeProgress::default()
                    })
                    .collect();
                if !same {
                    self.order = (0..names.len()).collect();
                    self.hidden = vec![false; names.len()];
                }
            }
            FleetPartial::Progress { node, done, total } => {
                if let Some(n) = self.nodes.get_mut(*node) {
                    n.done = *done;
                    n.total = *total;
                }
            }
            FleetPartial::Finished { node, analysis } => {
                if let Some(n) = self.nodes.get_mut(*node) {
                    n.finished = true;
                    n.error = analysis.as_ref().err().cloned();
                    n.analysis = analysis.as_ref().ok().cloned();
                }
                self.timeline.invalidate_rasters();
            }
        }
    }

    /// Shows a finished fleet.
    fn show(&mut self, report: Arc<FleetReport>) {
        let names: Vec<String> = report
            .fleet
            .nodes
            .iter()
            .map(|n| n.spec.name.clone())
            .collect();
        if self.nodes.len() != names.len() {
            self.apply(&FleetPartial::Nodes(names));
        }
        for (i, n) in report.fleet.nodes.iter().enumerate() {
            if let Some(p) = self.nodes.get_mut(i) {
                p.name = n.spec.name.clone();
                p.finished = true;
                p.error = n.analysis.as_ref().err().cloned();
                p.analysis = n.analysis.as_ref().ok().cloned();
            }
        }
        let unions: Vec<StreamAnalysis> = report.union.iter().map(union_stream).collect();
        // More lanes than fit a window: one stream at a time, the first.
        if unions.len() * (report.fleet.nodes.len() + 1) > MAX_LANES_AT_ONCE {
            self.stream = Some(0);
        }
        self.timeline.invalidate_rasters();
        self.shown = Some(FleetShown { report, unions });
    }

    /// Reads the nodes again, keeping the view (order, hidden nodes, stream);
    /// the fleet on screen stays until the new one is done.
    pub fn reload(&mut self, jobs: &JobClient) -> Result<(), String> {
        self.job.cancel();
        self.job = Job::start(jobs, &self.args)
            .map_err(|e| format!("cannot start reading the nodes: {e}"))?;
        for n in &mut self.nodes {
            n.finished = false;
            n.done = 0;
        }
        Ok(())
    }

    /// True while the nodes are read.
    pub fn is_reading(&self) -> bool {
        self.job.is_running()
    }

    /// Cancels the reading.
    pub fn cancel(&mut self) {
        self.job.cancel();
    }

    /// The finished fleet's report.
    pub fn report(&self) -> Option<&Arc<FleetReport>> {
        self.shown.as_ref().map(|s| &s.report)
    }

    /// First start to last end over every stream of the union (while the
    /// nodes are read, of the nodes read so far), µs.
    pub fn extent(&self) -> Option<(f64, f64)> {
        let Some(s) = self.shown.as_ref() else {
            let read = self.nodes.iter().filter_map(|n| n.analysis.as_ref());
            let (lo, hi) = read
                .filter_map(|a| a.time_extent())
                .fold((i64::MAX, i64::MIN), |(lo, hi), (a, b)| {
                    (lo.min(a), hi.max(b))
                });
            return (lo < hi).then_some((lo as f64, hi as f64));
        };
        let lo = s
            .unions
            .iter()
            .filter_map(|u| u.coverage.first_start_us)
            .min();
        let hi = s.unions.iter().filter_map(|u| u.coverage.last_end_us).max();
        match (lo, hi) {
            (Some(a), Some(b)) => Some((a as f64, b.max(a + 1) as f64)),
            _ => {
                let hours = s.report.union.iter().flat_map(|u| &u.hours);
                let a = hours.clone().map(|h| h.hour_start_us).min()?;
                let b = hours.map(|h| h.hour_start_us + HOUR_US).max()?;
                Some((a as f64, b as f64))
            }
        }
    }

    /// Moves node `node` one place up (`-1`) or down (`1`) in the lane order.
    pub fn move_node(&mut self, node: usize, by: isize) {
        let Some(at) = self.order.iter().position(|&n| n == node) else {
            return;
        };
        let to = at as isize + by;
        if to >= 0 && (to as usize) < self.order.len() {
            self.order.swap(at, to as usize);
            self.timeline.invalidate_rasters();
        }
    }
}
