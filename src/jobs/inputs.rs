//! Reading the inputs of an anomaly run, the task layer's part: series files
//! imported, archives and perf exports turned into their derived series, an
//! archive's hours through the result cache and its bitrate sizes through
//! the database. The anomaly module then judges the series it is given.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::cache::SqliteHourCache;
use super::db::Db;
use super::sizes::hour_sizes;
use crate::anomaly::bitrate::{bitrate_series, stat_hour};
use crate::anomaly::derive;
use crate::anomaly::import::{ImportError, import_file};
use crate::anomaly::run::{MAX_SERIES, too_many_series};
use crate::anomaly::series::Series;
use crate::archive::layout::HourDir;
use crate::coverage::best::Seg;

/// The rows that could not be read, each with its file.
pub type ReadErrors = Vec<(String, ImportError)>;

/// Every series of `inputs` in their order, the rows that could not be read,
/// and the time it took. A file that cannot be read at all fails, naming it;
/// so do more than [`MAX_SERIES`] series.
pub fn read_inputs(
    inputs: &[PathBuf],
    db: Option<&Db>,
    bitrate: bool,
) -> Result<(Vec<Series>, ReadErrors, Duration), String> {
    let started = Instant::now();
    // Every input read at once; their series keep the inputs' order.
    let read: Vec<Result<Read, String>> = inputs
        .par_iter()
        .map(|path| read_input(path, db, bitrate))
        .collect();
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for r in read {
        let r = r?;
        all.extend(r.series);
        errors.extend(r.errors);
        if all.len() > MAX_SERIES {
            return Err(too_many_series(all.len()));
        }
    }
    Ok((all, errors, started.elapsed()))
}

/// The series of one input and the rows that could not be read.
struct Read {
    series: Vec<Series>,
    errors: Vec<(String, ImportError)>,
}

/// An open document's snapshot, to derive series from without reading its
/// input again.
#[derive(Clone)]
pub enum Snapshot {
    /// An archive's analysis.
    Coverage(std::sync::Arc<crate::analysis::Analysis>),
    /// A perf export's analysis.
    Perf(std::sync::Arc<crate::perf::PerfAnalysis>),
}

/// The series derived from `snapshot` (an archive's bitrate sizes through
/// `db` when given), no row unread, and the time it took.
pub fn snapshot_series(
    snapshot: &Snapshot,
    db: Option<&Db>,
    bitrate: bool,
) -> (Vec<Series>, ReadErrors, Duration) {
    let started = Instant::now();
    let series = match snapshot {
        Snapshot::Perf(a) => derive::perf_series(a),
        Snapshot::Coverage(a) => archive_series(a, db, bitrate),
    };
    (series, Vec::new(), started.elapsed())
}

/// An archive's derived series, with its bitrate series when asked (sizes
/// through `db` when given).
fn archive_series(a: &crate::analysis::Analysis, db: Option<&Db>, bitrate: bool) -> Vec<Series> {
    let mut series = derive::archive_series(a);
    if bitrate {
        series.extend(match db {
            Some(db) => bitrate_series(a, &|root: &Path, hour: &HourDir, best: &[Seg]| {
                hour_sizes(db, root, hour, best)
            }),
            None => bitrate_series(a, &stat_hour),
        });
    }
    series
}

/// Reads one input: a series file, or an archive or perf export whose
/// series are derived (an archive's unchanged hours come from `db`'s result
/// cache, and its bitrate sizes too, when given).
fn read_input(path: &Path, db: Option<&Db>, bitrate: bool) -> Result<Read, String> {
    let derived = |series| {
        Ok(Read {
            series,
            errors: Vec::new(),
        })
    };
    match crate::input::detect(path).map_err(|e| e.to_string())? {
        crate::input::Input::PerfExport(_) => {
            let a = crate::perf::analyse_export(path, None)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            derived(derive::perf_series(&a))
        }
        crate::input::Input::Archive(_) => {
            let cache = db.map(|db| SqliteHourCache::new(db.clone(), path));
            let a = crate::analysis::analyse_with_cache(
                path,
                &crate::archive::layout::Selection::default(),
                &crate::analysis::NoObserver,
                cache.as_ref().map(|c| c as &dyn crate::analysis::HourCache),
            )
            .map_err(|e| format!("{}: {e}", path.display()))?;
            if a.streams.is_empty() {
                return Err(not_an_archive(path));
            }
            derived(archive_series(&a, db, bitrate))
        }
        crate::input::Input::Series(_) => {
            let imported =
                import_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let file = path.display().to_string();
            Ok(Read {
                series: imported.series,
                errors: imported
                    .errors
                    .into_iter()
                    .map(|e| (file.clone(), e))
                    .collect(),
            })
        }
    }
}

/// Why a directory gave no series: it is no archive; when it holds files
/// (series files, most likely), says to give them instead.
fn not_an_archive(dir: &Path) -> String {
    let files: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .take(10_000)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut message = format!(
        "{} is a directory but no segment archive: no CHANNEL/QUALITY/HOUR directories in it (e.g. desertbus/source/2024-11-09T05)",
        dir.display()
    );
    if let Some(first) = files.iter().min() {
        message.push_str(&format!(
            "; it holds {} file{} ({first}, …): give the series files themselves, e.g. {}/*.csv",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            dir.display()
        ));
    }
    message
}
