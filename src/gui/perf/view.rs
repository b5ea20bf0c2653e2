//! A perf document's main views: the Gantt, graph.py's phase chart and the
//! distributions, over the pool chosen.

use crate::gui::perf::PerfDoc;
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::job::JobState;
use crate::gui::shell::views::{BottomTab, KindPart, MainView, ViewContext};

impl KindPart for PerfDoc {
    fn status_ui(&self, ui: &mut egui::Ui, pushed: &mut Vec<AppCommand>) {
        PerfDoc::status_ui(self, ui, pushed);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewContext<'_>) -> Option<MainView> {
        perf_view(ui, self, cx)
    }

    fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        tab: BottomTab,
        _cx: &mut ViewContext<'_>,
    ) -> Option<MainView> {
        if tab != BottomTab::Findings {
            return None;
        }
        let Some(a) = self.analysis().cloned() else {
            ui.label("The findings appear when the export is read.");
            return None;
        };
        let node = crate::gui::perf::findings::findings_ui(ui, &a, self.pool)?;
        self.gantt.select(node);
        Some(MainView::Gantt)
    }
}

/// Draws a perf document's main view; returns the view to switch to (a node
/// picked in the slowest list goes to the Gantt).
fn perf_view(ui: &mut egui::Ui, perf: &mut PerfDoc, cx: &mut ViewContext<'_>) -> Option<MainView> {
    let Some(a) = perf.analysis().cloned() else {
        ui.label(match &perf.job.state {
            JobState::Idle | JobState::Running(_) => "Reading the export…",
            JobState::Failed(_) => "The export could not be read (see the status line).",
            _ => "Reading was cancelled: File > Reload reads it again.",
        });
        return None;
    };
    if a.pools.is_empty() {
        ui.label("The export has no pool with events (see the Findings tab).");
        return None;
    }
    if a.pools.len() > 1 {
        ui.horizontal(|ui| {
            ui.label("Pool");
            egui::ComboBox::from_id_salt("perf-pool")
                .selected_text(crate::text::shown(
                    &a.pools[perf.pool.min(a.pools.len() - 1)].partition_key,
                ))
                .show_ui(ui, |ui| {
                    for (i, p) in a.pools.iter().enumerate() {
                        ui.selectable_value(
                            &mut perf.pool,
                            i,
                            crate::text::shown(&p.partition_key),
                        );
                    }
                });
        });
    }
    let pool_index = perf.pool.min(a.pools.len() - 1);
    let pool = &a.pools[pool_index];
    let top = ui.cursor().min;
    let mut next = None;
    match cx.view {
        MainView::Gantt => perf
            .gantt
            .ui(ui, pool, pool_index, cx.time, cx.settings, cx.commands),
        MainView::Phases => crate::gui::perf::charts::phase_chart(ui, pool),
        MainView::Distributions => {
            if let Some(node) = crate::gui::perf::charts::distributions(ui, pool, &mut perf.charts)
            {
                perf.gantt.select(node);
                next = Some(MainView::Gantt);
            }
        }
        MainView::Timeline
        | MainView::GridMap
        | MainView::Anomalies
        | MainView::Nodes
        | MainView::NodeHours => {}
    }
    perf.view_rect = Some(egui::Rect::from_min_max(top, ui.max_rect().max));
    next
}
