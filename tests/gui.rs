//! The desktop app driven headless through egui_kittest: open a generated archive,
//! wait for the analysis, then click and type by labels and keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use segscope::gui::GuiOptions;
use segscope::gui::app::SegscopeApp;
use segscope::gui::document::MainView;
use segscope::gui::shell::job::JobState;
use segscope::monitor::Level;
use segscope::time::parse_hour_name;
use util::Archive;

/// Held scans wait on the worker threads of the process' shared pool: two
/// tests holding scans at once could take every thread and starve each
/// other. Tests that hold a scan take this first.
static HELD_SCANS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_held_scan_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    HELD_SCANS.lock().unwrap_or_else(|p| p.into_inner())
}

/// The app opening a demo archive of `hours` hours whose scan is held after
/// `after` hour directories, the only held scan of the process meanwhile.
/// (Fields drop in order: the app, the hold, the turn, the directory.)
struct HeldScan {
    h: Harness<'static, SegscopeApp>,
    hold: Option<segscope::analysis::hold::ScanHold>,
    _turn: std::sync::MutexGuard<'static, ()>,
    _dir: tempfile::TempDir,
}

impl HeldScan {
    fn open(hours: u32, after: usize) -> HeldScan {
        let dir = tempfile::tempdir().unwrap();
        let demo = util::demo_archive(dir.path(), hours);
        let turn = one_held_scan_at_a_time();
        let hold = segscope::analysis::hold::ScanHold::after_hours(&demo, after);
        HeldScan {
            h: harness(demo, dir.path().join("gui.db")),
            hold: Some(hold),
            _turn: turn,
            _dir: dir,
        }
    }

    /// Lets the scan go on.
    fn release(&mut self) {
        self.hold.take();
    }
}

fn archive() -> Archive {
    let a = Archive::new();
    a.segs(
        "chan/src",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:02.000000", "2.0", "full"),
            // 5 s hole 00:04 - 00:09
            ("2024-11-09T05", "00:09.000000", "2.0", "full"),
            // 30 s hole 00:11 - 00:41
            ("2024-11-09T05", "00:41.000000", "2.0", "full"),
            ("2024-11-09T05", "00:43.000000", "2.0", "partial"),
        ],
    );
    a.segs(
        "chan/low",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            // 20 s hole 00:02 - 00:22
            ("2024-11-09T05", "00:22.000000", "2.0", "full"),
        ],
    );
    a
}

fn harness(path: PathBuf, db: PathBuf) -> Harness<'static, SegscopeApp> {
    harness_with_step(path, db, 0.25)
}

/// A harness whose frames are `step_dt` seconds apart (kittest's default is 0.25 s).
fn harness_with_step(path: PathBuf, db: PathBuf, step_dt: f32) -> Harness<'static, SegscopeApp> {
    let mut options = GuiOptions::open(Some(path));
    options.db = Some(db);
    Harness::builder()
        .with_size([1280.0, 800.0])
        .with_max_steps(10_000)
        .with_step_dt(step_dt)
        .build_eframe(move |cc| SegscopeApp::new(cc, options).expect("the app starts"))
}

fn wait_until(h: &mut Harness<'_, SegscopeApp>, what: &str, done: impl Fn(&SegscopeApp) -> bool) {
    let until = Instant::now() + Duration::from_secs(180);
    loop {
        h.step();
        if done(h.state()) {
            break;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Let the layout settle.
    for _ in 0..3 {
        h.step();
    }
}

fn steps(h: &mut Harness<'_, SegscopeApp>, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

fn analysed(app: &SegscopeApp) -> bool {
    app.analysis().is_some()
}

/// A left click at `at`: the pointer moves there, then presses and releases,
/// a frame each.
fn click_at(h: &mut Harness<'_, SegscopeApp>, at: egui::Pos2) {
    h.hover_at(at);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
    steps(h, 2);
}

/// The active document's visible time range.
fn view_range(h: &Harness<'_, SegscopeApp>) -> (f64, f64) {
    h.state().probe().time_range().expect("a document is open")
}

fn t(hour: &str, secs: f64) -> f64 {
    parse_hour_name(hour).unwrap() as f64 + secs * 1e6
}

#[test]
fn holes_table_lists_holes_and_selecting_one_zooms_to_it() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    // 3 raw holes and 3 editable holes.
    h.get_by_label("6 of 6 holes");
    // The 5 s hole of chan/src, listed in the table (raw and editable rows).
    let start = "2024-11-09 05:00:04.000000 UTC";
    assert_eq!(h.query_all_by_label(start).count(), 2);
    let before = view_range(&h);
    h.query_all_by_label(start).next().unwrap().click();
    h.step();
    h.step();
    let (t0, t1) = view_range(&h);
    assert_ne!(
        (t0, t1),
        before,
        "selecting a hole changes the visible range"
    );
    assert!(
        t0 < t("2024-11-09T05", 4.0) && t1 > t("2024-11-09T05", 9.0),
        "the hole is in view: {t0} {t1}"
    );
    assert!(t1 - t0 < 200e6, "zoomed in around the hole");
    let sel = selected_hole(&h);
    assert_eq!(sel.span.duration_us(), 5_000_000);

    // N moves to the next gap in time: the 30 s hole, not the 5 s hole's
    // editable twin.
    h.key_press(egui::Key::N);
    h.step();
    h.step();
    let next = selected_hole(&h);
    assert!(
        next.span.start_us > sel.span.start_us && next.span.duration_us() == 30_000_000,
        "{next:?}"
    );
    let (t0, t1) = view_range(&h);
    assert!(t0 <= next.span.start_us as f64 && t1 >= next.span.end_us as f64);
    // P goes back.
    h.key_press(egui::Key::P);
    h.step();
    assert_eq!(
        h.state().probe().archive().unwrap().holes.selected.unwrap(),
        sel
    );
}

#[test]
fn n_steps_gap_by_gap_and_the_holes_table_follows_the_current_one() {
    // Sixty 2 s holes, one every 10 s: far more rows than the table shows.
    let a = Archive::new();
    let segs: Vec<(String, String)> = (0..60)
        .flat_map(|i| {
            [0, 4].map(|o| {
                (
                    "2024-11-09T05".to_string(),
                    format!("{:02}:{:02}.000000", (i * 10 + o) / 60, (i * 10 + o) % 60),
                )
            })
        })
        .collect();
    let rows: Vec<(&str, &str, &str, &str)> = segs
        .iter()
        .map(|(h, m)| (h.as_str(), m.as_str(), "4.0", "full"))
        .collect();
    a.segs("chan/src", &rows);
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    h.get_by_label("118 of 118 holes");
    h.state_mut()
        .show_range(t("2024-11-09T05", 0.0), t("2024-11-09T05", 1.0));
    steps(&mut h, 2);
    let mut starts = Vec::new();
    for _ in 0..40 {
        h.key_press(egui::Key::N);
        steps(&mut h, 2);
        starts.push(selected_hole(&h).span.start_us);
    }
    assert!(
        starts.windows(2).all(|w| w[1] - w[0] == 10_000_000),
        "each N is the next gap, 10 s on: {starts:?}"
    );
    // The fortieth gap's rows (raw and editable) are scrolled into the table
    // and highlighted.
    let start = segscope::gui::widgets::axis::full_time(
        *starts.last().unwrap(),
        segscope::gui::widgets::axis::TimeZoneChoice::Utc,
    );
    let shown: Vec<_> = h.query_all_by_label(&start).collect();
    assert_eq!(shown.len(), 2, "the current gap's rows are in view");
    assert!(
        shown.iter().all(
            |n| egui_kittest::kittest::NodeT::accesskit_node(n).toggled()
                == Some(egui::accesskit::Toggled::True)
        ),
        "highlighted"
    );
}

#[test]
fn escape_closes_windows_and_an_hours_row_shows_its_hour() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    // The caption above the view says what it shows and keys its colours.
    h.get_by_label_contains(" · Timeline");
    h.get_by_label("covered (full)");
    h.get_by_label("hole");
    let (t0, _) = view_range(&h);
    h.get_by_label_contains(&format!(
        "{} to ",
        segscope::gui::widgets::axis::full_time(
            t0 as i64,
            segscope::gui::widgets::axis::TimeZoneChoice::Utc
        )
    ));
    // Controls (F1), then Escape.
    h.key_press(egui::Key::F1);
    steps(&mut h, 2);
    assert!(h.query_by_label("Box zoom").is_some(), "Controls open");
    h.key_press(egui::Key::Escape);
    steps(&mut h, 2);
    assert!(
        h.query_by_label("Controls").is_none(),
        "Escape closes Controls"
    );
    // The Open path window says what it opens; Escape closes it too.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    steps(&mut h, 2);
    h.get_by_label_contains("a perf export or a series file");
    h.key_press(egui::Key::Escape);
    steps(&mut h, 2);
    assert!(
        h.query_by_label_contains("a perf export or a series file")
            .is_none()
    );
    // An hour's row in the Hours tab shows that hour in the timeline.
    h.get_by_label("Hours").click();
    steps(&mut h, 2);
    h.get_by_label("2024-11-09T05").click();
    steps(&mut h, 2);
    let hour = t("2024-11-09T05", 0.0);
    assert_eq!(view_range(&h), (hour, hour + 3_600_000_000.0));
    assert_eq!(h.state().probe().view(), MainView::Timeline);
}

/// The app on `path` in a window of `size`.
fn harness_sized(path: PathBuf, db: PathBuf, size: [f32; 2]) -> Harness<'static, SegscopeApp> {
    let mut options = GuiOptions::open(Some(path));
    options.db = Some(db);
    Harness::builder()
        .with_size(size)
        .with_max_steps(10_000)
        .build_eframe(move |cc| SegscopeApp::new(cc, options).expect("the app starts"))
}

