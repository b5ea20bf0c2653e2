//! The task table: enqueue, claim (at most once, also across processes), progress,
//! finish, cancel, retry, list, and recovery of tasks left behind by a dead process.

use std::fmt;

use rusqlite::{Connection, OptionalExtension as _, Row, params};
use serde_json::Value;

/// The life of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker of a live process.
    Running,
    /// Finished successfully.
    Done,
    /// Returned an error or panicked.
    Failed,
    /// Cancelled by the user.
    Cancelled,
    /// Stopped by a shutdown or a process that died; can be retried.
    Interrupted,
}

impl TaskState {
    /// The word stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Done => "done",
            TaskState::Failed => "failed",
            TaskState::Cancelled => "cancelled",
            TaskState::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> TaskState {
        match s {
            "queued" => TaskState::Queued,
            "running" => TaskState::Running,
            "done" => TaskState::Done,
            "cancelled" => TaskState::Cancelled,
            "interrupted" => TaskState::Interrupted,
            _ => TaskState::Failed,
        }
    }

    /// Finished one way or another.
    pub fn is_final(self) -> bool {
        !matches!(self, TaskState::Queued | TaskState::Running)
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the task table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Task {
    /// Task id.
    pub id: i64,
    /// What to run (a registered kind, e.g. `coverage`).
    pub kind: String,
    /// Arguments, JSON.
    pub args: Value,
    /// State.
    pub state: TaskState,
    /// When set, only the process with this owner token may claim it.
    pub affinity: Option<String>,
    /// Owner token of the process that claimed it.
    pub owner: Option<String>,
    /// Enqueued, µs since the epoch.
    pub created_us: i64,
    /// Claimed, µs since the epoch.
    pub started_us: Option<i64>,
    /// Finished, µs since the epoch.
    pub finished_us: Option<i64>,
    /// Units done.
    pub progress_done: i64,
    /// Units in all (0 when unknown).
    pub progress_total: i64,
    /// What it is doing, in words.
    pub progress_phrase: String,
    /// Why it failed.
    pub error: Option<String>,
    /// A small JSON result or a reference to one.
    pub result: Option<Value>,
    /// A cancel was requested while it ran.
    pub cancel_requested: bool,
}

const COLUMNS: &str = "id, kind, args, state, affinity, owner, created_us, started_us, finished_us, \
     progress_done, progress_total, progress_phrase, error, result, cancel_requested";

fn json_column(text: Option<String>) -> Option<Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

fn task_of(row: &Row<'_>) -> rusqlite::Result<Task> {
    Ok(Task {
        id: row.get(0)?,
        kind: row.get(1)?,
        args: json_column(row.get(2)?).unwrap_or(Value::Null),
        state: TaskState::parse(&row.get::<_, String>(3)?),
        affinity: row.get(4)?,
        owner: row.get(5)?,
        created_us: row.get(6)?,
        started_us: row.get(7)?,
        finished_us: row.get(8)?,
        progress_done: row.get(9)?,
        progress_total: row.get(10)?,
        progress_phrase: row.get(11)?,
        error: row.get(12)?,
        result: json_column(row.get(13)?),
        cancel_requested: row.get::<_, i64>(14)? != 0,
    })
}

/// Now, µs since the epoch.
pub fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Adds a task; returns its id.
pub fn enqueue(
    conn: &Connection,
    kind: &str,
    args: &Value,
    affinity: Option<&str>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO tasks (kind, args, state, affinity, created_us) VALUES (?1, ?2, 'queued', ?3, ?4)",
        params![kind, args.to_string(), affinity, now_us()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Adds many tasks in one transaction; returns their ids.
pub fn enqueue_many(conn: &Connection, kind: &str, args: &[Value]) -> rusqlite::Result<Vec<i64>> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO tasks (kind, args, state, created_us) VALUES (?1, ?2, 'queued', ?3)",
        )?;
        let now = now_us();
        args.iter()
            .map(|a| {
                stmt.execute(params![kind, a.to_string(), now])?;
                Ok(conn.last_insert_rowid())
            })
            .collect::<rusqlite::Result<Vec<i64>>>()
    })();
    match result {
        Ok(ids) => {
            conn.execute_batch("COMMIT")?;
            Ok(ids)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Claims up to `max` queued tasks for `owner`, oldest first: tasks reserved for
/// `owner`, and unreserved ones unless `own_only`. One statement: a task moves from
/// `queued` to `running` at most once, whoever else is claiming.
pub fn claim(
    conn: &Connection,
    owner: &str,
    max: usize,
    own_only: bool,
) -> rusqlite::Result<Vec<Task>> {
    let mut stmt = conn.prepare_cached(&format!(
        "UPDATE tasks SET state = 'running', owner = ?1, started_us = ?2
         WHERE id IN (SELECT id FROM tasks WHERE state = 'queued'
                        AND (affinity = ?1 OR (affinity IS NULL AND NOT ?4))
                      ORDER BY id LIMIT ?3)
           AND state = 'queued'
         RETURNING {COLUMNS}"
    ))?;
    let mut tasks = stmt
        .query_map(params![owner, now_us(), max as i64, own_only], task_of)?
        .collect::<rusqlite::Result<Vec<Task>>>()?;
    tasks.sort_by_key(|t| t.id);
    Ok(tasks)
}

/// Records progress of a running task.
pub fn set_progress(
    conn: &Connection,
    id: i64,
    done: i64,
    total: i64,
    phrase: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE tasks SET progress_done = ?2, progress_total = ?3, progress_phrase = ?4 WHERE id = ?1 AND state = 'running'",
    )?
    .execute(params![id, done, total, phrase])?;
    Ok(())
}

/// Ends a running task. Returns false when it was no longer running (e.g. already
/// marked interrupted by a shutdown deadline): its state is then left alone.
pub fn finish(
    conn: &Connection,
    id: i64,
    state: TaskState,
    error: Option<&str>,
    result: Option<&Value>,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE tasks SET state = ?2, error = ?3, result = ?4, finished_us = ?5 WHERE id = ?1 AND state = 'running'",
        )?
        .execute(params![id, state.as_str(), error, result.map(Value::to_string), now_us()])?;
    Ok(n == 1)
}

/// What [`cancel`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// It was queued and is now cancelled.
    Cancelled,
    /// It is running; its worker was asked to stop.
    Requested,
    /// It had already finished.
    AlreadyFinished(TaskState),
    /// No such task.
    NotFound,
}

