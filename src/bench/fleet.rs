//! `segscope bench fleet`: N nodes served over loopback (restreamer stand-ins
//! of one archive), read as a fleet, against the floor: the same listings
//! fetched with plain parallel HTTP requests and thrown away.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::restreamer::{Behaviour, Restreamer};
use crate::analysis::ScanProgress;
use crate::archive::layout::Selection;
use crate::archive::remote::{Node, NodeOptions, parse_node_url};
use crate::fleet::plan::{DEFAULT_RECENT_CUTOFF_S, PlanOptions};
use crate::fleet::{FleetObserver, FleetReport, NodeResult, NodeSpec, scan_fleet};

/// When each node finished, from the start.
struct Timer {
    start: Instant,
    finished: Mutex<Vec<Duration>>,
}

impl FleetObserver for Timer {
    fn node_progress(&self, _node: usize, _p: ScanProgress) {}
    fn node_finished(&self, _node: usize, _r: &NodeResult) {
        if let Ok(mut f) = self.finished.lock() {
            f.push(self.start.elapsed());
        }
    }
}

/// Every hour listing of every node, fetched with `concurrency` requests in
/// flight per node and thrown away: what reading the fleet cannot beat.
fn floor(urls: &[String], concurrency: usize) -> anyhow::Result<(Duration, usize)> {
    let t = Instant::now();
    let listed: usize = std::thread::scope(|s| {
        let handles: Vec<_> = urls
            .iter()
            .map(|u| {
                s.spawn(move || -> anyhow::Result<usize> {
                    let url = parse_node_url(u).map_err(anyhow::Error::msg)?;
                    let node = Node::new(url, NodeOptions::default());
                    let mut hours = Vec::new();
                    for c in node.channels()? {
                        for q in node.list(&[&c]).unwrap_or_default() {
                            for h in node.list(&[&c, &q]).unwrap_or_default() {
                                hours.push((c.clone(), q.clone(), h));
                            }
                        }
                    }
                    let next = Mutex::new(hours.iter());
                    let names = std::sync::atomic::AtomicUsize::new(0);
                    std::thread::scope(|s| {
                        for _ in 0..concurrency {
                            s.spawn(|| {
                                while let Some((c, q, h)) =
                                    next.lock().ok().and_then(|mut i| i.next())
                                {
                                    if let Ok(n) = node.hour_files(c, q, h) {
                                        names.fetch_add(
                                            n.len(),
                                            std::sync::atomic::Ordering::Relaxed,
                                        );
                                    }
                                }
                            });
                        }
                    });
                    Ok(names.into_inner())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().and_then(Result::ok).unwrap_or(0))
            .sum()
    });
    Ok((t.elapsed(), listed))
}

/// Segments of every node read.
fn segments_of(report: &FleetReport) -> u64 {
    report
        .fleet
        .nodes
        .iter()
        .filter_map(|n| n.analysis.as_ref().ok())
        .map(|a| a.segment_total())
        .sum()
}

/// Serves `archive` (a demo of `hours` hours generated when `None`) as `nodes`
/// nodes and reads them `rounds` times; the report in words.
pub fn bench_fleet(
    archive: Option<&Path>,
    nodes: usize,
    hours: u32,
    rounds: usize,
) -> anyhow::Result<String> {
    let scratch = tempfile::tempdir()?;
    let dir: PathBuf = match archive {
        Some(a) => a.to_path_buf(),
        None => {
            let d = scratch.path().join("demo");
            crate::demo::generate(
                &d,
                &crate::demo::DemoOptions {
                    hours,
                    ..Default::default()
                },
            )?;
            d
        }
    };
    let servers: Vec<Restreamer> = (0..nodes.max(1))
        .map(|_| Restreamer::serve(&dir, Behaviour::Faithful))
        .collect::<std::io::Result<_>>()?;
    let urls: Vec<String> = servers.iter().map(Restreamer::url).collect();
    let concurrency = NodeOptions::default().concurrency;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "fleet of {} nodes over loopback, each serving {} ({} requests in flight per node)",
        urls.len(),
        dir.display(),
        concurrency
    );
    let rss_before = crate::memory::rss_bytes().unwrap_or(0);
    let mut kept: Option<FleetReport> = None;
    for round in 1..=rounds.max(1) {
        let (floor_time, names) = floor(&urls, concurrency)?;
        let timer = Timer {
            start: Instant::now(),
            finished: Mutex::new(Vec::new()),
        };
        let specs: Vec<NodeSpec> = urls
            .iter()
            .enumerate()
            .map(|(i, u)| NodeSpec::parse(&format!("node{}={u}", i + 1)))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?;
        drop(kept.take());
        let fleet = scan_fleet(specs, &Selection::default(), NodeOptions::default(), &timer)?;
        let listed = timer.start.elapsed();
        let report = FleetReport::new(
            fleet,
            PlanOptions {
                recent_cutoff_s: DEFAULT_RECENT_CUTOFF_S,
                now_us: crate::time::now_us(),
            },
        );
        let whole = timer.start.elapsed();
        let first = timer
            .finished
            .lock()
            .ok()
            .and_then(|f| f.iter().min().copied())
            .unwrap_or_default();
        let segments = segments_of(&report);
        let _ = writeln!(
            out,
            "round {round}: floor (plain parallel GETs of every listing, {names} names) {:.2} s; \
             segscope: first node read {:.2} s, all nodes read {:.2} s, union and plan done {:.2} s \
             ({segments} segments, {:.0} segments/s, {:.2}x the floor)",
            floor_time.as_secs_f64(),
            first.as_secs_f64(),
            listed.as_secs_f64(),
            whole.as_secs_f64(),
            segments as f64 / whole.as_secs_f64().max(1e-9),
            whole.as_secs_f64() / floor_time.as_secs_f64().max(1e-9),
        );
        kept = Some(report);
    }
    if let Some(report) = &kept {
        let segments = segments_of(report);
        let rss = crate::memory::rss_bytes().unwrap_or(0);
        let held = rss.saturating_sub(rss_before);
        let _ = writeln!(
            out,
            "memory: {:.0} MB resident holding the fleet ({:.0} MB more than before it; {:.0} bytes per segment), peak {:.0} MB",
            rss as f64 / 1e6,
            held as f64 / 1e6,
            held as f64 / segments.max(1) as f64,
            crate::memory::peak_rss_bytes().unwrap_or(0) as f64 / 1e6
        );
    }
    Ok(out)
}
