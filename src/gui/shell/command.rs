//! One command enum drives the menus, the keyboard shortcuts and the command
//! palette. Interactions push commands; the app applies them once per frame.

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::export::kinds::ExportKind;
use crate::gui::widgets::time_view::TimeStep;

/// What to export from the app (an export command's payload): a kind of
/// [`crate::export::kinds`], or the view as on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportChoice {
    /// One of the report and data kinds.
    Data(ExportKind),
    /// The coverage view as on screen (PNG).
    ViewPng,
}

impl ExportChoice {
    /// Menu and palette text: `Export JSON report…`.
    pub fn label(self) -> &'static str {
        match self {
            ExportChoice::Data(k) => k.menu_label(),
            ExportChoice::ViewPng => "Export view as PNG…",
        }
    }

    /// A sentence for tooltips.
    pub fn about(self) -> &'static str {
        match self {
            ExportChoice::Data(k) => k.about(),
            ExportChoice::ViewPng => "Save the view (timeline, Gantt or chart) as it is on screen",
        }
    }

    /// True when it writes a folder of files (maps, `.dat` files).
    pub fn is_folder(self) -> bool {
        matches!(self, ExportChoice::Data(k) if k.is_folder())
    }

    /// Dialog title.
    pub fn title(self) -> String {
        match self {
            ExportChoice::Data(k) => format!("Export {}", k.title()),
            ExportChoice::ViewPng => "Export view as PNG".into(),
        }
    }
}

/// Everything the user can ask the app to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppCommand {
    /// Open an archive with the file dialog.
    Open,
    /// Type a path to open.
    OpenPath,
    /// Open the demo archive.
    OpenDemo,
    /// Open a file (a perf export) with the file dialog.
    OpenFile,
    /// Open the demo perf export.
    OpenDemoPerf,
    /// Close the active document.
    Close,
    /// Analyse the current archive again.
    Reload,
    /// Cancel the running analysis.
    Cancel,
    /// Zoom to the next hole in time.
    NextHole,
    /// Zoom to the previous hole in time.
    PrevHole,
    /// Zoom in at the centre.
    ZoomIn,
    /// Zoom out at the centre.
    ZoomOut,
    /// Pan towards earlier times.
    PanLeft,
    /// Pan towards later times.
    PanRight,
    /// Show the whole archive.
    FitAll,
    /// Back to the previous view range.
    Back,
    /// Forward to the view range left by Back.
    Forward,
    /// Switch between the timeline and the grid map.
    ToggleGrid,
    /// Switch between dark and light.
    ToggleTheme,
    /// Show or hide the log panel.
    ToggleLog,
    /// Watch the archive: re-scan it every interval.
    ToggleWatch,
    /// While watching, keep the newest time in view.
    ToggleFollow,
    /// The command palette.
    CommandPalette,
    /// Export the active document as this kind (a dialog asks where).
    Export(ExportChoice),
    /// Show the controls.
    Help,
    /// Quit.
    Quit,
}

impl AppCommand {
    /// Every command, in palette order.
    pub const ALL: [AppCommand; 36] = [
        AppCommand::Open,
        AppCommand::OpenFile,
        AppCommand::OpenPath,
        AppCommand::OpenDemo,
        AppCommand::OpenDemoPerf,
        AppCommand::Close,
        AppCommand::Reload,
        AppCommand::Cancel,
        AppCommand::NextHole,
        AppCommand::PrevHole,
        AppCommand::ZoomIn,
        AppCommand::ZoomOut,
        AppCommand::PanLeft,
        AppCommand::PanRight,
        AppCommand::FitAll,
        AppCommand::Back,
        AppCommand::Forward,
        AppCommand::ToggleGrid,
        AppCommand::ToggleTheme,
        AppCommand::ToggleLog,
        AppCommand::ToggleWatch,
        AppCommand::ToggleFollow,
        AppCommand::CommandPalette,
        AppCommand::Export(ExportChoice::Data(ExportKind::Maps)),
        AppCommand::Export(ExportChoice::ViewPng),
        AppCommand::Export(ExportChoice::Data(ExportKind::HolesCsv)),
        AppCommand::Export(ExportChoice::Data(ExportKind::HoursCsv)),
        AppCommand::Export(ExportChoice::Data(ExportKind::Json)),
        AppCommand::Export(ExportChoice::Data(ExportKind::Html)),
        AppCommand::Export(ExportChoice::Data(ExportKind::Prometheus)),
        AppCommand::Export(ExportChoice::Data(ExportKind::TimingCsv)),
        AppCommand::Export(ExportChoice::Data(ExportKind::Dat)),
        AppCommand::Export(ExportChoice::Data(ExportKind::Trace)),
        AppCommand::Export(ExportChoice::Data(ExportKind::AnomalyCsv)),
        AppCommand::Help,
        AppCommand::Quit,
    ];

