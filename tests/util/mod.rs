//! Helpers for building small archives in temporary directories.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;

use segscope::analysis::{Analysis, NoObserver, analyse};
use segscope::archive::layout::Selection;

/// A valid 43-character hash.
pub const H: &str = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";

/// A temporary archive (the root is `archive/` inside a temporary directory, so
/// outputs can be written beside it).
pub struct Archive {
    pub dir: tempfile::TempDir,
}

impl Archive {
    pub fn new() -> Self {
        let a = Archive {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(a.root()).unwrap();
        a
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("archive")
    }

    /// Creates a file (and its parents) relative to the archive root.
    pub fn file(&self, rel: &str, size: u64) -> &Self {
        let p = self.root().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let f = fs::File::create(&p).unwrap();
        f.set_len(size).unwrap();
        self
    }

    /// Creates a directory relative to the archive root.
    pub fn dir(&self, rel: &str) -> &Self {
        fs::create_dir_all(self.root().join(rel)).unwrap();
        self
    }

    /// Segments `(hour, MM:SS.ffffff, duration, type)` of the stream `CHANNEL/QUALITY`.
    pub fn segs(&self, stream: &str, segs: &[(&str, &str, &str, &str)]) -> &Self {
        for (hour, time, dur, kind) in segs {
            self.file(&format!("{stream}/{hour}/{time}-{dur}-{kind}-{H}.ts"), 1000);
        }
        self
    }

    pub fn analyse(&self) -> Analysis {
        analyse(&self.root(), &Selection::default(), &NoObserver).unwrap()
    }

    pub fn analyse_path(&self, rel: &str) -> Analysis {
        analyse(&self.root().join(rel), &Selection::default(), &NoObserver).unwrap()
    }
}
