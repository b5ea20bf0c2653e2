//! The job runner across processes: at-most-once claiming under contention, a
//! killed worker, graceful stop, broken databases, and the result cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use segscope::jobs::db::Db;
use segscope::jobs::queue::{self, TaskState};
use serde_json::{Value, json};
use util::Archive;

fn cmd(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(util::segscope_bin());
    c.args(args)
        .arg("--db")
        .arg(db)
        .env("XDG_DATA_HOME", db.with_extension("data"));
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    cmd(db, args).output().unwrap()
}

fn spawn(db: &Path, args: &[&str]) -> Child {
    cmd(db, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn state(db: &Db, id: i64) -> TaskState {
    queue::get(&db.lock(), id).unwrap().unwrap().state
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(60);
    while !ok() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn db_path() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("q.db");
    (dir, p)
}

#[test]
fn two_processes_run_every_task_exactly_once() {
    let (dir, path) = db_path();
    let log = dir.path().join("runs.log");
    let db = Db::open(&path).unwrap();
    let n = 2_000;
    let args: Vec<Value> = (0..n).map(|_| json!({"ms": 0, "append_to": log})).collect();
    let ids = queue::enqueue_many(&db.lock(), "sleep", &args).unwrap();
    let a = spawn(&path, &["jobs", "run", "--until-idle", "--workers", "2"]);
    let b = spawn(&path, &["jobs", "run", "--until-idle", "--workers", "2"]);
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        util::ok(&out);
    }
    let mut runs: HashMap<i64, usize> = HashMap::new();
    let mut pids: HashMap<String, usize> = HashMap::new();
    for line in fs::read_to_string(&log).unwrap().lines() {
        let (id, pid) = line.split_once(' ').unwrap();
        *runs.entry(id.parse().unwrap()).or_default() += 1;
        *pids.entry(pid.to_string()).or_default() += 1;
    }
    assert_eq!(runs.len(), n, "every task ran");
    assert!(runs.values().all(|&c| c == 1), "no task ran twice");
    assert!(ids.iter().all(|id| state(&db, *id) == TaskState::Done));
    eprintln!("tasks per process: {pids:?}");
}

#[test]
fn killed_worker_leaves_interrupted_task_and_queue_survives() {
    let (_dir, path) = db_path();
    let db = Db::open(&path).unwrap();
    let long = queue::enqueue(&db.lock(), "sleep", &json!({"ms": 60_000}), None).unwrap();
    let mut child = spawn(&path, &["jobs", "run", "--workers", "1"]);
    wait_for("the task to run", || state(&db, long) == TaskState::Running);
    let queued = queue::enqueue(&db.lock(), "noop", &json!({"after": "crash"}), None).unwrap();
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        state(&db, long),
        TaskState::Running,
        "nobody has looked yet"
    );
    let out = run(&path, &["jobs", "list", "--json"]);
    util::ok(&out);
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let row = list.iter().find(|t| t["id"] == long).unwrap();
    assert_eq!(row["state"], "interrupted");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    // Queued work survives and runs on the next start.
    let out = run(&path, &["jobs", "run", "--until-idle"]);
    util::ok(&out);
    assert_eq!(state(&db, queued), TaskState::Done);
    // The interrupted task can be re-queued.
    let out = run(&path, &["jobs", "retry", &long.to_string()]);
    let new_id: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert_eq!(state(&db, new_id), TaskState::Queued);
    let check: String = db
        .lock()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn graceful_stop_interrupts_a_task_that_ignores_cancel_and_exits() {
    let (_dir, path) = db_path();
    let db = Db::open(&path).unwrap();
    let stuck = queue::enqueue(
        &db.lock(),
        "sleep",
        &json!({"ms": 600_000, "ignore_cancel": true}),
        None,
    )
    .unwrap();
    let child = spawn(
        &path,
        &["jobs", "run", "--workers", "1", "--stop-deadline", "0.5"],
    );
    // Running and reporting progress: its worker has started it (a task only
    // claimed would go back to the queue at the stop).
    wait_for("the task to run", || {
        queue::get(&db.lock(), stuck)
            .unwrap()
            .is_some_and(|t| t.state == TaskState::Running && t.progress_total > 0)
    });
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // The task would sleep ten minutes; the worker exits at its deadline and
    // marks it so.
    let out = child.wait_with_output().unwrap();
    util::ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("marked interrupted"));
    let task = queue::get(&db.lock(), stuck).unwrap().unwrap();
    assert_eq!(task.state, TaskState::Interrupted);
    assert_eq!(
        task.error.as_deref(),
        Some("did not stop before the shutdown deadline")
    );
}

