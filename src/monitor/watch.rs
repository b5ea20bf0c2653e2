//! Following a live archive: each cycle looks at the archive again (when not
//! one hour directory changed, the last analysis stands; otherwise only the
//! changed hours are read, the others reused from the last scan in memory or
//! from the result cache) and updates the monitor tree: a point per hour
//! judged by the alert rules, a stream that stopped growing Critical, and
//! segscope's own health. Alert changes go to the alert history; the
//! Prometheus text of a cycle is made here too. `segscope watch` runs it.
//! Each scan is a `coverage` task on the job queue, like every other scan
//! (it shows in `segscope jobs list`), handed the last analysis in memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::archive::{StallWatch, judged_hours};
use super::history::{alert_changes, record};
use super::rules::AlertRules;
use super::{Change, Level, Monitor, Reading};
use crate::analysis::Analysis;
use crate::archive::layout::Selection;
use crate::jobs::client::{Event, JobClient, Outcome};
use crate::jobs::db::Db;
use crate::jobs::runner::ClaimScope;
use crate::jobs::tasks::{Coverage, CoverageArgs, builtin_registry, reuse};
use crate::text::shown_path;

/// What one scan of a watch found.
pub struct Cycle {
    /// The analysis.
    pub analysis: Arc<Analysis>,
    /// Hour directories scanned (not reused or read from the cache).
    pub scanned: usize,
    /// How long the scan took.
    pub took: Duration,
}

/// The watch's state between scans.
pub struct Watch {
    path: PathBuf,
    name: String,
    db: Db,
    /// The job queue the scans run on.
    jobs: JobClient,
    rules: AlertRules,
    interval: Duration,
    /// The tree.
    pub monitor: Monitor,
    previous: Option<Arc<Analysis>>,
    stall: StallWatch,
}

impl Watch {
    /// A watch of `path` with the rules stored in `db`.
    pub fn new(path: &Path, db: Db, interval: Duration) -> Watch {
        let (rules, problems) = AlertRules::load(&db);
        for p in problems {
            eprintln!("segscope: warning: {p}");
        }
        let name = std::fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "archive".into());
        let mut monitor = Monitor::new(2);
        super::health::add_points(&mut monitor, &db);
        let (jobs, _) = JobClient::start(db.clone(), builtin_registry(), 1, ClaimScope::Own);
        Watch {
            path: path.to_path_buf(),
            name,
            db,
            jobs,
            rules,
            interval,
            monitor,
            previous: None,
            stall: StallWatch::default(),
        }
    }

    /// Scans the archive again (unchanged hours reused) and updates the
    /// tree; returns the scan and what changed.
    pub fn cycle(&mut self) -> anyhow::Result<(Cycle, Vec<Change>)> {
        let started = Instant::now();
        let (a, scanned) = match self.previous.clone().filter(|p| unchanged(p, &self.path)) {
            // Not one hour directory changed: the last analysis stands.
            Some(p) => (p, 0),
            None => {
                let a = self.scan()?;
                let hours: usize = a.streams.iter().map(|s| s.hours.len()).sum();
                let scanned = hours.saturating_sub(a.hours_from_cache);
                (a, scanned)
            }
        };
        let took = started.elapsed();
        let hours: usize = a.streams.iter().map(|s| s.hours.len()).sum();
        let now = Instant::now();
        let readings = judged_hours(&a, &self.name, &self.rules, Some(&mut self.stall), now);
        let mut changes =
            self.monitor
                .replace_under(&self.name, readings, Some(self.interval), now);
        changes.extend(self.monitor.set(
            "segscope/last scan",
            Reading::new(
                format!(
                    "{:.3} s, {scanned} of {hours} hours scanned",
                    took.as_secs_f64()
                ),
                Level::Green,
            ),
            Some(self.interval),
            now,
        ));
        changes.extend(self.monitor.tick(now));
        if self.previous.is_none() {
            // The first tree shows segscope's own points polled.
            let until = Instant::now() + Duration::from_millis(500);
            while self.monitor.polling() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
            changes.extend(self.monitor.collect());
        }
        self.record(&changes);
        self.previous = Some(a.clone());
        Ok((
            Cycle {
                analysis: a,
                scanned,
                took,
            },
            changes,
        ))
    }

    /// Analyses the archive as a `coverage` task on the job queue, reusing
    /// the hours of the last analysis that did not change and reading the
    /// others from the result cache.
    fn scan(&self) -> anyhow::Result<Arc<Analysis>> {
        let args = CoverageArgs {
            path: self.path.clone(),
            reuse: self.previous.as_ref().map(reuse::offer),
            ..CoverageArgs::default()
        };
        let mut handle = self.jobs.submit::<Coverage>(&args)?;
        let outcome = loop {
            if let Some(Event::Finished(outcome)) = handle.next_timeout(Duration::from_secs(1)) {
                break outcome;
            }
        };
        match outcome {
            Outcome::Done(a) => Ok(a),
            Outcome::Failed(e) => anyhow::bail!("{}: {e}", shown_path(&self.path)),
            Outcome::Cancelled | Outcome::Interrupted(_) => {
                anyhow::bail!("{}: the scan was stopped", shown_path(&self.path))
            }
        }
    }

    /// Keeps the alert changes in the history.
    pub fn record(&self, changes: &[Change]) {
        let rows = alert_changes(changes, crate::jobs::queue::now_us());
        if let Err(e) = record(&self.db, &rows) {
            eprintln!("segscope: warning: cannot record alert changes: {e}");
        }
    }

    /// The Prometheus text of the last scan: the per-hour gauges, each
    /// point's alert level and segscope's health.
    pub fn metrics(&self, cycle: &Cycle) -> Vec<u8> {
        use std::fmt::Write as _;
        let mut out = crate::export::prom::to_prometheus(&cycle.analysis);
        let mut text = String::from(
            "# HELP segscope_alert_level Alert level of a monitor point (0 none, 10 green, 20 orange, 30 red, 100 critical).\n# TYPE segscope_alert_level gauge\n",
        );
        for r in self.monitor.rows(Instant::now()).iter().filter(|r| r.leaf) {
            let _ = writeln!(
                text,
                "segscope_alert_level{{point=\"{}\"}} {}",
                crate::export::prom::label_value(&r.path),
                r.alert.number()
            );
        }
        let _ = write!(
            text,
            "# HELP segscope_last_scan_seconds Duration of the last scan.\n# TYPE segscope_last_scan_seconds gauge\nsegscope_last_scan_seconds {}\n# HELP segscope_last_scan_directories_scanned Hour directories the last scan read (the others were unchanged).\n# TYPE segscope_last_scan_directories_scanned gauge\nsegscope_last_scan_directories_scanned {}\n",
            cycle.took.as_secs_f64(),
            cycle.scanned
        );
        out.extend_from_slice(text.as_bytes());
        out
    }
}

