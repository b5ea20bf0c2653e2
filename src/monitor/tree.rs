//! The tree of monitor points and its polling.
//!
//! A point is a leaf named by its path (`channel/quality/hour`); the groups
//! above it exist while a leaf does. Iteration is depth-first with siblings
//! sorted by name (the order of the paths' components). Polled points run on
//! the monitor's own thread pool: [`Monitor::tick`] starts every point that
//! is due and not still running (a slow poll is skipped, never queued twice)
//! and applies the polls that have finished, without waiting for any.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use super::Level;

/// A point's value and alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The value, as shown.
    pub value: String,
    /// Its alert.
    pub alert: Level,
}

impl Reading {
    /// A reading.
    pub fn new(value: impl Into<String>, alert: Level) -> Reading {
        Reading {
            value: value.into(),
            alert,
        }
    }
}

/// What changed at a point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Its value.
    Value {
        /// The point.
        path: String,
        /// The new value.
        value: String,
    },
    /// Its alert.
    Alert {
        /// The point.
        path: String,
        /// The level before (None for a new point).
        old: Level,
        /// The level now.
        new: Level,
        /// The value that came with it.
        value: String,
    },
    /// The point is gone (its alert was `old`).
    Removed {
        /// The point.
        path: String,
        /// Its last alert.
        old: Level,
    },
}

/// Why a polled point could not be read (it turns Red, saying so).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PollError {
    /// Its source refused (the database, /proc), in its words.
    #[error("{0}")]
    Source(String),
    /// The poll panicked.
    #[error("the poll panicked: {0}")]
    Panicked(String),
}

type Poll = Arc<dyn Fn() -> Result<Reading, PollError> + Send + Sync>;

struct Point {
    reading: Option<Reading>,
    at: Option<Instant>,
    error: Option<String>,
    /// Polled: how often (None once, zero every tick). Set: how often a new
    /// value is expected (None: never stale).
    interval: Option<Duration>,
    poll: Option<Poll>,
    running: Arc<AtomicBool>,
}

/// One row of the tree, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct PointView {
    /// Its path.
    pub path: String,
    /// Its name (the last component).
    pub name: String,
    /// Depth below the root (0 for the top level).
    pub depth: usize,
    /// A point (not a group).
    pub leaf: bool,
    /// Its value (a group's: empty).
    pub value: String,
    /// Its alert; a group's is the worst of its descendants.
    pub alert: Level,
    /// Since it was last polled or set.
    pub age: Option<Duration>,
    /// Older than three intervals.
    pub stale: bool,
    /// The last poll failed with this.
    pub error: Option<String>,
    /// Leaves below at each level (a leaf counts itself), by [`Level::ALL`].
    pub counts: [usize; 5],
    /// The path of the worst leaf below (the first in order among equals).
    pub worst: Option<String>,
}

/// The prefix of the names of the threads polls run on.
const POLL_THREAD: &str = "segscope-monitor-";

/// Keeps the panic messages of polls off stderr (a failing poll is already
/// its point's alert, with the message as value; a point that keeps failing
/// would print it at every poll). Other panics are reported as before.
pub fn quiet_poll_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let poll = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with(POLL_THREAD));
        if !poll {
            previous(info);
        }
    }));
}

/// The tree.
pub struct Monitor {
    points: BTreeMap<Vec<String>, Point>,
    pool: rayon::ThreadPool,
    done_tx: Sender<(Vec<String>, Result<Reading, PollError>, Instant)>,
    done_rx: Receiver<(Vec<String>, Result<Reading, PollError>, Instant)>,
    /// The alert of a point whose poll failed.
    pub failure_level: Level,
    /// Called with every change, as it is made.
    listeners: Vec<Listener>,
}

type Listener = Box<dyn FnMut(&Change) + Send>;

