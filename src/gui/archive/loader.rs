//! Opening an archive in the app: runs the coverage task through the job client
//! and keeps what is known so far: the layout, each finished hour, progress, and
//! at the end the analysis. A reload runs beside the analysis on screen and
//! replaces it when done.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::analysis::Analysis;
use crate::coverage::timeline::StreamCoverage;
use crate::jobs::client::{Event, JobClient, JobHandle, Outcome};
use crate::jobs::tasks::{Coverage, CoverageArgs, CoveragePartial};

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
    /// The current load finished (done, failed or cancelled), or a reload
    /// replaced it.
    pub finished: bool,
    /// A reload finished and its snapshot replaced the one on screen.
    pub reloaded: bool,
    /// A reload failed (the snapshot on screen stays): why.
    pub reload_failed: Option<String>,
    /// Events handled.
    pub events: usize,
}

/// A reload in progress: the new task and what it has reported.
struct Reload {
    handle: JobHandle<Coverage>,
    load: Load,
}

/// The analyses of one archive document: the current one (on screen) and, during
/// a reload, the next one, which replaces it only when it is done.
#[derive(Default)]
pub struct Loader {
    handle: Option<JobHandle<Coverage>>,
    reload: Option<Reload>,
    /// The current archive.
    pub current: Option<Load>,
}

fn new_load(path: &Path) -> Load {
    Load {
        path: path.to_path_buf(),
        state: LoadState::Scanning,
        progress: (0, 0),
        phrase: "queued".into(),
        started: Instant::now(),
        elapsed: None,
        partial: Vec::new(),
        changed: true,
    }
}

fn submit(
    client: &JobClient,
    path: &Path,
    no_cache: bool,
    partials: bool,
    previous: Option<Arc<Analysis>>,
) -> Result<JobHandle<Coverage>, String> {
    let args = CoverageArgs {
        path: path.to_path_buf(),
        no_cache,
        partials,
        reuse: previous.as_ref().map(crate::jobs::tasks::reuse::offer),
        ..Default::default()
    };
    client.submit::<Coverage>(&args).map_err(|e| e.to_string())
}

impl Loader {
    /// Opens `path` on `client`'s runner, cancelling an analysis still running.
    pub fn open(&mut self, client: &JobClient, path: &Path, no_cache: bool) -> Result<(), String> {
        self.cancel();
        self.reload = None;
        let handle = submit(client, path, no_cache, true, None)?;
        self.current = Some(new_load(path));
        self.handle = Some(handle);
        Ok(())
    }

    /// Analyses the archive again. A finished analysis stays on screen (with its
    /// view) until the new one is done; otherwise this is a fresh open.
    pub fn reload(&mut self, client: &JobClient, no_cache: bool) -> Result<(), String> {
        let Some(current) = &self.current else {
            return Ok(());
        };
        let path = current.path.clone();
        let Some(previous) = current.analysis().cloned() else {
            return self.open(client, &path, no_cache);
        };
        if let Some(r) = &self.reload {
            r.handle.cancel();
        }
        // Unchanged hours are taken from the analysis on screen, not read again.
        let handle = submit(client, &path, no_cache, false, Some(previous))?;
        let load = new_load(&path);
        self.reload = Some(Reload { handle, load });
        Ok(())
    }

    /// Cancels the running analysis or reload, if any (never waits on the database).
    pub fn cancel(&mut self) {
        if let Some(h) = &self.handle {
            h.cancel();
        }
        if let Some(r) = &self.reload {
            r.handle.cancel();
        }
    }

    /// True while an analysis or a reload runs.
    pub fn is_scanning(&self) -> bool {
        self.reload.is_some()
            || self
                .current
                .as_ref()
                .is_some_and(|l| matches!(l.state, LoadState::Scanning))
    }

    /// The reload in progress: hours done and in all.
    pub fn reload_progress(&self) -> Option<(i64, i64)> {
        self.reload.as_ref().map(|r| r.load.progress)
    }

    /// Handles events for at most `budget` (at least one waiting event of each
    /// task, so a document given no time left still moves on).
    pub fn drain(&mut self, budget: Duration) -> Drained {
        let until = Instant::now() + budget;
        let mut out = Drained::default();
        if let (Some(handle), Some(load)) = (&mut self.handle, &mut self.current) {
            out.finished = drain_into(handle, load, until, &mut out.events);
        }
        let reload_ended = match &mut self.reload {
            Some(r) => drain_into(&mut r.handle, &mut r.load, until, &mut out.events),
            None => false,
        };
        if reload_ended && let Some(Reload { handle, load }) = self.reload.take() {
            match &load.state {
                LoadState::Done(_) => {
                    self.current = Some(load);
                    self.handle = Some(handle);
                    out.finished = true;
                    out.reloaded = true;
                }
                LoadState::Failed(e) => out.reload_failed = Some(e.clone()),
                LoadState::Cancelled => {
                    out.reload_failed = Some("reload cancelled".into());
                }
                LoadState::Scanning => {}
            }
        }
        out
    }
}

/// Applies the waiting events of one task to its load until `until` (the first
/// one always); true when the task ended.
fn drain_into(
    handle: &mut JobHandle<Coverage>,
    load: &mut Load,
    until: Instant,
    events: &mut usize,
) -> bool {
    while let Some(ev) = handle.try_next() {
        *events += 1;
        if apply(load, ev) {
            return true;
        }
        if Instant::now() >= until {
            break;
        }
    }
    false
}

/// Applies one event to a load; true when it was the last.
fn apply(load: &mut Load, ev: Event<Coverage>) -> bool {
    match ev {
        Event::Progress {
            done,
            total,
            phrase,
        } => {
            load.progress = (done, total);
            load.phrase = phrase;
            false
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
                        ps.done.insert(h, Arc::clone(&hour.coverage));
                    }
                }
            }
            load.changed = true;
            false
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
            true
        }
    }
}
