//! `segscope anomalies` on series files: the verdict per series, each
//! algorithm's vote with its statistic and threshold, the run's summary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::fs;

use serde_json::Value;
use util::segscope_in;

/// Runs segscope in `dir` with `args` (which write the JSON report to
/// stdout), requires success and returns the report.
fn report_of(dir: &std::path::Path, args: &[&str]) -> Value {
    util::json(&segscope_in(dir, args))
}

#[test]
fn a_spike_is_anomalous_a_quiet_series_normal_and_an_old_one_stale() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = 1_700_000_000i64;
    let quiet: String = (0..200)
        .map(|i| format!("{},{}\n", t0 + i * 60, 10.0 + ((i * 37) % 11) as f64 / 10.0))
        .collect();
    let spike = format!(
        "time,value\n{quiet}{},30\n{},31\n{},32\n",
        t0 + 200 * 60,
        t0 + 201 * 60,
        t0 + 202 * 60
    );
    fs::write(dir.path().join("spike.csv"), &spike).unwrap();
    // The quiet series ends three points (180 s) earlier: still fresh.
    fs::write(dir.path().join("quiet.csv"), format!("time,value\n{quiet}")).unwrap();
    let old: String = (0..200)
        .map(|i| format!("{},{}\n", t0 - 100_000 + i * 60, i % 7))
        .collect();
    fs::write(dir.path().join("old.csv"), old).unwrap();
    let out = segscope_in(
        dir.path(),
        &[
            "anomalies",
            "spike.csv",
            "quiet.csv",
            "old.csv",
            "--json",
            "-",
            "--html",
            "report.html",
            "--csv",
            "votes.csv",
        ],
    );
    util::ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is only the JSON");
    let series = report["series"].as_array().unwrap();
    let by_name = |n: &str| series.iter().find(|s| s["name"] == n).unwrap();
    assert_eq!(by_name("spike")["outcome"], "anomalous");
    assert_eq!(by_name("spike")["datapoint"], 32.0);
    let grubbs = &by_name("spike")["algorithms"]["grubbs"];
    assert_eq!(grubbs["vote"], true);
    assert!(grubbs["statistic"].as_f64().unwrap() > grubbs["threshold"].as_f64().unwrap());
    assert_eq!(by_name("spike")["algorithms"].as_object().unwrap().len(), 9);
    assert_eq!(by_name("quiet")["outcome"], "normal");
    assert_eq!(by_name("old")["outcome"], "Stale");
    let summary = &report["summary"];
    assert_eq!(summary["outcomes"]["anomalous"], 1);
    assert_eq!(summary["outcomes"]["Stale"], 1);
    assert_eq!(summary["breakdown"]["grubbs"], 1);
    assert!(summary["timing"]["analysis_s"].is_number());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("NaN") && !text.contains("Infinity"));
    let csv = fs::read_to_string(dir.path().join("votes.csv")).unwrap();
    let mut rows = csv.lines();
    assert!(rows.next().unwrap().starts_with(
        "name,points,dropped,duplicates,outcome,datapoint,votes,median_absolute_deviation,grubbs,"
    ));
    let spike_csv = rows.find(|r| r.starts_with("spike,")).unwrap();
    assert!(
        spike_csv.starts_with("spike,203,0,0,anomalous,32,"),
        "{spike_csv}"
    );
    let stale_csv = csv.lines().find(|r| r.starts_with("old,")).unwrap();
    assert!(
        stale_csv.ends_with(",,,,,,,,,"),
        "no votes for a stale series: {stale_csv}"
    );
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("1 anomalous, 1 normal"), "{html}");
    let spike_row = html.find("<td class=\"l\">spike</td>").unwrap();
    assert!(
        spike_row < html.find("<td class=\"l\">quiet</td>").unwrap(),
        "anomalous first"
    );

    // Fewer algorithms than the consensus is refused with a message.
    let out = segscope_in(
        dir.path(),
        &["anomalies", "spike.csv", "--algorithms", "grubbs,ks_test"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("consensus 6 is more than the 2"));
}