/// Cancels a queued task, or asks the worker of a running one to stop.
pub fn cancel(conn: &Connection, id: i64) -> rusqlite::Result<CancelOutcome> {
    let n = conn.execute(
        "UPDATE tasks SET state = 'cancelled', finished_us = ?2 WHERE id = ?1 AND state = 'queued'",
        params![id, now_us()],
    )?;
    if n == 1 {
        return Ok(CancelOutcome::Cancelled);
    }
    let n = conn.execute(
        "UPDATE tasks SET cancel_requested = 1 WHERE id = ?1 AND state = 'running'",
        params![id],
    )?;
    if n == 1 {
        return Ok(CancelOutcome::Requested);
    }
    Ok(match get(conn, id)? {
        Some(t) => CancelOutcome::AlreadyFinished(t.state),
        None => CancelOutcome::NotFound,
    })
}

/// What a retry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Queued again as this new task.
    Queued(i64),
    /// Already retried once, as this task.
    AlreadyRetried(i64),
    /// Only failed, cancelled or interrupted tasks can be retried.
    NotRetriable(TaskState),
    /// No such task.
    NotFound,
}

impl RetryOutcome {
    /// The new task's id, or why task `id` was not queued again, in words.
    pub fn queued(self, id: i64) -> Result<i64, String> {
        match self {
            RetryOutcome::Queued(new) => Ok(new),
            RetryOutcome::AlreadyRetried(new) => {
                Err(format!("task {id} was already retried as task {new}"))
            }
            RetryOutcome::NotRetriable(state) => Err(format!(
                "task {id} is {state}; only failed, cancelled or interrupted tasks can be retried"
            )),
            RetryOutcome::NotFound => Err(format!("no task {id}")),
        }
    }
}

/// Re-queues a failed, cancelled or interrupted task once, as a new task that
/// any runner may claim (it is reserved for no process). A second retry of the
/// same task returns the first retry.
pub fn retry(conn: &Connection, id: i64) -> rusqlite::Result<RetryOutcome> {
    retry_reserved(conn, id, None)
}

/// [`retry`], the new task reserved for the process with owner token
/// `affinity` (a runner that claims only its own tasks then runs it).
pub fn retry_reserved(
    conn: &Connection,
    id: i64,
    affinity: Option<&str>,
) -> rusqlite::Result<RetryOutcome> {
    let Some(t) = get(conn, id)? else {
        return Ok(RetryOutcome::NotFound);
    };
    if !matches!(
        t.state,
        TaskState::Failed | TaskState::Cancelled | TaskState::Interrupted
    ) {
        return Ok(RetryOutcome::NotRetriable(t.state));
    }
    let earlier = |conn: &Connection| {
        conn.query_row(
            "SELECT id FROM tasks WHERE retry_of = ?1",
            params![id],
            |r| r.get::<_, i64>(0),
        )
        .optional()
    };
    if let Some(again) = earlier(conn)? {
        return Ok(RetryOutcome::AlreadyRetried(again));
    }
    let inserted = conn.execute(
        "INSERT INTO tasks (kind, args, state, created_us, retry_of, affinity) VALUES (?1, ?2, 'queued', ?3, ?4, ?5)",
        params![t.kind, t.args.to_string(), now_us(), id, affinity],
    );
    match inserted {
        Ok(_) => Ok(RetryOutcome::Queued(conn.last_insert_rowid())),
        // Another process retried it at the same moment: the unique index refused.
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            Ok(earlier(conn)?.map_or(RetryOutcome::NotFound, RetryOutcome::AlreadyRetried))
        }
        Err(e) => Err(e),
    }
}

