//! The caption row above a main view: what it shows (the document and the
//! view), the time range on screen, and a key to its colours. It is part of
//! the view, so a saved view PNG says what it shows too.

use egui::{Color32, Rect, RichText, Sense, Vec2};

/// One colour of a view and what it means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// The colour as drawn.
    pub colour: Color32,
    /// What it means.
    pub label: &'static str,
    /// Drawn as a line (a marker line of a chart), not a filled square.
    pub line: bool,
}

impl Key {
    /// A filled colour.
    pub const fn fill(colour: Color32, label: &'static str) -> Key {
        Key {
            colour,
            label,
            line: false,
        }
    }

    /// A line colour.
    pub const fn line(colour: Color32, label: &'static str) -> Key {
        Key {
            colour,
            label,
            line: true,
        }
    }
}

/// Draws the caption: `title` strong, `detail` (the time range) and `keys`,
/// wrapping on a narrow window; returns where it was drawn.
pub fn caption(ui: &mut egui::Ui, title: &str, detail: &str, keys: &[Key]) -> Rect {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(title).strong());
        if !detail.is_empty() {
            ui.label(detail);
        }
        for key in keys {
            ui.add_space(8.0);
            let (rect, _) = ui.allocate_exact_size(Vec2::splat(12.0), Sense::hover());
            if key.line {
                ui.painter().line_segment(
                    [rect.left_center(), rect.right_center()],
                    egui::Stroke::new(2.5, key.colour),
                );
            } else {
                ui.painter().rect_filled(rect, 2.0, key.colour);
            }
            ui.label(key.label);
        }
    })
    .response
    .rect
}
