//! The command line: `segscope coverage`, `report`, `perf`, `demo`,
//! `demo-perf`, `anomalies`, `settings`, `watch`, `jobs`, `cache`, `bench`.
//! Output meant for scripts goes to stdout; messages and progress go to stderr.

mod anomalies;
mod coverage;
mod jobs;
mod metrics;
mod nodes;
mod outputs;
#[cfg(test)]
mod parser_fuzz;
mod perf;
mod progress;
mod settings;
mod task_wait;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::demo::{DemoOptions, default_demo_dir, generate};
use crate::jobs::db::{Db, default_db_path};
use crate::time::{hour_floor, parse_user_time};

pub use coverage::summary_text;

/// segscope: coverage, holes and overlaps of HLS segment archives.
#[derive(Parser, Debug)]
#[command(
    name = "segscope",
    version = concat!(env!("CARGO_PKG_VERSION"), " ", env!("SEGSCOPE_GIT_REV")),
    args_conflicts_with_subcommands = true,
    after_help = "Without a command, segscope opens the desktop window on PATH (or on the demo archive)."
)]
pub struct Cli {
    /// Archive to open in the window (default: the demo archive).
    pub path: Option<PathBuf>,
    /// The database holding the job queue, result cache and settings
    /// (default: segscope.db in the user's data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the desktop window (on PATH, or on the demo archive).
    Gui(GuiArgs),
    /// Analyse an archive: per-hour coverage, holes, overlaps, bad segments.
    Coverage(coverage::CoverageCmd),
    /// Write the HTML report of an archive.
    Report(coverage::ReportCmd),
    /// Several recording nodes (restreamer URLs or directories) side by side:
    /// each node's coverage, what they have together, what is lost everywhere,
    /// and what wubloader's backfiller would copy where.
    Nodes(nodes::NodesCmd),
    /// Write the deterministic demo archive.
    Demo(DemoArgs),
    /// Read a Batch Shipyard perf export: per-node start-up timings, findings,
    /// graph.py's .dat, a Chrome trace, the report.
    Perf(perf::PerfCmd),
    /// Write a generated Batch Shipyard perf export.
    DemoPerf(perf::DemoPerfArgs),
    /// The Skyline ensemble over series files, archives or perf exports: the
    /// last point of every series, or every point (--scan).
    Anomalies(anomalies::AnomaliesCmd),
    /// Stored settings shared with the app: list, read, set, reset.
    Settings(settings::SettingsCmd),
    /// Follow a live archive: re-scan changed hours every interval, print the
    /// monitor tree on changes, serve Prometheus metrics.
    Watch(watch::WatchCmd),
    /// The job queue: list, show, cancel, retry, submit, run a worker.
    Jobs(jobs::JobsCmd),
    /// The result cache.
    #[command(subcommand)]
    Cache(jobs::CacheCmd),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// `segscope gui`.
#[derive(Args, Debug)]
pub struct GuiArgs {
    /// Archive root, channel or quality directory, a node's URL, a perf export,
    /// a series file or a node file (default: the demo archive).
    pub path: Option<PathBuf>,
    /// Open the fleet of recording nodes listed in FILE (the backfiller's node
    /// file: `NAME URL` or `URL` per line).
    #[arg(long, value_name = "FILE", conflicts_with = "path")]
    pub nodes: Option<PathBuf>,
    /// Once the analysis is done and drawn, save a screenshot of the window to FILE.
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,
    /// Close the window once the analysis is done (after the screenshot).
    #[arg(long)]
    pub exit_when_done: bool,
    /// Replay a zoom/pan sweep over N frames and print frame-time percentiles.
    #[arg(long, value_name = "N")]
    pub bench_frames: Option<usize>,
    /// Once the analysis is drawn, save the timeline view (as on screen) to FILE as PNG.
    #[arg(long, value_name = "FILE")]
    pub export_view: Option<PathBuf>,
    /// Start showing this time range instead of the whole archive, as
    /// FROM,TO (e.g. 2024-11-09T03:40,2024-11-09T03:42).
    #[arg(long, value_name = "FROM,TO", value_parser = parse_view)]
    pub view: Option<(i64, i64)>,
    /// Scan every hour directory; neither read nor update the result cache.
    #[arg(long)]
    pub no_cache: bool,
    /// The view to show first: timeline or grid (an archive), gantt, phases or
    /// distributions (a perf export), anomalies (any but a fleet), nodes or
    /// node-hours (a fleet).
    #[arg(long, value_name = "VIEW", value_parser = ["timeline", "grid", "gantt", "phases", "distributions", "anomalies", "nodes", "node-hours"])]
    pub show: Option<String>,
    /// The bottom tab to show first: holes, hours, problems or monitor (an
    /// archive), findings (a perf export), plan (a fleet), jobs or log (any).
    #[arg(long, value_name = "TAB", value_parser = ["holes", "hours", "problems", "monitor", "findings", "plan", "jobs", "log"])]
    pub tab: Option<String>,
}

fn parse_view(text: &str) -> Result<(i64, i64), String> {
    let (a, b) = text
        .split_once(',')
        .ok_or_else(|| format!("expected FROM,TO, got {text:?}"))?;
    let (a, b) = (parse_user_time(a)?, parse_user_time(b)?);
    if b <= a {
        return Err(format!("the view must end after it starts: {text:?}"));
    }
    Ok((a, b))
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
    /// Bare directory walk vs `find` vs full analysis of PATH, cold and from the cache.
    Coverage {
        /// Archive to analyse.
        path: PathBuf,
        /// Rounds of each measurement.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Also change one hour directory's modification time (metadata only, no
        /// file is written) and show that only that hour is re-scanned.
        #[arg(long)]
        touch_one_hour: bool,
    },
    /// Read and analyse a perf export (a generated one by default) and render its JSON report.
    Perf {
        /// The export (default: a generated one of --nodes nodes).
        export: Option<PathBuf>,
        /// Nodes of the generated export (five images each).
        #[arg(long, default_value_t = 10_000)]
        nodes: usize,
        /// Rounds.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// The anomaly targets: last-point series/s, scan times, with NAB's
    /// folder the import time and the NAB scores, and with held-out sets of
    /// labelled series their scores at NAB's threshold and average precision.
    Anomalies(crate::bench::anomalies::AnomalyBench),
    /// A fleet of nodes served over loopback (stand-ins of one archive): the
    /// fleet read, its union and plan, against plain parallel GETs of the same
    /// listings, and the memory it holds.
    Fleet {
        /// The archive each node serves (default: a generated demo of --hours).
        #[arg(long, value_name = "DIR")]
        archive: Option<PathBuf>,
        /// Nodes.
        #[arg(long, default_value_t = 5)]
        nodes: usize,
        /// Hours of the generated demo (28 h is about 200,000 segments).
        #[arg(long, default_value_t = 28)]
        hours: u32,
        /// Rounds.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// A cold scan of PATH, then watch cycles on it unchanged (and after one
    /// hour directory changed, with --touch-one-hour).
    Watch {
        /// Archive to watch.
        path: PathBuf,
        /// Rounds.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Also move one hour directory's modification time (metadata only,
        /// no file is written) and time the cycle that re-scans it.
        #[arg(long)]
        touch_one_hour: bool,
    },
    /// Enqueue N trivial tasks one by one and run them to the end.
    Jobs {
        /// Number of tasks.
        #[arg(long, default_value_t = 10_000)]
        tasks: usize,
    },
}

/// Set by SIGINT/SIGTERM; long commands stop gracefully when they see it.
pub(crate) fn interrupted() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    &FLAG
}

fn install_signal_handler() {
    let _ = ctrlc::set_handler(|| {
        if interrupted().swap(true, Ordering::SeqCst) {
            // A second signal: stop now.
            eprintln!("segscope: interrupted again; exiting at once");
            std::process::exit(130);
        }
        eprintln!("segscope: interrupted; stopping (press Ctrl-C again to exit at once)");
    });
}

/// Opens the database named by `--db` (or the default) and prints what went wrong
/// opening it.
pub(crate) fn open_db(path: Option<&Path>) -> anyhow::Result<Db> {
    let path = path.map_or_else(default_db_path, Path::to_path_buf);
    let db = Db::open(&path)
        .with_context(|| format!("cannot open any database for {}", path.display()))?;
    // A command may open the database more than once: each warning is said once.
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|p| p.into_inner());
    for w in &db.warnings {
        if !said.contains(w) {
            eprintln!("segscope: warning: {w}");
            said.push(w.clone());
        }
    }
    Ok(db)
}

/// Environment variable: when set, segscope prints its peak memory (resident set,
/// from /proc) to stderr as it exits: `segscope: peak memory N bytes`.
pub const PEAK_ENV: &str = "SEGSCOPE_PEAK_MEMORY";

/// True when stdout was closed when segscope started (`>&-`); see
/// [`note_stdout_closed_at_exec`].
pub(crate) fn stdout_was_closed() -> &'static AtomicBool {
    static CLOSED: AtomicBool = AtomicBool::new(false);
    &CLOSED
}

