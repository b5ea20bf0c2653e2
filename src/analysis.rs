//! Analysing an archive: discover its layout, scan hour directories in parallel
//! (one task per hour, cancellable, streaming each hour as it finishes), then
//! build each stream's timeline. The result is an immutable [`Analysis`].

use std::fs;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::archive::Warning;
use crate::archive::layout::{HourDir, Layout, OpenError, OpenedAs, Selection, discover};
use crate::archive::walk::{BadSegment, list_hour};
use crate::coverage::best::{HourSummary, summarise_hour};
use crate::coverage::lod::MixIndex;
use crate::coverage::timeline::{StreamCoverage, analyse_stream};

/// One analysed (channel, quality).
#[derive(Debug, Clone)]
pub struct StreamAnalysis {
    /// Channel name.
    pub channel: String,
    /// Quality name.
    pub quality: String,
    /// Per-hour summaries, in hour order.
    pub hours: Vec<HourSummary>,
    /// The timeline and per-hour figures.
    pub coverage: StreamCoverage,
    /// Running totals of the coverage, for drawing any range at any zoom.
    pub mix_index: MixIndex,
    /// Bad segments of every hour, in path order.
    pub bad_segments: Vec<BadSegment>,
}

/// Whole-stream figures for summaries (CLI table, HTML report).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamSummary {
    /// Hour directories.
    pub hours: usize,
    /// Parsed segments (every type but temp).
    pub segments: u64,
    /// Raw coverage as a percentage of the data span.
    pub raw_pct: f64,
    /// Editable coverage as a percentage of the data span.
    pub editable_pct: f64,
    /// Raw holes.
    pub raw_holes: usize,
    /// Raw hole time, seconds.
    pub raw_hole_secs: f64,
    /// Bad segments.
    pub bad: usize,
}

impl StreamAnalysis {
    /// The stream's summary figures.
    pub fn summary(&self) -> StreamSummary {
        let c = &self.coverage;
        let span = match (c.first_start_us, c.last_end_us) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        let pct = |v: i64| {
            if span > 0 {
                100.0 * v as f64 / span as f64
            } else {
                0.0
            }
        };
        StreamSummary {
            hours: self.hours.len(),
            segments: self.hours.iter().map(HourSummary::parsed_count).sum(),
            raw_pct: pct(c.hours.iter().map(|h| h.raw_coverage_us).sum()),
            editable_pct: pct(c.hours.iter().map(|h| h.editable_coverage_us).sum()),
            raw_holes: c.raw_holes.len(),
            raw_hole_secs: crate::time::us_to_secs(
                c.raw_holes.iter().map(|h| h.end_us - h.start_us).sum(),
            ),
            bad: self.bad_segments.len(),
        }
    }
}

/// The complete result of analysing an archive.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The path as given.
    pub root: String,
    /// What the path was.
    pub opened_as: OpenedAs,
    /// Streams sorted by (channel, quality).
    pub streams: Vec<StreamAnalysis>,
    /// Every warning, in path order.
    pub warnings: Vec<Warning>,
    /// Hour directories answered by the result cache (the rest were scanned).
    pub hours_from_cache: usize,
}

impl Analysis {
    /// First start to last end over every stream (`None` without segments).
    pub fn time_extent(&self) -> Option<(i64, i64)> {
        let first = self
            .streams
            .iter()
            .filter_map(|s| s.coverage.first_start_us)
            .min()?;
        let last = self
            .streams
            .iter()
            .filter_map(|s| s.coverage.last_end_us)
            .max()?;
        Some((first, last))
    }

    /// Total parsed segments (every type but temp) plus bad ones.
    pub fn segment_total(&self) -> u64 {
        self.streams
            .iter()
            .flat_map(|s| &s.hours)
            .map(|h| h.parsed_count() + h.bad_count)
            .sum()
    }
}

/// Progress of a scan, as reported to an observer.
#[derive(Debug, Clone, Copy)]
pub struct ScanProgress {
    /// Hour directories finished.
    pub hours_done: usize,
    /// Hour directories in all.
    pub hours_total: usize,
    /// Segments read so far.
    pub segments: u64,
}

