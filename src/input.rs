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
    /// Not a directory and not a regular file: a FIFO, a device or a socket,
    /// whose reading could block for ever or never end.
    #[error(
        "{path} is a {what}, not a file: give an archive directory, a perf export or a series file"
    )]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// A UTF-16 text file.
    #[error("{path} is UTF-16 text ({kind}); segscope reads UTF-8: save it as UTF-8")]
    Utf16 {
        /// The path.
        path: PathBuf,
        /// `little-endian` or `big-endian`.
        kind: &'static str,
    },
    /// A file whose content is not recognised.
    #[error(
        "{0} is not a segment archive (a directory), a perf export (CSV or JSON with PartitionKey and RowKey) or a series file (CSV with a time column, Graphite or Prometheus JSON)"
    )]
    Unrecognised(PathBuf),
}

/// How many bytes of a file are looked at first.
const SNIFF: usize = 64 * 1024;
/// How far the look goes on while the first lines are not complete (a wide
/// CSV's header can be megabytes long).
const SNIFF_MAX: usize = 64 * 1024 * 1024;
/// How many lines of a CSV are looked at for a time in the first cell (a
/// header, then rows that may start with a bad time).
const SNIFF_LINES: usize = 20;

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
    if let Some(what) = special_kind(&meta) {
        return Err(DetectError::NotRegular {
            path: path.to_path_buf(),
            what,
        });
    }
    let head = sniff(path).map_err(unreadable)?;
    if let Some(kind) = crate::text::utf16_kind(&head) {
        return Err(DetectError::Utf16 {
            path: path.to_path_buf(),
            kind,
        });
    }
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

/// What a file that is neither a directory nor a regular file is.
pub fn special_kind(meta: &fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_file() || t.is_dir() {
        None
    } else if t.is_fifo() {
        Some("FIFO (named pipe)")
    } else if t.is_char_device() {
        Some("character device")
    } else if t.is_block_device() {
        Some("block device")
    } else if t.is_socket() {
        Some("socket")
    } else {
        Some("special file")
    }
}

/// The first bytes of a file: [`SNIFF`] bytes, or more (up to
/// [`SNIFF_MAX`]) until they hold the first [`SNIFF_LINES`] lines.
fn sniff(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = fs::File::open(path)?;
    let mut head = Vec::with_capacity(SNIFF);
    loop {
        let want = if head.is_empty() { SNIFF } else { head.len() };
        let got = (&mut file).take(want as u64).read_to_end(&mut head)?;
        let lines = memchr::memchr_iter(b'\n', &head).count();
        if got < want || lines >= SNIFF_LINES || head.len() >= SNIFF_MAX {
            return Ok(head);
        }
    }
}

/// A series file by its first bytes: Graphite's `target`/`datapoints`,
/// Prometheus' `resultType`, or a CSV one of whose first lines starts with
/// a time and has a second cell.
fn is_series(text: &str) -> bool {
    if text.starts_with('[') {
        return text.contains("\"datapoints\"");
    }
    if text.starts_with('{') {
        return text.contains("\"resultType\"");
    }
    text.lines().take(SNIFF_LINES).any(|line| {
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

    #[test]
    fn fifos_utf16_wide_headers_and_bad_first_rows() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.csv");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Refused without opening it (opening a FIFO blocks until a writer comes).
        let err = detect(&fifo).unwrap_err().to_string();
        assert!(err.contains("FIFO"), "{err}");
        let utf16 = dir.path().join("u.csv");
        let bytes: Vec<u8> = "time,value\n1700000000,1\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        fs::write(&utf16, bytes).unwrap();
        let err = detect(&utf16).unwrap_err().to_string();
        assert!(err.contains("UTF-16"), "{err}");
        // A header far longer than the first look.
        let wide = dir.path().join("wide.csv");
        let header: Vec<String> = (0..20_000).map(|i| format!("column_{i}")).collect();
        let row: Vec<&str> = (0..20_000).map(|_| "1").collect();
        fs::write(
            &wide,
            format!("time,{}\n1700000000,{}\n", header.join(","), row.join(",")),
        )
        .unwrap();
        assert!(fs::metadata(&wide).unwrap().len() > 2 * SNIFF as u64);
        assert_eq!(detect(&wide).unwrap(), Input::Series(wide.clone()));
        // A bad time in the first data row.
        let bad = dir.path().join("bad.csv");
        fs::write(&bad, "time,value\nsoon,1\n1700000000,2\n").unwrap();
        assert_eq!(detect(&bad).unwrap(), Input::Series(bad.clone()));
    }
}