#[test]
fn the_main_view_takes_the_free_height_and_nothing_is_cut_off_in_small_and_large_windows() {
    let dir = tempfile::tempdir().unwrap();
    let demo = util::demo_archive(dir.path(), 3);
    for (size, least_rows) in [([900.0, 600.0], 3), ([1600.0, 1000.0], 8)] {
        let mut h = harness_sized(demo.clone(), dir.path().join("gui.db"), size);
        wait_until(&mut h, "the analysis", analysed);
        let lanes = timeline(&h).last_rect.expect("the timeline is drawn");
        // No empty band between the lanes and the tables below.
        let tables_top = h.get_by_label("Holes").rect().top();
        assert!(
            tables_top - lanes.bottom() < 40.0,
            "{size:?}: {} px empty under the lanes",
            tables_top - lanes.bottom()
        );
        // Four lanes: each at least 40 px tall even in the small window.
        assert!(
            lanes.height() >= 22.0 + 4.0 * 44.0,
            "{size:?}: lanes squashed into {} px",
            lanes.height()
        );
        // The holes table shows rows enough (each row: a start and an end).
        let rows = h.query_all_by_label_contains(" UTC").count() / 2;
        assert!(rows >= least_rows, "{size:?}: {rows} hole rows shown");
        // The anomaly card: its text wraps inside the window.
        h.get_by_label("Anomalies").click();
        wait_until(&mut h, "the anomaly run", anomalies_done);
        let why = h.get_by_label_contains("Last point:").rect();
        assert!(
            why.right() <= size[0] + 0.5,
            "{size:?}: the card's text is cut off at {}",
            why.right()
        );
    }
    // A perf export's Gantt in the small window shows rows enough.
    let file = dir.path().join("pool.csv");
    let options = segscope::perf::demo::DemoPerfOptions {
        nodes: 300,
        ..Default::default()
    };
    std::fs::write(&file, segscope::perf::demo::demo_perf_export(&options)).unwrap();
    let mut h = harness_sized(file, dir.path().join("gui.db"), [900.0, 600.0]);
    wait_until(&mut h, "the export", perf_done);
    let rows = h.state().probe().perf().unwrap().gantt.drawn_rows.len();
    assert!(rows >= 8, "the Gantt shows {rows} rows at 900x600");
}

#[test]
fn filters_narrow_the_holes_table() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    h.get_by_label("raw only").click();
    h.step();
    h.step();
    h.get_by_label("3 of 6 holes");
    h.get_by_label("all kinds").click();
    h.step();
    h.step();
    h.get_by_label("6 of 6 holes");
    // On a clean chain each gap is a raw and an editable hole: one row each.
    h.get_by_label("one row per gap").click();
    steps(&mut h, 2);
    h.get_by_label("3 of 6 holes");
    assert_eq!(h.query_all_by_label("raw + editable").count(), 3);
}

#[test]
fn theme_switch_from_the_menu_and_the_keyboard() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let first = h.ctx.theme();
    h.get_by_label("View").click();
    steps(&mut h, 4);
    h.get_by_label_contains("Toggle dark/light theme").click();
    steps(&mut h, 4);
    assert_ne!(h.ctx.theme(), first);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::T);
    steps(&mut h, 4);
    assert_eq!(h.ctx.theme(), first);
}

#[test]
fn command_palette_runs_commands_and_shows_shortcuts() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::K);
    steps(&mut h, 4);
    h.get_by_label("Command palette");
    // Each command is listed with its shortcut.
    h.get_by_label_contains("Next hole    N");
    // Typing filters the list.
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text("grid");
    steps(&mut h, 3);
    assert!(h.query_by_label_contains("Next hole    N").is_none());
    h.get_by_label_contains("Toggle grid map    G").click();
    steps(&mut h, 4);
    assert!(
        h.state().probe().view() == MainView::GridMap,
        "the palette ran Toggle grid map"
    );
    h.get_by_label_contains("2 s per pixel");
    // Back to the timeline from the tab bar.
    h.get_by_label("Timeline").click();
    steps(&mut h, 2);
    assert!(h.state().probe().view() == MainView::Timeline);
}

#[test]
fn lanes_fill_hour_by_hour_while_the_scan_runs() {
    // The scan stops after three hour directories until released.
    let mut held = HeldScan::open(8, 3);
    let h = &mut held.h;
    wait_until(h, "the first hours drawn", |app| {
        app.probe()
            .archive()
            .unwrap()
            .timeline
            .drawn
            .iter()
            .any(|l| l.data_px > 0)
    });
    let app = h.state();
    assert!(app.is_scanning(), "drawn before the scan ended");
    let drawn = &app.probe().archive().unwrap().timeline.drawn;
    assert_eq!(
        drawn.len(),
        4,
        "every stream has its lane at once: {drawn:?}"
    );
    assert!(
        drawn.iter().map(|l| l.pending_px).sum::<usize>() > 0,
        "time not scanned yet is shown pending: {drawn:?}"
    );
    held.release();
    let h = &mut held.h;
    wait_until(h, "the analysis", |app| app.analysis().is_some());
    let drawn = &timeline(h).drawn;
    assert!(
        drawn.iter().all(|l| l.pending_px == 0 && l.data_px > 0),
        "{drawn:?}"
    );
}

#[test]
fn cancel_stops_a_running_scan() {
    // Held after two hours, the scan is surely still running when Cancel is clicked.
    let mut held = HeldScan::open(12, 2);
    let h = &mut held.h;
    // Cancel once the task runs (two hours scanned, the rest held): a cancel
    // clicked while the task is still being queued is a different path.
    wait_until(h, "the scan to run", |app| {
        app.probe()
            .archive()
            .and_then(|a| a.loader.current.as_ref())
            .is_some_and(|l| l.job.progress().is_some_and(|p| p.done >= 2))
    });
    h.get_by_label("Cancel").click();
    h.step();
    wait_until(h, "the cancellation", archive_cancelled);
    h.get_by_label("Analysis cancelled.");
    assert!(h.state().analysis().is_none());
}

#[test]
fn export_json_from_the_menu_writes_the_file_and_says_where() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let target = a.dir.path().join("exports/report.json");
    export_from_menu(&mut h, "Export JSON report", &target);
    let saved = h
        .state()
        .probe()
        .log()
        .iter()
        .rev()
        .find(|m| m.text.starts_with("Saved "))
        .unwrap()
        .text
        .clone();
    assert_eq!(saved, format!("Saved {}", target.display()));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(v["streams"].as_array().unwrap().len(), 2);
}

