//! The alert rules editor of the Monitor tab: every `monitor.*` setting
//! with its current value, edited as text and stored in the database's
//! settings table (what `segscope settings` and `segscope watch` read).

use crate::jobs::db::Db;
use crate::monitor::rules::{AlertRules, KEYS};

/// The editor's state: the text of each key and the last problems.
pub struct RulesEditor {
    texts: Vec<String>,
    problems: Vec<String>,
}

impl RulesEditor {
    /// The editor over the stored rules.
    pub fn new(db: &Db) -> RulesEditor {
        let (rules, problems) = AlertRules::load(db);
        RulesEditor {
            texts: KEYS
                .iter()
                .map(|(k, _)| rules.value(k).unwrap_or_default())
                .collect(),
            problems,
        }
    }

    /// Draws the editor; true when rules were stored.
    pub fn ui(&mut self, ui: &mut egui::Ui, db: &Db) -> bool {
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
            return false;
        }
        self.problems.clear();
        let (stored, _) = AlertRules::load(db);
        let mut changed = false;
        for ((key, _), text) in KEYS.iter().zip(&mut self.texts) {
            if stored.value(key).as_deref() == Some(text.trim()) {
                continue;
            }
            match AlertRules::store(db, key, text) {
                Ok(()) => changed = true,
                Err(e) => {
                    self.problems.push(format!("{key}: {e}"));
                    *text = stored.value(key).unwrap_or_default();
                }
            }
        }
        changed
    }
}
