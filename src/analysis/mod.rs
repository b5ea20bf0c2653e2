//! Analysing an archive: discover its layout, scan hour directories in parallel
//! (one task per hour, cancellable, streaming each hour as it finishes), then
//! build each stream's timeline. The result is an immutable [`Analysis`].

pub mod hold;
pub mod remote;
mod reuse;

pub use reuse::ReusedHours;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::archive::Warning;
use crate::archive::layout::{HourDir, Layout, OpenError, OpenedAs, Selection, discover};
use crate::archive::walk::{BadSegment, HourListing, list_hour, list_hour_names};
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
    /// Of those, the hours reused from the analysis this one replaces (no cache
    /// read at all).
    pub hours_reused: usize,
    /// Each hour directory's summary, by its path: the stream and hour indexes
    /// and the directory key it was read or scanned under (for reusing it).
    pub known_hours: HashMap<PathBuf, KnownHour>,
}

/// Where an hour directory's summary sits in an [`Analysis`], and the directory's
/// key when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownHour {
    /// Index into [`Analysis::streams`].
    pub stream: usize,
    /// Index into that stream's hours.
    pub hour: usize,
    /// The directory's key when it was read.
    pub key: CacheKey,
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

    /// The stream `channel/quality`, if the archive has it.
    pub fn stream(&self, channel: &str, quality: &str) -> Option<&StreamAnalysis> {
        self.streams
            .iter()
            .find(|s| s.channel == channel && s.quality == quality)
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
    summarise_listing(root, hour, list_hour(root, hour))
}

/// Summarises the listing of an hour directory, reading sizes from disk.
fn summarise_listing(root: &Path, hour: &HourDir, listing: HourListing) -> HourSummary {
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

/// A directory changed this recently may still be changing: its summary is not
/// remembered or reused.
pub const SETTLING_NS: i64 = 2_000_000_000;

/// The key of directory `path` now (`None` when it cannot be read).
pub fn dir_key(path: &Path) -> Option<CacheKey> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = fs::symlink_metadata(path).ok()?;
    Some(CacheKey {
        mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
    })
}

impl CacheKey {
    /// True when the directory has not changed for a while at `now_ns`.
    pub fn settled(&self, now_ns: i64) -> bool {
        now_ns - self.mtime_ns.max(self.ctime_ns) >= SETTLING_NS
    }
}

/// What a cache answers for one hour directory.
pub enum CacheLookup {
    /// The directory is unchanged: its summary, and the key it was checked under.
    Hit(HourSummary, CacheKey),
    /// Scan it; store the result under this key (none: do not store).
    Miss(Option<CacheKey>),
}

/// A store of hour summaries that answers for unchanged hour directories.
pub trait HourCache: Sync {
    /// Looks up an hour directory whose key is now `key` (`None`: it cannot be
    /// keyed, so it is scanned and not stored).
    fn lookup(&self, root: &Path, hour: &HourDir, key: Option<CacheKey>) -> CacheLookup;
    /// Remembers a freshly scanned hour.
    fn store(&self, root: &Path, hour: &HourDir, key: CacheKey, summary: &HourSummary);
    /// Called once after the scan (e.g. to write stored entries in one transaction).
    fn finish(&self) {}
}

/// Where an archive's hours come from: a directory on disk or a recording
/// node's restreamer. The scan, the cache and the assembly are the same for both.
pub trait HourSource: Sync {
    /// The root every hour path is under (the directory, or the node's URL).
    fn root(&self) -> &Path;
    /// Lists the streams and hours to read.
    fn discover(&self, selection: &Selection) -> Result<Layout, OpenError>;
    /// Lists one hour and summarises it.
    fn scan_hour(&self, hour: &HourDir) -> HourSummary;
    /// The key an hour's summary is cached under now (`None`: do not cache).
    fn key(&self, hour: &HourDir) -> Option<CacheKey>;
    /// True when an hour listed a moment ago is gone.
    fn vanished(&self, hour: &HourDir) -> bool;
    /// Hours read at once (`None`: one per core).
    fn concurrency(&self) -> Option<usize> {
        None
    }
}

