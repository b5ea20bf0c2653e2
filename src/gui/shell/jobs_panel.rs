//! The Jobs tab: the job queue (state, progress, durations, errors) with
//! cancel and retry, and the "work pending, nothing finishing" warning. The
//! queue is read, and changed, on a background thread, about once a second
//! while the tab is shown; the window never waits for the database.

use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::jobs::client::JobClient;
use crate::jobs::queue::{self, CancelOutcome, PendingWork, Task, TaskState};

/// How often the shown tab reads the queue again.
const REFRESH: Duration = Duration::from_secs(1);
/// Tasks listed, newest first.
const LIMIT: usize = 200;

/// What the tab asks of the app: a read of the queue, after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobsRequest {
    /// Read the queue again.
    Refresh,
    /// Cancel this task, then read.
    Cancel(i64),
    /// Queue this task again, then read.
    Retry(i64),
}

/// What a read of the queue found.
struct Snapshot {
    tasks: Vec<Task>,
    pending: Option<PendingWork>,
    said: Option<String>,
}

/// The tab's state.
#[derive(Default)]
pub struct JobsPanel {
    rx: Option<Receiver<Result<Snapshot, String>>>,
    shown: Option<Snapshot>,
    asked: Option<Instant>,
    /// The last thing an action said (or a read error).
    pub message: Option<String>,
}

impl JobsPanel {
    /// Does `request` on a background thread (the app calls it with its job
    /// client: the tab itself holds none).
    pub fn run(&mut self, jobs: &JobClient, request: JobsRequest, ctx: &egui::Context) {
        let (tx, rx) = channel();
        let (db, runner, ctx) = (jobs.db().clone(), jobs.runner(), ctx.clone());
        let spawned = std::thread::Builder::new()
            .name("segscope-jobs-tab".into())
            .spawn(move || {
                let read = || -> rusqlite::Result<Snapshot> {
                    let conn = db.lock();
                    let said = match request {
                        JobsRequest::Cancel(id) => Some(match queue::cancel(&conn, id)? {
                            CancelOutcome::Cancelled => format!("task {id} cancelled"),
                            CancelOutcome::Requested => format!("task {id} asked to stop"),
                            CancelOutcome::AlreadyFinished(s) => format!("task {id} already {s}"),
                            CancelOutcome::NotFound => format!("no task {id}"),
                        }),
                        // Reserved for the app's runner, which is woken: a change
                        // on its own connection does not show as new data.
                        JobsRequest::Retry(id) => Some(
                            match queue::retry_reserved(&conn, id, Some(runner.owner()))?.queued(id)
                            {
                                Ok(new) => {
                                    runner.wake();
                                    format!("task {id} queued again as task {new}")
                                }
                                Err(why) => why,
                            },
                        ),
                        JobsRequest::Refresh => None,
                    };
                    Ok(Snapshot {
                        tasks: queue::list(&conn, LIMIT)?,
                        pending: queue::work_pending(&conn)?,
                        said,
                    })
                };
                let _ = tx.send(read().map_err(|e| e.to_string()));
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.rx = Some(rx);
            self.asked = Some(Instant::now());
        }
    }

    /// Draws the tab.
    /// Draws the tab; returns what it asks of the app.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<JobsRequest> {
        if let Some(done) = self.rx.as_ref().and_then(|rx| rx.try_recv().ok()) {
            self.rx = None;
            match done {
                Ok(s) => {
                    if s.said.is_some() {
                        self.message.clone_from(&s.said);
                    }
                    self.shown = Some(s);
                }
                Err(e) => self.message = Some(format!("cannot read the queue: {e}")),
            }
        }
        let ctx = ui.ctx().clone();
        let due = self.rx.is_none() && self.asked.is_none_or(|t| t.elapsed() >= REFRESH);
        let refresh = due.then_some(JobsRequest::Refresh);
        ctx.request_repaint_after(REFRESH);
        let Some(s) = &self.shown else {
            ui.label("Reading the queue…");
            return refresh;
        };
        let mut action = None;
        ui.horizontal(|ui| {
            let count = |st: TaskState| s.tasks.iter().filter(|t| t.state == st).count();
            ui.label(format!(
                "{} tasks shown: {} queued, {} running, {} failed",
                s.tasks.len(),
                count(TaskState::Queued),
                count(TaskState::Running),
                count(TaskState::Failed)
            ));
            if let Some(p) = &s.pending {
                ui.colored_label(egui::Color32::from_rgb(255, 127, 14), p.message());
            }
            if let Some(m) = &self.message {
                ui.label(m);
            }
        });
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show_rows(ui, row_height, s.tasks.len(), |ui, range| {
                for t in &s.tasks[range] {
                    ui.horizontal(|ui| {
                        ui.label(format!("#{}", t.id));
                        ui.label(&t.kind);
                        ui.label(format!("{}", t.state));
                        if t.progress_total > 0 {
                            ui.label(format!(
                                "{}/{} {}",
                                t.progress_done, t.progress_total, t.progress_phrase
                            ));
                        } else if !t.progress_phrase.is_empty() {
                            ui.label(&t.progress_phrase);
                        }
                        let end = t.finished_us.unwrap_or_else(queue::now_us);
                        if let Some(start) = t.started_us {
                            ui.label(format!("{:.1} s", (end - start) as f64 / 1e6));
                        } else {
                            ui.label(format!(
                                "waiting {:.0} s",
                                (queue::now_us() - t.created_us) as f64 / 1e6
                            ));
                        }
                        if matches!(t.state, TaskState::Queued | TaskState::Running)
                            && ui.small_button(format!("Cancel #{}", t.id)).clicked()
                        {
                            action = Some(JobsRequest::Cancel(t.id));
                        }
                        if matches!(
                            t.state,
                            TaskState::Failed | TaskState::Cancelled | TaskState::Interrupted
                        ) && ui.small_button(format!("Retry #{}", t.id)).clicked()
                        {
                            action = Some(JobsRequest::Retry(t.id));
                        }
                        if let Some(e) = &t.error {
                            ui.label(crate::text::shown(e).into_owned());
                        }
                    });
                }
            });
        action.or(refresh)
    }
}
