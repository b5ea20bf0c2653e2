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
    /// Type the nodes of a fleet to open.
    OpenNodes,
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
    pub const ALL: [AppCommand; 37] = [
        AppCommand::Open,
        AppCommand::OpenFile,
        AppCommand::OpenPath,
        AppCommand::OpenNodes,
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

    /// Its menu and palette text, tooltip sentence and keyboard shortcut:
    /// the one table every menu, the palette and the shortcuts read.
    fn info(self) -> (&'static str, &'static str, Option<KeyboardShortcut>) {
        let plain = |k| KeyboardShortcut::new(Modifiers::NONE, k);
        let ctrl = |k| KeyboardShortcut::new(Modifiers::COMMAND, k);
        match self {
            AppCommand::Open => (
                "Open archive…",
                "Choose an archive root, channel or quality directory",
                Some(ctrl(Key::O)),
            ),
            AppCommand::OpenPath => (
                "Open path…",
                "Type or paste the path of an archive, a perf export or a series file",
                Some(ctrl(Key::L)),
            ),
            AppCommand::OpenNodes => (
                "Open nodes…",
                "Several recording nodes side by side: a node file, node URLs or folders, or wubloader's Postgres database",
                None,
            ),
            AppCommand::OpenDemo => (
                "Open demo archive",
                "Open the built-in demo archive (generated on first use)",
                None,
            ),
            AppCommand::OpenFile => (
                "Open file…",
                "Choose a Batch Shipyard perf export (Storage Explorer CSV, JSON Lines or JSON)",
                Some(KeyboardShortcut::new(
                    Modifiers::COMMAND | Modifiers::SHIFT,
                    Key::O,
                )),
            ),
            AppCommand::OpenDemoPerf => (
                "Open demo perf export",
                "Open the built-in demo perf export (generated on first use)",
                None,
            ),
            AppCommand::Close => (
                "Close",
                "Close the active document (the others stay open)",
                Some(ctrl(Key::W)),
            ),
            AppCommand::Reload => (
                "Reload",
                "Analyse the archive again, keeping the view; unchanged hours come from the cache",
                Some(plain(Key::F5)),
            ),
            AppCommand::Cancel => ("Cancel analysis", "Stop the running analysis", None),
            AppCommand::NextHole => (
                "Next hole",
                "Zoom to the next hole after the selected one (or the view centre)",
                Some(plain(Key::N)),
            ),
            AppCommand::PrevHole => (
                "Previous hole",
                "Zoom to the hole before the selected one (or the view centre)",
                Some(plain(Key::P)),
            ),
            AppCommand::ZoomIn => (
                "Zoom in",
                "Zoom in around the centre of the view",
                Some(plain(Key::W)),
            ),
            AppCommand::ZoomOut => (
                "Zoom out",
                "Zoom out around the centre of the view",
                Some(plain(Key::S)),
            ),
            AppCommand::PanLeft => (
                "Pan left",
                "Move the view a fifth of its width earlier",
                Some(plain(Key::A)),
            ),
            AppCommand::PanRight => (
                "Pan right",
                "Move the view a fifth of its width later",
                Some(plain(Key::D)),
            ),
            AppCommand::FitAll => ("Fit all", "Show the whole archive", Some(plain(Key::F))),
            AppCommand::Back => (
                "Back",
                "Back to the previous view (zoom history; also the mouse's back button)",
                Some(KeyboardShortcut::new(Modifiers::ALT, Key::ArrowLeft)),
            ),
            AppCommand::Forward => (
                "Forward",
                "Forward again in the zoom history (also the mouse's forward button)",
                Some(KeyboardShortcut::new(Modifiers::ALT, Key::ArrowRight)),
            ),
            AppCommand::ToggleGrid => (
                "Toggle grid map",
                "Show a stream as wubloader's 2D map (2 s per pixel, 10 minutes a column)",
                Some(plain(Key::G)),
            ),
            AppCommand::ToggleTheme => (
                "Toggle dark/light theme",
                "Switch between the dark and the light theme",
                Some(ctrl(Key::T)),
            ),
            AppCommand::ToggleLog => (
                "Toggle log panel",
                "Show warnings, errors and messages",
                Some(ctrl(Key::J)),
            ),
            AppCommand::ToggleWatch => (
                "Watch the archive",
                "Re-scan the archive every 30 s (changed hours only) and swap in each result",
                None,
            ),
            AppCommand::ToggleFollow => (
                "Follow the newest time",
                "While watching, keep the newest time in view",
                None,
            ),
            AppCommand::CommandPalette => (
                "Command palette",
                "Search every command",
                Some(ctrl(Key::K)),
            ),
            AppCommand::Export(choice) => (
                choice.label(),
                choice.about(),
                (choice == ExportChoice::Data(ExportKind::Html)).then(|| ctrl(Key::S)),
            ),
            AppCommand::Help => ("Controls", "How to drive the views", Some(plain(Key::F1))),
            AppCommand::Quit => ("Quit", "Close segscope", Some(ctrl(Key::Q))),
        }
    }

    /// Menu and palette text.
    pub fn label(self) -> &'static str {
        self.info().0
    }

    /// A sentence for tooltips.
    pub fn tooltip(self) -> &'static str {
        self.info().1
    }

    /// The keyboard shortcut, if any.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        self.info().2
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
