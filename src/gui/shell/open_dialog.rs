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
    /// Opening a fleet: the text is a node file, node URLs or folders, or a
    /// Postgres DSN.
    pub nodes: bool,
    focus: bool,
    select_all: bool,
    /// Completions of `listed_for`, listed on a background thread.
    completions: Vec<String>,
    listed_for: Option<String>,
    listing: Option<Receiver<(String, Vec<String>)>>,
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
        self.nodes = false;
        self.open = true;
        self.text = start.to_string();
        self.focus = true;
        self.select_all = true;
    }

    /// Opens the window to open a fleet of nodes.
    pub fn show_nodes(&mut self) {
        self.show("");
        self.nodes = true;
    }

    /// Keeps the completions of the typed text up to date: the directory is
    /// listed on a background thread, never on the UI thread.
    fn refresh_completions(&mut self, ctx: &egui::Context) {
        if let Some(rx) = &self.listing
            && let Ok((text, list)) = rx.try_recv()
        {
            self.listing = None;
            if text == self.text {
                self.completions = list;
            }
        }
        if self.listed_for.as_deref() != Some(self.text.as_str()) && self.listing.is_none() {
            let text = self.text.clone();
            self.listed_for = Some(text.clone());
            let (tx, rx) = mpsc::channel();
            let ctx = ctx.clone();
            let _ = std::thread::Builder::new()
                .name("segscope-complete".into())
                .spawn(move || {
                    let list = completions(&text);
                    let _ = tx.send((text, list));
                    ctx.request_repaint();
                });
            self.listing = Some(rx);
        }
    }

    /// Draws the window; returns the path to open.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<PathBuf> {
        if !self.open {
            return None;
        }
        self.refresh_completions(ctx);
        let mut chosen = None;
        let mut open = true;
        let (title, about, hint) = if self.nodes {
            (
                "Open nodes",
                "Recording nodes: a node file (NAME URL per line), node URLs or archive folders \
                 separated by spaces (NAME=SOURCE names one), or wubloader's Postgres database \
                 (postgresql://USER:PASSWORD@HOST/DBNAME):",
                "http://node-a:8000 http://node-b:8000 or /path/to/nodes.txt",
            )
        } else {
            (
                "Open path",
                "An archive (its root, a channel or a quality directory, or a recording node's \
                 URL), a perf export or a series file (CSV or JSON Lines):",
                "/path/to/archive or /path/to/file.csv",
            )
        };
        egui::Window::new(title)
            .collapsible(false)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(about);
                let width = (ctx.content_rect().width() * 0.6).clamp(480.0, 1100.0);
                let mut output = egui::TextEdit::singleline(&mut self.text)
                    .desired_width(width)
                    .hint_text(hint)
                    .show(ui);
                let edit = output.response.clone();
                if self.select_all {
                    // Opened with the current path selected: typing or pasting
                    // replaces it.
                    output
                        .state
                        .cursor
                        .set_char_range(Some(egui::text::CCursorRange::select_all_str(&self.text)));
                    output.state.store(ui.ctx(), edit.id);
                    self.select_all = false;
                }
                if self.focus {
                    edit.request_focus();
                    self.focus = false;
                }
                if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    chosen = Some(PathBuf::from(self.text.trim()));
                }
                if ui.input(|i| i.key_pressed(egui::Key::Tab))
                    && let Some(first) = self.completions.first()
                {
                    self.text = first.clone();
                    self.focus = true;
                }
                ui.horizontal(|ui| {
                    if ui.button("Open").clicked() {
                        chosen = Some(PathBuf::from(self.text.trim()));
                    }
                    if ui.button("Cancel").clicked() {
                        self.open = false;
                    }
                });
                // Below the buttons, so a list that changes length never moves them.
                let mut picked = None;
                for c in &self.completions {
                    if ui.small_button(c).clicked() {
                        picked = Some(c.clone());
                    }
                }
                if let Some(c) = picked {
                    self.text = c;
                    self.focus = true;
                }
            });
        if !open || chosen.is_some() {
            self.open = false;
        }
        chosen
    }
}

/// Runs the native folder dialog on its own thread.
pub fn browse_folder(ctx: egui::Context) -> Receiver<Option<PathBuf>> {
    pick_in_background(ctx, || {
        rfd::FileDialog::new()
            .set_title("Open archive")
            .pick_folder()
    })
}

/// The native file dialog for a perf export, on its own thread.
pub fn browse_file(ctx: egui::Context) -> Receiver<Option<PathBuf>> {
    pick_in_background(ctx, || {
        rfd::FileDialog::new()
            .set_title("Open perf export")
            .add_filter("perf export", &["csv", "jsonl", "json", "txt"])
            .add_filter("any file", &["*"])
            .pick_file()
    })
}

/// Runs a native dialog on its own thread; the answer arrives on the receiver
/// and wakes the window.
fn pick_in_background(
    ctx: egui::Context,
    pick: impl FnOnce() -> Option<PathBuf> + Send + 'static,
) -> Receiver<Option<PathBuf>> {
    let (tx, rx) = mpsc::channel();
    let _ = std::thread::Builder::new()
        .name("segscope-dialog".into())
        .spawn(move || {
            let _ = tx.send(pick());
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
