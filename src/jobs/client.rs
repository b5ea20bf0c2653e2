//! The one typed job client, for the command line and the app alike: submit a
//! task kind with typed arguments; receive its typed progress, partial results
//! and output on its own handle; cancel it (also by dropping the handle).
//!
//! A task kind is a type implementing [`TaskKind`]; registering it
//! ([`Registry::add`]) is all it takes for every runner to run it and every client
//! to submit it.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::db::Db;
use super::queue::{self, TaskState};
use super::runner::{ClaimScope, JobEvent, Registry, Runner, RunnerRef, TaskContext, TaskError};

/// A kind of task: its name in the queue, typed arguments, partial results and
/// output, and how it runs.
pub trait TaskKind: Send + Sync + 'static {
    /// The kind's name in the task table (`coverage`, `sleep`, …).
    const NAME: &'static str;
    /// Arguments, stored as JSON in the queue.
    type Args: Serialize + DeserializeOwned;
    /// A partial result sent while it runs (`()` when it sends none).
    type Partial: Send + Sync + 'static;
    /// The in-process output delivered when it finishes.
    type Output: Send + Sync + 'static;
    /// Runs the task: a small JSON result for the database, and the output.
    fn run(
        ctx: &KindContext<'_, Self>,
        args: Self::Args,
    ) -> Result<(Value, Self::Output), TaskError>
    where
        Self: Sized;
}

/// What a task of kind `K` sees while it runs: its id, cancel flag, progress and
/// typed partial results.
pub struct KindContext<'a, K> {
    inner: &'a TaskContext,
    _kind: PhantomData<K>,
}

impl<K: TaskKind> KindContext<'_, K> {
    /// The untyped context (database, id).
    pub fn raw(&self) -> &TaskContext {
        self.inner
    }
    /// True once the task should stop.
    pub fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
    /// Reports progress.
    pub fn progress(&self, done: i64, total: i64, phrase: &str) {
        self.inner.progress(done, total, phrase);
    }
    /// Sends a partial result to the client that submitted the task.
    pub fn partial(&self, partial: K::Partial) {
        self.inner.partial(Arc::new(partial));
    }
}

impl Registry {
    /// Registers task kind `K` (one line per kind).
    pub fn add<K: TaskKind>(&mut self) {
        self.register(K::NAME, |ctx| {
            let args: K::Args = serde_json::from_value(ctx.args.clone())
                .map_err(|e| TaskError::Failed(format!("bad arguments for {}: {e}", K::NAME)))?;
            let typed = KindContext::<K> {
                inner: ctx,
                _kind: PhantomData,
            };
            let (result, output) = K::run(&typed, args)?;
            ctx.set_output(Arc::new(output));
            Ok(result)
        });
    }
}

/// How a task ended, with its typed output.
pub enum Outcome<K: TaskKind> {
    /// Finished; its output.
    Done(Arc<K::Output>),
    /// Failed or panicked, with the message.
    Failed(String),
    /// Cancelled by the user.
    Cancelled,
    /// Stopped by a shutdown or signal.
    Interrupted(String),
}

/// What a handle receives.
pub enum Event<K: TaskKind> {
    /// Progress: units done, units in all, what it is doing.
    Progress {
        /// Units done.
        done: i64,
        /// Units in all.
        total: i64,
        /// What it is doing.
        phrase: String,
    },
    /// A partial result.
    Partial(Arc<K::Partial>),
    /// The end (always the last event).
    Finished(Outcome<K>),
}

type Routes = Arc<Mutex<HashMap<i64, Sender<JobEvent>>>>;
/// Called after every delivered event (the app's repaint request).
type Waker = Arc<Mutex<Option<Box<dyn Fn() + Send>>>>;

/// Submits typed tasks to a runner of this process and routes every event of a
/// task to its handle. Queueing happens on the client's own thread, so submitting
/// never waits on the database.
pub struct JobClient {
    runner: Runner,
    requests: Mutex<Sender<Request>>,
    waker: Waker,
}

/// What the client's queueing thread does.
struct Request {
    kind: &'static str,
    what: RequestKind,
    events: Sender<JobEvent>,
    ticket: Arc<Ticket>,
}

enum RequestKind {
    /// A new task with these arguments.
    New(Value),
    /// Task `id` again (reserved for this process).
    Retry(i64),
}

/// A task's id once it is queued, and a cancel asked for before that.
#[derive(Default)]
struct Ticket {
    id: OnceLock<i64>,
    cancel: AtomicBool,
}

