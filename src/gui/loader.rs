//! Opening an archive in the app: runs the coverage task on the job runner,
//! forwards its events to the UI (waking it), and keeps what is known so far:
//! the layout, each finished hour, progress, and at the end the analysis.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use crate::analysis::Analysis;
use crate::coverage::timeline::StreamCoverage;
use crate::jobs::db::Db;
use crate::jobs::queue::TaskState;
use crate::jobs::runner::{ClaimScope, JobEvent, Runner};
use crate::jobs::tasks::{CoverageArgs, HourDone, LayoutKnown, builtin_registry, coverage_args};

/// One stream while its hours arrive.
#[derive(Debug, Clone, Default)]
pub struct PartialStream {
    /// Channel name.
    pub channel: String,
    /// Quality name.
    pub quality: String,
    /// Hour directories still to scan (hour start µs).
    pub pending: BTreeSet<i64>,
    /// Hours done, each analysed on its own.
    pub done: BTreeMap<i64, Arc<StreamCoverage>>,
}

/// Where an open stands.
#[derive(Clone)]
pub enum LoadState {
    /// Scanning; hours arrive.
    Scanning,
    /// Finished.
    Done(Arc<Analysis>),
    /// Failed with a message.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
}

/// The archive being opened or open.
pub struct Load {
    /// The path opened.
    pub path: PathBuf,
    /// Task id on the queue.
    pub task_id: i64,
    /// State.
    pub state: LoadState,
    /// Hours done, hours in all.
    pub progress: (i64, i64),
    /// What the task says it is doing.
    pub phrase: String,
    /// When it started.
    pub started: Instant,
    /// How long it took, once finished.
    pub elapsed: Option<Duration>,
    /// Streams as they fill in (empty until the layout is known).
    pub partial: Vec<PartialStream>,
    /// Set when a new hour or state arrived since the UI last looked.
    pub changed: bool,
}

impl Load {
    /// Estimated seconds left.
    pub fn eta_secs(&self) -> Option<f64> {
        let (done, total) = self.progress;
        (done > 0 && total > done).then(|| {
            let e = self.started.elapsed().as_secs_f64();
            e / done as f64 * (total - done) as f64
        })
    }

    /// The finished analysis, if any.
    pub fn analysis(&self) -> Option<&Arc<Analysis>> {
        match &self.state {
            LoadState::Done(a) => Some(a),
            _ => None,
        }
    }
}

/// What changed while draining events.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drained {
    /// The current load finished (done, failed or cancelled).
    pub finished: bool,
    /// Events handled.
    pub events: usize,
}

/// Runs analyses for the app.
pub struct Loader {
    runner: Runner,
    events: Receiver<JobEvent>,
    /// The current archive.
    pub current: Option<Load>,
}

impl Loader {
    /// Starts a runner on `db`; `wake` is called from another thread whenever an
    /// event arrives (the app passes `request_repaint`).
    pub fn new(db: Db, wake: impl Fn() + Send + 'static) -> (Loader, Vec<i64>) {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (runner, recovered) = Runner::start(db, builtin_registry(), workers, ClaimScope::Own);
        let from_runner = runner.subscribe();
        let (tx, rx) = mpsc::channel();
        let _ = std::thread::Builder::new()
            .name("segscope-ui-waker".into())
            .spawn(move || {
                while let Ok(ev) = from_runner.recv() {
                    if tx.send(ev).is_err() {
                        return;
                    }
                    wake();
                }
            });
        (
            Loader {
                runner,
                events: rx,
                current: None,
            },
            recovered,
        )
    }

    /// The database.
    pub fn db(&self) -> &Db {
        self.runner.db()
    }

    /// Opens `path`, cancelling an analysis still running.
    pub fn open(&mut self, path: &Path, no_cache: bool) -> Result<(), String> {
        self.cancel();
        let args = CoverageArgs {
            path: path.to_path_buf(),
            no_cache,
            partials: true,
            ..Default::default()
        };
        let id = self
            .runner
            .submit("coverage", &coverage_args(&args), true)
            .map_err(|e| format!("cannot queue the analysis: {e}"))?;
        crate::jobs::settings::remember_opened(self.runner.db(), path);
        self.current = Some(Load {
            path: path.to_path_buf(),
            task_id: id,
            state: LoadState::Scanning,
            progress: (0, 0),
            phrase: "queued".into(),
            started: Instant::now(),
            elapsed: None,
            partial: Vec::new(),
            changed: true,
        });
        Ok(())
    }

    /// Cancels the running analysis, if any.
    pub fn cancel(&mut self) {
        if let Some(load) = &mut self.current {
            if matches!(load.state, LoadState::Scanning) {
                self.runner.cancel_local(load.task_id);
                // Also a queued (not yet started) task.
                let _ = crate::jobs::queue::cancel(&self.runner.db().lock(), load.task_id);
            }
        }
    }

    /// True while an analysis runs.
    pub fn is_scanning(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|l| matches!(l.state, LoadState::Scanning))
    }

    /// Handles events for at most `budget`.
    pub fn drain(&mut self, budget: Duration) -> Drained {
        let start = Instant::now();
        let mut out = Drained::default();
        while start.elapsed() < budget {
            let ev = match self.events.try_recv() {
                Ok(ev) => ev,
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            };
            out.events += 1;
            let Some(load) = &mut self.current else {
                continue;
            };
            match ev {
                JobEvent::Progress {
                    id,
                    done,
                    total,
                    phrase,
                } if id == load.task_id => {
                    load.progress = (done, total);
                    load.phrase = phrase;
                }
                JobEvent::Partial { id, payload } if id == load.task_id => {
                    if let Ok(layout) = Arc::clone(&payload).downcast::<LayoutKnown>() {
                        load.partial = layout
                            .streams
                            .iter()
                            .map(|(c, q)| PartialStream {
                                channel: c.clone(),
                                quality: q.clone(),
                                ..Default::default()
                            })
                            .collect();
                        for (s, h) in &layout.hours {
                            if let Some(ps) = load.partial.get_mut(*s) {
                                ps.pending.insert(*h);
                            }
                        }
                    } else if let Ok(hour) = payload.downcast::<HourDone>() {
                        if let Some(ps) = load.partial.get_mut(hour.stream) {
                            let h = hour.summary.hour_start_us;
                            ps.pending.remove(&h);
                            ps.done.insert(h, Arc::new(hour.coverage.clone()));
                        }
                    }
                    load.changed = true;
                }
                JobEvent::Finished {
                    id,
                    state,
                    error,
                    output,
                } if id == load.task_id => {
                    load.state = match (state, output) {
                        (TaskState::Done, Some(o)) => match o.downcast::<Analysis>() {
                            Ok(a) => LoadState::Done(a),
                            Err(_) => LoadState::Failed("the analysis returned nothing".into()),
                        },
                        (TaskState::Cancelled | TaskState::Interrupted, _) => LoadState::Cancelled,
                        (_, _) => {
                            LoadState::Failed(error.unwrap_or_else(|| "analysis failed".into()))
                        }
                    };
                    load.elapsed = Some(load.started.elapsed());
                    load.partial.clear();
                    load.changed = true;
                    out.finished = true;
                }
                _ => {}
            }
        }
        out
    }

    /// Stops the runner (window closing): cancels and waits up to `deadline`.
    pub fn shutdown(self, deadline: Duration) {
        self.runner.stop(deadline);
    }
}
