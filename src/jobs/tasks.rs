//! The task kinds segscope runs: [`Coverage`] (analyse an archive), [`Perf`]
//! (the timings of a perf export), [`Anomalies`] (the Skyline ensemble over
//! series files, archives and perf exports, or an open document's snapshot
//! handed over in memory), plus [`Sleep`] and [`Noop`], small tasks used to
//! benchmark and exercise the runner.
//! Each is a [`TaskKind`]; [`builtin_registry`] registers them all.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::cache::SqliteHourCache;
use super::client::{KindContext, TaskKind};
use super::runner::{Registry, TaskError};
use crate::analysis::{
    Analysis, AnalysisError, HourCache, ReusedHours, ScanObserver, ScanProgress,
};
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
    /// A previous analysis of the same path, handed over in this process with
    /// [`reuse::offer`]: its unchanged hours are reused instead of read again.
    pub reuse: Option<u64>,
}

/// Handing a snapshot held in memory (`Arc<T>`) to a task of this process:
/// the task's arguments carry only a token. The offer holds the snapshot
/// weakly: the one who offers it keeps it alive (the app keeps it on
/// screen), so an offer whose task never runs holds no memory.
pub mod handoff {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, Weak};

    /// The offers of one kind of snapshot.
    pub struct Handoff<T> {
        offers: Mutex<Option<HashMap<u64, Weak<T>>>>,
    }

    impl<T> Default for Handoff<T> {
        fn default() -> Self {
            Handoff::new()
        }
    }

    impl<T> Handoff<T> {
        /// No offers yet.
        pub const fn new() -> Self {
            Handoff {
                offers: Mutex::new(None),
            }
        }

        /// Offers `snapshot` to a task; returns the token for its arguments
        /// (unique across every handoff of the process).
        pub fn offer(&self, snapshot: &Arc<T>) -> u64 {
            static NEXT: AtomicU64 = AtomicU64::new(1);
            let token = NEXT.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut o) = self.offers.lock() {
                let o = o.get_or_insert_with(HashMap::new);
                o.retain(|_, w| w.strong_count() > 0);
                o.insert(token, Arc::downgrade(snapshot));
            }
            token
        }

        /// Takes what was offered under `token` (once), if it is still alive.
        pub fn take(&self, token: u64) -> Option<Arc<T>> {
            self.offers.lock().ok()?.as_mut()?.remove(&token)?.upgrade()
        }
    }
}

/// Handing a previous analysis to the `coverage` task that replaces it (a
/// reload), or an archive's analysis to an `anomalies` task, within one
/// process (see [`handoff`]).
pub mod reuse {
    use std::sync::Arc;

    use super::handoff::Handoff;
    use crate::analysis::Analysis;

    static OFFERS: Handoff<Analysis> = Handoff::new();

    /// Offers `previous` to a task; returns the token for its arguments.
    pub fn offer(previous: &Arc<Analysis>) -> u64 {
        OFFERS.offer(previous)
    }

    /// Takes the analysis offered under `token` (once), if it is still alive.
    pub fn take(token: u64) -> Option<Arc<Analysis>> {
        OFFERS.take(token)
    }
}

/// Handing a perf export's analysis to an `anomalies` task within one
/// process (see [`handoff`]).
pub mod perf_offer {
    use std::sync::Arc;

    use super::handoff::Handoff;
    use crate::perf::PerfAnalysis;

    static OFFERS: Handoff<PerfAnalysis> = Handoff::new();

    /// Offers `analysis` to a task; returns the token for its arguments.
    pub fn offer(analysis: &Arc<PerfAnalysis>) -> u64 {
        OFFERS.offer(analysis)
    }

    /// Takes the analysis offered under `token` (once), if it is still alive.
    pub fn take(token: u64) -> Option<Arc<PerfAnalysis>> {
        OFFERS.take(token)
    }
}

/// An open document's snapshot an `anomalies` task derives its series from
/// instead of reading its input again (a token of [`reuse`] or
/// [`perf_offer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnapshotToken {
    /// An archive's analysis.
    Coverage(u64),
    /// A perf export's analysis.
    Perf(u64),
}

/// The streams and hour directories about to be scanned: the first partial
/// result of a `coverage` task.
#[derive(Debug, Clone)]
pub struct LayoutKnown {
    /// (channel, quality) per stream, in layout order.
    pub streams: Vec<(String, String)>,
    /// (stream index, hour start µs) of every hour directory to scan.
    pub hours: Vec<(usize, i64)>,
}

