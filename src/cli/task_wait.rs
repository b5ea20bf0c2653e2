//! Running one task of the command line on the job queue and waiting for it,
//! with a progress bar and graceful stops on signals.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::bail;

use super::progress::ProgressBar;
use super::{interrupted, open_db};
use crate::jobs::client::{Event, JobClient, Outcome, TaskKind};
use crate::jobs::runner::ClaimScope;
use crate::jobs::tasks::builtin_registry;

/// How often the wait for the task looks at the signal flag.
const SIGNAL_POLL: Duration = Duration::from_millis(50);
/// How long a signalled stop waits for the task to notice.
const SIGNAL_STOP_DEADLINE: Duration = Duration::from_secs(2);

/// Runs a task of kind `K` with `args` (about `input`, recorded as recently
/// opened) as a local task and waits for its output, showing its progress in
/// `unit`s unless `quiet`. A signal (Ctrl-C, SIGTERM) stops it within a
/// fraction of a second: the task is marked `interrupted` and the error says so.
pub fn run_task<K: TaskKind>(
    args: &K::Args,
    input: &Path,
    db: Option<&Path>,
    quiet: bool,
    unit: &str,
) -> anyhow::Result<Arc<K::Output>> {
    let db = open_db(db)?;
    let (client, recovered) = JobClient::start(db, builtin_registry(), 1, ClaimScope::Own);
    if !recovered.is_empty() && !quiet {
        eprintln!(
            "segscope: {} task(s) of a process that stopped were marked interrupted (see `segscope jobs list`)",
            recovered.len()
        );
    }
    crate::jobs::settings::remember_opened(client.db(), input);
    let mut handle = client.submit::<K>(args)?;
    let mut bar = ProgressBar::new(!quiet);
    let outcome = loop {
        if interrupted().load(Ordering::SeqCst) {
            bar.finish();
            // A graceful stop marks the running task interrupted; one not yet
            // claimed is marked too.
            let db = client.db().clone();
            let id = handle.id();
            client.shutdown(SIGNAL_STOP_DEADLINE);
            if let Some(id) = id {
                let _ = crate::jobs::queue::interrupt(&db.lock(), &[id], "stopped by a signal");
            }
            bail!(
                "interrupted; {} stopped, nothing written",
                task_name::<K>(id)
            );
        }
        match handle.next_timeout(SIGNAL_POLL) {
            Some(Event::Progress {
                done,
                total,
                phrase,
            }) => bar.update(done, total, unit, &phrase),
            Some(Event::Finished(outcome)) => break outcome,
            Some(Event::Partial(_)) | None => {}
        }
    };
    bar.finish();
    let id = handle.id();
    client.shutdown(crate::jobs::runner::DEFAULT_STOP_DEADLINE);
    match outcome {
        Outcome::Done(output) => Ok(output),
        Outcome::Cancelled | Outcome::Interrupted(_) => {
            bail!("{} was cancelled", task_name::<K>(id))
        }
        Outcome::Failed(error) => bail!("{error}"),
    }
}

/// "coverage task N", or "the coverage task" before it had an id.
fn task_name<K: TaskKind>(id: Option<i64>) -> String {
    id.map_or_else(
        || format!("the {} task", K::NAME),
        |i| format!("{} task {i}", K::NAME),
    )
}
