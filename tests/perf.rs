//! `segscope perf` and `demo-perf` on small exports: graph.py's `.dat`
//! derived by hand, every export form giving the same timings, defects as
//! located findings with the other nodes still right, and every output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::fs;

use serde_json::Value;

use util::{ok, segscope_in as segscope};

const PK: &str = "acct$pool1";

/// (RowKey, NodeId, Event, Message) of a clean pool of three nodes: a 2.x node
/// with a private registry that pulls and saves, a 3.x node with a shipyard
/// pull and two parallel pulls, and a node that torrents and loads.
const CLEAN: &[(&str, &str, &str, &str)] = &[
    (
        "1497000012.0",
        "tvm-a",
        "nodeprep:start",
        "offer=UbuntuServer,sku=16.04-LTS",
    ),
    (
        "1497000052.5",
        "tvm-a",
        "privateregistry:start",
        "ipaddress=10.0.0.4",
    ),
    ("1497000068.0", "tvm-a", "privateregistry:end", ""),
    ("1497000070.25", "tvm-a", "nodeprep:end", ""),
    ("1497000071.0", "tvm-a", "cascade:start", ""),
    ("1497000072.0", "tvm-a", "cascade:pull-start", "img=alpine"),
    (
        "1497000081.6",
        "tvm-a",
        "cascade:pull-end",
        "img=alpine,diff=9.5,size=4.1 MB",
    ),
    ("1497000081.7", "tvm-a", "cascade:save-start", "img=alpine"),
    (
        "1497000081.700001",
        "tvm-a",
        "cascade:save-end",
        "img=alpine,size=4100000,diff=0.000001",
    ),
    (
        "1497000090.000001",
        "tvm-a",
        "cascade:gr-done",
        "nglobalresources=1",
    ),
    (
        "1497000033.611512",
        "tvm-b",
        "nodeprep:start",
        "offer=ubuntu-server-container,sku=20-04-lts",
    ),
    ("1497000070.0", "tvm-b", "shipyard:pull-start", ""),
    ("1497000077.000001", "tvm-b", "shipyard:pull-end", ""),
    ("1497000080.0", "tvm-b", "nodeprep:end", ""),
    ("1497000081.0", "tvm-b", "cascade:start", "mode=docker"),
    (
        "1497000082.0",
        "tvm-b",
        "cascade:pull-start",
        "grtype=docker,img=a",
    ),
    (
        "1497000082.000001",
        "tvm-b",
        "cascade:pull-start",
        "grtype=docker,img=b",
    ),
    (
        "1497000086.0",
        "tvm-b",
        "cascade:pull-end",
        "grtype=docker,img=b,diff=3.125,size=ago 12MB",
    ),
    (
        "1497000093.0",
        "tvm-b",
        "cascade:pull-end",
        "grtype=docker,img=a,diff=10.25,size=457MB",
    ),
    (
        "1497000095.5",
        "tvm-b",
        "cascade:gr-done",
        "nglobalresources=2",
    ),
    (
        "1497000040.0",
        "tvm-c",
        "nodeprep:start",
        "offer=UbuntuServer,sku=16.04-LTS",
    ),
    ("1497000100.0", "tvm-c", "nodeprep:end", ""),
    ("1497000101.0", "tvm-c", "cascade:start", ""),
    (
        "1497000102.0",
        "tvm-c",
        "cascade:torrent-start",
        "img=alpine",
    ),
    (
        "1497000110.5",
        "tvm-c",
        "cascade:load-start",
        "img=alpine,size=4100000",
    ),
    (
        "1497000113.0",
        "tvm-c",
        "cascade:load-end",
        "img=alpine,diff=2.25",
    ),
    (
        "1497000114.0",
        "tvm-c",
        "cascade:gr-done",
        "nglobalresources=1",
    ),
];

