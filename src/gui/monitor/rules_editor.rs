//! The alert rules editor of the Monitor tab: every `monitor.*` setting in
//! words (its key and meaning as the tooltip), edited with the widget its
//! value needs: a checkbox, a number with its unit and range, or a level.
//! Applying checks every value through the rules' own `set` first: one that
//! does not read keeps the form open with its error and changes nothing;
//! otherwise the new rules go back to the app, which judges every point by
//! them and stores them (what `segscope settings` and `segscope watch` read).

use crate::monitor::Level;
use crate::monitor::rules::{AlertRules, KEYS};
use crate::time::MAX_SECONDS;

/// How a rule's value is edited.
#[derive(Debug, Clone, Copy)]
enum Widget {
    /// Yes or no.
    Check,
    /// A number in `min..=max`, shown with its unit.
    Number {
        unit: &'static str,
        min: f64,
        max: f64,
    },
    /// An alert level.
    Level,
}

/// Each rule's key, its words, and its widget, in [`KEYS`] order.
const FIELDS: [(&str, &str, Widget); 10] = [
    (
        "monitor.any_hole_orange",
        "Any hole makes an hour orange",
        Widget::Check,
    ),
    (
        "monitor.red_hole_s",
        "Red when a hole is longer than",
        Widget::Number {
            unit: " s",
            min: 0.0,
            max: MAX_SECONDS,
        },
    ),
    (
        "monitor.red_coverage_pct",
        "Red when an hour is covered less than",
        Widget::Number {
            unit: " %",
            min: 0.0,
            max: 100.0,
        },
    ),
    (
        "monitor.critical_stall_s",
        "Critical when a watched stream gets no segment for",
        Widget::Number {
            unit: " s",
            min: 0.0,
            max: MAX_SECONDS,
        },
    ),
    (
        "monitor.watch_interval_s",
        "Watching re-scans every",
        Widget::Number {
            unit: " s",
            min: 1.0,
            max: MAX_SECONDS,
        },
    ),
    (
        "monitor.slow_node",
        "A node slower than its pool's 95th percentile",
        Widget::Level,
    ),
    (
        "monitor.node_finding",
        "A node with a finding",
        Widget::Level,
    ),
    (
        "monitor.anomalous_node",
        "A node flagged by the anomaly analysis",
        Widget::Level,
    ),
    (
        "monitor.anomalous_series",
        "A series whose last point is anomalous",
        Widget::Level,
    ),
    (
        "monitor.flagged_series",
        "A series with flagged points before its last",
        Widget::Level,
    ),
];

/// The editor's state: the text of each key's value and the last problems.
pub struct RulesEditor {
    texts: Vec<String>,
    problems: Vec<String>,
}

impl RulesEditor {
    /// The editor over the rules in force.
    pub fn new(rules: &AlertRules) -> RulesEditor {
        RulesEditor {
            texts: texts_of(rules),
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
                for ((key, words, widget), text) in FIELDS.iter().zip(&mut self.texts) {
                    let about = KEYS.iter().find(|(k, _)| k == key).map_or("", |(_, a)| a);
                    let label = ui.label(*words).on_hover_text(format!("{key}: {about}"));
                    let r = value_ui(ui, key, *widget, text);
                    r.labelled_by(label.id);
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            apply |= ui
                .button("Apply rules")
                .on_hover_text("Store the rules and judge every point again")
                .clicked();
            if ui.button("Defaults").clicked() {
                self.texts = texts_of(&AlertRules::default());
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

/// Each key's value of `rules`, as text, in [`FIELDS`] order.
fn texts_of(rules: &AlertRules) -> Vec<String> {
    FIELDS
        .iter()
        .map(|(k, _, _)| rules.value(k).unwrap_or_default())
        .collect()
}

/// The widget editing one value (kept as text, as the rules read it).
fn value_ui(ui: &mut egui::Ui, key: &str, widget: Widget, text: &mut String) -> egui::Response {
    match widget {
        Widget::Check => {
            let mut on = text.trim() == "true";
            let r = ui.checkbox(&mut on, "");
            if r.changed() {
                *text = on.to_string();
            }
            r
        }
        Widget::Number { unit, min, max } => {
            // A value that does not read (typed elsewhere) shows as the
            // lowest and is named when applied.
            let mut x: f64 = text.trim().parse().unwrap_or(min);
            let r = ui.add(
                egui::DragValue::new(&mut x)
                    .range(min..=max)
                    .suffix(unit)
                    .speed(0.5)
                    .max_decimals(3),
            );
            if r.changed() {
                *text = x.to_string();
            }
            r
        }
        Widget::Level => {
            let mut level = Level::from_name(text.trim()).unwrap_or(Level::None);
            let before = level;
            let r = egui::ComboBox::from_id_salt(key)
                .selected_text(level.name())
                .show_ui(ui, |ui| {
                    for l in Level::ALL {
                        ui.selectable_value(&mut level, l, l.name());
                    }
                })
                .response;
            if level != before {
                *text = level.name().to_string();
            }
            r
        }
    }
}

/// `current` with every key set from its text, and the keys whose text does
/// not read.
fn read(current: &AlertRules, texts: &[String]) -> (AlertRules, Vec<String>) {
    let mut rules = current.clone();
    let problems = FIELDS
        .iter()
        .zip(texts)
        .filter_map(|((key, _, _), text)| rules.set(key, text).err().map(|e| format!("{key}: {e}")))
        .collect();
    (rules, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_words_and_every_value_is_checked_before_any_is_taken() {
        // The fields are the rules' keys, in order.
        let keys: Vec<&str> = FIELDS.iter().map(|f| f.0).collect();
        let all: Vec<&str> = KEYS.iter().map(|k| k.0).collect();
        assert_eq!(keys, all);
        let current = AlertRules::default();
        let mut texts = texts_of(&current);
        texts[0] = "false".into();
        let (rules, problems) = read(&current, &texts);
        assert!(problems.is_empty());
        assert!(!rules.any_hole_orange);
        let interval = keys
            .iter()
            .position(|k| *k == "monitor.watch_interval_s")
            .unwrap();
        texts[interval] = "0.5".into();
        let (_, problems) = read(&current, &texts);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("monitor.watch_interval_s:"),
            "{problems:?}"
        );
    }
}
