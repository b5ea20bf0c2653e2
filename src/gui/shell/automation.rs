//! Scripted runs of the real window: `--screenshot FILE` (save a screenshot once the
//! analysis is done and the map drawn), `--exit-when-done`, and `--bench-frames N`
//! (a zoom/pan sweep over the whole archive with frame-time percentiles, the first
//! frame's latency, the worst stall while the scan ran, when the first lanes were
//! drawn and the analysis finished, then the pointer crossing the lanes at segment
//! level, with the frame times while hovering).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use egui::ColorImage;

use crate::gui::GuiOptions;
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::export_dialog::{Exporter, encode_crop};
use crate::gui::widgets::time_view::TimeView;

/// Frames to draw after the analysis before the screenshot (layout settles).
const SETTLE_FRAMES: usize = 4;

/// Frames of the hover phase: the pointer crosses the lanes at segment level.
const HOVER_FRAMES: usize = 150;

struct FrameBench {
    frames: usize,
    done: usize,
    extent: Option<(f64, f64)>,
    intervals_ms: Vec<f64>,
    ui_ms: Vec<f64>,
    cpu_ms: Vec<f64>,
    /// Frames of the hover phase done, and their intervals.
    hovered: usize,
    hover_ms: Vec<f64>,
    /// Where the pointer goes in the next frame (hover phase).
    pointer: Option<egui::Pos2>,
}

/// State of a scripted run.
pub struct Automation {
    screenshot: Option<PathBuf>,
    export_view: Option<PathBuf>,
    /// 0: not started, 1: running, 2: finished.
    export_view_state: u8,
    exit_when_done: bool,
    bench: Option<FrameBench>,
    started: Instant,
    frames_since_done: usize,
    shot: Arc<Mutex<Option<Arc<ColorImage>>>>,
    shot_requested: bool,
    close: bool,
    first_frame: Option<Duration>,
    last_frame: Option<Instant>,
    frame_began: Option<Instant>,
    frames: usize,
    worst_scan_gap: Duration,
    first_lanes: Option<Duration>,
    analysis_done: Option<Duration>,
    /// Set when the run should end with an error (printed by the caller).
    pub failure: Arc<Mutex<Option<String>>>,
}

impl Automation {
    /// From the command-line options.
    pub fn new(o: &GuiOptions) -> Self {
        Automation {
            screenshot: o.screenshot.clone(),
            export_view: o.export_view.clone(),
            export_view_state: 0,
            exit_when_done: o.exit_when_done,
            bench: o.bench_frames.map(|frames| FrameBench {
                frames,
                done: 0,
                extent: None,
                intervals_ms: Vec::new(),
                ui_ms: Vec::new(),
                cpu_ms: Vec::new(),
                hovered: 0,
                hover_ms: Vec::new(),
                pointer: None,
            }),
            started: o.started,
            frames_since_done: 0,
            shot: Arc::new(Mutex::new(None)),
            shot_requested: false,
            close: false,
            first_frame: None,
            last_frame: None,
            frame_began: None,
            frames: 0,
            worst_scan_gap: Duration::ZERO,
            first_lanes: None,
            analysis_done: None,
            failure: Arc::clone(&o.failure),
        }
    }

    fn scripted(&self) -> bool {
        self.screenshot.is_some()
            || self.exit_when_done
            || self.bench.is_some()
            || self.export_view.is_some()
    }

    /// The `--export-view` target, once the analysis is done and drawn (asked once).
    pub fn view_export_due(&mut self) -> Option<PathBuf> {
        if self.export_view_state == 0
            && self.frames_since_done >= SETTLE_FRAMES
            && self.bench.is_none()
        {
            self.export_view_state = 1;
            return self.export_view.clone();
        }
        None
    }

    /// An export finished: a scripted view export is done (or failed).
    pub fn export_finished(&mut self, result: &Result<String, String>) {
        if self.export_view_state == 1 {
            self.export_view_state = 2;
            match result {
                Ok(m) => eprintln!("segscope: {m}"),
                Err(e) => self.fail(&format!("view export failed: {e}")),
            }
        }
    }

    fn exports_done(&self) -> bool {
        self.export_view.is_none() || self.export_view_state == 2
    }

    /// A screenshot for `--screenshot` is in flight.
    pub fn screenshot_pending(&self) -> bool {
        self.shot_requested && !self.close
    }

    /// The window should close now.
    pub fn should_close(&self) -> bool {
        self.close
    }

