//! Opening an archive by typing its path (with completion of directory names), and
//! the native folder dialog run off the UI thread.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};

/// The "Open path" window.
#[derive(Default)]
pub struct OpenPathDialog {
    /// Shown.
    pub open: bool,
    /// The path as typed.
    pub text: String,
    focus: bool,
}

/// Directory names completing `text` (its last component as a prefix), at most 12.
pub fn completions(text: &str) -> Vec<String> {
    let path = Path::new(text);
    let (dir, prefix) = if text.ends_with('/') || text.is_empty() {
        (
            if text.is_empty() {
                PathBuf::from(".")
            } else {
                path.to_path_buf()
            },
            String::new(),
        )
    } else {
        (
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with(&prefix) && (!n.starts_with('.') || prefix.starts_with('.')))
        .map(|n| {
            let base = if text.is_empty() {
                PathBuf::from(&n)
            } else {
                dir.join(&n)
            };
            format!("{}/", base.to_string_lossy())
        })
        .collect();
    out.sort();
    out.truncate(12);
    out
}

impl OpenPathDialog {
    /// Shows the window with `start` filled in.
    pub fn show(&mut self, start: &str) {
        self.open = true;
        self.text = start.to_string();
        self.focus = true;
    }

    /// Draws the window; returns the path to open.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<PathBuf> {
        if !self.open {
            return None;
        }
        let mut chosen = None;
        let mut open = true;
        egui::Window::new("Open path")
            .collapsible(false)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label("Archive root, channel or quality directory:");
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.text)
                        .desired_width(480.0)
                        .hint_text("/path/to/archive"),
                );
                if self.focus {
                    edit.request_focus();
                    self.focus = false;
                }
                if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    chosen = Some(PathBuf::from(self.text.trim()));
                }
                if ui.input(|i| i.key_pressed(egui::Key::Tab)) {
                    if let Some(first) = completions(&self.text).into_iter().next() {
                        self.text = first;
                        self.focus = true;
                    }
                }
                for c in completions(&self.text) {
                    if ui.small_button(&c).clicked() {
                        self.text = c;
                        self.focus = true;
                    }
                }
                ui.horizontal(|ui| {
                    if ui.button("Open").clicked() {
                        chosen = Some(PathBuf::from(self.text.trim()));
                    }
                    if ui.button("Cancel").clicked() {
                        self.open = false;
                    }
                });
            });
        if !open || chosen.is_some() {
            self.open = false;
        }
        chosen
    }
}

/// Runs the native folder dialog on its own thread.
pub fn browse_folder(ctx: egui::Context) -> Receiver<Option<PathBuf>> {
    let (tx, rx) = mpsc::channel();
    let _ = std::thread::Builder::new()
        .name("segscope-dialog".into())
        .spawn(move || {
            let _ = tx.send(
                rfd::FileDialog::new()
                    .set_title("Open archive")
                    .pick_folder(),
            );
            ctx.request_repaint();
        });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_directory_names() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["archive-a", "archive-b", "other", ".hidden"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("archive-file"), b"").unwrap();
        let base = dir.path().to_string_lossy().into_owned();
        let c = completions(&format!("{base}/arch"));
        assert_eq!(
            c,
            vec![format!("{base}/archive-a/"), format!("{base}/archive-b/")]
        );
        assert_eq!(completions(&format!("{base}/")).len(), 3);
        assert!(completions("/definitely/not/here/x").is_empty());
    }
}
