//! Messages for the user: toasts that fade, and the log panel that keeps them all.

use std::time::{Duration, Instant};

use egui::{Color32, RichText, Ui};

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// For information.
    Info,
    /// Something is off; work went on.
    Warning,
    /// Something failed.
    Error,
}

/// One message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Level.
    pub level: Level,
    /// Text.
    pub text: String,
    /// When.
    pub at: Instant,
    /// Shown as a toast too (not only in the log).
    pub toast: bool,
}

/// How long a toast stays.
const TOAST: Duration = Duration::from_secs(4);

/// All messages of this session.
#[derive(Default)]
pub struct Notifications {
    /// Every message, oldest first.
    pub log: Vec<Message>,
}

impl Notifications {
    /// Adds a message (and a toast).
    pub fn push(&mut self, level: Level, text: impl Into<String>) {
        self.log.push(Message {
            level,
            text: text.into(),
            at: Instant::now(),
            toast: true,
        });
    }

    /// Information for the log only (no toast): routine news, e.g. each
    /// re-scan of a watched archive.
    pub fn log_only(&mut self, text: impl Into<String>) {
        self.log.push(Message {
            level: Level::Info,
            text: text.into(),
            at: Instant::now(),
            toast: false,
        });
    }

    /// Information.
    pub fn info(&mut self, text: impl Into<String>) {
        self.push(Level::Info, text);
    }

    /// A warning.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.push(Level::Warning, text);
    }

    /// An error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(Level::Error, text);
    }

    fn colour(level: Level, dark: bool) -> Color32 {
        match (level, dark) {
            (Level::Info, true) => Color32::from_rgb(0xc8, 0xc8, 0xc8),
            (Level::Info, false) => Color32::from_rgb(0x30, 0x30, 0x30),
            (Level::Warning, true) => Color32::from_rgb(0xff, 0xc0, 0x40),
            (Level::Warning, false) => Color32::from_rgb(0x9a, 0x60, 0x00),
            (Level::Error, true) => Color32::from_rgb(0xff, 0x70, 0x70),
            (Level::Error, false) => Color32::from_rgb(0xb0, 0x10, 0x10),
        }
    }

    /// Draws the recent messages as toasts in the bottom-right corner; asks for a
    /// repaint while any is showing so they fade on time.
    pub fn toasts(&self, ctx: &egui::Context) {
        let now = Instant::now();
        let recent: Vec<&Message> = self
            .log
            .iter()
            .rev()
            .filter(|m| m.toast && now - m.at < TOAST)
            .take(3)
            .collect();
        if recent.is_empty() {
            return;
        }
        let dark = ctx.theme() == egui::Theme::Dark;
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -40.0])
            .order(egui::Order::Foreground)
            .interactable(false)
            .show(ctx, |ui| {
                for m in recent.iter().rev() {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        // Narrow enough to leave the tables' columns readable.
                        ui.set_max_width(340.0);
                        ui.label(RichText::new(&m.text).color(Self::colour(m.level, dark)));
                    });
                }
            });
        ctx.request_repaint_after(Duration::from_millis(500));
    }

    /// The log panel: every message, newest last.
    pub fn log_ui(&self, ui: &mut Ui) {
        let dark = ui.visuals().dark_mode;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show(ui, |ui| {
                for m in &self.log {
                    let tag = match m.level {
                        Level::Info => "info",
                        Level::Warning => "warning",
                        Level::Error => "error",
                    };
                    ui.label(
                        RichText::new(format!("{tag}: {}", m.text))
                            .color(Self::colour(m.level, dark)),
                    );
                }
            });
    }
}
