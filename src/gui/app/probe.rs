//! A read-only look at the window's state, for tests and scripts that drive the
//! app: what is open, what is shown and what each document's jobs gave. Nothing
//! here can change the app; changes go through commands, keys and clicks.

use std::sync::Arc;

use super::SegscopeApp;
use crate::analysis::Analysis;
use crate::gui::anomaly::AnomalyPane;
use crate::gui::archive::doc::{ArchiveDoc, ArchiveWatch};
use crate::gui::document::{Document, DocumentKind, MainView};
use crate::gui::monitor::panel::MonitorPanel;
use crate::gui::perf::PerfDoc;
use crate::gui::shell::notify::Message;
use crate::gui::shell::views::BottomTab;
use crate::monitor::rules::AlertRules;

/// What the window holds, read-only ([`SegscopeApp::probe`]).
#[derive(Clone, Copy)]
pub struct Probe<'a> {
    app: &'a SegscopeApp,
}

impl<'a> Probe<'a> {
    pub(super) fn new(app: &'a SegscopeApp) -> Probe<'a> {
        Probe { app }
    }

    fn doc(self) -> Option<&'a Document> {
        self.app.doc()
    }

    /// The main view shown.
    pub fn view(self) -> MainView {
        self.app.view
    }

    /// The bottom panel's tab.
    pub fn tab(self) -> BottomTab {
        self.app.tab
    }

    /// How many documents are open.
    pub fn document_count(self) -> usize {
        self.app.docs.len()
    }

    /// The open documents' titles, in tab order.
    pub fn titles(self) -> Vec<String> {
        self.app.documents().map(Document::title).collect()
    }

    /// Index of the active document in tab order.
    pub fn active_index(self) -> Option<usize> {
        self.app.active_index()
    }

    /// The active document's kind.
    pub fn kind(self) -> Option<DocumentKind> {
        self.doc().map(Document::kind)
    }

    /// The time range the main view shows (t0, t1 in µs since the epoch).
    pub fn time_range(self) -> Option<(f64, f64)> {
        let t = self.doc()?.shown_time(self.app.view);
        Some((t.t0, t.t1))
    }

    /// The active document's input path, once it is known.
    pub fn path(self) -> Option<&'a std::path::Path> {
        self.doc()?.path()
    }

    /// The time the active document's data spans (µs since the epoch).
    pub fn extent(self) -> Option<(f64, f64)> {
        self.doc()?.extent()
    }

    /// Whether the active document's view still follows its extent (no user zoom).
    pub fn auto_fit(self) -> Option<bool> {
        self.doc().map(|d| d.shown_time(self.app.view).auto_fit)
    }

    /// The active archive's latest analysis.
    pub fn analysis(self) -> Option<Arc<Analysis>> {
        self.app.analysis()
    }

    /// Whether the active archive is being analysed.
    pub fn is_scanning(self) -> bool {
        self.app.is_scanning()
    }

    /// The active document's archive part.
    pub fn archive(self) -> Option<&'a ArchiveDoc> {
        self.doc()?.archive()
    }

    /// The active archive's watch, while watching.
    pub fn watch(self) -> Option<&'a ArchiveWatch> {
        self.archive()?.watch.as_ref()
    }

    /// The active document's perf part.
    pub fn perf(self) -> Option<&'a PerfDoc> {
        self.doc()?.perf()
    }

    /// The active document's fleet part.
    pub fn fleet(self) -> Option<&'a crate::gui::fleet::FleetDoc> {
        self.doc()?.fleet()
    }

    /// The active document's anomaly pane, once the Anomalies view has been opened.
    pub fn anomalies(self) -> Option<&'a AnomalyPane> {
        self.doc()?.anomalies.as_ref()
    }

    /// The active document's monitor tree.
    pub fn monitor(self) -> Option<&'a MonitorPanel> {
        self.doc().map(|d| &d.monitor)
    }

    /// The alert rules in force.
    pub fn rules(self) -> &'a AlertRules {
        &self.app.stored.rules
    }

    /// The log, oldest first.
    pub fn log(self) -> &'a [Message] {
        &self.app.notes.log
    }
}
