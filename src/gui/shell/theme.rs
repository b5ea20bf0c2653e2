//! Colours of segscope's own views, defined for both themes. Full coverage and
//! partial-only time keep wubloader's blue and orange in both, so a map reads the
//! same on screen, in an export and in a screenshot.

use egui::Color32;

/// Every custom colour the app paints with.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Full coverage (`#1f77b4`).
    pub covered: Color32,
    /// Partial-only time (`#ff7f0e`).
    pub partial_only: Color32,
    /// Suspect segments drawn one by one.
    pub suspect: Color32,
    /// Holes.
    pub hole: Color32,
    /// Hole outline.
    pub hole_outline: Color32,
    /// Hours not scanned yet.
    pub pending: Color32,
    /// Lane background.
    pub lane_bg: Color32,
    /// Grid lines and ticks.
    pub grid: Color32,
    /// Axis text.
    pub text: Color32,
    /// The cursor line.
    pub cursor: Color32,
    /// The box-zoom selection.
    pub selection: Color32,
    /// The selected hole.
    pub highlight: Color32,
}

/// Full coverage blue, as in wubloader's maps.
pub const BLUE: Color32 = Color32::from_rgb(0x1f, 0x77, 0xb4);
/// Partial-only orange, as in wubloader's maps.
pub const ORANGE: Color32 = Color32::from_rgb(0xff, 0x7f, 0x0e);

/// The dark palette.
pub const DARK: Palette = Palette {
    covered: BLUE,
    partial_only: ORANGE,
    suspect: Color32::from_rgb(0xb0, 0x7a, 0xd9),
    hole: Color32::from_rgb(0x8c, 0x1c, 0x1c),
    hole_outline: Color32::from_rgb(0xff, 0x5a, 0x5a),
    pending: Color32::from_rgb(0x3a, 0x3a, 0x3a),
    lane_bg: Color32::from_rgb(0x1b, 0x1b, 0x1b),
    grid: Color32::from_rgb(0x50, 0x50, 0x50),
    text: Color32::from_rgb(0xd0, 0xd0, 0xd0),
    cursor: Color32::from_rgb(0xf0, 0xf0, 0xf0),
    selection: Color32::from_rgba_premultiplied(0x30, 0x50, 0x70, 0x60),
    highlight: Color32::from_rgb(0xff, 0xe0, 0x40),
};

/// The light palette.
pub const LIGHT: Palette = Palette {
    covered: BLUE,
    partial_only: ORANGE,
    suspect: Color32::from_rgb(0x94, 0x67, 0xbd),
    hole: Color32::from_rgb(0xf4, 0xb6, 0xb6),
    hole_outline: Color32::from_rgb(0xc0, 0x10, 0x10),
    pending: Color32::from_rgb(0xd8, 0xd8, 0xd8),
    lane_bg: Color32::from_rgb(0xf7, 0xf7, 0xf7),
    grid: Color32::from_rgb(0xc0, 0xc0, 0xc0),
    text: Color32::from_rgb(0x30, 0x30, 0x30),
    cursor: Color32::from_rgb(0x10, 0x10, 0x10),
    selection: Color32::from_rgba_premultiplied(0x40, 0x70, 0xa0, 0x50),
    highlight: Color32::from_rgb(0xd0, 0x90, 0x00),
};

impl Palette {
    /// The palette for egui's current theme.
    pub fn of(ctx: &egui::Context) -> &'static Palette {
        if ctx.theme() == egui::Theme::Dark {
            &DARK
        } else {
            &LIGHT
        }
    }
}
