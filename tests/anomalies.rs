//! `segscope anomalies` on series files: the verdict per series, each
//! algorithm's vote with its statistic and threshold, the run's summary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::fs;

use serde_json::Value;
use util::segscope_in;

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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
fn a_perf_export_gives_a_series_per_phase_and_an_archive_is_not_yet_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| segscope_in(dir.path(), args);
    assert!(
        run(&["demo-perf", "pool.csv", "--nodes", "300"])
            .status
            .success()
    );
    let out = run(&["anomalies", "pool.csv", "--json", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
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
    fs::create_dir(dir.path().join("archive")).unwrap();
    let out = run(&["anomalies", "archive"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a file"));
}