/// True when the archive at `path` has exactly the hour directories `a` was
/// made from, each unchanged (same modification and change times) and
/// settled: one stat per hour directory instead of a scan.
fn unchanged(a: &Analysis, path: &Path) -> bool {
    let Ok(layout) = crate::archive::layout::discover(path, &Selection::default()) else {
        return false;
    };
    let now_ns = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX);
    let hours: usize = a.streams.iter().map(|s| s.hours.len()).sum();
    // Every hour of the analysis is known by its key (an hour read without
    // one, or one that is gone, means a new scan).
    layout.hours.len() == a.known_hours.len()
        && hours == a.known_hours.len()
        && layout.hours.iter().all(|h| {
            a.known_hours.get(&h.path).is_some_and(|k| {
                crate::analysis::dir_key(&h.path) == Some(k.key) && k.key.settled(now_ns)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour(root: &Path, name: &str) {
        let dir = root.join("chan/src").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for k in 0..30 {
            let s = k * 2;
            let file = format!("{:02}:{:02}.000000-2.0-full-h{s:05}.ts", s / 60, s % 60);
            std::fs::write(dir.join(file), [0u8; 10]).unwrap();
        }
    }

    #[test]
    fn a_vanished_hour_leaves_the_tree_and_the_metrics() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("arch");
        hour(&root, "2024-11-09T05");
        hour(&root, "2024-11-09T06");
        let db = Db::memory().unwrap();
        let mut w = Watch::new(&root, db, Duration::from_secs(30));
        let (cycle, _) = w.cycle().unwrap();
        let body = String::from_utf8(w.metrics(&cycle)).unwrap();
        assert!(body.contains("hour=\"2024-11-09T06\""), "{body}");
        std::fs::remove_dir_all(root.join("chan/src/2024-11-09T06")).unwrap();
        let (cycle, changes) = w.cycle().unwrap();
        assert!(
            changes.contains(&Change::Removed {
                path: "arch/chan/src/2024-11-09T06".into(),
                old: w
                    .monitor
                    .reading("arch/chan/src/2024-11-09T05")
                    .unwrap()
                    .alert,
            }),
            "{changes:?}"
        );
        let body = String::from_utf8(w.metrics(&cycle)).unwrap();
        assert!(
            !body.contains("2024-11-09T06"),
            "the vanished hour's labels are dropped: {body}"
        );
        assert!(body.contains("hour=\"2024-11-09T05\""));
        let tree = w.monitor.render_text(Instant::now());
        assert!(!tree.contains("2024-11-09T06"), "{tree}");
        // Each scan ran as a coverage task on the job queue.
        let tasks = crate::jobs::queue::list(&w.db.lock(), 10).unwrap();
        assert_eq!(tasks.len(), 2, "{tasks:?}");
        assert!(tasks.iter().all(|t| t.kind == "coverage"));
    }
}
