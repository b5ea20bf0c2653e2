//! Benchmarks. `segscope bench coverage PATH`: times a bare directory walk of the archive
//! (what `find PATH -type f` does), `find` itself when present, and the full
//! analysis, over several rounds, and reports segments/s, the ratio and peak memory.

pub mod anomalies;
pub mod fleet;
pub mod heldout;
pub mod restreamer;

use std::fs;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::analysis::{NoObserver, analyse, analyse_with_cache};
use crate::archive::layout::Selection;
use crate::jobs::cache::SqliteHourCache;
use crate::jobs::db::Db;

/// Counts regular files (and other non-directories) under `dir` without following
/// symlinks, single-threaded, like `find DIR -type f`.
pub fn bare_walk(dir: &Path) -> io::Result<u64> {
    let mut count = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => count += 1,
                _ => {}
            }
        }
    }
    Ok(count)
}

/// Times `find DIR -type f | wc -l` (lines counted in-process as they stream, so
/// the listing is never held in memory). `None` without `find`.
fn time_find(dir: &Path) -> Option<(Duration, u64)> {
    use std::io::Read as _;
    let start = Instant::now();
    let mut child = Command::new("find")
        .arg(dir)
        .args(["-type", "f"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    loop {
        match stdout.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64,
        }
    }
    child.wait().ok()?;
    Some((start.elapsed(), lines))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Runs the coverage benchmark and returns its report as text: bare walk, `find`,
/// full analysis without cache, then with a result cache (cold fill, warm rounds),
/// and optionally after touching one hour directory.
pub fn bench_coverage(path: &Path, rounds: usize, touch_one_hour: bool) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let rounds = rounds.max(1);
    // Warm the page cache once so every measured round sees the same state.
    let files = bare_walk(path)?;
    let mut walk = Vec::new();
    let mut find = Vec::new();
    let mut full = Vec::new();
    let mut segments = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        bare_walk(path)?;
        walk.push(t.elapsed());
        if let Some((d, _)) = time_find(path) {
            find.push(d);
        }
        let t = Instant::now();
        let analysis = analyse(path, &Selection::default(), &NoObserver)?;
        full.push(t.elapsed());
        segments = analysis.segment_total();
        drop(analysis);
    }

    // The result cache, in a scratch database.
    let scratch = tempfile::tempdir()?;
    let db = Db::open(&scratch.path().join("bench.db"))?;
    let cached = || -> anyhow::Result<(Duration, usize, usize)> {
        let cache = SqliteHourCache::new(db.clone(), path);
        let t = Instant::now();
        let a = analyse_with_cache(path, &Selection::default(), &NoObserver, Some(&cache))?;
        let d = t.elapsed();
        let hours: usize = a.streams.iter().map(|s| s.hours.len()).sum();
        Ok((d, hours, a.hours_from_cache))
    };
    let (fill, hours, _) = cached()?;
    let mut warm = Vec::new();
    let mut warm_hits = 0;
    for _ in 0..rounds {
        let (d, _, hits) = cached()?;
        warm.push(d);
        warm_hits = hits;
    }

    let (walk_m, full_m) = (median(walk.clone()), median(full.clone()));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "archive: {}  ({files} files, {segments} segments, {hours} hour directories, {rounds} rounds, {} threads)",
        path.display(),
        rayon::current_num_threads()
    );
    let secs = |d: Duration| d.as_secs_f64();
    let line = |out: &mut String, name: &str, v: &[Duration]| {
        if v.is_empty() {
            return;
        }
        let min = v.iter().min().copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "{name:<30} median {:>8.3} s   best {:>8.3} s",
            secs(median(v.to_vec())),
            secs(min)
        );
    };
    line(&mut out, "bare walk (1 thread)", &walk);
    line(&mut out, "find -type f", &find);
    line(&mut out, "full analysis (no cache)", &full);
    line(&mut out, "first analysis filling cache", &[fill]);
    line(&mut out, "warm analysis from cache", &warm);
    let rate = segments as f64 / secs(full_m).max(1e-9);
    let _ = writeln!(
        out,
        "analysis rate                  {rate:>12.0} segments/s"
    );
    let _ = writeln!(
        out,
        "ratio analysis / bare walk     {:>12.3}",
        secs(full_m) / secs(walk_m).max(1e-9)
    );
    if !find.is_empty() {
        let _ = writeln!(
            out,
            "ratio analysis / find          {:>12.3}",
            secs(full_m) / secs(median(find)).max(1e-9)
        );
    }
    let _ = writeln!(
        out,
        "ratio warm cache / no cache    {:>12.3}   ({warm_hits} of {hours} hours from cache)",
        secs(median(warm)) / secs(full_m).max(1e-9)
    );
    if touch_one_hour {
        let layout = crate::archive::layout::discover(path, &Selection::default())?;
        if let Some(hour) = layout.hours.get(layout.hours.len() / 2) {
            // Metadata only: the directory's modification time moves forward.
            let dir = fs::File::open(&hour.path)?;
            dir.set_modified(std::time::SystemTime::now())?;
            drop(dir);
            // Let the change age past the cache's racy window so it is stored again.
            std::thread::sleep(Duration::from_millis(2100));
            let (d, hours, hits) = cached()?;
            let _ = writeln!(
                out,
                "after touching {}: {:.3} s, re-scanned {} of {hours} hours",
                crate::archive::relative_display(path, &hour.path),
                secs(d),
                hours - hits
            );
        }
    }
    if let Some(peak) = crate::memory::peak_rss_bytes() {
        let _ = writeln!(
            out,
            "peak memory (RSS)              {:>9.1} MB",
            peak as f64 / 1e6
        );
    }
    Ok(out)
}

