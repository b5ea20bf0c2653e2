//! The Anomalies view: the settings the run uses (changing one cancels the
//! run and starts another, and is stored for the command line too), the
//! series list with its filters and the outcome and per-algorithm counts as
//! charts, the selected series plotted with its score, and the explanation
//! card: every algorithm's vote, statistic and threshold, for the last point
//! or for a point picked in the plot.

use super::plot::{ANOMALY, series_plots};
use super::{AnomalyPane, window_text};
use crate::anomaly::algorithms::Vote;
use crate::anomaly::config::AnomalyConfig;
use crate::anomaly::ensemble::{Algorithm, Outcome};
use crate::anomaly::run::AnomalyRun;
use crate::anomaly::scan::ScanWindow;
use crate::gui::shell::job::JobState;
use crate::gui::widgets::time_view::TimeView;
use crate::text::shown;

/// What the Anomalies view asks of the app.
#[derive(Debug, Clone, PartialEq)]
pub enum AnomalyRequest {
    /// Start the run (it has not run yet).
    Start,
    /// The user changed the settings to these: run again with them (the app
    /// keeps and stores them).
    Restart(AnomalyConfig),
}

/// Draws the view of `pane` over `time`; returns what it asks of the app.
pub fn anomaly_view(
    ui: &mut egui::Ui,
    pane: &mut AnomalyPane,
    time: &mut TimeView,
    tz: crate::gui::widgets::axis::TimeZoneChoice,
) -> Option<AnomalyRequest> {
    let mut changed = matches!(pane.job.state, JobState::Idle).then_some(AnomalyRequest::Start);
    let top = ui.cursor().min;
    if settings_bar(ui, pane) {
        changed = Some(AnomalyRequest::Restart(pane.config.clone()));
    }
    let Some(run) = pane.run().cloned() else {
        ui.label(match &pane.job.state {
            JobState::Running(_) | JobState::Idle => "Judging every point of every series…".to_string(),
            JobState::Failed(e) => format!("The anomaly analysis failed: {e}"),
            _ => "The anomaly analysis was cancelled: change a setting or press Run to start it again.".into(),
        });
        return changed;
    };
    // The list and the card take a share of the width; the plot the rest.
    let width = ui.available_width();
    egui::Panel::left("anomaly-series")
        .resizable(true)
        .default_size((width * 0.28).clamp(200.0, 380.0))
        .show(ui, |ui| series_list(ui, pane, &run));
    egui::Panel::right("anomaly-card")
        .resizable(true)
        .default_size((width * 0.31).clamp(220.0, 430.0))
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| explanation_card(ui, pane, &run));
        });
    let Some(scanned) = pane.selected_series().and_then(|s| s.scanned.clone()) else {
        ui.label("Pick a series in the list.");
        return changed;
    };
    ui.heading(shown(&scanned.series.name));
    let picked = pane.picked.as_ref().map(|p| p.index);
    let window = pane.scan_window();
    let action = series_plots(
        ui,
        &scanned,
        run.settings.consensus,
        window,
        picked,
        time,
        tz,
    );
    if let Some(i) = action.picked {
        pane.pick(i);
    }
    pane.plot_transform = action.transform;
    pane.view_rect = Some(egui::Rect::from_min_max(top, ui.max_rect().max));
    changed
}

/// The settings bar; true when a setting changed.
fn settings_bar(ui: &mut egui::Ui, pane: &mut AnomalyPane) -> bool {
    let mut changed = false;
    // Wraps in a narrow window rather than pushing the panels off screen.
    ui.horizontal_wrapped(|ui| {
        let config: &mut AnomalyConfig = &mut pane.config;
        ui.label("Consensus");
        let most = config.enabled.len().max(1);
        changed |= ui
            .add(egui::DragValue::new(&mut config.settings.consensus).range(1..=most))
            .on_hover_text("Votes needed for anomalous")
            .changed();
        ui.menu_button(format!("Algorithms ({})", config.enabled.len()), |ui| {
            for a in Algorithm::ALL {
                let mut on = config.enabled.contains(&a);
                if ui.checkbox(&mut on, a.name()).changed() {
                    if on {
                        config.enabled.push(a);
                        config.enabled.sort();
                    } else if config.enabled.len() > 1 {
                        config.enabled.retain(|&b| b != a);
                    }
                    config.settings.consensus = config.settings.consensus.min(config.enabled.len());
                    changed = true;
                }
            }
        });
        ui.label("Scan window");
        let edit = ui.add(
            egui::TextEdit::singleline(&mut pane.window_text)
                .desired_width(70.0)
                .hint_text("1440 or 1d"),
        );
        if edit.lost_focus() {
            match ScanWindow::parse(&pane.window_text) {
                Ok(w) if w != config.window => {
                    config.window = w;
                    changed = true;
                }
                Ok(_) => {}
                Err(_) => pane.window_text = window_text(config.window),
            }
        }
        edit.on_hover_text("Points (1440) or a duration (86400s, 90m, 24h, 1d); Enter applies");
        if pane.path.is_dir() {
            changed |= ui
                .checkbox(&mut pane.bitrate, "Bitrate")
                .on_hover_text(
                    "Add a bitrate series per stream (reads every segment's size once; sizes are kept per hour)",
                )
                .changed();
        }
        if pane.source.is_some() {
            ui.checkbox(&mut pane.linked, "Link to timeline").on_hover_text(
                "Share the document's time view: zooming the plot zooms the timeline, and back",
            );
        }
        if pane.handle_running_or_ran()
            && ui
                .button("Run")
                .on_hover_text("Run the analysis again")
                .clicked()
        {
            changed = true;
        }
        ui.separator();
        match &pane.job.state {
            JobState::Running(_) => {
                ui.spinner();
                ui.label("judging…");
            }
            JobState::Done(run) => {
                ui.label(format!(
                    "{} in {:.2} s",
                    run.outcome_line(),
                    pane.job.elapsed.map_or(0.0, |d| d.as_secs_f64())
                ));
            }
            JobState::Failed(e) => {
                ui.colored_label(ANOMALY, e);
            }
            _ => {}
        }
    });
    changed
}

