//! `segscope watch`: the monitor tree of an archive judged by the alert
//! rules, following an archive while it is written (only changed hours
//! scanned again, figures converging to a fresh scan's), the metrics
//! endpoint scraped by curl and checked by promtool, a clean stop on SIGINT.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use util::{Archive, segscope_bin, segscope_in};

/// `count` 2 s segments from second `from` of `hour` (`CHANNEL/QUALITY`).
fn write_segments(root: &Path, stream: &str, hour: &str, from: u32, count: u32, kind: &str) {
    let dir = root.join(stream).join(hour);
    std::fs::create_dir_all(&dir).unwrap();
    for k in 0..count {
        let s = from + 2 * k;
        let name = format!("{:02}:{:02}.000000-2.0-{kind}-h{s:05}.ts", s / 60, s % 60);
        std::fs::write(dir.join(name), [0u8; 100]).unwrap();
    }
}

#[test]
fn once_prints_the_tree_with_each_hour_judged_by_the_rules() {
    let a = Archive::new();
    let root = a.root();
    // 05: clean; 06: a 4 s hole; 07: a 30 s hole.
    write_segments(&root, "chan/src", "2024-11-09T05", 0, 1800, "full");
    write_segments(&root, "chan/src", "2024-11-09T06", 0, 50, "full");
    write_segments(&root, "chan/src", "2024-11-09T06", 104, 1748, "full");
    write_segments(&root, "chan/src", "2024-11-09T07", 0, 50, "full");
    write_segments(&root, "chan/src", "2024-11-09T07", 130, 1735, "full");
    let out = segscope_in(a.dir.path(), &["watch", root.to_str().unwrap(), "--once"]);
    util::ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |hour: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(hour))
            .unwrap_or_else(|| panic!("no {hour} in {text}"))
            .to_string()
    };
    assert!(line("2024-11-09T05").contains(" green "), "{text}");
    assert!(line("2024-11-09T06").contains(" orange "), "{text}");
    let red = line("2024-11-09T07");
    assert!(
        red.contains(" red ") && red.contains("longest 30.0 s"),
        "{red}"
    );
    let archive = text.lines().find(|l| l.starts_with("archive ")).unwrap();
    assert!(
        archive.starts_with("archive ") && archive.contains(" red "),
        "{text}"
    );
    assert!(
        text.contains("3 points: 1 green, 1 orange, 1 red"),
        "{text}"
    );
    assert!(text.contains("  queue "), "segscope's own points: {text}");

    // The rules are settings: a 30 s hole is fine with a 60 s limit.
    let set = segscope_in(a.dir.path(), &["settings", "monitor.red_hole_s", "60"]);
    util::ok(&set);
    let out = segscope_in(a.dir.path(), &["watch", root.to_str().unwrap(), "--once"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let line07 = text.lines().find(|l| l.contains("2024-11-09T07")).unwrap();
    assert!(line07.contains(" orange "), "{text}");
    // The alert changes were kept.
    let db = segscope::jobs::db::Db::open(&a.dir.path().join("data/segscope/segscope.db")).unwrap();
    let history =
        segscope::monitor::history::recent(&db, Some("archive/chan/src/2024-11-09T07"), 10)
            .unwrap();
    assert_eq!(
        history[0].new,
        segscope::monitor::Level::Orange,
        "{history:?}"
    );
    assert_eq!(history[0].old, segscope::monitor::Level::None);
}

#[test]
fn a_watched_archive_being_written_converges_and_metrics_are_served() {
    for tool in ["curl", "promtool"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is missing: run scripts/install-deps (Debian: curl, prometheus)"
        );
    }
    let a = Archive::new();
    let root = a.root();
    write_segments(&root, "chan/src", "2024-11-09T03", 0, 1800, "full");
    write_segments(&root, "chan/src", "2024-11-09T04", 0, 1800, "full");
    write_segments(&root, "chan/low", "2024-11-09T04", 0, 1800, "full");
    // Settled hours (unchanged for two seconds) are reused by later scans.
    std::thread::sleep(Duration::from_millis(2200));
    let settings = segscope_in(a.dir.path(), &["settings", "monitor.critical_stall_s", "1"]);
    util::ok(&settings);
    let mut child = Command::new(segscope_bin())
        .args(["watch"])
        .arg(&root)
        .args(["--interval", "0.3", "--metrics-addr", "127.0.0.1:0"])
        .current_dir(a.dir.path())
        .env("XDG_DATA_HOME", a.dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let stdout = child.stdout.take().unwrap();
    let printed = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let mut lines: Vec<String> = Vec::new();
    let wait_line = |what: &str, lines: &mut Vec<String>, done: &dyn Fn(&str) -> bool| -> String {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what}: {lines:#?}"));
            lines.push(line.clone());
            if done(&line) {
                return line;
            }
        }
    };
    let serving = wait_line("metrics address", &mut lines, &|l| {
        l.contains("serving metrics at")
    });
    let url = serving.split("at ").nth(1).unwrap().trim().to_string();
    wait_line("a first scan", &mut lines, &|l| {
        l.contains("scanned 3 of 3 hours")
    });

    // Write the newest hour while it is watched: segments arrive, a temp
    // segment becomes full, one is deleted.
    let writer_root = root.clone();
    let writer = std::thread::spawn(move || {
        for k in 0..30u32 {
            write_segments(
                &writer_root,
                "chan/src",
                "2024-11-09T05",
                k * 20,
                10,
                "full",
            );
            if k == 10 {
                write_segments(&writer_root, "chan/src", "2024-11-09T05", 1000, 1, "temp");
                let dir = writer_root.join("chan/src/2024-11-09T05");
                std::fs::rename(
                    dir.join("16:40.000000-2.0-temp-h01000.ts"),
                    dir.join("16:40.000000-2.0-full-h01000.ts"),
                )
                .unwrap();
            }
            if k == 20 {
                let dir = writer_root.join("chan/src/2024-11-09T05");
                std::fs::remove_file(dir.join("00:00.000000-2.0-full-h00000.ts")).unwrap();
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    });
    writer.join().unwrap();
    // Settle, then at least two more scans; every scan after the first read
    // at most the hour being written.
    std::thread::sleep(Duration::from_millis(2500));
    let mark = lines.len();
    wait_line("a scan after the writes", &mut lines, &|l| {
        l.contains("scanned 0 of 4 hours")
    });
    for l in lines.iter().filter(|l| l.contains(" scanned ")).skip(1) {
        let n: usize = l
            .split("scanned ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(n <= 1, "only the written hour is scanned again: {l}");
    }
    assert!(
        lines[mark..]
            .iter()
            .all(|l| !l.contains("segscope: watch:")),
        "{lines:#?}"
    );

    // The metrics: valid for promtool, and the per-hour figures of a fresh
    // full scan.
    let scraped = Command::new("curl")
        .args(["-sf", url.as_str()])
        .output()
        .unwrap();
    assert!(scraped.status.success(), "curl failed");
    let body = String::from_utf8(scraped.stdout).unwrap();
    // promtool parses it (exit 1 would be a format error); its only lint
    // complaints may be about segment_coverage's own names, kept for
    // compatibility (`segment_count`, `overlap_count` are gauges).
    let (status, said) = Command::new("promtool")
        .args(["check", "metrics"])
        .output_with(&body);
    assert!(status == Some(0) || status == Some(3), "promtool: {said}");
    for complaint in said.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            complaint.starts_with("overlap_count ") || complaint.starts_with("segment_count "),
            "promtool: {said}"
        );
    }
    let fresh = segscope_in(
        a.dir.path(),
        &[
            "coverage",
            root.to_str().unwrap(),
            "--no-cache",
            "--prom",
            "-",
            "-q",
        ],
    );
    util::ok(&fresh);
    for line in String::from_utf8(fresh.stdout).unwrap().lines() {
        assert!(body.contains(line), "the watch serves {line}");
    }
    assert!(
        body.contains("segscope_alert_level{point=\"archive/chan/src/2024-11-09T05\"}"),
        "{body}"
    );
    // The stream that stopped growing is Critical after a second.
    assert!(
        body.contains("segscope_alert_level{point=\"archive/chan/src/2024-11-09T05\"} 100"),
        "{body}"
    );

    // SIGINT stops it cleanly.
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    wait_line("the stop", &mut lines, &|l| l.contains("watch stopped"));
    let trees = printed.join().unwrap();
    assert!(trees.contains("critical"), "{trees}");
}

/// Runs a command with `input` on stdin: (exit code, stdout and stderr).
trait OutputWith {
    fn output_with(&mut self, input: &str) -> (Option<i32>, String);
}

impl OutputWith for Command {
    fn output_with(&mut self, input: &str) -> (Option<i32>, String) {
        use std::io::Write as _;
        let mut child = self
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }
}