#[test]
fn pointer_zooms_at_the_cursor_pans_by_drag_and_double_click_fits() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let rect = timeline(&h).last_rect.expect("the timeline is drawn");
    // A point in the first lane, three quarters across the plot.
    let plot_left = rect.left() + 150.0;
    let p = egui::pos2(
        plot_left + (rect.right() - plot_left) * 0.75,
        rect.top() + 50.0,
    );
    let (t0, t1) = view_range(&h);
    let at = t0 + (t1 - t0) * 0.75;
    // Ctrl+scroll (a zoom event) zooms around the time under the pointer.
    h.hover_at(p);
    h.step();
    h.event(egui::Event::Zoom(2.0));
    steps(&mut h, 2);
    let (z0, z1) = view_range(&h);
    assert!(((z1 - z0) - (t1 - t0) / 2.0).abs() < 1.0, "half the span");
    assert!(
        (z0 + (z1 - z0) * 0.75 - at).abs() < 50_000.0,
        "the time under the pointer stays put"
    );
    // A hover shows what is under the pointer: a tooltip with the time and the mix.
    assert!(
        h.state()
            .probe()
            .archive()
            .unwrap()
            .timeline
            .hover
            .is_some()
    );
    steps(&mut h, 3);
    let tooltip = |h: &Harness<'_, SegscopeApp>, text: &str| {
        h.query_all_by_label_contains(text).next().is_some()
    };
    assert!(
        tooltip(&h, "chan/low\n2024-11-09 05:00:"),
        "the tooltip names the stream and the time"
    );
    assert!(
        tooltip(&h, "\ncovered "),
        "the tooltip gives the pixel's coverage mix"
    );
    // Dragging to the right shows earlier times.
    h.drag_at(p);
    h.step();
    h.hover_at(p + egui::vec2(100.0, 0.0));
    h.step();
    h.drop_at(p + egui::vec2(100.0, 0.0));
    steps(&mut h, 2);
    let (d0, d1) = view_range(&h);
    assert!(
        d0 < z0 && ((d1 - d0) - (z1 - z0)).abs() < 1.0,
        "panned earlier, same span"
    );
    // A double-click fits the archive again: press, release, press, release, one
    // frame each, within egui's 0.3 s.
    let mut h = {
        let mut quick = harness_with_step(a.root(), a.dir.path().join("gui2.db"), 0.02);
        wait_until(&mut quick, "the analysis", analysed);
        quick.state_mut().show_range(d0, d1);
        quick.hover_at(p);
        quick.step();
        quick
    };
    for pressed in [true, false, true, false] {
        h.event(egui::Event::PointerButton {
            pos: p,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
    steps(&mut h, 2);
    let (f0, f1) = view_range(&h);
    assert!((f1 - f0) > (d1 - d0) * 1.5, "fitted: {f0} {f1}");

    // Box zoom: drag with the secondary button over 200 points shows just that range.
    let start = p - egui::vec2(200.0, 0.0);
    let time_at =
        |x: f32| f0 + f64::from(x - plot_left) / f64::from(rect.right() - plot_left) * (f1 - f0);
    let (want0, want1) = (time_at(start.x), time_at(p.x));
    for (pos, pressed) in [
        (start, Some(true)),
        (start + egui::vec2(50.0, 0.0), None),
        (p, None),
        (p, Some(false)),
    ] {
        match pressed {
            Some(pressed) => h.event(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Secondary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            }),
            None => h.hover_at(pos),
        }
        h.step();
    }
    steps(&mut h, 2);
    let (b0, b1) = view_range(&h);
    let tol = (want1 - want0) * 0.02;
    assert!(
        (b0 - want0).abs() < tol && (b1 - want1).abs() < tol,
        "box zoom: {b0} {b1} vs {want0} {want1}"
    );
}

#[test]
fn segment_level_hover_shows_the_file() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let t0 = t("2024-11-09T05", 0.0);
    h.state_mut().show_range(t0, t0 + 8e6);
    steps(&mut h, 2);
    let rect = timeline(&h).last_rect.unwrap();
    let plot_left = rect.left() + 150.0;
    // 1 s into the view: the first segment of the first lane (chan/low, 00:00-00:02).
    let x = plot_left + (rect.right() - plot_left) / 8.0;
    h.hover_at(egui::pos2(x, rect.top() + 40.0));
    steps(&mut h, 3);
    let seg = timeline(&h)
        .hovered_segment
        .expect("a segment under the pointer");
    assert_eq!(seg.seg.start_us, t0 as i64);
    // The file is looked up in the background; the tooltip names it once known.
    let file = format!("file 00:00.000000-2.0-full-{}.ts", util::H);
    let until = Instant::now() + Duration::from_secs(30);
    while h.query_all_by_label_contains(&file).next().is_none() {
        assert!(Instant::now() < until, "the tooltip never named the file");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    let has = |text: &str| h.query_all_by_label_contains(text).next().is_some();
    assert!(has("size 1000 bytes"));
    assert!(has("type full"));
}

/// A second small archive (one stream, one hole).
fn other_archive() -> Archive {
    let a = Archive::new();
    a.segs(
        "other/src",
        &[
            ("2024-11-10T01", "00:00.000000", "2.0", "full"),
            ("2024-11-10T01", "00:10.000000", "2.0", "full"),
        ],
    );
    a
}

/// The active archive's timeline view.
fn timeline<'a>(
    h: &'a Harness<'_, SegscopeApp>,
) -> &'a segscope::gui::archive::timeline::TimelineView {
    &h.state()
        .probe()
        .archive()
        .expect("an archive is open")
        .timeline
}

/// The hole selected in the active archive's holes table.
fn selected_hole(h: &Harness<'_, SegscopeApp>) -> segscope::gui::archive::holes_panel::HoleRow {
    h.state()
        .probe()
        .archive()
        .and_then(|a| a.holes.selected)
        .expect("a hole is selected")
}

/// The active archive's analysis was cancelled.
fn archive_cancelled(app: &SegscopeApp) -> bool {
    let load = app
        .probe()
        .archive()
        .and_then(|a| a.loader.current.as_ref());
    matches!(load.map(|l| &l.job.state), Some(JobState::Cancelled))
}

/// Exports through File > `item`, typing `target` in the save dialog, and
/// waits until the app says it saved.
fn export_from_menu(h: &mut Harness<'_, SegscopeApp>, item: &str, target: &std::path::Path) {
    h.get_by_label("File").click();
    steps(h, 4);
    h.get_by_label_contains(item).click();
    steps(h, 4);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .set_text_value_accesskit(target.to_str().unwrap());
    steps(h, 2);
    h.get_by_label("Save").click();
    wait_until(h, "the export", |app| {
        app.probe()
            .log()
            .iter()
            .any(|m| m.text.starts_with("Saved "))
    });
}

/// Opens `path` through File > Open path…, typing it in the dialog.
fn open_by_typing(h: &mut Harness<'_, SegscopeApp>, path: &std::path::Path) {
    h.get_by_label("File").click();
    steps(h, 3);
    h.get_by_label_contains("Open path").click();
    steps(h, 3);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .set_text_value_accesskit(path.to_str().unwrap());
    steps(h, 2);
    h.get_by_label("Open").click();
    steps(h, 2);
}

#[test]
fn several_documents_switch_by_tab_and_close() {
    let a = archive();
    let b = other_archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the first analysis", analysed);
    open_by_typing(&mut h, &b.root());
    wait_until(&mut h, "the second analysis", |app| {
        app.probe().document_count() == 2 && analysed(app)
    });
    let app = h.state();
    assert_eq!(app.active_index(), Some(1), "the new document is active");
    assert_eq!(app.analysis().unwrap().streams.len(), 1);
    // Each document has its tab; clicking the first brings it back with its holes.
    let first = h.state().probe().titles()[0].clone();
    h.get_by_label(&first).click();
    steps(&mut h, 3);
    assert_eq!(h.state().active_index(), Some(0));
    assert_eq!(h.state().analysis().unwrap().streams.len(), 2);
    h.get_by_label("6 of 6 holes");
    // File > Close closes the active one only.
    h.get_by_label("File").click();
    steps(&mut h, 3);
    h.get_by_label_contains("Close").click();
    steps(&mut h, 3);
    assert_eq!(h.state().probe().document_count(), 1);
    assert_eq!(h.state().analysis().unwrap().streams.len(), 1);
    // Ctrl+W closes the last one.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::W);
    steps(&mut h, 3);
    assert_eq!(h.state().probe().document_count(), 0);
    h.get_by_label("No document open");
}

#[test]
fn a_failed_open_keeps_the_open_document() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let missing = a.dir.path().join("no-such-archive");
    open_by_typing(&mut h, &missing);
    wait_until(&mut h, "the error", |app| {
        app.probe()
            .log()
            .iter()
            .any(|m| m.text.contains("cannot read archive"))
    });
    let app = h.state();
    assert_eq!(
        app.probe().document_count(),
        1,
        "the failed document is gone"
    );
    assert_eq!(
        app.probe().path(),
        Some(a.root().as_path()),
        "the archive that was open stays active"
    );
    assert!(analysed(app));
}

