//! Messages for the user: toasts that fade, and the log panel that keeps them all.

use std::time::{Duration, Instant};

use egui::{Color32, RichText, Ui};

use crate::gui::widgets::axis::{TimeZoneChoice, format_time};

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
    /// When (the last time, for a repeated message).
    pub at: Instant,
    /// When, on the clock (the last time, for a repeated message).
    pub wall: std::time::SystemTime,
    /// The document it is about, if any.
    pub source: Option<String>,
    /// How many times it was said (a repeated warning is one line).
    pub count: u32,
    /// Routine news of this kind replaces the line before it (a watch's
    /// re-scans of one document are one line).
    pub routine: Option<String>,
    /// Shown as a toast too (not only in the log).
    pub toast: bool,
}

impl Message {
    /// The log's line: time, document, level, text and how often.
    pub fn line(&self, tz: TimeZoneChoice) -> String {
        let us = self
            .wall
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
        let tag = match self.level {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        };
        let mut line = format!("{} ", format_time(us, "%H:%M:%S", tz));
        if let Some(source) = &self.source {
            line.push_str(&format!("[{}] ", crate::text::shown(source)));
        }
        line.push_str(&format!("{tag}: {}", self.text));
        if self.count > 1 {
            line.push_str(&format!(" (x{})", self.count));
        }
        line
    }
}

/// How long a toast stays.
const TOAST: Duration = Duration::from_secs(4);

/// All messages of this session.
#[derive(Default)]
pub struct Notifications {
    /// Every message, oldest first.
    pub log: Vec<Message>,
    /// The document the messages being said are about.
    source: Option<String>,
}

impl Notifications {
    /// Adds a message (and a toast). The same message said again (same
    /// level, text and document) is counted on its line, moved to the end,
    /// and not toasted again.
    pub fn push(&mut self, level: Level, text: impl Into<String>) {
        self.add(level, text.into(), true, None);
    }

    fn add(&mut self, level: Level, text: String, toast: bool, routine: Option<String>) {
        let source = self.source.clone();
        let same = |m: &Message| match (&routine, &m.routine) {
            (Some(r), Some(mine)) => r == mine && m.source == source,
            (None, None) => m.level == level && m.text == text && m.source == source,
            _ => false,
        };
        let (count, toast) = match self.log.iter().rposition(same) {
            Some(i) => {
                let earlier = self.log.remove(i);
                (earlier.count + 1, false)
            }
            None => (1, toast),
        };
        self.log.push(Message {
            level,
            text,
            at: Instant::now(),
            wall: std::time::SystemTime::now(),
            source,
            count,
            routine,
            toast,
        });
    }

    /// Runs `f` with every message it says marked as about `source` (a
    /// document's title).
    pub fn about<R>(&mut self, source: String, f: impl FnOnce(&mut Notifications) -> R) -> R {
        let outer = self.source.replace(source);
        let r = f(self);
        self.source = outer;
        r
    }

    /// Routine news for the log only (no toast), of a `kind` whose newest
    /// line replaces the one before (per document): each re-scan of a
    /// watched archive.
    pub fn routine(&mut self, kind: &str, text: impl Into<String>) {
        self.add(Level::Info, text.into(), false, Some(kind.to_string()));
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

    /// The log panel: every message, newest last, stamped with its time and
    /// document; it follows the newest unless scrolled up.
    pub fn log_ui(&self, ui: &mut Ui, tz: TimeZoneChoice) {
        let dark = ui.visuals().dark_mode;
        egui::ScrollArea::vertical()
            .id_salt("log")
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show(ui, |ui| {
                for m in &self.log {
                    ui.label(RichText::new(m.line(tz)).color(Self::colour(m.level, dark)));
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_warning_is_one_line_with_a_count_and_routine_news_one_line() {
        let mut n = Notifications::default();
        for _ in 0..3 {
            n.about("demo".into(), |n| {
                n.routine("rescan", "Reloaded 10 segments");
                n.warn("a/b: bad name");
            });
        }
        n.warn("a/b: bad name"); // about no document: a line of its own
        let lines: Vec<String> = n.log.iter().map(|m| m.line(TimeZoneChoice::Utc)).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].ends_with("[demo] info: Reloaded 10 segments (x3)"),
            "{lines:?}"
        );
        assert!(
            lines[1].ends_with("[demo] warning: a/b: bad name (x3)"),
            "{lines:?}"
        );
        assert!(lines[2].ends_with(" warning: a/b: bad name"), "{lines:?}");
        // Stamped with the time of day.
        assert_eq!(lines[0].as_bytes()[2], b':', "{lines:?}");
        // A repeat is not toasted again; a new message is.
        assert!(!n.log[1].toast && n.log[2].toast);
    }
}