/// graph.py's `.dat` of [`CLEAN`], worked out by hand: docker install =
/// registry start - prep start (40.5) or the whole prep without a registry
/// (80.0 - 33.611512 = 46.388488; 60.0); registry 68.0 - 52.5; shipyard
/// 77.000001 - 70.0; global resources = gr-done - cascade:start; pulls and
/// loads from `diff`, the torrent up to the load-start (8.5); sorted by start.
const CLEAN_DAT: &str = "NodePrepStartTime NodeId NodePrep+DockerInstall PrivateRegistrySetup ShipyardContainerPull GlobalResourcesLoad TotalPull TotalSave TotalLoad TotalTorrent
2017-06-09-09:20:12.000000 tvm-a 40.5 15.5 0 19.000001 9.50000 0.00000 0.00000 0.00000
2017-06-09-09:20:33.611512 tvm-b 46.388488 0 7.000001 14.5 13.37500 0.00000 0.00000 0.00000
2017-06-09-09:20:40.000000 tvm-c 60.0 0 0 13.0 0.00000 0.00000 2.25000 8.50000
";

/// A peer-to-peer seeder joining [`CLEAN`]: it pulls alpine itself, saves
/// it, then seeds it (`torrent-start`, never a `load-start`), as cascade
/// records a node that pulled an image in a peer-to-peer pool.
const SEEDER: &[(&str, &str, &str, &str)] = &[
    (
        "1497000050.0",
        "tvm-s",
        "nodeprep:start",
        "offer=UbuntuServer,sku=16.04-LTS",
    ),
    ("1497000110.0", "tvm-s", "nodeprep:end", ""),
    ("1497000111.0", "tvm-s", "cascade:start", ""),
    ("1497000112.0", "tvm-s", "cascade:pull-start", "img=alpine"),
    (
        "1497000120.0",
        "tvm-s",
        "cascade:pull-end",
        "img=alpine,diff=8.0,size=4.1 MB",
    ),
    ("1497000120.0", "tvm-s", "cascade:save-start", "img=alpine"),
    (
        "1497000122.0",
        "tvm-s",
        "cascade:save-end",
        "img=alpine,size=4100000,diff=2.0",
    ),
    (
        "1497000122.5",
        "tvm-s",
        "cascade:torrent-start",
        "img=alpine",
    ),
    (
        "1497000125.0",
        "tvm-s",
        "cascade:gr-done",
        "nglobalresources=1",
    ),
];

/// graph.py's row for [`SEEDER`]: it skips the seed's torrent (a node without
/// any load-start has no torrent), so the torrent total is 0.
const SEEDER_DAT_ROW: &str =
    "2017-06-09-09:20:50.000000 tvm-s 60.0 0 0 14.0 8.00000 2.00000 0.00000 0.00000\n";

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows in every form of specs/perf.md §2, by file name.
fn every_form(rows: &[(&str, &str, &str, &str)]) -> Vec<(&'static str, Vec<u8>)> {
    let entity = |r: &(&str, &str, &str, &str)| {
        let mut o = serde_json::json!({
            "odata.etag": "W/\"x\"",
            "PartitionKey": PK, "RowKey": r.0, "Timestamp": "2017-06-09T09:21:00Z",
            "NodeId": r.1, "Event": r.2,
        });
        if !r.3.is_empty() {
            o["Message"] = r.3.into();
        }
        o
    };
    let csv = |typed: &str, crlf: bool, bom: bool| {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut s = String::from(if bom { "\u{feff}" } else { "" });
        if typed.is_empty() {
            s.push_str("PartitionKey,RowKey,Timestamp,Event,Message,NodeId");
        } else {
            s.push_str("PartitionKey,RowKey,Timestamp,Event,Event@type,Message,Message@type,NodeId,NodeId@type");
        }
        s.push_str(nl);
        for (i, r) in rows.iter().enumerate() {
            // Typed only on the first row, as some versions write it.
            let t = if i == 0 { typed } else { "" };
            if typed.is_empty() {
                s.push_str(&format!(
                    "{PK},{},2017-06-09T09:21:00Z,{},{},{}{nl}",
                    r.0,
                    r.2,
                    csv_cell(r.3),
                    r.1
                ));
            } else {
                let mt = if r.3.is_empty() { "" } else { t };
                s.push_str(&format!(
                    "{PK},{},2017-06-09T09:21:00Z,{},{t},{},{mt},{},{t}{nl}",
                    r.0,
                    r.2,
                    csv_cell(r.3),
                    r.1
                ));
            }
        }
        s.into_bytes()
    };
    let all: Vec<Value> = rows.iter().map(entity).collect();
    // Rows in another order than the table's.
    let mut reversed = all.clone();
    reversed.reverse();
    let jsonl: String = reversed.iter().map(|v| format!("{v}\n")).collect();
    vec![
        ("typed.csv", csv("Edm.String", true, true)),
        ("bare-typed.csv", csv("String", false, false)),
        ("untyped.csv", csv("", true, false)),
        ("lines.jsonl", jsonl.into_bytes()),
        ("array.json", serde_json::to_vec(&all).unwrap()),
        (
            "odata.json",
            serde_json::to_vec(&serde_json::json!({"odata.metadata": "x", "value": reversed}))
                .unwrap(),
        ),
        (
            "az.json",
            serde_json::to_vec_pretty(&serde_json::json!({"items": all, "nextMarker": {}}))
                .unwrap(),
        ),
    ]
}

