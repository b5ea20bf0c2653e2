//! Opening an archive in the app: runs the coverage task on the job runner,
//! forwards its events to the UI (waking it), and keeps what is known so far:
//! the layout, each finished hour, progress, and at the end the analysis.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::analysis::Analysis;
use crate::coverage::timeline::StreamCoverage;
use crate::jobs::client::{Event, JobClient, JobHandle, Outcome};
use crate::jobs::db::Db;
use crate::jobs::runner::ClaimScope;
use crate::jobs::tasks::{Coverage, CoverageArgs, CoveragePartial, builtin_registry};

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

/// Runs analyses for the app through the job client; each open has its own
/// handle, so every event of its task reaches it.
pub struct Loader {
    client: JobClient,
    handle: Option<JobHandle<Coverage>>,
    /// The current archive.
    pub current: Option<Load>,
}

impl Loader {
    /// Starts a runner on `db`; `wake` is called from another thread whenever an
    /// event arrives (the app passes `request_repaint`).
    pub fn new(db: Db, wake: impl Fn() + Send + 'static) -> (Loader, Vec<i64>) {
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (client, recovered) =
            JobClient::start(db, builtin_registry(), workers, ClaimScope::Own);
        client.set_waker(wake);
        (
            Loader {
                client,
                handle: None,
                current: None,
            },
            recovered,
        )
    }

    /// The database.
    pub fn db(&self) -> &Db {
        self.client.db()
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
        let handle = self
            .client
            .submit::<Coverage>(&args)
            .map_err(|e| e.to_string())?;
        // Recent files are written in the background: no database work here.
        let (db, opened) = (self.client.db().clone(), path.to_path_buf());
        let _ = std::thread::Builder::new()
            .name("segscope-recent".into())
            .spawn(move || crate::jobs::settings::remember_opened(&db, &opened));
        self.current = Some(Load {
            path: path.to_path_buf(),
            task_id: handle.id(),
            state: LoadState::Scanning,
            progress: (0, 0),
            phrase: "queued".into(),
            started: Instant::now(),
            elapsed: None,
            partial: Vec::new(),
            changed: true,
        });
        self.handle = Some(handle);
        Ok(())
    }

    /// Cancels the running analysis, if any (never waits on the database).
    pub fn cancel(&mut self) {
        if let Some(h) = &self.handle {
            h.cancel();
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
        let (Some(handle), Some(load)) = (&mut self.handle, &mut self.current) else {
            return out;
        };
        while start.elapsed() < budget {
            let Some(ev) = handle.try_next() else {
                break;
            };
            out.events += 1;
            match ev {
                Event::Progress {
                    done,
                    total,
                    phrase,
                } => {
                    load.progress = (done, total);
                    load.phrase = phrase;
                }
                Event::Partial(p) => {
                    match p.as_ref() {
                        CoveragePartial::Layout(layout) => {
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
                        }
                        CoveragePartial::Hour(hour) => {
                            if let Some(ps) = load.partial.get_mut(hour.stream) {
                                let h = hour.summary.hour_start_us;
                                ps.pending.remove(&h);
                                ps.done.insert(h, Arc::new(hour.coverage.clone()));
                            }
                        }
                    }
                    load.changed = true;
                }
                Event::Finished(outcome) => {
                    load.state = match outcome {
                        Outcome::Done(a) => LoadState::Done(a),
                        Outcome::Cancelled | Outcome::Interrupted(_) => LoadState::Cancelled,
                        Outcome::Failed(e) => LoadState::Failed(e),
                    };
                    load.elapsed = Some(load.started.elapsed());
                    load.partial.clear();
                    load.changed = true;
                    out.finished = true;
                    break;
                }
            }
        }
        out
    }

    /// Stops the runner (window closing): cancels and waits up to `deadline`.
    pub fn shutdown(mut self, deadline: Duration) {
        self.handle = None;
        self.client.shutdown(deadline);
    }
}
