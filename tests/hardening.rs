//! The command line attacked: special files as targets, far-apart hours, hostile
//! names, racing processes, signals, read-only databases and misleading input.
//! Each test reproduces one defect the hardening review found. Nothing here
//! writes outside its temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use segscope::jobs::db::Db;
use segscope::jobs::queue::{self, TaskState};
use util::{Archive, Ran};

/// A temporary workspace: an archive, a database and a data directory.
struct Work {
    archive: Archive,
}

impl Work {
    fn new() -> Self {
        Work {
            archive: Archive::new(),
        }
    }
    fn dir(&self) -> &Path {
        self.archive.dir.path()
    }
    fn root(&self) -> PathBuf {
        self.archive.root()
    }
    fn db(&self) -> PathBuf {
        self.dir().join("segscope.db")
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(util::segscope_bin());
        c.args(args)
            .arg("--db")
            .arg(self.db())
            .env("XDG_DATA_HOME", self.dir().join("data"));
        c
    }
    fn run(&self, args: &[&str]) -> Ran {
        Ran::from(self.cmd(args).output().unwrap())
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn small(w: &Work) {
    w.archive.segs(
        "chan/source",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:02.000000", "2.0", "full"),
        ],
    );
    w.archive.segs(
        "other/source",
        &[("2024-11-09T05", "00:00.000000", "2.0", "full")],
    );
}

/// A child process killed (and reaped) when the test ends, also when it fails:
/// no scan held by a test hook outlives its test.
struct Reaped(std::process::Child);

impl std::ops::Deref for Reaped {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

// 0. The writer and special files.

#[test]
fn outputs_go_into_fifos_and_through_links_never_replacing_them() {
    let w = Work::new();
    small(&w);
    let fifo = w.dir().join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let real = w.dir().join("real.csv");
    let link = w.dir().join("link.csv");
    symlink("real.csv", &link).unwrap();
    w.run(&[
        "coverage",
        s(&w.root()),
        "--json",
        s(&fifo),
        "--csv",
        s(&link),
        "-q",
    ])
    .ok();
    let json: serde_json::Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(json["streams"].as_array().unwrap().len(), 2);
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&real)
            .unwrap()
            .starts_with("channel,quality,hour")
    );
}

#[test]
fn a_directory_as_output_is_refused_and_the_rest_written() {
    let w = Work::new();
    small(&w);
    let out = w.dir().join("out");
    fs::create_dir(&out).unwrap();
    let csv = w.dir().join("hours.csv");
    w.run(&[
        "coverage",
        s(&w.root()),
        "--json",
        s(&out),
        "--csv",
        s(&csv),
        "-q",
    ])
    .failed()
    .says("is a directory");
    assert!(out.is_dir());
    assert!(csv.is_file(), "the other output is still written");
}

// 1, 2. Memory follows the data, not the span.

/// Runs segscope; returns the exit code, its peak resident memory in bytes (as
/// it reports it at exit) and its stderr.
fn run_measured(w: &Work, args: &[&str]) -> (i32, u64, String) {
    let ran = Ran::from(
        w.cmd(args)
            .env(segscope::cli::PEAK_ENV, "1")
            .stdout(Stdio::null())
            .output()
            .unwrap(),
    );
    (ran.code.unwrap_or(-1), ran.peak_bytes(), ran.stderr)
}

const PEAK_BOUND: u64 = 200 * 1024 * 1024;

#[test]
fn hours_far_apart_cost_memory_for_their_data_only() {
    for far in ["9999-12-31T23", "1970-01-01T00"] {
        let w = Work::new();
        w.archive.segs(
            "chan/source",
            &[
                ("2024-01-01T00", "00:00.000000", "2.0", "full"),
                (far, "00:00.000000", "2.0", "full"),
            ],
        );
        let html = w.dir().join("r.html");
        let json = w.dir().join("r.json");
        let maps = w.dir().join("maps");
        let (code, peak, stderr) = run_measured(
            &w,
            &[
                "coverage",
                s(&w.root()),
                "--html",
                s(&html),
                "--json",
                s(&json),
                "--png",
                s(&maps),
            ],
        );
        assert_eq!(code, 0, "{far}: {stderr}");
        assert!(peak < PEAK_BOUND, "{far}: peak {} MB", peak >> 20);
        assert!(stderr.contains("drawn as a grey break"), "{stderr}");
        let img = image::open(maps.join("chan_source_coverage.png")).unwrap();
        assert_eq!(img.width(), 6 + 2 + 6, "two hours of data and one break");
    }
}