#[test]
fn reload_keeps_the_view_and_the_picture_until_the_new_analysis_is_done() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    // Zoom somewhere and select a hole.
    let (z0, z1) = (t("2024-11-09T05", 3.0), t("2024-11-09T05", 12.0));
    h.state_mut().show_range(z0, z1);
    h.key_press(egui::Key::N);
    steps(&mut h, 2);
    let selected = h.state().probe().archive().unwrap().holes.selected;
    assert!(selected.is_some());
    let view = view_range(&h);
    let before = h.state().analysis().unwrap();
    let _one = one_held_scan_at_a_time();
    // Hold the new scan so the reload is surely in progress while we look.
    let hold = segscope::analysis::hold::ScanHold::after_hours(&a.root(), 0);
    h.key_press(egui::Key::F5);
    wait_until(&mut h, "the reload to start", SegscopeApp::is_scanning);
    let app = h.state();
    assert!(
        Arc::ptr_eq(&app.analysis().unwrap(), &before),
        "the old analysis stays on screen while reloading"
    );
    assert_eq!(app.probe().time_range(), Some(view));
    assert!(
        app.probe()
            .archive()
            .unwrap()
            .timeline
            .drawn
            .iter()
            .all(|l| l.pending_px == 0)
    );
    h.get_by_label_contains("reloading");
    hold.release();
    wait_until(&mut h, "the reload", |app| !app.is_scanning());
    let app = h.state();
    assert!(
        !Arc::ptr_eq(&app.analysis().unwrap(), &before),
        "a new snapshot"
    );
    assert_eq!(app.probe().time_range(), Some(view), "the zoom is kept");
    assert_eq!(
        app.probe().archive().unwrap().holes.selected,
        selected,
        "the selection is kept"
    );
}

#[test]
fn prometheus_export_from_the_menu() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let target = a.dir.path().join("exports/coverage.prom");
    export_from_menu(&mut h, "Export Prometheus metrics", &target);
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("channel=\"chan\""), "{text}");
}

#[test]
fn open_path_starts_with_the_current_path_selected_so_typing_replaces_it() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::L);
    steps(&mut h, 4);
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    assert_eq!(field.value().as_deref(), a.root().to_str());
    h.event(egui::Event::Text("/typed/path".into()));
    steps(&mut h, 3);
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    assert_eq!(field.value().as_deref(), Some("/typed/path"));
}

#[test]
fn lane_rasters_are_reused_until_the_view_changes() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let built = timeline(&h).rasters_built;
    steps(&mut h, 10);
    assert_eq!(
        h.state().probe().archive().unwrap().timeline.rasters_built,
        built,
        "still frames draw the cached rasters"
    );
    h.key_press(egui::Key::W);
    steps(&mut h, 2);
    let after_zoom = timeline(&h).rasters_built;
    assert!(after_zoom >= built + 2, "a zoom redraws both lanes");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::T);
    steps(&mut h, 2);
    assert!(
        h.state().probe().archive().unwrap().timeline.rasters_built >= after_zoom + 2,
        "a theme change redraws them"
    );
}

#[test]
fn zoom_history_goes_back_and_forward_by_keyboard_and_mouse_buttons() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let range = view_range;
    let whole = range(&h);
    // Two navigations: zoom in with W, then step to the previous hole with P.
    h.key_press(egui::Key::W);
    steps(&mut h, 2);
    let zoomed = range(&h);
    assert_ne!(zoomed, whole);
    h.key_press(egui::Key::P);
    steps(&mut h, 2);
    let at_hole = range(&h);
    assert_ne!(at_hole, zoomed);
    // Alt+Left twice: back to where it started.
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    steps(&mut h, 2);
    assert_eq!(range(&h), zoomed);
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowLeft);
    steps(&mut h, 2);
    assert_eq!(range(&h), whole);
    // Alt+Right: forward again.
    h.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowRight);
    steps(&mut h, 2);
    assert_eq!(range(&h), zoomed);
    // The mouse's back button over the timeline.
    let rect = timeline(&h).last_rect.unwrap();
    let p = egui::pos2(rect.center().x + 100.0, rect.top() + 50.0);
    h.hover_at(p);
    h.step();
    h.event(egui::Event::PointerButton {
        pos: p,
        button: egui::PointerButton::Extra1,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.event(egui::Event::PointerButton {
        pos: p,
        button: egui::PointerButton::Extra1,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    steps(&mut h, 3);
    assert_eq!(range(&h), whole);
}

#[test]
fn hours_decades_apart_draw_like_any_archive() {
    // One segment in 1970 (a recorder whose clock fell back) and one in 2024.
    let a = Archive::new();
    a.segs(
        "chan/src",
        &[
            ("1970-01-01T00", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
        ],
    );
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let (t0, t1) = view_range(&h);
    assert!(t1 - t0 > 50.0 * 365.0 * 24.0 * 3.6e9, "the whole span fits");
    assert!(
        h.state()
            .probe()
            .archive()
            .unwrap()
            .timeline
            .drawn
            .iter()
            .all(|l| l.data_px > 0)
    );
    // The grid map elides the empty decades: two hours and one break.
    h.key_press(egui::Key::G);
    steps(&mut h, 3);
    assert_eq!(h.state().probe().view(), MainView::GridMap);
    assert_eq!(
        h.state().probe().archive().unwrap().grid.map_width(),
        6 + 2 + 6
    );
}

#[test]
fn an_opened_archive_is_listed_under_open_recent() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "the analysis", analysed);
    let path = a.root().to_string_lossy().into_owned();
    // Recorded and read back in the background: look until the menu shows it.
    let until = Instant::now() + Duration::from_secs(180);
    loop {
        h.get_by_label("File").click();
        steps(&mut h, 2);
        h.get_by_label("Open recent").click();
        steps(&mut h, 2);
        // The menu's button, not the status bar's label of the same text.
        let listed = h
            .query_all(
                egui_kittest::kittest::By::new()
                    .role(egui::accesskit::Role::Button)
                    .label(&path),
            )
            .next()
            .is_some();
        if listed {
            break;
        }
        assert!(
            Instant::now() < until,
            "the archive never showed under Open recent"
        );
        h.key_press(egui::Key::Escape);
        steps(&mut h, 2);
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The active document's perf export.
fn perf_doc<'a>(h: &'a Harness<'_, SegscopeApp>) -> &'a segscope::gui::perf::PerfDoc {
    h.state().probe().perf().unwrap()
}

/// The app on a generated 300-node perf export in `dir`, read.
fn demo_perf_opened(dir: &std::path::Path) -> Harness<'static, SegscopeApp> {
    let file = dir.join("pool.csv");
    let options = segscope::perf::demo::DemoPerfOptions {
        nodes: 300,
        ..Default::default()
    };
    std::fs::write(&file, segscope::perf::demo::demo_perf_export(&options)).unwrap();
    let mut h = harness(file, dir.join("gui.db"));
    wait_until(&mut h, "the export", perf_done);
    h
}

#[test]
fn the_phases_chart_names_the_node_under_the_pointer_in_a_tooltip() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_perf_opened(dir.path());
    h.get_by_label("Phases").click();
    steps(&mut h, 3);
    let view = h.state().probe().perf().unwrap().view_rect.expect("drawn");
    // Sweep the middle of the chart until a bar is under the pointer.
    let found = (0..40).any(|i| {
        let at = egui::pos2(
            view.left() + view.width() * (0.3 + i as f32 * 0.01),
            view.center().y,
        );
        h.hover_at(at);
        steps(&mut h, 2);
        h.query_all_by_label_contains("\ntotal: ").next().is_some()
    });
    assert!(found, "no tooltip with the node's numbers over the chart");
    // The numbers are in a tooltip (egui's, with its background), not the
    // plot's own label.
    h.get_by_label_contains("docker install: ");
}

/// A perf document's finished analysis, if the active document is one.
fn perf_done(app: &SegscopeApp) -> bool {
    app.probe().perf().is_some_and(|p| p.analysis().is_some())
}

#[test]
fn a_perf_export_opens_in_the_gantt_sorts_and_shows_the_slowest_node() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_perf_opened(dir.path());
    assert_eq!(
        h.state().probe().view(),
        MainView::Gantt,
        "a perf export opens on the Gantt"
    );
    let gantt = |h: &Harness<'_, SegscopeApp>| perf_doc(h).gantt.drawn_rows.clone();
    assert!(gantt(&h).len() > 10, "rows drawn: {:?}", gantt(&h));
    assert!(gantt(&h).len() < 300, "only the rows in view are drawn");

    // Sort by total: the slowest node comes first.
    h.get_by_label("Sort by").click();
    steps(&mut h, 2);
    h.get_by_label("total").click();
    steps(&mut h, 3);
    let pool = &perf_doc(&h).analysis().unwrap().pools[0];
    let totals: Vec<f64> = gantt(&h)
        .iter()
        .map(|&i| {
            segscope::perf::summary::Metric::Total
                .value(&pool.nodes[i])
                .unwrap_or(f64::INFINITY)
        })
        .collect();
    assert!(
        totals.windows(2).all(|w| w[0] >= w[1]),
        "slowest first: {totals:?}"
    );
    let slowest = segscope::perf::summary::slowest(&pool.nodes, 1)[0].index;
    let slowest_id = pool.nodes[slowest].node_id.clone();

    // Back to start order, then pick the slowest node in the distributions'
    // list: the Gantt shows it, selected and in view.
    h.get_by_label("Sort by").click();
    steps(&mut h, 2);
    h.get_by_label("start").click();
    steps(&mut h, 2);
    h.get_by_label("Distributions").click();
    steps(&mut h, 3);
    h.get_by_label(&slowest_id).click();
    steps(&mut h, 4);
    assert_eq!(h.state().probe().view(), MainView::Gantt);
    let g = &perf_doc(&h).gantt;
    assert_eq!(g.selected, Some(slowest));
    assert!(g.drawn_rows.contains(&slowest), "its row is in view");

    // A finding jumps to its node too.
    let findings = perf_doc(&h).analysis().unwrap().pools[0].findings.clone();
    let missing = findings
        .iter()
        .find(|f| f.kind == segscope::perf::timings::FindingKind::MissingEnd)
        .unwrap();
    let row = h
        .query_all_by(|n| n.label().is_some_and(|l| l.contains("missing_end")))
        .next()
        .expect("the findings table lists the unfinished node");
    row.click();
    steps(&mut h, 4);
    let g = &perf_doc(&h).gantt;
    let pool = &perf_doc(&h).analysis().unwrap().pools[0];
    let selected = g.selected.expect("a node is selected");
    assert_eq!(pool.nodes[selected].node_id, missing.node);
    assert!(g.drawn_rows.contains(&selected));

    // Reload (F5) reads the export again and keeps the filter and selection.
    h.get_by_label("Gantt").click();
    steps(&mut h, 2);
    let filter = h.get_by_role(egui::accesskit::Role::TextInput);
    filter.click();
    filter.type_text("tvm-1310900172_2");
    steps(&mut h, 2);
    // Enter leaves the field, so keys are shortcuts again.
    h.key_press(egui::Key::Enter);
    steps(&mut h, 2);
    let before = perf_doc(&h).analysis().unwrap().clone();
    h.key_press(egui::Key::F5);
    wait_until(&mut h, "the export read again", |app| {
        app.probe()
            .perf()
            .and_then(|p| p.analysis())
            .is_some_and(|a| !std::sync::Arc::ptr_eq(a, &before))
    });
    let g = &perf_doc(&h).gantt;
    assert_eq!(g.selected, Some(selected), "the selection stays");
    assert_eq!(g.filter, "tvm-1310900172_2", "the filter stays");
    assert!(g.drawn_rows.iter().all(|&i| {
        perf_doc(&h).analysis().unwrap().pools[0].nodes[i]
            .node_id
            .contains("tvm-1310900172_2")
    }));
}

/// Three series over 3,000 minutes: `cpu` spikes at minute 2,500, `mem`
/// waves, `disk` cycles.
fn series_file(dir: &std::path::Path) -> PathBuf {
    let mut csv = String::from("time,cpu,mem,disk\n");
    for i in 0..3000 {
        let cpu = 10.0
            + ((i * 37) % 11) as f64 / 10.0
            + if (2500..2503).contains(&i) { 40.0 } else { 0.0 };
        let mem = 50.0 + 5.0 * (i as f64 / 100.0).sin();
        csv.push_str(&format!(
            "{},{cpu},{mem},{}\n",
            1_700_000_000 + i * 60,
            3 + i % 5
        ));
    }
    let file = dir.join("host.csv");
    std::fs::write(&file, csv).unwrap();
    file
}

/// The active document's anomaly pane.
fn anomaly_pane<'a>(h: &'a Harness<'_, SegscopeApp>) -> &'a segscope::gui::anomaly::AnomalyPane {
    h.state().probe().anomalies().unwrap()
}

/// The active document's anomaly run has finished.
fn anomalies_done(app: &SegscopeApp) -> bool {
    app.probe().anomalies().is_some_and(|a| a.run().is_some())
}

/// The app on [`series_file`] in `dir` with its database there, once the
/// anomaly run has finished; and the database's path.
fn series_opened(dir: &std::path::Path) -> (Harness<'static, SegscopeApp>, PathBuf) {
    let db = dir.join("gui.db");
    let mut h = harness(series_file(dir), db.clone());
    wait_until(&mut h, "the anomaly run", anomalies_done);
    (h, db)
}

#[test]
fn the_file_menu_offers_exactly_the_exports_of_the_active_document() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, _) = series_opened(dir.path());
    h.get_by_label("File").click();
    steps(&mut h, 4);
    for offered in [
        "Export HTML report…",
        "Export anomalies CSV…",
        "Export JSON report…",
        "Export view as PNG…",
    ] {
        h.get_by_label_contains(offered);
    }
    for archive_only in ["Export map PNGs…", "Export holes CSV…", "Export hours CSV…"] {
        assert_eq!(
            h.query_all_by_label_contains(archive_only).count(),
            0,
            "a series file has no {archive_only}"
        );
    }
}