/// `segscope perf --dat DIR --json -` on `rows` in every form: per form its
/// name, the pool's `.dat` and the JSON report.
fn dat_and_report_of_every_form(
    rows: &[(&str, &str, &str, &str)],
) -> Vec<(&'static str, String, Value)> {
    let dir = tempfile::tempdir().unwrap();
    every_form(rows)
        .into_iter()
        .map(|(name, bytes)| {
            let file = dir.path().join(name);
            fs::write(&file, bytes).unwrap();
            let dat = dir.path().join(format!("{name}-dat"));
            let (file, dat_dir) = (file.to_str().unwrap(), dat.to_str().unwrap());
            let out = segscope(
                dir.path(),
                &["perf", file, "--dat", dat_dir, "--json", "-", "-q"],
            );
            ok(&out);
            let written = fs::read_to_string(dat.join("acct-pool1.dat")).unwrap();
            let report = serde_json::from_slice(&out.stdout).expect("stdout is only the JSON");
            (name, written, report)
        })
        .collect()
}

#[test]
fn the_dat_of_a_clean_export_is_graph_py_s_in_every_form() {
    let mut reports: Vec<Value> = Vec::new();
    for (name, written, mut report) in dat_and_report_of_every_form(CLEAN) {
        assert_eq!(written, CLEAN_DAT, "{name}");
        assert_eq!(report["findings"], serde_json::json!([]), "{name}");
        report.as_object_mut().unwrap().remove("path");
        report.as_object_mut().unwrap().remove("form");
        reports.push(report);
    }
    for r in &reports[1..] {
        assert_eq!(r, &reports[0], "every form gives the same timings");
    }
    let node = &reports[0]["pools"][0]["nodes"][1];
    assert_eq!(node["node_id"], "tvm-b");
    assert_eq!(node["start"], "2017-06-09T09:20:33.611512Z");
    assert_eq!(node["docker_install"], 46.388488);
    assert_eq!(node["images"][0]["img"], "a", "in order of first event");
    assert_eq!(
        node["images"][0]["size_bytes"], 457_000_000u64,
        "decimal units"
    );
    assert_eq!(
        node["images"][1]["size_bytes"], 12_000_000u64,
        "the trailing number of `ago 12MB`"
    );
    let torrent = &reports[0]["pools"][0]["nodes"][2]["images"][0];
    assert_eq!(
        (torrent["torrent"].as_f64(), torrent["load"].as_f64()),
        (Some(8.5), Some(2.25))
    );
    let summary = &reports[0]["pools"][0]["summary"]["docker_install"];
    assert_eq!(summary["count"], 3);
    assert_eq!(summary["p50"], 46.388488);
    assert_eq!(summary["max"], 60.0);
}

