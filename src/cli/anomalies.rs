//! `segscope anomalies`: the Skyline ensemble over series files, as a task on
//! the job queue; writes the JSON report and the per-series CSV.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::bail;
use clap::Args;

use super::outputs::{Sink, check_outputs, fail_on, outputs, write_outputs, write_stdout};
use super::task_wait::run_task;
use super::{interrupted, open_db};
use crate::anomaly::config::AnomalyConfig;
use crate::anomaly::ensemble::Outcome;
use crate::anomaly::run::{AnomalyRun, Scanned};
use crate::export::anomaly::{points_csv, points_file_name};
use crate::export::atomic::{WriteError, write_output};
use crate::export::folder::{planned_targets, unique_names};
use crate::export::kinds::{ExportKind, Subject};
use crate::jobs::settings::load_group;
use crate::jobs::tasks::{Anomalies, AnomaliesArgs};
use crate::text::{shown, shown_path};
use crate::time::parse_user_time;

/// `segscope anomalies`.
#[derive(Args, Debug)]
pub struct AnomaliesCmd {
    /// Series files: CSV (time column, one or more value columns), Graphite
    /// render JSON or Prometheus query_range JSON; segment archives (per
    /// stream: segment duration, segments and covered seconds per minute,
    /// coverage per hour); Batch Shipyard perf exports (each phase per node,
    /// in start order).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The analysis time (default: the latest timestamp of all series).
    #[arg(long, value_name = "TIME", value_parser = parse_user_time)]
    pub now: Option<i64>,
    /// Votes needed for "anomalous" (default: the stored setting, 6).
    #[arg(long, value_name = "N")]
    pub consensus: Option<String>,
    /// Only these algorithms (comma-separated Skyline names; default: the
    /// stored setting, all nine).
    #[arg(long, value_name = "A,B,...")]
    pub algorithms: Option<String>,
    /// Also judge every point, as if it were the last (scan mode).
    #[arg(long)]
    pub scan: bool,
    /// Scan mode's window: a number of points (1440) or a duration (86400s,
    /// 90m, 24h, 1d). Default: the stored setting, 1440 points.
    #[arg(long, value_name = "N|DURATION", requires = "scan")]
    pub window: Option<String>,
    /// Archives also give a bitrate series per stream (size × 8 / duration
    /// per segment; every best segment's file is stat'ed once, its hour's
    /// sizes kept in the database).
    #[arg(long)]
    pub bitrate: bool,
    /// Write every scanned point to DIR/NAME.csv (timestamp,value,votes,score).
    #[arg(long, value_name = "DIR", requires = "scan")]
    pub points: Option<PathBuf>,
    /// Write the JSON report to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write one CSV row per series to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub csv: Option<PathBuf>,
    /// Write the HTML report to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub html: Option<PathBuf>,
    /// No summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `segscope anomalies`. Exit 0 when every input could be read.
pub fn run(args: &AnomaliesCmd, db: Option<&Path>) -> anyhow::Result<()> {
    // The JSON report goes last so its `output_s` covers the others.
    let wanted = outputs(&[
        (ExportKind::AnomalyCsv, &args.csv),
        (ExportKind::Html, &args.html),
        (ExportKind::Json, &args.json),
    ]);
    for input in &args.inputs {
        if !input.exists() {
            bail!(
                "{} does not exist: give series files (CSV or JSON), archives or perf exports",
                shown_path(input)
            );
        }
        let folder = args.points.as_deref().map(|d| (d, "--points"));
        check_outputs(input, &wanted, folder)?;
    }
    if let Some(dir) = &args.points
        && dir.exists()
        && !dir.is_dir()
    {
        bail!("--points {}: not a directory", shown_path(dir));
    }
    let config = run_config(args, db)?;
    let task = AnomaliesArgs {
        inputs: args.inputs.clone(),
        now_us: args.now,
        config,
        scan: args.scan,
        bitrate: args.bitrate,
        snapshot: None,
    };
    let input = args.inputs.first().map_or(Path::new("."), PathBuf::as_path);
    let result = run_task::<Anomalies>(&task, input, db, true, "series")?;
    if interrupted().load(Ordering::SeqCst) {
        bail!("interrupted; nothing written");
    }
    // The run is this command's alone now: no copy of a million series.
    let mut report: AnomalyRun =
        std::sync::Arc::try_unwrap(result).unwrap_or_else(|r| (*r).clone());
    // Files named from the data are checked against every input before anything is written.
    let inputs: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
    let points = match &args.points {
        Some(dir) => Some(
            points_targets(dir, &report, &inputs)
                .map_err(|e| anyhow::anyhow!("--points: {e}; nothing written"))?,
        ),
        None => None,
    };
    let started = Instant::now();
    let to_stdout = wanted.iter().any(|o| o.sink == Sink::Stdout);
    let mut failures = Vec::new();
    if let (Some(dir), Some(targets)) = (&args.points, &points) {
        failures.extend(write_points(dir, targets));
    }
    for o in &wanted {
        report.output_time = started.elapsed();
        failures.extend(write_outputs(
            std::slice::from_ref(o),
            Subject::Anomalies(&report),
        )?);
    }
    if !args.quiet {
        let summary = summary_text(&report);
        if to_stdout {
            eprint!("{summary}");
        } else if let Err(e) = write_stdout(summary.as_bytes()) {
            failures.push(format!("summary: {e:#}"));
        }
        for (file, e) in report.errors.iter().take(20) {
            eprintln!("  {}:{}: {}", shown(file), e.line, shown(&e.message));
        }
    }
    fail_on(&failures)
}

/// The stored anomaly settings with this command's flags applied; stored
/// values that do not read are named and skipped.
fn run_config(args: &AnomaliesCmd, db: Option<&Path>) -> anyhow::Result<AnomalyConfig> {
    let (mut config, problems) = load_group::<AnomalyConfig>(&open_db(db)?);
    for p in problems {
        eprintln!("segscope: warning: {p}");
    }
    // The flags go through the settings' own validation.
    let flags = [
        ("--consensus", "anomaly.consensus", &args.consensus),
        ("--algorithms", "anomaly.algorithms", &args.algorithms),
        ("--window", "anomaly.scan_window", &args.window),
    ];
    for (flag, key, value) in flags {
        if let Some(text) = value {
            config
                .set(key, text)
                .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
        }
    }
    config.check().map_err(anyhow::Error::msg)?;
    Ok(config)
}

/// Each scanned series' file in `dir` with its points: one file each, two
/// series whose names clean up to one file name get `-2`, `-3`, … Refused as
/// a whole when one of them is one of `inputs`.
fn points_targets<'a>(
    dir: &Path,
    run: &'a AnomalyRun,
    inputs: &[&Path],
) -> Result<Vec<(PathBuf, &'a Scanned)>, WriteError> {
    let scanned: Vec<(&str, &Scanned)> = run
        .series
        .iter()
        .filter_map(|s| Some((s.name.as_str(), s.scanned.as_ref()?)))
        .collect();
    let names = unique_names(scanned.iter().map(|(name, _)| points_file_name(name)));
    let targets = planned_targets(dir, &names, inputs)?;
    Ok(targets
        .into_iter()
        .zip(scanned)
        .map(|(t, (_, s))| (t, s))
        .collect())
}

