//! The findings table of a perf document: every located problem; clicking a
//! row shows its node in the Gantt.

use crate::perf::PerfAnalysis;

/// Draws the findings of `a`; returns the node (index into pool `pool`'s
/// nodes) of the row clicked.
pub fn findings_ui(ui: &mut egui::Ui, a: &PerfAnalysis, pool: usize) -> Option<usize> {
    let rows = crate::export::timing::all_findings(a);
    let nodes = a.pools.get(pool).map(|p| &p.nodes);
    let pool_key = a.pools.get(pool).map(|p| p.partition_key.as_str());
    let mut chosen = None;
    ui.label(format!(
        "{} findings in {}. Click a row to see its node.",
        rows.len(),
        crate::text::shown(&a.path)
    ));
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, 18.0, rows.len(), |ui, range| {
            egui::Grid::new("findings-grid")
                .striped(true)
                .show(ui, |ui| {
                    for f in &rows[range] {
                        // A row of the pool shown, naming a node, can be
                        // clicked; its node is looked up only then.
                        let clickable = !f.node.is_empty()
                            && nodes.is_some()
                            && (f.pool.is_none() || f.pool == pool_key);
                        let line = f.line.map_or_else(String::new, |l| format!("line {l}"));
                        let text = format!(
                            "{line}  {}  {}  {}",
                            f.kind,
                            crate::text::shown(f.node),
                            crate::text::shown(f.message)
                        );
                        if clickable {
                            if ui.selectable_label(false, text).clicked() {
                                chosen = nodes
                                    .and_then(|ns| ns.iter().position(|n| n.node_id == f.node));
                            }
                        } else {
                            ui.label(text);
                        }
                        ui.end_row();
                    }
                });
        });
    chosen
}
