//! The command line on generated archives: output shapes, files written, exit
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! codes and every kind of bad input.

mod util;

use std::fs;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use util::{Archive, H};

fn segscope(args: &[&str]) -> Output {
    Command::new(util::segscope_bin())
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn small_archive() -> Archive {
    let a = Archive::new();
    a.segs(
        "zeta/source",
        &[
            ("2024-11-09T05", "59:50.000000", "2.0", "full"),
            ("2024-11-09T06", "00:40.123000", "2.0", "full"),
            ("2024-11-09T06", "00:42.123000", "2.0", "partial"),
        ],
    );
    a.segs(
        "alpha/source",
        &[("2024-11-09T05", "00:00.000000", "2.0", "full")],
    );
    a.segs(
        "alpha/480p",
        &[("2024-11-09T05", "00:00.000000", "2.0", "suspect")],
    );
    a.file("alpha/480p/2024-11-09T05/garbage.ts", 1);
    a
}

#[test]
fn json_to_stdout_has_the_documented_shape() {
    let a = small_archive();
    let out = segscope(&["coverage", s(&a.root()), "--json", "-"]);
    let v = util::json(&out);
    assert_eq!(v["root"], s(&a.root()));
    let streams = v["streams"].as_array().unwrap();
    let names: Vec<(String, String)> = streams
        .iter()
        .map(|s| {
            (
                s["channel"].as_str().unwrap().into(),
                s["quality"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("alpha".into(), "480p".into()),
            ("alpha".into(), "source".into()),
            ("zeta".into(), "source".into())
        ]
    );
    let zeta = &streams[2];
    assert_eq!(zeta["first_start"], "2024-11-09T05:59:50.000000Z");
    assert_eq!(zeta["last_end"], "2024-11-09T06:00:44.123000Z");
    let hours = zeta["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 2);
    let keys: Vec<&str> = hours[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "hour",
            "segment_count",
            "segment_duration",
            "raw_coverage",
            "editable_coverage",
            "raw_holes",
            "editable_holes",
            "raw_hole_duration",
            "editable_hole_duration",
            "overlap_count",
            "overlap_duration",
            "partial_only"
        ]
    );
    assert_eq!(hours[0]["hour"], "2024-11-09T05");
    assert_eq!(hours[1]["segment_count"]["partial"], 1);
    assert_eq!(hours[1]["segment_count"]["bad"], 0);
    assert_eq!(hours[1]["partial_only"], 2.0);
    assert_eq!(hours[0]["raw_hole_duration"], 8.0);
    assert_eq!(hours[1]["raw_hole_duration"], 40.123);
    let holes = zeta["holes"].as_array().unwrap();
    assert_eq!(
        holes.len(),
        2,
        "one raw and one editable hole, each listed once"
    );
    assert_eq!(holes[0]["kind"], "raw");
    assert_eq!(holes[1]["kind"], "editable");
    assert_eq!(holes[0]["start"], "2024-11-09T05:59:52.000000Z");
    assert_eq!(holes[0]["end"], "2024-11-09T06:00:40.123000Z");
    assert_eq!(holes[0]["duration"], 48.123);
    let bad = &streams[0]["bad_segments"];
    assert_eq!(bad[0]["path"], "alpha/480p/2024-11-09T05/garbage.ts");
    assert_eq!(
        bad[0]["reason"],
        "expected 4 fields separated by '-', found 1"
    );
    assert_eq!(streams[0]["hours"][0]["segment_count"]["bad"], 1);
    // The summary goes to stderr when stdout carries JSON.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("zeta/source"), "{stderr}");
    assert!(stderr.contains("1 bad segments"), "{stderr}");
}

#[test]
fn stream_without_best_segment_has_null_span() {
    let a = Archive::new();
    a.file(
        &format!("c/q/2024-11-09T05/00:00.000000-2.0-temp-{H}.ts"),
        1,
    );
    let v = util::json(&segscope(&["coverage", s(&a.root()), "--json", "-"]));
    assert_eq!(v["streams"][0]["first_start"], Value::Null);
    assert_eq!(v["streams"][0]["last_end"], Value::Null);
    assert_eq!(v["streams"][0]["hours"][0]["raw_coverage"], 0.0);
}

#[test]
fn files_are_written_csv_png_prom() {
    let a = small_archive();
    let out_dir = a.dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let (j, c, p, m) = (
        out_dir.join("r.json"),
        out_dir.join("h.csv"),
        out_dir.join("m.prom"),
        out_dir.join("maps"),
    );
    let out = segscope(&[
        "coverage",
        s(&a.root()),
        "--json",
        s(&j),
        "--csv",
        s(&c),
        "--prom",
        s(&p),
        "--png",
        s(&m),
        "--quality",
        "source",
    ]);
    util::ok(&out);
    let v: Value = serde_json::from_slice(&fs::read(&j).unwrap()).unwrap();
    assert_eq!(
        v["streams"].as_array().unwrap().len(),
        2,
        "--quality source keeps two streams"
    );
    let csv = fs::read_to_string(&c).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 3);
    assert!(lines[0].starts_with("channel,quality,hour,segment_count_full"));
    assert!(
        lines[3].starts_with("zeta,source,2024-11-09T06,1,0,1,0,2,0,2,"),
        "{}",
        lines[3]
    );
    let prom = fs::read_to_string(&p).unwrap();
    assert!(prom.contains("# TYPE raw_coverage gauge"));
    assert!(prom.contains("segment_count{channel=\"zeta\",quality=\"source\",hour=\"2024-11-09T06\",type=\"partial\"} 1.0"));
    assert!(prom.contains(
        "editable_holes{channel=\"zeta\",quality=\"source\",hour=\"2024-11-09T05\"} 1.0"
    ));
    assert!(prom.contains("overlap_duration{channel=\"alpha\",quality=\"source\",hour=\"2024-11-09T05\",type=\"full\"} 0.0"));
    // Maps: two hours -> 12 x 300, three colours only.
    let img = image::open(m.join("zeta_source_coverage.png"))
        .unwrap()
        .to_rgba8();
    assert_eq!(img.dimensions(), (12, 300));
    let blue = image::Rgba([0x1f, 0x77, 0xb4, 255]);
    let orange = image::Rgba([0xff, 0x7f, 0x0e, 255]);
    let white = image::Rgba([255, 255, 255, 255]);
    // 05:59:50-05:59:52 is row 295-295 of column 5; 05:59:52 onward is a hole.
    assert_eq!(*img.get_pixel(5, 295), blue);
    assert_eq!(*img.get_pixel(5, 296), white);
    assert_eq!(*img.get_pixel(0, 0), white, "before the data span");
    // 06:00:42.123-06:00:44.123 is partial-only: pixel 21 ([42 s, 44 s)) of column 6
    // is orange; pixel 22 reaches past the last end, so it is white.
    assert_eq!(*img.get_pixel(6, 21), orange);
    assert_eq!(*img.get_pixel(6, 22), white);
    assert_eq!(
        *img.get_pixel(6, 20),
        white,
        "the hole ends inside pixel 20"
    );
    assert!(
        img.pixels()
            .all(|p| *p == blue || *p == orange || *p == white)
    );
    assert!(m.join("alpha_source_coverage.png").exists());
    // No temporary files are left behind.
    let leftovers: Vec<_> = fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("segscope-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn refuses_to_write_inside_the_archive() {
    let a = small_archive();
    let target = a.root().join("report.json");
    let out = segscope(&["coverage", s(&a.root()), "--json", s(&target)]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("refusing to write inside the analysed archive")
    );
    assert!(!target.exists());
}

#[test]
fn unreadable_path_exits_nonzero_with_one_line() {
    let a = Archive::new();
    let missing = a.dir.path().join("nope");
    let out = segscope(&["coverage", s(&missing), "--json", "-"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("No such file") && err.contains("nope"),
        "{err}"
    );

    let file = a.dir.path().join("file");
    fs::write(&file, b"x").unwrap();
    let out = segscope(&["coverage", s(&file)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a directory"));
}

#[test]
fn symlinks_are_reported_not_followed() {
    let a = Archive::new();
    a.segs("c/q", &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    // A loop where an hour should be, a link to a real hour, and a link loop among segments.
    symlink("2024-11-09T07", a.root().join("c/q/2024-11-09T07")).unwrap();
    symlink(
        a.root().join("c/q/2024-11-09T05"),
        a.root().join("c/q/2024-11-09T06"),
    )
    .unwrap();
    symlink("loop", a.root().join("c/loop")).unwrap();
    let v = util::json(&segscope(&["coverage", s(&a.root()), "--json", "-"]));
    let warnings: Vec<(String, String)> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["path"].as_str().unwrap().into(),
                w["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert_eq!(warnings[0].0, "c/loop");
    assert!(warnings[0].1.contains("not followed"));
    assert_eq!(warnings[1].0, "c/q/2024-11-09T06");
    assert!(warnings.iter().all(|w| w.1.contains("symbolic link")));
    assert_eq!(v["streams"][0]["hours"].as_array().unwrap().len(), 1);
}

#[test]
fn segment_symlink_loop_with_size_needed_is_a_warning() {
    // Two partials at one start need sizes; one is a symlink loop (like a file
    // vanishing between listing and stat): it loses, with a located warning.
    let a = Archive::new();
    a.file(
        &format!("c/q/2024-11-09T05/00:00.000000-1.0-partial-{H}.ts"),
        10,
    );
    let looped = a
        .root()
        .join("c/q/2024-11-09T05/00:00.000000-2.0-partial-AAAA.ts");
    symlink(&looped, &looped).unwrap();
    let v = util::json(&segscope(&["coverage", s(&a.root()), "--json", "-"]));
    assert_eq!(v["streams"][0]["hours"][0]["raw_coverage"], 1.0);
    let w = &v["warnings"][0];
    assert_eq!(
        w["path"],
        "c/q/2024-11-09T05/00:00.000000-2.0-partial-AAAA.ts"
    );
    assert!(
        w["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read file size"),
        "{w}"
    );
}

#[test]
fn non_utf8_name_is_a_bad_segment() {
    let a = Archive::new();
    a.segs("c/q", &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    let name = std::ffi::OsStr::from_bytes(b"00:02.000000-2.0-full-\xff\xfe.ts");
    fs::write(a.root().join("c/q/2024-11-09T05").join(name), b"").unwrap();
    let v = util::json(&segscope(&["coverage", s(&a.root()), "--json", "-"]));
    let bad = &v["streams"][0]["bad_segments"][0];
    assert_eq!(bad["reason"], "name is not UTF-8");
    assert_eq!(
        bad["path"],
        "c/q/2024-11-09T05/00:02.000000-2.0-full-\u{fffd}\u{fffd}.ts"
    );
    assert_eq!(v["streams"][0]["hours"][0]["segment_count"]["bad"], 1);
}

#[test]
fn directories_and_files_in_the_wrong_place_are_warnings() {
    let a = Archive::new();
    a.segs("c/q", &[("2024-11-09T05", "00:00.000000", "2.0", "full")]);
    a.dir("c/q/2024-11-09T05/nested")
        .file("c/notes.txt", 1)
        .file("stray", 1)
        .dir(".git/objects");
    let v = util::json(&segscope(&["coverage", s(&a.root()), "--json", "-"]));
    let paths: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec!["c/notes.txt", "c/q/2024-11-09T05/nested", "stray"]
    );
    assert_eq!(v["streams"][0]["hours"][0]["segment_count"]["full"], 1);
}

#[test]
fn permission_denied_hour_is_a_warning_and_the_rest_goes_on() {
    let a = Archive::new();
    a.segs(
        "c/q",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T06", "00:00.000000", "2.0", "full"),
        ],
    );
    for d in [
        a.dir.path().to_path_buf(),
        a.root(),
        a.root().join("c"),
        a.root().join("c/q"),
    ] {
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let locked = a.root().join("c/q/2024-11-09T06");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let out = util::run_unprivileged(a.dir.path(), &["coverage", s(&a.root()), "--json", "-"]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let v = util::json(&out);
    let w = &v["warnings"][0];
    assert_eq!(w["path"], "c/q/2024-11-09T06");
    assert!(
        w["message"].as_str().unwrap().contains("Permission denied"),
        "{w}"
    );
    assert_eq!(v["streams"][0]["hours"][0]["segment_count"]["full"], 1);
}

#[test]
fn from_and_to_select_hours() {
    let a = Archive::new();
    for h in ["2024-11-09T04", "2024-11-09T05", "2024-11-09T06"] {
        a.segs("c/q", &[(h, "00:00.000000", "2.0", "full")]);
    }
    let v = util::json(&segscope(&[
        "coverage",
        s(&a.root()),
        "--from",
        "2024-11-09T05:30",
        "--to",
        "2024-11-09T06:00:00Z",
        "--json",
        "-",
    ]));
    let hours: Vec<&str> = v["streams"][0]["hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hour"].as_str().unwrap())
        .collect();
    assert_eq!(hours, vec!["2024-11-09T05"]);
    let bad = segscope(&["coverage", s(&a.root()), "--from", "soon"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot read time"));
}

#[test]
fn demo_is_deterministic_and_coverage_demo_generates_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (d1, d2) = (tmp.path().join("d1"), tmp.path().join("d2"));
    for d in [&d1, &d2] {
        let out = segscope(&["demo", s(d), "--hours", "3", "--seed", "7"]);
        util::ok(&out);
    }
    let j = |d: &Path| {
        let mut v = util::json(&segscope(&["coverage", s(d), "--json", "-"]));
        v["root"] = Value::Null;
        v
    };
    let (v1, v2) = (j(&d1), j(&d2));
    assert_eq!(v1, v2);
    // The demo holds what it promises.
    let streams = v1["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 4);
    let all_holes: Vec<f64> = streams
        .iter()
        .flat_map(|s| s["holes"].as_array().unwrap().iter())
        .map(|h| h["duration"].as_f64().unwrap())
        .collect();
    assert!(all_holes.iter().any(|&d| d < 0.1), "a hole of a few ms");
    assert!(
        all_holes.iter().any(|&d| d > 600.0),
        "a hole of many minutes"
    );
    let sum = |key: &str, ty: &str| -> f64 {
        streams
            .iter()
            .flat_map(|s| s["hours"].as_array().unwrap().iter())
            .map(|h| {
                if ty.is_empty() {
                    h[key].as_f64().unwrap()
                } else {
                    h[key][ty].as_f64().unwrap()
                }
            })
            .sum()
    };
    assert!(sum("segment_count", "suspect") > 0.0);
    assert!(sum("segment_count", "bad") > 0.0);
    assert!(sum("overlap_count", "full") > 0.0);
    assert!(sum("partial_only", "") > 10.0);
    assert!(!v1["warnings"].as_array().unwrap().is_empty());
    // Existing directories are never overwritten.
    assert!(!segscope(&["demo", s(&d1)]).status.success());

    let home = tmp.path().join("xdg");
    let out = Command::new(util::segscope_bin())
        .args(["coverage", "--demo", "--json", "-"])
        .env("XDG_DATA_HOME", &home)
        .output()
        .unwrap();
    let v = util::json(&out);
    assert_eq!(v["streams"].as_array().unwrap().len(), 4);
    assert!(home.join("segscope/demo-archive/desertbus/source").is_dir());
}

#[test]
fn report_writes_a_self_contained_html_file() {
    let a = small_archive();
    let html = a.dir.path().join("report.html");
    let out = segscope(&["report", s(&a.root()), "--html", s(&html), "--quiet"]);
    util::ok(&out);
    let text = fs::read_to_string(&html).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        text.matches("<img class=\"map\"").count(),
        3,
        "one embedded map per stream"
    );
    assert!(
        text.contains("src=\"data:image/png;base64,iVBORw0KGgo"),
        "maps are embedded PNGs"
    );
    assert!(
        !text.contains("src=\"http"),
        "nothing is loaded from elsewhere"
    );
    assert!(text.contains("<td class=\"l\">2024-11-09T05:59:52.000000Z</td><td class=\"l\">2024-11-09T06:00:40.123000Z</td><td>48.123000</td>"));
    assert!(text.contains("garbage.ts"));
    assert!(text.contains("2024-11-09T06"));
}

#[test]
fn exports_refuse_the_archive_and_write_every_format() {
    use segscope::export::kinds::{ExportKind, Subject, export_to};
    let a = small_archive();
    let analysis = segscope::analysis::analyse(
        &a.root(),
        &Default::default(),
        &segscope::analysis::NoObserver,
    )
    .unwrap();
    let inside = a.root().join("x.csv");
    assert!(
        export_to(
            ExportKind::HolesCsv,
            Subject::Coverage(&analysis),
            &a.root(),
            &inside
        )
        .unwrap_err()
        .contains("refusing")
    );
    let out = a.dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    for kind in ExportKind::ALL {
        let target = out.join(kind.file_name("archive"));
        let msg = export_to(kind, Subject::Coverage(&analysis), &a.root(), &target).unwrap();
        assert!(msg.starts_with("Saved"), "{msg}");
        match kind.render(Subject::Coverage(&analysis)) {
            Some(bytes) => assert_eq!(fs::read(&target).unwrap(), bytes, "{kind:?}"),
            None => assert!(target.join("alpha_source_coverage.png").exists()),
        }
    }
    let holes = fs::read_to_string(out.join("archive-holes.csv")).unwrap();
    assert!(holes.lines().count() > 1);
}
