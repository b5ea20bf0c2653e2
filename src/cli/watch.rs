//! `segscope watch PATH`: follows a live archive ([`crate::monitor::watch`]),
//! a cycle every interval; the tree is printed when something changed. With
//! `--metrics-addr` the per-hour figures, alert levels and health are served
//! as Prometheus text.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;

use super::{interrupted, open_db};
use crate::monitor::Change;
use crate::monitor::watch::Watch;
use crate::text::shown_path;

/// `segscope watch`.
#[derive(Args, Debug)]
pub struct WatchCmd {
    /// The archive (root, channel or quality directory).
    pub path: PathBuf,
    /// Seconds between scans (default: the setting
    /// monitor.watch_interval_s, 30 unless changed).
    #[arg(long, value_parser = positive_seconds)]
    pub interval: Option<Duration>,
    /// Scan once, print the tree and exit.
    #[arg(long)]
    pub once: bool,
    /// Serve Prometheus text exposition at http://ADDR/metrics (a loopback
    /// address unless --metrics-public).
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Allow --metrics-addr to bind an address other machines can reach.
    #[arg(long, requires = "metrics_addr")]
    pub metrics_public: bool,
}

fn positive_seconds(text: &str) -> Result<Duration, String> {
    crate::time::parse_seconds(text, 0.05)
}

/// Runs `segscope watch`.
pub fn run(args: &WatchCmd, db: Option<&Path>) -> anyhow::Result<()> {
    if !args.path.is_dir() {
        bail!(
            "{} is not a directory: watch an archive",
            shown_path(&args.path)
        );
    }
    if let Some(addr) = args.metrics_addr
        && !addr.ip().is_loopback()
        && !args.metrics_public
    {
        bail!(
            "--metrics-addr {addr} is not a loopback address; add --metrics-public to serve it to other machines"
        );
    }
    let db = open_db(db)?;
    let interval = match args.interval {
        Some(d) => d,
        None => crate::monitor::rules::AlertRules::load(&db)
            .0
            .watch_interval(),
    };
    let mut watch = Watch::new(&args.path, db, interval);
    let body: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
    if let Some(addr) = args.metrics_addr {
        let bound = super::metrics::serve(addr, body.clone())?;
        eprintln!("segscope: serving metrics at http://{bound}/metrics");
    }
    let mut first = true;
    loop {
        match watch.cycle() {
            Ok((cycle, changes)) => {
                if let Ok(mut b) = body.lock() {
                    *b = watch.metrics(&cycle);
                }
                let hours: usize = cycle.analysis.streams.iter().map(|s| s.hours.len()).sum();
                let when = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S");
                eprintln!(
                    "segscope: {when} UTC: scanned {} of {hours} hours in {:.3} s",
                    cycle.scanned,
                    cycle.took.as_secs_f64()
                );
                // The tree again when an alert or the archive's figures
                // changed (not for the scan's own timing).
                let news = changes.iter().any(|c| match c {
                    Change::Value { path, .. } => !path.starts_with("segscope/"),
                    _ => true,
                });
                if first || news {
                    println!("== {when} UTC: worst {}", watch.monitor.worst());
                    print!("{}", watch.monitor.render_text(Instant::now()));
                    let _ = std::io::Write::flush(&mut std::io::stdout());
                }
            }
            Err(e) => eprintln!("segscope: watch: {e:#}"),
        }
        first = false;
        if args.once {
            break;
        }
        let until = Instant::now() + interval;
        while Instant::now() < until && !interrupted().load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50).min(interval));
            // Polled points (the queue, memory) change between scans too.
            let changes = watch.monitor.tick(Instant::now());
            watch.record(&changes);
        }
        if interrupted().load(Ordering::SeqCst) {
            eprintln!("segscope: watch stopped");
            break;
        }
    }
    Ok(())
}
