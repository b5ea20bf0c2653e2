//! `segscope anomalies`: the Skyline ensemble over series files, as a task on
//! the job queue; writes the JSON report and the per-series CSV.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::bail;
use clap::Args;

use super::interrupted;
use super::outputs::{Sink, check_outputs, fail_on, outputs, write_outputs, write_stdout};
use super::task_wait::run_task;
use crate::anomaly::ensemble::Outcome;
use crate::anomaly::run::AnomalyRun;
use crate::export::kinds::{ExportKind, Subject};
use crate::jobs::tasks::{Anomalies, AnomaliesArgs};
use crate::text::{shown, shown_path};
use crate::time::parse_user_time;

/// `segscope anomalies`.
#[derive(Args, Debug)]
pub struct AnomaliesCmd {
    /// Series files: CSV (time column, one or more value columns), Graphite
    /// render JSON or Prometheus query_range JSON; or Batch Shipyard perf
    /// exports (each phase per node, in start order, is a series).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The analysis time (default: the latest timestamp of all series).
    #[arg(long, value_name = "TIME", value_parser = parse_user_time)]
    pub now: Option<i64>,
    /// Votes needed for "anomalous".
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub consensus: usize,
    /// Only these algorithms (comma-separated Skyline names).
    #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
    pub algorithms: Vec<String>,
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
        if !input.is_file() {
            bail!(
                "{} is not a file: give series files (CSV or JSON) or perf exports",
                shown_path(input)
            );
        }
        check_outputs(input, &wanted, None)?;
    }
    let task = AnomaliesArgs {
        inputs: args.inputs.clone(),
        now_us: args.now,
        consensus: Some(args.consensus),
        algorithms: args.algorithms.clone(),
    };
    let input = args.inputs.first().map_or(Path::new("."), PathBuf::as_path);
    let result = run_task::<Anomalies>(&task, input, db, true, "series")?;
    if interrupted().load(Ordering::SeqCst) {
        bail!("interrupted; nothing written");
    }
    let mut report: AnomalyRun = (*result).clone();
    let started = Instant::now();
    let to_stdout = wanted.iter().any(|o| o.sink == Sink::Stdout);
    let mut failures = Vec::new();
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
            "  {}: {} votes ({})",
            shown(&s.name),
            s.judgement.vote_count(),
            names.join(", ")
        );
    }
    out
}