    /// Menu and palette text.
    pub fn label(self) -> &'static str {
        match self {
            AppCommand::Open => "Open archive…",
            AppCommand::OpenPath => "Open path…",
            AppCommand::OpenDemo => "Open demo archive",
            AppCommand::OpenFile => "Open file…",
            AppCommand::OpenDemoPerf => "Open demo perf export",
            AppCommand::Close => "Close",
            AppCommand::Reload => "Reload",
            AppCommand::Cancel => "Cancel analysis",
            AppCommand::NextHole => "Next hole",
            AppCommand::PrevHole => "Previous hole",
            AppCommand::ZoomIn => "Zoom in",
            AppCommand::ZoomOut => "Zoom out",
            AppCommand::PanLeft => "Pan left",
            AppCommand::PanRight => "Pan right",
            AppCommand::FitAll => "Fit all",
            AppCommand::Back => "Back",
            AppCommand::Forward => "Forward",
            AppCommand::ToggleGrid => "Toggle grid map",
            AppCommand::ToggleTheme => "Toggle dark/light theme",
            AppCommand::ToggleLog => "Toggle log panel",
            AppCommand::ToggleWatch => "Watch the archive",
            AppCommand::ToggleFollow => "Follow the newest time",
            AppCommand::CommandPalette => "Command palette",
            AppCommand::Export(choice) => choice.label(),
            AppCommand::Help => "Controls",
            AppCommand::Quit => "Quit",
        }
    }

    /// A sentence for tooltips.
    pub fn tooltip(self) -> &'static str {
        match self {
            AppCommand::Open => "Choose an archive root, channel or quality directory",
            AppCommand::OpenPath => "Type or paste the path of an archive",
            AppCommand::OpenDemo => "Open the built-in demo archive (generated on first use)",
            AppCommand::OpenFile => {
                "Choose a Batch Shipyard perf export (Storage Explorer CSV, JSON Lines or JSON)"
            }
            AppCommand::OpenDemoPerf => {
                "Open the built-in demo perf export (generated on first use)"
            }
            AppCommand::Close => "Close the active document (the others stay open)",
            AppCommand::Reload => {
                "Analyse the archive again, keeping the view; unchanged hours come from the cache"
            }
            AppCommand::Cancel => "Stop the running analysis",
            AppCommand::NextHole => {
                "Zoom to the next hole after the selected one (or the view centre)"
            }
            AppCommand::PrevHole => "Zoom to the hole before the selected one (or the view centre)",
            AppCommand::ZoomIn => "Zoom in around the centre of the view",
            AppCommand::ZoomOut => "Zoom out around the centre of the view",
            AppCommand::PanLeft => "Move the view a fifth of its width earlier",
            AppCommand::PanRight => "Move the view a fifth of its width later",
            AppCommand::FitAll => "Show the whole archive",
            AppCommand::Back => {
                "Back to the previous view (zoom history; also the mouse's back button)"
            }
            AppCommand::Forward => {
                "Forward again in the zoom history (also the mouse's forward button)"
            }
            AppCommand::ToggleGrid => {
                "Show a stream as wubloader's 2D map (2 s per pixel, 10 minutes a column)"
            }
            AppCommand::ToggleTheme => "Switch between the dark and the light theme",
            AppCommand::ToggleLog => "Show warnings, errors and messages",
            AppCommand::ToggleWatch => {
                "Re-scan the archive every 30 s (changed hours only) and swap in each result"
            }
            AppCommand::ToggleFollow => "While watching, keep the newest time in view",
            AppCommand::CommandPalette => "Search every command",
            AppCommand::Export(choice) => choice.about(),
            AppCommand::Help => "How to drive the views",
            AppCommand::Quit => "Close segscope",
        }
    }

    /// The keyboard shortcut, if any.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let key = |k| Some(KeyboardShortcut::new(Modifiers::NONE, k));
        let ctrl = |k| Some(KeyboardShortcut::new(Modifiers::COMMAND, k));
        match self {
            AppCommand::Open => ctrl(Key::O),
            AppCommand::OpenFile => Some(KeyboardShortcut::new(
                Modifiers::COMMAND | Modifiers::SHIFT,
                Key::O,
            )),
            AppCommand::OpenPath => ctrl(Key::L),
            AppCommand::Close => ctrl(Key::W),
            AppCommand::Reload => key(Key::F5),
            AppCommand::NextHole => key(Key::N),
            AppCommand::PrevHole => key(Key::P),
            AppCommand::ZoomIn => key(Key::W),
            AppCommand::ZoomOut => key(Key::S),
            AppCommand::PanLeft => key(Key::A),
            AppCommand::PanRight => key(Key::D),
            AppCommand::FitAll => key(Key::F),
            AppCommand::Back => Some(KeyboardShortcut::new(Modifiers::ALT, Key::ArrowLeft)),
            AppCommand::Forward => Some(KeyboardShortcut::new(Modifiers::ALT, Key::ArrowRight)),
            AppCommand::ToggleGrid => key(Key::G),
            AppCommand::ToggleTheme => ctrl(Key::T),
            AppCommand::ToggleLog => ctrl(Key::J),
            AppCommand::CommandPalette => ctrl(Key::K),
            AppCommand::Export(ExportChoice::Data(ExportKind::Html)) => ctrl(Key::S),
            AppCommand::Help => key(Key::F1),
            AppCommand::Quit => ctrl(Key::Q),
            _ => None,
        }
    }

    /// The time view's navigation step this command is, if it is one.
    pub fn time_step(self) -> Option<TimeStep> {
        Some(match self {
            AppCommand::ZoomIn => TimeStep::ZoomIn,
            AppCommand::ZoomOut => TimeStep::ZoomOut,
            AppCommand::PanLeft => TimeStep::PanLeft,
            AppCommand::PanRight => TimeStep::PanRight,
            AppCommand::Back => TimeStep::Back,
            AppCommand::Forward => TimeStep::Forward,
            AppCommand::FitAll => TimeStep::FitAll,
            _ => return None,
        })
    }

    /// The shortcut as text (`Ctrl+K`), or empty.
    pub fn shortcut_text(self, ctx: &egui::Context) -> String {
        self.shortcut()
            .map(|s| ctx.format_shortcut(&s))
            .unwrap_or_default()
    }

    /// Collects the commands whose shortcut was pressed this frame. Shortcuts
    /// without a modifier are ignored while a text field has the keyboard.
    pub fn pressed(ctx: &egui::Context) -> Vec<AppCommand> {
        let typing = ctx.egui_wants_keyboard_input();
        let mut out = Vec::new();
        for cmd in AppCommand::ALL {
            let Some(sc) = cmd.shortcut() else { continue };
            if typing && sc.modifiers.is_none() {
                continue;
            }
            if ctx.input_mut(|i| i.consume_shortcut(&sc)) {
                out.push(cmd);
            }
        }
        out
    }
}

