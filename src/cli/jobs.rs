//! `segscope jobs ...` and `segscope cache ...`: the queue and the cache from the shell.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::Value;

use super::{interrupted, open_db};
use crate::jobs::queue::{self, CancelOutcome, Task, TaskState};
use crate::jobs::runner::{ClaimScope, Runner, owner_alive};
use crate::jobs::tasks::builtin_registry;
use crate::text::shown;
use crate::time::format_iso;

/// `segscope jobs`.
#[derive(Args, Debug)]
pub struct JobsCmd {
    /// What to do (default: list).
    #[command(subcommand)]
    pub action: Option<JobsAction>,
}

/// `segscope jobs ...` actions.
#[derive(Subcommand, Debug)]
pub enum JobsAction {
    /// The newest tasks with their state and progress.
    List {
        /// How many.
        #[arg(long, default_value_t = 30)]
        limit: usize,
        /// Print JSON (one array) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One task, as JSON.
    Show {
        /// Task id.
        id: i64,
    },
    /// Cancel a queued task, or ask a running one to stop.
    Cancel {
        /// Task id.
        id: i64,
    },
    /// Queue a failed, cancelled or interrupted task again (as a new task).
    Retry {
        /// Task id.
        id: i64,
    },
    /// Queue a task for any worker (kinds: coverage, sleep, noop).
    Submit {
        /// Task kind.
        kind: String,
        /// Arguments, JSON (e.g. '{"path": "/archive"}' for coverage).
        #[arg(long, default_value = "{}")]
        args: String,
    },
    /// Run a worker: take queued tasks from the database until stopped (SIGINT/SIGTERM
    /// stop it gracefully) or, with --until-idle, until nothing is queued.
    Run {
        /// Worker threads (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
        /// Exit once no task is queued or running.
        #[arg(long)]
        until_idle: bool,
        /// Seconds running tasks get to stop before they are marked interrupted.
        #[arg(long, default_value = "10", value_parser = stop_seconds)]
        stop_deadline: Duration,
    },
}

/// `segscope cache ...`.
#[derive(Subcommand, Debug)]
pub enum CacheCmd {
    /// Remove every cached hour summary.
    Clear,
}

fn table(tasks: &[Task]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>6}  {:<9} {:<11} {:<27} {:>8}  {:<14} detail",
        "id", "kind", "state", "created", "took", "progress"
    );
    let now = queue::now_us();
    for t in tasks {
        let took = match (t.started_us, t.finished_us) {
            (Some(s), Some(f)) => crate::text::short_age(f - s),
            (Some(s), None) => crate::text::short_age(now - s),
            _ => String::new(),
        };
        let progress = if t.progress_total > 0 {
            format!("{}/{}", t.progress_done, t.progress_total)
        } else {
            String::new()
        };
        let detail = t.error.clone().unwrap_or_else(|| t.progress_phrase.clone());
        let _ = writeln!(
            out,
            "{:>6}  {:<9} {:<11} {:<27} {:>8}  {:<14} {}",
            t.id,
            shown(&t.kind),
            t.state.as_str(),
            format_iso(t.created_us),
            took,
            progress,
            shown(&detail)
        );
    }
    out
}

/// `segscope jobs ...`.
pub fn run_jobs(cmd: &JobsCmd, db_path: Option<&Path>) -> anyhow::Result<()> {
    let db = open_db(db_path)?;
    // Tasks left running by a process that died are shown as interrupted.
    let recovered =
        queue::recover(&db.lock(), owner_alive).context("cannot read the task table")?;
    if !recovered.is_empty() {
        eprintln!(
            "segscope: marked {} task(s) of a stopped process interrupted: {recovered:?}",
            recovered.len()
        );
    }
    let action = cmd.action.as_ref().unwrap_or(&JobsAction::List {
        limit: 30,
        json: false,
    });
    match action {
        JobsAction::List { limit, json } => {
            let tasks = queue::list(&db.lock(), *limit)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&tasks)?);
            } else {
                print!("{}", table(&tasks));
            }
            if let Some(p) = queue::work_pending(&db.lock())? {
                eprintln!("segscope: warning: {}", p.message());
            }
        }
        JobsAction::Show { id } => {
            let task = queue::get(&db.lock(), *id)?.with_context(|| format!("no task {id}"))?;
            println!("{}", serde_json::to_string_pretty(&task)?);
        }
        JobsAction::Cancel { id } => match queue::cancel(&db.lock(), *id)? {
            CancelOutcome::Cancelled => println!("task {id} cancelled"),
            CancelOutcome::Requested => println!("task {id} is running; asked it to stop"),
            CancelOutcome::AlreadyFinished(state) => println!("task {id} already ended: {state}"),
            CancelOutcome::NotFound => bail!("no task {id}"),
        },
        JobsAction::Retry { id } => {
            let new = queue::retry(&db.lock(), *id)?
                .queued(*id)
                .map_err(anyhow::Error::msg)?;
            println!("{new}");
        }
        JobsAction::Submit { kind, args } => {
            let args: Value = serde_json::from_str(args).context("--args is not JSON")?;
            let id = queue::enqueue(&db.lock(), kind, &args, None)?;
            println!("{id}");
        }
        JobsAction::Run {
            workers,
            until_idle,
            stop_deadline,
        } => {
            let workers = workers
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let (runner, _) =
                Runner::start(db.clone(), builtin_registry(), workers, ClaimScope::Any);
            eprintln!("segscope: worker running ({workers} threads); Ctrl-C stops it");
            loop {
                std::thread::sleep(Duration::from_millis(50));
                if interrupted().load(Ordering::SeqCst) {
                    break;
                }
                if *until_idle {
                    let counts = queue::counts(&db.lock())?;
                    let active = counts.iter().any(|(s, n)| {
                        matches!(s, TaskState::Queued | TaskState::Running) && *n > 0
                    });
                    if !active {
                        break;
                    }
                }
            }
            let left = runner.stop(*stop_deadline);
            if !left.is_empty() {
                eprintln!(
                    "segscope: task(s) {left:?} did not stop in time and were marked interrupted"
                );
            }
        }
    }
    Ok(())
}

/// `segscope cache ...`.
pub fn run_cache(cmd: &CacheCmd, db_path: Option<&Path>) -> anyhow::Result<()> {
    let db = open_db(db_path)?;
    match cmd {
        CacheCmd::Clear => {
            let n = crate::jobs::cache::clear(&db).context("cannot clear the cache")?;
            println!("removed {n} cached hour summaries");
        }
    }
    Ok(())
}

fn stop_seconds(text: &str) -> Result<Duration, String> {
    crate::time::parse_seconds(text, 0.0)
}
