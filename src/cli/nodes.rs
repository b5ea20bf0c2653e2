//! `segscope nodes`: several recording nodes (restreamer URLs or archive
//! directories) read at once: each node's coverage, the fleet's union, what is
//! lost everywhere and wubloader's backfill plan.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use super::coverage::{SelectionArgs, report_problems};
use super::interrupted;
use super::outputs::{
    Output, Sink, check_outputs_of, fail_on, outputs, write_outputs, write_stdout,
};
use super::task_wait::run_task;
use crate::export::kinds::{ExportKind, Subject};
use crate::fleet::plan::DEFAULT_RECENT_CUTOFF_S;
use crate::fleet::{FleetReport, NodeSource};
use crate::jobs::fleet::{Fleet, FleetArgs};
use crate::text::{counted, shown};
use crate::time::{format_iso, parse_seconds, us_to_secs};

/// `segscope nodes`.
#[derive(Args, Debug)]
pub struct NodesCmd {
    /// Nodes, each `NAME=SOURCE` or `SOURCE`: a restreamer's base URL
    /// (http://host:port) or an archive directory. Unnamed nodes are named by
    /// host:port or by the directory's name.
    #[arg(value_name = "[NAME=]SOURCE")]
    pub nodes: Vec<String>,
    /// Nodes listed in FILE, as the backfiller reads it: `NAME URL` or `URL` per
    /// line, `#` comments.
    #[arg(long, value_name = "FILE")]
    pub node_file: Option<PathBuf>,
    /// Nodes from wubloader's Postgres database (its `nodes` table, those with
    /// `backfill_from`), e.g. postgresql://USER:PASSWORD@HOST/DBNAME.
    #[arg(long, value_name = "DSN")]
    pub node_database: Option<String>,
    /// Which streams and hours.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The plan skips segments younger than S seconds, as the backfiller's
    /// option of that name does.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_RECENT_CUTOFF_S)]
    pub recent_cutoff: f64,
    /// Requests in flight at once per node.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Time allowed for one request to a node, seconds.
    #[arg(long, value_name = "S", default_value = "20", value_parser = |t: &str| parse_seconds(t, 0.1))]
    pub timeout: Duration,
    /// Write the JSON report (every node's figures and the union) to FILE, or `-`.
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write the backfill plan (JSON) to FILE, or `-`.
    #[arg(long, value_name = "FILE|-")]
    pub plan: Option<PathBuf>,
    /// Write the plan's fetches as CSV (to,from,path) to FILE, or `-`.
    #[arg(long, value_name = "FILE|-")]
    pub csv: Option<PathBuf>,
    /// Write the coverage page (HTML) to FILE, or `-`.
    #[arg(long, value_name = "FILE|-")]
    pub html: Option<PathBuf>,
    /// No summary and no progress.
    #[arg(long, short)]
    pub quiet: bool,
}

impl NodesCmd {
    /// The task's arguments.
    fn task_args(&self) -> FleetArgs {
        FleetArgs {
            nodes: self.nodes.clone(),
            node_file: self.node_file.clone(),
            node_database: self.node_database.clone(),
            channels: self.selection.channels.clone(),
            qualities: self.selection.qualities.clone(),
            from_us: self.selection.from,
            to_us: self.selection.to,
            recent_cutoff_s: self.recent_cutoff,
            concurrency: usize::from(self.concurrency),
            timeout_s: self.timeout.as_secs_f64(),
        }
    }
}

