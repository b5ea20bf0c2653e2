//! `segscope coverage`: runs the analysis as a task on the job queue, waits for it
//! and writes the requested outputs.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;

use super::progress::ProgressBar;
use super::{downcast, ensure_demo_archive, interrupted, open_db};
use crate::analysis::Analysis;
use crate::export::atomic::{ensure_outside, write_atomic};
use crate::export::{csv, json, png, prom};
use crate::jobs::queue::TaskState;
use crate::jobs::runner::{ClaimScope, JobEvent, Runner};
use crate::jobs::tasks::{CoverageArgs, builtin_registry, coverage_args};
use crate::time::format_iso;
use crate::time::parse_user_time;

/// `segscope coverage`.
#[derive(Args, Debug)]
pub struct CoverageCmd {
    /// Archive root, channel or quality directory.
    #[arg(required_unless_present = "demo")]
    pub path: Option<PathBuf>,
    /// Analyse the default demo archive (generated first if missing).
    #[arg(long, conflicts_with = "path")]
    pub demo: bool,
    /// Only this channel (repeatable).
    #[arg(long = "channel", value_name = "C")]
    pub channels: Vec<String>,
    /// Only this quality (repeatable).
    #[arg(long = "quality", value_name = "Q")]
    pub qualities: Vec<String>,
    /// Only hours ending after TIME (e.g. 2024-11-09T05, 2024-11-09T05:30:00Z).
    #[arg(long, value_name = "TIME", value_parser = parse_user_time)]
    pub from: Option<i64>,
    /// Only hours starting before TIME.
    #[arg(long, value_name = "TIME", value_parser = parse_user_time)]
    pub to: Option<i64>,
    /// Write the JSON report to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write one CSV row per hour to FILE.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write one CSV row per hole to FILE.
    #[arg(long, value_name = "FILE")]
    pub holes_csv: Option<PathBuf>,
    /// Write wubloader-layout maps (CHANNEL_QUALITY_coverage.png) into DIR.
    #[arg(long, value_name = "DIR")]
    pub png: Option<PathBuf>,
    /// Write Prometheus text exposition to FILE.
    #[arg(long, value_name = "FILE")]
    pub prom: Option<PathBuf>,
    /// Write the HTML report (one self-contained file) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Scan every hour directory; neither read nor update the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// No summary and no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the analysis as a local task and waits for it.
fn analyse_on_queue(
    args: &CoverageCmd,
    path: &Path,
    db: Option<&Path>,
) -> anyhow::Result<Arc<Analysis>> {
    let db = open_db(db)?;
    let (runner, recovered) = Runner::start(db, builtin_registry(), 1, ClaimScope::Own);
    if !recovered.is_empty() && !args.quiet {
        eprintln!(
            "segscope: {} task(s) of a process that stopped were marked interrupted (see `segscope jobs list`)",
            recovered.len()
        );
    }
    crate::jobs::settings::remember_opened(runner.db(), path);
    let events = runner.subscribe();
    let task = CoverageArgs {
        path: path.to_path_buf(),
        channels: args.channels.clone(),
        qualities: args.qualities.clone(),
        from_us: args.from,
        to_us: args.to,
        no_cache: args.no_cache,
        partials: false,
    };
    let id = runner
        .submit("coverage", &coverage_args(&task), true)
        .context("cannot queue the analysis")?;
    let mut bar = ProgressBar::new(!args.quiet);
    let mut cancel_sent = false;
    let finished = loop {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(JobEvent::Progress {
                id: i,
                done,
                total,
                phrase,
            }) if i == id => bar.update(done, total, "hours", &phrase),
            Ok(JobEvent::Finished {
                id: i,
                state,
                error,
                output,
            }) if i == id => break (state, error, output),
            Ok(_) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if interrupted().load(Ordering::SeqCst) && !cancel_sent {
                    runner.cancel_local(id);
                    cancel_sent = true;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => bail!("the job runner stopped"),
        }
    };
    bar.finish();
    runner.stop(crate::jobs::runner::DEFAULT_STOP_DEADLINE);
    match finished {
        (TaskState::Done, _, Some(output)) => {
            downcast::<Analysis>(output).context("the analysis task returned no analysis")
        }
        (TaskState::Cancelled | TaskState::Interrupted, _, _) => {
            bail!("analysis cancelled (task {id})")
        }
        (state, error, _) => bail!(
            "{}",
            error.unwrap_or_else(|| format!("analysis task {id} ended {state}"))
        ),
    }
}

/// `segscope coverage`.
pub fn run(args: &CoverageCmd, db: Option<&Path>) -> anyhow::Result<()> {
    let path = match (&args.path, args.demo) {
        (Some(p), _) => p.clone(),
        (None, true) => ensure_demo_archive()?,
        (None, false) => bail!("no PATH given (or use --demo)"),
    };
    // Refuse outputs inside the archive before any work.
    let stdout_json = args.json.as_deref() == Some(Path::new("-"));
    let targets = [
        args.json.as_ref().filter(|_| !stdout_json),
        args.csv.as_ref(),
        args.holes_csv.as_ref(),
        args.prom.as_ref(),
        args.png.as_ref(),
        args.html.as_ref(),
    ];
    for target in targets.into_iter().flatten() {
        ensure_outside(&path, target)?;
    }
    let analysis = analyse_on_queue(args, &path, db)?;

    if let Some(target) = &args.json {
        let bytes = json::to_json(&analysis);
        if stdout_json {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .context("cannot write JSON to stdout")?;
            out.flush().context("cannot write JSON to stdout")?;
        } else {
            write_atomic(target, &bytes)?;
        }
    }
    if let Some(target) = &args.csv {
        write_atomic(target, &csv::hours_csv(&analysis))?;
    }
    if let Some(target) = &args.holes_csv {
        write_atomic(target, &csv::holes_csv(&analysis))?;
    }
    if let Some(target) = &args.prom {
        write_atomic(target, &prom::to_prometheus(&analysis))?;
    }
    if let Some(target) = &args.html {
        write_atomic(target, &crate::export::html::to_html(&analysis))?;
    }
    if let Some(dir) = &args.png {
        write_maps(&analysis, dir, args.from, args.to)?;
    }
    if !args.quiet {
        let summary = summary_text(&analysis);
        if stdout_json {
            eprint!("{summary}");
        } else {
            print!("{summary}");
        }
    }
    report_problems(&analysis, args.quiet);
    Ok(())
}

fn write_maps(
    analysis: &Analysis,
    dir: &Path,
    from: Option<i64>,
    to: Option<i64>,
) -> anyhow::Result<()> {
    let done = png::write_maps(analysis, dir, from, to)?;
    for stream in done.skipped {
        eprintln!("segscope: no map for {stream}: no segments");
    }
    Ok(())
}

/// A short human summary, one line per stream.
pub fn summary_text(analysis: &Analysis) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:>6} {:>9} {:>8} {:>9} {:>6} {:>11} {:>5}",
        "stream", "hours", "segments", "raw %", "edit %", "holes", "hole time", "bad"
    );
    for s in &analysis.streams {
        let m = s.summary();
        let _ = writeln!(
            out,
            "{:<24} {:>6} {:>9} {:>7.3}% {:>8.3}% {:>6} {:>10.3}s {:>5}",
            format!("{}/{}", s.channel, s.quality),
            m.hours,
            m.segments,
            m.raw_pct,
            m.editable_pct,
            m.raw_holes,
            m.raw_hole_secs,
            m.bad
        );
    }
    out
}