#[test]
fn a_far_past_from_draws_a_break_not_a_huge_map() {
    let w = Work::new();
    small(&w);
    let maps = w.dir().join("maps");
    let (code, peak, stderr) = run_measured(
        &w,
        &[
            "coverage",
            s(&w.root()),
            "--from",
            "0001-01-01",
            "--png",
            s(&maps),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(peak < PEAK_BOUND, "peak {} MB", peak >> 20);
    let img = image::open(maps.join("chan_source_coverage.png")).unwrap();
    assert_eq!(img.width(), 2 + 6);
    assert!(
        stderr.contains("no segments from 0001-01-01T00"),
        "{stderr}"
    );
}

// 3, 6. The demo generator.

#[test]
fn demo_names_are_single_components() {
    let w = Work::new();
    let victim = w.dir().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let dest = w.dir().join("demo");
    for bad in ["../victim.txt", s(&victim), "..", "a/b", ".hidden", ""] {
        w.run(&["demo", s(&dest), "--channels", bad, "--hours", "1"])
            .failed()
            .says("channel name");
        w.run(&["demo", s(&dest), "--qualities", bad, "--hours", "1"])
            .failed()
            .says("quality name");
    }
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!dest.exists());
    let entries: Vec<_> = fs::read_dir(w.dir()).unwrap().collect();
    assert!(
        entries.iter().all(|e| !e
            .as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".segscope-demo")),
        "no staging left"
    );
}

#[test]
fn demo_refuses_sizes_that_cannot_fit() {
    let w = Work::new();
    w.run(&["demo", s(&w.dir().join("d")), "--hours", "1000000"])
        .failed()
        .says("--hours 1000000 is out of range");
    assert!(!w.dir().join("d").exists());
}

#[test]
fn durations_out_of_range_are_refused_not_a_crash() {
    let w = Work::new();
    let archive = w.dir().join("a");
    std::fs::create_dir(&archive).unwrap();
    for (args, says) in [
        (
            vec!["watch", s(&archive), "--interval", "1e30", "--once"],
            "--interval",
        ),
        (
            vec!["watch", s(&archive), "--interval", "inf", "--once"],
            "--interval",
        ),
        (
            vec!["jobs", "run", "--stop-deadline", "1e300"],
            "--stop-deadline",
        ),
        (
            vec!["settings", "monitor.watch_interval_s", "1e30"],
            "a year",
        ),
        (
            vec!["settings", "monitor.critical_stall_s", "NaN"],
            "a year",
        ),
    ] {
        let ran = w.run(&args);
        ran.failed().says(says);
        assert!(!ran.stderr.contains("panicked"), "{args:?}: {}", ran.stderr);
    }
}

