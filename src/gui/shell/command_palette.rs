//! The command palette (Ctrl+K): fuzzy search over every command, each shown with
//! its shortcut; Enter runs the highlighted one, Escape closes.

use egui::{Key, RichText};

use crate::gui::shell::command::{AppCommand, fuzzy_score};

/// Palette state.
#[derive(Default)]
pub struct CommandPalette {
    /// Shown.
    pub open: bool,
    query: String,
    cursor: usize,
    focus_next: bool,
}

impl CommandPalette {
    /// Opens it with an empty query.
    pub fn show(&mut self) {
        self.open = true;
        self.query.clear();
        self.cursor = 0;
        self.focus_next = true;
    }

    /// The matching commands, best first.
    pub fn matches(&self) -> Vec<AppCommand> {
        let mut m: Vec<(usize, usize, AppCommand)> = AppCommand::ALL
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != AppCommand::CommandPalette)
            .filter_map(|(i, c)| fuzzy_score(&self.query, c.label()).map(|s| (s, i, *c)))
            .collect();
        m.sort_by_key(|(score, i, _)| (*score, *i));
        m.into_iter().map(|(_, _, c)| c).collect()
    }

    /// Draws the palette; returns the command chosen.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<AppCommand> {
        if !self.open {
            return None;
        }
        let mut chosen = None;
        let matches = self.matches();
        let modal = egui::Modal::new(egui::Id::unique("command-palette")).show(ctx, |ui| {
            ui.set_width(460.0);
            ui.label(RichText::new("Command palette").strong());
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.query)
                    .hint_text("Type a command…")
                    .desired_width(440.0),
            );
            if self.focus_next {
                edit.request_focus();
                self.focus_next = false;
            }
            if edit.changed() {
                self.cursor = 0;
            }
            let (down, up, enter) = ui.input(|i| {
                (
                    i.key_pressed(Key::ArrowDown),
                    i.key_pressed(Key::ArrowUp),
                    i.key_pressed(Key::Enter),
                )
            });
            if down {
                self.cursor = (self.cursor + 1).min(matches.len().saturating_sub(1));
            }
            if up {
                self.cursor = self.cursor.saturating_sub(1);
            }
            if enter {
                chosen = matches.get(self.cursor).copied();
            }
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(360.0)
                .show(ui, |ui| {
                    for (i, c) in matches.iter().enumerate() {
                        let shortcut = c.shortcut_text(ui.ctx());
                        let text = if shortcut.is_empty() {
                            c.label().to_string()
                        } else {
                            format!("{}    {shortcut}", c.label())
                        };
                        let button = ui
                            .add(egui::Button::selectable(i == self.cursor, text))
                            .on_hover_text(c.tooltip());
                        if i == self.cursor && (down || up) {
                            button.scroll_to_me(None);
                        }
                        if button.clicked() {
                            chosen = Some(*c);
                        }
                    }
                });
            if matches.is_empty() {
                ui.label("No command matches.");
            }
        });
        if modal.should_close() || chosen.is_some() {
            self.open = false;
        }
        chosen
    }
}
