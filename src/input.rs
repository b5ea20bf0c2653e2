//! What a path is: a segment archive directory or a perf-data export (a series
//! file comes with the anomaly work), for the command line and the app alike.

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
        "{0} is not a segment archive (a directory) or a perf export (CSV or JSON with PartitionKey and RowKey)"
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
    } else {
        Err(DetectError::Unrecognised(path.to_path_buf()))
    }
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
        let other = dir.path().join("notes.txt");
        fs::write(&other, "hello").unwrap();
        assert!(matches!(detect(&other), Err(DetectError::Unrecognised(_))));
        assert!(matches!(
            detect(&dir.path().join("missing")),
            Err(DetectError::Unreadable { .. })
        ));
    }
}