    /// Called at the start of every frame; `cpu` is eframe's measure of the
    /// previous frame (ui, tessellation and painting, without waiting).
    pub fn frame_start(&mut self, ctx: &egui::Context, scanning: bool, cpu: Option<f32>) {
        let now = Instant::now();
        if self.first_frame.is_none() {
            self.first_frame = Some(self.started.elapsed());
        }
        self.frames += 1;
        if let Some(last) = self.last_frame {
            let gap = now - last;
            // The first frames set up fonts and shaders: that is start-up, not a stall.
            if scanning && self.frames > 3 {
                self.worst_scan_gap = self.worst_scan_gap.max(gap);
            }
            if let Some(b) = &mut self.bench {
                if b.hovered > 0 {
                    b.hover_ms.push(gap.as_secs_f64() * 1e3);
                } else if b.extent.is_some() && b.done > 0 {
                    b.intervals_ms.push(gap.as_secs_f64() * 1e3);
                    if let Some(c) = cpu {
                        b.cpu_ms.push(f64::from(c) * 1e3);
                    }
                }
            }
        }
        self.last_frame = Some(now);
        self.frame_began = Some(now);
        if self.scripted() {
            ctx.request_repaint();
        }
    }

    /// Moves the pointer where the hover phase of the frame benchmark wants it.
    pub fn raw_input(&mut self, raw: &mut egui::RawInput) {
        if let Some(p) = self.bench.as_mut().and_then(|b| b.pointer.take()) {
            raw.events.push(egui::Event::PointerMoved(p));
        }
    }