/// The names each hour listed (tombstones included), kept by a scan for the
/// backfill plan, by (stream index, hour start µs) of the layout (the same
/// indexes as [`Analysis::streams`]); an hour's names are one string, each
/// name ended by a NUL (no file name holds one), to keep them small.
#[derive(Debug, Default)]
pub struct KeptListings(Mutex<HashMap<(usize, i64), String>>);

impl KeptListings {
    /// Keeps the names of `hour`.
    pub fn keep(&self, hour: &HourDir, names: Vec<String>) {
        let mut joined = String::with_capacity(names.iter().map(|n| n.len() + 1).sum());
        for n in names.iter().filter(|n| !n.contains('\0')) {
            joined.push_str(n);
            joined.push('\0');
        }
        if let Ok(mut m) = self.0.lock() {
            m.insert((hour.stream, hour.hour_start_us), joined);
        }
    }

    /// Takes every kept listing out.
    pub fn take(&self) -> HashMap<(usize, i64), String> {
        self.0
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
    }
}

/// An archive directory on local disk.
pub struct LocalArchive<'a> {
    root: &'a Path,
    kept: Option<&'a KeptListings>,
}

impl<'a> LocalArchive<'a> {
    /// The archive at `root` (root, channel or quality directory).
    pub fn new(root: &'a Path) -> Self {
        LocalArchive { root, kept: None }
    }

    /// [`LocalArchive::new`], keeping every hour's names in `kept`.
    pub fn keeping(root: &'a Path, kept: &'a KeptListings) -> Self {
        LocalArchive {
            root,
            kept: Some(kept),
        }
    }
}

impl HourSource for LocalArchive<'_> {
    fn root(&self) -> &Path {
        self.root
    }
    fn discover(&self, selection: &Selection) -> Result<Layout, OpenError> {
        discover(self.root, selection)
    }
    fn scan_hour(&self, hour: &HourDir) -> HourSummary {
        let (listing, names) = list_hour_names(self.root, hour);
        if let (Some(kept), Some(names)) = (self.kept, names) {
            kept.keep(hour, names);
        }
        summarise_listing(self.root, hour, listing)
    }
    fn key(&self, hour: &HourDir) -> Option<CacheKey> {
        dir_key(&hour.path)
    }
    fn vanished(&self, hour: &HourDir) -> bool {
        vanished(&hour.path)
    }
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
    analyse_source(&LocalArchive::new(root), selection, observer, cache)
}

/// Analyses the archive `source` holds, answering unchanged hours from `cache`.
pub fn analyse_source(
    source: &dyn HourSource,
    selection: &Selection,
    observer: &dyn ScanObserver,
    cache: Option<&dyn HourCache>,
) -> Result<Analysis, AnalysisError> {
    let root = source.root();
    let mut layout = source.discover(selection)?;
    let gate = hold::gate_for(root);
    let started = AtomicUsize::new(0);
    let from_cache = AtomicUsize::new(0);
    observer.started(&layout);
    let total = layout.hours.len();
    let done = AtomicUsize::new(0);
    let segments = AtomicU64::new(0);
    let results: Mutex<Vec<(usize, HourSummary, Option<CacheKey>)>> =
        Mutex::new(Vec::with_capacity(total));
    let scan_one = |index: usize, hour: &HourDir| {
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
        let (summary, key) = match cache.map(|c| c.lookup(root, hour, source.key(hour))) {
            Some(CacheLookup::Hit(summary, key)) => {
                from_cache.fetch_add(1, Ordering::Relaxed);
                (summary, Some(key))
            }
            Some(CacheLookup::Miss(key)) => {
                let summary = source.scan_hour(hour);
                if source.vanished(hour) {
                    return;
                }
                if let (Some(c), Some(key)) = (cache, key) {
                    c.store(root, hour, key, &summary);
                }
                (summary, key)
            }
            None => {
                let summary = source.scan_hour(hour);
                if source.vanished(hour) {
                    return;
                }
                (summary, None)
            }
        };
        let n = summary.parsed_count();
        let progress = ScanProgress {
            hours_done: done.fetch_add(1, Ordering::Relaxed) + 1,
            hours_total: total,
            segments: segments.fetch_add(n, Ordering::Relaxed) + n,
        };
        observer.hour_done(hour.stream, &summary, progress);
        if let Ok(mut r) = results.lock() {
            r.push((index, summary, key));
        }
    };
    let scan_all = || {
        layout
            .hours
            .par_iter()
            .enumerate()
            .for_each(|(index, hour)| scan_one(index, hour))
    };
    match source
        .concurrency()
        .and_then(|n| rayon::ThreadPoolBuilder::new().num_threads(n).build().ok())
    {
        Some(pool) => pool.install(scan_all),
        None => scan_all(),
    }
    if let Some(c) = cache {
        c.finish();
    }
    if observer.is_cancelled() {
        return Err(AnalysisError::Cancelled);
    }
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_unstable_by_key(|(i, _, _)| *i);
    drop_vanished(&mut layout, &results);
    let (summaries, keys): (Vec<HourSummary>, Vec<Option<CacheKey>>) =
        results.into_iter().map(|(_, s, k)| (s, k)).unzip();
    let mut analysis = assemble_keyed(layout, summaries, keys);
    analysis.hours_from_cache = from_cache.into_inner();
    Ok(analysis)
}

