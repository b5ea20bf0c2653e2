//! What a path is: a segment archive directory, a perf-data export or a
//! series file, for the command line and the app alike.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// What a path holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A directory: a segment archive (root, channel or quality directory).
    Archive(PathBuf),
    /// A Batch Shipyard perf table export (CSV or JSON).
    PerfExport(PathBuf),
    /// Time series: CSV (a time column, value columns), Graphite render JSON
    /// or Prometheus query_range JSON.
    Series(PathBuf),
}

/// Why a path is none of the inputs segscope reads.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// It cannot be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        reason: std::io::Error,
    },
    /// A file whose content is not recognised.
    #[error(
        "{0} is not a segment archive (a directory), a perf export (CSV or JSON with PartitionKey and RowKey) or a series file (CSV with a time column, Graphite or Prometheus JSON)"
    )]
    Unrecognised(PathBuf),
}

/// How many bytes of a file are looked at.
const SNIFF: usize = 64 * 1024;

/// Tells what `path` is from its type and its first bytes.
pub fn detect(path: &Path) -> Result<Input, DetectError> {
    let unreadable = |reason| DetectError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let meta = fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Ok(Input::Archive(path.to_path_buf()));
    }
    let mut head = Vec::with_capacity(SNIFF);
    fs::File::open(path)
        .map_err(unreadable)?
        .take(SNIFF as u64)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let csv_header = text
        .lines()
        .next()
        .is_some_and(|l| l.starts_with("PartitionKey,RowKey"));
    let json = (text.starts_with('{') || text.starts_with('['))
        && (text.contains("\"PartitionKey\"") || text.contains("\"RowKey\""));
    if csv_header || json {
        Ok(Input::PerfExport(path.to_path_buf()))
    } else if is_series(text) {
        Ok(Input::Series(path.to_path_buf()))
    } else {
        Err(DetectError::Unrecognised(path.to_path_buf()))
    }
}

/// A series file by its first bytes: Graphite's `target`/`datapoints`,
/// Prometheus' `resultType`, or a CSV whose first or second line starts with
/// a time and has a second cell.
fn is_series(text: &str) -> bool {
    if text.starts_with('[') {
        return text.contains("\"datapoints\"");
    }
    if text.starts_with('{') {
        return text.contains("\"resultType\"");
    }
    text.lines().take(2).any(|line| {
        let mut cells = line.split(',');
        let first = cells.next().unwrap_or("").trim().trim_matches('"');
        cells.next().is_some() && crate::time::parse_user_time(first).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_exports_and_others() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            detect(dir.path()).unwrap(),
            Input::Archive(dir.path().to_path_buf())
        );
        let csv = dir.path().join("perf.csv");
        fs::write(&csv, "\u{feff}PartitionKey,RowKey,Timestamp,Event\r\n").unwrap();
        assert_eq!(detect(&csv).unwrap(), Input::PerfExport(csv.clone()));
        let jsonl = dir.path().join("perf.jsonl");
        fs::write(&jsonl, "{\"PartitionKey\":\"p\",\"RowKey\":\"1\"}\n").unwrap();
        assert_eq!(detect(&jsonl).unwrap(), Input::PerfExport(jsonl.clone()));
        let series = dir.path().join("cpu.csv");
        fs::write(&series, "timestamp,value\n2015-02-26 21:42:53,3.5\n").unwrap();
        assert_eq!(detect(&series).unwrap(), Input::Series(series.clone()));
        let bare = dir.path().join("bare.csv");
        fs::write(&bare, "1700000000,1\n").unwrap();
        assert_eq!(detect(&bare).unwrap(), Input::Series(bare.clone()));
        let graphite = dir.path().join("g.json");
        fs::write(
            &graphite,
            "[{\"target\":\"a\",\"datapoints\":[[1,1700000000]]}]",
        )
        .unwrap();
        assert_eq!(detect(&graphite).unwrap(), Input::Series(graphite.clone()));
        let prom = dir.path().join("p.json");
        fs::write(
            &prom,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
        )
        .unwrap();
        assert_eq!(detect(&prom).unwrap(), Input::Series(prom.clone()));
        let words = dir.path().join("words.csv");
        fs::write(&words, "name,colour\nfox,red\n").unwrap();
        assert!(matches!(detect(&words), Err(DetectError::Unrecognised(_))));
        let other = dir.path().join("notes.txt");
        fs::write(&other, "hello").unwrap();
        assert!(matches!(detect(&other), Err(DetectError::Unrecognised(_))));
        assert!(matches!(
            detect(&dir.path().join("missing")),
            Err(DetectError::Unreadable { .. })
        ));
    }
}
