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
use crate::gui::shell::job::{Job, JobState};
use crate::jobs::client::JobClient;
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

/// The archive being opened or open: its coverage task and the streams as
/// they fill in.
pub struct Load {
    /// The path opened.
    pub path: PathBuf,
    /// The coverage task: progress in hours, the analysis once done.
    pub job: Job<Coverage>,
    /// Streams as they fill in (empty until the layout is known).
    pub partial: Vec<PartialStream>,
}

impl Load {
    /// The finished analysis, if any.
    pub fn analysis(&self) -> Option<&Arc<Analysis>> {
        self.job.output()
    }

    /// True while its task runs.
    pub fn is_running(&self) -> bool {
        self.job.is_running()
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

/// The analyses of one archive document: the current one (on screen) and, during
/// a reload, the next one, which replaces it only when it is done.
#[derive(Default)]
pub struct Loader {
    reload: Option<Load>,
    /// The current archive.
    pub current: Option<Load>,
}

/// Starts the coverage task of `path` (`partials`: stream the layout and each
/// hour; `previous`: reuse its unchanged hours).
fn start(
    client: &JobClient,
    path: &Path,
    no_cache: bool,
    partials: bool,
    previous: Option<Arc<Analysis>>,
) -> Result<Load, String> {
    let args = CoverageArgs {
        path: path.to_path_buf(),
        no_cache,
        partials,
        reuse: previous.as_ref().map(crate::jobs::tasks::reuse::offer),
        ..Default::default()
    };
    Ok(Load {
        path: path.to_path_buf(),
        job: Job::start(client, &args)?,
        partial: Vec::new(),
    })
}

impl Loader {
    /// Opens `path` on `client`'s runner, cancelling an analysis still running.
    pub fn open(&mut self, client: &JobClient, path: &Path, no_cache: bool) -> Result<(), String> {
        self.cancel();
        self.reload = None;
        self.current = Some(start(client, path, no_cache, true, None)?);
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
            r.job.cancel();
        }
        // Unchanged hours are taken from the analysis on screen, not read again.
        self.reload = Some(start(client, &path, no_cache, false, Some(previous))?);
        Ok(())
    }

    /// Cancels the running analysis or reload, if any (never waits on the database).
    pub fn cancel(&mut self) {
        for load in [&self.current, &self.reload].into_iter().flatten() {
            load.job.cancel();
        }
    }

    /// True while an analysis or a reload runs.
    pub fn is_scanning(&self) -> bool {
        self.reload.is_some() || self.current.as_ref().is_some_and(Load::is_running)
    }

    /// The reload in progress: hours done and in all.
    pub fn reload_progress(&self) -> Option<(i64, i64)> {
        let r = self.reload.as_ref()?;
        Some(r.job.progress().map_or((0, 0), |p| (p.done, p.total)))
    }

    /// Handles events for at most `budget` (at least one waiting event of each
    /// task, so a document given no time left still moves on).
    pub fn drain(&mut self, budget: Duration) -> Drained {
        let until = Instant::now() + budget;
        let mut out = Drained::default();
        if let Some(load) = &mut self.current {
            out.finished = drain_into(load, until, &mut out.events);
        }
        let reload_ended = match &mut self.reload {
            Some(r) => drain_into(r, until, &mut out.events),
            None => false,
        };
        if reload_ended && let Some(load) = self.reload.take() {
            match &load.job.state {
                JobState::Done(_) => {
                    self.current = Some(load);
                    out.finished = true;
                    out.reloaded = true;
                }
                JobState::Failed(e) => out.reload_failed = Some(e.clone()),
                JobState::Cancelled => {
                    out.reload_failed = Some("reload cancelled".into());
                }
                JobState::Idle | JobState::Running(_) => {}
            }
        }
        out
    }
}

/// Applies the waiting events of one load's task until `until` (the first
/// one always); true when the task ended.
fn drain_into(load: &mut Load, until: Instant, events: &mut usize) -> bool {
    let Load { job, partial, .. } = load;
    let ended = job.drain(until, events, |p| apply_partial(partial, &p));
    if ended {
        partial.clear();
    }
    ended
}

/// Applies one partial result (the layout, or a finished hour) to the
/// streams filling in.
fn apply_partial(partial: &mut Vec<PartialStream>, p: &CoveragePartial) {
    match p {
        CoveragePartial::Layout(layout) => {
            *partial = layout
                .streams
                .iter()
                .map(|(c, q)| PartialStream {
                    channel: c.clone(),
                    quality: q.clone(),
                    ..Default::default()
                })
                .collect();
            for (s, h) in &layout.hours {
                if let Some(ps) = partial.get_mut(*s) {
                    ps.pending.insert(*h);
                }
            }
        }
        CoveragePartial::Hour(hour) => {
            if let Some(ps) = partial.get_mut(hour.stream) {
                let h = hour.summary.hour_start_us;
                ps.pending.remove(&h);
                ps.done.insert(h, Arc::clone(&hour.coverage));
            }
        }
    }
}