fn split(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn level_index(l: Level) -> usize {
    Level::ALL.iter().position(|&x| x == l).unwrap_or(0)
}

impl Monitor {
    /// An empty tree polling on `threads` threads.
    pub fn new(threads: usize) -> Monitor {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("{POLL_THREAD}{i}"))
            .build()
            .unwrap_or_else(|_| {
                // Fall back to one thread; the pool is only a worker set.
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .unwrap_or_else(|e| panic!("no thread for the monitor: {e}"))
            });
        let (done_tx, done_rx) = channel();
        Monitor {
            points: BTreeMap::new(),
            pool,
            done_tx,
            done_rx,
            failure_level: Level::Red,
            listeners: Vec::new(),
        }
    }

    /// Adds (or replaces) a polled point at `path`, polled every `interval`
    /// (`None`: once; zero: every tick).
    pub fn add_polled(
        &mut self,
        path: &str,
        interval: Option<Duration>,
        poll: impl Fn() -> Result<Reading, PollError> + Send + Sync + 'static,
    ) {
        self.points.insert(
            split(path),
            Point {
                reading: None,
                at: None,
                error: None,
                interval,
                poll: Some(Arc::new(poll)),
                running: Arc::new(AtomicBool::new(false)),
            },
        );
    }

    /// Sets the point at `path` (creating it), expected to be set again every
    /// `expect_every` (older than three of those it is stale).
    pub fn set(
        &mut self,
        path: &str,
        reading: Reading,
        expect_every: Option<Duration>,
        now: Instant,
    ) -> Vec<Change> {
        let key = split(path);
        let point = self.points.entry(key.clone()).or_insert_with(|| Point {
            reading: None,
            at: None,
            error: None,
            interval: expect_every,
            poll: None,
            running: Arc::new(AtomicBool::new(false)),
        });
        point.interval = expect_every;
        let changes = apply(&key, point, Ok(reading), now, self.failure_level);
        self.notify(changes)
    }

    /// Calls `listener` with every change of a value or an alert (and every
    /// removal) from now on, as [`Monitor::set`], [`Monitor::tick`],
    /// [`Monitor::collect`] and [`Monitor::retain_under`] make them.
    pub fn on_change(&mut self, listener: impl FnMut(&Change) + Send + 'static) {
        self.listeners.push(Box::new(listener));
    }

    fn notify(&mut self, changes: Vec<Change>) -> Vec<Change> {
        for l in &mut self.listeners {
            for c in &changes {
                l(c);
            }
        }
        changes
    }

    /// Sets the points under `prefix` to `readings` (each expected again
    /// every `expect_every`, stale after three) and removes the others under
    /// it: one judgement of a whole group (an archive's hours, a pool's
    /// nodes, a run's series), the same for `segscope watch` and the app.
    pub fn replace_under(
        &mut self,
        prefix: &str,
        readings: Vec<(String, Reading)>,
        expect_every: Option<Duration>,
        now: Instant,
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut keep = std::collections::HashSet::new();
        for (path, reading) in readings {
            changes.extend(self.set(&path, reading, expect_every, now));
            keep.insert(path);
        }
        changes.extend(self.retain_under(prefix, &keep));
        changes
    }

    /// Removes every point under `prefix` whose path is not in `keep` (the
    /// points a new scan no longer has), reporting each.
    pub fn retain_under(
        &mut self,
        prefix: &str,
        keep: &std::collections::HashSet<String>,
    ) -> Vec<Change> {
        let prefix = split(prefix);
        let gone: Vec<Vec<String>> = self
            .points
            .keys()
            .filter(|k| k.starts_with(&prefix) && !keep.contains(&k.join("/")))
            .cloned()
            .collect();
        let changes = gone
            .into_iter()
            .filter_map(|k| {
                let p = self.points.remove(&k)?;
                Some(Change::Removed {
                    path: k.join("/"),
                    old: p.reading.map_or(Level::None, |r| r.alert),
                })
            })
            .collect();
        self.notify(changes)
    }

    /// Starts the polls that are due and not running, and applies those that
    /// have finished. Never waits for a poll.
    pub fn tick(&mut self, now: Instant) -> Vec<Change> {
        for (key, p) in &self.points {
            let Some(poll) = &p.poll else { continue };
            let due = match (p.at, p.interval) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(at), Some(every)) => now.saturating_duration_since(at) >= every,
            };
            if !due || p.running.swap(true, Ordering::SeqCst) {
                continue;
            }
            let (poll, running, tx, key) = (
                poll.clone(),
                p.running.clone(),
                self.done_tx.clone(),
                key.clone(),
            );
            self.pool.spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| poll())).unwrap_or_else(|e| {
                    let why = e
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| e.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(PollError::Panicked(why))
                });
                running.store(false, Ordering::SeqCst);
                let _ = tx.send((key, result, Instant::now()));
            });
        }
        self.collect()
    }

    /// Applies every poll that has finished.
    pub fn collect(&mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        while let Ok((key, result, at)) = self.done_rx.try_recv() {
            if let Some(p) = self.points.get_mut(&key) {
                changes.extend(apply(&key, p, result, at, self.failure_level));
            }
        }
        self.notify(changes)
    }

    /// True while any poll runs.
    pub fn polling(&self) -> bool {
        self.points
            .values()
            .any(|p| p.running.load(Ordering::SeqCst))
    }

    /// The reading of the point at `path`.
    pub fn reading(&self, path: &str) -> Option<&Reading> {
        self.points.get(&split(path))?.reading.as_ref()
    }

    /// Every group and point, depth-first, siblings by name, at `now`.
    pub fn rows(&self, now: Instant) -> Vec<PointView> {
        let mut rows: Vec<PointView> = Vec::new();
        // The open groups: index into rows of each ancestor of the current leaf.
        let mut open: Vec<(Vec<String>, usize)> = Vec::new();
        for (key, p) in &self.points {
            while open
                .last()
                .is_some_and(|(g, _)| !key.starts_with(g) || g.len() >= key.len())
            {
                open.pop();
            }
            for depth in open.len()..key.len().saturating_sub(1) {
                let group = key[..=depth].to_vec();
                rows.push(PointView {
                    path: group.join("/"),
                    name: group[depth].clone(),
                    depth,
                    leaf: false,
                    value: String::new(),
                    alert: Level::None,
                    age: None,
                    stale: false,
                    error: None,
                    counts: [0; 5],
                    worst: None,
                });
                open.push((group, rows.len() - 1));
            }
            let alert = p.reading.as_ref().map_or(Level::None, |r| r.alert);
            let age = p.at.map(|at| now.saturating_duration_since(at));
            let stale = match (age, p.interval) {
                (Some(age), Some(every)) if !every.is_zero() => age > every * 3,
                _ => false,
            };
            let path = key.join("/");
            let mut counts = [0; 5];
            counts[level_index(alert)] = 1;
            for (_, i) in &open {
                let g = &mut rows[*i];
                g.counts[level_index(alert)] += 1;
                // The first leaf in order among the worst.
                if g.worst.is_none() || alert > g.alert {
                    g.worst = Some(path.clone());
                    g.alert = g.alert.max(alert);
                }
            }
            rows.push(PointView {
                name: key.last().cloned().unwrap_or_default(),
                path: path.clone(),
                depth: key.len().saturating_sub(1),
                leaf: true,
                value: p
                    .reading
                    .as_ref()
                    .map(|r| r.value.clone())
                    .unwrap_or_default(),
                alert,
                age,
                stale,
                error: p.error.clone(),
                counts,
                worst: Some(path),
            });
        }
        rows
    }

    /// The worst alert of the whole tree.
    pub fn worst(&self) -> Level {
        self.points
            .values()
            .filter_map(|p| p.reading.as_ref().map(|r| r.alert))
            .max()
            .unwrap_or(Level::None)
    }

    /// The tree as a text table: indented name, value, alert, last polled age.
    pub fn render_text(&self, now: Instant) -> String {
        use std::fmt::Write as _;
        let rows = self.rows(now);
        let width = rows
            .iter()
            .map(|r| 2 * r.depth + r.name.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut out = format!("{:width$}  {:<8}  {:>8}  value\n", "point", "alert", "age");
        for r in rows {
            let name = format!("{}{}", "  ".repeat(r.depth), crate::text::shown(&r.name));
            let age = r
                .age
                .map_or_else(|| "-".into(), |a| format!("{:.0}s", a.as_secs_f64()));
            let value = if r.leaf {
                r.value.clone()
            } else {
                let c = r.counts;
                format!(
                    "{} points: {} green, {} orange, {} red, {} critical",
                    c.iter().sum::<usize>(),
                    c[1],
                    c[2],
                    c[3],
                    c[4]
                )
            };
            let stale = if r.stale { " (stale)" } else { "" };
            let _ = writeln!(
                out,
                "{name:width$}  {:<8}  {age:>8}  {}{stale}",
                r.alert.name(),
                crate::text::shown(&value)
            );
        }
        out
    }
}

