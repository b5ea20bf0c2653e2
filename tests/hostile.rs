//! The perf, anomaly, watch and settings surfaces attacked: outputs named
//! from the data landing on an input, files mistaken for databases, hostile
//! flags and settings, special files, out-of-range times, broken bytes, huge
//! messages and a stdout on /dev/null. Each test reproduces one defect of the
//! second hardening review. Nothing here writes outside its temporary
//! directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use util::Ran;

/// A temporary directory with its own database and data directory.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        Work {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(util::segscope_bin());
        c.args(args)
            .arg("--db")
            .arg(self.path("segscope.db"))
            .current_dir(self.dir.path())
            .env("XDG_DATA_HOME", self.path("data"));
        c
    }
    fn run(&self, args: &[&str]) -> Ran {
        Ran::from(self.cmd(args).output().unwrap())
    }
    /// Runs segscope reporting its peak memory; stdout is dropped.
    fn measured(&self, args: &[&str]) -> Ran {
        let ran = Ran::from(
            self.cmd(args)
                .env(segscope::cli::PEAK_ENV, "1")
                .stdout(Stdio::null())
                .output()
                .unwrap(),
        );
        ran.ok();
        ran
    }
    /// The names in `dir`, sorted.
    fn names(&self, dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A one-column series with a spike: 300 points a minute apart.
fn spike_csv() -> String {
    let mut text = String::from("time,value\n");
    for i in 0..300 {
        let v = if i == 290 {
            500.0
        } else {
            10.0 + (i % 5) as f64
        };
        text.push_str(&format!("{},{v}\n", 1_700_000_000 + 60 * i));
    }
    text
}

/// A perf export (Storage Explorer CSV) of `rows` (RowKey, node, event,
/// message) in pool `acct$pool1`.
fn perf_csv(rows: &[(&str, &str, &str, &str)]) -> String {
    let mut text = String::from("PartitionKey,RowKey,Timestamp,Event,Message,NodeId\n");
    for (rk, node, event, message) in rows {
        let message = if message.contains(',') {
            format!("\"{message}\"")
        } else {
            message.to_string()
        };
        text.push_str(&format!(
            "acct$pool1,{rk},2017-06-09T09:21:00Z,{event},{message},{node}\n"
        ));
    }
    text
}

const CLEAN_NODE: &[(&str, &str, &str, &str)] = &[
    ("1497000012.0", "tvm-a", "nodeprep:start", "offer=o,sku=s"),
    ("1497000052.5", "tvm-a", "nodeprep:end", ""),
    ("1497000053.0", "tvm-a", "cascade:start", ""),
    (
        "1497000060.0",
        "tvm-a",
        "cascade:gr-done",
        "nglobalresources=1",
    ),
];

#[test]
fn a_points_file_named_like_the_input_is_refused_and_nothing_written() {
    let w = Work::new();
    let d = w.path("d");
    fs::create_dir(&d).unwrap();
    let input = d.join("spike.csv");
    fs::write(&input, spike_csv()).unwrap();
    let before = fs::read(&input).unwrap();
    let json = w.path("report.json");
    w.run(&[
        "anomalies",
        s(&input),
        "--scan",
        "--points",
        s(&d),
        "--json",
        s(&json),
    ])
    .failed()
    .says("overwrite the input")
    .says("nothing written");
    assert_eq!(fs::read(&input).unwrap(), before, "the input is intact");
    assert_eq!(w.names(&d), ["spike.csv"], "nothing written beside it");
    assert!(!json.exists(), "no other output either");
    // Through a link: the series read through a link named like its points file.
    let real = w.path("real.csv");
    fs::write(&real, spike_csv()).unwrap();
    let e = w.path("e");
    fs::create_dir(&e).unwrap();
    symlink(&real, e.join("linked.csv")).unwrap();
    w.run(&[
        "anomalies",
        s(&e.join("linked.csv")),
        "--scan",
        "--points",
        s(&e),
    ])
    .failed()
    .says("overwrite the input");
    assert_eq!(fs::read_to_string(&real).unwrap(), spike_csv());
    // Elsewhere, the points are written.
    let out = w.path("points");
    w.run(&["anomalies", s(&input), "--scan", "--points", s(&out)])
        .ok();
    assert_eq!(w.names(&out), ["spike.csv"]);
}

#[test]
fn a_dat_file_on_the_export_is_refused_also_through_a_link() {
    let w = Work::new();
    let d = w.path("d");
    fs::create_dir(&d).unwrap();
    let export = d.join("acct-pool1.dat");
    fs::write(&export, perf_csv(CLEAN_NODE)).unwrap();
    w.run(&["perf", s(&export), "--dat", s(&d), "-q"])
        .failed()
        .says("overwrite the input")
        .says("nothing written");
    assert_eq!(fs::read_to_string(&export).unwrap(), perf_csv(CLEAN_NODE));
    assert_eq!(w.names(&d), ["acct-pool1.dat"]);
    // The .dat's name is a link to the export read.
    let real = w.path("export.csv");
    fs::write(&real, perf_csv(CLEAN_NODE)).unwrap();
    let e = w.path("e");
    fs::create_dir(&e).unwrap();
    symlink(&real, e.join("acct-pool1.dat")).unwrap();
    let json = w.path("t.json");
    w.run(&["perf", s(&real), "--dat", s(&e), "--json", s(&json), "-q"])
        .failed()
        .says("overwrite the input");
    assert_eq!(fs::read_to_string(&real).unwrap(), perf_csv(CLEAN_NODE));
    assert!(!json.exists(), "nothing written before the check");
    // A single-file output on the export names it as the input.
    w.run(&["perf", s(&real), "--csv", s(&real)])
        .failed()
        .says("overwrite the input");
}

#[test]
fn a_file_that_is_no_segscope_database_is_refused_not_moved() {
    let w = Work::new();
    let csv = w.path("s.csv");
    fs::write(&csv, spike_csv()).unwrap();
    let ran = Ran::from(
        Command::new(util::segscope_bin())
            .args(["settings", "--db", s(&csv)])
            .env("XDG_DATA_HOME", w.path("data"))
            .output()
            .unwrap(),
    );
    ran.failed().says("s.csv is not a segscope database");
    assert_eq!(fs::read_to_string(&csv).unwrap(), spike_csv());
    assert_eq!(
        w.names(w.dir.path()),
        ["s.csv"],
        "nothing moved aside or made"
    );
}

#[test]
fn hostile_windows_and_settings_are_refused_never_a_panic() {
    let w = Work::new();
    let input = w.path("spike.csv");
    fs::write(&input, spike_csv()).unwrap();
    for window in [
        "1é",
        "é",
        "1\u{1F600}",
        "0",
        "-5m",
        "1e400d",
        "99999999999999999999",
    ] {
        w.run(&[
            "anomalies",
            s(&input),
            "--scan",
            &format!("--window={window}"),
        ])
        .failed()
        .says("--window");
    }
    w.run(&["settings", "anomaly.scan_window", "1é"])
        .failed()
        .says("1é");
    for (flag, value) in [
        ("--consensus", "0"),
        ("--consensus", "10"),
        ("--consensus", "-1"),
    ] {
        w.run(&["anomalies", s(&input), &format!("{flag}={value}")])
            .failed()
            .says("--consensus");
    }
    w.run(&["settings", "anomaly.consensus", "18446744073709551615"])
        .failed()
        .says("from 1 to 9");
    // Values stored behind segscope's back are named by their key, and the
    // run goes on with the default.
    let db = segscope::jobs::db::Db::open(&w.path("segscope.db")).unwrap();
    segscope::jobs::settings::set(&db, "anomaly.scan_window", "1é").unwrap();
    segscope::jobs::settings::set(&db, "anomaly.consensus", "18446744073709551615").unwrap();
    drop(db);
    let ran = w.run(&["anomalies", s(&input), "--scan", "--json", "-"]);
    ran.ok()
        .says("stored setting anomaly.scan_window")
        .says("stored setting anomaly.consensus");
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(report["summary"]["consensus"], 6, "the default");
    assert_eq!(
        report["summary"]["scan"]["window"], "1440 points",
        "the default"
    );
}

#[test]
fn a_fifo_is_refused_and_leaves_no_task_running() {
    let w = Work::new();
    let fifo = w.path("pipe.csv");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Bounded: a hang is a failure, not a stuck test.
    let mut child = w
        .cmd(&["anomalies", s(&fifo)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let status = status.expect("segscope anomalies on a FIFO hung");
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("FIFO"), "{stderr}");
    let db = segscope::jobs::db::Db::open(&w.path("segscope.db")).unwrap();
    let tasks = segscope::jobs::queue::list(&db.lock(), 10).unwrap();
    assert!(
        tasks
            .iter()
            .all(|t| t.state != segscope::jobs::queue::TaskState::Running),
        "no task left running"
    );
}

#[test]
fn out_of_range_times_negative_lengths_and_bad_sizes_are_findings() {
    let w = Work::new();
    let mut rows = CLEAN_NODE.to_vec();
    rows.extend([
        // Times no event has: far before 1900 and after 9999.
        ("-9000000000000", "tvm-x", "nodeprep:start", "offer=o,sku=s"),
        ("9000000000000", "tvm-x", "nodeprep:end", ""),
        // The registry starts before the node prep.
        ("1497000100.0", "tvm-b", "nodeprep:start", "offer=o,sku=s"),
        (
            "1497000000.0",
            "tvm-b",
            "privateregistry:start",
            "ipaddress=1",
        ),
        ("1497000005.0", "tvm-b", "privateregistry:end", ""),
        ("1497000150.0", "tvm-b", "nodeprep:end", ""),
        ("1497000151.0", "tvm-b", "cascade:pull-start", "img=i"),
        (
            "1497000160.0",
            "tvm-b",
            "cascade:pull-end",
            "img=i,diff=-5,size=1e400 MB",
        ),
    ]);
    let export = w.path("p.csv");
    fs::write(&export, perf_csv(&rows)).unwrap();
    let dat = w.path("dat");
    let ran = w.run(&["perf", s(&export), "--json", "-", "--dat", s(&dat), "-q"]);
    ran.ok();
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();
    let text = ran.stdout();
    assert!(!text.contains("invalid-time"), "{text}");
    let findings = report["findings"].as_array().unwrap();
    let said = |what: &str| {
        findings
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains(what) && f["line"].is_u64())
    };
    assert!(said("from the year 1900 to 9999"), "{findings:?}");
    assert!(said("before nodeprep:start"), "{findings:?}");
    assert!(said("diff=-5 is negative"), "{findings:?}");
    assert!(said("size=\"1e400 MB\""), "{findings:?}");
    let nodes = report["pools"][0]["nodes"].as_array().unwrap();
    assert!(
        nodes.iter().all(|n| n["node_id"] != "tvm-x"),
        "no row, no node"
    );
    let b = nodes.iter().find(|n| n["node_id"] == "tvm-b").unwrap();
    assert_eq!(b["docker_install"], Value::Null);
    assert_eq!(b["images"][0]["size_bytes"], Value::Null, "not 400 MB");
    assert!(b["images"][0]["pull"].as_f64().unwrap() > 0.0);
    let dat_text = fs::read_to_string(dat.join("acct-pool1.dat")).unwrap();
    assert!(!dat_text.contains(" -"), "no negative figure: {dat_text}");
}

#[test]
fn broken_bytes_and_rows_are_located_and_the_rest_is_read() {
    let w = Work::new();
    // A series with one byte that is not UTF-8, and one whose first data
    // row has a bad time.
    let mut bytes = spike_csv().into_bytes();
    let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 3;
    bytes.insert(at, 0xff);
    let broken = w.path("broken.csv");
    fs::write(&broken, &bytes).unwrap();
    let bad_time = w.path("badtime.csv");
    fs::write(
        &bad_time,
        spike_csv().replacen("1700000000,", "17000x0000,", 1),
    )
    .unwrap();
    let ran = w.run(&["anomalies", s(&broken), s(&bad_time), "--json", "-"]);
    ran.ok().says("broken.csv:2:").says("badtime.csv:2:");
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();
    for series in report["series"].as_array().unwrap() {
        assert_eq!(series["points"], 299, "{series}");
    }
    // A JSON Lines export with a line that is not UTF-8.
    let mut jsonl = Vec::new();
    for (rk, node, event, message) in CLEAN_NODE {
        jsonl.extend_from_slice(
            format!(
                "{{\"PartitionKey\":\"acct$pool1\",\"RowKey\":\"{rk}\",\"NodeId\":\"{node}\",\"Event\":\"{event}\",\"Message\":\"{message}\"}}\n"
            )
            .as_bytes(),
        );
    }
    jsonl.extend_from_slice(b"{\"PartitionKey\":\"\xff\"}\n");
    let export = w.path("p.jsonl");
    fs::write(&export, &jsonl).unwrap();
    let ran = w.run(&["perf", s(&export), "--json", "-"]);
    ran.ok().says("p.jsonl:5:");
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(report["pools"][0]["nodes"].as_array().unwrap().len(), 1);
    // UTF-16 is named as such.
    let utf16: Vec<u8> = spike_csv()
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let wide = w.path("utf16.csv");
    fs::write(&wide, utf16).unwrap();
    w.run(&["anomalies", s(&wide)]).failed().says("UTF-16");
    w.run(&["perf", s(&wide)]).failed().says("UTF-16");
    // A folder of series files is no archive, and says so.
    let folder = w.path("series");
    fs::create_dir(&folder).unwrap();
    fs::write(folder.join("a.csv"), spike_csv()).unwrap();
    w.run(&["anomalies", s(&folder)])
        .failed()
        .says("no segment archive")
        .says("a.csv");
}

#[test]
fn a_huge_message_is_cut_on_the_terminal() {
    let w = Work::new();
    let mut rows = CLEAN_NODE.to_vec();
    let huge = format!("img=x,{}", "y".repeat(5_000_000));
    rows.push(("1497000061.0", "tvm-a", "cascade:pull-start", &huge));
    let export = w.path("p.csv");
    fs::write(&export, perf_csv(&rows)).unwrap();
    let ran = w.run(&["perf", s(&export)]);
    ran.ok().says("[cut: ");
    assert!(
        ran.stderr.len() < 100_000,
        "{} bytes on stderr",
        ran.stderr.len()
    );
}

#[test]
fn node_ids_with_control_characters_never_reach_the_csv_raw() {
    let w = Work::new();
    let rows: Vec<(&str, &str, &str, &str)> = CLEAN_NODE
        .iter()
        .map(|r| (r.0, "tvm-\u{1b}[2J\u{7}", r.2, r.3))
        .collect();
    let export = w.path("p.csv");
    fs::write(&export, perf_csv(&rows)).unwrap();
    let ran = w.run(&["perf", s(&export), "--csv", "-"]);
    ran.ok();
    assert!(!ran.stdout.contains(&0x1b) && !ran.stdout.contains(&0x07));
    assert!(
        ran.stdout().contains("tvm-\\u{1b}[2J\\u{7}"),
        "{}",
        ran.stdout()
    );
}

#[test]
fn hidden_points_file_names_are_made_visible() {
    let w = Work::new();
    // Series named "" and "." would give `.csv` and `..csv`.
    let points: Vec<String> = (0..200)
        .map(|i| format!("[{}, {}]", i % 3, 1_700_000_000 + 60 * i))
        .collect();
    let points = points.join(",");
    let text = format!(
        "[{{\"target\": \"\", \"datapoints\": [{points}]}}, {{\"target\": \".\", \"datapoints\": [{points}]}}]"
    );
    let input = w.path("m.json");
    fs::write(&input, text).unwrap();
    let out = w.path("points");
    w.run(&["anomalies", s(&input), "--scan", "--points", s(&out)])
        .ok();
    let names = w.names(&out);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn the_in_memory_warning_is_printed_once() {
    let w = Work::new();
    let input = w.path("spike.csv");
    fs::write(&input, spike_csv()).unwrap();
    // A database whose directory cannot be made: a file stands in its way.
    fs::write(w.path("blocker"), b"x").unwrap();
    let ran = Ran::from(
        Command::new(util::segscope_bin())
            .args(["anomalies", s(&input), "--db", s(&w.path("blocker/x.db"))])
            .env("XDG_DATA_HOME", w.path("data"))
            .output()
            .unwrap(),
    );
    ran.ok();
    assert_eq!(ran.stderr.matches("in-memory").count(), 1, "{}", ran.stderr);
}

#[test]
fn a_stdout_on_dev_null_opened_read_write_is_a_working_output() {
    let w = Work::new();
    let export = w.path("p.csv");
    fs::write(&export, perf_csv(CLEAN_NODE)).unwrap();
    // As Python's subprocess.DEVNULL and systemd's StandardOutput=null open it.
    let devnull = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap();
    let out = w
        .cmd(&["perf", s(&export), "--json", "-"])
        .stdout(Stdio::from(devnull))
        .output()
        .unwrap();
    let ran = Ran::from(out);
    ran.ok();
    assert!(!ran.stderr.contains("closed"), "{}", ran.stderr);
}

#[test]
fn big_outputs_are_written_as_they_are_made() {
    let w = Work::new();
    let export = w.path("big.csv");
    let made = w.measured(&[
        "demo-perf",
        s(&export),
        "--nodes",
        "10000",
        "--images",
        "10",
    ]);
    let size = fs::metadata(&export).unwrap().len();
    assert!(
        made.peak_bytes() < size / 2,
        "demo-perf held {} MB for a {} MB export",
        made.peak_bytes() >> 20,
        size >> 20
    );
    let json = w.measured(&["perf", s(&export), "--json", s(&w.path("t.json")), "-q"]);
    let trace = w.measured(&["perf", s(&export), "--trace", s(&w.path("t.trace")), "-q"]);
    assert!(
        trace.peak_bytes() < json.peak_bytes() + json.peak_bytes() / 4,
        "the trace took {} MB where the JSON report took {} MB",
        trace.peak_bytes() >> 20,
        json.peak_bytes() >> 20
    );
    let parsed: Value = serde_json::from_slice(&fs::read(w.path("t.trace")).unwrap()).unwrap();
    assert!(parsed["traceEvents"].as_array().unwrap().len() > 100_000);
}

#[test]
fn many_series_cost_a_bounded_amount_each_and_too_many_are_refused() {
    let w = Work::new();
    let columns = 200_000;
    let mut text = String::from("time");
    for c in 0..columns {
        text.push_str(&format!(",c{c}"));
    }
    text.push('\n');
    for r in 0..3 {
        text.push_str(&format!("{}", 1_700_000_000 + 60 * r));
        for c in 0..columns {
            text.push_str(&format!(",{}", (c + r) % 7));
        }
        text.push('\n');
    }
    let wide = w.path("wide.csv");
    fs::write(&wide, &text).unwrap();
    let ran = w.measured(&["anomalies", s(&wide), "--json", s(&w.path("r.json")), "-q"]);
    assert!(
        ran.peak_bytes() < 350 << 20,
        "{columns} series took {} MB",
        ran.peak_bytes() >> 20
    );
    // More columns than one run judges: refused at once, by name.
    let too_wide = w.path("too-wide.csv");
    let header = format!(
        "time{}\n",
        ",c".repeat(segscope::anomaly::run::MAX_SERIES + 1)
    );
    fs::write(&too_wide, header + "1700000000,1\n").unwrap();
    w.run(&["anomalies", s(&too_wide)])
        .failed()
        .says("one run judges at most 1000000");
}
