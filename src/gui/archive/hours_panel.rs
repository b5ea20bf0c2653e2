//! The per-hour table (every figure of the segment spec) and the bad-segment list.

use egui::{RichText, Ui};

use crate::analysis::Analysis;
use crate::time::{format_hour, us_to_secs};

/// View state of the hours and bad-segments tabs.
#[derive(Default)]
pub struct HoursPanel {
    /// Stream shown.
    pub stream: usize,
}

const COLUMNS: [&str; 16] = [
    "hour",
    "full",
    "suspect",
    "partial",
    "bad",
    "raw cov. s",
    "edit cov. s",
    "raw holes",
    "edit holes",
    "raw hole s",
    "edit hole s",
    "overlaps f/s/p",
    "overlap s",
    "partial-only s",
    "full dur. s",
    "susp+part dur. s",
];

impl HoursPanel {
    fn stream_picker(&mut self, ui: &mut Ui, analysis: &Analysis, salt: &str, label: egui::Id) {
        let names: Vec<String> = analysis
            .streams
            .iter()
            .map(|s| format!("{}/{}", s.channel, s.quality))
            .collect();
        self.stream = self.stream.min(names.len().saturating_sub(1));
        egui::ComboBox::from_id_salt(salt)
            .selected_text(names.get(self.stream).cloned().unwrap_or_default())
            .show_ui(ui, |ui| {
                for (i, n) in names.iter().enumerate() {
                    ui.selectable_value(&mut self.stream, i, n);
                }
            })
            .response
            .labelled_by(label);
    }

    /// The per-hour table of the chosen stream; returns the start (µs) of an
    /// hour whose row was clicked, to show in the timeline.
    pub fn hours_ui(&mut self, ui: &mut Ui, analysis: &Analysis) -> Option<i64> {
        if analysis.streams.is_empty() {
            ui.label("No streams.");
            return None;
        }
        ui.horizontal(|ui| {
            let label = ui.label("Stream");
            self.stream_picker(ui, analysis, "hours-stream", label.id);
        });
        let stream = analysis.streams.get(self.stream)?;
        let rows = &stream.coverage.hours;
        let mut picked = None;
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("hours-grid")
                    .striped(true)
                    .num_columns(COLUMNS.len())
                    .show(ui, |ui| {
                        for c in COLUMNS {
                            ui.label(RichText::new(c).strong());
                        }
                        ui.end_row();
                        for f in rows {
                            let s = |us: i64| format!("{:.3}", us_to_secs(us));
                            if ui
                                .add(egui::Button::new(format_hour(f.hour_start_us)).frame(false))
                                .on_hover_text("Show this hour in the timeline")
                                .clicked()
                            {
                                picked = Some(f.hour_start_us);
                            }
                            ui.label(f.segment_count.full.to_string());
                            ui.label(f.segment_count.suspect.to_string());
                            ui.label(f.segment_count.partial.to_string());
                            ui.label(f.bad_count.to_string());
                            ui.label(s(f.raw_coverage_us));
                            ui.label(s(f.editable_coverage_us));
                            ui.label(f.raw_holes.to_string());
                            ui.label(f.editable_holes.to_string());
                            ui.label(s(f.raw_hole_us));
                            ui.label(s(f.editable_hole_us));
                            ui.label(format!(
                                "{}/{}/{}",
                                f.overlap_count.full,
                                f.overlap_count.suspect,
                                f.overlap_count.partial
                            ));
                            ui.label(s(f.overlap_duration_us.full
                                + f.overlap_duration_us.suspect
                                + f.overlap_duration_us.partial));
                            ui.label(s(f.partial_only_us));
                            ui.label(s(f.segment_duration_us.full));
                            ui.label(s(
                                f.segment_duration_us.suspect + f.segment_duration_us.partial
                            ));
                            ui.end_row();
                        }
                    });
            });
        picked
    }

    /// Bad segments of every stream, and the warnings.
    pub fn bad_ui(&mut self, ui: &mut Ui, analysis: &Analysis) {
        let bad: Vec<(String, String)> = analysis
            .streams
            .iter()
            .flat_map(|s| {
                s.bad_segments
                    .iter()
                    .map(|b| (b.path.clone(), b.reason.clone()))
            })
            .collect();
        ui.label(format!(
            "{}, {}",
            crate::text::counted(bad.len() as u64, "bad segment"),
            crate::text::counted(analysis.warnings.len() as u64, "warning")
        ));
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("bad-grid")
                    .striped(true)
                    .num_columns(2)
                    .show(ui, |ui| {
                        ui.label(RichText::new("bad segment").strong());
                        ui.label(RichText::new("reason").strong());
                        ui.end_row();
                        for (path, reason) in &bad {
                            ui.label(path);
                            ui.label(reason);
                            ui.end_row();
                        }
                        ui.label(RichText::new("warning").strong());
                        ui.label(RichText::new("message").strong());
                        ui.end_row();
                        for w in &analysis.warnings {
                            ui.label(&w.path);
                            ui.label(&w.message);
                            ui.end_row();
                        }
                    });
            });
    }
}
