//! The foreman and its workers: claims queued tasks from the database and runs
//! them on a bounded pool of threads, with progress, cancellation, events for
//! subscribers, failure isolation (errors and panics) and a graceful stop.

use std::any::Any;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::db::Db;
use super::queue::{self, Task, TaskState};

/// How often the foreman looks for work from other processes and cancel requests.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// Default grace period of a stop.
pub const DEFAULT_STOP_DEADLINE: Duration = Duration::from_secs(10);

/// An opaque in-process payload (a partial or final result) for subscribers.
pub type Payload = Arc<dyn Any + Send + Sync>;

/// What subscribers hear about tasks run by this process.
#[derive(Clone)]
pub enum JobEvent {
    /// A worker started the task.
    Started {
        /// Task id.
        id: i64,
        /// Task kind.
        kind: String,
    },
    /// Progress.
    Progress {
        /// Task id.
        id: i64,
        /// Units done.
        done: i64,
        /// Units in all.
        total: i64,
        /// What it is doing.
        phrase: String,
    },
    /// A partial result (e.g. one analysed hour).
    Partial {
        /// Task id.
        id: i64,
        /// The payload.
        payload: Payload,
    },
    /// The task ended.
    Finished {
        /// Task id.
        id: i64,
        /// Final state.
        state: TaskState,
        /// Error text when failed.
        error: Option<String>,
        /// The in-process output, when the task produced one.
        output: Option<Payload>,
    },
}

impl std::fmt::Debug for JobEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobEvent::Started { id, kind } => write!(f, "Started({id}, {kind})"),
            JobEvent::Progress {
                id,
                done,
                total,
                phrase,
            } => write!(f, "Progress({id}, {done}/{total}, {phrase})"),
            JobEvent::Partial { id, .. } => write!(f, "Partial({id})"),
            JobEvent::Finished {
                id, state, error, ..
            } => write!(f, "Finished({id}, {state}, {error:?})"),
        }
    }
}

/// Why a task did not succeed.
#[derive(Debug)]
pub enum TaskError {
    /// It saw its cancel flag and stopped.
    Cancelled,
    /// It failed, with a message for the user.
    Failed(String),
}

impl<E: std::fmt::Display> From<E> for TaskError {
    fn from(e: E) -> Self {
        TaskError::Failed(e.to_string())
    }
}

/// What a task returns: a small JSON result for the database.
pub type TaskResult = Result<Value, TaskError>;

/// A task implementation.
pub type TaskFn = Arc<dyn Fn(&TaskContext) -> TaskResult + Send + Sync>;

/// The task kinds this process can run.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: HashMap<String, TaskFn>,
}

impl Registry {
    /// Registers `f` for `kind`.
    pub fn register(
        &mut self,
        kind: &str,
        f: impl Fn(&TaskContext) -> TaskResult + Send + Sync + 'static,
    ) {
        self.kinds.insert(kind.to_string(), Arc::new(f));
    }
}

/// Which queued tasks a runner takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimScope {
    /// Only tasks this process submitted as local (a CLI command waiting for its own task).
    Own,
    /// Own tasks and every unreserved task (a `segscope jobs run` worker). The
    /// desktop app and the CLI claim only their own: their retries are reserved
    /// for them (`JobClient::retry`).
    Any,
}

struct Shared {
    db: Db,
    owner: String,
    scope: ClaimScope,
    registry: Registry,
    subscribers: Mutex<Vec<Sender<JobEvent>>>,
    running: Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// Cancels of tasks not running here yet, for the foreman to record.
    cancel_requests: Mutex<Vec<i64>>,
    stopping: AtomicBool,
    wake: Mutex<Sender<()>>,
}

impl Shared {
    fn emit(&self, event: JobEvent) {
        if let Ok(mut subs) = self.subscribers.lock() {
            subs.retain(|s| s.send(event.clone()).is_ok());
        }
    }

    fn wake(&self) {
        if let Ok(w) = self.wake.lock() {
            let _ = w.send(());
        }
    }
}

/// When a task's progress last went out.
#[derive(Default)]
struct ProgressTimes {
    event: Option<Instant>,
    write: Option<Instant>,
}