    /// Called at the end of every frame; `lanes_with_data`: the timeline drew
    /// segments in at least one lane this frame.
    pub fn frame_end(&mut self, _ctx: &egui::Context, lanes_with_data: bool) {
        if lanes_with_data && self.first_lanes.is_none() {
            self.first_lanes = Some(self.started.elapsed());
        }
        if let (Some(b), Some(t)) = (&mut self.bench, self.frame_began)
            && b.extent.is_some()
            && b.done > 0
        {
            b.ui_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }

    /// Drives the scripted run once the analysis is there: `done` is `None`
    /// until the active document's analysis finished, then its time extent
    /// (`None` without data); `view_rect` is where its main view is drawn.
    pub fn step(
        &mut self,
        ctx: &egui::Context,
        done: Option<Option<(f64, f64)>>,
        time: &mut TimeView,
        timeline_rect: Option<egui::Rect>,
        _exporter: &Exporter,
    ) -> Option<AppCommand> {
        if !self.scripted() || self.close {
            return None;
        }
        let extent = done?;
        if self.analysis_done.is_none() {
            self.analysis_done = Some(self.started.elapsed());
        }
        self.frames_since_done += 1;
        if let Some(b) = &mut self.bench {
            if b.extent.is_none() {
                b.extent = extent;
                if b.extent.is_none() {
                    self.fail("nothing to benchmark: the document has no data on a time axis");
                    return None;
                }
            }
            if b.done < b.frames {
                if let Some((lo, hi)) = b.extent {
                    let (span, centre) = sweep(lo, hi, b.done, b.frames);
                    time.pin(centre - span / 2.0, centre + span / 2.0);
                }
                b.done += 1;
                return None;
            }
            if b.hovered < HOVER_FRAMES {
                // Segment level: 20 s in the middle, the pointer sweeping the lanes.
                if let (Some((lo, hi)), Some(rect)) = (b.extent, timeline_rect) {
                    let mid = (lo + hi) / 2.0;
                    time.pin(mid - 10e6, mid + 10e6);
                    let k = b.hovered as f32;
                    let plot_left = rect.left() + 150.0;
                    let x = plot_left + (rect.right() - plot_left) * ((k * 0.037) % 1.0);
                    let y = rect.top() + 30.0 + (rect.height() - 40.0) * ((k * 0.013) % 1.0);
                    b.pointer = Some(egui::pos2(x, y));
                }
                b.hovered += 1;
                return None;
            }
            let report = self.bench_report();
            print!("{report}");
            self.bench = None;
            if self.screenshot.is_none() {
                self.close = true;
            }
            return Some(AppCommand::FitAll);
        }
        if let Some(target) = self.screenshot.clone() {
            // After a view export: one screenshot in flight at a time (a
            // second request in the same frames is never answered).
            if !self.shot_requested
                && self.frames_since_done >= SETTLE_FRAMES
                && self.exports_done()
            {
                let slot = Arc::clone(&self.shot);
                let waker = ctx.clone();
                ctx.request_screenshot(move |img| {
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(img);
                    }
                    waker.request_repaint();
                });
                self.shot_requested = true;
            }
            let img = self.shot.lock().ok().and_then(|mut s| s.take());
            if let Some(img) = img {
                let [w, h] = img.size;
                match encode_crop(&img, [0, 0, w, h])
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| {
                        crate::export::atomic::write_output(&target, &bytes)
                            .map_err(|e| e.to_string())
                    }) {
                    Ok(()) => eprintln!(
                        "segscope: saved a {w}x{h} screenshot to {}",
                        target.display()
                    ),
                    Err(e) => self.fail(&format!("cannot save the screenshot: {e}")),
                }
                self.screenshot = None;
            }
            return None;
        }
        if self.exit_when_done && self.frames_since_done >= 2 && self.exports_done() {
            self.close = true;
        }
        None
    }

    /// Ends a scripted run whose analysis failed or was cancelled.
    pub fn abort(&mut self, why: &str) {
        if self.scripted() {
            self.fail(why);
        }
    }

    fn fail(&mut self, why: &str) {
        if let Ok(mut f) = self.failure.lock() {
            *f = Some(why.to_string());
        }
        self.close = true;
    }

    fn bench_report(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let Some(b) = &self.bench else { return out };
        // One line of percentiles: label, samples, which percentiles, a trailing note.
        let line = |out: &mut String, label: &str, v: &[f64], ps: &[(&str, f64)], note: &str| {
            let mut sorted = v.to_vec();
            sorted.sort_by(f64::total_cmp);
            let _ = write!(out, "{label:<23}");
            for (name, p) in ps {
                let i = ((sorted.len() as f64 - 1.0) * p).round().max(0.0) as usize;
                let _ = write!(out, "{name} {:.1}  ", sorted.get(i).copied().unwrap_or(0.0));
            }
            let _ = writeln!(out, "{note}");
        };
        let _ = writeln!(out, "frames                 {}", b.intervals_ms.len());
        let all = [("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)];
        let short = [("p50", 0.5), ("p95", 0.95), ("max", 1.0)];
        line(&mut out, "frame interval ms", &b.intervals_ms, &all, "");
        line(
            &mut out,
            "cpu per frame ms",
            &b.cpu_ms,
            &short,
            " (ui, tessellation, painting)",
        );
        line(&mut out, "ui time per frame ms", &b.ui_ms, &short, "");
        line(
            &mut out,
            "hovering segments ms",
            &b.hover_ms,
            &short,
            " (frame interval, pointer crossing the lanes at segment level)",
        );
        let _ = writeln!(
            out,
            "first frame after      {:.0} ms",
            self.first_frame.unwrap_or_default().as_secs_f64() * 1e3
        );
        let _ = writeln!(
            out,
            "worst stall while scanning {:.0} ms",
            self.worst_scan_gap.as_secs_f64() * 1e3
        );
        let ms = |d: Option<Duration>| d.unwrap_or_default().as_secs_f64() * 1e3;
        let _ = writeln!(
            out,
            "first lanes drawn after {:.0} ms",
            ms(self.first_lanes)
        );
        let _ = writeln!(
            out,
            "analysis finished after {:.0} ms",
            ms(self.analysis_done)
        );
        if let Some(peak) = crate::memory::peak_rss_bytes() {
            let _ = writeln!(out, "peak memory (RSS)      {:.0} MB", peak as f64 / 1e6);
        }
        out
    }
}

/// The scripted sweep: frame `k` of `n` shows `(span, centre)`: the view zooms
/// from the whole extent down to 20 seconds and back out while its centre crosses
/// the extent, so every level of detail and every part of the archive is drawn.
pub fn sweep(lo: f64, hi: f64, k: usize, n: usize) -> (f64, f64) {
    let full = (hi - lo).max(1.0);
    let min = 20e6_f64.min(full);
    let f = k as f64 / n.max(1) as f64;
    let depth = 1.0 - (2.0 * f - 1.0).abs();
    let span = full * (min / full).powf(depth);
    let centre = lo + span / 2.0 + (full - span) * f;
    (span, centre)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_covers_every_zoom_and_place() {
        let (lo, hi) = (0.0, 75.0 * 3.6e9);
        let frames: Vec<(f64, f64)> = (0..=100).map(|k| sweep(lo, hi, k, 100)).collect();
        assert!((frames[0].0 - (hi - lo)).abs() < 1.0);
        assert!((frames[50].0 - 20e6).abs() < 1.0);
        assert!(
            frames
                .iter()
                .all(|(s, c)| c - s / 2.0 >= lo - 1.0 && c + s / 2.0 <= hi + 1.0)
        );
    }
}
