//! Helpers for building small archives in temporary directories.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// Writes a demo archive of `hours` hours per stream into `dir/demo`; returns it.
pub fn demo_archive(dir: &Path, hours: u32) -> PathBuf {
    let demo = dir.join("demo");
    segscope::demo::generate(
        &demo,
        &segscope::demo::DemoOptions {
            hours,
            ..Default::default()
        },
    )
    .unwrap();
    demo
}

/// The segscope binary the command-line tests run: `$SEGSCOPE_BIN` when set (CI
/// points it at the headless build, `--no-default-features`), else this build's.
pub fn segscope_bin() -> PathBuf {
    std::env::var_os("SEGSCOPE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_segscope")))
}

/// Runs segscope in `dir` with its data directory (database, demo files) in
/// `dir/data`, so a test touches nothing outside its temporary directory.
pub fn segscope_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(segscope_bin())
        .args(args)
        .current_dir(dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .output()
        .unwrap()
}

/// The uid this test runs as.
pub fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt as _;
    let p = std::env::temp_dir().join(format!(
        "segscope-uid-probe-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    fs::write(&p, b"").unwrap();
    let uid = fs::metadata(&p).unwrap().uid();
    fs::remove_file(&p).unwrap();
    uid
}

/// Runs segscope as an unprivileged user when the tests run as root (root ignores
/// file permissions), so permission errors are exercised either way. The binary is
/// copied into `scratch` (made world-readable) so the user can run it wherever the
/// build is; its data directory is `scratch/data`.
pub fn run_unprivileged(scratch: &Path, args: &[&str]) -> Output {
    fs::set_permissions(scratch, fs::Permissions::from_mode(0o755)).unwrap();
    let data = scratch.join("data");
    fs::create_dir_all(&data).unwrap();
    fs::set_permissions(&data, fs::Permissions::from_mode(0o777)).unwrap();
    if current_uid() != 0 {
        return Command::new(segscope_bin())
            .args(args)
            .env("XDG_DATA_HOME", &data)
            .output()
            .unwrap();
    }
    let exe = scratch.join("segscope-copy");
    fs::copy(segscope_bin(), &exe).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .args(args)
        .env("XDG_DATA_HOME", &data)
        .output()
        .expect("setpriv (util-linux) runs the test as an unprivileged user")
}

/// Asserts that a segscope process succeeded, showing its stderr if not.
pub fn ok(out: &Output) -> &Output {
    assert!(
        out.status.success(),
        "exit {:?}; stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The JSON document a successful segscope process wrote to stdout.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&ok(out).stdout).expect("stdout is only the JSON document")
}

/// What a segscope process did: its exit code and what it printed.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl From<Output> for Ran {
    fn from(out: Output) -> Self {
        Ran {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Ran {
    /// Asserts it exited 0.
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "stderr: {}", self.stderr);
        self
    }
    /// Asserts it failed (and did not panic).
    pub fn failed(&self) -> &Self {
        assert_ne!(self.code, Some(0), "should fail; stderr: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
    /// Asserts stderr holds `text`.
    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}: {}",
            self.stderr
        );
        self
    }
    /// The peak resident memory segscope reported at exit (run with
    /// `segscope::cli::PEAK_ENV` set), bytes.
    pub fn peak_bytes(&self) -> u64 {
        self.stderr
            .lines()
            .find_map(|l| l.strip_prefix("segscope: peak memory "))
            .and_then(|l| l.strip_suffix(" bytes"))
            .and_then(|n| n.parse().ok())
            .expect("segscope reports its peak memory")
    }
    /// Standard output as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}
