//! The command line: `segscope coverage`, `segscope demo`, `segscope bench`.
//! Output meant for scripts goes to stdout; messages and progress go to stderr.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};

use crate::analysis::{Analysis, ScanObserver, ScanProgress, analyse};
use crate::archive::layout::{Layout, Selection};
use crate::coverage::best::HourSummary;
use crate::coverage::timeline::HoleKind;
use crate::demo::{DemoOptions, default_demo_dir, generate};
use crate::export::atomic::{ensure_outside, write_atomic};
use crate::export::{csv, json, png, prom};
use crate::time::{HOUR_US, hour_floor, parse_user_time, us_to_secs};

/// segscope: coverage, holes and overlaps of HLS segment archives.
#[derive(Parser, Debug)]
#[command(name = "segscope", version = concat!(env!("CARGO_PKG_VERSION"), " ", env!("SEGSCOPE_GIT_REV")))]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse an archive: per-hour coverage, holes, overlaps, bad segments.
    Coverage(CoverageArgs),
    /// Write the deterministic demo archive.
    Demo(DemoArgs),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// `segscope coverage`.
#[derive(Args, Debug)]
pub struct CoverageArgs {
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
    /// No summary and no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `segscope demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to write it (must not exist). Default: the demo archive in segscope's data directory.
    pub dir: Option<PathBuf>,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Hours per stream.
    #[arg(long, default_value_t = 6)]
    pub hours: u32,
    /// Channel names (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = ["desertbus".to_string(), "bonus".to_string()])]
    pub channels: Vec<String>,
    /// Quality names (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = ["source".to_string(), "480p".to_string()])]
    pub qualities: Vec<String>,
    /// First hour (UTC).
    #[arg(long, value_name = "TIME", value_parser = parse_user_time, default_value = "2024-11-09T00")]
    pub start: i64,
}

/// `segscope bench ...`.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Bare directory walk vs `find` vs full analysis of PATH.
    Coverage {
        /// Archive to analyse.
        path: PathBuf,
        /// Rounds of each measurement.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
}

/// Runs the CLI; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Coverage(args)) => run_coverage(&args),
        Some(Command::Demo(args)) => run_demo(&args),
        Some(Command::Bench(BenchCommand::Coverage { path, rounds })) => {
            crate::bench::bench_coverage(&path, rounds).map(|report| print!("{report}"))
        }
        None => {
            use clap::CommandFactory as _;
            let _ = Cli::command().print_help();
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("segscope: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn demo_options(args: &DemoArgs) -> DemoOptions {
    DemoOptions {
        seed: args.seed,
        hours: args.hours,
        channels: args.channels.clone(),
        qualities: args.qualities.clone(),
        start_us: hour_floor(args.start),
    }
}

fn run_demo(args: &DemoArgs) -> anyhow::Result<()> {
    let dir = args.dir.clone().unwrap_or_else(default_demo_dir);
    let t = Instant::now();
    let summary = generate(&dir, &demo_options(args))
        .with_context(|| format!("cannot write demo archive {}", dir.display()))?;
    eprintln!(
        "wrote demo archive {} ({} files, {:.1} GB apparent size, no disk blocks used) in {:.1} s",
        dir.display(),
        summary.files,
        summary.apparent_bytes as f64 / 1e9,
        t.elapsed().as_secs_f64()
    );
    println!("{}", dir.display());
    Ok(())
}

/// Returns the default demo archive, generating it first when missing.
pub fn ensure_demo_archive() -> anyhow::Result<PathBuf> {
    let dir = default_demo_dir();
    if !dir.exists() {
        eprintln!("generating the demo archive at {} ...", dir.display());
        generate(&dir, &DemoOptions::default())
            .with_context(|| format!("cannot write demo archive {}", dir.display()))?;
    }
    Ok(dir)
}

/// A progress bar on stderr (only when stderr is a terminal), at most 10 updates/s.
struct ProgressBar {
    start: Instant,
    last: Mutex<Option<Instant>>,
}

impl ScanObserver for ProgressBar {
    fn hour_done(&self, _stream: usize, _summary: &HourSummary, p: ScanProgress) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let now = Instant::now();
        if p.hours_done < p.hours_total
            && last.is_some_and(|l| now - l < Duration::from_millis(100))
        {
            return;
        }
        *last = Some(now);
        let frac = p.hours_done as f64 / p.hours_total.max(1) as f64;
        let elapsed = self.start.elapsed().as_secs_f64();
        let eta = if frac > 0.0 {
            elapsed / frac - elapsed
        } else {
            0.0
        };
        let filled = (frac * 30.0) as usize;
        eprint!(
            "\r[{}{}] {}/{} hours, {} segments, ETA {:.0} s   ",
            "#".repeat(filled),
            " ".repeat(30 - filled.min(30)),
            p.hours_done,
            p.hours_total,
            p.segments,
            eta
        );
        if p.hours_done == p.hours_total {
            eprintln!();
        }
    }
    fn started(&self, _layout: &Layout) {}
}