/// Handed to a running task: its arguments, cancel flag, progress and results.
pub struct TaskContext {
    /// Task id.
    pub id: i64,
    /// Arguments.
    pub args: Value,
    cancel: Arc<AtomicBool>,
    shared: Arc<Shared>,
    last_progress: Mutex<ProgressTimes>,
    output: Mutex<Option<Payload>>,
}

impl TaskContext {
    /// True once the task should stop (user cancel or shutdown). Check it often.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Reports progress: to subscribers at most 50 times a second, to the
    /// database at most 4 times a second; the first steps and the last
    /// always go to both (a scan of many small hours would otherwise wake
    /// every subscriber once per hour).
    pub fn progress(&self, done: i64, total: i64, phrase: &str) {
        let (notify, write) = {
            let Ok(mut last) = self.last_progress.lock() else {
                return;
            };
            let now = Instant::now();
            let always = done >= total || done <= 2;
            let notify = always
                || last
                    .event
                    .is_none_or(|l| now - l >= Duration::from_millis(20));
            let write = always
                || last
                    .write
                    .is_none_or(|l| now - l >= Duration::from_millis(250));
            if notify {
                last.event = Some(now);
            }
            if write {
                last.write = Some(now);
            }
            (notify, write)
        };
        if notify {
            self.shared.emit(JobEvent::Progress {
                id: self.id,
                done,
                total,
                phrase: phrase.to_string(),
            });
        }
        if write {
            let _ = queue::set_progress(&self.shared.db.lock(), self.id, done, total, phrase);
        }
    }

    /// Sends a partial result to subscribers.
    pub fn partial(&self, payload: Payload) {
        self.shared.emit(JobEvent::Partial {
            id: self.id,
            payload,
        });
    }

    /// Sets the in-process output delivered with the `Finished` event.
    pub fn set_output(&self, payload: Payload) {
        if let Ok(mut o) = self.output.lock() {
            *o = Some(payload);
        }
    }

    /// The shared database (e.g. for the result cache).
    pub fn db(&self) -> &Db {
        &self.shared.db
    }
}

/// A running foreman with its workers. Stop it with [`Runner::stop`] (dropping it
/// stops it with the default deadline).
pub struct Runner {
    shared: Arc<Shared>,
    foreman: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
    stopped: bool,
}

/// This process's owner token: `pid:start-time`, so a reused pid is not mistaken
/// for a live owner.
pub fn owner_token() -> String {
    let pid = std::process::id();
    format!("{pid}:{}", process_start_time(pid).unwrap_or_default())
}

fn process_start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22, counted after the parenthesised command name (which may hold spaces).
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19).map(str::to_string)
}

/// Whether the process behind an owner token is still running (Linux /proc).
pub fn owner_alive(token: &str) -> bool {
    let Some((pid, start)) = token.split_once(':') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    process_start_time(pid).is_some_and(|s| s == start)
}