#[test]
fn a_series_file_opens_on_the_anomalies_view_filters_explains_and_reruns_on_a_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, db) = series_opened(dir.path());
    assert_eq!(h.state().probe().view(), MainView::Anomalies);
    h.get_by_label("3 of 3 series");
    // The status bar says what the document holds and what ran.
    h.get_by_label_contains("3 series: 0 anomalous, 3 normal, 0 empty, 0 too short, 0 stale, 0 boring (consensus 6 of 9) · judged in");
    // The spiking series is shown first and its scan flagged the spike.
    let pane = anomaly_pane(&h);
    let shown = pane.selected_series().unwrap();
    assert_eq!(shown.name, "host/cpu");
    let flagged = shown.anomalous_times(6);
    assert!(
        flagged.contains(&((1_700_000_000 + 2500 * 60) * 1_000_000)),
        "{flagged:?}"
    );
    h.get_by_label("Why");
    h.get_by_label_contains("Last point: normal");
    assert_eq!(
        h.query_all_by_label("mean_subtraction_cumulation").count(),
        2,
        "on the card and in the breakdown"
    );

    // Anomalous only keeps the series whose scan flagged points.
    h.get_by_label("Anomalous only").click();
    steps(&mut h, 2);
    h.get_by_label("1 of 3 series");
    h.get_by_label("Anomalous only").click();
    steps(&mut h, 2);

    // Picking another series shows it.
    h.get_by_label_contains("host/mem").click();
    steps(&mut h, 2);
    assert_eq!(anomaly_pane(&h).selected_series().unwrap().name, "host/mem");
    h.get_by_label_contains("host/cpu").click();
    steps(&mut h, 2);

    // Clicking a point picks it and the card gives the scan's verdict on it.
    let at = anomaly_pane(&h)
        .point_on_screen(2500)
        .expect("the plot is drawn");
    click_at(&mut h, at);
    assert_eq!(
        anomaly_pane(&h).picked.as_ref().map(|p| p.index),
        Some(2500)
    );
    h.get_by_label("Point at 2023-11-16T15:53:20Z");
    h.get_by_label_contains("(a new extreme of its window)");
    h.get_by_label_contains("scan verdict: anomalous (flagged)");
    // The card explains the deviation signal behind the score.
    h.get_by_label_contains("Expected 10.1 from its seasonal profile: the median of the values 11, 22 and 33 points before");
    h.get_by_label_contains("Level shift: the last 10 points' mean is");
    h.get_by_label_contains("the score is at least 0.4 times it");

    // Switching an algorithm off reruns with eight, and is stored.
    h.get_by_label("Algorithms (9)").click();
    steps(&mut h, 2);
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "ks_test")
        .click();
    steps(&mut h, 1);
    wait_until(&mut h, "the second run", |app| {
        app.probe()
            .anomalies()
            .and_then(|a| a.run())
            .is_some_and(|r| r.enabled.len() == 8)
    });
    let jobs_db = segscope::jobs::db::Db::open(&db).unwrap();
    let (stored, _) =
        segscope::jobs::settings::load_group::<segscope::anomaly::config::AnomalyConfig>(&jobs_db);
    assert_eq!(
        stored.enabled.len(),
        8,
        "the setting is stored for the CLI too"
    );
}

/// segscope's own points (queue, memory) have been polled into the active
/// document's monitor tree.
fn own_points_polled(app: &SegscopeApp) -> bool {
    app.probe().monitor().is_some_and(|m| {
        m.reading("segscope/queue").is_some() && m.reading("segscope/memory").is_some()
    })
}

#[test]
fn segscopes_own_points_are_polled_whatever_tab_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, _db) = series_opened(dir.path());
    assert_ne!(
        h.state().probe().tab(),
        segscope::gui::app::BottomTab::Monitor
    );
    wait_until(&mut h, "segscope's points polled", own_points_polled);
    assert_ne!(
        h.state().probe().tab(),
        segscope::gui::app::BottomTab::Monitor
    );
}