#[test]
fn the_dat_of_a_clean_peer_to_peer_pool_is_graph_py_s() {
    let rows: Vec<(&str, &str, &str, &str)> = CLEAN.iter().chain(SEEDER).copied().collect();
    for (name, written, report) in dat_and_report_of_every_form(&rows) {
        assert_eq!(written, format!("{CLEAN_DAT}{SEEDER_DAT_ROW}"), "{name}");
        assert_eq!(
            report["findings"],
            serde_json::json!([]),
            "{name}: a seed is no defect"
        );
        let nodes = report["pools"][0]["nodes"].as_array().unwrap();
        let seeder = nodes.iter().find(|n| n["node_id"] == "tvm-s").unwrap();
        assert_eq!(seeder["open"], serde_json::json!([]), "{name}");
    }
}

#[test]
fn defects_are_located_findings_and_the_other_nodes_are_right() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<(&str, &str, &str, &str)> = CLEAN.to_vec();
    rows.extend([
        // A node whose prep never ends, with its start repeated.
        ("1497000050.0", "tvm-d", "nodeprep:start", "offer=o,sku=s"),
        ("1497000051.0", "tvm-d", "nodeprep:start", "offer=o,sku=s"),
        // An end without a start, on another node.
        (
            "1497000060.0",
            "tvm-e",
            "cascade:pull-end",
            "img=x,diff=1.0",
        ),
        // A row whose RowKey is not a time, and a message with a piece that is
        // not key=value.
        ("yesterday", "tvm-a", "cascade:start", ""),
        ("1497000052.0", "tvm-d", "cascade:pull-start", "img=y,oops"),
    ]);
    let csv = &every_form(&rows)[2].1;
    let file = dir.path().join("bad.csv");
    fs::write(&file, csv).unwrap();
    let dat = dir.path().join("dat");
    let out = segscope(
        dir.path(),
        &[
            "perf",
            file.to_str().unwrap(),
            "--json",
            "-",
            "--dat",
            dat.to_str().unwrap(),
        ],
    );
    ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let find = |kind: &str, node: &str| {
        findings
            .iter()
            .find(|f| f["kind"] == kind && f["node"] == node)
            .unwrap_or_else(|| panic!("no {kind} finding for {node:?}: {findings:#?}"))
    };
    // Lines: the header is line 1, row i is line i + 2.
    let line_of = |key: &str| rows.iter().position(|r| r.0 == key).unwrap() + 2;
    assert_eq!(
        find("missing_end", "tvm-d")["line"],
        line_of("1497000050.0")
    );
    assert_eq!(find("duplicate", "tvm-d")["line"], line_of("1497000051.0"));
    assert_eq!(find("unmatched", "tvm-e")["line"], line_of("1497000060.0"));
    assert_eq!(find("missing_start", "tvm-e")["line"], Value::Null);
    assert_eq!(find("unreadable", "")["line"], line_of("yesterday"));
    let malformed = find("malformed", "tvm-d");
    assert_eq!(malformed["line"], line_of("1497000052.0"));
    assert!(malformed["message"].as_str().unwrap().contains("oops"));
    assert!(findings.iter().all(|f| f["file"] == file.to_str().unwrap()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "bad.csv:{}: duplicate: tvm-d:",
            line_of("1497000051.0")
        )),
        "findings located on stderr: {stderr}"
    );
    let nodes = report["pools"][0]["nodes"].as_array().unwrap();
    let d = nodes.iter().find(|n| n["node_id"] == "tvm-d").unwrap();
    assert_eq!(d["nodeprep"], Value::Null, "never ended");
    assert_eq!(
        d["open"],
        serde_json::json!(["nodeprep", "docker_install", "pull:y"]),
        "without a registry the docker install is the node prep"
    );
    // The clean nodes keep their timings: their .dat rows are graph.py's.
    let written = fs::read_to_string(dat.join("acct-pool1.dat")).unwrap();
    for line in CLEAN_DAT.lines() {
        assert!(written.contains(line), "{line}\n{written}");
    }
    assert!(
        written.contains("tvm-d NaN 0 0 0 NaN 0.00000"),
        "an open phase is gnuplot's missing value: {written}"
    );
    assert!(
        !written.contains("tvm-e"),
        "a node without a start has no row"
    );
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(!text.contains("NaN") && !text.contains("Infinity"));
}