/// One hour finished, as a partial result of a `coverage` task.
#[derive(Debug, Clone)]
pub struct HourDone {
    /// Index of the stream in the layout.
    pub stream: usize,
    /// The hour's summary.
    pub summary: HourSummary,
    /// The hour analysed on its own (for showing it before the whole stream is
    /// done), shared so a view can keep it without a copy.
    pub coverage: std::sync::Arc<StreamCoverage>,
}

/// A partial result of a `coverage` task: first the layout, then each hour.
#[derive(Debug, Clone)]
pub enum CoveragePartial {
    /// The streams and hours to scan.
    Layout(LayoutKnown),
    /// One hour finished.
    Hour(Box<HourDone>),
}

struct TaskObserver<'a, 'c> {
    ctx: &'a KindContext<'c, Coverage>,
    partials: bool,
}

impl ScanObserver for TaskObserver<'_, '_> {
    fn started(&self, layout: &Layout) {
        self.ctx
            .progress(0, layout.hours.len() as i64, "scanning hour directories");
        if self.partials {
            self.ctx.partial(CoveragePartial::Layout(LayoutKnown {
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
        self.ctx.partial(CoveragePartial::Hour(Box::new(HourDone {
            stream,
            summary: summary.clone(),
            coverage: std::sync::Arc::new(analyse_stream(std::slice::from_ref(summary))),
        })));
    }
    fn is_cancelled(&self) -> bool {
        self.ctx.is_cancelled()
    }
}

/// `coverage`: analyses an archive; the [`Analysis`] is the output.
pub struct Coverage;

impl TaskKind for Coverage {
    const NAME: &'static str = "coverage";
    type Args = CoverageArgs;
    type Partial = CoveragePartial;
    type Output = Analysis;

    fn run(
        ctx: &KindContext<'_, Self>,
        args: CoverageArgs,
    ) -> Result<(Value, Analysis), TaskError> {
        let selection = Selection {
            channels: args.channels,
            qualities: args.qualities,
            from_us: args.from_us,
            to_us: args.to_us,
        };
        let cache =
            (!args.no_cache).then(|| SqliteHourCache::new(ctx.raw().db().clone(), &args.path));
        let observer = TaskObserver {
            ctx,
            partials: args.partials,
        };
        let previous = args.reuse.and_then(reuse::take);
        let inner = cache.as_ref().map(|c| c as &dyn HourCache);
        let reused = previous.as_deref().map(|p| ReusedHours::new(p, inner));
        let layer = reused.as_ref().map(|r| r as &dyn HourCache).or(inner);
        let analysis = match analyse_path(&args.path, &selection, &observer, layer) {
            Ok(mut a) => {
                a.hours_reused = reused.as_ref().map_or(0, ReusedHours::reused);
                a
            }
            Err(AnalysisError::Cancelled) => return Err(TaskError::Cancelled),
            Err(e) => return Err(TaskError::Failed(e.to_string())),
        };
        let hours: usize = analysis.streams.iter().map(|s| s.hours.len()).sum();
        let result = json!({
            "path": args.path,
            "streams": analysis.streams.len(),
            "hours": hours,
            "hours_from_cache": analysis.hours_from_cache,
            "hours_reused": analysis.hours_reused,
            "segments": analysis.segment_total(),
            "warnings": analysis.warnings.len(),
        });
        ctx.progress(hours as i64, hours as i64, "done");
        Ok((result, analysis))
    }
}

/// Analyses a local archive directory, or a node's archive when `path` is its
/// URL (`http://host:port`).
fn analyse_path(
    path: &std::path::Path,
    selection: &Selection,
    observer: &dyn ScanObserver,
    cache: Option<&dyn HourCache>,
) -> Result<Analysis, AnalysisError> {
    use crate::fleet::NodeSource;
    let text = path.to_string_lossy();
    let source = if crate::archive::remote::looks_like_url(&text) {
        let url = crate::archive::remote::parse_node_url(&text).map_err(|reason| {
            AnalysisError::Open(crate::archive::layout::OpenError::Remote {
                url: text.to_string(),
                reason,
            })
        })?;
        NodeSource::Remote(url)
    } else {
        NodeSource::Local(path.to_path_buf())
    };
    source.analyse(selection, Default::default(), observer, cache, None)
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

/// `sleep`: sleeps in small steps, reporting progress and honouring cancellation
/// unless told not to.
pub struct Sleep;

impl TaskKind for Sleep {
    const NAME: &'static str = "sleep";
    type Args = SleepArgs;
    type Partial = ();
    type Output = ();

    fn run(ctx: &KindContext<'_, Self>, args: SleepArgs) -> Result<(Value, ()), TaskError> {
        if let Some(path) = &args.append_to {
            use std::io::Write as _;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            f.write_all(format!("{} {}\n", ctx.raw().id, std::process::id()).as_bytes())?;
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
        // The last step, whatever the clock said in the loop.
        ctx.progress(args.ms as i64, args.ms as i64, "slept");
        if let Some(m) = args.panic {
            panic!("{m}");
        }
        if let Some(m) = args.fail {
            return Err(TaskError::Failed(m));
        }
        Ok((json!({"slept_ms": args.ms}), ()))
    }
}

/// `noop`: returns its arguments as its result.
pub struct Noop;

impl TaskKind for Noop {
    const NAME: &'static str = "noop";
    type Args = Value;
    type Partial = ();
    type Output = ();

    fn run(_ctx: &KindContext<'_, Self>, args: Value) -> Result<(Value, ()), TaskError> {
        Ok((args, ()))
    }
}

/// Arguments of a `perf` task.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PerfArgs {
    /// The export file.
    pub path: PathBuf,
    /// Only this pool (PartitionKey).
    pub pool: Option<String>,
}

/// `perf`: reads a Batch Shipyard perf export and computes every node's
/// start-up timings; the [`crate::perf::PerfAnalysis`] is the output.
pub struct Perf;

impl TaskKind for Perf {
    const NAME: &'static str = "perf";
    type Args = PerfArgs;
    type Partial = ();
    type Output = crate::perf::PerfAnalysis;

    fn run(
        ctx: &KindContext<'_, Self>,
        args: PerfArgs,
    ) -> Result<(Value, crate::perf::PerfAnalysis), TaskError> {
        ctx.progress(0, 0, "reading the export");
        let mut watch = |p: crate::perf::ReadProgress| {
            ctx.progress(p.rows as i64, p.estimated_rows() as i64, "reading");
            !ctx.is_cancelled()
        };
        let analysis =
            match crate::perf::analyse_export_watched(&args.path, args.pool.as_deref(), &mut watch)
            {
                Ok(a) => a,
                Err(crate::perf::read::ReadError::Stopped) => return Err(TaskError::Cancelled),
                Err(e) => return Err(TaskError::Failed(format!("{}: {e}", args.path.display()))),
            };
        if ctx.is_cancelled() {
            return Err(TaskError::Cancelled);
        }
        let nodes: usize = analysis.pools.iter().map(|p| p.nodes.len()).sum();
        let findings = analysis.finding_count();
        let rows: usize = analysis.rows;
        ctx.progress(rows as i64, rows as i64, "done");
        Ok((
            json!({"path": args.path, "rows": rows, "pools": analysis.pools.len(), "nodes": nodes, "findings": findings}),
            analysis,
        ))
    }
}

/// Arguments of an `anomalies` task.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AnomaliesArgs {
    /// Series files.
    pub inputs: Vec<PathBuf>,
    /// The analysis time, µs (default: the latest timestamp of all series).
    pub now_us: Option<i64>,
    /// Settings, enabled algorithms and scan window.
    pub config: crate::anomaly::config::AnomalyConfig,
    /// Scan every point too.
    pub scan: bool,
    /// Archives add bitrate series.
    pub bitrate: bool,
    /// The open document's snapshot of the (one) input, handed over in this
    /// process: its series are derived from it, not read again.
    pub snapshot: Option<SnapshotToken>,
}

/// `anomalies`: the Skyline ensemble over every series of the inputs; the
/// [`crate::anomaly::run::AnomalyRun`] is the output.
pub struct Anomalies;

impl TaskKind for Anomalies {
    const NAME: &'static str = "anomalies";
    type Args = AnomaliesArgs;
    type Partial = ();
    type Output = crate::anomaly::run::AnomalyRun;

    fn run(
        ctx: &KindContext<'_, Self>,
        args: AnomaliesArgs,
    ) -> Result<(Value, crate::anomaly::run::AnomalyRun), TaskError> {
        args.config
            .check()
            .map_err(|e| TaskError::Failed(e.to_string()))?;
        let options = crate::anomaly::run::RunOptions {
            now_us: args.now_us,
            settings: args.config.settings,
            enabled: args.config.enabled,
            scan: args.scan.then_some(args.config.window),
        };
        ctx.progress(0, 0, "reading");
        let db = Some(ctx.raw().db());
        let snapshot = args.snapshot.and_then(|t| match t {
            SnapshotToken::Coverage(t) => reuse::take(t).map(super::inputs::Snapshot::Coverage),
            SnapshotToken::Perf(t) => perf_offer::take(t).map(super::inputs::Snapshot::Perf),
        });
        let from_snapshot = snapshot.is_some();
        let (series, errors, import_time) = match snapshot {
            Some(snap) => super::inputs::snapshot_series(&snap, db, args.bitrate),
            None => super::inputs::read_inputs(&args.inputs, db, args.bitrate)
                .map_err(TaskError::Failed)?,
        };
        ctx.progress(0, series.len() as i64, "judging");
        let run = crate::anomaly::run::run(series, errors, import_time, &options, &|| {
            ctx.is_cancelled()
        })
        .map_err(|e| TaskError::Failed(e.to_string()))?
        .ok_or(TaskError::Cancelled)?;
        let anomalous = run
            .series
            .iter()
            .filter(|s| s.judgement.outcome == crate::anomaly::ensemble::Outcome::Anomalous)
            .count();
        let n = run.series.len() as i64;
        ctx.progress(n, n, "done");
        let source = if from_snapshot { "snapshot" } else { "files" };
        Ok((
            json!({"series": n, "anomalous": anomalous, "source": source}),
            run,
        ))
    }
}

/// The kinds this binary runs.
pub fn builtin_registry() -> Registry {
    let mut r = Registry::default();
    r.add::<Coverage>();
    r.add::<Perf>();
    r.add::<Anomalies>();
    r.add::<super::fleet::Fleet>();
    r.add::<Sleep>();
    r.add::<Noop>();
    r
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::analysis::hold::ScanHold;
    use crate::jobs::client::{Event, JobClient, JobHandle, Outcome};
    use crate::jobs::db::Db;
    use crate::jobs::runner::ClaimScope;

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

    fn client() -> JobClient {
        JobClient::start(
            Db::memory().unwrap(),
            builtin_registry(),
            1,
            ClaimScope::Own,
        )
        .0
    }

    /// The next event that is not progress.
    fn next(h: &mut JobHandle<Coverage>) -> Event<Coverage> {
        loop {
            match h.next_timeout(Duration::from_secs(30)) {
                Some(Event::Progress { .. }) => {}
                Some(e) => return e,
                None => panic!("no event within 30 s"),
            }
        }
    }

    #[test]
    fn partial_results_stream_the_layout_then_each_hour_while_the_scan_runs() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let hold = ScanHold::after_hours(&root, 1);
        let client = client();
        let mut h = client
            .submit::<Coverage>(&CoverageArgs {
                path: root.clone(),
                no_cache: true,
                partials: true,
                ..Default::default()
            })
            .unwrap();
        // First the layout.
        let Event::Partial(p) = next(&mut h) else {
            panic!("the layout comes first");
        };
        let CoveragePartial::Layout(layout) = p.as_ref() else {
            panic!("the layout comes first");
        };
        assert_eq!(
            layout.streams,
            vec![("a".into(), "source".into()), ("b".into(), "source".into())]
        );
        assert_eq!(layout.hours.len(), 3);
        // One hour arrives while the scan is held: it streams, it is not batched
        // (were partials sent at the end, the held scan could never send it).
        let Event::Partial(p) = next(&mut h) else {
            panic!("an hour comes while the scan is held");
        };
        let CoveragePartial::Hour(hour) = p.as_ref() else {
            panic!("then hours");
        };
        assert!(
            layout
                .hours
                .contains(&(hour.stream, hour.summary.hour_start_us))
        );
        assert_eq!(hour.coverage.raw_union.len(), 1);
        hold.release();
        let mut hours = 1;
        let outcome = loop {
            match next(&mut h) {
                Event::Partial(p) => {
                    assert!(matches!(p.as_ref(), CoveragePartial::Hour(_)));
                    hours += 1;
                }
                Event::Finished(o) => break o,
                Event::Progress { .. } => {}
            }
        };
        assert_eq!(hours, 3, "every hour streams once");
        let Outcome::Done(analysis) = outcome else {
            panic!("the analysis is the output");
        };
        assert_eq!(analysis.streams.len(), 2);
    }

    #[test]
    fn without_partials_nothing_streams() {
        let dir = tempfile::tempdir().unwrap();
        let client = client();
        let mut h = client
            .submit::<Coverage>(&CoverageArgs {
                path: archive(dir.path()),
                no_cache: true,
                ..Default::default()
            })
            .unwrap();
        assert!(matches!(next(&mut h), Event::Finished(Outcome::Done(_))));
    }

    #[test]
    fn each_handle_gets_every_event_of_its_own_task() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let client = client();
        let args = CoverageArgs {
            path: root,
            no_cache: true,
            partials: true,
            ..Default::default()
        };
        let mut first = client.submit::<Coverage>(&args).unwrap();
        let mut second = client.submit::<Coverage>(&args).unwrap();
        for h in [&mut first, &mut second] {
            let mut partials = 0;
            while let Event::Partial(_) = next(h) {
                partials += 1;
            }
            assert_eq!(
                partials, 4,
                "the layout and three hours, none lost to the other"
            );
            assert!(h.is_finished());
        }
    }

    #[test]
    fn cancel_and_drop_stop_a_task_and_a_retry_runs_on_an_own_runner() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let hold = ScanHold::after_hours(&root, 0);
        let client = client();
        let args = CoverageArgs {
            path: root.clone(),
            no_cache: true,
            ..Default::default()
        };
        // Cancelled at once, maybe before it is even queued.
        let mut h = client.submit::<Coverage>(&args).unwrap();
        h.cancel();
        assert!(matches!(next(&mut h), Event::Finished(Outcome::Cancelled)));
        let id = h.id().expect("queued by now");
        // Dropping an unfinished handle cancels its task.
        let dropped = client.submit::<Coverage>(&args).unwrap();
        let until = std::time::Instant::now() + Duration::from_secs(30);
        let dropped_id = loop {
            if let Some(id) = dropped.id() {
                break id;
            }
            assert!(std::time::Instant::now() < until, "never queued");
            std::thread::sleep(Duration::from_millis(1));
        };
        drop(dropped);
        let until = std::time::Instant::now() + Duration::from_secs(30);
        while crate::jobs::queue::get(&client.db().lock(), dropped_id)
            .unwrap()
            .unwrap()
            .state
            != crate::jobs::queue::TaskState::Cancelled
        {
            assert!(
                std::time::Instant::now() < until,
                "the dropped task was not cancelled"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(hold);
        // The retry is reserved for this process, so a runner that claims only its
        // own tasks runs it.
        let mut again = client.retry::<Coverage>(id);
        assert!(matches!(
            next(&mut again),
            Event::Finished(Outcome::Done(_))
        ));
        let mut twice = client.retry::<Coverage>(id);
        let Event::Finished(Outcome::Failed(why)) = next(&mut twice) else {
            panic!("a second retry fails");
        };
        assert!(why.contains("already retried"), "{why}");
    }

    #[test]
    fn the_perf_task_runs_through_the_job_client() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("perf.jsonl");
        std::fs::write(
            &path,
            "{\"PartitionKey\":\"a$p\",\"RowKey\":\"10\",\"NodeId\":\"n\",\"Event\":\"nodeprep:start\",\"Message\":\"offer=o,sku=s\"}\n\
             {\"PartitionKey\":\"a$p\",\"RowKey\":\"12.5\",\"NodeId\":\"n\",\"Event\":\"nodeprep:end\"}\n",
        )
        .unwrap();
        let client = client();
        let mut h = client
            .submit::<Perf>(&PerfArgs { path, pool: None })
            .unwrap();
        let outcome = loop {
            match h.next_timeout(Duration::from_secs(30)) {
                Some(Event::Finished(o)) => break o,
                Some(_) => {}
                None => panic!("no event within 30 s"),
            }
        };
        let Outcome::Done(perf) = outcome else {
            panic!("the timings are the output");
        };
        assert_eq!(
            perf.pools[0].nodes[0].nodeprep.duration_or_zero(),
            Some(2_500_000)
        );
    }

    #[test]
    fn an_offered_analysis_is_taken_once_and_never_kept_alive_by_the_offer() {
        let analysis = std::sync::Arc::new(crate::analysis::assemble(
            Layout {
                root: PathBuf::new(),
                opened_as: crate::archive::layout::OpenedAs::Root,
                streams: Vec::new(),
                hours: Vec::new(),
                warnings: Vec::new(),
            },
            Vec::new(),
        ));
        let token = reuse::offer(&analysis);
        assert!(reuse::take(token).is_some());
        assert!(reuse::take(token).is_none(), "taken once");
        let dropped = reuse::offer(&analysis);
        drop(analysis);
        assert!(reuse::take(dropped).is_none(), "the offer held no memory");
    }
}
