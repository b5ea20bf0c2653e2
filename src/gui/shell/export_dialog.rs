//! Exports from the app: a small dialog (typed path with a Browse… button using the
//! native dialog off the UI thread), then the export runs on a background thread
//! and a notification says where the file went. Writes are atomic and never land
//! inside the analysed archive.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use egui::ColorImage;

use crate::analysis::Analysis;
use crate::export::atomic::{ensure_outside, write_output};
use crate::export::kinds::Subject;
use crate::export::kinds::{ExportKind, export_html_with_anomalies, export_to, write_kind};
use crate::export::png;
pub use crate::gui::shell::command::ExportChoice;
use crate::perf::PerfAnalysis;

/// A finished analysis of either kind, for exports.
#[derive(Clone)]
pub enum Analysed {
    /// An archive's coverage.
    Coverage(Arc<Analysis>),
    /// A perf export's timings.
    Perf(Arc<PerfAnalysis>),
    /// A series file's anomaly run.
    Anomalies(Arc<crate::anomaly::run::AnomalyRun>),
    /// A fleet's coverage side by side and backfill plan.
    Fleet(Arc<crate::fleet::FleetReport>),
}

impl Analysed {
    /// What the export kinds render.
    pub fn subject(&self) -> Subject<'_> {
        match self {
            Analysed::Coverage(a) => Subject::Coverage(a),
            Analysed::Perf(p) => Subject::Perf(p),
            Analysed::Anomalies(r) => Subject::Anomalies(r),
            Analysed::Fleet(f) => Subject::Fleet(f),
        }
    }
}

/// The open export dialog.
pub struct ExportDialog {
    /// Kind.
    pub kind: ExportChoice,
    /// Target path, as typed.
    pub path: String,
    browse: Option<Receiver<Option<PathBuf>>>,
}

/// What the dialog asks for this frame.
pub enum DialogAction {
    /// Nothing yet.
    None,
    /// Export to this path.
    Save(PathBuf),
    /// Closed.
    Cancel,
}

impl ExportDialog {
    /// A dialog proposing `dir/NAME` (the document proposes its name).
    pub fn new(kind: ExportChoice, dir: &Path, name: &str) -> Self {
        ExportDialog {
            kind,
            path: dir.join(name).to_string_lossy().into_owned(),
            browse: None,
        }
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ctx: &egui::Context) -> DialogAction {
        if let Some(rx) = &self.browse
            && let Ok(result) = rx.try_recv()
        {
            if let Some(p) = result {
                self.path = p.to_string_lossy().into_owned();
            }
            self.browse = None;
        }
        let mut action = DialogAction::None;
        let mut open = true;
        egui::Window::new(self.kind.title())
            .collapsible(false)
            .resizable(false)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(if self.kind.is_folder() {
                    "Folder"
                } else {
                    "File"
                });
                ui.horizontal(|ui| {
                    let edit =
                        ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(420.0));
                    if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        action = DialogAction::Save(PathBuf::from(&self.path));
                    }
                    if ui
                        .add_enabled(self.browse.is_none(), egui::Button::new("Browse…"))
                        .clicked()
                    {
                        self.browse = Some(browse(self.kind, &self.path, ui.ctx().clone()));
                    }
                });
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        action = DialogAction::Save(PathBuf::from(&self.path));
                    }
                    if ui.button("Cancel").clicked() {
                        action = DialogAction::Cancel;
                    }
                });
            });
        if !open {
            action = DialogAction::Cancel;
        }
        action
    }
}

/// Runs the native dialog on its own thread (it may block, or show nothing where
/// no desktop portal runs); the answer comes back over a channel.
fn browse(kind: ExportChoice, current: &str, ctx: egui::Context) -> Receiver<Option<PathBuf>> {
    let (tx, rx) = mpsc::channel();
    let current = PathBuf::from(current);
    let _ = std::thread::Builder::new()
        .name("segscope-dialog".into())
        .spawn(move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = current.parent() {
                dialog = dialog.set_directory(dir);
            }
            if let Some(name) = current.file_name() {
                dialog = dialog.set_file_name(name.to_string_lossy());
            }
            let picked = if kind.is_folder() {
                dialog.pick_folder()
            } else {
                dialog.save_file()
            };
            let _ = tx.send(picked);
            ctx.request_repaint();
        });
    rx
}

