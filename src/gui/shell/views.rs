//! What kinds of document there are and which main views show them; and
//! what the shell asks of each kind's own part (its status bar and its main
//! views), so the shell dispatches without knowing a kind's insides.

use crate::export::kinds::ExportKind;
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::settings::Settings;
use crate::gui::widgets::time_view::TimeView;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A segment archive (coverage).
    Archive,
    /// A Batch Shipyard perf export (node start-up timings).
    PerfExport,
    /// A series file (anomaly analysis).
    Series,
    /// Several recording nodes (coverage side by side, the backfill plan).
    Fleet,
}

impl DocumentKind {
    /// In words, for messages ("needs a segment archive").
    pub fn noun(self) -> &'static str {
        match self {
            DocumentKind::Archive => "segment archive",
            DocumentKind::PerfExport => "perf export",
            DocumentKind::Series => "series file",
            DocumentKind::Fleet => "fleet of nodes",
        }
    }

    /// The exports a document of this kind offers, in menu order.
    pub fn exports(self) -> &'static [ExportKind] {
        match self {
            DocumentKind::Archive => &ExportKind::ALL,
            DocumentKind::PerfExport => &ExportKind::PERF,
            DocumentKind::Series => &ExportKind::ANOMALIES,
            DocumentKind::Fleet => &ExportKind::FLEET,
        }
    }

    /// The main view a document of this kind opens on.
    pub fn default_view(self) -> MainView {
        match self {
            DocumentKind::Archive => MainView::Timeline,
            DocumentKind::PerfExport => MainView::Gantt,
            DocumentKind::Series => MainView::Anomalies,
            DocumentKind::Fleet => MainView::Nodes,
        }
    }
}

/// The main views; each shows one kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MainView {
    /// Coverage lanes over time.
    Timeline,
    /// wubloader's 2D map of one stream.
    GridMap,
    /// Every node's phases and images on the time axis.
    Gantt,
    /// graph.py's chart: stacked phases per node at its start.
    Phases,
    /// Phase distributions, slowest nodes, images.
    Distributions,
    /// The Skyline ensemble over the document's series (derived from an
    /// archive or a perf export, or read from a series file).
    Anomalies,
    /// A fleet: per stream one lane per node and the union.
    Nodes,
    /// A fleet: a cell per node, stream and hour.
    NodeHours,
}

impl MainView {
    /// Every view, in selector order.
    pub const ALL: [MainView; 8] = [
        MainView::Timeline,
        MainView::GridMap,
        MainView::Gantt,
        MainView::Phases,
        MainView::Distributions,
        MainView::Anomalies,
        MainView::Nodes,
        MainView::NodeHours,
    ];

    /// Its name on the command line (`segscope gui --show NAME`).
    pub fn key(self) -> &'static str {
        match self {
            MainView::Timeline => "timeline",
            MainView::GridMap => "grid",
            MainView::Gantt => "gantt",
            MainView::Phases => "phases",
            MainView::Distributions => "distributions",
            MainView::Anomalies => "anomalies",
            MainView::Nodes => "nodes",
            MainView::NodeHours => "node-hours",
        }
    }

    /// The view named `key` (see [`MainView::key`]).
    pub fn from_key(key: &str) -> Option<MainView> {
        MainView::ALL.into_iter().find(|v| v.key() == key)
    }

    /// Selector text.
    pub fn label(self) -> &'static str {
        match self {
            MainView::Timeline => "Timeline",
            MainView::GridMap => "Grid map",
            MainView::Gantt => "Gantt",
            MainView::Phases => "Phases",
            MainView::Distributions => "Distributions",
            MainView::Anomalies => "Anomalies",
            MainView::Nodes => "Nodes",
            MainView::NodeHours => "Node × hour",
        }
    }

    /// True when the view shows documents of `kind`.
    pub fn shows(self, kind: DocumentKind) -> bool {
        match self {
            MainView::Timeline | MainView::GridMap => kind == DocumentKind::Archive,
            MainView::Gantt | MainView::Phases | MainView::Distributions => {
                kind == DocumentKind::PerfExport
            }
            MainView::Anomalies => kind != DocumentKind::Fleet,
            MainView::Nodes | MainView::NodeHours => kind == DocumentKind::Fleet,
        }
    }
}

