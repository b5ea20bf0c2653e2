//! The grid map: wubloader's 2D layout of one stream (2 s per pixel, 300 rows =
//! 10 minutes per column, 6 columns per hour), zoomable, with the time under the
//! pointer.

use egui::{ColorImage, Sense, TextureHandle, TextureOptions, Ui};

use crate::analysis::Analysis;
use crate::export::png::{MapLayout, data_hours, render_map};
use crate::gui::shell::settings::TimeZoneChoice;
use crate::gui::widgets::axis::full_time;
use crate::time::format_hour;

/// View state of the grid map.
pub struct GridView {
    /// Stream shown.
    pub stream: usize,
    /// Screen points per map pixel.
    pub zoom: f32,
    texture: Option<(usize, usize, TextureHandle)>,
    layout: Option<MapLayout>,
    shown: Option<(usize, usize)>,
    problem: Option<String>,
}

impl Default for GridView {
    fn default() -> Self {
        GridView {
            stream: 0,
            zoom: 2.0,
            texture: None,
            layout: None,
            shown: None,
            problem: None,
        }
    }
}

impl GridView {
    /// Width in pixels of the map shown (0 before one is drawn).
    pub fn map_width(&self) -> u32 {
        self.layout.as_ref().map_or(0, |l| l.width)
    }

    /// Forgets the texture (new analysis).
    pub fn reset(&mut self) {
        self.texture = None;
        self.layout = None;
        self.shown = None;
        self.problem = None;
    }

    /// Draws the map of the chosen stream.
    pub fn ui(&mut self, ui: &mut Ui, analysis: &Analysis, generation: usize, tz: TimeZoneChoice) {
        let names: Vec<String> = analysis
            .streams
            .iter()
            .map(|s| format!("{}/{}", s.channel, s.quality))
            .collect();
        if names.is_empty() {
            ui.label("No streams.");
            return;
        }
        self.stream = self.stream.min(names.len() - 1);
        ui.horizontal(|ui| {
            let label = ui.label("Stream");
            egui::ComboBox::from_id_salt("grid-stream")
                .selected_text(names[self.stream].clone())
                .show_ui(ui, |ui| {
                    for (i, n) in names.iter().enumerate() {
                        ui.selectable_value(&mut self.stream, i, n);
                    }
                })
                .response
                .labelled_by(label.id);
            let zoom_label = ui.label("Zoom");
            ui.add(egui::Slider::new(&mut self.zoom, 0.5..=12.0).logarithmic(true))
                .labelled_by(zoom_label.id);
            ui.label("2 s per pixel · 10 minutes per column · 6 columns per hour");
        });
        let stream = &analysis.streams[self.stream];
        let Some((first, last)) = data_hours(&stream.coverage) else {
            ui.label("This stream has no segments.");
            return;
        };
        let stale = self.shown != Some((self.stream, generation));
        if stale {
            self.shown = Some((self.stream, generation));
            self.texture = None;
            self.layout = None;
            self.problem = None;
            match MapLayout::plan(&stream.coverage, first, last) {
                Ok(layout) => {
                    let img = render_map(&stream.coverage, &layout);
                    let size = [img.width() as usize, img.height() as usize];
                    let color = ColorImage::from_rgba_unmultiplied(size, img.as_raw());
                    let tex = ui
                        .ctx()
                        .load_texture("grid-map", color, TextureOptions::NEAREST);
                    self.texture = Some((self.stream, generation, tex));
                    self.layout = Some(layout);
                }
                Err(e) => self.problem = Some(e.to_string()),
            }
        }
        if let Some(problem) = &self.problem {
            ui.label(format!("No map: {problem}"));
            return;
        }
        let Some((_, _, tex)) = &self.texture else {
            return;
        };
        let size = tex.size_vec2() * self.zoom;
        let Some(layout) = &self.layout else {
            return;
        };
        let zoom = self.zoom;
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let resp = ui.add(egui::Image::new((tex.id(), size)).sense(Sense::hover()));
                if let Some(p) = resp.hover_pos() {
                    let local = (p - resp.rect.min) / zoom;
                    let (col, row) = (local.x.floor(), local.y.floor());
                    if col >= 0.0 && row >= 0.0 {
                        let text = match layout.time_at(col as u32, row as u32) {
                            Some(Ok(t)) => Some(format!("{} (2 s)", full_time(t, tz))),
                            Some(Err((from, to))) => Some(format!(
                                "no segments from {} to {} (not drawn)",
                                format_hour(from),
                                format_hour(to)
                            )),
                            None => None,
                        };
                        if let Some(text) = text {
                            resp.on_hover_text_at_pointer(format!(
                                "{}\n{text}",
                                names[self.stream]
                            ));
                        }
                    }
                }
            });
        let zoom_delta = ui.input(|i| i.zoom_delta());
        if zoom_delta != 1.0 {
            self.zoom = (self.zoom * zoom_delta).clamp(0.5, 12.0);
        }
    }
}