/// Notes whether stdout is closed (`>&-`). Only right when called before
/// Rust's runtime starts: the runtime puts /dev/null on a closed standard
/// stream before `main`, and a /dev/null that a caller opened on purpose
/// (Python's `subprocess.DEVNULL`, systemd's `StandardOutput=null`) is a
/// working output that looks the same afterwards. The binary calls it from an
/// ELF constructor, which runs before the runtime.
pub fn note_stdout_closed_at_exec() {
    // SAFETY: F_GETFD only queries the descriptor.
    let closed = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
    stdout_was_closed().store(closed, Ordering::SeqCst);
}

/// Runs the CLI; returns the process exit code.
pub fn main() -> ExitCode {
    let started = Instant::now();
    let cli = Cli::parse();
    install_signal_handler();
    let db = cli.db.as_deref();
    let result = match cli.command {
        Some(Command::Gui(args)) => run_gui(args, db, started),
        Some(Command::Coverage(args)) => coverage::run(&args, db),
        Some(Command::Report(args)) => coverage::run_report(&args, db),
        Some(Command::Nodes(args)) => nodes::run(&args, db),
        Some(Command::Demo(args)) => run_demo(&args),
        Some(Command::Perf(args)) => perf::run(&args, db),
        Some(Command::DemoPerf(args)) => perf::run_demo_perf(&args),
        Some(Command::Anomalies(args)) => anomalies::run(&args, db),
        Some(Command::Settings(args)) => settings::run(&args, db),
        Some(Command::Watch(args)) => watch::run(&args, db),
        Some(Command::Jobs(args)) => jobs::run_jobs(&args, db),
        Some(Command::Cache(args)) => jobs::run_cache(&args, db),
        Some(Command::Bench(BenchCommand::Coverage {
            path,
            rounds,
            touch_one_hour,
        })) => crate::bench::bench_coverage(&path, rounds, touch_one_hour)
            .map(|report| print!("{report}")),
        Some(Command::Bench(BenchCommand::Perf {
            export,
            nodes,
            rounds,
        })) => crate::bench::bench_perf(export.as_deref(), nodes, rounds)
            .map(|report| print!("{report}")),
        Some(Command::Bench(BenchCommand::Anomalies(args))) => {
            crate::bench::anomalies::bench_anomalies(&args).map(|report| print!("{report}"))
        }
        Some(Command::Bench(BenchCommand::Watch {
            path,
            rounds,
            touch_one_hour,
        })) => crate::bench::bench_watch(&path, rounds, touch_one_hour)
            .map(|report| print!("{report}")),
        Some(Command::Bench(BenchCommand::Fleet {
            archive,
            nodes,
            hours,
            rounds,
        })) => crate::bench::fleet::bench_fleet(archive.as_deref(), nodes, hours, rounds)
            .map(|report| print!("{report}")),
        Some(Command::Bench(BenchCommand::Jobs { tasks })) => {
            crate::bench::bench_jobs(tasks).map(|report| print!("{report}"))
        }
        None => run_gui(
            GuiArgs {
                path: cli.path.clone(),
                nodes: None,
                screenshot: None,
                exit_when_done: false,
                bench_frames: None,
                view: None,
                export_view: None,
                no_cache: false,
                show: None,
                tab: None,
            },
            db,
            started,
        ),
    };
    if std::env::var_os(PEAK_ENV).is_some()
        && let Some(peak) = crate::memory::peak_rss_bytes()
    {
        eprintln!("segscope: peak memory {peak} bytes");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("segscope: {}", crate::text::shown(&format!("{e:#}")));
            if interrupted().load(Ordering::SeqCst) {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(not(feature = "gui"))]
fn run_gui(_args: GuiArgs, _db: Option<&Path>, _started: Instant) -> anyhow::Result<()> {
    anyhow::bail!(
        "built without the desktop window (the `gui` feature): the command line is all here, see segscope --help"
    )
}

#[cfg(feature = "gui")]
fn run_gui(args: GuiArgs, db: Option<&Path>, started: Instant) -> anyhow::Result<()> {
    if let Some(file) = &args.nodes
        && !crate::fleet::nodes::is_node_file(file)
    {
        crate::fleet::nodes::read_node_file(file).map_err(anyhow::Error::msg)?;
        anyhow::bail!(
            "{} lists no node URL (expected `NAME URL` or `URL` per line)",
            file.display()
        );
    }
    let mut options = crate::gui::GuiOptions::open(args.nodes.or(args.path));
    options.db = db.map(Path::to_path_buf);
    options.screenshot = args.screenshot;
    options.exit_when_done = args.exit_when_done;
    options.bench_frames = args.bench_frames;
    options.view = args.view;
    options.export_view = args.export_view;
    options.no_cache = args.no_cache;
    options.show = args
        .show
        .as_deref()
        .and_then(crate::gui::document::MainView::from_key);
    options.tab = args.tab.clone();
    options.started = started;
    crate::gui::run(options)
}

fn demo_options(args: &DemoArgs) -> DemoOptions {
    DemoOptions {
        seed: args.seed,
        hours: args.hours,
        channels: args.channels.clone(),
        qualities: args.qualities.clone(),
        start_us: hour_floor(args.start),
        stop: Some(interrupted()),
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