#[test]
fn the_monitor_tab_judges_anomaly_series_jumps_to_one_and_follows_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (mut h, db) = series_opened(dir.path());
    h.get_by_label_contains("host/mem").click();
    steps(&mut h, 2);
    h.get_by_label("Monitor").click();
    steps(&mut h, 3);
    // cpu's scan flagged its spike, its last point is normal: Orange.
    h.get_by_label("anomalies  orange");
    h.get_by_label("cpu  orange");
    assert!(h.query_all_by_label_contains("normal: ").count() >= 1);
    // segscope's own points are polled into the tree.
    wait_until(&mut h, "segscope's points", own_points_polled);
    // Folding the run's group brings them into view.
    h.query_all_by_label("-").next().unwrap().click();
    steps(&mut h, 2);
    h.get_by_label_contains("queue  ");
    h.get_by_label("+").click();
    steps(&mut h, 2);
    // Selecting the series shows it in the Anomalies view.
    h.get_by_label("cpu  orange").click();
    steps(&mut h, 3);
    assert_eq!(h.state().probe().view(), MainView::Anomalies);
    assert_eq!(anomaly_pane(&h).selected_series().unwrap().name, "host/cpu");

    // The rules: a flagged series made Red, stored for the CLI too.
    h.get_by_label("Monitor").click();
    steps(&mut h, 2);
    h.get_by_label("Alert rules").click();
    steps(&mut h, 2);
    // Rules in words, each with the widget its value needs: a level combo.
    h.get_by_label("A series with flagged points before its last")
        .click();
    steps(&mut h, 2);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "red")
        .click();
    steps(&mut h, 2);
    h.get_by_label("Apply rules").click();
    steps(&mut h, 3);
    h.get_by_label("cpu  red");
    // Stored by the app's store thread, off the frame.
    let jobs_db = segscope::jobs::db::Db::open(&db).unwrap();
    let stored = |f: &dyn Fn(&segscope::monitor::rules::AlertRules) -> bool| {
        f(&segscope::monitor::rules::AlertRules::load(&jobs_db).0)
    };
    wait_until(&mut h, "the rules stored", |_| {
        stored(&|r| r.flagged_series == segscope::monitor::Level::Red)
    });
    assert_eq!(
        h.state().probe().rules().flagged_series,
        segscope::monitor::Level::Red
    );
    // A number keeps to its range: a watch interval under a second is
    // taken as the least, 1 s. A checkbox for yes or no.
    h.get_by_label("Watching re-scans every")
        .set_value_accesskit(0.5);
    steps(&mut h, 1);
    h.get_by_role_and_label(
        egui::accesskit::Role::CheckBox,
        "Any hole makes an hour orange",
    )
    .click();
    steps(&mut h, 1);
    h.get_by_label("Apply rules").click();
    steps(&mut h, 2);
    wait_until(&mut h, "the new interval stored", |_| {
        stored(&|r| r.watch_interval_s == 1.0 && !r.any_hole_orange)
    });
}

#[test]
fn an_archive_shows_its_derived_series_in_the_anomalies_view() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "analysis", analysed);
    // The timeline zoomed to 2 seconds.
    let (z0, z1) = (t("2024-11-09T05", 3.0), t("2024-11-09T05", 5.0));
    h.state_mut().show_range(z0, z1);
    h.get_by_label("Anomalies").click();
    wait_until(&mut h, "the anomaly run", anomalies_done);
    steps(&mut h, 2);
    // The plot opens fitted to its series, not on the timeline's zoom.
    let (s0, s1) = anomaly_pane(&h).extent().unwrap();
    let (p0, p1) = view_range(&h);
    assert!(
        p0 <= s0 && p1 >= s1 && (p1 - p0) < (s1 - s0) * 1.1,
        "fitted to the series {s0}..{s1}: {p0}..{p1}"
    );
    // Linked, it shows the timeline's view.
    h.get_by_label("Link to timeline").click();
    steps(&mut h, 2);
    assert_eq!(view_range(&h), (z0, z1));
    let run = anomaly_pane(&h).run().unwrap().clone();
    let names: Vec<&str> = run.series.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"chan/src/segments_per_minute"), "{names:?}");
    // The series were derived from the analysis on screen, not by reading
    // the archive again.
    let db = segscope::jobs::db::Db::open(&a.dir.path().join("gui.db")).unwrap();
    let tasks = segscope::jobs::queue::list(&db.lock(), 20).unwrap();
    let run_task = tasks.iter().find(|t| t.kind == "anomalies").unwrap();
    assert_eq!(
        run_task.result.as_ref().map(|r| r["source"].clone()),
        Some(serde_json::json!("snapshot"))
    );
    // The verdicts join the archive's monitor tree.
    let monitor = h.state().probe().monitor().unwrap();
    assert!(
        monitor
            .reading("anomalies/chan/src/segments_per_minute")
            .is_some()
    );
    // The plot shows the document's time view: moving it moves the plot.
    let (t0, t1) = view_range(&h);
    h.state_mut().show_range(t0, t0 + (t1 - t0) / 2.0);
    steps(&mut h, 3);
    assert!(
        (view_range(&h).1 - (t0 + (t1 - t0) / 2.0)).abs() < 1.0,
        "the plot keeps the view"
    );
    // Back on the timeline, the view is the same one.
    h.get_by_label("Timeline").click();
    steps(&mut h, 2);
    assert!((view_range(&h).1 - (t0 + (t1 - t0) / 2.0)).abs() < 1.0);

    // The archive's HTML report now carries the anomaly analysis too.
    let target = a.dir.path().join("exports/report.html");
    export_from_menu(&mut h, "Export HTML report", &target);
    let html = std::fs::read_to_string(&target).unwrap();
    assert!(
        html.contains("Anomalies (Skyline ensemble)"),
        "the anomaly section"
    );
    assert!(html.contains("chan/src/segments_per_minute"));
    assert!(
        html.contains("aria-label=\"coverage timeline\""),
        "and the coverage"
    );
}

#[test]
fn the_monitor_tab_shows_problem_hours_red_and_selecting_one_moves_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let demo = util::demo_archive(dir.path(), 3);
    let mut h = harness(demo, dir.path().join("gui.db"));
    wait_until(&mut h, "analysis", analysed);
    h.get_by_label("Monitor").click();
    steps(&mut h, 3);
    // The demo's second hour holds a 12-minute hole in every stream.
    let red = "2024-11-09T01  red";
    let shown = h.query_all_by_label(red).count();
    assert!(shown >= 1, "problem hours are red");
    h.get_by_label("Not green only").click();
    steps(&mut h, 2);
    assert!(h.query_all_by_label(red).count() >= shown, "red stays");
    assert_eq!(
        h.query_all_by_label_contains("  green").count(),
        0,
        "green points are filtered out"
    );
    h.query_all_by_label(red).next().unwrap().click();
    steps(&mut h, 3);
    let hour = parse_hour_name("2024-11-09T01").unwrap() as f64;
    assert_eq!(view_range(&h), (hour, hour + 3_600_000_000.0));
    assert_eq!(h.state().probe().view(), MainView::Timeline);
    // The point's alert history: it became Red when first judged.
    h.get_by_label_contains("none -> red");
}