impl JobClient {
    /// Starts a runner on `db` with `workers` threads; returns the client and the
    /// tasks of dead processes that were marked interrupted.
    pub fn start(
        db: Db,
        registry: Registry,
        workers: usize,
        scope: ClaimScope,
    ) -> (JobClient, Vec<i64>) {
        let (runner, recovered) = Runner::start(db, registry, workers, scope);
        let events = runner.subscribe();
        let routes: Routes = Arc::default();
        let waker: Waker = Arc::default();
        {
            let routes = Arc::clone(&routes);
            let waker = Arc::clone(&waker);
            let _ = std::thread::Builder::new()
                .name("segscope-job-events".into())
                .spawn(move || dispatch(&events, &routes, &waker));
        }
        let (tx, rx) = mpsc::channel::<Request>();
        {
            let runner = runner.handle();
            let waker = Arc::clone(&waker);
            let _ = std::thread::Builder::new()
                .name("segscope-job-queue".into())
                .spawn(move || {
                    while let Ok(request) = rx.recv() {
                        queue_request(&runner, &routes, request);
                        wake(&waker);
                    }
                });
        }
        (
            JobClient {
                runner,
                requests: Mutex::new(tx),
                waker,
            },
            recovered,
        )
    }

    /// Calls `wake` (from another thread) after every event delivered to a
    /// handle; the app passes `request_repaint`.
    pub fn set_waker(&self, wake: impl Fn() + Send + 'static) {
        if let Ok(mut w) = self.waker.lock() {
            *w = Some(Box::new(wake));
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        self.runner.db()
    }

    fn request<K: TaskKind>(&self, what: RequestKind) -> JobHandle<K> {
        let (tx, rx) = mpsc::channel();
        let ticket = Arc::new(Ticket::default());
        let request = Request {
            kind: K::NAME,
            what,
            events: tx.clone(),
            ticket: Arc::clone(&ticket),
        };
        let sent = self
            .requests
            .lock()
            .ok()
            .is_some_and(|r| r.send(request).is_ok());
        if !sent {
            let _ = tx.send(failed(0, "the job client stopped".into()));
        }
        JobHandle {
            ticket,
            events: rx,
            runner: self.runner.handle(),
            finished: false,
            _kind: PhantomData,
        }
    }

    /// Queues a task of kind `K`, reserved for this process, and returns its
    /// handle at once (the task is queued in the background; a failure to queue
    /// arrives as its `Finished` event).
    pub fn submit<K: TaskKind>(&self, args: &K::Args) -> Result<JobHandle<K>, SubmitError> {
        let args = serde_json::to_value(args).map_err(|e| SubmitError(e.to_string()))?;
        Ok(self.request(RequestKind::New(args)))
    }

    /// Queues a failed, cancelled or interrupted task `id` of kind `K` again,
    /// reserved for this process so its runner runs it (once: a second retry
    /// fails, naming the first).
    pub fn retry<K: TaskKind>(&self, id: i64) -> JobHandle<K> {
        self.request(RequestKind::Retry(id))
    }

    /// A handle on the runner for other threads (its owner token, waking it
    /// after the queue was changed directly).
    pub fn runner(&self) -> RunnerRef {
        self.runner.handle()
    }

    /// Graceful stop: running tasks are asked to stop and get `deadline`.
    pub fn shutdown(self, deadline: Duration) -> Vec<i64> {
        self.runner.stop(deadline)
    }
}

/// A `Finished` event for a task that could not be queued.
fn failed(id: i64, why: String) -> JobEvent {
    JobEvent::Finished {
        id,
        state: TaskState::Failed,
        error: Some(why),
        output: None,
    }
}

/// Queues one request on the client's thread: the route exists before the
/// foreman can run the task, so no event of it is missed.
fn queue_request(runner: &RunnerRef, routes: &Routes, r: Request) {
    let Ok(mut table) = routes.lock() else {
        return;
    };
    let queued = match r.what {
        RequestKind::New(args) => runner
            .submit(r.kind, &args, true)
            .map_err(|e| e.to_string()),
        RequestKind::Retry(id) => retry_local(runner, r.kind, id),
    };
    match queued {
        Ok(id) => {
            table.insert(id, r.events);
            drop(table);
            let _ = r.ticket.id.set(id);
            runner.wake();
            if r.ticket.cancel.load(Ordering::SeqCst) {
                runner.cancel(id);
            }
        }
        Err(why) => {
            drop(table);
            let _ = r.events.send(failed(0, why));
        }
    }
}

fn retry_local(runner: &RunnerRef, kind: &str, id: i64) -> Result<i64, String> {
    let conn = runner.db().lock();
    let task = queue::get(&conn, id)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no task {id}"))?;
    if task.kind != kind {
        return Err(format!("task {id} is a {} task", task.kind));
    }
    queue::retry_reserved(&conn, id, Some(runner.owner()))
        .map_err(|e| e.to_string())?
        .queued(id)
}

/// A task could not be queued.
#[derive(Debug, thiserror::Error)]
#[error("cannot queue the task: {0}")]
pub struct SubmitError(String);

fn wake(waker: &Waker) {
    if let Ok(w) = waker.lock()
        && let Some(w) = w.as_ref()
    {
        w();
    }
}

fn dispatch(events: &Receiver<JobEvent>, routes: &Routes, waker: &Waker) {
    while let Ok(event) = events.recv() {
        let id = match &event {
            JobEvent::Started { id, .. }
            | JobEvent::Progress { id, .. }
            | JobEvent::Partial { id, .. }
            | JobEvent::Finished { id, .. } => *id,
        };
        let last = matches!(event, JobEvent::Finished { .. });
        let Ok(mut r) = routes.lock() else { return };
        let delivered = r.get(&id).is_some_and(|tx| tx.send(event).is_ok());
        if last || !delivered {
            r.remove(&id);
        }
        drop(r);
        if delivered {
            wake(waker);
        }
    }
}

/// One submitted task: its typed events, in order, ending with `Finished`.
/// Dropping it before the end cancels the task.
pub struct JobHandle<K: TaskKind> {
    ticket: Arc<Ticket>,
    events: Receiver<JobEvent>,
    runner: RunnerRef,
    finished: bool,
    _kind: PhantomData<K>,
}

impl<K: TaskKind> JobHandle<K> {
    /// The task's id in the queue, once it is queued (a moment after submit).
    pub fn id(&self) -> Option<i64> {
        self.ticket.id.get().copied()
    }

