//! `segscope coverage`: runs the analysis as a task on the job queue, waits for it
//! and writes the requested outputs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::bail;
use clap::Args;

use super::outputs::{Output, Sink, check_outputs, fail_on, outputs, write_outputs, write_stdout};
use super::task_wait::run_task;
use super::{ensure_demo_archive, interrupted};
use crate::analysis::Analysis;
use crate::export::kinds::{ExportKind, Subject};
use crate::export::png;
use crate::jobs::tasks::{Coverage, CoverageArgs};
use crate::text::shown;
use crate::time::parse_user_time;
use crate::time::{format_hour, format_iso};

/// Which streams and hours a command reads (`coverage`, `nodes`).
#[derive(Args, Debug, Clone, Default)]
pub struct SelectionArgs {
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
}

impl SelectionArgs {
    /// Refuses a `--from` that is not before `--to`.
    pub fn check(&self) -> anyhow::Result<()> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            bail!(
                "--from {} is not before --to {}: no time to analyse",
                format_iso(from),
                format_iso(to)
            );
        }
        Ok(())
    }
}

/// `segscope coverage`.
#[derive(Args, Debug)]
pub struct CoverageCmd {
    /// Archive root, channel or quality directory, or a recording node's URL
    /// (http://host:port, read through its restreamer).
    #[arg(required_unless_present = "demo")]
    pub path: Option<PathBuf>,
    /// Analyse the default demo archive (generated first if missing).
    #[arg(long, conflicts_with = "path")]
    pub demo: bool,
    /// Which streams and hours.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Write the JSON report to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub json: Option<PathBuf>,
    /// Write one CSV row per hour to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub csv: Option<PathBuf>,
    /// Write one CSV row per hole to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub holes_csv: Option<PathBuf>,
    /// Write wubloader-layout maps (CHANNEL_QUALITY_coverage.png) into DIR.
    #[arg(long, value_name = "DIR")]
    pub png: Option<PathBuf>,
    /// Write Prometheus text exposition to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub prom: Option<PathBuf>,
    /// Write the HTML report (one self-contained file) to FILE, or to stdout with `-`.
    #[arg(long, value_name = "FILE|-")]
    pub html: Option<PathBuf>,
    /// Scan every hour directory; neither read nor update the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// No summary and no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// For tests of signals and cancelling: the scan stops after this many
    /// hour directories until it is cancelled (so it cannot end on its own).
    #[arg(long, value_name = "N", hide = true)]
    pub test_hold_after_hours: Option<usize>,
}

/// Runs the analysis as a local task and waits for it (see [`run_task`]).
fn analyse_on_queue(
    args: &CoverageCmd,
    path: &Path,
    db: Option<&Path>,
) -> anyhow::Result<Arc<Analysis>> {
    let task = CoverageArgs {
        path: path.to_path_buf(),
        channels: args.selection.channels.clone(),
        qualities: args.selection.qualities.clone(),
        from_us: args.selection.from,
        to_us: args.selection.to,
        no_cache: args.no_cache,
        partials: false,
        reuse: None,
    };
    run_task::<Coverage>(&task, path, db, args.quiet, "hours")
}

fn requested_outputs(args: &CoverageCmd) -> Vec<Output> {
    outputs(&[
        (ExportKind::Json, &args.json),
        (ExportKind::HoursCsv, &args.csv),
        (ExportKind::HolesCsv, &args.holes_csv),
        (ExportKind::Prometheus, &args.prom),
        (ExportKind::Html, &args.html),
    ])
}