/// Receives progress and each hour's summary while a scan runs; can cancel it.
/// Called from worker threads.
pub trait ScanObserver: Sync {
    /// The layout is known: `hours_total` hour directories will be scanned.
    fn started(&self, _layout: &Layout) {}
    /// One hour directory is done.
    fn hour_done(&self, _stream: usize, _summary: &HourSummary, _progress: ScanProgress) {}
    /// Checked before each hour directory: `true` stops the scan.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// An observer that does nothing.
pub struct NoObserver;
impl ScanObserver for NoObserver {}

/// Why an analysis did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The opened path cannot be read.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The scan was cancelled.
    #[error("analysis cancelled")]
    Cancelled,
}

/// Scans one hour directory into its summary (list, classify, pick best segments).
pub fn scan_hour(root: &Path, hour: &HourDir) -> HourSummary {
    let listing = list_hour(root, hour);
    summarise_hour(hour.hour_start_us, listing, |name| {
        let path = hour.path.join(name);
        fs::metadata(&path)
            .map(|m| m.len())
            .map_err(|e| Warning::new(root, &path, format!("cannot read file size: {e}")))
    })
}

/// The key under which an hour directory's summary is cached: its modification
/// and change times (adding, removing or renaming an entry changes both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheKey {
    /// Directory mtime, ns since the epoch.
    pub mtime_ns: i64,
    /// Directory ctime, ns since the epoch.
    pub ctime_ns: i64,
}

/// What a cache answers for one hour directory.
pub enum CacheLookup {
    /// The directory is unchanged: its summary.
    Hit(HourSummary),
    /// Scan it; store the result under this key (none: do not store).
    Miss(Option<CacheKey>),
}

/// A store of hour summaries that answers for unchanged hour directories.
pub trait HourCache: Sync {
    /// Looks up an hour directory.
    fn lookup(&self, root: &Path, hour: &HourDir) -> CacheLookup;
    /// Remembers a freshly scanned hour.
    fn store(&self, root: &Path, hour: &HourDir, key: CacheKey, summary: &HourSummary);
    /// Called once after the scan (e.g. to write stored entries in one transaction).
    fn finish(&self) {}
}

/// Analyses the archive at `root`.
pub fn analyse(
    root: &Path,
    selection: &Selection,
    observer: &dyn ScanObserver,
) -> Result<Analysis, AnalysisError> {
    analyse_with_cache(root, selection, observer, None)
}

/// Analyses the archive at `root`, answering unchanged hours from `cache`.
pub fn analyse_with_cache(
    root: &Path,
    selection: &Selection,
    observer: &dyn ScanObserver,
    cache: Option<&dyn HourCache>,
) -> Result<Analysis, AnalysisError> {
    let layout = discover(root, selection)?;
    let gate = hold::gate_for(root);
    let started = AtomicUsize::new(0);
    let from_cache = AtomicUsize::new(0);
    observer.started(&layout);
    let total = layout.hours.len();
    let done = AtomicUsize::new(0);
    let segments = AtomicU64::new(0);
    let results: Mutex<Vec<(usize, HourSummary)>> = Mutex::new(Vec::with_capacity(total));
    layout
        .hours
        .par_iter()
        .enumerate()
        .for_each(|(index, hour)| {
            if observer.is_cancelled() {
                return;
            }
            if let Some(g) = &gate {
                g.wait(started.fetch_add(1, Ordering::SeqCst), &|| {
                    observer.is_cancelled()
                });
                if observer.is_cancelled() {
                    return;
                }
            }
            let summary = match cache.map(|c| c.lookup(root, hour)) {
                Some(CacheLookup::Hit(summary)) => {
                    from_cache.fetch_add(1, Ordering::Relaxed);
                    summary
                }
                Some(CacheLookup::Miss(key)) => {
                    let summary = scan_hour(root, hour);
                    if let (Some(c), Some(key)) = (cache, key) {
                        c.store(root, hour, key, &summary);
                    }
                    summary
                }
                None => scan_hour(root, hour),
            };
            let n = summary.parsed_count();
            let progress = ScanProgress {
                hours_done: done.fetch_add(1, Ordering::Relaxed) + 1,
                hours_total: total,
                segments: segments.fetch_add(n, Ordering::Relaxed) + n,
            };
            observer.hour_done(hour.stream, &summary, progress);
            if let Ok(mut r) = results.lock() {
                r.push((index, summary));
            }
        });
    if let Some(c) = cache {
        c.finish();
    }
    if observer.is_cancelled() {
        return Err(AnalysisError::Cancelled);
    }
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_unstable_by_key(|(i, _)| *i);
    let mut analysis = assemble(layout, results.into_iter().map(|(_, s)| s).collect());
    analysis.hours_from_cache = from_cache.into_inner();
    Ok(analysis)
}

