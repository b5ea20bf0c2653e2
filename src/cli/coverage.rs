//! `segscope coverage`: runs the analysis as a task on the job queue, waits for it
//! and writes the requested outputs.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use super::progress::ProgressBar;
use super::{ensure_demo_archive, interrupted, open_db};
use crate::analysis::Analysis;
use crate::export::atomic::{ensure_outside, resolved_target, write_output};
use crate::export::kinds::ExportKind;
use crate::export::png;
use crate::jobs::client::{Event, JobClient, Outcome};
use crate::jobs::runner::ClaimScope;
use crate::jobs::tasks::{Coverage, CoverageArgs, builtin_registry};
use crate::text::{shown, shown_path};
use crate::time::parse_user_time;
use crate::time::{format_hour, format_iso};

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
}

/// How often the wait for the analysis looks at the signal flag.
const SIGNAL_POLL: Duration = Duration::from_millis(50);
/// How long a signalled stop waits for the scan to notice.
const SIGNAL_STOP_DEADLINE: Duration = Duration::from_secs(2);

/// Runs the analysis as a local task and waits for it. A signal (Ctrl-C,
/// SIGTERM) stops the scan within a fraction of a second: the task is marked
/// `interrupted` and the error says so.
fn analyse_on_queue(
    args: &CoverageCmd,
    path: &Path,
    db: Option<&Path>,
) -> anyhow::Result<Arc<Analysis>> {
    let db = open_db(db)?;
    let (client, recovered) = JobClient::start(db, builtin_registry(), 1, ClaimScope::Own);
    if !recovered.is_empty() && !args.quiet {
        eprintln!(
            "segscope: {} task(s) of a process that stopped were marked interrupted (see `segscope jobs list`)",
            recovered.len()
        );
    }
    crate::jobs::settings::remember_opened(client.db(), path);
    let task = CoverageArgs {
        path: path.to_path_buf(),
        channels: args.channels.clone(),
        qualities: args.qualities.clone(),
        from_us: args.from,
        to_us: args.to,
        no_cache: args.no_cache,
        partials: false,
        reuse: None,
    };
    let mut handle = client.submit::<Coverage>(&task)?;
    let mut bar = ProgressBar::new(!args.quiet);
    let outcome = loop {
        if interrupted().load(Ordering::SeqCst) {
            bar.finish();
            // A graceful stop marks the running task interrupted; one not yet
            // claimed is marked too.
            let db = client.db().clone();
            let id = handle.id();
            client.shutdown(SIGNAL_STOP_DEADLINE);
            if let Some(id) = id {
                let _ = crate::jobs::queue::interrupt(&db.lock(), &[id], "stopped by a signal");
            }
            bail!("interrupted; {} stopped, nothing written", task_name(id));
        }
        match handle.next_timeout(SIGNAL_POLL) {
            Some(Event::Progress {
                done,
                total,
                phrase,
            }) => bar.update(done, total, "hours", &phrase),
            Some(Event::Finished(outcome)) => break outcome,
            Some(Event::Partial(_)) | None => {}
        }
    };
    bar.finish();
    let id = handle.id();
    client.shutdown(crate::jobs::runner::DEFAULT_STOP_DEADLINE);
    match outcome {
        Outcome::Done(analysis) => Ok(analysis),
        Outcome::Cancelled | Outcome::Interrupted(_) => {
            bail!("{} was cancelled", task_name(id))
        }
        Outcome::Failed(error) => bail!("{error}"),
    }
}

/// "analysis task N", or "the analysis" before it had an id.
fn task_name(id: Option<i64>) -> String {
    id.map_or_else(|| "the analysis".into(), |i| format!("analysis task {i}"))
}

/// Where a text output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sink {
    Stdout,
    File(PathBuf),
}

/// One requested single-file output.
struct Output {
    flag: &'static str,
    sink: Sink,
    kind: ExportKind,
}

fn requested_outputs(args: &CoverageCmd) -> Vec<Output> {
    let list = [
        (ExportKind::Json, &args.json),
        (ExportKind::HoursCsv, &args.csv),
        (ExportKind::HolesCsv, &args.holes_csv),
        (ExportKind::Prometheus, &args.prom),
        (ExportKind::Html, &args.html),
    ];
    list.into_iter()
        .filter_map(|(kind, target)| {
            let target = target.as_ref()?;
            let sink = if target.as_os_str() == "-" {
                Sink::Stdout
            } else {
                Sink::File(target.clone())
            };
            Some(Output {
                flag: kind.flag(),
                sink,
                kind,
            })
        })
        .collect()
}

