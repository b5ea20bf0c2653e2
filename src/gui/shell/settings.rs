//! The persisted settings (theme, time zone, scroll behaviour, export folder).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::gui::widgets::axis::TimeZoneChoice;

/// Theme preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThemeChoice {
    /// Follow the system.
    #[default]
    System,
    /// Dark.
    Dark,
    /// Light.
    Light,
}

impl ThemeChoice {
    /// egui's preference.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
            ThemeChoice::Light => egui::ThemePreference::Light,
        }
    }
}

/// Everything remembered between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Theme.
    pub theme: ThemeChoice,
    /// Time zone of displayed times.
    pub time_zone: TimeZoneChoice,
    /// Plain scroll zooms the timeline (otherwise Ctrl+scroll zooms and scroll pans).
    pub scroll_zooms: bool,
    /// Where exports go by default.
    pub export_dir: Option<PathBuf>,
    /// The log panel is open.
    pub show_log: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: ThemeChoice::System,
            time_zone: TimeZoneChoice::Utc,
            scroll_zooms: false,
            export_dir: None,
            show_log: false,
        }
    }
}

/// The key under which eframe stores the settings.
pub const STORAGE_KEY: &str = "segscope.settings";