/// True when an hour directory listed a moment ago is gone: it is dropped
/// from the analysis (the next scan lists the archive again).
fn vanished(path: &Path) -> bool {
    fs::symlink_metadata(path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

/// Removes from `layout` the hours that have no result (they vanished while
/// scanned; `results` is sorted by hour index), each with a warning.
fn drop_vanished<T>(layout: &mut Layout, results: &[(usize, T, Option<CacheKey>)]) {
    if results.len() == layout.hours.len() {
        return;
    }
    let mut kept = results.iter().map(|(i, _, _)| *i).peekable();
    let hours = std::mem::take(&mut layout.hours);
    for (index, hour) in hours.into_iter().enumerate() {
        if kept.peek() == Some(&index) {
            kept.next();
            layout.hours.push(hour);
        } else {
            layout.warnings.push(Warning::new(
                &layout.root,
                &hour.path,
                "hour directory vanished while it was scanned; left out",
            ));
        }
    }
}

/// Builds the analysis from a layout and the summaries of its hours (same order
/// as `layout.hours`).
pub fn assemble(layout: Layout, summaries: Vec<HourSummary>) -> Analysis {
    let keys = vec![None; summaries.len()];
    assemble_keyed(layout, summaries, keys)
}

/// [`assemble`], with the key each hour directory was read under (same order).
pub fn assemble_keyed(
    layout: Layout,
    summaries: Vec<HourSummary>,
    keys: Vec<Option<CacheKey>>,
) -> Analysis {
    type Origin = (PathBuf, Option<CacheKey>);
    let mut per_stream: Vec<Vec<(HourSummary, Origin)>> = Vec::new();
    per_stream.resize_with(layout.streams.len(), Vec::new);
    for ((hour, summary), key) in layout.hours.iter().zip(summaries).zip(keys) {
        per_stream[hour.stream].push((summary, (hour.path.clone(), key)));
    }
    let mut warnings = layout.warnings;
    for (s, _) in per_stream.iter().flatten() {
        warnings.extend(s.warnings.iter().cloned());
    }
    warnings.sort();
    let mut known_hours = HashMap::new();
    let per_stream: Vec<Vec<HourSummary>> = per_stream
        .into_iter()
        .enumerate()
        .map(|(stream, mut hours)| {
            hours.sort_by_key(|(h, _)| h.hour_start_us);
            hours
                .into_iter()
                .enumerate()
                .map(|(hour, (summary, (path, key)))| {
                    if let Some(key) = key {
                        known_hours.insert(path, KnownHour { stream, hour, key });
                    }
                    summary
                })
                .collect()
        })
        .collect();
    let streams = layout
        .streams
        .into_par_iter()
        .zip(per_stream)
        .map(|(dir, hours)| {
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
        hours_reused: 0,
        known_hours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "-2.0-full-n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg.ts";

    fn archive(dir: &Path) -> PathBuf {
        let root = dir.join("archive");
        for hour in ["2024-11-09T05", "2024-11-09T06", "2024-11-09T07"] {
            let h = root.join("c/q").join(hour);
            fs::create_dir_all(&h).unwrap();
            fs::write(h.join(format!("00:00.000000{NAME}")), b"x").unwrap();
        }
        root
    }

    fn empty() -> Analysis {
        assemble(
            Layout {
                root: PathBuf::new(),
                opened_as: OpenedAs::Root,
                streams: Vec::new(),
                hours: Vec::new(),
                warnings: Vec::new(),
            },
            Vec::new(),
        )
    }

    #[test]
    fn a_reload_reuses_unchanged_hours_and_rescans_changed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        // As if a minute had passed: the fresh directories have settled.
        let later = chrono::Utc::now().timestamp_nanos_opt().unwrap() + 60_000_000_000;
        let sel = Selection::default();
        let none = empty();
        let first_layer = ReusedHours::at(&none, None, later);
        let first = analyse_with_cache(&root, &sel, &NoObserver, Some(&first_layer)).unwrap();
        assert_eq!(first_layer.reused(), 0);
        assert_eq!(first.known_hours.len(), 3, "every hour's key is kept");
        let again = ReusedHours::at(&first, None, later);
        let second = analyse_with_cache(&root, &sel, &NoObserver, Some(&again)).unwrap();
        assert_eq!(again.reused(), 3, "nothing read again");
        assert_eq!(
            format!("{:?}", first.streams),
            format!("{:?}", second.streams)
        );
        // A new segment in one hour: that hour alone is scanned again, and seen.
        let h6 = root.join("c/q/2024-11-09T06");
        fs::write(h6.join(format!("00:02.000000{NAME}")), b"x").unwrap();
        let third_layer = ReusedHours::at(&second, None, later);
        let third = analyse_with_cache(&root, &sel, &NoObserver, Some(&third_layer)).unwrap();
        assert_eq!(third_layer.reused(), 2);
        assert_eq!(third.segment_total(), 4);
        // Just changed, as far as the clock says: never reused.
        let now_layer = ReusedHours::new(&third, None);
        analyse_with_cache(&root, &sel, &NoObserver, Some(&now_layer)).unwrap();
        assert!(now_layer.reused() < 3, "the directory changed a moment ago");
    }

    /// A cache that removes one hour directory when it is asked about it, as
    /// if the directory vanished between the listing and the scan.
    struct Vanishing(PathBuf);

    impl HourCache for Vanishing {
        fn lookup(&self, _root: &Path, hour: &HourDir, _key: Option<CacheKey>) -> CacheLookup {
            if hour.path == self.0 {
                fs::remove_dir_all(&hour.path).unwrap();
            }
            CacheLookup::Miss(dir_key(&hour.path))
        }
        fn store(&self, _: &Path, _: &HourDir, _: CacheKey, _: &HourSummary) {}
    }

    #[test]
    fn an_hour_that_vanishes_while_scanned_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let h6 = root.join("c/q/2024-11-09T06");
        let cache = Vanishing(h6.clone());
        let a =
            analyse_with_cache(&root, &Selection::default(), &NoObserver, Some(&cache)).unwrap();
        let hours: Vec<i64> = a.streams[0].hours.iter().map(|h| h.hour_start_us).collect();
        assert_eq!(hours.len(), 2, "{hours:?}");
        assert_eq!(a.known_hours.len(), 2);
        assert!(!a.known_hours.contains_key(&h6));
        assert!(
            a.warnings
                .iter()
                .any(|w| w.path.contains("2024-11-09T06") && w.message.contains("vanished")),
            "{:?}",
            a.warnings
        );
        // The same without a cache: the hour is gone, and so is its figure.
        let fresh = analyse(&root, &Selection::default(), &NoObserver).unwrap();
        let streams = |a: &Analysis| format!("{:?}", a.streams);
        assert_eq!(streams(&fresh), streams(&a));
    }
}
