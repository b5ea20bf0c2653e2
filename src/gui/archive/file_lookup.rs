//! The files behind hovered segments, looked up on a background thread: an hour
//! directory is listed (as the walk lists it) and its files' sizes read once,
//! the first time one of its segments is hovered. The UI thread only asks and
//! reads answers; until one arrives the tooltip says it is looking.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};

use crate::archive::layout::HourDir;
use crate::archive::name::SegmentName;
use crate::archive::walk::list_hour;

/// One segment file of an hour directory.
#[derive(Debug, Clone)]
pub struct SegmentFile {
    /// File name.
    pub name: OsString,
    /// What its name says.
    pub parsed: SegmentName,
    /// Size in bytes (`None`: it could not be read).
    pub size: Option<u64>,
}

/// What is known of an hour directory's files.
pub enum HourFiles<'a> {
    /// Being looked up.
    Pending,
    /// Its files.
    Ready(&'a [SegmentFile]),
}

/// Hour directories looked up so far, and the answers on their way.
pub struct FileLookup {
    hours: HashMap<PathBuf, Option<Vec<SegmentFile>>>,
    tx: Sender<(PathBuf, Vec<SegmentFile>)>,
    rx: Receiver<(PathBuf, Vec<SegmentFile>)>,
}

impl Default for FileLookup {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        FileLookup {
            hours: HashMap::new(),
            tx,
            rx,
        }
    }
}

impl FileLookup {
    /// Forgets everything (a new snapshot: files may have changed).
    pub fn clear(&mut self) {
        *self = FileLookup::default();
    }

    /// The files of hour directory `dir` (starting at `hour_start_us`), asking for
    /// them in the background the first time; `wake` repaints when they arrive.
    pub fn hour(
        &mut self,
        dir: &Path,
        hour_start_us: i64,
        wake: impl Fn() + Send + 'static,
    ) -> HourFiles<'_> {
        while let Ok((d, files)) = self.rx.try_recv() {
            self.hours.insert(d, Some(files));
        }
        if !self.hours.contains_key(dir) {
            self.hours.insert(dir.to_path_buf(), None);
            let tx = self.tx.clone();
            let dir = dir.to_path_buf();
            let _ = std::thread::Builder::new()
                .name("segscope-files".into())
                .spawn(move || {
                    let _ = tx.send((dir.clone(), read_hour(&dir, hour_start_us)));
                    wake();
                });
        }
        match self.hours.get(dir) {
            Some(Some(files)) => HourFiles::Ready(files),
            _ => HourFiles::Pending,
        }
    }
}

/// Lists an hour directory and reads its segment files' sizes.
fn read_hour(dir: &Path, hour_start_us: i64) -> Vec<SegmentFile> {
    let hour = HourDir {
        stream: 0,
        hour_start_us,
        path: dir.to_path_buf(),
    };
    list_hour(dir, &hour)
        .segments
        .into_iter()
        .map(|s| SegmentFile {
            size: std::fs::metadata(dir.join(&s.name)).ok().map(|m| m.len()),
            name: s.name,
            parsed: s.parsed,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_is_read_in_the_background_once() {
        let dir = tempfile::tempdir().unwrap();
        let hour = dir.path().join("2024-11-09T05");
        std::fs::create_dir(&hour).unwrap();
        let name = "00:00.000000-2.0-full-n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg.ts";
        std::fs::write(hour.join(name), vec![0u8; 1234]).unwrap();
        std::fs::write(hour.join(".hidden.ts"), b"x").unwrap();
        let mut lookup = FileLookup::default();
        let (tx, rx) = mpsc::channel();
        let start = crate::time::parse_hour_name("2024-11-09T05").unwrap();
        assert!(matches!(
            lookup.hour(&hour, start, move || {
                let _ = tx.send(());
            }),
            HourFiles::Pending
        ));
        rx.recv().unwrap();
        let HourFiles::Ready(files) = lookup.hour(&hour, start, || {}) else {
            panic!("the answer has arrived");
        };
        assert_eq!(files.len(), 1, "dot files are skipped as in the analysis");
        assert_eq!(files[0].size, Some(1234));
        assert_eq!(files[0].name, name);
    }
}