#[test]
fn a_perf_export_gives_a_series_per_phase() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| segscope_in(dir.path(), args);
    assert!(
        run(&["demo-perf", "pool.csv", "--nodes", "300"])
            .status
            .success()
    );
    let report = report_of(dir.path(), &["anomalies", "pool.csv", "--json", "-"]);
    let names: Vec<&str> = report["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"demobatch$demo-pool/total"), "{names:?}");
    assert!(names.contains(&"demobatch$demo-pool/docker_install"));
    let total = report["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "demobatch$demo-pool/total")
        .unwrap();
    assert_eq!(total["points"], 299, "one per node that finished");
    assert!(report["summary"]["errors"].as_array().unwrap().is_empty());
    let out = run(&["anomalies", "missing.csv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.csv does not exist"));
}

#[test]
fn an_archive_gives_series_per_stream_and_the_scan_writes_every_point() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| segscope_in(dir.path(), args);
    assert!(run(&["demo", "arch", "--hours", "3"]).status.success());
    let report = report_of(
        dir.path(),
        &[
            "anomalies",
            "arch",
            "--scan",
            "--window",
            "2h",
            "--points",
            "pts",
            "--json",
            "-",
        ],
    );
    let series = report["series"].as_array().unwrap();
    let names: Vec<&str> = series.iter().map(|s| s["name"].as_str().unwrap()).collect();
    for what in [
        "segment_duration",
        "segments_per_minute",
        "covered_seconds_per_minute",
        "coverage_per_hour",
    ] {
        assert!(
            names.contains(&format!("desertbus/source/{what}").as_str()),
            "{what}: {names:?}"
        );
    }
    assert_eq!(names.len(), 4 * 4, "two channels, two qualities");
    assert_eq!(report["summary"]["scan"]["window"], "7200 s");
    // Every scanned series has its points file, one row per point.
    let per_minute = series
        .iter()
        .find(|s| s["name"] == "desertbus/source/segments_per_minute")
        .unwrap();
    assert_eq!(per_minute["points"], 180, "three hours of minutes");
    let csv = fs::read_to_string(
        dir.path()
            .join("pts/desertbus_source_segments_per_minute.csv"),
    )
    .unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("timestamp,value,votes,score"));
    assert_eq!(lines.clone().count(), 180);
    assert!(lines.next().unwrap().starts_with("2024-11-09T00:00:00Z,"));
    assert_eq!(fs::read_dir(dir.path().join("pts")).unwrap().count(), 16);
    // --bitrate adds a series per stream from the segments' sizes.
    let report = report_of(
        dir.path(),
        &["anomalies", "arch", "--bitrate", "--json", "-"],
    );
    let rates: Vec<&Value> = report["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap().ends_with("/bitrate"))
        .collect();
    assert_eq!(rates.len(), 4);
    let source = rates
        .iter()
        .find(|s| s["name"] == "desertbus/source/bitrate")
        .unwrap();
    let segments = series
        .iter()
        .find(|s| s["name"] == "desertbus/source/segment_duration")
        .unwrap();
    assert_eq!(
        source["points"], segments["points"],
        "one point per best segment"
    );
    assert!(
        source["datapoint"].as_f64().unwrap() > 100_000.0,
        "{source}"
    );
    // Nothing was written into the archive, and --points inside it is refused.
    let out = run(&["anomalies", "arch", "--scan", "--points", "arch/pts"]);
    assert!(!out.status.success());
    assert!(!dir.path().join("arch/pts").exists());
}

