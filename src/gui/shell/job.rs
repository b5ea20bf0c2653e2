//! One job state for every document's work (an archive's scan, a perf
//! export's reading, an anomaly run): running with its progress, done with
//! its snapshot, failed, cancelled; one drain under the frame's budget, and
//! one progress bar with Cancel, so every kind shows its progress and is
//! cancelled the same way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::jobs::client::{Event, JobClient, JobHandle, Outcome, TaskKind};

/// How far a running job is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Steps done.
    pub done: i64,
    /// Steps in all (0 while unknown).
    pub total: i64,
    /// What the task says it is doing.
    pub phrase: String,
}

/// Where a job stands.
#[derive(Debug)]
pub enum JobState<T> {
    /// Not started.
    Idle,
    /// Running.
    Running(Progress),
    /// Finished, with its snapshot.
    Done(Arc<T>),
    /// Failed, with a message.
    Failed(String),
    /// Cancelled (by the user, or stopped with the app).
    Cancelled,
}

impl<T> Clone for JobState<T> {
    fn clone(&self) -> Self {
        match self {
            JobState::Idle => JobState::Idle,
            JobState::Running(p) => JobState::Running(p.clone()),
            JobState::Done(t) => JobState::Done(Arc::clone(t)),
            JobState::Failed(e) => JobState::Failed(e.clone()),
            JobState::Cancelled => JobState::Cancelled,
        }
    }
}

/// How a document's job ended, as its kind reports it to the app (which
/// does what every kind needs: undo a failed open, tell the automation).
pub enum Ending<T> {
    /// Done: what the app needs of the new snapshot.
    Done(T),
    /// Failed, with a message.
    Failed(String),
    /// Cancelled.
    Cancelled,
}

/// A document's task of kind `K` and what it has reported.
pub struct Job<K: TaskKind> {
    handle: Option<JobHandle<K>>,
    /// Where it stands.
    pub state: JobState<K::Output>,
    /// When it started.
    pub started: Instant,
    /// How long it took, once finished.
    pub elapsed: Option<Duration>,
}

impl<K: TaskKind> Default for Job<K> {
    fn default() -> Self {
        Job {
            handle: None,
            state: JobState::Idle,
            started: Instant::now(),
            elapsed: None,
        }
    }
}

impl<K: TaskKind> Job<K> {
    /// Submits a task with `args` on `client`; the job runs at once.
    pub fn start(client: &JobClient, args: &K::Args) -> Result<Job<K>, String> {
        let handle = client.submit::<K>(args).map_err(|e| e.to_string())?;
        Ok(Job {
            handle: Some(handle),
            state: JobState::Running(Progress {
                phrase: "queued".into(),
                ..Progress::default()
            }),
            started: Instant::now(),
            elapsed: None,
        })
    }

    /// True while it runs.
    pub fn is_running(&self) -> bool {
        self.handle.is_some()
    }

    /// Asks the task to stop (never waits on the database); its end arrives
    /// as an event.
    pub fn cancel(&self) {
        if let Some(h) = &self.handle {
            h.cancel();
        }
    }

    /// Stops it and forgets it at once: cancelled now, whatever it reports
    /// later (a restart with other settings, a closed document).
    pub fn abandon(&mut self) {
        if let Some(h) = self.handle.take() {
            h.cancel();
            self.state = JobState::Cancelled;
            self.elapsed = Some(self.started.elapsed());
        }
    }

    /// Its snapshot, once done.
    pub fn output(&self) -> Option<&Arc<K::Output>> {
        match &self.state {
            JobState::Done(t) => Some(t),
            _ => None,
        }
    }

    /// Its progress while it runs.
    pub fn progress(&self) -> Option<&Progress> {
        match &self.state {
            JobState::Running(p) => Some(p),
            _ => None,
        }
    }

    /// Estimated seconds left.
    pub fn eta_secs(&self) -> Option<f64> {
        let p = self.progress()?;
        (p.done > 0 && p.total > p.done).then(|| {
            let e = self.started.elapsed().as_secs_f64();
            e / p.done as f64 * (p.total - p.done) as f64
        })
    }

    /// Applies the waiting events until `until` (the first one always, so a
    /// job given no time left still moves on), each partial result through
    /// `partial`; counts them in `events`. True when the job finished during
    /// this call.
    pub fn drain(
        &mut self,
        until: Instant,
        events: &mut usize,
        mut partial: impl FnMut(Arc<K::Partial>),
    ) -> bool {
        let Some(handle) = self.handle.as_mut() else {
            return false;
        };
        while let Some(event) = handle.try_next() {
            *events += 1;
            match event {
                Event::Progress {
                    done,
                    total,
                    phrase,
                } => {
                    self.state = JobState::Running(Progress {
                        done,
                        total,
                        phrase,
                    });
                }
                Event::Partial(p) => partial(p),
                Event::Finished(outcome) => {
                    self.state = match outcome {
                        Outcome::Done(t) => JobState::Done(t),
                        Outcome::Failed(e) => JobState::Failed(e),
                        Outcome::Cancelled | Outcome::Interrupted(_) => JobState::Cancelled,
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
}

/// The progress bar of a running job, `unit` naming its steps (`hours`,
/// `rows`, `series`), with the ETA when known and a Cancel button; true when
/// Cancel was clicked.
pub fn progress_ui<K: TaskKind>(ui: &mut egui::Ui, job: &Job<K>, unit: &str) -> bool {
    let Some(p) = job.progress() else {
        return false;
    };
    let frac = if p.total > 0 {
        p.done as f32 / p.total as f32
    } else {
        0.0
    };
    let eta = job
        .eta_secs()
        .map(|s| format!(", ETA {s:.0} s"))
        .unwrap_or_default();
    let text = if p.total > 0 {
        format!("{} {}/{} {unit}{eta}", p.phrase, p.done, p.total)
    } else {
        p.phrase.clone()
    };
    if p.total > 0 {
        ui.add(egui::ProgressBar::new(frac).desired_width(220.0).text(text));
    } else {
        ui.spinner();
        ui.label(text);
    }
    ui.button("Cancel")
        .on_hover_text("Stop this document's work")
        .clicked()
}
