//! `segscope nodes`: several recording nodes (restreamer URLs or archive
//! directories) read at once: each node's coverage, the fleet's union, what is
//! lost everywhere and wubloader's backfill plan.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use super::interrupted;
use super::outputs::{Output, Sink, check_outputs, fail_on, outputs, write_outputs, write_stdout};
use crate::analysis::ScanProgress;
use crate::archive::layout::Selection;
use crate::archive::remote::NodeOptions;
use crate::export::kinds::{ExportKind, Subject};
use crate::fleet::nodes::{NodeSpec, read_node_database, read_node_file};
use crate::fleet::plan::{DEFAULT_RECENT_CUTOFF_S, PlanOptions};
use crate::fleet::{FleetObserver, FleetReport, NodeResult, NodeSource, scan_fleet};
use crate::text::{counted, shown};
use crate::time::{format_iso, parse_seconds, parse_user_time, us_to_secs};

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
    /// Only this channel (repeatable).
    #[arg(long = "channel", value_name = "C")]
    pub channels: Vec<String>,
    /// Only this quality (repeatable).
    #[arg(long = "quality", value_name = "Q")]
    pub qualities: Vec<String>,
    /// Only hours ending after TIME.
    #[arg(long, value_name = "TIME", value_parser = parse_user_time)]
    pub from: Option<i64>,
    /// Only hours starting before TIME.
    #[arg(long, value_name = "TIME", value_parser = parse_user_time)]
    pub to: Option<i64>,
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

/// The nodes named on the command line, in a node file and in the database.
fn node_list(args: &NodesCmd) -> anyhow::Result<Vec<NodeSpec>> {
    let mut specs = Vec::new();
    for arg in &args.nodes {
        specs.push(NodeSpec::parse(arg).map_err(anyhow::Error::msg)?);
    }
    if let Some(file) = &args.node_file {
        specs.extend(read_node_file(file).map_err(anyhow::Error::msg)?);
    }
    if let Some(dsn) = &args.node_database {
        specs.extend(read_node_database(dsn).map_err(anyhow::Error::msg)?);
    }
    if specs.is_empty() {
        bail!(
            "no nodes given: name them (URL or directory), or give --node-file or --node-database"
        );
    }
    Ok(specs)
}

/// Prints each node's progress on stderr, a line per node when it is done.
struct Progress {
    quiet: bool,
    names: Vec<String>,
    last: Mutex<Vec<usize>>,
}

impl FleetObserver for Progress {
    fn node_progress(&self, node: usize, p: ScanProgress) {
        if self.quiet {
            return;
        }
        // A line per tenth of the node's hours.
        let step = (p.hours_total / 10).max(1);
        if let Ok(mut last) = self.last.lock()
            && let Some(l) = last.get_mut(node)
            && (p.hours_done >= *l + step || p.hours_done == p.hours_total)
        {
            *l = p.hours_done;
            eprintln!(
                "segscope: {}: {}/{} hours listed",
                shown(&self.names[node]),
                p.hours_done,
                p.hours_total
            );
        }
    }
    fn node_finished(&self, _node: usize, r: &NodeResult) {
        if let Err(e) = &r.analysis {
            eprintln!(
                "segscope: error: node {}: {}",
                shown(&r.spec.name),
                shown(e)
            );
        }
    }
    fn is_cancelled(&self) -> bool {
        interrupted().load(Ordering::SeqCst)
    }
}

/// `segscope nodes`.
pub fn run(args: &NodesCmd) -> anyhow::Result<()> {
    let specs = node_list(args)?;
    let outputs: Vec<Output> = outputs(&[
        (ExportKind::Json, &args.json),
        (ExportKind::Plan, &args.plan),
        (ExportKind::PlanCsv, &args.csv),
        (ExportKind::Html, &args.html),
    ]);
    for spec in &specs {
        if let NodeSource::Local(path) = &spec.source {
            check_outputs(path, &outputs, None)?;
        }
    }
    check_outputs(std::path::Path::new("/nonexistent-input"), &outputs, None)?;
    let selection = Selection {
        channels: args.channels.clone(),
        qualities: args.qualities.clone(),
        from_us: args.from,
        to_us: args.to,
    };
    let options = NodeOptions {
        timeout: args.timeout,
        concurrency: usize::from(args.concurrency),
        ..NodeOptions::default()
    };
    let progress = Progress {
        quiet: args.quiet,
        names: specs.iter().map(|s| s.name.clone()).collect(),
        last: Mutex::new(vec![0; specs.len()]),
    };
    let fleet = scan_fleet(specs, &selection, options, &progress)
        .map_err(|_| anyhow::anyhow!("interrupted; nothing written"))?;
    for note in &fleet.notes {
        eprintln!("segscope: {}", shown(note));
    }
    let report = FleetReport::new(
        fleet,
        PlanOptions {
            recent_cutoff_s: args.recent_cutoff,
            now_us: crate::time::now_us(),
        },
    );
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
                for w in a.warnings.iter().take(5) {
                    eprintln!(
                        "segscope: warning: {}: {}: {}",
                        shown(&n.spec.name),
                        shown(&w.path),
                        shown(&w.message)
                    );
                }
                if a.warnings.len() > 5 {
                    eprintln!(
                        "segscope: {}: {} more warnings (see --json)",
                        shown(&n.spec.name),
                        a.warnings.len() - 5
                    );
                }
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