/// One task.
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Task>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM tasks WHERE id = ?1"),
        params![id],
        task_of,
    )
    .optional()
}

/// The newest `limit` tasks, newest first.
pub fn list(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<Task>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM tasks ORDER BY id DESC LIMIT ?1"
    ))?;
    stmt.query_map(params![limit as i64], task_of)?.collect()
}

/// Ids of the tasks `owner` runs whose cancellation was requested.
pub fn cancel_requests(conn: &Connection, owner: &str) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM tasks WHERE state = 'running' AND owner = ?1 AND cancel_requested = 1",
    )?;
    stmt.query_map(params![owner], |r| r.get(0))?.collect()
}

/// Marks tasks left `running` by owners that are gone (and queued tasks reserved
/// for them) as `interrupted`. Returns the ids.
pub fn recover(conn: &Connection, is_alive: impl Fn(&str) -> bool) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT id, state, owner, affinity FROM tasks WHERE state = 'running' OR (state = 'queued' AND affinity IS NOT NULL)",
    )?;
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut ids = Vec::new();
    for (id, state, owner, affinity) in rows {
        let who = if state == "running" { owner } else { affinity };
        if who.as_deref().is_none_or(|w| !is_alive(w)) {
            let n = conn.execute(
                "UPDATE tasks SET state = 'interrupted', finished_us = ?2,
                    error = COALESCE(error, 'the process running it stopped')
                 WHERE id = ?1 AND state IN ('running', 'queued')",
                params![id, now_us()],
            )?;
            if n == 1 {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

/// Puts a claimed task that never started back in the queue.
pub fn requeue(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tasks SET state = 'queued', owner = NULL, started_us = NULL WHERE id = ?1 AND state = 'running'",
        params![id],
    )?;
    Ok(())
}

/// Marks the given queued or running tasks as interrupted (a shutdown deadline
/// passed, a signal stopped the command that waited for them).
pub fn interrupt(conn: &Connection, ids: &[i64], why: &str) -> rusqlite::Result<()> {
    for id in ids {
        conn.execute(
            "UPDATE tasks SET state = 'interrupted', finished_us = ?2, error = ?3 WHERE id = ?1 AND state IN ('queued', 'running')",
            params![id, now_us(), why],
        )?;
    }
    Ok(())
}

/// How long the oldest queued task may wait before "work pending, nothing
/// finishing" is said.
pub const STALE_QUEUE: std::time::Duration = std::time::Duration::from_secs(60);

/// Work pending and nothing finishing: the oldest queued task has waited
/// longer than [`STALE_QUEUE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingWork {
    /// How long it has waited, µs.
    pub waited_us: i64,
    /// Whether any task is running (if none, no worker is).
    pub running: bool,
}

impl PendingWork {
    /// The warning in words.
    pub fn message(&self) -> String {
        let hint = if self.running {
            ""
        } else {
            "; no worker is running (start one with `segscope jobs run`)"
        };
        format!(
            "work pending, nothing finishing: the oldest queued task has waited {:.0} s{hint}",
            self.waited_us as f64 / 1e6
        )
    }
}

/// The "work pending, nothing finishing" check, shared by `segscope jobs`,
/// the monitor and the Jobs view: `Some` when it applies.
pub fn work_pending(conn: &Connection) -> rusqlite::Result<Option<PendingWork>> {
    let Some(waited_us) = oldest_queued_age_us(conn)? else {
        return Ok(None);
    };
    if waited_us <= STALE_QUEUE.as_micros() as i64 {
        return Ok(None);
    }
    let running = counts(conn)?
        .iter()
        .any(|(s, n)| *s == TaskState::Running && *n > 0);
    Ok(Some(PendingWork { waited_us, running }))
}

/// Age of the oldest queued task, µs (`None` when nothing is queued).
pub fn oldest_queued_age_us(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    let created: Option<i64> = conn.query_row(
        "SELECT MIN(created_us) FROM tasks WHERE state = 'queued'",
        [],
        |r| r.get(0),
    )?;
    Ok(created.map(|c| now_us() - c))
}

/// Counts of tasks per state.
pub fn counts(conn: &Connection) -> rusqlite::Result<Vec<(TaskState, i64)>> {
    let mut stmt =
        conn.prepare("SELECT state, COUNT(*) FROM tasks GROUP BY state ORDER BY state")?;
    stmt.query_map([], |r| {
        Ok((TaskState::parse(&r.get::<_, String>(0)?), r.get(1)?))
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::db::Db;
    use serde_json::json;

    #[test]
    fn claim_moves_each_task_once() {
        let db = Db::memory().unwrap();
        let c = db.lock();
        let ids = enqueue_many(&c, "t", &[json!(1), json!(2), json!(3)]).unwrap();
        let a = claim(&c, "a", 2, false).unwrap();
        let b = claim(&c, "b", 5, false).unwrap();
        assert_eq!(a.iter().map(|t| t.id).collect::<Vec<_>>(), ids[..2]);
        assert_eq!(b.iter().map(|t| t.id).collect::<Vec<_>>(), ids[2..]);
        assert!(claim(&c, "c", 5, false).unwrap().is_empty());
        assert!(
            a.iter()
                .all(|t| t.state == TaskState::Running && t.owner.as_deref() == Some("a"))
        );
    }

    #[test]
    fn affinity_restricts_claims() {
        let db = Db::memory().unwrap();
        let c = db.lock();
        enqueue(&c, "t", &json!({}), Some("me")).unwrap();
        let free = enqueue(&c, "t", &json!({}), None).unwrap();
        assert!(claim(&c, "other", 5, true).unwrap().is_empty());
        let other = claim(&c, "other", 5, false).unwrap();
        assert_eq!(other.iter().map(|t| t.id).collect::<Vec<_>>(), vec![free]);
        assert_eq!(claim(&c, "me", 5, true).unwrap().len(), 1);
    }

    #[test]
    fn cancel_finish_retry() {
        let db = Db::memory().unwrap();
        let c = db.lock();
        let q = enqueue(&c, "t", &json!({"x": 1}), None).unwrap();
        assert_eq!(cancel(&c, q).unwrap(), CancelOutcome::Cancelled);
        let RetryOutcome::Queued(again) = retry(&c, q).unwrap() else {
            panic!("a cancelled task can be retried");
        };
        assert_eq!(
            retry(&c, q).unwrap(),
            RetryOutcome::AlreadyRetried(again),
            "a second retry queues no second copy"
        );
        let running = claim(&c, "w", 1, false).unwrap();
        assert_eq!(running[0].id, again);
        assert_eq!(running[0].args, json!({"x": 1}));
        assert_eq!(cancel(&c, again).unwrap(), CancelOutcome::Requested);
        assert_eq!(cancel_requests(&c, "w").unwrap(), vec![again]);
        assert!(finish(&c, again, TaskState::Cancelled, None, None).unwrap());
        assert!(
            !finish(&c, again, TaskState::Done, None, None).unwrap(),
            "a finished task stays finished"
        );
        assert_eq!(
            cancel(&c, again).unwrap(),
            CancelOutcome::AlreadyFinished(TaskState::Cancelled)
        );
        assert_eq!(cancel(&c, 999).unwrap(), CancelOutcome::NotFound);
        assert_eq!(retry(&c, 999).unwrap(), RetryOutcome::NotFound);
        let queued = enqueue(&c, "t", &json!({}), None).unwrap();
        assert_eq!(
            retry(&c, queued).unwrap(),
            RetryOutcome::NotRetriable(TaskState::Queued)
        );
    }

    #[test]
    fn recover_marks_dead_owners_interrupted() {
        let db = Db::memory().unwrap();
        let c = db.lock();
        let ids = enqueue_many(&c, "t", &[json!(1), json!(2)]).unwrap();
        claim(&c, "dead", 1, false).unwrap();
        claim(&c, "alive", 1, false).unwrap();
        let reserved = enqueue(&c, "t", &json!(3), Some("dead")).unwrap();
        let free = enqueue(&c, "t", &json!(4), None).unwrap();
        let rec = recover(&c, |o| o == "alive").unwrap();
        assert_eq!(rec, vec![ids[0], reserved]);
        assert_eq!(
            get(&c, ids[0]).unwrap().unwrap().state,
            TaskState::Interrupted
        );
        assert_eq!(get(&c, ids[1]).unwrap().unwrap().state, TaskState::Running);
        assert_eq!(get(&c, free).unwrap().unwrap().state, TaskState::Queued);
    }
}