#[test]
fn the_jobs_tab_cancels_and_retries_a_task() {
    let a = archive();
    let db_path = a.dir.path().join("gui.db");
    let mut h = harness(a.root(), db_path.clone());
    wait_until(&mut h, "analysis", analysed);
    // A task no runner claims (reserved for another process) stays queued.
    let db = segscope::jobs::db::Db::open(&db_path).unwrap();
    let id = segscope::jobs::queue::enqueue(
        &db.lock(),
        "sleep",
        &serde_json::json!({"ms": 10}),
        Some("elsewhere:0"),
    )
    .unwrap();
    h.get_by_label("Jobs").click();
    let cancel = format!("Cancel #{id}");
    let until = Instant::now() + Duration::from_secs(180);
    while h.query_by_label(&cancel).is_none() {
        assert!(Instant::now() < until, "no {cancel}");
        steps(&mut h, 2);
        std::thread::sleep(Duration::from_millis(50));
    }
    h.get_by_label(&cancel).click();
    let retry = format!("Retry #{id}");
    while h.query_by_label(&retry).is_none() {
        assert!(Instant::now() < until, "no {retry}");
        steps(&mut h, 2);
        std::thread::sleep(Duration::from_millis(50));
    }
    let state = |db: &segscope::jobs::db::Db, id| {
        segscope::jobs::queue::get(&db.lock(), id)
            .unwrap()
            .unwrap()
            .state
    };
    assert_eq!(state(&db, id), segscope::jobs::queue::TaskState::Cancelled);
    h.get_by_label(&retry).click();
    // The retry is reserved for the app, whose runner runs it to the end.
    loop {
        let tasks = segscope::jobs::queue::list(&db.lock(), 10).unwrap();
        assert!(Instant::now() < until, "the retry did not run: {tasks:#?}");
        steps(&mut h, 2);
        std::thread::sleep(Duration::from_millis(50));
        if tasks.iter().any(|t| {
            t.id > id && t.kind == "sleep" && t.state == segscope::jobs::queue::TaskState::Done
        }) {
            break;
        }
    }
    let said = format!("task {id} queued again as task");
    while h.query_by_label_contains(&said).is_none() {
        assert!(Instant::now() < until, "the tab does not say {said}");
        steps(&mut h, 2);
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn watching_an_archive_picks_up_a_new_hour_and_follows_it() {
    let a = archive();
    let mut h = harness(a.root(), a.dir.path().join("gui.db"));
    wait_until(&mut h, "analysis", analysed);
    h.get_by_label("Watch").click();
    steps(&mut h, 2);
    assert!(
        h.state().probe().watch().expect("watching").follow,
        "follows by default"
    );
    h.state_mut().set_watch_interval(Duration::from_millis(200));
    // The user has moved the view: following keeps the span.
    let (t0, t1) = view_range(&h);
    h.state_mut().show_range(t0, t0 + (t1 - t0) / 4.0);
    let span = (t1 - t0) / 4.0;
    let hours_before: usize = h.state().analysis().unwrap().streams[0].hours.len();
    // A new hour arrives in the first stream.
    let stream = {
        let s = &h.state().analysis().unwrap().streams[0];
        format!("{}/{}", s.channel, s.quality)
    };
    let last = h.state().analysis().unwrap().streams[0]
        .hours
        .last()
        .unwrap()
        .hour_start_us;
    let next = segscope::time::format_hour(last + 3_600_000_000);
    let segs: Vec<String> = (0..30)
        .map(|i| format!("{:02}:{:02}.000000", i * 2 / 60, i * 2 % 60))
        .collect();
    let rows: Vec<(&str, &str, &str, &str)> = segs
        .iter()
        .map(|t| (next.as_str(), t.as_str(), "2.0", "full"))
        .collect();
    a.segs(&stream, &rows);
    wait_until(&mut h, "the watch to pick up the new hour", |app| {
        app.analysis()
            .is_some_and(|a| a.streams[0].hours.len() == hours_before + 1)
    });
    let newest = h.state().probe().extent().unwrap().1;
    let (t0, t1) = view_range(&h);
    assert!(((t1 - t0) - span).abs() < 1.0, "the span is kept");
    assert!(
        (t1 - (newest + span * 0.05)).abs() < 1.0,
        "the newest time in view"
    );
    // No toast for each re-scan: the log has it, as one line counting them
    // (at least the re-scan that found the hour and one before it).
    let rescans: Vec<_> = h
        .state()
        .probe()
        .log()
        .iter()
        .filter(|m| m.text.starts_with("Reloaded"))
        .collect();
    assert_eq!(rescans.len(), 1, "one line for the re-scans");
    assert!(!rescans[0].toast);
    // Let another re-scan come, then read the Log tab: stamped lines with
    // their document, the re-scans counted.
    let before = rescans[0].count;
    wait_until(&mut h, "another re-scan", |app| {
        app.probe()
            .log()
            .iter()
            .any(|m| m.text.starts_with("Reloaded") && m.count > before)
    });
    h.get_by_label("Log").click();
    steps(&mut h, 2);
    let counted = h.query_all_by_label_contains("] info: Reloaded").count();
    assert_eq!(counted, 1, "the re-scans' line, stamped with its document");
    let counted = h.query_all_by_label_contains(" warnings (x").count();
    assert_eq!(counted, 1, "the re-scans counted on their line");
}

#[test]
fn a_watched_archive_that_stops_growing_turns_critical() {
    let a = archive();
    let db_path = a.dir.path().join("gui.db");
    {
        // Critical as soon as a stream has not grown between two scans.
        let db = segscope::jobs::db::Db::open(&db_path).unwrap();
        segscope::jobs::settings::store_group::<segscope::monitor::rules::AlertRules>(
            &db,
            "monitor.critical_stall_s",
            "0",
        )
        .unwrap();
    }
    let mut h = harness(a.root(), db_path);
    wait_until(&mut h, "analysis", analysed);
    let monitor = h.state().probe().monitor().unwrap();
    assert!(monitor.worst() < Level::Critical);
    assert!(monitor.reading("segscope/last scan").is_some());
    h.get_by_label("Watch").click();
    steps(&mut h, 2);
    h.state_mut().set_watch_interval(Duration::from_millis(200));
    wait_until(&mut h, "a stalled stream", |app| {
        app.probe()
            .monitor()
            .is_some_and(|m| m.worst() == Level::Critical)
    });
    // The last scan's point counts the hours not read again once (reused
    // hours are cache hits).
    let a = h.state().analysis().unwrap();
    let hours: usize = a.streams.iter().map(|s| s.hours.len()).sum();
    let expected = format!(
        " {} of {hours} hours reused or from the cache",
        a.hours_from_cache
    );
    let monitor = h.state().probe().monitor().unwrap();
    let last = &monitor.reading("segscope/last scan").unwrap().value;
    assert!(last.ends_with(&expected), "{last}");
    h.get_by_label("Monitor").click();
    steps(&mut h, 3);
    assert!(h.query_all_by_label_contains("  critical").count() >= 1);
    // When the watch's scans stop coming, its hours show as stale after
    // three intervals: wait for a moment between scans and hold the next.
    let until = Instant::now() + Duration::from_secs(180);
    loop {
        h.step();
        let a = h.state().probe().archive().unwrap();
        if a.loader.reload_progress().is_none() && !a.loader.is_scanning() {
            h.state_mut().set_watch_interval(Duration::from_secs(3600));
            break;
        }
        assert!(Instant::now() < until, "the watch never paused");
    }
    std::thread::sleep(Duration::from_millis(700));
    steps(&mut h, 2);
    assert!(h.query_all_by_label("stale").count() >= 1);
    // Not watching, a reload finds nothing stalled.
    h.get_by_label("Watch").click();
    steps(&mut h, 2);
    h.key_press(egui::Key::F5);
    wait_until(&mut h, "the reload", |app| {
        app.probe()
            .monitor()
            .is_some_and(|m| m.worst() < Level::Critical)
    });
}

#[test]
fn the_monitor_tab_of_a_perf_export_marks_the_unfinished_node_and_jumps_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = demo_perf_opened(dir.path());
    let (index, node) = {
        let a = perf_doc(&h).analysis().unwrap().clone();
        let nodes = &a.pools[0].nodes;
        let i = nodes
            .iter()
            .position(|n| segscope::perf::summary::Metric::Total.value(n).is_none())
            .expect("the demo has an unfinished node");
        (i, nodes[i].node_id.clone())
    };
    h.get_by_label("Monitor").click();
    steps(&mut h, 2);
    h.get_by_label("Not green only").click();
    steps(&mut h, 3);
    h.get_by_label(&format!("{node}  red")).click();
    steps(&mut h, 3);
    assert_eq!(h.state().probe().view(), MainView::Gantt);
    assert_eq!(perf_doc(&h).gantt.selected, Some(index));
    // The anomaly run over the export's phase series joins the tree.
    h.get_by_label("Anomalies").click();
    wait_until(&mut h, "the anomaly run", anomalies_done);
    let pool = perf_doc(&h).analysis().unwrap().pools[0]
        .partition_key
        .clone();
    let monitor = h.state().probe().monitor().unwrap();
    assert!(
        monitor
            .reading(&format!("anomalies/{pool}/total"))
            .is_some()
    );
}

#[test]
fn cancel_clicked_as_the_scan_is_queued_stops_it() {
    // Held before its first hour: the scan cannot finish by itself.
    let mut held = HeldScan::open(2, 0);
    let h = &mut held.h;
    // Cancel in the first frames, as the task is being queued.
    h.step();
    h.get_by_label("Cancel").click();
    h.step();
    wait_until(h, "the cancellation", archive_cancelled);
    assert!(h.state().analysis().is_none());
}

/// The app on the demo archive, then File > Open nodes… with `typed`.
fn nodes_opened_by_typing(dir: &std::path::Path, typed: &str) -> Harness<'static, SegscopeApp> {
    let mut h = harness(util::demo_archive(dir, 1), dir.join("gui.db"));
    wait_until(&mut h, "the demo", analysed);
    h.get_by_label("File").click();
    steps(&mut h, 3);
    h.get_by_label_contains("Open nodes").click();
    steps(&mut h, 3);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .set_text_value_accesskit(typed);
    steps(&mut h, 2);
    h.get_by_label("Open").click();
    h
}

/// The lane labels the active fleet drew last frame.
fn fleet_lanes(h: &Harness<'_, SegscopeApp>) -> Vec<String> {
    h.state()
        .probe()
        .fleet()
        .unwrap()
        .timeline
        .drawn
        .iter()
        .map(|d| d.label.clone())
        .collect()
}

