//! The task kinds segscope runs: `coverage` (analyse an archive), plus `noop` and
//! `sleep`, small tasks used to benchmark and exercise the runner itself.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::cache::SqliteHourCache;
use super::runner::{Registry, TaskContext, TaskError, TaskResult};
use crate::analysis::{AnalysisError, HourCache, ScanObserver, ScanProgress, analyse_with_cache};
use crate::archive::layout::{Layout, Selection};
use crate::coverage::best::HourSummary;
use crate::coverage::timeline::{StreamCoverage, analyse_stream};

/// Arguments of a `coverage` task.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CoverageArgs {
    /// Archive path.
    pub path: PathBuf,
    /// Channels to keep.
    pub channels: Vec<String>,
    /// Qualities to keep.
    pub qualities: Vec<String>,
    /// Hours ending after, µs.
    pub from_us: Option<i64>,
    /// Hours starting before, µs.
    pub to_us: Option<i64>,
    /// Bypass the result cache.
    pub no_cache: bool,
    /// Send the layout and every finished hour to subscribers as partial results.
    pub partials: bool,
}

/// The streams and hour directories about to be scanned: the first partial
/// result of a `coverage` task.
pub struct LayoutKnown {
    /// (channel, quality) per stream, in layout order.
    pub streams: Vec<(String, String)>,
    /// (stream index, hour start µs) of every hour directory to scan.
    pub hours: Vec<(usize, i64)>,
}

/// One hour finished, as a partial result of a `coverage` task.
pub struct HourDone {
    /// Index of the stream in the layout.
    pub stream: usize,
    /// The hour's summary.
    pub summary: HourSummary,
    /// The hour analysed on its own (for showing it before the whole stream is done).
    pub coverage: StreamCoverage,
}

struct TaskObserver<'a> {
    ctx: &'a TaskContext,
    partials: bool,
}

impl ScanObserver for TaskObserver<'_> {
    fn started(&self, layout: &Layout) {
        self.ctx
            .progress(0, layout.hours.len() as i64, "scanning hour directories");
        if self.partials {
            self.ctx.partial(Arc::new(LayoutKnown {
                streams: layout
                    .streams
                    .iter()
                    .map(|s| (s.channel.clone(), s.quality.clone()))
                    .collect(),
                hours: layout
                    .hours
                    .iter()
                    .map(|h| (h.stream, h.hour_start_us))
                    .collect(),
            }));
        }
    }
    fn hour_done(&self, stream: usize, summary: &HourSummary, p: ScanProgress) {
        self.ctx.progress(
            p.hours_done as i64,
            p.hours_total as i64,
            &format!("{} segments read", p.segments),
        );
        if !self.partials {
            return;
        }
        self.ctx.partial(Arc::new(HourDone {
            stream,
            summary: summary.clone(),
            coverage: analyse_stream(std::slice::from_ref(summary)),
        }));
    }
    fn is_cancelled(&self) -> bool {
        self.ctx.is_cancelled()
    }
}

/// Runs a coverage analysis; the [`crate::analysis::Analysis`] is the task's output.
pub fn coverage_task(ctx: &TaskContext) -> TaskResult {
    let args: CoverageArgs = serde_json::from_value(ctx.args.clone())?;
    let selection = Selection {
        channels: args.channels,
        qualities: args.qualities,
        from_us: args.from_us,
        to_us: args.to_us,
    };
    let cache = (!args.no_cache).then(|| SqliteHourCache::new(ctx.db().clone(), &args.path));
    let observer = TaskObserver {
        ctx,
        partials: args.partials,
    };
    let analysis = match analyse_with_cache(
        &args.path,
        &selection,
        &observer,
        cache.as_ref().map(|c| c as &dyn HourCache),
    ) {
        Ok(a) => a,
        Err(AnalysisError::Cancelled) => return Err(TaskError::Cancelled),
        Err(e) => return Err(TaskError::Failed(e.to_string())),
    };
    let hours: usize = analysis.streams.iter().map(|s| s.hours.len()).sum();
    let result = json!({
        "path": args.path,
        "streams": analysis.streams.len(),
        "hours": hours,
        "hours_from_cache": analysis.hours_from_cache,
        "segments": analysis.segment_total(),
        "warnings": analysis.warnings.len(),
    });
    ctx.progress(hours as i64, hours as i64, "done");
    ctx.set_output(Arc::new(analysis));
    Ok(result)
}

/// Arguments of a `sleep` task.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SleepArgs {
    /// How long, ms.
    pub ms: u64,
    /// Keep sleeping when cancelled (a task that ignores cancellation).
    pub ignore_cancel: bool,
    /// Fail with this message at the end.
    pub fail: Option<String>,
    /// Panic with this message at the end.
    pub panic: Option<String>,
    /// Append a line `TASK_ID PID` to this file when it starts (shows how often a
    /// task ran, and where).
    pub append_to: Option<PathBuf>,
}

