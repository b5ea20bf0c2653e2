//! An archive document's status bar: its path, its scan's progress (Cancel)
//! or its figures, a reload's progress, and watching.

use crate::text::counted;
use egui::{Color32, RichText};

use crate::gui::archive::doc::ArchiveDoc;
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::job::{JobState, progress_ui};

/// Draws the status of `archive`; the commands asked for go to `pushed`.
pub fn status_ui(ui: &mut egui::Ui, archive: &ArchiveDoc, pushed: &mut Vec<AppCommand>) {
    let Some(load) = &archive.loader.current else {
        return;
    };
    ui.label(RichText::new(load.path.to_string_lossy()).monospace());
    ui.separator();
    match &load.job.state {
        JobState::Idle | JobState::Running(_) => {
            if progress_ui(ui, &load.job, "hours") {
                pushed.push(AppCommand::Cancel);
            }
        }
        JobState::Done(a) => {
            let (raw, editable) = archive.holes.raw_and_editable();
            ui.label(format!(
                "{}, {}, {} ({editable} editable), {} · analysed in {:.2} s",
                counted(a.streams.len() as u64, "stream"),
                counted(a.segment_total(), "segment"),
                counted(raw as u64, "raw hole"),
                counted(a.warnings.len() as u64, "warning"),
                load.job.elapsed.unwrap_or_default().as_secs_f64()
            ));
            if let Some((done, total)) = archive.loader.reload_progress() {
                ui.separator();
                ui.label(format!("reloading {done}/{total} hours"));
                if ui.button("Cancel").clicked() {
                    pushed.push(AppCommand::Cancel);
                }
            }
        }
        JobState::Failed(e) => {
            ui.colored_label(Color32::from_rgb(0xe0, 0x50, 0x50), e);
        }
        JobState::Cancelled => {
            ui.label("Analysis cancelled.");
            if ui.button("Reload").clicked() {
                pushed.push(AppCommand::Reload);
            }
        }
    }
    ui.separator();
    if ui
        .selectable_label(archive.watch.is_some(), "Watch")
        .on_hover_text(AppCommand::ToggleWatch.tooltip())
        .clicked()
    {
        pushed.push(AppCommand::ToggleWatch);
    }
    if let Some(w) = &archive.watch {
        if ui
            .selectable_label(w.follow, "Follow")
            .on_hover_text(AppCommand::ToggleFollow.tooltip())
            .clicked()
        {
            pushed.push(AppCommand::ToggleFollow);
        }
        let next = w.interval.saturating_sub(w.last.elapsed());
        ui.label(format!("next scan in {:.0} s", next.as_secs_f64()));
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(500));
    }
}