/// Two nodes over HTTP and one that is down, opened through File > Open nodes….
#[test]
fn a_fleet_opens_by_typing_its_nodes_and_shows_lanes_matrix_and_plan() {
    use egui::accesskit::Role;
    use segscope::bench::restreamer::{Behaviour, Restreamer};
    let dir = tempfile::tempdir().unwrap();
    let a = archive();
    // b fills a's first hole (00:04 - 00:09) in part.
    let b = Archive::new();
    b.segs(
        "chan/src",
        &[
            ("2024-11-09T05", "00:00.000000", "2.0", "full"),
            ("2024-11-09T05", "00:04.000000", "2.0", "full"),
        ],
    );
    let na = Restreamer::serve(&a.root(), Behaviour::Faithful).unwrap();
    let nb = Restreamer::serve(&b.root(), Behaviour::Faithful).unwrap();
    let typed = format!("a={} b={} down=http://127.0.0.1:9", na.url(), nb.url());
    let mut h = nodes_opened_by_typing(dir.path(), &typed);
    wait_until(&mut h, "the fleet", |app| {
        app.probe().fleet().is_some_and(|f| f.report().is_some())
    });
    let p = h.state().probe();
    assert_eq!(p.kind(), Some(segscope::gui::document::DocumentKind::Fleet));
    assert_eq!(p.view(), MainView::Nodes);
    let fleet = p.fleet().unwrap();
    let names: Vec<&str> = fleet.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "down"]);
    assert!(
        fleet.nodes[2]
            .error
            .as_deref()
            .unwrap()
            .contains("connection refused")
    );
    // Per stream a lane per readable node, then the union.
    assert_eq!(
        fleet_lanes(&h),
        [
            "a · chan/low",
            "union · chan/low",
            "a · chan/src",
            "b · chan/src",
            "union · chan/src"
        ]
    );
    assert!(
        h.query_all_by_label_contains("unreachable")
            .next()
            .is_some()
    );
    // The monitor tree: node > channel > quality > hour, the node that is
    // down Red.
    let monitor = h.state().probe().monitor().unwrap();
    let hour = monitor.reading("a/chan/src/2024-11-09T05").unwrap();
    assert!(hour.alert >= Level::Green, "{hour:?}");
    assert!(monitor.reading("b/chan/src/2024-11-09T05").is_some());
    let down = monitor.reading("down/reachable").unwrap();
    assert_eq!(down.alert, Level::Red);
    assert!(down.value.contains("connection refused"), "{down:?}");
    // One stream at a time: its lanes alone.
    h.get_by_label("Stream").click();
    steps(&mut h, 3);
    h.get_by_label("chan/src").click();
    steps(&mut h, 3);
    assert_eq!(
        fleet_lanes(&h),
        ["a · chan/src", "b · chan/src", "union · chan/src"]
    );
    h.get_by_label("Stream").click();
    steps(&mut h, 3);
    h.get_by_label("every stream").click();
    steps(&mut h, 3);
    assert_eq!(fleet_lanes(&h).len(), 5);
    // Hiding b takes its lane away; moving b up puts it first.
    h.get_by_role_and_label(Role::CheckBox, "b").click();
    steps(&mut h, 3);
    assert!(!fleet_lanes(&h).iter().any(|l| l.starts_with("b ·")));
    h.get_by_role_and_label(Role::CheckBox, "b").click();
    steps(&mut h, 3);
    h.get_all_by_label("up").nth(1).unwrap().click();
    steps(&mut h, 3);
    assert_eq!(h.state().probe().fleet().unwrap().order, vec![1, 0, 2]);
    assert_eq!(fleet_lanes(&h)[2], "b · chan/src");
    // The plan: a gets b's 00:04 segment.
    let plan = h
        .state()
        .probe()
        .fleet()
        .unwrap()
        .report()
        .unwrap()
        .plan
        .clone();
    assert!(
        plan.fetches
            .iter()
            .any(|f| f.to == "a" && f.from == "b" && f.path.contains("/00:04.000000-"))
    );
    // A lost stretch clicked in the Plan tab shows it in the lanes.
    let lost = plan.lost[0].clone();
    h.get_all_by_label_contains(&format!("{}/{}  ", lost.channel, lost.quality))
        .next()
        .unwrap()
        .click();
    steps(&mut h, 5);
    let (t0, t1) = view_range(&h);
    assert!(
        t0 <= lost.start_us as f64 && t1 >= lost.end_us as f64,
        "{t0} {t1} {lost:?}"
    );
    // The matrix: a click on a cell shows that hour in the lanes.
    h.get_by_label("Node × hour").click();
    steps(&mut h, 3);
    assert_eq!(h.state().probe().view(), MainView::NodeHours);
    h.get_by_label("a · chan/src · 2024-11-09T05").click();
    steps(&mut h, 5);
    assert_eq!(h.state().probe().view(), MainView::Nodes);
    let hour = parse_hour_name("2024-11-09T05").unwrap() as f64;
    let (t0, t1) = view_range(&h);
    assert!(
        (t0 - hour).abs() < 1e6 && (t1 - hour - 3.6e9).abs() < 1e6,
        "{t0} {t1}"
    );
}

/// A recording node's URL opens like an archive, read over HTTP.
#[test]
fn a_node_url_opens_as_an_archive() {
    use segscope::bench::restreamer::{Behaviour, Restreamer};
    let dir = tempfile::tempdir().unwrap();
    let a = archive();
    let node = Restreamer::serve(&a.root(), Behaviour::Faithful).unwrap();
    let mut h = harness(PathBuf::from(node.url()), dir.path().join("gui.db"));
    wait_until(&mut h, "the node's analysis", analysed);
    let p = h.state().probe();
    assert_eq!(p.titles(), vec![node.url()]);
    let analysis = p.analysis().unwrap();
    let names: Vec<String> = analysis
        .streams
        .iter()
        .map(|s| format!("{}/{}", s.channel, s.quality))
        .collect();
    assert_eq!(names, ["chan/low", "chan/src"]);
    assert!(node.requests() > 3);
}

/// A node read before a slow one is drawn at once; the union follows.
#[test]
fn a_fleets_nodes_are_drawn_as_each_is_read() {
    use segscope::bench::restreamer::{Behaviour, Restreamer};
    let dir = tempfile::tempdir().unwrap();
    let a = archive();
    let fast = Restreamer::serve(&a.root(), Behaviour::Faithful).unwrap();
    // Its hour listings trickle out: seconds each.
    let slow = Restreamer::serve(&a.root(), Behaviour::Trickle(15)).unwrap();
    let typed = format!("fast={} slow={}", fast.url(), slow.url());
    let mut h = nodes_opened_by_typing(dir.path(), &typed);
    wait_until(&mut h, "the fast node's lanes", |app| {
        app.probe()
            .fleet()
            .is_some_and(|f| !f.timeline.drawn.is_empty())
    });
    let fleet = h.state().probe().fleet().unwrap();
    assert!(fleet.report().is_none(), "drawn before the fleet is done");
    assert_eq!(fleet_lanes(&h), ["fast · chan/low", "fast · chan/src"]);
    wait_until(&mut h, "the whole fleet", |app| {
        app.probe().fleet().is_some_and(|f| f.report().is_some())
    });
    assert!(fleet_lanes(&h).contains(&"union · chan/src".to_string()));
}

/// A fleet of node URLs alone exports its plan (nothing local to keep out of),
/// and F5 reads the nodes again keeping the lane order.
#[test]
fn a_fleet_of_urls_exports_its_plan_and_reloads() {
    use segscope::bench::restreamer::{Behaviour, Restreamer};
    let dir = tempfile::tempdir().unwrap();
    let a = archive();
    let one = Restreamer::serve(&a.root(), Behaviour::Faithful).unwrap();
    let two = Restreamer::serve(&a.root(), Behaviour::Faithful).unwrap();
    let typed = format!("one={} two={}", one.url(), two.url());
    let mut h = nodes_opened_by_typing(dir.path(), &typed);
    wait_until(&mut h, "the fleet", |app| {
        app.probe().fleet().is_some_and(|f| f.report().is_some())
    });
    let target = dir.path().join("out").join("plan.json");
    export_from_menu(&mut h, "Export backfill plan", &target);
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(plan["nodes"].as_array().unwrap().len(), 2);
    h.get_all_by_label("up").nth(1).unwrap().click();
    steps(&mut h, 3);
    let served = one.requests();
    h.key_press(egui::Key::F5);
    wait_until(&mut h, "the nodes read again", |app| {
        app.probe().fleet().is_some_and(|f| !f.is_reading())
    });
    assert!(one.requests() > served, "read again");
    assert_eq!(h.state().probe().fleet().unwrap().order, vec![1, 0]);
}
