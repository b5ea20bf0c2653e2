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