/// Builds the analysis from a layout and the summaries of its hours (same order
/// as `layout.hours`).
pub fn assemble(layout: Layout, summaries: Vec<HourSummary>) -> Analysis {
    let mut per_stream: Vec<Vec<HourSummary>> = vec![Vec::new(); layout.streams.len()];
    for (hour, summary) in layout.hours.iter().zip(summaries) {
        per_stream[hour.stream].push(summary);
    }
    let mut warnings = layout.warnings;
    for s in per_stream.iter().flatten() {
        warnings.extend(s.warnings.iter().cloned());
    }
    warnings.sort();
    let streams = layout
        .streams
        .into_par_iter()
        .zip(per_stream)
        .map(|(dir, mut hours)| {
            hours.sort_by_key(|h| h.hour_start_us);
            let coverage = analyse_stream(&hours);
            let mix_index = MixIndex::build(&coverage);
            let mut bad_segments: Vec<BadSegment> =
                hours.iter().flat_map(|h| h.bad.iter().cloned()).collect();
            bad_segments.sort();
            StreamAnalysis {
                channel: dir.channel,
                quality: dir.quality,
                hours,
                coverage,
                mix_index,
                bad_segments,
            }
        })
        .collect();
    Analysis {
        root: layout.root.to_string_lossy().into_owned(),
        opened_as: layout.opened_as,
        streams,
        warnings,
        hours_from_cache: 0,
    }
}

/// Test hooks that hold a real scan at a known point, so tests can look at a
/// scan in progress, cancel or signal it without racing it. Nothing holds a scan
/// unless a test asks.
pub mod hold {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Environment variable: every scan of the process scans this many hour
    /// directories, then waits until cancelled (for tests of other processes).
    pub const HOLD_ENV: &str = "SEGSCOPE_TEST_HOLD_AFTER_HOURS";

    /// Where a held scan stops.
    #[derive(Debug)]
    pub struct Gate {
        after: usize,
        released: AtomicBool,
    }

    impl Gate {
        /// Called with the ticket of each hour about to be scanned: hours from
        /// `after` on wait until the gate opens or `cancelled` says so.
        pub(crate) fn wait(&self, ticket: usize, cancelled: &dyn Fn() -> bool) {
            while ticket >= self.after && !self.released.load(Ordering::SeqCst) && !cancelled() {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    type Holds = Mutex<Vec<(PathBuf, Arc<Gate>)>>;

    fn holds() -> &'static Holds {
        static HOLDS: Holds = Mutex::new(Vec::new());
        &HOLDS
    }

    /// Holds every scan of `root` (as given to the scan) after `hours` hour
    /// directories until [`ScanHold::release`] or drop.
    pub struct ScanHold {
        root: PathBuf,
        gate: Arc<Gate>,
    }

    impl ScanHold {
        /// Holds scans of `root` after `hours` hour directories.
        pub fn after_hours(root: &Path, hours: usize) -> ScanHold {
            let gate = Arc::new(Gate {
                after: hours,
                released: AtomicBool::new(false),
            });
            if let Ok(mut h) = holds().lock() {
                h.push((root.to_path_buf(), Arc::clone(&gate)));
            }
            ScanHold {
                root: root.to_path_buf(),
                gate,
            }
        }

        /// Lets held scans go on.
        pub fn release(self) {}
    }

    impl Drop for ScanHold {
        fn drop(&mut self) {
            self.gate.released.store(true, Ordering::SeqCst);
            if let Ok(mut h) = holds().lock() {
                h.retain(|(p, g)| !(p == &self.root && Arc::ptr_eq(g, &self.gate)));
            }
        }
    }

    /// The gate a scan of `root` must pass, if a test set one.
    pub(crate) fn gate_for(root: &Path) -> Option<Arc<Gate>> {
        if let Some(after) = std::env::var(HOLD_ENV).ok().and_then(|v| v.parse().ok()) {
            return Some(Arc::new(Gate {
                after,
                released: AtomicBool::new(false),
            }));
        }
        let h = holds().lock().ok()?;
        h.iter()
            .find(|(p, _)| p == root)
            .map(|(_, g)| Arc::clone(g))
    }
}