impl AnomalyPane {
    fn handle_running_or_ran(&self) -> bool {
        !matches!(self.job.state, JobState::Idle)
    }
}

/// The series list with its filters, and the counts as charts.
fn series_list(ui: &mut egui::Ui, pane: &mut AnomalyPane, run: &AnomalyRun) {
    let consensus = run.settings.consensus;
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut pane.filter.anomalous_only, "Anomalous only");
        egui::ComboBox::new("anomaly-outcome", "Outcome")
            .selected_text(pane.filter.outcome.map_or("any outcome", Outcome::name))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut pane.filter.outcome, None, "any outcome");
                for o in Outcome::ALL {
                    ui.selectable_value(&mut pane.filter.outcome, Some(o), o.name());
                }
            });
        egui::ComboBox::new("anomaly-algorithm", "Voted by")
            .selected_text(
                pane.filter
                    .algorithm
                    .map_or("any algorithm", Algorithm::name),
            )
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut pane.filter.algorithm, None, "any algorithm");
                for a in &run.enabled {
                    ui.selectable_value(&mut pane.filter.algorithm, Some(*a), a.name());
                }
            });
        ui.add(
            egui::TextEdit::singleline(&mut pane.filter.text)
                .hint_text("name contains")
                .desired_width(120.0),
        );
    });
    let rows: Vec<usize> = (0..run.series.len())
        .filter(|&i| pane.filter.keeps(&run.series[i], consensus))
        .collect();
    ui.label(format!("{} of {} series", rows.len(), run.series.len()));
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let list_height = (ui.available_height() - 330.0).max(120.0);
    egui::ScrollArea::vertical()
        .max_height(list_height)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for &i in &rows[range] {
                let s = &run.series[i];
                let flagged = s.flagged(consensus);
                let text = format!(
                    "{}  ·  {}  ·  {} of {} votes  ·  {} flagged",
                    shown(&s.name),
                    s.judgement.outcome.name(),
                    s.judgement.vote_count(),
                    run.enabled.len(),
                    flagged
                );
                let text = if s.judgement.outcome == Outcome::Anomalous {
                    egui::RichText::new(text).color(ANOMALY)
                } else {
                    egui::RichText::new(text)
                };
                if ui
                    .selectable_label(pane.selected == Some(i), text)
                    .on_hover_text("Last point's outcome and votes; points the scan flagged")
                    .clicked()
                {
                    pane.selected = Some(i);
                    pane.picked = None;
                }
            }
        });
    ui.separator();
    counts_charts(ui, run);
}

/// Horizontal bars, one per (label, count), scaled to the largest.
fn bar_rows(ui: &mut egui::Ui, id: &str, rows: &[(&str, usize)], colour: egui::Color32) {
    let most = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    egui::Grid::new(id).num_columns(3).show(ui, |ui| {
        for &(label, count) in rows {
            ui.label(label);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(120.0, 12.0), egui::Sense::hover());
            let mut bar = rect;
            bar.set_width(rect.width() * count as f32 / most as f32);
            ui.painter()
                .rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
            ui.painter().rect_filled(bar, 2.0, colour);
            ui.label(count.to_string());
            ui.end_row();
        }
    });
}

