//! `segscope perf`: reads a Batch Shipyard perf export as a task on the job
//! queue and writes its timings (JSON, CSV, graph.py's `.dat`, a Chrome trace,
//! the HTML report); `segscope demo-perf` writes a generated export.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use anyhow::{Context as _, bail};
use clap::Args;

use super::interrupted;
use super::outputs::{Sink, check_outputs, fail_on, outputs, write_outputs, write_stdout};
use super::task_wait::run_task;
use crate::export::kinds::{ExportKind, Subject};
use crate::export::timing::dat::{dat_targets, write_dat_files};
use crate::export::timing::demo::write_demo_perf_file;
use crate::jobs::tasks::{Perf, PerfArgs};
use crate::perf::PerfAnalysis;
use crate::perf::demo::{DemoPerfOptions, MAX_IMAGES, MAX_NODES, default_demo_perf};
use crate::perf::summary::{Metric, metric_stats};
use crate::text::{shown, shown_path};

/// `segscope perf`.
#[derive(Args, Debug)]
pub struct PerfCmd {
    /// The export: Storage Explorer CSV, JSON Lines, a JSON array, an OData
    /// `value` or `az storage entity query` `items` object.
    pub export: PathBuf,
    /// Only this pool (its PartitionKey, `<batch account>$<pool id>`).
    #[arg(long, value_name = "PK")]
    pub pool: Option<String>,
    /// Write the JSON report (nodes, summaries, findings) to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write one CSV row per node to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub csv: Option<PathBuf>,
    /// Write graph.py's .dat of each pool into DIR (created when missing).
    #[arg(long, value_name = "DIR")]
    pub dat: Option<PathBuf>,
    /// Write a Chrome Trace Event JSON (opens in Perfetto) to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub trace: Option<PathBuf>,
    /// Write the HTML report to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub html: Option<PathBuf>,
    /// No summary, no findings and no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `segscope perf`. Exit 0 whenever the export could be read, findings or not.
pub fn run(args: &PerfCmd, db: Option<&Path>) -> anyhow::Result<()> {
    let wanted = outputs(&[
        (ExportKind::Json, &args.json),
        (ExportKind::TimingCsv, &args.csv),
        (ExportKind::Trace, &args.trace),
        (ExportKind::Html, &args.html),
    ]);
    check_outputs(
        &args.export,
        &wanted,
        args.dat.as_deref().map(|d| (d, "--dat")),
    )?;
    if !args.export.is_file() {
        bail!(
            "{} is not a file: give a perf export (CSV, JSON Lines or JSON)",
            shown_path(&args.export)
        );
    }
    let task = PerfArgs {
        path: args.export.clone(),
        pool: args.pool.clone(),
    };
    let analysis = run_task::<Perf>(&task, &args.export, db, args.quiet, "rows")?;
    if interrupted().load(Ordering::SeqCst) {
        bail!("interrupted; nothing written");
    }
    // Files named from the data are checked against the input before anything is written.
    let dats = match &args.dat {
        Some(dir) => Some((
            dir,
            dat_targets(&analysis, dir, &[&args.export])
                .map_err(|e| anyhow::anyhow!("--dat: {e}; nothing written"))?,
        )),
        None => None,
    };
    let to_stdout = wanted.iter().any(|o| o.sink == Sink::Stdout);
    let mut failures = write_outputs(&wanted, Subject::Perf(&analysis))?;
    if let Some((dir, files)) = dats {
        match write_dat_files(&analysis, dir, &files) {
            Ok(()) if !args.quiet => {
                for f in files {
                    eprintln!("segscope: wrote {}", shown_path(&f));
                }
            }
            Ok(()) => {}
            Err(e) => failures.push(format!("--dat: {e}")),
        }
    }
    if !args.quiet {
        let summary = summary_text(&analysis);
        if to_stdout {
            eprint!("{summary}");
        } else if let Err(e) = write_stdout(summary.as_bytes()) {
            failures.push(format!("summary: {e:#}"));
        }
        report_findings(&analysis);
    }
    fail_on(&failures)
}

/// Per pool: nodes, then p50/p95/max of each phase that has values.
pub fn summary_text(a: &PerfAnalysis) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for p in &a.pools {
        let _ = writeln!(
            out,
            "pool {}: {} nodes",
            shown(&p.partition_key),
            p.nodes.len()
        );
        let _ = writeln!(
            out,
            "  {:<18} {:>6} {:>10} {:>10} {:>10}",
            "phase (s)", "nodes", "p50", "p95", "max"
        );
        for m in Metric::ALL {
            if let Some(s) = metric_stats(&p.nodes, m).filter(|s| s.max > 0.0) {
                let _ = writeln!(
                    out,
                    "  {:<18} {:>6} {:>10.3} {:>10.3} {:>10.3}",
                    m.label(),
                    s.count,
                    s.p50,
                    s.p95,
                    s.max
                );
            }
        }
    }
    if a.pools.is_empty() {
        let _ = writeln!(out, "no pool with events in {}", shown(&a.path));
    }
    out
}

