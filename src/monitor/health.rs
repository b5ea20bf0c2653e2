//! segscope itself in the monitor tree (`segscope/…`): the job queue (depth,
//! oldest queued task, workers busy, work pending with nothing finishing)
//! and memory, polled every 5 s; the caller sets `segscope/last scan`.

use std::time::Duration;

use super::{Level, Monitor, PollError, Reading};
use crate::jobs::db::Db;
use crate::jobs::queue::{self, TaskState};

/// How often segscope's own points are polled.
pub const POLL_EVERY: Duration = Duration::from_secs(5);

/// Adds segscope's polled points to `monitor`.
pub fn add_points(monitor: &mut Monitor, db: &Db) {
    let queue_db = db.clone();
    monitor.add_polled("segscope/queue", Some(POLL_EVERY), move || {
        queue_reading(&queue_db)
    });
    monitor.add_polled("segscope/memory", Some(POLL_EVERY), memory_reading);
}

/// The job queue's point: depth, oldest queued task, running tasks (busy
/// workers); Orange when work waits and nothing finishes.
pub fn queue_reading(db: &Db) -> Result<Reading, PollError> {
    let conn = db.lock();
    let source = |e: rusqlite::Error| PollError::Source(e.to_string());
    let counts = queue::counts(&conn).map_err(source)?;
    let of = |s: TaskState| counts.iter().find(|(t, _)| *t == s).map_or(0, |(_, n)| *n);
    let oldest = queue::oldest_queued_age_us(&conn).map_err(source)?;
    let pending = queue::work_pending(&conn).map_err(source)?;
    let mut value = format!(
        "{} queued, {} running",
        of(TaskState::Queued),
        of(TaskState::Running)
    );
    if let Some(us) = oldest {
        value.push_str(&format!(", oldest queued {:.0} s", us as f64 / 1e6));
    }
    Ok(match pending {
        Some(p) => Reading::new(format!("{value}; {}", p.message()), Level::Orange),
        None => Reading::new(value, Level::Green),
    })
}

/// The process's memory now and at its peak.
fn memory_reading() -> Result<Reading, PollError> {
    let peak = crate::memory::peak_rss_bytes()
        .ok_or_else(|| PollError::Source("no /proc/self/status".into()))?;
    let now = crate::memory::rss_bytes().unwrap_or(peak);
    Ok(Reading::new(
        format!(
            "{:.1} MB resident, peak {:.1} MB",
            now as f64 / 1e6,
            peak as f64 / 1e6
        ),
        Level::Green,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_point_counts_tasks_and_names_the_oldest() {
        let db = Db::memory().unwrap();
        let r = queue_reading(&db).unwrap();
        assert_eq!(r, Reading::new("0 queued, 0 running", Level::Green));
        queue::enqueue(&db.lock(), "sleep", &serde_json::json!({"ms": 1}), None).unwrap();
        let r = queue_reading(&db).unwrap();
        assert!(
            r.value.starts_with("1 queued, 0 running, oldest queued "),
            "{r:?}"
        );
        assert_eq!(r.alert, Level::Green, "not waiting long yet");
    }

    #[test]
    fn memory_is_read() {
        let r = memory_reading().unwrap();
        assert!(r.value.contains("MB resident, peak"), "{r:?}");
    }
}