/// The outcome counts and the per-algorithm breakdown as bar charts.
fn counts_charts(ui: &mut egui::Ui, run: &AnomalyRun) {
    ui.strong("Outcomes (last point)");
    let outcomes: Vec<(&str, usize)> = Outcome::ALL
        .iter()
        .map(|&o| (o.name(), run.count(o)))
        .collect();
    bar_rows(
        ui,
        "anomaly-outcomes",
        &outcomes,
        egui::Color32::from_rgb(38, 139, 210),
    );
    ui.strong("Anomalous series per algorithm");
    let breakdown: Vec<(&str, usize)> = run
        .enabled
        .iter()
        .map(|&a| (a.name(), run.breakdown(a)))
        .collect();
    bar_rows(ui, "anomaly-breakdown", &breakdown, ANOMALY);
}

/// Each algorithm's vote, statistic and threshold, as a grid; wider than the
/// card, it scrolls sideways in its own box (the card's text wraps).
fn votes_grid(ui: &mut egui::Ui, id: &str, votes: &[(Algorithm, Vote)]) {
    egui::ScrollArea::horizontal()
        .id_salt(id)
        .show(ui, |ui| votes_table(ui, id, votes));
}

fn votes_table(ui: &mut egui::Ui, id: &str, votes: &[(Algorithm, Vote)]) {
    egui::Grid::new(id).striped(true).show(ui, |ui| {
        ui.strong("algorithm");
        ui.strong("vote");
        ui.strong("statistic");
        ui.strong("threshold");
        ui.end_row();
        for (a, v) in votes {
            ui.label(a.name());
            if v.vote {
                ui.colored_label(ANOMALY, "anomalous");
            } else {
                ui.label("—");
            }
            ui.label(number(v.statistic));
            ui.label(number(v.threshold));
            ui.end_row();
        }
    });
}

fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "n/a".into()
    }
}

/// The explanation card of the series shown.
fn explanation_card(ui: &mut egui::Ui, pane: &AnomalyPane, run: &AnomalyRun) {
    let Some(s) = pane.selected_series() else {
        ui.label("Pick a series.");
        return;
    };
    let j = &s.judgement;
    ui.heading("Why");
    ui.label(format!(
        "Last point: {}, value {}, {} of {} votes (consensus {}).",
        j.outcome.name(),
        j.datapoint.map_or_else(|| "none".into(), |v| v.to_string()),
        j.vote_count(),
        run.enabled.len(),
        run.settings.consensus
    ));
    if j.votes.is_empty() {
        ui.label("A pre-check decided: no algorithm ran.");
    } else {
        votes_grid(ui, "card-last", &j.votes);
    }
    if let Some(scanned) = &s.scanned {
        let flagged = s.flagged(run.settings.consensus);
        ui.label(format!(
            "Scan: {flagged} of {} points flagged; window {}. Click a point in the plot for its verdict.",
            scanned.series.points.len(),
            run.scan.unwrap_or(pane.config.window).label()
        ));
    }
    let Some(picked) = &pane.picked else { return };
    let Some(scanned) = &s.scanned else { return };
    let points = &scanned.series.points;
    let (Some(&(t, v)), Some(&(from, _))) =
        (points.get(picked.index), points.get(picked.window_start))
    else {
        return;
    };
    ui.separator();
    ui.strong(format!("Point at {}", crate::time::iso_time(t)));
    let consensus = run.settings.consensus;
    let votes = picked.vote_count();
    let score = scanned.scan.score.get(picked.index).copied().unwrap_or(0.0);
    if picked.votes.is_empty() {
        ui.label(format!(
            "value {v}; scan verdict: not judged (a pre-check: too few points in its window, or too few distinct values), score {score:.3}."
        ));
    } else {
        ui.label(format!(
            "value {v}; scan verdict: {}, {votes} of {} votes (consensus {consensus}), score {score:.3}{}.",
            if picked.flagged(consensus) {
                "anomalous (flagged)"
            } else {
                "normal"
            },
            run.enabled.len(),
            match (
                picked.new_extreme.is_some(),
                scanned.scan.routine_extreme.get(picked.index) == Some(&true),
            ) {
                (true, false) => " (a new extreme of its window)",
                (true, true) => {
                    " (a new extreme of its window, but a routine one: two thirds of the series' earlier new extremes lay as far beyond their windows, so it raises no alert)"
                }
                _ => "",
            }
        ));
    }
    if let Some(signal) = &picked.signal {
        for sentence in signal.sentences(v) {
            ui.label(sentence);
        }
    }
    ui.label(format!(
        "Its window: {} to {}, {} points (the window setting: {}).",
        crate::time::iso_time(from),
        crate::time::iso_time(t),
        picked.index + 1 - picked.window_start,
        pane.scan_window().label()
    ));
    if !picked.votes.is_empty() {
        votes_grid(ui, "card-picked", &picked.votes);
    }
}