/// Refuses outputs that cannot all be written as asked: two to stdout, two to
/// one file, a file inside the archive.
fn check_outputs(path: &Path, outputs: &[Output], png: Option<&Path>) -> anyhow::Result<()> {
    let stdout: Vec<&str> = outputs
        .iter()
        .filter(|o| o.sink == Sink::Stdout)
        .map(|o| o.flag)
        .collect();
    if stdout.len() > 1 {
        bail!(
            "only one output can go to stdout (-), not {}",
            stdout.join(" and ")
        );
    }
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    let files = outputs
        .iter()
        .filter_map(|o| match &o.sink {
            Sink::File(p) => Some((p.as_path(), o.flag)),
            Sink::Stdout => None,
        })
        .chain(png.map(|p| (p, "--png")));
    for (target, flag) in files {
        ensure_outside(path, target)?;
        let resolved = resolved_target(target);
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == resolved) {
            bail!(
                "{other} and {flag} name the same file {}; give each output its own",
                shown_path(target)
            );
        }
        seen.push((resolved, flag));
    }
    Ok(())
}

/// Writes to stdout, failing (instead of succeeding silently) when stdout is
/// closed, and naming a broken pipe.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    if super::stdout_was_closed().load(Ordering::SeqCst) {
        bail!("cannot write to stdout: it is closed");
    }
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to stdout: {e}"))
}

/// `segscope coverage`. Every output that can be written is written; the ones
/// that fail are reported and make the exit status non-zero.
pub fn run(args: &CoverageCmd, db: Option<&Path>) -> anyhow::Result<()> {
    let path = match (&args.path, args.demo) {
        (Some(p), _) => p.clone(),
        (None, true) => ensure_demo_archive()?,
        (None, false) => bail!("no PATH given (or use --demo)"),
    };
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from >= to {
            bail!(
                "--from {} is not before --to {}: no time to analyse",
                format_iso(from),
                format_iso(to)
            );
        }
    }
    // Refuse outputs that cannot be written as asked before any work.
    let outputs = requested_outputs(args);
    check_outputs(&path, &outputs, args.png.as_deref())?;
    let analysis = analyse_on_queue(args, &path, db)?;
    if interrupted().load(Ordering::SeqCst) {
        bail!("interrupted; nothing written");
    }

    let mut failures: Vec<String> = Vec::new();
    let to_stdout = outputs.iter().any(|o| o.sink == Sink::Stdout);
    for o in &outputs {
        // A signal while writing: the outputs already written stay (each is
        // complete), the rest are not started.
        if interrupted().load(Ordering::SeqCst) {
            bail!(
                "interrupted while writing the outputs; {} and later ones not written",
                o.flag
            );
        }
        let bytes = o.kind.render(&analysis).unwrap_or_default();
        let result = match &o.sink {
            Sink::Stdout => write_stdout(&bytes),
            Sink::File(target) => write_output(target, &bytes).map_err(anyhow::Error::from),
        };
        if let Err(e) = result {
            failures.push(format!("{}: {e:#}", o.flag));
        }
    }
    if let Some(dir) = &args.png {
        if interrupted().load(Ordering::SeqCst) {
            bail!("interrupted while writing the outputs; the maps were not written");
        }
        failures.extend(write_maps(&analysis, dir, args.from, args.to, args.quiet));
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
    report_problems(&analysis, args.quiet);
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("segscope: error: {}", shown(f));
        }
        bail!(
            "{} of the requested outputs could not be written (the others were)",
            failures.len()
        );
    }
    Ok(())
}

/// Why an analysis found no streams, in one line.
fn no_streams_hint(analysis: &Analysis, args: &CoverageCmd) -> String {
    let root = shown(&analysis.root);
    if !args.channels.is_empty() || !args.qualities.is_empty() {
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

fn report_problems(analysis: &Analysis, quiet: bool) {
    let bad: usize = analysis.streams.iter().map(|s| s.bad_segments.len()).sum();
    let warnings = analysis.warnings.len();
    if quiet || (bad == 0 && warnings == 0) {
        return;
    }
    eprintln!("segscope: {bad} bad segments, {warnings} warnings");
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