#[test]
fn every_output_is_written_and_the_export_itself_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.csv");
    let out = segscope(
        dir.path(),
        &["demo-perf", file.to_str().unwrap(), "--nodes", "30"],
    );
    ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        file.to_str().unwrap()
    );
    let again = segscope(dir.path(), &["demo-perf", file.to_str().unwrap()]);
    assert!(!again.status.success(), "an existing file is not replaced");
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let out = segscope(
        dir.path(),
        &[
            "perf",
            &p("demo.csv"),
            "--json",
            &p("t.json"),
            "--csv",
            &p("t.csv"),
            "--trace",
            &p("trace.json"),
            "--html",
            &p("r.html"),
            "--dat",
            &p("dat"),
        ],
    );
    ok(&out);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("pool demobatch$demo-pool: 30 nodes"),
        "{summary}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    for kind in ["duplicate", "missing_end", "malformed"] {
        assert!(
            stderr.contains(&format!(": {kind}:")),
            "the demo has a {kind}: {stderr}"
        );
    }
    let csv = fs::read_to_string(p("t.csv")).unwrap();
    assert_eq!(csv.lines().count(), 31);
    assert!(csv.starts_with("pool,node_id,start,total,nodeprep,docker_install"));
    let trace: Value = serde_json::from_slice(&fs::read(p("trace.json")).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let processes = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .count();
    assert_eq!(processes, 30, "one process per node");
    assert!(
        events
            .iter()
            .filter(|e| e["ph"] == "X")
            .all(|e| e["dur"].as_i64().unwrap() >= 0 && e["ts"].is_i64())
    );
    assert_eq!(
        events.iter().filter(|e| e["ph"] == "B").count(),
        1,
        "the unfinished phase"
    );
    let html = fs::read_to_string(p("r.html")).unwrap();
    assert!(
        html.contains("<svg")
            && html.contains("Slowest nodes")
            && html.contains("tvm-1310900172_0-")
    );
    assert_eq!(fs::read_dir(p("dat")).unwrap().count(), 1);
    // Writing over the export it reads is refused before any work.
    let out = segscope(
        dir.path(),
        &["perf", &p("demo.csv"), "--csv", &p("demo.csv")],
    );
    assert!(!out.status.success());
    assert_eq!(
        fs::read(p("demo.csv")).unwrap().len(),
        fs::metadata(p("demo.csv")).unwrap().len() as usize
    );
    assert!(
        fs::read_to_string(p("demo.csv"))
            .unwrap()
            .starts_with("PartitionKey,")
    );
}

#[test]
fn what_is_not_an_export_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    fs::write(&empty, "").unwrap();
    let other = dir.path().join("other.csv");
    fs::write(&other, "a,b,c\n1,2,3\n").unwrap();
    for (path, says) in [
        (empty.clone(), "empty"),
        (other.clone(), "PartitionKey"),
        (dir.path().to_path_buf(), "not a file"),
        (dir.path().join("missing.csv"), "not a file"),
    ] {
        let out = segscope(dir.path(), &["perf", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{path:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{path:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A pool that is not there names the ones that are.
    let file = dir.path().join("clean.jsonl");
    fs::write(&file, &every_form(CLEAN)[3].1).unwrap();
    let out = segscope(
        dir.path(),
        &[
            "perf",
            file.to_str().unwrap(),
            "--pool",
            "acct$nope",
            "--json",
            "-",
        ],
    );
    ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pools"], serde_json::json!([]));
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("acct$pool1")
    );
}