/// `segscope nodes`: runs the fleet task on the job queue, waits for it and
/// writes the requested outputs.
pub fn run(args: &NodesCmd, db: Option<&Path>) -> anyhow::Result<()> {
    args.selection.check()?;
    let task = args.task_args();
    let specs = task.node_list().map_err(anyhow::Error::msg)?;
    let outputs: Vec<Output> = outputs(&[
        (ExportKind::Json, &args.json),
        (ExportKind::Plan, &args.plan),
        (ExportKind::PlanCsv, &args.csv),
        (ExportKind::Html, &args.html),
    ]);
    let mut inputs: Vec<&Path> = specs
        .iter()
        .filter_map(|s| match &s.source {
            NodeSource::Local(p) => Some(p.as_path()),
            NodeSource::Remote(_) => None,
        })
        .collect();
    inputs.extend(args.node_file.as_deref());
    check_outputs_of(&inputs, &outputs, None)?;
    let remembered = args
        .node_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(specs[0].source.display()));
    let report = run_task::<Fleet>(&task, &remembered, db, args.quiet, "hours")?;
    if interrupted().load(Ordering::SeqCst) {
        bail!("interrupted; nothing written");
    }
    for note in &report.fleet.notes {
        eprintln!("segscope: {}", shown(note));
    }
    for n in &report.fleet.nodes {
        if let Err(e) = &n.analysis {
            eprintln!(
                "segscope: error: node {}: {}",
                shown(&n.spec.name),
                shown(e)
            );
        }
    }
    let mut failures = write_outputs(&outputs, Subject::Fleet(&report))?;
    if !args.quiet {
        let text = summary_text(&report);
        if outputs.iter().any(|o| o.sink == Sink::Stdout) {
            eprint!("{text}");
        } else if let Err(e) = write_stdout(text.as_bytes()) {
            failures.push(format!("summary: {e:#}"));
        }
        for n in &report.fleet.nodes {
            if let Ok(a) = &n.analysis {
                report_problems(a, false, Some(&n.spec.name));
            }
        }
    }
    fail_on(&failures)?;
    if report.fleet.nodes.iter().all(|n| !n.is_read()) {
        bail!("no node could be read");
    }
    Ok(())
}

/// The summary printed after a run: nodes, streams of the union, the plan.
pub fn summary_text(r: &FleetReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<24} {:>7} {:>7} {:>10}  state",
        "node", "streams", "hours", "segments"
    );
    for n in &r.fleet.nodes {
        match &n.analysis {
            Ok(a) => {
                let _ = writeln!(
                    s,
                    "{:<24} {:>7} {:>7} {:>10}  {}",
                    shown(&n.spec.name),
                    a.streams.len(),
                    a.streams.iter().map(|x| x.hours.len()).sum::<usize>(),
                    a.segment_total(),
                    if n.unlisted.is_empty() {
                        "read".to_string()
                    } else {
                        format!("{} not listed", counted(n.unlisted.len() as u64, "hour"))
                    }
                );
            }
            Err(e) => {
                let _ = writeln!(s, "{:<24} unreadable: {}", shown(&n.spec.name), shown(e));
            }
        }
    }
    let _ = writeln!(
        s,
        "\n{:<24} {:>7} {:>10} {:>8} {:>12}",
        "stream (union)", "hours", "covered %", "lost", "lost time"
    );
    for u in &r.union {
        let covered: i64 = u.hours.iter().map(|h| h.covered_us).sum();
        let total = u.hours.len() as i64 * crate::time::HOUR_US;
        let lost: i64 = u.lost.iter().map(|l| l.end_us - l.start_us).sum();
        let _ = writeln!(
            s,
            "{:<24} {:>7} {:>9.3}% {:>8} {:>11.3}s",
            shown(&format!("{}/{}", u.channel, u.quality)),
            u.hours.len(),
            if total > 0 {
                100.0 * covered as f64 / total as f64
            } else {
                0.0
            },
            u.lost.len(),
            us_to_secs(lost)
        );
    }
    let _ = writeln!(
        s,
        "\nbackfill plan (as of {}):",
        format_iso(crate::time::now_us())
    );
    for n in &r.plan.nodes {
        if n.error.is_some() {
            let _ = writeln!(s, "  to {}: nothing (unreadable)", shown(&n.name));
            continue;
        }
        let _ = writeln!(
            s,
            "  to {}: {} ({:.1} s), {}{}",
            shown(&n.name),
            counted(n.fetches as u64, "file"),
            n.fetch_duration_s,
            counted(n.tombstones as u64, "tombstone"),
            if n.tombstones_without_hour > 0 {
                format!(
                    " ({} for hours it lacks: the backfiller's pass fails there)",
                    n.tombstones_without_hour
                )
            } else {
                String::new()
            }
        );
    }
    s
}
