//! An archive document's main views: the coverage timeline (with its
//! tooltips: the pixel's mix, or the segment and its files) and the grid map.

use std::path::PathBuf;

use crate::analysis::Analysis;
use crate::archive::layout::OpenedAs;
use crate::coverage::best::Seg;
use crate::gui::archive::doc::ArchiveDoc;
use crate::gui::archive::file_lookup::{FileLookup, HourFiles};
use crate::gui::archive::timeline::{LaneSource, pixel_tooltip};
use crate::gui::shell::command::AppCommand;
use crate::gui::shell::job::JobState;
use crate::gui::shell::views::{BottomTab, KindPart, MainView, ViewContext};
use crate::gui::widgets::axis::{TimeZoneChoice, full_time, human_duration};
use crate::time::HOUR_US;

impl KindPart for ArchiveDoc {
    fn status_ui(&self, ui: &mut egui::Ui, pushed: &mut Vec<AppCommand>) {
        crate::gui::archive::status::status_ui(ui, self, pushed);
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, cx: &mut ViewContext<'_>) -> Option<MainView> {
        let tz = cx.settings.time_zone;
        let ArchiveDoc {
            loader,
            timeline,
            grid,
            files,
            ..
        } = self;
        let Some(load) = &loader.current else {
            return None;
        };
        if cx.view == MainView::GridMap {
            match load.analysis().cloned() {
                Some(a) => grid.ui(ui, &a, cx.generation, tz),
                None => {
                    ui.label("The grid map appears when the analysis finishes.");
                }
            }
            return None;
        }
        let lanes: Vec<LaneSource<'_>> = match &load.job.state {
            JobState::Done(a) => a.streams.iter().map(LaneSource::Done).collect(),
            _ => load.partial.iter().map(LaneSource::Loading).collect(),
        };
        if lanes.is_empty() {
            ui.label(match &load.job.state {
                JobState::Idle | JobState::Running(_) => "Looking for streams…",
                _ => "No streams found (see the log).",
            });
            return None;
        }
        let response = timeline.ui(ui, cx.time, &lanes, cx.settings, cx.commands);
        let analysis = load.analysis().cloned();
        drop(lanes);
        if let (Some(hover), Some(a)) = (timeline.hover, analysis) {
            let text = match timeline.hovered_segment {
                Some(hs) => {
                    let ctx = ui.ctx().clone();
                    let wake = move || ctx.request_repaint();
                    segment_tooltip(files, wake, tz, &a, hs.lane, hs.seg, hs.overlap)
                }
                None => a
                    .streams
                    .get(hover.lane)
                    .map(|s| {
                        pixel_tooltip(s, cx.time, response.rect.width() - 150.0, hover.time_us, tz)
                    })
                    .unwrap_or_default(),
            };
            response.on_hover_text_at_pointer(text);
        }
        None
    }

    fn tab_ui(
        &mut self,
        ui: &mut egui::Ui,
        tab: BottomTab,
        cx: &mut ViewContext<'_>,
    ) -> Option<MainView> {
        let Some(a) = self
            .loader
            .current
            .as_ref()
            .and_then(|l| l.analysis())
            .cloned()
        else {
            ui.label("The tables fill in when the analysis finishes.");
            return None;
        };
        match tab {
            BottomTab::Holes => {
                let row = self.holes.ui(ui, cx.settings.time_zone)?;
                cx.time.focus(row.span);
                self.timeline.highlight = Some((row.stream, row.span));
                return Some(MainView::Timeline);
            }
            BottomTab::Hours => {
                let hour = self.hours.hours_ui(ui, &a)?;
                cx.time
                    .navigate(hour as f64, (hour + crate::time::HOUR_US) as f64);
                return Some(MainView::Timeline);
            }
            BottomTab::Problems => self.hours.bad_ui(ui, &a),
            BottomTab::Findings
            | BottomTab::Plan
            | BottomTab::Monitor
            | BottomTab::Log
            | BottomTab::Jobs => {}
        }
        None
    }
}

/// Directory of a stream.
fn stream_dir(a: &Analysis, stream: usize) -> Option<PathBuf> {
    let s = a.streams.get(stream)?;
    let root = PathBuf::from(&a.root);
    Some(match a.opened_as {
        OpenedAs::Quality => root,
        OpenedAs::Channel => root.join(&s.quality),
        OpenedAs::Root => root.join(&s.channel).join(&s.quality),
    })
}

/// The tooltip of a hovered segment: its stream, time, type, and its file(s)
/// (looked up in the background the first time its hour is hovered).
fn segment_tooltip(
    files: &mut FileLookup,
    wake: impl Fn() + Send + 'static,
    tz: TimeZoneChoice,
    a: &Analysis,
    stream: usize,
    seg: Seg,
    overlap: bool,
) -> String {
    let mut text = format!(
        "{}\nstart {}\nduration {}\ntype {}{}",
        a.streams
            .get(stream)
            .map(|s| crate::text::shown(&format!("{}/{}", s.channel, s.quality)).into_owned())
            .unwrap_or_default(),
        full_time(seg.start_us, tz),
        human_duration(seg.duration_us),
        seg.kind.as_str(),
        if overlap {
            " (overlap: duplicate or dropped from the editable chain)"
        } else {
            ""
        }
    );
    let hour = seg.start_us.div_euclid(HOUR_US) * HOUR_US;
    let Some(dir) = stream_dir(a, stream).map(|d| d.join(crate::time::format_hour(hour))) else {
        return text;
    };
    match files.hour(&dir, hour, wake) {
        HourFiles::Pending => text.push_str("\nfile: looking it up…"),
        HourFiles::Ready(list) => {
            let matching = list.iter().filter(|f| {
                hour + f.parsed.offset_us == seg.start_us
                    && f.parsed.duration_us == seg.duration_us
                    && f.parsed.kind == seg.kind
            });
            for f in matching {
                let size = f
                    .size
                    .map_or_else(|| "unreadable".to_string(), |s| format!("{s} bytes"));
                text.push_str(&format!(
                    "\nfile {}\nsize {size}",
                    crate::text::shown(&f.name.to_string_lossy())
                ));
            }
        }
    }
    text
}
