//! What the caption row above the main view says: the document and view,
//! the time range on screen and the key to the view's colours. The colours are
//! the ones each kind's views draw with.

use crate::gui::anomaly::plot::{ANOMALY, SCORE, VALUES};
use crate::gui::document::{Document, MainView};
use crate::gui::perf::gantt::bar_colour;
use crate::gui::shell::theme::Palette;
use crate::gui::widgets::axis::{TimeZoneChoice, full_time};
use crate::gui::widgets::legend::Key;
use crate::perf::lanes::BarWhat;
use crate::perf::summary::Metric;

/// The caption of `view` of `doc`: title, time range (empty when the view has
/// no time axis) and keys.
pub fn view_caption(
    doc: &Document,
    view: MainView,
    palette: &Palette,
    tz: TimeZoneChoice,
) -> (String, String, Vec<Key>) {
    let mut title = format!("{} · {}", doc.title(), view.label());
    if view == MainView::Anomalies
        && let Some(series) = doc.anomalies.as_ref().and_then(|p| p.selected_series())
    {
        title.push_str(&format!(" · {}", crate::text::shown(&series.name)));
    }
    let timed = matches!(
        view,
        MainView::Timeline | MainView::Gantt | MainView::Anomalies
    );
    let range = if timed {
        let t = doc.shown_time(view);
        format!(
            "{} to {}",
            full_time(t.t0 as i64, tz),
            full_time(t.t1 as i64, tz)
        )
    } else {
        String::new()
    };
    let keys = match view {
        MainView::Timeline | MainView::GridMap | MainView::Nodes => {
            let mut keys = vec![
                Key::fill(palette.covered, "covered (full)"),
                Key::fill(palette.partial_only, "partial only"),
                Key::fill(palette.suspect, "suspect"),
                Key::fill(palette.hole, "hole"),
                Key::fill(palette.pending, "not scanned yet"),
            ];
            if view != MainView::GridMap {
                keys.push(Key::fill(
                    egui::Color32::TRANSPARENT,
                    "zoomed in: the lower strip holds duplicates and segments dropped from the editable chain",
                ));
            }
            keys
        }
        MainView::Phases => Metric::STACKED
            .iter()
            .map(|&m| Key::fill(bar_colour(BarWhat::Phase(m)), m.label()))
            .collect(),
        MainView::Anomalies => vec![
            Key::line(VALUES, "values"),
            Key::fill(ANOMALY, "flagged by the scan"),
            Key::fill(SCORE, "anomaly score"),
        ],
        // The Gantt and the Distributions carry their own keys.
        MainView::Gantt | MainView::Distributions => Vec::new(),
        MainView::NodeHours => vec![
            Key::fill(
                egui::Color32::from_rgb(0x2c, 0xa0, 0x2c),
                "whole hour covered",
            ),
            Key::fill(
                egui::Color32::from_rgb(0xd6, 0x27, 0x28),
                "hour not covered",
            ),
            Key::fill(palette.pending, "no such hour on the node"),
        ],
    };
    (title, range, keys)
}
