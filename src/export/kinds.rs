//! Every export kind, for the command line's flags and the app's dialog alike:
//! what it is called, the file name it proposes, its bytes, and writing it.

use std::path::Path;

use super::atomic::{ensure_outside, write_output};
use super::{csv, html, json, png, prom};
use crate::analysis::Analysis;

/// An export of a coverage analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// wubloader-layout map PNGs, one per stream (a directory).
    Maps,
    /// One CSV row per hole.
    HolesCsv,
    /// One CSV row per stream and hour.
    HoursCsv,
    /// The JSON report.
    Json,
    /// The self-contained HTML report.
    Html,
    /// Prometheus text exposition.
    Prometheus,
}

impl ExportKind {
    /// Every kind, in menu order.
    pub const ALL: [ExportKind; 6] = [
        ExportKind::Html,
        ExportKind::Maps,
        ExportKind::HolesCsv,
        ExportKind::HoursCsv,
        ExportKind::Json,
        ExportKind::Prometheus,
    ];

    /// Its name in titles ("Export {title}").
    pub fn title(self) -> &'static str {
        match self {
            ExportKind::Maps => "map PNGs",
            ExportKind::HolesCsv => "holes CSV",
            ExportKind::HoursCsv => "hours CSV",
            ExportKind::Json => "JSON report",
            ExportKind::Html => "HTML report",
            ExportKind::Prometheus => "Prometheus metrics",
        }
    }

    /// The command-line flag that writes it.
    pub fn flag(self) -> &'static str {
        match self {
            ExportKind::Maps => "--png",
            ExportKind::HolesCsv => "--holes-csv",
            ExportKind::HoursCsv => "--csv",
            ExportKind::Json => "--json",
            ExportKind::Html => "--html",
            ExportKind::Prometheus => "--prom",
        }
    }

    /// The file (or, for maps, folder) name proposed for an archive named `base`.
    pub fn file_name(self, base: &str) -> String {
        match self {
            ExportKind::Maps => format!("{base}-maps"),
            ExportKind::HolesCsv => format!("{base}-holes.csv"),
            ExportKind::HoursCsv => format!("{base}-hours.csv"),
            ExportKind::Json => format!("{base}-coverage.json"),
            ExportKind::Html => format!("{base}-report.html"),
            ExportKind::Prometheus => format!("{base}-coverage.prom"),
        }
    }

    /// True when the target is a folder (maps), not a file.
    pub fn is_folder(self) -> bool {
        self == ExportKind::Maps
    }

    /// The bytes of a single-file kind (`None` for maps, which are many files).
    pub fn render(self, analysis: &Analysis) -> Option<Vec<u8>> {
        Some(match self {
            ExportKind::Maps => return None,
            ExportKind::HolesCsv => csv::holes_csv(analysis),
            ExportKind::HoursCsv => csv::hours_csv(analysis),
            ExportKind::Json => json::to_json(analysis),
            ExportKind::Html => html::to_html(analysis),
            ExportKind::Prometheus => prom::to_prometheus(analysis),
        })
    }
}

/// Writes one export of `analysis` (opened from `archive`) to `target`, refusing
/// targets inside the archive; returns what was done, in words. Blocking: the
/// app calls it on a background thread.
pub fn export_to(
    kind: ExportKind,
    analysis: &Analysis,
    archive: &Path,
    target: &Path,
) -> Result<String, String> {
    ensure_outside(archive, target).map_err(|e| e.to_string())?;
    let Some(bytes) = kind.render(analysis) else {
        let done = png::write_maps(analysis, target, None, None).map_err(|e| e.to_string())?;
        let saved = format!("Saved {} maps to {}", done.written.len(), target.display());
        if done.failed.is_empty() {
            return Ok(saved);
        }
        let why: Vec<String> = done
            .failed
            .iter()
            .map(|(stream, why)| format!("{stream}: {why}"))
            .collect();
        return Err(format!("{saved}; failed: {}", why.join("; ")));
    };
    write_output(target, &bytes).map_err(|e| e.to_string())?;
    Ok(format!("Saved {}", target.display()))
}
