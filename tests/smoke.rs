//! The real window under a virtual X display (Xvfb, software OpenGL): the app opens
//! an archive, waits for the analysis, draws the map, saves a screenshot of itself
//! and exits 0. The screenshot must show the map's colours.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::path::Path;
use std::process::{Command, Output};

use util::Archive;

/// One virtual display at a time: `xvfb-run -a` picks a free display number, and
/// two picking at once can collide.
static DISPLAY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Takes the virtual display for one test; fails clearly without Xvfb.
fn display() -> std::sync::MutexGuard<'static, ()> {
    let has_xvfb = Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_xvfb,
        "xvfb-run is missing: run scripts/install-deps (Debian: xvfb xauth libgl1-mesa-dri)"
    );
    DISPLAY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `segscope gui ARGS --db DIR/gui.db` in the real window under Xvfb
/// with software OpenGL, its data directory in `dir`.
fn run_window<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: impl IntoIterator<Item = S>) -> Output {
    Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_segscope"))
        .arg("gui")
        .args(args)
        .arg("--db")
        .arg(dir.join("gui.db"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .output()
        .unwrap()
}

/// Fails the test unless the window exited 0.
fn exited_cleanly(out: &Output) {
    assert!(
        out.status.success(),
        "the window did not exit cleanly: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Opens `input` in the real window on `view`, saves a screenshot and the
/// view as PNG once it is drawn, exits; fails the test unless it exits 0.
fn window_shows(dir: &Path, input: &Path, view: &str, shot: &Path, png: &Path) {
    let out = run_window(
        dir,
        [
            input.as_os_str(),
            "--show".as_ref(),
            view.as_ref(),
            "--screenshot".as_ref(),
            shot.as_os_str(),
            "--export-view".as_ref(),
            png.as_os_str(),
            "--exit-when-done".as_ref(),
        ],
    );
    exited_cleanly(&out);
}

#[test]
fn real_window_saves_a_screenshot_showing_the_map() {
    let _display = display();
    let a = Archive::new();
    // Two hours of full segments with a 10-minute hole and a partial-only minute.
    let mut segs = Vec::new();
    let times: Vec<String> = (0..1800)
        .map(|i| format!("{:02}:{:02}.000000", i * 2 / 60, i * 2 % 60))
        .collect();
    for hour in ["2024-11-09T05", "2024-11-09T06"] {
        for (i, t) in times.iter().enumerate() {
            if hour == "2024-11-09T05" && (600..900).contains(&i) {
                continue;
            }
            let kind = if hour == "2024-11-09T06" && (100..130).contains(&i) {
                "partial"
            } else {
                "full"
            };
            segs.push((hour, t.as_str(), "2.0", kind));
        }
    }
    a.segs("desertbus/source", &segs);
    let shot = a.dir.path().join("shot.png");
    let root = a.root();
    let out = run_window(
        a.dir.path(),
        [
            root.as_os_str(),
            "--screenshot".as_ref(),
            shot.as_os_str(),
            "--exit-when-done".as_ref(),
        ],
    );
    exited_cleanly(&out);
    let img = image::open(&shot).expect("a PNG screenshot").to_rgba8();
    assert_eq!(img.dimensions(), (1280, 800));
    let count = |rgb: [u8; 3]| img.pixels().filter(|p| p.0[..3] == rgb).count();
    let blue = count([0x1f, 0x77, 0xb4]);
    let orange = count([0xff, 0x7f, 0x0e]);
    assert!(
        blue > 20_000,
        "the coverage map is drawn in blue ({blue} pixels)"
    );
    assert!(
        orange > 50,
        "partial-only time is drawn in orange ({orange} pixels)"
    );
}

#[test]
fn real_window_exits_nonzero_when_the_archive_cannot_be_read() {
    let _display = display();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-archive");
    let out = run_window(
        dir.path(),
        [missing.as_os_str(), "--exit-when-done".as_ref()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read archive") && err.contains("no-such-archive"),
        "{err}"
    );
}

#[test]
fn real_window_exports_the_visible_timeline_as_png() {
    let _display = display();
    let a = Archive::new();
    let times: Vec<String> = (0..1800)
        .map(|i| format!("{:02}:{:02}.000000", i * 2 / 60, i * 2 % 60))
        .collect();
    // A 10-minute hole from 05:20 to 05:30.
    let segs: Vec<(&str, &str, &str, &str)> = times
        .iter()
        .enumerate()
        .filter(|(i, _)| !(600..900).contains(i))
        .map(|(_, t)| ("2024-11-09T05", t.as_str(), "2.0", "full"))
        .collect();
    a.segs("c/q", &segs);
    let view = a.dir.path().join("view.png");
    let root = a.root();
    let out = run_window(
        a.dir.path(),
        [
            root.as_os_str(),
            "--view".as_ref(),
            "2024-11-09T05:10,2024-11-09T05:40".as_ref(),
            "--export-view".as_ref(),
            view.as_os_str(),
            "--exit-when-done".as_ref(),
        ],
    );
    exited_cleanly(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Saved the view to"));
    let img = image::open(&view).unwrap().to_rgba8();
    let (w, h) = img.dimensions();
    assert!(
        w > 1000 && w <= 1280 && h > 40 && h < 800,
        "the timeline, cropped: {w}x{h}"
    );
    // The saved view says what it shows: its caption row (title, range, the
    // key to the colours) is on top; the key's partial-only swatch is there,
    // a colour this archive's lane never shows.
    let partial = segscope::gui::shell::theme::DARK.partial_only;
    let caption_has_key = (0..28.min(h))
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .any(|(x, y)| img.get_pixel(x, y).0[..3] == [partial.r(), partial.g(), partial.b()]);
    assert!(caption_has_key, "the caption's key is in the saved view");
    // The middle third of the view is the hole: its middle column is red, the edges blue.
    let row = h / 2;
    let at = |x: u32| img.get_pixel(x, row).0;
    let red = crate_hole_colour();
    assert_eq!(at(w * 55 / 100)[..3], red, "inside the hole");
    assert_eq!(at(w - 20)[..3], [0x1f, 0x77, 0xb4], "after the hole");
}

/// The hole colour of the theme the window starts in (dark unless the system says light).
fn crate_hole_colour() -> [u8; 3] {
    let c = segscope::gui::shell::theme::DARK.hole;
    [c.r(), c.g(), c.b()]
}

#[test]
fn real_window_frame_benchmark_reports_every_figure() {
    let _display = display();
    let dir = tempfile::tempdir().unwrap();
    let demo = util::demo_archive(dir.path(), 2);
    let out = run_window(
        dir.path(),
        [
            demo.as_os_str(),
            "--bench-frames".as_ref(),
            "20".as_ref(),
            "--no-cache".as_ref(),
        ],
    );
    exited_cleanly(&out);
    let report = String::from_utf8_lossy(&out.stdout);
    let ms = |label: &str| -> f64 {
        let line = report
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label:?} in {report}"));
        line[label.len()..]
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no figure in {line:?}"))
    };
    let lanes = ms("first lanes drawn after");
    let done = ms("analysis finished after");
    // (On an archive this small the scan can end before the first frame; the
    // order of the two is tested on a held scan in tests/gui.rs.)
    assert!(lanes > 0.0 && done > 0.0, "{report}");
    assert_eq!(ms("frames"), 20.0);
    assert!(report.contains("hovering segments ms"), "{report}");
}

#[test]
fn real_window_opens_a_perf_export_on_its_gantt() {
    let _display = display();
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("pool.csv");
    let made = Command::new(env!("CARGO_BIN_EXE_segscope"))
        .arg("demo-perf")
        .arg(&export)
        .args(["--nodes", "60"])
        .output()
        .unwrap();
    assert!(made.status.success());
    let shot = dir.path().join("gantt.png");
    let view = dir.path().join("view.png");
    window_shows(dir.path(), &export, "gantt", &shot, &view);
    let img = image::open(&shot).expect("a PNG screenshot").to_rgba8();
    let count = |rgb: [u8; 3]| img.pixels().filter(|p| p.0[..3] == rgb).count();
    let prep = count([0x8c, 0x9e, 0xb5]);
    let global = count([0x94, 0x67, 0xbd]);
    let pulls = count([0x17, 0xbe, 0xcf]);
    assert!(prep > 5_000, "node prep bars ({prep} pixels)");
    assert!(global > 1_000, "global resources bars ({global} pixels)");
    assert!(pulls > 1_000, "image pull bars ({pulls} pixels)");
    let saved = image::open(&view).expect("the view PNG").to_rgba8();
    assert!(
        saved.width() > 600 && saved.height() > 200,
        "{:?}",
        saved.dimensions()
    );
    assert!(
        saved.width() < 1280 || saved.height() < 800,
        "the view, not the window"
    );
}

#[test]
fn real_window_opens_a_series_file_on_its_anomalies_view() {
    let _display = display();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cpu.csv");
    let mut csv = String::from("time,value\n");
    for i in 0..2000 {
        let v = 10.0
            + ((i * 37) % 11) as f64 / 10.0
            + if (1500..1503).contains(&i) { 40.0 } else { 0.0 };
        csv.push_str(&format!("{},{v}\n", 1_700_000_000 + i * 60));
    }
    std::fs::write(&file, csv).unwrap();
    let shot = dir.path().join("anomalies.png");
    let view = dir.path().join("view.png");
    window_shows(dir.path(), &file, "anomalies", &shot, &view);
    let img = image::open(&shot).expect("a PNG screenshot").to_rgba8();
    let count = |rgb: [u8; 3]| img.pixels().filter(|p| p.0[..3] == rgb).count();
    // segscope::gui::anomaly::plot::{ANOMALY, SCORE}
    let score_rgb = [203, 75, 22];
    let marks = count([220, 50, 47]);
    let score = count(score_rgb);
    assert!(marks > 30, "the flagged points are marked ({marks} pixels)");
    assert!(score > 100, "the score band is drawn ({score} pixels)");
    // The band's colour, drawn or filled (blended over the dark background,
    // and anti-aliased on a steep edge): orange, not the flagged points' red.
    let orange = |p: &image::Rgba<u8>| {
        let [r, g, b, _] = p.0.map(u32::from);
        r > 90 && r > 2 * g && g > b + 10
    };
    let tallest = (0..img.width())
        .map(|x| {
            (0..img.height())
                .filter(|&y| orange(img.get_pixel(x, y)))
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(
        tallest > 40,
        "the spike's score fills the band ({tallest} pixels high)"
    );
    let saved = image::open(&view).expect("the view PNG").to_rgba8();
    assert!(
        saved.width() > 600 && saved.height() > 200,
        "{:?}",
        saved.dimensions()
    );
}

#[test]
fn real_window_opens_a_fleet_from_a_node_file() {
    use segscope::bench::restreamer::{Behaviour, Restreamer};
    let _display = display();
    let times: Vec<String> = (0..1800)
        .map(|i| format!("{:02}:{:02}.000000", i * 2 / 60, i * 2 % 60))
        .collect();
    // Two nodes of one hour, each missing a different 10 minutes.
    let node = |skip: std::ops::Range<usize>| {
        let a = Archive::new();
        let segs: Vec<(&str, &str, &str, &str)> = times
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, t)| ("2024-11-09T05", t.as_str(), "2.0", "full"))
            .collect();
        a.segs("desertbus/source", &segs);
        a
    };
    let (a, b) = (node(300..600), node(900..1200));
    let (na, nb) = (
        Restreamer::serve(&a.root(), Behaviour::Faithful).unwrap(),
        Restreamer::serve(&b.root(), Behaviour::Faithful).unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let nodes = dir.path().join("nodes.txt");
    std::fs::write(
        &nodes,
        format!("# two nodes\nalpha {}\nbeta {}\n", na.url(), nb.url()),
    )
    .unwrap();
    let shot = dir.path().join("fleet.png");
    let out = run_window(
        dir.path(),
        [
            "--nodes".as_ref(),
            nodes.as_os_str(),
            "--screenshot".as_ref(),
            shot.as_os_str(),
            "--exit-when-done".as_ref(),
        ],
    );
    exited_cleanly(&out);
    let img = image::open(&shot).expect("a PNG screenshot").to_rgba8();
    let count = |rgb: [u8; 3]| img.pixels().filter(|p| p.0[..3] == rgb).count();
    let blue = count([0x1f, 0x77, 0xb4]);
    let [r, g, bl] = crate_hole_colour();
    let holes = count([r, g, bl]);
    // Three lanes (two nodes and their union) of covered time, the nodes' holes.
    assert!(blue > 40_000, "the lanes are drawn in blue ({blue} pixels)");
    assert!(holes > 2_000, "each node's hole is drawn ({holes} pixels)");
    assert!(na.requests() > 3 && nb.requests() > 3);
}