/// Tabs of the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BottomTab {
    /// The holes table.
    Holes,
    /// The per-hour table.
    Hours,
    /// Bad segments and warnings.
    Problems,
    /// The monitor tree of the archive's hours.
    Monitor,
    /// The job queue.
    Jobs,
    /// A perf export's findings.
    Findings,
    /// A fleet's backfill plan and lost stretches.
    Plan,
    /// Messages.
    Log,
}

impl BottomTab {
    /// Every tab, in order.
    pub const ALL: [BottomTab; 8] = [
        BottomTab::Holes,
        BottomTab::Hours,
        BottomTab::Problems,
        BottomTab::Monitor,
        BottomTab::Findings,
        BottomTab::Plan,
        BottomTab::Jobs,
        BottomTab::Log,
    ];

    /// The tab named `key` on the command line (`holes`, `hours`,
    /// `problems`, `monitor`, `findings`, `jobs`, `log`).
    pub fn from_key(key: &str) -> Option<BottomTab> {
        BottomTab::ALL.into_iter().find(|t| t.key() == key)
    }

    /// Its name on the command line.
    pub fn key(self) -> &'static str {
        match self {
            BottomTab::Holes => "holes",
            BottomTab::Hours => "hours",
            BottomTab::Problems => "problems",
            BottomTab::Monitor => "monitor",
            BottomTab::Findings => "findings",
            BottomTab::Jobs => "jobs",
            BottomTab::Plan => "plan",
            BottomTab::Log => "log",
        }
    }

    /// Tab text.
    pub fn label(self) -> &'static str {
        match self {
            BottomTab::Holes => "Holes",
            BottomTab::Hours => "Hours",
            BottomTab::Problems => "Bad segments & warnings",
            BottomTab::Monitor => "Monitor",
            BottomTab::Jobs => "Jobs",
            BottomTab::Findings => "Findings",
            BottomTab::Plan => "Plan",
            BottomTab::Log => "Log",
        }
    }

    /// The kind of document the tab shows (`None`: any, or none).
    pub fn needs(self) -> Option<DocumentKind> {
        match self {
            BottomTab::Holes | BottomTab::Hours | BottomTab::Problems => {
                Some(DocumentKind::Archive)
            }
            BottomTab::Findings => Some(DocumentKind::PerfExport),
            BottomTab::Plan => Some(DocumentKind::Fleet),
            BottomTab::Log | BottomTab::Jobs | BottomTab::Monitor => None,
        }
    }

    /// The tab a document of `kind` shows first.
    pub fn default_for(kind: DocumentKind) -> BottomTab {
        match kind {
            DocumentKind::Archive => BottomTab::Holes,
            DocumentKind::PerfExport => BottomTab::Findings,
            DocumentKind::Series => BottomTab::Log,
            DocumentKind::Fleet => BottomTab::Plan,
        }
    }
}

/// What a kind's main view is drawn with: the view chosen and what the
/// document shares with every view.
pub struct ViewContext<'a> {
    /// The main view chosen (one its kind shows).
    pub view: MainView,
    /// The document's time view.
    pub time: &'a mut TimeView,
    /// The document's snapshot generation (textures keyed by it).
    pub generation: usize,
    /// The app's settings.
    pub settings: &'a Settings,
    /// Commands for the app.
    pub commands: &'a mut Vec<AppCommand>,
}

/// What the shell asks of a kind's own part of a document.
pub trait KindPart {
    /// Draws its status bar; the commands asked for go to `pushed`.
    fn status_ui(&self, ui: &mut egui::Ui, pushed: &mut Vec<AppCommand>);
    /// Draws the main view `cx.view`; returns the view to switch to, if any.
    fn central_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewContext<'_>) -> Option<MainView>;
    /// Draws the bottom tab `tab` (one its kind has); returns the main view
    /// to switch to, if any (a row picked shows its time or node there).
    fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        tab: BottomTab,
        cx: &mut ViewContext<'_>,
    ) -> Option<MainView>;
}