/// `segscope coverage`. Every output that can be written is written; the ones
/// that fail are reported and make the exit status non-zero.
pub fn run(args: &CoverageCmd, db: Option<&Path>) -> anyhow::Result<()> {
    let path = match (&args.path, args.demo) {
        (Some(p), _) => p.clone(),
        (None, true) => ensure_demo_archive()?,
        (None, false) => bail!("no PATH given (or use --demo)"),
    };
    // Held while this command runs (a test asked for it).
    let _hold = args
        .test_hold_after_hours
        .map(|n| crate::analysis::hold::ScanHold::after_hours(&path, n));
    args.selection.check()?;
    // Refuse outputs that cannot be written as asked before any work.
    let outputs = requested_outputs(args);
    check_outputs(&path, &outputs, args.png.as_deref().map(|p| (p, "--png")))?;
    let analysis = analyse_on_queue(args, &path, db)?;
    if interrupted().load(Ordering::SeqCst) {
        bail!("interrupted; nothing written");
    }

    let to_stdout = outputs.iter().any(|o| o.sink == Sink::Stdout);
    let mut failures = write_outputs(&outputs, Subject::Coverage(&analysis))?;
    if let Some(dir) = &args.png {
        if interrupted().load(Ordering::SeqCst) {
            bail!("interrupted while writing the outputs; the maps were not written");
        }
        failures.extend(write_maps(
            &analysis,
            dir,
            args.selection.from,
            args.selection.to,
            args.quiet,
        ));
    }
    if !args.quiet {
        if analysis.streams.is_empty() {
            eprintln!("{}", no_streams_hint(&analysis, args));
        } else {
            let summary = summary_text(&analysis);
            if to_stdout {
                eprint!("{summary}");
            } else if let Err(e) = write_stdout(summary.as_bytes()) {
                failures.push(format!("summary: {e:#}"));
            }
        }
    }
    report_problems(&analysis, args.quiet, None);
    fail_on(&failures)
}

/// Why an analysis found no streams, in one line.
fn no_streams_hint(analysis: &Analysis, args: &CoverageCmd) -> String {
    let root = shown(&analysis.root);
    if !args.selection.channels.is_empty() || !args.selection.qualities.is_empty() {
        format!(
            "segscope: no stream of {root} matches the --channel/--quality given (see the warnings)"
        )
    } else {
        format!(
            "segscope: no streams found in {root}: expected CHANNEL/QUALITY/HOUR directories (e.g. desertbus/source/2024-11-09T05)"
        )
    }
}

fn write_maps(
    analysis: &Analysis,
    dir: &Path,
    from: Option<i64>,
    to: Option<i64>,
    quiet: bool,
) -> Vec<String> {
    let done = match png::write_maps(analysis, dir, from, to) {
        Ok(done) => done,
        Err(e) => return vec![format!("--png: {e}")],
    };
    for stream in &done.skipped {
        eprintln!("segscope: no map for {}: no segments", shown(stream));
    }
    if !quiet {
        for map in &done.written {
            for (a, b) in &map.breaks {
                eprintln!(
                    "segscope: map of {}: no segments from {} to {}, drawn as a grey break",
                    shown(&map.stream),
                    format_hour(*a),
                    format_hour(*b)
                );
            }
        }
    }
    done.failed
        .into_iter()
        .map(|(stream, why)| format!("--png: map of {stream}: {why}"))
        .collect()
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
            shown(&format!("{}/{}", s.channel, s.quality)),
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

/// Prints an analysis' bad segments and warnings on stderr (the first ten
/// warnings); `of` names what was analysed when several were (a fleet's node).
pub(super) fn report_problems(analysis: &Analysis, quiet: bool, of: Option<&str>) {
    let bad: usize = analysis.streams.iter().map(|s| s.bad_segments.len()).sum();
    let warnings = analysis.warnings.len();
    if quiet || (bad == 0 && warnings == 0) {
        return;
    }
    let of = of
        .map(|name| format!("{}: ", shown(name)))
        .unwrap_or_default();
    eprintln!("segscope: {of}{bad} bad segments, {warnings} warnings");
    for w in analysis.warnings.iter().take(10) {
        eprintln!("  warning: {}: {}", shown(&w.path), shown(&w.message));
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
        selection: SelectionArgs {
            channels: args.channels.clone(),
            qualities: args.qualities.clone(),
            from: None,
            to: None,
        },
        json: None,
        csv: None,
        holes_csv: None,
        png: None,
        prom: None,
        html: Some(args.html.clone()),
        no_cache: false,
        quiet: args.quiet,
        test_hold_after_hours: None,
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
