//! Every export kind, for the command line's flags and the app's dialog alike:
//! what it is called, the file name it proposes, its bytes, and writing it.
//! A kind renders a [`Subject`]: a coverage analysis or a perf analysis.

use std::path::Path;

use super::atomic::{WriteError, ensure_outside, write_output, write_output_with};
use super::{anomaly, csv, fleet, html, json, png, prom, timing};
use crate::analysis::Analysis;
use crate::perf::PerfAnalysis;

/// What is exported: the analysis of a document.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A segment archive's coverage.
    Coverage(&'a Analysis),
    /// A perf export's timings.
    Perf(&'a PerfAnalysis),
    /// An anomaly run over series.
    Anomalies(&'a crate::anomaly::run::AnomalyRun),
    /// A fleet of nodes: coverage per node, union, backfill plan.
    Fleet(&'a crate::fleet::FleetReport),
}

/// An export of an analysis.
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
    /// One CSV row per node of a perf export.
    TimingCsv,
    /// graph.py's `.dat` per pool (a directory).
    Dat,
    /// Chrome Trace Event JSON (Perfetto).
    Trace,
    /// One CSV row per series of an anomaly run.
    AnomalyCsv,
    /// A fleet's backfill plan (JSON).
    Plan,
    /// One CSV row per planned fetch of a fleet.
    PlanCsv,
}

impl ExportKind {
    /// The kinds of a perf analysis, in menu order.
    pub const PERF: [ExportKind; 5] = [
        ExportKind::Html,
        ExportKind::TimingCsv,
        ExportKind::Dat,
        ExportKind::Trace,
        ExportKind::Json,
    ];

    /// The kinds of an anomaly run, in menu order.
    pub const ANOMALIES: [ExportKind; 3] =
        [ExportKind::Html, ExportKind::AnomalyCsv, ExportKind::Json];

    /// The kinds of a fleet, in menu order.
    pub const FLEET: [ExportKind; 4] = [
        ExportKind::Html,
        ExportKind::Plan,
        ExportKind::PlanCsv,
        ExportKind::Json,
    ];

    /// The kinds of a coverage analysis, in menu order.
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
            ExportKind::TimingCsv => "timings CSV",
            ExportKind::Dat => "graph.py .dat files",
            ExportKind::Trace => "Chrome trace",
            ExportKind::AnomalyCsv => "anomalies CSV",
            ExportKind::Plan => "backfill plan",
            ExportKind::PlanCsv => "plan CSV",
        }
    }

    /// Its menu entry: `Export {title}…`.
    pub fn menu_label(self) -> &'static str {
        match self {
            ExportKind::Maps => "Export map PNGs…",
            ExportKind::HolesCsv => "Export holes CSV…",
            ExportKind::HoursCsv => "Export hours CSV…",
            ExportKind::Json => "Export JSON report…",
            ExportKind::Html => "Export HTML report…",
            ExportKind::Prometheus => "Export Prometheus metrics…",
            ExportKind::TimingCsv => "Export timings CSV…",
            ExportKind::Dat => "Export graph.py .dat files…",
            ExportKind::Trace => "Export Chrome trace…",
            ExportKind::AnomalyCsv => "Export anomalies CSV…",
            ExportKind::Plan => "Export backfill plan…",
            ExportKind::PlanCsv => "Export plan CSV…",
        }
    }

    /// What it holds, in a sentence.
    pub fn about(self) -> &'static str {
        match self {
            ExportKind::Maps => "Write CHANNEL_QUALITY_coverage.png for every stream",
            ExportKind::HolesCsv => "One row per hole",
            ExportKind::HoursCsv => "One row per stream and hour, every figure",
            ExportKind::Json => "The JSON report the command line's --json writes",
            ExportKind::Html => "One self-contained HTML report",
            ExportKind::Prometheus => "Per-hour figures in Prometheus text exposition",
            ExportKind::TimingCsv => "One row per node: start and every phase in seconds",
            ExportKind::Dat => "graph.py's .dat file of every pool, into a folder",
            ExportKind::Trace => "Chrome Trace Event JSON: open it in Perfetto",
            ExportKind::AnomalyCsv => {
                "One row per series: outcome, last value, every algorithm's vote"
            }
            ExportKind::Plan => "What the backfiller would copy where, and what no node has (JSON)",
            ExportKind::PlanCsv => "One row per planned fetch: to, from, path",
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
            ExportKind::TimingCsv => "--csv",
            ExportKind::Dat => "--dat",
            ExportKind::Trace => "--trace",
            ExportKind::AnomalyCsv => "--csv",
            ExportKind::Plan => "--plan",
            ExportKind::PlanCsv => "--csv",
        }
    }

    /// The file (or, for maps and `.dat` files, folder) name proposed for an
    /// input named `base`.
    pub fn file_name(self, base: &str) -> String {
        match self {
            ExportKind::Maps => format!("{base}-maps"),
            ExportKind::HolesCsv => format!("{base}-holes.csv"),
            ExportKind::HoursCsv => format!("{base}-hours.csv"),
            ExportKind::Json => format!("{base}-coverage.json"),
            ExportKind::Html => format!("{base}-report.html"),
            ExportKind::Prometheus => format!("{base}-coverage.prom"),
            ExportKind::TimingCsv => format!("{base}-timings.csv"),
            ExportKind::Dat => format!("{base}-dat"),
            ExportKind::Trace => format!("{base}-trace.json"),
            ExportKind::AnomalyCsv => format!("{base}-anomalies.csv"),
            ExportKind::Plan => format!("{base}-plan.json"),
            ExportKind::PlanCsv => format!("{base}-plan.csv"),
        }
    }

    /// The file name proposed for a perf export named `base` (its JSON
    /// report is `-timings.json`).
    pub fn perf_file_name(self, base: &str) -> String {
        match self {
            ExportKind::Json => format!("{base}-timings.json"),
            _ => self.file_name(base),
        }
    }

    /// Writes a single-file kind of `subject` to `w`; the large ones stream
    /// as they are made instead of being rendered whole first. False when the
    /// subject has no such kind.
    pub fn write_to(
        self,
        subject: Subject<'_>,
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<bool> {
        match (self, subject) {
            (ExportKind::Json, Subject::Perf(p)) => {
                timing::write_perf_json(p, w)?;
                return Ok(true);
            }
            (ExportKind::Trace, Subject::Perf(p)) => {
                timing::trace::write_trace(p, w)?;
                return Ok(true);
            }
            (ExportKind::Json, Subject::Anomalies(r)) => {
                anomaly::write_anomaly_json(r, w)?;
                return Ok(true);
            }
            _ => {}
        }
        match self.render(subject) {
            Some(bytes) => w.write_all(&bytes).map(|()| true),
            None => Ok(false),
        }
    }

    /// True when the target is a folder (maps, `.dat` files), not a file.
    pub fn is_folder(self) -> bool {
        matches!(self, ExportKind::Maps | ExportKind::Dat)
    }

    /// The bytes of a single-file kind of `subject` (`None` for the folder
    /// kinds, and for a kind the subject does not have).
    pub fn render(self, subject: Subject<'_>) -> Option<Vec<u8>> {
        Some(match (self, subject) {
            (ExportKind::HolesCsv, Subject::Coverage(a)) => csv::holes_csv(a),
            (ExportKind::HoursCsv, Subject::Coverage(a)) => csv::hours_csv(a),
            (ExportKind::Json, Subject::Coverage(a)) => json::to_json(a),
            (ExportKind::Html, Subject::Coverage(a)) => html::to_html(a),
            (ExportKind::Prometheus, Subject::Coverage(a)) => prom::to_prometheus(a),
            (ExportKind::Json, Subject::Perf(p)) => timing::perf_json(p),
            (ExportKind::Html, Subject::Perf(p)) => timing::html::perf_html(p),
            (ExportKind::TimingCsv, Subject::Perf(p)) => timing::timing_csv(p),
            (ExportKind::Trace, Subject::Perf(p)) => timing::trace::trace_json(p),
            (ExportKind::Json, Subject::Anomalies(r)) => anomaly::anomaly_json(r),
            (ExportKind::AnomalyCsv, Subject::Anomalies(r)) => anomaly::anomaly_csv(r),
            (ExportKind::Html, Subject::Anomalies(r)) => anomaly::anomaly_html(r),
            (ExportKind::Json, Subject::Fleet(f)) => fleet::fleet_json(f),
            (ExportKind::Plan, Subject::Fleet(f)) => fleet::plan_json(f),
            (ExportKind::PlanCsv, Subject::Fleet(f)) => fleet::plan_csv(f),
            (ExportKind::Html, Subject::Fleet(f)) => fleet::fleet_html(f),
            _ => return None,
        })
    }
}

