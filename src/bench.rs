//! `segscope bench coverage PATH`: times a bare directory walk of the archive
//! (what `find PATH -type f` does), `find` itself when present, and the full
//! analysis, over several rounds, and reports segments/s, the ratio and peak memory.

use std::fs;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::analysis::{NoObserver, analyse};
use crate::archive::layout::Selection;

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

/// Peak resident memory of this process so far, bytes (Linux; `None` elsewhere).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Runs the coverage benchmark and returns its report as text.
pub fn bench_coverage(path: &Path, rounds: usize) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let rounds = rounds.max(1);
    // Warm the cache once so every measured round sees the same state.
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
    let (walk_m, full_m) = (median(walk.clone()), median(full.clone()));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "archive: {}  ({files} files, {segments} segments, {rounds} rounds, {} threads)",
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
            "{name:<26} median {:>8.3} s   best {:>8.3} s",
            secs(median(v.to_vec())),
            secs(min)
        );
    };
    line(&mut out, "bare walk (1 thread)", &walk);
    line(&mut out, "find -type f", &find);
    line(&mut out, "full analysis", &full);
    let rate = segments as f64 / secs(full_m).max(1e-9);
    let _ = writeln!(out, "analysis rate              {rate:>12.0} segments/s");
    let _ = writeln!(
        out,
        "ratio analysis / bare walk {:>12.3}",
        secs(full_m) / secs(walk_m).max(1e-9)
    );
    if !find.is_empty() {
        let _ = writeln!(
            out,
            "ratio analysis / find      {:>12.3}",
            secs(full_m) / secs(median(find)).max(1e-9)
        );
    }
    if let Some(peak) = peak_rss_bytes() {
        let _ = writeln!(
            out,
            "peak memory (RSS)          {:>9.1} MB",
            peak as f64 / 1e6
        );
    }
    Ok(out)
}