/// Takes a poll's or a setter's result into `p`, returning what changed.
fn apply(
    key: &[String],
    p: &mut Point,
    result: Result<Reading, PollError>,
    at: Instant,
    failure_level: Level,
) -> Vec<Change> {
    let path = key.join("/");
    let reading = match result {
        Ok(r) => {
            p.error = None;
            r
        }
        Err(e) => {
            p.error = Some(e.to_string());
            Reading::new(e.to_string(), failure_level)
        }
    };
    p.at = Some(at);
    let mut changes = Vec::new();
    let old = p.reading.take();
    if old.as_ref().is_none_or(|o| o.value != reading.value) {
        changes.push(Change::Value {
            path: path.clone(),
            value: reading.value.clone(),
        });
    }
    let old_alert = old.as_ref().map_or(Level::None, |o| o.alert);
    if old.is_none() || old_alert != reading.alert {
        changes.push(Change::Alert {
            path,
            old: old_alert,
            new: reading.alert,
            value: reading.value.clone(),
        });
    }
    p.reading = Some(reading);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_for(m: &mut Monitor, what: &str, done: impl Fn(&Monitor) -> bool) -> Vec<Change> {
        let until = Instant::now() + Duration::from_secs(10);
        let mut changes = Vec::new();
        while !done(m) {
            changes.extend(m.tick(Instant::now()));
            assert!(Instant::now() < until, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(2));
        }
        changes
    }

    #[test]
    fn groups_roll_up_the_worst_and_count_levels() {
        let mut m = Monitor::new(2);
        let now = Instant::now();
        m.set("b/q/10", Reading::new("99.5%", Level::Orange), None, now);
        m.set("a/q/01", Reading::new("100%", Level::Green), None, now);
        m.set("b/q/09", Reading::new("80%", Level::Red), None, now);
        m.set("b/r/09", Reading::new("80%", Level::Red), None, now);
        let rows = m.rows(now);
        let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "a", "a/q", "a/q/01", "b", "b/q", "b/q/09", "b/q/10", "b/r", "b/r/09"
            ],
            "depth-first, siblings by name"
        );
        let b = &rows[3];
        assert_eq!((b.alert, b.leaf, b.depth), (Level::Red, false, 0));
        assert_eq!(b.counts, [0, 0, 1, 2, 0]);
        assert_eq!(b.worst.as_deref(), Some("b/q/09"), "the first worst leaf");
        assert_eq!(rows[0].alert, Level::Green);
        assert_eq!(m.worst(), Level::Red);
        let text = m.render_text(now);
        assert!(text.contains("b  "), "{text}");
        assert!(text.contains("    09"), "indented: {text}");
        assert!(
            text.contains("3 points: 0 green, 1 orange, 2 red"),
            "{text}"
        );
    }

    #[test]
    fn changes_are_reported_and_vanished_points_removed() {
        let mut m = Monitor::new(1);
        let now = Instant::now();
        let first = m.set("a/x", Reading::new("1", Level::Green), None, now);
        assert_eq!(first.len(), 2, "a new point: value and alert");
        assert!(
            m.set("a/x", Reading::new("1", Level::Green), None, now)
                .is_empty()
        );
        let c = m.set("a/x", Reading::new("2", Level::Red), None, now);
        assert!(c.contains(&Change::Alert {
            path: "a/x".into(),
            old: Level::Green,
            new: Level::Red,
            value: "2".into()
        }));
        m.set("a/y", Reading::new("3", Level::Green), None, now);
        let keep = ["a/y".to_string()].into_iter().collect();
        let gone = m.retain_under("a", &keep);
        assert_eq!(
            gone,
            vec![Change::Removed {
                path: "a/x".into(),
                old: Level::Red
            }]
        );
        assert_eq!(m.rows(now).len(), 2);
    }

    #[test]
    fn listeners_hear_every_change_as_it_is_made() {
        let mut m = Monitor::new(1);
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let h = heard.clone();
        m.on_change(move |c| h.lock().unwrap().push(c.clone()));
        let now = Instant::now();
        let mut returned = m.set("a/x", Reading::new("1", Level::Green), None, now);
        returned.extend(m.set("a/x", Reading::new("2", Level::Orange), None, now));
        m.add_polled("a/p", None, || Ok(Reading::new("polled", Level::Red)));
        returned.extend(m.tick(now));
        let until = Instant::now() + Duration::from_secs(10);
        while !returned
            .iter()
            .any(|c| matches!(c, Change::Value { value, .. } if value == "polled"))
        {
            assert!(Instant::now() < until, "the poll never finished");
            std::thread::sleep(Duration::from_millis(5));
            returned.extend(m.collect());
        }
        returned.extend(m.retain_under("a", &std::collections::HashSet::new()));
        assert_eq!(*heard.lock().unwrap(), returned);
        assert_eq!(
            returned
                .iter()
                .filter(|c| matches!(c, Change::Removed { .. }))
                .count(),
            2
        );
    }

    #[test]
    fn a_value_older_than_three_intervals_is_stale() {
        let mut m = Monitor::new(1);
        let then = Instant::now();
        m.set(
            "p",
            Reading::new("1", Level::Green),
            Some(Duration::from_secs(10)),
            then,
        );
        assert!(!m.rows(then + Duration::from_secs(30)).last().unwrap().stale);
        assert!(m.rows(then + Duration::from_secs(31)).last().unwrap().stale);
        m.set("q", Reading::new("1", Level::Green), None, then);
        assert!(
            !m.rows(then + Duration::from_secs(3600))[1].stale,
            "no interval, never stale"
        );
    }

    #[test]
    fn a_failing_panicking_or_hanging_poll_does_not_stop_the_others() {
        let mut m = Monitor::new(3);
        m.add_polled("fails", Some(Duration::ZERO), || {
            Err(PollError::Source("disk gone".into()))
        });
        m.add_polled("panics", Some(Duration::ZERO), || panic!("boom"));
        let release = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (r, c) = (release.clone(), calls.clone());
        m.add_polled("hangs", Some(Duration::ZERO), move || {
            c.fetch_add(1, Ordering::SeqCst);
            while !r.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(Reading::new("late", Level::Green))
        });
        let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let n = counter.clone();
        m.add_polled("counts", Some(Duration::ZERO), move || {
            let k = n.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(Reading::new(k.to_string(), Level::Green))
        });
        wait_for(&mut m, "five polls of the counter and the failures", |m| {
            m.reading("counts")
                .is_some_and(|r| r.value.parse::<usize>().unwrap_or(0) >= 5)
                && m.reading("fails").is_some()
                && m.reading("panics").is_some()
        });
        assert_eq!(
            m.reading("fails").unwrap(),
            &Reading::new("disk gone", Level::Red)
        );
        let panicked = m.reading("panics").unwrap();
        assert_eq!(panicked.alert, Level::Red);
        assert!(panicked.value.contains("boom"), "{panicked:?}");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a running poll is not started again"
        );
        assert!(m.reading("hangs").is_none());
        release.store(true, Ordering::SeqCst);
        wait_for(&mut m, "the slow poll", |m| m.reading("hangs").is_some());
        let fails = m
            .rows(Instant::now())
            .into_iter()
            .find(|r| r.path == "fails")
            .unwrap();
        assert_eq!(fails.error.as_deref(), Some("disk gone"));
    }
}