/// The HTML report of `subject` with the anomaly run over its series as a
/// section of its own.
pub fn html_with_anomalies(subject: Subject<'_>, run: &crate::anomaly::run::AnomalyRun) -> Vec<u8> {
    let anomalies = anomaly::anomaly_section(run);
    match subject {
        Subject::Coverage(a) => html::report(&a.root, &[html::coverage_section(a), anomalies]),
        Subject::Perf(p) => html::report(&p.path, &[timing::html::timing_section(p), anomalies]),
        Subject::Anomalies(r) => anomaly::anomaly_html(r),
        Subject::Fleet(f) => fleet::fleet_html(f),
    }
}

/// Writes the HTML report of `subject` joined by the anomaly run `run` to
/// `target`, as [`export_to`] writes the report alone.
pub fn export_html_with_anomalies(
    subject: Subject<'_>,
    run: &crate::anomaly::run::AnomalyRun,
    source: &Path,
    target: &Path,
) -> Result<String, String> {
    ensure_outside(source, target).map_err(|e| e.to_string())?;
    write_output(target, &html_with_anomalies(subject, run)).map_err(|e| e.to_string())?;
    Ok(format!(
        "Saved {} (with the anomaly analysis)",
        target.display()
    ))
}

/// Writes one export of `subject` (opened from `source`, an archive or an
/// export file) to `target`, refusing targets inside the archive or on the
/// export itself; returns what was done, in words. Blocking: the app calls it
/// on a background thread.
pub fn export_to(
    kind: ExportKind,
    subject: Subject<'_>,
    source: &Path,
    target: &Path,
) -> Result<String, String> {
    ensure_outside(source, target).map_err(|e| e.to_string())?;
    if let (ExportKind::Dat, Subject::Perf(p)) = (kind, subject) {
        let written = timing::dat::write_dats(p, target, source).map_err(|e| e.to_string())?;
        return Ok(format!(
            "Saved {} .dat files to {}",
            written.len(),
            target.display()
        ));
    }
    let Subject::Coverage(analysis) = subject else {
        write_kind(kind, subject, target).map_err(|e| e.to_string())?;
        return Ok(format!("Saved {}", target.display()));
    };
    let Some(bytes) = kind.render(subject) else {
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

/// Writes the single-file kind `kind` of `subject` to `target` as it is made
/// (atomically for a regular file). A subject without that kind writes
/// nothing and says so.
pub fn write_kind(kind: ExportKind, subject: Subject<'_>, target: &Path) -> Result<(), WriteError> {
    let mut missing = false;
    let written = write_output_with(target, |w| {
        missing = !kind.write_to(subject, w)?;
        if missing {
            return Err(std::io::Error::other("no such export"));
        }
        Ok(())
    });
    if missing {
        return Err(WriteError::NoSuchExport {
            path: target.to_path_buf(),
            what: kind.title(),
        });
    }
    written
}