fn report_problems(analysis: &Analysis, quiet: bool) {
    let bad: usize = analysis.streams.iter().map(|s| s.bad_segments.len()).sum();
    let warnings = analysis.warnings.len();
    if quiet || (bad == 0 && warnings == 0) {
        return;
    }
    eprintln!("segscope: {bad} bad segments, {warnings} warnings");
    for w in analysis.warnings.iter().take(10) {
        eprintln!("  warning: {}: {}", w.path, w.message);
    }
    if warnings > 10 {
        eprintln!("  ... {} more (all are in the JSON report)", warnings - 10);
    }
}

/// `segscope report`: the HTML report of an archive (the app's File → Export HTML report).
#[derive(Args, Debug)]
pub struct ReportCmd {
    /// Archive root, channel or quality directory.
    pub path: PathBuf,
    /// Where to write the report.
    #[arg(long, value_name = "FILE")]
    pub html: PathBuf,
    /// Only this channel (repeatable).
    #[arg(long = "channel", value_name = "C")]
    pub channels: Vec<String>,
    /// Only this quality (repeatable).
    #[arg(long = "quality", value_name = "Q")]
    pub qualities: Vec<String>,
    /// No summary and no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `segscope report`.
pub fn run_report(args: &ReportCmd, db: Option<&Path>) -> anyhow::Result<()> {
    let cmd = CoverageCmd {
        path: Some(args.path.clone()),
        demo: false,
        channels: args.channels.clone(),
        qualities: args.qualities.clone(),
        from: None,
        to: None,
        json: None,
        csv: None,
        holes_csv: None,
        png: None,
        prom: None,
        html: Some(args.html.clone()),
        no_cache: false,
        quiet: args.quiet,
    };
    run(&cmd, db)?;
    if !args.quiet {
        eprintln!(
            "segscope: wrote {} ({})",
            args.html.display(),
            format_iso(crate::jobs::queue::now_us())
        );
    }
    Ok(())
}