/// Enqueues `n` trivial tasks one by one (one transaction each) on a scratch
/// database and times them until every one has finished.
pub fn bench_jobs(n: usize) -> anyhow::Result<String> {
    use crate::jobs::queue;
    use crate::jobs::runner::{ClaimScope, JobEvent, Runner};
    let scratch = tempfile::tempdir()?;
    let db = Db::open(&scratch.path().join("bench.db"))?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (runner, _) = Runner::start(
        db.clone(),
        crate::jobs::tasks::builtin_registry(),
        workers,
        ClaimScope::Any,
    );
    let events = runner.subscribe();
    let t = Instant::now();
    for i in 0..n {
        runner.submit("noop", &serde_json::json!(i), false)?;
    }
    let enqueued = t.elapsed();
    let mut finished = 0;
    while finished < n {
        match events.recv_timeout(Duration::from_secs(30)) {
            Ok(JobEvent::Finished { .. }) => finished += 1,
            Ok(_) => {}
            Err(_) => anyhow::bail!("tasks stopped finishing after {finished} of {n}"),
        }
    }
    let total = t.elapsed();
    runner.stop(Duration::from_secs(1));
    let done = queue::counts(&db.lock())?
        .into_iter()
        .find(|(s, _)| *s == queue::TaskState::Done)
        .map_or(0, |(_, c)| c);
    Ok(format!(
        "{n} trivial tasks, {workers} workers, database {}\n\
         enqueued one by one in      {:>8.3} s\n\
         enqueued and finished in    {:>8.3} s   ({:.0} tasks/s)\n\
         tasks recorded done         {done:>8}\n",
        scratch.path().join("bench.db").display(),
        enqueued.as_secs_f64(),
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64().max(1e-9),
    ))
}

