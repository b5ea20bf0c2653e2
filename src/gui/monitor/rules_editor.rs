//! The alert rules editor of the Monitor tab: every `monitor.*` setting
//! with its current value, edited as text. Applying checks every value
//! first: one that does not read keeps the form open with its error and
//! changes nothing; otherwise the new rules go back to the app, which judges
//! every point by them and stores them (what `segscope settings` and
//! `segscope watch` read).

use crate::monitor::rules::{AlertRules, KEYS};

/// The editor's state: the text of each key and the last problems.
pub struct RulesEditor {
    texts: Vec<String>,
    problems: Vec<String>,
}

impl RulesEditor {
    /// The editor over the rules in force.
    pub fn new(rules: &AlertRules) -> RulesEditor {
        RulesEditor {
            texts: KEYS
                .iter()
                .map(|(k, _)| rules.value(k).unwrap_or_default())
                .collect(),
            problems: Vec::new(),
        }
    }

    /// Draws the editor over the rules in force, `current`; the new rules
    /// when they were applied and every value read.
    pub fn ui(&mut self, ui: &mut egui::Ui, current: &AlertRules) -> Option<AlertRules> {
        let mut apply = false;
        egui::Grid::new("monitor-rules")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                for ((key, about), text) in KEYS.iter().zip(&mut self.texts) {
                    let label = ui
                        .label(key.trim_start_matches("monitor."))
                        .on_hover_text(*about);
                    let r = ui
                        .add(
                            egui::TextEdit::singleline(text)
                                .desired_width(90.0)
                                .id_salt(key),
                        )
                        .labelled_by(label.id);
                    apply |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            apply |= ui
                .button("Apply rules")
                .on_hover_text("Store the rules and judge every point again")
                .clicked();
            if ui.button("Defaults").clicked() {
                let d = AlertRules::default();
                for ((key, _), text) in KEYS.iter().zip(&mut self.texts) {
                    *text = d.value(key).unwrap_or_default();
                }
                apply = true;
            }
        });
        for p in &self.problems {
            ui.colored_label(ui.visuals().error_fg_color, p);
        }
        if !apply {
            return None;
        }
        let (rules, problems) = read(current, &self.texts);
        self.problems = problems;
        (self.problems.is_empty() && rules != *current).then_some(rules)
    }
}

/// `current` with every key set from its text, and the keys whose text does
/// not read.
fn read(current: &AlertRules, texts: &[String]) -> (AlertRules, Vec<String>) {
    let mut rules = current.clone();
    let problems = KEYS
        .iter()
        .zip(texts)
        .filter_map(|((key, _), text)| rules.set(key, text).err().map(|e| format!("{key}: {e}")))
        .collect();
    (rules, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_checked_before_any_is_taken() {
        let current = AlertRules::default();
        let mut texts: Vec<String> = KEYS
            .iter()
            .map(|(k, _)| current.value(k).unwrap_or_default())
            .collect();
        texts[0] = "false".into();
        let (rules, problems) = read(&current, &texts);
        assert!(problems.is_empty());
        assert!(!rules.any_hole_orange);
        let interval = KEYS
            .iter()
            .position(|(k, _)| *k == "monitor.watch_interval_s")
            .unwrap();
        texts[interval] = "soon".into();
        let (_, problems) = read(&current, &texts);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("monitor.watch_interval_s: `soon`"),
            "{problems:?}"
        );
    }
}