impl From<TimeStep> for AppCommand {
    fn from(step: TimeStep) -> AppCommand {
        match step {
            TimeStep::ZoomIn => AppCommand::ZoomIn,
            TimeStep::ZoomOut => AppCommand::ZoomOut,
            TimeStep::PanLeft => AppCommand::PanLeft,
            TimeStep::PanRight => AppCommand::PanRight,
            TimeStep::Back => AppCommand::Back,
            TimeStep::Forward => AppCommand::Forward,
            TimeStep::FitAll => AppCommand::FitAll,
        }
    }
}

/// Subsequence match of `query` in `text`, case-insensitive; a lower score is
/// a better match (`None`: no match).
pub fn fuzzy_score(query: &str, text: &str) -> Option<usize> {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let mut pos = 0;
    let mut score = 0;
    let mut last: Option<usize> = None;
    for q in query.to_lowercase().chars().filter(|c| !c.is_whitespace()) {
        let found = text[pos..].iter().position(|&c| c == q)? + pos;
        score += last.map_or(found, |l| found - l - 1);
        last = Some(found);
        pos = found + 1;
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matching() {
        assert_eq!(fuzzy_score("", "Next hole"), Some(0));
        assert!(fuzzy_score("nh", "Next hole").is_some());
        // Score: where the first letter is, plus every letter skipped after it.
        assert_eq!(fuzzy_score("nh", "Next hole"), Some(4));
        assert_eq!(fuzzy_score("hole", "Next hole"), Some(5));
        assert_eq!(fuzzy_score("hole", "Export holes CSV…"), Some(7));
        assert!(fuzzy_score("hole", "Next hole") < fuzzy_score("hole", "Export holes CSV…"));
        assert!(
            fuzzy_score("hol", "hole x") < fuzzy_score("hol", "h-o-l x"),
            "contiguous beats scattered"
        );
        assert_eq!(fuzzy_score("xyz", "Next hole"), None);
        assert!(fuzzy_score("exhtml", "Export HTML report…").is_some());
    }

    #[test]
    fn shortcuts_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in AppCommand::ALL {
            if let Some(s) = c.shortcut() {
                assert!(seen.insert(format!("{s:?}")), "{c:?}");
            }
        }
    }
}