fn run_coverage(args: &CoverageArgs) -> anyhow::Result<()> {
    let path = match (&args.path, args.demo) {
        (Some(p), _) => p.clone(),
        (None, true) => ensure_demo_archive()?,
        (None, false) => bail!("no PATH given (or use --demo)"),
    };
    let selection = Selection {
        channels: args.channels.clone(),
        qualities: args.qualities.clone(),
        from_us: args.from,
        to_us: args.to,
    };
    // Refuse outputs inside the archive before any work.
    let stdout_json = args.json.as_deref() == Some(Path::new("-"));
    let targets = [
        args.json.as_ref().filter(|_| !stdout_json),
        args.csv.as_ref(),
        args.holes_csv.as_ref(),
        args.prom.as_ref(),
        args.png.as_ref(),
    ];
    for target in targets.into_iter().flatten() {
        ensure_outside(&path, target)?;
    }
    let bar = ProgressBar {
        start: Instant::now(),
        last: Mutex::new(None),
    };
    let analysis = if !args.quiet && std::io::stderr().is_terminal() {
        analyse(&path, &selection, &bar)
    } else {
        analyse(&path, &selection, &crate::analysis::NoObserver)
    }?;

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
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for s in &analysis.streams {
        let data = png::data_hours(&s.coverage);
        let first = from.map(hour_floor).or(data.map(|d| d.0));
        let last = to
            .map(|t| hour_floor(t - 1) + HOUR_US)
            .or(data.map(|d| d.1));
        let (Some(first), Some(last)) = (first, last) else {
            eprintln!(
                "segscope: no map for {}/{}: no segments",
                s.channel, s.quality
            );
            continue;
        };
        let img = png::wubloader_map(&s.coverage, first, last);
        let bytes = png::encode_png(&img).context("cannot encode PNG")?;
        write_atomic(
            &dir.join(png::map_file_name(&s.channel, &s.quality)),
            &bytes,
        )?;
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
        let c = &s.coverage;
        let segments: u64 = s
            .hours
            .iter()
            .map(|h| h.segment_count.full + h.segment_count.suspect + h.segment_count.partial)
            .sum();
        let span = match (c.first_start_us, c.last_end_us) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        let raw: i64 = c.hours.iter().map(|h| h.raw_coverage_us).sum();
        let edit: i64 = c.hours.iter().map(|h| h.editable_coverage_us).sum();
        let raw_holes: Vec<_> = c.holes.iter().filter(|h| h.kind == HoleKind::Raw).collect();
        let hole_time: i64 = raw_holes.iter().map(|h| h.span.duration_us()).sum();
        let pct = |v: i64| {
            if span > 0 {
                100.0 * v as f64 / span as f64
            } else {
                0.0
            }
        };
        let _ = writeln!(
            out,
            "{:<24} {:>6} {:>9} {:>7.3}% {:>8.3}% {:>6} {:>10.3}s {:>5}",
            format!("{}/{}", s.channel, s.quality),
            s.hours.len(),
            segments,
            pct(raw),
            pct(edit),
            raw_holes.len(),
            us_to_secs(hole_time),
            s.bad_segments.len()
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