/// `segscope bench perf [EXPORT]`: reads and analyses a perf export (a
/// generated one of `nodes` nodes, five images each, when none is given) and
/// renders its JSON report, `rounds` times; reports rows, nodes, the times
/// (median and best) and rows per second.
pub fn bench_perf(export: Option<&Path>, nodes: usize, rounds: usize) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir()?;
    let path = match export {
        Some(p) => p.to_path_buf(),
        None => {
            let p = dir.path().join("bench-perf.csv");
            let options = crate::perf::demo::DemoPerfOptions {
                nodes,
                images: 5,
                ..Default::default()
            };
            fs::write(&p, crate::perf::demo::demo_perf_export(&options))?;
            p
        }
    };
    let size = fs::metadata(&path)?.len();
    let mut times = Vec::new();
    let mut parts = Vec::new();
    let mut summary = (0, 0, 0);
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let (form, export) = crate::perf::read::read_export(fs::File::open(&path)?)?;
        let read = start.elapsed();
        let a = crate::perf::timings_of_export(&path, form, export, None);
        let timed = start.elapsed();
        let again = Instant::now();
        let json = crate::export::timing::perf_json(&a);
        let render = again.elapsed();
        times.push(timed + render);
        parts.push((read, timed - read, render));
        let nodes: usize = a.pools.iter().map(|p| p.nodes.len()).sum();
        summary = (a.rows, nodes, json.len());
    }
    parts.sort();
    times.sort();
    let median = times[times.len() / 2].as_secs_f64();
    let best = times[0].as_secs_f64();
    let (rows, nodes, json) = summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "perf export {}: {:.1} MB, {rows} rows, {nodes} nodes",
        path.display(),
        size as f64 / 1e6
    );
    let _ = writeln!(
        out,
        "read + timings + JSON report ({:.1} MB): median {:.3} s, best {:.3} s over {} rounds, {:.0} rows/s",
        json as f64 / 1e6,
        median,
        best,
        times.len(),
        rows as f64 / median.max(1e-9)
    );
    let (read, timings, render) = parts[parts.len() / 2];
    let _ = writeln!(
        out,
        "  of which: reading {:.3} s, timings {:.3} s, JSON {:.3} s",
        read.as_secs_f64(),
        timings.as_secs_f64(),
        render.as_secs_f64()
    );
    if let Some(peak) = crate::memory::peak_rss_bytes() {
        let _ = writeln!(
            out,
            "peak memory of this process (generation included) {:.1} MB",
            peak as f64 / 1e6
        );
    }
    Ok(out)
}

/// `segscope bench watch PATH`: a cold scan (no cache), then watch cycles on
/// the unchanged archive (hours reused from the last scan in memory), and
/// with `touch_one_hour` a cycle after one hour directory changed (its
/// modification time moved, no file written).
pub fn bench_watch(path: &Path, rounds: usize, touch_one_hour: bool) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let cold = median(
        (0..rounds.max(1))
            .map(|_| {
                let start = Instant::now();
                let a = analyse(path, &Selection::default(), &NoObserver);
                std::hint::black_box(a.map(|a| a.streams.len()).unwrap_or(0));
                start.elapsed()
            })
            .collect(),
    );
    let dir = tempfile::tempdir()?;
    let db = Db::open(&dir.path().join("bench.db"))?;
    let mut watch = crate::monitor::watch::Watch::new(path, db, Duration::from_secs(30));
    let (first, _) = watch.cycle()?;
    let mut unchanged = Vec::new();
    // Whole cycles: the scan, the tree's update and the alert history.
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let (c, _) = watch.cycle()?;
        unchanged.push((start.elapsed(), c.scanned));
    }
    let hours: usize = first.analysis.streams.iter().map(|s| s.hours.len()).sum();
    let segments = first.analysis.segment_total();
    let hour = crate::archive::layout::discover(path, &Selection::default())?
        .hours
        .first()
        .map(|h| h.path.clone())
        .filter(|_| touch_one_hour);
    let mut changed = None;
    if let Some(hour) = hour {
        // Move one hour's modification time back a minute (metadata only).
        let old = std::time::SystemTime::now() - Duration::from_secs(60);
        fs::File::open(&hour)?.set_times(fs::FileTimes::new().set_modified(old))?;
        let start = Instant::now();
        let (c, _) = watch.cycle()?;
        changed = Some((start.elapsed(), c.scanned));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "archive: {} ({segments} segments, {hours} hour directories)",
        path.display()
    );
    let _ = writeln!(
        out,
        "cold scan (no cache)            median {:8.3} s",
        cold.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "first watch cycle (fills cache)        {:8.3} s",
        first.took.as_secs_f64()
    );
    let took = median(unchanged.iter().map(|u| u.0).collect());
    let _ = writeln!(
        out,
        "watch cycle, unchanged         median {:8.3} s  ({:.1}% of cold; {} hours scanned)",
        took.as_secs_f64(),
        100.0 * took.as_secs_f64() / cold.as_secs_f64().max(1e-9),
        unchanged.last().map_or(0, |u| u.1)
    );
    if let Some((t, scanned)) = changed {
        let _ = writeln!(
            out,
            "watch cycle, one hour changed          {:8.3} s  ({scanned} hours scanned)",
            t.as_secs_f64()
        );
    }
    Ok(out)
}
