//! The holes table: every raw and editable hole of every stream, sortable and
//! filterable; selecting one zooms the timeline to it; N / P step through them.

use egui::{RichText, Ui};

use crate::analysis::Analysis;
use crate::coverage::timeline::{HoleKind, Interval};
use crate::gui::shell::settings::TimeZoneChoice;
use crate::gui::widgets::axis::{full_time, human_duration};

/// One hole of one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoleRow {
    /// Stream index.
    pub stream: usize,
    /// Raw or editable.
    pub kind: HoleKind,
    /// The gap.
    pub span: Interval,
    /// Shown as one row for a raw and an editable hole of the same span.
    pub both: bool,
}

impl HoleRow {
    /// Whether `other` is the same gap: the same stream and span (a raw hole
    /// and its editable twin are one gap).
    pub fn same_gap(&self, other: &HoleRow) -> bool {
        self.stream == other.stream && self.span == other.span
    }

    /// The kind column's text.
    pub fn kind_text(&self) -> &'static str {
        if self.both {
            "raw + editable"
        } else {
            self.kind.as_str()
        }
    }
}

/// Sort column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Stream name.
    Stream,
    /// Start time.
    Start,
    /// Duration.
    Duration,
    /// Kind.
    Kind,
}

/// Which kinds to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindFilter {
    /// Raw and editable.
    All,
    /// Raw holes only.
    Raw,
    /// Editable holes only.
    Editable,
    /// Every hole, a raw and an editable hole of the same span as one row.
    OnePerGap,
}

/// The holes panel's view state.
pub struct HolesPanel {
    rows: Vec<HoleRow>,
    stream_names: Vec<String>,
    /// Minimum duration shown, seconds.
    pub min_duration_s: f64,
    /// Kinds shown.
    pub kind: KindFilter,
    /// Stream shown (`None`: all).
    pub stream: Option<usize>,
    /// Sort column and direction.
    pub sort: (SortBy, bool),
    /// Selected row.
    pub selected: Option<HoleRow>,
    visible: Vec<HoleRow>,
    dirty: bool,
    /// The selection moved without a click (N / P, the monitor): the table
    /// scrolls to it on the next frame.
    reveal: bool,
}

impl Default for HolesPanel {
    fn default() -> Self {
        HolesPanel {
            rows: Vec::new(),
            stream_names: Vec::new(),
            min_duration_s: 0.0,
            kind: KindFilter::All,
            stream: None,
            sort: (SortBy::Start, true),
            selected: None,
            visible: Vec::new(),
            dirty: true,
            reveal: false,
        }
    }
}

