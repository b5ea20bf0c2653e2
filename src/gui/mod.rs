//! The desktop app (eframe/egui): the only module that uses egui, eframe and rfd.
//! It renders state and sends commands; analyses run on the job runner.
//!
//! Its rooms: [`app`] (the window: documents, frames, dispatch),
//! [`document`] (what a document is, by kind), [`shell`] (commands, palette,
//! dialogs, notifications, settings, the store), [`widgets`] (time view and
//! axis), and one room per kind of document: [`archive`], [`perf`],
//! [`anomaly`], [`monitor`].

pub mod anomaly;
pub mod app;
pub mod archive;
pub mod document;
pub mod fleet;
pub mod monitor;
pub mod perf;
pub mod shell;
pub mod widgets;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How the window is started.
#[derive(Debug, Clone)]
pub struct GuiOptions {
    /// Archive to open (`None`: the demo archive, generated if missing).
    pub path: Option<PathBuf>,
    /// Database (`None`: the default).
    pub db: Option<PathBuf>,
    /// Save a screenshot here once the analysis is done and drawn.
    pub screenshot: Option<PathBuf>,
    /// Close once the analysis is done (after the screenshot, if any).
    pub exit_when_done: bool,
    /// Run the scripted zoom/pan sweep over this many frames and print frame times.
    pub bench_frames: Option<usize>,
    /// Once the analysis is drawn, export the timeline view as PNG here.
    pub export_view: Option<PathBuf>,
    /// Show this time range (µs) instead of fitting the whole archive.
    pub view: Option<(i64, i64)>,
    /// Scan every hour directory; neither read nor update the result cache.
    pub no_cache: bool,
    /// The main view to show first (instead of the document's own).
    pub show: Option<document::MainView>,
    /// The bottom tab to show first, by its key (`monitor`, `jobs`, …).
    pub tab: Option<String>,
    /// When the process started (for the first-frame latency).
    pub started: Instant,
    /// Set by a scripted run that failed.
    pub failure: Arc<Mutex<Option<String>>>,
}

impl GuiOptions {
    /// Options to open `path` interactively.
    pub fn open(path: Option<PathBuf>) -> Self {
        GuiOptions {
            path,
            db: None,
            screenshot: None,
            exit_when_done: false,
            bench_frames: None,
            view: None,
            export_view: None,
            no_cache: false,
            show: None,
            tab: None,
            started: Instant::now(),
            failure: Arc::new(Mutex::new(None)),
        }
    }
}

/// The window icon (assets/segscope.png, built in).
pub fn window_icon() -> Option<egui::IconData> {
    let img = image::load_from_memory(include_bytes!("../../assets/segscope.png")).ok()?;
    let rgba = img.to_rgba8();
    Some(egui::IconData {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// Opens the window and runs until it is closed.
pub fn run(options: GuiOptions) -> anyhow::Result<()> {
    let scripted = options.bench_frames.is_some()
        || options.screenshot.is_some()
        || options.export_view.is_some();
    let mut native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("segscope")
            .with_app_id("segscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    if let Some(icon) = window_icon() {
        native.viewport = native.viewport.with_icon(icon);
    }
    // Frame times are measured, not capped by the display, in scripted runs.
    native.glow_options.vsync = !scripted;
    let failure = Arc::clone(&options.failure);
    eframe::run_native(
        "segscope",
        native,
        Box::new(move |cc| Ok(Box::new(app::SegscopeApp::new(cc, options)?))),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    let failed = failure.lock().ok().and_then(|f| f.clone());
    match failed {
        Some(why) => anyhow::bail!("{why}"),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_icon_is_built_in() {
        let icon = super::window_icon().expect("the icon decodes");
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
    }
}