#[test]
fn demo_stops_on_sigterm_and_removes_its_staging() {
    let w = Work::new();
    let dest = w.dir().join("demo");
    let mut child = w
        .cmd(&["demo", s(&dest), "--hours", "200"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map(Reaped)
        .unwrap();
    // Wait until it is writing its staging directory.
    let until = Instant::now() + Duration::from_secs(60);
    let staging = || {
        fs::read_dir(w.dir())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".segscope-demo")
            })
    };
    while !staging() {
        assert!(Instant::now() < until, "no staging directory appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!staging(), "the staging directory is removed");
    assert!(!dest.exists());
}

// 4. Several processes creating one database.

#[test]
fn parallel_processes_share_one_new_database() {
    let w = Work::new();
    let children: Vec<_> = (0..6)
        .map(|_| {
            w.cmd(&["jobs", "submit", "noop"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids: Vec<i64> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{stderr}");
            assert!(!stderr.contains("warning"), "{stderr}");
            String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    let db = Db::open(&w.db()).unwrap();
    assert!(db.warnings.is_empty(), "{:?}", db.warnings);
    assert_eq!(queue::list(&db.lock(), 100).unwrap().len(), 6);
    let aside = fs::read_dir(w.dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("unusable"))
        .count();
    assert_eq!(aside, 0, "no healthy database moved aside");
}

// 5. Signals during a scan.

/// An archive of `hours` hours and a scan held after `held_after` of them.
fn held_scan(w: &Work, hours: usize, held_after: usize) -> Reaped {
    for h in 0..hours {
        w.archive.segs(
            "chan/source",
            &[(
                &format!("2024-11-{:02}T{:02}", 1 + h / 24, h % 24),
                "00:00.000000",
                "2.0",
                "full",
            )],
        );
    }
    w.cmd(&[
        "coverage",
        s(&w.root()),
        "--no-cache",
        "--json",
        s(&w.dir().join("out.json")),
        "--test-hold-after-hours",
        &held_after.to_string(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .map(Reaped)
    .unwrap()
}

#[test]
fn ctrl_c_stops_a_running_scan_writes_nothing_and_marks_the_task() {
    let w = Work::new();
    // Held after three hours, the scan could never end on its own: only the
    // signal can stop it.
    let mut child = held_scan(&w, 60, 3);
    let id = wait_for_running(&w);
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let code = wait_or_kill(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!w.dir().join("out.json").exists(), "no output after Ctrl-C");
    let db = Db::open(&w.db()).unwrap();
    let task = queue::get(&db.lock(), id).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Interrupted);
    assert!(task.progress_done <= 3, "stopped where it was held");
}

/// Waits for a child to exit (killing it after a minute: a test that hangs is a
/// failure, not a wait); returns its exit code.
fn wait_or_kill(child: &mut std::process::Child) -> Option<i32> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("the process did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_running(w: &Work) -> i64 {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < until, "the scan never started");
        if let Ok(db) = Db::open(&w.db()) {
            let tasks = queue::list(&db.lock(), 1).unwrap_or_default();
            if let Some(t) = tasks.first().filter(|t| t.state == TaskState::Running) {
                return t.id;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_ctrl_c_exits_at_once() {
    let w = Work::new();
    // A worker whose task ignores cancellation: the graceful stop is still
    // waiting for it when the second signal comes.
    let db = Db::open(&w.db()).unwrap();
    let stuck = queue::enqueue(
        &db.lock(),
        "sleep",
        &serde_json::json!({"ms": 600_000, "ignore_cancel": true}),
        None,
    )
    .unwrap();
    let mut child = w
        .cmd(&["jobs", "run", "--workers", "1", "--stop-deadline", "600"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map(Reaped)
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let until = Instant::now() + Duration::from_secs(60);
    while queue::get(&db.lock(), stuck).unwrap().unwrap().state != TaskState::Running {
        assert!(Instant::now() < until, "the task never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("worker running"));
    unsafe { libc::kill(pid, libc::SIGINT) };
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("interrupted; stopping"), "{first}");
    unsafe { libc::kill(pid, libc::SIGINT) };
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("interrupted again")),
        "{rest:?}"
    );
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

// 7. Never inside the archive, checked against its root.

#[test]
fn outputs_are_refused_anywhere_in_the_archive_of_an_opened_stream() {
    let w = Work::new();
    small(&w);
    let channel = w.root().join("chan");
    let target = w.root().join("other/x.json");
    w.run(&["coverage", s(&channel), "--json", s(&target)])
        .failed()
        .says("refusing to write inside the analysed archive");
    let quality = channel.join("source");
    let sibling = channel.join("480p.json");
    w.run(&["coverage", s(&quality), "--csv", s(&sibling)])
        .failed()
        .says("inside the analysed archive");
    // Through a symlinked parent.
    let alias = w.dir().join("alias");
    symlink(w.root(), &alias).unwrap();
    w.run(&["coverage", s(&quality), "--json", s(&alias.join("x.json"))])
        .failed()
        .says("inside the analysed archive");
    assert!(!target.exists() && !sibling.exists());
}

// 8. A read-only database file.

#[test]
fn a_read_only_database_file_falls_back_to_memory() {
    let w = Work::new();
    small(&w);
    let scratch = w.dir().join("scratch");
    fs::create_dir(&scratch).unwrap();
    let db = scratch.join("ro.db");
    drop(Db::open(&db).unwrap());
    for side in ["ro.db-wal", "ro.db-shm"] {
        let _ = fs::remove_file(scratch.join(side));
    }
    fs::set_permissions(&db, fs::Permissions::from_mode(0o444)).unwrap();
    fs::set_permissions(&scratch, fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(w.dir(), fs::Permissions::from_mode(0o755)).unwrap();
    let out = util::run_unprivileged(&scratch, &["coverage", s(&w.root()), "--db", s(&db)]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("in-memory database"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("chan/source"));
    assert!(!scratch.join("ro.db-wal").exists() && !scratch.join("ro.db-shm").exists());
}

// 9, 10. Map names.

#[test]
fn map_names_do_not_collide_and_one_failing_map_spares_the_rest() {
    let w = Work::new();
    let long = "q".repeat(250);
    for stream in ["a_b/c", "a/b_c", &format!("x/{long}")] {
        w.archive
            .segs(stream, &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    }
    let maps = w.dir().join("maps");
    let json = w.dir().join("r.json");
    let r = w.run(&[
        "coverage",
        s(&w.root()),
        "--png",
        s(&maps),
        "--json",
        s(&json),
    ]);
    r.failed().says("longer than 255 bytes");
    let mut names: Vec<String> = fs::read_dir(&maps)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["a__b_c_coverage.png", "a_b__c_coverage.png"]);
    assert!(json.is_file(), "the JSON report is still written");
    assert!(r.stdout().contains("a_b/c"), "the summary is still printed");
}

// 11. Terminal and spreadsheet injection.

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let w = Work::new();
    let evil = "ev\u{1b}[2Jil\nrow";
    w.archive.segs(
        &format!("{evil}/source"),
        &[("2024-11-09T05", "00:00.000000", "2.0", "full")],
    );
    w.archive.file(
        &format!("{evil}/source/2024-11-09T05/bad\u{1b}]0;x\u{7}.ts"),
        1,
    );
    let r = w.run(&["coverage", s(&w.root())]);
    r.ok();
    for text in [r.stdout(), r.stderr.clone()] {
        assert!(!text.contains('\u{1b}'), "raw escape in {text:?}");
    }
    assert!(
        r.stdout().contains("ev\\u{1b}[2Jil\\nrow/source"),
        "{}",
        r.stdout()
    );
    assert_eq!(r.stdout().lines().count(), 2, "one header and one row");
    // A task whose args (and so its error) hold a NUL and an escape.
    w.run(&[
        "jobs",
        "submit",
        "coverage",
        "--args",
        "{\"path\":\"/nonexistent/\\u0000\\u001b[31mred\"}",
    ])
    .ok();
    w.run(&["jobs", "run", "--until-idle"]).ok();
    let list = w.run(&["jobs", "list"]);
    let table = list.stdout();
    assert!(table.contains("failed"), "{table}");
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{0}'),
        "{table:?}"
    );
    assert!(table.contains("\\u{1b}[31mred"), "{table}");
}

#[test]
fn csv_cells_are_never_live_formulas() {
    let w = Work::new();
    w.archive.segs(
        "=HYPERLINK(\"x\")/@q",
        &[("2024-11-09T05", "00:00.000000", "2.0", "full")],
    );
    let holes = w.dir().join("holes.csv");
    let r = w.run(&[
        "coverage",
        s(&w.root()),
        "--csv",
        "-",
        "--holes-csv",
        s(&holes),
    ]);
    r.ok();
    let csv = r.stdout();
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("\"'=HYPERLINK(\"\"x\"\")\",'@q,"), "{row}");
}

// 12. Messages that say what is wrong.

#[test]
fn misleading_input_gets_a_clear_message() {
    let w = Work::new();
    small(&w);
    let root = s(&w.root()).to_string();
    w.run(&[
        "coverage",
        &root,
        "--from",
        "2024-11-10",
        "--to",
        "2024-11-09",
    ])
    .failed()
    .says("is not before --to");
    w.run(&["coverage", &root, "--channel", "nope"])
        .ok()
        .says("no channel named \"nope\"; the archive has: chan, other");
    w.run(&["coverage", &root, "--from", "2030-01-01"])
        .ok()
        .says("no hour directory in the --from/--to range");
    let hour = w.root().join("chan/source/2024-11-09T05");
    let r = w.run(&["coverage", s(&hour)]);
    r.failed().says("is an hour directory");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let empty = w.dir().join("empty");
    fs::create_dir(&empty).unwrap();
    w.run(&["coverage", s(&empty)])
        .ok()
        .says("no streams found");
    w.run(&["jobs", "retry", "999"])
        .failed()
        .says("no task 999");
    let same = w.dir().join("same.out");
    w.run(&["coverage", &root, "--json", s(&same), "--csv", s(&same)])
        .failed()
        .says("name the same file");
    w.run(&["coverage", &root, "--json", "-", "--csv", "-"])
        .failed()
        .says("only one output can go to stdout");
    let r = w.run(&["coverage", &root, "--csv", "-", "-q"]);
    assert!(r.ok().stdout().starts_with("channel,quality,hour"));
    assert!(!Path::new("-").exists());
    let missing = w.dir().join("no/such/dir/x.json");
    let r = w.run(&["coverage", &root, "--json", s(&missing)]);
    r.failed().says("no/such/dir/x.json");
    assert!(!r.stderr.contains(".segscope-"), "{}", r.stderr);
    assert_eq!(r.stderr.matches("os error").count(), 1, "{}", r.stderr);
}

#[test]
fn retrying_twice_queues_one_copy() {
    let w = Work::new();
    let db = Db::open(&w.db()).unwrap();
    let id = queue::enqueue(&db.lock(), "noop", &serde_json::json!({}), None).unwrap();
    queue::cancel(&db.lock(), id).unwrap();
    drop(db);
    let first = w.run(&["jobs", "retry", &id.to_string()]);
    first.ok();
    w.run(&["jobs", "retry", &id.to_string()])
        .failed()
        .says("already retried as task");
    let db = Db::open(&w.db()).unwrap();
    assert_eq!(queue::list(&db.lock(), 10).unwrap().len(), 2);
}

#[test]
fn json_into_a_closed_stdout_fails() {
    let w = Work::new();
    small(&w);
    // Really closed: the shell's `>&-`.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' coverage '{}' --json - --db '{}' >&-",
            util::segscope_bin().display(),
            s(&w.root()),
            s(&w.db())
        ))
        .env("XDG_DATA_HOME", w.dir().join("data"))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stderr).contains("stdout: it is closed"));
}