/// The findings on stderr, located (file:line), the first 20 of them.
fn report_findings(a: &PerfAnalysis) {
    let all = crate::export::timing::all_findings(a);
    if all.is_empty() {
        return;
    }
    eprintln!("segscope: {} findings", all.len());
    for f in all.iter().take(20) {
        let at = f
            .line
            .map_or_else(|| a.path.clone(), |l| format!("{}:{l}", a.path));
        let node = if f.node.is_empty() {
            String::new()
        } else {
            format!(" {}:", f.node)
        };
        eprintln!(
            "  {}: {}:{} {}",
            shown(&at),
            f.kind,
            shown(&node),
            shown(f.message)
        );
    }
    if all.len() > 20 {
        eprintln!("  ... {} more (all are in the JSON report)", all.len() - 20);
    }
}

/// `segscope demo-perf`.
#[derive(Args, Debug)]
pub struct DemoPerfArgs {
    /// Where to write it (must not exist). Default: demo-perf.csv (or .jsonl) in
    /// segscope's data directory.
    pub file: Option<PathBuf>,
    /// Nodes in the pool.
    #[arg(long, default_value_t = 48)]
    pub nodes: usize,
    /// Images each node pulls.
    #[arg(long, default_value_t = 2)]
    pub images: usize,
    /// csv (Storage Explorer) or jsonl.
    #[arg(long, default_value = "csv", value_parser = ["csv", "jsonl"])]
    pub format: String,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `segscope demo-perf`.
pub fn run_demo_perf(args: &DemoPerfArgs) -> anyhow::Result<()> {
    if args.nodes == 0 || args.nodes > MAX_NODES {
        bail!("--nodes must be 1..={MAX_NODES}, not {}", args.nodes);
    }
    if args.images > MAX_IMAGES {
        bail!("--images must be 0..={MAX_IMAGES}, not {}", args.images);
    }
    let jsonl = args.format == "jsonl";
    let file = args
        .file
        .clone()
        .unwrap_or_else(|| default_demo_perf(jsonl));
    if std::fs::symlink_metadata(&file).is_ok() {
        bail!(
            "{} already exists; remove it or name another file",
            shown_path(&file)
        );
    }
    let options = DemoPerfOptions {
        nodes: args.nodes,
        images: args.images,
        jsonl,
        seed: args.seed,
        ..DemoPerfOptions::default()
    };
    write_demo_perf(&file, &options)?;
    println!("{}", file.display());
    Ok(())
}

/// Writes a demo export to `file` and says so on stderr.
fn write_demo_perf(file: &Path, options: &DemoPerfOptions) -> anyhow::Result<()> {
    let bytes = write_demo_perf_file(file, options)
        .with_context(|| format!("cannot write demo perf export {}", file.display()))?;
    eprintln!(
        "wrote demo perf export {} ({} nodes, {bytes} bytes)",
        file.display(),
        options.nodes,
    );
    Ok(())
}
