//! The HTML reports laid out by a real browser (headless Chromium): each fits a
//! 1,400 px window with no horizontal scroll (wide tables scroll inside their
//! own box) and its charts carry time labels along their axes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::path::Path;
use std::process::Command;

/// The browser, or a failure that says how to get it.
fn chromium() -> &'static str {
    let found = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "chromium is missing: run scripts/install-deps (Debian package chromium)"
    );
    "chromium"
}

/// How wide `report` is laid out in a window `window_px` wide: the page's
/// scroll width, read by a script added to a copy of it.
fn laid_out_width(report: &Path, window_px: u32, scratch: &Path) -> u32 {
    let html = std::fs::read_to_string(report).unwrap();
    let probe = html.replace(
        "</body>",
        "<script>document.title = 'W' + document.documentElement.scrollWidth</script></body>",
    );
    let copy = scratch.join("probe.html");
    std::fs::write(&copy, probe).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--window-size={window_px},1000"),
            "--dump-dom",
        ])
        .arg(format!("file://{}", copy.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let at = dom.find("<title>W").unwrap_or_else(|| {
        panic!(
            "no width in the laid-out page: {}",
            dom.chars().take(300).collect::<String>()
        )
    });
    dom[at + 8..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// Time labels of a chart: the `<text>` elements holding a clock time.
fn time_labels(svg: &str) -> usize {
    svg.split("<text")
        .filter(|t| {
            let text = t.split('>').nth(1).unwrap_or("");
            text.contains(':') || text.matches('-').count() >= 2
        })
        .count()
}

#[test]
fn every_report_fits_a_1400_px_window_and_its_charts_have_time_axes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| util::ok(&util::segscope_in(d, args)).stdout.clone();
    run(&["demo", "demo"]);
    run(&["coverage", "demo", "--html", "coverage.html"]);
    run(&["demo-perf", "pool.csv", "--nodes", "300"]);
    run(&["perf", "pool.csv", "--html", "perf.html"]);
    run(&["anomalies", "demo", "--scan", "--html", "anomalies.html"]);
    run(&["demo", "other", "--seed", "2"]);
    run(&["nodes", "demo", "other", "--html", "fleet.html", "-q"]);
    for report in ["coverage.html", "perf.html", "anomalies.html", "fleet.html"] {
        let width = laid_out_width(&d.join(report), 1400, d);
        assert!(
            width <= 1400,
            "{report} is {width} px wide in a 1400 px window"
        );
        // Every chart labels its time axis at more than its two ends.
        let html = std::fs::read_to_string(d.join(report)).unwrap();
        for svg in html.split("<svg").skip(1) {
            let svg = svg.split("</svg>").next().unwrap();
            if svg.contains("distribution") {
                continue; // box plots: seconds, not times
            }
            assert!(
                time_labels(svg) >= 4,
                "{report}: a chart with {} time labels",
                time_labels(svg)
            );
        }
    }
    // Holes are listed by gap: the demo's clean gaps once each.
    let html = std::fs::read_to_string(d.join("coverage.html")).unwrap();
    assert!(html.contains("one row per gap"));
    assert!(html.contains(">raw + editable<"));
}