#[test]
fn the_scan_marks_the_spike_and_names_files_safely() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = 1_700_000_000i64;
    let mut csv = String::from("time,cpu load,mem\n");
    for i in 0..600 {
        let wiggle = ((i * 37) % 11) as f64 / 10.0;
        let cpu = if (400..403).contains(&i) {
            60.0 + i as f64 - 400.0
        } else {
            10.0 + wiggle
        };
        csv.push_str(&format!("{},{cpu},{}\n", t0 + i * 60, 5.0 + wiggle));
    }
    fs::write(dir.path().join("host.csv"), csv).unwrap();
    let out = segscope_in(
        dir.path(),
        &[
            "anomalies",
            "host.csv",
            "--scan",
            "--window",
            "300",
            "--points",
            "pts",
            "--html",
            "report.html",
            "--json",
            "-",
        ],
    );
    util::ok(&out);
    // The report draws the flagged series with its marked points.
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    let chart = html
        .find("<h4>host/cpu load")
        .expect("the flagged series is drawn");
    let svg = &html[chart..html[chart..].find("</svg>").unwrap() + chart];
    assert!(
        svg.contains("<polyline") && svg.contains("<circle"),
        "{svg}"
    );
    assert!(
        svg.contains("2023-11-15T04:53:20Z value 60"),
        "the spike's tooltip"
    );
    assert!(
        !html.contains("<h4>host/mem"),
        "a quiet series is not drawn"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cpu = report["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "host/cpu load")
        .unwrap();
    let spike = "2023-11-15T04:53:20Z"; // t0 + 400 min
    let anomalies: Vec<&str> = cpu["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(anomalies.contains(&spike), "{anomalies:?}");
    assert!(cpu["max_score"].as_f64().unwrap() > 0.6);
    let points = fs::read_to_string(dir.path().join("pts/host_cpu_load.csv")).unwrap();
    let row = points.lines().find(|l| l.starts_with(spike)).unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[1], "60");
    assert!(cells[2].parse::<u8>().unwrap() >= 6, "{row}");
    let quiet = points.lines().nth(200).unwrap();
    let cells: Vec<&str> = quiet.split(',').collect();
    assert!(cells[2].parse::<u8>().unwrap() < 6, "{quiet}");
    assert!(cells[3].parse::<f64>().unwrap() < 0.3, "{quiet}");
    assert!(dir.path().join("pts/host_mem.csv").exists());
}

#[test]
fn stored_settings_are_used_and_flags_override_them() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| segscope_in(dir.path(), args);
    let t0 = 1_700_000_000i64;
    let body: String = (0..200)
        .map(|i| format!("{},{}\n", t0 + i * 60, 10.0 + ((i * 37) % 11) as f64 / 10.0))
        .collect();
    fs::write(dir.path().join("s.csv"), body).unwrap();
    let set = run(&["settings", "anomaly.consensus", "2"]);
    util::ok(&set);
    assert_eq!(
        String::from_utf8_lossy(&set.stdout),
        "anomaly.consensus = 2\n"
    );
    assert!(
        run(&["settings", "anomaly.algorithms", "grubbs,ks_test"])
            .status
            .success()
    );
    let bad = run(&["settings", "anomaly.consensus", "none"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`none` is not a whole number"));
    let listed = String::from_utf8(run(&["settings"]).stdout).unwrap();
    assert!(listed.contains("anomaly.consensus = 2\n"), "{listed}");
    assert!(
        listed.contains("anomaly.stale_period_s = 500 (default)"),
        "{listed}"
    );
    let report = |extra: &[&str]| -> Value {
        let mut args = vec!["anomalies", "s.csv", "--json", "-"];
        args.extend_from_slice(extra);
        let out = run(&args);
        util::ok(&out);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let stored = report(&[]);
    assert_eq!(stored["summary"]["consensus"], 2);
    assert_eq!(
        stored["summary"]["algorithms"],
        serde_json::json!(["grubbs", "ks_test"])
    );
    let flagged = report(&["--consensus", "1", "--algorithms", "all"]);
    assert_eq!(flagged["summary"]["consensus"], 1);
    assert_eq!(
        flagged["summary"]["algorithms"].as_array().unwrap().len(),
        9
    );
    assert!(
        run(&["settings", "anomaly.consensus", "--reset"])
            .status
            .success()
    );
    let out = run(&["anomalies", "s.csv"]);
    assert!(
        !out.status.success(),
        "default consensus 6 of the 2 stored algorithms"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("consensus 6 is more than the 2"));
    assert!(
        run(&["settings", "anomaly.algorithms", "--reset"])
            .status
            .success()
    );
    assert_eq!(report(&[])["summary"]["consensus"], 6);
}

/// `segscope bench anomalies --heldout DIR` scores labelled series that are
/// not NAB's: every detector's NAB-style score and average precision; a
/// series whose labelled stretch is a level shift ranks it high, and a broken
/// file is named with its line.
#[test]
fn the_held_out_benchmark_scores_labelled_series_and_names_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    for (k, name) in ["a", "b"].iter().enumerate() {
        let series = set.join(name);
        fs::create_dir_all(&series).unwrap();
        let mut state = 11u64 + k as u64;
        let rows: String = (0..3000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state % 1000) as f64 / 1000.0;
                let shifted = (2000..2100).contains(&i);
                let v = 10.0 + noise + if shifted { 3.0 } else { 0.0 };
                format!("{i},{v},{}\n", u8::from(shifted))
            })
            .collect();
        fs::write(
            series.join("test.csv"),
            format!("timestamp,value-0,is_anomaly\n{rows}"),
        )
        .unwrap();
    }
    let out = segscope_in(
        dir.path(),
        &["bench", "anomalies", "--detection-only", "--heldout", "set"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("held-out set set (2 series, 6000 points):"),
        "{text}"
    );
    let ap = |detector: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{detector}:")))
            .unwrap_or_else(|| panic!("no line for {detector}: {text}"));
        line.rsplit("average precision ")
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    // The shift is three times the noise's whole range: segscope ranks its
    // points first.
    assert!(ap("segscope") > 0.9, "{text}");
    assert!((0.0..=1.0).contains(&ap("rolling z-score (previous 1,440 points)")));
    assert!(
        text.contains("(give --nab DIR for NAB's threshold)"),
        "{text}"
    );

    fs::write(
        set.join("b/test.csv"),
        "timestamp,value-0,is_anomaly\n0,1,0\n1,oops,0\n",
    )
    .unwrap();
    let out = segscope_in(
        dir.path(),
        &["bench", "anomalies", "--detection-only", "--heldout", "set"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b/test.csv:3") && err.contains("bad value `oops`"),
        "{err}"
    );
}