/// Sleeps in small steps, reporting progress and honouring cancellation unless told not to.
pub fn sleep_task(ctx: &TaskContext) -> TaskResult {
    let args: SleepArgs = serde_json::from_value(ctx.args.clone())?;
    if let Some(path) = &args.append_to {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        f.write_all(format!("{} {}\n", ctx.id, std::process::id()).as_bytes())?;
    }
    let start = Instant::now();
    let total = Duration::from_millis(args.ms);
    while start.elapsed() < total {
        if ctx.is_cancelled() && !args.ignore_cancel {
            return Err(TaskError::Cancelled);
        }
        std::thread::sleep(Duration::from_millis(5).min(total));
        ctx.progress(
            start.elapsed().as_millis() as i64,
            args.ms as i64,
            "sleeping",
        );
    }
    if let Some(m) = args.panic {
        panic!("{m}");
    }
    if let Some(m) = args.fail {
        return Err(TaskError::Failed(m));
    }
    Ok(json!({"slept_ms": args.ms}))
}

/// The kinds this binary runs.
pub fn builtin_registry() -> Registry {
    let mut r = Registry::default();
    r.register("coverage", coverage_task);
    r.register("sleep", sleep_task);
    r.register("noop", |ctx| Ok(ctx.args.clone()));
    r
}

/// `json!` helper for the CLI: arguments of a coverage task.
pub fn coverage_args(args: &CoverageArgs) -> Value {
    serde_json::to_value(args).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::Receiver;
    use std::time::Duration;

    use super::*;
    use crate::analysis::hold::ScanHold;
    use crate::jobs::db::Db;
    use crate::jobs::queue::TaskState;
    use crate::jobs::runner::{ClaimScope, JobEvent, Runner};

    fn archive(dir: &std::path::Path) -> PathBuf {
        let root = dir.join("archive");
        for (stream, hour) in [
            ("a/source", "2024-11-09T05"),
            ("a/source", "2024-11-09T06"),
            ("b/source", "2024-11-09T05"),
        ] {
            let h = root.join(stream).join(hour);
            std::fs::create_dir_all(&h).unwrap();
            std::fs::write(
                h.join("00:00.000000-2.0-full-n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg.ts"),
                b"x",
            )
            .unwrap();
        }
        root
    }

    fn next(rx: &Receiver<JobEvent>) -> JobEvent {
        loop {
            match rx.recv_timeout(Duration::from_secs(30)).unwrap() {
                JobEvent::Progress { .. } | JobEvent::Started { .. } => {}
                e => return e,
            }
        }
    }

    #[test]
    fn partial_results_stream_the_layout_then_each_hour_while_the_scan_runs() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let hold = ScanHold::after_hours(&root, 1);
        let (runner, _) = Runner::start(
            Db::memory().unwrap(),
            builtin_registry(),
            1,
            ClaimScope::Any,
        );
        let rx = runner.subscribe();
        let args = CoverageArgs {
            path: root.clone(),
            no_cache: true,
            partials: true,
            ..Default::default()
        };
        runner
            .submit("coverage", &coverage_args(&args), false)
            .unwrap();
        // First the layout.
        let JobEvent::Partial { payload, .. } = next(&rx) else {
            panic!("the layout comes first");
        };
        let layout = payload.downcast::<LayoutKnown>().ok().unwrap();
        assert_eq!(
            layout.streams,
            vec![("a".into(), "source".into()), ("b".into(), "source".into())]
        );
        assert_eq!(layout.hours.len(), 3);
        // One hour arrives while the scan is held: it streams, it is not batched.
        let JobEvent::Partial { payload, .. } = next(&rx) else {
            panic!("an hour comes while the scan is held");
        };
        let hour = payload.downcast::<HourDone>().ok().unwrap();
        assert!(
            layout
                .hours
                .contains(&(hour.stream, hour.summary.hour_start_us))
        );
        assert_eq!(hour.coverage.raw_union.len(), 1);
        // (Were partials batched at the end, the held scan could never send it.)
        hold.release();
        let mut hours = 1;
        let finished = loop {
            match next(&rx) {
                JobEvent::Partial { payload, .. } => {
                    assert!(payload.downcast::<HourDone>().is_ok());
                    hours += 1;
                }
                JobEvent::Finished { state, output, .. } => break (state, output),
                e => panic!("unexpected {e:?}"),
            }
        };
        assert_eq!(hours, 3, "every hour streams once");
        assert_eq!(finished.0, TaskState::Done);
        assert!(finished.1.is_some());
    }

    #[test]
    fn without_partials_nothing_streams() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let (runner, _) = Runner::start(
            Db::memory().unwrap(),
            builtin_registry(),
            1,
            ClaimScope::Any,
        );
        let rx = runner.subscribe();
        let args = CoverageArgs {
            path: root,
            no_cache: true,
            ..Default::default()
        };
        runner
            .submit("coverage", &coverage_args(&args), false)
            .unwrap();
        assert!(matches!(
            next(&rx),
            JobEvent::Finished {
                state: TaskState::Done,
                ..
            }
        ));
    }
}