#[test]
fn jobs_cancel_and_show_from_the_command_line() {
    let (_dir, path) = db_path();
    let out = run(
        &path,
        &["jobs", "submit", "sleep", "--args", r#"{"ms": 1}"#],
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = run(&path, &["jobs", "cancel", &id]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("task {id} cancelled")
    );
    let out = run(&path, &["jobs", "show", &id]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["state"], "cancelled");
    assert_eq!(v["kind"], "sleep");
    assert!(!run(&path, &["jobs", "show", "9999"]).status.success());
    assert!(
        !run(&path, &["jobs", "submit", "noop", "--args", "{not json"])
            .status
            .success()
    );
    let out = run(&path, &["jobs"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("cancelled"));
}

fn coverage_json(db: &Path, archive: &Path, extra: &[&str]) -> Vec<u8> {
    let mut args = vec![
        "coverage",
        archive.to_str().unwrap(),
        "--json",
        "-",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = run(db, &args);
    util::ok(&out);
    out.stdout
}

fn last_coverage_result(db: &Path) -> Value {
    let out = run(db, &["jobs", "list", "--json"]);
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    list.into_iter().find(|t| t["kind"] == "coverage").unwrap()["result"].clone()
}

#[test]
fn cache_gives_the_same_report_and_sees_changed_hours() {
    let (_dir, path) = db_path();
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:02.000000", "2.0", "suspect"),
            ("2024-11-09T05", "00:02.000000", "1.0", "suspect"),
            ("2024-11-09T06", "00:00.000000", "2.0", "full"),
        ],
    );
    a.file("c/q/2024-11-09T06/bad.ts", 1);
    // Directories changed in the last two seconds are not cached.
    std::thread::sleep(Duration::from_millis(2_100));
    let fresh = coverage_json(&path, &a.root(), &["--no-cache"]);
    let first = coverage_json(&path, &a.root(), &[]);
    assert_eq!(last_coverage_result(&path)["hours_from_cache"], 0);
    let cached = coverage_json(&path, &a.root(), &[]);
    assert_eq!(last_coverage_result(&path)["hours_from_cache"], 2);
    assert_eq!(fresh, first);
    assert_eq!(
        fresh, cached,
        "a report from the cache equals a fresh scan, byte for byte"
    );
    // Opened at the quality directory, paths are relative to it, from the cache too.
    let q = a.root().join("c/q");
    let from_quality_fresh = coverage_json(&path, &q, &["--no-cache"]);
    let from_quality_cached = coverage_json(&path, &q, &[]);
    assert_eq!(last_coverage_result(&path)["hours_from_cache"], 2);
    assert_eq!(from_quality_fresh, from_quality_cached);

    // A new segment in hour 06: that hour is re-scanned, the other is not.
    a.segs("c/q", &[("2024-11-09T06", "00:02.000000", "2.0", "full")]);
    let changed = coverage_json(&path, &a.root(), &[]);
    assert_eq!(last_coverage_result(&path)["hours_from_cache"], 1);
    assert_ne!(changed, cached);
    assert_eq!(changed, coverage_json(&path, &a.root(), &["--no-cache"]));
    let v: Value = serde_json::from_slice(&changed).unwrap();
    assert_eq!(v["streams"][0]["hours"][1]["segment_count"]["full"], 2);

    let out = run(&path, &["cache", "clear"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("removed "));
    coverage_json(&path, &a.root(), &[]);
    assert_eq!(last_coverage_result(&path)["hours_from_cache"], 0);
}

/// Writes a segscope database at `path` holding a few dozen pages, then
/// damages one page in its middle (past the schema); returns the bytes.
fn damaged_database(path: &Path) -> Vec<u8> {
    let _ = fs::remove_file(path);
    Db::open(path)
        .unwrap()
        .lock()
        .execute_batch(
            "PRAGMA journal_mode=DELETE;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
             INSERT INTO settings (key, value) SELECT 'k' || i, printf('%.200c', 'v') FROM n;",
        )
        .unwrap();
    let mut bytes = fs::read(path).unwrap();
    let page = 4096;
    let at = bytes.len() / page / 2 * page;
    bytes[at..at + page].fill(0x5a);
    fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn a_damaged_database_is_moved_aside_and_every_command_goes_on() {
    let (dir, path) = db_path();
    let a = Archive::new();
    a.segs("c/q", &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    let series = dir.path().join("s.csv");
    let rows: String = (0..50)
        .map(|i| format!("{},{}\n", 1_700_000_000 + 60 * i, i % 7))
        .collect();
    fs::write(&series, format!("time,value\n{rows}")).unwrap();
    let export = dir.path().join("p.csv");
    segscope::perf::demo::write_demo_perf_export(
        &segscope::perf::demo::DemoPerfOptions {
            nodes: 4,
            ..Default::default()
        },
        &mut fs::File::create(&export).unwrap(),
    )
    .unwrap();
    let root = a.root();
    let commands: [&[&str]; 3] = [
        &["coverage", root.to_str().unwrap(), "--json", "-"],
        &["perf", export.to_str().unwrap(), "--json", "-"],
        &["anomalies", series.to_str().unwrap(), "--json", "-"],
    ];
    for args in commands {
        let bytes = damaged_database(&path);
        let out = run(&path, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("database was unusable")
                && stderr.contains("moved it to")
                && stderr.contains(path.to_str().unwrap()),
            "{args:?}: {stderr}"
        );
        serde_json::from_slice::<Value>(&out.stdout).expect("the report");
        let kept: Vec<PathBuf> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(".unusable-"))
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(
            fs::metadata(&kept[0]).unwrap().len(),
            bytes.len() as u64,
            "kept for inspection"
        );
        fs::remove_file(&kept[0]).unwrap();
        // The new database works, with no warning.
        let again = run(&path, &["jobs", "list"]);
        util::ok(&again);
        assert!(!String::from_utf8_lossy(&again.stderr).contains("warning"));
    }
}

#[test]
fn read_only_database_directory_falls_back_to_memory() {
    let a = Archive::new();
    a.segs("c/q", &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    for d in [
        a.dir.path().to_path_buf(),
        a.root(),
        a.root().join("c"),
        a.root().join("c/q"),
        a.root().join("c/q/2024-11-09T05"),
    ] {
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let ro = a.dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    let db = ro.join("segscope.db");
    let out = util::run_unprivileged(
        a.dir.path(),
        &[
            "coverage",
            a.root().to_str().unwrap(),
            "--json",
            "-",
            "--db",
            db.to_str().unwrap(),
        ],
    );
    util::ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in-memory database"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["streams"][0]["hours"][0]["raw_coverage"], 2.0);
    assert!(!db.exists());
}

#[test]
fn stale_queue_warns_work_pending() {
    let (_dir, path) = db_path();
    let db = Db::open(&path).unwrap();
    let id = queue::enqueue(&db.lock(), "noop", &json!({}), None).unwrap();
    let out = run(&path, &["jobs", "list"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("work pending"));
    db.lock()
        .execute(
            "UPDATE tasks SET created_us = created_us - 300000000 WHERE id = ?1",
            [id],
        )
        .unwrap();
    let out = run(&path, &["jobs", "list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("work pending, nothing finishing"),
        "{stderr}"
    );
    assert!(stderr.contains("no worker is running"), "{stderr}");
}

#[test]
fn coverage_records_recent_files() {
    let (_dir, path) = db_path();
    let a = Archive::new();
    a.segs("c/q", &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    coverage_json(&path, &a.root(), &[]);
    let db = Db::open(&path).unwrap();
    let recent = segscope::jobs::settings::recent(&db).unwrap();
    assert_eq!(
        recent,
        vec![
            fs::canonicalize(a.root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        ]
    );
}