impl HolesPanel {
    /// Takes the holes of a new analysis (keeps filters and sort; keeps the
    /// selection when the new analysis has the same hole).
    pub fn set_analysis(&mut self, analysis: &Analysis) {
        self.rows = analysis
            .streams
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.coverage.holes.iter().map(move |h| HoleRow {
                    stream: i,
                    kind: h.kind,
                    span: h.span,
                    both: false,
                })
            })
            .collect();
        self.rows
            .sort_by_key(|r| (r.span.start_us, r.span.end_us, r.kind, r.stream));
        self.stream_names = analysis
            .streams
            .iter()
            .map(|s| format!("{}/{}", s.channel, s.quality))
            .collect();
        self.selected = self.selected.filter(|s| self.rows.contains(s));
        self.dirty = true;
    }

    /// Forgets everything (no archive).
    pub fn clear(&mut self) {
        *self = HolesPanel {
            min_duration_s: self.min_duration_s,
            kind: self.kind,
            ..Default::default()
        };
    }

    fn passes(&self, r: &HoleRow) -> bool {
        let kind_ok = match self.kind {
            KindFilter::All | KindFilter::OnePerGap => true,
            KindFilter::Raw => r.kind == HoleKind::Raw,
            KindFilter::Editable => r.kind == HoleKind::Editable,
        };
        kind_ok
            && self.stream.is_none_or(|s| s == r.stream)
            && r.span.duration_us() as f64 >= self.min_duration_s * 1e6
    }

    /// The rows passing the filters in time order (raw and editable holes of one
    /// span joined into one row when asked).
    fn filtered_in_time(&self) -> Vec<HoleRow> {
        self.in_time(self.kind == KindFilter::OnePerGap)
    }

    /// The rows passing the filters in time order, twins joined when `by_gap`.
    fn in_time(&self, by_gap: bool) -> Vec<HoleRow> {
        let mut v: Vec<HoleRow> = self
            .rows
            .iter()
            .copied()
            .filter(|r| self.passes(r))
            .collect();
        v.sort_by_key(|r| (r.span.start_us, r.span.end_us, r.stream, r.kind));
        if by_gap {
            let mut joined: Vec<HoleRow> = Vec::with_capacity(v.len());
            for r in v {
                match joined.last_mut() {
                    Some(last) if last.same_gap(&r) => last.both = true,
                    _ => joined.push(r),
                }
            }
            v = joined;
        }
        v
    }

    /// The rows passing the filters, in table order.
    pub fn visible(&mut self) -> &[HoleRow] {
        if self.dirty {
            let mut v = self.filtered_in_time();
            let names = &self.stream_names;
            let (by, asc) = self.sort;
            v.sort_by(|a, b| {
                let o = match by {
                    SortBy::Stream => names[a.stream]
                        .cmp(&names[b.stream])
                        .then(a.span.start_us.cmp(&b.span.start_us)),
                    SortBy::Start => {
                        (a.span.start_us, a.span.end_us).cmp(&(b.span.start_us, b.span.end_us))
                    }
                    SortBy::Duration => a.span.duration_us().cmp(&b.span.duration_us()),
                    SortBy::Kind => a
                        .kind
                        .cmp(&b.kind)
                        .then(a.span.start_us.cmp(&b.span.start_us)),
                };
                if asc { o } else { o.reverse() }
            });
            self.visible = v;
            self.dirty = false;
        }
        &self.visible
    }

    /// The next (or previous) gap in time after the selection, or after
    /// `from_us` when nothing is selected: a raw hole and its editable twin are
    /// one step. The table scrolls to it.
    pub fn step(&mut self, forward: bool, from_us: f64) -> Option<HoleRow> {
        let selected = self.selected;
        let in_time = self.in_time(true);
        let pos = match selected.and_then(|s| in_time.iter().position(|r| r.same_gap(&s))) {
            Some(i) if forward => in_time.get(i + 1).copied(),
            Some(i) => i.checked_sub(1).and_then(|j| in_time.get(j).copied()),
            None if forward => in_time
                .iter()
                .copied()
                .find(|r| r.span.start_us as f64 > from_us),
            None => in_time
                .iter()
                .rev()
                .copied()
                .find(|r| (r.span.start_us as f64) < from_us),
        };
        // Selected as the table lists it (a row per hole, unless joined).
        let pos = pos.map(|gap| {
            self.filtered_in_time()
                .into_iter()
                .find(|r| r.same_gap(&gap))
                .unwrap_or(gap)
        });
        if pos.is_some() {
            self.select(pos);
        }
        pos
    }

    /// Selects `row` from outside the table; the table scrolls to it.
    pub fn select(&mut self, row: Option<HoleRow>) {
        self.selected = row;
        self.reveal = row.is_some();
    }

    /// Number of holes (before filtering).
    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// Raw holes and editable holes, counted apart (a clean chain has each gap
    /// once as each kind).
    pub fn raw_and_editable(&self) -> (usize, usize) {
        let raw = self.rows.iter().filter(|r| r.kind == HoleKind::Raw).count();
        (raw, self.rows.len() - raw)
    }

    /// Draws the filters and the table; returns a row the user clicked.
    pub fn ui(&mut self, ui: &mut Ui, tz: TimeZoneChoice) -> Option<HoleRow> {
        let mut clicked = None;
        ui.horizontal(|ui| {
            let label = ui.label("Minimum duration (s)");
            let drag = egui::DragValue::new(&mut self.min_duration_s)
                .speed(0.1)
                .range(0.0..=86_400.0);
            if ui.add(drag).labelled_by(label.id).changed() {
                self.dirty = true;
            }
            ui.separator();
            for (k, label) in [
                (KindFilter::All, "all kinds"),
                (KindFilter::Raw, "raw only"),
                (KindFilter::Editable, "editable only"),
                (KindFilter::OnePerGap, "one row per gap"),
            ] {
                if ui.selectable_value(&mut self.kind, k, label).changed() {
                    self.dirty = true;
                }
            }
            ui.separator();
            let label = ui.label("Stream");
            let current = self
                .stream
                .and_then(|i| self.stream_names.get(i).cloned())
                .unwrap_or_else(|| "all streams".into());
            let mut changed = false;
            let combo = egui::ComboBox::from_id_salt("holes-stream")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    changed |= ui
                        .selectable_value(&mut self.stream, None, "all streams")
                        .changed();
                    for (i, name) in self.stream_names.iter().enumerate() {
                        changed |= ui
                            .selectable_value(&mut self.stream, Some(i), name)
                            .changed();
                    }
                });
            combo.response.labelled_by(label.id);
            if changed {
                self.dirty = true;
            }
            let n = self.visible().len();
            ui.label(format!(
                "{n} of {}",
                crate::text::counted(self.rows.len() as u64, "hole")
            ));
        });
        ui.separator();
        let widths = [190.0, 240.0, 240.0, 110.0, 70.0];
        ui.horizontal(|ui| {
            for (i, (label, by)) in [
                ("Stream", Some(SortBy::Stream)),
                ("Start", Some(SortBy::Start)),
                ("End", None),
                ("Duration", Some(SortBy::Duration)),
                ("Kind", Some(SortBy::Kind)),
            ]
            .into_iter()
            .enumerate()
            {
                let arrow = match by {
                    Some(b) if self.sort.0 == b => {
                        if self.sort.1 {
                            " ^"
                        } else {
                            " v"
                        }
                    }
                    _ => "",
                };
                let text = RichText::new(format!("{label}{arrow}")).strong();
                let resp = ui.add_sized([widths[i], 18.0], egui::Button::new(text).frame(false));
                if let (true, Some(b)) = (resp.clicked(), by) {
                    self.sort = if self.sort.0 == b {
                        (b, !self.sort.1)
                    } else {
                        (b, true)
                    };
                    self.dirty = true;
                }
            }
        });
        self.visible();
        let (rows, names, selected) = (&self.visible, &self.stream_names, self.selected);
        let row_h = 20.0;
        let mut area = egui::ScrollArea::vertical().auto_shrink([false, false]);
        if std::mem::take(&mut self.reveal)
            && let Some(i) = selected.and_then(|s| rows.iter().position(|r| r.same_gap(&s)))
        {
            // The selected row in the middle of the table.
            let pitch = row_h + ui.spacing().item_spacing.y;
            let offset = i as f32 * pitch - (ui.available_height() - pitch) / 2.0;
            area = area.vertical_scroll_offset(offset.max(0.0));
        }
        area.show_rows(ui, row_h, rows.len(), |ui, range| {
            for r in &rows[range] {
                ui.horizontal(|ui| {
                    let is_sel = selected.is_some_and(|s| s.same_gap(r));
                    let name = names.get(r.stream).cloned().unwrap_or_default();
                    let cells = [
                        name,
                        full_time(r.span.start_us, tz),
                        full_time(r.span.end_us, tz),
                        human_duration(r.span.duration_us()),
                        r.kind_text().to_string(),
                    ];
                    let mut any = false;
                    for (i, text) in cells.into_iter().enumerate() {
                        any |= ui
                            .add_sized([widths[i], row_h], egui::Button::selectable(is_sel, text))
                            .clicked();
                    }
                    if any {
                        clicked = Some(*r);
                    }
                });
            }
        });
        if let Some(r) = clicked {
            self.selected = Some(r);
        }
        clicked
    }
}