/// Writes each scanned series to its file in `dir` (created if missing),
/// atomically. Returns what could not be written.
fn write_points(dir: &Path, targets: &[(PathBuf, &Scanned)]) -> Vec<String> {
    if let Err(e) = std::fs::create_dir_all(dir) {
        return vec![format!("--points {}: {e}", shown_path(dir))];
    }
    let mut failures = Vec::new();
    for (path, scanned) in targets {
        if let Err(e) = write_output(path, &points_csv(scanned)) {
            failures.push(format!("--points {}: {e}", shown_path(path)));
        }
    }
    failures
}

/// Counts per outcome, then the anomalous series with their votes.
pub fn summary_text(run: &AnomalyRun) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{}", run.outcome_line());
    for s in run
        .series
        .iter()
        .filter(|s| s.judgement.outcome == Outcome::Anomalous)
    {
        let names: Vec<&str> = s
            .judgement
            .votes
            .iter()
            .filter(|(_, v)| v.vote)
            .map(|(a, _)| a.name())
            .collect();
        let _ = writeln!(
            out,
            "  {}: {} ({})",
            shown(&s.name),
            crate::text::counted(s.judgement.vote_count() as u64, "vote"),
            names.join(", ")
        );
    }
    if let Some(window) = run.scan {
        let flagged: Vec<(&str, usize)> = run
            .series
            .iter()
            .map(|s| (s.name.as_str(), s.flagged(run.settings.consensus)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let _ = writeln!(
            out,
            "scan over {}: {} anomalous points in {} series",
            window.label(),
            flagged.iter().map(|(_, n)| n).sum::<usize>(),
            flagged.len()
        );
        for (name, n) in flagged {
            let _ = writeln!(out, "  {}: {n} anomalous points", shown(name));
        }
    }
    out
}