    /// True once `Finished` was received.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Asks the task to stop (also before it is queued); a `Finished` event
    /// follows.
    pub fn cancel(&self) {
        self.ticket.cancel.store(true, Ordering::SeqCst);
        if let Some(id) = self.id() {
            self.runner.cancel(id);
        }
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<Event<K>> {
        loop {
            match self.events.try_recv() {
                Ok(e) => {
                    if let Some(e) = self.typed(e) {
                        return Some(e);
                    }
                }
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return self.lost(),
            }
        }
    }

    /// Waits up to `timeout` for the next event.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Event<K>> {
        let until = std::time::Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) => {
                    if let Some(e) = self.typed(e) {
                        return Some(e);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return self.lost(),
            }
        }
    }

    /// The runner went away without finishing the task.
    fn lost(&mut self) -> Option<Event<K>> {
        if self.finished {
            return None;
        }
        self.finished = true;
        Some(Event::Finished(Outcome::Interrupted(
            "the job runner stopped".into(),
        )))
    }

    fn typed(&mut self, event: JobEvent) -> Option<Event<K>> {
        match event {
            JobEvent::Started { .. } => None,
            JobEvent::Progress {
                done,
                total,
                phrase,
                ..
            } => Some(Event::Progress {
                done,
                total,
                phrase,
            }),
            JobEvent::Partial { payload, .. } => {
                payload.downcast::<K::Partial>().ok().map(Event::Partial)
            }
            JobEvent::Finished {
                state,
                error,
                output,
                ..
            } => {
                self.finished = true;
                Some(Event::Finished(match state {
                    TaskState::Done => match output.and_then(|o| o.downcast::<K::Output>().ok()) {
                        Some(o) => Outcome::Done(o),
                        None => Outcome::Failed(format!("the {} task returned no output", K::NAME)),
                    },
                    TaskState::Cancelled => Outcome::Cancelled,
                    TaskState::Interrupted => {
                        Outcome::Interrupted(error.unwrap_or_else(|| "interrupted".into()))
                    }
                    _ => Outcome::Failed(
                        error.unwrap_or_else(|| format!("the {} task failed", K::NAME)),
                    ),
                }))
            }
        }
    }
}

impl<K: TaskKind> Drop for JobHandle<K> {
    fn drop(&mut self) {
        if !self.finished {
            self.cancel();
        }
    }
}