impl Runner {
    /// Recovers tasks of dead processes (returned), then starts a foreman and
    /// `workers` worker threads (at least one).
    pub fn start(
        db: Db,
        registry: Registry,
        workers: usize,
        scope: ClaimScope,
    ) -> (Runner, Vec<i64>) {
        let recovered = queue::recover(&db.lock(), owner_alive).unwrap_or_default();
        let (wake_tx, wake_rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            db,
            owner: owner_token(),
            scope,
            registry,
            subscribers: Mutex::new(Vec::new()),
            running: Mutex::new(HashMap::new()),
            cancel_requests: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
            wake: Mutex::new(wake_tx),
        });
        let workers = workers.max(1);
        let (work_tx, work_rx) = mpsc::channel::<Task>();
        let work_rx = Arc::new(Mutex::new(work_rx));
        let worker_handles = (0..workers)
            .map(|i| {
                let shared = Arc::clone(&shared);
                let rx = Arc::clone(&work_rx);
                thread::Builder::new()
                    .name(format!("segscope-worker-{i}"))
                    .spawn(move || worker_loop(&shared, &rx))
            })
            .filter_map(Result::ok)
            .collect();
        let foreman = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("segscope-foreman".into())
                .spawn(move || foreman_loop(&shared, &wake_rx, &work_tx, workers))
                .ok()
        };
        (
            Runner {
                shared,
                foreman,
                workers: worker_handles,
                stopped: false,
            },
            recovered,
        )
    }

    /// This process's owner token (for task affinity).
    pub fn owner(&self) -> &str {
        &self.shared.owner
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.shared.db
    }

    /// Subscribes to events of tasks run by this process.
    pub fn subscribe(&self) -> Receiver<JobEvent> {
        let (tx, rx) = mpsc::channel();
        if let Ok(mut subs) = self.shared.subscribers.lock() {
            subs.push(tx);
        }
        rx
    }

    /// Enqueues a task (reserved for this process when `local`) and wakes the foreman.
    pub fn submit(&self, kind: &str, args: &Value, local: bool) -> rusqlite::Result<i64> {
        self.handle().submit(kind, args, local)
    }

    /// Wakes the foreman (after tasks were enqueued directly in the database).
    pub fn wake(&self) {
        self.shared.wake();
    }

    /// A handle on this runner for other threads: cancel its tasks (without
    /// touching the database on the caller's thread) and queue new ones.
    pub fn handle(&self) -> RunnerRef {
        RunnerRef {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Graceful stop: claim nothing new, cancel running tasks, wait up to `deadline`,
    /// then mark what is still running as interrupted. Returns the ids interrupted
    /// at the deadline.
    pub fn stop(mut self, deadline: Duration) -> Vec<i64> {
        self.stop_inner(deadline)
    }

    fn stop_inner(&mut self, deadline: Duration) -> Vec<i64> {
        if self.stopped {
            return Vec::new();
        }
        self.stopped = true;
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Ok(running) = self.shared.running.lock() {
            for flag in running.values() {
                flag.store(true, Ordering::Relaxed);
            }
        }
        self.shared.wake();
        if let Some(f) = self.foreman.take() {
            let _ = f.join();
        }
        let until = Instant::now() + deadline;
        loop {
            let left: Vec<i64> = self
                .shared
                .running
                .lock()
                .map(|r| r.keys().copied().collect())
                .unwrap_or_default();
            if left.is_empty() {
                break;
            }
            if Instant::now() >= until {
                let _ = queue::interrupt(
                    &self.shared.db.lock(),
                    &left,
                    "did not stop before the shutdown deadline",
                );
                // Stuck workers are left behind; the process may exit without them.
                self.workers.clear();
                return left;
            }
            thread::sleep(Duration::from_millis(10));
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        Vec::new()
    }
}

/// A handle on a runner usable from any thread (see [`Runner::handle`]).
#[derive(Clone)]
pub struct RunnerRef {
    shared: Arc<Shared>,
}

impl RunnerRef {
    /// Enqueues a task (reserved for this process when `local`) and wakes the foreman.
    pub fn submit(&self, kind: &str, args: &Value, local: bool) -> rusqlite::Result<i64> {
        let affinity = local.then_some(self.shared.owner.as_str());
        let id = queue::enqueue(&self.shared.db.lock(), kind, args, affinity)?;
        self.shared.wake();
        Ok(id)
    }

    /// The runner's database.
    pub fn db(&self) -> &Db {
        &self.shared.db
    }

    /// The runner's owner token (for task affinity).
    pub fn owner(&self) -> &str {
        &self.shared.owner
    }

    /// Wakes the foreman (after tasks were enqueued directly in the database).
    pub fn wake(&self) {
        self.shared.wake();
    }

    /// Cancels task `id`: a task running here is asked to stop at once; a queued
    /// one is cancelled in the database by the foreman (which then reports it
    /// finished to subscribers). Never blocks on the database.
    pub fn cancel(&self, id: i64) {
        let flag = self
            .shared
            .running
            .lock()
            .ok()
            .and_then(|r| r.get(&id).cloned());
        match flag {
            Some(f) => f.store(true, Ordering::Relaxed),
            None => {
                if let Ok(mut q) = self.shared.cancel_requests.lock() {
                    q.push(id);
                }
                self.shared.wake();
            }
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.stop_inner(DEFAULT_STOP_DEADLINE);
    }
}

fn foreman_loop(shared: &Arc<Shared>, wake: &Receiver<()>, work: &Sender<Task>, workers: usize) {
    let mut last_version: Option<i64> = None;
    let mut should_claim = true;
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        cancel_requested(shared);
        let busy = shared.running.lock().map(|r| r.len()).unwrap_or(workers);
        // `busy` counts tasks handed to workers; claimed-but-not-started ones are in it too.
        if should_claim && busy < workers {
            let claimed = queue::claim(
                &shared.db.lock(),
                &shared.owner,
                workers - busy,
                shared.scope == ClaimScope::Own,
            )
            .unwrap_or_default();
            should_claim = !claimed.is_empty();
            for task in claimed {
                if let Ok(mut r) = shared.running.lock() {
                    r.insert(task.id, Arc::new(AtomicBool::new(false)));
                }
                if work.send(task).is_err() {
                    return;
                }
            }
            if should_claim {
                continue;
            }
        }
        match wake.recv_timeout(POLL_INTERVAL) {
            Ok(()) => {
                while wake.try_recv().is_ok() {}
                should_claim = true;
            }
            Err(RecvTimeoutError::Timeout) => {
                // Other processes: new tasks change the data version; cancel requests
                // are flags on our running tasks.
                let conn = shared.db.lock();
                let version: Option<i64> =
                    conn.query_row("PRAGMA data_version", [], |r| r.get(0)).ok();
                if version != last_version {
                    last_version = version;
                    should_claim = true;
                }
                let requests = queue::cancel_requests(&conn, &shared.owner).unwrap_or_default();
                drop(conn);
                if let Ok(running) = shared.running.lock() {
                    for id in requests {
                        if let Some(flag) = running.get(&id) {
                            flag.store(true, Ordering::Relaxed);
                        }
                    }
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Records cancels of tasks that were not running here when asked: a queued task
/// is cancelled (and reported finished); one that started meanwhile is flagged.
fn cancel_requested(shared: &Arc<Shared>) {
    let ids: Vec<i64> = shared
        .cancel_requests
        .lock()
        .map(|mut q| std::mem::take(&mut *q))
        .unwrap_or_default();
    for id in ids {
        let outcome = queue::cancel(&shared.db.lock(), id);
        match outcome {
            Ok(queue::CancelOutcome::Cancelled) => shared.emit(JobEvent::Finished {
                id,
                state: TaskState::Cancelled,
                error: None,
                output: None,
            }),
            _ => {
                if let Some(f) = shared.running.lock().ok().and_then(|r| r.get(&id).cloned()) {
                    f.store(true, Ordering::Relaxed);
                }
            }
        }
    }
}

fn worker_loop(shared: &Arc<Shared>, work: &Arc<Mutex<Receiver<Task>>>) {
    loop {
        let task = {
            let Ok(rx) = work.lock() else { return };
            match rx.recv() {
                Ok(t) => t,
                Err(_) => return,
            }
        };
        run_task(shared, task);
        shared.wake();
    }
}

fn run_task(shared: &Arc<Shared>, task: Task) {
    let cancel = shared
        .running
        .lock()
        .ok()
        .and_then(|r| r.get(&task.id).cloned())
        .unwrap_or_default();
    let ctx = TaskContext {
        id: task.id,
        args: task.args.clone(),
        cancel: Arc::clone(&cancel),
        shared: Arc::clone(shared),
        last_progress: Mutex::new(ProgressTimes::default()),
        output: Mutex::new(None),
    };
    // `Started` is sent only for a task whose body really runs (one claimed but
    // put back by a shutdown never started).
    let started = || {
        shared.emit(JobEvent::Started {
            id: task.id,
            kind: task.kind.clone(),
        });
    };
    let outcome = match shared.registry.kinds.get(&task.kind) {
        None => {
            started();
            Err(TaskError::Failed(format!(
                "unknown task kind {:?}",
                task.kind
            )))
        }
        Some(f) if !cancel.load(Ordering::Relaxed) => {
            started();
            catch_unwind(AssertUnwindSafe(|| f(&ctx))).unwrap_or_else(|panic| {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(TaskError::Failed(format!("task panicked: {msg}")))
            })
        }
        Some(_) if shared.stopping.load(Ordering::SeqCst) => {
            // Claimed but never started before a shutdown: back to the queue.
            let _ = queue::requeue(&shared.db.lock(), task.id);
            if let Ok(mut r) = shared.running.lock() {
                r.remove(&task.id);
            }
            return;
        }
        Some(_) => Err(TaskError::Cancelled),
    };
    let stopping = shared.stopping.load(Ordering::SeqCst);
    let (state, error, result) = match outcome {
        Ok(v) => (TaskState::Done, None, Some(v)),
        Err(TaskError::Cancelled) if stopping => (
            TaskState::Interrupted,
            Some("stopped by shutdown".to_string()),
            None,
        ),
        Err(TaskError::Cancelled) => (TaskState::Cancelled, None, None),
        Err(TaskError::Failed(m)) => (TaskState::Failed, Some(m), None),
    };
    let recorded = queue::finish(
        &shared.db.lock(),
        task.id,
        state,
        error.as_deref(),
        result.as_ref(),
    )
    .unwrap_or(false);
    // When the deadline already marked it interrupted, report that state.
    let state = if recorded {
        state
    } else {
        TaskState::Interrupted
    };
    if let Ok(mut r) = shared.running.lock() {
        r.remove(&task.id);
    }
    let output = ctx.output.lock().ok().and_then(|mut o| o.take());
    shared.emit(JobEvent::Finished {
        id: task.id,
        state,
        error,
        output,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::tasks::builtin_registry;
    use serde_json::json;

    fn wait_finished(rx: &Receiver<JobEvent>, n: usize) -> Vec<(i64, TaskState, Option<String>)> {
        let mut out = Vec::new();
        let until = Instant::now() + Duration::from_secs(30);
        while out.len() < n && Instant::now() < until {
            if let Ok(JobEvent::Finished {
                id, state, error, ..
            }) = rx.recv_timeout(Duration::from_millis(100))
            {
                out.push((id, state, error));
            }
        }
        out.sort_by_key(|e| e.0);
        out
    }

    #[test]
    fn failures_and_panics_are_data_and_others_go_on() {
        let db = Db::memory().unwrap();
        let (runner, _) = Runner::start(db.clone(), builtin_registry(), 2, ClaimScope::Any);
        let rx = runner.subscribe();
        let ok = runner.submit("sleep", &json!({"ms": 1}), false).unwrap();
        let failed = runner
            .submit("sleep", &json!({"ms": 1, "fail": "disk on fire"}), false)
            .unwrap();
        let panicked = runner
            .submit("sleep", &json!({"ms": 1, "panic": "boom"}), false)
            .unwrap();
        let unknown = runner.submit("nope", &json!({}), false).unwrap();
        let after = runner.submit("noop", &json!({"x": 1}), false).unwrap();
        let done = wait_finished(&rx, 5);
        assert_eq!(done.len(), 5);
        let state = |id| done.iter().find(|d| d.0 == id).unwrap().clone();
        assert_eq!(state(ok).1, TaskState::Done);
        assert_eq!(
            state(failed),
            (failed, TaskState::Failed, Some("disk on fire".into()))
        );
        assert_eq!(state(panicked).1, TaskState::Failed);
        assert!(state(panicked).2.unwrap().contains("boom"));
        assert!(state(unknown).2.unwrap().contains("unknown task kind"));
        assert_eq!(state(after).1, TaskState::Done);
        let row = queue::get(&db.lock(), after).unwrap().unwrap();
        assert_eq!(row.result, Some(json!({"x": 1})));
        assert!(row.finished_us.is_some() && row.started_us.is_some());
        assert!(runner.stop(Duration::from_secs(1)).is_empty());
    }

    #[test]
    fn progress_is_thinned_to_fifty_a_second_and_the_last_step_arrives() {
        let db = Db::memory().unwrap();
        let (runner, _) = Runner::start(db.clone(), builtin_registry(), 1, ClaimScope::Any);
        let rx = runner.subscribe();
        let start = Instant::now();
        // Reports progress every 5 ms.
        let id = runner.submit("sleep", &json!({"ms": 300}), false).unwrap();
        let mut steps = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(30)).unwrap() {
                JobEvent::Progress { done, total, .. } => steps.push((done, total)),
                JobEvent::Finished { id: done, .. } if done == id => break,
                _ => {}
            }
        }
        let wall_ms = start.elapsed().as_millis() as usize;
        let last = *steps.last().unwrap();
        assert!(last.0 >= last.1, "the last step is reported: {last:?}");
        // One every 20 ms at most, plus the last.
        assert!(
            steps.len() <= wall_ms / 20 + 2,
            "{} progress events in {wall_ms} ms",
            steps.len()
        );
        let stored = queue::get(&db.lock(), id).unwrap().unwrap();
        assert!(stored.progress_done >= stored.progress_total);
    }

    #[test]
    fn user_cancel_stops_a_running_task() {
        let db = Db::memory().unwrap();
        let (runner, _) = Runner::start(db.clone(), builtin_registry(), 1, ClaimScope::Any);
        let rx = runner.subscribe();
        let id = runner
            .submit("sleep", &json!({"ms": 20_000}), false)
            .unwrap();
        // Wait until it runs, then cancel through the database like `segscope jobs cancel`.
        let until = Instant::now() + Duration::from_secs(10);
        while queue::get(&db.lock(), id).unwrap().unwrap().state != TaskState::Running
            && Instant::now() < until
        {
            thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            queue::cancel(&db.lock(), id).unwrap(),
            queue::CancelOutcome::Requested
        );
        let done = wait_finished(&rx, 1);
        assert_eq!(done[0].1, TaskState::Cancelled);
        assert_eq!(
            queue::get(&db.lock(), id).unwrap().unwrap().state,
            TaskState::Cancelled
        );
    }

    #[test]
    fn stop_interrupts_a_task_that_ignores_cancellation() {
        let db = Db::memory().unwrap();
        let (runner, _) = Runner::start(db.clone(), builtin_registry(), 2, ClaimScope::Any);
        let events = runner.subscribe();
        let stuck = runner
            .submit(
                "sleep",
                &json!({"ms": 3_600_000, "ignore_cancel": true}),
                false,
            )
            .unwrap();
        let polite = runner
            .submit("sleep", &json!({"ms": 60_000}), false)
            .unwrap();
        let waiting = runner.submit("sleep", &json!({"ms": 1}), false).unwrap();
        // Both workers have started their tasks (not just claimed them).
        let mut started = Vec::new();
        while started.len() < 2 {
            if let JobEvent::Started { id, .. } =
                events.recv_timeout(Duration::from_secs(30)).unwrap()
            {
                started.push(id);
            }
        }
        started.sort_unstable();
        assert_eq!(started, vec![stuck, polite]);
        // The stuck task would sleep for an hour: that stop returns it as
        // interrupted shows the deadline ended the wait, not the task.
        let interrupted = runner.stop(Duration::from_millis(300));
        assert_eq!(interrupted, vec![stuck]);
        let c = db.lock();
        assert_eq!(
            queue::get(&c, stuck).unwrap().unwrap().state,
            TaskState::Interrupted
        );
        assert_eq!(
            queue::get(&c, polite).unwrap().unwrap().state,
            TaskState::Interrupted
        );
        assert_eq!(
            queue::get(&c, waiting).unwrap().unwrap().state,
            TaskState::Queued,
            "never started: still queued"
        );
    }

    #[test]
    fn bounded_workers() {
        let db = Db::memory().unwrap();
        let (runner, _) = Runner::start(db.clone(), builtin_registry(), 2, ClaimScope::Any);
        let rx = runner.subscribe();
        for _ in 0..6 {
            runner.submit("sleep", &json!({"ms": 30}), false).unwrap();
        }
        let mut running = 0i32;
        let mut peak = 0;
        let mut finished = 0;
        while finished < 6 {
            match rx.recv_timeout(Duration::from_secs(10)).unwrap() {
                JobEvent::Started { .. } => running += 1,
                JobEvent::Finished { .. } => {
                    running -= 1;
                    finished += 1;
                }
                _ => {}
            }
            peak = peak.max(running);
        }
        assert_eq!(peak, 2);
    }

    #[test]
    fn owner_tokens_identify_live_processes() {
        assert!(owner_alive(&owner_token()));
        assert!(!owner_alive("999999999:1"));
        assert!(!owner_alive(&format!("{}:0", std::process::id())));
        assert!(!owner_alive("garbage"));
    }
}