/// Runs exports in the background and reports back.
pub struct Exporter {
    tx: Sender<Result<String, String>>,
    rx: Receiver<Result<String, String>>,
    /// A view export waiting for its screenshot: target, crop rectangle in points.
    pub pending_view: Option<(PathBuf, egui::Rect)>,
    /// The screenshot for the pending view export has been asked for.
    pub view_requested: bool,
    /// Where a requested screenshot lands.
    pub screenshot: Arc<Mutex<Option<Arc<ColorImage>>>>,
}

impl Default for Exporter {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Exporter {
            tx,
            rx,
            pending_view: None,
            view_requested: false,
            screenshot: Arc::new(Mutex::new(None)),
        }
    }
}

impl Exporter {
    /// Starts an export of one of the data kinds on a background thread.
    pub fn start(
        &self,
        kind: ExportKind,
        analysis: Analysed,
        anomalies: Option<Arc<crate::anomaly::run::AnomalyRun>>,
        inputs: Vec<PathBuf>,
        target: PathBuf,
        ctx: egui::Context,
    ) {
        let tx = self.tx.clone();
        let _ = std::thread::Builder::new()
            .name("segscope-export".into())
            .spawn(move || {
                let result = prepare_target(&inputs, &target).and_then(|()| {
                    match (&anomalies, inputs.first()) {
                        // The report of an archive or perf export whose anomalies
                        // were analysed has them as a section.
                        (Some(run), Some(source)) if kind == ExportKind::Html => {
                            export_html_with_anomalies(analysis.subject(), run, source, &target)
                        }
                        (_, Some(source)) => export_to(kind, analysis.subject(), source, &target),
                        // Nothing local to keep out of (a fleet of node URLs).
                        (_, None) => write_kind(kind, analysis.subject(), &target)
                            .map(|()| format!("Saved {}", target.display()))
                            .map_err(|e| e.to_string()),
                    }
                });
                let _ = tx.send(result);
                ctx.request_repaint();
            });
    }

    /// Encodes and writes a cropped screenshot on a background thread.
    pub fn save_view(
        &self,
        image: Arc<ColorImage>,
        crop_px: [usize; 4],
        target: PathBuf,
        inputs: Vec<PathBuf>,
        ctx: egui::Context,
    ) {
        let tx = self.tx.clone();
        let _ = std::thread::Builder::new()
            .name("segscope-export".into())
            .spawn(move || {
                let result = (|| {
                    prepare_target(&inputs, &target)?;
                    let bytes = encode_crop(&image, crop_px)?;
                    write_output(&target, &bytes).map_err(|e| e.to_string())?;
                    Ok(format!("Saved the view to {}", target.display()))
                })();
                let _ = tx.send(result);
                ctx.request_repaint();
            });
    }

    /// Results of finished exports.
    pub fn finished(&self) -> Vec<Result<String, String>> {
        self.rx.try_iter().collect()
    }
}

/// Refuses a target inside any of the inputs (the archive; a fleet's local
/// nodes and node file), then creates its folder if missing (the
/// dialog proposes new folders). Runs on the export's background thread.
fn prepare_target(inputs: &[PathBuf], target: &Path) -> Result<(), String> {
    for input in inputs {
        ensure_outside(input, target).map_err(|e| e.to_string())?;
    }
    match target.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display())),
        None => Ok(()),
    }
}

/// PNG bytes of `[x, y, w, h]` (pixels) of a screenshot, clamped to the image.
pub fn encode_crop(image: &ColorImage, [x, y, w, h]: [usize; 4]) -> Result<Vec<u8>, String> {
    let [iw, ih] = image.size;
    let (x, y) = (x.min(iw), y.min(ih));
    let (w, h) = (w.min(iw - x), h.min(ih - y));
    if w == 0 || h == 0 {
        return Err("nothing to save: the view is empty".into());
    }
    let mut out = image::RgbaImage::new(w as u32, h as u32);
    for row in 0..h {
        for col in 0..w {
            let c = image.pixels[(y + row) * iw + x + col];
            out.put_pixel(
                col as u32,
                row as u32,
                image::Rgba(c.to_srgba_unmultiplied()),
            );
        }
    }
    png::encode_png(&out).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_are_clamped_to_the_image() {
        let mut img = ColorImage::new([4, 3], vec![egui::Color32::BLACK; 12]);
        img.pixels[4 + 1] = egui::Color32::RED;
        let png = encode_crop(&img, [1, 1, 10, 10]).unwrap();
        let back = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (3, 2));
        assert_eq!(back.get_pixel(0, 0).0, [255, 0, 0, 255]);
        assert!(
            encode_crop(&img, [4, 0, 2, 2]).is_err(),
            "an empty crop is an error"
        );
    }
}
